/* SPDX-License-Identifier: ISC */
/*
 * DOC: GRE codec (RFC 2784, RFC 2890)
 *
 * The userspace datapath wraps every inner IP packet read from the TUN in a
 * GRE header before ESP protects it, and unwraps what ESP hands back.  Both
 * directions are pure functions over a caller's buffer:
 *
 *  - gre_encap() writes the header into headroom the caller left in front of
 *    the inner packet (the worker reads from the TUN at an offset), so the
 *    fast path never copies or allocates.  We send C (RFC 2784 2.5) and K
 *    (RFC 2890 2.1) as configured, and never S: sequence numbers buy
 *    in-order delivery we do not want (ESP's anti-replay already bounds
 *    reordering, and RFC 2890 2.2 lets a sender omit them).
 *
 *  - gre_decap() checks, in order: length, version (RFC 2784 2.3.1: must be
 *    0; version 1 is PPTP's enhanced GRE), reserved bits 1, 4 and 5 (RFC 2784
 *    2.3.1 says a receiver MUST discard when bits 1-5 are non-zero unless it
 *    implements RFC 1701; we implement RFC 2890, which gives bits 2 and 3 a
 *    meaning, and nothing of RFC 1701's routing, so 1, 4 and 5 must be zero;
 *    bits 6-12 MUST be ignored on receipt and are), the checksum when present,
 *    the key against the tunnel's configuration (RFC 2890 2.1: presence and
 *    value must both match, a keyed tunnel does not accept unkeyed packets),
 *    a present sequence number is skipped (RFC 2890 2.2 lets a receiver
 *    that does not do sequencing accept it), then the protocol type, which
 *    must be IPv4 or IPv6 and agree with the payload's version nibble so the
 *    TUN never receives a packet it would misparse.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <gripd/gre.h>

#include "csum.h"

uint16_t
gre_inet_csum(const uint8_t *buf, size_t len)
{
	return csum_fold(csum_add(0, buf, len));
}

size_t
gre_hdr_len(const struct gre_cfg *cfg)
{
	size_t len = GRE_HDR_MIN;

	if (cfg->csum)
		len += 4; /* checksum + reserved1, RFC 2784 2.5/2.6 */
	if (cfg->key_present)
		len += 4; /* RFC 2890 2.1 */
	return len;
}

int
gre_encap(uint8_t *buf, size_t headroom, size_t inner_len,
    const struct gre_cfg *cfg, size_t *start)
{
	size_t hlen = gre_hdr_len(cfg), off;
	uint16_t flags = 0, proto;
	uint8_t *h;

	if (inner_len == 0)
		return -EINVAL;
	switch (buf[headroom] >> 4) {
	case 4:
		proto = GRE_PROTO_IPV4;
		break;
	case 6:
		proto = GRE_PROTO_IPV6;
		break;
	default:
		return -EPROTONOSUPPORT;
	}
	if (headroom < hlen)
		return -ENOBUFS;
	off = headroom - hlen;
	h = buf + off;
	if (cfg->csum)
		flags |= GRE_F_CSUM;
	if (cfg->key_present)
		flags |= GRE_F_KEY;
	put16(h, flags); /* version 0 */
	put16(h + 2, proto);
	hlen = GRE_HDR_MIN;
	if (cfg->csum) {
		put32(h + hlen, 0); /* zero while summing, reserved1 = 0 */
		hlen += 4;
	}
	if (cfg->key_present) {
		put32(h + hlen, cfg->key);
		hlen += 4;
	}
	if (cfg->csum) {
		/* RFC 2784 2.5: over the GRE header and the payload. */
		put16(h + GRE_HDR_MIN, gre_inet_csum(h, hlen + inner_len));
	}
	*start = off;
	return 0;
}

#define DROP(code, ...)                                                        \
	do {                                                                   \
		if (errlen > 0)                                                \
			snprintf(err, errlen, __VA_ARGS__);                    \
		return (code);                                                 \
	} while (0)

int
gre_decap(const uint8_t *pkt, size_t len, const struct gre_cfg *expect,
    struct gre_hdr *out, char *err, size_t errlen)
{
	uint16_t word0, ver;
	size_t off;
	unsigned ipver;

	memset(out, 0, sizeof(*out));
	if (len < GRE_HDR_MIN)
		DROP(-EBADMSG, "truncated header (%zu bytes)", len);
	word0 = get16(pkt);
	ver = word0 & GRE_VERSION_MASK;
	if (ver != 0)
		DROP(-EPROTONOSUPPORT, "version %u (want 0)", ver);
	if (word0 & GRE_F_MUST_BE_ZERO)
		DROP(-EBADMSG, "reserved bits 0x%04x set",
		    word0 & GRE_F_MUST_BE_ZERO);
	/* RFC 2784 2.3.1: bits 6-12 are ignored on receipt. */
	out->flags = word0 & (GRE_F_CSUM | GRE_F_KEY | GRE_F_SEQ);
	out->proto = get16(pkt + 2);
	out->csum_present = word0 & GRE_F_CSUM;
	out->key_present = word0 & GRE_F_KEY;
	out->seq_present = word0 & GRE_F_SEQ;

	off = GRE_HDR_MIN + (out->csum_present ? 4 : 0) +
	      (out->key_present ? 4 : 0) + (out->seq_present ? 4 : 0);
	if (len < off)
		DROP(-EBADMSG, "truncated header (%zu bytes, flags need %zu)",
		    len, off);

	off = GRE_HDR_MIN;
	if (out->csum_present) {
		/* RFC 2784 2.5: a correct sum over everything folds to 0. */
		if (gre_inet_csum(pkt, len) != 0)
			DROP(-EBADMSG, "bad checksum 0x%04x",
			    get16(pkt + GRE_HDR_MIN));
		off += 4;
	}
	if (expect->csum && !out->csum_present)
		DROP(-EKEYREJECTED, "checksum required but absent");
	if (out->key_present) {
		out->key = get32(pkt + off);
		off += 4;
	}
	if (expect->key_present != out->key_present) {
		if (expect->key_present)
			DROP(-EKEYREJECTED, "key required but absent");
		DROP(-EKEYREJECTED, "unexpected key %u", out->key);
	}
	if (out->key_present && out->key != expect->key)
		DROP(-EKEYREJECTED, "key %u (want %u)", out->key, expect->key);
	if (out->seq_present) {
		/* RFC 2890 2.2: accepted, not used. */
		out->seq = get32(pkt + off);
		off += 4;
	}

	out->payload_off = off;
	out->payload_len = len - off;
	if (out->proto != GRE_PROTO_IPV4 && out->proto != GRE_PROTO_IPV6)
		DROP(-EPROTONOSUPPORT, "protocol type 0x%04x", out->proto);
	if (out->payload_len == 0)
		DROP(-EBADMSG, "empty payload");
	ipver = pkt[off] >> 4;
	if ((out->proto == GRE_PROTO_IPV4 && ipver != 4) ||
	    (out->proto == GRE_PROTO_IPV6 && ipver != 6))
		DROP(-EBADMSG, "protocol type 0x%04x but IP version %u",
		    out->proto, ipver);
	if (ipver == 4 && out->payload_len < 20)
		DROP(-EBADMSG, "IPv4 payload of %zu bytes", out->payload_len);
	if (ipver == 6 && out->payload_len < 40)
		DROP(-EBADMSG, "IPv6 payload of %zu bytes", out->payload_len);
	return 0;
}
