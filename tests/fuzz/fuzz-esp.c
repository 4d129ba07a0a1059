/* SPDX-License-Identifier: GPL-2.0-or-later
 * libFuzzer target for ESP decapsulation and the anti-replay window
 * (client/osp-esp.c), against a model written here from RFC 4303.
 *
 * Byte 0 picks the SA's algorithms (CBC+HMAC, GCM, NULL+HMAC), byte 1 the
 * mode:
 * (bit 3 of the mode: through osp_esp_input(), the datapath's inbound path,
 * whose inner-packet check is modelled too: RFC 4301 5.2, RFC 791, RFC 8200):
 *   raw      the rest is one ESP packet from the wire (SPI forced to ours
 *            or not), which must be refused or accepted without reading or
 *            writing outside it;
 *   sealed   the rest is a list of records, each a sequence number and an
 *            encrypted part (payload | padding | pad length | next header)
 *            that this file encrypts and authenticates itself with EVP (not
 *            osp-esp.c's code) under the SA's keys, optionally tampered or
 *            sent with a wrong SPI.  Authentic packets reach the padding
 *            checks and the replay window; the result of every packet must
 *            be what the model says (RFC 4303 2.4, 3.4.3) and an accepted
 *            packet's payload must be exactly the one sealed;
 *            or a record is a payload that osp_esp_encrypt() wraps and a
 *            second SA must give back unchanged;
 *   replay   the rest is a list of sequence numbers (absolute or relative
 *            to the highest seen) fed to osp_replay_check()/update(), with
 *            the model deciding each. */
#include "fuzz-util.h"
#include "osp-esp.h"

#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#define SPI 0x0badf00du
#define MAX_PART 2047
#define HDR 8

typedef struct {
  OspEspEnc enc;
  unsigned bits;
  OspEspAuth auth;
  const char *cipher; /* EVP name, NULL for NULL encryption */
  const char *digest; /* EVP name of the HMAC hash, NULL for GCM */
  size_t iv_len, align, icv_len;
} Config;

static const Config configs[] = {
  { OSP_ESP_AES_CBC, 128, OSP_ESP_AUTH_HMAC_SHA1, "AES-128-CBC", "SHA1", 16, 16, 12 },
  { OSP_ESP_AES_CBC, 256, OSP_ESP_AUTH_HMAC_SHA256, "AES-256-CBC", "SHA2-256", 16, 16, 16 },
  { OSP_ESP_AES_CBC, 192, OSP_ESP_AUTH_HMAC_SHA512, "AES-192-CBC", "SHA2-512", 16, 16, 32 },
  { OSP_ESP_AES_GCM_16, 128, OSP_ESP_AUTH_NONE, "AES-128-GCM", NULL, 8, 4, 16 },
  { OSP_ESP_AES_GCM_16, 256, OSP_ESP_AUTH_NONE, "AES-256-GCM", NULL, 8, 4, 16 },
  { OSP_ESP_3DES, 192, OSP_ESP_AUTH_HMAC_MD5, "DES-EDE3-CBC", "MD5", 8, 8, 12 },
  { OSP_ESP_NULL, 0, OSP_ESP_AUTH_HMAC_SHA384, NULL, "SHA2-384", 0, 4, 24 },
};

static uint8_t enc_key[36], auth_key[64];
/* our inner addresses: 198.18.1.10 and 2001:db8::10 */
static const struct in6_addr our6 = { .s6_addr = { 0x20, 0x01, 0x0d, 0xb8, [15] = 0x10 } };
static OspEspPolicy policy4 = { .addr4.s_addr = 0 }, policy46;

static EVP_CIPHER *evp_ciphers[G_N_ELEMENTS(configs)];
static EVP_CIPHER_CTX *evp_ctx;
static EVP_MAC_CTX *evp_mac;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
  for (size_t i = 0; i < sizeof(enc_key); i++)
    enc_key[i] = (uint8_t)(0x10 + i);
  for (size_t i = 0; i < sizeof(auth_key); i++)
    auth_key[i] = (uint8_t)(0xa0 ^ i);
  policy4.addr4.s_addr = htonl(0xc612010a);
  policy46 = policy4;
  policy46.addr6 = &our6;
  for (size_t i = 0; i < G_N_ELEMENTS(configs); i++)
    if (configs[i].cipher)
      CHECK((evp_ciphers[i] = EVP_CIPHER_fetch(NULL, configs[i].cipher, NULL)));
  {
    EVP_MAC *hmac = EVP_MAC_fetch(NULL, "HMAC", NULL);

    CHECK(hmac && (evp_mac = EVP_MAC_CTX_new(hmac)) && (evp_ctx = EVP_CIPHER_CTX_new()));
    EVP_MAC_free(hmac);
  }
  return 0;
}

static OspEspSa *sa_new(const Config *c)
{
  OspEspSa *sa = NULL;

  CHECK(osp_esp_sa_new(SPI, c->enc, c->bits, enc_key, osp_esp_enc_key_len(c->enc, c->bits), c->auth,
                       auth_key, osp_esp_auth_key_len(c->auth), &sa) == 0);
  return sa;
}

/* ---- the model: RFC 4303 3.4.3 as a set of seen numbers ---------------- */

typedef struct {
  uint32_t top;
  GHashTable *seen;
  uint64_t policy_drops;
} Model;

/* what osp_esp_input() lets through of an authentic payload: an IPv4 or
 * IPv6 packet with a sane header, addressed to us; its own length */
static int inner_model(const uint8_t *p, size_t len, uint8_t nh, const OspEspPolicy *us,
                       size_t *ret_len)
{
  size_t hlen, total;

  *ret_len = 0;
  if (nh == 59) /* dummy packet, RFC 4303 2.6 */
    return 0;
  if (nh == 4) {
    if (len < 20 || p[0] >> 4 != 4)
      return -EPROTO;
    hlen = (size_t)(p[0] & 15) * 4;
    total = osp_get16(p + 2);
    if (hlen < 20 || total < hlen || total > len)
      return -EPROTO;
    if (memcmp(p + 16, &us->addr4, 4) != 0)
      return -EADDRNOTAVAIL;
  } else if (nh == 41) {
    if (len < 40 || p[0] >> 4 != 6)
      return -EPROTO;
    total = 40 + (size_t)osp_get16(p + 4);
    if (total > len)
      return -EPROTO;
    if (!us->addr6 || memcmp(p + 24, us->addr6, 16) != 0)
      return -EADDRNOTAVAIL;
  } else {
    return -EPROTONOSUPPORT;
  }
  *ret_len = total;
  return 0;
}

static bool model_ok(const Model *m, uint32_t seq)
{
  if (seq == 0)
    return false;
  if (seq > m->top)
    return true;
  return m->top - seq < OSP_REPLAY_WINDOW && !g_hash_table_contains(m->seen, GUINT_TO_POINTER(seq));
}

static void model_update(Model *m, uint32_t seq)
{
  if (seq > m->top)
    m->top = seq;
  g_hash_table_add(m->seen, GUINT_TO_POINTER(seq));
}

static uint32_t next_seq(FuzzIn *in, uint8_t flags, const Model *m)
{
  uint32_t v = fuzz_u32(in);

  /* relative: near the window, where its edges are */
  return flags & 4 ? m->top + (uint32_t)(int32_t)(int16_t)v : v;
}

/* ---- sealing with EVP, independently of osp-esp.c --------------------- */

static size_t seal(const Config *c, uint32_t spi, uint32_t seq, const uint8_t *iv,
                   const uint8_t *part, size_t part_len, uint8_t *out)
{
  uint8_t *ct = out + HDR + c->iv_len;
  EVP_CIPHER *cipher = evp_ciphers[c - configs];
  EVP_CIPHER_CTX *ctx = evp_ctx;
  int outl = 0;

  osp_put32(out, spi);
  osp_put32(out + 4, seq);
  memcpy(out + HDR, iv, c->iv_len);
  if (!c->cipher || (c->enc != OSP_ESP_AES_GCM_16 && part_len % c->align)) {
    /* NULL; or CBC of a partial block, which cannot be encrypted: sent as
     * it is, to be refused for its length */
    memcpy(ct, part, part_len);
  } else {
    if (c->enc == OSP_ESP_AES_GCM_16) {
      uint8_t nonce[12];
      size_t klen = osp_esp_enc_key_len(c->enc, c->bits);
      OSSL_PARAM params[2];

      /* RFC 4106 4, 5: nonce = salt | IV, AAD = SPI | seq */
      memcpy(nonce, enc_key + klen - 4, 4);
      memcpy(nonce + 4, iv, 8);
      CHECK(EVP_EncryptInit_ex2(ctx, cipher, enc_key, nonce, NULL));
      CHECK(EVP_EncryptUpdate(ctx, NULL, &outl, out, HDR));
      CHECK(EVP_EncryptUpdate(ctx, ct, &outl, part, (int)part_len) && outl == (int)part_len);
      CHECK(EVP_EncryptFinal_ex(ctx, ct + part_len, &outl));
      params[0] = OSSL_PARAM_construct_octet_string(OSSL_CIPHER_PARAM_AEAD_TAG, ct + part_len, 16);
      params[1] = OSSL_PARAM_construct_end();
      CHECK(EVP_CIPHER_CTX_get_params(ctx, params));
    } else {
      CHECK(EVP_EncryptInit_ex2(ctx, cipher, enc_key, iv, NULL));
      CHECK(EVP_CIPHER_CTX_set_padding(ctx, 0));
      CHECK(EVP_EncryptUpdate(ctx, ct, &outl, part, (int)part_len) && outl == (int)part_len);
    }
  }
  if (c->digest) {
    uint8_t mac[EVP_MAX_MD_SIZE];
    size_t mlen = 0;
    EVP_MAC_CTX *mctx = evp_mac;
    OSSL_PARAM params[2];

    params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)c->digest, 0);
    params[1] = OSSL_PARAM_construct_end();
    CHECK(EVP_MAC_init(mctx, auth_key, osp_esp_auth_key_len(c->auth), params));
    CHECK(EVP_MAC_update(mctx, out, HDR + c->iv_len + part_len));
    CHECK(EVP_MAC_final(mctx, mac, &mlen, sizeof(mac)) && mlen >= c->icv_len);
    memcpy(ct + part_len, mac, c->icv_len);
  }
  return HDR + c->iv_len + part_len + c->icv_len;
}

/* what osp_esp_decrypt() must answer for an authentic packet (RFC 4303) */
static int expected(const Config *c, const Model *m, uint32_t seq, const uint8_t *part,
                    size_t part_len, bool wrong_spi, bool tampered, size_t *ret_inner)
{
  size_t min_enc = c->cipher && c->enc != OSP_ESP_AES_GCM_16 ? c->align : 2, pad;

  if (part_len < min_enc || (min_enc > 2 && part_len % c->align) || wrong_spi)
    return -EBADMSG;
  if (!model_ok(m, seq))
    return -EALREADY;
  if (tampered)
    return -EACCES;
  pad = part[part_len - 2];
  if (pad + 2 > part_len)
    return -EBADMSG;
  for (size_t i = 0; i < pad; i++)
    if (part[part_len - 2 - pad + i] != i + 1)
      return -EBADMSG;
  *ret_inner = part_len - 2 - pad;
  return 0;
}

static void sealed_record(const Config *c, OspEspSa *sa, Model *m, const OspEspPolicy *policy,
                          FuzzIn *in)
{
  uint8_t flags = fuzz_u8(in), iv[16] = { 0 }, part[MAX_PART + 16];
  uint8_t wire[HDR + 16 + MAX_PART + 16 + 64], *pkt = NULL, nh = 0;
  uint32_t seq = next_seq(in, flags, m);
  size_t want = fuzz_u16(in) & MAX_PART, got, len, inner = 0, pkt_len = 0;
  const uint8_t *src = fuzz_bytes(in, want, &got);
  int r, want_r;

  memcpy(part, src, got);
  /* CBC: round up to whole blocks, so most records decrypt */
  if ((flags & 8) && c->cipher && c->enc != OSP_ESP_AES_GCM_16 && got % c->align) {
    size_t fill = c->align - got % c->align;

    memset(part + got, 0, fill);
    part[got + fill - 2] = 0; /* pad length 0 */
    got += fill;
  }
  for (size_t i = 0; i < c->iv_len; i++)
    iv[i] = (uint8_t)(seq + i);
  len = seal(c, flags & 2 ? SPI + 1 : SPI, seq, iv, part, got, wire);
  if (flags & 1)
    wire[HDR + (fuzz_u8(in) % (len - HDR))] ^= 0x01 << (flags >> 5);
  want_r = expected(c, m, seq, part, got, flags & 2, flags & 1, &inner);
  if (policy) {
    size_t deliver = 0;
    int authentic = want_r;

    if (want_r == 0)
      want_r = inner_model(part, inner, part[got - 1], policy, &deliver);
    r = osp_esp_input(sa, wire, len, policy, &pkt, &pkt_len);
    if (r != want_r)
      fprintf(stderr, "seq %u len %zu: got %d, model says %d\n", seq, got, r, want_r);
    CHECK(r == want_r);
    if (authentic == 0) {
      model_update(m, seq);
      m->policy_drops += r != 0;
    }
    if (r == 0)
      CHECK(pkt == wire + HDR + c->iv_len && pkt_len == deliver &&
            (deliver == 0 || memcmp(pkt, part, deliver) == 0));
    return;
  }
  r = osp_esp_decrypt(sa, wire, len, &pkt, &pkt_len, &nh);
  if (r != want_r)
    fprintf(stderr, "seq %u len %zu: got %d, model says %d\n", seq, got, r, want_r);
  CHECK(r == want_r);
  if (r == 0) {
    CHECK(pkt_len == inner && pkt == wire + HDR + c->iv_len);
    CHECK(memcmp(pkt, part, inner) == 0 && nh == part[got - 1]);
    model_update(m, seq);
  }
}

/* osp_esp_encrypt() then a second SA with the same keys must give it back */
static void roundtrip_record(const Config *c, OspEspSa *out, OspEspSa *back, FuzzIn *in)
{
  uint8_t buf[OSP_ESP_HEADROOM + MAX_PART + OSP_ESP_TAILROOM], *esp = NULL, *pkt = NULL, nh = 0;
  uint8_t next_header = fuzz_u8(in);
  size_t want = fuzz_u16(in) & MAX_PART, got, esp_len = 0, pkt_len = 0;
  const uint8_t *src = fuzz_bytes(in, want, &got);
  g_autofree uint8_t *copy = g_memdup2(src, got);

  memcpy(buf + OSP_ESP_HEADROOM, src, got);
  CHECK(osp_esp_encrypt(out, buf + OSP_ESP_HEADROOM, got, next_header, &esp, &esp_len) == 0);
  CHECK(esp >= buf && esp + esp_len <= buf + sizeof(buf));
  CHECK(esp_len <= got + osp_esp_max_overhead(c->enc, c->auth));
  CHECK(osp_esp_packet_spi(esp, esp_len) == SPI);
  CHECK(osp_esp_decrypt(back, esp, esp_len, &pkt, &pkt_len, &nh) == 0);
  CHECK(pkt_len == got && (got == 0 || memcmp(pkt, copy, got) == 0) && nh == next_header);
}

static void raw_packet(const Config *c, OspEspSa *sa, const uint8_t *data, size_t size, bool force)
{
  g_autofree uint8_t *wire = g_malloc(MAX(size, 1));
  uint8_t *pkt = NULL, nh = 0;
  size_t pkt_len = 0;
  int r;

  if (size)
    memcpy(wire, data, size);
  if (force && size >= 4)
    osp_put32(wire, SPI);
  r = osp_esp_decrypt(sa, wire, size, &pkt, &pkt_len, &nh);
  CHECK(r == 0 || r == -EBADMSG || r == -EACCES || r == -EALREADY);
  if (r == 0)
    fuzz_touch(pkt, pkt_len, wire, size);
}

static void replay_list(FuzzIn *in)
{
  g_autoptr(GHashTable) seen = g_hash_table_new(NULL, NULL);
  Model m = { 0, seen, 0 };
  OspReplay r;

  osp_replay_init(&r);
  while (in->left) {
    uint8_t flags = fuzz_u8(in);
    uint32_t seq = next_seq(in, flags, &m);
    bool ok = model_ok(&m, seq);

    CHECK(osp_replay_check(&r, seq) == ok);
    /* bit 0: record it only when the model accepts, as decryption does;
     * else record whatever comes (an update of a seen number is harmless) */
    if (ok || (flags & 1)) {
      osp_replay_update(&r, seq);
      if (seq)
        model_update(&m, seq);
      CHECK(!osp_replay_check(&r, seq));
    }
    CHECK(r.top == m.top);
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  const Config *c;
  g_autoptr(OspEspSa) sa = NULL;
  uint8_t mode;

  if (size < 2)
    return 0;
  c = &configs[data[0] % G_N_ELEMENTS(configs)];
  mode = data[1];
  if (mode % 3 == 2) {
    FuzzIn in = { data + 2, size - 2 };

    replay_list(&in);
    return 0;
  }
  sa = sa_new(c);
  if (mode % 3 == 0) {
    raw_packet(c, sa, data + 2, size - 2, mode & 4);
  } else {
    g_autoptr(GHashTable) seen = g_hash_table_new(NULL, NULL);
    g_autoptr(OspEspSa) out = sa_new(c);
    g_autoptr(OspEspSa) back = sa_new(c);
    Model m = { 0, seen, 0 };
    FuzzIn in = { data + 2, size - 2 };
    const OspEspPolicy *policy = mode & 8 ? (mode & 16 ? &policy46 : &policy4) : NULL;

    while (in.left) {
      if (in.p[0] & 0x10) {
        in.p++;
        in.left--;
        roundtrip_record(c, out, back, &in);
      } else {
        sealed_record(c, sa, &m, policy, &in);
      }
    }
    CHECK(osp_esp_sa_stats(sa)->packets == g_hash_table_size(seen));
    CHECK(osp_esp_sa_stats(sa)->policy_drops == m.policy_drops);
  }
  return 0;
}
