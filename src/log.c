/*
 * log.c: OpenBSD-style logging. The worker sends its lines to the parent (IMSG_LOG over the
 * socketpair); the parent writes them, and its own. In the foreground lines go to stderr.
 * Otherwise they go to /dev/log through our own non-blocking datagram socket: glibc's
 * syslog() can block, and a syslog daemon that resolves names would then deadlock against
 * us (dnsmasq's log.c). When syslog restarts, the parent connects again and sends the line
 * once more. A line that cannot be written at once is dropped and counted.
 */
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "imsg.h"
#include "log.h"

#define LOG_SEND_WAIT_MS	200	/* how long the parent waits for a full syslog socket */

/* Process-wide, like stderr itself: every queue thread shares one log. */
static struct {
	int		foreground;
	int		verbose;
	int		fd;		/* /dev/log */
	int		peer;		/* the worker's channel to the parent, or -1 */
	uint64_t	dropped;
} lg = { 1, 0, -1, -1, 0 };

/*
 * Connect a new socket to /dev/log; keep the old one unless that works (inside the chroot
 * there is no /dev/log, and the socket opened before chroot is the only way out).
 */
static void
log_open(void)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX, .sun_path = "/dev/log" };
	struct timeval tmo = { 0, LOG_SEND_WAIT_MS * 1000 };
	int fd, saved = errno;

	/*
	 * Only the parent writes to syslog, off the DNS path: it may wait a little for a busy
	 * syslog daemon (a burst of lines fills its queue at once), never long.
	 */
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd != -1)
		(void)setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tmo, sizeof(tmo));
	if (fd != -1 && connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		close(fd);
		fd = -1;
	}
	if (fd != -1) {
		if (lg.fd != -1)
			close(lg.fd);
		lg.fd = fd;
	}
	errno = saved;
}

void
log_init(int foreground, int verbose)
{
	lg.foreground = foreground;
	lg.verbose = verbose;
	if (!foreground)
		log_open();
}

void
log_to_peer(int fd)
{
	lg.peer = fd;
	if (lg.fd != -1)
		close(lg.fd);
	lg.fd = -1;
}

void
log_setverbose(int v)
{
	lg.verbose = v;
}

int
log_getverbose(void)
{
	return lg.verbose;
}

void
log_reopen(void)
{
	if (!lg.foreground)
		log_open();
}

uint64_t
log_dropped(void)
{
	return lg.dropped;
}

/* Send one line to syslog; after a syslog restart connect again and send it once more. */
static void
to_syslog(const char *line, size_t n)
{
	for (int tries = 0; tries < 2; tries++) {
		if (lg.fd != -1 && send(lg.fd, line, n, MSG_NOSIGNAL) != -1)
			return;
		if (tries == 0 && (lg.fd == -1 || errno == ECONNREFUSED || errno == ENOTCONN ||
		    errno == ENOENT))
			log_open();
		else
			break;
	}
	lg.dropped++;
}

void
log_raw(int pri, const char *msg)
{
	char line[1200];
	int saved = errno, n;

	if (lg.foreground) {
		fprintf(stderr, "dnsfence: %s\n", msg);
		errno = saved;
		return;
	}
	{
		time_t t = time(NULL);
		struct tm tm;
		char ts[32];

		localtime_r(&t, &tm);
		strftime(ts, sizeof(ts), "%b %e %H:%M:%S", &tm);
		n = snprintf(line, sizeof(line), "<%d>%s dnsfence[%d]: %s", LOG_DAEMON | pri, ts,
		    (int)getpid(), msg);
	}
	if (n < 0 || (size_t)n >= sizeof(line))
		n = (int)strlen(line);
	to_syslog(line, (size_t)n);
	errno = saved;
}

static void
vlog(int pri, const char *fmt, va_list ap, const char *suffix)
{
	char msg[IMSG_LOG_MAX + 1];
	int saved = errno;
	size_t n;

	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (suffix != NULL) {
		n = strlen(msg);
		snprintf(msg + n, sizeof(msg) - n, ": %s", suffix);
	}
	if (lg.peer != -1) {
		uint8_t m[IMSG_HDRLEN + 1 + IMSG_LOG_MAX];
		size_t ml = imsg_pack_log(m, sizeof(m), pri, msg);

		/* never blocks: a full channel drops the line (counted) */
		if (ml == 0 || send(lg.peer, m, ml, MSG_DONTWAIT | MSG_NOSIGNAL) != (ssize_t)ml)
			lg.dropped++;
	} else
		log_raw(pri, msg);
	errno = saved;
}

#define LOGFN(name, pri, cond, suffix)					\
void name(const char *fmt, ...)						\
{									\
	va_list ap;							\
	if (!(cond))							\
		return;							\
	va_start(ap, fmt);						\
	vlog(pri, fmt, ap, suffix);					\
	va_end(ap);							\
}

LOGFN(log_warn, LOG_WARNING, 1, strerror(errno))
LOGFN(log_warnx, LOG_WARNING, 1, NULL)
LOGFN(log_info, LOG_INFO, 1, NULL)
LOGFN(log_debug, LOG_DEBUG, lg.verbose > 0, NULL)

void
fatal(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_CRIT, fmt, ap, strerror(errno));
	va_end(ap);
	exit(1);
}

void
fatalx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_CRIT, fmt, ap, NULL);
	va_end(ap);
	exit(1);
}
