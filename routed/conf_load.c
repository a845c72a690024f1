/* SPDX-License-Identifier: ISC */
/*
 * DOC: configuration loading (the I/O around the pure passes)
 *
 * conf_load() reads the main file, parses it, expands its include lines
 * (glob(3), sorted, relative to the main file's directory; a pattern that
 * matches nothing is fine), parses every included file, runs the check pass
 * and finally reads the secret files.  Only the main file may include, so
 * the include depth is at most 1 (well below CONF_INCLUDE_DEPTH) and the only
 * possible loop is a pattern matching the main file itself, which is an
 * error, as is a file matched twice.
 *
 * Diagnostics name files as the user would: the main file as given on the
 * command line, included files as their pattern expanded (so
 * "sites.d/west-1.conf:12:5: ..." when gripd runs in /etc/gripd).
 *
 * Secret files (psk-file, private-key, the manual-sa and authentication
 * key-file) are refused like ssh refuses a private key: they must be regular
 * files with no group or other permission bits.  They are read here, at
 * load time, as root, so the daemon holds every key before it drops its
 * privileges and a reload can compare contents.  Relative secret paths are
 * relative to the main file's directory.
 */
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conf_priv.h"

#define CONF_FILE_MAX (1024 * 1024)
#define CONF_SECRET_FILE_MAX (64 * 1024)

/* Reads a whole file; returns 0 or -errno. */
static int
read_file(const char *path, size_t max, char **out, size_t *outlen,
    struct stat *stp, bool nonblock)
{
	int fd, e;
	char *buf;
	size_t len = 0;
	ssize_t n;

	fd = open(path, O_RDONLY | O_CLOEXEC | (nonblock ? O_NONBLOCK : 0));
	if (fd < 0)
		return -errno;
	if (fstat(fd, stp) != 0) {
		e = -errno;
		close(fd);
		return e;
	}
	if (!S_ISREG(stp->st_mode)) {
		close(fd);
		return -EISDIR; /* reported as "not a regular file" */
	}
	if ((buf = malloc(max + 1)) == NULL) {
		close(fd);
		return -ENOMEM;
	}
	while ((n = read(fd, buf + len, max + 1 - len)) > 0) {
		len += (size_t)n;
		if (len > max)
			break;
	}
	e = n < 0 ? -errno : 0;
	close(fd);
	if (e == 0 && len > max)
		e = -EFBIG;
	if (e != 0) {
		explicit_bzero(buf, len);
		free(buf);
		return e;
	}
	buf[len] = '\0';
	*out = buf;
	*outlen = len;
	return 0;
}

static char *
join(const char *dir, const char *path)
{
	char *r;

	if (path[0] == '/' || strcmp(dir, ".") == 0)
		return strdup(path);
	if (asprintf(&r, "%s/%s", dir, path) < 0)
		return NULL;
	return r;
}

/*
 * Files already read (device, inode), to refuse one included twice: an
 * open-addressing set, since a hub may include 10,000 files.
 */
struct seen {
	dev_t dev;
	ino_t ino;
	bool used;
};

struct seen_set {
	struct seen *v;
	size_t n, cap;
};

static size_t
seen_slot(const struct seen_set *s, dev_t dev, ino_t ino)
{
	size_t k = (size_t)(((uint64_t)dev * 0x9e3779b97f4a7c15ULL) ^
	    ((uint64_t)ino * 0xc2b2ae3d27d4eb4fULL)) & (s->cap - 1);

	while (s->v[k].used && !(s->v[k].dev == dev && s->v[k].ino == ino))
		k = (k + 1) & (s->cap - 1);
	return k;
}

/* 1 when (dev, ino) was there, 0 when added, -ENOMEM. */
static int
seen_add(struct seen_set *s, dev_t dev, ino_t ino)
{
	size_t k;

	if ((s->n + 1) * 2 > s->cap) {
		struct seen_set g = { .cap = s->cap ? s->cap * 2 : 64 };
		if ((g.v = calloc(g.cap, sizeof(*g.v))) == NULL)
			return -ENOMEM;
		for (size_t i = 0; i < s->cap; i++)
			if (s->v[i].used)
				g.v[seen_slot(&g, s->v[i].dev, s->v[i].ino)] = s->v[i];
		g.n = s->n;
		free(s->v);
		*s = g;
	}
	k = seen_slot(s, dev, ino);
	if (s->v[k].used)
		return 1;
	s->v[k] = (struct seen){ .dev = dev, .ino = ino, .used = true };
	s->n++;
	return 0;
}

static int
load_includes(struct conf *c, const struct stat *mainst,
    struct conf_diag_list *d)
{
	struct seen_set seen = { 0 };
	int ret = 0;

	for (size_t i = 0; i < c->nincludes; i++) {
		const struct conf_include *inc = &c->includes[i];
		char *pat = join(c->dir, inc->pattern);
		glob_t g;
		int r;

		if (pat == NULL) {
			ret = -ENOMEM;
			break;
		}
		memset(&g, 0, sizeof(g));
		r = glob(pat, 0, NULL, &g);
		free(pat);
		if (r == GLOB_NOSPACE) {
			ret = -ENOMEM;
			break;
		}
		if (r != 0 && r != GLOB_NOMATCH) {
			conf_diag(d, CONF_ERROR, &inc->loc,
			    "cannot expand include '%s'", inc->pattern);
			continue;
		}
		for (size_t k = 0; r == 0 && k < g.gl_pathc; k++) {
			const char *path = g.gl_pathv[k];
			struct stat st;
			char *text = NULL;
			size_t len = 0;
			int j;

			r = read_file(path, CONF_FILE_MAX, &text, &len, &st,
			    true);
			if (r != 0) {
				conf_diag(d, CONF_ERROR, &inc->loc,
				    "cannot read included file %s: %s", path,
				    r == -EISDIR ? "not a regular file" :
						   strerror(-r));
				r = 0;
				continue;
			}
			if (st.st_dev == mainst->st_dev &&
			    st.st_ino == mainst->st_ino) {
				conf_diag(d, CONF_ERROR, &inc->loc,
				    "include loop: '%s' matches the main file "
				    "%s", inc->pattern, path);
				free(text);
				continue;
			}
			if ((j = seen_add(&seen, st.st_dev, st.st_ino)) < 0) {
				free(text);
				ret = -ENOMEM;
				break;
			}
			if (j == 1) {
				conf_diag(d, CONF_ERROR, &inc->loc,
				    "%s is included twice", path);
				free(text);
				continue;
			}
			r = conf_parse_into(c, path, text, len, 0, d);
			free(text);
			if (r == -ENOMEM) {
				ret = r;
				break;
			}
			r = 0;
		}
		globfree(&g);
		if (ret != 0)
			break;
	}
	free(seen.v);
	return ret;
}

enum secret_kind { SEC_PSK, SEC_SA, SEC_AUTH, SEC_PEM };

static int
load_secret(struct conf *c, struct conf_secret *sec, enum secret_kind kind,
    int cipher, const char *what, struct conf_diag_list *d)
{
	char *path, *text = NULL;
	size_t len = 0, n;
	struct stat st;
	uint8_t *data = NULL;
	int r;

	if (sec->path[0] == '\0')
		return 0;
	if ((path = join(c->dir, sec->path)) == NULL)
		return -ENOMEM;
	r = read_file(path, CONF_SECRET_FILE_MAX, &text, &len, &st, true);
	free(path);
	if (r == -ENOMEM)
		return r;
	if (r == -EISDIR)
		return conf_diag(d, CONF_ERROR, &sec->loc,
		    "%s %s is not a regular file", what, sec->path);
	if (r != 0)
		return conf_diag(d, CONF_ERROR, &sec->loc,
		    "cannot read %s %s: %s", what, sec->path, strerror(-r));
	if (st.st_mode & 077) {
		explicit_bzero(text, len);
		free(text);
		return conf_diag(d, CONF_ERROR, &sec->loc,
		    "bad permissions %04o on %s: must not be accessible by "
		    "group or others (chmod 600)",
		    (unsigned)(st.st_mode & 07777), sec->path);
	}
	n = len;
	switch (kind) {
	case SEC_PSK:
		while (n > 0 && strchr(" \t\r\n", text[n - 1]) != NULL)
			n--;
		if (n == 0) {
			r = conf_diag(d, CONF_ERROR, &sec->loc,
			    "psk-file %s is empty", sec->path);
			goto out;
		}
		if ((data = malloc(n)) == NULL) {
			r = -ENOMEM;
			goto out;
		}
		if (n > 2 && text[0] == '0' && (text[1] == 'x' ||
						   text[1] == 'X')) {
			/* strongSwan's 0x notation for binary PSKs */
			if (conf_hexdecode(text, n, data, n, &n) != 0 ||
			    n == 0) {
				r = conf_diag(d, CONF_ERROR, &sec->loc,
				    "psk-file %s: bad hex after 0x",
				    sec->path);
				goto out;
			}
		} else {
			memcpy(data, text, n);
		}
		break;
	case SEC_SA:
	case SEC_AUTH: {
		size_t want = kind == SEC_SA ? conf_cipher_keylen(cipher) : 64;

		if ((data = malloc(want + 1)) == NULL) {
			r = -ENOMEM;
			goto out;
		}
		r = conf_hexdecode(text, n, data, want + 1, &n);
		if (r == -EINVAL) {
			r = conf_diag(d, CONF_ERROR, &sec->loc,
			    "key-file %s: expected hexadecimal key material",
			    sec->path);
			goto out;
		}
		if (kind == SEC_SA && (r != 0 || n != want)) {
			r = conf_diag(d, CONF_ERROR, &sec->loc,
			    "key-file %s: cipher %s needs %zu bytes of key "
			    "material (%s), got %s%zu", sec->path,
			    conf_cipher_name(cipher), want,
			    cipher <= CONF_CIPHER_AES256GCM16 ?
				"key + 4-byte salt, RFC 4106 section 8.1" :
			    cipher == CONF_CIPHER_CHACHA20POLY1305 ?
				"key + 4-byte salt, RFC 7634 section 2" :
				"encryption key + 32-byte HMAC key, RFC 4868",
			    r != 0 ? "more than " : "", n);
			goto out;
		}
		if (kind == SEC_AUTH && (r != 0 || n < 16)) {
			r = conf_diag(d, CONF_ERROR, &sec->loc,
			    "key-file %s: HMAC-SHA256 key must be 16 to 64 "
			    "bytes in hex", sec->path);
			goto out;
		}
		break;
	}
	case SEC_PEM:
		if (strstr(text, "-----BEGIN ") == NULL ||
		    strstr(text, "PRIVATE KEY-----") == NULL) {
			r = conf_diag(d, CONF_ERROR, &sec->loc,
			    "private-key %s is not a PEM private key",
			    sec->path);
			goto out;
		}
		if ((data = malloc(n)) == NULL) {
			r = -ENOMEM;
			goto out;
		}
		memcpy(data, text, n);
		break;
	}
	sec->data = data;
	sec->len = n;
	data = NULL;
	r = 0;
out:
	if (data != NULL) {
		explicit_bzero(data, n);
		free(data);
	}
	explicit_bzero(text, len);
	free(text);
	return r;
}

static int
copy_secret(struct conf_secret *dst, const struct conf_secret *src)
{
	if (src->data == NULL || dst->data != NULL)
		return 0;
	if ((dst->data = malloc(src->len)) == NULL)
		return -ENOMEM;
	memcpy(dst->data, src->data, src->len);
	dst->len = src->len;
	return 0;
}

static bool
psk_own(uint64_t set, int st)
{
	for (size_t i = 0; i < conf_nkeywords; i++)
		if (strcmp(conf_keywords[i].name, "psk-file") == 0)
			return (set >> i) & 1;
	(void)st;
	return false;
}

int
conf_load_secrets(struct conf *c, struct conf_diag_list *d)
{
	unsigned errors = d->errors;
	struct conf_site *s = c->site;
	int r = 0;

	if (s != NULL) {
		if ((r = load_secret(c, &s->opts.psk, SEC_PSK, 0, "psk-file",
			 d)) < 0 ||
		    (r = load_secret(c, &s->private_key, SEC_PEM, 0,
			 "private-key", d)) < 0 ||
		    (r = load_secret(c, &s->auth_key, SEC_AUTH, 0, "key-file",
			 d)) < 0)
			return r;
	}
	for (size_t i = 0; i < c->nhubs; i++) {
		struct conf_hub *h = c->hubs[i];

		if (psk_own(h->set, CONF_ST_HUB))
			r = load_secret(c, &h->opts.psk, SEC_PSK, 0,
			    "psk-file", d);
		else if (s != NULL)
			r = copy_secret(&h->opts.psk, &s->opts.psk);
		if (r < 0 ||
		    (h->sa_in.set &&
			(r = load_secret(c, &h->sa_in.key, SEC_SA,
			     h->sa_in.cipher, "key-file", d)) < 0) ||
		    (h->sa_out.set &&
			(r = load_secret(c, &h->sa_out.key, SEC_SA,
			     h->sa_out.cipher, "key-file", d)) < 0))
			return r;
	}
	for (size_t i = 0; i < c->nspokes; i++) {
		struct conf_spoke *p = c->spokes[i];

		if (psk_own(p->set, CONF_ST_SPOKE))
			r = load_secret(c, &p->opts.psk, SEC_PSK, 0,
			    "psk-file", d);
		else if (s != NULL)
			r = copy_secret(&p->opts.psk, &s->opts.psk);
		if (r < 0 ||
		    (p->sa_in.set &&
			(r = load_secret(c, &p->sa_in.key, SEC_SA,
			     p->sa_in.cipher, "key-file", d)) < 0) ||
		    (p->sa_out.set &&
			(r = load_secret(c, &p->sa_out.key, SEC_SA,
			     p->sa_out.cipher, "key-file", d)) < 0))
			return r;
	}
	return d->errors > errors ? -EINVAL : 0;
}

int
conf_load(const char *mainpath, struct conf **out, struct conf_diag_list *d)
{
	struct conf_loc ml = { mainpath, 0, 0 };
	struct conf *c;
	struct stat st;
	char *text = NULL, *tmp;
	size_t len = 0;
	unsigned errors = d->errors;
	int r;

	*out = NULL;
	r = read_file(mainpath, CONF_FILE_MAX, &text, &len, &st, true);
	if (r != 0) {
		conf_diag(d, CONF_ERROR, &ml, "cannot read configuration: %s",
		    r == -EISDIR ? "not a regular file" : strerror(-r));
		return r == -EISDIR ? -EINVAL : r;
	}
	if ((c = conf_new()) == NULL || (tmp = strdup(mainpath)) == NULL) {
		free(c);
		free(text);
		return -ENOMEM;
	}
	c->dir = strdup(dirname(tmp));
	free(tmp);
	if (c->dir == NULL) {
		r = -ENOMEM;
		goto fail;
	}
	r = conf_parse_into(c, mainpath, text, len, CONF_PARSE_MAIN, d);
	free(text);
	if (r == -ENOMEM)
		goto fail;
	if ((r = load_includes(c, &st, d)) < 0)
		goto fail;
	if ((r = conf_check(c, d)) == -ENOMEM)
		goto fail;
	if ((r = conf_load_secrets(c, d)) == -ENOMEM)
		goto fail;
	if (d->errors > errors) {
		r = -EINVAL;
		goto fail;
	}
	*out = c;
	return 0;
fail:
	conf_free(c);
	return r;
}
