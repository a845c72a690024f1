/* SPDX-License-Identifier: ISC */
/*
 * daemon.h (private to routed/): the running daemon's state.
 *
 * struct gripd owns the loop, the control socket, the running
 * configuration and one struct peer per hub or spoke stanza.  A peer is
 * the unit a reload touches: a changed stanza reconfigures its peer, an
 * unchanged one is left alone (its `since` timestamps do not move).
 */
#ifndef GRIPD_DAEMON_H
#define GRIPD_DAEMON_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include <gripd/conf.h>
#include <gripd/loop.h>

#include "adj.h"
#include "dp.h"
#include "seqstore.h"

struct ctl;
struct tun_link_monitor;

enum peer_kind { PEER_HUB, PEER_SPOKE };

struct peer {
	struct peer *next;
	enum peer_kind kind;
	char name[CONF_NAME_MAX];
	const struct conf_hub *hub;     /* points into gripd->conf */
	const struct conf_spoke *spoke; /* points into gripd->conf */
	uint64_t created_ms;            /* monotonic */
	uint64_t changed_ms;            /* last reconfiguration, 0 = never */
	uint32_t reconfigs;

	/* Datapath (peer.c). */
	struct gripd *d;
	uint64_t id;            /* tunnel_id of its SAs */
	struct tunnel *tun;     /* its own point-to-point tunnel, or NULL */
	struct dp_tun *dt;
	struct loop_timer timer; /* tunnel retry deadline */
	struct loop_timer ka_timer; /* NAT keepalives (UDP encapsulation) */
	struct dp_link link;
	bool link_added;
	bool nbr_added;         /* a neighbour on the site's multipoint */
	bool sa_in, sa_out;     /* installed */
	uint32_t spi_in, spi_out;
	char in_key_id[SEQSTORE_ID_LEN + 1]; /* inbound SA's key (restart) */
	int cipher;             /* enum conf_cipher of the manual SAs */
	struct seqstore_sa seq; /* manual outbound SA: its reserved numbers */

	/* Adjacency (adjd.c). */
	bool adj_on;
	struct adj adj;
	struct loop_timer adj_timer;
	int sock;               /* p2p: its own UDP socket; hub spokes: -1 */
	struct loop_io sock_io;
	/* hub: prefixes routed to it on grip-mp, sorted (prefix_cmp), unique */
	struct tunnel_prefix *mp_routes;
	size_t n_mp_routes;
	size_t gr_stale_routes; /* graceful restart: routes kept for it */
};

struct gripd_counters {
	uint64_t reloads;
	uint64_t reload_failures;
	uint64_t control_commands;
};

struct gripd {
	struct loop *loop;
	struct ctl *ctl;
	struct conf *conf;
	char conf_path[CONF_PATH_MAX];
	char ctl_path_override[CONF_PATH_MAX];
	bool foreground;
	bool debug;
	/* Hitless restart (restart.c). */
	char exe_path[CONF_PATH_MAX]; /* what a restart execs */
	char **argv;            /* and with which arguments */
	bool restarted;         /* this process took over from a restart */
	bool restarting;        /* a restart is under way */
	uint32_t restarts;      /* in-place restarts since the first start */
	struct loop_timer restart_timer;
	struct restored_mp *restored; /* hub: multipoint routes carried over */
	size_t nrestored;
	struct restored_replay *replay_in; /* inbound windows carried over */
	size_t nreplay_in;
	uint64_t started_ms;
	uint64_t conf_loaded_ms;
	uid_t uid;
	gid_t gid;
	struct peer *peers;
	uint64_t next_peer_id;
	struct dp *dp;
	struct tunnel *mp;      /* hub: the multipoint tunnel */
	struct dp_tun *mp_dt;
	struct loop_timer mp_timer;
	struct dp_ops_arg dp_arg;
	struct tun_link_monitor *linkmon;
	struct loop_timer sa_timer; /* SA housekeeping: lifetimes, grace, frees */
	struct seqstore seqstore; /* manual SAs' sequence numbers (peer.c) */
	/* Adjacencies and routes (adjd.c). */
	struct rib *rib;
	struct kroute *kr;
	struct zclient *zc;     /* routes through zebra (instead of kr) */
	struct loop_timer converged_timer;
	struct loop_timer rib_timer;
	int mp_sock;            /* hub: the adjacency socket on the multipoint */
	struct loop_io mp_sock_io;
	struct peer **by_id;    /* peers indexed by id */
	size_t by_id_cap;
	bool tracked_down;      /* a tracked interface is down: advertise nothing */
	bool shutting_down;
	struct loop_timer shutdown_timer;
	uint32_t epoch;
	struct loop_io linkmon_io;
	int underlay_ifindex;   /* 0 = unknown */
	unsigned underlay_mtu;
	struct gripd_counters counters;
	char last_reload_error[512];
};

/* Builds peers for conf (the initial load). Returns 0 or -ENOMEM. */
int gripd_apply_initial(struct gripd *d, uint64_t now);
/*
 * Reload: parse and check the file again; on any error keep the running
 * configuration and log every diagnostic; on success apply the difference.
 * Returns 0 or -EINVAL.
 */
int gripd_reload(struct gripd *d, uint64_t now);
void gripd_free_peers(struct gripd *d);
/* Applies log level, destination and debug switches from conf. */
void gripd_apply_logging(struct gripd *d);
struct peer *gripd_peer_find(struct gripd *d, const char *name);
/* "hub" or "spoke", for log lines. */
const char *peer_kind_name(enum peer_kind k);

/*
 * Datapath set-up (peer.c).  gripd_dp_open runs as root (sockets);
 * gripd_dp_start after dropping privileges (TUN devices, SAs, workers).
 */
int gripd_dp_open(struct gripd *d);
int gripd_dp_start(struct gripd *d, uint64_t now);
void gripd_dp_stop(struct gripd *d);
/* Restart: records the exact sequence numbers of every SA (workers stopped). */
void gripd_sa_handoff(struct gripd *d);
/* Brings one peer's tunnel, neighbour and SAs up, or tears them down. */
int peer_start(struct gripd *d, struct peer *p, uint64_t now);
void peer_stop(struct gripd *d, struct peer *p);
const char *peer_state(const struct peer *p);
struct tunnel *peer_tunnel(const struct gripd *d, const struct peer *p);

/* Adjacencies, RIB and kernel routes (adjd.c). */
int gripd_routing_start(struct gripd *d, uint64_t now);
void gripd_routing_stop(struct gripd *d);
int adjd_peer_start(struct gripd *d, struct peer *p, uint64_t now);
void adjd_peer_stop(struct gripd *d, struct peer *p, uint64_t now);
/* Tunnel state changed: adjacencies on it go down or come back. */
void adjd_tunnel_event(struct gripd *d, struct tunnel *t, bool up, uint64_t now);
/* A link event for tracking (hub `track IFNAME`). */
void adjd_link_event(struct gripd *d, const char *ifname, bool up, uint64_t now);
/* Graceful shutdown: GOODBYE to every neighbour, then stop after a drain. */
void gripd_shutdown(struct gripd *d, uint64_t now);
/*
 * Hitless restart, before the re-exec: GOODBYE "restarting" with the site's
 * graceful-restart restart-time to every running adjacency, which then goes
 * DOWN and silent without withdrawing any route (ours stay installed; the
 * neighbours keep theirs through us as stale).  Does not stop the loop.  If
 * the restart is abandoned, restart the adjacencies with a new epoch: the
 * neighbours ignore the old one until their restart time runs out.
 */
void adjd_restart_goodbye(struct gripd *d, uint64_t now);
/* Re-advertises our prefix set to every adjacency. */
void adjd_advertise(struct gripd *d, uint64_t now);
void adjd_clear(struct gripd *d, struct peer *p, uint64_t now);
void adjd_peer_recost(struct gripd *d, struct peer *p, uint64_t now);
/* Pushes RIB decisions into the kernel (through zebra when connected). */
void gripd_rib_sync(struct gripd *d, uint64_t now);
/* The zebra part of it: every dirty prefix's best set to zclient. */
void gripd_rib_sync_zebra(struct rib *rib, struct zclient *zc);

/* Registers the control commands (show.c). */
int gripd_register_commands(struct gripd *d);

/*
 * Hitless restart (restart.c, docs/restart.md).  gripd_restart_register
 * adds the `restart` command; gripd_restart_state reads what the previous
 * process handed over (epoch, restarts) before the datapath starts;
 * gripd_restart_restore puts its multipoint routes back once the
 * datapath runs; gripd_restart_converged removes those that no neighbour
 * announced again.
 */
int gripd_restart_register(struct gripd *d);
void gripd_restart_state(struct gripd *d);
void gripd_restart_restore(struct gripd *d);
void gripd_restart_converged(struct gripd *d);

/*
 * A hub's multipoint datapath entries for spoke p (mproutes.c):
 * mproutes_update makes them match the spoke's complete set v (changing
 * only what differs); mproutes_clear removes them all.
 */
void mproutes_update(struct gripd *d, struct peer *p,
    const struct adj_prefix *v, size_t n);
void mproutes_clear(struct gripd *d, struct peer *p);
/* Our inner address and the neighbour's, of one family (v4 preferred):
 * 0, or -ENOENT when they have no family in common (adjd.c). */
int peer_inner(const struct gripd *d, const struct peer *p,
    struct tunnel_ip *ours, struct tunnel_ip *theirs);
/*
 * The anti-replay window the previous process had for the inbound SA with
 * this SPI and key fingerprint, once (NULL: none; start empty).
 */
const struct esp_replay *gripd_restart_replay(struct gripd *d, uint32_t spi,
    const char *key_id);

#endif
