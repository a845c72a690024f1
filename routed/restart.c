/* SPDX-License-Identifier: ISC */
/*
 * DOC: hitless restart
 *
 * `gripctl restart` replaces the running gripd by a fresh process started
 * from the same path and arguments (an upgraded binary takes over) while
 * traffic keeps flowing.  With the userspace datapath gripd *is* the
 * forwarding plane, so a plain stop/start loses whatever arrives in the gap
 * and, worse, the kernel deletes the TUN devices and every route through
 * them.  The restart therefore keeps everything that carries packets:
 *
 *  1. Checks first: the configuration file must load cleanly and the
 *     binary must be executable, else the command fails and nothing moves.
 *  2. Graceful restart towards zebra (the routes stay in zebra and the
 *     kernel for the stale time) and towards every neighbour: a GOODBYE
 *     "restarting" with the restart time, so they keep our routes instead
 *     of withdrawing them (docs/protocol.md, helper mode).
 *  3. RESTART_DRAIN_MS later (the GOODBYEs cross our own datapath), the
 *     workers stop.  Packets arriving from now on wait in the TUN and
 *     socket queues.  The TUN descriptors, the underlay ESP sockets, the
 *     control socket and the spare /dev/net/tun descriptors, plus a small
 *     state (epoch, restart count, the hub's multipoint routes, the
 *     inbound anti-replay windows), go to the
 *     new image through handoff.c; the kept capabilities ride in the
 *     ambient set (privs_keep_across_exec).
 *  4. The new process adopts all of that instead of creating it, puts the
 *     multipoint routes back before its workers run, re-forms the
 *     adjacencies (new epoch) and re-learns the routes; when the start-up
 *     convergence timer fires it tells zebra the table is complete (stale
 *     routes swept), sweeps kernel routes and multipoint routes nobody
 *     announced again, and turns zebra graceful restart off again.
 *
 * A failed execve() after step 3 cannot be undone (the descriptors were
 * renumbered): the process exits non-zero and the service manager starts
 * it again; the neighbours' restart timers bound the damage.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <gripd/conf.h>
#include <gripd/ctl.h>
#include <gripd/log.h>
#include <gripd/notify.h>
#include <gripd/privs.h>
#include <gripd/tun.h>

#include "addr.h"
#include "daemon.h"
#include "handoff.h"
#include "zclient.h"

#define RESTART_DRAIN_MS 50

/* An inbound SA's anti-replay window from the previous process. */
struct restored_replay {
	uint32_t spi;
	bool used;
	char key_id[SEQSTORE_ID_LEN + 1];
	struct esp_replay win;
};

struct restored_mp {
	struct tunnel_prefix pfx;
	struct tunnel_ip nh;
};

/* What we announce (graceful-restart restart-time) bounds zebra's wait too. */
static uint32_t
restart_time_s(const struct gripd *d)
{
	return d->conf->site ? d->conf->site->gr_restart_s : CONF_DEF_GR_RESTART_S;
}

static bool
fmt_ip(const struct tunnel_ip *ip, char *buf, size_t len)
{
	return inet_ntop(ip->family, ip->u.b, buf, (socklen_t)len) != NULL;
}

static void
save_mp(const struct tunnel_prefix *tp, const struct tunnel_ip *nh, void *arg)
{
	char a[INET6_ADDRSTRLEN], b[INET6_ADDRSTRLEN];

	(void)arg;
	if (fmt_ip(&tp->addr, a, sizeof(a)) && fmt_ip(nh, b, sizeof(b)))
		handoff_printf("mp %s/%u %s", a, tp->plen, b);
}

/*
 * Every inbound SA's anti-replay window, exact (the workers have stopped),
 * for the next process: "replay SPI KEY-ID WINDOW".  Without it the new
 * SAs would start with empty windows and accept, once, any packet an
 * attacker recorded before the restart.
 */
static void
save_replay(struct gripd *d)
{
	static char win[ESP_REPLAY_TEXT_MAX];
	struct esp_replay r;
	size_t n = 0;

	for (struct peer *p = d->peers; p; p = p->next) {
		if (!p->sa_in || p->in_key_id[0] == '\0' ||
		    esp_sadb_replay_get(dp_sadb(d->dp), p->spi_in, &r) < 0 ||
		    esp_replay_format(&r, win, sizeof(win)) < 0)
			continue;
		if (handoff_printf("replay %08x %s %s", p->spi_in, p->in_key_id,
		    win) == 0)
			n++;
	}
	if (n > 0)
		log_info("restart: %zu inbound anti-replay window(s) handed over",
		    n);
}

/* "replay SPI KEY-ID WINDOW" (len bytes at s): one more carried window. */
static void
parse_replay(struct gripd *d, const char *s, size_t len)
{
	struct restored_replay e = { 0 };
	const char *id, *win;
	char *end;
	unsigned long spi;

	if (len < 7 || memcmp(s, "replay ", 7) != 0)
		return;
	spi = strtoul(s + 7, &end, 16);
	if (end == s + 7 || *end != ' ' || spi > UINT32_MAX)
		return;
	id = end + 1;
	if ((size_t)(id - s) + SEQSTORE_ID_LEN + 1 > len ||
	    id[SEQSTORE_ID_LEN] != ' ')
		return;
	win = id + SEQSTORE_ID_LEN + 1;
	if (esp_replay_parse(win, len - (size_t)(win - s), &e.win) < 0) {
		log_warn("restart: a handed-over anti-replay window does not "
			 "parse; that SA starts with an empty one");
		return;
	}
	e.spi = (uint32_t)spi;
	memcpy(e.key_id, id, SEQSTORE_ID_LEN);
	struct restored_replay *v = realloc(d->replay_in,
	    (d->nreplay_in + 1) * sizeof(*v));
	if (v == NULL)
		return;
	d->replay_in = v;
	d->replay_in[d->nreplay_in++] = e;
}

const struct esp_replay *
gripd_restart_replay(struct gripd *d, uint32_t spi, const char *key_id)
{
	for (size_t i = 0; i < d->nreplay_in; i++) {
		struct restored_replay *e = &d->replay_in[i];

		if (!e->used && e->spi == spi && strcmp(e->key_id, key_id) == 0) {
			e->used = true;
			return &e->win;
		}
	}
	return NULL;
}

static void
restart_exec_cb(struct loop_timer *t, uint64_t now)
{
	struct gripd *d = t->arg;
	char err[256], name[32];
	const int *pool;
	unsigned npool;
	int r = 0;

	(void)now;
	if (d->shutting_down) {
		/* SIGTERM won: gripd_shutdown told the neighbours. */
		log_notice("restart: abandoned, shutting down instead");
		return;
	}
	handoff_printf("epoch %u", d->epoch);
	handoff_printf("restarts %u", d->restarts + 1);
	/* the hub's multipoint routes, exactly as the datapath has them */
	if (d->mp_dt)
		dp_mp_route_walk(d->mp_dt, save_mp, NULL);
	if (d->ctl)
		r = handoff_add("ctl", ctl_listen_fd(d->ctl));
	if (r == 0 && d->dp && (r = dp_handoff(d->dp)) == 0) {
		save_replay(d); /* workers stopped: the windows are final */
		gripd_sa_handoff(d);
	}
	for (struct peer *p = d->peers; p && r == 0; p = p->next)
		if (p->dt && p->dt->dev.nqueues == 1 && p->dt->dev.fds[0] >= 0) {
			snprintf(name, sizeof(name), "tun/%s", p->dt->dev.ifname);
			r = handoff_add(name, p->dt->dev.fds[0]);
		}
	if (r == 0 && d->mp_dt && d->mp_dt->dev.nqueues == 1) {
		snprintf(name, sizeof(name), "tun/%s", d->mp_dt->dev.ifname);
		r = handoff_add(name, d->mp_dt->dev.fds[0]);
	}
	npool = tun_pool_fds(&pool);
	for (unsigned i = 0; i < npool && r == 0; i++)
		r = handoff_add("tunpool", pool[i]);
	if (r < 0) {
		log_err("restart: cannot hand over the descriptors: %s",
		    strerror(-r));
		goto fail;
	}
	if (privs_keep_across_exec(err, sizeof(err)) < 0) {
		log_err("restart: %s", err);
		goto fail;
	}
	log_notice("restart: handing %zu descriptor(s) over to %s",
	    handoff_count() + 1, d->exe_path);
	notify_send("RELOADING=1\nSTATUS=restarting in place");
	r = handoff_exec(d->exe_path, d->argv);
	log_err("restart: cannot execute %s: %s; exiting so that the service "
		"manager starts gripd again", d->exe_path, strerror(-r));
	_exit(1);
fail:
	/* The datapath workers are stopped: nothing to go back to. */
	log_err("restart: aborted; exiting so that the service manager starts "
		"gripd again");
	_exit(1);
}

static enum vty_status
restart_cmd(struct ctl_req *req, struct sbuf *out)
{
	struct gripd *d = req->ctx;
	struct conf_diag_list diags;
	struct conf *nc = NULL;
	int r;

	if (d->restarting || d->shutting_down) {
		sbuf_printf(out, "%% gripd is already %s\n",
		    d->restarting ? "restarting" : "shutting down");
		return VTY_CMD_WARNING;
	}
	conf_diag_init(&diags);
	r = conf_load(d->conf_path, &nc, &diags);
	if (r >= 0 && nc != NULL && geteuid() != 0 &&
	    (strcmp(nc->global.user, d->conf->global.user) != 0 ||
	     strcmp(nc->global.group, d->conf->global.group) != 0)) {
		sbuf_printf(out, "%% Not restarting: the user or group changed, "
				 "which needs root: stop and start gripd "
				 "(systemctl restart gripd)\n");
		conf_free(nc);
		conf_diag_free(&diags);
		return VTY_CMD_WARNING;
	}
	conf_free(nc);
	if (r < 0) {
		for (size_t i = 0; i < diags.n; i++)
			sbuf_printf(out, "%s\n", diags.msgs[i]);
		sbuf_printf(out, "%% Not restarting: %s has errors; gripd keeps "
				 "running unchanged\n", d->conf_path);
		conf_diag_free(&diags);
		return VTY_CMD_WARNING;
	}
	conf_diag_free(&diags);
	if (access(d->exe_path, X_OK) < 0) {
		sbuf_printf(out, "%% Not restarting: cannot execute %s: %s\n",
		    d->exe_path, strerror(errno));
		return VTY_CMD_WARNING;
	}
	d->restarting = true;
	log_notice("restart: in place, requested over the control socket; "
		   "forwarding continues");
	/* Neighbours first: their hold timers are the tighter clock. */
	adjd_restart_goodbye(d, req->now);
	if (d->zc && (r = zclient_restart_handoff(d->zc, restart_time_s(d) + 30)) < 0)
		log_warn("restart: zebra did not take graceful restart (%s): "
			 "it will flush gripd's routes", strerror(-r));
	loop_timer_init(&d->restart_timer, restart_exec_cb, d);
	loop_timer_arm(d->loop, &d->restart_timer, req->now + RESTART_DRAIN_MS);
	sbuf_printf(out, "restarting in place (pid %ld, restart %u): forwarding "
			 "continues\n", (long)getpid(), d->restarts + 1);
	return VTY_CMD_SUCCESS;
}

static const struct ctl_cmd restart_cmds[] = {
	{ "restart", "restart gripd in place, keeping tunnels and forwarding",
	    false, restart_cmd },
};

int
gripd_restart_register(struct gripd *d)
{
	return ctl_register(d->ctl, restart_cmds,
	    sizeof(restart_cmds) / sizeof(restart_cmds[0]), d);
}

static int
parse_ip(const char *s, struct tunnel_ip *ip)
{
	memset(ip, 0, sizeof(*ip));
	if (inet_pton(AF_INET, s, ip->u.b) == 1)
		ip->family = AF_INET;
	else if (inet_pton(AF_INET6, s, ip->u.b) == 1)
		ip->family = AF_INET6;
	else
		return -1;
	return 0;
}

void
gripd_restart_state(struct gripd *d)
{
	const char *s = handoff_state();
	char line[256];

	if (!handoff_restarted() || s == NULL)
		return;
	d->restarted = true;
	while (*s) {
		size_t len = strcspn(s, "\n");
		unsigned long v;
		char pfx[INET6_ADDRSTRLEN + 8], nh[INET6_ADDRSTRLEN];

		if (len > 7 && memcmp(s, "replay ", 7) == 0) {
			parse_replay(d, s, len); /* longer than line[] */
			s += len + (s[len] == '\n');
			continue;
		}

		snprintf(line, sizeof(line), "%.*s", (int)(len < sizeof(line) ?
		    len : sizeof(line) - 1), s);
		s += len + (s[len] == '\n');
		if (sscanf(line, "epoch %lu", &v) == 1) {
			if ((uint32_t)v >= d->epoch)
				d->epoch = (uint32_t)v + 1;
		} else if (sscanf(line, "restarts %lu", &v) == 1) {
			d->restarts = (uint32_t)v;
		} else if (sscanf(line, "mp %47s %45s", pfx, nh) == 2) {
			struct restored_mp m = { 0 };
			char *slash = strchr(pfx, '/');
			if (slash == NULL)
				continue;
			*slash = '\0';
			m.pfx.plen = (unsigned)strtoul(slash + 1, NULL, 10);
			if (parse_ip(pfx, &m.pfx.addr) < 0 || parse_ip(nh, &m.nh) < 0 ||
			    m.pfx.plen > (m.pfx.addr.family == AF_INET ? 32u : 128u))
				continue;
			struct restored_mp *nv = realloc(d->restored,
			    (d->nrestored + 1) * sizeof(*nv));
			if (nv == NULL)
				break;
			d->restored = nv;
			d->restored[d->nrestored++] = m;
		}
	}
}

void
gripd_restart_restore(struct gripd *d)
{
	size_t n = 0;

	for (size_t i = 0; i < d->nrestored && d->mp_dt; i++)
		if (dp_mp_route_add(d->mp_dt, &d->restored[i].pfx,
		    &d->restored[i].nh) == 0)
			n++;
	if (d->restarted)
		log_notice("restart: took over (restart %u, epoch %u); %zu "
			   "multipoint route(s) kept until the neighbours "
			   "re-announce them", d->restarts, d->epoch, n);
}

static int
cmp_restored(const void *a, const void *b)
{
	return prefix_cmp(&((const struct restored_mp *)a)->pfx,
	    &((const struct restored_mp *)b)->pfx);
}

/*
 * The prefixes some neighbour announced again, sorted, in *out (NULL when
 * none).  -ENOMEM: unknown, so nothing may be swept.
 */
static int
announced_sorted(const struct gripd *d, struct tunnel_prefix **out, size_t *np)
{
	struct tunnel_prefix *v;
	size_t n = 0;

	for (const struct peer *p = d->peers; p; p = p->next)
		n += p->n_mp_routes;
	*np = 0;
	*out = NULL;
	if (n == 0)
		return 0;
	if ((v = malloc(n * sizeof(*v))) == NULL)
		return -ENOMEM;
	for (const struct peer *p = d->peers; p; p = p->next)
		for (size_t i = 0; i < p->n_mp_routes; i++)
			v[(*np)++] = p->mp_routes[i];
	qsort(v, *np, sizeof(*v), prefix_cmp);
	*out = v;
	return 0;
}

void
gripd_restart_converged(struct gripd *d)
{
	struct tunnel_prefix *ann;
	size_t swept = 0, na, j = 0;

	/* restored minus announced: a merge of two sorted lists */
	if (announced_sorted(d, &ann, &na) < 0) {
		log_err("restart: out of memory: carried-over multipoint routes "
			"kept");
		return;
	}
	if (d->nrestored > 1)
		qsort(d->restored, d->nrestored, sizeof(*d->restored), cmp_restored);
	for (size_t i = 0; i < d->nrestored && d->mp_dt; i++) {
		while (j < na && prefix_cmp(&ann[j], &d->restored[i].pfx) < 0)
			j++;
		if (j < na && prefix_cmp(&ann[j], &d->restored[i].pfx) == 0)
			continue;
		if (dp_mp_route_del(d->mp_dt, &d->restored[i].pfx) == 0)
			swept++;
	}
	free(ann);
	if (d->nrestored)
		log_notice("restart: %zu of %zu carried-over multipoint route(s) "
			   "not announced again: removed", swept, d->nrestored);
	free(d->restored);
	d->restored = NULL;
	d->nrestored = 0;
	/* windows of SAs that did not come back are of no use any more */
	free(d->replay_in);
	d->replay_in = NULL;
	d->nreplay_in = 0;
}
