/* SPDX-License-Identifier: ISC */
/*
 * conf_priv.h: what the conf_*.c files share and nobody else sees: the line
 * lexer, the diagnostic helpers, the value parsers and the keyword table.
 */
#ifndef GRIPD_CONF_PRIV_H
#define GRIPD_CONF_PRIV_H

#include <gripd/conf.h>

#define CONF_LINE_MAX 4096
#define CONF_TOK_MAX 32

/* conf_lex.c */
struct conf_tok {
	const char *s; /* NUL-terminated copy inside conf_line.buf */
	int col;	/* 1-based byte column */
};

struct conf_line {
	int lineno;
	bool indented; /* first token not at column 1 */
	bool bang;     /* a '!' at column 1: ends the current stanza */
	size_t ntok;
	struct conf_tok tok[CONF_TOK_MAX];
	char buf[CONF_LINE_MAX];
	const char *err; /* lexical error (line too long, NUL byte, ...) */
	int errcol;
};

struct conf_lexer {
	const char *text;
	size_t len, pos;
	int lineno;
};

void conf_lex_init(struct conf_lexer *, const char *text, size_t len);
/* Next line (possibly without tokens); returns 0 at the end of input. */
int conf_lex_next(struct conf_lexer *, struct conf_line *);

/* Diagnostics (conf_lex.c) */
enum conf_sev { CONF_ERROR, CONF_WARNING, CONF_NOTE };
int conf_diag(struct conf_diag_list *, enum conf_sev, const struct conf_loc *,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
const char *conf_intern(struct conf *, const char *name);

/* Value parsers (conf_value.c): 0 or -EINVAL with a message in err. */
int conf_parse_duration(const char *s, uint32_t min, uint32_t max,
    uint32_t *out, char *err, size_t errlen);
int conf_parse_u32(const char *s, uint32_t min, uint32_t max, uint32_t *out,
    char *err, size_t errlen);
int conf_parse_addr(const char *s, int family, struct conf_addr *out,
    char *err, size_t errlen);
int conf_parse_prefix(const char *s, struct conf_prefix *out, char *err,
    size_t errlen);
/*
 * The second pass (conf_check.c, conf_pairs.c): its context, diagnostics at
 * a location, and where a keyword of a stanza was written.
 */
struct conf_cctx {
	struct conf *c;
	struct conf_diag_list *d;
	int ret;
};
void conf_cerr(struct conf_cctx *x, const struct conf_loc *l, const char *fmt,
    ...) __attribute__((format(printf, 3, 4)));
void conf_cnote(struct conf_cctx *x, const struct conf_loc *l, const char *fmt,
    ...) __attribute__((format(printf, 3, 4)));
int conf_kwi(const char *name, int st);
bool conf_kw_isset(uint64_t set, const char *name, int st);
const struct conf_loc *conf_kw_where(const struct conf_loc *at, const char *name,
    int st);
/* conf_pairs.c: duplicates and overlaps between stanzas, O(n log n). */
void conf_check_pairs(struct conf_cctx *x);

int conf_check_name(const char *s, char *err, size_t errlen);
int conf_check_ifname(const char *s, char *err, size_t errlen);
int conf_check_path(const char *s, char *err, size_t errlen);
int conf_check_identity(const char *s, char *err, size_t errlen);
int conf_check_proposal(const char *s, bool ike, char *err, size_t errlen);
void conf_fmt_duration(uint32_t ms, char *buf, size_t len);
void conf_fmt_addr(const struct conf_addr *, char *buf, size_t len);
void conf_fmt_prefix(const struct conf_prefix *, char *buf, size_t len);
void conf_default_ifname(char *dst, const char *name);
bool conf_prefix_has_host_bits(const struct conf_prefix *);
void conf_prefix_mask(struct conf_prefix *);
bool conf_prefix_contains(const struct conf_prefix *, const struct conf_addr *);
bool conf_prefix_overlap(const struct conf_prefix *, const struct conf_prefix *);
bool conf_addr_eq(const struct conf_addr *, const struct conf_addr *);
int conf_hexdecode(const char *s, size_t slen, uint8_t *out, size_t outmax,
    size_t *outlen);

/* The keyword table (conf_keywords.c), shared with the parser and printer. */
enum conf_stanza {
	CONF_ST_GLOBAL = 1 << 0,
	CONF_ST_SITE = 1 << 1,
	CONF_ST_HUB = 1 << 2,
	CONF_ST_SPOKE = 1 << 3,
};

enum conf_kind {
	CONF_K_DUR, CONF_K_U32, CONF_K_ENUM, CONF_K_FLAG, CONF_K_NAME,
	CONF_K_IFNAME, CONF_K_PATH, CONF_K_SOCKPATH, CONF_K_SECRET,
	CONF_K_IDENT, CONF_K_IKEPROP, CONF_K_ESPPROP, CONF_K_ADDR,
	CONF_K_ADDR4, CONF_K_MSS, CONF_K_SPECIAL
};

enum conf_base { CONF_B_GLOBAL, CONF_B_SITE, CONF_B_HUB, CONF_B_SPOKE,
	CONF_B_OPTS };

/* Parser state (conf_parse.c, conf_keywords.c). */
/*
 * Lines that may repeat (advertise, allow) are refused when equal to an
 * earlier one.  Rather than scanning every earlier line, which makes a
 * stanza of 10,000 lines cost 5 * 10^7 comparisons, the parser keeps a hash
 * of the stanza's entries (slot = entry index + 1, 0 = empty), indexed
 * lazily: entries appended since the last look-up are added first, and a
 * change of stanza starts over.  The array grows by doubling; its capacity
 * is only trusted for the array this index last grew.
 */
struct conf_dupkey {
	uint8_t b[32];
};

struct conf_dupidx {
	const void *owner; /* the stanza object indexed */
	size_t n;	   /* entries indexed */
	size_t cap;	   /* slots, a power of two */
	size_t *slot;
	void *arr; /* the array last grown here, and its capacity */
	size_t arrcap;
};

struct conf_pctx {
	struct conf *c;
	struct conf_diag_list *d;
	const char *file;
	unsigned flags;
	int st;	     /* open stanza: CONF_ST_*, 0 = none */
	void *obj;   /* the open stanza's object */
	void *scratch; /* an object not kept (duplicate site, bad name) */
	int ret;     /* -ENOMEM sticks */
	char err[768];
	struct conf_dupidx adverts, allows;
};

struct conf_kw {
	const char *name;
	const char *usage; /* arguments, for "usage:" hints */
	unsigned stanzas; /* CONF_ST_* where it is allowed */
	int kind;
	int base;
	size_t off;  /* offset in the base struct */
	size_t size; /* string buffer size */
	uint32_t min, max;
	const char *const *enums;
	bool repeat; /* may appear more than once */
	int (*parse)(struct conf_pctx *, const struct conf_kw *,
	    const struct conf_line *);
	void (*print)(FILE *, const void *stanza, int st, unsigned flags);
};

/*
 * The parser's tools for keyword parse functions (conf_parse.c).
 * conf_ploc: where token tok of a line is.  conf_perr: reports an error at
 * token tok, returns -EINVAL.  conf_pnote: a note (fmt takes one %s).
 * conf_lookup_enum: the index of s in a NULL-terminated list, or -1;
 * conf_enum_list writes the list, comma-separated.  conf_want_args: 0 when
 * the line has min..max arguments, else the error with the usage.
 * conf_mark: records the keyword as set at token tok of the line.
 * conf_parse_stanza / conf_parse_include: the rows of site, hub, spoke and
 * include.  conf_dupidx_free (conf_keywords.c): frees a duplicate index.
 */
struct conf_loc conf_ploc(
    const struct conf_pctx *p, const struct conf_line *ln, size_t tok);
int conf_perr(struct conf_pctx *p, const struct conf_line *ln, size_t tok,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
void conf_pnote(struct conf_pctx *p, const struct conf_loc *l,
    const char *fmt, const char *arg);
int conf_lookup_enum(const char *const *names, const char *s);
void conf_enum_list(const char *const *names, char *buf, size_t len);
int conf_want_args(struct conf_pctx *p, const struct conf_kw *kw,
    const struct conf_line *ln, size_t min, size_t max);
void conf_mark(struct conf_pctx *p, const struct conf_kw *kw,
    const struct conf_line *ln, size_t tok);
int conf_parse_stanza(struct conf_pctx *p, const struct conf_kw *kw,
    const struct conf_line *ln);
int conf_parse_include(struct conf_pctx *p, const struct conf_kw *kw,
    const struct conf_line *ln);
void conf_dupidx_free(struct conf_dupidx *x);

/* set bits beyond the table's slots */
#define CONF_BIT_LOG_LEVEL 63

extern const struct conf_kw conf_keywords[];
extern const size_t conf_nkeywords;

extern const char *const conf_role_names[];
extern const char *const conf_cipher_names[];
extern const char *const conf_debug_names[];

/* Bookkeeping pointers of a stanza object. */
void *conf_kw_base(void *stanza, int st, int base);
uint64_t conf_stanza_set(const void *stanza, int st);

/* conf_print.c: one stanza, for conf_diff */
void conf_print_stanza(FILE *, const struct conf *, int st, const void *obj,
    unsigned flags);

/* Printers of the SPECIAL keywords (conf_print.c), named in the table. */
void conf_print_log(FILE *, const void *, int, unsigned);
void conf_print_debug(FILE *, const void *, int, unsigned);
void conf_print_local(FILE *, const void *, int, unsigned);
void conf_print_tunaddr(FILE *, const void *, int, unsigned);
void conf_print_spoke_addr(FILE *, const void *, int, unsigned);
void conf_print_p2p(FILE *, const void *, int, unsigned);
void conf_print_advertise(FILE *, const void *, int, unsigned);
void conf_print_allow(FILE *, const void *, int, unsigned);
void conf_print_track(FILE *, const void *, int, unsigned);
void conf_print_auth(FILE *, const void *, int, unsigned);
void conf_print_manual_sa(FILE *, const void *, int, unsigned);
void conf_print_grekey(FILE *, const void *, int, unsigned);
void conf_print_gr(FILE *, const void *, int, unsigned);

#endif
