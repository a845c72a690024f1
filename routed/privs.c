/* SPDX-License-Identifier: ISC */
/*
 * DOC: privileges
 *
 * The order matters (capabilities(7)):
 *  1. Reduce the bounding set to the three capabilities while we still
 *     have CAP_SETPCAP, so nothing exec'd later could ever regain more.
 *  2. PR_SET_KEEPCAPS, so the permitted set survives the uid change.
 *  3. setgroups(just gid), setresgid, setresuid: all three ids, so no
 *     saved id of 0 remains.
 *  4. cap_set_proc with exactly {NET_ADMIN, NET_RAW, NET_BIND_SERVICE} in
 *     effective and permitted, nothing inheritable; clear ambient.
 *  5. PR_SET_NO_NEW_PRIVS.
 *  6. Verify: setuid(0) and setgid(0) must fail, and the capability set
 *     read back must be what we asked for.
 * Any failure is fatal to startup: a daemon that meant to drop root and
 * could not must not go on as root.
 */
#include <errno.h>
#include <grp.h>
#include <stdbool.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <gripd/privs.h>

static const cap_value_t kept[] = { CAP_NET_ADMIN, CAP_NET_RAW,
	CAP_NET_BIND_SERVICE };
#define NKEPT (sizeof(kept) / sizeof(kept[0]))

int
privs_lookup(const char *user, const char *group, uid_t *uid, gid_t *gid,
    char *err, size_t errlen)
{
	struct passwd *pw = getpwnam(user);

	if (pw == NULL) {
		snprintf(err, errlen, "user '%s' does not exist (create it with "
		    "'useradd --system --no-create-home %s' or set 'user' in "
		    "the configuration)", user, user);
		return -ENOENT;
	}
	*uid = pw->pw_uid;
	*gid = pw->pw_gid;
	if (group != NULL && *group != '\0') {
		struct group *gr = getgrnam(group);
		if (gr == NULL) {
			snprintf(err, errlen, "group '%s' does not exist", group);
			return -ENOENT;
		}
		*gid = gr->gr_gid;
	}
	return 0;
}

static bool
is_kept(cap_value_t c)
{
	for (size_t i = 0; i < NKEPT; i++)
		if (kept[i] == c)
			return true;
	return false;
}

int
privs_drop(uid_t uid, gid_t gid, char *err, size_t errlen)
{
	cap_t caps;
	int e;

	if (geteuid() != 0)
		return 0;
	for (cap_value_t c = 0; c <= CAP_LAST_CAP; c++) {
		if (is_kept(c))
			continue;
		if (prctl(PR_CAPBSET_DROP, c, 0, 0, 0) < 0 && errno != EINVAL) {
			e = errno;
			snprintf(err, errlen, "dropping capability %d from the "
			    "bounding set: %s", c, strerror(e));
			return -e;
		}
	}
	if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0 ||
	    setgroups(1, &gid) < 0 || setresgid(gid, gid, gid) < 0 ||
	    setresuid(uid, uid, uid) < 0) {
		e = errno;
		snprintf(err, errlen, "changing to uid %u gid %u: %s",
		    (unsigned)uid, (unsigned)gid, strerror(e));
		return -e;
	}
	caps = cap_init();
	if (caps == NULL ||
	    cap_set_flag(caps, CAP_EFFECTIVE, NKEPT, kept, CAP_SET) < 0 ||
	    cap_set_flag(caps, CAP_PERMITTED, NKEPT, kept, CAP_SET) < 0 ||
	    cap_set_proc(caps) < 0) {
		e = errno;
		cap_free(caps);
		snprintf(err, errlen, "setting capabilities: %s", strerror(e));
		return -e;
	}
	cap_free(caps);
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 &&
	    errno != EINVAL) {
		e = errno;
		snprintf(err, errlen, "clearing ambient capabilities: %s",
		    strerror(e));
		return -e;
	}
	if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0 ||
	    prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
		e = errno;
		snprintf(err, errlen, "setting no-new-privs: %s", strerror(e));
		return -e;
	}
	if (uid != 0 && (setuid(0) == 0 || seteuid(0) == 0)) {
		snprintf(err, errlen, "regained root after dropping it");
		return -EPERM;
	}
	if (gid != 0 && setgid(0) == 0) {
		snprintf(err, errlen, "regained gid 0 after dropping it");
		return -EPERM;
	}
	/* Read back: exactly the three, effective and permitted. */
	caps = cap_get_proc();
	for (cap_value_t c = 0; caps != NULL && c <= CAP_LAST_CAP; c++) {
		cap_flag_value_t ef, pe, in;
		cap_get_flag(caps, c, CAP_EFFECTIVE, &ef);
		cap_get_flag(caps, c, CAP_PERMITTED, &pe);
		cap_get_flag(caps, c, CAP_INHERITABLE, &in);
		bool want = is_kept(c);
		if ((ef == CAP_SET) != want || (pe == CAP_SET) != want ||
		    in == CAP_SET) {
			cap_free(caps);
			snprintf(err, errlen, "capability %d not as intended "
			    "after dropping privileges", c);
			return -EPERM;
		}
	}
	cap_free(caps);
#if defined(__SANITIZE_ADDRESS__)
	/*
	 * Sanitizer builds only: changing uid cleared the dumpable flag, and
	 * LeakSanitizer needs to ptrace its own threads at exit.
	 */
	prctl(PR_SET_DUMPABLE, 1, 0, 0, 0);
#endif
	return 0;
}

/*
 * Restart (handoff.c): execve() by a non-root process keeps capabilities
 * only through the ambient set, which needs them inheritable too.  Raised
 * just before the exec; the new process clears both (privs_after_exec).
 * As root nothing is needed: exec keeps root's full set.
 */
int
privs_keep_across_exec(char *err, size_t errlen)
{
	cap_t caps;

	if (geteuid() == 0)
		return 0;
	caps = cap_get_proc();
	if (caps == NULL ||
	    cap_set_flag(caps, CAP_INHERITABLE, NKEPT, kept, CAP_SET) < 0 ||
	    cap_set_proc(caps) < 0) {
		snprintf(err, errlen, "cannot make capabilities inheritable: %s",
		    strerror(errno));
		if (caps)
			cap_free(caps);
		return -1;
	}
	cap_free(caps);
	for (size_t i = 0; i < NKEPT; i++)
		if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, kept[i], 0, 0) < 0) {
			snprintf(err, errlen, "cannot raise ambient capability %d: %s",
			    (int)kept[i], strerror(errno));
			return -1;
		}
	return 0;
}

int
privs_after_exec(char *err, size_t errlen)
{
	cap_t caps;

	if (geteuid() == 0)
		return 0;
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 &&
	    errno != EINVAL) {
		snprintf(err, errlen, "cannot clear ambient capabilities: %s",
		    strerror(errno));
		return -1;
	}
	caps = cap_get_proc();
	if (caps == NULL || cap_clear_flag(caps, CAP_INHERITABLE) < 0 ||
	    cap_set_proc(caps) < 0) {
		snprintf(err, errlen, "cannot clear inheritable capabilities: %s",
		    strerror(errno));
		if (caps)
			cap_free(caps);
		return -1;
	}
	cap_free(caps);
	prctl(PR_SET_DUMPABLE, 1, 0, 0, 0);
	return 0;
}
