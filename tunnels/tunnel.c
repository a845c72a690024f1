/* SPDX-License-Identifier: ISC */
/*
 * DOC: tunnel objects and their state machine
 *
 * A tunnel is one interface (TUN or kernel GRE) to one hub (spoke side,
 * TUNNEL_P2P) or to every spoke (hub side, TUNNEL_MULTIPOINT, neighbours in
 * nbr.c).  Its state says whether traffic can flow: READY needs the
 * interface, an installed SA and a live underlay.  The other modules report
 * facts through events -- IKE "SA up/down", the link monitor "underlay
 * up/down", config "create/destroy/admin" -- and this file alone decides the
 * state (callers report facts, one module decides).
 *
 * The machine is a table of {states, event, action, next} rows, searched in
 * order, in the style of OpenBSD's bgpd/iked.  Most rows record a fact and
 * have next = EVAL: the next state is then derived from the facts by one
 * function, decide(), so the precedence (admin down > underlay down > READY
 * > CREATED) is written once instead of once per row.  Every change goes
 * through tunnel_set_state(), which logs "tunnel NAME: A -> B (reason)" and
 * notifies the observer: the adjacency drops its neighbour the moment the
 * tunnel leaves READY for UNDERLAY_DOWN, without waiting for the hold time.
 *
 * Time is a parameter (ms on the caller's monotonic clock), so the unit
 * tests drive the machine with a fake clock; the only timer is the create
 * retry (exponential backoff 1 s .. 60 s after a failed create, e.g. a TUN
 * name clash or a missing CAP_NET_ADMIN), fired by TUNNEL_EV_TIMER.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include <gripd/tunnel.h>

#define S(x) (1u << (x))
#define S_ANY (S(TUNNEL_S_MAX) - 1)
#define S_CREATED_ANY                                                          \
	(S(TUNNEL_S_CREATED) | S(TUNNEL_S_READY) | S(TUNNEL_S_UNDERLAY_DOWN) | \
	    S(TUNNEL_S_ADMIN_DOWN))
#define N_EVAL (-1) /* next state: decide() from the facts */
#define N_SAME (-2) /* no change */

typedef int tunnel_action(struct tunnel *, uint64_t, char *, size_t);

struct tunnel_transition {
	unsigned states; /* bit set of current states */
	enum tunnel_event ev;
	tunnel_action *action; /* may fail: then no transition */
	int next;	       /* a state, N_EVAL or N_SAME */
};

static const char *const state_names[TUNNEL_S_MAX] = {
    [TUNNEL_S_DOWN] = "DOWN",
    [TUNNEL_S_CREATED] = "CREATED",
    [TUNNEL_S_READY] = "READY",
    [TUNNEL_S_UNDERLAY_DOWN] = "UNDERLAY_DOWN",
    [TUNNEL_S_ADMIN_DOWN] = "ADMIN_DOWN",
};

/* Also the default reason of a transition. */
static const char *const event_names[TUNNEL_EV_MAX] = {
    [TUNNEL_EV_CREATE] = "created",
    [TUNNEL_EV_SA_UP] = "SA up",
    [TUNNEL_EV_SA_DOWN] = "SA down",
    [TUNNEL_EV_UNDERLAY_UP] = "underlay up",
    [TUNNEL_EV_UNDERLAY_DOWN] = "underlay down",
    [TUNNEL_EV_ADMIN_DOWN] = "admin down",
    [TUNNEL_EV_ADMIN_UP] = "admin up",
    [TUNNEL_EV_DESTROY] = "destroyed",
    [TUNNEL_EV_TIMER] = "retry",
};

const char *
tunnel_state_name(enum tunnel_state s)
{
	return (unsigned)s < TUNNEL_S_MAX ? state_names[s] : "?";
}

const char *
tunnel_event_name(enum tunnel_event ev)
{
	return (unsigned)ev < TUNNEL_EV_MAX ? event_names[ev] : "?";
}

const char *
tunnel_kind_name(enum tunnel_kind k)
{
	return k == TUNNEL_MULTIPOINT ? "multipoint" : "point-to-point";
}

static void tlog(struct tunnel *t, int prio, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
tlog(struct tunnel *t, int prio, const char *fmt, ...)
{
	char msg[256];
	va_list ap;
	int n;

	if (t->ops->log == NULL)
		return;
	n = snprintf(msg, sizeof(msg), "tunnel %s: ", t->name);
	va_start(ap, fmt);
	vsnprintf(msg + n, sizeof(msg) - (size_t)n, fmt, ap);
	va_end(ap);
	t->ops->log(t->ops_arg, prio, msg);
}

/* ---- actions ---------------------------------------------------------- */

static int
act_create(struct tunnel *t, uint64_t now, char *why, size_t whylen)
{
	int err;

	t->want_created = true;
	err = t->ops->create(t, t->ops_arg);
	t->last_err = err;
	if (err < 0) {
		t->retry_ms =
		    t->retry_ms == 0 ? TUNNEL_RETRY_MIN_MS : t->retry_ms * 2;
		if (t->retry_ms > TUNNEL_RETRY_MAX_MS)
			t->retry_ms = TUNNEL_RETRY_MAX_MS;
		t->retry_at = now + t->retry_ms;
		tlog(t, LOG_WARNING, "create failed: %s (retry in %u ms)",
		    strerror(-err), t->retry_ms);
		return err;
	}
	t->retry_ms = 0;
	t->retry_at = 0;
	/* Configured shut before the interface existed. */
	if (t->admin_down && t->ops->admin != NULL)
		(void)t->ops->admin(t, false, t->ops_arg);
	return 0;
}

static int
act_timer(struct tunnel *t, uint64_t now, char *why, size_t whylen)
{
	if (!t->want_created || t->retry_at == 0 || now < t->retry_at)
		return -EAGAIN; /* not due: no transition, not an error */
	return act_create(t, now, why, whylen);
}

static int
act_destroy(struct tunnel *t, uint64_t now, char *why, size_t whylen)
{
	t->want_created = false;
	t->retry_at = 0;
	t->retry_ms = 0;
	if (t->state != TUNNEL_S_DOWN && t->ops->destroy != NULL)
		t->ops->destroy(t, t->ops_arg);
	return 0;
}

static int
act_sa_up(struct tunnel *t, uint64_t now, char *why, size_t whylen)
{
	t->sa_up = true;
	return 0;
}

static int
act_sa_down(struct tunnel *t, uint64_t now, char *why, size_t whylen)
{
	t->sa_up = false;
	return 0;
}

static int
act_ul_up(struct tunnel *t, uint64_t now, char *why, size_t whylen)
{
	t->underlay = TUNNEL_UL_UP;
	return 0;
}

static int
act_ul_down(struct tunnel *t, uint64_t now, char *why, size_t whylen)
{
	t->underlay = TUNNEL_UL_DOWN;
	return 0;
}

static int
act_admin(struct tunnel *t, bool up)
{
	int err = 0;

	if (t->state != TUNNEL_S_DOWN && t->ops->admin != NULL &&
	    t->admin_down == up)
		err = t->ops->admin(t, up, t->ops_arg);
	if (err < 0) {
		tlog(t, LOG_WARNING, "admin %s failed: %s", up ? "up" : "down",
		    strerror(-err));
		return err;
	}
	t->admin_down = !up;
	return 0;
}

static int
act_admin_down(struct tunnel *t, uint64_t now, char *why, size_t whylen)
{
	return act_admin(t, false);
}

static int
act_admin_up(struct tunnel *t, uint64_t now, char *why, size_t whylen)
{
	return act_admin(t, true);
}

/* ---- the table -------------------------------------------------------- */

static const struct tunnel_transition transitions[] = {
    {S(TUNNEL_S_DOWN), TUNNEL_EV_CREATE, act_create, N_EVAL},
    {S(TUNNEL_S_DOWN), TUNNEL_EV_TIMER, act_timer, N_EVAL},
    {S_CREATED_ANY, TUNNEL_EV_CREATE, NULL, N_SAME},
    {S_CREATED_ANY, TUNNEL_EV_TIMER, NULL, N_SAME},
    {S_ANY, TUNNEL_EV_DESTROY, act_destroy, TUNNEL_S_DOWN},
    {S_ANY, TUNNEL_EV_SA_UP, act_sa_up, N_EVAL},
    {S_ANY, TUNNEL_EV_SA_DOWN, act_sa_down, N_EVAL},
    {S_ANY, TUNNEL_EV_UNDERLAY_UP, act_ul_up, N_EVAL},
    {S_ANY, TUNNEL_EV_UNDERLAY_DOWN, act_ul_down, N_EVAL},
    {S_ANY, TUNNEL_EV_ADMIN_DOWN, act_admin_down, N_EVAL},
    {S_ANY, TUNNEL_EV_ADMIN_UP, act_admin_up, N_EVAL},
};

/* The state the facts call for, once the interface exists. */
static enum tunnel_state
decide(const struct tunnel *t, bool created)
{
	if (!created)
		return TUNNEL_S_DOWN;
	if (t->admin_down)
		return TUNNEL_S_ADMIN_DOWN;
	if (t->underlay == TUNNEL_UL_DOWN)
		return TUNNEL_S_UNDERLAY_DOWN;
	if (t->sa_up && t->underlay == TUNNEL_UL_UP)
		return TUNNEL_S_READY;
	return TUNNEL_S_CREATED;
}

void
tunnel_set_state(
    struct tunnel *t, enum tunnel_state to, const char *reason, uint64_t now)
{
	enum tunnel_state from = t->state;

	if (to == from)
		return;
	if (from == TUNNEL_S_READY)
		t->flaps++;
	t->state = to;
	t->state_since = now;
	tlog(t, LOG_INFO, "%s -> %s (%s)", tunnel_state_name(from),
	    tunnel_state_name(to), reason);
	if (t->ops->notify != NULL)
		t->ops->notify(t, from, to, reason, t->ops_arg);
}

int
tunnel_fsm(struct tunnel *t, enum tunnel_event ev, uint64_t now)
{
	const struct tunnel_transition *tr;
	char why[128];
	size_t i;
	bool created;
	int err = 0, next;

	if ((unsigned)ev >= TUNNEL_EV_MAX)
		return -EINVAL;
	for (i = 0; i < sizeof(transitions) / sizeof(transitions[0]); i++) {
		tr = &transitions[i];
		if ((tr->states & S(t->state)) && tr->ev == ev)
			break;
	}
	if (i == sizeof(transitions) / sizeof(transitions[0]))
		return 0; /* no row: the event means nothing here */

	snprintf(why, sizeof(why), "%s", tunnel_event_name(ev));
	if (tr->action != NULL &&
	    (err = tr->action(t, now, why, sizeof(why))) < 0)
		return err == -EAGAIN ? 0 : err;

	next = tr->next;
	if (next == N_SAME)
		return 0;
	if (next == N_EVAL) {
		/* Out of DOWN only through a successful create. */
		created = t->state != TUNNEL_S_DOWN || ev == TUNNEL_EV_CREATE ||
			  ev == TUNNEL_EV_TIMER;
		next = decide(t, created);
	}
	tunnel_set_state(t, (enum tunnel_state)next, why, now);
	return 0;
}

uint64_t
tunnel_next_deadline(const struct tunnel *t)
{
	return t->state == TUNNEL_S_DOWN && t->want_created ? t->retry_at : 0;
}

int
tunnel_init(struct tunnel *t, const char *name, enum tunnel_kind kind,
    const struct tunnel_ops *ops, void *arg)
{
	memset(t, 0, sizeof(*t));
	if (name == NULL || strlen(name) >= sizeof(t->name) || ops == NULL ||
	    ops->create == NULL)
		return -EINVAL;
	memcpy(t->name, name, strlen(name) + 1);
	t->kind = kind;
	t->ops = ops;
	t->ops_arg = arg;
	t->state = TUNNEL_S_DOWN;
	t->underlay = TUNNEL_UL_UNKNOWN;
	if (kind == TUNNEL_MULTIPOINT && (t->nbrs = nbr_table_new(0)) == NULL)
		return -ENOMEM;
	return 0;
}

void
tunnel_fini(struct tunnel *t)
{
	nbr_table_free(t->nbrs);
	t->nbrs = NULL;
}

int
tunnel_set_mtu(struct tunnel *t, const struct tunmtu_params *p, bool clamp_mss)
{
	unsigned mtu;
	int err;

	if ((err = tunmtu_inner_max(p, &mtu)) < 0)
		return err;
	t->mtu = mtu;
	/* MSS = MTU - IP header - TCP header (RFC 9293 3.7.1). */
	t->mss4 = t->mss6 = 0;
	if (clamp_mss && mtu > 60 && mtu <= 65535) {
		t->mss4 = (uint16_t)(mtu - 20 - 20);
		t->mss6 = (uint16_t)(mtu - 40 - 20);
	}
	if (t->inner6.addr.family != 0 && !tunmtu_ipv6_ok(mtu))
		tlog(t, LOG_WARNING,
		    "inner MTU %u is below IPv6's minimum of %u: "
		    "IPv6 over this tunnel will not work",
		    mtu, TUNMTU_IPV6_MIN);
	return 0;
}

void
tunnel_counters_read(const struct tunnel *t, struct tunnel_counters_snap *o)
{
	const struct tunnel_counters *c = &t->ctr;

#define RD(f) o->f = atomic_load_explicit(&c->f, memory_order_relaxed)
	RD(tx_packets);
	RD(tx_bytes);
	RD(rx_packets);
	RD(rx_bytes);
	RD(mtu_drops);
	RD(gre_malformed);
	RD(nbr_drops);
	RD(icmp_sent);
	RD(mss_clamped);
#undef RD
}
