/* ctl.c: dnsfence --stats. See ctl.h and dnsfence(8), COUNTERS. */
#include <sys/socket.h>
#include <sys/un.h>
#include <errno.h>
#include <poll.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ctl.h"
#include "plat.h"

#define CTL_TEXT_MAX	65536	/* the answer is about 3 KB */
#define CTL_WAIT_MS	5000	/* the parent gives the worker 2 s */

static void
table_line(const char *l, size_t n, FILE *out)
{
	const char *colon, *p, *end = l + n;

	if (n < 7 || memcmp(l, "stats ", 6) != 0 ||
	    (colon = memmem(l, n, ": ", 2)) == NULL) {
		fprintf(out, "%.*s\n", (int)n, l);
		return;
	}
	fprintf(out, "%.*s\n", (int)(colon - l - 6), l + 6);
	for (p = colon + 2; p < end;) {
		const char *w = p, *we, *eq;

		while (p < end && *p != ' ')
			p++;
		we = p;
		while (p < end && *p == ' ')
			p++;
		if (we == w)
			continue;
		eq = memchr(w, '=', (size_t)(we - w));
		if (eq == NULL)
			fprintf(out, "  %-24s %14.*s\n", "state", (int)(we - w), w);
		else
			fprintf(out, "  %-24.*s %14.*s\n", (int)(eq - w), w, (int)(we - eq - 1),
			    eq + 1);
	}
}

void
ctl_table(const char *text, size_t len, FILE *out)
{
	const char *p = text, *end = text + len;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl != NULL ? (size_t)(nl - p) : (size_t)(end - p);

		if (n > 0)
			table_line(p, n, out);
		p += n + (nl != NULL);
	}
}

static long
ms_since(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (t.tv_sec - t0->tv_sec) * 1000L + (t.tv_nsec - t0->tv_nsec) / 1000000L;
}

int
ctl_stats(const char *name, FILE *out)
{
	static char text[CTL_TEXT_MAX];
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	size_t nl = strlen(name), len = 0;
	uint32_t uid = UINT32_MAX;
	struct timespec t0;
	int fd;

	if (name[0] == '\0') {
		fprintf(stderr, "dnsfence: control-socket is none in the configuration: no "
		    "counters to ask for (SIGUSR1 logs them)\n");
		return 1;
	}
	if (name[0] != '@' || nl < 2 || nl > sizeof(sun.sun_path)) {
		fprintf(stderr, "dnsfence: control-socket %s: not @NAME\n", name);
		return 1;
	}
	memcpy(sun.sun_path + 1, name + 1, nl - 1);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1) {
		fprintf(stderr, "dnsfence: socket: %s\n", strerror(errno));
		return 1;
	}
	if (connect(fd, (struct sockaddr *)&sun, (socklen_t)(offsetof(struct sockaddr_un,
	    sun_path) + nl)) == -1) {
		fprintf(stderr, "dnsfence: control-socket %s: %s (is dnsfence running, in this "
		    "network namespace?)\n", name, strerror(errno));
		close(fd);
		return 1;
	}
	/* anyone may bind an abstract name first: believe only root's */
	if (plat_peer_uid(fd, &uid) == -1 || uid != 0) {
		fprintf(stderr, "dnsfence: control-socket %s is held by uid %ld, not root: not "
		    "dnsfence's; not read\n", name, uid == UINT32_MAX ? -1L : (long)uid);
		close(fd);
		return 1;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		struct pollfd pfd = { fd, POLLIN, 0 };
		long left = CTL_WAIT_MS - ms_since(&t0);
		ssize_t n;
		int r = left > 0 ? poll(&pfd, 1, (int)left) : 0;

		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1) {
			fprintf(stderr, "dnsfence: control-socket %s: poll: %s\n", name,
			    strerror(errno));
			close(fd);
			return 1;
		}
		if (r == 0) {
			fprintf(stderr, "dnsfence: control-socket %s: no answer within %d ms\n",
			    name, CTL_WAIT_MS);
			close(fd);
			return 1;
		}
		if ((n = read(fd, text + len, sizeof(text) - 1 - len)) == -1) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, "dnsfence: control-socket %s: %s\n", name, strerror(errno));
			close(fd);
			return 1;
		}
		if (n == 0 || (len += (size_t)n) == sizeof(text) - 1)
			break;
	}
	close(fd);
	text[len] = '\0';
	if (len == 0 || strncmp(text, "error: ", 7) == 0) {
		fprintf(stderr, "dnsfence: %s", len ? text : "the daemon closed without an answer\n");
		return 1;
	}
	ctl_table(text, len, out);
	return fflush(out) == 0 ? 0 : 1;
}
