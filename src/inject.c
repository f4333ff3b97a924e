/*
 * inject.c: IPPROTO_RAW sockets (header included, v4 and v6) with SO_MARK set, so that the
 * rulesets accept and NOTRACK our replies and never queue them back to us.
 */
#include <sys/socket.h>
#include <netinet/in.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "inject.h"

static int
raw_open(int family, uint32_t mark)
{
	int fd = socket(family, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_RAW);

	if (fd == -1)
		return -1;
	if (setsockopt(fd, SOL_SOCKET, SO_MARK, &mark, sizeof(mark)) == -1) {
		int e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

int
inject_open(struct inject *in, uint32_t mark, char *err, size_t errlen)
{
	in->fd4 = in->fd6 = -1;
	if ((in->fd4 = raw_open(AF_INET, mark)) == -1) {
		snprintf(err, errlen, "raw IPv4 socket: %s", strerror(errno));
		return -1;
	}
	if ((in->fd6 = raw_open(AF_INET6, mark)) == -1) {
		if (errno == EAFNOSUPPORT)
			return 0;	/* no IPv6 in this kernel: nothing to answer there */
		snprintf(err, errlen, "raw IPv6 socket: %s", strerror(errno));
		inject_close(in);
		return -1;
	}
	return 0;
}

int
inject_setmark(struct inject *in, uint32_t mark)
{
	if (setsockopt(in->fd4, SOL_SOCKET, SO_MARK, &mark, sizeof(mark)) == -1)
		return -1;
	if (in->fd6 != -1 &&
	    setsockopt(in->fd6, SOL_SOCKET, SO_MARK, &mark, sizeof(mark)) == -1)
		return -1;
	return 0;
}

int
inject_send(struct inject *in, int family, const uint8_t *pkt, size_t len, const uint8_t *dst,
    uint32_t ifindex)
{
	ssize_t n;

	if (family == AF_INET) {
		struct sockaddr_in sin = { .sin_family = AF_INET };

		memcpy(&sin.sin_addr, dst, 4);
		n = sendto(in->fd4, pkt, len, 0, (struct sockaddr *)&sin, sizeof(sin));
	} else {
		struct sockaddr_in6 sin6 = { .sin6_family = AF_INET6 };

		if (in->fd6 == -1) {
			errno = EAFNOSUPPORT;
			return -1;
		}
		memcpy(&sin6.sin6_addr, dst, 16);
		if (IN6_IS_ADDR_LINKLOCAL(&sin6.sin6_addr))
			sin6.sin6_scope_id = ifindex;
		n = sendto(in->fd6, pkt, len, 0, (struct sockaddr *)&sin6, sizeof(sin6));
	}
	return n == (ssize_t)len ? 0 : -1;
}

void
inject_close(struct inject *in)
{
	if (in->fd4 != -1)
		close(in->fd4);
	if (in->fd6 != -1)
		close(in->fd6);
	in->fd4 = in->fd6 = -1;
}
