/* upstream.c: non-blocking TCP connections through SOCKS5 to the resolvers. */
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dns.h"
#include "evl.h"
#include "log.h"
#include "sockio.h"
#include "upstream.h"

#define BACKOFF_MIN_MS	250	/* first reconnect delay; doubles up to backoff-max */
#define FAILS_TO_HOLD	3	/* consecutive failures that hold a resolver down */
#define CONN_TIMEOUTS_TO_CLOSE	3	/* unanswered queries in a row that retire a tunnel */
#define RBUF_SIZE	(2 + DNS_MAXMSG)	/* exactly one frame fits */

static const char *const state_names[] = {
	[CONN_CLOSED] = "closed",
	[CONN_CONNECTING] = "connecting",
	[CONN_SOCKS] = "socks",
	[CONN_READY] = "ready",
};

const char *
upstream_state_name(enum conn_state s)
{
	return (unsigned)s < sizeof(state_names) / sizeof(state_names[0]) ? state_names[s] : "?";
}

int
upstream_init(struct upstream *up, const struct config *cfg, struct stats *st, int loop,
    const struct upstream_ops *ops, void *arg, const char *secret, struct socks_owner *owner)
{
	memset(up, 0, sizeof(*up));
	up->owner = owner;
	up->cfg = cfg;
	up->st = st;
	up->loop = loop;
	up->ops = *ops;
	up->arg = arg;
	snprintf(up->secret, sizeof(up->secret), "%s", secret);
	up->nres = (uint32_t)cfg->nresolvers;
	for (uint32_t i = 0; i < up->nres; i++)
		up->res[i].ep = cfg->resolvers[i];
	up->per_slot = up->nres * cfg->connections;
	up->nslots = cfg->isolate == ISOLATE_NONE ? 1 : cfg->max_isolation_keys;
	up->nconns = up->nslots * up->per_slot;
	up->conns = calloc(up->nconns, sizeof(*up->conns));
	up->slots = calloc(up->nslots, sizeof(*up->slots));
	if (up->conns == NULL || up->slots == NULL) {
		free(up->conns);
		free(up->slots);
		return -1;
	}
	for (uint32_t i = 0; i < up->nconns; i++) {
		up->conns[i].fd = -1;
		up->conns[i].id = (int32_t)i;
		up->conns[i].resolver = (i % up->per_slot) % up->nres;
		up->conns[i].state = CONN_CLOSED;
	}
	if (cfg->isolate == ISOLATE_NONE)
		up->slots[0].used = 1;	/* the shared key: warm from the start */
	return 0;
}

uint32_t
upstream_slot_of(const struct upstream *up, int32_t conn)
{
	return (uint32_t)conn / up->per_slot;
}

static int
slot_idle(const struct upstream *up, uint32_t s)
{
	for (uint32_t i = s * up->per_slot; i < (s + 1) * up->per_slot; i++)
		if (up->conns[i].inflight > 0)
			return 0;
	return !up->ops.want(up->arg, s);
}

static void conn_close_quiet(struct upstream *, struct upstream_conn *, uint64_t);

/* The SOCKS username Tor isolates on (it also shows in Tor's own logs). */
void
upstream_key_user(const struct iso_key *k, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN];

	switch (k->kind) {
	case ISO_UID:
		snprintf(buf, len, "uid-%u", k->uid);
		break;
	case ISO_HOST:
		if (inet_ntop(k->family, k->addr, a, sizeof(a)) == NULL)
			snprintf(a, sizeof(a), "?");
		snprintf(buf, len, "host-%s", a);
		break;
	case ISO_TCP:
		snprintf(buf, len, "tcp");
		break;
	default:
		snprintf(buf, len, "no-owner");
		break;
	}
}

int32_t
upstream_slot(struct upstream *up, const struct iso_key *key, uint64_t now)
{
	int32_t free_slot = -1, lru = -1;

	if (up->cfg->isolate == ISOLATE_NONE)
		return 0;
	for (uint32_t s = 0; s < up->nslots; s++) {
		struct upstream_slot *sl = &up->slots[s];

		if (sl->used && memcmp(&sl->key, key, sizeof(*key)) == 0) {
			sl->last_used_ms = now;
			return (int32_t)s;
		}
		if (!sl->used && free_slot < 0)
			free_slot = (int32_t)s;
		else if (sl->used && slot_idle(up, s) &&
		    (lru < 0 || sl->last_used_ms < up->slots[lru].last_used_ms))
			lru = (int32_t)s;
	}
	if (free_slot < 0 && lru >= 0) {
		/* Evict the least recently used idle key: nothing in flight, nothing waiting. */
		for (uint32_t i = (uint32_t)lru * up->per_slot; i < (uint32_t)(lru + 1) * up->per_slot;
		    i++)
			if (up->conns[i].state != CONN_CLOSED)
				conn_close_quiet(up, &up->conns[i], now);
		free_slot = lru;
	}
	if (free_slot < 0)
		return -1;
	up->slots[free_slot].used = 1;
	up->slots[free_slot].key = *key;
	up->slots[free_slot].last_used_ms = now;
	upstream_key_user(key, up->slots[free_slot].user, sizeof(up->slots[free_slot].user));
	for (uint32_t i = (uint32_t)free_slot * up->per_slot;
	    i < (uint32_t)(free_slot + 1) * up->per_slot; i++) {
		up->conns[i].retry_ms = 0;
		up->conns[i].backoff_ms = 0;
	}
	return free_slot;
}

static void
conn_release(struct upstream *up, struct upstream_conn *c)
{
	if (c->fd != -1) {
		(void)evl_del(up->loop, c->fd);
		close(c->fd);
	}
	c->fd = -1;
	free(c->rbuf);
	free(c->wbuf);
	c->rbuf = c->wbuf = NULL;
	c->rlen = c->wlen = 0;
	c->want_out = 0;
	c->dirty = 0;
	c->inflight = 0;
	c->timeouts = 0;
	c->state = CONN_CLOSED;
}

void
upstream_destroy(struct upstream *up)
{
	for (uint32_t i = 0; i < up->nconns; i++)
		conn_release(up, &up->conns[i]);
	free(up->conns);
	free(up->slots);
	up->conns = NULL;
	up->slots = NULL;
	up->nconns = up->nslots = 0;
}

static const char *
conn_name(const struct upstream *up, const struct upstream_conn *c, char *buf, size_t len)
{
	return config_endpoint_str(&up->res[c->resolver].ep, buf, len);
}

/* One more consecutive failure; from FAILS_TO_HOLD on the resolver is (again) held down. */
static void
resolver_failed(struct upstream *up, struct upstream_resolver *r, uint64_t now, const char *what)
{
	char name[64];

	if (++r->fails < FAILS_TO_HOLD || up->cfg->resolver_holddown_ms == 0)
		return;
	if (r->down_until_ms <= now)
		log_warnx("resolver %s: %u %s in a row, held down for %u ms",
		    config_endpoint_str(&r->ep, name, sizeof(name)), r->fails, what,
		    up->cfg->resolver_holddown_ms);
	r->down_until_ms = now + up->cfg->resolver_holddown_ms;
}

/*
 * A failure: close, back off, count it against the resolver, and let the daemon move
 * whatever was on the connection.
 */
static void
conn_fail(struct upstream *up, struct upstream_conn *c, uint64_t now, const char *why, int err)
{
	struct upstream_resolver *r = &up->res[c->resolver];
	char name[64];
	int was_ready = c->state == CONN_READY;

	conn_name(up, c, name, sizeof(name));
	if (err)
		log_warnx("upstream %s (conn %d, %s): %s: %s", name, c->id,
		    upstream_state_name(c->state), why, strerror(err));
	else
		log_warnx("upstream %s (conn %d, %s): %s", name, c->id,
		    upstream_state_name(c->state), why);
	if (was_ready)
		up->st->conn_lost++;
	else
		up->st->connect_failures++;
	conn_release(up, c);
	r->failures++;
	c->backoff_ms = c->backoff_ms ? c->backoff_ms * 2 : BACKOFF_MIN_MS;
	if (c->backoff_ms > up->cfg->backoff_max_ms)
		c->backoff_ms = up->cfg->backoff_max_ms;
	c->retry_ms = now + c->backoff_ms;
	resolver_failed(up, r, now, "failures");
	up->ops.lost(up->arg, c->id);
}

/* An orderly close with nothing in flight (idle timeout, or the peer closed an idle tunnel). */
static void
conn_close_quiet(struct upstream *up, struct upstream_conn *c, uint64_t now)
{
	conn_release(up, c);
	c->retry_ms = now;
}

static int
conn_watch(struct upstream *up, struct upstream_conn *c, int add, int out)
{
	uint64_t tag = UPSTREAM_EV_TAG | (uint32_t)c->id;
	unsigned want = EVL_IN | (out ? EVL_OUT : 0);

	c->want_out = out;
	return add ? evl_add(up->loop, c->fd, tag, want) : evl_mod(up->loop, c->fd, tag, want);
}

static void
conn_open(struct upstream *up, struct upstream_conn *c, uint64_t now)
{
	const struct endpoint *s = &up->cfg->socks;
	struct sockaddr_storage ss;
	socklen_t sl = sockio_addr(s, &ss);
	int one = 1;

	c->rbuf = malloc(RBUF_SIZE);
	c->wcap = up->cfg->wbuf_max;
	c->wbuf = malloc(c->wcap);
	if (c->rbuf == NULL || c->wbuf == NULL) {
		conn_fail(up, c, now, "out of memory", 0);
		return;
	}
	c->fd = socket(s->family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (c->fd == -1) {
		conn_fail(up, c, now, "socket", errno);
		return;
	}
	/* Nagle plus delayed ACK stalls pipelined queries by 40 ms: every query is a push. */
	(void)setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	c->state = CONN_CONNECTING;
	c->step_deadline_ms = now + up->cfg->connect_timeout_ms;
	c->last_used_ms = now;
	if (connect(c->fd, (struct sockaddr *)&ss, sl) == -1 && errno != EINPROGRESS) {
		conn_fail(up, c, now, "connect to SOCKS port", errno);
		return;
	}
	if (conn_watch(up, c, 1, 1) == -1)
		conn_fail(up, c, now, "event loop", errno);
}

/* Try to hand the kernel what is queued; EVL_OUT only while something is left. */
static int
conn_flush(struct upstream *up, struct upstream_conn *c, uint64_t now)
{
	if (sockio_flush(c->fd, c->wbuf, &c->wlen) == -1) {
		conn_fail(up, c, now, "send", errno);
		return -1;
	}
	if ((c->wlen > 0) != c->want_out && conn_watch(up, c, 0, c->wlen > 0) == -1) {
		conn_fail(up, c, now, "event loop", errno);
		return -1;
	}
	return 0;
}

static int
socks_write(struct upstream *up, struct upstream_conn *c, uint64_t now)
{
	size_t n = socks5_request(&c->socks, c->wbuf, c->wcap);

	if (n == 0) {
		conn_fail(up, c, now, "SOCKS request does not fit", 0);
		return -1;
	}
	c->wlen = n;
	c->step_deadline_ms = now + up->cfg->connect_timeout_ms;
	return conn_flush(up, c, now);	/* one request, one send */
}

static void
conn_connected(struct upstream *up, struct upstream_conn *c, uint64_t now)
{
	char why[192];
	int err = 0;
	socklen_t el = sizeof(err);

	if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &el) == -1)
		err = errno;
	if (err) {
		conn_fail(up, c, now, "connect to SOCKS port", err);
		return;
	}
	if (socks_owner_verify(up->owner, c->fd, why, sizeof(why)) == -1) {
		up->st->socks_refused++;
		conn_fail(up, c, now, why, 0);
		return;
	}
	c->state = CONN_SOCKS;
	if (up->cfg->isolate == ISOLATE_NONE)
		socks5_init(&c->socks, &up->res[c->resolver].ep,
		    up->cfg->socks_user[0] ? up->cfg->socks_user : NULL,
		    up->cfg->socks_pass[0] ? up->cfg->socks_pass : NULL);
	else	/* per key: Tor's IsolateSOCKSAuth gives each its own circuits */
		socks5_init(&c->socks, &up->res[c->resolver].ep,
		    up->slots[upstream_slot_of(up, c->id)].user, up->secret);
	(void)socks_write(up, c, now);
}

/* Handshake bytes; returns 1 when READY with c->rlen bytes left for the tunnel. */
static int
conn_socks_input(struct upstream *up, struct upstream_conn *c, uint64_t now)
{
	for (;;) {
		size_t used;
		enum socks5_result r = socks5_input(&c->socks, c->rbuf, c->rlen, &used);

		memmove(c->rbuf, c->rbuf + used, c->rlen - used);
		c->rlen -= used;
		switch (r) {
		case SOCKS5_NEED_MORE:
			return 0;
		case SOCKS5_SEND:
			if (socks_write(up, c, now) == -1)
				return -1;
			continue;
		case SOCKS5_ERROR:
			conn_fail(up, c, now, c->socks.error, 0);
			return -1;
		case SOCKS5_DONE: {
			char name[64];

			if (c->socks.noauth) {
				/* PreferSOCKSNoAuth on the SocksPort: no per-uid circuits */
				if (up->st->socks_noauth++ == 0)
					log_warnx("SOCKS server chose no authentication: "
					    "isolation by uid is lost on its connections");
			}
			c->state = CONN_READY;
			c->backoff_ms = 0;
			c->last_used_ms = now;
			up->st->connects++;
			log_debug("upstream %s (conn %d): ready", conn_name(up, c, name,
			    sizeof(name)), c->id);
			up->ops.ready(up->arg, c->id);
			return 1;
		}
		}
	}
}

/* Whole frames out of rbuf. Returns -1 if the connection was failed. */
static int
conn_frames(struct upstream *up, struct upstream_conn *c, uint64_t now)
{
	size_t off = 0;

	while (c->state == CONN_READY && c->rlen - off >= 2) {
		size_t n = (size_t)c->rbuf[off] << 8 | c->rbuf[off + 1];

		if (n < DNS_HDRLEN) {
			conn_fail(up, c, now, "malformed frame from resolver", 0);
			return -1;
		}
		if (c->rlen - off - 2 < n)
			break;
		up->ops.answer(up->arg, c->id, c->rbuf + off + 2, n);
		off += 2 + n;
	}
	if (c->state != CONN_READY)
		return -1;
	memmove(c->rbuf, c->rbuf + off, c->rlen - off);
	c->rlen -= off;
	return 0;
}

static void
conn_read(struct upstream *up, struct upstream_conn *c, uint64_t now)
{
	for (;;) {
		ssize_t n;

		if (c->fd == -1)
			return;		/* failed inside a callback */
		if (c->rlen == RBUF_SIZE) {	/* cannot happen: a frame fits exactly */
			conn_fail(up, c, now, "receive buffer full", 0);
			return;
		}
		n = recv(c->fd, c->rbuf + c->rlen, RBUF_SIZE - c->rlen, MSG_DONTWAIT);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return;
			conn_fail(up, c, now, "recv", errno);
			return;
		}
		if (n == 0) {
			if (c->state == CONN_READY && c->inflight == 0 && c->wlen == 0) {
				log_debug("upstream conn %d: closed by peer while idle", c->id);
				conn_close_quiet(up, c, now);
			} else
				conn_fail(up, c, now, "closed by peer", 0);
			return;
		}
		c->rlen += (size_t)n;
		if (c->state == CONN_SOCKS && conn_socks_input(up, c, now) == -1)
			return;
		if (c->state == CONN_READY && conn_frames(up, c, now) == -1)
			return;
	}
}

void
upstream_event(struct upstream *up, int32_t id, uint32_t events, uint64_t now)
{
	struct upstream_conn *c;

	if (id < 0 || (uint32_t)id >= up->nconns)
		return;
	c = &up->conns[id];
	if (c->fd == -1)
		return;
	if (c->state == CONN_CONNECTING) {
		if (events & (EVL_OUT | EVL_ERR))
			conn_connected(up, c, now);
		return;
	}
	if (events & (EVL_IN | EVL_ERR))
		conn_read(up, c, now);
	if (c->fd != -1 && (events & EVL_OUT))
		(void)conn_flush(up, c, now);
}

static int
resolver_up(const struct upstream *up, uint32_t r, uint64_t now)
{
	return up->res[r].down_until_ms <= now;
}

int32_t
upstream_pick(struct upstream *up, uint32_t slot, size_t len, uint64_t now)
{
	return upstream_pick_other(up, slot, len, now, -1);
}

int32_t
upstream_pick_other(struct upstream *up, uint32_t slot, size_t len, uint64_t now,
    int32_t exclude)
{
	uint32_t base = slot * up->per_slot;

	/* Two rounds: resolvers in service first, then held-down ones rather than nothing. */
	for (int round = 0; round < 2; round++) {
		for (uint32_t k = 0; k < up->nres; k++) {
			uint32_t r = (up->rr + k) % up->nres;
			struct upstream_conn *best = NULL;

			if (resolver_up(up, r, now) != (round == 0))
				continue;
			for (uint32_t i = base + r; i < base + up->per_slot; i += up->nres) {
				struct upstream_conn *c = &up->conns[i];
				if (c->state != CONN_READY || c->inflight >= up->cfg->max_inflight ||
				    c->wlen + 2 + len > c->wcap || (int32_t)i == exclude)
					continue;
				if (best == NULL || c->inflight < best->inflight)
					best = c;
			}
			if (best != NULL) {
				up->rr = (r + 1) % up->nres;
				up->slots[slot].last_used_ms = now;
				return best->id;
			}
		}
	}
	return -1;
}

int
upstream_ready(const struct upstream *up, uint32_t slot)
{
	for (uint32_t i = slot * up->per_slot; i < (slot + 1) * up->per_slot; i++)
		if (up->conns[i].state == CONN_READY)
			return 1;
	return 0;
}

int
upstream_can_serve(const struct upstream *up, uint32_t slot, uint64_t now)
{
	for (uint32_t i = slot * up->per_slot; i < (slot + 1) * up->per_slot; i++) {
		const struct upstream_conn *c = &up->conns[i];
		if (c->state != CONN_CLOSED || c->retry_ms <= now)
			return 1;
	}
	return 0;
}

int
upstream_send(struct upstream *up, int32_t id, const uint8_t *msg, size_t len, uint64_t now)
{
	struct upstream_conn *c = &up->conns[id];

	if (c->state != CONN_READY || len > DNS_MAXMSG || c->wlen + 2 + len > c->wcap)
		return -1;
	c->wbuf[c->wlen] = (uint8_t)(len >> 8);
	c->wbuf[c->wlen + 1] = (uint8_t)len;
	memcpy(c->wbuf + c->wlen + 2, msg, len);
	c->wlen += 2 + len;
	c->inflight++;
	c->last_used_ms = now;
	up->st->sent++;
	up->res[c->resolver].sent++;
	/*
	 * Written by upstream_flush() at the end of this loop iteration, so that a batch of
	 * captured queries leaves in one send() per connection. A frame is never split by us.
	 */
	if (!c->dirty)
		up->ndirty++;
	c->dirty = 1;
	return 0;
}

void
upstream_flush(struct upstream *up, uint64_t now)
{
	/*
	 * A failed write loses its connection, and the daemon re-sends what was on it at once,
	 * maybe on a connection this pass has already flushed: pass again until nothing is
	 * left dirty, so that no query sits unsent while the loop sleeps. Each extra pass
	 * follows a connection closed in the one before, so there are at most nconns + 1.
	 */
	while (up->ndirty > 0) {
		up->ndirty = 0;
		for (uint32_t i = 0; i < up->nconns; i++) {
			struct upstream_conn *c = &up->conns[i];

			if (!c->dirty)
				continue;
			c->dirty = 0;
			if (c->state == CONN_READY && !c->want_out)
				(void)conn_flush(up, c, now);	/* a backlog drains on EVL_OUT */
		}
	}
}

void
upstream_done(struct upstream *up, int32_t id, int answered)
{
	struct upstream_conn *c;

	if (id < 0 || (uint32_t)id >= up->nconns)
		return;
	c = &up->conns[id];
	if (c->inflight > 0)
		c->inflight--;
	if (answered) {
		c->timeouts = 0;
		up->res[c->resolver].answered++;
		up->res[c->resolver].fails = 0;
		up->res[c->resolver].down_until_ms = 0;
	}
}

void
upstream_timeout(struct upstream *up, int32_t id, uint64_t now)
{
	struct upstream_resolver *r;

	if (id < 0 || (uint32_t)id >= up->nconns)
		return;
	r = &up->res[up->conns[id].resolver];
	r->failures++;
	resolver_failed(up, r, now, "unanswered queries");
	/* A tunnel whose queries keep going unanswered (a stuck circuit) is replaced. */
	if (++up->conns[id].timeouts >= CONN_TIMEOUTS_TO_CLOSE &&
	    up->conns[id].state == CONN_READY)
		conn_fail(up, &up->conns[id], now, "queries unanswered, reconnecting", 0);
}

uint64_t
upstream_timers(struct upstream *up, uint64_t now)
{
	uint64_t next = UINT64_MAX;

	for (uint32_t s = 0; s < up->nslots; s++) {
		struct upstream_slot *sl = &up->slots[s];
		int want, open = 0;

		if (!sl->used)
			continue;
		want = up->ops.want(up->arg, s);
		for (uint32_t i = s * up->per_slot; i < (s + 1) * up->per_slot; i++) {
			struct upstream_conn *c = &up->conns[i];
			uint64_t t = UINT64_MAX;

			switch (c->state) {
			case CONN_CONNECTING:
			case CONN_SOCKS:
				if (c->step_deadline_ms <= now) {
					conn_fail(up, c, now, "handshake timed out", 0);
					t = c->retry_ms;
				} else
					t = c->step_deadline_ms;
				break;
			case CONN_READY:
				if (c->inflight == 0 && c->wlen == 0) {
					t = c->last_used_ms + up->cfg->idle_timeout_ms;
					if (t <= now) {
						log_debug("upstream conn %d: idle, closing", c->id);
						conn_close_quiet(up, c, now);
						t = UINT64_MAX;
					}
				}
				break;
			case CONN_CLOSED:
				break;
			}
			if (c->state == CONN_CLOSED && want) {
				if (c->retry_ms <= now) {
					conn_open(up, c, now);
					t = c->state == CONN_CLOSED ? c->retry_ms :
					    c->step_deadline_ms;
				} else
					t = c->retry_ms;
			}
			open += c->state != CONN_CLOSED;
			if (t < next)
				next = t;
		}
		/* An isolated key with nothing open and nothing to do gives its slot back. */
		if (up->cfg->isolate != ISOLATE_NONE && open == 0 && !want &&
		    sl->last_used_ms + up->cfg->idle_timeout_ms <= now)
			sl->used = 0;
	}
	return next;
}

void
upstream_close_all(struct upstream *up)
{
	uint8_t *had = calloc(up->nconns ? up->nconns : 1, 1);

	/*
	 * Close every connection before telling the daemon about any: otherwise the queries
	 * of the first would be re-sent on the next one, about to close too.
	 */
	for (uint32_t i = 0; i < up->nconns; i++) {
		struct upstream_conn *c = &up->conns[i];

		if (had != NULL)
			had[i] = c->state == CONN_READY && c->inflight > 0;
		conn_release(up, c);
		c->retry_ms = 0;
		c->backoff_ms = 0;
	}
	for (uint32_t i = 0; i < up->nconns; i++)
		if (had == NULL || had[i])
			up->ops.lost(up->arg, up->conns[i].id);
	free(had);
}
