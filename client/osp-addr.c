/* SPDX-License-Identifier: GPL-2.0-or-later
 * Osprey — IPv4 and IPv6 socket addresses (osp-addr.h). */
#include "osp-addr.h"

#include <arpa/inet.h>
#include <string.h>

socklen_t osp_addr_len(const OspAddr *a)
{
  switch (a->sa.sa_family) {
  case AF_INET: return sizeof(a->in);
  case AF_INET6: return sizeof(a->in6);
  default: return 0;
  }
}

uint16_t osp_addr_port(const OspAddr *a)
{
  switch (a->sa.sa_family) {
  case AF_INET: return ntohs(a->in.sin_port);
  case AF_INET6: return ntohs(a->in6.sin6_port);
  default: return 0;
  }
}

void osp_addr_set_port(OspAddr *a, uint16_t port)
{
  if (a->sa.sa_family == AF_INET)
    a->in.sin_port = htons(port);
  else if (a->sa.sa_family == AF_INET6)
    a->in6.sin6_port = htons(port);
}

const uint8_t *osp_addr_bytes(const OspAddr *a, size_t *len)
{
  switch (a->sa.sa_family) {
  case AF_INET: *len = 4; return (const uint8_t *)&a->in.sin_addr;
  case AF_INET6: *len = 16; return a->in6.sin6_addr.s6_addr;
  default: *len = 0; return NULL;
  }
}

bool osp_addr_is_unspecified(const OspAddr *a)
{
  size_t len, i;
  const uint8_t *p = osp_addr_bytes(a, &len);

  for (i = 0; i < len; i++)
    if (p[i])
      return false;
  return true;
}

bool osp_addr_same_host(const OspAddr *a, const OspAddr *b)
{
  size_t la, lb;
  const uint8_t *pa = osp_addr_bytes(a, &la), *pb = osp_addr_bytes(b, &lb);

  return la && la == lb && memcmp(pa, pb, la) == 0;
}

void osp_addr_set_ipv4(OspAddr *ret, struct in_addr a, uint16_t port)
{
  memset(ret, 0, sizeof(*ret));
  ret->in.sin_family = AF_INET;
  ret->in.sin_addr = a;
  ret->in.sin_port = htons(port);
}

bool osp_addr_parse(const char *text, uint16_t port, OspAddr *ret)
{
  size_t n = text ? strlen(text) : 0;
  char inner[OSP_ADDR_STRLEN];
  struct in_addr a4;
  OspAddr a;

  memset(&a, 0, sizeof(a));
  if (n >= 2 && text[0] == '[' && text[n - 1] == ']') {
    if (n - 2 >= sizeof(inner))
      return false;
    memcpy(inner, text + 1, n - 2);
    inner[n - 2] = 0;
    if (inet_pton(AF_INET6, inner, &a.in6.sin6_addr) != 1)
      return false;
    a.in6.sin6_family = AF_INET6;
  } else if (n && inet_pton(AF_INET, text, &a4) == 1) {
    osp_addr_set_ipv4(&a, a4, 0);
  } else if (n && inet_pton(AF_INET6, text, &a.in6.sin6_addr) == 1) {
    a.in6.sin6_family = AF_INET6;
  } else {
    return false;
  }
  osp_addr_set_port(&a, port);
  *ret = a;
  return true;
}

const char *osp_addr_format(const OspAddr *a, char buf[OSP_ADDR_STRLEN])
{
  size_t len;
  const uint8_t *p = osp_addr_bytes(a, &len);

  if (!len || !inet_ntop(a->sa.sa_family, p, buf, OSP_ADDR_STRLEN))
    buf[0] = 0;
  return buf;
}

size_t osp_addr_outer_overhead(const OspAddr *a, bool udp)
{
  return (osp_addr_is_ipv6(a) ? 40 : 20) + (udp ? 8 : 0);
}
