/* socks5.c: SOCKS5 client handshake, RFC 1928 and RFC 1929. Pure. */
#include <sys/socket.h>
#include <string.h>

#include "socks5.h"

#define VER		0x05
#define AUTH_VER	0x01
#define M_NOAUTH	0x00
#define M_USERPASS	0x02
#define M_NONE		0xff
#define ATYP_V4		SOCKS5_ATYP_V4
#define ATYP_NAME	SOCKS5_ATYP_NAME
#define ATYP_V6		SOCKS5_ATYP_V6

static const char *const state_names[] = {
	[SOCKS5_GREETING] = "greeting",
	[SOCKS5_AUTH] = "auth",
	[SOCKS5_CONNECT] = "connect",
	[SOCKS5_READY] = "ready",
	[SOCKS5_FAILED] = "failed",
};

/* RFC 1928 section 6 reply codes. */
static const char *const rep_text[] = {
	"succeeded", "general SOCKS server failure", "connection not allowed by ruleset",
	"network unreachable", "host unreachable", "connection refused", "TTL expired",
	"command not supported", "address type not supported",
};

const char *
socks5_state_name(enum socks5_state s)
{
	return (unsigned)s < sizeof(state_names) / sizeof(state_names[0]) ? state_names[s] : "?";
}

void
socks5_init(struct socks5 *s, const struct endpoint *target, const char *user, const char *pass)
{
	memset(s, 0, sizeof(*s));
	s->state = SOCKS5_GREETING;
	s->cmd = SOCKS5_CMD_CONNECT;
	s->target = *target;
	if (user != NULL && pass != NULL && user[0] && pass[0]) {
		size_t ul = strnlen(user, 255), pl = strnlen(pass, 255);

		memcpy(s->user, user, ul);
		memcpy(s->pass, pass, pl);
		s->ulen = (uint8_t)ul;
		s->plen = (uint8_t)pl;
	}
}

int
socks5_init_resolve(struct socks5 *s, const char *name, const char *user, const char *pass)
{
	struct endpoint none = { .family = AF_INET };
	size_t n = strlen(name);

	socks5_init(s, &none, user, pass);
	if (n == 0 || n > sizeof(s->name))
		return -1;
	s->cmd = SOCKS5_CMD_RESOLVE;
	memcpy(s->name, name, n);
	s->namelen = (uint8_t)n;
	return 0;
}

void
socks5_init_resolve_ptr(struct socks5 *s, const struct endpoint *addr, const char *user,
    const char *pass)
{
	socks5_init(s, addr, user, pass);
	s->cmd = SOCKS5_CMD_RESOLVE_PTR;
	s->target.port = 0;
}

size_t
socks5_request(const struct socks5 *s, uint8_t *out, size_t cap)
{
	size_t n = 0, alen;

	if (cap < SOCKS5_MAXREQ)
		return 0;
	switch (s->state) {
	case SOCKS5_GREETING:
		out[n++] = VER;
		if (s->ulen) {
			/*
			 * Both: Tor picks username/password (its isolation key) unless its
			 * SocksPort says PreferSOCKSNoAuth; a server without auth picks none.
			 */
			out[n++] = 2;
			out[n++] = M_NOAUTH;
			out[n++] = M_USERPASS;
		} else {
			out[n++] = 1;
			out[n++] = M_NOAUTH;
		}
		return n;
	case SOCKS5_AUTH:
		out[n++] = AUTH_VER;
		out[n++] = s->ulen;
		memcpy(out + n, s->user, s->ulen);
		n += s->ulen;
		out[n++] = s->plen;
		memcpy(out + n, s->pass, s->plen);
		n += s->plen;
		return n;
	case SOCKS5_CONNECT:
		out[n++] = VER;
		out[n++] = s->cmd;
		out[n++] = 0;
		if (s->cmd == SOCKS5_CMD_RESOLVE) {
			out[n++] = ATYP_NAME;
			out[n++] = s->namelen;
			memcpy(out + n, s->name, s->namelen);
			n += s->namelen;
			out[n++] = 0;	/* port: unused */
			out[n++] = 0;
			return n;
		}
		alen = s->target.family == AF_INET6 ? 16 : 4;
		out[n++] = s->target.family == AF_INET6 ? ATYP_V6 : ATYP_V4;
		memcpy(out + n, s->target.addr, alen);
		n += alen;
		out[n++] = (uint8_t)(s->target.port >> 8);
		out[n++] = (uint8_t)s->target.port;
		return n;
	default:
		return 0;
	}
}

static enum socks5_result
fail(struct socks5 *s, const char *why)
{
	s->state = SOCKS5_FAILED;
	s->error = why;
	return SOCKS5_ERROR;
}

enum socks5_result
socks5_input(struct socks5 *s, const uint8_t *in, size_t len, size_t *consumed)
{
	size_t need;

	*consumed = 0;
	switch (s->state) {
	case SOCKS5_GREETING:
		if (len < 2)
			return SOCKS5_NEED_MORE;
		*consumed = 2;
		if (in[0] != VER)
			return fail(s, "not a SOCKS5 server (bad version in method reply)");
		if (in[1] == M_NONE)
			return fail(s, "server accepts none of our authentication methods");
		if (in[1] == M_USERPASS && s->ulen) {
			s->state = SOCKS5_AUTH;
			return SOCKS5_SEND;
		}
		if (in[1] != M_NOAUTH)
			return fail(s, "server chose a method we did not offer");
		s->noauth = s->ulen != 0;	/* credentials offered, not used */
		s->state = SOCKS5_CONNECT;
		return SOCKS5_SEND;
	case SOCKS5_AUTH:
		if (len < 2)
			return SOCKS5_NEED_MORE;
		*consumed = 2;
		if (in[0] != AUTH_VER)
			return fail(s, "bad username/password reply version");
		if (in[1] != 0)
			return fail(s, "username/password rejected");
		s->state = SOCKS5_CONNECT;
		return SOCKS5_SEND;
	case SOCKS5_CONNECT:
		if (len < 5)
			return SOCKS5_NEED_MORE;
		if (in[0] != VER)
			return fail(s, "bad version in CONNECT reply");
		s->rep = in[1];
		if (in[1] != 0) {
			*consumed = len;
			return fail(s, in[1] < sizeof(rep_text) / sizeof(rep_text[0]) ?
			    rep_text[in[1]] : "CONNECT refused (unknown reply code)");
		}
		if (in[2] != 0)
			return fail(s, "bad reserved byte in CONNECT reply");
		switch (in[3]) {
		case ATYP_V4:
			need = 4 + 4 + 2;
			break;
		case ATYP_V6:
			need = 4 + 16 + 2;
			break;
		case ATYP_NAME:
			need = 4 + 1 + (size_t)in[4] + 2;
			break;
		default:
			return fail(s, "bad address type in CONNECT reply");
		}
		if (len < need)
			return SOCKS5_NEED_MORE;
		*consumed = need;
		/* The bound address: for RESOLVE and RESOLVE_PTR it is the answer. */
		s->bnd_atyp = in[3];
		s->bndlen = (uint8_t)(in[3] == ATYP_NAME ? in[4] : need - 4 - 2);
		memcpy(s->bnd, in + 4 + (in[3] == ATYP_NAME), s->bndlen);
		s->state = SOCKS5_READY;
		return SOCKS5_DONE;
	case SOCKS5_READY:
		return SOCKS5_DONE;
	default:
		return SOCKS5_ERROR;
	}
}
