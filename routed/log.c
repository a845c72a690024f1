/* SPDX-License-Identifier: ISC */
/*
 * DOC: logging
 *
 * One process-wide sink: stderr with a timestamp (foreground, tests) or
 * syslog (daemon).  The level filter applies to everything but debug lines,
 * which are enabled per module through a bit mask so that `debug adjacency`
 * does not drown the log in datapath noise.  The datapath worker threads may
 * log too: stdio and syslog are thread-safe, and each line is written with
 * one call.
 */
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include <gripd/log.h>

unsigned log_debug_mask;
static enum log_level log_level = LOG_LVL_INFO;
static bool log_to_syslog;

static const char *const level_names[] = {
	[LOG_LVL_ERROR] = "error",
	[LOG_LVL_WARNING] = "warning",
	[LOG_LVL_NOTICE] = "notice",
	[LOG_LVL_INFO] = "info",
	[LOG_LVL_DEBUG] = "debug",
};

static const struct {
	const char *name;
	unsigned bit;
} module_names[] = {
	{ "adjacency", LOGM_ADJACENCY },
	{ "tunnel", LOGM_TUNNEL },
	{ "esp", LOGM_ESP },
	{ "ike", LOGM_IKE },
	{ "rib", LOGM_RIB },
	{ "zebra", LOGM_ZEBRA },
	{ "config", LOGM_CONFIG },
	{ "control", LOGM_CONTROL },
	{ "datapath", LOGM_DATAPATH },
	{ "all", LOGM_ALL },
};

void
log_open_stderr(void)
{
	if (log_to_syslog)
		closelog();
	log_to_syslog = false;
}

void
log_open_syslog(const char *ident, int facility)
{
	openlog(ident, LOG_PID | LOG_NDELAY, facility);
	log_to_syslog = true;
}

void
log_set_level(enum log_level level)
{
	log_level = level;
}

enum log_level
log_get_level(void)
{
	return log_level;
}

unsigned
log_module_by_name(const char *name)
{
	for (size_t i = 0; i < sizeof(module_names) / sizeof(module_names[0]); i++)
		if (strcmp(module_names[i].name, name) == 0)
			return module_names[i].bit;
	return 0;
}

const char *
log_module_name(unsigned bit)
{
	for (size_t i = 0; i < sizeof(module_names) / sizeof(module_names[0]); i++)
		if (module_names[i].bit == bit)
			return module_names[i].name;
	return "?";
}

void
log_set_debug(unsigned modules, bool on)
{
	if (on)
		log_debug_mask |= modules;
	else
		log_debug_mask &= ~modules;
}

unsigned
log_get_debug(void)
{
	return log_debug_mask;
}

int
log_level_by_name(const char *name)
{
	for (int i = 0; i <= LOG_LVL_DEBUG; i++)
		if (strcmp(level_names[i], name) == 0)
			return i;
	return -1;
}

const char *
log_level_name(enum log_level level)
{
	if ((unsigned)level > LOG_LVL_DEBUG)
		return "?";
	return level_names[level];
}

void
log_vmsg(enum log_level level, const char *fmt, va_list ap)
{
	static const int prio[] = { LOG_ERR, LOG_WARNING, LOG_NOTICE,
		LOG_INFO, LOG_DEBUG };
	char line[1024];

	if (level > log_level && level != LOG_LVL_DEBUG)
		return;
	vsnprintf(line, sizeof(line), fmt, ap);
	if (log_to_syslog) {
		syslog(prio[level], "%s", line);
		return;
	}
	struct timespec ts;
	struct tm tm;
	clock_gettime(CLOCK_REALTIME, &ts);
	localtime_r(&ts.tv_sec, &tm);
	fprintf(stderr, "%02d:%02d:%02d.%03ld %s: %s\n", tm.tm_hour, tm.tm_min,
	    tm.tm_sec, ts.tv_nsec / 1000000, level_names[level], line);
}

void
log_msg(enum log_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vmsg(level, fmt, ap);
	va_end(ap);
}

void
log_ratelimited(struct log_ratelimit *rl, uint64_t now_ms,
    enum log_level level, const char *fmt, ...)
{
	va_list ap;

	if (now_ms - rl->window_start_ms >= rl->interval_ms) {
		if (rl->suppressed > 0)
			log_msg(level, "(%u similar messages suppressed)",
			    rl->suppressed);
		rl->window_start_ms = now_ms;
		rl->printed = 0;
		rl->suppressed = 0;
	}
	if (rl->printed >= rl->burst) {
		rl->suppressed++;
		return;
	}
	rl->printed++;
	va_start(ap, fmt);
	log_vmsg(level, fmt, ap);
	va_end(ap);
}
