/*
 * sockdiag.h: who owns a local TCP socket, from the kernel's sock_diag (NETLINK_SOCK_DIAG,
 * no privilege needed). Used to make sure the SOCKS server dnsfence talks to is Tor's and
 * not a local user's listener squatting its port while Tor is down.
 */
#ifndef DNSFENCE_SOCKDIAG_H
#define DNSFENCE_SOCKDIAG_H

#include <stddef.h>
#include <stdint.h>

struct sockdiag {
	int		fd;
	uint32_t	seq;
};

enum sockdiag_owner {
	SOCKDIAG_REMOTE,	/* no socket of this network namespace: a peer elsewhere */
	SOCKDIAG_ALLOWED,	/* owned by root or by the allowed uid */
	SOCKDIAG_FOREIGN,	/* owned by another uid (in *uid) */
	SOCKDIAG_ERROR,		/* the kernel could not be asked: treat as foreign */
};

int	sockdiag_open(struct sockdiag *, char *err, size_t errlen);
void	sockdiag_close(struct sockdiag *);

/*
 * Whose is the server end of our connected TCP socket fd? The peer socket itself if the
 * kernel has it (a connection accepted by a local process), else every local listener on
 * the peer's address and port. All of them must belong to root or to allowed_uid.
 */
enum sockdiag_owner sockdiag_peer_owner(struct sockdiag *, int fd, uint32_t allowed_uid,
	    uint32_t *uid);

/*
 * The owner of the local TCP socket whose own address is laddr:lport and whose peer is
 * raddr:rport (addresses 4 or 16 bytes by family, ports in host order). 0 with *uid, or -1
 * with errno (ENOENT: no such socket).
 */
int	sockdiag_tcp_uid(struct sockdiag *, int family, const uint8_t *laddr, uint16_t lport,
	    const uint8_t *raddr, uint16_t rport, uint32_t *uid, uint64_t *inode);

/*
 * The local UDP or UDP-Lite socket (proto) that sent a packet from laddr:lport to
 * raddr:rport, connected or not: its owner's uid and its inode (for the parent to find the
 * process). 0, or -1 with errno (ENOENT: gone).
 */
int	sockdiag_udp_owner(struct sockdiag *, uint8_t proto, int family, const uint8_t *laddr,
	    uint16_t lport, const uint8_t *raddr, uint16_t rport, uint32_t *uid,
	    uint64_t *inode);

/* 0 if the kernel can list proto's sockets (udp_diag loaded), else an errno. */
int	sockdiag_udp_supported(struct sockdiag *, uint8_t proto);

/* socks-owner: who may hold the SOCKS port dnsfence connects to. */
struct socks_owner {
	struct sockdiag	*diag;
	int		 check;		/* 0 with "socks-owner any" */
	uint32_t	 uid;		/* allowed besides root */
	char		 name[64];	/* as configured, for messages */
};

/*
 * 0 if the SOCKS server at the other end of connected socket fd may be used: it is not on
 * this host, or root or the socks-owner uid owns it. Otherwise -1 and why says who holds
 * it (fail closed, also when the kernel cannot be asked).
 */
int	socks_owner_verify(struct socks_owner *, int fd, char *why, size_t whylen);

#endif
