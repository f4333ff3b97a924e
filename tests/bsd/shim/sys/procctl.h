/*
 * sys/procctl.h: TEST ONLY (tests/bsd/shim/bsd_shim.h says why). FreeBSD's values for the two
 * requests privs_freebsd.c makes, carried out with prctl(2).
 */
#ifndef DNSFENCE_SHIM_PROCCTL_H
#define DNSFENCE_SHIM_PROCCTL_H

#include <sys/types.h>
#include <sys/prctl.h>
#include <errno.h>

#define P_PID				0
#define PROC_PDEATHSIG_CTL		11
#define PROC_NO_NEW_PRIVS_CTL		19
#define PROC_NO_NEW_PRIVS_ENABLE	1

static inline int
procctl(int idtype, id_t id, int cmd, void *data)
{
	(void)idtype;
	(void)id;
	if (cmd == PROC_NO_NEW_PRIVS_CTL && *(int *)data == PROC_NO_NEW_PRIVS_ENABLE)
		return prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
	if (cmd == PROC_PDEATHSIG_CTL)
		return prctl(PR_SET_PDEATHSIG, (unsigned long)*(int *)data, 0, 0, 0);
	errno = EINVAL;
	return -1;
}

#endif
