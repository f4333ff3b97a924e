/* test_dns.c: DNS wire-format checks and rewrites, with hostile messages. */
#define T_SUITE "dns"
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include "t.h"
#include "dns.h"

#define T_A	1
#define T_NS	2
#define T_CNAME	5
#define T_TXT	16
#define T_AAAA	28
#define C_IN	1

/* A message being written by a test. */
struct msg {
	uint8_t	b[65536 + 64];
	size_t	n;
};

static void
m_init(struct msg *m)
{
	m->n = 0;
}

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
m_header(struct msg *m, unsigned id, unsigned flags, unsigned qd, unsigned an, unsigned ns,
    unsigned ar)
{
	m_init(m);
	m_u16(m, id);
	m_u16(m, flags);
	m_u16(m, qd);
	m_u16(m, an);
	m_u16(m, ns);
	m_u16(m, ar);
}

/* OPT record: root owner, CLASS = UDP size, TTL = ext rcode/version/flags, no options. */
static void
m_opt(struct msg *m, unsigned udp, int do_bit)
{
	m_u8(m, 0);
	m_u16(m, 41);
	m_u16(m, udp);
	m_u16(m, 0);
	m_u16(m, do_bit ? 0x8000 : 0);
	m_u16(m, 0);
}

/* A query for name/type, RD set, with an OPT if udp != 0. */
static void
m_query(struct msg *m, unsigned id, const char *name, unsigned type, unsigned udp, int do_bit)
{
	m_header(m, id, 0x0100, 1, 0, 0, udp ? 1 : 0);
	m_name(m, name);
	m_u16(m, type);
	m_u16(m, C_IN);
	if (udp)
		m_opt(m, udp, do_bit);
}

/* Record with owner = pointer to the question name (offset 12). */
static void
m_rr_ptr(struct msg *m, unsigned type, const void *rdata, size_t rdlen)
{
	m_u16(m, 0xc00c);
	m_u16(m, type);
	m_u16(m, C_IN);
	m_u16(m, 0);
	m_u16(m, 300);
	m_u16(m, (unsigned)rdlen);
	m_bytes(m, rdata, rdlen);
}

static void
q_make(struct dns_question *q, const char *name, unsigned type, unsigned cls)
{
	struct msg m;

	m_init(&m);
	m_name(&m, name);
	memset(q, 0, sizeof(*q));
	memcpy(q->name, m.b, m.n);
	q->namelen = (uint8_t)m.n;
	q->qtype = (uint16_t)type;
	q->qclass = (uint16_t)cls;
}

/* Heap copies of exactly len bytes, so ASan sees any read past the end. */
static int
parse_exact(const uint8_t *p, size_t len, struct dns_query *qr)
{
	uint8_t *c = malloc(len ? len : 1);
	int e;

	if (c == NULL)
		abort();
	memcpy(c, p, len);
	e = dns_parse_query(c, len, qr);
	free(c);
	return e;
}

static int
check_exact(const uint8_t *p, size_t len, const struct dns_question *q)
{
	uint8_t *c = malloc(len ? len : 1);
	int e;

	if (c == NULL)
		abort();
	memcpy(c, p, len);
	e = dns_check_answer(c, len, q);
	free(c);
	return e;
}

static int
name_exact(const uint8_t *p, size_t len, size_t *off, uint8_t *out, uint8_t *outlen)
{
	uint8_t *c = malloc(len ? len : 1);
	int e;

	if (c == NULL)
		abort();
	memcpy(c, p, len);
	e = dns_name_read(c, len, off, out, outlen);
	free(c);
	return e;
}

/* An answer to "www.example.com A" with two A records, the owners compressed. */
static void
m_answer(struct msg *m, unsigned id)
{
	m_header(m, id, 0x8180, 1, 2, 0, 0);
	m_name(m, "www.example.com");
	m_u16(m, T_A);
	m_u16(m, C_IN);
	m_rr_ptr(m, T_A, "\xc0\x00\x02\x01", 4);
	m_rr_ptr(m, T_A, "\xc0\x00\x02\x02", 4);
}

static void
query_plain(void)
{
	struct msg m;
	struct dns_query qr;
	static const uint8_t want[] = "\3www\7example\3com";

	m_query(&m, 0xbeef, "www.example.com", T_AAAA, 0, 0);
	CHECK(parse_exact(m.b, m.n, &qr) == DNS_OK);
	CHECK(qr.id == 0xbeef);
	CHECK(qr.q.namelen == 17 && memcmp(qr.q.name, want, 17) == 0);
	CHECK(qr.q.qtype == T_AAAA && qr.q.qclass == C_IN);
	CHECK(qr.edns == 0 && qr.do_bit == 0);
	CHECK(qr.udp_limit == DNS_MINUDP);
	CHECK(dns_get_id(m.b) == 0xbeef);
}

static void
query_root(void)
{
	struct msg m;
	struct dns_query qr;

	m_query(&m, 1, ".", T_NS, 0, 0);
	CHECK(parse_exact(m.b, m.n, &qr) == DNS_OK);
	CHECK(qr.q.namelen == 1 && qr.q.name[0] == 0);
}

static void
query_edns(void)
{
	struct msg m;
	struct dns_query qr;

	m_query(&m, 2, "example.org", T_TXT, 4096, 1);
	CHECK(parse_exact(m.b, m.n, &qr) == DNS_OK);
	CHECK(qr.edns == 1 && qr.do_bit == 1 && qr.udp_limit == 4096);
	m_query(&m, 2, "example.org", T_TXT, 1232, 0);
	CHECK(parse_exact(m.b, m.n, &qr) == DNS_OK);
	CHECK(qr.edns == 1 && qr.do_bit == 0 && qr.udp_limit == 1232);
	m_query(&m, 2, "example.org", T_TXT, 65535, 1);
	CHECK(parse_exact(m.b, m.n, &qr) == DNS_OK && qr.udp_limit == 65535);
	/* below 512 means 512 (RFC 6891 6.2.3) */
	m_query(&m, 2, "example.org", T_TXT, 100, 0);
	CHECK(parse_exact(m.b, m.n, &qr) == DNS_OK);
	CHECK(qr.edns == 1 && qr.udp_limit == 512);
	m_query(&m, 2, "example.org", T_TXT, 0, 0);
	m.b[11] = 1;
	m_opt(&m, 0, 0);			/* advertised size 0 */
	CHECK(parse_exact(m.b, m.n, &qr) == DNS_OK && qr.edns == 1 && qr.udp_limit == 512);
	m_query(&m, 2, "example.org", T_TXT, 512, 0);
	CHECK(parse_exact(m.b, m.n, &qr) == DNS_OK && qr.udp_limit == 512);
	m_query(&m, 2, "example.org", T_TXT, 513, 0);
	CHECK(parse_exact(m.b, m.n, &qr) == DNS_OK && qr.udp_limit == 513);
	/* other EDNS flag bits do not read as DO */
	m_query(&m, 2, "example.org", T_TXT, 1232, 0);
	m.b[m.n - 4] = 0x7f;
	m.b[m.n - 3] = 0xff;
	CHECK(parse_exact(m.b, m.n, &qr) == DNS_OK && qr.do_bit == 0);
}

/* An OPT with an option in its RDATA, and a non-OPT additional record, both skipped whole. */
static void
query_edns_rdata(void)
{
	struct msg m;
	struct dns_query qr;

	m_header(&m, 3, 0, 1, 0, 0, 2);
	m_name(&m, "a.b");
	m_u16(&m, T_A);
	m_u16(&m, C_IN);
	m_u8(&m, 0);
	m_u16(&m, 41);
	m_u16(&m, 1400);
	m_u16(&m, 0);
	m_u16(&m, 0x8000);
	m_u16(&m, 12);				/* rdlength: one COOKIE option */
	m_u16(&m, 10);
	m_u16(&m, 8);
	m_bytes(&m, "\1\2\3\4\5\6\7\x08", 8);
	m_name(&m, "key.example");		/* e.g. a TSIG-like record */
	m_u16(&m, 250);
	m_u16(&m, 255);
	m_u16(&m, 0);
	m_u16(&m, 0);
	m_u16(&m, 3);
	m_bytes(&m, "xyz", 3);
	CHECK(parse_exact(m.b, m.n, &qr) == DNS_OK);
	CHECK(qr.edns && qr.do_bit && qr.udp_limit == 1400);
	/* the OPT's rdlength one too long */
	m.b[12 + 5 + 4 + 10] = 13;
	CHECK(parse_exact(m.b, m.n, &qr) != DNS_OK);
}

static void
query_trunc_every_byte(void)
{
	struct msg m;
	struct dns_query qr;

	for (int edns = 0; edns < 2; edns++) {
		m_query(&m, 7, "mail.example.net", 15, edns ? 1232 : 0, edns);
		CHECK(parse_exact(m.b, m.n, &qr) == DNS_OK);
		for (size_t n = 0; n < m.n; n++)
			CHECK(parse_exact(m.b, n, &qr) != DNS_OK);
		/* the header alone, with its counts */
		CHECK(parse_exact(m.b, 12, &qr) == DNS_ETRUNC);
	}
}

static void
query_header_checks(void)
{
	struct msg m;
	struct dns_query qr;

	m_query(&m, 7, "x.example", T_A, 0, 0);
	m.b[2] |= 0x80;				/* QR */
	CHECK(parse_exact(m.b, m.n, &qr) == DNS_EQR);
	for (unsigned op = 1; op < 16; op++) {
		m_query(&m, 7, "x.example", T_A, 0, 0);
		m.b[2] = (uint8_t)(m.b[2] | op << 3);
		CHECK(parse_exact(m.b, m.n, &qr) == DNS_EOPCODE);
	}
	/* flags that do not matter for a query: AA, TC, RD, Z, AD, CD */
	m_query(&m, 7, "x.example", T_A, 0, 0);
	m.b[2] = 0x07;
	m.b[3] = 0x70;
	CHECK(parse_exact(m.b, m.n, &qr) == DNS_OK);

	m_header(&m, 7, 0, 0, 0, 0, 0);		/* qdcount 0 */
	CHECK(parse_exact(m.b, m.n, &qr) == DNS_EQDCOUNT);
	m_header(&m, 7, 0, 2, 0, 0, 0);		/* qdcount 2 */
	m_name(&m, "a.example");
	m_u16(&m, T_A);
	m_u16(&m, C_IN);
	m_name(&m, "b.example");
	m_u16(&m, T_A);
	m_u16(&m, C_IN);
	CHECK(parse_exact(m.b, m.n, &qr) == DNS_EQDCOUNT);
	m.b[5] = 1;				/* as one question plus trailing bytes */
	CHECK(parse_exact(m.b, m.n, &qr) == DNS_ETRAILING);
	m.b[4] = 1;				/* qdcount 257 */
	CHECK(parse_exact(m.b, m.n, &qr) == DNS_EQDCOUNT);

	m_query(&m, 7, "x.example", T_A, 0, 0);
	m.b[7] = 1;				/* ancount 1 */
	m_rr_ptr(&m, T_A, "\1\2\3\4", 4);
	CHECK(parse_exact(m.b, m.n, &qr) == DNS_ESECTION);
	m.b[7] = 0;
	m.b[9] = 1;				/* nscount 1 */
	CHECK(parse_exact(m.b, m.n, &qr) == DNS_ESECTION);
	m.b[9] = 0;
	m.b[11] = 1;				/* as additional: fine */
	CHECK(parse_exact(m.b, m.n, &qr) == DNS_OK);
}

static void
query_two_opts(void)
{
	struct msg m;
	struct dns_query qr;

	m_query(&m, 9, "x.example", T_A, 1232, 0);
	m.b[11] = 2;
	m_opt(&m, 4096, 1);
	CHECK(parse_exact(m.b, m.n, &qr) == DNS_ESECTION);
}

static void
query_trailing(void)
{
	struct msg m;
	struct dns_query qr;

	for (int edns = 0; edns < 2; edns++) {
		m_query(&m, 9, "x.example", T_A, edns ? 1232 : 0, 0);
		m_u8(&m, 0);
		CHECK(parse_exact(m.b, m.n, &qr) == DNS_ETRAILING);
		/* arcount says one more record than there is */
		m_query(&m, 9, "x.example", T_A, edns ? 1232 : 0, 0);
		m.b[11]++;
		CHECK(parse_exact(m.b, m.n, &qr) == DNS_ETRUNC);
	}
}

static void
query_case_folding(void)
{
	struct msg m;
	struct dns_query qr;
	static const uint8_t want[] = "\3www\7example\3com";
	static const uint8_t odd_in[] = "\6@[`{\xc1z", odd_want[] = "\6@[`{\xc1z";

	m_query(&m, 1, "WwW.ExAmPlE.COM", T_A, 0, 0);
	CHECK(parse_exact(m.b, m.n, &qr) == DNS_OK);
	CHECK(qr.q.namelen == 17 && memcmp(qr.q.name, want, 17) == 0);
	/* only A-Z fold: '@' '[' '`' '{' and high bytes stay as they are */
	m_header(&m, 1, 0, 1, 0, 0, 0);
	m_bytes(&m, odd_in, 7);
	m_u8(&m, 0);
	m_u16(&m, T_A);
	m_u16(&m, C_IN);
	CHECK(parse_exact(m.b, m.n, &qr) == DNS_OK);
	CHECK(qr.q.namelen == 8 && memcmp(qr.q.name, odd_want, 8) == 0);
	/* the 'Z' in the input stays a 'z'; a 'Z' becomes 'z' */
	m.b[12 + 6] = 'Z';
	CHECK(parse_exact(m.b, m.n, &qr) == DNS_OK && qr.q.name[6] == 'z');
}

/* Pointer to itself, and two pointers to each other: DNS_ENAME, and no hang (alarm). */
static void
compression_loops(void)
{
	struct msg m;
	struct dns_query qr;
	struct dns_question q;

	m_header(&m, 1, 0, 1, 0, 0, 0);
	m_u16(&m, 0xc00c);			/* at 12, points to 12 */
	m_u16(&m, T_A);
	m_u16(&m, C_IN);
	CHECK(parse_exact(m.b, m.n, &qr) == DNS_ENAME);

	m_header(&m, 1, 0, 1, 0, 0, 0);
	m_u8(&m, 1);
	m_u8(&m, 'a');
	m_u16(&m, 0xc00c);			/* a label, then back to its own start */
	m_u16(&m, T_A);
	m_u16(&m, C_IN);
	CHECK(parse_exact(m.b, m.n, &qr) == DNS_ENAME);

	/* answer: question at 12 is fine; record owners at X -> Y and Y -> X */
	q_make(&q, "a", T_A, C_IN);
	m_header(&m, 1, 0x8180, 1, 2, 0, 0);
	m_name(&m, "a");			/* 12..14 */
	m_u16(&m, T_A);
	m_u16(&m, C_IN);			/* record 1 at 19, record 2 at 19+2+10+0 = 31 */
	m_u16(&m, 0xc000 | 31);
	m_bytes(&m, "\0\1\0\1\0\0\0\0\0\0", 10);
	m_u16(&m, 0xc000 | 19);
	m_bytes(&m, "\0\1\0\1\0\0\0\0\0\0", 10);
	CHECK(check_exact(m.b, m.n, &q) == DNS_ENAME);
}

/*
 * A chain of backward pointers, each to the one before, ending in the root: DNS_MAXHOPS
 * hops are followed, one more is refused.
 */
static void
compression_hops(void)
{
	uint8_t buf[DNS_HDRLEN + 1 + 2 * (DNS_MAXHOPS + 1)], out[DNS_MAXNAME], ol;
	size_t off, p = DNS_HDRLEN + 1;

	memset(buf, 0, sizeof(buf));
	buf[DNS_HDRLEN] = 0;			/* root at 12 */
	for (int i = 0; i <= DNS_MAXHOPS; i++, p += 2) {
		size_t to = i == 0 ? DNS_HDRLEN : p - 2;
		buf[p] = (uint8_t)(0xc0 | to >> 8);
		buf[p + 1] = (uint8_t)to;
	}
	off = DNS_HDRLEN + 1 + 2 * (DNS_MAXHOPS - 1);	/* DNS_MAXHOPS pointers to follow */
	CHECK(name_exact(buf, sizeof(buf), &off, out, &ol) == DNS_OK);
	CHECK(ol == 1 && out[0] == 0);
	CHECK(off == DNS_HDRLEN + 1 + 2 * DNS_MAXHOPS);	/* just after the first pointer */
	off = DNS_HDRLEN + 1 + 2 * DNS_MAXHOPS;		/* DNS_MAXHOPS + 1 */
	CHECK(name_exact(buf, sizeof(buf), &off, out, &ol) == DNS_ENAME);
}

static void
pointer_out_of_bounds(void)
{
	struct msg m;
	struct dns_query qr;

	m_header(&m, 1, 0, 1, 0, 0, 0);
	m_u16(&m, 0xc000 | 0x3fff);		/* far past the end */
	m_u16(&m, T_A);
	m_u16(&m, C_IN);
	CHECK(parse_exact(m.b, m.n, &qr) != DNS_OK);
	/* a pointer cut after its first byte */
	m_header(&m, 1, 0, 1, 0, 0, 0);
	m_u8(&m, 0xc0);
	CHECK(parse_exact(m.b, m.n, &qr) == DNS_ETRUNC);
}

/* Label types 01 and 10 (0x40, 0x80), i.e. lengths over 63, are refused. */
static void
bad_label_types(void)
{
	struct msg m;
	struct dns_query qr;
	static const unsigned bad[] = { 0x40, 0x41, 0x7f, 0x80, 0xbf };
	char l63[64];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		m_header(&m, 1, 0, 1, 0, 0, 0);
		m_u8(&m, bad[i]);
		for (unsigned k = 0; k < (bad[i] & 0x3f) + 8; k++)
			m_u8(&m, 'a');
		m_u8(&m, 0);
		m_u16(&m, T_A);
		m_u16(&m, C_IN);
		CHECK(parse_exact(m.b, m.n, &qr) == DNS_ENAME);
	}
	/* 63 is the longest label */
	memset(l63, 'q', 63);
	l63[63] = '\0';
	m_query(&m, 1, l63, T_A, 0, 0);
	CHECK(parse_exact(m.b, m.n, &qr) == DNS_OK && qr.q.namelen == 65);
}

/* Names of exactly 255 wire bytes are accepted; 256 are not, also across a pointer. */
static void
name_length_limit(void)
{
	struct msg m;
	struct dns_query qr;
	struct dns_question q;
	char name[300];

	/* 63.63.63.61 -> 4 * 1 + 63 * 3 + 61 + 1 = 255 */
	memset(name, 'a', sizeof(name));
	name[63] = name[127] = name[191] = '.';
	name[253] = '\0';
	m_query(&m, 1, name, T_A, 0, 0);
	CHECK(m.n == 12 + 255 + 4);
	CHECK(parse_exact(m.b, m.n, &qr) == DNS_OK && qr.q.namelen == 255);
	name[253] = 'a';
	name[254] = '\0';			/* last label 62: 256 bytes */
	m_query(&m, 1, name, T_A, 0, 0);
	CHECK(m.n == 12 + 256 + 4);
	CHECK(parse_exact(m.b, m.n, &qr) == DNS_ENAME);

	/*
	 * Across a pointer: question "aaa...(63).aaa...(63).aaa...(63)" is 193 bytes; a record
	 * owner of 61 + 1 bytes then a pointer to it is 255 total, 62 + 1 is 256.
	 */
	for (int extra = 0; extra < 2; extra++) {
		memset(name, 'b', sizeof(name));
		name[63] = name[127] = '.';
		name[191] = '\0';
		m_header(&m, 1, 0x8180, 1, 1, 0, 0);
		m_name(&m, name);
		m_u16(&m, T_TXT);
		m_u16(&m, C_IN);
		m_u8(&m, 61u + (unsigned)extra);
		for (int k = 0; k < 61 + extra; k++)
			m_u8(&m, 'c');
		m_u16(&m, 0xc00c);
		m_bytes(&m, "\0\x10\0\1\0\0\0\0\0\0", 10);
		q_make(&q, name, T_TXT, C_IN);
		CHECK(q.namelen == 193);
		CHECK(check_exact(m.b, m.n, &q) == (extra ? DNS_ENAME : DNS_OK));
	}
}

static void
name_read_offsets(void)
{
	struct msg m;
	uint8_t out[DNS_MAXNAME], ol;
	size_t off;

	m_answer(&m, 1);
	off = 12;
	CHECK(name_exact(m.b, m.n, &off, out, &ol) == DNS_OK);
	CHECK(off == 12 + 17 && ol == 17);
	off = 12 + 17 + 4;			/* first record's owner: c0 0c */
	CHECK(name_exact(m.b, m.n, &off, out, &ol) == DNS_OK);
	CHECK(off == 12 + 17 + 4 + 2 && ol == 17 && memcmp(out, "\3www", 4) == 0);
	off = m.n;
	CHECK(name_exact(m.b, m.n, &off, out, &ol) == DNS_ETRUNC);
}

static void
answer_ok(void)
{
	struct msg m;
	struct dns_question q;

	q_make(&q, "www.example.com", T_A, C_IN);
	m_answer(&m, 0x1234);
	CHECK(check_exact(m.b, m.n, &q) == DNS_OK);
	/* rcode, AA, TC, RA, AD do not matter here */
	m.b[2] = 0x87;
	m.b[3] = 0xa3;
	CHECK(check_exact(m.b, m.n, &q) == DNS_OK);
	/* records in all three sections */
	m_header(&m, 1, 0x8180, 1, 1, 1, 2);
	m_name(&m, "www.example.com");
	m_u16(&m, T_A);
	m_u16(&m, C_IN);
	m_rr_ptr(&m, T_A, "\1\2\3\4", 4);
	m_rr_ptr(&m, T_NS, "\2ns\xc0\x10", 5);
	m_rr_ptr(&m, T_A, "\1\2\3\5", 4);
	m_opt(&m, 1232, 1);
	CHECK(check_exact(m.b, m.n, &q) == DNS_OK);
}

static void
answer_question_mismatch(void)
{
	struct msg m;
	struct dns_question q;

	m_answer(&m, 1);
	q_make(&q, "www.example.com", T_AAAA, C_IN);
	CHECK(check_exact(m.b, m.n, &q) == DNS_EQUESTION);
	q_make(&q, "www.example.com", T_A, 3);
	CHECK(check_exact(m.b, m.n, &q) == DNS_EQUESTION);
	q_make(&q, "www.example.org", T_A, C_IN);
	CHECK(check_exact(m.b, m.n, &q) == DNS_EQUESTION);
	q_make(&q, "ww.example.com", T_A, C_IN);
	CHECK(check_exact(m.b, m.n, &q) == DNS_EQUESTION);
	q_make(&q, "www.example.com.evil", T_A, C_IN);
	CHECK(check_exact(m.b, m.n, &q) == DNS_EQUESTION);
	q_make(&q, "example.com", T_A, C_IN);
	CHECK(check_exact(m.b, m.n, &q) == DNS_EQUESTION);
	/* a name that differs only in case matches (0x20 randomisation) */
	q_make(&q, "www.example.com", T_A, C_IN);
	memcpy(m.b + 12, "\3wWw\7EXAMPLE\3cOm", 16);
	CHECK(check_exact(m.b, m.n, &q) == DNS_OK);
	/* ... but not a different byte that is not a letter */
	m.b[13] = 'w' ^ 0x20 ^ 0x80;
	CHECK(check_exact(m.b, m.n, &q) == DNS_EQUESTION);
}

static void
answer_header_checks(void)
{
	struct msg m;
	struct dns_question q;

	q_make(&q, "www.example.com", T_A, C_IN);
	m_answer(&m, 1);
	m.b[2] &= 0x7f;				/* QR=0 */
	CHECK(check_exact(m.b, m.n, &q) == DNS_EQR);
	m_answer(&m, 1);
	m.b[2] |= 2 << 3;			/* opcode STATUS */
	CHECK(check_exact(m.b, m.n, &q) == DNS_EOPCODE);
	m_answer(&m, 1);
	m.b[5] = 0;
	CHECK(check_exact(m.b, m.n, &q) == DNS_EQDCOUNT);
	m.b[5] = 2;
	CHECK(check_exact(m.b, m.n, &q) == DNS_EQDCOUNT);
	CHECK(check_exact(m.b, 11, &q) == DNS_ETRUNC);
}

static void
answer_bad_records(void)
{
	struct msg m;
	struct dns_question q;

	q_make(&q, "www.example.com", T_A, C_IN);
	m_answer(&m, 1);
	m.b[m.n - 5] = 5;			/* last rdlength 4 -> 5: past the end */
	CHECK(check_exact(m.b, m.n, &q) == DNS_ETRUNC);
	m.b[m.n - 6] = 0xff;			/* rdlength 0xff05 */
	CHECK(check_exact(m.b, m.n, &q) == DNS_ETRUNC);
	m_answer(&m, 1);
	m_u8(&m, 0);				/* one trailing byte */
	CHECK(check_exact(m.b, m.n, &q) == DNS_ETRAILING);
	m_answer(&m, 1);
	m.b[7] = 3;				/* ancount one more than present */
	CHECK(check_exact(m.b, m.n, &q) == DNS_ETRUNC);
	m.b[7] = 1;				/* one less: the second is trailing */
	CHECK(check_exact(m.b, m.n, &q) == DNS_ETRAILING);
	m.b[7] = 0xff;
	m.b[9] = 0xff;
	m.b[11] = 0xff;				/* 3 * 65535 records claimed */
	CHECK(check_exact(m.b, m.n, &q) == DNS_ETRUNC);
	/* a record owner with a bad label */
	m_answer(&m, 1);
	m.b[12 + 17 + 4] = 0x40;
	CHECK(check_exact(m.b, m.n, &q) == DNS_ENAME);
}

static void
answer_trunc_every_byte(void)
{
	struct msg m;
	struct dns_question q;

	q_make(&q, "www.example.com", T_A, C_IN);
	m_answer(&m, 1);
	m.b[11] = 1;
	m_opt(&m, 1232, 0);
	CHECK(check_exact(m.b, m.n, &q) == DNS_OK);
	for (size_t n = 0; n < m.n; n++)
		CHECK(check_exact(m.b, n, &q) != DNS_OK);
}

static void
ids(void)
{
	uint8_t b[12] = { 0 };

	dns_set_id(b, 0xa1b2);
	CHECK(b[0] == 0xa1 && b[1] == 0xb2 && b[2] == 0);
	CHECK(dns_get_id(b) == 0xa1b2);
	dns_set_id(b, 0);
	CHECK(dns_get_id(b) == 0);
}

static void
servfail(void)
{
	struct msg m;
	struct dns_query qr;
	uint8_t out[600];
	size_t n, qlen;

	for (int edns = 0; edns < 2; edns++) {
		for (int dobit = 0; dobit < 2; dobit++) {
			m_query(&m, 0x4242, "Foo.Example.NET", T_AAAA, edns ? 4096 : 0, dobit);
			CHECK(dns_parse_query(m.b, m.n, &qr) == DNS_OK);
			qlen = 12 + qr.q.namelen + 4;
			memset(out, 0xa5, sizeof(out));
			n = dns_servfail(&qr, out, sizeof(out));
			CHECK(n == qlen + (edns ? 11 : 0));
			CHECK(out[n] == 0xa5);
			CHECK(dns_get_id(out) == 0x4242);
			CHECK((out[2] & 0x80) != 0);		/* QR */
			CHECK((out[2] & 0x78) == 0);		/* opcode QUERY */
			CHECK((out[2] & 0x02) == 0);		/* not TC */
			CHECK((out[3] & 0x0f) == DNS_RCODE_SERVFAIL);
			CHECK(out[4] == 0 && out[5] == 1);
			CHECK(out[6] == 0 && out[7] == 0 && out[8] == 0 && out[9] == 0);
			CHECK(out[10] == 0 && out[11] == (edns ? 1 : 0));
			/* the question, as parsed (lower case) */
			CHECK(memcmp(out + 12, qr.q.name, qr.q.namelen) == 0);
			CHECK(memcmp(out + 12, "\3foo\7example\3net", 17) == 0);
			CHECK(out[qlen - 4] == 0 && out[qlen - 3] == T_AAAA);
			CHECK(out[qlen - 2] == 0 && out[qlen - 1] == C_IN);
			if (edns) {
				const uint8_t *o = out + qlen;

				CHECK(o[0] == 0 && o[1] == 0 && o[2] == 41);
				CHECK((o[3] << 8 | o[4]) == DNS_OUR_EDNS);
				CHECK(o[5] == 0 && o[6] == 0);	/* ext rcode, version */
				CHECK(o[7] == (dobit ? 0x80 : 0) && o[8] == 0);
				CHECK(o[9] == 0 && o[10] == 0);
			}
			CHECK(dns_check_answer(out, n, &qr.q) == DNS_OK);
		}
	}
}

static void
servfail_cap(void)
{
	struct msg m;
	struct dns_query qr;
	uint8_t *out;
	size_t need, n;

	for (int edns = 0; edns < 2; edns++) {
		m_query(&m, 1, "a.example", T_A, edns ? 1232 : 0, 0);
		CHECK(dns_parse_query(m.b, m.n, &qr) == DNS_OK);
		need = 12 + qr.q.namelen + 4 + (edns ? 11 : 0);
		for (size_t cap = 0; cap < need; cap++) {
			uint8_t buf[64];

			memset(buf, 0xa5, sizeof(buf));
			CHECK(dns_servfail(&qr, buf, cap) == 0);
			for (size_t i = 0; i < sizeof(buf); i++)
				CHECK(buf[i] == 0xa5);
		}
		out = malloc(need);		/* exact: ASan sees an overrun */
		CHECK(out != NULL);
		n = dns_servfail(&qr, out, need);
		free(out);
		CHECK(n == need);
	}
}

/* 20 TXT records of 100 bytes of text each (rdata 101), owner compressed: ~2.5 kB. */
static void
m_big_answer(struct msg *m, int opt, unsigned opt_udp)
{
	uint8_t txt[101];

	txt[0] = 100;
	m_header(m, 0x5555, 0x8180, 1, 20, 0, opt ? 1 : 0);
	m_name(m, "big.example");
	m_u16(m, T_TXT);
	m_u16(m, C_IN);
	for (int i = 0; i < 20; i++) {
		memset(txt + 1, 'a' + i, 100);
		m_rr_ptr(m, T_TXT, txt, sizeof(txt));
	}
	if (opt)
		m_opt(m, opt_udp, 1);
}

/* Walks a message: counts in the header versus records present; index of the last one's type. */
static int
walk(const uint8_t *b, size_t len, unsigned *nrr, uint16_t *last_type, size_t *last_off)
{
	size_t off = 12;
	uint8_t nm[DNS_MAXNAME], nl;
	unsigned total = (unsigned)(b[6] << 8 | b[7]) + (unsigned)(b[8] << 8 | b[9]) +
	    (unsigned)(b[10] << 8 | b[11]);

	if (dns_name_read(b, len, &off, nm, &nl) != DNS_OK)
		return -1;
	off += 4;
	*nrr = 0;
	while (off < len) {
		*last_off = off;
		if (dns_name_read(b, len, &off, nm, &nl) != DNS_OK || off + 10 > len)
			return -1;
		*last_type = (uint16_t)(b[off] << 8 | b[off + 1]);
		off += 10 + (size_t)(b[off + 8] << 8 | b[off + 9]);
		(*nrr)++;
	}
	return off == len && *nrr == total ? 0 : -1;
}

static void
fit_under_limit(void)
{
	struct msg m, c;
	struct dns_question q;

	q_make(&q, "www.example.com", T_A, C_IN);
	m_answer(&m, 1);
	c = m;
	CHECK(dns_fit(c.b, c.n, 512) == m.n);
	CHECK(memcmp(c.b, m.b, m.n) == 0);
	CHECK(dns_fit(c.b, c.n, c.n) == m.n);
	CHECK(memcmp(c.b, m.b, m.n) == 0);
	CHECK((c.b[2] & 0x02) == 0);
}

static void
fit_512_no_opt(void)
{
	struct msg m;
	struct dns_question q;
	unsigned nrr = 0;
	uint16_t lt = 0;
	size_t lo = 0, n;

	q_make(&q, "big.example", T_TXT, C_IN);
	m_big_answer(&m, 0, 0);
	CHECK(m.n > 2000);
	CHECK(dns_check_answer(m.b, m.n, &q) == DNS_OK);
	m.b[m.n] = 0xa5;
	n = dns_fit(m.b, m.n, 512);
	CHECK(m.b[m.n] == 0xa5);
	CHECK(n > 0 && n <= 512);
	CHECK(m.b[2] & 0x02);				/* TC */
	CHECK(dns_get_id(m.b) == 0x5555);
	CHECK(walk(m.b, n, &nrr, &lt, &lo) == 0);	/* counts match the records */
	/* header 12 + question 17 + 4 records of 2+10+101 = 481; a fifth does not fit */
	CHECK(nrr == 4 && n == 12 + 17 + 4 * 113);
	CHECK(m.b[7] == 4 && m.b[9] == 0 && m.b[11] == 0);
	CHECK(dns_check_answer(m.b, n, &q) == DNS_OK);
	/* the kept records are the first ones, unchanged */
	CHECK(m.b[12 + 17 + 12] == 100 && m.b[12 + 17 + 13] == 'a');
	CHECK(m.b[12 + 17 + 3 * 113 + 13] == 'd');
}

static void
fit_opt_1232(void)
{
	struct msg m;
	struct dns_question q;
	unsigned nrr = 0;
	uint16_t lt = 0;
	size_t lo = 0, n;

	q_make(&q, "big.example", T_TXT, C_IN);
	m_big_answer(&m, 1, 4096);
	CHECK(dns_check_answer(m.b, m.n, &q) == DNS_OK);
	n = dns_fit(m.b, m.n, 1232);
	CHECK(n > 0 && n <= 1232);
	CHECK(m.b[2] & 0x02);
	CHECK(walk(m.b, n, &nrr, &lt, &lo) == 0);
	CHECK(lt == DNS_T_OPT);				/* OPT is the last record */
	CHECK(m.b[11] == 1);				/* and the only additional one */
	CHECK(m.b[lo] == 0 && (m.b[lo + 3] << 8 | m.b[lo + 4]) == 4096);
	CHECK(m.b[lo + 7] == 0x80);			/* DO kept */
	/* (1232 - 29 - 11) / 113 = 10 answers */
	CHECK(nrr == 11 && m.b[7] == 10 && n == 29 + 10 * 113 + 11);
	CHECK(dns_check_answer(m.b, n, &q) == DNS_OK);
}

/* Records in every section, an OPT among the additional ones and one record after it. */
static void
m_sections(struct msg *m)
{
	uint8_t txt[201];

	memset(txt, 'z', sizeof(txt));
	txt[0] = 200;
	m_header(m, 1, 0x8180, 1, 1, 1, 3);
	m_name(m, "big.example");
	m_u16(m, T_TXT);
	m_u16(m, C_IN);
	m_rr_ptr(m, T_TXT, txt, sizeof(txt));		/* answer: 213 */
	m_rr_ptr(m, T_TXT, txt, sizeof(txt));		/* authority: 213 */
	m_rr_ptr(m, T_TXT, txt, 50);			/* additional: 62 */
	m_opt(m, 1232, 0);				/* additional: 11 */
	m_rr_ptr(m, T_TXT, txt, 10);			/* additional after OPT: 22 */
}

/* The OPT is kept, the records that follow it are dropped. */
static void
fit_sections(void)
{
	struct msg m;
	struct dns_question q;
	unsigned nrr = 0;
	uint16_t lt = 0;
	size_t lo = 0, n;

	q_make(&q, "big.example", T_TXT, C_IN);
	m_sections(&m);
	CHECK(m.n == 550);
	CHECK(dns_check_answer(m.b, m.n, &q) == DNS_OK);
	/* 29 + 213 + 213 + 62 + 11 = 528: everything but the record after the OPT */
	n = dns_fit(m.b, m.n, 540);
	CHECK(n == 528);
	CHECK(walk(m.b, n, &nrr, &lt, &lo) == 0 && nrr == 4 && lt == DNS_T_OPT);
	CHECK(m.b[7] == 1 && m.b[9] == 1 && m.b[11] == 2);
	CHECK(dns_check_answer(m.b, n, &q) == DNS_OK);

	/* 29 + 213 + 11 = 253 fits 300: the answer and the OPT */
	m_sections(&m);
	n = dns_fit(m.b, m.n, 300);
	CHECK(n == 253);
	CHECK(m.b[7] == 1 && m.b[9] == 0 && m.b[11] == 1);
	CHECK(walk(m.b, n, &nrr, &lt, &lo) == 0 && nrr == 2 && lt == DNS_T_OPT);
	CHECK(dns_check_answer(m.b, n, &q) == DNS_OK);
}

static void
fit_too_small(void)
{
	struct msg m, c;
	size_t hq = 12 + 13 + 4;	/* header + "big.example" question */

	m_big_answer(&m, 0, 0);
	c = m;
	CHECK(dns_fit(c.b, c.n, hq - 1) == 0);
	c = m;
	CHECK(dns_fit(c.b, c.n, 0) == 0);
	c = m;
	CHECK(dns_fit(c.b, c.n, hq) == hq);		/* just the question */
	CHECK(c.b[7] == 0 && (c.b[2] & 0x02));
	/* with an OPT, header + question + OPT must fit */
	m_big_answer(&m, 1, 1232);
	c = m;
	CHECK(dns_fit(c.b, c.n, hq + 10) == 0);
	c = m;
	CHECK(dns_fit(c.b, c.n, hq + 11) == hq + 11);
	CHECK(c.b[7] == 0 && c.b[11] == 1 && c.b[hq + 2] == 41);
}

static void
fit_garbage(void)
{
	struct msg m;

	m_big_answer(&m, 0, 0);
	m.b[7] = 21;				/* one record more than present */
	CHECK(dns_fit(m.b, m.n, 512) == 0);
	m_big_answer(&m, 0, 0);
	m.b[12] = 0x40;				/* bad question name */
	CHECK(dns_fit(m.b, m.n, 512) == 0);
	m_big_answer(&m, 0, 0);
	m.b[5] = 2;
	CHECK(dns_fit(m.b, m.n, 512) == 0);
	CHECK(dns_fit(m.b, 11, 5) == 0);
}

/*
 * Names that reach forward past the kept records: if fitting drops what they point at,
 * the fitted answer must still be well-formed, or the input must have been refused.
 */
static void
fit_forward_pointer(void)
{
	struct msg m;
	struct dns_question q;
	uint8_t txt[101];
	size_t n, last;
	int e;

	memset(txt, 'k', sizeof(txt));
	txt[0] = 100;
	q_make(&q, "big.example", T_TXT, C_IN);
	m_big_answer(&m, 0, 0);
	/* the last record gets the full owner name; the first record's owner points at it */
	last = m.n - 113;
	m.n = last;
	m_name(&m, "big.example");
	m_u16(&m, T_TXT);
	m_u16(&m, C_IN);
	m_u16(&m, 0);
	m_u16(&m, 300);
	m_u16(&m, 101);
	m_bytes(&m, txt, sizeof(txt));
	m.b[12 + 17] = (uint8_t)(0xc0 | last >> 8);
	m.b[12 + 17 + 1] = (uint8_t)last;
	e = dns_check_answer(m.b, m.n, &q);
	n = dns_fit(m.b, m.n, 512);
	CHECK(n <= 512);
	if (e == DNS_OK && n != 0)
		CHECK(dns_check_answer(m.b, n, &q) == DNS_OK);
}

/*
 * An OPT whose owner is not the root but a pointer into a record that fitting drops: it
 * cannot be moved as the OPT, or its name would point past the end.
 */
static void
fit_opt_nonroot_owner(void)
{
	struct msg m;
	struct dns_question q;
	uint8_t txt[101];
	size_t n, last;

	memset(txt, 'k', sizeof(txt));
	txt[0] = 100;
	q_make(&q, "big.example", T_TXT, C_IN);
	m_big_answer(&m, 0, 0);
	last = m.n;
	m_name(&m, "zzz.example");		/* an extra answer, owner written out */
	m_bytes(&m, "\0\x10\0\1\0\0\0\0\0\x65", 10);
	m_bytes(&m, txt, sizeof(txt));
	m.b[7] = 21;
	m.b[11] = 1;				/* OPT with owner -> that name */
	m_u16(&m, 0xc000 | (unsigned)last);
	m_bytes(&m, "\0\x29\x04\xd0\0\0\0\0\0\0", 10);
	CHECK(dns_check_answer(m.b, m.n, &q) == DNS_OK);
	n = dns_fit(m.b, m.n, 512);
	CHECK(n <= 512);
	if (n != 0)
		CHECK(dns_check_answer(m.b, n, &q) == DNS_OK);
}

/* Names in a record reading bytes from the header (counts and TC change when fitting). */
static void
pointer_into_header(void)
{
	struct msg m;
	struct dns_query qr;

	/* question name = pointer to offset 4: qdcount 00 01 reads as the root */
	m_header(&m, 1, 0, 1, 0, 0, 0);
	m_u16(&m, 0xc004);
	m_u16(&m, T_A);
	m_u16(&m, C_IN);
	CHECK(parse_exact(m.b, m.n, &qr) == DNS_ENAME);
}

/* A backward pointer whose name then runs past the pointer itself is refused. */
static void
pointer_reads_past_itself(void)
{
	struct msg m;
	struct dns_question q;
	size_t rr2;

	q_make(&q, "a", T_A, C_IN);
	m_header(&m, 1, 0x8180, 1, 2, 0, 0);
	m_name(&m, "a");
	m_u16(&m, T_A);
	m_u16(&m, C_IN);
	m_rr_ptr(&m, T_TXT, "\4", 1);		/* rdata: one byte, 4 */
	rr2 = m.n;
	/* owner: pointer to that byte, whose "label" is the pointer and the next 2 bytes */
	m_u16(&m, 0xc000 | (unsigned)(rr2 - 1));
	m_bytes(&m, "\0\1\0\1\0\0\0\0\0\0", 10);
	CHECK(check_exact(m.b, m.n, &q) == DNS_ENAME);
	/* the same pointer from a record that starts after those bytes is fine */
	m.b[rr2] = 0xc0;
	m.b[rr2 + 1] = 0x0c;
	CHECK(check_exact(m.b, m.n, &q) == DNS_OK);
}

/* Pointers into a prior record's RDATA (a CNAME target) are ordinary compression. */
static void
pointer_into_rdata(void)
{
	struct msg m;
	struct dns_question q;
	uint8_t out[DNS_MAXNAME], ol;
	size_t off;

	q_make(&q, "www.example.com", T_A, C_IN);
	m_header(&m, 1, 0x8180, 1, 2, 0, 0);
	m_name(&m, "www.example.com");		/* 12..28 */
	m_u16(&m, T_A);
	m_u16(&m, C_IN);
	m_rr_ptr(&m, T_CNAME, "\3web\xc0\x10", 6);	/* rdata at 45: web.example.com */
	off = m.n;
	m_u16(&m, 0xc000 | 45);
	m_bytes(&m, "\0\1\0\1\0\0\0\0\0\4\1\2\3\4", 14);
	CHECK(check_exact(m.b, m.n, &q) == DNS_OK);
	CHECK(name_exact(m.b, m.n, &off, out, &ol) == DNS_OK);
	CHECK(ol == 17 && memcmp(out, "\3web\7example\3com", 17) == 0);
}

static void
name_str(void)
{
	char buf[128];
	static const uint8_t odd[] = "\5a.b\\c\4\x20\x7f\xff\x01\0";

	CHECK(strcmp(dns_name_str((const uint8_t *)"\3www\7example\3com", 17, buf, sizeof(buf)),
	    "www.example.com.") == 0);
	CHECK(strcmp(dns_name_str((const uint8_t *)"", 1, buf, sizeof(buf)), ".") == 0);
	CHECK(strcmp(dns_name_str((const uint8_t *)"", 0, buf, sizeof(buf)), ".") == 0);
	CHECK(strcmp(dns_name_str(odd, sizeof(odd), buf, sizeof(buf)),
	    "a\\046b\\092c.\\032\\127\\255\\001.") == 0);
	/* a label that claims more than namelen stops at namelen */
	CHECK(strcmp(dns_name_str((const uint8_t *)"\5ab", 3, buf, sizeof(buf)), "ab.") == 0);
}

/* Every buffer size from 0 up: NUL-terminated, a prefix of the full text, no overrun. */
static void
name_str_small_buffers(void)
{
	static const uint8_t name[] = "\5a.b\\c\3x\x01y\3www\0";
	char full[128];
	size_t flen;

	dns_name_str(name, sizeof(name) - 1, full, sizeof(full));
	flen = strlen(full);
	CHECK(strcmp(full, "a\\046b\\092c.x\\001y.www.") == 0);
	for (size_t bl = 0; bl <= flen + 1; bl++) {
		char *b = malloc(bl ? bl : 1);
		const char *r;
		size_t rl;

		CHECK(b != NULL);
		b[0] = 'Z';
		r = dns_name_str(name, sizeof(name) - 1, b, bl);
		if (bl == 0) {
			int untouched = b[0] == 'Z';
			free(b);
			CHECK(untouched);
			continue;
		}
		rl = strnlen(r, bl);
		if (rl >= bl || strncmp(full, r, rl) != 0) {
			free(b);
			CHECK(0);
		}
		if (bl == flen + 1 && strcmp(r, full) != 0) {
			free(b);
			CHECK(0);
		}
		free(b);
	}
}

/* Names up to the longest, of every byte value: the output never exceeds the buffer. */
static void
name_str_worst_case(void)
{
	uint8_t name[DNS_MAXNAME];
	char buf[4 * DNS_MAXNAME + 1];
	size_t o = 0;

	for (int l = 0; l < 4; l++) {
		name[o++] = l < 3 ? 63 : 61;
		for (int i = 0; i < (l < 3 ? 63 : 61); i++)
			name[o++] = (uint8_t)(l * 63 + i + 128);
	}
	name[o++] = 0;
	CHECK(o == DNS_MAXNAME);
	/* 250 bytes, each escaped to 4 characters, plus 4 dots */
	dns_name_str(name, o, buf, sizeof(buf));
	CHECK(strlen(buf) < sizeof(buf));
	CHECK(strncmp(buf, "\\128\\129", 8) == 0);
}

/* ---- What goes upstream and what comes back: EDNS options and extra records stripped ---- */

#define O_NSID		3
#define O_ECS		8
#define O_COOKIE	10
#define O_MAC_HEX	65001	/* dnsmasq's add-mac */
#define O_MAC_B64	65073	/* dnsmasq's add-mac=base64, add-subnet's private codes */

/* One EDNS option of len bytes of fill. */
static void
m_option(struct msg *m, unsigned code, unsigned len, unsigned fill)
{
	m_u16(m, code);
	m_u16(m, len);
	memset(m->b + m->n, (int)fill, len);
	m->n += len;
}

/* An OPT record whose TTL and RDATA are given: ext rcode, version, flags, options. */
static void
m_opt_with(struct msg *m, unsigned udp, unsigned ercode, unsigned version, unsigned flags,
    const struct msg *opts)
{
	m_u8(m, 0);
	m_u16(m, 41);
	m_u16(m, udp);
	m_u8(m, ercode);
	m_u8(m, version);
	m_u16(m, flags);
	m_u16(m, (unsigned)opts->n);
	m_bytes(m, opts->b, opts->n);
}

/* Every option a client may identify itself with, around 20 bytes of padding. */
static void
m_client_options(struct msg *o)
{
	m_init(o);
	m_option(o, O_COOKIE, 8, 0xc0);
	m_option(o, O_ECS, 7, 0);
	o->b[o->n - 7 + 1] = 1;			/* family IPv4 */
	o->b[o->n - 7 + 2] = 24;		/* source prefix /24 */
	memcpy(o->b + o->n - 3, "\xc6\x33\x64", 3);	/* 198.51.100 */
	m_option(o, O_NSID, 0, 0);
	m_option(o, O_MAC_HEX, 6, 0x5a);
	m_option(o, DNS_EDNS_PADDING, 20, 0);
	m_option(o, O_MAC_B64, 4, 0x41);
}

/* A TSIG-like record: not an OPT, with an owner and some RDATA. */
static void
m_tsig(struct msg *m)
{
	m_name(m, "key.example");
	m_u16(m, 250);
	m_u16(m, 255);
	m_u16(m, 0);
	m_u16(m, 0);
	m_u16(m, 6);
	m_bytes(m, "\0\1\2\3\4\5", 6);
}

/*
 * The query of a client that says everything: AA, TC, RA and Z set besides RD, AD and CD;
 * an OPT with DO and Z flags, every identifying option and padding; a TSIG-like record.
 */
static void
m_chatty_query(struct msg *m, int tsig_first)
{
	struct msg o;

	m_client_options(&o);
	m_header(m, 0xbeef, 0x0100 | 0x0400 | 0x0200 | 0x0080 | 0x0040 | 0x0020 | 0x0010, 1, 0,
	    0, 2);
	m_name(m, "www.Example.com");
	m_u16(m, T_AAAA);
	m_u16(m, C_IN);
	if (tsig_first)
		m_tsig(m);
	m_opt_with(m, 1400, 0, 0, 0x8000 | 0x1234, &o);
	if (!tsig_first)
		m_tsig(m);
}

/* dns_sanitize_query on an exact-size heap copy into an exact-size heap buffer. */
static size_t
sanitize_exact(const uint8_t *p, size_t len, uint8_t *out, size_t cap, unsigned *dropped)
{
	uint8_t *c = malloc(len ? len : 1), *o = malloc(cap ? cap : 1);
	size_t n;

	if (c == NULL || o == NULL)
		abort();
	memcpy(c, p, len);
	n = dns_sanitize_query(c, len, o, cap, dropped);
	if (n > cap)
		abort();
	memcpy(out, o, n);
	free(o);
	free(c);
	return n;
}

/* The sanitized query parses like the client's: same ID, question, DO and UDP size. */
static int
same_query(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
	struct dns_query qa, qb;

	if (parse_exact(a, alen, &qa) != DNS_OK || parse_exact(b, blen, &qb) != DNS_OK)
		return 0;
	return qa.id == qb.id && qa.q.namelen == qb.q.namelen &&
	    memcmp(qa.q.name, qb.q.name, qa.q.namelen) == 0 && qa.q.qtype == qb.q.qtype &&
	    qa.q.qclass == qb.q.qclass && qa.edns == qb.edns && qa.do_bit == qb.do_bit &&
	    qa.udp_limit == qb.udp_limit;
}

static void
sanitize_query(void)
{
	struct msg m, out, again;
	size_t n, qend = 12 + 17 + 4;
	unsigned dropped = 99;

	for (int tsig_first = 0; tsig_first < 2; tsig_first++) {
		m_chatty_query(&m, tsig_first);
		n = sanitize_exact(m.b, m.n, out.b, m.n, &dropped);
		CHECK(n == qend + 11 + 4 + 20);
		CHECK(dropped == 5 + 1);		/* five options, one record */
		/* the header: the client's ID, of the flags RD, AD and CD; one OPT */
		CHECK(out.b[0] == 0xbe && out.b[1] == 0xef);
		CHECK(out.b[2] == 0x01 && out.b[3] == 0x30);
		CHECK(memcmp(out.b + 4, "\0\1\0\0\0\0\0\1", 8) == 0);
		/* the question as sent, case and all */
		CHECK(memcmp(out.b + 12, m.b + 12, qend - 12) == 0);
		/* root owner, OPT, UDP size 1400, ext rcode 0, version 0, DO only, padding only */
		CHECK(memcmp(out.b + qend, "\0\0\x29\x05\x78\0\0\x80\0\0\x18\0\x0c\0\x14", 15) == 0);
		for (size_t i = qend + 15; i < n; i++)
			CHECK(out.b[i] == 0);
		CHECK(same_query(m.b, m.n, out.b, n));
		/* sanitizing it again changes nothing */
		CHECK(sanitize_exact(out.b, n, again.b, n, &dropped) == n && dropped == 0);
		CHECK(memcmp(again.b, out.b, n) == 0);
	}
}

/* The OPT's version, extended RCODE and UDP size are the client's; other flags go. */
static void
sanitize_query_opt_fields(void)
{
	struct msg m, o, out;
	size_t n;
	unsigned dropped;

	m_init(&o);
	m_header(&m, 1, 0x0100, 1, 0, 0, 1);
	m_name(&m, "example.org");
	m_u16(&m, T_TXT);
	m_u16(&m, C_IN);
	m_opt_with(&m, 4096, 0x01, 0x02, 0x7fff, &o);
	n = sanitize_exact(m.b, m.n, out.b, m.n, &dropped);
	CHECK(n == m.n && dropped == 0);
	CHECK(out.b[n - 8] == 0x10 && out.b[n - 7] == 0x00);	/* UDP size 4096 */
	CHECK(out.b[n - 6] == 0x01 && out.b[n - 5] == 0x02);	/* ext rcode, version */
	CHECK(out.b[n - 4] == 0 && out.b[n - 3] == 0);		/* no DO, no Z */
	CHECK(same_query(m.b, m.n, out.b, n));
	/* a UDP size below 512 stays as the client wrote it; it still reads as 512 */
	m.b[m.n - 8] = 0;
	m.b[m.n - 7] = 100;
	n = sanitize_exact(m.b, m.n, out.b, m.n, &dropped);
	CHECK(n == m.n && out.b[n - 8] == 0 && out.b[n - 7] == 100);
	CHECK(same_query(m.b, m.n, out.b, n));
}

/* No OPT: the query as it was but for the flags; extra records still go. */
static void
sanitize_query_no_opt(void)
{
	struct msg m, out;
	size_t n;
	unsigned dropped = 99;

	m_query(&m, 0x1234, "mail.example.net", 15, 0, 0);
	m.b[2] = 0x07;				/* RD, AA, TC */
	m.b[3] = 0xf0;				/* RA, Z, AD, CD */
	n = sanitize_exact(m.b, m.n, out.b, m.n, &dropped);
	CHECK(n == m.n && dropped == 0);
	CHECK(out.b[2] == 0x01 && out.b[3] == 0x30);
	CHECK(memcmp(out.b + 4, m.b + 4, m.n - 4) == 0);
	/* with a TSIG-like record: dropped, ARCOUNT 0 */
	m_query(&m, 0x1234, "mail.example.net", 15, 0, 0);
	m.b[11] = 1;
	m_tsig(&m);
	n = sanitize_exact(m.b, m.n, out.b, m.n, &dropped);
	CHECK(n == 12 + 18 + 4 && dropped == 1 && out.b[11] == 0);
	CHECK(same_query(m.b, m.n, out.b, n));
	/* two of them, and an OPT between */
	m_query(&m, 0x1234, "mail.example.net", 15, 0, 0);
	m.b[11] = 3;
	m_tsig(&m);
	m_opt(&m, 1232, 1);
	m_tsig(&m);
	n = sanitize_exact(m.b, m.n, out.b, m.n, &dropped);
	CHECK(n == 12 + 18 + 4 + 11 && dropped == 2 && out.b[11] == 1);
	CHECK(same_query(m.b, m.n, out.b, n));
}

/* Options that do not add up to the RDATA, and an OPT not owned by the root: no query. */
static void
sanitize_query_malformed(void)
{
	struct msg m, o, out;
	struct dns_query qr;
	unsigned dropped;
	static const struct {
		const char	*rd;
		size_t		 len;
	} bad[] = {
		{ "\0\x0c\0\x05\0\0\0\0", 8 },		/* padding says 5, holds 4 */
		{ "\0\x0c\0\0\0", 5 },			/* a whole option, then one byte */
		{ "\0\x0a\0", 3 },			/* half an option header */
		{ "\0\x0c\0\0\0\x0a\xff\xff\0", 9 },	/* COOKIE says 65535 */
		{ "\0\x0a\0\x08\1\2\3\4\5\6\7", 11 },	/* COOKIE one byte short */
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		m_init(&o);
		m_bytes(&o, bad[i].rd, bad[i].len);
		m_header(&m, 1, 0x0100, 1, 0, 0, 1);
		m_name(&m, "example.org");
		m_u16(&m, T_A);
		m_u16(&m, C_IN);
		m_opt_with(&m, 1232, 0, 0, 0x8000, &o);
		/* the query itself parses: only its options are wrong */
		CHECK(parse_exact(m.b, m.n, &qr) == DNS_OK && qr.edns);
		CHECK(sanitize_exact(m.b, m.n, out.b, DNS_MAXMSG, &dropped) == 0);
	}
	/* an OPT owned by another name than the root (RFC 6891 6.1.2) */
	m_header(&m, 1, 0x0100, 1, 0, 0, 1);
	m_name(&m, "example.org");
	m_u16(&m, T_A);
	m_u16(&m, C_IN);
	m_u16(&m, 0xc00c);
	m_bytes(&m, "\0\x29\x05\0\0\0\x80\0\0\0", 10);
	CHECK(parse_exact(m.b, m.n, &qr) == DNS_OK && qr.edns && qr.udp_limit == 1280);
	CHECK(sanitize_exact(m.b, m.n, out.b, DNS_MAXMSG, &dropped) == 0);
	/* not a query at all */
	CHECK(sanitize_exact(m.b, 11, out.b, DNS_MAXMSG, &dropped) == 0);
	m_query(&m, 1, "example.org", T_A, 1232, 0);
	m.b[5] = 2;
	CHECK(sanitize_exact(m.b, m.n, out.b, DNS_MAXMSG, &dropped) == 0);
	m_query(&m, 1, "example.org", T_A, 1232, 0);
	m_u8(&m, 0);				/* a trailing byte */
	CHECK(sanitize_exact(m.b, m.n, out.b, DNS_MAXMSG, &dropped) == 0);
	/* cut at every byte: nothing, or a query that parses again */
	m_chatty_query(&m, 0);
	for (size_t n = 0; n < m.n; n++) {
		size_t k = sanitize_exact(m.b, n, out.b, DNS_MAXMSG, &dropped);

		CHECK(k == 0 || parse_exact(out.b, k, &qr) == DNS_OK);
	}
}

/* Every output cap from 0: nothing until the whole query fits, never a byte past it. */
static void
sanitize_query_caps(void)
{
	struct msg m, ref, out;
	size_t want;
	unsigned dropped;

	m_chatty_query(&m, 1);
	want = sanitize_exact(m.b, m.n, ref.b, m.n, &dropped);
	CHECK(want > 0);
	for (size_t cap = 0; cap <= m.n; cap++) {
		size_t k = sanitize_exact(m.b, m.n, out.b, cap, &dropped);

		if (cap < want)
			CHECK(k == 0);
		else
			CHECK(k == want && memcmp(out.b, ref.b, want) == 0);
	}
}

#define AN0	(12 + 17 + 4)	/* the first record of an answer to www.example.com */
#define RR_A	(2 + 10 + 4)	/* an A record, owner compressed */

/*
 * An answer to "www.example.com A": a public A, a private A, a public A, then if rich a
 * CNAME, an MX and in the authority section an SOA, whose names are compressed (they grow
 * when written out); then an OPT.
 */
static void
m_edns_answer(struct msg *m, int rich, unsigned ercode, unsigned version, unsigned flags,
    const struct msg *opts)
{
	m_header(m, 0x7777, 0x81a0, 1, rich ? 5 : 3, rich ? 1 : 0, 1);
	m_name(m, "www.example.com");
	m_u16(m, T_A);
	m_u16(m, C_IN);
	m_rr_ptr(m, T_A, "\xc0\x00\x02\x01", 4);
	m_rr_ptr(m, T_A, "\x0a\x00\x00\x01", 4);
	m_rr_ptr(m, T_A, "\xc0\x00\x02\x02", 4);
	if (rich) {
		m_rr_ptr(m, T_CNAME, "\1w\xc0\x0c", 4);
		m_rr_ptr(m, 15, "\0\1\1m\xc0\x10", 6);
		m_rr_ptr(m, 6, "\2ns\xc0\x10\4host\xc0\x10" "12345678901234567890", 32);
	}
	m_opt_with(m, 1232, ercode, version, flags, opts);
}

/* The OPT record of a rewritten answer, at its end: TTL and RDATA. */
static int
opt_is(const uint8_t *b, size_t n, const char *ttl, const struct msg *rd)
{
	size_t at = n - rd->n - 11;

	return n >= rd->n + 11 && b[at] == 0 && b[at + 1] == 0 && b[at + 2] == 41 &&
	    memcmp(b + at + 5, ttl, 4) == 0 && (size_t)(b[at + 9] << 8 | b[at + 10]) == rd->n &&
	    memcmp(b + at + 11, rd->b, rd->n) == 0;
}

/* dns_rewrite_answer into a buffer of cap bytes with a canary after it. */
static int
rewrite(const struct msg *m, unsigned what, uint8_t *out, size_t cap, size_t *outlen,
    struct dns_rewrite *rw)
{
	uint8_t *c = malloc(m->n), *o = malloc(cap + 64);
	int e;

	if (c == NULL || o == NULL)
		abort();
	memcpy(c, m->b, m->n);
	memset(o, 0xa5, cap + 64);
	e = dns_rewrite_answer(c, m->n, what, o, cap, outlen, rw);
	for (size_t i = cap; i < cap + 64; i++)
		if (o[i] != 0xa5)
			abort();		/* written past cap */
	if (e == DNS_OK && *outlen == 0) {
		for (size_t i = 0; i < cap; i++)
			if (o[i] != 0xa5)
				abort();	/* nothing to change: out untouched */
	}
	memcpy(out, o, *outlen);
	free(o);
	free(c);
	return e;
}

static void
rewrite_edns(void)
{
	struct msg m, o, pad, out, again;
	struct dns_question q;
	struct dns_rewrite rw;
	size_t n, n2;

	q_make(&q, "www.example.com", T_A, C_IN);
	m_init(&o);
	m_option(&o, O_COOKIE, 24, 0xc0);	/* client and server cookie */
	m_option(&o, DNS_EDNS_PADDING, 9, 0);
	m_option(&o, O_NSID, 4, 'n');
	m_init(&pad);
	m_option(&pad, DNS_EDNS_PADDING, 9, 0);
	/* extended RCODE 1 (BADVERS with the header's 0), version 0, DO and Z */
	m_edns_answer(&m, 0, 1, 0, 0x8000 | 0x0042, &o);
	CHECK(check_exact(m.b, m.n, &q) == DNS_OK);
	CHECK(rewrite(&m, DNS_RW_EDNS, out.b, DNS_MAXMSG, &n, &rw) == DNS_OK);
	/* 28 + 8 bytes of options gone, three owners of 2 bytes now 17 */
	CHECK(n == m.n - 28 - 8 + 3 * 15 && rw.opts_removed == 2 && rw.removed == 0);
	CHECK(check_exact(out.b, n, &q) == DNS_OK);
	CHECK(memcmp(out.b, m.b, 12) == 0);		/* ID, flags, counts as they were */
	CHECK(opt_is(out.b, n, "\1\0\x80\0", &pad));
	/* the records before it, their owners now written out in full */
	CHECK(memcmp(out.b + AN0, "\3www\7example\3com\0\0\1\0\1", 21) == 0);
	/* again: nothing to change */
	out.n = n;
	CHECK(rewrite(&out, DNS_RW_EDNS, again.b, DNS_MAXMSG, &n2, &rw) == DNS_OK && n2 == 0);
	CHECK(rw.opts_removed == 0);
	/* only the flags to change: DO stays, Z goes, version 1 stays */
	m_init(&o);
	m_edns_answer(&m, 0, 0, 1, 0xffff, &o);
	CHECK(rewrite(&m, DNS_RW_EDNS, out.b, DNS_MAXMSG, &n, &rw) == DNS_OK);
	CHECK(n > 0 && rw.opts_removed == 0 && opt_is(out.b, n, "\0\1\x80\0", &o));
	CHECK(check_exact(out.b, n, &q) == DNS_OK);
}

/* Nothing to change: DNS_OK, *outlen 0, out untouched (rewrite() checks the last). */
static void
rewrite_nothing(void)
{
	struct msg m, o, out;
	struct dns_rewrite rw;
	size_t n = 99;

	m_init(&o);
	m_option(&o, DNS_EDNS_PADDING, 100, 0);
	m_edns_answer(&m, 0, 0, 0, 0x8000, &o);
	CHECK(rewrite(&m, DNS_RW_EDNS, out.b, DNS_MAXMSG, &n, &rw) == DNS_OK && n == 0);
	CHECK(rw.removed == 0 && rw.opts_removed == 0);
	m_init(&o);
	m_edns_answer(&m, 0, 0, 0, 0, &o);
	CHECK(rewrite(&m, DNS_RW_EDNS, out.b, DNS_MAXMSG, &n, &rw) == DNS_OK && n == 0);
	/* no OPT at all */
	m_answer(&m, 1);
	CHECK(rewrite(&m, DNS_RW_EDNS | DNS_RW_PRIVATE, out.b, DNS_MAXMSG, &n, &rw) == DNS_OK);
	CHECK(n == 0);
	/* nothing asked for */
	m_client_options(&o);
	m_edns_answer(&m, 0, 0, 0, 0xffff, &o);
	CHECK(rewrite(&m, 0, out.b, DNS_MAXMSG, &n, &rw) == DNS_OK && n == 0);
	CHECK(rw.removed == 0 && rw.opts_removed == 0);
	/* private addresses only asked for, with none: the options are not looked at */
	m.b[AN0 + RR_A + 12] = 198;	/* 10.0.0.1 -> 198.0.0.1 */
	CHECK(rewrite(&m, DNS_RW_PRIVATE, out.b, DNS_MAXMSG, &n, &rw) == DNS_OK && n == 0);
}

/* DNS_RW_PRIVATE and DNS_RW_EDNS together, and each alone on the same answer. */
static void
rewrite_combined(void)
{
	struct msg m, o, pad, out;
	struct dns_question q;
	struct dns_rewrite rw;
	size_t n;

	q_make(&q, "www.example.com", T_A, C_IN);
	m_client_options(&o);
	m_init(&pad);
	m_option(&pad, DNS_EDNS_PADDING, 20, 0);
	m_edns_answer(&m, 0, 0, 0, 0x8000, &o);
	CHECK(rewrite(&m, DNS_RW_PRIVATE | DNS_RW_EDNS, out.b, DNS_MAXMSG, &n, &rw) == DNS_OK);
	CHECK(n > 0 && rw.removed == 1 && rw.opts_removed == 5);
	CHECK(check_exact(out.b, n, &q) == DNS_OK);
	CHECK(out.b[7] == 2 && out.b[11] == 1);
	CHECK(memmem(out.b, n, "\x0a\0\0\x01", 4) == NULL);
	CHECK(opt_is(out.b, n, "\0\0\x80\0", &pad));
	/* private only: the OPT as it came */
	CHECK(rewrite(&m, DNS_RW_PRIVATE, out.b, DNS_MAXMSG, &n, &rw) == DNS_OK);
	CHECK(n > 0 && rw.removed == 1 && rw.opts_removed == 0);
	CHECK(check_exact(out.b, n, &q) == DNS_OK && out.b[7] == 2);
	CHECK(opt_is(out.b, n, "\0\0\x80\0", &o));
	/* EDNS only: the private address stays */
	CHECK(rewrite(&m, DNS_RW_EDNS, out.b, DNS_MAXMSG, &n, &rw) == DNS_OK);
	CHECK(n > 0 && rw.removed == 0 && rw.opts_removed == 5 && out.b[7] == 3);
	CHECK(memmem(out.b, n, "\x0a\0\0\x01", 4) != NULL);
	CHECK(check_exact(out.b, n, &q) == DNS_OK);
	/* malformed options: an error with EDNS, untouched without */
	m_init(&o);
	m_bytes(&o, "\0\x0c\0\x05\0\0\0\0", 8);
	m_edns_answer(&m, 0, 0, 0, 0x8000, &o);
	CHECK(rewrite(&m, DNS_RW_EDNS, out.b, DNS_MAXMSG, &n, &rw) != DNS_OK && n == 0);
	CHECK(rewrite(&m, DNS_RW_PRIVATE, out.b, DNS_MAXMSG, &n, &rw) == DNS_OK);
	CHECK(n > 0 && opt_is(out.b, n, "\0\0\x80\0", &o));
}

/* A record whose RDATA is shorter than its fixed part: a bad answer, not "no space". */
static void
rewrite_short_rdata(void)
{
	struct msg m, o, out;
	struct dns_question q;
	struct dns_rewrite rw;
	size_t n;

	q_make(&q, "www.example.com", T_A, C_IN);
	m_init(&o);
	m_option(&o, O_COOKIE, 8, 1);
	m_header(&m, 1, 0x8180, 1, 2, 0, 1);
	m_name(&m, "www.example.com");
	m_u16(&m, T_A);
	m_u16(&m, C_IN);
	m_rr_ptr(&m, T_A, "\x0a\0\0\1", 4);
	m_rr_ptr(&m, 15, "\0", 1);		/* MX: half a preference, no exchange */
	m_opt_with(&m, 1232, 0, 0, 0, &o);
	CHECK(check_exact(m.b, m.n, &q) == DNS_OK);	/* RDATA is not looked into there */
	CHECK(rewrite(&m, DNS_RW_PRIVATE, out.b, DNS_MAXMSG, &n, &rw) == DNS_ETRUNC && n == 0);
	CHECK(rewrite(&m, DNS_RW_EDNS, out.b, DNS_MAXMSG, &n, &rw) == DNS_ETRUNC && n == 0);
}

/* Names written out in full that pass 65535 bytes: DNS_ENOSPACE, however large the cap. */
static void
rewrite_over_64k(void)
{
	struct msg m, out;
	struct dns_question q;
	struct dns_rewrite rw;
	char text[256];
	size_t n = 1;

	memset(text, 'a', 255);
	text[63] = text[127] = text[191] = '.';
	text[253] = '\0';			/* labels of 63, 63, 63 and 61: 255 bytes in wire */
	q_make(&q, text, T_A, C_IN);
	CHECK(q.namelen == DNS_MAXNAME);
	m_header(&m, 1, 0x8180, 1, 300, 0, 0);
	m_name(&m, text);
	m_u16(&m, T_A);
	m_u16(&m, C_IN);
	m_rr_ptr(&m, T_A, "\x0a\0\0\1", 4);	/* private: something to change */
	for (int i = 1; i < 300; i++)
		m_rr_ptr(&m, T_TXT, "", 0);	/* 12 bytes, 265 written out */
	CHECK(m.n < 4000 && check_exact(m.b, m.n, &q) == DNS_OK);
	CHECK(rewrite(&m, DNS_RW_PRIVATE, out.b, 4 * 65536, &n, &rw) == DNS_ENOSPACE && n == 0);
	CHECK(rewrite(&m, DNS_RW_PRIVATE, out.b, DNS_MAXMSG, &n, &rw) == DNS_ENOSPACE && n == 0);
	/* 240 of them fit */
	m.b[6] = 0;
	m.b[7] = 240;
	m.n = 12 + 255 + 4 + 16 + 239 * 12;
	CHECK(rewrite(&m, DNS_RW_PRIVATE, out.b, DNS_MAXMSG, &n, &rw) == DNS_OK);
	CHECK(n == 12 + 255 + 4 + 239 * 265 && check_exact(out.b, n, &q) == DNS_OK);
}

/* Every cap from 0: DNS_ENOSPACE until the whole answer fits, then the same bytes. */
static void
rewrite_caps(void)
{
	static const unsigned whats[] = { DNS_RW_EDNS, DNS_RW_PRIVATE,
	    DNS_RW_EDNS | DNS_RW_PRIVATE };
	struct msg m, o, ref, out;
	struct dns_question q;
	struct dns_rewrite rw;
	size_t want, n;

	q_make(&q, "www.example.com", T_A, C_IN);
	m_client_options(&o);
	m_edns_answer(&m, 1, 0, 0, 0x8000 | 0x0100, &o);
	CHECK(check_exact(m.b, m.n, &q) == DNS_OK);
	for (size_t w = 0; w < sizeof(whats) / sizeof(whats[0]); w++) {
		CHECK(rewrite(&m, whats[w], ref.b, DNS_MAXMSG, &want, &rw) == DNS_OK && want > 0);
		CHECK(check_exact(ref.b, want, &q) == DNS_OK);
		for (size_t cap = 0; cap <= want + 8; cap++) {
			int e = rewrite(&m, whats[w], out.b, cap, &n, &rw);

			if (cap < want)
				CHECK(e == DNS_ENOSPACE && n == 0);
			else
				CHECK(e == DNS_OK && n == want && memcmp(out.b, ref.b, want) == 0);
		}
	}
}

static void
strerror_all(void)
{
	for (int e = DNS_OK; e <= DNS_ENOSPACE; e++)
		CHECK(strcmp(dns_strerror(e), "unknown") != 0);
	CHECK(strcmp(dns_strerror(-1), "unknown") == 0);
	CHECK(strcmp(dns_strerror(DNS_ENOSPACE + 1), "unknown") == 0);
}

int
main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);	/* TAP lines survive a sanitizer abort */
	alarm(60);				/* a pointer loop that hangs is a failure */
	RUN(query_plain);
	RUN(query_root);
	RUN(query_edns);
	RUN(query_edns_rdata);
	RUN(query_trunc_every_byte);
	RUN(query_header_checks);
	RUN(query_two_opts);
	RUN(query_trailing);
	RUN(query_case_folding);
	RUN(compression_loops);
	RUN(compression_hops);
	RUN(pointer_out_of_bounds);
	RUN(bad_label_types);
	RUN(name_length_limit);
	RUN(name_read_offsets);
	RUN(answer_ok);
	RUN(answer_question_mismatch);
	RUN(answer_header_checks);
	RUN(answer_bad_records);
	RUN(answer_trunc_every_byte);
	RUN(ids);
	RUN(servfail);
	RUN(servfail_cap);
	RUN(fit_under_limit);
	RUN(fit_512_no_opt);
	RUN(fit_opt_1232);
	RUN(fit_sections);
	RUN(fit_too_small);
	RUN(fit_garbage);
	RUN(fit_forward_pointer);
	RUN(fit_opt_nonroot_owner);
	RUN(pointer_into_header);
	RUN(pointer_reads_past_itself);
	RUN(pointer_into_rdata);
	RUN(name_str);
	RUN(name_str_small_buffers);
	RUN(name_str_worst_case);
	RUN(sanitize_query);
	RUN(sanitize_query_opt_fields);
	RUN(sanitize_query_no_opt);
	RUN(sanitize_query_malformed);
	RUN(sanitize_query_caps);
	RUN(rewrite_edns);
	RUN(rewrite_nothing);
	RUN(rewrite_combined);
	RUN(rewrite_short_rdata);
	RUN(rewrite_over_64k);
	RUN(rewrite_caps);
	RUN(strerror_all);
	return T_DONE();
}
