/* SPDX-License-Identifier: ISC */
/*
 * tunlink.h: the underlay monitor.  Subscribes to rtnetlink link and address
 * notifications and hands them to a callback as plain structs; the caller's
 * event loop polls tun_link_monitor_fd() and calls
 * tun_link_monitor_dispatch() when it is readable.
 */
#ifndef GRIPD_TUNLINK_H
#define GRIPD_TUNLINK_H

#include <net/if.h>
#include <stdbool.h>
#include <stdint.h>

enum tun_link_ev {
	TUN_LINK_EV_LINK,     /* new or changed link; see up */
	TUN_LINK_EV_LINK_DEL, /* link deleted */
	TUN_LINK_EV_ADDR_ADD,
	TUN_LINK_EV_ADDR_DEL,
	TUN_LINK_EV_RESYNC, /* notifications were lost: call _dump() */
};

struct tun_link_event {
	enum tun_link_ev type;
	int ifindex;
	char ifname[IFNAMSIZ]; /* links; addresses: IPv4 label or "" */
	unsigned flags;	       /* IFF_* of the link */
	uint8_t operstate;     /* IF_OPER_* (RFC 2863), links */
	/* IFF_UP and IFF_RUNNING and operstate up or unknown (RFC 2863). */
	bool up;
	int family; /* addresses: AF_INET or AF_INET6 */
	uint8_t addr[16];
	unsigned prefixlen;
};

struct tun_link_monitor;

typedef void tun_link_cb(const struct tun_link_event *ev, void *arg);

/*
 * Opens a non-blocking rtnetlink socket subscribed to RTNLGRP_LINK,
 * RTNLGRP_IPV4_IFADDR and RTNLGRP_IPV6_IFADDR.  Returns 0 or -errno.
 */
int tun_link_monitor_open(
    struct tun_link_monitor **mp, tun_link_cb *cb, void *arg);
void tun_link_monitor_close(struct tun_link_monitor *m);
int tun_link_monitor_fd(const struct tun_link_monitor *m);

/*
 * Reads every pending notification and calls the callback for each.
 * Returns 0 (including "nothing to read"), or -errno.
 */
int tun_link_monitor_dispatch(struct tun_link_monitor *m);

/*
 * Reports the current links and addresses through the callback, synchronously
 * (a separate socket, so notifications queue meanwhile).  Call after _open()
 * and after TUN_LINK_EV_RESYNC.  Returns 0 or -errno.
 */
int tun_link_monitor_dump(struct tun_link_monitor *m);

/*
 * A libnl 3 error code (negative NLE_*) as -errno, for every module that
 * uses libnl (translated at the module edge).  Non-negative values pass.
 */
int tun_nl_errno(int err);

#endif
