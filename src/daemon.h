/*
 * daemon.h: one capture queue's context and the path of a query through it. Everything a
 * queue needs lives here: no global mutable state, so one thread per queue is possible.
 */
#ifndef DNSFENCE_DAEMON_H
#define DNSFENCE_DAEMON_H

#include <stdint.h>

#include "addrtab.h"
#include "cache.h"
#include "auditw.h"
#include "capture.h"
#include "config.h"
#include "inject.h"
#include "packet.h"
#include "pending.h"
#include "policy.h"
#include "reply.h"
#include "resolve.h"
#include "rnd.h"
#include "rtnl.h"
#include "stats.h"
#include "tcpserve.h"
#include "upstream.h"

struct ratelimit {
	uint64_t	next_ms;
	uint64_t	suppressed;
};

struct daemon {
	struct config		 cfg;
	int			 imsg_fd;	/* the channel to the parent, or -1 */
	struct capture		*cap;
	struct inject		 inj;
	struct upstream		 up;
	struct tcpserve		 ts;
	struct resolve		 res;		/* one-shot Tor RESOLVE connections */
	struct policy		 pol;
	struct pending_table	 pend;
	struct addrtab		 addrs;		/* the host's addresses, kept by rtnl */
	struct rtnl		 rtnl;
	struct sockdiag		 diag;		/* socket owners: SOCKS port, TCP clients */
	struct socks_owner	 owner;		/* socks-owner, resolved at start */
	struct stats		 st;
	struct auditw		 aw;		/* the audit log's worker half */
	struct cache		 cache;		/* answers, per isolation domain */
	int			 cache_on;
	struct race_due {
		uint32_t	idx, gen;	/* the pending entry, if it is still that query */
		uint64_t	at_ms;
	}			*race;		/* ring, in send order: due times only grow */
	uint32_t		 race_cap, race_head, race_n;
	uint32_t		 race_tokens;	/* budget: race-max per query sent, 100 per race */
	struct rnd		 rnd;
	int			 loop;
	int			 sigfd;
	int			 quit;
	int			 reloading;	/* connections closed by a reload: no retry used */
	uint64_t		 overruns;	/* kernel dropped: our socket buffer was full */
	struct ratelimit	 rl_bad, rl_answer, rl_inject, rl_capture, rl_policy, rl_spoof;
	uint8_t			 pkt[REPLY_BUFLEN];	/* reply being built */
	uint8_t			 qbuf[DNS_MAXMSG];	/* query as sent upstream (sanitized) */
	uint8_t			 filt[DNS_MAXMSG];	/* answer rebuilt without private addresses */
	char			 secret[33];	/* SOCKS password of isolated keys, per run */
};

/* Open the queue, raw sockets, the event loop, signals. Errors are fatal, with a clear message. */
void	daemon_open(struct daemon *, const struct config *);
/* The worker: its channel to the parent (configuration, signals as messages; EOF = exit). */
void	daemon_attach(struct daemon *, int imsg_fd);
int	daemon_run(struct daemon *);
void	daemon_close(struct daemon *);
/* The parent after fork: close its copies of everything the worker uses, touching nothing. */
void	daemon_forget(struct daemon *);

uint64_t daemon_now_ms(void);

#endif
