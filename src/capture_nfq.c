/*
 * capture_nfq.c: NFQUEUE through libmnl and libnetfilter_queue's nlmsg helpers.
 * Every packet gets NF_DROP: the original never leaves. FAIL_OPEN is never set, so when we
 * are slow or gone the kernel drops too.
 */
#include <sys/socket.h>
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libmnl/libmnl.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nfnetlink_queue.h>
#include <libnetfilter_queue/libnetfilter_queue.h>

#include "capture.h"
#include "config.h"

#define NFQ_COPY_RANGE	0xffff		/* whole packets */
#define NFQ_BUFSZ	(0xffff + 4096)	/* one netlink message: payload plus attributes */
#define NFQ_ACK_WAIT_MS	2000		/* how long the kernel may take to ACK a config */

struct capture {
	struct mnl_socket	*nl;
	unsigned		 portid;
	uint16_t		 queue;
	uint32_t		 batch;
	uint32_t		 seq;
	uint8_t			*bufs;		/* batch * NFQ_BUFSZ */
	struct mmsghdr		*msgs;
	struct iovec		*iovs;
	/* during one read */
	capture_cb		 cb;
	void			*arg;
	uint32_t		 last_id;
	int			 have_id;
};

/* Does the kernel list queue q as bound (by someone else, since our bind failed)? */
static int
queue_bound_elsewhere(uint16_t q)
{
	FILE *f = fopen("/proc/net/netfilter/nfnetlink_queue", "re");
	unsigned num;
	int found = 0;
	char line[256];

	if (f == NULL)
		return 1;	/* cannot tell: EPERM on bind most often means this */
	while (!found && fgets(line, sizeof(line), f) != NULL)
		found = sscanf(line, "%u", &num) == 1 && num == q;
	fclose(f);
	return found;
}

static int packet_cb(const struct nlmsghdr *, void *);
static int verdict_drop_upto(struct capture *, uint32_t);

/* Send one config message with NLM_F_ACK and wait for the kernel's answer. */
static int
config_ack(struct capture *c, struct nlmsghdr *nlh)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct pollfd pfd;
	ssize_t n;
	int rc;

	nlh->nlmsg_flags |= NLM_F_ACK;
	nlh->nlmsg_seq = ++c->seq;
	if (mnl_socket_sendto(c->nl, nlh, nlh->nlmsg_len) < 0)
		return -1;
	pfd.fd = mnl_socket_get_fd(c->nl);
	pfd.events = POLLIN;
	for (;;) {
		if ((rc = poll(&pfd, 1, NFQ_ACK_WAIT_MS)) == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (rc == 0) {
			errno = ETIMEDOUT;
			return -1;
		}
		if ((n = mnl_socket_recvfrom(c->nl, buf, sizeof(buf))) == -1)
			return -1;
		/*
		 * A queued packet may arrive before the ACK (a reload re-tunes a busy queue):
		 * it is handled like any other, and dropped by the verdict below, never just
		 * swallowed unanswered.
		 */
		rc = mnl_cb_run(buf, (size_t)n, c->seq, c->portid, c->cb ? packet_cb : NULL, c);
		if (rc == -1)
			return -1;	/* errno from the kernel's NLMSG_ERROR */
		if (rc == MNL_CB_STOP)
			break;
	}
	if (c->have_id) {
		c->have_id = 0;
		if (verdict_drop_upto(c, c->last_id) == -1)
			return -1;
	}
	return 0;
}

static void
set_rcvbuf(struct capture *c, uint32_t rcvbuf)
{
	int fd = mnl_socket_get_fd(c->nl), v = (int)rcvbuf;

	/* FORCE lifts rmem_max for root; fall back to what the sysctl allows. */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &v, sizeof(v)) == -1)
		(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &v, sizeof(v));
}

int
capture_tune(struct capture *c, uint32_t rcvbuf, uint32_t maxlen)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh;

	set_rcvbuf(c, rcvbuf);
	nlh = nfq_nlmsg_put(buf, NFQNL_MSG_CONFIG, c->queue);
	nfq_nlmsg_cfg_put_params(nlh, NFQNL_COPY_PACKET, NFQ_COPY_RANGE);
	nfq_nlmsg_cfg_put_qmaxlen(nlh, maxlen);
	/* The sender's uid for isolation. Never NFQA_CFG_F_FAIL_OPEN. */
	mnl_attr_put_u32(nlh, NFQA_CFG_FLAGS, htonl(NFQA_CFG_F_UID_GID));
	mnl_attr_put_u32(nlh, NFQA_CFG_MASK, htonl(NFQA_CFG_F_UID_GID));
	return config_ack(c, nlh);
}

struct capture *
capture_open(uint16_t queue, uint32_t rcvbuf, uint32_t maxlen, uint32_t batch, char *err,
    size_t errlen)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh;
	struct capture *c;

	if ((c = calloc(1, sizeof(*c))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	c->queue = queue;
	c->batch = batch;
	c->bufs = malloc((size_t)batch * NFQ_BUFSZ);
	c->msgs = calloc(batch, sizeof(*c->msgs));
	c->iovs = calloc(batch, sizeof(*c->iovs));
	if (c->bufs == NULL || c->msgs == NULL || c->iovs == NULL) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	if ((c->nl = mnl_socket_open2(NETLINK_NETFILTER, SOCK_NONBLOCK | SOCK_CLOEXEC)) == NULL) {
		snprintf(err, errlen, "netlink socket: %s%s", strerror(errno),
		    errno == EPERM ? " (start dnsfence as root)" : "");
		goto fail;
	}
	if (mnl_socket_bind(c->nl, 0, MNL_SOCKET_AUTOPID) == -1) {
		snprintf(err, errlen, "netlink bind: %s", strerror(errno));
		goto fail;
	}
	c->portid = mnl_socket_get_portid(c->nl);
	nlh = nfq_nlmsg_put(buf, NFQNL_MSG_CONFIG, queue);
	nfq_nlmsg_cfg_put_cmd(nlh, AF_INET, NFQNL_CFG_CMD_BIND);
	if (config_ack(c, nlh) == -1) {
		if ((errno == EPERM || errno == EBUSY) && queue_bound_elsewhere(queue))
			snprintf(err, errlen, "NFQUEUE %u is already bound by another process "
			    "(is another dnsfence running?)", queue);
		else if (errno == EPERM)
			snprintf(err, errlen, "cannot bind NFQUEUE %u: %s (CAP_NET_ADMIN is "
			    "needed in this network namespace)", queue, strerror(errno));
		else
			snprintf(err, errlen, "cannot bind NFQUEUE %u: %s%s", queue,
			    strerror(errno), errno == ENOENT || errno == EOPNOTSUPP ?
			    " (is nfnetlink_queue available?)" : "");
		goto fail;
	}
	if (capture_tune(c, rcvbuf, maxlen) == -1) {
		snprintf(err, errlen, "cannot configure NFQUEUE %u: %s", queue, strerror(errno));
		goto fail;
	}
	for (uint32_t i = 0; i < batch; i++) {
		c->iovs[i].iov_base = c->bufs + (size_t)i * NFQ_BUFSZ;
		c->iovs[i].iov_len = NFQ_BUFSZ;
		c->msgs[i].msg_hdr.msg_iov = &c->iovs[i];
		c->msgs[i].msg_hdr.msg_iovlen = 1;
	}
	return c;
fail:
	capture_close(c);
	return NULL;
}

int
capture_fd(const struct capture *c)
{
	return mnl_socket_get_fd(c->nl);
}

static int
packet_cb(const struct nlmsghdr *nlh, void *data)
{
	struct capture *c = data;
	struct nlattr *attr[NFQA_MAX + 1] = { 0 };
	struct nfqnl_msg_packet_hdr *ph;
	struct capture_pkt p = { 0 };

	if (nfq_nlmsg_parse(nlh, attr) < 0 || attr[NFQA_PACKET_HDR] == NULL)
		return MNL_CB_OK;
	ph = mnl_attr_get_payload(attr[NFQA_PACKET_HDR]);
	c->last_id = ntohl(ph->packet_id);
	c->have_id = 1;
	if (attr[NFQA_IFINDEX_INDEV])
		p.ifindex_in = ntohl(mnl_attr_get_u32(attr[NFQA_IFINDEX_INDEV]));
	if (attr[NFQA_IFINDEX_OUTDEV])
		p.ifindex_out = ntohl(mnl_attr_get_u32(attr[NFQA_IFINDEX_OUTDEV]));
	if (attr[NFQA_UID]) {
		p.uid = ntohl(mnl_attr_get_u32(attr[NFQA_UID]));
		p.has_uid = 1;
	}
	if (attr[NFQA_GID]) {
		p.gid = ntohl(mnl_attr_get_u32(attr[NFQA_GID]));
		p.has_gid = 1;
	}
	if (attr[NFQA_HWADDR] &&
	    mnl_attr_get_payload_len(attr[NFQA_HWADDR]) >= sizeof(struct nfqnl_msg_packet_hw)) {
		const struct nfqnl_msg_packet_hw *hw = mnl_attr_get_payload(attr[NFQA_HWADDR]);

		if (ntohs(hw->hw_addrlen) == 6) {
			memcpy(p.mac, hw->hw_addr, 6);
			p.has_mac = 1;
		}
	}
	if (attr[NFQA_PAYLOAD]) {
		p.data = mnl_attr_get_payload(attr[NFQA_PAYLOAD]);
		p.len = mnl_attr_get_payload_len(attr[NFQA_PAYLOAD]);
	}
	/* A copy cut short (NFQA_CAP_LEN) fails the IP length check in packet_parse. */
	c->cb(c->arg, &p);
	return MNL_CB_OK;
}

static int
verdict_drop_upto(struct capture *c, uint32_t id)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh;

	/* One VERDICT_BATCH drops every queued packet with an ID <= id. */
	nlh = nfq_nlmsg_put(buf, NFQNL_MSG_VERDICT_BATCH, c->queue);
	nfq_nlmsg_verdict_put(nlh, (int)id, NF_DROP);
	return mnl_socket_sendto(c->nl, nlh, nlh->nlmsg_len) < 0 ? -1 : 0;
}

int
capture_read(struct capture *c, capture_cb cb, void *arg, uint64_t *overruns)
{
	int n, got = 0;

	c->cb = cb;
	c->arg = arg;
	c->have_id = 0;
	for (;;) {
		n = recvmmsg(mnl_socket_get_fd(c->nl), c->msgs, c->batch, MSG_DONTWAIT, NULL);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			if (errno == ENOBUFS) {
				(*overruns)++;
				continue;
			}
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				break;
			return -1;
		}
		break;
	}
	for (int i = 0; i < (n > 0 ? n : 0); i++) {
		(void)mnl_cb_run(c->iovs[i].iov_base, c->msgs[i].msg_len, 0, c->portid,
		    packet_cb, c);
		got++;
	}
	if (c->have_id && verdict_drop_upto(c, c->last_id) == -1)
		return -1;
	return got;
}

void
capture_close(struct capture *c)
{
	if (c == NULL)
		return;
	if (c->nl != NULL)
		mnl_socket_close(c->nl);	/* the kernel unbinds; queued packets are dropped */
	free(c->bufs);
	free(c->msgs);
	free(c->iovs);
	free(c);
}

uint16_t
capture_point(const struct config *cfg)
{
	return cfg->queue;
}

const char *
capture_kind(void)
{
	return "NFQUEUE";
}

size_t
capture_stats_line(const struct capture *c, char *buf, size_t len)
{
	(void)c;
	if (len > 0)
		buf[0] = '\0';
	return 0;
}

/* Replies leave through inject.c's raw sockets, not through the queue. */
int
capture_inject(struct capture *c, int family, const uint8_t *pkt, size_t len,
    const uint8_t *dst, uint32_t ifindex, int forwarded)
{
	(void)c, (void)family, (void)pkt, (void)len, (void)dst, (void)ifindex, (void)forwarded;
	errno = ENOTSUP;
	return -1;
}
