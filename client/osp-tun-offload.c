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

static inline uint64_t load64(const uint8_t *p)
{
  uint64_t v;

  memcpy(&v, p, sizeof(v)); /* any alignment: TSO pieces put headers anywhere */
  return v;
}

/* RFC 1071 2(B): the one's-complement sum does not depend on byte order,
 * so the words are added as the CPU loads them, eight bytes at a time in
 * 32-bit halves (a 64-bit total cannot overflow below 2^32 words), and the
 * folded result is swapped to network order once.  About 8x the byte loop:
 * it runs over every TCP segment the datapath cuts or joins. */
uint32_t osp_csum_add(uint32_t sum, const uint8_t *p, size_t len)
{
  uint64_t a = 0, b = 0, s;
  uint8_t tail[8] = { 0 };
  uint16_t folded;

  for (; len >= 16; p += 16, len -= 16) {
    uint64_t x = load64(p), y = load64(p + 8);

    a += (x & 0xffffffff) + (x >> 32);
    b += (y & 0xffffffff) + (y >> 32);
  }
  if (len >= 8) {
    uint64_t x = load64(p);

    a += (x & 0xffffffff) + (x >> 32);
    p += 8;
    len -= 8;
  }
  /* an odd last byte is the high half of its word in network order: at
   * its even offset here it lands there after the swap */
  memcpy(tail, p, len);
  s = load64(tail);
  a += (s & 0xffffffff) + (s >> 32);
  s = a + b;
  s = (s & 0xffffffff) + (s >> 32);
  s = (s & 0xffff) + (s >> 16);
  s = (s & 0xffff) + (s >> 16);
  s = (s & 0xffff) + (s >> 16);
  folded = (uint16_t)s;
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
  folded = (uint16_t)(folded >> 8 | folded << 8);
#endif
  s = (uint64_t)sum + folded;
  return (uint32_t)((s & 0xffffffff) + (s >> 32));
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

/* ---- receive: coalescing ---------------------------------------------- */

#define TCP_SYN 0x02
#define TCP_RST 0x04
#define TCP_URG 0x20
#define TCP_ECE 0x40

/* The packet's IP and TCP header lengths if it may join a run: plain TCP
 * with payload, no fragment, no IPv4 options or IPv6 extension headers,
 * a checksum that verifies. */
static bool gro_candidate(const uint8_t *p, size_t len, bool *ret_v6, size_t *ret_ip_hlen,
                          size_t *ret_hlen)
{
  size_t ip_hlen, tcp_hlen;
  bool v6;
  uint8_t flags;

  if (len < 20)
    return false;
  v6 = p[0] >> 4 == 6;
  if (v6) {
    if (len < 60 || p[6] != IPPROTO_TCP || 40 + (size_t)osp_get16(p + 4) != len)
      return false;
    ip_hlen = 40;
  } else {
    if (p[0] != 0x45 || p[9] != IPPROTO_TCP || osp_get16(p + 2) != len ||
        (osp_get16(p + 6) & 0x3fff) != 0 || len < 40)
      return false; /* options, a fragment (MF or offset), or a length that lies */
    ip_hlen = 20;
  }
  tcp_hlen = (size_t)(p[ip_hlen + 12] >> 4) * 4;
  if (tcp_hlen < 20 || ip_hlen + tcp_hlen >= len)
    return false;
  flags = p[ip_hlen + 13];
  if (flags & (TCP_SYN | TCP_FIN | TCP_RST | TCP_URG | TCP_ECE | TCP_CWR))
    return false;
  if (osp_csum_fold(
          osp_csum_add(pseudo_header(p, v6, len - ip_hlen), p + ip_hlen, len - ip_hlen)) != 0)
    return false;
  *ret_v6 = v6;
  *ret_ip_hlen = ip_hlen;
  *ret_hlen = ip_hlen + tcp_hlen;
  return true;
}

/* Same flow and the headers agree on everything but length, id,
 * sequence number, PSH and the checksums. */
static bool gro_same_flow(const OspTunGro *g, const uint8_t *p, bool v6, size_t hlen)
{
  const uint8_t *h = g->buf, *th = h + g->ip_hlen, *tp = p + g->ip_hlen;

  if (v6 != g->v6 || hlen != g->hlen)
    return false;
  if (v6) {
    if (memcmp(h, p, 4) != 0 || memcmp(h + 6, p + 6, 34) != 0) /* class, flow, hops, addresses */
      return false;
  } else if (h[1] != p[1] || h[6] != p[6] || h[8] != p[8] || memcmp(h + 12, p + 12, 8) != 0) {
    return false; /* TOS, DF, TTL, addresses */
  }
  return memcmp(th, tp, 4) == 0 &&                              /* ports */
         memcmp(th + 8, tp + 8, 4) == 0 &&                      /* ACK number */
         th[12] == tp[12] &&                                    /* header length */
         memcmp(th + 14, tp + 14, 2) == 0 &&                    /* window */
         memcmp(th + 20, tp + 20, hlen - g->ip_hlen - 20) == 0; /* options */
}

OspGroVerdict osp_tun_gro_add(OspTunGro *g, const uint8_t *pkt, size_t len)
{
  size_t ip_hlen, hlen, payload;
  bool v6;

  if (!gro_candidate(pkt, len, &v6, &ip_hlen, &hlen))
    return OSP_GRO_PLAIN;
  payload = len - hlen;
  if (g->len == 0) {
    memcpy(g->buf, pkt, len);
    g->len = len;
    g->v6 = v6;
    g->ip_hlen = ip_hlen;
    g->hlen = hlen;
    g->mss = payload;
    g->count = 1;
    g->closed = (pkt[ip_hlen + 13] & TCP_PSH) != 0;
    g->next_seq = osp_get32(pkt + ip_hlen + 4) + (uint32_t)payload;
    return OSP_GRO_HELD;
  }
  if (g->closed || !gro_same_flow(g, pkt, v6, hlen) ||
      osp_get32(pkt + ip_hlen + 4) != g->next_seq || payload > g->mss ||
      g->len + payload > OSP_TUN_GRO_MAX || g->count == OSP_TUN_GRO_SEGS)
    return OSP_GRO_FLUSH;
  memcpy(g->buf + g->len, pkt + hlen, payload);
  g->len += payload;
  g->count++;
  g->next_seq += (uint32_t)payload;
  if (pkt[ip_hlen + 13] & TCP_PSH) {
    g->buf[ip_hlen + 13] |= TCP_PSH; /* the run ends with the segment that pushes */
    g->closed = true;
  }
  if (payload < g->mss)
    g->closed = true;
  return OSP_GRO_HELD;
}

size_t osp_tun_gro_finish(OspTunGro *g, struct virtio_net_hdr *h)
{
  size_t len = g->len;
  uint8_t *tcp = g->buf + g->ip_hlen;

  memset(h, 0, sizeof(*h));
  g->len = 0;
  if (len == 0 || g->count == 1)
    return len; /* as it came, checksums and all */
  if (g->v6) {
    osp_put16(g->buf + 4, (uint16_t)(len - 40));
  } else {
    osp_put16(g->buf + 2, (uint16_t)len);
    osp_put16(g->buf + 10, 0);
    osp_put16(g->buf + 10, osp_csum_fold(osp_csum_add(0, g->buf, g->ip_hlen)));
  }
  /* the partial checksum the kernel completes per segment: the
   * pseudo-header's sum, not complemented */
  osp_put16(tcp + 16, (uint16_t)~osp_csum_fold(pseudo_header(g->buf, g->v6, len - g->ip_hlen)));
  h->flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
  h->gso_type = g->v6 ? VIRTIO_NET_HDR_GSO_TCPV6 : VIRTIO_NET_HDR_GSO_TCPV4;
  h->hdr_len = (uint16_t)g->hlen;
  h->gso_size = (uint16_t)g->mss;
  h->csum_start = (uint16_t)g->ip_hlen;
  h->csum_offset = 16;
  return len;
}
