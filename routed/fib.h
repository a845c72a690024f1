/* SPDX-License-Identifier: ISC */
/*
 * fib.h (private to routed/): from a prefix's candidates to the kernel
 * routes that should exist, and from what is installed to what should be,
 * as an ordered list of operations.  Pure: no I/O, no allocation.
 *
 * Kernel metric (route priority, u32) from the RIB metric m (<= 2^30 - 1):
 *
 *   best, or a ready backup       FIB_KMETRIC_BASE + m
 *   in failback hold-down         FIB_KMETRIC_BASE + FIB_KMETRIC_HELD + m
 *
 * so every held route sorts after every normal one, and both ranges fit
 * in a u32 (the largest value is 2^31 + 999).  The base keeps metric 0
 * away from IPv6, where priority 0 means "use the default 1024".
 *
 * Candidates with the same kernel metric form one route (multipath if
 * more than one next hop): one route per kernel metric per prefix.
 */
#ifndef GRIPD_FIB_H
#define GRIPD_FIB_H

#include <stddef.h>
#include <stdint.h>

#include "rib.h"

#define FIB_KMETRIC_BASE 1000u
#define FIB_KMETRIC_HELD 0x40000000u
/* Next hops per kernel route and routes per prefix we install. */
#define FIB_NH_MAX 16
#define FIB_ROUTES_MAX 16
/* Enough room for any diff between two route sets. */
#define FIB_OPS_MAX (2 * FIB_ROUTES_MAX)

/* One kernel route of a prefix: its metric and (ordered) next hops. */
struct fib_route {
	uint32_t metric;
	size_t n;
	struct rib_nexthop nh[FIB_NH_MAX];
};

enum fib_op_type {
	FIB_OP_SET, /* create or replace the route at route.metric */
	FIB_OP_DEL, /* delete the route at route.metric */
};

struct fib_op {
	enum fib_op_type type;
	struct fib_route route;
};

/* The kernel metric of a RIB metric (held: in failback hold-down). */
uint32_t fib_kmetric(uint32_t rib_metric, bool held);

/*
 * The routes that should be installed for one prefix given its candidates:
 * best ones and ready backups at their own kernel metric, held non-best
 * ones at the penalized metric; grouped by kernel metric, sorted by it,
 * next hops sorted and de-duplicated.  At most max routes (the lowest
 * metrics), at most FIB_NH_MAX next hops each.  Returns the count.
 */
size_t fib_want(
    const struct rib_cand *c, size_t n, struct fib_route *out, size_t max);

/*
 * The operations that turn `have` into `want` (both sorted by metric, as
 * fib_want() makes them): every SET first, lowest metric first, so the
 * new path exists before anything is taken away (make-before-break); then
 * every DEL, lowest metric first (a route no longer wanted is usually a
 * dead path, and the lowest one carries the traffic).  A route present in
 * both with the same next hops costs nothing.  Returns the number of ops, or
 * -ENOSPC if max is too small.
 */
int fib_diff(const struct fib_route *have, size_t nhave,
    const struct fib_route *want, size_t nwant, struct fib_op *ops, size_t max);

/* Whether two routes are the same (metric and next-hop set). */
bool fib_route_eq(const struct fib_route *a, const struct fib_route *b);

#endif
