/* SPDX-License-Identifier: GPL-2.0-or-later
 * Osprey — the IKE SA: what every exchange after phase 1 shares.
 *
 * Cookies, the negotiated algorithms, SKEYID and its three derivatives,
 * the encryption key, the CBC IVs (one per exchange, RFC 2409 appendix
 * B) and whether NAT traversal is in use.  Phase 1 fills a fresh one and only hands it over once
 * HASH_R checks out; the exchanges after it read it, and move its IVs on. */
#pragma once

#include "osp-addr.h"
#include "osp-crypto.h"
#include "osp-isakmp.h"

#include <netinet/in.h>

G_BEGIN_DECLS

#define OSP_IV_SLOTS 8

/* CBC IV of one exchange, keyed by message ID. */
typedef struct {
  uint32_t msgid;
  bool used;
  uint64_t age; /* when it was made: the oldest goes when all are used */
  uint8_t iv[16];
} OspIvSlot;

typedef struct {
  uint8_t icookie[8], rcookie[8];
  OspHash hash;
  OspCipher cipher;
  unsigned key_bits;
  size_t block_len;
  OspSecret *skeyid, *skeyid_d, *skeyid_a, *skeyid_e, *enc_key; /* NULL before phase 1 */
  uint8_t p1_iv[16];                                            /* last phase-1 CBC block */
  /* NAT traversal as phase 1 agreed it: every message after it travels so */
  int natt_draft;    /* 0 none, 1 drafts (payload 130, encap 61443), 2 RFC 3947 */
  bool natt;         /* floated to 4500 */
  uint8_t natd_type; /* the NAT-D payload type of natt_draft */
  /* a slot exists only for exchanges we started or whose message checked
   * out: a datagram with an unknown message ID takes none */
  OspIvSlot ivs[OSP_IV_SLOTS];
  uint64_t iv_clock;
} OspIkeSa;

OspIkeSa *osp_ike_sa_new(void);
void osp_ike_sa_free(OspIkeSa *sa);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(OspIkeSa, osp_ike_sa_free)

/* SKEYID = prf(pre-shared key, Ni_b | Nr_b), its derivatives, the key and
 * the phase-1 IV (RFC 2409 section 5, appendix B) for the algorithms and
 * cookies already in sa.  gxi, gxr: the public values; gxy: the shared one. */
int osp_ike_sa_derive_psk(OspIkeSa *sa, const uint8_t *psk, size_t psk_len, OspSlice ni,
                          OspSlice nr, const OspSecret *gxy, OspSlice gxi, OspSlice gxr);
/* The same with SKEYID = prf(Ni_b | Nr_b, g^xy), as signatures (and hybrid
 * authentication) have it. */
int osp_ike_sa_derive_sig(OspIkeSa *sa, OspSlice ni, OspSlice nr, const OspSecret *gxy,
                          OspSlice gxi, OspSlice gxr);

void osp_ike_sa_hdr(const OspIkeSa *sa, OspIsakmpHdr *h, uint8_t exchange, uint32_t msgid,
                    bool enc);
/* A random message ID, never 0. */
uint32_t osp_ike_sa_new_msgid(void);

/* Encrypts m (header + payloads) in place with the IV of msgid (phase 1 IV
 * when msgid is 0) and advances that IV.  m->buf is padded first. */
int osp_ike_sa_encrypt(OspIkeSa *sa, OspMsg *m, uint32_t msgid);
/* Copy of the decrypted payload area of an encrypted datagram; advances
 * the IV of its msgid only when commit is called. */
int osp_ike_sa_decrypt(const OspIkeSa *sa, const OspIsakmpHdr *h, const uint8_t *data, size_t len,
                       uint8_t **ret_plain, uint8_t ret_next_iv[16]);
void osp_ike_sa_commit_iv(OspIkeSa *sa, uint32_t msgid, const uint8_t iv[16]);
void osp_ike_sa_forget_iv(OspIkeSa *sa, uint32_t msgid);

/* HASH(1) of informational/transaction/QM: prf(SKEYID_a, M-ID | [prefix |] rest) */
int osp_ike_sa_hash_msgid(const OspIkeSa *sa, uint32_t msgid, const uint8_t *rest, size_t rest_len,
                          const uint8_t *prefix, size_t prefix_len, uint8_t *out);
/* Finishes an encrypted message whose first payload is a zero HASH of
 * osp_hash_len(): computes prf(SKEYID_a, M-ID | [prefix |] payloads after
 * the hash), then encrypts. */
int osp_ike_sa_seal(OspIkeSa *sa, OspMsg *m, uint32_t msgid, const uint8_t *prefix,
                    size_t prefix_len);
/* Checks the HASH payload (first payload) of a decrypted message. */
bool osp_ike_sa_check_hash(const OspIkeSa *sa, uint32_t msgid, const OspPayload *pl, size_t n,
                           const uint8_t *prefix, size_t prefix_len);
/* HASH(3) of quick mode = prf(SKEYID_a, 0 | M-ID | Ni_b | Nr_b) (RFC 2409
 * 5.5); Ni is the nonce of whoever started the exchange. */
int osp_ike_sa_hash3(const OspIkeSa *sa, uint32_t msgid, OspSlice ni, OspSlice nr, uint8_t *out);
/* KEYMAT of one direction of an ESP SA, split into its encryption and
 * authentication keys (RFC 2409 5.5). */
int osp_ike_sa_keymat(const OspIkeSa *sa, const OspSecret *gqm, uint32_t spi, OspSlice ni,
                      OspSlice nr, size_t enc_len, size_t auth_len, OspSecret **ret_enc,
                      OspSecret **ret_auth);
/* NAT-D = hash(CKY-I | CKY-R | IP | port) (RFC 3947 section 3.2): the
 * address as it travels, 4 bytes of IPv4 or 16 of IPv6 */
void osp_ike_sa_natd(const OspIkeSa *sa, const OspAddr *addr, uint8_t *out);

G_END_DECLS
