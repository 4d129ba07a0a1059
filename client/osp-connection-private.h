/* SPDX-License-Identifier: GPL-2.0-or-later
 * Osprey — the inside of OspConnection, shared by its three files:
 *
 *   osp-connection.c           lifecycle: start, attempts, reconnect with
 *                              backoff, teardown, the session callbacks and
 *                              the Link roles of re-authentication
 *   osp-connection-datapath.c  sockets, the TUN device, the ESP pump
 *                              between them and the SA pairs it uses
 *   osp-connection-netwatch.c  the environment: the route source towards
 *                              the gateway and rtnetlink changes of it
 *
 * The datapath and the watcher call back into the lifecycle only through
 * osp_conn_rearm() (a session's deadline moved) and osp_conn_fail().
 * Each file defines _GNU_SOURCE before including this (struct mmsghdr). */
#pragma once

#include "osp-addr.h"
#include "osp-connection.h"
#include "osp-esp.h"
#include "osp-session.h"
#include "osp-tun-offload.h"

#include <gio/gio.h>
#include <glib-unix.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#define NATT_PORT 4500
#define KEEPALIVE_S 20
#define MAX_SAS 8
#define BATCH 32
#define SLOT 8192 /* one datagram of a batch, with ESP head- and tailroom */
#define PKT_BUF 65536

/* One IKE SA's session and its role in the connection.  A connection has a
 * current session; while the IKE SA is re-authenticated, a successor runs
 * beside it and replaces it once its first IPsec SA is up. */
typedef enum { ROLE_CURRENT, ROLE_NEXT, ROLE_RETIRED } Role;

typedef struct {
  struct OspConnection *c;
  OspSession *session;
  Role role;
  bool closed;
  struct in_addr address; /* Mode Config address of a successor, to compare */
} Link;

/* What the ESP pump uses of an SA pair: the main loop's SaPair holds it,
 * the thread's DpTable a copy (DpPair). */
typedef struct {
  OspEspSa *in;
  OspEspSa *out;
  bool udp;
  uint16_t udp_port;   /* with udp: the gateway's port (0: NAT-T's 4500) */
  bool ipv6;           /* carries IPv6 (its own quick mode), else IPv4 */
  bool inbound_only;   /* not for sending yet (OspChildSa.inbound_only) */
  uint64_t soft_bytes; /* the session hears once either direction carried this; 0 = no need */
} SaCore;

typedef struct {
  SaCore core;   /* soft_bytes: 0 once the session was told (the rekey began) */
  Link *owner;   /* the session that negotiated it */
  bool seq_told; /* the session knows the outbound counter runs out */
  bool rx_told;  /* the session knows inbound traffic came on it */
  OspEspEnc enc; /* what was negotiated, for osp_connection_get_sa_info */
  unsigned key_bits;
  OspEspAuth auth;
  int pfs_group;
  uint32_t lifetime_kb;
  gint64 expires; /* real time */
} SaPair;

/* ---- the datapath thread ----------------------------------------------
 * The ESP pump (TUN <-> NAT-T / raw ESP) runs in a thread of its own with
 * its own epoll, off the main loop.  What it needs of the connection is a
 * DpTable the main loop publishes whole and never changes afterwards (an
 * RCU-like swap): a new one at every SA change; the old one, and the SAs
 * it alone held, are freed once the thread acknowledged the new epoch.
 * No lock per packet.  The thread works the SAs (only it touches their
 * cipher state and replay windows); the main loop reads their counters
 * atomically.  It tells the main loop what the sessions must know through
 * an eventfd and DP_EV_* bits: IKE datagrams that came on the NAT-T port,
 * ICMP unreachable, a volume lifetime or the sequence space near its end,
 * and, at most every DP_NOTE_US, inbound traffic (the gateway lives) and
 * outbound traffic (RFC 3706 stall detection). */
typedef struct {
  SaCore core;    /* soft_bytes: DP_EV_VOLUME when either direction carried it */
  bool watch_seq; /* DP_EV_VOLUME when the outbound counter nears its end */
} DpPair;

typedef struct {
  uint64_t epoch;
  OspAddr peer;
  int tun_fd;    /* -1 until the tunnel is up */
  bool tun_vnet; /* every packet on it behind a virtio-net header */
  bool have_addr;
  struct in_addr addr4; /* our inner address: inbound policy */
  bool have_addr6;
  struct in6_addr addr6; /* our inner IPv6 address, if any */
  size_t n;
  DpPair pairs[MAX_SAS]; /* the last of each IP version carries outbound traffic */
} DpTable;

enum {
  DP_EV_IKE = 1 << 0,     /* datagrams in ike_ring */
  DP_EV_UNREACH = 1 << 1, /* ICMP unreachable from the gateway */
  DP_EV_VOLUME = 1 << 2,  /* check the volume lifetimes */
  DP_EV_ALIVE = 1 << 3,   /* authenticated inbound ESP (at last_rx) */
  DP_EV_SENT = 1 << 4,    /* outbound ESP (at last_tx) */
};
#define DP_NOTE_US (200 * 1000)
#define DP_IKE_RING 16      /* IKE datagrams on their way to the main loop */
#define DP_GRO_SLOTS 8      /* coalesced datagrams per recvmmsg() */
#define DP_GRO_SLOT 65536   /* room for one of them */
#define DP_TSO_BUF 65536    /* one TSO piece from the TUN device */
#define DP_TUN_BURST_US 500 /* TUN wakes closer than this read to the end (dp_tun) */

typedef struct {
  GThread *thread;
  int epoll_fd;
  int kick_fd; /* eventfd: main loop -> thread (new table, stop) */
  int wake_fd; /* eventfd: thread -> main loop */
  GSource *wake_src;
  bool started;
  /* IKE datagrams from the NAT-T port: a single-producer single-consumer
   * ring, the thread advances ike_tail, the main loop ike_head (atomic) */
  GBytes *ike_ring[DP_IKE_RING];
  unsigned ike_head, ike_tail;
  DpTable *table;  /* atomic; the thread's current one */
  uint64_t epoch;  /* main loop: the last published */
  uint64_t ack;    /* atomic: the epoch the thread works with */
  int stop;        /* atomic */
  unsigned events; /* atomic DP_EV_* */
  int unreach_err; /* atomic: errno of the last DP_EV_UNREACH */
  gint64 last_rx;  /* atomic: last authenticated inbound ESP */
  gint64 rx_told;  /* main loop: last_rx the sessions know */
  bool tun_watched;

  /* the thread's own */
  gint64 rx_note_at, tx_note_at;
  gint64 tun_wake_at; /* the last wake for the TUN device, and how many reads found a packet */
  int tun_reads;
  bool told[MAX_SAS]; /* DP_EV_VOLUME raised for a pair of the table */
  uint8_t *buf;       /* PKT_BUF for raw ESP */
  uint8_t *slots;     /* BATCH * SLOT */
  struct mmsghdr msgs[BATCH];
  struct iovec iov[BATCH];
  OspAddr from[BATCH];
  bool gso;          /* UDP_SEGMENT on the NAT-T socket (until the kernel refuses it) */
  bool gro;          /* UDP_GRO on the NAT-T socket */
  uint8_t *gro_buf;  /* DP_GRO_SLOTS * DP_GRO_SLOT, when gro */
  bool tun_vnet;     /* the TUN device has IFF_VNET_HDR (offloads may be on) */
  uint8_t *tso_buf;  /* DP_TSO_BUF: one read of it, up to 64 KiB of TCP */
  OspTunGro tun_gro; /* TCP segments joined for one write (buf: when the offloads are on) */
  int first[BATCH];  /* the first datagram of each message sent */
  union {
    struct cmsghdr align;
    uint8_t buf[CMSG_SPACE(sizeof(int)) * 2];
  } ctl[BATCH];
} Dp;

struct OspConnection {
  OspProfile *profile;
  OspConnectionFlags flags;
  char *state_dir; /* flags.state_dir, copied; NULL: nothing remembered */
  const OspConnectionCallbacks *cb;
  gpointer user;

  OspState state;
  GError *error;
  OspSession *session; /* = link->session */
  Link *link;
  bool session_closed;
  Link *next;    /* successor being authenticated, NULL */
  Link *retired; /* replaced by a successor, deleted after RETIRE_DELAY_MS */
  guint retire_id;
  Link *secrets_link;     /* the session whose secret request is pending */
  GSource *deferred_src;  /* runs what may not run inside a session's callback: */
  bool teardown_pending;  /* ... the end of the attempt */
  bool drop_next_pending; /* ... freeing a successor that failed */
  GError *close_error;

  OspAddr peer; /* the gateway this attempt talks to, IKE port 500 */
  char *gateway_str;
  int ike_fd, natt_fd, esp_fd, tun_fd;
  GSource *ike_src;
  GSource *timer;
  guint keepalive_id, reconnect_id;
  int nl_fd; /* rtnetlink: address and route changes while a session runs */
  GSource *nl_src;
  guint netcheck_id; /* debounce of the above */
  OspAddr local;     /* our address towards the gateway when the session began (no port) */
  GCancellable *resolve_cancel;
  GPtrArray *servers; /* the gateway, then backup servers: the profile's, the gateway's */
  guint server;       /* the one tried now */
  GArray *addrs;      /* of OspAddr: the server's addresses (a name's A and AAAA records) */
  guint addr;         /* the one tried now */
  char *redirect;     /* where the gateway's LOAD-BALANCE sends the next attempt */
  char *redirected;   /* where it sent this one */
  unsigned redirects; /* LOAD-BALANCE notifies followed since the user's connect */

  OspIpConfig *ipcfg;
  bool script_connected;
  /* the script's steps beside the handshake (osp-connection.c) */
  struct ScriptJob *job; /* the step running in its thread, NULL */
  bool pre_init_done, net_wanted, net_started, net_ready;
  unsigned up_mtu;    /* the IPsec SA is up: the tunnel's MTU for it; 0 before */
  GError *step_error; /* a failure to end the attempt with, from the main loop */
  guint step_error_id;
  char *banner;
  gint64 since;
  int dh_group_hint;
  unsigned reconnect_attempt;
  gint64 lost_at;         /* when the reconnect tries began (monotonic) */
  gint64 attempt_at;      /* when the current attempt began (monotonic) */
  bool handshake_retried; /* this connect already started over once */
  gint64 up_at;           /* when the tunnel last came up (monotonic) */
  bool gateway_ended;     /* the last loss: the gateway ended the session (Deletes) */
  unsigned rekeys;

  SaPair sas[MAX_SAS];
  size_t n_sas;
  OspConnectionStats closed_stats; /* counters of SAs already gone */
  gint64 last_tx;                  /* atomic: the datapath thread writes it too */

  uint8_t *buf; /* PKT_BUF for IKE on port 500 */
  Dp dp;
};

/* ---- the lifecycle (osp-connection.c) ---------------------------------- */

/* The sessions' next deadline moved: the timer follows. */
void osp_conn_rearm(OspConnection *c);
/* Ends the attempt with error (Delete first when the gateway is told). */
void osp_conn_fail(OspConnection *c, const GError *error);
/* Something the user should know that is no failure: the host's notice
 * callback, and the debug log. */
void osp_conn_notice(OspConnection *c, const char *format, ...) G_GNUC_PRINTF(2, 3);

/* ---- the datapath (osp-connection-datapath.c) --------------------------- */

/* The IKE, NAT-T and raw ESP sockets, watched; FALSE with error, nothing
 * left open. */
gboolean osp_conn_io_open(OspConnection *c, GError **error);
void osp_conn_io_close(OspConnection *c); /* sockets and the TUN device */
/* One IKE datagram to the gateway; natt: to 4500 behind the non-ESP marker. */
void osp_conn_io_send_ike(OspConnection *c, const uint8_t *data, size_t len, bool natt);
/* The TUN device (c->tun_fd) starts feeding the pump. */
void osp_conn_io_start_tun(OspConnection *c);
/* Gives the sessions the datapath's latest inbound traffic time; before
 * their timers run, so DPD sees traffic the thread did not report yet. */
void osp_conn_io_sync(OspConnection *c);
/* NAT keepalives every KEEPALIVE_S while NAT-T is active. */
void osp_conn_io_start_keepalive(OspConnection *c);

/* A new SA pair (the newest carries outbound traffic); false after
 * failing the connection when the algorithms cannot be set up. */
bool osp_conn_sa_add(OspConnection *c, Link *owner, const OspChildSa *sa);
void osp_conn_sa_remove(OspConnection *c, uint32_t spi_in); /* no-op if unknown */
void osp_conn_sa_clear(OspConnection *c);
void osp_conn_sa_reown(OspConnection *c, const Link *from, Link *to);

/* ---- the environment (osp-connection-netwatch.c) ------------------------ */

/* The local address the kernel picks for packets to the gateway, of its
 * family; unspecified (0.0.0.0, ::) when there is no route. */
OspAddr osp_conn_route_source(const OspAddr *peer);
/* Watches (or stops watching) address, route and link changes; a changed
 * route source towards the gateway ends the attempt (network-changed). */
void osp_conn_watch_network(OspConnection *c, bool on);

/* ---- GLib plumbing shared by the three -------------------------------- */

static inline GSource *osp_conn_watch_fd(int fd, GUnixFDSourceFunc fn, OspConnection *c)
{
  GSource *src = g_unix_fd_source_new(fd, G_IO_IN);

  g_source_set_callback(src, (GSourceFunc)(void (*)(void))fn, c, NULL);
  g_source_attach(src, NULL);
  return src;
}

static inline void osp_conn_unwatch(GSource **src)
{
  if (*src) {
    g_source_destroy(*src);
    g_source_unref(*src);
    *src = NULL;
  }
}

static inline void osp_conn_close_fd(int *fd)
{
  if (*fd >= 0)
    close(*fd);
  *fd = -1;
}
