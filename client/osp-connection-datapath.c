/* SPDX-License-Identifier: GPL-2.0-or-later
 * Osprey — the ESP datapath of a connection: its sockets (IKE on 500,
 * NAT-T on 4500, raw ESP), the TUN device, the pump between them in
 * batches (recvmmsg/sendmmsg) in a thread of its own (see Dp in
 * osp-connection-private.h), the SA pairs it encrypts and decrypts with,
 * their counters and volume lifetimes. */
#define _GNU_SOURCE /* recvmmsg, sendmmsg */
#include "osp-connection-private.h"
#include "osp-crypto.h"
#include "osp-error.h"
#include "osp-tun-offload.h"

#include <arpa/inet.h>
#include <errno.h>
#include <glib/gi18n-lib.h>
#include <linux/errqueue.h>
#include <netinet/ip.h>
#include <netinet/udp.h>
#include <poll.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/uio.h>

#define SOCK_BUF (4 * 1024 * 1024)
#define GSO_MAX_SEGS 64     /* UDP_MAX_SEGMENTS of Linux 4.18 */
#define GSO_MAX_BYTES 65000 /* one UDP datagram before the kernel cuts it */

/* ---- sending ---------------------------------------------------------- */

static void dp_raise(Dp *d, unsigned ev);
static void dp_raise_unreach(Dp *d, int err);
static bool unreachable_errno(int e);

/* An IKE message (or keepalive) shares the NAT-T socket with the
 * datapath, which may have filled its send buffer (EAGAIN) or the queue of
 * the device under it (ENOBUFS, reported with IP_RECVERR): worth a short
 * wait, since some messages are never sent again (quick mode's HASH(3)). */
#define IKE_SEND_TRIES 10
#define IKE_SEND_WAIT_MS 5

static ssize_t send_patiently(int fd, const void *data, size_t len, const OspAddr *to)
{
  for (unsigned tries = 1;; tries++) {
    ssize_t r = sendto(fd, data, len, 0, &to->sa, osp_addr_len(to));
    struct pollfd p = { .fd = fd, .events = POLLOUT };

    if (r >= 0 || (errno != EAGAIN && errno != ENOBUFS) || tries == IKE_SEND_TRIES)
      return r;
    if (errno == EAGAIN)
      poll(&p, 1, IKE_SEND_WAIT_MS);
    else
      g_usleep(IKE_SEND_WAIT_MS * 1000);
  }
}

static void sendto_gateway(OspConnection *c, int fd, uint16_t port, const void *data, size_t len)
{
  OspAddr to = c->peer;

  osp_addr_set_port(&to, port);
  if (send_patiently(fd, data, len, &to) < 0) {
    int e = errno;

    g_debug("send to gateway failed: %s", g_strerror(e));
    /* no route (an AAAA record on a host without IPv6): as an ICMP
     * unreachable says, through the main loop, not inside this send */
    if (unreachable_errno(e) && c->dp.started)
      dp_raise_unreach(&c->dp, e);
  }
  __atomic_store_n(&c->last_tx, g_get_monotonic_time(), __ATOMIC_RELAXED);
}

void osp_conn_io_send_ike(OspConnection *c, const uint8_t *data, size_t len, bool natt)
{
  if (natt) {
    g_autofree uint8_t *pkt = g_malloc(len + 4);

    memset(pkt, 0, 4); /* non-ESP marker (RFC 3948 2.2) */
    memcpy(pkt + 4, data, len);
    sendto_gateway(c, c->natt_fd, NATT_PORT, pkt, len + 4);
    return;
  }
  sendto_gateway(c, c->ike_fd, osp_addr_port(&c->peer), data, len);
}

/* ---- the ESP datapath: the thread ------------------------------------- */

enum { DP_KICK, DP_TUN, DP_NATT, DP_ESP }; /* epoll tags */

static inline gint64 load64(const gint64 *v)
{
  return __atomic_load_n(v, __ATOMIC_RELAXED);
}

static inline void store64(gint64 *v, gint64 x)
{
  __atomic_store_n(v, x, __ATOMIC_RELAXED);
}

static void eventfd_add(int fd)
{
  uint64_t one = 1;

  /* fails only when the counter would overflow: the reader is woken anyway */
  if (write(fd, &one, sizeof(one)) < 0 && errno != EAGAIN)
    g_debug("eventfd write failed: %s", g_strerror(errno));
}

static void eventfd_drain(int fd)
{
  uint64_t v;

  if (read(fd, &v, sizeof(v)) < 0 && errno != EAGAIN)
    g_debug("eventfd read failed: %s", g_strerror(errno));
}

/* Wakes the main loop unless a wakeup is pending already (it takes every
 * bit raised until it reads them). */
static void dp_raise(Dp *d, unsigned ev)
{
  if (__atomic_fetch_or(&d->events, ev, __ATOMIC_RELEASE) == 0)
    eventfd_add(d->wake_fd);
}

/* An unreachable and its errno (which ICMP error), for the main loop */
static void dp_raise_unreach(Dp *d, int err)
{
  __atomic_store_n(&d->unreach_err, err, __ATOMIC_RELAXED);
  dp_raise(d, DP_EV_UNREACH);
}

/* Traffic notes wake the main loop at most every DP_NOTE_US: at 1000
 * packets a second it stays asleep; osp_conn_io_sync() gives the sessions
 * the exact time before their timers decide anything. */
static void dp_note(Dp *d, gint64 *next, unsigned ev, gint64 now)
{
  if (now >= *next) {
    *next = now + DP_NOTE_US;
    dp_raise(d, ev);
  }
}

/* Lifetimes in kilobytes (RFC 2407 4.5) and the outbound counter (RFC 4303
 * 3.3.3): the main loop hears once per table that a pair needs a look. */
static void dp_check_volume(Dp *d, const DpTable *t, size_t i)
{
  const DpPair *p = &t->pairs[i];
  uint64_t in, out;

  if (d->told[i])
    return;
  in = osp_esp_sa_stats(p->core.in)->bytes;
  out = osp_esp_sa_stats(p->core.out)->bytes;
  if ((p->watch_seq && osp_esp_sa_seq_exhausted(p->core.out)) ||
      (p->core.soft_bytes && MAX(in, out) >= p->core.soft_bytes)) {
    d->told[i] = true;
    dp_raise(d, DP_EV_VOLUME);
  }
}

static const DpPair *dp_pair_by_spi(const DpTable *t, uint32_t spi_in)
{
  for (size_t i = t->n; i-- > 0;)
    if (osp_esp_sa_spi(t->pairs[i].core.in) == spi_in)
      return &t->pairs[i];
  return NULL;
}

/* One packet into the TUN device; behind a virtio-net header that asks
 * nothing of it (no GSO, checksums complete) if the device has them. */
static ssize_t dp_tun_write(const DpTable *t, const struct virtio_net_hdr *h, uint8_t *pkt,
                            size_t len)
{
  static const struct virtio_net_hdr none = { .gso_type = VIRTIO_NET_HDR_GSO_NONE };
  struct iovec v[2] = { { (void *)(h ? h : &none), sizeof(none) }, { pkt, len } };

  if (!t->tun_vnet)
    return write(t->tun_fd, pkt, len);
  return writev(t->tun_fd, v, 2);
}

/* Writes the TCP run held for coalescing, if any. */
static void dp_gro_flush(Dp *d, const DpTable *t)
{
  struct virtio_net_hdr h;
  size_t len = osp_tun_gro_finish(&d->tun_gro, &h);

  if (len && dp_tun_write(t, &h, d->tun_gro.buf, len) < 0 && errno != EAGAIN)
    g_debug("tun write failed: %s", g_strerror(errno));
}

/* A decrypted inner packet for the TUN device: joined to a TCP run where
 * the device takes GSO writes (written at the end of the batch), else
 * written at once. */
static void dp_deliver(Dp *d, const DpTable *t, uint8_t *pkt, size_t len)
{
  if (t->tun_vnet && d->tun_gro.buf) {
    OspGroVerdict v = osp_tun_gro_add(&d->tun_gro, pkt, len);

    if (v == OSP_GRO_HELD)
      return;
    dp_gro_flush(d, t);
    if (v == OSP_GRO_FLUSH && osp_tun_gro_add(&d->tun_gro, pkt, len) == OSP_GRO_HELD)
      return;
  }
  if (dp_tun_write(t, NULL, pkt, len) < 0 && errno != EAGAIN)
    g_debug("tun write failed: %s", g_strerror(errno));
}

/* Decrypts one ESP packet to the TUN device, if it is an IP packet for us;
 * true if it authenticated (the gateway lives). */
static bool dp_esp_input(Dp *d, const DpTable *t, uint8_t *esp, size_t len)
{
  const DpPair *p = dp_pair_by_spi(t, osp_esp_packet_spi(esp, len));
  OspEspPolicy us = { 0 };
  uint8_t *pkt;
  size_t pkt_len;
  int r;

  if (!p || t->tun_fd < 0 || !t->have_addr)
    return false;
  us.addr4 = t->addr4;
  us.addr6 = t->have_addr6 ? &t->addr6 : NULL;
  r = osp_esp_input(p->core.in, esp, len, &us, &pkt, &pkt_len);
  if (r == -EPROTONOSUPPORT || r == -EPROTO || r == -EADDRNOTAVAIL) {
    uint64_t n = osp_esp_sa_stats(p->core.in)->policy_drops;

    if ((n & (n - 1)) == 0) /* the 1st, 2nd, 4th, ...: a flood does not flood the log */
      g_debug("dropped a decrypted packet (%s); %" G_GUINT64_FORMAT " so far on SA %08x",
              r == -EADDRNOTAVAIL ? "not addressed to us"
              : r == -EPROTO      ? "broken IP header"
                                  : "neither IPv4 nor IPv6",
              n, osp_esp_sa_spi(p->core.in));
    return true;
  }
  if (r < 0)
    return false;
  if (pkt_len)
    dp_deliver(d, t, pkt, pkt_len);
  return true;
}

static void dp_alive(Dp *d, const DpTable *t)
{
  gint64 now = g_get_monotonic_time();

  store64(&d->last_rx, now);
  dp_note(d, &d->rx_note_at, DP_EV_ALIVE, now);
  for (size_t i = 0; i < t->n; i++)
    dp_check_volume(d, t, i);
}

/* The newest pair of an IP version: IKEv1 gives IPv4 and IPv6 SAs of their
 * own (one selector pair each); -1 none. */
static ssize_t dp_newest(const DpTable *t, bool ipv6)
{
  for (size_t i = t->n; i-- > 0;)
    if (t->pairs[i].core.ipv6 == ipv6 && !t->pairs[i].core.inbound_only)
      return (ssize_t)i;
  return -1;
}

/* One message per datagram, from datagram `from` of the batch on. */
static int dp_plain_messages(Dp *d, OspAddr *to, int from, int n)
{
  int m;

  for (m = 0; from + m < n; m++) {
    struct msghdr *h = &d->msgs[m].msg_hdr;

    memset(h, 0, sizeof(*h));
    h->msg_iov = &d->iov[from + m];
    h->msg_iovlen = 1;
    h->msg_name = to;
    h->msg_namelen = osp_addr_len(to);
    d->first[m] = from + m;
  }
  return m;
}

/* UDP GSO (UDP_SEGMENT, Linux 4.18): one message carries a run of
 * datagrams of one size (the last of a run may be shorter), which the
 * kernel cuts apart at that size; TCP through the tunnel makes such runs
 * of full-sized packets. */
static int dp_gso_messages(Dp *d, OspAddr *to, int n)
{
  int m = 0, i = 0;

  while (i < n) {
    struct msghdr *h = &d->msgs[m].msg_hdr;
    size_t seg = d->iov[i].iov_len, total = 0;
    int j = i;

    while (j < n && j - i < GSO_MAX_SEGS && d->iov[j].iov_len <= seg &&
           total + d->iov[j].iov_len <= GSO_MAX_BYTES) {
      total += d->iov[j].iov_len;
      if (d->iov[j++].iov_len < seg)
        break;
    }
    memset(h, 0, sizeof(*h));
    h->msg_iov = &d->iov[i];
    h->msg_iovlen = (size_t)(j - i);
    h->msg_name = to;
    h->msg_namelen = osp_addr_len(to);
    if (j - i > 1) {
      uint16_t size = (uint16_t)seg;
      struct cmsghdr *cm;

      h->msg_control = d->ctl[m].buf;
      h->msg_controllen = CMSG_SPACE(sizeof(size));
      cm = CMSG_FIRSTHDR(h);
      cm->cmsg_level = SOL_UDP;
      cm->cmsg_type = UDP_SEGMENT;
      cm->cmsg_len = CMSG_LEN(sizeof(size));
      memcpy(CMSG_DATA(cm), &size, sizeof(size));
    }
    d->first[m++] = i;
    i = j;
  }
  return m;
}

/* Sends the batch's n ESP datagrams (d->iov); over NAT-T in GSO runs
 * while the kernel takes them.  It refuses them with EIO when the device
 * cannot checksum, EINVAL when a run does not fit the path: then one
 * datagram per packet from there on. */
static void dp_send(OspConnection *c, const DpPair *p, OspAddr *to, int n)
{
  Dp *d = &c->dp;
  int fd = p->core.udp ? c->natt_fd : c->esp_fd;
  bool gso = p->core.udp && d->gso;
  int m = gso ? dp_gso_messages(d, to, n) : dp_plain_messages(d, to, 0, n);
  int sent = 0;

  while (sent < m) {
    int r = sendmmsg(fd, d->msgs + sent, (unsigned)(m - sent), MSG_DONTWAIT);

    if (r > 0) {
      sent += r;
      continue;
    }
    if (gso && (errno == EIO || errno == EINVAL)) {
      g_debug("UDP GSO refused (%s): one datagram per packet from now on", g_strerror(errno));
      d->gso = gso = false;
      m = dp_plain_messages(d, to, d->first[sent], n);
      sent = 0;
      continue;
    }
    if (errno != EAGAIN)
      g_debug("send to gateway failed: %s", g_strerror(errno));
    break;
  }
}

#define SLOT_ROOM (SLOT - OSP_ESP_HEADROOM - OSP_ESP_TAILROOM)

static uint8_t *dp_slot(Dp *d, int n)
{
  return d->slots + (size_t)n * SLOT + OSP_ESP_HEADROOM;
}

/* Encrypts the inner packet in slot n with the newest SA of its IP
 * version; true if it joined the batch (d->iov[n]). */
static bool dp_seal(Dp *d, const DpPair *p4, const DpPair *p6, int n, size_t len)
{
  uint8_t *pkt = dp_slot(d, n), *esp;
  const DpPair *sa = (pkt[0] >> 4) == 4 ? p4 : (pkt[0] >> 4) == 6 ? p6 : NULL;
  size_t esp_len;

  if (!sa || osp_esp_encrypt(sa->core.out, pkt, len, sa == p6 ? IPPROTO_IPV6 : IPPROTO_IPIP, &esp,
                             &esp_len) < 0)
    return false;
  d->iov[n].iov_base = esp;
  d->iov[n].iov_len = esp_len;
  return true;
}

static void dp_flush(OspConnection *c, const DpPair *p, OspAddr *to, int *n)
{
  Dp *d = &c->dp;
  gint64 now;

  if (*n == 0)
    return;
  dp_send(c, p, to, *n);
  *n = 0;
  now = g_get_monotonic_time();
  store64(&c->last_tx, now);
  dp_note(d, &d->tx_note_at, DP_EV_SENT, now);
}

/* One read from a device with IFF_VNET_HDR: a packet, or a TSO piece cut
 * into packets, into the batch's slots from *n on (sent when full).
 * False when there was nothing to read. */
static bool dp_tun_read_vnet(OspConnection *c, const DpTable *t, const DpPair *p4, const DpPair *p6,
                             OspAddr *to, int *n)
{
  Dp *d = &c->dp;
  const DpPair *p = p4 ? p4 : p6;
  struct virtio_net_hdr h;
  struct iovec v[2] = { { &h, sizeof(h) }, { d->tso_buf, DP_TSO_BUF } };
  ssize_t r = readv(t->tun_fd, v, 2), len;
  OspTunGso g;
  int e;

  if (r <= 0)
    return false;
  if ((size_t)r <= sizeof(h))
    return true;
  if ((e = osp_tun_gso_init(&g, &h, d->tso_buf, (size_t)r - sizeof(h))) < 0) {
    g_debug("dropped a packet from the TUN device (GSO type %u): %s", h.gso_type, g_strerror(-e));
    return true;
  }
  while ((len = osp_tun_gso_next(&g, dp_slot(d, *n), SLOT_ROOM)) > 0) {
    if (dp_seal(d, p4, p6, *n, (size_t)len))
      (*n)++;
    if (*n == BATCH)
      dp_flush(c, p, to, n);
  }
  return true;
}

/* Reads from the TUN device (up to 4 batches' worth), encrypts each packet
 * in place and sends them a batch at a time.  A wake more than
 * DP_TUN_BURST_US after the last, which read one packet, reads one
 * packet: the read that would find the device empty is saved (at low
 * rates one system call of the four a packet takes); if more came, epoll
 * reports the device again at once and that wake reads to the end. */
static void dp_tun(OspConnection *c, const DpTable *t)
{
  Dp *d = &c->dp;
  ssize_t i4 = dp_newest(t, false), i6 = dp_newest(t, true);
  const DpPair *p4 = i4 >= 0 ? &t->pairs[i4] : NULL, *p6 = i6 >= 0 ? &t->pairs[i6] : NULL;
  const DpPair *p = p4 ? p4 : p6;
  OspAddr to = t->peer;
  gint64 now = g_get_monotonic_time();
  int reads, n = 0, max = 4 * BATCH;

  if (t->tun_fd < 0)
    return; /* a newer table has it */
  if (d->tun_reads == 1 && now - d->tun_wake_at > DP_TUN_BURST_US)
    max = 1;
  /* raw ESP: no port (a raw IPv6 socket would read it as the protocol) */
  osp_addr_set_port(&to, p && p->core.udp ? (p->core.udp_port ? p->core.udp_port : NATT_PORT) : 0);
  for (reads = 0; reads < max; reads++) {
    if (t->tun_vnet) {
      if (!dp_tun_read_vnet(c, t, p4, p6, &to, &n))
        break;
    } else {
      ssize_t r = read(t->tun_fd, dp_slot(d, n), SLOT_ROOM);

      if (r <= 0)
        break;
      if (dp_seal(d, p4, p6, n, (size_t)r))
        n++;
    }
    if (n == BATCH)
      dp_flush(c, p, &to, &n);
  }
  dp_flush(c, p, &to, &n);
  d->tun_reads = reads;
  d->tun_wake_at = now;
  if (p4)
    dp_check_volume(d, t, (size_t)i4);
  if (p6)
    dp_check_volume(d, t, (size_t)i6);
}

static bool unreachable_errno(int e)
{
  return e == ECONNREFUSED || e == EHOSTUNREACH || e == ENETUNREACH;
}

/* IP_RECVERR (IPV6_RECVERR) queues each ICMP (ICMPv6) error on the socket,
 * and poll reports POLLERR until the queue is read: reads it.  The errno of
 * the last unreachable among the errors, 0 if none. */
static int read_icmp_errors(int fd)
{
  int unreachable = 0;

  for (int i = 0; i < BATCH; i++) {
    uint8_t ctl[512];
    struct msghdr m = { .msg_control = ctl, .msg_controllen = sizeof(ctl) };
    struct cmsghdr *cm;

    if (recvmsg(fd, &m, MSG_ERRQUEUE | MSG_DONTWAIT) < 0)
      break;
    for (cm = CMSG_FIRSTHDR(&m); cm; cm = CMSG_NXTHDR(&m, cm)) {
      struct sock_extended_err ee;

      if (!((cm->cmsg_level == IPPROTO_IP && cm->cmsg_type == IP_RECVERR) ||
            (cm->cmsg_level == IPPROTO_IPV6 && cm->cmsg_type == IPV6_RECVERR)) ||
          cm->cmsg_len < CMSG_LEN(sizeof(ee)))
        continue;
      memcpy(&ee, CMSG_DATA(cm), sizeof(ee));
      if ((ee.ee_origin == SO_EE_ORIGIN_ICMP || ee.ee_origin == SO_EE_ORIGIN_ICMP6) &&
          unreachable_errno((int)ee.ee_errno))
        unreachable = (int)ee.ee_errno;
    }
  }
  return unreachable;
}

static void dp_read_errors(Dp *d, int fd)
{
  int e = read_icmp_errors(fd);

  if (e)
    dp_raise_unreach(d, e);
}

static void dp_push_ike(Dp *d, const uint8_t *data, size_t len)
{
  unsigned tail = d->ike_tail;

  if (tail - __atomic_load_n(&d->ike_head, __ATOMIC_ACQUIRE) == DP_IKE_RING) {
    g_debug("IKE datagrams pile up on the NAT-T port: one dropped");
    return;
  }
  d->ike_ring[tail % DP_IKE_RING] = g_bytes_new(data, len);
  __atomic_store_n(&d->ike_tail, tail + 1, __ATOMIC_RELEASE);
  dp_raise(d, DP_EV_IKE);
}

/* The main loop's end of the ring; NULL when empty. */
static GBytes *dp_pop_ike(Dp *d)
{
  unsigned head = d->ike_head;
  GBytes *b;

  if (head == __atomic_load_n(&d->ike_tail, __ATOMIC_ACQUIRE))
    return NULL;
  b = g_steal_pointer(&d->ike_ring[head % DP_IKE_RING]);
  __atomic_store_n(&d->ike_head, head + 1, __ATOMIC_RELEASE);
  return b;
}

/* One datagram that came on the NAT-T port: ESP; IKE behind the non-ESP
 * marker (RFC 3948 2.2), which goes to the main loop; or a NAT keepalive
 * (RFC 3948 2.3).  True if it was ESP that authenticated. */
static bool dp_natt_datagram(Dp *d, const DpTable *t, uint8_t *p, size_t len)
{
  if (len == 1)
    return false;
  if (len >= 4 && osp_get32(p) == 0) {
    dp_push_ike(d, p + 4, len - 4);
    return false;
  }
  return dp_esp_input(d, t, p, len);
}

/* With UDP_GRO the kernel hands over a run of datagrams of one size in
 * one buffer (the last may be shorter) and says the size; 0: one datagram */
static size_t gro_size(struct msghdr *h)
{
  for (struct cmsghdr *cm = CMSG_FIRSTHDR(h); cm; cm = CMSG_NXTHDR(h, cm)) {
    int size;

    if (cm->cmsg_level == SOL_UDP && cm->cmsg_type == UDP_GRO &&
        cm->cmsg_len >= CMSG_LEN(sizeof(size))) {
      memcpy(&size, CMSG_DATA(cm), sizeof(size));
      return size > 0 ? (size_t)size : 0;
    }
  }
  return 0;
}

static void dp_natt(OspConnection *c, const DpTable *t, uint32_t events)
{
  Dp *d = &c->dp;
  unsigned slots = d->gro ? DP_GRO_SLOTS : BATCH;
  size_t slot = d->gro ? DP_GRO_SLOT : SLOT;
  uint8_t *base = d->gro ? d->gro_buf : d->slots;
  bool alive = false;
  int round, n, i;

  if (events & EPOLLERR)
    dp_read_errors(d, c->natt_fd);
  for (round = 0; round < 4; round++) {
    for (i = 0; i < (int)slots; i++) {
      struct msghdr *h = &d->msgs[i].msg_hdr;

      d->iov[i].iov_base = base + (size_t)i * slot;
      d->iov[i].iov_len = slot;
      memset(h, 0, sizeof(*h));
      h->msg_iov = &d->iov[i];
      h->msg_iovlen = 1;
      h->msg_name = &d->from[i];
      h->msg_namelen = sizeof(d->from[i]);
      if (d->gro) {
        h->msg_control = d->ctl[i].buf;
        h->msg_controllen = sizeof(d->ctl[i].buf);
      }
    }
    n = recvmmsg(c->natt_fd, d->msgs, slots, MSG_DONTWAIT, NULL);
    if (n < 0) {
      if (unreachable_errno(errno))
        dp_raise_unreach(d, errno);
      break;
    }
    for (i = 0; i < n; i++) {
      uint8_t *p = d->iov[i].iov_base;
      size_t len = d->msgs[i].msg_len, seg, off;

      if (!osp_addr_same_host(&d->from[i], &t->peer) || (d->msgs[i].msg_hdr.msg_flags & MSG_TRUNC))
        continue; /* foreign or too big */
      seg = d->gro ? gro_size(&d->msgs[i].msg_hdr) : 0;
      if (seg == 0)
        seg = len;
      for (off = 0; off < len; off += seg)
        alive |= dp_natt_datagram(d, t, p + off, MIN(seg, len - off));
    }
    if (n < (int)slots)
      break;
  }
  dp_gro_flush(d, t);
  if (alive)
    dp_alive(d, t);
}

static void dp_esp(OspConnection *c, const DpTable *t)
{
  Dp *d = &c->dp;
  bool alive = false;
  int i;

  for (i = 0; i < BATCH; i++) {
    OspAddr from;
    socklen_t fl = sizeof(from);
    ssize_t n = recvfrom(c->esp_fd, d->buf, PKT_BUF, MSG_DONTWAIT, &from.sa, &fl);
    size_t ihl = 0;

    if (n <= 0)
      break;
    /* a raw IPPROTO_ESP socket delivers the IPv4 header too, never the
     * IPv6 one (RFC 3542 3) */
    if (!osp_addr_is_ipv6(&t->peer))
      ihl = (size_t)(d->buf[0] & 0x0f) * 4;
    if ((size_t)n < ihl + 8 || !osp_addr_same_host(&from, &t->peer))
      continue;
    alive |= dp_esp_input(d, t, d->buf + ihl, (size_t)n - ihl);
  }
  dp_gro_flush(d, t);
  if (alive)
    dp_alive(d, t);
}

static gpointer dp_run(gpointer data)
{
  OspConnection *c = data;
  Dp *d = &c->dp;
  uint64_t seen = 0;

  for (;;) {
    const DpTable *t = __atomic_load_n(&d->table, __ATOMIC_ACQUIRE);
    struct epoll_event ev[4];
    int n, i;

    if (t->epoch != seen) {
      seen = t->epoch;
      memset(d->told, 0, sizeof(d->told));
    }
    /* from here on the thread holds no older table */
    __atomic_store_n(&d->ack, seen, __ATOMIC_RELEASE);
    if (__atomic_load_n(&d->stop, __ATOMIC_ACQUIRE))
      break;
    n = epoll_wait(d->epoll_fd, ev, G_N_ELEMENTS(ev), -1);
    if (n < 0 && errno != EINTR) {
      g_debug("datapath: epoll_wait failed: %s", g_strerror(errno));
      g_usleep(10000);
    }
    for (i = 0; i < n; i++) {
      switch (ev[i].data.u32) {
      case DP_KICK: eventfd_drain(d->kick_fd); break;
      case DP_TUN: dp_tun(c, t); break;
      case DP_NATT: dp_natt(c, t, ev[i].events); break;
      case DP_ESP: dp_esp(c, t); break;
      }
    }
  }
  return NULL;
}

/* ---- the ESP datapath: the main loop's side --------------------------- */

/* Waits until the thread works with `epoch` or later, as synchronize_rcu()
 * does: at most one batch of the thread's.  False if it does not answer. */
static bool dp_synchronize(Dp *d, uint64_t epoch)
{
  gint64 give_up;

  if (!d->thread)
    return true;
  eventfd_add(d->kick_fd);
  give_up = g_get_monotonic_time() + 2 * G_USEC_PER_SEC;
  while (__atomic_load_n(&d->ack, __ATOMIC_ACQUIRE) < epoch) {
    if (g_get_monotonic_time() > give_up) {
      g_debug("datapath thread does not answer: the old SA table stays allocated");
      return false;
    }
    g_usleep(20);
  }
  return true;
}

/* Publishes the SA pairs, the tunnel and the policy for the thread.  True
 * once nothing uses what the old table held. */
static bool dp_publish(OspConnection *c)
{
  Dp *d = &c->dp;
  DpTable *t, *old;

  if (!d->started)
    return true; /* no datapath (any more) */
  t = g_new0(DpTable, 1);
  t->epoch = ++d->epoch;
  t->peer = c->peer;
  t->tun_fd = d->tun_watched ? c->tun_fd : -1;
  t->tun_vnet = d->tun_vnet;
  if (c->ipcfg) {
    t->have_addr = true;
    t->addr4 = c->ipcfg->address;
    t->have_addr6 = osp_ip_config_has_ip6(c->ipcfg);
    t->addr6 = c->ipcfg->address6;
  }
  for (size_t i = 0; i < c->n_sas; i++) {
    const SaPair *p = &c->sas[i];

    t->pairs[i] = (DpPair){ .core = p->core, .watch_seq = !p->seq_told };
  }
  t->n = c->n_sas;
  old = __atomic_exchange_n(&d->table, t, __ATOMIC_ACQ_REL);
  if (!dp_synchronize(d, t->epoch))
    return false;
  g_free(old);
  return true;
}

/* Tells the session once an SA carried 90% of its volume or its sequence
 * numbers near 2^32; it starts the rekey. */
static void check_volume(OspConnection *c)
{
  size_t i;

  for (i = 0; i < c->n_sas; i++) {
    SaPair *p = &c->sas[i];
    OspEspStats in, out;

    if (!p->seq_told && osp_esp_sa_seq_exhausted(p->core.out) && c->session && !c->session_closed) {
      p->seq_told = true;
      osp_session_child_exhausted(c->session, osp_esp_sa_spi(p->core.in), g_get_monotonic_time());
      osp_conn_rearm(c);
    }
    if (!p->core.soft_bytes)
      continue;
    osp_esp_sa_get_stats(p->core.in, &in);
    osp_esp_sa_get_stats(p->core.out, &out);
    if (MAX(in.bytes, out.bytes) >= p->core.soft_bytes && c->session && !c->session_closed) {
      p->core.soft_bytes = 0;
      osp_session_child_bytes(c->session, osp_esp_sa_spi(p->core.in), MAX(in.bytes, out.bytes),
                              g_get_monotonic_time());
      osp_conn_rearm(c);
    }
  }
}

static uint64_t policy_drops(const OspConnection *c)
{
  uint64_t n = c->closed_stats.rx_dropped;

  for (size_t i = 0; i < c->n_sas; i++) {
    OspEspStats in;

    osp_esp_sa_get_stats(c->sas[i].core.in, &in);
    n += in.policy_drops;
  }
  return n;
}

/* The session hears of inbound traffic, and of the first on each SA pair
 * (which tells it the gateway has that pair). */
void osp_conn_io_sync(OspConnection *c)
{
  gint64 rx = load64(&c->dp.last_rx);

  if (rx <= c->dp.rx_told)
    return;
  c->dp.rx_told = rx;
  if (!c->session || c->session_closed)
    return;
  osp_session_traffic_seen(c->session, rx);
  for (size_t i = 0; i < c->n_sas; i++) {
    SaPair *p = &c->sas[i];
    OspEspStats in;

    if (p->rx_told || p->core.inbound_only)
      continue; /* (not the session's child yet) */
    osp_esp_sa_get_stats(p->core.in, &in);
    if (in.packets > 0) {
      p->rx_told = true;
      osp_session_child_carried(c->session, osp_esp_sa_spi(p->core.in), rx);
    }
  }
}

static void report_unreachable(OspConnection *c, int err)
{
  if (c->session && !c->session_closed) {
    osp_session_peer_unreachable(c->session, g_get_monotonic_time(), err);
    osp_conn_rearm(c);
  }
}

/* An IKE datagram for whichever session owns its cookies (each drops the
 * others' silently).  The current session first: the successor's input
 * may replace (and free) it. */
static void ike_input(OspConnection *c, const uint8_t *data, size_t len)
{
  gint64 now = g_get_monotonic_time();

  if (c->session && !c->session_closed)
    osp_session_input(c->session, data, len, now);
  if (c->next && !c->next->closed)
    osp_session_input(c->next->session, data, len, now);
}

static gboolean on_ike(gint fd, GIOCondition cond, gpointer data)
{
  OspConnection *c = data;
  int i;

  for (i = 0; i < 16 && c->session && !c->session_closed; i++) {
    OspAddr from;
    socklen_t fl = sizeof(from);
    ssize_t n = recvfrom(fd, c->buf, PKT_BUF, 0, &from.sa, &fl);

    if (n < 0) {
      int err = unreachable_errno(errno) ? errno : 0;
      /* the ICMP error stays queued (IP_RECVERR) and the socket polls as
       * failed until it is read: without this the main loop spins */
      int queued = read_icmp_errors(fd);

      if (queued || err)
        report_unreachable(c, queued ? queued : err);
      break;
    }
    if (!osp_addr_same_host(&from, &c->peer))
      continue;
    ike_input(c, c->buf, (size_t)n);
  }
  osp_conn_rearm(c);
  return G_SOURCE_CONTINUE;
}

/* What the datapath thread raised since the last wakeup */
static gboolean on_datapath(gint fd, GIOCondition cond, gpointer data)
{
  OspConnection *c = data;
  Dp *d = &c->dp;
  unsigned ev;
  GBytes *b;

  eventfd_drain(fd);
  ev = __atomic_exchange_n(&d->events, 0, __ATOMIC_ACQUIRE);
  if (ev & DP_EV_UNREACH)
    report_unreachable(c, __atomic_load_n(&d->unreach_err, __ATOMIC_RELAXED));
  while ((b = dp_pop_ike(d))) {
    gsize len;
    const uint8_t *p = g_bytes_get_data(b, &len);

    ike_input(c, p, len);
    g_bytes_unref(b);
  }
  osp_conn_io_sync(c);
  if ((ev & DP_EV_SENT) && c->session && !c->session_closed)
    osp_session_traffic_sent(c->session, load64(&c->last_tx));
  if (ev & DP_EV_VOLUME)
    check_volume(c);
  osp_conn_rearm(c);
  return G_SOURCE_CONTINUE;
}

static gboolean on_keepalive(gpointer data)
{
  OspConnection *c = data;
  static const uint8_t ka = 0xff;

  if (c->state == OSP_STATE_CONNECTED && c->session && !osp_session_natt_active(c->session)) {
    c->keepalive_id = 0; /* no NAT on the way: an idle tunnel needs no wakeups */
    return G_SOURCE_REMOVE;
  }
  if (c->session && osp_session_natt_active(c->session) &&
      g_get_monotonic_time() - load64(&c->last_tx) >= (KEEPALIVE_S - 1) * G_USEC_PER_SEC)
    sendto_gateway(c, c->natt_fd, NATT_PORT, &ka, 1);
  return G_SOURCE_CONTINUE;
}

/* The thread stops; its descriptors, buffers and table go. */
static void dp_stop(OspConnection *c)
{
  Dp *d = &c->dp;
  GBytes *b;

  if (!d->started)
    return;
  if (d->thread) {
    __atomic_store_n(&d->stop, 1, __ATOMIC_RELEASE);
    eventfd_add(d->kick_fd);
    g_thread_join(d->thread);
    d->thread = NULL;
  }
  osp_conn_unwatch(&d->wake_src);
  osp_conn_close_fd(&d->epoll_fd);
  osp_conn_close_fd(&d->kick_fd);
  osp_conn_close_fd(&d->wake_fd);
  while ((b = dp_pop_ike(d)))
    g_bytes_unref(b);
  d->started = false;
  g_clear_pointer(&d->table, g_free);
  g_clear_pointer(&d->buf, g_free);
  g_clear_pointer(&d->slots, g_free);
  g_clear_pointer(&d->gro_buf, g_free);
  g_clear_pointer(&d->tso_buf, g_free);
  g_clear_pointer(&d->tun_gro.buf, g_free);
}

/* What the kernel offers the NAT-T socket: UDP GSO to send runs of ESP
 * datagrams with one sendmmsg() entry, UDP GRO to receive them so. */
static void dp_offloads(OspConnection *c)
{
  Dp *d = &c->dp;
  socklen_t len = sizeof(int);
  int v = 0, on = 1;

  d->gso = getsockopt(c->natt_fd, SOL_UDP, UDP_SEGMENT, &v, &len) == 0;
  d->gro = setsockopt(c->natt_fd, SOL_UDP, UDP_GRO, &on, sizeof(on)) == 0;
  if (d->gro)
    d->gro_buf = g_malloc((size_t)DP_GRO_SLOTS * DP_GRO_SLOT);
  g_debug("NAT-T socket: UDP GSO %s, GRO %s", d->gso ? "on" : "off", d->gro ? "on" : "off");
}

static bool dp_watch(Dp *d, int fd, uint32_t tag)
{
  struct epoll_event ev = { .events = EPOLLIN, .data.u32 = tag };

  return epoll_ctl(d->epoll_fd, EPOLL_CTL_ADD, fd, &ev) == 0;
}

/* The datapath thread, watching the NAT-T and raw ESP sockets (the TUN
 * device joins once the tunnel is up). */
static gboolean dp_start(OspConnection *c, GError **error)
{
  Dp *d = &c->dp;
  g_autoptr(GError) e = NULL;

  memset(d, 0, sizeof(*d));
  d->started = true;
  d->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
  d->kick_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  d->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (d->epoll_fd < 0 || d->kick_fd < 0 || d->wake_fd < 0 || !dp_watch(d, d->kick_fd, DP_KICK) ||
      !dp_watch(d, c->natt_fd, DP_NATT) || (c->esp_fd >= 0 && !dp_watch(d, c->esp_fd, DP_ESP))) {
    g_set_error(error, OSP_ERROR, OSP_ERROR_FAILED, _("Cannot start the ESP datapath: %s"),
                g_strerror(errno));
    dp_stop(c);
    return FALSE;
  }
  d->buf = g_malloc(PKT_BUF);
  d->slots = g_malloc((size_t)BATCH * SLOT);
  dp_offloads(c);
  dp_publish(c);
  d->wake_src = osp_conn_watch_fd(d->wake_fd, on_datapath, c);
  d->thread = g_thread_try_new("osp-datapath", dp_run, c, &e);
  if (!d->thread) {
    g_set_error(error, OSP_ERROR, OSP_ERROR_FAILED, _("Cannot start the ESP datapath: %s"),
                e->message);
    dp_stop(c);
    return FALSE;
  }
  return TRUE;
}

/* ---- sockets and TUN -------------------------------------------------- */

/* Room for bursts: a full window of ESP traffic must not be dropped
 * between two main-loop iterations.  FORCE works as root, the plain
 * option up to the system limit otherwise. */
static void grow_buffers(int fd)
{
  int size = SOCK_BUF;

  if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)) < 0)
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
  if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &size, sizeof(size)) < 0)
    setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof(size));
}

/* A UDP socket of the gateway's address family on this local port */
static int udp_socket(sa_family_t family, uint16_t port, GError **error)
{
  OspAddr a;
  int fd = socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  int on = 1;

  memset(&a, 0, sizeof(a)); /* the wildcard address */
  a.sa.sa_family = family;
  if (fd < 0) {
    g_set_error(error, OSP_ERROR, OSP_ERROR_FAILED, _("Cannot open a UDP socket: %s"),
                g_strerror(errno));
    return -1;
  }
  osp_addr_set_port(&a, port);
  /* ICMP errors (port unreachable) are reported through recv */
  if (family == AF_INET6) {
    setsockopt(fd, IPPROTO_IPV6, IPV6_RECVERR, &on, sizeof(on));
    /* the IPv6 port only: IPv4 on it stays free for another client */
    setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof(on));
  } else {
    setsockopt(fd, IPPROTO_IP, IP_RECVERR, &on, sizeof(on));
  }
  grow_buffers(fd);
  if (bind(fd, &a.sa, osp_addr_len(&a)) < 0) {
    int err = errno;

    if (err == EADDRINUSE)
      g_set_error(error, OSP_ERROR, OSP_ERROR_FAILED,
                  _("Local UDP port %u is in use, most likely by another ospreyd or vpnc (or "
                    "another IKE client) that is running: stop it, or set the profile's Local "
                    "Port (local-port; 0 picks a free port)"),
                  port);
    else
      g_set_error(error, OSP_ERROR, OSP_ERROR_FAILED, _("Cannot use local UDP port %u: %s"), port,
                  g_strerror(err));
    close(fd);
    return -1;
  }
  return fd;
}

void osp_conn_io_close(OspConnection *c)
{
  dp_stop(c); /* first: the thread uses the descriptors below */
  osp_conn_unwatch(&c->ike_src);
  osp_conn_close_fd(&c->ike_fd);
  osp_conn_close_fd(&c->natt_fd);
  osp_conn_close_fd(&c->esp_fd);
  osp_conn_close_fd(&c->tun_fd);
}

gboolean osp_conn_io_open(OspConnection *c, GError **error)
{
  uint16_t lp = c->profile->local_port;
  sa_family_t family = c->peer.sa.sa_family;

  c->ike_fd = udp_socket(family, lp, error);
  if (c->ike_fd < 0)
    return FALSE;
  if (c->profile->natt_mode == OSP_NATT_CISCO_UDP) {
    /* Cisco UDP: ESP from "Cisco UDP Encapsulation Port" (0: any) */
    c->natt_fd = udp_socket(family, c->profile->cisco_udp_port, error);
  } else {
    /* NAT-T floats both ports to 4500 when we own 500; otherwise any port */
    c->natt_fd = udp_socket(family, lp == 500 ? NATT_PORT : 0, NULL);
    if (c->natt_fd < 0)
      c->natt_fd = udp_socket(family, 0, error);
  }
  if (c->natt_fd < 0) {
    osp_conn_io_close(c);
    return FALSE;
  }
  c->esp_fd = socket(family, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_ESP);
  if (c->esp_fd >= 0)
    grow_buffers(c->esp_fd);
  if (c->esp_fd < 0)
    g_debug("no raw ESP socket (%s): ESP only over NAT-T", g_strerror(errno));
  c->ike_src = osp_conn_watch_fd(c->ike_fd, on_ike, c);
  if (!dp_start(c, error)) {
    osp_conn_io_close(c);
    return FALSE;
  }
  return TRUE;
}

void osp_conn_io_start_tun(OspConnection *c)
{
  Dp *d = &c->dp;

  d->tun_vnet = osp_tun_has_vnet_hdr(c->tun_fd);
  if (d->tun_vnet) {
    int r = osp_tun_set_offload(c->tun_fd);

    /* refused, the device still has the header, on plain packets */
    g_debug("TUN offloads (checksum, TSO4, TSO6): %s", r < 0 ? g_strerror(-r) : "on");
    d->tso_buf = g_malloc(DP_TSO_BUF);
    if (r == 0)
      d->tun_gro.buf = g_malloc(OSP_TUN_GRO_MAX);
  }
  d->tun_watched = true;
  dp_publish(c); /* the thread knows the device before its first packet */
  if (!dp_watch(d, c->tun_fd, DP_TUN))
    g_debug("cannot watch the TUN device: %s", g_strerror(errno));
}

void osp_conn_io_start_keepalive(OspConnection *c)
{
  c->keepalive_id = g_timeout_add_seconds(KEEPALIVE_S, on_keepalive, c);
}

/* ---- SA pairs --------------------------------------------------------- */

static SaPair *pair_by_spi(OspConnection *c, uint32_t spi_in)
{
  size_t i;

  for (i = c->n_sas; i-- > 0;)
    if (osp_esp_sa_spi(c->sas[i].core.in) == spi_in)
      return &c->sas[i];
  return NULL;
}

static void pair_free(SaPair *p)
{
  osp_esp_sa_free(p->core.in);
  osp_esp_sa_free(p->core.out);
  memset(p, 0, sizeof(*p));
}

static void account_closed(OspConnection *c, const SaPair *p)
{
  OspEspStats in, out;

  osp_esp_sa_get_stats(p->core.in, &in);
  osp_esp_sa_get_stats(p->core.out, &out);
  c->closed_stats.rx_packets += in.packets;
  c->closed_stats.rx_bytes += in.bytes;
  c->closed_stats.rx_errors += in.auth_failures + in.replay_drops;
  c->closed_stats.rx_dropped += in.policy_drops;
  c->closed_stats.tx_packets += out.packets;
  c->closed_stats.tx_bytes += out.bytes;
}

/* Out of the table first; counted and freed once the thread let go of it
 * (if it never does, leaked rather than freed under it). */
static void pair_remove(OspConnection *c, size_t i)
{
  SaPair gone = c->sas[i];

  memmove(&c->sas[i], &c->sas[i + 1], sizeof(SaPair) * (c->n_sas - i - 1));
  c->n_sas--;
  if (!dp_publish(c))
    return;
  account_closed(c, &gone);
  pair_free(&gone);
}

/* The pair taking traffic in since the gateway's quick mode message 2
 * sends too now, as the newest of its family. */
static bool confirm_inbound_only(OspConnection *c, uint32_t spi_in)
{
  SaPair *same = pair_by_spi(c, spi_in), p;
  size_t i;

  if (!same || !same->core.inbound_only)
    return false;
  p = *same;
  i = (size_t)(same - c->sas);
  memmove(&c->sas[i], &c->sas[i + 1], sizeof(SaPair) * (c->n_sas - i - 1));
  p.core.inbound_only = false;
  c->sas[c->n_sas - 1] = p;
  dp_publish(c);
  return true;
}

bool osp_conn_sa_add(OspConnection *c, Link *owner, const OspChildSa *sa)
{
  SaPair p = { 0 };
  int r;

  if (!sa->inbound_only && confirm_inbound_only(c, sa->spi_in))
    return true;

  r = osp_esp_sa_new(sa->spi_in, sa->enc, sa->key_bits, sa->enc_key_in->data, sa->enc_key_in->len,
                     sa->auth, sa->auth_key_in ? sa->auth_key_in->data : NULL,
                     sa->auth_key_in ? sa->auth_key_in->len : 0, &p.core.in);
  if (r == 0)
    r = osp_esp_sa_new(sa->spi_out, sa->enc, sa->key_bits, sa->enc_key_out->data,
                       sa->enc_key_out->len, sa->auth,
                       sa->auth_key_out ? sa->auth_key_out->data : NULL,
                       sa->auth_key_out ? sa->auth_key_out->len : 0, &p.core.out);
  if (r < 0) {
    g_autoptr(GError) e =
        g_error_new(OSP_ERROR, OSP_ERROR_FAILED,
                    _("Cannot set up the negotiated ESP algorithms: %s"), g_strerror(-r));
    pair_free(&p);
    osp_conn_fail(c, e);
    return false;
  }
  p.core.udp = sa->udp_encap;
  p.core.udp_port = sa->udp_port;
  p.core.ipv6 = sa->ipv6;
  p.core.inbound_only = sa->inbound_only;
  p.enc = sa->enc;
  p.key_bits = sa->key_bits;
  p.auth = sa->auth;
  p.pfs_group = sa->pfs_group;
  p.lifetime_kb = sa->lifetime_kb;
  p.expires = sa->lifetime_s ? g_get_real_time() + (gint64)sa->lifetime_s * G_USEC_PER_SEC : 0;
  p.core.soft_bytes = (uint64_t)sa->lifetime_kb * 1024 * 9 / 10;
  p.owner = owner;
  if (c->n_sas == MAX_SAS)
    pair_remove(c, 0);
  c->sas[c->n_sas++] = p; /* the newest pair carries outbound traffic */
  dp_publish(c);
  return true;
}

void osp_conn_sa_remove(OspConnection *c, uint32_t spi_in)
{
  SaPair *p = pair_by_spi(c, spi_in);

  if (p)
    pair_remove(c, (size_t)(p - c->sas));
}

void osp_conn_sa_clear(OspConnection *c)
{
  while (c->n_sas)
    pair_remove(c, c->n_sas - 1);
}

/* A successor took over the IPsec SAs of the session it replaced. */
void osp_conn_sa_reown(OspConnection *c, const Link *from, Link *to)
{
  for (size_t i = 0; i < c->n_sas; i++)
    if (c->sas[i].owner == from)
      c->sas[i].owner = to;
}

void osp_connection_get_stats(const OspConnection *c, OspConnectionStats *ret)
{
  size_t i;

  *ret = c->closed_stats;
  for (i = 0; i < c->n_sas; i++) {
    OspEspStats in, out;

    osp_esp_sa_get_stats(c->sas[i].core.in, &in);
    osp_esp_sa_get_stats(c->sas[i].core.out, &out);
    ret->rx_packets += in.packets;
    ret->rx_bytes += in.bytes;
    ret->rx_errors += in.auth_failures + in.replay_drops;
    ret->tx_packets += out.packets;
    ret->tx_bytes += out.bytes;
  }
  ret->rx_dropped = policy_drops(c);
  ret->rekeys = c->rekeys;
}

void osp_connection_get_sa_info(const OspConnection *c, OspConnectionSaInfo *ret)
{
  OspSessionIkeAuth auth;
  gint64 expires;

  memset(ret, 0, sizeof(*ret));
  if (c->session &&
      osp_session_ike_info(c->session, &ret->ike_cipher, &ret->ike_integrity, &expires)) {
    ret->ike_dh_group = osp_dh_group_name(osp_session_dh_group(c->session));
    ret->ike_expires = g_get_real_time() + (expires - g_get_monotonic_time());
    ret->natt = osp_session_natt_active(c->session);
  }
  if (c->session && osp_session_ike_auth(c->session, &auth)) {
    ret->ike_auth = osp_profile_auth_mode_name(auth.mode);
    ret->ike_exchange = osp_profile_exch_mode_name(auth.exchange);
    ret->ike_signature = auth.signature;
    ret->ike_xauth = auth.xauth;
  }
  for (size_t i = c->n_sas; i-- > 0;) {
    const SaPair *p = &c->sas[i];

    if (p->core.inbound_only)
      continue;
    ret->esp_cipher = osp_esp_enc_name(p->enc, p->key_bits);
    ret->esp_integrity = osp_esp_integrity_name(p->enc, p->auth);
    ret->esp_pfs_group = p->pfs_group ? osp_dh_group_name(p->pfs_group) : NULL;
    ret->esp_spi_in = osp_esp_sa_spi(p->core.in);
    ret->esp_spi_out = osp_esp_sa_spi(p->core.out);
    ret->esp_expires = p->expires;
    ret->esp_lifetime_kb = p->lifetime_kb;
    break;
  }
}
