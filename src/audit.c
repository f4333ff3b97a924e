/* audit.c: audit records and their JSON lines. Pure. See audit.h and docs/audit.md. */
#include <arpa/inet.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "wire.h"
#include "audit.h"

int
audit_pack(uint8_t *out, size_t cap, size_t *off, const struct audit_rec *r)
{
	size_t isolen = r->isolen > AUDIT_ISO_MAX ? AUDIT_ISO_MAX : r->isolen;
	size_t qlen = r->qlen > AUDIT_QNAME_MAX ? AUDIT_QNAME_MAX : r->qlen;
	size_t len = AUDIT_FIXED + 1 + isolen + 2 + qlen;
	uint8_t *p;

	if (*off > cap || cap - *off < 2 + len)
		return -1;
	p = out + *off;
	put16(p, (uint16_t)len);
	p += 2;
	p[0] = r->event;
	p[1] = r->action;
	p[2] = r->family;
	p[3] = r->proto;
	put16(p + 4, r->flags);
	p[6] = r->rcode;
	put16(p + 7, r->qtype);
	put32(p + 9, r->uid);
	put32(p + 13, r->gid);
	put32(p + 17, r->ifindex);
	put64(p + 21, r->inode);
	put64(p + 29, r->ts_ms);
	put32(p + 37, r->latency_us);
	memcpy(p + 41, r->src, 16);
	put16(p + 57, r->sport);
	memcpy(p + 59, r->dst, 16);
	put16(p + 75, r->dport);
	memcpy(p + 77, r->mac, 6);
	p += AUDIT_FIXED;
	*p++ = (uint8_t)isolen;
	memcpy(p, r->iso, isolen);
	p += isolen;
	put16(p, (uint16_t)qlen);
	memcpy(p + 2, r->qname, qlen);
	*off += 2 + len;
	return 0;
}

int
audit_next(const uint8_t **pp, size_t *left, struct audit_rec *r)
{
	const uint8_t *p = *pp;
	size_t len, rest;

	if (*left == 0)
		return 0;
	if (*left < 2)
		return -1;
	len = get16(p);
	if (len < AUDIT_FIXED + 3 || len > *left - 2)
		return -1;
	p += 2;
	memset(r, 0, offsetof(struct audit_rec, iso));
	r->event = p[0];
	r->action = p[1];
	r->family = p[2];
	r->proto = p[3];
	r->flags = get16(p + 4);
	r->rcode = p[6];
	r->qtype = get16(p + 7);
	r->uid = get32(p + 9);
	r->gid = get32(p + 13);
	r->ifindex = get32(p + 17);
	r->inode = get64(p + 21);
	r->ts_ms = get64(p + 29);
	r->latency_us = get32(p + 37);
	memcpy(r->src, p + 41, 16);
	r->sport = get16(p + 57);
	memcpy(r->dst, p + 59, 16);
	r->dport = get16(p + 75);
	memcpy(r->mac, p + 77, 6);
	if (r->event < 1 || r->event > AUDIT_EV_MAX || r->action < 1 ||
	    r->action > AUDIT_ACTION_MAX || (r->family != 4 && r->family != 6) ||
	    (r->flags & ~AUDIT_F_ALL) != 0 || r->rcode > 15)
		return -1;
	rest = len - AUDIT_FIXED;
	p += AUDIT_FIXED;
	r->isolen = p[0];
	if (r->isolen > AUDIT_ISO_MAX || rest < 1u + r->isolen + 2)
		return -1;
	memcpy(r->iso, p + 1, r->isolen);
	p += 1 + r->isolen;
	rest -= 1u + r->isolen;
	r->qlen = get16(p);
	if (r->qlen > AUDIT_QNAME_MAX || rest != 2u + r->qlen)
		return -1;
	memcpy(r->qname, p + 2, r->qlen);
	*pp += 2 + len;
	*left -= 2 + len;
	return 1;
}

/* SipHash-2-4 (Aumasson and Bernstein), 64-bit output. */
#define ROTL(x, b)	(uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))
#define SIPROUND do {								\
	v0 += v1; v1 = ROTL(v1, 13); v1 ^= v0; v0 = ROTL(v0, 32);		\
	v2 += v3; v3 = ROTL(v3, 16); v3 ^= v2;					\
	v0 += v3; v3 = ROTL(v3, 21); v3 ^= v0;					\
	v2 += v1; v1 = ROTL(v1, 17); v1 ^= v2; v2 = ROTL(v2, 32);		\
} while (0)

static uint64_t
le64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

uint64_t
audit_siphash(const uint8_t key[16], const void *data, size_t len)
{
	const uint8_t *in = data;
	uint64_t k0 = le64(key), k1 = le64(key + 8);
	uint64_t v0 = 0x736f6d6570736575ULL ^ k0, v1 = 0x646f72616e646f6dULL ^ k1;
	uint64_t v2 = 0x6c7967656e657261ULL ^ k0, v3 = 0x7465646279746573ULL ^ k1;
	uint64_t b = (uint64_t)len << 56, m;
	size_t i;

	for (i = 0; i + 8 <= len; i += 8) {
		m = le64(in + i);
		v3 ^= m;
		SIPROUND;
		SIPROUND;
		v0 ^= m;
	}
	for (size_t j = 0; i + j < len; j++)
		b |= (uint64_t)in[i + j] << (8 * j);
	v3 ^= b;
	SIPROUND;
	SIPROUND;
	v0 ^= b;
	v2 ^= 0xff;
	SIPROUND;
	SIPROUND;
	SIPROUND;
	SIPROUND;
	return v0 ^ v1 ^ v2 ^ v3;
}

static const struct { uint16_t v; const char *s; } qtypes[] = {
	{ 1, "A" }, { 2, "NS" }, { 5, "CNAME" }, { 6, "SOA" }, { 12, "PTR" },
	{ 13, "HINFO" }, { 15, "MX" }, { 16, "TXT" }, { 17, "RP" }, { 18, "AFSDB" },
	{ 24, "SIG" }, { 25, "KEY" }, { 28, "AAAA" }, { 29, "LOC" }, { 33, "SRV" },
	{ 35, "NAPTR" }, { 36, "KX" }, { 37, "CERT" }, { 39, "DNAME" }, { 41, "OPT" },
	{ 42, "APL" }, { 43, "DS" }, { 44, "SSHFP" }, { 45, "IPSECKEY" }, { 46, "RRSIG" },
	{ 47, "NSEC" }, { 48, "DNSKEY" }, { 49, "DHCID" }, { 50, "NSEC3" },
	{ 51, "NSEC3PARAM" }, { 52, "TLSA" }, { 53, "SMIMEA" }, { 55, "HIP" },
	{ 59, "CDS" }, { 60, "CDNSKEY" }, { 61, "OPENPGPKEY" }, { 62, "CSYNC" },
	{ 63, "ZONEMD" }, { 64, "SVCB" }, { 65, "HTTPS" }, { 99, "SPF" }, { 108, "EUI48" },
	{ 109, "EUI64" }, { 249, "TKEY" }, { 250, "TSIG" }, { 251, "IXFR" }, { 252, "AXFR" },
	{ 255, "ANY" }, { 256, "URI" }, { 257, "CAA" },
};

const char *
audit_qtype_str(uint16_t t, char *buf, size_t len)
{
	for (size_t i = 0; i < sizeof(qtypes) / sizeof(qtypes[0]); i++)
		if (qtypes[i].v == t)
			return qtypes[i].s;
	snprintf(buf, len, "TYPE%u", t);
	return buf;
}

const char *
audit_rcode_str(uint8_t rc, char *buf, size_t len)
{
	static const char *const names[] = { "NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN",
	    "NOTIMP", "REFUSED", "YXDOMAIN", "YXRRSET", "NXRRSET", "NOTAUTH", "NOTZONE" };

	if (rc < sizeof(names) / sizeof(names[0]))
		return names[rc];
	snprintf(buf, len, "RCODE%u", rc);
	return buf;
}

/* A line under construction: once it overflows, everything after is ignored. */
struct line {
	char	*p;
	size_t	 cap, n;
	int	 full;
};

static void
add(struct line *l, const char *s, size_t n)
{
	if (l->full || l->cap - l->n < n) {
		l->full = 1;
		return;
	}
	memcpy(l->p + l->n, s, n);
	l->n += n;
}

static void
adds(struct line *l, const char *s)
{
	add(l, s, strlen(s));
}

/* A JSON string from any bytes: quotes, backslashes and controls escaped, DEL and
 * bytes >= 0x80 as \u00XX (the log stays ASCII, whatever the sender put there). */
static void
jstr(struct line *l, const char *s, size_t n)
{
	add(l, "\"", 1);
	for (size_t i = 0; i < n; i++) {
		uint8_t c = (uint8_t)s[i];
		char e[8];

		if (c == '"' || c == '\\') {
			e[0] = '\\';
			e[1] = (char)c;
			add(l, e, 2);
		} else if (c >= 0x20 && c < 0x7f)
			add(l, (const char *)&s[i], 1);
		else {
			snprintf(e, sizeof(e), "\\u%04x", c);
			add(l, e, 6);
		}
	}
	add(l, "\"", 1);
}

static void
field_str(struct line *l, const char *key, const char *s, int first)
{
	if (!first)
		add(l, ",", 1);
	add(l, "\"", 1);
	adds(l, key);
	add(l, "\":", 2);
	if (s == NULL)
		adds(l, "null");
	else
		jstr(l, s, strlen(s));
}

static void
field_raw(struct line *l, const char *key, const char *raw)
{
	add(l, ",\"", 2);
	adds(l, key);
	add(l, "\":", 2);
	adds(l, raw != NULL ? raw : "null");
}

static void
ts_str(uint64_t ms, char *buf, size_t len)
{
	time_t t = (time_t)(ms / 1000u);
	struct tm tm;

	if (gmtime_r(&t, &tm) == NULL || strftime(buf, len, "%Y-%m-%dT%H:%M:%S", &tm) == 0)
		snprintf(buf, len, "1970-01-01T00:00:00");
	snprintf(buf + strlen(buf), len - strlen(buf), ".%03uZ", (unsigned)(ms % 1000u));
}

static const char *
addr_port(int family, const uint8_t *a, int has_port, uint16_t port, char *buf, size_t len)
{
	char ip[INET6_ADDRSTRLEN];

	inet_ntop(family == 6 ? AF_INET6 : AF_INET, a, ip, sizeof(ip));
	if (!has_port)
		snprintf(buf, len, "%s", ip);
	else if (family == 6)
		snprintf(buf, len, "[%s]:%u", ip, port);
	else
		snprintf(buf, len, "%s:%u", ip, port);
	return buf;
}

static const char *const events[] = { NULL, "dns", "dns-tcp", "udp", "proto", "hint" };
static const char *const actions[] = { NULL, "answered", "servfail", "local", "refused",
    "dropped" };

size_t
audit_json(char *out, size_t cap, const struct audit_rec *r, const struct audit_who *w,
    const struct audit_fmt *f)
{
	struct line l = { out, cap, 0, 0 };
	char ts[40], num[32], a[64], tb[16], hb[24];
	int client = (r->flags & AUDIT_F_CLIENT) != 0;

	if (r->event < 1 || r->event > AUDIT_EV_MAX || r->action < 1 ||
	    r->action > AUDIT_ACTION_MAX)
		return 0;
	ts_str(r->ts_ms, ts, sizeof(ts));
	add(&l, "{", 1);
	field_str(&l, "ts", ts, 1);
	field_str(&l, "event", events[r->event], 0);
	field_str(&l, "action", actions[r->action], 0);
	snprintf(num, sizeof(num), "%u", r->uid);
	field_raw(&l, "uid", (r->flags & AUDIT_F_UID) ? num : NULL);
	snprintf(num, sizeof(num), "%u", r->gid);
	field_raw(&l, "gid", (r->flags & AUDIT_F_GID) ? num : NULL);
	field_str(&l, "user", w->user, 0);
	snprintf(num, sizeof(num), "%d", (int)w->pid);
	field_raw(&l, "pid", w->pid >= 0 ? num : NULL);
	field_str(&l, "comm", w->comm, 0);
	field_str(&l, "exe", w->exe, 0);
	field_str(&l, "cmdline", w->cmdline, 0);
	field_str(&l, "unit", w->unit, 0);
	field_str(&l, "client", client ? addr_port(r->family, r->src, 0, 0, a, sizeof(a)) :
	    NULL, 0);
	if (client && (r->flags & AUDIT_F_MAC))
		snprintf(hb, sizeof(hb), "%02x:%02x:%02x:%02x:%02x:%02x", r->mac[0], r->mac[1],
		    r->mac[2], r->mac[3], r->mac[4], r->mac[5]);
	field_str(&l, "mac", client && (r->flags & AUDIT_F_MAC) ? hb : NULL, 0);
	field_str(&l, "ifname", client ? w->ifname : NULL, 0);
	field_str(&l, "src", addr_port(r->family, r->src, r->flags & AUDIT_F_PORTS, r->sport, a,
	    sizeof(a)), 0);
	field_str(&l, "dst", addr_port(r->family, r->dst, r->flags & AUDIT_F_PORTS, r->dport, a,
	    sizeof(a)), 0);
	snprintf(num, sizeof(num), "%u", r->proto);
	field_raw(&l, "proto", num);
	if (r->qlen == 0)
		field_str(&l, "qname", NULL, 0);
	else if (f->hash_names) {
		snprintf(hb, sizeof(hb), "hash:%016llx",
		    (unsigned long long)audit_siphash(f->key, r->qname, r->qlen));
		field_str(&l, "qname", hb, 0);
	} else {
		add(&l, ",\"qname\":", 9);
		jstr(&l, r->qname, r->qlen);
	}
	field_str(&l, "qtype", (r->flags & AUDIT_F_QTYPE) ? audit_qtype_str(r->qtype, tb,
	    sizeof(tb)) : NULL, 0);
	field_str(&l, "rcode", (r->flags & AUDIT_F_RCODE) ? audit_rcode_str(r->rcode, tb,
	    sizeof(tb)) : NULL, 0);
	snprintf(num, sizeof(num), "%u.%03u", r->latency_us / 1000u, r->latency_us % 1000u);
	field_raw(&l, "latency_ms", (r->flags & AUDIT_F_LATENCY) ? num : NULL);
	if (r->isolen > 0) {
		add(&l, ",\"isolation\":", 13);
		jstr(&l, r->iso, r->isolen);
	} else
		field_raw(&l, "isolation", NULL);
	field_raw(&l, "lost", NULL);
	add(&l, "}\n", 3);	/* with its NUL, not counted */
	return l.full ? 0 : l.n - 1;
}

size_t
audit_json_lost(char *out, size_t cap, uint64_t ts_ms, uint64_t n)
{
	static const char *const nulls[] = { "uid", "gid", "user", "pid", "comm", "exe",
	    "cmdline", "unit", "client", "mac", "ifname", "src", "dst", "proto", "qname",
	    "qtype", "rcode", "latency_ms", "isolation" };
	struct line l = { out, cap, 0, 0 };
	char ts[40], num[32];

	ts_str(ts_ms, ts, sizeof(ts));
	add(&l, "{", 1);
	field_str(&l, "ts", ts, 1);
	field_str(&l, "event", "lost", 0);
	field_str(&l, "action", "dropped", 0);
	for (size_t i = 0; i < sizeof(nulls) / sizeof(nulls[0]); i++)
		field_raw(&l, nulls[i], NULL);
	snprintf(num, sizeof(num), "%llu", (unsigned long long)n);
	field_raw(&l, "lost", num);
	add(&l, "}\n", 3);
	return l.full ? 0 : l.n - 1;
}
