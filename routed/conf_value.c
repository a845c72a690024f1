/* SPDX-License-Identifier: ISC */
/*
 * DOC: configuration value parsers
 *
 * Every value type of gripd.conf(5) has one pure parser here that either
 * fills its output or writes a message naming the value and what was
 * expected into err ("expected a duration like 300ms or 3s, got '300'").
 * The formatters are their inverses and produce the normalized spelling the
 * printer uses, so printing and re-parsing is the identity.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "conf_priv.h"

int
conf_parse_duration(const char *s, uint32_t min, uint32_t max, uint32_t *out,
    char *err, size_t errlen)
{
	const char *p = s;
	uint64_t v = 0, mult;
	char a[16], b[16];

	if (!isdigit((unsigned char)*p))
		goto bad;
	while (isdigit((unsigned char)*p)) {
		v = v * 10 + (uint64_t)(*p - '0');
		if (v > UINT32_MAX)
			goto range;
		p++;
	}
	if (strcmp(p, "ms") == 0)
		mult = 1;
	else if (strcmp(p, "s") == 0)
		mult = 1000;
	else if (strcmp(p, "m") == 0)
		mult = 60000;
	else
		goto bad;
	v *= mult;
	if (v < min || v > max)
		goto range;
	*out = (uint32_t)v;
	return 0;
bad:
	snprintf(err, errlen, "expected a duration like 300ms or 3s, got '%s'",
	    s);
	return -EINVAL;
range:
	conf_fmt_duration(min, a, sizeof(a));
	conf_fmt_duration(max, b, sizeof(b));
	snprintf(err, errlen, "duration '%s' out of range (%s..%s)", s, a, b);
	return -EINVAL;
}

void
conf_fmt_duration(uint32_t ms, char *buf, size_t len)
{
	if (ms == 0)
		snprintf(buf, len, "0s");
	else if (ms % 60000 == 0)
		snprintf(buf, len, "%um", ms / 60000);
	else if (ms % 1000 == 0)
		snprintf(buf, len, "%us", ms / 1000);
	else
		snprintf(buf, len, "%ums", ms);
}

int
conf_parse_u32(const char *s, uint32_t min, uint32_t max, uint32_t *out,
    char *err, size_t errlen)
{
	uint64_t v = 0;
	const char *p = s;
	int base = 10;

	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X') && p[2] != '\0') {
		base = 16;
		p += 2;
	}
	if (*p == '\0')
		goto bad;
	for (; *p; p++) {
		int d;

		if (isdigit((unsigned char)*p))
			d = *p - '0';
		else if (base == 16 && isxdigit((unsigned char)*p))
			d = tolower((unsigned char)*p) - 'a' + 10;
		else
			goto bad;
		v = v * (uint64_t)base + (uint64_t)d;
		if (v > UINT32_MAX)
			goto range;
	}
	if (v < min || v > max)
		goto range;
	*out = (uint32_t)v;
	return 0;
bad:
	snprintf(err, errlen, "expected a number, got '%s'", s);
	return -EINVAL;
range:
	snprintf(err, errlen, "value '%s' out of range (%u..%u)", s, min, max);
	return -EINVAL;
}

int
conf_parse_addr(const char *s, int family, struct conf_addr *out, char *err,
    size_t errlen)
{
	memset(out, 0, sizeof(*out));
	if (family != AF_INET6 && inet_pton(AF_INET, s, out->a) == 1) {
		out->family = AF_INET;
		return 0;
	}
	if (family != AF_INET && strchr(s, ':') != NULL &&
	    inet_pton(AF_INET6, s, out->a) == 1) {
		out->family = AF_INET6;
		return 0;
	}
	memset(out, 0, sizeof(*out));
	snprintf(err, errlen, "expected %s, got '%s'",
	    family == AF_INET ? "an IPv4 address (A.B.C.D)" :
	    family == AF_INET6 ? "an IPv6 address" :
	    "an IPv4 or IPv6 address", s);
	return -EINVAL;
}

int
conf_parse_prefix(const char *s, struct conf_prefix *out, char *err,
    size_t errlen)
{
	char buf[64];
	const char *slash = strchr(s, '/');
	uint32_t len;
	size_t n;

	memset(out, 0, sizeof(*out));
	if (slash == NULL || (n = (size_t)(slash - s)) >= sizeof(buf))
		goto bad;
	memcpy(buf, s, n);
	buf[n] = '\0';
	if (conf_parse_addr(buf, 0, &out->addr, err, errlen) != 0)
		goto bad;
	if (conf_parse_u32(slash + 1, 0,
		out->addr.family == AF_INET ? 32 : 128, &len, err,
		errlen) != 0 ||
	    (slash[1] == '0' && slash[2] != '\0')) {
		snprintf(err, errlen, "bad prefix length in '%s' (0..%d)", s,
		    out->addr.family == AF_INET ? 32 : 128);
		return -EINVAL;
	}
	out->len = len;
	return 0;
bad:
	memset(out, 0, sizeof(*out));
	snprintf(err, errlen,
	    "expected a prefix like 10.0.65.0/24 or 2001:db8::/32, got '%s'", s);
	return -EINVAL;
}

static size_t
addr_bytes(const struct conf_addr *a)
{
	return a->family == AF_INET ? 4 : 16;
}

bool
conf_prefix_has_host_bits(const struct conf_prefix *p)
{
	struct conf_prefix m = *p;

	conf_prefix_mask(&m);
	return memcmp(m.addr.a, p->addr.a, 16) != 0;
}

void
conf_prefix_mask(struct conf_prefix *p)
{
	size_t nb = addr_bytes(&p->addr);

	for (size_t i = 0; i < nb; i++) {
		unsigned bits = p->len > i * 8 ? p->len - (unsigned)i * 8 : 0;

		if (bits < 8)
			p->addr.a[i] &= (uint8_t)(0xff00u >> bits);
	}
}

bool
conf_prefix_contains(const struct conf_prefix *p, const struct conf_addr *a)
{
	struct conf_prefix x = { *a, p->len }, y = *p;

	if (a->family != p->addr.family)
		return false;
	conf_prefix_mask(&x);
	conf_prefix_mask(&y);
	return memcmp(x.addr.a, y.addr.a, 16) == 0;
}

bool
conf_prefix_overlap(const struct conf_prefix *a, const struct conf_prefix *b)
{
	const struct conf_prefix *s = a->len <= b->len ? a : b;
	const struct conf_prefix *l = s == a ? b : a;

	return conf_prefix_contains(s, &l->addr);
}

bool
conf_addr_eq(const struct conf_addr *a, const struct conf_addr *b)
{
	return a->family == b->family && memcmp(a->a, b->a, 16) == 0;
}

void
conf_fmt_addr(const struct conf_addr *a, char *buf, size_t len)
{
	char tmp[INET6_ADDRSTRLEN];

	if (a->family == 0 ||
	    inet_ntop(a->family, a->a, tmp, sizeof(tmp)) == NULL)
		snprintf(buf, len, "none");
	else
		snprintf(buf, len, "%s", tmp);
}

void
conf_fmt_prefix(const struct conf_prefix *p, char *buf, size_t len)
{
	char tmp[INET6_ADDRSTRLEN];

	conf_fmt_addr(&p->addr, tmp, sizeof(tmp));
	snprintf(buf, len, "%s/%u", tmp, p->len);
}

int
conf_check_name(const char *s, char *err, size_t errlen)
{
	size_t n = strlen(s);

	if (n == 0 || n >= CONF_NAME_MAX)
		goto bad;
	if (!isalnum((unsigned char)s[0]))
		goto bad;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && !strchr("._-", s[i]))
			goto bad;
	return 0;
bad:
	snprintf(err, errlen,
	    "invalid name '%s' (1-63 letters, digits, '.', '_' or '-', "
	    "starting with a letter or digit)", s);
	return -EINVAL;
}

int
conf_check_ifname(const char *s, char *err, size_t errlen)
{
	size_t n = strlen(s);

	if (n >= CONF_IFNAME_MAX) {
		snprintf(err, errlen,
		    "interface name '%s' too long (%zu characters, at most "
		    "15: IFNAMSIZ-1)", s, n);
		return -EINVAL;
	}
	/* the kernel's dev_valid_name() rules */
	if (n == 0 || strcmp(s, ".") == 0 || strcmp(s, "..") == 0 ||
	    strpbrk(s, "/:") != NULL) {
		snprintf(err, errlen,
		    "invalid interface name '%s' (no '/', ':', '.' or '..')", s);
		return -EINVAL;
	}
	return 0;
}

int
conf_check_path(const char *s, char *err, size_t errlen)
{
	if (strlen(s) >= CONF_PATH_MAX) {
		snprintf(err, errlen, "path too long (at most %d bytes)",
		    CONF_PATH_MAX - 1);
		return -EINVAL;
	}
	return 0;
}

static bool
fqdn_ok(const char *s)
{
	size_t lab = 0;

	if (*s == '\0' || strlen(s) > 253)
		return false;
	for (; *s; s++) {
		if (*s == '.') {
			if (lab == 0)
				return false;
			lab = 0;
		} else if (isalnum((unsigned char)*s) || *s == '-' ||
		    *s == '_') {
			if (++lab > 63)
				return false;
		} else {
			return false;
		}
	}
	return lab > 0;
}

int
conf_check_identity(const char *s, char *err, size_t errlen)
{
	struct conf_addr a;
	const char *at = strchr(s, '@');
	char tmp[8];

	/* RFC 7296 3.5: ID_IPV4_ADDR/ID_IPV6_ADDR, ID_RFC822_ADDR, ID_FQDN */
	if (conf_parse_addr(s, 0, &a, tmp, sizeof(tmp)) == 0)
		return 0;
	if (at != NULL && at != s && strchr(at + 1, '@') == NULL &&
	    fqdn_ok(at + 1) && strlen(s) < CONF_STR_MAX)
		return 0;
	if (at == NULL && fqdn_ok(s))
		return 0;
	snprintf(err, errlen,
	    "invalid ike-identity '%s' (expected an FQDN, an email address or "
	    "an IP address)", s);
	return -EINVAL;
}

/* strongSwan proposal keywords the built-in IKEv2/ESP implement. */
enum { ALG_ENC, ALG_AEAD, ALG_INTEG, ALG_PRF, ALG_DH, ALG_ESN };
static const struct {
	const char *name;
	int type;
} algs[] = {
	{ "aes128", ALG_ENC }, { "aes192", ALG_ENC }, { "aes256", ALG_ENC },
	{ "aes128gcm16", ALG_AEAD }, { "aes192gcm16", ALG_AEAD },
	{ "aes256gcm16", ALG_AEAD }, { "chacha20poly1305", ALG_AEAD },
	{ "sha256", ALG_INTEG }, { "sha384", ALG_INTEG },
	{ "sha512", ALG_INTEG }, { "prfsha256", ALG_PRF },
	{ "prfsha384", ALG_PRF }, { "prfsha512", ALG_PRF },
	{ "x25519", ALG_DH }, { "ecp256", ALG_DH }, { "ecp384", ALG_DH },
	{ "modp2048", ALG_DH }, { "modp3072", ALG_DH }, { "esn", ALG_ESN },
	{ "noesn", ALG_ESN },
};

int
conf_check_proposal(const char *s, bool ike, char *err, size_t errlen)
{
	const char *what = ike ? "ike-proposal" : "esp-proposal";
	char buf[CONF_STR_MAX], *prop, *save1 = NULL;

	if (strlen(s) >= sizeof(buf)) {
		snprintf(err, errlen, "%s too long", what);
		return -EINVAL;
	}
	strcpy(buf, s);
	for (prop = strtok_r(buf, ",", &save1); prop != NULL;
	     prop = strtok_r(NULL, ",", &save1)) {
		unsigned seen = 0;
		char *tok, *save2 = NULL;

		for (tok = strtok_r(prop, "-", &save2); tok != NULL;
		     tok = strtok_r(NULL, "-", &save2)) {
			size_t i, n = sizeof(algs) / sizeof(algs[0]);

			for (i = 0; i < n; i++)
				if (strcmp(tok, algs[i].name) == 0)
					break;
			if (i == n || (ike && algs[i].type == ALG_ESN) ||
			    (!ike && algs[i].type == ALG_PRF)) {
				size_t o = 0;

				const char *sep = " ";

				o += (size_t)snprintf(err, errlen,
				    "unknown algorithm '%s' in %s (expected "
				    "one of:", tok, what);
				for (i = 0; i < n && o < errlen; i++) {
					if ((ike && algs[i].type == ALG_ESN) ||
					    (!ike && algs[i].type == ALG_PRF))
						continue;
					o += (size_t)snprintf(err + o,
					    errlen - o, "%s%s", sep,
					    algs[i].name);
					sep = ", ";
				}
				if (o < errlen)
					snprintf(err + o, errlen - o, ")");
				return -EINVAL;
			}
			seen |= 1u << algs[i].type;
		}
		if (!(seen & ((1u << ALG_ENC) | (1u << ALG_AEAD)))) {
			snprintf(err, errlen,
			    "%s '%s' has no encryption algorithm", what, s);
			return -EINVAL;
		}
		if ((seen & (1u << ALG_ENC)) && !(seen & (1u << ALG_INTEG))) {
			snprintf(err, errlen,
			    "%s '%s': a non-AEAD cipher needs an integrity "
			    "algorithm (e.g. sha256)", what, s);
			return -EINVAL;
		}
		if (ike && !(seen & (1u << ALG_DH))) {
			snprintf(err, errlen,
			    "ike-proposal '%s' has no key exchange group "
			    "(e.g. x25519)", s);
			return -EINVAL;
		}
		if (ike && (seen & (1u << ALG_AEAD)) &&
		    !(seen & ((1u << ALG_PRF) | (1u << ALG_INTEG)))) {
			snprintf(err, errlen,
			    "ike-proposal '%s': an AEAD cipher needs a PRF "
			    "(e.g. prfsha256, RFC 5282 section 7)", s);
			return -EINVAL;
		}
	}
	if (s[0] == '\0' || s[0] == ',' || s[strlen(s) - 1] == ',' ||
	    strstr(s, ",,") != NULL || strstr(s, "--") != NULL ||
	    s[strlen(s) - 1] == '-' || s[0] == '-' || strstr(s, "-,") ||
	    strstr(s, ",-")) {
		snprintf(err, errlen, "malformed %s '%s'", what, s);
		return -EINVAL;
	}
	return 0;
}

int
conf_hexdecode(const char *s, size_t slen, uint8_t *out, size_t outmax,
    size_t *outlen)
{
	size_t i = 0, n = 0;
	int hi = -1;

	if (slen >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		i = 2;
	for (; i < slen; i++) {
		int v;

		if (isspace((unsigned char)s[i]) || s[i] == ':')
			continue;
		if (!isxdigit((unsigned char)s[i]))
			return -EINVAL;
		v = isdigit((unsigned char)s[i]) ? s[i] - '0' :
		    tolower((unsigned char)s[i]) - 'a' + 10;
		if (hi < 0) {
			hi = v;
			continue;
		}
		if (n == outmax)
			return -E2BIG;
		out[n++] = (uint8_t)(hi << 4 | v);
		hi = -1;
	}
	if (hi >= 0)
		return -EINVAL;
	*outlen = n;
	return 0;
}

void
conf_default_ifname(char *dst, const char *name)
{
	const char *s = CONF_IFNAME_PREFIX;
	size_t n = 0;

	/* "grip-" + name, cut to IFNAMSIZ-1 characters */
	while (*s && n < CONF_IFNAME_MAX - 1)
		dst[n++] = *s++;
	for (s = name; *s && n < CONF_IFNAME_MAX - 1;)
		dst[n++] = *s++;
	dst[n] = '\0';
}
