/* SPDX-License-Identifier: ISC */
/*
 * tunnel.h: tunnel objects, their state machine, per-tunnel counters, and the
 * multipoint neighbour table (inner next hop -> spoke) of a hub.
 *
 * State machine (tunnel_fsm(); docs/tunnels.md has the long version):
 *
 *                CREATE ok                          DESTROY (any state)
 *  +------+ -----------------> +---------+          -------------> DOWN
 *  | DOWN |                    | CREATED | <-----------------+
 *  +------+ <-+                +---------+   SA_DOWN          |
 *    |        | CREATE failed:    |    ^                      |
 *    +--------+ retry on TIMER    |    | UNDERLAY_UP,     +-------+
 *      (1 s, 2 s, .. 60 s)        |    | SA still down    | READY |
 *                UNDERLAY_DOWN    v    |                  +-------+
 *                         +---------------+                ^   |
 *                         | UNDERLAY_DOWN | ---------------+   |
 *                         +---------------+  UNDERLAY_UP,      |
 *                                ^           SA up             |
 *                                +-----------------------------+
 *                                          UNDERLAY_DOWN
 *  CREATED -> READY on SA_UP / UNDERLAY_UP once both are up.
 *  ADMIN_DOWN (any created state) -> ADMIN_DOWN; ADMIN_UP -> by the facts:
 *  admin down > underlay down > READY (SA up, underlay up) > CREATED.
 *
 * Facts (SA up, underlay up/down/unknown, admin down) are recorded in every
 * state, including DOWN, so the order in which the IKE daemon, the link
 * monitor and the config report them does not matter.
 */
#ifndef GRIPD_TUNNEL_H
#define GRIPD_TUNNEL_H

#include <net/if.h>
#include <netinet/in.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <gripd/gre.h>
#include <gripd/tunmtu.h>

#define TUNNEL_NAME_MAX 64
#define TUNNEL_RETRY_MIN_MS 1000  /* create retry backoff: 1 s .. */
#define TUNNEL_RETRY_MAX_MS 60000 /* .. doubling to 60 s */

enum tunnel_kind {
	TUNNEL_P2P,	   /* spoke: one interface per hub */
	TUNNEL_MULTIPOINT, /* hub: one interface, spokes as neighbours */
};

enum tunnel_state {
	TUNNEL_S_DOWN,		/* no interface */
	TUNNEL_S_CREATED,	/* interface up with addresses, not usable */
	TUNNEL_S_READY,		/* SA installed and underlay up */
	TUNNEL_S_UNDERLAY_DOWN, /* the underlay link reported down */
	TUNNEL_S_ADMIN_DOWN,	/* shut down by configuration */
	TUNNEL_S_MAX
};

enum tunnel_event {
	TUNNEL_EV_CREATE,
	TUNNEL_EV_SA_UP,
	TUNNEL_EV_SA_DOWN,
	TUNNEL_EV_UNDERLAY_UP,
	TUNNEL_EV_UNDERLAY_DOWN,
	TUNNEL_EV_ADMIN_DOWN,
	TUNNEL_EV_ADMIN_UP,
	TUNNEL_EV_DESTROY,
	TUNNEL_EV_TIMER, /* a deadline from tunnel_next_deadline() */
	TUNNEL_EV_MAX
};

enum tunnel_underlay {
	TUNNEL_UL_UNKNOWN,
	TUNNEL_UL_UP,
	TUNNEL_UL_DOWN,
};

/* An address of either family, network byte order; family 0 = none. */
struct tunnel_ip {
	int family;
	union {
		struct in_addr v4;
		struct in6_addr v6;
		uint8_t b[16];
	} u;
};

struct tunnel_prefix {
	struct tunnel_ip addr;
	unsigned plen;
};

/*
 * Updated by the worker threads with relaxed atomic adds, read by the
 * control thread with tunnel_counters_read(); each counter is exact, a
 * snapshot of several is not a consistent cut (it does not need to be).
 */
struct tunnel_counters {
	/*
	 * The transmit and the receive worker each own a cache line, so the
	 * two threads never bounce one line between cores per packet.
	 */
	_Alignas(64) _Atomic uint64_t tx_packets, tx_bytes;
	_Alignas(64) _Atomic uint64_t rx_packets, rx_bytes;
	_Alignas(64) _Atomic uint64_t mtu_drops; /* too big, ICMP sent or not */
	_Atomic uint64_t gre_malformed; /* gre_decap() rejected */
	_Atomic uint64_t nbr_drops;	/* multipoint: no neighbour */
	_Atomic uint64_t icmp_sent;	/* too-big errors written back */
	_Atomic uint64_t mss_clamped;
};

struct tunnel_counters_snap {
	uint64_t tx_packets, tx_bytes, rx_packets, rx_bytes, mtu_drops,
	    gre_malformed, nbr_drops, icmp_sent, mss_clamped;
};

static inline void
tunnel_count(_Atomic uint64_t *c, uint64_t n)
{
	atomic_fetch_add_explicit(c, n, memory_order_relaxed);
}

struct tunnel;
struct nbr_table;

/*
 * What the tunnel needs from its owner (routed): the datapath hooks, and
 * where to say things.  tunnels never logs on its own.  Every hook may be
 * NULL except create.
 */
struct tunnel_ops {
	/* Make the interface (TUN or kernel GRE), addresses, MTU, up. */
	int (*create)(struct tunnel *t, void *arg);
	void (*destroy)(struct tunnel *t, void *arg);
	/* Set the interface up (true) or down for ADMIN_UP/ADMIN_DOWN. */
	int (*admin)(struct tunnel *t, bool up, void *arg);
	/* prio is a syslog priority (LOG_INFO, LOG_WARNING, ...). */
	void (*log)(void *arg, int prio, const char *msg);
	/* Every state change, after it happened (adjacency reacts here). */
	void (*notify)(struct tunnel *t, enum tunnel_state from,
	    enum tunnel_state to, const char *reason, void *arg);
};

struct tunnel {
	char name[TUNNEL_NAME_MAX]; /* the hub/site name, for logs */
	char ifname[IFNAMSIZ];
	int ifindex; /* set by ops->create */
	enum tunnel_kind kind;
	struct tunnel_prefix inner4, inner6;	  /* our inner addresses */
	struct tunnel_ip peer4, peer6;		  /* P2P: the far end's */
	struct tunnel_ip outer_local, outer_peer; /* outer_peer: P2P only */
	struct gre_cfg gre;
	unsigned mtu;	     /* inner MTU, tunnel_set_mtu() */
	uint16_t mss4, mss6; /* clamp TCP SYNs to this; 0 = off */

	enum tunnel_state state;
	uint64_t state_since; /* ms, the caller's clock */
	unsigned flaps;	      /* times READY was left */
	bool sa_up;
	enum tunnel_underlay underlay;
	bool admin_down;
	bool want_created; /* CREATE seen, not yet DESTROY */
	uint64_t retry_at; /* 0 = no retry pending */
	unsigned retry_ms;
	int last_err; /* of the last create, -errno */

	const struct tunnel_ops *ops;
	void *ops_arg;
	void *dp;		/* the datapath's (ops') own state */
	struct nbr_table *nbrs; /* TUNNEL_MULTIPOINT only */
	struct tunnel_counters ctr;
};

/*
 * Initializes t in TUNNEL_S_DOWN (a multipoint tunnel gets an empty
 * neighbour table).  Returns 0, -EINVAL (name too long, no create hook),
 * -ENOMEM.
 */
int tunnel_init(struct tunnel *t, const char *name, enum tunnel_kind kind,
    const struct tunnel_ops *ops, void *arg);
/* Frees what tunnel_init() allocated; does not call ops->destroy. */
void tunnel_fini(struct tunnel *t);

/*
 * Feeds one event at time now (ms, monotonic, the caller's clock).
 * Returns 0, or the -errno of a failed create/admin hook (the tunnel stays
 * DOWN and retries at tunnel_next_deadline()).
 */
int tunnel_fsm(struct tunnel *t, enum tunnel_event ev, uint64_t now);
/* The one place a state changes: logs "tunnel NAME: A -> B (reason)". */
void tunnel_set_state(
    struct tunnel *t, enum tunnel_state to, const char *reason, uint64_t now);
/* The earliest time TUNNEL_EV_TIMER is due, or 0 for none. */
uint64_t tunnel_next_deadline(const struct tunnel *t);

const char *tunnel_state_name(enum tunnel_state s);
const char *tunnel_event_name(enum tunnel_event ev);
const char *tunnel_kind_name(enum tunnel_kind k);

/*
 * Computes and stores t->mtu from p, and when clamp_mss the MSS values to
 * clamp SYNs to (RFC 9293 3.7.1: MTU minus IP and TCP headers, so mtu - 40
 * for IPv4 and mtu - 60 for IPv6).  Warns
 * through ops->log when the tunnel has an IPv6 address and the MTU is below
 * 1280 (RFC 8200 5).  Returns 0 or the -errno of tunmtu_inner_max().
 */
int tunnel_set_mtu(
    struct tunnel *t, const struct tunmtu_params *p, bool clamp_mss);

void tunnel_counters_read(
    const struct tunnel *t, struct tunnel_counters_snap *out);

/* ---- multipoint neighbour table (nbr.c) ------------------------------ */

/*
 * One spoke on a hub's multipoint tunnel.  Looked up by its inner addresses
 * (the next hop of a reverse route) on transmit and by outer address + UDP
 * port + GRE key on receive (spokes behind one NAT share the address).
 */
struct nbr {
	struct tunnel_ip inner4, inner6; /* at least one */
	struct tunnel_ip outer;
	uint16_t outer_port; /* NAT-T source port (RFC 3948); 0 raw */
	bool gre_key_present;
	uint32_t gre_key;
	uint64_t sa; /* opaque handle of the SA pair */
};

/*
 * Concurrency: lookups from any number of worker threads, changes from the
 * control thread; a writer-preferring rwlock, results copied out so no
 * pointer into the table escapes the lock.  See docs/tunnels.md.
 */
struct nbr_table *nbr_table_new(unsigned expected);
void nbr_table_free(struct nbr_table *tb);
/* Returns 0, -EINVAL (no inner address), -EEXIST (an inner address or the
 * outer key is taken), -ENOMEM. */
int nbr_add(struct nbr_table *tb, const struct nbr *n);
/* Removes the neighbour owning inner (all its keys). 0 or -ENOENT. */
int nbr_del(struct nbr_table *tb, const struct tunnel_ip *inner);
/* Replaces the SA handle (rekey). 0 or -ENOENT. */
int nbr_set_sa(
    struct nbr_table *tb, const struct tunnel_ip *inner, uint64_t sa);
/* Transmit: by inner next hop.  0 with *out filled, or -ENOENT. */
int nbr_lookup(
    struct nbr_table *tb, const struct tunnel_ip *nexthop, struct nbr *out);
/* Receive: by outer source, UDP port (0 raw ESP) and GRE key. */
int nbr_lookup_outer(struct nbr_table *tb, const struct tunnel_ip *outer,
    uint16_t port, bool key_present, uint32_t key, struct nbr *out);
unsigned nbr_count(struct nbr_table *tb);

#endif
