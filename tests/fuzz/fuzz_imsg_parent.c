/*
 * fuzz_imsg_parent.c: what the privileged parent reads from the worker, which it treats as
 * hostile: imsg_parse (from_worker), imsg_log and the audit batch (imsg_audit, audit_next,
 * audit_json). An accepted message has a type the parent accepts and a payload inside the
 * datagram; a LOG line is 1..IMSG_LOG_MAX bytes with a priority 0..7; packing it again gives
 * the same bytes. Every audit record read packs back to the same bytes, and its JSON line,
 * in a buffer of the parent's size, is one line of printable ASCII.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "audit.h"
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
	if (m.type != IMSG_LOG && m.type != IMSG_READY && m.type != IMSG_AUDIT &&
	    m.type != IMSG_PONG && m.type != IMSG_STATSLINE && m.type != IMSG_STATSEND)
		abort();
	if (m.payload != d + IMSG_HDRLEN || m.len != n - IMSG_HDRLEN)
		abort();
	if (m.type == IMSG_STATSLINE && (m.len < 1 || m.len > IMSG_LOG_MAX))
		abort();
	if ((m.type == IMSG_PONG || m.type == IMSG_STATSEND) && m.len != 0)
		abort();
	if (m.type == IMSG_AUDIT) {
		static uint8_t again[AUDIT_REC_MAX];
		static char line[16384];	/* auditp.c's LINE_MAX_ */
		const struct audit_fmt fmt[2] = { { 0, { 0 } }, { 1, { 7 } } };
		const uint8_t *recs, *at;
		struct audit_rec r;
		uint32_t lost;
		size_t len;
		int rc;

		if (imsg_audit(&m, &lost, &recs, &len) != IMSG_OK)
			abort();
		at = recs;
		while ((rc = audit_next(&recs, &len, &r)) == 1) {
			const struct audit_who w = { 1, "u\"", "c\n", "/e", "x \x01", "s", "if" };
			size_t off = 0, ln;

			/* a record read packs back to the bytes it was read from */
			if (audit_pack(again, sizeof(again), &off, &r) != 0 ||
			    off != (size_t)(recs - at) || memcmp(again, at, off) != 0)
				abort();
			at = recs;
			ln = audit_json(line, sizeof(line), &r, &w, &fmt[r.uid & 1]);
			if (r.event != AUDIT_EV_HINT && ln == 0)
				abort();	/* the parent's line buffer always has room */
			for (size_t i = 0; i + 1 < ln; i++)
				if ((unsigned char)line[i] < 0x20 || (unsigned char)line[i] > 0x7e)
					abort();
			if (ln > 0 && (line[ln - 1] != '\n' || line[ln] != '\0'))
				abort();
		}
		if (rc == 0 && len != 0)
			abort();
	} else if (imsg_log(&m, &pri, &t, &tl) == IMSG_OK) {
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
