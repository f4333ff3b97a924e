/*
 * bsd_shim.h: TEST ONLY. Force-included (cc -include) when Makefile.bsd builds on Linux
 * (tests/bsd/build.sh): the few BSD library calls glibc lacks, mapped to what Linux has where
 * one exists. pledge(2) and unveil(2) have no Linux equivalent here and do nothing: a daemon
 * built this way runs unsandboxed beyond its chroot and user, and says nothing about whether
 * OpenBSD would accept its promises. procctl(2)'s two requests map to prctl(2), and
 * getpeereid(3) to SO_PEERCRED, which is what they do on FreeBSD.
 */
#ifndef DNSFENCE_BSD_SHIM_H
#define DNSFENCE_BSD_SHIM_H

#include <sys/types.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <errno.h>

static inline int
pledge(const char *promises, const char *execpromises)
{
	(void)promises;
	(void)execpromises;
	return 0;
}

static inline int
unveil(const char *path, const char *permissions)
{
	(void)path;
	(void)permissions;
	return 0;
}

static inline int
getpeereid(int fd, uid_t *uid, gid_t *gid)
{
	struct ucred uc;
	socklen_t ul = sizeof(uc);

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &uc, &ul) == -1)
		return -1;
	*uid = uc.uid;
	*gid = uc.gid;
	return 0;
}

#endif
