/* SPDX-License-Identifier: ISC */
/*
 * check.h: the smallest test harness that tells you what failed.
 *
 *   CHECK(cond)               a boolean
 *   CHECK_EQ(a, b)            integers (printed as long long)
 *   CHECK_STREQ(a, b)         strings
 *   CHECK_MEMEQ(a, b, n)      byte ranges (hex dump of both on failure)
 *   return check_report();    at the end of main: prints "N passed, N failed"
 */
#ifndef GRIPD_TEST_CHECK_H
#define GRIPD_TEST_CHECK_H

#include <stdio.h>
#include <string.h>

static int check_passed, check_failed;

#define CHECK(c)                                                               \
	do {                                                                   \
		if (c) {                                                       \
			check_passed++;                                        \
		} else {                                                       \
			check_failed++;                                        \
			fprintf(stderr, "%s:%d: CHECK(%s) failed\n", __FILE__, \
			    __LINE__, #c);                                     \
		}                                                              \
	} while (0)

#define CHECK_EQ(a, b)                                                         \
	do {                                                                   \
		long long check_a_ = (long long)(a), check_b_ = (long long)(b);\
		if (check_a_ == check_b_) {                                    \
			check_passed++;                                        \
		} else {                                                       \
			check_failed++;                                        \
			fprintf(stderr, "%s:%d: %s == %s failed: %lld != %lld\n", \
			    __FILE__, __LINE__, #a, #b, check_a_, check_b_);   \
		}                                                              \
	} while (0)

#define CHECK_STREQ(a, b)                                                      \
	do {                                                                   \
		const char *check_a_ = (a), *check_b_ = (b);                   \
		if (check_a_ != NULL && check_b_ != NULL &&                    \
		    strcmp(check_a_, check_b_) == 0) {                         \
			check_passed++;                                        \
		} else {                                                       \
			check_failed++;                                        \
			fprintf(stderr, "%s:%d: %s == %s failed:\n  got:  \"%s\"\n  want: \"%s\"\n", \
			    __FILE__, __LINE__, #a, #b,                        \
			    check_a_ ? check_a_ : "(null)",                    \
			    check_b_ ? check_b_ : "(null)");                   \
		}                                                              \
	} while (0)

static inline void
check_hexdump(const char *tag, const void *p, size_t n)
{
	const unsigned char *b = p;
	fprintf(stderr, "  %s:", tag);
	for (size_t i = 0; i < n; i++)
		fprintf(stderr, "%s%02x", i % 16 ? " " : "\n    ", b[i]);
	fprintf(stderr, "\n");
}

#define CHECK_MEMEQ(a, b, n)                                                   \
	do {                                                                   \
		if (memcmp((a), (b), (n)) == 0) {                              \
			check_passed++;                                        \
		} else {                                                       \
			check_failed++;                                        \
			fprintf(stderr, "%s:%d: %s == %s (%zu bytes) failed\n",\
			    __FILE__, __LINE__, #a, #b, (size_t)(n));          \
			check_hexdump("got", (a), (n));                        \
			check_hexdump("want", (b), (n));                       \
		}                                                              \
	} while (0)

static inline int
check_report(void)
{
	printf("%d passed, %d failed\n", check_passed, check_failed);
	return check_failed ? 1 : 0;
}

#endif
