/*
 * fuzz_nflog.c: what the kernel's NFLOG socket hands the worker, parsed as if hostile:
 * nflog_parse, then packet_peek on each packet, as auditw.c does. Every packet handed on lies
 * inside the input; the ports are only read when present.
 */
#include <stdlib.h>

#include "fuzz.h"
#include "nflog.h"
#include "packet.h"

struct span {
	const uint8_t	*lo, *hi;
};

static void
on_pkt(void *arg, const struct nflog_pkt *k)
{
	const struct span *s = arg;
	struct pkt_peek pk;

	if (k->data < s->lo || k->data + k->len > s->hi)
		abort();
	if (packet_peek(k->data, k->len, &pk) == PKT_OK) {
		if (pk.family != 2 && pk.family != 10)
			abort();
		if (pk.has_ports && k->len < 24)
			abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	struct span s = { d, d + n };
	uint64_t bad = 0;
	int err;

	(void)nflog_parse(d, n, on_pkt, &s, &bad, &err);
	return 0;
}
