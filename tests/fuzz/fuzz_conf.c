/* SPDX-License-Identifier: ISC */
/*
 * fuzz_conf: the configuration parser and check pass on arbitrary bytes.
 * Beyond "no crash, no leak", it checks the printer's promise: whatever
 * parses without errors prints to a text that parses without errors and
 * prints identically (with and without defaults).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <gripd/conf.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char *
print_str(const struct conf *c, unsigned flags, size_t *len)
{
	char *buf = NULL;
	FILE *f = open_memstream(&buf, len);

	if (f == NULL)
		abort();
	conf_print_flags(c, f, flags);
	fclose(f);
	return buf;
}

static void
roundtrip(const struct conf *c, unsigned flags)
{
	struct conf_diag_list d;
	struct conf *c2 = NULL;
	size_t len, len2;
	char *a = print_str(c, flags, &len), *b;

	conf_diag_init(&d);
	if (conf_parse_buffer("printed", a, len, &c2, &d) != 0) {
		conf_diag_print(&d, stderr);
		fprintf(stderr, "%s", a);
		abort();
	}
	b = print_str(c2, flags, &len2);
	if (len != len2 || memcmp(a, b, len) != 0) {
		fprintf(stderr, "---\n%s---\n%s", a, b);
		abort();
	}
	free(a);
	free(b);
	conf_free(c2);
	conf_diag_free(&d);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct conf_diag_list d;
	struct conf *c = NULL;
	int r;

	conf_diag_init(&d);
	r = conf_parse_buffer("fuzz.conf", (const char *)data, size, &c, &d);
	if (r == 0 && c != NULL) {
		roundtrip(c, 0);
		roundtrip(c, CONF_PRINT_DEFAULTS);
	}
	conf_free(c);
	conf_diag_free(&d);
	return 0;
}
