/* SPDX-License-Identifier: ISC */
/*
 * addr.h (private to routed/): conversions between the configuration's
 * addresses, the tunnels module's struct tunnel_ip and socket addresses.
 */
#ifndef GRIPD_ADDR_H
#define GRIPD_ADDR_H

#include <stdint.h>
#include <sys/socket.h>

#include <gripd/conf.h>
#include <gripd/tunnel.h>

/* Copies a configured address (family 0 = none). */
void addr_from_conf(const struct conf_addr *a, struct tunnel_ip *ip);
void prefix_from_conf(const struct conf_prefix *p, struct tunnel_prefix *tp);
/* Fills ss with ip and port (host order); returns the length to pass. */
socklen_t addr_to_sockaddr(const struct tunnel_ip *ip, uint16_t port,
    struct sockaddr_storage *ss);
/*
 * qsort() order of struct tunnel_prefix (or of a struct that starts with
 * one): family, length, then the address bytes of the family (bytes past
 * an IPv4 address are not compared).
 */
int prefix_cmp(const void *a, const void *b);

#endif
