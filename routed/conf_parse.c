/* SPDX-License-Identifier: ISC */
/*
 * DOC: configuration parser (first pass)
 *
 * The language is FRR/IOS-like: a keyword at column 1 is a global statement
 * or opens a stanza (site, hub, spoke); indented lines belong to the open
 * stanza; a column-1 '!', an 'exit' line or the next column-1 keyword closes
 * it.  Every keyword is one row of conf_keywords[] (conf_keywords.c):
 * where it is allowed, how its value is parsed and where it is stored.
 * Most rows are generic and parsed here (parse_generic: a duration, a
 * number in a range, one of some words, a path, ...); the rest name a parse
 * function in conf_keywords.c and a print function in conf_print.c.  The
 * row index is the keyword's bit in the stanza's `set` mask and its slot in
 * `at[]` (where it was written), which the printer, the duplicate check and
 * the second pass use.  This file is the rest of the parser: lines to
 * stanzas, diagnostics, the generic values, and the entry points.
 *
 * The parser is pure: it never opens a file.  include lines are recorded for
 * the loading layer (conf_load.c), secret file paths are stored for it to
 * read.  After any error it reports, it skips to the next line, so a file
 * with ten mistakes gets ten diagnostics in one run.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "conf_priv.h"

static const char *
stanza_name(int st)
{
	switch (st) {
	case CONF_ST_SITE:
		return "site";
	case CONF_ST_HUB:
		return "hub";
	case CONF_ST_SPOKE:
		return "spoke";
	default:
		return "global";
	}
}

struct conf_loc
conf_ploc(const struct conf_pctx *p, const struct conf_line *ln, size_t tok)
{
	struct conf_loc l = { p->file, ln->lineno,
		tok < ln->ntok ? ln->tok[tok].col : 1 };
	return l;
}

int
conf_perr(struct conf_pctx *p, const struct conf_line *ln, size_t tok,
    const char *fmt, ...)
{
	struct conf_loc l = conf_ploc(p, ln, tok);
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (conf_diag(p->d, CONF_ERROR, &l, "%s", msg) != 0)
		p->ret = -ENOMEM;
	return -EINVAL;
}

void
conf_pnote(struct conf_pctx *p, const struct conf_loc *l, const char *fmt,
    const char *arg)
{
	if (conf_diag(p->d, CONF_NOTE, l, fmt, arg) != 0)
		p->ret = -ENOMEM;
}

int
conf_lookup_enum(const char *const *names, const char *s)
{
	for (int i = 0; names[i] != NULL; i++)
		if (strcmp(names[i], s) == 0)
			return i;
	return -1;
}

void
conf_enum_list(const char *const *names, char *buf, size_t len)
{
	size_t o = 0;

	buf[0] = '\0';
	for (int i = 0; names[i] != NULL && o < len; i++)
		o += (size_t)snprintf(buf + o, len - o, "%s%s", i ? ", " : "",
		    names[i]);
}

static struct conf_global *
obj_global(void *obj, int st)
{
	return st == CONF_ST_GLOBAL ? obj : NULL;
}

static uint64_t *
set_ptr(void *obj, int st)
{
	switch (st) {
	case CONF_ST_GLOBAL:
		return &obj_global(obj, st)->set;
	case CONF_ST_SITE:
		return &((struct conf_site *)obj)->set;
	case CONF_ST_HUB:
		return &((struct conf_hub *)obj)->set;
	default:
		return &((struct conf_spoke *)obj)->set;
	}
}

static struct conf_loc *
at_ptr(void *obj, int st)
{
	switch (st) {
	case CONF_ST_GLOBAL:
		return ((struct conf_global *)obj)->at;
	case CONF_ST_SITE:
		return ((struct conf_site *)obj)->at;
	case CONF_ST_HUB:
		return ((struct conf_hub *)obj)->at;
	default:
		return ((struct conf_spoke *)obj)->at;
	}
}

uint64_t
conf_stanza_set(const void *stanza, int st)
{
	return *set_ptr((void *)(uintptr_t)stanza, st);
}

void *
conf_kw_base(void *stanza, int st, int base)
{
	if (base != CONF_B_OPTS)
		return stanza;
	switch (st) {
	case CONF_ST_SITE:
		return &((struct conf_site *)stanza)->opts;
	case CONF_ST_HUB:
		return &((struct conf_hub *)stanza)->opts;
	case CONF_ST_SPOKE:
		return &((struct conf_spoke *)stanza)->opts;
	default:
		return NULL;
	}
}

static size_t
kw_index(const struct conf_kw *kw)
{
	return (size_t)(kw - conf_keywords);
}

/* Exactly n..m arguments after the keyword, else an error with the usage. */
int
conf_want_args(struct conf_pctx *p, const struct conf_kw *kw,
    const struct conf_line *ln, size_t min, size_t max)
{
	size_t n = ln->ntok - 1;

	if (n < min)
		return conf_perr(p, ln, ln->ntok - 1,
		    "missing value for '%s' (usage: %s %s)", kw->name,
		    kw->name, kw->usage);
	if (n > max)
		return conf_perr(p, ln, max + 1,
		    "unexpected '%s' after '%s' (usage: %s%s%s)",
		    ln->tok[max + 1].s, kw->name, kw->name,
		    kw->usage[0] ? " " : "", kw->usage);
	return 0;
}

void
conf_mark(struct conf_pctx *p, const struct conf_kw *kw,
    const struct conf_line *ln, size_t tok)
{
	size_t i = kw_index(kw);

	*set_ptr(p->obj, p->st) |= (uint64_t)1 << i;
	at_ptr(p->obj, p->st)[i] = conf_ploc(p, ln, tok);
}

static int
parse_generic(struct conf_pctx *p, const struct conf_kw *kw,
    const struct conf_line *ln)
{
	char *base = conf_kw_base(p->obj, p->st, kw->base);
	void *field = base + kw->off;
	const char *v = ln->ntok > 1 ? ln->tok[1].s : "";
	char list[256];
	int r = 0;

	if (kw->kind == CONF_K_FLAG) {
		if (conf_want_args(p, kw, ln, 0, 0) != 0)
			return -EINVAL;
		*(bool *)field = true;
		conf_mark(p, kw, ln, 0);
		return 0;
	}
	if (conf_want_args(p, kw, ln, 1, 1) != 0)
		return -EINVAL;
	switch (kw->kind) {
	case CONF_K_DUR:
		if (conf_parse_duration(v, kw->min, kw->max, field, p->err,
			sizeof(p->err)) != 0)
			return conf_perr(p, ln, 1, "%s: %s", kw->name, p->err);
		break;
	case CONF_K_U32:
		if (conf_parse_u32(v, kw->min, kw->max, field, p->err,
			sizeof(p->err)) != 0)
			return conf_perr(p, ln, 1, "%s: %s", kw->name, p->err);
		break;
	case CONF_K_ENUM: {
		int e = conf_lookup_enum(kw->enums, v);

		if (e < 0) {
			conf_enum_list(kw->enums, list, sizeof(list));
			return conf_perr(p, ln, 1,
			    "invalid value '%s' for '%s' (expected one of: "
			    "%s)", v, kw->name, list);
		}
		/* role's names start at CONF_ROLE_SPOKE (after "none") */
		*(int *)field = kw->enums == conf_role_names + 1 ? e + 1 : e;
		break;
	}
	case CONF_K_MSS: {
		uint32_t n;

		if (strcmp(v, "auto") == 0) {
			*(int *)field = CONF_MSS_AUTO;
		} else if (strcmp(v, "off") == 0) {
			*(int *)field = CONF_MSS_OFF;
		} else if (conf_parse_u32(v, kw->min, kw->max, &n, p->err,
			       sizeof(p->err)) == 0) {
			*(int *)field = (int)n;
		} else {
			return conf_perr(p, ln, 1,
			    "invalid mss-clamp '%s' (expected auto, off or a "
			    "number %u..%u)", v, kw->min, kw->max);
		}
		break;
	}
	case CONF_K_NAME:
		r = conf_check_name(v, p->err, sizeof(p->err));
		break;
	case CONF_K_IFNAME:
		r = conf_check_ifname(v, p->err, sizeof(p->err));
		break;
	case CONF_K_PATH:
	case CONF_K_SECRET:
		r = conf_check_path(v, p->err, sizeof(p->err));
		break;
	case CONF_K_SOCKPATH:
		if (v[0] != '/')
			return conf_perr(p, ln, 1,
			    "%s '%s' must be an absolute path", kw->name, v);
		if (strlen(v) > 107)
			return conf_perr(p, ln, 1,
			    "%s '%s' too long for a unix socket (at most 107 "
			    "bytes)", kw->name, v);
		break;
	case CONF_K_IDENT:
		r = conf_check_identity(v, p->err, sizeof(p->err));
		break;
	case CONF_K_IKEPROP:
	case CONF_K_ESPPROP:
		r = conf_check_proposal(v, kw->kind == CONF_K_IKEPROP, p->err,
		    sizeof(p->err));
		break;
	case CONF_K_ADDR:
	case CONF_K_ADDR4:
		r = conf_parse_addr(v,
		    kw->kind == CONF_K_ADDR4 ? AF_INET : 0, field, p->err,
		    sizeof(p->err));
		if (r != 0)
			return conf_perr(p, ln, 1, "%s: %s", kw->name, p->err);
		break;
	default:
		break;
	}
	if (r != 0)
		return conf_perr(p, ln, 1, "%s", p->err);
	switch (kw->kind) {
	case CONF_K_NAME:
	case CONF_K_IFNAME:
	case CONF_K_PATH:
	case CONF_K_SOCKPATH:
	case CONF_K_IDENT:
	case CONF_K_IKEPROP:
	case CONF_K_ESPPROP:
		if (strlen(v) >= kw->size)
			return conf_perr(p, ln, 1, "'%s' too long for %s", v,
			    kw->name);
		snprintf(field, kw->size, "%s", v);
		break;
	case CONF_K_SECRET: {
		struct conf_secret *sec = field;

		snprintf(sec->path, sizeof(sec->path), "%s", v);
		sec->loc = conf_ploc(p, ln, 1);
		break;
	}
	default:
		break;
	}
	conf_mark(p, kw, ln, 1);
	return 0;
}

static void
close_stanza(struct conf_pctx *p)
{
	if (p->scratch != NULL) {
		if (p->st == CONF_ST_SITE) {
			struct conf_site *s = p->scratch;

			free(s->adverts);
			free(s->tracks);
		} else if (p->st == CONF_ST_SPOKE) {
			free(((struct conf_spoke *)p->scratch)->allows);
		}
		free(p->scratch);
		p->scratch = NULL;
	}
	p->st = 0;
	p->obj = NULL;
}

static void
opts_defaults(struct conf_opts *o)
{
	o->hello_ms = CONF_DEF_HELLO_MS;
	o->hold_ms = CONF_DEF_HOLD_MS;
	o->failback_ms = CONF_DEF_FAILBACK_MS;
	o->mss_clamp = CONF_MSS_AUTO;
	o->keying = CONF_KEYING_IKE;
	o->esp_mode = CONF_ESP_TRANSPORT;
	o->esp_encap = CONF_ENCAP_AUTO;
}

/* site NAME / hub NAME / spoke NAME */
int
conf_parse_stanza(struct conf_pctx *p, const struct conf_kw *kw,
    const struct conf_line *ln)
{
	const char *name = ln->ntok > 1 ? ln->tok[1].s : "";
	bool keep = true;
	struct conf_loc l = conf_ploc(p, ln, 0);
	void *obj;

	if (conf_want_args(p, kw, ln, 1, 1) != 0)
		keep = false;
	else if (conf_check_name(name, p->err, sizeof(p->err)) != 0)
		keep = !conf_perr(p, ln, 1, "%s", p->err);
	if (strcmp(kw->name, "site") == 0) {
		struct conf_site *s = calloc(1, sizeof(*s));

		if (s == NULL)
			return p->ret = -ENOMEM;
		snprintf(s->name, sizeof(s->name), "%s", name);
		s->loc = l;
		s->router_id.family = 0;
		s->datapath = CONF_DP_AUTO;
		s->routes = CONF_ROUTES_AUTO;
		snprintf(s->zebra_socket, sizeof(s->zebra_socket), "%s",
		    CONF_DEF_ZEBRA_SOCKET);
		s->route_distance = CONF_DEF_ROUTE_DISTANCE;
		s->route_table = CONF_DEF_ROUTE_TABLE;
		s->kernel_proto = CONF_DEF_KERNEL_PROTO;
		s->adj_port = CONF_DEF_ADJ_PORT;
		s->gr_restart_s = CONF_DEF_GR_RESTART_S;
		s->nat_keepalive_ms = CONF_DEF_NAT_KEEPALIVE_MS;
		snprintf(s->mp_ifname, sizeof(s->mp_ifname), "%s",
		    CONF_DEF_MP_IFNAME);
		opts_defaults(&s->opts);
		if (!(p->flags & CONF_PARSE_MAIN)) {
			conf_perr(p, ln, 0,
			    "site stanza only allowed in the main file");
			keep = false;
		} else if (keep && p->c->site != NULL) {
			conf_perr(p, ln, 0,
			    "second site stanza '%s' (exactly one site per "
			    "configuration)", name);
			conf_pnote(p, &p->c->site->loc, "site '%s' defined here",
			    p->c->site->name);
			keep = false;
		}
		if (keep)
			p->c->site = s;
		else
			p->scratch = s;
		obj = s;
		p->st = CONF_ST_SITE;
	} else if (strcmp(kw->name, "hub") == 0) {
		struct conf_hub *h = calloc(1, sizeof(*h)), **nh;

		if (h == NULL)
			return p->ret = -ENOMEM;
		snprintf(h->name, sizeof(h->name), "%s", name);
		h->loc = l;
		h->cost = CONF_DEF_COST;
		opts_defaults(&h->opts);
		if (keep) {
			nh = realloc(p->c->hubs,
			    (p->c->nhubs + 1) * sizeof(*nh));
			if (nh == NULL) {
				free(h);
				return p->ret = -ENOMEM;
			}
			p->c->hubs = nh;
			nh[p->c->nhubs++] = h;
		} else {
			p->scratch = h;
		}
		obj = h;
		p->st = CONF_ST_HUB;
	} else {
		struct conf_spoke *s = calloc(1, sizeof(*s)), **ns;

		if (s == NULL)
			return p->ret = -ENOMEM;
		snprintf(s->name, sizeof(s->name), "%s", name);
		s->loc = l;
		opts_defaults(&s->opts);
		if (keep) {
			ns = realloc(p->c->spokes,
			    (p->c->nspokes + 1) * sizeof(*ns));
			if (ns == NULL) {
				free(s);
				return p->ret = -ENOMEM;
			}
			p->c->spokes = ns;
			ns[p->c->nspokes++] = s;
		} else {
			p->scratch = s;
		}
		obj = s;
		p->st = CONF_ST_SPOKE;
	}
	p->obj = obj;
	return 0;
}

int
conf_parse_include(struct conf_pctx *p, const struct conf_kw *kw,
    const struct conf_line *ln)
{
	struct conf_include *ni;

	if (conf_want_args(p, kw, ln, 1, 1) != 0)
		return -EINVAL;
	if (!(p->flags & CONF_PARSE_MAIN))
		return conf_perr(p, ln, 0,
		    "include only allowed in the main file (included files "
		    "cannot include)");
	if (conf_check_path(ln->tok[1].s, p->err, sizeof(p->err)) != 0)
		return conf_perr(p, ln, 1, "%s", p->err);
	ni = realloc(p->c->includes,
	    (p->c->nincludes + 1) * sizeof(*ni));
	if (ni == NULL)
		return p->ret = -ENOMEM;
	p->c->includes = ni;
	ni += p->c->nincludes++;
	memset(ni, 0, sizeof(*ni));
	ni->loc = conf_ploc(p, ln, 1);
	snprintf(ni->pattern, sizeof(ni->pattern), "%s", ln->tok[1].s);
	return 0;
}


static const struct conf_kw *
find_kw(const char *name, int st, unsigned *elsewhere)
{
	*elsewhere = 0;
	for (size_t i = 0; i < conf_nkeywords; i++) {
		if (strcmp(conf_keywords[i].name, name) != 0)
			continue;
		if (conf_keywords[i].stanzas & (unsigned)st)
			return &conf_keywords[i];
		*elsewhere |= conf_keywords[i].stanzas;
	}
	return NULL;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void
unknown_kw(struct conf_pctx *p, const struct conf_line *ln, unsigned elsewhere)
{
	const char *names[CONF_KW_MAX];
	char list[1024], where[64];
	size_t n = 0, o = 0;

	if (elsewhere) {
		where[0] = '\0';
		for (int b = 0; b < 4; b++)
			if (elsewhere & (1u << b))
				snprintf(where + strlen(where),
				    sizeof(where) - strlen(where), "%s%s",
				    where[0] ? ", " : "",
				    b == 0 ? "global (column 1)" :
							stanza_name(1 << b));
		conf_perr(p, ln, 0, "'%s' not allowed in %s %s (allowed in: %s)",
		    ln->tok[0].s, p->st == CONF_ST_GLOBAL ? "the" : "a",
		    p->st == CONF_ST_GLOBAL ? "global section" :
					      (p->st == CONF_ST_SITE ?
							  "site stanza" :
							  p->st == CONF_ST_HUB ?
							  "hub stanza" :
							  "spoke stanza"),
		    where);
		return;
	}
	for (size_t i = 0; i < conf_nkeywords; i++) {
		bool dup = false;

		if (!(conf_keywords[i].stanzas & (unsigned)p->st))
			continue;
		for (size_t j = 0; j < n; j++)
			dup |= strcmp(names[j], conf_keywords[i].name) == 0;
		if (!dup)
			names[n++] = conf_keywords[i].name;
	}
	qsort(names, n, sizeof(names[0]), cmp_str);
	list[0] = '\0';
	for (size_t i = 0; i < n && o < sizeof(list); i++)
		o += (size_t)snprintf(list + o, sizeof(list) - o, "%s%s",
		    i ? ", " : "", names[i]);
	if (p->st == CONF_ST_GLOBAL)
		conf_perr(p, ln, 0,
		    "unknown keyword '%s' (expected one of: %s)", ln->tok[0].s,
		    list);
	else
		conf_perr(p, ln, 0,
		    "unknown keyword '%s' in %s stanza (expected one of: %s)",
		    ln->tok[0].s, stanza_name(p->st), list);
}

static void
parse_line(struct conf_pctx *p, const struct conf_line *ln)
{
	const struct conf_kw *kw;
	unsigned elsewhere;
	int st;
	void *obj;

	if (ln->err != NULL) {
		struct conf_loc l = { p->file, ln->lineno, ln->errcol };

		if (conf_diag(p->d, CONF_ERROR, &l, "%s", ln->err) != 0)
			p->ret = -ENOMEM;
		return;
	}
	if (ln->bang) {
		close_stanza(p);
		return;
	}
	if (ln->ntok == 0)
		return;
	if (strcmp(ln->tok[0].s, "exit") == 0 ||
	    strcmp(ln->tok[0].s, "end") == 0) {
		if (ln->ntok > 1)
			conf_perr(p, ln, 1, "unexpected '%s' after '%s'",
			    ln->tok[1].s, ln->tok[0].s);
		close_stanza(p);
		return;
	}
	if (!ln->indented) {
		close_stanza(p);
		st = CONF_ST_GLOBAL;
		obj = &p->c->global;
	} else if (p->st == 0) {
		conf_perr(p, ln, 0,
		    "indented '%s' outside a stanza (statements of site, hub "
		    "and spoke stanzas follow their stanza line)",
		    ln->tok[0].s);
		return;
	} else {
		st = p->st;
		obj = p->obj;
	}
	kw = find_kw(ln->tok[0].s, st, &elsewhere);
	if (kw == NULL) {
		int save = p->st;

		p->st = st;
		unknown_kw(p, ln, elsewhere);
		p->st = save;
		return;
	}
	if (st == CONF_ST_GLOBAL && kw->parse == conf_parse_stanza) {
		conf_parse_stanza(p, kw, ln);
		return;
	}
	p->st = st;
	p->obj = obj;
	if (!kw->repeat && (conf_stanza_set(obj, st) >> kw_index(kw)) & 1) {
		const struct conf_loc *first = &at_ptr(obj, st)[kw_index(kw)];

		conf_perr(p, ln, 0, "duplicate '%s' in %s", kw->name,
		    st == CONF_ST_GLOBAL ? "the global section" :
		    st == CONF_ST_SITE ? "site stanza" :
		    st == CONF_ST_HUB ? "hub stanza" : "spoke stanza");
		conf_pnote(p, first, "first '%s' here", kw->name);
	} else if ((kw->parse != NULL ? kw->parse(p, kw, ln) :
					    parse_generic(p, kw, ln)) != 0) {
		/* the statement was there, if wrong: keep the second pass
		 * from also calling it missing */
		*set_ptr(obj, st) |= (uint64_t)1 << kw_index(kw);
		if (at_ptr(obj, st)[kw_index(kw)].line == 0)
			at_ptr(obj, st)[kw_index(kw)] = conf_ploc(p, ln, 0);
	}
	if (st == CONF_ST_GLOBAL) {
		p->st = 0;
		p->obj = NULL;
	}
}

struct conf *
conf_new(void)
{
	struct conf *c = calloc(1, sizeof(*c));

	if (c == NULL)
		return NULL;
	snprintf(c->global.user, sizeof(c->global.user), "%s",
	    CONF_DEF_USER);
	snprintf(c->global.control_socket, sizeof(c->global.control_socket),
	    "%s", CONF_DEF_CONTROL_SOCKET);
	c->global.log_dest = CONF_LOG_STDERR;
	snprintf(c->global.log_facility, sizeof(c->global.log_facility),
	    "daemon");
	c->global.log_level = CONF_LOG_INFO;
	return c;
}

static void
secret_free(struct conf_secret *s)
{
	if (s->data != NULL) {
		explicit_bzero(s->data, s->len);
		free(s->data);
	}
	s->data = NULL;
	s->len = 0;
}

void
conf_free(struct conf *c)
{
	if (c == NULL)
		return;
	if (c->site != NULL) {
		secret_free(&c->site->opts.psk);
		secret_free(&c->site->private_key);
		secret_free(&c->site->auth_key);
		free(c->site->adverts);
		free(c->site->tracks);
		free(c->site);
	}
	for (size_t i = 0; i < c->nhubs; i++) {
		secret_free(&c->hubs[i]->opts.psk);
		secret_free(&c->hubs[i]->sa_in.key);
		secret_free(&c->hubs[i]->sa_out.key);
		free(c->hubs[i]);
	}
	for (size_t i = 0; i < c->nspokes; i++) {
		secret_free(&c->spokes[i]->opts.psk);
		secret_free(&c->spokes[i]->sa_in.key);
		secret_free(&c->spokes[i]->sa_out.key);
		free(c->spokes[i]->allows);
		free(c->spokes[i]);
	}
	free(c->hubs);
	free(c->spokes);
	free(c->includes);
	for (size_t i = 0; i < c->nfiles; i++)
		free(c->files[i]);
	free(c->files);
	free(c->files_idx);
	free(c->dir);
	free(c);
}

int
conf_parse_into(struct conf *c, const char *name, const char *text,
    size_t len, unsigned flags, struct conf_diag_list *d)
{
	struct conf_pctx p;
	struct conf_lexer lx;
	struct conf_line *ln;
	unsigned errors = d->errors;

	memset(&p, 0, sizeof(p));
	p.c = c;
	p.d = d;
	p.flags = flags;
	if ((p.file = conf_intern(c, name)) == NULL)
		return -ENOMEM;
	if ((ln = malloc(sizeof(*ln))) == NULL)
		return -ENOMEM;
	conf_lex_init(&lx, text, len);
	while (p.ret == 0 && conf_lex_next(&lx, ln))
		parse_line(&p, ln);
	close_stanza(&p);
	free(ln);
	conf_dupidx_free(&p.adverts);
	conf_dupidx_free(&p.allows);
	if (p.ret != 0)
		return p.ret;
	return d->errors > errors ? -EINVAL : 0;
}

int
conf_parse_buffer(const char *name, const char *text, size_t len,
    struct conf **out, struct conf_diag_list *d)
{
	struct conf *c = conf_new();
	int r, r2;

	*out = NULL;
	if (c == NULL)
		return -ENOMEM;
	r = conf_parse_into(c, name, text, len, CONF_PARSE_MAIN, d);
	if (r == -ENOMEM) {
		conf_free(c);
		return r;
	}
	r2 = conf_check(c, d);
	if (r2 == -ENOMEM) {
		conf_free(c);
		return r2;
	}
	*out = c;
	return r != 0 ? r : r2;
}
