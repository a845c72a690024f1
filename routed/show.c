/* SPDX-License-Identifier: ISC */
/*
 * DOC: show commands
 *
 * The control-socket commands of the daemon core.  Each command writes
 * text for people or, with a trailing "json", one JSON object whose shape
 * is documented in gripctl(8) and stays stable: fields are added, never
 * renamed.  Lists that later subsystems fill (adjacencies, routes, SAs)
 * are present as empty arrays until then, so scripts can rely on them.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <openssl/opensslv.h>
#include <netlink/version.h>

#include <gripd/ctl.h>
#include <gripd/log.h>
#include <gripd/loop.h>

#include "daemon.h"
#include "fib.h"
#include "rib.h"
#include "zclient.h"

static struct gripd *
ctx(struct ctl_req *req)
{
	struct gripd *d = req->ctx;
	d->counters.control_commands++;
	return d;
}

static const char *
addr_str(const struct conf_addr *a, char *buf, size_t len)
{
	if (a->family == 0)
		return "";
	return inet_ntop(a->family, a->a, buf, (socklen_t)len);
}

static const char *
prefix_str(const struct conf_prefix *p, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN];

	if (p->addr.family == 0)
		return "";
	snprintf(buf, len, "%s/%u", addr_str(&p->addr, a, sizeof(a)), p->len);
	return buf;
}

static void
fmt_duration(uint64_t ms, char *buf, size_t len)
{
	uint64_t s = ms / 1000;

	if (s >= 86400)
		snprintf(buf, len, "%llud%02lluh%02llum", (unsigned long long)(s / 86400),
		    (unsigned long long)(s % 86400 / 3600),
		    (unsigned long long)(s % 3600 / 60));
	else
		snprintf(buf, len, "%02llu:%02llu:%02llu",
		    (unsigned long long)(s / 3600),
		    (unsigned long long)(s % 3600 / 60),
		    (unsigned long long)(s % 60));
}

static enum vty_status
show_version(struct ctl_req *req, struct sbuf *out)
{
	struct gripd *d = ctx(req);
	char up[32];

	fmt_duration(req->now - d->started_ms, up, sizeof(up));
	if (req->json) {
		struct json j;
		json_init(&j, out);
		json_obj_open(&j, NULL);
		json_str(&j, "version", GRIPD_VERSION);
		json_str(&j, "openssl", OPENSSL_VERSION_TEXT);
		json_str(&j, "libnl", LIBNL_STRING);
		json_uint(&j, "uptime_ms", req->now - d->started_ms);
		json_str(&j, "config_file", d->conf_path);
		json_uint(&j, "pid", (uint64_t)getpid());
		json_uint(&j, "restarts", d->restarts);
		json_close(&j);
		sbuf_add(out, "\n", 1);
		return VTY_CMD_SUCCESS;
	}
	sbuf_printf(out, "gripd %s\n  %s, %s\n  uptime %s, configuration %s\n"
			 "  pid %ld, %u in-place restart(s)\n",
	    GRIPD_VERSION, OPENSSL_VERSION_TEXT, LIBNL_STRING, up, d->conf_path,
	    (long)getpid(), d->restarts);
	return VTY_CMD_SUCCESS;
}

static enum vty_status
show_config(struct ctl_req *req, struct sbuf *out)
{
	struct gripd *d = ctx(req);
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	if (f == NULL)
		return VTY_CMD_WARNING;
	conf_print(d->conf, f);
	fclose(f);
	if (req->json) {
		struct json j;
		json_init(&j, out);
		json_obj_open(&j, NULL);
		json_str(&j, "file", d->conf_path);
		json_uint(&j, "loaded_ms_ago", req->now - d->conf_loaded_ms);
		json_uint(&j, "reloads", d->counters.reloads);
		json_uint(&j, "reload_failures", d->counters.reload_failures);
		json_str(&j, "last_reload_error", d->last_reload_error);
		json_str(&j, "text", text ? text : "");
		json_close(&j);
		sbuf_add(out, "\n", 1);
	} else {
		sbuf_printf(out, "! running configuration, from %s\n%s",
		    d->conf_path, text ? text : "");
	}
	free(text);
	return VTY_CMD_SUCCESS;
}

static void
counters_json(struct json *j, struct tunnel *t, struct peer *p)
{
	struct tunnel_counters_snap c = { 0 };

	if (t != NULL && (p == NULL || p->tun == t))
		tunnel_counters_read(t, &c);
	json_obj_open(j, "counters");
	json_uint(j, "tx_packets", c.tx_packets);
	json_uint(j, "tx_bytes", c.tx_bytes);
	json_uint(j, "rx_packets", c.rx_packets);
	json_uint(j, "rx_bytes", c.rx_bytes);
	json_uint(j, "mtu_drops", c.mtu_drops);
	json_uint(j, "icmp_sent", c.icmp_sent);
	json_uint(j, "mss_clamped", c.mss_clamped);
	json_uint(j, "gre_malformed", c.gre_malformed);
	json_uint(j, "no_neighbour_drops", c.nbr_drops);
	json_uint(j, "wrong_outer_source", p ? p->link.wrong_peer : 0);
	json_uint(j, "spoofed_inner_source", p ? p->link.spoofed : 0);
	json_close(j);
}

static void
tunnel_json(struct json *j, struct peer *p, uint64_t now)
{
	char b1[64], b2[64];

	json_obj_open(j, NULL);
	json_str(j, "name", p->name);
	json_str(j, "kind", p->kind == PEER_HUB ? "hub" : "spoke");
	if (p->hub) {
		json_str(j, "interface", p->hub->ifname);
		json_str(j, "shape", "point-to-point");
		json_str(j, "remote", addr_str(&p->hub->address, b1, sizeof(b1)));
		json_str(j, "inner4", prefix_str(&p->hub->tun4, b1, sizeof(b1)));
		json_str(j, "peer_inner4", addr_str(&p->hub->peer4, b2, sizeof(b2)));
		json_str(j, "inner6", prefix_str(&p->hub->tun6, b1, sizeof(b1)));
		json_str(j, "peer_inner6", addr_str(&p->hub->peer6, b2, sizeof(b2)));
		json_uint(j, "cost", p->hub->cost);
		json_bool(j, "shutdown", p->hub->opts.shutdown);
	} else if (p->spoke) {
		json_str(j, "interface", p->spoke->p2p ? p->spoke->p2p_ifname : "");
		json_str(j, "shape", p->spoke->p2p ? "point-to-point" : "multipoint");
		json_str(j, "remote", p->spoke->dynamic ? "dynamic" :
		    addr_str(&p->spoke->address, b1, sizeof(b1)));
		json_str(j, "peer_inner4", addr_str(&p->spoke->tun4, b2, sizeof(b2)));
		json_str(j, "peer_inner6", addr_str(&p->spoke->tun6, b2, sizeof(b2)));
		json_bool(j, "shutdown", p->spoke->opts.shutdown);
	}
	struct tunnel *t = peer_tunnel(p->d ? p->d : NULL, p);
	json_str(j, "state", p->d ? peer_state(p) : "configured");
	json_uint(j, "mtu", t ? t->mtu : 0);
	json_uint(j, "ifindex", t ? (unsigned long long)t->ifindex : 0);
	json_str(j, "esp_mode", p->link.mode == ESP_MODE_TUNNEL ? "tunnel" : "transport");
	json_str(j, "esp_encap", p->link.encap == ESP_ENCAP_UDP ? "udp" : "raw");
	json_bool(j, "gre_key_present", p->link.gre.key_present);
	json_uint(j, "gre_key", p->link.gre.key);
	json_bool(j, "gre_checksum", p->link.gre.csum);
	json_uint(j, "configured_ms_ago", now - p->created_ms);
	if (p->changed_ms)
		json_uint(j, "reconfigured_ms_ago", now - p->changed_ms);
	else
		json_null(j, "reconfigured_ms_ago");
	json_uint(j, "reconfigurations", p->reconfigs);
	counters_json(j, t, p);
	json_close(j);
}

static enum vty_status
show_tunnels(struct ctl_req *req, struct sbuf *out)
{
	struct gripd *d = ctx(req);
	char b1[64], b2[64], b3[64], age[32];

	if (req->json) {
		struct json j;
		json_init(&j, out);
		json_obj_open(&j, NULL);
		json_arr_open(&j, "tunnels");
		for (struct peer *p = d->peers; p; p = p->next)
			tunnel_json(&j, p, req->now);
		json_close(&j);
		if (d->mp) {
			json_obj_open(&j, "multipoint");
			json_str(&j, "interface", d->mp->ifname);
			json_str(&j, "state", tunnel_state_name(d->mp->state));
			json_uint(&j, "mtu", d->mp->mtu);
			json_uint(&j, "neighbours", nbr_count(d->mp->nbrs));
			counters_json(&j, d->mp, NULL);
			json_close(&j);
		} else {
			json_null(&j, "multipoint");
		}
		json_close(&j);
		sbuf_add(out, "\n", 1);
		return VTY_CMD_SUCCESS;
	}
	sbuf_printf(out, "%-16s %-6s %-16s %-24s %-20s %-12s %s\n", "Name", "Kind",
	    "Interface", "Remote", "Inner", "State", "Since");
	for (struct peer *p = d->peers; p; p = p->next) {
		const char *ifn = "", *remote = "", *inner = "";
		if (p->hub) {
			ifn = p->hub->ifname;
			remote = addr_str(&p->hub->address, b1, sizeof(b1));
			inner = prefix_str(&p->hub->tun4, b2, sizeof(b2));
			if (!*inner)
				inner = prefix_str(&p->hub->tun6, b2, sizeof(b2));
		} else if (p->spoke) {
			ifn = p->spoke->p2p ? p->spoke->p2p_ifname :
			    (d->conf->site ? d->conf->site->mp_ifname : "");
			remote = p->spoke->dynamic ? "dynamic" :
			    addr_str(&p->spoke->address, b1, sizeof(b1));
			inner = addr_str(&p->spoke->tun4, b3, sizeof(b3));
			if (!*inner)
				inner = addr_str(&p->spoke->tun6, b3, sizeof(b3));
		}
		fmt_duration(req->now - (p->changed_ms ? p->changed_ms : p->created_ms),
		    age, sizeof(age));
		sbuf_printf(out, "%-16s %-6s %-16s %-24s %-20s %-12s %s\n", p->name,
		    p->kind == PEER_HUB ? "hub" : "spoke", ifn, remote, inner,
		    p->d ? peer_state(p) : "configured", age);
	}
	if (d->peers == NULL)
		sbuf_printf(out, "(no hubs or spokes configured)\n");
	for (struct peer *p = d->peers; p; p = p->next) {
		struct tunnel *t = peer_tunnel(d, p);
		struct tunnel_counters_snap c;
		if (t == NULL || t != p->tun)
			continue;
		tunnel_counters_read(t, &c);
		sbuf_printf(out, "  %s: mtu %u, tx %llu pkts %llu bytes, rx %llu pkts "
				 "%llu bytes, mtu drops %llu, icmp sent %llu, gre malformed %llu\n",
		    t->ifname, t->mtu, (unsigned long long)c.tx_packets,
		    (unsigned long long)c.tx_bytes, (unsigned long long)c.rx_packets,
		    (unsigned long long)c.rx_bytes, (unsigned long long)c.mtu_drops,
		    (unsigned long long)c.icmp_sent, (unsigned long long)c.gre_malformed);
	}
	if (d->mp) {
		struct tunnel_counters_snap c;
		tunnel_counters_read(d->mp, &c);
		sbuf_printf(out, "  %s (multipoint, %u neighbours): mtu %u, tx %llu pkts, "
				 "rx %llu pkts, mtu drops %llu, icmp sent %llu, no neighbour %llu\n",
		    d->mp->ifname, nbr_count(d->mp->nbrs), d->mp->mtu,
		    (unsigned long long)c.tx_packets, (unsigned long long)c.rx_packets,
		    (unsigned long long)c.mtu_drops, (unsigned long long)c.icmp_sent,
		    (unsigned long long)c.nbr_drops);
	}
	return VTY_CMD_SUCCESS;
}

static void
rid_str(uint32_t rid, char *buf, size_t len)
{
	snprintf(buf, len, "%u.%u.%u.%u", rid >> 24, (rid >> 16) & 0xff,
	    (rid >> 8) & 0xff, rid & 0xff);
}

/* Graceful restart: seconds left of a neighbour's restart time, rounded up. */
static unsigned long long
gr_left_s(const struct adj *a, uint64_t now)
{
	return a->gr_due > now ? (a->gr_due - now + 999) / 1000 : 0;
}

static const char *
gr_state(const struct adj *a)
{
	return a->gr_helping ? "helping" : a->restarting ? "restarting" : "none";
}

static void
adj_json(struct json *j, struct peer *p, uint64_t now)
{
	const struct adj *a = &p->adj;
	char b[64];

	json_obj_open(j, NULL);
	json_str(j, "name", p->name);
	json_str(j, "kind", p->hub ? "hub" : "spoke");
	json_str(j, "state", adj_state_name(a->state));
	json_uint(j, "state_ms", now - a->state_since);
	json_str(j, "neighbor", a->peer.ss_family == AF_INET ?
	    inet_ntop(AF_INET, &((const struct sockaddr_in *)&a->peer)->sin_addr, b, sizeof(b)) :
	    inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)&a->peer)->sin6_addr, b, sizeof(b)));
	rid_str(a->peer_router_id, b, sizeof(b));
	json_str(j, "neighbor_router_id", a->peer_known ? b : "");
	json_uint(j, "hello_ms", a->hello_ms);
	json_uint(j, "hold_ms", a->hold_ms);
	json_uint(j, "neighbor_hold_ms", a->peer_known ? a->peer_hold_ms : 0);
	json_uint(j, "hold_in_use_ms", a->hold_neg_ms);
	if (a->last_hello_rx)
		json_uint(j, "last_hello_ms_ago", now - a->last_hello_rx);
	else
		json_null(j, "last_hello_ms_ago");
	json_uint(j, "flaps", a->flaps);
	json_uint(j, "prefixes_in", a->prefixes_in);
	json_uint(j, "prefixes_out", a->prefixes_out);
	json_uint(j, "prefixes_refused", a->prefixes_refused);
	json_uint(j, "version_out", a->our_version);
	json_uint(j, "version_in", a->peer_version);
	json_uint(j, "unacked_fragments", a->unacked);
	/* helping: the neighbour restarts, its routes are kept, stale;
	 * restarting: we sent GOODBYE restarting ourselves */
	json_obj_open(j, "graceful_restart");
	json_str(j, "state", gr_state(a));
	json_bool(j, "helper", a->gr_helper);
	json_uint(j, "restart_time_s", a->restart_time);
	if (a->gr_helping) {
		json_uint(j, "neighbor_restart_time_s", a->gr_peer_time);
		json_uint(j, "seconds_left", gr_left_s(a, now));
		json_uint(j, "stale_routes", p->gr_stale_routes);
	} else {
		json_null(j, "neighbor_restart_time_s");
		json_null(j, "seconds_left");
		json_uint(j, "stale_routes", 0);
	}
	json_uint(j, "helped", a->c.gr_helped);
	json_uint(j, "completed", a->c.gr_completed);
	json_uint(j, "expired", a->c.gr_expired);
	json_uint(j, "aborted", a->c.gr_aborted);
	json_close(j);
	json_obj_open(j, "counters");
	json_uint(j, "hellos_in", a->c.hellos_in);
	json_uint(j, "hellos_out", a->c.hellos_out);
	json_uint(j, "updates_in", a->c.updates_in);
	json_uint(j, "updates_out", a->c.updates_out);
	json_uint(j, "update_retransmits", a->c.update_retx);
	json_uint(j, "acks_in", a->c.acks_in);
	json_uint(j, "acks_out", a->c.acks_out);
	json_uint(j, "goodbyes_in", a->c.goodbyes_in);
	json_uint(j, "goodbyes_out", a->c.goodbyes_out);
	json_uint(j, "bad", a->c.bad);
	json_uint(j, "unknown", a->c.unknown);
	json_uint(j, "auth_failures", a->c.auth_fail);
	json_uint(j, "replays", a->c.replays);
	json_uint(j, "ignored", a->c.ignored);
	json_uint(j, "send_errors", a->c.send_errors);
	json_close(j);
	json_close(j);
}

static enum vty_status
show_adjacencies(struct ctl_req *req, struct sbuf *out)
{
	struct gripd *d = ctx(req);
	char up[32], last[32], hold[32];
	int n = 0;

	if (req->json) {
		struct json j;
		json_init(&j, out);
		json_obj_open(&j, NULL);
		json_arr_open(&j, "adjacencies");
		for (struct peer *p = d->peers; p; p = p->next)
			if (p->adj_on)
				adj_json(&j, p, req->now);
		json_close(&j);
		json_close(&j);
		sbuf_add(out, "\n", 1);
		return VTY_CMD_SUCCESS;
	}
	sbuf_printf(out, "%-16s %-5s %-10s %-8s %-11s %-5s %s\n", "Name", "State",
	    "Up/Down", "Hold", "Last hello", "Flaps", "Prefixes in/out/refused");
	for (struct peer *p = d->peers; p; p = p->next) {
		const struct adj *a = &p->adj;
		if (!p->adj_on)
			continue;
		fmt_duration(req->now - a->state_since, up, sizeof(up));
		if (a->last_hello_rx)
			snprintf(last, sizeof(last), "%llums",
			    (unsigned long long)(req->now - a->last_hello_rx));
		else
			snprintf(last, sizeof(last), "never");
		snprintf(hold, sizeof(hold), "%ums", a->state == ADJ_DOWN ?
		    a->hold_ms : a->hold_neg_ms);
		sbuf_printf(out, "%-16s %-5s %-10s %-8s %-11s %-5llu %llu/%llu/%llu\n",
		    p->name, adj_state_name(a->state), up, hold, last,
		    (unsigned long long)a->flaps, (unsigned long long)a->prefixes_in,
		    (unsigned long long)a->prefixes_out,
		    (unsigned long long)a->prefixes_refused);
		if (a->gr_helping)
			sbuf_printf(out, "  neighbour restarting: %zu stale routes "
					 "kept, %llus of %us left\n",
			    p->gr_stale_routes, gr_left_s(a, req->now),
			    a->gr_peer_time);
		else if (a->restarting)
			sbuf_printf(out, "  restarting: GOODBYE sent (restart time "
					 "%us)\n", a->restart_time);
		n++;
	}
	if (n == 0)
		sbuf_printf(out, "(no adjacencies)\n");
	return VTY_CMD_SUCCESS;
}

struct pfx_list {
	struct rib_prefix *v;
	size_t n, cap;
};

static void
collect_prefix(const struct rib_prefix *p, void *arg)
{
	struct pfx_list *l = arg;

	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 64;
		struct rib_prefix *v = realloc(l->v, cap * sizeof(*v));
		if (v == NULL)
			return;
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n++] = *p;
}

static int
pfx_sort(const void *a, const void *b)
{
	return rib_prefix_cmp(a, b);
}

static const char *
peer_name_by_id(struct gripd *d, uint64_t id)
{
	if (id < d->by_id_cap && d->by_id[id] != NULL)
		return d->by_id[id]->name;
	return "?";
}

static const char *
nh_str(const struct rib_nexthop *nh, char *buf, size_t len)
{
	char ifn[IF_NAMESIZE] = "?", a[INET6_ADDRSTRLEN] = "";

	if_indextoname((unsigned)nh->ifindex, ifn);
	if (nh->gw_family)
		inet_ntop(nh->gw_family, nh->gw, a, sizeof(a));
	snprintf(buf, len, "%s%s%s", nh->gw_family ? a : "", nh->gw_family ? " dev " : "dev ",
	    ifn);
	return buf;
}

static enum vty_status
show_routes(struct ctl_req *req, struct sbuf *out)
{
	struct gripd *d = ctx(req);
	struct pfx_list l = { 0 };
	struct rib_cand c[32];
	struct fib_route inst[8];
	char pb[INET6_ADDRSTRLEN + 8], a[INET6_ADDRSTRLEN], nb[96];
	struct json j;

	if (d->rib)
		rib_walk(d->rib, collect_prefix, &l);
	if (l.n)
		qsort(l.v, l.n, sizeof(*l.v), pfx_sort);
	if (req->json) {
		json_init(&j, out);
		json_obj_open(&j, NULL);
		json_str(&j, "backend", d->zc ? "zebra" : d->kr ? "kernel" : "none");
		if (d->zc)
			json_bool(&j, "zebra_connected", zclient_connected(d->zc));
		json_arr_open(&j, "routes");
	} else {
		sbuf_printf(out, "Codes: > best, = ECMP, b backup, h failback hold-down, "
				 "s stale (neighbour restarting); [metric] = cost + "
				 "advertised; k: kernel metric\n");
		if (d->zc)
			sbuf_printf(out, "Routes go through zebra (%s); best and ECMP "
					 "are installed there, backups wait in gripd\n",
			    zclient_connected(d->zc) ? "connected" : "not connected");
	}
	for (size_t i = 0; i < l.n; i++) {
		const struct rib_prefix *p = &l.v[i];
		size_t nc = rib_cands(d->rib, p, c, 32);
		size_t ni = rib_installed(d->rib, p, inst, 8);
		size_t nbest = 0;
		snprintf(pb, sizeof(pb), "%s/%u", inet_ntop(p->family, p->addr, a,
		    sizeof(a)), p->len);
		for (size_t k = 0; k < nc && k < 32; k++)
			nbest += c[k].best;
		if (req->json) {
			json_obj_open(&j, NULL);
			json_str(&j, "prefix", pb);
			json_arr_open(&j, "candidates");
			for (size_t k = 0; k < nc && k < 32; k++) {
				json_obj_open(&j, NULL);
				json_str(&j, "peer", peer_name_by_id(d, c[k].peer));
				json_str(&j, "role", c[k].best ? (nbest > 1 ? "ecmp" : "best") :
				    "backup");
				json_bool(&j, "held", c[k].held);
				json_bool(&j, "stale", c[k].stale);
				json_uint(&j, "metric", c[k].metric);
				json_uint(&j, "advertised_metric", c[k].adv_metric);
				json_str(&j, "nexthop", nh_str(&c[k].nh, nb, sizeof(nb)));
				json_close(&j);
			}
			json_close(&j);
			if (d->zc)
				json_str(&j, "zebra", zclient_route_state_name(
				    zclient_route_state(d->zc, p)));
			json_arr_open(&j, "installed");
			for (size_t k = 0; k < ni && k < 8; k++) {
				json_obj_open(&j, NULL);
				json_uint(&j, "kernel_metric", inst[k].metric);
				json_arr_open(&j, "nexthops");
				for (size_t m = 0; m < inst[k].n; m++)
					json_str(&j, NULL, nh_str(&inst[k].nh[m], nb, sizeof(nb)));
				json_close(&j);
				json_close(&j);
			}
			json_close(&j);
			json_close(&j);
			continue;
		}
		for (size_t k = 0; k < nc && k < 32; k++) {
			uint32_t km = 0;
			for (size_t m = 0; m < ni && m < 8 && !km; m++)
				for (size_t q = 0; q < inst[m].n; q++)
					if (memcmp(&inst[m].nh[q], &c[k].nh, sizeof(c[k].nh)) == 0)
						km = inst[m].metric;
			if (d->zc) {
				sbuf_printf(out, "%c%c %-22s [%u] via %-24s (%s)%s%s\n",
				    c[k].best ? (nbest > 1 ? '=' : '>') : 'b',
				    c[k].stale ? 's' : c[k].held ? 'h' : ' ',
				    k == 0 ? pb : "",
				    c[k].metric, nh_str(&c[k].nh, nb, sizeof(nb)),
				    peer_name_by_id(d, c[k].peer),
				    c[k].best ? " zebra: " : "",
				    c[k].best ? zclient_route_state_name(
				    zclient_route_state(d->zc, p)) : "");
				continue;
			}
			sbuf_printf(out, "%c%c %-22s [%u] via %-24s (%s)%s k:%u\n",
			    c[k].best ? (nbest > 1 ? '=' : '>') : 'b',
			    c[k].stale ? 's' : c[k].held ? 'h' : ' ',
			    k == 0 ? pb : "",
			    c[k].metric, nh_str(&c[k].nh, nb, sizeof(nb)),
			    peer_name_by_id(d, c[k].peer),
			    km ? "" : " not installed", km);
		}
	}
	if (req->json) {
		json_close(&j);
		json_close(&j);
		sbuf_add(out, "\n", 1);
	} else if (l.n == 0) {
		sbuf_printf(out, "(no routes)\n");
	}
	free(l.v);
	return VTY_CMD_SUCCESS;
}

static void
sa_row(struct gripd *d, struct peer *p, enum esp_dir dir, uint32_t spi,
    struct json *j, struct sbuf *out)
{
	struct esp_sa_counters c;

	if (d->dp == NULL || esp_sadb_counters(dp_sadb(d->dp), dir, spi, &c) < 0)
		return;
	const char *cipher = conf_cipher_name(p->cipher);
	const char *ds = dir == ESP_DIR_IN ? "in" : "out";
	if (j != NULL) {
		char spis[16];
		snprintf(spis, sizeof(spis), "0x%08x", spi);
		json_obj_open(j, NULL);
		json_str(j, "peer", p->name);
		json_str(j, "direction", ds);
		json_str(j, "spi", spis);
		json_str(j, "cipher", cipher);
		json_str(j, "mode", p->link.mode == ESP_MODE_TUNNEL ? "tunnel" : "transport");
		json_str(j, "encap", p->link.encap == ESP_ENCAP_UDP ? "udp" : "raw");
		json_str(j, "keying", "manual");
		json_uint(j, "packets", c.packets);
		json_uint(j, "bytes", c.bytes);
		json_uint(j, "replay_drops", c.replay);
		json_uint(j, "auth_failures", c.auth_fail);
		json_uint(j, "malformed", c.malformed);
		json_uint(j, "exhausted", c.exhausted);
		json_close(j);
		return;
	}
	sbuf_printf(out, "%-16s %-4s 0x%08x  %-18s %10llu %12llu %8llu %9llu %9llu\n",
	    p->name, ds, spi, cipher, (unsigned long long)c.packets,
	    (unsigned long long)c.bytes, (unsigned long long)c.replay,
	    (unsigned long long)c.auth_fail, (unsigned long long)c.malformed);
}

static enum vty_status
show_sa(struct ctl_req *req, struct sbuf *out)
{
	struct gripd *d = ctx(req);
	struct json j;
	int n = 0;

	if (req->json) {
		json_init(&j, out);
		json_obj_open(&j, NULL);
		json_arr_open(&j, "sas");
	} else {
		sbuf_printf(out, "%-16s %-4s %-10s  %-18s %10s %12s %8s %9s %9s\n",
		    "Peer", "Dir", "SPI", "Cipher", "Packets", "Bytes", "Replay",
		    "Auth-fail", "Malformed");
	}
	for (struct peer *p = d->peers; p; p = p->next) {
		if (p->sa_in) {
			sa_row(d, p, ESP_DIR_IN, p->spi_in, req->json ? &j : NULL, out);
			n++;
		}
		if (p->sa_out) {
			sa_row(d, p, ESP_DIR_OUT, p->spi_out, req->json ? &j : NULL, out);
			n++;
		}
	}
	if (req->json) {
		json_close(&j);
		json_uint(&j, "unknown_spi", d->dp ? esp_sadb_unknown_spi(dp_sadb(d->dp)) : 0);
		json_close(&j);
		sbuf_add(out, "\n", 1);
	} else if (n == 0) {
		sbuf_printf(out, "(no security associations)\n");
	} else {
		sbuf_printf(out, "packets with an unknown SPI: %llu\n",
		    (unsigned long long)(d->dp ? esp_sadb_unknown_spi(dp_sadb(d->dp)) : 0));
	}
	return VTY_CMD_SUCCESS;
}

static enum vty_status
show_counters(struct ctl_req *req, struct sbuf *out)
{
	struct gripd *d = ctx(req);

	if (req->json) {
		struct json j;
		json_init(&j, out);
		json_obj_open(&j, NULL);
		json_obj_open(&j, "daemon");
		json_uint(&j, "uptime_ms", req->now - d->started_ms);
		json_uint(&j, "reloads", d->counters.reloads);
		json_uint(&j, "reload_failures", d->counters.reload_failures);
		json_uint(&j, "control_commands", d->counters.control_commands);
		json_close(&j);
		struct dp_counters dc = { 0 };
		if (d->dp)
			dp_counters(d->dp, &dc);
		json_obj_open(&j, "datapath");
		json_uint(&j, "rx_packets", dc.rx_packets);
		json_uint(&j, "rx_unknown_spi", dc.rx_unknown_spi);
		json_uint(&j, "rx_not_esp", dc.rx_not_esp);
		json_uint(&j, "rx_short", dc.rx_short);
		json_uint(&j, "rx_ike", dc.rx_ike);
		json_uint(&j, "rx_nat_keepalive", dc.rx_keepalive);
		json_uint(&j, "tx_packets", dc.tx_packets);
		json_uint(&j, "tx_no_sa", dc.tx_no_sa);
		json_uint(&j, "tx_send_errors", dc.tx_send_errors);
		json_close(&j);
		json_arr_open(&j, "tunnels");
		for (struct peer *p = d->peers; p; p = p->next) {
			json_obj_open(&j, NULL);
			json_str(&j, "name", p->name);
			counters_json(&j, peer_tunnel(d, p), p);
			json_close(&j);
		}
		json_close(&j);
		json_close(&j);
		sbuf_add(out, "\n", 1);
		return VTY_CMD_SUCCESS;
	}
	sbuf_printf(out, "Daemon:\n  uptime ms          %llu\n"
			 "  reloads            %llu\n  reload failures    %llu\n"
			 "  control commands   %llu\n",
	    (unsigned long long)(req->now - d->started_ms),
	    (unsigned long long)d->counters.reloads,
	    (unsigned long long)d->counters.reload_failures,
	    (unsigned long long)d->counters.control_commands);
	struct dp_counters dc = { 0 };
	if (d->dp)
		dp_counters(d->dp, &dc);
	sbuf_printf(out, "Datapath:\n  rx packets         %llu\n  rx unknown SPI     %llu\n"
			 "  rx not ESP         %llu\n  rx short           %llu\n"
			 "  rx IKE             %llu\n  rx NAT keepalive   %llu\n"
			 "  tx packets         %llu\n  tx without SA      %llu\n"
			 "  tx send errors     %llu\n",
	    (unsigned long long)dc.rx_packets, (unsigned long long)dc.rx_unknown_spi,
	    (unsigned long long)dc.rx_not_esp, (unsigned long long)dc.rx_short,
	    (unsigned long long)dc.rx_ike, (unsigned long long)dc.rx_keepalive,
	    (unsigned long long)dc.tx_packets, (unsigned long long)dc.tx_no_sa,
	    (unsigned long long)dc.tx_send_errors);
	return VTY_CMD_SUCCESS;
}

static enum vty_status
show_debugging(struct ctl_req *req, struct sbuf *out)
{
	unsigned mask = log_get_debug();
	struct json j;

	ctx(req);
	if (req->json) {
		json_init(&j, out);
		json_obj_open(&j, NULL);
		json_str(&j, "level", log_level_name(log_get_level()));
		json_arr_open(&j, "debug");
	} else {
		sbuf_printf(out, "log level %s\ndebugging:", log_level_name(log_get_level()));
	}
	for (unsigned bit = 1; bit < LOGM_ALL; bit <<= 1) {
		if (!(mask & bit))
			continue;
		if (req->json)
			json_str(&j, NULL, log_module_name(bit));
		else
			sbuf_printf(out, " %s", log_module_name(bit));
	}
	if (req->json) {
		json_close(&j);
		json_close(&j);
		sbuf_add(out, "\n", 1);
	} else {
		sbuf_printf(out, "%s\n", mask ? "" : " none");
	}
	return VTY_CMD_SUCCESS;
}

static enum vty_status
set_debug(struct ctl_req *req, struct sbuf *out, bool on)
{
	unsigned bit = log_module_by_name(req->arg);

	ctx(req);
	if (bit == 0) {
		sbuf_printf(out, "%% Unknown module \"%s\"; expected adjacency, "
				 "tunnel, esp, ike, rib, zebra, config, control, "
				 "datapath or all\n", req->arg);
		return VTY_CMD_WARNING;
	}
	log_set_debug(bit, on);
	log_notice("control: debug %s %s", req->arg, on ? "on" : "off");
	return VTY_CMD_SUCCESS;
}

static enum vty_status
debug_on(struct ctl_req *req, struct sbuf *out)
{
	return set_debug(req, out, true);
}

static enum vty_status
debug_off(struct ctl_req *req, struct sbuf *out)
{
	return set_debug(req, out, false);
}

static enum vty_status
clear_adjacency(struct ctl_req *req, struct sbuf *out)
{
	struct gripd *d = ctx(req);
	struct peer *p = gripd_peer_find(d, req->arg);

	if (p == NULL) {
		sbuf_printf(out, "%% No hub or spoke named \"%s\"\n", req->arg);
		return VTY_CMD_WARNING;
	}
	if (!p->adj_on) {
		sbuf_printf(out, "%% %s has no adjacency\n", req->arg);
		return VTY_CMD_WARNING;
	}
	adjd_clear(d, p, req->now);
	sbuf_printf(out, "adjacency with %s cleared\n", req->arg);
	return VTY_CMD_SUCCESS;
}

static enum vty_status
reload_cmd(struct ctl_req *req, struct sbuf *out)
{
	struct gripd *d = ctx(req);

	if (gripd_reload(d, req->now) < 0) {
		sbuf_printf(out, "%% Reload failed, running configuration kept: %s\n",
		    d->last_reload_error);
		return VTY_CMD_WARNING;
	}
	sbuf_printf(out, "configuration reloaded\n");
	return VTY_CMD_SUCCESS;
}

static const struct ctl_cmd core_cmds[] = {
	{ "show version", "version, libraries, uptime", true, show_version },
	{ "show config", "the running configuration, normalized", true, show_config },
	{ "show tunnels", "tunnels (hubs on a spoke, spokes on a hub)", true, show_tunnels },
	{ "show sa", "ESP security associations", true, show_sa },
	{ "show adjacencies", "hello/update adjacencies", true, show_adjacencies },
	{ "show routes", "route decisions: best, ECMP, backups", true, show_routes },
	{ "show counters", "daemon and datapath counters", true, show_counters },
	{ "show debugging", "log level and debug switches", true, show_debugging },
	{ "debug MODULE", "turn on debug logs of a module", false, debug_on },
	{ "no debug MODULE", "turn off debug logs of a module", false, debug_off },
	{ "clear adjacency NAME", "reset the adjacency with a hub or spoke", false, clear_adjacency },
	{ "reload", "reload the configuration file (like SIGHUP)", false, reload_cmd },
};

int
gripd_register_commands(struct gripd *d)
{
	return ctl_register(d->ctl, core_cmds, sizeof(core_cmds) / sizeof(core_cmds[0]), d);
}
