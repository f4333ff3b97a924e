/*
 * rtnl.h: the host's addresses from the kernel (rtnetlink): one dump at start, then the
 * RTM_NEWADDR/RTM_DELADDR notifications, into an addrtab. A lost notification (ENOBUFS)
 * or an interrupted dump makes it dump again.
 */
#ifndef DNSFENCE_RTNL_H
#define DNSFENCE_RTNL_H

#include <stddef.h>
#include <stdint.h>

#include "addrtab.h"

struct rtnl {
	struct mnl_socket	*nl;
	unsigned		 portid;
	uint32_t		 seq;
	uint64_t		 redumps;	/* full re-reads after lost notifications */
};

/* Open, subscribe and read every address now. err names what failed. */
int	rtnl_open(struct rtnl *, struct addrtab *, char *err, size_t errlen);
int	rtnl_fd(const struct rtnl *);
/* Apply what the kernel sent. -1 with errno if the socket failed and a re-read failed too. */
int	rtnl_read(struct rtnl *, struct addrtab *);
void	rtnl_close(struct rtnl *);

#endif
