/* packet.h: IPv4/IPv6 + UDP parse and reply build. Pure. */
#ifndef DNSFENCE_PACKET_H
#define DNSFENCE_PACKET_H

#include <stddef.h>
#include <stdint.h>

#define PKT_IP4HDR	20
#define PKT_IP6HDR	40
#define PKT_UDPHDR	8
#define PKT_MAXLEN	65535
#define PKT_MAX_EXTHDRS	8	/* IPv6 extension headers walked before UDP */

enum pkt_err {
	PKT_OK = 0,
	PKT_ETRUNC,	/* shorter than its headers say */
	PKT_EVERSION,	/* not IPv4 or IPv6 */
	PKT_EHDR,	/* bad IP header field */
	PKT_EPROTO,	/* not UDP */
	PKT_EFRAG,	/* a fragment */
	PKT_EUDPLEN,	/* UDP length disagrees with the IP length */
	PKT_ENOSPACE,	/* output buffer too small */
};

struct pkt_udp {
	int		 family;	/* AF_INET or AF_INET6 */
	uint8_t		 src[16];
	uint8_t		 dst[16];
	uint16_t	 sport;		/* host order */
	uint16_t	 dport;
	const uint8_t	*payload;	/* points into the parsed buffer */
	size_t		 paylen;
};

/* The headers of any IP packet, as far as a (possibly cut) copy shows them. */
struct pkt_peek {
	int		 family;	/* AF_INET or AF_INET6 */
	uint8_t		 src[16];
	uint8_t		 dst[16];
	uint8_t		 proto;		/* after IPv6 extension headers */
	int		 has_ports;	/* UDP, UDP-Lite, TCP, SCTP, DCCP, not a later fragment */
	uint16_t	 sport, dport;
};

const char *packet_strerror(int);

/*
 * Addresses, protocol and ports of an IP packet that may be cut short after its headers
 * (NFLOG copies a prefix). PKT_OK, or an error if not even the IP header is there.
 */
int	packet_peek(const uint8_t *, size_t, struct pkt_peek *);

/* Parse an IP packet as seen on the wire (no link header). */
int	packet_parse(const uint8_t *, size_t, struct pkt_udp *);

/*
 * Build IP + UDP around payload, with correct IP (v4) and UDP checksums. Addresses are 4 or
 * 16 bytes by family. Returns the packet length, or 0 if it does not fit cap or 65535.
 */
size_t	packet_build(uint8_t *out, size_t cap, int family, const uint8_t *src,
	    const uint8_t *dst, uint16_t sport, uint16_t dport, const uint8_t *payload,
	    size_t paylen);

/* Largest UDP payload one IP packet of this family can carry. */
size_t	packet_max_payload(int family);

/* Internet checksum (RFC 1071) over buf, continuing from sum; not folded. */
uint32_t packet_sum(const uint8_t *, size_t, uint32_t sum);
uint16_t packet_fold(uint32_t sum);

#endif
