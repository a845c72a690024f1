/* SPDX-License-Identifier: ISC */
/*
 * tun.h: TUN devices for the userspace datapath, and the rtnetlink calls that
 * configure them (MTU, addresses, up).  One TUN per point-to-point tunnel,
 * one (multiqueue) TUN for a hub's multipoint tunnel.
 */
#ifndef GRIPD_TUN_H
#define GRIPD_TUN_H

#include <net/if.h>
#include <stdbool.h>
#include <stdint.h>

#define TUN_MAX_QUEUES 16

struct tun_dev {
	char ifname[IFNAMSIZ]; /* the name the kernel gave */
	int ifindex;
	unsigned nqueues;
	int fds[TUN_MAX_QUEUES]; /* non-blocking, close-on-exec */
	bool adopted;		 /* handed over by a restart, not created */
};

/*
 * Opens /dev/net/tun nqueues times (IFF_TUN | IFF_NO_PI, plus
 * IFF_MULTI_QUEUE when nqueues > 1) for the interface name, which may hold
 * one %d for the kernel to fill in.  The device is created down, without
 * addresses, and disappears on tun_close().
 * Returns 0, -EINVAL for a bad name or queue count, or the -errno of
 * open/ioctl (-EPERM without CAP_NET_ADMIN, -EBUSY when the name is taken).
 */
int tun_open(struct tun_dev *dev, const char *name, unsigned nqueues);

/*
 * Opens n spare /dev/net/tun descriptors now (call as root, before dropping
 * privileges) for tun_open() to use when the device node is not accessible
 * to the unprivileged user.  Returns 0 or -errno.
 */
int tun_reserve(unsigned n);

/*
 * Restart handoff: tun_open() of a single-queue device first asks take(name)
 * for an open descriptor of that device (-1: none) and uses it if it is
 * that TUN.  tun_pool_adopt() adds a spare descriptor to the reserve;
 * tun_pool_fds() shows the reserve (still owned by it).
 */
void tun_set_adopt_hook(int (*take)(const char *ifname));
int tun_pool_adopt(int fd);
unsigned tun_pool_fds(const int **fds);

/* Closes every queue; the kernel then deletes the device. */
void tun_close(struct tun_dev *dev);

/* True when name fits IFNAMSIZ with its NUL and is a valid interface name. */
bool tun_name_valid(const char *name);

/* An interface address; peer only for IPv4 point-to-point (IFA_ADDRESS). */
struct tun_ifaddr {
	int family;	  /* AF_INET or AF_INET6 */
	uint8_t addr[16]; /* network byte order */
	unsigned prefixlen;
	bool has_peer;
	uint8_t peer[16];
};

/*
 * rtnetlink (libnl-route-3, in link.c): each call opens and closes its own
 * socket, they are control-plane operations.  All return 0 or -errno
 * (-ENODEV for a missing ifindex, -EEXIST for an address already present).
 */
int tun_set_mtu(int ifindex, unsigned mtu);
int tun_set_up(int ifindex, bool up);
/*
 * The TUN's transmit queue.  The tun driver drops when it is full instead
 * of pushing back, so a deeper queue than the default 500 absorbs the
 * bursts a TCP sender makes while the datapath worker is busy.
 */
int tun_set_txqlen(int ifindex, unsigned qlen);
int tun_addr_add(int ifindex, const struct tun_ifaddr *a);
int tun_addr_del(int ifindex, const struct tun_ifaddr *a);

#endif
