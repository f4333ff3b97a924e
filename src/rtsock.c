/*
 * rtsock.c: rtnl.h on OpenBSD and FreeBSD: a routing socket (route(4)) says when an address
 * or an interface changed, and getifaddrs(3) (ifaddr.c) reads them all again. Messages are
 * not parsed beyond their type: the common head of every routing message (length, version,
 * type) is the same on both systems. A lost message (ENOBUFS) reads them all again too.
 *
 * Not yet run on a BSD kernel: tested on Linux through tests/bsd/route_compat.h.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#ifdef DNSFENCE_RTSOCK_COMPAT
#include "route_compat.h"	/* tests only: Linux stands in for a BSD */
#elif defined(__linux__)
#error "rtsock.c is for the BSDs; Linux uses rtnl.c (tests: DNSFENCE_RTSOCK_COMPAT)"
#else
#include <net/route.h>
#endif

#include "ifaddr.h"
#include "rtnl.h"

#define RTSOCK_BUF	2048	/* one routing message */

/* 1 if the routing message in buf says an address or an interface changed. */
static int
changes_addresses(const uint8_t *buf, size_t len)
{
	/* u_short rtm_msglen; u_char rtm_version; u_char rtm_type: the same on both BSDs */
	if (len < 4)
		return 0;
	switch (buf[3]) {
	case RTM_NEWADDR:
	case RTM_DELADDR:
	case RTM_IFINFO:
	case RTM_IFANNOUNCE:
#ifdef RTM_DESYNC
	case RTM_DESYNC:	/* OpenBSD: the socket's buffer overflowed, messages were lost */
#endif
		return 1;
	}
	return 0;
}

int
rtnl_open(struct rtnl *r, struct addrtab *t, char *err, size_t errlen)
{
	memset(r, 0, sizeof(*r));
	if ((r->fd = socket(PF_ROUTE, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, AF_UNSPEC)) == -1) {
		snprintf(err, errlen, "routing socket: %s", strerror(errno));
		return -1;
	}
	if (ifaddr_load(t) == -1) {
		snprintf(err, errlen, "reading the host's addresses: %s", strerror(errno));
		close(r->fd);
		r->fd = -1;
		return -1;
	}
	return 0;
}

int
rtnl_fd(const struct rtnl *r)
{
	return r->fd;
}

int
rtnl_read(struct rtnl *r, struct addrtab *t)
{
	uint8_t buf[RTSOCK_BUF];
	int reload = 0, failed = 0;
	ssize_t n;

	for (;;) {
		if ((n = recv(r->fd, buf, sizeof(buf), MSG_DONTWAIT)) == -1) {
			if (errno == EINTR)
				continue;
			if (errno == ENOBUFS)	/* messages were lost: what changed is unknown */
				reload = 1;
			else if (errno != EAGAIN && errno != EWOULDBLOCK)
				failed = errno;
			break;
		}
		if (n == 0)
			break;
		reload |= changes_addresses(buf, (size_t)n);
	}
	if (failed)
		reload = 1;
	if (reload) {
		r->redumps++;
		if (ifaddr_load(t) == -1)
			return -1;
	}
	if (failed) {
		errno = failed;
		return -1;
	}
	return 0;
}

void
rtnl_close(struct rtnl *r)
{
	if (r->fd != -1)
		close(r->fd);
	r->fd = -1;
}
