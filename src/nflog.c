/* nflog.c: NFLOG configuration and packet messages. Pure. See nflog.h. */
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_log.h>
#include <linux/netlink.h>
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include "wire.h"
#include "nflog.h"

#define ALIGN4(n)	(((n) + 3u) & ~3u)

size_t
nflog_config(uint8_t *out, size_t cap, int step, uint16_t group, uint32_t seq)
{
	struct nlmsghdr nlh;
	struct nfgenmsg g;
	struct nlattr a;
	uint8_t val[8] = { 0 };
	size_t vlen, len;

	memset(&nlh, 0, sizeof(nlh));
	memset(&g, 0, sizeof(g));
	switch (step) {
	case 0:		/* bind the group */
		a.nla_type = NFULA_CFG_CMD;
		val[0] = NFULNL_CFG_CMD_BIND;
		vlen = 1;
		break;
	case 1:		/* the headers of each packet */
		a.nla_type = NFULA_CFG_MODE;
		put32(val, NFLOG_COPY);
		val[4] = NFULNL_COPY_PACKET;
		vlen = 6;
		break;
	case 2:		/* every packet at once: the sender is still alive for the lookup */
		a.nla_type = NFULA_CFG_QTHRESH;
		put32(val, 1);
		vlen = 4;
		break;
	case 3:		/* no flush timer */
		a.nla_type = NFULA_CFG_TIMEOUT;
		put32(val, 0);
		vlen = 4;
		break;
	default:
		return 0;
	}
	a.nla_len = (uint16_t)(NLA_HDRLEN + vlen);
	len = NLMSG_HDRLEN + ALIGN4(sizeof(g)) + ALIGN4(a.nla_len);
	if (cap < len)
		return 0;
	nlh.nlmsg_len = (uint32_t)len;
	nlh.nlmsg_type = (NFNL_SUBSYS_ULOG << 8) | NFULNL_MSG_CONFIG;
	nlh.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	nlh.nlmsg_seq = seq;
	g.nfgen_family = AF_UNSPEC;
	g.version = NFNETLINK_V0;
	g.res_id = (uint16_t)(group >> 8 | group << 8);	/* big endian */
	memset(out, 0, len);
	memcpy(out, &nlh, sizeof(nlh));
	memcpy(out + NLMSG_HDRLEN, &g, sizeof(g));
	memcpy(out + NLMSG_HDRLEN + ALIGN4(sizeof(g)), &a, NLA_HDRLEN);
	memcpy(out + NLMSG_HDRLEN + ALIGN4(sizeof(g)) + NLA_HDRLEN, val, vlen);
	return len;
}

/* One packet message's attributes. 0, or -1 if malformed. */
static int
packet_attrs(const uint8_t *p, size_t len, struct nflog_pkt *k)
{
	memset(k, 0, sizeof(*k));
	while (len >= NLA_HDRLEN) {
		struct nlattr a;
		size_t plen;
		const uint8_t *v = p + NLA_HDRLEN;

		memcpy(&a, p, sizeof(a));
		if (a.nla_len < NLA_HDRLEN || a.nla_len > len)
			return -1;
		plen = a.nla_len - NLA_HDRLEN;
		switch (a.nla_type & NLA_TYPE_MASK) {
		case NFULA_PAYLOAD:
			k->data = v;
			k->len = plen;
			break;
		case NFULA_IFINDEX_INDEV:
			if (plen != 4)
				return -1;
			k->ifindex_in = get32(v);
			break;
		case NFULA_IFINDEX_OUTDEV:
			if (plen != 4)
				return -1;
			k->ifindex_out = get32(v);
			break;
		case NFULA_UID:
			if (plen != 4)
				return -1;
			k->uid = get32(v);
			k->has_uid = 1;
			break;
		case NFULA_GID:
			if (plen != 4)
				return -1;
			k->gid = get32(v);
			k->has_gid = 1;
			break;
		case NFULA_HWADDR:	/* hw_addrlen (2), pad (2), hw_addr (8) */
			if (plen != 12)
				return -1;
			if (get16(v) == 6) {
				memcpy(k->mac, v + 4, 6);
				k->has_mac = 1;
			}
			break;
		}
		if (ALIGN4(a.nla_len) >= len)
			break;
		p += ALIGN4(a.nla_len);
		len -= ALIGN4(a.nla_len);
	}
	return k->data != NULL ? 0 : -1;
}

int
nflog_parse(const uint8_t *buf, size_t len, void (*cb)(void *, const struct nflog_pkt *),
    void *arg, uint64_t *bad, int *err)
{
	int n = 0;

	*err = 0;
	while (len >= NLMSG_HDRLEN) {
		struct nlmsghdr h;
		size_t mlen;

		memcpy(&h, buf, sizeof(h));
		if (h.nlmsg_len < NLMSG_HDRLEN || h.nlmsg_len > len) {
			(*bad)++;
			break;
		}
		mlen = h.nlmsg_len;
		if (h.nlmsg_type == NLMSG_ERROR) {
			struct nlmsgerr e;

			if (mlen >= NLMSG_HDRLEN + sizeof(e)) {
				memcpy(&e, buf + NLMSG_HDRLEN, sizeof(e));
				if (e.error != 0) {
					/* an errno, negated; anything else is not one */
					*err = e.error < 0 && e.error > -4096 ? -e.error : EPROTO;
					return -1;
				}
			}
		} else if (h.nlmsg_type == ((NFNL_SUBSYS_ULOG << 8) | NFULNL_MSG_PACKET)) {
			struct nflog_pkt k;
			size_t off = NLMSG_HDRLEN + ALIGN4(sizeof(struct nfgenmsg));

			if (mlen < off || packet_attrs(buf + off, mlen - off, &k) == -1)
				(*bad)++;
			else {
				cb(arg, &k);
				n++;
			}
		}
		if (ALIGN4(mlen) >= len)
			break;
		buf += ALIGN4(mlen);
		len -= ALIGN4(mlen);
	}
	return n;
}
