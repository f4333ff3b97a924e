/* privs_linux.c: chroot, user, capabilities, no_new_privs, seccomp (Linux; privs.h). */
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <linux/netfilter_ipv4.h>
#include <linux/netfilter_ipv6/ip6_tables.h>
#include <signal.h>
#include <stdio.h>
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
#include <sys/ioctl.h>
#include <linux/sockios.h>

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
 * The system calls the worker's run loop makes, and why (docs/security.md has the same
 * list). Everything else kills the process.
 */
static const char *const worker_allowed[] = {
	"read", "write", "readv", "writev", "close",		/* signalfd, sockets */
	"epoll_wait", "epoll_pwait", "epoll_ctl",		/* the loop */
	"recvfrom", "recvmsg", "recvmmsg",			/* queue, upstream, TCP clients */
	"sendto", "sendmsg", "sendmmsg",			/* verdicts, replies, upstream, log */
	"connect", "accept4", "shutdown",			/* upstream, TCP listener */
	"getsockname", "getpeername",				/* orig dst, socks-owner */
	"clock_gettime", "gettimeofday", "time",		/* deadlines */
	"getrandom",						/* query IDs */
	"poll", "ppoll",					/* netlink ACKs and dumps */
	"brk", "munmap", "mremap", "madvise",			/* malloc */
	"getpid", "gettid",
	"futex",						/* libc locks */
	"rt_sigreturn", "rt_sigprocmask", "restart_syscall",
	"exit", "exit_group",
};

/* The parent: signals, the worker's channel, syslog, the configuration file, the worker. */
static const char *const parent_allowed[] = {
	"read", "write", "close", "readv", "writev",		/* signalfd, stderr, the channel */
	"poll", "ppoll", "signalfd", "signalfd4",		/* the loop */
	"recvfrom", "recvmsg", "sendto", "sendmsg",		/* the channel, syslog */
	"connect",						/* syslog again after a restart */
	"fstat", "newfstatat", "lseek",				/* stdio reading the configuration */
	"wait4", "waitid", "kill",				/* the worker */
	"clock_gettime", "gettimeofday", "time",		/* log time stamps, deadlines */
	"brk", "munmap", "mremap", "madvise",
	"getpid", "gettid", "futex",
	"rt_sigreturn", "rt_sigprocmask", "restart_syscall",
	"exit", "exit_group",
};

#define ALLOW(ctx, call, n, ...) do {							\
	int rc_ = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(call), n, __VA_ARGS__);	\
	if (rc_ < 0)									\
		fatalx("seccomp: %s: %s", #call, strerror(-rc_));			\
} while (0)

#define ALLOW0(ctx, call) do {								\
	int rc_ = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(call), 0);		\
	if (rc_ < 0)									\
		fatalx("seccomp: %s: %s", #call, strerror(-rc_));			\
} while (0)

static scmp_filter_ctx
seccomp_start(const char *const *allowed, size_t n)
{
	scmp_filter_ctx ctx;
	int rc;

	if ((ctx = seccomp_init(SCMP_ACT_KILL_PROCESS)) == NULL)
		fatalx("seccomp_init failed");
	for (size_t i = 0; i < n; i++) {
		int nr = seccomp_syscall_resolve_name(allowed[i]);

		if (nr == __NR_SCMP_ERROR)
			continue;	/* not on this architecture */
		if ((rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 0)) < 0)
			fatalx("seccomp: %s: %s", allowed[i], strerror(-rc));
	}
	/* memory: never executable */
	ALLOW(ctx, mmap, 1, SCMP_A2(SCMP_CMP_MASKED_EQ, PROT_EXEC, 0));
	ALLOW(ctx, mprotect, 1, SCMP_A2(SCMP_CMP_MASKED_EQ, PROT_EXEC, 0));
	return ctx;
}

static void
seccomp_finish(scmp_filter_ctx ctx)
{
	int rc;

	if ((rc = seccomp_load(ctx)) < 0)
		fatalx("seccomp_load: %s", strerror(-rc));
	seccomp_release(ctx);
}

/*
 * The worker's filter. Sockets: only new TCP ones (upstream, RESOLVE), never raw, packet,
 * netlink or UDP ones; socket options: only those it uses, never SO_MARK.
 */
static void
seccomp_worker(void)
{
	scmp_filter_ctx ctx = seccomp_start(worker_allowed,
	    sizeof(worker_allowed) / sizeof(worker_allowed[0]));
	const int type_mask = ~(SOCK_NONBLOCK | SOCK_CLOEXEC);

	ALLOW(ctx, socket, 3, SCMP_A0(SCMP_CMP_EQ, AF_INET),
	    SCMP_A1(SCMP_CMP_MASKED_EQ, (scmp_datum_t)(unsigned)type_mask, SOCK_STREAM),
	    SCMP_A2(SCMP_CMP_EQ, 0));
	ALLOW(ctx, socket, 3, SCMP_A0(SCMP_CMP_EQ, AF_INET6),
	    SCMP_A1(SCMP_CMP_MASKED_EQ, (scmp_datum_t)(unsigned)type_mask, SOCK_STREAM),
	    SCMP_A2(SCMP_CMP_EQ, 0));
	/* TCP_NODELAY on upstream connections; the queue's buffer on a reload */
	ALLOW(ctx, setsockopt, 2, SCMP_A1(SCMP_CMP_EQ, IPPROTO_TCP),
	    SCMP_A2(SCMP_CMP_EQ, TCP_NODELAY));
	ALLOW(ctx, setsockopt, 2, SCMP_A1(SCMP_CMP_EQ, SOL_SOCKET),
	    SCMP_A2(SCMP_CMP_EQ, SO_RCVBUFFORCE));
	ALLOW(ctx, setsockopt, 2, SCMP_A1(SCMP_CMP_EQ, SOL_SOCKET),
	    SCMP_A2(SCMP_CMP_EQ, SO_RCVBUF));
	/* SO_ERROR after a connect; the original destination of a redirected client */
	ALLOW(ctx, getsockopt, 2, SCMP_A1(SCMP_CMP_EQ, SOL_SOCKET), SCMP_A2(SCMP_CMP_EQ, SO_ERROR));
	ALLOW(ctx, getsockopt, 2, SCMP_A1(SCMP_CMP_EQ, SOL_IP),
	    SCMP_A2(SCMP_CMP_EQ, SO_ORIGINAL_DST));
	ALLOW(ctx, getsockopt, 2, SCMP_A1(SCMP_CMP_EQ, SOL_IPV6),
	    SCMP_A2(SCMP_CMP_EQ, IP6T_SO_ORIGINAL_DST));
	seccomp_finish(ctx);
}

static void
caps_keep(const cap_value_t *keep, int n)
{
	cap_t caps;

	if ((caps = cap_init()) == NULL)
		fatal("cap_init");
	if (n > 0 && (cap_set_flag(caps, CAP_PERMITTED, n, keep, CAP_SET) == -1 ||
	    cap_set_flag(caps, CAP_EFFECTIVE, n, keep, CAP_SET) == -1))
		fatal("cap_set_flag");
	if (cap_set_proc(caps) == -1)
		fatal("cannot keep only the capabilities needed");
	cap_free(caps);
	if (cap_reset_ambient() == -1 && errno != EINVAL)
		fatal("cap_reset_ambient");
}

/* Drop every capability from the bounding set but keep[]: nothing can regain them. */
static void
bounding_keep(const cap_value_t *keep, int n)
{
	for (cap_value_t c = 0; c <= CAP_LAST_CAP; c++) {
		int kept = 0;

		for (int i = 0; i < n; i++)
			kept |= keep[i] == c;
		if (!kept && cap_drop_bound(c) == -1 && errno != EINVAL)
			fatal("cap_drop_bound %d", (int)c);
	}
}

void
privs_drop(const struct config *cfg, const struct privs *pv)
{
	cap_value_t keep[] = { CAP_NET_ADMIN };
	pid_t parent = getppid();

	if (strcmp(cfg->chroot, "none") != 0) {
		if (chroot(cfg->chroot) == -1)
			fatal("chroot %s", cfg->chroot);
		if (chdir("/") == -1)
			fatal("chdir /");
	}
	bounding_keep(keep, 1);
	if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) == -1)
		fatal("PR_SET_KEEPCAPS");
	if (setgroups(0, NULL) == -1)
		fatal("setgroups");
	if (setresgid(pv->gid, pv->gid, pv->gid) == -1)
		fatal("setresgid %u", (unsigned)pv->gid);
	if (setresuid(pv->uid, pv->uid, pv->uid) == -1)
		fatal("setresuid %u", (unsigned)pv->uid);
	caps_keep(keep, 1);
	if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) == -1)
		fatal("PR_SET_KEEPCAPS off");
	/* The drop must be irreversible. */
	if (setresuid(0, 0, 0) != -1 || setresgid(0, 0, 0) != -1)
		fatalx("could regain root after dropping privileges");
	/* If the parent dies, so does the worker (and the queue is unbound: fail closed). */
	if (prctl(PR_SET_PDEATHSIG, SIGTERM, 0, 0, 0) == -1)
		fatal("PR_SET_PDEATHSIG");
	if (getppid() != parent)
		fatalx("the parent exited during start-up");
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1)
		fatal("PR_SET_NO_NEW_PRIVS");
	seccomp_worker();
	log_info("privileges dropped: user %s, chroot %s, CAP_NET_ADMIN only, seccomp on",
	    cfg->user, cfg->chroot);
}

void
privs_parent(int audit_dirfd, int control)
{
	int audit = audit_dirfd != -1;
	/* CAP_KILL: to end a worker (another uid) that does not exit when asked */
	cap_value_t keep[] = { CAP_KILL, CAP_DAC_READ_SEARCH, CAP_SYS_PTRACE };
	int nkeep = audit ? 3 : 1;
	scmp_filter_ctx ctx;

	tzset();		/* log time stamps: /etc/localtime is read now, not later */
	bounding_keep(keep, nkeep);
	caps_keep(keep, nkeep);
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1)
		fatal("PR_SET_NO_NEW_PRIVS");
	ctx = seccomp_start(parent_allowed, sizeof(parent_allowed) / sizeof(parent_allowed[0]));
	/* the configuration, read-only; the syslog socket */
	ALLOW(ctx, openat, 1, SCMP_A2(SCMP_CMP_MASKED_EQ, O_ACCMODE | O_CREAT | O_TRUNC,
	    O_RDONLY));
	ALLOW(ctx, fcntl, 1, SCMP_A1(SCMP_CMP_EQ, F_GETFL));
	ALLOW(ctx, socket, 1, SCMP_A0(SCMP_CMP_EQ, AF_UNIX));
	ALLOW(ctx, setsockopt, 2, SCMP_A1(SCMP_CMP_EQ, SOL_SOCKET),
	    SCMP_A2(SCMP_CMP_EQ, SO_SNDTIMEO));
	if (control) {
		/* dnsfence --stats: its callers, and whether they are root */
		ALLOW0(ctx, accept4);
		ALLOW(ctx, getsockopt, 2, SCMP_A1(SCMP_CMP_EQ, SOL_SOCKET),
		    SCMP_A2(SCMP_CMP_EQ, SO_PEERCRED));
	}
	if (audit) {
		/*
		 * the audit log: appended to, created again on SIGHUP, never truncated, and only
		 * in its directory (nothing else, /proc/PID/mem included, is opened to write)
		 */
		ALLOW(ctx, openat, 2, SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)audit_dirfd),
		    SCMP_A2(SCMP_CMP_MASKED_EQ, O_ACCMODE | O_TRUNC, O_WRONLY));
		ALLOW0(ctx, fchmod);
		/* /proc: which process holds a socket, and what it is */
		ALLOW0(ctx, getdents64);
		ALLOW(ctx, fcntl, 1, SCMP_A1(SCMP_CMP_EQ, F_GETFD));	/* fdopendir */
		ALLOW(ctx, fcntl, 1, SCMP_A1(SCMP_CMP_EQ, F_SETFD));
		ALLOW0(ctx, readlinkat);
		ALLOW0(ctx, readlink);
		/* a gateway client's interface name (if_indextoname) */
		ALLOW(ctx, ioctl, 1, SCMP_A1(SCMP_CMP_EQ, SIOCGIFNAME));
	}
	seccomp_finish(ctx);
}
