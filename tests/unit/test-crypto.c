/* SPDX-License-Identifier: GPL-2.0-or-later
 * Unit tests for client/osp-crypto.c.
 *
 * The known answers in crypto-vectors.h come from gen-crypto-vectors.py,
 * which computes them with Python's hashlib/hmac/pow (and a pure-Python DES)
 * independently of this code; published vectors it relies on are cited
 * there and in each table entry.  Every vector is its own test case, so a
 * failure names the case that broke. */
#include "osp-crypto.h"

#include "crypto-vectors.h"

#include <errno.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/obj_mac.h>

/* ---- helpers ------------------------------------------------------------ */

typedef struct {
  uint8_t *p;
  size_t len;
} Buf;

static Buf unhex(const char *hex)
{
  size_t n = hex ? strlen(hex) : 0;
  Buf b;
  size_t i;

  g_assert_cmpuint(n % 2, ==, 0);
  b.len = n / 2;
  b.p = g_malloc0(b.len + 1);
  for (i = 0; i < b.len; i++) {
    int hi = g_ascii_xdigit_value(hex[2 * i]);
    int lo = g_ascii_xdigit_value(hex[2 * i + 1]);

    g_assert_true(hi >= 0 && lo >= 0);
    b.p[i] = (uint8_t)(hi << 4 | lo);
  }
  return b;
}

static void buf_clear(Buf *b)
{
  g_clear_pointer(&b->p, g_free);
  b->len = 0;
}

#define SL(b) OSP_SLICE((b).p, (b).len)

static OspSecret *secret_hex(const char *hex)
{
  Buf b = unhex(hex);
  OspSecret *s = osp_secret_new_from(b.p, b.len);

  buf_clear(&b);
  return s;
}

static void assert_secret_hex(const OspSecret *s, const char *hex)
{
  Buf b = unhex(hex);

  g_assert_nonnull(s);
  g_assert_cmpmem(s->data, s->len, b.p, b.len);
  buf_clear(&b);
}

/* a pointer no real allocation has, to see that ret_ stays untouched */
#define SENTINEL ((void *)(uintptr_t)0x5a5a5a5a)

/* ---- tables ------------------------------------------------------------- */

static void test_tables(void)
{
  static const struct {
    int group;
    size_t len;
    const char *name;
  } groups[] = {
    { 1, 96, "MODP-768" },    { 2, 128, "MODP-1024" },   { 5, 192, "MODP-1536" },
    { 14, 256, "MODP-2048" }, { 15, 384, "MODP-3072" },  { 16, 512, "MODP-4096" },
    { 17, 768, "MODP-6144" }, { 18, 1024, "MODP-8192" }, { 19, 64, "ECP-256" },
    { 20, 96, "ECP-384" },    { 21, 132, "ECP-521" },
  };
  static const int unsupported[] = { -1, 0, 3, 4, 6, 7, 13, 22, 23, 24, 25, 26, 31, 256 };
  size_t i;

  g_assert_cmpuint(osp_hash_len(OSP_HASH_MD5), ==, 16);
  g_assert_cmpuint(osp_hash_len(OSP_HASH_SHA1), ==, 20);
  g_assert_cmpuint(osp_hash_len(OSP_HASH_SHA256), ==, 32);
  g_assert_cmpuint(osp_hash_len(OSP_HASH_SHA384), ==, 48);
  g_assert_cmpuint(osp_hash_len(OSP_HASH_SHA512), ==, 64);
  g_assert_cmpuint(osp_hash_len((OspHash)3), ==, 0); /* Tiger */
  g_assert_cmpuint(osp_hash_len((OspHash)0), ==, 0);
  g_assert_cmpstr(osp_hash_name(OSP_HASH_MD5), ==, "MD5");
  g_assert_cmpstr(osp_hash_name(OSP_HASH_SHA1), ==, "SHA1");
  g_assert_cmpstr(osp_hash_name(OSP_HASH_SHA256), ==, "SHA2-256");
  g_assert_cmpstr(osp_hash_name(OSP_HASH_SHA512), ==, "SHA2-512");
  g_assert_null(osp_hash_name((OspHash)3));

  g_assert_cmpuint(osp_cipher_block_len(OSP_CIPHER_DES), ==, 8);
  g_assert_cmpuint(osp_cipher_block_len(OSP_CIPHER_3DES), ==, 8);
  g_assert_cmpuint(osp_cipher_block_len(OSP_CIPHER_AES_CBC), ==, 16);
  g_assert_cmpuint(osp_cipher_block_len((OspCipher)2), ==, 0); /* IDEA */

  g_assert_cmpuint(osp_cipher_key_len(OSP_CIPHER_DES, 0), ==, 8);
  g_assert_cmpuint(osp_cipher_key_len(OSP_CIPHER_DES, 64), ==, 8);
  g_assert_cmpuint(osp_cipher_key_len(OSP_CIPHER_DES, 128), ==, 0);
  g_assert_cmpuint(osp_cipher_key_len(OSP_CIPHER_3DES, 0), ==, 24);
  g_assert_cmpuint(osp_cipher_key_len(OSP_CIPHER_3DES, 192), ==, 24);
  g_assert_cmpuint(osp_cipher_key_len(OSP_CIPHER_3DES, 128), ==, 0);
  g_assert_cmpuint(osp_cipher_key_len(OSP_CIPHER_AES_CBC, 128), ==, 16);
  g_assert_cmpuint(osp_cipher_key_len(OSP_CIPHER_AES_CBC, 192), ==, 24);
  g_assert_cmpuint(osp_cipher_key_len(OSP_CIPHER_AES_CBC, 256), ==, 32);
  g_assert_cmpuint(osp_cipher_key_len(OSP_CIPHER_AES_CBC, 0), ==, 0);
  g_assert_cmpuint(osp_cipher_key_len(OSP_CIPHER_AES_CBC, 512), ==, 0);
  g_assert_cmpuint(osp_cipher_key_len((OspCipher)2, 128), ==, 0);

  g_assert_cmpstr(osp_cipher_name(OSP_CIPHER_DES, 0), ==, "DES");
  g_assert_cmpstr(osp_cipher_name(OSP_CIPHER_3DES, 0), ==, "3DES");
  g_assert_cmpstr(osp_cipher_name(OSP_CIPHER_AES_CBC, 128), ==, "AES-128");
  g_assert_cmpstr(osp_cipher_name(OSP_CIPHER_AES_CBC, 192), ==, "AES-192");
  g_assert_cmpstr(osp_cipher_name(OSP_CIPHER_AES_CBC, 256), ==, "AES-256");
  g_assert_null(osp_cipher_name(OSP_CIPHER_AES_CBC, 0));
  g_assert_null(osp_cipher_name((OspCipher)2, 0));

  for (i = 0; i < G_N_ELEMENTS(groups); i++) {
    g_assert_true(osp_dh_group_supported(groups[i].group));
    g_assert_cmpuint(osp_dh_public_len(groups[i].group), ==, groups[i].len);
    g_assert_cmpstr(osp_dh_group_name(groups[i].group), ==, groups[i].name);
  }
  for (i = 0; i < G_N_ELEMENTS(unsupported); i++) {
    g_assert_false(osp_dh_group_supported(unsupported[i]));
    g_assert_cmpuint(osp_dh_public_len(unsupported[i]), ==, 0);
    g_assert_null(osp_dh_group_name(unsupported[i]));
  }
}

static void test_random(void)
{
  uint8_t a[32] = { 0 }, b[32] = { 0 };

  g_assert_cmpint(osp_random(a, sizeof(a)), ==, 0);
  g_assert_cmpint(osp_random(b, sizeof(b)), ==, 0);
  g_assert_true(memcmp(a, b, sizeof(a)) != 0);
  g_assert_cmpint(osp_random(NULL, 0), ==, 0);
  g_assert_cmpint(osp_random(NULL, 1), ==, -EINVAL);
}

/* ---- hash and PRF ------------------------------------------------------- */

static void test_hash_vec(gconstpointer data)
{
  const CryptoHashVec *v = data;
  Buf key = unhex(v->key), msg = unhex(v->msg);
  Buf digest = unhex(v->digest), mac = unhex(v->hmac);
  size_t hlen = osp_hash_len(v->hash);
  uint8_t out[64];
  OspSlice parts[4];
  size_t cut;

  g_assert_cmpuint(hlen, ==, digest.len);
  g_assert_cmpuint(hlen, ==, mac.len);

  /* whole message as one part */
  parts[0] = SL(msg);
  g_assert_cmpint(osp_hash(v->hash, parts, 1, out), ==, 0);
  g_assert_cmpmem(out, hlen, digest.p, digest.len);
  g_assert_cmpint(osp_prf(v->hash, key.p, key.len, parts, 1, out), ==, 0);
  g_assert_cmpmem(out, hlen, mac.p, mac.len);

  /* split anywhere, with an empty (NULL) part in the middle */
  for (cut = 0; cut <= msg.len; cut += msg.len > 8 ? msg.len / 7 : 1) {
    parts[0] = OSP_SLICE(msg.p, cut);
    parts[1] = OSP_SLICE(NULL, 0);
    parts[2] = OSP_SLICE(msg.p + cut, msg.len - cut);
    memset(out, 0, sizeof(out));
    g_assert_cmpint(osp_hash(v->hash, parts, 3, out), ==, 0);
    g_assert_cmpmem(out, hlen, digest.p, digest.len);
    memset(out, 0, sizeof(out));
    g_assert_cmpint(osp_prf(v->hash, key.p, key.len, parts, 3, out), ==, 0);
    g_assert_cmpmem(out, hlen, mac.p, mac.len);
  }

  buf_clear(&key);
  buf_clear(&msg);
  buf_clear(&digest);
  buf_clear(&mac);
}

static void test_hash_invalid(void)
{
  static const uint8_t key[4] = { 1, 2, 3, 4 };
  uint8_t out[64], keep[64];
  OspSlice bad = OSP_SLICE(NULL, 3);
  OspSlice ok = OSP_SLICE(key, 4);

  memset(out, 0xa5, sizeof(out));
  memcpy(keep, out, sizeof(out));
  g_assert_cmpint(osp_hash((OspHash)3, &ok, 1, out), ==, -EINVAL);
  g_assert_cmpint(osp_hash(OSP_HASH_SHA1, &bad, 1, out), ==, -EINVAL);
  g_assert_cmpint(osp_hash(OSP_HASH_SHA1, NULL, 1, out), ==, -EINVAL);
  g_assert_cmpint(osp_hash(OSP_HASH_SHA1, &ok, 1, NULL), ==, -EINVAL);
  g_assert_cmpint(osp_prf((OspHash)7, key, 4, &ok, 1, out), ==, -EINVAL);
  g_assert_cmpint(osp_prf(OSP_HASH_SHA1, NULL, 4, &ok, 1, out), ==, -EINVAL);
  g_assert_cmpint(osp_prf(OSP_HASH_SHA1, key, 4, &bad, 1, out), ==, -EINVAL);
  g_assert_cmpmem(out, sizeof(out), keep, sizeof(keep));
  /* no parts at all is the hash of the empty string */
  g_assert_cmpint(osp_hash(OSP_HASH_MD5, NULL, 0, out), ==, 0);
  g_assert_cmpmem(out, 16, "\xd4\x1d\x8c\xd9\x8f\x00\xb2\x04\xe9\x80\x09\x98\xec\xf8\x42\x7e", 16);
}

/* ---- CBC ---------------------------------------------------------------- */

static void test_cbc_vec(gconstpointer data)
{
  const CryptoCbcVec *v = data;
  Buf key = unhex(v->key), iv = unhex(v->iv), pt = unhex(v->plain), ct = unhex(v->cipher_text);
  size_t bl = osp_cipher_block_len(v->cipher);
  g_autofree uint8_t *out = g_malloc0(pt.len);
  g_autofree uint8_t *iv_copy = g_memdup2(iv.p, iv.len);
  size_t half;

  g_test_message("source: %s", v->source);
  g_assert_cmpuint(bl, ==, iv.len);
  g_assert_cmpuint(osp_cipher_key_len(v->cipher, v->key_bits), ==, key.len);
  g_assert_cmpuint(pt.len, ==, ct.len);

  g_assert_cmpint(osp_cbc_encrypt(v->cipher, key.p, key.len, iv.p, pt.p, pt.len, out), ==, 0);
  g_assert_cmpmem(out, pt.len, ct.p, ct.len);
  g_assert_cmpmem(iv.p, iv.len, iv_copy, iv.len); /* IV not updated */
  g_assert_cmpint(osp_cbc_decrypt(v->cipher, key.p, key.len, iv.p, ct.p, ct.len, out), ==, 0);
  g_assert_cmpmem(out, ct.len, pt.p, pt.len);

  /* in place */
  memcpy(out, pt.p, pt.len);
  g_assert_cmpint(osp_cbc_encrypt(v->cipher, key.p, key.len, iv.p, out, pt.len, out), ==, 0);
  g_assert_cmpmem(out, pt.len, ct.p, ct.len);
  g_assert_cmpint(osp_cbc_decrypt(v->cipher, key.p, key.len, iv.p, out, ct.len, out), ==, 0);
  g_assert_cmpmem(out, ct.len, pt.p, pt.len);

  /* chaining across calls, as IKE does from message to message: the next
   * IV is the last cipher block of the previous message */
  half = (pt.len / bl / 2) * bl;
  g_assert_cmpint(osp_cbc_encrypt(v->cipher, key.p, key.len, iv.p, pt.p, half, out), ==, 0);
  g_assert_cmpint(osp_cbc_encrypt(v->cipher, key.p, key.len, out + half - bl, pt.p + half,
                                  pt.len - half, out + half),
                  ==, 0);
  g_assert_cmpmem(out, pt.len, ct.p, ct.len);

  buf_clear(&key);
  buf_clear(&iv);
  buf_clear(&pt);
  buf_clear(&ct);
}

static void test_cbc_invalid(void)
{
  uint8_t key[32] = { 0 }, iv[16] = { 0 }, in[32] = { 0 }, out[32];

  g_assert_cmpint(osp_cbc_encrypt(OSP_CIPHER_AES_CBC, key, 16, iv, in, 15, out), ==, -EINVAL);
  g_assert_cmpint(osp_cbc_encrypt(OSP_CIPHER_AES_CBC, key, 20, iv, in, 16, out), ==, -EINVAL);
  g_assert_cmpint(osp_cbc_encrypt(OSP_CIPHER_3DES, key, 16, iv, in, 16, out), ==, -EINVAL);
  g_assert_cmpint(osp_cbc_encrypt(OSP_CIPHER_3DES, key, 24, iv, in, 12, out), ==, -EINVAL);
  g_assert_cmpint(osp_cbc_decrypt(OSP_CIPHER_DES, key, 24, iv, in, 8, out), ==, -EINVAL);
  g_assert_cmpint(osp_cbc_decrypt((OspCipher)2, key, 16, iv, in, 16, out), ==, -EINVAL);
  g_assert_cmpint(osp_cbc_decrypt(OSP_CIPHER_AES_CBC, key, 16, NULL, in, 16, out), ==, -EINVAL);
  g_assert_cmpint(osp_cbc_decrypt(OSP_CIPHER_AES_CBC, NULL, 16, iv, in, 16, out), ==, -EINVAL);
  g_assert_cmpint(osp_cbc_encrypt(OSP_CIPHER_AES_CBC, key, 16, iv, in, 0, out), ==, 0);
}

/* ---- RFC 2409 key derivation -------------------------------------------- */

static void test_kdf_vec(gconstpointer data)
{
  const CryptoKdfVec *v = data;
  Buf psk = unhex(v->psk), ni = unhex(v->ni), nr = unhex(v->nr);
  Buf gxi = unhex(v->gxi), gxr = unhex(v->gxr), cky_i = unhex(v->cky_i), cky_r = unhex(v->cky_r);
  Buf iv1 = unhex(v->iv1), last = unhex(v->last_block), iv2 = unhex(v->iv2), spi = unhex(v->spi);
  Buf qni = unhex(v->qm_ni), qnr = unhex(v->qm_nr), km = unhex(v->keymat);
  g_autoptr(OspSecret) gxy = secret_hex(v->gxy);
  g_autoptr(OspSecret) gqm = secret_hex(v->gqm);
  g_autoptr(OspSecret) skeyid = NULL;
  g_autoptr(OspSecret) d = NULL;
  g_autoptr(OspSecret) a = NULL;
  g_autoptr(OspSecret) e = NULL;
  g_autoptr(OspSecret) key = NULL;
  g_autoptr(OspSecret) keymat = NULL;
  g_autoptr(OspSecret) keymat_pfs = NULL;
  g_autoptr(OspSecret) shorter = NULL;
  size_t hlen = osp_hash_len(v->hash);
  uint8_t iv[16];

  g_assert_cmpuint(cky_i.len, ==, 8);
  g_assert_cmpuint(spi.len, ==, 4);
  g_assert_cmpuint(osp_cipher_key_len(v->cipher, v->key_bits), ==, v->enc_key_len);
  g_assert_cmpuint(osp_cipher_block_len(v->cipher), ==, v->block_len);
  g_assert_cmpuint(v->keymat_len, >, hlen); /* chains at least K1 | K2 */

  g_assert_cmpint(osp_skeyid_psk(v->hash, psk.p, psk.len, SL(ni), SL(nr), &skeyid), ==, 0);
  assert_secret_hex(skeyid, v->skeyid);

  g_assert_cmpint(osp_skeyid_derive(v->hash, skeyid, gxy, cky_i.p, cky_r.p, &d, &a, &e), ==, 0);
  assert_secret_hex(d, v->skeyid_d);
  assert_secret_hex(a, v->skeyid_a);
  assert_secret_hex(e, v->skeyid_e);

  g_assert_cmpint(osp_ike_enc_key(v->hash, e, v->enc_key_len, &key), ==, 0);
  g_assert_cmpuint(key->len, ==, v->enc_key_len);
  assert_secret_hex(key, v->enc_key);
  if (v->enc_key_len <= hlen)
    g_assert_cmpmem(key->data, key->len, e->data, v->enc_key_len);

  memset(iv, 0, sizeof(iv));
  g_assert_cmpint(osp_ike_phase1_iv(v->hash, SL(gxi), SL(gxr), v->block_len, iv), ==, 0);
  g_assert_cmpmem(iv, v->block_len, iv1.p, iv1.len);

  memset(iv, 0, sizeof(iv));
  g_assert_cmpint(osp_ike_phase2_iv(v->hash, last.p, v->block_len, v->msgid, iv), ==, 0);
  g_assert_cmpmem(iv, v->block_len, iv2.p, iv2.len);

  g_assert_cmpint(
      osp_keymat(v->hash, d, NULL, v->protocol, spi.p, SL(qni), SL(qnr), v->keymat_len, &keymat),
      ==, 0);
  assert_secret_hex(keymat, v->keymat);
  g_assert_cmpint(
      osp_keymat(v->hash, d, gqm, v->protocol, spi.p, SL(qni), SL(qnr), v->keymat_len, &keymat_pfs),
      ==, 0);
  assert_secret_hex(keymat_pfs, v->keymat_pfs);
  /* a shorter request is a prefix (K1 alone, truncated) */
  g_assert_cmpint(osp_keymat(v->hash, d, NULL, v->protocol, spi.p, SL(qni), SL(qnr), 5, &shorter),
                  ==, 0);
  g_assert_cmpmem(shorter->data, shorter->len, km.p, 5);

  buf_clear(&psk);
  buf_clear(&ni);
  buf_clear(&nr);
  buf_clear(&gxi);
  buf_clear(&gxr);
  buf_clear(&cky_i);
  buf_clear(&cky_r);
  buf_clear(&iv1);
  buf_clear(&last);
  buf_clear(&iv2);
  buf_clear(&spi);
  buf_clear(&qni);
  buf_clear(&qnr);
  buf_clear(&km);
}

/* The wiping helpers: a wiped string is all NULs over its old length, and
 * an array reserved ahead never moves (a move would leave an unwiped copy
 * of what it held). */
static void test_wipe_helpers(void)
{
  char *pw = g_strdup("hunter2-secret");
  size_t n = strlen(pw);
  g_autoptr(GByteArray) b = g_byte_array_new();
  const uint8_t *before;
  uint8_t chunk[100];

  osp_str_wipe(pw);
  for (size_t i = 0; i <= n; i++)
    g_assert_cmpint(pw[i], ==, 0);
  osp_str_wipe(NULL);
  osp_str_wipe_free(pw);
  osp_str_wipe_free(NULL);

  memset(chunk, 0xa5, sizeof(chunk));
  g_byte_array_append(b, chunk, 3);
  osp_byte_array_reserve(b, 64 * sizeof(chunk));
  g_assert_cmpuint(b->len, ==, 3);
  before = b->data;
  for (int i = 0; i < 64; i++)
    g_byte_array_append(b, chunk, sizeof(chunk));
  g_assert_true(b->data == before);
  g_assert_cmpuint(b->len, ==, 3 + 64 * sizeof(chunk));
}

static void test_kdf_invalid(void)
{
  static const uint8_t cky[8], spi[4], blk[16];
  g_autoptr(OspSecret) s = osp_secret_new(20);
  OspSecret *out = SENTINEL, *out2 = SENTINEL, *out3 = SENTINEL;
  uint8_t iv[32];

  g_assert_cmpint(osp_skeyid_psk((OspHash)3, NULL, 0, OSP_SLICE(NULL, 0), OSP_SLICE(NULL, 0), &out),
                  ==, -EINVAL);
  g_assert_cmpint(osp_skeyid_derive((OspHash)3, s, s, cky, cky, &out, &out2, &out3), ==, -EINVAL);
  g_assert_cmpint(osp_skeyid_derive(OSP_HASH_SHA1, s, NULL, cky, cky, &out, &out2, &out3), ==,
                  -EINVAL);
  g_assert_cmpint(osp_ike_enc_key(OSP_HASH_SHA1, s, 0, &out), ==, -EINVAL);
  g_assert_cmpint(osp_ike_enc_key((OspHash)3, s, 16, &out), ==, -EINVAL);
  g_assert_cmpint(
      osp_keymat(OSP_HASH_SHA1, s, NULL, 3, spi, OSP_SLICE(NULL, 0), OSP_SLICE(NULL, 0), 0, &out),
      ==, -EINVAL);
  g_assert_true(out == SENTINEL && out2 == SENTINEL && out3 == SENTINEL);
  /* MD5 gives 16 bytes: an IV can be no longer */
  g_assert_cmpint(osp_ike_phase1_iv(OSP_HASH_MD5, OSP_SLICE(blk, 16), OSP_SLICE(blk, 16), 32, iv),
                  ==, -EINVAL);
  g_assert_cmpint(osp_ike_phase2_iv(OSP_HASH_MD5, blk, 0, 1, iv), ==, -EINVAL);
  g_assert_cmpint(osp_ike_phase2_iv(OSP_HASH_MD5, blk, 16, 1, iv), ==, 0);
}

/* ---- Diffie-Hellman ----------------------------------------------------- */

static void test_dh_agree(gconstpointer data)
{
  int group = GPOINTER_TO_INT(data);
  g_autoptr(OspDh) a = NULL;
  g_autoptr(OspDh) b = NULL;
  g_autoptr(OspSecret) sa = NULL;
  g_autoptr(OspSecret) sb = NULL;
  const uint8_t *pa, *pb;
  size_t la = 0, lb = 0, want;

  g_assert_cmpint(osp_dh_new(group, &a), ==, 0);
  g_assert_cmpint(osp_dh_new(group, &b), ==, 0);
  pa = osp_dh_public(a, &la);
  pb = osp_dh_public(b, &lb);
  g_assert_cmpuint(la, ==, osp_dh_public_len(group));
  g_assert_cmpuint(lb, ==, osp_dh_public_len(group));
  g_assert_true(memcmp(pa, pb, la) != 0);

  g_assert_cmpint(osp_dh_compute(a, pb, lb, &sa), ==, 0);
  g_assert_cmpint(osp_dh_compute(b, pa, la, &sb), ==, 0);
  want = group >= 19 ? la / 2 : la;
  g_assert_cmpuint(sa->len, ==, want);
  g_assert_cmpmem(sa->data, sa->len, sb->data, sb->len);
}

/* Against a peer whose private exponent x we know: our g^xy must equal
 * (our public)^x mod p, with p from the RFC formula, not from OpenSSL's
 * tables.  Returns the first byte of g^xy. */
static uint8_t modp_known_once(const CryptoModpVec *v)
{
  Buf p = unhex(v->p), x = unhex(v->peer_x), peer = unhex(v->peer_pub);
  g_autoptr(OspDh) dh = NULL;
  g_autoptr(OspSecret) shared = NULL;
  g_autofree uint8_t *want = g_malloc0(v->len);
  BIGNUM *bp, *bx, *by, *bk;
  BN_CTX *bctx = BN_CTX_new();
  const uint8_t *pub;
  size_t len = 0;
  uint8_t first;

  g_assert_cmpint(osp_dh_new(v->group, &dh), ==, 0);
  pub = osp_dh_public(dh, &len);
  g_assert_cmpuint(len, ==, v->len);
  g_assert_cmpint(osp_dh_compute(dh, peer.p, peer.len, &shared), ==, 0);
  g_assert_cmpuint(shared->len, ==, v->len);

  bp = BN_bin2bn(p.p, (int)p.len, NULL);
  bx = BN_bin2bn(x.p, (int)x.len, NULL);
  by = BN_bin2bn(pub, (int)len, NULL);
  bk = BN_new();
  g_assert_true(bctx && bp && bx && by && bk);
  g_assert_cmpint(BN_cmp(by, bp), <, 0); /* our value is < the RFC's p */
  g_assert_true(BN_mod_exp(bk, by, bx, bp, bctx));
  g_assert_cmpint(BN_bn2binpad(bk, want, (int)v->len), ==, (int)v->len);
  g_assert_cmpmem(shared->data, shared->len, want, v->len);
  first = shared->data[0];

  BN_free(bk);
  BN_free(by);
  BN_free(bx);
  BN_free(bp);
  BN_CTX_free(bctx);
  buf_clear(&p);
  buf_clear(&x);
  buf_clear(&peer);
  return first;
}

static void test_modp_vec(gconstpointer data)
{
  modp_known_once(data);
}

/* g^xy must keep its leading zero bytes (RFC 2409 section 5): OpenSSL's DH
 * derive strips them unless told to pad.  One secret in 256 starts with a
 * zero byte; try until we meet one (the smallest group keeps this fast). */
static void test_modp_leading_zero(void)
{
  const CryptoModpVec *v = &crypto_modp_vecs[0];
  unsigned i;

  g_assert_cmpint(v->group, ==, 1);
  for (i = 0; i < 5000; i++)
    if (modp_known_once(v) == 0) {
      g_test_message("g^xy with a leading zero byte after %u key pairs", i + 1);
      return;
    }
  g_test_incomplete("no g^xy with a leading zero byte in 5000 tries");
}

static void expect_rejected(OspDh *dh, const uint8_t *peer, size_t len, const char *what)
{
  OspSecret *shared = SENTINEL;

  g_test_message("peer value: %s", what);
  g_assert_cmpint(osp_dh_compute(dh, peer, len, &shared), ==, -EBADMSG);
  g_assert_true(shared == SENTINEL);
}

static void test_modp_invalid(gconstpointer data)
{
  const CryptoModpVec *v = data;
  Buf p = unhex(v->p), good = unhex(v->peer_pub);
  g_autoptr(OspDh) dh = NULL;
  g_autoptr(OspSecret) shared = NULL;
  g_autofree uint8_t *y = g_malloc0(v->len + 1);

  g_assert_cmpint(osp_dh_new(v->group, &dh), ==, 0);

  memset(y, 0, v->len);
  expect_rejected(dh, y, v->len, "0");
  y[v->len - 1] = 1;
  expect_rejected(dh, y, v->len, "1");
  memcpy(y, p.p, v->len);
  expect_rejected(dh, y, v->len, "p");
  y[v->len - 1] -= 1;
  expect_rejected(dh, y, v->len, "p-1");
  /* p ≡ 7 (mod 8): -2 is a non-residue, outside the subgroup generated
   * by 2 (order q) */
  y[v->len - 1] -= 1;
  expect_rejected(dh, y, v->len, "p-2");
  memset(y, 0xff, v->len);
  expect_rejected(dh, y, v->len, "all 0xff");
  expect_rejected(dh, good.p, v->len - 1, "one byte short");
  memcpy(y + 1, good.p, v->len);
  y[0] = 0;
  expect_rejected(dh, y, v->len + 1, "one byte long");

  /* the object is still usable after rejections */
  g_assert_cmpint(osp_dh_compute(dh, good.p, good.len, &shared), ==, 0);

  buf_clear(&p);
  buf_clear(&good);
}

static int ecp_nid(int group)
{
  switch (group) {
  case 19: return NID_X9_62_prime256v1;
  case 20: return NID_secp384r1;
  case 21: return NID_secp521r1;
  }
  g_assert_not_reached();
}

/* Against a peer whose scalar d we know: g^xy must be the x coordinate of
 * d * (our public point), left-padded to the field size. */
static void test_ecp_vec(gconstpointer data)
{
  const CryptoEcpVec *v = data;
  Buf d = unhex(v->peer_d), peer = unhex(v->peer_pub);
  g_autoptr(OspDh) dh = NULL;
  g_autoptr(OspSecret) shared = NULL;
  g_autofree uint8_t *enc = g_malloc0(1 + 2 * v->coord_len);
  g_autofree uint8_t *want = g_malloc0(v->coord_len);
  EC_GROUP *grp = EC_GROUP_new_by_curve_name(ecp_nid(v->group));
  EC_POINT *ours, *k;
  BIGNUM *bd, *kx;
  BN_CTX *bctx = BN_CTX_new();
  const uint8_t *pub;
  size_t len = 0;

  g_assert_cmpint(osp_dh_new(v->group, &dh), ==, 0);
  pub = osp_dh_public(dh, &len);
  g_assert_cmpuint(len, ==, 2 * v->coord_len);
  g_assert_cmpint(osp_dh_compute(dh, peer.p, peer.len, &shared), ==, 0);
  g_assert_cmpuint(shared->len, ==, v->coord_len);

  g_assert_nonnull(grp);
  ours = EC_POINT_new(grp);
  k = EC_POINT_new(grp);
  bd = BN_bin2bn(d.p, (int)d.len, NULL);
  kx = BN_new();
  enc[0] = 0x04;
  memcpy(enc + 1, pub, len);
  g_assert_true(bctx && ours && k && bd && kx);
  g_assert_true(EC_POINT_oct2point(grp, ours, enc, 1 + len, bctx)); /* on the curve */
  g_assert_true(EC_POINT_mul(grp, k, NULL, ours, bd, bctx));
  g_assert_true(EC_POINT_get_affine_coordinates(grp, k, kx, NULL, bctx));
  g_assert_cmpint(BN_bn2binpad(kx, want, (int)v->coord_len), ==, (int)v->coord_len);
  g_assert_cmpmem(shared->data, shared->len, want, v->coord_len);

  BN_free(kx);
  BN_free(bd);
  EC_POINT_free(k);
  EC_POINT_free(ours);
  EC_GROUP_free(grp);
  BN_CTX_free(bctx);
  buf_clear(&d);
  buf_clear(&peer);
}

static void test_ecp_invalid(gconstpointer data)
{
  const CryptoEcpVec *v = data;
  Buf good = unhex(v->peer_pub), bad = unhex(v->off_curve);
  size_t n = 2 * v->coord_len;
  g_autoptr(OspDh) dh = NULL;
  g_autoptr(OspSecret) shared = NULL;
  g_autofree uint8_t *y = g_malloc0(n + 1);

  g_assert_cmpint(osp_dh_new(v->group, &dh), ==, 0);
  expect_rejected(dh, bad.p, bad.len, "off the curve (y+1)");
  expect_rejected(dh, y, n, "all zero (0, 0)");
  memset(y, 0xff, n);
  expect_rejected(dh, y, n, "all 0xff (coordinates >= p)");
  expect_rejected(dh, good.p, n - 1, "one byte short");
  memcpy(y + 1, good.p, n);
  y[0] = 0;
  expect_rejected(dh, y, n + 1, "one byte long");
  /* x only (the compressed size without its prefix) */
  expect_rejected(dh, good.p, n / 2, "x alone");
  /* x|y of our own generator-derived point, swapped: not on the curve */
  memcpy(y, good.p + n / 2, n / 2);
  memcpy(y + n / 2, good.p, n / 2);
  expect_rejected(dh, y, n, "y|x");

  g_assert_cmpint(osp_dh_compute(dh, good.p, good.len, &shared), ==, 0);

  buf_clear(&good);
  buf_clear(&bad);
}

static void test_dh_unsupported(void)
{
  static const int groups[] = { -1, 0, 3, 4, 22, 23, 24, 25, 31 };
  size_t i;

  for (i = 0; i < G_N_ELEMENTS(groups); i++) {
    OspDh *dh = SENTINEL;

    g_assert_cmpint(osp_dh_new(groups[i], &dh), ==, -EINVAL);
    g_assert_true(dh == SENTINEL);
  }
  osp_dh_free(NULL);
  g_assert_null(osp_dh_public(NULL, NULL));
}

/* ---- registration ------------------------------------------------------- */

int main(int argc, char **argv)
{
  static const int dh_all[] = { 1, 2, 5, 14, 15, 16, 17, 18, 19, 20, 21 };
  size_t i;

  g_test_init(&argc, &argv, NULL);

  g_test_add_func("/crypto/tables", test_tables);
  g_test_add_func("/crypto/random", test_random);

  for (i = 0; i < G_N_ELEMENTS(crypto_hash_vecs); i++) {
    const CryptoHashVec *v = &crypto_hash_vecs[i];
    g_autofree char *path = g_strdup_printf("/crypto/hash/%s/%zu", osp_hash_name(v->hash), i);

    g_test_add_data_func(path, v, test_hash_vec);
  }
  g_test_add_func("/crypto/hash/invalid", test_hash_invalid);

  for (i = 0; i < G_N_ELEMENTS(crypto_cbc_vecs); i++) {
    const CryptoCbcVec *v = &crypto_cbc_vecs[i];
    g_autofree char *path =
        g_strdup_printf("/crypto/cbc/%s/%zu", osp_cipher_name(v->cipher, v->key_bits), i);

    g_test_add_data_func(path, v, test_cbc_vec);
  }
  g_test_add_func("/crypto/cbc/invalid", test_cbc_invalid);

  for (i = 0; i < G_N_ELEMENTS(crypto_kdf_vecs); i++) {
    g_autofree char *path = g_strdup_printf("/crypto/kdf/%s", crypto_kdf_vecs[i].label);

    g_test_add_data_func(path, &crypto_kdf_vecs[i], test_kdf_vec);
  }
  g_test_add_func("/crypto/kdf/invalid", test_kdf_invalid);
  g_test_add_func("/crypto/wipe-helpers", test_wipe_helpers);

  for (i = 0; i < G_N_ELEMENTS(dh_all); i++) {
    g_autofree char *path = g_strdup_printf("/crypto/dh/agree/%s", osp_dh_group_name(dh_all[i]));

    g_test_add_data_func(path, GINT_TO_POINTER(dh_all[i]), test_dh_agree);
  }
  for (i = 0; i < G_N_ELEMENTS(crypto_modp_vecs); i++) {
    const CryptoModpVec *v = &crypto_modp_vecs[i];
    g_autofree char *p1 = g_strdup_printf("/crypto/dh/known/%s", osp_dh_group_name(v->group));
    g_autofree char *p2 = g_strdup_printf("/crypto/dh/invalid/%s", osp_dh_group_name(v->group));

    g_test_add_data_func(p1, v, test_modp_vec);
    g_test_add_data_func(p2, v, test_modp_invalid);
  }
  for (i = 0; i < G_N_ELEMENTS(crypto_ecp_vecs); i++) {
    const CryptoEcpVec *v = &crypto_ecp_vecs[i];
    g_autofree char *p1 = g_strdup_printf("/crypto/dh/known/%s", osp_dh_group_name(v->group));
    g_autofree char *p2 = g_strdup_printf("/crypto/dh/invalid/%s", osp_dh_group_name(v->group));

    g_test_add_data_func(p1, v, test_ecp_vec);
    g_test_add_data_func(p2, v, test_ecp_invalid);
  }
  g_test_add_func("/crypto/dh/leading-zero", test_modp_leading_zero);
  g_test_add_func("/crypto/dh/unsupported", test_dh_unsupported);

  return g_test_run();
}
