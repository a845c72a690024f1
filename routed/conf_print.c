/* SPDX-License-Identifier: ISC */
/*
 * DOC: normalized configuration printer
 *
 * `gripd -n -v` prints the configuration as one self-contained file: the
 * includes expanded, the global statements first, then the site stanza, the
 * hub stanzas and the spoke stanzas sorted by name, each stanza's statements
 * in the order of conf_keywords[], every value in its canonical spelling
 * (durations in the largest exact unit, addresses as inet_ntop(3) writes
 * them, one space of indentation, a '!' after every stanza).  Only the
 * settings the input wrote are printed unless CONF_PRINT_DEFAULTS asks for
 * every effective value; either way the output parses back to itself.
 *
 * Secrets are never printed, only the paths of the files holding them.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "conf_priv.h"

static bool
kw_set(const void *obj, int st, const char *name)
{
	uint64_t set = conf_stanza_set(obj, st);

	for (size_t i = 0; i < conf_nkeywords; i++)
		if (strcmp(conf_keywords[i].name, name) == 0 &&
		    (conf_keywords[i].stanzas & (unsigned)st))
			return (set >> i) & 1;
	return false;
}


static const char *
ind(int st)
{
	return st == CONF_ST_GLOBAL ? "" : " ";
}

void
conf_print_log(FILE *f, const void *obj, int st, unsigned flags)
{
	const struct conf_global *g = obj;

	if (kw_set(obj, st, "log") || (flags & CONF_PRINT_DEFAULTS)) {
		if (g->log_dest == CONF_LOG_SYSLOG)
			fprintf(f, "log syslog %s\n", g->log_facility);
		else
			fprintf(f, "log stderr\n");
	}
	if (((g->set >> CONF_BIT_LOG_LEVEL) & 1) ||
	    (flags & CONF_PRINT_DEFAULTS)) {
		static const char *const lv[] = { "error", "warning",
			"notice", "info", "debug" };

		fprintf(f, "log level %s\n", lv[g->log_level]);
	}
}

void
conf_print_debug(FILE *f, const void *obj, int st, unsigned flags)
{
	const struct conf_global *g = obj;

	if (g->debug == CONF_DEBUG_ALL) {
		fprintf(f, "debug all\n");
		return;
	}
	for (int i = 0; conf_debug_names[i] != NULL; i++)
		if (g->debug & (1u << i))
			fprintf(f, "debug %s\n", conf_debug_names[i]);
}

void
conf_print_local(FILE *f, const void *obj, int st, unsigned flags)
{
	const struct conf_site *s = obj;
	char b[64];

	if (s->local4.family) {
		conf_fmt_addr(&s->local4, b, sizeof(b));
		fprintf(f, " local-address %s\n", b);
	}
	if (s->local6.family) {
		conf_fmt_addr(&s->local6, b, sizeof(b));
		fprintf(f, " local-address %s\n", b);
	}
}

void
conf_print_tunaddr(FILE *f, const void *obj, int st, unsigned flags)
{
	char b[64], b2[64];

	if (st == CONF_ST_SITE) {
		const struct conf_site *s = obj;

		for (int i = 0; i < 2; i++) {
			const struct conf_prefix *p =
			    i ? &s->mp_tun6 : &s->mp_tun4;

			if (!p->addr.family)
				continue;
			conf_fmt_prefix(p, b, sizeof(b));
			fprintf(f, " tunnel-address %s\n", b);
		}
	} else if (st == CONF_ST_HUB) {
		const struct conf_hub *h = obj;

		for (int i = 0; i < 2; i++) {
			const struct conf_prefix *p = i ? &h->tun6 : &h->tun4;

			if (!p->addr.family)
				continue;
			conf_fmt_prefix(p, b, sizeof(b));
			conf_fmt_addr(i ? &h->peer6 : &h->peer4, b2,
			    sizeof(b2));
			fprintf(f, " tunnel-address %s peer %s\n", b, b2);
		}
	} else {
		const struct conf_spoke *s = obj;

		for (int i = 0; i < 2; i++) {
			const struct conf_addr *a = i ? &s->tun6 : &s->tun4;

			if (!a->family)
				continue;
			conf_fmt_addr(a, b, sizeof(b));
			fprintf(f, " tunnel-address %s\n", b);
		}
	}
}

void
conf_print_spoke_addr(FILE *f, const void *obj, int st, unsigned flags)
{
	const struct conf_spoke *s = obj;
	char b[64];

	if (s->dynamic) {
		fprintf(f, " address dynamic\n");
	} else if (s->address.family) {
		conf_fmt_addr(&s->address, b, sizeof(b));
		fprintf(f, " address %s\n", b);
	}
}

void
conf_print_p2p(FILE *f, const void *obj, int st, unsigned flags)
{
	const struct conf_spoke *s = obj;
	char def[CONF_IFNAME_MAX], b[64], b2[64];
	bool any = false;

	if (!s->p2p)
		return;
	conf_default_ifname(def, s->name);
	for (int i = 0; i < 2; i++) {
		const struct conf_prefix *p = i ? &s->p2p_tun6 : &s->p2p_tun4;

		if (!p->addr.family)
			continue;
		fprintf(f, " point-to-point");
		if (!any && s->p2p_ifname[0] &&
		    ((flags & CONF_PRINT_DEFAULTS) ||
			strcmp(s->p2p_ifname, def) != 0))
			fprintf(f, " interface %s", s->p2p_ifname);
		conf_fmt_prefix(p, b, sizeof(b));
		conf_fmt_addr(i ? &s->p2p_peer6 : &s->p2p_peer4, b2,
		    sizeof(b2));
		fprintf(f, " tunnel-address %s peer %s\n", b, b2);
		any = true;
	}
	if (!any) {
		fprintf(f, " point-to-point");
		if (s->p2p_ifname[0] && ((flags & CONF_PRINT_DEFAULTS) ||
					    strcmp(s->p2p_ifname, def) != 0))
			fprintf(f, " interface %s", s->p2p_ifname);
		fprintf(f, "\n");
	}
}

void
conf_print_advertise(FILE *f, const void *obj, int st, unsigned flags)
{
	const struct conf_site *s = obj;
	char b[64];

	for (size_t i = 0; i < s->nadverts; i++) {
		const struct conf_advert *a = &s->adverts[i];

		if (a->is_default)
			snprintf(b, sizeof(b), "default");
		else
			conf_fmt_prefix(&a->pfx, b, sizeof(b));
		if (a->metric)
			fprintf(f, " advertise %s metric %u\n", b, a->metric);
		else
			fprintf(f, " advertise %s\n", b);
	}
}

void
conf_print_allow(FILE *f, const void *obj, int st, unsigned flags)
{
	const struct conf_spoke *s = obj;
	char b[64];

	for (size_t i = 0; i < s->nallows; i++) {
		const struct conf_allow *a = &s->allows[i];

		conf_fmt_prefix(&a->pfx, b, sizeof(b));
		fprintf(f, " allow %s", b);
		if (a->ge)
			fprintf(f, " ge %u", a->ge);
		if (a->le)
			fprintf(f, " le %u", a->le);
		fprintf(f, "\n");
	}
}

void
conf_print_track(FILE *f, const void *obj, int st, unsigned flags)
{
	const struct conf_site *s = obj;

	for (size_t i = 0; i < s->ntracks; i++)
		fprintf(f, " track %s\n", s->tracks[i].ifname);
}

void
conf_print_auth(FILE *f, const void *obj, int st, unsigned flags)
{
	const struct conf_site *s = obj;

	if (s->auth_set)
		fprintf(f,
		    " authentication hmac-sha256 key-id %u key-file %s\n",
		    s->auth_key_id, s->auth_key.path);
}

static void
print_sa(FILE *f, const char *dir, const struct conf_manual_sa *sa)
{
	if (!sa->set)
		return;
	char rw[32] = "";

	if (sa->replay_set && sa->replay_window)
		snprintf(rw, sizeof(rw), " replay-window %u", sa->replay_window);
	else if (sa->replay_set)
		snprintf(rw, sizeof(rw), " replay-window off");
	fprintf(f, " manual-sa %s spi 0x%08x cipher %s key-file %s%s%s\n", dir,
	    sa->spi, conf_cipher_names[sa->cipher], sa->key.path,
	    sa->esn ? " esn" : "", rw);
}

void
conf_print_manual_sa(FILE *f, const void *obj, int st, unsigned flags)
{
	if (st == CONF_ST_HUB) {
		const struct conf_hub *h = obj;

		print_sa(f, "in", &h->sa_in);
		print_sa(f, "out", &h->sa_out);
	} else {
		const struct conf_spoke *s = obj;

		print_sa(f, "in", &s->sa_in);
		print_sa(f, "out", &s->sa_out);
	}
}

void
conf_print_grekey(FILE *f, const void *obj, int st, unsigned flags)
{
	const struct conf_opts *o = conf_kw_base((void *)(uintptr_t)obj, st,
	    CONF_B_OPTS);

	if (o->gre_key_set &&
	    (kw_set(obj, st, "gre-key") || (flags & CONF_PRINT_DEFAULTS)))
		fprintf(f, " gre-key %u\n", o->gre_key);
}

void
conf_print_gr(FILE *f, const void *obj, int st, unsigned flags)
{
	const struct conf_site *s = obj;

	if (s->gr_restart_set || (flags & CONF_PRINT_DEFAULTS))
		fprintf(f, " graceful-restart restart-time %u\n",
		    s->gr_restart_s);
	if (s->gr_helper_set || (flags & CONF_PRINT_DEFAULTS))
		fprintf(f, " graceful-restart helper %s\n",
		    s->gr_helper ? "off" : "on");
}

static void
print_generic(FILE *f, const struct conf_kw *kw, const void *obj, int st,
    unsigned flags)
{
	const char *field =
	    (const char *)conf_kw_base((void *)(uintptr_t)obj, st, kw->base) +
	    kw->off;
	bool set = (conf_stanza_set(obj, st) >> (kw - conf_keywords)) & 1;
	char b[64];
	uint32_t u;
	int e;

	if (!set && !(flags & CONF_PRINT_DEFAULTS))
		return;
	if (!set && st == CONF_ST_SITE &&
	    ((const struct conf_site *)obj)->role != CONF_ROLE_HUB &&
	    strcmp(kw->name, "multipoint-interface") == 0)
		return; /* a hub-only default */
	switch (kw->kind) {
	case CONF_K_DUR:
		memcpy(&u, field, sizeof(u));
		conf_fmt_duration(u, b, sizeof(b));
		fprintf(f, "%s%s %s\n", ind(st), kw->name, b);
		break;
	case CONF_K_U32:
		memcpy(&u, field, sizeof(u));
		if (u == 0 && !set)
			break; /* "not set" for mtu and max-prefixes */
		fprintf(f, "%s%s %u\n", ind(st), kw->name, u);
		break;
	case CONF_K_ENUM:
		memcpy(&e, field, sizeof(e));
		if (kw->enums[0] != NULL && strcmp(kw->enums[0], "spoke") == 0)
			e--; /* roles start at CONF_ROLE_SPOKE */
		if (e < 0)
			break;
		fprintf(f, "%s%s %s\n", ind(st), kw->name, kw->enums[e]);
		break;
	case CONF_K_FLAG:
		if (*(const bool *)field)
			fprintf(f, "%s%s\n", ind(st), kw->name);
		break;
	case CONF_K_MSS:
		memcpy(&e, field, sizeof(e));
		if (e == CONF_MSS_AUTO)
			fprintf(f, "%s%s auto\n", ind(st), kw->name);
		else if (e == CONF_MSS_OFF)
			fprintf(f, "%s%s off\n", ind(st), kw->name);
		else
			fprintf(f, "%s%s %d\n", ind(st), kw->name, e);
		break;
	case CONF_K_SECRET:
		field = ((const struct conf_secret *)(const void *)field)->path;
		/* fallthrough */
	case CONF_K_NAME:
	case CONF_K_IFNAME:
	case CONF_K_PATH:
	case CONF_K_SOCKPATH:
	case CONF_K_IDENT:
	case CONF_K_IKEPROP:
	case CONF_K_ESPPROP:
		if (field[0] != '\0')
			fprintf(f, "%s%s %s\n", ind(st), kw->name, field);
		break;
	case CONF_K_ADDR:
	case CONF_K_ADDR4: {
		struct conf_addr a;

		memcpy(&a, field, sizeof(a));
		if (!a.family)
			break;
		conf_fmt_addr(&a, b, sizeof(b));
		fprintf(f, "%s%s %s\n", ind(st), kw->name, b);
		break;
	}
	default:
		break;
	}
}

void
conf_print_stanza(FILE *f, const struct conf *c, int st, const void *obj,
    unsigned flags)
{
	if (st == CONF_ST_SITE)
		fprintf(f, "site %s\n", ((const struct conf_site *)obj)->name);
	else if (st == CONF_ST_HUB)
		fprintf(f, "hub %s\n", ((const struct conf_hub *)obj)->name);
	else if (st == CONF_ST_SPOKE)
		fprintf(f, "spoke %s\n",
		    ((const struct conf_spoke *)obj)->name);
	for (size_t i = 0; i < conf_nkeywords; i++) {
		const struct conf_kw *kw = &conf_keywords[i];

		if (!(kw->stanzas & (unsigned)st))
			continue;
		if (kw->kind == CONF_K_SPECIAL) {
			if (kw->print != NULL)
				kw->print(f, obj, st, flags);
		} else {
			print_generic(f, kw, obj, st, flags);
		}
	}
	if (st != CONF_ST_GLOBAL)
		fprintf(f, "!\n");
}

int
conf_print_flags(const struct conf *c, FILE *f, unsigned flags)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);

	if (m == NULL)
		return -ENOMEM;
	conf_print_stanza(m, c, CONF_ST_GLOBAL, &c->global, flags);
	if (fclose(m) != 0) {
		free(buf);
		return -ENOMEM;
	}
	if (len > 0)
		fprintf(f, "%s!\n", buf);
	free(buf);
	if (c->site != NULL)
		conf_print_stanza(f, c, CONF_ST_SITE, c->site, flags);
	for (size_t i = 0; i < c->nhubs; i++)
		conf_print_stanza(f, c, CONF_ST_HUB, c->hubs[i], flags);
	for (size_t i = 0; i < c->nspokes; i++)
		conf_print_stanza(f, c, CONF_ST_SPOKE, c->spokes[i], flags);
	return ferror(f) ? -EIO : 0;
}

int
conf_print(const struct conf *c, FILE *f)
{
	return conf_print_flags(c, f, 0);
}

const char *
conf_role_name(int role)
{
	return role >= 0 && role <= CONF_ROLE_HUB ? conf_role_names[role] :
						    "?";
}

const char *
conf_cipher_name(int cipher)
{
	return cipher >= 0 && cipher <= CONF_CIPHER_AES256_SHA256 ?
	    conf_cipher_names[cipher] :
	    "?";
}

size_t
conf_cipher_keylen(int cipher)
{
	switch (cipher) {
	case CONF_CIPHER_AES128GCM16:
		return 16 + 4; /* RFC 4106 section 8.1: key + salt */
	case CONF_CIPHER_AES256GCM16:
		return 32 + 4;
	case CONF_CIPHER_CHACHA20POLY1305:
		return 32 + 4; /* RFC 7634 section 2 */
	case CONF_CIPHER_AES128_SHA256:
		return 16 + 32; /* RFC 4868: HMAC-SHA-256-128 key 32 */
	case CONF_CIPHER_AES256_SHA256:
		return 32 + 32;
	default:
		return 0;
	}
}
