/* SPDX-License-Identifier: ISC */
/*
 * conf.h: the gripd configuration (gripd.conf(5)) as plain structs.
 *
 * Loading is three passes, each usable on its own:
 *
 *   conf_parse_into()   pure: one buffer -> stanzas in a struct conf, every
 *                       syntax/value error appended to a diag list; include
 *                       lines and secret file paths are only recorded.
 *   conf_check()        pure: defaults and inheritance (site -> hub/spoke),
 *                       cross references and conflicts, stable sort by name.
 *   conf_load()         the I/O layer: reads the main file, expands includes,
 *                       runs the two passes above, then opens, checks (mode
 *                       0600-like) and reads every secret file so the daemon
 *                       holds the keys before it drops privileges.
 *
 * Every value a daemon needs is an effective value after conf_check() (a hub's
 * hello_ms is the site's when the hub stanza did not set it).  The `set` and
 * `at` members are bookkeeping for the printer and the diagnostics.
 */
#ifndef GRIPD_CONF_H
#define GRIPD_CONF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define CONF_EXIT_ERROR 78 /* EX_CONFIG from sysexits.h */

#define CONF_NAME_MAX 64  /* site/hub/spoke names incl. NUL */
#define CONF_IFNAME_MAX 16 /* IFNAMSIZ */
#define CONF_PATH_MAX 256
#define CONF_STR_MAX 256
#define CONF_KW_MAX 64 /* keyword slots per stanza (set bits / locations) */
#define CONF_INCLUDE_DEPTH 8

/* Defaults; gripd.conf(5) explains each choice. */
#define CONF_DEF_USER "gripd"
#define CONF_DEF_CONTROL_SOCKET "/run/gripd/gripd.sock"
#define CONF_DEF_ZEBRA_SOCKET "/run/frr/zserv.api"
#define CONF_DEF_HELLO_MS 300
#define CONF_DEF_HOLD_MS 900
#define CONF_DEF_FAILBACK_MS 30000
#define CONF_DEF_NAT_KEEPALIVE_MS 20000
#define CONF_DEF_ROUTE_DISTANCE 150
#define CONF_DEF_ROUTE_TABLE 254 /* main */
#define CONF_DEF_KERNEL_PROTO 250
#define CONF_DEF_ADJ_PORT 7913
#define CONF_DEF_GR_RESTART_S 120 /* graceful-restart restart-time */
#define CONF_GR_RESTART_MIN_S 1
#define CONF_GR_RESTART_MAX_S 3600
#define CONF_DEF_COST 10
#define CONF_DEF_MP_IFNAME "grip-mp"
#define CONF_IFNAME_PREFIX "grip-"

/* Where a statement came from; file points into conf->files. */
struct conf_loc {
	const char *file;
	int line;
	int col;
};

struct conf_addr {
	int family; /* AF_INET, AF_INET6, 0 = unset */
	uint8_t a[16];
};

struct conf_prefix {
	struct conf_addr addr;
	unsigned len;
};

/* A file holding a secret, and (after conf_load) its decoded content. */
struct conf_secret {
	char path[CONF_PATH_MAX]; /* as written; "" = none */
	struct conf_loc loc;
	uint8_t *data; /* heap, wiped by conf_free() */
	size_t len;
};

enum conf_role { CONF_ROLE_NONE, CONF_ROLE_SPOKE, CONF_ROLE_HUB };
enum conf_log_dest { CONF_LOG_STDERR, CONF_LOG_SYSLOG };
enum conf_log_level {
	CONF_LOG_ERROR, CONF_LOG_WARNING, CONF_LOG_NOTICE, CONF_LOG_INFO,
	CONF_LOG_DEBUG
};
enum conf_debug {
	CONF_DEBUG_ADJACENCY = 1 << 0, CONF_DEBUG_TUNNEL = 1 << 1,
	CONF_DEBUG_ESP = 1 << 2, CONF_DEBUG_IKE = 1 << 3,
	CONF_DEBUG_RIB = 1 << 4, CONF_DEBUG_ZEBRA = 1 << 5,
	CONF_DEBUG_CONFIG = 1 << 6, CONF_DEBUG_CONTROL = 1 << 7,
	CONF_DEBUG_DATAPATH = 1 << 8, CONF_DEBUG_ALL = (1 << 9) - 1
};
enum conf_datapath { CONF_DP_AUTO, CONF_DP_KERNEL, CONF_DP_USERSPACE };
enum conf_routes { CONF_ROUTES_AUTO, CONF_ROUTES_ZEBRA, CONF_ROUTES_KERNEL };
enum conf_zversion { CONF_ZV_AUTO, CONF_ZV_8, CONF_ZV_9, CONF_ZV_10 };
enum conf_keying { CONF_KEYING_IKE, CONF_KEYING_MANUAL };
enum conf_esp_mode { CONF_ESP_TRANSPORT, CONF_ESP_TUNNEL };
enum conf_esp_encap { CONF_ENCAP_AUTO, CONF_ENCAP_RAW, CONF_ENCAP_UDP };
enum conf_cipher {
	CONF_CIPHER_AES128GCM16, CONF_CIPHER_AES256GCM16,
	CONF_CIPHER_CHACHA20POLY1305, CONF_CIPHER_AES128_SHA256,
	CONF_CIPHER_AES256_SHA256
};
#define CONF_MSS_AUTO (-1)
#define CONF_MSS_OFF 0

/* Settings a site gives defaults for and a hub/spoke stanza may override. */
struct conf_opts {
	uint32_t hello_ms;
	uint32_t hold_ms;
	uint32_t failback_ms;
	bool gre_key_set;
	uint32_t gre_key;
	bool gre_checksum;
	uint32_t mtu; /* 0 = automatic */
	int mss_clamp; /* CONF_MSS_AUTO, CONF_MSS_OFF or a value */
	char ike_identity[CONF_STR_MAX]; /* site: ours; hub/spoke: the peer's */
	struct conf_secret psk;
	int keying; /* enum conf_keying */
	int esp_mode;
	int esp_encap;
	bool shutdown;
};

/* Manual keying, RFC 4303 SA parameters given by hand (RFC 4301 4.5). */
struct conf_manual_sa {
	bool set;
	struct conf_loc loc;
	uint32_t spi;
	int cipher; /* enum conf_cipher */
	bool esn;
	/*
	 * Inbound anti-replay window (RFC 4303 3.4.3) in packets; 0 = off, the
	 * default for manual SAs (as Linux XFRM and IOS do): a restarted peer
	 * starts its counter at 1 again, which a window would refuse forever.
	 * replay_set: written in the file (printed back only then).
	 */
	uint32_t replay_window;
	bool replay_set;
	struct conf_secret key; /* key material incl. salt for AEAD */
};

struct conf_advert {
	struct conf_loc loc;
	bool is_default; /* "advertise default": a default route per family */
	struct conf_prefix pfx;
	uint32_t metric;
};

struct conf_track {
	struct conf_loc loc;
	char ifname[CONF_IFNAME_MAX];
};

/* FRR prefix-list entry: exact match unless ge/le given (0 = not given). */
struct conf_allow {
	struct conf_loc loc;
	struct conf_prefix pfx;
	unsigned ge, le;
};

struct conf_global {
	uint64_t set;
	struct conf_loc at[CONF_KW_MAX];
	char user[CONF_NAME_MAX];
	char group[CONF_NAME_MAX]; /* "" = the user's primary group */
	char control_socket[CONF_PATH_MAX];
	char control_group[CONF_NAME_MAX]; /* "" = not set */
	int log_dest;
	char log_facility[16];
	int log_level;
	unsigned debug; /* enum conf_debug bits */
};

struct conf_site {
	char name[CONF_NAME_MAX];
	struct conf_loc loc;
	uint64_t set;
	struct conf_loc at[CONF_KW_MAX];
	int role; /* enum conf_role */
	struct conf_addr router_id;
	struct conf_addr local4, local6;
	struct conf_loc local4_loc, local6_loc;
	char underlay_ifname[CONF_IFNAME_MAX];
	struct conf_advert *adverts;
	size_t nadverts;
	struct conf_track *tracks;
	size_t ntracks;
	int datapath;
	int routes;
	/*
	 * 0 on (default), 1 off: tunnels only, no adjacency and no routes, for
	 * running another routing protocol (bgpd, ospfd) over gripd's tunnels.
	 */
	int adjacency;
	char zebra_socket[CONF_PATH_MAX];
	int zebra_version;
	uint32_t route_distance;
	uint32_t route_table;
	uint32_t route_tag; /* zebra: tag on every route (route-maps), 0 none */
	uint32_t kernel_proto;
	uint32_t adj_port;
	/*
	 * graceful-restart: the restart time (s) we announce before a hitless
	 * restart, and whether we keep a restarting neighbour's routes
	 * (helper: 0 on, the default, 1 off).  *_set: written in the file.
	 */
	uint32_t gr_restart_s;
	int gr_helper;
	bool gr_restart_set, gr_helper_set;
	struct conf_loc gr_restart_loc, gr_helper_loc;
	uint32_t nat_keepalive_ms;
	char certificate[CONF_PATH_MAX];
	struct conf_secret private_key; /* PEM bytes after load */
	char ca_certificate[CONF_PATH_MAX];
	char ike_proposal[CONF_STR_MAX];
	char esp_proposal[CONF_STR_MAX];
	bool auth_set; /* adjacency HMAC-SHA256 */
	uint32_t auth_key_id;
	struct conf_secret auth_key;
	char mp_ifname[CONF_IFNAME_MAX]; /* hub: the multipoint interface */
	struct conf_prefix mp_tun4, mp_tun6;
	struct conf_loc mp_tun4_loc, mp_tun6_loc;
	struct conf_opts opts;
};

/* A hub as seen from a spoke: one point-to-point tunnel. */
struct conf_hub {
	char name[CONF_NAME_MAX];
	struct conf_loc loc;
	uint64_t set;
	struct conf_loc at[CONF_KW_MAX];
	struct conf_addr address;
	char ifname[CONF_IFNAME_MAX];
	struct conf_prefix tun4, tun6; /* our inner address/prefix */
	struct conf_addr peer4, peer6;  /* the hub's inner address */
	struct conf_loc tun4_loc, tun6_loc;
	uint32_t cost;
	struct conf_manual_sa sa_in, sa_out;
	struct conf_opts opts;
};

/* A spoke as seen from a hub: a neighbour on the multipoint interface, or
 * its own point-to-point tunnel. */
struct conf_spoke {
	char name[CONF_NAME_MAX];
	struct conf_loc loc;
	uint64_t set;
	struct conf_loc at[CONF_KW_MAX];
	bool dynamic; /* address dynamic: learnt from IKE */
	struct conf_addr address;
	struct conf_addr tun4, tun6; /* spoke's inner address on the mGRE net */
	struct conf_loc tun4_loc, tun6_loc;
	bool p2p;
	char p2p_ifname[CONF_IFNAME_MAX];
	struct conf_prefix p2p_tun4, p2p_tun6;
	struct conf_addr p2p_peer4, p2p_peer6;
	struct conf_loc p2p_tun4_loc, p2p_tun6_loc;
	struct conf_allow *allows;
	size_t nallows;
	uint32_t max_prefixes; /* 0 = no limit */
	struct conf_manual_sa sa_in, sa_out;
	struct conf_opts opts;
};

/* An include line, recorded by the parser, expanded by conf_load(). */
struct conf_include {
	struct conf_loc loc;
	char pattern[CONF_PATH_MAX];
};

struct conf {
	struct conf_global global;
	struct conf_site *site; /* NULL when the configuration has none */
	struct conf_hub **hubs; /* sorted by name after conf_check() */
	size_t nhubs;
	struct conf_spoke **spokes;
	size_t nspokes;
	struct conf_include *includes;
	size_t nincludes;
	char **files; /* every file name read; conf_loc.file points here */
	size_t nfiles;
	size_t *files_idx; /* open-addressing index into files (+1; 0 empty) */
	size_t files_idx_cap;
	char *dir; /* directory relative secret paths resolve against */
};

/* Diagnostics, each a full "FILE:LINE:COL: error: MSG" line without '\n'. */
struct conf_diag_list {
	char **msgs;
	size_t n, cap;
	unsigned errors, warnings;
};

void conf_diag_init(struct conf_diag_list *);
void conf_diag_free(struct conf_diag_list *);
/* Writes every diagnostic, one per line. */
void conf_diag_print(const struct conf_diag_list *, FILE *);

/* An empty configuration with every default; NULL on ENOMEM. */
struct conf *conf_new(void);
void conf_free(struct conf *);

#define CONF_PARSE_MAIN 0x1 /* the main file: include and site allowed */

/*
 * Parses one file's text into c.  Pure: no I/O; include lines are recorded in
 * c->includes.  Returns 0, -EINVAL when it appended errors, -ENOMEM.
 */
int conf_parse_into(struct conf *c, const char *name, const char *text,
    size_t len, unsigned flags, struct conf_diag_list *);

/*
 * Second pass: defaults and inheritance, cross checks, sort by name.
 * Pure.  Returns 0 or -EINVAL (errors appended).
 */
int conf_check(struct conf *c, struct conf_diag_list *);

/*
 * conf_new + conf_parse_into(main) + conf_check on one buffer, without
 * includes or secret files: for tests and the fuzzer.  *out is set even on
 * -EINVAL (so callers can print what was understood); NULL on -ENOMEM.
 */
int conf_parse_buffer(const char *name, const char *text, size_t len,
    struct conf **out, struct conf_diag_list *);

/*
 * Reads mainpath and its includes, checks everything, reads the secret
 * files.  Returns 0 with *out set, -EINVAL on configuration errors (all of
 * them in diags, *out NULL), or -errno (e.g. the main file cannot be read:
 * that is reported in diags too).
 */
int conf_load(const char *mainpath, struct conf **out, struct conf_diag_list *);

/* Reads and validates every secret file of c (relative to c->dir). */
int conf_load_secrets(struct conf *c, struct conf_diag_list *);

#define CONF_PRINT_DEFAULTS 0x1 /* also print settings left at default */

/*
 * Normalized configuration: one self-contained file, globals, site, hubs and
 * spokes by name.  Without CONF_PRINT_DEFAULTS only settings written in the
 * input are printed.  Secrets are printed as their file paths.  Returns 0 or
 * -EIO.
 */
int conf_print(const struct conf *, FILE *);
int conf_print_flags(const struct conf *, FILE *, unsigned flags);

enum conf_obj { CONF_OBJ_GLOBAL, CONF_OBJ_SITE, CONF_OBJ_HUB, CONF_OBJ_SPOKE };
enum conf_change { CONF_ADDED, CONF_REMOVED, CONF_CHANGED };

const char *conf_obj_name(enum conf_obj);
const char *conf_change_name(enum conf_change);

/*
 * Reports what a reload from old to new changes, per stanza: the global
 * statements, the site, each hub and each spoke (matched by name).  A stanza
 * is CHANGED when any effective value or any secret's content differs.  cb
 * gets the old and new object (NULL when absent).  Returns 0 or -ENOMEM.
 */
int conf_diff(const struct conf *old, const struct conf *new_,
    void (*cb)(void *arg, enum conf_obj, enum conf_change, const char *name,
	const void *oldobj, const void *newobj),
    void *arg);

/* Helpers shared with the daemon and gripctl. */
const char *conf_role_name(int role);
const char *conf_cipher_name(int cipher);
/* Key material bytes a manual-sa cipher needs (key + salt), RFC 4106/7634. */
size_t conf_cipher_keylen(int cipher);

#endif
