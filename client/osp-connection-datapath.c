/* SPDX-License-Identifier: GPL-2.0-or-later
 * Osprey — the ESP datapath of a connection: its sockets (IKE on 500,
 * NAT-T on 4500, raw ESP), the TUN device, the pump between them in
 * batches (recvmmsg/sendmmsg), the SA pairs it encrypts and decrypts with,
 * their counters and volume lifetimes. */
#define _GNU_SOURCE /* recvmmsg, sendmmsg */
#include "osp-connection-private.h"
#include "osp-crypto.h"
#include "osp-error.h"

#include <arpa/inet.h>
#include <errno.h>
#include <glib/gi18n-lib.h>
#include <netinet/ip.h>
#include <string.h>

#define SOCK_BUF (4 * 1024 * 1024)

/* ---- sending ---------------------------------------------------------- */

static void sendto_gateway(OspConnection *c, int fd, uint16_t port, const void *data, size_t len)
{
  struct sockaddr_in to = c->peer;

  to.sin_port = htons(port);
  if (sendto(fd, data, len, 0, (struct sockaddr *)&to, sizeof(to)) < 0 && errno != EAGAIN)
    g_debug("send to gateway failed: %s", g_strerror(errno));
  c->last_tx = g_get_monotonic_time();
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
  sendto_gateway(c, c->ike_fd, ntohs(c->peer.sin_port), data, len);
}

/* ---- the ESP datapath ------------------------------------------------- */

static SaPair *newest_pair(OspConnection *c)
{
  return c->n_sas ? &c->sas[c->n_sas - 1] : NULL;
}

static SaPair *pair_by_spi(OspConnection *c, uint32_t spi_in)
{
  size_t i;

  for (i = c->n_sas; i-- > 0;)
    if (osp_esp_sa_spi(c->sas[i].in) == spi_in)
      return &c->sas[i];
  return NULL;
}

/* Lifetimes in kilobytes (RFC 2407 4.5) and the outbound counter (RFC
 * 4303 3.3.3): tell the session once an SA carried 90% of its volume or
 * its sequence numbers near 2^32; it starts the rekey.  Checked per batch. */
static void check_volume(OspConnection *c)
{
  size_t i;

  for (i = 0; i < c->n_sas; i++) {
    SaPair *p = &c->sas[i];
    uint64_t in, out;

    if (!p->seq_told && osp_esp_sa_seq_exhausted(p->out) && c->session && !c->session_closed) {
      p->seq_told = true;
      osp_session_child_exhausted(c->session, osp_esp_sa_spi(p->in), g_get_monotonic_time());
      osp_conn_rearm(c);
    }
    if (!p->soft_bytes)
      continue;
    in = osp_esp_sa_stats(p->in)->bytes;
    out = osp_esp_sa_stats(p->out)->bytes;
    if (MAX(in, out) >= p->soft_bytes && c->session && !c->session_closed) {
      p->soft_bytes = 0;
      osp_session_child_bytes(c->session, osp_esp_sa_spi(p->in), MAX(in, out),
                              g_get_monotonic_time());
      osp_conn_rearm(c);
    }
  }
}

static uint64_t policy_drops(const OspConnection *c)
{
  uint64_t n = c->closed_stats.rx_dropped;

  for (size_t i = 0; i < c->n_sas; i++)
    n += osp_esp_sa_stats(c->sas[i].in)->policy_drops;
  return n;
}

/* Decrypts one ESP packet to the TUN device, if it is an IP packet for us;
 * true if it authenticated (the caller then tells the session, once per
 * batch, that the peer lives). */
static bool esp_input(OspConnection *c, uint8_t *esp, size_t len)
{
  SaPair *p = pair_by_spi(c, osp_esp_packet_spi(esp, len));
  OspEspPolicy us = { 0 };
  uint8_t *pkt;
  size_t pkt_len;
  int r;

  if (!p || c->tun_fd < 0 || !c->ipcfg)
    return false;
  us.addr4 = c->ipcfg->address;
  r = osp_esp_input(p->in, esp, len, &us, &pkt, &pkt_len);
  if (r == -EPROTONOSUPPORT || r == -EPROTO || r == -EADDRNOTAVAIL) {
    uint64_t n = policy_drops(c);

    if ((n & (n - 1)) == 0) /* the 1st, 2nd, 4th, ...: a flood does not flood the log */
      g_debug("dropped a decrypted packet (%s); %" G_GUINT64_FORMAT " so far",
              r == -EADDRNOTAVAIL ? "not addressed to us"
              : r == -EPROTO      ? "broken IP header"
                                  : "neither IPv4 nor IPv6",
              n);
    return true;
  }
  if (r < 0)
    return false;
  if (pkt_len && write(c->tun_fd, pkt, pkt_len) < 0 && errno != EAGAIN)
    g_debug("tun write failed: %s", g_strerror(errno));
  return true;
}

static void peer_alive(OspConnection *c)
{
  if (c->session && !c->session_closed)
    osp_session_traffic_seen(c->session, g_get_monotonic_time());
}

/* Reads a batch from the TUN device, encrypts each packet in place and
 * sends the batch with one sendmmsg(). */
static gboolean on_tun(gint fd, GIOCondition cond, gpointer data)
{
  OspConnection *c = data;
  SaPair *p = newest_pair(c);
  struct sockaddr_in to = c->peer;
  int round, n, i;

  for (round = 0; round < 4; round++) {
    n = 0;
    for (i = 0; i < BATCH; i++) {
      uint8_t *pkt = c->slots + (size_t)i * SLOT + OSP_ESP_HEADROOM;
      ssize_t r = read(fd, pkt, SLOT - OSP_ESP_HEADROOM - OSP_ESP_TAILROOM);
      uint8_t *esp;
      size_t esp_len;

      if (r <= 0)
        break;
      if (!p || (pkt[0] >> 4) != 4)
        continue;
      if (osp_esp_encrypt(p->out, pkt, (size_t)r, IPPROTO_IPIP, &esp, &esp_len) < 0)
        continue;
      c->iov[n].iov_base = esp;
      c->iov[n].iov_len = esp_len;
      memset(&c->msgs[n].msg_hdr, 0, sizeof(c->msgs[n].msg_hdr));
      c->msgs[n].msg_hdr.msg_iov = &c->iov[n];
      c->msgs[n].msg_hdr.msg_iovlen = 1;
      c->msgs[n].msg_hdr.msg_name = &to;
      c->msgs[n].msg_hdr.msg_namelen = sizeof(to);
      n++;
    }
    if (n > 0) {
      to.sin_port = p->udp ? htons(NATT_PORT) : 0;
      if (sendmmsg(p->udp ? c->natt_fd : c->esp_fd, c->msgs, (unsigned)n, MSG_DONTWAIT) < 0 &&
          errno != EAGAIN)
        g_debug("send to gateway failed: %s", g_strerror(errno));
      c->last_tx = g_get_monotonic_time();
      if (c->session && !c->session_closed && osp_session_traffic_sent(c->session, c->last_tx))
        osp_conn_rearm(c);
    }
    if (i < BATCH)
      break;
  }
  check_volume(c);
  return G_SOURCE_CONTINUE;
}

static void report_unreachable(OspConnection *c)
{
  if (c->session && !c->session_closed) {
    osp_session_peer_unreachable(c->session, g_get_monotonic_time());
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
    struct sockaddr_in from;
    socklen_t fl = sizeof(from);
    ssize_t n = recvfrom(fd, c->buf, PKT_BUF, 0, (struct sockaddr *)&from, &fl);

    if (n < 0) {
      if (errno == ECONNREFUSED || errno == EHOSTUNREACH || errno == ENETUNREACH)
        report_unreachable(c);
      break;
    }
    if (from.sin_addr.s_addr != c->peer.sin_addr.s_addr)
      continue;
    ike_input(c, c->buf, (size_t)n);
  }
  osp_conn_rearm(c);
  return G_SOURCE_CONTINUE;
}

static gboolean on_natt(gint fd, GIOCondition cond, gpointer data)
{
  OspConnection *c = data;
  struct sockaddr_in from[BATCH];
  bool alive = false;
  int round, n, i;

  for (round = 0; round < 4 && c->session && !c->session_closed; round++) {
    for (i = 0; i < BATCH; i++) {
      c->iov[i].iov_base = c->slots + (size_t)i * SLOT;
      c->iov[i].iov_len = SLOT;
      memset(&c->msgs[i].msg_hdr, 0, sizeof(c->msgs[i].msg_hdr));
      c->msgs[i].msg_hdr.msg_iov = &c->iov[i];
      c->msgs[i].msg_hdr.msg_iovlen = 1;
      c->msgs[i].msg_hdr.msg_name = &from[i];
      c->msgs[i].msg_hdr.msg_namelen = sizeof(from[i]);
    }
    n = recvmmsg(fd, c->msgs, BATCH, MSG_DONTWAIT, NULL);
    if (n < 0) {
      if (errno == ECONNREFUSED || errno == EHOSTUNREACH)
        report_unreachable(c);
      break;
    }
    for (i = 0; i < n && c->session && !c->session_closed; i++) {
      uint8_t *p = c->iov[i].iov_base;
      size_t len = c->msgs[i].msg_len;

      if (from[i].sin_addr.s_addr != c->peer.sin_addr.s_addr || len == 1 ||
          (c->msgs[i].msg_hdr.msg_flags & MSG_TRUNC))
        continue; /* foreign, a NAT keepalive (RFC 3948 2.3), or too big */
      if (len >= 4 && osp_get32(p) == 0)
        ike_input(c, p + 4, len - 4);
      else
        alive |= esp_input(c, p, len);
    }
    if (n < BATCH)
      break;
  }
  if (alive) {
    peer_alive(c);
    check_volume(c);
  }
  osp_conn_rearm(c);
  return G_SOURCE_CONTINUE;
}

static gboolean on_esp(gint fd, GIOCondition cond, gpointer data)
{
  OspConnection *c = data;
  bool alive = false;
  int i;

  for (i = 0; i < BATCH; i++) {
    ssize_t n = recv(fd, c->buf, PKT_BUF, 0);
    size_t ihl;

    if (n <= 0)
      break;
    /* a raw IPPROTO_ESP socket delivers the IP header too */
    ihl = (size_t)(c->buf[0] & 0x0f) * 4;
    if ((size_t)n < ihl + 8 || memcmp(c->buf + 12, &c->peer.sin_addr, 4) != 0)
      continue;
    alive |= esp_input(c, c->buf + ihl, (size_t)n - ihl);
  }
  if (alive) {
    peer_alive(c);
    check_volume(c);
  }
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
      g_get_monotonic_time() - c->last_tx >= (KEEPALIVE_S - 1) * G_USEC_PER_SEC)
    sendto_gateway(c, c->natt_fd, NATT_PORT, &ka, 1);
  return G_SOURCE_CONTINUE;
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

static int udp_socket(uint16_t port, GError **error)
{
  struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };
  int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  int on = 1;

  if (fd < 0) {
    g_set_error(error, OSP_ERROR, OSP_ERROR_FAILED, _("Cannot open a UDP socket: %s"),
                g_strerror(errno));
    return -1;
  }
  /* ICMP errors (port unreachable) are reported through recv */
  setsockopt(fd, IPPROTO_IP, IP_RECVERR, &on, sizeof(on));
  grow_buffers(fd);
  if (bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
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
  osp_conn_unwatch(&c->ike_src);
  osp_conn_unwatch(&c->natt_src);
  osp_conn_unwatch(&c->esp_src);
  osp_conn_unwatch(&c->tun_src);
  osp_conn_close_fd(&c->ike_fd);
  osp_conn_close_fd(&c->natt_fd);
  osp_conn_close_fd(&c->esp_fd);
  osp_conn_close_fd(&c->tun_fd);
}

gboolean osp_conn_io_open(OspConnection *c, GError **error)
{
  uint16_t lp = c->profile->local_port;

  c->ike_fd = udp_socket(lp, error);
  if (c->ike_fd < 0)
    return FALSE;
  /* NAT-T floats both ports to 4500 when we own 500; otherwise any port */
  c->natt_fd = udp_socket(lp == 500 ? NATT_PORT : 0, NULL);
  if (c->natt_fd < 0)
    c->natt_fd = udp_socket(0, error);
  if (c->natt_fd < 0) {
    osp_conn_io_close(c);
    return FALSE;
  }
  c->esp_fd = socket(AF_INET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_ESP);
  if (c->esp_fd >= 0)
    grow_buffers(c->esp_fd);
  if (c->esp_fd < 0)
    g_debug("no raw ESP socket (%s): ESP only over NAT-T", g_strerror(errno));
  c->ike_src = osp_conn_watch_fd(c->ike_fd, on_ike, c);
  c->natt_src = osp_conn_watch_fd(c->natt_fd, on_natt, c);
  if (c->esp_fd >= 0)
    c->esp_src = osp_conn_watch_fd(c->esp_fd, on_esp, c);
  return TRUE;
}

void osp_conn_io_start_tun(OspConnection *c)
{
  c->tun_src = osp_conn_watch_fd(c->tun_fd, on_tun, c);
}

void osp_conn_io_start_keepalive(OspConnection *c)
{
  c->keepalive_id = g_timeout_add_seconds(KEEPALIVE_S, on_keepalive, c);
}

/* ---- SA pairs --------------------------------------------------------- */

static void pair_free(SaPair *p)
{
  osp_esp_sa_free(p->in);
  osp_esp_sa_free(p->out);
  memset(p, 0, sizeof(*p));
}

static void account_closed(OspConnection *c, const SaPair *p)
{
  const OspEspStats *in = osp_esp_sa_stats(p->in), *out = osp_esp_sa_stats(p->out);

  c->closed_stats.rx_packets += in->packets;
  c->closed_stats.rx_bytes += in->bytes;
  c->closed_stats.rx_errors += in->auth_failures + in->replay_drops;
  c->closed_stats.rx_dropped += in->policy_drops;
  c->closed_stats.tx_packets += out->packets;
  c->closed_stats.tx_bytes += out->bytes;
}

static void pair_remove(OspConnection *c, size_t i)
{
  account_closed(c, &c->sas[i]);
  pair_free(&c->sas[i]);
  memmove(&c->sas[i], &c->sas[i + 1], sizeof(SaPair) * (c->n_sas - i - 1));
  c->n_sas--;
}

bool osp_conn_sa_add(OspConnection *c, Link *owner, const OspChildSa *sa)
{
  SaPair p = { 0 };
  int r;

  r = osp_esp_sa_new(sa->spi_in, sa->enc, sa->key_bits, sa->enc_key_in->data, sa->enc_key_in->len,
                     sa->auth, sa->auth_key_in ? sa->auth_key_in->data : NULL,
                     sa->auth_key_in ? sa->auth_key_in->len : 0, &p.in);
  if (r == 0)
    r = osp_esp_sa_new(sa->spi_out, sa->enc, sa->key_bits, sa->enc_key_out->data,
                       sa->enc_key_out->len, sa->auth,
                       sa->auth_key_out ? sa->auth_key_out->data : NULL,
                       sa->auth_key_out ? sa->auth_key_out->len : 0, &p.out);
  if (r < 0) {
    g_autoptr(GError) e =
        g_error_new(OSP_ERROR, OSP_ERROR_FAILED,
                    _("Cannot set up the negotiated ESP algorithms: %s"), g_strerror(-r));
    pair_free(&p);
    osp_conn_fail(c, e);
    return false;
  }
  p.udp = sa->udp_encap;
  p.enc = sa->enc;
  p.key_bits = sa->key_bits;
  p.auth = sa->auth;
  p.pfs_group = sa->pfs_group;
  p.lifetime_kb = sa->lifetime_kb;
  p.expires = sa->lifetime_s ? g_get_real_time() + (gint64)sa->lifetime_s * G_USEC_PER_SEC : 0;
  p.soft_bytes = (uint64_t)sa->lifetime_kb * 1024 * 9 / 10;
  p.owner = owner;
  if (c->n_sas == MAX_SAS)
    pair_remove(c, 0);
  c->sas[c->n_sas++] = p; /* the newest pair carries outbound traffic */
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
    const OspEspStats *in = osp_esp_sa_stats(c->sas[i].in), *out = osp_esp_sa_stats(c->sas[i].out);

    ret->rx_packets += in->packets;
    ret->rx_bytes += in->bytes;
    ret->rx_errors += in->auth_failures + in->replay_drops;
    ret->tx_packets += out->packets;
    ret->tx_bytes += out->bytes;
  }
  ret->rx_dropped = policy_drops(c);
  ret->rekeys = c->rekeys;
}

void osp_connection_get_sa_info(const OspConnection *c, OspConnectionSaInfo *ret)
{
  gint64 expires;

  memset(ret, 0, sizeof(*ret));
  if (c->session &&
      osp_session_ike_info(c->session, &ret->ike_cipher, &ret->ike_integrity, &expires)) {
    ret->ike_dh_group = osp_dh_group_name(osp_session_dh_group(c->session));
    ret->ike_expires = g_get_real_time() + (expires - g_get_monotonic_time());
    ret->natt = osp_session_natt_active(c->session);
  }
  if (c->n_sas > 0) {
    const SaPair *p = &c->sas[c->n_sas - 1];

    ret->esp_cipher = osp_esp_enc_name(p->enc, p->key_bits);
    ret->esp_integrity = osp_esp_auth_name(p->auth);
    ret->esp_pfs_group = p->pfs_group ? osp_dh_group_name(p->pfs_group) : NULL;
    ret->esp_spi_in = osp_esp_sa_spi(p->in);
    ret->esp_spi_out = osp_esp_sa_spi(p->out);
    ret->esp_expires = p->expires;
    ret->esp_lifetime_kb = p->lifetime_kb;
  }
}
