/* SPDX-License-Identifier: ISC */
/*
 * zclient.h (private to routed/): the zebra route backend.  The only code
 * that talks to zebra; the bytes come from the pure codec in zapi.h.
 *
 * gripd hands it the best (ECMP) next-hop set per prefix, one route per
 * prefix (zebra keeps one route per prefix per client).  Routes go in as
 * type NHRP, instance 0, with an explicit distance (docs/frr.md says why).
 * The client keeps the wanted routes in its own table, so it can replay
 * them whenever zebra comes back:
 *
 *   DOWN --connect ok--> PROBING --ERROR reply / timeout--> UP
 *     ^   (version auto or 10: the unknown-command probe)    |
 *     |   (version 8 or 9: straight to UP)                   |
 *     +----- EOF, error, bad header: backoff 250 ms .. 5 s --+
 *
 * Entering UP queues HELLO (NHRP, receive notes), ROUTE_NOTIFY_REQUEST
 * (10.x), graceful restart with the stale time, an INTERFACE_ADD request,
 * every wanted route, and ROUTE_UPDATE_COMPLETE for IPv4 and IPv6 once the
 * daemon has said its table is complete (zclient_update_complete()), so
 * zebra sweeps whatever a previous gripd left and we did not re-add.
 * Writes are queued and flushed on EPOLLOUT: any number of routes can be
 * set at once without blocking or dropping.
 *
 * Per route, zebra's ROUTE_NOTIFY_OWNER notes set the state shown by
 * zclient_route_state() / zclient_walk_routes().  Interface events reach
 * the daemon through a callback; when an interface comes (back) up, the
 * routes over it are sent again, because zebra 8.4 does not reinstall them
 * after a link flap.
 *
 * Every function returns 0 or -errno unless it says otherwise.  None may
 * be called from inside one of this module's callbacks except
 * zclient_route_set/del/state and the getters.
 */
#ifndef GRIPD_ZCLIENT_H
#define GRIPD_ZCLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rib.h"
#include "zapi.h"

struct loop;
struct zclient;

/* Default zebra socket (Debian, Ubuntu, FRR's own packages). */
#define ZCLIENT_PATH_DEFAULT "/run/frr/zserv.api"
/* Default route distance (conf: route-distance). */
#define ZCLIENT_DISTANCE_DEFAULT 150
/*
 * Graceful-restart stale time: how long zebra keeps our routes after we
 * disconnect without withdrawing (a gripd restart or crash), and after we
 * reconnect before it removes the ones we did not re-add.  30 s covers a
 * restart with its IKE and adjacency set-up; a dead gripd's routes last no
 * longer than that.
 */
#define ZCLIENT_STALE_DEFAULT_S 30
/* How long zclient_free(zc, true) waits for the withdrawals to be written. */
#define ZCLIENT_DRAIN_MS 3000

enum zclient_route_state {
	ZCLIENT_RS_NONE,        /* not in our table */
	ZCLIENT_RS_QUEUED,      /* wanted; zebra not connected yet */
	ZCLIENT_RS_SENT,        /* ROUTE_ADD sent, no note yet */
	ZCLIENT_RS_INSTALLED,   /* zebra installed it (FIB) */
	ZCLIENT_RS_FAILED,      /* FAIL_INSTALL (retried on the next set) */
	ZCLIENT_RS_ADMIN_LOST,  /* BETTER_ADMIN_WON: a lower distance wins */
	ZCLIENT_RS_REMOVED,     /* zebra removed it while we still want it */
};

/* Returns "installed", "queued", ... */
const char *zclient_route_state_name(enum zclient_route_state st);

enum zclient_iface_ev {
	ZCLIENT_IF_ADD,    /* first seen (zebra's INTERFACE_ADD) */
	ZCLIENT_IF_UP,     /* became operational (UP, RUNNING, LOWER_UP) */
	ZCLIENT_IF_DOWN,   /* stopped being operational */
	ZCLIENT_IF_DELETE, /* gone */
};

/* One route for zclient_walk_routes(); pointers valid during the call. */
struct zclient_route_info {
	const struct rib_prefix *pfx;
	const struct rib_nexthop *nh;
	size_t nh_count;
	uint32_t metric;
	enum zclient_route_state state;
	uint64_t changed_ms; /* monotonic ms of the last state change */
};

struct zclient_stats {
	bool connected;
	const char *version; /* "8.4", "10.2" ...; NULL before the first UP */
	size_t routes;       /* wanted routes */
	size_t by_state[ZCLIENT_RS_REMOVED + 1];
	uint64_t connects;   /* sessions started */
	uint64_t notes;      /* ROUTE_NOTIFY_OWNER received */
	size_t queued_bytes; /* not yet written to the socket */
};

/*
 * Creates a client for the zserv socket at path (NULL: the default) and
 * starts connecting from the loop (never from inside this call).
 * zversion: 0 auto (probe), or 8, 9, 10 for the FRR major (8 also means
 * 9.0; 9 means 9.1; 10 probes between 10.0-10.1 and 10.2+).  distance
 * 1..255 (0: ZCLIENT_DISTANCE_DEFAULT).  Returns 0 with *out set,
 * -EINVAL or -ENOMEM.
 */
int zclient_new(struct loop *loop, const char *path, int zversion,
    uint8_t distance, struct zclient **out);
/* Routing table id (0 or 254: main).  Takes effect for later messages. */
void zclient_set_table(struct zclient *zc, uint32_t table);
/* GR stale time in seconds (0: ZCLIENT_STALE_DEFAULT_S), next session. */
/*
 * Graceful restart on (default) or off.  Off: zebra removes our routes as
 * soon as we disconnect, which is right when the forwarding state dies
 * with the daemon (the userspace datapath's TUN devices).
 */
void zclient_set_graceful_restart(struct zclient *zc, bool on);
/*
 * Restart handoff: turns graceful restart on with stale_s, announces it and
 * writes everything queued (bounded wait).  0, -ENOTCONN or -EAGAIN.
 */
int zclient_restart_handoff(struct zclient *zc, uint32_t stale_s);
/* Graceful restart off again (tells zebra when connected). */
void zclient_gr_off(struct zclient *zc);
/* A route tag (route-maps can match it) on every route; 0 = none. */
void zclient_set_tag(struct zclient *zc, uint32_t tag);
void zclient_set_stale_time(struct zclient *zc, uint32_t seconds);

/* connected: UP (true) or lost (false). */
void zclient_set_state_cb(struct zclient *zc,
    void (*cb)(bool connected, void *arg), void *arg);
/* Interface events; ifp is valid during the call. */
void zclient_set_iface_cb(struct zclient *zc,
    void (*cb)(const struct zapi_iface *ifp, enum zclient_iface_ev ev,
	void *arg),
    void *arg);
/*
 * Every ROUTE_NOTIFY_OWNER, with the state it gave (ZCLIENT_RS_NONE and
 * note REMOVED after our own delete).
 */
void zclient_set_route_cb(struct zclient *zc,
    void (*cb)(const struct rib_prefix *p, enum zclient_route_state st,
	uint32_t note, void *arg),
    void *arg);

/*
 * Wants p via n (1..ZAPI_NH_MAX) next hops at metric (the BGP MED under
 * `redistribute nhrp`).  Host bits of p are cleared.  Setting the same
 * hops and metric again is a no-op unless the last state was FAILED or
 * REMOVED.  Returns 0, -EINVAL or -ENOMEM.
 */
int zclient_route_set(struct zclient *zc, const struct rib_prefix *p,
    const struct rib_nexthop *nh, size_t n, uint32_t metric);
/* No longer wants p.  Returns 0, -ENOENT (not ours) or -EINVAL. */
int zclient_route_del(struct zclient *zc, const struct rib_prefix *p);
/* Returns the state of p (ZCLIENT_RS_NONE when not ours). */
enum zclient_route_state zclient_route_state(
    const struct zclient *zc, const struct rib_prefix *p);
/* Calls cb for every wanted route, in no particular order. */
void zclient_walk_routes(const struct zclient *zc,
    void (*cb)(const struct zclient_route_info *ri, void *arg), void *arg);

/*
 * The daemon's table is complete (start-up convergence): from now on
 * every session ends its replay with ROUTE_UPDATE_COMPLETE, and this one
 * sends it now.  Until then zebra keeps a previous run's routes (for at
 * most the stale time).
 */
void zclient_update_complete(struct zclient *zc);

/* Whether a session is UP (HELLO sent). */
bool zclient_connected(const struct zclient *zc);
void zclient_get_stats(const struct zclient *zc, struct zclient_stats *st);

/*
 * Closes the client.  withdraw: delete every route and disable graceful
 * restart first (a clean exit; waits up to ZCLIENT_DRAIN_MS for zebra to
 * confirm every delete); otherwise just close, and zebra keeps the routes for the stale
 * time (a restart).  NULL is fine.
 */
void zclient_free(struct zclient *zc, bool withdraw);

#endif
