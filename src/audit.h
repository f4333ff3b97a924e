/*
 * audit.h: audit events, as the worker hands them to the parent and as the parent writes
 * them to the audit log (docs/audit.md). Pure: records are packed into and parsed from
 * buffers, and formatted as JSON lines into buffers.
 *
 * The worker batches records into one IMSG_AUDIT message per loop turn:
 *   lost (4 bytes: events the worker could not hand over since the last batch), then
 *   records, each: length (2 bytes), then AUDIT_FIXED bytes, iso length (1), iso,
 *   qname length (2), qname. Big endian. The parent parses every byte as hostile.
 */
#ifndef DNSFENCE_AUDIT_H
#define DNSFENCE_AUDIT_H

#include <stddef.h>
#include <stdint.h>

enum audit_event {
	AUDIT_EV_DNS = 1,	/* a UDP query from the queue */
	AUDIT_EV_DNS_TCP,	/* a query on the TCP listener */
	AUDIT_EV_UDP,		/* a UDP packet the ruleset dropped (NFLOG) */
	AUDIT_EV_PROTO,		/* a packet of another protocol the ruleset dropped (NFLOG) */
	AUDIT_EV_HINT,		/* not logged: the parent may look the socket's owner up now */
	AUDIT_EV_MAX = AUDIT_EV_HINT
};

enum audit_action {
	AUDIT_ANSWERED = 1,
	AUDIT_SERVFAIL,
	AUDIT_LOCAL,
	AUDIT_REFUSED,
	AUDIT_DROPPED,
	AUDIT_ACTION_MAX = AUDIT_DROPPED
};

#define AUDIT_F_UID	0x0001
#define AUDIT_F_GID	0x0002
#define AUDIT_F_MAC	0x0004
#define AUDIT_F_INODE	0x0008	/* the sending socket's inode (sock_diag) */
#define AUDIT_F_CLIENT	0x0010	/* another host's packet (gateway, forwarded): client, mac */
#define AUDIT_F_LATENCY	0x0020
#define AUDIT_F_RCODE	0x0040
#define AUDIT_F_QTYPE	0x0080
#define AUDIT_F_PORTS	0x0100	/* src and dst carry ports (UDP, UDP-Lite, TCP, SCTP) */
#define AUDIT_F_ALL	0x01ff

#define AUDIT_ISO_MAX	64	/* an isolation key's name */
#define AUDIT_QNAME_MAX	1024	/* a name in presentation form, escaped (4 * 255 + 1) */
#define AUDIT_FIXED	83
#define AUDIT_REC_MAX	(2 + AUDIT_FIXED + 1 + AUDIT_ISO_MAX + 2 + AUDIT_QNAME_MAX)
#define AUDIT_BATCH_MAX	16384	/* one IMSG_AUDIT payload */

struct audit_rec {
	uint8_t		event, action;
	uint8_t		family;		/* 4 or 6 */
	uint8_t		proto;		/* IP protocol */
	uint16_t	flags;
	uint8_t		rcode;
	uint16_t	qtype;
	uint32_t	uid, gid;
	uint32_t	ifindex;	/* the interface a client's packet came in on */
	uint64_t	inode;
	uint64_t	ts_ms;		/* wall clock, ms since the epoch, at capture */
	uint32_t	latency_us;
	uint8_t		src[16], dst[16];
	uint16_t	sport, dport;
	uint8_t		mac[6];
	uint8_t		isolen;
	char		iso[AUDIT_ISO_MAX];
	uint16_t	qlen;
	char		qname[AUDIT_QNAME_MAX];	/* not NUL-terminated */
};

/* Append r to a batch at out[*off..cap). 0, or -1 if it does not fit (nothing written). */
int	audit_pack(uint8_t *out, size_t cap, size_t *off, const struct audit_rec *);

/*
 * The next record of a batch's record area (after the lost count): 1 with r filled and
 * *p, *left moved on; 0 at the end; -1 if malformed (the rest of the batch is ignored).
 */
int	audit_next(const uint8_t **p, size_t *left, struct audit_rec *);

/* Who sent it, as the parent found out; NULL fields are logged as null. */
struct audit_who {
	int32_t		 pid;		/* -1: unknown */
	const char	*user, *comm, *exe, *cmdline, *unit, *ifname;
};

struct audit_fmt {
	int		hash_names;	/* audit-names no */
	uint8_t		key[16];	/* SipHash key for it */
};

/*
 * One JSON line (docs/audit.md) for r, newline included, NUL-terminated, into out. Returns
 * its length (without the NUL), or 0 if it does not fit. Every string from the record or
 * who is escaped.
 */
size_t	audit_json(char *out, size_t cap, const struct audit_rec *, const struct audit_who *,
	    const struct audit_fmt *);
/* The line that says n lines were lost before it. */
size_t	audit_json_lost(char *out, size_t cap, uint64_t ts_ms, uint64_t n);

const char *audit_qtype_str(uint16_t, char *buf, size_t len);
const char *audit_rcode_str(uint8_t, char *buf, size_t len);
uint64_t audit_siphash(const uint8_t key[16], const void *, size_t);

#endif
