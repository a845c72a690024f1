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

	if (v == NULL) {
		x->ret = -ENOMEM;
		return;
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
	for (size_t i = 1; i < n; i++) {
		for (size_t j = 0; j < i; j++) {
			if (strcmp(v[i].name, v[j].name) != 0 ||
			    strcmp(v[i].owner, v[j].owner) == 0)
				continue; /* a duplicate name says it all */
			err(x, v[i].loc,
			    "interface name '%s' of '%s' already used by '%s'"
			    " (default names are 'grip-' + name cut to 15 "
			    "characters; set 'interface' to tell them apart)",
			    v[i].name, v[i].owner, v[j].owner);
			note(x, v[j].loc, "'%s' uses '%s' here", v[j].owner,
			    v[j].name);
			break;
		}
	}
	free(v);
}

static void
check_hub_pairs(struct cctx *x)
{
	struct conf *c = x->c;
	char b[64];

	for (size_t i = 1; i < c->nhubs; i++) {
		struct conf_hub *h = c->hubs[i];

		for (size_t j = 0; j < i; j++) {
			struct conf_hub *o = c->hubs[j];

			if (strcmp(h->name, o->name) == 0) {
				err(x, &h->loc, "duplicate hub '%s'",
				    h->name);
				note(x, &o->loc, "hub '%s' first defined "
				    "here", o->name);
				break;
			}
			if (h->address.family &&
			    conf_addr_eq(&h->address, &o->address)) {
				conf_fmt_addr(&h->address, b, sizeof(b));
				/* RFC 2890: the key tells tunnels between
				 * the same endpoints apart */
				if (!h->opts.gre_key_set ||
				    !o->opts.gre_key_set)
					err(x, where(h->at, "address",
						   CONF_ST_HUB),
					    "duplicate address %s (hub "
					    "'%s'); two tunnels to one peer "
					    "need distinct gre-key values",
					    b, o->name);
				else if (h->opts.gre_key == o->opts.gre_key)
					err(x, h->at[kwi("gre-key",
						   CONF_ST_HUB)].line ?
						where(h->at, "gre-key",
						    CONF_ST_HUB) :
						where(h->at, "address",
						    CONF_ST_HUB),
					    "duplicate gre-key %u for peer "
					    "%s (hub '%s')", h->opts.gre_key,
					    b, o->name);
				else
					continue;
				note(x, where(o->at, "address", CONF_ST_HUB),
				    "hub '%s' has address %s", o->name, b);
			}
			for (int f = 0; f < 2; f++) {
				const struct conf_prefix *a =
				    f ? &h->tun6 : &h->tun4;
				const struct conf_prefix *z =
				    f ? &o->tun6 : &o->tun4;
				const struct conf_loc *la =
				    f ? &h->tun6_loc : &h->tun4_loc;
				const struct conf_loc *lz =
				    f ? &o->tun6_loc : &o->tun4_loc;

				if (!a->addr.family || !z->addr.family ||
				    !conf_prefix_overlap(a, z))
					continue;
				conf_fmt_prefix(a, b, sizeof(b));
				if (conf_addr_eq(&a->addr, &z->addr))
					err(x, la, "duplicate tunnel-address "
					    "%s (hub '%s')", b, o->name);
				else
					err(x, la, "tunnel-address %s "
					    "overlaps the tunnel subnet of "
					    "hub '%s'", b, o->name);
				note(x, lz, "hub '%s' tunnel-address here",
				    o->name);
			}
		}
	}
}

static void
check_spoke_pairs(struct cctx *x)
{
	struct conf *c = x->c;
	char b[64], b2[64];

	for (size_t i = 1; i < c->nspokes; i++) {
		struct conf_spoke *p = c->spokes[i];

		for (size_t j = 0; j < i; j++) {
			struct conf_spoke *o = c->spokes[j];

			if (strcmp(p->name, o->name) == 0) {
				err(x, &p->loc, "duplicate spoke '%s'",
				    p->name);
				note(x, &o->loc, "spoke '%s' first defined "
				    "here", o->name);
				break;
			}
			if (!p->dynamic && !o->dynamic &&
			    p->address.family &&
			    conf_addr_eq(&p->address, &o->address)) {
				conf_fmt_addr(&p->address, b, sizeof(b));
				if (!p->opts.gre_key_set ||
				    !o->opts.gre_key_set ||
				    p->opts.gre_key == o->opts.gre_key) {
					err(x, where(p->at, "address",
						   CONF_ST_SPOKE),
					    "duplicate address %s (spoke "
					    "'%s'); spokes behind one address "
					    "need distinct gre-key values or "
					    "'address dynamic'", b, o->name);
					note(x, where(o->at, "address",
						    CONF_ST_SPOKE),
					    "spoke '%s' has address %s",
					    o->name, b);
				}
			}
			for (int f = 0; f < 2; f++) {
				const struct conf_addr *a =
				    f ? &p->tun6 : &p->tun4;
				const struct conf_addr *z =
				    f ? &o->tun6 : &o->tun4;

				if (!a->family || !conf_addr_eq(a, z))
					continue;
				conf_fmt_addr(a, b, sizeof(b));
				err(x, f ? &p->tun6_loc : &p->tun4_loc,
				    "duplicate tunnel-address %s (spoke "
				    "'%s')", b, o->name);
				note(x, f ? &o->tun6_loc : &o->tun4_loc,
				    "spoke '%s' tunnel-address here",
				    o->name);
			}
			for (int f = 0; f < 2; f++) {
				const struct conf_prefix *a =
				    f ? &p->p2p_tun6 : &p->p2p_tun4;
				const struct conf_prefix *z =
				    f ? &o->p2p_tun6 : &o->p2p_tun4;

				if (!a->addr.family || !z->addr.family ||
				    !conf_prefix_overlap(a, z))
					continue;
				conf_fmt_prefix(a, b, sizeof(b));
				err(x, f ? &p->p2p_tun6_loc : &p->p2p_tun4_loc,
				    "point-to-point tunnel-address %s "
				    "overlaps spoke '%s'", b, o->name);
				note(x,
				    f ? &o->p2p_tun6_loc : &o->p2p_tun4_loc,
				    "spoke '%s' tunnel-address here",
				    o->name);
			}
			for (size_t k = 0; k < p->nallows; k++) {
				for (size_t m = 0; m < o->nallows; m++) {
					const struct conf_allow *a =
					    &p->allows[k];
					const struct conf_allow *z =
					    &o->allows[m];

					if (!conf_prefix_overlap(&a->pfx,
						&z->pfx))
						continue;
					conf_fmt_prefix(&a->pfx, b, sizeof(b));
					conf_fmt_prefix(&z->pfx, b2,
					    sizeof(b2));
					err(x, &a->loc,
					    "allow %s overlaps allow %s of "
					    "spoke '%s'", b, b2, o->name);
					note(x, &z->loc,
					    "spoke '%s' allows %s here",
					    o->name, b2);
				}
			}
		}
	}
}

/* Inbound SPIs select the SA on receipt (RFC 4303 section 2.1). */
static void
check_spis(struct cctx *x)
{
	struct conf *c = x->c;
	size_t n = c->nhubs + c->nspokes;
	const struct conf_manual_sa **v;
	const char **names;
	size_t k = 0;

	if ((v = calloc(n + 1, sizeof(*v))) == NULL ||
	    (names = calloc(n + 1, sizeof(*names))) == NULL) {
		free(v);
		x->ret = -ENOMEM;
		return;
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
	for (size_t i = 1; i < k; i++)
		for (size_t j = 0; j < i; j++)
			if (v[i]->spi == v[j]->spi) {
				err(x, &v[i]->loc,
				    "duplicate inbound spi 0x%x (also used "
				    "for '%s')", v[i]->spi, names[j]);
				note(x, &v[j]->loc, "'%s' uses it here",
				    names[j]);
				break;
			}
	free(v);
	free(names);
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
