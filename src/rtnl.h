/*
 * rtnl.h: the host's addresses from the kernel, into an addrtab. Linux (rtnl.c): rtnetlink,
 * one dump at start, then the RTM_NEWADDR/RTM_DELADDR notifications; a lost notification
 * (ENOBUFS) or an interrupted dump makes it dump again. The BSDs (rtsock.c): getifaddrs(3)
 * at start and again after each address or interface message on a routing socket.
 */
#ifndef DNSFENCE_RTNL_H
#define DNSFENCE_RTNL_H

#include <stddef.h>
#include <stdint.h>

#include "addrtab.h"

struct rtnl {
#if defined(__linux__) && !defined(DNSFENCE_RTSOCK_COMPAT)
	struct mnl_socket	*nl;
	unsigned		 portid;
	uint32_t		 seq;
#else
	int			 fd;		/* the routing socket */
#endif
	uint64_t		 redumps;	/* full re-reads (Linux: after lost notifications) */
};

/* Open, subscribe and read every address now. err names what failed. */
int	rtnl_open(struct rtnl *, struct addrtab *, char *err, size_t errlen);
int	rtnl_fd(const struct rtnl *);
/* Apply what the kernel sent. -1 with errno if the socket failed and a re-read failed too. */
int	rtnl_read(struct rtnl *, struct addrtab *);
void	rtnl_close(struct rtnl *);

#endif
