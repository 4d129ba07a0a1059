/* SPDX-License-Identifier: GPL-2.0-or-later
 * Osprey — OspConnection: the sans-I/O session wired to sockets, the TUN
 * device, the network script and the GLib main loop, plus the ESP
 * datapath between the TUN device and the gateway. */
#define _GNU_SOURCE /* recvmmsg, sendmmsg */
#include "osp-connection.h"
#include "osp-config.h"
#include "osp-crypto.h"
#include "osp-error.h"
#include "osp-esp.h"
#include "osp-session.h"

#include <arpa/inet.h>
#include <errno.h>
#include <gio/gio.h>
#include <glib-unix.h>
#include <glib/gi18n-lib.h>
#include <netdb.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <netinet/ip.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define NATT_PORT 4500
#define KEEPALIVE_S 20
#define MAX_SAS 8
#define BATCH 32
#define SLOT 8192   /* one datagram of a batch, with ESP head- and tailroom */
#define PKT_BUF 65536
#define SOCK_BUF (4 * 1024 * 1024)
/* Reconnect tries start 1, 2, 4, 8 s after the start of the one before, and
 * no more than 8 s apart for the first three minutes (a crashed or rebooted
 * gateway is usually back by then, and its return is noticed within one
 * wait and one handshake); after that doubling up to a minute, sparing a
 * gateway that stays down.  A try that took longer (a silent gateway:
 * retransmissions until the timeout) is followed at once, as is the first
 * after the tunnel was lost. */
#define RECONNECT_FAST_S 8
#define RECONNECT_FAST_FOR_US (180 * G_USEC_PER_SEC)
#define RECONNECT_MAX_S 60
#define RECONNECT_MIN_MS 500
/* The old IKE SA's Delete waits a little after a re-authentication: a
 * gateway that handles both at once (charon: one thread each) may delete
 * the old IKE SA before it moved the IPsec SAs to the new one, and with
 * them the tunnel's traffic. */
#define RETIRE_DELAY_MS 2000

/* One IKE SA's session and its role in the connection.  A connection has a
 * current session; while the IKE SA is re-authenticated, a successor runs
 * beside it and replaces it once its first IPsec SA is up. */
typedef enum { ROLE_CURRENT, ROLE_NEXT, ROLE_RETIRED } Role;

typedef struct {
  struct OspConnection *c;
  OspSession *session;
  Role role;
  bool closed;
  struct in_addr address;   /* Mode Config address of a successor, to compare */
} Link;

typedef struct {
  OspEspSa *in;
  OspEspSa *out;
  bool udp;
  Link *owner;          /* the session that negotiated it */
  uint64_t soft_bytes;  /* rekey when either direction carried this much; 0 = no limit */
  bool seq_told;        /* the session knows the outbound counter runs out */
  OspEspEnc enc;        /* what was negotiated, for osp_connection_get_sa_info */
  unsigned key_bits;
  OspEspAuth auth;
  int pfs_group;
  uint32_t lifetime_kb;
  gint64 expires;       /* real time */
} SaPair;

struct OspConnection {
  OspProfile *profile;
  OspConnectionFlags flags;
  const OspConnectionCallbacks *cb;
  gpointer user;

  OspState state;
  GError *error;
  OspSession *session;     /* = link->session */
  Link *link;
  bool session_closed;
  Link *next;              /* successor being authenticated, NULL */
  Link *retired;           /* replaced by a successor, deleted after RETIRE_DELAY_MS */
  guint retire_id;
  Link *secrets_link;      /* the session whose secret request is pending */
  GSource *deferred_src;   /* runs what may not run inside a session's callback: */
  bool teardown_pending;   /* ... the end of the attempt */
  bool drop_next_pending;  /* ... freeing a successor that failed */
  GError *close_error;

  struct sockaddr_in peer;
  char *gateway_str;
  int ike_fd, natt_fd, esp_fd, tun_fd;
  GSource *ike_src, *natt_src, *esp_src, *tun_src;
  GSource *timer;
  guint keepalive_id, reconnect_id;
  int nl_fd;               /* rtnetlink: address and route changes while a session runs */
  GSource *nl_src;
  guint netcheck_id;       /* debounce of the above */
  struct in_addr local;    /* our address towards the gateway when the session began */
  GCancellable *resolve_cancel;

  OspIpConfig *ipcfg;
  bool script_connected;
  char *banner;
  gint64 since;
  int dh_group_hint;
  unsigned reconnect_attempt;
  gint64 lost_at;            /* when the reconnect tries began (monotonic) */
  gint64 attempt_at;         /* when the current attempt began (monotonic) */
  bool handshake_retried;    /* this connect already started over once */
  unsigned rekeys;

  SaPair sas[MAX_SAS];
  size_t n_sas;
  OspConnectionStats closed_stats; /* counters of SAs already gone */
  gint64 last_tx;

  uint8_t *buf;  /* PKT_BUF for IKE on port 500 */
  uint8_t *slots; /* BATCH * SLOT for the datapath */
  struct mmsghdr msgs[BATCH];
  struct iovec iov[BATCH];
};

/* The only place the connection's state changes. */
static void enter_state(OspConnection *c, OspState next, const GError *reason)
{
  OspState old = c->state;

  if (old == next)
    return;
  g_debug("connection %s: %s -> %s%s%s", c->profile->name ? c->profile->name : c->profile->gateway,
          osp_state_name(old), osp_state_name(next), reason ? ": " : "",
          reason ? reason->message : "");
  c->state = next;
  if (c->cb->state_changed)
    c->cb->state_changed(c, old, next, reason, c->user);
}

static void set_error(OspConnection *c, const GError *error)
{
  g_clear_error(&c->error);
  if (error)
    c->error = g_error_copy(error);
}

/* ---- timers ----------------------------------------------------------- */

static gboolean timer_dispatch(GSource *src, GSourceFunc cb, gpointer data)
{
  return cb(data);
}

static GSourceFuncs timer_funcs = { .dispatch = timer_dispatch };

static void rearm(OspConnection *c)
{
  gint64 d;

  if (!c->session || c->session_closed || !c->timer)
    return;
  d = osp_session_next_deadline(c->session);
  if (c->next && !c->next->closed)
    d = MIN(d, osp_session_next_deadline(c->next->session));
  g_source_set_ready_time(c->timer, d == G_MAXINT64 ? -1 : d);
}

static gboolean on_timer(gpointer data)
{
  OspConnection *c = data;

  g_source_set_ready_time(c->timer, -1);
  if (c->session && !c->session_closed)
    osp_session_timeout(c->session, g_get_monotonic_time());
  if (c->next && !c->next->closed)
    osp_session_timeout(c->next->session, g_get_monotonic_time());
  rearm(c);
  return G_SOURCE_CONTINUE;
}

/* ---- sending ---------------------------------------------------------- */

static void sendto_gateway(OspConnection *c, int fd, uint16_t port, const void *data, size_t len)
{
  struct sockaddr_in to = c->peer;

  to.sin_port = htons(port);
  if (sendto(fd, data, len, 0, (struct sockaddr *)&to, sizeof(to)) < 0 && errno != EAGAIN)
    g_debug("send to gateway failed: %s", g_strerror(errno));
  c->last_tx = g_get_monotonic_time();
}

static void session_send(gpointer user, const uint8_t *data, size_t len, bool natt)
{
  OspConnection *c = ((Link *)user)->c;

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
      rearm(c);
    }
    if (!p->soft_bytes)
      continue;
    in = osp_esp_sa_stats(p->in)->bytes;
    out = osp_esp_sa_stats(p->out)->bytes;
    if (MAX(in, out) >= p->soft_bytes && c->session && !c->session_closed) {
      p->soft_bytes = 0;
      osp_session_child_bytes(c->session, osp_esp_sa_spi(p->in), MAX(in, out),
                              g_get_monotonic_time());
      rearm(c);
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
        rearm(c);
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
    rearm(c);
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
  rearm(c);
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
  rearm(c);
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

/* ---- network changes -------------------------------------------------- */

/* The local address the kernel picks for packets to the gateway; 0.0.0.0
 * when there is no route. */
static struct in_addr route_source(const struct sockaddr_in *peer)
{
  struct sockaddr_in local = { 0 };
  socklen_t ll = sizeof(local);
  int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

  if (fd >= 0 && (connect(fd, (const struct sockaddr *)peer, sizeof(*peer)) < 0 ||
                  getsockname(fd, (struct sockaddr *)&local, &ll) < 0))
    local.sin_addr.s_addr = 0;
  if (fd >= 0)
    close(fd);
  return local.sin_addr;
}

static void fail_now(OspConnection *c, const GError *error);

/* IKEv1 cannot move an IKE SA to another address: when the way to the
 * gateway leaves from another address (or no longer exists), the tunnel is
 * torn down (script "disconnect": no route or DNS into a dead tunnel) and,
 * with reconnect, built again at once. */
static gboolean on_netcheck(gpointer data)
{
  OspConnection *c = data;
  struct in_addr now = route_source(&c->peer);
  char was_s[INET_ADDRSTRLEN], now_s[INET_ADDRSTRLEN];
  g_autoptr(GError) e = NULL;

  c->netcheck_id = 0;
  if (!c->session || c->session_closed || now.s_addr == c->local.s_addr)
    return G_SOURCE_REMOVE;
  inet_ntop(AF_INET, &c->local, was_s, sizeof(was_s));
  inet_ntop(AF_INET, &now, now_s, sizeof(now_s));
  if (now.s_addr)
    e = g_error_new(OSP_ERROR, OSP_ERROR_NETWORK_CHANGED,
                    _("The network changed: the way to the gateway now leaves from %s "
                      "instead of %s."), now_s, was_s);
  else
    e = g_error_new(OSP_ERROR, OSP_ERROR_NETWORK_CHANGED,
                    _("The network changed: there is no route to the gateway any more."));
  g_message("%s", e->message);
  c->reconnect_attempt = 0; /* not the gateway's fault: try again at once */
  fail_now(c, e);
  return G_SOURCE_REMOVE;
}

/* Any address, route or link change: drain the notifications and look
 * again shortly (they come in bursts). */
static gboolean on_netlink(gint fd, GIOCondition cond, gpointer data)
{
  OspConnection *c = data;
  uint8_t buf[8192];

  while (recv(fd, buf, sizeof(buf), MSG_DONTWAIT) > 0)
    ;
  if (!c->netcheck_id)
    c->netcheck_id = g_timeout_add(300, on_netcheck, c);
  return G_SOURCE_CONTINUE;
}

static GSource *watch(int fd, GUnixFDSourceFunc fn, OspConnection *c);
static void unwatch(GSource **src);
static void close_fd(int *fd);

/* rtnetlink directly rather than GNetworkMonitor: no GIO modules loaded,
 * nothing watched when no session runs. */
static void watch_network(OspConnection *c, bool on)
{
  struct sockaddr_nl sa = { .nl_family = AF_NETLINK,
                            .nl_groups = RTMGRP_LINK | RTMGRP_IPV4_IFADDR | RTMGRP_IPV4_ROUTE };

  if (on && c->nl_fd < 0) {
    c->nl_fd = socket(AF_NETLINK, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, NETLINK_ROUTE);
    if (c->nl_fd >= 0 && bind(c->nl_fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
      close_fd(&c->nl_fd);
    if (c->nl_fd >= 0)
      c->nl_src = watch(c->nl_fd, on_netlink, c);
    else
      g_debug("no rtnetlink socket (%s): network changes go unnoticed", g_strerror(errno));
  }
  if (!on) {
    unwatch(&c->nl_src);
    close_fd(&c->nl_fd);
    if (c->netcheck_id)
      g_source_remove(c->netcheck_id);
    c->netcheck_id = 0;
  }
}

/* ---- what worked before ----------------------------------------------- */

/* Aggressive mode carries one KE, so a group that worked with this
 * gateway and group name is tried first next time.  Kept in a keyfile in
 * $OSPREY_STATE_DIR (default /var/lib/osprey); losing it costs one
 * fallback round trip, nothing more. */
static char *state_path(void)
{
  const char *dir = g_getenv("OSPREY_STATE_DIR");

  return g_build_filename(dir && *dir ? dir : "/var/lib/osprey", "dh-groups", NULL);
}

static char *state_key(const OspConnection *c)
{
  return g_strdup_printf("%s %s", c->profile->gateway, c->profile->group_id);
}

static int remembered_group(const OspConnection *c)
{
  g_autoptr(GKeyFile) kf = g_key_file_new();
  g_autofree char *path = state_path(), *key = state_key(c);
  int g;

  if (!g_key_file_load_from_file(kf, path, G_KEY_FILE_NONE, NULL))
    return 0;
  g = g_key_file_get_integer(kf, "dh-group", key, NULL);
  return osp_dh_group_supported(g) ? g : 0;
}

static void remember_group(const OspConnection *c, int group)
{
  g_autoptr(GKeyFile) kf = g_key_file_new();
  g_autofree char *path = state_path(), *key = state_key(c), *dir = g_path_get_dirname(path);
  g_autoptr(GError) error = NULL;

  /* a weak group is never remembered: it is used only while the profile
   * enables it, and the next connect walks the strong ones first again */
  if (group <= 0 || c->profile->dh_group != OSP_DH_AUTO || osp_dh_group_weak(group) ||
      remembered_group(c) == group)
    return;
  g_key_file_load_from_file(kf, path, G_KEY_FILE_NONE, NULL);
  g_key_file_set_integer(kf, "dh-group", key, group);
  if (g_mkdir_with_parents(dir, 0755) < 0 || !g_key_file_save_to_file(kf, path, &error))
    g_debug("cannot remember the DH group in %s: %s", path, error ? error->message : "mkdir failed");
}

/* ---- sockets and TUN -------------------------------------------------- */

static GSource *watch(int fd, GUnixFDSourceFunc fn, OspConnection *c)
{
  GSource *src = g_unix_fd_source_new(fd, G_IO_IN);

  g_source_set_callback(src, (GSourceFunc)(void (*)(void))fn, c, NULL);
  g_source_attach(src, NULL);
  return src;
}

static void unwatch(GSource **src)
{
  if (*src) {
    g_source_destroy(*src);
    g_source_unref(*src);
    *src = NULL;
  }
}

static void close_fd(int *fd)
{
  if (*fd >= 0)
    close(*fd);
  *fd = -1;
}

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

static void close_io(OspConnection *c)
{
  unwatch(&c->ike_src);
  unwatch(&c->natt_src);
  unwatch(&c->esp_src);
  unwatch(&c->tun_src);
  close_fd(&c->ike_fd);
  close_fd(&c->natt_fd);
  close_fd(&c->esp_fd);
  close_fd(&c->tun_fd);
}

static gboolean open_sockets(OspConnection *c, GError **error)
{
  uint16_t lp = c->profile->local_port;

  c->ike_fd = udp_socket(lp, error);
  if (c->ike_fd < 0)
    return FALSE;
  /* NAT-T floats both ports to 4500 when we own 500; otherwise any port */
  c->natt_fd = udp_socket(lp == 500 ? NATT_PORT : 0, NULL);
  if (c->natt_fd < 0)
    c->natt_fd = udp_socket(0, error);
  if (c->natt_fd < 0)
    return FALSE;
  c->esp_fd = socket(AF_INET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_ESP);
  if (c->esp_fd >= 0)
    grow_buffers(c->esp_fd);
  if (c->esp_fd < 0)
    g_debug("no raw ESP socket (%s): ESP only over NAT-T", g_strerror(errno));
  c->ike_src = watch(c->ike_fd, on_ike, c);
  c->natt_src = watch(c->natt_fd, on_natt, c);
  if (c->esp_fd >= 0)
    c->esp_src = watch(c->esp_fd, on_esp, c);
  return TRUE;
}

/* ---- IP configuration ------------------------------------------------- */

/* "Target networks" from the profile replace the gateway's split list. */
static void apply_target_networks(OspConnection *c)
{
  g_auto(GStrv) nets = NULL;
  size_t i;

  if (!c->profile->target_networks || !*c->profile->target_networks)
    return;
  g_array_set_size(c->ipcfg->split_inc, 0);
  nets = g_strsplit_set(c->profile->target_networks, " ,", -1);
  for (i = 0; nets[i]; i++) {
    OspSplitNet n = { 0 };
    char *slash = strchr(nets[i], '/');
    int len = slash ? atoi(slash + 1) : 32;

    if (slash)
      *slash = 0;
    if (!*nets[i] || inet_pton(AF_INET, nets[i], &n.addr) != 1 || len < 0 || len > 32)
      continue;
    n.mask.s_addr = len ? htonl(~0u << (32 - len)) : 0;
    g_array_append_val(c->ipcfg->split_inc, n);
  }
}

static unsigned tunnel_mtu(OspConnection *c, const OspChildSa *sa)
{
  size_t over = 20 + (sa->udp_encap ? 8 : 0) + osp_esp_max_overhead(sa->enc, sa->auth);

  if (c->profile->mtu)
    return c->profile->mtu;
  return (unsigned)((1500 - over) & ~3u);
}

static gboolean run_script(OspConnection *c, const char *reason, GError **error)
{
  const char *script = c->profile->script ? c->profile->script : OSP_DEFAULT_SCRIPT;

  g_autofree char *repaired = NULL;
  gboolean ok;

  if (c->flags.no_script)
    return TRUE;
  ok = osp_script_run_full(script, reason, c->ipcfg, &repaired, error);
  if (repaired && c->cb->notice)
    c->cb->notice(c, repaired, c->user);
  return ok;
}

static void bring_up(OspConnection *c, const OspChildSa *sa)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *name = NULL;
  int fd;

  c->ipcfg->mtu = tunnel_mtu(c, sa);
  if (!run_script(c, "pre-init", &error)) {
    fail_now(c, error);
    return;
  }
  fd = osp_tun_open(c->profile->ifname, &name);
  if (fd < 0) {
    g_autoptr(GError) e = g_error_new(OSP_ERROR, OSP_ERROR_FAILED,
                                      _("Cannot create the tunnel device: %s"), g_strerror(-fd));
    fail_now(c, e);
    return;
  }
  c->tun_fd = fd;
  g_free(c->ipcfg->tundev);
  c->ipcfg->tundev = g_steal_pointer(&name);
  apply_target_networks(c);
  if (!run_script(c, "connect", &error)) {
    fail_now(c, error);
    return;
  }
  c->script_connected = !c->flags.no_script;
  c->tun_src = watch(c->tun_fd, on_tun, c);
  if (c->cb->ip_config)
    c->cb->ip_config(c, c->ipcfg, c->user);
  c->since = g_get_real_time();
  c->reconnect_attempt = 0;
  c->dh_group_hint = osp_session_dh_group(c->session);
  remember_group(c, c->dh_group_hint);
  enter_state(c, OSP_STATE_CONNECTED, NULL);
}

/* ---- session callbacks ------------------------------------------------ */

static void session_progress(gpointer user, OspState state)
{
  Link *l = user;
  OspConnection *c = l->c;

  if (l->role == ROLE_CURRENT && c->state != OSP_STATE_CONNECTED &&
      c->state != OSP_STATE_DISCONNECTING)
    enter_state(c, state, NULL);
}

static void session_secrets(gpointer user, const OspSecretRequest *req)
{
  Link *l = user;
  OspConnection *c = l->c;

  if (c->cb->secrets_needed) {
    c->secrets_link = l;
    c->cb->secrets_needed(c, req, c->user);
    return;
  }
  osp_session_cancel_secrets(l->session, req->id, g_get_monotonic_time());
}

static void session_ip_config(gpointer user, const OspIpConfig *cfg)
{
  Link *l = user;
  OspConnection *c = l->c;

  if (l->role != ROLE_CURRENT) {
    l->address = cfg->address; /* a successor keeps the configuration applied */
    return;
  }
  osp_ip_config_free(c->ipcfg);
  c->ipcfg = osp_ip_config_copy(cfg);
  if (cfg->banner && g_strcmp0(cfg->banner, c->banner) != 0) {
    g_free(c->banner);
    c->banner = g_strdup(cfg->banner);
    if (c->cb->banner)
      c->cb->banner(c, c->banner, c->user);
  }
}

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

static bool pair_new(OspConnection *c, Link *owner, const OspChildSa *sa)
{
  SaPair p = { 0 };
  int r;

  r = osp_esp_sa_new(sa->spi_in, sa->enc, sa->key_bits, sa->enc_key_in->data,
                     sa->enc_key_in->len, sa->auth,
                     sa->auth_key_in ? sa->auth_key_in->data : NULL,
                     sa->auth_key_in ? sa->auth_key_in->len : 0, &p.in);
  if (r == 0)
    r = osp_esp_sa_new(sa->spi_out, sa->enc, sa->key_bits, sa->enc_key_out->data,
                       sa->enc_key_out->len, sa->auth,
                       sa->auth_key_out ? sa->auth_key_out->data : NULL,
                       sa->auth_key_out ? sa->auth_key_out->len : 0, &p.out);
  if (r < 0) {
    g_autoptr(GError) e = g_error_new(OSP_ERROR, OSP_ERROR_FAILED,
                                      _("Cannot set up the negotiated ESP algorithms: %s"),
                                      g_strerror(-r));
    pair_free(&p);
    fail_now(c, e);
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

static void promote(OspConnection *c);
static void retire_later(OspConnection *c, Link *old);

static void session_child_up(gpointer user, const OspChildSa *sa)
{
  Link *l = user;
  OspConnection *c = l->c;

  if (l->role == ROLE_RETIRED || !pair_new(c, l, sa))
    return;
  if (c->state == OSP_STATE_CONNECTED || l->role == ROLE_NEXT) {
    c->rekeys++;
    return;
  }
  bring_up(c, sa);
}

static void session_child_down(gpointer user, uint32_t spi_in)
{
  OspConnection *c = ((Link *)user)->c;
  SaPair *p = pair_by_spi(c, spi_in);

  if (p)
    pair_remove(c, (size_t)(p - c->sas));
}

static void teardown(OspConnection *c);

static void drop_next(OspConnection *c);

static gboolean on_deferred(gpointer data)
{
  OspConnection *c = data;

  g_source_unref(c->deferred_src);
  c->deferred_src = NULL;
  if (c->drop_next_pending)
    drop_next(c);
  if (c->teardown_pending) {
    c->teardown_pending = false;
    teardown(c);
  }
  return G_SOURCE_REMOVE;
}

static void defer(OspConnection *c, bool *what)
{
  *what = true;
  if (c->deferred_src)
    return;
  c->deferred_src = g_idle_source_new();
  g_source_set_priority(c->deferred_src, G_PRIORITY_HIGH);
  g_source_set_callback(c->deferred_src, on_deferred, c, NULL);
  g_source_attach(c->deferred_src, NULL);
}

/* The session must not be freed from inside its own callback: teardown
 * (or, for a successor, drop_next) runs from the main loop right after. */
static void session_closed(gpointer user, const GError *error)
{
  Link *l = user;
  OspConnection *c = l->c;

  l->closed = true;
  if (l->role == ROLE_RETIRED)
    return;
  if (l->role == ROLE_NEXT) {
    g_warning("Re-authenticating with the gateway failed: %s; the current IKE SA stays.",
              error ? error->message : "stopped");
    defer(c, &c->drop_next_pending);
    return;
  }
  c->session_closed = true;
  g_clear_error(&c->close_error);
  if (error)
    c->close_error = g_error_copy(error);
  defer(c, &c->teardown_pending);
}

static void session_ike_expiring(gpointer user);
static void session_reauthenticated(gpointer user);

/* While the connection comes up, the user hears about each retry (osprey
 * connect -v, the daemon's StateMessage); later ones (a rekey, DPD) are
 * the engine's business. */
static void session_retrying(gpointer user, const char *text)
{
  Link *l = user;
  OspConnection *c = l->c;

  if (l->role != ROLE_CURRENT || !c->cb->notice)
    return;
  if (c->state == OSP_STATE_CONNECTING || c->state == OSP_STATE_AUTHENTICATING ||
      c->state == OSP_STATE_CONFIGURING || c->state == OSP_STATE_RECONNECTING)
    c->cb->notice(c, text, c->user);
}

static const OspSessionOps session_ops = {
  .send = session_send,
  .progress = session_progress,
  .secrets_needed = session_secrets,
  .ip_config = session_ip_config,
  .child_sa_up = session_child_up,
  .child_sa_down = session_child_down,
  .ike_expiring = session_ike_expiring,
  .reauthenticated = session_reauthenticated,
  .closed = session_closed,
  .retrying = session_retrying,
};

/* ---- sessions and re-authentication ------------------------------------ */

static Link *link_new(OspConnection *c, const OspSessionParams *params, Role role)
{
  Link *l = g_new0(Link, 1);

  l->c = c;
  l->role = role;
  l->session = osp_session_new(c->profile, params, &session_ops, l);
  return l;
}

static void link_free(Link *l)
{
  if (!l)
    return;
  if (l->c->secrets_link == l)
    l->c->secrets_link = NULL;
  osp_session_free(l->session);
  g_free(l);
}

/* What the sockets and the route say about both ends, for a new session. */
static void session_params(OspConnection *c, OspSessionParams *params)
{
  struct sockaddr_in local;
  socklen_t ll;

  memset(params, 0, sizeof(*params));
  ll = sizeof(params->local);
  getsockname(c->ike_fd, (struct sockaddr *)&params->local, &ll);
  params->local.sin_addr = c->local;
  ll = sizeof(local);
  if (getsockname(c->natt_fd, (struct sockaddr *)&local, &ll) == 0)
    params->natt_port = ntohs(local.sin_port);
  params->peer = c->peer;
  params->dh_group_hint = c->dh_group_hint ? c->dh_group_hint : remembered_group(c);
}

static void drop_next(OspConnection *c)
{
  c->drop_next_pending = false;
  link_free(g_steal_pointer(&c->next));
}

/* The IKE SA is about to expire (or the gateway deleted it): authenticate a
 * new one beside it, with the credentials kept for this connection (or
 * asked again); the tunnel, its routes and DNS stay as they are. */
static void session_ike_expiring(gpointer user)
{
  Link *l = user;
  OspConnection *c = l->c;
  OspSessionParams params;

  if (l->role != ROLE_CURRENT || c->next || c->state != OSP_STATE_CONNECTED)
    return;
  g_message("Re-authenticating with the gateway (new IKE SA).");
  session_params(c, &params);
  params.reauth = true;
  c->next = link_new(c, &params, ROLE_NEXT);
  osp_session_start(c->next->session, g_get_monotonic_time());
}

/* The successor is authenticated: it takes over the IPsec SAs (the
 * gateway does the same: IPsec SAs outlive their IKE SA in IKEv1) and
 * becomes the current session; the old IKE SA is deleted. */
static void promote(OspConnection *c)
{
  Link *old = c->link;
  size_t i;

  if (c->ipcfg && c->next->address.s_addr && c->next->address.s_addr != c->ipcfg->address.s_addr)
    g_warning("The gateway gave the new IKE SA another address; keeping the one configured.");
  c->link = g_steal_pointer(&c->next);
  c->link->role = ROLE_CURRENT;
  c->session = c->link->session;
  c->session_closed = c->link->closed;
  old->role = ROLE_RETIRED;
  osp_session_adopt_children(c->session, old->session);
  for (i = 0; i < c->n_sas; i++)
    if (c->sas[i].owner == old)
      c->sas[i].owner = c->link;
  retire_later(c, old);
  g_message("Re-authenticated with the gateway: the new IKE SA carries on.");
}

static void session_reauthenticated(gpointer user)
{
  Link *l = user;

  if (l->role == ROLE_NEXT && l->c->state == OSP_STATE_CONNECTED)
    promote(l->c);
}

/* ---- lifecycle -------------------------------------------------------- */

OspConnection *osp_connection_new(const OspProfile *profile, const OspConnectionFlags *flags,
                                  const OspConnectionCallbacks *cb, gpointer user_data)
{
  OspConnection *c = g_new0(OspConnection, 1);

  c->profile = osp_profile_copy(profile);
  if (flags)
    c->flags = *flags;
  c->cb = cb;
  c->user = user_data;
  c->ike_fd = c->natt_fd = c->esp_fd = c->tun_fd = c->nl_fd = -1;
  c->buf = g_malloc(PKT_BUF);
  c->slots = g_malloc((size_t)BATCH * SLOT);
  return c;
}

/* Failures that stop reconnecting: trying again cannot mend them.  A
 * refusal of our proposals is not one: they worked before, so it comes
 * from a gateway that just restarted (charon answers NO-PROPOSAL-CHOSEN
 * until its configuration is loaded) or is a forged notify in the clear. */
static bool is_final(int code)
{
  switch (code) {
  case OSP_ERROR_CONFIG:
  case OSP_ERROR_BAD_GROUP_SECRET:
  case OSP_ERROR_BAD_CREDENTIALS:
  case OSP_ERROR_WEAK_PROPOSAL:
  case OSP_ERROR_SECRETS_REQUIRED:
  case OSP_ERROR_CANCELLED:
  case OSP_ERROR_SCRIPT:
    return true;
  default:
    return false;
  }
}

static gboolean begin(OspConnection *c, GError **error);

static gboolean on_reconnect(gpointer data)
{
  OspConnection *c = data;
  g_autoptr(GError) error = NULL;

  c->reconnect_id = 0;
  if (!begin(c, &error)) {
    set_error(c, error);
    enter_state(c, OSP_STATE_FAILED, error);
  }
  return G_SOURCE_REMOVE;
}

static void clear_id(guint *id)
{
  if (*id)
    g_source_remove(*id);
  *id = 0;
}

/* Deletes the IKE SA a successor replaced (only its Delete goes out: its
 * IPsec SAs moved on). */
static void retire_now(OspConnection *c)
{
  Link *old = g_steal_pointer(&c->retired);

  clear_id(&c->retire_id);
  if (!old)
    return;
  if (!old->closed)
    osp_session_delete(old->session);
  link_free(old);
}

static gboolean on_retire(gpointer data)
{
  OspConnection *c = data;

  c->retire_id = 0;
  retire_now(c);
  return G_SOURCE_REMOVE;
}

static void retire_later(OspConnection *c, Link *old)
{
  retire_now(c);
  c->retired = old;
  c->retire_id = g_timeout_add(RETIRE_DELAY_MS, on_retire, c);
}

/* Releases everything of the current attempt: the script's network
 * configuration, sockets, TUN device, SAs, timers and sessions. */
static void release_attempt(OspConnection *c)
{
  g_autoptr(GError) script_error = NULL;

  retire_now(c); /* while the sockets are open */
  if (c->script_connected && !run_script(c, "disconnect", &script_error))
    g_warning("%s", script_error->message);
  c->script_connected = false;
  close_io(c);
  while (c->n_sas)
    pair_remove(c, c->n_sas - 1);
  unwatch(&c->timer);
  clear_id(&c->keepalive_id);
  watch_network(c, false);
  drop_next(c);
  link_free(g_steal_pointer(&c->link));
  c->session = NULL;
  c->session_closed = false;
  c->since = 0;
}

/* Ends the current attempt; then DISCONNECTED, FAILED or RECONNECTING. */
static void teardown(OspConnection *c)
{
  g_autoptr(GError) error = g_steal_pointer(&c->close_error);
  bool was_up = c->state == OSP_STATE_CONNECTED || c->state == OSP_STATE_DISCONNECTING;
  bool user_ended = c->state == OSP_STATE_DISCONNECTING;

  release_attempt(c);

  if (!error || user_ended) {
    enter_state(c, OSP_STATE_DISCONNECTED, NULL);
    return;
  }
  set_error(c, error);
  if (!was_up && !c->handshake_retried && error->code == OSP_ERROR_GATEWAY_UNREACHABLE &&
      (c->state == OSP_STATE_AUTHENTICATING || c->state == OSP_STATE_CONFIGURING)) {
    /* the gateway answered phase 1, then an exchange got lost for good
     * (a lossy path): start over once before giving up */
    g_message("%s Starting over.", error->message);
    c->handshake_retried = true;
    c->reconnect_id = g_timeout_add(500, on_reconnect, c);
    return;
  }
  if (c->flags.reconnect && !is_final(error->code) && (was_up || c->reconnect_attempt > 0)) {
    gint64 now = g_get_monotonic_time(), ms;
    unsigned delay;

    if (c->reconnect_attempt == 0)
      c->lost_at = now;
    delay = MIN(1u << MIN(c->reconnect_attempt, 6u),
                now - c->lost_at < RECONNECT_FAST_FOR_US ? RECONNECT_FAST_S : RECONNECT_MAX_S);
    ms = delay * 1000 + g_random_int_range(0, (gint32)delay * 250 + 1);
    ms = MAX(ms - (now - c->attempt_at) / 1000, RECONNECT_MIN_MS);
    c->reconnect_attempt++;
    enter_state(c, OSP_STATE_RECONNECTING, error);
    c->reconnect_id = g_timeout_add((guint)ms, on_reconnect, c);
    return;
  }
  enter_state(c, OSP_STATE_FAILED, error);
}

static void fail_now(OspConnection *c, const GError *error)
{
  if (c->session && !c->session_closed) {
    if (c->state == OSP_STATE_CONNECTED || c->state == OSP_STATE_CONFIGURING)
      osp_session_delete(c->session); /* tell the gateway; closed(NULL) follows */
  }
  if (c->link)
    session_closed(c->link, error);
}

static void resolved(GObject *src, GAsyncResult *res, gpointer data);

static gboolean begin(OspConnection *c, GError **error)
{
  struct in_addr a;

  c->attempt_at = g_get_monotonic_time();
  if (inet_pton(AF_INET, c->profile->gateway, &a) == 1) {
    OspSessionParams params;

    memset(&c->peer, 0, sizeof(c->peer));
    c->peer.sin_family = AF_INET;
    c->peer.sin_addr = a;
    c->peer.sin_port = htons(500);
    g_free(c->gateway_str);
    c->gateway_str = g_strdup(c->profile->gateway);
    if (!open_sockets(c, error)) {
      close_io(c);
      return FALSE;
    }
    /* the local address the route to the gateway uses (for NAT-D, and
     * to notice when the network changes) */
    c->local = route_source(&c->peer);
    watch_network(c, true);
    session_params(c, &params);
    c->link = link_new(c, &params, ROLE_CURRENT);
    c->session = c->link->session;
    c->timer = g_source_new(&timer_funcs, sizeof(GSource));
    g_source_set_callback(c->timer, on_timer, c, NULL);
    g_source_attach(c->timer, NULL);
    c->keepalive_id = g_timeout_add_seconds(KEEPALIVE_S, on_keepalive, c);
    enter_state(c, OSP_STATE_CONNECTING, NULL);
    osp_session_start(c->session, g_get_monotonic_time());
    rearm(c);
    return TRUE;
  }
  /* a host name: resolve first, without blocking the main loop */
  enter_state(c, OSP_STATE_CONNECTING, NULL);
  g_clear_object(&c->resolve_cancel);
  c->resolve_cancel = g_cancellable_new();
  g_resolver_lookup_by_name_with_flags_async(g_resolver_get_default(), c->profile->gateway,
                                             G_RESOLVER_NAME_LOOKUP_FLAGS_IPV4_ONLY,
                                             c->resolve_cancel, resolved, c);
  return TRUE;
}

static void resolved(GObject *src, GAsyncResult *res, gpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autolist(GInetAddress) addrs = g_resolver_lookup_by_name_with_flags_finish(
    G_RESOLVER(src), res, &error);
  OspConnection *c;
  g_autofree char *ip = NULL;

  if (g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  c = data;
  if (!addrs) {
    g_autoptr(GError) e = g_error_new(OSP_ERROR, OSP_ERROR_GATEWAY_UNREACHABLE,
                                      _("Cannot resolve the gateway %s: %s"),
                                      c->profile->gateway, error->message);
    set_error(c, e);
    enter_state(c, OSP_STATE_FAILED, e);
    return;
  }
  ip = g_inet_address_to_string(addrs->data);
  g_free(c->profile->gateway);
  c->profile->gateway = g_steal_pointer(&ip);
  if (!begin(c, &error)) {
    set_error(c, error);
    enter_state(c, OSP_STATE_FAILED, error);
  }
}

gboolean osp_connection_start(OspConnection *c, GError **error)
{
  if (c->state != OSP_STATE_DISCONNECTED && c->state != OSP_STATE_FAILED) {
    g_set_error(error, OSP_ERROR, OSP_ERROR_FAILED, _("The connection is already active."));
    return FALSE;
  }
  if (!osp_profile_validate(c->profile, error))
    return FALSE;
  if (c->profile->natt_mode == OSP_NATT_CISCO_UDP) {
    g_set_error(error, OSP_ERROR, OSP_ERROR_CONFIG,
                _("NAT Traversal Mode cisco-udp is not supported yet; use natt or force-natt."));
    return FALSE;
  }
  g_clear_error(&c->error);
  c->reconnect_attempt = 0;
  c->handshake_retried = false;
  return begin(c, error);
}

/* Reusable secrets (not one-time passcodes) stay for the next session of
 * this connection (reconnect, re-authentication) when the profile allows. */
static void keep_secret(char **field, const char *value)
{
  if (!value)
    return;
  osp_str_wipe_free(*field);
  *field = g_strdup(value);
}

/* The session that asked, if it still runs. */
static OspSession *asking_session(OspConnection *c)
{
  Link *l = c->secrets_link;

  if (!l || l->closed || (l != c->link && l != c->next))
    return NULL;
  return l->session;
}

void osp_connection_provide_secrets(OspConnection *c, guint request_id,
                                    const char *const values[OSP_SECRET_N_KINDS])
{
  OspSession *s = asking_session(c);

  if (!s)
    return;
  if (c->profile->keep_credentials) {
    keep_secret(&c->profile->group_secret, values[OSP_SECRET_GROUP_SECRET]);
    keep_secret(&c->profile->username, values[OSP_SECRET_USERNAME]);
    keep_secret(&c->profile->password, values[OSP_SECRET_PASSWORD]);
  }
  osp_session_provide_secrets(s, request_id, values, g_get_monotonic_time());
  rearm(c);
}

void osp_connection_cancel_secrets(OspConnection *c, guint request_id)
{
  OspSession *s = asking_session(c);

  if (s)
    osp_session_cancel_secrets(s, request_id, g_get_monotonic_time());
}

void osp_connection_disconnect(OspConnection *c)
{
  if (c->reconnect_id) {
    g_source_remove(c->reconnect_id);
    c->reconnect_id = 0;
  }
  if (c->resolve_cancel)
    g_cancellable_cancel(c->resolve_cancel);
  if (!c->session) {
    enter_state(c, OSP_STATE_DISCONNECTED, NULL);
    return;
  }
  if (c->state == OSP_STATE_DISCONNECTING)
    return;
  enter_state(c, OSP_STATE_DISCONNECTING, NULL);
  if (c->next && !c->next->closed)
    osp_session_delete(c->next->session);
  if (!c->session_closed)
    osp_session_delete(c->session);
}

void osp_connection_free(OspConnection *c)
{
  if (!c)
    return;
  clear_id(&c->reconnect_id);
  if (c->resolve_cancel)
    g_cancellable_cancel(c->resolve_cancel);
  g_clear_object(&c->resolve_cancel);
  unwatch(&c->deferred_src);
  release_attempt(c);
  osp_ip_config_free(c->ipcfg);
  g_clear_error(&c->error);
  g_clear_error(&c->close_error);
  g_free(c->banner);
  g_free(c->gateway_str);
  g_free(c->buf);
  g_free(c->slots);
  osp_profile_free(c->profile);
  g_free(c);
}

OspState osp_connection_get_state(const OspConnection *c) { return c->state; }
const GError *osp_connection_get_error(const OspConnection *c) { return c->error; }
const OspIpConfig *osp_connection_get_ip_config(const OspConnection *c)
{
  return c->state == OSP_STATE_CONNECTED ? c->ipcfg : NULL;
}
const char *osp_connection_get_banner(const OspConnection *c) { return c->banner; }
const char *osp_connection_get_gateway(const OspConnection *c) { return c->gateway_str; }
gint64 osp_connection_get_since(const OspConnection *c) { return c->since; }

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
