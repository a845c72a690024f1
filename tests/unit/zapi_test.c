/* SPDX-License-Identifier: ISC */
/*
 * DOC: zapi codec tests: byte-exact encodings against the bytes zebra 8.4
 * was seen to take (research note 2.4), the per-version differences, every
 * decoder, and truncated or garbage input.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "check.h"
#include "zapi.h"

/* Parses hex with spaces and '|' into out; returns the length. */
static size_t
hex(const char *s, uint8_t *out, size_t cap)
{
	size_t n = 0;
	unsigned v;

	while (*s != '\0') {
		if (*s == ' ' || *s == '|') {
			s++;
			continue;
		}
		if (n >= cap || sscanf(s, "%2x", &v) != 1)
			abort();
		out[n++] = (uint8_t)v;
		s += 2;
	}
	return n;
}

static void
test_route_vector(void)
{
	uint8_t want[128], buf[ZAPI_ROUTE_MAX_LEN];
	struct zapi_route r;
	size_t wl, len;

	memset(&r, 0, sizeof(r));
	r.pfx.family = AF_INET;
	r.pfx.len = 24;
	inet_pton(AF_INET, "10.99.0.0", r.pfx.addr);
	r.nh[0].ifindex = 2;
	r.nh_count = 1;
	r.distance = 70;
	r.metric = 123;
	r.tag = 7;

	/* note 2.4: what zebra 8.4 installed as 10.99.0.0/24 dev tun0 */
	wl = hex("00 30 fe 06 00000000 0008 | 0c 0000 00000000 0000000f 01 | "
		 "02 18 0a6300 | 0001 | 00000000 01 00 00000002 | 46 0000007b "
		 "00000007",
	    want, sizeof(want));
	CHECK_EQ(zapi_route_encode(ZAPI_V8, true, &r, buf, sizeof(buf), &len),
	    0);
	CHECK_EQ(len, wl);
	CHECK_MEMEQ(buf, want, wl);
	/* 9.1 numbers the route commands like 8.4 */
	CHECK_EQ(zapi_route_encode(ZAPI_V9_1, true, &r, buf, sizeof(buf), &len),
	    0);
	CHECK_MEMEQ(buf, want, wl);

	/* 10.2+: command 0009, type 0d, nothing else */
	want[9] = 0x09;
	want[10] = 0x0d;
	CHECK_EQ(zapi_route_encode(ZAPI_V10_3, true, &r, buf, sizeof(buf), &len),
	    0);
	CHECK_EQ(len, wl);
	CHECK_MEMEQ(buf, want, wl);
	CHECK_EQ(zapi_route_encode(ZAPI_V10_0, true, &r, buf, sizeof(buf), &len),
	    0);
	CHECK_MEMEQ(buf, want, wl);

	/* the buffer bound is checked */
	CHECK_EQ(zapi_route_encode(ZAPI_V8, true, &r, buf, wl - 1, &len),
	    -ENOSPC);
	CHECK_EQ(zapi_route_encode(ZAPI_V8, true, &r, buf, 5, &len), -ENOSPC);

	/* delete: prefix only, message 0 */
	wl = hex("00 1b fe 06 00000000 0009 | 0c 0000 00000000 00000000 01 | "
		 "02 18 0a6300",
	    want, sizeof(want));
	CHECK_EQ(zapi_route_encode(ZAPI_V8, false, &r, buf, sizeof(buf), &len),
	    0);
	CHECK_EQ(len, wl);
	CHECK_MEMEQ(buf, want, wl);
	want[9] = 0x0a;
	want[10] = 0x0d;
	CHECK_EQ(zapi_route_encode(ZAPI_V10_2, false, &r, buf, sizeof(buf),
		     &len),
	    0);
	CHECK_MEMEQ(buf, want, wl);

	/* no next hop, bad family, bad length, too many hops */
	r.nh_count = 0;
	CHECK_EQ(zapi_route_encode(ZAPI_V8, true, &r, buf, sizeof(buf), &len),
	    -EINVAL);
	r.nh_count = ZAPI_NH_MAX + 1;
	CHECK_EQ(zapi_route_encode(ZAPI_V8, true, &r, buf, sizeof(buf), &len),
	    -EINVAL);
	r.nh_count = 1;
	r.pfx.len = 33;
	CHECK_EQ(zapi_route_encode(ZAPI_V8, true, &r, buf, sizeof(buf), &len),
	    -EINVAL);
	r.pfx.len = 24;
	r.pfx.family = 99;
	CHECK_EQ(zapi_route_encode(ZAPI_V8, true, &r, buf, sizeof(buf), &len),
	    -EINVAL);
	r.pfx.family = AF_INET;
	r.nh[0].ifindex = 0;
	CHECK_EQ(zapi_route_encode(ZAPI_V8, true, &r, buf, sizeof(buf), &len),
	    -EINVAL);
}

static void
test_route_gateways(void)
{
	uint8_t want[256], buf[ZAPI_ROUTE_MAX_LEN];
	struct zapi_route r;
	size_t wl, len, i;

	/* 10.99.0.0/24 ECMP via 172.16.5.9 onlink and 172.16.6.9 onlink,
	 * distance 150, metric 5, no tag, table 100 */
	memset(&r, 0, sizeof(r));
	r.pfx.family = AF_INET;
	r.pfx.len = 24;
	inet_pton(AF_INET, "10.99.0.0", r.pfx.addr);
	r.nh[0].ifindex = 7;
	r.nh[0].gw_family = AF_INET;
	inet_pton(AF_INET, "172.16.5.9", r.nh[0].gw);
	r.nh[1].ifindex = 8;
	r.nh[1].gw_family = AF_INET;
	inet_pton(AF_INET, "172.16.6.9", r.nh[1].gw);
	r.nh_count = 2;
	r.distance = 150;
	r.metric = 5;
	r.table = 100;
	wl = hex("00 42 fe 06 00000000 0008 | 0c 0000 00000000 00000107 01 | "
		 "02 18 0a6300 | 0002 | 00000000 03 01 ac100509 00000007 | "
		 "00000000 03 01 ac100609 00000008 | 96 00000005 | 00000064",
	    want, sizeof(want));
	CHECK_EQ(zapi_route_encode(ZAPI_V8, true, &r, buf, sizeof(buf), &len),
	    0);
	CHECK_EQ(len, wl);
	CHECK_MEMEQ(buf, want, wl);

	/* 2001:db8:99::/48 dev 3 (no distance: the type's default) */
	memset(&r, 0, sizeof(r));
	r.pfx.family = AF_INET6;
	r.pfx.len = 48;
	inet_pton(AF_INET6, "2001:db8:99::", r.pfx.addr);
	r.nh[0].ifindex = 3;
	r.nh_count = 1;
	r.metric = 1;
	wl = hex("00 2e fe 06 00000000 0009 | 0d 0000 00000000 00000005 01 | "
		 "0a 30 20010db80099 | 0001 | 00000000 01 00 00000003 | "
		 "00000001",
	    want, sizeof(want));
	CHECK_EQ(zapi_route_encode(ZAPI_V10_6, true, &r, buf, sizeof(buf),
		     &len),
	    0);
	CHECK_EQ(len, wl);
	CHECK_MEMEQ(buf, want, wl);

	/* IPv6 gateway, onlink, and the largest message fits the bound */
	r.nh_count = ZAPI_NH_MAX;
	r.pfx.len = 128;
	r.distance = 1;
	r.tag = 1;
	r.table = 7;
	for (i = 0; i < ZAPI_NH_MAX; i++) {
		r.nh[i].ifindex = 100 + (int)i;
		r.nh[i].gw_family = AF_INET6;
		inet_pton(AF_INET6, "fe80::1", r.nh[i].gw);
	}
	CHECK_EQ(zapi_route_encode(ZAPI_V8, true, &r, buf, sizeof(buf), &len),
	    0);
	CHECK(len <= ZAPI_ROUTE_MAX_LEN);
	CHECK_EQ(buf[10 + 12 + 18 + 2 + 4], 5); /* IPV6_IFINDEX */
	CHECK_EQ(buf[10 + 12 + 18 + 2 + 5], 1); /* ONLINK */
}

static void
test_small_encoders(void)
{
	uint8_t want[64], buf[64];
	size_t wl, len;

	/* HELLO: NHRP 12, instance 0, session 0, receive_notify 1, sync 0 */
	wl = hex("00 13 fe 06 00000000 0012 | 0c 0000 00000000 01 00", want,
	    sizeof(want));
	CHECK_EQ(zapi_hello_encode(ZAPI_V8, buf, sizeof(buf), &len), 0);
	CHECK_EQ(len, wl);
	CHECK_MEMEQ(buf, want, wl);
	CHECK_EQ(zapi_hello_encode(ZAPI_V9_1, buf, sizeof(buf), &len), 0);
	CHECK_MEMEQ(buf, want, wl);
	/* 10.x: HELLO 19, NHRP 13, no receive_notify */
	wl = hex("00 12 fe 06 00000000 0013 | 0d 0000 00000000 00", want,
	    sizeof(want));
	CHECK_EQ(zapi_hello_encode(ZAPI_V10_0, buf, sizeof(buf), &len), 0);
	CHECK_EQ(len, wl);
	CHECK_MEMEQ(buf, want, wl);
	CHECK_EQ(zapi_hello_encode(ZAPI_V10_6, buf, sizeof(buf), &len), 0);
	CHECK_MEMEQ(buf, want, wl);
	CHECK_EQ(zapi_hello_encode(ZAPI_V8, buf, 12, &len), -ENOSPC);

	/* GR with stale time 30: cap 1, 30, vrf 0; command per version */
	wl = hex("00 16 fe 06 00000000 0077 | 00000001 0000001e 00000000", want,
	    sizeof(want));
	CHECK_EQ(zapi_gr_encode(ZAPI_V8, 30, buf, sizeof(buf), &len), 0);
	CHECK_EQ(len, wl);
	CHECK_MEMEQ(buf, want, wl);
	want[9] = 118;
	CHECK_EQ(zapi_gr_encode(ZAPI_V9_1, 30, buf, sizeof(buf), &len), 0);
	CHECK_MEMEQ(buf, want, wl);
	want[9] = 119;
	CHECK_EQ(zapi_gr_encode(ZAPI_V10_0, 30, buf, sizeof(buf), &len), 0);
	CHECK_MEMEQ(buf, want, wl);
	want[9] = 121;
	CHECK_EQ(zapi_gr_encode(ZAPI_V10_2, 30, buf, sizeof(buf), &len), 0);
	CHECK_MEMEQ(buf, want, wl);

	/* UPDATE_COMPLETE afi 2 safi 1 */
	wl = hex("00 1a fe 06 00000000 0077 | 00000002 00000002 00000001 "
		 "00000000",
	    want, sizeof(want));
	CHECK_EQ(zapi_update_complete_encode(ZAPI_V8, 2, 1, buf, sizeof(buf),
		     &len),
	    0);
	CHECK_EQ(len, wl);
	CHECK_MEMEQ(buf, want, wl);

	/* GR_DISABLE */
	wl = hex("00 12 fe 06 00000000 0079 | 00000004 00000000", want,
	    sizeof(want));
	CHECK_EQ(zapi_gr_disable_encode(ZAPI_V10_3, buf, sizeof(buf), &len), 0);
	CHECK_MEMEQ(buf, want, wl);

	/* NOTIFY_REQUEST: 124 in 8.4/10.0, 123 in 9.1, 126 in 10.2+ */
	wl = hex("00 0b fe 06 00000000 007e | 01", want, sizeof(want));
	CHECK_EQ(zapi_notify_request_encode(ZAPI_V10_2, true, buf, sizeof(buf),
		     &len),
	    0);
	CHECK_EQ(len, wl);
	CHECK_MEMEQ(buf, want, wl);
	CHECK_EQ(zapi_cmd_num(ZAPI_V8, ZAPI_C_ROUTE_NOTIFY_REQUEST), 124);
	CHECK_EQ(zapi_cmd_num(ZAPI_V9_1, ZAPI_C_ROUTE_NOTIFY_REQUEST), 123);
	CHECK_EQ(zapi_cmd_num(ZAPI_V10_0, ZAPI_C_ROUTE_NOTIFY_REQUEST), 124);

	/* INTERFACE_ADD request and the probe: headers only */
	wl = hex("00 0a fe 06 00000000 0000", want, sizeof(want));
	CHECK_EQ(zapi_iface_request_encode(ZAPI_V10_6, buf, sizeof(buf), &len),
	    0);
	CHECK_EQ(len, wl);
	CHECK_MEMEQ(buf, want, wl);
	wl = hex("00 0a fe 06 00000000 ffff", want, sizeof(want));
	CHECK_EQ(zapi_probe_encode(buf, sizeof(buf), &len), 0);
	CHECK_MEMEQ(buf, want, wl);
	CHECK_EQ(zapi_hdr_encode(buf, sizeof(buf), 9, 0, 1), -EINVAL);
	CHECK_EQ(zapi_hdr_encode(buf, 9, 10, 0, 1), -ENOSPC);
}

static void
test_table(void)
{
	enum zapi_ver v;

	CHECK_EQ(zapi_cmd_num(ZAPI_V8, ZAPI_C_ROUTE_ADD), 8);
	CHECK_EQ(zapi_cmd_num(ZAPI_V10_0, ZAPI_C_ROUTE_ADD), 9);
	CHECK_EQ(zapi_cmd_num(ZAPI_V8, ZAPI_C_HELLO), 18);
	CHECK_EQ(zapi_cmd_num(ZAPI_V10_2, ZAPI_C_HELLO), 19);
	CHECK_EQ(zapi_cmd_num(ZAPI_V8, ZAPI_C_CLIENT_CAPABILITIES), 119);
	CHECK_EQ(zapi_cmd_num(ZAPI_V10_2, ZAPI_C_CLIENT_CAPABILITIES), 121);
	CHECK_EQ(zapi_layout(ZAPI_V8)->route_type_nhrp, 12);
	CHECK_EQ(zapi_layout(ZAPI_V10_0)->route_type_nhrp, 13);
	CHECK_EQ(zapi_cmd_of(ZAPI_V8, 10), ZAPI_C_ROUTE_NOTIFY_OWNER);
	CHECK_EQ(zapi_cmd_of(ZAPI_V10_0, 11), ZAPI_C_ROUTE_NOTIFY_OWNER);
	CHECK_EQ(zapi_cmd_of(ZAPI_V8, 6), ZAPI_C_UNKNOWN);
	CHECK_STREQ(zapi_cmd_name(ZAPI_C_HELLO), "HELLO");
	CHECK_STREQ(zapi_cmd_name(ZAPI_C_UNKNOWN), "UNKNOWN");

	CHECK_EQ(zapi_ver_from_error(117, 0, &v), 0);
	CHECK_EQ(v, ZAPI_V9_1);
	CHECK_EQ(zapi_ver_from_error(118, 0, &v), 0);
	CHECK_EQ(v, ZAPI_V8);
	CHECK_EQ(zapi_ver_from_error(118, 10, &v), 0);
	CHECK_EQ(v, ZAPI_V10_0);
	CHECK_EQ(zapi_ver_from_error(120, 0, &v), 0);
	CHECK_EQ(v, ZAPI_V10_2);
	CHECK_EQ(zapi_ver_from_error(119, 0, &v), -ENOENT);
	CHECK_EQ(zapi_ver_refine(ZAPI_V10_2, true, false), ZAPI_V10_6);
	CHECK_EQ(zapi_ver_refine(ZAPI_V10_2, false, true), ZAPI_V10_3);
	CHECK_EQ(zapi_ver_refine(ZAPI_V10_6, false, true), ZAPI_V10_6);
	CHECK_EQ(zapi_ver_refine(ZAPI_V8, true, true), ZAPI_V8);
}

static void
test_hdr(void)
{
	uint8_t b[32];
	struct zapi_hdr h;
	char err[128];

	hex("00 0e fe 06 00000001 0013 | 01020304", b, sizeof(b));
	CHECK_EQ(zapi_hdr_decode(b, 14, &h, err, sizeof(err)), 0);
	CHECK_EQ(h.length, 14);
	CHECK_EQ(h.vrf_id, 1);
	CHECK_EQ(h.command, 19);
	CHECK_EQ(zapi_hdr_decode(b, 13, &h, err, sizeof(err)), -EAGAIN);
	CHECK_EQ(zapi_hdr_decode(b, 9, &h, err, sizeof(err)), -EAGAIN);
	b[2] = 0xff;
	CHECK_EQ(zapi_hdr_decode(b, 14, &h, err, sizeof(err)), -EBADMSG);
	CHECK_STREQ(err, "bad marker 255 (want 254)");
	b[2] = 0xfe;
	b[3] = 5;
	CHECK_EQ(zapi_hdr_decode(b, 14, &h, err, sizeof(err)), -EBADMSG);
	CHECK_STREQ(err, "bad version 5 (want 6)");
	b[3] = 6;
	b[1] = 9;
	CHECK_EQ(zapi_hdr_decode(b, 14, &h, err, sizeof(err)), -EBADMSG);
	CHECK_STREQ(err, "bad length 9 (min 10)");
}

static void
test_caps(void)
{
	uint8_t b[32];
	struct zapi_msg m;
	char err[128];
	size_t n;

	/* 8.4: vrf_backend u32, mpls, ecmp 64, mlag */
	n = hex("00 14 fe 06 00000000 0013 | 00000001 01 00000040 00", b,
	    sizeof(b));
	CHECK_EQ(zapi_msg_decode(ZAPI_V8, b, n, &m, err, sizeof(err)), 0);
	CHECK_EQ(m.cmd, ZAPI_C_CAPABILITIES);
	CHECK_EQ(m.u.caps.vrf_backend, 1);
	CHECK_EQ(m.u.caps.mpls, 1);
	CHECK_EQ(m.u.caps.ecmp, 64);
	/* one byte short */
	b[1] = 0x13;
	CHECK_EQ(zapi_msg_decode(ZAPI_V8, b, n - 1, &m, err, sizeof(err)),
	    -EBADMSG);
	CHECK_STREQ(err, "capabilities: 9 bytes (want 10)");
	/* 9.1: + v6_with_v4_nh */
	n = hex("00 15 fe 06 00000000 0013 | 00000000 00 00000010 00 01", b,
	    sizeof(b));
	CHECK_EQ(zapi_msg_decode(ZAPI_V9_1, b, n, &m, err, sizeof(err)), 0);
	CHECK_EQ(m.u.caps.ecmp, 16);
	CHECK_EQ(m.u.caps.v6_with_v4_nh, 1);
	/* 10.2: command 20, + graceful_restart */
	n = hex("00 16 fe 06 00000000 0014 | 00000000 00 00000100 00 01 01", b,
	    sizeof(b));
	CHECK_EQ(zapi_msg_decode(ZAPI_V10_2, b, n, &m, err, sizeof(err)), 0);
	CHECK_EQ(m.cmd, ZAPI_C_CAPABILITIES);
	CHECK_EQ(m.u.caps.ecmp, 256);
	CHECK_EQ(m.u.caps.graceful_restart, 1);
	CHECK(!m.u.caps.vrf_u8);
	/* 10.6: vrf_backend u8; a 10.2 guess takes it by its length */
	n = hex("00 13 fe 06 00000000 0014 | 01 00 00000100 00 01 01", b,
	    sizeof(b));
	CHECK_EQ(zapi_msg_decode(ZAPI_V10_6, b, n, &m, err, sizeof(err)), 0);
	CHECK_EQ(m.u.caps.vrf_backend, 1);
	CHECK_EQ(m.u.caps.ecmp, 256);
	CHECK_EQ(zapi_msg_decode(ZAPI_V10_2, b, n, &m, err, sizeof(err)), 0);
	CHECK(m.u.caps.vrf_u8);
	CHECK_EQ(m.u.caps.ecmp, 256);
}

/* A NOTIFY_OWNER body with the note in host order. */
static size_t
notify_msg(uint8_t *b, uint16_t cmd, uint32_t note, const char *rest)
{
	size_t n = hex(rest, b + 14, 128) + 14;

	hex("0000 fe 06 00000000 0000", b, 10);
	b[0] = n >> 8;
	b[1] = n & 0xff;
	b[8] = cmd >> 8;
	b[9] = cmd & 0xff;
	memcpy(b + 10, &note, 4);
	return n;
}

static void
test_notify(void)
{
	uint8_t b[160];
	struct zapi_msg m;
	char err[128];
	size_t n, i;

	n = notify_msg(b, 10, ZAPI_NOTE_INSTALLED,
	    "02 18 0a630000 | 000000fe 01 01");
	CHECK_EQ(zapi_msg_decode(ZAPI_V8, b, n, &m, err, sizeof(err)), 0);
	CHECK_EQ(m.cmd, ZAPI_C_ROUTE_NOTIFY_OWNER);
	CHECK_EQ(m.u.notify.note, ZAPI_NOTE_INSTALLED);
	CHECK_EQ(m.u.notify.pfx.family, AF_INET);
	CHECK_EQ(m.u.notify.pfx.len, 24);
	CHECK_EQ(m.u.notify.pfx.addr[1], 99);
	CHECK_EQ(m.u.notify.table, 254);
	CHECK_EQ(m.u.notify.afi, 1);
	CHECK(!m.u.notify.has_src);
	CHECK_STREQ(zapi_note_name(m.u.notify.note), "installed");

	/* IPv6, 10.0 numbering */
	n = notify_msg(b, 11, ZAPI_NOTE_FAIL_INSTALL,
	    "0a 30 20010db8009900000000000000000000 | 000000fe 02 01");
	CHECK_EQ(zapi_msg_decode(ZAPI_V10_0, b, n, &m, err, sizeof(err)), 0);
	CHECK_EQ(m.u.notify.note, ZAPI_NOTE_FAIL_INSTALL);
	CHECK_EQ(m.u.notify.pfx.family, AF_INET6);
	CHECK_EQ(m.u.notify.pfx.len, 48);
	CHECK_EQ(m.u.notify.pfx.addr[5], 0x99);

	/* 10.3+: src prefix; a 10.2 guess takes it by its length */
	n = notify_msg(b, 11, ZAPI_NOTE_REMOVED,
	    "02 20 0a630001 | 00 00000000 | 000000fe 01 01");
	CHECK_EQ(zapi_msg_decode(ZAPI_V10_3, b, n, &m, err, sizeof(err)), 0);
	CHECK(m.u.notify.has_src);
	CHECK_EQ(m.u.notify.table, 254);
	CHECK_EQ(m.u.notify.note, ZAPI_NOTE_REMOVED);
	CHECK_EQ(zapi_msg_decode(ZAPI_V10_2, b, n, &m, err, sizeof(err)), 0);
	CHECK(m.u.notify.has_src);
	CHECK_EQ(m.u.notify.table, 254);
	/* ... but 8.4 does not: the extra bytes are trailing, table wrong */
	n = notify_msg(b, 11, ZAPI_NOTE_REMOVED,
	    "02 20 0a630001 | 000000fe 01 01");
	CHECK_EQ(zapi_msg_decode(ZAPI_V10_3, b, n, &m, err, sizeof(err)), 0);
	CHECK(!m.u.notify.has_src);
	CHECK_EQ(m.u.notify.table, 254);

	/* bad family, bad length, every truncation */
	n = notify_msg(b, 10, 2, "07 18 0a630000 | 000000fe 01 01");
	CHECK_EQ(zapi_msg_decode(ZAPI_V8, b, n, &m, err, sizeof(err)),
	    -EBADMSG);
	CHECK_STREQ(err, "notify-owner: family 7");
	n = notify_msg(b, 10, 2, "02 21 0a630000 | 000000fe 01 01");
	CHECK_EQ(zapi_msg_decode(ZAPI_V8, b, n, &m, err, sizeof(err)),
	    -EBADMSG);
	CHECK_STREQ(err, "notify-owner: prefix length 33");
	n = notify_msg(b, 10, 2, "02 18 0a630000 | 000000fe 01 01");
	for (i = 10; i < n; i++) {
		b[0] = 0;
		b[1] = (uint8_t)i;
		CHECK_EQ(zapi_msg_decode(ZAPI_V8, b, i, &m, err, sizeof(err)),
		    -EBADMSG);
		CHECK(err[0] != '\0');
	}
}

/* An 8.4 INTERFACE_* message (note 2.6) for name/ifindex/flags. */
static size_t
iface_msg(uint8_t *b, enum zapi_ver v, enum zapi_cmd cmd, const char *name,
    uint32_t ifindex, uint64_t flags, uint32_t mtu)
{
	size_t n = 10, i;

	memset(b, 0, 200);
	memcpy(b + n, name, strlen(name));
	n += 16;
	b[n++] = ifindex >> 24;
	b[n++] = ifindex >> 16;
	b[n++] = ifindex >> 8;
	b[n++] = ifindex;
	b[n++] = 1; /* status */
	for (i = 0; i < 8; i++)
		b[n++] = (uint8_t)(flags >> (56 - 8 * i));
	n += 2 + 4 + 4; /* ptm, metric, speed */
	if (zapi_layout(v)->if_txqlen)
		n += 4;
	b[n++] = mtu >> 24;
	b[n++] = mtu >> 16;
	b[n++] = mtu >> 8;
	b[n++] = mtu;
	n += 4 + 4 + 4; /* mtu6, bw, link_ifindex */
	if (zapi_layout(v)->if_zif_type)
		n += 4;
	n += 4 + 4 + 6 + 1; /* ll_type, hwlen 6, hw, no link params */
	hex("0000 fe 06 00000000 0000", b, 10);
	b[0] = n >> 8;
	b[1] = n & 0xff;
	b[9] = (uint8_t)zapi_cmd_num(v, cmd);
	return n;
}

static void
test_iface(void)
{
	uint8_t b[200];
	struct zapi_msg m;
	char err[128];
	size_t n, i;

	n = iface_msg(b, ZAPI_V8, ZAPI_C_INTERFACE_ADD, "tun0", 5,
	    ZAPI_IFF_UP | ZAPI_IFF_RUNNING | ZAPI_IFF_LOWER_UP, 1400);
	CHECK_EQ(zapi_msg_decode(ZAPI_V8, b, n, &m, err, sizeof(err)), 0);
	CHECK_EQ(m.cmd, ZAPI_C_INTERFACE_ADD);
	CHECK_STREQ(m.u.iface.name, "tun0");
	CHECK_EQ(m.u.iface.ifindex, 5);
	CHECK_EQ(m.u.iface.mtu, 1400);
	CHECK(m.u.iface.oper_up);
	/* in 8.4, mtu is at offset 39 of the body (note 2.6) */
	CHECK_EQ(b[10 + 39 + 2] << 8 | b[10 + 39 + 3], 1400);

	/* carrier loss on a tun: INTERFACE_UP with RUNNING, no LOWER_UP */
	n = iface_msg(b, ZAPI_V8, ZAPI_C_INTERFACE_UP, "tun0", 5,
	    ZAPI_IFF_UP | ZAPI_IFF_RUNNING, 1400);
	CHECK_EQ(zapi_msg_decode(ZAPI_V8, b, n, &m, err, sizeof(err)), 0);
	CHECK_EQ(m.cmd, ZAPI_C_INTERFACE_UP);
	CHECK(!m.u.iface.oper_up);
	n = iface_msg(b, ZAPI_V8, ZAPI_C_INTERFACE_DOWN, "tun0", 5, 0, 1400);
	CHECK_EQ(zapi_msg_decode(ZAPI_V8, b, n, &m, err, sizeof(err)), 0);
	CHECK_EQ(m.cmd, ZAPI_C_INTERFACE_DOWN);

	/* 9.1 txqlen and 10.6 zif_type move the later fields */
	n = iface_msg(b, ZAPI_V9_1, ZAPI_C_INTERFACE_UP, "veth-a", 9,
	    ZAPI_IFF_UP | ZAPI_IFF_RUNNING | ZAPI_IFF_LOWER_UP, 9000);
	CHECK_EQ(zapi_msg_decode(ZAPI_V9_1, b, n, &m, err, sizeof(err)), 0);
	CHECK_EQ(m.u.iface.mtu, 9000);
	CHECK_EQ(zapi_msg_decode(ZAPI_V8, b, n, &m, err, sizeof(err)), 0);
	CHECK(m.u.iface.mtu != 9000);
	n = iface_msg(b, ZAPI_V10_6, ZAPI_C_INTERFACE_DELETE, "gre1", 4, 0,
	    1476);
	CHECK_EQ(zapi_msg_decode(ZAPI_V10_6, b, n, &m, err, sizeof(err)), 0);
	CHECK_EQ(m.cmd, ZAPI_C_INTERFACE_DELETE);
	CHECK_EQ(m.u.iface.mtu, 1476);

	/* a full 16-byte name is terminated */
	n = iface_msg(b, ZAPI_V8, ZAPI_C_INTERFACE_ADD, "abcdefghijklmnop", 5,
	    0, 1);
	CHECK_EQ(zapi_msg_decode(ZAPI_V8, b, n, &m, err, sizeof(err)), 0);
	CHECK_STREQ(m.u.iface.name, "abcdefghijklmnop");
	/* empty name, unprintable name */
	n = iface_msg(b, ZAPI_V8, ZAPI_C_INTERFACE_ADD, "", 5, 0, 1);
	CHECK_EQ(zapi_msg_decode(ZAPI_V8, b, n, &m, err, sizeof(err)),
	    -EBADMSG);
	n = iface_msg(b, ZAPI_V8, ZAPI_C_INTERFACE_ADD, "a\033b", 5, 0, 1);
	CHECK_EQ(zapi_msg_decode(ZAPI_V8, b, n, &m, err, sizeof(err)),
	    -EBADMSG);
	/* truncations up to link_ifindex fail, later ones are fine */
	n = iface_msg(b, ZAPI_V8, ZAPI_C_INTERFACE_ADD, "tun0", 5, 1, 1);
	for (i = 10; i < n; i++) {
		b[1] = (uint8_t)i;
		CHECK_EQ(zapi_msg_decode(ZAPI_V8, b, i, &m, err, sizeof(err)),
		    i < 10 + 55 ? -EBADMSG : 0);
	}
}

static void
test_ifaddr_error_rid(void)
{
	uint8_t b[64];
	struct zapi_msg m;
	char err[128];
	uint32_t code = 2;
	size_t n;

	n = hex("00 19 fe 06 00000000 0002 | 00000005 00 02 c0000201 18 "
		"00000000",
	    b, sizeof(b));
	CHECK_EQ(zapi_msg_decode(ZAPI_V8, b, n, &m, err, sizeof(err)), 0);
	CHECK_EQ(m.cmd, ZAPI_C_INTERFACE_ADDRESS_ADD);
	CHECK_EQ(m.u.ifaddr.ifindex, 5);
	CHECK_EQ(m.u.ifaddr.pfx.family, AF_INET);
	CHECK_EQ(m.u.ifaddr.pfx.len, 24);
	CHECK_EQ(m.u.ifaddr.pfx.addr[3], 1);
	CHECK(m.u.ifaddr.has_dest);
	b[1] = 0x15; /* without destination: accepted */
	CHECK_EQ(zapi_msg_decode(ZAPI_V8, b, 0x15, &m, err, sizeof(err)), 0);
	CHECK(!m.u.ifaddr.has_dest);
	b[1] = 0x14;
	CHECK_EQ(zapi_msg_decode(ZAPI_V8, b, 0x14, &m, err, sizeof(err)),
	    -EBADMSG);
	n = hex("00 21 fe 06 00000000 0003 | 00000005 00 0a "
		"20010db8000000000000000000000001 40",
	    b, sizeof(b));
	CHECK_EQ(zapi_msg_decode(ZAPI_V8, b, n, &m, err, sizeof(err)), 0);
	CHECK_EQ(m.cmd, ZAPI_C_INTERFACE_ADDRESS_DEL);
	CHECK_EQ(m.u.ifaddr.pfx.len, 64);

	/* ERROR: the code in host order; its command number is the probe */
	n = hex("00 0e fe 06 00000000 0076 | 00000000", b, sizeof(b));
	memcpy(b + 10, &code, 4);
	CHECK_EQ(zapi_msg_decode(ZAPI_V8, b, n, &m, err, sizeof(err)), 0);
	CHECK_EQ(m.cmd, ZAPI_C_ERROR);
	CHECK_EQ(m.u.error, 2);
	b[1] = 0x0d;
	CHECK_EQ(zapi_msg_decode(ZAPI_V8, b, 13, &m, err, sizeof(err)),
	    -EBADMSG);
	/* 118 is not ERROR in 10.2: decoded as a message we do not read */
	b[1] = 0x0e;
	CHECK_EQ(zapi_msg_decode(ZAPI_V10_2, b, 14, &m, err, sizeof(err)), 0);
	CHECK_EQ(m.cmd, ZAPI_C_UNKNOWN);

	/* ROUTER_ID_UPDATE: family, address, plen */
	n = hex("00 10 fe 06 00000000 0011 | 02 c0000201 20", b, sizeof(b));
	CHECK_EQ(zapi_msg_decode(ZAPI_V8, b, n, &m, err, sizeof(err)), 0);
	CHECK_EQ(m.cmd, ZAPI_C_ROUTER_ID_UPDATE);
	CHECK_EQ(m.u.router_id.len, 32);
	CHECK_EQ(m.u.router_id.addr[0], 192);
}

static void
test_garbage(void)
{
	uint8_t b[512];
	struct zapi_msg m;
	char err[128];
	unsigned seed = 1, i, j, v;
	size_t n;
	int r;

	for (i = 0; i < 20000; i++) {
		n = 10 + rand_r(&seed) % 100;
		for (j = 0; j < n; j++)
			b[j] = (uint8_t)rand_r(&seed);
		b[0] = 0;
		b[1] = (uint8_t)n;
		b[2] = 0xfe;
		b[3] = 6;
		b[8] = 0;
		b[9] = (uint8_t)(rand_r(&seed) % 24);
		for (v = 0; v < ZAPI_V_COUNT; v++) {
			r = zapi_msg_decode(
			    (enum zapi_ver)v, b, n, &m, err, sizeof(err));
			CHECK(r == 0 || (r == -EBADMSG && err[0] != '\0'));
			if (r == 0 && m.cmd == ZAPI_C_INTERFACE_ADD)
				CHECK(strlen(m.u.iface.name) <= 16);
		}
	}
}

int
main(void)
{
	test_route_vector();
	test_route_gateways();
	test_small_encoders();
	test_table();
	test_hdr();
	test_caps();
	test_notify();
	test_iface();
	test_ifaddr_error_rid();
	test_garbage();
	return check_report();
}
