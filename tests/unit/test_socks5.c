/* test_socks5.c: the SOCKS5 client handshake (RFC 1928, RFC 1929), byte for byte. */
#define T_SUITE "socks5"
#include <sys/socket.h>
#include <stdint.h>
#include <stdlib.h>

#include "t.h"
#include "socks5.h"

static const uint8_t T4[4] = { 9, 9, 9, 9 };
static const uint8_t T6[16] = { 0x26, 0x20, 0x00, 0xfe, [14] = 0x00, [15] = 0xfe };

/* Method replies, auth replies and CONNECT replies a server may send. */
static const uint8_t R_NOAUTH[] = { 5, 0 };
static const uint8_t R_USERPASS[] = { 5, 2 };
static const uint8_t R_AUTH_OK[] = { 1, 0 };
static const uint8_t R_OK4[] = { 5, 0, 0, 1, 127, 0, 0, 1, 0x23, 0x82 };
static const uint8_t R_OK6[] = { 5, 0, 0, 4, 0x20, 1, 0xd, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 1, 0, 53 };
static const uint8_t R_OKNAME[] = { 5, 0, 0, 3, 11, 'e', 'x', 'a', 'm', 'p', 'l', 'e', '.', 'c',
	'o', 'm', 0, 53 };

static void
target(struct endpoint *ep, int v6, uint16_t port)
{
	memset(ep, 0, sizeof(*ep));
	ep->family = v6 ? AF_INET6 : AF_INET;
	memcpy(ep->addr, v6 ? T6 : T4, v6 ? 16 : 4);
	ep->port = port;
}

/* socks5_input on an exact heap copy, so a read past len is caught. */
static enum socks5_result
input(struct socks5 *s, const uint8_t *p, size_t len, size_t *consumed)
{
	uint8_t *c = malloc(len ? len : 1);
	enum socks5_result r;

	if (c == NULL)
		abort();
	memcpy(c, p, len);
	*consumed = 999;
	r = socks5_input(s, c, len, consumed);
	free(c);
	return r;
}

/* Drive to CONNECT (sending the CONNECT request next). */
static int
to_connect(struct socks5 *s, int v6, int auth)
{
	struct endpoint ep;
	size_t c;

	target(&ep, v6, 53);
	socks5_init(s, &ep, auth ? "alice" : NULL, auth ? "secret1" : NULL);
	if (input(s, auth ? R_USERPASS : R_NOAUTH, 2, &c) != SOCKS5_SEND || c != 2)
		return -1;
	if (auth && (input(s, R_AUTH_OK, 2, &c) != SOCKS5_SEND || c != 2))
		return -1;
	return s->state == SOCKS5_CONNECT ? 0 : -1;
}

static void
greeting_noauth(void)
{
	struct socks5 s;
	struct endpoint ep;
	uint8_t out[SOCKS5_MAXREQ];

	target(&ep, 0, 53);
	socks5_init(&s, &ep, NULL, NULL);
	CHECK(s.state == SOCKS5_GREETING && s.ulen == 0);
	CHECK(socks5_request(&s, out, sizeof(out)) == 3);
	CHECK(out[0] == 0x05 && out[1] == 0x01 && out[2] == 0x00);
	/* a user without a password (or the reverse) offers no auth */
	socks5_init(&s, &ep, "alice", "");
	CHECK(socks5_request(&s, out, sizeof(out)) == 3 && out[2] == 0x00);
	socks5_init(&s, &ep, "", "pw");
	CHECK(socks5_request(&s, out, sizeof(out)) == 3 && out[2] == 0x00);
	socks5_init(&s, &ep, NULL, "pw");
	CHECK(socks5_request(&s, out, sizeof(out)) == 3 && out[2] == 0x00);
}

static void
connect_v4(void)
{
	struct socks5 s;
	struct endpoint ep;
	uint8_t out[SOCKS5_MAXREQ + 1];
	static const uint8_t want[] = { 5, 1, 0, 1, 9, 9, 9, 9, 0x12, 0x34 };
	size_t c;

	target(&ep, 0, 0x1234);
	socks5_init(&s, &ep, NULL, NULL);
	CHECK(input(&s, R_NOAUTH, 2, &c) == SOCKS5_SEND && c == 2);
	CHECK(s.state == SOCKS5_CONNECT);
	/* one call gives the whole request, in a buffer of exactly SOCKS5_MAXREQ */
	out[SOCKS5_MAXREQ] = 0xa5;
	CHECK(socks5_request(&s, out, SOCKS5_MAXREQ) == sizeof(want));
	CHECK(memcmp(out, want, sizeof(want)) == 0);
	CHECK(out[SOCKS5_MAXREQ] == 0xa5);
	CHECK(input(&s, R_OK4, sizeof(R_OK4), &c) == SOCKS5_DONE && c == sizeof(R_OK4));
	CHECK(s.state == SOCKS5_READY);
}

static void
connect_v6(void)
{
	struct socks5 s;
	struct endpoint ep;
	uint8_t out[SOCKS5_MAXREQ], want[22] = { 5, 1, 0, 4 };
	size_t c;

	memcpy(want + 4, T6, 16);
	want[20] = 0;
	want[21] = 53;
	target(&ep, 1, 53);
	socks5_init(&s, &ep, NULL, NULL);
	CHECK(input(&s, R_NOAUTH, 2, &c) == SOCKS5_SEND && c == 2);
	CHECK(socks5_request(&s, out, sizeof(out)) == 22);
	CHECK(memcmp(out, want, 22) == 0);
	CHECK(input(&s, R_OK6, sizeof(R_OK6), &c) == SOCKS5_DONE && c == sizeof(R_OK6));
}

static void
userpass_flow(void)
{
	struct socks5 s;
	struct endpoint ep;
	uint8_t out[SOCKS5_MAXREQ];
	static const uint8_t want[] = { 1, 5, 'a', 'l', 'i', 'c', 'e', 7, 's', 'e', 'c', 'r',
		'e', 't', '1' };
	size_t c;

	target(&ep, 0, 53);
	socks5_init(&s, &ep, "alice", "secret1");
	/* both methods offered: Tor picks user/pass (its isolation key), others may pick none */
	CHECK(socks5_request(&s, out, sizeof(out)) == 4);
	CHECK(out[0] == 5 && out[1] == 2 && out[2] == 0 && out[3] == 2);
	CHECK(input(&s, R_USERPASS, 2, &c) == SOCKS5_SEND && c == 2);
	CHECK(s.state == SOCKS5_AUTH);
	CHECK(socks5_request(&s, out, sizeof(out)) == sizeof(want));
	CHECK(memcmp(out, want, sizeof(want)) == 0);
	CHECK(input(&s, R_AUTH_OK, 2, &c) == SOCKS5_SEND && c == 2);
	CHECK(s.state == SOCKS5_CONNECT);
	CHECK(socks5_request(&s, out, sizeof(out)) == 10 && out[3] == 1);
	CHECK(input(&s, R_OKNAME, sizeof(R_OKNAME), &c) == SOCKS5_DONE);
	CHECK(c == sizeof(R_OKNAME) && s.state == SOCKS5_READY);
}

/* 255-byte credentials: the largest request, exactly SOCKS5_MAXREQ fits it. */
static void
userpass_longest(void)
{
	struct socks5 s;
	struct endpoint ep;
	char user[300], pass[300];
	uint8_t *out;
	size_t c, n;
	int ok;

	memset(user, 'u', sizeof(user));
	memset(pass, 'p', sizeof(pass));
	user[255] = pass[255] = '\0';
	target(&ep, 0, 53);
	socks5_init(&s, &ep, user, pass);
	CHECK(s.ulen == 255 && s.plen == 255);
	CHECK(input(&s, R_USERPASS, 2, &c) == SOCKS5_SEND);
	out = malloc(SOCKS5_MAXREQ);		/* exact: ASan sees an overrun */
	CHECK(out != NULL);
	n = socks5_request(&s, out, SOCKS5_MAXREQ);
	ok = n == 3 + 255 + 255 && out[1] == 255 && out[2] == 'u' && out[256] == 'u' &&
	    out[257] == 255 && out[258] == 'p' && out[n - 1] == 'p';
	free(out);
	CHECK(ok);
	/* longer than 255 is cut to 255, never overflows */
	user[255] = 'u';
	user[299] = '\0';
	socks5_init(&s, &ep, user, "x");
	CHECK(s.ulen == 255 && s.plen == 1);
}

static void
request_cap(void)
{
	struct socks5 s;
	uint8_t out[SOCKS5_MAXREQ];

	CHECK(to_connect(&s, 1, 1) == 0);
	memset(out, 0xa5, sizeof(out));
	CHECK(socks5_request(&s, out, SOCKS5_MAXREQ - 1) == 0);
	CHECK(socks5_request(&s, out, 0) == 0);
	for (size_t i = 0; i < sizeof(out); i++)
		CHECK(out[i] == 0xa5);
}

/*
 * Feed growing prefixes of reply: NEED_MORE and nothing consumed until it is whole, then
 * want with exactly its length consumed, even with more bytes behind it.
 */
static int
split_reply(struct socks5 *s, const uint8_t *reply, size_t len, enum socks5_result want)
{
	struct socks5 saved = *s;
	uint8_t buf[300];
	size_t c;

	for (size_t n = 0; n < len; n++) {
		*s = saved;
		if (input(s, reply, n, &c) != SOCKS5_NEED_MORE || c != 0 ||
		    s->state != saved.state) {
			printf("# prefix %zu of %zu: not NEED_MORE/0\n", n, len);
			return -1;
		}
	}
	/* whole, with trailing bytes that belong to the next step or the tunnel */
	memcpy(buf, reply, len);
	memset(buf + len, 0x77, sizeof(buf) - len);
	*s = saved;
	if (input(s, buf, sizeof(buf), &c) != want || c != len)
		return -1;
	*s = saved;
	return input(s, reply, len, &c) == want && c == len ? 0 : -1;
}

static void
split_every_byte(void)
{
	struct socks5 s;
	struct endpoint ep;
	uint8_t name255[4 + 1 + 255 + 2] = { 5, 0, 0, 3, 255 };
	uint8_t name0[] = { 5, 0, 0, 3, 0, 0, 53 };

	target(&ep, 0, 53);
	socks5_init(&s, &ep, "alice", "pw");
	CHECK(split_reply(&s, R_USERPASS, 2, SOCKS5_SEND) == 0 && s.state == SOCKS5_AUTH);
	CHECK(split_reply(&s, R_AUTH_OK, 2, SOCKS5_SEND) == 0 && s.state == SOCKS5_CONNECT);
	CHECK(split_reply(&s, R_OK4, sizeof(R_OK4), SOCKS5_DONE) == 0);
	CHECK(s.state == SOCKS5_READY);

	socks5_init(&s, &ep, NULL, NULL);
	CHECK(split_reply(&s, R_NOAUTH, 2, SOCKS5_SEND) == 0 && s.state == SOCKS5_CONNECT);
	CHECK(split_reply(&s, R_OK6, sizeof(R_OK6), SOCKS5_DONE) == 0);
	CHECK(to_connect(&s, 0, 0) == 0);
	CHECK(split_reply(&s, R_OKNAME, sizeof(R_OKNAME), SOCKS5_DONE) == 0);
	CHECK(to_connect(&s, 0, 0) == 0);
	memset(name255 + 5, 'n', 255);
	CHECK(split_reply(&s, name255, sizeof(name255), SOCKS5_DONE) == 0);
	CHECK(to_connect(&s, 0, 0) == 0);
	CHECK(split_reply(&s, name0, sizeof(name0), SOCKS5_DONE) == 0);
}

/* The whole server stream in one buffer: one reply per call, the tunnel bytes left alone. */
static void
tunnel_bytes_not_consumed(void)
{
	struct socks5 s;
	struct endpoint ep;
	uint8_t stream[64], out[SOCKS5_MAXREQ];
	size_t n = 0, pos = 0, c;

	memcpy(stream + n, R_USERPASS, 2), n += 2;
	memcpy(stream + n, R_AUTH_OK, 2), n += 2;
	memcpy(stream + n, R_OK4, sizeof(R_OK4)), n += sizeof(R_OK4);
	memcpy(stream + n, "\0\x1d\x12\x34", 4), n += 4;	/* a DNS answer begins */
	target(&ep, 0, 53);
	socks5_init(&s, &ep, "u", "p");
	CHECK(input(&s, stream + pos, n - pos, &c) == SOCKS5_SEND && c == 2);
	pos += c;
	CHECK(input(&s, stream + pos, n - pos, &c) == SOCKS5_SEND && c == 2);
	pos += c;
	CHECK(input(&s, stream + pos, n - pos, &c) == SOCKS5_DONE && c == 10);
	pos += c;
	CHECK(n - pos == 4 && memcmp(stream + pos, "\0\x1d\x12\x34", 4) == 0);
	/* READY: nothing more is consumed, nothing more is sent */
	CHECK(input(&s, stream + pos, n - pos, &c) == SOCKS5_DONE && c == 0);
	CHECK(socks5_request(&s, out, sizeof(out)) == 0);
}

/* Expect ERROR, FAILED, a message; afterwards every input is an ERROR. */
static int
fails(struct socks5 *s, const uint8_t *p, size_t len, const char **msg)
{
	uint8_t out[SOCKS5_MAXREQ];
	size_t c;

	if (input(s, p, len, &c) != SOCKS5_ERROR || c > len) {
		printf("# no ERROR\n");
		return -1;
	}
	if (s->state != SOCKS5_FAILED || s->error == NULL || s->error[0] == '\0')
		return -1;
	if (msg != NULL)
		*msg = s->error;
	if (input(s, R_OK4, sizeof(R_OK4), &c) != SOCKS5_ERROR || c != 0)
		return -1;
	return socks5_request(s, out, sizeof(out)) == 0 ? 0 : -1;
}

static void
method_errors(void)
{
	struct socks5 s;
	struct endpoint ep;
	const char *m1 = NULL, *m2 = NULL;

	target(&ep, 0, 53);
	socks5_init(&s, &ep, NULL, NULL);
	CHECK(fails(&s, (const uint8_t[]){ 4, 0 }, 2, NULL) == 0);	/* SOCKS4 */
	socks5_init(&s, &ep, NULL, NULL);
	CHECK(fails(&s, (const uint8_t[]){ 0, 0 }, 2, NULL) == 0);
	socks5_init(&s, &ep, NULL, NULL);
	CHECK(fails(&s, (const uint8_t[]){ 5, 0xff }, 2, &m1) == 0);	/* no acceptable */
	socks5_init(&s, &ep, "u", "p");
	CHECK(fails(&s, (const uint8_t[]){ 5, 0xff }, 2, &m2) == 0);
	CHECK(m1 != NULL && m2 != NULL);
	socks5_init(&s, &ep, NULL, NULL);
	CHECK(fails(&s, R_USERPASS, 2, NULL) == 0);	/* a method we did not offer */
	socks5_init(&s, &ep, "u", "p");
	{	/* we offered both: a server without auth may pick none, and that is noted */
		size_t c;

		CHECK(input(&s, R_NOAUTH, 2, &c) == SOCKS5_SEND && c == 2);
		CHECK(s.state == SOCKS5_CONNECT && s.noauth == 1);
	}
	socks5_init(&s, &ep, NULL, NULL);
	CHECK(fails(&s, (const uint8_t[]){ 5, 1 }, 2, NULL) == 0);	/* GSSAPI */
}

static void
auth_errors(void)
{
	struct socks5 s;
	struct endpoint ep;
	size_t c;

	target(&ep, 0, 53);
	for (unsigned st = 1; st < 256; st += 17) {
		socks5_init(&s, &ep, "u", "p");
		CHECK(input(&s, R_USERPASS, 2, &c) == SOCKS5_SEND);
		CHECK(fails(&s, (const uint8_t[]){ 1, (uint8_t)st }, 2, NULL) == 0);
	}
	socks5_init(&s, &ep, "u", "p");
	CHECK(input(&s, R_USERPASS, 2, &c) == SOCKS5_SEND);
	CHECK(fails(&s, (const uint8_t[]){ 5, 0 }, 2, NULL) == 0);	/* wrong version */
}

/* REP 1..8 each have their own message; other codes still give one. */
static void
connect_rep_errors(void)
{
	struct socks5 s;
	const char *msgs[256];
	uint8_t r[10] = { 5, 0, 0, 1, 1, 2, 3, 4, 0, 53 };

	for (unsigned rep = 1; rep < 256; rep++) {
		CHECK(to_connect(&s, 0, 0) == 0);
		r[1] = (uint8_t)rep;
		msgs[rep] = NULL;
		CHECK(fails(&s, r, sizeof(r), &msgs[rep]) == 0);
		CHECK(msgs[rep] != NULL);
	}
	for (unsigned a = 1; a <= 8; a++)
		for (unsigned b = a + 1; b <= 9; b++)
			CHECK(strcmp(msgs[a], msgs[b]) != 0);
	CHECK(strcmp(msgs[9], msgs[0xff]) == 0);
	/* the failure is reported as soon as the fixed part is there */
	CHECK(to_connect(&s, 0, 0) == 0);
	r[1] = 5;
	CHECK(fails(&s, r, 5, NULL) == 0);
}

static void
connect_format_errors(void)
{
	struct socks5 s;
	uint8_t r[10];
	static const uint8_t bad_atyp[] = { 0, 2, 5, 6, 0x7f, 0xff };

	memcpy(r, R_OK4, sizeof(r));
	r[0] = 4;					/* VER */
	CHECK(to_connect(&s, 0, 1) == 0);
	CHECK(fails(&s, r, sizeof(r), NULL) == 0);
	memcpy(r, R_OK4, sizeof(r));
	r[2] = 1;					/* RSV */
	CHECK(to_connect(&s, 1, 0) == 0);
	CHECK(fails(&s, r, sizeof(r), NULL) == 0);
	for (size_t i = 0; i < sizeof(bad_atyp); i++) {
		memcpy(r, R_OK4, sizeof(r));
		r[3] = bad_atyp[i];
		CHECK(to_connect(&s, 0, 0) == 0);
		CHECK(fails(&s, r, sizeof(r), NULL) == 0);
	}
}

static void
state_names(void)
{
	for (int st = SOCKS5_GREETING; st <= SOCKS5_FAILED; st++)
		CHECK(strcmp(socks5_state_name((enum socks5_state)st), "?") != 0);
	CHECK(strcmp(socks5_state_name(SOCKS5_READY), "ready") == 0);
	CHECK(strcmp(socks5_state_name((enum socks5_state)99), "?") == 0);
}

int
main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);	/* TAP lines survive a sanitizer abort */
	RUN(greeting_noauth);
	RUN(connect_v4);
	RUN(connect_v6);
	RUN(userpass_flow);
	RUN(userpass_longest);
	RUN(request_cap);
	RUN(split_every_byte);
	RUN(tunnel_bytes_not_consumed);
	RUN(method_errors);
	RUN(auth_errors);
	RUN(connect_rep_errors);
	RUN(connect_format_errors);
	RUN(state_names);
	return T_DONE();
}
