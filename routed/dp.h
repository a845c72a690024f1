/* SPDX-License-Identifier: ISC */
/*
 * dp.h (private to routed/): the userspace datapath.  GRE (tunnels/) and
 * ESP (crypto/) meet here, in worker threads off the control loop.
 *
 *   transmit worker:  TUN read -> MTU / ICMP too-big -> MSS clamp -> GRE
 *                     -> [tunnel mode: outer IP] -> ESP -> sendmmsg
 *   receive worker:   recvmmsg -> SPI -> ESP verify/decrypt -> [tunnel mode:
 *                     strip IP] -> GRE checks -> anti-spoof -> TUN write
 *
 * One struct dp_link per SA pair (a hub on a spoke, a spoke on a hub) tells
 * the workers where packets go: which TUN, which GRE settings, which outer
 * address, which mode and encapsulation.  Links and tunnels are changed by
 * the control thread only; workers see them through SA cookies and epoll
 * data pointers, so a link is freed only after dp_synchronize() proved that
 * no worker still holds it.
 */
#ifndef GRIPD_DP_H
#define GRIPD_DP_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include <gripd/esp.h>
#include <gripd/gre.h>
#include <gripd/tun.h>
#include <gripd/tunnel.h>

struct dp;

/* Per-tunnel datapath state (tunnel->dp). */
struct dp_tun {
	struct tunnel *t;
	struct tun_dev dev;
	struct dp_link *p2p; /* point-to-point: the one link */
	struct lpm *routes;  /* multipoint: reverse routes -> neighbour */
	bool registered;
};

struct dp_link {
	uint64_t id; /* esp_sa_params.tunnel_id of its SAs */
	struct dp_tun *dt;
	struct gre_cfg gre;
	enum esp_mode mode;
	enum esp_encap encap;
	struct sockaddr_storage local; /* outer; port 4500 for UDP */
	struct sockaddr_storage peer;
	socklen_t peer_len;
	struct tunnel_ip inner4, inner6; /* multipoint: the neighbour's */
	_Atomic uint64_t spoofed;	/* inner source not the neighbour's */
	_Atomic uint64_t wrong_peer;	/* outer source not the peer */
};

struct dp_counters {
	uint64_t rx_packets, rx_not_esp, rx_unknown_spi, rx_short,
	    rx_ike, rx_keepalive, tx_no_sa, tx_send_errors, tx_packets;
};

/* Returns a datapath with its SA database, or NULL (errno). */
struct dp *dp_new(void);
void dp_free(struct dp *dp);

/*
 * Opens the underlay sockets for local (IPv4 and/or IPv6 outer address;
 * family 0 = unused): raw IP protocol 50, and UDP port `udp_port` for
 * ESP-in-UDP (RFC 3948).  Needs CAP_NET_RAW / CAP_NET_BIND_SERVICE, so
 * call it before dropping privileges.  Returns 0 or -errno.
 */
int dp_open_sockets(struct dp *dp, const struct tunnel_ip *local4,
    const struct tunnel_ip *local6, uint16_t udp_port);

/* Starts the worker threads.  Returns 0 or -errno. */
int dp_start(struct dp *dp);

/*
 * Restart handoff (handoff.c): stops and joins the workers, then adds the
 * underlay sockets to the handoff.  The datapath is dead afterwards; only
 * exec (or exit) follows.
 */
int dp_handoff(struct dp *dp);

struct esp_sadb *dp_sadb(struct dp *dp);

/* tunnel_ops for userspace tunnels (TUN create/destroy/admin). */
extern const struct tunnel_ops dp_tunnel_ops;
/* ops_arg for those ops: set before tunnel_init(). */
struct dp_ops_arg {
	struct dp *dp;
	void (*log)(void *arg, int prio, const char *msg);
	void (*notify)(struct tunnel *t, enum tunnel_state from,
	    enum tunnel_state to, const char *reason, void *arg);
	void *arg;
};

/*
 * Links.  dp_link_add makes the link visible to the workers (and, for a
 * point-to-point tunnel, its transmit link); dp_link_del hides it and
 * waits until no worker can still use it.  0 or -errno.
 */
int dp_link_add(struct dp *dp, struct dp_link *l);
void dp_link_del(struct dp *dp, struct dp_link *l);

/* Waits until every worker has passed a quiescent point. */
void dp_synchronize(struct dp *dp);

void dp_counters(struct dp *dp, struct dp_counters *c);

/*
 * Multipoint: packets the kernel routes into the TUN towards prefix go to
 * the neighbour whose inner address is nexthop (a reverse route's
 * gateway).  Returns 0 or -errno.
 */
int dp_mp_route_add(struct dp_tun *dt, const struct tunnel_prefix *prefix,
    const struct tunnel_ip *nexthop);
int dp_mp_route_del(struct dp_tun *dt, const struct tunnel_prefix *prefix);
/* Every multipoint route, as the datapath has it. */
void dp_mp_route_walk(struct dp_tun *dt,
    void (*cb)(const struct tunnel_prefix *p, const struct tunnel_ip *nexthop,
	void *arg), void *arg);
/* Room for n more multipoint routes at once. */
int dp_mp_route_reserve(struct dp_tun *dt, size_t n);

/* Sends one NAT keepalive (RFC 3948 2.3) to a UDP-encapsulated link. */
int dp_send_keepalive(struct dp *dp, const struct dp_link *l);

#endif
