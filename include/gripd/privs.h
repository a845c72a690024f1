/* SPDX-License-Identifier: ISC */
/*
 * privs.h: dropping root.  gripd opens its sockets, devices and key files
 * as root, then becomes the configured user keeping exactly CAP_NET_ADMIN,
 * CAP_NET_RAW and CAP_NET_BIND_SERVICE (effective and permitted; empty
 * inheritable and ambient, bounding set reduced to those three), with
 * no-new-privs set.
 */
#ifndef GRIPD_PRIVS_H
#define GRIPD_PRIVS_H

#include <stddef.h>
#include <sys/types.h>

/*
 * Looks up user (and group, or the user's primary group when group is
 * NULL or empty).  Returns 0 or -ENOENT with a message in err.
 */
int privs_lookup(const char *user, const char *group, uid_t *uid, gid_t *gid,
    char *err, size_t errlen);

/*
 * Drops to uid:gid keeping the three network capabilities, then verifies
 * that setuid(0) fails.  Returns 0 or -errno with a message in err.
 * When not running as root it changes nothing and returns 0.
 */
int privs_drop(uid_t uid, gid_t gid, char *err, size_t errlen);

/*
 * In-place restart: privs_keep_across_exec() raises the kept capabilities
 * into the inheritable and ambient sets just before execve(), so the new
 * image (same unprivileged user) has them; privs_after_exec() empties the
 * ambient and inheritable sets again once it runs.  No-ops as root.
 */
int privs_keep_across_exec(char *err, size_t errlen);
int privs_after_exec(char *err, size_t errlen);

#endif
