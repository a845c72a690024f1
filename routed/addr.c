/* SPDX-License-Identifier: ISC */
/* DOC: address conversions shared by the datapath, peers and adjacencies. */
#include <arpa/inet.h>
#include <string.h>

#include "addr.h"

void
addr_from_conf(const struct conf_addr *a, struct tunnel_ip *ip)
{
	memset(ip, 0, sizeof(*ip));
	ip->family = a->family;
	if (a->family)
		memcpy(ip->u.b, a->a, a->family == AF_INET ? 4 : 16);
}

void
prefix_from_conf(const struct conf_prefix *p, struct tunnel_prefix *tp)
{
	addr_from_conf(&p->addr, &tp->addr);
	tp->plen = p->len;
}

int
prefix_cmp(const void *a, const void *b)
{
	const struct tunnel_prefix *x = a, *y = b;

	if (x->addr.family != y->addr.family)
		return x->addr.family < y->addr.family ? -1 : 1;
	if (x->plen != y->plen)
		return x->plen < y->plen ? -1 : 1;
	return memcmp(x->addr.u.b, y->addr.u.b,
	    x->addr.family == AF_INET ? 4 : 16);
}

socklen_t
addr_to_sockaddr(const struct tunnel_ip *ip, uint16_t port,
    struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (ip->family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)ss;
		sin->sin_family = AF_INET;
		sin->sin_addr = ip->u.v4;
		sin->sin_port = htons(port);
		return sizeof(*sin);
	}
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;
	sin6->sin6_family = AF_INET6;
	sin6->sin6_addr = ip->u.v6;
	sin6->sin6_port = htons(port);
	return sizeof(*sin6);
}
