/* SPDX-License-Identifier: ISC */
/*
 * icmp.h: the tunnel's answers to packets that do not fit (ICMP "fragmentation
 * needed" for IPv4, ICMPv6 Packet Too Big) and TCP MSS clamping, for the
 * userspace datapath.  Pure functions over caller buffers.
 */
#ifndef GRIPD_ICMP_H
#define GRIPD_ICMP_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ICMP_V4_MAX_LEN 576  /* RFC 1812 4.3.2.3 */
#define ICMP_V6_MAX_LEN 1280 /* RFC 4443 2.4 (c) */

/* The tunnel's own inner addresses: the source of the errors it sends. */
struct icmp_src {
	bool has_v4;
	bool has_v6;
	struct in_addr v4;
	struct in6_addr v6;
};

/*
 * True when the inner packet pkt[0..len) cannot cross a tunnel of inner MTU
 * mtu: IPv4 with DF set and len > mtu, or IPv6 with len > mtu (routers never
 * fragment IPv6, RFC 8200 5).  A too-big IPv4 packet without DF is for the
 * caller to fragment (or drop).
 */
bool icmp_too_big_needed(const uint8_t *pkt, size_t len, unsigned mtu);

/*
 * Builds into out[0..outsz) a complete IP packet reporting that pkt does not
 * fit a tunnel of inner MTU mtu: ICMP type 3 code 4 with the next-hop MTU
 * (RFC 1191 4) quoting as much of pkt as keeps the error within 576 bytes
 * (RFC 1812 4.3.2.3), or ICMPv6 Packet Too Big (RFC 4443 3.2) quoting as much
 * as fits in 1280 bytes; sent from src to pkt's source.
 * Returns 0 with *outlen set; -ENOMSG when the rules forbid an error (pkt is
 * itself an ICMP error, a non-first IPv4 fragment, from a source that is not
 * one host, or to an IPv4 broadcast/multicast address: RFC 1812 4.3.2.7,
 * RFC 4443 2.4 (e)); -EINVAL when pkt is not a valid IP header;
 * -EADDRNOTAVAIL when src has no address of pkt's family; -ENOSPC when out
 * cannot hold the headers and the minimum quote.
 */
int icmp_too_big(uint8_t *out, size_t outsz, size_t *outlen, const uint8_t *pkt,
    size_t len, unsigned mtu, const struct icmp_src *src);

/*
 * If pkt is a TCP SYN (IPv4, or IPv6 after extension headers) whose MSS option
 * exceeds mss, rewrites the option to mss and updates the TCP checksum
 * incrementally (RFC 1624 3).  Returns 1 when it rewrote, 0 when the packet
 * was left alone (not TCP SYN, no MSS option, MSS already small enough,
 * truncated or non-first fragment).
 */
int tcp_mss_clamp(uint8_t *pkt, size_t len, uint16_t mss);

#endif
