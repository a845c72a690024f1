/* SPDX-License-Identifier: ISC */
/*
 * TUN devices and the rtnetlink underlay monitor, for real: the test moves
 * itself into a private network namespace (unshare(CLONE_NEWNET)), so it
 * needs root but leaves nothing behind.  Without root it says so and passes.
 *
 * Checks are made through other interfaces than the code under test uses
 * (ioctls and getifaddrs), so a bug in link.c cannot confirm itself.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <netlink/netlink.h>
#include <netlink/route/link.h>
#include <netlink/route/link/veth.h>

#include <gripd/tun.h>
#include <gripd/tunlink.h>

#include "check.h"

static int
ifreq_get(const char *name, unsigned long req, struct ifreq *ifr)
{
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), r;

	memset(ifr, 0, sizeof(*ifr));
	snprintf(ifr->ifr_name, IFNAMSIZ, "%s", name);
	r = ioctl(s, req, ifr);
	close(s);
	return r;
}

static bool
has_addr(const char *ifname, int family, const char *text)
{
	struct ifaddrs *ifa, *p;
	uint8_t want[16];
	bool found = false;

	inet_pton(family, text, want);
	if (getifaddrs(&ifa) < 0)
		return false;
	for (p = ifa; p != NULL; p = p->ifa_next) {
		if (p->ifa_addr == NULL || strcmp(p->ifa_name, ifname) != 0 ||
		    p->ifa_addr->sa_family != family)
			continue;
		if (family == AF_INET &&
		    memcmp(&((struct sockaddr_in *)p->ifa_addr)->sin_addr, want,
			4) == 0)
			found = true;
		if (family == AF_INET6 &&
		    memcmp(&((struct sockaddr_in6 *)p->ifa_addr)->sin6_addr,
			want, 16) == 0)
			found = true;
	}
	freeifaddrs(ifa);
	return found;
}

static struct tun_ifaddr
ifaddr(int family, const char *a, unsigned plen, const char *peer)
{
	struct tun_ifaddr x = {.family = family, .prefixlen = plen};

	inet_pton(family, a, x.addr);
	if (peer != NULL) {
		x.has_peer = true;
		inet_pton(family, peer, x.peer);
	}
	return x;
}

static void
test_names(void)
{
	CHECK(tun_name_valid("grip-west1"));
	CHECK(tun_name_valid("grip%d"));
	CHECK(!tun_name_valid(""));
	CHECK(!tun_name_valid("0123456789abcdef")); /* 16: no room for NUL */
	CHECK(tun_name_valid("0123456789abcde"));
	CHECK(!tun_name_valid("a/b"));
	CHECK(!tun_name_valid("a b"));
	CHECK(!tun_name_valid("a:0"));
	CHECK(!tun_name_valid(".."));
	CHECK(!tun_name_valid("a%d%d"));
	CHECK(!tun_name_valid(NULL));
}

static void
test_tun(void)
{
	struct tun_dev d, d2;
	struct tun_ifaddr a4 = ifaddr(AF_INET, "10.0.2.2", 32, "10.0.2.1"),
			  a6 = ifaddr(AF_INET6, "2001:db8:2::2", 64, NULL);
	struct ifreq ifr;
	int fl;

	CHECK_EQ(tun_open(&d, "bad/name", 1), -EINVAL);
	CHECK_EQ(tun_open(&d, "grip0", 0), -EINVAL);
	CHECK_EQ(tun_open(&d, "grip0", TUN_MAX_QUEUES + 1), -EINVAL);

	CHECK_EQ(tun_open(&d, "grip-west1", 1), 0);
	CHECK_STREQ(d.ifname, "grip-west1");
	CHECK(d.ifindex > 0);
	fl = fcntl(d.fds[0], F_GETFL);
	CHECK(fl & O_NONBLOCK);
	CHECK(fcntl(d.fds[0], F_GETFD) & FD_CLOEXEC);
	/* The name is taken (single-queue, held open). */
	CHECK_EQ(tun_open(&d2, "grip-west1", 1), -EBUSY);

	CHECK_EQ(tun_set_mtu(d.ifindex, 1442), 0);
	CHECK_EQ(tun_set_mtu(d.ifindex, 10), -EINVAL);
	CHECK_EQ(tun_addr_add(d.ifindex, &a4), 0);
	CHECK_EQ(tun_addr_add(d.ifindex, &a4), -EEXIST);
	CHECK_EQ(tun_addr_add(d.ifindex, &a6), 0);
	CHECK_EQ(tun_set_up(d.ifindex, true), 0);
	CHECK_EQ(tun_set_mtu(999999, 1400), -ENODEV);

	CHECK_EQ(ifreq_get("grip-west1", SIOCGIFMTU, &ifr), 0);
	CHECK_EQ(ifr.ifr_mtu, 1442);
	CHECK_EQ(ifreq_get("grip-west1", SIOCGIFFLAGS, &ifr), 0);
	CHECK(ifr.ifr_flags & IFF_UP);
	CHECK(ifr.ifr_flags & IFF_POINTOPOINT);
	CHECK(has_addr("grip-west1", AF_INET, "10.0.2.2"));
	CHECK(has_addr("grip-west1", AF_INET6, "2001:db8:2::2"));
	CHECK_EQ(ifreq_get("grip-west1", SIOCGIFDSTADDR, &ifr), 0);
	CHECK_EQ(((struct sockaddr_in *)&ifr.ifr_dstaddr)->sin_addr.s_addr,
	    inet_addr("10.0.2.1"));

	CHECK_EQ(tun_addr_del(d.ifindex, &a6), 0);
	CHECK(!has_addr("grip-west1", AF_INET6, "2001:db8:2::2"));
	CHECK_EQ(tun_set_up(d.ifindex, false), 0);
	CHECK_EQ(ifreq_get("grip-west1", SIOCGIFFLAGS, &ifr), 0);
	CHECK(!(ifr.ifr_flags & IFF_UP));

	/* A packet written to the TUN by the kernel can be read: route a
	 * datagram to the peer and read it back from the fd. */
	CHECK_EQ(tun_set_up(d.ifindex, true), 0);
	{
		int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		struct sockaddr_in to = {
		    .sin_family = AF_INET, .sin_port = htons(9)};
		struct pollfd pfd = {d.fds[0], POLLIN, 0};
		uint8_t buf[2048];
		ssize_t n;

		to.sin_addr.s_addr = inet_addr("10.0.2.1");
		CHECK(sendto(s, "hello", 5, 0, (struct sockaddr *)&to,
			  sizeof(to)) == 5);
		/* Skip the kernel's own IPv6 chatter (MLD, RS). */
		do {
			n = -1;
			if (poll(&pfd, 1, 2000) != 1)
				break;
			n = read(d.fds[0], buf, sizeof(buf));
		} while (n > 0 && buf[0] >> 4 == 6);
		CHECK_EQ(n, 20 + 8 + 5);
		CHECK_EQ(buf[0], 0x45); /* IFF_NO_PI: the IP header first */
		CHECK_EQ(buf[9], 17);
		close(s);
	}
	tun_close(&d);
	CHECK_EQ(if_nametoindex("grip-west1"), 0); /* gone with its fds */

	/* Multiqueue, with a name the kernel fills in. */
	CHECK_EQ(tun_open(&d, "griphub%d", 4), 0);
	CHECK_STREQ(d.ifname, "griphub0");
	CHECK_EQ(d.nqueues, 4);
	CHECK(d.fds[3] >= 0 && d.fds[3] != d.fds[0]);
	tun_close(&d);
}

/* ---- monitor ---------------------------------------------------------- */

struct seen {
	int ifindex;
	int link_events, up_events, down_events, del_events;
	int addr_add, addr_del, resync;
	bool last_up;
	uint8_t last_addr[4];
};

static void
mon_cb(const struct tun_link_event *ev, void *arg)
{
	struct seen *s = arg;

	if (ev->type == TUN_LINK_EV_RESYNC) {
		s->resync++;
		return;
	}
	if (ev->ifindex != s->ifindex)
		return;
	switch (ev->type) {
	case TUN_LINK_EV_LINK:
		s->link_events++;
		s->last_up = ev->up;
		if (ev->up)
			s->up_events++;
		else
			s->down_events++;
		break;
	case TUN_LINK_EV_LINK_DEL:
		s->del_events++;
		break;
	case TUN_LINK_EV_ADDR_ADD:
		s->addr_add++;
		memcpy(s->last_addr, ev->addr, 4);
		break;
	case TUN_LINK_EV_ADDR_DEL:
		s->addr_del++;
		break;
	default:
		break;
	}
}

/* Dispatches until cond holds or 5 s pass: poll, don't sleep. */
#define WAIT_FOR(m, cond)                                                      \
	({                                                                     \
		struct pollfd pfd_ = {tun_link_monitor_fd(m), POLLIN, 0};      \
		time_t end_ = time(NULL) + 5;                                  \
		while (!(cond) && time(NULL) < end_) {                         \
			if (poll(&pfd_, 1, 200) > 0)                           \
				tun_link_monitor_dispatch(m);                  \
		}                                                              \
		(cond);                                                        \
	})

static void
test_monitor(void)
{
	struct tun_link_monitor *m;
	struct seen s = {0};
	struct nl_sock *sk = nl_socket_alloc();
	struct tun_ifaddr a = ifaddr(AF_INET, "192.0.2.1", 24, NULL);
	int v1;

	CHECK_EQ(nl_connect(sk, NETLINK_ROUTE), 0);
	CHECK_EQ(rtnl_link_veth_add(sk, "ul0", "ul1", getpid()), 0);
	s.ifindex = (int)if_nametoindex("ul0");
	v1 = (int)if_nametoindex("ul1");
	CHECK(s.ifindex > 0 && v1 > 0);

	CHECK_EQ(tun_link_monitor_open(&m, mon_cb, &s), 0);
	CHECK(tun_link_monitor_fd(m) >= 0);
	CHECK_EQ(tun_link_monitor_dispatch(m), 0); /* nothing pending */

	/* The initial dump reports the link, down. */
	CHECK_EQ(tun_link_monitor_dump(m), 0);
	CHECK(s.link_events >= 1);
	CHECK(!s.last_up);

	/* Up on both ends: carrier, IFF_RUNNING, operstate UP. */
	CHECK_EQ(tun_set_up(s.ifindex, true), 0);
	CHECK_EQ(tun_set_up(v1, true), 0);
	CHECK(WAIT_FOR(m, s.last_up));

	/* The far end goes down: admin still up, carrier lost -> not up. */
	CHECK_EQ(tun_set_up(v1, false), 0);
	CHECK(WAIT_FOR(m, !s.last_up));
	CHECK(s.down_events >= 1);
	CHECK_EQ(tun_set_up(v1, true), 0);
	CHECK(WAIT_FOR(m, s.last_up));

	/* Addresses come and go. */
	CHECK_EQ(tun_addr_add(s.ifindex, &a), 0);
	CHECK(WAIT_FOR(m, s.addr_add >= 1));
	CHECK_MEMEQ(s.last_addr, a.addr, 4);
	CHECK_EQ(tun_addr_del(s.ifindex, &a), 0);
	CHECK(WAIT_FOR(m, s.addr_del >= 1));

	/* Deleting the pair. */
	struct rtnl_link *l = rtnl_link_alloc();
	rtnl_link_set_ifindex(l, s.ifindex);
	CHECK_EQ(rtnl_link_delete(sk, l), 0);
	rtnl_link_put(l);
	CHECK(WAIT_FOR(m, s.del_events >= 1));
	CHECK_EQ(s.resync, 0);

	tun_link_monitor_close(m);
	nl_socket_free(sk);
}

int
main(void)
{
	test_names();
	if (geteuid() != 0) {
		printf("skipped: not root (TUN and netns tests)\n");
		return check_report();
	}
	if (unshare(CLONE_NEWNET) < 0) {
		printf("skipped: unshare(CLONE_NEWNET): %s\n", strerror(errno));
		return check_report();
	}
	test_tun();
	test_monitor();
	return check_report();
}
