// SPDX-License-Identifier: ISC
/*
 * tunudp: the no-crypto ceiling of a userspace TUN datapath.
 *
 * Carries every packet of a TUN device (IFF_TUN|IFF_NO_PI) unchanged in
 * one UDP datagram to the peer, and every datagram from the peer back into
 * the TUN: no GRE header, no ESP, no copy beyond the two system calls a
 * userspace datapath cannot avoid.  One thread per direction:
 *
 *   tun -> udp   poll, then read() the TUN until EAGAIN or BATCH packets,
 *                one sendmmsg() for the batch
 *   udp -> tun   recvmmsg(MSG_WAITFORONE) up to BATCH datagrams, one
 *                write() each into the TUN (a TUN takes one packet a call)
 *
 * gripd's userspace datapath does strictly more work per packet (GRE,
 * ESP, anti-replay), so its throughput over this program's is the share
 * of the ceiling it reaches.  Benchmark tool only: it trusts its peer and
 * drops nothing but what the kernel drops.
 *
 * usage: tunudp IFNAME LOCAL-IPV4 REMOTE-IPV4 [PORT]
 * The caller configures the TUN (address, MTU, up).  SIGTERM/SIGINT end
 * it; the packet counters go to stderr at exit.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#define BATCH	64
#define PKTMAX	65536

static int tun_fd = -1, udp_fd = -1;
/* Packets TUN->UDP and UDP->TUN; packets dropped on the way; read errors. */
static atomic_ulong tx_pkts, rx_pkts, tx_drops, rx_drops, rd_errs;

static void *
tun_to_udp(void *arg)
{
	static uint8_t bufs[BATCH][PKTMAX];
	struct mmsghdr msgs[BATCH];
	struct iovec iov[BATCH];
	struct pollfd pfd = { .fd = tun_fd, .events = POLLIN };

	(void)arg;
	memset(msgs, 0, sizeof(msgs));
	for (;;) {
		int n = 0;

		if (poll(&pfd, 1, -1) < 0) {
			if (errno == EINTR)
				continue;
			perror("tunudp: poll");
			exit(1);
		}
		while (n < BATCH) {
			ssize_t r = read(tun_fd, bufs[n], PKTMAX);

			if (r < 0) {
				if (errno != EAGAIN && errno != EINTR)
					rd_errs++;
				break;
			}
			iov[n].iov_base = bufs[n];
			iov[n].iov_len = (size_t)r;
			msgs[n].msg_hdr.msg_iov = &iov[n];
			msgs[n].msg_hdr.msg_iovlen = 1;
			n++;
		}
		for (int off = 0; off < n;) {
			int s = sendmmsg(udp_fd, msgs + off, (unsigned)(n - off), 0);

			if (s < 0) {
				/* ENOBUFS/ECONNREFUSED: count, drop the batch. */
				tx_drops += (unsigned long)(n - off);
				break;
			}
			tx_pkts += (unsigned long)s;
			off += s;
		}
	}
	return NULL;
}

static void *
udp_to_tun(void *arg)
{
	static uint8_t bufs[BATCH][PKTMAX];
	struct mmsghdr msgs[BATCH];
	struct iovec iov[BATCH];

	(void)arg;
	for (;;) {
		memset(msgs, 0, sizeof(msgs));
		for (int i = 0; i < BATCH; i++) {
			iov[i].iov_base = bufs[i];
			iov[i].iov_len = PKTMAX;
			msgs[i].msg_hdr.msg_iov = &iov[i];
			msgs[i].msg_hdr.msg_iovlen = 1;
		}
		int n = recvmmsg(udp_fd, msgs, BATCH, MSG_WAITFORONE, NULL);

		if (n < 0) {
			if (errno != EINTR && errno != ECONNREFUSED)
				rd_errs++;
			continue;
		}
		for (int i = 0; i < n; i++) {
			if (write(tun_fd, bufs[i], msgs[i].msg_len) < 0)
				rx_drops++;
			else
				rx_pkts++;
		}
	}
	return NULL;
}

int
main(int argc, char **argv)
{
	struct sockaddr_in la = { .sin_family = AF_INET }, ra = { .sin_family = AF_INET };
	struct ifreq ifr;
	pthread_t t1, t2;
	sigset_t ss;
	int sig, one = 1, bufsz = 4 << 20;
	unsigned port = argc > 4 ? (unsigned)atoi(argv[4]) : 4789;

	if (argc < 4 || strlen(argv[1]) >= IFNAMSIZ ||
	    inet_pton(AF_INET, argv[2], &la.sin_addr) != 1 ||
	    inet_pton(AF_INET, argv[3], &ra.sin_addr) != 1 || port == 0 || port > 65535) {
		fprintf(stderr, "usage: tunudp IFNAME LOCAL-IPV4 REMOTE-IPV4 [PORT]\n");
		return 2;
	}
	la.sin_port = ra.sin_port = htons((uint16_t)port);

	if ((tun_fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC)) < 0) {
		perror("tunudp: /dev/net/tun");
		return 1;
	}
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_TUN | IFF_NO_PI;
	strncpy(ifr.ifr_name, argv[1], IFNAMSIZ - 1);
	if (ioctl(tun_fd, TUNSETIFF, &ifr) < 0) {
		perror("tunudp: TUNSETIFF");
		return 1;
	}
	fcntl(tun_fd, F_SETFL, fcntl(tun_fd, F_GETFL) | O_NONBLOCK);

	if ((udp_fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0)) < 0) {
		perror("tunudp: socket");
		return 1;
	}
	setsockopt(udp_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	setsockopt(udp_fd, SOL_SOCKET, SO_RCVBUF, &bufsz, sizeof(bufsz));
	setsockopt(udp_fd, SOL_SOCKET, SO_SNDBUF, &bufsz, sizeof(bufsz));
	if (bind(udp_fd, (struct sockaddr *)&la, sizeof(la)) < 0 ||
	    connect(udp_fd, (struct sockaddr *)&ra, sizeof(ra)) < 0) {
		perror("tunudp: bind/connect");
		return 1;
	}

	/* Signals go to this thread only; the workers never see them. */
	sigemptyset(&ss);
	sigaddset(&ss, SIGTERM);
	sigaddset(&ss, SIGINT);
	pthread_sigmask(SIG_BLOCK, &ss, NULL);
	if (pthread_create(&t1, NULL, tun_to_udp, NULL) != 0 ||
	    pthread_create(&t2, NULL, udp_to_tun, NULL) != 0) {
		fprintf(stderr, "tunudp: pthread_create failed\n");
		return 1;
	}
	fprintf(stderr, "tunudp: %s %s:%u <-> %s:%u ready\n", argv[1], argv[2], port,
	    argv[3], port);
	sigwait(&ss, &sig);
	fprintf(stderr, "tunudp: tun->udp %lu (dropped %lu), udp->tun %lu (dropped %lu), "
	    "read errors %lu\n", (unsigned long)tx_pkts, (unsigned long)tx_drops,
	    (unsigned long)rx_pkts, (unsigned long)rx_drops, (unsigned long)rd_errs);
	return 0;
}
