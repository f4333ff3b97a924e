/*
 * log.c: OpenBSD-style logging. In the foreground lines go to stderr. Otherwise they go to
 * /dev/log through our own non-blocking datagram socket: glibc's syslog() can block, and a
 * syslog daemon that resolves names would then deadlock against us (dnsmasq's log.c). A line
 * that cannot be written at once is dropped and counted.
 */
#include <sys/socket.h>
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

#include "log.h"

/* Process-wide, like stderr itself: every queue thread shares one log. */
static struct {
	int		foreground;
	int		verbose;
	int		fd;
	uint64_t	dropped;
} lg = { 1, 0, -1, 0 };

/*
 * Connect a new socket to /dev/log; keep the old one unless that works (inside the chroot
 * there is no /dev/log, and the socket opened before chroot is the only way out).
 */
static void
log_open(void)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX, .sun_path = "/dev/log" };
	int fd, saved = errno;

	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
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

static void
vlog(int pri, const char *fmt, va_list ap, const char *suffix)
{
	char msg[1024], line[1200];
	int saved = errno, n;

	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (lg.foreground) {
		fprintf(stderr, "dnsfence: %s%s%s\n", msg, suffix ? ": " : "", suffix ? suffix : "");
		errno = saved;
		return;
	}
	{
		time_t t = time(NULL);
		struct tm tm;
		char ts[32];

		localtime_r(&t, &tm);
		strftime(ts, sizeof(ts), "%b %e %H:%M:%S", &tm);
		n = snprintf(line, sizeof(line), "<%d>%s dnsfence[%d]: %s%s%s",
		    LOG_DAEMON | pri, ts, (int)getpid(), msg, suffix ? ": " : "",
		    suffix ? suffix : "");
	}
	if (n < 0 || (size_t)n >= sizeof(line))
		n = (int)strlen(line);
	if (lg.fd == -1 || send(lg.fd, line, (size_t)n, MSG_DONTWAIT | MSG_NOSIGNAL) == -1) {
		if (lg.fd != -1 && (errno == ECONNREFUSED || errno == ENOTCONN))
			log_open();	/* syslog restarted; this line is lost */
		lg.dropped++;
	}
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
