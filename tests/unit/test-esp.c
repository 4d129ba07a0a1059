/* SPDX-License-Identifier: GPL-2.0-or-later
 * Unit tests for client/osp-esp.c and client/osp-tun.c: published ESP
 * vectors (RFC 3602 4, draft-mcgrew-gcm-test-01 4, RFC 2202 / RFC 4868
 * HMAC), a cross-check against an independent EVP encoder for every
 * algorithm pair, and the failure contract (-EBADMSG, -EACCES, -EALREADY,
 * -EOVERFLOW). */
#include "osp-esp-private.h"
#include "osp-esp.h"
#include "osp-tun-offload.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/provider.h>

/* ---- helpers ------------------------------------------------------------ */

static size_t unhex(const char *s, uint8_t *out, size_t cap)
{
  size_t n = 0;
  int hi = -1;

  for (; *s; s++) {
    int v = g_ascii_xdigit_value(*s);

    if (v < 0) {
      g_assert_true(g_ascii_isspace(*s));
      continue;
    }
    if (hi < 0) {
      hi = v;
      continue;
    }
    g_assert_cmpuint(n, <, cap);
    out[n++] = (uint8_t)(hi << 4 | v);
    hi = -1;
  }
  g_assert_cmpint(hi, ==, -1);
  return n;
}

/* An inner packet with exactly the head- and tailroom the API promises, so
 * ASan catches any write outside it. */
typedef struct {
  uint8_t *mem;
  uint8_t *pkt;
} Buf;

static void buf_init(Buf *b, const uint8_t *data, size_t len)
{
  b->mem = g_malloc(OSP_ESP_HEADROOM + len + OSP_ESP_TAILROOM);
  memset(b->mem, 0xee, OSP_ESP_HEADROOM + len + OSP_ESP_TAILROOM);
  b->pkt = b->mem + OSP_ESP_HEADROOM;
  if (data && len)
    memcpy(b->pkt, data, len);
}

static void buf_clear(Buf *b)
{
  g_clear_pointer(&b->mem, g_free);
  b->pkt = NULL;
}

typedef struct {
  OspEspEnc enc;
  unsigned bits;
  const char *evp; /* EVP cipher name for the reference encoder */
  size_t iv_len;
  size_t align;
} EncAlg;

static const EncAlg encs[] = {
  { OSP_ESP_DES, 0, "DES-CBC", 8, 8 },
  { OSP_ESP_3DES, 0, "DES-EDE3-CBC", 8, 8 },
  { OSP_ESP_NULL, 0, NULL, 0, 4 },
  { OSP_ESP_AES_CBC, 128, "AES-128-CBC", 16, 16 },
  { OSP_ESP_AES_CBC, 192, "AES-192-CBC", 16, 16 },
  { OSP_ESP_AES_CBC, 256, "AES-256-CBC", 16, 16 },
  { OSP_ESP_AES_GCM_16, 128, "AES-128-GCM", 8, 4 },
  { OSP_ESP_AES_GCM_16, 192, "AES-192-GCM", 8, 4 },
  { OSP_ESP_AES_GCM_16, 256, "AES-256-GCM", 8, 4 },
};

static const struct {
  OspEspAuth auth;
  const char *digest;
} auths[] = {
  { OSP_ESP_AUTH_NONE, NULL },
  { OSP_ESP_AUTH_HMAC_MD5, "MD5" },
  { OSP_ESP_AUTH_HMAC_SHA1, "SHA1" },
  { OSP_ESP_AUTH_HMAC_SHA256, "SHA2-256" },
  { OSP_ESP_AUTH_HMAC_SHA384, "SHA2-384" },
  { OSP_ESP_AUTH_HMAC_SHA512, "SHA2-512" },
};

static bool des_available;

/* deterministic keys, different for enc and auth */
static void fill_keys(uint8_t *ekey, size_t elen, uint8_t *akey, size_t alen)
{
  size_t i;

  for (i = 0; i < elen; i++)
    ekey[i] = (uint8_t)(0x11 + 7 * i);
  for (i = 0; i < alen; i++)
    akey[i] = (uint8_t)(0xa0 ^ (13 * i));
}

/* iterates every valid enc x auth pair; false when the pair is invalid or
 * (single DES) the legacy provider is missing */
static bool combo(size_t ei, size_t ai)
{
  if (osp_esp_max_overhead(encs[ei].enc, auths[ai].auth) == 0)
    return false;
  if (encs[ei].enc == OSP_ESP_DES && !des_available)
    return false;
  return true;
}

static OspEspSa *combo_sa(size_t ei, size_t ai, uint32_t spi)
{
  uint8_t ekey[64], akey[64];
  size_t elen = osp_esp_enc_key_len(encs[ei].enc, encs[ei].bits);
  size_t alen = osp_esp_auth_key_len(auths[ai].auth);
  OspEspSa *sa = NULL;

  fill_keys(ekey, elen, akey, alen);
  g_assert_cmpint(
      osp_esp_sa_new(spi, encs[ei].enc, encs[ei].bits, ekey, elen, auths[ai].auth, akey, alen, &sa),
      ==, 0);
  g_assert_nonnull(sa);
  return sa;
}

static const char *combo_name(size_t ei, size_t ai)
{
  static char name[64];

  g_snprintf(name, sizeof(name), "%s/%s", osp_esp_enc_name(encs[ei].enc, encs[ei].bits),
             osp_esp_auth_name(auths[ai].auth));
  return name;
}

/* Independent ESP encoder over one-shot EVP calls: `plain` already holds
 * payload | padding | pad length | next header.  Returns the packet length. */
static size_t ref_seal(size_t ei, size_t ai, uint32_t spi, uint32_t seq, const uint8_t *iv,
                       const uint8_t *plain, size_t plain_len, uint8_t *out)
{
  const EncAlg *e = &encs[ei];
  uint8_t ekey[64], akey[64], mac[EVP_MAX_MD_SIZE];
  size_t elen = osp_esp_enc_key_len(e->enc, e->bits);
  size_t alen = osp_esp_auth_key_len(auths[ai].auth);
  size_t icv_len = osp_esp_icv_len(e->enc, auths[ai].auth), mac_len = 0;
  uint8_t *ct = out + 8 + e->iv_len;
  int outl = 0, fl = 0;

  fill_keys(ekey, elen, akey, alen);
  osp_put32(out, spi);
  osp_put32(out + 4, seq);
  memcpy(out + 8, iv, e->iv_len);
  if (!e->evp) {
    memcpy(ct, plain, plain_len);
  } else {
    EVP_CIPHER *c = EVP_CIPHER_fetch(NULL, e->evp, NULL);
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();

    g_assert_nonnull(c);
    if (e->enc == OSP_ESP_AES_GCM_16) {
      uint8_t nonce[12];
      OSSL_PARAM p[2];

      memcpy(nonce, ekey + elen - 4, 4);
      memcpy(nonce + 4, iv, 8);
      g_assert_true(EVP_EncryptInit_ex2(ctx, c, ekey, nonce, NULL));
      g_assert_true(EVP_EncryptUpdate(ctx, NULL, &outl, out, 8));
      g_assert_true(EVP_EncryptUpdate(ctx, ct, &outl, plain, (int)plain_len));
      g_assert_true(EVP_EncryptFinal_ex(ctx, ct + outl, &fl));
      p[0] = OSSL_PARAM_construct_octet_string(OSSL_CIPHER_PARAM_AEAD_TAG, ct + plain_len, 16);
      p[1] = OSSL_PARAM_construct_end();
      g_assert_true(EVP_CIPHER_CTX_get_params(ctx, p));
    } else {
      g_assert_true(EVP_EncryptInit_ex2(ctx, c, ekey, iv, NULL));
      EVP_CIPHER_CTX_set_padding(ctx, 0);
      g_assert_true(EVP_EncryptUpdate(ctx, ct, &outl, plain, (int)plain_len));
      g_assert_true(EVP_EncryptFinal_ex(ctx, ct + outl, &fl));
    }
    g_assert_cmpint(outl + fl, ==, (int)plain_len);
    EVP_CIPHER_CTX_free(ctx);
    EVP_CIPHER_free(c);
  }
  if (auths[ai].digest) {
    g_assert_nonnull(EVP_Q_mac(NULL, "HMAC", NULL, auths[ai].digest, NULL, akey, alen, out,
                               8 + e->iv_len + plain_len, mac, sizeof(mac), &mac_len));
    memcpy(ct + plain_len, mac, icv_len);
  }
  return 8 + e->iv_len + plain_len + icv_len;
}

/* ---- algorithm tables --------------------------------------------------- */

static void test_lengths(void)
{
  static const struct {
    OspEspEnc enc;
    unsigned bits;
    OspEspAuth auth;
    size_t enc_key, auth_key, icv, overhead;
    const char *enc_name, *auth_name;
  } t[] = {
    /* overhead = SPI 4 + seq 4 + IV + (block - 1) + 2 + ICV */
    { OSP_ESP_AES_CBC, 128, OSP_ESP_AUTH_HMAC_SHA1, 16, 20, 12, 8 + 16 + 15 + 2 + 12, "AES-128-CBC",
      "HMAC-SHA1-96" },
    { OSP_ESP_AES_CBC, 192, OSP_ESP_AUTH_HMAC_SHA384, 24, 48, 24, 8 + 16 + 15 + 2 + 24,
      "AES-192-CBC", "HMAC-SHA2-384-192" },
    { OSP_ESP_AES_CBC, 256, OSP_ESP_AUTH_HMAC_SHA256, 32, 32, 16, 8 + 16 + 15 + 2 + 16,
      "AES-256-CBC", "HMAC-SHA2-256-128" },
    { OSP_ESP_AES_CBC, 256, OSP_ESP_AUTH_HMAC_SHA512, 32, 64, 32, 8 + 16 + 15 + 2 + 32,
      "AES-256-CBC", "HMAC-SHA2-512-256" },
    { OSP_ESP_3DES, 0, OSP_ESP_AUTH_HMAC_MD5, 24, 16, 12, 8 + 8 + 7 + 2 + 12, "3DES-CBC",
      "HMAC-MD5-96" },
    { OSP_ESP_3DES, 192, OSP_ESP_AUTH_NONE, 24, 0, 0, 8 + 8 + 7 + 2, "3DES-CBC", "none" },
    { OSP_ESP_DES, 0, OSP_ESP_AUTH_HMAC_SHA1, 8, 20, 12, 8 + 8 + 7 + 2 + 12, "DES-CBC",
      "HMAC-SHA1-96" },
    { OSP_ESP_NULL, 0, OSP_ESP_AUTH_HMAC_SHA1, 0, 20, 12, 8 + 0 + 3 + 2 + 12, "NULL",
      "HMAC-SHA1-96" },
    { OSP_ESP_AES_GCM_16, 128, OSP_ESP_AUTH_NONE, 20, 0, 16, 8 + 8 + 3 + 2 + 16, "AES-128-GCM-16",
      "none" },
    { OSP_ESP_AES_GCM_16, 256, OSP_ESP_AUTH_NONE, 36, 0, 16, 8 + 8 + 3 + 2 + 16, "AES-256-GCM-16",
      "none" },
    /* invalid: GCM with an HMAC, NULL without integrity, AES without key
     * length, 3DES with a bogus one */
    { OSP_ESP_AES_GCM_16, 128, OSP_ESP_AUTH_HMAC_SHA1, 20, 20, 0, 0, "AES-128-GCM-16",
      "HMAC-SHA1-96" },
    { OSP_ESP_NULL, 0, OSP_ESP_AUTH_NONE, 0, 0, 0, 0, "NULL", "none" },
    { OSP_ESP_AES_CBC, 0, OSP_ESP_AUTH_HMAC_SHA1, 0, 20, 12, 53, NULL, "HMAC-SHA1-96" },
    { OSP_ESP_3DES, 128, OSP_ESP_AUTH_HMAC_SHA1, 0, 20, 12, 37, NULL, "HMAC-SHA1-96" },
    { (OspEspEnc)99, 0, (OspEspAuth)99, 0, 0, 0, 0, NULL, NULL },
  };
  size_t i;

  for (i = 0; i < G_N_ELEMENTS(t); i++) {
    g_test_message("case %zu", i);
    g_assert_cmpuint(osp_esp_enc_key_len(t[i].enc, t[i].bits), ==, t[i].enc_key);
    g_assert_cmpuint(osp_esp_auth_key_len(t[i].auth), ==, t[i].auth_key);
    g_assert_cmpuint(osp_esp_icv_len(t[i].enc, t[i].auth), ==, t[i].icv);
    g_assert_cmpuint(osp_esp_max_overhead(t[i].enc, t[i].auth), ==, t[i].overhead);
    g_assert_cmpstr(osp_esp_enc_name(t[i].enc, t[i].bits), ==, t[i].enc_name);
    g_assert_cmpstr(osp_esp_auth_name(t[i].auth), ==, t[i].auth_name);
  }
  /* what status -v shows: GCM's tag is its integrity */
  g_assert_cmpstr(osp_esp_integrity_name(OSP_ESP_AES_GCM_16, OSP_ESP_AUTH_NONE), ==, "AEAD");
  g_assert_cmpstr(osp_esp_integrity_name(OSP_ESP_AES_CBC, OSP_ESP_AUTH_HMAC_SHA1), ==,
                  "HMAC-SHA1-96");
  g_assert_cmpstr(osp_esp_integrity_name(OSP_ESP_3DES, OSP_ESP_AUTH_NONE), ==, "none");
}

/* the head- and tailroom the header promises fit every valid pair */
static void test_room(void)
{
  size_t ei, ai;

  for (ei = 0; ei < G_N_ELEMENTS(encs); ei++)
    for (ai = 0; ai < G_N_ELEMENTS(auths); ai++) {
      size_t ovh = osp_esp_max_overhead(encs[ei].enc, auths[ai].auth);
      size_t icv = osp_esp_icv_len(encs[ei].enc, auths[ai].auth);

      if (!ovh)
        continue;
      g_assert_cmpuint(8 + encs[ei].iv_len, <=, OSP_ESP_HEADROOM);
      g_assert_cmpuint(encs[ei].align - 1 + 2 + icv, <=, OSP_ESP_TAILROOM);
      g_assert_cmpuint(ovh, ==, 8 + encs[ei].iv_len + encs[ei].align - 1 + 2 + icv);
    }
}

static void test_sa_new_invalid(void)
{
  uint8_t k[64] = { 1 };
  OspEspSa *sa = NULL;

  g_assert_cmpint(
      osp_esp_sa_new(0, OSP_ESP_AES_CBC, 128, k, 16, OSP_ESP_AUTH_HMAC_SHA1, k, 20, &sa), ==,
      -EINVAL);
  g_assert_cmpint(
      osp_esp_sa_new(1, OSP_ESP_AES_CBC, 128, k, 15, OSP_ESP_AUTH_HMAC_SHA1, k, 20, &sa), ==,
      -EINVAL);
  g_assert_cmpint(
      osp_esp_sa_new(1, OSP_ESP_AES_CBC, 128, k, 16, OSP_ESP_AUTH_HMAC_SHA1, k, 32, &sa), ==,
      -EINVAL);
  g_assert_cmpint(osp_esp_sa_new(1, OSP_ESP_AES_CBC, 0, k, 16, OSP_ESP_AUTH_HMAC_SHA1, k, 20, &sa),
                  ==, -EINVAL);
  g_assert_cmpint(
      osp_esp_sa_new(1, OSP_ESP_AES_CBC, 128, NULL, 16, OSP_ESP_AUTH_HMAC_SHA1, k, 20, &sa), ==,
      -EINVAL);
  g_assert_cmpint(
      osp_esp_sa_new(1, OSP_ESP_AES_GCM_16, 128, k, 16, OSP_ESP_AUTH_NONE, NULL, 0, &sa), ==,
      -EINVAL); /* salt missing */
  g_assert_cmpint(
      osp_esp_sa_new(1, OSP_ESP_AES_GCM_16, 128, k, 20, OSP_ESP_AUTH_HMAC_SHA1, k, 20, &sa), ==,
      -EINVAL);
  g_assert_cmpint(osp_esp_sa_new(1, OSP_ESP_NULL, 0, NULL, 0, OSP_ESP_AUTH_NONE, NULL, 0, &sa), ==,
                  -EINVAL);
  g_assert_cmpint(osp_esp_sa_new(1, (OspEspEnc)7, 0, NULL, 0, OSP_ESP_AUTH_HMAC_SHA1, k, 20, &sa),
                  ==, -EINVAL);
  g_assert_cmpint(osp_esp_sa_new(1, OSP_ESP_3DES, 0, k, 24, (OspEspAuth)3, k, 20, &sa), ==,
                  -EINVAL);
  g_assert_null(sa);
  osp_esp_sa_free(NULL);
}

/* ---- RFC 3602 section 4, cases 5-8: AES-128-CBC ESP, no integrity ------- */

static const struct {
  const char *key;
  uint32_t spi, seq;
  const char *iv, *payload;
  uint8_t next_header;
  const char *esp;
} rfc3602[] = {
  /* case 5: transport mode, ping 192.168.123.100 */
  { "90d382b4 10eeba7a d938c46c ec1a82bf", 0x4321, 1, "e96e8c08 ab465763 fd098d45 dd3ff893",
    "08000ebd a70a0000 8e9c083d b95b0700 08090a0b 0c0d0e0f 10111213 14151617"
    "18191a1b 1c1d1e1f 20212223 24252627 28292a2b 2c2d2e2f 30313233 34353637",
    1,
    "00004321 00000001 e96e8c08 ab465763 fd098d45 dd3ff893"
    "f663c25d 325c18c6 a9453e19 4e120849 a4870b66 cc6b9965 330013b4 898dc856"
    "a4699e52 3a55db08 0b59ec3a 8e4b7e52 775b07d1 db34ed9c 538ab50c 551b874a"
    "a269add0 47ad2d59 13ac19b7 cfbad4a6" },
  /* case 6: transport mode, ping -p 77 -s 20 192.168.123.100 */
  { "90d382b4 10eeba7a d938c46c ec1a82bf", 0x4321, 8, "69d08df7 d203329d b093fc49 24e5bd80",
    "0800b5e8 a80a0500 a69c083d 0b660e00 77777777 77777777 77777777", 1,
    "00004321 00000008 69d08df7 d203329d b093fc49 24e5bd80"
    "f5199588 1ec4e0c4 488987ce 742e8109 689bb379 d2d750c0 d915dca3 46a89f75" },
  /* case 7: tunnel mode, ping 192.168.123.200 */
  { "01234567 89abcdef 01234567 89abcdef", 0x8765, 2, "f4e76524 4f6407ad f13dc138 0f673f37",
    "45000054 09040000 4001f988 c0a87b03 c0a87bc8 08009f76 a90a0100 b49c083d"
    "02a20400 08090a0b 0c0d0e0f 10111213 14151617 18191a1b 1c1d1e1f 20212223"
    "24252627 28292a2b 2c2d2e2f 30313233 34353637",
    4,
    "00008765 00000002 f4e76524 4f6407ad f13dc138 0f673f37"
    "773b5241 a4c44922 5e4f3ce5 ed611b0c 237ca96c f74a9301 3c1b0ea1 a0cf70f8"
    "e4ecaec7 8ac53aad 7a0f022b 859243c6 47752e94 a859352b 8a4d4d2d ecd136e5"
    "c177f132 ad3fbfb2 201ac990 4c74ee0a 109e0ca1 e4dfe9d5 a100b842 f1c22f0d" },
  /* case 8: tunnel mode, ping -p ff -s 40 192.168.123.200 */
  { "01234567 89abcdef 01234567 89abcdef", 0x8765, 5, "85d47224 b5f3dd5d 2101d4ea 8dffab22",
    "45000044 090c0000 4001f990 c0a87b03 c0a87bc8 0800d63c aa0a0200 c69c083d"
    "a3de0300 ffffffff ffffffff ffffffff ffffffff ffffffff ffffffff ffffffff"
    "ffffffff",
    4,
    "00008765 00000005 85d47224 b5f3dd5d 2101d4ea 8dffab22"
    "15b92683 819596a8 047232cc 00f7048f e45318e1 1f8a0f62 ede3c3fc 61203bb5"
    "0f980a08 c9843fd3 a1b06d5c 07ff9639 b7eb7dfb 3512e5de 435e7207 ed971ef3"
    "d2726d9b 5ef6affc 6d17a0de cbb13892" },
};

static void test_rfc3602(void)
{
  size_t i;

  for (i = 0; i < G_N_ELEMENTS(rfc3602); i++) {
    g_autoptr(OspEspSa) out = NULL;
    g_autoptr(OspEspSa) in = NULL;
    uint8_t key[16], iv[16], payload[256], esp[256], *p = NULL, nh = 0;
    size_t payload_len, esp_len, n = 0;
    Buf b;

    g_test_message("RFC 3602 case %zu", i + 5);
    g_assert_cmpuint(unhex(rfc3602[i].key, key, sizeof(key)), ==, 16);
    g_assert_cmpuint(unhex(rfc3602[i].iv, iv, sizeof(iv)), ==, 16);
    payload_len = unhex(rfc3602[i].payload, payload, sizeof(payload));
    esp_len = unhex(rfc3602[i].esp, esp, sizeof(esp));

    g_assert_cmpint(osp_esp_sa_new(rfc3602[i].spi, OSP_ESP_AES_CBC, 128, key, 16, OSP_ESP_AUTH_NONE,
                                   NULL, 0, &out),
                    ==, 0);
    g_assert_cmpint(osp_esp_sa_new(rfc3602[i].spi, OSP_ESP_AES_CBC, 128, key, 16, OSP_ESP_AUTH_NONE,
                                   NULL, 0, &in),
                    ==, 0);
    osp_esp_sa_set_last_seq_for_test(out, rfc3602[i].seq - 1);
    g_assert_cmpint(osp_esp_sa_set_next_iv_for_test(out, iv, 16), ==, 0);

    buf_init(&b, payload, payload_len);
    g_assert_cmpint(osp_esp_encrypt(out, b.pkt, payload_len, rfc3602[i].next_header, &p, &n), ==,
                    0);
    g_assert_true(p == b.pkt - 8 - 16);
    g_assert_cmpmem(p, n, esp, esp_len);

    /* and back, from the RFC's bytes */
    memcpy(p, esp, esp_len);
    g_assert_cmpuint(osp_esp_packet_spi(p, n), ==, rfc3602[i].spi);
    g_assert_cmpint(osp_esp_decrypt(in, p, esp_len, &p, &n, &nh), ==, 0);
    g_assert_cmpmem(p, n, payload, payload_len);
    g_assert_cmpuint(nh, ==, rfc3602[i].next_header);
    buf_clear(&b);
  }
}

/* ---- draft-mcgrew-gcm-test-01 section 4: AES-GCM ESP (RFC 4106) ---------- */

static const struct {
  unsigned bits;
  const char *keymat; /* key | salt */
  const char *esp;
  const char *inner; /* the decrypted payload without its trailer */
  uint8_t pad, next_header;
} gcm_vectors[] = {
  /* 128-bit key, salt cafebabe, SPI a5f8, seq 10 */
  { 128, "feffe992 8665731c 6d6a8f94 67308308 cafebabe",
    "0000a5f8 0000000a facedbad decaf888"
    "deb22cd9 b07c72c1 6e3a65be eb8df304 a5a5897d 33ae530f 1ba76d5d 114d2a5c"
    "3de81827 c10e9a4f 51330d0e ec416642 cfbb85a5 b47e48a4 ec3b9ba9 5d918bd1"
    "83b70d3a a8bc6ee4 c309e9d8 5a41ad4a",
    "4500003e 698f0000 80114dcc c0a80102 c0a80101 0a980035 002a2343 b2d00100"
    "00010000 00000000 03736970 09637962 65726369 74790264 6b000001 0001",
    0, 1 },
  /* 256-bit key, salt 11223344, SPI 4a2cbfe3, seq 2 */
  { 256, "abbccdde f0011223 34455667 78899aab abbccdde f0011223 34455667 78899aab 11223344",
    "4a2cbfe3 00000002 01020304 05060708"
    "ff425c9b 724599df 7a3bcd51 0194e00d 6a78107f 1b0b1cbf 06efae9d 65a5d763"
    "748a6379 85771d34 7f054565 9f14e99d ef842d8e b335f4ee cfdbf831 824b4c49"
    "15956c96",
    "45000030 69a64000 80062690 c0a80102 9389155e 0a9e008b 2dc57ee0 00000000"
    "70024000 20bf0000 020405b4 01010402",
    2, 1 },
};

static void test_gcm_vectors(void)
{
  size_t i;

  for (i = 0; i < G_N_ELEMENTS(gcm_vectors); i++) {
    g_autoptr(OspEspSa) out = NULL;
    g_autoptr(OspEspSa) in = NULL;
    uint8_t keymat[36], esp[128], work[128], inner[128], *p = NULL, nh = 0;
    size_t klen, esp_len, inner_len, n = 0;
    uint32_t spi, seq;
    Buf b;

    g_test_message("GCM vector %zu", i);
    klen = unhex(gcm_vectors[i].keymat, keymat, sizeof(keymat));
    esp_len = unhex(gcm_vectors[i].esp, esp, sizeof(esp));
    inner_len = unhex(gcm_vectors[i].inner, inner, sizeof(inner));
    spi = osp_get32(esp);
    seq = osp_get32(esp + 4);
    g_assert_cmpuint(klen, ==, osp_esp_enc_key_len(OSP_ESP_AES_GCM_16, gcm_vectors[i].bits));

    g_assert_cmpint(osp_esp_sa_new(spi, OSP_ESP_AES_GCM_16, gcm_vectors[i].bits, keymat, klen,
                                   OSP_ESP_AUTH_NONE, NULL, 0, &in),
                    ==, 0);
    memcpy(work, esp, esp_len);
    g_assert_cmpint(osp_esp_decrypt(in, work, esp_len, &p, &n, &nh), ==, 0);
    g_assert_true(p == work + 16);
    g_assert_cmpmem(p, n, inner, inner_len);
    g_assert_cmpuint(nh, ==, gcm_vectors[i].next_header);
    g_assert_cmpuint(work[16 + inner_len + gcm_vectors[i].pad], ==, gcm_vectors[i].pad);

    /* the same bytes out of the encoder, given the vector's IV and seq */
    g_assert_cmpint(osp_esp_sa_new(spi, OSP_ESP_AES_GCM_16, gcm_vectors[i].bits, keymat, klen,
                                   OSP_ESP_AUTH_NONE, NULL, 0, &out),
                    ==, 0);
    osp_esp_sa_set_last_seq_for_test(out, seq - 1);
    g_assert_cmpint(osp_esp_sa_set_next_iv_for_test(out, esp + 8, 8), ==, 0);
    buf_init(&b, inner, inner_len);
    g_assert_cmpint(osp_esp_encrypt(out, b.pkt, inner_len, gcm_vectors[i].next_header, &p, &n), ==,
                    0);
    g_assert_cmpmem(p, n, esp, esp_len);
    buf_clear(&b);
  }
}

/* RFC 4106 3.1: our explicit IV is the 64-bit sequence number */
static void test_gcm_iv_is_seq(void)
{
  uint8_t key[20] = { 0 };
  g_autoptr(OspEspSa) sa = NULL;
  uint32_t i;

  g_assert_cmpint(
      osp_esp_sa_new(0x100, OSP_ESP_AES_GCM_16, 128, key, 20, OSP_ESP_AUTH_NONE, NULL, 0, &sa), ==,
      0);
  for (i = 1; i <= 3; i++) {
    uint8_t inner[40] = { 0x45 }, want[16] = { 0, 0, 0x01, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 },
            *p = NULL;
    size_t n = 0;
    Buf b;

    osp_put32(want + 4, i);
    osp_put32(want + 12, i);
    buf_init(&b, inner, sizeof(inner));
    g_assert_cmpint(osp_esp_encrypt(sa, b.pkt, sizeof(inner), 4, &p, &n), ==, 0);
    g_assert_cmpmem(p, 16, want, 16);
    g_assert_cmpuint(n, ==, 8 + 8 + 40 + 0 + 2 + 2 + 16); /* 40 + 2 pads to 44 */
    buf_clear(&b);
  }
}

/* ---- HMAC ICVs ---------------------------------------------------------- */

/* NULL encryption keeps the packet deterministic, so the ICV bytes can be
 * checked.  Expected ICVs: python3 -c 'import hmac,hashlib; print(hmac.new(
 * b"\x0b"*L, bytes.fromhex("0000100000000001") + b"what do ya want for
 * nothing?" + bytes([1,2,2,4]), hashlib.<hash>).hexdigest()[:2*ICV])' */
static const struct {
  OspEspAuth auth;
  size_t key_len;
  const char *icv;
} hmac_icv[] = {
  { OSP_ESP_AUTH_HMAC_MD5, 16, "bc0c9434 3f8233e2 2ff6d93c" },
  { OSP_ESP_AUTH_HMAC_SHA1, 20, "8a5a20cd ea4f269f cca056e7" },
  { OSP_ESP_AUTH_HMAC_SHA256, 32, "5d186ecb 28319513 d72cc8e8 7d99e910" },
  { OSP_ESP_AUTH_HMAC_SHA384, 48, "934f1498 4faf6ff6 c54f64ee ade6e5a1 46674dab d408379a" },
  { OSP_ESP_AUTH_HMAC_SHA512, 64,
    "2b3fffd5 b9d326e2 961b422f 98c87641 a8bb9e17 bb3b5a37 c1e2cb7b 74d33b89" },
};

static void test_hmac_icv(void)
{
  static const char payload[] = "what do ya want for nothing?";
  size_t i;

  for (i = 0; i < G_N_ELEMENTS(hmac_icv); i++) {
    g_autoptr(OspEspSa) sa = NULL;
    uint8_t key[64], icv[32], want[128], *p = NULL;
    size_t icv_len, n = 0;
    Buf b;

    g_test_message("%s", osp_esp_auth_name(hmac_icv[i].auth));
    memset(key, 0x0b, sizeof(key));
    icv_len = unhex(hmac_icv[i].icv, icv, sizeof(icv));
    g_assert_cmpuint(icv_len, ==, osp_esp_icv_len(OSP_ESP_NULL, hmac_icv[i].auth));
    g_assert_cmpint(osp_esp_sa_new(0x1000, OSP_ESP_NULL, 0, NULL, 0, hmac_icv[i].auth, key,
                                   hmac_icv[i].key_len, &sa),
                    ==, 0);

    osp_put32(want, 0x1000);
    osp_put32(want + 4, 1);
    memcpy(want + 8, payload, 28);
    memcpy(want + 36, "\x01\x02\x02\x04", 4);
    memcpy(want + 40, icv, icv_len);

    buf_init(&b, (const uint8_t *)payload, 28);
    g_assert_cmpint(osp_esp_encrypt(sa, b.pkt, 28, 4, &p, &n), ==, 0);
    g_assert_cmpmem(p, n, want, 40 + icv_len);
    buf_clear(&b);
  }
}

/* RFC 2202 2/3 and RFC 4868 2.7.2 test case 3 (key 0xaa x L, data 0xdd x 50),
 * fed as an ESP packet with NULL encryption: the ICV verifies, then the
 * "padding length" 0xdd is absurd, so -EBADMSG; a wrong ICV gives -EACCES.
 * (RFC 4868 prints the SHA-384/512 values; they are repeated here as
 * recomputed with python3's hmac.) */
static const struct {
  OspEspAuth auth;
  size_t key_len;
  const char *mac;
} hmac_rfc[] = {
  { OSP_ESP_AUTH_HMAC_MD5, 16, "56be3452 1d144c88 dbb8c733 f0e8b3f6" },
  { OSP_ESP_AUTH_HMAC_SHA1, 20, "125d7342 b9ac11cd 91a39af4 8aa17b4f 63f175d3" },
  { OSP_ESP_AUTH_HMAC_SHA256, 32,
    "cdcb1220 d1ecccea 91e53aba 3092f962 e549fe6c e9ed7fdc 43191fbd e45c30b0" },
  { OSP_ESP_AUTH_HMAC_SHA384, 48,
    "809f439b e0027432 1d4a5386 52164b53 554a5081 84a0c316 0353e342 8597003d"
    "35914a18 770f9443 98705494 4b7c4b4a" },
  { OSP_ESP_AUTH_HMAC_SHA512, 64,
    "2ee7acd7 83624ca9 398710f3 ee05ae41 b9f9b051 0c87e49e 586cc9bf 961733d8"
    "623c7b55 cebefccf 02d5581a cc1c9d5f b1ff68a1 de45509f be4da9a4 33922655" },
};

static void test_hmac_rfc(void)
{
  size_t i;

  for (i = 0; i < G_N_ELEMENTS(hmac_rfc); i++) {
    g_autoptr(OspEspSa) sa = NULL;
    uint8_t key[64], mac[64], pkt[50 + 32], *p = NULL;
    size_t icv_len = osp_esp_icv_len(OSP_ESP_NULL, hmac_rfc[i].auth), n = 0;

    g_test_message("%s", osp_esp_auth_name(hmac_rfc[i].auth));
    memset(key, 0xaa, sizeof(key));
    g_assert_cmpuint(unhex(hmac_rfc[i].mac, mac, sizeof(mac)), ==, hmac_rfc[i].key_len);
    g_assert_cmpint(osp_esp_sa_new(0xdddddddd, OSP_ESP_NULL, 0, NULL, 0, hmac_rfc[i].auth, key,
                                   hmac_rfc[i].key_len, &sa),
                    ==, 0);
    memset(pkt, 0xdd, 50);
    memcpy(pkt + 50, mac, icv_len);
    g_assert_cmpint(osp_esp_decrypt(sa, pkt, 50 + icv_len, &p, &n, NULL), ==, -EBADMSG);
    g_assert_cmpuint(osp_esp_sa_stats(sa)->auth_failures, ==, 0);
    pkt[50 + icv_len - 1] ^= 1;
    g_assert_cmpint(osp_esp_decrypt(sa, pkt, 50 + icv_len, &p, &n, NULL), ==, -EACCES);
    g_assert_cmpuint(osp_esp_sa_stats(sa)->auth_failures, ==, 1);
  }
}

/* ---- every enc x auth pair ---------------------------------------------- */

static void test_roundtrip(void)
{
  static const size_t sizes[] = { 0,  1,   2,   3,    4,    5,    6,    7,    8,  9,
                                  13, 14,  15,  16,   17,   18,   30,   31,   32, 33,
                                  64, 100, 576, 1280, 1400, 1500, 9000, 65535 };
  size_t ei, ai, si, pairs = 0;

  for (ei = 0; ei < G_N_ELEMENTS(encs); ei++)
    for (ai = 0; ai < G_N_ELEMENTS(auths); ai++) {
      g_autoptr(OspEspSa) out = NULL;
      g_autoptr(OspEspSa) in = NULL;
      size_t ovh = osp_esp_max_overhead(encs[ei].enc, auths[ai].auth);
      size_t icv = osp_esp_icv_len(encs[ei].enc, auths[ai].auth);
      uint64_t bytes = 0;

      if (!combo(ei, ai))
        continue;
      g_test_message("%s", combo_name(ei, ai));
      out = combo_sa(ei, ai, 0xc0ffee00 + (uint32_t)ei);
      in = combo_sa(ei, ai, 0xc0ffee00 + (uint32_t)ei);
      pairs++;
      for (si = 0; si < G_N_ELEMENTS(sizes); si++) {
        g_autofree uint8_t *inner = g_malloc(sizes[si] + 1);
        uint8_t *p = NULL, nh = 0;
        size_t len = sizes[si], n = 0, j, enc_len;
        Buf b;

        for (j = 0; j < len; j++)
          inner[j] = (uint8_t)(j * 31 + si);
        buf_init(&b, inner, len);
        g_assert_cmpint(osp_esp_encrypt(out, b.pkt, len, (uint8_t)(4 + si), &p, &n), ==, 0);
        g_assert_true(p == b.pkt - 8 - encs[ei].iv_len);
        g_assert_cmpuint(osp_esp_packet_spi(p, n), ==, 0xc0ffee00 + ei);
        g_assert_cmpuint(osp_get32(p + 4), ==, si + 1); /* starts at 1 */
        g_assert_cmpuint(n, <=, len + ovh);
        enc_len = n - 8 - encs[ei].iv_len - icv;
        g_assert_cmpuint(enc_len % encs[ei].align, ==, 0);
        g_assert_cmpuint(enc_len - len - 2, <, encs[ei].align); /* minimal padding */
        if (len >= 16 && encs[ei].evp)
          g_assert_true(memcmp(b.pkt, inner, 16) != 0);

        g_assert_cmpint(osp_esp_decrypt(in, p, n, &p, &n, &nh), ==, 0);
        g_assert_true(p == b.pkt);
        g_assert_cmpmem(p, n, inner, len);
        g_assert_cmpuint(nh, ==, 4 + si);
        bytes += len;
        buf_clear(&b);
      }
      g_assert_cmpuint(osp_esp_sa_stats(out)->packets, ==, G_N_ELEMENTS(sizes));
      g_assert_cmpuint(osp_esp_sa_stats(out)->bytes, ==, bytes);
      g_assert_cmpuint(osp_esp_sa_stats(in)->packets, ==, G_N_ELEMENTS(sizes));
      g_assert_cmpuint(osp_esp_sa_stats(in)->bytes, ==, bytes);
    }
  /* 3 AES-CBC + 3DES (+ DES) with 6 auths, NULL with 5, 3 GCM */
  g_assert_cmpuint(pairs, ==, (des_available ? 5u : 4u) * 6 + 5 + 3);
}

/* our encoder against the independent one in ref_seal(), same IV and seq */
static void test_reference(void)
{
  size_t ei, ai;

  for (ei = 0; ei < G_N_ELEMENTS(encs); ei++)
    for (ai = 0; ai < G_N_ELEMENTS(auths); ai++) {
      g_autoptr(OspEspSa) out = NULL;
      g_autoptr(OspEspSa) in = NULL;

      if (!combo(ei, ai))
        continue;
      g_test_message("%s", combo_name(ei, ai));
      out = combo_sa(ei, ai, 0x5150);
      in = combo_sa(ei, ai, 0x5150);
      /* packets in a row on the same SAs: each must stand alone (a CBC
       * context carries state from one packet to the next) */
      for (unsigned k = 0; k < 3; k++) {
        uint8_t iv[16], plain[128], ref[256], *p = NULL, nh = 0;
        size_t len = 45 + 16 * k, pad, ref_len, n = 0, j;
        Buf b;

        for (j = 0; j < sizeof(iv); j++)
          iv[j] = (uint8_t)(0xf0 - j + 37 * k);
        for (j = 0; j < len; j++)
          plain[j] = (uint8_t)(j ^ 0x5a ^ k);
        pad = (encs[ei].align - (len + 2) % encs[ei].align) % encs[ei].align;
        for (j = 0; j < pad; j++)
          plain[len + j] = (uint8_t)(j + 1);
        plain[len + pad] = (uint8_t)pad;
        plain[len + pad + 1] = 0x29;
        ref_len = ref_seal(ei, ai, 0x5150, 77 + k, iv, plain, len + pad + 2, ref);

        osp_esp_sa_set_last_seq_for_test(out, 76 + k);
        if (encs[ei].iv_len)
          g_assert_cmpint(osp_esp_sa_set_next_iv_for_test(out, iv, encs[ei].iv_len), ==, 0);
        else
          g_assert_cmpint(osp_esp_sa_set_next_iv_for_test(out, iv, 16), ==, -EINVAL);
        buf_init(&b, plain, len);
        g_assert_cmpint(osp_esp_encrypt(out, b.pkt, len, 0x29, &p, &n), ==, 0);
        g_assert_cmpmem(p, n, ref, ref_len);
        buf_clear(&b);

        g_assert_cmpint(osp_esp_decrypt(in, ref, ref_len, &p, &n, &nh), ==, 0);
        g_assert_cmpmem(p, n, plain, len);
        g_assert_cmpuint(nh, ==, 0x29);
      }
    }
}

/* RFC 3602 3: CBC IVs must be unpredictable; at least they are fresh per
 * packet, across generator refills, and differ between two SAs that share
 * their keys */
static void test_cbc_iv(void)
{
  g_autoptr(GHashTable) seen =
      g_hash_table_new_full(g_bytes_hash, g_bytes_equal, (GDestroyNotify)g_bytes_unref, NULL);
  g_autoptr(OspEspSa) a = combo_sa(3, 2, 0x77);
  g_autoptr(OspEspSa) b2 = combo_sa(3, 2, 0x77);
  uint8_t first_a[16], first_b[16], zero[16] = { 0 };
  unsigned i;

  for (i = 0; i < 2000; i++) {
    uint8_t inner[20] = { 0 }, *p = NULL;
    size_t n = 0;
    Buf b;

    buf_init(&b, inner, sizeof(inner));
    g_assert_cmpint(osp_esp_encrypt(a, b.pkt, sizeof(inner), 4, &p, &n), ==, 0);
    g_assert_true(memcmp(p + 8, zero, 16) != 0);
    g_assert_true(g_hash_table_add(seen, g_bytes_new(p + 8, 16)));
    if (i == 0)
      memcpy(first_a, p + 8, 16);
    buf_clear(&b);
  }
  g_assert_cmpuint(g_hash_table_size(seen), ==, 2000);
  {
    uint8_t inner[20] = { 0 }, *p = NULL;
    size_t n = 0;
    Buf b;

    buf_init(&b, inner, sizeof(inner));
    g_assert_cmpint(osp_esp_encrypt(b2, b.pkt, sizeof(inner), 4, &p, &n), ==, 0);
    memcpy(first_b, p + 8, 16);
    buf_clear(&b);
  }
  g_assert_true(memcmp(first_a, first_b, 16) != 0);
}

/* ---- the failure contract ----------------------------------------------- */

/* every single-bit flip of an authenticated packet is refused; SPI flips are
 * "not this SA" (-EBADMSG), everything else fails the ICV (-EACCES) */
static void test_tamper(void)
{
  size_t ei, ai;

  for (ei = 0; ei < G_N_ELEMENTS(encs); ei++)
    for (ai = 0; ai < G_N_ELEMENTS(auths); ai++) {
      g_autoptr(OspEspSa) out = NULL;
      g_autoptr(OspEspSa) in = NULL;
      uint8_t inner[37], orig[256], work[256], *p = NULL;
      size_t n = 0, len, i;
      uint64_t fails = 0;
      Buf b;

      if (!combo(ei, ai) || osp_esp_icv_len(encs[ei].enc, auths[ai].auth) == 0)
        continue;
      g_test_message("%s", combo_name(ei, ai));
      out = combo_sa(ei, ai, 0xabcd);
      in = combo_sa(ei, ai, 0xabcd);
      memset(inner, 0x42, sizeof(inner));
      buf_init(&b, inner, sizeof(inner));
      g_assert_cmpint(osp_esp_encrypt(out, b.pkt, sizeof(inner), 4, &p, &len), ==, 0);
      memcpy(orig, p, len);
      buf_clear(&b);

      for (i = 0; i < len * 8; i++) {
        memcpy(work, orig, len);
        work[i / 8] ^= (uint8_t)(1 << (i % 8));
        if (i < 32) {
          g_assert_cmpint(osp_esp_decrypt(in, work, len, &p, &n, NULL), ==, -EBADMSG);
        } else if (osp_get32(work + 4) == 0) { /* seq 1 -> 0: never valid */
          g_assert_cmpint(osp_esp_decrypt(in, work, len, &p, &n, NULL), ==, -EALREADY);
        } else {
          g_assert_cmpint(osp_esp_decrypt(in, work, len, &p, &n, NULL), ==, -EACCES);
          fails++;
        }
      }
      g_assert_cmpuint(osp_esp_sa_stats(in)->auth_failures, ==, fails);
      g_assert_cmpuint(osp_esp_sa_stats(in)->packets, ==, 0);
      /* failures did not touch the replay window: the genuine one passes */
      memcpy(work, orig, len);
      g_assert_cmpint(osp_esp_decrypt(in, work, len, &p, &n, NULL), ==, 0);
      g_assert_cmpmem(p, n, inner, sizeof(inner));
    }
}

static int decrypt_copy(OspEspSa *sa, const uint8_t *esp, size_t len)
{
  g_autofree uint8_t *copy = g_memdup2(esp, len);
  uint8_t *p = NULL;
  size_t n = 0;

  return osp_esp_decrypt(sa, copy, len, &p, &n, NULL);
}

static void test_replay(void)
{
  g_autoptr(OspEspSa) out = combo_sa(3, 2, 0x99); /* AES-128-CBC, HMAC-SHA1-96 */
  g_autoptr(OspEspSa) in = combo_sa(3, 2, 0x99);
  uint8_t pk[5][128];
  size_t pl[5], i;

  for (i = 0; i < 5; i++) {
    uint8_t inner[30], *p = NULL;
    Buf b;

    memset(inner, (int)i, sizeof(inner));
    buf_init(&b, inner, sizeof(inner));
    g_assert_cmpint(osp_esp_encrypt(out, b.pkt, sizeof(inner), 4, &p, &pl[i]), ==, 0);
    memcpy(pk[i], p, pl[i]);
    buf_clear(&b);
  }
  g_assert_cmpint(decrypt_copy(in, pk[0], pl[0]), ==, 0);
  g_assert_cmpint(decrypt_copy(in, pk[0], pl[0]), ==, -EALREADY);
  /* out of order inside the window */
  g_assert_cmpint(decrypt_copy(in, pk[3], pl[3]), ==, 0);
  g_assert_cmpint(decrypt_copy(in, pk[1], pl[1]), ==, 0);
  g_assert_cmpint(decrypt_copy(in, pk[2], pl[2]), ==, 0);
  g_assert_cmpint(decrypt_copy(in, pk[2], pl[2]), ==, -EALREADY);
  g_assert_cmpint(decrypt_copy(in, pk[3], pl[3]), ==, -EALREADY);
  /* a forged copy of #4 fails the ICV and must not burn #4's slot */
  pk[4][pl[4] - 1] ^= 0x80;
  g_assert_cmpint(decrypt_copy(in, pk[4], pl[4]), ==, -EACCES);
  pk[4][pl[4] - 1] ^= 0x80;
  g_assert_cmpint(decrypt_copy(in, pk[4], pl[4]), ==, 0);
  g_assert_cmpint(decrypt_copy(in, pk[4], pl[4]), ==, -EALREADY);

  g_assert_cmpuint(osp_esp_sa_stats(in)->packets, ==, 5);
  g_assert_cmpuint(osp_esp_sa_stats(in)->bytes, ==, 5 * 30);
  g_assert_cmpuint(osp_esp_sa_stats(in)->replay_drops, ==, 4);
  g_assert_cmpuint(osp_esp_sa_stats(in)->auth_failures, ==, 1);
  g_assert_cmpuint(osp_esp_sa_stats(out)->packets, ==, 5);
  g_assert_cmpuint(osp_esp_sa_stats(out)->bytes, ==, 5 * 30);
}

/* authentic packets whose padding is not 1, 2, 3, ... are dropped */
static void test_bad_padding(void)
{
  static const struct {
    const char *trailer; /* padding | pad length | next header */
    int expect;
  } t[] = {
    { "01 02 03 03 04", 0 },
    { "01 02 04 03 04", -EBADMSG },
    { "00 00 02 04", -EBADMSG },
    { "01 01 02 04", -EBADMSG },
    { "02 01 02 04", -EBADMSG },
    { "ff 04", -EBADMSG }, /* more padding than payload */
    { "01 02 03 04 05 06 07 08 09 0a 0b 0c 0d 0e 0f 10 11 12 13 14 15 16 17 18 19 1a 1b 1c 1d"
      " 1e 1f 20 21 22 23 24 25 26 27 28 29 2a 2b 2c 2d 2e 2f 30 31 32 33 34 35 36 37 38 39 3a"
      " 3b 3c 3d 3e 3f 40 41 42 43 44 45 46 47 48 49 4a 4b 4c 4d 4e 4f 50 51 52 53 54 55 56 57"
      " 58 59 5a 5b 5c 5d 5e 5f 60 61 62 63 64 65 66 67 68 69 6a 6b 6c 6d 6e 6f 70 71 72 73 74"
      " 75 76 77 78 79 7a 7b 7c 7d 7e 7f 80 81 82 83 84 85 86 87 88 89 8a 8b 8c 8d 8e 8f 90 91"
      " 92 93 94 95 96 97 98 99 9a 9b 9c 9d 9e 9f a0 a1 a2 a3 a4 a5 a6 a7 a8 a9 aa ab ac ad ae"
      " af b0 b1 b2 b3 b4 b5 b6 b7 b8 b9 ba bb bc bd be bf c0 c1 c2 c3 c4 c5 c6 c7 c8 c9 ca cb"
      " cc cd ce cf d0 d1 d2 d3 d4 d5 d6 d7 d8 d9 da db dc dd de df e0 e1 e2 e3 e4 e5 e6 e7 e8"
      " e9 ea eb ec ed ee ef f0 f1 f2 f3 f4 f5 f6 f7 f8 f9 fa fb fc fd fe ff ff 04",
      0 }, /* RFC 4303 2.4 allows up to 255 bytes of padding */
    { "01 02 03 04 05 06 07 08 09 0a 0b 0c 0d 0e 0f 10 11 12 13 14 15 16 17 18 19 1a 1b 1c 1d"
      " 1e 1f 20 21 22 23 24 25 26 27 28 29 2a 2b 2c 2d 2e 2f 30 31 32 33 34 35 36 37 38 39 3a"
      " 3b 3c 3d 3e 3f 40 41 42 43 44 45 46 47 48 49 4a 4b 4c 4d 4e 4f 50 51 52 53 54 55 56 57"
      " 58 59 5a 5b 5c 5d 5e 5f 60 61 62 63 64 65 66 67 68 69 6a 6b 6c 6d 6e 6f 70 71 72 73 74"
      " 75 76 77 78 79 7a 7b 7c 7d 7e 7f 80 81 82 83 84 85 86 87 88 89 8a 8b 8c 8d 8e 8f 90 91"
      " 92 93 94 95 96 97 98 99 9a 9b 9c 9d 9e 9f a0 a1 a2 a3 a4 a5 a6 a7 a8 a9 aa ab ac ad ae"
      " af b0 b1 b2 b3 b4 b5 b6 b7 b8 b9 ba bb bc bd be bf c0 c1 c2 c3 c4 c5 c6 c7 c8 c9 ca cb"
      " cc cd ce cf d0 d1 d2 d3 d4 d5 d6 d7 d8 d9 da db dc dd de df e0 e1 e2 e3 e4 e5 e6 e7 e8"
      " e9 ea eb ec ed ee ef f0 f1 f2 f3 f4 f5 f6 f7 f8 f9 fa fb fc fd fe 00 ff 04",
      -EBADMSG },
  };
  /* AES-128-CBC/SHA1, 3DES/none, NULL/SHA256, GCM-128 */
  static const size_t pairs[][2] = { { 3, 2 }, { 1, 0 }, { 2, 3 }, { 6, 0 } };
  uint8_t iv[16] = { 9, 8, 7, 6, 5, 4, 3, 2, 1 };
  size_t pi, i;

  for (pi = 0; pi < G_N_ELEMENTS(pairs); pi++) {
    size_t ei = pairs[pi][0], ai = pairs[pi][1];
    g_autoptr(OspEspSa) in = combo_sa(ei, ai, 0x3333);

    for (i = 0; i < G_N_ELEMENTS(t); i++) {
      uint8_t plain[512], esp[640], trailer[300], *p = NULL;
      size_t tl, len, n = 0, esp_len;
      int r;

      g_test_message("%s trailer %zu", combo_name(ei, ai), i);
      tl = unhex(t[i].trailer, trailer, sizeof(trailer));
      /* a payload that makes the whole a block multiple */
      len = encs[ei].align * 8 - tl % encs[ei].align;
      memset(plain, 0x45, len);
      memcpy(plain + len, trailer, tl);
      esp_len = ref_seal(ei, ai, 0x3333, (uint32_t)(i + 1), iv, plain, len + tl, esp);
      r = osp_esp_decrypt(in, esp, esp_len, &p, &n, NULL);
      g_assert_cmpint(r, ==, t[i].expect);
      if (r == 0)
        g_assert_cmpuint(n, ==, len);
    }
    g_assert_cmpuint(osp_esp_sa_stats(in)->auth_failures, ==, 0);
    g_assert_cmpuint(osp_esp_sa_stats(in)->packets, ==, 2);
  }
}

/* every prefix of a good packet: -EBADMSG below the smallest well-formed
 * length, never accepted above it when the SA has integrity, no crash */
static void test_truncated(void)
{
  size_t ei, ai;

  for (ei = 0; ei < G_N_ELEMENTS(encs); ei++)
    for (ai = 0; ai < G_N_ELEMENTS(auths); ai++) {
      g_autoptr(OspEspSa) out = NULL;
      g_autoptr(OspEspSa) in = NULL;
      uint8_t inner[64], orig[256], *p = NULL;
      size_t len = 0, n, icv, min_len, ovh;
      bool cbc;
      Buf b;

      if (!combo(ei, ai))
        continue;
      g_test_message("%s", combo_name(ei, ai));
      out = combo_sa(ei, ai, 0x4444);
      in = combo_sa(ei, ai, 0x4444);
      icv = osp_esp_icv_len(encs[ei].enc, auths[ai].auth);
      ovh = osp_esp_max_overhead(encs[ei].enc, auths[ai].auth);
      cbc = encs[ei].evp && encs[ei].enc != OSP_ESP_AES_GCM_16;
      min_len = 8 + encs[ei].iv_len + (cbc ? encs[ei].align : 2) + icv;
      g_assert_cmpuint(min_len, <=, ovh);

      memset(inner, 0x45, sizeof(inner));
      buf_init(&b, inner, sizeof(inner));
      g_assert_cmpint(osp_esp_encrypt(out, b.pkt, sizeof(inner), 4, &p, &len), ==, 0);
      memcpy(orig, p, len);
      buf_clear(&b);
      g_assert_cmpuint(len, >, ovh);

      for (n = 0; n < len; n++) {
        /* exactly n bytes on the heap, so ASan sees any over-read */
        g_autofree uint8_t *cut = g_memdup2(orig, n ? n : 1);
        size_t out_len = 0;
        int r = osp_esp_decrypt(in, cut, n, &p, &out_len, NULL);

        if (n < min_len)
          g_assert_cmpint(r, ==, -EBADMSG);
        else if (icv)
          g_assert_true(r == -EBADMSG || r == -EACCES);
        else
          g_assert_true(r == 0 || r == -EBADMSG);
      }
      if (icv)
        g_assert_cmpuint(osp_esp_sa_stats(in)->packets, ==, 0);
      g_assert_cmpint(decrypt_copy(in, orig, len), ==, 0);
    }
}

static void test_seq_overflow(void)
{
  g_autoptr(OspEspSa) out = combo_sa(6, 0, 0x5555); /* AES-128-GCM */
  g_autoptr(OspEspSa) in = combo_sa(6, 0, 0x5555);
  uint8_t inner[16] = { 0 }, *p = NULL;
  size_t n = 0;
  Buf b;

  osp_esp_sa_set_last_seq_for_test(out, UINT32_MAX - 1);
  buf_init(&b, inner, sizeof(inner));
  g_assert_cmpint(osp_esp_encrypt(out, b.pkt, sizeof(inner), 4, &p, &n), ==, 0);
  g_assert_cmpuint(osp_get32(p + 4), ==, UINT32_MAX);
  g_assert_cmpint(decrypt_copy(in, p, n), ==, 0);
  buf_clear(&b);

  buf_init(&b, inner, sizeof(inner));
  p = NULL;
  g_assert_cmpint(osp_esp_encrypt(out, b.pkt, sizeof(inner), 4, &p, &n), ==, -EOVERFLOW);
  g_assert_null(p);
  g_assert_cmpint(osp_esp_encrypt(out, b.pkt, sizeof(inner), 4, &p, &n), ==, -EOVERFLOW);
  g_assert_cmpuint(osp_esp_sa_stats(out)->packets, ==, 1);
  g_assert_cmpuint(osp_esp_sa_stats(out)->bytes, ==, 16);
  buf_clear(&b);
}

/* ---- inbound policy: what may reach the TUN device (RFC 4301 5.2) ------ */

/* An inner packet: IPv4 198.51.100.1 -> 198.18.1.<dst>, or IPv6
 * 2001:db8:1::1 -> 2001:db8:2::<dst>; the rest a pattern. */
typedef struct {
  const char *what;
  uint8_t nh;      /* ESP next header */
  uint8_t first;   /* version | IHL (IPv4), version | class (IPv6) */
  uint16_t length; /* IPv4 total length, IPv6 payload length */
  uint8_t dst;     /* 10: ours */
  size_t len;      /* bytes in the ESP payload */
  bool have6;      /* the policy knows our IPv6 address 2001:db8:2::10 */
  int expect;
  size_t expect_len;
} InnerCase;

static const InnerCase inner_cases[] = {
  { "IPv4 for us", 4, 0x45, 28, 10, 28, false, 0, 28 },
  { "IPv4 for us, options", 4, 0x46, 32, 10, 32, false, 0, 32 },
  { "IPv4 with TFC padding after it", 4, 0x45, 28, 10, 44, false, 0, 28 },
  { "IPv4 for another address", 4, 0x45, 28, 11, 28, false, -EADDRNOTAVAIL, 0 },
  { "IPv4 total length past the payload", 4, 0x45, 1500, 10, 28, false, -EPROTO, 0 },
  { "IPv4 total length inside the header", 4, 0x45, 19, 10, 28, false, -EPROTO, 0 },
  { "IPv4 header length 16", 4, 0x44, 28, 10, 28, false, -EPROTO, 0 },
  { "IPv4 header length past the total", 4, 0x4f, 28, 10, 60, false, -EPROTO, 0 },
  { "IPv4 shorter than a header", 4, 0x45, 12, 10, 12, false, -EPROTO, 0 },
  { "empty", 4, 0x45, 0, 10, 0, false, -EPROTO, 0 },
  { "version 6 as IPv4", 4, 0x65, 28, 10, 28, false, -EPROTO, 0 },
  { "garbage as IPv4", 4, 0x00, 0xd0d0, 10, 40, false, -EPROTO, 0 },
  { "transport mode UDP", 17, 0x45, 28, 10, 28, false, -EPROTONOSUPPORT, 0 },
  { "next header 255", 255, 0x45, 28, 10, 28, false, -EPROTONOSUPPORT, 0 },
  { "dummy packet", 59, 0x00, 0, 0, 16, false, 0, 0 },
  { "IPv6 without an IPv6 address", 41, 0x60, 8, 10, 48, false, -EADDRNOTAVAIL, 0 },
  { "IPv6 for us", 41, 0x60, 8, 10, 48, true, 0, 48 },
  { "IPv6 for us with TFC padding", 41, 0x60, 8, 10, 64, true, 0, 48 },
  { "IPv6 for another address", 41, 0x60, 8, 11, 48, true, -EADDRNOTAVAIL, 0 },
  { "IPv6 payload length past the payload", 41, 0x60, 9, 10, 48, true, -EPROTO, 0 },
  { "IPv6 shorter than a header", 41, 0x60, 0, 10, 39, true, -EPROTO, 0 },
  { "version 4 as IPv6", 41, 0x45, 8, 10, 48, true, -EPROTO, 0 },
};

static void inner_build(const InnerCase *t, uint8_t *pkt)
{
  for (size_t i = 0; i < t->len; i++)
    pkt[i] = (uint8_t)(0xd0 + i % 16);
  if (t->len >= 1)
    pkt[0] = t->first;
  if (t->nh == 41 && t->len >= 40) {
    static const uint8_t src[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 1, [15] = 1 };
    uint8_t dst[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 2 };

    dst[15] = t->dst;
    osp_put16(pkt + 4, t->length);
    memcpy(pkt + 8, src, 16);
    memcpy(pkt + 24, dst, 16);
  } else if (t->nh != 41 && t->len >= 20) {
    static const uint8_t src[4] = { 198, 51, 100, 1 };
    const uint8_t dst[4] = { 198, 18, 1, t->dst };

    osp_put16(pkt + 2, t->length);
    memcpy(pkt + 12, src, 4);
    memcpy(pkt + 16, dst, 4);
  }
}

/* authentic ESP packets through osp_esp_input: only IP packets with a sane
 * header and addressed to us come out, the rest is counted */
static void test_inner_policy(void)
{
  /* AES-128-CBC/SHA1, AES-128-GCM */
  static const size_t pairs[][2] = { { 3, 2 }, { 6, 0 } };
  const struct in6_addr ours6 = { .s6_addr = { 0x20, 0x01, 0x0d, 0xb8, 0, 2, [15] = 10 } };

  for (size_t pi = 0; pi < G_N_ELEMENTS(pairs); pi++) {
    g_autoptr(OspEspSa) out = combo_sa(pairs[pi][0], pairs[pi][1], 0x4301);
    g_autoptr(OspEspSa) in = combo_sa(pairs[pi][0], pairs[pi][1], 0x4301);
    uint64_t drops = 0;

    for (size_t i = 0; i < G_N_ELEMENTS(inner_cases); i++) {
      const InnerCase *t = &inner_cases[i];
      OspEspPolicy us = { .addr6 = t->have6 ? &ours6 : NULL };
      uint8_t inner[64], *p = NULL, *got = NULL;
      size_t n = 0, got_len = 99;
      Buf b;

      g_test_message("%s: %s", combo_name(pairs[pi][0], pairs[pi][1]), t->what);
      g_assert_cmpint(inet_pton(AF_INET, "198.18.1.10", &us.addr4), ==, 1);
      inner_build(t, inner);
      buf_init(&b, inner, t->len);
      g_assert_cmpint(osp_esp_encrypt(out, b.pkt, t->len, t->nh, &p, &n), ==, 0);
      g_assert_cmpint(osp_esp_input(in, p, n, &us, &got, &got_len), ==, t->expect);
      if (t->expect == 0) {
        g_assert_cmpuint(got_len, ==, t->expect_len);
        g_assert_cmpmem(got, got_len, inner, t->expect_len);
      } else {
        drops++;
      }
      g_assert_cmpuint(osp_esp_sa_stats(in)->policy_drops, ==, drops);
      buf_clear(&b);
    }
    /* every case authenticated: none was a replay or forgery */
    g_assert_cmpuint(osp_esp_sa_stats(in)->auth_failures, ==, 0);
    g_assert_cmpuint(osp_esp_sa_stats(in)->replay_drops, ==, 0);
    g_assert_cmpuint(osp_esp_sa_stats(in)->packets, ==, G_N_ELEMENTS(inner_cases));
  }
}

/* a packet that does not authenticate is not a policy drop */
static void test_inner_policy_forged(void)
{
  g_autoptr(OspEspSa) out = combo_sa(3, 2, 0x4302);
  g_autoptr(OspEspSa) in = combo_sa(3, 2, 0x4302);
  OspEspPolicy us = { 0 };
  uint8_t inner[28], *p = NULL, *got = NULL;
  size_t n = 0, got_len = 0;
  Buf b;

  inner_build(&inner_cases[0], inner);
  memcpy(&us.addr4, inner + 16, 4);
  buf_init(&b, inner, sizeof(inner));
  g_assert_cmpint(osp_esp_encrypt(out, b.pkt, sizeof(inner), 4, &p, &n), ==, 0);
  p[n - 1] ^= 1;
  g_assert_cmpint(osp_esp_input(in, p, n, &us, &got, &got_len), ==, -EACCES);
  p[n - 1] ^= 1;
  g_assert_cmpint(osp_esp_input(in, p, n, NULL, &got, &got_len), ==, -EINVAL);
  g_assert_cmpint(osp_esp_input(in, p, n, &us, &got, &got_len), ==, 0);
  g_assert_cmpuint(got_len, ==, sizeof(inner));
  g_assert_cmpint(osp_esp_input(in, p, n, &us, &got, &got_len), ==, -EALREADY);
  g_assert_cmpuint(osp_esp_sa_stats(in)->policy_drops, ==, 0);
  buf_clear(&b);
}

static void test_packet_spi(void)
{
  static const uint8_t pkt[8] = { 0xde, 0xad, 0xbe, 0xef, 0, 0, 0, 1 };

  g_assert_cmpuint(osp_esp_packet_spi(pkt, 8), ==, 0xdeadbeef);
  g_assert_cmpuint(osp_esp_packet_spi(pkt, 7), ==, 0);
  g_assert_cmpuint(osp_esp_packet_spi(pkt, 0), ==, 0);
  g_assert_cmpuint(osp_esp_packet_spi(NULL, 8), ==, 0);
}

/* ---- no allocation per packet ------------------------------------------- */

static long crypto_allocs;
static bool crypto_counting;

static void *count_malloc(size_t n, const char *file, int line)
{
  (void)file;
  (void)line;
  crypto_allocs++;
  return malloc(n);
}

static void *count_realloc(void *p, size_t n, const char *file, int line)
{
  (void)file;
  (void)line;
  crypto_allocs++;
  return realloc(p, n);
}

static void count_free(void *p, const char *file, int line)
{
  (void)file;
  (void)line;
  free(p);
}

static void test_no_alloc(void)
{
  /* AES-128-GCM; AES-128-CBC and 3DES with no integrity; AES-256-CBC/SHA256 */
  static const struct {
    size_t ei, ai, max_per_op;
  } t[] = {
    { 6, 0, 0 },
    { 3, 0, 0 },
    { 1, 0, 0 },
    /* OpenSSL 3.0 allocates a provider digest context per hash init/copy:
     * two per HMAC, none of them ours */
    { 5, 3, 2 },
  };
  size_t i, k;

  if (!crypto_counting) {
    g_test_skip("CRYPTO_set_mem_functions() was refused");
    return;
  }
  for (i = 0; i < G_N_ELEMENTS(t); i++) {
    g_autoptr(OspEspSa) out = combo_sa(t[i].ei, t[i].ai, 0x6666);
    g_autoptr(OspEspSa) in = combo_sa(t[i].ei, t[i].ai, 0x6666);
    long before_enc, enc_allocs = 0, dec_allocs = 0;
    Buf b;

    g_test_message("%s", combo_name(t[i].ei, t[i].ai));
    buf_init(&b, NULL, 1400);
    memset(b.pkt, 0x45, 1400);
    for (k = 0; k < 200; k++) {
      uint8_t *p = NULL, *q = NULL;
      size_t n = 0, m = 0;
      long before_dec;

      before_enc = crypto_allocs;
      g_assert_cmpint(osp_esp_encrypt(out, b.pkt, 1400, 4, &p, &n), ==, 0);
      before_dec = crypto_allocs;
      g_assert_cmpint(osp_esp_decrypt(in, p, n, &q, &m, NULL), ==, 0);
      if (k >= 100) { /* after warm-up (IV generator refills included) */
        enc_allocs += before_dec - before_enc;
        dec_allocs += crypto_allocs - before_dec;
      }
      g_assert_cmpuint(m, ==, 1400);
    }
    g_test_message("libcrypto allocations per packet: encrypt %.2f, decrypt %.2f",
                   enc_allocs / 100.0, dec_allocs / 100.0);
    g_assert_cmpint(enc_allocs, <=, 100 * (long)t[i].max_per_op);
    g_assert_cmpint(dec_allocs, <=, 100 * (long)t[i].max_per_op);
    buf_clear(&b);
  }
}

/* ---- TUN ---------------------------------------------------------------- */

static void test_tun(void)
{
  g_autofree char *name = NULL;
  g_autofree char *exact = NULL;
  g_autofree char *got = NULL;
  struct ifreq ifr;
  int fd, r;

  if (geteuid() != 0) {
    g_test_skip("needs root");
    return;
  }
  if (access("/dev/net/tun", F_OK) != 0) {
    g_test_skip("no /dev/net/tun");
    return;
  }
  fd = osp_tun_open("ospt%d", &name);
  if (fd == -EPERM || fd == -EACCES || fd == -ENODEV || fd == -ENOENT) {
    g_autofree char *why = g_strdup_printf("cannot create a TUN device: %s", g_strerror(-fd));

    g_test_skip(why);
    return;
  }
  g_assert_cmpint(fd, >=, 0);
  g_assert_true(g_str_has_prefix(name, "ospt"));
  g_assert_cmpuint(strlen(name), >, 4);
  g_assert_true(fcntl(fd, F_GETFL) & O_NONBLOCK);
  g_assert_true(fcntl(fd, F_GETFD) & FD_CLOEXEC);
  memset(&ifr, 0, sizeof(ifr));
  g_assert_cmpint(ioctl(fd, TUNGETIFF, &ifr), ==, 0);
  g_assert_cmpstr(ifr.ifr_name, ==, name);
  g_assert_cmpint(ifr.ifr_flags & (IFF_TUN | IFF_TAP | IFF_NO_PI), ==, IFF_TUN | IFF_NO_PI);
  /* behind virtio-net headers, for the offloads (a kernel may refuse those) */
  g_assert_true(osp_tun_has_vnet_hdr(fd));
  r = osp_tun_set_offload(fd);
  g_assert_true(r == 0 || r == -EINVAL);
  close(fd);

  /* an exact name comes back as is */
  exact = g_strdup_printf("ospx%u", (unsigned)getpid() % 100000u);
  fd = osp_tun_open(exact, &got);
  g_assert_cmpint(fd, >=, 0);
  g_assert_cmpstr(got, ==, exact);
  close(fd);

  g_assert_cmpint(osp_tun_open("a-name-longer-than-ifnamsiz", NULL), ==, -EINVAL);
}

int main(int argc, char **argv)
{
  OSSL_PROVIDER *legacy, *deflt;
  int r;

  /* must precede any OpenSSL allocation */
  crypto_counting = CRYPTO_set_mem_functions(count_malloc, count_realloc, count_free) == 1;
  g_test_init(&argc, &argv, NULL);

  /* single DES lives in the legacy provider; loading it by hand turns off
   * the implicit default provider, so load that too */
  legacy = OSSL_PROVIDER_try_load(NULL, "legacy", 1);
  deflt = OSSL_PROVIDER_load(NULL, "default");
  if (legacy) {
    EVP_CIPHER *des = EVP_CIPHER_fetch(NULL, "DES-CBC", NULL);

    des_available = des != NULL;
    EVP_CIPHER_free(des);
  }
  if (!des_available)
    g_test_message("single DES unavailable (no legacy provider): DES pairs skipped");

  g_test_add_func("/esp/lengths", test_lengths);
  g_test_add_func("/esp/room", test_room);
  g_test_add_func("/esp/sa-new-invalid", test_sa_new_invalid);
  g_test_add_func("/esp/rfc3602", test_rfc3602);
  g_test_add_func("/esp/gcm/draft-mcgrew-gcm-test", test_gcm_vectors);
  g_test_add_func("/esp/gcm/iv-is-seq", test_gcm_iv_is_seq);
  g_test_add_func("/esp/hmac/icv", test_hmac_icv);
  g_test_add_func("/esp/hmac/rfc2202-rfc4868", test_hmac_rfc);
  g_test_add_func("/esp/roundtrip", test_roundtrip);
  g_test_add_func("/esp/reference", test_reference);
  g_test_add_func("/esp/cbc-iv", test_cbc_iv);
  g_test_add_func("/esp/tamper", test_tamper);
  g_test_add_func("/esp/replay", test_replay);
  g_test_add_func("/esp/bad-padding", test_bad_padding);
  g_test_add_func("/esp/truncated", test_truncated);
  g_test_add_func("/esp/seq-overflow", test_seq_overflow);
  g_test_add_func("/esp/inner-policy", test_inner_policy);
  g_test_add_func("/esp/inner-policy/forged", test_inner_policy_forged);
  g_test_add_func("/esp/packet-spi", test_packet_spi);
  g_test_add_func("/esp/no-alloc", test_no_alloc);
  g_test_add_func("/tun/open", test_tun);
  r = g_test_run();

  OSSL_PROVIDER_unload(legacy);
  OSSL_PROVIDER_unload(deflt);
  return r;
}
