/*
 * capture.h: the kernel's packet source, and its drop. Linux: NFQUEUE (capture_nfq.c), replies
 * through a raw socket (inject.c). OpenBSD and FreeBSD: a divert socket (capture_divert.c), the
 * query dropped by not writing it back, the reply written back through the same socket
 * (capture_inject). The rest of the daemon does not know which one runs.
 */
#ifndef DNSFENCE_CAPTURE_H
#define DNSFENCE_CAPTURE_H

#include <stddef.h>
#include <stdint.h>

struct capture;
struct config;

struct capture_pkt {
	const uint8_t	*data;		/* the IP packet */
	size_t		 len;
	uint32_t	 ifindex_in;	/* 0 when unknown (OUTPUT has no in-device) */
	uint32_t	 ifindex_out;
	uint32_t	 uid;		/* owner of the sending socket, if has_uid */
	int		 has_uid;
	uint32_t	 gid;		/* its group, if has_gid */
	int		 has_gid;
	uint8_t		 mac[6];	/* the sender's MAC (packets that came in), if has_mac */
	int		 has_mac;
};

typedef void (*capture_cb)(void *arg, const struct capture_pkt *);

/*
 * Bind the queue (with an ACK: a queue held by another process is an error, not a silent
 * no-op). err gets a message naming the queue. Packets are copied whole; verdicts are DROP.
 */
struct capture *capture_open(uint16_t queue, uint32_t rcvbuf, uint32_t maxlen, uint32_t batch,
	    char *err, size_t errlen);
int	capture_fd(const struct capture *);

/*
 * Read up to batch packets, hand each to cb, then DROP them all with one batch verdict.
 * Returns packets read (0 when none were waiting), or -1 with errno on a socket error.
 * *overruns counts ENOBUFS: the kernel dropped packets because we were slow (fail closed).
 */
int	capture_read(struct capture *, capture_cb, void *arg, uint64_t *overruns);

/* Apply a new queue length and receive buffer without rebinding. */
int	capture_tune(struct capture *, uint32_t rcvbuf, uint32_t maxlen);

void	capture_close(struct capture *);

/* What capture_open's first argument is for this backend: NFQUEUE's queue, the divert port. */
uint16_t capture_point(const struct config *);
/* Its name in messages: "NFQUEUE", "divert port". */
const char *capture_kind(void);
/*
 * The backend's own counters as a "stats NAME: ..." line for SIGUSR1 and --stats, or 0 when
 * it has none beyond the daemon's own (NFQUEUE).
 */
size_t	capture_stats_line(const struct capture *, char *buf, size_t len);

/*
 * Send a built reply (IP + UDP, checksums correct) to the client that asked, through the
 * capture itself. dst is the reply's destination (4 or 16 bytes); forwarded: the client is
 * another host (the reply leaves by ifindex), else a program on this host. 0, or -1 with errno;
 * ENOTSUP: this backend does not inject (NFQUEUE: inject.c does).
 */
int	capture_inject(struct capture *, int family, const uint8_t *pkt, size_t len,
	    const uint8_t *dst, uint32_t ifindex, int forwarded);

#endif
