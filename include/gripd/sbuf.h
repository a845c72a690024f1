/* SPDX-License-Identifier: ISC */
/*
 * sbuf.h: a growable byte/string buffer, and a small JSON writer on top
 * of it.  Used for control-socket replies and queued writes.  Allocation
 * failure is sticky (sbuf->oom) and checked once by the owner.
 */
#ifndef GRIPD_SBUF_H
#define GRIPD_SBUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct sbuf {
	char *buf;
	size_t len, cap;
	size_t off; /* consumed prefix, for write queues */
	bool oom;
};

void sbuf_free(struct sbuf *sb);
void sbuf_reset(struct sbuf *sb);
void sbuf_add(struct sbuf *sb, const void *p, size_t n);
void sbuf_printf(struct sbuf *sb, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Drops the first n unconsumed bytes (after a partial write). */
void sbuf_consume(struct sbuf *sb, size_t n);
static inline size_t
sbuf_pending(const struct sbuf *sb)
{
	return sb->len - sb->off;
}
/* Returns a NUL-terminated view of the contents ("" when empty). */
const char *sbuf_str(struct sbuf *sb);

/*
 * JSON writer: json_obj_open(j, key) / json_arr_open ... json_close(j).
 * Keys are ignored inside arrays (pass NULL).  Commas are handled here.
 */
struct json {
	struct sbuf *sb;
	int depth;
	bool first[32];
	bool in_array[32];
};

void json_init(struct json *j, struct sbuf *sb);
void json_obj_open(struct json *j, const char *key);
void json_arr_open(struct json *j, const char *key);
void json_close(struct json *j);
void json_str(struct json *j, const char *key, const char *val);
void json_int(struct json *j, const char *key, long long val);
void json_uint(struct json *j, const char *key, unsigned long long val);
void json_bool(struct json *j, const char *key, bool val);
void json_null(struct json *j, const char *key);
/* Writes s as a JSON string literal (quotes and escapes). */
void json_quote(struct sbuf *sb, const char *s);

#endif
