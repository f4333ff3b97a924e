/*
 * main.c: options, configuration, start-up order. Everything that needs privilege is opened
 * first; then the process splits: the worker (all packet and network work, unprivileged,
 * chrooted, seccomp) and the privileged parent (configuration, logs, signals). See
 * docs/security.md.
 */
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>	/* FreeBSD: explicit_bzero */
#include <unistd.h>

#include <sys/socket.h>
#include <signal.h>

#include "capture.h"
#include "config.h"
#include "ctl.h"
#include "daemon.h"
#include "log.h"
#include "notify.h"
#include "auditp.h"
#include "parent.h"
#include "plat.h"
#include "privs.h"

#ifndef DNSFENCE_VERSION
#define DNSFENCE_VERSION	"unknown"
#endif
#define DEFAULT_CONF	"/etc/dnsfence.conf"
#define MAX_OVERRIDES	64	/* --key value pairs on the command line */

#define USAGE	"usage: dnsfence [-d] [-v] [-n] [-V] [-c file] [--key value ...]\n" \
		"       dnsfence [-c file] [--key value ...] --stats\n" \
		"       dnsfence --help | --version\n"

static _Noreturn void
usage(void)
{
	fprintf(stderr, USAGE);
	exit(1);
}

/* --help: asked for, so on stdout and exit 0; keys are in dnsfence.conf(5). */
static _Noreturn void
help(void)
{
	printf(USAGE
	    "\n"
	    "  -d              stay in the foreground, log to stderr\n"
	    "  -v              more verbose (repeat for debug)\n"
	    "  -n              check the configuration and exit\n"
	    "  -c file         configuration file (default %s)\n"
	    "  --key value     set a dnsfence.conf(5) key over the file's (also --key=value)\n"
	    "  --stats         print the running daemon's counters as a table and exit\n"
	    "  -V, --version   print the version and exit\n"
	    "  -h, --help      this text\n"
	    "\nSee dnsfence(8) and dnsfence.conf(5).\n", DEFAULT_CONF);
	exit(0);
}

int
main(int argc, char *argv[])
{
	static char *over[2 * MAX_OVERRIDES];
	static char text[CONFIG_MAX_FILE];
	static struct daemon d;
	const char *path = DEFAULT_CONF;
	size_t nover = 0, len;
	struct parent par;
	struct auditp audit;
	struct privs pv;
	struct config cfg;
	char err[CONFIG_ERRLEN + 64];
	int foreground = 0, verbose = 0, check = 0, conf_given = 0, have, sv[2], devnull;
	int stats = 0;
	pid_t pid;

	/* Nothing inherited beyond stdin, stdout and stderr reaches the worker. */
	closefrom(3);
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];

		/* Not configuration keys: no key is called help or version. */
		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0)
			help();
		if (strcmp(a, "--stats") == 0) {	/* not a key either */
			stats = 1;
			continue;
		}
		if (strcmp(a, "--version") == 0) {
			printf("dnsfence %s\n", DNSFENCE_VERSION);
			return 0;
		}
		if (strncmp(a, "--", 2) == 0 && a[2] != '\0') {
			const char *eq = strchr(a, '=');

			if (nover == 2 * MAX_OVERRIDES) {
				fprintf(stderr, "dnsfence: more than %d --key options\n",
				    MAX_OVERRIDES);
				return 1;
			}
			if (eq != NULL) {
				over[nover++] = strndup(a + 2, (size_t)(eq - a - 2));
				over[nover++] = strdup(eq + 1);
			} else {
				if (i + 1 >= argc) {
					fprintf(stderr, "dnsfence: %s needs a value\n", a);
					exit(1);
				}
				over[nover++] = strdup(a + 2);
				over[nover++] = strdup(argv[++i]);
			}
			if (over[nover - 1] == NULL || over[nover - 2] == NULL) {
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
					path = f + 1;
				else if (i + 1 < argc)
					path = argv[++i];
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

	/* The default file may be absent: built-in defaults. */
	if (config_read_file(path, !conf_given, text, sizeof(text), &len, &have, err,
	    sizeof(err)) == -1 ||
	    config_build(&cfg, path, text, len, have, over, nover, err, sizeof(err)) == -1) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	if (check) {
		fprintf(stderr, "%s: configuration OK\n", path);
		return 0;
	}
	if (stats)	/* the running daemon's, by its control-socket */
		return ctl_stats(cfg.control_socket, stdout);
	log_init(1, verbose);
	if (geteuid() != 0)
		fatalx("must be started as root: it binds %s %u and drops to user %s",
		    capture_kind(), capture_point(&cfg), cfg.user);
	privs_prepare(&cfg, &pv);	/* the user exists, the chroot is safe */
	/* The audit log, the parent's: opened now, so that an error shows where it was run. */
	{
		uint8_t key[16];
		char aerr[512];

		if (getentropy(key, sizeof(key)) == -1)
			fatal("getentropy");
		if (auditp_open(&audit, &cfg, key, aerr, sizeof(aerr)) == -1)
			fatalx("%s", aerr);
		explicit_bzero(key, sizeof(key));
	}
	daemon_open(&d, &cfg);		/* queue bound, sockets open: errors are fatal */
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) == -1)
		fatal("socketpair");
	if (audit.on) {
		/* room for the worker's audit batches while the parent waits on a slow disk */
		int sz = 4 << 20;

		(void)plat_sockbuf_force(sv[1], SO_SNDBUF, sz);
		(void)plat_sockbuf_force(sv[0], SO_RCVBUF, sz);
	}
	if (!foreground) {
		if (daemon(0, 0) == -1)
			fatal("daemon");
		log_init(0, verbose);
	}
	/* The worker's standard descriptors: /dev/null, not the files they were started with. */
	if ((devnull = open("/dev/null", O_RDWR | O_CLOEXEC)) == -1)
		fatal("/dev/null");
	parent_signals();		/* blocked before fork: no signal is lost in between */
	if ((pid = fork()) == -1)
		fatal("fork");
	if (pid == 0) {
		/* The worker. */
		close(sv[0]);
		auditp_close(&audit);	/* the log is the parent's */
		for (int fd = 0; fd < 3; fd++)
			if (dup2(devnull, fd) == -1)
				fatal("dup2");
		close(devnull);
		log_to_peer(sv[1]);
		privs_drop(&cfg, &pv);
		daemon_attach(&d, sv[1]);
		daemon_run(&d);
		daemon_close(&d);
		log_info("exited cleanly");
		return 0;
	}
	/* The parent: none of the worker's sockets, none of its privileges beyond its own. */
	close(sv[1]);
	close(devnull);
	daemon_forget(&d);
	(void)notify_open();		/* before seccomp: READY=1 goes when the worker runs */
	par = (struct parent){ pid, sv[0], path, !conf_given, over, nover, &audit, -1,
	    notify_watchdog_ms() };
	if (cfg.control_socket[0] != '\0')
		par.ctl = parent_control_open(cfg.control_socket);
	privs_parent(audit.on ? audit.dirfd : -1, par.ctl != -1);
	return parent_run(&par);
}
