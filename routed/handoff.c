/* SPDX-License-Identifier: ISC */
/*
 * DOC: restart handoff
 *
 * A hitless restart (`gripctl restart`, docs/restart.md) replaces the
 * running gripd by a new one, from the same path (so an upgraded binary
 * takes over), without closing what carries traffic: the TUN devices (the
 * kernel deletes a TUN when its last descriptor closes, taking its routes
 * with it) and the underlay ESP sockets.  While the new process starts,
 * packets queue in those descriptors and are forwarded as soon as its
 * workers run.
 *
 * The descriptors travel the way systemd passes sockets (sd_listen_fds):
 * numbered from 3, counted in LISTEN_FDS, named in LISTEN_FDNAMES and
 * addressed by LISTEN_PID.  execve() keeps the pid, so the successor finds
 * its own pid there.  A small text state (the adjacency epoch, the hub's
 * multipoint routes, the inbound anti-replay windows; lines of up to 4 KiB)
 * rides in a memfd named "state".
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gripd/log.h>

#include "handoff.h"

#define FDS_START 3
#define NAME_MAX_LEN 32

struct slot {
	char name[NAME_MAX_LEN];
	int fd;
};

static struct slot in[HANDOFF_MAX];
static size_t nin;
static char *state_in;
static bool restarted;

static struct slot out[HANDOFF_MAX];
static size_t nout;
static char *state_out;
static size_t state_out_len;

static char *
read_all(int fd)
{
	size_t cap = 4096, len = 0;
	char *buf = malloc(cap);
	ssize_t n;

	if (buf == NULL)
		return NULL;
	if (lseek(fd, 0, SEEK_SET) < 0) {
		/* a pipe would do too */
	}
	for (;;) {
		if (len + 1 >= cap) {
			char *nb = realloc(buf, cap * 2);
			if (nb == NULL) {
				free(buf);
				return NULL;
			}
			buf = nb;
			cap *= 2;
		}
		n = read(fd, buf + len, cap - len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	buf[len] = '\0';
	return buf;
}

int
handoff_init(void)
{
	const char *pid = getenv("LISTEN_PID"), *nfds = getenv("LISTEN_FDS");
	const char *names = getenv("LISTEN_FDNAMES");
	long n;

	if (pid == NULL || nfds == NULL || strtol(pid, NULL, 10) != (long)getpid())
		return 0;
	n = strtol(nfds, NULL, 10);
	if (n <= 0 || n > HANDOFF_MAX)
		n = 0;
	for (long i = 0; i < n; i++) {
		int fd = FDS_START + (int)i;
		const char *colon = NULL;
		size_t len = 0;

		if (names != NULL) {
			colon = strchr(names, ':');
			len = colon ? (size_t)(colon - names) : strlen(names);
		}
		if (fcntl(fd, F_SETFD, FD_CLOEXEC) < 0)
			continue;
		in[nin].fd = fd;
		snprintf(in[nin].name, sizeof(in[nin].name), "%.*s",
		    (int)(len < NAME_MAX_LEN ? len : NAME_MAX_LEN - 1),
		    names ? names : "");
		nin++;
		if (names != NULL)
			names = colon ? colon + 1 : NULL;
	}
	unsetenv("LISTEN_PID");
	unsetenv("LISTEN_FDS");
	unsetenv("LISTEN_FDNAMES");
	int sfd = handoff_take("state");
	if (sfd >= 0) {
		restarted = true;
		state_in = read_all(sfd);
		close(sfd);
	}
	return (int)nin;
}

bool
handoff_restarted(void)
{
	return restarted;
}

const char *
handoff_state(void)
{
	return state_in;
}

int
handoff_take(const char *name)
{
	for (size_t i = 0; i < nin; i++)
		if (in[i].fd >= 0 && strcmp(in[i].name, name) == 0) {
			int fd = in[i].fd;
			in[i].fd = -1;
			return fd;
		}
	return -1;
}

void
handoff_close_unclaimed(void)
{
	for (size_t i = 0; i < nin; i++)
		if (in[i].fd >= 0) {
			log_notice("restart: %s handed over but no longer "
				   "configured: closed", in[i].name);
			close(in[i].fd);
			in[i].fd = -1;
		}
	free(state_in);
	state_in = NULL;
}

int
handoff_add(const char *name, int fd)
{
	if (fd < 0)
		return 0;
	/* LISTEN_FDNAMES separates names with ':'. */
	if (nout == HANDOFF_MAX || strlen(name) >= NAME_MAX_LEN ||
	    strchr(name, ':') != NULL)
		return -EINVAL;
	snprintf(out[nout].name, sizeof(out[nout].name), "%s", name);
	out[nout].fd = fd;
	nout++;
	return 0;
}

size_t
handoff_count(void)
{
	return nout;
}

int
handoff_printf(const char *fmt, ...)
{
	char line[4096]; /* an anti-replay window is ~2 KiB of hex */
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line) - 1, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(line) - 1)
		return -EINVAL;
	line[n++] = '\n';
	char *nb = realloc(state_out, state_out_len + (size_t)n + 1);
	if (nb == NULL)
		return -ENOMEM;
	state_out = nb;
	memcpy(state_out + state_out_len, line, (size_t)n);
	state_out_len += (size_t)n;
	state_out[state_out_len] = '\0';
	return 0;
}

int
handoff_exec(const char *path, char *const argv[])
{
	char num[16], pidbuf[16], *names;
	size_t namelen = 0;
	int sfd, tmp[HANDOFF_MAX + 1];

	sfd = memfd_create("gripd-state", MFD_CLOEXEC);
	if (sfd < 0)
		return -errno;
	if (state_out_len > 0 &&
	    write(sfd, state_out, state_out_len) != (ssize_t)state_out_len) {
		int e = errno ? -errno : -EIO;
		close(sfd);
		return e;
	}
	if (handoff_add("state", sfd) < 0) {
		close(sfd);
		return -E2BIG;
	}
	for (size_t i = 0; i < nout; i++)
		namelen += strlen(out[i].name) + 1;
	if ((names = malloc(namelen + 1)) == NULL)
		return -ENOMEM;
	names[0] = '\0';
	for (size_t i = 0; i < nout; i++) {
		if (i)
			strcat(names, ":");
		strcat(names, out[i].name);
	}
	/*
	 * Out of the way first (above every target number), then into place:
	 * dup2 onto 3.. may overwrite any other descriptor, which exec would
	 * close anyway.
	 */
	for (size_t i = 0; i < nout; i++) {
		tmp[i] = fcntl(out[i].fd, F_DUPFD_CLOEXEC, FDS_START + HANDOFF_MAX + 8);
		if (tmp[i] < 0)
			return -errno;
	}
	for (size_t i = 0; i < nout; i++) {
		int target = FDS_START + (int)i;
		if (dup2(tmp[i], target) < 0)
			return -errno; /* dup2 leaves the target without CLOEXEC */
	}
	snprintf(num, sizeof(num), "%zu", nout);
	snprintf(pidbuf, sizeof(pidbuf), "%ld", (long)getpid());
	setenv("LISTEN_FDS", num, 1);
	setenv("LISTEN_FDNAMES", names, 1);
	setenv("LISTEN_PID", pidbuf, 1);
	execv(path, argv);
	int e = -errno;
	free(names);
	return e;
}
