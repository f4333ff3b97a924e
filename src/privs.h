/*
 * privs.h: giving up privilege once everything that needs it is open. Order: chroot,
 * setgroups/setresgid/setresuid, capabilities down to CAP_NET_ADMIN (verdicts and queue
 * settings need it), no_new_privs, then a seccomp allow-list. Every failure is fatal.
 */
#ifndef DNSFENCE_PRIVS_H
#define DNSFENCE_PRIVS_H

#include "config.h"

/* Resolve the user and check the chroot directory while /etc is still reachable. */
struct privs {
	uid_t	uid;
	gid_t	gid;
};

void	privs_prepare(const struct config *, struct privs *);
/* conf_dirfd: the only directory read-only openat() may start from afterwards, or -1. */
void	privs_drop(const struct config *, const struct privs *, int conf_dirfd);

#endif
