/* SPDX-License-Identifier: ISC */
/*
 * crypto_sadb_test: the SA database (crypto/sadb.c): install, lookup,
 * make-before-break replace on a fake clock, expiry and lifetime events,
 * quiescent-state reclamation, and a threaded rekey storm under ASan.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include <gripd/esp.h>

#include "check.h"
#include "esp_sa.h"

static uint8_t key[36];

static struct esp_sa_params
params(enum esp_dir dir, uint32_t spi, uint64_t tunnel)
{
	struct esp_sa_params p;

	memset(&p, 0, sizeof(p));
	p.spi = spi;
	p.dir = dir;
	p.alg = ESP_ALG_AES_GCM_128;
	memcpy(p.enc_key, key, 20);
	p.enc_key_len = 20;
	p.mode = ESP_MODE_TRANSPORT;
	p.tunnel_id = tunnel;
	return p;
}

/* One packet from out to in; returns esp_sadb_input's result. */
static int
send1(struct esp_sadb *db, struct esp_worker *w, struct esp_sa *out)
{
	uint8_t buf[128], nh;
	size_t off, len;
	struct esp_sa *sa;
	int rc;

	memset(buf + 16, 0x5a, 20);
	if ((rc = esp_encap(w, out, buf, sizeof(buf), 16, 20, ESP_NH_GRE, &off,
	    &len)) < 0)
		return rc;
	return esp_sadb_input(db, w, buf + off, len, &sa, &off, &len, &nh);
}

struct evlog {
	unsigned n;
	uint32_t spi[8];
	unsigned ev[8];
};

static void
log_event(void *arg, const struct esp_sa *sa, unsigned events)
{
	struct evlog *l = arg;

	if (l->n < 8) {
		l->spi[l->n] = esp_sa_spi(sa);
		l->ev[l->n] = events;
	}
	l->n++;
}

static void
test_install_replace(void)
{
	struct esp_sadb *db;
	struct esp_worker w = { .index = 1 };
	struct esp_sa_params p;
	struct esp_sa_counters c;
	struct evlog log = { 0 };
	struct esp_sa *out;

	CHECK_EQ(esp_sadb_create(0, &db), 0);
	/* our inbound SA 0x100 pairs with the peer's outbound 0x100 */
	p = params(ESP_DIR_IN, 0x100, 1);
	CHECK_EQ(esp_sadb_install(db, &p, 10), 0);
	CHECK_EQ(esp_sadb_install(db, &p, 10), -EEXIST);
	p = params(ESP_DIR_OUT, 0x100, 1);
	CHECK_EQ(esp_sadb_install(db, &p, 10), 0);
	CHECK_EQ(esp_sadb_install(db, &p, 10), -EEXIST); /* one per tunnel */
	p = params(ESP_DIR_IN, 0x200, 2);
	p.alg = 99;
	CHECK_EQ(esp_sadb_install(db, &p, 10), -EINVAL);

	esp_sadb_online(db, &w);
	CHECK(esp_sadb_lookup_in(db, 0x100) != NULL);
	CHECK(esp_sadb_lookup_in(db, 0x101) == NULL);
	CHECK(esp_sadb_lookup_out(db, 2) == NULL);
	out = esp_sadb_lookup_out(db, 1);
	CHECK(out != NULL && esp_sa_spi(out) == 0x100);
	CHECK_EQ(send1(db, &w, out), 0);
	CHECK_EQ(esp_sadb_unknown_spi(db), 0);
	{
		uint8_t junk[40] = { 0, 0, 0x99, 0x99 };
		struct esp_sa *sa;
		size_t o, l;
		uint8_t nh;

		CHECK_EQ(esp_sadb_input(db, &w, junk, sizeof(junk), &sa, &o,
		    &l, &nh), -ENOENT);
		CHECK_EQ(esp_sadb_input(db, &w, junk, 3, &sa, &o, &l, &nh),
		    -ENOENT);
		CHECK_EQ(esp_sadb_unknown_spi(db), 2);
	}

	/* rekey at t=100 with a 30 s grace period */
	{
		struct esp_sa_params ni = params(ESP_DIR_IN, 0x101, 1);
		struct esp_sa_params no = params(ESP_DIR_OUT, 0x101, 1);

		/* wrong old SPIs: refused, nothing changed */
		CHECK_EQ(esp_sadb_replace(db, 0x999, &ni, 0x100, &no, 100, 30),
		    -ENOENT);
		CHECK_EQ(esp_sadb_replace(db, 0x100, &ni, 0x999, &no, 100, 30),
		    -ENOENT);
		CHECK(esp_sadb_lookup_in(db, 0x101) == NULL);
		ni.dir = ESP_DIR_OUT;
		CHECK_EQ(esp_sadb_replace(db, 0x100, &ni, 0x100, &no, 100, 30),
		    -EINVAL);
		ni.dir = ESP_DIR_IN;
		ni.spi = 0x100; /* SPI taken */
		CHECK_EQ(esp_sadb_replace(db, 0x100, &ni, 0x100, &no, 100, 30),
		    -EEXIST);
		ni.spi = 0x101;
		CHECK_EQ(esp_sadb_replace(db, 0x100, &ni, 0x100, &no, 100, 30),
		    0);
	}
	/* a packet still in flight on the old SA: the old outbound is gone,
	 * but `out` stays valid until we report a quiescent state */
	CHECK_EQ(esp_sa_spi(out), 0x100);
	CHECK_EQ(send1(db, &w, out), 0); /* old inbound still accepts */
	esp_sadb_quiescent(db, &w);
	out = esp_sadb_lookup_out(db, 1);
	CHECK(out != NULL && esp_sa_spi(out) == 0x101);
	CHECK_EQ(send1(db, &w, out), 0);
	CHECK(esp_sadb_lookup_in(db, 0x100) != NULL);
	CHECK_EQ(esp_sadb_counters(db, ESP_DIR_IN, 0x100, &c), 0);
	CHECK_EQ(c.packets, 2);
	/* cannot rekey the lingering SA again */
	{
		struct esp_sa_params ni = params(ESP_DIR_IN, 0x102, 1);

		CHECK_EQ(esp_sadb_replace(db, 0x100, &ni, 0, NULL, 101, 30),
		    -ENOENT);
	}
	/* t=129: still there; t=130: gone */
	CHECK_EQ(esp_sadb_expire(db, 129, log_event, &log), 0);
	CHECK(esp_sadb_lookup_in(db, 0x100) != NULL);
	esp_sadb_quiescent(db, &w);
	CHECK_EQ(esp_sadb_expire(db, 130, log_event, &log), 1);
	CHECK(esp_sadb_lookup_in(db, 0x100) == NULL);
	CHECK_EQ(esp_sadb_counters(db, ESP_DIR_IN, 0x100, &c), -ENOENT);
	CHECK_EQ(esp_sadb_counters(db, ESP_DIR_IN, 0x101, &c), 0);
	CHECK_EQ(c.packets, 1);
	CHECK_EQ(log.n, 0);
	esp_sadb_quiescent(db, &w);

	CHECK_EQ(esp_sadb_remove(db, ESP_DIR_OUT, 0x101), 0);
	CHECK_EQ(esp_sadb_remove(db, ESP_DIR_OUT, 0x101), -ENOENT);
	CHECK(esp_sadb_lookup_out(db, 1) == NULL);
	esp_sadb_offline(db, &w);
	esp_sadb_free(db);
}

static void
test_lifetimes(void)
{
	struct esp_sadb *db;
	struct esp_sa_params p;
	struct evlog log = { 0 };
	struct esp_worker w = { .index = 0 };
	struct esp_sa *out;

	CHECK_EQ(esp_sadb_create(16, &db), 0);
	p = params(ESP_DIR_IN, 0x300, 3);
	p.soft.seconds = 50;
	p.hard.seconds = 60;
	CHECK_EQ(esp_sadb_install(db, &p, 1000), 0);
	p = params(ESP_DIR_OUT, 0x301, 3);
	CHECK_EQ(esp_sadb_install(db, &p, 1000), 0);
	CHECK_EQ(esp_sadb_expire(db, 1049, log_event, &log), 0);
	CHECK_EQ(log.n, 0);
	CHECK_EQ(esp_sadb_expire(db, 1050, log_event, &log), 0);
	CHECK_EQ(log.n, 1);
	CHECK_EQ(log.spi[0], 0x300);
	CHECK_EQ(log.ev[0], ESP_EV_SOFT);
	CHECK_EQ(esp_sadb_expire(db, 1055, log_event, &log), 0);
	CHECK_EQ(log.n, 1); /* reported once */
	CHECK_EQ(esp_sadb_expire(db, 1060, log_event, &log), 1);
	CHECK_EQ(log.n, 2);
	CHECK_EQ(log.ev[1], ESP_EV_HARD);
	CHECK(esp_sadb_lookup_in(db, 0x300) == NULL);

	/* sequence-number exhaustion raised by the datapath */
	out = esp_sadb_lookup_out(db, 3);
	esp_sa_set_seq_next(out, ESP_SEQ_LAST_32);
	CHECK_EQ(send1(db, &w, out), -ENOENT); /* no inbound 0x301 here */
	CHECK_EQ(esp_sadb_expire(db, 1061, log_event, &log), 1);
	CHECK_EQ(log.n, 3);
	CHECK_EQ(log.spi[2], 0x301);
	CHECK_EQ(log.ev[2], ESP_EV_SOFT | ESP_EV_HARD);
	CHECK(esp_sadb_lookup_out(db, 3) == NULL);
	esp_sadb_free(db);
}

/* Rekey storm: workers send and receive while the control thread keeps
 * replacing the SA pair.  ASan reports any use after free. */
struct storm {
	struct esp_sadb *db;
	atomic_bool stop;
	atomic_ulong ok, fail;
	atomic_uint next_slot;
	atomic_ulong batches[2]; /* per worker: batches completed */
};

static void *
storm_worker(void *arg)
{
	struct storm *st = arg;
	static atomic_uint next_index = 2;
	struct esp_worker w = { .index = atomic_fetch_add(&next_index, 1) };
	unsigned slot = atomic_fetch_add(&st->next_slot, 1);

	esp_sadb_online(st->db, &w);
	while (!atomic_load(&st->stop)) {
		for (int i = 0; i < 32; i++) {
			struct esp_sa *out = esp_sadb_lookup_out(st->db, 9);
			int rc = out != NULL ? send1(st->db, &w, out) : -ENOENT;

			/*
			 * Both workers share one SA pair: a worker preempted
			 * while the other sends more than a window's worth
			 * arrives "too old" (-EALREADY), which is the replay
			 * window doing its job, not a rekey failure.
			 */
			if (rc == 0 || rc == -EALREADY)
				atomic_fetch_add(&st->ok, 1);
			else
				atomic_fetch_add(&st->fail, 1);
		}
		esp_sadb_quiescent(st->db, &w);
		atomic_fetch_add(&st->batches[slot], 1);
	}
	esp_sadb_offline(st->db, &w);
	return NULL;
}

static void
test_storm(void)
{
	struct storm st = { 0 };
	pthread_t t[2];
	struct esp_sa_params p;
	uint32_t spi = 0x1000;

	CHECK_EQ(esp_sadb_create(64, &st.db), 0);
	p = params(ESP_DIR_IN, spi, 9);
	CHECK_EQ(esp_sadb_install(st.db, &p, 0), 0);
	p = params(ESP_DIR_OUT, spi, 9);
	CHECK_EQ(esp_sadb_install(st.db, &p, 0), 0);
	for (int i = 0; i < 2; i++)
		pthread_create(&t[i], NULL, storm_worker, &st);
	for (uint64_t now = 1; now <= 400; now++) {
		struct esp_sa_params ni = params(ESP_DIR_IN, spi + 1, 9);
		struct esp_sa_params no = params(ESP_DIR_OUT, spi + 1, 9);

		CHECK_EQ(esp_sadb_replace(st.db, spi, &ni, spi, &no, now, 100),
		    0);
		spi++;
		esp_sadb_expire(st.db, now, NULL, NULL);
		/*
		 * The clock advances only as both workers make progress, so a
		 * preempted worker is never "delayed past the grace period"
		 * by the scheduler of a loaded test machine.
		 */
		unsigned long b0 = atomic_load(&st.batches[0]);
		unsigned long b1 = atomic_load(&st.batches[1]);
		while (atomic_load(&st.batches[0]) == b0 ||
		    atomic_load(&st.batches[1]) == b1)
			sched_yield();
	}
	atomic_store(&st.stop, true);
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	CHECK(atomic_load(&st.ok) > 0);
	/*
	 * make-before-break: a packet never finds its inbound SA missing
	 * (as long as it is not delayed past the grace period: 100 ticks)
	 */
	CHECK_EQ(atomic_load(&st.fail), 0);
	CHECK_EQ(esp_sadb_unknown_spi(st.db), 0);
	fprintf(stderr, "storm: %lu packets over 400 rekeys\n",
	    (unsigned long)atomic_load(&st.ok));
	esp_sadb_expire(st.db, 1000, NULL, NULL);
	esp_sadb_free(st.db);
}

/* The control thread's view of an outbound SA's sequence numbers. */
static void
test_seq(void)
{
	struct esp_worker w = { .index = 0 };
	struct esp_sa_params in = params(ESP_DIR_IN, 0x500, 9);
	struct esp_sa_params out = params(ESP_DIR_OUT, 0x500, 9);
	struct esp_sadb *db;
	uint64_t next = 0;

	CHECK_EQ(esp_sadb_create(16, &db), 0);
	out.seq_start = 40;
	out.seq_limit = 41;
	CHECK_EQ(esp_sadb_install(db, &in, 0), 0);
	CHECK_EQ(esp_sadb_install(db, &out, 0), 0);
	esp_sadb_online(db, &w);
	struct esp_sa *o = esp_sadb_lookup_out(db, 9);
	CHECK(o != NULL);
	CHECK_EQ(esp_sadb_seq_next(db, 9, &next), 0);
	CHECK_EQ(next, 40);
	CHECK_EQ(send1(db, &w, o), 0);
	CHECK_EQ(send1(db, &w, o), -EAGAIN);
	CHECK_EQ(esp_sadb_set_seq_limit(db, 9, 50), 0);
	CHECK_EQ(send1(db, &w, o), 0);
	CHECK_EQ(esp_sadb_seq_next(db, 9, &next), 0);
	CHECK_EQ(next, 42);
	CHECK_EQ(esp_sadb_seq_stop(db, 9, &next), 0);
	CHECK_EQ(next, 42);
	CHECK_EQ(send1(db, &w, o), -ESTALE);
	esp_sadb_quiescent(db, &w);
	CHECK_EQ(esp_sadb_seq_next(db, 10, &next), -ENOENT);
	CHECK_EQ(esp_sadb_set_seq_limit(db, 10, 1), -ENOENT);
	CHECK_EQ(esp_sadb_seq_stop(db, 10, &next), -ENOENT);
	esp_sadb_offline(db, &w);
	esp_sadb_free(db);
}

int
main(void)
{
	for (size_t i = 0; i < sizeof(key); i++)
		key[i] = (uint8_t)(0x11 * i);
	test_seq();
	test_install_replace();
	test_lifetimes();
	test_storm();
	return check_report();
}
