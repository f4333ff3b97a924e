/* rnd.c: a pool filled by getentropy() (getrandom(2) on Linux); never rand(). A failing kernel
 * RNG is fatal. */
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "rnd.h"

static void
refill(struct rnd *r)
{
	size_t got = 0;

	/* getentropy gives at most 256 bytes a call, and never a short read */
	while (got < RND_POOL) {
		size_t n = RND_POOL - got < 256 ? RND_POOL - got : 256;

		if (getentropy(r->pool + got, n) == -1)
			fatal("getentropy");
		got += n;
	}
	r->left = RND_POOL;
}

void
rnd_bytes(struct rnd *r, void *out, size_t len)
{
	uint8_t *o = out;

	while (len > 0) {
		size_t n;

		if (r->left == 0)
			refill(r);
		n = len < r->left ? len : r->left;
		memcpy(o, r->pool + RND_POOL - r->left, n);
		memset(r->pool + RND_POOL - r->left, 0, n);
		r->left -= n;
		o += n;
		len -= n;
	}
}

uint16_t
rnd_u16(struct rnd *r)
{
	uint16_t v;

	rnd_bytes(r, &v, sizeof(v));
	return v;
}
