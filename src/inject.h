/*
 * inject.h: send a built IP+UDP reply through a raw socket carrying our mark. Two marks,
 * two pairs of sockets: replies to processes on this host (mark; the rulesets let them out
 * through lo only) and replies to forwarded clients (mark-forward; sent out of the
 * interface their query came in on, which the rulesets allow off lo).
 */
#ifndef DNSFENCE_INJECT_H
#define DNSFENCE_INJECT_H

#include <stddef.h>
#include <stdint.h>

enum inject_path {
	INJECT_LOCAL,		/* to this host's own sockets (via lo) */
	INJECT_FORWARD,		/* to a forwarded client, out of a given interface */
	INJECT_NPATHS
};

struct inject {
	int	fd4[INJECT_NPATHS];
	int	fd6[INJECT_NPATHS];
};

int	inject_open(struct inject *, uint32_t mark, uint32_t mark_forward, char *err,
	    size_t errlen);
int	inject_setmark(struct inject *, enum inject_path, uint32_t mark);
/*
 * dst is the packet's destination (4 or 16 bytes). INJECT_LOCAL: ifindex scopes a
 * link-local destination. INJECT_FORWARD: the packet leaves by interface ifindex, whatever
 * the routes say.
 */
int	inject_send(struct inject *, enum inject_path, int family, const uint8_t *pkt,
	    size_t len, const uint8_t *dst, uint32_t ifindex);
void	inject_close(struct inject *);

#endif
