/* SPDX-License-Identifier: ISC */
/*
 * ICMP too-big builder and TCP MSS clamp.  Checksums are verified with an
 * independent, deliberately naive implementation below.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

#include <gripd/icmp.h>

#include "check.h"

/* Naive RFC 1071 sum over several pieces (each of even length but last). */
static uint16_t
naive_sum(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
	unsigned long sum = 0;
	size_t i;

	for (i = 0; i < alen; i += 2)
		sum += (unsigned long)a[i] << 8 | (i + 1 < alen ? a[i + 1] : 0);
	for (i = 0; i < blen; i += 2)
		sum += (unsigned long)b[i] << 8 | (i + 1 < blen ? b[i + 1] : 0);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum; /* 0xffff when the packet's sum is right */
}

static size_t
mk_ip4(uint8_t *p, size_t len, uint8_t proto, const char *src, const char *dst,
    bool df)
{
	memset(p, 0, len);
	for (size_t i = 20; i < len; i++)
		p[i] = (uint8_t)i;
	p[0] = 0x45;
	p[2] = len >> 8;
	p[3] = len & 0xff;
	p[6] = df ? 0x40 : 0;
	p[8] = 64;
	p[9] = proto;
	inet_pton(AF_INET, src, p + 12);
	inet_pton(AF_INET, dst, p + 16);
	return len;
}

static size_t
mk_ip6(uint8_t *p, size_t len, uint8_t nh, const char *src, const char *dst)
{
	memset(p, 0, len);
	for (size_t i = 40; i < len; i++)
		p[i] = (uint8_t)i;
	p[0] = 0x60;
	p[4] = (len - 40) >> 8;
	p[5] = (len - 40) & 0xff;
	p[6] = nh;
	p[7] = 64;
	inet_pton(AF_INET6, src, p + 8);
	inet_pton(AF_INET6, dst, p + 24);
	return len;
}

static struct icmp_src src;

static void
test_v4(void)
{
	uint8_t pkt[1500], out[1500], a[4];
	size_t n, len;

	len = mk_ip4(pkt, 1500, 17, "10.0.65.10", "10.1.0.5", true);
	CHECK(icmp_too_big_needed(pkt, len, 1400));
	CHECK(!icmp_too_big_needed(pkt, len, 1500));
	pkt[6] = 0;
	CHECK(!icmp_too_big_needed(pkt, len, 1400)); /* no DF */
	pkt[6] = 0x40;

	CHECK_EQ(icmp_too_big(out, sizeof(out), &n, pkt, len, 1400, &src), 0);
	CHECK_EQ(n, 576); /* RFC 1812 4.3.2.3 */
	CHECK_EQ(out[0], 0x45);
	CHECK_EQ(out[2] << 8 | out[3], 576);
	CHECK_EQ(out[9], 1);
	CHECK_EQ(naive_sum(out, 20, NULL, 0), 0xffff);
	inet_pton(AF_INET, "10.0.2.2", a);
	CHECK_MEMEQ(out + 12, a, 4);
	CHECK_MEMEQ(out + 16, pkt + 12, 4);
	CHECK_EQ(out[20], 3);
	CHECK_EQ(out[21], 4);
	CHECK_EQ(out[24] << 8 | out[25], 0);
	CHECK_EQ(out[26] << 8 | out[27], 1400); /* RFC 1191 4 */
	CHECK_EQ(naive_sum(out + 20, 556, NULL, 0), 0xffff);
	CHECK_MEMEQ(out + 28, pkt, 548);

	/* A short packet is quoted whole; a small buffer truncates. */
	len = mk_ip4(pkt, 100, 6, "192.0.2.7", "10.1.0.5", true);
	CHECK_EQ(icmp_too_big(out, sizeof(out), &n, pkt, len, 68, &src), 0);
	CHECK_EQ(n, 128);
	CHECK_EQ(naive_sum(out + 20, 108, NULL, 0), 0xffff);
	CHECK_EQ(icmp_too_big(out, 80, &n, pkt, len, 68, &src), 0);
	CHECK_EQ(n, 80);
	CHECK_EQ(naive_sum(out + 20, 60, NULL, 0), 0xffff);
	CHECK_EQ(icmp_too_big(out, 55, &n, pkt, len, 68, &src), -ENOSPC);

	/* RFC 1812 4.3.2.7: no error about an ICMP error ... */
	len = mk_ip4(pkt, 1500, 1, "10.0.65.10", "10.1.0.5", true);
	pkt[20] = 3;
	CHECK_EQ(
	    icmp_too_big(out, sizeof(out), &n, pkt, len, 1400, &src), -ENOMSG);
	pkt[20] = 11;
	CHECK_EQ(
	    icmp_too_big(out, sizeof(out), &n, pkt, len, 1400, &src), -ENOMSG);
	pkt[20] = 8; /* an echo request is answered */
	CHECK_EQ(icmp_too_big(out, sizeof(out), &n, pkt, len, 1400, &src), 0);
	/* ... nor a non-first fragment (a first one is fine) ... */
	len = mk_ip4(pkt, 1500, 17, "10.0.65.10", "10.1.0.5", true);
	pkt[7] = 0xb9;
	CHECK_EQ(
	    icmp_too_big(out, sizeof(out), &n, pkt, len, 1400, &src), -ENOMSG);
	pkt[6] = 0x60; /* DF + MF, offset 0 */
	pkt[7] = 0;
	CHECK_EQ(icmp_too_big(out, sizeof(out), &n, pkt, len, 1400, &src), 0);
	/* ... nor from a source that is not one host ... */
	static const char *const badsrc[] = {"0.0.0.0", "127.0.0.1",
	    "224.0.0.5", "255.255.255.255", "240.0.0.1"};
	for (size_t i = 0; i < 5; i++) {
		mk_ip4(pkt, 1500, 17, badsrc[i], "10.1.0.5", true);
		CHECK_EQ(
		    icmp_too_big(out, sizeof(out), &n, pkt, 1500, 1400, &src),
		    -ENOMSG);
	}
	/* ... nor to broadcast or multicast. */
	mk_ip4(pkt, 1500, 17, "10.0.65.10", "255.255.255.255", true);
	CHECK_EQ(
	    icmp_too_big(out, sizeof(out), &n, pkt, 1500, 1400, &src), -ENOMSG);
	mk_ip4(pkt, 1500, 17, "10.0.65.10", "239.1.1.1", true);
	CHECK_EQ(
	    icmp_too_big(out, sizeof(out), &n, pkt, 1500, 1400, &src), -ENOMSG);

	/* Malformed, no source address. */
	mk_ip4(pkt, 1500, 17, "10.0.65.10", "10.1.0.5", true);
	CHECK_EQ(
	    icmp_too_big(out, sizeof(out), &n, pkt, 19, 10, &src), -EINVAL);
	pkt[0] = 0x44;
	CHECK_EQ(
	    icmp_too_big(out, sizeof(out), &n, pkt, 1500, 10, &src), -EINVAL);
	pkt[0] = 0x45;
	struct icmp_src none = {0};
	CHECK_EQ(icmp_too_big(out, sizeof(out), &n, pkt, 1500, 1400, &none),
	    -EADDRNOTAVAIL);
}

static uint16_t
icmp6_sum(const uint8_t *ip6, size_t len)
{
	uint8_t ph[40];

	memcpy(ph, ip6 + 8, 32);
	memset(ph + 32, 0, 8);
	ph[34] = (len - 40) >> 8;
	ph[35] = (len - 40) & 0xff;
	ph[39] = 58;
	return naive_sum(ph, 40, ip6 + 40, len - 40);
}

static void
test_v6(void)
{
	uint8_t pkt[1500], out[1500], a[16];
	size_t n, len;

	len = mk_ip6(pkt, 1500, 17, "2001:db8:65::10", "2001:db8:1::5");
	CHECK(icmp_too_big_needed(pkt, len, 1400));
	CHECK(!icmp_too_big_needed(pkt, 1400, 1400));
	CHECK_EQ(icmp_too_big(out, sizeof(out), &n, pkt, len, 1400, &src), 0);
	CHECK_EQ(n, 1280); /* RFC 4443 2.4 (c) */
	CHECK_EQ(out[0], 0x60);
	CHECK_EQ(out[4] << 8 | out[5], 1240);
	CHECK_EQ(out[6], 58);
	inet_pton(AF_INET6, "2001:db8:2::2", a);
	CHECK_MEMEQ(out + 8, a, 16);
	CHECK_MEMEQ(out + 24, pkt + 8, 16);
	CHECK_EQ(out[40], 2);
	CHECK_EQ(out[41], 0);
	CHECK_EQ(
	    (uint32_t)out[44] << 24 | out[45] << 16 | out[46] << 8 | out[47],
	    1400);
	CHECK_MEMEQ(out + 48, pkt, 1232);
	CHECK_EQ(icmp6_sum(out, n), 0xffff);

	/* Odd-length quote: checksum still right. */
	len = mk_ip6(pkt, 101, 17, "2001:db8:65::10", "2001:db8:1::5");
	CHECK_EQ(icmp_too_big(out, sizeof(out), &n, pkt, len, 100, &src), 0);
	CHECK_EQ(n, 149);
	CHECK_EQ(icmp6_sum(out, n), 0xffff);

	/* Multicast destination: Packet Too Big is the exception. */
	mk_ip6(pkt, 1500, 17, "2001:db8:65::10", "ff0e::1");
	CHECK_EQ(icmp_too_big(out, sizeof(out), &n, pkt, 1500, 1400, &src), 0);
	/* No error from :: or a multicast source. */
	mk_ip6(pkt, 1500, 17, "::", "2001:db8:1::5");
	CHECK_EQ(
	    icmp_too_big(out, sizeof(out), &n, pkt, 1500, 1400, &src), -ENOMSG);
	mk_ip6(pkt, 1500, 17, "ff02::1", "2001:db8:1::5");
	CHECK_EQ(
	    icmp_too_big(out, sizeof(out), &n, pkt, 1500, 1400, &src), -ENOMSG);
	/* No error about an ICMPv6 error, even behind a hop-by-hop header. */
	mk_ip6(pkt, 1500, 58, "2001:db8:65::10", "2001:db8:1::5");
	pkt[40] = 1;
	CHECK_EQ(
	    icmp_too_big(out, sizeof(out), &n, pkt, 1500, 1400, &src), -ENOMSG);
	pkt[40] = 128; /* echo request: answered */
	CHECK_EQ(icmp_too_big(out, sizeof(out), &n, pkt, 1500, 1400, &src), 0);
	mk_ip6(pkt, 1500, 0, "2001:db8:65::10", "2001:db8:1::5");
	pkt[40] = 58;
	pkt[41] = 0; /* 8 bytes of hop-by-hop */
	pkt[48] = 3; /* time exceeded */
	CHECK_EQ(
	    icmp_too_big(out, sizeof(out), &n, pkt, 1500, 1400, &src), -ENOMSG);
	struct icmp_src v4only = {.has_v4 = true};
	mk_ip6(pkt, 1500, 17, "2001:db8:65::10", "2001:db8:1::5");
	CHECK_EQ(icmp_too_big(out, sizeof(out), &n, pkt, 1500, 1400, &v4only),
	    -EADDRNOTAVAIL);
	CHECK_EQ(icmp_too_big(out, 80, &n, pkt, 1500, 1400, &src), -ENOSPC);
	CHECK_EQ(
	    icmp_too_big(out, sizeof(out), &n, pkt, 39, 10, &src), -EINVAL);
}

/* TCP checksum from scratch, over the pseudo-header and the segment. */
static uint16_t
tcp_sum(const uint8_t *ip, size_t len)
{
	uint8_t ph[40];
	size_t off, phlen;

	memset(ph, 0, sizeof(ph));
	if (ip[0] >> 4 == 4) {
		off = (ip[0] & 15) * 4;
		memcpy(ph, ip + 12, 8);
		ph[9] = 6;
		ph[10] = (len - off) >> 8;
		ph[11] = (len - off) & 0xff;
		phlen = 12;
	} else {
		off = 40;
		memcpy(ph, ip + 8, 32);
		ph[34] = (len - off) >> 8;
		ph[35] = (len - off) & 0xff;
		ph[39] = 6;
		phlen = 40;
	}
	return naive_sum(ph, phlen, ip + off, len - off);
}

static void
fix_tcp_sum(uint8_t *ip, size_t len, size_t off)
{
	uint16_t s;

	ip[off + 16] = ip[off + 17] = 0;
	s = (uint16_t)~tcp_sum(ip, len);
	ip[off + 16] = s >> 8;
	ip[off + 17] = s & 0xff;
}

/* A SYN with the given options (padded to 4) and 3 payload bytes. */
static size_t
mk_syn(uint8_t *p, bool v6, const uint8_t *opts, size_t optlen, uint8_t fl)
{
	size_t off = v6 ? 40 : 20, doff = 20 + (optlen + 3) / 4 * 4;
	size_t len = off + doff + 3;

	if (v6)
		mk_ip6(p, len, 6, "2001:db8:65::10", "2001:db8:1::5");
	else
		mk_ip4(p, len, 6, "10.0.65.10", "10.1.0.5", true);
	memset(p + off, 0, doff);
	p[off + 0] = 0x9c; /* ports, seq: arbitrary */
	p[off + 3] = 0x50;
	p[off + 5] = 0x12;
	p[off + 12] = (uint8_t)(doff / 4) << 4;
	p[off + 13] = fl;
	p[off + 14] = 0xff;
	memcpy(p + off + 20, opts, optlen);
	fix_tcp_sum(p, len, off);
	return len;
}

static void
test_mss(void)
{
	static const uint8_t even[] = {2, 4, 0x05, 0xb4, 1, 1, 4, 2};
	static const uint8_t odd[] = {1, 2, 4, 0x05, 0xb4, 1, 4, 2};
	static const uint8_t bad[] = {3, 0, 2, 4, 0x05, 0xb4};
	static const uint8_t ws_then_mss[] = {3, 3, 7, 2, 4, 0xff, 0xff, 0};
	uint8_t p[200], q[200];
	size_t len;

	for (int v6 = 0; v6 < 2; v6++) {
		size_t off = v6 ? 40 : 20;

		len = mk_syn(p, v6, even, sizeof(even), 0x02);
		CHECK_EQ(tcp_sum(p, len), 0xffff);
		CHECK_EQ(tcp_mss_clamp(p, len, 1360), 1);
		CHECK_EQ(p[off + 22] << 8 | p[off + 23], 1360);
		CHECK_EQ(tcp_sum(p, len), 0xffff);
		CHECK_EQ(tcp_mss_clamp(p, len, 1360), 0); /* now equal */
		CHECK_EQ(tcp_mss_clamp(p, len, 1400), 0); /* never raise */

		/* MSS at an odd offset; SYN-ACK is clamped too. */
		len = mk_syn(p, v6, odd, sizeof(odd), 0x12);
		CHECK_EQ(tcp_mss_clamp(p, len, 1361), 1);
		CHECK_EQ(p[off + 23] << 8 | p[off + 24], 1361);
		CHECK_EQ(tcp_sum(p, len), 0xffff);

		len = mk_syn(p, v6, ws_then_mss, sizeof(ws_then_mss), 0x02);
		CHECK_EQ(tcp_mss_clamp(p, len, 536), 1);
		CHECK_EQ(tcp_sum(p, len), 0xffff);

		/* Not a SYN; malformed option list: untouched. */
		len = mk_syn(p, v6, even, sizeof(even), 0x10);
		memcpy(q, p, len);
		CHECK_EQ(tcp_mss_clamp(p, len, 1000), 0);
		CHECK_MEMEQ(p, q, len);
		len = mk_syn(p, v6, bad, sizeof(bad), 0x02);
		memcpy(q, p, len);
		CHECK_EQ(tcp_mss_clamp(p, len, 1000), 0);
		CHECK_MEMEQ(p, q, len);
		/* Truncated: data offset past the end. */
		len = mk_syn(p, v6, even, sizeof(even), 0x02);
		CHECK_EQ(tcp_mss_clamp(p, off + 24, 1000), 0);
	}

	/* IPv6 with a hop-by-hop header before TCP. */
	len = mk_syn(p, true, even, sizeof(even), 0x02);
	memmove(p + 48, p + 40, len - 40);
	p[6] = 0;
	memset(p + 40, 0, 8);
	p[40] = 6;
	len += 8;
	p[5] += 8;
	CHECK_EQ(tcp_mss_clamp(p, len, 1300), 1);
	CHECK_EQ(p[70] << 8 | p[71], 1300);

	/* Not TCP, not IP, IPv4 non-first fragment. */
	len = mk_ip4(p, 60, 17, "10.0.65.10", "10.1.0.5", true);
	CHECK_EQ(tcp_mss_clamp(p, len, 1000), 0);
	len = mk_syn(p, false, even, sizeof(even), 0x02);
	p[7] = 1;
	CHECK_EQ(tcp_mss_clamp(p, len, 1000), 0);
	p[0] = 0x25;
	CHECK_EQ(tcp_mss_clamp(p, len, 1000), 0);
	CHECK_EQ(tcp_mss_clamp(p, 0, 1000), 0);
}

int
main(void)
{
	src.has_v4 = src.has_v6 = true;
	inet_pton(AF_INET, "10.0.2.2", &src.v4);
	inet_pton(AF_INET6, "2001:db8:2::2", &src.v6);
	test_v4();
	test_v6();
	test_mss();
	return check_report();
}
