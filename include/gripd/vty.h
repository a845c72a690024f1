/* SPDX-License-Identifier: ISC */
/*
 * vty.h: FRR's vty framing, as spoken on gripd's control socket.
 *
 * Request: the command text followed by one NUL byte.  Reply: the output
 * text, then three NUL bytes and one status byte (lib/vty.c and
 * vtysh_client_run in FRR).  Status values are FRR's CMD_* codes, so
 * anything that talks to an FRR daemon's .vty socket can talk to gripd.
 *
 * Pure codec: no I/O, no allocation.
 */
#ifndef GRIPD_VTY_H
#define GRIPD_VTY_H

#include <stddef.h>
#include <stdint.h>

/* FRR lib/command.h return codes. */
enum vty_status {
	VTY_CMD_SUCCESS = 0,
	VTY_CMD_WARNING = 1,
	VTY_CMD_ERR_NO_MATCH = 2,
	VTY_CMD_ERR_AMBIGUOUS = 3,
	VTY_CMD_ERR_INCOMPLETE = 4,
};

#define VTY_MAX_REQUEST 4096 /* longer commands are a protocol error */
#define VTY_TRAILER_LEN 4

/*
 * Looks for one complete request at the start of buf.  Returns the number
 * of bytes it occupies including its NUL (> 0) and copies the command,
 * trimmed of surrounding blanks, into cmd; 0 when more bytes are needed;
 * -EMSGSIZE when no NUL is within VTY_MAX_REQUEST bytes; -EINVAL for a
 * control byte inside the command (err says which).
 */
int vty_request_decode(const uint8_t *buf, size_t len, char *cmd, size_t cmdlen,
    char *err, size_t errlen);

/* Writes the 4-byte reply trailer for status into out. */
void vty_trailer_encode(uint8_t out[VTY_TRAILER_LEN], enum vty_status status);

/*
 * Looks for the reply trailer in buf (what a client has read so far).
 * Returns the length of the text before it (>= 0) and stores the status,
 * or -1 when the reply is not complete yet.
 */
long vty_reply_find_end(const uint8_t *buf, size_t len, int *status);

#endif
