/* SPDX-License-Identifier: ISC */
/*
 * adj.h: one adjacency (one neighbour over one tunnel) of the protocol in
 * docs/protocol.md, as an explicit state machine.  No sockets, no clock, no
 * logging: the caller hands in datagrams (adj_input), timer and admin
 * events (adj_fsm, adj_timers) and the time, and gets datagrams to send,
 * state changes and complete prefix sets back through struct adj_ops.
 *
 *              HELLO (one-way)              HELLO listing us (two-way)
 *   +------+ ------------------> +------+ --------------------------> +----+
 *   | DOWN |                    | INIT |                             | UP |
 *   +------+ <------------------ +------+ <-------------------------- +----+
 *      ^     HOLD_TIMER, GOODBYE,          HELLO not listing us          |
 *      |     TUNNEL_DOWN, CLEAR,           (peer lost us)                |
 *      |     SHUTDOWN, peer restart                                      |
 *      +-----------------------------------------------------------------+
 *            HOLD_TIMER, GOODBYE, TUNNEL_DOWN, CLEAR, SHUTDOWN,
 *            peer restart (new epoch or router-id)
 *
 * Graceful restart (protocol.md 3.4.1), helper side: a GOODBYE "restarting"
 * with a restart time, received while UP, takes the adjacency DOWN like any
 * GOODBYE but the peer's routes are kept, stale (gr_helping; ops->restart
 * ADJ_GR_BEGIN, and no routes(NULL, 0)).  The peer's next incarnation (a new
 * epoch) forms the adjacency afresh; its first complete set replaces the
 * stale one (ADJ_GR_COMPLETE).  The restart timer running out
 * (ADJ_GR_EXPIRED), or a hold expiry, plain GOODBYE, tunnel down, clear,
 * shutdown, new epoch while UP or UP -> INIT first (ADJ_GR_ABORTED), ends it:
 * the caller withdraws the stale routes.
 *
 *   UP --GOODBYE(restarting, T)--> DOWN, helping --HELLO--> INIT --> UP
 *        --complete set--> UP, not helping
 *   helping --T seconds / hold expiry / plain GOODBYE / ...--> not helping,
 *        routes withdrawn (state as the event says)
 *
 * The restarting side: ADJ_EV_RESTART sends that GOODBYE with our restart
 * time and goes DOWN and silent, like SHUTDOWN, but reports no withdrawal
 * either (restarting stays set until the next START): our datapath and
 * routes live on while the process is replaced.
 *
 * Hellos go out while started and the tunnel is up, in every state.  On
 * entering INIT or UP, and on leaving UP, a hello goes out at once.  On
 * entering UP our prefix set goes out as a new version (UPDATE, one message
 * per fragment) and is retransmitted until every fragment is ACKed.  Every
 * state change is reported once, through ops->state_change.
 *
 * Callbacks run inside adj_input/adj_fsm/adj_timers/adj_set_prefixes: they
 * must not call back into the same adj (queue a datagram instead of
 * delivering it to another adj synchronously) and must not free it.
 */
#ifndef GRIPD_ADJ_H
#define GRIPD_ADJ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "adj_wire.h"

enum adj_state {
	ADJ_DOWN,
	ADJ_INIT,
	ADJ_UP,
	ADJ_STATE_MAX
};

enum adj_event {
	ADJ_EV_START,	      /* begin sending hellos */
	ADJ_EV_HELLO_TIMER,   /* time to send a hello */
	ADJ_EV_HOLD_TIMER,    /* hold deadline reached */
	ADJ_EV_RETX_TIMER,    /* retransmit unacknowledged UPDATE fragments */
	ADJ_EV_RESTART_TIMER, /* the peer's restart time ran out */
	ADJ_EV_TUNNEL_DOWN,   /* tunnel, SA or underlay gone: DOWN at once */
	ADJ_EV_TUNNEL_UP,     /* path back: resume hellos */
	ADJ_EV_CLEAR,	      /* admin clear: GOODBYE, DOWN, re-form */
	ADJ_EV_SHUTDOWN,      /* GOODBYE, DOWN, stop hellos */
	ADJ_EV_RESTART,	      /* GOODBYE restarting, DOWN, stop hellos, keep
			       * routes (we are being replaced) */
	/* from adj_input, after the message was validated and recorded: */
	ADJ_EV_HELLO_1WAY,   /* hello that does not list us */
	ADJ_EV_HELLO_2WAY,   /* hello that lists us (router-id and epoch) */
	ADJ_EV_GOODBYE_RX,   /* the peer leaves */
	ADJ_EV_PEER_RESTART, /* new epoch or router-id from the peer */
	ADJ_EV_MAX
};

struct adj;

/* Graceful-restart helper: what happens to a restarting peer's routes. */
enum adj_gr_event {
	ADJ_GR_BEGIN,	 /* keep them, stale, for gr_peer_time seconds */
	ADJ_GR_COMPLETE, /* replaced by a complete set (routes() ran) */
	ADJ_GR_EXPIRED,	 /* restart time over: withdraw them */
	ADJ_GR_ABORTED,	 /* hold expiry, plain GOODBYE, ...: withdraw them */
	ADJ_GR_MAX
};

struct adj_ops {
	/* Send one datagram to the peer; returns 0 or -errno (counted). */
	int (*send)(struct adj *adj, const uint8_t *buf, size_t len,
	    void *arg);
	/* The one place a state change is reported; the caller logs it. */
	void (*state_change)(struct adj *adj, enum adj_state from,
	    enum adj_state to, const char *reason, void *arg);
	/* The peer's complete new prefix set (accepted ones only); n = 0
	 * when the adjacency leaves UP, except when it leaves for graceful
	 * restart (gr_helping or restarting set: the routes are kept).  v is
	 * valid during the call. */
	void (*routes)(struct adj *adj, const struct adj_prefix *v, size_t n,
	    void *arg);
	/* Allow-list: false refuses the prefix (counted).  NULL: accept all. */
	bool (*accept)(struct adj *adj, const struct adj_prefix *p, void *arg);
	/* Randomness for hello jitter.  NULL: no jitter. */
	uint32_t (*rand)(void *arg);
	/*
	 * Graceful-restart helper events (see the top of this file); reason
	 * says why, for the log.  BEGIN runs after the state change to DOWN,
	 * COMPLETE after routes(), EXPIRED/ABORTED before any state change
	 * of the same event.  NULL: helper mode is off.
	 */
	void (*restart)(struct adj *adj, enum adj_gr_event ev,
	    const char *reason, void *arg);
};

struct adj_cfg {
	const char *name;   /* "hub west-1", for the caller's logs (copied) */
	uint32_t router_id; /* ours, non-zero */
	uint32_t epoch;	    /* ours: greater than any earlier incarnation's */
	uint32_t hello_ms;  /* 0: ADJ_HELLO_DEFAULT_MS */
	uint32_t hold_ms;   /* 0: ADJ_HOLD_DEFAULT_MS */
	struct sockaddr_storage peer; /* opaque here, for ops->send */
	socklen_t peer_len;
	uint32_t peer_router_id; /* 0: any; else others are dropped */
	bool auth;
	uint32_t key_id;
	const uint8_t *key; /* copied; at most ADJ_KEY_MAX bytes */
	size_t keylen;
	uint32_t max_prefixes; /* from the peer; 0: ADJ_PEER_PREFIXES_DEFAULT */
	size_t mtu;	       /* largest message sent; 0: 1200 */
	bool gr_helper;	       /* keep a restarting peer's routes */
	uint16_t restart_time; /* s, announced on RESTART; 0: 120 */
};

struct adj_counters {
	uint64_t hellos_in, hellos_out;
	uint64_t updates_in, updates_out, update_retx;
	uint64_t acks_in, acks_out;
	uint64_t goodbyes_in, goodbyes_out;
	uint64_t bad;	   /* failed to decode, or inconsistent */
	uint64_t unknown;  /* unknown type or version: ignored */
	uint64_t auth_fail; /* missing/unexpected trailer, key id, MAC */
	uint64_t replays;  /* (epoch, seq) not above the last accepted */
	uint64_t ignored;  /* valid but not for this state or peer */
	uint64_t send_errors;
	uint64_t gr_helped;    /* restarts of the peer we helped through */
	uint64_t gr_completed; /* ... that ended with a complete set */
	uint64_t gr_expired;   /* ... that ran out of time */
	uint64_t gr_aborted;   /* ... cut short (hold expiry, GOODBYE, ...) */
};

struct adj {
	char name[64];
	uint32_t router_id, epoch;
	uint32_t hello_ms, hold_ms; /* configured */
	struct sockaddr_storage peer;
	socklen_t peer_len;
	uint32_t peer_router_id_cfg;
	bool auth;
	uint32_t key_id;
	uint8_t key[ADJ_KEY_MAX];
	size_t keylen;
	uint32_t max_prefixes;
	size_t mtu;

	const struct adj_ops *ops;
	void *arg;

	enum adj_state state;
	uint64_t state_since;
	uint64_t flaps; /* times UP was left */
	bool running;	/* START seen, no SHUTDOWN since */
	bool tunnel_up;

	/* what we know of the peer (valid unless DOWN) */
	bool peer_known;
	uint32_t peer_router_id, peer_epoch;
	uint32_t peer_hold_ms, peer_hello_ms;
	char peer_name[ADJ_NAME_MAX + 1];
	uint64_t last_hello_rx;
	uint32_t hold_neg_ms; /* min(ours, peer's) in use */
	/* replay floor: highest (epoch, seq) accepted, kept across DOWN */
	bool replay_valid;
	uint64_t replay_last;

	uint32_t seq; /* our next sequence number */
	char why[96]; /* reason of the event adj_input derived */
	uint16_t bye_restart_s; /* GOODBYE_RX: restart time if we help, or 0 */

	/* graceful restart (protocol.md 3.4.1) */
	bool gr_helper;	       /* cfg: helper mode on */
	uint16_t restart_time; /* cfg: seconds announced on RESTART */
	bool restarting;       /* we sent GOODBYE restarting (until START) */
	bool gr_helping;       /* the peer restarts: its routes are stale */
	uint16_t gr_peer_time; /* restart time it announced, s */
	uint32_t gr_old_router_id, gr_old_epoch; /* the incarnation that left */
	uint64_t gr_since;			 /* helping since */

	/* deadlines, 0 = not armed */
	uint64_t hello_due, hold_due, retx_due;
	uint64_t gr_due;  /* restart timer, while gr_helping */
	uint32_t retx_ms; /* current retransmission interval */

	/* our advertised set */
	struct adj_prefix *our;
	size_t our_n;
	bool our_have; /* adj_set_prefixes() was called */
	uint32_t our_version;
	size_t *frag_start; /* fragment i is our[frag_start[i]..[i + 1]) */
	size_t frag_count;
	uint8_t *acked; /* per fragment */
	size_t unacked;

	/* the peer's last complete set (accepted prefixes) and reassembly */
	struct adj_prefix *peer_set;
	size_t peer_n;
	bool peer_have;
	uint32_t peer_version;
	bool asm_active;
	uint32_t asm_version, asm_total, asm_cap;
	uint16_t asm_frag_count;
	uint32_t asm_frags_seen, asm_entries, asm_refused_cap;
	struct adj_prefix *asm_set;
	uint8_t *asm_frag_seen; /* per fragment */
	uint8_t *asm_filled;	/* per entry, below asm_cap */

	uint64_t prefixes_in, prefixes_out, prefixes_refused;
	struct adj_counters c;
};

/* Returns 0, or -EINVAL (bad cfg: timers out of range, router-id 0, key
 * too long).  The adj starts DOWN and silent until ADJ_EV_START. */
int adj_init(struct adj *adj, const struct adj_cfg *cfg,
    const struct adj_ops *ops, void *arg);
/* Frees the prefix sets; no callback runs. */
void adj_free(struct adj *adj);

/* Timer and administrative events (and those adj_input derives). */
void adj_fsm(struct adj *adj, enum adj_event ev, uint64_t now);
/* Runs every timer whose deadline is <= now. */
void adj_timers(struct adj *adj, uint64_t now);
/* Earliest armed deadline, UINT64_MAX when none. */
uint64_t adj_next_deadline(const struct adj *adj);

/* One received datagram: decode, authenticate, replay-check, act.  Returns
 * 0, or -errno after counting it: -EBADMSG (malformed), -EPROTONOSUPPORT /
 * -EOPNOTSUPP (unknown version / type), -EACCES (authentication),
 * -EALREADY (replay), -ENOENT (not our peer / not for this state). */
int adj_input(struct adj *adj, const uint8_t *buf, size_t len, uint64_t now);

/* Replaces our advertised set (copied); when UP, sends it as a new
 * version.  Returns 0, -EINVAL (bad prefix), -E2BIG, -ENOMEM. */
/*
 * Reload: the graceful-restart settings (helper mode, the restart time we
 * announce) change without touching the adjacency's state.
 */
void adj_set_graceful_restart(struct adj *adj, bool helper, uint16_t restart_time);

/*
 * Our advertised set (copied).  While UP a changed set goes out at once as
 * a new version; the same set again (field by field, in order) changes
 * nothing.  Returns 0, -E2BIG (too many for ADJ_SET_MAX or the fragment
 * count), -EINVAL (a bad prefix) or -ENOMEM.
 */
int adj_set_prefixes(struct adj *adj, const struct adj_prefix *v, size_t n,
    uint64_t now);

const char *adj_state_name(enum adj_state s);
const char *adj_event_name(enum adj_event ev);
/* "begin", "complete", "expired", "aborted"; "?" otherwise. */
const char *adj_gr_event_name(enum adj_gr_event ev);

#endif
