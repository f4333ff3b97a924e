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
inject_open(struct inject *in, uint32_t mark, uint32_t mark_forward, char *err, size_t errlen)
{
	const uint32_t marks[INJECT_NPATHS] = { mark, mark_forward };

	for (int p = 0; p < INJECT_NPATHS; p++)
		in->fd4[p] = in->fd6[p] = -1;
	for (int p = 0; p < INJECT_NPATHS; p++) {
		if ((in->fd4[p] = raw_open(AF_INET, marks[p])) == -1) {
			snprintf(err, errlen, "raw IPv4 socket: %s", strerror(errno));
			inject_close(in);
			return -1;
		}
		if ((in->fd6[p] = raw_open(AF_INET6, marks[p])) == -1) {
			if (errno == EAFNOSUPPORT)
				continue;	/* no IPv6 in this kernel: nothing to answer there */
			snprintf(err, errlen, "raw IPv6 socket: %s", strerror(errno));
			inject_close(in);
			return -1;
		}
	}
	return 0;
}

int
inject_setmark(struct inject *in, enum inject_path p, uint32_t mark)
{
	if (setsockopt(in->fd4[p], SOL_SOCKET, SO_MARK, &mark, sizeof(mark)) == -1)
		return -1;
	if (in->fd6[p] != -1 &&
	    setsockopt(in->fd6[p], SOL_SOCKET, SO_MARK, &mark, sizeof(mark)) == -1)
		return -1;
	return 0;
}

int
inject_send(struct inject *in, enum inject_path p, int family, const uint8_t *pkt, size_t len,
    const uint8_t *dst, uint32_t ifindex)
{
	union {
		struct sockaddr_in	sin;
		struct sockaddr_in6	sin6;
	} to;
	union {
		char			b[CMSG_SPACE(sizeof(struct in6_pktinfo))];
		struct cmsghdr		align;
	} cbuf;
	struct iovec iov = { (void *)(uintptr_t)pkt, len };
	struct msghdr mh = { .msg_name = &to, .msg_iov = &iov, .msg_iovlen = 1 };
	int fd;
	ssize_t n;

	memset(&to, 0, sizeof(to));
	memset(&cbuf, 0, sizeof(cbuf));
	if (family == AF_INET) {
		to.sin.sin_family = AF_INET;
		memcpy(&to.sin.sin_addr, dst, 4);
		mh.msg_namelen = sizeof(to.sin);
		fd = in->fd4[p];
	} else {
		to.sin6.sin6_family = AF_INET6;
		memcpy(&to.sin6.sin6_addr, dst, 16);
		if (IN6_IS_ADDR_LINKLOCAL(&to.sin6.sin6_addr))
			to.sin6.sin6_scope_id = ifindex;
		mh.msg_namelen = sizeof(to.sin6);
		fd = in->fd6[p];
	}
	if (fd == -1) {
		errno = EAFNOSUPPORT;
		return -1;
	}
	if (p == INJECT_FORWARD) {
		/* Out of the client's own interface: never routed anywhere else. */
		struct cmsghdr *c = (struct cmsghdr *)cbuf.b;

		if (ifindex == 0) {
			errno = EINVAL;
			return -1;
		}
		mh.msg_control = cbuf.b;
		if (family == AF_INET) {
			struct in_pktinfo pi = { .ipi_ifindex = (int)ifindex };

			c->cmsg_level = IPPROTO_IP;
			c->cmsg_type = IP_PKTINFO;
			c->cmsg_len = CMSG_LEN(sizeof(pi));
			memcpy(CMSG_DATA(c), &pi, sizeof(pi));
			mh.msg_controllen = CMSG_SPACE(sizeof(pi));
		} else {
			struct in6_pktinfo pi = { .ipi6_ifindex = ifindex };

			c->cmsg_level = IPPROTO_IPV6;
			c->cmsg_type = IPV6_PKTINFO;
			c->cmsg_len = CMSG_LEN(sizeof(pi));
			memcpy(CMSG_DATA(c), &pi, sizeof(pi));
			mh.msg_controllen = CMSG_SPACE(sizeof(pi));
		}
	}
	n = sendmsg(fd, &mh, 0);
	return n == (ssize_t)len ? 0 : -1;
}

void
inject_close(struct inject *in)
{
	for (int p = 0; p < INJECT_NPATHS; p++) {
		if (in->fd4[p] != -1)
			close(in->fd4[p]);
		if (in->fd6[p] != -1)
			close(in->fd6[p]);
		in->fd4[p] = in->fd6[p] = -1;
	}
}
