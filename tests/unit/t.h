/* t.h: a minimal TAP unit-test harness. Each test is a void function; CHECK fails it. */
#ifndef DNSFENCE_T_H
#define DNSFENCE_T_H

#include <stdio.h>
#include <string.h>

static int t_failed_now, t_n, t_nfail;

#define CHECK(cond) do {						\
	if (!(cond)) {							\
		printf("# %s:%d: CHECK(%s) failed\n", __FILE__, __LINE__, #cond); \
		t_failed_now = 1;					\
		return;							\
	}								\
} while (0)

#define RUN(fn) do {							\
	t_failed_now = 0;						\
	fn();								\
	t_n++;								\
	if (t_failed_now)						\
		t_nfail++;						\
	printf("%s %d - %s: %s\n", t_failed_now ? "not ok" : "ok", t_n, T_SUITE, #fn); \
} while (0)

#define T_DONE() (printf("1..%d\n", t_n), t_nfail ? 1 : 0)

#endif
