/*
 * fuzz_reply.c: reply_build into the daemon's buffer (exactly REPLY_BUFLEN bytes), with the
 * family, the client's limit and the answer chosen by the input. Small inputs reach answers
 * near 64 KiB: a chunk of the input is repeated, each copy counted as one more answer
 * record.
 *
 * Input: byte 0: bit 0 IPv6, bit 1 a limit above anything a packet holds; bytes 1-2 the
 * limit; 3-4 how many copies of the chunk; 5 the chunk's length; 6 the length of what
 * follows the chunk; 7-10 the ports; then the message: head, chunk, tail.
 *
 * Invariants: the packet never exceeds the buffer; a nonzero one parses back with
 * packet_parse to the same addresses and ports, with checksums that verify; its payload is
 * the answer whole when it fits the limit and one packet, else cut to them with TC set; an
 * answer that passed dns_check_answer still does after, and after the daemon's retry at
 * DNS_OUR_EDNS when the first packet was too large for the route.
 */
#include <sys/socket.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "fuzz_check.h"
#include "dns.h"
#include "packet.h"
#include "reply.h"

#define PARAMS	11

static uint8_t pkt[REPLY_BUFLEN];	/* the daemon's d->pkt; ASan guards its end */

static const uint8_t src4[4] = { 192, 0, 2, 53 }, dst4[4] = { 198, 51, 100, 7 };
static const uint8_t src6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 0x53 };
static const uint8_t dst6[16] = { 0xfe, 0x80, [14] = 0x12, 0x34 };

/* The answer the input describes, in an exact-size heap buffer. */
static uint8_t *
make_msg(const uint8_t *d, size_t n, size_t *len)
{
	size_t rest = n - PARAMS, copies = fz_get16(d + 3), clen = d[5], tlen = d[6], hlen, room;
	const uint8_t *m = d + PARAMS;
	uint8_t *msg;

	if (clen + tlen > rest || clen == 0)
		clen = tlen = copies = 0;
	hlen = rest - clen - tlen;
	room = hlen + tlen < DNS_MAXMSG ? DNS_MAXMSG - hlen - tlen : 0;
	if (clen && copies > room / clen)
		copies = room / clen;
	*len = hlen + copies * clen + tlen;
	if ((msg = malloc(*len ? *len : 1)) == NULL)
		abort();
	memcpy(msg, m, hlen);
	for (size_t i = 0; i < copies; i++)
		memcpy(msg + hlen + i * clen, m + hlen, clen);
	memcpy(msg + hlen + copies * clen, m + hlen + clen, tlen);
	if (copies && hlen >= DNS_HDRLEN) {	/* each copy one more answer record */
		uint16_t an = (uint16_t)(fz_get16(msg + 6) + copies);

		msg[6] = (uint8_t)(an >> 8);
		msg[7] = (uint8_t)an;
	}
	return msg;
}

/*
 * Build one reply as the daemon does and check it. msg is rewritten in place; returns the
 * payload length (the daemon's new len), 0 if nothing was built.
 */
static size_t
build(const struct reply_to *to, uint8_t *msg, size_t len, size_t limit, int valid,
    const struct dns_question *q)
{
	size_t hl = to->family == AF_INET6 ? PKT_IP6HDR : PKT_IP4HDR;
	size_t alen = to->family == AF_INET6 ? 16 : 4;
	size_t eff = limit, n, plen;
	uint16_t id = len >= 2 ? fz_get16(msg) : 0;
	struct pkt_udp u;
	uint8_t *copy;
	int cut = -1;

	/* what can pass: the limit, one packet of the family, the buffer */
	if (eff > packet_max_payload(to->family))
		eff = packet_max_payload(to->family);
	if (eff > REPLY_BUFLEN - hl - PKT_UDPHDR)
		eff = REPLY_BUFLEN - hl - PKT_UDPHDR;
	n = reply_build(pkt, sizeof(pkt), to, msg, len, limit, &cut);
	if (n > sizeof(pkt) || cut == -1)
		abort();
	if (n == 0) {
		/* an answer that fits is always sent, and one that can be cut to fit too */
		if (len > 0 && len <= eff)
			abort();
		copy = malloc(len ? len : 1);
		if (copy == NULL)
			abort();
		memcpy(copy, msg, len);
		if (dns_fit(copy, len, eff) != 0)
			abort();
		free(copy);
		return 0;
	}
	if (n < hl + PKT_UDPHDR)
		abort();
	plen = n - hl - PKT_UDPHDR;
	if (plen > eff || plen > len || cut != (plen < len))
		abort();
	if (len <= eff && plen != len)
		abort();
	if (packet_parse(pkt, n, &u) != PKT_OK || u.family != to->family ||
	    memcmp(u.src, to->src, alen) != 0 || memcmp(u.dst, to->dst, alen) != 0 ||
	    u.sport != to->sport || u.dport != to->dport || u.paylen != plen ||
	    u.payload != pkt + hl + PKT_UDPHDR || memcmp(u.payload, msg, plen) != 0)
		abort();
	if (!fz_sums_ok(pkt, n, to->family))
		abort();
	if (valid) {
		if (dns_check_answer(u.payload, plen, q) != DNS_OK || fz_get16(u.payload) != id)
			abort();
		if (cut && !(u.payload[2] & 0x02))
			abort();		/* cut: TC must be set */
	}
	return plen;
}

int
LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	struct dns_question q;
	struct reply_to to;
	size_t len, limit, plen;
	uint8_t *msg;
	int valid;

	if (n < PARAMS)
		return 0;
	to.family = d[0] & 1 ? AF_INET6 : AF_INET;
	to.src = d[0] & 1 ? src6 : src4;
	to.dst = d[0] & 1 ? dst6 : dst4;
	to.sport = fz_get16(d + 7);
	to.dport = fz_get16(d + 9);
	limit = d[0] & 2 ? SIZE_MAX : fz_get16(d + 1);
	msg = make_msg(d, n, &len);
	fz_question(msg, len, &q);
	valid = dns_check_answer(msg, len, &q) == DNS_OK;

	plen = build(&to, msg, len, limit, valid, &q);
	/* EMSGSIZE: the daemon tries again, smaller, with what the first build left in msg */
	if (plen > DNS_OUR_EDNS)
		(void)build(&to, msg, plen, DNS_OUR_EDNS, valid, &q);
	free(msg);
	return 0;
}
