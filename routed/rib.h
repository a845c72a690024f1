/* SPDX-License-Identifier: ISC */
/*
 * rib.h (private to routed/): route decisions.  Pure: no I/O, no clock, no
 * logging; time is a parameter (monotonic ms, as loop_clock_ms()).
 *
 * A candidate is (prefix, peer, next hop, metric = peer cost + advertised
 * metric).  Per prefix the lowest metric wins, equal metrics are ECMP, the
 * losers stay as ready backups.  Every candidate is pre-installed in the
 * kernel (fib.h maps candidates to kernel routes), so a withdrawal is one
 * netlink message and the kernel already holds the next route.
 *
 * Failback hold-down (docs/routing.md has the rules and their reasons):
 *
 *   peer never up            --rib_peer_up/routes-->  UP, not held
 *   UP (not held)            --rib_peer_down------->  DOWN (failed once)
 *   DOWN (failed once)       --rib_peer_up--------->  UP, HELD until now+delay
 *   UP, HELD                 --rib_peer_down------->  DOWN (the delay restarts
 *                                                      on the next up)
 *   UP, HELD                 --rib_timers(>=until)->  UP, not held
 *
 * A held candidate may not become best while some candidate that is not
 * held exists (it would preempt a working path); it is installed at a
 * penalized kernel metric meanwhile.  If only held candidates exist it is
 * used at once, and a held candidate that is already best keeps its place.
 *
 * Driving it:
 *
 *   rib_peer_set() / rib_peer_routes() / rib_peer_down() / rib_timers()
 *   while ((n = rib_dirty(rib, pfx, N)) > 0)
 *           for each prefix: nops = rib_fib_plan(rib, p, ops, max);
 *                            for each op: err = kroute_apply(k, p, &op);
 *                                         rib_fib_done(rib, p, &op, err);
 *   arm a timer at rib_next_deadline(rib) and call rib_timers() there.
 */
#ifndef GRIPD_RIB_H
#define GRIPD_RIB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Largest RIB metric; cost + advertised metric saturates here. */
#define RIB_METRIC_MAX 0x3fffffffu
/* Default failback hold-down (conf: failback-delay). */
#define RIB_FAILBACK_DEFAULT_MS 30000u
#define RIB_NO_DEADLINE UINT64_MAX

/* A prefix; family AF_INET or AF_INET6, address in network byte order. */
struct rib_prefix {
	int family;
	unsigned len;
	uint8_t addr[16];
};

/* One advertised prefix with the metric the peer advertised. */
struct rib_adv {
	struct rib_prefix pfx;
	uint32_t metric;
};

/*
 * A next hop: the tunnel interface, and the gateway on it (the peer's inner
 * address, installed ONLINK) or gw_family 0 for a dev-only route.
 */
struct rib_nexthop {
	int ifindex;
	int gw_family;
	uint8_t gw[16];
};

/* FRR prefix-list entry: exact unless ge/le given (0 = not given). */
struct rib_allow {
	struct rib_prefix pfx;
	unsigned ge, le;
};

/* A read-only view of one candidate (rib_cands()). */
struct rib_cand {
	uint64_t peer;
	uint32_t metric;     /* cost + advertised, saturated */
	uint32_t adv_metric; /* as advertised */
	struct rib_nexthop nh;
	bool best; /* selected (alone or ECMP) */
	bool held; /* its peer is in failback hold-down */
	bool stale; /* its peer is restarting (kept until its new set) */
};

struct fib_op;
struct rib;

/* Returns an empty RIB (failback delay RIB_FAILBACK_DEFAULT_MS), or NULL. */
struct rib *rib_new(void);
void rib_free(struct rib *r);

/* 0 disables the hold-down (switch back at once). */
void rib_set_failback_delay(struct rib *r, uint32_t ms);

/*
 * Creates or updates a peer: tunnel cost, tunnel ifindex, and its inner
 * addresses used as gateways for IPv4 / IPv6 prefixes (NULL or family 0 =
 * dev-only next hop for that family).  A change re-evaluates the peer's
 * prefixes.  Returns 0, -EINVAL or -ENOMEM.
 */
int rib_peer_set(struct rib *r, uint64_t peer, uint32_t cost, int ifindex,
    const struct rib_nexthop *gw4, const struct rib_nexthop *gw6, uint64_t now);
/* Forgets a peer (its candidates go as with rib_peer_down).  0 or -ENOENT. */
int rib_peer_del(struct rib *r, uint64_t peer, uint64_t now);

/*
 * The peer's COMPLETE set of prefixes: prefixes not in v lose this peer's
 * candidate, new ones gain one, changed metrics are updated.  Host bits are
 * cleared; duplicates keep the lowest metric.  A peer not up is brought up
 * first (as rib_peer_up).  Returns 0, -ENOENT (unknown peer), -EINVAL (bad
 * family or length; nothing changed) or -ENOMEM (state partly updated).
 */
int rib_peer_routes(struct rib *r, uint64_t peer, const struct rib_adv *v,
    size_t n, uint64_t now);
/*
 * The adjacency came UP.  A peer that went down before is held for the
 * failback delay; a peer that never failed is not.  No-op if already up.
 * Returns 0 or -ENOENT.
 */
int rib_peer_up(struct rib *r, uint64_t peer, uint64_t now);
/* The adjacency went DOWN: all its candidates go at once.  0 or -ENOENT. */
int rib_peer_down(struct rib *r, uint64_t peer, uint64_t now);
/*
 * Graceful restart, helper side (docs/routing.md): the peer is restarting
 * and its datapath forwards meanwhile, so its candidates stay exactly as
 * they are (same decisions, nothing to install) but are marked stale.  The
 * next rib_peer_routes() replaces them and clears the mark; rib_peer_down()
 * withdraws them.  Returns how many prefixes are kept, or -ENOENT.
 */
int rib_peer_stale(struct rib *r, uint64_t peer, uint64_t now);
/* Whether the peer's candidates are stale (false for an unknown peer). */
bool rib_peer_is_stale(const struct rib *r, uint64_t peer);

/* Earliest hold-down end, or RIB_NO_DEADLINE. */
uint64_t rib_next_deadline(const struct rib *r);
/* Ends the hold-downs due at now.  Returns how many peers were released. */
size_t rib_timers(struct rib *r, uint64_t now);

/*
 * Pops up to max prefixes whose decision or kernel state must be looked at,
 * in the order they changed.  Returns how many were written to out.
 */
size_t rib_dirty(struct rib *r, struct rib_prefix *out, size_t max);
/* Marks every known prefix dirty (start-up, or a retry after errors). */
void rib_dirty_all(struct rib *r);

/*
 * The kernel operations that move p from what rib_fib_done() recorded as
 * installed to what the decision wants (fib.h: adds/replaces first, then
 * deletes).  Returns the number of ops written (<= max) or -ENOSPC;
 * FIB_OPS_MAX is enough unless deletes have kept failing (each failed
 * delete stays recorded as installed and is planned again).
 */
int rib_fib_plan(
    struct rib *r, const struct rib_prefix *p, struct fib_op *ops, size_t max);
/*
 * Records the outcome of one op from rib_fib_plan(): err 0 updates the
 * installed state; a delete failing with -ESRCH/-ENOENT counts as done;
 * other errors leave the state as it was (the next plan retries).
 */
void rib_fib_done(struct rib *r, const struct rib_prefix *p,
    const struct fib_op *op, int err);

/*
 * Copies up to max candidates of p to out (best first, then by metric).
 * Returns the total number of candidates p has (0 if unknown).
 */
size_t rib_cands(const struct rib *r, const struct rib_prefix *p,
    struct rib_cand *out, size_t max);
/* Calls cb for every known prefix, in no particular order. */
void rib_walk(const struct rib *r,
    void (*cb)(const struct rib_prefix *p, void *arg), void *arg);
/*
 * Copies up to max of the kernel routes recorded as installed for p
 * (sorted by kernel metric).  Returns how many there are.
 */
struct fib_route;
size_t rib_installed(const struct rib *r, const struct rib_prefix *p,
    struct fib_route *out, size_t max);
/* Number of prefixes with candidates or installed routes. */
size_t rib_count(const struct rib *r);

/* Whether p is allowed by any entry of the prefix list v (FRR semantics). */
bool rib_allow_match(
    const struct rib_allow *v, size_t n, const struct rib_prefix *p);

/* Normalizes p (clears host bits).  Returns 0 or -EINVAL. */
int rib_prefix_normalize(struct rib_prefix *p);
/* Total order over prefixes (family, length, address). */
int rib_prefix_cmp(const struct rib_prefix *a, const struct rib_prefix *b);

#endif
