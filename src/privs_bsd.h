/* privs_bsd.h: what privs_openbsd.c and privs_freebsd.c share (privs_bsd.c). */
#ifndef DNSFENCE_PRIVS_BSD_H
#define DNSFENCE_PRIVS_BSD_H

#include "privs.h"

/* chroot (unless "none"), then setgroups, setresgid, setresuid; fatal on any failure or if
 * root can be regained afterwards. */
void	privs_bsd_become(const struct config *, const struct privs *);

#endif
