/* SPDX-License-Identifier: ISC */
/*
 * Fuzz target: the control-socket request path as a client can drive it:
 * vty request framing (several requests per buffer), then command matching
 * against a command table shaped like the daemon's.
 */
#include <stdint.h>
#include <string.h>

#include <gripd/ctl.h>
#include <gripd/vty.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static enum vty_status
nop(struct ctl_req *req, struct sbuf *out)
{
	return VTY_CMD_SUCCESS;
}

static const struct ctl_cmd cmds[] = {
	{ "show config", "", true, nop },
	{ "show tunnels", "", true, nop },
	{ "show sa", "", true, nop },
	{ "show adjacencies", "", true, nop },
	{ "show routes", "", true, nop },
	{ "show counters", "", true, nop },
	{ "show version", "", true, nop },
	{ "show debugging", "", true, nop },
	{ "clear adjacency NAME", "", false, nop },
	{ "debug MODULE", "", false, nop },
	{ "no debug MODULE", "", false, nop },
};

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t off = 0;

	while (off < size) {
		char cmd[VTY_MAX_REQUEST], err[256];
		struct ctl_req req;
		enum vty_status st;
		int n = vty_request_decode(data + off, size - off, cmd,
		    sizeof(cmd), err, sizeof(err));
		if (n <= 0)
			break;
		off += (size_t)n;
		int idx = ctl_match(cmds, sizeof(cmds) / sizeof(cmds[0]), cmd,
		    &req, err, sizeof(err), &st);
		if (idx >= (int)(sizeof(cmds) / sizeof(cmds[0])))
			__builtin_trap();
	}
	int st;
	vty_reply_find_end(data, size, &st);
	return 0;
}
