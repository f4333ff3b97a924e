/*
 * reply.h: the UDP reply to a captured query, as one IP packet. Pure: it fits the answer
 * to the client's limit and to what one packet of its family can carry, then builds the
 * IP and UDP headers around it.
 */
#ifndef DNSFENCE_REPLY_H
#define DNSFENCE_REPLY_H

#include <stddef.h>
#include <stdint.h>

#include "packet.h"

/* The largest packet built: an IPv6 header and the largest payload its length field holds. */
#define REPLY_BUFLEN	(PKT_IP6HDR + 65535)

struct reply_to {
	int		 family;
	const uint8_t	*src;		/* the server the client asked: the reply's source */
	const uint8_t	*dst;		/* the client */
	uint16_t	 sport;
	uint16_t	 dport;
};

/*
 * Fit msg (rewritten in place, TC=1 if cut) to limit and to what one packet of the family
 * can carry inside out[0..cap), then build the packet into out. Returns its length, or 0
 * if msg does not parse or even its header, question and OPT do not fit. *truncated is set
 * when records were cut.
 */
size_t	reply_build(uint8_t *out, size_t cap, const struct reply_to *, uint8_t *msg, size_t len,
	    size_t limit, int *truncated);

#endif
