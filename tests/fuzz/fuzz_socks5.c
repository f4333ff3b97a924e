/*
 * fuzz_socks5.c: the SOCKS5 client state machine against an arbitrary server byte stream.
 *
 * Byte 0: bit 0 offer username/password, bit 1 IPv6 target, bits 2-3 the command
 * (0, 3: CONNECT; 1: Tor RESOLVE of a name; 2: Tor RESOLVE_PTR). Byte 1: username length,
 * byte 2: password length. Byte 3 seeds the sizes of the chunks the stream arrives in.
 * The rest is what the server sends.
 *
 * Invariants: consumed never exceeds what was given; NEED_MORE consumes nothing and leaves
 * the state alone; states only move forward; SEND moves to a state with a request to send;
 * ERROR leaves an error text; and the outcome does not depend on how the stream was split.
 */
#include <sys/socket.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "socks5.h"

struct outcome {
	enum socks5_state	state;
	const char		*error;
	size_t			 consumed;	/* handshake bytes consumed in total */
	unsigned		 sends;
};

static void
check_request(const struct socks5 *s)
{
	uint8_t req[SOCKS5_MAXREQ + 1];
	size_t n;

	req[SOCKS5_MAXREQ] = 0xa5;
	if (socks5_request(s, req, SOCKS5_MAXREQ - 1) != 0)
		abort();
	n = socks5_request(s, req, SOCKS5_MAXREQ);
	if (req[SOCKS5_MAXREQ] != 0xa5)
		abort();
	switch (s->state) {
	case SOCKS5_GREETING:
		/* no-auth, and username/password too when we have credentials */
		if (s->ulen ? n != 4 || req[1] != 2 || req[2] != 0 || req[3] != 2 :
		    n != 3 || req[1] != 1 || req[2] != 0)
			abort();
		if (req[0] != 5)
			abort();
		break;
	case SOCKS5_AUTH:
		if (n != 3u + s->ulen + s->plen || req[0] != 1 || req[1] != s->ulen ||
		    req[2 + s->ulen] != s->plen)
			abort();
		break;
	case SOCKS5_CONNECT:
		if (req[0] != 5 || req[1] != s->cmd)
			abort();
		if (s->cmd == SOCKS5_CMD_RESOLVE ? n != 4u + 1 + s->namelen + 2 || req[3] != 3 ||
		    req[4] != s->namelen || memcmp(req + 5, s->name, s->namelen) != 0 :
		    n != (s->target.family == AF_INET6 ? 22u : 10u))
			abort();
		break;
	default:
		if (n != 0)
			abort();
	}
}

/* Run the handshake on stream, delivered in chunks; step 0 means all at once. */
static void
run(const struct endpoint *t, const char *user, const char *pass, int cmd,
    const uint8_t *stream, size_t len, unsigned seed, int chunked, struct outcome *o)
{
	struct socks5 s;
	uint8_t *rb = malloc(len ? len : 1);
	size_t have = 0, fed = 0;

	if (rb == NULL)
		abort();
	memset(o, 0, sizeof(*o));
	if (cmd == 1) {
		if (socks5_init_resolve(&s, "fuzz.example", user, pass) != 0)
			abort();
	} else if (cmd == 2)
		socks5_init_resolve_ptr(&s, t, user, pass);
	else
		socks5_init(&s, t, user, pass);
	check_request(&s);
	while (s.state != SOCKS5_READY && s.state != SOCKS5_FAILED) {
		enum socks5_state before = s.state;
		enum socks5_result res;
		size_t c = 12345;

		res = socks5_input(&s, rb, have, &c);
		if (c > have || (int)s.state < (int)before)
			abort();
		switch (res) {
		case SOCKS5_NEED_MORE:
			if (c != 0 || s.state != before)
				abort();
			if (fed == len)
				goto out;
			{
				size_t step = chunked ? 1 + (seed = seed * 1103515245u + 12345u) %
				    7 : len - fed;
				if (step > len - fed)
					step = len - fed;
				/* the buffer only ever holds a prefix of what is unconsumed */
				memcpy(rb + have, stream + fed, step);
				have += step;
				fed += step;
			}
			continue;
		case SOCKS5_SEND:
			if (c == 0 || s.state == before || s.state == SOCKS5_READY ||
			    s.state == SOCKS5_FAILED)
				abort();
			check_request(&s);
			o->sends++;
			break;
		case SOCKS5_DONE:
			if (s.state != SOCKS5_READY || before != SOCKS5_CONNECT || c == 0)
				abort();
			/* the reply's address, a RESOLVE's answer, is what the reply said */
			if (s.rep != 0 || (s.bnd_atyp == 1 && s.bndlen != 4) ||
			    (s.bnd_atyp == 4 && s.bndlen != 16) ||
			    (s.bnd_atyp == 3 && (s.bndlen != rb[4] ||
			    memcmp(s.bnd, rb + 5, s.bndlen) != 0)) ||
			    (s.bnd_atyp != 3 && memcmp(s.bnd, rb + 4, s.bndlen) != 0))
				abort();
			break;
		case SOCKS5_ERROR:
			if (s.state != SOCKS5_FAILED || s.error == NULL || s.error[0] == '\0')
				abort();
			break;
		default:
			abort();
		}
		memmove(rb, rb + c, have - c);
		have -= c;
		o->consumed += c;
	}
out:
	o->state = s.state;
	o->error = s.error;
	if (s.state == SOCKS5_READY) {
		size_t c = 1;
		/* READY: the rest is the tunnel's, nothing more is consumed */
		if (socks5_input(&s, rb, have, &c) != SOCKS5_DONE || c != 0)
			abort();
		check_request(&s);
	}
	if (s.state == SOCKS5_FAILED) {
		size_t c = 1;
		if (socks5_input(&s, rb, have, &c) != SOCKS5_ERROR || c != 0)
			abort();
	}
	free(rb);
}

int
LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	struct endpoint t;
	struct outcome whole, split;
	char user[256], pass[256];

	if (n < 4)
		return 0;
	memset(&t, 0, sizeof(t));
	t.family = d[0] & 2 ? AF_INET6 : AF_INET;
	for (int i = 0; i < 16; i++)
		t.addr[i] = (uint8_t)(i * 17 + 1);
	t.port = 53;
	memset(user, 'u', sizeof(user));
	memset(pass, 'p', sizeof(pass));
	user[d[1]] = '\0';
	pass[d[2]] = '\0';
	if (!(d[0] & 1))
		user[0] = pass[0] = '\0';
	run(&t, user, pass, (d[0] >> 2) & 3, d + 4, n - 4, d[3], 0, &whole);
	run(&t, user, pass, (d[0] >> 2) & 3, d + 4, n - 4, d[3], 1, &split);
	if (whole.state != split.state || whole.error != split.error ||
	    whole.sends != split.sends)
		abort();
	/* bytes after a successful CONNECT reply are never part of the handshake */
	if (whole.state == SOCKS5_READY && whole.consumed != split.consumed)
		abort();
	return 0;
}
