/* SPDX-License-Identifier: ISC */
/*
 * fuzz_replay: the text form of an anti-replay window (esp_replay_parse),
 * which an in-place restart hands to the next process.  What parses must
 * format and parse back to the same window, and any window that parses,
 * however odd its top and ring, must survive the receive path: a few
 * checks and updates with numbers taken from the input.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <gripd/replay.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char buf[ESP_REPLAY_TEXT_MAX];
	struct esp_replay r, q;
	int n;

	if (esp_replay_parse((const char *)data, size, &r) != 0)
		return 0;
	n = esp_replay_format(&r, buf, sizeof(buf));
	if (n <= 0 || esp_replay_parse(buf, (size_t)n, &q) != 0 ||
	    q.top != r.top || q.size != r.size || q.esn != r.esn ||
	    memcmp(q.ring, r.ring, sizeof(r.ring)) != 0)
		abort();
	/* sequence numbers from the ring's own words and the top */
	for (unsigned i = 0; i < 8; i++) {
		uint32_t lo = (uint32_t)(r.ring[i * 7 % ESP_REPLAY_RING_WORDS] ^
		    (r.top + i - 4));
		uint64_t seq;

		if (esp_replay_check(&r, lo, &seq) == 0) {
			if ((uint32_t)seq != lo)
				abort();
			/* just accepted: a second copy never is */
			if (esp_replay_update(&r, seq) == 0 &&
			    esp_replay_check(&r, lo, &seq) != -EALREADY)
				abort();
		}
	}
	return 0;
}
