/* test_cache.c: the answer cache, with an injected clock and hostile answers. */
#define T_SUITE "cache"
#include <stdint.h>
#include <stdlib.h>

#include "t.h"
#include "cache.h"
#include "dns.h"

#define T_A	1
#define T_NS	2
#define T_CNAME	5
#define T_SOA	6
#define T_MX	15
#define T_AAAA	28
#define C_IN	1
#define C_CH	3
#define F_ANS	0x8180	/* QR RD RA, NOERROR */
#define T0	1000000	/* ms: the clock when a test stores */

/* A message being written by a test. */
struct msg {
	uint8_t	b[65536 + 64];
	size_t	n;
};

static void
m_u8(struct msg *m, unsigned v)
{
	m->b[m->n++] = (uint8_t)v;
}

static void
m_u16(struct msg *m, unsigned v)
{
	m_u8(m, v >> 8);
	m_u8(m, v & 0xff);
}

static void
m_u32(struct msg *m, uint32_t v)
{
	m_u16(m, v >> 16);
	m_u16(m, v & 0xffff);
}

static void
m_bytes(struct msg *m, const void *p, size_t len)
{
	memcpy(m->b + m->n, p, len);
	m->n += len;
}

/* "www.example.com" -> 3www7example3com0 (no compression); "" or "." is the root. */
static void
m_name(struct msg *m, const char *s)
{
	while (*s && strcmp(s, ".") != 0) {
		const char *dot = strchr(s, '.');
		size_t l = dot ? (size_t)(dot - s) : strlen(s);

		m_u8(m, (unsigned)l);
		m_bytes(m, s, l);
		s += l;
		if (*s == '.')
			s++;
	}
	m_u8(m, 0);
}

static void
m_header(struct msg *m, unsigned id, unsigned flags, unsigned an, unsigned ns, unsigned ar)
{
	m->n = 0;
	m_u16(m, id);
	m_u16(m, flags);
	m_u16(m, 1);
	m_u16(m, an);
	m_u16(m, ns);
	m_u16(m, ar);
}

static void
m_question(struct msg *m, const char *name, unsigned type, unsigned cls)
{
	m_name(m, name);
	m_u16(m, type);
	m_u16(m, cls);
}

/* Fixed part of a record after its owner; rdlen is written by the caller's data. */
static void
m_fixed(struct msg *m, unsigned type, unsigned cls, uint32_t ttl, unsigned rdlen)
{
	m_u16(m, type);
	m_u16(m, cls);
	m_u32(m, ttl);
	m_u16(m, rdlen);
}

/* An A record whose owner points at the question name (offset 12). */
static void
m_a(struct msg *m, uint32_t ttl, unsigned last)
{
	m_u16(m, 0xc00c);
	m_fixed(m, T_A, C_IN, ttl, 4);
	m_bytes(m, "\xc0\x00\x02", 3);
	m_u8(m, last);
}

/* SOA for the question's name: mname, rname uncompressed, serial..minimum. */
static void
m_soa(struct msg *m, uint32_t ttl, uint32_t minimum)
{
	m_u16(m, 0xc00c);
	m_fixed(m, T_SOA, C_IN, ttl, 2 * 6 + 20);
	m_name(m, "ns.x");
	m_name(m, "hm.x");
	m_u32(m, 1);
	m_u32(m, 7200);
	m_u32(m, 900);
	m_u32(m, 86400);
	m_u32(m, minimum);
}

static void
m_opt(struct msg *m, int do_bit)
{
	m_u8(m, 0);
	m_fixed(m, DNS_T_OPT, 1232, do_bit ? 0x8000 : 0, 0);
}

/* An answer to name/type with n A records of TTL ttl (last octets 1..n). */
static void
m_answer(struct msg *m, const char *name, unsigned type, unsigned n, uint32_t ttl)
{
	m_header(m, 0x1111, F_ANS, n, 0, 0);
	m_question(m, name, type, C_IN);
	for (unsigned i = 0; i < n; i++)
		m_a(m, ttl, i + 1);
}

/* The client's query and what dns_parse_query makes of it. */
static void
q_make(struct dns_query *q, struct msg *qm, unsigned id, const char *name, unsigned type,
    unsigned cls, int edns, int do_bit)
{
	m_header(qm, id, 0x0100, 0, 0, edns ? 1 : 0);
	m_question(qm, name, type, cls);
	if (edns)
		m_opt(qm, do_bit);
	if (dns_parse_query(qm->b, qm->n, q) != DNS_OK)
		abort();
}

static const struct cache_cfg cfg0 = {
	.max_entries = 64, .max_bytes = 1 << 20, .min_ttl = 0, .max_ttl = 86400,
	.stale_ttl = 30, .stale_max = 100, .hash_key = "0123456789abcdef",
};

static uint8_t out[65536 + 16];

static int
store(struct cache *c, const char *iso, const struct dns_query *q, const struct msg *a,
    uint64_t now)
{
	return cache_store(c, (const uint8_t *)iso, strlen(iso), q, a->b, a->n, now);
}

static size_t
lookup(struct cache *c, const char *iso, const struct dns_query *q, const struct msg *qm,
    uint64_t now, int stale, int *was)
{
	return cache_lookup(c, (const uint8_t *)iso, strlen(iso), q, qm->b, qm->n, out,
	    sizeof(out), now, stale, was);
}

static uint32_t
get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* TTL of the i-th record of an answer built by m_answer (question name qn bytes long). */
static uint32_t
a_ttl(size_t qnlen, unsigned i)
{
	return get32(out + DNS_HDRLEN + qnlen + 4 + 16 * i + 6);
}

static void
hit_miss(void)
{
	struct cache c;
	struct msg a, qm, qm2;
	struct dns_query q, q2;
	struct cache_stats st;
	size_t n;
	int was = 7;

	CHECK(cache_init(&c, &cfg0) == 0);
	q_make(&q, &qm, 0xabcd, "www.example.com", T_A, C_IN, 0, 0);
	q_make(&q2, &qm2, 1, "www.example.org", T_A, C_IN, 0, 0);
	m_answer(&a, "www.example.com", T_A, 2, 300);
	CHECK(lookup(&c, "u1", &q, &qm, T0, 0, &was) == 0 && was == 0);
	CHECK(store(&c, "u1", &q, &a, T0) == 0);
	was = 7;
	n = lookup(&c, "u1", &q, &qm, T0, 0, &was);
	CHECK(n == a.n && was == 0);
	CHECK(dns_get_id(out) == 0xabcd);
	CHECK(memcmp(out + 2, a.b + 2, a.n - 2) == 0);
	CHECK(dns_check_answer(out, n, &q.q) == DNS_OK);
	CHECK(lookup(&c, "u1", &q2, &qm2, T0, 0, NULL) == 0);
	cache_stats(&c, &st);
	CHECK(st.hits == 1 && st.misses == 2 && st.stores == 1 && st.entries == 1);
	CHECK(st.bytes > 0 && st.bytes % CACHE_CHUNK == 0 && st.uncacheable == 0);
	cache_destroy(&c);
}

static void
ttl_countdown(void)
{
	struct cache c;
	struct msg a, qm;
	struct dns_query q;

	CHECK(cache_init(&c, &cfg0) == 0);
	q_make(&q, &qm, 1, "a.test", T_A, C_IN, 1, 0);
	m_header(&a, 9, F_ANS, 2, 0, 2);
	m_question(&a, "a.test", T_A, C_IN);
	m_a(&a, 300, 1);
	m_a(&a, 400, 2);	/* above the lifetime (300): shown as at most that */
	m_a(&a, 100, 3);	/* additional: not in the lifetime, counted down all the same */
	m_opt(&a, 0);
	CHECK(store(&c, "u", &q, &a, T0) == 0);
	CHECK(lookup(&c, "u", &q, &qm, T0 + 10999, 0, NULL) == a.n);
	CHECK(a_ttl(8, 0) == 290 && a_ttl(8, 1) == 290 && a_ttl(8, 2) == 90);
	/* the OPT's "TTL" (extended RCODE and flags) is not a TTL */
	CHECK(memcmp(out + a.n - 11, a.b + a.n - 11, 11) == 0);
	CHECK(lookup(&c, "u", &q, &qm, T0 + 150000, 0, NULL) == a.n);
	CHECK(a_ttl(8, 0) == 150 && a_ttl(8, 1) == 150 && a_ttl(8, 2) == 0);
	CHECK(lookup(&c, "u", &q, &qm, T0 - 5000, 0, NULL) == a.n);	/* clock behind */
	CHECK(a_ttl(8, 0) == 300 && a_ttl(8, 1) == 300 && a_ttl(8, 2) == 100);
	cache_destroy(&c);
}

static void
expiry(void)
{
	struct cache c;
	struct msg a, qm;
	struct dns_query q;

	CHECK(cache_init(&c, &cfg0) == 0);
	q_make(&q, &qm, 1, "a.test", T_A, C_IN, 0, 0);
	m_answer(&a, "a.test", T_A, 1, 60);
	CHECK(store(&c, "u", &q, &a, T0) == 0);
	CHECK(lookup(&c, "u", &q, &qm, T0 + 59999, 0, NULL) == a.n);
	CHECK(a_ttl(8, 0) == 1);
	CHECK(lookup(&c, "u", &q, &qm, T0 + 60000, 0, NULL) == 0);
	cache_destroy(&c);
}

static void
clamp(void)
{
	struct cache c;
	struct cache_cfg cfg = cfg0;
	struct msg a, qm;
	struct dns_query q;

	cfg.min_ttl = 60;
	cfg.max_ttl = 100;
	CHECK(cache_init(&c, &cfg) == 0);
	q_make(&q, &qm, 1, "a.test", T_A, C_IN, 0, 0);
	m_answer(&a, "a.test", T_A, 1, 5);
	CHECK(store(&c, "u", &q, &a, T0) == 0);
	CHECK(lookup(&c, "u", &q, &qm, T0 + 30000, 0, NULL) == a.n);
	CHECK(a_ttl(8, 0) == 30);	/* raised to 60, less 30 */
	CHECK(lookup(&c, "u", &q, &qm, T0 + 59999, 0, NULL) == a.n);
	CHECK(lookup(&c, "u", &q, &qm, T0 + 60000, 0, NULL) == 0);
	m_answer(&a, "a.test", T_A, 1, 86400);
	CHECK(store(&c, "u", &q, &a, T0) == 0);
	CHECK(lookup(&c, "u", &q, &qm, T0 + 10000, 0, NULL) == a.n);
	CHECK(a_ttl(8, 0) == 90);	/* lowered to 100, less 10 */
	CHECK(lookup(&c, "u", &q, &qm, T0 + 100000, 0, NULL) == 0);
	/* a TTL with the top bit set is 0 (RFC 2181): not raised by min_ttl, not cached */
	m_answer(&a, "a.test", T_A, 1, 0x80000000u);
	CHECK(store(&c, "u", &q, &a, T0) == -1);
	cache_destroy(&c);
}

static void
zero_ttl(void)
{
	struct cache c;
	struct cache_cfg cfg = cfg0;
	struct cache_stats st;
	struct msg a, qm;
	struct dns_query q;

	cfg.min_ttl = 30;
	CHECK(cache_init(&c, &cfg) == 0);
	q_make(&q, &qm, 1, "a.test", T_A, C_IN, 0, 0);
	m_header(&a, 9, F_ANS, 2, 0, 0);
	m_question(&a, "a.test", T_A, C_IN);
	m_a(&a, 300, 1);
	m_a(&a, 0, 2);
	CHECK(store(&c, "u", &q, &a, T0) == -1);
	cache_stats(&c, &st);
	CHECK(st.uncacheable == 1 && st.stores == 0 && st.entries == 0);
	cache_destroy(&c);
}

static void
negative(void)
{
	struct cache c;
	struct cache_stats st;
	struct msg a, qm;
	struct dns_query q;
	size_t soa_ttl_at = DNS_HDRLEN + 8 + 4 + 6;

	CHECK(cache_init(&c, &cfg0) == 0);
	q_make(&q, &qm, 1, "a.test", T_A, C_IN, 0, 0);
	/* NXDOMAIN: min(SOA TTL 3600, MINIMUM 300) */
	m_header(&a, 9, F_ANS | DNS_RCODE_NXDOMAIN, 0, 1, 0);
	m_question(&a, "a.test", T_A, C_IN);
	m_soa(&a, 3600, 300);
	CHECK(store(&c, "u", &q, &a, T0) == 0);
	CHECK(lookup(&c, "u", &q, &qm, T0 + 299999, 0, NULL) == a.n);
	CHECK((out[3] & 0x0f) == DNS_RCODE_NXDOMAIN);
	CHECK(get32(out + soa_ttl_at) == 1);
	CHECK(lookup(&c, "u", &q, &qm, T0 + 300000, 0, NULL) == 0);
	/* NODATA: min(SOA TTL 100, MINIMUM 900) */
	q_make(&q, &qm, 1, "a.test", T_AAAA, C_IN, 0, 0);
	m_header(&a, 9, F_ANS, 0, 1, 0);
	m_question(&a, "a.test", T_AAAA, C_IN);
	m_soa(&a, 100, 900);
	CHECK(store(&c, "u", &q, &a, T0) == 0);
	CHECK(lookup(&c, "u", &q, &qm, T0 + 99999, 0, NULL) == a.n);
	CHECK(lookup(&c, "u", &q, &qm, T0 + 100000, 0, NULL) == 0);
	/* no SOA: neither is cached (a referral, an NS in authority, is not either) */
	m_header(&a, 9, F_ANS | DNS_RCODE_NXDOMAIN, 0, 0, 0);
	m_question(&a, "a.test", T_AAAA, C_IN);
	CHECK(store(&c, "u", &q, &a, T0) == -1);
	m_header(&a, 9, F_ANS, 0, 1, 0);
	m_question(&a, "a.test", T_AAAA, C_IN);
	m_u16(&a, 0xc00c);
	m_fixed(&a, T_NS, C_IN, 3600, 2);
	m_u16(&a, 0xc00c);
	CHECK(store(&c, "u", &q, &a, T0) == -1);
	/* SOA MINIMUM 0: not cached */
	m_header(&a, 9, F_ANS | DNS_RCODE_NXDOMAIN, 0, 1, 0);
	m_question(&a, "a.test", T_AAAA, C_IN);
	m_soa(&a, 3600, 0);
	CHECK(store(&c, "u", &q, &a, T0) == -1);
	cache_stats(&c, &st);
	CHECK(st.uncacheable == 3 && st.stores == 2);
	cache_destroy(&c);
}

static void
not_cacheable_rcodes(void)
{
	static const unsigned flags[] = {
		F_ANS | DNS_RCODE_SERVFAIL, F_ANS | DNS_RCODE_REFUSED, F_ANS | 0x0200 /* TC */,
		0x0180 /* QR clear */, F_ANS | 0x2000 /* opcode 4 */,
	};
	struct cache c;
	struct msg a, qm;
	struct dns_query q;

	CHECK(cache_init(&c, &cfg0) == 0);
	q_make(&q, &qm, 1, "a.test", T_A, C_IN, 0, 0);
	for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]); i++) {
		m_answer(&a, "a.test", T_A, 1, 300);
		a.b[2] = (uint8_t)(flags[i] >> 8);
		a.b[3] = (uint8_t)flags[i];
		CHECK(store(&c, "u", &q, &a, T0) == -1);
	}
	/* the question must be q's */
	m_answer(&a, "b.test", T_A, 1, 300);
	CHECK(store(&c, "u", &q, &a, T0) == -1);
	CHECK(lookup(&c, "u", &q, &qm, T0, 0, NULL) == 0);
	cache_destroy(&c);
}

static void
isolation(void)
{
	struct cache c;
	struct msg a, qm;
	struct dns_query q;

	CHECK(cache_init(&c, &cfg0) == 0);
	q_make(&q, &qm, 1, "a.test", T_A, C_IN, 0, 0);
	m_answer(&a, "a.test", T_A, 1, 300);
	CHECK(store(&c, "uid:1000", &q, &a, T0) == 0);
	a.b[a.n - 1] = 99;
	CHECK(store(&c, "uid:1001", &q, &a, T0) == 0);
	CHECK(lookup(&c, "uid:1000", &q, &qm, T0, 0, NULL) == a.n && out[a.n - 1] == 1);
	CHECK(lookup(&c, "uid:1001", &q, &qm, T0, 0, NULL) == a.n && out[a.n - 1] == 99);
	CHECK(lookup(&c, "uid:1002", &q, &qm, T0, 0, NULL) == 0);
	CHECK(lookup(&c, "uid:100", &q, &qm, T0, 0, NULL) == 0);	/* a prefix */
	CHECK(lookup(&c, "", &q, &qm, T0, 0, NULL) == 0);
	/* binary iso, too long an iso */
	CHECK(cache_store(&c, (const uint8_t *)"\0\0\0", 3, &q, a.b, a.n, T0) == 0);
	CHECK(cache_lookup(&c, (const uint8_t *)"\0\0", 2, &q, qm.b, qm.n, out, sizeof(out),
	    T0, 0, NULL) == 0);
	CHECK(cache_lookup(&c, (const uint8_t *)"\0\0\0", 3, &q, qm.b, qm.n, out, sizeof(out),
	    T0, 0, NULL) == a.n);
	CHECK(cache_store(&c, out, CACHE_ISO_MAX + 1, &q, a.b, a.n, T0) == -1);
	cache_destroy(&c);
}

static void
key_parts(void)
{
	struct cache c;
	struct msg a, qm;
	struct dns_query q, q2;

	CHECK(cache_init(&c, &cfg0) == 0);
	/* DO bit */
	q_make(&q, &qm, 1, "a.test", T_A, C_IN, 1, 1);
	m_answer(&a, "a.test", T_A, 1, 300);
	CHECK(store(&c, "u", &q, &a, T0) == 0);
	q_make(&q2, &qm, 1, "a.test", T_A, C_IN, 1, 0);
	CHECK(lookup(&c, "u", &q2, &qm, T0, 0, NULL) == 0);
	q_make(&q2, &qm, 1, "a.test", T_A, C_IN, 0, 0);	/* no EDNS either */
	CHECK(lookup(&c, "u", &q2, &qm, T0, 0, NULL) == 0);
	q_make(&q2, &qm, 1, "a.test", T_A, C_IN, 1, 1);
	CHECK(lookup(&c, "u", &q2, &qm, T0, 0, NULL) == a.n);
	/* qtype */
	q_make(&q2, &qm, 1, "a.test", T_AAAA, C_IN, 1, 1);
	CHECK(lookup(&c, "u", &q2, &qm, T0, 0, NULL) == 0);
	/* qclass */
	q_make(&q2, &qm, 1, "a.test", T_A, C_CH, 1, 1);
	CHECK(lookup(&c, "u", &q2, &qm, T0, 0, NULL) == 0);
	m_header(&a, 9, F_ANS, 1, 0, 0);
	m_question(&a, "a.test", T_A, C_CH);
	m_u16(&a, 0xc00c);
	m_fixed(&a, T_A, C_CH, 300, 4);
	m_u32(&a, 0x7f000001);
	CHECK(store(&c, "u", &q2, &a, T0) == 0);
	CHECK(lookup(&c, "u", &q2, &qm, T0, 0, NULL) == a.n);
	q_make(&q, &qm, 1, "a.test", T_A, C_IN, 1, 1);
	CHECK(lookup(&c, "u", &q, &qm, T0, 0, NULL) == a.n);
	CHECK(out[DNS_HDRLEN + 8 + 3] == C_IN);
	cache_destroy(&c);
}

static void
client_case(void)
{
	struct cache c;
	struct msg a, qm;
	struct dns_query q;
	size_t n;

	CHECK(cache_init(&c, &cfg0) == 0);
	q_make(&q, &qm, 1, "example.test", T_A, C_IN, 0, 0);
	m_answer(&a, "eXample.test", T_A, 1, 300);	/* upstream's own case */
	CHECK(store(&c, "u", &q, &a, T0) == 0);
	q_make(&q, &qm, 0x4242, "ExAmPlE.TeSt", T_A, C_IN, 0, 0);
	n = lookup(&c, "u", &q, &qm, T0, 0, NULL);
	CHECK(n == a.n && dns_get_id(out) == 0x4242);
	CHECK(memcmp(out + DNS_HDRLEN, "\7ExAmPlE\4TeSt\0", 14) == 0);
	CHECK(memcmp(out + 2, a.b + 2, DNS_HDRLEN - 2) == 0);
	CHECK(memcmp(out + 26, a.b + 26, a.n - 26) == 0);
	/* no raw query: q's lower-case name */
	n = cache_lookup(&c, (const uint8_t *)"u", 1, &q, NULL, 0, out, sizeof(out), T0, 0,
	    NULL);
	CHECK(n == a.n && memcmp(out + DNS_HDRLEN, "\7example\4test\0", 14) == 0);
	/* a raw query whose name is not q's: miss, nothing is made up */
	qm.b[DNS_HDRLEN + 1] = 'F';
	CHECK(lookup(&c, "u", &q, &qm, T0, 0, NULL) == 0);
	CHECK(cache_lookup(&c, (const uint8_t *)"u", 1, &q, qm.b, 20, out, sizeof(out), T0, 0,
	    NULL) == 0);
	cache_destroy(&c);
}

static void
serve_stale(void)
{
	struct cache c;
	struct cache_stats st;
	struct msg a, qm;
	struct dns_query q;
	int was = 0;

	CHECK(cache_init(&c, &cfg0) == 0);	/* stale_ttl 30, stale_max 100 */
	q_make(&q, &qm, 1, "a.test", T_A, C_IN, 0, 0);
	m_header(&a, 9, F_ANS, 1, 0, 1);
	m_question(&a, "a.test", T_A, C_IN);
	m_a(&a, 60, 1);
	m_a(&a, 5, 2);
	CHECK(store(&c, "u", &q, &a, T0) == 0);
	CHECK(lookup(&c, "u", &q, &qm, T0 + 70000, 0, &was) == 0 && was == 0);
	CHECK(lookup(&c, "u", &q, &qm, T0 + 70000, 1, &was) == a.n && was == 1);
	CHECK(a_ttl(8, 0) == 30 && a_ttl(8, 1) == 30);
	CHECK(lookup(&c, "u", &q, &qm, T0 + 159999, 1, &was) == a.n && was == 1);
	CHECK(lookup(&c, "u", &q, &qm, T0 + 30000, 1, &was) == a.n && was == 0);
	CHECK(a_ttl(8, 0) == 30 && a_ttl(8, 1) == 0);	/* fresh: counted down, not stale */
	cache_stats(&c, &st);
	CHECK(st.stale_hits == 2 && st.hits == 1 && st.misses == 1 && st.entries == 1);
	CHECK(lookup(&c, "u", &q, &qm, T0 + 160000, 1, &was) == 0 && was == 0);
	cache_stats(&c, &st);
	CHECK(st.entries == 0 && st.bytes == 0);	/* reclaimed */
	cache_destroy(&c);
}

/* Stores one answer for name "nN.test" (all of the same length). */
static int
store_n(struct cache *c, unsigned i, uint64_t now)
{
	char name[32];
	struct msg a, qm;
	struct dns_query q;

	snprintf(name, sizeof(name), "n%02u.test", i);
	q_make(&q, &qm, 1, name, T_A, C_IN, 0, 0);
	m_answer(&a, name, T_A, 1, 300);
	return store(c, "u", &q, &a, now);
}

static size_t
lookup_n(struct cache *c, unsigned i, uint64_t now)
{
	char name[32];
	struct msg qm;
	struct dns_query q;

	snprintf(name, sizeof(name), "n%02u.test", i);
	q_make(&q, &qm, 1, name, T_A, C_IN, 0, 0);
	return lookup(c, "u", &q, &qm, now, 0, NULL);
}

static void
bound_entries(void)
{
	struct cache c;
	struct cache_cfg cfg = cfg0;
	struct cache_stats st;

	cfg.max_entries = 3;
	CHECK(cache_init(&c, &cfg) == 0);
	for (unsigned i = 0; i < 3; i++)
		CHECK(store_n(&c, i, T0) == 0);
	CHECK(lookup_n(&c, 0, T0) != 0);	/* 0 is now the most recent; 1 the least */
	CHECK(store_n(&c, 3, T0) == 0);
	cache_stats(&c, &st);
	CHECK(st.evictions == 1 && st.entries == 3);
	CHECK(lookup_n(&c, 1, T0) == 0);
	CHECK(lookup_n(&c, 0, T0) != 0 && lookup_n(&c, 2, T0) != 0 && lookup_n(&c, 3, T0) != 0);
	/* replacing an entry is not an eviction */
	CHECK(store_n(&c, 2, T0) == 0);
	cache_stats(&c, &st);
	CHECK(st.evictions == 1 && st.entries == 3 && st.stores == 5);
	cache_destroy(&c);
}

static void
bound_bytes(void)
{
	struct cache c;
	struct cache_cfg cfg = cfg0;
	struct cache_stats st;
	struct msg a, qm;
	struct dns_query q;
	uint64_t one;

	/* one entry: key 6+1+9, message 12+13+16, one TTL offset: 59 bytes, one chunk */
	cfg.max_bytes = 8 * CACHE_CHUNK;
	CHECK(cache_init(&c, &cfg) == 0);
	CHECK(store_n(&c, 0, T0) == 0);
	cache_stats(&c, &st);
	one = st.bytes;
	CHECK(one == CACHE_CHUNK);
	for (unsigned i = 1; i < 8; i++)
		CHECK(store_n(&c, i, T0 + i) == 0);
	cache_stats(&c, &st);
	CHECK(st.evictions == 0 && st.entries == 8 && st.bytes == 8 * one);
	CHECK(store_n(&c, 8, T0) == 0);
	cache_stats(&c, &st);
	CHECK(st.evictions == 1 && st.entries == 8 && st.bytes <= cfg.max_bytes);
	CHECK(lookup_n(&c, 0, T0) == 0 && lookup_n(&c, 1, T0) != 0);
	/* an answer bigger than max_bytes / 8 is not kept */
	q_make(&q, &qm, 1, "n00.test", T_A, C_IN, 0, 0);
	m_answer(&a, "n00.test", T_A, 2, 300);
	CHECK(store(&c, "u", &q, &a, T0) == -1);
	cache_stats(&c, &st);
	CHECK(st.uncacheable == 1 && st.evictions == 1);
	cache_destroy(&c);
}

/* Big answers churning through a small arena: the bounds hold, every hit is intact. */
static void
churn(void)
{
	struct cache c;
	struct cache_cfg cfg = cfg0;
	struct cache_stats st;
	struct msg a, qm;
	struct dns_query q;
	char name[32];
	size_t n;

	cfg.max_entries = 10;
	cfg.max_bytes = 64 * 1024;
	CHECK(cache_init(&c, &cfg) == 0);
	for (unsigned i = 0; i < 300; i++) {
		snprintf(name, sizeof(name), "c%u.test", i % 37);
		q_make(&q, &qm, i, name, T_A, C_IN, 0, 0);
		m_answer(&a, name, T_A, 1 + i % 23 * 20, 300);
		CHECK(store(&c, "u", &q, &a, T0) == 0);
		cache_stats(&c, &st);
		CHECK(st.entries <= cfg.max_entries && st.bytes <= cfg.max_bytes);
		snprintf(name, sizeof(name), "c%u.test", (i * 7) % 37);
		q_make(&q, &qm, i, name, T_A, C_IN, 0, 0);
		if ((n = lookup(&c, "u", &q, &qm, T0 + 1000, 0, NULL)) != 0)
			CHECK(dns_check_answer(out, n, &q.q) == DNS_OK && dns_get_id(out) == i);
	}
	cache_flush(&c);
	cache_stats(&c, &st);
	CHECK(st.entries == 0 && st.bytes == 0 && st.stores == 300);
	CHECK(lookup(&c, "u", &q, &qm, T0, 0, NULL) == 0);
	m_answer(&a, name, T_A, 1, 300);
	CHECK(store(&c, "u", &q, &a, T0) == 0);
	CHECK(lookup(&c, "u", &q, &qm, T0, 0, NULL) == a.n);
	cache_destroy(&c);
}

static void
pointer_into_ttl(void)
{
	struct cache c;
	struct msg a, qm;
	struct dns_query q;
	size_t rr1;

	CHECK(cache_init(&c, &cfg0) == 0);
	q_make(&q, &qm, 1, "a.test", T_A, C_IN, 0, 0);
	/* second owner: a pointer to the first record's TTL, which reads as a label */
	m_header(&a, 9, F_ANS, 2, 0, 0);
	m_question(&a, "a.test", T_A, C_IN);
	rr1 = a.n;
	m_u16(&a, 0xc00c);
	m_fixed(&a, T_A, C_IN, 0x00000100, 4);	/* TTL bytes 00 00 01 00: labels */
	m_u32(&a, 0xc0000201);
	m_u16(&a, 0xc000 | (unsigned)(rr1 + 2 + 4 + 2));	/* the TTL's low half: 1, 0 */
	m_fixed(&a, T_A, C_IN, 300, 4);
	m_u32(&a, 0xc0000202);
	CHECK(dns_check_answer(a.b, a.n, &q.q) == DNS_OK);	/* valid, but not for us */
	CHECK(store(&c, "u", &q, &a, T0) == -1);
	/* a pointer into RDATA (an A record's address) */
	m_header(&a, 9, F_ANS, 2, 0, 0);
	m_question(&a, "a.test", T_A, C_IN);
	rr1 = a.n;
	m_a(&a, 300, 0);			/* address c0 00 02 00: the last byte a root */
	m_u16(&a, 0xc000 | (unsigned)(rr1 + 12 + 3));
	m_fixed(&a, T_A, C_IN, 300, 4);
	m_u32(&a, 0xc0000202);
	CHECK(dns_check_answer(a.b, a.n, &q.q) == DNS_OK);
	CHECK(store(&c, "u", &q, &a, T0) == -1);
	/* a CNAME target compressed into the first record's TTL */
	m_header(&a, 9, F_ANS, 2, 0, 0);
	m_question(&a, "a.test", T_A, C_IN);
	rr1 = a.n;
	m_u16(&a, 0xc00c);
	m_fixed(&a, T_A, C_IN, 0x00000100, 4);
	m_u32(&a, 0xc0000201);
	m_u16(&a, 0xc00c);
	m_fixed(&a, T_CNAME, C_IN, 300, 2);
	m_u16(&a, 0xc000 | (unsigned)(rr1 + 2 + 4 + 2));
	CHECK(dns_check_answer(a.b, a.n, &q.q) == DNS_OK);
	CHECK(store(&c, "u", &q, &a, T0) == -1);
	cache_destroy(&c);
}

/* The usual shapes compress to names and labels read before: those are kept. */
static void
pointer_to_names(void)
{
	struct cache c;
	struct msg a, qm;
	struct dns_query q;
	size_t target;

	CHECK(cache_init(&c, &cfg0) == 0);
	q_make(&q, &qm, 1, "www.a.test", T_A, C_IN, 0, 0);
	m_header(&a, 9, F_ANS, 2, 1, 0);
	m_question(&a, "www.a.test", T_A, C_IN);
	m_u16(&a, 0xc00c);
	m_fixed(&a, T_CNAME, C_IN, 300, 6);
	target = a.n;
	m_bytes(&a, "\3cdn\xc0\x10", 6);	/* cdn + pointer to "a.test" (a label) */
	m_u16(&a, 0xc000 | (unsigned)target);	/* owner: the CNAME's target */
	m_fixed(&a, T_A, C_IN, 60, 4);
	m_u32(&a, 0xc0000201);
	m_u16(&a, 0xc010);			/* authority: NS of a.test */
	m_fixed(&a, T_NS, C_IN, 3600, 5);
	m_bytes(&a, "\2ns\xc0\x10", 5);
	CHECK(store(&c, "u", &q, &a, T0) == 0);
	CHECK(lookup(&c, "u", &q, &qm, T0 + 5000, 0, NULL) == a.n);
	CHECK(get32(out + DNS_HDRLEN + 12 + 4 + 6) == 55);	/* CNAME: lifetime 60 */
	cache_destroy(&c);
}

static void
many_records(void)
{
	struct cache c;
	struct cache_cfg cfg = cfg0;
	static struct msg a;
	struct msg qm;
	struct dns_query q;

	cfg.max_bytes = 1 << 20;
	CHECK(cache_init(&c, &cfg) == 0);
	q_make(&q, &qm, 1, "a.test", T_A, C_IN, 0, 0);
	m_answer(&a, "a.test", T_A, 600, 300);
	CHECK(dns_check_answer(a.b, a.n, &q.q) == DNS_OK);
	CHECK(store(&c, "u", &q, &a, T0) == -1);
	m_answer(&a, "a.test", T_A, CACHE_MAX_RRS, 300);
	CHECK(store(&c, "u", &q, &a, T0) == 0);
	CHECK(lookup(&c, "u", &q, &qm, T0 + 1000, 0, NULL) == a.n);
	CHECK(a_ttl(8, 0) == 299 && a_ttl(8, CACHE_MAX_RRS - 1) == 299);
	m_answer(&a, "a.test", T_A, CACHE_MAX_RRS + 1, 300);
	CHECK(store(&c, "u", &q, &a, T0) == -1);
	cache_destroy(&c);
}

static void
cap_too_small(void)
{
	struct cache c;
	struct msg a, qm;
	struct dns_query q;
	uint8_t *buf;

	CHECK(cache_init(&c, &cfg0) == 0);
	q_make(&q, &qm, 1, "a.test", T_A, C_IN, 0, 0);
	m_answer(&a, "a.test", T_A, 3, 300);
	CHECK(store(&c, "u", &q, &a, T0) == 0);
	CHECK((buf = malloc(a.n + 1)) != NULL);
	memset(buf, 0xaa, a.n + 1);
	for (size_t cap = 0; cap < a.n; cap++) {
		CHECK(cache_lookup(&c, (const uint8_t *)"u", 1, &q, qm.b, qm.n, buf, cap, T0, 0,
		    NULL) == 0);
		for (size_t i = 0; i <= a.n; i++)
			CHECK(buf[i] == 0xaa);
	}
	CHECK(cache_lookup(&c, (const uint8_t *)"u", 1, &q, qm.b, qm.n, buf, a.n, T0, 0,
	    NULL) == a.n);
	CHECK(buf[a.n] == 0xaa);
	free(buf);
	cache_destroy(&c);
}

/* Every cut of a message, in an exact-size heap copy: -1, and ASan sees any overread. */
static int
cuts_rejected(struct cache *c, const struct dns_query *q, const struct msg *a)
{
	for (size_t n = 0; n < a->n; n++) {
		uint8_t *p = malloc(n ? n : 1);
		int r;

		if (p == NULL)
			abort();
		memcpy(p, a->b, n);
		r = cache_store(c, (const uint8_t *)"u", 1, q, p, n, T0);
		free(p);
		if (r != -1)
			return 0;
	}
	return 1;
}

static void
truncated(void)
{
	struct cache c;
	struct cache_stats st;
	struct msg a, qm;
	struct dns_query q;

	CHECK(cache_init(&c, &cfg0) == 0);
	q_make(&q, &qm, 1, "www.a.test", T_A, C_IN, 1, 1);
	m_header(&a, 9, F_ANS | DNS_RCODE_NXDOMAIN, 1, 1, 1);
	m_question(&a, "www.a.test", T_A, C_IN);
	m_u16(&a, 0xc00c);
	m_fixed(&a, T_CNAME, C_IN, 300, 6);
	m_bytes(&a, "\3cdn\xc0\x10", 6);
	m_soa(&a, 600, 60);
	m_opt(&a, 1);
	CHECK(cuts_rejected(&c, &q, &a));
	CHECK(store(&c, "u", &q, &a, T0) == 0);
	CHECK(lookup(&c, "u", &q, &qm, T0, 0, NULL) == a.n);
	m_header(&a, 9, F_ANS, 1, 0, 0);
	m_question(&a, "www.a.test", T_A, C_IN);
	m_u16(&a, 0xc00c);
	m_fixed(&a, T_MX, C_IN, 300, 4);
	m_bytes(&a, "\0\x0a\xc0\x0c", 4);
	CHECK(cuts_rejected(&c, &q, &a));
	/* RDATA length that disagrees with the layout (MX with a byte more) */
	a.b[a.n - 5] = 5;
	m_u8(&a, 0);
	CHECK(store(&c, "u", &q, &a, T0) == -1);
	cache_stats(&c, &st);
	CHECK(st.stores == 1);
	cache_destroy(&c);
}

static void
tiny_and_empty(void)
{
	struct cache c;
	struct cache_cfg cfg = cfg0;
	struct msg a, qm;
	struct dns_query q;

	q_make(&q, &qm, 1, "a.test", T_A, C_IN, 0, 0);
	m_answer(&a, "a.test", T_A, 1, 300);
	cfg.max_entries = 0;
	CHECK(cache_init(&c, &cfg) == 0);
	CHECK(store(&c, "u", &q, &a, T0) == -1);
	CHECK(lookup(&c, "u", &q, &qm, T0, 0, NULL) == 0);
	cache_destroy(&c);
	cfg = cfg0;
	cfg.max_bytes = 0;
	CHECK(cache_init(&c, &cfg) == 0);
	CHECK(store(&c, "u", &q, &a, T0) == -1);
	cache_destroy(&c);
	cfg = cfg0;
	cfg.max_entries = 1;
	CHECK(cache_init(&c, &cfg) == 0);
	CHECK(store(&c, "u", &q, &a, T0) == 0);
	CHECK(store(&c, "v", &q, &a, T0) == 0);
	CHECK(lookup(&c, "u", &q, &qm, T0, 0, NULL) == 0);
	CHECK(lookup(&c, "v", &q, &qm, T0, 0, NULL) == a.n);
	cache_destroy(&c);
	cfg.max_entries = CACHE_MAX_ENTRIES + 1;
	CHECK(cache_init(&c, &cfg) == -1);
}

int
main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);	/* TAP lines survive a sanitizer abort */
	RUN(hit_miss);
	RUN(ttl_countdown);
	RUN(expiry);
	RUN(clamp);
	RUN(zero_ttl);
	RUN(negative);
	RUN(not_cacheable_rcodes);
	RUN(isolation);
	RUN(key_parts);
	RUN(client_case);
	RUN(serve_stale);
	RUN(bound_entries);
	RUN(bound_bytes);
	RUN(churn);
	RUN(pointer_into_ttl);
	RUN(pointer_to_names);
	RUN(many_records);
	RUN(cap_too_small);
	RUN(truncated);
	RUN(tiny_and_empty);
	return T_DONE();
}
