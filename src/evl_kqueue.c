/*
 * evl_kqueue.c: evl.h on OpenBSD and FreeBSD: kqueue(2). Each descriptor has a read filter
 * (disabled when input is not wanted) and, once output is wanted, a write filter: evl_add
 * registers the write filter only when asked for EVL_OUT, because a kqueue descriptor (the
 * signal descriptor, OpenBSD's divert mux) takes EVFILT_READ only; evl_mod, used on sockets
 * only, creates or switches it. The tag rides in udata. Signals: a second kqueue watching
 * EVFILT_SIGNAL, which records a signal even while it is blocked; a kqueue descriptor is
 * readable while it holds events, so the loop and poll(2) can wait on it.
 *
 * Not yet run on a BSD kernel: tested on Linux through tests/bsd/kqueue_compat.h.
 */
#include <sys/types.h>
#include <sys/time.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <time.h>
#include <unistd.h>

#ifdef DNSFENCE_KQUEUE_COMPAT
#include "kqueue_compat.h"	/* tests only: Linux stands in for a BSD */
#elif defined(__linux__)
#error "evl_kqueue.c is for the BSDs; Linux tests build it with DNSFENCE_KQUEUE_COMPAT"
#else
#include <sys/event.h>
#endif

#include "evl.h"

/* The tag is a 64-bit value kept in udata (a pointer). */
_Static_assert(sizeof(void *) >= sizeof(uint64_t), "evl_kqueue.c needs 64-bit pointers");

/* Closes fd, keeping errno for the caller: -1. */
static int
fail_close(int fd)
{
	int e = errno;

	close(fd);
	errno = e;
	return -1;
}

static int
new_kqueue(void)
{
	int kq;

	if ((kq = kqueue()) == -1)
		return -1;
	return fcntl(kq, F_SETFD, FD_CLOEXEC) == -1 ? fail_close(kq) : kq;
}

int
evl_open(void)
{
	return new_kqueue();
}

/* The read filter, and the write filter when out says so (EV_ADD creates or updates). */
static int
set_filters(int loop, int fd, uint64_t tag, unsigned want, int out)
{
	struct kevent ch[2];
	void *udata = (void *)(uintptr_t)tag;

	EV_SET(&ch[0], fd, EVFILT_READ, EV_ADD | (want & EVL_IN ? EV_ENABLE : EV_DISABLE), 0, 0,
	    udata);
	EV_SET(&ch[1], fd, EVFILT_WRITE, EV_ADD | (want & EVL_OUT ? EV_ENABLE : EV_DISABLE), 0,
	    0, udata);
	return kevent(loop, ch, out ? 2 : 1, NULL, 0, NULL) == -1 ? -1 : 0;
}

int
evl_add(int loop, int fd, uint64_t tag, unsigned want)
{
	return set_filters(loop, fd, tag, want, (want & EVL_OUT) != 0);
}

int
evl_mod(int loop, int fd, uint64_t tag, unsigned want)
{
	return set_filters(loop, fd, tag, want, 1);
}

int
evl_del(int loop, int fd)
{
	struct kevent ch;

	EV_SET(&ch, fd, EVFILT_READ, EV_DELETE, 0, 0, NULL);
	if (kevent(loop, &ch, 1, NULL, 0, NULL) == -1)
		return -1;
	EV_SET(&ch, fd, EVFILT_WRITE, EV_DELETE, 0, 0, NULL);	/* absent if never wanted */
	return kevent(loop, &ch, 1, NULL, 0, NULL) == -1 && errno != ENOENT ? -1 : 0;
}

int
evl_wait(int loop, struct evl_event *out, int max, int timeout_ms)
{
	struct kevent kev[EVL_MAXWAIT];
	struct timespec ts, *tp = NULL;
	int n, m = 0;

	if (max > EVL_MAXWAIT)
		max = EVL_MAXWAIT;
	if (timeout_ms >= 0) {
		ts.tv_sec = timeout_ms / 1000;
		ts.tv_nsec = (long)(timeout_ms % 1000) * 1000000L;
		tp = &ts;
	}
	if ((n = kevent(loop, NULL, 0, kev, max, tp)) == -1)
		return -1;
	for (int i = 0; i < n; i++) {
		uint64_t tag = (uint64_t)(uintptr_t)kev[i].udata;
		unsigned what;
		int j;

		if (kev[i].flags & EV_ERROR)
			what = EVL_ERR;
		else if (kev[i].filter == EVFILT_READ)
			what = EVL_IN | (kev[i].flags & EV_EOF && kev[i].fflags != 0 ? EVL_ERR : 0);
		else if (kev[i].filter == EVFILT_WRITE)
			what = EVL_OUT | (kev[i].flags & EV_EOF ? EVL_ERR : 0);
		else
			continue;
		for (j = 0; j < m && out[j].tag != tag; j++)
			;
		if (j == m)
			out[m++] = (struct evl_event){ tag, 0 };
		out[j].what |= what;
	}
	return m;
}

int
evl_signals(const sigset_t *set)
{
	struct kevent ch;
	int kq;

	if ((kq = new_kqueue()) == -1)
		return -1;
	for (int s = 1; s < NSIG; s++) {
		if (sigismember(set, s) != 1)
			continue;
		EV_SET(&ch, s, EVFILT_SIGNAL, EV_ADD, 0, 0, NULL);
		if (kevent(kq, &ch, 1, NULL, 0, NULL) == -1)
			return fail_close(kq);
	}
	return kq;
}

int
evl_signal_next(int sigfd)
{
	struct kevent ev;
	struct timespec zero = { 0, 0 };
	int n;

	if ((n = kevent(sigfd, NULL, 0, &ev, 1, &zero)) == -1)
		return -1;
	return n == 1 && ev.filter == EVFILT_SIGNAL ? (int)ev.ident : 0;
}
