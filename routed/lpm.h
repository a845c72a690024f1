/* SPDX-License-Identifier: ISC */
/*
 * lpm.h (private to routed/): longest-prefix match from a destination to a
 * next hop, for the hub's multipoint tunnel.  The kernel hands the TUN a
 * packet for 10.0.65.7 without saying which route (and so which spoke)
 * chose the interface; the datapath looks the destination up here to find
 * the reverse route's gateway, the spoke's inner address, and then the
 * neighbour by that address.
 *
 * One hash table keyed by (family, length, masked prefix) and a bit mask of
 * the lengths in use per family: a lookup probes only lengths that exist,
 * longest first.  Readers (datapath workers) take a read lock; the control
 * thread writes.  Values are copied out, no pointer escapes the lock.
 */
#ifndef GRIPD_LPM_H
#define GRIPD_LPM_H

#include <gripd/tunnel.h>

struct lpm;

/* Returns an empty table, or NULL. */
struct lpm *lpm_new(void);
void lpm_free(struct lpm *t);
/* Makes room for `more` additions at once (one resize for a big set). */
int lpm_reserve(struct lpm *t, size_t more);
/* Adds or replaces prefix -> nexthop.  Returns 0, -EINVAL or -ENOMEM. */
int lpm_add(struct lpm *t, const struct tunnel_prefix *p,
    const struct tunnel_ip *nexthop);
/* Calls cb for every entry (read-locked: cb must not change the table). */
void lpm_walk(struct lpm *t,
    void (*cb)(const struct tunnel_prefix *p, const struct tunnel_ip *nexthop,
	void *arg), void *arg);
/* Returns 0 or -ENOENT. */
int lpm_del(struct lpm *t, const struct tunnel_prefix *p);
/* Longest match for dst: 0 with *nexthop set, or -ENOENT. */
int lpm_lookup(struct lpm *t, const struct tunnel_ip *dst,
    struct tunnel_ip *nexthop);
unsigned lpm_count(struct lpm *t);

#endif
