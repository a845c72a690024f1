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
 *    are reported at the later occurrence with a note at the first
 *    (conf_pairs.c, in O(n log n));
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

void
conf_cerr(struct conf_cctx *x, const struct conf_loc *l, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (conf_diag(x->d, CONF_ERROR, l, "%s", msg) != 0)
		x->ret = -ENOMEM;
}

void
conf_cnote(struct conf_cctx *x, const struct conf_loc *l, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (conf_diag(x->d, CONF_NOTE, l, "%s", msg) != 0)
		x->ret = -ENOMEM;
}

int
conf_kwi(const char *name, int st)
{
	for (size_t i = 0; i < conf_nkeywords; i++)
		if (strcmp(conf_keywords[i].name, name) == 0 &&
		    (conf_keywords[i].stanzas & (unsigned)st))
			return (int)i;
	return -1;
}

bool
conf_kw_isset(uint64_t set, const char *name, int st)
{
	int i = conf_kwi(name, st);

	return i >= 0 && ((set >> i) & 1);
}

const struct conf_loc *
conf_kw_where(const struct conf_loc *at, const char *name, int st)
{
	return &at[conf_kwi(name, st)];
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
check_timers(struct conf_cctx *x, const struct conf_opts *o, uint64_t set,
    const struct conf_loc *at, int st, const char *what)
{
	char a[16], b[16], c3[16];
	const struct conf_loc *l;

	if (o->hold_ms >= 3 * (uint64_t)o->hello_ms)
		return;
	if (conf_kw_isset(set, "hold-time", st))
		l = conf_kw_where(at, "hold-time", st);
	else if (conf_kw_isset(set, "hello-interval", st))
		l = conf_kw_where(at, "hello-interval", st);
	else
		return; /* inherited: reported at the site */
	conf_fmt_duration(o->hold_ms, a, sizeof(a));
	conf_fmt_duration(o->hello_ms, b, sizeof(b));
	conf_fmt_duration(3 * o->hello_ms, c3, sizeof(c3));
	conf_cerr(x, l,
	    "%shold-time %s is less than 3 x hello-interval %s (at least %s, "
	    "or one lost hello drops the adjacency)", what, a, b, c3);
}

static void
check_ike_auth(struct conf_cctx *x, const struct conf_site *s,
    const struct conf_opts *o, const struct conf_loc *l, const char *what,
    const char *name)
{
	if (o->keying != CONF_KEYING_IKE)
		return;
	if (o->psk.path[0] == '\0' && (s == NULL || s->certificate[0] == '\0'))
		conf_cerr(x, l,
		    "%s '%s' has no IKE authentication: set psk-file here or "
		    "in the site, or a site certificate", what, name);
}

static void
check_manual(struct conf_cctx *x, const struct conf_opts *o,
    const struct conf_manual_sa *in, const struct conf_manual_sa *out,
    const struct conf_loc *l, const char *what, const char *name)
{
	if (o->keying == CONF_KEYING_MANUAL) {
		if (!in->set && !out->set)
			conf_cerr(x, l,
			    "%s '%s' has keying manual but no manual-sa (need "
			    "'manual-sa in ...' and 'manual-sa out ...')",
			    what, name);
		else if (!in->set)
			conf_cerr(x, &out->loc,
			    "%s '%s': manual-sa out without manual-sa in",
			    what, name);
		else if (!out->set)
			conf_cerr(x, &in->loc,
			    "%s '%s': manual-sa in without manual-sa out",
			    what, name);
	} else if (in->set || out->set) {
		conf_cerr(x, in->set ? &in->loc : &out->loc,
		    "manual-sa in %s '%s' with keying ike (add 'keying "
		    "manual')", what, name);
	}
}

static void
check_peer_in(struct conf_cctx *x, const struct conf_prefix *pfx,
    const struct conf_addr *peer, const struct conf_loc *l)
{
	unsigned max = pfx->addr.family == AF_INET ? 32 : 128;
	char a[64], b[64];

	if (pfx->addr.family == 0)
		return;
	conf_fmt_addr(peer, a, sizeof(a));
	conf_fmt_prefix(pfx, b, sizeof(b));
	if (conf_addr_eq(peer, &pfx->addr))
		conf_cerr(x, l, "tunnel-address %s: peer %s is our own address", b,
		    a);
	else if (pfx->len < max && !conf_prefix_contains(pfx, peer))
		conf_cerr(x, l, "tunnel-address %s: peer %s is outside the prefix",
		    b, a);
	else if (pfx->len < max && pfx->len > 0 &&
	    pfx->addr.family == AF_INET && pfx->len < 31) {
		struct conf_prefix net = *pfx;

		conf_prefix_mask(&net);
		if (memcmp(net.addr.a, pfx->addr.a, 4) == 0)
			conf_cerr(x, l,
			    "tunnel-address %s is the network address of its "
			    "prefix", b);
	}
}

static void
check_site(struct conf_cctx *x, struct conf_site *s)
{
	const int st = CONF_ST_SITE;

	if (!conf_kw_isset(s->set, "role", st))
		conf_cerr(x, &s->loc, "site '%s' has no role (add 'role spoke' or "
		    "'role hub')", s->name);
	if (!conf_kw_isset(s->set, "router-id", st))
		conf_cerr(x, &s->loc, "site '%s' has no router-id (add 'router-id "
		    "A.B.C.D')", s->name);
	if (s->role == CONF_ROLE_SPOKE) {
		static const char *const hubonly[] = { "track",
			"multipoint-interface", "tunnel-address", NULL };

		for (int i = 0; hubonly[i] != NULL; i++)
			if (conf_kw_isset(s->set, hubonly[i], st))
				conf_cerr(x, conf_kw_where(s->at, hubonly[i], st),
				    "'%s' only applies to a site with role "
				    "hub (site '%s' has role spoke)",
				    hubonly[i], s->name);
		for (size_t i = 0; i < s->nadverts; i++)
			if (s->adverts[i].is_default ||
			    s->adverts[i].pfx.len == 0)
				conf_cerr(x, &s->adverts[i].loc,
				    "a default route is only advertised by a "
				    "hub (site '%s' has role spoke)", s->name);
	}
	check_timers(x, &s->opts, s->set, s->at, st, "");
	if (s->certificate[0] != '\0' && s->private_key.path[0] == '\0')
		conf_cerr(x, conf_kw_where(s->at, "certificate", st),
		    "certificate without private-key");
	if (s->certificate[0] == '\0' && s->private_key.path[0] != '\0')
		conf_cerr(x, &s->private_key.loc,
		    "private-key without certificate");
}

static void
check_hub(struct conf_cctx *x, struct conf_hub *h)
{
	const struct conf_site *s = x->c->site;
	const int st = CONF_ST_HUB;

	if (s != NULL && s->role == CONF_ROLE_HUB)
		conf_cerr(x, &h->loc,
		    "hub stanza '%s' on site '%s' with role hub (a hub lists "
		    "its spokes in 'spoke NAME' stanzas)", h->name, s->name);
	if (!conf_kw_isset(h->set, "address", st))
		conf_cerr(x, &h->loc, "hub '%s' has no address (add 'address "
		    "ADDR', the hub's outer address)", h->name);
	if (!conf_kw_isset(h->set, "tunnel-address", st))
		conf_cerr(x, &h->loc, "hub '%s' has no tunnel-address (add "
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
		conf_cerr(x, conf_kw_where(h->at, "address", st),
		    "hub '%s' address is %s but site '%s' has no %s "
		    "local-address", h->name,
		    h->address.family == AF_INET ? "IPv4" : "IPv6", s->name,
		    h->address.family == AF_INET ? "IPv4" : "IPv6");
}

static void
check_spoke(struct conf_cctx *x, struct conf_spoke *p)
{
	const struct conf_site *s = x->c->site;
	const int st = CONF_ST_SPOKE;
	char b[64];

	if (s != NULL && s->role == CONF_ROLE_SPOKE)
		conf_cerr(x, &p->loc,
		    "spoke stanza '%s' on site '%s' with role spoke (a spoke "
		    "lists its hubs in 'hub NAME' stanzas)", p->name,
		    s->name);
	if (!conf_kw_isset(p->set, "address", st))
		conf_cerr(x, &p->loc, "spoke '%s' has no address (add 'address "
		    "ADDR' or 'address dynamic')", p->name);
	if (p->p2p) {
		if (p->tun4.family || p->tun6.family)
			conf_cerr(x, p->tun4.family ? &p->tun4_loc : &p->tun6_loc,
			    "spoke '%s' uses point-to-point: give its inner "
			    "addresses as 'point-to-point tunnel-address "
			    "PREFIX peer ADDR'", p->name);
		if (!p->p2p_tun4.addr.family && !p->p2p_tun6.addr.family &&
		    p->p2p_tun4_loc.line == 0 && p->p2p_tun6_loc.line == 0)
			conf_cerr(x, conf_kw_where(p->at, "point-to-point", st),
			    "spoke '%s': point-to-point needs 'tunnel-address "
			    "PREFIX peer ADDR'", p->name);
		check_peer_in(x, &p->p2p_tun4, &p->p2p_peer4,
		    &p->p2p_tun4_loc);
		check_peer_in(x, &p->p2p_tun6, &p->p2p_peer6,
		    &p->p2p_tun6_loc);
	} else {
		if (!conf_kw_isset(p->set, "tunnel-address", st))
			conf_cerr(x, &p->loc,
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
				conf_cerr(x, l,
				    "spoke '%s' tunnel-address %s: site '%s' "
				    "has no %s tunnel-address for the "
				    "multipoint interface", p->name, b,
				    s->name, f ? "IPv6" : "IPv4");
			else if (!conf_prefix_contains(mp, a))
				conf_cerr(x, l,
				    "spoke '%s' tunnel-address %s is outside "
				    "the multipoint prefix", p->name, b);
			else if (conf_addr_eq(a, &mp->addr))
				conf_cerr(x, l,
				    "spoke '%s' tunnel-address %s is the "
				    "hub's own address", p->name, b);
		}
	}
	if (p->dynamic && p->opts.keying == CONF_KEYING_MANUAL)
		conf_cerr(x, conf_kw_where(p->at, "address", st),
		    "spoke '%s': address dynamic needs keying ike (manual SAs "
		    "need a known peer address)", p->name);
	check_timers(x, &p->opts, p->set, p->at, st, "");
	check_ike_auth(x, s, &p->opts, &p->loc, "spoke", p->name);
	check_manual(x, &p->opts, &p->sa_in, &p->sa_out, &p->loc, "spoke",
	    p->name);
}

static void
check_site_spokes(struct conf_cctx *x)
{
	struct conf_site *s = x->c->site;
	bool mp = false;

	if (s == NULL || s->role != CONF_ROLE_HUB)
		return;
	for (size_t i = 0; i < x->c->nspokes; i++)
		mp |= !x->c->spokes[i]->p2p;
	if (mp && !s->mp_tun4.addr.family && !s->mp_tun6.addr.family)
		conf_cerr(x, &s->loc,
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
	struct conf_cctx x = { c, d, 0 };
	unsigned errors = d->errors;
	struct conf_opts defaults;
	const struct conf_opts *base;

	if (c->site == NULL) {
		struct conf_loc l = { c->nfiles ? c->files[0] : NULL, 0, 0 };

		conf_cerr(&x, &l, "no site stanza (every configuration needs "
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
	conf_check_pairs(&x);
	if (c->nhubs > 1)
		qsort(c->hubs, c->nhubs, sizeof(*c->hubs), cmp_hub);
	if (c->nspokes > 1)
		qsort(c->spokes, c->nspokes, sizeof(*c->spokes), cmp_spoke);
	if (x.ret != 0)
		return x.ret;
	return d->errors > errors ? -EINVAL : 0;
}
