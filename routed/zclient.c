/* SPDX-License-Identifier: ISC */
/*
 * DOC: the zebra client (see zclient.h for the session and its states)
 *
 * Moving parts:
 *  - the route table: a chained hash of wanted routes keyed by prefix,
 *    each with its next hops, metric and zebra's last note;
 *  - the output queue: one growing byte buffer that messages are encoded
 *    straight into; EPOLLOUT is asked for while it is not empty, so a
 *    burst of 10,000 routes becomes a few large writes;
 *  - the input buffer: bytes are appended until zapi_hdr_decode() says a
 *    whole message is there (zebra's messages may arrive in pieces);
 *  - the interface table: ifindex -> operational state, to see a real
 *    down -> up transition and replay the routes over that interface;
 *  - one timer: reconnect backoff while DOWN, probe timeout while PROBING.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <gripd/log.h>
#include <gripd/loop.h>

#include "zclient.h"
#include "table.h"

#define ZC_BACKOFF_MIN_MS 250
#define ZC_BACKOFF_MAX_MS 5000
#define ZC_PROBE_TIMEOUT_MS 2000
#define ZC_IBUF_SIZE (4 * ZAPI_MSG_MAX)
#define ZC_HASH_MIN 1024
#define ZC_EAGER_BYTES 32768 /* queued route bytes written at once */

enum zc_conn { ZC_DOWN, ZC_PROBING, ZC_UP };

struct zc_route {
	struct zc_route *next; /* hash chain */
	struct rib_prefix pfx;
	struct rib_nexthop *nh; /* &nh1 for one next hop, else malloc'd */
	struct rib_nexthop nh1;
	size_t n;
	uint32_t metric;
	enum zclient_route_state state;
	uint64_t changed_ms;
};

struct zc_iface {
	uint32_t ifindex;
	bool up;
};

struct zclient {
	struct loop *loop;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	int major;           /* 0 auto, 8, 9, 10 */
	enum zapi_ver ver;
	bool ver_known;      /* ver learnt (or configured) for this session */
	uint8_t distance;
	uint32_t table;
	uint32_t stale_s;
	bool gr_off; /* no graceful restart: zebra flushes us on disconnect */
	uint32_t tag; /* route tag on every route, 0 = none */
	bool sync_done;      /* zclient_update_complete() was called */

	enum zc_conn conn;
	struct loop_io io;
	struct loop_timer timer;
	uint32_t backoff_ms;
	bool down_logged;

	uint8_t *obuf;
	size_t ohead, otail, ocap;
	size_t unflushed; /* route bytes queued since the last eager write */
	uint8_t *ibuf;
	size_t ilen;

	struct zc_route **buckets;
	size_t nbuckets, nroutes;

	struct zc_iface *ifs;
	size_t nifs, capifs;

	void (*state_cb)(bool, void *);
	void *state_arg;
	void (*iface_cb)(const struct zapi_iface *, enum zclient_iface_ev,
	    void *);
	void *iface_arg;
	void (*route_cb)(const struct rib_prefix *, enum zclient_route_state,
	    uint32_t, void *);
	void *route_arg;

	uint64_t connects, notes;
	size_t withdraw_pending; /* zclient_free(): REMOVED notes awaited */
	struct log_ratelimit rl_note, rl_err;
};

static const char *const zc_rs_names[] = {"none", "queued", "sent",
    "installed", "failed", "admin-lost", "removed"};

const char *
zclient_route_state_name(enum zclient_route_state st)
{
	if ((unsigned)st > ZCLIENT_RS_REMOVED)
		return "?";
	return zc_rs_names[st];
}

static void zc_disconnect(struct zclient *zc, const char *why);
static int zc_flush(struct zclient *zc);
static void zc_io_cb(struct loop_io *io, uint32_t revents, uint64_t now);

/* --- route table --------------------------------------------------------- */

static size_t
zc_alen(int family)
{
	return family == AF_INET ? 4 : 16;
}

static size_t
zc_hash(const struct rib_prefix *p, size_t nb)
{
	uint32_t h = 2166136261u;
	size_t i;

	h = (h ^ (uint32_t)p->family) * 16777619u;
	h = (h ^ p->len) * 16777619u;
	for (i = 0; i < zc_alen(p->family); i++)
		h = (h ^ p->addr[i]) * 16777619u;
	return h & (nb - 1);
}

static bool
zc_pfx_eq(const struct rib_prefix *a, const struct rib_prefix *b)
{
	return a->family == b->family && a->len == b->len &&
	    memcmp(a->addr, b->addr, zc_alen(a->family)) == 0;
}

static void
zc_route_free_nh(struct zc_route *r)
{
	if (r->nh != &r->nh1)
		free(r->nh);
	r->nh = NULL;
}

static struct zc_route *
zc_find(const struct zclient *zc, const struct rib_prefix *p)
{
	struct zc_route *r;

	for (r = zc->buckets[zc_hash(p, zc->nbuckets)]; r != NULL; r = r->next)
		if (zc_pfx_eq(&r->pfx, p))
			return r;
	return NULL;
}

static void
zc_rehash(struct zclient *zc)
{
	size_t nb = zc->nbuckets * 4, i;
	struct zc_route **b, *r, *next;

	if ((b = table_alloc(nb, sizeof(*b))) == NULL)
		return; /* longer chains, still correct */
	for (i = 0; i < zc->nbuckets; i++)
		for (r = zc->buckets[i]; r != NULL; r = next) {
			next = r->next;
			r->next = b[zc_hash(&r->pfx, nb)];
			b[zc_hash(&r->pfx, nb)] = r;
		}
	free(zc->buckets);
	zc->buckets = b;
	zc->nbuckets = nb;
}

static void
zc_set_state(struct zc_route *r, enum zclient_route_state st)
{
	if (r->state != st) {
		r->state = st;
		r->changed_ms = loop_clock_ms();
	}
}

/* Normalizes a copy of p; -EINVAL for a bad family or length. */
static int
zc_norm(const struct rib_prefix *p, struct rib_prefix *out)
{
	*out = *p;
	if (p->family != AF_INET && p->family != AF_INET6)
		return -EINVAL;
	if (zc_alen(p->family) < 16)
		memset(out->addr + 4, 0, 12);
	return rib_prefix_normalize(out);
}

/* --- output queue -------------------------------------------------------- */

/* Room for at least `need` more bytes at otail.  NULL when out of memory. */
static uint8_t *
zc_reserve(struct zclient *zc, size_t need)
{
	size_t cap;
	uint8_t *b;

	if (zc->ohead == zc->otail)
		zc->ohead = zc->otail = 0;
	if (zc->ocap - zc->otail >= need)
		return zc->obuf + zc->otail;
	if (zc->ohead > 0) {
		memmove(zc->obuf, zc->obuf + zc->ohead, zc->otail - zc->ohead);
		zc->otail -= zc->ohead;
		zc->ohead = 0;
		if (zc->ocap - zc->otail >= need)
			return zc->obuf + zc->otail;
	}
	cap = zc->ocap ? zc->ocap : 65536;
	while (cap - zc->otail < need)
		cap *= 2;
	if ((b = realloc(zc->obuf, cap)) == NULL)
		return NULL;
	zc->obuf = b;
	zc->ocap = cap;
	return b + zc->otail;
}

/* Asks for EPOLLOUT while there is something to write. */
static void
zc_kick(struct zclient *zc)
{
	uint32_t ev = EPOLLIN;

	if (zc->conn == ZC_DOWN)
		return;
	if (zc->otail > zc->ohead)
		ev |= EPOLLOUT;
	(void)loop_io_mod(zc->loop, &zc->io, ev);
}

/* Encoder signature shared by the small messages. */
typedef int (*zc_enc_fn)(enum zapi_ver, uint8_t *, size_t, size_t *);

static int
zc_queue_simple(struct zclient *zc, zc_enc_fn fn)
{
	uint8_t *p = zc_reserve(zc, 64);
	size_t len;
	int err;

	if (p == NULL)
		return -ENOMEM;
	if ((err = fn(zc->ver, p, 64, &len)) != 0)
		return err;
	zc->otail += len;
	zc_kick(zc);
	return 0;
}

static int
zc_queue_gr(struct zclient *zc)
{
	uint8_t *p;
	size_t len;
	int err;

	if (zc->gr_off)
		return 0;
	if ((p = zc_reserve(zc, 64)) == NULL)
		return -ENOMEM;
	if ((err = zapi_gr_encode(zc->ver, zc->stale_s, p, 64, &len)) != 0)
		return err;
	zc->otail += len;
	return 0;
}

static int
zc_queue_update_complete(struct zclient *zc)
{
	uint32_t afi;
	uint8_t *p;
	size_t len;
	int err;

	for (afi = 1; afi <= 2; afi++) {
		if ((p = zc_reserve(zc, 64)) == NULL)
			return -ENOMEM;
		if ((err = zapi_update_complete_encode(
			 zc->ver, afi, 1, p, 64, &len)) != 0)
			return err;
		zc->otail += len;
	}
	zc_kick(zc);
	return 0;
}

static int
zc_queue_route(struct zclient *zc, const struct zc_route *r, bool add)
{
	struct zapi_route zr;
	uint8_t *p;
	size_t len;
	int err;

	memset(&zr, 0, sizeof(zr));
	zr.pfx = r->pfx;
	if (add) {
		memcpy(zr.nh, r->nh, r->n * sizeof(*r->nh));
		zr.nh_count = r->n;
	}
	zr.distance = zc->distance;
	zr.metric = r->metric;
	zr.tag = zc->tag;
	zr.table = zc->table;
	if ((p = zc_reserve(zc, ZAPI_ROUTE_MAX_LEN)) == NULL)
		return -ENOMEM;
	err = zapi_route_encode(zc->ver, add, &zr, p, ZAPI_ROUTE_MAX_LEN, &len);
	if (err != 0)
		return err;
	zc->otail += len;
	/*
	 * A burst (a peer's whole set, a replay) is encoded in one go: hand
	 * zebra the first part while the rest is encoded, so that zebra and
	 * the kernel start working at once.  Errors are left to zc_io_cb.
	 */
	zc->unflushed += len;
	if (zc->conn == ZC_UP && zc->unflushed >= ZC_EAGER_BYTES) {
		zc->unflushed = 0; /* one send() per ZC_EAGER_BYTES at most */
		(void)zc_flush(zc);
	}
	zc_kick(zc);
	return 0;
}

/* Sends (or re-sends) one wanted route. */
static void
zc_send_route(struct zclient *zc, struct zc_route *r)
{
	int err;

	if (zc->conn != ZC_UP) {
		zc_set_state(r, ZCLIENT_RS_QUEUED);
		return;
	}
	if ((err = zc_queue_route(zc, r, true)) != 0) {
		log_warn("zebra: cannot queue a route: %s", strerror(-err));
		zc_set_state(r, ZCLIENT_RS_QUEUED);
		return;
	}
	zc_set_state(r, ZCLIENT_RS_SENT);
}

/* Writes what the socket takes.  Returns 0 or -errno (connection lost). */
static int
zc_flush(struct zclient *zc)
{
	ssize_t w;

	while (zc->otail > zc->ohead) {
		w = send(zc->io.fd, zc->obuf + zc->ohead, zc->otail - zc->ohead,
		    MSG_NOSIGNAL | MSG_DONTWAIT);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				break;
			return -errno;
		}
		zc->ohead += (size_t)w;
	}
	if (zc->ohead == zc->otail)
		zc->ohead = zc->otail = 0;
	return 0;
}

/* --- session ------------------------------------------------------------- */

static void
zc_arm_retry(struct zclient *zc)
{
	loop_timer_arm(zc->loop, &zc->timer, loop_clock_ms() + zc->backoff_ms);
	zc->backoff_ms *= 2;
	if (zc->backoff_ms > ZC_BACKOFF_MAX_MS)
		zc->backoff_ms = ZC_BACKOFF_MAX_MS;
}

/* HELLO and the replay: the session is UP from here. */
static void
zc_session_start(struct zclient *zc)
{
	size_t i;
	struct zc_route *r;
	int err = 0;

	loop_timer_cancel(zc->loop, &zc->timer);
	zc->conn = ZC_UP;
	zc->connects++;
	err = zc_queue_simple(zc, zapi_hello_encode);
	if (err == 0 && !zapi_layout(zc->ver)->hello_receive_notify) {
		uint8_t *p = zc_reserve(zc, 64);
		size_t len;

		err = p == NULL ? -ENOMEM :
		    zapi_notify_request_encode(zc->ver, true, p, 64, &len);
		if (err == 0)
			zc->otail += len;
	}
	if (err == 0)
		err = zc_queue_gr(zc);
	if (err == 0)
		err = zc_queue_simple(zc, zapi_iface_request_encode);
	if (err != 0) {
		zc_disconnect(zc, strerror(-err));
		return;
	}
	log_info("zebra: session to %s up (FRR %s encoding), replaying %zu "
		 "routes",
	    zc->path, zapi_layout(zc->ver)->name, zc->nroutes);
	for (i = 0; i < zc->nbuckets; i++)
		for (r = zc->buckets[i]; r != NULL; r = r->next)
			zc_send_route(zc, r);
	if (zc->sync_done)
		(void)zc_queue_update_complete(zc);
	zc_kick(zc);
	if (zc->state_cb != NULL)
		zc->state_cb(true, zc->state_arg);
}

static void
zc_disconnect(struct zclient *zc, const char *why)
{
	struct zc_route *r;
	bool was_up = zc->conn == ZC_UP;
	size_t i;

	if (zc->conn == ZC_DOWN)
		return;
	log_warn("zebra: connection to %s lost: %s", zc->path, why);
	loop_io_del(zc->loop, &zc->io);
	close(zc->io.fd);
	zc->io.fd = -1;
	zc->conn = ZC_DOWN;
	zc->ohead = zc->otail = 0;
	zc->ilen = 0;
	zc->nifs = 0;
	zc->down_logged = true;
	if (zc->major == 0 || zc->major == 10)
		zc->ver_known = false; /* zebra may come back upgraded */
	for (i = 0; i < zc->nbuckets; i++)
		for (r = zc->buckets[i]; r != NULL; r = r->next)
			zc_set_state(r, ZCLIENT_RS_QUEUED);
	loop_timer_cancel(zc->loop, &zc->timer);
	zc_arm_retry(zc);
	if (was_up && zc->state_cb != NULL)
		zc->state_cb(false, zc->state_arg);
}

static void
zc_connect(struct zclient *zc)
{
	struct sockaddr_un sun;
	int fd, err;
	uint8_t *p;
	size_t len;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path, zc->path, strlen(zc->path));
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		err = errno;
		log_warn("zebra: socket: %s", strerror(err));
		zc_arm_retry(zc);
		return;
	}
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0 &&
	    errno != EINPROGRESS) {
		err = errno;
		close(fd);
		if (!zc->down_logged)
			log_info("zebra: cannot connect to %s: %s (retrying)",
			    zc->path, strerror(err));
		else
			log_debug(LOGM_ZEBRA, "zebra: connect %s: %s", zc->path,
			    strerror(err));
		zc->down_logged = true;
		zc_arm_retry(zc);
		return;
	}
	zc->io.fd = fd;
	zc->io.events = EPOLLIN;
	zc->io.cb = zc_io_cb;
	zc->io.arg = zc;
	if ((err = loop_io_add(zc->loop, &zc->io)) != 0) {
		close(fd);
		zc->io.fd = -1;
		log_warn("zebra: epoll: %s", strerror(-err));
		zc_arm_retry(zc);
		return;
	}
	zc->down_logged = false;
	zc->ilen = 0;
	if (zc->ver_known) {
		zc_session_start(zc);
		return;
	}
	/* the probe (note 2.6): its ERROR reply's number tells the version */
	zc->conn = ZC_PROBING;
	if ((p = zc_reserve(zc, 16)) == NULL ||
	    zapi_probe_encode(p, 16, &len) != 0) {
		zc_disconnect(zc, "out of memory");
		return;
	}
	zc->otail += len;
	zc_kick(zc);
	loop_timer_arm(zc->loop, &zc->timer, loop_clock_ms() + ZC_PROBE_TIMEOUT_MS);
	log_debug(LOGM_ZEBRA, "zebra: connected to %s, probing the version",
	    zc->path);
}

static void
zc_timer_cb(struct loop_timer *t, uint64_t now)
{
	struct zclient *zc = t->arg;

	if (zc->conn == ZC_DOWN) {
		zc_connect(zc);
		return;
	}
	if (zc->conn == ZC_PROBING) {
		zc->ver = zc->major == 10 ? ZAPI_V10_2 :
		    zc->major == 9 ? ZAPI_V9_1 : ZAPI_V8;
		zc->ver_known = true;
		log_warn("zebra: no answer to the version probe on %s; "
			 "assuming FRR %s",
		    zc->path, zapi_layout(zc->ver)->name);
		zc_session_start(zc);
	}
}

/* --- input --------------------------------------------------------------- */

static enum zclient_route_state
zc_note_state(uint32_t note)
{
	switch (note) {
	case ZAPI_NOTE_INSTALLED:
		return ZCLIENT_RS_INSTALLED;
	case ZAPI_NOTE_FAIL_INSTALL:
		return ZCLIENT_RS_FAILED;
	case ZAPI_NOTE_BETTER_ADMIN_WON:
		return ZCLIENT_RS_ADMIN_LOST;
	case ZAPI_NOTE_REMOVED:
		return ZCLIENT_RS_REMOVED;
	}
	return ZCLIENT_RS_NONE;
}

static const char *
zc_pfx_str(const struct rib_prefix *p, char *buf, size_t len)
{
	char a[64];

	if (inet_ntop(p->family, p->addr, a, sizeof(a)) == NULL)
		snprintf(a, sizeof(a), "?");
	snprintf(buf, len, "%s/%u", a, p->len);
	return buf;
}

static void
zc_on_notify(struct zclient *zc, const struct zapi_notify *n, uint64_t now)
{
	enum zclient_route_state st = zc_note_state(n->note);
	struct rib_prefix p;
	struct zc_route *r = NULL;
	char ps[80];

	zc->notes++;
	if (n->has_src)
		zc->ver = zapi_ver_refine(zc->ver, false, true);
	p = n->pfx;
	if (zc_norm(&n->pfx, &p) == 0)
		r = zc_find(zc, &p);
	/* one note per route: format the prefix only when it is logged */
	if (log_debug_on(LOGM_ZEBRA) || n->note == ZAPI_NOTE_FAIL_INSTALL ||
	    n->note == ZAPI_NOTE_REMOVE_FAIL)
		zc_pfx_str(&n->pfx, ps, sizeof(ps));
	log_debug(LOGM_ZEBRA, "zebra: route %s %s", ps, zapi_note_name(n->note));
	if (r == NULL) {
		st = ZCLIENT_RS_NONE; /* after our delete, or not ours */
		if (zc->withdraw_pending > 0 &&
		    (n->note == ZAPI_NOTE_REMOVED ||
			n->note == ZAPI_NOTE_REMOVE_FAIL))
			zc->withdraw_pending--;
	} else if (st == ZCLIENT_RS_REMOVED && r->state != ZCLIENT_RS_INSTALLED &&
	    r->state != ZCLIENT_RS_ADMIN_LOST) {
		st = r->state; /* about an older version we replaced */
	} else if (st != ZCLIENT_RS_NONE) {
		zc_set_state(r, st);
	}
	if (n->note == ZAPI_NOTE_FAIL_INSTALL ||
	    n->note == ZAPI_NOTE_REMOVE_FAIL)
		log_ratelimited(&zc->rl_note, now, LOG_LVL_WARNING,
		    "zebra: route %s: %s", ps, zapi_note_name(n->note));
	if (zc->route_cb != NULL)
		zc->route_cb(&p, st, n->note, zc->route_arg);
}

static struct zc_iface *
zc_iface_find(struct zclient *zc, uint32_t ifindex)
{
	size_t i;

	for (i = 0; i < zc->nifs; i++)
		if (zc->ifs[i].ifindex == ifindex)
			return &zc->ifs[i];
	return NULL;
}

static void
zc_resend_iface(struct zclient *zc, uint32_t ifindex)
{
	struct zc_route *r;
	size_t i, j, n = 0;

	for (i = 0; i < zc->nbuckets; i++)
		for (r = zc->buckets[i]; r != NULL; r = r->next)
			for (j = 0; j < r->n; j++)
				if ((uint32_t)r->nh[j].ifindex == ifindex) {
					zc_send_route(zc, r);
					n++;
					break;
				}
	if (n > 0)
		log_info("zebra: interface %u up, re-sent %zu routes", ifindex,
		    n);
}

static void
zc_on_iface(struct zclient *zc, enum zapi_cmd cmd, const struct zapi_iface *ifp)
{
	struct zc_iface *s = zc_iface_find(zc, ifp->ifindex), *v;
	enum zclient_iface_ev ev;
	bool known = s != NULL, was_up = known && s->up;

	if (cmd == ZAPI_C_INTERFACE_DELETE) {
		if (known)
			*s = zc->ifs[--zc->nifs];
		ev = ZCLIENT_IF_DELETE;
	} else {
		if (!known) {
			if (zc->nifs == zc->capifs) {
				size_t cap = zc->capifs ? zc->capifs * 2 : 16;

				v = realloc(zc->ifs, cap * sizeof(*v));
				if (v == NULL)
					return;
				zc->ifs = v;
				zc->capifs = cap;
			}
			s = &zc->ifs[zc->nifs++];
			s->ifindex = ifp->ifindex;
		}
		s->up = ifp->oper_up;
		if (!known && cmd == ZAPI_C_INTERFACE_ADD)
			ev = ZCLIENT_IF_ADD;
		else if (ifp->oper_up && !was_up)
			ev = ZCLIENT_IF_UP;
		else if (!ifp->oper_up && (was_up || !known))
			ev = ZCLIENT_IF_DOWN;
		else
			return; /* no change */
		/* 8.4 does not reinstall after a flap (note 3) */
		if (ev == ZCLIENT_IF_UP)
			zc_resend_iface(zc, ifp->ifindex);
	}
	log_debug(LOGM_ZEBRA, "zebra: interface %s (%u) %s flags 0x%llx",
	    ifp->name, ifp->ifindex,
	    ev == ZCLIENT_IF_ADD ? "add" :
	    ev == ZCLIENT_IF_UP ? "up" :
	    ev == ZCLIENT_IF_DOWN ? "down" : "delete",
	    (unsigned long long)ifp->flags);
	if (zc->iface_cb != NULL)
		zc->iface_cb(ifp, ev, zc->iface_arg);
}

static void
zc_on_msg(struct zclient *zc, const struct zapi_msg *m, uint64_t now)
{
	enum zapi_ver v;

	if (zc->conn == ZC_PROBING) {
		if (m->cmd != ZAPI_C_ERROR && m->cmd != ZAPI_C_UNKNOWN)
			return;
		if (zapi_ver_from_error(m->hdr.command, zc->major, &v) != 0) {
			log_warn("zebra: probe answered by command %u; "
				 "assuming FRR 8.4",
			    m->hdr.command);
			v = ZAPI_V8;
		} else if (zc->major == 8 || zc->major == 9) {
			v = zc->major == 9 ? ZAPI_V9_1 : ZAPI_V8;
		}
		zc->ver = v;
		zc->ver_known = true;
		zc_session_start(zc);
		return;
	}
	switch (m->cmd) {
	case ZAPI_C_CAPABILITIES:
		zc->ver = zapi_ver_refine(zc->ver, m->u.caps.vrf_u8, false);
		zc->backoff_ms = ZC_BACKOFF_MIN_MS; /* zebra took our HELLO */
		log_info("zebra: connected to %s (FRR %s encoding), ecmp %u",
		    zc->path, zapi_layout(zc->ver)->name, m->u.caps.ecmp);
		break;
	case ZAPI_C_ROUTE_NOTIFY_OWNER:
		zc_on_notify(zc, &m->u.notify, now);
		break;
	case ZAPI_C_INTERFACE_ADD:
	case ZAPI_C_INTERFACE_DELETE:
	case ZAPI_C_INTERFACE_UP:
	case ZAPI_C_INTERFACE_DOWN:
		zc_on_iface(zc, m->cmd, &m->u.iface);
		break;
	case ZAPI_C_ERROR:
		log_ratelimited(&zc->rl_err, now, LOG_LVL_WARNING,
		    "zebra: error %u from zebra (a message it did not take)",
		    m->u.error);
		break;
	default:
		break;
	}
}

static void
zc_read(struct zclient *zc, uint64_t now)
{
	struct zapi_msg m;
	struct zapi_hdr h;
	char err[128];
	size_t off;
	ssize_t n;
	int rounds, e;

	for (rounds = 0; rounds < 64 && zc->conn != ZC_DOWN; rounds++) {
		n = read(zc->io.fd, zc->ibuf + zc->ilen, ZC_IBUF_SIZE - zc->ilen);
		if (n == 0) {
			zc_disconnect(zc, "closed by zebra");
			return;
		}
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return;
			zc_disconnect(zc, strerror(errno));
			return;
		}
		zc->ilen += (size_t)n;
		off = 0;
		while (zc->conn != ZC_DOWN) {
			e = zapi_hdr_decode(
			    zc->ibuf + off, zc->ilen - off, &h, err, sizeof(err));
			if (e == -EAGAIN)
				break;
			if (e != 0) {
				zc_disconnect(zc, err);
				return;
			}
			e = zapi_msg_decode(zc->ver, zc->ibuf + off, h.length,
			    &m, err, sizeof(err));
			if (e != 0)
				log_ratelimited(&zc->rl_err, now,
				    LOG_LVL_WARNING,
				    "zebra: bad %s message (%u bytes): %s",
				    zapi_cmd_name(zapi_cmd_of(
					zc->ver, h.command)),
				    h.length, err);
			else
				zc_on_msg(zc, &m, now);
			off += h.length;
		}
		if (zc->conn == ZC_DOWN)
			return;
		memmove(zc->ibuf, zc->ibuf + off, zc->ilen - off);
		zc->ilen -= off;
	}
}

static void
zc_io_cb(struct loop_io *io, uint32_t revents, uint64_t now)
{
	struct zclient *zc = io->arg;
	int err;

	if (revents & (EPOLLIN | EPOLLHUP | EPOLLERR))
		zc_read(zc, now);
	if (zc->conn == ZC_DOWN)
		return;
	if (revents & EPOLLOUT) {
		if ((err = zc_flush(zc)) != 0) {
			zc_disconnect(zc, strerror(-err));
			return;
		}
		zc_kick(zc);
	}
}

/* --- API ----------------------------------------------------------------- */

int
zclient_new(struct loop *loop, const char *path, int zversion,
    uint8_t distance, struct zclient **out)
{
	struct zclient *zc;

	if (path == NULL || path[0] == '\0')
		path = ZCLIENT_PATH_DEFAULT;
	if (strlen(path) >= sizeof(zc->path) ||
	    (zversion != 0 && zversion != 8 && zversion != 9 &&
		zversion != 10))
		return -EINVAL;
	if ((zc = calloc(1, sizeof(*zc))) == NULL)
		return -ENOMEM;
	zc->ibuf = malloc(ZC_IBUF_SIZE);
	zc->buckets = calloc(ZC_HASH_MIN, sizeof(*zc->buckets));
	if (zc->ibuf == NULL || zc->buckets == NULL) {
		free(zc->ibuf);
		free(zc->buckets);
		free(zc);
		return -ENOMEM;
	}
	zc->nbuckets = ZC_HASH_MIN;
	zc->loop = loop;
	snprintf(zc->path, sizeof(zc->path), "%s", path);
	zc->major = zversion;
	if (zversion == 8 || zversion == 9) {
		zc->ver = zversion == 9 ? ZAPI_V9_1 : ZAPI_V8;
		zc->ver_known = true;
	}
	zc->distance = distance ? distance : ZCLIENT_DISTANCE_DEFAULT;
	zc->stale_s = ZCLIENT_STALE_DEFAULT_S;
	zc->io.fd = -1;
	zc->backoff_ms = ZC_BACKOFF_MIN_MS;
	zc->rl_note = (struct log_ratelimit)LOG_RATELIMIT_INIT(10000, 10);
	zc->rl_err = (struct log_ratelimit)LOG_RATELIMIT_INIT(10000, 10);
	loop_timer_init(&zc->timer, zc_timer_cb, zc);
	loop_timer_arm(loop, &zc->timer, loop_clock_ms());
	*out = zc;
	return 0;
}

void
zclient_set_table(struct zclient *zc, uint32_t table)
{
	zc->table = table;
}

void
zclient_set_tag(struct zclient *zc, uint32_t tag)
{
	zc->tag = tag;
}

void
zclient_set_graceful_restart(struct zclient *zc, bool on)
{
	zc->gr_off = !on;
}

void
zclient_set_stale_time(struct zclient *zc, uint32_t seconds)
{
	zc->stale_s = seconds ? seconds : ZCLIENT_STALE_DEFAULT_S;
}

void
zclient_set_state_cb(
    struct zclient *zc, void (*cb)(bool connected, void *arg), void *arg)
{
	zc->state_cb = cb;
	zc->state_arg = arg;
}

void
zclient_set_iface_cb(struct zclient *zc,
    void (*cb)(const struct zapi_iface *, enum zclient_iface_ev, void *),
    void *arg)
{
	zc->iface_cb = cb;
	zc->iface_arg = arg;
}

void
zclient_set_route_cb(struct zclient *zc,
    void (*cb)(const struct rib_prefix *, enum zclient_route_state, uint32_t,
	void *),
    void *arg)
{
	zc->route_cb = cb;
	zc->route_arg = arg;
}

static bool
zc_same(const struct zc_route *r, const struct rib_nexthop *nh, size_t n,
    uint32_t metric)
{
	size_t i;

	if (r->n != n || r->metric != metric)
		return false;
	for (i = 0; i < n; i++)
		if (r->nh[i].ifindex != nh[i].ifindex ||
		    r->nh[i].gw_family != nh[i].gw_family ||
		    (nh[i].gw_family != 0 &&
			memcmp(r->nh[i].gw, nh[i].gw,
			    zc_alen(nh[i].gw_family)) != 0))
			return false;
	return true;
}

int
zclient_route_set(struct zclient *zc, const struct rib_prefix *p,
    const struct rib_nexthop *nh, size_t n, uint32_t metric)
{
	struct rib_prefix k;
	struct rib_nexthop *v;
	struct zc_route *r;
	size_t i, b;

	if (n == 0 || n > ZAPI_NH_MAX || zc_norm(p, &k) != 0)
		return -EINVAL;
	for (i = 0; i < n; i++)
		if (nh[i].ifindex <= 0 ||
		    (nh[i].gw_family != 0 && nh[i].gw_family != AF_INET &&
			nh[i].gw_family != AF_INET6))
			return -EINVAL;
	if ((r = zc_find(zc, &k)) != NULL) {
		if (zc_same(r, nh, n, metric) &&
		    r->state != ZCLIENT_RS_FAILED &&
		    r->state != ZCLIENT_RS_REMOVED)
			return 0;
		if (r->n != n) {
			if (n == 1)
				v = &r->nh1;
			else if ((v = malloc(n * sizeof(*v))) == NULL)
				return -ENOMEM;
			zc_route_free_nh(r);
			r->nh = v;
		}
	} else {
		if ((r = calloc(1, sizeof(*r))) == NULL)
			return -ENOMEM;
		if (n == 1)
			r->nh = &r->nh1;
		else if ((r->nh = malloc(n * sizeof(*nh))) == NULL) {
			free(r);
			return -ENOMEM;
		}
		r->pfx = k;
		b = zc_hash(&k, zc->nbuckets);
		r->next = zc->buckets[b];
		zc->buckets[b] = r;
		if (++zc->nroutes > zc->nbuckets)
			zc_rehash(zc);
	}
	memcpy(r->nh, nh, n * sizeof(*nh));
	r->n = n;
	r->metric = metric;
	zc_send_route(zc, r);
	return 0;
}

int
zclient_route_del(struct zclient *zc, const struct rib_prefix *p)
{
	struct zc_route **pp, *r;
	struct rib_prefix k;
	int err;

	if (zc_norm(p, &k) != 0)
		return -EINVAL;
	for (pp = &zc->buckets[zc_hash(&k, zc->nbuckets)]; *pp != NULL;
	     pp = &(*pp)->next)
		if (zc_pfx_eq(&(*pp)->pfx, &k))
			break;
	if ((r = *pp) == NULL)
		return -ENOENT;
	/*
	 * Not connected: nothing to send; zebra drops the route when we come
	 * back and end the replay with UPDATE_COMPLETE.
	 */
	if (zc->conn == ZC_UP && (err = zc_queue_route(zc, r, false)) != 0)
		log_warn("zebra: cannot queue a delete: %s", strerror(-err));
	*pp = r->next;
	zc->nroutes--;
	zc_route_free_nh(r);
	free(r);
	return 0;
}

enum zclient_route_state
zclient_route_state(const struct zclient *zc, const struct rib_prefix *p)
{
	struct rib_prefix k;
	const struct zc_route *r;

	if (zc_norm(p, &k) != 0 || (r = zc_find(zc, &k)) == NULL)
		return ZCLIENT_RS_NONE;
	return r->state;
}

void
zclient_walk_routes(const struct zclient *zc,
    void (*cb)(const struct zclient_route_info *ri, void *arg), void *arg)
{
	struct zclient_route_info ri;
	const struct zc_route *r;
	size_t i;

	for (i = 0; i < zc->nbuckets; i++)
		for (r = zc->buckets[i]; r != NULL; r = r->next) {
			ri.pfx = &r->pfx;
			ri.nh = r->nh;
			ri.nh_count = r->n;
			ri.metric = r->metric;
			ri.state = r->state;
			ri.changed_ms = r->changed_ms;
			cb(&ri, arg);
		}
}

void
zclient_update_complete(struct zclient *zc)
{
	bool was = zc->sync_done;

	zc->sync_done = true;
	if (!was && zc->conn == ZC_UP)
		(void)zc_queue_update_complete(zc);
}

/*
 * Hitless restart (restart.c): graceful restart on, announced now, and
 * written before the caller execs.  zebra then keeps our routes for
 * stale_s seconds after the connection closes; the successor re-adds them
 * and ends with UPDATE_COMPLETE.
 */
#define ZCLIENT_HANDOFF_MS 200

static void zc_drain(struct zclient *zc, uint64_t ms, bool answers);

int
zclient_restart_handoff(struct zclient *zc, uint32_t stale_s)
{
	int err;

	zc->gr_off = false;
	zc->stale_s = stale_s ? stale_s : ZCLIENT_STALE_DEFAULT_S;
	if (zc->conn != ZC_UP)
		return -ENOTCONN;
	if ((err = zc_queue_gr(zc)) != 0)
		return err;
	/* Written, not answered: nothing from zebra is awaited here. */
	zc_drain(zc, ZCLIENT_HANDOFF_MS, false);
	return zc->ohead == zc->otail ? 0 : -EAGAIN;
}

/*
 * After a restart's UPDATE_COMPLETE: graceful restart off again, so that
 * a crash (which takes the TUN devices with it) flushes our routes.
 */
void
zclient_gr_off(struct zclient *zc)
{
	bool was_on = !zc->gr_off;

	zc->gr_off = true;
	if (was_on && zc->conn == ZC_UP) {
		(void)zc_queue_simple(zc, zapi_gr_disable_encode);
		zc_kick(zc);
	}
}

bool
zclient_connected(const struct zclient *zc)
{
	return zc->conn == ZC_UP;
}

void
zclient_get_stats(const struct zclient *zc, struct zclient_stats *st)
{
	const struct zc_route *r;
	size_t i;

	memset(st, 0, sizeof(*st));
	st->connected = zc->conn == ZC_UP;
	st->version = zc->ver_known ? zapi_layout(zc->ver)->name : NULL;
	st->routes = zc->nroutes;
	for (i = 0; i < zc->nbuckets; i++)
		for (r = zc->buckets[i]; r != NULL; r = r->next)
			st->by_state[r->state]++;
	st->connects = zc->connects;
	st->notes = zc->notes;
	st->queued_bytes = zc->otail - zc->ohead;
}

/*
 * Blocks until the queue is written and, with answers, until zebra has
 * answered every delete (zebra drops what it has not processed when the
 * socket closes, and with GR on it would keep those routes), or ms passed.
 */
/* Bytes still to write, or (answers) deletes zebra has not answered. */
static bool
zc_pending(const struct zclient *zc, bool answers)
{
	return zc->otail > zc->ohead || (answers && zc->withdraw_pending > 0);
}

static void
zc_drain(struct zclient *zc, uint64_t ms, bool answers)
{
	uint64_t end = loop_clock_ms() + ms, now;
	struct pollfd pfd = {.fd = zc->io.fd};

	while (zc->conn != ZC_DOWN && zc_pending(zc, answers)) {
		if (zc_flush(zc) != 0 || !zc_pending(zc, answers))
			return; /* nothing left to wait for: no poll */
		now = loop_clock_ms();
		if (now >= end) {
			log_warn("zebra: %zu withdrawals unanswered, %zu bytes "
				 "unwritten at exit",
			    zc->withdraw_pending, zc->otail - zc->ohead);
			return;
		}
		pfd.events = POLLIN | (zc->otail > zc->ohead ? POLLOUT : 0);
		if (poll(&pfd, 1, (int)(end - now)) > 0 &&
		    (pfd.revents & (POLLIN | POLLHUP | POLLERR)))
			zc_read(zc, now);
	}
}

static void
zc_free_routes(struct zclient *zc)
{
	struct zc_route *r, *next;
	size_t i;

	for (i = 0; i < zc->nbuckets; i++) {
		for (r = zc->buckets[i]; r != NULL; r = next) {
			next = r->next;
			zc_route_free_nh(r);
			free(r);
		}
		zc->buckets[i] = NULL;
	}
	zc->nroutes = 0;
}

void
zclient_free(struct zclient *zc, bool withdraw)
{
	struct zc_route *r;
	size_t i, n = 0;

	if (zc == NULL)
		return;
	zc->state_cb = NULL;
	zc->iface_cb = NULL;
	zc->route_cb = NULL;
	if (withdraw && zc->conn == ZC_UP) {
		/* GR off first: whatever we fail to delete goes on close */
		(void)zc_queue_simple(zc, zapi_gr_disable_encode);
		for (i = 0; i < zc->nbuckets; i++)
			for (r = zc->buckets[i]; r != NULL; r = r->next)
				if (zc_queue_route(zc, r, false) == 0)
					n++;
		zc_free_routes(zc);
		zc->withdraw_pending = n;
		zc_drain(zc, ZCLIENT_DRAIN_MS, true);
		log_info("zebra: withdrew %zu routes", n - zc->withdraw_pending);
	}
	if (zc->io.fd >= 0) {
		loop_io_del(zc->loop, &zc->io);
		close(zc->io.fd);
	}
	loop_timer_cancel(zc->loop, &zc->timer);
	zc_free_routes(zc);
	free(zc->buckets);
	free(zc->ifs);
	free(zc->obuf);
	free(zc->ibuf);
	free(zc);
}
