/*
 * auditw.h: the worker's half of the audit log. It stages one record per event (a query's
 * outcome, a packet the ruleset logged to NFLOG), finds the sending socket with sock_diag
 * once the loop turn's upstream writes are out (answering never waits for it), and hands
 * the parent one IMSG_AUDIT batch per turn, without ever blocking: what the parent cannot
 * take is counted as lost and reported in the next batch.
 */
#ifndef DNSFENCE_AUDITW_H
#define DNSFENCE_AUDITW_H

#include <stddef.h>
#include <stdint.h>

#include "audit.h"
#include "nflog.h"
#include "pending.h"
#include "sockdiag.h"

#define AUDITW_STAGE	256	/* records staged per turn; a full stage is sent at once */

struct auditw_stage {
	struct audit_rec	 r;
	struct pending		*p;		/* a hint: the query still pending, or NULL */
	uint32_t		 seq;		/* p's audit_seq when staged */
	int			 need_diag;	/* find the socket from r's addresses */
};

struct auditw {
	int			 on;
	int			 chan;		/* the channel to the parent */
	int			 nflog_fd;	/* -1 when not bound */
	uint16_t		 group;
	uint8_t			*nlbuf;		/* NFLOG_BUFSZ */
	struct auditw_stage	*stage;		/* AUDITW_STAGE */
	size_t			 nstage;
	uint8_t			 batch[4 + AUDIT_BATCH_MAX];
	uint32_t		 unreported;	/* lost, not yet told to the parent */
	uint32_t		 seq;		/* last query number given */
	/* counters */
	uint64_t		 events;	/* records handed to the parent */
	uint64_t		 lost;		/* records the parent's channel could not take */
	uint64_t		 no_socket;	/* sock_diag found no socket: the sender was gone */
	uint64_t		 nflog_packets;	/* packets the ruleset logged */
	uint64_t		 nflog_bad;	/* malformed NFLOG messages */
	uint64_t		 nflog_overruns;	/* the kernel dropped NFLOG messages: we were slow */
};

/*
 * With an audit log configured: bind the NFLOG group (before privileges are dropped).
 * 0, or -1 with err naming the group.
 */
int	auditw_open(struct auditw *, int on, uint16_t group, char *err, size_t errlen);
void	auditw_close(struct auditw *);

/* A new record to fill (zeroed), or NULL when auditing is off. Staged when returned. */
struct auditw_stage *auditw_stage(struct auditw *, struct sockdiag *);

/* Find sockets, send the batch. Called once per loop turn, after the upstream flush. */
void	auditw_flush(struct auditw *, struct sockdiag *);

/* Read what NFLOG has: each packet becomes a record. Returns packets read. */
int	auditw_nflog_read(struct auditw *, struct sockdiag *, uint64_t now_real_ms);

uint64_t auditw_realtime_ms(void);

#endif
