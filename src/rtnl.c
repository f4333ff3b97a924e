/* rtnl.c: address list and address notifications over NETLINK_ROUTE, through libmnl. */
#include <sys/socket.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>

#include <libmnl/libmnl.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <net/if.h>
#include <linux/rtnetlink.h>

#include "rtnl.h"

#define RTNL_DUMP_WAIT_MS	2000	/* one dump's messages must keep coming this fast */
#define RTNL_DUMP_TRIES		4	/* dumps interrupted by changes are read again */
#define RTNL_BUFSZ		32768	/* MNL_SOCKET_DUMP_SIZE: a dump batch whole */

struct apply {
	struct addrtab	*t;
	int		 interrupted;
};

static int
attr_store(const struct nlattr *attr, void *data)
{
	const struct nlattr **tb = data;
	int type = mnl_attr_get_type(attr);

	if (type >= 0 && type <= IFA_MAX)
		tb[type] = attr;
	return MNL_CB_OK;
}

static int
link_attr_store(const struct nlattr *attr, void *data)
{
	const struct nlattr **tb = data;
	int type = mnl_attr_get_type(attr);

	if (type >= 0 && type <= IFLA_MAX)
		tb[type] = attr;
	return MNL_CB_OK;
}

/* An interface appeared, was renamed or went: its name, for the gateway interfaces. */
static int
link_msg(const struct nlmsghdr *nlh, struct addrtab *t)
{
	const struct ifinfomsg *ifi;
	const struct nlattr *tb[IFLA_MAX + 1] = { 0 };
	char name[16];
	size_t n;

	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*ifi))
		return MNL_CB_OK;
	ifi = mnl_nlmsg_get_payload(nlh);
	if (nlh->nlmsg_type == RTM_DELLINK) {
		addrtab_link_del(t, (uint32_t)ifi->ifi_index);
		return MNL_CB_OK;
	}
	if (mnl_attr_parse(nlh, sizeof(*ifi), link_attr_store, tb) != MNL_CB_OK ||
	    tb[IFLA_IFNAME] == NULL)
		return MNL_CB_OK;
	n = strnlen(mnl_attr_get_payload(tb[IFLA_IFNAME]), mnl_attr_get_payload_len(tb[IFLA_IFNAME]));
	if (n == 0 || n >= sizeof(name))
		return MNL_CB_OK;
	memcpy(name, mnl_attr_get_payload(tb[IFLA_IFNAME]), n);
	name[n] = '\0';
	(void)addrtab_link_set(t, (uint32_t)ifi->ifi_index, name);
	return MNL_CB_OK;
}

static int
addr_cb(const struct nlmsghdr *nlh, void *data)
{
	struct apply *a = data;
	const struct ifaddrmsg *ifa;
	const struct nlattr *tb[IFA_MAX + 1] = { 0 }, *at;
	size_t need;

	if (nlh->nlmsg_flags & NLM_F_DUMP_INTR)
		a->interrupted = 1;
	if (nlh->nlmsg_type == RTM_NEWLINK || nlh->nlmsg_type == RTM_DELLINK)
		return link_msg(nlh, a->t);
	if (nlh->nlmsg_type != RTM_NEWADDR && nlh->nlmsg_type != RTM_DELADDR)
		return MNL_CB_OK;
	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*ifa))
		return MNL_CB_OK;
	ifa = mnl_nlmsg_get_payload(nlh);
	if (ifa->ifa_family != AF_INET && ifa->ifa_family != AF_INET6)
		return MNL_CB_OK;
	if (mnl_attr_parse(nlh, sizeof(*ifa), attr_store, tb) != MNL_CB_OK)
		return MNL_CB_OK;
	/* IPv4: IFA_LOCAL is our address (IFA_ADDRESS is the peer on point-to-point links) */
	at = ifa->ifa_family == AF_INET && tb[IFA_LOCAL] ? tb[IFA_LOCAL] : tb[IFA_ADDRESS];
	need = ifa->ifa_family == AF_INET6 ? 16 : 4;
	if (at == NULL || mnl_attr_get_payload_len(at) != need)
		return MNL_CB_OK;
	if (nlh->nlmsg_type == RTM_NEWADDR)
		(void)addrtab_add(a->t, ifa->ifa_family, ifa->ifa_index,
		    mnl_attr_get_payload(at), ifa->ifa_prefixlen);
	else
		addrtab_del(a->t, ifa->ifa_family, ifa->ifa_index, mnl_attr_get_payload(at),
		    ifa->ifa_prefixlen);
	return MNL_CB_OK;
}

/* One dump request (links or addresses), read to its end into t. */
static int
dump_one(struct rtnl *r, struct addrtab *t, uint16_t type, struct apply *a)
{
	static char buf[RTNL_BUFSZ];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct rtgenmsg *g;
	struct pollfd pfd = { .fd = mnl_socket_get_fd(r->nl), .events = POLLIN };
	int done = 0;

	(void)t;
	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	nlh->nlmsg_seq = ++r->seq;
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->rtgen_family = AF_UNSPEC;
	if (mnl_socket_sendto(r->nl, nlh, nlh->nlmsg_len) < 0)
		return -1;
	while (!done) {
		ssize_t n;
		int rc = poll(&pfd, 1, RTNL_DUMP_WAIT_MS);

		if (rc == -1 && errno == EINTR)
			continue;
		if (rc == -1)
			return -1;
		if (rc == 0) {
			errno = ETIMEDOUT;
			return -1;
		}
		if ((n = mnl_socket_recvfrom(r->nl, buf, sizeof(buf))) == -1) {
			if (errno == ENOBUFS)
				a->interrupted = 1;
			else if (errno != EINTR && errno != EAGAIN)
				return -1;
			continue;
		}
		/*
		 * seq 0: notifications come interleaved with our dump and are applied
		 * too; NLMSG_DONE ends it (MNL_CB_STOP), NLMSG_ERROR fails it.
		 */
		rc = mnl_cb_run(buf, (size_t)n, 0, r->portid, addr_cb, a);
		if (rc == MNL_CB_ERROR)
			return -1;
		done = rc == MNL_CB_STOP;
	}
	return 0;
}

/* Read every link and address again, from scratch; notifications met are applied too. */
static int
dump(struct rtnl *r, struct addrtab *t)
{
	for (int tries = 0; tries < RTNL_DUMP_TRIES; tries++) {
		struct apply a = { t, 0 };

		addrtab_clear(t);
		if (dump_one(r, t, RTM_GETLINK, &a) == -1 || dump_one(r, t, RTM_GETADDR, &a) == -1)
			return -1;
		if (!a.interrupted)
			return 0;
		r->redumps++;
	}
	return 0;	/* changes kept coming: what was read last stands, notifications follow */
}

int
rtnl_open(struct rtnl *r, struct addrtab *t, char *err, size_t errlen)
{
	memset(r, 0, sizeof(*r));
	if ((r->nl = mnl_socket_open2(NETLINK_ROUTE, SOCK_NONBLOCK | SOCK_CLOEXEC)) == NULL) {
		snprintf(err, errlen, "rtnetlink socket: %s", strerror(errno));
		return -1;
	}
	if (mnl_socket_bind(r->nl, RTMGRP_IPV4_IFADDR | RTMGRP_IPV6_IFADDR | RTMGRP_LINK,
	    MNL_SOCKET_AUTOPID) == -1) {
		snprintf(err, errlen, "rtnetlink bind: %s", strerror(errno));
		goto fail;
	}
	r->portid = mnl_socket_get_portid(r->nl);
	if (dump(r, t) == -1) {
		snprintf(err, errlen, "reading the host's addresses: %s", strerror(errno));
		goto fail;
	}
	return 0;
fail:
	mnl_socket_close(r->nl);
	r->nl = NULL;
	return -1;
}

int
rtnl_fd(const struct rtnl *r)
{
	return mnl_socket_get_fd(r->nl);
}

int
rtnl_read(struct rtnl *r, struct addrtab *t)
{
	static char buf[RTNL_BUFSZ];
	struct apply a = { t, 0 };

	for (;;) {
		ssize_t n = mnl_socket_recvfrom(r->nl, buf, sizeof(buf));

		if (n == -1) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return 0;
			if (errno == ENOBUFS) {		/* notifications were lost: read all */
				r->redumps++;
				return dump(r, t);
			}
			return -1;
		}
		/*
		 * portid 0: a notification carries the port of whoever made the change (`ip addr
		 * add` sets its own), and libmnl would stop at the first one that is not ours:
		 * IPv4 addresses added after start were never learnt (IPv6's, often sent by the
		 * kernel itself with port 0, were).
		 */
		(void)mnl_cb_run(buf, (size_t)n, 0, 0, addr_cb, &a);
	}
}

void
rtnl_close(struct rtnl *r)
{
	if (r->nl != NULL)
		mnl_socket_close(r->nl);
	r->nl = NULL;
}
