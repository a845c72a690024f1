/* SPDX-License-Identifier: ISC */
/*
 * DOC: a hub's multipoint datapath entries, per spoke
 *
 * On a hub every spoke shares the multipoint interface (grip-mp); the
 * datapath finds a packet's spoke by a longest-prefix match of the
 * destination (dp_mp_route_*, lpm.c) to the spoke's inner address.  This
 * file keeps those entries equal to each spoke's accepted prefix set:
 * p->mp_routes is what the datapath has for spoke p, sorted (prefix_cmp)
 * and unique, and a new complete set changes only the entries that differ
 * (docs/routing.md, "Changed sets"), so a prefix a spoke keeps never
 * disappears from the LPM, not even for a moment.  The entries must be in
 * place before the kernel (or zebra) routes anything into grip-mp for
 * them: adjd.c calls mproutes_update() before it touches the RIB.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <gripd/log.h>

#include "addr.h"
#include "daemon.h"

void
mproutes_clear(struct gripd *d, struct peer *p)
{
	for (size_t i = 0; i < p->n_mp_routes && d->mp_dt; i++)
		dp_mp_route_del(d->mp_dt, &p->mp_routes[i]);
	free(p->mp_routes);
	p->mp_routes = NULL;
	p->n_mp_routes = 0;
}

/* Sorts by prefix_cmp; a list already sorted (the usual) costs O(n). */
static void
mp_sort(void *v, size_t n, size_t size)
{
	for (size_t i = 1; i < n; i++)
		if (prefix_cmp((char *)v + (i - 1) * size, (char *)v + i * size) > 0) {
			qsort(v, n, size, prefix_cmp);
			return;
		}
}

/* One multipoint datapath entry: a prefix and the spoke's inner address. */
struct mp_ent {
	struct tunnel_prefix tp; /* first: prefix_cmp() sorts these too */
	struct tunnel_ip gw;
};

/*
 * The multipoint datapath's entries for v, each with the spoke's inner
 * address of the prefix's family as next hop (prefixes of a family the
 * spoke has no inner address for are left out; none at all while it and
 * the hub share no family).  Returns how many, in out.
 */
static size_t
mp_entries(struct gripd *d, struct peer *p, const struct adj_prefix *v,
    size_t n, struct mp_ent *out)
{
	struct tunnel_ip ours, theirs;
	size_t k = 0;

	if (peer_inner(d, p, &ours, &theirs) != 0)
		return 0;
	for (size_t i = 0; i < n; i++) {
		struct mp_ent e = { 0 };

		e.tp.addr.family = v[i].family;
		memcpy(e.tp.addr.u.b, v[i].addr.b, 16);
		e.tp.plen = v[i].plen;
		addr_from_conf(v[i].family == AF_INET ? &p->spoke->tun4 :
		    &p->spoke->tun6, &e.gw);
		if (e.gw.family == v[i].family)
			out[k++] = e;
	}
	return k;
}

/*
 * The spoke's new complete set replaces its entries in the multipoint
 * datapath: what the set has and the datapath lacks is added, what the
 * datapath has and the set lacks is deleted, found by one merge of the two
 * sorted lists.  A prefix the spoke keeps is never absent from the LPM,
 * not even for a moment, and is not rewritten: its next hop is fixed for
 * the life of the adjacency (a changed inner address rebuilds the tunnel).
 */
static void
mp_routes_replace(struct gripd *d, struct peer *p, struct mp_ent *e, size_t k)
{
	struct tunnel_prefix *old = p->mp_routes, *nv;
	size_t no = p->n_mp_routes, i = 0, j = 0, u = 0; /* old: sorted, unique */

	if (k == 0 || (nv = malloc(k * sizeof(*nv))) == NULL) {
		if (k > 0)
			log_err("%s: out of memory for %zu multipoint routes",
			    p->adj.name, k);
		mproutes_clear(d, p);
		return;
	}
	mp_sort(e, k, sizeof(*e));
	(void)dp_mp_route_reserve(d->mp_dt, k);
	while (i < no || j < k) {
		int c = i == no ? 1 : j == k ? -1 : prefix_cmp(&old[i], &e[j].tp);

		if (c < 0) {
			dp_mp_route_del(d->mp_dt, &old[i++]);
			continue;
		}
		if (u > 0 && prefix_cmp(&nv[u - 1], &e[j].tp) == 0) {
			j++; /* the same prefix twice in the set */
			continue;
		}
		if (c == 0 || dp_mp_route_add(d->mp_dt, &e[j].tp, &e[j].gw) == 0)
			nv[u++] = e[j].tp;
		if (c == 0)
			i++;
		j++;
	}
	free(old);
	p->mp_routes = nv;
	p->n_mp_routes = u;
}

void
mproutes_update(struct gripd *d, struct peer *p, const struct adj_prefix *v,
    size_t n)
{
	struct mp_ent *e = n ? malloc(n * sizeof(*e)) : NULL;

	if (n > 0 && e == NULL) {
		log_err("%s: out of memory for %zu multipoint routes",
		    p->adj.name, n);
		return;
	}
	mp_routes_replace(d, p, e, mp_entries(d, p, v, n, e));
	free(e);
}
