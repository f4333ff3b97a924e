/* test_ctl: dnsfence --stats' table (ctl_table) from the daemon's stats lines. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"

#define T_SUITE "ctl"
#include "t.h"

static char *
table(const char *in)
{
	static char *out;
	size_t len;
	FILE *f;

	free(out);
	out = NULL;
	if ((f = open_memstream(&out, &len)) == NULL)
		abort();
	ctl_table(in, strlen(in), f);
	fclose(f);
	return out;
}

static void
groups_and_counters(void)
{
	const char *t = table("stats answers: answered=12 servfail=0\n"
	    "stats cache: on answers=3 entries=2/16384\n");

	CHECK(strcmp(t, "answers\n"
	    "  answered                             12\n"
	    "  servfail                              0\n"
	    "cache\n"
	    "  state                                on\n"
	    "  answers                               3\n"
	    "  entries                         2/16384\n") == 0);
}

static void
group_with_colons(void)
{
	/* a resolver's group holds its address and port, IPv6 too */
	const char *t = table("stats resolver [2001:db8::1]:53: sent=1 state=held-down");

	CHECK(strncmp(t, "resolver [2001:db8::1]:53\n", 26) == 0);
	CHECK(strstr(t, "  state                         held-down\n") != NULL);
	CHECK(strstr(t, "  sent                                  1\n") != NULL);
}

static void
other_lines_as_they_are(void)
{
	const char *t = table("hello world\n\nstats nocolon\nstats x: \n");

	/* not "stats GROUP: ..." lines: printed unchanged; empty lines skipped */
	CHECK(strcmp(t, "hello world\nstats nocolon\nx\n") == 0);
}

/* one counter row as the table prints it */
static const char *
row(const char *k, const char *v)
{
	static char buf[128];

	snprintf(buf, sizeof(buf), "  %-24s %14s\n", k, v);
	return buf;
}

static void
spaces_and_empty_words(void)
{
	const char *t = table("stats a:  k=1   j=  =v\n");

	CHECK(strstr(t, "a\n") == t);
	CHECK(strstr(t, row("k", "1")) != NULL);
	CHECK(strstr(t, row("j", "")) != NULL);
	CHECK(strstr(t, row("", "v")) != NULL);
}

int
main(void)
{
	RUN(groups_and_counters);
	RUN(group_with_colons);
	RUN(other_lines_as_they_are);
	RUN(spaces_and_empty_words);
	return T_DONE();
}
