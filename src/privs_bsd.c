/*
 * privs_bsd.c: the user and chroot half of privs.h on OpenBSD and FreeBSD: resolving the
 * user and checking the chroot directory (privs_prepare), and becoming that user inside it.
 * The platform's own sandbox follows in privs_openbsd.c or privs_freebsd.c.
 * Not yet run on a BSD kernel (docs/bsd.md).
 */
#include <sys/types.h>
#include <sys/stat.h>
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "privs_bsd.h"

void
privs_prepare(const struct config *cfg, struct privs *pv)
{
	struct passwd *pw;
	struct stat st;

	errno = 0;
	if ((pw = getpwnam(cfg->user)) == NULL)
		fatalx("user \"%s\" does not exist (or set \"user\" in %s)", cfg->user,
		    cfg->path[0] ? cfg->path : "the configuration");
	if (pw->pw_uid == 0)
		fatalx("user \"%s\" is root: dnsfence must run as an unprivileged user",
		    cfg->user);
	pv->uid = pw->pw_uid;
	pv->gid = pw->pw_gid;
	if (strcmp(cfg->chroot, "none") == 0)
		return;
	if (stat(cfg->chroot, &st) == -1)
		fatal("chroot %s", cfg->chroot);
	if (!S_ISDIR(st.st_mode))
		fatalx("chroot %s: not a directory", cfg->chroot);
	if (st.st_uid != 0 || (st.st_mode & (S_IWGRP | S_IWOTH)) != 0)
		fatalx("chroot %s: must be owned by root and writable by nobody else "
		    "(owner %u, mode %03o)", cfg->chroot, (unsigned)st.st_uid,
		    (unsigned)(st.st_mode & 0777));
}

void
privs_bsd_become(const struct config *cfg, const struct privs *pv)
{
	if (strcmp(cfg->chroot, "none") != 0) {
		if (chroot(cfg->chroot) == -1)
			fatal("chroot %s", cfg->chroot);
		if (chdir("/") == -1)
			fatal("chdir /");
	}
	if (setgroups(1, &pv->gid) == -1)
		fatal("setgroups");
	if (setresgid(pv->gid, pv->gid, pv->gid) == -1)
		fatal("setresgid %u", (unsigned)pv->gid);
	if (setresuid(pv->uid, pv->uid, pv->uid) == -1)
		fatal("setresuid %u", (unsigned)pv->uid);
	/* The drop must be irreversible. */
	if (setresuid(0, 0, 0) != -1 || setresgid(0, 0, 0) != -1)
		fatalx("could regain root after dropping privileges");
}
