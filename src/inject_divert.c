/*
 * inject_divert.c: inject.h on OpenBSD and FreeBSD. A reply goes back through the divert
 * socket its query came from (capture_inject in capture_divert.c): written with a local
 * address it is an inbound packet to the program that asked, with the unspecified address an
 * outbound one to a forwarded client. pf does not see what a divert socket writes, and ipfw's
 * "not diverted" lets it pass, so there is no mark and no raw socket. Each reply is written at
 * once (one write per reply): there is nothing to batch. Not yet run on a BSD kernel
 * (docs/bsd.md).
 */
#include <errno.h>
#include <string.h>

#include "capture.h"
#include "inject.h"

int
inject_open(struct inject *in, struct capture *cap, uint32_t mark, uint32_t mark_forward,
    char *err, size_t errlen)
{
	(void)mark;
	(void)mark_forward;
	(void)err;
	(void)errlen;
	memset(in, 0, sizeof(*in));
	for (int p = 0; p < INJECT_NPATHS; p++)
		in->fd4[p] = in->fd6[p] = -1;
	in->cap = cap;
	return 0;
}

int
inject_send(struct inject *in, enum inject_path p, int family, const uint8_t *pkt,
    size_t len, const uint8_t *dst, uint32_t ifindex)
{
	if (in->cap == NULL) {
		errno = EBADF;
		return -1;
	}
	return capture_inject(in->cap, family, pkt, len, dst, ifindex, p == INJECT_FORWARD);
}

int
inject_queue(struct inject *in, enum inject_path p, int family, const uint8_t *pkt,
    size_t len, const uint8_t *dst, uint32_t ifindex)
{
	return inject_send(in, p, family, pkt, len, dst, ifindex);
}

unsigned
inject_flush(struct inject *in)
{
	(void)in;
	return 0;	/* nothing waits */
}

void
inject_close(struct inject *in)
{
	in->cap = NULL;	/* the capture is the daemon's to close */
}
