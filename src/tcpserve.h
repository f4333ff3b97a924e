/*
 * tcpserve.h: the local TCP DNS listener. The rulesets redirect TCP/53 here; queries read
 * from it take the same pipeline as captured UDP ones, and answers go back on the same
 * connection (RFC 7766: several queries per connection, answers in any order).
 */
#ifndef DNSFENCE_TCPSERVE_H
#define DNSFENCE_TCPSERVE_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "stats.h"

#define TCPSERVE_LISTEN_TAG	(2ull << 32)	/* event tag: tag | listener index */
#define TCPSERVE_MAX_GW	32	/* listeners on gateway interfaces' addresses */
#define TCPSERVE_CLIENT_TAG	(3ull << 32)	/* event tag: tag | client slot */

struct tcp_client {
	int		 fd;		/* -1: slot free */
	uint32_t	 gen;		/* bumped at each reuse of the slot */
	int		 family;
	uint8_t		 addr[16];	/* the client */
	uint16_t	 port;
	uint8_t		 orig[16];	/* where it connected before the redirect */
	uint16_t	 orig_port;
	uint32_t	 ifindex;	/* a gateway interface's listener: its interface; else 0 */
	int		 uid_asked;	/* the owner was looked up (once per connection) */
	int		 has_uid;
	uint32_t	 uid;		/* the owner of the client's socket, if has_uid */
	uint64_t	 inode;		/* its inode, for the audit log (0: unknown) */
	uint8_t		*rbuf;		/* 2 + 65535 */
	size_t		 rlen;
	uint8_t		*wbuf;
	size_t		 wlen;
	size_t		 wcap;		/* wbuf's size, fixed at accept (reload may change the key) */
	int		 want_out;
	int		 paused;	/* max-tcp-outstanding reached: not reading */
	uint32_t	 outstanding;	/* queries not yet answered */
	uint64_t	 active_ms;	/* last complete query or answer */
};

struct tcpserve_ops {
	/*
	 * A whole query arrived from client slot (its message may be modified). Returns 0 if
	 * an answer will follow through tcpserve_reply(), -1 if the query was dropped.
	 */
	int	(*query)(void *arg, int32_t slot, uint8_t *msg, size_t len);
};

/* A listener bound to one interface's address (gateway mode). */
struct tcpserve_bind {
	struct endpoint	 ep;
	uint32_t	 ifindex;
	char		 ifname[CONFIG_IFNAMSIZ];
};

struct tcpserve {
	const struct config	*cfg;
	struct stats		*st;
	int			 loop;
	int			 lfd[CONFIG_MAX_LISTEN + TCPSERVE_MAX_GW];
	uint32_t		 lif[CONFIG_MAX_LISTEN + TCPSERVE_MAX_GW];	/* 0: lo */
	size_t			 nlisten;
	struct tcp_client	*cl;
	uint32_t		 ncl;		/* slots: max-tcp-clients at start */
	uint32_t		 nopen;
	uint64_t		 paused_until_ms;	/* out of descriptors: not accepting */
	struct tcpserve_ops	 ops;
	void			*arg;
};

/*
 * Bind every listen-tcp address, and each of gw[0..ngw) to its interface (SO_BINDTODEVICE:
 * unreachable from any other). err names the address.
 */
int	tcpserve_open(struct tcpserve *, const struct config *, const struct tcpserve_bind *gw,
	    size_t ngw, struct stats *, int loop, const struct tcpserve_ops *, void *arg,
	    char *err, size_t errlen);
void	tcpserve_accept(struct tcpserve *, uint32_t listener, uint64_t now_ms);
void	tcpserve_event(struct tcpserve *, int32_t slot, uint32_t events, uint64_t now_ms);

/* Send msg back to slot if it is still the same client (gen); drop it otherwise. */
void	tcpserve_reply(struct tcpserve *, int32_t slot, uint32_t gen, const uint8_t *msg,
	    size_t len, uint64_t now_ms);

/*
 * Idle and stalled clients, and clients paused at max-tcp-outstanding that have room again
 * (their buffered queries are read now). Returns the next time it needs, or UINT64_MAX.
 */
uint64_t tcpserve_timers(struct tcpserve *, uint64_t now_ms);

void	tcpserve_close(struct tcpserve *);

#endif
