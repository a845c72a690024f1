/* SPDX-License-Identifier: ISC */
/*
 * DOC: conflicts between stanzas in O(n log n)
 *
 * The conflict checks are specified as nested loops: for every stanza i, for
 * every earlier stanza j < i, report what i and j share, and stop at the
 * first j with the same name (a duplicate name says it all).  A hub with
 * 10,000 spokes has 5 * 10^7 such pairs, and the check runs on every reload
 * in the event-loop thread, so instead each conflict is found by sorting
 * copies of one key and looking at neighbours:
 *
 *  - equal keys (names, outer and inner addresses, interface names, SPIs):
 *    sorted by (key, index), equal keys form runs; a run yields its pairs;
 *  - overlapping prefixes (tunnel subnets, allow ranges): two prefixes nest
 *    or are disjoint, so sorted by (family, first address, length) each one
 *    overlaps exactly the prefixes left on a stack of its enclosers, once
 *    those whose last address comes before its first are popped.
 *
 * Every conflict becomes a record (i, j, kind, k, m); the records are sorted
 * into the order in which the loops would have met them and only then
 * reported, so the diagnostics and their order stay those of the loops (the
 * golden tests pin both).  lim[i] replays the loops' break: it is the first
 * earlier stanza with i's name (or i), so a pair (i, j) counts only if
 * j < lim[i], besides the duplicate-name record at j == lim[i] itself.  The
 * cost is O(n log n) plus the number of pairs found.
 */

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "conf_priv.h"

enum pair_kind { /* in the loops' order for one (i, j) */
	PK_NAME, PK_ADDRESS, PK_TUN4, PK_TUN6, PK_P2P4, PK_P2P6, PK_ALLOW
};

struct pair {
	size_t i, j; /* j < i */
	int kind;
	size_t k, m; /* PK_ALLOW: allow k of i overlaps allow m of j */
};

struct pairs {
	struct pair *v;
	size_t n, cap;
	const size_t *lim;
	int ret;
};

static void
pair_add(struct pairs *ps, size_t a, size_t b, int kind, size_t ka,
    size_t kb)
{
	struct pair r = { a, b, kind, ka, kb };

	if (a < b)
		r = (struct pair){ b, a, kind, kb, ka };
	if (kind != PK_NAME && r.j >= ps->lim[r.i])
		return; /* the loop over j stopped at a duplicate name */
	if (ps->n == ps->cap) {
		size_t cap = ps->cap ? 2 * ps->cap : 64;
		struct pair *v = reallocarray(ps->v, cap, sizeof(*v));

		if (v == NULL) {
			ps->ret = -ENOMEM;
			return;
		}
		ps->v = v;
		ps->cap = cap;
	}
	ps->v[ps->n++] = r;
}

static int
cmp_size(size_t a, size_t b)
{
	return (a > b) - (a < b);
}

static int
cmp_pair(const void *a, const void *b)
{
	const struct pair *x = a, *y = b;
	int r;

	if ((r = cmp_size(x->i, y->i)) || (r = cmp_size(x->j, y->j)) ||
	    (r = x->kind - y->kind) || (r = cmp_size(x->k, y->k)))
		return r;
	return cmp_size(x->m, y->m);
}

/* A string (name, interface name) and where it came from. */
struct skey {
	const char *s;
	size_t idx;
};

static int
cmp_skey(const void *a, const void *b)
{
	const struct skey *x = a, *y = b;
	int r = strcmp(x->s, y->s);

	return r ? r : cmp_size(x->idx, y->idx);
}

/*
 * Duplicate names: lim[i] = the first j < i with the same name, or i, and a
 * PK_NAME record for each duplicate.  Sorts v.
 */
static void
name_pairs(struct skey *v, size_t n, size_t *lim, struct pairs *ps)
{
	qsort(v, n, sizeof(*v), cmp_skey);
	for (size_t x = 0, first = 0; x < n; x++) {
		if (x == 0 || strcmp(v[x].s, v[first].s) != 0)
			first = x;
		lim[v[x].idx] = v[first].idx;
		if (x != first)
			pair_add(ps, v[x].idx, v[first].idx, PK_NAME, 0, 0);
	}
}

/* An address; the gre-key only for outer addresses. */
struct akey {
	int family;
	uint8_t a[16];
	int kind;
	bool keyed;
	uint32_t key;
	size_t idx;
};

static void
akey_set(struct akey *e, const struct conf_addr *a, int kind, bool keyed,
    uint32_t key, size_t idx)
{
	e->family = a->family;
	memcpy(e->a, a->a, sizeof(e->a));
	e->kind = kind;
	e->keyed = keyed;
	e->key = keyed ? key : 0;
	e->idx = idx;
}

static int
cmp_akey(const void *a, const void *b)
{
	const struct akey *x = a, *y = b;
	int r;

	if ((r = x->family - y->family) || (r = memcmp(x->a, y->a, 16)) ||
	    (r = x->kind - y->kind) || (r = x->keyed - y->keyed) ||
	    (r = (x->key > y->key) - (x->key < y->key)))
		return r;
	return cmp_size(x->idx, y->idx);
}

static bool
akey_same(const struct akey *x, const struct akey *y)
{
	return x->family == y->family && memcmp(x->a, y->a, 16) == 0 &&
	    x->kind == y->kind;
}

/*
 * Equal addresses (conf_addr_eq).  Outer addresses conflict unless both
 * stanzas have a gre-key and the keys differ (RFC 2890): in a run sorted
 * unkeyed first, then by key, an entry pairs with every unkeyed entry before
 * it and with the earlier ones of its own key.  Sorts v.
 */
static void
addr_pairs(struct akey *v, size_t n, struct pairs *ps)
{
	qsort(v, n, sizeof(*v), cmp_akey);
	for (size_t s = 0, e; s < n; s = e) {
		size_t unkeyed = s; /* end of the unkeyed entries */

		for (e = s; e < n && akey_same(&v[e], &v[s]); e++)
			if (!v[e].keyed)
				unkeyed = e + 1;
		for (size_t x = s + 1, grp = s; x < e; x++) {
			if (v[x].keyed != v[grp].keyed ||
			    v[x].key != v[grp].key)
				grp = x; /* first of x's key */
			for (size_t y = s; y < x && y < unkeyed; y++)
				pair_add(ps, v[x].idx, v[y].idx, v[x].kind, 0,
				    0);
			for (size_t y = grp; v[x].keyed && y < x; y++)
				pair_add(ps, v[x].idx, v[y].idx, v[x].kind, 0,
				    0);
		}
	}
}

/* A prefix as the interval of addresses it covers. */
struct pent {
	int family;
	uint8_t lo[16], hi[16]; /* first and last address */
	unsigned len;
	int kind;
	size_t owner, sub;
};

static void
pent_set(struct pent *e, const struct conf_prefix *p, int kind, size_t owner,
    size_t sub)
{
	size_t nb = p->addr.family == AF_INET ? 4 : 16;
	struct conf_prefix m = *p;
	uint8_t hi[16];

	conf_prefix_mask(&m);
	memcpy(hi, m.addr.a, sizeof(hi));
	for (size_t i = 0; i < nb; i++) {
		unsigned bits = p->len > i * 8 ? p->len - (unsigned)i * 8 : 0;

		if (bits < 8)
			hi[i] |= (uint8_t)(0xffu >> bits);
	}
	/*
	 * conf_prefix_contains() masks the first nb bytes and compares all
	 * 16: with the unmasked rest put first, prefixes that differ there
	 * are disjoint intervals.
	 */
	memcpy(e->lo, m.addr.a + nb, 16 - nb);
	memcpy(e->lo + 16 - nb, m.addr.a, nb);
	memcpy(e->hi, hi + nb, 16 - nb);
	memcpy(e->hi + 16 - nb, hi, nb);
	e->family = p->addr.family;
	e->len = p->len;
	e->kind = kind;
	e->owner = owner;
	e->sub = sub;
}

static int
cmp_pent(const void *a, const void *b)
{
	const struct pent *x = a, *y = b;
	int r;

	if ((r = x->family - y->family) || (r = memcmp(x->lo, y->lo, 16)) ||
	    (r = (x->len > y->len) - (x->len < y->len)))
		return r;
	return cmp_size(x->owner, y->owner);
}

/*
 * Overlapping prefixes (conf_prefix_overlap) of different owners.  Sorted
 * by first address and then shortest first, a prefix that starts at or
 * before the current one and ends at or after its start encloses it; the
 * stack holds such a chain.  Sorts v.
 */
static void
overlap_pairs(struct pent *v, size_t n, struct pairs *ps)
{
	size_t *stk, top = 0;

	if (n == 0)
		return;
	if ((stk = calloc(n, sizeof(*stk))) == NULL) {
		ps->ret = -ENOMEM;
		return;
	}
	qsort(v, n, sizeof(*v), cmp_pent);
	for (size_t x = 0; x < n; x++) {
		while (top > 0 && (v[stk[top - 1]].family != v[x].family ||
			memcmp(v[stk[top - 1]].hi, v[x].lo, 16) < 0))
			top--;
		for (size_t t = 0; t < top; t++) {
			const struct pent *z = &v[stk[t]];

			if (z->owner != v[x].owner)
				pair_add(ps, v[x].owner, z->owner, v[x].kind,
				    v[x].sub, z->sub);
		}
		stk[top++] = x;
	}
	free(stk);
}

/* Interface names: explicit ones, and defaults cut to 15 characters. */
struct ifn {
	const char *name;
	const struct conf_loc *loc;
	const char *owner;
};

static void
check_ifnames(struct conf_cctx *x)
{
	struct conf *c = x->c;
	size_t n = 0, cap = c->nhubs + c->nspokes + 1;
	struct ifn *v = calloc(cap, sizeof(*v));
	struct skey *s = calloc(cap, sizeof(*s));
	size_t *jof = calloc(cap, sizeof(*jof));

	if (v == NULL || s == NULL || jof == NULL) {
		x->ret = -ENOMEM;
		goto out;
	}
	if (c->site != NULL && c->site->role == CONF_ROLE_HUB) {
		v[n].name = c->site->mp_ifname;
		v[n].loc = conf_kw_isset(c->site->set, "multipoint-interface",
			       CONF_ST_SITE) ?
		    conf_kw_where(c->site->at, "multipoint-interface", CONF_ST_SITE) :
		    &c->site->loc;
		v[n++].owner = c->site->name;
	}
	for (size_t i = 0; i < c->nhubs; i++) {
		v[n].name = c->hubs[i]->ifname;
		v[n].loc = conf_kw_isset(c->hubs[i]->set, "interface", CONF_ST_HUB) ?
		    conf_kw_where(c->hubs[i]->at, "interface", CONF_ST_HUB) :
		    &c->hubs[i]->loc;
		v[n++].owner = c->hubs[i]->name;
	}
	for (size_t i = 0; i < c->nspokes; i++) {
		if (!c->spokes[i]->p2p)
			continue;
		v[n].name = c->spokes[i]->p2p_ifname;
		v[n].loc = c->spokes[i]->p2p_ifname[0] ?
		    conf_kw_where(c->spokes[i]->at, "point-to-point", CONF_ST_SPOKE) :
		    &c->spokes[i]->loc;
		v[n++].owner = c->spokes[i]->name;
	}
	/*
	 * i reports the first earlier user of its name with another owner:
	 * in a run of one name by index, the run's first entry f, or, if i
	 * has f's owner, the first entry g with another owner than f.
	 */
	for (size_t i = 0; i < n; i++) {
		s[i] = (struct skey){ v[i].name, i };
		jof[i] = SIZE_MAX;
	}
	qsort(s, n, sizeof(*s), cmp_skey);
	for (size_t e = 0, f = 0, g = 0; e < n; e++) {
		if (e == 0 || strcmp(s[e].s, s[f].s) != 0)
			f = g = e;
		else if (g == f && strcmp(v[s[e].idx].owner,
				       v[s[f].idx].owner) != 0)
			g = e;
		if (strcmp(v[s[e].idx].owner, v[s[f].idx].owner) != 0)
			jof[s[e].idx] = s[f].idx;
		else if (g != f && g < e)
			jof[s[e].idx] = s[g].idx;
	}
	for (size_t i = 1; i < n; i++) {
		size_t j = jof[i];

		if (j == SIZE_MAX)
			continue; /* a duplicate name says it all */
		conf_cerr(x, v[i].loc,
		    "interface name '%s' of '%s' already used by '%s'"
		    " (default names are 'grip-' + name cut to 15 "
		    "characters; set 'interface' to tell them apart)",
		    v[i].name, v[i].owner, v[j].owner);
		conf_cnote(x, v[j].loc, "'%s' uses '%s' here", v[j].owner,
		    v[j].name);
	}
out:
	free(v);
	free(s);
	free(jof);
}

/*
 * Reports the pairs found, in the order the pairwise loops they replace
 * used (cmp_pair), and frees them; an allocation failure on the way
 * reports nothing and fails the check instead.
 */
static void
pairs_report(struct conf_cctx *x, struct pairs *ps,
    void (*report)(struct conf_cctx *, const struct pair *))
{
	if (ps->ret == 0 && ps->n > 1)
		qsort(ps->v, ps->n, sizeof(*ps->v), cmp_pair);
	for (size_t r = 0; ps->ret == 0 && r < ps->n; r++)
		report(x, &ps->v[r]);
	if (ps->ret != 0)
		x->ret = ps->ret;
	free(ps->v);
	ps->v = NULL;
}

static void
report_hub_pair(struct conf_cctx *x, const struct pair *r)
{
	struct conf_hub *h = x->c->hubs[r->i], *o = x->c->hubs[r->j];
	int f = r->kind == PK_TUN6;
	const struct conf_prefix *a = f ? &h->tun6 : &h->tun4;
	const struct conf_prefix *z = f ? &o->tun6 : &o->tun4;
	char b[64];

	switch (r->kind) {
	case PK_NAME:
		conf_cerr(x, &h->loc, "duplicate hub '%s'", h->name);
		conf_cnote(x, &o->loc, "hub '%s' first defined here", o->name);
		return;
	case PK_ADDRESS:
		conf_fmt_addr(&h->address, b, sizeof(b));
		/* RFC 2890: the key tells tunnels between the same endpoints
		 * apart */
		if (!h->opts.gre_key_set || !o->opts.gre_key_set)
			conf_cerr(x, conf_kw_where(h->at, "address", CONF_ST_HUB),
			    "duplicate address %s (hub '%s'); two tunnels to "
			    "one peer need distinct gre-key values", b,
			    o->name);
		else
			conf_cerr(x, h->at[conf_kwi("gre-key", CONF_ST_HUB)].line ?
				conf_kw_where(h->at, "gre-key", CONF_ST_HUB) :
				conf_kw_where(h->at, "address", CONF_ST_HUB),
			    "duplicate gre-key %u for peer %s (hub '%s')",
			    h->opts.gre_key, b, o->name);
		conf_cnote(x, conf_kw_where(o->at, "address", CONF_ST_HUB),
		    "hub '%s' has address %s", o->name, b);
		return;
	case PK_TUN4:
	case PK_TUN6:
		/* two tunnels to one peer told apart by their keys: the
		 * loops went on to the next hub before the subnets */
		if (h->address.family &&
		    conf_addr_eq(&h->address, &o->address) &&
		    h->opts.gre_key_set && o->opts.gre_key_set &&
		    h->opts.gre_key != o->opts.gre_key)
			return;
		conf_fmt_prefix(a, b, sizeof(b));
		if (conf_addr_eq(&a->addr, &z->addr))
			conf_cerr(x, f ? &h->tun6_loc : &h->tun4_loc,
			    "duplicate tunnel-address %s (hub '%s')", b,
			    o->name);
		else
			conf_cerr(x, f ? &h->tun6_loc : &h->tun4_loc,
			    "tunnel-address %s overlaps the tunnel subnet of "
			    "hub '%s'", b, o->name);
		conf_cnote(x, f ? &o->tun6_loc : &o->tun4_loc,
		    "hub '%s' tunnel-address here", o->name);
		return;
	}
}

static void
check_hub_pairs(struct conf_cctx *x)
{
	struct conf *c = x->c;
	size_t n = c->nhubs, na = 0, nt = 0;
	struct pairs ps = { 0 };
	struct skey *names = calloc(n + 1, sizeof(*names));
	size_t *lim = calloc(n + 1, sizeof(*lim));
	struct akey *addrs = calloc(n + 1, sizeof(*addrs));
	struct pent *tuns = calloc(2 * n + 1, sizeof(*tuns));

	if (names == NULL || lim == NULL || addrs == NULL || tuns == NULL) {
		ps.ret = -ENOMEM;
		goto out;
	}
	ps.lim = lim;
	for (size_t i = 0; i < n; i++) {
		struct conf_hub *h = c->hubs[i];

		names[i] = (struct skey){ h->name, i };
		if (h->address.family)
			akey_set(&addrs[na++], &h->address, PK_ADDRESS,
			    h->opts.gre_key_set, h->opts.gre_key, i);
		if (h->tun4.addr.family)
			pent_set(&tuns[nt++], &h->tun4, PK_TUN4, i, 0);
		if (h->tun6.addr.family)
			pent_set(&tuns[nt++], &h->tun6, PK_TUN6, i, 0);
	}
	name_pairs(names, n, lim, &ps);
	addr_pairs(addrs, na, &ps);
	overlap_pairs(tuns, nt, &ps);
out:
	pairs_report(x, &ps, report_hub_pair);
	free(names);
	free(lim);
	free(addrs);
	free(tuns);
}

static void
report_spoke_pair(struct conf_cctx *x, const struct pair *r)
{
	struct conf_spoke *p = x->c->spokes[r->i], *o = x->c->spokes[r->j];
	int f = r->kind == PK_TUN6 || r->kind == PK_P2P6;
	char b[64], b2[64];

	switch (r->kind) {
	case PK_NAME:
		conf_cerr(x, &p->loc, "duplicate spoke '%s'", p->name);
		conf_cnote(x, &o->loc, "spoke '%s' first defined here", o->name);
		return;
	case PK_ADDRESS:
		conf_fmt_addr(&p->address, b, sizeof(b));
		conf_cerr(x, conf_kw_where(p->at, "address", CONF_ST_SPOKE),
		    "duplicate address %s (spoke '%s'); spokes behind one "
		    "address need distinct gre-key values or 'address "
		    "dynamic'", b, o->name);
		conf_cnote(x, conf_kw_where(o->at, "address", CONF_ST_SPOKE),
		    "spoke '%s' has address %s", o->name, b);
		return;
	case PK_TUN4:
	case PK_TUN6:
		conf_fmt_addr(f ? &p->tun6 : &p->tun4, b, sizeof(b));
		conf_cerr(x, f ? &p->tun6_loc : &p->tun4_loc,
		    "duplicate tunnel-address %s (spoke '%s')", b, o->name);
		conf_cnote(x, f ? &o->tun6_loc : &o->tun4_loc,
		    "spoke '%s' tunnel-address here", o->name);
		return;
	case PK_P2P4:
	case PK_P2P6:
		conf_fmt_prefix(f ? &p->p2p_tun6 : &p->p2p_tun4, b,
		    sizeof(b));
		conf_cerr(x, f ? &p->p2p_tun6_loc : &p->p2p_tun4_loc,
		    "point-to-point tunnel-address %s overlaps spoke '%s'", b,
		    o->name);
		conf_cnote(x, f ? &o->p2p_tun6_loc : &o->p2p_tun4_loc,
		    "spoke '%s' tunnel-address here", o->name);
		return;
	case PK_ALLOW:
		conf_fmt_prefix(&p->allows[r->k].pfx, b, sizeof(b));
		conf_fmt_prefix(&o->allows[r->m].pfx, b2, sizeof(b2));
		conf_cerr(x, &p->allows[r->k].loc,
		    "allow %s overlaps allow %s of spoke '%s'", b, b2,
		    o->name);
		conf_cnote(x, &o->allows[r->m].loc, "spoke '%s' allows %s here",
		    o->name, b2);
		return;
	}
}

static void
check_spoke_pairs(struct conf_cctx *x)
{
	struct conf *c = x->c;
	size_t n = c->nspokes, nallows = 0, na = 0, np = 0;
	struct pairs ps = { 0 };
	struct skey *names = NULL;
	size_t *lim = NULL;
	struct akey *addrs = NULL;
	struct pent *pfxs = NULL;

	for (size_t i = 0; i < n; i++)
		nallows += c->spokes[i]->nallows;
	names = calloc(n + 1, sizeof(*names));
	lim = calloc(n + 1, sizeof(*lim));
	addrs = calloc(3 * n + 1, sizeof(*addrs));
	pfxs = calloc(2 * n + nallows + 1, sizeof(*pfxs));
	if (names == NULL || lim == NULL || addrs == NULL || pfxs == NULL) {
		ps.ret = -ENOMEM;
		goto out;
	}
	ps.lim = lim;
	for (size_t i = 0; i < n; i++) {
		struct conf_spoke *p = c->spokes[i];

		names[i] = (struct skey){ p->name, i };
		if (!p->dynamic && p->address.family)
			akey_set(&addrs[na++], &p->address, PK_ADDRESS,
			    p->opts.gre_key_set, p->opts.gre_key, i);
		/* inner addresses: equal is a conflict, whatever the keys */
		if (p->tun4.family)
			akey_set(&addrs[na++], &p->tun4, PK_TUN4, false, 0, i);
		if (p->tun6.family)
			akey_set(&addrs[na++], &p->tun6, PK_TUN6, false, 0, i);
		if (p->p2p_tun4.addr.family)
			pent_set(&pfxs[np++], &p->p2p_tun4, PK_P2P4, i, 0);
		if (p->p2p_tun6.addr.family)
			pent_set(&pfxs[np++], &p->p2p_tun6, PK_P2P6, i, 0);
	}
	name_pairs(names, n, lim, &ps);
	addr_pairs(addrs, na, &ps);
	overlap_pairs(pfxs, np, &ps);
	/* allows apart: an allow may overlap a tunnel prefix */
	np = 0;
	for (size_t i = 0; i < n; i++)
		for (size_t k = 0; k < c->spokes[i]->nallows; k++)
			pent_set(&pfxs[np++], &c->spokes[i]->allows[k].pfx,
			    PK_ALLOW, i, k);
	overlap_pairs(pfxs, np, &ps);
out:
	pairs_report(x, &ps, report_spoke_pair);
	free(names);
	free(lim);
	free(addrs);
	free(pfxs);
}

/* Inbound SPIs select the SA on receipt (RFC 4303 section 2.1). */
struct spikey {
	uint32_t spi;
	size_t idx;
};

static int
cmp_spikey(const void *a, const void *b)
{
	const struct spikey *x = a, *y = b;

	if (x->spi != y->spi)
		return x->spi > y->spi ? 1 : -1;
	return cmp_size(x->idx, y->idx);
}

static void
check_spis(struct conf_cctx *x)
{
	struct conf *c = x->c;
	size_t n = c->nhubs + c->nspokes;
	const struct conf_manual_sa **v = calloc(n + 1, sizeof(*v));
	const char **names = calloc(n + 1, sizeof(*names));
	struct spikey *s = calloc(n + 1, sizeof(*s));
	size_t *jof = calloc(n + 1, sizeof(*jof));
	size_t k = 0;

	if (v == NULL || names == NULL || s == NULL || jof == NULL) {
		x->ret = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < c->nhubs; i++)
		if (c->hubs[i]->sa_in.set) {
			names[k] = c->hubs[i]->name;
			v[k++] = &c->hubs[i]->sa_in;
		}
	for (size_t i = 0; i < c->nspokes; i++)
		if (c->spokes[i]->sa_in.set) {
			names[k] = c->spokes[i]->name;
			v[k++] = &c->spokes[i]->sa_in;
		}
	/* each SA reports the first earlier one with its SPI */
	for (size_t i = 0; i < k; i++)
		s[i] = (struct spikey){ v[i]->spi, i };
	qsort(s, k, sizeof(*s), cmp_spikey);
	for (size_t e = 0, f = 0; e < k; e++) {
		if (e == 0 || s[e].spi != s[f].spi)
			f = e;
		jof[s[e].idx] = e == f ? SIZE_MAX : s[f].idx;
	}
	for (size_t i = 1; i < k; i++) {
		size_t j = jof[i];

		if (j == SIZE_MAX)
			continue;
		conf_cerr(x, &v[i]->loc,
		    "duplicate inbound spi 0x%x (also used for '%s')",
		    v[i]->spi, names[j]);
		conf_cnote(x, &v[j]->loc, "'%s' uses it here", names[j]);
	}
out:
	free(v);
	free(names);
	free(s);
	free(jof);
}

/* Every check between stanzas, in the order their diagnostics appear. */
void
conf_check_pairs(struct conf_cctx *x)
{
	check_hub_pairs(x);
	check_spoke_pairs(x);
	check_ifnames(x);
	check_spis(x);
}
