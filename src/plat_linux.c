/* plat_linux.c: plat.h on Linux. */
#include <sys/socket.h>
#include <netinet/in.h>
#include <linux/netfilter_ipv4.h>
#include <linux/netfilter_ipv6/ip6_tables.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "plat.h"

int
plat_peer_uid(int fd, uint32_t *uid)
{
	struct ucred uc;
	socklen_t ul = sizeof(uc);

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &uc, &ul) == -1)
		return -1;
	*uid = (uint32_t)uc.uid;
	return 0;
}

unsigned
plat_unprivileged_port_start(void)
{
	unsigned start = 1024;
	FILE *f = fopen("/proc/sys/net/ipv4/ip_unprivileged_port_start", "re");

	if (f != NULL) {
		if (fscanf(f, "%u", &start) != 1)
			start = 1024;
		fclose(f);
	}
	return start;
}

const char *
plat_unprivileged_port_knob(void)
{
	return "net.ipv4.ip_unprivileged_port_start";
}

int
plat_sockbuf_force(int fd, int optname, int bytes)
{
	int force = optname == SO_SNDBUF ? SO_SNDBUFFORCE : SO_RCVBUFFORCE;

	return setsockopt(fd, SOL_SOCKET, force, &bytes, sizeof(bytes));
}

int
plat_serves_tcp(void)
{
	return 1;
}

/* REDIRECT keeps the destination it rewrote in conntrack; SO_ORIGINAL_DST reads it back. */
int
plat_original_dst(int fd, int family, struct sockaddr_storage *ss, socklen_t *sl)
{
	return getsockopt(fd, family == AF_INET6 ? SOL_IPV6 : SOL_IP,
	    family == AF_INET6 ? IP6T_SO_ORIGINAL_DST : SO_ORIGINAL_DST, ss, sl);
}

/* A gateway interface's address may still be tentative (IPv6 DAD): bind it anyway. */
int
plat_bind_device(int fd, int family, const char *ifname)
{
	int one = 1;

	(void)setsockopt(fd, family == AF_INET6 ? IPPROTO_IPV6 : IPPROTO_IP,
	    family == AF_INET6 ? IPV6_FREEBIND : IP_FREEBIND, &one, sizeof(one));
	return setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, ifname, (socklen_t)strlen(ifname));
}
