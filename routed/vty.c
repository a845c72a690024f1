/* SPDX-License-Identifier: ISC */
/*
 * DOC: vty framing codec
 *
 * The framing FRR's vtysh uses with its daemons: requests end with one
 * NUL, replies end with "\0\0\0" and a status byte.  A reply's text never
 * contains NUL (the server strips them), so the first run of three NULs
 * followed by a fourth byte is the end of the reply.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <gripd/vty.h>

int
vty_request_decode(const uint8_t *buf, size_t len, char *cmd, size_t cmdlen,
    char *err, size_t errlen)
{
	const uint8_t *nul = memchr(buf, 0, len < VTY_MAX_REQUEST ? len : VTY_MAX_REQUEST);
	size_t n, start = 0;

	if (nul == NULL) {
		if (len >= VTY_MAX_REQUEST) {
			snprintf(err, errlen, "request longer than %d bytes",
			    VTY_MAX_REQUEST);
			return -EMSGSIZE;
		}
		return 0;
	}
	n = (size_t)(nul - buf);
	for (size_t i = 0; i < n; i++) {
		if (buf[i] < 0x20 && buf[i] != '\t' && buf[i] != '\n' &&
		    buf[i] != '\r') {
			snprintf(err, errlen, "control byte 0x%02x at offset %zu",
			    buf[i], i);
			return -EINVAL;
		}
	}
	while (start < n && (buf[start] == ' ' || buf[start] == '\t' ||
	    buf[start] == '\n' || buf[start] == '\r'))
		start++;
	size_t end = n;
	while (end > start && (buf[end - 1] == ' ' || buf[end - 1] == '\t' ||
	    buf[end - 1] == '\n' || buf[end - 1] == '\r'))
		end--;
	if (end - start + 1 > cmdlen) {
		snprintf(err, errlen, "command longer than %zu bytes", cmdlen - 1);
		return -EMSGSIZE;
	}
	memcpy(cmd, buf + start, end - start);
	cmd[end - start] = '\0';
	return (int)(n + 1);
}

void
vty_trailer_encode(uint8_t out[VTY_TRAILER_LEN], enum vty_status status)
{
	out[0] = out[1] = out[2] = 0;
	out[3] = (uint8_t)status;
}

long
vty_reply_find_end(const uint8_t *buf, size_t len, int *status)
{
	for (size_t i = 0; i + VTY_TRAILER_LEN <= len; i++) {
		if (buf[i] == 0 && buf[i + 1] == 0 && buf[i + 2] == 0) {
			*status = buf[i + 3];
			return (long)i;
		}
	}
	return -1;
}
