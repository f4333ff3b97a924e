/*
 * privs_openbsd.c: privs.h on OpenBSD: the user and chroot (privs_bsd.c), then unveil(2) and
 * pledge(2). Not yet run on an OpenBSD kernel (docs/bsd.md).
 */
#include <sys/types.h>
#include <unistd.h>

#include "log.h"
#include "privs_bsd.h"

/*
 * The worker reads and writes sockets it already has (the divert sockets, the channel),
 * connects to Tor's SocksPort and writes replies with an address (sendto: "inet"), and
 * learns interface names (getifaddrs: allowed under "inet"). It opens no file.
 */
#define WORKER_PLEDGE	"stdio inet"
/*
 * The parent re-reads the configuration on SIGHUP and reopens log files (rpath, wpath, cpath,
 * fattr) and ends the worker (proc). privs.h does not give it the configuration's path, so
 * it does not unveil.
 */
#define PARENT_PLEDGE	"stdio rpath wpath cpath fattr proc"

void
privs_drop(const struct config *cfg, const struct privs *pv)
{
	privs_bsd_become(cfg, pv);
	if (unveil("/", "") == -1)	/* no path at all */
		fatal("unveil /");
	if (unveil(NULL, NULL) == -1)
		fatal("unveil lock");
	if (pledge(WORKER_PLEDGE, NULL) == -1)
		fatal("pledge %s", WORKER_PLEDGE);
	log_info("privileges dropped: user %s, chroot %s, unveil none, pledge \"%s\"",
	    cfg->user, cfg->chroot, WORKER_PLEDGE);
}

void
privs_parent(int audit_dirfd, int control)
{
	(void)audit_dirfd;	/* the audit log's process lookup is Linux's /proc: not here */
	(void)control;		/* the control socket is Linux's (abstract names) */
	if (pledge(PARENT_PLEDGE, NULL) == -1)
		fatal("pledge %s", PARENT_PLEDGE);
}
