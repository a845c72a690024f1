/* SPDX-License-Identifier: ISC */
/*
 * DOC: configuration check (second pass)
 *
 * After every file is parsed, conf_check() turns the stanzas into a
 * configuration the daemon can run:
 *
 *  - inheritance: a hub or spoke stanza takes every tunnel setting it did not
 *    write (timers, GRE, MTU, ESP, psk-file) from the site stanza, and gets
 *    its default interface name ("grip-" + name, cut to 15 characters);
 *  - required settings and role rules (hub stanzas only on a spoke, spoke
 *    stanzas only on a hub, hub-only site settings);
 *  - conflicts between stanzas: duplicate names, outer addresses (unless
 *    RFC 2890 keys tell the tunnels apart), inner addresses, overlapping
 *    tunnel subnets and allow ranges, interface names, inbound SPIs.  These
 *    are reported at the later occurrence with a note at the first;
 *  - the hold time must cover three hellos, as BFD's detect multiplier does
 *    (RFC 5880 section 6.8.4), or one lost hello would drop the adjacency.
 *
 * Hubs and spokes are then sorted by name so the printer, the diff and the
 * daemon see a stable order whatever the file names were.  Pure: no I/O.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "conf_priv.h"

struct cctx {
	struct conf *c;
	struct conf_diag_list *d;
	int ret;
};

static void
err(struct cctx *x, const struct conf_loc *l, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
err(struct cctx *x, const struct conf_loc *l, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (conf_diag(x->d, CONF_ERROR, l, "%s", msg) != 0)
		x->ret = -ENOMEM;
}

static void
note(struct cctx *x, const struct conf_loc *l, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
note(struct cctx *x, const struct conf_loc *l, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (conf_diag(x->d, CONF_NOTE, l, "%s", msg) != 0)
		x->ret = -ENOMEM;
}

static int
kwi(const char *name, int st)
{
	for (size_t i = 0; i < conf_nkeywords; i++)
		if (strcmp(conf_keywords[i].name, name) == 0 &&
		    (conf_keywords[i].stanzas & (unsigned)st))
			return (int)i;
	return -1;
}

static bool
isset(uint64_t set, const char *name, int st)
{
	int i = kwi(name, st);

	return i >= 0 && ((set >> i) & 1);
}

static const struct conf_loc *
where(const struct conf_loc *at, const char *name, int st)
{
	return &at[kwi(name, st)];
}

static void
inherit(struct conf_opts *dst, uint64_t set, int st,
    const struct conf_opts *src)
{
	for (size_t i = 0; i < conf_nkeywords; i++) {
		const struct conf_kw *kw = &conf_keywords[i];

		if (kw->base != CONF_B_OPTS || !(kw->stanzas & (unsigned)st) ||
		    ((set >> i) & 1))
			continue;
		if (strcmp(kw->name, "ike-identity") == 0 ||
		    strcmp(kw->name, "shutdown") == 0 ||
		    strcmp(kw->name, "keying") == 0)
			continue; /* not inherited: they describe the peer */
		if (strcmp(kw->name, "gre-key") == 0) {
			dst->gre_key_set = src->gre_key_set;
			dst->gre_key = src->gre_key;
		} else if (kw->kind == CONF_K_SECRET) {
			struct conf_secret *d = (void *)((char *)dst + kw->off);
			const struct conf_secret *s =
			    (const void *)((const char *)src + kw->off);

			memcpy(d->path, s->path, sizeof(d->path));
			d->loc = s->loc;
		} else {
			memcpy((char *)dst + kw->off,
			    (const char *)src + kw->off, kw->size);
		}
	}
}

static void
default_ifname(char *dst, const char *name)
{
	conf_default_ifname(dst, name);
}

static void
check_timers(struct cctx *x, const struct conf_opts *o, uint64_t set,
    const struct conf_loc *at, int st, const char *what)
{
	char a[16], b[16], c3[16];
	const struct conf_loc *l;

	if (o->hold_ms >= 3 * (uint64_t)o->hello_ms)
		return;
	if (isset(set, "hold-time", st))
		l = where(at, "hold-time", st);
	else if (isset(set, "hello-interval", st))
		l = where(at, "hello-interval", st);
	else
		return; /* inherited: reported at the site */
	conf_fmt_duration(o->hold_ms, a, sizeof(a));
	conf_fmt_duration(o->hello_ms, b, sizeof(b));
	conf_fmt_duration(3 * o->hello_ms, c3, sizeof(c3));
	err(x, l,
	    "%shold-time %s is less than 3 x hello-interval %s (at least %s, "
	    "or one lost hello drops the adjacency)", what, a, b, c3);
}

static void
check_ike_auth(struct cctx *x, const struct conf_site *s,
    const struct conf_opts *o, const struct conf_loc *l, const char *what,
    const char *name)
{
	if (o->keying != CONF_KEYING_IKE)
		return;
	if (o->psk.path[0] == '\0' && (s == NULL || s->certificate[0] == '\0'))
		err(x, l,
		    "%s '%s' has no IKE authentication: set psk-file here or "
		    "in the site, or a site certificate", what, name);
}

static void
check_manual(struct cctx *x, const struct conf_opts *o,
    const struct conf_manual_sa *in, const struct conf_manual_sa *out,
    const struct conf_loc *l, const char *what, const char *name)
{
	if (o->keying == CONF_KEYING_MANUAL) {
		if (!in->set && !out->set)
			err(x, l,
			    "%s '%s' has keying manual but no manual-sa (need "
			    "'manual-sa in ...' and 'manual-sa out ...')",
			    what, name);
		else if (!in->set)
			err(x, &out->loc,
			    "%s '%s': manual-sa out without manual-sa in",
			    what, name);
		else if (!out->set)
			err(x, &in->loc,
			    "%s '%s': manual-sa in without manual-sa out",
			    what, name);
	} else if (in->set || out->set) {
		err(x, in->set ? &in->loc : &out->loc,
		    "manual-sa in %s '%s' with keying ike (add 'keying "
		    "manual')", what, name);
	}
}

static void
check_peer_in(struct cctx *x, const struct conf_prefix *pfx,
    const struct conf_addr *peer, const struct conf_loc *l)
{
	unsigned max = pfx->addr.family == AF_INET ? 32 : 128;
	char a[64], b[64];

	if (pfx->addr.family == 0)
		return;
	conf_fmt_addr(peer, a, sizeof(a));
	conf_fmt_prefix(pfx, b, sizeof(b));
	if (conf_addr_eq(peer, &pfx->addr))
		err(x, l, "tunnel-address %s: peer %s is our own address", b,
		    a);
	else if (pfx->len < max && !conf_prefix_contains(pfx, peer))
		err(x, l, "tunnel-address %s: peer %s is outside the prefix",
		    b, a);
	else if (pfx->len < max && pfx->len > 0 &&
	    pfx->addr.family == AF_INET && pfx->len < 31) {
		struct conf_prefix net = *pfx;

		conf_prefix_mask(&net);
		if (memcmp(net.addr.a, pfx->addr.a, 4) == 0)
			err(x, l,
			    "tunnel-address %s is the network address of its "
			    "prefix", b);
	}
}

static void
check_site(struct cctx *x, struct conf_site *s)
{
	const int st = CONF_ST_SITE;

	if (!isset(s->set, "role", st))
		err(x, &s->loc, "site '%s' has no role (add 'role spoke' or "
		    "'role hub')", s->name);
	if (!isset(s->set, "router-id", st))
		err(x, &s->loc, "site '%s' has no router-id (add 'router-id "
		    "A.B.C.D')", s->name);
	if (s->role == CONF_ROLE_SPOKE) {
		static const char *const hubonly[] = { "track",
			"multipoint-interface", "tunnel-address", NULL };

		for (int i = 0; hubonly[i] != NULL; i++)
			if (isset(s->set, hubonly[i], st))
				err(x, where(s->at, hubonly[i], st),
				    "'%s' only applies to a site with role "
				    "hub (site '%s' has role spoke)",
				    hubonly[i], s->name);
		for (size_t i = 0; i < s->nadverts; i++)
			if (s->adverts[i].is_default ||
			    s->adverts[i].pfx.len == 0)
				err(x, &s->adverts[i].loc,
				    "a default route is only advertised by a "
				    "hub (site '%s' has role spoke)", s->name);
	}
	check_timers(x, &s->opts, s->set, s->at, st, "");
	if (s->certificate[0] != '\0' && s->private_key.path[0] == '\0')
		err(x, where(s->at, "certificate", st),
		    "certificate without private-key");
	if (s->certificate[0] == '\0' && s->private_key.path[0] != '\0')
		err(x, &s->private_key.loc,
		    "private-key without certificate");
}

static void
check_hub(struct cctx *x, struct conf_hub *h)
{
	const struct conf_site *s = x->c->site;
	const int st = CONF_ST_HUB;

	if (s != NULL && s->role == CONF_ROLE_HUB)
		err(x, &h->loc,
		    "hub stanza '%s' on site '%s' with role hub (a hub lists "
		    "its spokes in 'spoke NAME' stanzas)", h->name, s->name);
	if (!isset(h->set, "address", st))
		err(x, &h->loc, "hub '%s' has no address (add 'address "
		    "ADDR', the hub's outer address)", h->name);
	if (!isset(h->set, "tunnel-address", st))
		err(x, &h->loc, "hub '%s' has no tunnel-address (add "
		    "'tunnel-address PREFIX peer ADDR')", h->name);
	check_peer_in(x, &h->tun4, &h->peer4, &h->tun4_loc);
	check_peer_in(x, &h->tun6, &h->peer6, &h->tun6_loc);
	check_timers(x, &h->opts, h->set, h->at, st, "");
	check_ike_auth(x, s, &h->opts, &h->loc, "hub", h->name);
	check_manual(x, &h->opts, &h->sa_in, &h->sa_out, &h->loc, "hub",
	    h->name);
	if (s != NULL && h->address.family != 0 &&
	    (s->local4.family || s->local6.family) &&
	    (h->address.family == AF_INET ? s->local4.family :
					   s->local6.family) == 0)
		err(x, where(h->at, "address", st),
		    "hub '%s' address is %s but site '%s' has no %s "
		    "local-address", h->name,
		    h->address.family == AF_INET ? "IPv4" : "IPv6", s->name,
		    h->address.family == AF_INET ? "IPv4" : "IPv6");
}

static void
check_spoke(struct cctx *x, struct conf_spoke *p)
{
	const struct conf_site *s = x->c->site;
	const int st = CONF_ST_SPOKE;
	char b[64];

	if (s != NULL && s->role == CONF_ROLE_SPOKE)
		err(x, &p->loc,
		    "spoke stanza '%s' on site '%s' with role spoke (a spoke "
		    "lists its hubs in 'hub NAME' stanzas)", p->name,
		    s->name);
	if (!isset(p->set, "address", st))
		err(x, &p->loc, "spoke '%s' has no address (add 'address "
		    "ADDR' or 'address dynamic')", p->name);
	if (p->p2p) {
		if (p->tun4.family || p->tun6.family)
			err(x, p->tun4.family ? &p->tun4_loc : &p->tun6_loc,
			    "spoke '%s' uses point-to-point: give its inner "
			    "addresses as 'point-to-point tunnel-address "
			    "PREFIX peer ADDR'", p->name);
		if (!p->p2p_tun4.addr.family && !p->p2p_tun6.addr.family &&
		    p->p2p_tun4_loc.line == 0 && p->p2p_tun6_loc.line == 0)
			err(x, where(p->at, "point-to-point", st),
			    "spoke '%s': point-to-point needs 'tunnel-address "
			    "PREFIX peer ADDR'", p->name);
		check_peer_in(x, &p->p2p_tun4, &p->p2p_peer4,
		    &p->p2p_tun4_loc);
		check_peer_in(x, &p->p2p_tun6, &p->p2p_peer6,
		    &p->p2p_tun6_loc);
	} else {
		if (!isset(p->set, "tunnel-address", st))
			err(x, &p->loc,
			    "spoke '%s' has no tunnel-address (its inner "
			    "address on the multipoint interface)", p->name);
		for (int f = 0; f < 2 && s != NULL; f++) {
			const struct conf_addr *a = f ? &p->tun6 : &p->tun4;
			const struct conf_prefix *mp =
			    f ? &s->mp_tun6 : &s->mp_tun4;
			const struct conf_loc *l =
			    f ? &p->tun6_loc : &p->tun4_loc;

			if (a->family == 0 || s->role != CONF_ROLE_HUB)
				continue;
			conf_fmt_addr(a, b, sizeof(b));
			if (mp->addr.family == 0)
				err(x, l,
				    "spoke '%s' tunnel-address %s: site '%s' "
				    "has no %s tunnel-address for the "
				    "multipoint interface", p->name, b,
				    s->name, f ? "IPv6" : "IPv4");
			else if (!conf_prefix_contains(mp, a))
				err(x, l,
				    "spoke '%s' tunnel-address %s is outside "
				    "the multipoint prefix", p->name, b);
			else if (conf_addr_eq(a, &mp->addr))
				err(x, l,
				    "spoke '%s' tunnel-address %s is the "
				    "hub's own address", p->name, b);
		}
	}
	if (p->dynamic && p->opts.keying == CONF_KEYING_MANUAL)
		err(x, where(p->at, "address", st),
		    "spoke '%s': address dynamic needs keying ike (manual SAs "
		    "need a known peer address)", p->name);
	check_timers(x, &p->opts, p->set, p->at, st, "");
	check_ike_auth(x, s, &p->opts, &p->loc, "spoke", p->name);
	check_manual(x, &p->opts, &p->sa_in, &p->sa_out, &p->loc, "spoke",
	    p->name);
}

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
check_ifnames(struct cctx *x)
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
		v[n].loc = isset(c->site->set, "multipoint-interface",
			       CONF_ST_SITE) ?
		    where(c->site->at, "multipoint-interface", CONF_ST_SITE) :
		    &c->site->loc;
		v[n++].owner = c->site->name;
	}
	for (size_t i = 0; i < c->nhubs; i++) {
		v[n].name = c->hubs[i]->ifname;
		v[n].loc = isset(c->hubs[i]->set, "interface", CONF_ST_HUB) ?
		    where(c->hubs[i]->at, "interface", CONF_ST_HUB) :
		    &c->hubs[i]->loc;
		v[n++].owner = c->hubs[i]->name;
	}
	for (size_t i = 0; i < c->nspokes; i++) {
		if (!c->spokes[i]->p2p)
			continue;
		v[n].name = c->spokes[i]->p2p_ifname;
		v[n].loc = c->spokes[i]->p2p_ifname[0] ?
		    where(c->spokes[i]->at, "point-to-point", CONF_ST_SPOKE) :
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
		err(x, v[i].loc,
		    "interface name '%s' of '%s' already used by '%s'"
		    " (default names are 'grip-' + name cut to 15 "
		    "characters; set 'interface' to tell them apart)",
		    v[i].name, v[i].owner, v[j].owner);
		note(x, v[j].loc, "'%s' uses '%s' here", v[j].owner,
		    v[j].name);
	}
out:
	free(v);
	free(s);
	free(jof);
}

static void
report_hub_pair(struct cctx *x, const struct pair *r)
{
	struct conf_hub *h = x->c->hubs[r->i], *o = x->c->hubs[r->j];
	int f = r->kind == PK_TUN6;
	const struct conf_prefix *a = f ? &h->tun6 : &h->tun4;
	const struct conf_prefix *z = f ? &o->tun6 : &o->tun4;
	char b[64];

	switch (r->kind) {
	case PK_NAME:
		err(x, &h->loc, "duplicate hub '%s'", h->name);
		note(x, &o->loc, "hub '%s' first defined here", o->name);
		return;
	case PK_ADDRESS:
		conf_fmt_addr(&h->address, b, sizeof(b));
		/* RFC 2890: the key tells tunnels between the same endpoints
		 * apart */
		if (!h->opts.gre_key_set || !o->opts.gre_key_set)
			err(x, where(h->at, "address", CONF_ST_HUB),
			    "duplicate address %s (hub '%s'); two tunnels to "
			    "one peer need distinct gre-key values", b,
			    o->name);
		else
			err(x, h->at[kwi("gre-key", CONF_ST_HUB)].line ?
				where(h->at, "gre-key", CONF_ST_HUB) :
				where(h->at, "address", CONF_ST_HUB),
			    "duplicate gre-key %u for peer %s (hub '%s')",
			    h->opts.gre_key, b, o->name);
		note(x, where(o->at, "address", CONF_ST_HUB),
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
			err(x, f ? &h->tun6_loc : &h->tun4_loc,
			    "duplicate tunnel-address %s (hub '%s')", b,
			    o->name);
		else
			err(x, f ? &h->tun6_loc : &h->tun4_loc,
			    "tunnel-address %s overlaps the tunnel subnet of "
			    "hub '%s'", b, o->name);
		note(x, f ? &o->tun6_loc : &o->tun4_loc,
		    "hub '%s' tunnel-address here", o->name);
		return;
	}
}

static void
check_hub_pairs(struct cctx *x)
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
	if (ps.ret == 0 && ps.n > 1)
		qsort(ps.v, ps.n, sizeof(*ps.v), cmp_pair);
	for (size_t r = 0; ps.ret == 0 && r < ps.n; r++)
		report_hub_pair(x, &ps.v[r]);
out:
	if (ps.ret != 0)
		x->ret = ps.ret;
	free(ps.v);
	free(names);
	free(lim);
	free(addrs);
	free(tuns);
}

static void
report_spoke_pair(struct cctx *x, const struct pair *r)
{
	struct conf_spoke *p = x->c->spokes[r->i], *o = x->c->spokes[r->j];
	int f = r->kind == PK_TUN6 || r->kind == PK_P2P6;
	char b[64], b2[64];

	switch (r->kind) {
	case PK_NAME:
		err(x, &p->loc, "duplicate spoke '%s'", p->name);
		note(x, &o->loc, "spoke '%s' first defined here", o->name);
		return;
	case PK_ADDRESS:
		conf_fmt_addr(&p->address, b, sizeof(b));
		err(x, where(p->at, "address", CONF_ST_SPOKE),
		    "duplicate address %s (spoke '%s'); spokes behind one "
		    "address need distinct gre-key values or 'address "
		    "dynamic'", b, o->name);
		note(x, where(o->at, "address", CONF_ST_SPOKE),
		    "spoke '%s' has address %s", o->name, b);
		return;
	case PK_TUN4:
	case PK_TUN6:
		conf_fmt_addr(f ? &p->tun6 : &p->tun4, b, sizeof(b));
		err(x, f ? &p->tun6_loc : &p->tun4_loc,
		    "duplicate tunnel-address %s (spoke '%s')", b, o->name);
		note(x, f ? &o->tun6_loc : &o->tun4_loc,
		    "spoke '%s' tunnel-address here", o->name);
		return;
	case PK_P2P4:
	case PK_P2P6:
		conf_fmt_prefix(f ? &p->p2p_tun6 : &p->p2p_tun4, b,
		    sizeof(b));
		err(x, f ? &p->p2p_tun6_loc : &p->p2p_tun4_loc,
		    "point-to-point tunnel-address %s overlaps spoke '%s'", b,
		    o->name);
		note(x, f ? &o->p2p_tun6_loc : &o->p2p_tun4_loc,
		    "spoke '%s' tunnel-address here", o->name);
		return;
	case PK_ALLOW:
		conf_fmt_prefix(&p->allows[r->k].pfx, b, sizeof(b));
		conf_fmt_prefix(&o->allows[r->m].pfx, b2, sizeof(b2));
		err(x, &p->allows[r->k].loc,
		    "allow %s overlaps allow %s of spoke '%s'", b, b2,
		    o->name);
		note(x, &o->allows[r->m].loc, "spoke '%s' allows %s here",
		    o->name, b2);
		return;
	}
}

static void
check_spoke_pairs(struct cctx *x)
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
	if (ps.ret == 0 && ps.n > 1)
		qsort(ps.v, ps.n, sizeof(*ps.v), cmp_pair);
	for (size_t r = 0; ps.ret == 0 && r < ps.n; r++)
		report_spoke_pair(x, &ps.v[r]);
out:
	if (ps.ret != 0)
		x->ret = ps.ret;
	free(ps.v);
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
check_spis(struct cctx *x)
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
		err(x, &v[i]->loc,
		    "duplicate inbound spi 0x%x (also used for '%s')",
		    v[i]->spi, names[j]);
		note(x, &v[j]->loc, "'%s' uses it here", names[j]);
	}
out:
	free(v);
	free(names);
	free(s);
	free(jof);
}

static void
check_site_spokes(struct cctx *x)
{
	struct conf_site *s = x->c->site;
	bool mp = false;

	if (s == NULL || s->role != CONF_ROLE_HUB)
		return;
	for (size_t i = 0; i < x->c->nspokes; i++)
		mp |= !x->c->spokes[i]->p2p;
	if (mp && !s->mp_tun4.addr.family && !s->mp_tun6.addr.family)
		err(x, &s->loc,
		    "site '%s' has multipoint spokes but no tunnel-address "
		    "for its multipoint interface", s->name);
}

static int
cmp_hub(const void *a, const void *b)
{
	const struct conf_hub *x = *(const struct conf_hub *const *)a;
	const struct conf_hub *y = *(const struct conf_hub *const *)b;
	int r = strcmp(x->name, y->name);

	return r ? r : x->loc.line - y->loc.line;
}

static int
cmp_spoke(const void *a, const void *b)
{
	const struct conf_spoke *x = *(const struct conf_spoke *const *)a;
	const struct conf_spoke *y = *(const struct conf_spoke *const *)b;
	int r = strcmp(x->name, y->name);

	return r ? r : x->loc.line - y->loc.line;
}

int
conf_check(struct conf *c, struct conf_diag_list *d)
{
	struct cctx x = { c, d, 0 };
	unsigned errors = d->errors;
	struct conf_opts defaults;
	const struct conf_opts *base;

	if (c->site == NULL) {
		struct conf_loc l = { c->nfiles ? c->files[0] : NULL, 0, 0 };

		err(&x, &l, "no site stanza (every configuration needs "
		    "exactly one 'site NAME' in the main file)");
		memset(&defaults, 0, sizeof(defaults));
		defaults.hello_ms = CONF_DEF_HELLO_MS;
		defaults.hold_ms = CONF_DEF_HOLD_MS;
		defaults.failback_ms = CONF_DEF_FAILBACK_MS;
		defaults.mss_clamp = CONF_MSS_AUTO;
		base = &defaults;
	} else {
		base = &c->site->opts;
	}
	for (size_t i = 0; i < c->nhubs; i++) {
		struct conf_hub *h = c->hubs[i];

		inherit(&h->opts, h->set, CONF_ST_HUB, base);
		if (h->ifname[0] == '\0')
			default_ifname(h->ifname, h->name);
	}
	for (size_t i = 0; i < c->nspokes; i++) {
		struct conf_spoke *p = c->spokes[i];

		inherit(&p->opts, p->set, CONF_ST_SPOKE, base);
		if (p->p2p && p->p2p_ifname[0] == '\0')
			default_ifname(p->p2p_ifname, p->name);
	}
	if (c->site != NULL)
		check_site(&x, c->site);
	for (size_t i = 0; i < c->nhubs; i++)
		check_hub(&x, c->hubs[i]);
	for (size_t i = 0; i < c->nspokes; i++)
		check_spoke(&x, c->spokes[i]);
	check_site_spokes(&x);
	check_hub_pairs(&x);
	check_spoke_pairs(&x);
	check_ifnames(&x);
	check_spis(&x);
	if (c->nhubs > 1)
		qsort(c->hubs, c->nhubs, sizeof(*c->hubs), cmp_hub);
	if (c->nspokes > 1)
		qsort(c->spokes, c->nspokes, sizeof(*c->spokes), cmp_spoke);
	if (x.ret != 0)
		return x.ret;
	return d->errors > errors ? -EINVAL : 0;
}
