/*
 * test_reply.c: answers fitted and wrapped in IP + UDP, in the daemon's own buffer size,
 * with a canary after it. Before reply.c, an IPv6 answer near 64 KiB was written past it.
 */
#define T_SUITE "reply"
#include <sys/socket.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include "t.h"
#include "dns.h"
#include "packet.h"
#include "reply.h"

#define CANARY		64	/* bytes checked after the buffer */
#define CANARY_BYTE	0xa5
#define T_TXT		16
#define QNAME		"\003big\007example"	/* and its final 0 */
#define QEND		(DNS_HDRLEN + sizeof(QNAME) + 4)
#define OPTLEN		11
#define TXT_MAX		(2 + 10 + 255)	/* a record: owner pointer, fixed part, rdata */
#define MAX6		(PKT_MAXLEN - PKT_UDPHDR)		/* one IPv6 packet's payload */
#define MAX4		(PKT_MAXLEN - PKT_IP4HDR - PKT_UDPHDR)	/* one IPv4 packet's */

static const uint8_t src4[4] = { 192, 0, 2, 53 }, dst4[4] = { 192, 0, 2, 100 };
static const uint8_t src6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 0x53 };
static const uint8_t dst6[16] = { 0x20, 0x01, 0x0d, 0xb8, [14] = 1, 0 };

static void
put16(uint8_t *p, size_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static unsigned
get16(const uint8_t *p)
{
	return (unsigned)(p[0] << 8 | p[1]);
}

/*
 * An answer to "big.example TXT" of exactly total bytes: TXT records of up to 255 bytes of
 * RDATA (owner compressed), then an OPT (UDP size 65535, DO) if opt. Returns the number
 * of TXT records; each one's RDATA is filled with its index, so a test can tell them apart.
 */
static unsigned
txt_answer(uint8_t *m, size_t total, int opt)
{
	size_t o = QEND, end = total - (opt ? OPTLEN : 0);
	unsigned n = 0;

	memset(m, 0, QEND);
	put16(m, 0x4242);
	put16(m + 2, 0x8180);			/* QR RD RA */
	put16(m + 4, 1);
	memcpy(m + DNS_HDRLEN, QNAME, sizeof(QNAME));
	put16(m + DNS_HDRLEN + sizeof(QNAME), T_TXT);
	put16(m + DNS_HDRLEN + sizeof(QNAME) + 2, DNS_C_IN);
	while (o < end) {
		size_t r = end - o;

		/* leave a last record of at least 13 bytes (one byte of RDATA) */
		if (r > TXT_MAX)
			r = r - TXT_MAX < 13 ? r / 2 : TXT_MAX;
		put16(m + o, 0xc00c);
		put16(m + o + 2, T_TXT);
		put16(m + o + 4, DNS_C_IN);
		put16(m + o + 6, 0);
		put16(m + o + 8, 300);
		put16(m + o + 10, r - 12);
		m[o + 12] = (uint8_t)(r - 13);	/* one character-string */
		memset(m + o + 13, 'a' + (int)(n % 26), r - 13);
		o += r;
		n++;
	}
	if (opt) {
		m[o] = 0;
		put16(m + o + 1, DNS_T_OPT);
		put16(m + o + 3, 65535);
		put16(m + o + 5, 0);
		put16(m + o + 7, 0x8000);
		put16(m + o + 9, 0);
		o += OPTLEN;
	}
	put16(m + 6, n);
	put16(m + 10, opt ? 1 : 0);
	return n;
}

/* The reply buffer as the daemon has it, plus a canary; freed by the caller. */
static uint8_t *
pkt_buf(void)
{
	uint8_t *p = malloc(REPLY_BUFLEN + CANARY);

	if (p == NULL)
		abort();
	memset(p, 0, REPLY_BUFLEN);
	memset(p + REPLY_BUFLEN, CANARY_BYTE, CANARY);
	return p;
}

static int
canary_ok(const uint8_t *p, size_t at)
{
	for (size_t i = 0; i < CANARY; i++)
		if (p[at + i] != CANARY_BYTE)
			return 0;
	return 1;
}

/* The one's complement sum, written again here so the test does not trust packet.c. */
static uint16_t
csum(const uint8_t *p, size_t len, uint32_t sum)
{
	for (size_t i = 0; i + 1 < len; i += 2)
		sum += get16(p + i);
	if (len % 2)
		sum += (uint32_t)p[len - 1] << 8;
	while (sum > 0xffff)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

/*
 * Check a built packet by hand: version, lengths, addresses, ports and both checksums.
 * Returns the payload's offset, or 0 if something is wrong.
 */
static size_t
packet_ok(const uint8_t *p, size_t n, const struct reply_to *to)
{
	size_t hl = to->family == AF_INET6 ? PKT_IP6HDR : PKT_IP4HDR;
	size_t alen = to->family == AF_INET6 ? 16 : 4;
	const uint8_t *u = p + hl, *s = p + (to->family == AF_INET6 ? 8 : 12);
	uint32_t pseudo;

	if (n < hl + PKT_UDPHDR || n > REPLY_BUFLEN)
		return 0;
	if (to->family == AF_INET6) {
		if (p[0] >> 4 != 6 || get16(p + 4) != n - hl || p[6] != 17)
			return 0;
	} else {
		if (p[0] != 0x45 || get16(p + 2) != n || p[9] != 17 || (get16(p + 6) & 0x3fff))
			return 0;
		if (csum(p, PKT_IP4HDR, 0) != 0xffff)
			return 0;
	}
	if (memcmp(s, to->src, alen) != 0 || memcmp(s + alen, to->dst, alen) != 0)
		return 0;
	if (get16(u) != to->sport || get16(u + 2) != to->dport || get16(u + 4) != n - hl)
		return 0;
	pseudo = csum(s, 2 * alen, 17 + (uint32_t)(n - hl));
	if (get16(u + 6) == 0 || csum(u, n - hl, pseudo) != 0xffff)
		return 0;
	return hl + PKT_UDPHDR;
}

/*
 * A cut answer, against the original: the ID and the question are the same, TC is set, the
 * records kept are the first ones unchanged and whole (the cut is at a record boundary), and
 * the OPT, if there was one, comes last unchanged. Returns the TXT records kept, or -1.
 */
static long
cut_ok(const uint8_t *pl, size_t plen, const uint8_t *orig, size_t olen, int opt)
{
	struct dns_question q;
	size_t o = QEND, end = plen - (opt ? OPTLEN : 0);
	long kept = 0;

	memset(&q, 0, sizeof(q));
	memcpy(q.name, QNAME, sizeof(QNAME));
	q.namelen = sizeof(QNAME);
	q.qtype = T_TXT;
	q.qclass = DNS_C_IN;
	if (plen >= olen || dns_check_answer(pl, plen, &q) != DNS_OK)
		return -1;
	if (get16(pl) != get16(orig) || !(pl[2] & 0x02) || memcmp(pl + 4, orig + 4, 2) != 0)
		return -1;
	if (memcmp(pl + DNS_HDRLEN, orig + DNS_HDRLEN, end - DNS_HDRLEN) != 0)
		return -1;
	while (o < end) {
		o += 12 + get16(pl + o + 10);
		kept++;
	}
	/* whole records only, and the next one would not have fitted */
	if (o != end || get16(pl + 6) != (unsigned long)kept)
		return -1;
	if (opt && (get16(pl + 10) != 1 || memcmp(pl + end, orig + olen - OPTLEN, OPTLEN) != 0))
		return -1;
	if (!opt && get16(pl + 10) != 0)
		return -1;
	return kept;
}

/*
 * Build the reply of an answer of total bytes to family's client with limit, in the daemon's
 * buffer. Returns the payload length (0 if nothing was built); *kept is the records kept.
 */
static size_t
build(int family, size_t total, int opt, size_t limit, long *kept, int *truncated)
{
	const struct reply_to to = { family, family == AF_INET6 ? src6 : src4,
	    family == AF_INET6 ? dst6 : dst4, 53, 40000 };
	uint8_t *pkt = pkt_buf(), *m = malloc(total), *orig = malloc(total);
	size_t n, off, plen = 0;

	if (m == NULL || orig == NULL)
		abort();
	txt_answer(orig, total, opt);
	memcpy(m, orig, total);
	*kept = -1;
	n = reply_build(pkt, REPLY_BUFLEN, &to, m, total, limit, truncated);
	if (!canary_ok(pkt, REPLY_BUFLEN))
		n = 0, *truncated = -1;		/* never happens unless reply.c overflows */
	else if (n != 0 && (off = packet_ok(pkt, n, &to)) != 0) {
		plen = n - off;
		if (!*truncated)
			*kept = plen == total && memcmp(pkt + off, orig, total) == 0 ? 0 : -1;
		else
			*kept = cut_ok(pkt + off, plen, orig, total, opt);
	}
	free(orig);
	free(m);
	free(pkt);
	return plen;
}

/*
 * Answers near 64 KiB to clients that take them: whole when one packet of the family can
 * carry them, else cut to it (IPv6 leaves 65527 bytes of payload, IPv4 20 fewer).
 */
static void
near_64k(void)
{
	static const struct {
		int	family;
		size_t	total;
		int	opt;
		size_t	limit;
		int	whole;
	} t[] = {
		{ AF_INET6, DNS_MAXMSG, 1, 65535, 0 },
		{ AF_INET6, 65520, 1, 65535, 1 },
		{ AF_INET6, MAX6, 0, 65535, 1 },
		{ AF_INET6, MAX6 + 1, 0, 65535, 0 },
		{ AF_INET6, DNS_MAXMSG, 1, MAX6, 0 },	/* the limit the old builder overflowed with */
		{ AF_INET6, DNS_MAXMSG, 0, SIZE_MAX, 0 },	/* above anything a packet holds */
		{ AF_INET, DNS_MAXMSG, 1, 65535, 0 },
		{ AF_INET, 65520, 1, 65535, 0 },		/* whole to IPv6, not here */
		{ AF_INET, MAX4, 1, 65535, 1 },
		{ AF_INET, MAX4 + 1, 1, 65535, 0 },
		{ AF_INET, DNS_MAXMSG, 1, SIZE_MAX, 0 },
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		size_t max = t[i].family == AF_INET6 ? MAX6 : MAX4, plen;
		long kept;
		int cut;

		CHECK(packet_max_payload(t[i].family) == max);
		plen = build(t[i].family, t[i].total, t[i].opt, t[i].limit, &kept, &cut);
		if (t[i].whole) {
			CHECK(plen == t[i].total && cut == 0 && kept == 0);
			continue;
		}
		/* cut: as many whole records as fit, the next one did not */
		CHECK(plen > 0 && cut == 1 && kept > 0);
		CHECK(plen <= max && plen > max - TXT_MAX);
	}
}

/* A client without EDNS: 512 bytes, TC, no OPT made up. */
static void
limit_512_no_opt(void)
{
	static const int fam[] = { AF_INET, AF_INET6 };
	long kept;
	int cut;
	size_t plen;

	for (size_t i = 0; i < sizeof(fam) / sizeof(fam[0]); i++) {
		plen = build(fam[i], 2600, 0, DNS_MINUDP, &kept, &cut);
		/* 29 bytes of header and question, then whole records of 267 bytes */
		CHECK(plen == QEND + TXT_MAX && cut == 1 && kept == 1);
		plen = build(fam[i], 2600, 1, DNS_MINUDP, &kept, &cut);
		CHECK(plen == QEND + TXT_MAX + OPTLEN && cut == 1 && kept == 1);
		plen = build(fam[i], 400, 0, DNS_MINUDP, &kept, &cut);
		CHECK(plen == 400 && cut == 0 && kept == 0);
	}
}

/* A cut is at a record boundary at every limit, and never above the limit. */
static void
every_limit(void)
{
	long kept;
	int cut;
	size_t plen;

	for (size_t limit = QEND + OPTLEN; limit < 1400; limit += 7) {
		plen = build(AF_INET6, 1400, 1, limit, &kept, &cut);
		CHECK(plen > 0 && plen <= limit && cut == 1 && kept >= 0);
		CHECK((size_t)kept == (limit - QEND - OPTLEN) / TXT_MAX);
	}
	/* below the header, the question and the OPT: nothing */
	CHECK(build(AF_INET, 1400, 1, QEND + OPTLEN - 1, &kept, &cut) == 0);
	CHECK(build(AF_INET, 1400, 0, QEND - 1, &kept, &cut) == 0);
	CHECK(build(AF_INET, 1400, 0, 0, &kept, &cut) == 0);
}

/* A message that does not parse, when it has to be cut: no packet. */
static void
not_parsed(void)
{
	const struct reply_to to = { AF_INET, src4, dst4, 53, 40000 };
	uint8_t *pkt = pkt_buf(), m[600];
	int cut;

	txt_answer(m, sizeof(m), 0);
	put16(m + 6, 3);			/* as built: 3 records, parses */
	CHECK(reply_build(pkt, REPLY_BUFLEN, &to, m, sizeof(m), DNS_MINUDP, &cut) != 0);
	put16(m + 6, 4);			/* says 4: the last is missing */
	CHECK(reply_build(pkt, REPLY_BUFLEN, &to, m, sizeof(m), DNS_MINUDP, &cut) == 0);
	txt_answer(m, sizeof(m), 0);
	put16(m + 4, 2);			/* two questions */
	CHECK(reply_build(pkt, REPLY_BUFLEN, &to, m, sizeof(m), DNS_MINUDP, &cut) == 0);
	txt_answer(m, sizeof(m), 0);
	m[DNS_HDRLEN] = 0xc0;			/* the question's name points forward */
	CHECK(reply_build(pkt, REPLY_BUFLEN, &to, m, sizeof(m), DNS_MINUDP, &cut) == 0);
	CHECK(reply_build(pkt, REPLY_BUFLEN, &to, m, 11, 10, &cut) == 0);	/* no header */
	CHECK(canary_ok(pkt, REPLY_BUFLEN));
	free(pkt);
}

/* Buffers smaller than the daemon's: the answer is fitted to them, never written past. */
static void
small_buffers(void)
{
	const struct reply_to to6 = { AF_INET6, src6, dst6, 53, 40000 };
	const struct reply_to to4 = { AF_INET, src4, dst4, 53, 40000 };
	uint8_t *pkt = pkt_buf(), *m = malloc(DNS_MAXMSG);
	size_t n;
	int cut;

	if (m == NULL)
		abort();
	/* the old buffer: 65535 bytes, which the IPv6 header and a 65527-byte answer overflowed */
	memset(pkt + PKT_MAXLEN, CANARY_BYTE, REPLY_BUFLEN - PKT_MAXLEN);
	txt_answer(m, DNS_MAXMSG, 1);
	n = reply_build(pkt, PKT_MAXLEN, &to6, m, DNS_MAXMSG, 65527, &cut);
	CHECK(n > 0 && n <= PKT_MAXLEN && cut == 1);
	CHECK(pkt[PKT_MAXLEN] == CANARY_BYTE && canary_ok(pkt, REPLY_BUFLEN));
	CHECK(packet_ok(pkt, n, &to6) != 0);
	/* no room even for the headers */
	CHECK(reply_build(pkt, PKT_IP6HDR + PKT_UDPHDR - 1, &to6, m, 100, 512, &cut) == 0);
	CHECK(reply_build(pkt, PKT_IP4HDR + PKT_UDPHDR - 1, &to4, m, 100, 512, &cut) == 0);
	CHECK(reply_build(pkt, 0, &to4, m, 100, 512, &cut) == 0);
	/* room for the headers, the question and the OPT only */
	txt_answer(m, 3000, 1);
	n = reply_build(pkt, PKT_IP4HDR + PKT_UDPHDR + QEND + OPTLEN, &to4, m, 3000, 4096, &cut);
	CHECK(n == PKT_IP4HDR + PKT_UDPHDR + QEND + OPTLEN && cut == 1 && get16(pkt + 34) == 0);
	CHECK(packet_ok(pkt, n, &to4) != 0);
	CHECK(canary_ok(pkt, REPLY_BUFLEN));
	free(m);
	free(pkt);
}

int
main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);	/* TAP lines survive a sanitizer abort */
	alarm(120);
	RUN(near_64k);
	RUN(limit_512_no_opt);
	RUN(every_limit);
	RUN(not_parsed);
	RUN(small_buffers);
	return T_DONE();
}
