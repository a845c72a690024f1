/* SPDX-License-Identifier: ISC */
/*
 * DOC: peers, tunnels and SAs
 *
 * Turns the configuration into running objects:
 *
 *   spoke site:  one point-to-point tunnel per hub stanza (TUN grip-NAME);
 *   hub site:    one multipoint tunnel (TUN multipoint-interface), every
 *                spoke a neighbour on it (inner address -> outer address,
 *                SA pair), or a point-to-point tunnel of its own when its
 *                stanza says `point-to-point`.
 *
 * Each peer owns a dp_link that tells the datapath workers how to reach
 * it, and (manual keying) its two SAs, installed into the datapath's SA
 * database with tunnel_id = the peer's id and cookie = its link.  With
 * `keying ike` the tunnel is created and waits for SAs from IKE.
 *
 * The underlay (the interface holding the local address, or
 * underlay-interface) is watched over rtnetlink: link down is reported to
 * every tunnel at once (TUNNEL_EV_UNDERLAY_DOWN), which the adjacency
 * layer acts on.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <inttypes.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <syslog.h>
#include <unistd.h>

#include <gripd/log.h>
#include <gripd/tunlink.h>
#include <gripd/tunmtu.h>

#include "addr.h"
#include "daemon.h"
#include "lpm.h"

static void
tun_log(void *arg, int prio, const char *msg)
{
	enum log_level lvl = prio <= LOG_ERR ? LOG_LVL_ERROR :
	    prio == LOG_WARNING ? LOG_LVL_WARNING :
	    prio == LOG_NOTICE ? LOG_LVL_NOTICE :
	    prio == LOG_INFO ? LOG_LVL_INFO : LOG_LVL_DEBUG;

	if (lvl == LOG_LVL_DEBUG)
		log_debug(LOGM_TUNNEL, "%s", msg);
	else
		log_msg(lvl, "%s", msg);
}

static void
tun_notify(struct tunnel *t, enum tunnel_state from, enum tunnel_state to,
    const char *reason, void *arg)
{
	struct gripd *d = arg;

	/* Underlay down, SA gone, admin down: the adjacencies go at once. */
	if ((from == TUNNEL_S_READY) != (to == TUNNEL_S_READY))
		adjd_tunnel_event(d, t, to == TUNNEL_S_READY, loop_clock_ms());
}

static enum esp_alg
cipher_alg(int cipher)
{
	switch (cipher) {
	case CONF_CIPHER_AES256GCM16:
		return ESP_ALG_AES_GCM_256;
	case CONF_CIPHER_CHACHA20POLY1305:
		return ESP_ALG_CHACHA20_POLY1305;
	case CONF_CIPHER_AES128_SHA256:
		return ESP_ALG_AES_CBC_128_HMAC_SHA256;
	case CONF_CIPHER_AES256_SHA256:
		return ESP_ALG_AES_CBC_256_HMAC_SHA256;
	default:
		return ESP_ALG_AES_GCM_128;
	}
}

static struct tunmtu_esp
cipher_shape(int cipher)
{
	if (cipher == CONF_CIPHER_AES128_SHA256 || cipher == CONF_CIPHER_AES256_SHA256)
		return TUNMTU_ESP_AES_CBC_SHA256;
	return TUNMTU_ESP_AES_GCM16;
}

/* Effective settings of a peer, from its hub or spoke stanza. */
static const struct conf_opts *
peer_opts(const struct peer *p)
{
	return p->hub ? &p->hub->opts : &p->spoke->opts;
}

static const struct conf_addr *
peer_outer(const struct peer *p)
{
	return p->hub ? &p->hub->address : &p->spoke->address;
}

struct tunnel *
peer_tunnel(const struct gripd *d, const struct peer *p)
{
	return p->tun ? p->tun : (p->nbr_added ? d->mp : NULL);
}

const char *
peer_state(const struct peer *p)
{
	struct tunnel *t = peer_tunnel(p->d, p);

	if (t == NULL)
		return p->spoke && p->spoke->dynamic ? "waiting" : "down";
	if (p->nbr_added && !p->tun)
		return t->state == TUNNEL_S_CREATED || t->state == TUNNEL_S_READY ?
		    (p->sa_in && p->sa_out ? "ready" : "no-sa") :
		    tunnel_state_name(t->state);
	return tunnel_state_name(t->state);
}

static void
fill_link(struct gripd *d, struct peer *p, struct dp_tun *dt)
{
	const struct conf_site *s = d->conf->site;
	const struct conf_opts *o = peer_opts(p);
	const struct conf_addr *outer = peer_outer(p);
	struct dp_link *l = &p->link;
	struct tunnel_ip ip;

	memset(l, 0, sizeof(*l));
	l->id = p->id;
	l->dt = dt;
	l->gre.csum = o->gre_checksum;
	l->gre.key_present = o->gre_key_set;
	l->gre.key = o->gre_key;
	l->mode = o->esp_mode == CONF_ESP_TUNNEL ? ESP_MODE_TUNNEL : ESP_MODE_TRANSPORT;
	l->encap = o->esp_encap == CONF_ENCAP_UDP ? ESP_ENCAP_UDP : ESP_ENCAP_RAW;
	uint16_t port = l->encap == ESP_ENCAP_UDP ? 4500 : 0;
	addr_from_conf(outer, &ip);
	if (ip.family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&l->peer;
		sin->sin_family = AF_INET;
		sin->sin_addr = ip.u.v4;
		sin->sin_port = htons(port);
		l->peer_len = sizeof(*sin);
		struct sockaddr_in *lo = (struct sockaddr_in *)&l->local;
		lo->sin_family = AF_INET;
		memcpy(&lo->sin_addr, s->local4.a, 4);
		lo->sin_port = htons(port);
	} else if (ip.family == AF_INET6) {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&l->peer;
		sin6->sin6_family = AF_INET6;
		sin6->sin6_addr = ip.u.v6;
		sin6->sin6_port = htons(port);
		l->peer_len = sizeof(*sin6);
		struct sockaddr_in6 *lo = (struct sockaddr_in6 *)&l->local;
		lo->sin6_family = AF_INET6;
		memcpy(&lo->sin6_addr, s->local6.a, 16);
		lo->sin6_port = htons(port);
	}
	if (p->spoke) {
		addr_from_conf(&p->spoke->tun4, &l->inner4);
		addr_from_conf(&p->spoke->tun6, &l->inner6);
	}
}

static void
sa_params(const struct peer *p, const struct conf_manual_sa *m, enum esp_dir dir,
    struct esp_sa_params *sp)
{
	const struct dp_link *l = &p->link;
	size_t enc = conf_cipher_keylen(m->cipher);

	memset(sp, 0, sizeof(*sp));
	sp->spi = m->spi;
	sp->dir = dir;
	sp->alg = cipher_alg(m->cipher);
	if (m->cipher == CONF_CIPHER_AES128_SHA256 || m->cipher == CONF_CIPHER_AES256_SHA256) {
		enc -= 32; /* key file: encryption key, then the HMAC key */
		memcpy(sp->auth_key, m->key.data + enc, 32);
		sp->auth_key_len = 32;
	}
	memcpy(sp->enc_key, m->key.data, enc);
	sp->enc_key_len = enc;
	sp->esn = m->esn;
	sp->replay_off = m->replay_window == 0;
	sp->replay_window = m->replay_window;
	sp->mode = l->mode;
	sp->encap = l->encap;
	sp->sport = sp->dport = l->encap == ESP_ENCAP_UDP ? 4500 : 0;
	sp->src = dir == ESP_DIR_OUT ? l->local : l->peer;
	sp->dst = dir == ESP_DIR_OUT ? l->peer : l->local;
	sp->tunnel_id = p->id;
	sp->cookie = (void *)l;
}

static int
install_manual_sas(struct gripd *d, struct peer *p, const struct conf_manual_sa *in,
    const struct conf_manual_sa *out, uint64_t now)
{
	struct esp_sa_params sp;
	char label[96], err[512];
	uint64_t start;
	int r;

	if (!in->set || !out->set || in->key.data == NULL || out->key.data == NULL)
		return -EINVAL;
	sa_params(p, in, ESP_DIR_IN, &sp);
	if (seqstore_key_id(&sp, p->in_key_id) < 0)
		p->in_key_id[0] = '\0';
	/* after an in-place restart: the previous process's window goes on */
	if (!sp.replay_off && p->in_key_id[0] != '\0' &&
	    (sp.replay_state = gripd_restart_replay(d, sp.spi,
		 p->in_key_id)) != NULL)
		log_info("%s %s: inbound SA 0x%08x continues the previous "
			 "process's anti-replay window (top %llu)",
		    peer_kind_name(p->kind), p->name, sp.spi,
		    (unsigned long long)sp.replay_state->top);
	r = esp_sadb_install(dp_sadb(d->dp), &sp, now / 1000);
	explicit_bzero(&sp, sizeof(sp));
	if (r < 0)
		return r;
	p->sa_in = true;
	p->spi_in = in->spi;
	/*
	 * The key outlives this process: resume above every sequence number
	 * (the AEADs' IV) an earlier run may have sent, from a reservation
	 * that is on disk before the SA exists (seqstore.c).  No store, no
	 * SA: the tunnel stays down rather than risk reusing a nonce.
	 */
	if (d->seqstore.dir[0] == '\0' &&
	    seqstore_init(&d->seqstore, seqstore_default_dir(), 0) < 0) {
		log_err("%s %s: outbound SA 0x%08x not installed, tunnel stays "
			"down: state directory %s: path too long", peer_kind_name(p->kind),
		    p->name, out->spi, seqstore_default_dir());
		return -ENAMETOOLONG;
	}
	sa_params(p, out, ESP_DIR_OUT, &sp);
	snprintf(label, sizeof(label), "%s %s SPI 0x%08x", peer_kind_name(p->kind), p->name,
	    out->spi);
	r = seqstore_sa_open(&d->seqstore, &p->seq, &sp, label, err,
	    sizeof(err));
	if (r < 0) {
		explicit_bzero(&sp, sizeof(sp));
		log_err("%s %s: outbound SA 0x%08x not installed, tunnel stays "
			"down: %s", peer_kind_name(p->kind), p->name, out->spi, err);
		return r;
	}
	start = sp.seq_start;
	r = esp_sadb_install(dp_sadb(d->dp), &sp, now / 1000);
	explicit_bzero(&sp, sizeof(sp));
	if (r < 0) {
		/* Nothing was sent: give the numbers back. */
		seqstore_sa_close(&d->seqstore, &p->seq, start, err,
		    sizeof(err));
		return r;
	}
	log_info("%s %s: SA 0x%08x out: sequence numbers from %" PRIu64
		 " (reserved below %" PRIu64 " in %s)", peer_kind_name(p->kind), p->name,
	    out->spi, start, p->seq.limit, p->seq.path);
	p->sa_out = true;
	p->spi_out = out->spi;
	p->cipher = out->cipher;
	return 0;
}

static void
remove_sas(struct gripd *d, struct peer *p)
{
	uint64_t next = 0;
	char err[512];

	if (p->sa_in)
		esp_sadb_remove(dp_sadb(d->dp), ESP_DIR_IN, p->spi_in);
	if (p->sa_out) {
		/* The exact first unused number: a clean restart skips none. */
		if (p->seq.is_open)
			esp_sadb_seq_stop(dp_sadb(d->dp), p->id, &next);
		esp_sadb_remove(dp_sadb(d->dp), ESP_DIR_OUT, p->spi_out);
	}
	if (seqstore_sa_close(&d->seqstore, &p->seq, next, err, sizeof(err)) < 0)
		log_warn("%s %s: %s (the record keeps the larger reservation)",
		    peer_kind_name(p->kind), p->name, err);
	p->sa_in = p->sa_out = false;
}

/*
 * Restart handoff (restart.c), after the workers stopped: every outbound
 * SA's record gets its exact first unused sequence number, so the next
 * process continues there instead of a block further.
 */
void
gripd_sa_handoff(struct gripd *d)
{
	for (struct peer *p = d->peers; p; p = p->next)
		if (p->sa_in || p->sa_out)
			remove_sas(d, p);
}

/*
 * RFC 3948 2.3: while ESP runs over UDP, a keepalive every nat-keepalive
 * interval keeps NAT bindings open even when no traffic flows.
 */
static void
keepalive_cb(struct loop_timer *lt, uint64_t now)
{
	struct peer *p = lt->arg;
	struct gripd *d = p->d;

	if (d->dp != NULL && p->link_added)
		dp_send_keepalive(d->dp, &p->link);
	loop_timer_arm(d->loop, lt, now + d->conf->site->nat_keepalive_ms);
}

static void
tunnel_timer_cb(struct loop_timer *lt, uint64_t now)
{
	struct tunnel *t = lt->arg;
	struct gripd *d = t->ops_arg ? ((struct dp_ops_arg *)t->ops_arg)->arg : NULL;

	tunnel_fsm(t, TUNNEL_EV_TIMER, now);
	uint64_t dl = tunnel_next_deadline(t);
	if (dl && d)
		loop_timer_arm(d->loop, lt, dl);
}

static void
feed(struct gripd *d, struct tunnel *t, struct loop_timer *lt,
    enum tunnel_event ev, uint64_t now)
{
	tunnel_fsm(t, ev, now);
	uint64_t dl = tunnel_next_deadline(t);
	if (dl)
		loop_timer_arm(d->loop, lt, dl);
	else
		loop_timer_cancel(d->loop, lt);
}

/* MTU of the tunnel from the underlay and the ESP shape it will carry. */
static void
tunnel_mtu(struct gripd *d, struct tunnel *t, const struct conf_opts *o,
    int cipher, bool outer6)
{
	struct tunmtu_params mp = {
		.underlay_mtu = d->underlay_mtu ? d->underlay_mtu : 1500,
		.outer_ipv6 = outer6,
		.udp_encap = o->esp_encap == CONF_ENCAP_UDP,
		.mode = o->esp_mode == CONF_ESP_TUNNEL ? TUNMTU_ESP_TUNNEL :
		    TUNMTU_ESP_TRANSPORT,
		.esp = cipher_shape(cipher),
		.gre_key = o->gre_key_set,
		.gre_csum = o->gre_checksum,
	};
	if (tunnel_set_mtu(t, &mp, o->mss_clamp != CONF_MSS_OFF) < 0)
		t->mtu = 1280;
	if (o->mtu && o->mtu < t->mtu)
		t->mtu = o->mtu;
	if (o->mss_clamp > 0) {
		t->mss4 = (uint16_t)o->mss_clamp;
		t->mss6 = (uint16_t)o->mss_clamp;
	}
}

static struct tunnel *
new_tunnel(struct gripd *d, const char *name, const char *ifname,
    enum tunnel_kind kind, struct dp_tun **dtp)
{
	/* struct tunnel has cache-line aligned counters: allocate it so. */
	struct tunnel *t = aligned_alloc(64, (sizeof(*t) + 63) & ~(size_t)63);
	struct dp_tun *dt = calloc(1, sizeof(*dt));

	if (t != NULL)
		memset(t, 0, sizeof(*t));

	if (t == NULL || dt == NULL ||
	    tunnel_init(t, name, kind, &dp_tunnel_ops, &d->dp_arg) < 0) {
		free(t);
		free(dt);
		return NULL;
	}
	snprintf(t->ifname, sizeof(t->ifname), "%s", ifname);
	/* Created before any worker can see the tunnel, never replaced. */
	if (kind == TUNNEL_MULTIPOINT && (dt->routes = lpm_new()) == NULL) {
		tunnel_fini(t);
		free(t);
		free(dt);
		return NULL;
	}
	dt->t = t;
	t->dp = dt;
	t->underlay = d->underlay_ifindex ? TUNNEL_UL_UP : TUNNEL_UL_UNKNOWN;
	*dtp = dt;
	return t;
}

static void
free_tunnel(struct gripd *d, struct tunnel *t, struct dp_tun *dt,
    struct loop_timer *lt, uint64_t now)
{
	if (t == NULL)
		return;
	loop_timer_cancel(d->loop, lt);
	tunnel_fsm(t, TUNNEL_EV_DESTROY, now);
	tunnel_fini(t);
	free(t);
	if (dt)
		lpm_free(dt->routes);
	free(dt);
}

int
peer_start(struct gripd *d, struct peer *p, uint64_t now)
{
	const struct conf_site *s = d->conf->site;
	const struct conf_opts *o = peer_opts(p);
	const struct conf_manual_sa *in = p->hub ? &p->hub->sa_in : &p->spoke->sa_in;
	const struct conf_manual_sa *out = p->hub ? &p->hub->sa_out : &p->spoke->sa_out;
	int r = 0;

	p->d = d;
	if (p->id == 0)
		p->id = ++d->next_peer_id;
	loop_timer_init(&p->timer, tunnel_timer_cb, NULL);
	loop_timer_init(&p->ka_timer, keepalive_cb, p);
	if (d->dp == NULL || s == NULL)
		return 0;
	if (p->spoke && p->spoke->dynamic) {
		log_info("spoke %s: address dynamic, waiting for IKE", p->name);
		return 0;
	}
	bool outer6 = peer_outer(p)->family == AF_INET6;
	if ((outer6 && s->local6.family == 0) || (!outer6 && s->local4.family == 0)) {
		log_err("%s %s: no local-address of the family of %s", p->hub ?
		    "hub" : "spoke", p->name, outer6 ? "IPv6" : "IPv4");
		return -EINVAL;
	}

	if (p->hub || p->spoke->p2p) {
		const char *ifn = p->hub ? p->hub->ifname : p->spoke->p2p_ifname;
		p->tun = new_tunnel(d, p->name, ifn, TUNNEL_P2P, &p->dt);
		if (p->tun == NULL)
			return -ENOMEM;
		p->timer.arg = p->tun;
		if (p->hub) {
			prefix_from_conf(&p->hub->tun4, &p->tun->inner4);
			prefix_from_conf(&p->hub->tun6, &p->tun->inner6);
			addr_from_conf(&p->hub->peer4, &p->tun->peer4);
			addr_from_conf(&p->hub->peer6, &p->tun->peer6);
		} else {
			prefix_from_conf(&p->spoke->p2p_tun4, &p->tun->inner4);
			prefix_from_conf(&p->spoke->p2p_tun6, &p->tun->inner6);
			addr_from_conf(&p->spoke->p2p_peer4, &p->tun->peer4);
			addr_from_conf(&p->spoke->p2p_peer6, &p->tun->peer6);
		}
		addr_from_conf(peer_outer(p), &p->tun->outer_peer);
		addr_from_conf(outer6 ? &s->local6 : &s->local4, &p->tun->outer_local);
		p->tun->gre.csum = o->gre_checksum;
		p->tun->gre.key_present = o->gre_key_set;
		p->tun->gre.key = o->gre_key;
		p->tun->admin_down = o->shutdown;
		tunnel_mtu(d, p->tun, o, out->set ? out->cipher : CONF_CIPHER_AES128GCM16,
		    outer6);
		fill_link(d, p, p->dt);
		dp_link_add(d->dp, &p->link);
		p->link_added = true;
		feed(d, p->tun, &p->timer, TUNNEL_EV_CREATE, now);
	} else {
		if (d->mp == NULL) {
			log_err("spoke %s: the site has no multipoint tunnel", p->name);
			return -EINVAL;
		}
		fill_link(d, p, d->mp_dt);
		struct nbr nb = { 0 };
		nb.inner4 = p->link.inner4;
		nb.inner6 = p->link.inner6;
		addr_from_conf(peer_outer(p), &nb.outer);
		nb.outer_port = p->link.encap == ESP_ENCAP_UDP ? 4500 : 0;
		nb.gre_key_present = o->gre_key_set;
		nb.gre_key = o->gre_key;
		nb.sa = p->id;
		if ((r = nbr_add(d->mp->nbrs, &nb)) < 0) {
			log_err("spoke %s: cannot add neighbour: %s", p->name,
			    strerror(-r));
			return r;
		}
		p->nbr_added = true;
		p->link_added = true;
	}

	if (o->keying == CONF_KEYING_MANUAL) {
		if ((r = install_manual_sas(d, p, in, out, now)) < 0) {
			log_err("%s %s: cannot install manual SAs: %s",
			    p->hub ? "hub" : "spoke", p->name, strerror(-r));
			return r;
		}
		log_info("%s %s: manual SAs installed (in 0x%08x, out 0x%08x, %s, "
			 "%s, %s)", p->hub ? "hub" : "spoke", p->name, p->spi_in,
		    p->spi_out, conf_cipher_name(p->cipher),
		    p->link.mode == ESP_MODE_TUNNEL ? "tunnel mode" : "transport mode",
		    p->link.encap == ESP_ENCAP_UDP ? "udp 4500" : "raw esp");
		if (p->tun)
			feed(d, p->tun, &p->timer, TUNNEL_EV_SA_UP, now);
		if (p->link.encap == ESP_ENCAP_UDP && s->nat_keepalive_ms > 0)
			loop_timer_arm(d->loop, &p->ka_timer, now + s->nat_keepalive_ms);
	} else {
		log_info("%s %s: keying ike: waiting for IKE (not in this build yet)",
		    p->hub ? "hub" : "spoke", p->name);
	}
	if (d->rib != NULL)
		adjd_peer_start(d, p, now);
	return 0;
}

void
peer_stop(struct gripd *d, struct peer *p)
{
	uint64_t now = loop_clock_ms();

	loop_timer_cancel(d->loop, &p->ka_timer);
	adjd_peer_stop(d, p, now);
	if (d->dp == NULL)
		return;
	remove_sas(d, p);
	if (p->nbr_added) {
		struct tunnel_ip *k = p->link.inner4.family ? &p->link.inner4 :
		    &p->link.inner6;
		nbr_del(d->mp->nbrs, k);
		p->nbr_added = false;
	}
	if (p->link_added) {
		dp_link_del(d->dp, &p->link);
		p->link_added = false;
	}
	free_tunnel(d, p->tun, p->dt, &p->timer, now);
	p->tun = NULL;
	p->dt = NULL;
}

/* --- underlay -------------------------------------------------------------- */

static int
find_underlay(struct gripd *d)
{
	const struct conf_site *s = d->conf->site;
	struct ifaddrs *ifa, *i;
	int idx = 0;

	if (s->underlay_ifname[0])
		return (int)if_nametoindex(s->underlay_ifname);
	if (getifaddrs(&ifa) < 0)
		return 0;
	for (i = ifa; i && !idx; i = i->ifa_next) {
		if (i->ifa_addr == NULL)
			continue;
		if (i->ifa_addr->sa_family == AF_INET && s->local4.family == AF_INET &&
		    memcmp(&((struct sockaddr_in *)i->ifa_addr)->sin_addr, s->local4.a, 4) == 0)
			idx = (int)if_nametoindex(i->ifa_name);
		if (i->ifa_addr->sa_family == AF_INET6 && s->local6.family == AF_INET6 &&
		    memcmp(&((struct sockaddr_in6 *)i->ifa_addr)->sin6_addr, s->local6.a, 16) == 0)
			idx = (int)if_nametoindex(i->ifa_name);
	}
	freeifaddrs(ifa);
	return idx;
}

static unsigned
ifindex_mtu(int ifindex)
{
	char name[IF_NAMESIZE];
	struct ifreq ifr = { 0 };
	int fd;
	unsigned mtu = 0;

	if (ifindex <= 0 || if_indextoname((unsigned)ifindex, name) == NULL)
		return 0;
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	if (fd >= 0 && ioctl(fd, SIOCGIFMTU, &ifr) == 0)
		mtu = (unsigned)ifr.ifr_mtu;
	if (fd >= 0)
		close(fd);
	return mtu;
}

static void
underlay_event(struct gripd *d, bool up, const char *why)
{
	uint64_t now = loop_clock_ms();
	enum tunnel_event ev = up ? TUNNEL_EV_UNDERLAY_UP : TUNNEL_EV_UNDERLAY_DOWN;

	log_notice("site %s: underlay %s (%s)", d->conf->site->name,
	    up ? "up" : "down", why);
	for (struct peer *p = d->peers; p; p = p->next)
		if (p->tun)
			feed(d, p->tun, &p->timer, ev, now);
	if (d->mp)
		feed(d, d->mp, &d->mp_timer, ev, now);
}

static void
link_cb(const struct tun_link_event *ev, void *arg)
{
	struct gripd *d = arg;

	if (ev->type == TUN_LINK_EV_RESYNC) {
		tun_link_monitor_dump(d->linkmon);
		return;
	}
	if (ev->type == TUN_LINK_EV_LINK || ev->type == TUN_LINK_EV_LINK_DEL)
		adjd_link_event(d, ev->ifname, ev->type == TUN_LINK_EV_LINK && ev->up,
		    loop_clock_ms());
	if (ev->type == TUN_LINK_EV_ADDR_ADD || ev->type == TUN_LINK_EV_ADDR_DEL) {
		const struct conf_site *s = d->conf->site;
		const struct conf_addr *la = ev->family == AF_INET ? &s->local4 : &s->local6;
		if (la->family != ev->family ||
		    memcmp(la->a, ev->addr, ev->family == AF_INET ? 4 : 16) != 0)
			return;
		if (ev->type == TUN_LINK_EV_ADDR_ADD) {
			/* The local address (re)appeared: that is our underlay. */
			d->underlay_ifindex = ev->ifindex;
			d->underlay_mtu = ifindex_mtu(ev->ifindex);
			underlay_event(d, true, "local address added");
		} else {
			underlay_event(d, false, "local address removed");
		}
		return;
	}
	if (d->underlay_ifindex == 0 || ev->ifindex != d->underlay_ifindex)
		return;
	if (ev->type == TUN_LINK_EV_LINK) {
		struct tunnel *any = d->mp;
		for (struct peer *p = d->peers; !any && p; p = p->next)
			any = p->tun;
		bool was_down = any && any->underlay == TUNNEL_UL_DOWN;
		if (ev->up == was_down || !any)
			underlay_event(d, ev->up, ev->ifname);
	} else if (ev->type == TUN_LINK_EV_LINK_DEL) {
		underlay_event(d, false, "interface deleted");
	}
}

static void
linkmon_io_cb(struct loop_io *io, uint32_t revents, uint64_t now)
{
	struct gripd *d = io->arg;

	tun_link_monitor_dispatch(d->linkmon);
}

int
gripd_dp_open(struct gripd *d)
{
	const struct conf_site *s = d->conf->site;
	struct tunnel_ip l4, l6;
	int r;

	if (s == NULL)
		return 0;
	if (s->datapath == CONF_DP_KERNEL) {
		log_err("site %s: datapath kernel is not available in this build; "
			"use 'datapath userspace' or 'auto'", s->name);
		return -ENOTSUP;
	}
	d->dp = dp_new();
	if (d->dp == NULL)
		return -ENOMEM;
	addr_from_conf(&s->local4, &l4);
	addr_from_conf(&s->local6, &l6);
	if ((r = dp_open_sockets(d->dp, &l4, &l6, 4500)) < 0) {
		log_err("site %s: cannot open the underlay sockets on the local "
			"address: %s", s->name, strerror(-r));
		return r;
	}
	/* TUN descriptors for the tunnels of this configuration and a few
	 * spares for reloads, in case /dev/net/tun is root-only (tun.h). */
	unsigned ntun = (unsigned)d->conf->nhubs + 1 + 16;
	for (size_t i = 0; i < d->conf->nspokes; i++)
		ntun += d->conf->spokes[i]->p2p;
	if (geteuid() == 0 && (r = tun_reserve(ntun)) < 0)
		log_warn("site %s: cannot open /dev/net/tun: %s", s->name,
		    strerror(-r));
	d->dp_arg = (struct dp_ops_arg){ .dp = d->dp, .log = tun_log,
		.notify = tun_notify, .arg = d };
	return 0;
}

static void
sa_event(void *arg, const struct esp_sa *sa, unsigned events)
{
	struct gripd *d = arg;
	struct peer *p = NULL;
	uint64_t id = esp_sa_tunnel_id(sa);

	for (struct peer *q = d->peers; q && !p; q = q->next)
		if (q->id == id)
			p = q;
	/*
	 * Manual SAs cannot be rekeyed by us: say so loudly.  (IKE will act on
	 * ESP_EV_SOFT with a CREATE_CHILD_SA rekey.)
	 */
	log_warn("%s %s: SA 0x%08x (%s) %s%s", p && p->hub ? "hub" : "spoke",
	    p ? p->name : "?", esp_sa_spi(sa),
	    esp_sa_dir(sa) == ESP_DIR_IN ? "in" : "out",
	    events & ESP_EV_HARD ? "exhausted (sequence numbers or hard lifetime): "
				   "it no longer carries traffic" :
				   "near its end (sequence numbers or soft lifetime)",
	    p && peer_opts(p)->keying == CONF_KEYING_MANUAL ?
	    "; replace the manual keys" : "");
}

/*
 * Once a second for each manual outbound SA: extend its sequence number
 * reservation on disk, then the datapath's limit (seqstore.c).  Should
 * the datapath reach the limit first (the store cannot be written, or a
 * second's traffic ate half a block), it refuses to send rather than
 * reuse a number: said once per episode.
 */
static void
seq_reserve(struct gripd *d, struct peer *p)
{
	struct esp_sadb *db = dp_sadb(d->dp);
	uint64_t next, old = p->seq.limit;
	char err[512];
	int r;

	if (esp_sadb_seq_next(db, p->id, &next) < 0)
		return; /* removed at its hard limit */
	bool held = next != 0 && next >= old;
	if (held && !p->seq.held)
		log_warn("%s %s: SA 0x%08x out: reached the end of its reserved "
			 "sequence numbers (%" PRIu64 "): packets refused until "
			 "the reservation is extended", peer_kind_name(p->kind), p->name,
		    p->spi_out, old);
	p->seq.held = held;
	r = seqstore_sa_update(&d->seqstore, &p->seq, next, err, sizeof(err));
	if (r > 0)
		esp_sadb_set_seq_limit(db, p->id, p->seq.limit);
	if (r < 0 && !p->seq.failing)
		log_err("%s %s: SA 0x%08x out: %s; outbound traffic will stop "
			"at sequence number %" PRIu64 " rather than reuse one",
		    peer_kind_name(p->kind), p->name, p->spi_out, err, p->seq.limit);
	else if (r >= 0 && p->seq.failing)
		log_notice("%s %s: SA 0x%08x out: sequence numbers reserved "
			   "again (below %" PRIu64 ")", peer_kind_name(p->kind), p->name,
		    p->spi_out, p->seq.limit);
	p->seq.failing = r < 0;
}

/*
 * Once a second: lifetimes and sequence watermarks are reported, rekeyed
 * SAs past their grace period removed, and removed SAs that no worker can
 * see any more freed (crypto/sadb.c).
 */
static void
sa_timer_cb(struct loop_timer *t, uint64_t now)
{
	struct gripd *d = t->arg;

	if (d->dp == NULL)
		return;
	esp_sadb_expire(dp_sadb(d->dp), now / 1000, sa_event, d);
	for (struct peer *p = d->peers; p; p = p->next)
		if (p->sa_out && p->seq.is_open)
			seq_reserve(d, p);
	loop_timer_arm(d->loop, t, now + 1000);
}

int
gripd_dp_start(struct gripd *d, uint64_t now)
{
	const struct conf_site *s = d->conf->site;

	if (d->dp == NULL)
		return 0;
	d->underlay_ifindex = find_underlay(d);
	d->underlay_mtu = ifindex_mtu(d->underlay_ifindex);
	if (d->underlay_ifindex == 0)
		log_warn("site %s: cannot find the underlay interface (no local "
			 "address on any interface yet)", s->name);
	if (tun_link_monitor_open(&d->linkmon, link_cb, d) == 0) {
		d->linkmon_io = (struct loop_io){ .fd = tun_link_monitor_fd(d->linkmon),
			.events = EPOLLIN, .cb = linkmon_io_cb, .arg = d };
		loop_io_add(d->loop, &d->linkmon_io);
	}
	loop_timer_init(&d->sa_timer, sa_timer_cb, d);
	loop_timer_arm(d->loop, &d->sa_timer, now + 1000);
	if (s->role == CONF_ROLE_HUB && (s->mp_tun4.addr.family || s->mp_tun6.addr.family)) {
		d->mp = new_tunnel(d, s->name, s->mp_ifname, TUNNEL_MULTIPOINT, &d->mp_dt);
		if (d->mp == NULL)
			return -ENOMEM;
		prefix_from_conf(&s->mp_tun4, &d->mp->inner4);
		prefix_from_conf(&s->mp_tun6, &d->mp->inner6);
		addr_from_conf(&s->local4, &d->mp->outer_local);
		tunnel_mtu(d, d->mp, &s->opts, CONF_CIPHER_AES256_SHA256,
		    s->local4.family == 0);
		loop_timer_init(&d->mp_timer, tunnel_timer_cb, d->mp);
		feed(d, d->mp, &d->mp_timer, TUNNEL_EV_CREATE, now);
		/* Neighbours bring their own SAs; the interface itself is ready. */
		feed(d, d->mp, &d->mp_timer, TUNNEL_EV_SA_UP, now);
	}
	for (struct peer *p = d->peers; p; p = p->next)
		peer_start(d, p, now);
	/*
	 * Workers last: after a restart the TUN queues hold packets that
	 * waited for us, and the hub's multipoint routes must be back before
	 * the first of them is looked up.
	 */
	gripd_restart_restore(d);
	return dp_start(d->dp);
}

void
gripd_dp_stop(struct gripd *d)
{
	if (d->dp != NULL)
		loop_timer_cancel(d->loop, &d->sa_timer);
	for (struct peer *p = d->peers; p; p = p->next)
		peer_stop(d, p);
	if (d->mp)
		free_tunnel(d, d->mp, d->mp_dt, &d->mp_timer, loop_clock_ms());
	d->mp = NULL;
	if (d->linkmon) {
		loop_io_del(d->loop, &d->linkmon_io);
		tun_link_monitor_close(d->linkmon);
		d->linkmon = NULL;
	}
	dp_free(d->dp);
	d->dp = NULL;
}
