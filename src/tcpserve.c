/* tcpserve.c: RFC 7766 TCP DNS server side for redirected TCP/53 connections. */
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dns.h"
#include "evl.h"
#include "log.h"
#include "plat.h"
#include "sockio.h"
#include "tcpserve.h"

#define TCP_BACKLOG	128
#define TCP_RBUF	(2 + DNS_MAXMSG)	/* one whole frame */
#define TCP_PAUSE_MS	1000	/* listeners rest this long when descriptors run out */

/* Stop (until > 0) or resume (until == 0) watching the listening sockets. */
static void
listeners_pause(struct tcpserve *ts, uint64_t until)
{
	for (size_t i = 0; i < ts->nlisten; i++) {
		(void)evl_mod(ts->loop, ts->lfd[i], TCPSERVE_LISTEN_TAG | i, until ? 0 : EVL_IN);
	}
	ts->paused_until_ms = until;
}

static void
sa_to(const struct sockaddr_storage *ss, int *family, uint8_t *addr, uint16_t *port)
{
	if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)ss;
		*family = AF_INET6;
		memcpy(addr, &a->sin6_addr, 16);
		*port = ntohs(a->sin6_port);
	} else {
		const struct sockaddr_in *a = (const struct sockaddr_in *)ss;
		*family = AF_INET;
		memcpy(addr, &a->sin_addr, 4);
		*port = ntohs(a->sin_port);
	}
}

/* One listener; -2 when a default [::1] cannot be had (skipped), -1 with err. */
static int
listen_one(struct tcpserve *ts, const struct endpoint *ep, const char *ifname, uint32_t ifindex,
    int optional, char *err, size_t errlen)
{
	struct sockaddr_storage ss;
	char name[64];
	int one = 1, fd;
	socklen_t sl = sockio_addr(ep, &ss);

	config_endpoint_str(ep, name, sizeof(name));
	if (ep->family == AF_INET6 && ifindex != 0)
		((struct sockaddr_in6 *)&ss)->sin6_scope_id = ifindex;	/* link-local */
	fd = socket(ep->family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd == -1 && optional && ep->family == AF_INET6 && errno == EAFNOSUPPORT)
		return -2;	/* default [::1] on a kernel without IPv6 */
	if (fd == -1) {
		snprintf(err, errlen, "listen-tcp %s: socket: %s", name, strerror(errno));
		return -1;
	}
	(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (ep->family == AF_INET6)
		(void)setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	/* on the gateway interface only, even while its address is tentative (IPv6 DAD) */
	if (ifname != NULL && plat_bind_device(fd, ep->family, ifname) == -1) {
		snprintf(err, errlen, "gateway %s: listener %s: bind to the interface: %s", ifname,
		    name, strerror(errno));
		close(fd);
		return -1;
	}
	if (bind(fd, (struct sockaddr *)&ss, sl) == -1) {
		int e = errno;

		close(fd);
		if (optional && ep->family == AF_INET6 && e == EADDRNOTAVAIL) {
			log_warnx("listen-tcp %s: no IPv6 loopback, skipped", name);
			return -2;
		}
		snprintf(err, errlen, "listen-tcp %s%s%s: bind: %s", name, ifname ? " on " : "",
		    ifname ? ifname : "", strerror(e));
		return -1;
	}
	if (listen(fd, TCP_BACKLOG) == -1) {
		snprintf(err, errlen, "listen-tcp %s: listen: %s", name, strerror(errno));
		close(fd);
		return -1;
	}
	if (evl_add(ts->loop, fd, TCPSERVE_LISTEN_TAG | ts->nlisten, EVL_IN) == -1) {
		snprintf(err, errlen, "listen-tcp %s: event loop: %s", name, strerror(errno));
		close(fd);
		return -1;
	}
	ts->lif[ts->nlisten] = ifindex;
	ts->lfd[ts->nlisten++] = fd;
	return 0;
}

int
tcpserve_open(struct tcpserve *ts, const struct config *cfg, const struct tcpserve_bind *gw,
    size_t ngw, struct stats *st, int loop, const struct tcpserve_ops *ops, void *arg,
    char *err, size_t errlen)
{
	memset(ts, 0, sizeof(*ts));
	ts->cfg = cfg;
	ts->st = st;
	ts->loop = loop;
	ts->ops = *ops;
	ts->arg = arg;
	ts->ncl = cfg->max_tcp_clients;
	if ((ts->cl = calloc(ts->ncl, sizeof(*ts->cl))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (uint32_t i = 0; i < ts->ncl; i++)
		ts->cl[i].fd = -1;
	for (size_t i = 0; i < cfg->nlisten; i++)
		if (listen_one(ts, &cfg->listen_tcp[i], NULL, 0, !cfg->nlisten_from_user, err,
		    errlen) == -1)
			return -1;
	for (size_t i = 0; i < ngw && i < TCPSERVE_MAX_GW; i++)
		if (listen_one(ts, &gw[i].ep, gw[i].ifname, gw[i].ifindex, 0, err, errlen) == -1)
			return -1;
	return 0;
}

static void
client_close(struct tcpserve *ts, struct tcp_client *c)
{
	if (c->fd == -1)
		return;
	(void)evl_del(ts->loop, c->fd);
	close(c->fd);
	free(c->rbuf);
	free(c->wbuf);
	c->rbuf = c->wbuf = NULL;
	c->fd = -1;
	c->rlen = c->wlen = 0;
	c->outstanding = 0;
	c->paused = 0;
	c->uid_asked = c->has_uid = 0;
	c->gen++;		/* answers still on their way for the old client are dropped */
	ts->nopen--;
}

static int
client_watch(struct tcpserve *ts, struct tcp_client *c, int add, int out)
{
	uint64_t tag = TCPSERVE_CLIENT_TAG | (uint32_t)(c - ts->cl);
	unsigned want = (c->paused ? 0 : EVL_IN) | (out ? EVL_OUT : 0);

	c->want_out = out;
	return add ? evl_add(ts->loop, c->fd, tag, want) : evl_mod(ts->loop, c->fd, tag, want);
}

void
tcpserve_accept(struct tcpserve *ts, uint32_t li, uint64_t now)
{
	if (li >= ts->nlisten)
		return;
	for (;;) {
		struct sockaddr_storage ss, od;
		socklen_t sl = sizeof(ss), ol = sizeof(od);
		struct tcp_client *c = NULL;
		int fd = accept4(ts->lfd[li], (struct sockaddr *)&ss, &sl,
		    SOCK_NONBLOCK | SOCK_CLOEXEC), one = 1;

		if (fd == -1) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS ||
			    errno == ENOMEM) {
				/* Level-triggered: the waiting connection would wake us at
				 * once. Stop listening for a while instead of spinning. */
				ts->st->tcp_refused++;
				listeners_pause(ts, now + TCP_PAUSE_MS);
			}
			return;
		}
		for (uint32_t i = 0; i < ts->ncl; i++)
			if (ts->cl[i].fd == -1) {
				c = &ts->cl[i];
				break;
			}
		if (c == NULL) {
			ts->st->tcp_refused++;	/* max-tcp-clients: close at once */
			close(fd);
			continue;
		}
		c->rbuf = malloc(TCP_RBUF);
		c->wcap = ts->cfg->wbuf_max;
		c->wbuf = malloc(c->wcap);
		if (c->rbuf == NULL || c->wbuf == NULL) {
			free(c->rbuf);
			free(c->wbuf);
			c->rbuf = c->wbuf = NULL;
			ts->st->tcp_refused++;
			close(fd);
			return;
		}
		(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		c->fd = fd;
		ts->nopen++;
		sa_to(&ss, &c->family, c->addr, &c->port);
		c->ifindex = ts->lif[li];
		/* The address the client meant, before REDIRECT rewrote it (for the logs). */
		if (plat_original_dst(fd, c->family, &od, &ol) == 0) {
			int f;
			sa_to(&od, &f, c->orig, &c->orig_port);
		} else if (getsockname(fd, (struct sockaddr *)&od, &ol) == 0) {
			int f;
			sa_to(&od, &f, c->orig, &c->orig_port);
		}
		c->active_ms = now;
		ts->st->tcp_accepted++;
		if (client_watch(ts, c, 1, 0) == -1)
			client_close(ts, c);
	}
}

static void
client_flush(struct tcpserve *ts, struct tcp_client *c)
{
	if (sockio_flush(c->fd, c->wbuf, &c->wlen) == -1) {
		client_close(ts, c);
		return;
	}
	if ((c->wlen > 0) != c->want_out && client_watch(ts, c, 0, c->wlen > 0) == -1)
		client_close(ts, c);
}

void
tcpserve_reply(struct tcpserve *ts, int32_t slot, uint32_t gen, const uint8_t *msg, size_t len,
    uint64_t now)
{
	struct tcp_client *c;

	if (slot < 0 || (uint32_t)slot >= ts->ncl)
		return;
	c = &ts->cl[slot];
	if (c->fd == -1 || c->gen != gen || len > DNS_MAXMSG)
		return;
	if (c->outstanding > 0)
		c->outstanding--;
	if (c->wlen + 2 + len > c->wcap) {
		ts->st->tcp_overflow++;		/* the client does not read: bounded, closed */
		client_close(ts, c);
		return;
	}
	c->wbuf[c->wlen] = (uint8_t)(len >> 8);
	c->wbuf[c->wlen + 1] = (uint8_t)len;
	memcpy(c->wbuf + c->wlen + 2, msg, len);
	c->wlen += 2 + len;
	c->active_ms = now;
	if (!c->want_out)
		client_flush(ts, c);
}

/*
 * Hand the whole frames in c's buffer to the daemon, as long as the client has fewer than
 * max-tcp-outstanding queries unanswered; then stop reading from it until answers make room.
 * Returns -1 if the client was closed meanwhile.
 */
static int
client_frames(struct tcpserve *ts, struct tcp_client *c, uint64_t now)
{
	int32_t slot = (int32_t)(c - ts->cl);
	uint32_t gen = c->gen;
	size_t off = 0;
	int pause;

	while (c->rlen - off >= 2 && c->outstanding < ts->cfg->max_tcp_outstanding) {
		size_t fl = (size_t)c->rbuf[off] << 8 | c->rbuf[off + 1];

		if (c->rlen - off - 2 < fl)
			break;
		c->active_ms = now;
		c->outstanding++;
		ts->st->tcp_queries++;
		if (ts->ops.query(ts->arg, slot, c->rbuf + off + 2, fl) == -1 &&
		    c->fd != -1 && c->gen == gen && c->outstanding > 0)
			c->outstanding--;
		if (c->fd == -1 || c->gen != gen)
			return -1;	/* closed while answering (write buffer overflow) */
		off += 2 + fl;
	}
	memmove(c->rbuf, c->rbuf + off, c->rlen - off);
	c->rlen -= off;
	pause = c->outstanding >= ts->cfg->max_tcp_outstanding;
	if (pause != c->paused) {
		if (pause)
			ts->st->tcp_throttled++;
		c->paused = pause;
		if (client_watch(ts, c, 0, c->want_out) == -1) {
			client_close(ts, c);
			return -1;
		}
	}
	return 0;
}

void
tcpserve_event(struct tcpserve *ts, int32_t slot, uint32_t events, uint64_t now)
{
	struct tcp_client *c;
	uint32_t gen;
	ssize_t n;

	if (slot < 0 || (uint32_t)slot >= ts->ncl)
		return;
	c = &ts->cl[slot];
	gen = c->gen;
	if (c->fd != -1 && (events & EVL_OUT))
		client_flush(ts, c);
	if (c->fd != -1 && c->gen == gen && c->paused && (events & EVL_ERR)) {
		/*
		 * Paused, it is not watched for input, but epoll reports a reset or hang-up all
		 * the same: the client is gone, and would wake every turn until its answers came.
		 */
		client_close(ts, c);
		return;
	}
	if (c->fd == -1 || c->gen != gen || c->paused ||
	    !(events & (EVL_IN | EVL_ERR)))
		return;
	/*
	 * One read per wake-up: a client that writes without end gets its turn like every
	 * other ready socket (the loop hands them out in turn), and UDP queries are read between.
	 */
	do
		n = recv(c->fd, c->rbuf + c->rlen, TCP_RBUF - c->rlen, MSG_DONTWAIT);
	while (n == -1 && errno == EINTR);
	if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK))
		return;
	if (n <= 0) {
		client_close(ts, c);	/* its outstanding answers will be dropped */
		return;
	}
	c->rlen += (size_t)n;
	(void)client_frames(ts, c, now);
}

uint64_t
tcpserve_timers(struct tcpserve *ts, uint64_t now)
{
	uint64_t next = UINT64_MAX;

	if (ts->paused_until_ms) {
		if (ts->paused_until_ms <= now)
			listeners_pause(ts, 0);
		else
			next = ts->paused_until_ms;
	}
	for (uint32_t i = 0; i < ts->ncl && ts->nopen > 0; i++) {
		struct tcp_client *c = &ts->cl[i];
		uint64_t t;

		/* Answers made room: what it sent meanwhile is read now, then the socket. */
		if (c->fd != -1 && c->paused && c->outstanding < ts->cfg->max_tcp_outstanding &&
		    client_frames(ts, c, now) == -1)
			continue;
		if (c->fd == -1 || c->outstanding > 0)
			continue;	/* a query in flight ends by its own deadline */
		t = c->active_ms + ts->cfg->tcp_idle_timeout_ms;
		if (t <= now) {
			if (c->rlen > 0)
				ts->st->tcp_stalled++;	/* a partial frame, then silence */
			client_close(ts, c);
			continue;
		}
		if (t < next)
			next = t;
	}
	return next;
}

void
tcpserve_close(struct tcpserve *ts)
{
	for (uint32_t i = 0; i < ts->ncl; i++)
		client_close(ts, &ts->cl[i]);
	for (size_t i = 0; i < ts->nlisten; i++)
		close(ts->lfd[i]);
	free(ts->cl);
	ts->cl = NULL;
	ts->nlisten = 0;
}
