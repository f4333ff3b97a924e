/* test_packet.c: IPv4/IPv6/UDP parsing and reply building, with hostile inputs. */
#define T_SUITE "packet"
#include <stdint.h>
#include <stdlib.h>
#include <sys/socket.h>

#include "t.h"
#include "packet.h"

/*
 * A hand-written IPv4/UDP packet: 192.0.2.1:53 -> 198.51.100.2:40000, payload 12 34 56 78.
 * The two checksums are the known vectors worked out in known_vector_v4 below.
 */
static const uint8_t v4pkt[] = {
	0x45, 0x00, 0x00, 0x20,		/* v4, IHL 5, total 32 */
	0x00, 0x00, 0x00, 0x00,		/* ID 0, no flags, offset 0 */
	0x40, 0x11, 0x8e, 0x96,		/* TTL 64, UDP, header checksum */
	0xc0, 0x00, 0x02, 0x01,		/* 192.0.2.1 */
	0xc6, 0x33, 0x64, 0x02,		/* 198.51.100.2 */
	0x00, 0x35, 0x9c, 0x40,		/* 53 -> 40000 */
	0x00, 0x0c, 0x0e, 0x7d,		/* UDP length 12, checksum */
	0x12, 0x34, 0x56, 0x78,
};

/* The same datagram over IPv6: 2001:db8::1 -> 2001:db8::2. */
static const uint8_t v6pkt[] = {
	0x60, 0x00, 0x00, 0x00,
	0x00, 0x0c, 0x11, 0x40,		/* payload 12, next header UDP, hop limit 64 */
	0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01,
	0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x02,
	0x00, 0x35, 0x9c, 0x40,
	0x00, 0x0c, 0x9f, 0x3f,
	0x12, 0x34, 0x56, 0x78,
};

/*
 * IPv6 with a hop-by-hop header (8 bytes: NH=dstopts, len 0, PadN) and a destination-options
 * header (16 bytes: NH=UDP, len 1, PadN) before UDP. Payload length 8 + 16 + 12 = 36.
 */
static const uint8_t v6ext[] = {
	0x60, 0x00, 0x00, 0x00,
	0x00, 0x24, 0x00, 0x40,		/* payload 36, next header hop-by-hop */
	0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01,
	0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x02,
	60, 0, 1, 4, 0, 0, 0, 0,	/* hop-by-hop -> dstopts, PadN(4) */
	17, 1, 1, 12, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,	/* dstopts -> UDP, PadN(12) */
	0x00, 0x35, 0x9c, 0x40,
	0x00, 0x0c, 0x9f, 0x3f,
	0x12, 0x34, 0x56, 0x78,
};

static const uint8_t a4s[4] = { 192, 0, 2, 1 }, a4d[4] = { 198, 51, 100, 2 };
static const uint8_t a6s[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };
static const uint8_t a6d[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 2 };
static const uint8_t pay4[4] = { 0x12, 0x34, 0x56, 0x78 };

/* Parse from a heap copy of exactly len bytes, so ASan sees any read past the end. */
static int
parse_exact(const uint8_t *p, size_t len, struct pkt_udp *u)
{
	uint8_t *c = malloc(len ? len : 1);
	int e;

	if (c == NULL)
		abort();
	memcpy(c, p, len);
	e = packet_parse(c, len, u);
	free(c);
	return e;
}

/* Independent of packet_sum: RFC 1071 one's-complement sum, folded, complemented. */
static uint16_t
ref_csum(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen, const uint8_t *c,
    size_t clen)
{
	const uint8_t *parts[3] = { a, b, c };
	size_t lens[3] = { alen, blen, clen };
	uint64_t sum = 0;

	for (int k = 0; k < 3; k++)
		for (size_t i = 0; i < lens[k]; i++)
			sum += (i & 1) ? parts[k][i] : (uint64_t)parts[k][i] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* One's-complement sum of the pseudo-header plus the UDP segment, folded; 0 if correct. */
static uint16_t
udp_verify(const uint8_t *pkt, size_t len)
{
	int v6 = (pkt[0] >> 4) == 6;
	size_t hl = v6 ? 40 : (size_t)(pkt[0] & 15) * 4;
	size_t alen = v6 ? 16 : 4;
	const uint8_t *src = pkt + (v6 ? 8 : 12);
	uint8_t pseudo[40];
	size_t ulen = len - hl, n = 0;

	memcpy(pseudo, src, 2 * alen);		/* src and dst are adjacent in both */
	n = 2 * alen;
	pseudo[n++] = 0;
	pseudo[n++] = 17;
	pseudo[n++] = (uint8_t)(ulen >> 8);
	pseudo[n++] = (uint8_t)ulen;
	return ref_csum(pseudo, n, pkt + hl, ulen, NULL, 0);
}

static void
parse_v4(void)
{
	struct pkt_udp u;

	CHECK(parse_exact(v4pkt, sizeof(v4pkt), &u) == PKT_OK);
	CHECK(u.family == AF_INET);
	CHECK(memcmp(u.src, a4s, 4) == 0);
	CHECK(memcmp(u.dst, a4d, 4) == 0);
	CHECK(u.sport == 53 && u.dport == 40000);
	CHECK(u.paylen == 4);
	/* payload points into the caller's buffer */
	CHECK(packet_parse(v4pkt, sizeof(v4pkt), &u) == PKT_OK);
	CHECK(u.payload == v4pkt + 28);
}

static void
parse_v4_options(void)
{
	uint8_t p[sizeof(v4pkt) + 4];
	struct pkt_udp u;

	/* IHL 6: four bytes of options (NOP NOP NOP EOL) between the header and UDP */
	memcpy(p, v4pkt, 20);
	p[0] = 0x46;
	p[3] = 36;
	memcpy(p + 20, (const uint8_t[]){ 1, 1, 1, 0 }, 4);
	memcpy(p + 24, v4pkt + 20, 12);
	CHECK(parse_exact(p, sizeof(p), &u) == PKT_OK);
	CHECK(u.sport == 53 && u.dport == 40000 && u.paylen == 4);
	CHECK(packet_parse(p, sizeof(p), &u) == PKT_OK && u.payload == p + 32);
}

static void
parse_v4_padding(void)
{
	uint8_t p[sizeof(v4pkt) + 6];
	struct pkt_udp u;

	/* link-layer padding after the IP total length is not payload */
	memcpy(p, v4pkt, sizeof(v4pkt));
	memset(p + sizeof(v4pkt), 0xee, 6);
	CHECK(parse_exact(p, sizeof(p), &u) == PKT_OK);
	CHECK(u.paylen == 4);
}

static void
parse_v6(void)
{
	struct pkt_udp u;

	CHECK(parse_exact(v6pkt, sizeof(v6pkt), &u) == PKT_OK);
	CHECK(u.family == AF_INET6);
	CHECK(memcmp(u.src, a6s, 16) == 0 && memcmp(u.dst, a6d, 16) == 0);
	CHECK(u.sport == 53 && u.dport == 40000 && u.paylen == 4);
	CHECK(packet_parse(v6pkt, sizeof(v6pkt), &u) == PKT_OK && u.payload == v6pkt + 48);
}

static void
parse_v6_exthdrs(void)
{
	struct pkt_udp u;

	CHECK(parse_exact(v6ext, sizeof(v6ext), &u) == PKT_OK);
	CHECK(u.family == AF_INET6);
	CHECK(u.sport == 53 && u.dport == 40000 && u.paylen == 4);
	CHECK(packet_parse(v6ext, sizeof(v6ext), &u) == PKT_OK);
	CHECK(u.payload == v6ext + sizeof(v6ext) - 4);
	CHECK(memcmp(u.payload, pay4, 4) == 0);
}

static void
parse_v6_routing_ah(void)
{
	uint8_t p[40 + 8 + 12 + 12];
	struct pkt_udp u;

	/* routing header (8 bytes) then AH (payload length 1: (1+2)*4 = 12 bytes) then UDP */
	memcpy(p, v6pkt, 40);
	p[4] = 0;
	p[5] = 8 + 12 + 12;
	p[6] = 43;
	memcpy(p + 40, (const uint8_t[]){ 51, 0, 0, 0, 0, 0, 0, 0 }, 8);
	memcpy(p + 48, (const uint8_t[]){ 17, 1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 1 }, 12);
	memcpy(p + 60, v6pkt + 40, 12);
	CHECK(parse_exact(p, sizeof(p), &u) == PKT_OK);
	CHECK(u.sport == 53 && u.paylen == 4);
}

/* Every proper prefix of a valid packet is an error, and no read goes past it. */
static void
trunc_every_byte(void)
{
	const uint8_t *pk[] = { v4pkt, v6pkt, v6ext };
	size_t pl[] = { sizeof(v4pkt), sizeof(v6pkt), sizeof(v6ext) };
	struct pkt_udp u;

	for (int k = 0; k < 3; k++) {
		CHECK(parse_exact(pk[k], pl[k], &u) == PKT_OK);
		for (size_t n = 0; n < pl[k]; n++) {
			int e = parse_exact(pk[k], n, &u);
			if (e == PKT_OK)
				printf("# packet %d prefix %zu parsed\n", k, n);
			CHECK(e != PKT_OK);
		}
	}
}

/* Prefixes whose IP length field is patched to match: the inner headers are cut instead. */
static void
trunc_inner_headers(void)
{
	uint8_t p[sizeof(v6ext)];
	struct pkt_udp u;

	for (size_t n = 20; n < sizeof(v4pkt); n++) {
		memcpy(p, v4pkt, n);
		p[2] = 0;
		p[3] = (uint8_t)n;
		CHECK(parse_exact(p, n, &u) != PKT_OK);
	}
	for (size_t n = 41; n < sizeof(v6ext); n++) {
		memcpy(p, v6ext, n);
		p[4] = 0;
		p[5] = (uint8_t)(n - 40);
		CHECK(parse_exact(p, n, &u) != PKT_OK);
	}
}

static void
frag_v4(void)
{
	uint8_t p[sizeof(v4pkt)];
	struct pkt_udp u;

	memcpy(p, v4pkt, sizeof(p));
	p[6] = 0x20;			/* MF */
	CHECK(parse_exact(p, sizeof(p), &u) == PKT_EFRAG);
	p[6] = 0x00;
	p[7] = 0x01;			/* offset 8 */
	CHECK(parse_exact(p, sizeof(p), &u) == PKT_EFRAG);
	p[6] = 0x1f;			/* offset only, high bits */
	p[7] = 0x00;
	CHECK(parse_exact(p, sizeof(p), &u) == PKT_EFRAG);
	p[6] = 0x40;			/* DF alone is not a fragment */
	CHECK(parse_exact(p, sizeof(p), &u) == PKT_OK);
}

static void
frag_v6(void)
{
	uint8_t p[40 + 8 + 12], q[40 + 8 + 8 + 12];
	struct pkt_udp u;

	memcpy(p, v6pkt, 40);
	p[5] = 20;
	p[6] = 44;
	memcpy(p + 40, (const uint8_t[]){ 17, 0, 0, 0, 0, 0, 0, 1 }, 8);	/* offset 0, MF 0 */
	memcpy(p + 48, v6pkt + 40, 12);
	CHECK(parse_exact(p, sizeof(p), &u) == PKT_EFRAG);
	/* behind a hop-by-hop header */
	memcpy(q, v6pkt, 40);
	q[5] = 28;
	q[6] = 0;
	memcpy(q + 40, (const uint8_t[]){ 44, 0, 1, 4, 0, 0, 0, 0 }, 8);
	memcpy(q + 48, (const uint8_t[]){ 17, 0, 0, 1, 0, 0, 0, 1 }, 8);
	memcpy(q + 56, v6pkt + 40, 12);
	CHECK(parse_exact(q, sizeof(q), &u) == PKT_EFRAG);
}

static void
not_udp(void)
{
	uint8_t p[sizeof(v6ext)];
	struct pkt_udp u;

	memcpy(p, v4pkt, sizeof(v4pkt));
	p[9] = 6;			/* TCP */
	CHECK(parse_exact(p, sizeof(v4pkt), &u) == PKT_EPROTO);
	p[9] = 1;			/* ICMP */
	CHECK(parse_exact(p, sizeof(v4pkt), &u) == PKT_EPROTO);
	memcpy(p, v6pkt, sizeof(v6pkt));
	p[6] = 58;			/* ICMPv6 */
	CHECK(parse_exact(p, sizeof(v6pkt), &u) == PKT_EPROTO);
	p[6] = 59;			/* no next header */
	CHECK(parse_exact(p, sizeof(v6pkt), &u) == PKT_EPROTO);
	memcpy(p, v6ext, sizeof(v6ext));
	p[48] = 6;			/* dstopts -> TCP */
	CHECK(parse_exact(p, sizeof(v6ext), &u) == PKT_EPROTO);
}

static void
bad_version(void)
{
	uint8_t p[sizeof(v4pkt)];
	struct pkt_udp u;

	CHECK(parse_exact(p, 0, &u) == PKT_ETRUNC);
	memcpy(p, v4pkt, sizeof(p));
	for (unsigned v = 0; v < 16; v++) {
		if (v == 4 || v == 6)
			continue;
		p[0] = (uint8_t)(v << 4 | 5);
		CHECK(parse_exact(p, sizeof(p), &u) == PKT_EVERSION);
	}
}

static void
bad_ip4_header(void)
{
	uint8_t p[sizeof(v4pkt)];
	struct pkt_udp u;

	for (unsigned ihl = 0; ihl < 5; ihl++) {
		memcpy(p, v4pkt, sizeof(p));
		p[0] = (uint8_t)(0x40 | ihl);
		CHECK(parse_exact(p, sizeof(p), &u) == PKT_EHDR);
	}
	memcpy(p, v4pkt, sizeof(p));
	p[0] = 0x4f;			/* IHL 60 bytes > total 32 */
	CHECK(parse_exact(p, sizeof(p), &u) != PKT_OK);
	memcpy(p, v4pkt, sizeof(p));
	p[3] = 19;			/* total shorter than the header */
	CHECK(parse_exact(p, sizeof(p), &u) == PKT_EHDR);
	p[3] = 33;			/* total longer than what we got */
	CHECK(parse_exact(p, sizeof(p), &u) == PKT_ETRUNC);
	p[2] = 0xff;
	p[3] = 0xff;
	CHECK(parse_exact(p, sizeof(p), &u) == PKT_ETRUNC);
	p[2] = 0;
	p[3] = 20;			/* no room for UDP */
	CHECK(parse_exact(p, sizeof(p), &u) == PKT_ETRUNC);
}

static void
bad_udp_length(void)
{
	uint8_t p[sizeof(v6pkt)];
	struct pkt_udp u;

	for (int fam = 0; fam < 2; fam++) {
		const uint8_t *src = fam ? v6pkt : v4pkt;
		size_t len = fam ? sizeof(v6pkt) : sizeof(v4pkt), uo = fam ? 40 : 20;

		for (unsigned ul = 0; ul < 8; ul++) {
			memcpy(p, src, len);
			p[uo + 4] = 0;
			p[uo + 5] = (uint8_t)ul;
			CHECK(parse_exact(p, len, &u) == PKT_EUDPLEN);
		}
		memcpy(p, src, len);
		p[uo + 5] = 13;			/* one more than the IP payload */
		CHECK(parse_exact(p, len, &u) == PKT_EUDPLEN);
		p[uo + 4] = 0xff;
		CHECK(parse_exact(p, len, &u) == PKT_EUDPLEN);
		/* shorter than the IP payload: the UDP length wins */
		p[uo + 4] = 0;
		p[uo + 5] = 9;
		CHECK(parse_exact(p, len, &u) == PKT_OK && u.paylen == 1);
		p[uo + 5] = 8;
		CHECK(parse_exact(p, len, &u) == PKT_OK && u.paylen == 0);
	}
}

static void
bad_ip6_header(void)
{
	uint8_t p[40 + 9 * 8 + 12];
	struct pkt_udp u;
	size_t off = 40;

	memcpy(p, v6pkt, sizeof(v6pkt));
	p[4] = 0;
	p[5] = 0;			/* payload length 0: jumbogram or empty */
	CHECK(parse_exact(p, sizeof(v6pkt), &u) == PKT_EHDR);
	p[5] = 13;			/* longer than the packet */
	CHECK(parse_exact(p, sizeof(v6pkt), &u) == PKT_ETRUNC);

	/* nine hop-by-hop headers: more than PKT_MAX_EXTHDRS */
	memcpy(p, v6pkt, 40);
	p[4] = 0;
	p[5] = 9 * 8 + 12;
	p[6] = 0;
	for (int i = 0; i < 9; i++, off += 8)
		memcpy(p + off, (const uint8_t[]){ i == 8 ? 17 : 0, 0, 1, 4, 0, 0, 0, 0 }, 8);
	memcpy(p + off, v6pkt + 40, 12);
	CHECK(parse_exact(p, sizeof(p), &u) == PKT_EHDR);
	/* eight of them is fine */
	memmove(p + 40, p + 48, sizeof(p) - 48);
	p[5] = 8 * 8 + 12;
	CHECK(parse_exact(p, sizeof(p) - 8, &u) == PKT_OK && u.paylen == 4);

	/* an extension header that claims more than the payload */
	memcpy(p, v6ext, sizeof(v6ext));
	p[41] = 200;
	CHECK(parse_exact(p, sizeof(v6ext), &u) == PKT_ETRUNC);
	memcpy(p, v6ext, sizeof(v6ext));
	p[49] = 2;			/* dstopts is 24 bytes: UDP header cut */
	CHECK(parse_exact(p, sizeof(v6ext), &u) != PKT_OK);
	/* payload length ends inside an extension header's first two bytes */
	memcpy(p, v6ext, sizeof(v6ext));
	p[5] = 1;
	CHECK(parse_exact(p, 41, &u) == PKT_ETRUNC);
}

static void
build_roundtrip(void)
{
	uint8_t out[2048], pay[700];
	struct pkt_udp u;
	size_t n;

	for (size_t i = 0; i < sizeof(pay); i++)
		pay[i] = (uint8_t)(i * 7 + 3);
	for (size_t pl = 0; pl <= sizeof(pay); pl += (pl < 20 ? 1 : 97)) {
		n = packet_build(out, sizeof(out), AF_INET, a4s, a4d, 53, 1234, pay, pl);
		CHECK(n == 28 + pl);
		CHECK(parse_exact(out, n, &u) == PKT_OK);
		CHECK(u.family == AF_INET && memcmp(u.src, a4s, 4) == 0 &&
		    memcmp(u.dst, a4d, 4) == 0);
		CHECK(u.sport == 53 && u.dport == 1234 && u.paylen == pl);
		CHECK(packet_parse(out, n, &u) == PKT_OK && memcmp(u.payload, pay, pl) == 0);

		n = packet_build(out, sizeof(out), AF_INET6, a6s, a6d, 53, 65535, pay, pl);
		CHECK(n == 48 + pl);
		CHECK(parse_exact(out, n, &u) == PKT_OK);
		CHECK(u.family == AF_INET6 && memcmp(u.src, a6s, 16) == 0 &&
		    memcmp(u.dst, a6d, 16) == 0);
		CHECK(u.sport == 53 && u.dport == 65535 && u.paylen == pl);
		CHECK(packet_parse(out, n, &u) == PKT_OK && memcmp(u.payload, pay, pl) == 0);
	}
}

/* Checksums of built packets verify, for even and odd payload lengths. */
static void
build_checksums_verify(void)
{
	uint8_t out[600], pay[513];
	size_t n;

	for (size_t i = 0; i < sizeof(pay); i++)
		pay[i] = (uint8_t)(0xff - i);
	for (size_t pl = 0; pl <= sizeof(pay); pl += (pl < 16 ? 1 : 61)) {
		n = packet_build(out, sizeof(out), AF_INET, a4s, a4d, 5353, 53, pay, pl);
		CHECK(n == 28 + pl);
		CHECK(ref_csum(out, 20, NULL, 0, NULL, 0) == 0);	/* IP header */
		CHECK(udp_verify(out, n) == 0);
		CHECK(out[26] != 0 || out[27] != 0);	/* v4 UDP: 0 would mean "none" */
		n = packet_build(out, sizeof(out), AF_INET6, a6s, a6d, 5353, 53, pay, pl);
		CHECK(n == 48 + pl);
		CHECK(udp_verify(out, n) == 0);
		CHECK(out[46] != 0 || out[47] != 0);	/* v6 UDP must have one */
	}
}

/*
 * Known vectors, worked out by hand (16-bit big-endian words, one's-complement sum):
 *
 * IPv4 header 4500 0020 0000 0000 4011 [0000] c000 0201 c633 6402:
 *   4500+0020+4011+c000+0201+c633+6402 = 0x27167; fold 0x7167+0x2 = 0x7169; ~ = 0x8e96.
 * UDP over IPv4, pseudo-header c000 0201 c633 6402 0011 000c, then 0035 9c40 000c [0000]
 * 1234 5678:
 *   c000+0201+c633+6402 = 0x1ec36; +0011+000c = 0x1ec53; +0035+9c40+000c = 0x288d4;
 *   +1234+5678 = 0x2f180; fold 0xf180+0x2 = 0xf182; ~ = 0x0e7d.
 * UDP over IPv6, 2001:db8::1 -> 2001:db8::2, same UDP:
 *   2*2001 + 2*0db8 + 0001 + 0002 = 0x5b75; +000c+0011 = 0x5b92; +0035+9c40+000c = 0xf813;
 *   +1234+5678 = 0x160bf; fold 0x60bf+0x1 = 0x60c0; ~ = 0x9f3f.
 * (Cross-checked with a separate Python computation while writing this test.)
 */
static void
known_vectors(void)
{
	uint8_t out[100];
	size_t n;

	n = packet_build(out, sizeof(out), AF_INET, a4s, a4d, 53, 40000, pay4, 4);
	CHECK(n == sizeof(v4pkt));
	CHECK(out[10] == 0x8e && out[11] == 0x96);
	CHECK(out[26] == 0x0e && out[27] == 0x7d);
	CHECK(memcmp(out, v4pkt, n) == 0);
	n = packet_build(out, sizeof(out), AF_INET6, a6s, a6d, 53, 40000, pay4, 4);
	CHECK(n == sizeof(v6pkt));
	CHECK(out[46] == 0x9f && out[47] == 0x3f);
	CHECK(memcmp(out, v6pkt, n) == 0);
}

/* RFC 1071 section 3's example: 00 01 f2 03 f4 f5 f6 f7 sums to ddf2 (after folding). */
static void
rfc1071_vector(void)
{
	static const uint8_t b[] = { 0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7 };
	uint32_t s = packet_sum(b, sizeof(b), 0);

	CHECK(packet_fold(s) == (uint16_t)~0xddf2);
	/* the sum continues across calls, also from an odd split of even-aligned parts */
	CHECK(packet_fold(packet_sum(b + 4, 4, packet_sum(b, 4, 0))) == (uint16_t)~0xddf2);
	/* odd length: the last byte is the high half of a word */
	CHECK(packet_sum((const uint8_t[]){ 0xab }, 1, 0) == 0xab00);
	CHECK(packet_fold(0) == 0xffff);
	CHECK(packet_fold(0xffff) == 0);
	CHECK(packet_fold(0x1fffe) == 0);
	CHECK(packet_fold(0xffffffffu) == 0);
}

/* A computed UDP checksum of 0 is sent as ffff (0 means "no checksum"). */
static void
checksum_zero_is_ffff(void)
{
	uint8_t out[64], pay[2] = { 0, 0 };
	size_t n;

	for (int fam = 0; fam < 2; fam++) {
		int af = fam ? AF_INET6 : AF_INET;
		const uint8_t *s = fam ? a6s : a4s, *d = fam ? a6d : a4d;
		size_t co = fam ? 46 : 26;

		pay[0] = pay[1] = 0;
		n = packet_build(out, sizeof(out), af, s, d, 53, 1000, pay, 2);
		CHECK(n > 0);
		/* a payload word equal to the checksum makes the sum ffff, so ~sum = 0 */
		pay[0] = out[co];
		pay[1] = out[co + 1];
		n = packet_build(out, sizeof(out), af, s, d, 53, 1000, pay, 2);
		CHECK(n > 0);
		CHECK(out[co] == 0xff && out[co + 1] == 0xff);
		CHECK(udp_verify(out, n) == 0);
	}
}

static void
too_large(void)
{
	static uint8_t out[65600], pay[65536];
	size_t cap = sizeof(out);

	CHECK(packet_max_payload(AF_INET) == 65507);
	CHECK(packet_max_payload(AF_INET6) == 65527);
	CHECK(packet_build(out, cap, AF_INET, a4s, a4d, 53, 53, pay, 65508) == 0);
	CHECK(packet_build(out, cap, AF_INET, a4s, a4d, 53, 53, pay, 65535) == 0);
	CHECK(packet_build(out, cap, AF_INET, a4s, a4d, 53, 53, pay, 65507) == 65535);
	CHECK(out[2] == 0xff && out[3] == 0xff && ref_csum(out, 20, NULL, 0, NULL, 0) == 0);
	CHECK(packet_build(out, cap, AF_INET6, a6s, a6d, 53, 53, pay, 65528) == 0);
	CHECK(packet_build(out, cap, AF_INET6, a6s, a6d, 53, 53, pay, SIZE_MAX - 10) == 0);
	/* IPv6: the 16-bit payload length bounds the UDP datagram, not the whole packet */
	CHECK(packet_build(out, cap, AF_INET6, a6s, a6d, 53, 53, pay, 65527) == 65575);
	CHECK(out[4] == 0xff && out[5] == 0xff && out[44] == 0xff && out[45] == 0xff);
	CHECK(udp_verify(out, 65575) == 0);
}

/* Exactly enough room works; one byte less returns 0 and writes nothing; canary survives. */
static void
cap_and_canary(void)
{
	static uint8_t buf[48 + 100 + 1];
	uint8_t pay[100], *out = buf;

	for (size_t i = 0; i < sizeof(pay); i++)
		pay[i] = (uint8_t)i;
	for (int fam = 0; fam < 2; fam++) {
		int af = fam ? AF_INET6 : AF_INET;
		const uint8_t *s = fam ? a6s : a4s, *d = fam ? a6d : a4d;
		size_t need = (fam ? 48 : 28) + sizeof(pay);

		memset(out, 0xa5, need + 1);
		CHECK(packet_build(out, need - 1, af, s, d, 1, 2, pay, sizeof(pay)) == 0);
		for (size_t i = 0; i <= need; i++)
			CHECK(out[i] == 0xa5);
		CHECK(packet_build(out, need, af, s, d, 1, 2, pay, sizeof(pay)) == need);
		CHECK(out[need] == 0xa5);
		CHECK(packet_build(out, 0, af, s, d, 1, 2, pay, 0) == 0);
	}
}

/* The payload may already sit where it belongs in the output buffer. */
static void
build_in_place(void)
{
	uint8_t out[200];
	struct pkt_udp u;

	for (size_t i = 0; i < 50; i++)
		out[48 + i] = (uint8_t)(i + 1);
	CHECK(packet_build(out, sizeof(out), AF_INET6, a6s, a6d, 53, 9, out + 48, 50) == 98);
	CHECK(packet_parse(out, 98, &u) == PKT_OK && u.paylen == 50);
	for (size_t i = 0; i < 50; i++)
		CHECK(u.payload[i] == i + 1);
	CHECK(udp_verify(out, 98) == 0);
}

static void
strerror_all(void)
{
	for (int e = PKT_OK; e <= PKT_ENOSPACE; e++)
		CHECK(strcmp(packet_strerror(e), "unknown") != 0);
	CHECK(strcmp(packet_strerror(-1), "unknown") == 0);
	CHECK(strcmp(packet_strerror(PKT_ENOSPACE + 1), "unknown") == 0);
}

int
main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);	/* TAP lines survive a sanitizer abort */
	RUN(parse_v4);
	RUN(parse_v4_options);
	RUN(parse_v4_padding);
	RUN(parse_v6);
	RUN(parse_v6_exthdrs);
	RUN(parse_v6_routing_ah);
	RUN(trunc_every_byte);
	RUN(trunc_inner_headers);
	RUN(frag_v4);
	RUN(frag_v6);
	RUN(not_udp);
	RUN(bad_version);
	RUN(bad_ip4_header);
	RUN(bad_udp_length);
	RUN(bad_ip6_header);
	RUN(build_roundtrip);
	RUN(build_checksums_verify);
	RUN(known_vectors);
	RUN(rfc1071_vector);
	RUN(checksum_zero_is_ffff);
	RUN(too_large);
	RUN(cap_and_canary);
	RUN(build_in_place);
	RUN(strerror_all);
	return T_DONE();
}
