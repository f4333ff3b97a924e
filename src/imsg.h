/*
 * imsg.h: the messages between the privileged parent and the unprivileged worker, over a
 * SOCK_SEQPACKET socketpair (one datagram, one message). Pure: it packs into and parses
 * from buffers. Each side checks every message's type and length before reading its
 * payload, and treats the other side as hostile (OpenBSD's imsg, without the library).
 *
 *   header: type (2 bytes), reserved 0 (2), payload length (4), big endian; then payload.
 */
#ifndef DNSFENCE_IMSG_H
#define DNSFENCE_IMSG_H

#include <stddef.h>
#include <stdint.h>

#include "audit.h"

#define IMSG_HDRLEN	8
#define IMSG_LOG_MAX	1024		/* text of one log line */
#define IMSG_TEXT_MAX	65536		/* a configuration file (CONFIG_MAX_FILE) */
#define IMSG_NOVER_MAX	64		/* --key value pairs */
#define IMSG_WORD_MAX	1024		/* one key or value */
/* The largest message: CONFIG with everything at its bound. */
#define IMSG_MAX	(IMSG_HDRLEN + 4 + IMSG_TEXT_MAX + 2 + \
			    IMSG_NOVER_MAX * 2 * (2 + IMSG_WORD_MAX))

enum imsg_type {
	/* worker -> parent */
	IMSG_LOG = 1,		/* priority (1 byte), then 1..IMSG_LOG_MAX bytes of text */
	IMSG_READY,		/* empty: the worker runs */
	IMSG_AUDIT,		/* lost count (4 bytes), then audit records (audit.h) */
	IMSG_PONG,		/* empty: the answer to PING (the loop turns) */
	IMSG_STATSLINE,		/* 1..IMSG_LOG_MAX bytes: one counters line, for STATSREQ */
	IMSG_STATSEND,		/* empty: the last line of the answer to STATSREQ */
	/* parent -> worker */
	IMSG_CONFIG = 16,	/* a configuration read on SIGHUP; see imsg_config */
	IMSG_STATS,		/* empty: log the counters (SIGUSR1) */
	IMSG_QUIT,		/* empty: exit cleanly (SIGTERM, SIGINT) */
	IMSG_TESTHOOK,		/* empty: test builds only, a forbidden system call */
	IMSG_PING,		/* empty: answer PONG (systemd's watchdog, through the parent) */
	IMSG_STATSREQ,		/* empty: send the counters back (dnsfence --stats) */
};

enum imsg_err {
	IMSG_OK = 0,
	IMSG_ESHORT,		/* shorter than a header */
	IMSG_ELEN,		/* header length disagrees with the datagram */
	IMSG_ETYPE,		/* not a type this side accepts */
	IMSG_EPAYLOAD,		/* payload of the wrong size or shape for its type */
};

/* A parsed message: payload points into the buffer parsed. */
struct imsg {
	uint16_t	 type;
	const uint8_t	*payload;
	size_t		 len;
};

/* A configuration: the file's text (have_text = 0: no file) and the command line's pairs. */
struct imsg_config {
	int		 have_text;
	const uint8_t	*text;
	size_t		 textlen;
	size_t		 nover;
	struct {
		const uint8_t	*key, *val;
		size_t		 klen, vlen;
	} over[IMSG_NOVER_MAX];
};

const char *imsg_strerror(int);

/* Header + payload into out; returns the length, or 0 if it does not fit or is too long. */
size_t	imsg_pack(uint8_t *out, size_t cap, uint16_t type, const void *payload, size_t len);

/* LOG: priority and text (cut to IMSG_LOG_MAX). */
size_t	imsg_pack_log(uint8_t *out, size_t cap, int priority, const char *text);

/* CONFIG from text (NULL: no file) and key/value strings. 0 if beyond a bound. */
size_t	imsg_pack_config(uint8_t *out, size_t cap, const char *text, size_t textlen,
	    char *const *kv, size_t nkv);

/*
 * Check one datagram as received by the parent (from_worker = 1) or by the worker (0):
 * header, length, a type that side accepts, the payload's size for its type.
 */
int	imsg_parse(const uint8_t *buf, size_t len, int from_worker, struct imsg *);

/* LOG payload: priority (0..7) and text; the text may hold any bytes (the reader escapes). */
int	imsg_log(const struct imsg *, int *priority, const uint8_t **text, size_t *textlen);

/* AUDIT payload: the worker's lost count and the records (to walk with audit_next). */
int	imsg_audit(const struct imsg *, uint32_t *lost, const uint8_t **recs, size_t *len);

/* CONFIG payload, every length checked against the payload and the bounds. */
int	imsg_config(const struct imsg *, struct imsg_config *);

#endif
