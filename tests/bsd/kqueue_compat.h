/*
 * kqueue_compat.h: TEST ONLY. Lets src/evl_kqueue.c compile and run on Linux, which has no
 * kqueue: struct kevent, EV_SET and the constants it uses, and kqueue()/kevent() emulated
 * over epoll and signalfd, with kqueue(2)'s semantics as written:
 * - a (ident, filter) pair is one knote; EV_ADD creates or updates it (enabled unless
 *   EV_DISABLE), EV_ENABLE/EV_DISABLE switch it, EV_DELETE removes it (ENOENT if absent);
 * - EVFILT_READ and EVFILT_WRITE are level-triggered and reported as separate events; the
 *   read filter sets EV_EOF at end of file or hang-up, with the error in fflags (here: any
 *   socket error is reported as EIO), the write filter sets EV_EOF on hang-up;
 * - a kqueue descriptor takes EVFILT_READ only (EINVAL for EVFILT_WRITE);
 * - EVFILT_SIGNAL records a signal even while it is blocked: ident is its number.
 * Test-only global state (a fixed table of knotes); nothing here says how a BSD kernel
 * behaves. docs/bsd.md says what that proves.
 */
#ifndef DNSFENCE_KQUEUE_COMPAT_H
#define DNSFENCE_KQUEUE_COMPAT_H

#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

struct kevent {
	uintptr_t	ident;
	short		filter;
	unsigned short	flags;
	unsigned int	fflags;
	int64_t		data;
	void		*udata;
};

#define EVFILT_READ	(-1)
#define EVFILT_WRITE	(-2)
#define EVFILT_SIGNAL	(-6)
#define EV_ADD		0x0001
#define EV_DELETE	0x0002
#define EV_ENABLE	0x0004
#define EV_DISABLE	0x0008
#define EV_EOF		0x8000
#define EV_ERROR	0x4000

#define EV_SET(kevp, a, b, c, d, e, f) do {	\
	struct kevent *kq_compat_ = (kevp);	\
	kq_compat_->ident = (a);		\
	kq_compat_->filter = (b);		\
	kq_compat_->flags = (c);		\
	kq_compat_->fflags = (d);		\
	kq_compat_->data = (e);			\
	kq_compat_->udata = (f);		\
} while (0)

#define KQ_COMPAT_MAX	256

struct kq_compat_note {
	int		kq;	/* 0: free slot */
	uintptr_t	ident;
	short		filter;
	int		enabled;
	void		*udata;
};

static struct kq_compat_note kq_compat_notes[KQ_COMPAT_MAX];
static int kq_compat_sigfd[1024];	/* per kqueue (an epoll fd): its signalfd, or 0 */
static sigset_t kq_compat_sigs[1024];

static inline int
kqueue(void)
{
	int kq = epoll_create1(0);

	if (kq >= 1024) {
		close(kq);
		errno = EMFILE;
		return -1;
	}
	if (kq != -1) {
		kq_compat_sigfd[kq] = 0;
		sigemptyset(&kq_compat_sigs[kq]);
		for (int i = 0; i < KQ_COMPAT_MAX; i++)	/* a reused number starts empty */
			if (kq_compat_notes[i].kq == kq + 1)
				kq_compat_notes[i].kq = 0;
	}
	return kq;
}

/* Is fd a kqueue here (an epoll descriptor)? */
static inline int
kq_compat_is_kq(uintptr_t fd)
{
	char path[64], link[64];
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/self/fd/%u", (unsigned)fd);
	if ((n = readlink(path, link, sizeof(link) - 1)) == -1)
		return 0;
	link[n] = '\0';
	return strcmp(link, "anon_inode:[eventpoll]") == 0;
}

static inline struct kq_compat_note *
kq_compat_find(int kq, uintptr_t ident, short filter)
{
	for (int i = 0; i < KQ_COMPAT_MAX; i++)
		if (kq_compat_notes[i].kq == kq + 1 && kq_compat_notes[i].ident == ident &&
		    kq_compat_notes[i].filter == filter)
			return &kq_compat_notes[i];
	return NULL;
}

/* epoll's registration of fd ident follows its two knotes. */
static inline int
kq_compat_sync(int kq, uintptr_t ident)
{
	struct kq_compat_note *r = kq_compat_find(kq, ident, EVFILT_READ);
	struct kq_compat_note *w = kq_compat_find(kq, ident, EVFILT_WRITE);
	struct epoll_event ev = { .events = (r && r->enabled ? EPOLLIN : 0) |
	    (w && w->enabled ? EPOLLOUT : 0), .data.u64 = ident };

	if (r == NULL && w == NULL) {
		(void)epoll_ctl(kq, EPOLL_CTL_DEL, (int)ident, NULL);
		return 0;
	}
	if (epoll_ctl(kq, EPOLL_CTL_MOD, (int)ident, &ev) == 0)
		return 0;
	return errno == ENOENT ? epoll_ctl(kq, EPOLL_CTL_ADD, (int)ident, &ev) : -1;
}

static inline int
kq_compat_change(int kq, const struct kevent *c)
{
	struct kq_compat_note *n = kq_compat_find(kq, c->ident, c->filter);

	if (c->filter == EVFILT_SIGNAL) {
		struct epoll_event ev = { .events = EPOLLIN, .data.u64 = UINT64_MAX };
		int fd;

		if (!(c->flags & EV_ADD) || c->ident == 0 || c->ident >= NSIG) {
			errno = EINVAL;
			return -1;
		}
		sigaddset(&kq_compat_sigs[kq], (int)c->ident);
		fd = kq_compat_sigfd[kq] ? kq_compat_sigfd[kq] : -1;
		if ((fd = signalfd(fd, &kq_compat_sigs[kq], SFD_NONBLOCK)) == -1)
			return -1;
		if (!kq_compat_sigfd[kq] && epoll_ctl(kq, EPOLL_CTL_ADD, fd, &ev) == -1)
			return -1;
		kq_compat_sigfd[kq] = fd;
		return 0;
	}
	if ((c->filter != EVFILT_READ && c->filter != EVFILT_WRITE) ||
	    (c->filter == EVFILT_WRITE && (c->flags & EV_ADD) && kq_compat_is_kq(c->ident))) {
		errno = EINVAL;
		return -1;
	}
	if (c->flags & EV_DELETE) {
		if (n == NULL) {
			errno = ENOENT;
			return -1;
		}
		n->kq = 0;
		return kq_compat_sync(kq, c->ident);
	}
	if (n == NULL) {
		if (!(c->flags & EV_ADD)) {
			errno = ENOENT;
			return -1;
		}
		for (int i = 0; i < KQ_COMPAT_MAX && n == NULL; i++)
			if (kq_compat_notes[i].kq == 0)
				n = &kq_compat_notes[i];
		if (n == NULL) {
			errno = ENOMEM;
			return -1;
		}
		*n = (struct kq_compat_note){ kq + 1, c->ident, c->filter, 1, NULL };
	}
	if (c->flags & EV_ADD)
		n->udata = c->udata;
	if (c->flags & EV_DISABLE)
		n->enabled = 0;
	else if (c->flags & (EV_ADD | EV_ENABLE))
		n->enabled = 1;
	return kq_compat_sync(kq, c->ident);
}

static inline int
kevent(int kq, const struct kevent *changes, int nchanges, struct kevent *events, int nevents,
    const struct timespec *timeout)
{
	struct epoll_event evs[64];
	int ms = timeout == NULL ? -1 :
	    (int)(timeout->tv_sec * 1000 + timeout->tv_nsec / 1000000);
	int n, m = 0;

	if (kq < 0 || kq >= 1024) {
		errno = EBADF;
		return -1;
	}
	for (int i = 0; i < nchanges; i++)
		if (kq_compat_change(kq, &changes[i]) == -1)
			return -1;
	if (nevents == 0)
		return 0;
	if ((n = epoll_wait(kq, evs, nevents < 32 ? nevents : 32, ms)) == -1)
		return -1;
	for (int i = 0; i < n && m < nevents; i++) {
		uint32_t e = evs[i].events;
		struct kq_compat_note *r, *w;

		if (evs[i].data.u64 == UINT64_MAX) {	/* the signalfd */
			struct signalfd_siginfo si;

			if (read(kq_compat_sigfd[kq], &si, sizeof(si)) == (ssize_t)sizeof(si))
				EV_SET(&events[m++], si.ssi_signo, EVFILT_SIGNAL, 0, 0, 1, NULL);
			continue;
		}
		r = kq_compat_find(kq, (uintptr_t)evs[i].data.u64, EVFILT_READ);
		w = kq_compat_find(kq, (uintptr_t)evs[i].data.u64, EVFILT_WRITE);
		if (r != NULL && r->enabled && (e & (EPOLLIN | EPOLLHUP | EPOLLERR)))
			EV_SET(&events[m++], r->ident, EVFILT_READ,
			    e & (EPOLLHUP | EPOLLERR) ? EV_EOF : 0, e & EPOLLERR ? EIO : 0, 0,
			    r->udata);
		if (m < nevents && w != NULL && w->enabled && (e & (EPOLLOUT | EPOLLHUP | EPOLLERR)))
			EV_SET(&events[m++], w->ident, EVFILT_WRITE,
			    e & (EPOLLHUP | EPOLLERR) ? EV_EOF : 0, 0, 0, w->udata);
	}
	return m;
}

#endif
