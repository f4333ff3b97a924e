/* packet.c: IPv4/IPv6 + UDP, RFC 791, 8200, 768. Pure. */
#include <sys/socket.h>
#include <string.h>

#include "wire.h"
#include "packet.h"

#define IPPROTO_UDP_	17
#define IP6_HOPOPTS	0
#define IP6_ROUTING	43
#define IP6_FRAGMENT	44
#define IP6_AH		51
#define IP6_DSTOPTS	60

static const char *const pkt_errstr[] = {
	[PKT_OK] = "ok",
	[PKT_ETRUNC] = "truncated",
	[PKT_EVERSION] = "not IPv4 or IPv6",
	[PKT_EHDR] = "bad IP header",
	[PKT_EPROTO] = "not UDP",
	[PKT_EFRAG] = "fragment",
	[PKT_EUDPLEN] = "bad UDP length",
	[PKT_ENOSPACE] = "no space",
};

const char *
packet_strerror(int e)
{
	if (e < 0 || (size_t)e >= sizeof(pkt_errstr) / sizeof(pkt_errstr[0]))
		return "unknown";
	return pkt_errstr[e];
}

uint32_t
packet_sum(const uint8_t *p, size_t len, uint32_t sum)
{
	while (len > 1) {
		sum += get16(p);
		p += 2;
		len -= 2;
	}
	if (len)
		sum += (uint32_t)p[0] << 8;
	return sum;
}

uint16_t
packet_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static int
udp_parse(const uint8_t *p, size_t len, struct pkt_udp *u)
{
	uint16_t ulen;

	if (len < PKT_UDPHDR)
		return PKT_ETRUNC;
	ulen = get16(p + 4);
	if (ulen < PKT_UDPHDR || ulen > len)
		return PKT_EUDPLEN;
	u->sport = get16(p);
	u->dport = get16(p + 2);
	u->payload = p + PKT_UDPHDR;
	u->paylen = ulen - PKT_UDPHDR;
	return PKT_OK;
}

static int
ip4_parse(const uint8_t *p, size_t len, struct pkt_udp *u)
{
	size_t hl, tot;

	if (len < PKT_IP4HDR)
		return PKT_ETRUNC;
	hl = (size_t)(p[0] & 0x0f) * 4;
	tot = get16(p + 2);
	if (hl < PKT_IP4HDR || tot < hl)
		return PKT_EHDR;
	if (tot > len)
		return PKT_ETRUNC;
	if ((get16(p + 6) & 0x3fff) != 0)	/* MF or an offset */
		return PKT_EFRAG;
	if (p[9] != IPPROTO_UDP_)
		return PKT_EPROTO;
	u->family = AF_INET;
	memcpy(u->src, p + 12, 4);
	memcpy(u->dst, p + 16, 4);
	return udp_parse(p + hl, tot - hl, u);
}

static int
ip6_parse(const uint8_t *p, size_t len, struct pkt_udp *u)
{
	size_t off = PKT_IP6HDR, end;
	uint8_t nh;

	if (len < PKT_IP6HDR)
		return PKT_ETRUNC;
	end = PKT_IP6HDR + (size_t)get16(p + 4);
	if (end > len)
		return PKT_ETRUNC;
	if (end == PKT_IP6HDR)
		return PKT_EHDR;	/* jumbogram or empty */
	nh = p[6];
	for (int i = 0; nh != IPPROTO_UDP_; i++) {
		if (i == PKT_MAX_EXTHDRS)
			return PKT_EHDR;
		switch (nh) {
		case IP6_HOPOPTS:
		case IP6_ROUTING:
		case IP6_DSTOPTS:
			if (off + 2 > end)
				return PKT_ETRUNC;
			nh = p[off];
			off += ((size_t)p[off + 1] + 1) * 8;
			break;
		case IP6_AH:
			if (off + 2 > end)
				return PKT_ETRUNC;
			nh = p[off];
			off += ((size_t)p[off + 1] + 2) * 4;
			break;
		case IP6_FRAGMENT:
			return PKT_EFRAG;
		default:
			return PKT_EPROTO;
		}
		if (off > end)
			return PKT_ETRUNC;
	}
	u->family = AF_INET6;
	memcpy(u->src, p + 8, 16);
	memcpy(u->dst, p + 24, 16);
	return udp_parse(p + off, end - off, u);
}

int
packet_peek(const uint8_t *p, size_t len, struct pkt_peek *k)
{
	size_t off;
	int frag = 0;

	memset(k, 0, sizeof(*k));
	if (len < 1)
		return PKT_ETRUNC;
	if (p[0] >> 4 == 4) {
		if (len < PKT_IP4HDR)
			return PKT_ETRUNC;
		off = (size_t)(p[0] & 0x0f) * 4;
		if (off < PKT_IP4HDR)
			return PKT_EHDR;
		k->family = AF_INET;
		memcpy(k->src, p + 12, 4);
		memcpy(k->dst, p + 16, 4);
		k->proto = p[9];
		frag = (get16(p + 6) & 0x1fff) != 0;
	} else if (p[0] >> 4 == 6) {
		uint8_t nh;

		if (len < PKT_IP6HDR)
			return PKT_ETRUNC;
		k->family = AF_INET6;
		memcpy(k->src, p + 8, 16);
		memcpy(k->dst, p + 24, 16);
		nh = p[6];
		off = PKT_IP6HDR;
		for (int i = 0; i < PKT_MAX_EXTHDRS; i++) {
			if (nh != IP6_HOPOPTS && nh != IP6_ROUTING && nh != IP6_DSTOPTS &&
			    nh != IP6_AH && nh != IP6_FRAGMENT)
				break;
			if (off + 8 > len) {
				nh = 255;	/* cut inside the extension headers: unknown */
				break;
			}
			if (nh == IP6_FRAGMENT)
				frag = (get16(p + off + 2) & 0xfff8) != 0;
			{
				uint8_t next = p[off];

				if (nh == IP6_FRAGMENT)
					off += 8;
				else if (nh == IP6_AH)
					off += ((size_t)p[off + 1] + 2) * 4;
				else
					off += ((size_t)p[off + 1] + 1) * 8;
				nh = next;
			}
		}
		k->proto = nh;
	} else
		return PKT_EVERSION;
	/* UDP, TCP, DCCP, SCTP, UDP-Lite: ports first, in the same place */
	if (!frag && (k->proto == 17 || k->proto == 6 || k->proto == 33 || k->proto == 132 ||
	    k->proto == 136) && off + 4 <= len) {
		k->has_ports = 1;
		k->sport = get16(p + off);
		k->dport = get16(p + off + 2);
	}
	return PKT_OK;
}

int
packet_parse(const uint8_t *p, size_t len, struct pkt_udp *u)
{
	memset(u, 0, sizeof(*u));
	if (len < 1)
		return PKT_ETRUNC;
	switch (p[0] >> 4) {
	case 4:
		return ip4_parse(p, len, u);
	case 6:
		return ip6_parse(p, len, u);
	default:
		return PKT_EVERSION;
	}
}

size_t
packet_max_payload(int family)
{
	return family == AF_INET6 ? PKT_MAXLEN - PKT_UDPHDR :
	    PKT_MAXLEN - PKT_IP4HDR - PKT_UDPHDR;
}

size_t
packet_build(uint8_t *out, size_t cap, int family, const uint8_t *src, const uint8_t *dst,
    uint16_t sport, uint16_t dport, const uint8_t *payload, size_t paylen)
{
	size_t alen = family == AF_INET6 ? 16 : 4;
	size_t hl = family == AF_INET6 ? PKT_IP6HDR : PKT_IP4HDR;
	size_t ulen = PKT_UDPHDR + paylen;
	uint8_t *udp = out + hl;
	uint32_t sum;
	uint16_t csum;

	if (paylen > packet_max_payload(family) || hl + ulen > cap)
		return 0;
	memset(out, 0, hl + PKT_UDPHDR);
	if (family == AF_INET6) {
		out[0] = 0x60;
		put16(out + 4, (uint16_t)ulen);
		out[6] = IPPROTO_UDP_;
		out[7] = 64;			/* hop limit */
		memcpy(out + 8, src, 16);
		memcpy(out + 24, dst, 16);
	} else {
		out[0] = 0x45;
		put16(out + 2, (uint16_t)(hl + ulen));
		out[8] = 64;			/* TTL */
		out[9] = IPPROTO_UDP_;
		memcpy(out + 12, src, 4);
		memcpy(out + 16, dst, 4);
		put16(out + 10, packet_fold(packet_sum(out, PKT_IP4HDR, 0)));
	}
	put16(udp, sport);
	put16(udp + 2, dport);
	put16(udp + 4, (uint16_t)ulen);
	memmove(udp + PKT_UDPHDR, payload, paylen);
	/* pseudo-header: src, dst, protocol, UDP length */
	sum = packet_sum(src, alen, 0);
	sum = packet_sum(dst, alen, sum);
	sum += IPPROTO_UDP_ + (uint32_t)ulen;
	sum = packet_sum(udp, ulen, sum);
	csum = packet_fold(sum);
	put16(udp + 6, csum == 0 ? 0xffff : csum);	/* 0 means "none" in UDP */
	return hl + ulen;
}
