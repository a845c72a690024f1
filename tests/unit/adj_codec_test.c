/* SPDX-License-Identifier: ISC */
/*
 * adj_codec_test: the adjacency codec against hand-written bytes (each
 * message type both ways), truncation at every length, every range check,
 * unknown version/type/TLV rules, fragmentation and HMAC authentication.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>

#include "adj_wire.h"
#include "check.h"

/* protocol.md example 1: HELLO from 10.0.0.1 hearing 10.0.0.2, name TLV */
static const uint8_t v_hello[] = {
	0x47, 0x52, 0x01, 0x01, 0x00, 0x00, 0x00, 0x32, /* GR v1 HELLO len 50 */
	0x0a, 0x00, 0x00, 0x01,				/* router-id */
	0x65, 0x00, 0x00, 0x00,				/* epoch */
	0x00, 0x00, 0x00, 0x07,				/* sequence */
	0x00, 0x00, 0x03, 0x84,				/* hold 900 */
	0x00, 0x00, 0x01, 0x2c,				/* hello 300 */
	0x00, 0x01, 0x00, 0x00,				/* HEARD, reserved */
	0x0a, 0x00, 0x00, 0x02,				/* nbr router-id */
	0x65, 0x00, 0x00, 0x01,				/* nbr epoch */
	0x00, 0x01, 0x00, 0x06, 'w', 'e', 's', 't', '-', '1', /* NAME */
};

/* example 2: UPDATE version 3, fragment 0 of 1, two prefixes */
static const uint8_t v_update[] = {
	0x47, 0x52, 0x01, 0x02, 0x00, 0x00, 0x00, 0x4c, /* len 76 */
	0x0a, 0x00, 0x00, 0x01, 0x65, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x08,
	0x00, 0x00, 0x00, 0x03, /* version 3 */
	0x00, 0x00, 0x00, 0x01, /* fragment 0 of 1 */
	0x00, 0x00, 0x00, 0x02, /* total 2 */
	0x00, 0x00, 0x00, 0x00, /* offset 0 */
	0x00, 0x02, 0x00, 0x00, /* count 2, reserved */
	0x01, 0x18, 0x00, 0x00, 0x00, 0x00, 0x00, 0x0a, /* v4 /24 metric 10 */
	0x0a, 0x00, 0x41, 0x00,				/* 10.0.65.0 */
	0x02, 0x30, 0x00, 0x00, 0x00, 0x00, 0x00, 0x14, /* v6 /48 metric 20 */
	0x20, 0x01, 0x0d, 0xb8, 0x00, 0x01, 0x00, 0x00, /* 2001:db8:1:: */
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
};

/* example 3: ACK of version 3 fragment 0 of 1 */
static const uint8_t v_ack[] = {
	0x47, 0x52, 0x01, 0x03, 0x00, 0x00, 0x00, 0x1c, 0x0a, 0x00, 0x00,
	0x02, 0x65, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x09, 0x00, 0x00,
	0x00, 0x03, 0x00, 0x00, 0x00, 0x01,
};

/* example 4: GOODBYE, shutdown */
static const uint8_t v_bye[] = {
	0x47, 0x52, 0x01, 0x04, 0x00, 0x00, 0x00, 0x18, 0x0a, 0x00, 0x00, 0x01,
	0x65, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x0a, 0x01, 0x00, 0x00, 0x00,
};

/* example 6: GOODBYE, restarting, RESTART_TIME 120 s (protocol.md 3.4.1) */
static const uint8_t v_bye_gr[] = {
	0x47, 0x52, 0x01, 0x04, 0x00, 0x00, 0x00, 0x1e, /* len 30 */
	0x0a, 0x00, 0x00, 0x01, 0x65, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x0b,
	0x04, 0x00, 0x00, 0x00,				/* reason 4 */
	0x00, 0x02, 0x00, 0x02, 0x00, 0x78,		/* RESTART_TIME 120 */
};

/* example 7: the same with AUTH, key id 7, key "secret" (66 bytes) */
static const uint8_t v_bye_gr_mac[32] = {
	0xb4, 0x27, 0x28, 0x89, 0x7d, 0xca, 0x71, 0xdb, 0x54, 0xf3, 0x00,
	0x26, 0x28, 0xad, 0x9a, 0xd6, 0x00, 0x6e, 0x4a, 0xe4, 0x1a, 0xde,
	0x4b, 0x2b, 0x32, 0xe7, 0x4e, 0x38, 0xb8, 0xba, 0x4d, 0xc7,
};

/* example 5: the HELLO of example 1 with AUTH, key id 7, key "secret" */
static const uint8_t v_mac[32] = {
	0xe1, 0x3a, 0x42, 0x5a, 0x19, 0x8d, 0xeb, 0x7b, 0x2d, 0x70, 0xb2,
	0x63, 0x1a, 0x25, 0x58, 0x56, 0x77, 0xca, 0x84, 0x1b, 0x72, 0x0f,
	0x89, 0x8a, 0x0f, 0x7b, 0x49, 0x53, 0x8b, 0xb7, 0x98, 0x74,
};

static struct adj_hdr
hdr(uint32_t rid, uint32_t epoch, uint32_t seq)
{
	struct adj_hdr h;

	memset(&h, 0, sizeof(h));
	h.router_id = rid;
	h.epoch = epoch;
	h.seq = seq;
	return h;
}

static struct adj_prefix
pfx(int family, const char *addr, unsigned plen, uint32_t metric)
{
	struct adj_prefix p;

	memset(&p, 0, sizeof(p));
	p.family = (uint8_t)family;
	p.plen = (uint8_t)plen;
	p.metric = metric;
	inet_pton(family, addr, p.addr.b);
	return p;
}

static int
dec(const uint8_t *b, size_t len, struct adj_msg *m)
{
	char err[160];

	return adj_msg_decode(b, len, m, err, sizeof(err));
}

/* Decodes a copy with one byte changed; returns the result. */
static int
dec_patch(const uint8_t *v, size_t len, size_t off, uint8_t val,
    struct adj_msg *m)
{
	uint8_t b[256];

	memcpy(b, v, len);
	b[off] = val;
	return dec(b, len, m);
}

static void
test_vectors(void)
{
	struct adj_msg m;
	struct adj_hdr h;
	struct adj_hello hl;
	struct adj_update u;
	struct adj_ack a = {.version = 3, .frag_index = 0, .frag_count = 1};
	struct adj_goodbye g = {.reason = ADJ_BYE_SHUTDOWN};
	struct adj_prefix v[2], p;
	struct adj_prefix_iter it;
	uint8_t buf[256];
	size_t len;
	char err[128];

	/* HELLO */
	CHECK_EQ(adj_msg_decode(v_hello, sizeof(v_hello), &m, err,
		     sizeof(err)), 0);
	CHECK_EQ(m.hdr.type, ADJ_T_HELLO);
	CHECK_EQ(m.hdr.router_id, 0x0a000001);
	CHECK_EQ(m.hdr.epoch, 0x65000000);
	CHECK_EQ(m.hdr.seq, 7);
	CHECK(!m.hdr.auth);
	CHECK_EQ(m.u.hello.hold_ms, 900);
	CHECK_EQ(m.u.hello.hello_ms, 300);
	CHECK_EQ(m.u.hello.flags, ADJ_HELLO_F_HEARD);
	CHECK_EQ(m.u.hello.nbr_router_id, 0x0a000002);
	CHECK_EQ(m.u.hello.nbr_epoch, 0x65000001);
	CHECK_STREQ(m.u.hello.name, "west-1");
	h = hdr(0x0a000001, 0x65000000, 7);
	memset(&hl, 0, sizeof(hl));
	hl.hold_ms = 900;
	hl.hello_ms = 300;
	hl.flags = ADJ_HELLO_F_HEARD;
	hl.nbr_router_id = 0x0a000002;
	hl.nbr_epoch = 0x65000001;
	strcpy(hl.name, "west-1");
	CHECK_EQ(adj_hello_encode(buf, sizeof(buf), &len, &h, &hl), 0);
	CHECK_EQ(len, sizeof(v_hello));
	CHECK_MEMEQ(buf, v_hello, sizeof(v_hello));

	/* UPDATE */
	CHECK_EQ(dec(v_update, sizeof(v_update), &m), 0);
	CHECK_EQ(m.hdr.type, ADJ_T_UPDATE);
	CHECK_EQ(m.u.update.version, 3);
	CHECK_EQ(m.u.update.frag_index, 0);
	CHECK_EQ(m.u.update.frag_count, 1);
	CHECK_EQ(m.u.update.total, 2);
	CHECK_EQ(m.u.update.offset, 0);
	CHECK_EQ(m.u.update.count, 2);
	v[0] = pfx(AF_INET, "10.0.65.0", 24, 10);
	v[1] = pfx(AF_INET6, "2001:db8:1::", 48, 20);
	adj_prefix_iter_init(&it, v_update, &m);
	CHECK(adj_prefix_iter_next(&it, &p));
	CHECK_MEMEQ(&p, &v[0], sizeof(p));
	CHECK(adj_prefix_iter_next(&it, &p));
	CHECK_MEMEQ(&p, &v[1], sizeof(p));
	CHECK(!adj_prefix_iter_next(&it, &p));
	h = hdr(0x0a000001, 0x65000000, 8);
	memset(&u, 0, sizeof(u));
	u.version = 3;
	u.frag_count = 1;
	u.total = 2;
	u.count = 2;
	CHECK_EQ(adj_update_encode(buf, sizeof(buf), &len, &h, &u, v), 0);
	CHECK_EQ(len, sizeof(v_update));
	CHECK_MEMEQ(buf, v_update, sizeof(v_update));
	CHECK_EQ(adj_update_encode(buf, 75, &len, &h, &u, v), -ENOBUFS);

	/* ACK */
	CHECK_EQ(dec(v_ack, sizeof(v_ack), &m), 0);
	CHECK_EQ(m.hdr.type, ADJ_T_ACK);
	CHECK_EQ(m.hdr.router_id, 0x0a000002);
	CHECK_EQ(m.u.ack.version, 3);
	CHECK_EQ(m.u.ack.frag_index, 0);
	CHECK_EQ(m.u.ack.frag_count, 1);
	h = hdr(0x0a000002, 0x65000001, 9);
	CHECK_EQ(adj_ack_encode(buf, sizeof(buf), &len, &h, &a), 0);
	CHECK_EQ(len, sizeof(v_ack));
	CHECK_MEMEQ(buf, v_ack, sizeof(v_ack));

	/* GOODBYE */
	CHECK_EQ(dec(v_bye, sizeof(v_bye), &m), 0);
	CHECK_EQ(m.hdr.type, ADJ_T_GOODBYE);
	CHECK_EQ(m.u.goodbye.reason, ADJ_BYE_SHUTDOWN);
	h = hdr(0x0a000001, 0x65000000, 10);
	CHECK_EQ(adj_goodbye_encode(buf, sizeof(buf), &len, &h, &g), 0);
	CHECK_EQ(len, sizeof(v_bye));
	CHECK_MEMEQ(buf, v_bye, sizeof(v_bye));
	CHECK_EQ(adj_goodbye_encode(buf, 23, &len, &h, &g), -ENOBUFS);
	CHECK_STREQ(adj_type_name(ADJ_T_GOODBYE), "GOODBYE");
	CHECK_STREQ(adj_type_name(99), "unknown");
}

static void truncate_all(const uint8_t *v, size_t len, size_t ok_at);

/* GOODBYE restarting with RESTART_TIME (protocol.md 3.4.1) */
static void
test_goodbye_restart(void)
{
	struct adj_msg m;
	struct adj_hdr h = hdr(0x0a000001, 0x65000000, 11);
	struct adj_goodbye g = {.reason = ADJ_BYE_RESTARTING,
	    .restart_time = 120};
	uint8_t buf[256], b[64];
	size_t len, n = sizeof(v_bye_gr);
	char err[128];

	/* both ways, byte-exact */
	CHECK_EQ(adj_msg_decode(v_bye_gr, n, &m, err, sizeof(err)), 0);
	CHECK_EQ(m.hdr.type, ADJ_T_GOODBYE);
	CHECK_EQ(m.hdr.seq, 11);
	CHECK_EQ(m.u.goodbye.reason, ADJ_BYE_RESTARTING);
	CHECK_EQ(m.u.goodbye.restart_time, 120);
	CHECK_EQ(m.tlv_ignored, 0);
	CHECK_EQ(adj_goodbye_encode(buf, sizeof(buf), &len, &h, &g), 0);
	CHECK_EQ(len, n);
	CHECK_MEMEQ(buf, v_bye_gr, n);
	CHECK_EQ(adj_goodbye_encode(buf, n - 1, &len, &h, &g), -ENOBUFS);
	/* round trip at both ends of the range */
	g.restart_time = 1;
	CHECK_EQ(adj_goodbye_encode(buf, sizeof(buf), &len, &h, &g), 0);
	CHECK_EQ(dec(buf, len, &m), 0);
	CHECK_EQ(m.u.goodbye.restart_time, 1);
	g.restart_time = 3600;
	CHECK_EQ(adj_goodbye_encode(buf, sizeof(buf), &len, &h, &g), 0);
	CHECK_EQ(dec(buf, len, &m), 0);
	CHECK_EQ(m.u.goodbye.restart_time, 3600);
	g.restart_time = 3601;
	CHECK_EQ(adj_goodbye_encode(buf, sizeof(buf), &len, &h, &g), -EINVAL);
	/* no restart time: no TLV, the 24-byte GOODBYE of example 4 */
	g.restart_time = 0;
	CHECK_EQ(adj_goodbye_encode(buf, sizeof(buf), &len, &h, &g), 0);
	CHECK_EQ(len, ADJ_HDR_LEN + ADJ_GOODBYE_LEN);

	/* with AUTH: signed and verified, the MAC of protocol.md */
	h.auth = true;
	h.key_id = 7;
	g.restart_time = 120;
	CHECK_EQ(adj_goodbye_encode(buf, sizeof(buf), &len, &h, &g), 0);
	CHECK_EQ(len, 66);
	CHECK_EQ(adj_auth_sign(buf, len, (const uint8_t *)"secret", 6, 7), 0);
	CHECK_MEMEQ(buf + len - 32, v_bye_gr_mac, 32);
	CHECK_EQ(adj_auth_verify(buf, len, (const uint8_t *)"secret", 6, 7), 0);
	CHECK_EQ(dec(buf, len, &m), 0);
	CHECK_EQ(m.u.goodbye.restart_time, 120);

	/* reason 4 without the TLV decodes (the receiver treats it as 0) */
	CHECK_EQ(dec_patch(v_bye, sizeof(v_bye), 20, 4, &m), 0);
	CHECK_EQ(m.u.goodbye.reason, ADJ_BYE_RESTARTING);
	CHECK_EQ(m.u.goodbye.restart_time, 0);
	/* the TLV with another reason is carried; the receiver ignores it */
	CHECK_EQ(dec_patch(v_bye_gr, n, 20, ADJ_BYE_SHUTDOWN, &m), 0);
	CHECK_EQ(m.u.goodbye.restart_time, 120);

	/* malformed: 0, 3601, 0xffff, wrong length, twice */
	CHECK_EQ(dec_patch(v_bye_gr, n, 29, 0, &m), -EBADMSG);
	memcpy(b, v_bye_gr, n);
	b[28] = 0;
	b[29] = 0;
	CHECK_EQ(adj_msg_decode(b, n, &m, err, sizeof(err)), -EBADMSG);
	CHECK_STREQ(err, "GOODBYE: restart time 0 s (1..3600)");
	b[28] = 0x0e;
	b[29] = 0x11; /* 3601 */
	CHECK_EQ(adj_msg_decode(b, n, &m, err, sizeof(err)), -EBADMSG);
	CHECK_STREQ(err, "GOODBYE: restart time 3601 s (1..3600)");
	b[28] = 0x0e;
	b[29] = 0x10; /* 3600 */
	CHECK_EQ(dec(b, n, &m), 0);
	b[28] = 0xff;
	b[29] = 0xff;
	CHECK_EQ(dec(b, n, &m), -EBADMSG);
	/* length 1 and 3 */
	memcpy(b, v_bye_gr, n);
	b[27] = 1;
	b[7] = (uint8_t)(n - 1);
	CHECK_EQ(adj_msg_decode(b, n - 1, &m, err, sizeof(err)), -EBADMSG);
	CHECK_STREQ(err, "GOODBYE: restart time length 1 (want 2)");
	memcpy(b, v_bye_gr, n);
	b[27] = 3;
	b[n] = 0;
	b[7] = (uint8_t)(n + 1);
	CHECK_EQ(dec(b, n + 1, &m), -EBADMSG);
	/* twice */
	memcpy(b, v_bye_gr, n);
	memcpy(b + n, v_bye_gr + 24, 6);
	b[7] = (uint8_t)(n + 6);
	CHECK_EQ(adj_msg_decode(b, n + 6, &m, err, sizeof(err)), -EBADMSG);
	CHECK_STREQ(err, "GOODBYE: second restart time");
	/* truncated TLV: every shorter length but the bare GOODBYE fails */
	truncate_all(v_bye_gr, n, ADJ_HDR_LEN + ADJ_GOODBYE_LEN);
	/* with the critical bit it is not ours: unknown critical, dropped */
	memcpy(b, v_bye_gr, n);
	b[24] = 0x80;
	CHECK_EQ(dec(b, n, &m), -EBADMSG);
	/* RESTART_TIME in a HELLO: an unknown TLV, ignored */
	memcpy(b, v_hello, 40);
	memcpy(b + 40, "\x00\x02\x00\x02\x00\x78", 6);
	b[7] = 46;
	CHECK_EQ(dec(b, 46, &m), 0);
	CHECK_EQ(m.tlv_ignored, 1);
}

/*
 * Every shorter length, with the Length field made to agree, fails except
 * at the boundaries where what remains is itself a valid message.
 */
static void
truncate_all(const uint8_t *v, size_t len, size_t ok_at)
{
	uint8_t b[256];
	struct adj_msg m;
	char err[128];
	size_t l;
	int r, bad = 0;

	for (l = 0; l < len; l++) {
		/* as received: Length disagrees with the datagram */
		if (adj_msg_decode(v, l, &m, err, sizeof(err)) == 0 ||
		    err[0] == '\0')
			bad++;
		memcpy(b, v, len);
		if (l >= 8) {
			b[6] = (uint8_t)(l >> 8);
			b[7] = (uint8_t)l;
		}
		r = adj_msg_decode(b, l, &m, err, sizeof(err));
		if ((r == 0) != (l == ok_at))
			bad++;
		if (r != 0 && err[0] == '\0')
			bad++;
	}
	CHECK_EQ(bad, 0);
}

static void
test_truncation(void)
{
	truncate_all(v_hello, sizeof(v_hello), 40); /* without the TLV */
	truncate_all(v_update, sizeof(v_update), SIZE_MAX);
	truncate_all(v_ack, sizeof(v_ack), SIZE_MAX);
	truncate_all(v_bye, sizeof(v_bye), SIZE_MAX);
}

static void
test_ranges(void)
{
	struct adj_msg m;
	uint8_t b[256];
	char err[128];

	/* header */
	CHECK_EQ(dec_patch(v_hello, sizeof(v_hello), 0, 0x48, &m),
	    -EPROTONOSUPPORT);
	CHECK_EQ(dec_patch(v_hello, sizeof(v_hello), 2, 2, &m),
	    -EPROTONOSUPPORT);
	CHECK_EQ(dec_patch(v_hello, sizeof(v_hello), 2, 0, &m),
	    -EPROTONOSUPPORT);
	memcpy(b, v_bye, sizeof(v_bye));
	b[3] = 9;
	CHECK_EQ(adj_msg_decode(b, sizeof(v_bye), &m, err, sizeof(err)),
	    -EOPNOTSUPP);
	CHECK_STREQ(err, "unknown message type 9");
	CHECK_EQ(dec_patch(v_hello, sizeof(v_hello), 3, 0, &m), -EOPNOTSUPP);
	/* flags other than AUTH and the reserved byte are ignored */
	CHECK_EQ(dec_patch(v_bye, sizeof(v_bye), 4, 0x80, &m), 0);
	CHECK_EQ(dec_patch(v_bye, sizeof(v_bye), 5, 0xff, &m), 0);
	memcpy(b, v_bye, sizeof(v_bye));
	memset(b + 8, 0, 4);
	CHECK_EQ(dec(b, sizeof(v_bye), &m), -EBADMSG); /* router-id 0 */
	/* Length larger than the datagram */
	CHECK_EQ(dec_patch(v_bye, sizeof(v_bye), 7, 0x19, &m), -EBADMSG);
	/* AUTH flag without room for the trailer */
	CHECK_EQ(dec_patch(v_bye, sizeof(v_bye), 4, ADJ_F_AUTH, &m),
	    -EBADMSG);

	/* HELLO: hold 149 / 180001, hello 49 / 60001, HEARD with id 0 */
	memcpy(b, v_hello, sizeof(v_hello));
	b[22] = 0x00, b[23] = 0x95; /* 149 */
	CHECK_EQ(adj_msg_decode(b, sizeof(v_hello), &m, err, sizeof(err)),
	    -EBADMSG);
	CHECK_STREQ(err, "HELLO: hold time 149 ms (150..180000)");
	b[23] = 0x96; /* 150 */
	CHECK_EQ(dec(b, sizeof(v_hello), &m), 0);
	b[21] = 0x02, b[22] = 0xbf, b[23] = 0x21; /* 180001 */
	CHECK_EQ(dec(b, sizeof(v_hello), &m), -EBADMSG);
	b[23] = 0x20; /* 180000 */
	CHECK_EQ(dec(b, sizeof(v_hello), &m), 0);
	memcpy(b, v_hello, sizeof(v_hello));
	b[26] = 0x00, b[27] = 0x31; /* 49 */
	CHECK_EQ(dec(b, sizeof(v_hello), &m), -EBADMSG);
	b[27] = 0x32;
	CHECK_EQ(dec(b, sizeof(v_hello), &m), 0);
	b[26] = 0xea, b[27] = 0x61; /* 60001 */
	CHECK_EQ(dec(b, sizeof(v_hello), &m), -EBADMSG);
	memcpy(b, v_hello, sizeof(v_hello));
	memset(b + 32, 0, 4);
	CHECK_EQ(dec(b, sizeof(v_hello), &m), -EBADMSG);
	b[29] = 0; /* not HEARD: neighbour fields ignored */
	b[36] = 0xff;
	CHECK_EQ(dec(b, sizeof(v_hello), &m), 0);
	CHECK_EQ(m.u.hello.nbr_epoch, 0);

	/* HELLO NAME TLV: empty, control byte */
	memcpy(b, v_hello, sizeof(v_hello));
	b[43] = 0;
	b[7] = 44;
	CHECK_EQ(dec(b, 44, &m), -EBADMSG);
	memcpy(b, v_hello, sizeof(v_hello));
	b[46] = '\n';
	CHECK_EQ(dec(b, sizeof(v_hello), &m), -EBADMSG);

	/* UPDATE */
	CHECK_EQ(dec_patch(v_update, sizeof(v_update), 27, 0, &m), -EBADMSG);
	CHECK_EQ(dec_patch(v_update, sizeof(v_update), 25, 1, &m), -EBADMSG);
	CHECK_EQ(dec_patch(v_update, sizeof(v_update), 29, 0x10, &m),
	    -EBADMSG); /* total > ADJ_SET_MAX */
	CHECK_EQ(dec_patch(v_update, sizeof(v_update), 35, 1, &m),
	    -EBADMSG); /* offset 1 + count 2 > total 2 */
	CHECK_EQ(dec_patch(v_update, sizeof(v_update), 31, 3, &m), 0);
	CHECK_EQ(dec_patch(v_update, sizeof(v_update), 37, 3, &m),
	    -EBADMSG); /* count 3 > total */
	CHECK_EQ(dec_patch(v_update, sizeof(v_update), 40, 3, &m),
	    -EBADMSG); /* AFI 3 */
	memcpy(b, v_update, sizeof(v_update));
	b[41] = 33;
	CHECK_EQ(adj_msg_decode(b, sizeof(v_update), &m, err, sizeof(err)),
	    -EBADMSG);
	CHECK_STREQ(err, "UPDATE: prefix 0: prefix length 33 (max 32)");
	CHECK_EQ(dec_patch(v_update, sizeof(v_update), 41, 32, &m), 0);
	CHECK_EQ(dec_patch(v_update, sizeof(v_update), 41, 25, &m), 0);
	CHECK_EQ(dec_patch(v_update, sizeof(v_update), 41, 23, &m),
	    -EBADMSG); /* 10.0.65.0/23: host bit set */
	CHECK_EQ(dec_patch(v_update, sizeof(v_update), 41, 0, &m), -EBADMSG);
	CHECK_EQ(dec_patch(v_update, sizeof(v_update), 53, 129, &m),
	    -EBADMSG);
	CHECK_EQ(dec_patch(v_update, sizeof(v_update), 53, 128, &m), 0);
	CHECK_EQ(dec_patch(v_update, sizeof(v_update), 53, 49, &m), 0);
	CHECK_EQ(dec_patch(v_update, sizeof(v_update), 53, 47, &m),
	    -EBADMSG); /* 2001:db8:1::/47 */
	CHECK_EQ(dec_patch(v_update, sizeof(v_update), 75, 1, &m),
	    -EBADMSG); /* last bit of a /48 */
	/* entry flags are ignored */
	CHECK_EQ(dec_patch(v_update, sizeof(v_update), 42, 0xff, &m), 0);

	/* ACK */
	CHECK_EQ(dec_patch(v_ack, sizeof(v_ack), 27, 0, &m), -EBADMSG);
	CHECK_EQ(dec_patch(v_ack, sizeof(v_ack), 25, 1, &m), -EBADMSG);
	/* GOODBYE: unknown reasons are kept */
	CHECK_EQ(dec_patch(v_bye, sizeof(v_bye), 20, 200, &m), 0);
	CHECK_EQ(m.u.goodbye.reason, 200);
}

static void
test_tlvs(void)
{
	uint8_t b[256];
	struct adj_msg m;
	size_t n = sizeof(v_bye);

	/* unknown non-critical TLV: ignored, counted */
	memcpy(b, v_bye, n);
	memcpy(b + n, "\x12\x34\x00\x02\xaa\xbb", 6);
	b[7] = (uint8_t)(n + 6);
	CHECK_EQ(dec(b, n + 6, &m), 0);
	CHECK_EQ(m.tlv_ignored, 1);
	CHECK_EQ(m.u.goodbye.reason, 1);
	/* zero-length TLV */
	memcpy(b + n, "\x00\x07\x00\x00", 4);
	b[7] = (uint8_t)(n + 4);
	CHECK_EQ(dec(b, n + 4, &m), 0);
	/* the same as critical: drop */
	memcpy(b + n, "\x92\x34\x00\x02\xaa\xbb", 6);
	b[7] = (uint8_t)(n + 6);
	CHECK_EQ(dec(b, n + 6, &m), -EBADMSG);
	/* length beyond the message */
	memcpy(b + n, "\x12\x34\x00\x03\xaa\xbb", 6);
	CHECK_EQ(dec(b, n + 6, &m), -EBADMSG);
	/* NAME outside HELLO: just an unknown TLV */
	memcpy(b + n, "\x00\x01\x00\x02hi", 6);
	CHECK_EQ(dec(b, n + 6, &m), 0);
	CHECK_EQ(m.tlv_ignored, 1);
	/* after UPDATE entries */
	memcpy(b, v_update, sizeof(v_update));
	memcpy(b + sizeof(v_update), "\x00\x09\x00\x00", 4);
	b[7] = sizeof(v_update) + 4;
	CHECK_EQ(dec(b, sizeof(v_update) + 4, &m), 0);
	CHECK_EQ(m.u.update.count, 2);
	CHECK_EQ(m.tlv_ignored, 1);
	/* name of 65 bytes */
	memcpy(b, v_hello, 40);
	memcpy(b + 40, "\x00\x01\x00\x41", 4);
	memset(b + 44, 'a', 65);
	b[7] = 40 + 4 + 65;
	CHECK_EQ(dec(b, 40 + 4 + 65, &m), -EBADMSG);
	b[43] = 64;
	b[7] = 40 + 4 + 64;
	CHECK_EQ(dec(b, 40 + 4 + 64, &m), 0);
	CHECK_EQ(strlen(m.u.hello.name), 64);
}

static void
test_auth(void)
{
	uint8_t b[256];
	struct adj_hdr h = hdr(0x0a000001, 0x65000000, 7);
	struct adj_hello hl;
	struct adj_msg m;
	const uint8_t key[] = "secret";
	size_t len;

	memset(&hl, 0, sizeof(hl));
	hl.hold_ms = 900;
	hl.hello_ms = 300;
	hl.flags = ADJ_HELLO_F_HEARD;
	hl.nbr_router_id = 0x0a000002;
	hl.nbr_epoch = 0x65000001;
	strcpy(hl.name, "west-1");
	h.auth = true;
	CHECK_EQ(adj_hello_encode(b, sizeof(b), &len, &h, &hl), 0);
	CHECK_EQ(len, sizeof(v_hello) + ADJ_AUTH_LEN);
	CHECK_EQ(b[4], ADJ_F_AUTH);
	CHECK_EQ(b[7], 86);
	CHECK_MEMEQ(b + 8, v_hello + 8, sizeof(v_hello) - 8);
	CHECK_EQ(adj_auth_sign(b, len, key, 6, 7), 0);
	CHECK_MEMEQ(b + 50, "\x00\x00\x00\x07", 4);
	CHECK_MEMEQ(b + 54, v_mac, 32);
	CHECK_EQ(dec(b, len, &m), 0);
	CHECK(m.hdr.auth);
	CHECK_EQ(m.hdr.key_id, 7);
	CHECK_STREQ(m.u.hello.name, "west-1"); /* trailer is not a TLV */
	CHECK_EQ(adj_auth_verify(b, len, key, 6, 7), 0);
	CHECK_EQ(adj_auth_verify(b, len, (const uint8_t *)"secreT", 6, 7),
	    -EACCES);
	CHECK_EQ(adj_auth_verify(b, len, key, 5, 7), -EACCES);
	CHECK_EQ(adj_auth_verify(b, len, key, 6, 8), -ENOKEY);
	b[30] ^= 1;
	CHECK_EQ(adj_auth_verify(b, len, key, 6, 7), -EACCES);
	b[30] ^= 1;
	b[len - 1] ^= 0x80;
	CHECK_EQ(adj_auth_verify(b, len, key, 6, 7), -EACCES);
	b[len - 1] ^= 0x80;
	CHECK_EQ(adj_auth_verify(b, len - 1, key, 6, 7), -EBADMSG);
	CHECK_EQ(adj_auth_verify(v_hello, sizeof(v_hello), key, 6, 7),
	    -EBADMSG);
	CHECK_EQ(adj_auth_sign((uint8_t *)b, len, key, 0, 7), -EINVAL);
}

static void
test_frags(void)
{
	static struct adj_prefix v[5000];
	uint8_t b[1200];
	struct adj_msg m;
	struct adj_update u;
	struct adj_hdr h = hdr(1, 1, 1);
	size_t i, n, start, count, pos, len;
	int bad = 0;

	for (i = 0; i < 5000; i++) {
		memset(&v[i], 0, sizeof(v[i]));
		if (i % 4 == 3) {
			v[i].family = AF_INET6;
			v[i].plen = 64;
			v[i].addr.b[0] = 0x20;
			v[i].addr.b[1] = 0x01;
			v[i].addr.b[6] = (uint8_t)(i >> 8);
			v[i].addr.b[7] = (uint8_t)i;
		} else {
			v[i].family = AF_INET;
			v[i].plen = 32;
			v[i].addr.b[0] = 10;
			v[i].addr.b[2] = (uint8_t)(i >> 8);
			v[i].addr.b[3] = (uint8_t)i;
		}
		v[i].metric = (uint32_t)i;
	}
	/* all IPv4: 1160 / 12 = 96 per fragment */
	CHECK_EQ(adj_update_frag_count(v, 3, 1200, false), 1);
	CHECK_EQ(adj_update_frag_count(NULL, 0, 1200, false), 1);
	CHECK_EQ(adj_update_frag_range(NULL, 0, 1200, false, 0, &start,
		     &count), 0);
	CHECK_EQ(count, 0);
	CHECK_EQ(adj_update_frag_range(NULL, 0, 1200, false, 1, &start,
		     &count), -EINVAL);
	CHECK_EQ(adj_update_frag_count(v, 5000, 50, false), 0);

	for (int auth = 0; auth <= 1; auth++) {
		n = adj_update_frag_count(v, 5000, 1200, auth);
		CHECK(n > 50 && n < 100);
		pos = 0;
		for (i = 0; i < n; i++) {
			if (adj_update_frag_range(v, 5000, 1200, auth, i,
				&start, &count) != 0 ||
			    start != pos || count == 0) {
				bad++;
				break;
			}
			memset(&u, 0, sizeof(u));
			u.version = 1;
			u.frag_index = (uint16_t)i;
			u.frag_count = (uint16_t)n;
			u.total = 5000;
			u.offset = (uint32_t)start;
			u.count = (uint16_t)count;
			h.auth = auth;
			if (adj_update_encode(b, sizeof(b), &len, &h, &u,
				v + start) != 0 ||
			    dec(b, len, &m) != 0 || m.u.update.count != count)
				bad++;
			pos += count;
		}
		CHECK_EQ(pos, 5000);
		CHECK_EQ(adj_update_frag_range(v, 5000, 1200, auth, n, &start,
			     &count), -EINVAL);
	}
	CHECK_EQ(bad, 0);
	CHECK_EQ(adj_update_frag_fit(v, 5000, 1200, false), 77); /* 19 x 60 + 12 */
}

static void
test_encode_errors(void)
{
	uint8_t b[256];
	struct adj_hdr h = hdr(1, 1, 1);
	struct adj_hello hl;
	struct adj_update u;
	struct adj_ack a = {.version = 1, .frag_index = 1, .frag_count = 1};
	struct adj_prefix p = pfx(AF_INET, "10.0.65.1", 24, 1);
	size_t len;
	char err[64];

	memset(&hl, 0, sizeof(hl));
	hl.hold_ms = 100;
	hl.hello_ms = 300;
	CHECK_EQ(adj_hello_encode(b, sizeof(b), &len, &h, &hl), -EINVAL);
	hl.hold_ms = 900;
	hl.flags = ADJ_HELLO_F_HEARD; /* without a neighbour */
	CHECK_EQ(adj_hello_encode(b, sizeof(b), &len, &h, &hl), -EINVAL);
	hl.flags = 0;
	h.router_id = 0;
	CHECK_EQ(adj_hello_encode(b, sizeof(b), &len, &h, &hl), -EINVAL);
	h.router_id = 1;
	CHECK_EQ(adj_ack_encode(b, sizeof(b), &len, &h, &a), -EINVAL);
	memset(&u, 0, sizeof(u));
	u.frag_count = 1;
	u.total = 1;
	u.count = 1;
	CHECK_EQ(adj_update_encode(b, sizeof(b), &len, &h, &u, &p), -EINVAL);
	CHECK_EQ(adj_prefix_check(&p, err, sizeof(err)), -EINVAL);
	CHECK_STREQ(err, "host bits set in prefix /24");
	p.addr.b[3] = 0;
	CHECK_EQ(adj_prefix_check(&p, err, sizeof(err)), 0);
	p.family = 99;
	CHECK_EQ(adj_prefix_check(&p, err, sizeof(err)), -EINVAL);
	p = pfx(AF_INET, "0.0.0.0", 0, 1);
	CHECK_EQ(adj_prefix_check(&p, NULL, 0), 0);
	p = pfx(AF_INET6, "::1", 128, 1);
	CHECK_EQ(adj_prefix_check(&p, NULL, 0), 0);
	p.plen = 127;
	CHECK_EQ(adj_prefix_check(&p, NULL, 0), -EINVAL);
}

int
main(void)
{
	test_vectors();
	test_truncation();
	test_ranges();
	test_tlvs();
	test_goodbye_restart();
	test_auth();
	test_frags();
	test_encode_errors();
	return check_report();
}
