/*
 * privs_freebsd.c: privs.h on FreeBSD: the user and chroot (privs_bsd.c), no new privileges
 * and the parent's death signal (procctl(2)). Capability mode (cap_enter(2)) is NOT entered:
 * in it, sendto(2) with an address and connect(2) are refused, and the worker needs both
 * (a reply written back through the divert socket carries the address that says inbound or
 * outbound; upstream connections go to Tor's SocksPort). docs/bsd.md says what that leaves.
 * Not yet run on a FreeBSD kernel.
 */
#include <sys/types.h>
#include <sys/procctl.h>
#include <signal.h>
#include <unistd.h>

#include "log.h"
#include "privs_bsd.h"

static void
no_new_privs(void)
{
	int on = PROC_NO_NEW_PRIVS_ENABLE;

	if (procctl(P_PID, getpid(), PROC_NO_NEW_PRIVS_CTL, &on) == -1)
		fatal("procctl PROC_NO_NEW_PRIVS_CTL");
}

void
privs_drop(const struct config *cfg, const struct privs *pv)
{
	int sig = SIGTERM;
	pid_t parent = getppid();

	privs_bsd_become(cfg, pv);
	/* If the parent dies, so does the worker (and the divert port is unbound: fail closed). */
	if (procctl(P_PID, getpid(), PROC_PDEATHSIG_CTL, &sig) == -1)
		fatal("procctl PROC_PDEATHSIG_CTL");
	if (getppid() != parent)
		fatalx("the parent exited during start-up");
	no_new_privs();
	log_info("privileges dropped: user %s, chroot %s, no capability mode (docs/bsd.md)",
	    cfg->user, cfg->chroot);
}

void
privs_parent(int audit_dirfd, int control)
{
	(void)audit_dirfd;	/* the audit log's process lookup is Linux's /proc: not here */
	(void)control;		/* the control socket is Linux's (abstract names) */
	no_new_privs();
}
