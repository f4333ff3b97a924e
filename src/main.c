/* main.c: options, configuration, start-up order, run. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "daemon.h"
#include "log.h"
#include "privs.h"

#ifndef DNSFENCE_VERSION
#define DNSFENCE_VERSION	"0.1.0"
#endif
#define DEFAULT_CONF	"/etc/dnsfence.conf"
#define MAX_OVERRIDES	64	/* --key value pairs on the command line */

static _Noreturn void
usage(void)
{
	fprintf(stderr, "usage: dnsfence [-d] [-v] [-n] [-V] [-c file] [--key value ...]\n");
	exit(1);
}

/* Keep the configuration's directory open: SIGHUP reads the file through it after chroot. */
static void
config_dir_open(struct config_source *src)
{
	static char dir[PATH_MAX];
	const char *slash = strrchr(src->path, '/');

	if (slash == NULL) {
		snprintf(dir, sizeof(dir), ".");
		src->base = src->path;
	} else {
		snprintf(dir, sizeof(dir), "%.*s", (int)(slash - src->path), src->path);
		if (dir[0] == '\0')
			snprintf(dir, sizeof(dir), "/");
		src->base = slash + 1;
	}
	if ((src->dirfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC)) == -1 &&
	    !(src->missing_ok && errno == ENOENT))
		fatal("open %s", dir);
}

int
main(int argc, char *argv[])
{
	static char *over[2 * MAX_OVERRIDES];
	static struct daemon d;
	struct config_source src = { DEFAULT_CONF, 1, -1, NULL, over, 0 };
	struct privs pv;
	struct config cfg;
	char err[CONFIG_ERRLEN + 64];
	int foreground = 0, verbose = 0, check = 0, conf_given = 0;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (strncmp(a, "--", 2) == 0 && a[2] != '\0') {
			const char *eq = strchr(a, '=');

			if (src.noverrides == 2 * MAX_OVERRIDES) {
				fprintf(stderr, "dnsfence: more than %d --key options\n",
				    MAX_OVERRIDES);
				return 1;
			}
			if (eq != NULL) {
				over[src.noverrides++] = strndup(a + 2, (size_t)(eq - a - 2));
				over[src.noverrides++] = strdup(eq + 1);
			} else {
				if (i + 1 >= argc) {
					fprintf(stderr, "dnsfence: %s needs a value\n", a);
					exit(1);
				}
				over[src.noverrides++] = strdup(a + 2);
				over[src.noverrides++] = strdup(argv[++i]);
			}
			if (over[src.noverrides - 1] == NULL || over[src.noverrides - 2] == NULL) {
				fprintf(stderr, "dnsfence: out of memory\n");
				return 1;
			}
			continue;
		}
		if (a[0] != '-' || a[1] == '\0')
			usage();
		for (const char *f = a + 1; *f; f++) {
			switch (*f) {
			case 'd':
				foreground = 1;
				break;
			case 'v':
				verbose++;
				break;
			case 'n':
				check = 1;
				break;
			case 'V':
				printf("dnsfence %s\n", DNSFENCE_VERSION);
				return 0;
			case 'c':
				if (f[1] != '\0')
					src.path = f + 1;
				else if (i + 1 < argc)
					src.path = argv[++i];
				else
					usage();
				conf_given = 1;
				f += strlen(f) - 1;
				break;
			default:
				usage();
			}
		}
	}
	src.missing_ok = !conf_given;	/* the default file may be absent: built-in defaults */

	if (daemon_config(&src, &cfg, err, sizeof(err)) == -1) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	if (check) {
		fprintf(stderr, "%s: configuration OK\n", conf_given ? src.path : DEFAULT_CONF);
		return 0;
	}
	log_init(1, verbose);
	if (geteuid() != 0)
		fatalx("must be started as root: it binds NFQUEUE %u and opens raw sockets",
		    cfg.queue);
	privs_prepare(&cfg, &pv);	/* the user exists, the chroot is safe */
	config_dir_open(&src);		/* to read the configuration again after chroot */
	daemon_open(&d, &cfg, &src);	/* queue bound, sockets open: errors are fatal */
	if (!foreground) {
		if (daemon(0, 0) == -1)
			fatal("daemon");
		log_init(0, verbose);
	}
	privs_drop(&cfg, &pv, src.dirfd);
	daemon_run(&d);
	daemon_close(&d);
	log_info("exited cleanly");
	return 0;
}
