/* SPDX-License-Identifier: ISC */
/* vty framing codec, command matching, JSON writer. */
#include <errno.h>
#include <string.h>

#include <gripd/ctl.h>
#include <gripd/sbuf.h>
#include <gripd/vty.h>

#include "check.h"

static void
test_request_decode(void)
{
	char cmd[64], err[64];
	const uint8_t two[] = "show tunnels\0show sa json\0";
	int n;

	n = vty_request_decode(two, sizeof(two) - 1, cmd, sizeof(cmd), err, sizeof(err));
	CHECK_EQ(n, 13);
	CHECK_STREQ(cmd, "show tunnels");
	n = vty_request_decode(two + 13, sizeof(two) - 14, cmd, sizeof(cmd), err, sizeof(err));
	CHECK_EQ(n, 13);
	CHECK_STREQ(cmd, "show sa json");
	/* Incomplete: no NUL yet. */
	CHECK_EQ(vty_request_decode((const uint8_t *)"show", 4, cmd, sizeof(cmd), err, sizeof(err)), 0);
	/* Blanks trimmed, newline tolerated (socat sends one). */
	n = vty_request_decode((const uint8_t *)"  show version \n", 17, cmd, sizeof(cmd), err, sizeof(err));
	CHECK_EQ(n, 17);
	CHECK_STREQ(cmd, "show version");
	/* Control bytes are refused. */
	n = vty_request_decode((const uint8_t *)"sh\x01ow", 6, cmd, sizeof(cmd), err, sizeof(err));
	CHECK_EQ(n, -EINVAL);
	CHECK_STREQ(err, "control byte 0x01 at offset 2");
	/* Too long without NUL. */
	static uint8_t big[VTY_MAX_REQUEST + 10];
	memset(big, 'a', sizeof(big));
	CHECK_EQ(vty_request_decode(big, sizeof(big), cmd, sizeof(cmd), err, sizeof(err)), -EMSGSIZE);
	/* Command longer than the caller's buffer. */
	big[100] = 0;
	CHECK_EQ(vty_request_decode(big, sizeof(big), cmd, sizeof(cmd), err, sizeof(err)), -EMSGSIZE);
}

static void
test_reply(void)
{
	uint8_t t[4];
	int st = -1;

	vty_trailer_encode(t, VTY_CMD_ERR_NO_MATCH);
	CHECK_MEMEQ(t, "\0\0\0\2", 4);
	const uint8_t r[] = "hello\n\0\0\0\0";
	CHECK_EQ(vty_reply_find_end(r, sizeof(r) - 1, &st), 6);
	CHECK_EQ(st, 0);
	CHECK_EQ(vty_reply_find_end(r, 8, &st), -1);
	CHECK_EQ(vty_reply_find_end((const uint8_t *)"\0\0\0\1", 4, &st), 0);
	CHECK_EQ(st, 1);
}

static enum vty_status
dummy(struct ctl_req *req, struct sbuf *out)
{
	return VTY_CMD_SUCCESS;
}

static const struct ctl_cmd cmds[] = {
	{ "show tunnels", "", true, dummy },
	{ "show sa", "", true, dummy },
	{ "show adjacencies", "", true, dummy },
	{ "show version", "", true, dummy },
	{ "show config", "", true, dummy },
	{ "show counters", "", true, dummy },
	{ "clear adjacency NAME", "", false, dummy },
	{ "debug MODULE", "", false, dummy },
	{ "no debug MODULE", "", false, dummy },
};
#define NCMDS (sizeof(cmds) / sizeof(cmds[0]))

static int
match(const char *line, struct ctl_req *req, char *err, enum vty_status *st)
{
	char buf[256];
	snprintf(buf, sizeof(buf), "%s", line);
	int r = ctl_match(cmds, NCMDS, buf, req, err, 256, st);
	return r;
}

static void
test_match(void)
{
	struct ctl_req req;
	char err[256];
	enum vty_status st;

	CHECK_EQ(match("show tunnels", &req, err, &st), 0);
	CHECK(!req.json);
	CHECK_EQ(match("show tunnels json", &req, err, &st), 0);
	CHECK(req.json);
	CHECK_EQ(match("sh tun", &req, err, &st), 0);
	CHECK_EQ(match("sh adj json", &req, err, &st), 2);
	CHECK(req.json);
	CHECK_EQ(match("clear adjacency west-1", &req, err, &st), 6);
	CHECK_STREQ(req.arg, "west-1");
	CHECK_EQ(match("cl adj west-1", &req, err, &st), 6);
	/* "clear adjacency" without a name is incomplete. */
	CHECK_EQ(match("clear adjacency", &req, err, &st), -1);
	CHECK_EQ(st, VTY_CMD_ERR_INCOMPLETE);
	/* "show c" is ambiguous: config, counters. */
	CHECK_EQ(match("show c", &req, err, &st), -1);
	CHECK_EQ(st, VTY_CMD_ERR_AMBIGUOUS);
	CHECK_EQ(match("show bogus", &req, err, &st), -1);
	CHECK_EQ(st, VTY_CMD_ERR_NO_MATCH);
	CHECK_STREQ(err, "% Unknown command: \"show bogus\"; try \"help\"");
	/* json is not accepted where the command has none. */
	CHECK_EQ(match("clear adjacency x json", &req, err, &st), -1);
	CHECK_EQ(match("debug adjacency", &req, err, &st), 7);
	CHECK_STREQ(req.arg, "adjacency");
	CHECK_EQ(match("no debug all", &req, err, &st), 8);
	CHECK_EQ(match("", &req, err, &st), -1);
	CHECK_EQ(st, VTY_CMD_ERR_INCOMPLETE);
	CHECK_EQ(match("a b c d e f g h i j k l m n o p q r", &req, err, &st), -1);
}

static void
test_json(void)
{
	struct sbuf sb = { 0 };
	struct json j;

	json_init(&j, &sb);
	json_obj_open(&j, NULL);
	json_str(&j, "name", "we\"st\n1\x01");
	json_int(&j, "n", -3);
	json_arr_open(&j, "list");
	json_uint(&j, NULL, 1);
	json_obj_open(&j, NULL);
	json_bool(&j, "up", true);
	json_null(&j, "x");
	json_close(&j);
	json_close(&j);
	json_arr_open(&j, "empty");
	json_close(&j);
	json_close(&j);
	CHECK_STREQ(sbuf_str(&sb),
	    "{\"name\":\"we\\\"st\\n1\\u0001\",\"n\":-3,\"list\":[1,{\"up\":true,"
	    "\"x\":null}],\"empty\":[]}");
	sbuf_free(&sb);
}

int
main(void)
{
	test_request_decode();
	test_reply();
	test_match();
	test_json();
	return check_report();
}
