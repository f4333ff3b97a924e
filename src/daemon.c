/* daemon.c: the run loop and the path of one query: capture, pending, upstream, inject. */
#include <sys/syscall.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "daemon.h"
#include "dns.h"
#include "evl.h"
#include "imsg.h"
#include "log.h"
#include "plat.h"

#define TAG_CAPTURE	1	/* event tags below 2^32: UPSTREAM_EV_TAG and the others are above */
#define TAG_SIGNAL	2
#define TAG_RTNL	3
#define TAG_IMSG	4
#define TAG_NFLOG	5
#define MAX_EVENTS	EVL_MAXWAIT	/* events handled per wake-up */
#define RATELIMIT_MS	1000	/* at most one warning of a kind per second */

_Static_assert(POLICY_NVERDICTS <= sizeof(((struct stats *)0)->local) / sizeof(uint64_t),
    "stats.local too small for the policy verdicts");

static uint64_t
now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

uint64_t
daemon_now_ms(void)
{
	return now_us() / 1000u;
}

/* 1 if a warning of this kind may be logged now; otherwise counts it as suppressed. */
static int
rl_ok(struct ratelimit *rl, uint64_t now)
{
	if (now < rl->next_ms) {
		rl->suppressed++;
		return 0;
	}
	if (rl->suppressed)
		log_warnx("(%" PRIu64 " similar messages suppressed)", rl->suppressed);
	rl->suppressed = 0;
	rl->next_ms = now + RATELIMIT_MS;
	return 1;
}

static const char *
addr_str(int family, const uint8_t *a, uint16_t port, char *buf, size_t len)
{
	struct endpoint ep = { .family = family, .port = port };

	memcpy(ep.addr, a, family == AF_INET6 ? 16 : 4);
	return config_endpoint_str(&ep, buf, len);
}

/*
 * May a reply go to this client now? A query made on this host must come from one of its
 * addresses, a forwarded one from a neighbour on the interface it came in on. Checked when
 * the query arrives and again before a reply is built, since addresses come and go: no
 * packet is ever built towards anywhere else.
 */
static int
client_allowed(const struct daemon *d, const struct pending_client *cl)
{
	if (cl->forwarded)
		return !addrtab_is_local(&d->addrs, cl->family, cl->addr) &&
		    addrtab_on_link(&d->addrs, cl->family, cl->addr, cl->ifindex);
	return addrtab_is_local(&d->addrs, cl->family, cl->addr);
}

/*
 * Send msg (a DNS answer, client ID already in place) to the client: over UDP from the server
 * it asked, fitted to its UDP limit, or whole on its TCP connection. msg may be rewritten.
 */
static void
reply_send(struct daemon *d, const struct pending_client *cl, size_t limit, uint8_t *msg,
    size_t len, uint64_t now)
{
	const struct reply_to to = { cl->family, cl->server, cl->addr, cl->server_port,
	    cl->port };
	enum inject_path path = cl->forwarded ? INJECT_FORWARD : INJECT_LOCAL;
	size_t n;
	int cut;

	if (cl->tcp >= 0) {	/* a TCP client: the whole answer, on its connection */
		tcpserve_reply(&d->ts, cl->tcp, cl->tcp_gen, msg, len, now);
		return;
	}
	if (!client_allowed(d, cl)) {
		d->st.spoofed++;	/* its address went away meanwhile */
		return;
	}
	for (;;) {
		/* Fit, then build: the packet always fits d->pkt. */
		if ((n = reply_build(d->pkt, sizeof(d->pkt), &to, msg, len, limit, &cut)) == 0) {
			d->st.inject_errors++;
			return;
		}
		if (cut)
			d->st.truncated++;
		len = n - (cl->family == AF_INET6 ? PKT_IP6HDR : PKT_IP4HDR) - PKT_UDPHDR;
		if (inject_queue(&d->inj, path, cl->family, d->pkt, n, cl->addr, cl->ifindex) == 0)
			return;
		/* Larger than the route's MTU: raw sockets do not fragment; retry smaller. */
		if (errno == EMSGSIZE && limit > DNS_OUR_EDNS) {
			limit = DNS_OUR_EDNS;
			continue;
		}
		d->st.inject_errors++;
		if (rl_ok(&d->rl_inject, now))
			log_warn("inject reply");
		return;
	}
}

static const struct iso_key *isolation_key(const struct daemon *,
    const struct pending_client *, struct iso_key *);

/*
 * The audit record of a query from cl (q NULL: not parsed), staged for the parent; the
 * caller sets what it knows of the outcome. NULL when there is no audit log.
 */
static struct auditw_stage *
audit_query(struct daemon *d, const struct pending_client *cl, const struct dns_query *q,
    uint8_t action, uint64_t start_us)
{
	struct auditw_stage *s;
	struct audit_rec *r;
	uint64_t t = now_us();

	if (!d->aw.on || (s = auditw_stage(&d->aw, &d->diag)) == NULL)
		return NULL;
	r = &s->r;
	r->event = cl->tcp >= 0 ? AUDIT_EV_DNS_TCP : AUDIT_EV_DNS;
	r->action = action;
	r->family = cl->family == AF_INET6 ? 6 : 4;
	r->proto = cl->tcp >= 0 ? IPPROTO_TCP : IPPROTO_UDP;
	r->flags = AUDIT_F_PORTS;
	r->ts_ms = auditw_realtime_ms() - (t > start_us ? (t - start_us) / 1000u : 0);
	memcpy(r->src, cl->addr, 16);
	memcpy(r->dst, cl->server, 16);
	r->sport = cl->port;
	r->dport = cl->server_port;
	if (cl->has_uid) {
		r->uid = cl->uid;
		r->flags |= AUDIT_F_UID;
	}
	if (cl->has_gid) {
		r->gid = cl->gid;
		r->flags |= AUDIT_F_GID;
	}
	if (cl->forwarded) {
		r->flags |= AUDIT_F_CLIENT;
		r->ifindex = cl->ifindex;
		if (cl->has_mac) {
			memcpy(r->mac, cl->mac, 6);
			r->flags |= AUDIT_F_MAC;
		}
	} else if (cl->inode != 0) {
		r->inode = cl->inode;
		r->flags |= AUDIT_F_INODE;
	} else if (cl->tcp < 0)
		s->need_diag = 1;	/* after this turn's writes: nothing waits for it */
	if (q != NULL) {
		char name[4 * DNS_MAXNAME + 1];
		size_t n;

		dns_name_str(q->q.name, q->q.namelen, name, sizeof(name));
		n = strlen(name);
		if (n > 1 && name[n - 1] == '.')
			n--;		/* as sent, without the final dot; the root stays "." */
		if (n > AUDIT_QNAME_MAX)
			n = AUDIT_QNAME_MAX;
		memcpy(r->qname, name, n);
		r->qlen = (uint16_t)n;
		r->qtype = q->q.qtype;
		r->flags |= AUDIT_F_QTYPE;
	}
	return s;
}

/* A query that gets no answer at all. */
static void
audit_drop(struct daemon *d, const struct pending_client *cl, const struct dns_query *q,
    uint64_t start_us)
{
	(void)audit_query(d, cl, q, AUDIT_DROPPED, start_us);
}

/*
 * Pending now, answered later: have sock_diag find its socket at the end of this loop turn
 * (while the sender surely waits), and the parent its process.
 */
static void
audit_hint(struct daemon *d, struct pending *p)
{
	struct auditw_stage *s;

	if (!d->aw.on || p->client.forwarded || p->client.tcp >= 0)
		return;
	if (++d->aw.seq == 0)
		d->aw.seq = 1;
	p->client.audit_seq = d->aw.seq;
	if ((s = audit_query(d, &p->client, NULL, AUDIT_DROPPED, p->start_us)) == NULL)
		return;
	s->r.event = AUDIT_EV_HINT;
	s->p = p;
	s->seq = p->client.audit_seq;
}

/* The answer (or SERVFAIL, or a local answer) to the client, then its audit record. */
static void
reply(struct daemon *d, const struct dns_query *q, const struct pending_client *cl,
    size_t limit, uint8_t *msg, size_t len, uint64_t now, uint8_t action, uint64_t start_us)
{
	struct auditw_stage *s;
	uint64_t t;

	reply_send(d, cl, limit, msg, len, now);
	if ((s = audit_query(d, cl, q, action, start_us)) == NULL)
		return;
	t = now_us();
	s->r.latency_us = t > start_us ? (uint32_t)(t - start_us > UINT32_MAX ? UINT32_MAX :
	    t - start_us) : 0;
	s->r.flags |= AUDIT_F_LATENCY;
	if (len >= 4) {
		s->r.rcode = msg[3] & 0x0f;
		s->r.flags |= AUDIT_F_RCODE;
	}
	if ((action == AUDIT_ANSWERED || action == AUDIT_SERVFAIL) &&
	    d->cfg.isolate != ISOLATE_NONE) {
		struct iso_key k;
		char user[AUDIT_ISO_MAX];

		upstream_key_user(isolation_key(d, cl, &k), user, sizeof(user));
		s->r.isolen = (uint8_t)strlen(user);
		memcpy(s->r.iso, user, s->r.isolen);
	}
}

static void
servfail(struct daemon *d, const struct dns_query *q, const struct pending_client *cl,
    uint64_t now, uint64_t start_us)
{
	uint8_t msg[DNS_HDRLEN + DNS_MAXNAME + 4 + 11];
	size_t n = dns_servfail(q, msg, sizeof(msg));

	if (n == 0)
		return;
	d->st.servfail++;
	reply(d, q, cl, q->udp_limit, msg, n, now, AUDIT_SERVFAIL, start_us);
}

/*
 * A client's cache domain: its uid, or its host when it is another host (a gateway's
 * workstation, a container), whatever isolate says: what one user or host looked up never
 * answers another, so timing cannot tell them what it was.
 */
static size_t
cache_domain(const struct pending_client *cl, uint8_t *out)
{
	if (cl->forwarded) {
		size_t alen = cl->family == AF_INET6 ? 16 : 4;

		out[0] = 'h';
		memcpy(out + 1, cl->addr, alen);
		return 1 + alen;
	}
	if (cl->has_uid) {
		out[0] = 'u';
		memcpy(out + 1, &cl->uid, sizeof(cl->uid));
		return 1 + sizeof(cl->uid);
	}
	out[0] = cl->tcp >= 0 ? 't' : 'n';	/* no owner known: those share one domain */
	return 1;
}

/*
 * Only queries with RD=1 and CD=0 use the cache. CD=1: the recursor did not validate for it.
 * RD=0: the recursor answers from what it already holds (or refers), which is not the answer
 * to the same question with recursion; such answers are not shared either way.
 */
static int
cacheable_query(const struct daemon *d, const uint8_t *msg, size_t len)
{
	return d->cache_on && len > 3 && (msg[2] & 0x01) && !(msg[3] & 0x10);
}

/* Keep an answer (final: rewritten, AD cleared) for its client's domain. */
static void
cache_keep(struct daemon *d, const struct pending *p, const uint8_t *ans, size_t len,
    uint64_t now)
{
	uint8_t dom[CACHE_ISO_MAX];

	if (cacheable_query(d, p->msg, p->msglen))
		(void)cache_store(&d->cache, dom, cache_domain(&p->client, dom), &p->query, ans,
		    len, now);
}

/*
 * Answer q from the cache: fresh, or (stale) expired within serve-stale-max, because the
 * upstream failed. Returns 1 if answered.
 */
static int
cache_answer(struct daemon *d, const uint8_t *msg, size_t len, const struct dns_query *q,
    const struct pending_client *cl, uint64_t now, uint64_t start_us, int stale)
{
	uint8_t dom[CACHE_ISO_MAX];
	size_t n;
	int was_stale = 0;

	if (!cacheable_query(d, msg, len))
		return 0;
	n = cache_lookup(&d->cache, dom, cache_domain(cl, dom), q, msg, len, d->filt,
	    sizeof(d->filt), now, stale, &was_stale);
	if (n == 0)
		return 0;
	if (was_stale)
		d->st.stale_answers++;
	else
		d->st.cache_answers++;
	d->st.answered++;	/* an answer all the same (the latency histogram is upstream's) */
	reply(d, q, cl, q->udp_limit, d->filt, n, now, AUDIT_ANSWERED, start_us);
	return 1;
}

/* Give up on p: SERVFAIL to its client (or a stale answer), and forget it. */
static void
fail_query(struct daemon *d, struct pending *p, uint64_t now)
{
	if (p->state == PENDING_SENT)
		upstream_done(&d->up, p->conn, 0);
	if (p->orphan || p->twin != PENDING_NONE) {
		/* its twin answered already, or may still: this copy goes quietly */
		pending_remove(&d->pend, p);
		return;
	}
	if (!(d->cfg.serve_stale && cache_answer(d, p->msg, p->msglen, &p->query, &p->client,
	    now, p->start_us, 1)))
		servfail(d, &p->query, &p->client, now, p->start_us);
	pending_remove(&d->pend, p);
}

#define RACE_TOKEN	100	/* a race costs this; each query sent earns race-max */
#define RACE_AUTO_MIN_MS 20	/* race auto: never sooner than this */
#define RACE_AUTO_SAMPLES 100	/* race auto: answers needed before the p90 is trusted */
#define RACE_AUTO_COLD_MS 1000	/* race auto: the delay until then */

/* How long a query may wait for its answer before a second copy is sent. */
static uint32_t
race_delay(const struct daemon *d)
{
	uint64_t p90;

	if (d->cfg.race_ms != RACE_AUTO)
		return d->cfg.race_ms;
	if (d->st.lat_samples < RACE_AUTO_SAMPLES)
		return RACE_AUTO_COLD_MS;
	p90 = stats_latency_quantile(&d->st, 0.90) / 1000u;
	return p90 < RACE_AUTO_MIN_MS ? RACE_AUTO_MIN_MS : p90 > 60000 ? 60000 : (uint32_t)p90;
}

/* A query just sent for the first time: due for a race after the delay (race on). */
static void
race_schedule(struct daemon *d, const struct pending *p, uint64_t now)
{
	struct race_due *r;

	if (d->cfg.race_ms == 0 || d->race == NULL)
		return;
	d->race_tokens += d->cfg.race_max;
	if (d->race_tokens > 100 * RACE_TOKEN)
		d->race_tokens = 100 * RACE_TOKEN;
	if (d->race_n == d->race_cap)
		return;		/* as many due as the table holds: the oldest will do */
	r = &d->race[(d->race_head + d->race_n++) % d->race_cap];
	r->idx = (uint32_t)(p - d->pend.e);
	r->gen = p->gen;
	r->at_ms = now + race_delay(d);
}

/* Send a second copy of p on another connection of its slot (another circuit). */
static void
race_fire(struct daemon *d, struct pending *p, uint64_t now)
{
	struct pending *q;
	int32_t c;

	if (d->race_tokens < RACE_TOKEN ||
	    (c = upstream_pick_other(&d->up, p->list, p->msglen, now, p->conn)) < 0 ||
	    (q = pending_add(&d->pend, p->msg, p->msglen, &p->query, &p->client, p->list,
	    p->deadline_ms, p->start_us)) == NULL) {
		d->st.race_skipped++;
		return;
	}
	if (pending_bind(&d->pend, q, c, rnd_u16(&d->rnd)) == -1) {
		pending_remove(&d->pend, q);
		d->st.race_skipped++;
		return;
	}
	dns_set_id(q->msg, q->up_id);
	if (upstream_send(&d->up, c, q->msg, q->msglen, now) == -1) {
		upstream_done(&d->up, c, 0);
		pending_remove(&d->pend, q);
		d->st.race_skipped++;
		return;
	}
	d->race_tokens -= RACE_TOKEN;
	q->client.audit_seq = 0;
	p->twin = (uint32_t)(q - d->pend.e);
	q->twin = (uint32_t)(p - d->pend.e);
	p->raced = 1;
	q->raced = 2;		/* the copy */
	d->st.race_sent++;
}

/* Races that are due; returns when the next one is. */
static uint64_t
race_timers(struct daemon *d, uint64_t now)
{
	while (d->race_n > 0) {
		struct race_due *r = &d->race[d->race_head];
		struct pending *p;

		if (r->at_ms > now)
			return r->at_ms;
		d->race_head = (d->race_head + 1) % d->race_cap;
		d->race_n--;
		p = &d->pend.e[r->idx];
		if (p->state == PENDING_SENT && p->gen == r->gen && !p->raced && !p->orphan &&
		    p->twin == PENDING_NONE && p->list < d->up.nslots)
			race_fire(d, p, now);
	}
	return UINT64_MAX;
}

/*
 * Put the queries waiting in an isolation slot on its READY connections, oldest first. If
 * no connection of the slot could still come up, they fail now rather than at their
 * deadline (Tor not running: the client hears SERVFAIL at once).
 */
static void
dispatch(struct daemon *d, uint32_t slot, uint64_t now)
{
	struct pending *p;

	while ((p = pending_first_waiting(&d->pend, (uint16_t)slot)) != NULL) {
		int32_t c = upstream_pick(&d->up, slot, p->msglen, now);

		if (c < 0)
			break;
		if (pending_bind(&d->pend, p, c, rnd_u16(&d->rnd)) == -1)
			fatalx("no free ID on connection %d with %u in flight", c,
			    d->up.conns[c].inflight);
		dns_set_id(p->msg, p->up_id);
		if (upstream_send(&d->up, c, p->msg, p->msglen, now) == -1) {
			/* pick() said there was room: an invariant, but fail closed anyway */
			pending_unbind(&d->pend, p);
			d->st.drop_wbuf++;
			break;
		}
		if (!p->raced && p->retries == 0)
			race_schedule(d, p, now);
	}
	if (pending_first_waiting(&d->pend, (uint16_t)slot) != NULL &&
	    !upstream_can_serve(&d->up, slot, now))
		while ((p = pending_first_waiting(&d->pend, (uint16_t)slot)) != NULL)
			fail_query(d, p, now);
}

static void
give_up(void *arg, struct pending *p)
{
	struct daemon *d = arg;

	fail_query(d, p, daemon_now_ms());
}

static void
on_lost(void *arg, int32_t conn)
{
	struct daemon *d = arg;

	/* Re-send what was in flight there, in its order, within each query's own deadline. */
	d->st.resends += pending_requeue_conn(&d->pend, conn, d->cfg.max_retries, !d->reloading,
	    give_up, d);
	dispatch(d, upstream_slot_of(&d->up, conn), daemon_now_ms());
}

static void
on_ready(void *arg, int32_t conn)
{
	struct daemon *d = arg;

	dispatch(d, upstream_slot_of(&d->up, conn), daemon_now_ms());
}

/* Open a slot's connections while queries wait there (and at start until one worked). */
static int
on_want(void *arg, uint32_t slot)
{
	struct daemon *d = arg;

	return d->pend.waits[slot].n > 0 || (d->cfg.isolate == ISOLATE_NONE &&
	    d->st.connects == 0 && d->cfg.mode != MODE_REFUSE);
}

static void
on_answer(void *arg, int32_t conn, uint8_t *msg, size_t len)
{
	struct daemon *d = arg;
	uint64_t now = daemon_now_ms();
	struct pending *p = pending_lookup(&d->pend, conn, dns_get_id(msg));
	int e;

	if (p == NULL) {
		d->st.bad_answers++;
		if (rl_ok(&d->rl_answer, now))
			log_warnx("answer on conn %d with ID %u matches no query sent there: "
			    "dropped (late, or a possible forgery)", conn, dns_get_id(msg));
		return;
	}
	if ((e = dns_check_answer(msg, len, &p->query.q)) != DNS_OK) {
		d->st.bad_answers++;
		if (rl_ok(&d->rl_answer, now))
			log_warnx("answer on conn %d: %s: dropped as a possible forgery; "
			    "the query stays pending", conn, dns_strerror(e));
		return;
	}
	if (p->orphan) {	/* a race's loser: its twin answered the client already */
		upstream_done(&d->up, conn, 1);
		d->st.race_lost++;
		pending_remove(&d->pend, p);
		dispatch(d, upstream_slot_of(&d->up, conn), now);
		return;
	}
	if (p->twin != PENDING_NONE) {
		d->pend.e[p->twin].orphan = 1;	/* its answer, if it comes, is dropped */
		d->st.race_won += p->raced == 2;
	}
	{
		unsigned what = DNS_RW_EDNS;
		struct dns_rewrite rw;
		size_t flen;

		if (d->cfg.reject_private && !policy_private_allowed(&d->pol, &p->query.q))
			what |= DNS_RW_PRIVATE;
		if ((e = dns_rewrite_answer(msg, len, what, d->filt, sizeof(d->filt), &flen,
		    &rw)) != DNS_OK) {
			if (rl_ok(&d->rl_answer, now))
				log_warnx("answer on conn %d: cannot rewrite it (%s): SERVFAIL",
				    conn, dns_strerror(e));
			fail_query(d, p, now);
			return;
		}
		if (rw.removed > 0 || rw.hints_removed > 0) {
			d->st.private_answers++;
			d->st.private_removed += rw.removed + rw.hints_removed;
			if (rl_ok(&d->rl_policy, now))
				log_warnx("answer on conn %d: removed %u private or loopback "
				    "address record(s) and %u SVCB/HTTPS hint address(es) "
				    "(reject-private)", conn, rw.removed, rw.hints_removed);
		}
		if (rw.opts_removed > 0)
			d->st.edns_answer_stripped++;
		if (flen > 0) {
			msg = d->filt;
			len = flen;
		}
	}
	upstream_done(&d->up, conn, 1);
	dns_clear_ad(msg, len);		/* nothing here validated it */
	cache_keep(d, p, msg, len, now);
	dns_set_id(msg, p->query.id);
	d->st.answered++;
	stats_latency_add(&d->st, now_us() - p->start_us);
	reply(d, &p->query, &p->client, p->query.udp_limit, msg, len, now, AUDIT_ANSWERED,
	    p->start_us);
	pending_remove(&d->pend, p);
	dispatch(d, upstream_slot_of(&d->up, conn), now);	/* room on conn for what waits */
}

/*
 * Whose circuits a query may share: its uid's (isolate uid or host), or with isolate host
 * its client host's when it came from another host (a gateway's workstation, a container).
 */
static const struct iso_key *
isolation_key(const struct daemon *d, const struct pending_client *cl, struct iso_key *k)
{
	memset(k, 0, sizeof(*k));
	if (cl->forwarded && d->cfg.isolate == ISOLATE_HOST) {
		k->kind = ISO_HOST;
		k->family = (uint8_t)cl->family;
		memcpy(k->addr, cl->addr, cl->family == AF_INET6 ? 16 : 4);
	} else if (!cl->forwarded && cl->has_uid) {
		k->kind = ISO_UID;
		k->uid = cl->uid;
	} else
		k->kind = cl->tcp >= 0 && !cl->forwarded ? ISO_TCP : ISO_NOOWNER;
	return k;
}

/* Is ifindex one of the gateway interfaces (by name: an interface may come and go)? */
static int
gateway_if(const struct daemon *d, uint32_t ifindex)
{
	for (size_t i = 0; i < d->cfg.ngateway; i++)
		if (ifindex != 0 && addrtab_ifindex(&d->addrs, d->cfg.gateway[i]) == ifindex)
			return 1;
	return 0;
}

/*
 * A query out to Tor's RESOLVE is bound to RESOLVE_CONN + the resolve's id: never an upstream
 * connection's id, so an answer, a lost connection or a timeout of one never meets the other.
 */
#define RESOLVE_CONN	(1 << 20)
#define TOR_ANSWER_TTL	60	/* RESOLVE replies carry no TTL: answers made from them get this */
#define SOCKS5_REP_CMD_UNSUPPORTED 7	/* not Tor: no RESOLVE */

/* Into the pending table for the recursor, or SERVFAIL at once if it is full. */
static void
to_recursor(struct daemon *d, const uint8_t *msg, size_t len, const struct dns_query *q,
    const struct pending_client *cl, uint32_t slot, uint64_t t_us)
{
	uint64_t now = t_us / 1000u, deadline = now + d->cfg.timeout_ms;
	struct pending *p;

	/*
	 * No tunnel of this slot is up yet (a new user, or Tor just started): building the
	 * circuit may take longer than the timeout, and must not eat the query's own time.
	 */
	if (!upstream_ready(&d->up, slot))
		deadline += d->cfg.connect_timeout_ms;
	if ((p = pending_add(&d->pend, msg, len, q, cl, (uint16_t)slot, deadline, t_us)) ==
	    NULL) {
		d->st.drop_pending++;
		if (rl_ok(&d->rl_bad, now))
			log_warnx("max-pending (%u) reached: SERVFAIL", d->pend.limit);
		servfail(d, q, cl, now, t_us);
		return;
	}
	if (d->pend.used > d->st.pending_peak)
		d->st.pending_peak = d->pend.used;
	audit_hint(d, p);
	dispatch(d, slot, now);
}

/* Questions mode hybrid sends to Tor's RESOLVE rather than the recursor. */
static int
hybrid_type(const struct dns_query *q)
{
	uint8_t a[16];

	if (q->q.qclass != DNS_C_IN)
		return 0;
	/*
	 * Not AAAA: a RESOLVE reply carries one address, of the family the SocksPort's flags
	 * prefer, not the one asked for; one SocksPort cannot answer both A and AAAA right.
	 */
	return q->q.qtype == DNS_T_A ||
	    (q->q.qtype == DNS_T_PTR && dns_ptr_addr(q->q.name, q->q.namelen, a) != 0);
}

/*
 * Ask Tor itself: RESOLVE (name -> address) or RESOLVE_PTR (address -> name) on a one-shot
 * SOCKS connection with the slot's credentials. Returns 0 if under way (the pending entry
 * is bound to the resolve), -1 if it could not start (max-resolves busy: the caller
 * decides), -2 if the pending table is full.
 */
static int
tor_resolve(struct daemon *d, const uint8_t *msg, size_t len, const struct dns_query *q,
    const struct pending_client *cl, uint32_t slot, uint64_t t_us)
{
	uint64_t now = t_us / 1000u, deadline = now + d->cfg.timeout_ms;
	const char *user, *pass;
	struct socks5 s;
	struct pending *p;
	uint16_t tag = rnd_u16(&d->rnd);
	int32_t id;

	if (d->cfg.isolate == ISOLATE_NONE) {
		user = d->cfg.socks_user[0] ? d->cfg.socks_user : NULL;
		pass = d->cfg.socks_pass[0] ? d->cfg.socks_pass : NULL;
	} else {
		user = d->up.slots[slot].user;
		pass = d->secret;
	}
	if (q->q.qtype == DNS_T_PTR) {
		struct endpoint ep = { 0 };

		ep.family = dns_ptr_addr(q->q.name, q->q.namelen, ep.addr);
		socks5_init_resolve_ptr(&s, &ep, user, pass);
	} else {
		char name[4 * DNS_MAXNAME + 1];
		size_t n;

		dns_name_str(q->q.name, q->q.namelen, name, sizeof(name));
		n = strlen(name);
		if (n > 1 && name[n - 1] == '.')
			name[n - 1] = '\0';
		if (socks5_init_resolve(&s, name, user, pass) == -1)
			return -1;
	}
	if ((p = pending_add(&d->pend, msg, len, q, cl, (uint16_t)d->up.nslots, deadline,
	    t_us)) == NULL)
		return -2;
	if ((id = resolve_start(&d->res, &s, tag, deadline, now)) < 0) {
		pending_remove(&d->pend, p);
		return -1;
	}
	if (pending_bind(&d->pend, p, RESOLVE_CONN + id, tag) == -1 || p->up_id != tag)
		fatalx("resolve %d: pending entry", id);	/* a fresh id: always free */
	audit_hint(d, p);
	if (d->pend.used > d->st.pending_peak)
		d->st.pending_peak = d->pend.used;
	return 0;
}

/* A RESOLVE finished: make the DNS answer from Tor's reply. */
static void
on_resolved(void *arg, int32_t id, uint16_t tag, const struct socks5 *s, int ok)
{
	struct daemon *d = arg;
	uint64_t now = daemon_now_ms();
	struct pending *p = pending_lookup(&d->pend, RESOLVE_CONN + id, tag);
	uint8_t rdata[DNS_MAXNAME], ans[DNS_HDRLEN + DNS_MAXNAME + 4 + 12 + DNS_MAXNAME + 11];
	const struct dns_question *q;
	uint16_t rdlen = 0;
	size_t n;
	int onion;

	if (p == NULL)
		return;		/* it expired meanwhile */
	q = &p->query.q;
	onion = policy_classify(&d->pol, q) == POLICY_ONION;
	if (ok && s->rep == SOCKS5_REP_CMD_UNSUPPORTED && !onion) {
		/* A SOCKS server that is not Tor: hybrid falls back to the recursor. */
		struct pending saved = *p;
		struct iso_key key;
		uint8_t qmsg[DNS_MAXMSG];
		int32_t slot;

		d->st.tor_fallback++;
		if (rl_ok(&d->rl_policy, now))
			log_warnx("the SOCKS server does not support Tor's RESOLVE: mode hybrid "
			    "sends these questions to the recursor");
		memcpy(qmsg, p->msg, p->msglen);
		pending_remove(&d->pend, p);
		if ((slot = upstream_slot(&d->up, isolation_key(d, &saved.client, &key),
		    now)) < 0) {
			d->st.drop_keys++;
			servfail(d, &saved.query, &saved.client, now, saved.start_us);
			return;
		}
		/* a new deadline from now: the table's deadline order stays true */
		to_recursor(d, qmsg, saved.msglen, &saved.query, &saved.client, (uint32_t)slot,
		    now_us());
		return;
	}
	if (!ok || (s->rep != 0 && s->rep != SOCKS5_REP_HOST_UNREACHABLE)) {
		d->st.tor_failed++;
		fail_query(d, p, now);
		return;
	}
	if (s->rep == SOCKS5_REP_HOST_UNREACHABLE) {
		d->st.tor_nxdomain++;
		n = dns_synth(&p->query, DNS_RCODE_NXDOMAIN, NULL, 0, 0, ans, sizeof(ans));
	} else {
		if (q->qtype == DNS_T_A && s->bnd_atyp == SOCKS5_ATYP_V4 && s->bndlen == 4)
			rdlen = 4;
		else if (q->qtype == DNS_T_AAAA && s->bnd_atyp == SOCKS5_ATYP_V6 && s->bndlen == 16)
			rdlen = 16;
		if (rdlen)
			memcpy(rdata, s->bnd, rdlen);
		if (q->qtype == DNS_T_PTR && s->bnd_atyp == SOCKS5_ATYP_NAME) {
			char name[256];

			memcpy(name, s->bnd, s->bndlen);
			name[s->bndlen] = '\0';
			rdlen = (uint16_t)dns_name_from_text(name, rdata, sizeof(rdata));
		}
		/* An exit's answer meets reject-private; Tor's own .onion mapping does not. */
		if (rdlen && !onion && q->qtype != DNS_T_PTR && d->cfg.reject_private &&
		    !policy_private_allowed(&d->pol, q) &&
		    dns_addr_is_private(rdlen == 4 ? AF_INET : AF_INET6, rdata)) {
			d->st.private_answers++;
			d->st.private_removed++;
			rdlen = 0;
		}
		n = dns_synth(&p->query, DNS_RCODE_NOERROR, rdata, rdlen, TOR_ANSWER_TTL, ans,
		    sizeof(ans));
		if (n > 0)
			ans[2] &= (uint8_t)~0x04;	/* not authoritative: Tor told us */
		d->st.tor_resolved++;
		d->st.tor_onion += onion;
	}
	if (n == 0) {
		fail_query(d, p, now);
		return;
	}
	d->st.answered++;
	stats_latency_add(&d->st, now_us() - p->start_us);
	cache_keep(d, p, ans, n, now);
	reply(d, &p->query, &p->client, p->query.udp_limit, ans, n, now, AUDIT_ANSWERED,
	    p->start_us);
	pending_remove(&d->pend, p);
}

/*
 * A checked query is answered locally, enters the pending table, or hears SERVFAIL at once
 * if the table is full. Returns -1 only if no answer at all will follow (dropped).
 */
static int
admit(struct daemon *d, const uint8_t *msg, size_t len, const struct dns_query *q,
    const struct pending_client *cl, uint64_t t_us)
{
	uint64_t now = t_us / 1000u;
	enum policy_verdict v = policy_classify(&d->pol, &q->q);
	struct iso_key key;
	int32_t slot;
	int onion_tor;

	if (len > d->cfg.max_query_size) {
		d->st.drop_oversize++;
		if (rl_ok(&d->rl_bad, now))
			log_warnx("query of %zu bytes exceeds max-query-size %u: dropped", len,
			    d->cfg.max_query_size);
		audit_drop(d, cl, q, t_us);
		return -1;
	}
	if (d->cfg.mode == MODE_REFUSE) {	/* audit only: nothing goes anywhere */
		uint8_t ans[DNS_HDRLEN + DNS_MAXNAME + 4 + 11];
		size_t n = dns_synth(q, DNS_RCODE_REFUSED, NULL, 0, 0, ans, sizeof(ans));

		d->st.refused++;
		if (n == 0)
			return -1;
		reply(d, q, cl, q->udp_limit, ans, n, now, AUDIT_REFUSED, t_us);
		return 0;
	}
	/* What goes upstream: nothing of the client's EDNS options or extra records. */
	{
		unsigned dropped;
		size_t n = dns_sanitize_query(msg, len, d->qbuf, sizeof(d->qbuf), &dropped);

		if (n == 0) {
			d->st.malformed++;
			if (rl_ok(&d->rl_bad, now))
				log_warnx("query with a malformed OPT record: dropped");
			audit_drop(d, cl, q, t_us);
			return -1;
		}
		if (dropped > 0)
			d->st.edns_stripped++;
		msg = d->qbuf;
		len = n;
	}

	/* .onion to Tor itself (onion tor): never to the recursor, whatever happens. */
	onion_tor = v == POLICY_ONION && d->cfg.onion == ONION_TOR &&
	    q->q.qclass == DNS_C_IN && (q->q.qtype == DNS_T_A || q->q.qtype == DNS_T_AAAA);
	if (v == POLICY_ONION && d->cfg.onion == ONION_TOR && !onion_tor) {
		/* the name may exist (Tor maps it); only A/AAAA can be answered: no data */
		uint8_t ans[DNS_HDRLEN + DNS_MAXNAME + 4 + 11];
		size_t n = dns_synth(q, DNS_RCODE_NOERROR, NULL, 0, 0, ans, sizeof(ans));

		d->st.local[v]++;
		if (n == 0)
			return -1;
		reply(d, q, cl, q->udp_limit, ans, n, now, AUDIT_LOCAL, t_us);
		return 0;
	}
	if (v != POLICY_FORWARD && !onion_tor) {
		uint8_t ans[DNS_HDRLEN + DNS_MAXNAME + 4 + 12 + 16 + 11];
		size_t n = policy_answer(v, q, ans, sizeof(ans));
		char a[64];

		d->st.local[v]++;
		if (rl_ok(&d->rl_policy, now))
			log_info("%s query from %s answered locally, never sent upstream",
			    policy_name(v), addr_str(cl->family, cl->addr, cl->port, a, sizeof(a)));
		if (n == 0)
			return -1;
		reply(d, q, cl, q->udp_limit, ans, n, now, AUDIT_LOCAL, t_us);
		return 0;
	}
	if (cache_answer(d, msg, len, q, cl, now, t_us, 0))
		return 0;
	if ((slot = upstream_slot(&d->up, isolation_key(d, cl, &key), now)) < 0) {
		d->st.drop_keys++;
		if (rl_ok(&d->rl_bad, now))
			log_warnx("max-isolation-keys (%u) keys busy: SERVFAIL",
			    d->cfg.max_isolation_keys);
		servfail(d, q, cl, now, t_us);
		return 0;
	}
	if (log_getverbose() > 0) {
		char name[4 * DNS_MAXNAME + 1], a[64], s[64];

		log_debug("query %s type %u from %s to %s%s",
		    dns_name_str(q->q.name, q->q.namelen, name, sizeof(name)), q->q.qtype,
		    addr_str(cl->family, cl->addr, cl->port, a, sizeof(a)),
		    addr_str(cl->family, cl->server, cl->server_port, s, sizeof(s)),
		    cl->tcp >= 0 ? " (tcp)" : "");
	}
	if (onion_tor || (d->cfg.mode == MODE_HYBRID && hybrid_type(q))) {
		int r = tor_resolve(d, msg, len, q, cl, (uint32_t)slot, t_us);

		if (r == 0)
			return 0;
		if (r == -1 && onion_tor) {	/* max-resolves busy: never the recursor */
			d->st.tor_failed++;
			servfail(d, q, cl, now, t_us);
			return 0;
		}
		if (r == -1)
			d->st.tor_fallback++;
		/* -2: pending is full, answered below; -1: busy, the recursor answers */
	}
	to_recursor(d, msg, len, q, cl, (uint32_t)slot, t_us);
	return 0;
}

/* A captured packet dropped before its question was read: its question, if it has one. */
static void
audit_packet_drop(struct daemon *d, const struct pending_client *cl, const struct pkt_udp *u,
    uint64_t t_us)
{
	struct dns_query q;

	if (d->aw.on)
		audit_drop(d, cl, dns_parse_query(u->payload, u->paylen, &q) == DNS_OK ? &q : NULL,
		    t_us);
}

static void
on_packet(void *arg, const struct capture_pkt *cp)
{
	struct daemon *d = arg;
	struct pkt_udp u;
	struct dns_query q;
	struct pending_client cl = { 0 };
	uint64_t t_us = now_us(), now = t_us / 1000u;
	size_t maxpay;
	int e = PKT_OK;

	d->st.captured++;
	if (cp->data == NULL || (e = packet_parse(cp->data, cp->len, &u)) != PKT_OK) {
		d->st.malformed++;
		if (rl_ok(&d->rl_bad, now))
			log_warnx("captured packet: %s: dropped",
			    cp->data ? packet_strerror(e) : "no payload");
		return;
	}
	cl.family = u.family;
	memcpy(cl.addr, u.src, sizeof(cl.addr));
	/* Queued in PREROUTING (an in-device): a forwarded client, answered out of it. */
	cl.forwarded = cp->ifindex_in != 0;
	cl.ifindex = cl.forwarded ? cp->ifindex_in : cp->ifindex_out;
	cl.uid = cp->uid;
	cl.has_uid = cp->has_uid;
	cl.gid = cp->gid;
	cl.has_gid = cp->has_gid;
	cl.has_mac = cl.forwarded && cp->has_mac;
	if (cl.has_mac)
		memcpy(cl.mac, cp->mac, sizeof(cl.mac));
	cl.port = u.sport;
	cl.server_port = u.dport;
	cl.tcp = -1;
	memcpy(cl.server, u.dst, sizeof(cl.server));
	if (cl.forwarded && d->cfg.ngateway > 0 && !gateway_if(d, cl.ifindex)) {
		char a[64], s[64];

		/* A gateway answers its internal interfaces only, whatever the source says. */
		d->st.not_internal++;
		if (rl_ok(&d->rl_spoof, now))
			log_warnx("UDP from %s to %s came in on interface %u, not a gateway "
			    "interface: dropped, never answered",
			    addr_str(u.family, u.src, u.sport, a, sizeof(a)),
			    addr_str(u.family, u.dst, u.dport, s, sizeof(s)), cl.ifindex);
		audit_packet_drop(d, &cl, &u, t_us);
		return;
	}
	if (!client_allowed(d, &cl)) {
		char a[64], s[64];

		d->st.spoofed++;
		if (rl_ok(&d->rl_spoof, now))
			log_warnx("UDP from %s to %s%s: %s: dropped, never answered (spoofed)",
			    addr_str(u.family, u.src, u.sport, a, sizeof(a)),
			    addr_str(u.family, u.dst, u.dport, s, sizeof(s)),
			    cl.forwarded ? " (forwarded)" : "", cl.forwarded ?
			    "the source is not a neighbour on the interface it came in on" :
			    "the source is not an address of this host");
		audit_packet_drop(d, &cl, &u, t_us);
		return;
	}
	if ((e = dns_parse_query(u.payload, u.paylen, &q)) != DNS_OK) {
		char a[64];

		if (e == DNS_EQR || e == DNS_EOPCODE)
			d->st.notquery++;
		else
			d->st.malformed++;
		if (rl_ok(&d->rl_bad, now))
			log_warnx("UDP from %s to port %u: not a DNS query (%s): dropped",
			    addr_str(u.family, u.src, u.sport, a, sizeof(a)), u.dport,
			    dns_strerror(e));
		audit_drop(d, &cl, NULL, t_us);
		return;
	}
	/*
	 * Asked a multicast or broadcast address (a gateway's client may): no reply can come
	 * from that, so it comes from the interface's own address.
	 */
	if (cl.forwarded && addrtab_is_broadcast(&d->addrs, u.family, u.dst, cl.ifindex) &&
	    !addrtab_if_addr(&d->addrs, u.family, cl.ifindex, cl.server)) {
		d->st.spoofed++;
		audit_drop(d, &cl, &q, t_us);
		return;
	}
	d->st.forwarded += cl.forwarded;
	maxpay = packet_max_payload(u.family);
	if (q.udp_limit > maxpay)
		q.udp_limit = (uint16_t)maxpay;
	(void)admit(d, u.payload, u.paylen, &q, &cl, t_us);
}

/* A TCP client's message dropped before it was admitted (q NULL: not a query). */
static void
audit_tcp_drop(struct daemon *d, const struct tcp_client *tc, int32_t slot,
    const struct dns_query *q, uint64_t t_us)
{
	struct pending_client cl = { 0 };

	if (!d->aw.on)
		return;
	cl.family = tc->family;
	memcpy(cl.addr, tc->addr, sizeof(cl.addr));
	memcpy(cl.server, tc->orig, sizeof(cl.server));
	cl.port = tc->port;
	cl.server_port = tc->orig_port;
	cl.forwarded = tc->ifindex != 0;
	cl.ifindex = tc->ifindex;
	cl.uid = tc->uid;
	cl.has_uid = tc->has_uid;
	cl.inode = tc->inode;
	cl.tcp = slot;
	audit_drop(d, &cl, q, t_us);
}

/* A TCP client's query: the same pipeline; the answer goes back whole on its connection. */
static int
on_tcp_query(void *arg, int32_t slot, uint8_t *msg, size_t len)
{
	struct daemon *d = arg;
	struct tcp_client *tc = &d->ts.cl[slot];
	struct pending_client cl = { 0 };
	struct dns_query q;
	uint64_t t_us = now_us();
	int e;

	if ((e = dns_parse_query(msg, len, &q)) != DNS_OK) {
		char a[64];

		if (e == DNS_EQR || e == DNS_EOPCODE)
			d->st.notquery++;
		else
			d->st.malformed++;
		if (rl_ok(&d->rl_bad, t_us / 1000u))
			log_warnx("TCP from %s: not a DNS query (%s): dropped",
			    addr_str(tc->family, tc->addr, tc->port, a, sizeof(a)), dns_strerror(e));
		audit_tcp_drop(d, tc, slot, NULL, t_us);
		return -1;
	}
	cl.family = tc->family;
	memcpy(cl.addr, tc->addr, sizeof(cl.addr));
	/* From a gateway interface's listener: another host, isolated and checked as one. */
	cl.forwarded = tc->ifindex != 0;
	cl.ifindex = tc->ifindex;
	if (!client_allowed(d, &cl)) {
		char a[64];

		d->st.spoofed++;
		if (rl_ok(&d->rl_spoof, t_us / 1000u))
			log_warnx("TCP from %s: the source may not ask here: "
			    "dropped, never answered (spoofed)",
			    addr_str(tc->family, tc->addr, tc->port, a, sizeof(a)));
		audit_tcp_drop(d, tc, slot, &q, t_us);
		return -1;
	}
	memcpy(cl.server, tc->orig, sizeof(cl.server));
	cl.port = tc->port;
	cl.server_port = tc->orig_port;
	/*
	 * The redirect hides the uid that NFQUEUE gives for UDP: ask sock_diag for the owner of
	 * the client's socket, its own view of the connection (itself -> where it connected),
	 * once per connection.
	 */
	if (!tc->uid_asked && !cl.forwarded) {
		tc->uid_asked = 1;
		if (d->diag.fd != -1 && sockdiag_tcp_uid(&d->diag, tc->family, tc->addr, tc->port,
		    tc->orig, tc->orig_port, &tc->uid, &tc->inode) == 0)
			tc->has_uid = 1;
		else
			d->st.tcp_no_owner++;
	}
	cl.uid = tc->uid;
	cl.has_uid = tc->has_uid;
	cl.inode = tc->inode;
	cl.tcp = slot;
	cl.tcp_gen = tc->gen;
	q.udp_limit = DNS_MAXMSG;	/* no truncation over TCP */
	return admit(d, msg, len, &q, &cl, t_us);
}

/* Deadlines and connection timers. Returns the next time anything is due. */
static uint64_t
timers(struct daemon *d, uint64_t now)
{
	struct pending *p;
	uint64_t next, t;

	while ((p = pending_oldest(&d->pend)) != NULL && p->deadline_ms <= now) {
		int32_t conn = p->state == PENDING_SENT ? p->conn : -1;

		d->st.expired++;
		fail_query(d, p, now);
		/* after: this may retire the connection and move what else is on it */
		if (conn >= 0)
			upstream_timeout(&d->up, conn, now);
	}
	/* Connections open on demand, and at start until the first one works (warm start). */
	next = upstream_timers(&d->up, now);
	for (uint32_t s = 0; s < d->up.nslots && d->pend.nwaiting > 0; s++)
		if (d->pend.waits[s].n > 0)
			dispatch(d, s, now);
	if ((p = pending_oldest(&d->pend)) != NULL && p->deadline_ms < next)
		next = p->deadline_ms;
	t = tcpserve_timers(&d->ts, now);
	next = t < next ? t : next;
	t = race_timers(d, now);
	next = t < next ? t : next;
	t = resolve_timers(&d->res, now);
	return t < next ? t : next;
}

/*
 * One counters line: to the log (SIGUSR1), or to the parent for dnsfence --stats (reply),
 * which then gets the same lines as the log would.
 */
static void __attribute__((format(printf, 3, 4)))
stats_line(struct daemon *d, int reply, const char *fmt, ...)
{
	char line[IMSG_LOG_MAX + 1];
	uint8_t m[IMSG_HDRLEN + IMSG_LOG_MAX];
	va_list ap;
	size_t n;

	va_start(ap, fmt);
	(void)vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (!reply) {
		log_info("%s", line);
		return;
	}
	n = strlen(line);
	(void)send(d->imsg_fd, m, imsg_pack(m, sizeof(m), IMSG_STATSLINE, line, n),
	    MSG_DONTWAIT | MSG_NOSIGNAL);
}

static void
log_stats(struct daemon *d, int reply)
{
/* each line to the log, or to the parent (reply): the same text */
#define STAT(...) stats_line(d, reply, __VA_ARGS__)
	const struct stats *s = &d->st;
	uint32_t ready = 0;

	for (uint32_t i = 0; i < d->up.nconns; i++)
		ready += d->up.conns[i].state == CONN_READY;
	STAT("stats capture: captured=%" PRIu64 " malformed=%" PRIu64 " notquery=%" PRIu64
	    " overruns=%" PRIu64 " errors=%" PRIu64 " spoofed=%" PRIu64 " forwarded=%" PRIu64
	    " not_internal=%" PRIu64, s->captured, s->malformed, s->notquery, d->overruns,
	    s->capture_errors, s->spoofed, s->forwarded, s->not_internal);
	{
		char line[256];

		if (capture_stats_line(d->cap, line, sizeof(line)) > 0)
			STAT("%s", line);
	}
	STAT("stats addresses: local=%u max_local_addresses=%u overflow=%" PRIu64
	    " redumps=%" PRIu64, d->addrs.n, d->addrs.cap, d->addrs.overflow, d->rtnl.redumps);
	STAT("stats edns: stripped_queries=%" PRIu64 " stripped_answers=%" PRIu64,
	    s->edns_stripped, s->edns_answer_stripped);
	STAT("stats answers: answered=%" PRIu64 " servfail=%" PRIu64 " refused=%" PRIu64
	    " truncated=%" PRIu64 " inject_errors=%" PRIu64 " inject_batches=%" PRIu64
	    " inject_batched=%" PRIu64, s->answered, s->servfail, s->refused, s->truncated,
	    s->inject_errors, d->inj.batches, d->inj.batched);
	STAT("stats bounds: pending=%u pending_peak=%" PRIu64 " max_pending=%u"
	    " drop_pending=%" PRIu64
	    " drop_oversize=%" PRIu64 " drop_wbuf=%" PRIu64 " expired=%" PRIu64
	    " log_dropped=%" PRIu64, d->pend.used, s->pending_peak, d->pend.limit, s->drop_pending,
	    s->drop_oversize, s->drop_wbuf, s->expired, log_dropped());
	STAT("stats upstream: sent=%" PRIu64 " connects=%" PRIu64 " connect_failures=%" PRIu64
	    " conn_lost=%" PRIu64 " resends=%" PRIu64 " bad_answers=%" PRIu64 " ready=%u/%u"
	    " socks_refused=%" PRIu64, s->sent, s->connects, s->connect_failures, s->conn_lost,
	    s->resends, s->bad_answers, ready, d->up.nconns, s->socks_refused);
	for (uint32_t i = 0; i < d->up.nres; i++) {
		const struct upstream_resolver *r = &d->up.res[i];
		char name[64];

		STAT("stats resolver %s: sent=%" PRIu64 " answered=%" PRIu64 " failures=%" PRIu64
		    " state=%s", config_endpoint_str(&r->ep, name, sizeof(name)), r->sent,
		    r->answered, r->failures, r->down_until_ms > daemon_now_ms() ? "held-down" : "up");
	}
	STAT("stats policy: onion=%" PRIu64 " exit=%" PRIu64 " localhost=%" PRIu64
	    " mdns=%" PRIu64 " private_ptr=%" PRIu64 " invalid=%" PRIu64 " private_answers=%" PRIu64
	    " private_removed=%" PRIu64, s->local[POLICY_ONION], s->local[POLICY_EXIT],
	    s->local[POLICY_LOCALHOST], s->local[POLICY_MDNS], s->local[POLICY_PRIVATE_PTR],
	    s->local[POLICY_INVALID], s->private_answers, s->private_removed);
	{
		uint32_t keys = 0;

		for (uint32_t i = 0; i < d->up.nslots; i++)
			keys += d->up.slots[i].used;
		STAT("stats isolation: mode=%s keys=%u max_keys=%u drop_keys=%" PRIu64
		    " noauth=%" PRIu64, d->cfg.isolate == ISOLATE_HOST ? "host" :
		    d->cfg.isolate == ISOLATE_UID ? "uid" : "none", keys,
		    d->up.nslots, s->drop_keys, s->socks_noauth);
	}
	STAT("stats tor: mode=%s onion=%s resolved=%" PRIu64 " nxdomain=%" PRIu64
	    " failed=%" PRIu64 " fallback=%" PRIu64 " onion_mapped=%" PRIu64 " busy=%u",
	    d->cfg.mode == MODE_HYBRID ? "hybrid" : d->cfg.mode == MODE_REFUSE ? "refuse" :
	    "recursor",
	    d->cfg.onion == ONION_TOR ? "tor" : "nxdomain", s->tor_resolved, s->tor_nxdomain,
	    s->tor_failed, s->tor_fallback, s->tor_onion, d->res.busy);
	STAT("stats tcp: accepted=%" PRIu64 " queries=%" PRIu64 " refused=%" PRIu64
	    " stalled=%" PRIu64 " overflow=%" PRIu64 " throttled=%" PRIu64 " no_owner=%" PRIu64
	    " open=%u", s->tcp_accepted, s->tcp_queries, s->tcp_refused, s->tcp_stalled,
	    s->tcp_overflow, s->tcp_throttled, s->tcp_no_owner, d->ts.nopen);
	{
		struct cache_stats cs = { 0 };

		if (d->cache_on)
			cache_stats(&d->cache, &cs);
		STAT("stats cache: %s answers=%" PRIu64 " stale_answers=%" PRIu64 " hits=%"
		    PRIu64 " misses=%" PRIu64 " stale_hits=%" PRIu64 " stores=%" PRIu64
		    " uncacheable=%" PRIu64 " evictions=%" PRIu64 " entries=%" PRIu64 "/%u bytes=%"
		    PRIu64 "/%u", d->cache_on ? "on" : "off", s->cache_answers, s->stale_answers,
		    cs.hits, cs.misses, cs.stale_hits, cs.stores, cs.uncacheable, cs.evictions,
		    cs.entries, d->cfg.cache_entries, cs.bytes, d->cfg.cache_size);
	}
	{
		char mode[24];

		if (d->cfg.race_ms == 0)
			snprintf(mode, sizeof(mode), "off");
		else if (d->cfg.race_ms == RACE_AUTO)
			snprintf(mode, sizeof(mode), "auto");
		else
			snprintf(mode, sizeof(mode), "%ums", d->cfg.race_ms);
		STAT("stats race: mode=%s delay_ms=%u sent=%" PRIu64 " won=%" PRIu64 " lost=%"
		    PRIu64 " skipped=%" PRIu64 " max=%u%%", mode, d->cfg.race_ms ? race_delay(d) : 0,
		    s->race_sent, s->race_won, s->race_lost, s->race_skipped, d->cfg.race_max);
	}
	if (d->aw.on)
		STAT("stats audit: events=%" PRIu64 " lost=%" PRIu64 " no_socket=%" PRIu64
		    " nflog_group=%u nflog_packets=%" PRIu64 " nflog_bad=%" PRIu64
		    " nflog_overruns=%" PRIu64, d->aw.events, d->aw.lost, d->aw.no_socket,
		    d->aw.group, d->aw.nflog_packets, d->aw.nflog_bad, d->aw.nflog_overruns);
	STAT("stats latency: p50_us=%" PRIu64 " p99_us=%" PRIu64 " samples=%" PRIu64,
	    stats_latency_quantile(s, 0.50), stats_latency_quantile(s, 0.99), s->lat_samples);
#undef STAT
}

/* The cache as the configuration says: off, or empty with its bounds. */
static void
cache_open(struct daemon *d)
{
	struct cache_cfg cc = { 0 };

	d->cache_on = 0;
	if (!d->cfg.cache || d->cfg.cache_size == 0 || d->cfg.cache_entries == 0)
		return;
	cc.max_entries = d->cfg.cache_entries;
	cc.max_bytes = d->cfg.cache_size;
	cc.min_ttl = d->cfg.cache_min_ttl;
	cc.max_ttl = d->cfg.cache_max_ttl;
	cc.stale_ttl = CACHE_STALE_TTL;
	cc.stale_max = d->cfg.serve_stale ? d->cfg.serve_stale_max_ms / 1000u : 0;
	rnd_bytes(&d->rnd, cc.hash_key, sizeof(cc.hash_key));
	if (cache_init(&d->cache, &cc) == -1)
		fatal("cache of %u bytes, %u entries", d->cfg.cache_size, d->cfg.cache_entries);
	d->cache_on = 1;
}

static int
cache_changed(const struct config *a, const struct config *b)
{
	/* what answers were kept under: the cache's own bounds, and the private-address rules */
	return a->cache != b->cache || a->cache_size != b->cache_size ||
	    a->cache_entries != b->cache_entries || a->cache_min_ttl != b->cache_min_ttl ||
	    a->cache_max_ttl != b->cache_max_ttl || a->serve_stale != b->serve_stale ||
	    a->serve_stale_max_ms != b->serve_stale_max_ms ||
	    a->reject_private != b->reject_private || a->nallow_private != b->nallow_private ||
	    memcmp(a->allow_private, b->allow_private, sizeof(a->allow_private)) != 0;
}

/* The loop turn's replies, one sendmmsg per socket. */
static void
inject_replies(struct daemon *d, uint64_t now)
{
	unsigned failed = inject_flush(&d->inj);

	if (failed > 0) {
		d->st.inject_errors += failed;
		if (rl_ok(&d->rl_inject, now))
			log_warn("inject %u repl%s", failed, failed == 1 ? "y" : "ies");
	}
}

static int
upstream_changed(const struct config *a, const struct config *b)
{
	return memcmp(&a->socks, &b->socks, sizeof(a->socks)) != 0 ||
	    a->nresolvers != b->nresolvers ||
	    memcmp(a->resolvers, b->resolvers, a->nresolvers * sizeof(a->resolvers[0])) != 0 ||
	    a->connections != b->connections || a->wbuf_max != b->wbuf_max ||
	    strcmp(a->socks_user, b->socks_user) != 0 || strcmp(a->socks_pass, b->socks_pass) != 0;
}

static const struct upstream_ops ops = { on_answer, on_lost, on_ready, on_want };
static const struct tcpserve_ops tops = { on_tcp_query };
static const struct resolve_ops rops = { on_resolved };

/*
 * Apply a configuration the parent read on SIGHUP (it checked it already; it is parsed again
 * here from the message, so nothing but the parser sees its bytes). What needs privilege or
 * a new socket changes only on restart.
 */
static void
reload(struct daemon *d, const struct imsg *m)
{
	static char words[IMSG_NOVER_MAX * 2][IMSG_WORD_MAX + 1];
	static char *kv[IMSG_NOVER_MAX * 2];
	struct imsg_config ic;
	struct config n;
	char err[CONFIG_ERRLEN + 64];
	int e, retune, recache;

	if ((e = imsg_config(m, &ic)) != IMSG_OK) {
		log_warnx("reload: configuration message: %s; keeping the running one",
		    imsg_strerror(e));
		return;
	}
	for (size_t i = 0; i < ic.nover; i++) {
		memcpy(words[2 * i], ic.over[i].key, ic.over[i].klen);
		words[2 * i][ic.over[i].klen] = '\0';
		memcpy(words[2 * i + 1], ic.over[i].val, ic.over[i].vlen);
		words[2 * i + 1][ic.over[i].vlen] = '\0';
		kv[2 * i] = words[2 * i];
		kv[2 * i + 1] = words[2 * i + 1];
	}
	if (config_build(&n, d->cfg.path, (const char *)ic.text, ic.textlen, ic.have_text, kv,
	    2 * ic.nover, err, sizeof(err)) == -1) {
		log_warnx("reload: %s; keeping the running configuration", err);
		return;
	}
	if (strcmp(n.user, d->cfg.user) != 0 || strcmp(n.chroot, d->cfg.chroot) != 0) {
		log_warnx("reload: user and chroot change only on restart");
		memcpy(n.user, d->cfg.user, sizeof(n.user));
		memcpy(n.chroot, d->cfg.chroot, sizeof(n.chroot));
	}
	if (n.queue != d->cfg.queue || n.batch != d->cfg.batch) {
		log_warnx("reload: queue and batch change only on restart; keeping %u and %u",
		    d->cfg.queue, d->cfg.batch);
		n.queue = d->cfg.queue;
		n.batch = d->cfg.batch;
	}
	if (n.nlisten != d->cfg.nlisten || n.max_tcp_clients != d->cfg.max_tcp_clients ||
	    memcmp(n.listen_tcp, d->cfg.listen_tcp, n.nlisten * sizeof(n.listen_tcp[0])) != 0) {
		log_warnx("reload: listen-tcp and max-tcp-clients change only on restart");
		memcpy(n.listen_tcp, d->cfg.listen_tcp, sizeof(n.listen_tcp));
		n.nlisten = d->cfg.nlisten;
		n.max_tcp_clients = d->cfg.max_tcp_clients;
	}
	if (n.max_pending > d->pend.cap) {
		log_warnx("reload: max-pending above %u needs a restart; using %u",
		    d->pend.cap, d->pend.cap);
		n.max_pending = d->pend.cap;
	}
	if (n.max_inflight > n.max_pending)
		n.max_inflight = n.max_pending;
	d->pend.limit = n.max_pending;
	if (n.mark != d->cfg.mark || n.mark_forward != d->cfg.mark_forward) {
		/* the worker may not set SO_MARK (seccomp): the marks are the rules' contract */
		log_warnx("reload: mark and mark-forward change only on restart");
		n.mark = d->cfg.mark;
		n.mark_forward = d->cfg.mark_forward;
	}
	if (strcmp(n.socks_owner, d->cfg.socks_owner) != 0) {
		log_warnx("reload: socks-owner changes only on restart");
		memcpy(n.socks_owner, d->cfg.socks_owner, sizeof(n.socks_owner));
	}
	if (n.ngateway != d->cfg.ngateway ||
	    memcmp(n.gateway, d->cfg.gateway, sizeof(n.gateway)) != 0) {
		log_warnx("reload: gateway interfaces change only on restart");
		memcpy(n.gateway, d->cfg.gateway, sizeof(n.gateway));
		n.ngateway = d->cfg.ngateway;
	}
	if (strcmp(n.audit_log, d->cfg.audit_log) != 0 || n.nflog_group != d->cfg.nflog_group ||
	    n.audit_names != d->cfg.audit_names || n.audit_buffer != d->cfg.audit_buffer ||
	    n.audit_cache != d->cfg.audit_cache) {
		/* the parent reopens the same file on SIGHUP, for logrotate */
		log_warnx("reload: audit-log, audit-names, audit-buffer, audit-cache and nflog-group "
		    "change only on restart");
		memcpy(n.audit_log, d->cfg.audit_log, sizeof(n.audit_log));
		n.nflog_group = d->cfg.nflog_group;
		n.audit_names = d->cfg.audit_names;
		n.audit_buffer = d->cfg.audit_buffer;
		n.audit_cache = d->cfg.audit_cache;
	}
	if (strcmp(n.control_socket, d->cfg.control_socket) != 0) {
		/* the parent's socket, bound at start */
		log_warnx("reload: control-socket changes only on restart");
		memcpy(n.control_socket, d->cfg.control_socket, sizeof(n.control_socket));
	}
	if (n.max_local_addresses != d->cfg.max_local_addresses) {
		log_warnx("reload: max-local-addresses changes only on restart");
		n.max_local_addresses = d->cfg.max_local_addresses;
	}
	if (n.isolate != d->cfg.isolate || n.max_isolation_keys != d->cfg.max_isolation_keys ||
	    n.max_resolves != d->cfg.max_resolves) {
		log_warnx("reload: isolate, max-isolation-keys and max-resolves change only on "
		    "restart");
		n.isolate = d->cfg.isolate;
		n.max_isolation_keys = d->cfg.max_isolation_keys;
		n.max_resolves = d->cfg.max_resolves;
	}
	retune = n.rcvbuf != d->cfg.rcvbuf || n.queue_maxlen != d->cfg.queue_maxlen;
	recache = cache_changed(&d->cfg, &n);
	if (upstream_changed(&d->cfg, &n)) {
		struct upstream_slot *keep = calloc(d->up.nslots, sizeof(*keep));
		uint32_t nkeep = d->up.nslots;

		if (keep == NULL)
			fatal("reload");
		memcpy(keep, d->up.slots, nkeep * sizeof(*keep));
		/* In-flight queries go back to waiting, to be sent again: not a retry. */
		d->reloading = 1;
		upstream_close_all(&d->up);
		d->reloading = 0;
		upstream_destroy(&d->up);
		d->cfg = n;
		if (upstream_init(&d->up, &d->cfg, &d->st, d->loop, &ops, d, d->secret,
		    &d->owner) == -1)
			fatal("reload: upstream");
		/* Waiting queries name their slot: each key keeps its slot. */
		memcpy(d->up.slots, keep, nkeep * sizeof(*keep));
		free(keep);
		log_info("reload: new upstream settings, reconnecting");
	} else
		d->cfg = n;
	policy_init(&d->pol, &d->cfg);
	if (recache) {
		/*
		 * new bounds, TTL or private-address rules: start empty rather than serve what
		 * they would refuse; the counters go on
		 */
		struct cache_stats keep = { 0 };

		if (d->cache_on) {
			keep = d->cache.st;
			cache_destroy(&d->cache);
		}
		cache_open(d);
		if (d->cache_on) {
			d->cache.st.hits = keep.hits;
			d->cache.st.misses = keep.misses;
			d->cache.st.stale_hits = keep.stale_hits;
			d->cache.st.stores = keep.stores;
			d->cache.st.evictions = keep.evictions;
			d->cache.st.uncacheable = keep.uncacheable;
		}
		log_info("reload: cache %s, emptied", d->cache_on ? "on" : "off");
	}
	/* last: packets read while the kernel acknowledges take the new settings */
	if (retune && capture_tune(d->cap, d->cfg.rcvbuf, d->cfg.queue_maxlen) == -1)
		log_warn("reload: cannot apply rcvbuf/queue-maxlen");
	log_info("reload: configuration reloaded from %s", d->cfg.path);
}

static void
on_signal(struct daemon *d)
{
	int sig;

	while ((sig = evl_signal_next(d->sigfd)) > 0) {
		switch (sig) {
		case SIGTERM:
		case SIGINT:
			log_info("signal %d: exiting", sig);
			d->quit = 1;
			break;
		case SIGHUP:
			/* the parent reads the configuration and sends it (imsg) */
			break;
		case SIGUSR1:
			log_stats(d, 0);
			break;
		}
	}
}

/* Messages from the parent. Its channel closing means it is gone: so do we. */
static void
on_imsg(struct daemon *d)
{
	static uint8_t buf[IMSG_MAX + 1];

	for (;;) {
		ssize_t n = recv(d->imsg_fd, buf, sizeof(buf), MSG_DONTWAIT);
		struct imsg m;
		int e;

		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (n <= 0) {
			log_warnx("the parent closed its channel: exiting");
			d->quit = 1;
			return;
		}
		if ((e = imsg_parse(buf, (size_t)n, 0, &m)) != IMSG_OK) {
			log_warnx("message from the parent: %s: ignored", imsg_strerror(e));
			continue;
		}
		switch (m.type) {
		case IMSG_CONFIG:
			reload(d, &m);
			break;
		case IMSG_STATS:
			log_stats(d, 0);
			break;
		case IMSG_STATSREQ: {
			uint8_t em[IMSG_HDRLEN];

			log_stats(d, 1);
			(void)send(d->imsg_fd, em, imsg_pack(em, sizeof(em), IMSG_STATSEND, NULL, 0),
			    MSG_DONTWAIT | MSG_NOSIGNAL);
			break;
		}
		case IMSG_PING: {
			uint8_t em[IMSG_HDRLEN];

			/* the loop turns: the parent tells systemd's watchdog */
			(void)send(d->imsg_fd, em, imsg_pack(em, sizeof(em), IMSG_PONG, NULL, 0),
			    MSG_DONTWAIT | MSG_NOSIGNAL);
			break;
		}
		case IMSG_QUIT:
			log_info("asked to exit");
			d->quit = 1;
			break;
		case IMSG_TESTHOOK:
#ifdef DNSFENCE_TEST_HOOKS
			/* Test builds only: a system call outside the seccomp list. */
			log_info("test hook: calling ptrace, which seccomp must refuse");
			(void)syscall(SYS_ptrace, 0 /* PTRACE_TRACEME */, 0, 0, 0);
			log_warnx("test hook: ptrace returned: seccomp is not enforcing");
#endif
			break;
		}
	}
}

static void
watch(struct daemon *d, int fd, uint64_t tag)
{
	if (evl_add(d->loop, fd, tag, EVL_IN) == -1)
		fatal("event loop");
}

void
daemon_attach(struct daemon *d, int fd)
{
	d->imsg_fd = fd;
	d->aw.chan = fd;
	watch(d, fd, TAG_IMSG);
}

/*
 * The TCP/53 redirect target must be a privileged port: while dnsfence does not listen there
 * (not started yet, restarting), any local user could bind an unprivileged one and read
 * every user's TCP DNS.
 */
static void
listen_ports_privileged(const struct config *cfg)
{
	unsigned start = plat_unprivileged_port_start();

	for (size_t i = 0; i < cfg->nlisten; i++) {
		char name[64];

		if (cfg->listen_tcp[i].port < start)
			continue;
		fatalx("listen-tcp %s: port %u is not privileged "
		    "(%s is %u): while dnsfence is not listening "
		    "there any local user could bind it and read every user's TCP DNS; use a port "
		    "below %u (the default is 54)",
		    config_endpoint_str(&cfg->listen_tcp[i], name, sizeof(name)),
		    cfg->listen_tcp[i].port, plat_unprivileged_port_knob(), start, start);
	}
}

/*
 * sock_diag, for the owners of TCP clients (isolation) and of the SOCKS port (socks-owner,
 * which cannot work without it); socks-owner's user is resolved now: there is no passwd
 * file in the chroot.
 */
static void
socks_owner_open(struct daemon *d)
{
	struct socks_owner *so = &d->owner;
	const struct config *cfg = &d->cfg;
	char err[128];
	char *end;
	unsigned long v;

	memset(so, 0, sizeof(*so));
	so->diag = &d->diag;
	snprintf(so->name, sizeof(so->name), "%s", cfg->socks_owner);
	if (sockdiag_open(&d->diag, err, sizeof(err)) == -1) {
		if (strcmp(cfg->socks_owner, "any") != 0)
			fatalx("%s: socks-owner needs it to check who holds the SOCKS port (or set "
			    "socks-owner any)", err);
		if (plat_serves_tcp())
			log_warnx("%s: TCP clients are not told apart by user", err);
	}
	if (strcmp(cfg->socks_owner, "any") == 0)
		return;
	so->check = 1;
	errno = 0;
	v = strtoul(cfg->socks_owner, &end, 10);
	if (*cfg->socks_owner >= '0' && *cfg->socks_owner <= '9' && *end == '\0' && errno == 0 &&
	    v < UINT32_MAX)
		so->uid = (uint32_t)v;
	else {
		struct passwd *pw = getpwnam(cfg->socks_owner);

		if (pw == NULL)
			log_warnx("socks-owner %s: no such user; only a SOCKS port held by root is "
			    "used (set socks-owner to the user Tor runs as)", cfg->socks_owner);
		so->uid = pw != NULL ? (uint32_t)pw->pw_uid : 0;
	}
}

/*
 * Gateway: redirected TCP/53 from an internal interface arrives at that interface's own
 * address, so listen on each of them, bound to the interface, on the listen-tcp port.
 */
static size_t
gateway_listeners(const struct daemon *d, struct tcpserve_bind *gw)
{
	uint16_t port = d->cfg.nlisten > 0 ? d->cfg.listen_tcp[0].port : 54;
	size_t n = 0;

	if (!plat_serves_tcp())
		return 0;	/* the rulesets block the clients' TCP/53 (pf/README) */

	for (size_t g = 0; g < d->cfg.ngateway; g++) {
		uint32_t ifindex = addrtab_ifindex(&d->addrs, d->cfg.gateway[g]);
		size_t before = n;

		if (ifindex == 0)
			fatalx("gateway %s: no such interface", d->cfg.gateway[g]);
		for (uint32_t i = 0; i < d->addrs.n && n < TCPSERVE_MAX_GW; i++) {
			const struct addrtab_entry *e = &d->addrs.e[i];

			if (e->ifindex != ifindex)
				continue;
			memset(&gw[n], 0, sizeof(gw[n]));
			gw[n].ep.family = e->family;
			memcpy(gw[n].ep.addr, e->addr, e->family == AF_INET6 ? 16 : 4);
			gw[n].ep.port = port;
			gw[n].ifindex = ifindex;
			snprintf(gw[n].ifname, sizeof(gw[n].ifname), "%s", d->cfg.gateway[g]);
			n++;
		}
		if (n == before)
			log_warnx("gateway %s: no address yet: its clients' TCP DNS is refused until "
			    "dnsfence restarts", d->cfg.gateway[g]);
	}
	return n;
}

void
daemon_open(struct daemon *d, const struct config *cfg)
{
	struct tcpserve_bind gw[TCPSERVE_MAX_GW];
	size_t ngw;
	char err[256];
	uint8_t raw[16];
	int e;
	sigset_t set;

	memset(d, 0, sizeof(*d));
	d->diag.fd = -1;
	d->imsg_fd = -1;
	d->cfg = *cfg;
	if ((d->loop = evl_open()) == -1)
		fatal("event loop");
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGUSR1);
	if (sigprocmask(SIG_BLOCK, &set, NULL) == -1)
		fatal("sigprocmask");
	if ((d->sigfd = evl_signals(&set)) == -1)
		fatal("signal descriptor");
	if (signal(SIGPIPE, SIG_IGN) == SIG_ERR)
		fatal("signal");
	listen_ports_privileged(&d->cfg);
	if (addrtab_init(&d->addrs, d->cfg.max_local_addresses) == -1)
		fatal("address table");
	if (rtnl_open(&d->rtnl, &d->addrs, err, sizeof(err)) == -1)
		fatalx("%s", err);
	if (d->addrs.overflow)
		log_warnx("this host has more than max-local-addresses (%u) addresses: queries "
		    "from the others are dropped as spoofed", d->cfg.max_local_addresses);
	if ((d->cap = capture_open(capture_point(&d->cfg), d->cfg.rcvbuf, d->cfg.queue_maxlen,
	    d->cfg.batch, err, sizeof(err))) == NULL)
		fatalx("%s", err);
	if (inject_open(&d->inj, d->cap, d->cfg.mark, d->cfg.mark_forward, err,
	    sizeof(err)) == -1)
		fatalx("%s%s", err, errno == EPERM ? " (dnsfence must start as root)" : "");
	policy_init(&d->pol, &d->cfg);
	ngw = gateway_listeners(d, gw);
	if (tcpserve_open(&d->ts, &d->cfg, gw, ngw, &d->st, d->loop, &tops, d, err,
	    sizeof(err)) == -1)
		fatalx("%s", err);
	/* The SOCKS password of isolated keys: random, per run. */
	rnd_bytes(&d->rnd, raw, sizeof(raw));
	for (size_t i = 0; i < sizeof(raw); i++)
		snprintf(d->secret + 2 * i, 3, "%02x", raw[i]);
	socks_owner_open(d);
	if (upstream_init(&d->up, &d->cfg, &d->st, d->loop, &ops, d, d->secret, &d->owner) == -1)
		fatal("upstream pool");
	/* one wait list per isolation slot, and one for queries out to Tor's RESOLVE */
	if (pending_init(&d->pend, d->cfg.max_pending, d->up.nslots + 1) == -1)
		fatal("pending table");
	if (resolve_init(&d->res, &d->cfg, &d->st, d->loop, &rops, d, &d->owner) == -1)
		fatal("resolve pool");
	cache_open(d);
	/* race: one due time per pending slot at most */
	d->race_cap = d->pend.cap;
	if ((d->race = calloc(d->race_cap, sizeof(*d->race))) == NULL)
		fatal("race ring");
	watch(d, capture_fd(d->cap), TAG_CAPTURE);
	watch(d, d->sigfd, TAG_SIGNAL);
	watch(d, rtnl_fd(&d->rtnl), TAG_RTNL);
	if (auditw_open(&d->aw, d->cfg.audit_log[0] != '\0', (uint16_t)d->cfg.nflog_group, err,
	    sizeof(err)) == -1)
		fatalx("%s", err);
	if (d->aw.on) {
		watch(d, d->aw.nflog_fd, TAG_NFLOG);
		if (d->diag.fd == -1)
			log_warnx("audit: no sock_diag: events are logged with their uid only");
		else if ((e = sockdiag_udp_supported(&d->diag, IPPROTO_UDP)) != 0)
			log_warnx("audit: the kernel cannot list UDP sockets (%s; is udp_diag "
			    "available? modprobe udp_diag): events are logged with their uid only",
			    strerror(e));
	}
}

int
daemon_run(struct daemon *d)
{
	struct evl_event evs[MAX_EVENTS];
	char sk[64];

	log_info("ready: queue %u, mark 0x%x, socks %s, %zu resolver(s)",
	    d->cfg.queue, d->cfg.mark, config_endpoint_str(&d->cfg.socks, sk, sizeof(sk)),
	    d->cfg.nresolvers);
	if (d->imsg_fd != -1) {
		uint8_t m[IMSG_HDRLEN];

		(void)send(d->imsg_fd, m, imsg_pack(m, sizeof(m), IMSG_READY, NULL, 0),
		    MSG_DONTWAIT | MSG_NOSIGNAL);
	}
	while (!d->quit) {
		uint64_t now = daemon_now_ms(), next = timers(d, now);
		int timeout, n;

		inject_replies(d, now);
		upstream_flush(&d->up, now);
		auditw_flush(&d->aw, &d->diag);	/* after the writes: they never wait for it */

		if (next == UINT64_MAX)
			timeout = -1;
		else if (next <= now)
			timeout = 0;
		else
			timeout = next - now > INT_MAX ? INT_MAX : (int)(next - now);
		if ((n = evl_wait(d->loop, evs, MAX_EVENTS, timeout)) == -1) {
			if (errno == EINTR)
				continue;
			fatal("waiting for events");
		}
		now = daemon_now_ms();
		for (int i = 0; i < n; i++) {
			uint64_t tag = evs[i].tag & ~0xffffffffull;
			uint32_t idx = (uint32_t)evs[i].tag;

			if (evs[i].tag == TAG_CAPTURE) {
				if (capture_read(d->cap, on_packet, d, &d->overruns) == -1) {
					d->st.capture_errors++;
					if (rl_ok(&d->rl_capture, now))
						log_warn("reading NFQUEUE %u", d->cfg.queue);
				}
			} else if (evs[i].tag == TAG_SIGNAL)
				on_signal(d);
			else if (evs[i].tag == TAG_IMSG)
				on_imsg(d);
			else if (evs[i].tag == TAG_NFLOG)
				(void)auditw_nflog_read(&d->aw, &d->diag, auditw_realtime_ms());
			else if (evs[i].tag == TAG_RTNL) {
				if (rtnl_read(&d->rtnl, &d->addrs) == -1 && rl_ok(&d->rl_capture, now))
					log_warn("reading address changes");
			}
			else if (tag == UPSTREAM_EV_TAG)
				upstream_event(&d->up, (int32_t)idx, evs[i].what, now);
			else if (tag == TCPSERVE_LISTEN_TAG)
				tcpserve_accept(&d->ts, idx, now);
			else if (tag == TCPSERVE_CLIENT_TAG)
				tcpserve_event(&d->ts, (int32_t)idx, evs[i].what, now);
			else if (tag == RESOLVE_EV_TAG)
				resolve_event(&d->res, idx, evs[i].what, now);
		}
	}
	return 0;
}

void
daemon_close(struct daemon *d)
{
	struct pending *p;
	uint64_t now = daemon_now_ms();

	/* Whatever is still pending hears SERVFAIL now rather than a timeout. */
	while ((p = pending_oldest(&d->pend)) != NULL)
		fail_query(d, p, now);
	inject_replies(d, now);
	auditw_flush(&d->aw, &d->diag);	/* their records, and the last turn's */
	daemon_forget(d);	/* the queue closes: from here the kernel drops (fail closed) */
}

void
daemon_forget(struct daemon *d)
{
	capture_close(d->cap);
	d->cap = NULL;
	tcpserve_close(&d->ts);
	resolve_destroy(&d->res);
	upstream_destroy(&d->up);
	pending_destroy(&d->pend);
	inject_close(&d->inj);
	rtnl_close(&d->rtnl);
	addrtab_destroy(&d->addrs);
	sockdiag_close(&d->diag);
	auditw_close(&d->aw);
	if (d->cache_on)
		cache_destroy(&d->cache);
	d->cache_on = 0;
	free(d->race);
	d->race = NULL;
	close(d->sigfd);
	close(d->loop);
}
