/*
 * fuzz_dns_answer.c: an upstream answer on its way to the client: dns_check_answer,
 * dns_rewrite_answer, dns_clear_ad, dns_set_id and dns_fit, on arbitrary bytes.
 *
 * Input: bytes 0-1 the client's limit; 2-3 the size of the rewrite's output buffer (the
 * daemon's is DNS_MAXMSG, 65535); 4: bits 0-1 what to rewrite (DNS_RW_PRIVATE,
 * DNS_RW_EDNS), bits 2-3 which question the answer is checked against (0 its own, 1 its
 * own name with qtype from byte 5, 2 its own name less the first label, 3 the name at
 * offset 12 + byte 5); 6-7 the client's ID; then the message.
 *
 * Invariants: dns_fit returns 0 or at most the limit, never more than the input; when the
 * input passed dns_check_answer, a fitted message passes it too, with the same ID and TC
 * set if cut. dns_rewrite_answer into the daemon's buffer is the reference: into a buffer
 * of any other size it gives the same bytes when they fit and DNS_ENOSPACE when they do
 * not, never writing past it. A rewritten answer passes dns_check_answer, keeps the ID and
 * flags, holds no private address (DNS_RW_PRIVATE) and no option but padding nor flag but
 * DO (DNS_RW_EDNS), and rewriting it again changes nothing; dns_clear_ad and dns_set_id
 * then change only their bits, and the result still fits like any other answer.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "fuzz_check.h"
#include "dns.h"

#define PARAMS	8

static uint8_t filt[DNS_MAXMSG];	/* the daemon's d->filt; ASan guards its end */

/* Exact-size heap copy: ASan catches reads and writes past it. */
static uint8_t *
dup_exact(const uint8_t *p, size_t len)
{
	uint8_t *c = malloc(len ? len : 1);

	if (c == NULL)
		abort();
	memcpy(c, p, len);
	return c;
}

/* The question to check the answer against, as byte 4 (bits 2-3) and byte 5 choose. */
static void
question_of(const uint8_t *msg, size_t len, unsigned mode, uint8_t arg,
    struct dns_question *q)
{
	fz_question(msg, len, q);
	if (mode == 1) {
		q->qtype = arg;
	} else if (mode == 2 && q->namelen > 1) {
		uint8_t l = q->name[0];

		memmove(q->name, q->name + 1 + l, q->namelen - 1 - l);
		q->namelen = (uint8_t)(q->namelen - 1 - l);
	} else if (mode == 3) {
		size_t off = DNS_HDRLEN + (size_t)arg;

		if (dns_name_read(msg, len, &off, q->name, &q->namelen) != DNS_OK) {
			q->name[0] = 0;
			q->namelen = 1;
		}
	}
}

/* dns_fit on a copy: at most the limit; an answer that passed still passes, same ID. */
static void
check_fit(const uint8_t *msg, size_t len, size_t limit, int valid,
    const struct dns_question *q)
{
	uint8_t *copy = dup_exact(msg, len);
	size_t r = dns_fit(copy, len, limit);

	if (r > limit || r > len)
		abort();
	if (len <= limit && (r != len || memcmp(copy, msg, len) != 0))
		abort();
	if (r != 0 && valid) {
		if (dns_check_answer(copy, r, q) != DNS_OK)
			abort();
		if (dns_get_id(copy) != dns_get_id(msg))
			abort();
		if (r < len && !(copy[2] & 0x02))
			abort();		/* cut: TC must be set */
	}
	free(copy);
}

/* dns_clear_ad, then dns_set_id, on a copy: only the AD bit and the ID change. */
static void
check_header(const uint8_t *msg, size_t len, uint16_t id, int valid,
    const struct dns_question *q)
{
	uint8_t *copy = dup_exact(msg, len);

	dns_clear_ad(copy, len);
	if (len < DNS_HDRLEN) {
		if (memcmp(copy, msg, len) != 0)
			abort();
		free(copy);
		return;
	}
	if (copy[3] != (msg[3] & ~0x20) || memcmp(copy, msg, 3) != 0 ||
	    memcmp(copy + 4, msg + 4, len - 4) != 0)
		abort();
	dns_set_id(copy, id);
	if (dns_get_id(copy) != id || memcmp(copy + 2, msg + 2, 1) != 0 ||
	    memcmp(copy + 4, msg + 4, len - 4) != 0)
		abort();
	if (valid && dns_check_answer(copy, len, q) != DNS_OK)
		abort();
	free(copy);
}

/* What a rewrite into a buffer of cap bytes gives, against the reference into filt. */
static void
check_cap(const uint8_t *msg, size_t len, unsigned what, size_t cap, int ref_e,
    size_t ref_len, const struct dns_rewrite *ref_rw)
{
	uint8_t *out = malloc(cap ? cap : 1);
	struct dns_rewrite rw;
	size_t olen = 1;
	int e;

	if (out == NULL)
		abort();
	e = dns_rewrite_answer(msg, len, what, out, cap, &olen, &rw);
	if (ref_e != DNS_OK) {
		if ((e != ref_e && e != DNS_ENOSPACE) || olen != 0)
			abort();
	} else if (ref_len == 0 || cap >= ref_len) {
		if (e != DNS_OK || olen != ref_len || memcmp(out, filt, olen) != 0 ||
		    rw.removed != ref_rw->removed || rw.opts_removed != ref_rw->opts_removed)
			abort();
	} else if (e != DNS_ENOSPACE || olen != 0)
		abort();
	free(out);
}

/* The daemon's path for an answer that passed: rewrite, clear AD, set the ID, fit. */
static void
check_rewrite(const uint8_t *msg, size_t len, unsigned what, size_t cap, size_t limit,
    uint16_t id, const struct dns_question *q)
{
	static uint8_t again[DNS_MAXMSG];
	struct dns_rewrite rw, rw2;
	size_t flen, alen;
	long priv_in, priv_out;
	int e, dirty_in, dirty_out;

	e = dns_rewrite_answer(msg, len, what, filt, sizeof(filt), &flen, &rw);
	if (dns_strerror(e) == NULL)
		abort();
	check_cap(msg, len, what, cap, e, flen, &rw);
	if (what == DNS_RW_PRIVATE) {	/* the old name for it: the same */
		unsigned removed;
		size_t olen;
		uint8_t *out = malloc(DNS_MAXMSG);

		if (out == NULL ||
		    dns_filter_private(msg, len, out, DNS_MAXMSG, &olen, &removed) != e ||
		    olen != flen || removed != (e == DNS_OK ? rw.removed : 0) ||
		    memcmp(out, filt, olen) != 0)
			abort();
		free(out);
	}
	if (e != DNS_OK)
		return;
	if ((priv_in = fz_scan(msg, len, &dirty_in)) < 0)
		abort();			/* it passed dns_check_answer */
	if (!(what & DNS_RW_PRIVATE) && rw.removed != 0)
		abort();
	if ((what & DNS_RW_PRIVATE) && rw.removed != (unsigned long)priv_in)
		abort();
	if (!(what & DNS_RW_EDNS) && rw.opts_removed != 0)
		abort();
	if (flen == 0) {		/* nothing to change, and nothing was */
		if (rw.removed != 0 || rw.opts_removed != 0 || ((what & DNS_RW_EDNS) && dirty_in))
			abort();
		return;
	}
	if (flen > DNS_MAXMSG || dns_check_answer(filt, flen, q) != DNS_OK ||
	    memcmp(filt, msg, 4) != 0)
		abort();
	if ((priv_out = fz_scan(filt, flen, &dirty_out)) < 0)
		abort();
	if (((what & DNS_RW_PRIVATE) && priv_out != 0) || ((what & DNS_RW_EDNS) && dirty_out))
		abort();
	if (e == DNS_OK && rw.removed == 0 && rw.opts_removed == 0 && !dirty_in)
		abort();			/* rebuilt with nothing to change */
	if (dns_rewrite_answer(filt, flen, what, again, sizeof(again), &alen, &rw2) != DNS_OK ||
	    alen != 0 || rw2.removed != 0 || rw2.opts_removed != 0)
		abort();
	check_header(filt, flen, id, 1, q);
	check_fit(filt, flen, limit, 1, q);
}

int
LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	struct dns_question q;
	size_t limit, cap, len;
	unsigned what;
	uint16_t id;
	const uint8_t *msg;
	int valid;

	if (n < PARAMS)
		return 0;
	limit = fz_get16(d);
	cap = fz_get16(d + 2);
	what = d[4] & (DNS_RW_PRIVATE | DNS_RW_EDNS);
	id = fz_get16(d + 6);
	msg = d + PARAMS;
	len = n - PARAMS;

	question_of(msg, len, (d[4] >> 2) & 3, d[5], &q);
	valid = dns_check_answer(msg, len, &q) == DNS_OK;
	check_fit(msg, len, limit, valid, &q);
	check_header(msg, len, id, valid, &q);
	if (valid)
		check_rewrite(msg, len, what, cap, limit, id, &q);
	else {
		/* the daemon never rewrites what failed the check; it must still be safe */
		size_t olen;
		struct dns_rewrite rw;
		uint8_t *out = malloc(cap ? cap : 1);

		if (out == NULL)
			abort();
		if (dns_rewrite_answer(msg, len, what, out, cap, &olen, &rw) == DNS_OK &&
		    olen > cap)
			abort();
		free(out);
	}
	return 0;
}
