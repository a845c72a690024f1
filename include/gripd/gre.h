/* SPDX-License-Identifier: ISC */
/*
 * gre.h: the GRE wire format (RFC 2784, key and sequence number extensions
 * of RFC 2890) and a pure codec for the userspace datapath.
 *
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |C| |K|S| Reserved0       | Ver |         Protocol Type         |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |      Checksum (optional)      |       Reserved1 (Optional)    |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                         Key (optional)                        |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                 Sequence Number (Optional)                    |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 * Neither function allocates, logs or touches global state.
 */
#ifndef GRIPD_GRE_H
#define GRIPD_GRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* RFC 2784 2.1 / RFC 2890 2.1: flag bits of the first 16-bit word. */
#define GRE_F_CSUM 0x8000    /* bit 0, C: checksum present (RFC 2784 2.5) */
#define GRE_F_ROUTING 0x4000 /* bit 1, R: RFC 1701 routing, not supported */
#define GRE_F_KEY 0x2000     /* bit 2, K: key present (RFC 2890 2.1) */
#define GRE_F_SEQ 0x1000     /* bit 3, S: sequence present (RFC 2890 2.1) */
#define GRE_F_SSR 0x0800     /* bit 4, RFC 1701 strict source route */
#define GRE_F_BIT5 0x0400    /* bit 5, RFC 1701 recursion control MSB */
/* RFC 2784 2.3.1: bits 1-5 non-zero -> discard; K and S are RFC 2890's. */
#define GRE_F_MUST_BE_ZERO (GRE_F_ROUTING | GRE_F_SSR | GRE_F_BIT5)
#define GRE_VERSION_MASK 0x0007 /* RFC 2784 2.3.1: Ver MUST be 0 */

#define GRE_PROTO_IPV4 0x0800 /* RFC 2784 2.4, EtherType of the payload */
#define GRE_PROTO_IPV6 0x86DD

#define GRE_HDR_MIN 4  /* flags/version + protocol type */
#define GRE_HDR_MAX 16 /* + checksum/reserved1 + key + sequence */

/* What we send, and what we expect to receive, on one tunnel. */
struct gre_cfg {
	bool csum;	  /* send C; on receive: require C */
	bool key_present; /* send K; on receive: require K == key */
	uint32_t key;
};

/* A decoded header; payload starts at payload_off in the packet. */
struct gre_hdr {
	uint16_t flags; /* first word with the version bits masked */
	uint16_t proto;
	bool csum_present;
	bool key_present;
	bool seq_present;
	uint32_t key;
	uint32_t seq; /* accepted and reported, never enforced */
	size_t payload_off;
	size_t payload_len;
};

/* Length of the header gre_encap() writes for cfg: 4, 8, 12. */
size_t gre_hdr_len(const struct gre_cfg *cfg);

/*
 * Writes a GRE header in front of the inner IPv4/IPv6 packet found at
 * buf[headroom .. headroom + inner_len).  The protocol type is taken from the
 * inner packet's version nibble.  On success *start is the offset in buf of
 * the first GRE byte (headroom - gre_hdr_len(cfg)) and the encapsulated
 * packet is buf[*start .. headroom + inner_len).
 * Returns 0, -ENOBUFS when headroom is too small, -EPROTONOSUPPORT when the
 * inner packet is neither IPv4 nor IPv6, -EINVAL when it is empty.
 */
int gre_encap(uint8_t *buf, size_t headroom, size_t inner_len,
    const struct gre_cfg *cfg, size_t *start);

/*
 * Validates the GRE packet pkt[0..len) against the tunnel's expectation and
 * fills out.  Returns 0, or one of (with a reason in err):
 *   -EBADMSG          truncated, reserved bits set, bad checksum, protocol
 *                     type does not match the inner IP version
 *   -EPROTONOSUPPORT  version != 0, or a payload other than IPv4/IPv6
 *   -EKEYREJECTED     key or checksum presence or key value not as expected
 */
int gre_decap(const uint8_t *pkt, size_t len, const struct gre_cfg *expect,
    struct gre_hdr *out, char *err, size_t errlen);

/*
 * The Internet checksum (RFC 1071) of buf: the 16-bit ones-complement of the
 * ones-complement sum, folded.  Exposed for the ICMP builder and tests.
 */
uint16_t gre_inet_csum(const uint8_t *buf, size_t len);

#endif
