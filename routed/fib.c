/* SPDX-License-Identifier: ISC */
/*
 * DOC: desired kernel routes and the ordered diff to reach them (fib.h)
 *
 * The point of pre-installing every candidate is that the kernel fails
 * over by itself: removing the best route is one RTM_DELROUTE and the next
 * lower-priority route is already there.  The cost is that we must keep
 * kernel metrics stable: a backup's kernel metric depends only on its own
 * RIB metric (and whether it is held), never on its rank, so losing the
 * best never renumbers the backups.
 */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "fib.h"

uint32_t
fib_kmetric(uint32_t rib_metric, bool held)
{
	uint32_t m = rib_metric > RIB_METRIC_MAX ? RIB_METRIC_MAX : rib_metric;

	return FIB_KMETRIC_BASE + (held ? FIB_KMETRIC_HELD : 0) + m;
}

static int
nh_cmp(const struct rib_nexthop *a, const struct rib_nexthop *b)
{
	if (a->ifindex != b->ifindex)
		return a->ifindex < b->ifindex ? -1 : 1;
	if (a->gw_family != b->gw_family)
		return a->gw_family < b->gw_family ? -1 : 1;
	return memcmp(a->gw, b->gw, sizeof(a->gw));
}

/* Inserts nh into r's sorted next hops; duplicates and overflow dropped. */
static void
route_add_nh(struct fib_route *r, const struct rib_nexthop *nh)
{
	size_t i = 0;

	while (i < r->n && nh_cmp(&r->nh[i], nh) < 0)
		i++;
	if (i < r->n && nh_cmp(&r->nh[i], nh) == 0)
		return; /* the same next hop from two peers */
	if (r->n == FIB_NH_MAX) {
		if (i == r->n)
			return;
		r->n--; /* keep the lowest FIB_NH_MAX, deterministically */
	}
	memmove(&r->nh[i + 1], &r->nh[i], (r->n - i) * sizeof(r->nh[0]));
	r->nh[i] = *nh;
	r->n++;
}

/*
 * Insertion into a sorted array: O(n * routes), no allocation; a prefix
 * has as many candidates as peers advertise it, a handful.
 */
size_t
fib_want(const struct rib_cand *c, size_t n, struct fib_route *out, size_t max)
{
	size_t nout = 0;

	for (size_t i = 0; i < n; i++) {
		uint32_t km = fib_kmetric(c[i].metric, c[i].held && !c[i].best);
		struct rib_nexthop nh = c[i].nh;
		size_t j = 0;

		if (nh.gw_family == 0)
			memset(nh.gw, 0, sizeof(nh.gw));
		while (j < nout && out[j].metric < km)
			j++;
		if (j < nout && out[j].metric == km) {
			route_add_nh(&out[j], &nh);
			continue;
		}
		if (j == max)
			continue; /* worse than every route we keep */
		if (nout == max)
			nout--; /* drop the worst to make room */
		memmove(&out[j + 1], &out[j], (nout - j) * sizeof(out[0]));
		memset(&out[j], 0, sizeof(out[j]));
		out[j].metric = km;
		out[j].nh[0] = nh;
		out[j].n = 1;
		nout++;
	}
	return nout;
}

bool
fib_route_eq(const struct fib_route *a, const struct fib_route *b)
{
	if (a->metric != b->metric || a->n != b->n)
		return false;
	for (size_t i = 0; i < a->n; i++)
		if (nh_cmp(&a->nh[i], &b->nh[i]) != 0)
			return false;
	return true;
}

static const struct fib_route *
find_metric(const struct fib_route *v, size_t n, uint32_t metric)
{
	for (size_t i = 0; i < n; i++)
		if (v[i].metric == metric)
			return &v[i];
	return NULL;
}

int
fib_diff(const struct fib_route *have, size_t nhave,
    const struct fib_route *want, size_t nwant, struct fib_op *ops, size_t max)
{
	size_t n = 0;

	/* Adds and replaces, best (lowest metric) first. */
	for (size_t i = 0; i < nwant; i++) {
		const struct fib_route *h =
		    find_metric(have, nhave, want[i].metric);

		if (h != NULL && fib_route_eq(h, &want[i]))
			continue;
		if (n == max)
			return -ENOSPC;
		ops[n].type = FIB_OP_SET;
		ops[n].route = want[i];
		n++;
	}
	/*
	 * Deletes, lowest metric first: a route the decision no longer wants
	 * is usually a dead path, and the lowest one is carrying the traffic.
	 */
	for (size_t i = 0; i < nhave; i++) {
		if (find_metric(want, nwant, have[i].metric) != NULL)
			continue;
		if (n == max)
			return -ENOSPC;
		ops[n].type = FIB_OP_DEL;
		ops[n].route = have[i];
		n++;
	}
	return (int)n;
}
