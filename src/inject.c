/*
 * inject.c: IPPROTO_RAW sockets (header included, v4 and v6) with SO_MARK set, so that the
 * rulesets accept and NOTRACK our replies and never queue them back to us.
 */
#include <sys/socket.h>
#include <netinet/in.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
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
inject_open(struct inject *in, struct capture *cap, uint32_t mark, uint32_t mark_forward,
    char *err, size_t errlen)
{
	const uint32_t marks[INJECT_NPATHS] = { mark, mark_forward };

	in->cap = cap;	/* unused: NFQUEUE cannot send */

	for (int p = 0; p < INJECT_NPATHS; p++)
		in->fd4[p] = in->fd6[p] = -1;
	in->q = calloc(2 * INJECT_NPATHS, sizeof(*in->q));	/* without: one sendmsg each */
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

/*
 * The destination and, for a forwarded client, the interface (IP_PKTINFO/IPV6_PKTINFO) of a
 * reply into mh, whose msg_name and msg_control point at to and cbuf. The socket, or -1 with
 * errno.
 */
static int
address(struct inject *in, enum inject_path p, int family, const uint8_t *dst,
    uint32_t ifindex, struct msghdr *mh, struct inject_slot *s)
{
	int fd;

	memset(&s->to, 0, sizeof(s->to));
	memset(&s->cbuf, 0, sizeof(s->cbuf));
	mh->msg_name = &s->to;
	mh->msg_control = NULL;
	mh->msg_controllen = 0;
	if (family == AF_INET) {
		s->to.sin.sin_family = AF_INET;
		memcpy(&s->to.sin.sin_addr, dst, 4);
		mh->msg_namelen = sizeof(s->to.sin);
		fd = in->fd4[p];
	} else {
		s->to.sin6.sin6_family = AF_INET6;
		memcpy(&s->to.sin6.sin6_addr, dst, 16);
		if (IN6_IS_ADDR_LINKLOCAL(&s->to.sin6.sin6_addr))
			s->to.sin6.sin6_scope_id = ifindex;
		mh->msg_namelen = sizeof(s->to.sin6);
		fd = in->fd6[p];
	}
	if (fd == -1) {
		errno = EAFNOSUPPORT;
		return -1;
	}
	if (p == INJECT_FORWARD) {
		/* Out of the client's own interface: never routed anywhere else. */
		struct cmsghdr *c = (struct cmsghdr *)s->cbuf.b;

		if (ifindex == 0) {
			errno = EINVAL;
			return -1;
		}
		mh->msg_control = s->cbuf.b;
		if (family == AF_INET) {
			struct in_pktinfo pi = { .ipi_ifindex = (int)ifindex };

			c->cmsg_level = IPPROTO_IP;
			c->cmsg_type = IP_PKTINFO;
			c->cmsg_len = CMSG_LEN(sizeof(pi));
			memcpy(CMSG_DATA(c), &pi, sizeof(pi));
			mh->msg_controllen = CMSG_SPACE(sizeof(pi));
		} else {
			struct in6_pktinfo pi = { .ipi6_ifindex = ifindex };

			c->cmsg_level = IPPROTO_IPV6;
			c->cmsg_type = IPV6_PKTINFO;
			c->cmsg_len = CMSG_LEN(sizeof(pi));
			memcpy(CMSG_DATA(c), &pi, sizeof(pi));
			mh->msg_controllen = CMSG_SPACE(sizeof(pi));
		}
	}
	return fd;
}

int
inject_send(struct inject *in, enum inject_path p, int family, const uint8_t *pkt, size_t len,
    const uint8_t *dst, uint32_t ifindex)
{
	static struct inject_slot s;	/* its address parts only */
	struct iovec iov = { (void *)(uintptr_t)pkt, len };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	int fd = address(in, p, family, dst, ifindex, &mh, &s);

	if (fd == -1)
		return -1;
	return sendmsg(fd, &mh, 0) == (ssize_t)len ? 0 : -1;
}

static int
queue_fd(const struct inject *in, unsigned qi)
{
	return qi & 1 ? in->fd6[qi >> 1] : in->fd4[qi >> 1];
}

/* Send queue qi. Returns how many replies failed. */
static unsigned
flush_one(struct inject *in, unsigned qi)
{
	struct inject_queue *q = &in->q[qi];
	unsigned done = 0, failed = 0;
	int fd = queue_fd(in, qi);

	while (done < q->n) {
		int r = sendmmsg(fd, q->mh + done, q->n - done, 0);

		in->batches++;
		if (r > 0) {
			in->batched += (unsigned)r;
			done += (unsigned)r;
			continue;
		}
		if (r == -1 && errno == EINTR)
			continue;
		/* the reply at done failed (a rule, a full buffer): count it, send the rest */
		failed++;
		done++;
	}
	q->n = 0;
	return failed;
}

int
inject_queue(struct inject *in, enum inject_path p, int family, const uint8_t *pkt,
    size_t len, const uint8_t *dst, uint32_t ifindex)
{
	unsigned qi = (unsigned)p * 2 + (family == AF_INET6);
	struct inject_queue *q;
	struct inject_slot *s;
	struct msghdr *mh;
	int fd;

	if (in->q == NULL || len > INJECT_SMALL)
		return inject_send(in, p, family, pkt, len, dst, ifindex);
	q = &in->q[qi];
	s = &q->slot[q->n];
	mh = &q->mh[q->n].msg_hdr;
	memset(mh, 0, sizeof(*mh));
	if ((fd = address(in, p, family, dst, ifindex, mh, s)) == -1)
		return -1;
	memcpy(s->pkt, pkt, len);
	q->iov[q->n] = (struct iovec){ s->pkt, len };
	mh->msg_iov = &q->iov[q->n];
	mh->msg_iovlen = 1;
	if (++q->n == INJECT_BATCH && flush_one(in, qi) > 0)
		return -1;
	return 0;
}

unsigned
inject_flush(struct inject *in)
{
	unsigned failed = 0;

	if (in->q == NULL)
		return 0;
	for (unsigned qi = 0; qi < 2 * INJECT_NPATHS; qi++)
		if (in->q[qi].n > 0)
			failed += flush_one(in, qi);
	return failed;
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
	free(in->q);
	in->q = NULL;
}
