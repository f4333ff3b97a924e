/*
 * test_config_bsd.c: config.c as the OpenBSD and FreeBSD daemon builds it (-DDNSFENCE_DIVERT):
 * what those systems cannot do is off by default, and a line asking for it is refused with
 * the file and line and a way out. Built by make unit (Linux) and Makefile.bsd.
 */
#define T_SUITE "config_bsd"
#include <stdint.h>
#include <stdlib.h>

#include "t.h"
#include "config.h"

#ifndef DNSFENCE_DIVERT
#error "test_config_bsd.c tests the -DDNSFENCE_DIVERT build of config.c"
#endif

#define F	"bsd.conf"

static struct config c;
static char err[CONFIG_ERRLEN];

static int
parse(const char *text)
{
	config_defaults(&c);
	err[0] = '\0';
	return config_parse(&c, F, text, strlen(text), err, sizeof(err));
}

/* text fails at line, its error starting "bsd.conf:<line>: " and holding each of what. */
static int
fails_at(const char *text, unsigned line, const char *what1, const char *what2)
{
	char prefix[64];

	snprintf(prefix, sizeof(prefix), F ":%u: ", line);
	if (parse(text) != -1) {
		printf("# accepted: %s", text);
		return 0;
	}
	if (strncmp(err, prefix, strlen(prefix)) != 0 || strstr(err, what1) == NULL ||
	    strstr(err, what2) == NULL) {
		printf("# error \"%s\", wanted %s...%s...%s\n", err, prefix, what1, what2);
		return 0;
	}
	return 1;
}

/* The defaults turn on nothing these systems lack. */
static void
defaults_off(void)
{
	config_defaults(&c);
	CHECK(c.nlisten == 0);
	CHECK(strcmp(c.socks_owner, "any") == 0);
	CHECK(c.audit_log[0] == '\0');
	CHECK(c.control_socket[0] == '\0');
	CHECK(c.divert_port == 700);
	CHECK(parse("divert-port 8053\n") == 0 && c.divert_port == 8053);
}

/* Each is refused where it stands, naming the key, the reason and the value to use. */
static void
refused_with_line(void)
{
	CHECK(fails_at("timeout 2s\nlisten-tcp 127.0.0.1:54\n", 2, "listen-tcp 127.0.0.1:54",
	    "use none"));
	CHECK(fails_at("socks-owner _tor\n", 1, "socks-owner _tor", "use any"));
	CHECK(fails_at("\n\naudit-log /var/log/dnsfence/audit.json\n", 3, "audit-log",
	    "use none"));
	CHECK(fails_at("control-socket @dnsfence\n", 1, "control-socket @dnsfence",
	    "use none"));
	CHECK(strstr(err, "not available on this system") != NULL);
}

/* The values that say "off" are accepted, and keep everything off. */
static void
off_accepted(void)
{
	CHECK(parse("listen-tcp none\nsocks-owner any\naudit-log none\ncontrol-socket none\n"
	    "gateway em1\n") == 0);
	CHECK(c.nlisten == 0 && strcmp(c.socks_owner, "any") == 0);
	CHECK(c.audit_log[0] == '\0' && c.control_socket[0] == '\0');
	CHECK(c.ngateway == 1);
}

/* The same refusals on the command line (--key value), which config_build applies last. */
static void
overrides_refused(void)
{
	char *kv[] = { "audit-log", "/tmp/a.json" };

	err[0] = '\0';
	CHECK(config_build(&c, F, "", 0, 1, kv, 2, err, sizeof(err)) == -1);
	CHECK(strstr(err, "audit-log /tmp/a.json") != NULL);
	CHECK(strstr(err, "not available on this system") != NULL);
}

int
main(void)
{
	RUN(defaults_off);
	RUN(refused_with_line);
	RUN(off_accepted);
	RUN(overrides_refused);
	return T_DONE();
}
