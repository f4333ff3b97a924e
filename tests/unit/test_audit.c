/*
 * test_audit.c: audit records (pack, parse, hostile batches), their JSON lines (every field,
 * nulls, escaping, hashed names), the NFLOG messages and packet_peek.
 */
#define T_SUITE "audit"
#include <arpa/inet.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_log.h>
#include <linux/netlink.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "t.h"
#include "audit.h"
#include "imsg.h"
#include "nflog.h"
#include "packet.h"

static const struct audit_fmt plain = { 0, { 0 } };

static void
rec_dns(struct audit_rec *r)
{
	memset(r, 0, sizeof(*r));
	r->event = AUDIT_EV_DNS;
	r->action = AUDIT_ANSWERED;
	r->family = 4;
	r->proto = 17;
	r->flags = AUDIT_F_UID | AUDIT_F_GID | AUDIT_F_PORTS | AUDIT_F_QTYPE | AUDIT_F_RCODE |
	    AUDIT_F_LATENCY | AUDIT_F_INODE;
	r->uid = 1000;
	r->gid = 1000;
	r->inode = 123456789012ULL;
	r->ts_ms = 1796220000123ULL;	/* 2026-12-02T... */
	r->latency_us = 12345;
	inet_pton(AF_INET, "198.51.100.1", r->src);
	inet_pton(AF_INET, "192.0.2.53", r->dst);
	r->sport = 40000;
	r->dport = 53;
	r->qtype = 15;
	r->rcode = 3;
	memcpy(r->iso, "uid-1000", 8);
	r->isolen = 8;
	memcpy(r->qname, "mail.example", 12);
	r->qlen = 12;
}

static void
pack_roundtrip(void)
{
	struct audit_rec a, b;
	uint8_t buf[AUDIT_BATCH_MAX];
	const uint8_t *p = buf;
	size_t off = 0, left;

	rec_dns(&a);
	CHECK(audit_pack(buf, sizeof(buf), &off, &a) == 0);
	CHECK(off == 2 + AUDIT_FIXED + 1 + 8 + 2 + 12);
	a.event = AUDIT_EV_UDP;
	a.qlen = 0;
	a.isolen = 0;
	CHECK(audit_pack(buf, sizeof(buf), &off, &a) == 0);
	left = off;
	CHECK(audit_next(&p, &left, &b) == 1);
	CHECK(b.event == AUDIT_EV_DNS && b.uid == 1000 && b.inode == 123456789012ULL);
	CHECK(b.ts_ms == 1796220000123ULL && b.latency_us == 12345 && b.sport == 40000);
	CHECK(b.qlen == 12 && memcmp(b.qname, "mail.example", 12) == 0);
	CHECK(b.isolen == 8 && memcmp(b.iso, "uid-1000", 8) == 0);
	CHECK(audit_next(&p, &left, &b) == 1);
	CHECK(b.event == AUDIT_EV_UDP && b.qlen == 0 && b.isolen == 0);
	CHECK(audit_next(&p, &left, &b) == 0);
}

/* A record that does not fit writes nothing. */
static void
pack_full(void)
{
	struct audit_rec a;
	uint8_t buf[64];
	size_t off = 0;

	rec_dns(&a);
	CHECK(audit_pack(buf, sizeof(buf), &off, &a) == -1);
	CHECK(off == 0);
	off = 70;
	CHECK(audit_pack(buf, sizeof(buf), &off, &a) == -1);	/* off beyond cap */
}

/* Every field out of range, every length that disagrees, is refused. */
static void
next_hostile(void)
{
	struct audit_rec a, b;
	uint8_t buf[AUDIT_REC_MAX], bad[AUDIT_REC_MAX];
	size_t off = 0, left;
	const uint8_t *p;

	rec_dns(&a);
	CHECK(audit_pack(buf, sizeof(buf), &off, &a) == 0);
	/* each truncation */
	for (size_t n = 1; n < off; n++) {
		p = buf;
		left = n;
		CHECK(audit_next(&p, &left, &b) == -1);
	}
	/* fields: event, action, family, flags, rcode */
	{
		static const struct { size_t at; uint8_t v; } pokes[] = {
			{ 2 + 0, 0 }, { 2 + 0, AUDIT_EV_MAX + 1 }, { 2 + 1, 0 },
			{ 2 + 1, AUDIT_ACTION_MAX + 1 }, { 2 + 2, 5 }, { 2 + 4, 0x80 },
			{ 2 + 6, 16 }, { 2 + AUDIT_FIXED, AUDIT_ISO_MAX + 1 },
			{ 2 + AUDIT_FIXED, 9 },			/* iso length overruns */
			{ 2 + AUDIT_FIXED + 1 + 8, 0x10 },	/* qname length high byte */
		};

		for (size_t i = 0; i < sizeof(pokes) / sizeof(pokes[0]); i++) {
			memcpy(bad, buf, off);
			bad[pokes[i].at] = pokes[i].v;
			p = bad;
			left = off;
			CHECK(audit_next(&p, &left, &b) == -1);
		}
	}
	/* a record length beyond what is left */
	memcpy(bad, buf, off);
	bad[1]++;
	p = bad;
	left = off;
	CHECK(audit_next(&p, &left, &b) == -1);
}

static const char *const fields[] = { "ts", "event", "action", "uid", "gid", "user", "pid",
    "comm", "exe", "cmdline", "unit", "client", "mac", "ifname", "src", "dst", "proto",
    "qname", "qtype", "rcode", "latency_ms", "isolation", "lost" };

/* Every field of docs/audit.md, in order, once. */
static int
has_all_fields(const char *line)
{
	const char *at = line;

	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		char key[32];
		const char *f;

		snprintf(key, sizeof(key), "\"%s\":", fields[i]);
		if ((f = strstr(at, key)) == NULL || strstr(f + 1, key) != NULL)
			return 0;
		at = f;
	}
	return line[strlen(line) - 1] == '\n';
}

static void
json_dns(void)
{
	struct audit_rec r;
	struct audit_who w = { 4242, "alice", "dig", "/usr/bin/dig", "dig mail.example MX",
	    "session-2.scope", NULL };
	char line[4096];
	size_t n;

	rec_dns(&r);
	n = audit_json(line, sizeof(line), &r, &w, &plain);
	CHECK(n > 0 && n == strlen(line));
	CHECK(has_all_fields(line));
	CHECK(strncmp(line, "{\"ts\":\"2026-", 12) == 0);
	CHECK(strstr(line, ".123Z\",\"event\":\"dns\",\"action\":\"answered\"") != NULL);
	CHECK(strstr(line, "\"uid\":1000,\"gid\":1000,\"user\":\"alice\",\"pid\":4242,") != NULL);
	CHECK(strstr(line, "\"client\":null,\"mac\":null,\"ifname\":null,") != NULL);
	CHECK(strstr(line, "\"src\":\"198.51.100.1:40000\",\"dst\":\"192.0.2.53:53\"") != NULL);
	CHECK(strstr(line, "\"proto\":17,\"qname\":\"mail.example\",\"qtype\":\"MX\"") != NULL);
	CHECK(strstr(line, "\"rcode\":\"NXDOMAIN\",\"latency_ms\":12.345,") != NULL);
	CHECK(strstr(line, "\"isolation\":\"uid-1000\",\"lost\":null}\n") != NULL);
}

/* Unknown owner, IPv6, no ports (another protocol), gateway client with MAC. */
static void
json_nulls_v6_client(void)
{
	struct audit_rec r;
	struct audit_who none = { -1, NULL, NULL, NULL, NULL, NULL, "eth1" };
	char line[4096];

	memset(&r, 0, sizeof(r));
	r.event = AUDIT_EV_PROTO;
	r.action = AUDIT_DROPPED;
	r.family = 6;
	r.proto = 132;
	r.flags = AUDIT_F_CLIENT | AUDIT_F_MAC;
	inet_pton(AF_INET6, "fd19:c33d:88bc::11", r.src);
	inet_pton(AF_INET6, "2001:db8::9", r.dst);
	memcpy(r.mac, "\x02\x00\x5e\x10\x00\xab", 6);
	CHECK(audit_json(line, sizeof(line), &r, &none, &plain) > 0);
	CHECK(has_all_fields(line));
	CHECK(strstr(line, "\"uid\":null,\"gid\":null,\"user\":null,\"pid\":null,\"comm\":null,"
	    "\"exe\":null,\"cmdline\":null,\"unit\":null,") != NULL);
	CHECK(strstr(line, "\"client\":\"fd19:c33d:88bc::11\",\"mac\":\"02:00:5e:10:00:ab\","
	    "\"ifname\":\"eth1\",") != NULL);
	CHECK(strstr(line, "\"src\":\"fd19:c33d:88bc::11\",\"dst\":\"2001:db8::9\",") != NULL);
	CHECK(strstr(line, "\"proto\":132,\"qname\":null,\"qtype\":null,\"rcode\":null,"
	    "\"latency_ms\":null,\"isolation\":null,") != NULL);
	/* with ports: [v6]:port */
	r.flags |= AUDIT_F_PORTS;
	r.sport = 5353;
	r.dport = 53;
	CHECK(audit_json(line, sizeof(line), &r, &none, &plain) > 0);
	CHECK(strstr(line, "\"dst\":\"[2001:db8::9]:53\"") != NULL);
	/* not a client: no client, mac or interface even if given */
	r.flags &= (uint16_t)~AUDIT_F_CLIENT;
	CHECK(audit_json(line, sizeof(line), &r, &none, &plain) > 0);
	CHECK(strstr(line, "\"client\":null,\"mac\":null,\"ifname\":null,") != NULL);
}

/* Hostile bytes in names and command lines: the line stays one line of ASCII JSON. */
static void
json_escaping(void)
{
	struct audit_rec r;
	struct audit_who w = { 1, NULL, "a\"b", "/tmp/x\\y", "sh -c \"echo\x1b[2J\n\"\x7f\xff",
	    NULL, NULL };
	char line[8192];
	size_t n;

	rec_dns(&r);
	memcpy(r.qname, "a\"b\\.\n\xc3\xa9", 8);
	r.qlen = 8;
	n = audit_json(line, sizeof(line), &r, &w, &plain);
	CHECK(n > 0);
	CHECK(strchr(line, '\n') == line + n - 1);
	for (size_t i = 0; i < n - 1; i++)
		CHECK((unsigned char)line[i] >= 0x20 && (unsigned char)line[i] < 0x7f);
	CHECK(strstr(line, "\"comm\":\"a\\\"b\"") != NULL);
	CHECK(strstr(line, "\"exe\":\"/tmp/x\\\\y\"") != NULL);
	CHECK(strstr(line, "\"cmdline\":\"sh -c \\\"echo\\u001b[2J\\u000a\\\"\\u007f\\u00ff\"")
	    != NULL);
	CHECK(strstr(line, "\"qname\":\"a\\\"b\\\\.\\u000a\\u00c3\\u00a9\"") != NULL);
}

/* audit-names no: a keyed hash, stable for one key, different across keys and names. */
static void
json_hashed(void)
{
	struct audit_fmt f = { 1, { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16 } };
	struct audit_fmt g = f;
	struct audit_who w = { -1, NULL, NULL, NULL, NULL, NULL, NULL };
	struct audit_rec r;
	char l1[4096], l2[4096], l3[4096];
	const char *h;

	rec_dns(&r);
	CHECK(audit_json(l1, sizeof(l1), &r, &w, &f) > 0);
	CHECK(audit_json(l2, sizeof(l2), &r, &w, &f) > 0);
	CHECK(strcmp(l1, l2) == 0);
	CHECK(strstr(l1, "mail.example") == NULL);
	CHECK((h = strstr(l1, "\"qname\":\"hash:")) != NULL);
	CHECK(strspn(h + 14, "0123456789abcdef") == 16 && h[30] == '"');
	g.key[0] ^= 1;
	CHECK(audit_json(l3, sizeof(l3), &r, &w, &g) > 0);
	CHECK(strcmp(l1, l3) != 0);
	memcpy(r.qname, "mail.examplf", 12);
	CHECK(audit_json(l3, sizeof(l3), &r, &w, &f) > 0);
	CHECK(strcmp(l1, l3) != 0);
}

/* A line that does not fit is not written in part. */
static void
json_small_buffer(void)
{
	struct audit_rec r;
	struct audit_who w = { -1, NULL, NULL, NULL, NULL, NULL, NULL };
	char line[4096];
	size_t n;

	rec_dns(&r);
	n = audit_json(line, sizeof(line), &r, &w, &plain);
	CHECK(n > 0);
	for (size_t cap = 0; cap <= n; cap++)	/* the NUL needs room too */
		CHECK(audit_json(line, cap, &r, &w, &plain) == 0);
	CHECK(audit_json(line, n + 1, &r, &w, &plain) == n && line[n] == '\0');
	/* a hint is never a line */
	r.event = AUDIT_EV_MAX + 1;
	CHECK(audit_json(line, sizeof(line), &r, &w, &plain) == 0);
}

static void
json_lost(void)
{
	char line[1024];
	size_t n = audit_json_lost(line, sizeof(line), 1796220000999ULL, 42);

	CHECK(n > 0 && has_all_fields(line));
	CHECK(strstr(line, "\"event\":\"lost\",\"action\":\"dropped\",\"uid\":null") != NULL);
	CHECK(strstr(line, ".999Z\"") != NULL);
	CHECK(strstr(line, "\"isolation\":null,\"lost\":42}\n") != NULL);
}

static void
names(void)
{
	char b[16];

	CHECK(strcmp(audit_qtype_str(1, b, sizeof(b)), "A") == 0);
	CHECK(strcmp(audit_qtype_str(28, b, sizeof(b)), "AAAA") == 0);
	CHECK(strcmp(audit_qtype_str(33, b, sizeof(b)), "SRV") == 0);
	CHECK(strcmp(audit_qtype_str(65, b, sizeof(b)), "HTTPS") == 0);
	CHECK(strcmp(audit_qtype_str(65280, b, sizeof(b)), "TYPE65280") == 0);
	CHECK(strcmp(audit_qtype_str(0, b, sizeof(b)), "TYPE0") == 0);
	CHECK(strcmp(audit_rcode_str(0, b, sizeof(b)), "NOERROR") == 0);
	CHECK(strcmp(audit_rcode_str(5, b, sizeof(b)), "REFUSED") == 0);
	CHECK(strcmp(audit_rcode_str(12, b, sizeof(b)), "RCODE12") == 0);
}

/* SipHash-2-4 reference vector (the paper's appendix): key 00..0f, message 00..0e. */
static void
siphash_vector(void)
{
	uint8_t key[16], msg[15];

	for (int i = 0; i < 16; i++)
		key[i] = (uint8_t)i;
	for (int i = 0; i < 15; i++)
		msg[i] = (uint8_t)i;
	CHECK(audit_siphash(key, msg, 15) == 0xa129ca6149be45e5ULL);
	CHECK(audit_siphash(key, msg, 0) == 0x726fdb47dd0e0e31ULL);
}

/* The worker's batch message: the lost count and the records, both sides' bounds. */
static void
imsg_batch(void)
{
	static uint8_t msg[IMSG_HDRLEN + 4 + AUDIT_BATCH_MAX + 1];
	uint8_t pay[4 + AUDIT_BATCH_MAX + 1] = { 0, 0, 1, 2 };
	const uint8_t *recs;
	struct imsg m;
	uint32_t lost;
	size_t len, n;

	n = imsg_pack(msg, sizeof(msg), IMSG_AUDIT, pay, 4);
	CHECK(imsg_parse(msg, n, 1, &m) == IMSG_OK);
	CHECK(imsg_audit(&m, &lost, &recs, &len) == IMSG_OK && lost == 258 && len == 0);
	CHECK(imsg_parse(msg, n, 0, &m) == IMSG_ETYPE);		/* never to the worker */
	n = imsg_pack(msg, sizeof(msg), IMSG_AUDIT, pay, 3);
	CHECK(imsg_parse(msg, n, 1, &m) == IMSG_EPAYLOAD);
	n = imsg_pack(msg, sizeof(msg), IMSG_AUDIT, pay, 4 + AUDIT_BATCH_MAX);
	CHECK(imsg_parse(msg, n, 1, &m) == IMSG_OK);
	n = imsg_pack(msg, sizeof(msg), IMSG_AUDIT, pay, 4 + AUDIT_BATCH_MAX + 1);
	CHECK(imsg_parse(msg, n, 1, &m) == IMSG_EPAYLOAD);
}

/* ---- NFLOG ---- */

static void
nflog_config_msgs(void)
{
	uint8_t b[64];
	struct nlmsghdr h;
	struct nfgenmsg g;
	struct nlattr a;

	for (int step = 0; step < NFLOG_STEPS; step++) {
		size_t n = nflog_config(b, sizeof(b), step, 53, 7);

		CHECK(n >= NLMSG_HDRLEN + 4 + 4 && n % 4 == 0);
		memcpy(&h, b, sizeof(h));
		memcpy(&g, b + NLMSG_HDRLEN, sizeof(g));
		memcpy(&a, b + NLMSG_HDRLEN + 4, sizeof(a));
		CHECK(h.nlmsg_len == n && h.nlmsg_seq == 7);
		CHECK(h.nlmsg_type == ((NFNL_SUBSYS_ULOG << 8) | NFULNL_MSG_CONFIG));
		CHECK(h.nlmsg_flags == (NLM_F_REQUEST | NLM_F_ACK));
		CHECK(ntohs(g.res_id) == 53 && g.version == NFNETLINK_V0);
		if (step == 0)
			CHECK(a.nla_type == NFULA_CFG_CMD &&
			    b[NLMSG_HDRLEN + 4 + 4] == NFULNL_CFG_CMD_BIND);
		if (step == 2) {
			uint32_t v;

			memcpy(&v, b + NLMSG_HDRLEN + 8, 4);
			CHECK(a.nla_type == NFULA_CFG_QTHRESH && ntohl(v) == 1);
		}
	}
	CHECK(nflog_config(b, sizeof(b), NFLOG_STEPS, 53, 1) == 0);
	CHECK(nflog_config(b, 10, 0, 53, 1) == 0);
}

/* Build a packet message the way the kernel does. */
static size_t
put_attr(uint8_t *p, uint16_t type, const void *v, size_t len)
{
	struct nlattr a = { (uint16_t)(NLA_HDRLEN + len), type };

	memcpy(p, &a, sizeof(a));
	memcpy(p + NLA_HDRLEN, v, len);
	return (NLA_HDRLEN + len + 3) & ~3u;
}

static size_t
nflog_msg(uint8_t *b, const uint8_t *pkt, size_t plen, int with_uid)
{
	struct nlmsghdr h = { 0 };
	struct nfgenmsg g = { AF_INET, NFNETLINK_V0, htons(53) };
	size_t off = NLMSG_HDRLEN + 4;
	uint32_t uid = htonl(65534), ifi = htonl(7);
	uint8_t hw[12] = { 0, 6, 0, 0, 0x02, 0, 0, 0, 0, 0x11 };

	memset(b, 0, 512);
	memcpy(b + NLMSG_HDRLEN, &g, sizeof(g));
	off += put_attr(b + off, NFULA_PREFIX, "dnsfence-audit", 15);
	if (with_uid) {
		off += put_attr(b + off, NFULA_UID, &uid, 4);
		off += put_attr(b + off, NFULA_GID, &uid, 4);
	} else {
		off += put_attr(b + off, NFULA_IFINDEX_INDEV, &ifi, 4);
		off += put_attr(b + off, NFULA_HWADDR, hw, 12);
	}
	off += put_attr(b + off, NFULA_PAYLOAD, pkt, plen);
	h.nlmsg_len = (uint32_t)off;
	h.nlmsg_type = (NFNL_SUBSYS_ULOG << 8) | NFULNL_MSG_PACKET;
	memcpy(b, &h, sizeof(h));
	return off;
}

struct got {
	int		 n;
	struct nflog_pkt k;
};

static void
got_cb(void *arg, const struct nflog_pkt *k)
{
	struct got *g = arg;

	g->n++;
	g->k = *k;
}

/* 198.51.100.1:40000 -> 198.51.100.2:123, UDP; cut after the UDP header */
static const uint8_t udp4[] = {
	0x45, 0, 0, 33, 0, 0, 0, 0, 64, 17, 0, 0, 198, 51, 100, 1, 198, 51, 100, 2,
	0x9c, 0x40, 0, 123, 0, 13, 0, 0,
};

static void
nflog_parse_pkts(void)
{
	uint8_t b[1024];
	struct got g = { 0 };
	uint64_t bad = 0;
	int err;
	size_t n = nflog_msg(b, udp4, sizeof(udp4), 1), m;

	CHECK(nflog_parse(b, n, got_cb, &g, &bad, &err) == 1 && g.n == 1 && bad == 0);
	CHECK(g.k.has_uid && g.k.uid == 65534 && g.k.has_gid && !g.k.has_mac);
	CHECK(g.k.len == sizeof(udp4) && memcmp(g.k.data, udp4, sizeof(udp4)) == 0);
	/* two messages in one read, the second from another host */
	m = nflog_msg(b + n, udp4, sizeof(udp4), 0);
	g.n = 0;
	CHECK(nflog_parse(b, n + m, got_cb, &g, &bad, &err) == 2 && g.n == 2);
	CHECK(!g.k.has_uid && g.k.ifindex_in == 7 && g.k.has_mac && g.k.mac[5] == 0x11);
	/* every truncation: never a crash, never a packet read past the end */
	for (size_t cut = 0; cut < n; cut++) {
		uint8_t *c = malloc(cut ? cut : 1);

		CHECK(c != NULL);
		memcpy(c, b, cut);
		g.n = 0;
		(void)nflog_parse(c, cut, got_cb, &g, &bad, &err);
		CHECK(g.n == 0 || g.k.data + g.k.len <= c + cut);
		free(c);
	}
	/* an attribute of the wrong size: the message is counted bad */
	n = nflog_msg(b, udp4, sizeof(udp4), 1);
	b[NLMSG_HDRLEN + 4 + 20] = 5;	/* the UID attribute's length: 5 */
	bad = 0;
	g.n = 0;
	CHECK(nflog_parse(b, n, got_cb, &g, &bad, &err) == 0 && bad == 1);
}

static void
nflog_error(void)
{
	uint8_t b[64] = { 0 };
	struct nlmsghdr h = { NLMSG_HDRLEN + sizeof(struct nlmsgerr), NLMSG_ERROR, 0, 1, 0 };
	struct nlmsgerr e = { -16, { 0 } };	/* EBUSY */
	struct got g = { 0 };
	uint64_t bad = 0;
	int err;

	memcpy(b, &h, sizeof(h));
	memcpy(b + NLMSG_HDRLEN, &e, sizeof(e));
	CHECK(nflog_parse(b, h.nlmsg_len, got_cb, &g, &bad, &err) == -1 && err == 16);
}

/* ---- packet_peek ---- */

static void
peek(void)
{
	struct pkt_peek k;
	/* IPv6, a fragment header (first fragment) then UDP-Lite 136 */
	uint8_t v6[40 + 8 + 4] = { 0x60, 0, 0, 0, 0, 12, 44, 64 };

	CHECK(packet_peek(udp4, sizeof(udp4), &k) == PKT_OK);
	CHECK(k.family == AF_INET && k.proto == 17 && k.has_ports && k.sport == 40000 &&
	    k.dport == 123 && k.dst[3] == 2);
	CHECK(packet_peek(udp4, 20, &k) == PKT_OK && k.proto == 17 && !k.has_ports);
	CHECK(packet_peek(udp4, 19, &k) == PKT_ETRUNC);
	CHECK(packet_peek(udp4, 0, &k) == PKT_ETRUNC);
	v6[8 + 15] = 1;
	v6[24 + 15] = 2;
	v6[40] = 136;
	v6[48] = 0x13;
	v6[49] = 0x88;		/* 5000 */
	v6[51] = 53;
	CHECK(packet_peek(v6, sizeof(v6), &k) == PKT_OK);
	CHECK(k.family == AF_INET6 && k.proto == 136 && k.has_ports && k.sport == 5000 &&
	    k.dport == 53);
	v6[42] = 0x01;		/* a later fragment: no ports in it */
	CHECK(packet_peek(v6, sizeof(v6), &k) == PKT_OK && k.proto == 136 && !k.has_ports);
	CHECK(packet_peek(v6, 44, &k) == PKT_OK && k.proto == 255);	/* cut in the header */
	v6[0] = 0x50;
	CHECK(packet_peek(v6, sizeof(v6), &k) == PKT_EVERSION);
}

int
main(void)
{
	RUN(pack_roundtrip);
	RUN(pack_full);
	RUN(next_hostile);
	RUN(json_dns);
	RUN(json_nulls_v6_client);
	RUN(json_escaping);
	RUN(json_hashed);
	RUN(json_small_buffer);
	RUN(json_lost);
	RUN(names);
	RUN(siphash_vector);
	RUN(imsg_batch);
	RUN(nflog_config_msgs);
	RUN(nflog_parse_pkts);
	RUN(nflog_error);
	RUN(peek);
	return T_DONE();
}
