/* inject.h: send a built IP+UDP reply through a raw socket carrying our mark. */
#ifndef DNSFENCE_INJECT_H
#define DNSFENCE_INJECT_H

#include <stddef.h>
#include <stdint.h>

struct inject {
	int	fd4;
	int	fd6;
};

int	inject_open(struct inject *, uint32_t mark, char *err, size_t errlen);
int	inject_setmark(struct inject *, uint32_t mark);
/* dst is the packet's destination (4 or 16 bytes); ifindex scopes a link-local one. */
int	inject_send(struct inject *, int family, const uint8_t *pkt, size_t len,
	    const uint8_t *dst, uint32_t ifindex);
void	inject_close(struct inject *);

#endif
