/*
 * fuzz_cache.c: cache_store of an arbitrary answer, then cache_lookup at several times,
 * in several isolation domains, into buffers of several sizes.
 *
 * Input: byte 0: bit 0 serve stale, bit 1 the question is the answer's own (and the raw
 * query is the answer itself, its name in the answer's case), bit 2 no raw query, bits 3-4
 * extra domains stored after the first (eviction); byte 1: max_entries 1 + bits 0-2,
 * max_bytes CACHE_CHUNK << (bits 3-7 % 13); 2 min_ttl; 3 max_ttl in minutes (0: a day);
 * 4 stale_max; 5 stale_ttl; 6-7 the lookup's cap; 8-9 the answer's length; then the
 * answer, then the client's query.
 *
 * Invariants: a lookup returns 0 or the stored length, never more than cap, and writes
 * nothing past cap; another domain never hits; what it returns passes dns_check_answer
 * against the question, carries the client's ID and its question name bytes, equals the
 * stored answer in every other byte but the TTLs (OPT's untouched), and every name in it
 * (owners, and the names in NS, CNAME, PTR, DNAME, MX, SOA RDATA) reads the same as in the
 * answer: rewriting a TTL never changes a name. A fresh store answers at once if it fits.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "fuzz_check.h"
#include "cache.h"
#include "dns.h"

#define PARAMS	10
#define T0	5000000000ull	/* ms */

static uint64_t
fz_get32(const uint8_t *p)
{
	return (uint32_t)fz_get16(p) << 16 | fz_get16(p + 2);
}

/* The name at *off in a and in b: both must read, and the same. */
static void
same_name(const uint8_t *a, const uint8_t *b, size_t len, size_t *off, size_t lim)
{
	uint8_t na[DNS_MAXNAME], nb[DNS_MAXNAME], la, lb;
	size_t oa = *off, ob = *off;

	if (dns_name_read(a, lim, &oa, na, &la) != DNS_OK ||
	    dns_name_read(b, lim, &ob, nb, &lb) != DNS_OK || oa != ob || la != lb ||
	    memcmp(na, nb, la) != 0)
		abort();
	(void)len;
	*off = oa;
}

/*
 * out against the stored answer (both len bytes, the answer checked): same bytes but the
 * ID, the question name (case) and the TTLs of records other than OPT; same names.
 */
static void
check_out(const uint8_t *ans, const uint8_t *out, size_t len, const uint8_t *qname,
    uint8_t qnlen)
{
	uint8_t *mask = calloc(len, 1);
	size_t off = DNS_HDRLEN;

	if (mask == NULL)
		abort();
	mask[0] = mask[1] = 1;
	memset(mask + DNS_HDRLEN, 1, qnlen);
	if (memcmp(out + DNS_HDRLEN, qname, qnlen) != 0)
		abort();
	same_name(ans, out, len, &off, len);
	off += 4;
	for (int s = 0; s < 3; s++)
		for (unsigned i = 0; i < fz_get16(ans + 6 + 2 * s); i++) {
			uint16_t type, rdlen;
			size_t rd, p;

			same_name(ans, out, len, &off, len);
			type = fz_get16(ans + off);
			rdlen = fz_get16(ans + off + 8);
			if (type != DNS_T_OPT)
				memset(mask + off + 4, 1, 4);
			rd = p = off + 10;
			if (type == 2 || type == 5 || type == 12 || type == 39)
				same_name(ans, out, len, &p, rd + rdlen);
			else if (type == 15 && rdlen > 2) {
				p += 2;
				same_name(ans, out, len, &p, rd + rdlen);
			} else if (type == 6) {
				same_name(ans, out, len, &p, rd + rdlen);
				same_name(ans, out, len, &p, rd + rdlen);
			}
			off = rd + rdlen;
		}
	for (size_t i = 0; i < len; i++)
		if (!mask[i] && out[i] != ans[i])
			abort();
	free(mask);
}

/* One lookup into an exact-size buffer; returns its length after checking it. */
static size_t
look(struct cache *c, const uint8_t *iso, size_t isolen, const struct dns_query *q,
    const uint8_t *qmsg, size_t qlen, size_t cap, uint64_t now, int stale,
    const uint8_t *ans, size_t alen)
{
	uint8_t *out = malloc(cap ? cap : 1);
	int was = -1;
	size_t n;

	if (out == NULL)
		abort();
	n = cache_lookup(c, iso, isolen, q, qmsg, qlen, out, cap, now, stale, &was);
	if (n > cap || (n != 0 && n != alen) || (was != 0 && was != 1) || (was && !n) ||
	    (was && !stale))
		abort();
	if (n != 0) {
		if (dns_check_answer(out, n, &q->q) != DNS_OK || dns_get_id(out) != q->id)
			abort();
		check_out(ans, out, n, qmsg != NULL ? qmsg + DNS_HDRLEN : q->q.name,
		    q->q.namelen);
		if (was) {
			/* stale: every TTL is stale_ttl; checked on the first record */
			size_t off = DNS_HDRLEN + q->q.namelen + 4;
			uint8_t nm[DNS_MAXNAME], nl;

			if (fz_get16(out + 6) > 0 &&
			    dns_name_read(out, n, &off, nm, &nl) == DNS_OK &&
			    fz_get16(out + off) != DNS_T_OPT &&
			    fz_get32(out + off + 4) != c->cfg.stale_ttl)
				abort();
		}
	}
	free(out);
	return n;
}

int
LLVMFuzzerTestOneInput(const uint8_t *d, size_t sz)
{
	static const uint64_t ages[] = { 0, 999, 1000, 61000, 3600000, 86400000, 1ull << 40 };
	struct cache_cfg cfg;
	struct cache c;
	struct cache_stats st;
	struct dns_query q;
	const uint8_t *ans, *qmsg;
	size_t alen, qlen, cap;
	int stale, r;

	if (sz < PARAMS)
		return 0;
	memset(&cfg, 0, sizeof(cfg));
	cfg.max_entries = 1 + (d[1] & 7);
	cfg.max_bytes = (size_t)CACHE_CHUNK << ((d[1] >> 3) % 13);
	cfg.min_ttl = d[2];
	cfg.max_ttl = d[3] ? d[3] * 60u : 86400;
	cfg.stale_max = d[4];
	cfg.stale_ttl = d[5];
	memcpy(cfg.hash_key, d, 8);
	cap = fz_get16(d + 6);
	stale = d[0] & 1;
	alen = fz_get16(d + 8);
	if (alen > sz - PARAMS)
		alen = sz - PARAMS;
	ans = d + PARAMS;
	qmsg = ans + alen;
	qlen = sz - PARAMS - alen;
	if (d[0] & 2) {
		memset(&q, 0, sizeof(q));
		fz_question(ans, alen, &q.q);
		q.id = qlen >= 2 ? fz_get16(qmsg) : 0x1234;
		q.edns = qlen >= 3 && (qmsg[2] & 1);
		q.do_bit = qlen >= 3 && (qmsg[2] & 2);
		qmsg = ans;
		qlen = alen;
	} else if (dns_parse_query(qmsg, qlen, &q) != DNS_OK)
		return 0;
	if (d[0] & 4) {
		qmsg = NULL;
		qlen = 0;
	}
	if (cache_init(&c, &cfg) == -1)
		abort();
	r = cache_store(&c, (const uint8_t *)"iso-1", 5, &q, ans, alen, T0);
	if (r == 0 && look(&c, (const uint8_t *)"iso-1", 5, &q, qmsg, qlen, DNS_MAXMSG, T0,
	    0, ans, alen) != alen)
		abort();	/* fresh and it fits: it answers */
	for (unsigned k = 0; k < ((d[0] >> 3) & 3u); k++) {
		uint8_t iso[2] = { 'x', (uint8_t)k };

		(void)cache_store(&c, iso, sizeof(iso), &q, ans, alen, T0 + k);
	}
	for (size_t i = 0; i < sizeof(ages) / sizeof(ages[0]); i++) {
		(void)look(&c, (const uint8_t *)"iso-1", 5, &q, qmsg, qlen, cap, T0 + ages[i],
		    stale, ans, alen);
		if (look(&c, (const uint8_t *)"iso-2", 5, &q, qmsg, qlen, DNS_MAXMSG,
		    T0 + ages[i], stale, ans, alen) != 0)
			abort();	/* never another domain's */
	}
	cache_stats(&c, &st);
	if (st.entries > cfg.max_entries || st.bytes > cfg.max_bytes)
		abort();
	cache_flush(&c);
	cache_stats(&c, &st);
	if (st.entries != 0 || st.bytes != 0)
		abort();
	cache_destroy(&c);
	return 0;
}
