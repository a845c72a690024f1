/* SPDX-License-Identifier: ISC */
/*
 * csum.h (private): the Internet checksum of RFC 1071 in pieces, so that a
 * pseudo-header and a packet can be summed without copying, and the
 * incremental update of RFC 1624.
 */
#ifndef GRIPD_TUNNELS_CSUM_H
#define GRIPD_TUNNELS_CSUM_H

#include <stddef.h>
#include <stdint.h>

/*
 * Adds buf to a running 32-bit sum of big-endian 16-bit words.  An odd
 * trailing byte is padded with zero (RFC 1071 4.1), so only the last piece
 * of a checksummed area may have an odd length.
 */
static inline uint32_t
csum_add(uint32_t sum, const uint8_t *buf, size_t len)
{
	size_t i;

	for (i = 0; i + 1 < len; i += 2) {
		sum += (uint32_t)buf[i] << 8 | buf[i + 1];
		if (sum > 0xffff0000u)
			sum = (sum & 0xffff) + (sum >> 16);
	}
	if (len & 1)
		sum += (uint32_t)buf[len - 1] << 8;
	return sum;
}

/* Folds the sum and complements it: the value to put in the header. */
static inline uint16_t
csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/*
 * RFC 1624 3, eqn. 3: HC' = ~(~HC + ~m + m'), for one 16-bit word m that
 * changed to m'.  Works on host-order values.
 */
static inline uint16_t
csum_update16(uint16_t hc, uint16_t m, uint16_t m_new)
{
	uint32_t sum = (uint16_t)~hc;

	sum += (uint16_t)~m;
	sum += m_new;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static inline uint16_t
get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t
get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

static inline void
put16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

static inline void
put32(uint8_t *p, uint32_t v)
{
	p[0] = v >> 24;
	p[1] = (v >> 16) & 0xff;
	p[2] = (v >> 8) & 0xff;
	p[3] = v & 0xff;
}

#endif
