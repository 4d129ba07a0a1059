/* SPDX-License-Identifier: GPL-2.0-or-later
 * Osprey — cryptographic primitives for IKEv1 over OpenSSL 3 EVP.
 *
 * All functions return 0 or a negative errno (-EINVAL bad argument or
 * unsupported algorithm, -EIO OpenSSL failure, -ENOMEM).  Outputs through
 * ret_ parameters are left untouched on failure. */
#pragma once

#include "osp-common.h"

G_BEGIN_DECLS

/* IKE phase-1 hash numbers (RFC 2409 appendix A); also used for the PRF
 * (HMAC-<hash>) since IKEv1 without a PRF attribute uses HMAC of the hash. */
typedef enum {
  OSP_HASH_MD5 = 1,
  OSP_HASH_SHA1 = 2,
  OSP_HASH_SHA256 = 4,
  OSP_HASH_SHA384 = 5,
  OSP_HASH_SHA512 = 6,
} OspHash;

/* IKE phase-1 cipher numbers (RFC 2409 appendix A). */
typedef enum {
  OSP_CIPHER_DES = 1,
  OSP_CIPHER_3DES = 5,
  OSP_CIPHER_AES_CBC = 7,
} OspCipher;

size_t osp_hash_len(OspHash h);       /* 0 if unknown */
const char *osp_hash_name(OspHash h); /* "SHA2-256" ... */
/* block size of the cipher (8 or 16), 0 if unknown */
size_t osp_cipher_block_len(OspCipher c);
/* key length in bytes; for AES the caller's key_bits picks 128/192/256;
 * returns 0 when the combination is invalid */
size_t osp_cipher_key_len(OspCipher c, unsigned key_bits);
const char *osp_cipher_name(OspCipher c, unsigned key_bits); /* "AES-256" */

int osp_random(void *buf, size_t len);

/* out = hash(parts...), osp_hash_len(h) bytes */
int osp_hash(OspHash h, const OspSlice *parts, size_t n_parts, uint8_t *out);
/* out = HMAC-hash(key, parts...), osp_hash_len(h) bytes */
int osp_prf(OspHash h, const uint8_t *key, size_t key_len, const OspSlice *parts, size_t n_parts,
            uint8_t *out);

/* CBC without padding: len must be a multiple of the block size.  iv is
 * block-size long and is NOT updated; in and out may be the same buffer. */
int osp_cbc_encrypt(OspCipher c, const uint8_t *key, size_t key_len, const uint8_t *iv,
                    const uint8_t *in, size_t len, uint8_t *out);
int osp_cbc_decrypt(OspCipher c, const uint8_t *key, size_t key_len, const uint8_t *iv,
                    const uint8_t *in, size_t len, uint8_t *out);

/* Diffie-Hellman: MODP groups 1, 2, 5, 14, 15, 16, 17, 18 (RFC 2409, 3526)
 * and ECP groups 19, 20, 21 (RFC 5903: public value is x|y, each coordinate
 * left-padded to the field size; shared secret is the x coordinate only). */
typedef struct OspDh OspDh;
bool osp_dh_group_supported(int group);
/* MODP groups below 2048 bits (1, 2, 5): within reach of precomputation
 * (Logjam); used only when the profile asks for them. */
bool osp_dh_group_weak(int group);
size_t osp_dh_public_len(int group);      /* bytes of the KE payload data; 0 if unsupported */
const char *osp_dh_group_name(int group); /* "MODP-2048", "ECP-256" */
int osp_dh_new(int group, OspDh **ret);   /* generates the key pair */
void osp_dh_free(OspDh *dh);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(OspDh, osp_dh_free)
/* the public value, exactly osp_dh_public_len() bytes, left-padded with zeros */
const uint8_t *osp_dh_public(const OspDh *dh, size_t *ret_len);
/* g^xy, left-padded to the group size (prime length for MODP, coordinate
 * length for ECP).  Rejects peer values of the wrong length, 0, 1, p-1 and
 * points not on the curve with -EBADMSG. */
int osp_dh_compute(OspDh *dh, const uint8_t *peer, size_t peer_len, OspSecret **ret_shared);

/* ---- RFC 2409 key derivation ------------------------------------------- */

/* SKEYID = prf(pre-shared-key, Ni_b | Nr_b)  (section 5, PSK auth) */
int osp_skeyid_psk(OspHash h, const uint8_t *psk, size_t psk_len, OspSlice ni, OspSlice nr,
                   OspSecret **ret_skeyid);

/* SKEYID_d = prf(SKEYID, g^xy | CKY-I | CKY-R | 0)
 * SKEYID_a = prf(SKEYID, SKEYID_d | g^xy | CKY-I | CKY-R | 1)
 * SKEYID_e = prf(SKEYID, SKEYID_a | g^xy | CKY-I | CKY-R | 2) */
int osp_skeyid_derive(OspHash h, const OspSecret *skeyid, const OspSecret *gxy,
                      const uint8_t cky_i[8], const uint8_t cky_r[8], OspSecret **ret_d,
                      OspSecret **ret_a, OspSecret **ret_e);

/* Appendix B: the phase-1 encryption key of key_len bytes from SKEYID_e.
 * If SKEYID_e is long enough, its first key_len bytes; otherwise
 * K1 = prf(SKEYID_e, 0x00), Kn = prf(SKEYID_e, Kn-1), K = K1 | K2 | ... */
int osp_ike_enc_key(OspHash h, const OspSecret *skeyid_e, size_t key_len, OspSecret **ret_key);

/* Phase-1 IV = hash(g^xi | g^xr), first block_len bytes (section 5, appendix B) */
int osp_ike_phase1_iv(OspHash h, OspSlice gxi, OspSlice gxr, size_t block_len, uint8_t *out);
/* IV of a phase-2/informational/transaction exchange:
 * hash(last phase-1 CBC block | M-ID), first block_len bytes */
int osp_ike_phase2_iv(OspHash h, const uint8_t *last_block, size_t block_len, uint32_t msgid,
                      uint8_t *out);

/* Quick mode KEYMAT (section 5.5), need_len bytes:
 * K1 = prf(SKEYID_d, [g(qm)^xy |] protocol | SPI | Ni_b | Nr_b)
 * Kn = prf(SKEYID_d, Kn-1 | [g(qm)^xy |] protocol | SPI | Ni_b | Nr_b)
 * gqm may be NULL (no PFS).  spi is the 4-byte SPI in network order. */
int osp_keymat(OspHash h, const OspSecret *skeyid_d, const OspSecret *gqm, uint8_t protocol,
               const uint8_t spi[4], OspSlice ni, OspSlice nr, size_t need_len,
               OspSecret **ret_keymat);

G_END_DECLS
