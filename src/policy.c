/* policy.c: names answered locally, and the allow-private exemptions. Pure. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "policy.h"

#define LOCALHOST_TTL	3600	/* TTL of the loopback answers we make */

static const char *const names[POLICY_NVERDICTS] = {
	[POLICY_FORWARD] = "forward",
	[POLICY_ONION] = "onion",
	[POLICY_EXIT] = "exit",
	[POLICY_LOCALHOST] = "localhost",
	[POLICY_MDNS] = "mdns",
	[POLICY_PRIVATE_PTR] = "private-ptr",
	[POLICY_INVALID] = "invalid",
};

/* Locally served zones (RFC 6761, 6762, 6303 and Tor's own). */
static const struct {
	const char	*text;
	uint8_t		 verdict;
} builtin[] = {
	{ "onion", POLICY_ONION },
	{ "exit", POLICY_EXIT },
	{ "localhost", POLICY_LOCALHOST },
	{ "local", POLICY_MDNS },
	{ "0.in-addr.arpa", POLICY_PRIVATE_PTR },
	{ "10.in-addr.arpa", POLICY_PRIVATE_PTR },
	{ "127.in-addr.arpa", POLICY_PRIVATE_PTR },
	{ "254.169.in-addr.arpa", POLICY_PRIVATE_PTR },
	{ "168.192.in-addr.arpa", POLICY_PRIVATE_PTR },
	/* 172.16.0.0/12 and 100.64.0.0/10 are added label by label below */
	{ "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.ip6.arpa",
	    POLICY_PRIVATE_PTR },
	{ "0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.ip6.arpa",
	    POLICY_PRIVATE_PTR },
	{ "c.f.ip6.arpa", POLICY_PRIVATE_PTR },
	{ "d.f.ip6.arpa", POLICY_PRIVATE_PTR },
	{ "8.e.f.ip6.arpa", POLICY_PRIVATE_PTR },
	{ "9.e.f.ip6.arpa", POLICY_PRIVATE_PTR },
	{ "a.e.f.ip6.arpa", POLICY_PRIVATE_PTR },
	{ "b.e.f.ip6.arpa", POLICY_PRIVATE_PTR },
	{ "c.e.f.ip6.arpa", POLICY_PRIVATE_PTR },	/* fec0::/10, site-local */
	{ "d.e.f.ip6.arpa", POLICY_PRIVATE_PTR },
	{ "e.e.f.ip6.arpa", POLICY_PRIVATE_PTR },
	{ "f.e.f.ip6.arpa", POLICY_PRIVATE_PTR },
};

const char *
policy_name(enum policy_verdict v)
{
	return (unsigned)v < POLICY_NVERDICTS ? names[v] : "?";
}

static void
add(struct policy *p, const char *text, uint8_t verdict)
{
	struct policy_suffix *s;

	if (p->nsfx == POLICY_MAX_SUFFIXES)
		return;
	s = &p->sfx[p->nsfx];
	if ((s->len = (uint8_t)dns_name_from_text(text, s->name, sizeof(s->name))) == 0)
		return;
	s->verdict = verdict;
	p->nsfx++;
}

void
policy_init(struct policy *p, const struct config *cfg)
{
	char buf[64];

	memset(p, 0, sizeof(*p));
	for (size_t i = 0; i < sizeof(builtin) / sizeof(builtin[0]); i++)
		add(p, builtin[i].text, builtin[i].verdict);
	for (int i = 16; i < 32; i++) {
		snprintf(buf, sizeof(buf), "%d.172.in-addr.arpa", i);
		add(p, buf, POLICY_PRIVATE_PTR);
	}
	/* 100.64.0.0/10 spans 64 second-level labels: is_cgnat_ptr() matches them. */
	for (size_t i = 0; i < cfg->nallow_private && i < CONFIG_MAX_ALLOW_PRIVATE; i++) {
		struct policy_suffix *s = &p->allow[p->nallow];
		if ((s->len = (uint8_t)dns_name_from_text(cfg->allow_private[i], s->name,
		    sizeof(s->name))) != 0)
			p->nallow++;
	}
}

/* "N.100.in-addr.arpa" and below with 64 <= N < 128: CGNAT reverse. */
static int
is_cgnat_ptr(const uint8_t *name, size_t len)
{
	static const uint8_t tail[] = "\003100\007in-addr\004arpa";	/* + final 0 */
	size_t tl = sizeof(tail);	/* includes the terminating 0 label */
	size_t i = 0, prev = SIZE_MAX;

	while (i < len && name[i] != 0) {
		if (len - i == tl && memcmp(name + i, tail, tl) == 0)
			break;
		prev = i;
		i += 1 + (size_t)name[i];
	}
	if (i >= len || name[i] == 0 || prev == SIZE_MAX)
		return 0;
	{
		unsigned v = 0, l = name[prev];

		if (l == 0 || l > 3)
			return 0;
		for (unsigned k = 0; k < l; k++) {
			uint8_t c = name[prev + 1 + k];
			if (c < '0' || c > '9')
				return 0;
			v = v * 10 + (unsigned)(c - '0');
		}
		return v >= 64 && v < 128;
	}
}

enum policy_verdict
policy_classify(const struct policy *p, const struct dns_question *q)
{
	/* Invalid first: bytes outside printable ASCII, or a '.' inside a label. */
	for (size_t i = 0; i < q->namelen && q->name[i] != 0; i += 1 + (size_t)q->name[i])
		for (size_t k = 1; k <= q->name[i]; k++) {
			uint8_t c = q->name[i + k];
			if (c <= 0x20 || c >= 0x7f || c == '.')
				return POLICY_INVALID;
		}
	for (size_t i = 0; i < p->nsfx; i++)
		if (dns_name_has_suffix(q->name, q->namelen, p->sfx[i].name, p->sfx[i].len))
			return (enum policy_verdict)p->sfx[i].verdict;
	if (is_cgnat_ptr(q->name, q->namelen))
		return POLICY_PRIVATE_PTR;
	/* The reverse name of any private address, in whatever form (mapped, NAT64, 6to4) */
	{
		uint8_t a[16];
		int f = dns_ptr_addr(q->name, q->namelen, a);

		if (f != 0 && dns_addr_is_private(f, a))
			return POLICY_PRIVATE_PTR;
	}
	return POLICY_FORWARD;
}

int
policy_private_allowed(const struct policy *p, const struct dns_question *q)
{
	for (size_t i = 0; i < p->nallow; i++)
		if (dns_name_has_suffix(q->name, q->namelen, p->allow[i].name, p->allow[i].len))
			return 1;
	return 0;
}

size_t
policy_answer(enum policy_verdict v, const struct dns_query *qr, uint8_t *out, size_t cap)
{
	static const uint8_t lo4[4] = { 127, 0, 0, 1 };
	static const uint8_t lo6[16] = { [15] = 1 };

	switch (v) {
	case POLICY_LOCALHOST:
		if (qr->q.qclass == DNS_C_IN && qr->q.qtype == DNS_T_A)
			return dns_synth(qr, DNS_RCODE_NOERROR, lo4, 4, LOCALHOST_TTL, out, cap);
		if (qr->q.qclass == DNS_C_IN && qr->q.qtype == DNS_T_AAAA)
			return dns_synth(qr, DNS_RCODE_NOERROR, lo6, 16, LOCALHOST_TTL, out, cap);
		return dns_synth(qr, DNS_RCODE_NOERROR, NULL, 0, 0, out, cap);	/* no data */
	case POLICY_INVALID:
		return dns_synth(qr, DNS_RCODE_REFUSED, NULL, 0, 0, out, cap);
	default:
		return dns_synth(qr, DNS_RCODE_NXDOMAIN, NULL, 0, 0, out, cap);
	}
}
