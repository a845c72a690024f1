/* SPDX-License-Identifier: ISC */
/*
 * DOC: adjacencies, route decisions and kernel routes, wired together
 *
 * adj.c is a pure state machine and rib.c a pure decision table; this file
 * gives them sockets, timers and the kernel:
 *
 *  - one UDP socket per point-to-point tunnel, bound to our inner address
 *    and the adjacency port; on a hub one socket on the multipoint
 *    interface's inner address serves every spoke, and a datagram is
 *    matched to its spoke by the source inner address (the neighbour
 *    table), so 10,000 spokes cost one socket;
 *  - one loop timer per adjacency, armed at adj_next_deadline();
 *  - adjacency facts flow one way into the RIB: UP -> rib_peer_up, a
 *    complete prefix set -> rib_peer_routes, leaving UP -> rib_peer_down;
 *    after every change gripd_rib_sync() pushes the planned kernel
 *    operations (adds before deletes) through kroute;
 *  - on a hub, every accepted spoke prefix is also entered in the
 *    multipoint datapath's LPM (mproutes.c), before the RIB, so packets
 *    the kernel routes into grip-mp reach that spoke;
 *  - tunnel and underlay events take adjacencies down at once, and a
 *    tracked interface going down empties what a hub advertises.
 *
 * Graceful shutdown sends GOODBYE to every neighbour and keeps forwarding
 * for GRIPD_DRAIN_MS, so neighbours switch to their other hub before this
 * one stops carrying their traffic: zero loss for planned maintenance.
 *
 * Graceful restart (docs/routing.md): before a hitless restart we send
 * GOODBYE "restarting" (adjd_restart_goodbye) and keep our own routes; as a
 * helper we keep a restarting neighbour's routes, stale (rib_peer_stale),
 * until its new incarnation sends a complete set, or withdraw them when the
 * adjacency says the restart expired or was cut short (op_restart).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <gripd/log.h>

#include "addr.h"
#include "daemon.h"
#include "kroute.h"
#include "rib.h"
#include "zclient.h"

#define GRIPD_DRAIN_MS 300
#define ADJD_REFUSED_LOGGED_MAX 64

static const char *
ip_str(const struct tunnel_ip *ip, char *buf, size_t len)
{
	if (ip->family == 0)
		return "-";
	return inet_ntop(ip->family, ip->u.b, buf, (socklen_t)len);
}

int
peer_inner(const struct gripd *d, const struct peer *p, struct tunnel_ip *ours,
    struct tunnel_ip *theirs)
{
	const struct conf_site *s = d->conf->site;

	memset(ours, 0, sizeof(*ours));
	memset(theirs, 0, sizeof(*theirs));
	if (p->hub) {
		if (p->hub->peer4.family) {
			addr_from_conf(&p->hub->tun4.addr, ours);
			addr_from_conf(&p->hub->peer4, theirs);
		} else {
			addr_from_conf(&p->hub->tun6.addr, ours);
			addr_from_conf(&p->hub->peer6, theirs);
		}
	} else if (p->spoke->p2p) {
		if (p->spoke->p2p_peer4.family) {
			addr_from_conf(&p->spoke->p2p_tun4.addr, ours);
			addr_from_conf(&p->spoke->p2p_peer4, theirs);
		} else {
			addr_from_conf(&p->spoke->p2p_tun6.addr, ours);
			addr_from_conf(&p->spoke->p2p_peer6, theirs);
		}
	} else if (p->spoke->tun4.family && s->mp_tun4.addr.family) {
		addr_from_conf(&s->mp_tun4.addr, ours);
		addr_from_conf(&p->spoke->tun4, theirs);
	} else {
		addr_from_conf(&s->mp_tun6.addr, ours);
		addr_from_conf(&p->spoke->tun6, theirs);
	}
	return ours->family && theirs->family == ours->family ? 0 : -ENOENT;
}

#define ADJ_SOCK_BUF (4 << 20) /* bytes, both ways; the kernel doubles it */

static int
open_sock(const struct tunnel_ip *local, uint16_t port)
{
	struct sockaddr_storage ss;
	int one = 1, fd;
	socklen_t len = addr_to_sockaddr(local, port, &ss);

	fd = socket(local->family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	/* The inner address appears when the tunnel is created, maybe later. */
	setsockopt(fd, local->family == AF_INET ? IPPROTO_IP : IPPROTO_IPV6,
	    local->family == AF_INET ? IP_FREEBIND : IPV6_FREEBIND, &one,
	    sizeof(one));
	/*
	 * A peer's UPDATE comes as a burst of up to MTU-sized fragments (105
	 * for 10,000 /32s), and the datapath threads hand them over faster
	 * than the main loop takes them: with the default 208 KB a burst of
	 * ~90 overflows and waits for the 200 ms retransmission.  FORCE needs
	 * CAP_NET_ADMIN (kept); otherwise up to net.core.[rw]mem_max.
	 */
	int sz = ADJ_SOCK_BUF;
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &sz, sizeof(sz)) < 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
	if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &sz, sizeof(sz)) < 0)
		setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz));
	/* Hellos are control traffic: ahead of data in every queue. */
	int tos = 0xc0; /* CS6, RFC 4594 network control */
	if (local->family == AF_INET)
		setsockopt(fd, IPPROTO_IP, IP_TOS, &tos, sizeof(tos));
	else
		setsockopt(fd, IPPROTO_IPV6, IPV6_TCLASS, &tos, sizeof(tos));
	int prio = 6;
	setsockopt(fd, SOL_SOCKET, SO_PRIORITY, &prio, sizeof(prio));
	if (bind(fd, (struct sockaddr *)&ss, len) < 0) {
		int e = -errno;
		close(fd);
		return e;
	}
	return fd;
}

/* --- RIB to kernel -------------------------------------------------------- */

/*
 * zebra holds one route per prefix per client: the best candidates (ECMP
 * when several).  A withdrawal of the best is one ROUTE_ADD with the next
 * candidate; zebra and the kernel do the rest.
 */
static void
zebra_sync_prefix(struct rib *rib, struct zclient *zc,
    const struct rib_prefix *p)
{
	struct rib_cand c[FIB_NH_MAX];
	struct rib_nexthop nh[FIB_NH_MAX];
	size_t n = rib_cands(rib, p, c, FIB_NH_MAX), k = 0;
	uint32_t metric = 0;

	for (size_t i = 0; i < n && i < FIB_NH_MAX; i++) {
		if (!c[i].best)
			continue;
		nh[k++] = c[i].nh;
		metric = c[i].metric;
	}
	if (k > 0)
		zclient_route_set(zc, p, nh, k, metric);
	else
		zclient_route_del(zc, p);
}

void
gripd_rib_sync_zebra(struct rib *rib, struct zclient *zc)
{
	struct rib_prefix pfx[64];
	struct fib_op ops[FIB_OPS_MAX];
	size_t n;

	while ((n = rib_dirty(rib, pfx, 64)) > 0) {
		for (size_t i = 0; i < n; i++) {
			zebra_sync_prefix(rib, zc, &pfx[i]);
			/*
			 * Keep the RIB's record of what is installed in step
			 * (as if applied): the RIB forgets a prefix only once
			 * its withdrawal was planned and done, so the delete
			 * above is never skipped.
			 */
			int nops = rib_fib_plan(rib, &pfx[i], ops, FIB_OPS_MAX);
			for (int k = 0; k < nops; k++)
				rib_fib_done(rib, &pfx[i], &ops[k], 0);
		}
	}
}

void
gripd_rib_sync(struct gripd *d, uint64_t now)
{
	struct rib_prefix pfx[64];
	struct fib_op ops[FIB_OPS_MAX];
	size_t n;

	if (d->rib == NULL)
		return;
	if (d->zc != NULL)
		gripd_rib_sync_zebra(d->rib, d->zc);
	while ((n = rib_dirty(d->rib, pfx, 64)) > 0) {
		for (size_t i = 0; i < n; i++) {
			int nops = rib_fib_plan(d->rib, &pfx[i], ops, FIB_OPS_MAX);
			for (int k = 0; k < nops; k++) {
				int err = d->kr ? kroute_apply(d->kr, &pfx[i], &ops[k]) : 0;
				if (err < 0 && err != -ESRCH && err != -ENOENT) {
					char b[INET6_ADDRSTRLEN];
					log_warn("rib: %s/%u: kernel %s at metric %u "
						 "failed: %s",
					    inet_ntop(pfx[i].family, pfx[i].addr, b, sizeof(b)),
					    pfx[i].len, ops[k].type == FIB_OP_SET ?
					    "add" : "delete", ops[k].route.metric,
					    strerror(-err));
				}
				rib_fib_done(d->rib, &pfx[i], &ops[k], err);
			}
		}
	}
	uint64_t dl = rib_next_deadline(d->rib);
	if (dl != RIB_NO_DEADLINE)
		loop_timer_arm(d->loop, &d->rib_timer, dl);
	else
		loop_timer_cancel(d->loop, &d->rib_timer);
}

static void
rib_timer_cb(struct loop_timer *t, uint64_t now)
{
	struct gripd *d = t->arg;

	if (rib_timers(d->rib, now) > 0)
		log_info("rib: failback hold-down over, preferred paths restored");
	gripd_rib_sync(d, now);
}

/* --- adjacency ops ------------------------------------------------------------ */

static void
adj_rearm(struct gripd *d, struct peer *p)
{
	uint64_t dl = adj_next_deadline(&p->adj);

	if (dl == UINT64_MAX)
		loop_timer_cancel(d->loop, &p->adj_timer);
	else
		loop_timer_arm(d->loop, &p->adj_timer, dl);
}

static int
op_send(struct adj *adj, const uint8_t *buf, size_t len, void *arg)
{
	struct peer *p = arg;
	int fd = p->sock >= 0 ? p->sock : p->d->mp_sock;

	if (fd < 0)
		return -ENOTCONN;
	if (sendto(fd, buf, len, MSG_DONTWAIT, (const struct sockaddr *)&adj->peer,
	    adj->peer_len) < 0)
		return -errno;
	return 0;
}

static void
op_state(struct adj *adj, enum adj_state from, enum adj_state to,
    const char *reason, void *arg)
{
	struct peer *p = arg;
	struct gripd *d = p->d;
	uint64_t now = loop_clock_ms();

	log_info("%s: adjacency %s -> %s (%s)", adj->name, adj_state_name(from),
	    adj_state_name(to), reason);
	if (d->rib == NULL)
		return;
	if (to == ADJ_UP)
		rib_peer_up(d->rib, p->id, now);
	else if (from == ADJ_UP && !adj->gr_helping && !adj->restarting)
		rib_peer_down(d->rib, p->id, now);
	/* graceful restart: kept; op_restart decides when they go */
	gripd_rib_sync(d, now);
}

/* The adjacency's prefixes as the RIB takes them; NULL when n is 0. */
static struct rib_adv *
rib_advs(const struct adj_prefix *v, size_t n)
{
	struct rib_adv *rv = n ? calloc(n, sizeof(*rv)) : NULL;

	for (size_t i = 0; rv && i < n; i++) {
		rv[i].pfx.family = v[i].family;
		rv[i].pfx.len = v[i].plen;
		memcpy(rv[i].pfx.addr, v[i].addr.b, 16);
		rv[i].metric = v[i].metric;
	}
	return rv;
}

static void
op_routes(struct adj *adj, const struct adj_prefix *v, size_t n, void *arg)
{
	struct peer *p = arg;
	struct gripd *d = p->d;
	uint64_t now = loop_clock_ms();
	struct rib_adv *rv = rib_advs(v, n);

	if (n && rv == NULL) {
		log_err("%s: out of memory for %zu prefixes", adj->name, n);
		return;
	}
	/* the moment the peer's set is complete (bench/inject.sh reads it) */
	if (adj->state == ADJ_UP)
		log_info("%s: UPDATE %u complete: %zu prefixes, %llu refused",
		    adj->name, (unsigned)adj->peer_version, n,
		    (unsigned long long)adj->prefixes_refused);
	/* Hub, multipoint: the datapath first. */
	if (p->nbr_added && d->mp_dt)
		mproutes_update(d, p, v, n);
	/*
	 * Leaving UP, the adjacency reports an empty set after the state
	 * change; rib_peer_down already withdrew everything, and feeding the
	 * empty set would bring the peer "up" again in the RIB.
	 */
	if (d->rib && adj->state == ADJ_UP) {
		int r = rib_peer_routes(d->rib, p->id, rv, n, now);
		if (r < 0)
			log_warn("%s: prefixes not taken: %s", adj->name, strerror(-r));
	}
	free(rv);
	log_debug(LOGM_ADJACENCY, "%s: %zu prefixes received", adj->name, n);
	gripd_rib_sync(d, now);
}

/* Graceful-restart helper (adj.h): the one place stale routes are decided. */
static void
op_restart(struct adj *adj, enum adj_gr_event ev, const char *reason,
    void *arg)
{
	struct peer *p = arg;
	struct gripd *d = p->d;
	uint64_t now = loop_clock_ms();
	char rid[INET_ADDRSTRLEN];
	struct in_addr ra = { .s_addr = htonl(adj->gr_old_router_id) };
	int n;

	switch (ev) {
	case ADJ_GR_BEGIN:
		n = d->rib ? rib_peer_stale(d->rib, p->id, now) : 0;
		p->gr_stale_routes = n > 0 ? (size_t)n : 0;
		log_notice("%s: neighbour restarting (router-id %s): keeping %zu "
			   "routes for %u s", adj->name,
		    inet_ntop(AF_INET, &ra, rid, sizeof(rid)), p->gr_stale_routes,
		    adj->gr_peer_time);
		return;
	case ADJ_GR_COMPLETE:
		log_notice("%s: restart complete: %zu routes in the new set "
			   "replace %zu stale ones after %llu ms", adj->name,
		    adj->peer_n, p->gr_stale_routes,
		    (unsigned long long)(now - adj->gr_since));
		p->gr_stale_routes = 0;
		return;
	case ADJ_GR_EXPIRED:
		log_warn("%s: restart time expired: withdrawing %zu stale routes "
			 "(no complete set within %u s)", adj->name,
		    p->gr_stale_routes, adj->gr_peer_time);
		break;
	default:
		log_notice("%s: restart aborted (%s): withdrawing %zu stale routes",
		    adj->name, reason, p->gr_stale_routes);
		break;
	}
	p->gr_stale_routes = 0;
	mproutes_clear(d, p);
	if (d->rib) {
		rib_peer_down(d->rib, p->id, now);
		gripd_rib_sync(d, now);
	}
}

static bool
op_accept(struct adj *adj, const struct adj_prefix *ap, void *arg)
{
	struct peer *p = arg;

	if (p->spoke == NULL)
		return true; /* a spoke takes what its hubs advertise */
	struct rib_prefix rp = { .family = ap->family, .len = ap->plen };
	memcpy(rp.addr, ap->addr.b, 16);
	bool ok = false;
	for (size_t i = 0; i < p->spoke->nallows && !ok; i++) {
		const struct conf_allow *ca = &p->spoke->allows[i];
		struct rib_allow ra = { .ge = ca->ge, .le = ca->le };
		ra.pfx.family = ca->pfx.addr.family;
		ra.pfx.len = ca->pfx.len;
		memcpy(ra.pfx.addr, ca->pfx.addr.a, 16);
		ok = rib_allow_match(&ra, 1, &rp);
	}
	if (!ok) {
		/* Logged once per prefix per adjacency lifetime (rate-limited
		 * by the refused counter: the first 64 distinct ones). */
		if (adj->prefixes_refused < ADJD_REFUSED_LOGGED_MAX) {
			char b[INET6_ADDRSTRLEN];
			log_warn("%s: refused %s/%u: not allowed by its site file",
			    adj->name, inet_ntop(ap->family, ap->addr.b, b, sizeof(b)),
			    ap->plen);
		}
	}
	return ok;
}

static uint32_t
op_rand(void *arg)
{
	return (uint32_t)random();
}

static const struct adj_ops adjd_ops = {
	.send = op_send,
	.state_change = op_state,
	.routes = op_routes,
	.accept = op_accept,
	.rand = op_rand,
	.restart = op_restart,
};

static void
adj_timer_cb(struct loop_timer *t, uint64_t now)
{
	struct peer *p = t->arg;

	adj_timers(&p->adj, now);
	adj_rearm(p->d, p);
}

/* Our advertised set: the site's `advertise` lines, none while tracking. */
static size_t
our_prefixes(struct gripd *d, struct adj_prefix **out)
{
	const struct conf_site *s = d->conf->site;
	size_t n = 0;

	*out = NULL;
	if (d->tracked_down || s->nadverts == 0)
		return 0;
	struct adj_prefix *v = calloc(s->nadverts * 2, sizeof(*v));
	if (v == NULL)
		return 0;
	for (size_t i = 0; i < s->nadverts; i++) {
		const struct conf_advert *a = &s->adverts[i];
		if (a->is_default) {
			bool v4 = s->mp_tun4.addr.family || s->local4.family ||
			    s->mp_tun6.addr.family == 0;
			if (v4) {
				v[n].family = AF_INET;
				v[n].plen = 0;
				v[n++].metric = a->metric;
			}
			if (s->mp_tun6.addr.family) {
				v[n].family = AF_INET6;
				v[n].plen = 0;
				v[n++].metric = a->metric;
			}
			continue;
		}
		v[n].family = (uint8_t)a->pfx.addr.family;
		v[n].plen = (uint8_t)a->pfx.len;
		v[n].metric = a->metric;
		memcpy(v[n].addr.b, a->pfx.addr.a, a->pfx.addr.family == AF_INET ? 4 : 16);
		n++;
	}
	*out = v;
	return n;
}

void
adjd_advertise(struct gripd *d, uint64_t now)
{
	struct adj_prefix *v;
	size_t n = our_prefixes(d, &v);

	for (struct peer *p = d->peers; p; p = p->next) {
		if (!p->adj_on)
			continue;
		adj_set_prefixes(&p->adj, v, n, now);
		adj_rearm(d, p);
	}
	free(v);
}

static void
adj_input_from(struct gripd *d, struct peer *p, const uint8_t *buf, size_t len,
    uint64_t now)
{
	if (!p->adj_on)
		return;
	adj_input(&p->adj, buf, len, now);
	adj_rearm(d, p);
}

static void
p2p_sock_cb(struct loop_io *io, uint32_t revents, uint64_t now)
{
	struct peer *p = io->arg;
	uint8_t buf[ADJ_MSG_MAX];
	struct sockaddr_storage from;

	for (int i = 0; i < 64; i++) {
		socklen_t fl = sizeof(from);
		ssize_t n = recvfrom(io->fd, buf, sizeof(buf), MSG_DONTWAIT,
		    (struct sockaddr *)&from, &fl);
		if (n < 0)
			return;
		/* Only the neighbour's inner address may speak here. */
		if (from.ss_family != p->adj.peer.ss_family ||
		    (from.ss_family == AF_INET &&
		    ((struct sockaddr_in *)&from)->sin_addr.s_addr !=
		    ((struct sockaddr_in *)&p->adj.peer)->sin_addr.s_addr) ||
		    (from.ss_family == AF_INET6 &&
		    memcmp(&((struct sockaddr_in6 *)&from)->sin6_addr,
		    &((struct sockaddr_in6 *)&p->adj.peer)->sin6_addr, 16) != 0)) {
			p->adj.c.ignored++;
			continue;
		}
		adj_input_from(p->d, p, buf, (size_t)n, now);
	}
}

static void
mp_sock_cb(struct loop_io *io, uint32_t revents, uint64_t now)
{
	struct gripd *d = io->arg;
	uint8_t buf[ADJ_MSG_MAX];
	struct sockaddr_storage from;

	for (int i = 0; i < 256; i++) {
		socklen_t fl = sizeof(from);
		ssize_t n = recvfrom(io->fd, buf, sizeof(buf), MSG_DONTWAIT,
		    (struct sockaddr *)&from, &fl);
		if (n < 0)
			return;
		struct tunnel_ip src = { .family = from.ss_family };
		if (from.ss_family == AF_INET)
			src.u.v4 = ((struct sockaddr_in *)&from)->sin_addr;
		else
			src.u.v6 = ((struct sockaddr_in6 *)&from)->sin6_addr;
		struct nbr nb;
		if (d->mp == NULL || nbr_lookup(d->mp->nbrs, &src, &nb) < 0 ||
		    nb.sa >= d->by_id_cap || d->by_id[nb.sa] == NULL)
			continue; /* not a configured spoke's inner address */
		adj_input_from(d, d->by_id[nb.sa], buf, (size_t)n, now);
	}
}

static int
by_id_set(struct gripd *d, uint64_t id, struct peer *p)
{
	if (id >= d->by_id_cap) {
		size_t cap = d->by_id_cap ? d->by_id_cap : 64;
		while (cap <= id)
			cap *= 2;
		struct peer **v = realloc(d->by_id, cap * sizeof(*v));
		if (v == NULL)
			return -ENOMEM;
		memset(v + d->by_id_cap, 0, (cap - d->by_id_cap) * sizeof(*v));
		d->by_id = v;
		d->by_id_cap = cap;
	}
	d->by_id[id] = p;
	return 0;
}

static uint32_t
router_id(const struct conf_site *s)
{
	uint32_t id;

	memcpy(&id, s->router_id.a, 4);
	return ntohl(id);
}

static void
rib_nh(const struct tunnel_ip *ip, int ifindex, struct rib_nexthop *nh)
{
	memset(nh, 0, sizeof(*nh));
	nh->ifindex = ifindex;
	nh->gw_family = ip->family;
	memcpy(nh->gw, ip->u.b, ip->family == AF_INET ? 4 : 16);
}

/* Tells the RIB the peer's cost and next hops (tunnel ifindex, gateway). */
static void
rib_peer_update(struct gripd *d, struct peer *p, uint64_t now)
{
	struct tunnel *t = peer_tunnel(d, p);
	struct tunnel_ip g4, g6;
	struct rib_nexthop n4, n6;
	uint32_t cost = p->hub ? p->hub->cost : CONF_DEF_COST;

	if (d->rib == NULL || t == NULL)
		return;
	if (p->hub) {
		addr_from_conf(&p->hub->peer4, &g4);
		addr_from_conf(&p->hub->peer6, &g6);
	} else if (p->spoke->p2p) {
		addr_from_conf(&p->spoke->p2p_peer4, &g4);
		addr_from_conf(&p->spoke->p2p_peer6, &g6);
	} else {
		addr_from_conf(&p->spoke->tun4, &g4);
		addr_from_conf(&p->spoke->tun6, &g6);
	}
	rib_nh(&g4, t->ifindex, &n4);
	rib_nh(&g6, t->ifindex, &n6);
	rib_peer_set(d->rib, p->id, cost, t->ifindex, g4.family ? &n4 : NULL,
	    g6.family ? &n6 : NULL, now);
}

int
adjd_peer_start(struct gripd *d, struct peer *p, uint64_t now)
{
	const struct conf_site *s = d->conf->site;
	const struct conf_opts *o = p->hub ? &p->hub->opts : &p->spoke->opts;
	struct tunnel_ip ours, theirs;
	struct adj_cfg cfg = { 0 };
	char name[96];
	int r;

	p->sock = -1;
	if (s == NULL || d->rib == NULL || peer_tunnel(d, p) == NULL)
		return 0;
	if (peer_inner(d, p, &ours, &theirs) < 0) {
		log_warn("%s %s: no inner address pair of one family: no adjacency",
		    peer_kind_name(p->kind), p->name);
		return -ENOENT;
	}
	if (p->tun != NULL) {
		p->sock = open_sock(&ours, (uint16_t)s->adj_port);
		if (p->sock < 0) {
			char b[INET6_ADDRSTRLEN];
			log_err("%s %s: cannot open the adjacency socket on %s port "
				"%u: %s", peer_kind_name(p->kind), p->name,
			    ip_str(&ours, b, sizeof(b)), s->adj_port, strerror(-p->sock));
			r = p->sock;
			p->sock = -1;
			return r;
		}
		p->sock_io = (struct loop_io){ .fd = p->sock, .events = EPOLLIN,
			.cb = p2p_sock_cb, .arg = p };
		loop_io_add(d->loop, &p->sock_io);
	}
	snprintf(name, sizeof(name), "%s %s", peer_kind_name(p->kind), p->name);
	cfg.name = name;
	cfg.router_id = router_id(s);
	cfg.epoch = d->epoch;
	cfg.hello_ms = o->hello_ms;
	cfg.hold_ms = o->hold_ms;
	cfg.peer_len = addr_to_sockaddr(&theirs, (uint16_t)s->adj_port, &cfg.peer);
	if (s->auth_set && s->auth_key.data) {
		cfg.auth = true;
		cfg.key_id = s->auth_key_id;
		cfg.key = s->auth_key.data;
		cfg.keylen = s->auth_key.len;
	}
	cfg.max_prefixes = p->spoke ? p->spoke->max_prefixes : 0;
	cfg.gr_helper = s->gr_helper == 0; /* graceful-restart helper on */
	cfg.restart_time = (uint16_t)s->gr_restart_s;
	if ((r = adj_init(&p->adj, &cfg, &adjd_ops, p)) < 0) {
		log_err("%s: cannot start the adjacency: %s", name, strerror(-r));
		if (p->sock >= 0) {
			loop_io_del(d->loop, &p->sock_io);
			close(p->sock);
			p->sock = -1;
		}
		return r;
	}
	p->adj_on = true;
	loop_timer_init(&p->adj_timer, adj_timer_cb, p);
	by_id_set(d, p->id, p);
	rib_peer_update(d, p, now);

	struct adj_prefix *v;
	size_t n = our_prefixes(d, &v);
	adj_set_prefixes(&p->adj, v, n, now);
	free(v);
	adj_fsm(&p->adj, ADJ_EV_START, now);
	struct tunnel *t = peer_tunnel(d, p);
	if (t->state == TUNNEL_S_READY && (p->tun || (p->sa_in && p->sa_out)))
		adj_fsm(&p->adj, ADJ_EV_TUNNEL_UP, now);
	adj_rearm(d, p);
	return 0;
}

void
adjd_peer_stop(struct gripd *d, struct peer *p, uint64_t now)
{
	if (!p->adj_on)
		return;
	if (p->adj.running)
		adj_fsm(&p->adj, ADJ_EV_SHUTDOWN, now);
	loop_timer_cancel(d->loop, &p->adj_timer);
	adj_free(&p->adj);
	p->adj_on = false;
	mproutes_clear(d, p);
	if (d->rib) {
		rib_peer_del(d->rib, p->id, now);
		gripd_rib_sync(d, now);
	}
	if (p->sock >= 0) {
		loop_io_del(d->loop, &p->sock_io);
		close(p->sock);
		p->sock = -1;
	}
	if (p->id < d->by_id_cap)
		d->by_id[p->id] = NULL;
}

void
adjd_clear(struct gripd *d, struct peer *p, uint64_t now)
{
	if (!p->adj_on)
		return;
	adj_fsm(&p->adj, ADJ_EV_CLEAR, now);
	adj_rearm(d, p);
}

void
adjd_tunnel_event(struct gripd *d, struct tunnel *t, bool up, uint64_t now)
{
	for (struct peer *p = d->peers; p; p = p->next) {
		if (!p->adj_on || peer_tunnel(d, p) != t)
			continue;
		if (up)
			rib_peer_update(d, p, now); /* the ifindex may be new */
		adj_fsm(&p->adj, up ? ADJ_EV_TUNNEL_UP : ADJ_EV_TUNNEL_DOWN, now);
		adj_rearm(d, p);
	}
}

static bool
ifname_up(const char *name)
{
	struct ifreq ifr = { 0 };
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	bool up = false;

	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	if (fd >= 0 && ioctl(fd, SIOCGIFFLAGS, &ifr) == 0)
		up = (ifr.ifr_flags & IFF_UP) && (ifr.ifr_flags & IFF_RUNNING);
	if (fd >= 0)
		close(fd);
	return up;
}

void
adjd_link_event(struct gripd *d, const char *ifname, bool up, uint64_t now)
{
	const struct conf_site *s = d->conf->site;
	bool tracked = false, any_down = false;

	if (s == NULL || s->ntracks == 0)
		return;
	for (size_t i = 0; i < s->ntracks; i++) {
		bool this_up = strcmp(s->tracks[i].ifname, ifname) == 0 ? up :
		    ifname_up(s->tracks[i].ifname);
		if (strcmp(s->tracks[i].ifname, ifname) == 0)
			tracked = true;
		any_down |= !this_up;
	}
	if (!tracked || any_down == d->tracked_down)
		return;
	d->tracked_down = any_down;
	if (any_down)
		log_notice("site %s: tracked interface %s down: withdrawing what we "
			   "advertise", s->name, ifname);
	else
		log_notice("site %s: tracked interfaces up: advertising again",
		    s->name);
	adjd_advertise(d, now);
}

static void
shutdown_timer_cb(struct loop_timer *t, uint64_t now)
{
	struct gripd *d = t->arg;

	log_notice("gripd: drain over, stopping");
	loop_stop(d->loop);
}

void
gripd_shutdown(struct gripd *d, uint64_t now)
{
	int n = 0;

	if (d->shutting_down) {
		loop_stop(d->loop);
		return;
	}
	d->shutting_down = true;
	for (struct peer *p = d->peers; p; p = p->next) {
		/* restarting: told "restarting", now told the truth */
		if (!p->adj_on || (!p->adj.running && !p->adj.restarting))
			continue;
		adj_fsm(&p->adj, ADJ_EV_SHUTDOWN, now);
		adj_rearm(d, p);
		n++;
	}
	if (n == 0) {
		loop_stop(d->loop);
		return;
	}
	/* Neighbours switch on GOODBYE; keep forwarding what is in flight. */
	log_notice("gripd: GOODBYE sent to %d neighbour(s), draining %d ms", n,
	    GRIPD_DRAIN_MS);
	loop_timer_init(&d->shutdown_timer, shutdown_timer_cb, d);
	loop_timer_arm(d->loop, &d->shutdown_timer, now + GRIPD_DRAIN_MS);
}

void
adjd_restart_goodbye(struct gripd *d, uint64_t now)
{
	const struct conf_site *s = d->conf ? d->conf->site : NULL;
	int n = 0;

	for (struct peer *p = d->peers; p; p = p->next) {
		if (!p->adj_on || !p->adj.running)
			continue;
		adj_fsm(&p->adj, ADJ_EV_RESTART, now);
		adj_rearm(d, p);
		n++;
	}
	log_notice("gripd: restarting: GOODBYE (restart time %u s) sent to %d "
		   "neighbour(s); routes and forwarding stay", s ? s->gr_restart_s :
	    ADJ_RESTART_TIME_DEFAULT, n);
}

/* routes auto: zebra if something accepts connections on its socket. */
static bool
zebra_reachable(const char *path)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	bool ok;

	if (fd < 0)
		return false;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	ok = connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == 0;
	close(fd);
	return ok;
}

/* After a restart: keep the kernel routes the new RIB installed. */
static bool
kernel_keep(const struct rib_prefix *p, uint32_t metric, void *arg)
{
	struct gripd *d = arg;
	struct fib_route inst[8];
	struct rib_prefix q = *p;
	size_t n;

	if (d->rib == NULL || rib_prefix_normalize(&q) < 0)
		return false;
	n = rib_installed(d->rib, &q, inst, 8);
	for (size_t i = 0; i < n && i < 8; i++)
		if (inst[i].metric == metric)
			return true;
	return false;
}

static void
converged_cb(struct loop_timer *t, uint64_t now)
{
	struct gripd *d = t->arg;
	size_t swept = 0;

	if (d->zc) {
		zclient_update_complete(d->zc);
		log_info("zebra: start-up table complete; stale routes of a "
			 "previous run are swept");
		if (d->restarted)
			zclient_gr_off(d->zc);
	}
	if (d->kr && d->restarted) {
		kroute_sweep_keep(d->kr, kernel_keep, d, &swept);
		log_notice("restart: start-up table complete; %zu kernel route(s) "
			   "of the previous process no longer wanted: removed",
		    swept);
	}
	if (d->restarted)
		gripd_restart_converged(d);
}

int
gripd_routing_start(struct gripd *d, uint64_t now)
{
	const struct conf_site *s = d->conf->site;
	int r;
	size_t swept = 0;

	d->mp_sock = -1;
	if (s == NULL || d->dp == NULL)
		return 0;
	if (s->adjacency == 1) {
		log_notice("site %s: adjacency off: tunnels only, no routes from "
			   "gripd", s->name);
		return 0;
	}
	if (d->epoch == 0)
		d->epoch = (uint32_t)time(NULL);
	d->rib = rib_new();
	if (d->rib == NULL)
		return -ENOMEM;
	rib_set_failback_delay(d->rib, s->opts.failback_ms);
	loop_timer_init(&d->rib_timer, rib_timer_cb, d);
	if (s->routes == CONF_ROUTES_ZEBRA ||
	    (s->routes == CONF_ROUTES_AUTO && zebra_reachable(s->zebra_socket))) {
		int zv = s->zebra_version == CONF_ZV_8 ? 8 :
		    s->zebra_version == CONF_ZV_9 ? 9 :
		    s->zebra_version == CONF_ZV_10 ? 10 : 0;
		r = zclient_new(d->loop, s->zebra_socket, zv,
		    (uint8_t)s->route_distance, &d->zc);
		if (r < 0) {
			log_err("site %s: cannot start the zebra client: %s",
			    s->name, strerror(-r));
			return r;
		}
		zclient_set_table(d->zc, s->route_table);
		zclient_set_tag(d->zc, s->route_tag);
		/*
		 * Graceful restart keeps routes in zebra across a gripd
		 * restart so forwarding goes on; with the userspace datapath
		 * the tunnels die with gripd, and stale routes would
		 * black-hole traffic (and keep bgpd advertising them) until
		 * the stale time ran out.  So: GR only when the datapath
		 * survives us: across an in-place restart (restart.c turns
		 * it on just before, and converged_cb off again after the
		 * table is complete), and with the kernel backend (a later
		 * issue).
		 */
		zclient_set_graceful_restart(d->zc, d->restarted);
		log_notice("site %s: routes go through zebra at %s (type nhrp, "
			   "distance %u)", s->name, s->zebra_socket,
		    s->route_distance);
		/*
		 * Graceful restart: zebra keeps our previous routes until
		 * we say the table is complete, once the adjacencies had
		 * time to form and send their prefixes.
		 */
	} else if ((r = kroute_open(&d->kr, (uint8_t)s->kernel_proto,
	    s->route_table)) < 0) {
		log_err("site %s: cannot open rtnetlink for routes: %s", s->name,
		    strerror(-r));
		return r;
	}
	if (d->zc || d->restarted) {
		uint32_t wait = 3 * s->opts.hold_ms;
		loop_timer_init(&d->converged_timer, converged_cb, d);
		loop_timer_arm(d->loop, &d->converged_timer,
		    now + (wait > 3000 ? wait : 3000));
	}
	/* After a restart the old routes carry traffic until convergence. */
	if (d->kr && !d->restarted)
		kroute_sweep(d->kr, &swept);
	if (swept)
		log_notice("rib: removed %zu stale route(s) of protocol %u from an "
			   "earlier run", swept, s->kernel_proto);
	if (d->mp) {
		struct tunnel_ip ours;
		addr_from_conf(s->mp_tun4.addr.family ? &s->mp_tun4.addr : &s->mp_tun6.addr,
		    &ours);
		d->mp_sock = open_sock(&ours, (uint16_t)s->adj_port);
		if (d->mp_sock < 0) {
			log_err("site %s: cannot open the adjacency socket: %s",
			    s->name, strerror(-d->mp_sock));
			d->mp_sock = -1;
		} else {
			d->mp_sock_io = (struct loop_io){ .fd = d->mp_sock,
				.events = EPOLLIN, .cb = mp_sock_cb, .arg = d };
			loop_io_add(d->loop, &d->mp_sock_io);
		}
	}
	for (size_t i = 0; i < s->ntracks; i++)
		if (!ifname_up(s->tracks[i].ifname)) {
			d->tracked_down = true;
			log_notice("site %s: tracked interface %s is down: advertising "
				   "nothing", s->name, s->tracks[i].ifname);
		}
	for (struct peer *p = d->peers; p; p = p->next)
		adjd_peer_start(d, p, now);
	return 0;
}

void
gripd_routing_stop(struct gripd *d)
{
	uint64_t now = loop_clock_ms();
	size_t flushed = 0;

	for (struct peer *p = d->peers; p; p = p->next)
		adjd_peer_stop(d, p, now);
	if (d->mp_sock >= 0) {
		loop_io_del(d->loop, &d->mp_sock_io);
		close(d->mp_sock);
		d->mp_sock = -1;
	}
	if (d->kr) {
		kroute_flush(d->kr, &flushed);
		kroute_close(d->kr);
		d->kr = NULL;
	}
	if (d->zc || d->restarted)
		loop_timer_cancel(d->loop, &d->converged_timer);
	if (d->zc) {
		/* A clean stop withdraws; a crash leaves GR to keep forwarding. */
		zclient_free(d->zc, true);
		d->zc = NULL;
	}
	if (d->rib) {
		loop_timer_cancel(d->loop, &d->rib_timer);
		rib_free(d->rib);
		d->rib = NULL;
	}
	free(d->by_id);
	d->by_id = NULL;
	d->by_id_cap = 0;
}

/*
 * A reload changed only how much a hub costs: tell the RIB, keep the
 * tunnel and the adjacency (no flap for a metric change).
 */
void
adjd_peer_recost(struct gripd *d, struct peer *p, uint64_t now)
{
	rib_peer_update(d, p, now);
	gripd_rib_sync(d, now);
}
