/* rnd.h: random 16-bit values from getrandom(), buffered. */
#ifndef DNSFENCE_RND_H
#define DNSFENCE_RND_H

#include <stddef.h>
#include <stdint.h>

#define RND_POOL	256	/* bytes fetched per getrandom() call */

struct rnd {
	uint8_t	pool[RND_POOL];
	size_t	left;
};

uint16_t rnd_u16(struct rnd *);
void	 rnd_bytes(struct rnd *, void *, size_t);

#endif
