/* pending.h: the in-flight query table. Pure: no sockets, no clock (times are passed in). */
#ifndef DNSFENCE_PENDING_H
#define DNSFENCE_PENDING_H

#include <stddef.h>
#include <stdint.h>

#include "dns.h"

#define PENDING_NONE	UINT32_MAX
#define PENDING_MAX_CONNS 4096	/* conns with a list of their own (CONFIG_MAX_CONNS); higher
				   ids (Tor RESOLVE connections) have none */
#define PENDING_MSG_MIN	128	/* a slot's query buffer is at least this (most queries fit) */

enum pending_state {
	PENDING_FREE,
	PENDING_WAITING,	/* no connection yet: on the wait list */
	PENDING_SENT,		/* written on connection conn with ID up_id */
};

/* Where the answer goes: the client, and the server it asked (the reply's source). */
struct pending_client {
	int		family;
	uint8_t		addr[16];
	uint8_t		server[16];
	uint16_t	port;
	uint16_t	server_port;
	uint32_t	ifindex;	/* forwarded: its interface; else scopes a link-local
					   client address */
	int		forwarded;	/* routed through this host, not one of its sockets */
	int32_t		tcp;		/* TCP client slot, or -1: the client came over UDP */
	uint32_t	uid;		/* owner of the sending socket, if has_uid */
	int		has_uid;
	uint32_t	tcp_gen;	/* that slot's generation, so a reused slot gets nothing */
	uint32_t	gid;		/* the sending socket's group, if has_gid */
	int		has_gid;
	uint8_t		mac[6];		/* forwarded: the client's MAC, if has_mac */
	int		has_mac;
	uint64_t	inode;		/* audit: the sending socket (sock_diag), 0 if unknown */
	uint32_t	audit_seq;	/* audit: this query's number, 0 when not audited */
};

struct pending {
	uint32_t		 prev, next;	/* all entries, oldest deadline first */
	uint32_t		 wprev, wnext;	/* its wait list */
	uint16_t		 list;		/* which wait list (an isolation key's slot) */
	uint32_t		 hnext;		/* (conn, up_id) hash chain */
	uint32_t		 cprev, cnext;	/* SENT on conn < PENDING_MAX_CONNS: its list,
					   earliest deadline first */
	uint8_t			 state;
	uint8_t			 retries;	/* re-sends after a lost connection */
	int32_t			 conn;		/* -1 unless SENT */
	uint16_t		 up_id;		/* ID on that connection */
	struct dns_query	 query;		/* client's ID and question */
	struct pending_client	 client;
	uint64_t		 deadline_ms;
	uint64_t		 start_us;
	uint32_t		 gen;		/* which query this slot holds (timers find it again) */
	uint32_t		 twin;		/* race: the other copy of this query, or PENDING_NONE */
	uint8_t			 raced;		/* race: a second copy was sent (or this is it) */
	uint8_t			 orphan;	/* race: its twin answered; its own answer is dropped */
	uint8_t			*msg;		/* the query as the client sent it */
	uint16_t		 msglen;
	uint32_t		 msgcap;	/* msg's size: kept while the slot is free */
};

struct pending_table {
	struct pending	*e;
	uint32_t	 cap;		/* slots allocated */
	uint32_t	 limit;		/* max-pending, <= cap */
	uint32_t	 used;
	uint32_t	 nwaiting;	/* on all wait lists */
	uint32_t	 free_head;
	uint32_t	 head, tail;	/* deadline order */
	struct pending_wait {
		uint32_t head, tail, n;
	}		*waits;		/* one wait list per upstream slot */
	uint32_t	 nlists;
	uint32_t	*buckets;
	uint32_t	 mask;
	uint32_t	 gen;		/* the last generation given */
	struct pending_conn {
		uint32_t head, tail;
	}		*conns;		/* PENDING_MAX_CONNS lists: what is SENT on each */
};

/* cap entries; nlists wait lists (queries wait per isolation slot, in arrival order). */
int	pending_init(struct pending_table *, uint32_t cap, uint32_t nlists);
void	pending_destroy(struct pending_table *);

/*
 * A new WAITING entry on wait list `list` holding a copy of msg, or NULL when full. The
 * deadline list stays sorted (earliest first) whatever the deadline.
 */
struct pending *pending_add(struct pending_table *, const uint8_t *msg, size_t len,
	    const struct dns_query *, const struct pending_client *, uint16_t list,
	    uint64_t deadline_ms, uint64_t start_us);
void	pending_remove(struct pending_table *, struct pending *);

/*
 * WAITING -> SENT on conn, with an ID unique on that connection: the first free one from
 * rnd on. Returns 0, or -1 if all 65536 are taken.
 */
int	pending_bind(struct pending_table *, struct pending *, int32_t conn, uint16_t rnd);
/* SENT -> WAITING, at the head of its wait list (it is older than what waits). */
void	pending_unbind(struct pending_table *, struct pending *);

/*
 * Connection conn was lost: every entry SENT on it (found through its list: O(entries on
 * conn), not O(table)) goes back to the head of its wait list,
 * in the order it was first sent (oldest first). With count, one more re-send is counted,
 * and an entry that has had max_retries already is handed to give_up instead, which must
 * remove it; without (a reload closed it), none is. Returns how many were re-queued.
 */
uint32_t pending_requeue_conn(struct pending_table *, int32_t conn, uint32_t max_retries,
	    int count, void (*give_up)(void *, struct pending *), void *arg);

struct pending *pending_lookup(const struct pending_table *, int32_t conn, uint16_t up_id);

/* Oldest entry (earliest deadline); first entry waiting on a list; NULL when none. */
struct pending *pending_oldest(const struct pending_table *);
struct pending *pending_first_waiting(const struct pending_table *, uint16_t list);

/* Iterate over every entry in use: start with NULL. */
struct pending *pending_next(const struct pending_table *, const struct pending *);

#endif
