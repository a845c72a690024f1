/* SPDX-License-Identifier: ISC */
/*
 * DOC: kroute_test: kernel routes for real, in a private network namespace.
 *
 *   this process, after unshare(CLONE_NEWNET):
 *
 *     va <-veth-> vb        "hub 1" next hops (gateways ONLINK on va)
 *     wa <-veth-> wb        "hub 2" next hops (gateways ONLINK on wa)
 *
 * Adds a multipath best and a backup at a higher metric, reads them back
 * with `ip -j route`, deletes the best and checks with `ip route get` that
 * the kernel resolves through the backup; the same for IPv6; that deletes
 * and sweeps never touch a route of another protocol; and the RIB driving
 * the kernel end to end.  Needs root (CAP_NET_ADMIN + unshare); otherwise
 * prints "skipped: not root" and passes.  The namespace dies with the
 * process, so there is nothing to clean up.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "check.h"
#include "fib.h"
#include "kroute.h"
#include "rib.h"

static char out[16384];

/* Runs cmd, captures its stdout into out; returns the exit status. */
static int
sh(const char *cmd)
{
	FILE *f = popen(cmd, "r");
	size_t n = 0, r;

	out[0] = '\0';
	if (f == NULL)
		return -1;
	while (n < sizeof(out) - 1 &&
	       (r = fread(out + n, 1, sizeof(out) - 1 - n, f)) > 0)
		n += r;
	out[n] = '\0';
	return pclose(f);
}

static int
run(const char *cmd)
{
	int st = system(cmd);

	if (st != 0)
		fprintf(stderr, "command failed (%d): %s\n", st, cmd);
	return st;
}

static struct rib_prefix
pfx(const char *s)
{
	struct rib_prefix p = {0};
	char buf[64];
	const char *slash = strchr(s, '/');

	snprintf(buf, sizeof(buf), "%.*s", (int)(slash - s), s);
	p.family = strchr(buf, ':') ? AF_INET6 : AF_INET;
	inet_pton(p.family, buf, p.addr);
	p.len = (unsigned)atoi(slash + 1);
	return p;
}

static struct rib_nexthop
nh(const char *dev, const char *gw)
{
	struct rib_nexthop h = {0};

	h.ifindex = (int)if_nametoindex(dev);
	if (gw != NULL) {
		h.gw_family = strchr(gw, ':') ? AF_INET6 : AF_INET;
		inet_pton(h.gw_family, gw, h.gw);
	}
	return h;
}

#define HAS(s) (strstr(out, (s)) != NULL)

static void
test_basic(struct kroute *k)
{
	struct rib_prefix p = pfx("10.0.0.0/8");
	struct rib_nexthop best[2] = {
	    nh("va", "10.255.0.1"), nh("wa", "10.255.0.2")};
	struct rib_nexthop backup = nh("wa", "10.255.1.2");
	struct rib_nexthop devonly = nh("wa", NULL);
	struct rib_prefix p12 = pfx("172.16.0.0/12");

	CHECK_EQ(kroute_add(k, &p, 1010, best, 2), 0);
	CHECK_EQ(kroute_add(k, &p, 1020, &backup, 1), 0);
	CHECK_EQ(kroute_add(k, &p12, 1000, &devonly, 1), 0);
	CHECK_EQ(sh("ip -j route show proto 250"), 0);
	CHECK(HAS("\"dst\":\"10.0.0.0/8\""));
	CHECK(HAS("\"metric\":1010"));
	CHECK(HAS("\"metric\":1020"));
	CHECK(HAS("\"nexthops\""));
	CHECK(HAS("\"gateway\":\"10.255.0.1\""));
	CHECK(HAS("\"gateway\":\"10.255.0.2\""));
	CHECK(HAS("\"onlink\""));
	CHECK(HAS("\"dst\":\"172.16.0.0/12\""));
	CHECK_EQ(sh("ip route get 10.1.2.3"), 0);
	CHECK(HAS("via 10.255.0.1 dev va") || HAS("via 10.255.0.2 dev wa"));

	/* Replace at the same metric: still one route at 1020. */
	backup = nh("va", "10.255.1.1");
	CHECK_EQ(kroute_add(k, &p, 1020, &backup, 1), 0);
	CHECK_EQ(
	    sh("ip route show proto 250 10.0.0.0/8 metric 1020 | wc -l"), 0);
	CHECK_STREQ(out, "1\n");

	/* Replace a multipath route by a single next hop, and back. */
	CHECK_EQ(kroute_add(k, &p, 1010, &best[1], 1), 0);
	CHECK_EQ(sh("ip route show proto 250 10.0.0.0/8 metric 1010"), 0);
	CHECK(HAS("via 10.255.0.2 dev wa") && !HAS("10.255.0.1"));
	CHECK_EQ(kroute_add(k, &p, 1010, best, 2), 0);

	/* Withdraw the best: one delete, the kernel uses the backup. */
	CHECK_EQ(kroute_del(k, &p, 1010), 0);
	CHECK_EQ(sh("ip route get 10.1.2.3"), 0);
	CHECK(HAS("via 10.255.1.1 dev va"));
	if (!HAS("via 10.255.1.1 dev va"))
		fprintf(stderr, "route get: %s", out);
	CHECK_EQ(kroute_del(k, &p, 1010), -ESRCH);

	/* Bad arguments never reach the kernel. */
	CHECK_EQ(kroute_add(k, &p, 1, best, 0), -EINVAL);
	best[0].gw_family = AF_INET6;
	CHECK_EQ(kroute_add(k, &p, 1, best, 1), -EINVAL);
	p.len = 33;
	CHECK_EQ(kroute_add(k, &p, 1, &backup, 1), -EINVAL);
	/* Unknown interface: the kernel's -ENODEV. */
	p.len = 8;
	backup.ifindex = 9999;
	CHECK_EQ(kroute_add(k, &p, 1, &backup, 1), -ENODEV);
}

static void
test_ipv6(struct kroute *k)
{
	struct rib_prefix p = pfx("2001:db8::/32");
	struct rib_nexthop best[2] = {nh("va", "fd00::1"), nh("wa", "fd00::2")};
	struct rib_nexthop backup = nh("wa", "fd00::12");

	CHECK_EQ(kroute_add(k, &p, 1010, best, 2), 0);
	CHECK_EQ(kroute_add(k, &p, 1020, &backup, 1), 0);
	CHECK_EQ(sh("ip -6 -j route show proto 250"), 0);
	CHECK(HAS("\"dst\":\"2001:db8::/32\""));
	CHECK(HAS("\"metric\":1010"));
	CHECK(HAS("\"metric\":1020"));
	CHECK(HAS("\"gateway\":\"fd00::1\""));
	CHECK(HAS("\"gateway\":\"fd00::2\""));
	CHECK_EQ(sh("ip -6 route get 2001:db8::1"), 0);
	CHECK(HAS("via fd00::1 dev va") || HAS("via fd00::2 dev wa"));

	/* One delete removes the whole multipath route (all siblings). */
	CHECK_EQ(kroute_del(k, &p, 1010), 0);
	CHECK_EQ(sh("ip -6 route show proto 250"), 0);
	CHECK(!HAS("metric 1010"));
	CHECK_EQ(sh("ip -6 route get 2001:db8::1"), 0);
	CHECK(HAS("via fd00::12 dev wa"));
	if (!HAS("via fd00::12 dev wa"))
		fprintf(stderr, "route get: %s", out);

	/* An ECMP member leaving: one replace shrinks the multipath route. */
	CHECK_EQ(kroute_add(k, &p, 1010, best, 2), 0);
	CHECK_EQ(kroute_add(k, &p, 1010, &best[1], 1), 0);
	CHECK_EQ(sh("ip -6 route show proto 250 metric 1010"), 0);
	CHECK(HAS("via fd00::2 dev wa"));
	CHECK(!HAS("fd00::1 "));
	/* and growing again; left multipath for kroute_flush() */
	CHECK_EQ(kroute_add(k, &p, 1010, best, 2), 0);
	CHECK_EQ(sh("ip -6 route show proto 250 metric 1010"), 0);
	CHECK(HAS("via fd00::1 dev va") && HAS("via fd00::2 dev wa"));
}

/* Routes of other protocols are never ours to delete. */
static void
test_foreign(struct kroute *k)
{
	struct rib_prefix p = pfx("10.7.0.0/16");

	CHECK_EQ(
	    run("ip route add 10.7.0.0/16 dev va metric 1500 proto static"), 0);
	CHECK_EQ(kroute_del(k, &p, 1500), -ESRCH);
	CHECK_EQ(sh("ip route show 10.7.0.0/16"), 0);
	CHECK(HAS("proto static"));
}

/* The RIB drives the kernel: failover is one delete. */
static void
test_rib_to_kernel(struct kroute *k)
{
	struct rib *r = rib_new();
	struct rib_nexthop g1 = nh("va", "10.254.0.1"),
			   g2 = nh("wa", "10.254.0.2");
	struct rib_adv a = {.pfx = pfx("192.168.0.0/16"), .metric = 0};
	struct rib_prefix d[4];
	struct fib_op ops[FIB_OPS_MAX];
	size_t n, total = 0;
	int nops;

	CHECK_EQ(rib_peer_set(r, 1, 10, g1.ifindex, &g1, NULL, 0), 0);
	CHECK_EQ(rib_peer_set(r, 2, 20, g2.ifindex, &g2, NULL, 0), 0);
	CHECK_EQ(rib_peer_routes(r, 1, &a, 1, 0), 0);
	CHECK_EQ(rib_peer_routes(r, 2, &a, 1, 0), 0);
	while ((n = rib_dirty(r, d, 4)) > 0) {
		for (size_t i = 0; i < n; i++) {
			nops = rib_fib_plan(r, &d[i], ops, FIB_OPS_MAX);
			for (int j = 0; j < nops; j++) {
				int err = kroute_apply(k, &d[i], &ops[j]);

				CHECK_EQ(err, 0);
				rib_fib_done(r, &d[i], &ops[j], err);
				total++;
			}
		}
	}
	CHECK_EQ(total, 2);
	CHECK_EQ(sh("ip route get 192.168.1.1"), 0);
	CHECK(HAS("via 10.254.0.1 dev va"));

	CHECK_EQ(rib_peer_down(r, 1, 1), 0);
	CHECK_EQ(rib_dirty(r, d, 4), 1);
	nops = rib_fib_plan(r, &d[0], ops, FIB_OPS_MAX);
	CHECK_EQ(nops, 1);
	CHECK(ops[0].type == FIB_OP_DEL);
	CHECK_EQ(kroute_apply(k, &d[0], &ops[0]), 0);
	rib_fib_done(r, &d[0], &ops[0], 0);
	CHECK_EQ(sh("ip route get 192.168.1.1"), 0);
	CHECK(HAS("via 10.254.0.2 dev wa"));
	rib_free(r);
}

int
main(void)
{
	struct kroute *k;
	size_t removed = 0;

	if (geteuid() != 0) {
		printf("skipped: not root\n");
		return 0;
	}
	if (unshare(CLONE_NEWNET) < 0) {
		printf("skipped: unshare(CLONE_NEWNET): %s\n", strerror(errno));
		return 0;
	}
	if (run("ip link set lo up && "
		"ip link add va type veth peer name vb && "
		"ip link add wa type veth peer name wb && "
		"ip link set va up && ip link set vb up && "
		"ip link set wa up && ip link set wb up") != 0) {
		printf("skipped: cannot create veth pairs\n");
		return 0;
	}
	CHECK_EQ(kroute_open(&k, 3, 0), -EINVAL);
	CHECK_EQ(kroute_open(&k, 0, 0), 0);
	if (k == NULL)
		return check_report();

	/* Stale routes of a previous run go at start; others stay. */
	CHECK_EQ(run("ip route add 10.9.0.0/16 dev va proto 250 metric 1010 && "
		     "ip -6 route add 2001:db8:9::/48 dev va proto 250 && "
		     "ip route add 10.8.0.0/16 dev va proto static"),
	    0);
	CHECK_EQ(kroute_sweep(k, &removed), 0);
	CHECK_EQ(removed, 2);
	CHECK_EQ(sh("ip route show proto 250; ip -6 route show proto 250"), 0);
	CHECK_STREQ(out, "");
	CHECK_EQ(sh("ip route show 10.8.0.0/16"), 0);
	CHECK(HAS("proto static"));

	test_basic(k);
	test_ipv6(k);
	test_foreign(k);
	test_rib_to_kernel(k);

	/* Clean exit: everything of ours goes, nothing else. */
	CHECK_EQ(kroute_flush(k, &removed), 0);
	CHECK(removed >= 4);
	CHECK_EQ(sh("ip route show proto 250; ip -6 route show proto 250"), 0);
	CHECK_STREQ(out, "");
	CHECK_EQ(sh("ip route show proto static"), 0);
	CHECK(HAS("10.7.0.0/16") && HAS("10.8.0.0/16"));
	kroute_close(k);
	return check_report();
}
