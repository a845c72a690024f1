/* SPDX-License-Identifier: ISC */
/*
 * tunmtu.h: how large an inner packet fits through GRE + ESP over a given
 * underlay MTU.  ESP's parameters come in as plain numbers so that tunnels
 * never includes crypto headers (crypto fills struct tunmtu_esp).
 *
 *   transport:  [IP][UDP?][ESP hdr][IV][ GRE | inner | pad | 2 ][ICV]
 *   tunnel:     [IP][UDP?][ESP hdr][IV][ IP | GRE | inner | pad | 2 ][ICV]
 *                                      \___ padded to the block size ___/
 *
 * (RFC 4303 2.4: the padded part, ending with pad length and next header,
 * is a multiple of the cipher block size and at least 4-byte aligned.)
 */
#ifndef GRIPD_TUNMTU_H
#define GRIPD_TUNMTU_H

#include <stdbool.h>

#define TUNMTU_IPV4_HDR 20   /* RFC 791, no options */
#define TUNMTU_IPV6_HDR 40   /* RFC 8200 3 */
#define TUNMTU_UDP_HDR 8     /* RFC 3948 2.1 */
#define TUNMTU_GRE_BASE 4    /* RFC 2784 2.1 */
#define TUNMTU_GRE_OPT 4     /* checksum (2784 2.5), key (2890 2.1) */
#define TUNMTU_IPV6_MIN 1280 /* RFC 8200 5 */
#define TUNMTU_IPV4_MIN 576  /* RFC 791 */

enum tunmtu_esp_mode {
	TUNMTU_ESP_NONE,      /* plain GRE (tests, kernel GRE without XFRM) */
	TUNMTU_ESP_TRANSPORT, /* ESP protects GRE, one outer IP header */
	TUNMTU_ESP_TUNNEL,    /* ESP carries a second IP header + GRE */
};

/* The shape of one ESP transform, in bytes (RFC 4303 2). */
struct tunmtu_esp {
	unsigned hdr_len;     /* SPI + sequence: 8 */
	unsigned iv_len;      /* 8 for GCM/ChaCha20 (RFC 4106 3.1), 16 CBC */
	unsigned block_size;  /* 4 for GCM (RFC 4106 3.2), 16 AES-CBC */
	unsigned icv_len;     /* 16 for GCM-16 and HMAC-SHA256-128 */
	unsigned trailer_len; /* pad length + next header: 2 */
};

/* AES-GCM-16 (RFC 4106) and AES-CBC + HMAC-SHA-256-128 (RFC 3602, 4868). */
#define TUNMTU_ESP_AES_GCM16 ((struct tunmtu_esp){8, 8, 4, 16, 2})
#define TUNMTU_ESP_AES_CBC_SHA256 ((struct tunmtu_esp){8, 16, 16, 16, 2})

struct tunmtu_params {
	unsigned underlay_mtu; /* MTU of the underlay interface */
	bool outer_ipv6;       /* outer (and ESP tunnel-mode) family */
	bool udp_encap;	       /* ESP-in-UDP, RFC 3948 */
	enum tunmtu_esp_mode mode;
	struct tunmtu_esp esp; /* ignored for TUNMTU_ESP_NONE */
	bool gre_key;
	bool gre_csum;
};

/*
 * Largest inner packet that fits, i.e. the MTU to give the tunnel interface:
 *   outer_ip + udp + esp_hdr + iv + roundup(extra + inner + trailer, B) + icv
 *       <= underlay_mtu
 * with extra = GRE (+ inner IP header in tunnel mode) and B the block size
 * raised to at least 4 (RFC 4303 2.4).  Returns 0 with *inner_mtu set, or
 * -EINVAL for nonsense parameters, -ERANGE when nothing fits.
 */
int tunmtu_inner_max(const struct tunmtu_params *p, unsigned *inner_mtu);

/* Bytes added in front of and after a packet of inner_len (worst case). */
unsigned tunmtu_overhead(const struct tunmtu_params *p, unsigned inner_len);

/*
 * True when the tunnel can carry IPv6 (RFC 8200 5: the link MTU must be at
 * least 1280); callers warn when IPv6 is configured and this is false.
 */
bool tunmtu_ipv6_ok(unsigned inner_mtu);

#endif
