/* SPDX-License-Identifier: ISC */
/* Event loop: the timer heap on a fake clock, then real epoll/timerfd. */
#include <stdlib.h>
#include <sys/epoll.h>
#include <unistd.h>

#include <gripd/loop.h>

#include "check.h"

static int order[64], norder;
static struct loop *L;

static void
record(struct loop_timer *t, uint64_t now)
{
	order[norder++] = (int)(long)t->arg;
}

static void
test_heap_order(void)
{
	struct loop *loop = loop_new();
	struct loop_timer t[10];
	uint64_t deadlines[10] = { 50, 10, 90, 30, 70, 20, 80, 60, 40, 100 };

	norder = 0;
	for (int i = 0; i < 10; i++) {
		loop_timer_init(&t[i], record, (void *)(long)deadlines[i]);
		loop_timer_arm(loop, &t[i], 1000000 + deadlines[i]);
	}
	CHECK_EQ(loop_next_deadline(loop), 1000010);
	/* Cancel 30 and 70, re-arm 90 to 5. */
	loop_timer_cancel(loop, &t[3]);
	loop_timer_cancel(loop, &t[4]);
	loop_timer_cancel(loop, &t[4]); /* twice is harmless */
	CHECK(!loop_timer_armed(&t[3]));
	loop_timer_arm(loop, &t[2], 1000005);
	CHECK_EQ(loop_next_deadline(loop), 1000005);
	/* Nothing is due a millisecond early. */
	CHECK_EQ(loop_timers_run(loop, 1000004), 0);
	CHECK_EQ(loop_timers_run(loop, 1000050), 5);
	CHECK_EQ(norder, 5);
	int want[] = { 90, 10, 20, 40, 50 };
	for (int i = 0; i < 5; i++)
		CHECK_EQ(order[i], want[i]);
	CHECK_EQ(loop_timers_run(loop, 2000000), 3);
	CHECK_EQ(loop_next_deadline(loop), UINT64_MAX);
	loop_free(loop);
}

/* A timer that re-arms itself, like a hello timer. */
static int periodic_count;
static void
periodic(struct loop_timer *t, uint64_t now)
{
	periodic_count++;
	if (periodic_count < 5)
		loop_timer_arm(L, t, now + 300);
}

static void
test_periodic_fake_clock(void)
{
	struct loop_timer t;

	L = loop_new();
	periodic_count = 0;
	loop_timer_init(&t, periodic, NULL);
	loop_timer_arm(L, &t, 300);
	for (uint64_t now = 0; now <= 3000; now++)
		loop_timers_run(L, now);
	CHECK_EQ(periodic_count, 5);
	CHECK(!loop_timer_armed(&t));
	loop_free(L);
}

static void
test_heap_random(void)
{
	struct loop *loop = loop_new();
	enum { N = 2000 };
	struct loop_timer *t = calloc(N, sizeof(*t));
	uint64_t last = 0;
	bool sorted = true;

	srand(7);
	for (int i = 0; i < N; i++) {
		loop_timer_init(&t[i], record, NULL);
		loop_timer_arm(loop, &t[i], 10 + (uint64_t)(rand() % 100000));
	}
	for (int i = 0; i < N; i += 3)
		loop_timer_cancel(loop, &t[i]);
	for (int i = 1; i < N; i += 7)
		loop_timer_arm(loop, &t[i], 10 + (uint64_t)(rand() % 100000));
	int fired = 0;
	struct loop_timer *top;
	while (loop_next_deadline(loop) != UINT64_MAX) {
		uint64_t d = loop_next_deadline(loop);
		if (d < last)
			sorted = false;
		last = d;
		norder = 0;
		fired += (int)loop_timers_run(loop, d);
	}
	(void)top;
	CHECK(sorted);
	int expect = 0;
	for (int i = 0; i < N; i++)
		if (i % 3 != 0 || (i % 7 == 1))
			expect++;
	CHECK_EQ(fired, expect);
	free(t);
	loop_free(loop);
}

/* Real loop: a pipe and a timer; the timer stops the loop. */
static int io_seen;
static void
io_cb(struct loop_io *io, uint32_t revents, uint64_t now)
{
	char c;
	if (read(io->fd, &c, 1) == 1 && c == 'x')
		io_seen++;
}

static void
stop_cb(struct loop_timer *t, uint64_t now)
{
	loop_stop(L);
}

static void
test_real_loop(void)
{
	int p[2];
	struct loop_io io = { 0 };
	struct loop_timer stop;

	CHECK(pipe(p) == 0);
	L = loop_new();
	io.fd = p[0];
	io.events = EPOLLIN;
	io.cb = io_cb;
	CHECK_EQ(loop_io_add(L, &io), 0);
	CHECK(write(p[1], "x", 1) == 1);
	loop_timer_init(&stop, stop_cb, NULL);
	uint64_t t0 = loop_clock_ms();
	loop_timer_arm(L, &stop, t0 + 30);
	CHECK_EQ(loop_run(L), 0);
	uint64_t el = loop_clock_ms() - t0;
	CHECK_EQ(io_seen, 1);
	/* Generous bound: fired after its deadline, not absurdly late. */
	CHECK(el >= 30 && el < 2000);
	loop_io_del(L, &io);
	close(p[0]);
	close(p[1]);
	loop_free(L);
}

int
main(void)
{
	test_heap_order();
	test_periodic_fake_clock();
	test_heap_random();
	test_real_loop();
	return check_report();
}
