/*
 * plat_bsd.c: plat.h on OpenBSD and FreeBSD. Not yet run on a BSD kernel (docs/bsd.md).
 * TCP DNS is not served here: nothing tells the listener where a connection redirected by
 * pf was going without /dev/pf (DIOCNATLOOK), so the rulesets in pf/ block TCP/53 and
 * config.c refuses listen-tcp.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <errno.h>
#include <unistd.h>
#ifdef __FreeBSD__
#include <sys/sysctl.h>
#endif

#include "plat.h"

int
plat_peer_uid(int fd, uint32_t *uid)
{
	uid_t u;
	gid_t g;

	if (getpeereid(fd, &u, &g) == -1)
		return -1;
	*uid = (uint32_t)u;
	return 0;
}

/* Ports below IPPORT_RESERVED (1024) are root's; FreeBSD can move the bound. */
unsigned
plat_unprivileged_port_start(void)
{
#ifdef __FreeBSD__
	int high;
	size_t len = sizeof(high);

	if (sysctlbyname("net.inet.ip.portrange.reservedhigh", &high, &len, NULL, 0) == 0 &&
	    high >= 0 && high < 65535)
		return (unsigned)high + 1;
#endif
	return 1024;
}

const char *
plat_unprivileged_port_knob(void)
{
#ifdef __FreeBSD__
	return "net.inet.ip.portrange.reservedhigh";
#else
	return "IPPORT_RESERVED";
#endif
}

/* No forced variant: the limit is kern.ipc.maxsockbuf (FreeBSD) or sb_max (OpenBSD). */
int
plat_sockbuf_force(int fd, int optname, int bytes)
{
	return setsockopt(fd, SOL_SOCKET, optname, &bytes, sizeof(bytes));
}

int
plat_serves_tcp(void)
{
	return 0;
}

int
plat_original_dst(int fd, int family, struct sockaddr_storage *ss, socklen_t *sl)
{
	(void)fd;
	(void)family;
	(void)ss;
	(void)sl;
	errno = EOPNOTSUPP;
	return -1;
}

int
plat_bind_device(int fd, int family, const char *ifname)
{
	(void)fd;
	(void)family;
	(void)ifname;
	errno = EOPNOTSUPP;
	return -1;
}
