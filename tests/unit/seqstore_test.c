/* SPDX-License-Identifier: ISC */
/*
 * seqstore_test: durable sequence number reservations of manual SAs
 * (routed/seqstore.c): the record format, round trips, extension, a
 * crash-and-restart run against the real ESP datapath (no number may be
 * sent twice), unwritable directories, damaged records, same-key refusal,
 * and the state directory preparation.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gripd/esp.h>

#include "check.h"
#include "seqstore.h"

static char root[64];
static char err[1024];

static void
params(struct esp_sa_params *p, uint8_t keybyte)
{
	memset(p, 0, sizeof(*p));
	p->spi = 0x1001;
	p->dir = ESP_DIR_OUT;
	p->alg = ESP_ALG_AES_GCM_128;
	memset(p->enc_key, keybyte, 20);
	p->enc_key_len = 20;
	p->mode = ESP_MODE_TRANSPORT;
	p->tunnel_id = 1;
}

static void
mkdirf(char *out, size_t len, const char *name)
{
	snprintf(out, len, "%s/%s", root, name);
	CHECK_EQ(mkdir(out, 0700), 0);
}

static void
put_file(const char *path, const char *text, size_t len)
{
	FILE *f = fopen(path, "w");

	CHECK(f != NULL);
	if (f == NULL)
		return;
	CHECK_EQ(fwrite(text, 1, len, f), len);
	fclose(f);
}

/* The "next" value on disk, or 0. */
static uint64_t
on_disk(const char *path)
{
	char buf[1100], e[128];
	uint64_t v = 0;
	FILE *f = fopen(path, "r");
	size_t n;

	if (f == NULL)
		return 0;
	n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	if (seqstore_parse(buf, n, &v, e, sizeof(e)) < 0)
		return 0;
	return v;
}

static void
test_parse(void)
{
	static const struct {
		const char *text;
		uint64_t next; /* 0: must be rejected */
	} cases[] = {
	    {"gripd-esp-seq 1\nnext 1\n", 1},
	    {"gripd-esp-seq 1\nnext 4194305\n# hub west-1 SPI 0x00001001\n",
		4194305},
	    {"gripd-esp-seq 1\nnext 18446744073709551615\n", UINT64_MAX},
	    {"gripd-esp-seq 1\nnext 18446744073709551616\n", 0},
	    {"", 0},
	    {"gripd-esp-seq 2\nnext 5\n", 0},
	    {"gripd-esp-seq 1\n", 0},
	    {"gripd-esp-seq 1\nnext \n", 0},
	    {"gripd-esp-seq 1\nnext 0\n", 0},
	    {"gripd-esp-seq 1\nnext -5\n", 0},
	    {"gripd-esp-seq 1\nnext 12", 0}, /* truncated */
	    {"gripd-esp-seq 1\nnext 12x\n", 0},
	    {"gripd-esp-seq 1\nnext 12\nnext 13\n", 0},
	    {"gripd-esp-seq 1\nnext 12\n# no newline", 0},
	    {"GRIPD-ESP-SEQ 1\nnext 12\n", 0},
	};
	char e[128];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint64_t v = 0;
		int r = seqstore_parse(
		    cases[i].text, strlen(cases[i].text), &v, e, sizeof(e));

		if (cases[i].next) {
			CHECK_EQ(r, 0);
			CHECK(v == cases[i].next);
		} else {
			CHECK_EQ(r, -EBADMSG);
			CHECK(e[0] != '\0');
		}
	}
	/* NUL bytes (a zero-filled file after a crash) */
	CHECK_EQ(seqstore_parse("gripd-esp-seq 1\nnext 1\n\0\0", 25,
		     &(uint64_t){0}, e, sizeof(e)),
	    -EBADMSG);
	CHECK_EQ(seqstore_parse("\0\0\0\0", 4, &(uint64_t){0}, e, sizeof(e)),
	    -EBADMSG);
}

static void
test_round_trip(void)
{
	struct seqstore st;
	struct seqstore_sa s = {0}, s2 = {0};
	struct esp_sa_params p;
	char dir[128];

	mkdirf(dir, sizeof(dir), "rt");
	CHECK_EQ(seqstore_init(&st, dir, 1000), 0);
	params(&p, 0xa1);
	CHECK_EQ(seqstore_sa_open(&st, &s, &p, "hub west-1 SPI 0x00001001", err,
		     sizeof(err)),
	    0);
	CHECK(s.is_open);
	CHECK_EQ(p.seq_start, 1);
	CHECK_EQ(p.seq_limit, 1001);
	CHECK_EQ(s.limit, 1001);
	CHECK_EQ(on_disk(s.path), 1001);
	CHECK(strncmp(s.path, dir, strlen(dir)) == 0);
	CHECK_EQ(strlen(strrchr(s.path, '/') + 1), strlen("esp-seq-") + 32);
	/* the key itself is not in the name */
	CHECK(strstr(s.path, "a1a1a1") == NULL);

	/* opening an open record again is a caller's bug: refused */
	CHECK_EQ(seqstore_sa_open(&st, &s, &p, "again", err, sizeof(err)),
	    -EALREADY);
	CHECK(s.is_open);
	/* a second SA with the same keys: refused (shared nonces) */
	struct esp_sa_params q;
	params(&q, 0xa1);
	q.spi = 0x2002;
	CHECK_EQ(seqstore_sa_open(&st, &s2, &q, "hub west-2 SPI 0x00002002",
		     err, sizeof(err)),
	    -EEXIST);
	CHECK(strstr(err, "west-1") != NULL);
	CHECK(!s2.is_open);

	/* clean close writes the exact next number; reopen resumes there */
	CHECK_EQ(seqstore_sa_close(&st, &s, 57, err, sizeof(err)), 0);
	CHECK(!s.is_open);
	CHECK_EQ(on_disk(s.path), 57);
	params(&p, 0xa1);
	p.spi = 0x3003; /* another SPI, same key: continues the count */
	CHECK_EQ(seqstore_sa_open(&st, &s, &p, "hub renamed SPI 0x00003003",
		     err, sizeof(err)),
	    0);
	CHECK_EQ(p.seq_start, 57);
	CHECK_EQ(p.seq_limit, 1057);
	CHECK_EQ(on_disk(s.path), 1057);

	/* a different key starts fresh, in its own record */
	params(&q, 0xb2);
	CHECK_EQ(seqstore_sa_open(&st, &s2, &q, "hub west-2 SPI 0x00002002",
		     err, sizeof(err)),
	    0);
	CHECK_EQ(q.seq_start, 1);
	CHECK(strcmp(s.path, s2.path) != 0);
	/* a close without an exact number keeps the reservation */
	CHECK_EQ(seqstore_sa_close(&st, &s2, 0, err, sizeof(err)), 0);
	CHECK_EQ(on_disk(s2.path), 1001);
	/* the CBC auth key is part of the identity too */
	params(&q, 0xb2);
	q.alg = ESP_ALG_AES_CBC_128_HMAC_SHA256;
	q.enc_key_len = 16;
	memset(q.auth_key, 0x01, 32);
	q.auth_key_len = 32;
	CHECK_EQ(seqstore_sa_open(&st, &s2, &q, "x", err, sizeof(err)), 0);
	CHECK_EQ(q.seq_start, 1);
	CHECK_EQ(seqstore_sa_close(&st, &s2, 0, err, sizeof(err)), 0);
	CHECK_EQ(seqstore_sa_close(&st, &s, 0, err, sizeof(err)), 0);
	/* closing twice is harmless */
	CHECK_EQ(seqstore_sa_close(&st, &s, 5, err, sizeof(err)), 0);
	CHECK(st.open == NULL);
	/* no temporary files left behind */
	char tmp[sizeof(s.path) + 8];
	snprintf(tmp, sizeof(tmp), "%s.tmp", s.path);
	CHECK(access(tmp, F_OK) < 0);
}

static void
test_advance(void)
{
	struct seqstore st;
	struct seqstore_sa s = {0};
	struct esp_sa_params p;
	char dir[128];

	mkdirf(dir, sizeof(dir), "adv");
	CHECK_EQ(seqstore_init(&st, dir, 0), 0);
	CHECK(st.block == SEQSTORE_BLOCK);
	CHECK_EQ(seqstore_init(&st, dir, 100), 0);
	params(&p, 0xc3);
	CHECK_EQ(seqstore_sa_open(&st, &s, &p, "a", err, sizeof(err)), 0);
	CHECK_EQ(s.limit, 101);
	/* more than half a block left: nothing written */
	CHECK_EQ(seqstore_sa_update(&st, &s, 1, err, sizeof(err)), 0);
	CHECK_EQ(seqstore_sa_update(&st, &s, 50, err, sizeof(err)), 0);
	CHECK_EQ(on_disk(s.path), 101);
	/* within half a block: next + block goes to disk */
	CHECK_EQ(seqstore_sa_update(&st, &s, 51, err, sizeof(err)), 1);
	CHECK_EQ(s.limit, 151);
	CHECK_EQ(on_disk(s.path), 151);
	/* at the limit (the datapath was held): extended from there */
	CHECK_EQ(seqstore_sa_update(&st, &s, 151, err, sizeof(err)), 1);
	CHECK_EQ(s.limit, 251);
	/* a stopped SA (0) changes nothing */
	CHECK_EQ(seqstore_sa_update(&st, &s, 0, err, sizeof(err)), 0);
	CHECK_EQ(s.limit, 251);

	/* the store cannot be written: error, limit unchanged, then recovers */
	char moved[160];
	snprintf(moved, sizeof(moved), "%s.moved", dir);
	CHECK_EQ(rename(dir, moved), 0);
	CHECK(seqstore_sa_update(&st, &s, 240, err, sizeof(err)) < 0);
	CHECK(strstr(err, dir) != NULL);
	CHECK_EQ(s.limit, 251);
	CHECK_EQ(rename(moved, dir), 0);
	CHECK_EQ(seqstore_sa_update(&st, &s, 240, err, sizeof(err)), 1);
	CHECK_EQ(s.limit, 340);
	CHECK_EQ(on_disk(s.path), 340);

	/* the end of the 64-bit space: saturates, never wraps */
	CHECK_EQ(
	    seqstore_sa_close(&st, &s, UINT64_MAX - 10, err, sizeof(err)), 0);
	CHECK_EQ(on_disk(s.path), 340); /* above the limit: not exact, kept */
	put_file(s.path, "gripd-esp-seq 1\nnext 18446744073709551605\n", 42);
	params(&p, 0xc3);
	CHECK_EQ(seqstore_sa_open(&st, &s, &p, "a", err, sizeof(err)), 0);
	CHECK(p.seq_start == UINT64_MAX - 10);
	CHECK(p.seq_limit == UINT64_MAX);
	CHECK_EQ(
	    seqstore_sa_update(&st, &s, UINT64_MAX - 1, err, sizeof(err)), 0);
	CHECK_EQ(seqstore_sa_close(&st, &s, 0, err, sizeof(err)), 0);
}

/*
 * A datapath run, a crash (no close), a restart: every number the new
 * process sends must be above every number the old one sent.
 */
static void
test_restart(void)
{
	struct esp_worker w = {.index = 0};
	struct seqstore st;
	struct seqstore_sa s = {0};
	struct esp_sa_params p;
	struct esp_sa *sa;
	uint64_t max_sent = 0, first_after = 0;
	unsigned refused = 0;
	uint8_t buf[128];
	size_t off, len;
	char dir[128];

	mkdirf(dir, sizeof(dir), "restart");
	for (int run = 0; run < 3; run++) {
		/* each run is a fresh process: no memory of the last one */
		CHECK_EQ(seqstore_init(&st, dir, 64), 0);
		memset(&s, 0, sizeof(s));
		params(&p, 0xd4);
		p.esn = true;
		CHECK_EQ(seqstore_sa_open(&st, &s, &p, "spoke b SPI 0x00001001",
			     err, sizeof(err)),
		    0);
		CHECK(p.seq_start > max_sent);
		first_after = p.seq_start;
		CHECK_EQ(esp_sa_create(&p, 0, &sa), 0);
		for (int i = 0; i < 1000; i++) {
			/* the once a second timer, every 10 packets here */
			if (i % 10 == 0) {
				int r = seqstore_sa_update(&st, &s,
				    esp_sa_seq_next(sa), err, sizeof(err));
				CHECK(r >= 0);
				if (r > 0)
					esp_sa_set_seq_limit(sa, s.limit);
			}
			memset(buf + 16, 0x33, 20);
			int r = esp_encap(&w, sa, buf, sizeof(buf), 16, 20,
			    ESP_NH_GRE, &off, &len);
			if (r == -EAGAIN) {
				refused++;
				continue;
			}
			CHECK_EQ(r, 0);
			uint64_t seq = esp_sa_seq_next(sa) - 1;
			/* the explicit IV carries the full 64-bit number */
			uint64_t iv = 0;
			for (int k = 0; k < 8; k++)
				iv = iv << 8 | buf[off + 8 + k];
			CHECK(iv == seq);
			CHECK(seq >= first_after);
			CHECK(seq < s.limit); /* never past what is on disk */
			CHECK(seq <= on_disk(s.path) - 1);
			if (seq > max_sent)
				max_sent = seq;
		}
		/* crash: no close, the SA just vanishes */
		esp_sa_free(sa);
	}
	CHECK_EQ(refused, 0);
	CHECK(max_sent >= 3000);

	/* without the timer the datapath stops at the limit */
	CHECK_EQ(seqstore_init(&st, dir, 64), 0);
	memset(&s, 0, sizeof(s));
	params(&p, 0xd4);
	CHECK_EQ(seqstore_sa_open(&st, &s, &p, "x", err, sizeof(err)), 0);
	CHECK(p.seq_start > max_sent);
	CHECK_EQ(esp_sa_create(&p, 0, &sa), 0);
	for (int i = 0; i < 100; i++)
		if (esp_encap(&w, sa, buf, sizeof(buf), 16, 20, ESP_NH_GRE,
			&off, &len) == -EAGAIN)
			refused++;
	CHECK_EQ(refused, 100 - 64);
	CHECK(esp_sa_seq_next(sa) == s.limit);
	/* clean stop: the exact number is kept, the next run skips none */
	uint64_t next = esp_sa_seq_stop(sa);
	CHECK(next == s.limit);
	CHECK_EQ(seqstore_sa_close(&st, &s, next, err, sizeof(err)), 0);
	esp_sa_free(sa);
	CHECK_EQ(seqstore_init(&st, dir, 64), 0);
	params(&p, 0xd4);
	CHECK_EQ(seqstore_sa_open(&st, &s, &p, "x", err, sizeof(err)), 0);
	CHECK(p.seq_start == next);
	CHECK_EQ(seqstore_sa_close(&st, &s, 0, err, sizeof(err)), 0);
}

static void
test_unwritable(void)
{
	struct seqstore st;
	struct seqstore_sa s = {0};
	struct esp_sa_params p;
	char dir[128], file[128];

	/* a directory that does not exist */
	snprintf(dir, sizeof(dir), "%s/missing/dir", root);
	CHECK_EQ(seqstore_init(&st, dir, 0), 0);
	params(&p, 0xe5);
	CHECK_EQ(seqstore_sa_open(&st, &s, &p, "a", err, sizeof(err)), -ENOENT);
	CHECK(strstr(err, dir) != NULL);
	CHECK(!s.is_open);
	CHECK(st.open == NULL);
	CHECK(p.seq_start == 0 && p.seq_limit == 0);

	/* a file where the directory should be */
	snprintf(file, sizeof(file), "%s/plainfile", root);
	put_file(file, "x", 1);
	CHECK_EQ(seqstore_init(&st, file, 0), 0);
	CHECK_EQ(
	    seqstore_sa_open(&st, &s, &p, "a", err, sizeof(err)), -ENOTDIR);
	CHECK(strstr(err, file) != NULL);

	/* no write permission (root ignores modes: only checked otherwise) */
	if (geteuid() != 0) {
		mkdirf(dir, sizeof(dir), "ro");
		CHECK_EQ(chmod(dir, 0500), 0);
		CHECK_EQ(seqstore_init(&st, dir, 0), 0);
		CHECK_EQ(seqstore_sa_open(&st, &s, &p, "a", err, sizeof(err)),
		    -EACCES);
		CHECK(strstr(err, dir) != NULL);
		chmod(dir, 0700);
	}

	/* a path too long for the store */
	char longdir[400];
	memset(longdir, 'a', sizeof(longdir) - 1);
	longdir[0] = '/';
	longdir[sizeof(longdir) - 1] = '\0';
	CHECK_EQ(seqstore_init(&st, longdir, 0), -ENAMETOOLONG);
	CHECK(st.dir[0] == '\0');
}

static void
test_corrupt(void)
{
	static const char *bad[] = {
	    "",
	    "gripd-esp-seq 1\nnext 12",
	    "garbage\n",
	    "gripd-esp-seq 1\nnext 0\n",
	};
	struct seqstore st;
	struct seqstore_sa s = {0};
	struct esp_sa_params p;
	char dir[128], path[sizeof(s.path)];

	mkdirf(dir, sizeof(dir), "corrupt");
	CHECK_EQ(seqstore_init(&st, dir, 100), 0);
	params(&p, 0xf6);
	CHECK_EQ(seqstore_sa_open(&st, &s, &p, "a", err, sizeof(err)), 0);
	snprintf(path, sizeof(path), "%s", s.path);
	CHECK_EQ(seqstore_sa_close(&st, &s, 0, err, sizeof(err)), 0);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		put_file(path, bad[i], strlen(bad[i]));
		params(&p, 0xf6);
		err[0] = '\0';
		CHECK_EQ(seqstore_sa_open(&st, &s, &p, "a", err, sizeof(err)),
		    -EBADMSG);
		/* the message names the file and says what to do */
		CHECK(strstr(err, path) != NULL);
		CHECK(strstr(err, "damaged") != NULL);
		CHECK(!s.is_open);
		CHECK(p.seq_start == 0 && p.seq_limit == 0);
		/* and the evidence is left alone */
		struct stat sb;
		CHECK_EQ(stat(path, &sb), 0);
		CHECK_EQ(sb.st_size, (long long)strlen(bad[i]));
	}
	/* an oversized record */
	char big[2000];
	memset(big, '#', sizeof(big));
	put_file(path, big, sizeof(big));
	CHECK_EQ(
	    seqstore_sa_open(&st, &s, &p, "a", err, sizeof(err)), -EBADMSG);
	/* an operator's repair is accepted */
	put_file(path, "gripd-esp-seq 1\nnext 5000\n", 26);
	params(&p, 0xf6);
	CHECK_EQ(seqstore_sa_open(&st, &s, &p, "a", err, sizeof(err)), 0);
	CHECK_EQ(p.seq_start, 5000);
	CHECK_EQ(seqstore_sa_close(&st, &s, 0, err, sizeof(err)), 0);
}

static void
test_prepare_dir(void)
{
	char dir[160], link[160];
	struct stat sb;

	snprintf(dir, sizeof(dir), "%s/var/lib/gripd", root);
	CHECK_EQ(
	    seqstore_prepare_dir(dir, (uid_t)-1, (gid_t)-1, err, sizeof(err)),
	    0);
	CHECK_EQ(stat(dir, &sb), 0);
	CHECK(S_ISDIR(sb.st_mode));
	CHECK_EQ(sb.st_mode & 07777, 0750);
	/* again: fine */
	CHECK_EQ(
	    seqstore_prepare_dir(dir, (uid_t)-1, (gid_t)-1, err, sizeof(err)),
	    0);
	if (geteuid() == 0) {
		/* the directory and the records in it change hands */
		char rec[200], other[200];
		snprintf(rec, sizeof(rec), "%s/esp-seq-0123", dir);
		snprintf(other, sizeof(other), "%s/epoch", dir);
		put_file(rec, "x", 1);
		put_file(other, "x", 1);
		CHECK_EQ(
		    seqstore_prepare_dir(dir, 4242, 4343, err, sizeof(err)), 0);
		CHECK_EQ(stat(dir, &sb), 0);
		CHECK_EQ(sb.st_uid, 4242);
		CHECK_EQ(sb.st_gid, 4343);
		CHECK_EQ(stat(rec, &sb), 0);
		CHECK_EQ(sb.st_uid, 4242);
		CHECK_EQ(stat(other, &sb), 0);
		CHECK_EQ(sb.st_uid, 0);
	}
	/* a symbolic link is refused, not followed */
	snprintf(link, sizeof(link), "%s/link", root);
	CHECK_EQ(symlink(dir, link), 0);
	CHECK_EQ(
	    seqstore_prepare_dir(link, (uid_t)-1, (gid_t)-1, err, sizeof(err)),
	    -ELOOP);
	CHECK(strstr(err, "symbolic link") != NULL);
	/* the environment overrides the compiled-in directory */
	setenv(SEQSTORE_ENV, dir, 1);
	CHECK_STREQ(seqstore_default_dir(), dir);
	setenv(SEQSTORE_ENV, "relative/dir", 1);
	CHECK_STREQ(seqstore_default_dir(), GRIPD_STATEDIR);
	unsetenv(SEQSTORE_ENV);
	CHECK_STREQ(seqstore_default_dir(), GRIPD_STATEDIR);
}

static void
rm_rf(const char *path)
{
	char cmd[256];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", path);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", path);
}

int
main(void)
{
	snprintf(root, sizeof(root), "/tmp/seqstore_test.XXXXXX");
	if (mkdtemp(root) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	test_parse();
	test_round_trip();
	test_advance();
	test_restart();
	test_unwritable();
	test_corrupt();
	test_prepare_dir();
	rm_rf(root);
	return check_report();
}
