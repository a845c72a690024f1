/* SPDX-License-Identifier: ISC */
/*
 * fuzz_gre: the receive path of the userspace datapath on hostile input.
 * The first byte picks the tunnel's expectation (checksum required, key
 * required and its low bits); the rest is a GRE packet.  What decodes is
 * re-encapsulated and must decode to the same payload (round trip), then
 * the inner packet goes through what the datapath does with it: MSS
 * clamping and the too-big builder.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <gripd/gre.h>
#include <gripd/icmp.h>

#define HEADROOM GRE_HDR_MAX

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct gre_cfg cfg;
	struct gre_hdr h, h2;
	struct icmp_src src = {.has_v4 = true, .has_v6 = true};
	uint8_t *buf, out[1280];
	size_t start, outlen;
	char err[128];

	if (size < 1)
		return 0;
	cfg.csum = data[0] & 1;
	cfg.key_present = data[0] & 2;
	cfg.key = data[0] >> 2;
	data++;
	size--;
	if (gre_decap(data, size, &cfg, &h, err, sizeof(err)) != 0) {
		if (err[0] == '\0')
			abort(); /* every rejection says why */
		return 0;
	}
	if (h.payload_off + h.payload_len != size)
		abort();

	buf = malloc(HEADROOM + h.payload_len);
	if (buf == NULL)
		return 0;
	memcpy(buf + HEADROOM, data + h.payload_off, h.payload_len);
	if (gre_encap(buf, HEADROOM, h.payload_len, &cfg, &start) != 0 ||
	    gre_decap(buf + start, HEADROOM + h.payload_len - start, &cfg, &h2,
		err, sizeof(err)) != 0 ||
	    h2.payload_len != h.payload_len || h2.proto != h.proto ||
	    memcmp(buf + start + h2.payload_off, data + h.payload_off,
		h.payload_len) != 0)
		abort();

	(void)tcp_mss_clamp(buf + HEADROOM, h.payload_len, 1200);
	if (icmp_too_big(out, sizeof(out), &outlen, buf + HEADROOM,
		h.payload_len, 576, &src) == 0 &&
	    (outlen > sizeof(out) || outlen < 48))
		abort();
	free(buf);
	return 0;
}
