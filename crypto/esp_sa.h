/* SPDX-License-Identifier: ISC */
/*
 * esp_sa.h (private): the SA object shared by esp.c (datapath) and
 * sadb.c (database), plus test hooks.  Nothing outside crypto/ and the
 * unit tests includes it.
 */
#ifndef GRIPD_ESP_SA_H
#define GRIPD_ESP_SA_H

#include <pthread.h>
#include <stdatomic.h>

#include <gripd/esp.h>
#include <gripd/replay.h>

#include "esp_alg.h"

struct esp_sa {
	/* Read-mostly, set at creation. */
	struct esp_sa_params p;
	const struct esp_alg_info *ai;
	uint64_t created;		/* seconds, monotonic */
	_Atomic(struct esp_cctx *) cctx[ESP_WORKERS_MAX];

	/* Database links (sadb.c; written by the control thread only). */
	_Atomic(struct esp_sa *) next;	/* hash chain, read by workers */
	struct esp_sa *limbo_next;	/* retired, awaiting a grace period */
	uint64_t limbo_epoch;
	uint64_t expire_at;		/* old inbound after a rekey; 0: no */
	unsigned reported;		/* ESP_EV_* bits already reported */
	bool linked;

	/* Outbound: next sequence number to send (starts at p.seq_start or
	 * 1), and the first one not yet allowed (0 = no limit; same cache
	 * line: read with every seq_next, written about once a minute). */
	_Atomic uint64_t seq_next __attribute__((aligned(64)));
	_Atomic uint64_t seq_limit;
	_Atomic unsigned events;

	/* Counters, relaxed atomics (see docs/esp.md). */
	_Atomic uint64_t c_packets, c_bytes, c_replay, c_auth_fail,
	    c_malformed, c_dummy, c_exhausted;

	/* Inbound: the window, under its own lock. */
	pthread_mutex_t replay_lock __attribute__((aligned(64)));
	struct esp_replay replay;
};

/*
 * Test hook: encapsulate with a given sequence number and explicit IV
 * (known-answer vectors); the IV is 8 bytes for the AEADs, 16 for CBC.
 */
int	esp_encap_fixed(struct esp_worker *w, struct esp_sa *sa, uint64_t seq,
	    const uint8_t *iv, uint8_t *buf, size_t cap, size_t off,
	    size_t len, uint8_t nh, size_t *esp_off, size_t *esp_len);

/* Test hook: set the next outbound sequence number. */
void	esp_sa_set_seq_next(struct esp_sa *sa, uint64_t seq);

#endif
