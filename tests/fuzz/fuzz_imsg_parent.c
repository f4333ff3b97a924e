/*
 * fuzz_imsg_parent.c: what the privileged parent reads from the worker, which it treats as
 * hostile: imsg_parse (from_worker) and imsg_log. An accepted message has a type the parent
 * accepts and a payload inside the datagram; a LOG line is 1..IMSG_LOG_MAX bytes with a
 * priority 0..7; packing it again gives the same bytes.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "imsg.h"

int
LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	struct imsg m;
	const uint8_t *t;
	size_t tl;
	int pri;

	if (imsg_parse(d, n, 1, &m) != IMSG_OK)
		return 0;
	if (m.type != IMSG_LOG && m.type != IMSG_READY)
		abort();
	if (m.payload != d + IMSG_HDRLEN || m.len != n - IMSG_HDRLEN)
		abort();
	if (imsg_log(&m, &pri, &t, &tl) == IMSG_OK) {
		static uint8_t again[IMSG_HDRLEN + 1 + IMSG_LOG_MAX + 1];
		char text[IMSG_LOG_MAX + 1];

		if (m.type != IMSG_LOG || pri < 0 || pri > 7 || tl < 1 || tl > IMSG_LOG_MAX ||
		    t + tl != d + n)
			abort();
		/* text without NULs packs back to the same message */
		if (memchr(t, '\0', tl) == NULL) {
			memcpy(text, t, tl);
			text[tl] = '\0';
			if (imsg_pack_log(again, sizeof(again), pri, text) != n ||
			    memcmp(again, d, n) != 0)
				abort();
		}
	} else if (m.type == IMSG_LOG)
		abort();	/* imsg_parse accepted what imsg_log refuses */
	return 0;
}
