/* SPDX-License-Identifier: GPL-2.0-or-later
 * Osprey — cryptographic primitives for IKEv1 over OpenSSL 3 EVP.
 *
 * Algorithms are fetched from the default provider once (algs()) and shared
 * read-only between threads.  Single DES is not in OpenSSL 3's default
 * provider; it is run as DES-EDE3 with K1 = K2 = K3, which is the same
 * function (E_K(D_K(E_K(x))) = E_K(x)) and spares us the legacy provider. */
#include "osp-crypto.h"

#include <errno.h>
#include <limits.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/dh.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/rand.h>

/* ---- algorithm tables --------------------------------------------------- */

typedef struct {
  OspHash id;
  const char *name; /* OpenSSL fetch name, also our display name */
  size_t len;
} HashInfo;

static const HashInfo hash_infos[] = {
  { OSP_HASH_MD5, "MD5", 16 },         { OSP_HASH_SHA1, "SHA1", 20 },
  { OSP_HASH_SHA256, "SHA2-256", 32 }, { OSP_HASH_SHA384, "SHA2-384", 48 },
  { OSP_HASH_SHA512, "SHA2-512", 64 },
};

enum { AES_128, AES_192, AES_256, N_AES };

typedef struct {
  EVP_MAC *hmac;
  EVP_MD *md[G_N_ELEMENTS(hash_infos)];
  EVP_CIPHER *des_ede3; /* 3DES, and single DES with K|K|K */
  EVP_CIPHER *aes[N_AES];
} Algs;

static const Algs *algs(void)
{
  static Algs a;
  static gsize once;

  if (g_once_init_enter(&once)) {
    static const char *const aes_names[N_AES] = { "AES-128-CBC", "AES-192-CBC", "AES-256-CBC" };
    size_t i;

    /* A NULL entry (e.g. MD5 refused by a FIPS-only configuration) makes
     * the functions that need it fail with -EIO; the rest keep working. */
    a.hmac = EVP_MAC_fetch(NULL, OSSL_MAC_NAME_HMAC, NULL);
    for (i = 0; i < G_N_ELEMENTS(hash_infos); i++)
      a.md[i] = EVP_MD_fetch(NULL, hash_infos[i].name, NULL);
    a.des_ede3 = EVP_CIPHER_fetch(NULL, "DES-EDE3-CBC", NULL);
    for (i = 0; i < N_AES; i++)
      a.aes[i] = EVP_CIPHER_fetch(NULL, aes_names[i], NULL);
    ERR_clear_error();
    g_once_init_leave(&once, 1);
  }
  return &a;
}

static int hash_index(OspHash h)
{
  size_t i;

  for (i = 0; i < G_N_ELEMENTS(hash_infos); i++)
    if (hash_infos[i].id == h)
      return (int)i;
  return -1;
}

/* Log the first queued OpenSSL error at debug level, drop the rest. */
static int ossl_fail(const char *what, int r)
{
  unsigned long e = ERR_peek_error();
  char buf[256];

  if (e)
    ERR_error_string_n(e, buf, sizeof(buf));
  else
    g_strlcpy(buf, "no OpenSSL error queued", sizeof(buf));
  g_debug("crypto: %s failed: %s", what, buf);
  ERR_clear_error();
  return r;
}

static bool slices_valid(const OspSlice *parts, size_t n_parts)
{
  size_t i;

  if (n_parts && !parts)
    return false;
  for (i = 0; i < n_parts; i++)
    if (parts[i].len && !parts[i].p)
      return false;
  return true;
}

size_t osp_hash_len(OspHash h)
{
  int i = hash_index(h);

  return i < 0 ? 0 : hash_infos[i].len;
}

const char *osp_hash_name(OspHash h)
{
  int i = hash_index(h);

  return i < 0 ? NULL : hash_infos[i].name;
}

size_t osp_cipher_block_len(OspCipher c)
{
  switch (c) {
  case OSP_CIPHER_DES:
  case OSP_CIPHER_3DES: return 8;
  case OSP_CIPHER_AES_CBC: return 16;
  }
  return 0;
}

size_t osp_cipher_key_len(OspCipher c, unsigned key_bits)
{
  /* RFC 2409 appendix A: DES and 3DES have a fixed key length, so a Key
   * Length attribute (key_bits) is absent or states that length; AES
   * (RFC 3602 section 5.3) needs it. */
  switch (c) {
  case OSP_CIPHER_DES: return key_bits == 0 || key_bits == 64 ? 8 : 0;
  case OSP_CIPHER_3DES: return key_bits == 0 || key_bits == 192 ? 24 : 0;
  case OSP_CIPHER_AES_CBC:
    return key_bits == 128 || key_bits == 192 || key_bits == 256 ? key_bits / 8 : 0;
  }
  return 0;
}

const char *osp_cipher_name(OspCipher c, unsigned key_bits)
{
  if (!osp_cipher_key_len(c, key_bits))
    return NULL;
  switch (c) {
  case OSP_CIPHER_DES: return "DES";
  case OSP_CIPHER_3DES: return "3DES";
  case OSP_CIPHER_AES_CBC:
    return key_bits == 128 ? "AES-128" : key_bits == 192 ? "AES-192" : "AES-256";
  }
  return NULL;
}

int osp_random(void *buf, size_t len)
{
  if (!len)
    return 0;
  if (!buf || len > INT_MAX)
    return -EINVAL;
  if (RAND_bytes(buf, (int)len) != 1)
    return ossl_fail("RAND_bytes", -EIO);
  return 0;
}

/* ---- hash and PRF ------------------------------------------------------- */

int osp_hash(OspHash h, const OspSlice *parts, size_t n_parts, uint8_t *out)
{
  int i = hash_index(h);
  const EVP_MD *md;
  EVP_MD_CTX *ctx;
  uint8_t buf[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  size_t k;
  int r = -EIO;

  if (i < 0 || !out || !slices_valid(parts, n_parts))
    return -EINVAL;
  md = algs()->md[i];
  if (!md)
    return -EIO;
  ctx = EVP_MD_CTX_new();
  if (!ctx)
    return -ENOMEM;
  if (EVP_DigestInit_ex2(ctx, md, NULL) != 1)
    goto fail;
  for (k = 0; k < n_parts; k++)
    if (parts[k].len && EVP_DigestUpdate(ctx, parts[k].p, parts[k].len) != 1)
      goto fail;
  if (EVP_DigestFinal_ex(ctx, buf, &len) != 1 || len != hash_infos[i].len)
    goto fail;
  memcpy(out, buf, len);
  r = 0;
  goto out;
fail:
  r = ossl_fail("digest", -EIO);
out:
  EVP_MD_CTX_free(ctx);
  OPENSSL_cleanse(buf, sizeof(buf));
  return r;
}

int osp_prf(OspHash h, const uint8_t *key, size_t key_len, const OspSlice *parts, size_t n_parts,
            uint8_t *out)
{
  /* EVP_MAC_init() treats a NULL key as "keep the old key"; an empty
   * pre-shared key is still a key. */
  static const uint8_t empty_key[1];
  int i = hash_index(h);
  EVP_MAC *mac;
  EVP_MAC_CTX *ctx;
  OSSL_PARAM params[2];
  uint8_t buf[EVP_MAX_MD_SIZE];
  size_t len = 0;
  size_t k;
  int r = -EIO;

  if (i < 0 || !out || (key_len && !key) || !slices_valid(parts, n_parts))
    return -EINVAL;
  mac = algs()->hmac;
  if (!mac || !algs()->md[i])
    return -EIO;
  ctx = EVP_MAC_CTX_new(mac);
  if (!ctx)
    return -ENOMEM;
  params[0] =
      OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)hash_infos[i].name, 0);
  params[1] = OSSL_PARAM_construct_end();
  if (EVP_MAC_init(ctx, key_len ? key : empty_key, key_len, params) != 1)
    goto fail;
  for (k = 0; k < n_parts; k++)
    if (parts[k].len && EVP_MAC_update(ctx, parts[k].p, parts[k].len) != 1)
      goto fail;
  if (EVP_MAC_final(ctx, buf, &len, sizeof(buf)) != 1 || len != hash_infos[i].len)
    goto fail;
  memcpy(out, buf, len);
  r = 0;
  goto out;
fail:
  r = ossl_fail("HMAC", -EIO);
out:
  EVP_MAC_CTX_free(ctx);
  OPENSSL_cleanse(buf, sizeof(buf));
  return r;
}

/* ---- CBC ---------------------------------------------------------------- */

static int cbc_crypt(OspCipher c, const uint8_t *key, size_t key_len, const uint8_t *iv,
                     const uint8_t *in, size_t len, uint8_t *out, int enc)
{
  const Algs *a = algs();
  const EVP_CIPHER *cipher = NULL;
  size_t block = osp_cipher_block_len(c);
  uint8_t des3[24];
  EVP_CIPHER_CTX *ctx = NULL;
  int outl = 0, finl = 0;
  int r = -EIO;

  if (!block)
    return -EINVAL;
  switch (c) {
  case OSP_CIPHER_DES:
    if (key_len != 8)
      return -EINVAL;
    cipher = a->des_ede3;
    break;
  case OSP_CIPHER_3DES:
    if (key_len != 24)
      return -EINVAL;
    cipher = a->des_ede3;
    break;
  case OSP_CIPHER_AES_CBC:
    if (key_len != 16 && key_len != 24 && key_len != 32)
      return -EINVAL;
    cipher = a->aes[key_len == 16 ? AES_128 : key_len == 24 ? AES_192 : AES_256];
    break;
  }
  if (!key || !iv || len % block || len > INT_MAX || (len && (!in || !out)))
    return -EINVAL;
  if (!len)
    return 0;
  if (!cipher)
    return -EIO;

  if (c == OSP_CIPHER_DES) {
    memcpy(des3, key, 8);
    memcpy(des3 + 8, key, 8);
    memcpy(des3 + 16, key, 8);
    key = des3;
  }
  ctx = EVP_CIPHER_CTX_new();
  if (!ctx) {
    r = -ENOMEM;
    goto out;
  }
  if (EVP_CipherInit_ex2(ctx, cipher, key, iv, enc, NULL) != 1 ||
      EVP_CIPHER_CTX_set_padding(ctx, 0) != 1 ||
      EVP_CipherUpdate(ctx, out, &outl, in, (int)len) != 1 ||
      EVP_CipherFinal_ex(ctx, out + outl, &finl) != 1 || (size_t)outl + (size_t)finl != len) {
    r = ossl_fail(enc ? "CBC encrypt" : "CBC decrypt", -EIO);
    goto out;
  }
  r = 0;
out:
  EVP_CIPHER_CTX_free(ctx);
  OPENSSL_cleanse(des3, sizeof(des3));
  return r;
}

int osp_cbc_encrypt(OspCipher c, const uint8_t *key, size_t key_len, const uint8_t *iv,
                    const uint8_t *in, size_t len, uint8_t *out)
{
  return cbc_crypt(c, key, key_len, iv, in, len, out, 1);
}

int osp_cbc_decrypt(OspCipher c, const uint8_t *key, size_t key_len, const uint8_t *iv,
                    const uint8_t *in, size_t len, uint8_t *out)
{
  return cbc_crypt(c, key, key_len, iv, in, len, out, 0);
}

/* ---- Diffie-Hellman ----------------------------------------------------- */

/* RFC 2409 sections 6.1 and 6.2; generator 2.  OpenSSL has no name for
 * these two, unlike the RFC 3526 groups. */
static const char oakley_768[] = "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74"
                                 "020BBEA63B139B22514A08798E3404DDEF9519B3CD3A431B302B0A6DF25F1437"
                                 "4FE1356D6D51C245E485B576625E7EC6F44C42E9A63A3620FFFFFFFFFFFFFFFF";
static const char oakley_1024[] =
    "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74"
    "020BBEA63B139B22514A08798E3404DDEF9519B3CD3A431B302B0A6DF25F1437"
    "4FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED"
    "EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE65381FFFFFFFFFFFFFFFF";

typedef struct {
  int group;
  const char *name;
  const char *ossl_name; /* OpenSSL group name; NULL: build from prime_hex */
  const char *prime_hex;
  bool ec;
  size_t pub_len; /* KE payload data: prime length, or x|y for ECP */
} DhGroup;

static const DhGroup dh_groups[] = {
  { 1, "MODP-768", NULL, oakley_768, false, 96 },
  { 2, "MODP-1024", NULL, oakley_1024, false, 128 },
  { 5, "MODP-1536", "modp_1536", NULL, false, 192 },
  { 14, "MODP-2048", "modp_2048", NULL, false, 256 },
  { 15, "MODP-3072", "modp_3072", NULL, false, 384 },
  { 16, "MODP-4096", "modp_4096", NULL, false, 512 },
  { 17, "MODP-6144", "modp_6144", NULL, false, 768 },
  { 18, "MODP-8192", "modp_8192", NULL, false, 1024 },
  { 19, "ECP-256", "P-256", NULL, true, 64 },
  { 20, "ECP-384", "P-384", NULL, true, 96 },
  { 21, "ECP-521", "P-521", NULL, true, 132 },
};

#define ECP_MAX_PUB 132 /* P-521: 2 * 66 */

struct OspDh {
  const DhGroup *g;
  EVP_PKEY *pkey;
  uint8_t pub[]; /* g->pub_len bytes */
};

static const DhGroup *dh_group(int group)
{
  size_t i;

  for (i = 0; i < G_N_ELEMENTS(dh_groups); i++)
    if (dh_groups[i].group == group)
      return &dh_groups[i];
  return NULL;
}

static size_t dh_shared_len(const DhGroup *g)
{
  return g->ec ? g->pub_len / 2 : g->pub_len;
}

bool osp_dh_group_supported(int group)
{
  return dh_group(group) != NULL;
}

bool osp_dh_group_weak(int group)
{
  const DhGroup *g = dh_group(group);

  return g && !g->ec && g->pub_len < 256;
}

size_t osp_dh_public_len(int group)
{
  const DhGroup *g = dh_group(group);

  return g ? g->pub_len : 0;
}

const char *osp_dh_group_name(int group)
{
  const DhGroup *g = dh_group(group);

  return g ? g->name : NULL;
}

/* Domain parameters of an Oakley group: p and g only.  OpenSSL 3 refuses
 * to generate keys for (p, q, g) below 2048 bits, so q is left out and
 * modp_check_peer() does the subgroup check itself for these groups. */
static EVP_PKEY *oakley_params(const DhGroup *g)
{
  BIGNUM *p = NULL, *gen = NULL;
  OSSL_PARAM_BLD *bld = NULL;
  OSSL_PARAM *params = NULL;
  EVP_PKEY_CTX *ctx = NULL;
  EVP_PKEY *pkey = NULL;

  if (!BN_hex2bn(&p, g->prime_hex) || !(gen = BN_new()) || !BN_set_word(gen, 2))
    goto out;
  bld = OSSL_PARAM_BLD_new();
  if (!bld || !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_FFC_P, p) ||
      !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_FFC_G, gen))
    goto out;
  params = OSSL_PARAM_BLD_to_param(bld);
  ctx = EVP_PKEY_CTX_new_from_name(NULL, "DH", NULL);
  if (!params || !ctx || EVP_PKEY_fromdata_init(ctx) != 1 ||
      EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_KEY_PARAMETERS, params) != 1)
    pkey = NULL;
out:
  EVP_PKEY_CTX_free(ctx);
  OSSL_PARAM_free(params);
  OSSL_PARAM_BLD_free(bld);
  BN_free(gen);
  BN_free(p);
  return pkey;
}

static EVP_PKEY *dh_generate(const DhGroup *g)
{
  EVP_PKEY *params = NULL, *pkey = NULL;
  EVP_PKEY_CTX *ctx = NULL;
  OSSL_PARAM p[2];

  if (g->prime_hex) {
    params = oakley_params(g);
    if (!params)
      goto out;
    ctx = EVP_PKEY_CTX_new_from_pkey(NULL, params, NULL);
    if (!ctx || EVP_PKEY_keygen_init(ctx) != 1)
      goto out;
  } else {
    ctx = EVP_PKEY_CTX_new_from_name(NULL, g->ec ? "EC" : "DH", NULL);
    p[0] = OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, (char *)g->ossl_name, 0);
    p[1] = OSSL_PARAM_construct_end();
    if (!ctx || EVP_PKEY_keygen_init(ctx) != 1 || EVP_PKEY_CTX_set_params(ctx, p) != 1)
      goto out;
  }
  if (EVP_PKEY_generate(ctx, &pkey) != 1)
    pkey = NULL;
out:
  EVP_PKEY_CTX_free(ctx);
  EVP_PKEY_free(params);
  return pkey;
}

/* Our public value as the KE payload wants it: y left-padded to the prime
 * length (RFC 2409 section 5), or x|y each padded to the field size
 * (RFC 5903 section 7). */
static int dh_export_public(const DhGroup *g, EVP_PKEY *pkey, uint8_t *out)
{
  uint8_t enc[1 + ECP_MAX_PUB];
  size_t enc_len = 0;
  BIGNUM *y = NULL;
  int r = -EIO;

  if (g->ec) {
    /* SEC 1 uncompressed point 0x04 | x | y, coordinates already padded */
    if (EVP_PKEY_get_octet_string_param(pkey, OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, enc, sizeof(enc),
                                        &enc_len) != 1 ||
        enc_len != 1 + g->pub_len || enc[0] != 0x04)
      return -EIO;
    memcpy(out, enc + 1, g->pub_len);
    return 0;
  }
  if (EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_PUB_KEY, &y) == 1 &&
      BN_bn2binpad(y, out, (int)g->pub_len) == (int)g->pub_len)
    r = 0;
  BN_free(y);
  return r;
}

int osp_dh_new(int group, OspDh **ret)
{
  const DhGroup *g = dh_group(group);
  OspDh *dh;
  int r;

  if (!g || !ret)
    return -EINVAL;
  dh = g_malloc0(sizeof(*dh) + g->pub_len);
  dh->g = g;
  dh->pkey = dh_generate(g);
  if (!dh->pkey) {
    osp_dh_free(dh);
    return ossl_fail("DH key generation", -EIO);
  }
  r = dh_export_public(g, dh->pkey, dh->pub);
  if (r < 0) {
    osp_dh_free(dh);
    return ossl_fail("DH public value export", r);
  }
  *ret = dh;
  return 0;
}

void osp_dh_free(OspDh *dh)
{
  if (!dh)
    return;
  EVP_PKEY_free(dh->pkey); /* clears the private key */
  g_free(dh);
}

const uint8_t *osp_dh_public(const OspDh *dh, size_t *ret_len)
{
  if (!dh)
    return NULL;
  if (ret_len)
    *ret_len = dh->g->pub_len;
  return dh->pub;
}

/* RFC 2409 leaves peer validation to us; refuse the values that force a
 * known shared secret: 1 < y < p-1.  For the RFC 3526 groups OpenSSL knows
 * q = (p-1)/2 and also checks y^q = 1 when the peer key is set; for the
 * Oakley groups, whose parameters carry no q, we do that check here.  2 is
 * a quadratic residue modulo these primes (p = 7 mod 8), so every honest
 * g^x passes it. */
static int modp_check_peer(const OspDh *dh, const uint8_t *peer)
{
  BIGNUM *p = NULL, *pm1 = NULL, *y = NULL, *q = NULL, *t = NULL;
  BN_CTX *bctx = NULL;
  int r = -EBADMSG;

  if (EVP_PKEY_get_bn_param(dh->pkey, OSSL_PKEY_PARAM_FFC_P, &p) != 1 || !(pm1 = BN_dup(p)) ||
      !BN_sub_word(pm1, 1) || !(y = BN_bin2bn(peer, (int)dh->g->pub_len, NULL))) {
    r = ossl_fail("DH peer check", -EIO);
    goto out;
  }
  if (BN_cmp(y, BN_value_one()) <= 0 || BN_cmp(y, pm1) >= 0)
    goto out;
  if (dh->g->prime_hex) {
    if (!(bctx = BN_CTX_new()) || !(q = BN_new()) || !(t = BN_new()) || !BN_rshift1(q, pm1) ||
        !BN_mod_exp(t, y, q, p, bctx)) {
      r = ossl_fail("DH peer subgroup check", -EIO);
      goto out;
    }
    if (!BN_is_one(t))
      goto out;
  }
  r = 0;
out:
  BN_free(t);
  BN_free(q);
  BN_CTX_free(bctx);
  BN_free(y);
  BN_free(pm1);
  BN_free(p);
  return r;
}

/* The peer's public value as a key with our group's parameters.  For ECP,
 * OpenSSL decodes 0x04|x|y and refuses points not on the curve. */
static EVP_PKEY *dh_peer_key(const OspDh *dh, const uint8_t *peer)
{
  uint8_t enc[1 + ECP_MAX_PUB];
  EVP_PKEY *pkey = EVP_PKEY_new();
  int ok;

  if (!pkey || EVP_PKEY_copy_parameters(pkey, dh->pkey) != 1) {
    EVP_PKEY_free(pkey);
    return NULL;
  }
  if (dh->g->ec) {
    enc[0] = 0x04;
    memcpy(enc + 1, peer, dh->g->pub_len);
    ok = EVP_PKEY_set1_encoded_public_key(pkey, enc, 1 + dh->g->pub_len);
  } else {
    ok = EVP_PKEY_set1_encoded_public_key(pkey, peer, dh->g->pub_len);
  }
  if (ok != 1) {
    EVP_PKEY_free(pkey);
    return NULL;
  }
  return pkey;
}

int osp_dh_compute(OspDh *dh, const uint8_t *peer, size_t peer_len, OspSecret **ret_shared)
{
  EVP_PKEY *peer_key = NULL;
  EVP_PKEY_CTX *ctx = NULL;
  OspSecret *shared = NULL;
  size_t want, len = 0;
  int r;

  if (!dh || !peer || !ret_shared)
    return -EINVAL;
  if (peer_len != dh->g->pub_len)
    return -EBADMSG;
  if (!dh->g->ec) {
    r = modp_check_peer(dh, peer);
    if (r < 0)
      return r;
  }
  peer_key = dh_peer_key(dh, peer);
  if (!peer_key) {
    r = ossl_fail("DH peer import", -EBADMSG);
    goto out;
  }

  want = dh_shared_len(dh->g);
  ctx = EVP_PKEY_CTX_new_from_pkey(NULL, dh->pkey, NULL);
  if (!ctx || EVP_PKEY_derive_init(ctx) != 1 ||
      (!dh->g->ec && EVP_PKEY_CTX_set_dh_pad(ctx, 1) != 1)) {
    r = ossl_fail("DH derive setup", -EIO);
    goto out;
  }
  /* validates the peer fully: on the curve and in the subgroup for ECP,
   * 1 < y < p-1 and y^q = 1 for MODP */
  if (EVP_PKEY_derive_set_peer(ctx, peer_key) != 1) {
    r = ossl_fail("DH peer validation", -EBADMSG);
    goto out;
  }
  shared = osp_secret_new(want);
  len = want;
  if (EVP_PKEY_derive(ctx, shared->data, &len) != 1 || len > want) {
    r = ossl_fail("DH derive", -EIO);
    goto out;
  }
  if (len < want) {
    /* g^xy is always the full group size in IKE (RFC 2409 section 5) */
    memmove(shared->data + (want - len), shared->data, len);
    memset(shared->data, 0, want - len);
  }
  *ret_shared = g_steal_pointer(&shared);
  r = 0;
out:
  osp_secret_free(shared);
  EVP_PKEY_CTX_free(ctx);
  EVP_PKEY_free(peer_key);
  return r;
}

/* ---- RFC 2409 key derivation -------------------------------------------- */

static int prf_secret(OspHash h, const uint8_t *key, size_t key_len, const OspSlice *parts,
                      size_t n_parts, OspSecret **ret)
{
  size_t hlen = osp_hash_len(h);
  OspSecret *s;
  int r;

  if (!hlen)
    return -EINVAL;
  s = osp_secret_new(hlen);
  r = osp_prf(h, key, key_len, parts, n_parts, s->data);
  if (r < 0) {
    osp_secret_free(s);
    return r;
  }
  *ret = s;
  return 0;
}

int osp_skeyid_psk(OspHash h, const uint8_t *psk, size_t psk_len, OspSlice ni, OspSlice nr,
                   OspSecret **ret_skeyid)
{
  const OspSlice parts[] = { ni, nr };

  if (!ret_skeyid)
    return -EINVAL;
  /* section 5: SKEYID = prf(pre-shared-key, Ni_b | Nr_b) */
  return prf_secret(h, psk, psk_len, parts, G_N_ELEMENTS(parts), ret_skeyid);
}

int osp_skeyid_derive(OspHash h, const OspSecret *skeyid, const OspSecret *gxy,
                      const uint8_t cky_i[8], const uint8_t cky_r[8], OspSecret **ret_d,
                      OspSecret **ret_a, OspSecret **ret_e)
{
  static const uint8_t n0 = 0, n1 = 1, n2 = 2;
  g_autoptr(OspSecret) d = NULL;
  g_autoptr(OspSecret) a = NULL;
  g_autoptr(OspSecret) e = NULL;
  OspSlice parts[5];
  int r;

  if (!skeyid || !gxy || !cky_i || !cky_r)
    return -EINVAL;

  /* SKEYID_d = prf(SKEYID, g^xy | CKY-I | CKY-R | 0) */
  parts[0] = OSP_SLICE(gxy->data, gxy->len);
  parts[1] = OSP_SLICE(cky_i, 8);
  parts[2] = OSP_SLICE(cky_r, 8);
  parts[3] = OSP_SLICE(&n0, 1);
  r = prf_secret(h, skeyid->data, skeyid->len, parts, 4, &d);
  if (r < 0)
    return r;

  /* SKEYID_a = prf(SKEYID, SKEYID_d | g^xy | CKY-I | CKY-R | 1) */
  parts[0] = OSP_SLICE(d->data, d->len);
  parts[1] = OSP_SLICE(gxy->data, gxy->len);
  parts[2] = OSP_SLICE(cky_i, 8);
  parts[3] = OSP_SLICE(cky_r, 8);
  parts[4] = OSP_SLICE(&n1, 1);
  r = prf_secret(h, skeyid->data, skeyid->len, parts, 5, &a);
  if (r < 0)
    return r;

  /* SKEYID_e = prf(SKEYID, SKEYID_a | g^xy | CKY-I | CKY-R | 2) */
  parts[0] = OSP_SLICE(a->data, a->len);
  parts[4] = OSP_SLICE(&n2, 1);
  r = prf_secret(h, skeyid->data, skeyid->len, parts, 5, &e);
  if (r < 0)
    return r;

  if (ret_d)
    *ret_d = g_steal_pointer(&d);
  if (ret_a)
    *ret_a = g_steal_pointer(&a);
  if (ret_e)
    *ret_e = g_steal_pointer(&e);
  return 0;
}

int osp_ike_enc_key(OspHash h, const OspSecret *skeyid_e, size_t key_len, OspSecret **ret_key)
{
  static const uint8_t zero = 0;
  size_t hlen = osp_hash_len(h);
  g_autoptr(OspSecret) stream = NULL;
  size_t i, rounds;
  OspSlice part;
  int r;

  if (!hlen || !skeyid_e || !key_len || !ret_key)
    return -EINVAL;
  if (skeyid_e->len >= key_len) {
    *ret_key = osp_secret_new_from(skeyid_e->data, key_len);
    return 0;
  }

  /* Appendix B: K1 = prf(SKEYID_e, 0), Kn = prf(SKEYID_e, Kn-1),
   * K = K1 | K2 | ... truncated to key_len. */
  rounds = (key_len + hlen - 1) / hlen;
  stream = osp_secret_new(rounds * hlen);
  for (i = 0; i < rounds; i++) {
    part = i ? OSP_SLICE(stream->data + (i - 1) * hlen, hlen) : OSP_SLICE(&zero, 1);
    r = osp_prf(h, skeyid_e->data, skeyid_e->len, &part, 1, stream->data + i * hlen);
    if (r < 0)
      return r;
  }
  *ret_key = osp_secret_new_from(stream->data, key_len);
  return 0;
}

int osp_ike_phase1_iv(OspHash h, OspSlice gxi, OspSlice gxr, size_t block_len, uint8_t *out)
{
  const OspSlice parts[] = { gxi, gxr };
  uint8_t buf[EVP_MAX_MD_SIZE];
  size_t hlen = osp_hash_len(h);
  int r;

  if (!hlen || !out || !block_len || block_len > hlen)
    return -EINVAL;
  /* appendix B: IV = hash(g^xi | g^xr), the hash being the negotiated one */
  r = osp_hash(h, parts, G_N_ELEMENTS(parts), buf);
  if (r == 0)
    memcpy(out, buf, block_len);
  OPENSSL_cleanse(buf, sizeof(buf));
  return r;
}

int osp_ike_phase2_iv(OspHash h, const uint8_t *last_block, size_t block_len, uint32_t msgid,
                      uint8_t *out)
{
  uint8_t mid[4];
  uint8_t buf[EVP_MAX_MD_SIZE];
  OspSlice parts[2];
  size_t hlen = osp_hash_len(h);
  int r;

  if (!hlen || !last_block || !out || !block_len || block_len > hlen)
    return -EINVAL;
  /* appendix B: IV = hash(last phase-1 CBC block | M-ID), M-ID in
   * network order as it is on the wire */
  osp_put32(mid, msgid);
  parts[0] = OSP_SLICE(last_block, block_len);
  parts[1] = OSP_SLICE(mid, 4);
  r = osp_hash(h, parts, 2, buf);
  if (r == 0)
    memcpy(out, buf, block_len);
  OPENSSL_cleanse(buf, sizeof(buf));
  return r;
}

int osp_keymat(OspHash h, const OspSecret *skeyid_d, const OspSecret *gqm, uint8_t protocol,
               const uint8_t spi[4], OspSlice ni, OspSlice nr, size_t need_len,
               OspSecret **ret_keymat)
{
  size_t hlen = osp_hash_len(h);
  g_autoptr(OspSecret) stream = NULL;
  OspSlice parts[6];
  size_t i, n, rounds;
  int r;

  if (!hlen || !skeyid_d || !spi || !need_len || !ret_keymat)
    return -EINVAL;

  /* section 5.5: K1 = prf(SKEYID_d, [g(qm)^xy |] protocol | SPI | Ni_b | Nr_b),
   * Kn = prf(SKEYID_d, Kn-1 | [g(qm)^xy |] protocol | SPI | Ni_b | Nr_b) */
  rounds = (need_len + hlen - 1) / hlen;
  stream = osp_secret_new(rounds * hlen);
  for (i = 0; i < rounds; i++) {
    n = 0;
    if (i)
      parts[n++] = OSP_SLICE(stream->data + (i - 1) * hlen, hlen);
    if (gqm)
      parts[n++] = OSP_SLICE(gqm->data, gqm->len);
    parts[n++] = OSP_SLICE(&protocol, 1);
    parts[n++] = OSP_SLICE(spi, 4);
    parts[n++] = ni;
    parts[n++] = nr;
    r = osp_prf(h, skeyid_d->data, skeyid_d->len, parts, n, stream->data + i * hlen);
    if (r < 0)
      return r;
  }
  *ret_keymat = osp_secret_new_from(stream->data, need_len);
  return 0;
}
