/* SPDX-License-Identifier: ISC */
/*
 * DOC: configuration diff for reload
 *
 * On SIGHUP the daemon loads the new configuration completely (a config with
 * any error is thrown away and the running one stays) and then asks
 * conf_diff() what changed, so it touches only those stanzas: a hub whose
 * hold-time changed gets new timers, the other tunnels keep their SAs and
 * adjacencies.
 *
 * Two stanzas are compared by their normalized text with every effective
 * value (CONF_PRINT_DEFAULTS), which already accounts for inheritance: a
 * changed site hello-interval also changes every hub that inherits it.  The
 * content of every secret file is compared as well, so replacing a PSK file
 * without touching the configuration is a change of the stanzas using it.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "conf_priv.h"

static char *
stanza_text(const struct conf *c, int st, const void *obj)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (f == NULL)
		return NULL;
	conf_print_stanza(f, c, st, obj, CONF_PRINT_DEFAULTS);
	if (fclose(f) != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

static bool
secret_eq(const struct conf_secret *a, const struct conf_secret *b)
{
	return a->len == b->len &&
	    (a->len == 0 || memcmp(a->data, b->data, a->len) == 0);
}

static bool
secrets_eq(int st, const void *a, const void *b)
{
	if (st == CONF_ST_SITE) {
		const struct conf_site *x = a, *y = b;

		return secret_eq(&x->opts.psk, &y->opts.psk) &&
		    secret_eq(&x->private_key, &y->private_key) &&
		    secret_eq(&x->auth_key, &y->auth_key);
	}
	if (st == CONF_ST_HUB) {
		const struct conf_hub *x = a, *y = b;

		return secret_eq(&x->opts.psk, &y->opts.psk) &&
		    secret_eq(&x->sa_in.key, &y->sa_in.key) &&
		    secret_eq(&x->sa_out.key, &y->sa_out.key);
	}
	if (st == CONF_ST_SPOKE) {
		const struct conf_spoke *x = a, *y = b;

		return secret_eq(&x->opts.psk, &y->opts.psk) &&
		    secret_eq(&x->sa_in.key, &y->sa_in.key) &&
		    secret_eq(&x->sa_out.key, &y->sa_out.key);
	}
	return true;
}

/* 1 changed, 0 same, -ENOMEM */
static int
changed(const struct conf *oc, const struct conf *nc, int st, const void *a,
    const void *b)
{
	char *ta = stanza_text(oc, st, a), *tb = stanza_text(nc, st, b);
	int r;

	if (ta == NULL || tb == NULL)
		r = -ENOMEM;
	else
		r = strcmp(ta, tb) != 0 || !secrets_eq(st, a, b);
	free(ta);
	free(tb);
	return r;
}

static const char *
obj_name(int st, const void *o)
{
	if (st == CONF_ST_HUB)
		return ((const struct conf_hub *)o)->name;
	if (st == CONF_ST_SPOKE)
		return ((const struct conf_spoke *)o)->name;
	return ((const struct conf_site *)o)->name;
}

static int
diff_list(const struct conf *oc, const struct conf *nc, int st,
    enum conf_obj kind, void *const *ov, size_t on, void *const *nv,
    size_t nn,
    void (*cb)(void *, enum conf_obj, enum conf_change, const char *,
	const void *, const void *),
    void *arg)
{
	size_t i, j;
	int r;

	for (i = 0; i < on; i++) {
		for (j = 0; j < nn; j++)
			if (strcmp(obj_name(st, ov[i]), obj_name(st, nv[j])) ==
			    0)
				break;
		if (j == nn) {
			cb(arg, kind, CONF_REMOVED, obj_name(st, ov[i]), ov[i],
			    NULL);
			continue;
		}
		if ((r = changed(oc, nc, st, ov[i], nv[j])) < 0)
			return r;
		if (r)
			cb(arg, kind, CONF_CHANGED, obj_name(st, ov[i]), ov[i],
			    nv[j]);
	}
	for (j = 0; j < nn; j++) {
		for (i = 0; i < on; i++)
			if (strcmp(obj_name(st, ov[i]), obj_name(st, nv[j])) ==
			    0)
				break;
		if (i == on)
			cb(arg, kind, CONF_ADDED, obj_name(st, nv[j]), NULL,
			    nv[j]);
	}
	return 0;
}

int
conf_diff(const struct conf *oc, const struct conf *nc,
    void (*cb)(void *arg, enum conf_obj, enum conf_change, const char *name,
	const void *oldobj, const void *newobj),
    void *arg)
{
	void *os[1], *ns[1];
	int r;

	if ((r = changed(oc, nc, CONF_ST_GLOBAL, &oc->global, &nc->global)) <
	    0)
		return r;
	if (r)
		cb(arg, CONF_OBJ_GLOBAL, CONF_CHANGED, "global", &oc->global,
		    &nc->global);
	os[0] = oc->site;
	ns[0] = nc->site;
	r = diff_list(oc, nc, CONF_ST_SITE, CONF_OBJ_SITE, os,
	    oc->site != NULL, ns, nc->site != NULL, cb, arg);
	if (r != 0)
		return r;
	r = diff_list(oc, nc, CONF_ST_HUB, CONF_OBJ_HUB,
	    (void *const *)oc->hubs, oc->nhubs, (void *const *)nc->hubs,
	    nc->nhubs, cb, arg);
	if (r != 0)
		return r;
	return diff_list(oc, nc, CONF_ST_SPOKE, CONF_OBJ_SPOKE,
	    (void *const *)oc->spokes, oc->nspokes, (void *const *)nc->spokes,
	    nc->nspokes, cb, arg);
}

const char *
conf_obj_name(enum conf_obj o)
{
	static const char *const n[] = { "global", "site", "hub", "spoke" };

	return (unsigned)o < 4 ? n[o] : "?";
}

const char *
conf_change_name(enum conf_change c)
{
	static const char *const n[] = { "added", "removed", "changed" };

	return (unsigned)c < 3 ? n[c] : "?";
}
