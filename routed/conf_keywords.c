/* SPDX-License-Identifier: ISC */
/*
 * DOC: configuration keywords (see conf_parse.c for the language)
 *
 * conf_keywords[] is the language: one row per keyword, where it is
 * allowed, how its value is parsed and printed, and where it is stored.
 * Most rows are generic (conf_parse.c, parse_generic: a duration, a
 * number in a range, one of some words, a path, ...).  This file holds the
 * table and the parse functions of the rows that are not: log, debug,
 * local-address, advertise, track, graceful-restart, authentication,
 * tunnel-address, a spoke's address, point-to-point, allow, manual-sa and
 * gre-key, with the duplicate index that refuses a repeated advertise or
 * allow line.  Their printers are in conf_print.c.
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "conf_priv.h"

const char *const conf_role_names[] = { "none", "spoke", "hub", NULL };
const char *const conf_cipher_names[] = { "aes128gcm16", "aes256gcm16",
	"chacha20poly1305", "aes128-sha256", "aes256-sha256", NULL };
const char *const conf_debug_names[] = { "adjacency", "tunnel", "esp", "ike",
	"rib", "zebra", "config", "control", "datapath", NULL };
static const char *const datapaths[] = { "auto", "kernel", "userspace", NULL };
static const char *const routess[] = { "auto", "zebra", "kernel", NULL };
static const char *const onoffs[] = { "on", "off", NULL };
static const char *const zversions[] = { "auto", "8", "9", "10", NULL };
static const char *const keyings[] = { "ike", "manual", NULL };
static const char *const espmodes[] = { "transport", "tunnel", NULL };
static const char *const encaps[] = { "auto", "raw", "udp", NULL };
static const char *const levels[] = { "error", "warning", "notice", "info",
	"debug", NULL };
static const char *const facilities[] = { "daemon", "user", "local0",
	"local1", "local2", "local3", "local4", "local5", "local6", "local7",
	"auth", "authpriv", NULL };

/* log stderr | log syslog [FACILITY] | log level LEVEL */
static int
parse_log(struct conf_pctx *p, const struct conf_kw *kw,
    const struct conf_line *ln)
{
	struct conf_global *g = p->obj;
	int e;

	if (conf_want_args(p, kw, ln, 1, 2) != 0)
		return -EINVAL;
	if (strcmp(ln->tok[1].s, "level") == 0) {
		if (ln->ntok != 3)
			return conf_perr(p, ln, ln->ntok - 1,
			    "'log level' needs one of: error, warning, "
			    "notice, info, debug");
		if ((e = conf_lookup_enum(levels, ln->tok[2].s)) < 0)
			return conf_perr(p, ln, 2,
			    "invalid log level '%s' (expected one of: error, "
			    "warning, notice, info, debug)", ln->tok[2].s);
		g->log_level = e;
		g->set |= (uint64_t)1 << CONF_BIT_LOG_LEVEL;
		return 0;
	}
	if (strcmp(ln->tok[1].s, "stderr") == 0) {
		if (ln->ntok > 2)
			return conf_perr(p, ln, 2,
			    "unexpected '%s' after 'log stderr'",
			    ln->tok[2].s);
		g->log_dest = CONF_LOG_STDERR;
	} else if (strcmp(ln->tok[1].s, "syslog") == 0) {
		const char *fac = ln->ntok > 2 ? ln->tok[2].s : "daemon";

		if (conf_lookup_enum(facilities, fac) < 0) {
			char list[256];

			conf_enum_list(facilities, list, sizeof(list));
			return conf_perr(p, ln, 2,
			    "invalid syslog facility '%s' (expected one of: "
			    "%s)", fac, list);
		}
		g->log_dest = CONF_LOG_SYSLOG;
		snprintf(g->log_facility, sizeof(g->log_facility), "%s", fac);
	} else {
		return conf_perr(p, ln, 1,
		    "invalid log destination '%s' (expected stderr, syslog "
		    "[FACILITY] or level LEVEL)", ln->tok[1].s);
	}
	conf_mark(p, kw, ln, 1);
	return 0;
}

static int
parse_debug(struct conf_pctx *p, const struct conf_kw *kw,
    const struct conf_line *ln)
{
	struct conf_global *g = p->obj;
	int e;

	if (conf_want_args(p, kw, ln, 1, 1) != 0)
		return -EINVAL;
	if (strcmp(ln->tok[1].s, "all") == 0) {
		g->debug = CONF_DEBUG_ALL;
	} else if ((e = conf_lookup_enum(conf_debug_names, ln->tok[1].s)) >= 0) {
		g->debug |= 1u << e;
	} else {
		char list[256];

		conf_enum_list(conf_debug_names, list, sizeof(list));
		return conf_perr(p, ln, 1,
		    "invalid debug flag '%s' (expected one of: %s, all)",
		    ln->tok[1].s, list);
	}
	conf_mark(p, kw, ln, 1);
	return 0;
}

/* local-address ADDR: one per family */
static int
parse_local(struct conf_pctx *p, const struct conf_kw *kw,
    const struct conf_line *ln)
{
	struct conf_site *s = p->obj;
	struct conf_addr a;
	struct conf_addr *dst;
	struct conf_loc *dl;

	if (conf_want_args(p, kw, ln, 1, 1) != 0)
		return -EINVAL;
	if (conf_parse_addr(ln->tok[1].s, 0, &a, p->err, sizeof(p->err)))
		return conf_perr(p, ln, 1, "local-address: %s", p->err);
	dst = a.family == AF_INET ? &s->local4 : &s->local6;
	dl = a.family == AF_INET ? &s->local4_loc : &s->local6_loc;
	if (dst->family != 0) {
		conf_perr(p, ln, 1, "second %s local-address '%s' (one per family)",
		    a.family == AF_INET ? "IPv4" : "IPv6", ln->tok[1].s);
		conf_pnote(p, dl, "first %s local-address here",
		    a.family == AF_INET ? "IPv4" : "IPv6");
		return -EINVAL;
	}
	*dst = a;
	*dl = conf_ploc(p, ln, 1);
	conf_mark(p, kw, ln, 1);
	return 0;
}

static int
host_bits_err(struct conf_pctx *p, const struct conf_line *ln, size_t tok,
    const char *what, const struct conf_prefix *pfx)
{
	struct conf_prefix m = *pfx;
	char buf[64];

	conf_prefix_mask(&m);
	conf_fmt_prefix(&m, buf, sizeof(buf));
	return conf_perr(p, ln, tok,
	    "%s prefix '%s' has host bits set (did you mean %s?)", what,
	    ln->tok[tok].s, buf);
}

static uint64_t
dupkey_hash(const struct conf_dupkey *k)
{
	uint64_t h = 14695981039346656037ull; /* FNV-1a */

	for (size_t i = 0; i < sizeof(k->b); i++)
		h = (h ^ k->b[i]) * 1099511628211ull;
	return h;
}

/* Insert entry i with key k unless an earlier entry has that key. */
static void
dupidx_put(struct conf_dupidx *x, size_t i, const struct conf_dupkey *k,
    const struct conf_dupkey *(*keyof)(const void *, size_t,
	struct conf_dupkey *),
    const void *arr)
{
	struct conf_dupkey t;
	size_t h = (size_t)dupkey_hash(k) & (x->cap - 1);

	for (; x->slot[h] != 0; h = (h + 1) & (x->cap - 1))
		if (memcmp(keyof(arr, x->slot[h] - 1, &t), k, sizeof(*k)) == 0)
			return;
	x->slot[h] = i + 1;
}

/*
 * The index of the first of the n entries of arr (the array of owner) whose
 * key is k, SIZE_MAX if none, or -ENOMEM in *ret.
 */
static size_t
dupidx_find(struct conf_dupidx *x, const void *owner, const void *arr,
    size_t n, const struct conf_dupkey *k,
    const struct conf_dupkey *(*keyof)(const void *, size_t,
	struct conf_dupkey *),
    int *ret)
{
	struct conf_dupkey t;
	size_t h;

	if (x->owner != owner || x->n > n) {
		if (x->slot != NULL)
			memset(x->slot, 0, x->cap * sizeof(*x->slot));
		x->owner = owner;
		x->n = 0;
	}
	if (2 * (n + 1) > x->cap) {
		size_t cap = x->cap ? x->cap : 64;
		size_t *slot;

		while (2 * (n + 1) > cap)
			cap *= 2;
		if ((slot = calloc(cap, sizeof(*slot))) == NULL) {
			*ret = -ENOMEM;
			return SIZE_MAX;
		}
		free(x->slot);
		x->slot = slot;
		x->cap = cap;
		x->n = 0;
	}
	for (; x->n < n; x->n++)
		dupidx_put(x, x->n, keyof(arr, x->n, &t), keyof, arr);
	h = (size_t)dupkey_hash(k) & (x->cap - 1);
	for (; x->slot[h] != 0; h = (h + 1) & (x->cap - 1))
		if (memcmp(keyof(arr, x->slot[h] - 1, &t), k, sizeof(*k)) == 0)
			return x->slot[h] - 1;
	return SIZE_MAX;
}

/* Room for entry n of *arr, growing it by doubling. */
static int
dupidx_grow(struct conf_dupidx *x, void **arr, size_t n, size_t size)
{
	void *na;
	size_t cap;

	if (*arr != x->arr)
		x->arrcap = n; /* not grown here: assume full */
	if (n < x->arrcap)
		return 0;
	cap = n ? 2 * n : 8;
	if ((na = reallocarray(*arr, cap, size)) == NULL)
		return -ENOMEM;
	*arr = x->arr = na;
	x->arrcap = cap;
	return 0;
}

typedef const struct conf_dupkey *(*dupkey_fn)(const void *, size_t,
    struct conf_dupkey *);

/*
 * Appends elem (size bytes, its struct conf_loc at loc_off) to the list
 * *arr of *n entries that x indexes for owner, unless an equal one
 * (keyof) is there already: then "duplicate WHAT 'TOKEN'" at ln's first
 * argument, with the note at the earlier one.  Returns
 * 0, -EINVAL (duplicate) or -ENOMEM.
 */
static int
dupidx_add(struct conf_pctx *p, const struct conf_line *ln,
    struct conf_dupidx *x, const void *owner, void **arr, size_t *n,
    size_t size, size_t loc_off, const void *elem, dupkey_fn keyof,
    const char *what, const char *note)
{
	struct conf_dupkey k;
	size_t i = dupidx_find(x, owner, *arr, *n, keyof(elem, 0, &k), keyof,
	    &p->ret);

	if (p->ret != 0)
		return p->ret;
	if (i != SIZE_MAX) {
		conf_perr(p, ln, 1, "duplicate %s '%s'", what, ln->tok[1].s);
		conf_pnote(p, (const struct conf_loc *)((const char *)*arr + i * size +
		    loc_off), note, "");
		return -EINVAL;
	}
	if (dupidx_grow(x, arr, *n, size) != 0)
		return p->ret = -ENOMEM;
	memcpy((char *)*arr + (*n)++ * size, elem, size);
	return 0;
}

void
conf_dupidx_free(struct conf_dupidx *x)
{
	free(x->slot);
	memset(x, 0, sizeof(*x));
}

/* Equal advertise lines: both default, or the same prefix. */
static const struct conf_dupkey *
advert_key(const void *arr, size_t i, struct conf_dupkey *k)
{
	const struct conf_advert *a = (const struct conf_advert *)arr + i;

	memset(k, 0, sizeof(*k));
	k->b[0] = a->is_default;
	if (!a->is_default) {
		memcpy(&k->b[1], &a->pfx.addr.family, sizeof(int));
		memcpy(&k->b[1 + sizeof(int)], &a->pfx.len, sizeof(unsigned));
		memcpy(&k->b[16], a->pfx.addr.a, 16);
	}
	return k;
}

/* Equal allow lines: the same prefix and range. */
static const struct conf_dupkey *
allow_key(const void *arr, size_t i, struct conf_dupkey *k)
{
	const struct conf_allow *a = (const struct conf_allow *)arr + i;
	const unsigned v[4] = { (unsigned)a->pfx.addr.family, a->pfx.len,
		a->ge, a->le };

	memset(k, 0, sizeof(*k));
	memcpy(&k->b[0], v, sizeof(v));
	memcpy(&k->b[16], a->pfx.addr.a, 16);
	return k;
}

/* advertise PREFIX|default [metric N] */
static int
parse_advertise(struct conf_pctx *p, const struct conf_kw *kw,
    const struct conf_line *ln)
{
	struct conf_site *s = p->obj;
	struct conf_advert a;
	int r;

	memset(&a, 0, sizeof(a));
	if (conf_want_args(p, kw, ln, 1, 3) != 0)
		return -EINVAL;
	a.loc = conf_ploc(p, ln, 1);
	if (strcmp(ln->tok[1].s, "default") == 0) {
		a.is_default = true;
	} else {
		if (conf_parse_prefix(ln->tok[1].s, &a.pfx, p->err,
			sizeof(p->err)) != 0)
			return conf_perr(p, ln, 1, "advertise: %s", p->err);
		if (conf_prefix_has_host_bits(&a.pfx))
			return host_bits_err(p, ln, 1, "advertise", &a.pfx);
	}
	if (ln->ntok > 2) {
		if (strcmp(ln->tok[2].s, "metric") != 0)
			return conf_perr(p, ln, 2,
			    "unexpected '%s' (usage: advertise %s)",
			    ln->tok[2].s, kw->usage);
		if (ln->ntok < 4)
			return conf_perr(p, ln, 2, "missing value for 'metric'");
		if (conf_parse_u32(ln->tok[3].s, 0, 65535, &a.metric, p->err,
			sizeof(p->err)) != 0)
			return conf_perr(p, ln, 3, "metric: %s", p->err);
	}
	if ((r = dupidx_add(p, ln, &p->adverts, s, (void **)&s->adverts,
	    &s->nadverts, sizeof(a), offsetof(struct conf_advert, loc), &a,
	    advert_key, "advertise", "first advertised here%s")) != 0)
		return r;
	conf_mark(p, kw, ln, 1);
	return 0;
}

static int
parse_track(struct conf_pctx *p, const struct conf_kw *kw,
    const struct conf_line *ln)
{
	struct conf_site *s = p->obj;
	struct conf_track *nt;

	if (conf_want_args(p, kw, ln, 1, 1) != 0)
		return -EINVAL;
	if (conf_check_ifname(ln->tok[1].s, p->err, sizeof(p->err)) != 0)
		return conf_perr(p, ln, 1, "%s", p->err);
	for (size_t i = 0; i < s->ntracks; i++)
		if (strcmp(s->tracks[i].ifname, ln->tok[1].s) == 0)
			return conf_perr(p, ln, 1, "duplicate track '%s'",
			    ln->tok[1].s);
	nt = realloc(s->tracks, (s->ntracks + 1) * sizeof(*nt));
	if (nt == NULL)
		return p->ret = -ENOMEM;
	s->tracks = nt;
	nt += s->ntracks++;
	nt->loc = conf_ploc(p, ln, 1);
	snprintf(nt->ifname, sizeof(nt->ifname), "%s", ln->tok[1].s);
	conf_mark(p, kw, ln, 1);
	return 0;
}

/* graceful-restart restart-time N | graceful-restart helper on|off: two
 * settings under one keyword, each at most once */
static int
parse_gr(struct conf_pctx *p, const struct conf_kw *kw,
    const struct conf_line *ln)
{
	struct conf_site *s = p->obj;
	const char *what;
	bool *set;
	struct conf_loc *at;
	int e;

	if (conf_want_args(p, kw, ln, 2, 2) != 0)
		return -EINVAL;
	what = ln->tok[1].s;
	if (strcmp(what, "restart-time") == 0) {
		set = &s->gr_restart_set;
		at = &s->gr_restart_loc;
	} else if (strcmp(what, "helper") == 0) {
		set = &s->gr_helper_set;
		at = &s->gr_helper_loc;
	} else {
		return conf_perr(p, ln, 1,
		    "invalid graceful-restart setting '%s' (expected "
		    "restart-time or helper)", what);
	}
	if (*set) {
		conf_perr(p, ln, 1, "duplicate 'graceful-restart %s' in site stanza",
		    what);
		conf_pnote(p, at, "first 'graceful-restart %s' here", what);
		return -EINVAL;
	}
	if (set == &s->gr_restart_set) {
		/* protocol.md 3.4.1: the RESTART_TIME TLV's range */
		if (conf_parse_u32(ln->tok[2].s, CONF_GR_RESTART_MIN_S,
			CONF_GR_RESTART_MAX_S, &s->gr_restart_s, p->err,
			sizeof(p->err)) != 0)
			return conf_perr(p, ln, 2, "graceful-restart restart-time: %s",
			    p->err);
	} else {
		if ((e = conf_lookup_enum(onoffs, ln->tok[2].s)) < 0)
			return conf_perr(p, ln, 2,
			    "invalid value '%s' for 'graceful-restart helper' "
			    "(expected one of: on, off)", ln->tok[2].s);
		s->gr_helper = e;
	}
	*set = true;
	*at = conf_ploc(p, ln, 1);
	conf_mark(p, kw, ln, 1);
	return 0;
}

/* authentication hmac-sha256 key-id N key-file PATH */
static int
parse_auth(struct conf_pctx *p, const struct conf_kw *kw,
    const struct conf_line *ln)
{
	struct conf_site *s = p->obj;
	uint32_t id;

	if (conf_want_args(p, kw, ln, 5, 5) != 0)
		return -EINVAL;
	if (strcmp(ln->tok[1].s, "hmac-sha256") != 0)
		return conf_perr(p, ln, 1,
		    "unknown authentication algorithm '%s' (expected "
		    "hmac-sha256)", ln->tok[1].s);
	if (strcmp(ln->tok[2].s, "key-id") != 0)
		return conf_perr(p, ln, 2, "expected 'key-id', got '%s'",
		    ln->tok[2].s);
	if (conf_parse_u32(ln->tok[3].s, 0, 255, &id, p->err,
		sizeof(p->err)) != 0)
		return conf_perr(p, ln, 3, "key-id: %s", p->err);
	if (strcmp(ln->tok[4].s, "key-file") != 0)
		return conf_perr(p, ln, 4, "expected 'key-file', got '%s'",
		    ln->tok[4].s);
	if (conf_check_path(ln->tok[5].s, p->err, sizeof(p->err)) != 0)
		return conf_perr(p, ln, 5, "%s", p->err);
	s->auth_set = true;
	s->auth_key_id = id;
	snprintf(s->auth_key.path, sizeof(s->auth_key.path), "%s",
	    ln->tok[5].s);
	s->auth_key.loc = conf_ploc(p, ln, 5);
	conf_mark(p, kw, ln, 1);
	return 0;
}

static int
put_family(struct conf_pctx *p, const struct conf_line *ln, size_t tok,
    int family, struct conf_loc *l4, struct conf_loc *l6)
{
	struct conf_loc *l = family == AF_INET ? l4 : l6;

	if (l->line != 0) {
		conf_perr(p, ln, tok, "second %s tunnel-address '%s' (one per "
		    "family)", family == AF_INET ? "IPv4" : "IPv6",
		    ln->tok[tok].s);
		conf_pnote(p, l, "first %s tunnel-address here",
		    family == AF_INET ? "IPv4" : "IPv6");
		return -EINVAL;
	}
	*l = conf_ploc(p, ln, tok);
	return 0;
}

static int
parse_pfx_peer(struct conf_pctx *p, const struct conf_line *ln, size_t i,
    struct conf_prefix *pfx, struct conf_addr *peer)
{
	if (conf_parse_prefix(ln->tok[i].s, pfx, p->err, sizeof(p->err)) != 0)
		return conf_perr(p, ln, i, "tunnel-address: %s", p->err);
	if (i + 1 >= ln->ntok || strcmp(ln->tok[i + 1].s, "peer") != 0)
		return conf_perr(p, ln, i + 1 < ln->ntok ? i + 1 : i,
		    "expected 'peer ADDR' after tunnel-address %s",
		    ln->tok[i].s);
	if (i + 2 >= ln->ntok)
		return conf_perr(p, ln, i + 1, "missing address after 'peer'");
	if (conf_parse_addr(ln->tok[i + 2].s, pfx->addr.family, peer, p->err,
		sizeof(p->err)) != 0)
		return conf_perr(p, ln, i + 2, "peer: %s (same family as %s)",
		    p->err, ln->tok[i].s);
	return 0;
}

/* tunnel-address: site (hub role) PREFIX; hub PREFIX peer ADDR; spoke ADDR */
static int
parse_tunaddr(struct conf_pctx *p, const struct conf_kw *kw,
    const struct conf_line *ln)
{
	struct conf_prefix pfx;
	struct conf_addr peer;

	if (p->st == CONF_ST_SITE) {
		struct conf_site *s = p->obj;

		if (conf_want_args(p, kw, ln, 1, 1) != 0)
			return -EINVAL;
		if (conf_parse_prefix(ln->tok[1].s, &pfx, p->err,
			sizeof(p->err)) != 0)
			return conf_perr(p, ln, 1, "tunnel-address: %s", p->err);
		if (put_family(p, ln, 1, pfx.addr.family, &s->mp_tun4_loc,
			&s->mp_tun6_loc) != 0)
			return -EINVAL;
		*(pfx.addr.family == AF_INET ? &s->mp_tun4 : &s->mp_tun6) =
		    pfx;
	} else if (p->st == CONF_ST_HUB) {
		struct conf_hub *h = p->obj;

		if (conf_want_args(p, kw, ln, 3, 3) != 0)
			return -EINVAL;
		if (parse_pfx_peer(p, ln, 1, &pfx, &peer) != 0)
			return -EINVAL;
		if (put_family(p, ln, 1, pfx.addr.family, &h->tun4_loc,
			&h->tun6_loc) != 0)
			return -EINVAL;
		if (pfx.addr.family == AF_INET) {
			h->tun4 = pfx;
			h->peer4 = peer;
		} else {
			h->tun6 = pfx;
			h->peer6 = peer;
		}
	} else {
		struct conf_spoke *s = p->obj;
		struct conf_addr a;

		if (conf_want_args(p, kw, ln, 1, 1) != 0)
			return -EINVAL;
		if (conf_parse_addr(ln->tok[1].s, 0, &a, p->err,
			sizeof(p->err)) != 0)
			return conf_perr(p, ln, 1,
			    "tunnel-address: %s (the spoke's inner address "
			    "on the multipoint network, no prefix length)",
			    p->err);
		if (put_family(p, ln, 1, a.family, &s->tun4_loc,
			&s->tun6_loc) != 0)
			return -EINVAL;
		*(a.family == AF_INET ? &s->tun4 : &s->tun6) = a;
	}
	conf_mark(p, kw, ln, 1);
	return 0;
}

/* spoke: address ADDR|dynamic */
static int
parse_spoke_addr(struct conf_pctx *p, const struct conf_kw *kw,
    const struct conf_line *ln)
{
	struct conf_spoke *s = p->obj;

	if (conf_want_args(p, kw, ln, 1, 1) != 0)
		return -EINVAL;
	if (strcmp(ln->tok[1].s, "dynamic") == 0) {
		s->dynamic = true;
		memset(&s->address, 0, sizeof(s->address));
	} else if (conf_parse_addr(ln->tok[1].s, 0, &s->address, p->err,
		       sizeof(p->err)) != 0) {
		return conf_perr(p, ln, 1, "address: %s or 'dynamic'", p->err);
	} else {
		s->dynamic = false;
	}
	conf_mark(p, kw, ln, 1);
	return 0;
}

/* point-to-point [interface IFNAME] [tunnel-address PREFIX peer ADDR] */
static int
parse_p2p(struct conf_pctx *p, const struct conf_kw *kw,
    const struct conf_line *ln)
{
	struct conf_spoke *s = p->obj;
	size_t i = 1;

	while (i < ln->ntok) {
		const char *w = ln->tok[i].s;

		if (strcmp(w, "interface") == 0) {
			if (i + 1 >= ln->ntok)
				return conf_perr(p, ln, i,
				    "missing name after 'interface'");
			if (conf_check_ifname(ln->tok[i + 1].s, p->err,
				sizeof(p->err)) != 0)
				return conf_perr(p, ln, i + 1, "%s", p->err);
			if (s->p2p_ifname[0] != '\0')
				return conf_perr(p, ln, i,
				    "point-to-point interface given twice");
			snprintf(s->p2p_ifname, sizeof(s->p2p_ifname), "%s",
			    ln->tok[i + 1].s);
			i += 2;
		} else if (strcmp(w, "tunnel-address") == 0) {
			struct conf_prefix pfx;
			struct conf_addr peer;

			if (i + 1 >= ln->ntok)
				return conf_perr(p, ln, i,
				    "missing prefix after 'tunnel-address'");
			if (parse_pfx_peer(p, ln, i + 1, &pfx, &peer) != 0)
				return -EINVAL;
			if (put_family(p, ln, i + 1, pfx.addr.family,
				&s->p2p_tun4_loc, &s->p2p_tun6_loc) != 0)
				return -EINVAL;
			if (pfx.addr.family == AF_INET) {
				s->p2p_tun4 = pfx;
				s->p2p_peer4 = peer;
			} else {
				s->p2p_tun6 = pfx;
				s->p2p_peer6 = peer;
			}
			i += 4;
		} else {
			return conf_perr(p, ln, i,
			    "unexpected '%s' (usage: point-to-point %s)", w,
			    kw->usage);
		}
	}
	s->p2p = true;
	conf_mark(p, kw, ln, 0);
	return 0;
}

/* allow PREFIX [ge N] [le N], FRR ip prefix-list semantics */
static int
parse_allow(struct conf_pctx *p, const struct conf_kw *kw,
    const struct conf_line *ln)
{
	struct conf_spoke *s = p->obj;
	struct conf_allow a;
	unsigned maxlen;
	size_t i;
	int r;

	memset(&a, 0, sizeof(a));
	if (conf_want_args(p, kw, ln, 1, 5) != 0)
		return -EINVAL;
	a.loc = conf_ploc(p, ln, 1);
	if (conf_parse_prefix(ln->tok[1].s, &a.pfx, p->err,
		sizeof(p->err)) != 0)
		return conf_perr(p, ln, 1, "allow: %s", p->err);
	if (conf_prefix_has_host_bits(&a.pfx))
		return host_bits_err(p, ln, 1, "allow", &a.pfx);
	maxlen = a.pfx.addr.family == AF_INET ? 32 : 128;
	for (i = 2; i < ln->ntok; i += 2) {
		const char *w = ln->tok[i].s;
		uint32_t v;
		unsigned *dst;

		if (strcmp(w, "ge") == 0 && a.ge == 0 && a.le == 0)
			dst = &a.ge;
		else if (strcmp(w, "le") == 0 && a.le == 0)
			dst = &a.le;
		else
			return conf_perr(p, ln, i,
			    "unexpected '%s' (usage: allow %s)", w,
			    kw->usage);
		if (i + 1 >= ln->ntok)
			return conf_perr(p, ln, i, "missing length after '%s'", w);
		if (conf_parse_u32(ln->tok[i + 1].s, 1, maxlen, &v, p->err,
			sizeof(p->err)) != 0)
			return conf_perr(p, ln, i + 1, "%s: %s", w, p->err);
		*dst = v;
	}
	/* FRR: len < ge <= le <= maxlen */
	if ((a.ge && a.ge <= a.pfx.len) || (a.le && a.le < a.pfx.len) ||
	    (a.ge && a.le && a.ge > a.le))
		return conf_perr(p, ln, 2,
		    "invalid prefix range for %s: make sure len < ge <= le "
		    "(len %u%s%.0u%s%.0u)", ln->tok[1].s, a.pfx.len,
		    a.ge ? ", ge " : "", a.ge, a.le ? ", le " : "", a.le);
	if ((r = dupidx_add(p, ln, &p->allows, s, (void **)&s->allows,
	    &s->nallows, sizeof(a), offsetof(struct conf_allow, loc), &a,
	    allow_key, "allow", "first allowed here%s")) != 0)
		return r;
	conf_mark(p, kw, ln, 1);
	return 0;
}

/* manual-sa in|out spi SPI cipher C key-file PATH [esn] [replay-window N] */
static int
parse_manual_sa(struct conf_pctx *p, const struct conf_kw *kw,
    const struct conf_line *ln)
{
	struct conf_manual_sa sa, *dst;
	bool in;
	int e;

	memset(&sa, 0, sizeof(sa));
	if (conf_want_args(p, kw, ln, 7, 10) != 0)
		return -EINVAL;
	if (strcmp(ln->tok[1].s, "in") == 0)
		in = true;
	else if (strcmp(ln->tok[1].s, "out") == 0)
		in = false;
	else
		return conf_perr(p, ln, 1, "expected 'in' or 'out', got '%s'",
		    ln->tok[1].s);
	if (strcmp(ln->tok[2].s, "spi") != 0)
		return conf_perr(p, ln, 2, "expected 'spi', got '%s'",
		    ln->tok[2].s);
	/* RFC 4303 2.1: SPI 0 is reserved, 1-255 reserved by IANA */
	if (conf_parse_u32(ln->tok[3].s, 256, UINT32_MAX, &sa.spi, p->err,
		sizeof(p->err)) != 0)
		return conf_perr(p, ln, 3,
		    "spi: %s (0-255 are reserved, RFC 4303 section 2.1)",
		    p->err);
	if (strcmp(ln->tok[4].s, "cipher") != 0)
		return conf_perr(p, ln, 4, "expected 'cipher', got '%s'",
		    ln->tok[4].s);
	if ((e = conf_lookup_enum(conf_cipher_names, ln->tok[5].s)) < 0) {
		char list[256];

		conf_enum_list(conf_cipher_names, list, sizeof(list));
		return conf_perr(p, ln, 5,
		    "unknown cipher '%s' (expected one of: %s)", ln->tok[5].s,
		    list);
	}
	sa.cipher = e;
	if (strcmp(ln->tok[6].s, "key-file") != 0)
		return conf_perr(p, ln, 6, "expected 'key-file', got '%s'",
		    ln->tok[6].s);
	if (conf_check_path(ln->tok[7].s, p->err, sizeof(p->err)) != 0)
		return conf_perr(p, ln, 7, "%s", p->err);
	for (size_t i = 8; i < ln->ntok; i++) {
		if (strcmp(ln->tok[i].s, "esn") == 0 && !sa.esn) {
			sa.esn = true;
		} else if (strcmp(ln->tok[i].s, "replay-window") == 0 &&
		    !sa.replay_set && i + 1 < ln->ntok) {
			i++;
			if (strcmp(ln->tok[i].s, "off") == 0) {
				sa.replay_window = 0;
			} else if (conf_parse_u32(ln->tok[i].s, 64, 4096,
			    &sa.replay_window, p->err, sizeof(p->err)) != 0) {
				return conf_perr(p, ln, i, "replay-window: %s (or 'off')",
				    p->err);
			}
			sa.replay_set = true;
		} else {
			return conf_perr(p, ln, i, "unexpected '%s' (expected 'esn', "
			    "'replay-window N|off' or end of line)", ln->tok[i].s);
		}
	}
	if (sa.esn && !sa.replay_set)
		sa.replay_window = 2048; /* ESN needs the window (RFC 4303 A2) */
	if (sa.esn && sa.replay_window == 0)
		return conf_perr(p, ln, 1, "esn needs an anti-replay window "
		    "(RFC 4303 appendix A2): drop 'replay-window off'");
	sa.set = true;
	sa.loc = conf_ploc(p, ln, 1);
	snprintf(sa.key.path, sizeof(sa.key.path), "%s", ln->tok[7].s);
	sa.key.loc = conf_ploc(p, ln, 7);
	if (p->st == CONF_ST_HUB) {
		struct conf_hub *h = p->obj;
		dst = in ? &h->sa_in : &h->sa_out;
	} else {
		struct conf_spoke *s = p->obj;
		dst = in ? &s->sa_in : &s->sa_out;
	}
	if (dst->set) {
		conf_perr(p, ln, 1, "second manual-sa %s", ln->tok[1].s);
		conf_pnote(p, &dst->loc, "first manual-sa %s here", ln->tok[1].s);
		return -EINVAL;
	}
	*dst = sa;
	conf_mark(p, kw, ln, 1);
	return 0;
}

static int
parse_grekey(struct conf_pctx *p, const struct conf_kw *kw,
    const struct conf_line *ln)
{
	struct conf_opts *o = conf_kw_base(p->obj, p->st, CONF_B_OPTS);

	if (conf_want_args(p, kw, ln, 1, 1) != 0)
		return -EINVAL;
	/* RFC 2890 section 2.1: a 32-bit key */
	if (conf_parse_u32(ln->tok[1].s, 0, UINT32_MAX, &o->gre_key, p->err,
		sizeof(p->err)) != 0)
		return conf_perr(p, ln, 1, "gre-key: %s", p->err);
	o->gre_key_set = true;
	conf_mark(p, kw, ln, 1);
	return 0;
}

#define G CONF_ST_GLOBAL
#define S CONF_ST_SITE
#define H CONF_ST_HUB
#define P CONF_ST_SPOKE
#define OFF(t, f) offsetof(struct t, f), sizeof(((struct t *)0)->f)
#define SPECIAL(name, usage, st, pf, prf)                                      \
	{ name, usage, st, CONF_K_SPECIAL, 0, 0, 0, 0, 0, NULL, false, pf, prf }
#define SPECIALR(name, usage, st, pf, prf)                                     \
	{ name, usage, st, CONF_K_SPECIAL, 0, 0, 0, 0, 0, NULL, true, pf, prf }
#define KW(name, usage, st, kind, base, off, min, max, en)                     \
	{ name, usage, st, kind, base, off, min, max, en, false, NULL, NULL }

/* Row order is print order; at most CONF_KW_MAX - 1 rows. */
const struct conf_kw conf_keywords[] = {
	SPECIALR("include", "GLOB", G, conf_parse_include, NULL),
	KW("user", "NAME", G, CONF_K_NAME, CONF_B_GLOBAL,
	    OFF(conf_global, user), 0, 0, NULL),
	KW("group", "NAME", G, CONF_K_NAME, CONF_B_GLOBAL,
	    OFF(conf_global, group), 0, 0, NULL),
	KW("control-socket", "PATH", G, CONF_K_SOCKPATH, CONF_B_GLOBAL,
	    OFF(conf_global, control_socket), 0, 0, NULL),
	KW("control-group", "NAME", G, CONF_K_NAME, CONF_B_GLOBAL,
	    OFF(conf_global, control_group), 0, 0, NULL),
	SPECIALR("log", "stderr|syslog [FACILITY]|level LEVEL", G, parse_log,
	    conf_print_log),
	SPECIALR("debug", "FLAG", G, parse_debug, conf_print_debug),
	SPECIALR("site", "NAME", G, conf_parse_stanza, NULL),
	SPECIALR("hub", "NAME", G, conf_parse_stanza, NULL),
	SPECIALR("spoke", "NAME", G, conf_parse_stanza, NULL),

	KW("role", "spoke|hub", S, CONF_K_ENUM, CONF_B_SITE,
	    OFF(conf_site, role), 0, 0, conf_role_names + 1),
	KW("router-id", "A.B.C.D", S, CONF_K_ADDR4, CONF_B_SITE,
	    OFF(conf_site, router_id), 0, 0, NULL),
	KW("address", "ADDR", H, CONF_K_ADDR, CONF_B_HUB,
	    OFF(conf_hub, address), 0, 0, NULL),
	SPECIAL("address", "ADDR|dynamic", P, parse_spoke_addr,
	    conf_print_spoke_addr),
	KW("interface", "IFNAME", H, CONF_K_IFNAME, CONF_B_HUB,
	    OFF(conf_hub, ifname), 0, 0, NULL),
	SPECIALR("local-address", "ADDR", S, parse_local, conf_print_local),
	KW("underlay-interface", "IFNAME", S, CONF_K_IFNAME, CONF_B_SITE,
	    OFF(conf_site, underlay_ifname), 0, 0, NULL),
	KW("datapath", "auto|kernel|userspace", S, CONF_K_ENUM, CONF_B_SITE,
	    OFF(conf_site, datapath), 0, 0, datapaths),
	KW("routes", "auto|zebra|kernel", S, CONF_K_ENUM, CONF_B_SITE,
	    OFF(conf_site, routes), 0, 0, routess),
	KW("adjacency", "on|off", S, CONF_K_ENUM, CONF_B_SITE,
	    OFF(conf_site, adjacency), 0, 0, onoffs),
	KW("zebra-socket", "PATH", S, CONF_K_SOCKPATH, CONF_B_SITE,
	    OFF(conf_site, zebra_socket), 0, 0, NULL),
	KW("zebra-version", "auto|8|9|10", S, CONF_K_ENUM, CONF_B_SITE,
	    OFF(conf_site, zebra_version), 0, 0, zversions),
	KW("route-distance", "1-255", S, CONF_K_U32, CONF_B_SITE,
	    OFF(conf_site, route_distance), 1, 255, NULL),
	KW("route-tag", "N", S, CONF_K_U32, CONF_B_SITE,
	    OFF(conf_site, route_tag), 0, UINT32_MAX, NULL),
	KW("route-table", "N", S, CONF_K_U32, CONF_B_SITE,
	    OFF(conf_site, route_table), 1, 0xfffffffeu, NULL),
	KW("kernel-route-protocol", "5-255", S, CONF_K_U32, CONF_B_SITE,
	    OFF(conf_site, kernel_proto), 5, 255, NULL),
	KW("adjacency-port", "1-65535", S, CONF_K_U32, CONF_B_SITE,
	    OFF(conf_site, adj_port), 1, 65535, NULL),
	SPECIALR("graceful-restart", "restart-time 1-3600|helper on|off", S,
	    parse_gr, conf_print_gr),
	KW("multipoint-interface", "IFNAME", S, CONF_K_IFNAME, CONF_B_SITE,
	    OFF(conf_site, mp_ifname), 0, 0, NULL),
	SPECIALR("tunnel-address", "PREFIX", S, parse_tunaddr,
	    conf_print_tunaddr),
	SPECIALR("tunnel-address", "PREFIX peer ADDR", H, parse_tunaddr,
	    conf_print_tunaddr),
	SPECIALR("tunnel-address", "ADDR", P, parse_tunaddr,
	    conf_print_tunaddr),
	SPECIALR("point-to-point",
	    "[interface IFNAME] [tunnel-address PREFIX peer ADDR]", P,
	    parse_p2p, conf_print_p2p),
	KW("cost", "1-65535", H, CONF_K_U32, CONF_B_HUB, OFF(conf_hub, cost),
	    1, 65535, NULL),
	SPECIALR("advertise", "PREFIX|default [metric N]", S, parse_advertise,
	    conf_print_advertise),
	SPECIALR("allow", "PREFIX [ge N] [le N]", P, parse_allow,
	    conf_print_allow),
	KW("max-prefixes", "1-1000000", P, CONF_K_U32, CONF_B_SPOKE,
	    OFF(conf_spoke, max_prefixes), 1, 1000000, NULL),
	SPECIALR("track", "IFNAME", S, parse_track, conf_print_track),
	KW("hello-interval", "DURATION", S | H | P, CONF_K_DUR, CONF_B_OPTS,
	    OFF(conf_opts, hello_ms), 50, 60000, NULL),
	KW("hold-time", "DURATION", S | H | P, CONF_K_DUR, CONF_B_OPTS,
	    OFF(conf_opts, hold_ms), 150, 180000, NULL),
	KW("failback-delay", "DURATION", S | H, CONF_K_DUR, CONF_B_OPTS,
	    OFF(conf_opts, failback_ms), 0, 3600000, NULL),
	KW("nat-keepalive", "DURATION", S, CONF_K_DUR, CONF_B_SITE,
	    OFF(conf_site, nat_keepalive_ms), 1000, 3600000, NULL),
	KW("keying", "ike|manual", H | P, CONF_K_ENUM, CONF_B_OPTS,
	    OFF(conf_opts, keying), 0, 0, keyings),
	SPECIALR("manual-sa",
	    "in|out spi SPI cipher CIPHER key-file PATH [esn] [replay-window N|off]", H | P,
	    parse_manual_sa, conf_print_manual_sa),
	KW("ike-identity", "ID", S | H | P, CONF_K_IDENT, CONF_B_OPTS,
	    OFF(conf_opts, ike_identity), 0, 0, NULL),
	KW("psk-file", "PATH", S | H | P, CONF_K_SECRET, CONF_B_OPTS,
	    OFF(conf_opts, psk), 0, 0, NULL),
	KW("certificate", "PATH", S, CONF_K_PATH, CONF_B_SITE,
	    OFF(conf_site, certificate), 0, 0, NULL),
	KW("private-key", "PATH", S, CONF_K_SECRET, CONF_B_SITE,
	    OFF(conf_site, private_key), 0, 0, NULL),
	KW("ca-certificate", "PATH", S, CONF_K_PATH, CONF_B_SITE,
	    OFF(conf_site, ca_certificate), 0, 0, NULL),
	KW("ike-proposal", "PROPOSAL", S, CONF_K_IKEPROP, CONF_B_SITE,
	    OFF(conf_site, ike_proposal), 0, 0, NULL),
	KW("esp-proposal", "PROPOSAL", S, CONF_K_ESPPROP, CONF_B_SITE,
	    OFF(conf_site, esp_proposal), 0, 0, NULL),
	KW("esp-mode", "transport|tunnel", S | H | P, CONF_K_ENUM,
	    CONF_B_OPTS, OFF(conf_opts, esp_mode), 0, 0, espmodes),
	KW("esp-encap", "auto|raw|udp", S | H | P, CONF_K_ENUM, CONF_B_OPTS,
	    OFF(conf_opts, esp_encap), 0, 0, encaps),
	SPECIAL("authentication", "hmac-sha256 key-id N key-file PATH", S,
	    parse_auth, conf_print_auth),
	SPECIAL("gre-key", "N", S | H | P, parse_grekey, conf_print_grekey),
	KW("gre-checksum", "", S | H | P, CONF_K_FLAG, CONF_B_OPTS,
	    OFF(conf_opts, gre_checksum), 0, 0, NULL),
	KW("mtu", "576-9000", S | H | P, CONF_K_U32, CONF_B_OPTS,
	    OFF(conf_opts, mtu), 576, 9000, NULL),
	KW("mss-clamp", "auto|off|N", S | H | P, CONF_K_MSS, CONF_B_OPTS,
	    OFF(conf_opts, mss_clamp), 536, 8960, NULL),
	KW("shutdown", "", H | P, CONF_K_FLAG, CONF_B_OPTS,
	    OFF(conf_opts, shutdown), 0, 0, NULL),
};
const size_t conf_nkeywords = sizeof(conf_keywords) / sizeof(conf_keywords[0]);

_Static_assert(sizeof(conf_keywords) / sizeof(conf_keywords[0]) <
	CONF_BIT_LOG_LEVEL, "too many keywords for the set masks");
