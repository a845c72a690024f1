/* SPDX-License-Identifier: ISC */
/*
 * DOC: userspace ESP (RFC 4303)
 *
 * esp_encap() turns a payload (a GRE packet in transport mode, an IP
 * packet in tunnel mode) into an ESP packet in the caller's buffer, and
 * esp_decap() does the reverse, both in place and without allocating.
 * The bytes on the wire are those of Linux XFRM and strongSwan:
 *
 *  - AEADs (AES-GCM, RFC 4106; ChaCha20-Poly1305, RFC 7634): nonce =
 *    salt || 8-byte explicit IV; AAD = SPI || seq (8 bytes), or SPI ||
 *    seq_hi || seq_lo (12 bytes) with ESN (RFC 4106 section 5).
 *  - AES-CBC + HMAC-SHA-256-128: random 16-byte IV (RFC 3602 section 3),
 *    ICV over header || IV || ciphertext, with seq_hi appended (never
 *    sent) under ESN (RFC 4303 section 2.2.1), truncated to 128 bits
 *    (RFC 4868 section 2.3).
 *  - Padding 1, 2, 3, ... so that payload + 2 is a multiple of 4 (AEADs)
 *    or 16 (CBC) (RFC 4303 section 2.4); checked on receive.
 *
 * Explicit IV for the AEADs: the 64-bit sequence number, big endian.  RFC
 * 4106 section 3.1 only asks that an IV never repeat under one key, and
 * the sequence number never repeats (the sender refuses to cycle it; see
 * ESP_SEQ_LAST_32).  It is what RFC 8750 makes implicit, costs no random
 * bytes per packet and leaks nothing the header does not already carry.
 * The receiver takes the IV from the packet whatever the sender chose.
 *
 * Receive order (RFC 4303 section 3.4): SA lookup (caller), replay
 * pre-check (esp_replay_check), ICV verification and decryption, replay
 * window update (only for authentic packets), then padding and next
 * header checks.
 *
 * Sequence numbers: one atomic compare-and-swap per packet on the
 * outbound SA.
 * Without ESN seq never exceeds 2^32 - 1; ESP_EV_SOFT is raised at
 * ESP_SEQ_SOFT_32 and ESP_EV_HARD when the space is used up.  Seq 0 is
 * never sent.  An SA may start above 1 and carry a seq limit (manual
 * SAs: routed/seqstore.c keeps numbers unique across restarts); at the
 * limit esp_encap refuses with -EAGAIN until it is raised.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include <gripd/esp.h>

#include "esp_alg.h"
#include "esp_sa.h"

#define RELAXED memory_order_relaxed

static inline void
put32(uint8_t *p, uint32_t v)
{
	p[0] = v >> 24;
	p[1] = v >> 16;
	p[2] = v >> 8;
	p[3] = v;
}

static inline uint32_t
get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

static inline void
count(_Atomic uint64_t *c, uint64_t n)
{
	atomic_fetch_add_explicit(c, n, RELAXED);
}

static inline void
raise_event(struct esp_sa *sa, unsigned ev)
{
	/* Test first: after the watermark every packet would write. */
	if ((atomic_load_explicit(&sa->events, RELAXED) & ev) != ev)
		atomic_fetch_or_explicit(&sa->events, ev, RELAXED);
}

int
esp_sa_create(const struct esp_sa_params *p, uint64_t now,
    struct esp_sa **out)
{
	const struct esp_alg_info *ai = esp_alg_lookup(p->alg);
	struct esp_sa *sa;
	int rc;

	if (ai == NULL || p->enc_key_len != ai->key_len + ai->salt_len ||
	    p->auth_key_len != ai->auth_key_len ||
	    p->auth_key_len > sizeof(p->auth_key) ||
	    (p->dir != ESP_DIR_IN && p->dir != ESP_DIR_OUT) ||
	    (p->mode != ESP_MODE_TRANSPORT && p->mode != ESP_MODE_TUNNEL) ||
	    (p->replay_off && p->esn))
		return -EINVAL;
	/* aligned members: aligned_alloc, sized to a multiple of 64 */
	sa = aligned_alloc(64, (sizeof(*sa) + 63) & ~(size_t)63);
	if (sa == NULL)
		return -ENOMEM;
	memset(sa, 0, sizeof(*sa));
	sa->p = *p;
	sa->ai = ai;
	sa->created = now;
	atomic_init(&sa->seq_next, p->seq_start ? p->seq_start : 1);
	atomic_init(&sa->seq_limit, p->seq_limit);
	if ((rc = esp_replay_init(&sa->replay, p->replay_window, p->esn)) < 0) {
		free(sa);
		return rc;
	}
	/* an in-place restart: the same key's window goes on */
	if (p->dir == ESP_DIR_IN && !p->replay_off && p->replay_state != NULL &&
	    p->replay_state->size == sa->replay.size &&
	    p->replay_state->esn == sa->replay.esn)
		sa->replay = *p->replay_state;
	sa->p.replay_state = NULL;
	if (pthread_mutex_init(&sa->replay_lock, NULL) != 0) {
		free(sa);
		return -ENOMEM;
	}
	*out = sa;
	return 0;
}

void
esp_sa_free(struct esp_sa *sa)
{
	if (sa == NULL)
		return;
	for (unsigned i = 0; i < ESP_WORKERS_MAX; i++)
		esp_cctx_free(atomic_load(&sa->cctx[i]));
	pthread_mutex_destroy(&sa->replay_lock);
	OPENSSL_cleanse(&sa->p, sizeof(sa->p));
	free(sa);
}

uint32_t
esp_sa_spi(const struct esp_sa *sa)
{
	return sa->p.spi;
}

enum esp_dir
esp_sa_dir(const struct esp_sa *sa)
{
	return sa->p.dir;
}

uint64_t
esp_sa_tunnel_id(const struct esp_sa *sa)
{
	return sa->p.tunnel_id;
}

void *
esp_sa_cookie(const struct esp_sa *sa)
{
	return sa->p.cookie;
}

size_t
esp_sa_headroom(const struct esp_sa *sa)
{
	return ESP_HDR_LEN + sa->ai->iv_len;
}

size_t
esp_sa_tailroom(const struct esp_sa *sa)
{
	return sa->ai->block - 1 + ESP_TRAILER_LEN + ESP_ICV_LEN;
}

void
esp_sa_counters(const struct esp_sa *sa, struct esp_sa_counters *c)
{
	/* The casts drop const: C11 atomic loads take non-const pointers. */
	struct esp_sa *s = (struct esp_sa *)sa;

	c->packets = atomic_load_explicit(&s->c_packets, RELAXED);
	c->bytes = atomic_load_explicit(&s->c_bytes, RELAXED);
	c->replay = atomic_load_explicit(&s->c_replay, RELAXED);
	c->auth_fail = atomic_load_explicit(&s->c_auth_fail, RELAXED);
	c->malformed = atomic_load_explicit(&s->c_malformed, RELAXED);
	c->dummy = atomic_load_explicit(&s->c_dummy, RELAXED);
	c->exhausted = atomic_load_explicit(&s->c_exhausted, RELAXED);
}

unsigned
esp_sa_events(const struct esp_sa *sa)
{
	return atomic_load_explicit(&((struct esp_sa *)sa)->events, RELAXED);
}

void
esp_sa_set_seq_next(struct esp_sa *sa, uint64_t seq)
{
	atomic_store(&sa->seq_next, seq);
}

uint64_t
esp_sa_seq_next(const struct esp_sa *sa)
{
	return atomic_load(&((struct esp_sa *)sa)->seq_next);
}

int
esp_sa_replay_get(struct esp_sa *sa, struct esp_replay *out)
{
	if (sa->p.dir != ESP_DIR_IN || sa->p.replay_off)
		return -ENOENT;
	pthread_mutex_lock(&sa->replay_lock);
	*out = sa->replay;
	pthread_mutex_unlock(&sa->replay_lock);
	return 0;
}

void
esp_sa_set_seq_limit(struct esp_sa *sa, uint64_t limit)
{
	/* Release: pairs with esp_encap's acquire; the caller's fsync of
	 * the reservation happened before this store. */
	atomic_store_explicit(&sa->seq_limit, limit, memory_order_release);
}

uint64_t
esp_sa_seq_stop(struct esp_sa *sa)
{
	/*
	 * One exchange: a worker's compare-and-swap either happened before
	 * it (and its number is below the value returned) or fails against
	 * 0, which esp_encap refuses.  Setting the limit instead would race
	 * with a worker that had read the old limit.
	 */
	return atomic_exchange(&sa->seq_next, 0);
}

/* This worker's contexts for sa, created on first use. */
static struct esp_cctx *
sa_cctx(struct esp_worker *w, struct esp_sa *sa)
{
	struct esp_cctx *c;

	if (w->index >= ESP_WORKERS_MAX)
		return NULL;
	c = atomic_load_explicit(&sa->cctx[w->index], memory_order_acquire);
	if (c != NULL)
		return c;
	/* Only this worker writes its own slot: no race to lose. */
	if (esp_cctx_new(sa->ai, sa->p.dir == ESP_DIR_OUT, sa->p.enc_key,
	    sa->p.auth_key, &c) < 0)
		return NULL;
	atomic_store_explicit(&sa->cctx[w->index], c, memory_order_release);
	return c;
}

/*
 * RFC 3602 section 3: CBC IVs must be unpredictable.  They come from the
 * OpenSSL DRBG, drawn 1 KiB at a time into the worker (thread-local, so no
 * lock); the pool is never reused.
 */
static int
worker_iv(struct esp_worker *w, uint8_t *iv)
{
	if (w->iv_pos == 0 || w->iv_pos > sizeof(w->iv_pool) - 16) {
		if (RAND_bytes(w->iv_pool, sizeof(w->iv_pool)) != 1)
			return -EIO;
		w->iv_pos = 16; /* 0 means "empty" for a fresh worker */
	}
	memcpy(iv, w->iv_pool + w->iv_pos, 16);
	OPENSSL_cleanse(w->iv_pool + w->iv_pos, 16);
	w->iv_pos += 16;
	return 0;
}

static bool
nh_allowed(const struct esp_sa *sa, uint8_t nh)
{
	if (sa->p.mode == ESP_MODE_TRANSPORT)
		return nh == ESP_NH_GRE;
	return nh == ESP_NH_IPV4 || nh == ESP_NH_IPV6;
}

/* Volume lifetimes; seconds are the control thread's job. */
static int
sa_lifetime_check(struct esp_sa *sa, size_t len)
{
	const struct esp_lifetime *h = &sa->p.hard, *s = &sa->p.soft;
	uint64_t pk = atomic_load_explicit(&sa->c_packets, RELAXED);
	uint64_t by = atomic_load_explicit(&sa->c_bytes, RELAXED);

	if ((h->packets && pk >= h->packets) ||
	    (h->bytes && by + len > h->bytes)) {
		raise_event(sa, ESP_EV_HARD);
		count(&sa->c_exhausted, 1);
		return -ESTALE;
	}
	if ((s->packets && pk + 1 >= s->packets) ||
	    (s->bytes && by + len >= s->bytes))
		raise_event(sa, ESP_EV_SOFT);
	return 0;
}

static int
encap(struct esp_worker *w, struct esp_sa *sa, uint64_t seq,
    const uint8_t *fixed_iv, uint8_t *buf, size_t cap, size_t off,
    size_t len, uint8_t nh, size_t *esp_off, size_t *esp_len)
{
	const struct esp_alg_info *ai = sa->ai;
	size_t hl = ESP_HDR_LEN + ai->iv_len, padded, padlen;
	uint8_t *hdr, *iv, *pl = buf + off, aad[12], nonce[12];
	struct esp_cctx *c;
	int rc;

	if (sa->p.dir != ESP_DIR_OUT)
		return -EINVAL;
	if (!nh_allowed(sa, nh) && nh != ESP_NH_NONE) {
		count(&sa->c_malformed, 1);
		return -EINVAL;
	}
	padded = (len + ESP_TRAILER_LEN + ai->block - 1) / ai->block *
	    ai->block;
	padlen = padded - len - ESP_TRAILER_LEN;
	if (off < hl || off > cap || cap - off < padded + ESP_ICV_LEN ||
	    len > 0xffff)
		return -ENOBUFS;
	if ((c = sa_cctx(w, sa)) == NULL)
		return -ENOMEM;

	/* RFC 4303 2.4: monotonic padding bytes 1, 2, 3, ... */
	for (size_t i = 0; i < padlen; i++)
		pl[len + i] = (uint8_t)(i + 1);
	pl[len + padlen] = (uint8_t)padlen;
	pl[len + padlen + 1] = nh;

	hdr = pl - hl;
	iv = hdr + ESP_HDR_LEN;
	put32(hdr, sa->p.spi);
	put32(hdr + 4, (uint32_t)seq);
	if (ai->aead) {
		size_t aadlen;

		if (fixed_iv != NULL) {
			memcpy(iv, fixed_iv, 8);
		} else {
			/* Counter IV: unique per key (RFC 4106 3.1). */
			put32(iv, (uint32_t)(seq >> 32));
			put32(iv + 4, (uint32_t)seq);
		}
		memcpy(nonce, sa->p.enc_key + ai->key_len, 4);
		memcpy(nonce + 4, iv, 8);
		/* RFC 4106 section 5: AAD is SPI || [seq_hi ||] seq_lo */
		put32(aad, sa->p.spi);
		if (sa->p.esn) {
			put32(aad + 4, (uint32_t)(seq >> 32));
			put32(aad + 8, (uint32_t)seq);
			aadlen = 12;
		} else {
			put32(aad + 4, (uint32_t)seq);
			aadlen = 8;
		}
		rc = esp_alg_seal(c, nonce, aad, aadlen, pl, padded,
		    pl + padded);
	} else {
		uint8_t hi[4];

		if (fixed_iv != NULL)
			memcpy(iv, fixed_iv, 16);
		else if ((rc = worker_iv(w, iv)) < 0)
			return rc;
		if ((rc = esp_alg_cbc(c, iv, pl, padded)) < 0)
			return rc;
		/* RFC 4303 2.2.1: seq_hi is appended for the ICV only. */
		put32(hi, (uint32_t)(seq >> 32));
		rc = esp_alg_hmac(c, hdr, hl + padded, hi, sa->p.esn ? 4 : 0,
		    pl + padded);
	}
	if (rc < 0)
		return rc;
	count(&sa->c_packets, 1);
	count(&sa->c_bytes, len);
	*esp_off = off - hl;
	*esp_len = hl + padded + ESP_ICV_LEN;
	return 0;
}

int
esp_encap(struct esp_worker *w, struct esp_sa *sa, uint8_t *buf, size_t cap,
    size_t off, size_t len, uint8_t nh, size_t *esp_off, size_t *esp_len)
{
	uint64_t seq, last, soft, limit;
	int rc;

	if (sa->p.dir != ESP_DIR_OUT)
		return -EINVAL;
	if ((rc = sa_lifetime_check(sa, len)) < 0)
		return rc;
	last = sa->p.esn ? ESP_SEQ_LAST_64 : ESP_SEQ_LAST_32;
	soft = sa->p.esn ? ESP_SEQ_SOFT_64 : ESP_SEQ_SOFT_32;
	/*
	 * A CAS loop rather than a fetch-add: the counter must stop at the
	 * end of the space instead of running on and wrapping into numbers
	 * (and IVs) already used.  With ESN it wraps to 0 after 2^64 - 1,
	 * and 0 is never sent.  It also stops at the seq limit, the end of
	 * what the keying layer has reserved on disk (manual SAs, whose key
	 * survives a restart): waiting beats reusing a nonce.  The limit
	 * only grows, so a stale read only refuses too early.
	 */
	limit = atomic_load_explicit(&sa->seq_limit, memory_order_acquire);
	seq = atomic_load_explicit(&sa->seq_next, RELAXED);
	do {
		if (seq > last || seq == 0) {
			raise_event(sa, ESP_EV_HARD | ESP_EV_SOFT);
			count(&sa->c_exhausted, 1);
			return -ESTALE;
		}
		if (limit != 0 && seq >= limit) {
			count(&sa->c_exhausted, 1);
			return -EAGAIN;
		}
	} while (!atomic_compare_exchange_weak_explicit(&sa->seq_next, &seq,
	    seq + 1, RELAXED, RELAXED));
	if (seq >= soft)
		raise_event(sa, ESP_EV_SOFT);
	if (seq == last)
		raise_event(sa, ESP_EV_HARD);
	return encap(w, sa, seq, NULL, buf, cap, off, len, nh, esp_off,
	    esp_len);
}

int
esp_encap_fixed(struct esp_worker *w, struct esp_sa *sa, uint64_t seq,
    const uint8_t *iv, uint8_t *buf, size_t cap, size_t off, size_t len,
    uint8_t nh, size_t *esp_off, size_t *esp_len)
{
	return encap(w, sa, seq, iv, buf, cap, off, len, nh, esp_off, esp_len);
}

int
esp_decap(struct esp_worker *w, struct esp_sa *sa, uint8_t *buf, size_t len,
    size_t *pl_off, size_t *pl_len, uint8_t *nhp)
{
	const struct esp_alg_info *ai = sa->ai;
	size_t hl = ESP_HDR_LEN + ai->iv_len, ctlen, padlen;
	uint8_t *ct, *icv, aad[12], nonce[12], nh;
	struct esp_cctx *c;
	uint64_t seq;
	int rc;

	if (sa->p.dir != ESP_DIR_IN)
		return -EINVAL;
	/* Header, IV, at least the trailer, ICV; CBC: whole blocks. */
	if (len < hl + ESP_TRAILER_LEN + ESP_ICV_LEN ||
	    get32(buf) != sa->p.spi)
		goto malformed;
	ctlen = len - hl - ESP_ICV_LEN;
	if (!ai->aead && ctlen % ai->block != 0)
		goto malformed;
	if ((rc = sa_lifetime_check(sa, 0)) < 0)
		return rc;

	/* Phase 1 of the replay check (RFC 4303 3.4.3), before the ICV. */
	if (sa->p.replay_off) {
		/* Only without ESN (esp_sa_create): seq is the wire's 32 bits. */
		seq = get32(buf + 4);
		if (seq == 0)
			goto malformed;
	} else {
		pthread_mutex_lock(&sa->replay_lock);
		rc = esp_replay_check(&sa->replay, get32(buf + 4), &seq);
		pthread_mutex_unlock(&sa->replay_lock);
		if (rc == -EINVAL)
			goto malformed;
		if (rc < 0)
			goto replay;
	}

	if ((c = sa_cctx(w, sa)) == NULL)
		return -ENOMEM;
	ct = buf + hl;
	icv = ct + ctlen;
	if (ai->aead) {
		size_t aadlen;

		memcpy(nonce, sa->p.enc_key + ai->key_len, 4);
		memcpy(nonce + 4, buf + ESP_HDR_LEN, 8);
		put32(aad, sa->p.spi);
		if (sa->p.esn) {
			put32(aad + 4, (uint32_t)(seq >> 32));
			put32(aad + 8, (uint32_t)seq);
			aadlen = 12;
		} else {
			put32(aad + 4, (uint32_t)seq);
			aadlen = 8;
		}
		rc = esp_alg_open(c, nonce, aad, aadlen, ct, ctlen, icv);
	} else {
		uint8_t hi[4], want[ESP_ICV_LEN];

		put32(hi, (uint32_t)(seq >> 32));
		rc = esp_alg_hmac(c, buf, hl + ctlen, hi, sa->p.esn ? 4 : 0,
		    want);
		if (rc == 0 && CRYPTO_memcmp(want, icv, ESP_ICV_LEN) != 0)
			rc = -EBADMSG;
		if (rc == 0)
			rc = esp_alg_cbc(c, buf + ESP_HDR_LEN, ct, ctlen);
	}
	if (rc == -EBADMSG) {
		count(&sa->c_auth_fail, 1);
		return rc;
	}
	if (rc < 0)
		return rc;

	/* Phase 2: authentic, so it may move the window. */
	if (!sa->p.replay_off) {
		pthread_mutex_lock(&sa->replay_lock);
		rc = esp_replay_update(&sa->replay, seq);
		pthread_mutex_unlock(&sa->replay_lock);
		if (rc < 0)
			goto replay;
	}

	/* RFC 4303 2.4-2.6: trailer, padding 1, 2, 3..., next header. */
	nh = ct[ctlen - 1];
	padlen = ct[ctlen - 2];
	if (padlen + ESP_TRAILER_LEN > ctlen)
		goto malformed;
	for (size_t i = 0; i < padlen; i++)
		if (ct[ctlen - ESP_TRAILER_LEN - padlen + i] != i + 1)
			goto malformed;
	if (nh == ESP_NH_NONE) {
		count(&sa->c_dummy, 1);
		return -ENODATA;
	}
	if (!nh_allowed(sa, nh))
		goto malformed;
	*pl_off = hl;
	*pl_len = ctlen - padlen - ESP_TRAILER_LEN;
	*nhp = nh;
	count(&sa->c_packets, 1);
	count(&sa->c_bytes, *pl_len);
	return 0;
malformed:
	count(&sa->c_malformed, 1);
	return -EINVAL;
replay:
	count(&sa->c_replay, 1);
	return -EALREADY;
}

int
esp_peek_spi(const uint8_t *buf, size_t len, uint32_t *spi)
{
	if (len < ESP_HDR_LEN)
		return -EINVAL;
	*spi = get32(buf);
	return 0;
}

enum esp_udp_kind
esp_udp_classify(const uint8_t *buf, size_t len)
{
	/* RFC 3948 2.3: one 0xff byte is a NAT-keepalive. */
	if (len == 1 && buf[0] == 0xff)
		return ESP_UDP_KEEPALIVE;
	/* RFC 3948 2.2: the 4-byte non-ESP marker (SPI 0) means IKE. */
	if (len >= 4 && get32(buf) == 0)
		return ESP_UDP_IKE;
	/*
	 * RFC 4303 2.1: SPIs 1-255 are reserved and never on the wire; an
	 * ESP packet carries at least a header, some IV and an ICV.
	 */
	if (len < ESP_HDR_LEN + 8 + ESP_ICV_LEN || get32(buf) < 256)
		return ESP_UDP_INVALID;
	return ESP_UDP_ESP;
}

size_t
esp_nat_keepalive(uint8_t *buf, size_t cap)
{
	if (cap < 1)
		return 0;
	buf[0] = 0xff;
	return 1;
}
