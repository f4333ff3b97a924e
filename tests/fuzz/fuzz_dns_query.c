/*
 * fuzz_dns_query.c: dns_parse_query on arbitrary bytes. A query that parses must be
 * described consistently, and the SERVFAIL made for it must parse as an answer to it.
 */
#include <sys/socket.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "config.h"
#include "dns.h"
#include "policy.h"

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
			policy_init(&pol, &c);
			init = 1;
		}
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
