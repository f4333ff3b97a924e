/* notify.c: sd_notify(3) for the parent. See notify.h. */
#include <sys/socket.h>
#include <sys/un.h>
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "notify.h"

static int notify_fd = -1;

int
notify_open(void)
{
	const char *path = getenv("NOTIFY_SOCKET");
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	size_t len;
	socklen_t slen;

	if (path == NULL || path[0] == '\0')
		return 0;
	len = strlen(path);
	/* a path, or an abstract name written with a leading '@' */
	if ((path[0] != '/' && path[0] != '@') || len >= sizeof(sun.sun_path)) {
		log_warnx("NOTIFY_SOCKET: not a socket path: ignored");
		unsetenv("NOTIFY_SOCKET");
		return -1;
	}
	memcpy(sun.sun_path, path, len);
	if (path[0] == '@')
		sun.sun_path[0] = '\0';
	slen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len + (path[0] == '/'));
	unsetenv("NOTIFY_SOCKET");
	if ((notify_fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) == -1) {
		log_warn("NOTIFY_SOCKET: socket");
		return -1;
	}
	if (connect(notify_fd, (struct sockaddr *)&sun, slen) == -1) {
		log_warn("NOTIFY_SOCKET: connect");
		close(notify_fd);
		notify_fd = -1;
		return -1;
	}
	return 0;
}

unsigned long
notify_watchdog_ms(void)
{
	const char *usec = getenv("WATCHDOG_USEC"), *pid = getenv("WATCHDOG_PID");
	unsigned long long us = 0, p;
	char *end;

	if (usec != NULL) {
		errno = 0;
		us = strtoull(usec, &end, 10);
		if (errno != 0 || end == usec || *end != '\0')
			us = 0;
	}
	if (us != 0 && pid != NULL) {
		errno = 0;
		p = strtoull(pid, &end, 10);
		if (errno != 0 || end == pid || *end != '\0' || p != (unsigned long long)getpid())
			us = 0;
	}
	unsetenv("WATCHDOG_USEC");
	unsetenv("WATCHDOG_PID");
	if (us == 0)
		return 0;
	/* a ping every half period; at least 10 ms, so a tiny WatchdogSec does not spin */
	return us / 2000 < 10 ? 10 : (unsigned long)(us / 2000);
}

void
notify_send(const char *state)
{
	if (notify_fd != -1)
		(void)send(notify_fd, state, strlen(state), MSG_DONTWAIT | MSG_NOSIGNAL);
}
