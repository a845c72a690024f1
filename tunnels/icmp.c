/* SPDX-License-Identifier: ISC */
/*
 * DOC: ICMP too-big and TCP MSS clamping
 *
 * A tunnel's inner MTU is smaller than the LAN's, so the datapath must tell
 * senders: path MTU discovery (RFC 1191, RFC 8201) only works if the hop
 * that cannot forward a packet says so.  The worker that reads a too-big
 * packet from the TUN calls icmp_too_big() and writes the result back into
 * the TUN, as if the tunnel interface were a router hop.  The rules:
 *
 *  - IPv4: type 3 code 4 with the next-hop MTU in the low 16 bits of the
 *    second word (RFC 1191 4); quote the original IP header and as much data
 *    as keeps the whole error within 576 bytes (RFC 1812 4.3.2.3); IP
 *    precedence 6, "internetwork control" (RFC 1812 4.3.2.5).
 *  - IPv6: Packet Too Big (RFC 4443 3.2), quoting as much of the original as
 *    fits in 1280 bytes (RFC 4443 2.4 (c)); the checksum covers the
 *    pseudo-header (RFC 8200 8.1).
 *  - Never in answer to an ICMP error, a non-first IPv4 fragment, a source
 *    that does not name one host (0/8, 127/8, multicast, class E and the
 *    limited broadcast) or an IPv4 broadcast/multicast destination (RFC 1812
 *    4.3.2.7).  IPv6: never in answer to an ICMPv6 error or from :: or a
 *    multicast source (RFC 4443 2.4 (e)); Packet Too Big is the one error
 *    RFC 4443 2.4 (e.2) allows for multicast destinations, and a non-first
 *    IPv6 fragment is answered too (the source learns the path MTU from it;
 *    RFC 4443 has no fragment exception).
 *
 * MSS clamping rewrites the MSS option of TCP SYNs crossing the tunnel so
 * that TCP never needs PMTUD at all (the common fix for the MTU black holes
 * of firewalls that drop ICMP); the TCP checksum is updated incrementally
 * (RFC 1624 3) byte by byte, so an option at an odd offset is handled.
 */
#include <errno.h>
#include <string.h>

#include <gripd/icmp.h>

#include "csum.h"

#define IPPROTO_ICMP_ 1
#define IPPROTO_TCP_ 6
#define IPPROTO_ICMPV6_ 58
#define IPV4_DF 0x4000
#define IPV4_OFFMASK 0x1fff
#define ICMP_HDR_LEN 8
#define ICMP_UNREACH 3		/* RFC 792 */
#define ICMP_UNREACH_NEEDFRAG 4 /* RFC 1191 4 */
#define ICMP6_PACKET_TOO_BIG 2	/* RFC 4443 3.2 */
#define ICMP_TTL 64
#define TCP_SYN 0x02
#define TCPOPT_EOL 0
#define TCPOPT_NOP 1
#define TCPOPT_MSS 2 /* RFC 9293 3.2 */

bool
icmp_too_big_needed(const uint8_t *pkt, size_t len, unsigned mtu)
{
	if (len <= mtu || len < 1)
		return false;
	switch (pkt[0] >> 4) {
	case 4:
		return len >= 20 && (get16(pkt + 6) & IPV4_DF);
	case 6:
		return len >= 40;
	default:
		return false;
	}
}

/* RFC 792: the ICMP types that are errors (the rest are queries/replies). */
static bool
icmp4_is_error(uint8_t type)
{
	return type == 3 || type == 4 || type == 5 || type == 11 || type == 12;
}

static bool
ipv4_not_one_host(uint32_t a)
{
	uint8_t first = a >> 24;

	return first == 0 || first == 127 || first >= 224;
}

static int
too_big4(uint8_t *out, size_t outsz, size_t *outlen, const uint8_t *pkt,
    size_t len, unsigned mtu, const struct icmp_src *src)
{
	size_t ihl, quote, total;
	uint32_t s, d;

	if (len < 20 || (ihl = (size_t)(pkt[0] & 0x0f) * 4) < 20 || ihl > len)
		return -EINVAL;
	if (get16(pkt + 6) & IPV4_OFFMASK)
		return -ENOMSG;
	s = get32(pkt + 12);
	d = get32(pkt + 16);
	if (ipv4_not_one_host(s) || d >= 0xe0000000u)
		return -ENOMSG;
	if (pkt[9] == IPPROTO_ICMP_ &&
	    (len < ihl + 1 || icmp4_is_error(pkt[ihl])))
		return -ENOMSG;
	if (!src->has_v4)
		return -EADDRNOTAVAIL;

	quote = len;
	if (quote > ICMP_V4_MAX_LEN - 20 - ICMP_HDR_LEN)
		quote = ICMP_V4_MAX_LEN - 20 - ICMP_HDR_LEN;
	if (outsz < 20 + ICMP_HDR_LEN + ihl + 8)
		return -ENOSPC;
	if (quote > outsz - 20 - ICMP_HDR_LEN)
		quote = outsz - 20 - ICMP_HDR_LEN;
	total = 20 + ICMP_HDR_LEN + quote;

	memset(out, 0, 20 + ICMP_HDR_LEN);
	out[0] = 0x45;
	out[1] = 0xc0; /* precedence 6, RFC 1812 4.3.2.5 */
	put16(out + 2, (uint16_t)total);
	out[8] = ICMP_TTL;
	out[9] = IPPROTO_ICMP_;
	memcpy(out + 12, &src->v4.s_addr, 4);
	memcpy(out + 16, pkt + 12, 4);
	put16(out + 10, csum_fold(csum_add(0, out, 20)));

	out[20] = ICMP_UNREACH;
	out[21] = ICMP_UNREACH_NEEDFRAG;
	/* RFC 1191 4: unused (16 bits) then next-hop MTU (16 bits). */
	put16(out + 26, mtu > 0xffff ? 0xffff : (uint16_t)mtu);
	memcpy(out + 28, pkt, quote);
	put16(out + 22, csum_fold(csum_add(0, out + 20, ICMP_HDR_LEN + quote)));
	*outlen = total;
	return 0;
}

static bool
ipv6_is_unspecified(const uint8_t *a)
{
	static const uint8_t zero[16];

	return memcmp(a, zero, 16) == 0;
}

/*
 * Walks IPv6 extension headers; returns the upper-layer protocol and its
 * offset, or -1 when it cannot be reached (truncated, or a non-first
 * fragment whose upper-layer header is elsewhere).
 */
static int
ipv6_upper(const uint8_t *pkt, size_t len, size_t *offp)
{
	uint8_t nh = pkt[6];
	size_t off = 40;

	for (;;) {
		switch (nh) {
		case 0:	 /* hop-by-hop, RFC 8200 4.3 */
		case 43: /* routing, 4.4 */
		case 60: /* destination options, 4.6 */
			if (off + 8 > len)
				return -1;
			nh = pkt[off];
			off += ((size_t)pkt[off + 1] + 1) * 8;
			break;
		case 44: /* fragment, 4.5 */
			if (off + 8 > len)
				return -1;
			if (get16(pkt + off + 2) & 0xfff8)
				return -1;
			nh = pkt[off];
			off += 8;
			break;
		default:
			if (off > len)
				return -1;
			*offp = off;
			return nh;
		}
	}
}

static int
too_big6(uint8_t *out, size_t outsz, size_t *outlen, const uint8_t *pkt,
    size_t len, unsigned mtu, const struct icmp_src *src)
{
	size_t quote, total, off;
	uint32_t sum;
	uint8_t pseudo[8];
	int nh;

	if (len < 40)
		return -EINVAL;
	if (ipv6_is_unspecified(pkt + 8) || pkt[8] == 0xff)
		return -ENOMSG;
	nh = ipv6_upper(pkt, len, &off);
	/* RFC 4443 2.1: types 0-127 are errors. */
	if (nh == IPPROTO_ICMPV6_ && (off >= len || pkt[off] < 128))
		return -ENOMSG;
	if (!src->has_v6)
		return -EADDRNOTAVAIL;

	quote = len;
	if (quote > ICMP_V6_MAX_LEN - 40 - ICMP_HDR_LEN)
		quote = ICMP_V6_MAX_LEN - 40 - ICMP_HDR_LEN;
	if (outsz < 40 + ICMP_HDR_LEN + 40)
		return -ENOSPC;
	if (quote > outsz - 40 - ICMP_HDR_LEN)
		quote = outsz - 40 - ICMP_HDR_LEN;
	total = 40 + ICMP_HDR_LEN + quote;

	memset(out, 0, 40 + ICMP_HDR_LEN);
	out[0] = 0x60;
	put16(out + 4, (uint16_t)(ICMP_HDR_LEN + quote));
	out[6] = IPPROTO_ICMPV6_;
	out[7] = ICMP_TTL;
	memcpy(out + 8, src->v6.s6_addr, 16);
	memcpy(out + 24, pkt + 8, 16);
	out[40] = ICMP6_PACKET_TOO_BIG;
	put32(out + 44, mtu);
	memcpy(out + 48, pkt, quote);

	/* RFC 8200 8.1: src, dst, upper-layer length, 3 zero bytes, 58. */
	put32(pseudo, (uint32_t)(ICMP_HDR_LEN + quote));
	pseudo[4] = pseudo[5] = pseudo[6] = 0;
	pseudo[7] = IPPROTO_ICMPV6_;
	sum = csum_add(0, out + 8, 32);
	sum = csum_add(sum, pseudo, 8);
	sum = csum_add(sum, out + 40, ICMP_HDR_LEN + quote);
	put16(out + 42, csum_fold(sum));
	*outlen = total;
	return 0;
}

int
icmp_too_big(uint8_t *out, size_t outsz, size_t *outlen, const uint8_t *pkt,
    size_t len, unsigned mtu, const struct icmp_src *src)
{
	if (len < 1)
		return -EINVAL;
	switch (pkt[0] >> 4) {
	case 4:
		return too_big4(out, outsz, outlen, pkt, len, mtu, src);
	case 6:
		return too_big6(out, outsz, outlen, pkt, len, mtu, src);
	default:
		return -EINVAL;
	}
}

/*
 * RFC 1624 3 applied per byte: a byte at an even offset of the summed area
 * is the high half of its 16-bit word, at an odd offset the low half, and
 * ones-complement addition lets each half be replaced on its own.
 */
static uint16_t
csum_replace_byte(uint16_t hc, size_t off, uint8_t old, uint8_t new)
{
	unsigned shift = (off & 1) ? 0 : 8;

	return csum_update16(
	    hc, (uint16_t)(old << shift), (uint16_t)(new << shift));
}

int
tcp_mss_clamp(uint8_t *pkt, size_t len, uint16_t mss)
{
	size_t off, doff, i;
	uint8_t *tcp;
	uint16_t cur, hc;
	int nh;

	if (len < 1)
		return 0;
	switch (pkt[0] >> 4) {
	case 4:
		if (len < 20 || (off = (size_t)(pkt[0] & 0x0f) * 4) < 20)
			return 0;
		if (pkt[9] != IPPROTO_TCP_ || (get16(pkt + 6) & IPV4_OFFMASK))
			return 0;
		break;
	case 6:
		if (len < 40)
			return 0;
		nh = ipv6_upper(pkt, len, &off);
		if (nh != IPPROTO_TCP_)
			return 0;
		break;
	default:
		return 0;
	}
	if (off + 20 > len)
		return 0;
	tcp = pkt + off;
	if (!(tcp[13] & TCP_SYN))
		return 0;
	doff = (size_t)(tcp[12] >> 4) * 4;
	if (doff < 20 || off + doff > len)
		return 0;
	for (i = 20; i < doff;) {
		if (tcp[i] == TCPOPT_EOL)
			break;
		if (tcp[i] == TCPOPT_NOP) {
			i++;
			continue;
		}
		if (i + 1 >= doff || tcp[i + 1] < 2 || i + tcp[i + 1] > doff)
			break;
		if (tcp[i] == TCPOPT_MSS && tcp[i + 1] == 4) {
			cur = get16(tcp + i + 2);
			if (cur <= mss)
				return 0;
			hc = get16(tcp + 16);
			hc = csum_replace_byte(hc, i + 2, tcp[i + 2], mss >> 8);
			hc = csum_replace_byte(
			    hc, i + 3, tcp[i + 3], mss & 0xff);
			put16(tcp + i + 2, mss);
			put16(tcp + 16, hc);
			return 1;
		}
		i += tcp[i + 1];
	}
	return 0;
}
