/* privs.c: chroot, user, capabilities, no_new_privs, seccomp. */
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <seccomp.h>
#include <sys/capability.h>

#include "log.h"
#include "privs.h"

void
privs_prepare(const struct config *cfg, struct privs *pv)
{
	struct passwd *pw;
	struct stat st;

	errno = 0;
	if ((pw = getpwnam(cfg->user)) == NULL)
		fatalx("user \"%s\" does not exist (make install creates \"dnsfence\"; or set "
		    "\"user\" in %s)", cfg->user, cfg->path[0] ? cfg->path : "the configuration");
	if (pw->pw_uid == 0)
		fatalx("user \"%s\" is root: dnsfence must run as an unprivileged user",
		    cfg->user);
	pv->uid = pw->pw_uid;
	pv->gid = pw->pw_gid;
	if (strcmp(cfg->chroot, "none") == 0)
		return;
	if (stat(cfg->chroot, &st) == -1)
		fatal("chroot %s (make install creates it)", cfg->chroot);
	if (!S_ISDIR(st.st_mode))
		fatalx("chroot %s: not a directory", cfg->chroot);
	if (st.st_uid != 0 || (st.st_mode & (S_IWGRP | S_IWOTH)) != 0)
		fatalx("chroot %s: must be owned by root and writable by nobody else "
		    "(owner %u, mode %03o)", cfg->chroot, (unsigned)st.st_uid,
		    (unsigned)(st.st_mode & 0777));
}

/*
 * The system calls the run loop makes, and why (docs/security.md has the same list).
 * Everything else kills the process.
 */
static const char *const allowed[] = {
	"read", "write", "readv", "writev", "close",		/* signalfd, stderr, sockets */
	"epoll_wait", "epoll_pwait", "epoll_ctl",		/* the loop */
	"recvfrom", "recvmsg", "recvmmsg",			/* queue, upstream, TCP clients */
	"sendto", "sendmsg", "sendmmsg",			/* verdicts, replies, upstream */
	"connect", "accept4", "shutdown",			/* upstream, TCP listener */
	"getsockopt", "setsockopt", "getsockname",		/* SO_ERROR, TCP_NODELAY, orig dst */
	"getpeername",						/* socks-owner: whose port */
	"clock_gettime", "gettimeofday", "time",		/* deadlines, log stamps */
	"getrandom",						/* query IDs */
	"poll", "ppoll",					/* netlink ACK on reload */
	"brk", "munmap", "mremap", "madvise",			/* malloc */
	"fstat", "newfstatat", "lseek",				/* stdio on reload */
	"getpid", "gettid",					/* log lines */
	"futex",						/* libc locks */
	"rt_sigreturn", "rt_sigprocmask", "restart_syscall",
	"exit", "exit_group",
};

static void
seccomp_install(int conf_dirfd)
{
	scmp_filter_ctx ctx;
	int rc;

	if ((ctx = seccomp_init(SCMP_ACT_KILL_PROCESS)) == NULL)
		fatalx("seccomp_init failed");
	for (size_t i = 0; i < sizeof(allowed) / sizeof(allowed[0]); i++) {
		int nr = seccomp_syscall_resolve_name(allowed[i]);

		if (nr == __NR_SCMP_ERROR)
			continue;	/* not on this architecture */
		if ((rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 0)) < 0)
			fatalx("seccomp: %s: %s", allowed[i], strerror(-rc));
	}
	/* memory: never executable */
	if ((rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(mmap), 1,
	    SCMP_A2(SCMP_CMP_MASKED_EQ, PROT_EXEC, 0))) < 0 ||
	    (rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(mprotect), 1,
	    SCMP_A2(SCMP_CMP_MASKED_EQ, PROT_EXEC, 0))) < 0)
		fatalx("seccomp: mmap/mprotect: %s", strerror(-rc));
	/* new sockets: upstream TCP (v4/v6) and the syslog socket only */
	if ((rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(socket), 1,
	    SCMP_A0(SCMP_CMP_EQ, AF_INET))) < 0 ||
	    (rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(socket), 1,
	    SCMP_A0(SCMP_CMP_EQ, AF_INET6))) < 0 ||
	    (rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(socket), 1,
	    SCMP_A0(SCMP_CMP_EQ, AF_UNIX))) < 0)
		fatalx("seccomp: socket: %s", strerror(-rc));
	/* files: read-only, relative to the configuration's directory, for SIGHUP */
	if (conf_dirfd != -1 && (rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(openat), 2,
	    SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)conf_dirfd),
	    SCMP_A2(SCMP_CMP_MASKED_EQ, O_ACCMODE | O_CREAT | O_TRUNC, O_RDONLY))) < 0)
		fatalx("seccomp: openat: %s", strerror(-rc));
	/* fcntl only as stdio uses it (F_GETFL) */
	if ((rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(fcntl), 1,
	    SCMP_A1(SCMP_CMP_EQ, F_GETFL))) < 0)
		fatalx("seccomp: fcntl: %s", strerror(-rc));
	if ((rc = seccomp_load(ctx)) < 0)
		fatalx("seccomp_load: %s", strerror(-rc));
	seccomp_release(ctx);
}

void
privs_drop(const struct config *cfg, const struct privs *pv, int conf_dirfd)
{
	cap_value_t keep[] = { CAP_NET_ADMIN };
	cap_t caps;

	tzset();	/* log time stamps after chroot */
	if (strcmp(cfg->chroot, "none") != 0) {
		if (chroot(cfg->chroot) == -1)
			fatal("chroot %s", cfg->chroot);
		if (chdir("/") == -1)
			fatal("chdir /");
	}
	if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) == -1)
		fatal("PR_SET_KEEPCAPS");
	if (setgroups(0, NULL) == -1)
		fatal("setgroups");
	if (setresgid(pv->gid, pv->gid, pv->gid) == -1)
		fatal("setresgid %u", (unsigned)pv->gid);
	if (setresuid(pv->uid, pv->uid, pv->uid) == -1)
		fatal("setresuid %u", (unsigned)pv->uid);
	if ((caps = cap_init()) == NULL)
		fatal("cap_init");
	if (cap_set_flag(caps, CAP_PERMITTED, 1, keep, CAP_SET) == -1 ||
	    cap_set_flag(caps, CAP_EFFECTIVE, 1, keep, CAP_SET) == -1 ||
	    cap_set_proc(caps) == -1)
		fatal("cannot keep CAP_NET_ADMIN only");
	cap_free(caps);
	if (cap_reset_ambient() == -1 && errno != EINVAL)
		fatal("cap_reset_ambient");
	if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) == -1)
		fatal("PR_SET_KEEPCAPS off");
	/* The drop must be irreversible. */
	if (setresuid(0, 0, 0) != -1 || setresgid(0, 0, 0) != -1)
		fatalx("could regain root after dropping privileges");
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1)
		fatal("PR_SET_NO_NEW_PRIVS");
	seccomp_install(conf_dirfd);
	log_info("privileges dropped: user %s, chroot %s, CAP_NET_ADMIN only, seccomp on",
	    cfg->user, cfg->chroot);
}
