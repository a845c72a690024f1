/* SPDX-License-Identifier: ISC */
/*
 * fuzz_adj: the adjacency decoder and receive path on hostile input.
 * Whatever decodes is re-encoded and must decode to the same fields and
 * prefixes (round trip); every rejection must say why.  Then the datagram
 * goes through adj_input of an adjacency that is UP with a peer, so the
 * state machine (reassembly, ACKs, goodbyes, restarts) sees it too.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "adj.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
f_send(struct adj *adj, const uint8_t *buf, size_t len, void *arg)
{
	struct adj_msg m;

	/* what we send must always decode */
	if (adj_msg_decode(buf, len, &m, NULL, 0) != 0)
		abort();
	return 0;
}

/* Helper mode on, so a restart GOODBYE in the input reaches its states. */
static void
f_restart(struct adj *adj, enum adj_gr_event ev, const char *reason, void *arg)
{
	(void)adj;
	(void)ev;
	(void)reason;
	(void)arg;
}

static const struct adj_ops f_ops = {.send = f_send, .restart = f_restart};

static void
round_trip(const uint8_t *data, size_t size, const struct adj_msg *m)
{
	static uint8_t out[ADJ_MSG_MAX];
	static struct adj_prefix v[ADJ_MSG_MAX / ADJ_ENTRY4_LEN];
	struct adj_prefix_iter it;
	struct adj_msg m2;
	struct adj_hdr h = m->hdr;
	size_t len, n = 0, i;
	int r = 0;

	switch (m->hdr.type) {
	case ADJ_T_HELLO:
		r = adj_hello_encode(out, sizeof(out), &len, &h, &m->u.hello);
		break;
	case ADJ_T_UPDATE:
		adj_prefix_iter_init(&it, data, m);
		while (adj_prefix_iter_next(&it, &v[n]))
			n++;
		if (n != m->u.update.count)
			abort();
		r = adj_update_encode(
		    out, sizeof(out), &len, &h, &m->u.update, v);
		break;
	case ADJ_T_ACK:
		r = adj_ack_encode(out, sizeof(out), &len, &h, &m->u.ack);
		break;
	case ADJ_T_GOODBYE:
		r = adj_goodbye_encode(
		    out, sizeof(out), &len, &h, &m->u.goodbye);
		break;
	default:
		abort();
	}
	if (r != 0 || len > size || adj_msg_decode(out, len, &m2, NULL, 0) != 0)
		abort();
	if (m2.hdr.type != m->hdr.type || m2.hdr.router_id != h.router_id ||
	    m2.hdr.epoch != h.epoch || m2.hdr.seq != h.seq ||
	    m2.hdr.auth != h.auth || m2.hdr.key_id != h.key_id)
		abort();
	switch (m->hdr.type) {
	case ADJ_T_HELLO:
		if (m2.u.hello.hold_ms != m->u.hello.hold_ms ||
		    m2.u.hello.hello_ms != m->u.hello.hello_ms ||
		    m2.u.hello.flags != m->u.hello.flags ||
		    m2.u.hello.nbr_router_id != m->u.hello.nbr_router_id ||
		    m2.u.hello.nbr_epoch != m->u.hello.nbr_epoch ||
		    strcmp(m2.u.hello.name, m->u.hello.name) != 0)
			abort();
		break;
	case ADJ_T_UPDATE: {
		struct adj_prefix p;

		if (m2.u.update.version != m->u.update.version ||
		    m2.u.update.frag_index != m->u.update.frag_index ||
		    m2.u.update.frag_count != m->u.update.frag_count ||
		    m2.u.update.total != m->u.update.total ||
		    m2.u.update.offset != m->u.update.offset ||
		    m2.u.update.count != m->u.update.count)
			abort();
		adj_prefix_iter_init(&it, out, &m2);
		for (i = 0; adj_prefix_iter_next(&it, &p); i++)
			if (i >= n || memcmp(&p, &v[i], sizeof(p)) != 0)
				abort();
		if (i != n)
			abort();
		break;
	}
	case ADJ_T_ACK:
		if (memcmp(&m2.u.ack, &m->u.ack, sizeof(m->u.ack)) != 0)
			abort();
		break;
	case ADJ_T_GOODBYE:
		if (m2.u.goodbye.reason != m->u.goodbye.reason ||
		    m2.u.goodbye.restart_time != m->u.goodbye.restart_time)
			abort();
		break;
	}
}

/* An adjacency UP with router-id 2 / epoch 1 (from the input's view). */
static void
feed_adj(const uint8_t *data, size_t size)
{
	struct adj a;
	struct adj_cfg cfg;
	uint8_t buf[128];
	struct adj_hdr h = {.router_id = 2, .epoch = 1, .seq = 1};
	struct adj_hello hl = {.hold_ms = 900,
	    .hello_ms = 300,
	    .flags = ADJ_HELLO_F_HEARD,
	    .nbr_router_id = 1,
	    .nbr_epoch = 1};
	size_t len;

	memset(&cfg, 0, sizeof(cfg));
	cfg.router_id = 1;
	cfg.epoch = 1;
	cfg.max_prefixes = 4096;
	cfg.gr_helper = true;
	cfg.restart_time = 120;
	if (adj_init(&a, &cfg, &f_ops, NULL) != 0)
		abort();
	adj_fsm(&a, ADJ_EV_START, 0);
	if (adj_hello_encode(buf, sizeof(buf), &len, &h, &hl) != 0 ||
	    adj_input(&a, buf, len, 10) != 0 || a.state != ADJ_UP)
		abort();
	(void)adj_input(&a, data, size, 20);
	/* twice: retransmissions and duplicates */
	(void)adj_input(&a, data, size, 30);
	adj_timers(&a, 2000);
	/* past any restart time a goodbye in the input could announce */
	adj_timers(&a, 4000000);
	adj_free(&a);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct adj_msg m;
	char err[160];

	if (adj_msg_decode(data, size, &m, err, sizeof(err)) != 0) {
		if (err[0] == '\0')
			abort(); /* every rejection says why */
	} else {
		round_trip(data, size, &m);
		(void)adj_auth_verify(
		    data, size, (const uint8_t *)"k", 1, m.hdr.key_id);
	}
	feed_adj(data, size);
	return 0;
}
