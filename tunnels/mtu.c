/* SPDX-License-Identifier: ISC */
/*
 * DOC: MTU arithmetic
 *
 * The tunnel interface's MTU must be exactly what survives GRE and ESP on the
 * underlay without fragmentation: one byte more and every full-sized packet
 * is fragmented (or black-holed with DF), one byte less and throughput is
 * left on the table.  ESP pads "GRE + inner + 2-byte trailer" up to the
 * cipher's block size (RFC 4303 2.4; never less than 4-byte alignment), so
 * the largest inner packet is a floor, not a subtraction:
 *
 *   avail     = mtu - outer_ip - udp - esp_hdr - iv - icv
 *   inner_max = floor(avail / B) * B - trailer - gre - inner_ip(tunnel mode)
 *
 * Worked example, 1500 IPv4 transport raw AES-GCM no key (docs/tunnels.md
 * has the full table): avail = 1500-20-8-8-16 = 1448, B = 4, 1448 - 2 - 4 =
 * 1442; check: 20 + 8 + 8 + (4 + 1442 + 2 = 1448) + 16 = 1500.
 */
#include <errno.h>

#include <gripd/tunmtu.h>

static unsigned
ip_hdr(bool v6)
{
	return v6 ? TUNMTU_IPV6_HDR : TUNMTU_IPV4_HDR;
}

static unsigned
gre_len(const struct tunmtu_params *p)
{
	return TUNMTU_GRE_BASE + (p->gre_key ? TUNMTU_GRE_OPT : 0) +
	       (p->gre_csum ? TUNMTU_GRE_OPT : 0);
}

static unsigned
block(const struct tunmtu_esp *e)
{
	/* RFC 4303 2.4: at least 4-byte alignment whatever the cipher. */
	return e->block_size < 4 ? 4 : e->block_size;
}

static bool
esp_sane(const struct tunmtu_esp *e)
{
	return e->hdr_len <= 64 && e->iv_len <= 64 && e->block_size <= 256 &&
	       e->icv_len <= 64 && e->trailer_len <= 16 && e->trailer_len >= 2;
}

int
tunmtu_inner_max(const struct tunmtu_params *p, unsigned *inner_mtu)
{
	unsigned fixed, extra, avail, b, padded;

	if (p->underlay_mtu == 0 || p->underlay_mtu > 65535)
		return -EINVAL;
	fixed = ip_hdr(p->outer_ipv6);
	extra = gre_len(p);
	if (p->mode == TUNMTU_ESP_NONE) {
		if (p->udp_encap)
			return -EINVAL; /* UDP encapsulation is ESP's */
		if (p->underlay_mtu < fixed + extra + 1)
			return -ERANGE;
		*inner_mtu = p->underlay_mtu - fixed - extra;
		return 0;
	}
	if (p->mode != TUNMTU_ESP_TRANSPORT && p->mode != TUNMTU_ESP_TUNNEL)
		return -EINVAL;
	if (!esp_sane(&p->esp))
		return -EINVAL;
	if (p->udp_encap)
		fixed += TUNMTU_UDP_HDR;
	fixed += p->esp.hdr_len + p->esp.iv_len + p->esp.icv_len;
	if (p->mode == TUNMTU_ESP_TUNNEL)
		extra += ip_hdr(p->outer_ipv6);
	extra += p->esp.trailer_len;
	if (p->underlay_mtu <= fixed)
		return -ERANGE;
	avail = p->underlay_mtu - fixed;
	b = block(&p->esp);
	padded = avail / b * b;
	if (padded < extra + 1)
		return -ERANGE;
	*inner_mtu = padded - extra;
	return 0;
}

unsigned
tunmtu_overhead(const struct tunmtu_params *p, unsigned inner_len)
{
	unsigned fixed = ip_hdr(p->outer_ipv6), part, b;

	part = gre_len(p) + inner_len;
	if (p->mode == TUNMTU_ESP_NONE)
		return fixed + part - inner_len;
	if (p->udp_encap)
		fixed += TUNMTU_UDP_HDR;
	fixed += p->esp.hdr_len + p->esp.iv_len + p->esp.icv_len;
	if (p->mode == TUNMTU_ESP_TUNNEL)
		part += ip_hdr(p->outer_ipv6);
	part += p->esp.trailer_len;
	b = block(&p->esp);
	part = (part + b - 1) / b * b;
	return fixed + part - inner_len;
}

bool
tunmtu_ipv6_ok(unsigned inner_mtu)
{
	return inner_mtu >= TUNMTU_IPV6_MIN;
}
