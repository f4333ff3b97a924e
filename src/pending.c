/* pending.c: in-flight queries, indexed by deadline, wait order and (connection, ID). */
#include <stdlib.h>
#include <string.h>

#include "pending.h"

static uint32_t
idx(const struct pending_table *t, const struct pending *p)
{
	return (uint32_t)(p - t->e);
}

static uint32_t
hash(const struct pending_table *t, int32_t conn, uint16_t id)
{
	uint32_t h = (uint32_t)conn * 0x9e3779b1u ^ id * 0x85ebca6bu;

	return (h ^ h >> 15) & t->mask;
}

int
pending_init(struct pending_table *t, uint32_t cap, uint32_t nlists)
{
	uint32_t nb = 1;

	memset(t, 0, sizeof(*t));
	if (nlists == 0 || nlists > UINT16_MAX + 1u)
		return -1;
	while (nb < cap * 2)
		nb <<= 1;
	t->e = calloc(cap, sizeof(*t->e));
	t->buckets = malloc(nb * sizeof(*t->buckets));
	t->waits = calloc(nlists, sizeof(*t->waits));
	t->conns = malloc(PENDING_MAX_CONNS * sizeof(*t->conns));
	if (t->e == NULL || t->buckets == NULL || t->waits == NULL || t->conns == NULL) {
		free(t->e);
		free(t->buckets);
		free(t->waits);
		free(t->conns);
		return -1;
	}
	t->cap = t->limit = cap;
	t->mask = nb - 1;
	t->nlists = nlists;
	for (uint32_t i = 0; i < nb; i++)
		t->buckets[i] = PENDING_NONE;
	for (uint32_t i = 0; i < cap; i++)
		t->e[i].next = i + 1 < cap ? i + 1 : PENDING_NONE;
	for (uint32_t i = 0; i < nlists; i++)
		t->waits[i].head = t->waits[i].tail = PENDING_NONE;
	for (uint32_t i = 0; i < PENDING_MAX_CONNS; i++)
		t->conns[i].head = t->conns[i].tail = PENDING_NONE;
	t->free_head = 0;
	t->head = t->tail = PENDING_NONE;
	return 0;
}

void
pending_destroy(struct pending_table *t)
{
	for (uint32_t i = 0; i < t->cap; i++)
		free(t->e[i].msg);
	free(t->e);
	free(t->buckets);
	free(t->waits);
	free(t->conns);
	memset(t, 0, sizeof(*t));
}

static void
wait_push(struct pending_table *t, struct pending *p, int at_head)
{
	struct pending_wait *w = &t->waits[p->list];
	uint32_t i = idx(t, p);

	if (at_head) {
		p->wprev = PENDING_NONE;
		p->wnext = w->head;
		if (w->head != PENDING_NONE)
			t->e[w->head].wprev = i;
		else
			w->tail = i;
		w->head = i;
	} else {
		p->wnext = PENDING_NONE;
		p->wprev = w->tail;
		if (w->tail != PENDING_NONE)
			t->e[w->tail].wnext = i;
		else
			w->head = i;
		w->tail = i;
	}
	p->state = PENDING_WAITING;
	w->n++;
	t->nwaiting++;
}

static void
wait_unlink(struct pending_table *t, struct pending *p)
{
	struct pending_wait *w = &t->waits[p->list];

	if (p->wprev != PENDING_NONE)
		t->e[p->wprev].wnext = p->wnext;
	else
		w->head = p->wnext;
	if (p->wnext != PENDING_NONE)
		t->e[p->wnext].wprev = p->wprev;
	else
		w->tail = p->wprev;
	w->n--;
	t->nwaiting--;
}

/* Out of the (conn, up_id) hash and out of its connection's list. */
static void
hash_unlink(struct pending_table *t, struct pending *p)
{
	uint32_t *pp = &t->buckets[hash(t, p->conn, p->up_id)], i = idx(t, p);

	while (*pp != PENDING_NONE) {
		if (*pp == i) {
			*pp = p->hnext;
			break;
		}
		pp = &t->e[*pp].hnext;
	}
	if (p->conn >= 0 && p->conn < PENDING_MAX_CONNS) {
		struct pending_conn *c = &t->conns[p->conn];

		if (p->cprev != PENDING_NONE)
			t->e[p->cprev].cnext = p->cnext;
		else
			c->head = p->cnext;
		if (p->cnext != PENDING_NONE)
			t->e[p->cnext].cprev = p->cprev;
		else
			c->tail = p->cprev;
	}
}

struct pending *
pending_add(struct pending_table *t, const uint8_t *msg, size_t len, const struct dns_query *q,
    const struct pending_client *c, uint16_t list, uint64_t deadline_ms, uint64_t start_us)
{
	struct pending *p;
	uint32_t i;

	if (t->used >= t->limit || t->free_head == PENDING_NONE || len > DNS_MAXMSG ||
	    list >= t->nlists)
		return NULL;
	i = t->free_head;
	p = &t->e[i];
	/* a slot keeps its buffer: no allocation per query once queries of this size were seen */
	if (p->msgcap < len) {
		uint32_t cap = len <= PENDING_MSG_MIN ? PENDING_MSG_MIN :
		    ((uint32_t)len + 63u) & ~63u;
		uint8_t *m = malloc(cap);

		if (m == NULL)
			return NULL;
		free(p->msg);
		p->msg = m;
		p->msgcap = cap;
	}
	t->free_head = p->next;
	memcpy(p->msg, msg, len);
	p->msglen = (uint16_t)len;
	p->query = *q;
	p->client = *c;
	p->deadline_ms = deadline_ms;
	p->start_us = start_us;
	p->retries = 0;
	p->gen = ++t->gen;
	p->twin = PENDING_NONE;
	p->raced = 0;
	p->orphan = 0;
	p->list = list;
	p->conn = -1;
	p->up_id = 0;
	p->hnext = PENDING_NONE;
	/*
	 * Deadline list, earliest first: almost always at the tail (deadlines grow with time);
	 * a longer deadline than the entries after it (connection set-up counted apart, a
	 * reload that changed the timeout) walks back past the later ones.
	 */
	{
		uint32_t after = t->tail;

		while (after != PENDING_NONE && t->e[after].deadline_ms > deadline_ms)
			after = t->e[after].prev;
		p->prev = after;
		p->next = after == PENDING_NONE ? t->head : t->e[after].next;
		if (p->next != PENDING_NONE)
			t->e[p->next].prev = i;
		else
			t->tail = i;
		if (after != PENDING_NONE)
			t->e[after].next = i;
		else
			t->head = i;
	}
	wait_push(t, p, 0);
	t->used++;
	return p;
}

void
pending_remove(struct pending_table *t, struct pending *p)
{
	uint32_t i = idx(t, p);

	if (p->state == PENDING_WAITING)
		wait_unlink(t, p);
	else if (p->state == PENDING_SENT)
		hash_unlink(t, p);
	else
		return;
	if (p->twin != PENDING_NONE && p->twin < t->cap)
		t->e[p->twin].twin = PENDING_NONE;	/* the other copy goes on alone */
	p->twin = PENDING_NONE;
	if (p->prev != PENDING_NONE)
		t->e[p->prev].next = p->next;
	else
		t->head = p->next;
	if (p->next != PENDING_NONE)
		t->e[p->next].prev = p->prev;
	else
		t->tail = p->prev;
	p->state = PENDING_FREE;		/* its buffer stays for the next query */
	p->next = t->free_head;
	t->free_head = i;
	t->used--;
}

struct pending *
pending_lookup(const struct pending_table *t, int32_t conn, uint16_t up_id)
{
	uint32_t i = t->buckets[hash(t, conn, up_id)];

	while (i != PENDING_NONE) {
		const struct pending *p = &t->e[i];
		if (p->conn == conn && p->up_id == up_id)
			return &t->e[i];
		i = p->hnext;
	}
	return NULL;
}

int
pending_bind(struct pending_table *t, struct pending *p, int32_t conn, uint16_t rnd)
{
	uint32_t n, b;
	uint16_t id = rnd;

	if (p->state != PENDING_WAITING)
		return -1;
	for (n = 0; n < 65536; n++, id++)
		if (pending_lookup(t, conn, id) == NULL)
			break;
	if (n == 65536)
		return -1;
	wait_unlink(t, p);
	p->state = PENDING_SENT;
	p->conn = conn;
	p->up_id = id;
	b = hash(t, conn, id);
	p->hnext = t->buckets[b];
	t->buckets[b] = idx(t, p);
	if (conn >= 0 && conn < PENDING_MAX_CONNS) {
		/*
		 * Its connection's list, earliest deadline first: almost always at the tail; a query
		 * sent again after a lost connection walks back past the newer ones there.
		 */
		struct pending_conn *c = &t->conns[conn];
		uint32_t after = c->tail;

		while (after != PENDING_NONE && t->e[after].deadline_ms > p->deadline_ms)
			after = t->e[after].cprev;
		p->cprev = after;
		p->cnext = after == PENDING_NONE ? c->head : t->e[after].cnext;
		if (p->cnext != PENDING_NONE)
			t->e[p->cnext].cprev = idx(t, p);
		else
			c->tail = idx(t, p);
		if (after != PENDING_NONE)
			t->e[after].cnext = idx(t, p);
		else
			c->head = idx(t, p);
	}
	return 0;
}

void
pending_unbind(struct pending_table *t, struct pending *p)
{
	if (p->state != PENDING_SENT)
		return;
	hash_unlink(t, p);
	p->conn = -1;
	wait_push(t, p, 1);
}

uint32_t
pending_requeue_conn(struct pending_table *t, int32_t conn, uint32_t max_retries, int count,
    void (*give_up)(void *, struct pending *), void *arg)
{
	uint32_t n = 0, i;

	if (conn < 0 || conn >= PENDING_MAX_CONNS)
		return 0;
	/*
	 * Newest sent first, each to the head of its wait list: they end up there oldest first,
	 * in the order they were sent, ahead of everything that arrived after them.
	 */
	i = t->conns[conn].tail;
	while (i != PENDING_NONE) {
		struct pending *p = &t->e[i];

		i = p->cprev;	/* before give_up or unbind can unlink p */
		if (p->state != PENDING_SENT || p->conn != conn)
			continue;
		if (count && p->retries >= max_retries) {
			give_up(arg, p);
			continue;
		}
		p->retries += count != 0;
		pending_unbind(t, p);
		n++;
	}
	return n;
}

struct pending *
pending_oldest(const struct pending_table *t)
{
	return t->head == PENDING_NONE ? NULL : &t->e[t->head];
}

struct pending *
pending_first_waiting(const struct pending_table *t, uint16_t list)
{
	if (list >= t->nlists || t->waits[list].head == PENDING_NONE)
		return NULL;
	return &t->e[t->waits[list].head];
}

struct pending *
pending_next(const struct pending_table *t, const struct pending *p)
{
	uint32_t i = p == NULL ? t->head : p->next;

	return i == PENDING_NONE ? NULL : &t->e[i];
}
