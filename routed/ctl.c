/* SPDX-License-Identifier: ISC */
/*
 * DOC: control socket
 *
 * A unix stream socket, mode 0660, speaking FRR's vty framing so gripctl,
 * scripts (socat) and anything vtysh-like can talk to it.  Each client has
 * an input buffer (requests may arrive in pieces or several at once) and a
 * queued output buffer: replies are written without blocking, and EPOLLOUT
 * is only asked for while output is pending.  A client that sends garbage
 * gets an error reply and is disconnected; nothing it sends can stop the
 * daemon.  At most CTL_MAX_CLIENTS are served at once.
 *
 * Commands come from tables registered by the modules that own the data
 * (ctl_register); matching accepts unique prefixes of every word.
 */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <gripd/ctl.h>
#include <gripd/log.h>
#include <gripd/loop.h>

#include "handoff.h"

#define CTL_MAX_CLIENTS 64
#define CTL_MAX_TABLES 16
#define CTL_MAX_INPUT (2 * VTY_MAX_REQUEST)

struct ctl_table {
	const struct ctl_cmd *cmds;
	size_t n;
	void *ctx;
};

struct ctl_client {
	struct ctl *ctl;
	struct loop_io io;
	struct sbuf in;
	struct sbuf out;
	bool closing; /* close once out is flushed */
	struct ctl_client *next;
};

struct ctl {
	struct loop *loop;
	struct loop_io io;
	char path[108];
	struct ctl_table tables[CTL_MAX_TABLES];
	size_t ntables;
	struct ctl_client *clients;
	int nclients;
};

/* --- matching (pure) ---------------------------------------------------- */

static int
split_words(char *line, char **argv, int max)
{
	int argc = 0;
	char *save = NULL;

	for (char *w = strtok_r(line, " \t\r\n", &save); w != NULL;
	    w = strtok_r(NULL, " \t\r\n", &save)) {
		if (argc == max)
			return -1;
		argv[argc++] = w;
	}
	return argc;
}

static bool
is_placeholder(const char *w, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (w[i] < 'A' || w[i] > 'Z')
			return false;
	return n > 0;
}

/*
 * Compares typed words against a command's words.  Returns 2 for a full
 * match, 1 when the typed words are a prefix of the command (incomplete),
 * 0 otherwise.  *exact counts words typed in full.
 */
static int
cmd_match(const char *words, int argc, char **argv, const char **arg,
    int *exact)
{
	const char *p = words;
	int i = 0;

	*exact = 0;
	*arg = NULL;
	while (*p) {
		const char *e = strchr(p, ' ');
		size_t n = e ? (size_t)(e - p) : strlen(p);
		if (i == argc)
			return 1;
		if (is_placeholder(p, n)) {
			*arg = argv[i];
		} else {
			size_t tn = strlen(argv[i]);
			if (tn > n || strncmp(p, argv[i], tn) != 0)
				return 0;
			if (tn == n)
				(*exact)++;
		}
		i++;
		p = e ? e + 1 : p + n;
	}
	return i == argc ? 2 : 0;
}

int
ctl_match(const struct ctl_cmd *cmds, size_t ncmds, char *line,
    struct ctl_req *req, char *err, size_t errlen, enum vty_status *status)
{
	int best = -1, nbest = 0, best_exact = -1, incomplete = -1;

	memset(req, 0, sizeof(*req));
	req->argc = split_words(line, req->argv, CTL_MAX_WORDS);
	if (req->argc < 0) {
		snprintf(err, errlen, "%% Too many words (at most %d)",
		    CTL_MAX_WORDS);
		*status = VTY_CMD_ERR_NO_MATCH;
		return -1;
	}
	if (req->argc == 0) {
		snprintf(err, errlen, "%% Empty command; try \"help\"");
		*status = VTY_CMD_ERR_INCOMPLETE;
		return -1;
	}
	for (int pass = 0; pass < 2 && best < 0; pass++) {
		/* Pass 0: as typed; pass 1: with a trailing "json" removed. */
		int argc = req->argc;
		bool json = false;
		if (pass == 1) {
			if (argc < 2 || strcmp(req->argv[argc - 1], "json") != 0)
				break;
			argc--;
			json = true;
		}
		for (size_t i = 0; i < ncmds; i++) {
			const char *arg;
			int exact;
			int m = cmd_match(cmds[i].words, argc, req->argv, &arg,
			    &exact);
			if (m == 1 && incomplete < 0)
				incomplete = (int)i;
			if (m != 2 || (json && !cmds[i].json))
				continue;
			if (exact > best_exact) {
				best = (int)i;
				best_exact = exact;
				nbest = 1;
				req->arg = arg;
				req->json = json;
			} else if (exact == best_exact) {
				nbest++;
			}
		}
		if (best >= 0)
			req->argc = argc;
	}
	if (best >= 0 && nbest == 1)
		return best;
	if (best >= 0) {
		snprintf(err, errlen, "%% Ambiguous command: \"%s\"; try \"help\"",
		    req->argv[0]);
		*status = VTY_CMD_ERR_AMBIGUOUS;
		return -1;
	}
	if (incomplete >= 0) {
		snprintf(err, errlen, "%% Command incomplete; did you mean \"%s\"?",
		    cmds[incomplete].words);
		*status = VTY_CMD_ERR_INCOMPLETE;
		return -1;
	}
	snprintf(err, errlen, "%% Unknown command: \"%s%s%s\"; try \"help\"",
	    req->argv[0], req->argc > 1 ? " " : "", req->argc > 1 ? req->argv[1] : "");
	*status = VTY_CMD_ERR_NO_MATCH;
	return -1;
}

/* --- executing ---------------------------------------------------------- */

static enum vty_status
ctl_help(struct ctl *ctl, struct sbuf *out)
{
	sbuf_printf(out, "Commands (words may be abbreviated; add \"json\" "
			 "where marked):\n");
	for (size_t t = 0; t < ctl->ntables; t++)
		for (size_t i = 0; i < ctl->tables[t].n; i++) {
			const struct ctl_cmd *c = &ctl->tables[t].cmds[i];
			sbuf_printf(out, "  %-32s %s%s\n", c->words, c->help,
			    c->json ? " [json]" : "");
		}
	return VTY_CMD_SUCCESS;
}

enum vty_status
ctl_execute(struct ctl *ctl, const char *line, uint64_t now, struct sbuf *out)
{
	char buf[VTY_MAX_REQUEST];
	char err[256];
	enum vty_status st = VTY_CMD_ERR_NO_MATCH;
	struct ctl_req req;

	snprintf(buf, sizeof(buf), "%s", line);
	if (strcmp(buf, "help") == 0 || strcmp(buf, "?") == 0 ||
	    strcmp(buf, "list") == 0)
		return ctl_help(ctl, out);
	/* Match against every table at once so prefixes are judged globally. */
	const struct ctl_cmd *all[256];
	void *ctxs[256];
	struct ctl_cmd flat[256];
	size_t n = 0;
	for (size_t t = 0; t < ctl->ntables; t++)
		for (size_t i = 0; i < ctl->tables[t].n && n < 256; i++) {
			all[n] = &ctl->tables[t].cmds[i];
			ctxs[n] = ctl->tables[t].ctx;
			flat[n] = *all[n];
			n++;
		}
	int idx = ctl_match(flat, n, buf, &req, err, sizeof(err), &st);
	if (idx < 0) {
		sbuf_printf(out, "%s\n", err);
		return st;
	}
	req.now = now;
	req.ctx = ctxs[idx];
	log_debug(LOGM_CONTROL, "control: command \"%s\"", line);
	return all[idx]->fn(&req, out);
}

/* --- socket and clients -------------------------------------------------- */

static void
client_free(struct ctl_client *c)
{
	struct ctl *ctl = c->ctl;

	for (struct ctl_client **pp = &ctl->clients; *pp; pp = &(*pp)->next)
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	ctl->nclients--;
	loop_io_del(ctl->loop, &c->io);
	close(c->io.fd);
	sbuf_free(&c->in);
	sbuf_free(&c->out);
	free(c);
}

/* Writes what is queued; returns false if the client was freed. */
static bool
client_flush(struct ctl_client *c)
{
	while (sbuf_pending(&c->out) > 0) {
		ssize_t n = send(c->io.fd, c->out.buf + c->out.off,
		    sbuf_pending(&c->out), MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			break;
		if (n <= 0) {
			client_free(c);
			return false;
		}
		sbuf_consume(&c->out, (size_t)n);
	}
	if (sbuf_pending(&c->out) == 0 && c->closing) {
		client_free(c);
		return false;
	}
	loop_io_mod(c->ctl->loop, &c->io,
	    EPOLLIN | (sbuf_pending(&c->out) ? EPOLLOUT : 0));
	return true;
}

static void
client_reply(struct ctl_client *c, struct sbuf *text, enum vty_status st)
{
	uint8_t trailer[VTY_TRAILER_LEN];

	/* The framing reserves NUL: strip any from the text. */
	for (size_t i = 0; i < text->len; i++)
		if (text->buf[i] == '\0')
			text->buf[i] = ' ';
	if (text->oom) {
		sbuf_reset(text);
		sbuf_printf(text, "%% Out of memory\n");
		st = VTY_CMD_WARNING;
	}
	sbuf_add(&c->out, text->buf ? text->buf : "", text->len);
	vty_trailer_encode(trailer, st);
	sbuf_add(&c->out, trailer, sizeof(trailer));
}

static void
client_cb(struct loop_io *io, uint32_t revents, uint64_t now)
{
	struct ctl_client *c = io->arg;
	uint8_t buf[4096];

	if (revents & EPOLLOUT) {
		if (!client_flush(c))
			return;
	}
	if (!(revents & (EPOLLIN | EPOLLHUP | EPOLLERR)))
		return;
	ssize_t n = recv(io->fd, buf, sizeof(buf), MSG_DONTWAIT);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		client_free(c);
		return;
	}
	if (c->closing)
		return;
	sbuf_add(&c->in, buf, (size_t)n);
	for (;;) {
		char cmd[VTY_MAX_REQUEST], err[128];
		struct sbuf out = { 0 };
		int used = vty_request_decode((const uint8_t *)c->in.buf + c->in.off,
		    sbuf_pending(&c->in), cmd, sizeof(cmd), err, sizeof(err));
		if (used == 0)
			break;
		if (used < 0) {
			log_debug(LOGM_CONTROL, "control: bad request: %s", err);
			sbuf_printf(&out, "%% Bad request: %s\n", err);
			client_reply(c, &out, VTY_CMD_WARNING);
			sbuf_free(&out);
			c->closing = true;
			break;
		}
		sbuf_consume(&c->in, (size_t)used);
		enum vty_status st = ctl_execute(c->ctl, cmd, now, &out);
		client_reply(c, &out, st);
		sbuf_free(&out);
	}
	if (sbuf_pending(&c->in) > CTL_MAX_INPUT)
		c->closing = true;
	client_flush(c);
}

static void
listen_cb(struct loop_io *io, uint32_t revents, uint64_t now)
{
	struct ctl *ctl = io->arg;

	for (;;) {
		int fd = accept4(io->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0)
			return;
		if (ctl->nclients >= CTL_MAX_CLIENTS) {
			log_warn("control: too many clients (%d), refusing one",
			    CTL_MAX_CLIENTS);
			close(fd);
			continue;
		}
		struct ctl_client *c = calloc(1, sizeof(*c));
		if (c == NULL) {
			close(fd);
			continue;
		}
		c->ctl = ctl;
		c->io.fd = fd;
		c->io.events = EPOLLIN;
		c->io.cb = client_cb;
		c->io.arg = c;
		if (loop_io_add(ctl->loop, &c->io) < 0) {
			close(fd);
			free(c);
			continue;
		}
		c->next = ctl->clients;
		ctl->clients = c;
		ctl->nclients++;
	}
}

/* Returns true if a process accepts connections on path. */
static bool
socket_alive(const char *path)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	bool alive;

	if (fd < 0)
		return false;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	alive = connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == 0;
	close(fd);
	return alive;
}

static int
make_parent_dir(const char *path, uid_t uid, gid_t gid)
{
	char dir[108];
	char *slash;

	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (slash == NULL || slash == dir)
		return 0;
	*slash = '\0';
	if (mkdir(dir, 0750) == 0) {
		/* Ours: the daemon must be able to remove its socket later. */
		if (uid != (uid_t)-1 && chown(dir, uid, gid) < 0)
			return -errno;
	} else if (errno != EEXIST) {
		return -errno;
	}
	return 0;
}

struct ctl *
ctl_open(struct loop *loop, const char *path, uid_t uid, gid_t gid)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct ctl *ctl;
	int fd, err;

	if (strlen(path) >= sizeof(sun.sun_path)) {
		log_err("control: socket path %s is longer than %zu bytes", path,
		    sizeof(sun.sun_path) - 1);
		errno = ENAMETOOLONG;
		return NULL;
	}
	/* A restart hands the listening socket over (handoff.c). */
	if ((fd = handoff_take("ctl")) >= 0) {
		struct sockaddr_un got;
		socklen_t glen = sizeof(got);
		if (getsockname(fd, (struct sockaddr *)&got, &glen) == 0 &&
		    glen > offsetof(struct sockaddr_un, sun_path) &&
		    strcmp(got.sun_path, path) == 0) {
			fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
			goto have_fd;
		}
		close(fd); /* the path changed: make a new one */
	}
	if ((err = make_parent_dir(path, uid, gid)) < 0) {
		log_err("control: cannot create the directory of %s: %s", path,
		    strerror(-err));
		errno = -err;
		return NULL;
	}
	if (socket_alive(path)) {
		log_err("control: %s is in use: is another gripd running?", path);
		errno = EADDRINUSE;
		return NULL;
	}
	unlink(path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return NULL;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	mode_t old = umask(0117);
	err = bind(fd, (struct sockaddr *)&sun, sizeof(sun));
	umask(old);
	if (err < 0 || chmod(path, 0660) < 0 ||
	    (uid != (uid_t)-1 && chown(path, uid, gid) < 0) ||
	    listen(fd, 16) < 0) {
		err = errno;
		log_err("control: cannot listen on %s: %s", path, strerror(err));
		close(fd);
		errno = err;
		return NULL;
	}
have_fd:
	ctl = calloc(1, sizeof(*ctl));
	if (ctl == NULL) {
		close(fd);
		return NULL;
	}
	ctl->loop = loop;
	snprintf(ctl->path, sizeof(ctl->path), "%s", path);
	ctl->io.fd = fd;
	ctl->io.events = EPOLLIN;
	ctl->io.cb = listen_cb;
	ctl->io.arg = ctl;
	if (loop != NULL && (err = loop_io_add(loop, &ctl->io)) < 0) {
		close(fd);
		free(ctl);
		errno = -err;
		return NULL;
	}
	return ctl;
}

int
ctl_register(struct ctl *ctl, const struct ctl_cmd *cmds, size_t n, void *ctx)
{
	if (ctl->ntables == CTL_MAX_TABLES)
		return -ENOMEM;
	ctl->tables[ctl->ntables++] = (struct ctl_table){ cmds, n, ctx };
	return 0;
}

int
ctl_listen_fd(const struct ctl *ctl)
{
	return ctl->io.fd;
}

const char *
ctl_path(const struct ctl *ctl)
{
	return ctl->path;
}

void
ctl_close(struct ctl *ctl)
{
	if (ctl == NULL)
		return;
	while (ctl->clients)
		client_free(ctl->clients);
	if (ctl->loop)
		loop_io_del(ctl->loop, &ctl->io);
	close(ctl->io.fd);
	unlink(ctl->path);
	free(ctl);
}
