/* config.h: configuration file and command-line options. Pure: no I/O but reading the file. */
#ifndef DNSFENCE_CONFIG_H
#define DNSFENCE_CONFIG_H

#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>
#include <sys/socket.h>

#define CONFIG_MAX_RESOLVERS	16	/* resolver lines accepted */
#define CONFIG_ERRLEN		256	/* room for "file:line: reason" */
#define CONFIG_MAX_LISTEN	4	/* listen-tcp lines accepted */
#define CONFIG_MAX_ALLOW_PRIVATE 16	/* allow-private lines accepted */
#define CONFIG_MAX_CONNS	4096	/* upstream connection slots in all (memory bound) */

#define MODE_RECURSOR	0	/* every question to the recursor */
#define MODE_HYBRID	1	/* A and PTR resolved by Tor itself; AAAA still to the recursor */
#define MODE_REFUSE	2	/* audit only: every query REFUSED locally, nothing upstream */
#define ONION_NXDOMAIN	0
#define ONION_TOR	1	/* .onion A through Tor RESOLVE: its mapped virtual address */

#define RACE_AUTO	UINT32_MAX	/* race after the p90 of answered queries */

#define ISOLATE_NONE	0	/* one set of connections for everyone */
#define ISOLATE_UID	1	/* per uid: own SOCKS credentials, so own Tor circuits */
#define ISOLATE_HOST	2	/* per uid, and per client address for forwarded clients */
#define CONFIG_MAX_GATEWAY	8	/* gateway interfaces */
#define CONFIG_IFNAMSIZ		16	/* IFNAMSIZ: interface names, NUL included */

/* An IPv4 or IPv6 address plus port. */
struct endpoint {
	int		family;		/* AF_INET or AF_INET6 */
	uint8_t		addr[16];	/* network order; first 4 bytes for AF_INET */
	uint16_t	port;		/* host order */
};

struct config {
	char		 path[256];	/* file it was read from, for messages */
	uint16_t	 queue;		/* NFQUEUE number */
	uint32_t	 mark;		/* fwmark on replies to this host's sockets (via lo) */
	uint32_t	 mark_forward;	/* fwmark on replies to forwarded clients (off lo) */
	struct endpoint	 socks;		/* Tor's SocksPort */
	struct endpoint	 resolvers[CONFIG_MAX_RESOLVERS];
	size_t		 nresolvers;
	char		 socks_owner[64];	/* user (or uid) that may hold a local SOCKS port;
					   "any" = no check */
	char		 socks_user[256];	/* RFC 1929 credentials, empty = no auth */
	char		 socks_pass[256];
	uint32_t	 timeout_ms;	/* per-query deadline -> SERVFAIL */
	uint32_t	 connect_timeout_ms;	/* each SOCKS/TCP handshake step */
	uint32_t	 idle_timeout_ms;	/* close an upstream connection idle this long */
	uint32_t	 backoff_max_ms;	/* cap of the reconnect backoff */
	uint32_t	 resolver_holddown_ms;	/* a failing resolver is tried last this long */
	uint32_t	 max_pending;	/* queries in flight, all connections */
	uint32_t	 max_inflight;	/* queries in flight on one connection */
	uint32_t	 connections;	/* upstream connections per resolver */
	uint32_t	 max_retries;	/* re-sends of one query after connection loss */
	uint32_t	 rcvbuf;	/* capture socket receive buffer, bytes */
	uint32_t	 queue_maxlen;	/* kernel queue length; beyond it the kernel drops */
	uint32_t	 batch;		/* packets read per capture wake-up */
	uint32_t	 divert_port;	/* BSD: divert port bound (divert(4)); unused on Linux */
	uint32_t	 wbuf_max;	/* bytes queued for one upstream connection */
	uint32_t	 max_query_size;	/* larger queries are dropped (memory bound) */
	int		 nresolvers_from_user;	/* nonzero once a resolver line was seen */
	struct endpoint	 listen_tcp[CONFIG_MAX_LISTEN];	/* TCP/53 redirected here */
	size_t		 nlisten;
	int		 nlisten_from_user;
	uint32_t	 tcp_idle_timeout_ms;	/* close a TCP client idle this long */
	uint32_t	 max_tcp_clients;	/* TCP clients at once; more are closed at accept */
	uint32_t	 max_tcp_outstanding;	/* unanswered queries per TCP client; beyond,
						   it is not read */
	int		 reject_private;	/* strip private addresses from answers */
	char		 allow_private[CONFIG_MAX_ALLOW_PRIVATE][256];	/* exempt suffixes */
	size_t		 nallow_private;
	int		 isolate;	/* ISOLATE_UID, ISOLATE_HOST or ISOLATE_NONE */
	int		 isolate_set;	/* given: with gateway the default is host */
	char		 gateway[CONFIG_MAX_GATEWAY][CONFIG_IFNAMSIZ];	/* internal interfaces */
	size_t		 ngateway;
	int		 mode;		/* MODE_RECURSOR, MODE_HYBRID or MODE_REFUSE */
	int		 onion;		/* ONION_NXDOMAIN or ONION_TOR */
	uint32_t	 max_resolves;	/* one-shot RESOLVE connections at once */
	uint32_t	 max_isolation_keys;	/* uids with their own connections at once */
	uint32_t	 max_local_addresses;	/* the host's addresses remembered */
	char		 user[64];	/* run as this user after start-up */
	char		 chroot[256];	/* empty root-owned directory, or "none" */
	char		 audit_log[256];	/* JSON lines (docs/audit.md); empty: no audit */
	char		 control_socket[64];	/* "@name" (abstract) for --stats; empty: none */
	int		 audit_names;	/* 0: query names logged as keyed hashes */
	uint32_t	 nflog_group;	/* the ruleset's NFLOG group (dnsfence-firewall --audit) */
	uint32_t	 audit_buffer;	/* bytes of log lines the parent holds for a slow disk */
	uint32_t	 audit_cache;	/* sockets whose owners the parent remembers */
	int		 cache;		/* answer cache on (1) or off */
	uint32_t	 cache_size;	/* bytes of cached answers */
	uint32_t	 cache_entries;	/* cached answers */
	uint32_t	 cache_min_ttl, cache_max_ttl;	/* clamp of a cached answer's life, s */
	int		 serve_stale;	/* RFC 8767: an expired answer when upstream fails */
	uint32_t	 serve_stale_max_ms;	/* how long after expiry an answer may be served */
	uint32_t	 race_ms;	/* send once more after this long; 0: off; RACE_AUTO */
	uint32_t	 race_max;	/* % of queries that may be raced (the token budget) */
};

/* Fill in the defaults (documented in dnsfence.conf(5)). */
void	config_defaults(struct config *);

/*
 * Apply one "key value". file/line name the source for the error message; file may be
 * "command line". Returns 0, or -1 with err set to "file:line: reason".
 */
int	config_set(struct config *, const char *key, const char *value,
	    const char *file, unsigned line, char *err, size_t errlen);

/*
 * Parse a whole config text (the file's bytes). Returns 0, or -1 with err set to the first
 * error as "file:line: reason".
 */
int	config_parse(struct config *, const char *file, const char *text, size_t len,
	    char *err, size_t errlen);

#define CONFIG_MAX_FILE	65536	/* a configuration file larger than this is refused */

/*
 * Read a configuration file's bytes into buf (at most cap): 0 with *len and *have = 1; 0
 * with *have = 0 if it is missing and missing_ok; or -1 with err ("path: reason").
 */
int	config_read_file(const char *path, int missing_ok, char *buf, size_t cap, size_t *len,
	    int *have, char *err, size_t errlen);

/* Read and parse a file. A missing default file is not an error if missing_ok. */
int	config_load(struct config *, const char *path, int missing_ok, char *err, size_t errlen);

/*
 * A whole configuration: the defaults, then text (the file's bytes if have_text; path
 * names it in messages), then the command line's key/value pairs kv[0..nkv) (a resolver or
 * listen-tcp there replaces the file's lines), then config_finish. 0, or -1 with err.
 */
int	config_build(struct config *, const char *path, const char *text, size_t len,
	    int have_text, char *const *kv, size_t nkv, char *err, size_t errlen);

/* Checks across keys once everything is read (e.g. at least one resolver). */
int	config_finish(struct config *, char *err, size_t errlen);

/* Parse "IP", "IP:PORT", "[IPv6]:PORT". Returns 0 or -1. */
int	config_parse_endpoint(const char *, uint16_t default_port, struct endpoint *);

/* Format an endpoint as "IP:PORT" or "[IPv6]:PORT". */
const char *config_endpoint_str(const struct endpoint *, char *buf, size_t len);

#endif
