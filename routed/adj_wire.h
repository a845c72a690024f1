/* SPDX-License-Identifier: ISC */
/*
 * adj_wire.h: the gripd adjacency protocol on the wire (docs/protocol.md),
 * every constant and message of it, and a pure codec (adj_codec.c).
 *
 * Every message: common header, a fixed body per type, optional TLVs, and
 * an optional authentication trailer.  All integers big-endian.
 *
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |        Magic 0x4752 "GR"      |  Version = 1  |     Type      |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |     Flags     |   Reserved    |            Length             |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                           Router ID                           |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                             Epoch                             |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                           Sequence                            |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |   type-specific body, then TLVs (Type 16, Length 16, Value)   |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |   Key ID (32) + HMAC-SHA256 (256), only when Flags has AUTH   |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 * Nothing here allocates, logs or touches global state; decoding copies
 * into host structs (never casts the buffer), and UPDATE prefixes are read
 * afterwards with an iterator over the validated buffer.
 */
#ifndef GRIPD_ADJ_WIRE_H
#define GRIPD_ADJ_WIRE_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* protocol.md "Transport" */
#define ADJ_PORT_DEFAULT 7913
#define ADJ_MSG_MTU_DEFAULT 1200 /* largest message we send */
#define ADJ_MSG_MTU_MIN 256
#define ADJ_MSG_MAX 65535 /* Length is 16 bits */

/* protocol.md "Common header" */
#define ADJ_MAGIC 0x4752 /* "GR" */
#define ADJ_VERSION 1
#define ADJ_HDR_LEN 20
#define ADJ_F_AUTH 0x01 /* authentication trailer present */

/* protocol.md "Message types" */
#define ADJ_T_HELLO 1
#define ADJ_T_UPDATE 2
#define ADJ_T_ACK 3
#define ADJ_T_GOODBYE 4

/* fixed body lengths, after the header */
#define ADJ_HELLO_LEN 20
#define ADJ_UPDATE_LEN 20
#define ADJ_ACK_LEN 8
#define ADJ_GOODBYE_LEN 4

/* protocol.md "Authentication" */
#define ADJ_AUTH_MAC_LEN 32			     /* HMAC-SHA256 */
#define ADJ_AUTH_LEN (4 + ADJ_AUTH_MAC_LEN) /* key id + MAC */
#define ADJ_KEY_MAX 128			     /* longest key we keep */

/* protocol.md "HELLO" */
#define ADJ_HELLO_F_HEARD 0x0001 /* neighbour fields valid: "I hear you" */
#define ADJ_HELLO_MIN_MS 50
#define ADJ_HELLO_MAX_MS 60000
#define ADJ_HOLD_MIN_MS 150
#define ADJ_HOLD_MAX_MS 180000
#define ADJ_HELLO_DEFAULT_MS 300
#define ADJ_HOLD_DEFAULT_MS 900

/* protocol.md "UPDATE" */
#define ADJ_AFI_IPV4 1 /* IANA address family numbers */
#define ADJ_AFI_IPV6 2
#define ADJ_ENTRY4_LEN 12 /* AFI, plen, flags, metric, 4-byte prefix */
#define ADJ_ENTRY6_LEN 24 /* ... 16-byte prefix */
#define ADJ_SET_MAX (1u << 20) /* largest Total a receiver considers */
#define ADJ_PEER_PREFIXES_DEFAULT 65536 /* receiver's default cap */
#define ADJ_RETX_INITIAL_MS 200 /* UPDATE retransmission, doubling */
#define ADJ_RETX_MAX_MS 3200

/* protocol.md "GOODBYE" */
#define ADJ_BYE_UNSPEC 0
#define ADJ_BYE_SHUTDOWN 1
#define ADJ_BYE_ADMIN_CLEAR 2
#define ADJ_BYE_CONFIG 3
#define ADJ_BYE_RESTARTING 4 /* graceful restart, protocol.md 3.4.1 */

/* protocol.md "GOODBYE, restarting" (graceful-restart helper mode) */
#define ADJ_RESTART_TIME_MIN 1 /* seconds */
#define ADJ_RESTART_TIME_MAX 3600
#define ADJ_RESTART_TIME_DEFAULT 120

/* protocol.md "TLVs" */
#define ADJ_TLV_HDR_LEN 4
#define ADJ_TLV_CRITICAL 0x8000 /* unknown and critical -> drop message */
#define ADJ_TLV_NAME 1		/* HELLO: sender's name, for logs */
#define ADJ_NAME_MAX 64
#define ADJ_TLV_RESTART_TIME 2 /* GOODBYE: 2 bytes, seconds */
#define ADJ_RESTART_TIME_LEN 2

/* One advertised prefix, host form. */
struct adj_prefix {
	uint8_t family; /* AF_INET or AF_INET6 */
	uint8_t plen;
	uint32_t metric;
	union {
		struct in_addr v4;
		struct in6_addr v6;
		uint8_t b[16];
	} addr; /* host bits zero; unused bytes zero */
};

struct adj_hdr {
	uint8_t version; /* decode only; encoders write ADJ_VERSION */
	uint8_t type;	 /* decode only; encoders write their own */
	uint8_t flags;	 /* decode only; encoders derive it from auth */
	uint16_t length; /* decode only */
	uint32_t router_id;
	uint32_t epoch;
	uint32_t seq;
	bool auth;	 /* trailer present (decode) / reserve it (encode) */
	uint32_t key_id; /* from the trailer; written by adj_auth_sign */
};

struct adj_hello {
	uint32_t hold_ms;
	uint32_t hello_ms;
	uint16_t flags; /* ADJ_HELLO_F_* */
	uint32_t nbr_router_id; /* last heard neighbour, if F_HEARD */
	uint32_t nbr_epoch;
	char name[ADJ_NAME_MAX + 1]; /* NAME TLV, "" when absent */
};

struct adj_update {
	uint32_t version;
	uint16_t frag_index;
	uint16_t frag_count;
	uint32_t total;	 /* prefixes in the whole version */
	uint32_t offset; /* index of this fragment's first prefix */
	uint16_t count;	 /* prefixes in this fragment */
	/* decode only: where the validated entries are in the buffer */
	size_t entries_off;
	size_t entries_len;
};

struct adj_ack {
	uint32_t version;
	uint16_t frag_index;
	uint16_t frag_count;
};

struct adj_goodbye {
	uint8_t reason; /* ADJ_BYE_* (unknown values are kept) */
	/* RESTART_TIME TLV in seconds, ADJ_RESTART_TIME_MIN..MAX; 0: absent
	 * (decode) / not sent (encode) */
	uint16_t restart_time;
};

struct adj_msg {
	struct adj_hdr hdr;
	union {
		struct adj_hello hello;
		struct adj_update update;
		struct adj_ack ack;
		struct adj_goodbye goodbye;
	} u;
	unsigned tlv_ignored; /* unknown non-critical TLVs skipped */
};

/*
 * Validates a whole datagram and copies it into out.  Returns 0, or with a
 * reason in err: -EPROTONOSUPPORT (bad magic or unknown version: drop
 * silently), -EOPNOTSUPP (unknown type: ignore), -EBADMSG (malformed).
 * The authentication trailer is located, not checked: see adj_auth_verify.
 */
int adj_msg_decode(const uint8_t *buf, size_t len, struct adj_msg *out,
    char *err, size_t errlen);

/* Iterates the prefixes of an UPDATE that adj_msg_decode accepted. */
struct adj_prefix_iter {
	const uint8_t *p;
	size_t left;
};
void adj_prefix_iter_init(struct adj_prefix_iter *it, const uint8_t *buf,
    const struct adj_msg *m);
/* Returns true and fills p while prefixes remain. */
bool adj_prefix_iter_next(struct adj_prefix_iter *it, struct adj_prefix *p);

/* Returns 0 if p is a valid prefix (family, length, host bits), else -EINVAL
 * with a reason in err. */
int adj_prefix_check(const struct adj_prefix *p, char *err, size_t errlen);

/*
 * Encoders write a complete message into buf (buflen bytes) and set *outlen.
 * With h->auth the trailer space is reserved and Flags has AUTH; call
 * adj_auth_sign on the result.  Return 0, -ENOBUFS if buf is too small, or
 * -EINVAL for a value the wire cannot carry.
 */
int adj_hello_encode(uint8_t *buf, size_t buflen, size_t *outlen,
    const struct adj_hdr *h, const struct adj_hello *m);
/* v holds m->count prefixes (the fragment's); m->entries_* are ignored. */
int adj_update_encode(uint8_t *buf, size_t buflen, size_t *outlen,
    const struct adj_hdr *h, const struct adj_update *m,
    const struct adj_prefix *v);
int adj_ack_encode(uint8_t *buf, size_t buflen, size_t *outlen,
    const struct adj_hdr *h, const struct adj_ack *m);
int adj_goodbye_encode(uint8_t *buf, size_t buflen, size_t *outlen,
    const struct adj_hdr *h, const struct adj_goodbye *m);

/*
 * Splitting a prefix set into UPDATE fragments of at most mtu bytes: greedy,
 * in order, so all three agree.  adj_update_frag_fit returns how many of
 * v[0..n) go into one fragment (0 if mtu is too small, else at least 1 when
 * n > 0).  adj_update_frag_count returns the
 * number of fragments (1 for an empty set), or 0 if mtu is too small or
 * the set needs more than 65535 fragments.  adj_update_frag_range returns
 * 0 and the slice [*start, *start + *count) of fragment i, or -EINVAL.
 */
size_t adj_update_frag_fit(const struct adj_prefix *v, size_t n, size_t mtu,
    bool auth);
size_t adj_update_frag_count(const struct adj_prefix *v, size_t n, size_t mtu,
    bool auth);
int adj_update_frag_range(const struct adj_prefix *v, size_t n, size_t mtu,
    bool auth, size_t i, size_t *start, size_t *count);

/*
 * HMAC-SHA256 over bytes [0, len - 32) of an encoded message with the AUTH
 * trailer: adj_auth_sign writes keyid and the MAC into the trailer and
 * returns 0 or -EINVAL (no trailer, empty key).  adj_auth_verify returns 0,
 * -EBADMSG (no trailer / malformed), -ENOKEY (key id differs) or -EACCES
 * (MAC mismatch).  The caller checks replay (Epoch, Sequence) afterwards.
 */
int adj_auth_sign(uint8_t *buf, size_t len, const uint8_t *key, size_t keylen,
    uint32_t keyid);
int adj_auth_verify(const uint8_t *buf, size_t len, const uint8_t *key,
    size_t keylen, uint32_t keyid);

/* "HELLO", "UPDATE", ...; "unknown" otherwise. */
const char *adj_type_name(unsigned type);

#endif
