/*
 * fuzz_packet.c: packet_parse on arbitrary bytes. What parses must be described consistently
 * and must survive a build -> parse round trip with checksums that verify.
 */
#include <sys/socket.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "fuzz_check.h"
#include "packet.h"

static uint8_t out[PKT_IP6HDR + PKT_MAXLEN + 1];

int
LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	struct pkt_udp u, v;
	size_t len, hl, alen;
	int e;

	e = packet_parse(d, n, &u);
	if (packet_strerror(e) == NULL)
		abort();
	if (e != PKT_OK)
		return 0;
	if (u.family != AF_INET && u.family != AF_INET6)
		abort();
	if (u.payload < d || u.paylen > n || u.payload + u.paylen > d + n)
		abort();
	if (u.paylen > packet_max_payload(u.family))
		abort();

	len = packet_build(out, sizeof(out), u.family, u.src, u.dst, u.sport, u.dport,
	    u.payload, u.paylen);
	hl = u.family == AF_INET6 ? PKT_IP6HDR : PKT_IP4HDR;
	alen = u.family == AF_INET6 ? 16 : 4;
	if (len != hl + PKT_UDPHDR + u.paylen)
		abort();
	if (packet_build(out, len - 1, u.family, u.src, u.dst, u.sport, u.dport, u.payload,
	    u.paylen) != 0)
		abort();
	len = packet_build(out, len, u.family, u.src, u.dst, u.sport, u.dport, u.payload,
	    u.paylen);
	if (packet_parse(out, len, &v) != PKT_OK)
		abort();
	if (v.family != u.family || memcmp(v.src, u.src, alen) != 0 ||
	    memcmp(v.dst, u.dst, alen) != 0 || v.sport != u.sport || v.dport != u.dport ||
	    v.paylen != u.paylen || memcmp(v.payload, u.payload, u.paylen) != 0)
		abort();
	if (!fz_sums_ok(out, len, u.family))
		abort();
	return 0;
}
