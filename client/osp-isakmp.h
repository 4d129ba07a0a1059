/* SPDX-License-Identifier: GPL-2.0-or-later
 * Osprey — ISAKMP wire format (RFC 2408) with IKEv1 (RFC 2409), IPsec DOI
 * (RFC 2407), XAUTH/Mode Config attribute, NAT-T and Cisco extensions.
 *
 * Parsing never copies: parsed structures point into the caller's buffer,
 * which must outlive them.  Every length and count the peer controls is
 * checked; a parse function returns 0 or -EBADMSG and, on failure, sets
 * *ret_reason (if not NULL) to a static English string saying what was wrong
 * ("payload length 3 below header size", ...). */
#pragma once

#include "osp-common.h"

G_BEGIN_DECLS

#define OSP_ISAKMP_HDR_LEN 28
#define OSP_ISAKMP_GEN_HDR_LEN 4
#define OSP_ISAKMP_VERSION 0x10
#define OSP_ISAKMP_MAX_PAYLOADS 64

enum { /* payload types */
       OSP_PL_NONE = 0,
       OSP_PL_SA = 1,
       OSP_PL_PROPOSAL = 2,
       OSP_PL_TRANSFORM = 3,
       OSP_PL_KE = 4,
       OSP_PL_ID = 5,
       OSP_PL_CERT = 6,
       OSP_PL_CR = 7,
       OSP_PL_HASH = 8,
       OSP_PL_SIG = 9,
       OSP_PL_NONCE = 10,
       OSP_PL_NOTIFY = 11,
       OSP_PL_DELETE = 12,
       OSP_PL_VID = 13,
       OSP_PL_ATTR = 14,
       OSP_PL_NAT_D = 20,
       OSP_PL_NAT_OA = 21,
       OSP_PL_NAT_D_DRAFT = 130,
       OSP_PL_NAT_OA_DRAFT = 131,
       OSP_PL_CISCO_FRAG = 132,
};

enum { /* exchange types */
       OSP_EXCH_MAIN = 2,
       OSP_EXCH_AGGRESSIVE = 4,
       OSP_EXCH_INFO = 5,
       OSP_EXCH_TRANSACTION = 6,
       OSP_EXCH_QUICK = 32,
};

enum { /* header flags */
       OSP_FLAG_ENC = 1,
       OSP_FLAG_COMMIT = 2,
       OSP_FLAG_AUTH_ONLY = 4,
};

enum { /* protocol IDs */
       OSP_PROTO_ISAKMP = 1,
       OSP_PROTO_IPSEC_AH = 2,
       OSP_PROTO_IPSEC_ESP = 3,
};

enum { /* ID types (RFC 2407 4.6.2.1) */
       OSP_ID_IPV4_ADDR = 1,
       OSP_ID_FQDN = 2,
       OSP_ID_USER_FQDN = 3,
       OSP_ID_IPV4_ADDR_SUBNET = 4,
       OSP_ID_IPV6_ADDR = 5,
       OSP_ID_IPV6_ADDR_SUBNET = 6,
       OSP_ID_IPV4_ADDR_RANGE = 7,
       OSP_ID_DER_ASN1_DN = 9,
       OSP_ID_KEY_ID = 11,
};

enum { /* notify message types: errors (RFC 2408 3.14.1) and status */
       OSP_N_INVALID_PAYLOAD_TYPE = 1,
       OSP_N_DOI_NOT_SUPPORTED = 2,
       OSP_N_SITUATION_NOT_SUPPORTED = 3,
       OSP_N_INVALID_COOKIE = 4,
       OSP_N_INVALID_MAJOR_VERSION = 5,
       OSP_N_INVALID_MINOR_VERSION = 6,
       OSP_N_INVALID_EXCHANGE_TYPE = 7,
       OSP_N_INVALID_FLAGS = 8,
       OSP_N_INVALID_MESSAGE_ID = 9,
       OSP_N_INVALID_PROTOCOL_ID = 10,
       OSP_N_INVALID_SPI = 11,
       OSP_N_INVALID_TRANSFORM_ID = 12,
       OSP_N_ATTRIBUTES_NOT_SUPPORTED = 13,
       OSP_N_NO_PROPOSAL_CHOSEN = 14,
       OSP_N_BAD_PROPOSAL_SYNTAX = 15,
       OSP_N_PAYLOAD_MALFORMED = 16,
       OSP_N_INVALID_KEY_INFORMATION = 17,
       OSP_N_INVALID_ID_INFORMATION = 18,
       OSP_N_INVALID_CERT_ENCODING = 19,
       OSP_N_INVALID_CERTIFICATE = 20,
       OSP_N_CERT_TYPE_UNSUPPORTED = 21,
       OSP_N_INVALID_CERT_AUTHORITY = 22,
       OSP_N_INVALID_HASH_INFORMATION = 23,
       OSP_N_AUTHENTICATION_FAILED = 24,
       OSP_N_INVALID_SIGNATURE = 25,
       OSP_N_ADDRESS_NOTIFICATION = 26,
       OSP_N_NOTIFY_SA_LIFETIME = 27,
       OSP_N_CERTIFICATE_UNAVAILABLE = 28,
       OSP_N_UNSUPPORTED_EXCHANGE_TYPE = 29,
       OSP_N_UNEQUAL_PAYLOAD_LENGTHS = 30,
       OSP_N_CONNECTED = 16384,
       OSP_N_RESPONDER_LIFETIME = 24576,
       OSP_N_REPLAY_STATUS = 24577,
       OSP_N_INITIAL_CONTACT = 24578,
       OSP_N_DPD_R_U_THERE = 36136,
       OSP_N_DPD_R_U_THERE_ACK = 36137,
       OSP_N_CISCO_LOAD_BALANCE = 40501,
};

/* Human-readable name of a notify type, e.g. "NO-PROPOSAL-CHOSEN";
 * "notify 12345" style (in a static thread-local buffer) for unknown ones. */
const char *osp_notify_name(uint16_t type);

typedef struct {
  uint8_t icookie[8];
  uint8_t rcookie[8];
  uint8_t next_payload;
  uint8_t version;
  uint8_t exchange;
  uint8_t flags;
  uint32_t msgid;
  uint32_t length;
} OspIsakmpHdr;

/* Parses the fixed header; checks version major 1, length >= 28 and
 * length <= len (trailing bytes beyond header length are allowed and ignored). */
int osp_isakmp_hdr_parse(const uint8_t *buf, size_t len, OspIsakmpHdr *ret,
                         const char **ret_reason);

/* One payload of a chain: type and its body without the 4-byte generic header. */
typedef struct {
  uint8_t type;
  const uint8_t *body;
  size_t len;
} OspPayload;

/* Walks a chain starting with payload type `first` over buf[0..len):
 * checks every payload length (>= 4, within buf), the reserved byte is
 * ignored, stops at next-payload 0.  More than `max` payloads: -EBADMSG.
 * Trailing bytes after the last payload (CBC padding) are allowed. */
int osp_payloads_parse(uint8_t first, const uint8_t *buf, size_t len, OspPayload *ret, size_t max,
                       size_t *ret_n, const char **ret_reason);
/* first payload of that type, or NULL */
const OspPayload *osp_payload_find(const OspPayload *pl, size_t n, uint8_t type);

/* ---- data attributes (RFC 2408 3.3) ----------------------------------- */
typedef struct {
  uint16_t type;       /* without the AF bit */
  bool basic;          /* AF bit set: value in `value` */
  uint16_t value;      /* basic value */
  const uint8_t *data; /* variable: data and len (basic: points at 2-byte value) */
  size_t len;
} OspAttr;

/* Iterator: *p and *left advance past one attribute.  Returns 1 when an
 * attribute was read, 0 at the end (left == 0, or 1-3 zero bytes of
 * padding left: they are consumed), -EBADMSG when truncated. */
int osp_attr_next(const uint8_t **p, size_t *left, OspAttr *ret, const char **ret_reason);
/* variable attribute value as an unsigned integer (1..4 bytes, or basic);
 * -EBADMSG if longer than 4 bytes or empty */
int osp_attr_uint(const OspAttr *a, uint32_t *ret);

/* ---- SA / proposal / transform (RFC 2408 3.4-3.6, RFC 2407 4.6.1) -------- */
#define OSP_MAX_PROPOSALS 32
#define OSP_MAX_TRANSFORMS 64

typedef struct {
  uint8_t num;
  uint8_t id;
  const uint8_t *attrs; /* attribute bytes */
  size_t attrs_len;
} OspTransform;

typedef struct {
  uint8_t num;
  uint8_t protocol;
  uint8_t spi_size;
  const uint8_t *spi;
  size_t n_transforms;
  OspTransform transforms[OSP_MAX_TRANSFORMS];
} OspProposal;

typedef struct {
  uint32_t doi;
  uint32_t situation;
  size_t n_proposals;
  OspProposal proposals[OSP_MAX_PROPOSALS];
} OspSa;

/* Parses an SA payload body (DOI 1, situation SIT_IDENTITY_ONLY) with its
 * proposal and transform payloads; checks counts against what is present.
 * OspSa is large: allocate it (g_new0) or keep it static in tests. */
int osp_sa_parse(const uint8_t *body, size_t len, OspSa *ret, const char **ret_reason);

/* ---- other payload bodies --------------------------------------------- */
typedef struct {
  uint8_t type; /* ID type */
  uint8_t protocol;
  uint16_t port;
  const uint8_t *data;
  size_t len;
} OspId;
int osp_id_parse(const uint8_t *body, size_t len, OspId *ret, const char **ret_reason);

typedef struct {
  uint32_t doi;
  uint8_t protocol;
  uint8_t spi_size;
  uint16_t type;
  const uint8_t *spi;
  const uint8_t *data;
  size_t data_len;
} OspNotify;
int osp_notify_parse(const uint8_t *body, size_t len, OspNotify *ret, const char **ret_reason);

typedef struct {
  uint32_t doi;
  uint8_t protocol;
  uint8_t spi_size;
  uint16_t n_spis;
  const uint8_t *spis; /* n_spis * spi_size bytes */
} OspDelete;
int osp_delete_parse(const uint8_t *body, size_t len, OspDelete *ret, const char **ret_reason);

/* Attribute payload (XAUTH / Mode Config, draft-dukes 3.2) */
enum { OSP_CFG_REQUEST = 1, OSP_CFG_REPLY = 2, OSP_CFG_SET = 3, OSP_CFG_ACK = 4 };

/* Attribute numbers, one list for the exchanges and the test gateways.
 * Phase-1 attribute classes (RFC 2409 appendix A) and authentication
 * methods (plus XAUTH's, draft-beaulieu-ike-xauth-02 appendix A). */
enum {
  A_ENC = 1,
  A_HASH = 2,
  A_AUTH = 3,
  A_GROUP = 4,
  A_LIFE_TYPE = 11,
  A_LIFE_DUR = 12,
  A_KEY_LEN = 14
};
enum {
  AUTH_PSK = 1,
  AUTH_RSA_SIG = 3,
  AUTH_ECDSA_256 = 9, /* RFC 4754: P-256 with SHA-256 */
  AUTH_ECDSA_384 = 10,
  AUTH_ECDSA_521 = 11,
  AUTH_HYBRID_INIT_RSA = 64221,
  AUTH_XAUTH_INIT_PSK = 65001,
  AUTH_XAUTH_INIT_RSA = 65005
};
/* IPsec DOI attributes (RFC 2407 4.5) and encapsulation modes (RFC 3947 5.1) */
enum { Q_LIFE_TYPE = 1, Q_LIFE_DUR = 2, Q_GROUP = 3, Q_ENCAP = 4, Q_AUTH = 5, Q_KEY_LEN = 6 };
enum { ENCAP_TUNNEL = 1, ENCAP_UDP_TUNNEL = 3, ENCAP_UDP_TUNNEL_DRAFT = 61443 };
/* XAUTH attributes (draft-beaulieu-ike-xauth-02 6.1) */
enum {
  X_TYPE = 16520,
  X_USER_NAME = 16521,
  X_USER_PASSWORD = 16522,
  X_PASSCODE = 16523,
  X_MESSAGE = 16524,
  X_CHALLENGE = 16525,
  X_DOMAIN = 16526,
  X_STATUS = 16527,
  X_NEXT_PIN = 16528,
  X_ANSWER = 16529,
};
/* Mode Config attributes (draft-dukes-ike-mode-cfg-02 3.2) and Cisco
 * Unity's */
enum {
  C_IP4_ADDRESS = 1,
  C_IP4_NETMASK = 2,
  C_IP4_DNS = 3,
  C_IP4_NBNS = 4,
  C_ADDRESS_EXPIRY = 5,
  C_APPLICATION_VERSION = 7,
  C_IP6_ADDRESS = 8,
  C_IP6_NETMASK = 9,
  C_IP6_DNS = 10,
  C_IP6_SUBNET = 15,
  U_BANNER = 28672,
  U_SAVE_PASSWD = 28673,
  U_DEF_DOMAIN = 28674,
  U_SPLIT_DNS = 28675,
  U_SPLIT_INCLUDE = 28676,
  U_NATT_PORT = 28677,
  U_SPLIT_EXCLUDE = 28678,
  U_PFS = 28679,
  U_FW_TYPE = 28680,
  U_BACKUP_SERVERS = 28681,
  U_DDNS_HOSTNAME = 28682,
};
typedef struct {
  uint8_t type;
  uint16_t identifier;
  const uint8_t *attrs; /* iterate with osp_attr_next */
  size_t attrs_len;
} OspCfg;
int osp_cfg_parse(const uint8_t *body, size_t len, OspCfg *ret, const char **ret_reason);

/* ---- building --------------------------------------------------------- */

/* A message under construction: header first, then payloads chained
 * automatically (each payload's type is written into the previous
 * payload's next-payload field, or the header's for the first). */
typedef struct {
  GByteArray *buf;
  size_t np_offset; /* where the next "next payload" byte goes */
  size_t open;      /* offset of the open payload's generic header; 0 = none */
} OspMsg;

/* Starts a message; hdr->next_payload and hdr->length are filled in later. */
void osp_msg_init(OspMsg *m, const OspIsakmpHdr *hdr);
void osp_msg_clear(OspMsg *m);
/* Opens a payload of `type`; body bytes are then appended to m->buf
 * directly (or with the osp_put_* helpers); osp_msg_end_payload() writes the
 * length.  Payloads cannot nest except through the SA helpers below. */
void osp_msg_begin_payload(OspMsg *m, uint8_t type);
void osp_msg_end_payload(OspMsg *m);
/* begin + append body + end */
void osp_msg_add_payload(OspMsg *m, uint8_t type, const void *body, size_t len);
/* Writes the total length into the header; returns the buffer (still owned by m). */
GByteArray *osp_msg_finish(OspMsg *m);

void osp_put_attr_basic(GByteArray *b, uint16_t type, uint16_t value);
void osp_put_attr_var(GByteArray *b, uint16_t type, const void *data, size_t len);
/* Chooses basic when value fits 16 bits, else a 4-byte variable attribute
 * (life durations). */
void osp_put_attr_uint(GByteArray *b, uint16_t type, uint32_t value);

/* SA payload body building.  Usage:
 *   size_t sa = osp_sa_begin(b, doi=1, situation=1)   (appends DOI+situation)
 *   size_t p = osp_proposal_begin(b, num, protocol, spi, spi_size)
 *   size_t t = osp_transform_begin(b, num, id)
 *   osp_put_attr_basic(b, ...) ...
 *   osp_transform_end(b, t, last)     (writes length and next=0/3)
 *   osp_proposal_end(b, p, n_transforms, last)  (writes length, count and next=0/2)
 * Offsets are into b.  The SA payload's generic header is opened/closed with
 * osp_msg_begin_payload()/osp_msg_end_payload() around this. */
void osp_sa_begin(GByteArray *b, uint32_t doi, uint32_t situation);
size_t osp_proposal_begin(GByteArray *b, uint8_t num, uint8_t protocol, const uint8_t *spi,
                          uint8_t spi_size);
void osp_proposal_end(GByteArray *b, size_t off, uint8_t n_transforms, bool last);
size_t osp_transform_begin(GByteArray *b, uint8_t num, uint8_t id);
void osp_transform_end(GByteArray *b, size_t off, bool last);

/* ID body: type, protocol, port, data */
void osp_put_id(GByteArray *b, uint8_t type, uint8_t protocol, uint16_t port, const void *data,
                size_t len);
/* Notify body (DOI 1) */
void osp_put_notify(GByteArray *b, uint8_t protocol, uint16_t type, const void *spi,
                    uint8_t spi_size, const void *data, size_t data_len);
/* Delete body (DOI 1) with one SPI */
void osp_put_delete(GByteArray *b, uint8_t protocol, const void *spi, uint8_t spi_size);
/* Attribute payload header: type, reserved, identifier (attributes follow) */
void osp_put_cfg_hdr(GByteArray *b, uint8_t type, uint16_t identifier);

G_END_DECLS
