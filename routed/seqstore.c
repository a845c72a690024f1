/* SPDX-License-Identifier: ISC */
/*
 * DOC: sequence number store for manual SAs
 *
 * The explicit IV of AES-GCM and ChaCha20-Poly1305 is the ESP sequence
 * number (crypto/esp.c), and a manual SA keeps its key across restarts:
 * starting again at 1 would reuse nonces, which gives away the XOR of
 * plaintexts and the authentication key.  (For the CBC suites it would
 * "only" make the peer's anti-replay window drop everything up to the old
 * top.)  So the outbound counter of every manual SA resumes from disk.
 *
 * Reservations, not a counter per packet: before the datapath may send
 * numbers up to R (exclusive), R is on disk.  At install the record's
 * value S (1 when there is none) becomes the first number, S + BLOCK is
 * written, and only then is the SA created with seq_start = S and
 * seq_limit = S + BLOCK; crypto/esp.c refuses numbers at or above the
 * limit (-EAGAIN, counted as exhausted).  Once a second routed/peer.c
 * hands the current next number N to seqstore_sa_update(): within BLOCK/2
 * of the limit, N + BLOCK is written and then the datapath's limit
 * raised.  If that write fails the datapath stops at the old limit:
 * traffic stops rather than reusing a nonce, and resumes when a later
 * write succeeds.  A clean stop (esp_sa_seq_stop() gives the exact first
 * unused number) writes that number, so an orderly restart skips nothing;
 * a crash skips at most BLOCK numbers (SEQSTORE_BLOCK in seqstore.h).
 *
 * Durability: write a temporary file, fsync it, rename it over the record,
 * fsync the directory.  Without the directory fsync a power cut could
 * bring back the older, lower record after the datapath used numbers above
 * it.  rename() is atomic, so a record is always one whole version.
 *
 * Identity: a record belongs to a key, not to a name or an SPI: the file
 * is esp-seq-<first 128 bits of SHA-256("gripd-esp-seq v1" || enc key ||
 * auth key)> in the state directory.  Nonce reuse is about the key, so
 * renaming the hub or changing the SPI with the same key file continues
 * the count, and a new key starts at 1 (its record is new).  The hash does
 * not reveal the key.  Two SAs of one daemon with the same keys would
 * share nonces whatever we stored: the second is refused (-EEXIST).
 * Records of retired keys stay behind (a few dozen bytes each); deleting
 * the record of a key still in use is exactly the reuse this prevents.
 *
 * Format (text, so an operator can read it; parsed strictly):
 *
 *	gripd-esp-seq 1
 *	next 4194305
 *	# hub west-1 SPI 0x00001001
 *
 * "next" is the lowest number that may never have been sent.  '#' lines
 * are for humans.  Anything else (empty, truncated, garbage) is a damaged
 * record: we cannot know what was sent, so the SA is refused with an error
 * naming the file, and the file is left for inspection.  The recovery is a
 * new key, or writing a "next" known to be above every number sent.
 *
 * Permissions: the daemon writes records after dropping root, so main.c
 * calls seqstore_prepare_dir() while still root to create the state
 * directory and give it to the daemon's user.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "seqstore.h"

#define MAGIC "gripd-esp-seq 1\n"
#define ID_DOMAIN "gripd-esp-seq v1"
#define RECORD_MAX 1024
#define RECORD_PREFIX "esp-seq-"

const char *
seqstore_default_dir(void)
{
	const char *e = getenv(SEQSTORE_ENV);

	return e != NULL && e[0] == '/' ? e : GRIPD_STATEDIR;
}

int
seqstore_prepare_dir(
    const char *dir, uid_t uid, gid_t gid, char *err, size_t errlen)
{
	char path[SEQSTORE_PATH_MAX];
	struct stat st;
	int fd, r = 0;

	if (snprintf(path, sizeof(path), "%s", dir) >= (int)sizeof(path)) {
		snprintf(err, errlen, "%s: path too long", dir);
		return -ENAMETOOLONG;
	}
	/* mkdir -p: parents 0755, the directory itself 0750. */
	for (char *p = path + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(path, 0755) < 0 && errno != EEXIST) {
			r = -errno;
			snprintf(err, errlen, "cannot create %s: %s", path,
			    strerror(errno));
			return r;
		}
		*p = '/';
	}
	if (mkdir(path, 0750) < 0 && errno != EEXIST) {
		r = -errno;
		snprintf(
		    err, errlen, "cannot create %s: %s", path, strerror(errno));
		return r;
	}
	/* Never chown whatever a symbolic link points at. */
	if (lstat(path, &st) == 0 && S_ISLNK(st.st_mode)) {
		snprintf(err, errlen, "%s: is a symbolic link", path);
		return -ELOOP;
	}
	fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		r = -errno;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return r;
	}
	if (geteuid() != 0 || uid == (uid_t)-1) {
		close(fd);
		return 0;
	}
	if (fchown(fd, uid, gid) < 0 || fchmod(fd, 0750) < 0) {
		r = -errno;
		snprintf(err, errlen, "cannot give %s to uid %u: %s", path,
		    (unsigned)uid, strerror(errno));
		close(fd);
		return r;
	}
	/* The records too: the configured user may have changed. */
	DIR *dp = fdopendir(fd);
	struct dirent *de;

	if (dp == NULL) {
		close(fd);
		return 0;
	}
	while ((de = readdir(dp)) != NULL) {
		if (strncmp(de->d_name, RECORD_PREFIX, strlen(RECORD_PREFIX)) !=
		    0)
			continue;
		if (fchownat(dirfd(dp), de->d_name, uid, gid,
			AT_SYMLINK_NOFOLLOW) < 0 &&
		    r == 0) {
			r = -errno;
			snprintf(err, errlen, "cannot give %s/%s to uid %u: %s",
			    path, de->d_name, (unsigned)uid, strerror(errno));
		}
	}
	closedir(dp);
	return r;
}

int
seqstore_init(struct seqstore *st, const char *dir, uint64_t block)
{
	memset(st, 0, sizeof(*st));
	if (snprintf(st->dir, sizeof(st->dir), "%s", dir) >=
	    (int)sizeof(st->dir)) {
		st->dir[0] = '\0';
		return -ENAMETOOLONG;
	}
	st->block = block ? block : SEQSTORE_BLOCK;
	return 0;
}

static uint64_t
sat_add(uint64_t a, uint64_t b)
{
	return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

int
seqstore_key_id(const struct esp_sa_params *sp, char id[SEQSTORE_ID_LEN + 1])
{
	uint8_t md[EVP_MAX_MD_SIZE];
	unsigned mdlen = 0;
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	int ok = c != NULL && EVP_DigestInit_ex(c, EVP_sha256(), NULL) == 1 &&
		 EVP_DigestUpdate(c, ID_DOMAIN, sizeof(ID_DOMAIN) - 1) == 1 &&
		 EVP_DigestUpdate(c, sp->enc_key, sp->enc_key_len) == 1 &&
		 EVP_DigestUpdate(c, sp->auth_key, sp->auth_key_len) == 1 &&
		 EVP_DigestFinal_ex(c, md, &mdlen) == 1 &&
		 mdlen >= SEQSTORE_ID_LEN / 2;

	EVP_MD_CTX_free(c);
	if (!ok)
		return -ENOMEM;
	for (unsigned i = 0; i < SEQSTORE_ID_LEN / 2; i++)
		snprintf(id + 2 * i, 3, "%02x", md[i]);
	return 0;
}

int
seqstore_parse(
    const char *buf, size_t len, uint64_t *next, char *err, size_t errlen)
{
	const char *p = buf, *end = buf + len;
	uint64_t v = 0;
	size_t digits = 0;

	if (len == 0) {
		snprintf(err, errlen, "empty");
		return -EBADMSG;
	}
	if (memchr(buf, '\0', len) != NULL) {
		snprintf(err, errlen, "contains NUL bytes");
		return -EBADMSG;
	}
	if (len < sizeof(MAGIC) - 1 ||
	    memcmp(p, MAGIC, sizeof(MAGIC) - 1) != 0) {
		snprintf(err, errlen, "first line is not \"gripd-esp-seq 1\"");
		return -EBADMSG;
	}
	p += sizeof(MAGIC) - 1;
	if (end - p < 5 || memcmp(p, "next ", 5) != 0) {
		snprintf(err, errlen, "second line is not \"next NUMBER\"");
		return -EBADMSG;
	}
	for (p += 5; p < end && *p >= '0' && *p <= '9'; p++, digits++) {
		unsigned d = (unsigned)(*p - '0');

		if (v > (UINT64_MAX - d) / 10) {
			snprintf(err, errlen, "number out of range");
			return -EBADMSG;
		}
		v = v * 10 + d;
	}
	if (digits == 0 || p == end || *p != '\n' || v == 0) {
		snprintf(err, errlen, "bad or truncated number on line 2");
		return -EBADMSG;
	}
	/* Then only comment lines, each ending in a newline. */
	for (p++; p < end;) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));

		if (*p != '#' || nl == NULL) {
			snprintf(err, errlen, "unexpected text after line 2");
			return -EBADMSG;
		}
		p = nl + 1;
	}
	*next = v;
	return 0;
}

/* Returns 1 with *next, 0 when there is no record, or -errno. */
static int
read_record(
    const struct seqstore_sa *s, uint64_t *next, char *err, size_t errlen)
{
	char buf[RECORD_MAX + 1], why[128];
	size_t len = 0;
	ssize_t n;
	int fd, r;

	if ((fd = open(s->path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) < 0) {
		if (errno == ENOENT)
			return 0;
		r = -errno;
		snprintf(err, errlen, "cannot read %s: %s", s->path,
		    strerror(errno));
		return r;
	}
	while (len < sizeof(buf) &&
	       (n = read(fd, buf + len, sizeof(buf) - len)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			r = -errno;
			snprintf(err, errlen, "cannot read %s: %s", s->path,
			    strerror(errno));
			close(fd);
			return r;
		}
		len += (size_t)n;
	}
	close(fd);
	if (len > RECORD_MAX) {
		r = -EBADMSG;
		snprintf(why, sizeof(why), "longer than %d bytes", RECORD_MAX);
	} else {
		r = seqstore_parse(buf, len, next, why, sizeof(why));
	}
	if (r < 0) {
		snprintf(err, errlen,
		    "%s: damaged sequence number record (%s): the numbers "
		    "already sent under this key are unknown, so the SA is "
		    "not used; replace its key, or write \"next N\" with N "
		    "above every number ever sent",
		    s->path, why);
		return r;
	}
	return 1;
}

static int
write_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Temporary file, fsync, rename, fsync the directory.  0 or -errno. */
static int
write_record(const struct seqstore *st, const struct seqstore_sa *s,
    uint64_t next, char *err, size_t errlen)
{
	char tmp[sizeof(s->path) + 8], buf[256];
	const char *what = "write";
	int fd, dfd, n, r = 0;

	n = snprintf(
	    buf, sizeof(buf), MAGIC "next %" PRIu64 "\n# %s\n", next, s->label);
	snprintf(tmp, sizeof(tmp), "%s.tmp", s->path);
	fd = open(
	    tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0) {
		r = -errno;
		snprintf(
		    err, errlen, "cannot write %s: %s", tmp, strerror(errno));
		return r;
	}
	if ((r = write_all(fd, buf, (size_t)n)) < 0) {
		what = "write";
	} else if (fsync(fd) < 0) {
		r = -errno;
		what = "fsync";
	}
	if (close(fd) < 0 && r == 0) {
		r = -errno;
		what = "close";
	}
	if (r == 0 && rename(tmp, s->path) < 0) {
		r = -errno;
		what = "rename";
	}
	if (r < 0) {
		snprintf(err, errlen, "cannot %s %s: %s", what,
		    strcmp(what, "rename") == 0 ? s->path : tmp, strerror(-r));
		unlink(tmp);
		return r;
	}
	if ((dfd = open(st->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0 ||
	    fsync(dfd) < 0) {
		r = -errno;
		snprintf(err, errlen, "cannot fsync %s (after writing %s): %s",
		    st->dir, s->path, strerror(errno));
	}
	if (dfd >= 0)
		close(dfd);
	return r;
}

int
seqstore_sa_open(struct seqstore *st, struct seqstore_sa *s,
    struct esp_sa_params *sp, const char *label, char *err, size_t errlen)
{
	uint64_t start = 1, limit;
	int r;

	if (s->is_open) {
		snprintf(err, errlen, "%s: already open", s->label);
		return -EALREADY;
	}
	memset(s, 0, sizeof(*s));
	snprintf(s->label, sizeof(s->label), "%s", label);
	if (seqstore_key_id(sp, s->id) < 0) {
		snprintf(err, errlen, "%s: cannot hash the key", label);
		return -ENOMEM;
	}
	snprintf(
	    s->path, sizeof(s->path), "%s/" RECORD_PREFIX "%s", st->dir, s->id);
	for (struct seqstore_sa *o = st->open; o; o = o->next)
		if (strcmp(o->id, s->id) == 0) {
			snprintf(err, errlen,
			    "%s: same keys as %s: two SAs under one key "
			    "would send the same sequence numbers (IVs)",
			    label, o->label);
			return -EEXIST;
		}
	if ((r = read_record(s, &start, err, errlen)) < 0)
		return r;
	limit = sat_add(start, st->block);
	if ((r = write_record(st, s, limit, err, errlen)) < 0)
		return r;
	s->limit = limit;
	s->is_open = true;
	s->next = st->open;
	st->open = s;
	sp->seq_start = start;
	sp->seq_limit = limit;
	return 0;
}

int
seqstore_sa_update(struct seqstore *st, struct seqstore_sa *s, uint64_t next,
    char *err, size_t errlen)
{
	uint64_t limit;
	int r;

	if (!s->is_open || next == 0)
		return 0;
	/* next <= s->limit: the datapath never passes the limit. */
	if (next < s->limit && s->limit - next > st->block / 2)
		return 0;
	limit = sat_add(next, st->block);
	if (limit <= s->limit)
		return 0; /* the end of the 64-bit space */
	if ((r = write_record(st, s, limit, err, errlen)) < 0)
		return r;
	s->limit = limit;
	return 1;
}

int
seqstore_sa_close(struct seqstore *st, struct seqstore_sa *s, uint64_t next,
    char *err, size_t errlen)
{
	int r = 0;

	if (!s->is_open)
		return 0;
	for (struct seqstore_sa **pp = &st->open; *pp; pp = &(*pp)->next)
		if (*pp == s) {
			*pp = s->next;
			break;
		}
	/* Lower the record only to an exact number; else keep it. */
	if (next != 0 && next < s->limit)
		r = write_record(st, s, next, err, errlen);
	s->is_open = false;
	s->next = NULL;
	return r;
}
