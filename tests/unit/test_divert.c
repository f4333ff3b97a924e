/*
 * test_divert.c: the BSD divert backend (src/capture_divert.c), built on Linux against
 * tests/bsd/divert_compat.h and driven through an emulated divert socket: one end of an
 * AF_UNIX datagram socketpair is the backend's divert socket, the test writes whole IP
 * packets into the other with the divert(4) address semantics and reads what the backend
 * writes back. This proves the backend's handling of those semantics, not a BSD kernel's.
 */
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <errno.h>
#include <ifaddrs.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include "t.h"
#include "divert_compat.h"
#include "capture.h"
#include "capture_divert.h"
#include "packet.h"

#define T_SUITE "divert"

static const uint8_t LO4[4] = { 127, 0, 0, 1 };
static const uint8_t SRV4[4] = { 192, 0, 2, 53 };
static const uint8_t LO6[16] = { [15] = 1 };
static const uint8_t SRV6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 0x53 };
/* a DNS query: ID 0x1234, RD, one question example.com A IN */
static const uint8_t QUERY[] = { 0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0,
	7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 3, 'c', 'o', 'm', 0, 0, 1, 0, 1 };

/* The loopback interface's name: "lo" on Linux, "lo0" on the BSDs. */
static const char *
lo_name(void)
{
	static char name[IF_NAMESIZE];
	struct ifaddrs *ifa, *i;

	if (name[0] != '\0' || getifaddrs(&ifa) == -1)
		return name;
	for (i = ifa; i != NULL; i = i->ifa_next)
		if (i->ifa_addr != NULL && i->ifa_addr->sa_family == AF_INET &&
		    memcmp(&((struct sockaddr_in *)(void *)i->ifa_addr)->sin_addr, LO4, 4) == 0 &&
		    strlen(i->ifa_name) < sizeof(name)) {
			memcpy(name, i->ifa_name, strlen(i->ifa_name) + 1);
			break;
		}
	freeifaddrs(ifa);
	return name;
}

struct seen {
	int		 n;
	int		 malformed;	/* what the daemon's on_packet would count */
	uint32_t	 ifindex_in;
	size_t		 len;
	uint8_t		 pkt[2048];
};

static void
on_pkt(void *arg, const struct capture_pkt *cp)
{
	struct seen *s = arg;
	struct pkt_udp u;

	s->n++;
	s->ifindex_in = cp->ifindex_in;
	s->len = cp->len < sizeof(s->pkt) ? cp->len : sizeof(s->pkt);
	memcpy(s->pkt, cp->data, s->len);
	if (packet_parse(cp->data, cp->len, &u) != PKT_OK)
		s->malformed++;
}

/* The kernel's side: write a packet with a divert address (4 or 16 bytes, NULL: unspecified). */
static int
kwrite(int fd, int safamily, const uint8_t *addr, const char *ifname, const uint8_t *pkt,
    size_t len)
{
	struct sockaddr_storage ss;
	struct sockaddr_in *s4 = (struct sockaddr_in *)(void *)&ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)(void *)&ss;

	memset(&ss, 0, sizeof(ss));
	ss.ss_family = (sa_family_t)safamily;
	if (safamily == AF_INET6 && addr != NULL)
		memcpy(&s6->sin6_addr, addr, 16);
	if (safamily == AF_INET && addr != NULL)
		memcpy(&s4->sin_addr, addr, 4);
	if (ifname != NULL)
		memcpy(s4->sin_zero, ifname, strlen(ifname));
	return divert_compat_sendto(fd, pkt, len, 0, (struct sockaddr *)&ss, sizeof(ss)) ==
	    (ssize_t)len ? 0 : -1;
}

/* What the backend wrote back, if anything: length, or -1 (EAGAIN: nothing). */
static ssize_t
kread(int fd, struct sockaddr_storage *ss, uint8_t *buf, size_t cap)
{
	socklen_t sl = sizeof(*ss);

	memset(ss, 0, sizeof(*ss));
	return divert_compat_recvfrom(fd, buf, cap, MSG_DONTWAIT, (struct sockaddr *)ss, &sl);
}

static size_t
query(uint8_t *out, int family, const uint8_t *src, const uint8_t *dst, uint16_t dport)
{
	return packet_build(out, 2048, family, src, dst, 40000, dport, QUERY, sizeof(QUERY));
}

struct rig {
	int		 k4[2], k6[2];	/* [0] the backend's, [1] the kernel's (the test) */
	struct capture	*c;
};

static int
rig_open(struct rig *r, enum divert_flavor fl)
{
	char err[128];

	r->k6[0] = r->k6[1] = -1;
	if (socketpair(AF_UNIX, SOCK_DGRAM, 0, r->k4) == -1)
		return -1;
	if (fl == DIVERT_OPENBSD && socketpair(AF_UNIX, SOCK_DGRAM, 0, r->k6) == -1)
		return -1;
	r->c = capture_divert_wrap(fl, r->k4[0], r->k6[0], 32, err, sizeof(err));
	return r->c == NULL ? -1 : 0;
}

static void
rig_close(struct rig *r)
{
	capture_close(r->c);
	close(r->k4[1]);
	if (r->k6[1] != -1)
		close(r->k6[1]);
}

/* Nothing written back on either socket. */
static int
nothing_back(const struct rig *r)
{
	struct sockaddr_storage ss;
	uint8_t b[2048];

	if (kread(r->k4[1], &ss, b, sizeof(b)) != -1 || errno != EAGAIN)
		return 0;
	return r->k6[1] == -1 || (kread(r->k6[1], &ss, b, sizeof(b)) == -1 && errno == EAGAIN);
}

/* A reply as a receiving stack checks it: IP header and UDP checksums, then the fields. */
static int
reply_valid(const uint8_t *p, size_t len, int family, const uint8_t *src, const uint8_t *dst,
    uint16_t sport, uint16_t dport)
{
	struct pkt_udp u;
	size_t alen = family == AF_INET6 ? 16 : 4, hl = family == AF_INET6 ? 40 : 20;
	uint32_t sum;

	if (packet_parse(p, len, &u) != PKT_OK || u.family != family)
		return 0;
	if (family == AF_INET && packet_fold(packet_sum(p, 20, 0)) != 0)
		return 0;
	sum = packet_sum(src, alen, 0);
	sum = packet_sum(dst, alen, sum);
	sum += 17 + (uint32_t)(len - hl);
	if (packet_fold(packet_sum(p + hl, len - hl, sum)) != 0)
		return 0;
	return memcmp(u.src, src, alen) == 0 && memcmp(u.dst, dst, alen) == 0 &&
	    u.sport == sport && u.dport == dport && u.paylen == sizeof(QUERY);
}

/* A query is handed on whole and never written back: that is the drop. */
static void
t_query_consumed_v4(void)
{
	struct rig r;
	struct seen s = { 0 };
	uint8_t p[2048];
	size_t n = query(p, AF_INET, LO4, SRV4, 53);

	CHECK(rig_open(&r, DIVERT_OPENBSD) == 0);
	CHECK(kwrite(r.k4[1], AF_INET, NULL, NULL, p, n) == 0);
	CHECK(capture_read(r.c, on_pkt, &s, NULL) == 1);
	CHECK(s.n == 1 && s.len == n && memcmp(s.pkt, p, n) == 0);
	CHECK(s.ifindex_in == 0);	/* outbound: a program on this host */
	CHECK(nothing_back(&r));
	CHECK(capture_read(r.c, on_pkt, &s, NULL) == 0);
	CHECK(capture_divert_counters(r.c)->read == 1);
	rig_close(&r);
}

static void
t_query_consumed_v6(void)
{
	struct rig r;
	struct seen s = { 0 };
	uint8_t p[2048];
	size_t n = query(p, AF_INET6, LO6, SRV6, 53);

	CHECK(rig_open(&r, DIVERT_OPENBSD) == 0);
	CHECK(kwrite(r.k6[1], AF_INET6, NULL, NULL, p, n) == 0);
	CHECK(capture_read(r.c, on_pkt, &s, NULL) == 1);
	CHECK(s.n == 1 && s.len == n && memcmp(s.pkt, p, n) == 0 && s.malformed == 0);
	CHECK(nothing_back(&r));
	rig_close(&r);
}

/* The two sockets of OpenBSD are one descriptor to poll, and one batch reads both. */
static void
t_openbsd_both_families(void)
{
	struct rig r;
	struct seen s = { 0 };
	uint8_t p[2048];
	size_t n;

	CHECK(rig_open(&r, DIVERT_OPENBSD) == 0);
	CHECK(capture_fd(r.c) != r.k4[0] && capture_fd(r.c) != r.k6[0]);
	n = query(p, AF_INET, LO4, SRV4, 53);
	CHECK(kwrite(r.k4[1], AF_INET, NULL, NULL, p, n) == 0);
	n = query(p, AF_INET6, LO6, SRV6, 53);
	CHECK(kwrite(r.k6[1], AF_INET6, NULL, NULL, p, n) == 0);
	CHECK(capture_read(r.c, on_pkt, &s, NULL) == 2);
	CHECK(s.n == 2);
	rig_close(&r);
}

/* The reply to a program on this host: inbound, addressed with the local destination. */
static void
t_reply_inbound_v4(void)
{
	struct rig r;
	struct sockaddr_storage ss;
	struct sockaddr_in *s4 = (struct sockaddr_in *)(void *)&ss;
	uint8_t p[2048], b[2048];
	size_t n = packet_build(p, sizeof(p), AF_INET, SRV4, LO4, 53, 40000, QUERY, sizeof(QUERY));
	ssize_t got;

	CHECK(rig_open(&r, DIVERT_OPENBSD) == 0);
	CHECK(capture_inject(r.c, AF_INET, p, n, LO4, 0, 0) == 0);
	CHECK((got = kread(r.k4[1], &ss, b, sizeof(b))) == (ssize_t)n);
	CHECK(ss.ss_family == AF_INET && memcmp(&s4->sin_addr, LO4, 4) == 0);
	CHECK(reply_valid(b, (size_t)got, AF_INET, SRV4, LO4, 53, 40000));
	CHECK(capture_divert_counters(r.c)->injected == 1);
	rig_close(&r);
}

static void
t_reply_inbound_v6(void)
{
	struct rig r;
	struct sockaddr_storage ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)(void *)&ss;
	uint8_t p[2048], b[2048];
	size_t n = packet_build(p, sizeof(p), AF_INET6, SRV6, LO6, 53, 40000, QUERY,
	    sizeof(QUERY));
	ssize_t got;

	CHECK(rig_open(&r, DIVERT_OPENBSD) == 0);
	CHECK(capture_inject(r.c, AF_INET6, p, n, LO6, 0, 0) == 0);
	CHECK((got = kread(r.k6[1], &ss, b, sizeof(b))) == (ssize_t)n);
	CHECK(ss.ss_family == AF_INET6 && memcmp(&s6->sin6_addr, LO6, 16) == 0);
	CHECK(reply_valid(b, (size_t)got, AF_INET6, SRV6, LO6, 53, 40000));
	CHECK(nothing_back(&r));	/* and on the v4 socket nothing */
	rig_close(&r);
}

/* A forwarded client's reply: outbound (unspecified address), routed to it. */
static void
t_reply_forwarded_outbound(void)
{
	static const uint8_t CL4[4] = { 10, 152, 152, 11 };
	struct rig r;
	struct sockaddr_storage ss;
	struct sockaddr_in *s4 = (struct sockaddr_in *)(void *)&ss;
	uint8_t p[2048], b[2048];
	size_t n = packet_build(p, sizeof(p), AF_INET, SRV4, CL4, 53, 40000, QUERY, sizeof(QUERY));

	CHECK(rig_open(&r, DIVERT_OPENBSD) == 0);
	CHECK(capture_inject(r.c, AF_INET, p, n, CL4, 3, 1) == 0);
	CHECK(kread(r.k4[1], &ss, b, sizeof(b)) == (ssize_t)n);
	CHECK(ss.ss_family == AF_INET && s4->sin_addr.s_addr == htonl(INADDR_ANY));
	rig_close(&r);
}

/* An inbound query (forwarded): the receiving interface's address names the interface. */
static void
t_inbound_query_interface(void)
{
	static const uint8_t NOWHERE[4] = { 192, 0, 2, 99 };
	struct rig r;
	struct seen s = { 0 };
	uint8_t p[2048];
	size_t n = query(p, AF_INET, SRV4, SRV4, 53);

	CHECK(rig_open(&r, DIVERT_OPENBSD) == 0);
	CHECK(kwrite(r.k4[1], AF_INET, LO4, NULL, p, n) == 0);
	CHECK(capture_read(r.c, on_pkt, &s, NULL) == 1);
	CHECK(s.n == 1 && s.ifindex_in == if_nametoindex(lo_name()));
	/* an address no interface holds: dropped here, never treated as this host's */
	CHECK(kwrite(r.k4[1], AF_INET, NOWHERE, NULL, p, n) == 0);
	CHECK(capture_read(r.c, on_pkt, &s, NULL) == 1);
	CHECK(s.n == 1 && capture_divert_counters(r.c)->noif == 1);
	CHECK(nothing_back(&r));
	rig_close(&r);
}

/* FreeBSD hands outbound packets with the IPv4 header checksum not yet computed. */
static void
t_freebsd_bad_header_checksum(void)
{
	struct rig r;
	struct seen s = { 0 };
	uint8_t p[2048];
	size_t n = query(p, AF_INET, LO4, SRV4, 53);

	p[10] ^= 0x5a;	/* header checksum now wrong */
	p[11] ^= 0xa5;
	CHECK(packet_fold(packet_sum(p, 20, 0)) != 0);
	CHECK(rig_open(&r, DIVERT_FREEBSD) == 0);
	CHECK(capture_fd(r.c) == r.k4[0]);
	CHECK(kwrite(r.k4[1], AF_INET, NULL, NULL, p, n) == 0);
	CHECK(capture_read(r.c, on_pkt, &s, NULL) == 1);
	CHECK(s.n == 1 && s.malformed == 0 && s.ifindex_in == 0);
	CHECK(nothing_back(&r));
	rig_close(&r);
}

/* FreeBSD: one socket, sockaddr_in; the interface's name after the address picks it. */
static void
t_freebsd_reply_inbound(void)
{
	struct rig r;
	struct sockaddr_storage ss;
	struct sockaddr_in *s4 = (struct sockaddr_in *)(void *)&ss;
	uint8_t p[2048], b[2048];
	size_t n;
	ssize_t got;

	CHECK(rig_open(&r, DIVERT_FREEBSD) == 0);
	n = packet_build(p, sizeof(p), AF_INET, SRV4, LO4, 53, 40000, QUERY, sizeof(QUERY));
	CHECK(capture_inject(r.c, AF_INET, p, n, LO4, 0, 0) == 0);
	CHECK((got = kread(r.k4[1], &ss, b, sizeof(b))) == (ssize_t)n);
	CHECK(ss.ss_family == AF_INET && memcmp(&s4->sin_addr, LO4, 4) == 0);
	CHECK(strcmp((char *)s4->sin_zero, lo_name()) == 0);
	CHECK(reply_valid(b, (size_t)got, AF_INET, SRV4, LO4, 53, 40000));
	/* IPv6 over the same socket: a non-INADDR_ANY address and the interface's name */
	n = packet_build(p, sizeof(p), AF_INET6, SRV6, LO6, 53, 40000, QUERY, sizeof(QUERY));
	if (capture_inject(r.c, AF_INET6, p, n, LO6, 0, 0) == -1 && errno == EADDRNOTAVAIL) {
		printf("# ::1 is on no interface here: the FreeBSD IPv6 reply is not checked\n");
		rig_close(&r);
		return;
	}
	CHECK((got = kread(r.k4[1], &ss, b, sizeof(b))) == (ssize_t)n);
	CHECK(ss.ss_family == AF_INET && s4->sin_addr.s_addr != htonl(INADDR_ANY));
	CHECK(strcmp((char *)s4->sin_zero, lo_name()) == 0);
	CHECK(reply_valid(b, (size_t)got, AF_INET6, SRV6, LO6, 53, 40000));
	rig_close(&r);
}

/* FreeBSD names the receiving interface of an inbound packet in sin_zero. */
static void
t_freebsd_inbound_name(void)
{
	struct rig r;
	struct seen s = { 0 };
	uint8_t p[2048];
	size_t n = query(p, AF_INET6, SRV6, SRV6, 53);

	CHECK(rig_open(&r, DIVERT_FREEBSD) == 0);
	CHECK(kwrite(r.k4[1], AF_INET, LO4, lo_name(), p, n) == 0);
	CHECK(capture_read(r.c, on_pkt, &s, NULL) == 1);
	CHECK(s.n == 1 && s.ifindex_in == if_nametoindex(lo_name()));
	CHECK(kwrite(r.k4[1], AF_INET, LO4, "nosuch0", p, n) == 0);
	CHECK(capture_read(r.c, on_pkt, &s, NULL) == 1);
	CHECK(s.n == 1 && capture_divert_counters(r.c)->noif == 1);
	rig_close(&r);
}

/* UDP to another port, handed to us by a wrong rule: dropped here, never handed on. */
static void
t_non_dns_dropped(void)
{
	struct rig r;
	struct seen s = { 0 };
	uint8_t p[2048];
	size_t n = query(p, AF_INET, LO4, SRV4, 123);

	CHECK(rig_open(&r, DIVERT_OPENBSD) == 0);
	CHECK(kwrite(r.k4[1], AF_INET, NULL, NULL, p, n) == 0);
	CHECK(capture_read(r.c, on_pkt, &s, NULL) == 1);
	CHECK(s.n == 0 && capture_divert_counters(r.c)->foreign == 1);
	/* TCP to port 53: not UDP, handed on as malformed, never written back */
	n = query(p, AF_INET, LO4, SRV4, 53);
	p[9] = 6;
	CHECK(kwrite(r.k4[1], AF_INET, NULL, NULL, p, n) == 0);
	CHECK(capture_read(r.c, on_pkt, &s, NULL) == 1);
	CHECK(s.n == 1 && s.malformed == 1 && capture_divert_counters(r.c)->malformed == 1);
	CHECK(nothing_back(&r));
	rig_close(&r);
}

/* Cut, lying and empty packets are counted, and none is written back. */
static void
t_malformed_counted(void)
{
	struct rig r;
	struct seen s = { 0 };
	uint8_t p[2048];
	size_t n = query(p, AF_INET, LO4, SRV4, 53);

	CHECK(rig_open(&r, DIVERT_OPENBSD) == 0);
	CHECK(kwrite(r.k4[1], AF_INET, NULL, NULL, p, 30) == 0);	/* cut short */
	p[0] = 0x75;							/* version 7 */
	CHECK(kwrite(r.k4[1], AF_INET, NULL, NULL, p, n) == 0);
	CHECK(kwrite(r.k4[1], AF_INET, NULL, NULL, p, 0) == 0);	/* empty */
	n = query(p, AF_INET6, LO6, SRV6, 53);
	p[5] = 0xff;							/* payload length lies */
	CHECK(kwrite(r.k6[1], AF_INET6, NULL, NULL, p, n) == 0);
	CHECK(capture_read(r.c, on_pkt, &s, NULL) == 4);
	CHECK(s.n == 4 && s.malformed == 4);
	CHECK(capture_divert_counters(r.c)->malformed == 4);
	CHECK(nothing_back(&r));
	rig_close(&r);
}

/* A batch is a bound: more packets wait for the next read. */
static void
t_batch_bound(void)
{
	struct rig r;
	struct seen s = { 0 };
	uint8_t p[2048];
	size_t n = query(p, AF_INET, LO4, SRV4, 53);
	char err[64];

	CHECK(socketpair(AF_UNIX, SOCK_DGRAM, 0, r.k4) == 0);
	r.k6[1] = -1;
	CHECK((r.c = capture_divert_wrap(DIVERT_FREEBSD, r.k4[0], -1, 2, err, sizeof(err))) != NULL);
	for (int i = 0; i < 3; i++)
		CHECK(kwrite(r.k4[1], AF_INET, NULL, NULL, p, n) == 0);
	CHECK(capture_read(r.c, on_pkt, &s, NULL) == 2);
	CHECK(capture_read(r.c, on_pkt, &s, NULL) == 1);
	CHECK(s.n == 3);
	rig_close(&r);
}

int
main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);	/* a failed CHECK leaks its rig: keep the TAP lines */
	RUN(t_query_consumed_v4);
	RUN(t_query_consumed_v6);
	RUN(t_openbsd_both_families);
	RUN(t_reply_inbound_v4);
	RUN(t_reply_inbound_v6);
	RUN(t_reply_forwarded_outbound);
	RUN(t_inbound_query_interface);
	RUN(t_freebsd_bad_header_checksum);
	RUN(t_freebsd_reply_inbound);
	RUN(t_freebsd_inbound_name);
	RUN(t_non_dns_dropped);
	RUN(t_malformed_counted);
	RUN(t_batch_bound);
	return T_DONE();
}
