/*
 * fuzz_dns_answer.c: dns_check_answer and dns_fit on arbitrary bytes. The first two bytes
 * choose the client's limit; the rest is the message. The question to check against is read
 * from the message itself, so answers that match are common.
 *
 * Invariants: dns_fit returns 0 or at most the limit, never more than the input; and when
 * the input passed dns_check_answer, a fitted message passes it too, with the same ID.
 * The daemon's order is check, filter private addresses, fit: an answer that
 * dns_filter_private rebuilt must pass dns_check_answer, hold no private address any more,
 * and fit like any other.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "dns.h"

int
LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	struct dns_question q;
	size_t limit, len, off = DNS_HDRLEN, r;
	const uint8_t *msg;
	uint8_t *copy;
	int e;

	if (n < 2)
		return 0;
	limit = (size_t)d[0] << 8 | d[1];
	msg = d + 2;
	len = n - 2;

	memset(&q, 0, sizeof(q));
	if (len >= DNS_HDRLEN &&
	    dns_name_read(msg, len, &off, q.name, &q.namelen) == DNS_OK && off + 4 <= len) {
		q.qtype = (uint16_t)(msg[off] << 8 | msg[off + 1]);
		q.qclass = (uint16_t)(msg[off + 2] << 8 | msg[off + 3]);
	} else {
		q.namelen = 1;		/* the root, type A, class IN */
		q.qtype = 1;
		q.qclass = 1;
	}
	e = dns_check_answer(msg, len, &q);
	if (dns_strerror(e) == NULL)
		abort();

	/* an exact-size copy: ASan catches reads and writes past it */
	if ((copy = malloc(len ? len : 1)) == NULL)
		abort();
	memcpy(copy, msg, len);
	r = dns_fit(copy, len, limit);
	if (r > limit || r > len)
		abort();
	if (len <= limit && (r != len || memcmp(copy, msg, len) != 0))
		abort();
	if (r != 0 && e == DNS_OK) {
		if (dns_check_answer(copy, r, &q) != DNS_OK)
			abort();
		if (dns_get_id(copy) != dns_get_id(msg))
			abort();
		if (r < len && !(copy[2] & 0x02))
			abort();		/* cut: TC must be set */
	}
	free(copy);

	if (e == DNS_OK) {
		static uint8_t out[DNS_MAXMSG + 1], again[DNS_MAXMSG + 1];
		size_t olen = 0, alen = 0;
		unsigned removed = 0, removed2 = 1;

		if (dns_filter_private(msg, len, out, sizeof(out), &olen, &removed) == DNS_OK &&
		    removed != 0) {
			if (olen > DNS_MAXMSG || dns_check_answer(out, olen, &q) != DNS_OK)
				abort();
			if (dns_filter_private(out, olen, again, sizeof(again), &alen, &removed2) !=
			    DNS_OK || removed2 != 0)
				abort();
			r = dns_fit(out, olen, limit);
			if (r > limit || (r != 0 && dns_check_answer(out, r, &q) != DNS_OK))
				abort();
		}
	}
	return 0;
}
