/* SPDX-License-Identifier: ISC */
/*
 * GRE codec: hand-assembled packets (RFC 2784 2.1, 2.5; RFC 2890 2.1, 2.2),
 * encap/decap round trips, and every rejection of gre_decap().
 */
#include <errno.h>
#include <string.h>

#include <gripd/gre.h>

#include "check.h"

/* A minimal IPv4 header, 10.0.0.1 -> 10.0.0.2 (IP checksum left zero). */
static const uint8_t ip4[20] = {0x45, 0x00, 0x00, 0x14, 0, 0, 0, 0, 0x40, 0x00,
    0, 0, 10, 0, 0, 1, 10, 0, 0, 2};

static void
mk_ip6(uint8_t *p)
{
	memset(p, 0, 40);
	p[0] = 0x60;
	p[6] = 59; /* no next header */
	p[7] = 64;
	p[23] = 1;
	p[39] = 2;
}

static void
test_encap_vectors(void)
{
	struct gre_cfg plain = {0}, c = {.csum = true},
		       k = {.key_present = true, .key = 0x01020304};
	uint8_t buf[64];
	size_t start;
	/* Checksum by hand: 8000+0800+4500+0014+4000+0a00+0001+0a00+0002
	 * = 0x12117, folded 0x2118, complemented 0xdee7 (RFC 2784 2.5). */
	static const uint8_t want_c[8] = {
	    0x80, 0x00, 0x08, 0x00, 0xde, 0xe7, 0x00, 0x00};
	static const uint8_t want_k[8] = {0x20, 0x00, 0x08, 0x00, 1, 2, 3, 4};
	static const uint8_t want_plain[4] = {0x00, 0x00, 0x08, 0x00};

	CHECK_EQ(gre_hdr_len(&plain), 4);
	CHECK_EQ(gre_hdr_len(&c), 8);
	CHECK_EQ(gre_hdr_len(&k), 8);

	memcpy(buf + 16, ip4, 20);
	CHECK_EQ(gre_encap(buf, 16, 20, &plain, &start), 0);
	CHECK_EQ(start, 12);
	CHECK_MEMEQ(buf + 12, want_plain, 4);

	CHECK_EQ(gre_encap(buf, 16, 20, &c, &start), 0);
	CHECK_EQ(start, 8);
	CHECK_MEMEQ(buf + 8, want_c, 8);
	CHECK_EQ(gre_inet_csum(buf + 8, 28), 0);

	CHECK_EQ(gre_encap(buf, 16, 20, &k, &start), 0);
	CHECK_MEMEQ(buf + 8, want_k, 8);

	/* IPv6 inner: protocol type 0x86DD; C + K: 12 bytes. */
	k.csum = true;
	mk_ip6(buf + 16);
	CHECK_EQ(gre_encap(buf, 16, 40, &k, &start), 0);
	CHECK_EQ(start, 4);
	CHECK_EQ(buf[4], 0xa0);
	CHECK_EQ(buf[6], 0x86);
	CHECK_EQ(buf[7], 0xdd);
	CHECK_EQ(gre_inet_csum(buf + 4, 52), 0);

	/* Not enough headroom, not IP, empty. */
	buf[2] = 0x45;
	CHECK_EQ(gre_encap(buf, 2, 20, &plain, &start), -ENOBUFS);
	buf[16] = 0x55;
	CHECK_EQ(gre_encap(buf, 16, 20, &plain, &start), -EPROTONOSUPPORT);
	CHECK_EQ(gre_encap(buf, 16, 0, &plain, &start), -EINVAL);
}

static void
test_roundtrip(void)
{
	uint8_t buf[128];
	struct gre_hdr h;
	char err[128];
	size_t start;
	unsigned i;

	for (i = 0; i < 4; i++) {
		struct gre_cfg cfg = {
		    .csum = i & 1, .key_present = i & 2, .key = 0xdeadbeef};
		memcpy(buf + 16, ip4, 20);
		CHECK_EQ(gre_encap(buf, 16, 20, &cfg, &start), 0);
		CHECK_EQ(gre_decap(buf + start, 36 - start, &cfg, &h, err,
			     sizeof(err)),
		    0);
		CHECK_EQ(h.proto, GRE_PROTO_IPV4);
		CHECK_EQ(h.payload_off, 16 - start);
		CHECK_EQ(h.payload_len, 20);
		CHECK_EQ(h.csum_present, cfg.csum);
		CHECK_EQ(h.key_present, cfg.key_present);
		if (cfg.key_present)
			CHECK_EQ(h.key, 0xdeadbeef);
		CHECK_MEMEQ(buf + start + h.payload_off, ip4, 20);
	}
}

static int
dec(const uint8_t *p, size_t len, const struct gre_cfg *cfg, struct gre_hdr *h,
    char *err)
{
	return gre_decap(p, len, cfg, h, err, 128);
}

static void
test_decap_rejects(void)
{
	struct gre_cfg none = {0}, keyed = {.key_present = true, .key = 7},
		       csum = {.csum = true};
	uint8_t p[64];
	struct gre_hdr h;
	char err[128];

	memset(p, 0, sizeof(p));
	p[2] = 0x08;
	memcpy(p + 4, ip4, 20);
	CHECK_EQ(dec(p, 24, &none, &h, err), 0);

	/* Truncated. */
	CHECK_EQ(dec(p, 3, &none, &h, err), -EBADMSG);
	CHECK(strstr(err, "truncated") != NULL);

	/* Version 1 (PPTP), RFC 2784 2.3.1. */
	p[1] = 0x01;
	CHECK_EQ(dec(p, 24, &none, &h, err), -EPROTONOSUPPORT);
	CHECK_STREQ(err, "version 1 (want 0)");
	p[1] = 0;

	/* Reserved bits 1, 4, 5 must be zero; 6-12 are ignored. */
	p[0] = 0x40;
	CHECK_EQ(dec(p, 24, &none, &h, err), -EBADMSG);
	CHECK_STREQ(err, "reserved bits 0x4000 set");
	p[0] = 0x08;
	CHECK_EQ(dec(p, 24, &none, &h, err), -EBADMSG);
	p[0] = 0x04;
	CHECK_EQ(dec(p, 24, &none, &h, err), -EBADMSG);
	p[0] = 0x03;
	p[1] = 0xf8;
	CHECK_EQ(dec(p, 24, &none, &h, err), 0);
	CHECK_EQ(h.flags, 0);
	p[0] = p[1] = 0;

	/* Protocol type: not IP; IPv4 type with an IPv6 payload. */
	p[2] = 0x65;
	p[3] = 0x58;
	CHECK_EQ(dec(p, 24, &none, &h, err), -EPROTONOSUPPORT);
	CHECK_STREQ(err, "protocol type 0x6558");
	p[2] = 0x08;
	p[3] = 0x00;
	p[4] = 0x60;
	CHECK_EQ(dec(p, 24, &none, &h, err), -EBADMSG);
	CHECK_STREQ(err, "protocol type 0x0800 but IP version 6");
	p[2] = 0x86;
	p[3] = 0xdd;
	CHECK_EQ(dec(p, 24, &none, &h, err), -EBADMSG); /* < 40 bytes */
	CHECK_EQ(dec(p, 44, &none, &h, err), 0);
	p[2] = 0x08;
	p[3] = 0x00;
	p[4] = 0x45;
	CHECK_EQ(dec(p, 4, &none, &h, err), -EBADMSG);	/* empty */
	CHECK_EQ(dec(p, 23, &none, &h, err), -EBADMSG); /* short IPv4 */

	/* Keys: missing, unexpected, wrong (RFC 2890 2.1). */
	CHECK_EQ(dec(p, 24, &keyed, &h, err), -EKEYREJECTED);
	CHECK_STREQ(err, "key required but absent");
	memset(p, 0, sizeof(p));
	p[0] = 0x20;
	p[2] = 0x08;
	p[7] = 9;
	memcpy(p + 8, ip4, 20);
	CHECK_EQ(dec(p, 28, &none, &h, err), -EKEYREJECTED);
	CHECK_STREQ(err, "unexpected key 9");
	CHECK_EQ(dec(p, 28, &keyed, &h, err), -EKEYREJECTED);
	CHECK_STREQ(err, "key 9 (want 7)");
	p[7] = 7;
	CHECK_EQ(dec(p, 28, &keyed, &h, err), 0);
	CHECK_EQ(dec(p, 7, &keyed, &h, err), -EBADMSG);

	/* Sequence numbers are accepted and skipped (RFC 2890 2.2). */
	memset(p, 0, sizeof(p));
	p[0] = 0x30;
	p[2] = 0x08;
	p[7] = 7;
	p[11] = 42;
	memcpy(p + 12, ip4, 20);
	CHECK_EQ(dec(p, 32, &keyed, &h, err), 0);
	CHECK(h.seq_present);
	CHECK_EQ(h.seq, 42);
	CHECK_EQ(h.payload_off, 12);
	CHECK_EQ(h.payload_len, 20);

	/* Checksum: required but absent; corrupted. */
	memset(p, 0, sizeof(p));
	p[2] = 0x08;
	memcpy(p + 4, ip4, 20);
	CHECK_EQ(dec(p, 24, &csum, &h, err), -EKEYREJECTED);
	CHECK_STREQ(err, "checksum required but absent");
	memset(p, 0, sizeof(p));
	p[0] = 0x80;
	p[2] = 0x08;
	p[4] = 0xde;
	p[5] = 0xe7;
	memcpy(p + 8, ip4, 20);
	CHECK_EQ(dec(p, 28, &csum, &h, err), 0);
	CHECK_EQ(dec(p, 28, &none, &h, err), 0); /* accepted anyway */
	p[27] ^= 1;
	CHECK_EQ(dec(p, 28, &csum, &h, err), -EBADMSG);
	CHECK_STREQ(err, "bad checksum 0xdee7");

	/* A zero-length error buffer is fine. */
	CHECK_EQ(gre_decap(p, 28, &csum, &h, NULL, 0), -EBADMSG);
}

int
main(void)
{
	test_encap_vectors();
	test_roundtrip();
	test_decap_rejects();
	return check_report();
}
