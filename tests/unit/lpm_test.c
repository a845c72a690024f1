/* SPDX-License-Identifier: ISC */
/* Longest-prefix match of the multipoint datapath, against a naive model. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "check.h"
#include "lpm.h"

static struct tunnel_prefix
pfx(const char *s, unsigned len)
{
	struct tunnel_prefix p = { 0 };
	p.addr.family = strchr(s, ':') ? AF_INET6 : AF_INET;
	inet_pton(p.addr.family, s, p.addr.u.b);
	p.plen = len;
	return p;
}

static struct tunnel_ip
ip(const char *s)
{
	return pfx(s, 0).addr;
}

static const char *
look(struct lpm *t, const char *dst)
{
	static char buf[64];
	struct tunnel_ip d = ip(dst), nh;
	if (lpm_lookup(t, &d, &nh) < 0)
		return "none";
	return inet_ntop(nh.family, nh.u.b, buf, sizeof(buf));
}

static void
test_basic(void)
{
	struct lpm *t = lpm_new();
	struct tunnel_prefix p;
	struct tunnel_ip a = ip("10.0.2.12"), b = ip("10.0.2.13"), c = ip("10.0.2.14");

	p = pfx("10.0.65.0", 24);
	CHECK_EQ(lpm_add(t, &p, &a), 0);
	p = pfx("10.0.0.0", 8);
	CHECK_EQ(lpm_add(t, &p, &b), 0);
	p = pfx("10.0.65.128", 25);
	CHECK_EQ(lpm_add(t, &p, &c), 0);
	p = pfx("10.0.65.77", 24); /* host bits are masked */
	CHECK_EQ(lpm_add(t, &p, &a), 0);
	CHECK_EQ(lpm_count(t), 3);
	CHECK_STREQ(look(t, "10.0.65.7"), "10.0.2.12");
	CHECK_STREQ(look(t, "10.0.65.200"), "10.0.2.14");
	CHECK_STREQ(look(t, "10.9.9.9"), "10.0.2.13");
	CHECK_STREQ(look(t, "192.0.2.1"), "none");
	p = pfx("0.0.0.0", 0);
	CHECK_EQ(lpm_add(t, &p, &c), 0);
	CHECK_STREQ(look(t, "192.0.2.1"), "10.0.2.14");
	p = pfx("10.0.65.128", 25);
	CHECK_EQ(lpm_del(t, &p), 0);
	CHECK_EQ(lpm_del(t, &p), -ENOENT);
	CHECK_STREQ(look(t, "10.0.65.200"), "10.0.2.12");
	struct tunnel_ip v6nh = ip("2001:db8:2::12");
	p = pfx("2001:db8:65::", 48);
	CHECK_EQ(lpm_add(t, &p, &v6nh), 0);
	CHECK_STREQ(look(t, "2001:db8:65:1::9"), "2001:db8:2::12");
	CHECK_STREQ(look(t, "2001:db8:66::9"), "none");
	p = pfx("10.0.0.0", 33);
	CHECK_EQ(lpm_add(t, &p, &a), -EINVAL);
	lpm_free(t);
}

/* Random prefixes against a linear-scan model, with deletes and growth. */
static void
test_model(void)
{
	enum { N = 3000 };
	struct lpm *t = lpm_new();
	static struct tunnel_prefix ps[N];
	static struct tunnel_ip nhs[N];
	static bool live[N];
	int bad = 0;

	srand(42);
	for (int i = 0; i < N; i++) {
		ps[i].addr.family = AF_INET;
		uint32_t a = htonl(0x0a000000u | ((uint32_t)rand() & 0x00ffffffu));
		unsigned len = 8 + (unsigned)(rand() % 25);
		uint32_t m = len ? htonl(~0u << (32 - len)) : 0;
		a &= m;
		memcpy(ps[i].addr.u.b, &a, 4);
		ps[i].plen = len;
		nhs[i].family = AF_INET;
		uint32_t nh = htonl(0xac100000u + (uint32_t)i);
		memcpy(nhs[i].u.b, &nh, 4);
		live[i] = lpm_add(t, &ps[i], &nhs[i]) == 0;
	}
	/* Later duplicates replaced earlier ones: keep only the last of each. */
	for (int i = 0; i < N; i++)
		for (int j = i + 1; j < N && live[i]; j++)
			if (ps[j].plen == ps[i].plen &&
			    memcmp(ps[j].addr.u.b, ps[i].addr.u.b, 4) == 0)
				live[i] = false;
	for (int i = 0; i < N; i += 3)
		if (live[i] && lpm_del(t, &ps[i]) == 0)
			live[i] = false;
	for (int k = 0; k < 20000; k++) {
		struct tunnel_ip d = { .family = AF_INET };
		uint32_t a = htonl(0x0a000000u | ((uint32_t)rand() & 0x00ffffffu));
		memcpy(d.u.b, &a, 4);
		int best = -1;
		for (int i = 0; i < N; i++) {
			if (!live[i])
				continue;
			uint32_t m = ps[i].plen ? htonl(~0u << (32 - ps[i].plen)) : 0, pa;
			memcpy(&pa, ps[i].addr.u.b, 4);
			if ((a & m) == pa && (best < 0 || ps[i].plen > ps[best].plen))
				best = i;
		}
		struct tunnel_ip nh;
		int r = lpm_lookup(t, &d, &nh);
		if (best < 0 ? r != -ENOENT :
		    (r != 0 || memcmp(nh.u.b, nhs[best].u.b, 4) != 0))
			bad++;
	}
	CHECK_EQ(bad, 0);
	lpm_free(t);
}

int
main(void)
{
	test_basic();
	test_model();
	return check_report();
}
