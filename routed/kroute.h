/* SPDX-License-Identifier: ISC */
/*
 * kroute.h (private to routed/): kernel routes over rtnetlink
 * (libnl-route-3), the backend used when no zebra socket exists.
 *
 * Every route carries gripd's protocol number (default 250, named "gripd"
 * by etc/rt_protos.d/gripd.conf), so gripd's routes are told from anybody
 * else's: kroute_sweep() at start removes what a previous run left,
 * kroute_flush() on a clean exit removes ours; deletes match the protocol
 * so they never touch a route somebody else installed at the same metric.
 *
 * Gateways are installed ONLINK (the peer's inner address need not be
 * covered by a connected prefix on a point-to-point or multipoint tunnel);
 * next hops without a gateway are dev-only.  Every function returns 0 or
 * -errno (libnl codes translated here).
 */
#ifndef GRIPD_KROUTE_H
#define GRIPD_KROUTE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fib.h"
#include "rib.h"

#define KROUTE_PROTO_DEFAULT 250

struct kroute;

/*
 * Opens a rtnetlink socket.  protocol 0 = KROUTE_PROTO_DEFAULT, table 0 =
 * main.  Returns 0 with *kp set, -EINVAL (a reserved protocol: 0..4) or
 * -errno.
 */
int kroute_open(struct kroute **kp, uint8_t protocol, uint32_t table);
void kroute_close(struct kroute *k);

/*
 * Creates or atomically replaces the route to p at kernel metric `metric`
 * with n next hops (RTA_MULTIPATH when n > 1).  Returns 0, -EINVAL (n == 0,
 * n > FIB_NH_MAX, family mismatch) or -errno from the kernel.
 */
int kroute_add(struct kroute *k, const struct rib_prefix *p, uint32_t metric,
    const struct rib_nexthop *nh, size_t n);
/* Deletes our route to p at metric.  0, -ESRCH (none) or -errno. */
int kroute_del(struct kroute *k, const struct rib_prefix *p, uint32_t metric);
/* Applies one fib_op (SET -> kroute_add, DEL -> kroute_del). */
int kroute_apply(
    struct kroute *k, const struct rib_prefix *p, const struct fib_op *op);
/*
 * Deletes every route of our protocol in our table (both families): the
 * stale routes of a previous run, at start.  Returns 0 or the first -errno
 * (it carries on past errors).  *removed (if not NULL) counts deletions.
 */
int kroute_sweep(struct kroute *k, size_t *removed);
/*
 * Like kroute_sweep, but keeps the routes keep() says are wanted (after a
 * restart: what the new RIB installed).  metric is the kernel priority.
 */
typedef bool (*kroute_keep_fn)(const struct rib_prefix *p, uint32_t metric,
    void *arg);
int kroute_sweep_keep(struct kroute *k, kroute_keep_fn keep, void *arg,
    size_t *removed);
/* The same on a clean exit. */
int kroute_flush(struct kroute *k, size_t *removed);

#endif
