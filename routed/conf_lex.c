/* SPDX-License-Identifier: ISC */
/*
 * DOC: configuration lexer and diagnostics
 *
 * gripd.conf is line oriented like FRR's vtysh files, so the lexer hands out
 * whole lines: blank-separated tokens with their byte columns, whether the
 * first token is indented (a statement inside the open stanza) and whether
 * the line is a column-1 '!' (which closes the stanza).  '!' or '#' at the
 * start of a token that follows whitespace (or starts the line) begins a
 * comment, so "foo!bar" is one token.  There is no quoting: no value in the
 * language needs blanks.
 *
 * Lexical problems (NUL bytes, control characters, lines longer than
 * CONF_LINE_MAX) are returned in conf_line.err; the parser reports them and
 * skips the line, like every other error, so one bad byte never hides the
 * errors after it.
 *
 * Diagnostics are formatted here as "FILE:LINE:COL: error: MSG" (gcc style,
 * so editors jump to them); columns count bytes from 1.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "conf_priv.h"

void
conf_lex_init(struct conf_lexer *lx, const char *text, size_t len)
{
	lx->text = text;
	lx->len = len;
	lx->pos = 0;
	lx->lineno = 0;
}

int
conf_lex_next(struct conf_lexer *lx, struct conf_line *ln)
{
	size_t start, end, i, o;
	bool comment = false;

	if (lx->pos >= lx->len)
		return 0;
	start = lx->pos;
	end = start;
	while (end < lx->len && lx->text[end] != '\n')
		end++;
	lx->pos = end < lx->len ? end + 1 : end;
	lx->lineno++;

	ln->lineno = lx->lineno;
	ln->indented = false;
	ln->bang = false;
	ln->ntok = 0;
	ln->err = NULL;
	ln->errcol = 0;
	if (end > start && lx->text[end - 1] == '\r')
		end--; /* tolerate CRLF files */
	if (end - start >= CONF_LINE_MAX) {
		ln->err = "line too long (at most 4095 bytes)";
		ln->errcol = CONF_LINE_MAX;
		return 1;
	}
	if (end > start && lx->text[start] == '!')
		ln->bang = true;

	o = 0;
	for (i = start; i < end && !comment;) {
		unsigned char ch = (unsigned char)lx->text[i];

		if (ch == ' ' || ch == '\t') {
			i++;
			continue;
		}
		if (ch == '!' || ch == '#') {
			comment = true;
			break;
		}
		if (ln->ntok == CONF_TOK_MAX) {
			ln->err = "too many words on one line";
			ln->errcol = (int)(i - start) + 1;
			return 1;
		}
		ln->tok[ln->ntok].col = (int)(i - start) + 1;
		ln->tok[ln->ntok].s = ln->buf + o;
		if (ln->ntok == 0 && i > start)
			ln->indented = true;
		while (i < end && lx->text[i] != ' ' && lx->text[i] != '\t') {
			ch = (unsigned char)lx->text[i];
			if (ch < 0x20 || ch == 0x7f) {
				ln->err = ch == 0 ? "NUL byte in line" :
				    "control character in line";
				ln->errcol = (int)(i - start) + 1;
				return 1;
			}
			ln->buf[o++] = (char)ch;
			i++;
		}
		ln->buf[o++] = '\0';
		ln->ntok++;
	}
	/* control characters inside a comment are harmless, but NUL is not
	 * text at all: reject it everywhere */
	for (; i < end; i++) {
		if (lx->text[i] == '\0') {
			ln->err = "NUL byte in line";
			ln->errcol = (int)(i - start) + 1;
			return 1;
		}
	}
	return 1;
}

void
conf_diag_init(struct conf_diag_list *d)
{
	memset(d, 0, sizeof(*d));
}

void
conf_diag_free(struct conf_diag_list *d)
{
	for (size_t i = 0; i < d->n; i++)
		free(d->msgs[i]);
	free(d->msgs);
	memset(d, 0, sizeof(*d));
}

void
conf_diag_print(const struct conf_diag_list *d, FILE *f)
{
	for (size_t i = 0; i < d->n; i++)
		fprintf(f, "%s\n", d->msgs[i]);
}

int
conf_diag(struct conf_diag_list *d, enum conf_sev sev,
    const struct conf_loc *loc, const char *fmt, ...)
{
	static const char *const sevname[] = { "error", "warning", "note" };
	char msg[1024], *line;
	va_list ap;
	int n;

	if (sev == CONF_ERROR)
		d->errors++;
	else if (sev == CONF_WARNING)
		d->warnings++;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (loc != NULL && loc->file != NULL && loc->line > 0)
		n = asprintf(&line, "%s:%d:%d: %s: %s", loc->file, loc->line,
		    loc->col, sevname[sev], msg);
	else if (loc != NULL && loc->file != NULL)
		n = asprintf(&line, "%s: %s: %s", loc->file, sevname[sev], msg);
	else
		n = asprintf(&line, "gripd: %s: %s", sevname[sev], msg);
	if (n < 0)
		return -ENOMEM;
	if (d->n == d->cap) {
		size_t ncap = d->cap ? d->cap * 2 : 16;
		char **nm = realloc(d->msgs, ncap * sizeof(*nm));

		if (nm == NULL) {
			free(line);
			return -ENOMEM;
		}
		d->msgs = nm;
		d->cap = ncap;
	}
	d->msgs[d->n++] = line;
	return 0;
}

static size_t
name_hash(const char *s)
{
	size_t h = 5381;

	while (*s)
		h = h * 33 + (unsigned char)*s++;
	return h;
}

/* Rebuilds the index of c->files at twice the size (kept under half full). */
static int
files_index_grow(struct conf *c)
{
	size_t cap = c->files_idx_cap ? c->files_idx_cap * 2 : 64;
	size_t *idx = calloc(cap, sizeof(*idx));

	if (idx == NULL)
		return -1;
	for (size_t i = 0; i < c->nfiles; i++) {
		size_t k = name_hash(c->files[i]) & (cap - 1);
		while (idx[k] != 0)
			k = (k + 1) & (cap - 1);
		idx[k] = i + 1;
	}
	free(c->files_idx);
	c->files_idx = idx;
	c->files_idx_cap = cap;
	return 0;
}

/*
 * One copy of each file name (every conf_loc points at it).  A hub with
 * 10,000 files under sites.d interns 10,000 names: hashed, not scanned.
 */
const char *
conf_intern(struct conf *c, const char *name)
{
	char **nf;
	size_t k;

	if ((c->nfiles + 1) * 2 > c->files_idx_cap && files_index_grow(c) < 0)
		return NULL;
	for (k = name_hash(name) & (c->files_idx_cap - 1); c->files_idx[k] != 0;
	     k = (k + 1) & (c->files_idx_cap - 1))
		if (strcmp(c->files[c->files_idx[k] - 1], name) == 0)
			return c->files[c->files_idx[k] - 1];
	/* grow the array by doubling: at powers of two */
	if ((c->nfiles & (c->nfiles - 1)) == 0) {
		nf = realloc(c->files, (c->nfiles ? c->nfiles * 2 : 1) * sizeof(*nf));
		if (nf == NULL)
			return NULL;
		c->files = nf;
	}
	if ((c->files[c->nfiles] = strdup(name)) == NULL)
		return NULL;
	c->files_idx[k] = c->nfiles + 1;
	return c->files[c->nfiles++];
}
