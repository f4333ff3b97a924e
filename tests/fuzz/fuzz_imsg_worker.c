/*
 * fuzz_imsg_worker.c: what the worker reads from the parent: imsg_parse (not from_worker),
 * imsg_config, and the configuration built from it the way reload() does. Every pointer
 * stays inside the datagram; a CONFIG packs back to the same bytes; the configuration is
 * either refused with "file:line: reason" or has every field in range.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "config.h"
#include "imsg.h"

static int
inside(const uint8_t *p, size_t l, const uint8_t *d, size_t n)
{
	return p >= d && l <= n && p + l <= d + n;
}

int
LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	static char words[IMSG_NOVER_MAX * 2][IMSG_WORD_MAX + 1];
	static char *kv[IMSG_NOVER_MAX * 2];
	static uint8_t again[IMSG_MAX];
	struct imsg_config ic;
	struct imsg m;
	struct config c;
	char err[CONFIG_ERRLEN + 64];
	int clean = 1;

	if (imsg_parse(d, n, 0, &m) != IMSG_OK)
		return 0;
	if (m.type != IMSG_CONFIG && m.type != IMSG_STATS && m.type != IMSG_QUIT &&
	    m.type != IMSG_TESTHOOK && m.type != IMSG_PING && m.type != IMSG_STATSREQ)
		abort();
	if (imsg_config(&m, &ic) != IMSG_OK)
		return 0;
	if (m.type != IMSG_CONFIG || ic.nover > IMSG_NOVER_MAX ||
	    (ic.have_text && !inside(ic.text, ic.textlen, d, n)))
		abort();
	for (size_t i = 0; i < ic.nover; i++) {
		if (!inside(ic.over[i].key, ic.over[i].klen, d, n) ||
		    !inside(ic.over[i].val, ic.over[i].vlen, d, n) ||
		    ic.over[i].klen > IMSG_WORD_MAX || ic.over[i].vlen > IMSG_WORD_MAX)
			abort();
		memcpy(words[2 * i], ic.over[i].key, ic.over[i].klen);
		words[2 * i][ic.over[i].klen] = '\0';
		memcpy(words[2 * i + 1], ic.over[i].val, ic.over[i].vlen);
		words[2 * i + 1][ic.over[i].vlen] = '\0';
		kv[2 * i] = words[2 * i];
		kv[2 * i + 1] = words[2 * i + 1];
		clean &= strlen(kv[2 * i]) == ic.over[i].klen &&
		    strlen(kv[2 * i + 1]) == ic.over[i].vlen;
	}
	/* words without NULs: the message packs back to the same bytes */
	if (clean && imsg_pack_config(again, sizeof(again), ic.have_text ?
	    (const char *)ic.text : NULL, ic.textlen, kv, 2 * ic.nover) != n)
		abort();
	if (clean && memcmp(again, d, n) != 0)
		abort();
	if (config_build(&c, "fuzz.conf", (const char *)ic.text, ic.textlen, ic.have_text, kv,
	    2 * ic.nover, err, sizeof(err)) == -1) {
		if (memchr(err, '\0', sizeof(err)) == NULL)
			abort();
		return 0;
	}
	if (c.nresolvers < 1 || c.nresolvers > CONFIG_MAX_RESOLVERS || c.mark == 0 ||
	    c.mark == c.mark_forward || c.max_inflight > c.max_pending || c.timeout_ms < 100)
		abort();
	return 0;
}
