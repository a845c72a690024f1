/* SPDX-License-Identifier: ISC */
/*
 * adj_gr_test: graceful restart (protocol.md 3.4.1) on the adjacency state
 * machine.  Two adjacencies back to back through a fake link on a fake
 * clock, as in adj_fsm_test; node 1 restarts: ADJ_EV_RESTART, then a new
 * incarnation (adj_init with a higher epoch) takes its place.  Node 0 is the
 * helper and records every ops->routes and ops->restart call.
 *
 *    node 0 "hub west-1" (10.0.0.1, helper)  <-- fake link -->  node 1
 *                                                 (10.0.0.2, restarts)
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "adj.h"
#include "check.h"

#define QMAX 1024
#define RID0 0x0a000001
#define RID1 0x0a000002

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
	struct adj_prefix routes_v[8];
	int gr_calls[ADJ_GR_MAX];
	enum adj_gr_event gr_last;
	char gr_reason[96];
	bool blackhole;
	bool drop_updates;
	struct pkt last_bye; /* the last GOODBYE sent */
};

static struct node nodes[2];
static struct pkt queue[QMAX];
static size_t qhead, qtail;
static uint64_t now;

static int
t_send(struct adj *adj, const uint8_t *buf, size_t len, void *arg)
{
	struct node *n = arg;
	struct pkt *p;

	if (len > ADJ_MSG_MTU_DEFAULT)
		abort();
	if (buf[3] == ADJ_T_GOODBYE) {
		n->last_bye.len = len;
		memcpy(n->last_bye.buf, buf, len);
	}
	if (n->blackhole || (n->drop_updates && buf[3] == ADJ_T_UPDATE))
		return 0;
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
	memset(n->routes_v, 0, sizeof(n->routes_v));
	if (cnt > 0 && cnt <= 8)
		memcpy(n->routes_v, v, cnt * sizeof(*v));
}

static void
t_restart(struct adj *adj, enum adj_gr_event ev, const char *reason, void *arg)
{
	struct node *n = arg;

	/* BEGIN comes after the state change, the others before theirs */
	if (ev == ADJ_GR_BEGIN) {
		CHECK(adj->gr_helping);
		CHECK_EQ(adj->state, ADJ_DOWN);
	} else {
		CHECK(!adj->gr_helping);
	}
	n->gr_calls[ev]++;
	n->gr_last = ev;
	snprintf(n->gr_reason, sizeof(n->gr_reason), "%s", reason);
}

static const struct adj_ops ops = {
    .send = t_send,
    .state_change = t_state,
    .routes = t_routes,
    .restart = t_restart,
};

/* Node i as a (new) incarnation with epoch; helper / restart time as given. */
static void
node_init(int i, uint32_t epoch, bool helper, uint16_t restart_time)
{
	struct adj_cfg cfg;

	adj_free(&nodes[i].adj);
	memset(&nodes[i], 0, sizeof(nodes[i]));
	memset(&cfg, 0, sizeof(cfg));
	cfg.name = i == 0 ? "hub west-1" : "spoke branch-12";
	cfg.router_id = i == 0 ? RID0 : RID1;
	cfg.epoch = epoch;
	cfg.gr_helper = helper;
	cfg.restart_time = restart_time;
	nodes[i].id = i;
	CHECK_EQ(adj_init(&nodes[i].adj, &cfg, &ops, &nodes[i]), 0);
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

static struct adj_prefix
p4(uint8_t a, uint8_t b, uint8_t c, uint8_t plen)
{
	struct adj_prefix p;

	memset(&p, 0, sizeof(p));
	p.family = AF_INET;
	p.plen = plen;
	p.metric = 10;
	p.addr.b[0] = a, p.addr.b[1] = b, p.addr.b[2] = c;
	return p;
}

static bool
have_prefix(const struct node *n, uint8_t third)
{
	for (size_t i = 0; i < n->routes_n && i < 8; i++)
		if (n->routes_v[i].addr.b[2] == third)
			return true;
	return false;
}

/*
 * Both UP, node 1 advertising 10.0.65.0/24 and 10.0.66.0/24; then node 1
 * sends GOODBYE restarting (restart time 30 s) and node 0 starts helping.
 */
static void
up_then_restart(bool helper)
{
	struct adj_prefix v[2] = {p4(10, 0, 65, 24), p4(10, 0, 66, 24)};
	struct adj *a = &nodes[0].adj, *b = &nodes[1].adj;

	qhead = qtail = 0;
	now = 1;
	node_init(0, 1000, helper, 0);
	node_init(1, 1001, true, 30);
	CHECK_EQ(adj_set_prefixes(b, v, 2, now), 0);
	adj_fsm(a, ADJ_EV_START, now);
	adj_fsm(b, ADJ_EV_START, now);
	run_until(1000);
	CHECK_EQ(a->state, ADJ_UP);
	CHECK_EQ(b->state, ADJ_UP);
	CHECK_EQ(nodes[0].routes_n, 2);
	CHECK_EQ(nodes[0].routes_calls, 1);

	adj_fsm(b, ADJ_EV_RESTART, now);
	deliver();
}

/* The new incarnation of node 1 (epoch 1002) with prefixes v[0..n). */
static void
restarted(const struct adj_prefix *v, size_t n)
{
	node_init(1, 1002, true, 30);
	CHECK_EQ(adj_set_prefixes(&nodes[1].adj, v, n, now), 0);
	adj_fsm(&nodes[1].adj, ADJ_EV_START, now);
}

/* The restarting side: GOODBYE 4 with our restart time, silent, keeps all. */
static void
test_restarting_side(void)
{
	struct adj *b = &nodes[1].adj;
	struct adj_msg m;

	up_then_restart(true);
	CHECK_EQ(b->state, ADJ_DOWN);
	CHECK(b->restarting);
	CHECK(!b->running);
	CHECK_STREQ(nodes[1].last_reason, "restarting");
	CHECK_EQ(nodes[1].routes_calls, 1);	    /* no withdrawal reported */
	CHECK_EQ(adj_next_deadline(b), UINT64_MAX); /* silent */
	CHECK_EQ(b->c.goodbyes_out, 1);
	CHECK_EQ(adj_msg_decode(
		     nodes[1].last_bye.buf, nodes[1].last_bye.len, &m, NULL, 0),
	    0);
	CHECK_EQ(m.u.goodbye.reason, ADJ_BYE_RESTARTING);
	CHECK_EQ(m.u.goodbye.restart_time, 30);
	/* a second RESTART while DOWN sends nothing */
	adj_fsm(b, ADJ_EV_RESTART, now);
	CHECK_EQ(b->c.goodbyes_out, 1);
	/* START (restart abandoned) clears it */
	adj_fsm(b, ADJ_EV_START, now);
	CHECK(!b->restarting);
	CHECK(b->running);
	CHECK_STREQ(adj_event_name(ADJ_EV_RESTART), "RESTART");
	CHECK_STREQ(adj_event_name(ADJ_EV_RESTART_TIMER), "RESTART_TIMER");
	CHECK_STREQ(adj_gr_event_name(ADJ_GR_EXPIRED), "expired");
	CHECK_STREQ(adj_gr_event_name(ADJ_GR_MAX), "?");
}

/*
 * Helper: keeps the routes; the new epoch forms INIT -> UP with no
 * withdrawal; its complete set replaces the stale one (10.0.66.0/24 gone).
 */
static void
test_keep_then_complete(void)
{
	struct adj_prefix v2[2] = {p4(10, 0, 65, 24), p4(10, 0, 67, 24)};
	struct adj *a = &nodes[0].adj;
	uint64_t t0;

	up_then_restart(true);
	t0 = now;
	CHECK_EQ(a->state, ADJ_DOWN);
	CHECK(a->gr_helping);
	CHECK_EQ(a->gr_peer_time, 30);
	CHECK_EQ(a->gr_due, t0 + 30000);
	CHECK(adj_next_deadline(a) <= a->gr_due);
	CHECK_EQ(a->hold_due, 0); /* no hellos expected: no hold timer */
	CHECK_STREQ(
	    nodes[0].last_reason, "goodbye from peer (restarting, 30 s)");
	CHECK_EQ(nodes[0].gr_calls[ADJ_GR_BEGIN], 1);
	CHECK_STREQ(nodes[0].gr_reason, "goodbye from peer (restarting, 30 s)");
	CHECK_EQ(nodes[0].routes_calls, 1); /* kept: no routes(NULL, 0) */
	CHECK_EQ(a->c.goodbyes_in, 1);
	CHECK_EQ(a->c.gr_helped, 1);
	CHECK_EQ(a->flaps, 1);

	/* the process is replaced; it takes 5 s */
	run_until(t0 + 5000);
	CHECK(a->gr_helping);
	CHECK_EQ(a->state, ADJ_DOWN);
	restarted(v2, 2);
	nodes[0].transitions = 0;
	run_until(t0 + 6000);
	CHECK_EQ(a->state, ADJ_UP);
	CHECK_EQ(nodes[1].adj.state, ADJ_UP);
	/* a fresh INIT -> UP: no "peer restarted" flap, nothing withdrawn */
	CHECK_EQ(nodes[0].transitions, 2);
	CHECK_EQ(a->flaps, 1);
	CHECK_EQ(nodes[0].gr_calls[ADJ_GR_ABORTED], 0);
	CHECK_EQ(nodes[0].gr_calls[ADJ_GR_EXPIRED], 0);
	/* the complete set replaced the stale one */
	CHECK_EQ(nodes[0].gr_calls[ADJ_GR_COMPLETE], 1);
	CHECK_EQ(nodes[0].gr_last, ADJ_GR_COMPLETE);
	CHECK_EQ(nodes[0].routes_calls, 2);
	CHECK_EQ(nodes[0].routes_n, 2);
	CHECK(have_prefix(&nodes[0], 65));
	CHECK(have_prefix(&nodes[0], 67));
	CHECK(!have_prefix(&nodes[0], 66));
	CHECK(!a->gr_helping);
	CHECK_EQ(a->gr_due, 0);
	CHECK_EQ(a->c.gr_completed, 1);
	CHECK_EQ(a->peer_epoch, 1002);
	/* the old restart deadline passes: nothing happens */
	run_until(t0 + 40000);
	CHECK_EQ(a->state, ADJ_UP);
	CHECK_EQ(nodes[0].gr_calls[ADJ_GR_EXPIRED], 0);
	CHECK_EQ(nodes[0].routes_calls, 2);
}

/* The restart time runs out with the neighbour gone, or UP without a set. */
static void
test_expiry(void)
{
	struct adj_prefix v2[1] = {p4(10, 0, 65, 24)};
	struct adj *a = &nodes[0].adj;
	uint64_t t0;

	up_then_restart(true);
	t0 = now;
	run_until(t0 + 29999);
	CHECK(a->gr_helping);
	CHECK_EQ(nodes[0].gr_calls[ADJ_GR_EXPIRED], 0);
	run_until(t0 + 30000);
	CHECK(!a->gr_helping);
	CHECK_EQ(nodes[0].gr_calls[ADJ_GR_EXPIRED], 1);
	CHECK_STREQ(nodes[0].gr_reason, "restart time expired");
	CHECK_EQ(a->c.gr_expired, 1);
	CHECK_EQ(a->state, ADJ_DOWN);
	CHECK_EQ(a->gr_due, 0);

	/* back UP in time, but its UPDATEs never arrive */
	up_then_restart(true);
	t0 = now;
	restarted(v2, 1);
	nodes[1].drop_updates = true;
	run_until(t0 + 2000);
	CHECK_EQ(a->state, ADJ_UP);
	CHECK(a->gr_helping); /* UP is not enough: the set is */
	run_until(t0 + 30000);
	CHECK_EQ(a->state, ADJ_UP); /* the adjacency stays */
	CHECK(!a->gr_helping);
	CHECK_EQ(nodes[0].gr_calls[ADJ_GR_EXPIRED], 1);
	CHECK_EQ(nodes[0].gr_calls[ADJ_GR_COMPLETE], 0);
	/* the set arrives later: an ordinary update */
	nodes[1].drop_updates = false;
	run_until(t0 + 40000);
	CHECK_EQ(nodes[0].routes_n, 1);
	CHECK_EQ(nodes[0].gr_calls[ADJ_GR_COMPLETE], 0);
}

static void
inject_goodbye(struct adj *to, uint32_t epoch, uint32_t seq, uint8_t reason,
    uint16_t rt, int want)
{
	uint8_t buf[64];
	struct adj_hdr h;
	/* 0xffff: a RESTART_TIME TLV carrying 0 (malformed) */
	struct adj_goodbye g = {
	    .reason = reason, .restart_time = rt == 0xffff ? 120 : rt};
	size_t len;

	memset(&h, 0, sizeof(h));
	h.router_id = RID1;
	h.epoch = epoch;
	h.seq = seq;
	CHECK_EQ(adj_goodbye_encode(buf, sizeof(buf), &len, &h, &g), 0);
	if (rt == 0xffff) {
		buf[len - 2] = 0;
		buf[len - 1] = 0;
	}
	CHECK_EQ(adj_input(to, buf, len, now), want);
}

static void
inject_hello(struct adj *to, uint32_t epoch, uint32_t seq, int want)
{
	uint8_t buf[128];
	struct adj_hdr h;
	struct adj_hello hl;
	size_t len;

	memset(&h, 0, sizeof(h));
	h.router_id = RID1;
	h.epoch = epoch;
	h.seq = seq;
	memset(&hl, 0, sizeof(hl));
	hl.hold_ms = 900;
	hl.hello_ms = 300;
	CHECK_EQ(adj_hello_encode(buf, sizeof(buf), &len, &h, &hl), 0);
	CHECK_EQ(adj_input(to, buf, len, now), want);
}

/* A plain GOODBYE or a hold expiry while stale withdraws at once. */
static void
test_aborts(void)
{
	struct adj_prefix v2[1] = {p4(10, 0, 65, 24)};
	struct adj *a = &nodes[0].adj;
	uint64_t t0;

	/* plain GOODBYE from the new incarnation while UP, set not sent */
	up_then_restart(true);
	t0 = now;
	restarted(v2, 1);
	nodes[1].drop_updates = true;
	run_until(t0 + 2000);
	CHECK_EQ(a->state, ADJ_UP);
	CHECK(a->gr_helping);
	adj_fsm(&nodes[1].adj, ADJ_EV_SHUTDOWN, now);
	deliver();
	CHECK_EQ(a->state, ADJ_DOWN);
	CHECK(!a->gr_helping);
	CHECK_EQ(nodes[0].gr_calls[ADJ_GR_ABORTED], 1);
	CHECK_STREQ(nodes[0].gr_reason, "goodbye from peer (shutdown)");
	CHECK_EQ(a->c.gr_aborted, 1);

	/* plain GOODBYE from the new incarnation while still DOWN */
	up_then_restart(true);
	inject_goodbye(a, 1002, 1, ADJ_BYE_SHUTDOWN, 0, 0);
	CHECK(!a->gr_helping);
	CHECK_EQ(nodes[0].gr_calls[ADJ_GR_ABORTED], 1);
	CHECK_EQ(a->state, ADJ_DOWN);

	/* the restarting incarnation shuts down instead: its plain GOODBYE
	 * (old epoch) ends the helping at once */
	up_then_restart(true);
	CHECK(a->gr_helping);
	adj_fsm(&nodes[1].adj, ADJ_EV_SHUTDOWN, now);
	deliver();
	CHECK(!a->gr_helping);
	CHECK_EQ(nodes[0].gr_calls[ADJ_GR_ABORTED], 1);
	CHECK_STREQ(nodes[0].gr_reason, "goodbye from peer (shutdown)");
	CHECK_EQ(a->state, ADJ_DOWN);

	/* reason 4 without RESTART_TIME is a plain GOODBYE (withdraw) */
	up_then_restart(true);
	inject_goodbye(a, 1002, 1, ADJ_BYE_RESTARTING, 0, 0);
	CHECK_EQ(nodes[0].gr_calls[ADJ_GR_ABORTED], 1);
	CHECK_STREQ(nodes[0].gr_reason,
	    "goodbye from peer (restarting, no restart time)");

	/* hold expiry of the new incarnation while stale (INIT) */
	up_then_restart(true);
	t0 = now;
	inject_hello(a, 1002, 1, 0);
	CHECK_EQ(a->state, ADJ_INIT);
	CHECK(a->gr_helping);
	run_until(t0 + 899);
	CHECK(a->gr_helping);
	run_until(t0 + 900);
	CHECK_EQ(a->state, ADJ_DOWN);
	CHECK(!a->gr_helping);
	CHECK_EQ(nodes[0].gr_calls[ADJ_GR_ABORTED], 1);
	CHECK_STREQ(nodes[0].gr_reason, "hold timer expired");

	/* tunnel down while stale */
	up_then_restart(true);
	adj_fsm(a, ADJ_EV_TUNNEL_DOWN, now);
	CHECK_EQ(nodes[0].gr_calls[ADJ_GR_ABORTED], 1);
	CHECK_STREQ(nodes[0].gr_reason, "tunnel down");
	CHECK_EQ(adj_next_deadline(a), UINT64_MAX);

	/* yet another epoch after the new one was UP (without its set) */
	up_then_restart(true);
	t0 = now;
	restarted(v2, 1);
	nodes[1].drop_updates = true;
	run_until(t0 + 2000);
	CHECK_EQ(a->state, ADJ_UP);
	inject_hello(a, 1003, 1, 0);
	CHECK_EQ(nodes[0].gr_calls[ADJ_GR_ABORTED], 1);
	CHECK_STREQ(nodes[0].gr_reason, "peer restarted (new epoch)");
	CHECK_EQ(a->state, ADJ_INIT);

	/* shutdown of the helper itself */
	up_then_restart(true);
	adj_fsm(a, ADJ_EV_SHUTDOWN, now);
	CHECK_EQ(nodes[0].gr_calls[ADJ_GR_ABORTED], 1);
	CHECK(!a->gr_helping);
}

/* The incarnation that said goodbye is not heard any more. */
static void
test_old_incarnation(void)
{
	struct adj *a = &nodes[0].adj;
	uint64_t t0, due;

	up_then_restart(true);
	t0 = now;
	due = a->gr_due;
	/* a late hello of the old epoch: ignored, no INIT */
	inject_hello(a, 1001, 100, -ENOENT);
	CHECK_EQ(a->state, ADJ_DOWN);
	CHECK(a->gr_helping);
	/* the GOODBYE repeated: counted, ignored, the deadline stays */
	inject_goodbye(a, 1001, 101, ADJ_BYE_RESTARTING, 30, -ENOENT);
	CHECK_EQ(a->c.goodbyes_in, 2);
	CHECK_EQ(a->gr_due, due);
	/* a second restart by the new incarnation keeps the first deadline */
	run_until(t0 + 1000);
	inject_hello(a, 1002, 1, 0);
	CHECK_EQ(a->state, ADJ_INIT);
	inject_goodbye(a, 1002, 2, ADJ_BYE_RESTARTING, 600, 0);
	CHECK_EQ(a->state, ADJ_DOWN);
	CHECK(a->gr_helping);
	CHECK_EQ(a->gr_due, due);
	CHECK_EQ(nodes[0].gr_calls[ADJ_GR_BEGIN], 1);
	CHECK_EQ(nodes[0].gr_calls[ADJ_GR_ABORTED], 0);
	run_until(due);
	CHECK_EQ(nodes[0].gr_calls[ADJ_GR_EXPIRED], 1);
	/* after the restart time the old epoch is a neighbour again */
	inject_hello(a, 1001, 102, 0);
	CHECK_EQ(a->state, ADJ_INIT);
}

/* Helper off, no restart op, restart from INIT: an ordinary GOODBYE. */
static void
test_helper_off(void)
{
	struct adj *a = &nodes[0].adj;
	struct adj x;
	struct adj_cfg cfg;
	struct adj_ops no_restart = ops;

	up_then_restart(false);
	CHECK_EQ(a->state, ADJ_DOWN);
	CHECK(!a->gr_helping);
	CHECK_EQ(nodes[0].routes_calls, 2); /* withdrawn: routes(NULL, 0) */
	CHECK_EQ(nodes[0].routes_n, 0);
	CHECK_STREQ(
	    nodes[0].last_reason, "goodbye from peer (restarting, helper off)");
	for (int i = 0; i < ADJ_GR_MAX; i++)
		CHECK_EQ(nodes[0].gr_calls[i], 0);

	/* without ops->restart nobody could withdraw: helper off */
	memset(&cfg, 0, sizeof(cfg));
	cfg.router_id = 1;
	cfg.gr_helper = true;
	no_restart.restart = NULL;
	CHECK_EQ(adj_init(&x, &cfg, &no_restart, NULL), 0);
	CHECK(!x.gr_helper);
	CHECK_EQ(x.restart_time, ADJ_RESTART_TIME_DEFAULT);
	cfg.restart_time = 3601;
	CHECK_EQ(adj_init(&x, &cfg, &ops, NULL), -EINVAL);
	cfg.restart_time = 3600;
	CHECK_EQ(adj_init(&x, &cfg, &ops, NULL), 0);
	CHECK(x.gr_helper);

	/* INIT: nothing learned, nothing to keep */
	qhead = qtail = 0;
	now = 1;
	node_init(0, 1000, true, 0);
	adj_fsm(a, ADJ_EV_START, now);
	nodes[0].blackhole = true;
	inject_hello(a, 1001, 1, 0);
	CHECK_EQ(a->state, ADJ_INIT);
	inject_goodbye(a, 1001, 2, ADJ_BYE_RESTARTING, 30, 0);
	CHECK_EQ(a->state, ADJ_DOWN);
	CHECK(!a->gr_helping);
	CHECK_EQ(nodes[0].gr_calls[ADJ_GR_BEGIN], 0);
}

/* A malformed RESTART_TIME drops the message (counted): nothing changes. */
static void
test_malformed(void)
{
	struct adj *a = &nodes[0].adj;
	uint64_t bad;

	up_then_restart(true); /* helping, DOWN */
	bad = a->c.bad;
	inject_goodbye(a, 1002, 1, ADJ_BYE_SHUTDOWN, 0xffff, -EBADMSG);
	CHECK_EQ(a->c.bad, bad + 1);
	CHECK(a->gr_helping);

	/* while UP: the adjacency stays */
	qhead = qtail = 0;
	now = 1;
	node_init(0, 1000, true, 0);
	adj_fsm(a, ADJ_EV_START, now);
	nodes[0].blackhole = true;
	inject_hello(a, 1001, 1, 0);
	{
		uint8_t buf[128];
		struct adj_hdr h = {.router_id = RID1, .epoch = 1001, .seq = 2};
		struct adj_hello hl = {.hold_ms = 900,
		    .hello_ms = 300,
		    .flags = ADJ_HELLO_F_HEARD,
		    .nbr_router_id = RID0,
		    .nbr_epoch = 1000};
		size_t len;

		CHECK_EQ(adj_hello_encode(buf, sizeof(buf), &len, &h, &hl), 0);
		CHECK_EQ(adj_input(a, buf, len, now), 0);
	}
	CHECK_EQ(a->state, ADJ_UP);
	inject_goodbye(a, 1001, 3, ADJ_BYE_RESTARTING, 0xffff, -EBADMSG);
	CHECK_EQ(a->state, ADJ_UP);
	CHECK_EQ(a->c.bad, 1);
	CHECK_EQ(a->c.goodbyes_in, 0);
	CHECK(!a->gr_helping);
}

int
main(void)
{
	test_restarting_side();
	test_keep_then_complete();
	test_expiry();
	test_aborts();
	test_old_incarnation();
	test_helper_off();
	test_malformed();
	for (int i = 0; i < 2; i++)
		adj_free(&nodes[i].adj);
	return check_report();
}
