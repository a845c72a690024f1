/* SPDX-License-Identifier: ISC */
/*
 * handoff.h (private to routed/): descriptors and state carried across a
 * hitless restart (docs/restart.md).
 *
 * Descriptors travel by the systemd socket-activation protocol
 * (sd_listen_fds(3)): LISTEN_PID, LISTEN_FDS, LISTEN_FDNAMES, fds from 3.
 * gripd's in-place restart sets these itself before execve(); systemd's
 * file descriptor store would hand them over the same way.  Names:
 *	ctl		the control socket's listening socket
 *	esp-raw4 esp-udp4 esp-raw6 esp-udp6	the datapath's underlay sockets
 *	tun/IFNAME	the queue of a TUN device (the device lives on with it)
 *	tunpool		a spare /dev/net/tun descriptor (tun_reserve)
 *	state		a memfd with the text state below
 */
#ifndef GRIPD_HANDOFF_H
#define GRIPD_HANDOFF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HANDOFF_MAX 256

/*
 * Reads and clears LISTEN_* from the environment (only when LISTEN_PID is
 * ours).  Returns the number of descriptors received (0 for a normal start).
 */
int handoff_init(void);

/* True when this process was started by a restart handoff ("state" came). */
bool handoff_restarted(void);

/* The descriptor named name, now owned by the caller, or -1. */
int handoff_take(const char *name);

/* Closes every descriptor nobody took, logging each name. */
void handoff_close_unclaimed(void);

/* The received state: one "key value..." line per entry; NULL when none. */
const char *handoff_state(void);

/* --- the way out ---------------------------------------------------------- */

/* Adds a descriptor for the successor (not closed, not moved yet). */
int handoff_add(const char *name, int fd);

/* Appends a state line (printf format, newline added). */
int handoff_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * Moves the added descriptors to 3.., sets LISTEN_* and execs path with argv.
 * Returns only on failure (-errno); the descriptors are then still open under
 * their new numbers, which the caller no longer knows: a failed exec must end
 * the process.
 */
int handoff_exec(const char *path, char *const argv[]);

/* Number of descriptors added so far. */
size_t handoff_count(void);

#endif
