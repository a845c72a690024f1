/* SPDX-License-Identifier: ISC */
/*
 * DOC: sbuf and json
 *
 * A growable buffer that doubles, and a streaming JSON writer that knows
 * where commas go.  JSON strings are escaped per RFC 8259 section 7 (quote,
 * backslash and control characters); bytes >= 0x80 pass through, so valid
 * UTF-8 stays valid.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gripd/sbuf.h>

static bool
sbuf_grow(struct sbuf *sb, size_t need)
{
	if (sb->oom)
		return false;
	if (sb->len + need + 1 <= sb->cap)
		return true;
	size_t cap = sb->cap ? sb->cap : 256;
	while (cap < sb->len + need + 1)
		cap *= 2;
	char *p = realloc(sb->buf, cap);
	if (p == NULL) {
		sb->oom = true;
		return false;
	}
	sb->buf = p;
	sb->cap = cap;
	return true;
}

void
sbuf_free(struct sbuf *sb)
{
	free(sb->buf);
	memset(sb, 0, sizeof(*sb));
}

void
sbuf_reset(struct sbuf *sb)
{
	sb->len = sb->off = 0;
	sb->oom = false;
	if (sb->buf)
		sb->buf[0] = '\0';
}

void
sbuf_add(struct sbuf *sb, const void *p, size_t n)
{
	if (!sbuf_grow(sb, n))
		return;
	memcpy(sb->buf + sb->len, p, n);
	sb->len += n;
	sb->buf[sb->len] = '\0';
}

void
sbuf_printf(struct sbuf *sb, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || !sbuf_grow(sb, (size_t)n))
		return;
	va_start(ap, fmt);
	vsnprintf(sb->buf + sb->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	sb->len += (size_t)n;
}

void
sbuf_consume(struct sbuf *sb, size_t n)
{
	sb->off += n;
	if (sb->off >= sb->len)
		sb->off = sb->len = 0;
}

const char *
sbuf_str(struct sbuf *sb)
{
	return sb->buf && !sb->oom ? sb->buf + sb->off : "";
}

void
json_quote(struct sbuf *sb, const char *s)
{
	sbuf_add(sb, "\"", 1);
	for (; s && *s; s++) {
		unsigned char c = (unsigned char)*s;
		switch (c) {
		case '"':
			sbuf_add(sb, "\\\"", 2);
			break;
		case '\\':
			sbuf_add(sb, "\\\\", 2);
			break;
		case '\n':
			sbuf_add(sb, "\\n", 2);
			break;
		case '\t':
			sbuf_add(sb, "\\t", 2);
			break;
		default:
			if (c < 0x20)
				sbuf_printf(sb, "\\u%04x", c);
			else
				sbuf_add(sb, s, 1);
		}
	}
	sbuf_add(sb, "\"", 1);
}

void
json_init(struct json *j, struct sbuf *sb)
{
	memset(j, 0, sizeof(*j));
	j->sb = sb;
	j->first[0] = true;
}

static void
json_key(struct json *j, const char *key)
{
	if (!j->first[j->depth])
		sbuf_add(j->sb, ",", 1);
	j->first[j->depth] = false;
	if (j->depth > 0 && !j->in_array[j->depth] && key != NULL) {
		json_quote(j->sb, key);
		sbuf_add(j->sb, ":", 1);
	}
}

static void
json_open(struct json *j, const char *key, bool array)
{
	json_key(j, key);
	sbuf_add(j->sb, array ? "[" : "{", 1);
	if (j->depth < 31)
		j->depth++;
	j->first[j->depth] = true;
	j->in_array[j->depth] = array;
}

void
json_obj_open(struct json *j, const char *key)
{
	json_open(j, key, false);
}

void
json_arr_open(struct json *j, const char *key)
{
	json_open(j, key, true);
}

void
json_close(struct json *j)
{
	sbuf_add(j->sb, j->in_array[j->depth] ? "]" : "}", 1);
	if (j->depth > 0)
		j->depth--;
}

void
json_str(struct json *j, const char *key, const char *val)
{
	json_key(j, key);
	if (val == NULL)
		sbuf_add(j->sb, "null", 4);
	else
		json_quote(j->sb, val);
}

void
json_int(struct json *j, const char *key, long long val)
{
	json_key(j, key);
	sbuf_printf(j->sb, "%lld", val);
}

void
json_uint(struct json *j, const char *key, unsigned long long val)
{
	json_key(j, key);
	sbuf_printf(j->sb, "%llu", val);
}

void
json_bool(struct json *j, const char *key, bool val)
{
	json_key(j, key);
	sbuf_add(j->sb, val ? "true" : "false", val ? 4 : 5);
}

void
json_null(struct json *j, const char *key)
{
	json_key(j, key);
	sbuf_add(j->sb, "null", 4);
}
