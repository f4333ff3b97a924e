/*
 * test_private.c: reject-private beyond plain A/AAAA: IPv4 inside IPv6 in every form, the
 * address hints of SVCB/HTTPS records, and the reverse names of such addresses.
 */
#define T_SUITE "private"
#include <sys/socket.h>
#include <arpa/inet.h>
#include <stdint.h>
#include <stdlib.h>

#include "t.h"
#include "config.h"
#include "dns.h"
#include "policy.h"

static int
priv6(const char *text)
{
	uint8_t a[16];

	return inet_pton(AF_INET6, text, a) == 1 && dns_addr_is_private(AF_INET6, a);
}

static void
embedded_ipv4(void)
{
	CHECK(priv6("::ffff:10.0.0.1") && priv6("::10.0.0.1") && priv6("::ffff:0:192.168.1.1"));
	CHECK(priv6("64:ff9b::10.1.2.3") && priv6("64:ff9b::127.0.0.1"));
	CHECK(priv6("64:ff9b:1::1") && priv6("64:ff9b:1:abcd::8.8.8.8"));	/* local-use NAT64 */
	CHECK(priv6("2002:c0a8:0101::1") && priv6("2002:0a00:0001:1::5"));	/* 6to4 of private */
	/* the public forms stay */
	CHECK(!priv6("::ffff:192.0.2.1") && !priv6("64:ff9b::192.0.2.1") &&
	    !priv6("2002:c000:0201::1") && !priv6("2001:db8::1") && !priv6("64:ff9b:2::1"));
}

/* An answer for svc.test HTTPS: one record with alpn, ipv4hint and ipv6hint, and an OPT. */
static size_t
https_answer(uint8_t *m, int hint4_private_only)
{
	static const uint8_t head[] = {
		0x12, 0x34, 0x81, 0x80, 0, 1, 0, 1, 0, 0, 0, 1,
		3, 's', 'v', 'c', 4, 't', 'e', 's', 't', 0, 0, 65, 0, 1,
		0xc0, 12, 0, 65, 0, 1, 0, 0, 1, 0x2c,
	};
	uint8_t rd[128];
	size_t r = 0, n;

	rd[r++] = 0;
	rd[r++] = 1;			/* priority 1 */
	rd[r++] = 0;			/* target "." */
	memcpy(rd + r, "\0\1\0\3\2h2", 7);	/* alpn=h2 */
	r += 7;
	if (hint4_private_only) {
		memcpy(rd + r, "\0\4\0\4\12\0\0\1", 8);		/* ipv4hint=10.0.0.1 */
		r += 8;
	} else {
		memcpy(rd + r, "\0\4\0\10\12\0\0\1\300\0\2\11", 12);	/* 10.0.0.1,192.0.2.9 */
		r += 12;
	}
	memcpy(rd + r, "\0\6\0\20", 4);				/* ipv6hint: fd00::1 */
	r += 4;
	memset(rd + r, 0, 16);
	rd[r] = 0xfd;
	rd[r + 15] = 1;
	r += 16;
	memcpy(m, head, sizeof(head));
	n = sizeof(head);
	m[n++] = (uint8_t)(r >> 8);
	m[n++] = (uint8_t)r;
	memcpy(m + n, rd, r);
	n += r;
	memcpy(m + n, "\0\0\51\4\320\0\0\0\0\0\0", 11);		/* OPT */
	return n + 11;
}

static void
svcb_hints(void)
{
	uint8_t m[256], out[512], again[512];
	size_t n = https_answer(m, 0), ol = 0, al = 9;
	struct dns_rewrite rw;
	struct dns_question q = { .name = { 3, 's', 'v', 'c', 4, 't', 'e', 's', 't', 0 },
	    .namelen = 10, .qtype = 65, .qclass = 1 };

	CHECK(dns_check_answer(m, n, &q) == DNS_OK);
	CHECK(dns_rewrite_answer(m, n, DNS_RW_PRIVATE, out, sizeof(out), &ol, &rw) == DNS_OK);
	CHECK(rw.removed == 0 && rw.hints_removed == 2 && ol > 0);
	CHECK(dns_check_answer(out, ol, &q) == DNS_OK);
	/* 192.0.2.9 stays in ipv4hint; ipv6hint is gone whole; alpn stays */
	{
		static const uint8_t v4[] = { 0, 4, 0, 4, 192, 0, 2, 9 };
		int found = 0, v6 = 0;

		for (size_t i = 0; i + sizeof(v4) <= ol; i++)
			found |= memcmp(out + i, v4, sizeof(v4)) == 0;
		for (size_t i = 0; i + 2 <= ol; i++)
			v6 |= out[i] == 0xfd && i + 16 <= ol && out[i + 15] == 1;
		CHECK(found && !v6);
		CHECK(memmem(out, ol, "\2h2", 3) != NULL);
	}
	/* rewriting again changes nothing */
	CHECK(dns_rewrite_answer(out, ol, DNS_RW_PRIVATE, again, sizeof(again), &al, &rw) ==
	    DNS_OK && al == 0 && rw.hints_removed == 0);
	/* without DNS_RW_PRIVATE nothing is touched */
	CHECK(dns_rewrite_answer(m, n, DNS_RW_EDNS, out, sizeof(out), &ol, &rw) == DNS_OK &&
	    rw.hints_removed == 0);
	/* only private hints: both parameters go, the record stays */
	n = https_answer(m, 1);
	CHECK(dns_rewrite_answer(m, n, DNS_RW_PRIVATE, out, sizeof(out), &ol, &rw) == DNS_OK);
	CHECK(rw.hints_removed == 2 && dns_check_answer(out, ol, &q) == DNS_OK);
	CHECK(out[7] == 1 && memmem(out, ol, "\0\4\0", 3) == NULL);
	/* every output size: an error or a whole message, never past cap */
	for (size_t cap = 0; cap < sizeof(out); cap++) {
		uint8_t *o = malloc(cap + 1);
		int e;

		CHECK(o != NULL);
		o[cap] = 0xa5;
		e = dns_rewrite_answer(m, n, DNS_RW_PRIVATE, o, cap, &ol, &rw);
		CHECK(o[cap] == 0xa5);
		CHECK(e == DNS_ENOSPACE || (e == DNS_OK && ol <= cap &&
		    dns_check_answer(o, ol, &q) == DNS_OK));
		free(o);
	}
}

static struct dns_question
ptr_of(const char *addr6)
{
	static const char hex[] = "0123456789abcdef";
	struct dns_question q = { .qtype = DNS_T_PTR, .qclass = DNS_C_IN };
	char text[128];
	uint8_t a[16];
	size_t o = 0;

	(void)inet_pton(AF_INET6, addr6, a);
	for (int i = 15; i >= 0; i--) {
		text[o++] = hex[a[i] & 15];
		text[o++] = '.';
		text[o++] = hex[a[i] >> 4];
		text[o++] = '.';
	}
	memcpy(text + o, "ip6.arpa", 9);
	q.namelen = (uint8_t)dns_name_from_text(text, q.name, sizeof(q.name));
	return q;
}

static void
mapped_reverse_names(void)
{
	struct config c;
	struct policy p;
	struct dns_question q;

	config_defaults(&c);
	policy_init(&p, &c);
	q = ptr_of("::ffff:10.0.0.1");
	CHECK(q.namelen > 0 && policy_classify(&p, &q) == POLICY_PRIVATE_PTR);
	q = ptr_of("64:ff9b::192.168.7.7");
	CHECK(policy_classify(&p, &q) == POLICY_PRIVATE_PTR);
	q = ptr_of("2002:0a00:0001::1");
	CHECK(policy_classify(&p, &q) == POLICY_PRIVATE_PTR);
	q = ptr_of("::ffff:172.20.0.1");
	CHECK(policy_classify(&p, &q) == POLICY_PRIVATE_PTR);
	/* public ones still go out */
	q = ptr_of("::ffff:192.0.2.10");
	CHECK(policy_classify(&p, &q) == POLICY_FORWARD);
	q = ptr_of("2001:db8::1");
	CHECK(policy_classify(&p, &q) == POLICY_FORWARD);
}

int
main(void)
{
	RUN(embedded_ipv4);
	RUN(svcb_hints);
	RUN(mapped_reverse_names);
	return T_DONE();
}
