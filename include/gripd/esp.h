/* SPDX-License-Identifier: ISC */
/*
 * esp.h: userspace ESP (RFC 4303) for the userspace datapath, and the
 * plain struct that carries a CHILD_SA's keys from the keying layer to it.
 *
 * Wire format (RFC 4303 section 2, RFC 4106 section 3, RFC 3602 section 3):
 *
 *	 0                   1                   2                   3
 *	+---------------------------------------------------------------+
 *	|               Security Parameters Index (SPI)                 |
 *	+---------------------------------------------------------------+
 *	|                      Sequence Number (low 32 bits)            |
 *	+---------------------------------------------------------------+
 *	|  IV: 8 bytes (AES-GCM, ChaCha20-Poly1305) or 16 (AES-CBC)     |
 *	+---------------------------------------------------------------+
 *	|  payload (GRE packet, IPv4 or IPv6 packet)  ...               |
 *	|  padding 1, 2, 3, ...  | pad length | next header            |
 *	+---------------------------------------------------------------+
 *	|  ICV: 16 bytes                                                |
 *	+---------------------------------------------------------------+
 *
 * Buffers are processed in place.  To encapsulate, the caller puts the
 * payload at buf + off with at least esp_sa_headroom() bytes before it and
 * esp_sa_tailroom() bytes after it (ESP_HEADROOM_MAX / ESP_TAILROOM_MAX
 * cover every algorithm); the ESP packet then starts at buf + off -
 * headroom.  Decapsulation leaves the payload where the ciphertext was.
 *
 * Return values: 0 on success, else a negative errno:
 *	-EINVAL		malformed (too short, bad padding, bad next header,
 *			sequence number 0), counted as malformed
 *	-EBADMSG	ICV did not verify, counted as auth failure
 *	-EALREADY	replayed or left of the window, counted as replay
 *	-ENODATA	a valid dummy packet (next header 59, RFC 4303 2.6):
 *			drop it silently
 *	-ESTALE		sequence numbers or a hard lifetime exhausted: the SA
 *			must be replaced (the keying layer got ESP_EV_HARD)
 *	-EAGAIN		(esp_encap) the next sequence number is at or above
 *			the SA's seq limit (not yet reserved on stable
 *			storage, see esp_sa_set_seq_limit); counted as
 *			exhausted, no event: sending resumes when the limit
 *			is raised
 *	-ENOBUFS	not enough headroom/tailroom in the caller's buffer
 *	-ENOMEM		creating the per-thread crypto context failed
 *	-ENOENT		(esp_sadb_input) no SA for that SPI
 */
#ifndef GRIPD_ESP_H
#define GRIPD_ESP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include <gripd/replay.h>

/* Sizes (RFC 4303 section 2, RFC 4106 section 3, RFC 3602 section 3). */
#define ESP_HDR_LEN		8	/* SPI + sequence number */
#define ESP_ICV_LEN		16	/* GCM-16, Poly1305, HMAC-SHA-256-128 */
#define ESP_TRAILER_LEN		2	/* pad length + next header */
#define ESP_HEADROOM_MAX	(ESP_HDR_LEN + 16)
#define ESP_TAILROOM_MAX	(15 + ESP_TRAILER_LEN + ESP_ICV_LEN)

#define ESP_ENC_KEY_MAX		36	/* AES-256 or ChaCha20 key + salt */
#define ESP_AUTH_KEY_MAX	32	/* HMAC-SHA-256 (RFC 4868 2.1) */

/* Worker threads that can hold per-SA crypto contexts. */
#define ESP_WORKERS_MAX		32

/* Next header values (IANA protocol numbers; RFC 4303 section 2.6). */
#define ESP_NH_IPV4		4
#define ESP_NH_IPV6		41
#define ESP_NH_GRE		47
#define ESP_NH_NONE		59	/* dummy packet */

/*
 * Outbound sequence number watermarks.  Without ESN the counter must not
 * cycle (RFC 4303 section 3.3.3): at 2^32 - 2^20 (a million packets,
 * about a second at line rate, before the end) the SA raises ESP_EV_SOFT
 * so IKE can rekey, and after 2^32 - 1 it refuses to send.  With ESN the
 * same margin is kept below 2^64.
 */
#define ESP_SEQ_SOFT_32		((UINT64_C(1) << 32) - (UINT64_C(1) << 20))
#define ESP_SEQ_LAST_32		UINT64_C(0xffffffff)
#define ESP_SEQ_SOFT_64		(UINT64_MAX - (UINT64_C(1) << 32) + 1)
#define ESP_SEQ_LAST_64		UINT64_MAX

enum esp_alg {
	ESP_ALG_AES_GCM_128 = 1,	/* RFC 4106, 16-byte ICV */
	ESP_ALG_AES_GCM_256,
	ESP_ALG_CHACHA20_POLY1305,	/* RFC 7634 */
	ESP_ALG_AES_CBC_128_HMAC_SHA256,/* RFC 3602 + RFC 4868 */
	ESP_ALG_AES_CBC_256_HMAC_SHA256,
};

enum esp_dir {
	ESP_DIR_IN,
	ESP_DIR_OUT,
};

enum esp_mode {
	ESP_MODE_TRANSPORT,	/* payload is the GRE packet (next header 47) */
	ESP_MODE_TUNNEL,	/* payload is an IP packet (4 or 41) */
};

enum esp_encap {
	ESP_ENCAP_RAW,		/* IP protocol 50 */
	ESP_ENCAP_UDP,		/* RFC 3948, normally port 4500 */
};

/* Soft/hard limits; 0 means none.  Seconds are checked by esp_sadb_expire. */
struct esp_lifetime {
	uint64_t bytes;
	uint64_t packets;
	uint64_t seconds;
};

/*
 * What the keying layer hands the datapath for one SA.  Key material is
 * laid out as IKEv2 derives it (RFC 7296 section 2.17) and as Linux XFRM
 * takes it:
 *	AES-GCM-128/256:   enc_key = key (16/32) || salt (4)  (RFC 4106 8.1)
 *	ChaCha20-Poly1305: enc_key = key (32) || salt (4)     (RFC 7634 2)
 *	AES-CBC-128/256:   enc_key = key (16/32), auth_key = HMAC key (32)
 */
struct esp_sa_params {
	uint32_t spi;			/* host order */
	enum esp_dir dir;
	enum esp_alg alg;
	uint8_t enc_key[ESP_ENC_KEY_MAX];
	size_t enc_key_len;
	uint8_t auth_key[ESP_AUTH_KEY_MAX];
	size_t auth_key_len;
	bool esn;			/* RFC 4303 section 2.2.1 */
	enum esp_mode mode;
	enum esp_encap encap;
	uint16_t sport, dport;		/* UDP encap ports, host order */
	struct sockaddr_storage src;	/* outer addresses */
	struct sockaddr_storage dst;
	struct esp_lifetime soft;
	struct esp_lifetime hard;
	uint32_t replay_window;		/* inbound; 0 = default (2048) */
	bool replay_off;		/* no anti-replay (manual SAs; not with ESN) */
	/*
	 * Inbound: a window to continue instead of an empty one (the same
	 * key's window from the process an in-place restart replaced), taken
	 * only when its size and ESN match this SA's.  Read during create
	 * only; NULL: start empty.
	 */
	const struct esp_replay *replay_state;
	uint64_t tunnel_id;		/* the tunnel/peer of the SA */
	void *cookie;			/* opaque for the datapath */
	/*
	 * Outbound only.  seq_start: the first sequence number (0 = 1); a
	 * manual SA, whose key outlives the daemon, resumes above every
	 * number an earlier run may have sent.  seq_limit: numbers >= it
	 * are refused with -EAGAIN until esp_sa_set_seq_limit() raises it
	 * (0 = no limit): the keying layer makes it durable first.
	 */
	uint64_t seq_start;
	uint64_t seq_limit;
};

/* Events an SA raises for the keying layer (sticky bits). */
#define ESP_EV_SOFT	0x1u	/* rekey soon: soft lifetime or seq watermark */
#define ESP_EV_HARD	0x2u	/* unusable: hard lifetime or seq exhausted */

struct esp_sa_counters {
	uint64_t packets;
	uint64_t bytes;		/* payload bytes (before ESP overhead) */
	uint64_t replay;	/* duplicates and too-old packets */
	uint64_t auth_fail;
	uint64_t malformed;	/* short, bad padding, bad next header */
	uint64_t dummy;		/* next header 59, dropped */
	uint64_t exhausted;	/* refused: sequence numbers or hard lifetime */
};

struct esp_sa;

/*
 * A datapath thread.  `index` (0 .. ESP_WORKERS_MAX - 1, unique among
 * running threads) selects the thread's slot in every SA, where its
 * OpenSSL contexts are created on first use.  Zero-initialise the rest.
 */
struct esp_worker {
	unsigned index;
	/* CBC IVs: random bytes drawn in batches (RAND_bytes per packet
	 * costs about as much as encrypting 1400 bytes). */
	unsigned iv_pos;	/* start at 0 (or sizeof(iv_pool): refill) */
	uint8_t iv_pool[1024];
};

enum esp_udp_kind {
	ESP_UDP_INVALID,
	ESP_UDP_ESP,
	ESP_UDP_IKE,		/* starts with the 4-byte non-ESP marker */
	ESP_UDP_KEEPALIVE,	/* a single 0xff byte (RFC 3948 section 2.3) */
};

/* The name of an algorithm ("aes-gcm-128", ...), or NULL. */
const char	*esp_alg_name(enum esp_alg alg);

/*
 * Creates an SA from params (keys are copied; the caller may wipe its
 * copy).  `now` (seconds, monotonic) starts the time lifetimes.  Returns
 * 0, -EINVAL for a bad algorithm, key length or window, or -ENOMEM.
 */
int	esp_sa_create(const struct esp_sa_params *p, uint64_t now,
	    struct esp_sa **out);
/* Frees an SA and its per-thread contexts, wiping the keys. */
void	esp_sa_free(struct esp_sa *sa);

uint32_t	esp_sa_spi(const struct esp_sa *sa);
enum esp_dir	esp_sa_dir(const struct esp_sa *sa);
uint64_t	esp_sa_tunnel_id(const struct esp_sa *sa);
void		*esp_sa_cookie(const struct esp_sa *sa);
/* Bytes needed before the payload: ESP_HDR_LEN + IV length. */
size_t	esp_sa_headroom(const struct esp_sa *sa);
/* Bytes needed after the payload at most: padding + trailer + ICV. */
size_t	esp_sa_tailroom(const struct esp_sa *sa);
/* A snapshot of the counters (relaxed reads; any thread). */
void	esp_sa_counters(const struct esp_sa *sa, struct esp_sa_counters *c);
/* The sticky ESP_EV_* bits raised so far. */
unsigned	esp_sa_events(const struct esp_sa *sa);

/*
 * Outbound sequence numbers (control thread; workers may be sending).
 * esp_sa_seq_next returns the next number the SA would send (0 once
 * stopped, or after the 64-bit space wrapped).  esp_sa_set_seq_limit sets
 * the first number the SA must not send (0 = no limit); only raise it,
 * and only once every number below it is allowed on the wire (a worker
 * may act on a limit it read just before a lower one was stored).
 * esp_sa_seq_stop stops the SA for good (every later esp_encap fails
 * with -ESTALE) and returns the first number it never used, exact even
 * with workers racing: all numbers it sent are below it.
 */
uint64_t	esp_sa_seq_next(const struct esp_sa *sa);
/*
 * Copies an inbound SA's anti-replay window (under its lock).  Returns 0,
 * or -ENOENT for an outbound SA or one without anti-replay.
 */
int		esp_sa_replay_get(struct esp_sa *sa, struct esp_replay *out);
void		esp_sa_set_seq_limit(struct esp_sa *sa, uint64_t limit);
uint64_t	esp_sa_seq_stop(struct esp_sa *sa);

/*
 * Encapsulates the `len` payload bytes at buf + off (buffer size cap) with
 * next header `nh`.  On success the ESP packet is at buf + *esp_off,
 * *esp_len bytes.  Returns 0 or a negative errno (see the top of this
 * file).  Thread-safe for distinct workers.
 */
int	esp_encap(struct esp_worker *w, struct esp_sa *sa, uint8_t *buf,
	    size_t cap, size_t off, size_t len, uint8_t nh, size_t *esp_off,
	    size_t *esp_len);

/*
 * Verifies and decrypts the ESP packet of `len` bytes at buf in place.  On
 * success the payload is at buf + *pl_off, *pl_len bytes, and *nh is its
 * next header (already checked against the SA's mode).  Returns 0 or a
 * negative errno.  Thread-safe for distinct workers.
 */
int	esp_decap(struct esp_worker *w, struct esp_sa *sa, uint8_t *buf,
	    size_t len, size_t *pl_off, size_t *pl_len, uint8_t *nh);

/* The SPI of an ESP packet; returns 0 or -EINVAL when too short. */
int	esp_peek_spi(const uint8_t *buf, size_t len, uint32_t *spi);

/* RFC 3948 section 2.2: what a UDP (port 4500) payload is. */
enum esp_udp_kind	esp_udp_classify(const uint8_t *buf, size_t len);

/* Writes the one-byte NAT-keepalive payload; returns its length or 0. */
size_t	esp_nat_keepalive(uint8_t *buf, size_t cap);

/*
 * The SA database.  Inbound SAs are found by SPI (we allocate our own
 * inbound SPIs, so SPI alone is unique; RFC 4301 section 4.1), outbound
 * SAs by tunnel_id.  The control thread changes it; workers look up
 * without locks (quiescent-state based reclamation, see docs/esp.md):
 * a pointer returned by a lookup stays valid until that worker calls
 * esp_sadb_quiescent() or esp_sadb_offline().
 */
struct esp_sadb;

/* `buckets` is rounded up to a power of two (0: 1024).  0 or -ENOMEM. */
int	esp_sadb_create(unsigned buckets, struct esp_sadb **out);
/* Frees the database and every SA; no worker may be online. */
void	esp_sadb_free(struct esp_sadb *db);

/*
 * Adds an SA.  Returns 0, -EEXIST (inbound SPI taken, or the tunnel has
 * an outbound SA already), or an esp_sa_create error.
 */
int	esp_sadb_install(struct esp_sadb *db, const struct esp_sa_params *p,
	    uint64_t now);

/*
 * Make-before-break rekey of one tunnel's SA pair: the new inbound SA goes
 * live first, then the tunnel's outbound SA is switched from old_out_spi
 * to new_out in one pointer store, and the old inbound SA keeps accepting
 * packets still in flight for `grace` seconds, until esp_sadb_expire
 * removes it.  Either params pointer may be NULL to rekey one direction.
 * Returns 0, -ENOENT (an old SA is missing), -EEXIST, -EINVAL or -ENOMEM;
 * on error nothing changed.
 */
int	esp_sadb_replace(struct esp_sadb *db, uint32_t old_in_spi,
	    const struct esp_sa_params *new_in, uint32_t old_out_spi,
	    const struct esp_sa_params *new_out, uint64_t now, uint64_t grace);

/* Removes an SA now.  Returns 0 or -ENOENT. */
int	esp_sadb_remove(struct esp_sadb *db, enum esp_dir dir, uint32_t spi);

/*
 * Control-thread housekeeping at time `now`: reports each SA's newly
 * raised ESP_EV_* bits (including soft/hard time and volume lifetimes)
 * through cb (which may be NULL), removes SAs past their grace period or
 * hard limit, and frees removed SAs no worker can still see.  Returns the
 * number of SAs removed.
 */
unsigned	esp_sadb_expire(struct esp_sadb *db, uint64_t now,
	    void (*cb)(void *arg, const struct esp_sa *sa, unsigned events),
	    void *arg);

/* Worker side: lookups (no locks, no allocation). */
struct esp_sa	*esp_sadb_lookup_in(struct esp_sadb *db, uint32_t spi);
/* esp_sa_replay_get on the inbound SA with this SPI; -ENOENT if none. */
int	esp_sadb_replay_get(struct esp_sadb *db, uint32_t spi,
	    struct esp_replay *out);
struct esp_sa	*esp_sadb_lookup_out(struct esp_sadb *db, uint64_t tunnel_id);

/*
 * Looks the packet's SPI up and decapsulates it; *sap gets the SA (for its
 * tunnel_id/cookie) even when decap fails.  Returns esp_decap's result or
 * -ENOENT for an unknown SPI (counted in the database).
 */
int	esp_sadb_input(struct esp_sadb *db, struct esp_worker *w, uint8_t *buf,
	    size_t len, struct esp_sa **sap, size_t *pl_off, size_t *pl_len,
	    uint8_t *nh);

/*
 * The esp_sa_seq_* calls on the outbound SA of tunnel_id, under the
 * database lock (control thread).  Each returns 0 or -ENOENT (no
 * outbound SA for that tunnel, e.g. removed at its hard limit).
 */
int	esp_sadb_seq_next(struct esp_sadb *db, uint64_t tunnel_id,
	    uint64_t *next);
int	esp_sadb_set_seq_limit(struct esp_sadb *db, uint64_t tunnel_id,
	    uint64_t limit);
int	esp_sadb_seq_stop(struct esp_sadb *db, uint64_t tunnel_id,
	    uint64_t *next);

/* Packets whose SPI matched no SA. */
uint64_t	esp_sadb_unknown_spi(struct esp_sadb *db);

/*
 * Counters of one SA (control thread).  Returns 0 or -ENOENT.  Also
 * finds SAs lingering in their grace period.
 */
int	esp_sadb_counters(struct esp_sadb *db, enum esp_dir dir, uint32_t spi,
	    struct esp_sa_counters *c);

/*
 * Quiescent-state reporting.  A worker is online between online() and
 * offline(); while online it must call quiescent() regularly (once per
 * batch of packets) and must not hold SA pointers across that call.  Block
 * in epoll_wait only while offline, or removed SAs are never freed.
 */
void	esp_sadb_online(struct esp_sadb *db, struct esp_worker *w);
void	esp_sadb_quiescent(struct esp_sadb *db, struct esp_worker *w);
void	esp_sadb_offline(struct esp_sadb *db, struct esp_worker *w);

#endif
