/*
 * evl.h: readiness of descriptors, and signals as a descriptor. One interface, two kernels:
 * epoll and signalfd on Linux (evl_epoll.c), kqueue on OpenBSD and FreeBSD (evl_kqueue.c).
 * The loop is level-triggered on both: a descriptor left readable is reported again.
 *
 * A registration carries a 64-bit tag, handed back with each event; one wake-up reports a
 * descriptor once, with EVL_IN, EVL_OUT and EVL_ERR or-ed (kqueue's separate read and
 * write events are merged), so tags must differ between descriptors.
 */
#ifndef DNSFENCE_EVL_H
#define DNSFENCE_EVL_H

#include <signal.h>
#include <stdint.h>

#define EVL_IN		0x1u	/* readable, or end of file */
#define EVL_OUT		0x2u	/* writable */
#define EVL_ERR		0x4u	/* error or hang-up: a read or write says which */
#define EVL_MAXWAIT	64	/* events handed back by one evl_wait at most */

struct evl_event {
	uint64_t	tag;
	unsigned	what;	/* EVL_IN | EVL_OUT | EVL_ERR */
};

/* A new loop (close-on-exec), or -1 with errno. Closed with close(2). */
int	evl_open(void);
/*
 * Registers fd, wanting EVL_IN and/or EVL_OUT. -1 with errno. Wanting nothing (0) keeps it
 * registered and silent, with one difference between the kernels: epoll still reports an
 * error or hang-up (EVL_ERR), kqueue reports nothing; a handler of a muted descriptor must
 * act on EVL_ERR (close it), or the level-triggered error wakes the loop on every turn.
 */
int	evl_add(int loop, int fd, uint64_t tag, unsigned want);
/* Changes what a registered socket wants, and its tag. -1 with errno. */
int	evl_mod(int loop, int fd, uint64_t tag, unsigned want);
/* Forgets fd (closing it does too). -1 with errno. */
int	evl_del(int loop, int fd);
/* Waits up to timeout_ms (-1: no limit) for events; their number, or -1 with errno (EINTR). */
int	evl_wait(int loop, struct evl_event *, int max, int timeout_ms);

/*
 * A descriptor that is readable while one of the signals in set is pending: signalfd on
 * Linux, a kqueue watching them on the BSDs. The caller blocks the set first (sigprocmask),
 * so no handler and no default action runs; it never unblocks them (on the BSDs a signal
 * taken here stays pending in the process). Non-blocking, close-on-exec; -1 with errno.
 */
int	evl_signals(const sigset_t *set);
/* The next pending signal's number, 0 when none is left, -1 with errno. */
int	evl_signal_next(int sigfd);

#endif
