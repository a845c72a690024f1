/* SPDX-License-Identifier: ISC */
/*
 * DOC: readiness notification
 *
 * The sd_notify protocol is one datagram of "KEY=VALUE\n" lines on an
 * AF_UNIX socket named by $NOTIFY_SOCKET; a leading '@' means the abstract
 * namespace.  gripd sends READY=1 once it serves its control socket,
 * RELOADING=1 / READY=1 around a SIGHUP reload, and STOPPING=1 on exit.
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <gripd/notify.h>

int
notify_send(const char *state)
{
	const char *path = getenv("NOTIFY_SOCKET");
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	size_t plen;
	int fd, e = 0;

	if (path == NULL || *path == '\0')
		return 0;
	plen = strlen(path);
	if ((path[0] != '/' && path[0] != '@') || plen >= sizeof(sun.sun_path))
		return -EINVAL;
	memcpy(sun.sun_path, path, plen);
	if (path[0] == '@')
		sun.sun_path[0] = '\0';
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (sendto(fd, state, strlen(state), MSG_NOSIGNAL, (struct sockaddr *)&sun,
	    (socklen_t)(offsetof(struct sockaddr_un, sun_path) + plen)) < 0)
		e = -errno;
	close(fd);
	return e < 0 ? e : 1;
}
