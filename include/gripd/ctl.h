/* SPDX-License-Identifier: ISC */
/*
 * ctl.h: the control socket.  A unix stream socket speaking FRR's vty
 * framing (see vty.h).  Commands are registered as tables of words; input
 * words may be abbreviated to any unique prefix ("sh adj" works, as in
 * vtysh), and a trailing "json" selects JSON output where a command has it.
 */
#ifndef GRIPD_CTL_H
#define GRIPD_CTL_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include <gripd/sbuf.h>
#include <gripd/vty.h>

struct loop;
struct ctl;

#define CTL_MAX_WORDS 16

struct ctl_req {
	int argc; /* words of the command as typed, json removed */
	char *argv[CTL_MAX_WORDS];
	const char *arg; /* the value matched by a "WORD" placeholder, or NULL */
	bool json;
	uint64_t now;
	void *ctx; /* the context given to ctl_register */
};

/*
 * One command.  `words` are its fixed words with at most one placeholder
 * written in capitals ("clear adjacency NAME").  fn writes its output to
 * out and returns a vty_status.
 */
struct ctl_cmd {
	const char *words;
	const char *help;
	bool json; /* accepts a trailing "json" */
	enum vty_status (*fn)(struct ctl_req *req, struct sbuf *out);
};

/*
 * The pure part, for tests and the fuzzer: splits line into words and
 * finds the one command it names among cmds.  Returns the index, or -1
 * with a helpful message in err ("unknown command", "ambiguous: ...",
 * "incomplete: ..."), and the status to return in *status.
 */
int ctl_match(const struct ctl_cmd *cmds, size_t ncmds, char *line,
    struct ctl_req *req, char *err, size_t errlen, enum vty_status *status);

/*
 * Opens the listening socket at path (creating its directory, replacing a
 * stale socket file but refusing one a live daemon answers on), mode 0660,
 * owned by uid:gid unless they are -1.  Returns the context or NULL with
 * errno set and a reason logged.
 */
struct ctl *ctl_open(struct loop *loop, const char *path, uid_t uid, gid_t gid);
/* Adds a command table; cmds must outlive ctl. Returns 0 or -ENOMEM. */
int ctl_register(struct ctl *ctl, const struct ctl_cmd *cmds, size_t n, void *ctx);
/* Runs one command line as if it came from a client (for tests). */
enum vty_status ctl_execute(struct ctl *ctl, const char *line, uint64_t now,
    struct sbuf *out);
const char *ctl_path(const struct ctl *ctl);

/* The listening socket (handed to the successor by a restart). */
int ctl_listen_fd(const struct ctl *ctl);
/* Closes the socket, its clients, and unlinks the path. */
void ctl_close(struct ctl *ctl);

#endif
