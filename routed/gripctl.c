/* SPDX-License-Identifier: ISC */
/*
 * gripctl: the command-line client of gripd's control socket.
 *
 *   gripctl [-s SOCKET] [-j] COMMAND WORDS...
 *
 * The words are joined with blanks and sent as one vty-framed request;
 * the reply text is printed as it is.  -j (or --json) appends "json".
 * Exit status: 0 success, 1 the command failed or was unknown, 2 usage,
 * 3 the daemon is not reachable.
 */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <gripd/vty.h>

#define DEFAULT_SOCKET GRIPD_RUNSTATEDIR "/gripd.sock"

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: gripctl [-s SOCKET] [-j] COMMAND...\n"
	    "  show config|tunnels|sa|adjacencies|routes|counters|version [json]\n"
	    "  show debugging | debug MODULE | no debug MODULE\n"
	    "  clear adjacency NAME | reload | restart\n"
	    "  help\n"
	    "SOCKET defaults to $GRIPD_SOCKET or %s\n",
	    DEFAULT_SOCKET);
}

/*
 * Sends one request and reads the reply up to its vty trailer.  Returns the
 * reply's length (in *bufp, to be freed) with its status, or -1 (reported
 * on stderr when loud).
 */
static long
talk(const char *path, const char *req, size_t len, uint8_t **bufp,
    int *statusp, bool loud)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	if (strlen(path) >= sizeof(sun.sun_path)) {
		fprintf(stderr, "gripctl: socket path too long: %s\n", path);
		return -1;
	}
	strcpy(sun.sun_path, path);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		int e = errno;
		if (fd >= 0)
			close(fd);
		if (loud)
			fprintf(stderr,
		    "gripctl: cannot reach gripd at %s: %s\n"
		    "gripctl: is gripd running? (start it with 'systemctl start gripd' "
		    "or 'gripd -f CONFIG'; use -s to name another socket)\n",
		    path, strerror(e));
		return -1;
	}
	if (write(fd, req, len + 1) != (ssize_t)(len + 1)) {
		if (loud)
			fprintf(stderr, "gripctl: write to %s: %s\n", path,
			    strerror(errno));
		close(fd);
		return -1;
	}

	size_t cap = 65536, have = 0;
	uint8_t *buf = malloc(cap);
	int status = -1;
	long end = -1;
	while (buf != NULL) {
		if (have == cap) {
			uint8_t *nb = realloc(buf, cap * 2);
			if (nb == NULL)
				break;
			buf = nb;
			cap *= 2;
		}
		ssize_t n = read(fd, buf + have, cap - have);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		/* Search only near the new bytes: the trailer may straddle. */
		size_t from = have >= 3 ? have - 3 : 0;
		have += (size_t)n;
		long e = vty_reply_find_end(buf + from, have - from, &status);
		if (e >= 0) {
			end = (long)from + e;
			break;
		}
	}
	close(fd);
	if (end < 0) {
		if (loud)
			fprintf(stderr, "gripctl: gripd closed the connection "
					"before replying\n");
		free(buf);
		return -1;
	}
	*bufp = buf;
	*statusp = status;
	return end;
}

/* After `restart`: polls `show version json` until restart `want` runs. */
static int
wait_restarted(const char *path, unsigned want)
{
	for (int i = 0; i < 300; i++) {
		uint8_t *buf = NULL;
		int status = -1;
		unsigned got;
		struct timespec ts = { 0, 100 * 1000 * 1000 };

		nanosleep(&ts, NULL);
		long end = talk(path, "show version json",
		    strlen("show version json"), &buf, &status, false);
		const char *m = end > 0 ? memmem(buf, (size_t)end, "\"restarts\":", 11) :
					  NULL;
		if (m != NULL && sscanf(m + 11, " %u", &got) == 1 && got >= want) {
			printf("gripd restarted (restart %u)\n", got);
			free(buf);
			return 0;
		}
		free(buf);
	}
	fprintf(stderr, "gripctl: gripd did not come back within 30 s; see its "
			"log\n");
	return 3;
}

int
main(int argc, char **argv)
{
	const char *path = getenv("GRIPD_SOCKET");
	static const struct option longopts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	bool json = false;
	int c;

	if (path == NULL || *path == '\0')
		path = DEFAULT_SOCKET;
	while ((c = getopt_long(argc, argv, "+s:jh", longopts, NULL)) != -1) {
		switch (c) {
		case 's':
			path = optarg;
			break;
		case 'j':
			json = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind == argc) {
		usage(stderr);
		return 2;
	}

	char req[VTY_MAX_REQUEST];
	size_t len = 0;
	for (int i = optind; i < argc; i++) {
		int n = snprintf(req + len, sizeof(req) - len, "%s%s",
		    i > optind ? " " : "", argv[i]);
		if (n < 0 || (size_t)n >= sizeof(req) - len - 6) {
			fprintf(stderr, "gripctl: command too long\n");
			return 2;
		}
		len += (size_t)n;
	}
	if (json)
		len += (size_t)snprintf(req + len, sizeof(req) - len, " json");

	uint8_t *buf = NULL;
	int status = -1;
	long end = talk(path, req, len, &buf, &status, true);
	if (end < 0)
		return 3;
	fwrite(buf, 1, (size_t)end, stdout);
	if (end > 0 && buf[end - 1] != '\n')
		putchar('\n');
	/* `restart`: return once the new process answers (at most 30 s). */
	unsigned want;
	const char *m = memmem(buf, (size_t)end, "restart ", 8);
	if (status == VTY_CMD_SUCCESS && strncmp(req, "restart", 7) == 0 &&
	    m != NULL && sscanf(m, "restart %u", &want) == 1) {
		free(buf);
		return wait_restarted(path, want);
	}
	free(buf);
	return status == VTY_CMD_SUCCESS ? 0 : 1;
}
