/* SPDX-License-Identifier: ISC */
/*
 * DOC: rib_test: route decisions and the kernel operations they cause.
 *
 * Each case is a script of steps on a fake clock.  After every step the
 * dirty prefixes are drained, rib_fib_plan() gives the kernel operations
 * and they are "applied" (rib_fib_done(..., 0)); the operations are
 * printed as
 *
 *   10.0.0.0/8 +1010=1,2 -1020
 *
 * ("+M=nh,nh" create/replace the route at kernel metric M with those next
 * hops, "-M" delete the route at M; a next hop prints as its ifindex, or
 * ifindex/gateway) and compared with the step's expectation.  Peer N uses
 * ifindex N unless the step says otherwise.  Kernel metrics: 1000 + RIB
 * metric; held (failback hold-down) = 1000 + 2^30 + RIB metric, printed
 * as "H+m" to stay readable.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "check.h"
#include "fib.h"
#include "rib.h"

static int
parse_prefix(const char *s, struct rib_prefix *p)
{
	char buf[64];
	const char *slash = strchr(s, '/');
	size_t n = slash ? (size_t)(slash - s) : strlen(s);

	memset(p, 0, sizeof(*p));
	if (n >= sizeof(buf))
		return -1;
	memcpy(buf, s, n);
	buf[n] = '\0';
	p->family = strchr(buf, ':') ? AF_INET6 : AF_INET;
	if (inet_pton(p->family, buf, p->addr) != 1)
		return -1;
	p->len = slash ? (unsigned)atoi(slash + 1)
		       : (p->family == AF_INET ? 32 : 128);
	return 0;
}

static void
fmt_prefix(const struct rib_prefix *p, char *out, size_t len)
{
	char a[INET6_ADDRSTRLEN];

	inet_ntop(p->family, p->addr, a, sizeof(a));
	snprintf(out, len, "%s/%u", a, p->len);
}

static void
fmt_metric(uint32_t m, char *out, size_t len)
{
	if (m >= FIB_KMETRIC_BASE + FIB_KMETRIC_HELD)
		snprintf(
		    out, len, "H+%u", m - FIB_KMETRIC_BASE - FIB_KMETRIC_HELD);
	else
		snprintf(out, len, "%u", m);
}

static void
fmt_route(const struct fib_route *r, char *out, size_t len)
{
	size_t o;

	fmt_metric(r->metric, out, len);
	o = strlen(out);
	for (size_t i = 0; i < r->n && o < len; i++) {
		char gw[INET6_ADDRSTRLEN] = "";

		if (r->nh[i].gw_family)
			inet_ntop(
			    r->nh[i].gw_family, r->nh[i].gw, gw, sizeof(gw));
		o += (size_t)snprintf(out + o, len - o, "%s%d%s%s",
		    i ? "," : "=", r->nh[i].ifindex, gw[0] ? "/" : "", gw);
	}
}

/* Drains the RIB into the fake kernel; returns the ops as text. */
static void
drain(struct rib *r, char *out, size_t len)
{
	struct rib_prefix dirty[8];
	size_t n, o = 0;

	out[0] = '\0';
	while ((n = rib_dirty(r, dirty, 8)) > 0) {
		for (size_t i = 0; i < n; i++) {
			struct fib_op ops[FIB_OPS_MAX];
			char pfx[64];
			int nops = rib_fib_plan(r, &dirty[i], ops, FIB_OPS_MAX);

			CHECK(nops >= 0);
			if (nops <= 0)
				continue;
			fmt_prefix(&dirty[i], pfx, sizeof(pfx));
			o += (size_t)snprintf(
			    out + o, len - o, "%s%s", o ? "; " : "", pfx);
			for (int j = 0; j < nops; j++) {
				char rt[512];

				if (ops[j].type == FIB_OP_SET)
					fmt_route(
					    &ops[j].route, rt, sizeof(rt));
				else
					fmt_metric(ops[j].route.metric, rt,
					    sizeof(rt));
				o += (size_t)snprintf(out + o, len - o, " %c%s",
				    ops[j].type == FIB_OP_SET ? '+' : '-', rt);
				rib_fib_done(r, &dirty[i], &ops[j], 0);
			}
		}
	}
}

/* "10.0.0.0/8 5, 10.1.0.0/16" -> advertisements (metric default 0). */
static size_t
parse_advs(const char *s, struct rib_adv *v, size_t max)
{
	char buf[512], *save = NULL;
	size_t n = 0;

	snprintf(buf, sizeof(buf), "%s", s);
	for (char *tok = strtok_r(buf, ",", &save); tok && n < max;
	     tok = strtok_r(NULL, ",", &save)) {
		char pfx[64];
		unsigned m = 0;

		while (*tok == ' ')
			tok++;
		if (*tok == '\0')
			continue;
		if (sscanf(tok, "%63s %u", pfx, &m) < 1 ||
		    parse_prefix(pfx, &v[n].pfx) < 0) {
			fprintf(stderr, "bad adv '%s'\n", tok);
			continue;
		}
		v[n++].metric = m;
	}
	return n;
}

/*
 * The peers whose candidate for a prefix is best (stale = false) or stale
 * (stale = true), "1,2", or "-" for none.
 */
static void
fmt_peers(struct rib *r, const char *pfx, bool stale, char *out, size_t len)
{
	struct rib_cand c[16];
	struct rib_prefix p;
	size_t n, o = 0;

	parse_prefix(pfx, &p);
	n = rib_cands(r, &p, c, 16);
	out[0] = '\0';
	for (size_t i = 0; i < n && i < 16; i++)
		if (stale ? c[i].stale : c[i].best)
			o += (size_t)snprintf(out + o, len - o, "%s%llu",
			    o ? "," : "", (unsigned long long)c[i].peer);
	if (o == 0)
		snprintf(out, len, "-");
}

enum step_op {
	S_END,
	S_DELAY,    /* rib_set_failback_delay(arg) */
	S_PEER,	    /* rib_peer_set(peer, cost=arg, ifindex=ifx or peer, gw) */
	S_UP,	    /* rib_peer_up */
	S_DOWN,	    /* rib_peer_down */
	S_DEL,	    /* rib_peer_del */
	S_ROUTES,   /* rib_peer_routes(peer, s) */
	S_TIMERS,   /* rib_timers(now) */
	S_DEADLINE, /* CHECK rib_next_deadline == arg */
	S_BEST,	    /* CHECK best peers of prefix s == want */
	S_STALE,    /* rib_peer_stale(peer), CHECK it returns arg */
	S_STALEC,   /* CHECK peers with a stale candidate for s == want */
};

/* Steps name only the fields they use. */
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

struct step {
	enum step_op op;
	uint64_t now;
	uint64_t peer;
	uint64_t arg;
	const char *s;	  /* routes, or the prefix for S_BEST, or a gateway */
	const char *want; /* expected ops (NULL: no check), or best peers */
	int ifx;
};

struct rcase {
	const char *name;
	struct step steps[24];
};

#define HELD(m) "H+" #m

/* clang-format off */
static const struct rcase cases[] = {
	{ "cost decides: hub1 10 beats hub2 20, hub2 pre-installed", {
		{ S_PEER, 0, 1, 10, NULL, "" },
		{ S_PEER, 0, 2, 20, NULL, "" },
		{ S_ROUTES, 0, 1, 0, "10.0.0.0/8", "10.0.0.0/8 +1010=1" },
		{ S_ROUTES, 0, 2, 0, "10.0.0.0/8", "10.0.0.0/8 +1020=2" },
		{ S_BEST, 0, 0, 0, "10.0.0.0/8", "1" },
		{ S_END } } },
	{ "advertised metric adds to the cost", {
		{ S_PEER, 0, 1, 10, NULL, "" },
		{ S_PEER, 0, 2, 20, NULL, "" },
		{ S_ROUTES, 0, 1, 0, "10.0.0.0/8 15", "10.0.0.0/8 +1025=1" },
		{ S_ROUTES, 0, 2, 0, "10.0.0.0/8 1", "10.0.0.0/8 +1021=2" },
		{ S_BEST, 0, 0, 0, "10.0.0.0/8", "2" },
		{ S_END } } },
	{ "equal metric: ECMP as one multipath route (replace)", {
		{ S_PEER, 0, 1, 10, NULL, "" },
		{ S_PEER, 0, 2, 10, NULL, "" },
		{ S_ROUTES, 0, 2, 0, "10.0.0.0/8", "10.0.0.0/8 +1010=2" },
		{ S_ROUTES, 0, 1, 0, "10.0.0.0/8", "10.0.0.0/8 +1010=1,2" },
		{ S_BEST, 0, 0, 0, "10.0.0.0/8", "1,2" },
		/* one member leaves: one atomic replace */
		{ S_DOWN, 5, 2, 0, NULL, "10.0.0.0/8 +1010=1" },
		{ S_BEST, 5, 0, 0, "10.0.0.0/8", "1" },
		{ S_END } } },
	{ "best withdrawn: backup takes over with one delete", {
		{ S_PEER, 0, 1, 10, NULL, "" },
		{ S_PEER, 0, 2, 20, NULL, "" },
		{ S_PEER, 0, 3, 30, NULL, "" },
		{ S_ROUTES, 0, 1, 0, "10.0.0.0/8, 192.168.0.0/16", NULL },
		{ S_ROUTES, 0, 2, 0, "10.0.0.0/8, 192.168.0.0/16", NULL },
		{ S_ROUTES, 0, 3, 0, "10.0.0.0/8", NULL },
		{ S_DOWN, 100, 1, 0, NULL,
		    "10.0.0.0/8 -1010; 192.168.0.0/16 -1010" },
		{ S_BEST, 100, 0, 0, "10.0.0.0/8", "2" },
		{ S_DOWN, 200, 2, 0, NULL,
		    "10.0.0.0/8 -1020; 192.168.0.0/16 -1020" },
		{ S_BEST, 200, 0, 0, "10.0.0.0/8", "3" },
		{ S_BEST, 200, 0, 0, "192.168.0.0/16", "-" },
		{ S_END } } },
	{ "withdrawn by an update (not a peer loss): one delete", {
		{ S_PEER, 0, 1, 10, NULL, "" },
		{ S_PEER, 0, 2, 20, NULL, "" },
		{ S_ROUTES, 0, 1, 0, "10.0.0.0/8", NULL },
		{ S_ROUTES, 0, 2, 0, "10.0.0.0/8", NULL },
		{ S_ROUTES, 9, 1, 0, "", "10.0.0.0/8 -1010" },
		{ S_END } } },
	{ "failback: held at a penalized metric, switch at now+delay", {
		{ S_PEER, 0, 1, 10, NULL, "" },
		{ S_PEER, 0, 2, 20, NULL, "" },
		{ S_ROUTES, 0, 1, 0, "10.0.0.0/8", NULL },
		{ S_ROUTES, 0, 2, 0, "10.0.0.0/8", NULL },
		{ S_DEADLINE, 0, 0, RIB_NO_DEADLINE },
		{ S_DOWN, 1000, 1, 0, NULL, "10.0.0.0/8 -1010" },
		{ S_UP, 2000, 1, 0, NULL, "" },
		{ S_DEADLINE, 2000, 0, 32000 },
		{ S_ROUTES, 2100, 1, 0, "10.0.0.0/8",
		    "10.0.0.0/8 +" HELD(10) "=1" },
		{ S_BEST, 2100, 0, 0, "10.0.0.0/8", "2" },
		{ S_TIMERS, 31999, 0, 0, NULL, "" },
		{ S_BEST, 31999, 0, 0, "10.0.0.0/8", "2" },
		/* make-before-break: the real route first, then the held one */
		{ S_TIMERS, 32000, 0, 0, NULL,
		    "10.0.0.0/8 +1010=1 -" HELD(10) },
		{ S_BEST, 32000, 0, 0, "10.0.0.0/8", "1" },
		{ S_DEADLINE, 32000, 0, RIB_NO_DEADLINE },
		{ S_END } } },
	{ "failback delay 0 switches at once", {
		{ S_DELAY, 0, 0, 0 },
		{ S_PEER, 0, 1, 10, NULL, "" },
		{ S_PEER, 0, 2, 20, NULL, "" },
		{ S_ROUTES, 0, 1, 0, "10.0.0.0/8", NULL },
		{ S_ROUTES, 0, 2, 0, "10.0.0.0/8", NULL },
		{ S_DOWN, 1000, 1, 0, NULL, "10.0.0.0/8 -1010" },
		{ S_UP, 2000, 1, 0, NULL, "" },
		{ S_DEADLINE, 2000, 0, RIB_NO_DEADLINE },
		{ S_ROUTES, 2000, 1, 0, "10.0.0.0/8", "10.0.0.0/8 +1010=1" },
		{ S_BEST, 2000, 0, 0, "10.0.0.0/8", "1" },
		{ S_END } } },
	{ "returning as the only path: used at once, kept when others come", {
		{ S_DELAY, 0, 0, 5000 },
		{ S_PEER, 0, 1, 10, NULL, "" },
		{ S_PEER, 0, 2, 20, NULL, "" },
		{ S_ROUTES, 0, 1, 0, "10.0.0.0/8", "10.0.0.0/8 +1010=1" },
		{ S_DOWN, 100, 1, 0, NULL, "10.0.0.0/8 -1010" },
		{ S_ROUTES, 200, 1, 0, "10.0.0.0/8", "10.0.0.0/8 +1010=1" },
		{ S_BEST, 200, 0, 0, "10.0.0.0/8", "1" },
		{ S_DEADLINE, 200, 0, 5200 },
		/* a worse path appears: the held best keeps its place */
		{ S_ROUTES, 300, 2, 0, "10.0.0.0/8", "10.0.0.0/8 +1020=2" },
		{ S_BEST, 300, 0, 0, "10.0.0.0/8", "1" },
		{ S_TIMERS, 5200, 0, 0, NULL, "" },
		{ S_END } } },
	{ "held peer worse than the best: a penalized backup, then its metric",
	    {
		{ S_DELAY, 0, 0, 1000 },
		{ S_PEER, 0, 1, 10, NULL, "" },
		{ S_PEER, 0, 2, 20, NULL, "" },
		{ S_ROUTES, 0, 1, 0, "10.0.0.0/8", NULL },
		{ S_ROUTES, 0, 2, 0, "10.0.0.0/8", NULL },
		{ S_DOWN, 10, 2, 0, NULL, "10.0.0.0/8 -1020" },
		{ S_ROUTES, 20, 2, 0, "10.0.0.0/8",
		    "10.0.0.0/8 +" HELD(20) "=2" },
		/* best lost during the hold-down: the held one is all there is */
		{ S_DOWN, 30, 1, 0, NULL, "10.0.0.0/8 +1020=2 -1010 -" HELD(20) },
		{ S_BEST, 30, 0, 0, "10.0.0.0/8", "2" },
		{ S_TIMERS, 1020, 0, 0, NULL, "" },
		{ S_END } } },
	{ "flapping during the hold-down restarts the delay", {
		{ S_PEER, 0, 1, 10, NULL, "" },
		{ S_PEER, 0, 2, 20, NULL, "" },
		{ S_ROUTES, 0, 1, 0, "10.0.0.0/8", NULL },
		{ S_ROUTES, 0, 2, 0, "10.0.0.0/8", NULL },
		{ S_DOWN, 1000, 1, 0, NULL, "10.0.0.0/8 -1010" },
		{ S_ROUTES, 2000, 1, 0, "10.0.0.0/8",
		    "10.0.0.0/8 +" HELD(10) "=1" },
		{ S_DEADLINE, 2000, 0, 32000 },
		{ S_DOWN, 10000, 1, 0, NULL, "10.0.0.0/8 -" HELD(10) },
		{ S_DEADLINE, 10000, 0, RIB_NO_DEADLINE },
		{ S_UP, 12000, 1, 0, NULL, "" },
		{ S_ROUTES, 12000, 1, 0, "10.0.0.0/8",
		    "10.0.0.0/8 +" HELD(10) "=1" },
		{ S_DEADLINE, 12000, 0, 42000 },
		{ S_TIMERS, 32000, 0, 0, NULL, "" },
		{ S_BEST, 32000, 0, 0, "10.0.0.0/8", "2" },
		{ S_TIMERS, 42000, 0, 0, NULL,
		    "10.0.0.0/8 +1010=1 -" HELD(10) },
		{ S_BEST, 42000, 0, 0, "10.0.0.0/8", "1" },
		{ S_END } } },
	{ "up twice does not restart the hold-down", {
		{ S_PEER, 0, 1, 10, NULL, "" },
		{ S_ROUTES, 0, 1, 0, "10.0.0.0/8", NULL },
		{ S_DOWN, 10, 1, 0, NULL, NULL },
		{ S_UP, 20, 1, 0, NULL, "" },
		{ S_UP, 5000, 1, 0, NULL, "" },
		{ S_DEADLINE, 5000, 0, 30020 },
		{ S_END } } },
	{ "held peer joining an ECMP set waits, then one replace", {
		{ S_PEER, 0, 1, 10, NULL, "" },
		{ S_PEER, 0, 2, 10, NULL, "" },
		{ S_ROUTES, 0, 1, 0, "10.0.0.0/8", NULL },
		{ S_ROUTES, 0, 2, 0, "10.0.0.0/8", NULL },
		{ S_DOWN, 10, 2, 0, NULL, "10.0.0.0/8 +1010=1" },
		{ S_ROUTES, 20, 2, 0, "10.0.0.0/8",
		    "10.0.0.0/8 +" HELD(10) "=2" },
		{ S_BEST, 20, 0, 0, "10.0.0.0/8", "1" },
		{ S_TIMERS, 30020, 0, 0, NULL,
		    "10.0.0.0/8 +1010=1,2 -" HELD(10) },
		{ S_BEST, 30020, 0, 0, "10.0.0.0/8", "1,2" },
		{ S_END } } },
	{ "complete set replaces the previous set", {
		{ S_PEER, 0, 1, 10, NULL, "" },
		{ S_ROUTES, 0, 1, 0, "10.1.0.0/16, 10.2.0.0/16",
		    "10.1.0.0/16 +1010=1; 10.2.0.0/16 +1010=1" },
		{ S_ROUTES, 1, 1, 0, "10.3.0.0/16, 10.2.0.0/16",
		    "10.1.0.0/16 -1010; 10.3.0.0/16 +1010=1" },
		{ S_ROUTES, 2, 1, 0, "10.3.0.0/16, 10.2.0.0/16 5",
		    "10.2.0.0/16 +1015=1 -1010" },
		/* same set again: nothing to do */
		{ S_ROUTES, 3, 1, 0, "10.2.0.0/16 5, 10.3.0.0/16", "" },
		/* duplicates keep the lowest metric; host bits cleared */
		{ S_ROUTES, 4, 1, 0, "10.2.0.0/16 7, 10.2.1.1/16 5, 10.3.0.0/16",
		    "" },
		{ S_ROUTES, 5, 1, 0, "", "10.2.0.0/16 -1015; 10.3.0.0/16 -1010" },
		{ S_END } } },
	{ "cost change flips the best, make-before-break", {
		{ S_PEER, 0, 1, 10, NULL, "" },
		{ S_PEER, 0, 2, 20, NULL, "" },
		{ S_ROUTES, 0, 1, 0, "10.0.0.0/8", NULL },
		{ S_ROUTES, 0, 2, 0, "10.0.0.0/8", NULL },
		{ S_PEER, 1, 1, 30, NULL, "10.0.0.0/8 +1030=1 -1010" },
		{ S_BEST, 1, 0, 0, "10.0.0.0/8", "2" },
		/* unchanged settings: nothing */
		{ S_PEER, 2, 1, 30, NULL, "" },
		{ S_END } } },
	{ "IPv6 with gateways, ECMP and backup", {
		{ S_PEER, 0, 1, 10, "fd00::1", "" },
		{ S_PEER, 0, 2, 10, "fd00::2", "" },
		{ S_PEER, 0, 3, 50, "fd00::3", "" },
		{ S_ROUTES, 0, 1, 0, "2001:db8::/32", NULL },
		{ S_ROUTES, 0, 2, 0, "2001:db8::/32", NULL },
		{ S_ROUTES, 0, 3, 0, "2001:db8::/32",
		    "2001:db8::/32 +1050=3/fd00::3" },
		{ S_DOWN, 1, 1, 0, NULL, "2001:db8::/32 +1010=2/fd00::2" },
		{ S_DOWN, 2, 2, 0, NULL, "2001:db8::/32 -1010" },
		{ S_BEST, 2, 0, 0, "2001:db8::/32", "3" },
		{ S_END } } },
	{ "hub: reverse routes via spoke inner addresses on one interface", {
		{ S_PEER, 0, 7, 0, "10.255.0.7", "", 5 },
		{ S_PEER, 0, 8, 0, "10.255.0.8", "", 5 },
		{ S_ROUTES, 0, 7, 0, "10.0.65.0/24",
		    "10.0.65.0/24 +1000=5/10.255.0.7" },
		{ S_ROUTES, 0, 8, 0, "10.0.66.0/24, 10.0.67.0/24 2",
		    "10.0.66.0/24 +1000=5/10.255.0.8; "
		    "10.0.67.0/24 +1002=5/10.255.0.8" },
		/* an IPv6 prefix from a peer with only an IPv4 gateway: dev-only */
		{ S_ROUTES, 1, 7, 0, "10.0.65.0/24, 2001:db8:65::/48",
		    "2001:db8:65::/48 +1000=5" },
		{ S_DEL, 2, 8, 0, NULL, "10.0.66.0/24 -1000; 10.0.67.0/24 -1002" },
		{ S_END } } },
	{ "two peers, same next hop: one next hop in the kernel", {
		{ S_PEER, 0, 1, 10, NULL, "", 9 },
		{ S_PEER, 0, 2, 10, NULL, "", 9 },
		{ S_ROUTES, 0, 1, 0, "10.0.0.0/8", "10.0.0.0/8 +1010=9" },
		{ S_ROUTES, 0, 2, 0, "10.0.0.0/8", "" },
		{ S_END } } },
	{ "metric saturates at RIB_METRIC_MAX", {
		{ S_PEER, 0, 1, 0xffffffffu, NULL, "" },
		{ S_ROUTES, 0, 1, 0, "10.0.0.0/8 4000000000",
		    "10.0.0.0/8 +1073742823=1" },
		{ S_END } } },
	{ "graceful restart: stale kept as is, the complete set replaces it", {
		{ S_PEER, 0, 1, 10, NULL, "" },
		{ S_PEER, 0, 2, 20, NULL, "" },
		{ S_ROUTES, 0, 1, 0, "10.1.0.0/16, 10.2.0.0/16", NULL },
		{ S_ROUTES, 0, 2, 0, "10.1.0.0/16", NULL },
		/* kept: no kernel operation at all, still the best */
		{ S_STALE, 100, 1, 2, NULL, "" },
		{ S_STALEC, 100, 0, 0, "10.1.0.0/16", "1" },
		{ S_STALEC, 100, 0, 0, "10.2.0.0/16", "1" },
		{ S_BEST, 100, 0, 0, "10.1.0.0/16", "1" },
		/* a cost change while stale keeps the mark */
		{ S_PEER, 150, 1, 15, NULL,
		    "10.1.0.0/16 +1015=1 -1010; 10.2.0.0/16 +1015=1 -1010" },
		{ S_STALEC, 150, 0, 0, "10.1.0.0/16", "1" },
		/* UP again: not a failback (it never went down) */
		{ S_UP, 200, 1, 0, NULL, "" },
		{ S_DEADLINE, 200, 0, RIB_NO_DEADLINE },
		/* the complete set: absent prefixes withdrawn, mark cleared */
		{ S_ROUTES, 300, 1, 0, "10.1.0.0/16, 10.3.0.0/16",
		    "10.2.0.0/16 -1015; 10.3.0.0/16 +1015=1" },
		{ S_STALEC, 300, 0, 0, "10.1.0.0/16", "-" },
		{ S_STALEC, 300, 0, 0, "10.3.0.0/16", "-" },
		{ S_BEST, 300, 0, 0, "10.1.0.0/16", "1" },
		{ S_DEADLINE, 300, 0, RIB_NO_DEADLINE },
		{ S_END } } },
	{ "graceful restart expired: withdrawn, backup takes over", {
		{ S_PEER, 0, 1, 10, NULL, "" },
		{ S_PEER, 0, 2, 20, NULL, "" },
		{ S_ROUTES, 0, 1, 0, "10.0.0.0/8", NULL },
		{ S_ROUTES, 0, 2, 0, "10.0.0.0/8", NULL },
		{ S_STALE, 100, 1, 1, NULL, "" },
		{ S_STALEC, 100, 0, 0, "10.0.0.0/8", "1" },
		{ S_DOWN, 120100, 1, 0, NULL, "10.0.0.0/8 -1010" },
		{ S_BEST, 120100, 0, 0, "10.0.0.0/8", "2" },
		{ S_STALEC, 120100, 0, 0, "10.0.0.0/8", "-" },
		/* back later: an ordinary failback, held */
		{ S_ROUTES, 130000, 1, 0, "10.0.0.0/8",
		    "10.0.0.0/8 +" HELD(10) "=1" },
		{ S_STALEC, 130000, 0, 0, "10.0.0.0/8", "-" },
		/* a peer with nothing: 0 kept */
		{ S_STALE, 130000, 2, 1, NULL, "" },
		{ S_ROUTES, 130001, 2, 0, "", NULL },
		{ S_STALE, 130002, 2, 0, NULL, "" },
		{ S_END } } },
};
/* clang-format on */

static void
run_case(const struct rcase *c)
{
	struct rib *r = rib_new();
	char got[2048];

	CHECK(r != NULL);
	if (r == NULL)
		return;
	for (const struct step *s = c->steps; s->op != S_END; s++) {
		int err = 0;
		int line = (int)(s - c->steps);

		switch (s->op) {
		case S_DELAY:
			rib_set_failback_delay(r, (uint32_t)s->arg);
			break;
		case S_PEER: {
			struct rib_nexthop gw = {0};
			int ifx = s->ifx ? s->ifx : (int)s->peer;

			if (s->s != NULL) {
				gw.gw_family =
				    strchr(s->s, ':') ? AF_INET6 : AF_INET;
				inet_pton(gw.gw_family, s->s, gw.gw);
			}
			err = rib_peer_set(r, s->peer, (uint32_t)s->arg, ifx,
			    gw.gw_family == AF_INET ? &gw : NULL,
			    gw.gw_family == AF_INET6 ? &gw : NULL, s->now);
			break;
		}
		case S_UP:
			err = rib_peer_up(r, s->peer, s->now);
			break;
		case S_DOWN:
			err = rib_peer_down(r, s->peer, s->now);
			break;
		case S_DEL:
			err = rib_peer_del(r, s->peer, s->now);
			break;
		case S_ROUTES: {
			struct rib_adv v[16];
			size_t n = parse_advs(s->s, v, 16);

			err = rib_peer_routes(r, s->peer, v, n, s->now);
			break;
		}
		case S_TIMERS:
			rib_timers(r, s->now);
			break;
		case S_DEADLINE:
			if (rib_next_deadline(r) != s->arg)
				fprintf(stderr, "case '%s' step %d: deadline\n",
				    c->name, line);
			CHECK_EQ(rib_next_deadline(r), s->arg);
			break;
		case S_BEST:
			fmt_peers(r, s->s, false, got, sizeof(got));
			if (strcmp(got, s->want) != 0)
				fprintf(stderr, "case '%s' step %d: best\n",
				    c->name, line);
			CHECK_STREQ(got, s->want);
			break;
		case S_STALE:
			CHECK_EQ(rib_peer_stale(r, s->peer, s->now), s->arg);
			CHECK(rib_peer_is_stale(r, s->peer));
			break;
		case S_STALEC:
			fmt_peers(r, s->s, true, got, sizeof(got));
			if (strcmp(got, s->want) != 0)
				fprintf(stderr, "case '%s' step %d: stale\n",
				    c->name, line);
			CHECK_STREQ(got, s->want);
			break;
		case S_END:
			break;
		}
		if (err != 0)
			fprintf(stderr, "case '%s' step %d: error %d\n",
			    c->name, line, err);
		CHECK_EQ(err, 0);
		if (s->op == S_DEADLINE || s->op == S_BEST ||
		    s->op == S_STALEC)
			continue;
		drain(r, got, sizeof(got));
		if (s->want != NULL) {
			if (strcmp(got, s->want) != 0)
				fprintf(stderr, "case '%s' step %d: ops\n",
				    c->name, line);
			CHECK_STREQ(got, s->want);
		}
	}
	rib_free(r);
}

/* Allow-lists (hub side: what a spoke may advertise). */

struct acase {
	const char *allow; /* "PFX [ge N] [le N], ..." */
	const char *pfx;
	bool want;
};

/* clang-format off */
static const struct acase acases[] = {
	{ "10.0.65.0/24", "10.0.65.0/24", true },
	{ "10.0.65.0/24", "10.0.65.0/25", false },
	{ "10.0.65.0/24", "10.0.0.0/16", false },
	{ "10.0.65.0/24", "10.0.66.0/24", false },
	{ "10.0.65.0/24, 10.0.66.0/24", "10.0.66.0/24", true },
	{ "10.0.64.0/18 le 24", "10.0.64.0/18", true },
	{ "10.0.64.0/18 le 24", "10.0.65.0/24", true },
	{ "10.0.64.0/18 le 24", "10.0.65.128/25", false },
	{ "10.0.64.0/18 le 24", "10.1.65.0/24", false },
	{ "10.0.64.0/18 le 24", "10.0.0.0/8", false },
	{ "10.0.0.0/8 ge 24", "10.7.7.0/24", true },
	{ "10.0.0.0/8 ge 24", "10.7.7.7/32", true },
	{ "10.0.0.0/8 ge 24", "10.7.0.0/16", false },
	{ "10.0.0.0/8 ge 16 le 24", "10.7.0.0/16", true },
	{ "10.0.0.0/8 ge 16 le 24", "10.7.7.0/24", true },
	{ "10.0.0.0/8 ge 16 le 24", "10.7.7.0/25", false },
	{ "10.0.0.0/8 ge 16 le 24", "10.0.0.0/8", false },
	{ "10.0.0.0/8 ge 16 le 24", "11.7.0.0/16", false },
	{ "0.0.0.0/0", "0.0.0.0/0", true },
	{ "0.0.0.0/0", "10.0.0.0/8", false },
	{ "0.0.0.0/0 le 32", "10.0.0.0/8", true },
	{ "0.0.0.0/0 le 32", "0.0.0.0/0", true },
	{ "0.0.0.0/0 le 32", "2001:db8::/32", false },
	{ "10.0.0.0/8 le 32", "::/0", false },
	{ "::/0", "::/0", true },
	{ "::/0", "2001:db8::/32", false },
	{ "2001:db8:100::/40 le 48", "2001:db8:1ff::/48", true },
	{ "2001:db8:100::/40 le 48", "2001:db8:100::/40", true },
	{ "2001:db8:100::/40 le 48", "2001:db8:200::/48", false },
	{ "2001:db8:100::/40 le 48", "2001:db8:100::/56", false },
	{ "2001:db8:100::/40 le 48", "10.0.0.0/8", false },
	{ "2001:db8::/32 ge 64", "2001:db8:1:2::/64", true },
	{ "2001:db8::/32 ge 64", "2001:db8:1:2::1/128", true },
	{ "", "10.0.0.0/8", false },
};
/* clang-format on */

static size_t
parse_allow(const char *s, struct rib_allow *v, size_t max)
{
	char buf[512], *save = NULL;
	size_t n = 0;

	snprintf(buf, sizeof(buf), "%s", s);
	for (char *tok = strtok_r(buf, ",", &save); tok && n < max;
	     tok = strtok_r(NULL, ",", &save)) {
		char pfx[64], k1[4] = "", k2[4] = "";
		unsigned a1 = 0, a2 = 0;
		int got =
		    sscanf(tok, "%63s %3s %u %3s %u", pfx, k1, &a1, k2, &a2);

		if (got < 1 || parse_prefix(pfx, &v[n].pfx) < 0)
			continue;
		v[n].ge = v[n].le = 0;
		if (got >= 3)
			*(strcmp(k1, "ge") == 0 ? &v[n].ge : &v[n].le) = a1;
		if (got >= 5)
			*(strcmp(k2, "ge") == 0 ? &v[n].ge : &v[n].le) = a2;
		rib_prefix_normalize(&v[n].pfx);
		n++;
	}
	return n;
}

static void
test_allow(void)
{
	for (size_t i = 0; i < sizeof(acases) / sizeof(acases[0]); i++) {
		struct rib_allow v[8];
		struct rib_prefix p;
		size_t n = parse_allow(acases[i].allow, v, 8);
		bool got;

		CHECK(parse_prefix(acases[i].pfx, &p) == 0);
		got = rib_allow_match(v, n, &p);
		if (got != acases[i].want)
			fprintf(stderr, "allow '%s' vs %s: got %d\n",
			    acases[i].allow, acases[i].pfx, got);
		CHECK_EQ(got, acases[i].want);
	}
}

/* fib.c on its own: kernel metrics, ordering, limits. */
static void
test_fib(void)
{
	struct fib_route have[3], want[3];
	struct fib_op ops[8];
	struct rib_cand c[3];
	int n;

	CHECK_EQ(fib_kmetric(0, false), 1000);
	CHECK_EQ(fib_kmetric(10, true), 1000u + 0x40000000u + 10u);
	CHECK_EQ(
	    fib_kmetric(UINT32_MAX, true), 1000u + 0x40000000u + 0x3fffffffu);

	/* have {10:[1], 20:[2], 30:[3]}, want {5:[4], 20:[2]} */
	memset(have, 0, sizeof(have));
	memset(want, 0, sizeof(want));
	for (int i = 0; i < 3; i++) {
		have[i].metric = (uint32_t)(10 * (i + 1));
		have[i].n = 1;
		have[i].nh[0].ifindex = i + 1;
	}
	want[0].metric = 5;
	want[0].n = 1;
	want[0].nh[0].ifindex = 4;
	want[1] = have[1];
	n = fib_diff(have, 3, want, 2, ops, 8);
	CHECK_EQ(n, 3);
	CHECK(ops[0].type == FIB_OP_SET && ops[0].route.metric == 5);
	CHECK(ops[1].type == FIB_OP_DEL && ops[1].route.metric == 10);
	CHECK(ops[2].type == FIB_OP_DEL && ops[2].route.metric == 30);
	CHECK_EQ(fib_diff(have, 3, want, 2, ops, 2), -ENOSPC);
	CHECK_EQ(fib_diff(have, 3, have, 3, ops, 0), 0);

	/* fib_want: groups by kernel metric, keeps the lowest max routes */
	memset(c, 0, sizeof(c));
	c[0].metric = 30, c[0].nh.ifindex = 3;
	c[1].metric = 10, c[1].nh.ifindex = 2, c[1].best = true;
	c[2].metric = 10, c[2].nh.ifindex = 1, c[2].best = true;
	CHECK_EQ(fib_want(c, 3, want, 3), 2);
	CHECK_EQ(want[0].metric, 1010);
	CHECK_EQ(want[0].n, 2);
	CHECK_EQ(want[0].nh[0].ifindex, 1);
	CHECK_EQ(want[1].metric, 1030);
	CHECK_EQ(fib_want(c, 3, want, 1), 1);
	CHECK_EQ(want[0].metric, 1010);
	CHECK_EQ(want[0].n, 2);
}

static void
test_api_errors(void)
{
	struct rib *r = rib_new();
	struct rib_nexthop bad = {.gw_family = AF_INET6};
	struct rib_adv a = {.pfx = {.family = AF_INET, .len = 33}};
	struct fib_op ops[1];
	struct rib_prefix p;

	CHECK_EQ(rib_peer_up(r, 1, 0), -ENOENT);
	CHECK_EQ(rib_peer_down(r, 1, 0), -ENOENT);
	CHECK_EQ(rib_peer_routes(r, 1, NULL, 0, 0), -ENOENT);
	CHECK_EQ(rib_peer_del(r, 1, 0), -ENOENT);
	CHECK_EQ(rib_peer_stale(r, 1, 0), -ENOENT);
	CHECK(!rib_peer_is_stale(r, 1));
	CHECK_EQ(rib_peer_set(r, 1, 1, 0, NULL, NULL, 0), -EINVAL);
	CHECK_EQ(rib_peer_set(r, 1, 1, 1, &bad, NULL, 0), -EINVAL);
	CHECK_EQ(rib_peer_set(r, 1, 1, 1, NULL, NULL, 0), 0);
	CHECK_EQ(rib_peer_routes(r, 1, &a, 1, 0), -EINVAL);
	a.pfx.len = 8;
	a.pfx.addr[0] = 10;
	CHECK_EQ(rib_peer_routes(r, 1, &a, 1, 0), 0);
	CHECK_EQ(rib_count(r), 1);
	/* the plan needs two slots (add + nothing) -> fits; an ECMP peer */
	p = a.pfx;
	CHECK_EQ(rib_fib_plan(r, &p, ops, 0), -ENOSPC);
	CHECK_EQ(rib_fib_plan(r, &p, ops, 1), 1);
	/* a failed add leaves "installed" unchanged: planned again */
	rib_fib_done(r, &p, &ops[0], -ENETUNREACH);
	CHECK_EQ(rib_fib_plan(r, &p, ops, 1), 1);
	rib_fib_done(r, &p, &ops[0], 0);
	CHECK_EQ(rib_fib_plan(r, &p, ops, 1), 0);
	/* withdrawal; the kernel had already lost it (-ESRCH): done anyway */
	CHECK_EQ(rib_peer_down(r, 1, 1), 0);
	CHECK_EQ(rib_fib_plan(r, &p, ops, 1), 1);
	CHECK(ops[0].type == FIB_OP_DEL);
	rib_fib_done(r, &p, &ops[0], -ESRCH);
	CHECK_EQ(rib_count(r), 0);
	rib_free(r);
}

/*
 * The RIB's record of what is installed (packed per prefix since the
 * 10,000-route work) against a model kernel: random peers with one to
 * sixteen ECMP next hops, metric changes, downs, hold-downs and failed
 * kernel operations; after every step the ops are applied to the model
 * (failed ones are not), and for every prefix rib_installed() must equal
 * the model and a second plan must be empty unless an op had failed.
 */
struct model_pfx {
	struct fib_route r[FIB_ROUTES_MAX];
	size_t n;
};

static void
model_apply(struct model_pfx *m, const struct fib_op *op)
{
	size_t i = 0;

	while (i < m->n && m->r[i].metric < op->route.metric)
		i++;
	if (op->type == FIB_OP_DEL) {
		if (i < m->n && m->r[i].metric == op->route.metric) {
			memmove(&m->r[i], &m->r[i + 1],
			    (m->n - i - 1) * sizeof(m->r[0]));
			m->n--;
		}
		return;
	}
	if (i < m->n && m->r[i].metric == op->route.metric) {
		m->r[i] = op->route;
		return;
	}
	memmove(&m->r[i + 1], &m->r[i], (m->n - i) * sizeof(m->r[0]));
	m->r[i] = op->route;
	m->n++;
}

static void
test_installed_model(void)
{
	enum { NPFX = 6, NPEER = 20, STEPS = 3000 };
	struct rib *r = rib_new();
	struct model_pfx model[NPFX];
	struct rib_prefix pfx[NPFX];
	unsigned seed = 12345, failed_ops = 0, max_routes = 0, max_nh = 0;
	uint64_t now = 0;
	bool mismatch = false, known[NPEER + 1] = {false};
	/* an op of the prefix failed and no plan since went through whole */
	bool pending[NPFX] = {false};

	memset(model, 0, sizeof(model));
	rib_set_failback_delay(r, 50);
	for (int i = 0; i < NPFX; i++) {
		memset(&pfx[i], 0, sizeof(pfx[i]));
		pfx[i].family = i % 2 ? AF_INET6 : AF_INET;
		pfx[i].len = 24;
		pfx[i].addr[0] = 10;
		pfx[i].addr[2] = (uint8_t)i;
	}
	for (int step = 0; step < STEPS && !mismatch; step++) {
		uint64_t peer = 1 + rand_r(&seed) % NPEER;
		int what = rand_r(&seed) % 20;
		struct rib_prefix d[8];
		size_t n;

		now += (uint64_t)(rand_r(&seed) % 20);
		if (what < 3 || !known[peer]) {
			/* cost 1 mostly: many peers share a kernel metric */
			struct rib_nexthop gw = {.ifindex = (int)peer,
			    .gw_family = AF_INET, .gw = {10, 255, 0, (uint8_t)peer}};
			CHECK_EQ(rib_peer_set(r, peer,
			    rand_r(&seed) % 4 ? 1 : (uint32_t)(rand_r(&seed) % 4),
			    (int)peer, rand_r(&seed) % 2 ? &gw : NULL, NULL, now), 0);
			known[peer] = true;
		} else if (what < 16) {
			struct rib_adv v[NPFX];
			size_t nv = 0;

			for (int i = 0; i < NPFX; i++)
				if (rand_r(&seed) % 4) {
					v[nv].pfx = pfx[i];
					v[nv++].metric = rand_r(&seed) % 4 ? 0 :
					    (uint32_t)(rand_r(&seed) % 3);
				}
			CHECK_EQ(rib_peer_routes(r, peer, v, nv, now), 0);
		} else if (what < 18) {
			(void)rib_peer_down(r, peer, now);
		} else {
			rib_timers(r, now);
		}
		while ((n = rib_dirty(r, d, 8)) > 0) {
			for (size_t i = 0; i < n; i++) {
				struct fib_op ops[FIB_OPS_MAX];
				int k, nops =
				    rib_fib_plan(r, &d[i], ops, FIB_OPS_MAX);

				for (k = 0; k < NPFX; k++)
					if (rib_prefix_cmp(&pfx[k], &d[i]) == 0)
						break;
				CHECK(nops >= 0 && k < NPFX);
				if (nops < 0 || k == NPFX)
					continue;
				pending[k] = false;
				for (int j = 0; j < nops; j++) {
					/* one op in 25 fails in the "kernel" */
					int err = rand_r(&seed) % 25 ? 0 : -EIO;

					if (err == 0)
						model_apply(&model[k], &ops[j]);
					else
						failed_ops++, pending[k] = true;
					rib_fib_done(r, &d[i], &ops[j], err);
				}
			}
		}
		for (int k = 0; k < NPFX; k++) {
			struct fib_route got[FIB_ROUTES_MAX];
			size_t ng = rib_installed(r, &pfx[k], got, FIB_ROUTES_MAX);
			struct fib_op ops[FIB_OPS_MAX];

			if (ng != model[k].n)
				mismatch = true;
			for (size_t i = 0; i < ng && i < model[k].n; i++)
				if (!fib_route_eq(&got[i], &model[k].r[i]))
					mismatch = true;
			if (!pending[k] &&
			    rib_fib_plan(r, &pfx[k], ops, FIB_OPS_MAX) != 0)
				mismatch = true;
			if (ng > max_routes)
				max_routes = (unsigned)ng;
			for (size_t i = 0; i < ng; i++)
				if (got[i].n > max_nh)
					max_nh = (unsigned)got[i].n;
		}
		if (mismatch)
			fprintf(stderr, "installed record differs at step %d\n",
			    step);
	}
	fprintf(stderr, "installed model: %u failed ops, up to %u routes and "
	    "%u next hops per prefix\n", failed_ops, max_routes, max_nh);
	CHECK(!mismatch);
	/* the run reached the shapes the packing is about */
	CHECK(failed_ops > 10);
	CHECK(max_routes >= 3);
	CHECK(max_nh >= 8);
	for (uint64_t p = 1; p <= NPEER; p++)
		(void)rib_peer_down(r, p, now);
	rib_free(r);
}

/* Many prefixes and peers: the hash grows and shrinks cleanly. */
static void
test_scale(void)
{
	struct rib *r = rib_new();
	struct rib_adv *v = calloc(5000, sizeof(*v));
	struct rib_prefix d[256];
	size_t n, total = 0;

	for (int i = 0; i < 5000; i++) {
		v[i].pfx.family = AF_INET;
		v[i].pfx.len = 24;
		v[i].pfx.addr[0] = 10;
		v[i].pfx.addr[1] = (uint8_t)(i >> 8);
		v[i].pfx.addr[2] = (uint8_t)i;
	}
	for (uint64_t p = 1; p <= 4; p++) {
		CHECK_EQ(
		    rib_peer_set(r, p, (uint32_t)p * 10, (int)p, NULL, NULL, 0),
		    0);
		CHECK_EQ(rib_peer_routes(r, p, v, 5000, 0), 0);
	}
	CHECK_EQ(rib_count(r), 5000);
	while ((n = rib_dirty(r, d, 256)) > 0)
		total += n;
	CHECK_EQ(total, 5000);
	for (uint64_t p = 1; p <= 4; p++)
		CHECK_EQ(rib_peer_down(r, p, 1), 0);
	/* never installed (no rib_fib_done): the entries are gone */
	CHECK_EQ(rib_count(r), 0);
	/* churn over the tombstones */
	for (int round = 0; round < 20; round++) {
		for (int i = 0; i < 5000; i++)
			v[i].pfx.addr[3] = 0,
			v[i].pfx.len = (unsigned)(24 - round % 3);
		CHECK_EQ(rib_peer_routes(r, 1, v, 5000, 2), 0);
		CHECK(rib_count(r) > 0);
		CHECK_EQ(rib_peer_down(r, 1, 3), 0);
		CHECK_EQ(rib_count(r), 0);
	}
	free(v);
	rib_free(r);
}

int
main(void)
{
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		run_case(&cases[i]);
	test_allow();
	test_fib();
	test_api_errors();
	test_scale();
	test_installed_model();
	return check_report();
}
