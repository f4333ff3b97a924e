/* auditw.c: the worker's half of the audit log. See auditw.h. */
#include <sys/socket.h>
#include <linux/netlink.h>
#include <errno.h>
#include <poll.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "auditw.h"
#include "imsg.h"
#include "log.h"
#include "packet.h"

#define NFLOG_ACK_MS	2000	/* the kernel answers a configuration message in this */
#define NFLOG_READS	16	/* reads per wake-up: the queue stays served */
#define NFLOG_RCVBUF	(1 << 20)
#define AUDITW_RECENT	32	/* earlier records of a turn searched for the same socket */

uint64_t
auditw_realtime_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* Send one configuration message and wait for its ACK. 0, or an errno. */
static int
nflog_step(int fd, int step, uint16_t group, uint32_t seq)
{
	uint8_t msg[64], buf[1024];
	struct sockaddr_nl k = { .nl_family = AF_NETLINK };
	struct pollfd pfd = { fd, POLLIN, 0 };
	size_t len = nflog_config(msg, sizeof(msg), step, group, seq);

	if (len == 0)
		return EINVAL;
	if (sendto(fd, msg, len, 0, (struct sockaddr *)&k, sizeof(k)) == -1)
		return errno;
	for (;;) {
		ssize_t n;
		int rc = poll(&pfd, 1, NFLOG_ACK_MS);

		if (rc == -1 && errno == EINTR)
			continue;
		if (rc <= 0)
			return rc == 0 ? ETIMEDOUT : errno;
		if ((n = recv(fd, buf, sizeof(buf), 0)) == -1) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			return errno;
		}
		for (struct nlmsghdr *h = (struct nlmsghdr *)buf; NLMSG_OK(h, (size_t)n);
		    h = NLMSG_NEXT(h, n)) {
			const struct nlmsgerr *e = NLMSG_DATA(h);

			if (h->nlmsg_seq != seq || h->nlmsg_type != NLMSG_ERROR)
				continue;
			if (h->nlmsg_len < NLMSG_LENGTH(sizeof(*e)))
				return EPROTO;
			return e->error <= 0 && e->error > -4096 ? -e->error : EPROTO;
		}
	}
}

int
auditw_open(struct auditw *a, int on, uint16_t group, char *err, size_t errlen)
{
	struct sockaddr_nl me = { .nl_family = AF_NETLINK };
	int sz = NFLOG_RCVBUF, e = 0;

	memset(a, 0, sizeof(*a));
	a->nflog_fd = -1;
	a->chan = -1;
	a->group = group;
	if (!(a->on = on))
		return 0;
	if ((a->stage = calloc(AUDITW_STAGE, sizeof(*a->stage))) == NULL ||
	    (a->nlbuf = malloc(NFLOG_BUFSZ)) == NULL) {
		snprintf(err, errlen, "audit: out of memory");
		return -1;
	}
	if ((a->nflog_fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_NETFILTER)) == -1 ||
	    bind(a->nflog_fd, (struct sockaddr *)&me, sizeof(me)) == -1) {
		snprintf(err, errlen, "nflog-group %u: netlink socket: %s", group, strerror(errno));
		return -1;
	}
	(void)setsockopt(a->nflog_fd, SOL_SOCKET, SO_RCVBUFFORCE, &sz, sizeof(sz));
	for (int step = 0; step < NFLOG_STEPS && e == 0; step++)
		e = nflog_step(a->nflog_fd, step, group, (uint32_t)step + 1);
	if (e != 0) {
		snprintf(err, errlen, "nflog-group %u: cannot bind it: %s%s", group, strerror(e),
		    e == EBUSY ? " (another process, ulogd perhaps, holds that group; set "
		    "nflog-group and dnsfence-firewall --nflog-group to another number)" :
		    " (does the kernel have nfnetlink_log? modprobe nfnetlink_log)");
		return -1;
	}
	return 0;	/* reads are MSG_DONTWAIT: the loop polls the socket */
}

void
auditw_close(struct auditw *a)
{
	if (a->nflog_fd != -1)
		close(a->nflog_fd);
	a->nflog_fd = -1;
	free(a->stage);
	free(a->nlbuf);
	a->stage = NULL;
	a->nlbuf = NULL;
	a->on = 0;
}

struct auditw_stage *
auditw_stage(struct auditw *a, struct sockdiag *sd)
{
	struct auditw_stage *s;

	if (!a->on)
		return NULL;
	if (a->nstage == AUDITW_STAGE)
		auditw_flush(a, sd);
	s = &a->stage[a->nstage++];
	s->p = NULL;
	s->seq = 0;
	s->need_diag = 0;
	memset(&s->r, 0, offsetof(struct audit_rec, iso));
	s->r.isolen = 0;
	s->r.qlen = 0;
	return s;
}

/* The same socket as an earlier record of this turn: same protocol and addresses. */
static int
same_socket(const struct audit_rec *x, const struct audit_rec *y)
{
	return x->proto == y->proto && x->family == y->family && x->sport == y->sport &&
	    x->dport == y->dport && memcmp(x->src, y->src, 16) == 0 &&
	    memcmp(x->dst, y->dst, 16) == 0;
}

static void
find_socket(struct auditw *a, struct sockdiag *sd, struct auditw_stage *s, size_t i)
{
	struct audit_rec *r = &s->r;
	uint32_t uid = 0;
	uint64_t inode = 0;
	int family = r->family == 6 ? AF_INET6 : AF_INET, found = 0;

	/*
	 * A client that sends many queries from one socket (a resolver library, a load test)
	 * is looked up once per loop turn: within a turn the same addresses are the same socket.
	 */
	for (size_t j = i; j-- > 0 && i - j <= AUDITW_RECENT;) {
		const struct auditw_stage *e = &a->stage[j];

		if (e->need_diag && same_socket(&e->r, r)) {
			found = (e->r.flags & AUDIT_F_INODE) != 0;
			uid = e->r.uid;
			inode = e->r.inode;
			if (!found) {
				a->no_socket++;
				return;
			}
			break;
		}
	}
	if (!found && (sd->fd == -1 || sockdiag_udp_owner(sd, r->proto, family, r->src,
	    r->sport, r->dst, r->dport, &uid, &inode) == -1)) {
		a->no_socket++;
		return;
	}
	r->inode = inode;
	r->flags |= AUDIT_F_INODE;
	if (!(r->flags & AUDIT_F_UID)) {
		r->uid = uid;
		r->flags |= AUDIT_F_UID;
	}
	/* the query still pending keeps it: its outcome's record carries it */
	if (s->p != NULL && s->p->state != PENDING_FREE && s->p->client.audit_seq == s->seq)
		s->p->client.inode = inode;
}

/* Send a batch of nrec records, nev of them events (not hints). */
static void
send_batch(struct auditw *a, size_t len, uint32_t nrec, uint32_t nev)
{
	uint8_t hdr[IMSG_HDRLEN];
	struct iovec iov[2];
	struct msghdr mh = { 0 };

	if (nrec == 0)
		return;
	(void)imsg_pack(hdr, sizeof(hdr), IMSG_AUDIT, NULL, 0);
	/* the header's length: the batch's */
	hdr[4] = (uint8_t)(len >> 24);
	hdr[5] = (uint8_t)(len >> 16);
	hdr[6] = (uint8_t)(len >> 8);
	hdr[7] = (uint8_t)len;
	a->batch[0] = (uint8_t)(a->unreported >> 24);
	a->batch[1] = (uint8_t)(a->unreported >> 16);
	a->batch[2] = (uint8_t)(a->unreported >> 8);
	a->batch[3] = (uint8_t)a->unreported;
	iov[0] = (struct iovec){ hdr, sizeof(hdr) };
	iov[1] = (struct iovec){ a->batch, len };
	mh.msg_iov = iov;
	mh.msg_iovlen = 2;
	if (a->chan != -1 && sendmsg(a->chan, &mh, MSG_DONTWAIT | MSG_NOSIGNAL) ==
	    (ssize_t)(sizeof(hdr) + len)) {
		a->events += nev;
		a->unreported = 0;
		return;
	}
	/* the parent is behind (a slow disk): never wait for it */
	a->lost += nev;
	a->unreported = a->unreported + nev < a->unreported ? UINT32_MAX :
	    a->unreported + nev;
}

void
auditw_flush(struct auditw *a, struct sockdiag *sd)
{
	size_t off = 4;
	uint32_t nrec = 0, nev = 0;

	if (!a->on || a->nstage == 0)
		return;
	for (size_t i = 0; i < a->nstage; i++) {
		struct auditw_stage *s = &a->stage[i];

		if (s->need_diag)
			find_socket(a, sd, s, i);
		/* a hint whose socket was not found tells the parent nothing */
		if (s->r.event == AUDIT_EV_HINT && !(s->r.flags & AUDIT_F_INODE))
			continue;
		if (audit_pack(a->batch, sizeof(a->batch), &off, &s->r) == -1) {
			send_batch(a, off, nrec, nev);
			off = 4;
			nrec = nev = 0;
			if (audit_pack(a->batch, sizeof(a->batch), &off, &s->r) == -1)
				continue;	/* cannot happen: a record fits an empty batch */
		}
		nrec++;
		nev += s->r.event != AUDIT_EV_HINT;
	}
	send_batch(a, off, nrec, nev);
	a->nstage = 0;
}

struct nflog_ctx {
	struct auditw	*a;
	struct sockdiag	*sd;
	uint64_t	 now;
};

static void
on_nflog(void *arg, const struct nflog_pkt *k)
{
	struct nflog_ctx *c = arg;
	struct auditw_stage *s;
	struct pkt_peek pk;
	struct audit_rec *r;

	c->a->nflog_packets++;
	if (packet_peek(k->data, k->len, &pk) != PKT_OK) {
		c->a->nflog_bad++;
		return;
	}
	if ((s = auditw_stage(c->a, c->sd)) == NULL)
		return;
	r = &s->r;
	r->event = pk.proto == 17 ? AUDIT_EV_UDP : AUDIT_EV_PROTO;
	r->action = AUDIT_DROPPED;
	r->family = pk.family == AF_INET6 ? 6 : 4;
	r->proto = pk.proto;
	r->ts_ms = c->now;
	memcpy(r->src, pk.src, 16);
	memcpy(r->dst, pk.dst, 16);
	if (pk.has_ports) {
		r->flags |= AUDIT_F_PORTS;
		r->sport = pk.sport;
		r->dport = pk.dport;
	}
	if (k->has_uid) {
		r->uid = k->uid;
		r->flags |= AUDIT_F_UID;
	}
	if (k->has_gid) {
		r->gid = k->gid;
		r->flags |= AUDIT_F_GID;
	}
	if (k->ifindex_in != 0) {	/* another host's packet, forwarded or to a gateway */
		r->flags |= AUDIT_F_CLIENT;
		r->ifindex = k->ifindex_in;
		if (k->has_mac) {
			memcpy(r->mac, k->mac, 6);
			r->flags |= AUDIT_F_MAC;
		}
	} else if (pk.has_ports && (pk.proto == 17 || pk.proto == 136))
		s->need_diag = 1;
}

int
auditw_nflog_read(struct auditw *a, struct sockdiag *sd, uint64_t now)
{
	struct nflog_ctx c = { a, sd, now };
	int total = 0;

	for (int i = 0; i < NFLOG_READS; i++) {
		ssize_t n = recv(a->nflog_fd, a->nlbuf, NFLOG_BUFSZ, MSG_DONTWAIT);
		int e, got;

		if (n == -1) {
			if (errno == EINTR)
				continue;
			if (errno == ENOBUFS) {
				a->nflog_overruns++;
				continue;
			}
			break;		/* EAGAIN: all read */
		}
		if (n == 0)
			break;
		if ((got = nflog_parse(a->nlbuf, (size_t)n, on_nflog, &c, &a->nflog_bad, &e)) > 0)
			total += got;
	}
	return total;
}
