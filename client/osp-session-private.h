/* SPDX-License-Identifier: GPL-2.0-or-later
 * Osprey — session internals shared by the per-exchange files
 * (osp-phase1.c, osp-xauth.c, osp-quick.c, osp-info.c). */
#pragma once

#include "osp-crypto.h"
#include "osp-error.h"
#include "osp-ike-sa.h"
#include "osp-isakmp.h"
#include "osp-session.h"

/* States are named after the last message sent or the event awaited. */
typedef enum {
  S_IDLE,
  S_WANT_GROUP_SECRET,   /* asked for the group secret before phase 1 */
  S_AM1_SENT,            /* aggressive mode message 1 sent */
  S_XAUTH_WAIT,          /* phase 1 done, waiting for the XAUTH REQUEST */
  S_XAUTH_SECRETS,       /* asked the user */
  S_XAUTH_REPLIED,       /* REPLY sent, waiting for SET status */
  S_CFG_SENT,            /* Mode Config REQUEST sent (pull) */
  S_QM1_SENT,            /* quick mode message 1 sent */
  S_ESTABLISHED,
  S_CLOSED,
} SessionState;

#define OSP_NONCE_LEN 32
#define OSP_MAX_MSG 65535
#define OSP_MAX_CHILDREN 4
/* tries (1, 2, 4, then every 8 s: 31 s in all) after phase 1: our
 * requests (Mode Config, quick mode) and the waits for the gateway's.  A
 * gateway gives up a half-open IKE SA after about as long (strongSwan: 30 s);
 * after that only starting over helps (OspConnection does, once). */
#define OSP_HANDSHAKE_TRIES 6
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
/* R-U-THEREs about stalled traffic answered in a row before a new IPsec SA */
#define OSP_STALL_ACKS_MAX 2
/* traffic out, nothing back for this long: ask (doubled for each answered
 * question while the traffic stays one-way; see osp_dpd_stall_us) */
#define OSP_DPD_STALL_US (2 * G_USEC_PER_SEC)

/* A sent message that may need retransmitting. */
typedef struct {
  GByteArray *pkt;
  bool natt;
  gint64 next;       /* next retransmission, G_MAXINT64 = none */
  unsigned tries;
  unsigned max_tries;
  gint64 interval;   /* current backoff interval */
} Retransmit;

typedef struct {
  OspChildSa sa;           /* keys wiped once handed out */
  bool live;
  gint64 established;
  gint64 rekey_at;
  gint64 expire_at;
} ChildSlot;

/* Negotiation of one quick mode */
typedef struct {
  bool active;
  uint32_t msgid;
  uint32_t spi_in;
  uint8_t ni[OSP_NONCE_LEN];
  OspDh *dh;               /* PFS */
  int pfs_group;
} QuickMode;

/* A quick mode the gateway started (it rekeys): we answer as responder. */
typedef struct {
  bool active;
  uint32_t msgid;
  uint32_t spi_in, spi_out;
  GByteArray *ni;          /* the gateway's nonce */
  uint8_t nr[OSP_NONCE_LEN];
  OspSecret *gqm;          /* PFS shared secret, NULL without PFS */
  size_t transform;        /* index of the chosen ESP transform */
  uint32_t life_s, life_kb;
  int pfs_group;
  gint64 give_up;          /* forget it when HASH(3) has not come by then */
} PeerQuickMode;

struct OspSession {
  OspProfile *profile;
  OspSessionParams params;
  const OspSessionOps *ops;
  gpointer user;
  SessionState state;
  gint64 now;

  OspIkeSa *ike;             /* never NULL; keys only once phase 1 is authenticated */

  /* phase 1 */
  int groups[12];            /* DH groups to try, in order (osp_phase1_init_groups) */
  size_t n_groups, group_idx;
  bool psk_first;            /* offer plain PSK before XAUTH (the gateway refused XAUTH) */
  int dh_group;              /* group of the current attempt */
  OspDh *dh;
  uint8_t ni[OSP_NONCE_LEN];
  GByteArray *sai_b;         /* our SA payload body (for HASH_I/HASH_R) */
  GByteArray *idii_b;        /* our ID payload body */
  uint32_t ike_lifetime;
  gint64 ike_soft_at;        /* when to re-authenticate (ike_expiring), G_MAXINT64 after */
  gint64 ike_expires_at;     /* end of the negotiated lifetime (for display) */
  bool established_p1;

  /* what the gateway announced */
  bool peer_dpd, peer_unity;
  int natt_draft;            /* 0 none, 1 drafts (payload 130, encap 61443), 2 RFC 3947 */
  bool natt;                 /* floated to 4500 */
  uint8_t natd_type;

  /* XAUTH / Mode Config */
  guint secret_request_id;
  OspSecretRequest pending_req;
  char *req_message;
  uint16_t xauth_id;
  uint32_t xauth_msgid;
  GByteArray *xauth_attrs;   /* attribute types asked for (uint16 each) */
  uint32_t cfg_msgid;
  uint16_t cfg_id;
  OspIpConfig *ipcfg;

  /* quick mode and children */
  QuickMode qm;
  PeerQuickMode pqm;
  ChildSlot children[OSP_MAX_CHILDREN];
  bool qm_pfs_fallback_tried;

  /* DPD */
  uint32_t dpd_seq;
  gint64 last_rx;
  gint64 dpd_sent;           /* when the first unanswered R-U-THERE went out, 0 none */
  gint64 dpd_next;
  bool dpd_suspect;          /* ask at once (see osp_dpd_check_now) */
  bool dpd_for_stall;        /* the R-U-THERE out asks because traffic got no answer */
  unsigned stall_acks;       /* ... and the gateway answered it, in a row */
  unsigned stall_answered;   /* ... the same, until traffic comes back (for the backoff) */
  unsigned dpd_sends;        /* R-U-THEREs unanswered since dpd_sent */
  unsigned dpd_stall_sends;  /* ... of them sent while traffic got no answer */
  bool stall_repaired;       /* a new IPsec SA was tried since traffic last came back */
  gint64 stalled_since;      /* first ESP sent after the last thing received, 0 none */

  Retransmit rt;
  /* What became of the gateway's answers while we wait: datagrams of this
   * session that failed a check are dropped (maybe forged), but a timeout
   * reports them rather than silence.  Cleared when an answer is accepted. */
  char *rejected;            /* the sentence the timeout reports, NULL none */
  int rejected_code;         /* its OspErrorCode */
  uint8_t last_in_digest[20];   /* SHA-1 of the last accepted datagram */
  GByteArray *last_reply;       /* our last answer, resent when its request comes again */
  uint8_t reply_digest[20];     /* SHA-1 of the datagram last_reply answers */
  gint64 reply_sent;
};

/* ---- osp-session.c: shared machinery ---- */
void osp_session_enter(OspSession *s, SessionState next);
/* the session carries traffic: timers of an established session start;
 * a re-authentication reports reauthenticated */
void osp_session_established_now(OspSession *s);
/* reports ike_expiring once */
void osp_session_ike_expiring(OspSession *s);
void osp_session_fail(OspSession *s, int code, const char *fmt, ...) G_GNUC_PRINTF(3, 4);
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

/* ---- per-exchange files ---- */
void osp_phase1_start(OspSession *s);
void osp_phase1_input(OspSession *s, const OspIsakmpHdr *h, const uint8_t *data, size_t len);
void osp_phase1_clear(OspSession *s);
/* fills groups[]: the profile's group, or the automatic walk */
void osp_phase1_init_groups(OspSession *s);
/* no answer to message 1: true if the next DH group was tried instead */
bool osp_phase1_silence(OspSession *s);

/* Vendor IDs of message 1, in the order sent (the NAT-T ones only with
 * NAT-T).  md5_of: the text whose MD5 the first match_len bytes are, NULL
 * when the ID is no digest; a gateway's ID matches on match_len bytes. */
typedef enum {
  OSP_VID_XAUTH, OSP_VID_DPD, OSP_VID_UNITY, OSP_VID_NATT_RFC, OSP_VID_NATT_02, OSP_VID_NATT_02N,
  OSP_VID_NATT_03, OSP_VID_NATT_00, OSP_VID_NATT_01, OSP_VID_N
} OspVendorIdKind;
typedef struct {
  const char *name;
  const char *md5_of;
  size_t len, match_len;
  uint8_t bytes[16];
} OspVendorId;
extern const OspVendorId osp_vendor_ids[OSP_VID_N];

void osp_xauth_input(OspSession *s, const OspIsakmpHdr *h, const OspPayload *pl, size_t n);
void osp_xauth_secrets(OspSession *s, const char *const values[OSP_SECRET_N_KINDS]);
void osp_modecfg_start(OspSession *s);

void osp_quick_start(OspSession *s, bool rekey);
/* next_iv: stored once HASH(2) checks out */
void osp_quick_input(OspSession *s, const OspIsakmpHdr *h, const OspPayload *pl, size_t n,
                     const uint8_t next_iv[16]);
void osp_quick_clear(OspSession *s);
/* a quick mode message with a message ID we did not start */
void osp_quick_peer_input(OspSession *s, const OspIsakmpHdr *h, const OspPayload *pl, size_t n,
                          const uint8_t next_iv[16]);
void osp_quick_peer_clear(OspSession *s);
void osp_child_sa_wipe(OspChildSa *sa);
/* The lifetime to use when the gateway chose `theirs` (0: it chose none)
 * and we proposed `ours` (0: no limit): at most ours, at least the floor
 * (or ours when that is lower); logged when raised.  what: for the log. */
uint32_t osp_gateway_lifetime(uint32_t theirs, uint32_t ours, uint32_t floor, const char *what);

void osp_info_input(OspSession *s, const OspIsakmpHdr *h, const OspPayload *pl, size_t n);
void osp_info_send_notify(OspSession *s, uint8_t protocol, uint16_t type, const uint8_t *spi,
                          uint8_t spi_size, const uint8_t *data, size_t data_len);
void osp_info_send_delete(OspSession *s, uint8_t protocol, const uint8_t *spi, uint8_t spi_size);
void osp_dpd_timer(OspSession *s);
/* how long sent traffic may go unanswered before the gateway is asked */
gint64 osp_dpd_stall_us(const OspSession *s);
void osp_dpd_check_now(OspSession *s);
