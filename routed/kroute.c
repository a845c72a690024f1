/* SPDX-License-Identifier: ISC */
/*
 * DOC: kernel routes over rtnetlink with libnl-route-3 (see kroute.h)
 *
 * One synchronous NETLINK_ROUTE socket; each call waits for the kernel's
 * ACK, so an error belongs to the call that caused it.  Adds use
 * NLM_F_CREATE | NLM_F_REPLACE: changing the next-hop set of the route at
 * a metric (an ECMP member joining or leaving) is one atomic replace, never
 * a delete followed by an add.  Deletes carry prefix, table, protocol and
 * priority and no next hop, so the kernel matches our route at that metric
 * and (IPv6) removes all of its multipath siblings.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <linux/rtnetlink.h>
#include <netlink/errno.h>
#include <netlink/netlink.h>
#include <netlink/route/route.h>
#include <netlink/route/rtnl.h>

#include <gripd/tunlink.h>

#include "kroute.h"

struct kroute {
	struct nl_sock *sk;
	uint8_t protocol;
	uint32_t table;
};

/*
 * libnl 3 error codes to -errno (tunnels' translation), except that "object
 * not found" is the kernel's answer for "no such route": -ESRCH, which
 * rib_fib_done() counts as a delete done.
 */
static int
nlerr(int err)
{
	return err == -NLE_OBJ_NOTFOUND ? -ESRCH : tun_nl_errno(err);
}

int
kroute_open(struct kroute **kp, uint8_t protocol, uint32_t table)
{
	struct kroute *k;
	int err;

	*kp = NULL;
	if (protocol == 0)
		protocol = KROUTE_PROTO_DEFAULT;
	/* 1..4: redirect, kernel, boot, static belong to others. */
	if (protocol <= RTPROT_STATIC)
		return -EINVAL;
	k = calloc(1, sizeof(*k));
	if (k == NULL)
		return -ENOMEM;
	k->protocol = protocol;
	k->table = table ? table : RT_TABLE_MAIN;
	k->sk = nl_socket_alloc();
	if (k->sk == NULL) {
		free(k);
		return -ENOMEM;
	}
	err = nl_connect(k->sk, NETLINK_ROUTE);
	if (err < 0) {
		nl_socket_free(k->sk);
		free(k);
		return nlerr(err);
	}
	*kp = k;
	return 0;
}

void
kroute_close(struct kroute *k)
{
	if (k == NULL)
		return;
	nl_socket_free(k->sk);
	free(k);
}

static unsigned
addr_len(int family)
{
	return family == AF_INET ? 4 : family == AF_INET6 ? 16 : 0;
}

/* A route object with our keys: family, dst, table, protocol, metric. */
static int
route_base(const struct kroute *k, const struct rib_prefix *p, uint32_t metric,
    struct rtnl_route **out)
{
	unsigned al = addr_len(p->family);
	struct rtnl_route *rt;
	struct nl_addr *dst;
	int err;

	*out = NULL;
	if (al == 0 || p->len > al * 8)
		return -EINVAL;
	rt = rtnl_route_alloc();
	if (rt == NULL)
		return -ENOMEM;
	dst = nl_addr_build(p->family, p->addr, al);
	if (dst == NULL) {
		rtnl_route_put(rt);
		return -ENOMEM;
	}
	nl_addr_set_prefixlen(dst, (int)p->len);
	rtnl_route_set_family(rt, (uint8_t)p->family);
	err = rtnl_route_set_dst(rt, dst);
	nl_addr_put(dst);
	if (err < 0) {
		rtnl_route_put(rt);
		return nlerr(err);
	}
	rtnl_route_set_table(rt, k->table);
	rtnl_route_set_protocol(rt, k->protocol);
	rtnl_route_set_priority(rt, metric);
	*out = rt;
	return 0;
}

int
kroute_add(struct kroute *k, const struct rib_prefix *p, uint32_t metric,
    const struct rib_nexthop *nh, size_t n)
{
	struct rtnl_route *rt;
	bool any_gw = false;
	int err;

	if (n == 0 || n > FIB_NH_MAX)
		return -EINVAL;
	err = route_base(k, p, metric, &rt);
	if (err < 0)
		return err;
	rtnl_route_set_type(rt, RTN_UNICAST);
	for (size_t i = 0; i < n; i++) {
		struct rtnl_nexthop *rnh;

		if (nh[i].ifindex <= 0 ||
		    (nh[i].gw_family != 0 && nh[i].gw_family != p->family)) {
			rtnl_route_put(rt);
			return -EINVAL;
		}
		rnh = rtnl_route_nh_alloc();
		if (rnh == NULL) {
			rtnl_route_put(rt);
			return -ENOMEM;
		}
		rtnl_route_nh_set_ifindex(rnh, nh[i].ifindex);
		if (nh[i].gw_family != 0) {
			struct nl_addr *gw = nl_addr_build(nh[i].gw_family,
			    nh[i].gw, addr_len(nh[i].gw_family));

			if (gw == NULL) {
				rtnl_route_nh_free(rnh);
				rtnl_route_put(rt);
				return -ENOMEM;
			}
			rtnl_route_nh_set_gateway(rnh, gw);
			nl_addr_put(gw);
			/* The inner address is not behind a connected route. */
			rtnl_route_nh_set_flags(rnh, RTNH_F_ONLINK);
			any_gw = true;
		}
		rtnl_route_add_nexthop(rt, rnh);
	}
	rtnl_route_set_scope(rt, any_gw ? RT_SCOPE_UNIVERSE : RT_SCOPE_LINK);
	err = rtnl_route_add(k->sk, rt, NLM_F_CREATE | NLM_F_REPLACE);
	rtnl_route_put(rt);
	return nlerr(err);
}

int
kroute_del(struct kroute *k, const struct rib_prefix *p, uint32_t metric)
{
	struct rtnl_route *rt;
	int err;

	err = route_base(k, p, metric, &rt);
	if (err < 0)
		return err;
	/* RT_SCOPE_NOWHERE: match any scope (what `ip route del` sends). */
	rtnl_route_set_scope(rt, RT_SCOPE_NOWHERE);
	err = rtnl_route_delete(k->sk, rt, 0);
	rtnl_route_put(rt);
	return nlerr(err);
}

int
kroute_apply(
    struct kroute *k, const struct rib_prefix *p, const struct fib_op *op)
{
	if (op->type == FIB_OP_SET)
		return kroute_add(
		    k, p, op->route.metric, op->route.nh, op->route.n);
	return kroute_del(k, p, op->route.metric);
}

/* Deletes each route of ours in one family's dump that keep() rejects. */
static int
sweep_family(struct kroute *k, int family, kroute_keep_fn keep, void *arg,
    size_t *removed)
{
	struct nl_cache *cache = NULL;
	struct nl_object *o;
	int first = 0, err;

	err = rtnl_route_alloc_cache(k->sk, family, 0, &cache);
	if (err < 0)
		return nlerr(err);
	for (o = nl_cache_get_first(cache); o != NULL;
	     o = nl_cache_get_next(o)) {
		struct rtnl_route *r = (struct rtnl_route *)o, *del;
		struct nl_addr *dst = rtnl_route_get_dst(r);

		if (rtnl_route_get_protocol(r) != k->protocol ||
		    rtnl_route_get_table(r) != k->table || dst == NULL)
			continue;
		if (keep != NULL) {
			struct rib_prefix rp = { 0 };
			unsigned alen = nl_addr_get_len(dst);
			rp.family = nl_addr_get_family(dst);
			rp.len = nl_addr_get_prefixlen(dst);
			if (alen <= sizeof(rp.addr))
				memcpy(rp.addr, nl_addr_get_binary_addr(dst), alen);
			if (keep(&rp, rtnl_route_get_priority(r), arg))
				continue;
		}
		del = rtnl_route_alloc();
		if (del == NULL) {
			err = -ENOMEM;
			break;
		}
		rtnl_route_set_family(del, rtnl_route_get_family(r));
		rtnl_route_set_dst(del, dst);
		rtnl_route_set_table(del, k->table);
		rtnl_route_set_protocol(del, k->protocol);
		rtnl_route_set_priority(del, rtnl_route_get_priority(r));
		rtnl_route_set_scope(del, RT_SCOPE_NOWHERE);
		err = nlerr(rtnl_route_delete(k->sk, del, 0));
		rtnl_route_put(del);
		if (err == 0 && removed != NULL)
			(*removed)++;
		/* An IPv6 sibling already went with its route: not an error. */
		if (err < 0 && err != -ESRCH && first == 0)
			first = err;
	}
	nl_cache_free(cache);
	return err == -ENOMEM ? err : first;
}

int
kroute_sweep(struct kroute *k, size_t *removed)
{
	int e4, e6;

	if (removed != NULL)
		*removed = 0;
	e4 = sweep_family(k, AF_INET, NULL, NULL, removed);
	e6 = sweep_family(k, AF_INET6, NULL, NULL, removed);
	return e4 < 0 ? e4 : e6;
}

int
kroute_sweep_keep(struct kroute *k, kroute_keep_fn keep, void *arg,
    size_t *removed)
{
	int e4, e6;

	if (removed != NULL)
		*removed = 0;
	e4 = sweep_family(k, AF_INET, keep, arg, removed);
	e6 = sweep_family(k, AF_INET6, keep, arg, removed);
	return e4 < 0 ? e4 : e6;
}

int
kroute_flush(struct kroute *k, size_t *removed)
{
	return kroute_sweep(k, removed);
}
