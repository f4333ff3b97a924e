/*
 * test_evl: the event loop interface (evl.h). Built twice: against evl_epoll.c (Linux), and
 * as test_evl_kqueue against evl_kqueue.c over tests/bsd/kqueue_compat.h, so the BSD loop's
 * use of kqueue is exercised on Linux (docs/bsd.md says what that proves).
 */
#include <sys/socket.h>
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "evl.h"

#ifndef T_SUITE
#define T_SUITE "evl"
#endif
#include "t.h"

#define TAG_A	((1ull << 32) | 7u)	/* above 32 bits, as the daemon's tags are */
#define TAG_B	((4ull << 32) | 1u)

static const struct evl_event *
find(const struct evl_event *ev, int n, uint64_t tag)
{
	for (int i = 0; i < n; i++)
		if (ev[i].tag == tag)
			return &ev[i];
	return NULL;
}

/* A readable descriptor is reported with its tag, and again while left unread. */
static void
readable_level_triggered(void)
{
	struct evl_event ev[EVL_MAXWAIT];
	int sv[2], q = evl_open(), n;

	CHECK(q != -1 && socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	CHECK(evl_add(q, sv[0], TAG_A, EVL_IN) == 0);
	CHECK(evl_wait(q, ev, EVL_MAXWAIT, 0) == 0);
	CHECK(write(sv[1], "x", 1) == 1);
	n = evl_wait(q, ev, EVL_MAXWAIT, 1000);
	CHECK(n == 1 && ev[0].tag == TAG_A && ev[0].what == EVL_IN);
	n = evl_wait(q, ev, EVL_MAXWAIT, 0);
	CHECK(n == 1 && ev[0].tag == TAG_A);
	close(sv[0]);
	close(sv[1]);
	close(q);
}

/* Wanting nothing keeps a descriptor registered and silent; evl_mod wakes it. */
static void
mute_and_unmute(void)
{
	struct evl_event ev[EVL_MAXWAIT];
	int sv[2], q = evl_open(), n;

	CHECK(q != -1 && socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	CHECK(write(sv[1], "x", 1) == 1);
	CHECK(evl_add(q, sv[0], TAG_A, 0) == 0);
	CHECK(evl_wait(q, ev, EVL_MAXWAIT, 0) == 0);
	CHECK(evl_mod(q, sv[0], TAG_B, EVL_IN) == 0);
	n = evl_wait(q, ev, EVL_MAXWAIT, 0);
	CHECK(n == 1 && ev[0].tag == TAG_B && ev[0].what == EVL_IN);
	CHECK(evl_mod(q, sv[0], TAG_B, 0) == 0);
	CHECK(evl_wait(q, ev, EVL_MAXWAIT, 0) == 0);
	close(sv[0]);
	close(sv[1]);
	close(q);
}

/* Readable and writable at once: one event with both (kqueue's two are merged). */
static void
in_and_out_merged(void)
{
	struct evl_event ev[EVL_MAXWAIT];
	int sv[2], q = evl_open(), n;

	CHECK(q != -1 && socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	CHECK(write(sv[1], "x", 1) == 1);
	CHECK(evl_add(q, sv[0], TAG_A, EVL_IN | EVL_OUT) == 0);
	n = evl_wait(q, ev, EVL_MAXWAIT, 0);
	CHECK(n == 1 && ev[0].tag == TAG_A && ev[0].what == (EVL_IN | EVL_OUT));
	/* writable only, once nothing is wanted in */
	CHECK(evl_mod(q, sv[0], TAG_A, EVL_OUT) == 0);
	n = evl_wait(q, ev, EVL_MAXWAIT, 0);
	CHECK(n == 1 && ev[0].what == EVL_OUT);
	close(sv[0]);
	close(sv[1]);
	close(q);
}

/* Two descriptors, two tags; a deleted one is never reported. */
static void
two_fds_and_delete(void)
{
	struct evl_event ev[EVL_MAXWAIT];
	int a[2], b[2], q = evl_open(), n;

	CHECK(q != -1 && socketpair(AF_UNIX, SOCK_STREAM, 0, a) == 0 &&
	    socketpair(AF_UNIX, SOCK_STREAM, 0, b) == 0);
	CHECK(evl_add(q, a[0], TAG_A, EVL_IN) == 0 && evl_add(q, b[0], TAG_B, EVL_IN) == 0);
	CHECK(write(a[1], "x", 1) == 1 && write(b[1], "y", 1) == 1);
	n = evl_wait(q, ev, EVL_MAXWAIT, 0);
	CHECK(n == 2 && find(ev, n, TAG_A) != NULL && find(ev, n, TAG_B) != NULL);
	CHECK(evl_del(q, a[0]) == 0);
	n = evl_wait(q, ev, EVL_MAXWAIT, 0);
	CHECK(n == 1 && ev[0].tag == TAG_B);
	CHECK(evl_del(q, a[0]) == -1);	/* not registered any more */
	close(a[0]);
	close(a[1]);
	close(b[0]);
	close(b[1]);
	close(q);
}

/* The peer gone: reported as readable (read says 0), and a wanted write as an error. */
static void
hang_up(void)
{
	struct evl_event ev[EVL_MAXWAIT];
	const struct evl_event *e;
	char c;
	int sv[2], q = evl_open(), n;

	CHECK(q != -1 && socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	CHECK(evl_add(q, sv[0], TAG_A, EVL_IN | EVL_OUT) == 0);
	close(sv[1]);
	n = evl_wait(q, ev, EVL_MAXWAIT, 1000);
	CHECK(n == 1 && (e = find(ev, n, TAG_A)) != NULL);
	CHECK((e->what & EVL_IN) && (e->what & EVL_ERR));
	CHECK(read(sv[0], &c, 1) == 0);
	close(sv[0]);
	close(q);
}

/* The timeout is honoured, and max bounds what one wait hands back. */
static void
timeout_and_max(void)
{
	struct evl_event ev[EVL_MAXWAIT];
	struct timespec t0, t1;
	int a[2], b[2], q = evl_open(), n;

	CHECK(q != -1 && socketpair(AF_UNIX, SOCK_STREAM, 0, a) == 0 &&
	    socketpair(AF_UNIX, SOCK_STREAM, 0, b) == 0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	CHECK(evl_wait(q, ev, EVL_MAXWAIT, 30) == 0);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	CHECK((t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000 >= 25);
	CHECK(evl_add(q, a[0], TAG_A, EVL_OUT) == 0 && evl_add(q, b[0], TAG_B, EVL_OUT) == 0);
	n = evl_wait(q, ev, 1, 0);
	CHECK(n == 1);
	close(a[0]);
	close(a[1]);
	close(b[0]);
	close(b[1]);
	close(q);
}

/*
 * A loop inside a loop, wanting input only: readable while it holds an event. On the BSDs the
 * signal descriptor and OpenBSD's divert mux are kqueues, and a kqueue takes no write filter.
 */
static void
loop_in_loop(void)
{
	struct evl_event ev[EVL_MAXWAIT];
	int sv[2], outer = evl_open(), inner = evl_open(), n;

	CHECK(outer != -1 && inner != -1 && socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	CHECK(evl_add(inner, sv[0], TAG_A, EVL_IN) == 0);
	CHECK(evl_add(outer, inner, TAG_B, EVL_IN) == 0);
	CHECK(evl_wait(outer, ev, EVL_MAXWAIT, 0) == 0);
	CHECK(write(sv[1], "x", 1) == 1);
	n = evl_wait(outer, ev, EVL_MAXWAIT, 1000);
	CHECK(n == 1 && ev[0].tag == TAG_B && ev[0].what == EVL_IN);
	n = evl_wait(inner, ev, EVL_MAXWAIT, 0);
	CHECK(n == 1 && ev[0].tag == TAG_A);
	CHECK(evl_del(outer, inner) == 0);
	close(sv[0]);
	close(sv[1]);
	close(inner);
	close(outer);
}

/* Blocked signals come out of the signal descriptor, which the loop sees as readable. */
static void
signals(void)
{
	struct evl_event ev[EVL_MAXWAIT];
	sigset_t set, old;
	int q = evl_open(), sfd, n;

	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGHUP);
	CHECK(q != -1 && sigprocmask(SIG_BLOCK, &set, &old) == 0);
	CHECK((sfd = evl_signals(&set)) != -1);
	CHECK(evl_signal_next(sfd) == 0);
	CHECK(evl_add(q, sfd, TAG_B, EVL_IN) == 0);
	CHECK(evl_wait(q, ev, EVL_MAXWAIT, 0) == 0);
	CHECK(kill(getpid(), SIGUSR1) == 0);
	n = evl_wait(q, ev, EVL_MAXWAIT, 1000);
	CHECK(n == 1 && ev[0].tag == TAG_B && (ev[0].what & EVL_IN));
	CHECK(evl_signal_next(sfd) == SIGUSR1);
	CHECK(evl_signal_next(sfd) == 0);
	CHECK(kill(getpid(), SIGHUP) == 0);
	CHECK(evl_wait(q, ev, EVL_MAXWAIT, 1000) == 1);
	CHECK(evl_signal_next(sfd) == SIGHUP);
	CHECK(evl_wait(q, ev, EVL_MAXWAIT, 0) == 0);
	close(sfd);
	close(q);
	/* kqueue leaves them pending while blocked: ignored, they are discarded, not delivered */
	CHECK(signal(SIGUSR1, SIG_IGN) != SIG_ERR && signal(SIGHUP, SIG_IGN) != SIG_ERR);
	CHECK(sigprocmask(SIG_SETMASK, &old, NULL) == 0);
	CHECK(signal(SIGUSR1, SIG_DFL) != SIG_ERR && signal(SIGHUP, SIG_DFL) != SIG_ERR);
}

int
main(void)
{
	RUN(readable_level_triggered);
	RUN(mute_and_unmute);
	RUN(in_and_out_merged);
	RUN(two_fds_and_delete);
	RUN(hang_up);
	RUN(timeout_and_max);
	RUN(loop_in_loop);
	RUN(signals);
	return T_DONE();
}
