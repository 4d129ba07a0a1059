/* SPDX-License-Identifier: GPL-2.0-or-later
 * Osprey — TUN offloads: segmentation of the TSO pieces a TUN device with
 * IFF_VNET_HDR hands over (what a NIC does in hardware: RFC 793/9293 for
 * the sequence numbers, RFC 791 and 8200 for the headers, RFC 1071 for the
 * checksums), so that ESP gets packets within the tunnel MTU. */
#include "osp-tun-offload.h"

#include <errno.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/ioctl.h>

#define TCP_FIN 0x01
#define TCP_PSH 0x08
#define TCP_CWR 0x80

int osp_tun_set_offload(int fd)
{
  unsigned int off = TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6 | TUN_F_TSO_ECN;

  if (ioctl(fd, TUNSETOFFLOAD, off) < 0)
    return -errno;
  return 0;
}

bool osp_tun_has_vnet_hdr(int fd)
{
  struct ifreq ifr;

  memset(&ifr, 0, sizeof(ifr));
  return ioctl(fd, TUNGETIFF, &ifr) == 0 && (ifr.ifr_flags & IFF_VNET_HDR);
}

uint32_t osp_csum_add(uint32_t sum, const uint8_t *p, size_t len)
{
  uint64_t s = sum;
  size_t i;

  for (i = 0; i + 1 < len; i += 2)
    s += (uint32_t)p[i] << 8 | p[i + 1];
  if (len & 1)
    s += (uint32_t)p[len - 1] << 8;
  while (s >> 32)
    s = (s & 0xffffffff) + (s >> 32);
  return (uint32_t)s;
}

uint16_t osp_csum_fold(uint32_t sum)
{
  while (sum >> 16)
    sum = (sum & 0xffff) + (sum >> 16);
  return (uint16_t)~sum;
}

/* RFC 9293 3.1 / RFC 8200 8.1: source, destination, protocol, length */
static uint32_t pseudo_header(const uint8_t *ip, bool v6, size_t tcp_len)
{
  uint32_t sum;

  if (v6) {
    sum = osp_csum_add(0, ip + 8, 32);
    sum += (uint32_t)(tcp_len >> 16) + (uint32_t)(tcp_len & 0xffff);
  } else {
    sum = osp_csum_add(0, ip + 12, 8);
    sum += (uint32_t)tcp_len;
  }
  return sum + IPPROTO_TCP;
}

/* The kernel left a partial checksum (the pseudo-header's sum) at
 * csum_start + csum_offset: the sum from csum_start on completes it. */
static int complete_csum(const struct virtio_net_hdr *h, uint8_t *pkt, size_t len)
{
  size_t start = h->csum_start, at = (size_t)h->csum_start + h->csum_offset;

  if (start >= len || at + 2 > len)
    return -EBADMSG;
  osp_put16(pkt + at, osp_csum_fold(osp_csum_add(0, pkt + start, len - start)));
  return 0;
}

int osp_tun_gso_init(OspTunGso *g, const struct virtio_net_hdr *h, uint8_t *pkt, size_t len)
{
  unsigned type = h->gso_type & ~VIRTIO_NET_HDR_GSO_ECN;
  size_t tcp_hlen;
  int r;

  memset(g, 0, sizeof(*g));
  g->pkt = pkt;
  g->len = len;
  if (type == VIRTIO_NET_HDR_GSO_NONE) {
    if ((h->flags & VIRTIO_NET_HDR_F_NEEDS_CSUM) && (r = complete_csum(h, pkt, len)) < 0)
      return r;
    return 0;
  }
  if (type != VIRTIO_NET_HDR_GSO_TCPV4 && type != VIRTIO_NET_HDR_GSO_TCPV6)
    return -EPROTONOSUPPORT;
  g->v6 = type == VIRTIO_NET_HDR_GSO_TCPV6;
  if (g->v6) {
    /* the stack's TSO packets carry no extension headers */
    if (len < 40 || pkt[0] >> 4 != 6 || pkt[6] != IPPROTO_TCP)
      return -EBADMSG;
    g->ip_hlen = 40;
  } else {
    if (len < 20 || pkt[0] >> 4 != 4 || pkt[9] != IPPROTO_TCP)
      return -EBADMSG;
    g->ip_hlen = (size_t)(pkt[0] & 0x0f) * 4;
    if (g->ip_hlen < 20)
      return -EBADMSG;
  }
  if (len < g->ip_hlen + 20)
    return -EBADMSG;
  tcp_hlen = (size_t)(pkt[g->ip_hlen + 12] >> 4) * 4;
  g->hlen = g->ip_hlen + tcp_hlen;
  g->mss = h->gso_size;
  if (tcp_hlen < 20 || g->hlen > len || g->mss == 0)
    return -EBADMSG;
  return 0;
}

ssize_t osp_tun_gso_next(OspTunGso *g, uint8_t *out, size_t cap)
{
  size_t payload, seg, total;
  uint8_t *tcp, flags;
  uint32_t sum;
  bool last;

  if (g->done)
    return 0;
  if (g->mss == 0) {
    if (g->len > cap)
      return -EMSGSIZE;
    memcpy(out, g->pkt, g->len);
    g->done = true;
    return (ssize_t)g->len;
  }
  payload = g->len - g->hlen;
  seg = MIN(g->mss, payload - g->off);
  total = g->hlen + seg;
  if (total > cap)
    return -EMSGSIZE;
  last = g->off + seg >= payload;
  memcpy(out, g->pkt, g->hlen);
  memcpy(out + g->hlen, g->pkt + g->hlen + g->off, seg);

  if (g->v6) {
    osp_put16(out + 4, (uint16_t)(total - 40));
  } else {
    /* RFC 791: every segment a datagram of its own, ids in sequence */
    osp_put16(out + 2, (uint16_t)total);
    osp_put16(out + 4, (uint16_t)(osp_get16(g->pkt + 4) + g->index));
    osp_put16(out + 10, 0);
    osp_put16(out + 10, osp_csum_fold(osp_csum_add(0, out, g->ip_hlen)));
  }
  tcp = out + g->ip_hlen;
  osp_put32(tcp + 4, osp_get32(g->pkt + g->ip_hlen + 4) + (uint32_t)g->off);
  flags = tcp[13];
  if (!last)
    flags &= (uint8_t) ~(TCP_FIN | TCP_PSH);
  if (g->index > 0)
    flags &= (uint8_t)~TCP_CWR; /* RFC 3168 6.1.2: once per window reduction */
  tcp[13] = flags;
  osp_put16(tcp + 16, 0);
  sum = pseudo_header(out, g->v6, total - g->ip_hlen);
  osp_put16(tcp + 16, osp_csum_fold(osp_csum_add(sum, tcp, total - g->ip_hlen)));

  g->off += seg;
  g->index++;
  g->done = last;
  return (ssize_t)total;
}
