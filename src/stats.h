/* stats.h: counters and a latency histogram. Pure. */
#ifndef DNSFENCE_STATS_H
#define DNSFENCE_STATS_H

#include <stdint.h>

#define STATS_LAT_BUCKETS	240	/* log-linear, 12.5% resolution, 1 us .. 2^32 us */

struct stats {
	/* capture */
	uint64_t	captured;	/* packets the kernel queued to us */
	uint64_t	malformed;	/* not IP/UDP, or not a parsable DNS query */
	uint64_t	notquery;	/* a DNS message but not a standard query (QR/opcode) */
	uint64_t	capture_errors;	/* recv/verdict errors on the queue socket */
	uint64_t	spoofed;	/* source may not ask here (not ours, not on its link):
					   dropped, never answered */
	uint64_t	forwarded;	/* queries from forwarded clients (containers, VMs) */
	uint64_t	not_internal;	/* gateway: forwarded queries from a non-gateway interface */
	uint64_t	edns_stripped;	/* queries sent upstream without some of the client's
					   EDNS options or records */
	uint64_t	edns_answer_stripped;	/* answers passed on without some EDNS options */
	/* answers */
	uint64_t	answered;	/* replies injected from an upstream answer */
	uint64_t	servfail;	/* SERVFAIL injected: deadline, no upstream, bound */
	uint64_t	refused;	/* REFUSED injected: mode refuse */
	uint64_t	cache_answers;	/* answered from the cache */
	uint64_t	stale_answers;	/* answered from an expired entry: upstream failed */
	uint64_t	race_sent;	/* second copies sent on another connection */
	uint64_t	race_won;	/* queries the second copy answered first */
	uint64_t	race_lost;	/* late answers of a copy whose twin had answered: dropped */
	uint64_t	race_skipped;	/* due, but no budget, no other connection or no slot */
	uint64_t	truncated;	/* answers cut to the client's UDP limit, TC=1 */
	uint64_t	inject_errors;	/* raw socket sendto failures */
	/* bounds */
	uint64_t	drop_pending;	/* max-pending reached: SERVFAIL */
	uint64_t	pending_peak;	/* high-water mark of the pending table */
	uint64_t	drop_oversize;	/* query longer than max-query-size: dropped */
	uint64_t	drop_keys;	/* max-isolation-keys busy: SERVFAIL */
	uint64_t	socks_noauth;	/* SOCKS server chose no auth: isolation lost there */
	uint64_t	drop_wbuf;	/* upstream write refused (an invariant): query kept waiting */
	uint64_t	expired;	/* deadline passed: SERVFAIL */
	/* upstream */
	uint64_t	connects;	/* SOCKS tunnels that reached READY */
	uint64_t	connect_failures;	/* TCP connect or SOCKS handshake failed or timed out */
	uint64_t	conn_lost;	/* READY connections closed by the peer or an error */
	uint64_t	resends;	/* queries re-sent after a connection was lost */
	uint64_t	bad_answers;	/* answers with no matching query or question: dropped */
	uint64_t	socks_refused;	/* SOCKS connections closed unused: a foreign uid held the
					   port (socks-owner) */
	uint64_t	sent;		/* queries written upstream */
	/* answer safety */
	uint64_t	local[8];	/* answered locally, by policy verdict (policy.h) */
	uint64_t	private_answers;	/* answers that carried private addresses */
	uint64_t	private_removed;	/* A/AAAA records removed from them */
	/* Tor RESOLVE (mode hybrid, onion tor) */
	uint64_t	tor_resolved;	/* answered from a RESOLVE/RESOLVE_PTR reply */
	uint64_t	tor_nxdomain;	/* Tor said the name does not resolve */
	uint64_t	tor_failed;	/* refused or broken RESOLVE, or .onion with max-resolves busy:
					   SERVFAIL (a deadline passing counts in expired) */
	uint64_t	tor_fallback;	/* max-resolves busy: sent to the recursor instead */
	uint64_t	tor_onion;	/* .onion answered with Tor's mapped address */
	/* TCP listener */
	uint64_t	tcp_accepted;	/* client connections accepted */
	uint64_t	tcp_queries;	/* queries read from them */
	uint64_t	tcp_refused;	/* closed at accept: max-tcp-clients or out of fds */
	uint64_t	tcp_stalled;	/* closed at the idle deadline with a partial frame */
	uint64_t	tcp_overflow;	/* closed: the client stopped reading its answers */
	uint64_t	tcp_throttled;	/* times a client reached max-tcp-outstanding (paused) */
	uint64_t	tcp_no_owner;	/* TCP clients whose socket owner sock_diag could not name:
					   they share the key "tcp" */
	/* latency of answered queries, microseconds */
	uint64_t	lat[STATS_LAT_BUCKETS];
	uint64_t	lat_samples;
};

void	 stats_latency_add(struct stats *, uint64_t us);
/* The latency at quantile q (0..1), in microseconds, 0 with no samples. */
uint64_t stats_latency_quantile(const struct stats *, double q);

#endif
