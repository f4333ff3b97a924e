/*
 * sockdiag_none.c: sockdiag.h where the kernel has no sock_diag (OpenBSD, FreeBSD). Their
 * equivalents (FreeBSD's net.inet.tcp.getcred, OpenBSD's net.inet.tcp.ident sysctls) are
 * root's only, and the worker is not root, so nothing here can name a socket's owner:
 * sockdiag_open fails with a message saying so, and config.c refuses "socks-owner" other
 * than "any" on these systems (docs/bsd.md). socks_owner_verify, asked to check anyway,
 * refuses: fail closed.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "sockdiag.h"

int
sockdiag_open(struct sockdiag *sd, char *err, size_t errlen)
{
	sd->fd = -1;
	sd->seq = 0;
	snprintf(err, errlen, "no socket owner lookup on this system (sock_diag is Linux's)");
	errno = EOPNOTSUPP;
	return -1;
}

void
sockdiag_close(struct sockdiag *sd)
{
	sd->fd = -1;
}

enum sockdiag_owner
sockdiag_peer_owner(struct sockdiag *sd, int fd, uint32_t allowed_uid, uint32_t *uid)
{
	(void)sd;
	(void)fd;
	(void)allowed_uid;
	*uid = UINT32_MAX;
	errno = EOPNOTSUPP;
	return SOCKDIAG_ERROR;
}

int
sockdiag_tcp_uid(struct sockdiag *sd, int family, const uint8_t *laddr, uint16_t lport,
    const uint8_t *raddr, uint16_t rport, uint32_t *uid, uint64_t *inode)
{
	(void)sd;
	(void)family;
	(void)laddr;
	(void)lport;
	(void)raddr;
	(void)rport;
	(void)uid;
	(void)inode;
	errno = EOPNOTSUPP;
	return -1;
}

int
sockdiag_udp_owner(struct sockdiag *sd, uint8_t proto, int family, const uint8_t *laddr,
    uint16_t lport, const uint8_t *raddr, uint16_t rport, uint32_t *uid, uint64_t *inode)
{
	(void)proto;
	return sockdiag_tcp_uid(sd, family, laddr, lport, raddr, rport, uid, inode);
}

int
sockdiag_udp_supported(struct sockdiag *sd, uint8_t proto)
{
	(void)sd;
	(void)proto;
	return EOPNOTSUPP;
}

int
socks_owner_verify(struct socks_owner *so, int fd, char *why, size_t whylen)
{
	(void)fd;
	if (!so->check)
		return 0;
	snprintf(why, whylen, "cannot tell who holds the SOCKS port on this system "
	    "(socks-owner %s needs sock_diag): refused", so->name);
	return -1;
}
