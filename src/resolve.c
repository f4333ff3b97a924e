/* resolve.c: Tor RESOLVE/RESOLVE_PTR over one-shot SOCKS connections. */
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "evl.h"
#include "log.h"
#include "resolve.h"
#include "sockio.h"

int
resolve_init(struct resolve *r, const struct config *cfg, struct stats *st, int loop,
    const struct resolve_ops *ops, void *arg, struct socks_owner *owner)
{
	memset(r, 0, sizeof(*r));
	r->owner = owner;
	r->cfg = cfg;
	r->st = st;
	r->loop = loop;
	r->ops = *ops;
	r->arg = arg;
	r->n = cfg->max_resolves;
	if ((r->rc = calloc(r->n, sizeof(*r->rc))) == NULL)
		return -1;
	for (uint32_t i = 0; i < r->n; i++)
		r->rc[i].fd = -1;
	return 0;
}

static void
rc_close(struct resolve *r, struct resolve_conn *c)
{
	if (c->fd == -1)
		return;
	(void)evl_del(r->loop, c->fd);
	close(c->fd);
	c->fd = -1;
	r->busy--;
}

void
resolve_destroy(struct resolve *r)
{
	for (uint32_t i = 0; r->rc != NULL && i < r->n; i++)
		rc_close(r, &r->rc[i]);
	free(r->rc);
	r->rc = NULL;
}

/* Finish a slot: close it first, so the callback may start another. */
static void
rc_done(struct resolve *r, struct resolve_conn *c, int ok)
{
	struct socks5 s = c->socks;
	uint16_t tag = c->tag;
	int32_t id = RESOLVE_ID_BASE + (int32_t)(c - r->rc);

	if (s.noauth && r->st->socks_noauth++ == 0)
		log_warnx("SOCKS server chose no authentication: isolation by uid is lost on "
		    "its connections");
	rc_close(r, c);
	r->ops.done(r->arg, id, tag, &s, ok);
}

int32_t
resolve_start(struct resolve *r, const struct socks5 *init, uint16_t tag, uint64_t deadline,
    uint64_t now)
{
	const struct endpoint *sp = &r->cfg->socks;
	struct sockaddr_storage ss;
	struct resolve_conn *c = NULL;
	socklen_t sl = sockio_addr(sp, &ss);
	int one = 1;

	(void)now;
	for (uint32_t i = 0; i < r->n; i++)
		if (r->rc[i].fd == -1) {
			c = &r->rc[i];
			break;
		}
	if (c == NULL)
		return -1;
	c->fd = socket(sp->family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (c->fd == -1)
		return -1;
	r->busy++;
	(void)setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	c->socks = *init;
	c->connected = 0;
	c->rlen = c->wlen = 0;
	c->tag = tag;
	c->deadline_ms = deadline;
	if ((connect(c->fd, (struct sockaddr *)&ss, sl) == -1 && errno != EINPROGRESS) ||
	    evl_add(r->loop, c->fd, RESOLVE_EV_TAG | (uint32_t)(c - r->rc), EVL_IN | EVL_OUT) == -1) {
		rc_close(r, c);
		return -1;
	}
	return RESOLVE_ID_BASE + (int32_t)(c - r->rc);
}

/* Write the request for the current SOCKS state, in one send. */
static int
rc_write(struct resolve_conn *c)
{
	ssize_t n;

	c->wlen = socks5_request(&c->socks, c->wbuf, sizeof(c->wbuf));
	if (c->wlen == 0)
		return -1;
	n = send(c->fd, c->wbuf, c->wlen, MSG_NOSIGNAL | MSG_DONTWAIT);
	return n == (ssize_t)c->wlen ? 0 : -1;	/* a few hundred bytes to a fresh socket */
}

void
resolve_event(struct resolve *r, uint32_t slot, uint32_t events, uint64_t now)
{
	struct resolve_conn *c;

	(void)now;
	if (slot >= r->n || r->rc[slot].fd == -1)
		return;
	c = &r->rc[slot];
	if (!c->connected) {
		char why[192];
		int err = 0;
		socklen_t el = sizeof(err);

		if (!(events & (EVL_OUT | EVL_ERR)))
			return;
		if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &el) == -1 || err != 0) {
			rc_done(r, c, 0);
			return;
		}
		if (socks_owner_verify(r->owner, c->fd, why, sizeof(why)) == -1) {
			r->st->socks_refused++;
			log_warnx("RESOLVE: %s", why);
			rc_done(r, c, 0);
			return;
		}
		if (evl_mod(r->loop, c->fd, RESOLVE_EV_TAG | slot, EVL_IN) == -1 || rc_write(c) == -1) {
			rc_done(r, c, 0);
			return;
		}
		c->connected = 1;
		return;
	}
	for (;;) {
		ssize_t n = recv(c->fd, c->rbuf + c->rlen, sizeof(c->rbuf) - c->rlen,
		    MSG_DONTWAIT);
		size_t used;

		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (n <= 0) {
			rc_done(r, c, 0);
			return;
		}
		c->rlen += (size_t)n;
		for (;;) {
			enum socks5_result res = socks5_input(&c->socks, c->rbuf, c->rlen, &used);

			memmove(c->rbuf, c->rbuf + used, c->rlen - used);
			c->rlen -= used;
			if (res == SOCKS5_NEED_MORE)
				break;
			if (res == SOCKS5_SEND) {
				if (rc_write(c) == -1) {
					rc_done(r, c, 0);
					return;
				}
				continue;
			}
			/* DONE: the answer; ERROR: maybe a refusal whose code says why */
			rc_done(r, c, res == SOCKS5_DONE || c->socks.rep != 0);
			return;
		}
		if (c->rlen == sizeof(c->rbuf)) {
			rc_done(r, c, 0);
			return;
		}
	}
}

uint64_t
resolve_timers(struct resolve *r, uint64_t now)
{
	uint64_t next = UINT64_MAX;

	for (uint32_t i = 0; i < r->n && r->busy > 0; i++) {
		struct resolve_conn *c = &r->rc[i];

		if (c->fd == -1)
			continue;
		if (c->deadline_ms <= now)
			rc_done(r, c, 0);
		else if (c->deadline_ms < next)
			next = c->deadline_ms;
	}
	return next;
}
