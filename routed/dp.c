/* SPDX-License-Identifier: ISC */
/*
 * DOC: userspace datapath
 *
 * Two worker threads, one per direction, so the two halves of a flow run
 * on the two cores of a small router in parallel and never contend:
 *
 *  - the transmit worker waits on every TUN descriptor; per readable TUN
 *    it reads up to DP_BATCH packets, encapsulates each in place (GRE,
 *    optional tunnel-mode IP header, ESP) in a preallocated slot with
 *    headroom for every header, and sends the batch with one sendmmsg per
 *    run of packets that leave through the same socket;
 *  - the receive worker waits on the underlay sockets (raw IP protocol 50
 *    and UDP 4500, per family), takes up to DP_BATCH packets with one
 *    recvmmsg, finds the SA by SPI, verifies and decrypts in place, checks
 *    GRE and the outer source, and writes the inner packet to its TUN.
 *
 * Nothing is allocated per packet.  Each worker holds its own OpenSSL
 * contexts per SA (crypto/esp_alg.c), keyed once.  The TUN side has no
 * batched system call (that needs the vnet header and segmentation
 * offload, see docs/datapath.md), so a packet costs one read or write on
 * the TUN and 1/DP_BATCH of a socket call.
 *
 * Concurrency: the control thread adds and removes links and tunnels;
 * workers find them through SA cookies and epoll data.  Each worker bumps
 * an epoch after every batch and marks itself idle while blocked;
 * dp_synchronize() waits until every worker was idle or moved on, after
 * which nothing removed before the call is referenced any more.  The SA
 * database has the same scheme of its own (esp_sadb_quiescent).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/ip6.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include <gripd/icmp.h>
#include <gripd/log.h>

#include "addr.h"
#include "dp.h"
#include "handoff.h"
#include "lpm.h"

#define DP_BATCH 64
#define DP_HEADROOM 192 /* outer-in-ESP IP (40) + GRE (16) + ESP (24) + slack */
#define DP_PKT_MAX 9216
#define DP_SLOT (DP_HEADROOM + DP_PKT_MAX + 64)
#define DP_TUN_TXQLEN 4096 /* see tun_set_txqlen() */

enum { SOCK_RAW4, SOCK_RAW6, SOCK_UDP4, SOCK_UDP6, SOCK_MAX };

struct dp_worker {
	struct dp *dp;
	pthread_t th;
	bool started;
	int epfd;
	struct esp_worker ew;
	_Atomic uint64_t epoch;
	_Atomic bool idle;
	uint8_t *slots; /* DP_BATCH * DP_SLOT */
	struct mmsghdr msgs[DP_BATCH];
	struct iovec iov[DP_BATCH];
	struct sockaddr_storage names[DP_BATCH];
	int sock_of[DP_BATCH];
	uint8_t icmp[1280];
};

struct dp {
	struct esp_sadb *db;
	int sock[SOCK_MAX];
	int wake; /* eventfd: stop */
	_Atomic bool stopping;
	struct dp_worker tx, rx;
	/* One cache line per writer: the receive worker, the transmit worker. */
	_Alignas(64) _Atomic uint64_t rx_packets, rx_not_esp, rx_short, rx_ike,
	    rx_keepalive;
	_Alignas(64) _Atomic uint64_t tx_no_sa, tx_send_errors, tx_packets;
};

static void
cnt(_Atomic uint64_t *c)
{
	atomic_fetch_add_explicit(c, 1, memory_order_relaxed);
}

struct esp_sadb *
dp_sadb(struct dp *dp)
{
	return dp->db;
}

/* --- set-up --------------------------------------------------------------- */

struct dp *
dp_new(void)
{
	struct dp *dp = aligned_alloc(64, (sizeof(struct dp) + 63) & ~(size_t)63);

	if (dp == NULL)
		return NULL;
	memset(dp, 0, sizeof(*dp));
	for (int i = 0; i < SOCK_MAX; i++)
		dp->sock[i] = -1;
	dp->tx.epfd = dp->rx.epfd = -1;
	dp->wake = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (dp->wake < 0 || esp_sadb_create(0, &dp->db) < 0)
		goto fail;
	struct dp_worker *ws[2] = { &dp->tx, &dp->rx };
	for (int i = 0; i < 2; i++) {
		struct dp_worker *w = ws[i];
		struct epoll_event ev = { .events = EPOLLIN, .data.ptr = NULL };
		w->dp = dp;
		w->ew.index = (unsigned)i;
		w->epfd = epoll_create1(EPOLL_CLOEXEC);
		w->slots = malloc((size_t)DP_BATCH * DP_SLOT);
		if (w->epfd < 0 || w->slots == NULL ||
		    epoll_ctl(w->epfd, EPOLL_CTL_ADD, dp->wake, &ev) < 0)
			goto fail;
	}
	return dp;
fail:
	dp_free(dp);
	return NULL;
}

/*
 * A socket handed over by a restart (handoff.c) if it is the one we would
 * open: same type, protocol and local address.  Otherwise it is closed.
 */
static int
adopt_one(const char *name, int type, int proto, const struct sockaddr_storage *want,
    socklen_t want_len)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	int fd = handoff_take(name), t = 0, pr = 0;
	socklen_t ol = sizeof(int);

	if (fd < 0)
		return -1;
	if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &t, &ol) == 0 && t == type &&
	    (ol = sizeof(int), getsockopt(fd, SOL_SOCKET, SO_PROTOCOL, &pr, &ol)) == 0 &&
	    pr == proto && getsockname(fd, (struct sockaddr *)&ss, &len) == 0 &&
	    len == want_len) {
		/* A raw socket reports its protocol as the port: compare
		 * the address, and the port only for UDP. */
		if (type == SOCK_RAW) {
			if (ss.ss_family == AF_INET)
				((struct sockaddr_in *)&ss)->sin_port = 0;
			else
				((struct sockaddr_in6 *)&ss)->sin6_port = 0;
		}
		if (memcmp(&ss, want, len) == 0)
			return fd;
	}
	log_notice("restart: %s handed over does not match the configuration: "
		   "opening a new one", name);
	close(fd);
	return -1;
}

static int
open_one(int family, int type, int proto, const struct tunnel_ip *local,
    uint16_t port, const char *name)
{
	struct sockaddr_storage ss;
	socklen_t len = addr_to_sockaddr(local, port, &ss);
	int fd = adopt_one(name, type, proto, &ss, len);
	int one = 1, sz = 4 << 20;

	if (fd >= 0)
		return fd;
	fd = socket(family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, proto);
	if (fd < 0)
		return -errno;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	/* Bursts of a batch must not overflow the default socket buffers. */
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
	setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz));
	if (family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	/* The local address may appear later (DHCP, a lab still wiring up). */
	setsockopt(fd, family == AF_INET ? IPPROTO_IP : IPPROTO_IPV6,
	    family == AF_INET ? IP_FREEBIND : IPV6_FREEBIND, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&ss, len) < 0) {
		int e = -errno;
		close(fd);
		return e;
	}
	return fd;
}

int
dp_open_sockets(struct dp *dp, const struct tunnel_ip *local4,
    const struct tunnel_ip *local6, uint16_t udp_port)
{
	const struct tunnel_ip *locals[2] = { local4, local6 };

	for (int f = 0; f < 2; f++) {
		const struct tunnel_ip *l = locals[f];
		int family = f == 0 ? AF_INET : AF_INET6;
		if (l == NULL || l->family != family)
			continue;
		int raw = open_one(family, SOCK_RAW, IPPROTO_ESP, l, 0,
		    f == 0 ? "esp-raw4" : "esp-raw6");
		if (raw < 0)
			return raw;
		dp->sock[f == 0 ? SOCK_RAW4 : SOCK_RAW6] = raw;
		/*
		 * A plain UDP socket: UDP_ENCAP_ESPINUDP is never set, so
		 * ESP-in-UDP reaches us instead of the kernel's XFRM.
		 */
		int udp = open_one(family, SOCK_DGRAM, IPPROTO_UDP, l, udp_port,
		    f == 0 ? "esp-udp4" : "esp-udp6");
		if (udp < 0)
			return udp;
		dp->sock[f == 0 ? SOCK_UDP4 : SOCK_UDP6] = udp;
		for (int k = 0; k < 2; k++) {
			int fd = k ? udp : raw;
			struct epoll_event ev = { .events = EPOLLIN,
				.data.ptr = &dp->sock[f == 0 ? (k ? SOCK_UDP4 : SOCK_RAW4) :
				    (k ? SOCK_UDP6 : SOCK_RAW6)] };
			if (epoll_ctl(dp->rx.epfd, EPOLL_CTL_ADD, fd, &ev) < 0)
				return -errno;
		}
	}
	return 0;
}

/* --- quiescence ------------------------------------------------------------ */

void
dp_synchronize(struct dp *dp)
{
	struct dp_worker *ws[2] = { &dp->tx, &dp->rx };
	uint64_t seen[2];

	for (int i = 0; i < 2; i++)
		seen[i] = atomic_load(&ws[i]->epoch);
	for (int i = 0; i < 2; i++) {
		if (!ws[i]->started)
			continue;
		while (!atomic_load(&ws[i]->idle) &&
		    atomic_load(&ws[i]->epoch) == seen[i] &&
		    !atomic_load(&dp->stopping)) {
			struct timespec ts = { 0, 100000 };
			nanosleep(&ts, NULL);
		}
	}
}

/* --- transmit -------------------------------------------------------------- */

static bool
ip_equal(const struct tunnel_ip *a, int family, const void *addr)
{
	if (a->family != family)
		return false;
	return memcmp(&a->u, addr, family == AF_INET ? 4 : 16) == 0;
}

static size_t
put_outer_ip(uint8_t *p, const struct dp_link *l, size_t payload_len)
{
	if (l->peer.ss_family == AF_INET) {
		const struct sockaddr_in *src = (const void *)&l->local;
		const struct sockaddr_in *dst = (const void *)&l->peer;
		struct iphdr *ip = (struct iphdr *)p;
		memset(ip, 0, sizeof(*ip));
		ip->version = 4;
		ip->ihl = 5;
		ip->tot_len = htons((uint16_t)(payload_len + 20));
		ip->frag_off = htons(IP_DF);
		ip->ttl = 64;
		ip->protocol = IPPROTO_GRE;
		ip->saddr = src->sin_addr.s_addr;
		ip->daddr = dst->sin_addr.s_addr;
		ip->check = htons(gre_inet_csum(p, 20));
		return 20;
	}
	const struct sockaddr_in6 *src = (const void *)&l->local;
	const struct sockaddr_in6 *dst = (const void *)&l->peer;
	struct ip6_hdr *ip6 = (struct ip6_hdr *)p;
	memset(ip6, 0, sizeof(*ip6));
	ip6->ip6_flow = htonl(6u << 28);
	ip6->ip6_plen = htons((uint16_t)payload_len);
	ip6->ip6_nxt = IPPROTO_GRE;
	ip6->ip6_hlim = 64;
	ip6->ip6_src = src->sin6_addr;
	ip6->ip6_dst = dst->sin6_addr;
	return 40;
}

/* The inner destination as a tunnel_ip (next hop on a multipoint TUN). */
static int
inner_dst(const uint8_t *pkt, size_t len, struct tunnel_ip *dst)
{
	memset(dst, 0, sizeof(*dst));
	if (len >= 20 && (pkt[0] >> 4) == 4) {
		dst->family = AF_INET;
		memcpy(&dst->u.v4, pkt + 16, 4);
		return 0;
	}
	if (len >= 40 && (pkt[0] >> 4) == 6) {
		dst->family = AF_INET6;
		memcpy(&dst->u.v6, pkt + 24, 16);
		return 0;
	}
	return -EINVAL;
}

static void
send_runs(struct dp_worker *w, int n)
{
	struct dp *dp = w->dp;
	int i = 0;

	while (i < n) {
		int s = w->sock_of[i], j = i;
		while (j < n && w->sock_of[j] == s)
			j++;
		int fd = dp->sock[s];
		int off = i;
		while (off < j) {
			int r = sendmmsg(fd, w->msgs + off, (unsigned)(j - off), 0);
			if (r <= 0) {
				/* Skip the packet that failed (EMSGSIZE, no route...). */
				cnt(&dp->tx_send_errors);
				off++;
				continue;
			}
			atomic_fetch_add_explicit(&dp->tx_packets, (uint64_t)r,
			    memory_order_relaxed);
			off += r;
		}
		i = j;
	}
}

/*
 * Encapsulates the inner packet in slot (at DP_HEADROOM, len bytes) read
 * from dt's TUN.  Returns the message index filled, or -1 when dropped.
 */
static int
tx_one(struct dp_worker *w, struct dp_tun *dt, uint8_t *slot, size_t len,
    int n)
{
	struct dp *dp = w->dp;
	struct tunnel *t = dt->t;
	uint8_t *pkt = slot + DP_HEADROOM;
	struct dp_link *l;
	struct esp_sa *sa;
	struct tunnel_ip nh4 = t->peer4, nh6 = t->peer6;

	if (t->kind == TUNNEL_P2P) {
		l = dt->p2p;
		sa = l ? esp_sadb_lookup_out(dp->db, l->id) : NULL;
	} else {
		struct tunnel_ip nh, via;
		struct nbr nb;
		if (inner_dst(pkt, len, &nh) < 0 ||
		    (nbr_lookup(t->nbrs, &nh, &nb) < 0 &&
		    (dt->routes == NULL || lpm_lookup(dt->routes, &nh, &via) < 0 ||
		    nbr_lookup(t->nbrs, &via, &nb) < 0))) {
			tunnel_count(&t->ctr.nbr_drops, 1);
			return -1;
		}
		sa = esp_sadb_lookup_out(dp->db, nb.sa);
		l = sa ? esp_sa_cookie(sa) : NULL;
		nh4 = nb.inner4;
		nh6 = nb.inner6;
	}

	if (len > t->mtu) {
		if (icmp_too_big_needed(pkt, len, t->mtu)) {
			/*
			 * From the next hop's inner address, as if the far
			 * end of the tunnel reported it: an error from one of
			 * our own addresses arriving on the TUN would be
			 * dropped by the kernel as a martian source.
			 */
			struct icmp_src src = { 0 };
			size_t ilen;
			src.has_v4 = nh4.family == AF_INET;
			src.v4 = nh4.u.v4;
			src.has_v6 = nh6.family == AF_INET6;
			src.v6 = nh6.u.v6;
			tunnel_count(&t->ctr.mtu_drops, 1);
			if (icmp_too_big(w->icmp, sizeof(w->icmp), &ilen, pkt, len,
			    t->mtu, &src) == 0 &&
			    write(dt->dev.fds[0], w->icmp, ilen) == (ssize_t)ilen)
				tunnel_count(&t->ctr.icmp_sent, 1);
			return -1;
		}
		/* IPv4 without DF: the outer packet is fragmented by the kernel. */
	}
	if ((t->mss4 || t->mss6) &&
	    tcp_mss_clamp(pkt, len, (pkt[0] >> 4) == 4 ? t->mss4 : t->mss6) == 1)
		tunnel_count(&t->ctr.mss_clamped, 1);
	if (sa == NULL || l == NULL) {
		cnt(&dp->tx_no_sa);
		return -1;
	}

	size_t start;
	if (gre_encap(slot, DP_HEADROOM, len, &l->gre, &start) < 0) {
		tunnel_count(&t->ctr.gre_malformed, 1);
		return -1;
	}
	uint8_t nh = ESP_NH_GRE;
	if (l->mode == ESP_MODE_TUNNEL) {
		size_t glen = DP_HEADROOM + len - start;
		size_t iphl = l->peer.ss_family == AF_INET ? 20 : 40;
		start -= iphl;
		put_outer_ip(slot + start, l, glen);
		nh = l->peer.ss_family == AF_INET ? ESP_NH_IPV4 : ESP_NH_IPV6;
	}
	size_t eoff, elen;
	if (esp_encap(&w->ew, sa, slot, DP_SLOT, start, DP_HEADROOM + len - start,
	    nh, &eoff, &elen) < 0) {
		cnt(&dp->tx_no_sa);
		return -1;
	}
	w->iov[n].iov_base = slot + eoff;
	w->iov[n].iov_len = elen;
	memcpy(&w->names[n], &l->peer, l->peer_len);
	w->msgs[n].msg_hdr = (struct msghdr){
		.msg_name = &w->names[n],
		.msg_namelen = l->peer_len,
		.msg_iov = &w->iov[n],
		.msg_iovlen = 1,
	};
	bool v4 = l->peer.ss_family == AF_INET;
	w->sock_of[n] = l->encap == ESP_ENCAP_UDP ? (v4 ? SOCK_UDP4 : SOCK_UDP6) :
	    (v4 ? SOCK_RAW4 : SOCK_RAW6);
	if (dp->sock[w->sock_of[n]] < 0) {
		cnt(&dp->tx_send_errors);
		return -1;
	}
	tunnel_count(&t->ctr.tx_packets, 1);
	tunnel_count(&t->ctr.tx_bytes, len);
	return n;
}

static void
tx_tun(struct dp_worker *w, struct dp_tun *dt)
{
	int n = 0;

	for (int i = 0; i < DP_BATCH; i++) {
		uint8_t *slot = w->slots + (size_t)n * DP_SLOT;
		ssize_t len = read(dt->dev.fds[0], slot + DP_HEADROOM, DP_PKT_MAX);
		if (len <= 0)
			break;
		if (tx_one(w, dt, slot, (size_t)len, n) >= 0)
			n++;
	}
	if (n > 0)
		send_runs(w, n);
}

/* --- receive ---------------------------------------------------------------- */

static bool
link_peer_is(const struct dp_link *l, const struct sockaddr_storage *src)
{
	if (l->peer.ss_family != src->ss_family)
		return false;
	if (src->ss_family == AF_INET)
		return ((const struct sockaddr_in *)&l->peer)->sin_addr.s_addr ==
		    ((const struct sockaddr_in *)src)->sin_addr.s_addr;
	return memcmp(&((const struct sockaddr_in6 *)&l->peer)->sin6_addr,
		   &((const struct sockaddr_in6 *)src)->sin6_addr, 16) == 0;
}

static void
rx_one(struct dp_worker *w, int which, uint8_t *buf, size_t len,
    struct sockaddr_storage *src)
{
	struct dp *dp = w->dp;
	uint8_t *esp = buf;
	size_t esplen = len;

	cnt(&dp->rx_packets);
	if (which == SOCK_RAW4) {
		/* IPv4 raw sockets deliver the IP header (raw(7)). */
		if (len < 20 || (buf[0] >> 4) != 4) {
			cnt(&dp->rx_short);
			return;
		}
		size_t ihl = (size_t)(buf[0] & 0x0f) * 4;
		if (ihl < 20 || ihl > len) {
			cnt(&dp->rx_short);
			return;
		}
		struct sockaddr_in *sin = (struct sockaddr_in *)src;
		sin->sin_family = AF_INET;
		memcpy(&sin->sin_addr, buf + 12, 4);
		esp = buf + ihl;
		esplen = len - ihl;
	} else if (which == SOCK_UDP4 || which == SOCK_UDP6) {
		switch (esp_udp_classify(buf, len)) {
		case ESP_UDP_ESP:
			break;
		case ESP_UDP_IKE:
			cnt(&dp->rx_ike); /* IKE will take these (later) */
			return;
		case ESP_UDP_KEEPALIVE:
			cnt(&dp->rx_keepalive);
			return;
		default:
			cnt(&dp->rx_not_esp);
			return;
		}
	}

	struct esp_sa *sa = NULL;
	size_t pl_off, pl_len;
	uint8_t nh;
	if (esp_sadb_input(dp->db, &w->ew, esp, esplen, &sa, &pl_off, &pl_len,
	    &nh) < 0)
		return; /* counted by the SA database / the SA */
	struct dp_link *l = esp_sa_cookie(sa);
	if (l == NULL || l->dt == NULL)
		return;
	struct tunnel *t = l->dt->t;
	if (!link_peer_is(l, src)) {
		cnt(&l->wrong_peer);
		return;
	}
	uint8_t *p = esp + pl_off;
	size_t plen = pl_len;
	if (nh == ESP_NH_IPV4 || nh == ESP_NH_IPV6) {
		/* Tunnel mode: an outer-in-ESP IP header carrying GRE. */
		size_t iphl = nh == ESP_NH_IPV4 ? (size_t)(p[0] & 0x0f) * 4 : 40;
		uint8_t proto = nh == ESP_NH_IPV4 ? p[9] : p[6];
		if (plen < iphl || iphl < 20 || proto != IPPROTO_GRE) {
			tunnel_count(&t->ctr.gre_malformed, 1);
			return;
		}
		p += iphl;
		plen -= iphl;
	}
	struct gre_hdr gh;
	char err[96];
	if (gre_decap(p, plen, &l->gre, &gh, err, sizeof(err)) < 0) {
		tunnel_count(&t->ctr.gre_malformed, 1);
		return;
	}
	uint8_t *inner = p + gh.payload_off;
	if (t->kind == TUNNEL_MULTIPOINT && gh.payload_len >= 20) {
		/* A neighbour's packets to the hub itself must come from it. */
		int fam = (inner[0] >> 4) == 4 ? AF_INET : AF_INET6;
		const uint8_t *s = fam == AF_INET ? inner + 12 : inner + 8;
		const struct tunnel_prefix *net = fam == AF_INET ? &t->inner4 : &t->inner6;
		const struct tunnel_ip *own = fam == AF_INET ? &l->inner4 : &l->inner6;
		size_t alen = fam == AF_INET ? 4 : 16;
		unsigned pl = net->plen;
		bool in_net = net->addr.family == fam;
		for (unsigned b = 0; in_net && b < pl && b < alen * 8; b++)
			if (((s[b / 8] ^ net->addr.u.b[b / 8]) >> (7 - b % 8)) & 1)
				in_net = false;
		if (in_net && !ip_equal(own, fam, s)) {
			cnt(&l->spoofed);
			return;
		}
	}
	if (write(l->dt->dev.fds[0], inner, gh.payload_len) < 0)
		return;
	tunnel_count(&t->ctr.rx_packets, 1);
	tunnel_count(&t->ctr.rx_bytes, gh.payload_len);
}

static void
rx_sock(struct dp_worker *w, int which)
{
	int fd = w->dp->sock[which];

	for (int i = 0; i < DP_BATCH; i++) {
		w->iov[i].iov_base = w->slots + (size_t)i * DP_SLOT + DP_HEADROOM;
		w->iov[i].iov_len = DP_PKT_MAX;
		w->msgs[i].msg_hdr = (struct msghdr){
			.msg_name = &w->names[i],
			.msg_namelen = sizeof(w->names[i]),
			.msg_iov = &w->iov[i],
			.msg_iovlen = 1,
		};
	}
	int n = recvmmsg(fd, w->msgs, DP_BATCH, MSG_DONTWAIT, NULL);
	for (int i = 0; i < n; i++)
		rx_one(w, which, w->iov[i].iov_base, w->msgs[i].msg_len,
		    &w->names[i]);
}

/* --- workers ------------------------------------------------------------------ */

static void *
worker_main(void *arg)
{
	struct dp_worker *w = arg;
	struct dp *dp = w->dp;
	struct epoll_event evs[32];
	bool is_tx = w == &dp->tx;

	while (!atomic_load(&dp->stopping)) {
		atomic_store(&w->idle, true);
		int n = epoll_wait(w->epfd, evs, 32, 200);
		atomic_store(&w->idle, false);
		atomic_fetch_add(&w->epoch, 1);
		if (n <= 0)
			continue;
		esp_sadb_online(dp->db, &w->ew);
		for (int i = 0; i < n; i++) {
			void *p = evs[i].data.ptr;
			if (p == NULL)
				continue; /* the wake eventfd */
			if (is_tx)
				tx_tun(w, p);
			else
				rx_sock(w, (int)((int *)p - dp->sock));
			esp_sadb_quiescent(dp->db, &w->ew);
		}
		esp_sadb_offline(dp->db, &w->ew);
		atomic_fetch_add(&w->epoch, 1);
	}
	atomic_store(&w->idle, true);
	return NULL;
}

int
dp_start(struct dp *dp)
{
	struct dp_worker *ws[2] = { &dp->tx, &dp->rx };

	for (int i = 0; i < 2; i++) {
		int e = pthread_create(&ws[i]->th, NULL, worker_main, ws[i]);
		if (e != 0)
			return -e;
		ws[i]->started = true;
		pthread_setname_np(ws[i]->th, i == 0 ? "gripd-tx" : "gripd-rx");
	}
	return 0;
}

/*
 * Restart handoff: the workers stop (what they have read is forwarded, the
 * rest waits in the kernel's queues) and the underlay sockets are listed
 * for the successor.  Nothing is closed.
 */
int
dp_handoff(struct dp *dp)
{
	static const char *const names[SOCK_MAX] = {
		[SOCK_RAW4] = "esp-raw4", [SOCK_UDP4] = "esp-udp4",
		[SOCK_RAW6] = "esp-raw6", [SOCK_UDP6] = "esp-udp6",
	};
	struct dp_worker *ws[2] = { &dp->tx, &dp->rx };
	uint64_t one = 1;
	int r;

	atomic_store(&dp->stopping, true);
	if (write(dp->wake, &one, sizeof(one)) < 0) {
		/* the workers also time out of epoll_wait */
	}
	for (int i = 0; i < 2; i++)
		if (ws[i]->started) {
			pthread_join(ws[i]->th, NULL);
			ws[i]->started = false;
		}
	for (int i = 0; i < SOCK_MAX; i++)
		if (dp->sock[i] >= 0 && names[i] != NULL &&
		    (r = handoff_add(names[i], dp->sock[i])) < 0)
			return r;
	return 0;
}

void
dp_free(struct dp *dp)
{
	struct dp_worker *ws[2];
	uint64_t one = 1;

	if (dp == NULL)
		return;
	ws[0] = &dp->tx;
	ws[1] = &dp->rx;
	atomic_store(&dp->stopping, true);
	if (dp->wake >= 0 && write(dp->wake, &one, sizeof(one)) < 0) {
		/* the workers also time out of epoll_wait */
	}
	for (int i = 0; i < 2; i++) {
		if (ws[i]->started)
			pthread_join(ws[i]->th, NULL);
		if (ws[i]->epfd >= 0)
			close(ws[i]->epfd);
		free(ws[i]->slots);
	}
	for (int i = 0; i < SOCK_MAX; i++)
		if (dp->sock[i] >= 0)
			close(dp->sock[i]);
	if (dp->wake >= 0)
		close(dp->wake);
	if (dp->db)
		esp_sadb_free(dp->db);
	free(dp);
}

void
dp_counters(struct dp *dp, struct dp_counters *c)
{
	memset(c, 0, sizeof(*c));
	c->rx_packets = atomic_load(&dp->rx_packets);
	c->rx_not_esp = atomic_load(&dp->rx_not_esp);
	c->rx_short = atomic_load(&dp->rx_short);
	c->rx_ike = atomic_load(&dp->rx_ike);
	c->rx_keepalive = atomic_load(&dp->rx_keepalive);
	c->rx_unknown_spi = esp_sadb_unknown_spi(dp->db);
	c->tx_no_sa = atomic_load(&dp->tx_no_sa);
	c->tx_send_errors = atomic_load(&dp->tx_send_errors);
	c->tx_packets = atomic_load(&dp->tx_packets);
}

/* --- links and tunnel ops --------------------------------------------------------- */

int
dp_link_add(struct dp *dp, struct dp_link *l)
{
	if (l->dt == NULL)
		return -EINVAL;
	if (l->dt->t->kind == TUNNEL_P2P)
		l->dt->p2p = l;
	return 0;
}

void
dp_link_del(struct dp *dp, struct dp_link *l)
{
	if (l->dt && l->dt->p2p == l)
		l->dt->p2p = NULL;
	dp_synchronize(dp);
}

static int
dpt_create(struct tunnel *t, void *arg)
{
	struct dp_ops_arg *oa = arg;
	struct dp_tun *dt = t->dp;
	int r;

	if (dt == NULL)
		return -EINVAL;
	dt->t = t;
	if ((r = tun_open(&dt->dev, t->ifname, 1)) < 0)
		return r;
	t->ifindex = dt->dev.ifindex;
	if ((r = tun_set_mtu(t->ifindex, t->mtu)) < 0)
		goto fail;
	if ((r = tun_set_txqlen(t->ifindex, DP_TUN_TXQLEN)) < 0)
		goto fail;
	const struct tunnel_prefix *pf[2] = { &t->inner4, &t->inner6 };
	for (int i = 0; i < 2; i++) {
		struct tun_ifaddr a = { 0 };
		if (pf[i]->addr.family == 0)
			continue;
		a.family = pf[i]->addr.family;
		memcpy(a.addr, pf[i]->addr.u.b, a.family == AF_INET ? 4 : 16);
		a.prefixlen = pf[i]->plen;
		if ((r = tun_addr_add(t->ifindex, &a)) < 0 && r != -EEXIST)
			goto fail;
	}
	if ((r = tun_set_up(t->ifindex, !t->admin_down)) < 0)
		goto fail;
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = dt };
	if (epoll_ctl(oa->dp->tx.epfd, EPOLL_CTL_ADD, dt->dev.fds[0], &ev) < 0) {
		r = -errno;
		goto fail;
	}
	dt->registered = true;
	return 0;
fail:
	tun_close(&dt->dev);
	return r;
}

static void
dpt_destroy(struct tunnel *t, void *arg)
{
	struct dp_ops_arg *oa = arg;
	struct dp_tun *dt = t->dp;

	if (dt == NULL)
		return;
	if (dt->registered) {
		epoll_ctl(oa->dp->tx.epfd, EPOLL_CTL_DEL, dt->dev.fds[0], NULL);
		dt->registered = false;
		dp_synchronize(oa->dp);
	}
	tun_close(&dt->dev);
	t->ifindex = 0;
}

static int
dpt_admin(struct tunnel *t, bool up, void *arg)
{
	return t->ifindex ? tun_set_up(t->ifindex, up) : 0;
}

static void
dpt_log(void *arg, int prio, const char *msg)
{
	struct dp_ops_arg *oa = arg;

	if (oa->log)
		oa->log(oa->arg, prio, msg);
}

static void
dpt_notify(struct tunnel *t, enum tunnel_state from, enum tunnel_state to,
    const char *reason, void *arg)
{
	struct dp_ops_arg *oa = arg;

	if (oa->notify)
		oa->notify(t, from, to, reason, oa->arg);
}

const struct tunnel_ops dp_tunnel_ops = {
	.create = dpt_create,
	.destroy = dpt_destroy,
	.admin = dpt_admin,
	.log = dpt_log,
	.notify = dpt_notify,
};

int
dp_send_keepalive(struct dp *dp, const struct dp_link *l)
{
	uint8_t ka[1];
	size_t n = esp_nat_keepalive(ka, sizeof(ka));
	int fd = dp->sock[l->peer.ss_family == AF_INET ? SOCK_UDP4 : SOCK_UDP6];

	if (l->encap != ESP_ENCAP_UDP || fd < 0 || n == 0)
		return -EINVAL;
	if (sendto(fd, ka, n, MSG_DONTWAIT, (const struct sockaddr *)&l->peer,
	    l->peer_len) < 0)
		return -errno;
	return 0;
}

int
dp_mp_route_add(struct dp_tun *dt, const struct tunnel_prefix *prefix,
    const struct tunnel_ip *nexthop)
{
	if (dt->routes == NULL)
		return -EINVAL; /* not a multipoint tunnel */
	return lpm_add(dt->routes, prefix, nexthop);
}

void
dp_mp_route_walk(struct dp_tun *dt,
    void (*cb)(const struct tunnel_prefix *p, const struct tunnel_ip *nexthop,
	void *arg), void *arg)
{
	if (dt->routes)
		lpm_walk(dt->routes, cb, arg);
}

int
dp_mp_route_reserve(struct dp_tun *dt, size_t n)
{
	return dt->routes ? lpm_reserve(dt->routes, n) : -EINVAL;
}

int
dp_mp_route_del(struct dp_tun *dt, const struct tunnel_prefix *prefix)
{
	return dt->routes ? lpm_del(dt->routes, prefix) : -ENOENT;
}
