/* SPDX-License-Identifier: ISC */
/*
 * DOC: TUN devices
 *
 * The userspace datapath's tunnel interface is a TUN device: the kernel
 * routes inner packets into it, a worker reads them, wraps them in GRE and
 * ESP and sends them on a raw or UDP socket; the reverse path writes
 * decapsulated packets into it.  IFF_NO_PI because the protocol is in the
 * packet's version nibble anyway (and GRE's protocol type is derived from
 * it), and a header per packet would only cost a copy.  A hub's multipoint
 * TUN is opened with IFF_MULTI_QUEUE, one fd per worker, so the kernel
 * spreads flows over the workers (it hashes flows to queues).
 *
 * The device lives as long as its fds (not persistent, TUNSETPERSIST is never
 * set), so a crashed daemon leaves nothing behind.  A hitless restart passes
 * the fds to the new process instead (tun_set_adopt_hook).  Addresses, MTU and the
 * up flag are set over rtnetlink by the functions in link.c, never with
 * ioctls, so the same code configures kernel GRE links.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <gripd/tun.h>

#define TUN_PATH "/dev/net/tun"

bool
tun_name_valid(const char *name)
{
	size_t len, i;
	int pct = 0;

	if (name == NULL)
		return false;
	len = strnlen(name, IFNAMSIZ);
	/* dev_valid_name(): 1..IFNAMSIZ-1 bytes, no '/', ':' or space. */
	if (len == 0 || len >= IFNAMSIZ)
		return false;
	if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
		return false;
	for (i = 0; i < len; i++) {
		if (name[i] == '/' || name[i] == ':' || name[i] <= ' ' ||
		    name[i] == 0x7f)
			return false;
		if (name[i] == '%')
			pct++;
	}
	return pct <= 1;
}

void
tun_close(struct tun_dev *dev)
{
	unsigned i;

	for (i = 0; i < dev->nqueues && i < TUN_MAX_QUEUES; i++) {
		if (dev->fds[i] >= 0)
			close(dev->fds[i]);
		dev->fds[i] = -1;
	}
	dev->nqueues = 0;
	dev->ifindex = 0;
}

/*
 * /dev/net/tun is mode 0666 on a stock Debian, but some systems make it
 * root-only, and gripd creates tunnels after dropping root (a hub added by
 * a reload).  tun_reserve() opens descriptors while still root; tun_open()
 * uses one when its own open() is refused.  An opened, not yet attached
 * descriptor is exactly what TUNSETIFF needs, so nothing else changes.
 */
static int tun_pool[64];
static unsigned tun_pool_n;

int
tun_reserve(unsigned n)
{
	while (tun_pool_n < n &&
	       tun_pool_n < sizeof(tun_pool) / sizeof(*tun_pool)) {
		int fd = open(TUN_PATH, O_RDWR | O_NONBLOCK | O_CLOEXEC);
		if (fd < 0)
			return -errno;
		tun_pool[tun_pool_n++] = fd;
	}
	return 0;
}

int
tun_pool_adopt(int fd)
{
	if (tun_pool_n >= sizeof(tun_pool) / sizeof(*tun_pool))
		return -ENOSPC;
	tun_pool[tun_pool_n++] = fd;
	return 0;
}

unsigned
tun_pool_fds(const int **fds)
{
	*fds = tun_pool;
	return tun_pool_n;
}

/*
 * A restart hands the running TUN descriptors to the new process
 * (routed/handoff.c); tun_open() asks this hook for one before creating a
 * device, so the interface, its addresses and the routes through it never
 * go away.
 */
static int (*adopt_hook)(const char *ifname);

void
tun_set_adopt_hook(int (*take)(const char *ifname))
{
	adopt_hook = take;
}

/* The handed-over descriptor for name, checked to be that TUN, or -1. */
static int
tun_adopt(const char *name)
{
	struct ifreq ifr;
	int fd;

	if (adopt_hook == NULL || strchr(name, '%') != NULL ||
	    (fd = adopt_hook(name)) < 0)
		return -1;
	memset(&ifr, 0, sizeof(ifr));
	if (ioctl(fd, TUNGETIFF, &ifr) < 0 || strcmp(ifr.ifr_name, name) != 0 ||
	    (ifr.ifr_flags & (IFF_TUN | IFF_NO_PI | IFF_MULTI_QUEUE)) !=
		(IFF_TUN | IFF_NO_PI)) {
		close(fd);
		return -1;
	}
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	return fd;
}

static int
tun_open_fd(void)
{
	int fd = open(TUN_PATH, O_RDWR | O_NONBLOCK | O_CLOEXEC);

	if (fd < 0 && (errno == EACCES || errno == EPERM) && tun_pool_n > 0)
		return tun_pool[--tun_pool_n];
	return fd;
}

int
tun_open(struct tun_dev *dev, const char *name, unsigned nqueues)
{
	struct ifreq ifr;
	unsigned i;
	int fd, err;

	memset(dev, 0, sizeof(*dev));
	for (i = 0; i < TUN_MAX_QUEUES; i++)
		dev->fds[i] = -1;
	if (!tun_name_valid(name) || nqueues == 0 || nqueues > TUN_MAX_QUEUES)
		return -EINVAL;

	if (nqueues == 1 && (fd = tun_adopt(name)) >= 0) {
		dev->fds[0] = fd;
		dev->nqueues = 1;
		memcpy(dev->ifname, name, strlen(name) + 1);
		dev->ifindex = (int)if_nametoindex(dev->ifname);
		if (dev->ifindex == 0) {
			err = -errno;
			goto fail;
		}
		dev->adopted = true;
		return 0;
	}
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_TUN | IFF_NO_PI;
	if (nqueues > 1)
		ifr.ifr_flags |= IFF_MULTI_QUEUE;
	memcpy(ifr.ifr_name, name, strlen(name) + 1);

	for (i = 0; i < nqueues; i++) {
		fd = tun_open_fd();
		if (fd < 0) {
			err = -errno;
			goto fail;
		}
		dev->fds[i] = fd;
		dev->nqueues = i + 1;
		if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
			err = -errno;
			goto fail;
		}
		/* Later queues attach to the name the kernel chose. */
		if (i == 0)
			memcpy(dev->ifname, ifr.ifr_name, IFNAMSIZ);
		dev->ifname[IFNAMSIZ - 1] = '\0';
	}
	dev->ifindex = (int)if_nametoindex(dev->ifname);
	if (dev->ifindex == 0) {
		err = -errno;
		goto fail;
	}
	return 0;
fail:
	tun_close(dev);
	return err;
}
