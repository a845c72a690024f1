/* SPDX-License-Identifier: ISC */
/*
 * DOC: event loop
 *
 * One thread.  epoll waits on the registered descriptors, on one timerfd
 * and on one signalfd.  The timerfd is always armed to the earliest deadline
 * of a binary min-heap of struct loop_timer (absolute CLOCK_MONOTONIC ms);
 * re-arming it costs one timerfd_settime only when the earliest deadline
 * changes.  Timers store their heap index so cancel and re-arm are
 * O(log n) without searching: thousands of adjacency hold timers on a hub
 * are cheap.
 *
 * Callbacks receive `now` so the logic never reads the clock itself.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include <gripd/log.h>
#include <gripd/loop.h>

#define NO_IDX ((size_t)-1)

struct loop {
	int epfd;
	int tfd;
	int sfd;
	bool running;
	uint64_t armed_for; /* deadline the timerfd is set to, 0 = disarmed */
	struct timer_heap heap;
	void (*sig_cb)(int, void *);
	void *sig_arg;
};

uint64_t
loop_clock_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* --- the heap ----------------------------------------------------------- */

static void
heap_swap(struct timer_heap *h, size_t a, size_t b)
{
	struct loop_timer *t = h->v[a];

	h->v[a] = h->v[b];
	h->v[b] = t;
	h->v[a]->heap_idx = a;
	h->v[b]->heap_idx = b;
}

static void
heap_up(struct timer_heap *h, size_t i)
{
	while (i > 0) {
		size_t p = (i - 1) / 2;
		if (h->v[p]->deadline <= h->v[i]->deadline)
			break;
		heap_swap(h, i, p);
		i = p;
	}
}

static void
heap_down(struct timer_heap *h, size_t i)
{
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, m = i;
		if (l < h->n && h->v[l]->deadline < h->v[m]->deadline)
			m = l;
		if (r < h->n && h->v[r]->deadline < h->v[m]->deadline)
			m = r;
		if (m == i)
			break;
		heap_swap(h, i, m);
		i = m;
	}
}

int
timer_heap_push(struct timer_heap *h, struct loop_timer *t)
{
	if (h->n == h->cap) {
		size_t cap = h->cap ? h->cap * 2 : 64;
		struct loop_timer **v = realloc(h->v, cap * sizeof(*v));
		if (v == NULL)
			return -ENOMEM;
		h->v = v;
		h->cap = cap;
	}
	t->heap_idx = h->n;
	h->v[h->n++] = t;
	heap_up(h, t->heap_idx);
	return 0;
}

void
timer_heap_remove(struct timer_heap *h, struct loop_timer *t)
{
	size_t i = t->heap_idx;

	if (i == NO_IDX || i >= h->n || h->v[i] != t)
		return;
	t->heap_idx = NO_IDX;
	h->n--;
	if (i == h->n)
		return;
	h->v[i] = h->v[h->n];
	h->v[i]->heap_idx = i;
	heap_down(h, i);
	heap_up(h, i);
}

struct loop_timer *
timer_heap_top(const struct timer_heap *h)
{
	return h->n ? h->v[0] : NULL;
}

void
timer_heap_free(struct timer_heap *h)
{
	for (size_t i = 0; i < h->n; i++)
		h->v[i]->heap_idx = NO_IDX;
	free(h->v);
	memset(h, 0, sizeof(*h));
}

/* --- the loop ----------------------------------------------------------- */

struct loop *
loop_new(void)
{
	struct loop *loop = calloc(1, sizeof(*loop));
	struct epoll_event ev = { .events = EPOLLIN };

	if (loop == NULL)
		return NULL;
	loop->sfd = -1;
	loop->epfd = epoll_create1(EPOLL_CLOEXEC);
	loop->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (loop->epfd < 0 || loop->tfd < 0)
		goto fail;
	ev.data.ptr = &loop->tfd; /* tagged by address, see loop_run */
	if (epoll_ctl(loop->epfd, EPOLL_CTL_ADD, loop->tfd, &ev) < 0)
		goto fail;
	return loop;
fail:
	loop_free(loop);
	return NULL;
}

void
loop_free(struct loop *loop)
{
	if (loop == NULL)
		return;
	if (loop->epfd >= 0)
		close(loop->epfd);
	if (loop->tfd >= 0)
		close(loop->tfd);
	if (loop->sfd >= 0)
		close(loop->sfd);
	timer_heap_free(&loop->heap);
	free(loop);
}

int
loop_io_add(struct loop *loop, struct loop_io *io)
{
	struct epoll_event ev = { .events = io->events, .data.ptr = io };

	if (epoll_ctl(loop->epfd, EPOLL_CTL_ADD, io->fd, &ev) < 0)
		return -errno;
	io->registered = true;
	return 0;
}

int
loop_io_mod(struct loop *loop, struct loop_io *io, uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.ptr = io };

	if (io->events == events)
		return 0;
	if (epoll_ctl(loop->epfd, EPOLL_CTL_MOD, io->fd, &ev) < 0)
		return -errno;
	io->events = events;
	return 0;
}

void
loop_io_del(struct loop *loop, struct loop_io *io)
{
	if (!io->registered)
		return;
	epoll_ctl(loop->epfd, EPOLL_CTL_DEL, io->fd, NULL);
	io->registered = false;
}

void
loop_timer_init(struct loop_timer *t, void (*cb)(struct loop_timer *, uint64_t),
    void *arg)
{
	t->deadline = 0;
	t->heap_idx = NO_IDX;
	t->cb = cb;
	t->arg = arg;
}

/* Keeps the timerfd armed for the heap's earliest deadline. */
static void
loop_rearm(struct loop *loop)
{
	struct loop_timer *top = timer_heap_top(&loop->heap);
	struct itimerspec its = { 0 };

	if (loop == NULL || loop->tfd < 0)
		return;
	if (top == NULL) {
		if (loop->armed_for != 0) {
			timerfd_settime(loop->tfd, TFD_TIMER_ABSTIME, &its, NULL);
			loop->armed_for = 0;
		}
		return;
	}
	if (top->deadline == loop->armed_for)
		return;
	/* A deadline of 0 would disarm; 1 ms is already in the past. */
	uint64_t d = top->deadline ? top->deadline : 1;
	its.it_value.tv_sec = d / 1000;
	its.it_value.tv_nsec = (long)(d % 1000) * 1000000;
	timerfd_settime(loop->tfd, TFD_TIMER_ABSTIME, &its, NULL);
	loop->armed_for = top->deadline;
}

void
loop_timer_arm(struct loop *loop, struct loop_timer *t, uint64_t deadline)
{
	if (t->heap_idx != NO_IDX)
		timer_heap_remove(&loop->heap, t);
	t->deadline = deadline;
	if (timer_heap_push(&loop->heap, t) < 0) {
		/* Out of memory for the heap: a broken invariant of the daemon. */
		log_err("loop: cannot arm timer: out of memory");
		abort();
	}
	loop_rearm(loop);
}

void
loop_timer_cancel(struct loop *loop, struct loop_timer *t)
{
	if (t->heap_idx == NO_IDX)
		return;
	timer_heap_remove(&loop->heap, t);
	loop_rearm(loop);
}

uint64_t
loop_next_deadline(const struct loop *loop)
{
	struct loop_timer *top = timer_heap_top(&loop->heap);

	return top ? top->deadline : UINT64_MAX;
}

size_t
loop_timers_run(struct loop *loop, uint64_t now)
{
	struct loop_timer *t;
	size_t fired = 0;

	while ((t = timer_heap_top(&loop->heap)) != NULL && t->deadline <= now) {
		timer_heap_remove(&loop->heap, t);
		t->cb(t, now);
		fired++;
	}
	loop_rearm(loop);
	return fired;
}

int
loop_signals(struct loop *loop, void (*cb)(int, void *), void *arg)
{
	sigset_t set;
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = &loop->sfd };

	sigemptyset(&set);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
		return -errno;
	loop->sfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	if (loop->sfd < 0)
		return -errno;
	if (epoll_ctl(loop->epfd, EPOLL_CTL_ADD, loop->sfd, &ev) < 0)
		return -errno;
	/* Writes to a closed control connection must not kill the daemon. */
	signal(SIGPIPE, SIG_IGN);
	loop->sig_cb = cb;
	loop->sig_arg = arg;
	return 0;
}

static void
loop_read_signals(struct loop *loop)
{
	struct signalfd_siginfo si;

	while (read(loop->sfd, &si, sizeof(si)) == sizeof(si))
		if (loop->sig_cb != NULL)
			loop->sig_cb((int)si.ssi_signo, loop->sig_arg);
}

int
loop_run(struct loop *loop)
{
	struct epoll_event evs[64];

	loop->running = true;
	while (loop->running) {
		int n = epoll_wait(loop->epfd, evs, 64, -1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		uint64_t now = loop_clock_ms();
		for (int i = 0; i < n && loop->running; i++) {
			void *p = evs[i].data.ptr;
			if (p == &loop->tfd) {
				uint64_t exp;
				if (read(loop->tfd, &exp, sizeof(exp)) < 0) {
					/* EAGAIN: raced with a re-arm */
				}
				loop->armed_for = 0;
			} else if (p == &loop->sfd) {
				loop_read_signals(loop);
			} else {
				struct loop_io *io = p;
				io->cb(io, evs[i].events, now);
			}
		}
		loop_timers_run(loop, loop_clock_ms());
	}
	return 0;
}

void
loop_stop(struct loop *loop)
{
	loop->running = false;
}
