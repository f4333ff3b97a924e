/* parent.c: the privileged parent's loop. See parent.h. */
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "imsg.h"
#include "log.h"
#include "notify.h"
#include "parent.h"

#define QUIT_WAIT_MS	10000	/* after QUIT, how long the worker may take before SIGKILL */
#define RL_BAD_MS	1000	/* at most one warning about bad messages a second */

static sigset_t
parent_set(void)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGUSR2);
	sigaddset(&set, SIGCHLD);
	return set;
}

void
parent_signals(void)
{
	sigset_t set = parent_set();

	if (sigprocmask(SIG_BLOCK, &set, NULL) == -1)
		fatal("sigprocmask");
}

static uint64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void
send_msg(struct parent *p, const uint8_t *msg, size_t len, const char *what)
{
	if (len == 0 || send(p->fd, msg, len, MSG_NOSIGNAL) != (ssize_t)len)
		log_warn("cannot send %s to the worker", what);
}

static void
send_empty(struct parent *p, uint16_t type, const char *what)
{
	uint8_t msg[IMSG_HDRLEN];

	send_msg(p, msg, imsg_pack(msg, sizeof(msg), type, NULL, 0), what);
}

/* SIGHUP: read the file again, check it whole, and only then hand it to the worker. */
static void
reload(struct parent *p)
{
	static char text[CONFIG_MAX_FILE];
	static uint8_t msg[IMSG_MAX];
	struct config c;
	char err[CONFIG_ERRLEN + 64];
	size_t len;
	int have;

	log_reopen();
	auditp_reopen(p->audit);	/* logrotate moved it: a new file, now */
	if (config_read_file(p->path, p->missing_ok, text, sizeof(text), &len, &have, err,
	    sizeof(err)) == -1 ||
	    config_build(&c, p->path, text, len, have, p->kv, p->nkv, err, sizeof(err)) == -1) {
		log_warnx("reload: %s; keeping the running configuration", err);
		return;
	}
	send_msg(p, msg, imsg_pack_config(msg, sizeof(msg), have ? text : NULL, len, p->kv,
	    p->nkv), "the configuration");
}

/* Print a worker's log line; control characters are escaped (the worker is not trusted). */
static void
log_line(int pri, const uint8_t *text, size_t len)
{
	char buf[4 * IMSG_LOG_MAX + 1];
	size_t o = 0;

	for (size_t i = 0; i < len; i++) {
		uint8_t c = text[i];

		if (c >= 0x20 && c < 0x7f)
			buf[o++] = (char)c;
		else
			o += (size_t)snprintf(buf + o, sizeof(buf) - o, "\\%03o", c);
	}
	buf[o] = '\0';
	log_raw(pri, buf);
}

/* Read every waiting message. Returns -1 when the worker has closed its end. */
static int
read_worker(struct parent *p, uint64_t *next_warn)
{
	static uint8_t buf[IMSG_MAX + 1];

	for (;;) {
		ssize_t n = recv(p->fd, buf, sizeof(buf), MSG_DONTWAIT);
		struct imsg m;
		int e;

		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return 0;
		if (n <= 0)
			return -1;
		if ((e = imsg_parse(buf, (size_t)n, 1, &m)) != IMSG_OK) {
			if (now_ms() >= *next_warn) {
				log_warnx("message from the worker: %s: ignored", imsg_strerror(e));
				*next_warn = now_ms() + RL_BAD_MS;
			}
			continue;
		}
		if (m.type == IMSG_AUDIT) {
			const uint8_t *recs;
			size_t rl;
			uint32_t lost;

			if (imsg_audit(&m, &lost, &recs, &rl) == IMSG_OK)
				auditp_batch(p->audit, lost, recs, rl, now_ms());
		} else if (m.type == IMSG_LOG) {
			const uint8_t *t;
			size_t tl;
			int pri;

			if (imsg_log(&m, &pri, &t, &tl) == IMSG_OK)
				log_line(pri, t, tl);
		} else if (m.type == IMSG_READY) {
			notify_send("READY=1");	/* systemd's Type=notify */
		}
	}
}

static int
exit_status(int st)
{
	if (WIFEXITED(st))
		return WEXITSTATUS(st);
	if (WIFSIGNALED(st)) {
		log_warnx("the worker was killed by signal %d", WTERMSIG(st));
		return 128 + WTERMSIG(st);
	}
	return 1;
}

int
parent_run(struct parent *p)
{
	sigset_t set = parent_set();
	uint64_t quit_at = 0, next_warn = 0;
	int sfd, st;

	if ((sfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK)) == -1)
		fatal("signalfd");
	for (;;) {
		struct pollfd pfd[2] = { { p->fd, POLLIN, 0 }, { sfd, POLLIN, 0 } };
		struct signalfd_siginfo si;
		int timeout = auditp_flush(p->audit, now_ms());
		pid_t w;

		if (quit_at) {
			uint64_t now = now_ms();

			if (now >= quit_at) {
				log_warnx("the worker did not exit %d ms after QUIT: killing it",
				    QUIT_WAIT_MS);
				kill(p->worker, SIGKILL);
				quit_at = 0;
			} else if (timeout == -1 || quit_at - now < (uint64_t)timeout)
				timeout = (int)(quit_at - now);
		}
		if (poll(pfd, 2, timeout) == -1 && errno != EINTR)
			fatal("poll");
		if ((pfd[0].revents & (POLLIN | POLLHUP | POLLERR)) &&
		    read_worker(p, &next_warn) == -1) {
			/* The worker is gone (or closed its end): so are we. */
			if (quit_at == 0)
				log_warnx("the worker closed its channel: exiting");
			auditp_close(p->audit);
			if (waitpid(p->worker, &st, 0) == -1)
				return 1;
			return exit_status(st);
		}
		while (read(sfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
			switch (si.ssi_signo) {
			case SIGTERM:
			case SIGINT:
				if (quit_at == 0) {
					send_empty(p, IMSG_QUIT, "QUIT");
					quit_at = now_ms() + QUIT_WAIT_MS;
				}
				break;
			case SIGHUP:
				reload(p);
				break;
			case SIGUSR1:
				send_empty(p, IMSG_STATS, "STATS");
				auditp_stats(p->audit);
				break;
#ifdef DNSFENCE_TEST_HOOKS
			case SIGUSR2:
				send_empty(p, IMSG_TESTHOOK, "TESTHOOK");
				break;
#endif
			case SIGCHLD:
				break;
			}
		}
		/* The worker died without closing cleanly (killed): collect it and go. */
		if ((w = waitpid(p->worker, &st, WNOHANG)) == p->worker) {
			(void)read_worker(p, &next_warn);	/* its last lines */
			auditp_close(p->audit);
			return exit_status(st);
		}
	}
}
