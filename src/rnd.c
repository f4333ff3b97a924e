/* rnd.c: getrandom() pool; never rand(). A failing kernel RNG is fatal. */
#include <sys/random.h>
#include <errno.h>
#include <string.h>

#include "log.h"
#include "rnd.h"

static void
refill(struct rnd *r)
{
	size_t got = 0;

	while (got < RND_POOL) {
		ssize_t n = getrandom(r->pool + got, RND_POOL - got, 0);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			fatal("getrandom");
		}
		got += (size_t)n;
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
