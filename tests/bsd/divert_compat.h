/*
 * divert_compat.h: TEST ONLY. Lets src/capture_divert.c compile and run on Linux, which has no
 * divert sockets: it supplies the BSD constants, and turns recvfrom/sendto on the divert socket
 * into an emulated one. The emulated socket is one end of an AF_UNIX datagram socketpair; each
 * datagram is a struct sockaddr_storage (the divert address, as the BSD kernel gives it on read
 * or takes it on write) followed by the whole IP packet. The test holds the other end.
 *
 * Nothing here says how a BSD kernel behaves; it carries the semantics of divert(4) as
 * written, so the backend's use of them can be tested. docs/bsd.md says what that proves.
 */
#ifndef DNSFENCE_DIVERT_COMPAT_H
#define DNSFENCE_DIVERT_COMPAT_H

#include <sys/socket.h>
#include <sys/uio.h>
#include <stdint.h>
#include <string.h>

#ifndef IPPROTO_DIVERT
#define IPPROTO_DIVERT	258	/* OpenBSD and FreeBSD <netinet/in.h> */
#endif
#ifndef PF_DIVERT
#define PF_DIVERT	44	/* FreeBSD 14 <sys/socket.h> */
#endif

static inline ssize_t
divert_compat_recvfrom(int fd, void *buf, size_t len, int flags, struct sockaddr *from,
    socklen_t *fromlen)
{
	struct sockaddr_storage ss;
	struct iovec iov[2] = { { &ss, sizeof(ss) }, { buf, len } };
	struct msghdr mh = { .msg_iov = iov, .msg_iovlen = 2 };
	ssize_t n;

	if ((n = recvmsg(fd, &mh, flags)) == -1)
		return -1;
	if ((size_t)n < sizeof(ss))
		return 0;	/* the test wrote garbage: an empty packet */
	if (from != NULL && fromlen != NULL) {
		socklen_t l = ss.ss_family == AF_INET6 ? sizeof(struct sockaddr_in6) :
		    sizeof(struct sockaddr_in);

		memcpy(from, &ss, l < *fromlen ? l : *fromlen);
		*fromlen = l;
	}
	return n - (ssize_t)sizeof(ss);
}

static inline ssize_t
divert_compat_sendto(int fd, const void *buf, size_t len, int flags, const struct sockaddr *to,
    socklen_t tolen)
{
	struct sockaddr_storage ss;
	struct iovec iov[2] = { { &ss, sizeof(ss) }, { (void *)(uintptr_t)buf, len } };
	struct msghdr mh = { .msg_iov = iov, .msg_iovlen = 2 };
	ssize_t n;

	memset(&ss, 0, sizeof(ss));
	memcpy(&ss, to, tolen < sizeof(ss) ? tolen : sizeof(ss));
	if ((n = sendmsg(fd, &mh, flags)) == -1)
		return -1;
	return n - (ssize_t)sizeof(ss);
}

#define DIVERT_RECVFROM	divert_compat_recvfrom
#define DIVERT_SENDTO	divert_compat_sendto

#endif
