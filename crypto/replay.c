/* SPDX-License-Identifier: ISC */
/*
 * DOC: ESP anti-replay window
 *
 * RFC 4303 section 3.4.3 asks the receiver to remember which of the last
 * W sequence numbers it has seen.  The classic implementation shifts a
 * W-bit bitmap on every new highest number, which costs O(W) per packet.
 * RFC 6479 instead keeps the bitmap as a ring of 64-bit words indexed by
 * (seq / 64) mod N: a new highest number only clears the words between
 * the old top and the new one (at most N), and a bit test is one load.
 *
 * The ring has twice the maximum window's bits (ESP_REPLAY_RING_WORDS), so
 * any window up to ESP_REPLAY_WINDOW_MAX plus the partly filled top word
 * fits without aliasing.  With the default maximum (4096) that is 1 KiB
 * per inbound SA.
 *
 * With Extended Sequence Numbers only the low 32 bits travel; the high
 * half is inferred from the window as in RFC 4303 Appendix A2.2: a number
 * at or right of the window's bottom belongs to the top's subspace, one
 * below it to the next subspace (case A) or the previous one (case B,
 * when the window straddles a 2^32 boundary).  The guess is checked by
 * the ICV, which covers the high half (RFC 4303 section 2.2.1); we do not
 * try the resynchronisation of Appendix A3.
 *
 * Everything here is pure: the caller serialises access and decides when
 * to call update (only after the ICV verified).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>

#include <gripd/replay.h>

#define RING_MASK (ESP_REPLAY_RING_WORDS - 1)

int
esp_replay_init(struct esp_replay *r, uint32_t size, bool esn)
{
	if (size == 0)
		size = ESP_REPLAY_WINDOW_DEFAULT;
	if (size > ESP_REPLAY_WINDOW_MAX)
		return -EINVAL;
	size = (size + 63) & ~63u;
	r->top = 0;
	r->size = size;
	r->esn = esn;
	for (unsigned i = 0; i < ESP_REPLAY_RING_WORDS; i++)
		r->ring[i] = 0;
	return 0;
}

/* RFC 4303 Appendix A2.2: which 2^32 subspace does seq_lo belong to? */
static uint64_t
replay_infer(const struct esp_replay *r, uint32_t seq_lo)
{
	uint32_t tl = (uint32_t)r->top, th = (uint32_t)(r->top >> 32);
	uint32_t bottom = tl - r->size + 1; /* wraps in case B */
	uint32_t hi;

	if (tl >= r->size - 1) {
		/* Case A: the window lies inside one subspace. */
		hi = seq_lo >= bottom ? th : th + 1;
		if (hi < th)
			hi = th; /* 2^64 exhausted: let the check refuse it */
	} else {
		/* Case B: the window straddles a subspace boundary. */
		hi = seq_lo >= bottom && th > 0 ? th - 1 : th;
	}
	return (uint64_t)hi << 32 | seq_lo;
}

static int
replay_seen(const struct esp_replay *r, uint64_t seq)
{
	if (seq > r->top)
		return 0;
	if (r->top - seq >= r->size)
		return -EALREADY; /* left of the window */
	if (r->ring[(seq >> 6) & RING_MASK] & (UINT64_C(1) << (seq & 63)))
		return -EALREADY;
	return 0;
}

int
esp_replay_check(const struct esp_replay *r, uint32_t seq_lo, uint64_t *seq)
{
	uint64_t s = r->esn ? replay_infer(r, seq_lo) : seq_lo;

	if (s == 0)
		return -EINVAL;
	*seq = s;
	return replay_seen(r, s);
}

int
esp_replay_update(struct esp_replay *r, uint64_t seq)
{
	int rc;

	if (seq == 0)
		return -EINVAL;
	if ((rc = replay_seen(r, seq)) < 0)
		return rc;
	if (seq > r->top) {
		/* RFC 6479: clear only the words the window slides over. */
		uint64_t diff = (seq >> 6) - (r->top >> 6);
		uint64_t idx = r->top >> 6;

		if (diff > ESP_REPLAY_RING_WORDS)
			diff = ESP_REPLAY_RING_WORDS;
		for (uint64_t i = 1; i <= diff; i++)
			r->ring[(idx + i) & RING_MASK] = 0;
		r->top = seq;
	}
	r->ring[(seq >> 6) & RING_MASK] |= UINT64_C(1) << (seq & 63);
	return 0;
}

int
esp_replay_format(const struct esp_replay *r, char *buf, size_t len)
{
	int n = snprintf(buf, len, "%" PRIu32 " %d %" PRIu64 " ", r->size,
	    r->esn ? 1 : 0, r->top);

	if (n < 0 || (size_t)n + 16 * ESP_REPLAY_RING_WORDS >= len)
		return -ENOSPC;
	for (unsigned i = 0; i < ESP_REPLAY_RING_WORDS; i++)
		n += snprintf(buf + n, len - (size_t)n, "%016" PRIx64, r->ring[i]);
	return n;
}

/* A decimal number of at most 20 digits at s[*i..len), then one blank. */
static int
parse_dec(const char *s, size_t len, size_t *i, uint64_t *out)
{
	uint64_t v = 0;
	size_t start = *i;

	while (*i < len && s[*i] >= '0' && s[*i] <= '9') {
		unsigned d = (unsigned)(s[*i] - '0');

		if (v > (UINT64_MAX - d) / 10)
			return -EINVAL;
		v = v * 10 + d;
		(*i)++;
	}
	if (*i == start || *i >= len || s[*i] != ' ')
		return -EINVAL;
	(*i)++;
	*out = v;
	return 0;
}

int
esp_replay_parse(const char *s, size_t len, struct esp_replay *out)
{
	struct esp_replay rr, *r = &rr; /* *out untouched on error */
	uint64_t size, esn, top;
	size_t i = 0;

	if (parse_dec(s, len, &i, &size) < 0 || parse_dec(s, len, &i, &esn) < 0 ||
	    parse_dec(s, len, &i, &top) < 0)
		return -EINVAL;
	if (size < 64 || size > ESP_REPLAY_WINDOW_MAX || size % 64 != 0 ||
	    esn > 1 || len - i != 16 * ESP_REPLAY_RING_WORDS)
		return -EINVAL;
	for (unsigned w = 0; w < ESP_REPLAY_RING_WORDS; w++) {
		uint64_t v = 0;

		for (unsigned k = 0; k < 16; k++) {
			char c = s[i++];
			unsigned d;

			if (c >= '0' && c <= '9')
				d = (unsigned)(c - '0');
			else if (c >= 'a' && c <= 'f')
				d = (unsigned)(c - 'a' + 10);
			else
				return -EINVAL;
			v = v << 4 | d;
		}
		r->ring[w] = v;
	}
	r->size = (uint32_t)size;
	r->esn = esn == 1;
	r->top = top;
	*out = rr;
	return 0;
}
