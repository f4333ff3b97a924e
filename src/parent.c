/* parent.c: the privileged parent's loop. See parent.h. */
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <errno.h>
#include <inttypes.h>
#include <stddef.h>
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
#include "evl.h"
#include "imsg.h"
#include "log.h"
#include "notify.h"
#include "parent.h"
#include "plat.h"

#define QUIT_WAIT_MS	10000	/* after QUIT, how long the worker may take before SIGKILL */
#define RL_BAD_MS	1000	/* at most one warning about bad messages a second */
#define CTL_CLIENTS	4	/* dnsfence --stats callers waiting at once; more are told busy */
#define CTL_WAIT_MS	2000	/* how long the worker may take to send its counters */
#define CTL_TEXT	16384	/* the answer: about 20 lines of at most IMSG_LOG_MAX */

/* The control socket's state (callers waiting for the counters), and the watchdog's. */
struct ctl {
	int		 fd[CTL_CLIENTS];
	int		 n;
	uint64_t	 deadline;	/* 0: no request to the worker outstanding */
	char		 text[CTL_TEXT];
	size_t		 len;
	uint64_t	 refused, busy, timeouts;
	int		 ping_out;	/* a PING the worker has not answered yet */
};

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

/* A worker's text with control characters escaped (the worker is not trusted). */
static size_t
escape(char *buf, size_t cap, const uint8_t *text, size_t len)
{
	size_t o = 0;

	for (size_t i = 0; i < len && o + 5 < cap; i++) {
		uint8_t c = text[i];

		if (c >= 0x20 && c < 0x7f)
			buf[o++] = (char)c;
		else
			o += (size_t)snprintf(buf + o, cap - o, "\\%03o", c);
	}
	buf[o] = '\0';
	return o;
}

static void
log_line(int pri, const uint8_t *text, size_t len)
{
	char buf[4 * IMSG_LOG_MAX + 1];

	escape(buf, sizeof(buf), text, len);
	log_raw(pri, buf);
}

int
parent_control_open(const char *name)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	size_t len = strlen(name);
	int fd;

	if (name[0] != '@' || len < 2 || len > sizeof(sun.sun_path)) {
		log_warnx("control-socket %s: not @NAME: no control socket", name);
		return -1;
	}
	memcpy(sun.sun_path + 1, name + 1, len - 1);	/* abstract: a leading NUL */
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0)) == -1) {
		log_warn("control-socket %s: socket", name);
		return -1;
	}
	if (bind(fd, (struct sockaddr *)&sun, (socklen_t)(offsetof(struct sockaddr_un,
	    sun_path) + len)) == -1 || listen(fd, CTL_CLIENTS) == -1) {
		/* another dnsfence in this network namespace, or someone squatting the name */
		log_warn("control-socket %s: bind%s: running without it (dnsfence --stats will not "
		    "reach this daemon)", name, errno == EADDRINUSE ? " (the name is taken)" : "");
		close(fd);
		return -1;
	}
	return fd;
}

static void
ctl_write(int fd, const char *text, size_t len)
{
	/* a caller that does not read is not waited for: what fits goes, then it is closed */
	(void)send(fd, text, len, MSG_DONTWAIT | MSG_NOSIGNAL);
	close(fd);
}

/* Answer every waiting caller with text and forget them. */
static void
ctl_answer(struct ctl *c, const char *text, size_t len)
{
	for (int i = 0; i < c->n; i++)
		ctl_write(c->fd[i], text, len);
	c->n = 0;
	c->deadline = 0;
	c->len = 0;
}

static void
ctl_accept(struct parent *p, struct ctl *c)
{
	int fd;

	while ((fd = accept4(p->ctl, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) != -1) {
		uint32_t uid;
		static const char notroot[] = "error: the counters are root's only\n";
		static const char busy[] = "error: busy, try again\n";
		static const char dead[] = "error: the worker is not running\n";
		uint8_t msg[IMSG_HDRLEN];

		if (plat_peer_uid(fd, &uid) == -1 || uid != 0) {
			c->refused++;
			ctl_write(fd, notroot, sizeof(notroot) - 1);
			continue;
		}
		if (c->n == CTL_CLIENTS) {
			c->busy++;
			ctl_write(fd, busy, sizeof(busy) - 1);
			continue;
		}
		c->fd[c->n++] = fd;
		if (c->deadline != 0)
			continue;	/* the answer on its way serves this caller too */
		c->len = 0;
		c->deadline = now_ms() + CTL_WAIT_MS;
		if (send(p->fd, msg, imsg_pack(msg, sizeof(msg), IMSG_STATSREQ, NULL, 0),
		    MSG_NOSIGNAL) == -1)
			ctl_answer(c, dead, sizeof(dead) - 1);
	}
}

/* The worker's counters, one line at a time; the parent's own line goes last. */
static void
ctl_line(struct parent *p, struct ctl *c, const struct imsg *m)
{
	if (c->deadline == 0)
		return;		/* nobody asked: ignored */
	if (m->type == IMSG_STATSLINE) {
		if (CTL_TEXT - c->len > 4 * IMSG_LOG_MAX + 2) {
			c->len += escape(c->text + c->len, CTL_TEXT - c->len, m->payload, m->len);
			c->text[c->len++] = '\n';
		}
		return;
	}
	/* STATSEND */
	c->len += auditp_stats_line(p->audit, c->text + c->len, CTL_TEXT - c->len - 1);
	if (c->len > 0 && c->text[c->len - 1] != '\n')
		c->text[c->len++] = '\n';
	if (CTL_TEXT - c->len > 200)
		c->len += (size_t)snprintf(c->text + c->len, CTL_TEXT - c->len,
		    "stats control: refused=%" PRIu64 " busy=%" PRIu64 " timeouts=%" PRIu64 "\n",
		    c->refused, c->busy, c->timeouts);
	ctl_answer(c, c->text, c->len);
}

/* Read every waiting message. Returns -1 when the worker has closed its end. */
static int
read_worker(struct parent *p, struct ctl *c, uint64_t *next_warn)
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
		} else if (m.type == IMSG_PONG) {
			/* the worker's loop turns: tell systemd's watchdog (nothing if none) */
			if (c->ping_out)
				notify_send("WATCHDOG=1");
			c->ping_out = 0;
		} else if (m.type == IMSG_STATSLINE || m.type == IMSG_STATSEND)
			ctl_line(p, c, &m);
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
	uint64_t quit_at = 0, next_warn = 0, next_ping = 0;
	static struct ctl c;
	int sfd, sig, st;

	if ((sfd = evl_signals(&set)) == -1)
		fatal("signal descriptor");
	for (;;) {
		struct pollfd pfd[3] = { { p->fd, POLLIN, 0 }, { sfd, POLLIN, 0 },
		    { p->ctl, POLLIN, 0 } };
		int timeout = auditp_flush(p->audit, now_ms());
		uint64_t now = now_ms();
		pid_t w;

		/*
		 * the watchdog: a PING each period, unless the last is still unanswered (a
		 * stopped worker does not find a queue of them); WATCHDOG=1 on each PONG
		 */
		if (p->watchdog_ms != 0) {
			if (now >= next_ping) {
				uint8_t msg[IMSG_HDRLEN];

				if (!c.ping_out && send(p->fd, msg, imsg_pack(msg, sizeof(msg),
				    IMSG_PING, NULL, 0), MSG_DONTWAIT | MSG_NOSIGNAL) > 0)
					c.ping_out = 1;
				next_ping = now + p->watchdog_ms;
			}
			if (timeout == -1 || next_ping - now < (uint64_t)timeout)
				timeout = (int)(next_ping - now);
		}
		if (c.deadline != 0) {
			static const char slow[] = "error: the worker did not send its counters "
			    "within 2 s\n";

			if (now >= c.deadline) {
				c.timeouts++;
				ctl_answer(&c, slow, sizeof(slow) - 1);
			} else if (timeout == -1 || c.deadline - now < (uint64_t)timeout)
				timeout = (int)(c.deadline - now);
		}
		if (quit_at) {
			if (now >= quit_at) {
				log_warnx("the worker did not exit %d ms after QUIT: killing it",
				    QUIT_WAIT_MS);
				kill(p->worker, SIGKILL);
				quit_at = 0;
			} else if (timeout == -1 || quit_at - now < (uint64_t)timeout)
				timeout = (int)(quit_at - now);
		}
		if (poll(pfd, p->ctl != -1 ? 3 : 2, timeout) == -1 && errno != EINTR)
			fatal("poll");
		if (p->ctl != -1 && (pfd[2].revents & POLLIN))
			ctl_accept(p, &c);
		if ((pfd[0].revents & (POLLIN | POLLHUP | POLLERR)) &&
		    read_worker(p, &c, &next_warn) == -1) {
			/* The worker is gone (or closed its end): so are we. */
			if (quit_at == 0)
				log_warnx("the worker closed its channel: exiting");
			auditp_close(p->audit);
			if (waitpid(p->worker, &st, 0) == -1)
				return 1;
			return exit_status(st);
		}
		while ((sig = evl_signal_next(sfd)) > 0) {
			switch (sig) {
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
			(void)read_worker(p, &c, &next_warn);	/* its last lines */
			auditp_close(p->audit);
			return exit_status(st);
		}
	}
}
