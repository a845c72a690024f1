/* SPDX-License-Identifier: ISC */
/*
 * DOC: the zebra API codec (see zapi.h)
 *
 * Encoders go through a write cursor and decoders through a read cursor;
 * both stop at the first overflow and remember it, so the code reads like
 * the layout tables in the research note and bounds are checked in one
 * place.  Nothing here allocates, logs or keeps state between calls; the
 * only data is the const per-version table.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "zapi.h"

/* Client capability codes (note 2.7). */
#define ZAPI_CAP_GR 1
#define ZAPI_CAP_UPDATE_COMPLETE 2
#define ZAPI_CAP_GR_DISABLE 4

/* Route message bits (note 2.4). */
#define ZAPI_MSG_NEXTHOP 0x01
#define ZAPI_MSG_DISTANCE 0x02
#define ZAPI_MSG_METRIC 0x04
#define ZAPI_MSG_TAG 0x08
#define ZAPI_MSG_TABLEID 0x100

/* Nexthop types and flags (note 2.5). */
#define ZAPI_NH_IFINDEX 1
#define ZAPI_NH_IPV4_IFINDEX 3
#define ZAPI_NH_IPV6_IFINDEX 5
#define ZAPI_NH_F_ONLINK 0x01

#define ZAPI_SAFI_UNICAST 1
#define ZAPI_TABLE_MAIN 254

/*
 * The one per-version table (note 2.2, 2.3, 2.6, 2.8, 2.9).  Columns:
 * IF_ADD IF_DEL ADDR_ADD ADDR_DEL UP DOWN ROUTE_ADD ROUTE_DEL NOTIFY_OWNER
 * ROUTER_ID_UPDATE HELLO CAPABILITIES ERROR CLIENT_CAPS NOTIFY_REQUEST.
 */
static const struct zapi_layout zapi_layouts[ZAPI_V_COUNT] = {
	[ZAPI_V8] = {"8.4", {0, 1, 2, 3, 4, 5, 8, 9, 10, 17, 18, 19, 118, 119,
	    124}, 12, true, false, 0, false, false, false, false},
	[ZAPI_V9_1] = {"9.1", {0, 1, 2, 3, 4, 5, 8, 9, 10, 17, 18, 19, 117,
	    118, 123}, 12, true, false, 1, false, true, false, false},
	/* 10.1 made the nexthop weight u64; gripd sends no weight. */
	[ZAPI_V10_0] = {"10.0", {0, 1, 2, 3, 4, 5, 9, 10, 11, 18, 19, 20, 118,
	    119, 124}, 13, false, false, 1, false, true, false, false},
	[ZAPI_V10_2] = {"10.2", {0, 1, 2, 3, 4, 5, 9, 10, 11, 18, 19, 20, 120,
	    121, 126}, 13, false, false, 2, false, true, false, true},
	[ZAPI_V10_3] = {"10.3", {0, 1, 2, 3, 4, 5, 9, 10, 11, 18, 19, 20, 120,
	    121, 126}, 13, false, false, 2, true, true, false, true},
	[ZAPI_V10_6] = {"10.6", {0, 1, 2, 3, 4, 5, 9, 10, 11, 18, 19, 20, 120,
	    121, 126}, 13, false, true, 2, true, true, true, true},
};

static const char *const zapi_cmd_names[ZAPI_C_COUNT + 1] = {
	"INTERFACE_ADD", "INTERFACE_DELETE", "INTERFACE_ADDRESS_ADD",
	"INTERFACE_ADDRESS_DELETE", "INTERFACE_UP", "INTERFACE_DOWN",
	"ROUTE_ADD", "ROUTE_DELETE", "ROUTE_NOTIFY_OWNER", "ROUTER_ID_UPDATE",
	"HELLO", "CAPABILITIES", "ERROR", "CLIENT_CAPABILITIES",
	"ROUTE_NOTIFY_REQUEST", "UNKNOWN"};

const struct zapi_layout *
zapi_layout(enum zapi_ver v)
{
	if ((unsigned)v >= ZAPI_V_COUNT)
		v = ZAPI_V8;
	return &zapi_layouts[v];
}

uint16_t
zapi_cmd_num(enum zapi_ver v, enum zapi_cmd cmd)
{
	if ((unsigned)cmd >= ZAPI_C_COUNT)
		return ZAPI_PROBE_CMD;
	return zapi_layout(v)->cmd[cmd];
}

enum zapi_cmd
zapi_cmd_of(enum zapi_ver v, uint16_t num)
{
	const struct zapi_layout *l = zapi_layout(v);
	unsigned i;

	for (i = 0; i < ZAPI_C_COUNT; i++)
		if (l->cmd[i] == num)
			return (enum zapi_cmd)i;
	return ZAPI_C_UNKNOWN;
}

const char *
zapi_cmd_name(enum zapi_cmd cmd)
{
	if ((unsigned)cmd > ZAPI_C_COUNT)
		cmd = ZAPI_C_UNKNOWN;
	return zapi_cmd_names[cmd];
}

int
zapi_ver_from_error(uint16_t errcmd, int major, enum zapi_ver *out)
{
	switch (errcmd) {
	case 117:
		*out = ZAPI_V9_1;
		return 0;
	case 118:
		*out = major == 10 ? ZAPI_V10_0 : ZAPI_V8;
		return 0;
	case 120:
		*out = ZAPI_V10_2;
		return 0;
	}
	return -ENOENT;
}

enum zapi_ver
zapi_ver_refine(enum zapi_ver v, bool caps_vrf_u8, bool notify_src)
{
	if (v < ZAPI_V10_2)
		return v;
	if (caps_vrf_u8)
		return ZAPI_V10_6;
	if (notify_src && v < ZAPI_V10_3)
		return ZAPI_V10_3;
	return v;
}

const char *
zapi_note_name(uint32_t note)
{
	switch (note) {
	case ZAPI_NOTE_FAIL_INSTALL:
		return "fail-install";
	case ZAPI_NOTE_BETTER_ADMIN_WON:
		return "better-admin-won";
	case ZAPI_NOTE_INSTALLED:
		return "installed";
	case ZAPI_NOTE_REMOVED:
		return "removed";
	case ZAPI_NOTE_REMOVE_FAIL:
		return "remove-fail";
	}
	return "unknown";
}

/* --- cursors ------------------------------------------------------------- */

struct wcur {
	uint8_t *p;
	size_t cap, off;
	bool over;
};

static void
w_bytes(struct wcur *w, const void *src, size_t n)
{
	if (w->over || w->cap - w->off < n) {
		w->over = true;
		return;
	}
	memcpy(w->p + w->off, src, n);
	w->off += n;
}

static void
w_u8(struct wcur *w, uint8_t v)
{
	w_bytes(w, &v, 1);
}

static void
w_u16(struct wcur *w, uint16_t v)
{
	uint8_t b[2] = {v >> 8, v & 0xff};

	w_bytes(w, b, 2);
}

static void
w_u32(struct wcur *w, uint32_t v)
{
	uint8_t b[4] = {v >> 24, (v >> 16) & 0xff, (v >> 8) & 0xff, v & 0xff};

	w_bytes(w, b, 4);
}

/* Starts a message: a header whose length is patched by w_end(). */
static void
w_begin(struct wcur *w, uint8_t *buf, size_t cap, uint16_t cmd)
{
	w->p = buf;
	w->cap = cap;
	w->off = 0;
	w->over = false;
	w_u16(w, 0);
	w_u8(w, ZAPI_MARKER);
	w_u8(w, ZAPI_HDR_VERSION);
	w_u32(w, 0); /* vrf: default */
	w_u16(w, cmd);
}

static int
w_end(struct wcur *w, size_t *len)
{
	if (w->over || w->off > ZAPI_MSG_MAX)
		return -ENOSPC;
	w->p[0] = w->off >> 8;
	w->p[1] = w->off & 0xff;
	*len = w->off;
	return 0;
}

struct rcur {
	const uint8_t *p;
	size_t len, off;
	bool under;
};

static bool
r_bytes(struct rcur *r, void *dst, size_t n)
{
	if (r->under || r->len - r->off < n) {
		r->under = true;
		if (dst != NULL)
			memset(dst, 0, n);
		return false;
	}
	if (dst != NULL)
		memcpy(dst, r->p + r->off, n);
	r->off += n;
	return true;
}

static uint8_t
r_u8(struct rcur *r)
{
	uint8_t v;

	r_bytes(r, &v, 1);
	return v;
}

static uint32_t
r_u32(struct rcur *r)
{
	uint8_t b[4];

	r_bytes(r, b, 4);
	return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 |
	    (uint32_t)b[2] << 8 | b[3];
}

static uint64_t
r_u64(struct rcur *r)
{
	uint64_t hi = r_u32(r);

	return hi << 32 | r_u32(r);
}

/* A u32 that zebra wrote with stream_put(&enum): this host's order. */
static uint32_t
r_u32_host(struct rcur *r)
{
	uint32_t v;

	r_bytes(r, &v, 4);
	return v;
}

static int
bad(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
bad(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err != NULL && errlen > 0) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -EBADMSG;
}

static size_t
fam_len(int family)
{
	return family == AF_INET ? 4 : family == AF_INET6 ? 16 : 0;
}

/* family u8, plen u8, full address: the layout of notes and router-ids. */
static int
r_prefix_full(struct rcur *r, struct rib_prefix *p, const char *what,
    char *err, size_t errlen)
{
	uint8_t fam = r_u8(r), plen = r_u8(r);
	size_t alen;

	memset(p, 0, sizeof(*p));
	if (r->under)
		return bad(err, errlen, "%s: truncated", what);
	p->family = fam == 2 ? AF_INET : fam == 10 ? AF_INET6 : -1;
	alen = fam_len(p->family);
	if (alen == 0)
		return bad(err, errlen, "%s: family %u", what, fam);
	if (plen > alen * 8)
		return bad(err, errlen, "%s: prefix length %u", what, plen);
	p->len = plen;
	if (!r_bytes(r, p->addr, alen))
		return bad(err, errlen, "%s: truncated address", what);
	return 0;
}

/* --- encoders ------------------------------------------------------------ */

int
zapi_hdr_encode(uint8_t *buf, size_t cap, uint16_t length, uint32_t vrf_id,
    uint16_t command)
{
	struct wcur w = {buf, cap, 0, false};

	if (length < ZAPI_HDR_LEN)
		return -EINVAL;
	w_u16(&w, length);
	w_u8(&w, ZAPI_MARKER);
	w_u8(&w, ZAPI_HDR_VERSION);
	w_u32(&w, vrf_id);
	w_u16(&w, command);
	return w.over ? -ENOSPC : 0;
}

int
zapi_hello_encode(enum zapi_ver v, uint8_t *buf, size_t cap, size_t *len)
{
	const struct zapi_layout *l = zapi_layout(v);
	struct wcur w;

	w_begin(&w, buf, cap, l->cmd[ZAPI_C_HELLO]);
	w_u8(&w, l->route_type_nhrp);
	w_u16(&w, 0); /* instance: a plain `redistribute nhrp` needs 0 */
	w_u32(&w, 0); /* session id */
	if (l->hello_receive_notify)
		w_u8(&w, 1);
	w_u8(&w, 0); /* synchronous: no, we want interface events */
	return w_end(&w, len);
}

static int
w_nexthop(struct wcur *w, const struct rib_nexthop *nh, int pfx_family)
{
	if (nh->ifindex <= 0)
		return -EINVAL;
	w_u32(w, 0); /* vrf */
	switch (nh->gw_family) {
	case 0:
		w_u8(w, ZAPI_NH_IFINDEX);
		w_u8(w, 0);
		break;
	case AF_INET:
		w_u8(w, ZAPI_NH_IPV4_IFINDEX);
		w_u8(w, ZAPI_NH_F_ONLINK);
		w_bytes(w, nh->gw, 4);
		break;
	case AF_INET6:
		w_u8(w, ZAPI_NH_IPV6_IFINDEX);
		w_u8(w, ZAPI_NH_F_ONLINK);
		w_bytes(w, nh->gw, 16);
		break;
	default:
		return -EINVAL;
	}
	w_u32(w, (uint32_t)nh->ifindex);
	(void)pfx_family; /* v4 over a v6 gateway (RFC 5549) is zebra's call */
	return 0;
}

int
zapi_route_encode(enum zapi_ver v, bool add, const struct zapi_route *r,
    uint8_t *buf, size_t cap, size_t *len)
{
	const struct zapi_layout *l = zapi_layout(v);
	size_t alen = fam_len(r->pfx.family), i;
	bool table = r->table != 0 && r->table != ZAPI_TABLE_MAIN;
	uint32_t msg = 0;
	struct wcur w;
	int err;

	if (alen == 0 || r->pfx.len > alen * 8)
		return -EINVAL;
	if (add) {
		if (r->nh_count == 0 || r->nh_count > ZAPI_NH_MAX)
			return -EINVAL; /* zebra refuses an ADD without hops */
		msg = ZAPI_MSG_NEXTHOP | ZAPI_MSG_METRIC;
		if (r->distance != 0)
			msg |= ZAPI_MSG_DISTANCE;
		if (r->tag != 0)
			msg |= ZAPI_MSG_TAG;
	}
	if (table)
		msg |= ZAPI_MSG_TABLEID;

	w_begin(&w, buf, cap,
	    l->cmd[add ? ZAPI_C_ROUTE_ADD : ZAPI_C_ROUTE_DELETE]);
	w_u8(&w, l->route_type_nhrp);
	w_u16(&w, 0); /* instance */
	w_u32(&w, 0); /* flags */
	w_u32(&w, msg);
	w_u8(&w, ZAPI_SAFI_UNICAST);
	w_u8(&w, r->pfx.family == AF_INET ? 2 : 10);
	w_u8(&w, r->pfx.len);
	w_bytes(&w, r->pfx.addr, (r->pfx.len + 7) / 8);
	if (add) {
		w_u16(&w, r->nh_count);
		for (i = 0; i < r->nh_count; i++)
			if ((err = w_nexthop(&w, &r->nh[i], r->pfx.family)) != 0)
				return err;
		if (msg & ZAPI_MSG_DISTANCE)
			w_u8(&w, r->distance);
		w_u32(&w, r->metric);
		if (msg & ZAPI_MSG_TAG)
			w_u32(&w, r->tag);
	}
	if (table)
		w_u32(&w, r->table);
	return w_end(&w, len);
}

int
zapi_notify_request_encode(
    enum zapi_ver v, bool on, uint8_t *buf, size_t cap, size_t *len)
{
	struct wcur w;

	w_begin(&w, buf, cap, zapi_cmd_num(v, ZAPI_C_ROUTE_NOTIFY_REQUEST));
	w_u8(&w, on ? 1 : 0);
	return w_end(&w, len);
}

int
zapi_gr_encode(
    enum zapi_ver v, uint32_t stale_s, uint8_t *buf, size_t cap, size_t *len)
{
	struct wcur w;

	w_begin(&w, buf, cap, zapi_cmd_num(v, ZAPI_C_CLIENT_CAPABILITIES));
	w_u32(&w, ZAPI_CAP_GR);
	w_u32(&w, stale_s);
	w_u32(&w, 0); /* vrf */
	return w_end(&w, len);
}

int
zapi_gr_disable_encode(enum zapi_ver v, uint8_t *buf, size_t cap, size_t *len)
{
	struct wcur w;

	w_begin(&w, buf, cap, zapi_cmd_num(v, ZAPI_C_CLIENT_CAPABILITIES));
	w_u32(&w, ZAPI_CAP_GR_DISABLE);
	w_u32(&w, 0); /* vrf */
	return w_end(&w, len);
}

int
zapi_update_complete_encode(enum zapi_ver v, uint32_t afi, uint32_t safi,
    uint8_t *buf, size_t cap, size_t *len)
{
	struct wcur w;

	w_begin(&w, buf, cap, zapi_cmd_num(v, ZAPI_C_CLIENT_CAPABILITIES));
	w_u32(&w, ZAPI_CAP_UPDATE_COMPLETE);
	w_u32(&w, afi);
	w_u32(&w, safi);
	w_u32(&w, 0); /* vrf */
	return w_end(&w, len);
}

int
zapi_iface_request_encode(
    enum zapi_ver v, uint8_t *buf, size_t cap, size_t *len)
{
	struct wcur w;

	w_begin(&w, buf, cap, zapi_cmd_num(v, ZAPI_C_INTERFACE_ADD));
	return w_end(&w, len);
}

int
zapi_probe_encode(uint8_t *buf, size_t cap, size_t *len)
{
	struct wcur w;

	w_begin(&w, buf, cap, ZAPI_PROBE_CMD);
	return w_end(&w, len);
}

/* --- decoders ------------------------------------------------------------ */

int
zapi_hdr_decode(const uint8_t *buf, size_t len, struct zapi_hdr *h, char *err,
    size_t errlen)
{
	if (len < ZAPI_HDR_LEN)
		return -EAGAIN;
	h->length = (uint16_t)(buf[0] << 8 | buf[1]);
	h->marker = buf[2];
	h->version = buf[3];
	h->vrf_id = (uint32_t)buf[4] << 24 | (uint32_t)buf[5] << 16 |
	    (uint32_t)buf[6] << 8 | buf[7];
	h->command = (uint16_t)(buf[8] << 8 | buf[9]);
	if (h->marker != ZAPI_MARKER)
		return bad(err, errlen, "bad marker %u (want %u)", h->marker,
		    ZAPI_MARKER);
	if (h->version != ZAPI_HDR_VERSION)
		return bad(err, errlen, "bad version %u (want %u)", h->version,
		    ZAPI_HDR_VERSION);
	if (h->length < ZAPI_HDR_LEN)
		return bad(err, errlen, "bad length %u (min %u)", h->length,
		    ZAPI_HDR_LEN);
	if (len < h->length)
		return -EAGAIN;
	return 0;
}

int
zapi_caps_decode(enum zapi_ver v, const uint8_t *buf, size_t len,
    struct zapi_caps *c, char *err, size_t errlen)
{
	const struct zapi_layout *l = zapi_layout(v);
	struct rcur r = {buf, len, 0, false};
	bool u8 = l->caps_vrf_u8;
	size_t want;

	/*
	 * 10.2 to 10.5 send 12 bytes, 10.6+ 9 (u8 vrf_backend): a 10.2+ guess
	 * from the probe takes either, told apart by the length.
	 */
	if (v >= ZAPI_V10_2)
		u8 = len == 9 ? true : len == 12 ? false : u8;
	want = (u8 ? 1 : 4) + 1 + 4 + 1 + l->caps_extra;
	memset(c, 0, sizeof(*c));
	if (len < want)
		return bad(err, errlen, "capabilities: %zu bytes (want %zu)",
		    len, want);
	c->vrf_u8 = u8;
	c->vrf_backend = u8 ? r_u8(&r) : r_u32(&r);
	c->mpls = r_u8(&r);
	c->ecmp = r_u32(&r);
	c->mlag_role = r_u8(&r);
	if (l->caps_extra >= 1)
		c->v6_with_v4_nh = r_u8(&r);
	if (l->caps_extra >= 2)
		c->graceful_restart = r_u8(&r);
	return 0;
}

int
zapi_notify_decode(enum zapi_ver v, const uint8_t *buf, size_t len,
    struct zapi_notify *n, char *err, size_t errlen)
{
	const struct zapi_layout *l = zapi_layout(v);
	struct rcur r = {buf, len, 0, false};
	size_t alen, base;
	int e;

	memset(n, 0, sizeof(*n));
	n->note = r_u32_host(&r);
	if ((e = r_prefix_full(&r, &n->pfx, "notify-owner", err, errlen)) != 0)
		return e;
	/*
	 * 10.3+ put a src prefix here.  From 10.2 on, the length tells which
	 * layout came: without src the body is note+2+addr+6 bytes.
	 */
	alen = fam_len(n->pfx.family);
	base = 4 + 2 + alen + 6;
	n->has_src = l->notify_src;
	if (v >= ZAPI_V10_2)
		n->has_src = len == base + 1 + alen ? true :
		    len == base ? false : n->has_src;
	if (n->has_src) {
		n->src.family = n->pfx.family;
		n->src.len = r_u8(&r);
		r_bytes(&r, n->src.addr, alen);
		if (!r.under && n->src.len > alen * 8)
			return bad(err, errlen, "notify-owner: src length %u",
			    n->src.len);
	}
	n->table = r_u32(&r);
	n->afi = r_u8(&r);
	n->safi = r_u8(&r);
	if (r.under)
		return bad(err, errlen, "notify-owner: truncated (%zu bytes)",
		    len);
	return 0;
}

int
zapi_iface_decode(enum zapi_ver v, const uint8_t *buf, size_t len,
    struct zapi_iface *ifp, char *err, size_t errlen)
{
	const struct zapi_layout *l = zapi_layout(v);
	struct rcur r = {buf, len, 0, false};
	size_t i;

	memset(ifp, 0, sizeof(*ifp));
	r_bytes(&r, ifp->name, 16);
	ifp->ifindex = r_u32(&r);
	ifp->status = r_u8(&r);
	ifp->flags = r_u64(&r);
	(void)r_u8(&r); /* ptm_enable */
	(void)r_u8(&r); /* ptm_status */
	ifp->metric = r_u32(&r);
	ifp->speed = r_u32(&r);
	if (l->if_txqlen)
		(void)r_u32(&r);
	ifp->mtu = r_u32(&r);
	ifp->mtu6 = r_u32(&r);
	(void)r_u32(&r); /* bandwidth */
	(void)r_u32(&r); /* link_ifindex */
	/* zif_type (10.6+), hw address, link params follow: not needed */
	if (r.under)
		return bad(err, errlen, "interface: truncated (%zu bytes)", len);
	ifp->name[16] = '\0';
	if (ifp->name[0] == '\0')
		return bad(err, errlen, "interface: empty name");
	for (i = 0; ifp->name[i] != '\0'; i++)
		if ((unsigned char)ifp->name[i] < 0x21 ||
		    (unsigned char)ifp->name[i] > 0x7e)
			return bad(err, errlen,
			    "interface: unprintable name byte 0x%02x",
			    (unsigned char)ifp->name[i]);
	ifp->oper_up = (ifp->flags & ZAPI_IFF_UP) &&
	    (ifp->flags & ZAPI_IFF_RUNNING) && (ifp->flags & ZAPI_IFF_LOWER_UP);
	return 0;
}

int
zapi_ifaddr_decode(const uint8_t *buf, size_t len, struct zapi_ifaddr *a,
    char *err, size_t errlen)
{
	struct rcur r = {buf, len, 0, false};
	uint8_t fam;
	size_t alen;

	memset(a, 0, sizeof(*a));
	a->ifindex = r_u32(&r);
	a->flags = r_u8(&r);
	fam = r_u8(&r);
	if (r.under)
		return bad(err, errlen, "interface-address: truncated");
	a->pfx.family = fam == 2 ? AF_INET : fam == 10 ? AF_INET6 : -1;
	if ((alen = fam_len(a->pfx.family)) == 0)
		return bad(err, errlen, "interface-address: family %u", fam);
	r_bytes(&r, a->pfx.addr, alen);
	a->pfx.len = r_u8(&r);
	if (r.under)
		return bad(err, errlen, "interface-address: truncated");
	/* zebra always writes the destination (zeros when there is none) */
	a->has_dest = r_bytes(&r, a->dest, alen);
	if (a->pfx.len > alen * 8)
		return bad(err, errlen, "interface-address: prefix length %u",
		    a->pfx.len);
	return 0;
}

int
zapi_error_decode(
    const uint8_t *buf, size_t len, uint32_t *code, char *err, size_t errlen)
{
	struct rcur r = {buf, len, 0, false};

	*code = r_u32_host(&r);
	if (r.under)
		return bad(err, errlen, "error: %zu bytes (want 4)", len);
	return 0;
}

int
zapi_router_id_decode(const uint8_t *buf, size_t len, struct rib_prefix *p,
    char *err, size_t errlen)
{
	struct rcur r = {buf, len, 0, false};
	uint8_t fam = r_u8(&r);
	size_t alen;

	/* family, address, then plen (not the order of the notes) */
	memset(p, 0, sizeof(*p));
	p->family = fam == 2 ? AF_INET : fam == 10 ? AF_INET6 : -1;
	if (r.under)
		return bad(err, errlen, "router-id: truncated");
	if ((alen = fam_len(p->family)) == 0)
		return bad(err, errlen, "router-id: family %u", fam);
	r_bytes(&r, p->addr, alen);
	p->len = r_u8(&r);
	if (r.under)
		return bad(err, errlen, "router-id: truncated");
	if (p->len > alen * 8)
		return bad(err, errlen, "router-id: prefix length %u", p->len);
	return 0;
}

int
zapi_msg_decode(enum zapi_ver v, const uint8_t *buf, size_t len,
    struct zapi_msg *m, char *err, size_t errlen)
{
	const uint8_t *body;
	size_t blen;
	int e;

	memset(m, 0, sizeof(*m));
	if (err != NULL && errlen > 0)
		err[0] = '\0';
	if ((e = zapi_hdr_decode(buf, len, &m->hdr, err, errlen)) != 0)
		return e;
	body = buf + ZAPI_HDR_LEN;
	blen = m->hdr.length - ZAPI_HDR_LEN;
	m->cmd = zapi_cmd_of(v, m->hdr.command);
	switch (m->cmd) {
	case ZAPI_C_CAPABILITIES:
		return zapi_caps_decode(v, body, blen, &m->u.caps, err, errlen);
	case ZAPI_C_ROUTE_NOTIFY_OWNER:
		return zapi_notify_decode(
		    v, body, blen, &m->u.notify, err, errlen);
	case ZAPI_C_INTERFACE_ADD:
	case ZAPI_C_INTERFACE_DELETE:
	case ZAPI_C_INTERFACE_UP:
	case ZAPI_C_INTERFACE_DOWN:
		return zapi_iface_decode(v, body, blen, &m->u.iface, err, errlen);
	case ZAPI_C_INTERFACE_ADDRESS_ADD:
	case ZAPI_C_INTERFACE_ADDRESS_DEL:
		return zapi_ifaddr_decode(body, blen, &m->u.ifaddr, err, errlen);
	case ZAPI_C_ERROR:
		return zapi_error_decode(body, blen, &m->u.error, err, errlen);
	case ZAPI_C_ROUTER_ID_UPDATE:
		return zapi_router_id_decode(
		    body, blen, &m->u.router_id, err, errlen);
	default:
		/* something we never asked for (or send only): skip it */
		m->cmd = ZAPI_C_UNKNOWN;
		return 0;
	}
}
