/* cache.c: answers kept per isolation domain and question, LRU, in a chunked arena. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "wire.h"
#include "cache.h"

#define F_QR		0x8000
#define F_OPCODE	0x7800
#define F_TC		0x0200
#define F_RCODE		0x000f
#define T_SOA		6
#define TTL_MAX		0x7fffffffu	/* a TTL with the top bit set means 0 (RFC 2181 8) */
#define KEY_MAX		(1 + CACHE_ISO_MAX + 1 + 4 + DNS_MAXNAME)
#define STARTS_BYTES	((DNS_MAXMSG + 1) / 8)	/* one bit per message offset */
#define MS		1000u

/* What cache_store learns from an answer before it takes any room (its work space). */
struct cache_scan {
	uint8_t		starts[STARTS_BYTES];	/* offsets where a name or label begins */
	uint16_t	ttl[CACHE_MAX_RRS];	/* offsets of the TTLs to rewrite */
	unsigned	nttl;
	uint32_t	min_ttl;		/* answer and authority records */
	uint32_t	soa_min;		/* lowest SOA MINIMUM in authority */
	int		have_soa;
};

/* Where a cursor is in an entry's chain of chunks. */
struct cur {
	uint32_t	chunk;
	size_t		pos;
};

static uint64_t
add_sat(uint64_t a, uint64_t b)
{
	return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

/* ---- SipHash-1-3, keyed from the configuration: chains clients cannot predict ---- */

#define ROTL(x, b)	(uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))

static void
sip_round(uint64_t v[4])
{
	v[0] += v[1]; v[1] = ROTL(v[1], 13); v[1] ^= v[0]; v[0] = ROTL(v[0], 32);
	v[2] += v[3]; v[3] = ROTL(v[3], 16); v[3] ^= v[2];
	v[0] += v[3]; v[3] = ROTL(v[3], 21); v[3] ^= v[0];
	v[2] += v[1]; v[1] = ROTL(v[1], 17); v[1] ^= v[2]; v[2] = ROTL(v[2], 32);
}

static uint64_t
le64(const uint8_t *p, size_t n)
{
	uint64_t v = 0;

	for (size_t i = 0; i < n; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

static uint64_t
siphash13(const uint8_t key[16], const uint8_t *p, size_t len)
{
	uint64_t k0 = le64(key, 8), k1 = le64(key + 8, 8), m;
	uint64_t v[4] = { k0 ^ 0x736f6d6570736575ull, k1 ^ 0x646f72616e646f6dull,
	    k0 ^ 0x6c7967656e657261ull, k1 ^ 0x7465646279746573ull };
	size_t i;

	for (i = 0; i + 8 <= len; i += 8) {
		m = le64(p + i, 8);
		v[3] ^= m;
		sip_round(v);
		v[0] ^= m;
	}
	m = le64(p + i, len - i) | (uint64_t)len << 56;
	v[3] ^= m;
	sip_round(v);
	v[0] ^= m;
	v[2] ^= 0xff;
	for (int r = 0; r < 3; r++)
		sip_round(v);
	return v[0] ^ v[1] ^ v[2] ^ v[3];
}

/* ---- the arena: an entry's bytes in a chain of chunks ---- */

static uint8_t *
chunk_at(const struct cache *c, const struct cur *k)
{
	return c->arena + (size_t)k->chunk * CACHE_CHUNK + k->pos;
}

/* How much of n the cursor's chunk holds; moves to the next chunk when it is used up. */
static size_t
cur_span(const struct cache *c, struct cur *k, size_t n)
{
	size_t room;

	if (k->pos == CACHE_CHUNK) {
		k->chunk = c->chunk_next[k->chunk];
		k->pos = 0;
	}
	room = CACHE_CHUNK - k->pos;
	return n < room ? n : room;
}

static void
cur_write(struct cache *c, struct cur *k, const uint8_t *p, size_t n)
{
	while (n > 0) {
		size_t m = cur_span(c, k, n);

		memcpy(chunk_at(c, k), p, m);
		k->pos += m;
		p += m;
		n -= m;
	}
}

static void
cur_read(const struct cache *c, struct cur *k, uint8_t *p, size_t n)
{
	while (n > 0) {
		size_t m = cur_span(c, k, n);

		memcpy(p, chunk_at(c, k), m);
		k->pos += m;
		p += m;
		n -= m;
	}
}

static int
cur_equal(const struct cache *c, struct cur *k, const uint8_t *p, size_t n)
{
	while (n > 0) {
		size_t m = cur_span(c, k, n);

		if (memcmp(chunk_at(c, k), p, m) != 0)
			return 0;
		k->pos += m;
		p += m;
		n -= m;
	}
	return 1;
}

/* n chunks off the free list, linked; the caller checked there are that many. */
static uint32_t
chunks_take(struct cache *c, uint32_t n)
{
	uint32_t first = c->free_chunk, last = first;

	for (uint32_t i = 1; i < n; i++)
		last = c->chunk_next[last];
	c->free_chunk = c->chunk_next[last];
	c->chunk_next[last] = CACHE_NONE;
	c->nfree_chunks -= n;
	return first;
}

static void
chunks_give(struct cache *c, uint32_t first, uint32_t n)
{
	uint32_t last = first;

	for (uint32_t i = 1; i < n; i++)
		last = c->chunk_next[last];
	c->chunk_next[last] = c->free_chunk;
	c->free_chunk = first;
	c->nfree_chunks += n;
}

/* ---- the table ---- */

static void
table_reset(struct cache *c)
{
	uint32_t n = c->cfg.max_entries;

	for (uint32_t i = 0; i <= c->mask; i++)
		c->buckets[i] = CACHE_NONE;
	for (uint32_t i = 0; i < n; i++) {
		memset(&c->e[i], 0, sizeof(c->e[i]));
		c->e[i].hnext = i + 1 < n ? i + 1 : CACHE_NONE;
	}
	c->free_entry = n > 0 ? 0 : CACHE_NONE;
	for (uint32_t i = 0; i < c->nchunks; i++)
		c->chunk_next[i] = i + 1 < c->nchunks ? i + 1 : CACHE_NONE;
	c->free_chunk = c->nchunks > 0 ? 0 : CACHE_NONE;
	c->nfree_chunks = c->nchunks;
	c->head = c->tail = CACHE_NONE;
	c->st.entries = 0;
	c->st.bytes = 0;
}

int
cache_init(struct cache *c, const struct cache_cfg *cfg)
{
	size_t nchunks = cfg->max_bytes / CACHE_CHUNK;
	uint32_t nb = 1;

	memset(c, 0, sizeof(*c));
	if (cfg->max_entries > CACHE_MAX_ENTRIES || nchunks >= CACHE_NONE) {
		errno = EINVAL;
		return -1;
	}
	c->cfg = *cfg;
	while (nb < 2 * (uint64_t)cfg->max_entries)
		nb <<= 1;
	c->nchunks = (uint32_t)nchunks;
	c->mask = nb - 1;
	c->e = calloc(cfg->max_entries ? cfg->max_entries : 1, sizeof(*c->e));
	c->buckets = calloc(nb, sizeof(*c->buckets));
	c->arena = malloc(nchunks ? nchunks * CACHE_CHUNK : 1);
	c->chunk_next = calloc(nchunks ? nchunks : 1, sizeof(*c->chunk_next));
	c->scan = malloc(sizeof(*c->scan));
	if (c->e == NULL || c->buckets == NULL || c->arena == NULL || c->chunk_next == NULL ||
	    c->scan == NULL) {
		cache_destroy(c);
		errno = ENOMEM;
		return -1;
	}
	table_reset(c);
	return 0;
}

void
cache_destroy(struct cache *c)
{
	free(c->e);
	free(c->buckets);
	free(c->arena);
	free(c->chunk_next);
	free(c->scan);
	memset(c, 0, sizeof(*c));
}

void
cache_flush(struct cache *c)
{
	if (c->e != NULL)
		table_reset(c);
}

void
cache_stats(const struct cache *c, struct cache_stats *st)
{
	*st = c->st;
}

static void
lru_unlink(struct cache *c, uint32_t i)
{
	struct cache_entry *e = &c->e[i];

	if (e->prev != CACHE_NONE)
		c->e[e->prev].next = e->next;
	else
		c->head = e->next;
	if (e->next != CACHE_NONE)
		c->e[e->next].prev = e->prev;
	else
		c->tail = e->prev;
}

static void
lru_push(struct cache *c, uint32_t i)
{
	struct cache_entry *e = &c->e[i];

	e->prev = CACHE_NONE;
	e->next = c->head;
	if (c->head != CACHE_NONE)
		c->e[c->head].prev = i;
	else
		c->tail = i;
	c->head = i;
}

static void
entry_remove(struct cache *c, uint32_t i)
{
	struct cache_entry *e = &c->e[i];
	uint32_t *pp = &c->buckets[e->hash & c->mask];

	while (*pp != i)
		pp = &c->e[*pp].hnext;
	*pp = e->hnext;
	lru_unlink(c, i);
	chunks_give(c, e->chunk, e->nchunks);
	c->st.bytes -= (uint64_t)e->nchunks * CACHE_CHUNK;
	c->st.entries--;
	memset(e, 0, sizeof(*e));
	e->hnext = c->free_entry;
	c->free_entry = i;
}

/* The entry whose key is key, or CACHE_NONE. Keys are compared in full. */
static uint32_t
entry_find(const struct cache *c, const uint8_t *key, size_t keylen, uint32_t hash)
{
	for (uint32_t i = c->buckets[hash & c->mask]; i != CACHE_NONE; i = c->e[i].hnext) {
		const struct cache_entry *e = &c->e[i];
		struct cur k = { e->chunk, 0 };

		if (e->hash == hash && e->keylen == keylen && cur_equal(c, &k, key, keylen))
			return i;
	}
	return CACHE_NONE;
}

/* iso | DO and EDNS | qtype | qclass | name. Returns its length, 0 if iso is too long. */
static size_t
key_make(const uint8_t *iso, size_t isolen, const struct dns_query *q, uint8_t *key)
{
	size_t n = 0;

	if (isolen > CACHE_ISO_MAX || (isolen > 0 && iso == NULL))
		return 0;
	key[n++] = (uint8_t)isolen;
	if (isolen > 0)
		memcpy(key + n, iso, isolen);
	n += isolen;
	key[n++] = (uint8_t)((q->do_bit ? 1 : 0) | (q->edns ? 2 : 0));
	key[n++] = (uint8_t)(q->q.qtype >> 8);
	key[n++] = (uint8_t)q->q.qtype;
	key[n++] = (uint8_t)(q->q.qclass >> 8);
	key[n++] = (uint8_t)q->q.qclass;
	memcpy(key + n, q->q.name, q->q.namelen);
	return n + q->q.namelen;
}

/* ---- what may be cached ---- */

static int
bit_isset(const uint8_t *b, size_t i)
{
	return (b[i >> 3] >> (i & 7)) & 1;
}

static void
bit_set(uint8_t *b, size_t i)
{
	b[i >> 3] |= (uint8_t)(1u << (i & 7));
}

/*
 * The name at *off, within len: valid (dns_name_read), and its compression pointer, if
 * any, reaches only a label start recorded before. Records its own label starts. So every
 * name in the message reads bytes of names only, never a TTL we rewrite.
 */
static int
scan_name(const uint8_t *msg, size_t len, size_t *off, struct cache_scan *s)
{
	uint8_t tmp[DNS_MAXNAME], tl;
	size_t pos = *off, end = *off;

	if (dns_name_read(msg, len, &end, tmp, &tl) != DNS_OK)
		return -1;
	for (;;) {
		uint8_t l = msg[pos];

		if ((l & 0xc0) == 0xc0) {
			if (!bit_isset(s->starts, (size_t)(l & 0x3f) << 8 | msg[pos + 1]))
				return -1;
			break;
		}
		bit_set(s->starts, pos);
		if (l == 0)
			break;
		pos += 1 + (size_t)l;
	}
	*off = end;
	return 0;
}

/*
 * RDATA layouts of the types whose names a client may decompress (RFC 1035, RFC 3597
 * section 4, and DNAME): n a name, h 2 bytes, k 18 bytes (SIG before the signer),
 * t 20 bytes (SOA's numbers), s a character-string, * the rest, as it is.
 */
static const struct {
	uint16_t	 type;
	const char	*fmt;
} rdata_fmt[] = {
	{ 2, "n" }, { 3, "n" }, { 4, "n" }, { 5, "n" }, { 6, "nnt" }, { 7, "n" }, { 8, "n" },
	{ 9, "n" }, { 12, "n" }, { 14, "nn" }, { 15, "hn" }, { 17, "nn" }, { 18, "hn" },
	{ 21, "hn" }, { 24, "kn*" }, { 26, "hnn" }, { 30, "n*" }, { 33, "hhhn" },
	{ 35, "hhsssn" }, { 36, "hn" }, { 39, "n" },
};

static const char *
rdata_layout(uint16_t type)
{
	for (size_t i = 0; i < sizeof(rdata_fmt) / sizeof(rdata_fmt[0]); i++)
		if (rdata_fmt[i].type == type)
			return rdata_fmt[i].fmt;
	return "*";
}

/* Walk RDATA [off, end) by its type's layout: names checked, exactly to the end. */
static int
scan_rdata(const uint8_t *msg, size_t off, size_t end, uint16_t type, struct cache_scan *s)
{
	for (const char *f = rdata_layout(type); *f != '\0'; f++) {
		size_t fixed = *f == 'h' ? 2 : *f == 'k' ? 18 : *f == 't' ? 20 : 0;

		if (*f == '*')
			return 0;
		if (*f == 'n') {
			if (scan_name(msg, end, &off, s) == -1)
				return -1;
			continue;
		}
		if (*f == 's')
			fixed = off < end ? 1 + (size_t)msg[off] : 1;
		if (off + fixed > end)
			return -1;
		off += fixed;
	}
	return off == end ? 0 : -1;
}

/* One record of section sec (0 answer, 1 authority, 2 additional) at *off. */
static int
scan_rr(const uint8_t *msg, size_t len, size_t *off, int sec, struct cache_scan *s)
{
	uint16_t type, rdlen;
	uint32_t ttl;
	size_t rd;

	if (scan_name(msg, len, off, s) == -1 || *off + 10 > len)
		return -1;
	type = get16(msg + *off);
	ttl = get32(msg + *off + 4);
	rdlen = get16(msg + *off + 8);
	rd = *off + 10;
	if (rd + rdlen > len || scan_rdata(msg, rd, rd + rdlen, type, s) == -1)
		return -1;
	if (type != DNS_T_OPT) {
		if (s->nttl == CACHE_MAX_RRS)
			return -1;
		s->ttl[s->nttl++] = (uint16_t)(*off + 4);
		if (ttl > TTL_MAX)
			ttl = 0;
		if (sec < 2 && ttl < s->min_ttl)
			s->min_ttl = ttl;
		if (sec == 1 && type == T_SOA) {
			uint32_t min = get32(msg + rd + rdlen - 4);

			s->have_soa = 1;
			if (min < s->soa_min)
				s->soa_min = min;
		}
	}
	*off = rd + rdlen;
	return 0;
}

/*
 * May answer be cached for q? Fills s (TTL offsets) and returns the lifetime in seconds,
 * before the clamp; 0 if not cacheable.
 */
static uint32_t
scan_answer(const uint8_t *msg, size_t len, const struct dns_query *q, struct cache_scan *s)
{
	uint16_t flags, rcode;
	size_t off = DNS_HDRLEN;
	unsigned nrr;

	if (len > DNS_MAXMSG || dns_check_answer(msg, len, &q->q) != DNS_OK)
		return 0;
	flags = get16(msg + 2);
	rcode = flags & F_RCODE;
	if ((flags & F_TC) || (rcode != DNS_RCODE_NOERROR && rcode != DNS_RCODE_NXDOMAIN))
		return 0;
	nrr = (unsigned)get16(msg + 6) + get16(msg + 8) + get16(msg + 10);
	if (nrr > CACHE_MAX_RRS)
		return 0;
	memset(s->starts, 0, len / 8 + 1);
	s->nttl = 0;
	s->min_ttl = s->soa_min = UINT32_MAX;
	s->have_soa = 0;
	if (scan_name(msg, len, &off, s) == -1 || off != DNS_HDRLEN + (size_t)q->q.namelen)
		return 0;	/* the question: uncompressed, so a client's name fits over it */
	off += 4;
	for (int sec = 0; sec < 3; sec++)
		for (unsigned i = 0; i < get16(msg + 6 + 2 * sec); i++)
			if (scan_rr(msg, len, &off, sec, s) == -1)
				return 0;
	if (rcode == DNS_RCODE_NXDOMAIN || get16(msg + 6) == 0) {
		if (!s->have_soa)
			return 0;	/* RFC 2308 5: no SOA, no negative caching */
		if (s->soa_min < s->min_ttl)
			s->min_ttl = s->soa_min;
	}
	return s->min_ttl == UINT32_MAX ? 0 : s->min_ttl;
}

static uint32_t
ttl_clamp(const struct cache_cfg *cfg, uint32_t ttl)
{
	if (ttl < cfg->min_ttl)
		ttl = cfg->min_ttl;
	if (ttl > cfg->max_ttl)
		ttl = cfg->max_ttl;
	return ttl;
}

/* Room for need chunks and one entry record, taken from the LRU end. */
static int
make_room(struct cache *c, uint32_t need)
{
	while (c->free_entry == CACHE_NONE || c->nfree_chunks < need) {
		if (c->tail == CACHE_NONE)
			return -1;
		entry_remove(c, c->tail);
		c->st.evictions++;
	}
	return 0;
}

static void
entry_write(struct cache *c, uint32_t i, const uint8_t *key, size_t keylen,
    const uint8_t *msg, size_t len, const struct cache_scan *s)
{
	struct cur k = { c->e[i].chunk, 0 };

	cur_write(c, &k, key, keylen);
	cur_write(c, &k, msg, len);
	for (unsigned t = 0; t < s->nttl; t++) {
		uint8_t b[2] = { (uint8_t)(s->ttl[t] >> 8), (uint8_t)s->ttl[t] };

		cur_write(c, &k, b, 2);
	}
}

int
cache_store(struct cache *c, const uint8_t *iso, size_t isolen, const struct dns_query *q,
    const uint8_t *answer, size_t len, uint64_t now_ms)
{
	struct cache_scan *s = c->scan;
	uint8_t key[KEY_MAX];
	struct cache_entry *e;
	size_t keylen, size;
	uint32_t ttl, hash, need, i;

	keylen = key_make(iso, isolen, q, key);
	if (s == NULL || keylen == 0 || (ttl = scan_answer(answer, len, q, s)) == 0 ||
	    (ttl = ttl_clamp(&c->cfg, ttl)) == 0)
		goto uncacheable;
	size = keylen + len + 2 * (size_t)s->nttl;
	need = (uint32_t)((size + CACHE_CHUNK - 1) / CACHE_CHUNK);
	if (size > c->cfg.max_bytes / CACHE_BIG_DIV || need > c->nchunks ||
	    c->cfg.max_entries == 0)
		goto uncacheable;
	hash = (uint32_t)siphash13(c->cfg.hash_key, key, keylen);
	if ((i = entry_find(c, key, keylen, hash)) != CACHE_NONE)
		entry_remove(c, i);	/* replaced: not an eviction */
	if (make_room(c, need) == -1)
		goto uncacheable;
	i = c->free_entry;
	e = &c->e[i];
	c->free_entry = e->hnext;
	e->stored_ms = now_ms;
	e->expire_ms = add_sat(now_ms, (uint64_t)ttl * MS);
	e->ttl = ttl;
	e->hash = hash;
	e->chunk = chunks_take(c, need);
	e->nchunks = need;
	e->keylen = (uint16_t)keylen;
	e->msglen = (uint16_t)len;
	e->nttl = (uint16_t)s->nttl;
	e->namelen = q->q.namelen;
	entry_write(c, i, key, keylen, answer, len, s);
	e->hnext = c->buckets[hash & c->mask];
	c->buckets[hash & c->mask] = i;
	lru_push(c, i);
	c->st.bytes += (uint64_t)need * CACHE_CHUNK;
	c->st.entries++;
	c->st.stores++;
	return 0;
uncacheable:
	c->st.uncacheable++;
	return -1;
}

/*
 * The client's question name in qmsg: uncompressed at DNS_HDRLEN, namelen bytes, equal
 * to q's name but for case. NULL if it is not there.
 */
static const uint8_t *
client_name(const uint8_t *qmsg, size_t qlen, const struct dns_question *q)
{
	size_t pos = DNS_HDRLEN, end = DNS_HDRLEN + q->namelen;

	if (qlen < end)
		return NULL;
	for (size_t i = 0; i < q->namelen; i++) {
		uint8_t b = qmsg[pos + i];

		if (b >= 'A' && b <= 'Z')
			b = (uint8_t)(b + 32);
		if (b != q->name[i])
			return NULL;
	}
	/* equal bytes but for case: the label lengths (< 64) are q's, no pointers */
	return qmsg + pos;
}

/* TTL at out + o, as the entry answers it aged age seconds (or stale). */
static void
ttl_patch(const struct cache *c, const struct cache_entry *e, uint8_t *p, uint64_t age,
    int stale)
{
	uint32_t v = get32(p);

	if (stale)
		v = c->cfg.stale_ttl;
	else {
		if (v > TTL_MAX)
			v = 0;
		if (v < c->cfg.min_ttl)
			v = c->cfg.min_ttl;
		if (v > e->ttl)
			v = e->ttl;
		v = v > age ? v - (uint32_t)age : 0;
	}
	put32(p, v);
}

/* Copy entry i out, and make it the client's: ID, name, TTLs. */
static void
entry_answer(const struct cache *c, uint32_t i, const struct dns_query *q,
    const uint8_t *name, uint8_t *out, uint64_t now_ms, int stale)
{
	const struct cache_entry *e = &c->e[i];
	struct cur k = { e->chunk, e->keylen };
	uint64_t age = now_ms > e->stored_ms ? (now_ms - e->stored_ms) / MS : 0;

	while (k.pos > CACHE_CHUNK) {	/* past the key: it may fill whole chunks */
		k.chunk = c->chunk_next[k.chunk];
		k.pos -= CACHE_CHUNK;
	}
	cur_read(c, &k, out, e->msglen);
	dns_set_id(out, q->id);
	memcpy(out + DNS_HDRLEN, name, e->namelen);
	for (unsigned t = 0; t < e->nttl; t++) {
		uint8_t b[2];

		cur_read(c, &k, b, 2);
		ttl_patch(c, e, out + get16(b), age, stale);
	}
}

size_t
cache_lookup(struct cache *c, const uint8_t *iso, size_t isolen, const struct dns_query *q,
    const uint8_t *qmsg, size_t qlen, uint8_t *out, size_t cap, uint64_t now_ms,
    int stale, int *was_stale)
{
	uint8_t key[KEY_MAX];
	const uint8_t *name = q->q.name;
	struct cache_entry *e;
	size_t keylen;
	uint32_t i;
	int is_stale = 0;

	if (was_stale != NULL)
		*was_stale = 0;
	if (c->e == NULL || (keylen = key_make(iso, isolen, q, key)) == 0)
		goto miss;
	if (qmsg != NULL && (name = client_name(qmsg, qlen, &q->q)) == NULL)
		goto miss;
	i = entry_find(c, key, keylen, (uint32_t)siphash13(c->cfg.hash_key, key, keylen));
	if (i == CACHE_NONE)
		goto miss;
	e = &c->e[i];
	if (now_ms >= e->expire_ms) {
		if (now_ms >= add_sat(e->expire_ms, (uint64_t)c->cfg.stale_max * MS)) {
			entry_remove(c, i);	/* past serving, even stale */
			goto miss;
		}
		if (!stale)
			goto miss;
		is_stale = 1;
	}
	if (e->msglen > cap)
		goto miss;
	entry_answer(c, i, q, name, out, now_ms, is_stale);
	lru_unlink(c, i);
	lru_push(c, i);
	if (is_stale) {
		c->st.stale_hits++;
		if (was_stale != NULL)
			*was_stale = 1;
	} else
		c->st.hits++;
	return e->msglen;
miss:
	c->st.misses++;
	return 0;
}
