/*
 * divert_compat.h: TEST ONLY. Lets src/capture_divert.c compile and run on Linux, which has no
 * divert sockets: it supplies the BSD constants, and turns recvfrom/sendto on the divert socket
 * into an emulated one. The emulated socket is an AF_UNIX datagram socket: one end of a
 * socketpair (tests/unit/test_divert.c holds the other), or a named one (below). Each
 * datagram is a struct sockaddr_storage (the divert address, as the BSD kernel gives it on
 * read or takes it on write) followed by the whole IP packet.
 *
 * Nothing here says how a BSD kernel behaves; it carries the semantics of divert(4) as
 * written, so the backend's use of them can be tested. docs/bsd.md says what that proves.
 */
#ifndef DNSFENCE_DIVERT_COMPAT_H
#define DNSFENCE_DIVERT_COMPAT_H

#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
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

/*
 * The daemon run on Linux (tests/system/bsd.bats): socket() gives an AF_UNIX datagram socket,
 * and bind() names it in the abstract namespace (which a chroot does not hide)
 * "dnsfence-divert-<4|6>-<port>-<tag>", tag from $DNSFENCE_DIVERT_COMPAT_TAG. The test plays
 * the kernel from "dnsfence-kernel-<4|6>-<port>-<tag>": it writes packets to the first name,
 * and what the daemon writes back is sent to the second (divert_compat_sendto).
 */
static inline int
divert_compat_socket(int domain, int type, int proto)
{
	(void)domain;
	(void)proto;
	return socket(AF_UNIX, SOCK_DGRAM | (type & (SOCK_NONBLOCK | SOCK_CLOEXEC)), 0);
}

static inline socklen_t
divert_compat_name(struct sockaddr_un *sun, const char *role, int family, unsigned port)
{
	const char *tag = getenv("DNSFENCE_DIVERT_COMPAT_TAG");
	int n;

	memset(sun, 0, sizeof(*sun));
	sun->sun_family = AF_UNIX;
	n = snprintf(sun->sun_path + 1, sizeof(sun->sun_path) - 1, "dnsfence-%s-%d-%u-%s", role,
	    family == AF_INET6 ? 6 : 4, port, tag != NULL ? tag : "0");
	return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + (size_t)n);
}

static inline int
divert_compat_bind(int fd, const struct sockaddr *sa, socklen_t len)
{
	struct sockaddr_un sun;
	unsigned port = sa->sa_family == AF_INET6 ?
	    ntohs(((const struct sockaddr_in6 *)(const void *)sa)->sin6_port) :
	    ntohs(((const struct sockaddr_in *)(const void *)sa)->sin_port);
	socklen_t sl = divert_compat_name(&sun, "divert", sa->sa_family, port);

	(void)len;
	return bind(fd, (struct sockaddr *)&sun, sl);
}

/* The kernel's name for a socket bound by divert_compat_bind; 0 if fd is not one (a pair). */
static inline socklen_t
divert_compat_kernel(int fd, struct sockaddr_un *kernel)
{
	struct sockaddr_un me;
	socklen_t ml = sizeof(me);
	char *d;

	if (getsockname(fd, (struct sockaddr *)&me, &ml) == -1 ||
	    ml <= offsetof(struct sockaddr_un, sun_path) + 1 || me.sun_path[0] != '\0' ||
	    strncmp(me.sun_path + 1, "dnsfence-divert-", 16) != 0)
		return 0;
	*kernel = me;
	d = kernel->sun_path + 1 + strlen("dnsfence-");
	memcpy(d, "kernel", 6);
	return ml;
}

static inline ssize_t
divert_compat_sendto(int fd, const void *buf, size_t len, int flags, const struct sockaddr *to,
    socklen_t tolen)
{
	struct sockaddr_storage ss;
	struct sockaddr_un kernel;
	struct iovec iov[2] = { { &ss, sizeof(ss) }, { (void *)(uintptr_t)buf, len } };
	struct msghdr mh = { .msg_iov = iov, .msg_iovlen = 2 };
	ssize_t n;

	if ((mh.msg_namelen = divert_compat_kernel(fd, &kernel)) != 0)
		mh.msg_name = &kernel;
	memset(&ss, 0, sizeof(ss));
	memcpy(&ss, to, tolen < sizeof(ss) ? tolen : sizeof(ss));
	if ((n = sendmsg(fd, &mh, flags)) == -1)
		return -1;
	return n - (ssize_t)sizeof(ss);
}

#define DIVERT_SOCKET	divert_compat_socket
#define DIVERT_BIND	divert_compat_bind
#define DIVERT_RECVFROM	divert_compat_recvfrom
#define DIVERT_SENDTO	divert_compat_sendto

#endif
