/* SPDX-License-Identifier: ISC */
/*
 * replay.h: the ESP anti-replay window (RFC 4303 section 3.4.3 and
 * Appendix A), as a ring of 64-bit words in the manner of RFC 6479.
 *
 * Pure state, no locking: the owner (an inbound SA) serialises calls.
 * Receive processing is two-phase so that forged packets cannot move
 * the window:
 *
 *	esp_replay_check()	before decryption: infer the high 32 bits of
 *				an ESN, reject duplicates and too-old numbers
 *	(verify the ICV)
 *	esp_replay_update()	after the ICV verified: check again (another
 *				thread may have accepted the same number in
 *				between) and mark the number as seen
 */
#ifndef GRIPD_REPLAY_H
#define GRIPD_REPLAY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Largest window that can be configured; a compile-time knob.  Must be a
 * power of two and a multiple of 64.  The ring holds twice as many bits so
 * that a full window plus the partly used top word always fit (RFC 6479
 * section 2: one spare block).
 */
#ifndef ESP_REPLAY_WINDOW_MAX
#define ESP_REPLAY_WINDOW_MAX 4096
#endif
#define ESP_REPLAY_WINDOW_DEFAULT 2048
#define ESP_REPLAY_RING_WORDS (2 * ESP_REPLAY_WINDOW_MAX / 64)

_Static_assert((ESP_REPLAY_WINDOW_MAX & (ESP_REPLAY_WINDOW_MAX - 1)) == 0 &&
	ESP_REPLAY_WINDOW_MAX >= 64, "ESP_REPLAY_WINDOW_MAX: 2^n >= 64");

struct esp_replay {
	uint64_t top;		/* highest number accepted so far (0: none) */
	uint32_t size;		/* window size in packets */
	bool esn;		/* 64-bit numbers, 32 bits on the wire */
	uint64_t ring[ESP_REPLAY_RING_WORDS];
};

/*
 * Prepares a window of `size` packets (0 = ESP_REPLAY_WINDOW_DEFAULT;
 * rounded up to a multiple of 64).  Returns 0, or -EINVAL when size is
 * larger than ESP_REPLAY_WINDOW_MAX.
 */
int	esp_replay_init(struct esp_replay *r, uint32_t size, bool esn);

/*
 * Phase 1.  `seq_lo` is the 32-bit number from the ESP header.  On
 * success stores the full 64-bit number (with the inferred high half,
 * RFC 4303 Appendix A2.2, when ESN is on) in *seq and returns 0.
 * Returns -EALREADY for a duplicate or a number left of the window,
 * -EINVAL for sequence number 0 (never sent, RFC 4303 section 3.3.3).
 */
int	esp_replay_check(const struct esp_replay *r, uint32_t seq_lo,
	    uint64_t *seq);

/*
 * Phase 2, only after the ICV verified: marks `seq` (the full number from
 * esp_replay_check) as received, sliding the window when it is new.
 * Returns 0, or -EALREADY when it was accepted meanwhile or fell out.
 */
int	esp_replay_update(struct esp_replay *r, uint64_t seq);

/*
 * Text form of a window, for handing it to the next process of an
 * in-place restart: "SIZE ESN TOP RING", decimal, then the
 * ESP_REPLAY_RING_WORDS words of the ring as 16 hex digits each, no
 * blanks.  esp_replay_format returns the length written (without the
 * NUL) or -ENOSPC; esp_replay_parse takes exactly that form (len bytes,
 * no NUL needed) and returns 0, or -EINVAL for anything else (a size that
 * esp_replay_init would not make, ESN not 0/1, a short or non-hex ring),
 * leaving *r untouched.
 */
#define ESP_REPLAY_TEXT_MAX (3 * 21 + 16 * ESP_REPLAY_RING_WORDS + 1)
int	esp_replay_format(const struct esp_replay *r, char *buf, size_t len);
int	esp_replay_parse(const char *s, size_t len, struct esp_replay *r);

#endif
