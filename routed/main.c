/* SPDX-License-Identifier: ISC */
/*
 * gripd: keeps IPsec-protected GRE tunnels up to every hub, runs an
 * adjacency over each, and injects the routes it learns.  See gripd(8).
 *
 * Start-up order: parse and check the configuration (and read the secret
 * files) as root; open the control socket and everything else that needs
 * privileges; drop to the configured user keeping CAP_NET_ADMIN,
 * CAP_NET_RAW and CAP_NET_BIND_SERVICE; tell systemd (or the parent of a
 * forking start) that we are ready; run the loop.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <gripd/conf.h>
#include <gripd/ctl.h>
#include <gripd/log.h>
#include <gripd/loop.h>
#include <gripd/notify.h>
#include <gripd/privs.h>
#include <gripd/tun.h>

#include "daemon.h"
#include "handoff.h"

#define DEFAULT_CONF GRIPD_SYSCONFDIR "/gripd.conf"
#define EXIT_RUNTIME 1

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: gripd [-FdnvV] [-f FILE] [-s SOCKET]\n"
	    "  -f FILE    configuration file (default %s)\n"
	    "  -n         check the configuration and exit\n"
	    "  -v         with -n: print the normalized configuration (-vv: with defaults)\n"
	    "  -F         stay in the foreground, log to stderr\n"
	    "  -d         debug: foreground, every debug switch on\n"
	    "  -s SOCKET  control socket path (overrides control-socket)\n"
	    "  -V         print the version and exit\n"
	    "Exit status: 0 ok, 1 runtime error, 2 usage, %d configuration error.\n",
	    DEFAULT_CONF, CONF_EXIT_ERROR);
}

/*
 * The adjacency epoch (docs/protocol.md 5.2): the wall clock in seconds,
 * but always above the last epoch this host used, so a restart within the
 * same second or after the clock stepped back is not taken for a replay.
 * Kept in the state directory (seqstore_default_dir(): GRIPD_STATEDIR or
 * the compiled-in one) as "epoch", written before privileges are dropped.
 */
static uint32_t
epoch_next(void)
{
	const char *dir = seqstore_default_dir();
	char path[256], tmp[300], buf[32];
	uint32_t e = (uint32_t)time(NULL), last = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/epoch", dir);
	if ((f = fopen(path, "r")) != NULL) {
		if (fgets(buf, sizeof(buf), f) != NULL)
			last = (uint32_t)strtoul(buf, NULL, 10);
		fclose(f);
	}
	if (last >= e)
		e = last + 1;
	if (mkdir(dir, 0750) < 0 && errno != EEXIST)
		goto fail;
	snprintf(tmp, sizeof(tmp), "%s.%ld", path, (long)getpid());
	if ((f = fopen(tmp, "w")) == NULL)
		goto fail;
	fprintf(f, "%u\n", e);
	if (fclose(f) != 0 || rename(tmp, path) < 0) {
		unlink(tmp);
		goto fail;
	}
	return e;
fail:
	log_warn("gripd: cannot keep the adjacency epoch in %s: %s; using the "
		 "clock alone", path, strerror(errno));
	return e;
}

/* tun_open() asks here for a TUN the previous process handed over. */
static int
adopt_tun(const char *ifname)
{
	char name[32];

	snprintf(name, sizeof(name), "tun/%s", ifname);
	return handoff_take(name);
}

static void
on_signal(int signo, void *arg)
{
	struct gripd *d = arg;

	if (signo == SIGHUP) {
		notify_send("RELOADING=1");
		gripd_reload(d, loop_clock_ms());
		notify_send("READY=1");
		return;
	}
	log_notice("gripd: %s received, shutting down",
	    signo == SIGTERM ? "SIGTERM" : "SIGINT");
	gripd_shutdown(d, loop_clock_ms());
}

/*
 * Forks; the parent waits until the child reports readiness through a
 * pipe so that `gripd` exiting 0 means the daemon is serving.  Returns
 * the write end of the pipe in the child.
 */
static int
daemonize(void)
{
	int p[2];
	pid_t pid;
	char c;

	if (pipe2(p, O_CLOEXEC) < 0)
		return -1;
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid > 0) {
		close(p[1]);
		if (read(p[0], &c, 1) == 1)
			_exit(0);
		int st = 0;
		waitpid(pid, &st, 0);
		_exit(WIFEXITED(st) ? WEXITSTATUS(st) : EXIT_RUNTIME);
	}
	close(p[0]);
	setsid();
	if (chdir("/") < 0)
		return -1;
	int fd = open("/dev/null", O_RDWR);
	if (fd >= 0) {
		dup2(fd, STDIN_FILENO);
		dup2(fd, STDOUT_FILENO);
		dup2(fd, STDERR_FILENO);
		if (fd > 2)
			close(fd);
	}
	return p[1];
}

int
main(int argc, char **argv)
{
	struct gripd d = { 0 };
	struct conf_diag_list diags;
	bool check = false;
	int verbose = 0, c, r, ready_fd = -1;
	char err[512];

	snprintf(d.conf_path, sizeof(d.conf_path), "%s", DEFAULT_CONF);
	while ((c = getopt(argc, argv, "f:nvFds:Vh")) != -1) {
		switch (c) {
		case 'f':
			snprintf(d.conf_path, sizeof(d.conf_path), "%s", optarg);
			break;
		case 'n':
			check = true;
			break;
		case 'v':
			verbose++;
			break;
		case 'F':
			d.foreground = true;
			break;
		case 'd':
			d.foreground = true;
			d.debug = true;
			break;
		case 's':
			snprintf(d.ctl_path_override, sizeof(d.ctl_path_override),
			    "%s", optarg);
			break;
		case 'V':
			printf("gripd %s\n", GRIPD_VERSION);
			return 0;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	d.argv = argv;
	/* Where a restart execs: this path, whatever replaced the file since. */
	ssize_t el = readlink("/proc/self/exe", d.exe_path, sizeof(d.exe_path) - 1);
	d.exe_path[el > 0 ? el : 0] = '\0';
	if (el <= 0)
		snprintf(d.exe_path, sizeof(d.exe_path), "%s", argv[0]);
	/* Descriptors and state of a previous process (restart.c). */
	handoff_init();
	tun_set_adopt_hook(adopt_tun);
	for (int fd; (fd = handoff_take("tunpool")) >= 0;)
		if (tun_pool_adopt(fd) < 0)
			close(fd);

	conf_diag_init(&diags);
	r = conf_load(d.conf_path, &d.conf, &diags);
	conf_diag_print(&diags, stderr);
	conf_diag_free(&diags);
	if (r < 0 || d.conf == NULL) {
		if (!check)
			fprintf(stderr, "gripd: configuration has errors, not "
					"starting\n");
		return CONF_EXIT_ERROR;
	}
	if (check) {
		if (verbose)
			conf_print_flags(d.conf, stdout,
			    verbose > 1 ? CONF_PRINT_DEFAULTS : 0);
		else
			printf("configuration OK\n");
		conf_free(d.conf);
		return 0;
	}

	/* A restarted gripd is already detached (and its pid must not move). */
	if (!d.foreground && !handoff_restarted() && (ready_fd = daemonize()) < 0) {
		fprintf(stderr, "gripd: cannot daemonize: %s\n", strerror(errno));
		return EXIT_RUNTIME;
	}
	gripd_apply_logging(&d);
	d.mp_sock = -1;
	d.uid = (uid_t)-1;
	d.gid = (gid_t)-1;
	if (geteuid() == 0 && privs_lookup(d.conf->global.user,
	    d.conf->global.group, &d.uid, &d.gid, err, sizeof(err)) < 0) {
		log_err("gripd: %s", err);
		return EXIT_RUNTIME;
	}

	d.loop = loop_new();
	if (d.loop == NULL || loop_signals(d.loop, on_signal, &d) < 0) {
		log_err("gripd: cannot set up the event loop: %s", strerror(errno));
		return EXIT_RUNTIME;
	}
	d.started_ms = d.conf_loaded_ms = loop_clock_ms();
	loop_timer_init(&d.converged_timer, NULL, &d);
	loop_timer_init(&d.restart_timer, NULL, &d);

	const char *sock = d.ctl_path_override[0] ? d.ctl_path_override :
	    d.conf->global.control_socket;
	gid_t sock_gid = d.gid;
	if (d.conf->global.control_group[0]) {
		uid_t u;
		if (privs_lookup(d.conf->global.user, d.conf->global.control_group,
		    &u, &sock_gid, err, sizeof(err)) < 0) {
			log_err("gripd: control-group: %s", err);
			return EXIT_RUNTIME;
		}
	}
	d.ctl = ctl_open(d.loop, sock, d.uid, sock_gid);
	if (d.ctl == NULL)
		return EXIT_RUNTIME;
	if (gripd_register_commands(&d) < 0 || gripd_restart_register(&d) < 0 ||
	    gripd_apply_initial(&d, d.started_ms) < 0) {
		log_err("gripd: out of memory");
		return EXIT_RUNTIME;
	}

	/* Still root: a state directory the daemon can write (seqstore.c). */
	if (seqstore_prepare_dir(seqstore_default_dir(), d.uid, d.gid, err,
	    sizeof(err)) < 0)
		log_warn("gripd: %s; manual SAs cannot come up", err);
	d.epoch = epoch_next();
	gripd_restart_state(&d);
	if ((r = gripd_dp_open(&d)) < 0) {
		ctl_close(d.ctl);
		return EXIT_RUNTIME;
	}

	if (geteuid() == 0) {
		if (privs_drop(d.uid, d.gid, err, sizeof(err)) < 0) {
			log_err("gripd: cannot drop privileges: %s", err);
			ctl_close(d.ctl);
			return EXIT_RUNTIME;
		}
		log_info("gripd: running as %s (uid %u) with CAP_NET_ADMIN, "
			 "CAP_NET_RAW, CAP_NET_BIND_SERVICE",
		    d.conf->global.user, (unsigned)d.uid);
	} else if (d.restarted) {
		if (privs_after_exec(err, sizeof(err)) < 0) {
			log_err("gripd: %s", err);
			ctl_close(d.ctl);
			return EXIT_RUNTIME;
		}
		log_info("gripd: restarted in place as uid %u", (unsigned)geteuid());
	} else {
		log_warn("gripd: not started as root; running with the "
			 "privileges given (uid %u)", (unsigned)geteuid());
	}

	if ((r = gripd_dp_start(&d, loop_clock_ms())) < 0 ||
	    (r = gripd_routing_start(&d, loop_clock_ms())) < 0) {
		log_err("gripd: cannot start: %s", strerror(-r));
		gripd_routing_stop(&d);
		gripd_dp_stop(&d);
		ctl_close(d.ctl);
		return EXIT_RUNTIME;
	}

	handoff_close_unclaimed();
	log_notice("gripd %s: %s, site %s (%s), %zu hub(s), %zu spoke(s), "
		   "control socket %s", GRIPD_VERSION,
	    d.restarted ? "restarted in place" : "started",
	    d.conf->site ? d.conf->site->name : "-",
	    d.conf->site ? conf_role_name(d.conf->site->role) : "-",
	    d.conf->nhubs, d.conf->nspokes, sock);
	notify_send("READY=1\nSTATUS=running");
	if (ready_fd >= 0) {
		if (write(ready_fd, "r", 1) != 1) {
			/* the parent is gone; nothing to tell */
		}
		close(ready_fd);
	}

	r = loop_run(d.loop);
	notify_send("STOPPING=1");
	if (r < 0)
		log_err("gripd: event loop failed: %s", strerror(-r));
	gripd_routing_stop(&d);
	gripd_dp_stop(&d);
	ctl_close(d.ctl);
	gripd_free_peers(&d);
	conf_free(d.conf);
	loop_free(d.loop);
	log_notice("gripd: stopped");
	return r < 0 ? EXIT_RUNTIME : 0;
}
