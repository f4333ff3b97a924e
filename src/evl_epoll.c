/* evl_epoll.c: evl.h on Linux: epoll, and signalfd for signals. */
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <errno.h>
#include <unistd.h>

#include "evl.h"

static uint32_t
events_of(unsigned want)
{
	return (want & EVL_IN ? EPOLLIN : 0) | (want & EVL_OUT ? EPOLLOUT : 0);
}

int
evl_open(void)
{
	return epoll_create1(EPOLL_CLOEXEC);
}

int
evl_add(int loop, int fd, uint64_t tag, unsigned want)
{
	struct epoll_event ev = { .events = events_of(want), .data.u64 = tag };

	return epoll_ctl(loop, EPOLL_CTL_ADD, fd, &ev);
}

int
evl_mod(int loop, int fd, uint64_t tag, unsigned want)
{
	struct epoll_event ev = { .events = events_of(want), .data.u64 = tag };

	return epoll_ctl(loop, EPOLL_CTL_MOD, fd, &ev);
}

int
evl_del(int loop, int fd)
{
	return epoll_ctl(loop, EPOLL_CTL_DEL, fd, NULL);
}

int
evl_wait(int loop, struct evl_event *out, int max, int timeout_ms)
{
	struct epoll_event evs[EVL_MAXWAIT];
	int n;

	if (max > EVL_MAXWAIT)
		max = EVL_MAXWAIT;
	if ((n = epoll_wait(loop, evs, max, timeout_ms)) == -1)
		return -1;
	for (int i = 0; i < n; i++) {
		out[i].tag = evs[i].data.u64;
		out[i].what = (evs[i].events & EPOLLIN ? EVL_IN : 0) |
		    (evs[i].events & EPOLLOUT ? EVL_OUT : 0) |
		    (evs[i].events & (EPOLLERR | EPOLLHUP) ? EVL_ERR : 0);
	}
	return n;
}

int
evl_signals(const sigset_t *set)
{
	return signalfd(-1, set, SFD_NONBLOCK | SFD_CLOEXEC);
}

int
evl_signal_next(int sigfd)
{
	struct signalfd_siginfo si;
	ssize_t n = read(sigfd, &si, sizeof(si));

	if (n == (ssize_t)sizeof(si))
		return (int)si.ssi_signo;
	if (n == -1 && errno != EAGAIN)
		return -1;
	return 0;
}
