/* SPDX-License-Identifier: ISC */
/*
 * adj_codec.c: the adjacency protocol's pure codec (docs/protocol.md).
 * Decoding is one pass that validates every byte range before reading it
 * and copies into host structs; the I/O side logs the err string.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "adj_wire.h"

static uint16_t
get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t
get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

static void
put16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

static void
put32(uint8_t *p, uint32_t v)
{
	p[0] = v >> 24;
	p[1] = (v >> 16) & 0xff;
	p[2] = (v >> 8) & 0xff;
	p[3] = v & 0xff;
}

#define DROP(code, ...)                                                        \
	do {                                                                   \
		if (errlen > 0)                                                \
			snprintf(err, errlen, __VA_ARGS__);                    \
		return (code);                                                 \
	} while (0)

const char *
adj_type_name(unsigned type)
{
	switch (type) {
	case ADJ_T_HELLO:
		return "HELLO";
	case ADJ_T_UPDATE:
		return "UPDATE";
	case ADJ_T_ACK:
		return "ACK";
	case ADJ_T_GOODBYE:
		return "GOODBYE";
	}
	return "unknown";
}

int
adj_prefix_check(const struct adj_prefix *p, char *err, size_t errlen)
{
	size_t alen, i;
	unsigned max;

	switch (p->family) {
	case AF_INET:
		alen = 4, max = 32;
		break;
	case AF_INET6:
		alen = 16, max = 128;
		break;
	default:
		DROP(-EINVAL, "address family %u", p->family);
	}
	if (p->plen > max)
		DROP(-EINVAL, "prefix length %u (max %u)", p->plen, max);
	for (i = 0; i < alen; i++) {
		unsigned keep = p->plen >= 8 * (i + 1) ? 8
				: p->plen <= 8 * i     ? 0
						       : p->plen - 8 * i;
		uint8_t mask = (uint8_t)(0xff00 >> keep);

		if (p->addr.b[i] & ~mask)
			DROP(-EINVAL, "host bits set in prefix /%u", p->plen);
	}
	return 0;
}

static size_t
entry_len(const struct adj_prefix *p)
{
	return p->family == AF_INET6 ? ADJ_ENTRY6_LEN : ADJ_ENTRY4_LEN;
}

/*
 * One UPDATE entry at p with left bytes available: checks it and, if pfx is
 * not NULL, copies it.  Returns its length or -EBADMSG.
 */
static int
entry_decode(const uint8_t *p, size_t left, struct adj_prefix *pfx, char *err,
    size_t errlen)
{
	struct adj_prefix tmp;
	size_t alen;

	if (left < 2)
		DROP(-EBADMSG, "truncated prefix entry");
	memset(&tmp, 0, sizeof(tmp));
	switch (p[0]) {
	case ADJ_AFI_IPV4:
		tmp.family = AF_INET, alen = 4;
		break;
	case ADJ_AFI_IPV6:
		tmp.family = AF_INET6, alen = 16;
		break;
	default:
		DROP(-EBADMSG, "prefix entry: AFI %u", p[0]);
	}
	if (left < 8 + alen)
		DROP(-EBADMSG, "truncated prefix entry");
	tmp.plen = p[1];
	/* p[2..3]: entry flags, reserved, ignored on receipt */
	tmp.metric = get32(p + 4);
	memcpy(tmp.addr.b, p + 8, alen);
	if (adj_prefix_check(&tmp, err, errlen) != 0)
		return -EBADMSG;
	if (pfx != NULL)
		*pfx = tmp;
	return (int)(8 + alen);
}

static int
hello_body(const uint8_t *b, size_t blen, struct adj_hello *m, char *err,
    size_t errlen)
{
	if (blen < ADJ_HELLO_LEN)
		DROP(-EBADMSG, "HELLO: truncated body (%zu bytes)", blen);
	m->hold_ms = get32(b);
	m->hello_ms = get32(b + 4);
	m->flags = get16(b + 8);
	/* b[10..11] reserved */
	m->nbr_router_id = get32(b + 12);
	m->nbr_epoch = get32(b + 16);
	if (m->hold_ms < ADJ_HOLD_MIN_MS || m->hold_ms > ADJ_HOLD_MAX_MS)
		DROP(-EBADMSG, "HELLO: hold time %u ms (%u..%u)", m->hold_ms,
		    ADJ_HOLD_MIN_MS, ADJ_HOLD_MAX_MS);
	if (m->hello_ms < ADJ_HELLO_MIN_MS || m->hello_ms > ADJ_HELLO_MAX_MS)
		DROP(-EBADMSG, "HELLO: hello interval %u ms (%u..%u)",
		    m->hello_ms, ADJ_HELLO_MIN_MS, ADJ_HELLO_MAX_MS);
	if (!(m->flags & ADJ_HELLO_F_HEARD)) {
		/* not meaningful without HEARD: normalize */
		m->nbr_router_id = 0;
		m->nbr_epoch = 0;
	} else if (m->nbr_router_id == 0) {
		DROP(-EBADMSG, "HELLO: heard router-id 0");
	}
	return ADJ_HELLO_LEN;
}

static int
update_body(const uint8_t *b, size_t blen, struct adj_update *m,
    size_t body_off, char *err, size_t errlen)
{
	size_t off, i;
	int r;

	if (blen < ADJ_UPDATE_LEN)
		DROP(-EBADMSG, "UPDATE: truncated body (%zu bytes)", blen);
	m->version = get32(b);
	m->frag_index = get16(b + 4);
	m->frag_count = get16(b + 6);
	m->total = get32(b + 8);
	m->offset = get32(b + 12);
	m->count = get16(b + 16);
	/* b[18..19] reserved */
	if (m->frag_count == 0 || m->frag_index >= m->frag_count)
		DROP(-EBADMSG, "UPDATE: fragment %u of %u", m->frag_index,
		    m->frag_count);
	if (m->total > ADJ_SET_MAX)
		DROP(-EBADMSG, "UPDATE: total %u prefixes (max %u)", m->total,
		    ADJ_SET_MAX);
	if (m->offset > m->total || m->count > m->total - m->offset)
		DROP(-EBADMSG, "UPDATE: prefixes %u+%u beyond total %u",
		    m->offset, m->count, m->total);
	off = ADJ_UPDATE_LEN;
	for (i = 0; i < m->count; i++) {
		r = entry_decode(b + off, blen - off, NULL, err, errlen);
		if (r < 0) {
			/* prefix the entry's own reason with its index */
			char why[96];

			snprintf(why, sizeof(why), "%s", errlen ? err : "");
			DROP(-EBADMSG, "UPDATE: prefix %zu: %s", i, why);
		}
		off += (size_t)r;
	}
	m->entries_off = body_off + ADJ_UPDATE_LEN;
	m->entries_len = off - ADJ_UPDATE_LEN;
	return (int)off;
}

int
adj_msg_decode(const uint8_t *buf, size_t len, struct adj_msg *out, char *err,
    size_t errlen)
{
	struct adj_hdr *h = &out->hdr;
	size_t end, off;
	int r;

	memset(out, 0, sizeof(*out));
	if (errlen > 0)
		err[0] = '\0';
	if (len < ADJ_HDR_LEN)
		DROP(-EBADMSG, "truncated header (%zu bytes)", len);
	if (get16(buf) != ADJ_MAGIC)
		DROP(-EPROTONOSUPPORT, "bad magic 0x%04x", get16(buf));
	h->version = buf[2];
	if (h->version != ADJ_VERSION)
		DROP(-EPROTONOSUPPORT, "version %u (want %u)", h->version,
		    ADJ_VERSION);
	h->type = buf[3];
	h->flags = buf[4];
	/* buf[5] reserved */
	h->length = get16(buf + 6);
	h->router_id = get32(buf + 8);
	h->epoch = get32(buf + 12);
	h->seq = get32(buf + 16);
	if (h->length != len)
		DROP(-EBADMSG, "length %u but %zu bytes received", h->length,
		    len);
	if (h->router_id == 0)
		DROP(-EBADMSG, "router-id 0");
	end = len;
	if (h->flags & ADJ_F_AUTH) {
		if (len < ADJ_HDR_LEN + ADJ_AUTH_LEN)
			DROP(-EBADMSG, "truncated authentication trailer");
		h->auth = true;
		end = len - ADJ_AUTH_LEN;
		h->key_id = get32(buf + end);
	}
	off = ADJ_HDR_LEN;

	switch (h->type) {
	case ADJ_T_HELLO:
		r = hello_body(
		    buf + off, end - off, &out->u.hello, err, errlen);
		break;
	case ADJ_T_UPDATE:
		r = update_body(
		    buf + off, end - off, &out->u.update, off, err, errlen);
		break;
	case ADJ_T_ACK:
		if (end - off < ADJ_ACK_LEN)
			DROP(-EBADMSG, "ACK: truncated body (%zu bytes)",
			    end - off);
		out->u.ack.version = get32(buf + off);
		out->u.ack.frag_index = get16(buf + off + 4);
		out->u.ack.frag_count = get16(buf + off + 6);
		if (out->u.ack.frag_count == 0 ||
		    out->u.ack.frag_index >= out->u.ack.frag_count)
			DROP(-EBADMSG, "ACK: fragment %u of %u",
			    out->u.ack.frag_index, out->u.ack.frag_count);
		r = ADJ_ACK_LEN;
		break;
	case ADJ_T_GOODBYE:
		if (end - off < ADJ_GOODBYE_LEN)
			DROP(-EBADMSG, "GOODBYE: truncated body (%zu bytes)",
			    end - off);
		out->u.goodbye.reason = buf[off];
		r = ADJ_GOODBYE_LEN;
		break;
	default:
		DROP(-EOPNOTSUPP, "unknown message type %u", h->type);
	}
	if (r < 0)
		return r;
	off += (size_t)r;

	/* TLVs up to the trailer (protocol.md "TLVs") */
	while (off < end) {
		uint16_t t, l;

		if (end - off < ADJ_TLV_HDR_LEN)
			DROP(-EBADMSG, "%s: truncated TLV header",
			    adj_type_name(h->type));
		t = get16(buf + off);
		l = get16(buf + off + 2);
		off += ADJ_TLV_HDR_LEN;
		if (l > end - off)
			DROP(-EBADMSG, "%s: TLV %u length %u beyond message",
			    adj_type_name(h->type), t, l);
		if (h->type == ADJ_T_HELLO && t == ADJ_TLV_NAME) {
			size_t i;

			if (l == 0 || l > ADJ_NAME_MAX)
				DROP(-EBADMSG, "HELLO: name length %u (1..%u)",
				    l, ADJ_NAME_MAX);
			for (i = 0; i < l; i++)
				if (buf[off + i] < 0x20 || buf[off + i] == 0x7f)
					DROP(-EBADMSG,
					    "HELLO: control byte in name");
			memcpy(out->u.hello.name, buf + off, l);
			out->u.hello.name[l] = '\0';
		} else if (h->type == ADJ_T_GOODBYE &&
			   t == ADJ_TLV_RESTART_TIME) {
			uint16_t v;

			/* protocol.md 3.4.1: exactly 2 bytes, once, 1..3600 */
			if (l != ADJ_RESTART_TIME_LEN)
				DROP(-EBADMSG,
				    "GOODBYE: restart time length %u (want %u)",
				    l, ADJ_RESTART_TIME_LEN);
			if (out->u.goodbye.restart_time != 0)
				DROP(-EBADMSG, "GOODBYE: second restart time");
			v = get16(buf + off);
			if (v < ADJ_RESTART_TIME_MIN ||
			    v > ADJ_RESTART_TIME_MAX)
				DROP(-EBADMSG,
				    "GOODBYE: restart time %u s (%u..%u)", v,
				    ADJ_RESTART_TIME_MIN, ADJ_RESTART_TIME_MAX);
			out->u.goodbye.restart_time = v;
		} else if (t & ADJ_TLV_CRITICAL) {
			DROP(-EBADMSG, "%s: unknown critical TLV 0x%04x",
			    adj_type_name(h->type), t);
		} else {
			out->tlv_ignored++;
		}
		off += l;
	}
	return 0;
}

void
adj_prefix_iter_init(
    struct adj_prefix_iter *it, const uint8_t *buf, const struct adj_msg *m)
{
	if (m->hdr.type != ADJ_T_UPDATE) {
		it->p = NULL;
		it->left = 0;
		return;
	}
	it->p = buf + m->u.update.entries_off;
	it->left = m->u.update.entries_len;
}

bool
adj_prefix_iter_next(struct adj_prefix_iter *it, struct adj_prefix *p)
{
	int r;

	if (it->left == 0)
		return false;
	r = entry_decode(it->p, it->left, p, NULL, 0);
	if (r < 0) {
		/* only when handed a buffer adj_msg_decode did not accept */
		it->left = 0;
		return false;
	}
	it->p += r;
	it->left -= (size_t)r;
	return true;
}

/* Writes the header; body_len excludes header and trailer. */
static int
hdr_encode(uint8_t *buf, size_t buflen, const struct adj_hdr *h, uint8_t type,
    size_t body_len, size_t *total)
{
	size_t len = ADJ_HDR_LEN + body_len + (h->auth ? ADJ_AUTH_LEN : 0);

	if (len > ADJ_MSG_MAX)
		return -EINVAL;
	if (len > buflen)
		return -ENOBUFS;
	if (h->router_id == 0)
		return -EINVAL;
	put16(buf, ADJ_MAGIC);
	buf[2] = ADJ_VERSION;
	buf[3] = type;
	buf[4] = h->auth ? ADJ_F_AUTH : 0;
	buf[5] = 0;
	put16(buf + 6, (uint16_t)len);
	put32(buf + 8, h->router_id);
	put32(buf + 12, h->epoch);
	put32(buf + 16, h->seq);
	if (h->auth) {
		put32(buf + len - ADJ_AUTH_LEN, h->key_id);
		memset(buf + len - ADJ_AUTH_MAC_LEN, 0, ADJ_AUTH_MAC_LEN);
	}
	*total = len;
	return 0;
}

int
adj_hello_encode(uint8_t *buf, size_t buflen, size_t *outlen,
    const struct adj_hdr *h, const struct adj_hello *m)
{
	size_t nlen = strnlen(m->name, sizeof(m->name));
	size_t body = ADJ_HELLO_LEN + (nlen ? ADJ_TLV_HDR_LEN + nlen : 0);
	uint8_t *b = buf + ADJ_HDR_LEN;
	bool heard = m->flags & ADJ_HELLO_F_HEARD;
	int r;

	if (nlen > ADJ_NAME_MAX || m->hold_ms < ADJ_HOLD_MIN_MS ||
	    m->hold_ms > ADJ_HOLD_MAX_MS || m->hello_ms < ADJ_HELLO_MIN_MS ||
	    m->hello_ms > ADJ_HELLO_MAX_MS || (heard && m->nbr_router_id == 0))
		return -EINVAL;
	if ((r = hdr_encode(buf, buflen, h, ADJ_T_HELLO, body, outlen)) != 0)
		return r;
	put32(b, m->hold_ms);
	put32(b + 4, m->hello_ms);
	put16(b + 8, m->flags);
	put16(b + 10, 0);
	put32(b + 12, heard ? m->nbr_router_id : 0);
	put32(b + 16, heard ? m->nbr_epoch : 0);
	if (nlen) {
		put16(b + 20, ADJ_TLV_NAME);
		put16(b + 22, (uint16_t)nlen);
		memcpy(b + 24, m->name, nlen);
	}
	return 0;
}

int
adj_update_encode(uint8_t *buf, size_t buflen, size_t *outlen,
    const struct adj_hdr *h, const struct adj_update *m,
    const struct adj_prefix *v)
{
	size_t body = ADJ_UPDATE_LEN, i;
	uint8_t *b = buf + ADJ_HDR_LEN, *e;
	int r;

	if (m->frag_count == 0 || m->frag_index >= m->frag_count ||
	    m->total > ADJ_SET_MAX || m->offset > m->total ||
	    m->count > m->total - m->offset)
		return -EINVAL;
	for (i = 0; i < m->count; i++) {
		if (adj_prefix_check(&v[i], NULL, 0) != 0)
			return -EINVAL;
		body += entry_len(&v[i]);
	}
	if ((r = hdr_encode(buf, buflen, h, ADJ_T_UPDATE, body, outlen)) != 0)
		return r;
	put32(b, m->version);
	put16(b + 4, m->frag_index);
	put16(b + 6, m->frag_count);
	put32(b + 8, m->total);
	put32(b + 12, m->offset);
	put16(b + 16, m->count);
	put16(b + 18, 0);
	e = b + ADJ_UPDATE_LEN;
	for (i = 0; i < m->count; i++) {
		size_t alen = v[i].family == AF_INET6 ? 16 : 4;

		e[0] = v[i].family == AF_INET6 ? ADJ_AFI_IPV6 : ADJ_AFI_IPV4;
		e[1] = v[i].plen;
		put16(e + 2, 0);
		put32(e + 4, v[i].metric);
		memcpy(e + 8, v[i].addr.b, alen);
		e += 8 + alen;
	}
	return 0;
}

int
adj_ack_encode(uint8_t *buf, size_t buflen, size_t *outlen,
    const struct adj_hdr *h, const struct adj_ack *m)
{
	uint8_t *b = buf + ADJ_HDR_LEN;
	int r;

	if (m->frag_count == 0 || m->frag_index >= m->frag_count)
		return -EINVAL;
	if ((r = hdr_encode(buf, buflen, h, ADJ_T_ACK, ADJ_ACK_LEN, outlen)) !=
	    0)
		return r;
	put32(b, m->version);
	put16(b + 4, m->frag_index);
	put16(b + 6, m->frag_count);
	return 0;
}

int
adj_goodbye_encode(uint8_t *buf, size_t buflen, size_t *outlen,
    const struct adj_hdr *h, const struct adj_goodbye *m)
{
	uint8_t *b = buf + ADJ_HDR_LEN;
	size_t body =
	    ADJ_GOODBYE_LEN +
	    (m->restart_time ? ADJ_TLV_HDR_LEN + ADJ_RESTART_TIME_LEN : 0);
	int r;

	if (m->restart_time > ADJ_RESTART_TIME_MAX)
		return -EINVAL;
	if ((r = hdr_encode(buf, buflen, h, ADJ_T_GOODBYE, body, outlen)) != 0)
		return r;
	b[0] = m->reason;
	b[1] = 0;
	put16(b + 2, 0);
	if (m->restart_time) {
		put16(b + 4, ADJ_TLV_RESTART_TIME);
		put16(b + 6, ADJ_RESTART_TIME_LEN);
		put16(b + 8, m->restart_time);
	}
	return 0;
}

/* Entry bytes available in one UPDATE of at most mtu bytes. */
static size_t
frag_budget(size_t mtu, bool auth)
{
	size_t fixed = ADJ_HDR_LEN + ADJ_UPDATE_LEN + (auth ? ADJ_AUTH_LEN : 0);

	if (mtu > ADJ_MSG_MAX)
		mtu = ADJ_MSG_MAX;
	return mtu < fixed + ADJ_ENTRY6_LEN ? 0 : mtu - fixed;
}

/* How many of v[0..n) fit in budget bytes (at most 65535). */
static size_t
frag_fit(const struct adj_prefix *v, size_t n, size_t budget)
{
	size_t i, used = 0;

	for (i = 0; i < n && i < UINT16_MAX; i++) {
		if (used + entry_len(&v[i]) > budget)
			break;
		used += entry_len(&v[i]);
	}
	return i;
}

size_t
adj_update_frag_fit(const struct adj_prefix *v, size_t n, size_t mtu, bool auth)
{
	return frag_fit(v, n, frag_budget(mtu, auth));
}

size_t
adj_update_frag_count(
    const struct adj_prefix *v, size_t n, size_t mtu, bool auth)
{
	size_t budget = frag_budget(mtu, auth), pos = 0, frags = 0;

	if (budget == 0 || n > ADJ_SET_MAX)
		return 0;
	if (n == 0)
		return 1;
	while (pos < n) {
		pos += frag_fit(v + pos, n - pos, budget);
		if (++frags > UINT16_MAX)
			return 0;
	}
	return frags;
}

int
adj_update_frag_range(const struct adj_prefix *v, size_t n, size_t mtu,
    bool auth, size_t i, size_t *start, size_t *count)
{
	size_t budget = frag_budget(mtu, auth), pos = 0, k, c;

	if (budget == 0 || n > ADJ_SET_MAX)
		return -EINVAL;
	for (k = 0;; k++) {
		c = pos < n ? frag_fit(v + pos, n - pos, budget) : 0;
		if (k == i) {
			if (c == 0 && (n > 0 || i > 0))
				return -EINVAL; /* past the last fragment */
			*start = pos;
			*count = c;
			return 0;
		}
		pos += c;
		if (pos >= n)
			return -EINVAL;
	}
}

static int
auth_mac(const uint8_t *buf, size_t len, const uint8_t *key, size_t keylen,
    uint8_t mac[ADJ_AUTH_MAC_LEN])
{
	unsigned int maclen = 0;

	if (HMAC(EVP_sha256(), key, (int)keylen, buf, len - ADJ_AUTH_MAC_LEN,
		mac, &maclen) == NULL ||
	    maclen != ADJ_AUTH_MAC_LEN)
		return -EIO;
	return 0;
}

/* The trailer is there and Length says so. */
static bool
has_trailer(const uint8_t *buf, size_t len)
{
	return len >= ADJ_HDR_LEN + ADJ_AUTH_LEN && len <= ADJ_MSG_MAX &&
	       (buf[4] & ADJ_F_AUTH) && get16(buf + 6) == len;
}

int
adj_auth_sign(
    uint8_t *buf, size_t len, const uint8_t *key, size_t keylen, uint32_t keyid)
{
	if (!has_trailer(buf, len) || key == NULL || keylen == 0 ||
	    keylen > ADJ_KEY_MAX)
		return -EINVAL;
	put32(buf + len - ADJ_AUTH_LEN, keyid);
	return auth_mac(buf, len, key, keylen, buf + len - ADJ_AUTH_MAC_LEN);
}

int
adj_auth_verify(const uint8_t *buf, size_t len, const uint8_t *key,
    size_t keylen, uint32_t keyid)
{
	uint8_t mac[ADJ_AUTH_MAC_LEN];
	int r;

	if (!has_trailer(buf, len))
		return -EBADMSG;
	if (get32(buf + len - ADJ_AUTH_LEN) != keyid)
		return -ENOKEY;
	if (key == NULL || keylen == 0 || keylen > ADJ_KEY_MAX)
		return -EACCES;
	if ((r = auth_mac(buf, len, key, keylen, mac)) != 0)
		return r;
	if (CRYPTO_memcmp(
		mac, buf + len - ADJ_AUTH_MAC_LEN, ADJ_AUTH_MAC_LEN) != 0)
		return -EACCES;
	return 0;
}
