/* SPDX-License-Identifier: ISC */
/*
 * crypto_replay_test: the anti-replay window (crypto/replay.c), RFC 4303
 * section 3.4.3 and Appendix A, RFC 6479 ring layout.  A packet is
 * "received" the way esp_decap does it: check, then (ICV ok) update.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>

#include <gripd/replay.h>

#include "check.h"

static int
rx(struct esp_replay *r, uint32_t lo, uint64_t *full)
{
	uint64_t s;
	int rc;

	if ((rc = esp_replay_check(r, lo, &s)) < 0)
		return rc;
	if (full != NULL)
		*full = s;
	return esp_replay_update(r, s);
}

static void
test_basic(void)
{
	struct esp_replay r;

	CHECK_EQ(esp_replay_init(&r, 0, false), 0);
	CHECK_EQ(r.size, ESP_REPLAY_WINDOW_DEFAULT);
	CHECK_EQ(esp_replay_init(&r, 1000, false), 0);
	CHECK_EQ(r.size, 1024); /* rounded up to 64 */
	CHECK_EQ(esp_replay_init(&r, ESP_REPLAY_WINDOW_MAX + 1, false),
	    -EINVAL);

	CHECK_EQ(esp_replay_init(&r, 1024, false), 0);
	/* seq 0 is never valid */
	CHECK_EQ(rx(&r, 0, NULL), -EINVAL);
	/* first packet, need not be 1 */
	CHECK_EQ(rx(&r, 5, NULL), 0);
	CHECK_EQ(rx(&r, 5, NULL), -EALREADY);
	/* older, inside the window, once */
	CHECK_EQ(rx(&r, 1, NULL), 0);
	CHECK_EQ(rx(&r, 1, NULL), -EALREADY);
	/* in order */
	for (uint32_t s = 6; s < 3000; s++)
		CHECK_EQ(rx(&r, s, NULL), 0);
	CHECK_EQ(r.top, 2999);
	/* window edge: top - 1023 is the oldest acceptable number */
	CHECK_EQ(rx(&r, 2999 - 1024, NULL), -EALREADY);
	CHECK_EQ(rx(&r, 2999 - 1023, NULL), -EALREADY); /* seen */
}

static void
test_edges(void)
{
	struct esp_replay r;
	uint64_t s;

	CHECK_EQ(esp_replay_init(&r, 1024, false), 0);
	CHECK_EQ(rx(&r, 5000, NULL), 0);
	/* exactly at the edge: accepted; one further left: too old */
	CHECK_EQ(rx(&r, 5000 - 1023, NULL), 0);
	CHECK_EQ(rx(&r, 5000 - 1024, NULL), -EALREADY);
	/* out of order inside the window, each once */
	for (uint32_t x = 4990; x > 4000; x -= 3)
		CHECK_EQ(rx(&r, x, NULL), 0);
	for (uint32_t x = 4990; x > 4000; x -= 3)
		CHECK_EQ(rx(&r, x, NULL), -EALREADY);
	/* slide by less than a word, a word, many words */
	CHECK_EQ(rx(&r, 5010, NULL), 0);
	CHECK_EQ(rx(&r, 5000, NULL), -EALREADY);
	CHECK_EQ(rx(&r, 5009, NULL), 0);
	CHECK_EQ(rx(&r, 5074, NULL), 0);
	CHECK_EQ(rx(&r, 5011, NULL), 0);
	CHECK_EQ(rx(&r, 5010, NULL), -EALREADY);
	/* far-future jump: the whole ring is cleared, nothing stale left */
	CHECK_EQ(rx(&r, 1000000, NULL), 0);
	CHECK_EQ(rx(&r, 5074, NULL), -EALREADY); /* left of the window */
	for (uint32_t x = 1000000 - 1023; x < 1000000; x++)
		CHECK_EQ(rx(&r, x, NULL), 0);
	CHECK_EQ(rx(&r, 1000000 - 512, NULL), -EALREADY);
	/* aliasing: numbers one ring apart must not share a bit */
	CHECK_EQ(rx(&r, 1000000 + ESP_REPLAY_RING_WORDS * 64, NULL), 0);
	CHECK_EQ(rx(&r, 1000000 + ESP_REPLAY_RING_WORDS * 64 - 1, NULL), 0);

	/* two-phase: a check alone (forged packet) does not move anything */
	CHECK_EQ(esp_replay_init(&r, 64, false), 0);
	CHECK_EQ(rx(&r, 100, NULL), 0);
	CHECK_EQ(esp_replay_check(&r, 4000000000u, &s), 0);
	CHECK_EQ(r.top, 100);
	CHECK_EQ(rx(&r, 99, NULL), 0);
	/* a race: both passed the check, only one update wins */
	{
		uint64_t a, b;

		CHECK_EQ(esp_replay_check(&r, 150, &a), 0);
		CHECK_EQ(esp_replay_check(&r, 150, &b), 0);
		CHECK_EQ(esp_replay_update(&r, a), 0);
		CHECK_EQ(esp_replay_update(&r, b), -EALREADY);
	}
	/* the smallest window (64) at its edge */
	CHECK_EQ(rx(&r, 150 - 63, NULL), 0);
	CHECK_EQ(rx(&r, 150 - 64, NULL), -EALREADY);
	/* without ESN there is nothing past 2^32 - 1 */
	CHECK_EQ(rx(&r, 0xffffffff, &s), 0);
	CHECK_EQ(s, 0xffffffffULL);
	CHECK_EQ(rx(&r, 1, NULL), -EALREADY);
}

static void
test_esn(void)
{
	struct esp_replay r;
	uint64_t s;

	CHECK_EQ(esp_replay_init(&r, 2048, true), 0);
	/* start in subspace 0 (case B: window straddles "below 0") */
	CHECK_EQ(rx(&r, 1, &s), 0);
	CHECK_EQ(s, 1);
	CHECK_EQ(rx(&r, 0xfffffff0, &s), 0); /* jump within subspace 0 */
	CHECK_EQ(s, 0xfffffff0ULL);
	/* run across 2^32: low half wraps, inferred high half goes to 1 */
	for (uint32_t lo = 0xfffffff1; lo != 0x10; lo++) {
		/* with ESN, low half 0 in subspace 1 is a real number */
		CHECK_EQ(rx(&r, lo, &s), 0);
		CHECK_EQ(s >> 32, lo >= 0xfffffff1 ? 0 : 1);
	}
	CHECK_EQ(r.top, 0x10000000fULL);
	CHECK_EQ(esp_replay_check(&r, 0, &s), -EALREADY);
	CHECK_EQ(s, 0x100000000ULL);
	/* case B: a late packet from below the boundary -> subspace 0 */
	CHECK_EQ(esp_replay_check(&r, 0xffffff00, &s), 0);
	CHECK_EQ(s, 0xffffff00ULL);
	CHECK_EQ(esp_replay_update(&r, s), 0);
	CHECK_EQ(rx(&r, 0xfffffff5, NULL), -EALREADY);
	/* below the window's bottom (case B): read as subspace 1, far
	 * ahead; only the ICV (which covers seq_hi) can tell */
	CHECK_EQ(esp_replay_check(&r, 0xfff00000, &s), 0);
	CHECK_EQ(s, 0x1fff00000ULL);
	/* a low number ahead: subspace 1 */
	CHECK_EQ(rx(&r, 0x5000, &s), 0);
	CHECK_EQ(s, 0x100005000ULL);
	/* case A: window inside subspace 1; a number below the window
	 * belongs to subspace 2 (a jump), RFC 4303 A2.2 */
	CHECK_EQ(esp_replay_check(&r, 0x10, &s), 0);
	CHECK_EQ(s, 0x200000010ULL);
	CHECK_EQ(esp_replay_check(&r, 0x5000 - 2047, &s), 0);
	CHECK_EQ(s, 0x100005000ULL - 2047);
	CHECK_EQ(esp_replay_check(&r, 0x5000 - 2048, &s), 0);
	CHECK_EQ(s, 0x200000000ULL + 0x5000 - 2048);
	/* top of the 64-bit space: no wrap into subspace 0 */
	CHECK_EQ(esp_replay_init(&r, 2048, true), 0);
	r.top = 0xfffffffffffff000ULL;
	CHECK_EQ(esp_replay_check(&r, 5, &s), -EALREADY);
	CHECK_EQ(s, 0xffffffff00000005ULL);
	CHECK_EQ(esp_replay_check(&r, 0xfffff800, &s), 0);
	CHECK_EQ(s, 0xfffffffffffff800ULL);
}

/* The text form a restart hands over: exact, and strict on input. */
static void
test_text(void)
{
	static char buf[ESP_REPLAY_TEXT_MAX], bad[ESP_REPLAY_TEXT_MAX + 8];
	struct esp_replay r, q;
	uint64_t s;
	int n;

	CHECK_EQ(esp_replay_init(&r, 2048, false), 0);
	for (uint32_t i = 1; i <= 5000; i++)
		if (i % 7 != 0)
			CHECK_EQ(rx(&r, i, &s), 0);
	n = esp_replay_format(&r, buf, sizeof(buf));
	CHECK(n > 0);
	CHECK_EQ(esp_replay_parse(buf, (size_t)n, &q), 0);
	CHECK_EQ(q.top, 5000);
	CHECK_EQ(q.size, 2048);
	CHECK(!q.esn);
	CHECK(memcmp(q.ring, r.ring, sizeof(r.ring)) == 0);
	/* the continued window refuses what the first one saw ... */
	CHECK_EQ(esp_replay_check(&q, 4999, &s), -EALREADY);
	CHECK_EQ(esp_replay_check(&q, 5000, &s), -EALREADY);
	CHECK_EQ(esp_replay_check(&q, 2000, &s), -EALREADY); /* left of it */
	/* ... and takes what it missed and what is new */
	CHECK_EQ(rx(&q, 4998, &s), 0); /* 4998 = 7 * 714, never seen */
	CHECK_EQ(rx(&q, 5001, &s), 0);
	/* ESN and a big top survive too */
	CHECK_EQ(esp_replay_init(&r, 64, true), 0);
	r.top = (UINT64_C(7) << 32) | 12345;
	n = esp_replay_format(&r, buf, sizeof(buf));
	CHECK_EQ(esp_replay_parse(buf, (size_t)n, &q), 0);
	CHECK(q.esn);
	CHECK_EQ(q.top, r.top);
	CHECK_EQ(esp_replay_format(&r, buf, 10), -ENOSPC);

	/* strict: every one of these is refused and leaves q alone */
	n = esp_replay_format(&r, buf, sizeof(buf));
	q.top = 42;
	const char *heads[] = { "0 1 5 ", "65 1 5 ", "8192 1 5 ", "64 2 5 ",
		"64 1 ", "64  1 5 ", "-64 1 5 ", "64 1 18446744073709551616 ",
		"64 1 5x" };
	for (size_t i = 0; i < sizeof(heads) / sizeof(heads[0]); i++) {
		int m = snprintf(bad, sizeof(bad), "%s%s", heads[i],
		    strchr(strchr(strchr(buf, ' ') + 1, ' ') + 1, ' ') + 1);
		CHECK_EQ(esp_replay_parse(bad, (size_t)m, &q), -EINVAL);
	}
	CHECK_EQ(esp_replay_parse(buf, (size_t)n - 1, &q), -EINVAL); /* short */
	memcpy(bad, buf, (size_t)n);
	bad[n] = '0';
	CHECK_EQ(esp_replay_parse(bad, (size_t)n + 1, &q), -EINVAL); /* long */
	bad[n - 1] = 'G';
	CHECK_EQ(esp_replay_parse(bad, (size_t)n, &q), -EINVAL); /* not hex */
	bad[n - 1] = 'A';
	CHECK_EQ(esp_replay_parse(bad, (size_t)n, &q), -EINVAL); /* upper case */
	CHECK_EQ(esp_replay_parse("", 0, &q), -EINVAL);
	CHECK_EQ(q.top, 42);
}

int
main(void)
{
	test_basic();
	test_edges();
	test_esn();
	test_text();
	return check_report();
}
