/* SPDX-License-Identifier: ISC */
/*
 * notify.h: systemd readiness notification without libsystemd.  Sends a
 * datagram to $NOTIFY_SOCKET (a path, or an abstract name starting with
 * '@'), as sd_notify(3) does.  Does nothing when the variable is unset.
 */
#ifndef GRIPD_NOTIFY_H
#define GRIPD_NOTIFY_H

/* Returns 1 if sent, 0 if there is no NOTIFY_SOCKET, or -errno. */
int notify_send(const char *state);

#endif
