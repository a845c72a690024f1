/* SPDX-License-Identifier: ISC */
/*
 * fuzz_zapi: the zebra message decoder on hostile input, in every version
 * of the layout table.  Every rejection must say why; whatever decodes
 * must stay inside its fields (names terminated, lengths in range).  The
 * same bytes also drive the route encoder, whose output must be a valid
 * header of exactly the length it reports.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "zapi.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_decoded(const struct zapi_msg *m)
{
	switch (m->cmd) {
	case ZAPI_C_INTERFACE_ADD:
	case ZAPI_C_INTERFACE_DELETE:
	case ZAPI_C_INTERFACE_UP:
	case ZAPI_C_INTERFACE_DOWN:
		if (memchr(m->u.iface.name, '\0', sizeof(m->u.iface.name)) ==
		    NULL)
			abort();
		break;
	case ZAPI_C_ROUTE_NOTIFY_OWNER:
		if (m->u.notify.pfx.len >
		    (m->u.notify.pfx.family == AF_INET ? 32u : 128u))
			abort();
		break;
	default:
		break;
	}
}

static void
encode_from(const uint8_t *data, size_t size)
{
	static uint8_t out[ZAPI_ROUTE_MAX_LEN];
	struct zapi_route r;
	struct zapi_hdr h;
	size_t len, i;
	int e;

	if (size < 8)
		return;
	memset(&r, 0, sizeof(r));
	r.pfx.family = data[0] & 1 ? AF_INET6 : AF_INET;
	r.pfx.len = data[1] % 130;
	memcpy(r.pfx.addr, data + 2, size - 2 < 16 ? size - 2 : 16);
	r.nh_count = data[2] % (ZAPI_NH_MAX + 2);
	for (i = 0; i < r.nh_count && i < ZAPI_NH_MAX; i++) {
		r.nh[i].ifindex = data[(3 + i) % size];
		r.nh[i].gw_family = (data[(4 + i) % size] % 3 == 0) ? 0 :
		    (data[(4 + i) % size] % 3 == 1) ? AF_INET : AF_INET6;
	}
	r.distance = data[3];
	r.metric = data[4];
	r.tag = data[5];
	r.table = data[6];
	e = zapi_route_encode((enum zapi_ver)(data[7] % ZAPI_V_COUNT),
	    data[7] & 0x80, &r, out, sizeof(out), &len);
	if (e == -EINVAL)
		return;
	if (e != 0 || zapi_hdr_decode(out, len, &h, NULL, 0) != 0 ||
	    h.length != len)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct zapi_msg m;
	char err[160];
	unsigned v;
	int r;

	for (v = 0; v < ZAPI_V_COUNT; v++) {
		r = zapi_msg_decode(
		    (enum zapi_ver)v, data, size, &m, err, sizeof(err));
		if (r == -EBADMSG && err[0] == '\0')
			abort(); /* every rejection says why */
		if (r == 0)
			check_decoded(&m);
		else if (r != -EBADMSG && r != -EAGAIN)
			abort();
	}
	encode_from(data, size);
	return 0;
}
