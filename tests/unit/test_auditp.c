/*
 * test_auditp: the parent's /proc lookups against a fake /proc tree (auditp's proc field):
 * a live process is named in full; an exiting one (exe and cmdline gone, sockets still
 * held) is completed from an earlier lookup of the same pid and start time, never of
 * another process that reused the pid.
 */
#include <sys/stat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "auditp.h"
#include "config.h"

#define T_SUITE "auditp"
#include "t.h"

static char root[64];

static void
put(const char *rel, const char *text, size_t len)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	if ((f = fopen(path, "w")) == NULL)
		abort();
	fwrite(text, 1, len, f);
	fclose(f);
}

/* /proc/PID with one socket inode on fd 3; exe and cmdline only when alive. */
static void
fake_proc(int pid, unsigned long long start, uint64_t inode, int alive)
{
	char d[128], l[256], stat[256];

	snprintf(d, sizeof(d), "%s/%d", root, pid);
	mkdir(d, 0755);
	snprintf(l, sizeof(l), "%s/fd", d);
	mkdir(l, 0755);
	snprintf(l, sizeof(l), "%s/fd/3", d);
	unlink(l);
	snprintf(stat, sizeof(stat), "socket:[%llu]", (unsigned long long)inode);
	if (symlink(stat, l) != 0)
		abort();
	snprintf(l, sizeof(l), "%d/comm", pid);
	put(l, "getent\n", 7);
	/* a comm with a space and a ')' must not shift the fields */
	snprintf(stat, sizeof(stat), "%d (get ent)) S 1 %d %d 0 -1 4194560 1 2 3 4 5 6 7 8 20 0 1 0 "
	    "%llu 100 200\n", pid, pid, pid, start);
	snprintf(l, sizeof(l), "%d/stat", pid);
	put(l, stat, strlen(stat));
	snprintf(l, sizeof(l), "%d/cmdline", pid);
	put(l, alive ? "getent\0hosts\0x.test\0" : "", alive ? 20 : 0);
	snprintf(l, sizeof(l), "%s/exe", d);
	unlink(l);
	if (alive && symlink("/usr/bin/getent", l) != 0)
		abort();
	snprintf(l, sizeof(l), "%d/cgroup", pid);
	put(l, "0::/user.slice/session-1.scope\n", 31);
}

static void
rm_proc(int pid)
{
	char cmd[600];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s/%d'", root, pid);
	if (system(cmd) != 0)
		abort();
}

static struct auditp A;

static void
open_auditp(void)
{
	struct config cfg;
	uint8_t key[16] = { 0 };
	char err[256];

	config_defaults(&cfg);
	snprintf(cfg.audit_log, sizeof(cfg.audit_log), "%s/audit.log", root);
	if (auditp_open(&A, &cfg, key, err, sizeof(err)) != 0) {
		printf("# %s\n", err);
		abort();
	}
	A.proc = root;
}

/* Log one query from socket inode; return the line it made. */
static const char *
logged(uint64_t inode)
{
	static char line[16384];
	uint8_t batch[1024];
	size_t off = 0, before = A.len;
	struct audit_rec r;

	memset(&r, 0, sizeof(r));
	r.event = AUDIT_EV_DNS;
	r.action = 1;
	r.family = 4;
	r.proto = 17;
	r.flags = AUDIT_F_INODE;
	r.inode = inode;
	r.ts_ms = 1;
	memcpy(r.qname, "x.test", 6);
	r.qlen = 6;
	if (audit_pack(batch, sizeof(batch), &off, &r) != 0)
		abort();
	auditp_batch(&A, 0, batch, off, 1000);
	if (A.len <= before || A.len - before >= sizeof(line))
		return "";
	memcpy(line, A.buf + before, A.len - before);
	line[A.len - before] = '\0';
	return line;
}

static void
live_process_named(void)
{
	const char *l;

	fake_proc(4100, 5000, 900, 1);
	l = logged(900);
	CHECK(strstr(l, "\"pid\":4100") != NULL);
	CHECK(strstr(l, "\"exe\":\"/usr/bin/getent\"") != NULL);
	CHECK(strstr(l, "\"cmdline\":\"getent hosts x.test\"") != NULL);
	CHECK(strstr(l, "\"unit\":\"session-1.scope\"") != NULL);
}

static void
exiting_process_completed(void)
{
	const char *l;

	/* same process (pid 4100, start 5000), a second socket, memory already gone */
	fake_proc(4100, 5000, 901, 0);
	l = logged(901);
	CHECK(strstr(l, "\"pid\":4100") != NULL);
	CHECK(strstr(l, "\"exe\":\"/usr/bin/getent\"") != NULL);
	CHECK(strstr(l, "\"cmdline\":\"getent hosts x.test\"") != NULL);
}

static void
reused_pid_not_completed(void)
{
	const char *l;

	/* pid 4100 again, another process (start 7000), exiting: nothing borrowed */
	rm_proc(4100);
	fake_proc(4100, 7000, 902, 0);
	l = logged(902);
	CHECK(strstr(l, "\"pid\":4100") != NULL);
	CHECK(strstr(l, "\"comm\":\"getent\"") != NULL);
	CHECK(strstr(l, "\"exe\":null") != NULL);
	CHECK(strstr(l, "\"cmdline\":null") != NULL);
}

static void
gone_process_unattributed(void)
{
	const char *l;

	rm_proc(4100);
	l = logged(903);
	CHECK(strstr(l, "\"pid\":null") != NULL);
	CHECK(A.unattributed >= 1);
}

int
main(void)
{
	char cmd[300];
	int rc;

	snprintf(root, sizeof(root), "/tmp/test_auditp.XXXXXX");
	if (mkdtemp(root) == NULL)
		return 2;
	open_auditp();
	RUN(live_process_named);
	RUN(exiting_process_completed);
	RUN(reused_pid_not_completed);
	RUN(gone_process_unattributed);
	rc = T_DONE();
	auditp_close(&A);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	if (system(cmd) != 0)
		rc = 1;
	return rc;
}
