/* SPDX-License-Identifier: GPL-2.0-or-later
 * Osprey tests — a scripted IKEv1 gateway (responder) and a rig that
 * connects it to a real OspSession, all in one process, without sockets.
 *
 * The gateway is built from client/'s own codec (osp-isakmp) and crypto
 * (osp-crypto) and is sans-I/O: datagrams go in with osp_test_gw_input(),
 * its answers queue up in gw->out.  It answers, as a responder:
 *
 *   I --- SA KE Ni IDii ------------------> R   aggressive mode (PSK)
 *   I <-- SA KE Nr IDir HASH_R VIDs ------- R   OSP_TEST_GW_AM2
 *   I --- HASH_I --------------------------> R
 *         (hybrid, with sign_key: I <-- SA KE Nr IDir CERT... SIG_R ---- R)
 *   or main mode with certificates on both sides (with sign_key):
 *   I --- SA --> R, I <-- SA -- R (MM2), I --- KE Ni CR --> R,
 *   I <-- KE Nr -- R (MM4), I --- IDii CERT SIG_I --> R (checked against
 *   the client's certificate), I <-- IDir CERT SIG_R -- R (MM6)
 *   I <-- HASH ATTR(REQUEST user, pw) ----- R   OSP_TEST_GW_XAUTH_REQUEST
 *   I --- HASH ATTR(REPLY user, pw) ------> R
 *   I <-- HASH ATTR(SET status) ----------- R   OSP_TEST_GW_XAUTH_STATUS
 *   I --- HASH ATTR(ACK status) ----------> R
 *   I --- HASH ATTR(REQUEST address...) --> R   Mode Config pull (Cisco)
 *   I <-- HASH ATTR(REPLY address...) ----- R   OSP_TEST_GW_CFG_REPLY
 *         (or, with cfg_push: I <-- HASH ATTR(SET) -- R, OSP_TEST_GW_CFG_SET)
 *   I --- HASH(1) SA Ni [KE] IDci IDcr ---> R   quick mode
 *   I <-- HASH(2) SA Nr [KE] IDci IDcr ---- R   OSP_TEST_GW_QM2
 *   I --- HASH(3) -------------------------> R
 *
 * plus informational exchanges (DPD answered, Delete and notifies
 * recorded), NAT-T (natt, nat) and, on request, messages of its own:
 * notifies, Deletes, transactions, a rekey (osp_test_gw_rekey).  Every
 * message it sends passes through the edit hook first, as a list of
 * payloads: a test can change or add payloads and attributes, append
 * padding, corrupt the hash, send a damaged twin first, send it in the
 * clear or drop it.  A retransmitted request gets the same answer again.
 * What the client sent is checked (hashes, cookies) and recorded for
 * assertions; a datagram that fails a check counts in rejected.
 *
 * The rig (OspTestRig) owns a session and a gateway, queues the datagrams
 * in both directions and keeps a fake clock: a test moves each datagram
 * itself (deliver, drop, duplicate, reorder, replay) or runs the exchange
 * to the end.  Failures in the gateway or the rig are test failures
 * (g_assert), so a helper never returns an error. */
#pragma once

#include "osp-crypto.h"
#include "osp-isakmp.h"
#include "osp-session.h"

#include <openssl/evp.h>

G_BEGIN_DECLS

/* ---- the gateway ------------------------------------------------------ */

/* Which message the gateway is about to send (OspTestGwMsg.step). */
typedef enum {
  OSP_TEST_GW_AM2,       /* aggressive mode message 2 (clear) */
  OSP_TEST_GW_P1_NOTIFY, /* refusal of message 1: notify in the clear */
  OSP_TEST_GW_XAUTH_REQUEST,
  OSP_TEST_GW_XAUTH_STATUS, /* SET with STATUS */
  OSP_TEST_GW_CFG_REPLY,    /* answer to the client's Mode Config REQUEST */
  OSP_TEST_GW_CFG_SET,      /* Mode Config push */
  OSP_TEST_GW_QM2,
  OSP_TEST_GW_INFO,        /* informational: DPD answers, osp_test_gw_info() */
  OSP_TEST_GW_TRANSACTION, /* osp_test_gw_transaction() */
  OSP_TEST_GW_QM1,         /* osp_test_gw_rekey(): quick mode message 1 */
  OSP_TEST_GW_QM3,         /* ... and message 3 (keep_hash: HASH(3) already in) */
  OSP_TEST_GW_MM2,         /* main mode (certificates, with sign_key): SA, VIDs */
  OSP_TEST_GW_MM4,         /* KE, Nr, [NAT-D] */
  OSP_TEST_GW_MM6,         /* encrypted IDir, CERT..., SIG_R (corrupt_hash: a bad SIG_R),
                              or IDir, HASH_R (corrupt_hash: a bad HASH_R) */
} OspTestGwStep;

typedef struct {
  uint8_t type;
  GByteArray *body; /* without the generic header */
} OspTestGwPayload;

/* A message under construction.  The edit hook may change every field;
 * the gateway then computes the HASH payload (first payload of encrypted
 * exchanges, HASH_R in message 2) over the final payloads, applies
 * corrupt_hash, appends trailer and encrypts. */
typedef struct {
  OspTestGwStep step;
  uint8_t exchange;
  uint8_t flags; /* OSP_FLAG_ENC set: encrypted (all but message 2 and notifies in the clear) */
  uint32_t msgid;
  GPtrArray *payloads; /* OspTestGwPayload *, in order */
  GByteArray *trailer; /* bytes after the last payload, inside the encryption */
  bool corrupt_hash;   /* flip a bit of the computed hash */
  bool decoy_first;    /* first a copy with a corrupted hash (same IV): a damaged or forged twin */
  bool keep_hash;      /* send the HASH payload as edited, not computed */
  bool drop;           /* not sent (the gateway's state moves on as if it was) */
} OspTestGwMsg;

typedef struct OspTestGw OspTestGw;
typedef void (*OspTestGwEdit)(OspTestGw *gw, OspTestGwMsg *m, gpointer user);

/* payload access for edit hooks: first payload of type (NULL if none); add appends */
OspTestGwPayload *osp_test_gw_msg_find(OspTestGwMsg *m, uint8_t type);
void osp_test_gw_msg_add(OspTestGwMsg *m, uint8_t type, const void *body, size_t len);

/* An IPsec SA pair the gateway completed (after HASH(3)). */
typedef struct {
  uint32_t spi_client; /* the client's inbound SPI: the gateway sends with it */
  uint32_t spi_gw;     /* the gateway's inbound SPI: the client sends with it */
  OspEspEnc enc;
  unsigned key_bits;
  OspEspAuth auth;
  OspSecret *keys_to_client; /* enc key | auth key of spi_client (KEYMAT, RFC 2409 5.5) */
  OspSecret *keys_to_gw;     /* enc key | auth key of spi_gw */
  int pfs_group;
} OspTestGwChild;

/* An ESP transform the client offered in quick mode (in its order). */
typedef struct {
  int enc, auth;
  unsigned key_bits;
  int encap; /* encapsulation mode (RFC 2407 4.5, RFC 3947 5.1) */
} OspTestGwQmOffer;

/* A phase-1 transform the client offered (in its order). */
typedef struct {
  int cipher, hash, auth, group;
  unsigned key_bits;
  uint32_t life_s;
} OspTestGwP1Offer;

struct OspTestGw {
  /* ---- configuration (defaults from osp_test_gw_new, change before use) */
  char *group_id;            /* IDii the gateway accepts ("osprey-lab"); NULL = any */
  char *group_secret;        /* the PSK ("secret") */
  char *username, *password; /* XAUTH credentials accepted ("alice", "pw") */
  bool xauth;                /* run XAUTH when the chosen auth is XAUTHInitPreShared (true) */
  GByteArray *xauth_attrs;   /* attributes of the XAUTH REQUEST: TYPE, USER_NAME, USER_PASSWORD */
  bool cfg_push;             /* send Mode Config SET after XAUTH instead of answering a REQUEST */
  /* Mode Config attributes: 198.18.1.10/32, DNS 198.51.100.53, banner,
   * domain and split DNS corp.example, split include 198.51.100.0/24 */
  GByteArray *cfg_attrs;
  int p1_groups[8];  /* DH groups accepted, 0-terminated; empty = any supported */
  int p1_ciphers[8]; /* IKE ciphers accepted (OspCipher), 0-terminated; empty = any */
  int p1_hashes[8];  /* IKE hashes accepted (OspHash); empty = any */
  int p1_auths[8];   /* auth methods accepted (1 PSK, 65001 XAUTHInitPreShared); empty = any */
  /* hybrid authentication (HybridInitRSA 64221) when set: message 2 carries
   * a CERT payload per certs entry (GBytes, DER) and SIG_R, the RSA
   * signature of HASH_R by sign_key; both owned, NULL by default */
  EVP_PKEY *sign_key;
  GPtrArray *certs;
  /* Cisco IKE fragmentation: when set and the client announced it, message
   * 2 goes as fragments (osp-frag.h) of at most frag_size bytes, and its
   * vendor ID is in message 2; 0 by default */
  size_t frag_size;
  uint32_t p1_lifetime;               /* life in message 2's SA; 0 = the client's */
  bool vid_xauth, vid_dpd, vid_unity; /* vendor IDs in message 2 (all true) */
  bool answer_dpd;                    /* R-U-THERE answered (true) */
  int natt; /* NAT-T in message 2: 0 none (false), 2 RFC 3947, 1 draft-02 (payload 130) */
  bool nat; /* with natt: its NAT-D shows a NAT in between, so the client floats to 4500 */
  /* the addresses its NAT-D hashes: the client's as seen (NULL: 192.0.2.2,
   * behind the NAT 203.0.113.2), its own (NULL: 192.0.2.1); IPv6 too */
  const char *natd_client, *natd_self;
  uint32_t qm_spi;    /* the gateway's SPI in quick mode message 2; 0 = random >= 256 */
  uint32_t qm_life_s; /* RESPONDER-LIFETIME (seconds) in message 2; 0 = none */
  int p1_pick;        /* the offer message 2 takes (modulo their number); -1 the first fit */
  bool fixed;         /* fixed responder cookie and nonce (osp_test_gw_fixed_keys sets it) */
  OspTestGwEdit edit; /* called on every message before it is sent; may be NULL */
  gpointer edit_user;

  /* ---- output */
  GQueue out;      /* GByteArray * for the client, oldest first (the rig takes them) */
  GPtrArray *sent; /* every datagram sent, in order (for replays) */

  /* ---- what happened (read by tests) */
  unsigned n_am1;                    /* message 1s answered (new attempts, not retransmissions) */
  GArray *p1_offers;                 /* OspTestGwP1Offer of the last message 1 */
  GArray *qm_offers;                 /* OspTestGwQmOffer of the last quick mode message 1 */
  int p1_auth;                       /* auth method chosen, 0 before */
  bool frag_offered;                 /* message 1 had the fragmentation vendor ID */
  bool client_sig_ok;                /* main mode: SIG_I verified with the client's CERT */
  unsigned client_certs;             /* main mode: CERT payloads in message 5 */
  GByteArray *client_id;             /* main mode: the body of the client's ID (message 5) */
  bool p1_done;                      /* HASH_I checked */
  char *xauth_user, *xauth_password; /* from the client's REPLY */
  GByteArray *xauth_reply;           /* attributes of the client's last XAUTH REPLY */
  GByteArray *cfg_request;           /* attributes of the client's last Mode Config REQUEST */
  bool xauth_done;                   /* the client ACKed a STATUS */
  bool cfg_done;                     /* Mode Config answered or ACKed */
  GPtrArray *children;               /* OspTestGwChild *, completed quick modes */
  GArray *notifies;                  /* uint16_t notify types the client sent (authenticated) */
  unsigned ike_deletes;              /* Deletes of this IKE SA received */
  GArray *esp_deletes;               /* uint32_t SPIs of ESP Deletes received */
  unsigned dpd_acks;                 /* R-U-THERE-ACKs received */
  unsigned rejected;                 /* client datagrams dropped (bad hash, undecryptable, ...) */
  char *reject_reason;               /* why the last one was dropped */

  /* ---- keys of the current IKE SA (for fuzzers and forged messages) */
  uint8_t icookie[8], rcookie[8];
  OspHash hash;
  OspCipher cipher;
  unsigned key_bits;
  size_t block_len;
  OspSecret *skeyid, *skeyid_d, *skeyid_a, *skeyid_e, *enc_key;
  uint32_t xauth_msgid, cfg_msgid; /* exchanges in progress, 0 none */

  /* internal */
  gpointer priv;
};

OspTestGw *osp_test_gw_new(void);
void osp_test_gw_free(OspTestGw *gw);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(OspTestGw, osp_test_gw_free)

/* A datagram from the client (without the non-ESP marker). */
void osp_test_gw_input(OspTestGw *gw, const uint8_t *data, size_t len);

/* Messages the gateway starts.  encrypted false: in the clear, with the
 * cookies of the current attempt (zero responder cookie before message 2).
 * payload_type and body: one payload (Notify, Delete, ...). */
void osp_test_gw_info(OspTestGw *gw, uint8_t payload_type, const void *body, size_t len,
                      bool encrypted);
/* a notify with protocol ISAKMP and the cookies as SPI (no data) */
void osp_test_gw_notify(OspTestGw *gw, uint16_t type, bool encrypted);
void osp_test_gw_delete_ike(OspTestGw *gw);
/* Encrypted informationals about an IPsec SA, by the SPI the gateway sends
 * to (the session's spi_out): its Delete, a notify (INVALID-SPI). */
void osp_test_gw_delete_esp(OspTestGw *gw, uint32_t spi);
void osp_test_gw_notify_esp(OspTestGw *gw, uint16_t type, uint32_t spi);
/* an encrypted Transaction exchange (new message ID): HASH, ATTR(cfg_type,
 * identifier, attrs) */
void osp_test_gw_transaction(OspTestGw *gw, uint8_t cfg_type, const GByteArray *attrs);
/* A quick mode of the gateway's own (it rekeys), offering the transform
 * (and PFS group) of the client's last quick mode, with the IDs swapped:
 *   I <--- HASH(1) SA Ni [KE] IDci IDcr --- R
 *   I --- HASH(2) SA Nr [KE] IDci IDcr ---> R
 *   I <--- HASH(3) --- R
 * the completed pair joins children. */
void osp_test_gw_rekey(OspTestGw *gw);
/* how many notifies of type the client sent (in notifies) */
unsigned osp_test_gw_count_notifies(const OspTestGw *gw, uint16_t type);
/* queues the index-th datagram sent again (negative: from the end, -1 the last) */
void osp_test_gw_resend(OspTestGw *gw, int index);

/* Encrypts raw payloads (first_payload chained in plain) as a datagram of
 * this IKE SA with the IV of msgid (0: phase 1), advancing it; no HASH is
 * computed: the bytes go as given (for fuzzers). */
GByteArray *osp_test_gw_seal(OspTestGw *gw, uint8_t exchange, uint32_t msgid, uint8_t first_payload,
                             const uint8_t *plain, size_t len);

/* Phase 1 as done without a message, for fuzzers: fixed cookies
 * (1c..., c00c1e5e...), SKEYID, SKEYID_d/a/e (bytes 01, 02, 03, 04), CBC
 * key (05) and phase-1 IV (06), and the algorithms given; fixed set. */
void osp_test_gw_fixed_keys(OspTestGw *gw, OspHash hash, OspCipher cipher, unsigned key_bits);
/* The CBC IV the gateway has for msgid (0: phase 1), block_len bytes, and
 * a way to set it (to the one its peer expects). */
const uint8_t *osp_test_gw_iv(OspTestGw *gw, uint32_t msgid);
void osp_test_gw_set_iv(OspTestGw *gw, uint32_t msgid, const uint8_t *iv);

/* ---- the rig: gateway + session + fake clock --------------------------- */

/* The profile the gateway's defaults accept: gateway 192.0.2.1, group
 * "osprey-lab"/"secret", user "alice"/"pw", vendor Cisco (Mode Config pull). */
OspProfile *osp_test_profile(void);

typedef struct {
  OspSession *session;
  OspTestGw *gw;
  gint64 now;   /* fake monotonic clock, µs; starts at 1 s */
  GQueue to_gw; /* GByteArray * the client sent, not delivered yet */

  /* what the session reported */
  OspState progress; /* last progress() */
  bool closed;
  GError *error;      /* closed with an error, NULL for a clean close */
  OspIpConfig *ipcfg; /* copy of the last ip_config(), NULL before */
  unsigned n_child_up, n_child_down;
  unsigned n_child_inbound; /* child_sa_up of inbound_only pairs (not in n_child_up) */
  unsigned n_natt_sent;     /* datagrams the client sent to port 4500 (NAT-T) */
  OspChildSa last_child;    /* without keys */
  unsigned n_secrets_needed;
  unsigned n_ike_expiring;    /* ike_expiring(): the IKE SA needs replacing */
  unsigned n_reauthenticated; /* reauthenticated(): a params.reauth session is up */
  unsigned n_redirected;      /* redirected(): LOAD-BALANCE followed */
  struct in_addr redirected_to;
  unsigned n_established;        /* established(): the first IPsec SAs are up */
  char *last_notice;             /* the last notice() text, NULL none */
  OspSecretRequest last_request; /* message points to last_request_message */
  char *last_request_message;
  GByteArray *moved; /* internal: the last datagram c2g/g2c moved */
} OspTestRig;

/* The session parameters the rig uses by default: us 192.0.2.2:500, the
 * gateway 192.0.2.1:500, NAT-T port 4500, no DH hint, not a reauth. */
void osp_test_rig_default_params(OspSessionParams *ret);
/* profile NULL = osp_test_profile(), params NULL = the defaults; both
 * copied.  The session starts at once (message 1 is queued to_gw). */
OspTestRig *osp_test_rig_new(const OspProfile *profile, const OspSessionParams *params);
void osp_test_rig_free(OspTestRig *r);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(OspTestRig, osp_test_rig_free)

/* osp_test_rig_new(profile, NULL) whose gateway's messages pass through
 * edit (with user as its user data). */
OspTestRig *osp_test_rig_new_edited(const OspProfile *profile, OspTestGwEdit edit, gpointer user);
/* osp_test_rig_new(profile, NULL), then osp_test_rig_connect(). */
OspTestRig *osp_test_rig_connected(const OspProfile *profile);

/* Oldest client datagram: handed to the gateway (returned, owned by the
 * rig until the next call), or taken out without delivering it (the caller
 * owns it: drop, keep for a replay, reorder).  Both assert there is one. */
const GByteArray *osp_test_rig_c2g(OspTestRig *r);
GByteArray *osp_test_rig_take_c2g(OspTestRig *r);
/* The same for the gateway's datagrams, delivered to the session. */
const GByteArray *osp_test_rig_g2c(OspTestRig *r);
GByteArray *osp_test_rig_take_g2c(OspTestRig *r);
/* Delivers a datagram of the test's choosing to the session / the gateway. */
void osp_test_rig_to_client(OspTestRig *r, const GByteArray *pkt);
void osp_test_rig_to_gw(OspTestRig *r, const GByteArray *pkt);
/* Delivers both ways until nothing is queued (at the current time). */
void osp_test_rig_run(OspTestRig *r);
/* Moves the clock by us, firing the session's timers due on the way. */
void osp_test_rig_advance(OspTestRig *r, gint64 us);
/* Runs the exchange, advancing the clock while nothing is queued, until the
 * session is connected or closed, or max_us have passed.  True if connected. */
bool osp_test_rig_settle(OspTestRig *r, gint64 max_us);
/* osp_test_rig_settle() asserting the tunnel came up with its first SA. */
void osp_test_rig_connect(OspTestRig *r);
/* Asserts the session closed with OSP_ERROR code, its message containing
 * part (unless NULL). */
void osp_test_rig_assert_closed(const OspTestRig *r, int code, const char *part);
/* osp_test_rig_settle() for at most max_us asserting the tunnel did not come
 * up and the session closed as osp_test_rig_assert_closed() says. */
void osp_test_rig_assert_fails(OspTestRig *r, gint64 max_us, int code, const char *part);
/* Phase 1 is up and the session says it authenticated so (signature NULL:
 * none, the group secret). */
void osp_test_rig_assert_auth(const OspTestRig *r, OspAuthMode mode, bool xauth,
                              const char *signature, OspExchMode exchange);

G_END_DECLS
