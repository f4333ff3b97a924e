/* t.h: a minimal TAP unit-test harness. Each test is a void function; CHECK fails it. */
#ifndef DNSFENCE_T_H
#define DNSFENCE_T_H

#include <stdio.h>
#include <string.h>

static int t_failed_now, t_n, t_nfail;
static const char *t_skip_now;	/* why the running test cannot run here (TAP SKIP) */

/* SKIP(why): this test cannot run here; reported as "ok N - ... # SKIP why", not as a pass. */
#define SKIP(why) do { t_skip_now = (why); return; } while (0)

#define CHECK(cond) do {						\
	if (!(cond)) {							\
		printf("# %s:%d: CHECK(%s) failed\n", __FILE__, __LINE__, #cond); \
		t_failed_now = 1;					\
		return;							\
	}								\
} while (0)

#define RUN(fn) do {							\
	t_failed_now = 0;						\
	t_skip_now = NULL;						\
	fn();								\
	t_n++;								\
	if (t_failed_now)						\
		t_nfail++;						\
	printf("%s %d - %s: %s%s%s\n", t_failed_now ? "not ok" : "ok", t_n, T_SUITE, #fn, \
	    t_skip_now ? " # SKIP " : "", t_skip_now ? t_skip_now : "");	\
} while (0)

#define T_DONE() (printf("1..%d\n", t_n), t_nfail ? 1 : 0)

#endif
