/*
 * plat.h: the few kernel differences outside the capture (capture.h), the privileges
 * (privs.h), the event loop (evl.h) and the address table (rtnl.h): one implementation
 * file per platform, plat_linux.c and plat_bsd.c, so no other file reads #ifdef for them.
 */
#ifndef DNSFENCE_PLAT_H
#define DNSFENCE_PLAT_H

#include <sys/socket.h>
#include <stdint.h>

/* The uid of the process at the other end of a connected AF_UNIX socket. 0, or -1 with errno. */
int	plat_peer_uid(int fd, uint32_t *uid);

/* The first port an unprivileged user may bind (Linux: net.ipv4.ip_unprivileged_port_start). */
unsigned plat_unprivileged_port_start(void);
/* How plat_unprivileged_port_start is set, for messages: a sysctl's name. */
const char *plat_unprivileged_port_knob(void);

/* Set a socket buffer (SO_SNDBUF or SO_RCVBUF) past the system limit where root may. */
int	plat_sockbuf_force(int fd, int optname, int bytes);

/*
 * TCP DNS: 1 if this system's listener can learn where a redirected connection was going
 * (listen-tcp and the gateway's TCP listeners), else 0 and the rulesets block TCP/53.
 */
int	plat_serves_tcp(void);
/* Where an accepted, redirected connection was going. 0, or -1 with errno. */
int	plat_original_dst(int fd, int family, struct sockaddr_storage *, socklen_t *);
/* Bind a listener to one interface, and let it bind an address not (yet) usable. */
int	plat_bind_device(int fd, int family, const char *ifname);

#endif
