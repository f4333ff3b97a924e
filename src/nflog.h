/*
 * nflog.h: the NFLOG group the ruleset logs its drops to (dnsfence-firewall --audit). Pure:
 * it builds the configuration messages and parses what the kernel sends; the worker does
 * the socket I/O (daemon.c).
 */
#ifndef DNSFENCE_NFLOG_H
#define DNSFENCE_NFLOG_H

#include <stddef.h>
#include <stdint.h>

#define NFLOG_COPY	256	/* bytes of each packet: its headers, not its data */
#define NFLOG_BUFSZ	65536	/* one read */

struct nflog_pkt {
	const uint8_t	*data;		/* the IP packet, cut to NFLOG_COPY */
	size_t		 len;
	uint32_t	 ifindex_in, ifindex_out;
	uint32_t	 uid, gid;
	int		 has_uid, has_gid;
	uint8_t		 mac[6];
	int		 has_mac;
};

/*
 * The messages that bind group to this socket with no delay: bind, copy NFLOG_COPY bytes of
 * each packet, queue threshold 1, no flush timer. Each into out (cap bytes): its length,
 * or 0 if it does not fit. step 0..NFLOG_STEPS-1, seq the netlink sequence number.
 */
#define NFLOG_STEPS	4
size_t	nflog_config(uint8_t *out, size_t cap, int step, uint16_t group, uint32_t seq);

/*
 * Walk one read's netlink messages: each packet to cb; returns how many, or -1 if the
 * kernel reported an error (*err: its errno). Malformed messages are skipped and counted
 * in *bad.
 */
int	nflog_parse(const uint8_t *buf, size_t len,
	    void (*cb)(void *, const struct nflog_pkt *), void *arg, uint64_t *bad, int *err);

#endif
