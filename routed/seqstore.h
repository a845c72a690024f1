/* SPDX-License-Identifier: ISC */
/*
 * seqstore.h (private to routed/): durable reservations of outbound ESP
 * sequence numbers for manual SAs, so that a restart never sends a number
 * (for the AEADs: an IV) twice under one key.  See seqstore.c and
 * docs/esp.md, "Sequence numbers across restarts".
 *
 * Life of one outbound manual SA:
 *
 *	seqstore_sa_open	read the record (none: 1), write start + BLOCK,
 *				set params->seq_start / seq_limit
 *	(once a second)		seqstore_sa_update(next): when next is within
 *				BLOCK/2 of the limit, write next + BLOCK, then
 *				the caller raises the datapath's limit
 *	seqstore_sa_close	write the exact next number (clean stop)
 *
 * Structures are embedded in struct gripd / struct peer (no allocation);
 * zero-initialised means closed.
 */
#ifndef GRIPD_SEQSTORE_H
#define GRIPD_SEQSTORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <gripd/esp.h>

/*
 * Numbers reserved ahead of the datapath: 2^22 = 4,194,304.  The once a
 * second check extends when fewer than BLOCK/2 (2^21) remain, so the
 * datapath reaches the limit only if it sends 2^21 packets between two
 * checks: 14 s at the 150 kpps this datapath manages, 2 s even at
 * 1 Mpps, enough to ride out a slow fsync or a busy loop.  Cost: a crash
 * skips at most BLOCK numbers, so a 32-bit (non-ESN) SA survives 1024
 * crashes; clean stops skip nothing.  A write every ~28 s at 150 kpps.
 */
#define SEQSTORE_BLOCK (UINT64_C(1) << 22)
#define SEQSTORE_PATH_MAX 256
#define SEQSTORE_ID_LEN 32 /* hex digits of the key fingerprint */
#define SEQSTORE_ENV "GRIPD_STATEDIR"

struct seqstore_sa;

struct seqstore {
	char dir[SEQSTORE_PATH_MAX];
	uint64_t block;
	struct seqstore_sa *open; /* open records (same-key check) */
};

struct seqstore_sa {
	struct seqstore_sa *next;
	bool is_open;
	bool failing; /* last write failed (logged once) */
	bool held;    /* datapath at the limit (logged once) */
	char id[SEQSTORE_ID_LEN + 1];
	char path[SEQSTORE_PATH_MAX + 64];
	char label[96]; /* "hub west-1 SPI 0x00001001" */
	uint64_t limit; /* on disk: numbers below may be used */
};

/*
 * A fingerprint of an SA's keys, SEQSTORE_ID_LEN hex digits: the first 128
 * bits of SHA-256("gripd-esp-seq v1" || enc key || auth key).  Names the
 * outbound record; an in-place restart hands an inbound window over under
 * it too.  Returns 0 or -ENOMEM.
 */
int seqstore_key_id(const struct esp_sa_params *sp,
    char id[SEQSTORE_ID_LEN + 1]);

/*
 * The state directory: $GRIPD_STATEDIR when set to an absolute path (tests,
 * packagers), else the compiled-in GRIPD_STATEDIR.
 */
const char *seqstore_default_dir(void);

/*
 * Run as root before dropping privileges: creates dir (and missing
 * parents, 0755) with mode 0750 and, when uid is not (uid_t)-1 and we are
 * root, gives it and the records in it to uid:gid so the daemon can
 * read and write them (the configured user may have changed).  Refuses
 * a symbolic link.  Returns 0 or -errno with a message in err.
 */
int seqstore_prepare_dir(
    const char *dir, uid_t uid, gid_t gid, char *err, size_t errlen);

/*
 * Sets up a store in dir (not touched until a record is opened) with the
 * given block (0: SEQSTORE_BLOCK).  Returns 0 or -ENAMETOOLONG.
 */
int seqstore_init(struct seqstore *st, const char *dir, uint64_t block);

/*
 * Opens the record (s zero-initialised or closed) of the outbound SA in sp
 * (identified by a fingerprint of its keys), reserves [start, start + block) on
 * disk and sets sp->seq_start and sp->seq_limit.  label names the SA in the
 * file and in messages.  Returns 0, or with a message naming the file in err:
 * -EALREADY (s is open), -EEXIST (another open SA has the same keys),
 * -EBADMSG (damaged record:
 * left as is), or -errno of the failed read or write.  On error s stays
 * closed and nothing was reserved.
 */
int seqstore_sa_open(struct seqstore *st, struct seqstore_sa *s,
    struct esp_sa_params *sp, const char *label, char *err, size_t errlen);

/*
 * The datapath's next number is `next` (0: stopped, nothing to do).
 * Returns 1 when the reservation was extended (s->limit is the new limit,
 * on disk: raise the datapath's to it), 0 when no extension was due, or
 * -errno with a message in err (s->limit unchanged).
 */
int seqstore_sa_update(struct seqstore *st, struct seqstore_sa *s,
    uint64_t next, char *err, size_t errlen);

/*
 * Closes the record.  `next` is the first number the SA never used (from
 * esp_sa_seq_stop), written so a clean restart skips nothing; 0 keeps the
 * reservation.  Returns 0 or -errno of that write (the record still holds
 * the larger reservation, which is safe); s is closed either way.
 */
int seqstore_sa_close(struct seqstore *st, struct seqstore_sa *s, uint64_t next,
    char *err, size_t errlen);

/*
 * Parses a record's bytes (pure: for tests and fuzzing).  Returns 0 with
 * *next, or -EBADMSG with the reason in err.
 */
int seqstore_parse(
    const char *buf, size_t len, uint64_t *next, char *err, size_t errlen);

#endif
