/* test_policy.c: local answers, private-address filtering, reverse names, Tor RESOLVE. */
#define T_SUITE "policy"
#include <sys/socket.h>
#include <stdint.h>
#include <stdlib.h>

#include "t.h"
#include "config.h"
#include "dns.h"
#include "policy.h"
#include "socks5.h"

static struct policy pol;

static struct dns_question
q_of(const char *text, uint16_t type)
{
	struct dns_question q = { .qtype = type, .qclass = DNS_C_IN };

	q.namelen = (uint8_t)dns_name_from_text(text, q.name, sizeof(q.name));
	return q;
}

static enum policy_verdict
classify(const char *text)
{
	struct dns_question q = q_of(text, DNS_T_A);

	return policy_classify(&pol, &q);
}

static void
verdicts(void)
{
	CHECK(classify("example.com") == POLICY_FORWARD);
	CHECK(classify("duckduckgogg42xjoc72x3sjasowoarfbgcmvfimaftt6twagswzczad.onion") ==
	    POLICY_ONION);
	CHECK(classify("ONION") == POLICY_ONION);		/* the TLD itself, any case */
	CHECK(classify("www.example.com.exit") == POLICY_EXIT);
	CHECK(classify("localhost") == POLICY_LOCALHOST);
	CHECK(classify("a.b.localhost.") == POLICY_LOCALHOST);
	CHECK(classify("printer.local") == POLICY_MDNS);
	CHECK(classify("local.example.com") == POLICY_FORWARD);	/* a suffix, not a substring */
	CHECK(classify("notonion") == POLICY_FORWARD);
	CHECK(classify("4.3.2.10.in-addr.arpa") == POLICY_PRIVATE_PTR);
	CHECK(classify("1.1.16.172.in-addr.arpa") == POLICY_PRIVATE_PTR);
	CHECK(classify("1.1.31.172.in-addr.arpa") == POLICY_PRIVATE_PTR);
	CHECK(classify("1.1.32.172.in-addr.arpa") == POLICY_FORWARD);
	CHECK(classify("1.1.15.172.in-addr.arpa") == POLICY_FORWARD);
	CHECK(classify("1.2.64.100.in-addr.arpa") == POLICY_PRIVATE_PTR);	/* CGNAT */
	CHECK(classify("1.2.127.100.in-addr.arpa") == POLICY_PRIVATE_PTR);
	CHECK(classify("1.2.128.100.in-addr.arpa") == POLICY_FORWARD);
	CHECK(classify("1.2.63.100.in-addr.arpa") == POLICY_FORWARD);
	CHECK(classify("64.100.in-addr.arpa") == POLICY_PRIVATE_PTR);	/* the zone itself */
	CHECK(classify("1.0.0.127.in-addr.arpa") == POLICY_PRIVATE_PTR);
	CHECK(classify("1.2.0.192.in-addr.arpa") == POLICY_FORWARD);
	CHECK(classify("1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.ip6.arpa") ==
	    POLICY_PRIVATE_PTR);
	CHECK(classify("1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.e.f.ip6.arpa") ==
	    POLICY_PRIVATE_PTR);
	CHECK(classify("1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa") ==
	    POLICY_FORWARD);
}

static void
invalid_labels(void)
{
	struct dns_question q = q_of("ab.test", DNS_T_A);

	q.name[2] = 0x01;		/* "a\001" */
	CHECK(policy_classify(&pol, &q) == POLICY_INVALID);
	q = q_of("ab.test", DNS_T_A);
	q.name[1] = '.';		/* a dot inside a label */
	CHECK(policy_classify(&pol, &q) == POLICY_INVALID);
	q = q_of("ab.test", DNS_T_A);
	q.name[1] = 0xc3;		/* not ASCII */
	CHECK(policy_classify(&pol, &q) == POLICY_INVALID);
	q = q_of("_xmpp-client._tcp.example", 33);
	CHECK(policy_classify(&pol, &q) == POLICY_FORWARD);	/* underscores are fine */
}

static void
allow_private(void)
{
	struct config c;
	struct policy p;
	struct dns_question q1 = q_of("intranet.corp.example", DNS_T_A);
	struct dns_question q2 = q_of("corp.example", DNS_T_A);
	struct dns_question q3 = q_of("xcorp.example", DNS_T_A);

	config_defaults(&c);
	snprintf(c.allow_private[0], sizeof(c.allow_private[0]), "Corp.Example.");
	c.nallow_private = 1;
	policy_init(&p, &c);
	CHECK(policy_private_allowed(&p, &q1) && policy_private_allowed(&p, &q2));
	CHECK(!policy_private_allowed(&p, &q3));
	CHECK(!policy_private_allowed(&pol, &q1));
}

static size_t
answer(enum policy_verdict v, uint16_t type, uint8_t *out, size_t cap)
{
	struct dns_query qr = { .id = 0x4242 };

	qr.q = q_of("x.localhost", type);
	return policy_answer(v, &qr, out, cap);
}

static void
local_answers(void)
{
	uint8_t out[512];
	struct dns_question q = q_of("x.localhost", DNS_T_A);
	size_t n;

	n = answer(POLICY_LOCALHOST, DNS_T_A, out, sizeof(out));
	CHECK(n > 0 && dns_check_answer(out, n, &q) == DNS_OK);
	CHECK((out[3] & 0x0f) == DNS_RCODE_NOERROR && out[7] == 1);
	CHECK(out[n - 4] == 127 && out[n - 3] == 0 && out[n - 2] == 0 && out[n - 1] == 1);
	CHECK(dns_get_id(out) == 0x4242);
	q.qtype = DNS_T_AAAA;
	n = answer(POLICY_LOCALHOST, DNS_T_AAAA, out, sizeof(out));
	CHECK(n > 0 && dns_check_answer(out, n, &q) == DNS_OK && out[n - 1] == 1 && out[7] == 1);
	q.qtype = 15;
	n = answer(POLICY_LOCALHOST, 15, out, sizeof(out));		/* MX: no data */
	CHECK(n > 0 && dns_check_answer(out, n, &q) == DNS_OK && out[7] == 0 &&
	    (out[3] & 0x0f) == 0);
	q.qtype = DNS_T_A;
	n = answer(POLICY_ONION, DNS_T_A, out, sizeof(out));
	CHECK(n > 0 && dns_check_answer(out, n, &q) == DNS_OK &&
	    (out[3] & 0x0f) == DNS_RCODE_NXDOMAIN);
	n = answer(POLICY_INVALID, DNS_T_A, out, sizeof(out));
	CHECK(n > 0 && (out[3] & 0x0f) == DNS_RCODE_REFUSED);
	CHECK(answer(POLICY_LOCALHOST, DNS_T_A, out, 20) == 0);	/* does not fit */
}

static void
private_addresses(void)
{
	static const struct {
		int		family;
		uint8_t		a[16];
		int		priv;
	} t[] = {
		{ AF_INET, { 10, 1, 2, 3 }, 1 },
		{ AF_INET, { 127, 0, 0, 1 }, 1 },
		{ AF_INET, { 0, 0, 0, 0 }, 1 },
		{ AF_INET, { 169, 254, 1, 1 }, 1 },
		{ AF_INET, { 172, 16, 0, 1 }, 1 },
		{ AF_INET, { 172, 31, 255, 255 }, 1 },
		{ AF_INET, { 172, 32, 0, 1 }, 0 },
		{ AF_INET, { 192, 168, 0, 1 }, 1 },
		{ AF_INET, { 100, 64, 0, 1 }, 1 },
		{ AF_INET, { 100, 127, 255, 254 }, 1 },
		{ AF_INET, { 100, 128, 0, 1 }, 0 },
		{ AF_INET, { 192, 0, 2, 1 }, 0 },
		{ AF_INET, { 8, 8, 8, 8 }, 0 },
		{ AF_INET6, { [15] = 1 }, 1 },
		{ AF_INET6, { 0 }, 1 },
		{ AF_INET6, { 0xfd, 0, [15] = 1 }, 1 },
		{ AF_INET6, { 0xfc, 0, [15] = 1 }, 1 },
		{ AF_INET6, { 0xfe, 0x80, [15] = 1 }, 1 },
		{ AF_INET6, { 0xfe, 0xc0, [15] = 1 }, 1 },
		{ AF_INET6, { [10] = 0xff, 0xff, 10, 0, 0, 1 }, 1 },
		{ AF_INET6, { [10] = 0xff, 0xff, 192, 0, 2, 1 }, 0 },
		{ AF_INET6, { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 }, 0 },
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		CHECK(dns_addr_is_private(t[i].family, t[i].a) == t[i].priv);
}

/* A message with: A public, A private, CNAME (compressed rdata), AAAA ULA, then OPT. */
static size_t
mixed_answer(uint8_t *m)
{
	static const uint8_t msg[] = {
		0x12, 0x34, 0x81, 0xa0, 0, 1, 0, 4, 0, 0, 0, 1,
		5, 'm', 'i', 'x', 'e', 'd', 4, 't', 'e', 's', 't', 0, 0, 1, 0, 1,
		0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 192, 0, 2, 7,
		0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 192, 168, 1, 1,
		0xc0, 12, 0, 5, 0, 1, 0, 0, 0, 60, 0, 4, 1, 'w', 0xc0, 12,
		0xc0, 12, 0, 28, 0, 1, 0, 0, 0, 60, 0, 16, 0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
		0, 0, 0, 1,
		0, 0, 41, 0x04, 0xd0, 0, 0, 0x80, 0, 0, 0,
	};

	memcpy(m, msg, sizeof(msg));
	return sizeof(msg);
}

static void
filter_private(void)
{
	uint8_t m[512], out[1024];
	size_t n = mixed_answer(m), outlen = 0;
	unsigned removed = 9;
	struct dns_question q = q_of("mixed.test", DNS_T_A);

	CHECK(dns_check_answer(m, n, &q) == DNS_OK);
	CHECK(dns_filter_private(m, n, out, sizeof(out), &outlen, &removed) == DNS_OK);
	CHECK(removed == 2 && outlen > 0);
	CHECK(dns_check_answer(out, outlen, &q) == DNS_OK);
	CHECK(out[7] == 2 && out[11] == 1);		/* A public + CNAME; OPT kept */
	CHECK(memchr(out, 168, outlen) == NULL);	/* 192.168.1.1 gone */
	/* the CNAME's target came out uncompressed: "w" then the full owner name */
	{
		static const uint8_t w[] = { 1, 'w', 5, 'm', 'i', 'x', 'e', 'd', 4, 't', 'e', 's',
			't', 0 };
		int found = 0;

		for (size_t i = 0; i + sizeof(w) <= outlen; i++)
			found |= memcmp(out + i, w, sizeof(w)) == 0;
		CHECK(found);
	}
	/* nothing private: untouched, nothing written */
	m[57] = 0;	/* the private A (rdata at 56): 192.168.1.1 -> 192.0.2.8 */
	m[58] = 2;
	m[59] = 8;
	m[88] = 0x20;	/* the AAAA (rdata at 88): fd00::1 -> 2000::1 */
	removed = 9;
	outlen = 0;
	CHECK(dns_filter_private(m, n, out, sizeof(out), &outlen, &removed) == DNS_OK);
	CHECK(removed == 0 && outlen == 0);
	/* too small an output buffer */
	n = mixed_answer(m);
	CHECK(dns_filter_private(m, n, out, 40, &outlen, &removed) == DNS_ENOSPACE);
	/* truncated input: an error, never a read past the end */
	for (size_t cut = 0; cut < n; cut++) {
		uint8_t *t = malloc(cut ? cut : 1);

		memcpy(t, m, cut);
		CHECK(dns_filter_private(t, cut, out, sizeof(out), &outlen, &removed) != DNS_OK ||
		    removed == 0);
		free(t);
	}
}

static void
ptr_addresses(void)
{
	uint8_t a[16];
	struct dns_question q;

	q = q_of("10.2.0.192.in-addr.arpa", 12);
	CHECK(dns_ptr_addr(q.name, q.namelen, a) == AF_INET);
	CHECK(a[0] == 192 && a[1] == 0 && a[2] == 2 && a[3] == 10);
	q = q_of("2.0.192.in-addr.arpa", 12);
	CHECK(dns_ptr_addr(q.name, q.namelen, a) == 0);
	q = q_of("256.2.0.192.in-addr.arpa", 12);
	CHECK(dns_ptr_addr(q.name, q.namelen, a) == 0);
	q = q_of("01.2.0.192.in-addr.arpa", 12);
	CHECK(dns_ptr_addr(q.name, q.namelen, a) == 0);
	q = q_of("1.10.2.0.192.in-addr.arpa", 12);
	CHECK(dns_ptr_addr(q.name, q.namelen, a) == 0);
	q = q_of("1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa", 12);
	CHECK(dns_ptr_addr(q.name, q.namelen, a) == AF_INET6);
	CHECK(a[0] == 0x20 && a[1] == 0x01 && a[2] == 0x0d && a[3] == 0xb8 && a[15] == 1);
	q = q_of("g.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa", 12);
	CHECK(dns_ptr_addr(q.name, q.namelen, a) == 0);
	q = q_of("example.com", 12);
	CHECK(dns_ptr_addr(q.name, q.namelen, a) == 0);
}

static void
socks_resolve(void)
{
	struct socks5 s;
	struct endpoint ep = { .family = AF_INET, .addr = { 192, 0, 2, 10 } };
	uint8_t out[SOCKS5_MAXREQ];
	static const uint8_t want[] = { 5, 0xf0, 0, 3, 6, 'a', '.', 't', 'e', 's', 't', 0, 0 };
	static const uint8_t reply4[] = { 5, 0, 0, 1, 192, 0, 2, 1, 0, 0 };
	static const uint8_t replyname[] = { 5, 0, 0, 3, 4, 'h', '.', 't', 'x', 0, 0 };
	static const uint8_t nx[] = { 5, 4, 0, 1, 0, 0, 0, 0, 0, 0 };
	size_t c;
	char longname[300];

	CHECK(socks5_init_resolve(&s, "a.test", NULL, NULL) == 0);
	CHECK(socks5_input(&s, (const uint8_t[]){ 5, 0 }, 2, &c) == SOCKS5_SEND);
	CHECK(socks5_request(&s, out, sizeof(out)) == sizeof(want));
	CHECK(memcmp(out, want, sizeof(want)) == 0);
	for (size_t k = 0; k < sizeof(reply4); k++)	/* split at every byte */
		CHECK(socks5_input(&s, reply4, k, &c) == SOCKS5_NEED_MORE && c == 0);
	CHECK(socks5_input(&s, reply4, sizeof(reply4), &c) == SOCKS5_DONE);
	CHECK(s.rep == 0 && s.bnd_atyp == 1 && s.bndlen == 4 && s.bnd[3] == 1);

	socks5_init_resolve_ptr(&s, &ep, "uid-0", "secret");
	CHECK(socks5_input(&s, (const uint8_t[]){ 5, 2 }, 2, &c) == SOCKS5_SEND);
	CHECK(socks5_input(&s, (const uint8_t[]){ 1, 0 }, 2, &c) == SOCKS5_SEND);
	CHECK(socks5_request(&s, out, sizeof(out)) == 10 && out[1] == 0xf1 && out[3] == 1 &&
	    out[7] == 10 && out[8] == 0 && out[9] == 0);
	CHECK(socks5_input(&s, replyname, sizeof(replyname), &c) == SOCKS5_DONE);
	CHECK(s.bnd_atyp == 3 && s.bndlen == 4 && memcmp(s.bnd, "h.tx", 4) == 0);

	CHECK(socks5_init_resolve(&s, "nx.test", NULL, NULL) == 0);
	CHECK(socks5_input(&s, (const uint8_t[]){ 5, 0 }, 2, &c) == SOCKS5_SEND);
	CHECK(socks5_input(&s, nx, sizeof(nx), &c) == SOCKS5_ERROR && s.rep == 4);

	memset(longname, 'a', sizeof(longname));
	longname[256] = '\0';
	CHECK(socks5_init_resolve(&s, longname, NULL, NULL) == -1);
	CHECK(socks5_init_resolve(&s, "", NULL, NULL) == -1);
}

int
main(void)
{
	struct config c;

	config_defaults(&c);
	policy_init(&pol, &c);
	RUN(verdicts);
	RUN(invalid_labels);
	RUN(allow_private);
	RUN(local_answers);
	RUN(private_addresses);
	RUN(filter_private);
	RUN(ptr_addresses);
	RUN(socks_resolve);
	return T_DONE();
}
