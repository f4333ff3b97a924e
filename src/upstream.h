/*
 * upstream.h: the pool of TCP connections through SOCKS5 to the resolvers. It owns sockets,
 * the SOCKS handshake, RFC 7766 framing, backoff and resolver hold-down. Which query goes
 * where is the daemon's business (daemon.c); it is told about answers and lost connections
 * through callbacks.
 */
#ifndef DNSFENCE_UPSTREAM_H
#define DNSFENCE_UPSTREAM_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "sockdiag.h"
#include "socks5.h"
#include "stats.h"

enum conn_state {
	CONN_CLOSED,		/* no socket; may open at retry_ms */
	CONN_CONNECTING,	/* TCP connect to the SOCKS port in progress */
	CONN_SOCKS,		/* SOCKS5 handshake */
	CONN_READY,		/* tunnel to the resolver open: carries queries */
};

struct upstream_conn {
	int			 fd;
	int32_t			 id;		/* index in the pool; pending entries name it */
	uint32_t		 resolver;
	enum conn_state		 state;
	struct socks5		 socks;
	uint8_t			*rbuf;		/* 2 + 65535: one whole frame at most */
	size_t			 rlen;
	uint8_t			*wbuf;		/* queued bytes not yet accepted by the kernel */
	size_t			 wlen;
	size_t			 wcap;		/* wbuf's size, fixed when it was allocated */
	int			 want_out;	/* registered for EVL_OUT */
	int			 dirty;		/* queries queued since the last flush */
	uint32_t		 inflight;
	uint32_t		 timeouts;	/* queries unanswered in a row on it */
	uint64_t		 step_deadline_ms;	/* handshake step deadline */
	uint64_t		 retry_ms;	/* CLOSED: not before this */
	uint32_t		 backoff_ms;
	uint64_t		 last_used_ms;
};

struct upstream_resolver {
	struct endpoint		 ep;
	uint64_t		 down_until_ms;
	uint32_t		 fails;		/* consecutive failures */
	uint64_t		 sent;		/* queries written to it */
	uint64_t		 answered;	/* answers that matched */
	uint64_t		 failures;	/* connection failures and unanswered queries */
};

/* Whose circuits a query may share: an isolation key. */
enum iso_kind {
	ISO_UID = 1,		/* a local process's user (isolate uid and host) */
	ISO_HOST,		/* a forwarded or gateway client's address (isolate host) */
	ISO_TCP,		/* a TCP client whose socket owner sock_diag could not name */
	ISO_NOOWNER,		/* a packet without an owner (or forwarded, with isolate uid) */
};

struct iso_key {
	uint8_t		kind;		/* enum iso_kind */
	uint8_t		family;		/* ISO_HOST: AF_INET or AF_INET6 */
	uint32_t	uid;		/* ISO_UID */
	uint8_t		addr[16];	/* ISO_HOST */
};

/*
 * An isolation slot: the connections of one isolation key (a uid with "isolate uid", or the
 * single shared key with "isolate none"). Each key gets its own SOCKS credentials, so Tor's
 * IsolateSOCKSAuth puts it on its own circuits.
 */
struct upstream_slot {
	int		 used;
	struct iso_key	 key;
	uint64_t	 last_used_ms;
	char		 user[64];	/* SOCKS username for the key; "" with isolate none */
};

struct upstream_ops {
	/* A whole DNS message arrived on conn (msg may be modified). */
	void	(*answer)(void *arg, int32_t conn, uint8_t *msg, size_t len);
	/* conn is gone; every query bound to it must be re-sent or failed. */
	void	(*lost)(void *arg, int32_t conn);
	/* conn became READY or gained room: waiting queries may go. */
	void	(*ready)(void *arg, int32_t conn);
	/* Do queries wait for a connection of this slot (open its connections)? */
	int	(*want)(void *arg, uint32_t slot);
};

struct upstream {
	const struct config		*cfg;
	struct stats			*st;
	int				 loop;
	struct upstream_conn		*conns;
	uint32_t			 nconns;
	struct upstream_slot		*slots;
	uint32_t			 nslots;
	uint32_t			 per_slot;	/* connections per slot: resolvers x connections */
	char				 secret[33];	/* SOCKS password with isolate uid, per run */
	struct upstream_resolver	 res[CONFIG_MAX_RESOLVERS];
	uint32_t			 nres;
	uint32_t			 rr;		/* round-robin cursor over resolvers */
	uint32_t			 ndirty;	/* connections marked dirty since the last
							   flush pass */
	struct upstream_ops		 ops;
	void				*arg;
	struct socks_owner		*owner;		/* who may hold the SOCKS port */
};

/* the event tag of an upstream connection: UPSTREAM_EV_TAG | id */
#define UPSTREAM_EV_TAG		(1ull << 32)

/*
 * secret: the per-run random SOCKS password for isolated keys (32 hex digits). owner is
 * checked on every connection before a byte is sent on it.
 */
int	upstream_init(struct upstream *, const struct config *, struct stats *, int loop,
	    const struct upstream_ops *, void *arg, const char *secret, struct socks_owner *owner);

/*
 * The slot of an isolation key, taking a free one (or the least recently used idle one) if
 * the key has none. -1 when every slot is busy: max-isolation-keys reached.
 */
int32_t	upstream_slot(struct upstream *, const struct iso_key *, uint64_t now_ms);
/* The SOCKS username of a key ("uid-1000", "host-10.0.0.2"): Tor isolates on it. */
void	upstream_key_user(const struct iso_key *, char *buf, size_t len);
uint32_t upstream_slot_of(const struct upstream *, int32_t conn);
void	upstream_destroy(struct upstream *);

/*
 * A READY connection of slot with room for one more query of len bytes, spread over
 * resolvers round-robin, preferring resolvers that are not held down. -1 if none.
 */
int32_t	upstream_pick(struct upstream *, uint32_t slot, size_t len, uint64_t now_ms);
/* The same, but never connection exclude (a race's second copy goes on another circuit). */
int32_t	upstream_pick_other(struct upstream *, uint32_t slot, size_t len, uint64_t now,
	    int32_t exclude);

/* True if a connection of slot is READY (a query can be sent without waiting for set-up). */
int	upstream_ready(const struct upstream *, uint32_t slot);

/* True if a connection of slot is open, opening, or may open now: waiting is worthwhile. */
int	upstream_can_serve(const struct upstream *, uint32_t slot, uint64_t now_ms);

/* Queue length prefix + msg on conn; upstream_flush() writes it. 0 or -1. */
int	upstream_send(struct upstream *, int32_t conn, const uint8_t *msg, size_t len,
	    uint64_t now_ms);
/* Write what upstream_send() queued: once per loop iteration, before sleeping. */
void	upstream_flush(struct upstream *, uint64_t now_ms);

/* The daemon matched or gave up on a query that was on conn. */
void	upstream_done(struct upstream *, int32_t conn, int answered);

/* A query on conn got no answer in time: counts against the resolver. */
void	upstream_timeout(struct upstream *, int32_t conn, uint64_t now_ms);

/* evl events (EVL_IN, EVL_OUT, EVL_ERR) for conn. */
void	upstream_event(struct upstream *, int32_t conn, uint32_t events, uint64_t now_ms);

/*
 * Handshake deadlines, idle closes, reconnects of slots that ops.want, freeing idle slots.
 * Returns the next time it needs, or UINT64_MAX.
 */
uint64_t upstream_timers(struct upstream *, uint64_t now_ms);

/* Close everything (SIGHUP with new upstream settings, shutdown). Calls ops.lost. */
void	upstream_close_all(struct upstream *);

const char *upstream_state_name(enum conn_state);

#endif
