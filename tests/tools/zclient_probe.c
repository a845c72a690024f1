/* SPDX-License-Identifier: ISC */
/*
 * DOC: zclient_probe - drives routed/zclient.c against a real zebra
 *
 *   zclient_probe -z SOCKET -i IFNAME -g GW4 [-v 0|8|9|10] [-d DIST]
 *                 [-m METRIC] [-n COUNT] [-s STATEFILE] [-C CMDFILE]
 *                 [-G BENCH_GW4] [-M BENCH_METRIC] [-t TAG]
 *
 * Installs 10.99.0.0/24 via GW4 (onlink) on IFNAME and 2001:db8:99::/48
 * dev IFNAME, waits until zebra reports both INSTALLED, then runs the
 * commands written one at a time to CMDFILE (the test script writes them
 * and waits for the answer in STATEFILE):
 *
 *   wait-installed   both test routes INSTALLED again (after a reconnect
 *                    or a link flap) -> "installed <connects>"
 *   del              deletes 10.99.0.0/24 -> "deleted" once REMOVED came
 *   add              re-adds it -> "installed ..."
 *   bench            installs COUNT /32s (10.200.0.0 upwards) dev IFNAME
 *                    (with -G: via BENCH_GW4 onlink on IFNAME, a gateway
 *                    plus ifindex like gripd's routes), metric BENCH_METRIC
 *                    (default 1), times until every one is INSTALLED, then
 *                    withdraws them and times until every REMOVED came ->
 *                    "bench add_ms=... del_ms=..."
 *   quit             withdraws everything and exits 0
 *
 * -d DIST (default 150) and -t TAG (default 0: none) apply to every route.
 * Without -C it exits after the first INSTALLED pair (exit 0) or after
 * 10 s (exit 1).  Progress goes to stderr.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <gripd/log.h>
#include <gripd/loop.h>

#include "../../routed/zclient.h"

struct probe {
	struct loop *loop;
	struct zclient *zc;
	struct loop_timer tick;
	const char *cmdfile, *statefile;
	struct rib_prefix p4, p6;
	struct rib_nexthop nh4, nh6, bench_nh;
	uint32_t metric, bench_metric;
	unsigned count;
	char pending[32]; /* the command being worked on */
	uint64_t t0, t_add, deadline;
	unsigned bench_done;
	bool bench_add;
	int rc;
};

static void
say(struct probe *pr, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
say(struct probe *pr, const char *fmt, ...)
{
	char tmp[512];
	va_list ap;
	FILE *f;

	fprintf(stderr, "zclient_probe: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	if (pr->statefile == NULL)
		return;
	snprintf(tmp, sizeof(tmp), "%s.tmp", pr->statefile);
	if ((f = fopen(tmp, "w")) == NULL)
		return;
	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	fprintf(f, "\n");
	fclose(f);
	rename(tmp, pr->statefile);
}

static bool
both_installed(struct probe *pr)
{
	return zclient_route_state(pr->zc, &pr->p4) == ZCLIENT_RS_INSTALLED &&
	    zclient_route_state(pr->zc, &pr->p6) == ZCLIENT_RS_INSTALLED;
}

static struct rib_prefix
bench_pfx(unsigned i)
{
	struct rib_prefix p = {.family = AF_INET, .len = 32};
	uint32_t a = htonl(0x0ac80000u + i); /* 10.200.0.0 + i */

	memcpy(p.addr, &a, 4);
	return p;
}

static void
route_cb(const struct rib_prefix *p, enum zclient_route_state st,
    uint32_t note, void *arg)
{
	struct probe *pr = arg;

	if (strcmp(pr->pending, "bench") != 0 || p->len != 32 ||
	    p->addr[0] != 10 || p->addr[1] != 200)
		return;
	if (pr->bench_add && st == ZCLIENT_RS_INSTALLED)
		pr->bench_done++;
	else if (!pr->bench_add && note == ZAPI_NOTE_REMOVED)
		pr->bench_done++;
}

static void
iface_cb(const struct zapi_iface *ifp, enum zclient_iface_ev ev, void *arg)
{
	static const char *const names[] = {"add", "up", "down", "delete"};

	fprintf(stderr, "zclient_probe: interface %s %s\n", ifp->name,
	    names[ev]);
}

static void
state_cb(bool up, void *arg)
{
	fprintf(stderr, "zclient_probe: session %s\n", up ? "up" : "down");
}

static void
start_cmd(struct probe *pr, const char *cmd, uint64_t now)
{
	unsigned i;
	struct rib_prefix p;

	snprintf(pr->pending, sizeof(pr->pending), "%s", cmd);
	pr->deadline = now + 20000;
	if (strcmp(cmd, "del") == 0) {
		zclient_route_del(pr->zc, &pr->p4);
	} else if (strcmp(cmd, "add") == 0) {
		zclient_route_set(pr->zc, &pr->p4, &pr->nh4, 1, pr->metric);
	} else if (strcmp(cmd, "bench") == 0) {
		pr->bench_add = true;
		pr->bench_done = 0;
		pr->t0 = loop_clock_ms();
		/* wall clock, for bench/inject.sh's t0 (the file poll is 5 ms) */
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		fprintf(stderr, "zclient_probe: bench start epoch_ms=%lld\n",
		    (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
		for (i = 0; i < pr->count; i++) {
			p = bench_pfx(i);
			if (zclient_route_set(pr->zc, &p, &pr->bench_nh, 1,
				pr->bench_metric) != 0)
				say(pr, "bench set failed");
		}
		fprintf(stderr, "zclient_probe: queued %u routes in %llu ms\n",
		    pr->count,
		    (unsigned long long)(loop_clock_ms() - pr->t0));
	} else if (strcmp(cmd, "quit") == 0) {
		loop_stop(pr->loop);
	}
}

/* Polls the command file and the progress of the pending command. */
static void
tick_cb(struct loop_timer *t, uint64_t now)
{
	struct probe *pr = t->arg;
	char line[64] = "";
	struct zclient_stats st;
	struct rib_prefix p;
	unsigned i;
	FILE *f;

	loop_timer_arm(pr->loop, t, now + 5);
	if (pr->pending[0] == '\0') {
		if (pr->cmdfile == NULL) {
			if (both_installed(pr)) {
				say(pr, "installed");
				loop_stop(pr->loop);
			} else if (now > pr->deadline) {
				pr->rc = 1;
				loop_stop(pr->loop);
			}
			return;
		}
		if ((f = fopen(pr->cmdfile, "r")) == NULL)
			return;
		if (fgets(line, sizeof(line), f) != NULL)
			line[strcspn(line, "\n")] = '\0';
		fclose(f);
		unlink(pr->cmdfile);
		if (line[0] != '\0')
			start_cmd(pr, line, now);
		return;
	}
	zclient_get_stats(pr->zc, &st);
	if (strcmp(pr->pending, "wait-installed") == 0 ||
	    strcmp(pr->pending, "add") == 0) {
		if (both_installed(pr)) {
			say(pr, "installed %llu",
			    (unsigned long long)st.connects);
			pr->pending[0] = '\0';
		}
	} else if (strcmp(pr->pending, "del") == 0) {
		if (zclient_route_state(pr->zc, &pr->p4) == ZCLIENT_RS_NONE &&
		    st.queued_bytes == 0 && pr->bench_done == 0) {
			/* REMOVED is seen through route_cb; poll the kernel in
			 * the script instead of guessing here */
			say(pr, "deleted");
			pr->pending[0] = '\0';
		}
	} else if (strcmp(pr->pending, "bench") == 0) {
		if (pr->bench_add && pr->bench_done >= pr->count) {
			pr->t_add = loop_clock_ms() - pr->t0;
			pr->bench_add = false;
			pr->bench_done = 0;
			pr->t0 = loop_clock_ms();
			for (i = 0; i < pr->count; i++) {
				p = bench_pfx(i);
				zclient_route_del(pr->zc, &p);
			}
		} else if (!pr->bench_add && pr->bench_done >= pr->count) {
			say(pr, "bench add_ms=%llu del_ms=%llu",
			    (unsigned long long)pr->t_add,
			    (unsigned long long)(loop_clock_ms() - pr->t0));
			pr->pending[0] = '\0';
		}
	}
	if (pr->pending[0] != '\0' && now > pr->deadline) {
		say(pr, "timeout in %s (%u of %u)", pr->pending,
		    pr->bench_done, pr->count);
		pr->pending[0] = '\0';
	}
}

int
main(int argc, char **argv)
{
	struct probe pr;
	const char *sock = NULL, *ifname = NULL, *gw = NULL, *bench_gw = NULL;
	int ver = 0, distance = 150, c, ifindex, err;
	uint32_t tag = 0;

	memset(&pr, 0, sizeof(pr));
	pr.metric = 123;
	pr.bench_metric = 1;
	pr.count = 10000;
	while ((c = getopt(argc, argv, "z:i:g:v:d:m:n:s:C:DG:M:t:")) != -1) {
		switch (c) {
		case 'z': sock = optarg; break;
		case 'i': ifname = optarg; break;
		case 'g': gw = optarg; break;
		case 'v': ver = atoi(optarg); break;
		case 'd': distance = atoi(optarg); break;
		case 'm': pr.metric = (uint32_t)strtoul(optarg, NULL, 0); break;
		case 'n': pr.count = (unsigned)atoi(optarg); break;
		case 's': pr.statefile = optarg; break;
		case 'C': pr.cmdfile = optarg; break;
		case 'D': log_set_debug(LOGM_ZEBRA, true); break;
		case 'G': bench_gw = optarg; break;
		case 'M':
			pr.bench_metric = (uint32_t)strtoul(optarg, NULL, 0);
			break;
		case 't': tag = (uint32_t)strtoul(optarg, NULL, 0); break;
		default:
			fprintf(stderr, "usage: zclient_probe -z SOCK -i IF -g GW4 "
					"[-v V] [-d D] [-m M] [-n N] [-s F] [-C F] "
					"[-G BENCH_GW4] [-M BENCH_METRIC] [-t TAG]\n");
			return 2;
		}
	}
	if (sock == NULL || ifname == NULL || gw == NULL)
		return 2;
	if ((ifindex = (int)if_nametoindex(ifname)) == 0) {
		fprintf(stderr, "zclient_probe: no interface %s\n", ifname);
		return 2;
	}
	log_open_stderr();
	log_set_level(LOG_LVL_DEBUG);
	pr.p4.family = AF_INET;
	pr.p4.len = 24;
	inet_pton(AF_INET, "10.99.0.0", pr.p4.addr);
	pr.p6.family = AF_INET6;
	pr.p6.len = 48;
	inet_pton(AF_INET6, "2001:db8:99::", pr.p6.addr);
	pr.nh4.ifindex = ifindex;
	pr.nh4.gw_family = AF_INET;
	if (inet_pton(AF_INET, gw, pr.nh4.gw) != 1)
		return 2;
	pr.nh6.ifindex = ifindex; /* dev-only */
	pr.bench_nh.ifindex = ifindex; /* dev-only unless -G */
	if (bench_gw != NULL) {
		pr.bench_nh.gw_family = AF_INET;
		if (inet_pton(AF_INET, bench_gw, pr.bench_nh.gw) != 1)
			return 2;
	}

	if ((pr.loop = loop_new()) == NULL)
		return 1;
	if ((err = zclient_new(pr.loop, sock, ver, (uint8_t)distance, &pr.zc)) !=
	    0) {
		fprintf(stderr, "zclient_new: %s\n", strerror(-err));
		return 1;
	}
	zclient_set_route_cb(pr.zc, route_cb, &pr);
	zclient_set_iface_cb(pr.zc, iface_cb, &pr);
	zclient_set_state_cb(pr.zc, state_cb, &pr);
	zclient_set_tag(pr.zc, tag);
	zclient_route_set(pr.zc, &pr.p4, &pr.nh4, 1, pr.metric);
	zclient_route_set(pr.zc, &pr.p6, &pr.nh6, 1, pr.metric);
	zclient_update_complete(pr.zc);
	snprintf(pr.pending, sizeof(pr.pending), "%s",
	    pr.cmdfile ? "wait-installed" : "");
	pr.deadline = loop_clock_ms() + 10000;
	loop_timer_init(&pr.tick, tick_cb, &pr);
	loop_timer_arm(pr.loop, &pr.tick, loop_clock_ms() + 5);
	loop_run(pr.loop);
	loop_timer_cancel(pr.loop, &pr.tick);
	zclient_free(pr.zc, true);
	loop_free(pr.loop);
	return pr.rc;
}
