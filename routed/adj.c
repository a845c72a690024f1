/* SPDX-License-Identifier: ISC */
/*
 * adj.c: the adjacency state machine (see adj.h for the diagram and
 * docs/protocol.md for the rules).  adj_input turns a validated datagram
 * into facts recorded on the adj plus one event; adj_fsm decides; the one
 * adj_set_state reports the change and does what entering a state means.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "adj.h"

static const char *const adj_state_names[ADJ_STATE_MAX] = {
    [ADJ_DOWN] = "DOWN",
    [ADJ_INIT] = "INIT",
    [ADJ_UP] = "UP",
};

static const char *const adj_event_names[ADJ_EV_MAX] = {
    [ADJ_EV_START] = "START",
    [ADJ_EV_HELLO_TIMER] = "HELLO_TIMER",
    [ADJ_EV_HOLD_TIMER] = "HOLD_TIMER",
    [ADJ_EV_RETX_TIMER] = "RETX_TIMER",
    [ADJ_EV_RESTART_TIMER] = "RESTART_TIMER",
    [ADJ_EV_TUNNEL_DOWN] = "TUNNEL_DOWN",
    [ADJ_EV_TUNNEL_UP] = "TUNNEL_UP",
    [ADJ_EV_CLEAR] = "CLEAR",
    [ADJ_EV_SHUTDOWN] = "SHUTDOWN",
    [ADJ_EV_RESTART] = "RESTART",
    [ADJ_EV_HELLO_1WAY] = "HELLO_1WAY",
    [ADJ_EV_HELLO_2WAY] = "HELLO_2WAY",
    [ADJ_EV_GOODBYE_RX] = "GOODBYE_RX",
    [ADJ_EV_PEER_RESTART] = "PEER_RESTART",
};

const char *
adj_state_name(enum adj_state s)
{
	return (unsigned)s < ADJ_STATE_MAX ? adj_state_names[s] : "?";
}

const char *
adj_event_name(enum adj_event ev)
{
	return (unsigned)ev < ADJ_EV_MAX ? adj_event_names[ev] : "?";
}

static const char *const adj_gr_event_names[ADJ_GR_MAX] = {
    [ADJ_GR_BEGIN] = "begin",
    [ADJ_GR_COMPLETE] = "complete",
    [ADJ_GR_EXPIRED] = "expired",
    [ADJ_GR_ABORTED] = "aborted",
};

const char *
adj_gr_event_name(enum adj_gr_event ev)
{
	return (unsigned)ev < ADJ_GR_MAX ? adj_gr_event_names[ev] : "?";
}

static const char *
bye_reason_name(unsigned r)
{
	switch (r) {
	case ADJ_BYE_SHUTDOWN:
		return "shutdown";
	case ADJ_BYE_ADMIN_CLEAR:
		return "administrative clear";
	case ADJ_BYE_CONFIG:
		return "configuration change";
	case ADJ_BYE_RESTARTING:
		return "restarting";
	}
	return "unspecified";
}

/* RFC 1982 serial number arithmetic on 32-bit versions */
static bool
serial_lt(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) < 0;
}

int
adj_init(struct adj *adj, const struct adj_cfg *cfg, const struct adj_ops *ops,
    void *arg)
{
	memset(adj, 0, sizeof(*adj));
	adj->hello_ms = cfg->hello_ms ? cfg->hello_ms : ADJ_HELLO_DEFAULT_MS;
	adj->hold_ms = cfg->hold_ms ? cfg->hold_ms : ADJ_HOLD_DEFAULT_MS;
	if (cfg->router_id == 0 || adj->hello_ms < ADJ_HELLO_MIN_MS ||
	    adj->hello_ms > ADJ_HELLO_MAX_MS ||
	    adj->hold_ms < ADJ_HOLD_MIN_MS || adj->hold_ms > ADJ_HOLD_MAX_MS ||
	    (cfg->auth && (cfg->key == NULL || cfg->keylen == 0 ||
			      cfg->keylen > ADJ_KEY_MAX)) ||
	    (cfg->mtu != 0 &&
		(cfg->mtu < ADJ_MSG_MTU_MIN || cfg->mtu > ADJ_MSG_MAX)) ||
	    cfg->restart_time > ADJ_RESTART_TIME_MAX || ops == NULL ||
	    ops->send == NULL)
		return -EINVAL;
	snprintf(adj->name, sizeof(adj->name), "%s",
	    cfg->name ? cfg->name : "neighbour");
	adj->router_id = cfg->router_id;
	adj->epoch = cfg->epoch;
	adj->peer = cfg->peer;
	adj->peer_len = cfg->peer_len;
	adj->peer_router_id_cfg = cfg->peer_router_id;
	adj->auth = cfg->auth;
	adj->key_id = cfg->key_id;
	if (cfg->auth) {
		memcpy(adj->key, cfg->key, cfg->keylen);
		adj->keylen = cfg->keylen;
	}
	adj->max_prefixes =
	    cfg->max_prefixes ? cfg->max_prefixes : ADJ_PEER_PREFIXES_DEFAULT;
	if (adj->max_prefixes > ADJ_SET_MAX)
		adj->max_prefixes = ADJ_SET_MAX;
	adj->mtu = cfg->mtu ? cfg->mtu : ADJ_MSG_MTU_DEFAULT;
	/* without a restart op nobody would withdraw the stale routes */
	adj->gr_helper = cfg->gr_helper && ops != NULL && ops->restart != NULL;
	adj->restart_time =
	    cfg->restart_time ? cfg->restart_time : ADJ_RESTART_TIME_DEFAULT;
	adj->ops = ops;
	adj->arg = arg;
	adj->state = ADJ_DOWN;
	adj->tunnel_up = true;
	adj->seq = 1;
	return 0;
}

static void
asm_reset(struct adj *adj)
{
	free(adj->asm_set);
	free(adj->asm_frag_seen);
	free(adj->asm_filled);
	adj->asm_set = NULL;
	adj->asm_frag_seen = NULL;
	adj->asm_filled = NULL;
	adj->asm_active = false;
}

static void
frags_reset(struct adj *adj)
{
	free(adj->frag_start);
	free(adj->acked);
	adj->frag_start = NULL;
	adj->acked = NULL;
	adj->frag_count = 0;
	adj->unacked = 0;
	adj->retx_due = 0;
}

void
adj_free(struct adj *adj)
{
	asm_reset(adj);
	frags_reset(adj);
	free(adj->our);
	free(adj->peer_set);
	adj->our = NULL;
	adj->peer_set = NULL;
	adj->our_n = adj->peer_n = 0;
}

static bool
can_send(const struct adj *adj)
{
	return adj->running && adj->tunnel_up;
}

/* Header of the next message: a fresh (epoch, sequence). */
static void
hdr_next(struct adj *adj, struct adj_hdr *h)
{
	memset(h, 0, sizeof(*h));
	if (adj->seq == 0) {
		/* 2^32 messages: move to a new epoch (peers see a restart) */
		adj->epoch++;
		adj->seq = 1;
	}
	h->router_id = adj->router_id;
	h->epoch = adj->epoch;
	h->seq = adj->seq++;
	h->auth = adj->auth;
	h->key_id = adj->key_id;
}

static int
xmit(struct adj *adj, uint8_t *buf, size_t len)
{
	int r;

	if (adj->auth &&
	    adj_auth_sign(buf, len, adj->key, adj->keylen, adj->key_id) != 0) {
		adj->c.send_errors++;
		return -EIO;
	}
	r = adj->ops->send(adj, buf, len, adj->arg);
	if (r != 0)
		adj->c.send_errors++;
	return r;
}

/* Hello interval in use: BGP's rule, at most a third of the hold time. */
static uint32_t
hello_interval(const struct adj *adj)
{
	uint32_t iv = adj->hello_ms;

	if (adj->state != ADJ_DOWN && adj->hold_neg_ms / 3 < iv)
		iv = adj->hold_neg_ms / 3;
	return iv;
}

/* Next hello in interval minus 0..10% (protocol.md "Timers"). */
static uint32_t
hello_jittered(const struct adj *adj)
{
	uint32_t iv = hello_interval(adj);

	if (adj->ops->rand == NULL)
		return iv;
	return iv - adj->ops->rand(adj->arg) % (iv / 10 + 1);
}

static void
send_hello(struct adj *adj, uint64_t now)
{
	uint8_t buf[ADJ_HDR_LEN + ADJ_HELLO_LEN + ADJ_TLV_HDR_LEN +
		    ADJ_NAME_MAX + ADJ_AUTH_LEN];
	struct adj_hdr h;
	struct adj_hello m;
	size_t len;

	adj->hello_due = now + hello_jittered(adj);
	if (!can_send(adj))
		return;
	memset(&m, 0, sizeof(m));
	m.hold_ms = adj->hold_ms;
	m.hello_ms = adj->hello_ms;
	if (adj->state != ADJ_DOWN) {
		m.flags = ADJ_HELLO_F_HEARD;
		m.nbr_router_id = adj->peer_router_id;
		m.nbr_epoch = adj->peer_epoch;
	}
	hdr_next(adj, &h);
	if (adj_hello_encode(buf, sizeof(buf), &len, &h, &m) != 0) {
		adj->c.send_errors++;
		return;
	}
	adj->c.hellos_out++;
	(void)xmit(adj, buf, len);
}

/* restart_time: the RESTART_TIME TLV in seconds, 0 for none */
static void
send_goodbye(struct adj *adj, uint8_t reason, uint16_t restart_time)
{
	uint8_t buf[ADJ_HDR_LEN + ADJ_GOODBYE_LEN + ADJ_TLV_HDR_LEN +
		    ADJ_RESTART_TIME_LEN + ADJ_AUTH_LEN];
	struct adj_hdr h;
	struct adj_goodbye m = {.reason = reason, .restart_time = restart_time};
	size_t len;

	if (!can_send(adj))
		return;
	hdr_next(adj, &h);
	if (adj_goodbye_encode(buf, sizeof(buf), &len, &h, &m) != 0) {
		adj->c.send_errors++;
		return;
	}
	adj->c.goodbyes_out++;
	(void)xmit(adj, buf, len);
}

static void
send_ack(struct adj *adj, const struct adj_update *u)
{
	uint8_t buf[ADJ_HDR_LEN + ADJ_ACK_LEN + ADJ_AUTH_LEN];
	struct adj_hdr h;
	struct adj_ack m = {.version = u->version,
	    .frag_index = u->frag_index,
	    .frag_count = u->frag_count};
	size_t len;

	if (!can_send(adj))
		return;
	hdr_next(adj, &h);
	if (adj_ack_encode(buf, sizeof(buf), &len, &h, &m) != 0) {
		adj->c.send_errors++;
		return;
	}
	adj->c.acks_out++;
	(void)xmit(adj, buf, len);
}

static void
send_fragment(struct adj *adj, size_t i)
{
	uint8_t buf[ADJ_MSG_MAX];
	struct adj_hdr h;
	struct adj_update u;
	size_t len;

	memset(&u, 0, sizeof(u));
	u.version = adj->our_version;
	u.frag_index = (uint16_t)i;
	u.frag_count = (uint16_t)adj->frag_count;
	u.total = (uint32_t)adj->our_n;
	u.offset = (uint32_t)adj->frag_start[i];
	u.count = (uint16_t)(adj->frag_start[i + 1] - adj->frag_start[i]);
	hdr_next(adj, &h);
	if (adj_update_encode(buf, adj->mtu, &len, &h, &u,
		u.count ? adj->our + u.offset : NULL) != 0) {
		adj->c.send_errors++;
		return;
	}
	adj->c.updates_out++;
	(void)xmit(adj, buf, len);
}

/* Plans the fragments of our set; returns 0, -E2BIG or -ENOMEM. */
static int
frags_plan(struct adj *adj)
{
	size_t n =
	    adj_update_frag_count(adj->our, adj->our_n, adj->mtu, adj->auth);
	size_t i, pos = 0;

	frags_reset(adj);
	if (n == 0)
		return -E2BIG;
	adj->frag_start = calloc(n + 1, sizeof(*adj->frag_start));
	adj->acked = calloc(n, 1);
	if (adj->frag_start == NULL || adj->acked == NULL) {
		frags_reset(adj);
		return -ENOMEM;
	}
	for (i = 0; i < n; i++) {
		adj->frag_start[i] = pos;
		if (pos < adj->our_n) /* never NULL + 0: the set may be empty */
			pos += adj_update_frag_fit(adj->our + pos,
			    adj->our_n - pos, adj->mtu, adj->auth);
	}
	adj->frag_start[n] = pos;
	adj->frag_count = n;
	adj->unacked = n;
	return 0;
}

/* A new version of our set to the peer (we are UP). */
static void
update_start(struct adj *adj, uint64_t now)
{
	size_t i;

	adj->our_version++;
	if (frags_plan(adj) != 0) {
		adj->c.send_errors++;
		return;
	}
	adj->prefixes_out = adj->our_n;
	for (i = 0; i < adj->frag_count; i++)
		send_fragment(adj, i);
	adj->retx_ms = ADJ_RETX_INITIAL_MS;
	adj->retx_due = now + adj->retx_ms;
}

static void
peer_forget_routes(struct adj *adj)
{
	asm_reset(adj);
	free(adj->peer_set);
	adj->peer_set = NULL;
	adj->peer_n = 0;
	adj->peer_have = false;
	adj->prefixes_in = 0;
	adj->prefixes_refused = 0;
}

/* The one place the state changes. */
static void
adj_set_state(
    struct adj *adj, enum adj_state to, const char *reason, uint64_t now)
{
	enum adj_state from = adj->state;

	if (from == to)
		return;
	if (from == ADJ_UP) {
		adj->flaps++;
		frags_reset(adj);
		adj->prefixes_out = 0;
		peer_forget_routes(adj);
	}
	if (to == ADJ_DOWN) {
		adj->peer_known = false;
		adj->peer_router_id = adj->peer_epoch = 0;
		adj->peer_name[0] = '\0';
		adj->hold_due = 0;
		adj->hold_neg_ms = 0;
		peer_forget_routes(adj);
	}
	adj->state = to;
	adj->state_since = now;
	if (adj->ops->state_change != NULL)
		adj->ops->state_change(adj, from, to, reason, adj->arg);
	/* graceful restart: the routes stay (stale here, live if ours) */
	if (from == ADJ_UP && adj->ops->routes != NULL && !adj->gr_helping &&
	    !adj->restarting)
		adj->ops->routes(adj, NULL, 0, adj->arg);

	/* what entering the state means */
	if (can_send(adj))
		send_hello(adj, now); /* tell the peer at once */
	if (to == ADJ_UP)
		update_start(adj, now);
}

/*
 * Helper mode (protocol.md 3.4.1) starts: the peer announced a restart of
 * secs seconds.  The caller then changes the state and reports BEGIN.
 */
static void
gr_begin(struct adj *adj, uint16_t secs, uint64_t now)
{
	adj->gr_helping = true;
	adj->gr_peer_time = secs;
	adj->gr_old_router_id = adj->peer_router_id;
	adj->gr_old_epoch = adj->peer_epoch;
	adj->gr_since = now;
	adj->gr_due = now + (uint64_t)secs * 1000;
	adj->c.gr_helped++;
}

/* Helper mode ends (no-op when not helping); the caller is told why. */
static void
gr_end(struct adj *adj, enum adj_gr_event ev, const char *reason)
{
	if (!adj->gr_helping)
		return;
	adj->gr_helping = false;
	adj->gr_due = 0;
	if (ev == ADJ_GR_COMPLETE)
		adj->c.gr_completed++;
	else if (ev == ADJ_GR_EXPIRED)
		adj->c.gr_expired++;
	else
		adj->c.gr_aborted++;
	if (adj->ops->restart != NULL)
		adj->ops->restart(adj, ev, reason, adj->arg);
}

/* GOODBYE received; adj_input recorded the reason and bye_restart_s. */
static void
goodbye_rx(struct adj *adj, uint64_t now)
{
	bool begin;

	if (adj->bye_restart_s == 0 ||
	    (adj->state != ADJ_UP && !adj->gr_helping)) {
		/* a plain GOODBYE, or a restart from INIT (nothing to keep) */
		gr_end(adj, ADJ_GR_ABORTED, adj->why);
		adj_set_state(adj, ADJ_DOWN, adj->why, now);
		return;
	}
	/*
	 * Restarting.  Again while helping (a repeated GOODBYE, or a restart
	 * before the complete set): keep helping, but with the first
	 * deadline, so a flapping peer cannot keep stale routes for ever.
	 */
	begin = !adj->gr_helping;
	if (begin) {
		gr_begin(adj, adj->bye_restart_s, now);
	} else if (adj->peer_known) {
		adj->gr_old_router_id = adj->peer_router_id;
		adj->gr_old_epoch = adj->peer_epoch;
	}
	adj_set_state(adj, ADJ_DOWN, adj->why, now);
	if (begin && adj->ops->restart != NULL)
		adj->ops->restart(adj, ADJ_GR_BEGIN, adj->why, adj->arg);
}

static void
retransmit(struct adj *adj, uint64_t now)
{
	size_t i;

	if (adj->state != ADJ_UP || adj->unacked == 0) {
		adj->retx_due = 0;
		return;
	}
	for (i = 0; i < adj->frag_count; i++) {
		if (!adj->acked[i]) {
			adj->c.update_retx++;
			send_fragment(adj, i);
		}
	}
	adj->retx_ms = adj->retx_ms * 2 > ADJ_RETX_MAX_MS ? ADJ_RETX_MAX_MS
							  : adj->retx_ms * 2;
	adj->retx_due = now + adj->retx_ms;
}

void
adj_fsm(struct adj *adj, enum adj_event ev, uint64_t now)
{
	switch (ev) {
	case ADJ_EV_START:
		adj->running = true;
		adj->restarting = false;
		send_hello(adj, now);
		break;
	case ADJ_EV_HELLO_TIMER:
		if (!can_send(adj))
			adj->hello_due = 0;
		else
			send_hello(adj, now);
		break;
	case ADJ_EV_HOLD_TIMER:
		/* only a deadline that has really passed: exact to the ms */
		if (adj->state != ADJ_DOWN && adj->hold_due != 0 &&
		    now >= adj->hold_due) {
			gr_end(adj, ADJ_GR_ABORTED, "hold timer expired");
			adj_set_state(adj, ADJ_DOWN, "hold timer expired", now);
		}
		break;
	case ADJ_EV_RETX_TIMER:
		retransmit(adj, now);
		break;
	case ADJ_EV_RESTART_TIMER:
		if (adj->gr_helping && adj->gr_due != 0 && now >= adj->gr_due)
			gr_end(adj, ADJ_GR_EXPIRED, "restart time expired");
		break;
	case ADJ_EV_TUNNEL_DOWN:
		adj->tunnel_up = false;
		adj->hello_due = 0;
		gr_end(adj, ADJ_GR_ABORTED, "tunnel down");
		adj_set_state(adj, ADJ_DOWN, "tunnel down", now);
		break;
	case ADJ_EV_TUNNEL_UP:
		if (!adj->tunnel_up) {
			adj->tunnel_up = true;
			if (adj->running)
				send_hello(adj, now);
		}
		break;
	case ADJ_EV_CLEAR:
		if (adj->state != ADJ_DOWN)
			send_goodbye(adj, ADJ_BYE_ADMIN_CLEAR, 0);
		gr_end(adj, ADJ_GR_ABORTED, "administrative clear");
		adj_set_state(adj, ADJ_DOWN, "administrative clear", now);
		/* also the remedy for a peer locked out by the replay floor */
		adj->replay_valid = false;
		break;
	case ADJ_EV_SHUTDOWN:
		/* after a restart GOODBYE too: the restart will not happen */
		if (adj->restarting)
			adj->running = true; /* silent since, but may say this */
		if (adj->state != ADJ_DOWN || adj->restarting)
			send_goodbye(adj, ADJ_BYE_SHUTDOWN, 0);
		adj->restarting = false;
		adj->running = false;
		adj->hello_due = 0;
		gr_end(adj, ADJ_GR_ABORTED, "shutdown");
		adj_set_state(adj, ADJ_DOWN, "shutdown", now);
		break;
	case ADJ_EV_RESTART:
		if (adj->state != ADJ_DOWN)
			send_goodbye(
			    adj, ADJ_BYE_RESTARTING, adj->restart_time);
		adj->running = false;
		adj->hello_due = 0;
		/*
		 * This process is being replaced: a neighbour we were helping
		 * is the next incarnation's business, and nothing is
		 * withdrawn here (restarting makes adj_set_state keep the
		 * routes too).
		 */
		adj->restarting = true;
		adj->gr_helping = false;
		adj->gr_due = 0;
		adj_set_state(adj, ADJ_DOWN, "restarting", now);
		break;
	case ADJ_EV_HELLO_1WAY:
		if (adj->state == ADJ_DOWN)
			adj_set_state(adj, ADJ_INIT, "hello heard", now);
		else if (adj->state == ADJ_UP) {
			gr_end(adj, ADJ_GR_ABORTED, "peer no longer hears us");
			adj_set_state(
			    adj, ADJ_INIT, "peer no longer hears us", now);
		}
		break;
	case ADJ_EV_HELLO_2WAY:
		if (adj->state == ADJ_DOWN)
			adj_set_state(adj, ADJ_INIT, "hello heard", now);
		if (adj->state == ADJ_INIT)
			adj_set_state(adj, ADJ_UP, "two-way hello", now);
		break;
	case ADJ_EV_GOODBYE_RX:
		goodbye_rx(adj, now);
		break;
	case ADJ_EV_PEER_RESTART:
		/* expected while helping, unless it had come UP already */
		if (adj->state == ADJ_UP)
			gr_end(adj, ADJ_GR_ABORTED, adj->why);
		adj_set_state(adj, ADJ_DOWN, adj->why, now);
		break;
	case ADJ_EV_MAX:
		break;
	}
}

void
adj_timers(struct adj *adj, uint64_t now)
{
	if (adj->hold_due != 0 && now >= adj->hold_due)
		adj_fsm(adj, ADJ_EV_HOLD_TIMER, now);
	if (adj->retx_due != 0 && now >= adj->retx_due)
		adj_fsm(adj, ADJ_EV_RETX_TIMER, now);
	if (adj->gr_due != 0 && now >= adj->gr_due)
		adj_fsm(adj, ADJ_EV_RESTART_TIMER, now);
	if (adj->hello_due != 0 && now >= adj->hello_due)
		adj_fsm(adj, ADJ_EV_HELLO_TIMER, now);
}

uint64_t
adj_next_deadline(const struct adj *adj)
{
	uint64_t d = UINT64_MAX;

	if (adj->hello_due != 0 && adj->hello_due < d)
		d = adj->hello_due;
	if (adj->hold_due != 0 && adj->hold_due < d)
		d = adj->hold_due;
	if (adj->retx_due != 0 && adj->retx_due < d)
		d = adj->retx_due;
	if (adj->gr_due != 0 && adj->gr_due < d)
		d = adj->gr_due;
	return d;
}

static void
input_hello(struct adj *adj, const struct adj_msg *m, uint64_t now)
{
	const struct adj_hello *hl = &m->u.hello;
	bool two_way;

	adj->c.hellos_in++;
	adj->peer_known = true;
	adj->peer_router_id = m->hdr.router_id;
	adj->peer_epoch = m->hdr.epoch;
	adj->peer_hold_ms = hl->hold_ms;
	adj->peer_hello_ms = hl->hello_ms;
	memcpy(adj->peer_name, hl->name, sizeof(adj->peer_name));
	adj->last_hello_rx = now;
	/* BGP's rule (RFC 4271 4.2): the smaller hold time is used */
	adj->hold_neg_ms =
	    hl->hold_ms < adj->hold_ms ? hl->hold_ms : adj->hold_ms;
	adj->hold_due = now + adj->hold_neg_ms;
	two_way = (hl->flags & ADJ_HELLO_F_HEARD) &&
		  hl->nbr_router_id == adj->router_id &&
		  hl->nbr_epoch == adj->epoch;
	adj_fsm(adj, two_way ? ADJ_EV_HELLO_2WAY : ADJ_EV_HELLO_1WAY, now);
	/* a shorter negotiated hold may need our next hello sooner */
	if (adj->hello_due != 0 && adj->hello_due > now + hello_interval(adj))
		adj->hello_due = now + hello_jittered(adj);
}

/* Starts reassembling version u->version; returns 0 or -ENOMEM. */
static int
asm_start(struct adj *adj, const struct adj_update *u)
{
	asm_reset(adj);
	adj->asm_cap =
	    u->total < adj->max_prefixes ? u->total : adj->max_prefixes;
	adj->asm_set =
	    calloc(adj->asm_cap ? adj->asm_cap : 1, sizeof(*adj->asm_set));
	adj->asm_filled = calloc(adj->asm_cap ? adj->asm_cap : 1, 1);
	adj->asm_frag_seen = calloc(u->frag_count, 1);
	if (adj->asm_set == NULL || adj->asm_filled == NULL ||
	    adj->asm_frag_seen == NULL) {
		asm_reset(adj);
		return -ENOMEM;
	}
	adj->asm_active = true;
	adj->asm_version = u->version;
	adj->asm_total = u->total;
	adj->asm_frag_count = u->frag_count;
	adj->asm_frags_seen = 0;
	adj->asm_entries = 0;
	adj->asm_refused_cap = 0;
	return 0;
}

/* A complete version: filter, replace the peer's set, report it. */
static void
asm_complete(struct adj *adj)
{
	size_t i, n = 0;
	uint64_t refused = adj->asm_refused_cap;

	for (i = 0; i < adj->asm_cap; i++) {
		if (adj->ops->accept != NULL &&
		    !adj->ops->accept(adj, &adj->asm_set[i], adj->arg)) {
			refused++;
			continue;
		}
		adj->asm_set[n++] = adj->asm_set[i];
	}
	free(adj->peer_set);
	adj->peer_set = adj->asm_set;
	adj->asm_set = NULL;
	adj->peer_n = n;
	adj->peer_have = true;
	adj->peer_version = adj->asm_version;
	adj->prefixes_in = n;
	adj->prefixes_refused = refused;
	asm_reset(adj);
	if (adj->ops->routes != NULL)
		adj->ops->routes(adj, adj->peer_set, adj->peer_n, adj->arg);
	/* protocol.md 3.4.1: the complete set replaced the stale one */
	gr_end(adj, ADJ_GR_COMPLETE, "complete set received");
}

static int
input_update(struct adj *adj, const uint8_t *buf, const struct adj_msg *m)
{
	const struct adj_update *u = &m->u.update;
	struct adj_prefix_iter it;
	struct adj_prefix p;
	uint32_t idx;
	int r;

	adj->c.updates_in++;
	if (adj->state != ADJ_UP) {
		/* not ACKed: the peer retransmits once we are UP */
		adj->c.ignored++;
		return -ENOENT;
	}
	if (adj->peer_have && u->version == adj->peer_version)
		goto ack; /* duplicate of what we have */
	if (adj->asm_active && u->version == adj->asm_version)
		goto add;
	if ((adj->peer_have && serial_lt(u->version, adj->peer_version)) ||
	    (adj->asm_active && serial_lt(u->version, adj->asm_version)))
		goto ack; /* stale: ACK so the peer stops sending it */
	if ((r = asm_start(adj, u)) != 0)
		return r;
add:
	if (u->frag_count != adj->asm_frag_count ||
	    u->total != adj->asm_total) {
		adj->c.bad++;
		return -EBADMSG;
	}
	if (adj->asm_frag_seen[u->frag_index])
		goto ack; /* retransmission */
	adj_prefix_iter_init(&it, buf, m);
	for (idx = u->offset; adj_prefix_iter_next(&it, &p); idx++) {
		if (idx >= adj->asm_cap) {
			adj->asm_refused_cap++;
			continue;
		}
		if (adj->asm_filled[idx]) {
			/* overlapping fragments: drop the version */
			adj->c.bad++;
			asm_reset(adj);
			return -EBADMSG;
		}
		adj->asm_filled[idx] = 1;
		adj->asm_set[idx] = p;
		adj->asm_entries++;
	}
	adj->asm_frag_seen[u->frag_index] = 1;
	adj->asm_frags_seen++;
	if (adj->asm_frags_seen == adj->asm_frag_count) {
		if (adj->asm_entries != adj->asm_cap ||
		    adj->asm_entries + adj->asm_refused_cap != adj->asm_total) {
			adj->c.bad++; /* holes: fragments do not add up */
			asm_reset(adj);
			send_ack(adj, u);
			return -EBADMSG;
		}
		asm_complete(adj);
	}
ack:
	send_ack(adj, u);
	return 0;
}

static void
input_ack(struct adj *adj, const struct adj_ack *a)
{
	adj->c.acks_in++;
	if (adj->state != ADJ_UP || a->version != adj->our_version ||
	    a->frag_count != adj->frag_count || adj->acked == NULL ||
	    adj->acked[a->frag_index])
		return; /* stale or duplicate */
	adj->acked[a->frag_index] = 1;
	if (--adj->unacked == 0)
		adj->retx_due = 0;
}

int
adj_input(struct adj *adj, const uint8_t *buf, size_t len, uint64_t now)
{
	struct adj_msg m;
	uint64_t pn;
	int r;

	r = adj_msg_decode(buf, len, &m, NULL, 0);
	if (r == -EPROTONOSUPPORT || r == -EOPNOTSUPP) {
		adj->c.unknown++;
		return r;
	}
	if (r != 0) {
		adj->c.bad++;
		return -EBADMSG;
	}
	if (adj->auth != m.hdr.auth ||
	    (adj->auth && adj_auth_verify(buf, len, adj->key, adj->keylen,
			      adj->key_id) != 0)) {
		adj->c.auth_fail++;
		return -EACCES;
	}
	if (m.hdr.router_id == adj->router_id ||
	    (adj->peer_router_id_cfg != 0 &&
		m.hdr.router_id != adj->peer_router_id_cfg) ||
	    !can_send(adj)) {
		adj->c.ignored++;
		return -ENOENT;
	}
	if (adj->auth) {
		/* protocol.md "Replay protection" */
		pn = (uint64_t)m.hdr.epoch << 32 | m.hdr.seq;
		if (adj->replay_valid && pn <= adj->replay_last) {
			adj->c.replays++;
			return -EALREADY;
		}
		adj->replay_valid = true;
		adj->replay_last = pn;
	}
	if (adj->gr_helping && m.hdr.router_id == adj->gr_old_router_id &&
	    m.hdr.epoch == adj->gr_old_epoch &&
	    !(m.hdr.type == ADJ_T_GOODBYE &&
		m.u.goodbye.reason != ADJ_BYE_RESTARTING)) {
		/*
		 * The incarnation that said goodbye: late or repeated.  A plain
		 * GOODBYE from it is not ignored: it stopped instead of
		 * restarting, and its routes must go now (protocol.md 3.4.1).
		 */
		if (m.hdr.type == ADJ_T_GOODBYE)
			adj->c.goodbyes_in++;
		adj->c.ignored++;
		return -ENOENT;
	}
	if (adj->peer_known && (m.hdr.router_id != adj->peer_router_id ||
				   m.hdr.epoch != adj->peer_epoch)) {
		snprintf(adj->why, sizeof(adj->why), "%s",
		    m.hdr.router_id != adj->peer_router_id
			? "peer router-id changed"
			: "peer restarted (new epoch)");
		adj_fsm(adj, ADJ_EV_PEER_RESTART, now);
	}

	switch (m.hdr.type) {
	case ADJ_T_HELLO:
		input_hello(adj, &m, now);
		return 0;
	case ADJ_T_UPDATE:
		return input_update(adj, buf, &m);
	case ADJ_T_ACK:
		input_ack(adj, &m.u.ack);
		return 0;
	case ADJ_T_GOODBYE: {
		const struct adj_goodbye *g = &m.u.goodbye;
		/* protocol.md 3.4.1: without the TLV (or helping), reason 0 */
		bool restart = g->reason == ADJ_BYE_RESTARTING &&
			       g->restart_time != 0 && adj->gr_helper;

		adj->c.goodbyes_in++;
		if (adj->state == ADJ_DOWN && !adj->gr_helping)
			return 0;
		adj->bye_restart_s = restart ? g->restart_time : 0;
		if (restart)
			snprintf(adj->why, sizeof(adj->why),
			    "goodbye from peer (restarting, %u s)",
			    g->restart_time);
		else
			snprintf(adj->why, sizeof(adj->why),
			    "goodbye from peer (%s%s)",
			    bye_reason_name(g->reason),
			    g->reason != ADJ_BYE_RESTARTING ? ""
			    : adj->gr_helper ? ", no restart time"
					     : ", helper off");
		adj_fsm(adj, ADJ_EV_GOODBYE_RX, now);
		return 0;
	}
	}
	return -EOPNOTSUPP; /* not reached: the decoder knows the types */
}

void
adj_set_graceful_restart(struct adj *adj, bool helper, uint16_t restart_time)
{
	/* helping already under way goes on; the next restart uses these */
	adj->gr_helper = helper && adj->ops != NULL && adj->ops->restart != NULL;
	adj->restart_time = restart_time ? restart_time : ADJ_RESTART_TIME_DEFAULT;
}

int
adj_set_prefixes(
    struct adj *adj, const struct adj_prefix *v, size_t n, uint64_t now)
{
	struct adj_prefix *copy = NULL;
	size_t i;

	if (n > ADJ_SET_MAX ||
	    adj_update_frag_count(v, n, adj->mtu, adj->auth) == 0)
		return -E2BIG;
	for (i = 0; i < n; i++)
		if (adj_prefix_check(&v[i], NULL, 0) != 0)
			return -EINVAL;
	/* the same set again (a reload that did not touch it): no new version */
	if (adj->our_have && n == adj->our_n) {
		for (i = 0; i < n; i++)
			if (v[i].family != adj->our[i].family ||
			    v[i].plen != adj->our[i].plen ||
			    v[i].metric != adj->our[i].metric ||
			    memcmp(v[i].addr.b, adj->our[i].addr.b, 16) != 0)
				break;
		if (i == n)
			return 0;
	}
	if (n > 0) {
		copy = malloc(n * sizeof(*copy));
		if (copy == NULL)
			return -ENOMEM;
		memcpy(copy, v, n * sizeof(*copy));
	}
	free(adj->our);
	adj->our = copy;
	adj->our_n = n;
	adj->our_have = true;
	if (adj->state == ADJ_UP)
		update_start(adj, now);
	return 0;
}
