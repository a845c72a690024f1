/* SPDX-License-Identifier: ISC */
/*
 * DOC: daemon state and reload
 *
 * A reload (SIGHUP) is atomic: the new configuration is read, parsed,
 * checked and its secret files read completely into a separate struct
 * conf.  Only when that has no error is the difference computed
 * (conf_diff) and applied stanza by stanza; otherwise every diagnostic is
 * logged and the running configuration stays exactly as it was.  Applying
 * touches only what changed: an unchanged hub or spoke keeps its peer
 * object, its tunnel and its timers.
 *
 * Settings that need the privileges gripd dropped at start (user, group,
 * control-socket path) cannot change on reload; a change there is logged
 * as a warning and takes effect at the next restart.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include <gripd/log.h>

#include "daemon.h"

static struct peer *
peer_new(enum peer_kind kind, const char *name, const void *obj, uint64_t now)
{
	struct peer *p = calloc(1, sizeof(*p));

	if (p == NULL)
		return NULL;
	p->kind = kind;
	snprintf(p->name, sizeof(p->name), "%s", name);
	if (kind == PEER_HUB)
		p->hub = obj;
	else
		p->spoke = obj;
	p->created_ms = now;
	return p;
}

struct peer *
gripd_peer_find(struct gripd *d, const char *name)
{
	for (struct peer *p = d->peers; p; p = p->next)
		if (strcmp(p->name, name) == 0)
			return p;
	return NULL;
}

const char *
peer_kind_name(enum peer_kind k)
{
	return k == PEER_HUB ? "hub" : "spoke";
}

/* Keeps the list sorted by name, as `show` prints it. */
static void
peer_insert(struct gripd *d, struct peer *p)
{
	struct peer **pp = &d->peers;

	while (*pp && strcmp((*pp)->name, p->name) < 0)
		pp = &(*pp)->next;
	p->next = *pp;
	*pp = p;
}

static void
peer_remove(struct gripd *d, struct peer *p)
{
	for (struct peer **pp = &d->peers; *pp; pp = &(*pp)->next)
		if (*pp == p) {
			*pp = p->next;
			break;
		}
	free(p);
}

void
gripd_free_peers(struct gripd *d)
{
	while (d->peers) {
		struct peer *p = d->peers;
		d->peers = p->next;
		free(p);
	}
}

int
gripd_apply_initial(struct gripd *d, uint64_t now)
{
	for (size_t i = 0; i < d->conf->nhubs; i++) {
		struct peer *p = peer_new(PEER_HUB, d->conf->hubs[i]->name,
		    d->conf->hubs[i], now);
		if (p == NULL)
			return -ENOMEM;
		peer_insert(d, p);
		log_info("hub %s: configured (interface %s)", p->name,
		    p->hub->ifname);
	}
	for (size_t i = 0; i < d->conf->nspokes; i++) {
		struct peer *p = peer_new(PEER_SPOKE, d->conf->spokes[i]->name,
		    d->conf->spokes[i], now);
		if (p == NULL)
			return -ENOMEM;
		peer_insert(d, p);
		log_info("spoke %s: configured", p->name);
	}
	return 0;
}

static const int syslog_facilities[][2] = {
	{ LOG_DAEMON, 0 }, { LOG_LOCAL0, 0 }, { LOG_LOCAL1, 0 },
	{ LOG_LOCAL2, 0 }, { LOG_LOCAL3, 0 }, { LOG_LOCAL4, 0 },
	{ LOG_LOCAL5, 0 }, { LOG_LOCAL6, 0 }, { LOG_LOCAL7, 0 },
	{ LOG_USER, 0 },
};
static const char *const facility_names[] = { "daemon", "local0", "local1",
	"local2", "local3", "local4", "local5", "local6", "local7", "user" };

static int
facility_by_name(const char *name)
{
	for (size_t i = 0; i < sizeof(facility_names) / sizeof(*facility_names); i++)
		if (strcmp(name, facility_names[i]) == 0)
			return syslog_facilities[i][0];
	return LOG_DAEMON;
}

void
gripd_apply_logging(struct gripd *d)
{
	const struct conf_global *g = &d->conf->global;

	/* Foreground means stderr unless the file asks for syslog; a
	 * daemon has no stderr, so it always logs to syslog. */
	if (!d->foreground || g->log_dest == CONF_LOG_SYSLOG)
		log_open_syslog("gripd", facility_by_name(g->log_facility[0] ?
		    g->log_facility : "daemon"));
	else
		log_open_stderr();
	log_set_level(d->debug ? LOG_LVL_DEBUG : (enum log_level)g->log_level);
	/* conf_debug bits are defined to match log_module bits. */
	log_set_debug(LOGM_ALL, false);
	log_set_debug(d->debug ? LOGM_ALL : (g->debug & LOGM_ALL), true);
}

struct reload_change {
	enum conf_obj obj;
	enum conf_change ch;
	char name[CONF_NAME_MAX];
	bool soft; /* only the cost of a hub changed */
};

static bool
addr_eq(const struct conf_addr *a, const struct conf_addr *b)
{
	return a->family == b->family && memcmp(a->a, b->a, 16) == 0;
}

static bool
pfx_eq(const struct conf_prefix *a, const struct conf_prefix *b)
{
	return addr_eq(&a->addr, &b->addr) && a->len == b->len;
}

static bool
secret_eq(const struct conf_secret *a, const struct conf_secret *b)
{
	return a->len == b->len && (a->len == 0 ||
	    (a->data && b->data && memcmp(a->data, b->data, a->len) == 0));
}

static bool
sa_eq(const struct conf_manual_sa *a, const struct conf_manual_sa *b)
{
	return a->set == b->set && a->spi == b->spi && a->cipher == b->cipher &&
	    a->esn == b->esn && a->replay_window == b->replay_window &&
	    secret_eq(&a->key, &b->key);
}

static bool
opts_eq(const struct conf_opts *a, const struct conf_opts *b)
{
	return a->hello_ms == b->hello_ms && a->hold_ms == b->hold_ms &&
	    a->gre_key_set == b->gre_key_set && a->gre_key == b->gre_key &&
	    a->gre_checksum == b->gre_checksum && a->mtu == b->mtu &&
	    a->mss_clamp == b->mss_clamp && a->keying == b->keying &&
	    a->esp_mode == b->esp_mode && a->esp_encap == b->esp_encap &&
	    a->shutdown == b->shutdown &&
	    strcmp(a->ike_identity, b->ike_identity) == 0 &&
	    secret_eq(&a->psk, &b->psk);
}

/* True when two hub stanzas differ at most in cost (and failback-delay). */
static bool
hub_soft_change(const struct conf_hub *a, const struct conf_hub *b)
{
	struct conf_opts oa = a->opts, ob = b->opts;

	oa.failback_ms = ob.failback_ms = 0;
	return addr_eq(&a->address, &b->address) &&
	    strcmp(a->ifname, b->ifname) == 0 && pfx_eq(&a->tun4, &b->tun4) &&
	    pfx_eq(&a->tun6, &b->tun6) && addr_eq(&a->peer4, &b->peer4) &&
	    addr_eq(&a->peer6, &b->peer6) && sa_eq(&a->sa_in, &b->sa_in) &&
	    sa_eq(&a->sa_out, &b->sa_out) && opts_eq(&oa, &ob);
}

struct reload_ctx {
	struct gripd *d;
	struct reload_change *v;
	size_t n, cap;
	bool global_restart_needed;
	int err;
};

static void
reload_cb(void *arg, enum conf_obj obj, enum conf_change ch, const char *name,
    const void *oldobj, const void *newobj)
{
	struct reload_ctx *rc = arg;

	if (obj == CONF_OBJ_GLOBAL) {
		const struct conf_global *o = oldobj, *n = newobj;
		if (strcmp(o->user, n->user) != 0 ||
		    strcmp(o->group, n->group) != 0 ||
		    strcmp(o->control_socket, n->control_socket) != 0 ||
		    strcmp(o->control_group, n->control_group) != 0)
			rc->global_restart_needed = true;
	}
	if (rc->n == rc->cap) {
		size_t cap = rc->cap ? rc->cap * 2 : 16;
		struct reload_change *v = realloc(rc->v, cap * sizeof(*v));
		if (v == NULL) {
			rc->err = -ENOMEM;
			return;
		}
		rc->v = v;
		rc->cap = cap;
	}
	rc->v[rc->n].obj = obj;
	rc->v[rc->n].ch = ch;
	rc->v[rc->n].soft = obj == CONF_OBJ_HUB && ch == CONF_CHANGED &&
	    hub_soft_change(oldobj, newobj);
	snprintf(rc->v[rc->n].name, sizeof(rc->v[rc->n].name), "%s", name ? name : "");
	rc->n++;
}

/* Points every peer at its stanza in the (new) running configuration. */
static void
rebind_peers(struct gripd *d)
{
	for (struct peer *p = d->peers; p; p = p->next) {
		p->hub = NULL;
		p->spoke = NULL;
		for (size_t i = 0; i < d->conf->nhubs; i++)
			if (p->kind == PEER_HUB &&
			    strcmp(d->conf->hubs[i]->name, p->name) == 0)
				p->hub = d->conf->hubs[i];
		for (size_t i = 0; i < d->conf->nspokes; i++)
			if (p->kind == PEER_SPOKE &&
			    strcmp(d->conf->spokes[i]->name, p->name) == 0)
				p->spoke = d->conf->spokes[i];
	}
}

static enum peer_kind
obj_kind(enum conf_obj obj)
{
	return obj == CONF_OBJ_HUB ? PEER_HUB : PEER_SPOKE;
}

/* The whole configuration as gripd -n -v prints it (malloc'd), or NULL. */
static char *
conf_text(const struct conf *c)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (f == NULL)
		return NULL;
	if (conf_print(c, f) < 0) {
		fclose(f);
		free(buf);
		return NULL;
	}
	fclose(f);
	return buf;
}

/* What a site change may touch without restarting a tunnel. */
enum {
	SITE_SOFT_GR = 1,	 /* graceful-restart settings */
	SITE_SOFT_ADVERTISE = 2, /* advertise lines: a new UPDATE */
};

static bool
adverts_equal(const struct conf_site *a, const struct conf_site *b)
{
	if (a->nadverts != b->nadverts)
		return false;
	for (size_t i = 0; i < a->nadverts; i++) {
		const struct conf_advert *x = &a->adverts[i], *y = &b->adverts[i];

		if (x->is_default != y->is_default || x->metric != y->metric ||
		    x->pfx.addr.family != y->pfx.addr.family ||
		    x->pfx.len != y->pfx.len ||
		    memcmp(x->pfx.addr.a, y->pfx.addr.a, 16) != 0)
			return false;
	}
	return true;
}

/*
 * When the new configuration differs from the running one only in the
 * site's graceful-restart settings and/or its advertise lines, which SITE_SOFT_*
 * changed; 0 when anything else in it changed too.  The graceful-restart
 * settings are read by the adjacencies when they act, and a new advertised
 * set goes out as an UPDATE: no tunnel needs to restart for either.
 */
static unsigned
site_soft_change(const struct conf *old, struct conf *nc)
{
	struct conf_site *s = nc->site, saved;
	const struct conf_site *o = old->site;
	unsigned what = 0;
	char *a, *b;
	bool same;

	if (s == NULL || o == NULL)
		return 0;
	if (s->gr_restart_s != o->gr_restart_s || s->gr_helper != o->gr_helper ||
	    s->gr_restart_set != o->gr_restart_set ||
	    s->gr_helper_set != o->gr_helper_set)
		what |= SITE_SOFT_GR;
	if (!adverts_equal(s, o))
		what |= SITE_SOFT_ADVERTISE;
	if (what == 0)
		return 0;
	/* the rest must print the same */
	saved = *s;
	s->gr_restart_s = o->gr_restart_s;
	s->gr_helper = o->gr_helper;
	s->gr_restart_set = o->gr_restart_set;
	s->gr_helper_set = o->gr_helper_set;
	s->adverts = o->adverts;
	s->nadverts = o->nadverts;
	a = conf_text(old);
	b = conf_text(nc);
	*s = saved;
	same = a != NULL && b != NULL && strcmp(a, b) == 0;
	free(a);
	free(b);
	return same ? what : 0;
}

/*
 * Applies the recorded changes: first everything that goes away is torn
 * down against the old configuration, then the new one becomes the
 * running one and what is new or changed is brought up.  A changed site
 * restarts every tunnel (its addresses and defaults are theirs).
 */
static void
apply_changes(struct gripd *d, struct conf *nc, struct reload_ctx *rc,
    uint64_t now)
{
	bool site_changed = false;
	unsigned soft = 0;

	for (size_t i = 0; i < rc->n; i++)
		if (rc->v[i].obj == CONF_OBJ_SITE)
			site_changed = true;
	if (site_changed && (soft = site_soft_change(d->conf, nc)) != 0)
		site_changed = false;
	if (site_changed) {
		log_info("site %s: changed, restarting every tunnel",
		    nc->site ? nc->site->name : "-");
		gripd_routing_stop(d);
		gripd_dp_stop(d);
	}
	for (size_t i = 0; i < rc->n; i++) {
		struct reload_change *c = &rc->v[i];
		if (c->obj != CONF_OBJ_HUB && c->obj != CONF_OBJ_SPOKE)
			continue;
		struct peer *p = gripd_peer_find(d, c->name);
		if (p == NULL || c->ch == CONF_ADDED || c->soft)
			continue;
		peer_stop(d, p);
		if (c->ch == CONF_REMOVED) {
			log_info("%s %s: removed", peer_kind_name(p->kind), c->name);
			peer_remove(d, p);
		}
	}

	struct conf *old = d->conf;
	d->conf = nc;
	rebind_peers(d);
	conf_free(old);

	for (size_t i = 0; i < rc->n; i++) {
		struct reload_change *c = &rc->v[i];
		if (c->obj != CONF_OBJ_HUB && c->obj != CONF_OBJ_SPOKE)
			continue;
		struct peer *p = gripd_peer_find(d, c->name);
		if (c->ch == CONF_ADDED) {
			const void *obj = NULL;
			for (size_t k = 0; k < nc->nhubs && c->obj == CONF_OBJ_HUB; k++)
				if (strcmp(nc->hubs[k]->name, c->name) == 0)
					obj = nc->hubs[k];
			for (size_t k = 0; k < nc->nspokes && c->obj == CONF_OBJ_SPOKE; k++)
				if (strcmp(nc->spokes[k]->name, c->name) == 0)
					obj = nc->spokes[k];
			if (obj == NULL || (p = peer_new(obj_kind(c->obj), c->name,
			    obj, now)) == NULL)
				continue;
			peer_insert(d, p);
			log_info("%s %s: added", peer_kind_name(p->kind), c->name);
			if (!site_changed)
				peer_start(d, p, now);
		} else if (c->ch == CONF_CHANGED && p != NULL) {
			p->changed_ms = now;
			p->reconfigs++;
			if (c->soft && !site_changed) {
				log_info("%s %s: changed, cost now %u (tunnel and "
					 "adjacency kept)", peer_kind_name(p->kind),
				    c->name, p->hub->cost);
				adjd_peer_recost(d, p, now);
				continue;
			}
			log_info("%s %s: changed, reconfigured",
			    peer_kind_name(p->kind), c->name);
			if (!site_changed)
				peer_start(d, p, now);
		}
	}
	if (soft & SITE_SOFT_GR) {
		const struct conf_site *st = d->conf->site;
		for (struct peer *p = d->peers; p; p = p->next)
			adj_set_graceful_restart(&p->adj, st->gr_helper == 0,
			    (uint16_t)st->gr_restart_s);
		log_info("site %s: graceful-restart changed (restart time %u s, "
			 "helper %s); tunnels and adjacencies kept", st->name,
		    st->gr_restart_s, st->gr_helper == 0 ? "on" : "off");
	}
	if (soft & SITE_SOFT_ADVERTISE)
		log_info("site %s: advertised prefixes changed (%zu lines); "
			 "tunnels and adjacencies kept, a new UPDATE goes out",
		    d->conf->site->name, d->conf->site->nadverts);
	if (site_changed && gripd_dp_open(d) == 0 && gripd_dp_start(d, now) == 0)
		gripd_routing_start(d, now);
	else if (!site_changed)
		adjd_advertise(d, now); /* e.g. the site's advertise lines */
}

int
gripd_reload(struct gripd *d, uint64_t now)
{
	struct conf_diag_list diags;
	struct conf *nc = NULL;
	int r;

	conf_diag_init(&diags);
	log_notice("config: reloading %s", d->conf_path);
	r = conf_load(d->conf_path, &nc, &diags);
	if (r < 0 || nc == NULL) {
		d->counters.reload_failures++;
		for (size_t i = 0; i < diags.n; i++)
			log_err("%s", diags.msgs[i]);
		snprintf(d->last_reload_error, sizeof(d->last_reload_error),
		    "%s", diags.n ? diags.msgs[0] : strerror(-r));
		log_err("config: reload failed with %u error(s); keeping the "
			"running configuration", diags.errors ? diags.errors : 1);
		conf_diag_free(&diags);
		conf_free(nc);
		return -EINVAL;
	}
	for (size_t i = 0; i < diags.n; i++)
		log_warn("%s", diags.msgs[i]);
	conf_diag_free(&diags);

	struct reload_ctx rc = { .d = d };
	r = conf_diff(d->conf, nc, reload_cb, &rc);
	if (r < 0 || rc.err < 0) {
		d->counters.reload_failures++;
		log_err("config: reload failed: %s; keeping the running "
			"configuration", strerror(ENOMEM));
		free(rc.v);
		conf_free(nc);
		return -ENOMEM;
	}
	if (rc.global_restart_needed)
		log_warn("config: user, group and control-socket changes "
			 "take effect at the next restart");
	apply_changes(d, nc, &rc, now);
	free(rc.v);
	gripd_apply_logging(d);
	d->conf_loaded_ms = now;
	d->counters.reloads++;
	d->last_reload_error[0] = '\0';
	log_notice("config: reloaded, %zu stanza(s) changed", rc.n);
	return 0;
}
