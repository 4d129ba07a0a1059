/* SPDX-License-Identifier: GPL-2.0-or-later
 * Osprey — ESP (RFC 4303) in userspace: per-SA encrypt/decrypt in place,
 * sequence numbers, anti-replay window.  This is the hot path: no
 * allocation per packet, OpenSSL contexts created once per SA. */
#pragma once

#include "osp-common.h"

#include <netinet/in.h>

G_BEGIN_DECLS

/* IPsec DOI transform IDs (RFC 2407 4.4.4, RFC 4106) */
typedef enum {
  OSP_ESP_DES = 2,
  OSP_ESP_3DES = 3,
  OSP_ESP_NULL = 11,
  OSP_ESP_AES_CBC = 12,
  OSP_ESP_AES_GCM_16 = 20,
} OspEspEnc;

/* IPsec DOI authentication algorithms (RFC 2407 4.5, RFC 4868) */
typedef enum {
  OSP_ESP_AUTH_NONE = 0,
  OSP_ESP_AUTH_HMAC_MD5 = 1,
  OSP_ESP_AUTH_HMAC_SHA1 = 2,
  OSP_ESP_AUTH_HMAC_SHA256 = 5,
  OSP_ESP_AUTH_HMAC_SHA384 = 6,
  OSP_ESP_AUTH_HMAC_SHA512 = 7,
} OspEspAuth;

/* Key bytes the SA needs for enc (key_bits for AES: 128/192/256; GCM adds
 * the 4-byte salt) and auth (HMAC key = hash output length).  0 = invalid. */
size_t osp_esp_enc_key_len(OspEspEnc enc, unsigned key_bits);
size_t osp_esp_auth_key_len(OspEspAuth auth);
/* ICV bytes: 12 for MD5/SHA1, half the hash for SHA2 (RFC 4868), 16 GCM */
size_t osp_esp_icv_len(OspEspEnc enc, OspEspAuth auth);
const char *osp_esp_enc_name(OspEspEnc enc, unsigned key_bits);
const char *osp_esp_auth_name(OspEspAuth auth);
/* What protects the SA's integrity, for people: "AEAD" for AES-GCM (its
 * ICV is the cipher's own tag), else osp_esp_auth_name(auth). */
const char *osp_esp_integrity_name(OspEspEnc enc, OspEspAuth auth);

/* Largest ESP overhead (header, IV, padding, trailer, ICV) for an SA with
 * these algorithms; the tunnel MTU is the path MTU minus this and the outer
 * IP/UDP headers. */
size_t osp_esp_max_overhead(OspEspEnc enc, OspEspAuth auth);

/* ---- anti-replay (RFC 4303 3.4.3, appendix A2) ------------------------- */
#define OSP_REPLAY_WINDOW 1024
typedef struct {
  uint32_t top;                            /* highest sequence number accepted */
  uint64_t bitmap[OSP_REPLAY_WINDOW / 64]; /* bit i = top - i seen */
} OspReplay;

void osp_replay_init(OspReplay *r);
/* true if seq may be accepted (not 0, not seen, not left of the window).
 * Does not change state: call before the ICV check. */
bool osp_replay_check(const OspReplay *r, uint32_t seq);
/* records seq as seen; call after the ICV check succeeded */
void osp_replay_update(OspReplay *r, uint32_t seq);

/* ---- SA --------------------------------------------------------------- */
typedef struct OspEspSa OspEspSa;

/* spi in host order.  enc_key: osp_esp_enc_key_len() bytes (GCM: key|salt).
 * Returns 0 or -EINVAL (bad algorithm/key length), -EIO. */
int osp_esp_sa_new(uint32_t spi, OspEspEnc enc, unsigned key_bits, const uint8_t *enc_key,
                   size_t enc_key_len, OspEspAuth auth, const uint8_t *auth_key,
                   size_t auth_key_len, OspEspSa **ret);
void osp_esp_sa_free(OspEspSa *sa);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(OspEspSa, osp_esp_sa_free)
uint32_t osp_esp_sa_spi(const OspEspSa *sa);

typedef struct {
  uint64_t packets;
  uint64_t bytes; /* inner payload bytes */
  uint64_t auth_failures;
  uint64_t replay_drops;
  uint64_t policy_drops; /* authentic, but not a packet for us (osp_esp_input) */
} OspEspStats;
/* The counters, for the thread that works the SA */
const OspEspStats *osp_esp_sa_stats(const OspEspSa *sa);
/* A copy of them, safe from any thread (each counter read atomically) */
void osp_esp_sa_get_stats(const OspEspSa *sa, OspEspStats *ret);

/* Headroom and tailroom a caller must leave around an inner packet for
 * in-place encryption. */
#define OSP_ESP_HEADROOM 64
#define OSP_ESP_TAILROOM 128

/* Outbound: `pkt` points at the inner packet of `len` bytes, with at least
 * OSP_ESP_HEADROOM bytes writable before it and OSP_ESP_TAILROOM after.
 * Writes SPI | seq | IV before it, padding | pad length | next header after,
 * encrypts, appends the ICV.  *ret_esp / *ret_len give the ESP packet.
 * -EOVERFLOW when the sequence number would wrap (rekey first). */
int osp_esp_encrypt(OspEspSa *sa, uint8_t *pkt, size_t len, uint8_t next_header, uint8_t **ret_esp,
                    size_t *ret_len);
/* Outbound sequence numbers from which the SA must be replaced: 2^24
 * packets before they run out, seconds of traffic at any rate a rekey
 * needs to complete. */
#define OSP_ESP_SEQ_REKEY (UINT32_MAX - (1u << 24) + 1)
/* true once the SA sent packet OSP_ESP_SEQ_REKEY (safe from any thread) */
bool osp_esp_sa_seq_exhausted(const OspEspSa *sa);

/* Inbound: `esp` is the ESP packet (from the SPI on).  Checks replay, the
 * ICV (constant time), decrypts in place, checks and strips padding.
 * *ret_pkt / *ret_len give the inner packet (inside `esp`).
 * -EBADMSG malformed/too short, -EACCES ICV mismatch, -EALREADY replayed. */
int osp_esp_decrypt(OspEspSa *sa, uint8_t *esp, size_t len, uint8_t **ret_pkt, size_t *ret_len,
                    uint8_t *ret_next_header);

/* What an inbound SA may deliver to us (RFC 4301 5.2: the inner packet
 * must match the SA's selectors; our side of them is our inner address). */
typedef struct {
  struct in_addr addr4;         /* our Mode Config address */
  const struct in6_addr *addr6; /* our IPv6 address; NULL = none, IPv6 is dropped */
} OspEspPolicy;

/* Inbound as the datapath does it: osp_esp_decrypt(), then the inner
 * packet is checked before it may reach the TUN device: IPv4 (next header
 * 4) or IPv6 (41), a sane header (version, header length, total length
 * within what was decrypted) and addressed to us.  *ret_len is the inner
 * packet's own length (TFC padding after it, RFC 4303 2.7, is cut off);
 * 0 for a dummy packet (next header 59, RFC 4303 2.6): nothing to deliver.
 * Errors as osp_esp_decrypt(), and, counted in policy_drops:
 * -EPROTONOSUPPORT neither IPv4 nor IPv6, -EPROTO a broken inner header,
 * -EADDRNOTAVAIL not addressed to us.  The packet authenticated in all
 * three cases (the gateway lives). */
int osp_esp_input(OspEspSa *sa, uint8_t *esp, size_t len, const OspEspPolicy *policy,
                  uint8_t **ret_pkt, size_t *ret_len);

/* SPI of an ESP packet (host order), 0 if too short */
uint32_t osp_esp_packet_spi(const uint8_t *esp, size_t len);

/* ---- TUN device ------------------------------------------------------- */
/* Opens /dev/net/tun as an IFF_TUN|IFF_NO_PI device (with IFF_VNET_HDR
 * unless the kernel refuses it: see osp-tun-offload.h) named like `name`
 * (a template such as "tun%d" or an exact name; NULL = "tun%d"), sets
 * O_NONBLOCK and CLOEXEC.  Returns the fd or a negative errno; *ret_name is
 * the kernel's name for it. */
int osp_tun_open(const char *name, char **ret_name);

G_END_DECLS
