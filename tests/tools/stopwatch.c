/* SPDX-License-Identifier: ISC */
/*
 * DOC: stopwatch - a packet-loss stopwatch for measuring failover outages
 *
 * One program, two modes.  The sender emits numbered UDP datagrams on a fixed
 * schedule; the receiver counts them and reports the longest silence, which
 * during a failover test is the outage.
 *
 *   stopwatch send --to ADDR:PORT [--from ADDR[:PORT]] [--rate PPS]
 *                  (--duration SECONDS | --count N) [--size BYTES] [--id N]
 *   stopwatch recv --listen ADDR:PORT [--duration S] [--until-idle S]
 *                  [--expect N] [--id N] [--rate PPS] [--gap-threshold-ms MS]
 *                  [--json FILE]
 *
 * IPv6 addresses take brackets: [2001:db8::1]:9000.  Both modes print one
 * JSON line at the end (recv: to stdout or atomically to --json FILE).
 *
 * Wire format (network byte order, 40 bytes, zero padding up to --size):
 *
 *   offset  size  field
 *        0     4  magic 0x47535731 ("GSW1")
 *        4     4  run id
 *        8     8  sequence number: 0, 1, 2, ...
 *       16     8  CLOCK_MONOTONIC at send, ns
 *       24     8  CLOCK_REALTIME at send, ns
 *       32     4  the sender's rate, pps (receivers need no --rate)
 *       36     4  flags, 0
 *
 * Sender.  Slot i is due at t0 + i / rate (integer nanoseconds, computed from
 * i so rounding never accumulates: the rate does not drift).  The sender
 * sleeps with clock_nanosleep(TIMER_ABSTIME) to each deadline.  When it is
 * late (descheduled), it catches up at no more than twice the rate, so a
 * stall never turns into a burst; after a stall longer than one second the
 * schedule is re-anchored (schedule_resets).  Every slot consumes a sequence
 * number whether or not the send succeeds; send errors (ENETUNREACH, EPERM,
 * EINVAL from a blackhole route, ENOBUFS, EAGAIN...) are counted per errno and
 * never stop the run, because during a failover the route may vanish for a
 * while.  "sent" counts datagrams the kernel accepted, "attempted" the slots.
 *
 * Receiver.  recvmmsg() batches of 64 into static buffers, nothing allocated
 * per packet.  The receive time of each datagram is the kernel timestamp
 * (SO_TIMESTAMPNS, CLOCK_REALTIME) mapped onto CLOCK_MONOTONIC with an offset
 * sampled right after each batch, so a receiver that was slow to wake does
 * not see a gap that the network did not have.  Distinct sequence numbers are
 * tracked in a 2^24-bit ring bitmap (2 MiB) to find duplicates and reordering.
 * The kernel's count of datagrams dropped at our socket (SO_RXQ_OVFL) is
 * reported as rx_overflow: non-zero means the receiver, not the network, lost
 * packets.
 *
 * recv JSON fields:
 *   received            distinct sequence numbers received
 *   lost                expected - received; expected is --expect, else
 *                       highest seq + 1 (so loss at the very end of a run is
 *                       only seen with --expect)
 *   duplicates          datagrams whose seq was already received
 *   reordered           datagrams with a seq below the highest one seen
 *   first_seq/last_seq  lowest / highest seq received (null if none)
 *   longest_gap_ms      longest interval between consecutive datagrams by
 *                       receive time (CLOCK_MONOTONIC): the outage
 *   gap_start_seq/gap_end_seq  the seqs received just before / after it
 *   lost_in_longest_gap gap_end_seq - gap_start_seq - 1 (0 if reordered)
 *   gaps_over_ms        [{start_seq,end_seq,ms}] for every gap above the
 *                       threshold (--gap-threshold-ms, default 3 send
 *                       intervals); at most 1000, then gaps_truncated
 *   loss_ms             lost / rate: the outage by sequence numbers; rate is
 *                       --rate, else the rate carried in the packets
 *   rate_pps            observed: received / time between first and last
 *   delay_ms            {min,avg,max} one-way delay from the sender's
 *                       CLOCK_MONOTONIC stamp; only meaningful when sender and
 *                       receiver share a clock (same host, netns tests)
 *   malformed, foreign  datagrams too short / with a bad magic, and ones of
 *                       another run id (--id, else the first one seen)
 *
 * recv stops when --duration is over, when --until-idle seconds pass without
 * a datagram (only after the first one), when --expect distinct seqs have
 * arrived, or on SIGINT/SIGTERM.  It prints "stopwatch: listening on ..." on
 * stderr once the socket is bound, for scripts to wait on.
 *
 * Exit status: 0 with the JSON written, 1 on a runtime error, 2 on bad usage.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define SW_MAGIC 0x47535731u /* "GSW1" */
#define SW_HDR_LEN 40
#define SW_SIZE_MAX 65000
#define SW_RATE_MAX 1000000
#define SW_BATCH 64
#define SW_RXBUF 256 /* only the header matters; longer datagrams truncate */
#define SW_CTLBUF 128
#define SW_WINDOW_BITS 24 /* distinct-seq ring: 2^24 seqs, 2 MiB */
#define SW_GAPS_MAX 1000
#define SW_ERRNO_MAX 256
#define SW_RESET_NS 1000000000LL /* re-anchor after a 1 s stall */
#define NS_PER_S 1000000000LL

struct sw_hdr {
	uint32_t magic;
	uint32_t id;
	uint64_t seq;
	uint64_t mono_ns;
	uint64_t real_ns;
	uint32_t rate;
	uint32_t flags;
};

/* --- wire codec: pure, no globals ----------------------------------------- */

static void
put32(uint8_t *p, uint32_t v)
{
	p[0] = v >> 24;
	p[1] = v >> 16;
	p[2] = v >> 8;
	p[3] = v;
}

static void
put64(uint8_t *p, uint64_t v)
{
	put32(p, v >> 32);
	put32(p + 4, (uint32_t)v);
}

static uint32_t
get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

static uint64_t
get64(const uint8_t *p)
{
	return (uint64_t)get32(p) << 32 | get32(p + 4);
}

static void
sw_encode(uint8_t *buf, const struct sw_hdr *h)
{
	put32(buf, h->magic);
	put32(buf + 4, h->id);
	put64(buf + 8, h->seq);
	put64(buf + 16, h->mono_ns);
	put64(buf + 24, h->real_ns);
	put32(buf + 32, h->rate);
	put32(buf + 36, h->flags);
}

/* Returns 0, or -EMSGSIZE (short) / -EBADMSG (not ours). */
static int
sw_decode(const uint8_t *buf, size_t len, struct sw_hdr *h)
{
	if (len < SW_HDR_LEN)
		return -EMSGSIZE;
	h->magic = get32(buf);
	if (h->magic != SW_MAGIC)
		return -EBADMSG;
	h->id = get32(buf + 4);
	h->seq = get64(buf + 8);
	h->mono_ns = get64(buf + 16);
	h->real_ns = get64(buf + 24);
	h->rate = get32(buf + 32);
	h->flags = get32(buf + 36);
	return 0;
}

/* --- helpers -------------------------------------------------------------- */

static int64_t
now_ns(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return (int64_t)ts.tv_sec * NS_PER_S + ts.tv_nsec;
}

static void
ns_to_ts(int64_t ns, struct timespec *ts)
{
	ts->tv_sec = ns / NS_PER_S;
	ts->tv_nsec = ns % NS_PER_S;
}

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: stopwatch send --to ADDR:PORT [--from ADDR[:PORT]] "
	    "[--rate PPS]\n"
	    "                      (--duration S | --count N) [--size BYTES] "
	    "[--id N]\n"
	    "       stopwatch recv --listen ADDR:PORT [--duration S] "
	    "[--until-idle S]\n"
	    "                      [--expect N] [--id N] [--rate PPS] "
	    "[--gap-threshold-ms MS]\n"
	    "                      [--json FILE]\n"
	    "IPv6: [2001:db8::1]:9000.  Defaults: --rate 2000, --size 64.\n");
}

static const char *
errno_name(int e)
{
	switch (e) {
	case ENETUNREACH:
		return "ENETUNREACH";
	case EHOSTUNREACH:
		return "EHOSTUNREACH";
	case EPERM:
		return "EPERM";
	case EACCES:
		return "EACCES";
	case EINVAL:
		return "EINVAL";
	case ENOBUFS:
		return "ENOBUFS";
	case EAGAIN:
		return "EAGAIN";
	case ENETDOWN:
		return "ENETDOWN";
	case EADDRNOTAVAIL:
		return "EADDRNOTAVAIL";
	case ECONNREFUSED:
		return "ECONNREFUSED";
	case EMSGSIZE:
		return "EMSGSIZE";
	case ENOMEM:
		return "ENOMEM";
	case ENODEV:
		return "ENODEV";
	case ENXIO:
		return "ENXIO";
	default:
		return NULL;
	}
}

/* Parses a decimal number into [min, max]; returns 0 or -EINVAL. */
static int
parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	char *end;
	unsigned long long v;

	if (*s == '\0' || *s == '-')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || *end || v < min || v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

/* Seconds (may be fractional) into ns, > 0; returns 0 or -EINVAL. */
static int
parse_secs(const char *s, int64_t *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || *end || end == s || !(v > 0) || v > 1e6)
		return -EINVAL;
	*out = (int64_t)(v * NS_PER_S + 0.5);
	return 0;
}

/*
 * Resolves "ADDR:PORT", "[V6]:PORT" or, with port_optional, "ADDR" / "[V6]" /
 * a bare IPv6 address.  Returns 0 or -EINVAL; err says why.
 */
static int
parse_sockaddr(const char *arg, bool port_optional, int family,
    struct sockaddr_storage *ss, socklen_t *sslen, char *err, size_t errlen)
{
	char host[256], port[16] = "0";
	const char *colon;
	struct addrinfo hints, *res;
	int rc;

	if (arg[0] == '[') {
		const char *rb = strchr(arg, ']');

		if (!rb || (size_t)(rb - arg - 1) >= sizeof(host)) {
			snprintf(err, errlen, "'%s': unbalanced [", arg);
			return -EINVAL;
		}
		memcpy(host, arg + 1, rb - arg - 1);
		host[rb - arg - 1] = '\0';
		if (rb[1] == ':')
			snprintf(port, sizeof(port), "%s", rb + 2);
		else if (rb[1] != '\0' || !port_optional) {
			snprintf(
			    err, errlen, "'%s': expected [ADDR]:PORT", arg);
			return -EINVAL;
		}
	} else if ((colon = strrchr(arg, ':')) && strchr(arg, ':') == colon) {
		if ((size_t)(colon - arg) >= sizeof(host)) {
			snprintf(err, errlen, "'%s': address too long", arg);
			return -EINVAL;
		}
		memcpy(host, arg, colon - arg);
		host[colon - arg] = '\0';
		snprintf(port, sizeof(port), "%s", colon + 1);
	} else if (port_optional || colon) {
		/* no port, or a bare IPv6 address (port_optional only) */
		if (colon && !port_optional) {
			snprintf(err, errlen, "'%s': write IPv6 as [ADDR]:PORT",
			    arg);
			return -EINVAL;
		}
		snprintf(host, sizeof(host), "%s", arg);
	} else {
		snprintf(err, errlen, "'%s': expected ADDR:PORT", arg);
		return -EINVAL;
	}
	if (!port_optional && strcmp(port, "0") == 0) {
		snprintf(err, errlen, "'%s': port 0", arg);
		return -EINVAL;
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = family;
	hints.ai_socktype = SOCK_DGRAM;
	hints.ai_flags = AI_NUMERICSERV;
	rc = getaddrinfo(host, port, &hints, &res);
	if (rc) {
		snprintf(err, errlen, "'%s': %s", arg, gai_strerror(rc));
		return -EINVAL;
	}
	memcpy(ss, res->ai_addr, res->ai_addrlen);
	*sslen = res->ai_addrlen;
	freeaddrinfo(res);
	return 0;
}

static void
fmt_sockaddr(const struct sockaddr_storage *ss, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN] = "?";
	unsigned port = 0;

	if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const void *)ss;

		inet_ntop(AF_INET6, &s6->sin6_addr, a, sizeof(a));
		port = ntohs(s6->sin6_port);
		snprintf(buf, len, "[%s]:%u", a, port);
	} else {
		const struct sockaddr_in *s4 = (const void *)ss;

		inet_ntop(AF_INET, &s4->sin_addr, a, sizeof(a));
		port = ntohs(s4->sin_port);
		snprintf(buf, len, "%s:%u", a, port);
	}
}

/* --- send ----------------------------------------------------------------- */

static volatile sig_atomic_t send_stop;

static void
on_signal(int sig)
{
	(void)sig;
	send_stop = 1;
}

struct send_opts {
	struct sockaddr_storage to, from;
	socklen_t tolen, fromlen;
	bool have_from;
	uint64_t rate, count, size, id;
	int64_t duration_ns;
};

struct send_stats {
	uint64_t attempted, sent, errors;
	uint64_t by_errno[SW_ERRNO_MAX], other_errno;
	int64_t first_error_seq, last_error_seq;
	int64_t max_late_ns;
	uint64_t resets;
	int64_t t_first, t_last;
};

/* Deadline of slot i of a schedule anchored at (t0, i0); exact, no drift. */
static int64_t
slot_due(int64_t t0, uint64_t i0, uint64_t i, uint64_t rate)
{
	uint64_t k = i - i0;

	return t0 +
	       (int64_t)((k / rate) * NS_PER_S + (k % rate) * NS_PER_S / rate);
}

static void
send_report(const struct send_opts *o, const struct send_stats *st)
{
	int64_t interval = NS_PER_S / (int64_t)o->rate;
	double dur =
	    st->attempted
		? (double)(st->t_last - st->t_first + interval) / NS_PER_S
		: 0;
	bool first = true;

	printf("{\"sent\":%" PRIu64 ",\"attempted\":%" PRIu64
	       ",\"send_errors\":%" PRIu64 ",\"errors\":{",
	    st->sent, st->attempted, st->errors);
	for (int e = 0; e < SW_ERRNO_MAX; e++) {
		const char *n;
		char nb[16];

		if (!st->by_errno[e])
			continue;
		n = errno_name(e);
		if (!n) {
			snprintf(nb, sizeof(nb), "E%d", e);
			n = nb;
		}
		printf(
		    "%s\"%s\":%" PRIu64, first ? "" : ",", n, st->by_errno[e]);
		first = false;
	}
	if (st->other_errno)
		printf(
		    "%s\"other\":%" PRIu64, first ? "" : ",", st->other_errno);
	printf("},\"first_error_seq\":");
	if (st->errors)
		printf("%" PRId64 ",\"last_error_seq\":%" PRId64,
		    st->first_error_seq, st->last_error_seq);
	else
		printf("null,\"last_error_seq\":null");
	printf(",\"rate\":%" PRIu64 ",\"achieved_pps\":%.1f"
	       ",\"duration_s\":%.6f,\"id\":%" PRIu64 ",\"size\":%" PRIu64
	       ",\"max_late_us\":%.1f,\"schedule_resets\":%" PRIu64 "}\n",
	    o->rate, dur > 0 ? st->attempted / dur : 0.0, dur, o->id, o->size,
	    st->max_late_ns / 1e3, st->resets);
	fflush(stdout);
}

static int
send_run(const struct send_opts *o)
{
	static uint8_t buf[SW_SIZE_MAX];
	static struct send_stats st;
	struct sw_hdr h = {.magic = SW_MAGIC,
	    .id = (uint32_t)o->id,
	    .rate = (uint32_t)o->rate};
	struct sigaction sa;
	int64_t t0, half = NS_PER_S / (int64_t)o->rate / 2, last_send = 0;
	uint64_t i0 = 0;
	char dst[80];
	int fd;

	fd = socket(o->to.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		fprintf(stderr, "stopwatch: socket: %s\n", strerror(errno));
		return -errno;
	}
	if (o->have_from && bind(fd, (const void *)&o->from, o->fromlen) < 0) {
		int e = errno;

		fprintf(stderr, "stopwatch: bind --from: %s\n", strerror(e));
		close(fd);
		return -e;
	}
	/* A sleep must not overshoot by the default 50 us slack. */
	prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal; /* no SA_RESTART: interrupt the sleep */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	fmt_sockaddr(&o->to, dst, sizeof(dst));
	fprintf(stderr,
	    "stopwatch: sending %" PRIu64 " datagrams of %" PRIu64
	    " bytes to %s at %" PRIu64 " pps, id %" PRIu64 "\n",
	    o->count, o->size, dst, o->rate, o->id);

	st.max_late_ns = 0;
	t0 = now_ns(CLOCK_MONOTONIC);
	for (uint64_t i = 0; i < o->count && !send_stop; i++) {
		int64_t due = slot_due(t0, i0, i, o->rate), target = due, now;
		ssize_t n;

		/* Catch up at most at twice the rate: never a burst. */
		if (i > 0 && target < last_send + half)
			target = last_send + half;
		now = now_ns(CLOCK_MONOTONIC);
		if (target > now) {
			struct timespec ts;

			ns_to_ts(target, &ts);
			while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME,
				   &ts, NULL) == EINTR &&
			       !send_stop)
				;
			if (send_stop)
				break;
			now = now_ns(CLOCK_MONOTONIC);
		}
		if (now - due > st.max_late_ns)
			st.max_late_ns = now - due;
		if (now - due > SW_RESET_NS) {
			/* A long stall: restart the schedule from here. */
			t0 = now;
			i0 = i;
			st.resets++;
		}
		h.seq = i;
		h.mono_ns = (uint64_t)now;
		h.real_ns = (uint64_t)now_ns(CLOCK_REALTIME);
		sw_encode(buf, &h);
		n = sendto(fd, buf, o->size, MSG_DONTWAIT, (const void *)&o->to,
		    o->tolen);
		if (n < 0) {
			int e = errno;

			if (e < SW_ERRNO_MAX)
				st.by_errno[e]++;
			else
				st.other_errno++;
			if (!st.errors++)
				st.first_error_seq = (int64_t)i;
			st.last_error_seq = (int64_t)i;
			if (st.by_errno[e < SW_ERRNO_MAX ? e : 0] == 1)
				fprintf(stderr,
				    "stopwatch: seq %" PRIu64
				    ": %s (counted, continuing)\n",
				    i, strerror(e));
		} else {
			st.sent++;
		}
		if (!st.attempted++)
			st.t_first = now;
		st.t_last = now;
		last_send = now;
	}
	close(fd);
	send_report(o, &st);
	return 0;
}

static int
send_main(int argc, char **argv)
{
	static const struct option lo[] = {
	    {"to", required_argument, NULL, 't'},
	    {"from", required_argument, NULL, 'f'},
	    {"rate", required_argument, NULL, 'r'},
	    {"duration", required_argument, NULL, 'd'},
	    {"count", required_argument, NULL, 'c'},
	    {"size", required_argument, NULL, 's'},
	    {"id", required_argument, NULL, 'i'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	struct send_opts o = {.rate = 2000, .size = 64};
	const char *to = NULL, *from = NULL;
	bool have_id = false;
	char err[300];
	int c, li = 0;

	while ((c = getopt_long(argc, argv, "h", lo, &li)) != -1) {
		switch (c) {
		case 't':
			to = optarg;
			break;
		case 'f':
			from = optarg;
			break;
		case 'r':
			if (parse_u64(optarg, 1, SW_RATE_MAX, &o.rate))
				goto bad;
			break;
		case 'd':
			if (parse_secs(optarg, &o.duration_ns))
				goto bad;
			break;
		case 'c':
			if (parse_u64(optarg, 1, UINT64_MAX / 2, &o.count))
				goto bad;
			break;
		case 's':
			if (parse_u64(optarg, SW_HDR_LEN, SW_SIZE_MAX, &o.size))
				goto bad;
			break;
		case 'i':
			if (parse_u64(optarg, 0, UINT32_MAX, &o.id))
				goto bad;
			have_id = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc || !to || (!o.count && !o.duration_ns)) {
		fprintf(stderr, "stopwatch send: need --to and one of "
				"--duration / --count\n");
		usage(stderr);
		return 2;
	}
	if (o.duration_ns) {
		/* Slots whose deadline falls inside the duration. */
		uint64_t n = (uint64_t)((double)o.duration_ns * (double)o.rate /
					    NS_PER_S +
					0.5);

		if (n < 1)
			n = 1;
		if (!o.count || n < o.count)
			o.count = n;
	}
	if (parse_sockaddr(
		to, false, AF_UNSPEC, &o.to, &o.tolen, err, sizeof(err))) {
		fprintf(stderr, "stopwatch send: --to %s\n", err);
		return 2;
	}
	if (from) {
		if (parse_sockaddr(from, true, o.to.ss_family, &o.from,
			&o.fromlen, err, sizeof(err))) {
			fprintf(stderr, "stopwatch send: --from %s\n", err);
			return 2;
		}
		o.have_from = true;
	}
	if (!have_id)
		o.id = ((uint64_t)getpid() << 12 ^
			   (uint64_t)now_ns(CLOCK_REALTIME)) &
		       UINT32_MAX;
	return send_run(&o) ? 1 : 0;
bad:
	fprintf(stderr, "stopwatch send: bad value '%s' for --%s\n", optarg,
	    lo[li].name);
	return 2;
}

/* --- recv ----------------------------------------------------------------- */

struct gap {
	uint64_t start_seq, end_seq;
	int64_t ns;
};

struct recv_opts {
	struct sockaddr_storage listen;
	socklen_t listenlen;
	int64_t duration_ns, idle_ns, gap_threshold_ns;
	uint64_t expect, id, rate;
	bool have_id, have_expect;
	const char *json;
};

struct recv_state {
	uint64_t *bitmap; /* ring of 2^SW_WINDOW_BITS seqs */
	bool locked;	  /* run id known */
	uint32_t id;
	uint32_t pkt_rate; /* from the packets */
	uint64_t received, duplicates, reordered, datagrams;
	uint64_t malformed, foreign, stale;
	uint64_t lo_seq, hi_seq;
	bool any;
	int64_t first_rx, last_rx; /* CLOCK_MONOTONIC, ns */
	uint64_t last_seq_rx;	   /* seq of the last datagram by arrival */
	struct gap longest;
	struct gap gaps[SW_GAPS_MAX];
	size_t ngaps;
	uint64_t gaps_truncated;
	int64_t gap_threshold_ns;
	int64_t delay_min, delay_max;
	double delay_sum;
	uint64_t delay_n;
	uint32_t rxq_ovfl;
	int64_t wake_last; /* when the last batch arrived (for --until-idle) */
};

#define WIN ((uint64_t)1 << SW_WINDOW_BITS)

static bool
bit_test(const uint64_t *b, uint64_t seq)
{
	seq &= WIN - 1;
	return b[seq / 64] >> (seq % 64) & 1;
}

static void
bit_set(uint64_t *b, uint64_t seq)
{
	seq &= WIN - 1;
	b[seq / 64] |= (uint64_t)1 << (seq % 64);
}

static void
bit_clear(uint64_t *b, uint64_t seq)
{
	seq &= WIN - 1;
	b[seq / 64] &= ~((uint64_t)1 << (seq % 64));
}

/* Accounts one valid datagram of our run, received at rx (monotonic ns). */
static void
recv_account(struct recv_state *s, const struct recv_opts *o,
    const struct sw_hdr *h, int64_t rx)
{
	uint64_t seq = h->seq;
	int64_t delay = rx - (int64_t)h->mono_ns;

	s->datagrams++;
	if (!s->any) {
		s->any = true;
		s->lo_seq = s->hi_seq = seq;
		s->first_rx = rx;
		bit_set(s->bitmap, seq);
		s->received++;
		s->pkt_rate = h->rate;
		if (!s->gap_threshold_ns) {
			uint64_t r = o->rate ? o->rate : h->rate;

			s->gap_threshold_ns =
			    r ? 3 * NS_PER_S / (int64_t)r : NS_PER_S / 100;
		}
	} else {
		int64_t gap = rx - s->last_rx;

		if (gap < 0) /* clock offset jitter between batches */
			gap = 0;
		if (gap > s->longest.ns) {
			s->longest.ns = gap;
			s->longest.start_seq = s->last_seq_rx;
			s->longest.end_seq = seq;
		}
		if (gap > s->gap_threshold_ns) {
			if (s->ngaps < SW_GAPS_MAX)
				s->gaps[s->ngaps++] =
				    (struct gap){s->last_seq_rx, seq, gap};
			else
				s->gaps_truncated++;
		}
		if (seq > s->hi_seq) {
			uint64_t jump = seq - s->hi_seq;

			/* Forget what the ring held for the seqs now ahead. */
			if (jump >= WIN)
				memset(s->bitmap, 0, WIN / 8);
			else
				for (uint64_t q = s->hi_seq + 1; q <= seq; q++)
					bit_clear(s->bitmap, q);
			s->hi_seq = seq;
			bit_set(s->bitmap, seq);
			s->received++;
		} else if (s->hi_seq - seq >= WIN) {
			/* Older than the ring: cannot tell a duplicate. */
			s->stale++;
			s->reordered++;
			s->received++;
		} else if (bit_test(s->bitmap, seq)) {
			s->duplicates++;
		} else {
			bit_set(s->bitmap, seq);
			s->received++;
			s->reordered++;
		}
		if (seq < s->lo_seq)
			s->lo_seq = seq;
	}
	s->last_rx = rx;
	s->last_seq_rx = seq;
	if (!s->delay_n || delay < s->delay_min)
		s->delay_min = delay;
	if (!s->delay_n || delay > s->delay_max)
		s->delay_max = delay;
	s->delay_sum += (double)delay;
	s->delay_n++;
}

static void
recv_datagram(struct recv_state *s, const struct recv_opts *o,
    const uint8_t *buf, size_t len, int64_t rx)
{
	struct sw_hdr h;

	if (sw_decode(buf, len, &h)) {
		s->malformed++;
		return;
	}
	if (!s->locked) {
		s->id = o->have_id ? (uint32_t)o->id : h.id;
		s->locked = true;
	}
	if (h.id != s->id) {
		s->foreign++;
		return;
	}
	recv_account(s, o, &h, rx);
}

static int
recv_report(
    const struct recv_state *s, const struct recv_opts *o, int64_t ran_ns)
{
	uint64_t expected = o->have_expect ? o->expect
			    : s->any	   ? s->hi_seq + 1
					   : 0;
	uint64_t rate = o->rate ? o->rate : s->pkt_rate;
	int64_t lost = (int64_t)expected - (int64_t)s->received;
	char *text = NULL;
	size_t textlen = 0;
	FILE *f = open_memstream(&text, &textlen);
	int rc = 0;

	if (!f)
		return -errno;
	fprintf(f,
	    "{\"received\":%" PRIu64 ",\"lost\":%" PRId64
	    ",\"expected\":%" PRIu64 ",\"duplicates\":%" PRIu64
	    ",\"reordered\":%" PRIu64,
	    s->received, lost, expected, s->duplicates, s->reordered);
	if (s->any)
		fprintf(f, ",\"first_seq\":%" PRIu64 ",\"last_seq\":%" PRIu64,
		    s->lo_seq, s->hi_seq);
	else
		fprintf(f, ",\"first_seq\":null,\"last_seq\":null");
	fprintf(f, ",\"longest_gap_ms\":%.3f", s->longest.ns / 1e6);
	if (s->longest.ns > 0)
		fprintf(f,
		    ",\"gap_start_seq\":%" PRIu64 ",\"gap_end_seq\":%" PRIu64
		    ",\"lost_in_longest_gap\":%" PRIu64,
		    s->longest.start_seq, s->longest.end_seq,
		    s->longest.end_seq > s->longest.start_seq
			? s->longest.end_seq - s->longest.start_seq - 1
			: 0);
	else
		fprintf(f, ",\"gap_start_seq\":null,\"gap_end_seq\":null"
			   ",\"lost_in_longest_gap\":0");
	fprintf(f, ",\"gap_threshold_ms\":%.3f,\"gaps_over_ms\":[",
	    s->gap_threshold_ns / 1e6);
	for (size_t i = 0; i < s->ngaps; i++)
		fprintf(f,
		    "%s{\"start_seq\":%" PRIu64 ",\"end_seq\":%" PRIu64
		    ",\"ms\":%.3f}",
		    i ? "," : "", s->gaps[i].start_seq, s->gaps[i].end_seq,
		    s->gaps[i].ns / 1e6);
	fprintf(f, "],\"gaps_truncated\":%" PRIu64, s->gaps_truncated);
	if (rate)
		fprintf(f, ",\"rate\":%" PRIu64 ",\"loss_ms\":%.3f", rate,
		    (lost > 0 ? lost : 0) * 1e3 / (double)rate);
	else
		fprintf(f, ",\"rate\":null,\"loss_ms\":null");
	fprintf(f, ",\"rate_pps\":%.1f",
	    s->received > 1 && s->last_rx > s->first_rx
		? (double)(s->received - 1) * NS_PER_S /
		      (double)(s->last_rx - s->first_rx)
		: 0.0);
	if (s->delay_n)
		fprintf(f,
		    ",\"delay_ms\":{\"min\":%.3f,\"avg\":%.3f,"
		    "\"max\":%.3f}",
		    s->delay_min / 1e6, s->delay_sum / (double)s->delay_n / 1e6,
		    s->delay_max / 1e6);
	else
		fprintf(f, ",\"delay_ms\":null");
	fprintf(f,
	    ",\"datagrams\":%" PRIu64 ",\"malformed\":%" PRIu64
	    ",\"foreign\":%" PRIu64 ",\"stale\":%" PRIu64
	    ",\"rx_overflow\":%" PRIu32,
	    s->datagrams, s->malformed, s->foreign, s->stale, s->rxq_ovfl);
	if (s->locked)
		fprintf(f, ",\"id\":%" PRIu32, s->id);
	else
		fprintf(f, ",\"id\":null");
	fprintf(f, ",\"duration_s\":%.3f}\n", ran_ns / 1e9);
	if (fclose(f))
		return -errno;

	if (!o->json) {
		fputs(text, stdout);
		fflush(stdout);
	} else {
		/* Atomically, so a script can wait for the file to appear. */
		char tmp[4096];
		FILE *out;

		snprintf(tmp, sizeof(tmp), "%s.tmp.%d", o->json, (int)getpid());
		out = fopen(tmp, "w");
		if (!out || fputs(text, out) < 0 || fclose(out) ||
		    rename(tmp, o->json)) {
			rc = -errno;
			fprintf(stderr, "stopwatch: %s: %s\n", o->json,
			    strerror(errno));
			unlink(tmp);
		}
	}
	free(text);
	return rc;
}

static int
recv_socket(const struct recv_opts *o)
{
	int fd, on = 1, sz = 8 << 20;
	char a[80];

	fd = socket(
	    o->listen.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		goto fail;
	/* Deep enough for ~400 ms at 20,000 pps of small datagrams. */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &sz, sizeof(sz)) < 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
	setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof(on));
	setsockopt(fd, SOL_SOCKET, SO_RXQ_OVFL, &on, sizeof(on));
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
	if (bind(fd, (const void *)&o->listen, o->listenlen) < 0)
		goto fail;
	fmt_sockaddr(&o->listen, a, sizeof(a));
	fprintf(stderr, "stopwatch: listening on %s\n", a);
	return fd;
fail:
	fprintf(stderr, "stopwatch: listen: %s\n", strerror(errno));
	if (fd >= 0)
		close(fd);
	return -1;
}

static int
recv_run(const struct recv_opts *o)
{
	static struct recv_state s;
	static uint8_t bufs[SW_BATCH][SW_RXBUF];
	static uint8_t ctls[SW_BATCH][SW_CTLBUF] __attribute__((aligned(8)));
	static struct mmsghdr msgs[SW_BATCH];
	static struct iovec iovs[SW_BATCH];
	struct pollfd pfd[2];
	sigset_t mask;
	int64_t start, deadline;
	int fd, sfd, rc;
	bool done = false;

	s.bitmap = calloc(WIN / 64, sizeof(uint64_t));
	if (!s.bitmap)
		return -ENOMEM;
	s.gap_threshold_ns = o->gap_threshold_ns;

	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	sfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
	fd = recv_socket(o);
	if (fd < 0 || sfd < 0) {
		free(s.bitmap);
		return -EIO;
	}
	pfd[0] = (struct pollfd){.fd = fd, .events = POLLIN};
	pfd[1] = (struct pollfd){.fd = sfd, .events = POLLIN};
	start = now_ns(CLOCK_MONOTONIC);
	deadline = o->duration_ns ? start + o->duration_ns : INT64_MAX;

	while (!done) {
		int64_t now = now_ns(CLOCK_MONOTONIC), until = deadline;
		int timeout, n;

		if (o->idle_ns && s.any && s.wake_last + o->idle_ns < until)
			until = s.wake_last + o->idle_ns;
		if (now >= until)
			break;
		timeout = until == INT64_MAX
			      ? -1
			      : (int)((until - now + 999999) / 1000000);
		if (poll(pfd, 2, timeout) < 0) {
			if (errno == EINTR)
				continue;
			fprintf(
			    stderr, "stopwatch: poll: %s\n", strerror(errno));
			break;
		}
		if (pfd[1].revents)
			break;
		if (!(pfd[0].revents & POLLIN))
			continue;
		for (;;) {
			int64_t mono, off, real;

			for (int i = 0; i < SW_BATCH; i++) {
				iovs[i] = (struct iovec){bufs[i], SW_RXBUF};
				msgs[i].msg_hdr = (struct msghdr){
				    .msg_iov = &iovs[i],
				    .msg_iovlen = 1,
				    .msg_control = ctls[i],
				    .msg_controllen = SW_CTLBUF,
				};
			}
			n = recvmmsg(fd, msgs, SW_BATCH, MSG_DONTWAIT, NULL);
			if (n <= 0)
				break;
			/* Kernel stamps are CLOCK_REALTIME: map to monotonic.
			 */
			real = now_ns(CLOCK_REALTIME);
			mono = now_ns(CLOCK_MONOTONIC);
			off = mono - (real + now_ns(CLOCK_REALTIME)) / 2;
			s.wake_last = mono;
			for (int i = 0; i < n; i++) {
				struct msghdr *mh = &msgs[i].msg_hdr;
				int64_t rx = mono;

				for (struct cmsghdr *cm = CMSG_FIRSTHDR(mh); cm;
				     cm = CMSG_NXTHDR(mh, cm)) {
					if (cm->cmsg_level != SOL_SOCKET)
						continue;
					if (cm->cmsg_type == SCM_TIMESTAMPNS) {
						struct timespec ts;

						memcpy(&ts, CMSG_DATA(cm),
						    sizeof(ts));
						rx = (int64_t)ts.tv_sec *
							 NS_PER_S +
						     ts.tv_nsec + off;
						if (rx > mono)
							rx = mono;
					} else if (cm->cmsg_type ==
						   SO_RXQ_OVFL) {
						memcpy(&s.rxq_ovfl,
						    CMSG_DATA(cm),
						    sizeof(s.rxq_ovfl));
					}
				}
				recv_datagram(
				    &s, o, bufs[i], msgs[i].msg_len, rx);
			}
			if (o->have_expect && s.received >= o->expect) {
				done = true;
				break;
			}
			if (n < SW_BATCH)
				break;
		}
	}
	rc = recv_report(&s, o, now_ns(CLOCK_MONOTONIC) - start);
	close(fd);
	close(sfd);
	free(s.bitmap);
	return rc;
}

static int
recv_main(int argc, char **argv)
{
	static const struct option lo[] = {
	    {"listen", required_argument, NULL, 'l'},
	    {"duration", required_argument, NULL, 'd'},
	    {"until-idle", required_argument, NULL, 'u'},
	    {"expect", required_argument, NULL, 'e'},
	    {"id", required_argument, NULL, 'i'},
	    {"rate", required_argument, NULL, 'r'},
	    {"gap-threshold-ms", required_argument, NULL, 'g'},
	    {"json", required_argument, NULL, 'j'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	struct recv_opts o = {0};
	const char *listen = NULL;
	char err[300];
	double ms;
	char *end;
	int c, li = 0;

	while ((c = getopt_long(argc, argv, "h", lo, &li)) != -1) {
		switch (c) {
		case 'l':
			listen = optarg;
			break;
		case 'd':
			if (parse_secs(optarg, &o.duration_ns))
				goto bad;
			break;
		case 'u':
			if (parse_secs(optarg, &o.idle_ns))
				goto bad;
			break;
		case 'e':
			if (parse_u64(optarg, 1, INT64_MAX, &o.expect))
				goto bad;
			o.have_expect = true;
			break;
		case 'i':
			if (parse_u64(optarg, 0, UINT32_MAX, &o.id))
				goto bad;
			o.have_id = true;
			break;
		case 'r':
			if (parse_u64(optarg, 1, SW_RATE_MAX, &o.rate))
				goto bad;
			break;
		case 'g':
			errno = 0;
			ms = strtod(optarg, &end);
			if (errno || *end || end == optarg || !(ms > 0) ||
			    ms > 1e7)
				goto bad;
			o.gap_threshold_ns = (int64_t)(ms * 1e6 + 0.5);
			break;
		case 'j':
			o.json = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc || !listen) {
		fprintf(stderr, "stopwatch recv: need --listen\n");
		usage(stderr);
		return 2;
	}
	if (parse_sockaddr(listen, false, AF_UNSPEC, &o.listen, &o.listenlen,
		err, sizeof(err))) {
		fprintf(stderr, "stopwatch recv: --listen %s\n", err);
		return 2;
	}
	return recv_run(&o) ? 1 : 0;
bad:
	fprintf(stderr, "stopwatch recv: bad value '%s' for --%s\n", optarg,
	    lo[li].name);
	return 2;
}

int
main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (strcmp(argv[1], "send") == 0)
		return send_main(argc - 1, argv + 1);
	if (strcmp(argv[1], "recv") == 0)
		return recv_main(argc - 1, argv + 1);
	if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
		usage(stdout);
		return 0;
	}
	fprintf(stderr, "stopwatch: unknown mode '%s'\n", argv[1]);
	usage(stderr);
	return 2;
}
