/* SPDX-License-Identifier: ISC */
/*
 * route_bench: gripd's own serial work for one spoke's first set of N
 * prefixes on a hub with `routes zebra`, phase by phase, without zebra and
 * without the network, so that the few milliseconds that are gripd's can
 * be measured apart from zebra's few hundred (bench/inject.sh measures the
 * whole; docs/benchmarks.md, "Route injection").
 *
 * It calls the modules in the order routed/adjd.c does when a spoke's set
 * is complete (op_accept per prefix, op_routes: mproutes_update's LPM adds,
 * rib_peer_routes, then gripd_rib_sync's zebra branch), and then the
 * withdrawal on the spoke's GOODBYE (rib_peer_down, the sync's deletes,
 * the LPM deletes):
 *
 *   accept   the spoke's allow-list, once per prefix (rib_allow_match)
 *   lpm      lpm_reserve + lpm_add per prefix (the multipoint datapath)
 *   rib      rib_peer_routes with the complete set
 *   sync     gripd_rib_sync_zebra(), the daemon's own (rib_dirty /
 *            rib_cands / zclient_route_set / rib_fib_plan / rib_fib_done
 *            per prefix; zclient not connected: its route table and
 *            states, no encoding)
 *   encode   one ZAPI ROUTE_ADD per prefix into one buffer (FRR 8.4), as
 *            zclient does once connected
 *   down     rib_peer_down + the sync's deletes + the LPM deletes
 *
 * Every repetition runs in a fresh child process, so the heap starts
 * empty and page faults count as they do in a freshly started daemon.
 * Prints the median and the range per phase in ms.
 *
 *   route_bench [-n N] [-r REPS]     (defaults 10000 and 21)
 */
#include <arpa/inet.h>
#include <errno.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <gripd/loop.h>
#include <gripd/tunnel.h>

#include "daemon.h"
#include "fib.h"
#include "lpm.h"
#include "rib.h"
#include "zapi.h"
#include "zclient.h"

enum { PH_ACCEPT, PH_LPM, PH_RIB, PH_SYNC, PH_ENCODE, PH_DOWN, PH_N };
/* t[PH_N]: the sum of the add phases; t[PH_MEM]: heap bytes per prefix */
enum { PH_SUM = PH_N, PH_MEM, PH_COLS };
static const char *const ph_name[PH_N] = {
	"accept", "lpm", "rib", "sync", "encode", "down"};

static double
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void
die(const char *what, int err)
{
	fprintf(stderr, "route_bench: %s: %s\n", what, strerror(err));
	exit(1);
}

/* One repetition: fills t[0..PH_N) (ms) and t[PH_MEM]. */
static void
one(size_t n, double *t)
{
	struct rib_adv *adv = calloc(n + 1, sizeof(*adv));
	struct rib_allow allow[2] = {
		{.pfx = {.family = AF_INET, .len = 16, .addr = {10, 128}}, .le = 32},
		{.pfx = {.family = AF_INET, .len = 24, .addr = {10, 0, 65}}},
	};
	struct rib_nexthop gw = {.ifindex = 7, .gw_family = AF_INET,
	    .gw = {10, 0, 2, 12}};
	struct tunnel_ip via = {.family = AF_INET};
	struct loop *loop = loop_new();
	struct rib *rib = rib_new();
	struct lpm *lpm = lpm_new();
	struct zclient *zc = NULL;
	size_t m = 0, heap0;
	double t0;
	int err;

	if (adv == NULL || loop == NULL || rib == NULL || lpm == NULL)
		die("setup", ENOMEM);
	if ((err = zclient_new(loop, "/nonexistent/zserv.api", 8, 150, &zc)))
		die("zclient_new", -err);
	if ((err = rib_peer_set(rib, 1, 0, 7, &gw, NULL, 0)))
		die("rib_peer_set", -err);
	inet_pton(AF_INET, "10.0.2.12", &via.u.v4);
	/* the bench's set: N /32s from 10.128.0.0 up, and one LAN /24 */
	for (size_t i = 0; i < n; i++) {
		uint32_t a = htonl(0x0a800000u + (uint32_t)i);

		adv[i].pfx.family = AF_INET;
		adv[i].pfx.len = 32;
		memcpy(adv[i].pfx.addr, &a, 4);
		adv[i].metric = 0;
	}
	adv[n].pfx = allow[1].pfx;
	n++;
	heap0 = mallinfo2().uordblks;

	t0 = now_ms();
	for (size_t i = 0; i < n; i++)
		m += rib_allow_match(allow, 2, &adv[i].pfx);
	t[PH_ACCEPT] = now_ms() - t0;
	if (m != n)
		die("allow-list", EINVAL);

	t0 = now_ms();
	if ((err = lpm_reserve(lpm, n)))
		die("lpm_reserve", -err);
	for (size_t i = 0; i < n; i++) {
		struct tunnel_prefix tp = {.addr = {.family = AF_INET},
		    .plen = adv[i].pfx.len};

		memcpy(tp.addr.u.b, adv[i].pfx.addr, 4);
		if ((err = lpm_add(lpm, &tp, &via)))
			die("lpm_add", -err);
	}
	t[PH_LPM] = now_ms() - t0;

	t0 = now_ms();
	if ((err = rib_peer_routes(rib, 1, adv, n, 1)))
		die("rib_peer_routes", -err);
	t[PH_RIB] = now_ms() - t0;

	t0 = now_ms();
	gripd_rib_sync_zebra(rib, zc);
	t[PH_SYNC] = now_ms() - t0;
	if (rib_count(rib) != n)
		die("rib count", EINVAL);
	/* RIB, LPM and zclient state of the set (the zclient's queue aside) */
	t[PH_MEM] = (double)(mallinfo2().uordblks - heap0) / (double)n;

	/* what zc_queue_route() does per route once connected */
	{
		size_t cap = n * 64, off = 0;
		uint8_t *buf = malloc(cap + ZAPI_ROUTE_MAX_LEN);

		if (buf == NULL)
			die("encode buffer", ENOMEM);
		t0 = now_ms();
		for (size_t i = 0; i < n; i++) {
			struct zapi_route zr;
			size_t len;

			memset(&zr, 0, sizeof(zr));
			zr.pfx = adv[i].pfx;
			zr.nh[0] = gw;
			zr.nh_count = 1;
			zr.distance = 150;
			zr.metric = 10;
			if (off + ZAPI_ROUTE_MAX_LEN > cap) {
				uint8_t *b = realloc(buf, 2 * cap + ZAPI_ROUTE_MAX_LEN);
				if (b == NULL)
					die("encode buffer", ENOMEM);
				buf = b;
				cap *= 2;
			}
			if ((err = zapi_route_encode(ZAPI_V8, true, &zr, buf + off,
				 ZAPI_ROUTE_MAX_LEN, &len)))
				die("zapi_route_encode", -err);
			off += len;
		}
		t[PH_ENCODE] = now_ms() - t0;
		free(buf);
	}

	t0 = now_ms();
	rib_peer_down(rib, 1, 2);
	gripd_rib_sync_zebra(rib, zc);
	for (size_t i = 0; i < n; i++) {
		struct tunnel_prefix tp = {.addr = {.family = AF_INET},
		    .plen = adv[i].pfx.len};

		memcpy(tp.addr.u.b, adv[i].pfx.addr, 4);
		lpm_del(lpm, &tp);
	}
	t[PH_DOWN] = now_ms() - t0;
	if (rib_count(rib) != 0 || lpm_count(lpm) != 0)
		die("withdrawal left state", EINVAL);

	zclient_free(zc, false);
	lpm_free(lpm);
	rib_free(rib);
	loop_free(loop);
	free(adv);
}

static int
dcmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

int
main(int argc, char **argv)
{
	size_t n = 10000;
	int reps = 21, opt;

	while ((opt = getopt(argc, argv, "n:r:")) != -1) {
		if (opt == 'n')
			n = strtoul(optarg, NULL, 10);
		else if (opt == 'r')
			reps = atoi(optarg);
		else {
			fprintf(stderr, "usage: route_bench [-n N] [-r REPS]\n");
			return 2;
		}
	}
	if (n == 0 || n > 1000000 || reps < 1 || reps > 1000) {
		fprintf(stderr, "route_bench: N in 1..1000000, REPS in 1..1000\n");
		return 2;
	}
	double (*t)[PH_COLS] = calloc(reps, sizeof(*t));
	if (t == NULL)
		die("results", ENOMEM);
	for (int r = 0; r < reps; r++) {
		int pfd[2];
		pid_t pid;

		if (pipe(pfd) < 0)
			die("pipe", errno);
		if ((pid = fork()) < 0)
			die("fork", errno);
		if (pid == 0) {
			double v[PH_COLS];

			close(pfd[0]);
			one(n, v);
			if (write(pfd[1], v, sizeof(v)) != (ssize_t)sizeof(v))
				_exit(1);
			_exit(0);
		}
		close(pfd[1]);
		if (read(pfd[0], t[r], sizeof(t[r])) != (ssize_t)sizeof(t[r]))
			die("child", EIO);
		close(pfd[0]);
		waitpid(pid, NULL, 0);
		t[r][PH_SUM] = 0;
		for (int p = 0; p < PH_N; p++)
			t[r][PH_SUM] += p == PH_DOWN ? 0 : t[r][p];
	}
	printf("route_bench: N = %zu (+1 LAN prefix), %d repetitions, each in "
	       "a fresh process; ms, median (min..max)\n", n, reps);
	for (int p = 0; p < PH_COLS; p++) {
		double v[1000];

		for (int r = 0; r < reps; r++)
			v[r] = t[r][p];
		qsort(v, reps, sizeof(v[0]), dcmp);
		if (p == PH_MEM)
			printf("  heap after the add: %.0f bytes per prefix (RIB, "
			       "LPM, zclient)\n", v[reps / 2]);
		else
			printf("  %-16s %7.2f (%.2f..%.2f)\n",
			    p == PH_SUM ? "add, all phases" : ph_name[p],
			    v[reps / 2], v[0], v[reps - 1]);
	}
	free(t);
	return 0;
}
