/* SPDX-License-Identifier: GPL-2.0-or-later
 * Osprey — session internals shared by the per-exchange files.
 *
 * Each exchange (osp-phase1.c, osp-xauth.c, osp-modecfg.c, osp-quick.c,
 * osp-quick-responder.c, osp-info.c, osp-dpd.c) keeps its own state
 * struct, reads the IKE SA and sends through the session's machinery,
 * and reports what became of a message as an OspExchOutcome.  No exchange
 * starts another: osp-session.c decides what comes next (next_step) and
 * performs each state's entry actions (osp_session_enter). */
#pragma once

#include "osp-cert.h"
#include "osp-crypto.h"
#include "osp-error.h"
#include "osp-frag.h"
#include "osp-ike-sa.h"
#include "osp-isakmp.h"
#include "osp-session.h"

/* States are named after the last message sent or the event awaited. */
typedef enum {
  S_IDLE,
  S_WANT_GROUP_SECRET, /* asked for the group secret before phase 1 */
  S_AM1_SENT,          /* aggressive mode message 1 sent */
  S_XAUTH_WAIT,        /* phase 1 done, waiting for the XAUTH REQUEST */
  S_XAUTH_SECRETS,     /* asked the user */
  S_XAUTH_REPLIED,     /* REPLY sent, waiting for SET status */
  S_CFG_SENT,          /* Mode Config REQUEST sent (pull) */
  S_QM1_SENT,          /* quick mode message 1 sent */
  S_ESTABLISHED,
  S_CLOSED,
} SessionState;

#define OSP_NONCE_LEN 32
#define OSP_MAX_MSG 65535
/* the longest text attribute (banner, message) kept */
#define OSP_MAX_TEXT_ATTR 8192
#define OSP_MAX_CHILDREN 6 /* IPv4 and IPv6, each with its rekey's overlap */
/* tries (1, 2, 4, then every 8 s: 31 s in all) after phase 1: our
 * requests (Mode Config, quick mode) and the waits for the gateway's.  A
 * gateway gives up a half-open IKE SA after about as long (strongSwan: 30 s);
 * after that only starting over helps (OspConnection does, once). */
#define OSP_HANDSHAKE_TRIES 6
/* the first IPv6 quick mode, which a gateway may ignore: 1 + 2 s */
#define OSP_IP6_HANDSHAKE_TRIES 2
/* Lower bounds on the lifetimes a gateway chooses (a lifetime of 1 s would
 * be a rekey storm).  At 60 s the rekey starts 6-9 s before the end (85-90%),
 * which leaves a handshake three tries (1 + 2 + 4 s), and costs at most one
 * handshake a minute.  100 MiB: a volume rekey at most every ~0.8 s at
 * 1 Gbit/s (one quick mode round trip each); real gateways use gigabytes.
 * Our own profile's lifetime may be shorter: it is not raised. */
#define OSP_MIN_IKE_LIFETIME_S 60
#define OSP_MIN_IPSEC_LIFETIME_S 60
#define OSP_MIN_IPSEC_LIFETIME_KB (100 * 1024)
/* a copy of a datagram made by the network arrives right after the
 * original; a retransmission (our answer was lost) a second or more later */
#define OSP_DUP_HOLDOFF_US (1 * G_USEC_PER_SEC)
/* R-U-THEREs about stalled traffic answered in a row before a new IPsec SA
 * (doubled for each new SA tried while the traffic stays one-way, up to
 * 2 << OSP_STALL_REPAIR_BACKOFF_MAX: one-way traffic costs a rekey every
 * quarter of an hour, an IPsec SA the gateway never finished is replaced) */
#define OSP_STALL_ACKS_MAX 2u
#define OSP_STALL_REPAIR_BACKOFF_MAX 4u
/* An SA pair replaced by a rekey stays until the new one carried traffic
 * (so the gateway has it), then OSP_REPLACED_LINGER_US for packets in
 * flight; without traffic, OSP_REPLACED_GRACE_US.  A lost quick mode
 * message 3 leaves the gateway without the new SA: it sends message 2
 * again (strongSwan after 4, 11 and 24 s), we answer, and meanwhile its
 * traffic still has the old SA; a Delete of the old one would end that
 * quick mode instead. */
#define OSP_REPLACED_LINGER_US (3 * G_USEC_PER_SEC)
#define OSP_REPLACED_GRACE_US (30 * G_USEC_PER_SEC)
/* traffic out, nothing back for this long: ask (doubled for each answered
 * question while the traffic stays one-way; see osp_dpd_stall_us) */
#define OSP_DPD_STALL_US (2 * G_USEC_PER_SEC)

/* What an exchange reports after a message, an answer to a request for
 * secrets or its start; the session decides what follows. */
typedef enum {
  OSP_EXCH_NEED_MORE,    /* goes on, or the datagram was dropped: nothing to do */
  OSP_EXCH_SENT,         /* answered: waits for the gateway's next message */
  OSP_EXCH_NEED_SECRETS, /* the user must answer (XAUTH: s->xauth says what) */
  OSP_EXCH_DONE,         /* finished */
  OSP_EXCH_FAILED,       /* failed: the session is closed, with the reason */
  OSP_EXCH_RETRY,        /* refused, worth one more try (quick mode with PFS) */
  OSP_EXCH_NEW_CHILD,    /* an IPsec SA is needed: none left, or traffic gets no answer */
  OSP_EXCH_IKE_GONE,     /* the gateway deleted the IKE SA */
} OspExchOutcome;

/* A sent message that may need retransmitting. */
typedef struct {
  GByteArray *pkt;
  bool natt;
  gint64 next; /* next retransmission, G_MAXINT64 = none */
  unsigned tries;
  unsigned max_tries;
  gint64 interval; /* current backoff interval */
} Retransmit;

typedef struct {
  OspChildSa sa; /* keys wiped once handed out */
  bool live;
  gint64 established;
  gint64 rekey_at;
  gint64 expire_at;
  bool replaced; /* a newer pair of its family took over (OSP_REPLACED_*) */
  bool carried;  /* inbound traffic came on it */
} ChildSlot;

/* Phase 1 (osp-phase1.c): the attempts of aggressive mode. */
typedef struct {
  int groups[12]; /* DH groups to try, in order (osp_phase1_init_groups) */
  size_t n_groups, group_idx;
  bool psk_first; /* offer plain PSK before XAUTH (the gateway refused XAUTH) */
  int dh_group;   /* group of the current attempt */
  OspDh *dh;
  uint8_t ni[OSP_NONCE_LEN];
  GByteArray *sai_b;  /* our SA payload body (for HASH_I/HASH_R) */
  GByteArray *idii_b; /* our ID payload body */
  bool xauth;         /* the gateway chose XAUTHInitPreShared: XAUTH follows */
  int auth;           /* the method phase 1 authenticated with (osp_phase1_up) */
  OspCertStore *ca;   /* hybrid, cert: the CAs of the gateway's certificate */
  /* main mode (osp-mainmode.c): certificates on both sides, or PSK */
  OspCertLocal *local; /* our certificate and key */
  int mm_step;         /* the last message sent: 1, 3 or 5 */
  int mm_auth;         /* the method the gateway chose (message 2) */
  GByteArray *mm_ke_r; /* the gateway's KE and nonce (message 4) */
  GByteArray *mm_nr;
} Phase1;

/* The gateway's choice in its SA payload (phase 1). */
typedef struct {
  int cipher, hash, auth, group, life_type;
  unsigned key_bits;
  uint32_t life;
} P1Choice;

/* XAUTH (osp-xauth.c): the gateway's REQUEST being answered. */
typedef struct {
  uint16_t id;
  uint32_t msgid;
  GByteArray *attrs;                       /* attribute types asked for (uint16 each) */
  OspSecretKind kinds[OSP_SECRET_N_KINDS]; /* what the user is asked for */
  size_t n_kinds;
  char *message; /* the gateway's text for the user, NULL none */
  bool retry;    /* asked again: the last answer was refused */
} Xauth;

/* Mode Config (osp-modecfg.c): our REQUEST (pull). */
typedef struct {
  uint32_t msgid;
  uint16_t id;
} ModeCfg;

/* an ESP transform we offer (osp-child.c) */
typedef struct {
  OspEspEnc enc;
  unsigned key_bits;
  OspEspAuth auth;
} EspTransform;

/* Our quick mode (osp-quick.c), named after the last message sent */
typedef enum {
  QM_IDLE,
  QM_MSG1_SENT, /* waiting for message 2 (the first IPsec SA or a rekey) */
} QmState;

/* Negotiation of one quick mode */
typedef struct {
  QmState state;
  uint32_t msgid;
  uint32_t spi_in;
  uint8_t ni[OSP_NONCE_LEN];
  OspDh *dh; /* PFS */
  int pfs_group;
  bool ipv6; /* the IPv6 selectors (our INTERNAL_IP6_ADDRESS) */
} QuickMode;

/* The gateway's quick mode (osp-quick-responder.c) */
typedef enum {
  PQM_IDLE,
  PQM_MSG2_SENT, /* answered its message 1, waiting for HASH(3) */
} PqmState;

/* A quick mode the gateway started (it rekeys): we answer as responder. */
typedef struct {
  PqmState state;
  uint32_t msgid;
  uint32_t spi_in, spi_out;
  GByteArray *ni; /* the gateway's nonce */
  uint8_t nr[OSP_NONCE_LEN];
  OspSecret *gqm;                /* PFS shared secret, NULL without PFS */
  const EspTransform *transform; /* the chosen ESP transform */
  uint32_t life_s, life_kb;
  int pfs_group;
  bool ipv6;         /* its selectors are IPv6 */
  gint64 give_up;    /* forget it when HASH(3) has not come by then */
  bool preinstalled; /* its SA pair takes traffic in already (inbound_only) */
} PeerQuickMode;

/* The IKE SA (s->ike) */
typedef enum {
  IKE_NEGOTIATING, /* phase 1 has authenticated none yet */
  IKE_UP,          /* authenticated: the exchanges after phase 1 run in it */
  IKE_DELETED,     /* the gateway deleted it; its IPsec SAs live on until replaced */
} IkeState;

/* Dead peer detection once established (osp-dpd.c) */
typedef enum {
  DPD_QUIET,        /* nothing asked */
  DPD_SUSPECT,      /* something unauthenticated suggests the gateway lost our SAs: ask now */
  DPD_ASKING,       /* R-U-THERE out: the tunnel was idle, or suspicious */
  DPD_ASKING_STALL, /* R-U-THERE out while traffic waits for an answer: asked every second */
} DpdState;

typedef struct {
  DpdState state;
  uint32_t seq;
  gint64 asked_at;         /* when the first unanswered R-U-THERE went out (DPD_ASKING*) */
  gint64 next;             /* the next question or check, G_MAXINT64 none */
  unsigned sends;          /* R-U-THEREs unanswered since asked_at */
  unsigned stall_sends;    /* ... of them sent while traffic got no answer */
  unsigned stall_acks;     /* questions of DPD_ASKING_STALL the gateway answered, in a row */
  unsigned stall_answered; /* ... the same, until traffic comes back (for the backoff) */
  unsigned stall_repairs;  /* new IPsec SAs tried since traffic last came back */
  gint64 stalled_since;    /* first ESP sent after the last thing received, 0 none */
} Dpd;

struct OspSession {
  OspProfile *profile;
  OspSessionParams params;
  const OspSessionOps *ops;
  gpointer user;
  SessionState state;
  gint64 now;

  OspIkeSa *ike; /* never NULL; keys only once phase 1 is authenticated */

  /* phase 1 and what it negotiated */
  Phase1 p1;
  uint32_t ike_lifetime;
  gint64 ike_soft_at;    /* when to re-authenticate (ike_expiring), G_MAXINT64 after */
  gint64 ike_expires_at; /* end of the negotiated lifetime (for display) */
  IkeState ike_state;

  /* what the gateway announced */
  bool peer_dpd, peer_unity, peer_frag;
  OspFragBuf frag;  /* a fragmented message of the gateway, being reassembled */
  uint16_t frag_id; /* of the last message we sent in fragments */

  /* secrets asked for (the group secret, XAUTH) */
  guint secret_request_id;
  OspSecretRequest pending_req;
  char *req_message;

  Xauth xauth;
  ModeCfg cfg;
  OspIpConfig *ipcfg; /* what Mode Config assigned */

  /* quick mode and children */
  QuickMode qm;
  PeerQuickMode pqm;
  ChildSlot children[OSP_MAX_CHILDREN];
  bool qm_pfs_fallback_tried;
  bool rekey_pending[2]; /* [ipv6]: a new IPsec SA waits for the quick mode in flight */

  Dpd dpd;
  gint64 last_rx; /* when the gateway was last heard (IKE or ESP) */

  Retransmit rt;
  /* What became of the gateway's answers while we wait: datagrams of this
   * session that failed a check are dropped (maybe forged), but a timeout
   * reports them rather than silence.  Cleared when an answer is accepted. */
  char *rejected;             /* the sentence the timeout reports, NULL none */
  int rejected_code;          /* its OspErrorCode */
  uint8_t last_in_digest[20]; /* SHA-1 of the last accepted datagram */
  GByteArray *last_reply;     /* our last answer, resent when its request comes again */
  uint8_t reply_digest[20];   /* SHA-1 of the datagram last_reply answers */
  gint64 reply_sent;
};

/* ---- osp-session.c: shared machinery ---- */
void osp_session_enter(OspSession *s, SessionState next);
/* reports ike_expiring once */
void osp_session_ike_expiring(OspSession *s);
/* IPv6 stays outside the tunnel: why (translated) reaches the user */
void osp_session_no_ip6(OspSession *s, const char *why);
void osp_session_fail(OspSession *s, int code, const char *fmt, ...) G_GNUC_PRINTF(3, 4);
/* Deletes our IPsec SAs and the IKE SA at the gateway (courtesy; no answer). */
void osp_session_send_deletes(OspSession *s);
/* An unauthenticated or failing datagram of this session was dropped:
 * logged, and kept as what a timeout reports (with code).  A
 * bad-group-secret reason is not replaced by a weaker one. */
void osp_session_rejected(OspSession *s, int code, const char *fmt, ...) G_GNUC_PRINTF(3, 4);
/* osp_session_rejected() for a reply after phase 1 that failed a check */
void osp_session_reply_rejected(OspSession *s, const char *why);
/* sends and arms retransmission (max_tries 0 = send once and leave the
 * current retransmission alone); takes the reference */
void osp_session_send(OspSession *s, GByteArray *pkt, unsigned max_tries);
/* retransmits pkt (already sent once) until stopped; takes the reference */
void osp_session_arm_retransmit(OspSession *s, GByteArray *pkt, unsigned max_tries);
void osp_session_send_reply(OspSession *s, GByteArray *pkt);
/* remembers pkt (already sent; takes the reference) as the answer to the
 * datagram being processed */
void osp_session_keep_reply(OspSession *s, GByteArray *pkt);
void osp_session_stop_retransmit(OspSession *s);
/* keeps the deadline of the current retransmission (the session still
 * times out) but sends nothing more; pkt NULL in arm_retransmit does the same */
void osp_session_wait_quietly(OspSession *s);
void osp_session_ask_secrets(OspSession *s, const OspSecretKind *kinds, size_t n,
                             const char *message, bool retry);
int osp_session_error_from_notify(uint16_t type);
/* The profile settings (quoted, joined with "and") that must be enabled
 * to accept 3DES / MD5, or NULL when nothing is missing.  Static string. */
const char *osp_session_weak_settings(const OspProfile *p, bool uses_3des, bool uses_md5);

/* ---- osp-session.c: sending on behalf of the exchanges ---- */
/* HDR*, HASH(1), N or D in a fresh informational exchange (RFC 2408
 * 3.14, 3.15): sent once */
void osp_session_send_notify(OspSession *s, uint8_t protocol, uint16_t type, const uint8_t *spi,
                             uint8_t spi_size, const uint8_t *data, size_t data_len);
void osp_session_send_delete(OspSession *s, uint8_t protocol, const uint8_t *spi, uint8_t spi_size);
/* HDR*, HASH, ATTR(type, id, attrs) on a Transaction exchange: retransmitted
 * until answered when expect_answer, else kept as the answer to the
 * datagram being processed */
void osp_session_send_cfg(OspSession *s, uint32_t msgid, uint8_t type, uint16_t id,
                          const GByteArray *attrs, bool expect_answer);
/* The text of a configuration attribute: bounded, NULs as spaces, valid UTF-8 */
char *osp_session_attr_text(const OspAttr *a);

/* ---- osp-phase1.c: aggressive mode ---- */
/* entry action of S_AM1_SENT, and each new attempt (next DH group, PSK first) */
void osp_phase1_start(OspSession *s);
/* DONE: authenticated (s->p1.xauth says whether XAUTH follows) */
OspExchOutcome osp_phase1_input(OspSession *s, const OspIsakmpHdr *h, const uint8_t *data,
                                size_t len);
void osp_phase1_clear(OspSession *s);
/* fills groups[]: the profile's group, or the automatic walk */
void osp_phase1_init_groups(OspSession *s);
/* no answer to message 1: true if the next DH group was tried instead */
bool osp_phase1_silence(OspSession *s);
/* NAT-T offered and followed: not with natt-mode none, nor cisco-udp
 * (Cisco's own ESP in UDP, IKE stays on port 500) */
bool osp_phase1_natt_wanted(const OspProfile *p);
/* Shared by aggressive and main mode (osp-phase1.c): */
int osp_phase1_parse_choice(const OspSa *sa, P1Choice *c, const char **why);
bool osp_phase1_choice_offered(const OspSession *s, const P1Choice *c);
uint32_t osp_phase1_responder_lifetime(const OspPayload *pl, size_t n, uint32_t chosen);
void osp_phase1_note_vendor_ids(OspSession *s, const OspPayload *pl, size_t n);
bool osp_phase1_detect_nat(OspSession *s, const OspPayload *pl, size_t n);
void osp_phase1_add_natd(OspSession *s, OspMsg *m, bool nat);
void osp_phase1_add_certreqs(OspSession *s, OspMsg *m);
/* an error notify before phase 1 is done (unauthenticated) */
void osp_phase1_notify(OspSession *s, const OspNotify *nt);
/* HASH_I (initiator) or HASH_R of RFC 2409 5 into out */
int osp_phase1_auth_hash(const OspIkeSa *sa, bool initiator, OspSlice gxi, OspSlice gxr,
                         const GByteArray *sai_b, OspSlice id_b, uint8_t *out);
/* The gateway's CERT payloads verified and SIG (its signature of want,
 * HASH_R) checked; false: rejected with the reason */
bool osp_phase1_verify_peer(OspSession *s, const OspIkeSa *sa, const OspPayload *pl, size_t n,
                            const OspPayload *id, const uint8_t *want, const OspPayload *sig);
/* phase 1 authenticated with method auth: the IKE SA is up */
void osp_phase1_up(OspSession *s, int auth);
/* The authentication mode a method of phase 1 (RFC 2409 appendix A, with
 * the XAUTH and hybrid ones) belongs to, and the signature algorithm it
 * names ("RSA", "ECDSA-256" ...; NULL for a pre-shared key). */
OspAuthMode osp_phase1_auth_mode(int auth, const char **ret_signature);

/* ---- osp-mainmode.c: main mode with certificates (IKE Authmode cert) or
 * with the group secret (Exchange mode main) ---- */
static inline bool osp_phase1_is_main(const OspProfile *p)
{
  return p->auth_mode == OSP_AUTH_CERT || p->exchange_mode == OSP_EXCH_MODE_MAIN;
}
/* rejects a HASH_R that the group secret does not give */
void osp_phase1_bad_hash_r(OspSession *s);
/* our ID payload body (ID type and IPSec ID), for PSK */
void osp_phase1_build_id(OspSession *s, GByteArray *b);
/* S_WANT_GROUP_SECRET: asks for the passphrase of our key if it needs one,
 * else goes on to S_AM1_SENT */
void osp_mainmode_unlock(OspSession *s);
bool osp_mainmode_load(OspSession *s);
void osp_mainmode_start(OspSession *s);
OspExchOutcome osp_mainmode_input(OspSession *s, const OspIsakmpHdr *h, const uint8_t *data,
                                  size_t len);
void osp_mainmode_clear(OspSession *s);

/* Vendor IDs of message 1, in the order sent (the NAT-T ones only with
 * NAT-T).  md5_of: the text whose MD5 the first match_len bytes are, NULL
 * when the ID is no digest; a gateway's ID matches on match_len bytes. */
typedef enum {
  OSP_VID_XAUTH,
  OSP_VID_DPD,
  OSP_VID_UNITY,
  OSP_VID_FRAG,
  OSP_VID_NATT_RFC,
  OSP_VID_NATT_02,
  OSP_VID_NATT_02N,
  OSP_VID_NATT_03,
  OSP_VID_NATT_00,
  OSP_VID_NATT_01,
  OSP_VID_N
} OspVendorIdKind;
typedef struct {
  const char *name;
  const char *md5_of;
  size_t len, match_len;
  uint8_t bytes[20];
} OspVendorId;
extern const OspVendorId osp_vendor_ids[OSP_VID_N];

/* ---- osp-xauth.c: XAUTH ---- */
/* the Transaction messages XAUTH answers: REQUEST, SET with STATUS */
bool osp_xauth_owns(const OspCfg *cfg);
/* SENT: REPLY sent; NEED_SECRETS: ask s->xauth.kinds; DONE: accepted and ACKed */
OspExchOutcome osp_xauth_input(OspSession *s, const OspIsakmpHdr *h, const OspCfg *cfg);
OspExchOutcome osp_xauth_secrets(OspSession *s, const char *const values[OSP_SECRET_N_KINDS]);
/* an error notify during XAUTH: FAILED */
OspExchOutcome osp_xauth_refused(OspSession *s, const OspNotify *nt);
void osp_xauth_clear(OspSession *s);

/* ---- osp-modecfg.c: Mode Config ---- */
/* entry action of S_CFG_SENT with a gateway that is asked (pull) */
void osp_modecfg_start(OspSession *s);
/* DONE: s->ipcfg filled and reported */
OspExchOutcome osp_modecfg_input(OspSession *s, const OspIsakmpHdr *h, const OspCfg *cfg);
OspExchOutcome osp_modecfg_refused(OspSession *s, const OspNotify *nt);

/* ---- osp-child.c: the IPsec SAs both quick mode roles make ---- */
/* what a quick mode SA payload chose or offers */
typedef struct {
  int enc, auth, group, encap;
  unsigned key_bits;
  uint32_t life_s, life_kb;
} QmChoice;

/* What a finished quick mode agreed on, from either side. */
typedef struct {
  uint32_t spi_in, spi_out;
  const EspTransform *t;
  uint32_t life_s, life_kb;
  int pfs_group;
  const OspSecret *gqm;
  OspSlice ni, nr;
  bool ipv6;
} QmResult;

/* our ESP transforms, strongest first, those the profile allows */
size_t osp_child_n_transforms(void);
const EspTransform *osp_child_transform(size_t i);
bool osp_child_allowed(const OspProfile *p, const EspTransform *t);
/* the ESP transform of c if we offer it, else NULL */
const EspTransform *osp_child_offered(const OspSession *s, const QmChoice *c);
/* attributes of an ESP transform or a RESPONDER-LIFETIME into c */
void osp_child_parse_attrs(const uint8_t *attrs, size_t len, QmChoice *c);
uint16_t osp_child_encap_mode(const OspSession *s);
/* Derives the keys of the new SA pair, hands it to the I/O layer and
 * schedules its rekey; SAs it replaces stay until it carried traffic. */
int osp_child_install(OspSession *s, const QmResult *q);
/* The same SA pair to the I/O layer for inbound traffic only (the
 * gateway's quick mode before its HASH(3)); not a child of the session
 * until osp_child_install. */
int osp_child_preinstall(OspSession *s, const QmResult *q);
void osp_child_sa_wipe(OspChildSa *sa);
/* The lifetime to use when the gateway chose `theirs` (0: it chose none)
 * and we proposed `ours` (0: no limit): at most ours, at least the floor
 * (or ours when that is lower); logged when raised.  what: for the log. */
uint32_t osp_gateway_lifetime(uint32_t theirs, uint32_t ours, uint32_t floor, const char *what);
bool osp_child_any_live(const OspSession *s);
/* a live IPsec SA pair of that family */
bool osp_child_family_live(const OspSession *s, bool ipv6);

/* ---- osp-quick.c: quick mode, initiator ---- */
/* FAILED when the PFS group is not supported; ipv6: the IPv6 SA pair */
OspExchOutcome osp_quick_start(OspSession *s, bool rekey, bool ipv6);
/* The first IPv6 quick mode was refused or went unanswered (why: the
 * sentence's end, translated): true when the session goes on with IPv4
 * only (IPv6 forgotten and reported), false when it failed (the profile
 * requires IPv6). */
bool osp_quick_give_up_ip6(OspSession *s, const char *why);
/* next_iv: stored once HASH(2) checks out.  DONE: the IPsec SA is up */
OspExchOutcome osp_quick_input(OspSession *s, const OspIsakmpHdr *h, const OspPayload *pl, size_t n,
                               const uint8_t next_iv[16]);
/* an error notify while our quick mode runs: RETRY (with PFS) or FAILED */
OspExchOutcome osp_quick_refused(OspSession *s, const OspNotify *nt);
void osp_quick_clear(OspSession *s);

/* ---- osp-quick-responder.c: quick mode the gateway starts (it rekeys) ---- */
/* DONE: the IPsec SA is up */
OspExchOutcome osp_quick_responder_input(OspSession *s, const OspIsakmpHdr *h, const OspPayload *pl,
                                         size_t n, const uint8_t next_iv[16]);
void osp_quick_responder_clear(OspSession *s);
/* The gateway's quick mode is given up (no HASH(3), a new one, the IKE SA
 * gone): its inbound SA goes too. */
void osp_quick_responder_abandon(OspSession *s);

/* ---- osp-info.c: informational exchanges ---- */
/* the error notifies the exchange in progress judges (osp_*_refused) */
bool osp_info_is_refusal(uint16_t type);
/* the other notifies; NEW_CHILD: the gateway lost our last IPsec SA */
OspExchOutcome osp_info_notify(OspSession *s, const OspNotify *nt);
/* IKE_GONE: the gateway deleted this IKE SA; NEW_CHILD: our last IPsec SA */
OspExchOutcome osp_info_delete(OspSession *s, const OspDelete *d);

/* ---- osp-dpd.c: dead peer detection (RFC 3706) ---- */
void osp_dpd_timer(OspSession *s);
/* R-U-THERE answered; R-U-THERE-ACK: NEW_CHILD when traffic gets no
 * answer although the gateway answers */
OspExchOutcome osp_dpd_input(OspSession *s, const OspNotify *nt);
/* how long sent traffic may go unanswered before the gateway is asked */
gint64 osp_dpd_stall_us(const OspSession *s);
void osp_dpd_check_now(OspSession *s);
/* an R-U-THERE is unanswered */
bool osp_dpd_asking(const OspSession *s);
