/* SPDX-License-Identifier: ISC */
/*
 * zapi.h (private to routed/): the zebra API (ZAPI) wire format, as a pure
 * codec.  No I/O, no allocation, no globals, no logging: encoders write into
 * a caller's buffer, decoders fill a struct or an error string.  zclient.c
 * is the only user that talks to a socket.
 *
 * Byte layouts come from docs/frr.md and the research note
 * (/work/shared/research/frr-zapi.md; sections cited as "note 2.x").  The
 * header version is 6 in every FRR from 8.4 to 10.x although command
 * numbers and bodies changed, so everything that differs lives in ONE
 * per-version table (struct zapi_layout, zapi_layout()).
 *
 *   FRR release       row            what changes (note 2.9)
 *   8.x, 9.0          ZAPI_V8        base: ROUTE_ADD 8, HELLO 18, NHRP 12
 *   9.1               ZAPI_V9_1      ERROR 117, CLIENT_CAPS 118, txqlen
 *   10.0, 10.1        ZAPI_V10_0     +1 from ROUTE_ADD, NHRP 13, HELLO
 *                                    without receive_notify
 *   10.2              ZAPI_V10_2     ERROR 120, CLIENT_CAPS 121
 *   10.3 - 10.5       ZAPI_V10_3     NOTIFY_OWNER carries a src prefix
 *   10.6 and later    ZAPI_V10_6     CAPABILITIES vrf_backend u8, zif_type
 *
 * Multi-byte fields are network order except two that zebra writes in
 * host order with stream_put(): the ROUTE_NOTIFY_OWNER note and the ERROR
 * code (note 2.6).  We read them as this host's order, which is zebra's:
 * the socket is local.
 */
#ifndef GRIPD_ZAPI_H
#define GRIPD_ZAPI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rib.h"

#define ZAPI_HDR_LEN 10
#define ZAPI_MARKER 254
#define ZAPI_HDR_VERSION 6
/* zebra's ZEBRA_MAX_PACKET_SIZ: the largest message it sends or takes. */
#define ZAPI_MSG_MAX 16384
/* Next hops per route we encode (zebra takes up to its multipath, 256). */
#define ZAPI_NH_MAX 16
/* The longest message we ever encode: a v6 route with ZAPI_NH_MAX hops. */
#define ZAPI_ROUTE_MAX_LEN (ZAPI_HDR_LEN + 12 + 19 + 2 + ZAPI_NH_MAX * 26 + 17)
/* The command probe (note 2.6): unknown everywhere, answered by ERROR. */
#define ZAPI_PROBE_CMD 0xffff

enum zapi_ver {
	ZAPI_V8,    /* 8.x, 9.0 */
	ZAPI_V9_1,  /* 9.1 */
	ZAPI_V10_0, /* 10.0, 10.1 */
	ZAPI_V10_2, /* 10.2 */
	ZAPI_V10_3, /* 10.3 .. 10.5 */
	ZAPI_V10_6, /* 10.6 and later */
	ZAPI_V_COUNT,
};

/* Commands gripd sends or reads, by meaning; the table gives numbers. */
enum zapi_cmd {
	ZAPI_C_INTERFACE_ADD,
	ZAPI_C_INTERFACE_DELETE,
	ZAPI_C_INTERFACE_ADDRESS_ADD,
	ZAPI_C_INTERFACE_ADDRESS_DEL,
	ZAPI_C_INTERFACE_UP,
	ZAPI_C_INTERFACE_DOWN,
	ZAPI_C_ROUTE_ADD,
	ZAPI_C_ROUTE_DELETE,
	ZAPI_C_ROUTE_NOTIFY_OWNER,
	ZAPI_C_ROUTER_ID_UPDATE,
	ZAPI_C_HELLO,
	ZAPI_C_CAPABILITIES,
	ZAPI_C_ERROR,
	ZAPI_C_CLIENT_CAPABILITIES,
	ZAPI_C_ROUTE_NOTIFY_REQUEST,
	ZAPI_C_COUNT,
	ZAPI_C_UNKNOWN = ZAPI_C_COUNT, /* a number this table does not know */
};

/* One FRR release range: every number and layout that differs. */
struct zapi_layout {
	const char *name;            /* "8.4", "10.2" ... for log lines */
	uint16_t cmd[ZAPI_C_COUNT];  /* wire command numbers (note 2.2) */
	uint8_t route_type_nhrp;     /* note 2.8: 12, or 13 from 10.0 */
	bool hello_receive_notify;   /* HELLO has receive_notify (<= 9.1) */
	bool caps_vrf_u8;            /* CAPABILITIES vrf_backend u8 (10.6+) */
	uint8_t caps_extra;          /* bytes after mlag_role: 0, 1, 2 */
	bool notify_src;             /* NOTIFY_OWNER has a src prefix (10.3+) */
	bool if_txqlen;              /* INTERFACE_* has txqlen (9.1+) */
	bool if_zif_type;            /* INTERFACE_* has zif_type (10.6+) */
	bool nh_weight_u64;          /* nexthop weight u64 (10.1+; unused) */
};

/* Returns the row for v (ZAPI_V8 for an out-of-range v). */
const struct zapi_layout *zapi_layout(enum zapi_ver v);
/* Returns the wire number of cmd in v. */
uint16_t zapi_cmd_num(enum zapi_ver v, enum zapi_cmd cmd);
/* Returns the meaning of wire number num in v, or ZAPI_C_UNKNOWN. */
enum zapi_cmd zapi_cmd_of(enum zapi_ver v, uint16_t num);
/* Returns "HELLO", "ROUTE_ADD" ... or "UNKNOWN". */
const char *zapi_cmd_name(enum zapi_cmd cmd);

/*
 * The version behind an ERROR reply to the probe: `errcmd` is the command
 * number of that ERROR (117 = 9.1, 118 = 8.x/9.0 or 10.0/10.1, 120 =
 * 10.2+).  `major` narrows the ambiguous 118: 10 picks ZAPI_V10_0, anything
 * else ZAPI_V8.  120 gives ZAPI_V10_2; the decoders below accept the
 * 10.3/10.6 variants of NOTIFY_OWNER and CAPABILITIES by their length, and
 * zapi_ver_refine() moves to the exact row.  Returns 0 or -ENOENT.
 */
int zapi_ver_from_error(uint16_t errcmd, int major, enum zapi_ver *out);
/*
 * Refines a 10.2+ guess from what zebra sent: the CAPABILITIES body length
 * (9 = 10.6+) or a NOTIFY_OWNER carrying a src prefix (10.3+).  Returns the
 * refined version (v itself when nothing is learnt).
 */
enum zapi_ver zapi_ver_refine(
    enum zapi_ver v, bool caps_vrf_u8, bool notify_src);

/* --- messages ------------------------------------------------------------ */

struct zapi_hdr {
	uint16_t length; /* header included */
	uint8_t marker;
	uint8_t version;
	uint32_t vrf_id;
	uint16_t command;
};

/* ROUTE_ADD / ROUTE_DELETE as gripd sends them. */
struct zapi_route {
	struct rib_prefix pfx;
	/*
	 * gw_family 0: IFINDEX (dev-only); AF_INET / AF_INET6: IPV4_IFINDEX /
	 * IPV6_IFINDEX with the ONLINK flag (a tunnel gateway need not be in a
	 * connected subnet, note 2.5).
	 */
	struct rib_nexthop nh[ZAPI_NH_MAX];
	size_t nh_count;
	uint8_t distance; /* 0: not sent (the type's default, 10 for NHRP!) */
	uint32_t metric;  /* always sent; becomes the BGP MED */
	uint32_t tag;     /* 0: not sent */
	uint32_t table;   /* 0 or 254 (main): not sent */
};

/* Route owner notes (note 2.6), host-order enum on the wire. */
enum zapi_note {
	ZAPI_NOTE_FAIL_INSTALL = 0,
	ZAPI_NOTE_BETTER_ADMIN_WON = 1,
	ZAPI_NOTE_INSTALLED = 2,
	ZAPI_NOTE_REMOVED = 3,
	ZAPI_NOTE_REMOVE_FAIL = 4,
};

struct zapi_notify {
	uint32_t note; /* enum zapi_note; others are passed through */
	struct rib_prefix pfx;
	bool has_src;
	struct rib_prefix src;
	uint32_t table;
	uint8_t afi, safi;
};

struct zapi_caps {
	uint32_t vrf_backend;
	uint8_t mpls;
	uint32_t ecmp;
	uint8_t mlag_role;
	uint8_t v6_with_v4_nh;    /* 9.1+ */
	uint8_t graceful_restart; /* 10.2+ */
	bool vrf_u8;              /* the body had the 10.6 layout */
};

/* Interface flags (Linux IFF_*, as zebra relays them in a u64). */
#define ZAPI_IFF_UP 0x1ull
#define ZAPI_IFF_RUNNING 0x40ull
#define ZAPI_IFF_LOWER_UP 0x10000ull

struct zapi_iface {
	char name[17]; /* NUL-terminated */
	uint32_t ifindex;
	uint8_t status;
	uint64_t flags;
	uint32_t metric, speed, mtu, mtu6;
	/*
	 * Decided from the flags, not from the command: carrier loss on a tun
	 * came as INTERFACE_UP with RUNNING set and LOWER_UP clear (note 2.6).
	 */
	bool oper_up;
};

struct zapi_ifaddr {
	uint32_t ifindex;
	uint8_t flags;
	struct rib_prefix pfx; /* address/plen, host bits kept */
	bool has_dest;
	uint8_t dest[16];
};

struct zapi_msg {
	struct zapi_hdr hdr;
	enum zapi_cmd cmd; /* ZAPI_C_UNKNOWN: valid header, body not read */
	union {
		struct zapi_caps caps;
		struct zapi_notify notify;
		struct zapi_iface iface;
		struct zapi_ifaddr ifaddr;
		struct rib_prefix router_id;
		uint32_t error; /* 0 unknown, 1 no vrf, 2 invalid msg type */
	} u;
};

/* --- encoders: 0, -ENOSPC (buffer too small) or -EINVAL ------------------ */

/* The 10-byte header of a message of `length` bytes (header included). */
int zapi_hdr_encode(uint8_t *buf, size_t cap, uint16_t length,
    uint32_t vrf_id, uint16_t command);
/* HELLO as route type NHRP, instance 0, session 0, receive_notify 1. */
int zapi_hello_encode(
    enum zapi_ver v, uint8_t *buf, size_t cap, size_t *len);
/* ROUTE_ADD (add) or ROUTE_DELETE (!add: prefix and table only). */
int zapi_route_encode(enum zapi_ver v, bool add, const struct zapi_route *r,
    uint8_t *buf, size_t cap, size_t *len);
/* ROUTE_NOTIFY_REQUEST with body u8 on (10.x asks for notes this way). */
int zapi_notify_request_encode(
    enum zapi_ver v, bool on, uint8_t *buf, size_t cap, size_t *len);
/* CLIENT_CAPABILITIES: graceful restart with a stale time (seconds). */
int zapi_gr_encode(enum zapi_ver v, uint32_t stale_s, uint8_t *buf,
    size_t cap, size_t *len);
/* CLIENT_CAPABILITIES: GR_DISABLE (zebra flushes us on disconnect). */
int zapi_gr_disable_encode(
    enum zapi_ver v, uint8_t *buf, size_t cap, size_t *len);
/* CLIENT_CAPABILITIES: ROUTE_UPDATE_COMPLETE for afi (1 IPv4, 2 IPv6). */
int zapi_update_complete_encode(enum zapi_ver v, uint32_t afi, uint32_t safi,
    uint8_t *buf, size_t cap, size_t *len);
/* INTERFACE_ADD request (empty body): zebra answers with every interface. */
int zapi_iface_request_encode(
    enum zapi_ver v, uint8_t *buf, size_t cap, size_t *len);
/* The version probe: command ZAPI_PROBE_CMD, empty body. */
int zapi_probe_encode(uint8_t *buf, size_t cap, size_t *len);

/* --- decoders ------------------------------------------------------------ */

/*
 * The header at buf.  Returns 0 when a whole message of h->length bytes is
 * in buf, -EAGAIN when more bytes are needed (h is filled once 10 bytes are
 * there), -EBADMSG with err set on a bad marker, version or length (zebra
 * itself closes the connection then).
 */
int zapi_hdr_decode(const uint8_t *buf, size_t len, struct zapi_hdr *h,
    char *err, size_t errlen);

/* Bodies (buf/len = the body, after the header).  0 or -EBADMSG + err. */
int zapi_caps_decode(enum zapi_ver v, const uint8_t *buf, size_t len,
    struct zapi_caps *c, char *err, size_t errlen);
int zapi_notify_decode(enum zapi_ver v, const uint8_t *buf, size_t len,
    struct zapi_notify *n, char *err, size_t errlen);
int zapi_iface_decode(enum zapi_ver v, const uint8_t *buf, size_t len,
    struct zapi_iface *ifp, char *err, size_t errlen);
int zapi_ifaddr_decode(const uint8_t *buf, size_t len, struct zapi_ifaddr *a,
    char *err, size_t errlen);
int zapi_error_decode(
    const uint8_t *buf, size_t len, uint32_t *code, char *err, size_t errlen);
int zapi_router_id_decode(const uint8_t *buf, size_t len,
    struct rib_prefix *p, char *err, size_t errlen);

/*
 * One whole message (header and body) in v.  Commands gripd does not read
 * decode with cmd ZAPI_C_UNKNOWN and an untouched union.  Returns 0,
 * -EAGAIN (incomplete, see zapi_hdr_decode) or -EBADMSG with err set.
 */
int zapi_msg_decode(enum zapi_ver v, const uint8_t *buf, size_t len,
    struct zapi_msg *m, char *err, size_t errlen);

/* Returns "installed", "fail-install", ... for a note. */
const char *zapi_note_name(uint32_t note);

#endif
