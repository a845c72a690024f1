/* SPDX-License-Identifier: ISC */
/*
 * conf_test: the configuration passes without the gripd binary: value
 * parsers, diagnostics through conf_parse_buffer(), parse -> print -> parse
 * round trips (with and without defaults), inheritance, conf_load() with
 * includes and secret files in a scratch directory, and conf_diff().
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gripd/conf.h>

#include "check.h"
#include "conf_priv.h"

static const char spoke_conf[] =
    "log syslog\n"
    "site branch-12\n"
    " role spoke\n"
    " router-id 10.0.65.1\n"
    " local-address 203.0.113.134\n"
    " advertise 10.0.65.0/24\n"
    " hello-interval 1000ms\n"
    " hold-time 3s\n"
    " psk-file keys/site.psk\n"
    "!\n"
    "hub west-2\n"
    " address 198.51.100.23\n"
    " tunnel-address 10.0.2.6/30 peer 10.0.2.5\n"
    " cost 20\n"
    "!\n"
    "hub west-1\n"
    " address 198.51.100.22\n"
    " tunnel-address 10.0.2.2/30 peer 10.0.2.1\n"
    " hold-time 6s\n"
    "!\n";

static char *
print_str(const struct conf *c, unsigned flags)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	conf_print_flags(c, f, flags);
	fclose(f);
	return buf;
}

static void
test_values(void)
{
	char err[256];
	uint32_t v;
	struct conf_prefix p;

	CHECK_EQ(conf_parse_duration("300ms", 50, 60000, &v, err, sizeof(err)), 0);
	CHECK_EQ(v, 300);
	CHECK_EQ(conf_parse_duration("2m", 0, 3600000, &v, err, sizeof(err)), 0);
	CHECK_EQ(v, 120000);
	CHECK_EQ(conf_parse_duration("300", 50, 60000, &v, err, sizeof(err)),
	    -EINVAL);
	CHECK_STREQ(err, "expected a duration like 300ms or 3s, got '300'");
	CHECK_EQ(conf_parse_duration("99999999999s", 0, 60000, &v, err,
	    sizeof(err)), -EINVAL);
	CHECK_EQ(conf_parse_u32("0x10", 0, 100, &v, err, sizeof(err)), 0);
	CHECK_EQ(v, 16);
	CHECK_EQ(conf_parse_prefix("10.0.65.1/24", &p, err, sizeof(err)), 0);
	CHECK(conf_prefix_has_host_bits(&p));
	conf_prefix_mask(&p);
	conf_fmt_prefix(&p, err, sizeof(err));
	CHECK_STREQ(err, "10.0.65.0/24");
	CHECK_EQ(conf_parse_prefix("10.0.0.0/33", &p, err, sizeof(err)),
	    -EINVAL);
	CHECK_EQ(conf_parse_prefix("2001:db8::/129", &p, err, sizeof(err)),
	    -EINVAL);
	CHECK_EQ(conf_check_ifname("grip-0123456789", err, sizeof(err)), 0);
	CHECK_EQ(conf_check_ifname("grip-0123456789a", err, sizeof(err)),
	    -EINVAL);
	CHECK_EQ(conf_check_identity("west-1.example.net", err, sizeof(err)),
	    0);
	CHECK_EQ(conf_check_identity("ops@example.net", err, sizeof(err)), 0);
	CHECK_EQ(conf_check_identity("2001:db8::1", err, sizeof(err)), 0);
	CHECK_EQ(conf_check_identity("a..b", err, sizeof(err)), -EINVAL);
	CHECK_EQ(conf_check_proposal("aes128gcm16-prfsha256-x25519", true,
	    err, sizeof(err)), 0);
	CHECK_EQ(conf_check_proposal("aes128gcm16-x25519", true, err,
	    sizeof(err)), -EINVAL);
	CHECK_EQ(conf_check_proposal("aes256gcm16-esn", false, err,
	    sizeof(err)), 0);
	CHECK_EQ(conf_check_proposal("aes256gcm16-,", false, err,
	    sizeof(err)), -EINVAL);
	CHECK_EQ(conf_cipher_keylen(CONF_CIPHER_AES128GCM16), 20);
	CHECK_EQ(conf_cipher_keylen(CONF_CIPHER_AES256_SHA256), 64);
}

static void
test_roundtrip(void)
{
	struct conf_diag_list d;
	struct conf *c, *c2;
	char *out, *out2, *all, *all2;

	conf_diag_init(&d);
	CHECK_EQ(conf_parse_buffer("t.conf", spoke_conf, strlen(spoke_conf),
	    &c, &d), 0);
	CHECK_EQ(d.n, 0);
	CHECK(c != NULL);
	/* sorted by name, inheritance applied */
	CHECK_EQ(c->nhubs, 2);
	CHECK_STREQ(c->hubs[0]->name, "west-1");
	CHECK_STREQ(c->hubs[0]->ifname, "grip-west-1");
	CHECK_EQ(c->hubs[0]->opts.hello_ms, 1000);
	CHECK_EQ(c->hubs[0]->opts.hold_ms, 6000);
	CHECK_EQ(c->hubs[1]->opts.hold_ms, 3000);
	CHECK_EQ(c->hubs[1]->cost, 20);
	CHECK_EQ(c->hubs[0]->cost, CONF_DEF_COST);
	CHECK_STREQ(c->hubs[1]->opts.psk.path, "keys/site.psk");
	CHECK_EQ(c->site->route_distance, CONF_DEF_ROUTE_DISTANCE);
	CHECK_EQ(c->global.log_dest, CONF_LOG_SYSLOG);

	out = print_str(c, 0);
	all = print_str(c, CONF_PRINT_DEFAULTS);
	CHECK(strstr(out, "hello-interval 1s\n") != NULL);
	CHECK(strstr(out, "hub west-1\n") < strstr(out, "hub west-2\n"));
	CHECK(strstr(out, "route-distance") == NULL);
	CHECK(strstr(all, " route-distance 150\n") != NULL);

	CHECK_EQ(conf_parse_buffer("out.conf", out, strlen(out), &c2, &d), 0);
	out2 = print_str(c2, 0);
	CHECK_STREQ(out2, out);
	conf_free(c2);
	free(out2);
	CHECK_EQ(conf_parse_buffer("all.conf", all, strlen(all), &c2, &d), 0);
	all2 = print_str(c2, CONF_PRINT_DEFAULTS);
	CHECK_STREQ(all2, all);
	CHECK_EQ(d.n, 0);
	conf_free(c2);
	free(all2);
	free(out);
	free(all);
	conf_free(c);
	conf_diag_free(&d);
}

static void
test_diags(void)
{
	static const char bad[] =
	    "site s\n"
	    " role spoke\n"
	    " router-id 10.0.0.1\n"
	    " hello-interval 300\n"
	    " psk-file k\n"
	    "!\n"
	    "hub h\n"
	    "    cots 10\n"
	    " address 10.9.9.9\n"
	    " tunnel-address 10.0.2.2/30 peer 10.0.2.1\n"
	    "!\n";
	struct conf_diag_list d;
	struct conf *c;

	conf_diag_init(&d);
	CHECK_EQ(conf_parse_buffer("sites.d/x.conf", bad, strlen(bad), &c,
	    &d), -EINVAL);
	CHECK_EQ(d.errors, 2);
	CHECK_EQ(d.n, 2);
	if (d.n == 2) {
		CHECK_STREQ(d.msgs[0], "sites.d/x.conf:4:17: error: "
		    "hello-interval: expected a duration like 300ms or 3s, "
		    "got '300'");
		CHECK(strncmp(d.msgs[1], "sites.d/x.conf:8:5: error: unknown "
		    "keyword 'cots' in hub stanza (expected one of: address, "
		    "cost, ", 87) == 0);
	}
	conf_free(c);
	conf_diag_free(&d);

	/* no site at all */
	conf_diag_init(&d);
	CHECK_EQ(conf_parse_buffer("g.conf", "", 0, &c, &d), -EINVAL);
	CHECK_EQ(d.n, 1);
	conf_free(c);
	conf_diag_free(&d);
}

static int
wfile(const char *path, const char *text, mode_t mode)
{
	FILE *f = fopen(path, "w");

	if (f == NULL)
		return -1;
	fputs(text, f);
	fclose(f);
	return chmod(path, mode);
}

static int ndiff, nchanged, nadded, nremoved;

static void
diff_cb(void *arg, enum conf_obj obj, enum conf_change ch, const char *name,
    const void *o, const void *n)
{
	ndiff++;
	nchanged += ch == CONF_CHANGED;
	nadded += ch == CONF_ADDED;
	nremoved += ch == CONF_REMOVED;
	if (arg != NULL)
		printf("diff: %s %s %s\n", conf_obj_name(obj), name,
		    conf_change_name(ch));
}

static void
test_load_and_diff(void)
{
	char dir[] = "/tmp/conf_test.XXXXXX", path[512];
	struct conf_diag_list d;
	struct conf *a, *b;

	if (mkdtemp(dir) == NULL) {
		CHECK(0);
		return;
	}
	snprintf(path, sizeof(path), "%s/sites.d", dir);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/keys", dir);
	mkdir(path, 0700);
	snprintf(path, sizeof(path), "%s/gripd.conf", dir);
	wfile(path, "site s\n role spoke\n router-id 10.0.0.1\n"
	    " psk-file keys/site.psk\n!\ninclude sites.d/*.conf\n", 0644);
	snprintf(path, sizeof(path), "%s/sites.d/a.conf", dir);
	wfile(path, "hub a\n address 192.0.2.1\n"
	    " tunnel-address 10.0.2.2/30 peer 10.0.2.1\n!\n", 0644);
	snprintf(path, sizeof(path), "%s/sites.d/b.conf", dir);
	wfile(path, "hub b\n address 192.0.2.2\n"
	    " tunnel-address 10.0.2.6/30 peer 10.0.2.5\n"
	    " keying manual\n"
	    " manual-sa in spi 0x1000 cipher aes128gcm16 key-file keys/in\n"
	    " manual-sa out spi 0x1001 cipher aes128gcm16 key-file keys/out\n"
	    "!\n", 0644);
	snprintf(path, sizeof(path), "%s/keys/site.psk", dir);
	wfile(path, "secret\n", 0600);
	snprintf(path, sizeof(path), "%s/keys/in", dir);
	wfile(path, "000102030405060708090a0b0c0d0e0f10111213\n", 0600);
	snprintf(path, sizeof(path), "%s/keys/out", dir);
	wfile(path, "0x00:01:02:03:04:05:06:07:08:09:0a:0b:0c:0d:0e:0f:10:11:12:14",
	    0600);

	conf_diag_init(&d);
	snprintf(path, sizeof(path), "%s/gripd.conf", dir);
	CHECK_EQ(conf_load(path, &a, &d), 0);
	conf_diag_print(&d, stderr);
	CHECK(a != NULL);
	if (a == NULL)
		return;
	CHECK_EQ(a->nhubs, 2);
	CHECK_EQ(a->site->opts.psk.len, 6);
	CHECK_MEMEQ(a->site->opts.psk.data, "secret", 6);
	CHECK_EQ(a->hubs[0]->opts.psk.len, 6); /* inherited content */
	CHECK_EQ(a->hubs[1]->sa_in.key.len, 20);
	CHECK_EQ(a->hubs[1]->sa_out.key.data[19], 0x14);

	/* same files: no difference */
	CHECK_EQ(conf_load(path, &b, &d), 0);
	ndiff = 0;
	CHECK_EQ(conf_diff(a, b, diff_cb, NULL), 0);
	CHECK_EQ(ndiff, 0);
	conf_free(b);

	/* a new PSK changes the site and hub a (inherits it), not hub b's
	 * manual SAs... which also inherit the PSK path: b changes too */
	snprintf(path, sizeof(path), "%s/keys/site.psk", dir);
	wfile(path, "other\n", 0600);
	snprintf(path, sizeof(path), "%s/sites.d/c.conf", dir);
	wfile(path, "hub c\n address 192.0.2.3\n"
	    " tunnel-address 10.0.2.10/30 peer 10.0.2.9\n!\n", 0644);
	snprintf(path, sizeof(path), "%s/sites.d/a.conf", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/gripd.conf", dir);
	CHECK_EQ(conf_load(path, &b, &d), 0);
	ndiff = nchanged = nadded = nremoved = 0;
	CHECK_EQ(conf_diff(a, b, diff_cb, NULL), 0);
	CHECK_EQ(nremoved, 1); /* a */
	CHECK_EQ(nadded, 1);   /* c */
	CHECK_EQ(nchanged, 2); /* site, b */
	conf_free(b);

	/* a readable secret is refused with the ssh-like message */
	snprintf(path, sizeof(path), "%s/keys/site.psk", dir);
	chmod(path, 0644);
	snprintf(path, sizeof(path), "%s/gripd.conf", dir);
	conf_diag_free(&d);
	conf_diag_init(&d);
	CHECK_EQ(conf_load(path, &b, &d), -EINVAL);
	CHECK(b == NULL);
	CHECK_EQ(d.n, 1);
	if (d.n == 1)
		CHECK(strstr(d.msgs[0], "bad permissions 0644 on keys/site.psk:"
		    " must not be accessible by group or others (chmod 600)") !=
		    NULL);
	conf_diag_free(&d);
	conf_free(a);

	snprintf(path, sizeof(path), "rm -rf '%s'", dir);
	CHECK_EQ(system(path), 0);
}

/* graceful-restart restart-time N / helper on|off (site only) */
static void
test_graceful_restart(void)
{
	static const char base[] = "site s\n role spoke\n router-id 10.0.0.1\n"
				   " psk-file k\n";
	static const struct {
		const char *lines;
		const char *diag; /* NULL: valid */
	} cases[] = {
	    {" graceful-restart restart-time 1\n", NULL},
	    {" graceful-restart restart-time 3600\n"
	     " graceful-restart helper off\n", NULL},
	    {" graceful-restart restart-time 0\n",
		"t.conf:5:32: error: graceful-restart restart-time: value '0' "
		"out of range (1..3600)"},
	    {" graceful-restart restart-time 3601\n",
		"t.conf:5:32: error: graceful-restart restart-time: value "
		"'3601' out of range (1..3600)"},
	    {" graceful-restart helper maybe\n",
		"t.conf:5:26: error: invalid value 'maybe' for "
		"'graceful-restart helper' (expected one of: on, off)"},
	    {" graceful-restart restart 10\n",
		"t.conf:5:19: error: invalid graceful-restart setting "
		"'restart' (expected restart-time or helper)"},
	    {" graceful-restart helper\n",
		"t.conf:5:19: error: missing value for 'graceful-restart' "
		"(usage: graceful-restart restart-time 1-3600|helper on|off)"},
	    {" graceful-restart helper on\n graceful-restart helper off\n",
		"t.conf:6:19: error: duplicate 'graceful-restart helper' in "
		"site stanza"},
	};
	struct conf_diag_list d;
	struct conf *c, *c2;
	char text[512], *out, *all;

	/* defaults: 120 s, helper on; printed only with the defaults */
	snprintf(text, sizeof(text), "%s!\n", base);
	conf_diag_init(&d);
	CHECK_EQ(conf_parse_buffer("t.conf", text, strlen(text), &c, &d), 0);
	CHECK_EQ(c->site->gr_restart_s, CONF_DEF_GR_RESTART_S);
	CHECK_EQ(c->site->gr_helper, 0);
	out = print_str(c, 0);
	all = print_str(c, CONF_PRINT_DEFAULTS);
	CHECK(strstr(out, "graceful-restart") == NULL);
	CHECK(strstr(all, " adjacency-port 7913\n graceful-restart "
			  "restart-time 120\n graceful-restart helper on\n") !=
	    NULL);
	free(out);
	free(all);

	/* a change is a change of the site (conf_diff) */
	snprintf(text, sizeof(text),
	    "%s graceful-restart helper off\n graceful-restart restart-time "
	    "0x3c\n!\n", base);
	CHECK_EQ(conf_parse_buffer("t.conf", text, strlen(text), &c2, &d), 0);
	CHECK_EQ(c2->site->gr_restart_s, 60);
	CHECK_EQ(c2->site->gr_helper, 1);
	out = print_str(c2, 0);
	CHECK(strstr(out, " graceful-restart restart-time 60\n"
			  " graceful-restart helper off\n") != NULL);
	free(out);
	ndiff = nchanged = 0;
	CHECK_EQ(conf_diff(c, c2, diff_cb, NULL), 0);
	CHECK_EQ(nchanged, 1);
	conf_free(c);
	conf_free(c2);
	CHECK_EQ(d.n, 0);
	conf_diag_free(&d);

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(text, sizeof(text), "%s%s!\n", base, cases[i].lines);
		conf_diag_init(&d);
		CHECK_EQ(conf_parse_buffer("t.conf", text, strlen(text), &c,
			     &d), cases[i].diag ? -EINVAL : 0);
		if (cases[i].diag != NULL) {
			CHECK(d.n >= 1);
			if (d.n >= 1)
				CHECK_STREQ(d.msgs[0], cases[i].diag);
		} else {
			CHECK_EQ(d.n, 0);
		}
		conf_free(c);
		conf_diag_free(&d);
	}
	/* not in a hub stanza */
	snprintf(text, sizeof(text), "%s!\nhub h\n address 10.9.9.9\n"
	    " tunnel-address 10.0.2.2/30 peer 10.0.2.1\n"
	    " graceful-restart helper off\n!\n", base);
	conf_diag_init(&d);
	CHECK_EQ(conf_parse_buffer("t.conf", text, strlen(text), &c, &d),
	    -EINVAL);
	CHECK(d.n >= 1);
	if (d.n >= 1)
		CHECK_STREQ(d.msgs[0], "t.conf:9:2: error: 'graceful-restart' "
		    "not allowed in a hub stanza (allowed in: site)");
	conf_free(c);
	conf_diag_free(&d);
}

int
main(void)
{
	test_values();
	test_roundtrip();
	test_diags();
	test_load_and_diff();
	test_graceful_restart();
	return check_report();
}
