/* SPDX-License-Identifier: GPL-2.0-or-later
 * Osprey — the IKEv1 initiator as a sans-I/O state machine.
 *
 * Datagrams and the current time go in; datagrams, a timer deadline and
 * events come out through OspSessionOps.  No sockets, no main loop, no
 * clock: everything is testable from byte strings.  OspConnection wraps it
 * with sockets, the TUN device and GLib timers.
 *
 * Error contract (as iwd's auth-proto): a datagram that fails a check
 * (unknown cookies, bad hash, malformed, unexpected) is dropped and logged
 * at debug level, and so is everything unauthenticated: before phase 1 is
 * authenticated, notifies in the clear and message 2 itself.  What was
 * dropped is remembered: a timeout then says the gateway answered and why
 * its answers were refused ("bad HASH_R: the group secret is probably
 * wrong") instead of calling it silent.  Only an authenticated failure or
 * a timeout ends the session. */
#pragma once

#include "osp-addr.h"
#include "osp-common.h"
#include "osp-esp.h"
#include "osp-netcfg.h"
#include "osp-profile.h"
#include "osp-types.h"

#include <netinet/in.h>

G_BEGIN_DECLS

typedef struct OspSession OspSession;

/* Keys and algorithms of one negotiated IPsec SA pair. */
typedef struct {
  uint32_t spi_in;  /* ours: the gateway sends with it (host order) */
  uint32_t spi_out; /* the gateway's: we send with it (host order) */
  OspEspEnc enc;
  unsigned key_bits;
  OspEspAuth auth;
  OspSecret *enc_key_in, *auth_key_in;
  OspSecret *enc_key_out, *auth_key_out;
  uint32_t lifetime_s;  /* negotiated (after RESPONDER-LIFETIME) */
  uint32_t lifetime_kb; /* 0 = none */
  bool udp_encap;       /* ESP in UDP instead of IP protocol 50: NAT-T, or Cisco UDP */
  uint16_t udp_port;    /* with udp_encap: the gateway's port (0: NAT-T's 4500) */
  int pfs_group;        /* 0 = none */
  bool ipv6;            /* carries IPv6 (its own quick mode: one selector pair per SA) */
  /* The gateway's quick mode after our message 2: the gateway may send with
   * it before its message 3 reaches us, so it takes traffic in already; we
   * send with it once message 3 came (child_sa_up again, without this) or
   * never (child_sa_down). */
  bool inbound_only;
} OspChildSa;

typedef struct {
  /* Send one IKE datagram.  natt: to the gateway's port 4500 with the
   * non-ESP marker prepended by the I/O layer; else to port 500. */
  void (*send)(gpointer user, const uint8_t *data, size_t len, bool natt);
  /* Progress: CONNECTING, AUTHENTICATING, CONFIGURING. */
  void (*progress)(gpointer user, OspState state);
  void (*secrets_needed)(gpointer user, const OspSecretRequest *req);
  /* Mode Config done: the IP configuration (owned by the session). */
  void (*ip_config)(gpointer user, const OspIpConfig *cfg);
  /* A new IPsec SA pair is ready (initial or rekey).  The callee copies
   * what it needs; keys are wiped after the call. */
  void (*child_sa_up)(gpointer user, const OspChildSa *sa);
  /* An IPsec SA pair is gone (expired after rekey, or deleted by the gateway). */
  void (*child_sa_down)(gpointer user, uint32_t spi_in);
  /* The IKE SA reaches its soft lifetime, or the gateway deleted it while
   * the IPsec SAs live on: time to authenticate a new one (a session with
   * params.reauth) while this one keeps carrying traffic.  Optional. */
  void (*ike_expiring)(gpointer user);
  /* A session with params.reauth is authenticated and configured: the
   * caller moves the IPsec SAs of the session it replaces over
   * (osp_session_adopt_children) and deletes that one. */
  void (*reauthenticated)(gpointer user);
  /* The session ended: error is NULL after a clean osp_session_delete(). */
  void (*closed)(gpointer user, const GError *error);
  /* A request went unanswered and is sent again, or the next DH group is
   * tried: @text says so, for the user watching (translated).  Optional. */
  void (*retrying)(gpointer user, const char *text);
  /* Cisco load balancing: the gateway sends this client to another
   * gateway (an IPv4 unicast address) before the tunnel is up; closed()
   * follows with OSP_ERROR_GATEWAY_REJECTED.  Optional: without it the
   * notify is ignored. */
  void (*redirected)(gpointer user, struct in_addr to);
  /* The first IPsec SAs are up (IPv4, and IPv6 when the gateway granted
   * it): the tunnel can carry traffic.  Not for params.reauth (see
   * reauthenticated).  Optional: without it, the first child_sa_up is it. */
  void (*established)(gpointer user);
  /* Something the user should know that is no failure (translated), e.g.
   * why there is no IPv6 inside the tunnel.  Optional. */
  void (*notice)(gpointer user, const char *text);
} OspSessionOps;

/* Parameters the I/O layer knows and the protocol needs. */
typedef struct {
  OspAddr local;      /* our address and IKE port as bound */
  OspAddr peer;       /* the gateway (IPv4 or IPv6), port 500 */
  uint16_t natt_port; /* our local NAT-T port (host order) */
  int dh_group_hint;  /* a group that worked before with this profile, 0 = none */
  bool reauth;        /* replaces a live IKE SA: no INITIAL-CONTACT */
} OspSessionParams;

/* The profile is copied.  Secrets missing from it are asked for through
 * secrets_needed. */
OspSession *osp_session_new(const OspProfile *profile, const OspSessionParams *params,
                            const OspSessionOps *ops, gpointer user);
void osp_session_free(OspSession *s);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(OspSession, osp_session_free)

/* Starts phase 1 (may first ask for the group secret). */
void osp_session_start(OspSession *s, gint64 now_us);
/* A datagram from the gateway (without the non-ESP marker). */
void osp_session_input(OspSession *s, const uint8_t *data, size_t len, gint64 now_us);
/* The I/O layer reports ICMP unreachable / ECONNREFUSED from the gateway. */
void osp_session_peer_unreachable(OspSession *s, gint64 now_us, int err);
/* Deadline of the next timer (monotonic µs), G_MAXINT64 if none. */
gint64 osp_session_next_deadline(const OspSession *s);
void osp_session_timeout(OspSession *s, gint64 now_us);
/* Inbound ESP traffic seen (resets DPD idleness). */
void osp_session_traffic_seen(OspSession *s, gint64 now_us);
/* Outbound ESP traffic sent: when nothing comes back for a few seconds the
 * gateway is asked at once whether it lives (RFC 3706 section 5.5: worry
 * only when traffic flows one way).  True when the deadline moved. */
bool osp_session_traffic_sent(OspSession *s, gint64 now_us);
/* An inbound ESP SA has carried this many kilobytes (for lifetime in kB). */
void osp_session_child_bytes(OspSession *s, uint32_t spi_in, uint64_t bytes, gint64 now_us);
/* The outbound sequence numbers of this SA pair near 2^32 (RFC 4303
 * 3.3.3: they never cycle): a new SA now. */
void osp_session_child_exhausted(OspSession *s, uint32_t spi_in, gint64 now_us);
/* The first authentic ESP came in on this SA pair: the gateway has it, and
 * the pairs it replaced can go. */
void osp_session_child_carried(OspSession *s, uint32_t spi_in, gint64 now_us);

void osp_session_provide_secrets(OspSession *s, guint request_id,
                                 const char *const values[OSP_SECRET_N_KINDS], gint64 now_us);
void osp_session_cancel_secrets(OspSession *s, guint request_id, gint64 now_us);

/* Sends Delete for the IPsec SAs and the IKE SA, then closes (closed with
 * NULL error).  Synchronous: the datagrams are sent before it returns. */
void osp_session_delete(OspSession *s);

bool osp_session_natt_active(const OspSession *s);
/* Takes over the IPsec SAs of from (rekeying them when their time comes);
 * from keeps none, so deleting it sends only the IKE SA's Delete. */
void osp_session_adopt_children(OspSession *s, OspSession *from);
int osp_session_dh_group(const OspSession *s); /* group phase 1 succeeded with, 0 before */
/* Phase 1's cipher and hash by name and the end of its lifetime (monotonic
 * µs); false before phase 1 is done. */
bool osp_session_ike_info(const OspSession *s, const char **ret_cipher, const char **ret_hash,
                          gint64 *ret_expires);
/* How phase 1 authenticated, from the method the gateway chose. */
typedef struct {
  OspAuthMode mode;
  bool xauth;            /* XAUTH authenticates the user after phase 1 */
  const char *signature; /* "RSA", "ECDSA-256" ... (static); NULL with the group secret */
  OspExchMode exchange;
} OspSessionIkeAuth;
/* false before phase 1 is done */
bool osp_session_ike_auth(const OspSession *s, OspSessionIkeAuth *ret);

G_END_DECLS
