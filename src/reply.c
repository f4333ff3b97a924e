/* reply.c: fit an answer and wrap it in IP + UDP. Pure. */
#include <sys/socket.h>
#include <string.h>

#include "dns.h"
#include "reply.h"

size_t
reply_build(uint8_t *out, size_t cap, const struct reply_to *to, uint8_t *msg, size_t len,
    size_t limit, int *truncated)
{
	size_t hl = to->family == AF_INET6 ? PKT_IP6HDR : PKT_IP4HDR;
	size_t room, plen;

	*truncated = 0;
	if (cap < hl + PKT_UDPHDR)
		return 0;
	/* The payload can be no longer than the family's packet and the buffer allow. */
	room = cap - hl - PKT_UDPHDR;
	if (room > packet_max_payload(to->family))
		room = packet_max_payload(to->family);
	if (limit > room)
		limit = room;
	if ((plen = dns_fit(msg, len, limit)) == 0)
		return 0;
	*truncated = plen < len;
	return packet_build(out, cap, to->family, to->src, to->dst, to->sport, to->dport, msg,
	    plen);
}
