/* SPDX-License-Identifier: ISC */
/*
 * loop.h: the control plane's single-threaded event loop.
 *
 * epoll for file descriptors, one timerfd armed to the earliest deadline of
 * a min-heap of timers, and a signalfd for SIGHUP/SIGTERM/SIGINT.  Time is
 * CLOCK_MONOTONIC in milliseconds (uint64_t) and is passed to every callback,
 * so state machines take `now` as a parameter and tests drive them with a
 * fake clock: loop_timers_run(loop, now) fires what is due without epoll.
 *
 * An object embeds its struct loop_io / struct loop_timer and removes them
 * when it is freed (loop_io_del, loop_timer_cancel); both are safe to call
 * on an object that is not registered.
 */
#ifndef GRIPD_LOOP_H
#define GRIPD_LOOP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct loop;

struct loop_io {
	int fd;
	uint32_t events; /* EPOLLIN | EPOLLOUT ... */
	void (*cb)(struct loop_io *io, uint32_t revents, uint64_t now);
	void *arg;
	bool registered;
};

struct loop_timer {
	uint64_t deadline; /* monotonic ms */
	size_t heap_idx;   /* SIZE_MAX when not armed */
	void (*cb)(struct loop_timer *t, uint64_t now);
	void *arg;
};

/* A timer heap without any I/O, usable on its own on a fake clock. */
struct timer_heap {
	struct loop_timer **v;
	size_t n, cap;
};

/* Returns the current CLOCK_MONOTONIC time in milliseconds. */
uint64_t loop_clock_ms(void);

/* Returns a new loop, or NULL with errno set. */
struct loop *loop_new(void);
void loop_free(struct loop *loop);

/* Registers fd; returns 0 or -errno. */
int loop_io_add(struct loop *loop, struct loop_io *io);
/* Changes the event mask; returns 0 or -errno. */
int loop_io_mod(struct loop *loop, struct loop_io *io, uint32_t events);
void loop_io_del(struct loop *loop, struct loop_io *io);

void loop_timer_init(struct loop_timer *t,
    void (*cb)(struct loop_timer *, uint64_t), void *arg);
/* (Re)arms t for the absolute monotonic time `deadline`. */
void loop_timer_arm(struct loop *loop, struct loop_timer *t, uint64_t deadline);
void loop_timer_cancel(struct loop *loop, struct loop_timer *t);
static inline bool
loop_timer_armed(const struct loop_timer *t)
{
	return t->heap_idx != (size_t)-1;
}

/*
 * Signals: SIGHUP, SIGTERM and SIGINT are blocked and delivered through a
 * signalfd to cb.  Returns 0 or -errno.
 */
int loop_signals(struct loop *loop, void (*cb)(int signo, void *arg), void *arg);

/* Runs until loop_stop(); returns 0 or -errno on an epoll failure. */
int loop_run(struct loop *loop);
void loop_stop(struct loop *loop);

/*
 * Fires every timer whose deadline is <= now, in deadline order (timers
 * armed by callbacks for <= now fire too).  Returns the number fired.
 */
size_t loop_timers_run(struct loop *loop, uint64_t now);
/* Returns the earliest armed deadline, or UINT64_MAX. */
uint64_t loop_next_deadline(const struct loop *loop);

/* The heap itself, for tests and for the loop. */
int timer_heap_push(struct timer_heap *h, struct loop_timer *t);
void timer_heap_remove(struct timer_heap *h, struct loop_timer *t);
struct loop_timer *timer_heap_top(const struct timer_heap *h);
void timer_heap_free(struct timer_heap *h);

#endif
