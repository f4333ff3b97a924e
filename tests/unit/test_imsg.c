/* test_imsg.c: the parent <-> worker messages: packing, and parsing hostile datagrams. */
#define T_SUITE "imsg"
#include <stdlib.h>

#include "t.h"
#include "imsg.h"

static uint8_t buf[IMSG_MAX + 16];

static void
log_round_trip(void)
{
	struct imsg m;
	const uint8_t *t;
	size_t n = imsg_pack_log(buf, sizeof(buf), 4, "hello"), tl;
	int pri;

	CHECK(n == IMSG_HDRLEN + 1 + 5);
	CHECK(imsg_parse(buf, n, 1, &m) == IMSG_OK && m.type == IMSG_LOG);
	CHECK(imsg_log(&m, &pri, &t, &tl) == IMSG_OK && pri == 4 && tl == 5 &&
	    memcmp(t, "hello", 5) == 0);
	/* the worker never accepts a LOG, the parent never a CONFIG */
	CHECK(imsg_parse(buf, n, 0, &m) == IMSG_ETYPE);
	/* a long line is cut to IMSG_LOG_MAX */
	{
		char *long_line = malloc(IMSG_LOG_MAX + 100);

		CHECK(long_line != NULL);
		memset(long_line, 'x', IMSG_LOG_MAX + 99);
		long_line[IMSG_LOG_MAX + 99] = '\0';
		n = imsg_pack_log(buf, sizeof(buf), 6, long_line);
		free(long_line);
		CHECK(n == IMSG_HDRLEN + 1 + IMSG_LOG_MAX);
		CHECK(imsg_parse(buf, n, 1, &m) == IMSG_OK);
	}
	/* an empty line is not sent */
	CHECK(imsg_pack_log(buf, sizeof(buf), 6, "") == 0);
}

static void
hostile_headers(void)
{
	struct imsg m;
	size_t n = imsg_pack(buf, sizeof(buf), IMSG_READY, NULL, 0);

	CHECK(n == IMSG_HDRLEN);
	CHECK(imsg_parse(buf, n, 1, &m) == IMSG_OK && m.type == IMSG_READY && m.len == 0);
	for (size_t cut = 0; cut < IMSG_HDRLEN; cut++)
		CHECK(imsg_parse(buf, cut, 1, &m) == IMSG_ESHORT);
	/* length says more (or less) than the datagram holds */
	buf[7] = 1;
	CHECK(imsg_parse(buf, n, 1, &m) == IMSG_ELEN);
	CHECK(imsg_parse(buf, n + 2, 1, &m) == IMSG_ELEN);
	buf[7] = 0;
	/* reserved bits set */
	buf[3] = 1;
	CHECK(imsg_parse(buf, n, 1, &m) == IMSG_ELEN);
	buf[3] = 0;
	/* READY with a payload, LOG with a bad priority or no text, an unknown type */
	n = imsg_pack(buf, sizeof(buf), IMSG_READY, "x", 1);
	CHECK(imsg_parse(buf, n, 1, &m) == IMSG_EPAYLOAD);
	n = imsg_pack(buf, sizeof(buf), IMSG_LOG, "\x08hi", 3);
	CHECK(imsg_parse(buf, n, 1, &m) == IMSG_EPAYLOAD);
	n = imsg_pack(buf, sizeof(buf), IMSG_LOG, "\x03", 1);
	CHECK(imsg_parse(buf, n, 1, &m) == IMSG_EPAYLOAD);
	n = imsg_pack(buf, sizeof(buf), 999, NULL, 0);
	CHECK(imsg_parse(buf, n, 1, &m) == IMSG_ETYPE && imsg_parse(buf, n, 0, &m) == IMSG_ETYPE);
	/* the worker's message types in the parent's direction and back */
	n = imsg_pack(buf, sizeof(buf), IMSG_QUIT, NULL, 0);
	CHECK(imsg_parse(buf, n, 0, &m) == IMSG_OK && imsg_parse(buf, n, 1, &m) == IMSG_ETYPE);
	/* PING/STATSREQ go to the worker only, PONG/STATSLINE/STATSEND to the parent only */
	n = imsg_pack(buf, sizeof(buf), IMSG_PING, NULL, 0);
	CHECK(imsg_parse(buf, n, 0, &m) == IMSG_OK && imsg_parse(buf, n, 1, &m) == IMSG_ETYPE);
	n = imsg_pack(buf, sizeof(buf), IMSG_STATSREQ, NULL, 0);
	CHECK(imsg_parse(buf, n, 0, &m) == IMSG_OK && imsg_parse(buf, n, 1, &m) == IMSG_ETYPE);
	n = imsg_pack(buf, sizeof(buf), IMSG_PONG, NULL, 0);
	CHECK(imsg_parse(buf, n, 1, &m) == IMSG_OK && imsg_parse(buf, n, 0, &m) == IMSG_ETYPE);
	n = imsg_pack(buf, sizeof(buf), IMSG_PONG, "x", 1);
	CHECK(imsg_parse(buf, n, 1, &m) == IMSG_EPAYLOAD);
	n = imsg_pack(buf, sizeof(buf), IMSG_STATSEND, "x", 1);
	CHECK(imsg_parse(buf, n, 1, &m) == IMSG_EPAYLOAD);
	n = imsg_pack(buf, sizeof(buf), IMSG_STATSLINE, "stats a: b=1", 12);
	CHECK(imsg_parse(buf, n, 1, &m) == IMSG_OK && m.len == 12 &&
	    imsg_parse(buf, n, 0, &m) == IMSG_ETYPE);
	n = imsg_pack(buf, sizeof(buf), IMSG_STATSLINE, NULL, 0);
	CHECK(imsg_parse(buf, n, 1, &m) == IMSG_EPAYLOAD);
	{
		static char big[IMSG_LOG_MAX + 1];

		memset(big, 'x', sizeof(big));
		n = imsg_pack(buf, sizeof(buf), IMSG_STATSLINE, big, sizeof(big));
	}
	CHECK(imsg_parse(buf, n, 1, &m) == IMSG_EPAYLOAD);
	/* too big to pack */
	CHECK(imsg_pack(buf, sizeof(buf), IMSG_LOG, buf, IMSG_MAX) == 0);
}

static void
config_round_trip(void)
{
	static const char text[] = "timeout 2s\nresolver 192.0.2.1\n";
	char *kv[] = { "queue", "3", "socks", "127.0.0.1:9050" };
	struct imsg_config c;
	struct imsg m;
	size_t n = imsg_pack_config(buf, sizeof(buf), text, sizeof(text) - 1, kv, 4);

	CHECK(n > 0);
	CHECK(imsg_parse(buf, n, 0, &m) == IMSG_OK && m.type == IMSG_CONFIG);
	CHECK(imsg_config(&m, &c) == IMSG_OK && c.have_text && c.textlen == sizeof(text) - 1 &&
	    memcmp(c.text, text, c.textlen) == 0 && c.nover == 2);
	CHECK(c.over[1].klen == 5 && memcmp(c.over[1].key, "socks", 5) == 0 &&
	    c.over[1].vlen == 14);
	/* no file */
	n = imsg_pack_config(buf, sizeof(buf), NULL, 0, kv, 2);
	CHECK(imsg_parse(buf, n, 0, &m) == IMSG_OK && imsg_config(&m, &c) == IMSG_OK &&
	    !c.have_text && c.nover == 1);
	/* an odd number of words, too many, a word too long: refused when packing */
	CHECK(imsg_pack_config(buf, sizeof(buf), NULL, 0, kv, 3) == 0);
	/* every truncation of a CONFIG is refused, never read past */
	n = imsg_pack_config(buf, sizeof(buf), text, sizeof(text) - 1, kv, 4);
	for (size_t cut = IMSG_HDRLEN; cut < n; cut++) {
		uint8_t *t = malloc(cut);

		CHECK(t != NULL);
		memcpy(t, buf, cut);
		t[4] = (uint8_t)((cut - IMSG_HDRLEN) >> 24);
		t[5] = (uint8_t)((cut - IMSG_HDRLEN) >> 16);
		t[6] = (uint8_t)((cut - IMSG_HDRLEN) >> 8);
		t[7] = (uint8_t)(cut - IMSG_HDRLEN);
		if (imsg_parse(t, cut, 0, &m) == IMSG_OK)
			CHECK(imsg_config(&m, &c) != IMSG_OK);
		free(t);
	}
	/* a text length beyond the payload */
	n = imsg_pack_config(buf, sizeof(buf), text, sizeof(text) - 1, kv, 0);
	buf[IMSG_HDRLEN + 3] = 0xff;
	CHECK(imsg_parse(buf, n, 0, &m) == IMSG_OK && imsg_config(&m, &c) == IMSG_EPAYLOAD);
}

int
main(void)
{
	RUN(log_round_trip);
	RUN(hostile_headers);
	RUN(config_round_trip);
	return T_DONE();
}
