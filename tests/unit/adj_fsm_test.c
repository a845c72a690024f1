/* SPDX-License-Identifier: ISC */
/*
 * adj_fsm_test: two adjacencies back to back through a fake link on a fake
 * clock.  ops->send queues the datagram (optionally dropping it); the test
 * loop delivers the queue, then runs whatever timer is due next.
 *
 *    node 0 "hub west-1" (10.0.0.1)  <--- fake link --->  node 1 (10.0.0.2)
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "adj.h"
#include "check.h"

#define QMAX 4096

struct pkt {
	int to;
	size_t len;
	uint8_t buf[ADJ_MSG_MTU_DEFAULT];
};

struct node {
	struct adj adj;
	int id;
	int transitions;
	enum adj_state last_from, last_to;
	char last_reason[96];
	int routes_calls;
	size_t routes_n;
	struct adj_prefix *routes_v; /* copy of the last complete set */
	uint64_t hello_times[64];
	int nhello;
	uint32_t rng;
	bool refuse_192;
	/* drop: the next drop_type_n messages of drop_type (0 = any) */
	unsigned drop_type, drop_type_n, drop_every; /* every Nth UPDATE */
	unsigned updates_sent;
	bool blackhole;
};

static struct node nodes[2];
static struct pkt *queue;
static size_t qhead, qtail;
static uint64_t now;
static bool capture_on;
static struct pkt captured;

static int
t_send(struct adj *adj, const uint8_t *buf, size_t len, void *arg)
{
	struct node *n = arg;
	struct pkt *p;

	if (len > ADJ_MSG_MTU_DEFAULT)
		abort();
	if (buf[3] == ADJ_T_HELLO && n->nhello < 64)
		n->hello_times[n->nhello++] = now;
	if (buf[3] == ADJ_T_UPDATE) {
		n->updates_sent++;
		if (n->drop_every && n->updates_sent % n->drop_every == 0)
			return 0;
	}
	if (n->blackhole)
		return 0;
	if (n->drop_type_n > 0 && (n->drop_type == 0 || buf[3] == n->drop_type)) {
		n->drop_type_n--;
		return 0;
	}
	if (capture_on && n->id == 1 && buf[3] == ADJ_T_HELLO) {
		captured.len = len;
		memcpy(captured.buf, buf, len);
		capture_on = false;
	}
	if (qtail - qhead >= QMAX)
		return -ENOBUFS;
	p = &queue[qtail++ % QMAX];
	p->to = 1 - n->id;
	p->len = len;
	memcpy(p->buf, buf, len);
	return 0;
}

static void
t_state(struct adj *adj, enum adj_state from, enum adj_state to,
    const char *reason, void *arg)
{
	struct node *n = arg;

	n->transitions++;
	n->last_from = from;
	n->last_to = to;
	snprintf(n->last_reason, sizeof(n->last_reason), "%s", reason);
}

static void
t_routes(struct adj *adj, const struct adj_prefix *v, size_t cnt, void *arg)
{
	struct node *n = arg;

	n->routes_calls++;
	n->routes_n = cnt;
	free(n->routes_v);
	n->routes_v = NULL;
	if (cnt > 0) {
		n->routes_v = malloc(cnt * sizeof(*v));
		memcpy(n->routes_v, v, cnt * sizeof(*v));
	}
}

static bool
t_accept(struct adj *adj, const struct adj_prefix *p, void *arg)
{
	struct node *n = arg;

	return !(n->refuse_192 && p->family == AF_INET &&
		 p->addr.b[0] == 192 && p->addr.b[1] == 168);
}

static uint32_t
t_rand(void *arg)
{
	struct node *n = arg;

	n->rng = n->rng * 1103515245u + 12345u;
	return n->rng >> 8;
}

static const struct adj_ops ops = {
	.send = t_send,
	.state_change = t_state,
	.routes = t_routes,
	.accept = t_accept,
	.rand = t_rand,
};

static const uint8_t key[] = "correct horse battery staple";

static void
setup(uint32_t hello0, uint32_t hold0, uint32_t hello1, uint32_t hold1,
    bool auth)
{
	struct adj_cfg cfg;
	int i;

	for (i = 0; i < 2; i++) {
		adj_free(&nodes[i].adj);
		free(nodes[i].routes_v);
	}
	memset(nodes, 0, sizeof(nodes));
	qhead = qtail = 0;
	now = 1;
	for (i = 0; i < 2; i++) {
		memset(&cfg, 0, sizeof(cfg));
		cfg.name = i == 0 ? "hub west-1" : "spoke branch-12";
		cfg.router_id = 0x0a000001 + (uint32_t)i;
		cfg.epoch = 1000 + (uint32_t)i;
		cfg.hello_ms = i == 0 ? hello0 : hello1;
		cfg.hold_ms = i == 0 ? hold0 : hold1;
		cfg.auth = auth;
		cfg.key_id = 7;
		cfg.key = key;
		cfg.keylen = sizeof(key) - 1;
		nodes[i].id = i;
		nodes[i].rng = 42 + (uint32_t)i;
		CHECK_EQ(adj_init(&nodes[i].adj, &cfg, &ops, &nodes[i]), 0);
	}
}

static void
deliver(void)
{
	while (qhead < qtail) {
		struct pkt *p = &queue[qhead++ % QMAX];

		(void)adj_input(&nodes[p->to].adj, p->buf, p->len, now);
	}
}

/* Runs the world until (and including) time t. */
static void
run_until(uint64_t t)
{
	for (;;) {
		uint64_t d0, d1, d;

		deliver();
		d0 = adj_next_deadline(&nodes[0].adj);
		d1 = adj_next_deadline(&nodes[1].adj);
		d = d0 < d1 ? d0 : d1;
		if (d > t)
			break;
		if (d > now)
			now = d;
		adj_timers(&nodes[0].adj, now);
		adj_timers(&nodes[1].adj, now);
	}
	now = t;
}

static void
start_both(void)
{
	adj_fsm(&nodes[0].adj, ADJ_EV_START, now);
	adj_fsm(&nodes[1].adj, ADJ_EV_START, now);
}

static struct adj_prefix
p4(uint8_t a, uint8_t b, uint8_t c, uint8_t plen, uint32_t metric)
{
	struct adj_prefix p;

	memset(&p, 0, sizeof(p));
	p.family = AF_INET;
	p.plen = plen;
	p.metric = metric;
	p.addr.b[0] = a, p.addr.b[1] = b, p.addr.b[2] = c;
	return p;
}

static void
test_bring_up(void)
{
	struct adj *a = &nodes[0].adj, *b = &nodes[1].adj;

	setup(300, 900, 300, 900, false);
	CHECK_EQ(a->state, ADJ_DOWN);
	CHECK_EQ(adj_next_deadline(a), UINT64_MAX); /* silent until START */
	start_both();
	run_until(10);
	CHECK_EQ(a->state, ADJ_UP);
	CHECK_EQ(b->state, ADJ_UP);
	CHECK_EQ(nodes[0].transitions, 2); /* DOWN->INIT->UP */
	CHECK_EQ(nodes[0].last_from, ADJ_INIT);
	CHECK_STREQ(nodes[0].last_reason, "two-way hello");
	CHECK_EQ(a->peer_router_id, 0x0a000002);
	CHECK_EQ(a->hold_neg_ms, 900);
	/* both advertised an empty set: delivered and ACKed */
	CHECK_EQ(nodes[0].routes_calls, 1);
	CHECK_EQ(nodes[0].routes_n, 0);
	CHECK_EQ(a->unacked, 0);
	CHECK_EQ(a->retx_due, 0);
	run_until(60000);
	CHECK_EQ(a->state, ADJ_UP);
	CHECK_EQ(a->flaps, 0);
	CHECK_EQ(nodes[0].transitions, 2);
	CHECK(a->c.hellos_out > 150 && a->c.hellos_out < 250);
	CHECK_EQ(a->c.bad + a->c.auth_fail + a->c.replays, 0);
	CHECK_STREQ(adj_state_name(ADJ_INIT), "INIT");
	CHECK_STREQ(adj_event_name(ADJ_EV_HOLD_TIMER), "HOLD_TIMER");
}

/* Hand-made hellos to one adj: the hold timer to the millisecond. */
static void
inject_hello(struct adj *to, uint32_t rid, uint32_t epoch, uint32_t seq,
    bool heard, uint32_t hold)
{
	uint8_t buf[128];
	struct adj_hdr h;
	struct adj_hello hl;
	size_t len;

	memset(&h, 0, sizeof(h));
	h.router_id = rid;
	h.epoch = epoch;
	h.seq = seq;
	memset(&hl, 0, sizeof(hl));
	hl.hold_ms = hold;
	hl.hello_ms = 300;
	if (heard) {
		hl.flags = ADJ_HELLO_F_HEARD;
		hl.nbr_router_id = to->router_id;
		hl.nbr_epoch = to->epoch;
	}
	CHECK_EQ(adj_hello_encode(buf, sizeof(buf), &len, &h, &hl), 0);
	CHECK_EQ(adj_input(to, buf, len, now), 0);
}

static void
test_hold_exact(void)
{
	struct adj *a = &nodes[0].adj;

	setup(300, 900, 300, 900, false);
	nodes[0].blackhole = true;
	adj_fsm(a, ADJ_EV_START, 0);
	now = 500;
	inject_hello(a, 0x0a000002, 1001, 1, false, 3000);
	CHECK_EQ(a->state, ADJ_INIT);
	now = 1000;
	inject_hello(a, 0x0a000002, 1001, 2, true, 3000);
	CHECK_EQ(a->state, ADJ_UP);
	CHECK_EQ(a->hold_neg_ms, 900); /* min(900, 3000) */
	CHECK_EQ(a->last_hello_rx, 1000);
	adj_timers(a, 1899);
	CHECK_EQ(a->state, ADJ_UP);
	CHECK_EQ(adj_next_deadline(a) <= 1900, 1);
	adj_fsm(a, ADJ_EV_HOLD_TIMER, 1899); /* early timer: ignored */
	CHECK_EQ(a->state, ADJ_UP);
	adj_timers(a, 1899);
	CHECK_EQ(a->state, ADJ_UP);
	adj_timers(a, 1900);
	CHECK_EQ(a->state, ADJ_DOWN);
	CHECK_STREQ(nodes[0].last_reason, "hold timer expired");
	CHECK_EQ(a->state_since, 1900);
	CHECK_EQ(a->flaps, 1);
	CHECK_EQ(nodes[0].routes_calls, 1); /* n = 0 on leaving UP */
	CHECK_EQ(nodes[0].routes_n, 0);

	/* the same with the whole loop running hellos in between */
	setup(300, 900, 300, 900, false);
	nodes[0].blackhole = true;
	adj_fsm(a, ADJ_EV_START, 0);
	now = 1000;
	inject_hello(a, 0x0a000002, 1001, 1, true, 900);
	CHECK_EQ(a->state, ADJ_UP);
	run_until(1899);
	CHECK_EQ(a->state, ADJ_UP);
	run_until(1900);
	CHECK_EQ(a->state, ADJ_DOWN);
	CHECK_EQ(a->state_since, 1900);

	/* our own hellos looped back, and a wrong peer, are ignored */
	setup(300, 900, 300, 900, false);
	adj_fsm(a, ADJ_EV_START, 0);
	now = 10;
	{
		uint8_t buf[128];
		struct adj_hdr h = {.router_id = 0x0a000001, .epoch = 1};
		struct adj_hello hl = {.hold_ms = 900, .hello_ms = 300};
		size_t len;

		CHECK_EQ(adj_hello_encode(buf, sizeof(buf), &len, &h, &hl), 0);
		CHECK_EQ(adj_input(a, buf, len, now), -ENOENT);
		CHECK_EQ(a->state, ADJ_DOWN);
	}
}

static void
test_negotiated_hold(void)
{
	struct adj *a = &nodes[0].adj, *b = &nodes[1].adj;
	int i, bad = 0;

	setup(300, 900, 1000, 3000, false);
	start_both();
	run_until(3000);
	CHECK_EQ(a->state, ADJ_UP);
	CHECK_EQ(b->state, ADJ_UP);
	CHECK_EQ(a->hold_neg_ms, 900);
	CHECK_EQ(b->hold_neg_ms, 900);
	nodes[1].nhello = 0;
	run_until(13000);
	CHECK_EQ(a->state, ADJ_UP);
	CHECK_EQ(b->state, ADJ_UP);
	CHECK_EQ(a->flaps + b->flaps, 0);
	/* B sends at most every 900 / 3 = 300 ms, not its configured 1 s */
	CHECK(nodes[1].nhello > 30);
	for (i = 1; i < nodes[1].nhello; i++)
		if (nodes[1].hello_times[i] - nodes[1].hello_times[i - 1] >
		    300)
			bad++;
	CHECK_EQ(bad, 0);
}

static void
test_jitter(void)
{
	struct adj *a = &nodes[0].adj;
	int i, bad = 0;
	uint64_t d, lo = UINT64_MAX, hi = 0;

	setup(300, 900, 300, 900, false);
	nodes[0].blackhole = true; /* alone: DOWN, hellos only */
	adj_fsm(a, ADJ_EV_START, 0);
	run_until(20000);
	CHECK_EQ(nodes[0].nhello, 64);
	for (i = 1; i < nodes[0].nhello; i++) {
		d = nodes[0].hello_times[i] - nodes[0].hello_times[i - 1];
		if (d < 270 || d > 300)
			bad++;
		lo = d < lo ? d : lo;
		hi = d > hi ? d : hi;
	}
	CHECK_EQ(bad, 0);
	CHECK(hi - lo >= 15); /* really jittered */
}

static void
test_goodbye(void)
{
	struct adj *a = &nodes[0].adj, *b = &nodes[1].adj;
	struct adj_prefix v[2] = {p4(10, 0, 65, 24, 10), p4(10, 0, 66, 24, 20)};

	setup(300, 900, 300, 900, false);
	CHECK_EQ(adj_set_prefixes(b, v, 2, now), 0);
	start_both();
	run_until(1000);
	CHECK_EQ(a->state, ADJ_UP);
	CHECK_EQ(nodes[0].routes_n, 2);
	CHECK_EQ(a->prefixes_in, 2);
	CHECK_EQ(b->prefixes_out, 2);
	adj_fsm(b, ADJ_EV_SHUTDOWN, now);
	CHECK_EQ(b->state, ADJ_DOWN);
	deliver();
	CHECK_EQ(a->state, ADJ_DOWN); /* at once, not after the hold time */
	CHECK_EQ(a->state_since, 1000);
	CHECK_STREQ(nodes[0].last_reason, "goodbye from peer (shutdown)");
	CHECK_EQ(nodes[0].routes_n, 0);
	CHECK_EQ(a->prefixes_in, 0);
	CHECK_EQ(a->c.goodbyes_in, 1);
	/* B stays silent: A stays DOWN */
	run_until(5000);
	CHECK_EQ(a->state, ADJ_DOWN);
	CHECK_EQ(adj_next_deadline(b), UINT64_MAX);
	/* B back */
	adj_fsm(b, ADJ_EV_START, now);
	run_until(6000);
	CHECK_EQ(a->state, ADJ_UP);
	CHECK_EQ(nodes[0].routes_n, 2);
}

static void
test_update_loss(void)
{
	struct adj *a = &nodes[0].adj, *b = &nodes[1].adj;
	struct adj_prefix v[3] = {p4(10, 0, 65, 24, 10), p4(10, 0, 66, 24, 20),
	    p4(10, 0, 67, 24, 30)};

	setup(300, 900, 300, 900, false);
	CHECK_EQ(adj_set_prefixes(a, v, 3, now), 0);
	nodes[0].drop_type = ADJ_T_UPDATE; /* first UPDATE and first retx */
	nodes[0].drop_type_n = 2;
	start_both();
	run_until(100);
	CHECK_EQ(b->state, ADJ_UP);
	CHECK_EQ(nodes[1].routes_n, 0); /* nothing yet */
	CHECK_EQ(a->unacked, 1);
	nodes[1].drop_type = ADJ_T_ACK; /* then lose the first ACK */
	nodes[1].drop_type_n = 1;
	run_until(2000);
	CHECK_EQ(nodes[1].routes_n, 3);
	CHECK_MEMEQ(nodes[1].routes_v, v, sizeof(v));
	CHECK_EQ(a->unacked, 0);
	CHECK_EQ(a->retx_due, 0);
	CHECK_EQ(a->c.update_retx, 3); /* 200, 400 (backoff), 800 ms */
	CHECK_EQ(nodes[1].routes_calls, 1); /* the duplicate is only ACKed */
	CHECK_EQ(b->peer_version, a->our_version);

	/* a change while UP: new version replaces the whole set */
	CHECK_EQ(adj_set_prefixes(a, v + 1, 1, now), 0);
	run_until(2100);
	CHECK_EQ(nodes[1].routes_n, 1);
	CHECK_EQ(nodes[1].routes_v[0].addr.b[2], 66);
	CHECK_EQ(b->peer_version, a->our_version);
	CHECK_EQ(adj_set_prefixes(a, NULL, 0, now), 0);
	run_until(2200);
	CHECK_EQ(nodes[1].routes_n, 0);
	CHECK_EQ(nodes[1].routes_calls, 3);
	CHECK_EQ(b->state, ADJ_UP);

	/* invalid prefix refused by the setter */
	v[0].addr.b[3] = 1;
	CHECK_EQ(adj_set_prefixes(a, v, 1, now), -EINVAL);
}

static void
test_big_set(void)
{
	struct adj *a = &nodes[0].adj, *b = &nodes[1].adj;
	static struct adj_prefix v[5000];
	size_t i, refused = 0;

	for (i = 0; i < 5000; i++) {
		memset(&v[i], 0, sizeof(v[i]));
		if (i % 5 == 4) {
			v[i].family = AF_INET6;
			v[i].plen = 64;
			v[i].addr.b[0] = 0x20;
			v[i].addr.b[1] = 0x01;
			v[i].addr.b[2] = 0x0d;
			v[i].addr.b[3] = 0xb8;
			v[i].addr.b[6] = (uint8_t)(i >> 8);
			v[i].addr.b[7] = (uint8_t)i;
		} else {
			v[i] = p4(i % 7 == 0 ? 192 : 10,
			    i % 7 == 0 ? 168 : (uint8_t)(i >> 8), (uint8_t)i,
			    24, (uint32_t)i);
			if (i % 7 == 0)
				refused++;
		}
	}
	setup(300, 900, 300, 900, false);
	CHECK_EQ(adj_set_prefixes(a, v, 5000, now), 0);
	nodes[0].drop_every = 5; /* every 5th UPDATE lost, retx included */
	nodes[1].refuse_192 = true;
	start_both();
	run_until(5000);
	CHECK_EQ(b->state, ADJ_UP);
	CHECK(a->frag_count > 40);
	CHECK_EQ(a->unacked, 0);
	CHECK(a->c.update_retx > 0);
	CHECK_EQ(nodes[1].routes_calls, 1);
	CHECK_EQ(nodes[1].routes_n, 5000 - refused);
	CHECK_EQ(b->prefixes_in, 5000 - refused);
	CHECK_EQ(b->prefixes_refused, refused);
	/* order and content preserved (refused ones skipped) */
	{
		size_t j = 0, bad = 0;

		for (i = 0; i < 5000; i++) {
			if (v[i].family == AF_INET && v[i].addr.b[0] == 192)
				continue;
			if (memcmp(&nodes[1].routes_v[j++], &v[i],
				sizeof(v[i])) != 0)
				bad++;
		}
		CHECK_EQ(bad, 0);
	}

	/* receiver cap: max_prefixes smaller than the set */
	{
		struct adj_cfg cfg;

		adj_free(b);
		memset(&cfg, 0, sizeof(cfg));
		cfg.name = "spoke";
		cfg.router_id = 0x0a000002;
		cfg.epoch = 2000; /* a restart */
		cfg.max_prefixes = 1000;
		CHECK_EQ(adj_init(b, &cfg, &ops, &nodes[1]), 0);
		nodes[0].drop_every = 0;
		nodes[1].refuse_192 = false;
		adj_fsm(b, ADJ_EV_START, now);
		run_until(now + 3000);
		CHECK_EQ(b->state, ADJ_UP);
		CHECK_EQ(b->prefixes_in, 1000);
		CHECK_EQ(b->prefixes_refused, 4000);
		CHECK_EQ(a->unacked, 0);
	}
}

/* A reload that leaves the advertised set alone sends no new version. */
static void
test_same_set_no_update(void)
{
	struct adj *a = &nodes[0].adj;
	struct adj_prefix v[2] = { p4(10, 0, 65, 24, 0), p4(10, 0, 66, 24, 5) };
	uint32_t ver;
	int calls;

	setup(300, 900, 300, 900, false);
	CHECK_EQ(adj_set_prefixes(a, v, 2, now), 0);
	start_both();
	run_until(now + 2000);
	CHECK_EQ(nodes[1].adj.state, ADJ_UP);
	CHECK_EQ(nodes[1].routes_n, 2);
	ver = a->our_version;
	calls = nodes[1].routes_calls;
	CHECK_EQ(adj_set_prefixes(a, v, 2, now), 0);
	run_until(now + 1000);
	CHECK_EQ(a->our_version, ver);
	CHECK_EQ(nodes[1].routes_calls, calls);
	/* a changed metric is a new set */
	v[1].metric = 6;
	CHECK_EQ(adj_set_prefixes(a, v, 2, now), 0);
	run_until(now + 1000);
	CHECK(a->our_version != ver);
	CHECK_EQ(nodes[1].routes_calls, calls + 1);
	CHECK_EQ(nodes[1].routes_v[1].metric, 6);
	/* the empty set after a non-empty one is a change too */
	CHECK_EQ(adj_set_prefixes(a, NULL, 0, now), 0);
	run_until(now + 1000);
	CHECK_EQ(nodes[1].routes_n, 0);
}

static void
test_tunnel_down_flaps_clear(void)
{
	struct adj *a = &nodes[0].adj, *b = &nodes[1].adj;
	struct adj_prefix v[1] = {p4(10, 0, 65, 24, 10)};
	uint64_t t;

	setup(300, 900, 300, 900, false);
	CHECK_EQ(adj_set_prefixes(b, v, 1, now), 0);
	start_both();
	run_until(1000);
	CHECK_EQ(a->state, ADJ_UP);
	t = now;
	adj_fsm(a, ADJ_EV_TUNNEL_DOWN, now);
	CHECK_EQ(a->state, ADJ_DOWN);
	CHECK_STREQ(nodes[0].last_reason, "tunnel down");
	CHECK_EQ(nodes[0].routes_n, 0);
	CHECK_EQ(a->flaps, 1);
	CHECK_EQ(adj_next_deadline(a), UINT64_MAX); /* silent */
	/* B notices by hold expiry only: A sends nothing */
	t = b->hold_due;
	CHECK_EQ(t, b->last_hello_rx + 900);
	run_until(t - 1);
	CHECK_EQ(b->state, ADJ_UP);
	CHECK_EQ(a->state, ADJ_DOWN); /* B's hellos are ignored meanwhile */
	run_until(t);
	CHECK_EQ(b->state, ADJ_DOWN);
	CHECK_STREQ(nodes[1].last_reason, "hold timer expired");
	adj_fsm(a, ADJ_EV_TUNNEL_UP, now);
	run_until(now + 1000);
	CHECK_EQ(a->state, ADJ_UP);
	CHECK_EQ(b->state, ADJ_UP);
	CHECK_EQ(nodes[0].routes_n, 1);
	CHECK_EQ(a->flaps, 1);
	CHECK_EQ(b->flaps, 1);

	/* CLEAR: both sides drop at once and re-form */
	t = now;
	adj_fsm(a, ADJ_EV_CLEAR, now);
	CHECK_EQ(a->state, ADJ_DOWN);
	CHECK_STREQ(nodes[0].last_reason, "administrative clear");
	deliver();
	CHECK_EQ(b->flaps, 2);
	CHECK_EQ(a->flaps, 2);
	run_until(t + 50);
	CHECK_EQ(a->state, ADJ_UP);
	CHECK_EQ(b->state, ADJ_UP);
	CHECK_EQ(nodes[0].routes_n, 1);

	/* the peer stops listing us (it lost our hellos): UP -> INIT */
	nodes[0].blackhole = true;
	run_until(now + 1000);
	CHECK_EQ(b->state, ADJ_DOWN);
	CHECK_EQ(a->state, ADJ_INIT);
	CHECK_STREQ(nodes[0].last_reason, "peer no longer hears us");
	CHECK_EQ(nodes[0].routes_n, 0);
	CHECK_EQ(a->flaps, 3);
	nodes[0].blackhole = false;
	run_until(now + 1000);
	CHECK_EQ(a->state, ADJ_UP);
}

static void
test_early_update_ignored(void)
{
	struct adj *a = &nodes[0].adj;
	uint8_t buf[256];
	struct adj_hdr h = {.router_id = 0x0a000002, .epoch = 5, .seq = 1};
	struct adj_update u = {.version = 1, .frag_count = 1, .total = 1,
	    .count = 1};
	struct adj_prefix p = p4(10, 9, 0, 16, 1);
	size_t len;

	setup(300, 900, 300, 900, false);
	adj_fsm(a, ADJ_EV_START, now);
	CHECK_EQ(adj_update_encode(buf, sizeof(buf), &len, &h, &u, &p), 0);
	CHECK_EQ(adj_input(a, buf, len, now), -ENOENT);
	CHECK_EQ(a->c.ignored, 1);
	CHECK_EQ(a->c.acks_out, 0);
	CHECK_EQ(adj_input(a, buf, len - 1, now), -EBADMSG);
	CHECK_EQ(a->c.bad, 1);
	buf[2] = 9;
	CHECK_EQ(adj_input(a, buf, len, now), -EPROTONOSUPPORT);
	CHECK_EQ(a->c.unknown, 1);
}

static void
test_auth_replay_restart(void)
{
	struct adj *a = &nodes[0].adj, *b = &nodes[1].adj;
	struct adj_prefix v[1] = {p4(10, 0, 65, 24, 10)};
	struct adj_cfg cfg;

	setup(300, 900, 300, 900, true);
	CHECK_EQ(adj_set_prefixes(b, v, 1, now), 0);
	start_both();
	run_until(1000);
	CHECK_EQ(a->state, ADJ_UP);
	CHECK_EQ(nodes[0].routes_n, 1);
	CHECK_EQ(a->c.auth_fail + a->c.replays, 0);

	/* replay: a hello of B's delivered twice */
	capture_on = true;
	run_until(now + 400);
	CHECK(!capture_on);
	CHECK_EQ(adj_input(a, captured.buf, captured.len, now), -EALREADY);
	CHECK_EQ(a->c.replays, 1);
	/* tampered: MAC fails */
	captured.buf[34] ^= 1;
	CHECK_EQ(adj_input(a, captured.buf, captured.len, now), -EACCES);
	CHECK_EQ(a->c.auth_fail, 1);
	CHECK_EQ(a->state, ADJ_UP);

	/* B restarts (new epoch, sequence from 1): not locked out */
	adj_free(b);
	memset(&cfg, 0, sizeof(cfg));
	cfg.name = "spoke branch-12";
	cfg.router_id = 0x0a000002;
	cfg.epoch = 1002;
	cfg.auth = true;
	cfg.key_id = 7;
	cfg.key = key;
	cfg.keylen = sizeof(key) - 1;
	CHECK_EQ(adj_init(b, &cfg, &ops, &nodes[1]), 0);
	CHECK_EQ(adj_set_prefixes(b, v, 1, now), 0);
	adj_fsm(b, ADJ_EV_START, now);
	deliver();
	CHECK_EQ(a->flaps, 1);
	run_until(now + 1000);
	CHECK_EQ(a->state, ADJ_UP);
	CHECK_EQ(b->state, ADJ_UP);
	CHECK_EQ(nodes[0].routes_n, 1);

	/* the old incarnation's messages are replays now */
	CHECK_EQ(adj_input(a, captured.buf, captured.len, now) != 0, 1);
	captured.buf[34] ^= 1;
	CHECK_EQ(adj_input(a, captured.buf, captured.len, now), -EALREADY);
	CHECK_EQ(a->state, ADJ_UP);

	/* wrong key on one side: never up, counted */
	setup(300, 900, 300, 900, true);
	nodes[1].adj.key[0] ^= 1;
	start_both();
	run_until(3000);
	CHECK_EQ(a->state, ADJ_DOWN);
	CHECK_EQ(b->state, ADJ_DOWN);
	CHECK(a->c.auth_fail > 5);
	/* wrong key id */
	setup(300, 900, 300, 900, true);
	nodes[1].adj.key_id = 8;
	start_both();
	run_until(3000);
	CHECK_EQ(a->state, ADJ_DOWN);
	CHECK(a->c.auth_fail > 5);
	/* auth on one side only */
	setup(300, 900, 300, 900, true);
	nodes[1].adj.auth = false;
	start_both();
	run_until(3000);
	CHECK_EQ(a->state, ADJ_DOWN);
	CHECK(a->c.auth_fail > 5);
	CHECK(b->c.auth_fail > 5);
}

static void
test_init_errors(void)
{
	struct adj x;
	struct adj_cfg cfg;

	memset(&cfg, 0, sizeof(cfg));
	cfg.router_id = 1;
	CHECK_EQ(adj_init(&x, &cfg, &ops, NULL), 0);
	CHECK_EQ(x.hello_ms, 300);
	CHECK_EQ(x.hold_ms, 900);
	cfg.hello_ms = 49;
	CHECK_EQ(adj_init(&x, &cfg, &ops, NULL), -EINVAL);
	cfg.hello_ms = 50;
	cfg.hold_ms = 150;
	CHECK_EQ(adj_init(&x, &cfg, &ops, NULL), 0);
	cfg.hold_ms = 149;
	CHECK_EQ(adj_init(&x, &cfg, &ops, NULL), -EINVAL);
	cfg.hold_ms = 0;
	cfg.router_id = 0;
	CHECK_EQ(adj_init(&x, &cfg, &ops, NULL), -EINVAL);
	cfg.router_id = 1;
	cfg.auth = true;
	CHECK_EQ(adj_init(&x, &cfg, &ops, NULL), -EINVAL); /* no key */
}

int
main(void)
{
	queue = calloc(QMAX, sizeof(*queue));
	if (queue == NULL)
		return 1;
	test_bring_up();
	test_hold_exact();
	test_negotiated_hold();
	test_jitter();
	test_goodbye();
	test_update_loss();
	test_big_set();
	test_same_set_no_update();
	test_tunnel_down_flaps_clear();
	test_early_update_ignored();
	test_auth_replay_restart();
	test_init_errors();
	for (int i = 0; i < 2; i++) {
		adj_free(&nodes[i].adj);
		free(nodes[i].routes_v);
	}
	free(queue);
	return check_report();
}
