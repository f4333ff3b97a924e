/* config.c: "key value" lines and --key value options, validated with file:line errors. */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "dns.h"

/* Defaults: one place, one line each on what they bound. */
#define DEF_QUEUE		0
#define DEF_MARK		0x646e73	/* "dns" in ASCII; rulesets accept + NOTRACK it, on lo */
#define DEF_MARK_FORWARD	0x646e74	/* replies to forwarded clients, off lo */
#define DEF_SOCKS		"127.0.0.1:9050"	/* Tor's default SocksPort */
/*
 * What the OpenBSD and FreeBSD build (-DDNSFENCE_DIVERT, docs/bsd.md) cannot do: serve TCP
 * DNS (listen-tcp), check who holds the SOCKS port (socks-owner), keep the audit log
 * (audit-log) or answer on an abstract control socket (control-socket). Its defaults leave
 * them off, and a line turning one on is refused with its file and line.
 */
#ifdef DNSFENCE_DIVERT
#define PLATFORM_FULL		0
#define DEF_SOCKS_OWNER		"any"
#define PLATFORM_WHY		"not available on this system (docs/bsd.md)"
#else
#define PLATFORM_FULL		1
#define DEF_SOCKS_OWNER		"debian-tor"	/* Debian's (Tails', Whonix's) Tor user */
#define PLATFORM_WHY		""
#endif
#define DEF_TIMEOUT_MS		4000	/* < glibc's 5 s so the client sees SERVFAIL, not a timeout */
#define DEF_CONNECT_TIMEOUT_MS	10000	/* one TCP connect or SOCKS step; Tor may build a circuit */
#define DEF_IDLE_TIMEOUT_MS	300000	/* an unused upstream connection is closed after this */
#define DEF_BACKOFF_MAX_MS	4000	/* reconnect backoff doubles from 250 ms up to this: one
					   timeout, so recovery after an outage takes about one */
#define DEF_HOLDDOWN_MS		30000	/* a failing resolver is tried last this long */
#define DEF_MAX_PENDING		4096	/* queries in flight in total */
#define DEF_MAX_INFLIGHT	256	/* queries in flight on one connection */
#define DEF_CONNECTIONS		2	/* connections kept per resolver */
#define DEF_MAX_RETRIES		2	/* re-sends of a query whose connection died */
#define DEF_RCVBUF		(4u << 20)	/* capture socket receive buffer */
#define DEF_QUEUE_MAXLEN	4096	/* packets the kernel holds for us before it drops */
#define DEF_BATCH		32	/* packets read per wake-up, one verdict for all */
#define DEF_DIVERT_PORT		700	/* BSD: the divert port pf/ipfw send UDP DNS to */
#define DEF_WBUF_MAX		(256u << 10)	/* bytes queued towards one upstream connection */
#define DEF_MAX_QUERY_SIZE	1232	/* a query is a question plus EDNS: far below this */
#define DEF_LISTEN_PORT		54	/* TCP/53 is redirected here, on both loopbacks: a
					   privileged port no local user can take over */
#define DEF_TCP_IDLE_MS		10000	/* RFC 7766 6.2.3: servers close idle clients after seconds */
#define DEF_MAX_TCP_CLIENTS	64	/* TCP clients at once */
#define DEF_MAX_TCP_OUTSTANDING	32	/* unanswered queries of one TCP client; then it waits */
#define DEF_USER		"dnsfence"	/* make install creates it */
#define DEF_MAX_ISO_KEYS	16	/* uids with their own upstream connections at once */
#define DEF_MAX_RESOLVES	64	/* RESOLVE connections at once; beyond, the recursor */
#define DEF_CHROOT		"/var/lib/dnsfence"	/* empty, root-owned; make install */
#define DEF_NFLOG_GROUP		53	/* dnsfence-firewall --nflog-group has the same default */
#define DEF_AUDIT_BUFFER	(1u << 20)	/* audit log lines held while the disk is slow or full */
#define DEF_AUDIT_CACHE		1024	/* socket owners remembered by the parent */
#define DEF_CONTROL_SOCKET	"@dnsfence"	/* dnsfence --stats asks the parent here */
#define DEF_CACHE_SIZE		(4u << 20)	/* bytes of cached answers */
#define DEF_RACE_MAX		10	/* % of queries that may be sent twice */
#define DEF_CACHE_ENTRIES	16384	/* cached answers */
#define DEF_CACHE_MAX_TTL	86400	/* seconds an answer is kept at most (unbound's default) */
#define DEF_SERVE_STALE_MAX_MS	86400000u	/* RFC 8767 4: 1 to 3 days; expired this long: gone */
#define DEF_MAX_LOCAL_ADDRS	1024	/* the host's addresses remembered; beyond, queries
					   from the others are refused */

/* Open recursors of different operators, chosen in dnsfence.conf(5). */
static const char *const default_resolvers[] = { "9.9.9.9:53", "1.1.1.1:53" };

int
config_parse_endpoint(const char *s, uint16_t default_port, struct endpoint *ep)
{
	char host[INET6_ADDRSTRLEN + 1];
	const char *port = NULL;
	size_t hl;

	memset(ep, 0, sizeof(*ep));
	if (s[0] == '[') {
		const char *end = strchr(s, ']');
		if (end == NULL)
			return -1;
		hl = (size_t)(end - s - 1);
		if (end[1] == ':')
			port = end + 2;
		else if (end[1] != '\0')
			return -1;
		s++;
	} else {
		const char *colon = strchr(s, ':');
		if (colon != NULL && strchr(colon + 1, ':') != NULL)
			colon = NULL;	/* bare IPv6 without port */
		hl = colon ? (size_t)(colon - s) : strlen(s);
		if (colon)
			port = colon + 1;
	}
	if (hl == 0 || hl >= sizeof(host))
		return -1;
	memcpy(host, s, hl);
	host[hl] = '\0';
	if (inet_pton(AF_INET, host, ep->addr) == 1)
		ep->family = AF_INET;
	else if (inet_pton(AF_INET6, host, ep->addr) == 1)
		ep->family = AF_INET6;
	else
		return -1;
	ep->port = default_port;
	if (port != NULL) {
		char *end;
		unsigned long p;

		if (!isdigit((unsigned char)*port))
			return -1;
		errno = 0;
		p = strtoul(port, &end, 10);
		if (errno || *end != '\0' || p == 0 || p > 65535)
			return -1;
		ep->port = (uint16_t)p;
	}
	return 0;
}

const char *
config_endpoint_str(const struct endpoint *ep, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN];

	if (inet_ntop(ep->family, ep->addr, a, sizeof(a)) == NULL)
		snprintf(a, sizeof(a), "?");
	if (ep->family == AF_INET6)
		snprintf(buf, len, "[%s]:%u", a, ep->port);
	else
		snprintf(buf, len, "%s:%u", a, ep->port);
	return buf;
}

void
config_defaults(struct config *c)
{
	size_t i;

	memset(c, 0, sizeof(*c));
	c->queue = DEF_QUEUE;
	c->mark = DEF_MARK;
	c->mark_forward = DEF_MARK_FORWARD;
	(void)config_parse_endpoint(DEF_SOCKS, 9050, &c->socks);
	for (i = 0; i < sizeof(default_resolvers) / sizeof(default_resolvers[0]); i++)
		(void)config_parse_endpoint(default_resolvers[i], 53, &c->resolvers[c->nresolvers++]);
	c->timeout_ms = DEF_TIMEOUT_MS;
	c->connect_timeout_ms = DEF_CONNECT_TIMEOUT_MS;
	c->idle_timeout_ms = DEF_IDLE_TIMEOUT_MS;
	c->backoff_max_ms = DEF_BACKOFF_MAX_MS;
	c->resolver_holddown_ms = DEF_HOLDDOWN_MS;
	c->max_pending = DEF_MAX_PENDING;
	c->max_inflight = DEF_MAX_INFLIGHT;
	c->connections = DEF_CONNECTIONS;
	c->max_retries = DEF_MAX_RETRIES;
	c->rcvbuf = DEF_RCVBUF;
	c->queue_maxlen = DEF_QUEUE_MAXLEN;
	c->batch = DEF_BATCH;
	c->divert_port = DEF_DIVERT_PORT;
	c->wbuf_max = DEF_WBUF_MAX;
	c->max_query_size = DEF_MAX_QUERY_SIZE;
	if (PLATFORM_FULL) {
		(void)config_parse_endpoint("127.0.0.1", DEF_LISTEN_PORT,
		    &c->listen_tcp[c->nlisten++]);
		(void)config_parse_endpoint("::1", DEF_LISTEN_PORT, &c->listen_tcp[c->nlisten++]);
	}
	c->tcp_idle_timeout_ms = DEF_TCP_IDLE_MS;
	c->max_tcp_clients = DEF_MAX_TCP_CLIENTS;
	c->max_tcp_outstanding = DEF_MAX_TCP_OUTSTANDING;
	c->reject_private = 1;	/* like Tor's ClientDNSRejectInternalAddresses */
	c->isolate = ISOLATE_UID;
	c->mode = MODE_RECURSOR;
	c->onion = ONION_NXDOMAIN;
	c->max_resolves = DEF_MAX_RESOLVES;
	c->max_isolation_keys = DEF_MAX_ISO_KEYS;
	c->max_local_addresses = DEF_MAX_LOCAL_ADDRS;
	snprintf(c->user, sizeof(c->user), "%s", DEF_USER);
	snprintf(c->socks_owner, sizeof(c->socks_owner), "%s", DEF_SOCKS_OWNER);
	snprintf(c->chroot, sizeof(c->chroot), "%s", DEF_CHROOT);
	c->audit_names = 1;
	c->nflog_group = DEF_NFLOG_GROUP;
	c->audit_buffer = DEF_AUDIT_BUFFER;
	c->audit_cache = DEF_AUDIT_CACHE;
	if (PLATFORM_FULL)
		snprintf(c->control_socket, sizeof(c->control_socket), "%s", DEF_CONTROL_SOCKET);
	c->cache = 1;
	c->cache_size = DEF_CACHE_SIZE;
	c->cache_entries = DEF_CACHE_ENTRIES;
	c->cache_min_ttl = 0;
	c->cache_max_ttl = DEF_CACHE_MAX_TTL;
	c->serve_stale_max_ms = DEF_SERVE_STALE_MAX_MS;
	c->race_ms = 0;
	c->race_max = DEF_RACE_MAX;
}

static int seterr(char *, size_t, const char *, unsigned, const char *, ...)
    __attribute__((format(printf, 5, 6)));

static int
seterr(char *err, size_t errlen, const char *file, unsigned line, const char *fmt, ...)
{
	char msg[CONFIG_ERRLEN];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (line > 0)
		snprintf(err, errlen, "%s:%u: %s", file, line, msg);
	else
		snprintf(err, errlen, "%s: %s", file, msg);
	return -1;
}

/* Unsigned integer in [lo, hi]; decimal or 0x hex. */
static int
parse_uint(const char *s, uint64_t lo, uint64_t hi, uint64_t *out)
{
	char *end;
	unsigned long long v;

	if (!isdigit((unsigned char)s[0]))
		return -1;
	errno = 0;
	/* base 0 would read a leading 0 as octal: "010" must be ten */
	v = strtoull(s, &end, s[0] == '0' && (s[1] == 'x' || s[1] == 'X') ? 16 : 10);
	if (errno || *end != '\0' || v < lo || v > hi)
		return -1;
	*out = v;
	return 0;
}

/* "4s", "500ms", "2m", or a bare number of seconds; result in ms within [lo, hi]. */
static int
parse_duration(const char *s, uint64_t lo, uint64_t hi, uint32_t *out)
{
	char *end;
	unsigned long long v, mult = 1000;

	if (!isdigit((unsigned char)s[0]))
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno)
		return -1;
	if (strcmp(end, "ms") == 0)
		mult = 1;
	else if (strcmp(end, "s") == 0 || *end == '\0')
		mult = 1000;
	else if (strcmp(end, "m") == 0)
		mult = 60000;
	else
		return -1;
	if (v > hi / mult + 1)
		return -1;
	v *= mult;
	if (v < lo || v > hi)
		return -1;
	*out = (uint32_t)v;
	return 0;
}

/* Integer keys: name, field offset, bounds. */
struct uint_key {
	const char	*name;
	size_t		 off;
	uint64_t	 lo, hi;
};

#define UKEY(n, f, lo, hi) { n, offsetof(struct config, f), lo, hi }
static const struct uint_key uint_keys[] = {
	UKEY("max-pending",	max_pending,	1, 1u << 20),
	UKEY("max-inflight",	max_inflight,	1, 65535),
	UKEY("connections",	connections,	1, 64),
	UKEY("max-retries",	max_retries,	0, 16),
	UKEY("rcvbuf",		rcvbuf,		65536, 1u << 30),
	UKEY("queue-maxlen",	queue_maxlen,	1, 1u << 20),
	UKEY("batch",		batch,		1, 1024),
	UKEY("divert-port",	divert_port,	1, 65535),
	UKEY("upstream-buffer",	wbuf_max,	65536 + 2, 1u << 26),
	UKEY("max-tcp-clients",	max_tcp_clients, 1, 65536),
	UKEY("max-tcp-outstanding", max_tcp_outstanding, 1, 65535),
	UKEY("max-query-size",	max_query_size,	512, 65535),
	UKEY("max-isolation-keys", max_isolation_keys, 1, 1024),
	UKEY("max-resolves",	max_resolves,	1, 4096),
	UKEY("max-local-addresses", max_local_addresses, 16, 1u << 16),
	UKEY("nflog-group",	nflog_group,	0, 65535),
	UKEY("audit-buffer",	audit_buffer,	65536, 1u << 26),
	UKEY("audit-cache",	audit_cache,	16, 1u << 16),
	UKEY("cache-size",	cache_size,	0, 1u << 30),
	UKEY("cache-entries",	cache_entries,	0, 1u << 22),
	UKEY("cache-min-ttl",	cache_min_ttl,	0, 86400),
	UKEY("cache-max-ttl",	cache_max_ttl,	1, 604800),
	UKEY("race-max",	race_max,	1, 100),
};

struct dur_key {
	const char	*name;
	size_t		 off;
	uint32_t	 lo, hi;
};

#define DKEY(n, f, lo, hi) { n, offsetof(struct config, f), lo, hi }
static const struct dur_key dur_keys[] = {
	DKEY("timeout",			timeout_ms,		100, 60000),
	DKEY("connect-timeout",		connect_timeout_ms,	100, 300000),
	DKEY("idle-timeout",		idle_timeout_ms,	1000, 86400000),
	DKEY("backoff-max",		backoff_max_ms,		250, 600000),
	DKEY("resolver-holddown",	resolver_holddown_ms,	0, 3600000),
	DKEY("tcp-idle-timeout",	tcp_idle_timeout_ms,	100, 3600000),
	DKEY("serve-stale-max",		serve_stale_max_ms,	1000, 604800000),
};

/* Keys that take one of two or three words; the word's index is stored (0: first, 1: second). */
struct choice_key {
	const char	*name;
	size_t		 off;
	const char	*words[3];	/* NULL after the last */
};

#define CKEY(n, f, ...) { n, offsetof(struct config, f), { __VA_ARGS__ } }
_Static_assert(MODE_RECURSOR == 0 && MODE_HYBRID == 1 && MODE_REFUSE == 2 &&
    ONION_NXDOMAIN == 0 &&
    ONION_TOR == 1 && ISOLATE_NONE == 0 && ISOLATE_UID == 1, "choice_keys store the index");
static const struct choice_key choice_keys[] = {
	CKEY("reject-private",	reject_private,	"no", "yes"),
	CKEY("mode",		mode,		"recursor", "hybrid", "refuse"),	/* MODE_* */
	CKEY("audit-names",	audit_names,	"no", "yes"),
	CKEY("cache",		cache,		"no", "yes"),
	CKEY("serve-stale",	serve_stale,	"no", "yes"),
	CKEY("onion",		onion,		"nxdomain", "tor"),	/* ONION_* */
};

int
config_set(struct config *c, const char *key, const char *value, const char *file,
    unsigned line, char *err, size_t errlen)
{
	uint64_t u;
	size_t i;

	for (i = 0; i < sizeof(choice_keys) / sizeof(choice_keys[0]); i++) {
		const struct choice_key *k = &choice_keys[i];
		int v;

		if (strcmp(key, k->name) != 0)
			continue;
		for (v = 0; v < 3 && k->words[v] != NULL && strcmp(value, k->words[v]) != 0; v++)
			;
		if (v == 3 || k->words[v] == NULL)
			return seterr(err, errlen, file, line, "%s: \"%s\" is not %s%s%s or %s",
			    key, value, k->words[0], v == 3 ? ", " : "", v == 3 ? k->words[1] : "",
			    k->words[v - 1]);
		memcpy((char *)c + k->off, &v, sizeof(v));
		return 0;
	}
	for (i = 0; i < sizeof(uint_keys) / sizeof(uint_keys[0]); i++) {
		const struct uint_key *k = &uint_keys[i];
		if (strcmp(key, k->name) != 0)
			continue;
		if (parse_uint(value, k->lo, k->hi, &u) == -1)
			return seterr(err, errlen, file, line,
			    "%s: \"%s\" is not a number from %" PRIu64 " to %" PRIu64,
			    key, value, k->lo, k->hi);
		memcpy((char *)c + k->off, &(uint32_t){ (uint32_t)u }, sizeof(uint32_t));
		return 0;
	}
	for (i = 0; i < sizeof(dur_keys) / sizeof(dur_keys[0]); i++) {
		const struct dur_key *k = &dur_keys[i];
		uint32_t ms;
		if (strcmp(key, k->name) != 0)
			continue;
		if (parse_duration(value, k->lo, k->hi, &ms) == -1)
			return seterr(err, errlen, file, line,
			    "%s: \"%s\" is not a duration from %ums to %ums (e.g. 4s, 500ms)",
			    key, value, k->lo, k->hi);
		memcpy((char *)c + k->off, &ms, sizeof(ms));
		return 0;
	}
	if (strcmp(key, "queue") == 0) {
		if (parse_uint(value, 0, 65535, &u) == -1)
			return seterr(err, errlen, file, line,
			    "queue: \"%s\" is not a queue number from 0 to 65535", value);
		c->queue = (uint16_t)u;
	} else if (strcmp(key, "mark") == 0 || strcmp(key, "mark-forward") == 0) {
		if (parse_uint(value, 1, UINT32_MAX, &u) == -1)
			return seterr(err, errlen, file, line,
			    "%s: \"%s\" is not a nonzero 32-bit mark (e.g. 0x646e73)", key, value);
		*(key[4] == '\0' ? &c->mark : &c->mark_forward) = (uint32_t)u;
	} else if (strcmp(key, "socks") == 0) {
		if (config_parse_endpoint(value, 9050, &c->socks) == -1)
			return seterr(err, errlen, file, line,
			    "socks: \"%s\" is not IP:PORT (IPv6 as [addr]:port)", value);
	} else if (strcmp(key, "resolver") == 0) {
		if (!c->nresolvers_from_user) {
			c->nresolvers = 0;	/* the first resolver line replaces the defaults */
			c->nresolvers_from_user = 1;
		}
		if (c->nresolvers == CONFIG_MAX_RESOLVERS)
			return seterr(err, errlen, file, line,
			    "resolver: more than %d resolvers", CONFIG_MAX_RESOLVERS);
		if (config_parse_endpoint(value, 53, &c->resolvers[c->nresolvers]) == -1)
			return seterr(err, errlen, file, line,
			    "resolver: \"%s\" is not IP[:PORT] (IPv6 as [addr]:port)", value);
		c->nresolvers++;
	} else if (strcmp(key, "listen-tcp") == 0) {
		if (!c->nlisten_from_user) {
			c->nlisten = 0;		/* the first line replaces the defaults */
			c->nlisten_from_user = 1;
		}
		if (strcmp(value, "none") == 0) {
			c->nlisten = 0;		/* whatever came before: no listener */
			return 0;
		}
		if (!PLATFORM_FULL)
			return seterr(err, errlen, file, line, "listen-tcp %s: %s: TCP DNS is not "
			    "served here (pf/ blocks TCP/53); use none", value, PLATFORM_WHY);
		if (c->nlisten == CONFIG_MAX_LISTEN)
			return seterr(err, errlen, file, line,
			    "listen-tcp: more than %d addresses", CONFIG_MAX_LISTEN);
		if (config_parse_endpoint(value, DEF_LISTEN_PORT, &c->listen_tcp[c->nlisten]) == -1)
			return seterr(err, errlen, file, line,
			    "listen-tcp: \"%s\" is not IP[:PORT] or none", value);
		c->nlisten++;
	} else if (strcmp(key, "isolate") == 0) {
		if (strcmp(value, "none") == 0)
			c->isolate = ISOLATE_NONE;
		else if (strcmp(value, "uid") == 0)
			c->isolate = ISOLATE_UID;
		else if (strcmp(value, "host") == 0)
			c->isolate = ISOLATE_HOST;
		else
			return seterr(err, errlen, file, line,
			    "isolate: \"%s\" is not none, uid or host", value);
		c->isolate_set = 1;
	} else if (strcmp(key, "gateway") == 0) {
		size_t n = strlen(value);

		if (c->ngateway == CONFIG_MAX_GATEWAY)
			return seterr(err, errlen, file, line, "gateway: more than %d interfaces",
			    CONFIG_MAX_GATEWAY);
		/* as dnsfence-firewall --internal: a wildcard (eth+, eth*) would name others */
		if (n == 0 || n >= CONFIG_IFNAMSIZ || strcmp(value, ".") == 0 ||
		    strcmp(value, "..") == 0 || strspn(value, "abcdefghijklmnopqrstuvwxyz"
		    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") != n || strcmp(value, "lo") == 0)
			return seterr(err, errlen, file, line,
			    "gateway: \"%s\" is not an interface name (letters, digits, '.', '-', "
			    "'_'; not lo; at most %d bytes)", value, CONFIG_IFNAMSIZ - 1);
		for (size_t k = 0; k < c->ngateway; k++)
			if (strcmp(c->gateway[k], value) == 0)
				return seterr(err, errlen, file, line,
				    "gateway: %s is given twice", value);
		memcpy(c->gateway[c->ngateway++], value, n + 1);
	} else if (strcmp(key, "allow-private") == 0) {
		uint8_t wire[DNS_MAXNAME];

		if (c->nallow_private == CONFIG_MAX_ALLOW_PRIVATE)
			return seterr(err, errlen, file, line,
			    "allow-private: more than %d names", CONFIG_MAX_ALLOW_PRIVATE);
		if (strlen(value) >= sizeof(c->allow_private[0]) ||
		    dns_name_from_text(value, wire, sizeof(wire)) == 0)
			return seterr(err, errlen, file, line,
			    "allow-private: \"%s\" is not a domain name", value);
		memcpy(c->allow_private[c->nallow_private++], value, strlen(value) + 1);
	} else if (strcmp(key, "user") == 0 || strcmp(key, "socks-owner") == 0) {
		char *dst = key[0] == 'u' ? c->user : c->socks_owner;
		size_t cap = key[0] == 'u' ? sizeof(c->user) : sizeof(c->socks_owner);

		if (strlen(value) >= cap)
			return seterr(err, errlen, file, line, "%s: name too long", key);
		if (!PLATFORM_FULL && dst == c->socks_owner && strcmp(value, "any") != 0)
			return seterr(err, errlen, file, line, "socks-owner %s: %s: who holds the "
			    "SOCKS port cannot be checked here; use any, and give Tor a SocksPort "
			    "below 1024", value, PLATFORM_WHY);
		memcpy(dst, value, strlen(value) + 1);
	} else if (strcmp(key, "race") == 0) {
		uint32_t ms;

		if (strcmp(value, "off") == 0)
			c->race_ms = 0;
		else if (strcmp(value, "auto") == 0)
			c->race_ms = RACE_AUTO;
		else if (parse_duration(value, 10, 60000, &ms) == 0)
			c->race_ms = ms;
		else
			return seterr(err, errlen, file, line, "race: \"%s\" is not off, auto or a "
			    "duration from 10ms to 60s", value);
	} else if (strcmp(key, "audit-log") == 0) {
		if (strlen(value) >= sizeof(c->audit_log) ||
		    (value[0] != '/' && strcmp(value, "none") != 0))
			return seterr(err, errlen, file, line,
			    "audit-log: \"%s\" is not an absolute path or none", value);
		if (strcmp(value, "none") == 0)
			c->audit_log[0] = '\0';
		else if (!PLATFORM_FULL)
			return seterr(err, errlen, file, line, "audit-log %s: %s: it needs NFLOG, "
			    "sock_diag and /proc; use none", value, PLATFORM_WHY);
		else
			memcpy(c->audit_log, value, strlen(value) + 1);
	} else if (strcmp(key, "control-socket") == 0) {
		size_t n = strlen(value);
		int ok = strcmp(value, "none") == 0 ||
		    (value[0] == '@' && n >= 2 && n < sizeof(c->control_socket));

		for (size_t k = 1; ok && value[0] == '@' && k < n; k++)
			ok = value[k] > 0x20 && value[k] < 0x7f && value[k] != '/';
		if (!ok)
			return seterr(err, errlen, file, line, "control-socket: \"%s\" is not "
			    "@NAME (an abstract socket, at most %zu printable characters, no '/') or "
			    "none", value, sizeof(c->control_socket) - 2);
		if (strcmp(value, "none") == 0)
			c->control_socket[0] = '\0';
		else if (!PLATFORM_FULL)
			return seterr(err, errlen, file, line, "control-socket %s: %s: abstract "
			    "sockets are Linux's; use none (SIGUSR1 logs the counters)", value,
			    PLATFORM_WHY);
		else
			memcpy(c->control_socket, value, n + 1);
	} else if (strcmp(key, "chroot") == 0) {
		if (strlen(value) >= sizeof(c->chroot) ||
		    (value[0] != '/' && strcmp(value, "none") != 0))
			return seterr(err, errlen, file, line,
			    "chroot: \"%s\" is not an absolute path or none", value);
		memcpy(c->chroot, value, strlen(value) + 1);
	} else if (strcmp(key, "socks-user") == 0 || strcmp(key, "socks-password") == 0) {
		char *dst = key[6] == 'u' ? c->socks_user : c->socks_pass;
		size_t n = strlen(value);
		if (n == 0 || n > 255)
			return seterr(err, errlen, file, line,
			    "%s: must be 1 to 255 bytes (RFC 1929)", key);
		memcpy(dst, value, n + 1);
	} else
		return seterr(err, errlen, file, line, "unknown key \"%s\"", key);
	return 0;
}

int
config_parse(struct config *c, const char *file, const char *text, size_t len,
    char *err, size_t errlen)
{
	char buf[1024];
	size_t pos = 0;
	unsigned line = 0;

	while (pos < len) {
		size_t end = pos, n;
		char *p, *key, *val, *q;

		while (end < len && text[end] != '\n')
			end++;
		line++;
		n = end - pos;
		if (n >= sizeof(buf))
			return seterr(err, errlen, file, line, "line longer than %zu bytes",
			    sizeof(buf) - 1);
		memcpy(buf, text + pos, n);
		buf[n] = '\0';
		pos = end + 1;
		if (memchr(buf, '\0', n) != NULL)
			return seterr(err, errlen, file, line, "NUL byte in line");
		/* '#' starts a comment at the start of a line or after white space, so that a
		 * value (a password) may contain one */
		for (p = buf; *p; p++)
			if (*p == '#' && (p == buf || isspace((unsigned char)p[-1]))) {
				*p = '\0';
				break;
			}
		for (p = buf; isspace((unsigned char)*p); p++)
			;
		if (*p == '\0')
			continue;
		key = p;
		while (*p && !isspace((unsigned char)*p))
			p++;
		if (*p)
			*p++ = '\0';
		while (isspace((unsigned char)*p))
			p++;
		val = p;
		for (q = val + strlen(val); q > val && isspace((unsigned char)q[-1]); q--)
			;
		*q = '\0';
		if (*val == '\0')
			return seterr(err, errlen, file, line, "%s: missing value", key);
		for (q = val; *q; q++)
			if (isspace((unsigned char)*q))
				return seterr(err, errlen, file, line,
				    "%s: one value expected, got \"%s\"", key, val);
		if (config_set(c, key, val, file, line, err, errlen) == -1)
			return -1;
	}
	return 0;
}

int
config_read_file(const char *path, int missing_ok, char *buf, size_t cap, size_t *len, int *have,
    char *err, size_t errlen)
{
	FILE *f;
	size_t n;
	int bad;

	*len = 0;
	*have = 0;
	if ((f = fopen(path, "re")) == NULL) {
		if (errno == ENOENT && missing_ok)
			return 0;
		return seterr(err, errlen, path, 0, "%s", strerror(errno));
	}
	n = fread(buf, 1, cap, f);
	bad = ferror(f);
	/* one byte more than fits tells a file that is too large */
	if (!bad && n == cap && fgetc(f) != EOF) {
		fclose(f);
		return seterr(err, errlen, path, 0, "larger than %zu bytes", cap);
	}
	fclose(f);
	if (bad)
		return seterr(err, errlen, path, 0, "read error");
	*len = n;
	*have = 1;
	return 0;
}

int
config_load(struct config *c, const char *path, int missing_ok, char *err, size_t errlen)
{
	static char text[CONFIG_MAX_FILE];
	size_t n;
	int have;

	snprintf(c->path, sizeof(c->path), "%s", path);
	if (config_read_file(path, missing_ok, text, sizeof(text), &n, &have, err, errlen) == -1)
		return -1;
	return have ? config_parse(c, path, text, n, err, errlen) : 0;
}

int
config_build(struct config *c, const char *path, const char *text, size_t len, int have_text,
    char *const *kv, size_t nkv, char *err, size_t errlen)
{
	config_defaults(c);
	snprintf(c->path, sizeof(c->path), "%s", path);
	if (have_text && config_parse(c, path, text, len, err, errlen) == -1)
		return -1;
	/* A resolver or listen-tcp on the command line replaces the file's, as other keys do. */
	for (size_t i = 0; i + 1 < nkv; i += 2) {
		if (strcmp(kv[i], "resolver") == 0)
			c->nresolvers_from_user = 0;
		if (strcmp(kv[i], "listen-tcp") == 0)
			c->nlisten_from_user = 0;
	}
	for (size_t i = 0; i + 1 < nkv; i += 2)
		if (config_set(c, kv[i], kv[i + 1], "command line", 0, err, errlen) == -1)
			return -1;
	return config_finish(c, err, errlen);
}

int
config_finish(struct config *c, char *err, size_t errlen)
{
	const char *f = c->path[0] ? c->path : "config";

	/* A gateway's clients each get circuits of their own unless told otherwise. */
	if (c->ngateway > 0 && !c->isolate_set)
		c->isolate = ISOLATE_HOST;
	if (c->mark == c->mark_forward)
		return seterr(err, errlen, f, 0, "mark and mark-forward must differ: the rulesets "
		    "let the first out through lo only, the second off lo only");
	if ((c->socks_user[0] == '\0') != (c->socks_pass[0] == '\0'))
		return seterr(err, errlen, f, 0,
		    "socks-user and socks-password must be given together");
	if (c->isolate != ISOLATE_NONE && c->socks_user[0])
		return seterr(err, errlen, f, 0, "socks-user and socks-password need isolate none: "
		    "isolate uid gives every uid credentials of its own");
	if ((uint64_t)(c->isolate != ISOLATE_NONE ? c->max_isolation_keys : 1) * c->nresolvers *
	    c->connections > CONFIG_MAX_CONNS)
		return seterr(err, errlen, f, 0, "max-isolation-keys x resolvers x connections is "
		    "more than %u upstream connections", CONFIG_MAX_CONNS);
	if (c->max_inflight > c->max_pending)
		c->max_inflight = c->max_pending;
	return 0;
}
