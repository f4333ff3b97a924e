/* test_config.c: defaults, the config file syntax, and file:line errors. */
#define T_SUITE "config"
#include <arpa/inet.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include "t.h"
#include "config.h"

#define F	"test.conf"

static struct config c;
static char err[CONFIG_ERRLEN];

static int
parse(const char *text)
{
	config_defaults(&c);
	err[0] = '\0';
	return config_parse(&c, F, text, strlen(text), err, sizeof(err));
}

/* text fails at line, with an error that starts "test.conf:<line>: " and contains what. */
static int
fails_at(const char *text, unsigned line, const char *what)
{
	char prefix[64];

	snprintf(prefix, sizeof(prefix), F ":%u: ", line);
	if (parse(text) != -1) {
		printf("# accepted: %s", text);
		return 0;
	}
	if (strncmp(err, prefix, strlen(prefix)) != 0 || strstr(err, what) == NULL) {
		printf("# error \"%s\", wanted %s...%s\n", err, prefix, what);
		return 0;
	}
	return 1;
}

static int
ep_is(const struct endpoint *ep, int family, const char *addr, uint16_t port)
{
	uint8_t a[16] = { 0 };

	if (inet_pton(family, addr, a) != 1)
		return 0;
	return ep->family == family && memcmp(ep->addr, a, family == AF_INET ? 4 : 16) == 0 &&
	    ep->port == port;
}

static void
defaults(void)
{
	config_defaults(&c);
	CHECK(c.queue == 0);
	CHECK(c.mark == 0x646e73);
	CHECK(ep_is(&c.socks, AF_INET, "127.0.0.1", 9050));
	CHECK(c.nresolvers == 2 && c.nresolvers_from_user == 0);
	CHECK(ep_is(&c.resolvers[0], AF_INET, "9.9.9.9", 53));
	CHECK(ep_is(&c.resolvers[1], AF_INET, "1.1.1.1", 53));
	CHECK(c.timeout_ms == 4000);
	CHECK(c.connect_timeout_ms > 0 && c.idle_timeout_ms > 0 && c.backoff_max_ms > 0);
	CHECK(c.max_pending > 0 && c.max_inflight > 0 && c.max_inflight <= c.max_pending);
	CHECK(c.connections > 0 && c.batch > 0 && c.rcvbuf > 0 && c.wbuf_max > 65537);
	CHECK(c.socks_user[0] == '\0' && c.socks_pass[0] == '\0');
	CHECK(config_finish(&c, err, sizeof(err)) == 0);
}

static void
full_file(void)
{
	static const char text[] =
	    "# every key\n"
	    "queue 3\n"
	    "mark 0x10\n"
	    "socks 127.0.0.1:9150\n"
	    "socks-user alice\n"
	    "socks-password s3cret\n"
	    "resolver 9.9.9.10\n"
	    "resolver [2620:fe::fe]:5353\n"
	    "timeout 3s\n"
	    "connect-timeout 500ms\n"
	    "idle-timeout 2m\n"
	    "backoff-max 8\n"
	    "resolver-holddown 0\n"
	    "max-pending 1000\n"
	    "max-inflight 100\n"
	    "connections 4\n"
	    "max-retries 0\n"
	    "rcvbuf 1048576\n"
	    "queue-maxlen 2048\n"
	    "batch 16\n"
	    "upstream-buffer 131072\n"
	    "isolate none\n";

	CHECK(parse(text) == 0);
	CHECK(c.queue == 3 && c.mark == 16);
	CHECK(ep_is(&c.socks, AF_INET, "127.0.0.1", 9150));
	CHECK(strcmp(c.socks_user, "alice") == 0 && strcmp(c.socks_pass, "s3cret") == 0);
	CHECK(c.nresolvers == 2);
	CHECK(ep_is(&c.resolvers[0], AF_INET, "9.9.9.10", 53));
	CHECK(ep_is(&c.resolvers[1], AF_INET6, "2620:fe::fe", 5353));
	CHECK(c.timeout_ms == 3000 && c.connect_timeout_ms == 500);
	CHECK(c.idle_timeout_ms == 120000 && c.backoff_max_ms == 8000);
	CHECK(c.resolver_holddown_ms == 0);
	CHECK(c.max_pending == 1000 && c.max_inflight == 100 && c.connections == 4);
	CHECK(c.max_retries == 0 && c.rcvbuf == 1048576 && c.queue_maxlen == 2048);
	CHECK(c.batch == 16 && c.wbuf_max == 131072);
	CHECK(config_finish(&c, err, sizeof(err)) == 0);
}

static void
comments_and_blanks(void)
{
	CHECK(parse("") == 0 && c.queue == 0);
	CHECK(parse("\n\n# nothing\n   \t  \n#queue 5\n") == 0 && c.queue == 0);
	CHECK(parse("  queue\t\t7   # seven\n") == 0 && c.queue == 7);
	/* '#' starts a comment only at the start or after white space: values may hold one */
	CHECK(parse("queue 8 #comment\n") == 0 && c.queue == 8);
	CHECK(parse("#queue 9\n") == 0 && c.queue == 0);
	CHECK(parse("socks-password pa#ss # the comment\nsocks-user u#\n") == 0);
	CHECK(strcmp(c.socks_pass, "pa#ss") == 0 && strcmp(c.socks_user, "u#") == 0);
	CHECK(fails_at("queue 8#x\n", 1, "queue"));
	CHECK(parse("queue 9\r\nbatch 3\r\n") == 0 && c.queue == 9 && c.batch == 3);
	CHECK(parse("queue 10") == 0 && c.queue == 10);		/* no final newline */
	/* blank and comment lines still count */
	CHECK(fails_at("\n# one\n\n   \nqueue x\n", 5, "queue"));
	CHECK(fails_at("queue 1\r\n\r\nbogus 1\r\n", 3, "bogus"));
}

/* The audit, cache and race keys: defaults, values, bounds, errors naming file:line. */
static void
audit_cache_race_keys(void)
{
	CHECK(parse("") == 0);
	CHECK(c.audit_log[0] == '\0' && c.audit_names == 1 && c.nflog_group == 53);
	CHECK(c.audit_buffer == 1u << 20 && c.audit_cache == 1024);
	CHECK(c.cache == 1 && c.cache_size == 4u << 20 && c.cache_entries == 16384);
	CHECK(c.cache_min_ttl == 0 && c.cache_max_ttl == 86400 && c.serve_stale == 0);
	CHECK(c.serve_stale_max_ms == 86400000u && c.race_ms == 0 && c.race_max == 10);
	CHECK(parse("audit-log /var/log/dnsfence/audit.log\naudit-names no\nnflog-group 0\n"
	    "audit-buffer 65536\naudit-cache 16\nmode refuse\n") == 0);
	CHECK(strcmp(c.audit_log, "/var/log/dnsfence/audit.log") == 0 && c.audit_names == 0);
	CHECK(c.nflog_group == 0 && c.audit_buffer == 65536 && c.audit_cache == 16);
	CHECK(c.mode == MODE_REFUSE);
	CHECK(parse("audit-log /x\naudit-log none\n") == 0 && c.audit_log[0] == '\0');
	CHECK(fails_at("audit-log relative.log\n", 1, "absolute path"));
	CHECK(fails_at("\nnflog-group 65536\n", 2, "nflog-group"));
	CHECK(fails_at("audit-buffer 1024\n", 1, "audit-buffer"));
	CHECK(fails_at("audit-names maybe\n", 1, "is not no or yes"));
	CHECK(fails_at("mode refusal\n", 1, "is not recursor, hybrid or refuse"));
	CHECK(parse("cache no\ncache-size 0\ncache-entries 0\ncache-min-ttl 60\n"
	    "cache-max-ttl 600\nserve-stale yes\nserve-stale-max 120m\n") == 0);
	CHECK(c.cache == 0 && c.cache_size == 0 && c.cache_entries == 0);
	CHECK(c.cache_min_ttl == 60 && c.cache_max_ttl == 600 && c.serve_stale == 1);
	CHECK(c.serve_stale_max_ms == 7200000u);
	CHECK(fails_at("cache-max-ttl 0\n", 1, "cache-max-ttl"));
	CHECK(fails_at("serve-stale-max 500ms\n", 1, "serve-stale-max"));
	CHECK(parse("race auto\nrace-max 100\n") == 0 && c.race_ms == RACE_AUTO &&
	    c.race_max == 100);
	CHECK(parse("race 150ms\n") == 0 && c.race_ms == 150);
	CHECK(parse("race 2s\nrace off\n") == 0 && c.race_ms == 0);
	CHECK(fails_at("race 5ms\n", 1, "race"));
	CHECK(fails_at("race 61s\n", 1, "race"));
	CHECK(fails_at("\n\nrace sometimes\n", 3, "off, auto or a duration"));
	CHECK(fails_at("race-max 0\n", 1, "race-max"));
}

static void
error_paths(void)
{
	CHECK(fails_at("queue 1\nbatch 2\nfrobnicate yes\n", 3, "unknown key \"frobnicate\""));
	CHECK(fails_at("Queue 1\n", 1, "unknown key"));		/* keys are case-sensitive */
	CHECK(fails_at("queue 1\ntimeout\n", 2, "missing value"));
	CHECK(fails_at("timeout    # comment\n", 1, "missing value"));
	CHECK(fails_at("# c\nresolver 1.1.1.1 8.8.8.8\n", 2, "one value"));
	CHECK(fails_at("max-pending lots\n", 1, "max-pending"));
	CHECK(fails_at("queue -1\n", 1, "queue"));
	CHECK(fails_at("queue +1\n", 1, "queue"));
	CHECK(fails_at("queue 1.5\n", 1, "queue"));
	CHECK(fails_at("queue 0x\n", 1, "queue"));
	CHECK(fails_at("queue 99999999999999999999999\n", 1, "queue"));
	CHECK(fails_at("\n\nqueue 65536\n", 3, "queue"));
	CHECK(fails_at("connections 0\n", 1, "connections"));
	CHECK(fails_at("connections 65\n", 1, "connections"));
	CHECK(fails_at("batch 1025\n", 1, "batch"));
	CHECK(fails_at("max-pending 0\n", 1, "max-pending"));
	CHECK(fails_at("rcvbuf 1000\n", 1, "rcvbuf"));
	CHECK(fails_at("max-retries 17\n", 1, "max-retries"));
	CHECK(fails_at("upstream-buffer 65537\n", 1, "upstream-buffer"));
	CHECK(fails_at("mark 0\n", 1, "mark"));
	CHECK(fails_at("mark 0x100000000\n", 1, "mark"));
	{
		char text[300];

		memcpy(text, "socks-user ", 11);
		memset(text + 11, 'x', 256);		/* RFC 1929: at most 255 */
		memcpy(text + 11 + 256, "\n", 2);
		CHECK(fails_at(text, 1, "socks-user"));
		text[11 + 255] = '\n';
		text[11 + 256] = '\0';
		CHECK(parse(text) == 0 && strlen(c.socks_user) == 255);
	}
}

static void
bad_durations(void)
{
	CHECK(fails_at("timeout 4h\n", 1, "timeout"));
	CHECK(fails_at("timeout s\n", 1, "timeout"));
	CHECK(fails_at("timeout ms\n", 1, "timeout"));
	CHECK(fails_at("timeout -4s\n", 1, "timeout"));
	CHECK(fails_at("timeout 4S\n", 1, "timeout"));
	CHECK(fails_at("timeout 4sec\n", 1, "timeout"));
	CHECK(fails_at("timeout 4 s\n", 1, "one value"));
	CHECK(fails_at("timeout 50ms\n", 1, "timeout"));		/* below 100 ms */
	CHECK(fails_at("timeout 61s\n", 1, "timeout"));		/* above 60 s */
	CHECK(fails_at("timeout 2m\n", 1, "timeout"));
	CHECK(fails_at("timeout 99999999999999999999s\n", 1, "timeout"));
	CHECK(fails_at("timeout 18446744073709551615ms\n", 1, "timeout"));
	CHECK(fails_at("timeout 307445734561825861m\n", 1, "timeout"));	/* *60000 wraps */
	CHECK(fails_at("idle-timeout 999ms\n", 1, "idle-timeout"));
}

static void
durations(void)
{
	CHECK(parse("timeout 500ms\n") == 0 && c.timeout_ms == 500);
	CHECK(parse("timeout 4s\n") == 0 && c.timeout_ms == 4000);
	CHECK(parse("connect-timeout 2m\n") == 0 && c.connect_timeout_ms == 120000);
	CHECK(parse("timeout 3\n") == 0 && c.timeout_ms == 3000);
	CHECK(parse("timeout 100ms\n") == 0 && c.timeout_ms == 100);	/* the bounds */
	CHECK(parse("timeout 60s\n") == 0 && c.timeout_ms == 60000);
	CHECK(parse("timeout 1m\n") == 0 && c.timeout_ms == 60000);
	CHECK(parse("idle-timeout 1440m\n") == 0 && c.idle_timeout_ms == 86400000);
	CHECK(parse("resolver-holddown 0ms\n") == 0 && c.resolver_holddown_ms == 0);
}

static void
endpoints(void)
{
	struct endpoint ep;
	char buf[64];

	CHECK(parse("resolver [::1]:53\n") == 0 && ep_is(&c.resolvers[0], AF_INET6, "::1", 53));
	CHECK(parse("resolver [::1]\n") == 0 && ep_is(&c.resolvers[0], AF_INET6, "::1", 53));
	CHECK(parse("resolver ::1\n") == 0 && ep_is(&c.resolvers[0], AF_INET6, "::1", 53));
	CHECK(parse("socks ::1\n") == 0 && ep_is(&c.socks, AF_INET6, "::1", 9050));
	CHECK(parse("socks [fe80::1]:1080\n") == 0 && ep_is(&c.socks, AF_INET6, "fe80::1", 1080));
	CHECK(parse("resolver 1.2.3.4\n") == 0 && ep_is(&c.resolvers[0], AF_INET, "1.2.3.4", 53));
	CHECK(parse("resolver 1.2.3.4:65535\n") == 0 &&
	    ep_is(&c.resolvers[0], AF_INET, "1.2.3.4", 65535));
	CHECK(parse("resolver 1.2.3.4:1\n") == 0 && c.resolvers[0].port == 1);
	CHECK(fails_at("resolver 1.2.3.4:0\n", 1, "1.2.3.4:0"));
	CHECK(fails_at("resolver 1.2.3.4:65536\n", 1, "1.2.3.4:65536"));
	CHECK(fails_at("resolver [::1]:0\n", 1, "resolver"));
	CHECK(fails_at("resolver [::1]:65536\n", 1, "resolver"));
	CHECK(fails_at("socks localhost:9050\n", 1, "socks"));
	CHECK(fails_at("socks 1.2.3.4:\n", 1, "socks"));
	CHECK(fails_at("socks 1.2.3.4:+53\n", 1, "socks"));
	CHECK(fails_at("socks 1.2.3.4:53x\n", 1, "socks"));
	CHECK(fails_at("socks 1.2.3\n", 1, "socks"));
	CHECK(fails_at("socks 256.1.1.1\n", 1, "socks"));
	CHECK(fails_at("socks [::1\n", 1, "socks"));
	CHECK(fails_at("socks [::1]x\n", 1, "socks"));
	CHECK(fails_at("socks [::1]:\n", 1, "socks"));
	CHECK(fails_at("socks []:53\n", 1, "socks"));
	CHECK(fails_at("socks :53\n", 1, "socks"));
	CHECK(fails_at("resolver ::1::2\n", 1, "resolver"));
	CHECK(fails_at("resolver [1:2:3:4:5:6:7:8:9]:53\n", 1, "resolver"));
	/* config_parse_endpoint and config_endpoint_str directly */
	CHECK(config_parse_endpoint("10.0.0.1:5300", 53, &ep) == 0);
	CHECK(strcmp(config_endpoint_str(&ep, buf, sizeof(buf)), "10.0.0.1:5300") == 0);
	CHECK(config_parse_endpoint("[2001:db8::53]:853", 53, &ep) == 0);
	CHECK(strcmp(config_endpoint_str(&ep, buf, sizeof(buf)), "[2001:db8::53]:853") == 0);
	/* a small buffer is cut and terminated */
	memset(buf, 'X', sizeof(buf));
	config_endpoint_str(&ep, buf, 6);
	CHECK(strcmp(buf, "[2001") == 0 && buf[6] == 'X');
	CHECK(config_parse_endpoint("", 53, &ep) == -1);
}

static void
resolvers_replace_then_append(void)
{
	CHECK(parse("resolver 10.0.0.1\n") == 0);
	CHECK(c.nresolvers == 1 && c.nresolvers_from_user);
	CHECK(ep_is(&c.resolvers[0], AF_INET, "10.0.0.1", 53));
	CHECK(parse("resolver 10.0.0.1\nqueue 2\nresolver 10.0.0.2:5353\n") == 0);
	CHECK(c.nresolvers == 2);
	CHECK(ep_is(&c.resolvers[0], AF_INET, "10.0.0.1", 53));
	CHECK(ep_is(&c.resolvers[1], AF_INET, "10.0.0.2", 5353));
	/* the command line after the file appends too */
	CHECK(config_set(&c, "resolver", "10.0.0.3", "command line", 0, err, sizeof(err)) == 0);
	CHECK(c.nresolvers == 3 && ep_is(&c.resolvers[2], AF_INET, "10.0.0.3", 53));
	/* and on its own, replaces the defaults */
	config_defaults(&c);
	CHECK(config_set(&c, "resolver", "[::1]", "command line", 0, err, sizeof(err)) == 0);
	CHECK(c.nresolvers == 1 && ep_is(&c.resolvers[0], AF_INET6, "::1", 53));
}

static void
too_many_resolvers(void)
{
	char text[1024];
	size_t n = 0;

	for (int i = 0; i < 16; i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n, "resolver 10.0.0.%d\n", i + 1);
	CHECK(parse(text) == 0 && c.nresolvers == 16);
	CHECK(ep_is(&c.resolvers[15], AF_INET, "10.0.0.16", 53));
	snprintf(text + n, sizeof(text) - n, "# and one more\nresolver 10.0.0.17\n");
	CHECK(fails_at(text, 18, "more than 16"));
	CHECK(c.nresolvers == 16);
}

static void
numbers(void)
{
	CHECK(parse("mark 0x10\n") == 0 && c.mark == 16);
	CHECK(parse("mark 0XfF\n") == 0 && c.mark == 255);
	CHECK(parse("mark 0xffffffff\n") == 0 && c.mark == 0xffffffffu);
	CHECK(parse("mark 100\n") == 0 && c.mark == 100);
	CHECK(parse("queue 65535\n") == 0 && c.queue == 65535);
	CHECK(parse("queue 0\n") == 0 && c.queue == 0);
	/* "decimal or 0x hex": a leading zero is still decimal, not octal */
	CHECK(parse("queue 010\n") == 0 && c.queue == 10);
	CHECK(parse("batch 0100\n") == 0 && c.batch == 100);
	CHECK(parse("max-pending 09\n") == 0 && c.max_pending == 9);
	CHECK(parse("max-pending 1048576\n") == 0 && c.max_pending == 1048576);
	CHECK(fails_at("max-pending 1048577\n", 1, "max-pending"));
}

static void
finish_checks(void)
{
	CHECK(parse("socks-user bob\n") == 0);
	snprintf(c.path, sizeof(c.path), "%s", F);
	CHECK(config_finish(&c, err, sizeof(err)) == -1);
	CHECK(strncmp(err, F ": ", strlen(F) + 2) == 0);
	CHECK(strstr(err, "socks-user") && strstr(err, "socks-password"));
	CHECK(parse("socks-password pw\n") == 0);
	CHECK(config_finish(&c, err, sizeof(err)) == -1);
	CHECK(strstr(err, "socks-user") && strstr(err, "socks-password"));
	CHECK(parse("socks-user bob\nsocks-password pw\n") == 0);
	CHECK(config_finish(&c, err, sizeof(err)) == -1);	/* isolate uid makes its own */
	CHECK(strstr(err, "isolate none") != NULL);
	CHECK(parse("socks-user bob\nsocks-password pw\nisolate none\n") == 0);
	CHECK(config_finish(&c, err, sizeof(err)) == 0);
	/* the connection table is bounded */
	CHECK(parse("max-isolation-keys 1024\nconnections 64\n") == 0);
	CHECK(config_finish(&c, err, sizeof(err)) == -1 && strstr(err, "connections"));
	CHECK(parse("max-isolation-keys 1024\nconnections 64\nisolate none\n") == 0);
	CHECK(config_finish(&c, err, sizeof(err)) == 0);
	/* listen-tcp none clears, wherever it stands */
	CHECK(parse("listen-tcp 127.0.0.1:1\nlisten-tcp none\n") == 0 && c.nlisten == 0);
	CHECK(parse("listen-tcp none\nlisten-tcp 127.0.0.1:5\n") == 0 && c.nlisten == 1);
	/* max-inflight is capped by max-pending */
	CHECK(parse("max-pending 10\nmax-inflight 300\n") == 0);
	CHECK(config_finish(&c, err, sizeof(err)) == 0 && c.max_inflight == 10);
}

static void
command_line(void)
{
	config_defaults(&c);
	CHECK(config_set(&c, "queue", "12", "command line", 0, err, sizeof(err)) == 0);
	CHECK(c.queue == 12);
	CHECK(config_set(&c, "timeout", "750ms", "command line", 0, err, sizeof(err)) == 0);
	CHECK(c.timeout_ms == 750);
	CHECK(config_set(&c, "socks", "[::1]:9150", "command line", 0, err, sizeof(err)) == 0);
	CHECK(ep_is(&c.socks, AF_INET6, "::1", 9150));
	CHECK(config_set(&c, "queue", "x", "command line", 0, err, sizeof(err)) == -1);
	CHECK(strncmp(err, "command line: queue", 19) == 0);
	CHECK(config_set(&c, "nope", "1", "command line", 0, err, sizeof(err)) == -1);
	CHECK(strncmp(err, "command line: unknown key", 25) == 0);
	CHECK(config_set(&c, "socks-user", "", "command line", 0, err, sizeof(err)) == -1);
	/* with a line number, the usual form */
	CHECK(config_set(&c, "batch", "0", "x.conf", 42, err, sizeof(err)) == -1);
	CHECK(strncmp(err, "x.conf:42: batch", 16) == 0);
}

static void
long_and_nul_lines(void)
{
	char text[2100];

	memset(text, ' ', sizeof(text));
	memcpy(text, "queue 1\nqueue 2", 15);
	text[2000] = '\n';
	text[2001] = '\0';
	CHECK(fails_at(text, 2, "longer"));
	/* 1023 bytes is fine */
	memset(text, ' ', sizeof(text));
	memcpy(text, "queue 4", 7);
	text[1023] = '\n';
	text[1024] = '\0';
	CHECK(parse(text) == 0 && c.queue == 4);
	config_defaults(&c);
	CHECK(config_parse(&c, F, "queue 1\nqueue\0 2\n", 17, err, sizeof(err)) == -1);
	CHECK(strncmp(err, F ":2: ", strlen(F) + 4) == 0 && strstr(err, "NUL"));
	/* the text need not be NUL-terminated: only len bytes are read */
	{
		char *t = malloc(7);

		CHECK(t != NULL);
		memcpy(t, "queue 5", 7);
		config_defaults(&c);
		int r = config_parse(&c, F, t, 7, err, sizeof(err));
		free(t);
		CHECK(r == 0 && c.queue == 5);
	}
}

/* A small error buffer: cut, terminated, nothing written past it. */
static void
small_err_buffer(void)
{
	char e[32];

	memset(e, 'X', sizeof(e));
	config_defaults(&c);
	CHECK(config_parse(&c, F, "bogus 1\n", 8, e, 8) == -1);
	CHECK(e[7] == '\0' && strcmp(e, "test.co") == 0);
	for (size_t i = 8; i < sizeof(e); i++)
		CHECK(e[i] == 'X');
	/* a long file name and value still fit CONFIG_ERRLEN */
	memset(e, 'X', sizeof(e));
	CHECK(config_set(&c, "queue", "1234567890123456789012345678901234567890", "f", 1, e, 16)
	    == -1);
	CHECK(e[15] == '\0' && e[16] == 'X');
}

static void
load_file(void)
{
	char path[] = "/tmp/dnsfence-test-XXXXXX";
	const char *text = "queue 21\nbatch 22\n\nbad line here\n";
	int fd, r;
	ssize_t w;

	config_defaults(&c);
	CHECK(config_load(&c, "/nonexistent/dnsfence.conf", 1, err, sizeof(err)) == 0);
	CHECK(config_load(&c, "/nonexistent/dnsfence.conf", 0, err, sizeof(err)) == -1);
	CHECK(strncmp(err, "/nonexistent/dnsfence.conf: ", 28) == 0);
	CHECK((fd = mkstemp(path)) != -1);
	w = write(fd, text, strlen(text));
	close(fd);
	config_defaults(&c);
	r = config_load(&c, path, 0, err, sizeof(err));
	unlink(path);
	CHECK(w == (ssize_t)strlen(text));
	CHECK(r == -1 && c.queue == 21 && c.batch == 22);
	CHECK(strncmp(err, path, strlen(path)) == 0 && strncmp(err + strlen(path), ":4: ", 4) == 0);
	CHECK(strcmp(c.path, path) == 0);
}

int
main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);	/* TAP lines survive a sanitizer abort */
	RUN(defaults);
	RUN(full_file);
	RUN(comments_and_blanks);
	RUN(error_paths);
	RUN(bad_durations);
	RUN(durations);
	RUN(endpoints);
	RUN(resolvers_replace_then_append);
	RUN(too_many_resolvers);
	RUN(numbers);
	RUN(finish_checks);
	RUN(command_line);
	RUN(long_and_nul_lines);
	RUN(small_err_buffer);
	RUN(load_file);
	RUN(audit_cache_race_keys);
	return T_DONE();
}
