/*
 * fuzz_check.h: what several fuzz targets read from their input or check of an output,
 * written once. Static inline: each target takes what it uses.
 */
#ifndef DNSFENCE_FUZZ_CHECK_H
#define DNSFENCE_FUZZ_CHECK_H

#include <sys/socket.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "dns.h"
#include "packet.h"

static inline uint16_t
fz_get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* The question a message holds, read from it; the root, A, IN if it holds none. */
static inline void
fz_question(const uint8_t *msg, size_t len, struct dns_question *q)
{
	size_t off = DNS_HDRLEN;

	memset(q, 0, sizeof(*q));
	if (len >= DNS_HDRLEN &&
	    dns_name_read(msg, len, &off, q->name, &q->namelen) == DNS_OK && off + 4 <= len) {
		q->qtype = fz_get16(msg + off);
		q->qclass = fz_get16(msg + off + 2);
	} else {
		q->namelen = 1;
		q->qtype = DNS_T_A;
		q->qclass = DNS_C_IN;
	}
}

/*
 * A built packet's checksums: the IPv4 header, and UDP with its pseudo-header, sum to all
 * ones; UDP's is never sent as 0 ("none").
 */
static inline int
fz_sums_ok(const uint8_t *p, size_t len, int family)
{
	size_t hl = family == AF_INET6 ? PKT_IP6HDR : PKT_IP4HDR;
	size_t alen = family == AF_INET6 ? 16 : 4;
	uint32_t sum;

	if (len < hl + PKT_UDPHDR)
		return 0;
	if (family == AF_INET && packet_fold(packet_sum(p, PKT_IP4HDR, 0)) != 0)
		return 0;
	sum = packet_sum(p + (family == AF_INET6 ? 8 : 12), 2 * alen, 0);
	sum += 17 + (uint32_t)(len - hl);
	if (packet_fold(packet_sum(p + hl, len - hl, sum)) != 0)
		return 0;
	return p[hl + 6] != 0 || p[hl + 7] != 0;
}

/*
 * Walk a message's records. Returns the IN A/AAAA records with a private address, or -1 if
 * it does not parse; *opt_dirty is set when an OPT in the additional section carries an
 * option other than padding or a flag other than DO (what DNS_RW_EDNS removes).
 */
static inline long
fz_scan(const uint8_t *m, size_t len, int *opt_dirty)
{
	uint8_t nm[DNS_MAXNAME], nl;
	size_t off = DNS_HDRLEN;
	long priv = 0;

	*opt_dirty = 0;
	if (len < DNS_HDRLEN || dns_name_read(m, len, &off, nm, &nl) != DNS_OK || off + 4 > len)
		return -1;
	off += 4;
	for (int s = 0; s < 3; s++)
		for (unsigned i = 0; i < fz_get16(m + 6 + 2 * s); i++) {
			uint16_t type, rdlen;
			size_t rd;

			if (dns_name_read(m, len, &off, nm, &nl) != DNS_OK || off + 10 > len)
				return -1;
			type = fz_get16(m + off);
			rdlen = fz_get16(m + off + 8);
			rd = off + 10;
			if (rd + rdlen > len)
				return -1;
			if (fz_get16(m + off + 2) == DNS_C_IN &&
			    ((type == DNS_T_A && rdlen == 4 && dns_addr_is_private(AF_INET, m + rd)) ||
			    (type == DNS_T_AAAA && rdlen == 16 &&
			    dns_addr_is_private(AF_INET6, m + rd))))
				priv++;
			if (s == 2 && type == DNS_T_OPT) {
				if ((m[off + 6] & 0x7f) != 0 || m[off + 7] != 0)
					*opt_dirty = 1;
				for (size_t o = 0; o + 4 <= rdlen; o += 4 + (size_t)fz_get16(m + rd + o + 2))
					if (fz_get16(m + rd + o) != DNS_EDNS_PADDING)
						*opt_dirty = 1;
			}
			off = rd + rdlen;
		}
	return priv;
}

#endif
