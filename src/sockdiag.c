/* sockdiag.c: TCP socket owners over NETLINK_SOCK_DIAG (inet_diag, see sock_diag(7)). */
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>

#include "sockdiag.h"

#define DIAG_WAIT_MS	500	/* the kernel answers at once; this only bounds a stuck socket */
#define DIAG_BUFSZ	16384

/* TCP states as inet_diag reports them (include/net/tcp_states.h) */
#define ST_SYN_RECV	3
#define ST_LISTEN	10

int
sockdiag_open(struct sockdiag *sd, char *err, size_t errlen)
{
	sd->seq = 0;
	sd->fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
	if (sd->fd == -1) {
		snprintf(err, errlen, "sock_diag socket: %s", strerror(errno));
		return -1;
	}
	return 0;
}

void
sockdiag_close(struct sockdiag *sd)
{
	if (sd->fd != -1)
		close(sd->fd);
	sd->fd = -1;
}

struct query {
	int		 family;
	const uint8_t	*laddr, *raddr;	/* of the socket looked for, network order */
	uint16_t	 lport, rport;	/* host order */
	int		 dump;		/* every listener vs the one socket */
	uint8_t		 proto;		/* IPPROTO_TCP unless set */
};

/*
 * Send one request and walk the answers: for each socket reported, *fn decides. Returns 0
 * when the answers ended (NLMSG_DONE, or the one answer of a lookup), ENOENT when the
 * kernel has no such socket, or another errno.
 */
static int
ask(struct sockdiag *sd, const struct query *q, int (*fn)(const struct inet_diag_msg *,
    const struct query *, void *), void *arg)
{
	struct {
		struct nlmsghdr		nlh;
		struct inet_diag_req_v2	req;
	} m;
	union {
		uint8_t		b[DIAG_BUFSZ];
		struct nlmsghdr	align;
	} buf;
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
	struct pollfd pfd = { .fd = sd->fd, .events = POLLIN };
	size_t alen = q->family == AF_INET6 ? 16 : 4;

	memset(&m, 0, sizeof(m));
	m.nlh.nlmsg_len = sizeof(m);
	m.nlh.nlmsg_type = SOCK_DIAG_BY_FAMILY;
	m.nlh.nlmsg_flags = NLM_F_REQUEST | (q->dump ? NLM_F_DUMP : 0);
	m.nlh.nlmsg_seq = ++sd->seq;
	m.req.sdiag_family = (uint8_t)q->family;
	m.req.sdiag_protocol = q->proto ? q->proto : IPPROTO_TCP;
	m.req.idiag_states = q->dump && !q->proto ? 1u << ST_LISTEN : ~0u;
	m.req.id.idiag_sport = htons(q->lport);
	m.req.id.idiag_dport = htons(q->rport);
	memcpy(m.req.id.idiag_src, q->laddr, alen);
	memcpy(m.req.id.idiag_dst, q->raddr, alen);
	m.req.id.idiag_cookie[0] = m.req.id.idiag_cookie[1] = INET_DIAG_NOCOOKIE;
	if (sendto(sd->fd, &m, sizeof(m), 0, (struct sockaddr *)&kernel, sizeof(kernel)) == -1)
		return errno;
	for (;;) {
		ssize_t got;
		int rc = poll(&pfd, 1, DIAG_WAIT_MS), n;

		if (rc == -1 && errno == EINTR)
			continue;
		if (rc <= 0)
			return rc == 0 ? ETIMEDOUT : errno;
		if ((got = recv(sd->fd, buf.b, sizeof(buf.b), 0)) == -1) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			return errno;
		}
		n = (int)got;
		for (struct nlmsghdr *h = &buf.align; NLMSG_OK(h, n); h = NLMSG_NEXT(h, n)) {
			if (h->nlmsg_seq != sd->seq)
				continue;	/* a late answer to an earlier request */
			if (h->nlmsg_type == NLMSG_DONE)
				return 0;
			if (h->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *e = NLMSG_DATA(h);

				if (h->nlmsg_len < NLMSG_LENGTH(sizeof(*e)))
					return EPROTO;
				return e->error == 0 ? 0 : -e->error;
			}
			if (h->nlmsg_type != SOCK_DIAG_BY_FAMILY ||
			    h->nlmsg_len < NLMSG_LENGTH(sizeof(struct inet_diag_msg)))
				continue;
			if (fn(NLMSG_DATA(h), q, arg) != 0 || !q->dump)
				return 0;
		}
	}
}

struct verdict {
	uint32_t	allowed;
	uint32_t	uid;
	uint64_t	inode;
	int		found;		/* a full socket or a listener was reported */
	int		foreign;
};

static void
judge(struct verdict *v, uint32_t uid)
{
	v->found = 1;
	if (uid != 0 && uid != v->allowed && !v->foreign) {
		v->foreign = 1;
		v->uid = uid;
	}
}

/* The peer socket: only a full socket knows its owner (a request socket reports uid 0). */
static int
on_peer(const struct inet_diag_msg *d, const struct query *q, void *arg)
{
	(void)q;
	if (d->idiag_state != ST_SYN_RECV && d->idiag_state != ST_LISTEN)
		judge(arg, d->idiag_uid);
	return 1;
}

/* A listener on the SOCKS port, on its address or on the wildcard. */
static int
on_listener(const struct inet_diag_msg *d, const struct query *q, void *arg)
{
	static const uint8_t any[16];
	size_t alen = q->family == AF_INET6 ? 16 : 4;

	if (ntohs(d->id.idiag_sport) == q->lport &&
	    (memcmp(d->id.idiag_src, q->laddr, alen) == 0 ||
	    memcmp(d->id.idiag_src, any, alen) == 0))
		judge(arg, d->idiag_uid);
	return 0;
}

static void
sa_split(const struct sockaddr_storage *ss, const uint8_t **addr, uint16_t *port)
{
	if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)ss;

		*addr = s6->sin6_addr.s6_addr;
		*port = ntohs(s6->sin6_port);
	} else {
		const struct sockaddr_in *s4 = (const struct sockaddr_in *)ss;

		*addr = (const uint8_t *)&s4->sin_addr;
		*port = ntohs(s4->sin_port);
	}
}

enum sockdiag_owner
sockdiag_peer_owner(struct sockdiag *sd, int fd, uint32_t allowed_uid, uint32_t *uid)
{
	struct sockaddr_storage us, peer;
	socklen_t ul = sizeof(us), pl = sizeof(peer);
	struct verdict v = { .allowed = allowed_uid };
	struct query q = { 0 };
	int e;

	*uid = 0;
	if (getsockname(fd, (struct sockaddr *)&us, &ul) == -1 ||
	    getpeername(fd, (struct sockaddr *)&peer, &pl) == -1 || us.ss_family != peer.ss_family)
		return SOCKDIAG_ERROR;
	q.family = peer.ss_family;
	/* the server's end: its local address is our peer, its remote one is us */
	sa_split(&peer, &q.laddr, &q.lport);
	sa_split(&us, &q.raddr, &q.rport);
	if ((e = ask(sd, &q, on_peer, &v)) != 0 && e != ENOENT) {
		errno = e;
		return SOCKDIAG_ERROR;
	}
	if (!v.found) {
		/* not accepted yet (or not here): whoever listens on that port */
		static const uint8_t any[16];

		q.raddr = any;
		q.rport = 0;
		q.dump = 1;
		if ((e = ask(sd, &q, on_listener, &v)) != 0) {
			errno = e;
			return SOCKDIAG_ERROR;
		}
	}
	if (v.foreign) {
		*uid = v.uid;
		return SOCKDIAG_FOREIGN;
	}
	return v.found ? SOCKDIAG_ALLOWED : SOCKDIAG_REMOTE;
}

/* Any full socket's owner (a request socket has none yet). */
static int
on_socket(const struct inet_diag_msg *d, const struct query *q, void *arg)
{
	struct verdict *v = arg;

	(void)q;
	if (d->idiag_state != ST_SYN_RECV) {
		v->found = 1;
		v->uid = d->idiag_uid;
		v->inode = d->idiag_inode;
	}
	return 1;
}

int
sockdiag_tcp_uid(struct sockdiag *sd, int family, const uint8_t *laddr, uint16_t lport,
    const uint8_t *raddr, uint16_t rport, uint32_t *uid, uint64_t *inode)
{
	struct query q = { family, laddr, raddr, lport, rport, 0, IPPROTO_TCP };
	struct verdict v = { 0 };
	int e;

	if ((e = ask(sd, &q, on_socket, &v)) != 0) {
		errno = e;
		return -1;
	}
	if (!v.found) {
		errno = ENOENT;
		return -1;
	}
	*uid = v.uid;
	*inode = v.inode;
	return 0;
}

/* A dump's UDP socket: bound to the port, on the address or the wildcard, not connected
 * elsewhere. */
static int
on_udp(const struct inet_diag_msg *d, const struct query *q, void *arg)
{
	static const uint8_t any[16];
	struct verdict *v = arg;
	size_t alen = q->family == AF_INET6 ? 16 : 4;

	if (v->found || ntohs(d->id.idiag_sport) != q->lport ||
	    (memcmp(d->id.idiag_src, q->laddr, alen) != 0 &&
	    memcmp(d->id.idiag_src, any, alen) != 0))
		return 0;
	if (d->id.idiag_dport != 0 && (ntohs(d->id.idiag_dport) != q->rport ||
	    memcmp(d->id.idiag_dst, q->raddr, alen) != 0))
		return 0;
	v->found = 1;
	v->uid = d->idiag_uid;
	v->inode = d->idiag_inode;
	return 0;
}

int
sockdiag_udp_owner(struct sockdiag *sd, uint8_t proto, int family, const uint8_t *laddr,
    uint16_t lport, const uint8_t *raddr, uint16_t rport, uint32_t *uid, uint64_t *inode)
{
	/* The kernel looks the one socket up as for a packet from src to dst: swapped. */
	struct query q = { family, raddr, laddr, rport, lport, 0, proto };
	struct verdict v = { 0 };
	int e = ask(sd, &q, on_socket, &v);

	if (e != 0 || !v.found) {
		/* a socket bound to a device escapes that lookup: dump the protocol's sockets */
		struct query dq = { family, laddr, raddr, lport, rport, 1, proto };

		memset(&v, 0, sizeof(v));
		if ((e = ask(sd, &dq, on_udp, &v)) != 0) {
			errno = e;
			return -1;
		}
	}
	if (!v.found) {
		errno = ENOENT;
		return -1;
	}
	*uid = v.uid;
	*inode = v.inode;
	return 0;
}

static int
on_nothing(const struct inet_diag_msg *d, const struct query *q, void *arg)
{
	(void)d;
	(void)q;
	(void)arg;
	return 0;
}

int
sockdiag_udp_supported(struct sockdiag *sd, uint8_t proto)
{
	static const uint8_t any[16];
	struct query q = { AF_INET, any, any, 0, 0, 1, proto };

	return ask(sd, &q, on_nothing, NULL);
}

int
socks_owner_verify(struct socks_owner *so, int fd, char *why, size_t whylen)
{
	uint32_t uid;

	if (!so->check)
		return 0;
	switch (sockdiag_peer_owner(so->diag, fd, so->uid, &uid)) {
	case SOCKDIAG_REMOTE:
	case SOCKDIAG_ALLOWED:
		return 0;
	case SOCKDIAG_FOREIGN:
		snprintf(why, whylen, "the SOCKS port is held by uid %u, not by root or "
		    "socks-owner %s (is Tor down and a local user listening on its port?): refused",
		    uid, so->name);
		return -1;
	default:
		snprintf(why, whylen, "cannot tell who holds the SOCKS port (sock_diag: %s): "
		    "refused", strerror(errno));
		return -1;
	}
}
