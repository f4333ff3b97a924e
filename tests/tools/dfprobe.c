/*
 * dfprobe.c: one-shot network probes for the dnsfence system tests, in C so that they also run
 * where there is no Python (the busybox guest of tests/vm).
 *
 *   dfprobe [-w MS] [-t] freebind-query FAMILY SRC DST [PORT]
 *       A UDP socket with IP_FREEBIND / IPV6_FREEBIND (with -t also IP_TRANSPARENT /
 *       IPV6_TRANSPARENT, which needs CAP_NET_ADMIN) bound to SRC, an address this host need not
 *       have, sends a DNS query "a.test A" to DST:PORT (53) and waits MS for any datagram back.
 *       Result: reply, noreply, blocked (sendto: EPERM, a firewall drop) or the errno name of
 *       another failure (IPv4 refuses a foreign source without -t: ENETUNREACH).
 *   dfprobe send-proto FAMILY PROTO DST
 *       One datagram of IP protocol PROTO to DST: 136 (UDP-Lite) through an ordinary
 *       SOCK_DGRAM socket, which needs no privilege, to port 53 with a DNS query as payload;
 *       any other protocol through SOCK_RAW (root), a header naming port 53, then the query.
 *       Result: sent, blocked, or an errno name.
 *   dfprobe icmp-error FAMILY DST TYPE CODE
 *       An ICMP or ICMPv6 error of TYPE/CODE to DST over a raw socket (root). It quotes a UDP
 *       datagram from DST port 53 to this host, with a DNS header and the name a.test: what a
 *       host leaks when it answers a DNS reply with an error. Result: sent, blocked, errno name.
 *   dfprobe [-w MS] ping FAMILY DST
 *       One echo request: an unprivileged ICMP datagram socket where net.ipv4.ping_group_range
 *       admits our group, else a raw socket (root). Result: reply, noreply, blocked, errno name.
 *   dfprobe bind-tcp ADDR PORT
 *       bind() a TCP socket to ADDR:PORT. Result: bound, or the errno name (EACCES, ...).
 *
 * FAMILY is 4 or 6. Each probe prints one line on stdout: the result word, then details. Exit
 * status: 0 for the positive result (reply, sent, bound), 1 for any other result, 2 for a usage
 * or set-up error (the line then starts with "error:").
 */
#include <sys/random.h>
#include <sys/socket.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#ifndef IPV6_FREEBIND
#define IPV6_FREEBIND		78	/* Linux 4.15 */
#endif
#ifndef IPPROTO_UDPLITE
#define IPPROTO_UDPLITE		136
#endif

#define DEF_WAIT_MS		1500	/* how long a probe waits for a reply */
#define MAX_WAIT_MS		60000	/* upper bound for -w */
#define DNS_PORT		53
#define FAKE_CLIENT_PORT	33333	/* the port of the quoted datagram's receiver */
#define PKT_MAX			1500	/* every probe's packet and every reply we read fit */

enum { EXIT_POS = 0, EXIT_NEG = 1, EXIT_ERR = 2 };

struct addr {
	int			family;
	union {
		struct sockaddr_in	sin;
		struct sockaddr_in6	sin6;
	} u;
	socklen_t		len;
};

static int wait_ms = DEF_WAIT_MS;
static int transparent;

static const struct {
	int		 e;
	const char	*name;
} errnames[] = {
	{ EPERM, "EPERM" }, { EACCES, "EACCES" }, { EADDRINUSE, "EADDRINUSE" },
	{ EADDRNOTAVAIL, "EADDRNOTAVAIL" }, { ENETUNREACH, "ENETUNREACH" },
	{ EHOSTUNREACH, "EHOSTUNREACH" }, { ECONNREFUSED, "ECONNREFUSED" },
	{ EAFNOSUPPORT, "EAFNOSUPPORT" }, { EPROTONOSUPPORT, "EPROTONOSUPPORT" },
	{ ESOCKTNOSUPPORT, "ESOCKTNOSUPPORT" }, { EINVAL, "EINVAL" }, { EMSGSIZE, "EMSGSIZE" },
	{ ENOBUFS, "ENOBUFS" }, { ENOPROTOOPT, "ENOPROTOOPT" }, { EDESTADDRREQ, "EDESTADDRREQ" },
	{ ENETDOWN, "ENETDOWN" }, { EOPNOTSUPP, "EOPNOTSUPP" },
};

static const char *
errname(int e)
{
	static char buf[32];

	for (size_t i = 0; i < sizeof(errnames) / sizeof(errnames[0]); i++)
		if (errnames[i].e == e)
			return errnames[i].name;
	snprintf(buf, sizeof(buf), "errno%d", e);
	return buf;
}

static void
usage(void)
{
	fprintf(stderr,
	    "usage: dfprobe [-w MS] [-t] freebind-query 4|6 SRC DST [PORT]\n"
	    "       dfprobe send-proto 4|6 PROTO DST\n"
	    "       dfprobe [-w MS] send-udp 4|6 DST PORT\n"
	    "       dfprobe icmp-error 4|6 DST TYPE CODE\n"
	    "       dfprobe [-w MS] ping 4|6 DST\n"
	    "       dfprobe bind-tcp ADDR PORT\n");
	exit(EXIT_ERR);
}

static void die(const char *, ...) __attribute__((format(printf, 1, 2), noreturn));
static int result(int, const char *, ...) __attribute__((format(printf, 2, 3)));

/* A set-up failure: one "error:" line on stdout (the caller reads stdout), exit 2. */
static void
die(const char *fmt, ...)
{
	va_list ap;

	fputs("error: ", stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	exit(EXIT_ERR);
}

/* The result line; returns the exit status for it. */
static int
result(int status, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	return status;
}

static long
number(const char *s, long min, long max, const char *what)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < min || v > max)
		die("%s: '%s' is not a number from %ld to %ld", what, s, min, max);
	return v;
}

static int
family_arg(const char *s)
{
	if (strcmp(s, "4") == 0)
		return AF_INET;
	if (strcmp(s, "6") == 0)
		return AF_INET6;
	die("FAMILY: '%s' is not 4 or 6", s);
	return -1;
}

/* addr_port: set the port of a, either family. */
static void
addr_port(struct addr *a, uint16_t port)
{
	if (a->family == AF_INET6)
		a->u.sin6.sin6_port = htons(port);
	else
		a->u.sin.sin_port = htons(port);
}

/* addr_parse: a numeric address of the given family (AF_UNSPEC: either) and a port. */
static void
addr_parse(struct addr *a, int family, const char *s, uint16_t port)
{
	memset(a, 0, sizeof(*a));
	if ((family == AF_INET || family == AF_UNSPEC) &&
	    inet_pton(AF_INET, s, &a->u.sin.sin_addr) == 1) {
		a->family = a->u.sin.sin_family = AF_INET;
		a->len = sizeof(a->u.sin);
	} else if ((family == AF_INET6 || family == AF_UNSPEC) &&
	    inet_pton(AF_INET6, s, &a->u.sin6.sin6_addr) == 1) {
		a->family = a->u.sin6.sin6_family = AF_INET6;
		a->len = sizeof(a->u.sin6);
	} else
		die("'%s' is not an IPv%s address", s, family == AF_INET ? "4" :
		    family == AF_INET6 ? "6" : "4 or IPv6");
	addr_port(a, port);
}

static const char *
addr_str(const struct sockaddr *sa, char *buf, size_t len)
{
	const void *p = sa->sa_family == AF_INET6 ?
	    (const void *)&((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr :
	    (const void *)&((const struct sockaddr_in *)(const void *)sa)->sin_addr;

	if (inet_ntop(sa->sa_family, p, buf, (socklen_t)len) == NULL)
		snprintf(buf, len, "?");
	return buf;
}

static uint16_t
sa_port(const struct sockaddr *sa)
{
	if (sa->sa_family == AF_INET6)
		return ntohs(((const struct sockaddr_in6 *)(const void *)sa)->sin6_port);
	return ntohs(((const struct sockaddr_in *)(const void *)sa)->sin_port);
}

static int
open_socket(int family, int type, int proto)
{
	int fd = socket(family, type | SOCK_CLOEXEC, proto);

	if (fd == -1)
		die("socket(%s, %d, %d): %s", family == AF_INET6 ? "AF_INET6" : "AF_INET", type,
		    proto, strerror(errno));
	return fd;
}

static void
put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static uint16_t
get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint16_t
random16(void)
{
	uint16_t v = 0;

	if (getrandom(&v, sizeof(v), 0) != (ssize_t)sizeof(v))
		die("getrandom: %s", strerror(errno));
	return v;
}

/* dns_query: "a.test IN A" with ID id and RD into buf; returns its length. */
static size_t
dns_query(uint8_t *buf, size_t len, uint16_t id)
{
	static const uint8_t q[] = {
		0, 0, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0,	/* ID, RD, QDCOUNT 1 */
		1, 'a', 4, 't', 'e', 's', 't', 0, 0, 1, 0, 1,	/* a.test A IN */
	};

	if (len < sizeof(q))
		die("internal: query buffer too small");
	memcpy(buf, q, sizeof(q));
	put16(buf, id);
	return sizeof(q);
}

/* Internet checksum (RFC 1071) of len bytes. */
static uint16_t
cksum(const uint8_t *p, size_t len)
{
	uint32_t sum = 0;

	for (size_t i = 0; i + 1 < len; i += 2)
		sum += get16(p + i);
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* wait_readable: poll fd for up to wait_ms (monotonic). 1 readable, 0 timed out. */
static int
wait_readable(int fd, const struct timespec *start)
{
	struct timespec now;
	long left;
	int n;

	for (;;) {
		if (clock_gettime(CLOCK_MONOTONIC, &now) == -1)
			die("clock_gettime: %s", strerror(errno));
		left = wait_ms - ((now.tv_sec - start->tv_sec) * 1000L +
		    (now.tv_nsec - start->tv_nsec) / 1000000L);
		if (left <= 0)
			return 0;
		struct pollfd pfd = { .fd = fd, .events = POLLIN };

		n = poll(&pfd, 1, (int)left);
		if (n > 0)
			return 1;
		if (n == 0)
			return 0;
		if (errno != EINTR)
			die("poll: %s", strerror(errno));
	}
}

static void
monotonic(struct timespec *ts)
{
	if (clock_gettime(CLOCK_MONOTONIC, ts) == -1)
		die("clock_gettime: %s", strerror(errno));
}

/* ------------------------------------------------------------------------------------------ */

static int
cmd_freebind_query(int argc, char **argv)
{
	struct addr src, dst;
	struct sockaddr_storage from;
	socklen_t fromlen;
	uint8_t buf[PKT_MAX];
	char b[INET6_ADDRSTRLEN];
	const char *a;
	struct timespec t0;
	uint16_t port = DNS_PORT;
	int family, fd, one = 1;
	size_t qlen;
	ssize_t n;

	if (argc != 4 && argc != 5)
		usage();
	family = family_arg(argv[1]);
	if (argc == 5)
		port = (uint16_t)number(argv[4], 1, 65535, "PORT");
	addr_parse(&src, family, argv[2], 0);
	addr_parse(&dst, family, argv[3], port);
	fd = open_socket(family, SOCK_DGRAM, 0);
	if (family == AF_INET) {
		if (setsockopt(fd, IPPROTO_IP, IP_FREEBIND, &one, sizeof(one)) == -1)
			die("IP_FREEBIND: %s", strerror(errno));
		if (transparent &&
		    setsockopt(fd, IPPROTO_IP, IP_TRANSPARENT, &one, sizeof(one)) == -1)
			die("IP_TRANSPARENT: %s", strerror(errno));
	} else {
		if (setsockopt(fd, IPPROTO_IPV6, IPV6_FREEBIND, &one, sizeof(one)) == -1)
			die("IPV6_FREEBIND: %s", strerror(errno));
		if (transparent &&
		    setsockopt(fd, IPPROTO_IPV6, IPV6_TRANSPARENT, &one, sizeof(one)) == -1)
			die("IPV6_TRANSPARENT: %s", strerror(errno));
	}
	if (bind(fd, (struct sockaddr *)&src.u, src.len) == -1)
		die("bind %s: %s", argv[2], strerror(errno));
	fromlen = sizeof(from);
	if (getsockname(fd, (struct sockaddr *)&from, &fromlen) == -1)
		die("getsockname: %s", strerror(errno));
	a = argv[2];
	qlen = dns_query(buf, sizeof(buf), random16());
	monotonic(&t0);
	if (sendto(fd, buf, qlen, 0, (struct sockaddr *)&dst.u, dst.len) == -1) {
		int e = errno;

		close(fd);
		return result(EXIT_NEG, "%s (sendto from %s port %u to %s port %u%s)",
		    e == EPERM ? "blocked" : errname(e), a,
		    sa_port((struct sockaddr *)&from), argv[3], port,
		    transparent ? ", transparent" : "");
	}
	while (wait_readable(fd, &t0)) {
		fromlen = sizeof(from);
		n = recvfrom(fd, buf, sizeof(buf), MSG_DONTWAIT, (struct sockaddr *)&from, &fromlen);
		if (n == -1) {
			if (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK)
				continue;
			break;	/* an error queued by an ICMP message: no DNS reply */
		}
		close(fd);
		return result(EXIT_POS, "reply from %s port %u, %zd bytes (asked %s port %u from %s)",
		    addr_str((struct sockaddr *)&from, b, sizeof(b)),
		    sa_port((struct sockaddr *)&from), n, argv[3], port, a);
	}
	close(fd);
	return result(EXIT_NEG, "noreply within %d ms (from %s to %s port %u%s)", wait_ms, a,
	    argv[3], port, transparent ? ", transparent" : "");
}

static int
cmd_send_proto(int argc, char **argv)
{
	struct addr dst;
	uint8_t buf[PKT_MAX];
	int family, proto, fd;
	size_t len;

	if (argc != 4)
		usage();
	family = family_arg(argv[1]);
	proto = (int)number(argv[2], 1, 255, "PROTO");
	if (proto == IPPROTO_TCP || proto == IPPROTO_UDP || proto == IPPROTO_ICMP ||
	    proto == IPPROTO_ICMPV6)
		die("PROTO %d: this probe is for the protocols the fence has no rule of its own for",
		    proto);
	if (proto == IPPROTO_UDPLITE) {
		addr_parse(&dst, family, argv[3], DNS_PORT);
		fd = open_socket(family, SOCK_DGRAM, IPPROTO_UDPLITE);
		len = dns_query(buf, sizeof(buf), random16());
	} else {
		/* Raw: the kernel writes the IP header. IPv6 raw sockets want port 0 here. */
		addr_parse(&dst, family, argv[3], 0);
		fd = open_socket(family, SOCK_RAW, proto);
		memset(buf, 0, 12);
		put16(buf, FAKE_CLIENT_PORT);	/* SCTP and DCCP both start with the ports */
		put16(buf + 2, DNS_PORT);
		len = 12 + dns_query(buf + 12, sizeof(buf) - 12, random16());
	}
	if (sendto(fd, buf, len, 0, (struct sockaddr *)&dst.u, dst.len) == -1) {
		int e = errno;

		close(fd);
		return result(EXIT_NEG, "%s (protocol %d to %s: sendto: %s)",
		    e == EPERM ? "blocked" : errname(e), proto, argv[3], strerror(e));
	}
	close(fd);
	return result(EXIT_POS, "sent %zu bytes of protocol %d to %s", len, proto, argv[3]);
}

/*
 * send-udp: one datagram from an unconnected UDP socket to DST PORT, then -w MS with the
 * socket still open (the audit log's lookup finds its owner while it waits). Sent 0, blocked
 * (EPERM: a rule dropped it) 1.
 */
static int
cmd_send_udp(int argc, char **argv)
{
	struct addr dst;
	static const uint8_t msg[] = "dnsfence probe";
	struct timespec ts;
	int family, fd, e = 0;

	if (argc != 4)
		usage();
	family = family_arg(argv[1]);
	addr_parse(&dst, family, argv[2], (uint16_t)number(argv[3], 1, 65535, "PORT"));
	fd = open_socket(family, SOCK_DGRAM, IPPROTO_UDP);
	if (sendto(fd, msg, sizeof(msg) - 1, 0, (struct sockaddr *)&dst.u, dst.len) == -1)
		e = errno;
	ts.tv_sec = wait_ms / 1000;
	ts.tv_nsec = (long)(wait_ms % 1000) * 1000000L;
	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
	close(fd);
	if (e != 0)
		return result(EXIT_NEG, "%s (UDP to %s port %s: sendto: %s)",
		    e == EPERM ? "blocked" : errname(e), argv[2], argv[3], strerror(e));
	return result(EXIT_POS, "sent %zu bytes of UDP to %s port %s", sizeof(msg) - 1, argv[2],
	    argv[3]);
}

/* local_addr: the address this host would send from towards dst (a connected UDP socket). */
static void
local_addr(const struct addr *dst, struct addr *out)
{
	struct addr d = *dst;
	int fd = open_socket(dst->family, SOCK_DGRAM, 0);

	addr_port(&d, DNS_PORT);
	*out = d;
	out->len = sizeof(out->u);
	if (connect(fd, (struct sockaddr *)&d.u, d.len) == -1 ||
	    getsockname(fd, (struct sockaddr *)&out->u, &out->len) == -1)
		die("no route towards the destination: %s", strerror(errno));
	close(fd);
}

/*
 * quoted_datagram: what an ICMP error quotes, as the error's sender saw it: an IP header from
 * src (the peer, port 53) to dst (this host), UDP, a DNS reply header and the question.
 */
static size_t
quoted_datagram(uint8_t *p, size_t cap, const struct addr *src, const struct addr *dst)
{
	uint8_t dns[64];
	size_t dlen = dns_query(dns, sizeof(dns), random16());
	size_t ip = src->family == AF_INET ? 20 : 40, udp = 8 + dlen, off;

	dns[2] |= 0x80;		/* QR: a reply, as an injected one would be */
	if (cap < ip + udp)
		die("internal: quote buffer too small");
	memset(p, 0, ip + udp);
	if (src->family == AF_INET) {
		p[0] = 0x45;
		put16(p + 2, (uint16_t)(ip + udp));
		p[8] = 64;
		p[9] = IPPROTO_UDP;
		memcpy(p + 12, &src->u.sin.sin_addr, 4);
		memcpy(p + 16, &dst->u.sin.sin_addr, 4);
		put16(p + 10, cksum(p, 20));
	} else {
		p[0] = 0x60;
		put16(p + 4, (uint16_t)udp);
		p[6] = IPPROTO_UDP;
		p[7] = 64;
		memcpy(p + 8, &src->u.sin6.sin6_addr, 16);
		memcpy(p + 24, &dst->u.sin6.sin6_addr, 16);
	}
	off = ip;
	put16(p + off, DNS_PORT);
	put16(p + off + 2, FAKE_CLIENT_PORT);
	put16(p + off + 4, (uint16_t)udp);
	memcpy(p + off + 8, dns, dlen);
	return ip + udp;
}

static int
cmd_icmp_error(int argc, char **argv)
{
	struct addr dst, self;
	uint8_t buf[PKT_MAX];
	int family, type, code, fd;
	size_t len;

	if (argc != 5)
		usage();
	family = family_arg(argv[1]);
	type = (int)number(argv[3], 0, 255, "TYPE");
	code = (int)number(argv[4], 0, 255, "CODE");
	addr_parse(&dst, family, argv[2], 0);
	local_addr(&dst, &self);
	fd = open_socket(family, SOCK_RAW, family == AF_INET ? IPPROTO_ICMP : IPPROTO_ICMPV6);
	memset(buf, 0, 8);
	buf[0] = (uint8_t)type;
	buf[1] = (uint8_t)code;
	/* The 4 bytes after the checksum: a pointer (parameter problem) or an MTU (too big). */
	if (family == AF_INET6 && type == 2)
		buf[6] = 0x05;		/* MTU 1280 */
	else if (family == AF_INET6 && type == 4)
		buf[7] = 6;		/* next header */
	else if (family == AF_INET && type == 12)
		buf[4] = 9;		/* protocol */
	len = 8 + quoted_datagram(buf + 8, sizeof(buf) - 8, &dst, &self);
	if (family == AF_INET)
		put16(buf + 2, cksum(buf, len));	/* ICMPv6: the kernel sums it */
	if (sendto(fd, buf, len, 0, (struct sockaddr *)&dst.u, dst.len) == -1) {
		int e = errno;

		close(fd);
		return result(EXIT_NEG, "%s (ICMP%s type %d code %d to %s: sendto: %s)",
		    e == EPERM ? "blocked" : errname(e), family == AF_INET ? "" : "v6", type, code,
		    argv[2], strerror(e));
	}
	close(fd);
	return result(EXIT_POS, "sent ICMP%s type %d code %d to %s, %zu bytes quoting port 53",
	    family == AF_INET ? "" : "v6", type, code, argv[2], len);
}

static int
cmd_ping(int argc, char **argv)
{
	struct addr dst;
	struct sockaddr_storage from;
	socklen_t fromlen;
	uint8_t buf[PKT_MAX];
	char a[INET6_ADDRSTRLEN];
	struct timespec t0;
	const int proto_v4 = IPPROTO_ICMP, proto_v6 = IPPROTO_ICMPV6;
	uint16_t ident = random16(), seq = 1;
	int family, fd, raw = 0, echo_req, echo_rep;
	const char *kind;
	ssize_t n;

	if (argc != 3)
		usage();
	family = family_arg(argv[1]);
	addr_parse(&dst, family, argv[2], 0);
	echo_req = family == AF_INET ? 8 : 128;
	echo_rep = family == AF_INET ? 0 : 129;
	fd = socket(family, SOCK_DGRAM | SOCK_CLOEXEC, family == AF_INET ? proto_v4 : proto_v6);
	if (fd == -1) {
		if (errno != EACCES && errno != EPERM)
			die("ICMP datagram socket: %s", strerror(errno));
		/* ping_group_range does not admit us: root may use a raw socket instead. */
		fd = socket(family, SOCK_RAW | SOCK_CLOEXEC, family == AF_INET ? proto_v4 : proto_v6);
		if (fd == -1)
			die("no ICMP datagram socket (net.ipv4.ping_group_range) and no raw "
			    "socket: %s", strerror(errno));
		raw = 1;
	}
	kind = raw ? "raw socket" : "datagram socket";
	memset(buf, 0, 8);
	buf[0] = (uint8_t)echo_req;
	put16(buf + 4, ident);		/* a datagram socket puts its own identifier here */
	put16(buf + 6, seq);
	memcpy(buf + 8, "dnsfence-dfprobe", 16);
	if (family == AF_INET)
		put16(buf + 2, cksum(buf, 24));
	monotonic(&t0);
	if (sendto(fd, buf, 24, 0, (struct sockaddr *)&dst.u, dst.len) == -1) {
		int e = errno;

		close(fd);
		return result(EXIT_NEG, "%s (echo request to %s over a %s: sendto: %s)",
		    e == EPERM ? "blocked" : errname(e), argv[2], kind, strerror(e));
	}
	while (wait_readable(fd, &t0)) {
		const uint8_t *icmp = buf;

		fromlen = sizeof(from);
		n = recvfrom(fd, buf, sizeof(buf), MSG_DONTWAIT, (struct sockaddr *)&from, &fromlen);
		if (n == -1) {
			if (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK)
				continue;
			break;
		}
		if (raw && family == AF_INET) {	/* a raw IPv4 socket hands the IP header too */
			size_t ihl = n > 0 ? (size_t)(buf[0] & 0x0f) * 4 : 0;

			if (ihl < 20 || (size_t)n < ihl + 8)
				continue;
			icmp += ihl;
			n -= (ssize_t)ihl;
		}
		if (n < 8 || icmp[0] != echo_rep || get16(icmp + 6) != seq)
			continue;
		if (raw && get16(icmp + 4) != ident)
			continue;	/* a raw socket sees every echo reply on the host */
		close(fd);
		return result(EXIT_POS, "reply from %s (echo reply over a %s)",
		    addr_str((struct sockaddr *)&from, a, sizeof(a)), kind);
	}
	close(fd);
	return result(EXIT_NEG, "noreply within %d ms (echo request to %s sent over a %s)", wait_ms,
	    argv[2], kind);
}

static int
cmd_bind_tcp(int argc, char **argv)
{
	struct addr ad;
	int fd, one = 1;

	if (argc != 3)
		usage();
	addr_parse(&ad, AF_UNSPEC, argv[1], (uint16_t)number(argv[2], 0, 65535, "PORT"));
	fd = open_socket(ad.family, SOCK_STREAM, 0);
	(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&ad.u, ad.len) == -1) {
		int e = errno;

		close(fd);
		return result(EXIT_NEG, "%s (bind %s port %s as uid %ld: %s)", errname(e), argv[1],
		    argv[2], (long)getuid(), strerror(e));
	}
	close(fd);
	return result(EXIT_POS, "bound (%s port %s as uid %ld)", argv[1], argv[2], (long)getuid());
}

int
main(int argc, char **argv)
{
	static const struct {
		const char	*name;
		int		(*fn)(int, char **);
	} cmds[] = {
		{ "freebind-query", cmd_freebind_query }, { "send-proto", cmd_send_proto },
		{ "send-udp", cmd_send_udp },
		{ "icmp-error", cmd_icmp_error }, { "ping", cmd_ping }, { "bind-tcp", cmd_bind_tcp },
	};
	int c;

	while ((c = getopt(argc, argv, "+w:t")) != -1) {
		switch (c) {
		case 'w':
			wait_ms = (int)number(optarg, 1, MAX_WAIT_MS, "-w");
			break;
		case 't':
			transparent = 1;
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 1)
		usage();
	setvbuf(stdout, NULL, _IOLBF, 0);
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (strcmp(argv[0], cmds[i].name) == 0)
			return cmds[i].fn(argc, argv);
	usage();
	return EXIT_ERR;
}
