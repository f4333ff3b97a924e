/*
 * resolve.h: one-shot SOCKS connections for Tor's RESOLVE and RESOLVE_PTR (mode hybrid,
 * onion tor). Each question gets its own short connection to the SocksPort, which the exit
 * (or, for .onion, the local Tor) answers; the daemon turns the answer into DNS.
 */
#ifndef DNSFENCE_RESOLVE_H
#define DNSFENCE_RESOLVE_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "sockdiag.h"
#include "socks5.h"
#include "stats.h"

#define RESOLVE_EV_TAG	(4ull << 32)	/* event tag: tag | slot */
#define RESOLVE_ID_BASE	(1 << 24)	/* pending entries name a resolve as BASE + slot */

struct resolve_conn {
	int		 fd;		/* -1: free */
	int		 connected;
	struct socks5	 socks;
	uint8_t		 rbuf[4 + 1 + 255 + 2];	/* the largest reply */
	size_t		 rlen;
	uint8_t		 wbuf[SOCKS5_MAXREQ];
	size_t		 wlen;
	uint16_t	 tag;		/* the pending entry's ID, to find it again */
	uint64_t	 deadline_ms;
};

struct resolve_ops {
	/* Finished (ok: the SOCKS reply arrived, see s->rep and s->bnd), or failed (ok == 0). */
	void	(*done)(void *arg, int32_t id, uint16_t tag, const struct socks5 *s, int ok);
};

struct resolve {
	const struct config	*cfg;
	struct stats		*st;
	int			 loop;
	struct resolve_conn	*rc;
	uint32_t		 n;		/* max-resolves */
	uint32_t		 busy;
	struct resolve_ops	 ops;
	void			*arg;
	struct socks_owner	*owner;		/* who may hold the SOCKS port */
};

int	resolve_init(struct resolve *, const struct config *, struct stats *, int loop,
	    const struct resolve_ops *, void *arg, struct socks_owner *owner);
void	resolve_destroy(struct resolve *);

/*
 * Start a prepared handshake (socks5_init_resolve or _ptr). Returns the id the pending
 * entry is bound to (RESOLVE_ID_BASE + slot), or -1 when max-resolves are busy or the
 * socket cannot be made.
 */
int32_t	resolve_start(struct resolve *, const struct socks5 *, uint16_t tag, uint64_t deadline_ms,
	    uint64_t now_ms);
void	resolve_event(struct resolve *, uint32_t slot, uint32_t events, uint64_t now_ms);
uint64_t resolve_timers(struct resolve *, uint64_t now_ms);

#endif
