/* SPDX-License-Identifier: ISC */
/*
 * Tunnel state machine on a fake clock, with fake datapath hooks that record
 * what they were asked to do; MTU/MSS derivation; counters under threads.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>

#include <gripd/tunnel.h>

#include "check.h"

struct fake {
	int creates, destroys, admin_up, admin_down;
	int create_err;
	char last_log[256];
	int logs, warnings;
	enum tunnel_state from, to;
	int notifies;
};

static int
f_create(struct tunnel *t, void *arg)
{
	struct fake *f = arg;

	f->creates++;
	if (f->create_err == 0)
		t->ifindex = 42;
	return f->create_err;
}

static void
f_destroy(struct tunnel *t, void *arg)
{
	((struct fake *)arg)->destroys++;
}

static int
f_admin(struct tunnel *t, bool up, void *arg)
{
	struct fake *f = arg;

	if (up)
		f->admin_up++;
	else
		f->admin_down++;
	return 0;
}

static void
f_log(void *arg, int prio, const char *msg)
{
	struct fake *f = arg;

	snprintf(f->last_log, sizeof(f->last_log), "%s", msg);
	f->logs++;
	if (prio == LOG_WARNING)
		f->warnings++;
}

static void
f_notify(struct tunnel *t, enum tunnel_state from, enum tunnel_state to,
    const char *reason, void *arg)
{
	struct fake *f = arg;

	f->from = from;
	f->to = to;
	f->notifies++;
}

static const struct tunnel_ops ops = {
    f_create, f_destroy, f_admin, f_log, f_notify};

static void
test_lifecycle(void)
{
	struct fake f = {0};
	struct tunnel t;
	uint64_t now = 1000;

	CHECK_EQ(tunnel_init(&t, "west-1", TUNNEL_P2P, &ops, &f), 0);
	CHECK_EQ(t.state, TUNNEL_S_DOWN);
	CHECK(t.nbrs == NULL);

	/* A fact before the interface exists: recorded, no transition. */
	CHECK_EQ(tunnel_fsm(&t, TUNNEL_EV_SA_UP, now), 0);
	CHECK_EQ(t.state, TUNNEL_S_DOWN);
	CHECK(t.sa_up);
	CHECK_EQ(f.logs, 0);

	/* Create: the underlay is not known yet, so CREATED. */
	CHECK_EQ(tunnel_fsm(&t, TUNNEL_EV_CREATE, now), 0);
	CHECK_EQ(f.creates, 1);
	CHECK_EQ(t.ifindex, 42);
	CHECK_EQ(t.state, TUNNEL_S_CREATED);
	CHECK_STREQ(f.last_log, "tunnel west-1: DOWN -> CREATED (created)");
	CHECK_EQ(tunnel_fsm(&t, TUNNEL_EV_CREATE, now), 0); /* ignored */
	CHECK_EQ(f.creates, 1);

	now += 50;
	CHECK_EQ(tunnel_fsm(&t, TUNNEL_EV_UNDERLAY_UP, now), 0);
	CHECK_EQ(t.state, TUNNEL_S_READY);
	CHECK_EQ(t.state_since, 1050);
	CHECK_STREQ(
	    f.last_log, "tunnel west-1: CREATED -> READY (underlay up)");

	/* The adjacency hears about UNDERLAY_DOWN at once. */
	now += 50;
	CHECK_EQ(tunnel_fsm(&t, TUNNEL_EV_UNDERLAY_DOWN, now), 0);
	CHECK_EQ(t.state, TUNNEL_S_UNDERLAY_DOWN);
	CHECK_EQ(f.from, TUNNEL_S_READY);
	CHECK_EQ(f.to, TUNNEL_S_UNDERLAY_DOWN);
	CHECK_EQ(t.flaps, 1);
	CHECK_STREQ(f.last_log,
	    "tunnel west-1: READY -> UNDERLAY_DOWN (underlay down)");

	/* SA down while the underlay is down: no change of state. */
	int n = f.notifies;
	CHECK_EQ(tunnel_fsm(&t, TUNNEL_EV_SA_DOWN, now), 0);
	CHECK_EQ(t.state, TUNNEL_S_UNDERLAY_DOWN);
	CHECK_EQ(f.notifies, n);
	CHECK_EQ(tunnel_fsm(&t, TUNNEL_EV_UNDERLAY_UP, now), 0);
	CHECK_EQ(t.state, TUNNEL_S_CREATED);
	CHECK_EQ(tunnel_fsm(&t, TUNNEL_EV_SA_UP, now), 0);
	CHECK_EQ(t.state, TUNNEL_S_READY);

	/* Admin down wins over everything; admin up goes back by facts. */
	CHECK_EQ(tunnel_fsm(&t, TUNNEL_EV_ADMIN_DOWN, now), 0);
	CHECK_EQ(t.state, TUNNEL_S_ADMIN_DOWN);
	CHECK_EQ(f.admin_down, 1);
	CHECK_EQ(tunnel_fsm(&t, TUNNEL_EV_ADMIN_DOWN, now), 0);
	CHECK_EQ(f.admin_down, 1); /* idempotent */
	CHECK_EQ(tunnel_fsm(&t, TUNNEL_EV_UNDERLAY_DOWN, now), 0);
	CHECK_EQ(t.state, TUNNEL_S_ADMIN_DOWN);
	CHECK_EQ(tunnel_fsm(&t, TUNNEL_EV_UNDERLAY_UP, now), 0);
	CHECK_EQ(tunnel_fsm(&t, TUNNEL_EV_ADMIN_UP, now), 0);
	CHECK_EQ(f.admin_up, 1);
	CHECK_EQ(t.state, TUNNEL_S_READY);

	CHECK_EQ(tunnel_fsm(&t, TUNNEL_EV_DESTROY, now), 0);
	CHECK_EQ(t.state, TUNNEL_S_DOWN);
	CHECK_EQ(f.destroys, 1);
	CHECK_STREQ(f.last_log, "tunnel west-1: READY -> DOWN (destroyed)");
	CHECK_EQ(tunnel_fsm(&t, TUNNEL_EV_DESTROY, now), 0);
	CHECK_EQ(f.destroys, 1); /* nothing to destroy */
	CHECK_EQ(tunnel_fsm(&t, TUNNEL_EV_TIMER, now), 0);
	CHECK_EQ(f.creates, 1);

	CHECK_EQ(tunnel_fsm(&t, TUNNEL_EV_MAX, now), -EINVAL);
	CHECK_EQ(tunnel_fsm(&t, (enum tunnel_event) - 1, now), -EINVAL);
	tunnel_fini(&t);
}

static void
test_create_retry(void)
{
	struct fake f = {.create_err = -EBUSY};
	struct tunnel t;
	uint64_t now = 0;
	unsigned i;

	CHECK_EQ(tunnel_init(&t, "west-2", TUNNEL_P2P, &ops, &f), 0);
	CHECK_EQ(tunnel_next_deadline(&t), 0);
	CHECK_EQ(tunnel_fsm(&t, TUNNEL_EV_CREATE, now), -EBUSY);
	CHECK_EQ(t.state, TUNNEL_S_DOWN);
	CHECK_EQ(t.last_err, -EBUSY);
	CHECK_EQ(tunnel_next_deadline(&t), 1000);
	CHECK(strstr(f.last_log, "create failed") != NULL);
	CHECK_EQ(f.warnings, 1);

	/* Not due yet: nothing happens. */
	CHECK_EQ(tunnel_fsm(&t, TUNNEL_EV_TIMER, 999), 0);
	CHECK_EQ(f.creates, 1);
	/* Due: retried, fails, backs off to 2 s, 4 s, ... 60 s. */
	CHECK_EQ(tunnel_fsm(&t, TUNNEL_EV_TIMER, 1000), -EBUSY);
	CHECK_EQ(f.creates, 2);
	CHECK_EQ(tunnel_next_deadline(&t), 3000);
	now = 3000;
	for (i = 0; i < 10; i++) {
		tunnel_fsm(&t, TUNNEL_EV_TIMER, now);
		now = tunnel_next_deadline(&t);
	}
	CHECK_EQ(t.retry_ms, TUNNEL_RETRY_MAX_MS);

	/* Configured shut meanwhile; then the create succeeds. */
	CHECK_EQ(tunnel_fsm(&t, TUNNEL_EV_ADMIN_DOWN, now), 0);
	CHECK_EQ(t.state, TUNNEL_S_DOWN);
	CHECK_EQ(f.admin_down, 0); /* no interface to shut yet */
	f.create_err = 0;
	CHECK_EQ(tunnel_fsm(&t, TUNNEL_EV_TIMER, now), 0);
	CHECK_EQ(t.state, TUNNEL_S_ADMIN_DOWN);
	CHECK_EQ(f.admin_down, 1); /* shut right after creation */
	CHECK_EQ(tunnel_next_deadline(&t), 0);

	/* A destroy cancels a pending retry. */
	CHECK_EQ(tunnel_fsm(&t, TUNNEL_EV_DESTROY, now), 0);
	f.create_err = -EPERM;
	CHECK_EQ(tunnel_fsm(&t, TUNNEL_EV_CREATE, now), -EPERM);
	CHECK(tunnel_next_deadline(&t) != 0);
	CHECK_EQ(t.retry_ms, TUNNEL_RETRY_MIN_MS); /* reset by success */
	CHECK_EQ(tunnel_fsm(&t, TUNNEL_EV_DESTROY, now), 0);
	CHECK_EQ(tunnel_next_deadline(&t), 0);
	tunnel_fini(&t);
}

static void
test_names_and_init(void)
{
	struct tunnel t;
	struct fake f = {0};
	struct tunnel_ops noc = {0};
	char longname[TUNNEL_NAME_MAX + 1];

	CHECK_STREQ(tunnel_state_name(TUNNEL_S_UNDERLAY_DOWN), "UNDERLAY_DOWN");
	CHECK_STREQ(tunnel_state_name(TUNNEL_S_MAX), "?");
	CHECK_STREQ(tunnel_event_name(TUNNEL_EV_SA_UP), "SA up");
	CHECK_STREQ(tunnel_kind_name(TUNNEL_MULTIPOINT), "multipoint");
	memset(longname, 'x', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	CHECK_EQ(tunnel_init(&t, longname, TUNNEL_P2P, &ops, &f), -EINVAL);
	CHECK_EQ(tunnel_init(&t, "x", TUNNEL_P2P, &noc, &f), -EINVAL);
	CHECK_EQ(tunnel_init(&t, "hub", TUNNEL_MULTIPOINT, &ops, &f), 0);
	CHECK(t.nbrs != NULL);
	tunnel_fini(&t);
}

static void
test_mtu(void)
{
	struct fake f = {0};
	struct tunnel t;
	struct tunmtu_params p = {1500, false, false, TUNMTU_ESP_TRANSPORT,
	    TUNMTU_ESP_AES_GCM16, false, false};

	CHECK_EQ(tunnel_init(&t, "west-1", TUNNEL_P2P, &ops, &f), 0);
	t.inner6.addr.family = AF_INET6;
	CHECK_EQ(tunnel_set_mtu(&t, &p, true), 0);
	CHECK_EQ(t.mtu, 1442);
	CHECK_EQ(t.mss4, 1402);
	CHECK_EQ(t.mss6, 1382);
	CHECK_EQ(f.warnings, 0);
	p.underlay_mtu = 1300;
	CHECK_EQ(tunnel_set_mtu(&t, &p, false), 0);
	CHECK_EQ(t.mtu, 1242);
	CHECK_EQ(t.mss4, 0);
	CHECK_EQ(f.warnings, 1);
	CHECK(strstr(f.last_log, "below IPv6's minimum of 1280") != NULL);
	p.underlay_mtu = 0;
	CHECK_EQ(tunnel_set_mtu(&t, &p, false), -EINVAL);
	tunnel_fini(&t);
}

static struct tunnel ct;

static void *
bump(void *arg)
{
	for (int i = 0; i < 100000; i++) {
		tunnel_count(&ct.ctr.tx_packets, 1);
		tunnel_count(&ct.ctr.tx_bytes, 1500);
	}
	return NULL;
}

static void
test_counters(void)
{
	struct tunnel_counters_snap s;
	pthread_t th[4];
	int i;

	for (i = 0; i < 4; i++)
		pthread_create(&th[i], NULL, bump, NULL);
	for (i = 0; i < 4; i++)
		pthread_join(th[i], NULL);
	tunnel_count(&ct.ctr.nbr_drops, 3);
	tunnel_counters_read(&ct, &s);
	CHECK_EQ(s.tx_packets, 400000);
	CHECK_EQ(s.tx_bytes, 400000ull * 1500);
	CHECK_EQ(s.nbr_drops, 3);
	CHECK_EQ(s.rx_packets, 0);
}

int
main(void)
{
	test_lifecycle();
	test_create_retry();
	test_names_and_init();
	test_mtu();
	test_counters();
	return check_report();
}
