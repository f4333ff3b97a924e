/* test_pending.c: the in-flight table: lists, ID binding per connection, bounds. */
#define T_SUITE "pending"
#include <stdint.h>
#include <stdlib.h>

#include "t.h"
#include "pending.h"

static struct dns_query q0;
static struct pending_client c0;
static const uint8_t MSG[] = { 0x12, 0x34, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1, 'a', 0, 0, 1, 0, 1 };

static struct pending *
add(struct pending_table *t, uint16_t client_id)
{
	struct dns_query q = q0;

	q.id = client_id;
	return pending_add(t, MSG, sizeof(MSG), &q, &c0, 0, 1000 + client_id, 7);
}

/* Entries reachable with pending_next from NULL; -1 if the walk is longer than used. */
static long
count_all(const struct pending_table *t)
{
	long n = 0;

	for (struct pending *p = pending_next(t, NULL); p != NULL; p = pending_next(t, p))
		if (++n > (long)t->used + 1)
			return -1;
	return n;
}

static void
add_remove(void)
{
	struct pending_table t;
	struct pending *p;
	struct dns_query q = q0;
	struct pending_client c = c0;

	CHECK(pending_init(&t, 16, 1) == 0);
	q.id = 0x1234;
	q.q.qtype = 28;
	c.port = 5555;
	c.family = 10;
	p = pending_add(&t, MSG, sizeof(MSG), &q, &c, 0, 4000, 99);
	if (p == NULL) {
		pending_destroy(&t);
		CHECK(0);
	}
	CHECK(p->state == PENDING_WAITING && p->conn == -1);
	CHECK(p->query.id == 0x1234 && p->query.q.qtype == 28);
	CHECK(p->client.port == 5555 && p->client.family == 10);
	CHECK(p->deadline_ms == 4000 && p->start_us == 99 && p->retries == 0);
	CHECK(p->msglen == sizeof(MSG) && memcmp(p->msg, MSG, sizeof(MSG)) == 0);
	CHECK(t.used == 1 && t.nwaiting == 1);
	CHECK(pending_oldest(&t) == p && pending_first_waiting(&t, 0) == p);
	pending_remove(&t, p);
	CHECK(t.used == 0 && t.nwaiting == 0);
	CHECK(pending_oldest(&t) == NULL && pending_first_waiting(&t, 0) == NULL);
	CHECK(pending_next(&t, NULL) == NULL);
	/* removing a free entry again changes nothing */
	pending_remove(&t, p);
	CHECK(t.used == 0 && t.nwaiting == 0 && pending_oldest(&t) == NULL);
	pending_destroy(&t);
}

static void
table_full(void)
{
	struct pending_table t;
	struct pending *p[8], *x;
	int ok = 1;

	CHECK(pending_init(&t, 8, 1) == 0);
	for (int i = 0; i < 8; i++)
		if ((p[i] = add(&t, (uint16_t)i)) == NULL)
			ok = 0;
	x = add(&t, 99);
	ok = ok && x == NULL && t.used == 8;
	pending_remove(&t, p[3]);
	p[3] = add(&t, 100);
	ok = ok && p[3] != NULL && add(&t, 101) == NULL;
	/* a lower limit than the slots allocated */
	t.limit = 5;
	ok = ok && add(&t, 102) == NULL;
	for (int i = 0; i < 4; i++)
		pending_remove(&t, p[i]);
	ok = ok && t.used == 4 && add(&t, 103) != NULL && add(&t, 104) == NULL;
	pending_destroy(&t);
	CHECK(ok);
}

static void
too_long_message(void)
{
	struct pending_table t;
	static uint8_t big[DNS_MAXMSG + 1];
	struct pending *p, *p2;

	CHECK(pending_init(&t, 4, 1) == 0);
	p = pending_add(&t, big, DNS_MAXMSG + 1, &q0, &c0, 0, 0, 0);
	p2 = pending_add(&t, big, DNS_MAXMSG, &q0, &c0, 0, 0, 0);
	pending_destroy(&t);
	CHECK(p == NULL);
	CHECK(p2 != NULL);
}

/* The same random start for everyone still gives distinct IDs, wrapping past 0xffff. */
static void
bind_unique_ids(void)
{
	struct pending_table t;
	struct pending *p[300];
	uint8_t seen[65536 / 8];
	int ok = 1;

	CHECK(pending_init(&t, 300, 1) == 0);
	memset(seen, 0, sizeof(seen));
	for (int i = 0; i < 300; i++) {
		p[i] = add(&t, (uint16_t)i);
		if (p[i] == NULL || pending_bind(&t, p[i], i < 200 ? 1 : 2, 0xff80) != 0) {
			ok = 0;
			break;
		}
	}
	for (int i = 0; ok && i < 200; i++) {
		uint16_t id = p[i]->up_id;

		if (seen[id / 8] & (1 << (id % 8)))
			ok = 0;			/* duplicate on connection 1 */
		seen[id / 8] |= (uint8_t)(1 << (id % 8));
		if (p[i]->state != PENDING_SENT || p[i]->conn != 1)
			ok = 0;
		if (pending_lookup(&t, 1, id) != p[i])
			ok = 0;
	}
	/* first free from rnd on: 0xff80, 0xff81, ... 0xffff, 0, 1, ... */
	ok = ok && p[0]->up_id == 0xff80 && p[127]->up_id == 0xffff && p[128]->up_id == 0;
	/* connection 2 reuses the same IDs: they are per connection */
	ok = ok && p[200]->up_id == 0xff80 && pending_lookup(&t, 2, 0xff80) == p[200];
	ok = ok && pending_lookup(&t, 1, 0xff80) == p[0];
	ok = ok && t.nwaiting == 0;
	pending_destroy(&t);
	CHECK(ok);
}

static void
lookup_other_conn(void)
{
	struct pending_table t;
	struct pending *a, *b;
	int ok;

	CHECK(pending_init(&t, 4, 1) == 0);
	a = add(&t, 1);
	b = add(&t, 2);
	ok = a && b && pending_bind(&t, a, 7, 0x4242) == 0 && pending_bind(&t, b, 8, 0x4243) == 0;
	ok = ok && pending_lookup(&t, 7, 0x4242) == a && pending_lookup(&t, 8, 0x4243) == b;
	ok = ok && pending_lookup(&t, 8, 0x4242) == NULL && pending_lookup(&t, 7, 0x4243) == NULL;
	ok = ok && pending_lookup(&t, -1, 0x4242) == NULL && pending_lookup(&t, 7, 0) == NULL;
	/* a second bind of a SENT entry is refused */
	ok = ok && pending_bind(&t, a, 9, 1) == -1 && a->conn == 7;
	pending_destroy(&t);
	CHECK(ok);
}

/* All 65536 IDs of one connection in use: the next bind fails, another connection works. */
static void
bind_exhausted(void)
{
	struct pending_table t;
	struct pending *p, *x, *y;
	int ok = 1;

	CHECK(pending_init(&t, 65538, 1) == 0);
	for (uint32_t i = 0; i < 65536 && ok; i++) {
		p = add(&t, 0);
		ok = p != NULL && pending_bind(&t, p, 3, (uint16_t)i) == 0 && p->up_id == i;
	}
	x = add(&t, 0);
	y = add(&t, 0);
	ok = ok && x && y && pending_bind(&t, x, 3, 0x1234) == -1;
	ok = ok && x->state == PENDING_WAITING && pending_first_waiting(&t, 0) == x;
	ok = ok && pending_bind(&t, y, 4, 0x1234) == 0;
	/* free one ID and the bind finds exactly it */
	if (ok) {
		pending_remove(&t, pending_lookup(&t, 3, 0x0100));
		ok = pending_bind(&t, x, 3, 0x0101) == 0 && x->up_id == 0x0100;
	}
	pending_destroy(&t);
	CHECK(ok);
}

static void
unbind_to_head(void)
{
	struct pending_table t;
	struct pending *a, *b, *c;
	uint16_t id;
	int ok;

	CHECK(pending_init(&t, 8, 1) == 0);
	a = add(&t, 1);
	b = add(&t, 2);
	c = add(&t, 3);
	ok = a && b && c && pending_first_waiting(&t, 0) == a && t.nwaiting == 3;
	ok = ok && pending_bind(&t, b, 5, 77) == 0 && t.nwaiting == 2;
	ok = ok && pending_first_waiting(&t, 0) == a;
	ok = ok && pending_bind(&t, a, 5, 77) == 0 && pending_first_waiting(&t, 0) == c;
	id = b->up_id;
	pending_unbind(&t, b);
	/* b waits before c again: it is older */
	ok = ok && b->state == PENDING_WAITING && b->conn == -1 && t.nwaiting == 2;
	ok = ok && pending_first_waiting(&t, 0) == b && b->wnext == (uint32_t)(c - t.e);
	ok = ok && pending_lookup(&t, 5, id) == NULL && pending_lookup(&t, 5, a->up_id) == a;
	/* unbinding a WAITING entry changes nothing */
	pending_unbind(&t, c);
	ok = ok && t.nwaiting == 2 && pending_first_waiting(&t, 0) == b;
	/* deadline order is untouched by binding */
	ok = ok && pending_oldest(&t) == a;
	/* and b can be bound again, also to the ID it had */
	ok = ok && pending_bind(&t, b, 5, id) == 0 && b->up_id == id;
	pending_destroy(&t);
	CHECK(ok);
}

static void
gave_up(void *arg, struct pending *p)
{
	struct pending_table *t = arg;

	pending_remove(t, p);
}

/*
 * A lost connection: what was in flight on it waits again oldest first, ahead of what came
 * later, with one more re-send each; entries out of re-sends are given up; entries on
 * other connections are untouched.
 */
static void
requeue_lost_conn(void)
{
	struct pending_table t;
	struct pending *e[6];
	int ok = 1;

	CHECK(pending_init(&t, 16, 1) == 0);
	for (int i = 0; i < 6; i++)
		ok = ok && (e[i] = add(&t, (uint16_t)(i + 1))) != NULL;
	CHECK(ok);
	/* e0, e1, e2, e4 sent on conn 7 in that order; e3 on conn 8; e5 still waits */
	ok = pending_bind(&t, e[0], 7, 1) == 0 && pending_bind(&t, e[1], 7, 1) == 0 &&
	    pending_bind(&t, e[2], 7, 1) == 0 && pending_bind(&t, e[3], 8, 1) == 0 &&
	    pending_bind(&t, e[4], 7, 1) == 0;
	e[2]->retries = 2;	/* used up with max_retries 2 */
	ok = ok && pending_requeue_conn(&t, 7, 2, 1, gave_up, &t) == 3;
	/* e2 gone; e0 e1 e4 at the head in their order, then e5; e3 untouched */
	ok = ok && t.used == 5 && t.nwaiting == 4;
	ok = ok && pending_first_waiting(&t, 0) == e[0] && e[0]->wnext == (uint32_t)(e[1] - t.e) &&
	    e[1]->wnext == (uint32_t)(e[4] - t.e) && e[4]->wnext == (uint32_t)(e[5] - t.e);
	ok = ok && e[0]->retries == 1 && e[1]->retries == 1 && e[4]->retries == 1;
	ok = ok && e[3]->state == PENDING_SENT && e[3]->conn == 8 && e[3]->retries == 0;
	ok = ok && pending_lookup(&t, 7, e[0]->up_id) == NULL;
	/* nothing on a connection: nothing happens */
	ok = ok && pending_requeue_conn(&t, 9, 2, 1, gave_up, &t) == 0 && t.nwaiting == 4;
	/* a reload's close uses no retry and gives nothing up, whatever was used before */
	ok = ok && pending_bind(&t, e[0], 8, 1) == 0 && (e[0]->retries = 2) == 2 &&
	    pending_requeue_conn(&t, 8, 2, 0, gave_up, &t) == 2 && e[0]->retries == 2 &&
	    e[3]->retries == 0 && t.used == 5 && pending_first_waiting(&t, 0) == e[0] &&
	    e[0]->wnext == (uint32_t)(e[3] - t.e);
	pending_destroy(&t);
	CHECK(ok);
}

/*
 * Tor RESOLVE entries are bound above PENDING_MAX_CONNS: a lost upstream connection with the
 * same low bits never takes them, and a lookup by the upstream id never finds them.
 */
static void
requeue_spares_resolves(void)
{
	struct pending_table t;
	struct pending *up, *res;
	int ok;

	CHECK(pending_init(&t, 8, 2) == 0);
	up = add(&t, 1);
	res = add(&t, 2);
	ok = up != NULL && res != NULL && pending_bind(&t, up, 3, 77) == 0 &&
	    pending_bind(&t, res, PENDING_MAX_CONNS + 3, 77) == 0;
	ok = ok && pending_lookup(&t, 3, 77) == up &&
	    pending_lookup(&t, PENDING_MAX_CONNS + 3, 77) == res;
	ok = ok && pending_requeue_conn(&t, 3, 2, 1, gave_up, &t) == 1;
	ok = ok && up->state == PENDING_WAITING && res->state == PENDING_SENT;
	ok = ok && pending_requeue_conn(&t, PENDING_MAX_CONNS + 3, 2, 1, gave_up, &t) == 0;
	pending_remove(&t, res);
	ok = ok && pending_lookup(&t, PENDING_MAX_CONNS + 3, 77) == NULL;
	pending_destroy(&t);
	CHECK(ok);
}

/*
 * A longer deadline (connection set-up counted apart) walks back into place: the deadline
 * list stays sorted, the wait list keeps arrival order.
 */
static void
deadline_list_sorted(void)
{
	struct pending_table t;
	struct pending *a, *b, *c, *d;
	int ok;

	CHECK(pending_init(&t, 8, 1) == 0);
	a = pending_add(&t, MSG, sizeof(MSG), &q0, &c0, 0, 1000, 0);
	b = pending_add(&t, MSG, sizeof(MSG), &q0, &c0, 0, 9000, 0);	/* set-up counted apart */
	c = pending_add(&t, MSG, sizeof(MSG), &q0, &c0, 0, 1500, 0);
	d = pending_add(&t, MSG, sizeof(MSG), &q0, &c0, 0, 500, 0);	/* earliest of all */
	ok = a && b && c && d;
	ok = ok && pending_oldest(&t) == d && pending_next(&t, d) == a && pending_next(&t, a) == c &&
	    pending_next(&t, c) == b && pending_next(&t, b) == NULL && t.tail == (uint32_t)(b - t.e);
	ok = ok && pending_first_waiting(&t, 0) == a && a->wnext == (uint32_t)(b - t.e) &&
	    b->wnext == (uint32_t)(c - t.e) && c->wnext == (uint32_t)(d - t.e);
	/* removal from the middle keeps it sorted */
	pending_remove(&t, c);
	ok = ok && pending_next(&t, a) == b && b->prev == (uint32_t)(a - t.e);
	ok = ok && count_all(&t) == 3;
	pending_destroy(&t);
	CHECK(ok);
}

static void
oldest_is_insertion_order(void)
{
	struct pending_table t;
	struct pending *p[5];
	int ok = 1;

	CHECK(pending_init(&t, 5, 1) == 0);
	for (int i = 0; i < 5; i++)
		ok = ok && (p[i] = add(&t, (uint16_t)i)) != NULL;
	ok = ok && pending_oldest(&t) == p[0];
	if (ok) {
		pending_remove(&t, p[0]);
		ok = pending_oldest(&t) == p[1];
		pending_remove(&t, p[2]);
		ok = ok && pending_oldest(&t) == p[1];
		pending_remove(&t, p[1]);
		ok = ok && pending_oldest(&t) == p[3];
		/* a new entry goes to the end, even in a recycled slot */
		p[0] = add(&t, 9);
		ok = ok && p[0] != NULL && pending_oldest(&t) == p[3];
		ok = ok && pending_next(&t, p[4]) == p[0] && pending_next(&t, p[0]) == NULL;
	}
	pending_destroy(&t);
	CHECK(ok);
}

static void
iterate_all(void)
{
	struct pending_table t;
	struct pending *p[20];
	int ok = 1, i = 0;

	CHECK(pending_init(&t, 20, 1) == 0);
	for (int k = 0; k < 20; k++)
		ok = ok && (p[k] = add(&t, (uint16_t)k)) != NULL;
	for (int k = 0; ok && k < 20; k += 3)
		ok = pending_bind(&t, p[k], k % 2, (uint16_t)k) == 0;
	/* SENT and WAITING alike, each once, oldest first */
	for (struct pending *e = pending_next(&t, NULL); ok && e != NULL; e = pending_next(&t, e))
		ok = i < 20 && e == p[i++];
	ok = ok && i == 20 && count_all(&t) == 20;
	pending_destroy(&t);
	CHECK(ok);
}

static void
remove_while_iterating(void)
{
	struct pending_table t;
	struct pending *e, *next;
	int ok = 1, k = 0;

	CHECK(pending_init(&t, 30, 1) == 0);
	for (int i = 0; i < 30; i++) {
		e = add(&t, (uint16_t)i);
		ok = ok && e != NULL;
		if (ok && i % 3 == 0)
			ok = pending_bind(&t, e, 1, (uint16_t)i) == 0;
	}
	/* remove every other one: take next first */
	for (e = pending_next(&t, NULL); ok && e != NULL; e = next, k++) {
		next = pending_next(&t, e);
		if (k % 2 == 0)
			pending_remove(&t, e);
	}
	ok = ok && t.used == 15 && count_all(&t) == 15;
	for (e = pending_next(&t, NULL); ok && e != NULL; e = pending_next(&t, e))
		ok = e->query.id % 2 == 1;
	/* the hash chains survive: the odd SENT ones are still found */
	for (uint16_t id = 0; ok && id < 30; id += 3)
		ok = (pending_lookup(&t, 1, id) != NULL) == (id % 2 == 1);
	/* then all of them */
	for (e = pending_next(&t, NULL); ok && e != NULL; e = next) {
		next = pending_next(&t, e);
		pending_remove(&t, e);
	}
	ok = ok && t.used == 0 && t.nwaiting == 0 && count_all(&t) == 0;
	ok = ok && pending_oldest(&t) == NULL && pending_first_waiting(&t, 0) == NULL;
	pending_destroy(&t);
	CHECK(ok);
}

/* Many SENT entries share buckets: removing some leaves the rest reachable. */
static void
hash_chains(void)
{
	struct pending_table t;
	struct pending *p[64];
	int ok = 1;

	CHECK(pending_init(&t, 64, 1) == 0);
	for (int i = 0; i < 64; i++) {
		p[i] = add(&t, (uint16_t)i);
		ok = ok && p[i] != NULL && pending_bind(&t, p[i], i % 3, (uint16_t)(i * 1024)) == 0;
	}
	for (int i = 0; ok && i < 64; i += 5)
		pending_remove(&t, p[i]);
	for (int i = 0; ok && i < 64; i++)
		ok = pending_lookup(&t, i % 3, (uint16_t)(i * 1024)) == (i % 5 ? p[i] : NULL);
	for (int i = 1; ok && i < 64; i += 5) {
		pending_unbind(&t, p[i]);
		ok = pending_lookup(&t, i % 3, (uint16_t)(i * 1024)) == NULL;
	}
	for (int i = 0; ok && i < 64; i++)
		if (i % 5 > 1)
			ok = pending_lookup(&t, i % 3, (uint16_t)(i * 1024)) == p[i];
	pending_destroy(&t);
	CHECK(ok);
}

static void
msg_is_a_copy(void)
{
	struct pending_table t;
	struct pending *p;
	uint8_t buf[sizeof(MSG)];
	int ok;

	CHECK(pending_init(&t, 2, 1) == 0);
	memcpy(buf, MSG, sizeof(buf));
	p = pending_add(&t, buf, sizeof(buf), &q0, &c0, 0, 0, 0);
	memset(buf, 0xee, sizeof(buf));
	ok = p != NULL && p->msg != buf && p->msglen == sizeof(MSG) &&
	    memcmp(p->msg, MSG, sizeof(MSG)) == 0;
	/* a recycled slot gets a fresh copy of the new message */
	if (ok) {
		pending_remove(&t, p);
		p = pending_add(&t, buf, 5, &q0, &c0, 0, 0, 0);
		ok = p != NULL && p->msglen == 5 && memcmp(p->msg, buf, 5) == 0;
	}
	pending_destroy(&t);
	CHECK(ok);
}

/* 100k add/bind/remove cycles: nothing leaks (LeakSanitizer checks at exit), counts hold. */
static void
churn(void)
{
	struct pending_table t;
	struct pending *live[16] = { 0 };
	uint32_t x = 1;
	int ok = 1;

	CHECK(pending_init(&t, 16, 1) == 0);
	for (int i = 0; i < 100000 && ok; i++) {
		unsigned k;

		x = x * 1664525u + 1013904223u;
		k = (x >> 8) % 16;
		if (live[k] == NULL) {
			live[k] = pending_add(&t, MSG, 1 + (x >> 20) % sizeof(MSG), &q0, &c0, 0, i, i);
			ok = live[k] != NULL;
			if (ok && (x & 1))
				ok = pending_bind(&t, live[k], (int32_t)(x >> 28), (uint16_t)(x >> 12)) == 0;
		} else if ((x >> 4) % 5 == 0 && live[k]->state == PENDING_SENT) {
			pending_unbind(&t, live[k]);
		} else {
			pending_remove(&t, live[k]);
			live[k] = NULL;
		}
	}
	if (ok) {
		uint32_t n = 0, w = 0;

		for (int k = 0; k < 16; k++) {
			n += live[k] != NULL;
			w += live[k] != NULL && live[k]->state == PENDING_WAITING;
		}
		ok = t.used == n && t.nwaiting == w && count_all(&t) == (long)n;
	}
	pending_destroy(&t);
	CHECK(ok);
}

static void
tiny_tables(void)
{
	struct pending_table t;
	struct pending *p, *x;

	if (pending_init(&t, 0, 1) == 0) {
		x = add(&t, 1);
		pending_destroy(&t);
	} else {
		x = NULL;
	}
	CHECK(x == NULL);
	CHECK(pending_init(&t, 1, 1) == 0);
	p = add(&t, 1);
	x = add(&t, 2);
	pending_destroy(&t);
	CHECK(p != NULL && x == NULL);
}

/* Wait lists are per isolation slot: each keeps its own order and count. */
static void
wait_lists(void)
{
	struct pending_table t;
	struct pending *a, *b, *c, *d;
	int ok;

	CHECK(pending_init(&t, 8, 3) == 0);
	CHECK(pending_init(&(struct pending_table){ 0 }, 8, 0) == -1);
	a = pending_add(&t, MSG, sizeof(MSG), &q0, &c0, 1, 10, 0);
	b = pending_add(&t, MSG, sizeof(MSG), &q0, &c0, 2, 11, 0);
	c = pending_add(&t, MSG, sizeof(MSG), &q0, &c0, 1, 12, 0);
	d = pending_add(&t, MSG, sizeof(MSG), &q0, &c0, 3, 13, 0);	/* no list 3 */
	ok = a && b && c && d == NULL && t.nwaiting == 3;
	ok = ok && t.waits[0].n == 0 && t.waits[1].n == 2 && t.waits[2].n == 1;
	ok = ok && pending_first_waiting(&t, 0) == NULL && pending_first_waiting(&t, 1) == a &&
	    pending_first_waiting(&t, 2) == b && pending_first_waiting(&t, 7) == NULL;
	ok = ok && pending_bind(&t, a, 4, 1) == 0 && pending_first_waiting(&t, 1) == c &&
	    t.waits[1].n == 1;
	pending_unbind(&t, a);		/* back to the head of its own list */
	ok = ok && pending_first_waiting(&t, 1) == a && a->wnext == (uint32_t)(c - t.e) &&
	    t.waits[1].n == 2 && t.waits[2].n == 1;
	pending_remove(&t, b);
	ok = ok && pending_first_waiting(&t, 2) == NULL && t.waits[2].n == 0 && t.nwaiting == 2;
	pending_destroy(&t);
	CHECK(ok);
}

int
main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);	/* TAP lines survive a sanitizer abort */
	q0.q.namelen = 1;
	q0.q.qtype = 1;
	q0.q.qclass = 1;
	q0.udp_limit = 512;
	c0.family = 2;
	RUN(add_remove);
	RUN(table_full);
	RUN(too_long_message);
	RUN(bind_unique_ids);
	RUN(lookup_other_conn);
	RUN(bind_exhausted);
	RUN(unbind_to_head);
	RUN(requeue_lost_conn);
	RUN(requeue_spares_resolves);
	RUN(deadline_list_sorted);
	RUN(oldest_is_insertion_order);
	RUN(iterate_all);
	RUN(remove_while_iterating);
	RUN(hash_chains);
	RUN(msg_is_a_copy);
	RUN(churn);
	RUN(tiny_tables);
	RUN(wait_lists);
	return T_DONE();
}
