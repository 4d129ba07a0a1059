/* SPDX-License-Identifier: GPL-2.0-or-later
 * Osprey — an IPv4 or IPv6 socket address: the gateway's, ours towards it,
 * through the sockets, the session (NAT-D, ID payloads) and the script.
 * One type, one way to format and compare it. */
#pragma once

#include "osp-common.h"

#include <netinet/in.h>
#include <sys/socket.h>

G_BEGIN_DECLS

typedef union {
  struct sockaddr sa;      /* sa_family: AF_INET, AF_INET6 or 0 (none) */
  struct sockaddr_in in;   /* AF_INET */
  struct sockaddr_in6 in6; /* AF_INET6 */
} OspAddr;

/* An address as text, without the port: "192.0.2.1", "2001:db8::1" */
#define OSP_ADDR_STRLEN INET6_ADDRSTRLEN

static inline bool osp_addr_is_ipv6(const OspAddr *a)
{
  return a->sa.sa_family == AF_INET6;
}

/* The length to pass to the socket calls; 0 for no address */
socklen_t osp_addr_len(const OspAddr *a);
/* The port in host order; 0 for no address */
uint16_t osp_addr_port(const OspAddr *a);
void osp_addr_set_port(OspAddr *a, uint16_t port); /* host order */
/* The address bytes, network order (4 or 16; 0 for no address): NAT-D
 * hashes, ID payloads */
const uint8_t *osp_addr_bytes(const OspAddr *a, size_t *len);
/* No address, or 0.0.0.0 or :: */
bool osp_addr_is_unspecified(const OspAddr *a);
/* Same family and address; ports are not compared */
bool osp_addr_same_host(const OspAddr *a, const OspAddr *b);
/* An IPv4 or IPv6 literal ("2001:db8::1", also "[2001:db8::1]") with this
 * port (host order); false for anything else (host names) */
bool osp_addr_parse(const char *text, uint16_t port, OspAddr *ret);
/* An IPv4 address (network order, as struct in_addr holds it) */
void osp_addr_set_ipv4(OspAddr *ret, struct in_addr a, uint16_t port);
/* The address as text into buf; "" for no address */
const char *osp_addr_format(const OspAddr *a, char buf[OSP_ADDR_STRLEN]);
/* The bytes of IPv4 and IPv6 headers and UDP in front of each ESP packet
 * sent to this address (20 or 40, 8 more with udp) */
size_t osp_addr_outer_overhead(const OspAddr *a, bool udp);

G_END_DECLS
