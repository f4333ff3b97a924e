/*
 * audit_none.c: auditp.h and auditw.h where the audit log cannot be built (OpenBSD,
 * FreeBSD): it names processes from sock_diag and /proc and logs what the ruleset refused
 * through NFLOG, none of which these systems have. config.c refuses "audit-log" there with
 * the file and line; auditp_open refuses it again should it get this far. The rest does
 * nothing: with no audit log, no record is ever staged.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "auditp.h"
#include "auditw.h"

int
auditp_open(struct auditp *a, const struct config *cfg, const uint8_t key[16], char *err,
    size_t errlen)
{
	(void)key;
	memset(a, 0, sizeof(*a));
	a->fd = -1;
	a->dirfd = -1;
	if (cfg->audit_log[0] == '\0')
		return 0;
	snprintf(err, errlen, "audit-log %s: not available on this system (it needs NFLOG, "
	    "sock_diag and /proc: Linux)", cfg->audit_log);
	return -1;
}

void
auditp_reopen(struct auditp *a)
{
	(void)a;
}

void
auditp_batch(struct auditp *a, uint32_t lost, const uint8_t *recs, size_t len,
    uint64_t now_ms)
{
	(void)recs;
	(void)len;
	(void)now_ms;
	a->bad++;	/* the worker stages nothing here: a batch is not ours */
	a->lost += lost;
}

int
auditp_flush(struct auditp *a, uint64_t now_ms)
{
	(void)a;
	(void)now_ms;
	return -1;
}

void
auditp_stats(const struct auditp *a)
{
	(void)a;
}

size_t
auditp_stats_line(const struct auditp *a, char *buf, size_t len)
{
	(void)a;
	if (len > 0)
		buf[0] = '\0';
	return 0;
}

void
auditp_close(struct auditp *a)
{
	memset(a, 0, sizeof(*a));
	a->fd = -1;
	a->dirfd = -1;
}

int
auditw_open(struct auditw *a, int on, uint16_t group, char *err, size_t errlen)
{
	memset(a, 0, sizeof(*a));
	a->nflog_fd = -1;
	a->chan = -1;
	a->group = group;
	if (!on)
		return 0;
	snprintf(err, errlen, "audit-log: not available on this system (NFLOG group %u: Linux)",
	    group);
	return -1;
}

void
auditw_close(struct auditw *a)
{
	a->on = 0;
}

struct auditw_stage *
auditw_stage(struct auditw *a, struct sockdiag *sd)
{
	(void)a;
	(void)sd;
	return NULL;
}

void
auditw_flush(struct auditw *a, struct sockdiag *sd)
{
	(void)a;
	(void)sd;
}

int
auditw_nflog_read(struct auditw *a, struct sockdiag *sd, uint64_t now_real_ms)
{
	(void)a;
	(void)sd;
	(void)now_real_ms;
	return 0;
}

uint64_t
auditw_realtime_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}
