/* SPDX-License-Identifier: ISC */
/*
 * Multipoint neighbour table: semantics, churn against a reference model,
 * concurrent readers during changes, and a lookup benchmark at 10,000
 * neighbours (prints ns/lookup).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <gripd/tunnel.h>

#include "check.h"

static struct tunnel_ip
ip4(uint32_t host)
{
	struct tunnel_ip a = {.family = AF_INET};

	a.u.v4.s_addr = htonl(host);
	return a;
}

static struct tunnel_ip
ip6(uint32_t host)
{
	struct tunnel_ip a = {.family = AF_INET6};

	a.u.b[0] = 0x20;
	a.u.b[1] = 0x01;
	a.u.b[2] = 0x0d;
	a.u.b[3] = 0xb8;
	a.u.b[12] = host >> 24;
	a.u.b[13] = host >> 16;
	a.u.b[14] = host >> 8;
	a.u.b[15] = host;
	return a;
}

/* Spoke i: inner 10.128.0.0 + i (and 2001:db8::i), outer 198.18.0.0 + i. */
static struct nbr
spoke(uint32_t i, bool v6)
{
	struct nbr n = {0};

	n.inner4 = ip4(0x0a800000u + i);
	if (v6)
		n.inner6 = ip6(i);
	n.outer = ip4(0xc6120000u + i);
	n.sa = 1000000u + i;
	return n;
}

static void
test_basics(void)
{
	struct nbr_table *tb = nbr_table_new(4);
	struct nbr n = spoke(1, true), m, out;
	struct tunnel_ip a;

	CHECK(tb != NULL);
	CHECK_EQ(nbr_add(tb, &n), 0);
	CHECK_EQ(nbr_count(tb), 1);
	CHECK_EQ(nbr_lookup(tb, &n.inner4, &out), 0);
	CHECK_EQ(out.sa, 1000001);
	CHECK_EQ(nbr_lookup(tb, &n.inner6, &out), 0);
	CHECK_EQ(out.sa, 1000001);
	a = ip4(0x0a800002);
	CHECK_EQ(nbr_lookup(tb, &a, &out), -ENOENT);
	a.family = 0;
	CHECK_EQ(nbr_lookup(tb, &a, &out), -ENOENT);

	/* Receive side: outer + port + key must all match. */
	CHECK_EQ(nbr_lookup_outer(tb, &n.outer, 0, false, 0, &out), 0);
	CHECK_EQ(nbr_lookup_outer(tb, &n.outer, 4500, false, 0, &out), -ENOENT);
	CHECK_EQ(nbr_lookup_outer(tb, &n.outer, 0, true, 0, &out), -ENOENT);

	/* Duplicates: an inner address, or the outer key. */
	m = spoke(2, false);
	m.inner4 = n.inner4;
	CHECK_EQ(nbr_add(tb, &m), -EEXIST);
	m = spoke(2, false);
	m.outer = n.outer;
	CHECK_EQ(nbr_add(tb, &m), -EEXIST);
	/* Two spokes behind one NAT: same address, other port. */
	m.outer_port = 4500;
	CHECK_EQ(nbr_add(tb, &m), 0);
	/* Or told apart by GRE key. */
	m = spoke(3, false);
	m.outer = n.outer;
	m.gre_key_present = true;
	m.gre_key = 33;
	CHECK_EQ(nbr_add(tb, &m), 0);
	CHECK_EQ(nbr_lookup_outer(tb, &n.outer, 0, true, 33, &out), 0);
	CHECK_EQ(out.sa, 1000003);
	CHECK_EQ(nbr_lookup_outer(tb, &n.outer, 4500, false, 0, &out), 0);
	CHECK_EQ(out.sa, 1000002);
	CHECK_EQ(nbr_count(tb), 3);

	/* Invalid: no inner address; wrong family in a slot; no outer. */
	m = spoke(4, false);
	m.inner4.family = 0;
	CHECK_EQ(nbr_add(tb, &m), -EINVAL);
	m = spoke(4, false);
	m.inner4.family = AF_INET6;
	CHECK_EQ(nbr_add(tb, &m), -EINVAL);
	m = spoke(4, false);
	m.outer.family = 0;
	CHECK_EQ(nbr_add(tb, &m), -EINVAL);

	/* Rekey. */
	CHECK_EQ(nbr_set_sa(tb, &n.inner6, 77), 0);
	CHECK_EQ(nbr_lookup(tb, &n.inner4, &out), 0);
	CHECK_EQ(out.sa, 77);
	a = ip6(99);
	CHECK_EQ(nbr_set_sa(tb, &a, 1), -ENOENT);

	/* Delete by either inner address removes every key. */
	CHECK_EQ(nbr_del(tb, &n.inner6), 0);
	CHECK_EQ(nbr_lookup(tb, &n.inner4, &out), -ENOENT);
	CHECK_EQ(nbr_lookup(tb, &n.inner6, &out), -ENOENT);
	CHECK_EQ(nbr_lookup_outer(tb, &n.outer, 0, false, 0, &out), -ENOENT);
	CHECK_EQ(nbr_del(tb, &n.inner4), -ENOENT);
	CHECK_EQ(nbr_count(tb), 2);
	CHECK_EQ(nbr_add(tb, &n), 0); /* the slot is reused */
	CHECK_EQ(nbr_count(tb), 3);
	nbr_table_free(tb);
	nbr_table_free(NULL);
}

/* Random adds and deletes against a presence array, through regrowth. */
static void
test_churn(void)
{
	enum { N = 20000 };
	static bool present[N];
	struct nbr_table *tb = nbr_table_new(0);
	struct nbr n, out;
	unsigned i, k, bad = 0, count = 0;
	int err;

	srand(7);
	for (k = 0; k < 200000; k++) {
		i = (unsigned)rand() % N;
		n = spoke(i, i % 3 == 0);
		if (rand() % 3 != 0) {
			err = nbr_add(tb, &n);
			if (err != (present[i] ? -EEXIST : 0))
				bad++;
			if (!present[i])
				count++;
			present[i] = true;
		} else {
			err = nbr_del(tb, &n.inner4);
			if (err != (present[i] ? 0 : -ENOENT))
				bad++;
			if (present[i])
				count--;
			present[i] = false;
		}
	}
	CHECK_EQ(bad, 0);
	CHECK_EQ(nbr_count(tb), count);
	for (i = 0; i < N; i++) {
		n = spoke(i, i % 3 == 0);
		err = nbr_lookup(tb, &n.inner4, &out);
		if (err != (present[i] ? 0 : -ENOENT) ||
		    (err == 0 && out.sa != n.sa))
			bad++;
		if (i % 3 == 0 && nbr_lookup(tb, &n.inner6, &out) !=
				      (present[i] ? 0 : -ENOENT))
			bad++;
		if (nbr_lookup_outer(tb, &n.outer, 0, false, 0, &out) !=
		    (present[i] ? 0 : -ENOENT))
			bad++;
	}
	CHECK_EQ(bad, 0);
	nbr_table_free(tb);
}

static struct nbr_table *ctb;
static atomic_bool stop;
static atomic_uint reader_bad;

static void *
reader(void *arg)
{
	struct nbr out;
	struct tunnel_ip a;
	unsigned i = (unsigned)(uintptr_t)arg;

	while (!atomic_load(&stop)) {
		i = (i * 1103515245u + 12345u) % 2000;
		a = ip4(0x0a800000u + i);
		/* Present or not, what we get back must be consistent. */
		if (nbr_lookup(ctb, &a, &out) == 0 &&
		    (out.sa != 1000000u + i ||
			out.outer.u.v4.s_addr != htonl(0xc6120000u + i)))
			atomic_fetch_add(&reader_bad, 1);
	}
	return NULL;
}

static void
test_concurrent(void)
{
	pthread_t th[3];
	struct nbr n;
	unsigned i, round;

	ctb = nbr_table_new(0);
	for (i = 0; i < 3; i++)
		pthread_create(&th[i], NULL, reader, (void *)(uintptr_t)i);
	for (round = 0; round < 20; round++) {
		for (i = 0; i < 2000; i++) {
			n = spoke(i, true);
			nbr_add(ctb, &n);
		}
		for (i = round % 2; i < 2000; i += 2) {
			n = spoke(i, true);
			nbr_del(ctb, &n.inner6);
		}
	}
	atomic_store(&stop, true);
	for (i = 0; i < 3; i++)
		pthread_join(th[i], NULL);
	CHECK_EQ(atomic_load(&reader_bad), 0);
	CHECK_EQ(nbr_count(ctb), 1000);
	nbr_table_free(ctb);
}

static double
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static void
test_bench(void)
{
	enum { N = 10000, LOOKUPS = 2000000 };
	struct nbr_table *tb = nbr_table_new(N);
	struct tunnel_ip *keys = malloc(sizeof(*keys) * 4096);
	struct nbr n, out;
	unsigned i, hits = 0, fails = 0;
	double t0, t1;

	for (i = 0; i < N; i++) {
		n = spoke(i * 7, true);
		fails += nbr_add(tb, &n) != 0;
	}
	CHECK_EQ(fails, 0);
	CHECK_EQ(nbr_count(tb), N);
	for (i = 0; i < 4096; i++)
		keys[i] = ip4(0x0a800000u + ((i * 2654435761u) % N) * 7);
	t0 = now_ns();
	for (i = 0; i < LOOKUPS; i++)
		hits += nbr_lookup(tb, &keys[i & 4095], &out) == 0;
	t1 = now_ns();
	CHECK_EQ(hits, LOOKUPS);
	printf("nbr_lookup: %u neighbours, %.1f ns/lookup "
	       "(uncontended read lock included)\n",
	    N, (t1 - t0) / LOOKUPS);
	free(keys);
	nbr_table_free(tb);
}

int
main(void)
{
	test_basics();
	test_churn();
	test_concurrent();
	test_bench();
	return check_report();
}
