/*
 * test_upstream.c: the upstream write path on socketpairs standing in for SOCKS tunnels.
 * Not pure: it links upstream.c and its edges, and uses real (local, unnamed) sockets.
 */
#define T_SUITE "upstream"
#include <sys/socket.h>
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include "t.h"
#include "evl.h"
#include "log.h"
#include "upstream.h"

#define NCONN	3

struct harness {
	struct upstream	 up;
	int		 peer[NCONN];		/* the "SOCKS server" end of each connection */
	int32_t		 lost[NCONN];
	int		 nlost;
	int32_t		 resend_on;		/* where the lost callback re-sends, or -1 */
};

static const uint8_t Q[] = { 0xab, 0xcd, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1, 'a', 0, 0, 1, 0, 1 };

static void
on_answer(void *arg, int32_t conn, uint8_t *msg, size_t len)
{
	(void)arg, (void)conn, (void)msg, (void)len;
}

/* What the daemon does on a lost connection: re-send at once, on another connection. */
static void
on_lost(void *arg, int32_t conn)
{
	struct harness *h = arg;

	h->lost[h->nlost++] = conn;
	if (h->resend_on >= 0)
		(void)upstream_send(&h->up, h->resend_on, Q, sizeof(Q), 0);
}

static void
on_ready(void *arg, int32_t conn)
{
	(void)arg, (void)conn;
}

static int
on_want(void *arg, uint32_t slot)
{
	(void)arg, (void)slot;
	return 0;
}

static const struct upstream_ops ops = { on_answer, on_lost, on_ready, on_want };

/* A pool of NCONN READY connections over socketpairs (isolate none, one resolver). */
static int
harness_init(struct harness *h, struct config *cfg, struct stats *st, struct socks_owner *so)
{
	char err[CONFIG_ERRLEN];
	int loop = evl_open();

	memset(h, 0, sizeof(*h));
	memset(st, 0, sizeof(*st));
	memset(so, 0, sizeof(*so));
	so->diag = NULL;
	h->resend_on = -1;
	config_defaults(cfg);
	if (config_set(cfg, "isolate", "none", "t", 1, err, sizeof(err)) == -1 ||
	    config_set(cfg, "resolver", "192.0.2.1", "t", 1, err, sizeof(err)) == -1 ||
	    config_set(cfg, "connections", "3", "t", 1, err, sizeof(err)) == -1 ||
	    config_finish(cfg, err, sizeof(err)) == -1 || loop == -1)
		return -1;
	if (upstream_init(&h->up, cfg, st, loop, &ops, h, "secret", so) == -1 ||
	    h->up.nconns != NCONN)
		return -1;
	for (int i = 0; i < NCONN; i++) {
		struct upstream_conn *c = &h->up.conns[i];
		int sv[2];

		if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv) == -1)
			return -1;
		c->fd = sv[0];
		h->peer[i] = sv[1];
		c->state = CONN_READY;
		c->wcap = cfg->wbuf_max;
		c->wbuf = malloc(c->wcap);
		c->rbuf = malloc(2 + 65535);
		if (c->wbuf == NULL || c->rbuf == NULL)
			return -1;
		if (evl_add(loop, c->fd, UPSTREAM_EV_TAG | (uint32_t)i, EVL_IN) == -1)
			return -1;
	}
	return 0;
}

static void
harness_done(struct harness *h)
{
	int loop = h->up.loop;

	for (int i = 0; i < NCONN; i++)
		if (h->peer[i] != -1)
			close(h->peer[i]);
	upstream_destroy(&h->up);
	close(loop);
}

/* Bytes waiting at the peer end of conn i (read and discarded). */
static ssize_t
peer_bytes(struct harness *h, int i)
{
	uint8_t buf[4096];
	ssize_t n = recv(h->peer[i], buf, sizeof(buf), MSG_DONTWAIT);

	return n == -1 && errno == EAGAIN ? 0 : n;
}

/*
 * The flush of a later connection fails (its peer is gone), and the daemon re-sends what
 * was on it on an earlier connection that this flush pass has already passed: it must
 * still be written before upstream_flush returns, not wait for the next wake-up.
 */
static void
resend_after_failed_flush_is_written(void)
{
	struct harness h;
	struct config cfg;
	struct stats st;
	struct socks_owner so;
	int ok;

	CHECK(harness_init(&h, &cfg, &st, &so) == 0);
	ok = upstream_send(&h.up, 0, Q, sizeof(Q), 0) == 0 &&
	    upstream_send(&h.up, 2, Q, sizeof(Q), 0) == 0;
	close(h.peer[2]);		/* conn 2's tunnel is gone: its write fails */
	h.peer[2] = -1;
	h.resend_on = 0;		/* re-sent on conn 0, flushed earlier in the pass */
	upstream_flush(&h.up, 0);
	ok = ok && h.nlost == 1 && h.lost[0] == 2 && h.up.conns[2].state == CONN_CLOSED;
	ok = ok && h.up.conns[0].wlen == 0 && h.up.ndirty == 0;
	/* both frames for conn 0 arrived: the first one and the re-sent one */
	ok = ok && peer_bytes(&h, 0) == 2 * (ssize_t)(2 + sizeof(Q));
	harness_done(&h);
	CHECK(ok);
}

/* A flush with nothing queued writes nothing and loses nothing. */
static void
flush_clean_is_noop(void)
{
	struct harness h;
	struct config cfg;
	struct stats st;
	struct socks_owner so;
	int ok;

	CHECK(harness_init(&h, &cfg, &st, &so) == 0);
	upstream_flush(&h.up, 0);
	ok = h.nlost == 0 && peer_bytes(&h, 0) == 0 && peer_bytes(&h, 1) == 0;
	ok = ok && upstream_send(&h.up, 1, Q, sizeof(Q), 0) == 0 && h.up.ndirty == 1;
	upstream_flush(&h.up, 0);
	ok = ok && h.up.ndirty == 0 && peer_bytes(&h, 1) == (ssize_t)(2 + sizeof(Q));
	harness_done(&h);
	CHECK(ok);
}

int
main(void)
{
	log_init(1, 0);
	RUN(resend_after_failed_flush_is_written);
	RUN(flush_clean_is_noop);
	return T_DONE();
}
