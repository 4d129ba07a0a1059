/* SPDX-License-Identifier: GPL-2.0-or-later
 * TUN offloads (client/osp-tun-offload.c): TSO pieces cut into packets,
 * checksums the kernel left to us.  Every checksum is verified here with
 * this file's own RFC 1071 sum, not the library's. */
#include "osp-tun-offload.h"

#include <errno.h>
#include <netinet/in.h>
#include <string.h>

#define TCP_FIN 0x01
#define TCP_RST 0x04
#define TCP_PSH 0x08
#define TCP_ACK 0x10
#define TCP_CWR 0x80

/* RFC 1071: the one's-complement sum of 16-bit words, folded */
static uint16_t sum16(const uint8_t *p, size_t len, uint32_t start)
{
  uint32_t s = start;

  for (size_t i = 0; i < len; i++)
    s += i % 2 ? p[i] : (uint32_t)p[i] << 8;
  while (s > 0xffff)
    s = (s >> 16) + (s & 0xffff);
  return (uint16_t)s;
}

static uint16_t rd16(const uint8_t *p)
{
  return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t rd32(const uint8_t *p)
{
  return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* a TCP checksum over the pseudo-header verifies to 0xffff */
static uint16_t tcp_verify(const uint8_t *ip, bool v6, size_t ip_hlen, size_t total)
{
  uint32_t pseudo = v6 ? sum16(ip + 8, 32, 0) : sum16(ip + 12, 8, 0);

  pseudo += IPPROTO_TCP + (uint32_t)(total - ip_hlen);
  return sum16(ip + ip_hlen, total - ip_hlen, pseudo);
}

/* IPv4 (ip_hlen 20) or IPv6 (40) + TCP with a 12-byte option block
 * (RFC 7323 timestamps), payload bytes i * 7 */
static size_t make_tcp(uint8_t *p, bool v6, size_t payload, uint8_t flags)
{
  size_t ip_hlen = v6 ? 40 : 20, tcp_hlen = 32, total = ip_hlen + tcp_hlen + payload;
  uint8_t *tcp = p + ip_hlen;

  memset(p, 0, total);
  if (v6) {
    static const uint8_t src[16] = { 0x20, 0x01, 0x0d, 0xb8, 1, [15] = 0x10 };
    static const uint8_t dst[16] = { 0x20, 0x01, 0x0d, 0xb8, 2, [15] = 0x01 };

    p[0] = 0x60;
    p[4] = (uint8_t)((total - 40) >> 8);
    p[5] = (uint8_t)(total - 40);
    p[6] = IPPROTO_TCP;
    p[7] = 64;
    memcpy(p + 8, src, 16);
    memcpy(p + 24, dst, 16);
  } else {
    static const uint8_t addrs[8] = { 198, 18, 1, 10, 198, 51, 100, 1 };

    p[0] = 0x45;
    p[2] = (uint8_t)(total >> 8);
    p[3] = (uint8_t)total;
    p[4] = 0x12;
    p[5] = 0x34;
    p[6] = 0x40; /* DF */
    p[8] = 64;
    p[9] = IPPROTO_TCP;
    memcpy(p + 12, addrs, 8);
  }
  tcp[0] = 0xc0; /* source port 49153 */
  tcp[1] = 0x01;
  tcp[3] = 80;
  tcp[4] = 0xff; /* sequence number near the wrap */
  tcp[5] = 0xff;
  tcp[6] = 0xfe;
  tcp[7] = 0x00;
  tcp[11] = 1;
  tcp[12] = (uint8_t)((tcp_hlen / 4) << 4);
  tcp[13] = flags;
  tcp[15] = 0xff;
  tcp[20] = 1; /* NOP NOP timestamps */
  tcp[21] = 1;
  tcp[22] = 8;
  tcp[23] = 10;
  tcp[27] = 0x2a;
  for (size_t i = 0; i < payload; i++)
    p[ip_hlen + tcp_hlen + i] = (uint8_t)(i * 7);
  return total;
}

static void check_segments(bool v6, size_t payload, size_t mss, uint8_t flags)
{
  static uint8_t pkt[65536], out[2048];
  size_t ip_hlen = v6 ? 40 : 20, hlen = ip_hlen + 32, len = make_tcp(pkt, v6, payload, flags);
  size_t want = (payload + mss - 1) / mss, got = 0, off = 0;
  struct virtio_net_hdr h = {
    .flags = VIRTIO_NET_HDR_F_NEEDS_CSUM,
    .gso_type = v6 ? VIRTIO_NET_HDR_GSO_TCPV6 : VIRTIO_NET_HDR_GSO_TCPV4,
    .hdr_len = (uint16_t)hlen,
    .gso_size = (uint16_t)mss,
    .csum_start = (uint16_t)ip_hlen,
    .csum_offset = 16,
  };
  OspTunGso g;
  ssize_t n;

  g_assert_cmpint(osp_tun_gso_init(&g, &h, pkt, len), ==, 0);
  while ((n = osp_tun_gso_next(&g, out, sizeof(out))) > 0) {
    size_t seg = MIN(mss, payload - off);
    bool first = got == 0, last = got + 1 == want;
    const uint8_t *tcp = out + ip_hlen;

    g_test_message("segment %zu: %zd bytes", got, n);
    g_assert_cmpint(n, ==, (ssize_t)(hlen + seg));
    if (v6) {
      g_assert_cmpuint(rd16(out + 4), ==, n - 40);
      g_assert_cmpmem(out + 8, 32, pkt + 8, 32);
    } else {
      g_assert_cmpuint(rd16(out + 2), ==, n);
      g_assert_cmpuint(rd16(out + 4), ==, 0x1234 + got);
      g_assert_cmpuint(out[6], ==, 0x40);
      g_assert_cmpuint(sum16(out, 20, 0), ==, 0xffff);
      g_assert_cmpmem(out + 12, 8, pkt + 12, 8);
    }
    g_assert_cmpuint(rd32(tcp + 4), ==, (uint32_t)(0xfffffe00u + off)); /* wraps */
    g_assert_cmpuint(rd32(tcp + 8), ==, 1);
    g_assert_cmpuint(tcp[13] & TCP_ACK, ==, flags & TCP_ACK);
    g_assert_cmpuint(tcp[13] & (TCP_PSH | TCP_FIN), ==, last ? flags & (TCP_PSH | TCP_FIN) : 0);
    g_assert_cmpuint(tcp[13] & TCP_CWR, ==, first ? flags & TCP_CWR : 0);
    g_assert_cmpmem(tcp + 20, 12, pkt + ip_hlen + 20, 12); /* options in every segment */
    g_assert_cmpuint(tcp_verify(out, v6, ip_hlen, (size_t)n), ==, 0xffff);
    g_assert_cmpmem(out + hlen, seg, pkt + hlen + off, seg);
    off += seg;
    got++;
  }
  g_assert_cmpint(n, ==, 0);
  g_assert_cmpuint(got, ==, want);
  g_assert_cmpuint(off, ==, payload);
  g_assert_cmpint(osp_tun_gso_next(&g, out, sizeof(out)), ==, 0);
}

static void test_tso4(void)
{
  check_segments(false, 3 * 1000 + 500, 1000, TCP_ACK | TCP_PSH | TCP_CWR);
  check_segments(false, 64000, 1448, TCP_ACK | TCP_PSH | TCP_FIN);
  check_segments(false, 2000, 1000, TCP_ACK); /* an exact multiple */
}

static void test_tso6(void)
{
  check_segments(true, 2 * 1220 + 1, 1220, TCP_ACK | TCP_PSH | TCP_CWR | TCP_FIN);
  check_segments(true, 60000, 1388, TCP_ACK);
}

/* the kernel's partial checksum: the folded pseudo-header sum, to be
 * completed over the rest (RFC 1071 4.1's incremental property) */
static void test_needs_csum(void)
{
  static uint8_t pkt[2048], out[2048];
  size_t len = make_tcp(pkt, false, 777, TCP_ACK | TCP_PSH);
  uint32_t pseudo = sum16(pkt + 12, 8, 0) + IPPROTO_TCP + (uint32_t)(len - 20);
  struct virtio_net_hdr h = { .flags = VIRTIO_NET_HDR_F_NEEDS_CSUM,
                              .csum_start = 20,
                              .csum_offset = 16 };
  OspTunGso g;
  uint16_t partial;

  while (pseudo > 0xffff)
    pseudo = (pseudo >> 16) + (pseudo & 0xffff);
  partial = (uint16_t)pseudo;
  pkt[20 + 16] = (uint8_t)(partial >> 8);
  pkt[20 + 17] = (uint8_t)partial;
  g_assert_cmpuint(tcp_verify(pkt, false, 20, len), !=, 0xffff);
  g_assert_cmpint(osp_tun_gso_init(&g, &h, pkt, len), ==, 0);
  g_assert_cmpuint(tcp_verify(pkt, false, 20, len), ==, 0xffff);
  /* then the packet comes out once, unchanged */
  g_assert_cmpint(osp_tun_gso_next(&g, out, sizeof(out)), ==, (ssize_t)len);
  g_assert_cmpmem(out, len, pkt, len);
  g_assert_cmpint(osp_tun_gso_next(&g, out, sizeof(out)), ==, 0);
}

static void test_plain(void)
{
  static uint8_t pkt[2048], copy[2048], out[2048];
  size_t len = make_tcp(pkt, true, 100, TCP_ACK);
  struct virtio_net_hdr h = { .gso_type = VIRTIO_NET_HDR_GSO_NONE };
  OspTunGso g;

  memcpy(copy, pkt, len);
  g_assert_cmpint(osp_tun_gso_init(&g, &h, pkt, len), ==, 0);
  g_assert_cmpmem(pkt, len, copy, len);
  g_assert_cmpint(osp_tun_gso_next(&g, out, 10), ==, -EMSGSIZE);
  g_assert_cmpint(osp_tun_gso_next(&g, out, sizeof(out)), ==, (ssize_t)len);
  g_assert_cmpmem(out, len, copy, len);
}

static void test_refused(void)
{
  static uint8_t pkt[4096], out[4096];
  size_t len = make_tcp(pkt, false, 3000, TCP_ACK);
  struct virtio_net_hdr h = { .gso_type = VIRTIO_NET_HDR_GSO_TCPV4, .gso_size = 1000 };
  OspTunGso g;

  /* not asked for: UFO */
  h.gso_type = VIRTIO_NET_HDR_GSO_UDP;
  g_assert_cmpint(osp_tun_gso_init(&g, &h, pkt, len), ==, -EPROTONOSUPPORT);
  /* the header's version does not match the packet */
  h.gso_type = VIRTIO_NET_HDR_GSO_TCPV6;
  g_assert_cmpint(osp_tun_gso_init(&g, &h, pkt, len), ==, -EBADMSG);
  h.gso_type = VIRTIO_NET_HDR_GSO_TCPV4 | VIRTIO_NET_HDR_GSO_ECN;
  g_assert_cmpint(osp_tun_gso_init(&g, &h, pkt, len), ==, 0);
  /* no segment size */
  h.gso_size = 0;
  g_assert_cmpint(osp_tun_gso_init(&g, &h, pkt, len), ==, -EBADMSG);
  h.gso_size = 1000;
  /* the TCP header runs past the end */
  g_assert_cmpint(osp_tun_gso_init(&g, &h, pkt, 20 + 24), ==, -EBADMSG);
  g_assert_cmpint(osp_tun_gso_init(&g, &h, pkt, 19), ==, -EBADMSG);
  /* not TCP */
  pkt[9] = IPPROTO_UDP;
  g_assert_cmpint(osp_tun_gso_init(&g, &h, pkt, len), ==, -EBADMSG);
  pkt[9] = IPPROTO_TCP;
  /* a segment that does not fit the room given */
  g_assert_cmpint(osp_tun_gso_init(&g, &h, pkt, len), ==, 0);
  g_assert_cmpint(osp_tun_gso_next(&g, out, 1000), ==, -EMSGSIZE);
  /* a checksum position outside the packet */
  h = (struct virtio_net_hdr){ .flags = VIRTIO_NET_HDR_F_NEEDS_CSUM,
                               .csum_start = (uint16_t)len,
                               .csum_offset = 16 };
  g_assert_cmpint(osp_tun_gso_init(&g, &h, pkt, len), ==, -EBADMSG);
  h.csum_start = 20;
  h.csum_offset = (uint16_t)(len - 20 - 1);
  g_assert_cmpint(osp_tun_gso_init(&g, &h, pkt, len), ==, -EBADMSG);
}

/* RFC 1071 3: the example sum of 00 01 f2 03 f4 f5 f6 f7 is ddf2 */
static void test_csum(void)
{
  static const uint8_t b[] = { 0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7 };

  g_assert_cmpuint(osp_csum_fold(osp_csum_add(0, b, sizeof(b))), ==, (uint16_t)~0xddf2);
  g_assert_cmpuint(osp_csum_fold(osp_csum_add(osp_csum_add(0, b, 3), b + 3, 5)), !=, 0);
  g_assert_cmpuint(osp_csum_fold(osp_csum_add(0, b, 7)), ==, (uint16_t)~sum16(b, 7, 0));
}

/* the word-at-a-time sum against the byte loop: every length up to a
 * jumbo segment's tail, every alignment, sums carried in near 2^32 */
static void test_csum_wide(void)
{
  static const uint32_t starts[] = { 0, 1, 0xffff, 0x12345678, 0xf0000000 };
  g_autofree uint8_t *buf = g_malloc(2100);
  GRand *rng = g_rand_new_with_seed(1071);

  for (size_t i = 0; i < 2100; i++)
    buf[i] = (uint8_t)g_rand_int(rng);
  memset(buf + 1500, 0xff, 300); /* runs of all ones carry in every word */
  for (size_t off = 0; off < 8; off++)
    for (size_t len = 0; len <= 2048; len += len < 80 ? 1 : 37)
      for (size_t k = 0; k < G_N_ELEMENTS(starts); k++)
        g_assert_cmpuint((uint16_t)~osp_csum_fold(osp_csum_add(starts[k], buf + off, len)), ==,
                         sum16(buf + off, len, starts[k]));
  /* split anywhere: partial sums add up (what the pseudo-header relies on) */
  for (size_t cut = 0; cut <= 64; cut += 2)
    g_assert_cmpuint(osp_csum_fold(osp_csum_add(osp_csum_add(0, buf, cut), buf + cut, 1400 - cut)),
                     ==, osp_csum_fold(osp_csum_add(0, buf, 1400)));
  g_rand_free(rng);
}

/* ---- coalescing ------------------------------------------------------- */

/* segment i of a flow: payload `seg` bytes from offset `off` of the
 * stream, with the TCP checksum right (as the sender made it) */
static size_t make_seg(uint8_t *p, bool v6, size_t seg, size_t off, unsigned i, uint8_t flags)
{
  size_t ip_hlen = v6 ? 40 : 20, len = make_tcp(p, v6, seg, flags);
  uint8_t *tcp = p + ip_hlen;
  uint32_t seq = 0xfffffe00u + (uint32_t)off;
  uint16_t c;

  tcp[4] = (uint8_t)(seq >> 24);
  tcp[5] = (uint8_t)(seq >> 16);
  tcp[6] = (uint8_t)(seq >> 8);
  tcp[7] = (uint8_t)seq;
  for (size_t k = 0; k < seg; k++)
    p[ip_hlen + 32 + k] = (uint8_t)((off + k) * 7);
  if (!v6) {
    p[4] = 0x12;
    p[5] = (uint8_t)(0x34 + i);
    p[10] = p[11] = 0;
    c = (uint16_t)~sum16(p, 20, 0);
    p[10] = (uint8_t)(c >> 8);
    p[11] = (uint8_t)c;
  }
  tcp[16] = tcp[17] = 0;
  c = (uint16_t)~tcp_verify(p, v6, ip_hlen, len);
  tcp[16] = (uint8_t)(c >> 8);
  tcp[17] = (uint8_t)c;
  g_assert_cmpuint(tcp_verify(p, v6, ip_hlen, len), ==, 0xffff);
  return len;
}

static uint8_t gro_buf[OSP_TUN_GRO_MAX];

/* an IPv4 segment's TCP checksum made right again after a change */
static void resum(uint8_t *p, size_t len)
{
  uint16_t c;

  p[36] = p[37] = 0;
  c = (uint16_t)~tcp_verify(p, false, 20, len);
  p[36] = (uint8_t)(c >> 8);
  p[37] = (uint8_t)c;
}

/* n segments of one flow join; the write cuts back into the same segments */
static void check_coalesce(bool v6, size_t seg, unsigned n, size_t last_seg)
{
  static uint8_t pkt[2048], out[2048], orig[2048];
  size_t ip_hlen = v6 ? 40 : 20, hlen = ip_hlen + 32, len, total;
  OspTunGro g = { .buf = gro_buf };
  struct virtio_net_hdr h;
  OspTunGso cut;
  uint32_t pseudo;
  ssize_t r;
  unsigned i;

  for (i = 0; i < n; i++) {
    len = make_seg(pkt, v6, i + 1 == n ? last_seg : seg, i * seg, i,
                   TCP_ACK | (i + 1 == n ? TCP_PSH : 0));
    g_assert_cmpint(osp_tun_gro_add(&g, pkt, len), ==, OSP_GRO_HELD);
  }
  total = osp_tun_gro_finish(&g, &h);
  g_assert_cmpuint(total, ==, hlen + (n - 1) * seg + last_seg);
  g_assert_cmpuint(h.flags, ==, VIRTIO_NET_HDR_F_NEEDS_CSUM);
  g_assert_cmpuint(h.gso_type, ==, v6 ? VIRTIO_NET_HDR_GSO_TCPV6 : VIRTIO_NET_HDR_GSO_TCPV4);
  g_assert_cmpuint(h.gso_size, ==, seg);
  g_assert_cmpuint(h.hdr_len, ==, hlen);
  g_assert_cmpuint(h.csum_start, ==, ip_hlen);
  g_assert_cmpuint(h.csum_offset, ==, 16);
  if (v6) {
    g_assert_cmpuint(rd16(gro_buf + 4), ==, total - 40);
  } else {
    g_assert_cmpuint(rd16(gro_buf + 2), ==, total);
    g_assert_cmpuint(rd16(gro_buf + 4), ==, 0x1234); /* the first one's id */
    g_assert_cmpuint(sum16(gro_buf, 20, 0), ==, 0xffff);
  }
  g_assert_cmpuint(gro_buf[ip_hlen + 13], ==, TCP_ACK | TCP_PSH);
  /* the partial checksum: the pseudo-header's sum over the whole run */
  pseudo = v6 ? sum16(gro_buf + 8, 32, 0) : sum16(gro_buf + 12, 8, 0);
  g_assert_cmpuint(rd16(gro_buf + ip_hlen + 16), ==,
                   sum16(NULL, 0, pseudo + IPPROTO_TCP + (uint32_t)(total - ip_hlen)));
  /* what the kernel does with it: the same segments again */
  g_assert_cmpint(osp_tun_gso_init(&cut, &h, gro_buf, total), ==, 0);
  for (i = 0; (r = osp_tun_gso_next(&cut, out, sizeof(out))) > 0; i++) {
    len = make_seg(orig, v6, i + 1 == n ? last_seg : seg, i * seg, i,
                   TCP_ACK | (i + 1 == n ? TCP_PSH : 0));
    g_assert_cmpint(r, ==, (ssize_t)len);
    g_assert_cmpmem(out + ip_hlen, len - ip_hlen, orig + ip_hlen, len - ip_hlen);
  }
  g_assert_cmpuint(i, ==, n);
}

static void test_coalesce(void)
{
  check_coalesce(false, 1000, 4, 1000);
  check_coalesce(false, 1360, 44, 700);
  check_coalesce(true, 1220, 3, 1);
}

/* the rules: what may not join a run */
static void test_coalesce_rules(void)
{
  static const struct {
    size_t at;
    const char *what;
  } differ[] = {
    { 1, "TOS" },
    { 8, "TTL" },
    { 15, "source address" },
    { 19, "destination address" },
    { 21, "source port" },
    { 23, "destination port" },
    { 31, "ACK number" },
    { 35, "window" },
    { 47, "timestamp" },
  };
  static uint8_t a[2048], b[2048];
  OspTunGro g = { .buf = gro_buf };
  struct virtio_net_hdr h;
  size_t la, lb;

#define START()                                                    \
  do {                                                             \
    osp_tun_gro_finish(&g, &h);                                    \
    la = make_seg(a, false, 1000, 0, 0, TCP_ACK);                  \
    g_assert_cmpint(osp_tun_gro_add(&g, a, la), ==, OSP_GRO_HELD); \
  } while (0)

  /* the next segment joins */
  START();
  lb = make_seg(b, false, 1000, 1000, 1, TCP_ACK);
  g_assert_cmpint(osp_tun_gro_add(&g, b, lb), ==, OSP_GRO_HELD);
  /* a gap (segment 3 after 1) */
  START();
  lb = make_seg(b, false, 1000, 2000, 2, TCP_ACK);
  g_assert_cmpint(osp_tun_gro_add(&g, b, lb), ==, OSP_GRO_FLUSH);
  /* a repeated segment */
  START();
  g_assert_cmpint(osp_tun_gro_add(&g, a, la), ==, OSP_GRO_FLUSH);
  /* one byte of the next segment changed: not the same flow or headers */
  for (size_t k = 0; k < G_N_ELEMENTS(differ); k++) {
    g_test_message("changed byte %zu (%s)", differ[k].at, differ[k].what);
    START();
    lb = make_seg(b, false, 1000, 1000, 1, TCP_ACK);
    b[differ[k].at] ^= 1;
    resum(b, lb);
    g_assert_cmpint(osp_tun_gro_add(&g, b, lb), ==, OSP_GRO_FLUSH);
  }
  /* a longer segment than the first */
  START();
  lb = make_seg(b, false, 1001, 1000, 1, TCP_ACK);
  g_assert_cmpint(osp_tun_gro_add(&g, b, lb), ==, OSP_GRO_FLUSH);
  /* after a shorter one, or after PSH, nothing more joins */
  osp_tun_gro_finish(&g, &h);
  la = make_seg(a, false, 1000, 0, 0, TCP_ACK);
  g_assert_cmpint(osp_tun_gro_add(&g, a, la), ==, OSP_GRO_HELD);
  lb = make_seg(b, false, 500, 1000, 2, TCP_ACK);
  /* segment 2 of 500 bytes: right after a */
  g_assert_cmpint(osp_tun_gro_add(&g, b, lb), ==, OSP_GRO_HELD);
  lb = make_seg(b, false, 500, 1500, 3, TCP_ACK); /* seq 1500: in order, but the run is closed */
  g_assert_cmpint(osp_tun_gro_add(&g, b, lb), ==, OSP_GRO_FLUSH);
  osp_tun_gro_finish(&g, &h);
  la = make_seg(a, false, 1000, 0, 0, TCP_ACK | TCP_PSH);
  g_assert_cmpint(osp_tun_gro_add(&g, a, la), ==, OSP_GRO_HELD);
  lb = make_seg(b, false, 1000, 1000, 1, TCP_ACK);
  g_assert_cmpint(osp_tun_gro_add(&g, b, lb), ==, OSP_GRO_FLUSH);
  /* one segment alone goes out as it came, without GSO */
  g_assert_cmpuint(osp_tun_gro_finish(&g, &h), ==, la);
  g_assert_cmpuint(h.gso_type, ==, VIRTIO_NET_HDR_GSO_NONE);
  g_assert_cmpmem(gro_buf, la, a, la);

  /* never held: FIN, RST, SYN, URG; a bad checksum; IPv4 options; a
   * fragment; UDP; no payload */
  osp_tun_gro_finish(&g, &h);
  for (unsigned f = 0; f < 4; f++) {
    static const uint8_t bad[] = { TCP_FIN, TCP_RST, 0x02, 0x20 };

    la = make_seg(a, false, 1000, 0, 0, TCP_ACK | bad[f]);
    g_assert_cmpint(osp_tun_gro_add(&g, a, la), ==, OSP_GRO_PLAIN);
  }
  la = make_seg(a, false, 1000, 0, 0, TCP_ACK);
  a[100] ^= 1;
  g_assert_cmpint(osp_tun_gro_add(&g, a, la), ==, OSP_GRO_PLAIN);
  la = make_seg(a, false, 1000, 0, 0, TCP_ACK);
  a[0] = 0x46;
  g_assert_cmpint(osp_tun_gro_add(&g, a, la), ==, OSP_GRO_PLAIN);
  la = make_seg(a, false, 1000, 0, 0, TCP_ACK);
  a[6] |= 0x20; /* MF */
  g_assert_cmpint(osp_tun_gro_add(&g, a, la), ==, OSP_GRO_PLAIN);
  la = make_seg(a, false, 1000, 0, 0, TCP_ACK);
  a[9] = IPPROTO_UDP;
  g_assert_cmpint(osp_tun_gro_add(&g, a, la), ==, OSP_GRO_PLAIN);
  la = make_seg(a, false, 0, 0, 0, TCP_ACK);
  g_assert_cmpint(osp_tun_gro_add(&g, a, la), ==, OSP_GRO_PLAIN);
  g_assert_cmpuint(osp_tun_gro_finish(&g, &h), ==, 0);
#undef START
}

int main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/tun-offload/csum", test_csum);
  g_test_add_func("/tun-offload/csum-wide", test_csum_wide);
  g_test_add_func("/tun-offload/tso4", test_tso4);
  g_test_add_func("/tun-offload/tso6", test_tso6);
  g_test_add_func("/tun-offload/needs-csum", test_needs_csum);
  g_test_add_func("/tun-offload/plain", test_plain);
  g_test_add_func("/tun-offload/refused", test_refused);
  g_test_add_func("/tun-offload/coalesce", test_coalesce);
  g_test_add_func("/tun-offload/coalesce-rules", test_coalesce_rules);
  return g_test_run();
}
