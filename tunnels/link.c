/* SPDX-License-Identifier: ISC */
/*
 * DOC: rtnetlink: underlay monitor and interface configuration
 *
 * Every libnl call of the tunnels module lives in this file, and libnl's
 * NLE_* codes are turned into -errno here (tun_nl_errno()), so nothing above sees
 * libnl.
 *
 * The monitor: an adjacency must go DOWN at once when the underlay link that
 * carries it fails, not a hold time later (DESIGN.md, "The adjacency").  The
 * kernel announces that on RTNLGRP_LINK; addresses come and go on
 * RTNLGRP_IPV4_IFADDR / RTNLGRP_IPV6_IFADDR (DHCP renumbering moves the
 * tunnel's outer address).  A link is "up" for us when it is IFF_UP (admin)
 * and IFF_RUNNING (carrier; the kernel derives it from operstate UP or
 * UNKNOWN, RFC 2863).  Messages are parsed directly (nlmsg_parse) into a
 * plain struct tun_link_event; the caller decides what it means.  The socket
 * is non-blocking with sequence checks off (notifications carry seq 0); a
 * receive buffer overrun (ENOBUFS) becomes TUN_LINK_EV_RESYNC, after which
 * the caller dumps the state again.  Subscribing before dumping means no
 * change is ever missed, only seen twice; events are facts, so duplicates
 * are harmless.
 *
 * Configuration: tun_set_mtu(), tun_set_up(), tun_addr_add/del() each use a
 * short-lived socket; they run on the control thread a handful of times per
 * tunnel lifetime.
 */
#include <net/if.h> /* before linux/if.h: glibc and kernel headers */

#include <errno.h>
#include <linux/if.h>
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/rtnl.h>

#include <gripd/tun.h>
#include <gripd/tunlink.h>

/* libnl 3 error codes to -errno, at the module edge. */
int
tun_nl_errno(int err)
{
	if (err >= 0)
		return err;
	switch (-err) {
	case NLE_NOMEM:
		return -ENOMEM;
	case NLE_EXIST:
		return -EEXIST;
	case NLE_INVAL:
	case NLE_MSGSIZE:
		return -EINVAL;
	case NLE_OBJ_NOTFOUND:
		return -ENOENT;
	case NLE_NODEV:
		return -ENODEV;
	case NLE_PERM:
		return -EPERM;
	case NLE_NOACCESS:
		return -EACCES;
	case NLE_AGAIN:
		return -EAGAIN;
	case NLE_BUSY:
		return -EBUSY;
	case NLE_RANGE:
		return -ERANGE;
	case NLE_OPNOTSUPP:
		return -EOPNOTSUPP;
	case NLE_AF_NOSUPPORT:
		return -EAFNOSUPPORT;
	case NLE_NOADDR:
		return -EADDRNOTAVAIL;
	case NLE_INTR:
		return -EINTR;
	default:
		return -EIO;
	}
}

static int
sock_open(struct nl_sock **skp)
{
	struct nl_sock *sk = NULL;
	int err;

	if ((sk = nl_socket_alloc()) == NULL)
		return -ENOMEM;
	if ((err = nl_connect(sk, NETLINK_ROUTE)) < 0) {
		nl_socket_free(sk);
		return tun_nl_errno(err);
	}
	*skp = sk;
	return 0;
}

/* ---- configuration ---------------------------------------------------- */

static int
link_change_q(int ifindex, unsigned mtu, int up, unsigned txqlen)
{
	struct rtnl_link *orig = NULL, *chg = NULL;
	struct nl_sock *sk = NULL;
	int err;

	if (ifindex <= 0)
		return -ENODEV;
	if ((err = sock_open(&sk)) < 0)
		return err;
	if ((err = tun_nl_errno(rtnl_link_get_kernel(sk, ifindex, NULL, &orig))) < 0)
		goto out;
	if ((chg = rtnl_link_alloc()) == NULL) {
		err = -ENOMEM;
		goto out;
	}
	if (mtu > 0)
		rtnl_link_set_mtu(chg, mtu);
	if (txqlen > 0)
		rtnl_link_set_txqlen(chg, txqlen);
	if (up > 0)
		rtnl_link_set_flags(chg, IFF_UP);
	else if (up == 0)
		rtnl_link_unset_flags(chg, IFF_UP);
	err = tun_nl_errno(rtnl_link_change(sk, orig, chg, 0));
out:
	if (chg != NULL)
		rtnl_link_put(chg);
	if (orig != NULL)
		rtnl_link_put(orig);
	nl_socket_free(sk);
	return err;
}

static int
link_change(int ifindex, unsigned mtu, int up)
{
	return link_change_q(ifindex, mtu, up, 0);
}

int
tun_set_txqlen(int ifindex, unsigned qlen)
{
	if (qlen == 0)
		return -EINVAL;
	return link_change_q(ifindex, 0, -1, qlen);
}

int
tun_set_mtu(int ifindex, unsigned mtu)
{
	if (mtu < 68 || mtu > 65535) /* RFC 791: 68 is the IPv4 minimum */
		return -EINVAL;
	return link_change(ifindex, mtu, -1);
}

int
tun_set_up(int ifindex, bool up)
{
	return link_change(ifindex, 0, up ? 1 : 0);
}

static int
addr_build(const struct tun_ifaddr *a, struct rtnl_addr **rap)
{
	struct nl_addr *local = NULL, *peer = NULL;
	struct rtnl_addr *ra;
	size_t alen;
	unsigned maxplen;
	int err;

	if (a->family == AF_INET) {
		alen = 4;
		maxplen = 32;
	} else if (a->family == AF_INET6) {
		alen = 16;
		maxplen = 128;
	} else {
		return -EAFNOSUPPORT;
	}
	if (a->prefixlen > maxplen || (a->has_peer && a->family != AF_INET))
		return -EINVAL;
	if ((ra = rtnl_addr_alloc()) == NULL)
		return -ENOMEM;
	err = -ENOMEM;
	if ((local = nl_addr_build(a->family, a->addr, alen)) == NULL)
		goto fail;
	if ((err = tun_nl_errno(rtnl_addr_set_local(ra, local))) < 0)
		goto fail;
	if (a->has_peer) {
		err = -ENOMEM;
		if ((peer = nl_addr_build(a->family, a->peer, alen)) == NULL)
			goto fail;
		nl_addr_set_prefixlen(peer, a->prefixlen);
		if ((err = tun_nl_errno(rtnl_addr_set_peer(ra, peer))) < 0)
			goto fail;
	}
	rtnl_addr_set_prefixlen(ra, a->prefixlen);
	if (a->family == AF_INET6)
		rtnl_addr_set_flags(ra, IFA_F_NODAD); /* a TUN has no ND */
	nl_addr_put(local);
	if (peer != NULL)
		nl_addr_put(peer);
	*rap = ra;
	return 0;
fail:
	if (local != NULL)
		nl_addr_put(local);
	if (peer != NULL)
		nl_addr_put(peer);
	rtnl_addr_put(ra);
	return err;
}

static int
addr_op(int ifindex, const struct tun_ifaddr *a, bool add)
{
	struct rtnl_addr *ra;
	struct nl_sock *sk = NULL;
	int err;

	if (ifindex <= 0)
		return -ENODEV;
	if ((err = addr_build(a, &ra)) < 0)
		return err;
	rtnl_addr_set_ifindex(ra, ifindex);
	if ((err = sock_open(&sk)) == 0) {
		err = tun_nl_errno(add ? rtnl_addr_add(sk, ra, NLM_F_EXCL)
				: rtnl_addr_delete(sk, ra, 0));
		nl_socket_free(sk);
	}
	rtnl_addr_put(ra);
	return err;
}

int
tun_addr_add(int ifindex, const struct tun_ifaddr *a)
{
	return addr_op(ifindex, a, true);
}

int
tun_addr_del(int ifindex, const struct tun_ifaddr *a)
{
	return addr_op(ifindex, a, false);
}

/* ---- monitor ---------------------------------------------------------- */

struct tun_link_monitor {
	struct nl_sock *sk;
	tun_link_cb *cb;
	void *arg;
};

static void
parse_link(struct nlmsghdr *h, struct tun_link_event *ev)
{
	struct ifinfomsg *ifi = nlmsg_data(h);
	struct nlattr *tb[IFLA_MAX + 1];

	ev->type = h->nlmsg_type == RTM_DELLINK ? TUN_LINK_EV_LINK_DEL
						: TUN_LINK_EV_LINK;
	ev->ifindex = ifi->ifi_index;
	ev->flags = ifi->ifi_flags;
	ev->operstate = IF_OPER_UNKNOWN;
	if (nlmsg_parse(h, sizeof(*ifi), tb, IFLA_MAX, NULL) < 0)
		return;
	if (tb[IFLA_IFNAME] != NULL)
		nla_strlcpy(ev->ifname, tb[IFLA_IFNAME], IFNAMSIZ);
	if (tb[IFLA_OPERSTATE] != NULL && nla_len(tb[IFLA_OPERSTATE]) >= 1)
		ev->operstate = nla_get_u8(tb[IFLA_OPERSTATE]);
	ev->up =
	    ev->type == TUN_LINK_EV_LINK && (ev->flags & IFF_UP) &&
	    (ev->flags & IFF_RUNNING) &&
	    (ev->operstate == IF_OPER_UP || ev->operstate == IF_OPER_UNKNOWN);
}

static int
parse_addr(struct nlmsghdr *h, struct tun_link_event *ev)
{
	struct ifaddrmsg *ifa = nlmsg_data(h);
	struct nlattr *tb[IFA_MAX + 1], *a;
	size_t alen;

	ev->type = h->nlmsg_type == RTM_DELADDR ? TUN_LINK_EV_ADDR_DEL
						: TUN_LINK_EV_ADDR_ADD;
	ev->ifindex = (int)ifa->ifa_index;
	ev->family = ifa->ifa_family;
	ev->prefixlen = ifa->ifa_prefixlen;
	if (ifa->ifa_family == AF_INET)
		alen = 4;
	else if (ifa->ifa_family == AF_INET6)
		alen = 16;
	else
		return -1;
	if (nlmsg_parse(h, sizeof(*ifa), tb, IFA_MAX, NULL) < 0)
		return -1;
	/* IFA_LOCAL is ours; IFA_ADDRESS is the peer on point-to-point. */
	a = tb[IFA_LOCAL] != NULL ? tb[IFA_LOCAL] : tb[IFA_ADDRESS];
	if (a == NULL || nla_len(a) < (int)alen)
		return -1;
	memcpy(ev->addr, nla_data(a), alen);
	if (tb[IFA_LABEL] != NULL)
		nla_strlcpy(ev->ifname, tb[IFA_LABEL], IFNAMSIZ);
	return 0;
}

static int
valid_cb(struct nl_msg *msg, void *arg)
{
	struct tun_link_monitor *m = arg;
	struct nlmsghdr *h = nlmsg_hdr(msg);
	struct tun_link_event ev;

	memset(&ev, 0, sizeof(ev));
	switch (h->nlmsg_type) {
	case RTM_NEWLINK:
	case RTM_DELLINK:
		if (!nlmsg_valid_hdr(h, sizeof(struct ifinfomsg)))
			return NL_SKIP;
		parse_link(h, &ev);
		break;
	case RTM_NEWADDR:
	case RTM_DELADDR:
		if (!nlmsg_valid_hdr(h, sizeof(struct ifaddrmsg)))
			return NL_SKIP;
		if (parse_addr(h, &ev) < 0)
			return NL_SKIP;
		break;
	default:
		return NL_SKIP;
	}
	m->cb(&ev, m->arg);
	return NL_OK;
}

int
tun_link_monitor_open(struct tun_link_monitor **mp, tun_link_cb *cb, void *arg)
{
	struct tun_link_monitor *m;
	int err;

	if ((m = calloc(1, sizeof(*m))) == NULL)
		return -ENOMEM;
	m->cb = cb;
	m->arg = arg;
	if ((m->sk = nl_socket_alloc()) == NULL) {
		free(m);
		return -ENOMEM;
	}
	nl_socket_disable_seq_check(m->sk);
	nl_socket_modify_cb(m->sk, NL_CB_VALID, NL_CB_CUSTOM, valid_cb, m);
	if ((err = nl_connect(m->sk, NETLINK_ROUTE)) < 0 ||
	    (err = nl_socket_add_memberships(m->sk, RTNLGRP_LINK,
		 RTNLGRP_IPV4_IFADDR, RTNLGRP_IPV6_IFADDR, 0)) < 0 ||
	    (err = nl_socket_set_nonblocking(m->sk)) < 0) {
		nl_socket_free(m->sk);
		free(m);
		return tun_nl_errno(err);
	}
	/* Larger bursts (many links flapping) before ENOBUFS. */
	nl_socket_set_buffer_size(m->sk, 1 << 20, 0);
	*mp = m;
	return 0;
}

void
tun_link_monitor_close(struct tun_link_monitor *m)
{
	if (m == NULL)
		return;
	nl_socket_free(m->sk);
	free(m);
}

int
tun_link_monitor_fd(const struct tun_link_monitor *m)
{
	return nl_socket_get_fd(m->sk);
}

int
tun_link_monitor_dispatch(struct tun_link_monitor *m)
{
	struct tun_link_event ev;
	int err, n;

	/* Bounded, so a storm cannot starve the loop; epoll fires again. */
	for (n = 0; n < 256; n++) {
		err = nl_recvmsgs_default(m->sk);
		if (err == -NLE_AGAIN)
			return 0;
		if (err == -NLE_NOMEM) {
			/* recvmsg ENOBUFS: the kernel dropped notifications. */
			memset(&ev, 0, sizeof(ev));
			ev.type = TUN_LINK_EV_RESYNC;
			m->cb(&ev, m->arg);
			continue;
		}
		if (err < 0)
			return tun_nl_errno(err);
	}
	return 0;
}

int
tun_link_monitor_dump(struct tun_link_monitor *m)
{
	static const int req[] = {RTM_GETLINK, RTM_GETADDR};
	struct nl_sock *sk = NULL;
	size_t i;
	int err;

	if ((err = sock_open(&sk)) < 0)
		return err;
	nl_socket_modify_cb(sk, NL_CB_VALID, NL_CB_CUSTOM, valid_cb, m);
	for (i = 0; i < sizeof(req) / sizeof(req[0]); i++) {
		if ((err = tun_nl_errno(nl_rtgen_request(
			 sk, req[i], AF_UNSPEC, NLM_F_DUMP))) < 0)
			break;
		if ((err = tun_nl_errno(nl_recvmsgs_default(sk))) < 0)
			break;
	}
	nl_socket_free(sk);
	return err < 0 ? err : 0;
}
