/* SPDX-License-Identifier: ISC */
/*
 * log.h: gripd's logging.  Lines go to stderr in the foreground and to
 * syslog as a daemon.  Every line names its object first
 * ("hub west-1: adjacency INIT -> UP"), so callers format that prefix.
 * Debug lines are switched per module (config `debug adjacency`, or
 * `gripctl debug adjacency`).  Peer-caused lines go through a rate limiter.
 */
#ifndef GRIPD_LOG_H
#define GRIPD_LOG_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>

enum log_level {
	LOG_LVL_ERROR,
	LOG_LVL_WARNING,
	LOG_LVL_NOTICE,
	LOG_LVL_INFO,
	LOG_LVL_DEBUG,
};

/* Debug switches, one bit per module. */
enum log_module {
	LOGM_ADJACENCY = 1u << 0,
	LOGM_TUNNEL = 1u << 1,
	LOGM_ESP = 1u << 2,
	LOGM_IKE = 1u << 3,
	LOGM_RIB = 1u << 4,
	LOGM_ZEBRA = 1u << 5,
	LOGM_CONFIG = 1u << 6,
	LOGM_CONTROL = 1u << 7,
	LOGM_DATAPATH = 1u << 8,
	LOGM_ALL = 0x1ffu,
};

/* Output: stderr (foreground) or syslog with a facility (LOG_DAEMON...). */
void log_open_stderr(void);
void log_open_syslog(const char *ident, int facility);
void log_set_level(enum log_level level);
enum log_level log_get_level(void);

/* Returns the module bit for "adjacency", "all" ... or 0 if unknown. */
unsigned log_module_by_name(const char *name);
/* Returns the name of one module bit. */
const char *log_module_name(unsigned bit);
void log_set_debug(unsigned modules, bool on);
unsigned log_get_debug(void);
static inline bool
log_debug_on(unsigned module)
{
	extern unsigned log_debug_mask;
	return (log_debug_mask & module) != 0;
}

/* Returns the level for "error", "warning", ... or -1. */
int log_level_by_name(const char *name);
const char *log_level_name(enum log_level level);

void log_msg(enum log_level level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void log_vmsg(enum log_level level, const char *fmt, va_list ap);

#define log_err(...) log_msg(LOG_LVL_ERROR, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_LVL_WARNING, __VA_ARGS__)
#define log_notice(...) log_msg(LOG_LVL_NOTICE, __VA_ARGS__)
#define log_info(...) log_msg(LOG_LVL_INFO, __VA_ARGS__)
#define log_debug(mod, ...)                                                    \
	do {                                                                   \
		if (log_debug_on(mod))                                         \
			log_msg(LOG_LVL_DEBUG, __VA_ARGS__);                   \
	} while (0)

/*
 * Rate limiter for lines a peer can cause: at most `burst` lines per
 * `interval_ms`; the next line after a quiet period reports how many were
 * suppressed.
 */
struct log_ratelimit {
	uint64_t window_start_ms;
	uint32_t interval_ms;
	uint32_t burst;
	uint32_t printed;
	uint32_t suppressed;
};
#define LOG_RATELIMIT_INIT(interval, n) { 0, (interval), (n), 0, 0 }

void log_ratelimited(struct log_ratelimit *rl, uint64_t now_ms,
    enum log_level level, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

#endif
