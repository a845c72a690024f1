/* SPDX-License-Identifier: ISC */
/*
 * DOC: route decisions (see rib.h, docs/routing.md)
 *
 * Two indexes over the same candidates:
 *
 *   prefixes  hash (family, length, address) -> entry { candidates[],
 *             installed kernel routes[], dirty }
 *   peers     array of { id, cost, next hops, up/held state, the complete
 *             advertised set sorted by prefix }
 *
 * A peer's new complete set is merged against its previous sorted set, so
 * an update costs O(n log n) in the size of that peer's set, not in the
 * size of the table (O(n) when the set arrives sorted).  Every change re-runs the decision of the prefixes it
 * touched (rib_select) at once and queues them as dirty; the caller then
 * asks for the kernel operations (rib_fib_plan) and reports how they went
 * (rib_fib_done), which is the only way "installed" changes.
 *
 * The decision of one prefix:
 *
 *   free   = candidates not held, plus held ones already best
 *   E      = free if free is not empty, else every candidate
 *   best   = the candidates of E with the lowest metric (ECMP if several)
 *
 * so a held candidate never preempts a working path, is used at once when
 * it is the only one, and once in use is not pushed out by its own
 * hold-down ending or by a worse path appearing.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "fib.h"
#include "rib.h"
#include "table.h"

#define ENT_INLINE_CANDS 2 /* a spoke's prefix via two hubs: no malloc */

/*
 * What is installed for a prefix, packed into one block: nhave of these,
 * then the next hops of every route in the same order.  A struct fib_route
 * has room for FIB_NH_MAX next hops (400 bytes); the usual record, one
 * route with one next hop, is 32 bytes here (a 10,000-prefix set was 4 MB
 * of mostly empty records, and their page faults, before).
 */
struct rib_inst {
	uint32_t metric;
	uint32_t n;
};

struct rib_ent {
	struct rib_prefix p;
	struct rib_cand *c; /* inl, or malloc'd once there are more */
	size_t nc, capc;
	struct rib_cand inl[ENT_INLINE_CANDS];
	struct rib_inst *have; /* installed, sorted by metric (packed) */
	size_t nhave;
	bool dirty;
};

struct rib_peer {
	uint64_t id;
	uint32_t cost;
	int ifindex;
	struct rib_nexthop gw4, gw6;
	bool up;
	bool failed; /* has been up and gone down since rib_new() */
	bool held;
	uint64_t hold_until;
	bool stale; /* restarting: set kept until the next complete one */
	struct rib_adv *adv; /* complete set, sorted by prefix, unique */
	size_t nadv;
};

struct rib {
	uint32_t delay;
	/* prefixes: open addressing, linear probing, tombstones */
	struct rib_ent **tab;
	size_t cap, n, used;
	/* peers */
	struct rib_peer **peers;
	size_t npeers, cappeers;
	/*
	 * The entry ent_find() returned last: a sync asks for the same prefix
	 * several times in a row (rib_cands, rib_fib_plan, rib_fib_done).  A
	 * lookup memo, not state; cleared when its entry is freed.
	 */
	struct rib_ent *last;
	/* dirty queue (FIFO of prefixes; entries carry a dirty flag) */
	struct rib_prefix *dq;
	size_t dhead, dn, dcap;
};

static struct rib_ent tombstone;
#define TOMB (&tombstone)

/* Prefixes */

static unsigned
alen(int family)
{
	return family == AF_INET ? 4 : family == AF_INET6 ? 16 : 0;
}

int
rib_prefix_normalize(struct rib_prefix *p)
{
	unsigned al = alen(p->family);

	if (al == 0 || p->len > al * 8)
		return -EINVAL;
	for (unsigned i = 0; i < 16; i++) {
		if (i >= al || p->len <= i * 8)
			p->addr[i] = 0;
		else if (p->len < (i + 1) * 8)
			p->addr[i] &= (uint8_t)(0xff << (8 - (p->len - i * 8)));
	}
	return 0;
}

int
rib_prefix_cmp(const struct rib_prefix *a, const struct rib_prefix *b)
{
	if (a->family != b->family)
		return a->family < b->family ? -1 : 1;
	if (a->len != b->len)
		return a->len < b->len ? -1 : 1;
	return memcmp(a->addr, b->addr, sizeof(a->addr));
}

/* Whether the first len bits of a and b are equal. */
static bool
bits_eq(const uint8_t *a, const uint8_t *b, unsigned len)
{
	unsigned full = len / 8, rest = len % 8;

	if (memcmp(a, b, full) != 0)
		return false;
	if (rest == 0)
		return true;
	return ((a[full] ^ b[full]) & (uint8_t)(0xff << (8 - rest))) == 0;
}

bool
rib_allow_match(const struct rib_allow *v, size_t n, const struct rib_prefix *p)
{
	for (size_t i = 0; i < n; i++) {
		const struct rib_allow *a = &v[i];
		unsigned max = alen(a->pfx.family) * 8, lo, hi;

		if (a->pfx.family != p->family || max == 0)
			continue;
		if (a->ge == 0 && a->le == 0) {
			lo = hi = a->pfx.len;
		} else {
			/* FRR: "ge" alone means up to the address length. */
			lo = a->ge ? a->ge : a->pfx.len;
			hi = a->le ? a->le : max;
		}
		if (p->len < lo || p->len > hi || p->len < a->pfx.len)
			continue;
		if (bits_eq(a->pfx.addr, p->addr, a->pfx.len))
			return true;
	}
	return false;
}

/* The prefix table */

static uint64_t
pfx_hash(const struct rib_prefix *p)
{
	return table_hash16(p->addr, (uint32_t)p->family << 8 | p->len);
}

static struct rib_ent *
ent_find(const struct rib *r, const struct rib_prefix *p)
{
	if (r->cap == 0)
		return NULL;
	if (r->last != NULL && rib_prefix_cmp(&r->last->p, p) == 0)
		return r->last;
	for (size_t i = pfx_hash(p) & (r->cap - 1);;
	     i = (i + 1) & (r->cap - 1)) {
		struct rib_ent *e = r->tab[i];

		if (e == NULL)
			return NULL;
		if (e != TOMB && rib_prefix_cmp(&e->p, p) == 0) {
			((struct rib *)r)->last = e; /* the memo only */
			return e;
		}
	}
}

static void
tab_insert(struct rib_ent **tab, size_t cap, struct rib_ent *e)
{
	size_t i = pfx_hash(&e->p) & (cap - 1);

	while (tab[i] != NULL && tab[i] != TOMB)
		i = (i + 1) & (cap - 1);
	tab[i] = e;
}

/* Room for `more` new entries without a rehash on the way. */
static int
tab_reserve(struct rib *r, size_t more)
{
	size_t cap = r->cap ? r->cap : 64;
	struct rib_ent **tab;

	/* Keep at most half full, counting tombstones. */
	while ((r->n + more) * 2 > cap)
		cap *= 2;
	if (cap == r->cap && (r->used + more) * 2 <= cap)
		return 0;
	tab = table_alloc(cap, sizeof(*tab));
	if (tab == NULL)
		return -ENOMEM;
	for (size_t i = 0; i < r->cap; i++)
		if (r->tab[i] != NULL && r->tab[i] != TOMB)
			tab_insert(tab, cap, r->tab[i]);
	free(r->tab);
	r->tab = tab;
	r->cap = cap;
	r->used = r->n;
	return 0;
}

static int
tab_grow(struct rib *r)
{
	return tab_reserve(r, 1);
}

static struct rib_ent *
ent_get(struct rib *r, const struct rib_prefix *p)
{
	struct rib_ent *e = ent_find(r, p);

	if (e != NULL)
		return e;
	if (tab_grow(r) < 0)
		return NULL;
	e = calloc(1, sizeof(*e));
	if (e == NULL)
		return NULL;
	e->p = *p;
	e->c = e->inl;
	e->capc = ENT_INLINE_CANDS;
	tab_insert(r->tab, r->cap, e);
	r->n++;
	r->used++;
	return e;
}

/* Frees e once it has neither candidates nor installed routes. */
static void
ent_maybe_free(struct rib *r, struct rib_ent *e)
{
	if (e->nc > 0 || e->nhave > 0)
		return;
	for (size_t i = pfx_hash(&e->p) & (r->cap - 1);;
	     i = (i + 1) & (r->cap - 1)) {
		if (r->tab[i] == e) {
			r->tab[i] = TOMB;
			break;
		}
	}
	r->n--;
	if (r->last == e)
		r->last = NULL;
	if (e->c != e->inl)
		free(e->c);
	free(e->have);
	free(e);
}

/* The installed routes of e, at most max of them, into out; how many. */
static size_t
inst_unpack(const struct rib_ent *e, struct fib_route *out, size_t max)
{
	const struct rib_nexthop *nh =
	    (const struct rib_nexthop *)(e->have + e->nhave);
	size_t i;

	for (i = 0; i < e->nhave && i < max; i++) {
		out[i].metric = e->have[i].metric;
		out[i].n = e->have[i].n;
		memcpy(out[i].nh, nh, out[i].n * sizeof(*nh));
		nh += out[i].n;
	}
	return i;
}

/* Stores v[0..n) as e's installed routes.  0, or -ENOMEM (e unchanged). */
static int
inst_pack(struct rib_ent *e, const struct fib_route *v, size_t n)
{
	size_t nnh = 0;
	struct rib_inst *b;
	struct rib_nexthop *nh;

	if (n == 0) {
		free(e->have);
		e->have = NULL;
		e->nhave = 0;
		return 0;
	}
	for (size_t i = 0; i < n; i++)
		nnh += v[i].n;
	/* rib_inst is 8 bytes and rib_nexthop 4-aligned: nh stays aligned */
	b = realloc(e->have, n * sizeof(*b) + nnh * sizeof(*nh));
	if (b == NULL) {
		size_t had = 0;

		for (size_t i = 0; i < e->nhave; i++)
			had += e->have[i].n;
		if (e->have == NULL || n > e->nhave || nnh > had)
			return -ENOMEM;
		b = e->have; /* a smaller record fits in the old block */
	}
	nh = (struct rib_nexthop *)(b + n);
	for (size_t i = 0; i < n; i++) {
		b[i].metric = v[i].metric;
		b[i].n = (uint32_t)v[i].n;
		memcpy(nh, v[i].nh, v[i].n * sizeof(*nh));
		nh += v[i].n;
	}
	e->have = b;
	e->nhave = n;
	return 0;
}

static void
mark_dirty(struct rib *r, struct rib_ent *e)
{
	if (e->dirty)
		return;
	if (r->dhead > 0 && r->dhead == r->dn)
		r->dhead = r->dn = 0;
	if (r->dn == r->dcap) {
		size_t cap = r->dcap ? r->dcap * 2 : 64;
		struct rib_prefix *q;

		if (r->dhead > 0) {
			/* Compact before growing. */
			memmove(r->dq, r->dq + r->dhead,
			    (r->dn - r->dhead) * sizeof(*q));
			r->dn -= r->dhead;
			r->dhead = 0;
		}
		if (r->dn == r->dcap) {
			q = realloc(r->dq, cap * sizeof(*q));
			if (q == NULL)
				return; /* rib_dirty_all() recovers */
			r->dq = q;
			r->dcap = cap;
		}
	}
	r->dq[r->dn++] = e->p;
	e->dirty = true;
}

/* The decision (see the DOC comment) */

static void
rib_select(struct rib_ent *e)
{
	bool any_free = false;
	uint32_t bm = UINT32_MAX;

	for (size_t i = 0; i < e->nc; i++)
		if (!e->c[i].held || e->c[i].best)
			any_free = true;
	for (size_t i = 0; i < e->nc; i++) {
		const struct rib_cand *c = &e->c[i];

		if ((!any_free || !c->held || c->best) && c->metric < bm)
			bm = c->metric;
	}
	for (size_t i = 0; i < e->nc; i++) {
		struct rib_cand *c = &e->c[i];
		bool elig = !any_free || !c->held || c->best;

		c->best = elig && c->metric == bm;
	}
}

/* Peers and candidates */

static struct rib_peer *
peer_find(const struct rib *r, uint64_t id)
{
	for (size_t i = 0; i < r->npeers; i++)
		if (r->peers[i]->id == id)
			return r->peers[i];
	return NULL;
}

static uint32_t
metric_add(uint32_t cost, uint32_t adv)
{
	uint64_t m = (uint64_t)cost + adv;

	return m > RIB_METRIC_MAX ? RIB_METRIC_MAX : (uint32_t)m;
}

static struct rib_nexthop
peer_nh(const struct rib_peer *pe, int family)
{
	struct rib_nexthop nh = family == AF_INET ? pe->gw4 : pe->gw6;

	nh.ifindex = pe->ifindex;
	if (nh.gw_family != family) {
		nh.gw_family = 0;
		memset(nh.gw, 0, sizeof(nh.gw));
	}
	return nh;
}

static struct rib_cand *
cand_find(struct rib_ent *e, uint64_t peer)
{
	for (size_t i = 0; i < e->nc; i++)
		if (e->c[i].peer == peer)
			return &e->c[i];
	return NULL;
}

/* Fills c from the peer's current state. */
static void
cand_fill(struct rib_cand *c, const struct rib_peer *pe, int family,
    uint32_t adv_metric)
{
	c->peer = pe->id;
	c->adv_metric = adv_metric;
	c->metric = metric_add(pe->cost, adv_metric);
	c->nh = peer_nh(pe, family);
	c->held = pe->held;
	c->stale = pe->stale;
}

static int
cand_set(struct rib *r, const struct rib_peer *pe, const struct rib_adv *a)
{
	struct rib_ent *e = ent_get(r, &a->pfx);
	struct rib_cand *c;

	if (e == NULL)
		return -ENOMEM;
	c = cand_find(e, pe->id);
	if (c == NULL) {
		if (e->nc == e->capc) {
			size_t cap = e->capc * 2;
			struct rib_cand *v = e->c == e->inl ?
			    malloc(cap * sizeof(*v)) : realloc(e->c, cap * sizeof(*v));

			if (v == NULL) {
				ent_maybe_free(r, e);
				return -ENOMEM;
			}
			if (e->c == e->inl)
				memcpy(v, e->inl, e->nc * sizeof(*v));
			e->c = v;
			e->capc = cap;
		}
		c = &e->c[e->nc++];
		memset(c, 0, sizeof(*c));
	}
	cand_fill(c, pe, a->pfx.family, a->metric);
	rib_select(e);
	mark_dirty(r, e);
	return 0;
}

static void
cand_del(struct rib *r, uint64_t peer, const struct rib_prefix *p)
{
	struct rib_ent *e = ent_find(r, p);
	struct rib_cand *c;

	if (e == NULL || (c = cand_find(e, peer)) == NULL)
		return;
	*c = e->c[--e->nc];
	rib_select(e);
	mark_dirty(r, e);
	ent_maybe_free(r, e);
}

/* Re-fills every candidate of pe after a change of the peer's state. */
static void
peer_refresh(struct rib *r, const struct rib_peer *pe)
{
	for (size_t i = 0; i < pe->nadv; i++) {
		struct rib_ent *e = ent_find(r, &pe->adv[i].pfx);
		struct rib_cand *c;

		if (e == NULL || (c = cand_find(e, pe->id)) == NULL)
			continue;
		cand_fill(c, pe, e->p.family, pe->adv[i].metric);
		rib_select(e);
		mark_dirty(r, e);
	}
}

/*
 * Sets the stale mark of pe and its candidates.  No decision depends on it,
 * so nothing is re-selected or queued for the kernel.
 */
static void
peer_mark_stale(struct rib *r, struct rib_peer *pe, bool stale)
{
	pe->stale = stale;
	for (size_t i = 0; i < pe->nadv; i++) {
		struct rib_ent *e = ent_find(r, &pe->adv[i].pfx);
		struct rib_cand *c;

		if (e != NULL && (c = cand_find(e, pe->id)) != NULL)
			c->stale = stale;
	}
}

static void
peer_up(struct rib *r, struct rib_peer *pe, uint64_t now)
{
	if (pe->up)
		return;
	pe->up = true;
	pe->held = pe->failed && r->delay > 0;
	pe->hold_until = pe->held ? now + r->delay : 0;
	peer_refresh(r, pe);
}

static void
peer_withdraw(struct rib *r, struct rib_peer *pe)
{
	for (size_t i = 0; i < pe->nadv; i++)
		cand_del(r, pe->id, &pe->adv[i].pfx);
	free(pe->adv);
	pe->adv = NULL;
	pe->nadv = 0;
}

/* API */

struct rib *
rib_new(void)
{
	struct rib *r = calloc(1, sizeof(*r));

	if (r != NULL)
		r->delay = RIB_FAILBACK_DEFAULT_MS;
	return r;
}

void
rib_free(struct rib *r)
{
	if (r == NULL)
		return;
	for (size_t i = 0; i < r->cap; i++) {
		struct rib_ent *e = r->tab[i];

		if (e != NULL && e != TOMB) {
			if (e->c != e->inl)
				free(e->c);
			free(e->have);
			free(e);
		}
	}
	for (size_t i = 0; i < r->npeers; i++) {
		free(r->peers[i]->adv);
		free(r->peers[i]);
	}
	free(r->tab);
	free(r->peers);
	free(r->dq);
	free(r);
}

void
rib_set_failback_delay(struct rib *r, uint32_t ms)
{
	r->delay = ms;
}

static bool
nh_same(const struct rib_nexthop *a, const struct rib_nexthop *b)
{
	return a->gw_family == b->gw_family &&
	       memcmp(a->gw, b->gw, sizeof(a->gw)) == 0;
}

int
rib_peer_set(struct rib *r, uint64_t peer, uint32_t cost, int ifindex,
    const struct rib_nexthop *gw4, const struct rib_nexthop *gw6, uint64_t now)
{
	struct rib_nexthop g4 = {0}, g6 = {0};
	struct rib_peer *pe;

	(void)now;
	if (ifindex <= 0)
		return -EINVAL;
	if (gw4 != NULL && gw4->gw_family != 0) {
		if (gw4->gw_family != AF_INET)
			return -EINVAL;
		g4.gw_family = AF_INET;
		memcpy(g4.gw, gw4->gw, 4);
	}
	if (gw6 != NULL && gw6->gw_family != 0) {
		if (gw6->gw_family != AF_INET6)
			return -EINVAL;
		g6.gw_family = AF_INET6;
		memcpy(g6.gw, gw6->gw, 16);
	}
	pe = peer_find(r, peer);
	if (pe == NULL) {
		if (r->npeers == r->cappeers) {
			size_t cap = r->cappeers ? r->cappeers * 2 : 8;
			struct rib_peer **v =
			    realloc(r->peers, cap * sizeof(*v));

			if (v == NULL)
				return -ENOMEM;
			r->peers = v;
			r->cappeers = cap;
		}
		pe = calloc(1, sizeof(*pe));
		if (pe == NULL)
			return -ENOMEM;
		pe->id = peer;
		r->peers[r->npeers++] = pe;
	} else if (pe->cost == cost && pe->ifindex == ifindex &&
		   nh_same(&pe->gw4, &g4) && nh_same(&pe->gw6, &g6)) {
		return 0;
	}
	pe->cost = cost;
	pe->ifindex = ifindex;
	pe->gw4 = g4;
	pe->gw6 = g6;
	peer_refresh(r, pe);
	return 0;
}

int
rib_peer_del(struct rib *r, uint64_t peer, uint64_t now)
{
	(void)now;
	for (size_t i = 0; i < r->npeers; i++) {
		struct rib_peer *pe = r->peers[i];

		if (pe->id != peer)
			continue;
		peer_withdraw(r, pe);
		free(pe);
		r->peers[i] = r->peers[--r->npeers];
		return 0;
	}
	return -ENOENT;
}

static int
adv_cmp(const void *pa, const void *pb)
{
	const struct rib_adv *a = pa, *b = pb;
	int c = rib_prefix_cmp(&a->pfx, &b->pfx);

	if (c != 0)
		return c;
	return a->metric < b->metric ? -1 : a->metric > b->metric;
}

/* Sorts v by adv_cmp; a set that came sorted (the usual) costs O(n). */
static void
adv_sort(struct rib_adv *v, size_t n)
{
	for (size_t i = 1; i < n; i++)
		if (adv_cmp(&v[i - 1], &v[i]) > 0) {
			qsort(v, n, sizeof(*v), adv_cmp);
			return;
		}
}

int
rib_peer_routes(struct rib *r, uint64_t peer, const struct rib_adv *v, size_t n,
    uint64_t now)
{
	struct rib_peer *pe = peer_find(r, peer);
	struct rib_adv *nv = NULL;
	size_t nn = 0, i = 0, j = 0;
	int err = 0;

	if (pe == NULL)
		return -ENOENT;
	if (n > 0) {
		nv = calloc(n, sizeof(*nv));
		if (nv == NULL)
			return -ENOMEM;
	}
	for (size_t k = 0; k < n; k++) {
		nv[k] = v[k];
		if (rib_prefix_normalize(&nv[k].pfx) < 0) {
			free(nv);
			return -EINVAL;
		}
	}
	adv_sort(nv, n);
	/* Unique by prefix; the sort put the lowest metric first. */
	for (size_t k = 0; k < n; k++)
		if (nn == 0 || rib_prefix_cmp(&nv[nn - 1].pfx, &nv[k].pfx) != 0)
			nv[nn++] = nv[k];
	peer_up(r, pe, now);
	/* One rehash for a big set (a spoke's first), not one per doubling. */
	if (nn > pe->nadv)
		(void)tab_reserve(r, nn - pe->nadv);

	/* Merge old (pe->adv) against new (nv), both sorted. */
	while (i < pe->nadv || j < nn) {
		int c;

		if (i == pe->nadv)
			c = 1;
		else if (j == nn)
			c = -1;
		else
			c = rib_prefix_cmp(&pe->adv[i].pfx, &nv[j].pfx);
		if (c < 0) {
			cand_del(r, pe->id, &pe->adv[i++].pfx);
			continue;
		}
		if (c > 0 || pe->adv[i].metric != nv[j].metric ||
		    ent_find(r, &nv[j].pfx) == NULL) {
			int e = cand_set(r, pe, &nv[j]);

			if (e < 0)
				err = e;
		}
		if (c == 0)
			i++;
		j++;
	}
	free(pe->adv);
	pe->adv = nv;
	pe->nadv = nn;
	/* the complete set after a restart: what stayed is fresh again */
	if (pe->stale)
		peer_mark_stale(r, pe, false);
	return err;
}

int
rib_peer_up(struct rib *r, uint64_t peer, uint64_t now)
{
	struct rib_peer *pe = peer_find(r, peer);

	if (pe == NULL)
		return -ENOENT;
	peer_up(r, pe, now);
	return 0;
}

int
rib_peer_down(struct rib *r, uint64_t peer, uint64_t now)
{
	struct rib_peer *pe = peer_find(r, peer);

	(void)now;
	if (pe == NULL)
		return -ENOENT;
	peer_withdraw(r, pe);
	if (pe->up)
		pe->failed = true;
	pe->up = false;
	pe->held = false;
	pe->hold_until = 0;
	pe->stale = false;
	return 0;
}

int
rib_peer_stale(struct rib *r, uint64_t peer, uint64_t now)
{
	struct rib_peer *pe = peer_find(r, peer);

	(void)now;
	if (pe == NULL)
		return -ENOENT;
	peer_mark_stale(r, pe, true);
	return pe->nadv > INT32_MAX ? INT32_MAX : (int)pe->nadv;
}

bool
rib_peer_is_stale(const struct rib *r, uint64_t peer)
{
	const struct rib_peer *pe = peer_find(r, peer);

	return pe != NULL && pe->stale;
}

uint64_t
rib_next_deadline(const struct rib *r)
{
	uint64_t d = RIB_NO_DEADLINE;

	for (size_t i = 0; i < r->npeers; i++)
		if (r->peers[i]->held && r->peers[i]->hold_until < d)
			d = r->peers[i]->hold_until;
	return d;
}

size_t
rib_timers(struct rib *r, uint64_t now)
{
	size_t n = 0;

	for (size_t i = 0; i < r->npeers; i++) {
		struct rib_peer *pe = r->peers[i];

		if (!pe->held || pe->hold_until > now)
			continue;
		pe->held = false;
		pe->hold_until = 0;
		peer_refresh(r, pe);
		n++;
	}
	return n;
}

size_t
rib_dirty(struct rib *r, struct rib_prefix *out, size_t max)
{
	size_t n = 0;

	while (n < max && r->dhead < r->dn) {
		struct rib_prefix *p = &r->dq[r->dhead++];
		struct rib_ent *e = ent_find(r, p);

		if (e == NULL || !e->dirty)
			continue; /* freed, or a stale duplicate */
		e->dirty = false;
		out[n++] = *p;
	}
	if (r->dhead == r->dn)
		r->dhead = r->dn = 0;
	return n;
}

void
rib_dirty_all(struct rib *r)
{
	for (size_t i = 0; i < r->cap; i++)
		if (r->tab[i] != NULL && r->tab[i] != TOMB)
			mark_dirty(r, r->tab[i]);
}

int
rib_fib_plan(
    struct rib *r, const struct rib_prefix *p, struct fib_op *ops, size_t max)
{
	struct fib_route want[FIB_ROUTES_MAX], have[FIB_ROUTES_MAX];
	struct rib_ent *e = ent_find(r, p);
	size_t nw, nh;

	if (e == NULL)
		return 0;
	nw = fib_want(e->c, e->nc, want, FIB_ROUTES_MAX);
	nh = inst_unpack(e, have, FIB_ROUTES_MAX);
	return fib_diff(have, nh, want, nw, ops, max);
}

void
rib_fib_done(
    struct rib *r, const struct rib_prefix *p, const struct fib_op *op, int err)
{
	struct fib_route have[FIB_ROUTES_MAX];
	struct rib_ent *e = ent_find(r, p);
	size_t i = 0, n;

	if (e == NULL)
		return;
	n = inst_unpack(e, have, FIB_ROUTES_MAX);
	while (i < n && have[i].metric < op->route.metric)
		i++;
	if (op->type == FIB_OP_DEL) {
		if (err != 0 && err != -ESRCH && err != -ENOENT)
			return;
		if (i < n && have[i].metric == op->route.metric) {
			memmove(&have[i], &have[i + 1], (n - i - 1) * sizeof(have[0]));
			(void)inst_pack(e, have, n - 1); /* smaller: cannot fail */
		}
		ent_maybe_free(r, e);
		return;
	}
	if (err != 0)
		return;
	if (i < n && have[i].metric == op->route.metric) {
		have[i] = op->route;
	} else {
		if (n == FIB_ROUTES_MAX)
			return; /* cannot happen: fib_want() keeps at most that */
		memmove(&have[i + 1], &have[i], (n - i) * sizeof(have[0]));
		have[i] = op->route;
		n++;
	}
	/* out of memory: forgotten, kroute_flush() still removes it */
	(void)inst_pack(e, have, n);
}

static bool
cand_before(const struct rib_cand *a, const struct rib_cand *b)
{
	if (a->best != b->best)
		return a->best;
	if (a->metric != b->metric)
		return a->metric < b->metric;
	return a->peer < b->peer;
}

size_t
rib_cands(const struct rib *r, const struct rib_prefix *p, struct rib_cand *out,
    size_t max)
{
	const struct rib_ent *e = ent_find(r, p);
	size_t n = 0;

	if (e == NULL)
		return 0;
	for (size_t i = 0; i < e->nc; i++) {
		size_t j = n;

		while (j > 0 && cand_before(&e->c[i], &out[j - 1]))
			j--;
		if (j >= max)
			continue;
		if (n == max)
			n--;
		memmove(&out[j + 1], &out[j], (n - j) * sizeof(*out));
		out[j] = e->c[i];
		n++;
	}
	return e->nc;
}

size_t
rib_count(const struct rib *r)
{
	return r->n;
}

void
rib_walk(const struct rib *r, void (*cb)(const struct rib_prefix *p, void *arg),
    void *arg)
{
	for (size_t i = 0; i < r->cap; i++)
		if (r->tab[i] != NULL && r->tab[i] != TOMB)
			cb(&r->tab[i]->p, arg);
}

size_t
rib_installed(const struct rib *r, const struct rib_prefix *p,
    struct fib_route *out, size_t max)
{
	struct rib_prefix q = *p;
	struct rib_ent *e;

	if (rib_prefix_normalize(&q) < 0 || (e = ent_find(r, &q)) == NULL)
		return 0;
	inst_unpack(e, out, max);
	return e->nhave;
}
