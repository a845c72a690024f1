/* SPDX-License-Identifier: ISC */
/*
 * MTU arithmetic: hand-computed cases for each mode (the derivations are in
 * the comments and in docs/tunnels.md), then an exhaustive check that the
 * answer is exactly the largest packet that fits.
 */
#include <errno.h>

#include <gripd/tunmtu.h>

#include "check.h"

static unsigned
inner(unsigned mtu, bool v6, bool udp, enum tunmtu_esp_mode mode,
    struct tunmtu_esp esp, bool key, bool csum)
{
	struct tunmtu_params p = {mtu, v6, udp, mode, esp, key, csum};
	unsigned r = 0;

	if (tunmtu_inner_max(&p, &r) < 0)
		return 0;
	return r;
}

#define GCM TUNMTU_ESP_AES_GCM16
#define CBC TUNMTU_ESP_AES_CBC_SHA256
#define TR TUNMTU_ESP_TRANSPORT
#define TU TUNMTU_ESP_TUNNEL

static void
test_hand_computed(void)
{
	/* 1500-20-8-8-16 = 1448 (a multiple of 4); -2 trailer -4 GRE. */
	CHECK_EQ(inner(1500, false, false, TR, GCM, false, false), 1442);
	/* + key: -4. */
	CHECK_EQ(inner(1500, false, false, TR, GCM, true, false), 1438);
	/* + key + checksum. */
	CHECK_EQ(inner(1500, false, false, TR, GCM, true, true), 1434);
	/* UDP: 1448-8 = 1440; -6. */
	CHECK_EQ(inner(1500, false, true, TR, GCM, false, false), 1434);
	/* Tunnel mode: another 20-byte IPv4 header inside. */
	CHECK_EQ(inner(1500, false, false, TU, GCM, false, false), 1422);
	/* CBC: 1500-20-8-16-16 = 1440 = 90 blocks; -6. */
	CHECK_EQ(inner(1500, false, false, TR, CBC, false, false), 1434);
	CHECK_EQ(inner(1500, false, false, TR, CBC, true, false), 1430);
	/* CBC + UDP: 1432 is 89.5 blocks -> 1424; -6 (the floor matters). */
	CHECK_EQ(inner(1500, false, true, TR, CBC, false, false), 1418);
	CHECK_EQ(inner(1500, false, true, TU, CBC, false, false), 1398);
	/* IPv6 outer: 1500-40-8-8-16 = 1428; -6. */
	CHECK_EQ(inner(1500, true, false, TR, GCM, false, false), 1422);
	/* IPv6 tunnel UDP CBC key csum: 1500-88 = 1412 -> 1408;
	 * -2 -12 GRE -40 inner IPv6 = 1354. */
	CHECK_EQ(inner(1500, true, true, TU, CBC, true, true), 1354);
	/* Plain GRE: the classic 1476, 1472 with a key. */
	CHECK_EQ(inner(1500, false, false, TUNMTU_ESP_NONE, GCM, false, false),
	    1476);
	CHECK_EQ(
	    inner(1500, false, false, TUNMTU_ESP_NONE, GCM, true, false), 1472);
	CHECK_EQ(
	    inner(1500, true, false, TUNMTU_ESP_NONE, GCM, false, false), 1456);
	/* ChaCha20-Poly1305 (RFC 7634): block 1, aligned to 4 anyway. */
	CHECK_EQ(inner(1501, false, false, TR,
		     ((struct tunmtu_esp){8, 8, 1, 16, 2}), false, false),
	    1442);
}

static void
test_errors(void)
{
	struct tunmtu_params p = {
	    1500, false, true, TUNMTU_ESP_NONE, GCM, false, false};
	unsigned r;

	CHECK_EQ(tunmtu_inner_max(&p, &r), -EINVAL); /* UDP without ESP */
	p.mode = TR;
	p.udp_encap = false;
	p.underlay_mtu = 0;
	CHECK_EQ(tunmtu_inner_max(&p, &r), -EINVAL);
	p.underlay_mtu = 52; /* exactly the fixed overhead */
	CHECK_EQ(tunmtu_inner_max(&p, &r), -ERANGE);
	p.underlay_mtu = 20 + 8 + 8 + 16 + 4; /* room for GRE, no trailer */
	CHECK_EQ(tunmtu_inner_max(&p, &r), -ERANGE);
	p.underlay_mtu += 4; /* one more 4-byte block: 4 + 2 + 2 */
	CHECK_EQ(tunmtu_inner_max(&p, &r), 0);
	CHECK_EQ(r, 2);
	p.mode = (enum tunmtu_esp_mode)7;
	CHECK_EQ(tunmtu_inner_max(&p, &r), -EINVAL);
	p.mode = TR;
	p.esp.trailer_len = 0;
	CHECK_EQ(tunmtu_inner_max(&p, &r), -EINVAL);

	CHECK(!tunmtu_ipv6_ok(1279));
	CHECK(tunmtu_ipv6_ok(1280));
}

/* For every combination and MTU: inner_max fits, inner_max + 1 does not. */
static void
test_exact(void)
{
	static const struct tunmtu_esp esps[] = {
	    GCM, CBC, {8, 8, 1, 16, 2}, {8, 16, 8, 12, 2}};
	unsigned mtu, combo, e, r, bad = 0, n = 0;

	for (mtu = 200; mtu <= 9000; mtu += 7) {
		for (combo = 0; combo < 48; combo++) {
			for (e = 0; e < 4; e++) {
				struct tunmtu_params p = {mtu, combo & 1,
				    (combo >> 1) & 1,
				    (enum tunmtu_esp_mode)(combo >> 4), esps[e],
				    (combo >> 2) & 1, (combo >> 3) & 1};
				if (p.mode == TUNMTU_ESP_NONE && p.udp_encap)
					continue;
				if (tunmtu_inner_max(&p, &r) < 0) {
					bad++;
					continue;
				}
				n++;
				if (r + tunmtu_overhead(&p, r) > mtu ||
				    r + 1 + tunmtu_overhead(&p, r + 1) <= mtu)
					bad++;
			}
		}
	}
	CHECK_EQ(bad, 0);
	CHECK(n > 10000);
}

int
main(void)
{
	test_hand_computed();
	test_errors();
	test_exact();
	return check_report();
}
