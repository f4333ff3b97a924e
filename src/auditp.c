/* auditp.c: the parent's half of the audit log. See auditp.h and docs/audit.md. */
#include <sys/stat.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <net/if.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <string.h>
#include <unistd.h>

#include "auditp.h"
#include "log.h"

#define RETRY_MS	1000	/* a failed write is tried again this often */
#define SWEEP_MS	10000	/* cached processes that exited are forgotten this often */
#define USER_TTL_MS	60000	/* a user name is read from /etc/passwd again after this */
#define LINE_MAX_	(16 * 1024)	/* one JSON line at its longest: every field escaped */

/* The log file in the directory opened at start (the parent may open nothing else to write). */
static int
open_log(int dirfd, const char *base)
{
	int fd = openat(dirfd, base, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	struct stat st;

	if (fd == -1)
		return -1;
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		close(fd);
		errno = EINVAL;
		return -1;
	}
	/* an existing file keeps no looser mode than ours: it holds who asked what */
	if ((st.st_mode & 077) != 0 && fchmod(fd, st.st_mode & 0700) == -1) {
		close(fd);
		return -1;
	}
	return fd;
}

int
auditp_open(struct auditp *a, const struct config *cfg, const uint8_t key[16], char *err,
    size_t errlen)
{
	memset(a, 0, sizeof(*a));
	a->fd = -1;
	a->dirfd = -1;
	if (cfg->audit_log[0] == '\0')
		return 0;
	a->on = 1;
	a->proc = "/proc";
	snprintf(a->path, sizeof(a->path), "%s", cfg->audit_log);
	a->cap = cfg->audit_buffer;
	a->ncache = cfg->audit_cache;
	a->fmt.hash_names = !cfg->audit_names;
	memcpy(a->fmt.key, key, sizeof(a->fmt.key));
	if ((a->buf = malloc(a->cap)) == NULL ||
	    (a->cache = calloc(a->ncache, sizeof(*a->cache))) == NULL) {
		snprintf(err, errlen, "audit-log: out of memory");
		return -1;
	}
	{
		char dir[sizeof(a->path)], *slash;

		memcpy(dir, a->path, sizeof(dir));
		slash = strrchr(dir, '/');	/* config.c: an absolute path */
		if (slash == NULL || slash[1] == '\0') {
			snprintf(err, errlen, "audit-log %s: not a file name", a->path);
			return -1;
		}
		a->base = a->path + (slash + 1 - dir);
		*(slash == dir ? slash + 1 : slash) = '\0';
		if ((a->dirfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC)) == -1) {
			snprintf(err, errlen, "audit-log %s: directory %s: %s (create it, owned by "
			    "root, mode 0750)", a->path, dir, strerror(errno));
			return -1;
		}
	}
	if ((a->fd = open_log(a->dirfd, a->base)) == -1) {
		snprintf(err, errlen, "audit-log %s: %s (the directory must exist; the file is "
		    "created with mode 0600)", a->path, strerror(errno));
		return -1;
	}
	return 0;
}

void
auditp_close(struct auditp *a)
{
	if (a->on)
		(void)auditp_flush(a, 0);
	if (a->fd != -1)
		close(a->fd);
	if (a->dirfd != -1)
		close(a->dirfd);
	free(a->buf);
	free(a->cache);
	memset(a, 0, sizeof(*a));
	a->fd = -1;
	a->dirfd = -1;
}

void
auditp_reopen(struct auditp *a)
{
	int fd;

	if (!a->on)
		return;
	(void)auditp_flush(a, 0);	/* what was logged before goes to the old file */
	if ((fd = open_log(a->dirfd, a->base)) == -1) {
		log_warn("audit-log %s: cannot open it again; still writing to the old file",
		    a->path);
		return;
	}
	close(a->fd);
	a->fd = fd;
	a->failing = 0;
	log_info("audit-log %s: reopened", a->path);
}

/* Append one line to the buffer; a line that does not fit is lost, and counted. */
static void
hold(struct auditp *a, const char *line, size_t n)
{
	if (n == 0 || a->cap - a->len < n) {
		a->lost++;
		a->unreported++;
		return;
	}
	memcpy(a->buf + a->len, line, n);
	a->len += n;
	a->written++;
}

/* Write the buffer out. 0 when empty, -1 when a write failed (the rest is kept). */
static int
write_all(struct auditp *a)
{
	size_t off = 0;

	while (off < a->len) {
		ssize_t w = write(a->fd, a->buf + off, a->len - off);

		if (w == -1 && errno == EINTR)
			continue;
		if (w <= 0) {
			if (!a->failing)
				log_warn("audit-log %s: write failed; holding lines (audit-buffer "
				    "%zu bytes), beyond that they are lost and counted", a->path,
				    a->cap);
			a->failing = 1;
			a->write_errors++;
			memmove(a->buf, a->buf + off, a->len - off);
			a->len -= off;
			return -1;
		}
		off += (size_t)w;
	}
	a->len = 0;
	if (a->failing) {
		log_info("audit-log %s: writing again", a->path);
		a->failing = 0;
	}
	return 0;
}

int
auditp_flush(struct auditp *a, uint64_t now)
{
	(void)now;
	if (!a->on || a->len + a->unreported == 0)
		return -1;
	if (write_all(a) == -1)
		return RETRY_MS;
	if (a->unreported > 0) {
		/* everything held is out: now say how many lines are missing before this */
		struct timespec ts;
		size_t n;

		clock_gettime(CLOCK_REALTIME, &ts);
		n = audit_json_lost(a->buf, a->cap, (uint64_t)ts.tv_sec * 1000u +
		    (uint64_t)ts.tv_nsec / 1000000u, a->unreported);
		a->len = n;
		a->unreported = 0;
		if (write_all(a) == -1)
			return RETRY_MS;
	}
	return -1;
}

/* ---- who owns a socket: /proc ---- */

static int
read_small(int dirfd, const char *path, char *buf, size_t cap)
{
	int fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC);
	ssize_t n;
	size_t got = 0;

	if (fd == -1)
		return -1;
	while (got + 1 < cap && (n = read(fd, buf + got, cap - 1 - got)) > 0)
		got += (size_t)n;
	close(fd);
	buf[got] = '\0';
	return (int)got;
}

/* Does process dir (its /proc/PID fd) hold socket inode? */
static int
holds(int piddir, uint64_t inode)
{
	char want[40], link[64];
	int fdd = openat(piddir, "fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *dir;
	struct dirent *e;
	int found = 0;

	if (fdd == -1 || (dir = fdopendir(fdd)) == NULL) {
		if (fdd != -1)
			close(fdd);
		return 0;
	}
	snprintf(want, sizeof(want), "socket:[%" PRIu64 "]", inode);
	while (!found && (e = readdir(dir)) != NULL) {
		ssize_t n;

		if (e->d_name[0] == '.')
			continue;
		if ((n = readlinkat(dirfd(dir), e->d_name, link, sizeof(link) - 1)) <= 0)
			continue;
		link[n] = '\0';
		found = strcmp(link, want) == 0;
	}
	closedir(dir);
	return found;
}

/* Field 22 of /proc/PID/stat, the start time in clock ticks since boot; 0 when unreadable. */
static uint64_t
start_time(int piddir)
{
	char buf[1024], *p;
	int field = 2;

	if (read_small(piddir, "stat", buf, sizeof(buf)) <= 0 || (p = strrchr(buf, ')')) == NULL)
		return 0;
	/* after the comm's ')': field 3 onwards, separated by single spaces */
	for (p++; *p != '\0' && field < 22; p++)
		if (*p == ' ')
			field++;
	return field == 22 ? strtoull(p, NULL, 10) : 0;
}

static void
fill(struct auditp_proc *p, int piddir)
{
	char buf[4096];
	int n;
	ssize_t l;

	p->start = start_time(piddir);

	if ((n = read_small(piddir, "comm", p->comm, sizeof(p->comm))) > 0 &&
	    p->comm[n - 1] == '\n')
		p->comm[n - 1] = '\0';
	if ((l = readlinkat(piddir, "exe", p->exe, sizeof(p->exe) - 1)) > 0)
		p->exe[l] = '\0';
	else
		p->exe[0] = '\0';
	if ((n = read_small(piddir, "cmdline", p->cmdline, sizeof(p->cmdline))) > 0) {
		while (n > 0 && p->cmdline[n - 1] == '\0')
			n--;
		for (int i = 0; i < n; i++)
			if (p->cmdline[i] == '\0')
				p->cmdline[i] = ' ';
		p->cmdline[n] = '\0';
	}
	/* the unit or container: the last element of the unified (0::) cgroup path */
	p->unit[0] = '\0';
	if (read_small(piddir, "cgroup", buf, sizeof(buf)) > 0) {
		char *line = strstr(buf, "0::/");

		if (line != NULL && (line == buf || line[-1] == '\n')) {
			char *end = strchr(line, '\n'), *last;

			if (end != NULL)
				*end = '\0';
			last = strrchr(line, '/');
			if (last != NULL && last[1] != '\0')
				snprintf(p->unit, sizeof(p->unit), "%s", last + 1);
		}
	}
}

static int
pid_desc(const void *x, const void *y)
{
	pid_t a = *(const pid_t *)x, b = *(const pid_t *)y;

	return a < b ? 1 : a > b ? -1 : 0;
}

/*
 * Walk /proc for the process holding inode (only those of uid, when known), newest pid
 * first: the sender is most often a process that just started (dig, getent), and it may
 * exit as soon as it has its answer.
 */
static int
lookup(struct auditp *a, uint64_t inode, int has_uid, uint32_t uid, struct auditp_proc *out)
{
	DIR *proc = opendir(a->proc);
	struct dirent *e;
	pid_t *pids = NULL;
	size_t n = 0, cap = 0;
	int found = 0;

	if (proc == NULL)
		return 0;
	while ((e = readdir(proc)) != NULL) {
		char *end;
		long v;

		if (e->d_name[0] < '1' || e->d_name[0] > '9')
			continue;
		v = strtol(e->d_name, &end, 10);
		if (*end != '\0' || v <= 0 || v > INT32_MAX)
			continue;
		if (n == cap) {
			size_t ncap = cap ? 2 * cap : 256;
			pid_t *np = ncap <= (1u << 22) ? realloc(pids, ncap * sizeof(*pids)) : NULL;

			if (np == NULL)
				break;
			pids = np;
			cap = ncap;
		}
		pids[n++] = (pid_t)v;
	}
	if (n > 0)
		qsort(pids, n, sizeof(*pids), pid_desc);
	/* owner and fds looked at newest first, and only until found */
	for (size_t i = 0; i < n && !found; i++) {
		char name[16];
		struct stat st;
		int piddir;

		snprintf(name, sizeof(name), "%d", (int)pids[i]);
		if ((piddir = openat(dirfd(proc), name, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
			continue;
		if ((!has_uid || (fstat(piddir, &st) == 0 && st.st_uid == uid)) &&
		    holds(piddir, inode)) {
			memset(out, 0, sizeof(*out));
			out->inode = inode;
			out->pid = pids[i];
			fill(out, piddir);
			found = 1;
		}
		close(piddir);
	}
	free(pids);
	closedir(proc);
	return found;
}

/*
 * A process that is exiting has released its memory before its sockets: its exe and
 * cmdline read empty while it still holds the socket. If the same process (same pid and
 * start time) was looked up before, through another of its sockets, take them from there.
 */
static void
complete(const struct auditp *a, struct auditp_proc *p)
{
	if ((p->exe[0] != '\0' && p->cmdline[0] != '\0') || p->start == 0)
		return;
	for (uint32_t i = 0; i < a->ncache; i++) {
		const struct auditp_proc *c = &a->cache[i];

		if (c->inode == 0 || c->pid != p->pid || c->start != p->start)
			continue;
		if (p->exe[0] == '\0')
			memcpy(p->exe, c->exe, sizeof(p->exe));
		if (p->cmdline[0] == '\0')
			memcpy(p->cmdline, c->cmdline, sizeof(p->cmdline));
		if (p->unit[0] == '\0')
			memcpy(p->unit, c->unit, sizeof(p->unit));
		return;
	}
}

static const struct auditp_proc *
owner(struct auditp *a, const struct audit_rec *r, uint64_t now)
{
	struct auditp_proc *slot, found;

	if (!(r->flags & AUDIT_F_INODE) || r->inode == 0 || a->ncache == 0)
		return NULL;
	slot = &a->cache[r->inode % a->ncache];
	if (slot->inode == r->inode) {
		slot->used_ms = now;
		return slot;
	}
	if (!lookup(a, r->inode, (r->flags & AUDIT_F_UID) != 0, r->uid, &found))
		return NULL;
	complete(a, &found);
	found.used_ms = now;
	*slot = found;		/* evicts whatever shared the slot */
	return slot;
}

/* Forget processes that exited and were not asked about for a while. */
static void
sweep(struct auditp *a, uint64_t now)
{
	if (now - a->last_sweep_ms < SWEEP_MS)
		return;
	a->last_sweep_ms = now;
	for (uint32_t i = 0; i < a->ncache; i++) {
		struct auditp_proc *p = &a->cache[i];

		if (p->inode != 0 && now - p->used_ms >= SWEEP_MS && kill(p->pid, 0) == -1 &&
		    errno == ESRCH)
			p->inode = 0;
	}
}

/* The user name of uid from /etc/passwd (no NSS modules in a seccomp-filtered process). */
static const char *
user_name(struct auditp *a, uint32_t uid, uint64_t now)
{
	struct auditp_user *u = &a->users[uid % AUDITP_USERS];
	struct passwd *pw;
	FILE *f;

	if (u->valid && u->uid == uid && now - u->at_ms < USER_TTL_MS)
		return u->name[0] ? u->name : NULL;
	u->valid = 1;
	u->uid = uid;
	u->at_ms = now;
	u->name[0] = '\0';
	if ((f = fopen("/etc/passwd", "re")) == NULL)
		return NULL;
	while ((pw = fgetpwent(f)) != NULL)
		if (pw->pw_uid == uid) {
			snprintf(u->name, sizeof(u->name), "%s", pw->pw_name);
			break;
		}
	fclose(f);
	return u->name[0] ? u->name : NULL;
}

void
auditp_batch(struct auditp *a, uint32_t lost, const uint8_t *recs, size_t len, uint64_t now)
{
	struct audit_rec r;
	int rc;

	if (!a->on)
		return;
	if (lost > 0) {		/* the worker could not hand these over */
		a->lost += lost;
		a->unreported += lost;
	}
	sweep(a, now);
	while ((rc = audit_next(&recs, &len, &r)) == 1) {
		const struct auditp_proc *p = owner(a, &r, now);
		struct audit_who w = { -1, NULL, NULL, NULL, NULL, NULL, NULL };
		char line[LINE_MAX_], ifname[IF_NAMESIZE];

		if (r.event == AUDIT_EV_HINT)
			continue;	/* looked up now, while the sender waits; logged later */
		if (p != NULL) {
			w.pid = p->pid;
			w.comm = p->comm[0] ? p->comm : NULL;
			w.exe = p->exe[0] ? p->exe : NULL;
			/* a command line often names what it asks for: not with audit-names no */
			w.cmdline = p->cmdline[0] && !a->fmt.hash_names ? p->cmdline : NULL;
			w.unit = p->unit[0] ? p->unit : NULL;
			a->attributed++;
		} else if (!(r.flags & AUDIT_F_CLIENT))
			a->unattributed++;
		if (r.flags & AUDIT_F_UID)
			w.user = user_name(a, r.uid, now);
		if ((r.flags & AUDIT_F_CLIENT) && r.ifindex != 0 &&
		    if_indextoname(r.ifindex, ifname) != NULL)
			w.ifname = ifname;
		hold(a, line, audit_json(line, sizeof(line), &r, &w, &a->fmt));
	}
	if (rc == -1)
		a->bad++;
}

size_t
auditp_stats_line(const struct auditp *a, char *buf, size_t len)
{
	uint32_t cached = 0;
	int n;

	if (!a->on || len == 0)
		return 0;
	for (uint32_t i = 0; i < a->ncache; i++)
		cached += a->cache[i].inode != 0;
	n = snprintf(buf, len, "stats audit-log: written=%" PRIu64 " lost=%" PRIu64
	    " attributed=%" PRIu64 " unattributed=%" PRIu64 " bad=%" PRIu64 " write_errors=%"
	    PRIu64 " held=%zu cached=%u/%u", a->written, a->lost, a->attributed,
	    a->unattributed, a->bad, a->write_errors, a->len, cached, a->ncache);
	return n < 0 ? 0 : (size_t)n >= len ? len - 1 : (size_t)n;
}

void
auditp_stats(const struct auditp *a)
{
	char line[512];

	if (auditp_stats_line(a, line, sizeof(line)) > 0)
		log_info("%s", line);
}
