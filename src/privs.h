/*
 * privs.h: giving up privilege once everything that needs it is open, in both processes.
 * Worker order: chroot, setgroups/setresgid/setresuid, capabilities down to CAP_NET_ADMIN
 * (verdicts and queue settings need it), no_new_privs, then a seccomp allow-list. Every
 * failure is fatal.
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
/*
 * The worker: chroot into the empty directory (no descriptor of a directory is kept
 * outside it), the named user, CAP_NET_ADMIN only (bounding set too), the parent's death
 * ends it, no_new_privs, and a seccomp allow-list with no file, raw, packet or netlink
 * sockets, no SO_MARK and no exec.
 */
void	privs_drop(const struct config *, const struct privs *);
/*
 * The parent: root, CAP_KILL only, no_new_privs, a seccomp allow-list of its own. With an
 * audit log (audit_dirfd, its directory, else -1), also what finding a socket's process needs: CAP_DAC_READ_SEARCH and
 * CAP_SYS_PTRACE (reading /proc/PID/fd and /proc/PID/exe of other users), directory
 * reads, and writing the log. With a control socket (control), accepting its callers and
 * asking for their credentials.
 */
void	privs_parent(int audit_dirfd, int control);

#endif
