/*
 * auditp.h: the parent's half of the audit log. It turns the worker's records into JSON
 * lines (docs/audit.md): it finds the process that owns each socket inode in /proc (the
 * worker never reads /proc of other users), caches it, and writes the lines through a
 * bounded buffer, so a full or slow disk costs lines (counted, and reported in the log by
 * a "lost" line), never queries. The file is reopened, or created, on SIGHUP.
 */
#ifndef DNSFENCE_AUDITP_H
#define DNSFENCE_AUDITP_H

#include <sys/types.h>
#include <stddef.h>
#include <stdint.h>

#include "audit.h"
#include "config.h"

#define AUDITP_CMDLINE	256	/* bytes of a command line logged */

struct auditp_proc {
	uint64_t	inode;		/* 0: free */
	pid_t		pid;
	uint64_t	start;		/* start time (/proc/PID/stat field 22): pid + start = one process */
	uint64_t	used_ms;
	char		comm[17];
	char		exe[256];
	char		cmdline[AUDITP_CMDLINE + 1];
	char		unit[128];
};

struct auditp_user {
	uint32_t	uid;
	int		valid;
	uint64_t	at_ms;		/* read then: read again after a minute */
	char		name[64];	/* "" when /etc/passwd does not have it */
};

#define AUDITP_USERS	64

struct auditp {
	int			 on;
	int			 fd;
	int			 dirfd;		/* its directory: the only place it writes */
	char			 path[256];
	const char		*base;		/* the file's name in it */
	char			*buf;		/* lines not written yet */
	size_t			 cap, len;
	int			 failing;	/* the last write failed: retry on the timer */
	uint64_t		 unreported;	/* lines lost, not yet said in the file */
	struct audit_fmt	 fmt;
	struct auditp_proc	*cache;		/* direct-mapped by inode */
	uint32_t		 ncache;
	struct auditp_user	 users[AUDITP_USERS];
	const char		*proc;		/* "/proc" (tests may point elsewhere) */
	uint64_t		 last_sweep_ms;
	/* counters */
	uint64_t		 written;	/* lines written */
	uint64_t		 lost;		/* lines lost (full buffer, worker channel full) */
	uint64_t		 attributed;	/* events with a process */
	uint64_t		 unattributed;	/* local events whose process was gone or unknown */
	uint64_t		 bad;		/* malformed records from the worker */
	uint64_t		 write_errors;
};

/* Allocate and open the log (mode 0600). 0, or -1 with err naming the file. */
int	auditp_open(struct auditp *, const struct config *, const uint8_t key[16], char *err,
	    size_t errlen);
/* SIGHUP: write what is held, then open the path again (a new file if it was moved). */
void	auditp_reopen(struct auditp *);
/* An IMSG_AUDIT batch: the worker's lost count and its records. */
void	auditp_batch(struct auditp *, uint32_t lost, const uint8_t *recs, size_t len,
	    uint64_t now_ms);
/* Write what is held. Returns the ms until the next retry is due, or -1 if none. */
int	auditp_flush(struct auditp *, uint64_t now_ms);
void	auditp_stats(const struct auditp *);

/* The same line into buf (no newline); 0 when the audit log is off. */
size_t	auditp_stats_line(const struct auditp *, char *buf, size_t len);
void	auditp_close(struct auditp *);

#endif
