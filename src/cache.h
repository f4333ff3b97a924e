/*
 * cache.h: the answer cache. Pure: no I/O, no clock (times are passed in, in ms), and no
 * allocation after cache_init: answers live in a preallocated arena of fixed-size chunks.
 *
 * Memory: max_entries entry records (sizeof(struct cache_entry), 56 bytes on LP64) and
 * two to four hash buckets (4 bytes each) per entry, plus an arena of max_bytes /
 * CACHE_CHUNK chunks, each with a 4-byte link, and cache_store's 9 KB work space. max_bytes bounds what the entries hold in the arena: an entry is charged
 * its key (6 + iso length + name length bytes), its message, 2 bytes per TTL it rewrites,
 * rounded up to whole CACHE_CHUNK chunks. stats.bytes is that sum.
 *
 * Eviction is LRU: a lookup that answers moves the entry to the front; a store that needs
 * an entry record or chunks takes them from the back, counted in evictions. Expired entries
 * are dropped when a lookup meets them past the serve-stale window, or by LRU.
 */
#ifndef DNSFENCE_CACHE_H
#define DNSFENCE_CACHE_H

#include <stddef.h>
#include <stdint.h>

#include "dns.h"

#define CACHE_ISO_MAX	32	/* bytes of an isolation domain */
#define CACHE_CHUNK	64	/* arena unit: an entry uses whole chunks */
#define CACHE_MAX_RRS	512	/* records in a cacheable answer (each TTL offset is kept) */
#define CACHE_BIG_DIV	8	/* an entry may take at most max_bytes / 8 of the arena */
#define CACHE_MAX_ENTRIES (1u << 24)	/* bound on max_entries (index width) */
#define CACHE_NONE	UINT32_MAX
#define CACHE_STALE_TTL	30	/* TTL of a stale answer (RFC 8767 5: 30 s) */

struct cache_cfg {
	uint32_t	max_entries;
	size_t		max_bytes;	/* the arena; 0 or max_entries 0: nothing is stored */
	uint32_t	min_ttl, max_ttl;	/* clamp of an entry's lifetime, seconds */
	uint32_t	stale_ttl;	/* TTL given to a stale answer, RFC 8767 suggests 30 */
	uint32_t	stale_max;	/* seconds after expiry an entry may still be served stale */
	uint8_t		hash_key[16];	/* from getrandom(): clients cannot aim at one chain */
};

struct cache_stats {
	uint64_t	hits, misses, stale_hits, stores, evictions, uncacheable;
	uint64_t	bytes, entries;
};

struct cache_scan;

struct cache_entry {
	uint64_t	stored_ms;	/* now_ms at cache_store */
	uint64_t	expire_ms;	/* stored_ms + ttl s */
	uint32_t	ttl;		/* lifetime, s, clamped */
	uint32_t	hash;
	uint32_t	hnext;		/* hash chain; free list when not in use */
	uint32_t	prev, next;	/* LRU, most recent first */
	uint32_t	chunk;		/* first chunk of key | message | TTL offsets */
	uint32_t	nchunks;
	uint16_t	keylen;
	uint16_t	msglen;
	uint16_t	nttl;		/* TTL offsets after the message */
	uint8_t		namelen;	/* question name, at DNS_HDRLEN in the message */
};

struct cache {
	struct cache_cfg	 cfg;
	struct cache_entry	*e;
	uint32_t		*buckets;
	uint32_t		 mask;
	uint32_t		 free_entry;
	uint32_t		 head, tail;	/* LRU */
	uint8_t			*arena;		/* nchunks x CACHE_CHUNK */
	uint32_t		*chunk_next;
	uint32_t		 nchunks;
	uint32_t		 free_chunk;
	uint32_t		 nfree_chunks;
	struct cache_scan	*scan;		/* cache_store's work space, 9 KB */
	struct cache_stats	 st;
};

int	cache_init(struct cache *, const struct cache_cfg *);	/* 0 or -1 (ENOMEM) */
void	cache_destroy(struct cache *);

/*
 * Keep answer (len bytes, as received from upstream for q) for the isolation domain iso
 * (opaque, <= CACHE_ISO_MAX bytes): one user's or one client host's entries never answer
 * another's. Key: iso, the question (name lower case), q->do_bit and q->edns. Cacheable:
 * QR=1, opcode QUERY, RCODE NOERROR or NXDOMAIN, TC=0, the one question equal to q's,
 * records that parse, compression pointers only to where a name or label read before
 * starts (so rewriting a TTL never changes a name), at most CACHE_MAX_RRS records.
 * Lifetime: the lowest TTL of the answer and authority records (OPT aside); for NXDOMAIN
 * or NODATA (no answer records) the lowest of that and the SOA's MINIMUM, and no SOA in
 * authority: not cacheable (RFC 2308). A lifetime of 0 is not cacheable; any other is
 * clamped to [min_ttl, max_ttl] (0 after the clamp: not cacheable). An entry larger than
 * max_bytes / CACHE_BIG_DIV is not cacheable. Returns 0 if stored, replacing an entry
 * with the same key, or -1 (counted in uncacheable).
 */
int	cache_store(struct cache *, const uint8_t *iso, size_t isolen,
	    const struct dns_query *q, const uint8_t *answer, size_t len, uint64_t now_ms);

/*
 * The cached answer for q in iso, into out: the ID q->id; the question name as the client
 * sent it in qmsg (qlen bytes, case kept; NULL: q's lower-case name); every TTL but OPT's
 * min(max(TTL, min_ttl), lifetime) less the entry's age in whole seconds (not below 0).
 * With stale, an entry expired less than stale_max seconds ago answers with every TTL
 * stale_ttl and *was_stale = 1 (RFC 8767). Returns the length, or 0 (a miss, counted) when
 * there is none, it does not fit cap (nothing is written then) or qmsg's name is not q's.
 */
size_t	cache_lookup(struct cache *, const uint8_t *iso, size_t isolen,
	    const struct dns_query *q, const uint8_t *qmsg, size_t qlen, uint8_t *out,
	    size_t cap, uint64_t now_ms, int stale, int *was_stale);

void	cache_stats(const struct cache *, struct cache_stats *);

/* Drop every entry (the counters of hits, misses, ... go on). */
void	cache_flush(struct cache *);

#endif
