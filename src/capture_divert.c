/*
 * capture_divert.c: divert(4) sockets on OpenBSD (pf divert-packet) and FreeBSD 14 (ipfw
 * divert). A packet read is the drop: it is never written back, so it is gone. With no
 * socket bound to the port the kernel drops what is diverted there, so a dead daemon fails
 * closed. The reply is written back through the same socket, with the address saying which
 * way it goes (divert(4)): a local address makes it an inbound packet on the interface that
 * holds it (to a program on this host), the unspecified address an outbound one (to a
 * forwarded client). Written packets skip pf; ipfw's "not diverted" keeps them from being
 * diverted again. No raw socket is needed.
 *
 * Not yet run on a BSD kernel: tested on Linux through tests/bsd/divert_compat.h.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <errno.h>
#include <ifaddrs.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifdef DNSFENCE_DIVERT_COMPAT
#include "divert_compat.h"	/* tests only: Linux stands in for a BSD */
#elif defined(__linux__)
#error "capture_divert.c is for OpenBSD and FreeBSD; Linux tests build it with DNSFENCE_DIVERT_COMPAT"
#endif
#include "capture.h"
#include "capture_divert.h"
#include "config.h"
#include "evl.h"
#include "packet.h"

#ifndef DIVERT_RECVFROM
#define DIVERT_SOCKET	socket
#define DIVERT_BIND	bind
#define DIVERT_RECVFROM	recvfrom
#define DIVERT_SENDTO	sendto
#endif

#if defined(__OpenBSD__) || defined(__FreeBSD__)
#define DIVERT_SET_LEN(sa, l)	((sa)->sa_len = (uint8_t)(l))
#else
#define DIVERT_SET_LEN(sa, l)	((void)(sa), (void)(l))
#endif

#define DIVERT_DNS_PORT	53
#define DIVERT_BUFSZ	PKT_MAXLEN	/* the longest IP packet; one more byte tells a longer one */
#define DIVERT_IFNAMSIZ	8		/* FreeBSD: the interface name fits in sin_zero */

struct capture {
	enum divert_flavor	 flavor;
	int			 fd4;	/* FreeBSD: both families */
	int			 fd6;	/* OpenBSD only, else -1 */
	int			 mux;	/* two sockets: readable when either is (evl); else -1 */
	uint32_t		 batch;
	struct divert_counters	 ctr;
	uint8_t			 buf[DIVERT_BUFSZ + 1];
};

/* Interface holding this address (family's 4 or 16 bytes): its name, 0; -1 if none does. */
static int
divert_ifname_of(int family, const uint8_t *addr, char *name, size_t namelen)
{
	struct ifaddrs *ifa, *i;
	int found = -1;

	if (getifaddrs(&ifa) == -1)
		return -1;
	for (i = ifa; i != NULL && found == -1; i = i->ifa_next) {
		if (i->ifa_addr == NULL || i->ifa_addr->sa_family != family)
			continue;
		if (family == AF_INET ? memcmp(&((struct sockaddr_in *)(void *)i->ifa_addr)->sin_addr,
		    addr, 4) != 0 : memcmp(&((struct sockaddr_in6 *)(void *)i->ifa_addr)->sin6_addr,
		    addr, 16) != 0)
			continue;
		if (strlen(i->ifa_name) < namelen) {
			memcpy(name, i->ifa_name, strlen(i->ifa_name) + 1);
			found = 0;
		}
	}
	freeifaddrs(ifa);
	return found;
}

/*
 * Which way the packet was going, from the address recvfrom gave: unspecified for outbound
 * (this host's programs: *ifindex_in 0); for inbound, the receiving interface's address
 * (FreeBSD also names it in sin_zero). 0, or -1 for an inbound packet on an interface that
 * cannot be named.
 */
static int
divert_direction(const struct capture *c, const struct sockaddr_storage *ss, uint32_t *ifindex_in)
{
	char name[IF_NAMESIZE];
	uint8_t a[16];
	int family;

	*ifindex_in = 0;
	if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)(const void *)ss;

		if (IN6_IS_ADDR_UNSPECIFIED(&s6->sin6_addr))
			return 0;
		family = AF_INET6;
		memcpy(a, &s6->sin6_addr, 16);
	} else if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *s4 = (const struct sockaddr_in *)(const void *)ss;

		if (s4->sin_addr.s_addr == htonl(INADDR_ANY))
			return 0;
		if (c->flavor == DIVERT_FREEBSD && s4->sin_zero[0] != '\0') {
			memcpy(name, s4->sin_zero, sizeof(s4->sin_zero));
			name[sizeof(s4->sin_zero)] = '\0';
			*ifindex_in = if_nametoindex(name);
			return *ifindex_in == 0 ? -1 : 0;
		}
		family = AF_INET;
		memcpy(a, &s4->sin_addr, 4);
	} else
		return 0;	/* no address given: outbound */
	if (divert_ifname_of(family, a, name, sizeof(name)) == -1)
		return -1;
	*ifindex_in = if_nametoindex(name);
	return *ifindex_in == 0 ? -1 : 0;
}

/* One packet from fd: 1 read (and dropped, whatever became of it), 0 none waiting, -1 error. */
static int
divert_read_one(struct capture *c, int fd, capture_cb cb, void *arg)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	struct capture_pkt cp;
	struct pkt_udp u;
	ssize_t n;

	memset(&ss, 0, sizeof(ss));
	n = DIVERT_RECVFROM(fd, c->buf, sizeof(c->buf), MSG_DONTWAIT, (struct sockaddr *)&ss, &sl);
	if (n == -1)
		return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR ? 0 : -1;
	c->ctr.read++;
	if ((size_t)n > DIVERT_BUFSZ) {
		c->ctr.truncated++;
		return 1;
	}
	memset(&cp, 0, sizeof(cp));
	cp.data = c->buf;
	cp.len = (size_t)n;
	/*
	 * The IPv4 header checksum is not checked: FreeBSD hands outbound packets with it not yet
	 * computed. A packet the parser refuses goes on to the daemon, which counts and logs it as
	 * malformed (as with NFQUEUE); well-formed UDP to another port is not ours to see.
	 */
	if (packet_parse(c->buf, (size_t)n, &u) != PKT_OK)
		c->ctr.malformed++;
	else if (u.dport != DIVERT_DNS_PORT) {
		c->ctr.foreign++;
		return 1;
	}
	if (divert_direction(c, &ss, &cp.ifindex_in) == -1) {
		c->ctr.noif++;
		return 1;
	}
	cb(arg, &cp);
	return 1;
}

int
capture_read(struct capture *c, capture_cb cb, void *arg, uint64_t *overruns)
{
	int fds[2] = { c->fd4, c->fd6 }, got = 0, r, idle;

	(void)overruns;	/* divert reports none: a full socket buffer drops (fails closed) */
	while ((uint32_t)got < c->batch) {
		idle = 1;
		for (int i = 0; i < 2 && (uint32_t)got < c->batch; i++) {
			if (fds[i] == -1)
				continue;
			if ((r = divert_read_one(c, fds[i], cb, arg)) == -1)
				return got > 0 ? got : -1;
			if (r == 1) {
				got++;
				idle = 0;
			}
		}
		if (idle)
			break;
	}
	return got;
}

int
capture_inject(struct capture *c, int family, const uint8_t *pkt, size_t len,
    const uint8_t *dst, uint32_t ifindex, int forwarded)
{
	struct sockaddr_storage ss;
	struct sockaddr_in *s4 = (struct sockaddr_in *)(void *)&ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)(void *)&ss;
	char name[DIVERT_IFNAMSIZ];
	socklen_t sl;
	ssize_t n;
	int fd = c->fd4;

	/* Forwarded: the unspecified address, an outbound packet routed to the client. */
	memset(&ss, 0, sizeof(ss));
	if (c->flavor == DIVERT_FREEBSD || family == AF_INET) {
		s4->sin_family = AF_INET;
		sl = sizeof(*s4);
		if (!forwarded && family == AF_INET)
			memcpy(&s4->sin_addr, dst, 4);	/* inbound on the interface holding it */
		if (!forwarded && c->flavor == DIVERT_FREEBSD) {
			/*
			 * FreeBSD: an interface name after the address picks the interface (the only
			 * way to say it for IPv6, whose address does not fit); the address must then
			 * only not be INADDR_ANY.
			 */
			if (divert_ifname_of(family, dst, name, sizeof(name)) == 0)
				memcpy(s4->sin_zero, name, strlen(name));
			else if (family == AF_INET6) {
				errno = EADDRNOTAVAIL;
				return -1;
			}
			if (family == AF_INET6)
				s4->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		}
	} else {
		fd = c->fd6;
		s6->sin6_family = AF_INET6;
		sl = sizeof(*s6);
		if (!forwarded) {
			memcpy(&s6->sin6_addr, dst, 16);
			if (IN6_IS_ADDR_LINKLOCAL(&s6->sin6_addr))
				s6->sin6_scope_id = ifindex;
		}
	}
	DIVERT_SET_LEN((struct sockaddr *)&ss, sl);
	if (fd == -1) {
		errno = EAFNOSUPPORT;
		return -1;
	}
	if ((n = DIVERT_SENDTO(fd, pkt, len, 0, (struct sockaddr *)&ss, sl)) == -1)
		return -1;
	if ((size_t)n != len) {
		errno = EIO;
		return -1;
	}
	c->ctr.injected++;
	return 0;
}

static int
divert_mux(int fd4, int fd6)
{
	int m, e;

	if ((m = evl_open()) == -1)
		return -1;
	if (evl_add(m, fd4, (uint64_t)fd4, EVL_IN) == 0 && evl_add(m, fd6, (uint64_t)fd6, EVL_IN) == 0)
		return m;
	e = errno;
	close(m);
	errno = e;
	return -1;
}

struct capture *
capture_divert_wrap(enum divert_flavor flavor, int fd4, int fd6, uint32_t batch, char *err,
    size_t errlen)
{
	struct capture *c;

	if ((c = calloc(1, sizeof(*c))) == NULL) {
		snprintf(err, errlen, "divert: %s", strerror(errno));
		goto fail;
	}
	c->flavor = flavor;
	c->fd4 = fd4;
	c->fd6 = fd6;
	c->mux = -1;
	c->batch = batch > 0 ? batch : 1;
	if (fd6 != -1 && (c->mux = divert_mux(fd4, fd6)) == -1) {
		snprintf(err, errlen, "divert: poll set: %s", strerror(errno));
		free(c);
		goto fail;
	}
	return c;
fail:
	if (fd4 != -1)
		close(fd4);
	if (fd6 != -1)
		close(fd6);
	return NULL;
}

/* A divert socket of this family bound to port (root only), or -1 with err set. */
static int
divert_socket(int domain, int family, int proto, uint16_t port, char *err, size_t errlen)
{
	struct sockaddr_storage ss;
	struct sockaddr_in *s4 = (struct sockaddr_in *)(void *)&ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)(void *)&ss;
	socklen_t sl;
	int fd, e;

	if ((fd = DIVERT_SOCKET(domain, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, proto)) == -1) {
		snprintf(err, errlen, "divert socket (port %u): %s", port, strerror(errno));
		return -1;
	}
	memset(&ss, 0, sizeof(ss));
	if (family == AF_INET6) {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(port);
		sl = sizeof(*s6);
	} else {
		s4->sin_family = AF_INET;
		s4->sin_port = htons(port);
		sl = sizeof(*s4);
	}
	DIVERT_SET_LEN((struct sockaddr *)&ss, sl);
	if (DIVERT_BIND(fd, (struct sockaddr *)&ss, sl) == -1) {
		e = errno;
		snprintf(err, errlen, "bind divert port %u: %s", port, strerror(e));
		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

/*
 * port: the divert port (dnsfence.conf divert-port). maxlen has no meaning here: the socket's
 * receive buffer is the queue, and what does not fit is dropped.
 */
struct capture *
capture_open(uint16_t port, uint32_t rcvbuf, uint32_t maxlen, uint32_t batch, char *err,
    size_t errlen)
{
	enum divert_flavor flavor;
	int fd4, fd6 = -1;

	(void)maxlen;
	/* tests/bsd/build.sh FreeBSD picks FreeBSD's socket on Linux, which defines neither */
#if defined(__FreeBSD__) || defined(DNSFENCE_DIVERT_COMPAT_FREEBSD)
	flavor = DIVERT_FREEBSD;
	if ((fd4 = divert_socket(PF_DIVERT, AF_INET, 0, port, err, errlen)) == -1)
		return NULL;
#else
	flavor = DIVERT_OPENBSD;
	if ((fd4 = divert_socket(AF_INET, AF_INET, IPPROTO_DIVERT, port, err, errlen)) == -1)
		return NULL;
	if ((fd6 = divert_socket(AF_INET6, AF_INET6, IPPROTO_DIVERT, port, err, errlen)) == -1) {
		close(fd4);
		return NULL;
	}
#endif
	(void)setsockopt(fd4, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	if (fd6 != -1)
		(void)setsockopt(fd6, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	return capture_divert_wrap(flavor, fd4, fd6, batch, err, errlen);
}

int
capture_fd(const struct capture *c)
{
	return c->mux != -1 ? c->mux : c->fd4;
}

int
capture_tune(struct capture *c, uint32_t rcvbuf, uint32_t maxlen)
{
	(void)maxlen;
	if (setsockopt(c->fd4, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf)) == -1)
		return -1;
	if (c->fd6 != -1 && setsockopt(c->fd6, SOL_SOCKET, SO_RCVBUF, &rcvbuf,
	    sizeof(rcvbuf)) == -1)
		return -1;
	return 0;
}

uint16_t
capture_point(const struct config *cfg)
{
	return (uint16_t)cfg->divert_port;
}

const char *
capture_kind(void)
{
	return "divert port";
}

size_t
capture_stats_line(const struct capture *c, char *buf, size_t len)
{
	int n = snprintf(buf, len, "stats divert: read=%" PRIu64 " malformed=%" PRIu64
	    " foreign=%" PRIu64 " noif=%" PRIu64 " truncated=%" PRIu64 " injected=%" PRIu64,
	    c->ctr.read, c->ctr.malformed, c->ctr.foreign, c->ctr.noif, c->ctr.truncated,
	    c->ctr.injected);

	return n < 0 ? 0 : (size_t)n < len ? (size_t)n : len - 1;
}

const struct divert_counters *
capture_divert_counters(const struct capture *c)
{
	return &c->ctr;
}

void
capture_close(struct capture *c)
{
	if (c == NULL)
		return;
	if (c->mux != -1)
		close(c->mux);
	close(c->fd4);	/* unbound: the kernel drops what is diverted to the port */
	if (c->fd6 != -1)
		close(c->fd6);
	free(c);
}
