/*
 * fuzz_dns_query.c: dns_parse_query and dns_sanitize_query on arbitrary bytes. A query that
 * parses must be described consistently, and the SERVFAIL made for it must parse as an
 * answer to it. The policy has allow-private names: a question under one of them, and only
 * such a one, may keep private addresses. What goes upstream (dns_sanitize_query into the
 * daemon's buffer) is never longer than the client's query; for a query that parses it
 * parses again with the same ID, question, EDNS, DO bit and UDP limit, keeps of the header
 * flags only RD, AD and CD, carries no record but the OPT and no option but padding, and
 * sanitizing it again gives the same bytes. Only a malformed OPT makes it fail.
 */
#include <sys/socket.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "fuzz_check.h"
#include "config.h"
#include "dns.h"
#include "policy.h"

#define F_KEPT	0x0130	/* RD, AD, CD: the header flags a query keeps upstream */

/* allow-private lines, as dnsfence.conf would have them */
static const char *const allowed[] = { "corp.example", "Home.Arpa.", "lan", "x",
    "168.192.in-addr.arpa" };

/* The same question, read from two parsed queries. */
static int
same_question(const struct dns_query *a, const struct dns_query *b)
{
	return a->q.namelen == b->q.namelen && memcmp(a->q.name, b->q.name, a->q.namelen) == 0 &&
	    a->q.qtype == b->q.qtype && a->q.qclass == b->q.qclass;
}

/* Is name (wire, lower case) one of the allowed names or below one? Label by label. */
static int
under_allowed(const struct dns_question *q)
{
	for (size_t k = 0; k < sizeof(allowed) / sizeof(allowed[0]); k++) {
		uint8_t w[DNS_MAXNAME];
		size_t wl = dns_name_from_text(allowed[k], w, sizeof(w));

		for (size_t i = 0; wl != 0 && i < q->namelen; i += 1 + (size_t)q->name[i]) {
			if (q->namelen - i == wl && memcmp(q->name + i, w, wl) == 0)
				return 1;
			if (q->name[i] == 0)
				break;
		}
	}
	return 0;
}

/* What goes upstream for a client's query d[0..n), as dns_sanitize_query makes it. */
static void
check_sanitize(const uint8_t *d, size_t n, const struct dns_query *qr, int parsed)
{
	static uint8_t qbuf[DNS_MAXMSG];	/* the daemon's d->qbuf; ASan guards its end */
	struct dns_query qr2;
	size_t len, len2;
	unsigned dropped, dropped2 = 1;
	uint8_t *again;
	int dirty;

	len = dns_sanitize_query(d, n, qbuf, sizeof(qbuf), &dropped);
	if (len > n)
		abort();
	if (!parsed)
		return;
	if (len == 0) {
		if (!qr->edns)
			abort();		/* without an OPT, nothing can be malformed */
		return;
	}
	if ((len < n) != (dropped > 0))
		abort();
	if (dns_parse_query(qbuf, len, &qr2) != DNS_OK || qr2.id != qr->id ||
	    !same_question(qr, &qr2) || qr2.edns != qr->edns || qr2.do_bit != qr->do_bit ||
	    qr2.udp_limit != qr->udp_limit)
		abort();
	if (fz_get16(qbuf + 2) != (fz_get16(d + 2) & F_KEPT) || fz_get16(qbuf + 10) != qr->edns)
		abort();
	/* its records: the OPT only, with padding only and of the flags DO only */
	if (fz_scan(qbuf, len, &dirty) != 0 || dirty)
		abort();
	/* sanitizing it again: the same bytes, exactly as long, nothing dropped */
	if ((again = malloc(len)) == NULL)
		abort();
	len2 = dns_sanitize_query(qbuf, len, again, len, &dropped2);
	if (len2 != len || dropped2 != 0 || memcmp(again, qbuf, len) != 0)
		abort();
	free(again);
	/* one byte short of room: nothing */
	if ((again = malloc(len - 1)) == NULL)
		abort();
	if (dns_sanitize_query(qbuf, len, again, len - 1, &dropped2) != 0)
		abort();
	free(again);
}

int
LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	struct dns_query qr, qr2;
	uint8_t out[DNS_HDRLEN + DNS_MAXNAME + 4 + 11 + 1], fitted[sizeof(out)];
	char str[64];
	size_t len, i;
	int e;

	e = dns_parse_query(d, n, &qr);
	if (dns_strerror(e) == NULL)
		abort();
	check_sanitize(d, n, &qr, e == DNS_OK);
	if (e != DNS_OK)
		return 0;
	/* the name: labels of 1..63 bytes, then the root, no upper case, namelen in bounds */
	if (qr.q.namelen < 1)
		abort();
	for (i = 0; i < qr.q.namelen && qr.q.name[i] != 0; i += 1 + qr.q.name[i]) {
		if (qr.q.name[i] > DNS_MAXLABEL)
			abort();
		for (size_t k = 1; k <= qr.q.name[i] && i + k < qr.q.namelen; k++)
			if (qr.q.name[i + k] >= 'A' && qr.q.name[i + k] <= 'Z')
				abort();
	}
	if (i != (size_t)qr.q.namelen - 1)
		abort();
	if (qr.id != dns_get_id(d))
		abort();
	if (qr.udp_limit < DNS_MINUDP || (!qr.edns && (qr.udp_limit != DNS_MINUDP || qr.do_bit)))
		abort();
	(void)dns_name_str(qr.q.name, qr.q.namelen, str, sizeof(str));
	if (memchr(str, '\0', sizeof(str)) == NULL)
		abort();

	/* policy: a verdict for every name, and a local answer that answers it */
	{
		static struct policy pol;
		static int init;
		uint8_t ans[DNS_HDRLEN + DNS_MAXNAME + 4 + 12 + 16 + 11], a[16];
		enum policy_verdict v;
		int fam;

		if (!init) {
			struct config c;

			config_defaults(&c);
			for (size_t k = 0; k < sizeof(allowed) / sizeof(allowed[0]); k++)
				snprintf(c.allow_private[c.nallow_private++],
				    sizeof(c.allow_private[0]), "%s", allowed[k]);
			policy_init(&pol, &c);
			init = 1;
		}
		if (policy_private_allowed(&pol, &qr.q) != under_allowed(&qr.q))
			abort();
		v = policy_classify(&pol, &qr.q);
		if ((unsigned)v >= POLICY_NVERDICTS)
			abort();
		if (v != POLICY_FORWARD) {
			size_t an = policy_answer(v, &qr, ans, sizeof(ans));

			if (an == 0 || dns_check_answer(ans, an, &qr.q) != DNS_OK)
				abort();
		}
		/* a reverse name's address, written back, is the same name */
		fam = dns_ptr_addr(qr.q.name, qr.q.namelen, a);
		if (fam != 0 && fam != AF_INET && fam != AF_INET6)
			abort();
		if (fam == AF_INET) {
			char t[64];
			uint8_t w[DNS_MAXNAME];

			snprintf(t, sizeof(t), "%u.%u.%u.%u.in-addr.arpa", a[3], a[2], a[1], a[0]);
			if (dns_name_from_text(t, w, sizeof(w)) != qr.q.namelen ||
			    memcmp(w, qr.q.name, qr.q.namelen) != 0)
				abort();
		}
	}

	/* SERVFAIL: exact size, never written past its cap, an answer to this question */
	len = DNS_HDRLEN + qr.q.namelen + 4 + (qr.edns ? 11 : 0);
	out[len] = 0xa5;
	if (dns_servfail(&qr, out, len - 1) != 0 || out[len] != 0xa5)
		abort();
	if (dns_servfail(&qr, out, len) != len || out[len] != 0xa5)
		abort();
	if (dns_check_answer(out, len, &qr.q) != DNS_OK)
		abort();
	if (dns_get_id(out) != qr.id || (out[3] & 0x0f) != DNS_RCODE_SERVFAIL)
		abort();
	if (dns_parse_query(out, len, &qr2) != DNS_EQR)
		abort();
	/* it is already small: fitting to the smallest client limit changes nothing */
	memcpy(fitted, out, len);
	if (dns_fit(fitted, len, DNS_MINUDP) != len || memcmp(fitted, out, len) != 0)
		abort();
	return 0;
}
