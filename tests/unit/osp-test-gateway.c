/* SPDX-License-Identifier: GPL-2.0-or-later
 * Osprey tests — the scripted IKEv1 gateway and the rig (see the header). */
#include "osp-test-gateway.h"

#include "osp-error.h"
#include "osp-frag.h"

#include <arpa/inet.h>
#include <openssl/crypto.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <string.h>

#define NONCE_LEN 32
#define SEEN_MAX 32

/* MD5("FRAGMENTATION"), capability IKE fragmentation */
static const uint8_t vid_frag[] = { 0x40, 0x48, 0xb7, 0xd5, 0x6e, 0xbc, 0xe8, 0x85, 0x25, 0xe7,
                                    0xde, 0x7f, 0x00, 0xd6, 0xc2, 0xd3, 0x80, 0x00, 0x00, 0x00 };
static const uint8_t vid_xauth[] = { 0x09, 0x00, 0x26, 0x89, 0xdf, 0xd6, 0xb7, 0x12 };
static const uint8_t vid_dpd[] = { 0xaf, 0xca, 0xd7, 0x13, 0x68, 0xa1, 0xf1, 0xc9,
                                   0x6b, 0x86, 0x96, 0xfc, 0x77, 0x57, 0x01, 0x00 };
static const uint8_t vid_unity[] = { 0x12, 0xf5, 0xf2, 0x8c, 0x45, 0x71, 0x68, 0xa9,
                                     0x70, 0x2d, 0x9f, 0xe2, 0x74, 0xcc, 0x01, 0x00 };

static const uint8_t vid_natt_rfc[] = { 0x4a, 0x13, 0x1c, 0x81, 0x07, 0x03, 0x58, 0x45,
                                        0x5c, 0x57, 0x28, 0xf2, 0x0e, 0x95, 0x45, 0x2f };
static const uint8_t vid_natt_draft02[] = { 0xcd, 0x60, 0x46, 0x43, 0x35, 0xdf, 0x21, 0xf8,
                                            0x7c, 0xfd, 0xb2, 0xfc, 0x68, 0xb6, 0xa4, 0x48 };

/* A datagram seen before, and what the gateway sent while processing it. */
typedef struct {
  uint8_t digest[20];
  GPtrArray *replies; /* GByteArray * */
} Seen;

/* A quick mode in progress, started by the client or (ours) the gateway. */
typedef struct {
  uint32_t msgid;
  bool ours;
  GByteArray *ni, *nr; /* the initiator's and the responder's nonce */
  uint32_t spi_client, spi_gw;
  int enc, auth, group;
  unsigned key_bits;
  int encap; /* encapsulation mode offered */
  OspDh *dh; /* ours, PFS: until the client's KE comes */
  OspSecret *gqm;
} Qm;

typedef struct {
  OspDh *dh;
  GByteArray *ke_i, *sai_b, *idii_b;
  uint8_t p1_iv[16];
  GHashTable *ivs;    /* msgid -> uint8_t[16] */
  GArray *seen;       /* Seen */
  GPtrArray *replies; /* what the datagram in processing made the gateway send */
  uint32_t status_msgid, cfg_set_msgid;
  GHashTable *qms; /* msgid -> Qm */
  /* the last quick mode the client started: what a rekey of ours offers */
  int last_enc;
  GByteArray *last_attrs, *last_idci, *last_idcr;
} Priv;

#define P(gw) ((Priv *)(gw)->priv)

static void put_addr(GByteArray *b, uint16_t type, const char *ip)
{
  struct in_addr a;

  g_assert_cmpint(inet_pton(AF_INET, ip, &a), ==, 1);
  osp_put_attr_var(b, type, &a, 4);
}

static void qm_free(gpointer p)
{
  Qm *q = p;

  if (q->ni)
    g_byte_array_unref(q->ni);
  if (q->nr)
    g_byte_array_unref(q->nr);
  osp_dh_free(q->dh);
  osp_secret_free(q->gqm);
  g_free(q);
}

static void seen_clear(gpointer p)
{
  Seen *s = p;

  g_ptr_array_unref(s->replies);
}

static void child_free(gpointer p)
{
  OspTestGwChild *c = p;

  osp_secret_free(c->keys_to_client);
  osp_secret_free(c->keys_to_gw);
  g_free(c);
}

OspTestGw *osp_test_gw_new(void)
{
  OspTestGw *gw = g_new0(OspTestGw, 1);
  Priv *priv = g_new0(Priv, 1);
  uint8_t split[14] = { 198, 51, 100, 0, 255, 255, 255, 0 };

  gw->priv = priv;
  gw->group_id = g_strdup("osprey-lab");
  gw->group_secret = g_strdup("secret");
  gw->username = g_strdup("alice");
  gw->password = g_strdup("pw");
  gw->xauth = true;
  gw->xauth_attrs = g_byte_array_new();
  osp_put_attr_basic(gw->xauth_attrs, X_TYPE, 0);
  osp_put_attr_var(gw->xauth_attrs, X_USER_NAME, NULL, 0);
  osp_put_attr_var(gw->xauth_attrs, X_USER_PASSWORD, NULL, 0);
  gw->cfg_attrs = g_byte_array_new();
  put_addr(gw->cfg_attrs, C_IP4_ADDRESS, "198.18.1.10");
  put_addr(gw->cfg_attrs, C_IP4_NETMASK, "255.255.255.255");
  put_addr(gw->cfg_attrs, C_IP4_DNS, "198.51.100.53");
  osp_put_attr_var(gw->cfg_attrs, U_BANNER, "Osprey test gateway", 19);
  osp_put_attr_var(gw->cfg_attrs, U_DEF_DOMAIN, "corp.example", 12);
  osp_put_attr_var(gw->cfg_attrs, U_SPLIT_DNS, "corp.example", 12);
  osp_put_attr_var(gw->cfg_attrs, U_SPLIT_INCLUDE, split, sizeof(split));
  gw->vid_xauth = gw->vid_dpd = gw->vid_unity = true;
  gw->answer_dpd = true;
  gw->p1_pick = -1;
  g_queue_init(&gw->out);
  gw->sent = g_ptr_array_new_with_free_func((GDestroyNotify)g_byte_array_unref);
  gw->p1_offers = g_array_new(FALSE, TRUE, sizeof(OspTestGwP1Offer));
  gw->qm_offers = g_array_new(FALSE, TRUE, sizeof(OspTestGwQmOffer));
  gw->children = g_ptr_array_new_with_free_func(child_free);
  gw->notifies = g_array_new(FALSE, TRUE, sizeof(uint16_t));
  gw->esp_deletes = g_array_new(FALSE, TRUE, sizeof(uint32_t));
  gw->xauth_reply = g_byte_array_new();
  gw->cfg_request = g_byte_array_new();
  priv->ivs = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, g_free);
  priv->qms = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, qm_free);
  priv->seen = g_array_new(FALSE, TRUE, sizeof(Seen));
  g_array_set_clear_func(priv->seen, seen_clear);
  return gw;
}

/* Forgets the IKE SA (a new message 1 starts another one). */
static void ike_reset(OspTestGw *gw)
{
  Priv *p = P(gw);

  osp_dh_free(p->dh);
  p->dh = NULL;
  g_clear_pointer(&p->ke_i, g_byte_array_unref);
  g_clear_pointer(&p->sai_b, g_byte_array_unref);
  g_clear_pointer(&p->idii_b, g_byte_array_unref);
  g_clear_pointer(&gw->skeyid, osp_secret_free);
  g_clear_pointer(&gw->skeyid_d, osp_secret_free);
  g_clear_pointer(&gw->skeyid_a, osp_secret_free);
  g_clear_pointer(&gw->skeyid_e, osp_secret_free);
  g_clear_pointer(&gw->enc_key, osp_secret_free);
  g_hash_table_remove_all(p->ivs);
  g_hash_table_remove_all(p->qms);
  memset(gw->rcookie, 0, 8);
  gw->p1_done = gw->xauth_done = gw->cfg_done = false;
  gw->p1_auth = 0;
  gw->xauth_msgid = gw->cfg_msgid = p->status_msgid = p->cfg_set_msgid = 0;
}

void osp_test_gw_free(OspTestGw *gw)
{
  Priv *p;

  if (!gw)
    return;
  p = P(gw);
  ike_reset(gw);
  g_hash_table_unref(p->ivs);
  g_hash_table_unref(p->qms);
  g_array_unref(p->seen);
  g_clear_pointer(&p->last_attrs, g_byte_array_unref);
  g_clear_pointer(&p->last_idci, g_byte_array_unref);
  g_clear_pointer(&p->last_idcr, g_byte_array_unref);
  g_free(p);
  g_free(gw->group_id);
  g_free(gw->group_secret);
  if (gw->client_id)
    g_byte_array_unref(gw->client_id);
  EVP_PKEY_free(gw->sign_key);
  if (gw->certs)
    g_ptr_array_unref(gw->certs);
  g_free(gw->username);
  g_free(gw->password);
  g_byte_array_unref(gw->xauth_attrs);
  g_byte_array_unref(gw->cfg_attrs);
  g_queue_clear_full(&gw->out, (GDestroyNotify)g_byte_array_unref);
  g_ptr_array_unref(gw->sent);
  g_array_unref(gw->p1_offers);
  g_array_unref(gw->qm_offers);
  g_ptr_array_unref(gw->children);
  g_array_unref(gw->notifies);
  g_array_unref(gw->esp_deletes);
  g_free(gw->xauth_user);
  g_free(gw->xauth_password);
  g_byte_array_unref(gw->xauth_reply);
  g_byte_array_unref(gw->cfg_request);
  g_free(gw->reject_reason);
  g_free(gw);
}

static void reject(OspTestGw *gw, const char *why)
{
  gw->rejected++;
  g_free(gw->reject_reason);
  gw->reject_reason = g_strdup(why);
  g_debug("test gateway: dropped the client's datagram: %s", why);
}

static uint32_t new_msgid(void)
{
  uint32_t id = 0;

  while (id == 0)
    osp_random(&id, sizeof(id));
  return id;
}

static bool in_list(const int *list, int v)
{
  size_t i;

  if (list[0] == 0)
    return true;
  for (i = 0; i < 8 && list[i]; i++)
    if (list[i] == v)
      return true;
  return false;
}

/* the responder cookie of a gateway with fixed set */
static const uint8_t fixed_rcookie[8] = { 0xc0, 0x0c, 0x1e, 0x5e, 0xc0, 0x0c, 0x1e, 0x5e };

/* ---- IVs and encryption (RFC 2409 appendix B) ------------------------ */

static uint8_t *iv_of(OspTestGw *gw, uint32_t msgid)
{
  Priv *p = P(gw);
  uint8_t *iv;

  if (msgid == 0)
    return p->p1_iv;
  iv = g_hash_table_lookup(p->ivs, GUINT_TO_POINTER(msgid));
  if (!iv) {
    iv = g_malloc0(16);
    osp_ike_phase2_iv(gw->hash, p->p1_iv, gw->block_len, msgid, iv);
    g_hash_table_insert(p->ivs, GUINT_TO_POINTER(msgid), iv);
  }
  return iv;
}

void osp_test_gw_set_iv(OspTestGw *gw, uint32_t msgid, const uint8_t *iv)
{
  memcpy(iv_of(gw, msgid), iv, gw->block_len);
}

const uint8_t *osp_test_gw_iv(OspTestGw *gw, uint32_t msgid)
{
  return iv_of(gw, msgid);
}

void osp_test_gw_fixed_keys(OspTestGw *gw, OspHash hash, OspCipher cipher, unsigned key_bits)
{
  size_t hlen = osp_hash_len(hash);
  uint8_t buf[64];

  ike_reset(gw);
  gw->fixed = true;
  memset(gw->icookie, 0x1c, 8);
  memcpy(gw->rcookie, fixed_rcookie, 8);
  gw->hash = hash;
  gw->cipher = cipher;
  gw->key_bits = key_bits;
  gw->block_len = osp_cipher_block_len(cipher);
  memset(buf, 0x01, sizeof(buf));
  gw->skeyid = osp_secret_new_from(buf, hlen);
  memset(buf, 0x02, sizeof(buf));
  gw->skeyid_d = osp_secret_new_from(buf, hlen);
  memset(buf, 0x03, sizeof(buf));
  gw->skeyid_a = osp_secret_new_from(buf, hlen);
  memset(buf, 0x04, sizeof(buf));
  gw->skeyid_e = osp_secret_new_from(buf, hlen);
  memset(buf, 0x05, sizeof(buf));
  gw->enc_key = osp_secret_new_from(buf, osp_cipher_key_len(cipher, key_bits));
  memset(P(gw)->p1_iv, 0x06, sizeof(P(gw)->p1_iv));
  gw->p1_done = true;
}

/* Pads b (header + payloads) to the block size and encrypts it in place. */
static void encrypt_msg(OspTestGw *gw, GByteArray *b, uint32_t msgid)
{
  static const uint8_t zeros[16];
  size_t plen = b->len - OSP_ISAKMP_HDR_LEN;
  size_t pad = (gw->block_len - plen % gw->block_len) % gw->block_len;
  uint8_t *iv = iv_of(gw, msgid);

  g_assert_nonnull(gw->enc_key);
  g_byte_array_append(b, zeros, (guint)pad);
  osp_put32(b->data + 24, b->len);
  g_assert_cmpint(osp_cbc_encrypt(gw->cipher, gw->enc_key->data, gw->enc_key->len, iv,
                                  b->data + OSP_ISAKMP_HDR_LEN, b->len - OSP_ISAKMP_HDR_LEN,
                                  b->data + OSP_ISAKMP_HDR_LEN),
                  ==, 0);
  memcpy(iv, b->data + b->len - gw->block_len, gw->block_len);
}

/* ---- sending ---------------------------------------------------------- */

OspTestGwPayload *osp_test_gw_msg_find(OspTestGwMsg *m, uint8_t type)
{
  guint i;

  for (i = 0; i < m->payloads->len; i++) {
    OspTestGwPayload *pl = m->payloads->pdata[i];

    if (pl->type == type)
      return pl;
  }
  return NULL;
}

void osp_test_gw_msg_add(OspTestGwMsg *m, uint8_t type, const void *body, size_t len)
{
  OspTestGwPayload *pl = g_new0(OspTestGwPayload, 1);

  pl->type = type;
  pl->body = g_byte_array_new();
  if (len)
    g_byte_array_append(pl->body, body, (guint)len);
  g_ptr_array_add(m->payloads, pl);
}

static void payload_free(gpointer p)
{
  OspTestGwPayload *pl = p;

  g_byte_array_unref(pl->body);
  g_free(pl);
}

static OspTestGwMsg *msg_new(OspTestGwStep step, uint8_t exchange, uint32_t msgid, bool enc)
{
  OspTestGwMsg *m = g_new0(OspTestGwMsg, 1);

  m->step = step;
  m->exchange = exchange;
  m->msgid = msgid;
  m->flags = enc ? OSP_FLAG_ENC : 0;
  m->payloads = g_ptr_array_new_with_free_func(payload_free);
  m->trailer = g_byte_array_new();
  return m;
}

static void msg_free(OspTestGwMsg *m)
{
  g_ptr_array_unref(m->payloads);
  g_byte_array_unref(m->trailer);
  g_free(m);
}

/* an encrypted exchange's message starts with a HASH to be computed */
static OspTestGwMsg *msg_new_hashed(OspTestGw *gw, OspTestGwStep step, uint8_t exchange,
                                    uint32_t msgid)
{
  OspTestGwMsg *m = msg_new(step, exchange, msgid, true);
  uint8_t zero[64] = { 0 };

  osp_test_gw_msg_add(m, OSP_PL_HASH, zero, osp_hash_len(gw->hash));
  return m;
}

static void queue_out(OspTestGw *gw, GByteArray *b)
{
  Priv *p = P(gw);

  g_queue_push_tail(&gw->out, g_byte_array_ref(b));
  g_ptr_array_add(gw->sent, g_byte_array_ref(b));
  if (p->replies)
    g_ptr_array_add(p->replies, g_byte_array_ref(b));
}

/* HASH_R = prf(SKEYID, g^xr | g^xi | CKY-R | CKY-I | SAi_b | IDir_b) */
static void hash_r(OspTestGw *gw, OspTestGwMsg *m, uint8_t *out)
{
  Priv *p = P(gw);
  OspTestGwPayload *ke = osp_test_gw_msg_find(m, OSP_PL_KE);
  OspTestGwPayload *id = osp_test_gw_msg_find(m, OSP_PL_ID);
  OspSlice parts[6] = {
    OSP_SLICE(ke ? ke->body->data : NULL, ke ? ke->body->len : 0),
    OSP_SLICE(p->ke_i->data, p->ke_i->len),
    OSP_SLICE(gw->rcookie, 8),
    OSP_SLICE(gw->icookie, 8),
    OSP_SLICE(p->sai_b->data, p->sai_b->len),
    OSP_SLICE(id ? id->body->data : NULL, id ? id->body->len : 0),
  };

  g_assert_cmpint(osp_prf(gw->hash, gw->skeyid->data, gw->skeyid->len, parts, 6, out), ==, 0);
}

/* SIG_R: HASH_R signed with PKCS#1 type 1 padding and no DigestInfo
 * (RFC 2409 5.1); corrupt_hash flips a bit of HASH_R before signing. */
static void sign_hash_r(OspTestGw *gw, OspTestGwMsg *m, uint8_t *sig, size_t sig_len)
{
  EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new(gw->sign_key, NULL);
  uint8_t hash[64];
  size_t len = sig_len;

  hash_r(gw, m, hash);
  if (m->corrupt_hash)
    hash[0] ^= 0x01;
  g_assert_nonnull(ctx);
  g_assert_cmpint(EVP_PKEY_sign_init(ctx), ==, 1);
  g_assert_cmpint(EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING), ==, 1);
  g_assert_cmpint(EVP_PKEY_sign(ctx, sig, &len, hash, osp_hash_len(gw->hash)), ==, 1);
  g_assert_cmpuint(len, ==, sig_len);
  EVP_PKEY_CTX_free(ctx);
}

/* Edits, hashes, encrypts and queues m (freed).  prefix: what HASH(2)
 * covers before the payloads (Ni_b). */
static void send_msg(OspTestGw *gw, OspTestGwMsg *m, const uint8_t *prefix, size_t prefix_len)
{
  size_t hlen = osp_hash_len(gw->hash), i, hash_off = 0;
  OspIsakmpHdr h = { 0 };
  OspMsg out;
  GByteArray *b;
  bool has_hash = false;
  size_t sig_off = 0, sig_len = 0;

  if (gw->edit)
    gw->edit(gw, m, gw->edit_user);
  if (m->drop) {
    msg_free(m);
    return;
  }
  memcpy(h.icookie, gw->icookie, 8);
  memcpy(h.rcookie, gw->rcookie, 8);
  h.version = OSP_ISAKMP_VERSION;
  h.exchange = m->exchange;
  h.flags = m->flags;
  h.msgid = m->msgid;
  osp_msg_init(&out, &h);
  for (i = 0; i < m->payloads->len; i++) {
    OspTestGwPayload *pl = m->payloads->pdata[i];

    if (pl->type == OSP_PL_HASH && !has_hash) {
      has_hash = true;
      hash_off = out.buf->len + OSP_ISAKMP_GEN_HDR_LEN;
    }
    if (pl->type == OSP_PL_SIG && !sig_off) {
      sig_off = out.buf->len + OSP_ISAKMP_GEN_HDR_LEN;
      sig_len = pl->body->len;
    }
    osp_msg_add_payload(&out, pl->type, pl->body->data, pl->body->len);
  }
  b = osp_msg_finish(&out);
  if (has_hash && m->keep_hash && m->corrupt_hash)
    b->data[hash_off] ^= 0x01;
  if (has_hash && !m->keep_hash && gw->skeyid && b->len >= hash_off + hlen) {
    if (m->step == OSP_TEST_GW_AM2) {
      hash_r(gw, m, b->data + hash_off);
    } else {
      /* prf(SKEYID_a, M-ID | [prefix |] payloads after the HASH) */
      uint8_t mid[4];
      OspSlice parts[3];

      osp_put32(mid, m->msgid);
      parts[0] = OSP_SLICE(mid, 4);
      parts[1] = OSP_SLICE(prefix, prefix_len);
      parts[2] = OSP_SLICE(b->data + hash_off + hlen, b->len - hash_off - hlen);
      g_assert_cmpint(
          osp_prf(gw->hash, gw->skeyid_a->data, gw->skeyid_a->len, parts, 3, b->data + hash_off),
          ==, 0);
    }
    if (m->corrupt_hash)
      b->data[hash_off] ^= 0x01;
  }
  if (sig_off && m->step == OSP_TEST_GW_AM2 && gw->sign_key && !m->keep_hash)
    sign_hash_r(gw, m, b->data + sig_off, sig_len);
  if (m->trailer->len)
    g_byte_array_append(b, m->trailer->data, m->trailer->len);
  osp_put32(b->data + 24, b->len);
  if (m->decoy_first && has_hash) {
    /* the same message with a bad hash, encrypted with the same IV */
    g_autoptr(GByteArray) d = g_byte_array_sized_new(b->len);
    uint8_t iv[16];

    g_byte_array_append(d, b->data, b->len);
    d->data[hash_off] ^= 0x01;
    if (m->flags & OSP_FLAG_ENC) {
      memcpy(iv, iv_of(gw, m->msgid), sizeof(iv));
      encrypt_msg(gw, d, m->msgid);
      memcpy(iv_of(gw, m->msgid), iv, sizeof(iv));
    }
    queue_out(gw, d);
  }
  if (m->flags & OSP_FLAG_ENC)
    encrypt_msg(gw, b, m->msgid);
  if (gw->frag_size && gw->frag_offered && m->step == OSP_TEST_GW_AM2 && b->len > gw->frag_size) {
    g_autoptr(GPtrArray) frags = osp_frag_split(b->data, b->len, gw->frag_size, 7);

    for (i = 0; i < frags->len; i++)
      queue_out(gw, frags->pdata[i]);
  } else {
    queue_out(gw, b);
  }
  osp_msg_clear(&out);
  msg_free(m);
}

GByteArray *osp_test_gw_seal(OspTestGw *gw, uint8_t exchange, uint32_t msgid, uint8_t first_payload,
                             const uint8_t *plain, size_t len)
{
  OspIsakmpHdr h = { 0 };
  OspMsg m;
  GByteArray *b;

  memcpy(h.icookie, gw->icookie, 8);
  memcpy(h.rcookie, gw->rcookie, 8);
  h.exchange = exchange;
  h.flags = OSP_FLAG_ENC;
  h.msgid = msgid;
  osp_msg_init(&m, &h);
  m.buf->data[16] = first_payload;
  if (len)
    g_byte_array_append(m.buf, plain, (guint)len);
  b = g_byte_array_ref(osp_msg_finish(&m));
  osp_msg_clear(&m);
  encrypt_msg(gw, b, msgid);
  return b;
}

void osp_test_gw_info(OspTestGw *gw, uint8_t payload_type, const void *body, size_t len,
                      bool encrypted)
{
  uint32_t msgid = encrypted ? new_msgid() : 0;
  OspTestGwMsg *m = encrypted ? msg_new_hashed(gw, OSP_TEST_GW_INFO, OSP_EXCH_INFO, msgid)
                              : msg_new(OSP_TEST_GW_INFO, OSP_EXCH_INFO, 0, false);

  osp_test_gw_msg_add(m, payload_type, body, len);
  send_msg(gw, m, NULL, 0);
  /* one message per informational exchange: its IV is not needed again */
  if (msgid)
    g_hash_table_remove(P(gw)->ivs, GUINT_TO_POINTER(msgid));
}

static void cookies(const OspTestGw *gw, uint8_t out[16])
{
  memcpy(out, gw->icookie, 8);
  memcpy(out + 8, gw->rcookie, 8);
}

static void info_notify(OspTestGw *gw, uint8_t proto, uint16_t type, const uint8_t *spi,
                        size_t spi_len, bool encrypted)
{
  g_autoptr(GByteArray) b = g_byte_array_new();

  osp_put_notify(b, proto, type, spi, spi_len, NULL, 0);
  osp_test_gw_info(gw, OSP_PL_NOTIFY, b->data, b->len, encrypted);
}

static void info_delete(OspTestGw *gw, uint8_t proto, const uint8_t *spi, uint8_t spi_len)
{
  g_autoptr(GByteArray) b = g_byte_array_new();

  osp_put_delete(b, proto, spi, spi_len);
  osp_test_gw_info(gw, OSP_PL_DELETE, b->data, b->len, true);
}

void osp_test_gw_notify(OspTestGw *gw, uint16_t type, bool encrypted)
{
  uint8_t spi[16];

  cookies(gw, spi);
  info_notify(gw, OSP_PROTO_ISAKMP, type, spi, 16, encrypted);
}

void osp_test_gw_delete_ike(OspTestGw *gw)
{
  uint8_t spi[16];

  cookies(gw, spi);
  info_delete(gw, OSP_PROTO_ISAKMP, spi, 16);
}

void osp_test_gw_delete_esp(OspTestGw *gw, uint32_t spi)
{
  uint8_t v[4];

  osp_put32(v, spi);
  info_delete(gw, OSP_PROTO_IPSEC_ESP, v, 4);
}

void osp_test_gw_notify_esp(OspTestGw *gw, uint16_t type, uint32_t spi)
{
  uint8_t v[4];

  osp_put32(v, spi);
  info_notify(gw, OSP_PROTO_IPSEC_ESP, type, v, 4, true);
}

static void send_transaction(OspTestGw *gw, OspTestGwStep step, uint32_t msgid, uint8_t type,
                             uint16_t id, const GByteArray *attrs)
{
  OspTestGwMsg *m = msg_new_hashed(gw, step, OSP_EXCH_TRANSACTION, msgid);
  g_autoptr(GByteArray) body = g_byte_array_new();

  osp_put_cfg_hdr(body, type, id);
  if (attrs)
    g_byte_array_append(body, attrs->data, attrs->len);
  osp_test_gw_msg_add(m, OSP_PL_ATTR, body->data, body->len);
  send_msg(gw, m, NULL, 0);
}

void osp_test_gw_transaction(OspTestGw *gw, uint8_t cfg_type, const GByteArray *attrs)
{
  send_transaction(gw, OSP_TEST_GW_TRANSACTION, new_msgid(), cfg_type,
                   (uint16_t)g_random_int_range(1, 0xffff), attrs);
}

void osp_test_gw_resend(OspTestGw *gw, int index)
{
  guint i = index < 0 ? gw->sent->len + (guint)index : (guint)index;

  g_assert_cmpuint(i, <, gw->sent->len);
  g_queue_push_tail(&gw->out, g_byte_array_ref(gw->sent->pdata[i]));
}

/* ---- phase 1 ---------------------------------------------------------- */

static void p1_refuse(OspTestGw *gw, uint16_t type)
{
  OspTestGwMsg *m = msg_new(OSP_TEST_GW_P1_NOTIFY, OSP_EXCH_INFO, 0, false);
  g_autoptr(GByteArray) b = g_byte_array_new();

  osp_put_notify(b, OSP_PROTO_ISAKMP, type, NULL, 0, NULL, 0);
  osp_test_gw_msg_add(m, OSP_PL_NOTIFY, b->data, b->len);
  send_msg(gw, m, NULL, 0);
}

static void parse_p1_offer(const OspTransform *t, OspTestGwP1Offer *o)
{
  const uint8_t *ap = t->attrs;
  size_t left = t->attrs_len;
  int life_type = 0;
  OspAttr a;

  memset(o, 0, sizeof(*o));
  while (osp_attr_next(&ap, &left, &a, NULL) > 0) {
    uint32_t v = 0;

    if (osp_attr_uint(&a, &v) < 0)
      continue;
    switch (a.type) {
    case A_ENC: o->cipher = (int)v; break;
    case A_HASH: o->hash = (int)v; break;
    case A_AUTH: o->auth = (int)v; break;
    case A_GROUP: o->group = (int)v; break;
    case A_KEY_LEN: o->key_bits = v; break;
    case A_LIFE_TYPE: life_type = (int)v; break;
    case A_LIFE_DUR:
      if (life_type == 1)
        o->life_s = v;
      break;
    default: break;
    }
  }
}

static bool p1_acceptable(const OspTestGw *gw, const OspTestGwP1Offer *o)
{
  return osp_cipher_key_len((OspCipher)o->cipher, o->key_bits) > 0 &&
         osp_hash_len((OspHash)o->hash) > 0 && osp_dh_group_supported(o->group) &&
         (o->auth == AUTH_PSK || o->auth == AUTH_XAUTH_INIT_PSK ||
          ((o->auth == AUTH_HYBRID_INIT_RSA || o->auth == AUTH_XAUTH_INIT_RSA ||
            o->auth == AUTH_RSA_SIG) &&
           gw->sign_key)) &&
         in_list(gw->p1_groups, o->group) && in_list(gw->p1_ciphers, o->cipher) &&
         in_list(gw->p1_hashes, o->hash) && in_list(gw->p1_auths, o->auth);
}

/* NAT-D = hash(CKY-I | CKY-R | IP | port) (RFC 3947 3.2) of ip:port, the
 * address in 4 bytes (IPv4) or 16 (IPv6) */
static void add_natd(OspTestGw *gw, OspTestGwMsg *m, const char *ip, uint16_t port)
{
  uint8_t d[64], port_b[2], a[16];
  size_t alen = 4;
  OspSlice parts[4];

  if (inet_pton(AF_INET, ip, a) != 1) {
    g_assert_cmpint(inet_pton(AF_INET6, ip, a), ==, 1);
    alen = 16;
  }
  osp_put16(port_b, port);
  parts[0] = OSP_SLICE(gw->icookie, 8);
  parts[1] = OSP_SLICE(gw->rcookie, 8);
  parts[2] = OSP_SLICE(a, alen);
  parts[3] = OSP_SLICE(port_b, 2);
  g_assert_cmpint(osp_hash(gw->hash, parts, 4, d), ==, 0);
  osp_test_gw_msg_add(m, gw->natt == 2 ? OSP_PL_NAT_D : OSP_PL_NAT_D_DRAFT, d,
                      osp_hash_len(gw->hash));
}

/* The transform of the client's SA the gateway chose, alone. */
static void put_chosen_sa(OspTestGw *gw, GByteArray *sab, const OspSa *sa, const OspTransform *t,
                          const OspTestGwP1Offer *chosen)
{
  size_t t_off, p_off;

  osp_sa_begin(sab, 1, 1);
  p_off = osp_proposal_begin(sab, sa->proposals[0].num, OSP_PROTO_ISAKMP, NULL, 0);
  t_off = osp_transform_begin(sab, t->num, t->id);
  osp_put_attr_basic(sab, A_ENC, (uint16_t)chosen->cipher);
  if (chosen->key_bits)
    osp_put_attr_basic(sab, A_KEY_LEN, (uint16_t)chosen->key_bits);
  osp_put_attr_basic(sab, A_HASH, (uint16_t)chosen->hash);
  osp_put_attr_basic(sab, A_AUTH, (uint16_t)chosen->auth);
  osp_put_attr_basic(sab, A_GROUP, (uint16_t)chosen->group);
  osp_put_attr_basic(sab, A_LIFE_TYPE, 1);
  osp_put_attr_uint(sab, A_LIFE_DUR, gw->p1_lifetime ? gw->p1_lifetime : chosen->life_s);
  osp_transform_end(sab, t_off, true);
  osp_proposal_end(sab, p_off, 1, true);
}

/* SKEYID of RFC 2409 5: prf(Ni_b | Nr_b, g^xy) for signatures, else
 * prf(PSK, Ni_b | Nr_b) with the group secret */
static void set_skeyid(OspTestGw *gw, bool sig, const OspPayload *ni, const uint8_t *nr,
                       size_t nr_len, const OspSecret *gxy)
{
  if (sig) {
    g_autoptr(GByteArray) key = g_byte_array_new();
    OspSlice part = OSP_SLICE(gxy->data, gxy->len);
    uint8_t out[64];

    g_byte_array_append(key, ni->body, (guint)ni->len);
    g_byte_array_append(key, nr, (guint)nr_len);
    g_assert_cmpint(osp_prf(gw->hash, key->data, key->len, &part, 1, out), ==, 0);
    gw->skeyid = osp_secret_new_from(out, osp_hash_len(gw->hash));
    return;
  }
  g_assert_cmpint(osp_skeyid_psk(gw->hash, (const uint8_t *)gw->group_secret,
                                 strlen(gw->group_secret), OSP_SLICE(ni->body, ni->len),
                                 OSP_SLICE(nr, nr_len), &gw->skeyid),
                  ==, 0);
}

/* SKEYID's derivatives, the key and the phase-1 IV, SKEYID set */
static void derive_p1_keys(OspTestGw *gw, const OspSecret *gxy, OspSlice gxi, OspSlice gxr)
{
  g_assert_cmpint(osp_skeyid_derive(gw->hash, gw->skeyid, gxy, gw->icookie, gw->rcookie,
                                    &gw->skeyid_d, &gw->skeyid_a, &gw->skeyid_e),
                  ==, 0);
  g_assert_cmpint(osp_ike_enc_key(gw->hash, gw->skeyid_e,
                                  osp_cipher_key_len(gw->cipher, gw->key_bits), &gw->enc_key),
                  ==, 0);
  g_assert_cmpint(osp_ike_phase1_iv(gw->hash, gxi, gxr, gw->block_len, P(gw)->p1_iv), ==, 0);
}

static void p1_msg1(OspTestGw *gw, const OspIsakmpHdr *h, const OspPayload *pl, size_t n)
{
  Priv *p = P(gw);
  const OspPayload *sa_pl = osp_payload_find(pl, n, OSP_PL_SA);
  const OspPayload *ke = osp_payload_find(pl, n, OSP_PL_KE);
  const OspPayload *ni = osp_payload_find(pl, n, OSP_PL_NONCE);
  const OspPayload *id_pl = osp_payload_find(pl, n, OSP_PL_ID);
  g_autofree OspSa *sa = g_new0(OspSa, 1);
  g_autoptr(OspSecret) gxy = NULL;
  g_autoptr(GByteArray) sab = g_byte_array_new();
  g_autoptr(GByteArray) idb = g_byte_array_new();
  const OspTestGwP1Offer *chosen = NULL;
  const OspTransform *chosen_t = NULL;
  uint8_t nr[NONCE_LEN], zero[64] = { 0 };
  struct in_addr gw_addr;
  const uint8_t *pub;
  size_t pub_len, i;
  OspTestGwMsg *m;
  OspId id;

  if (!sa_pl || !ke || !ni || !id_pl || osp_sa_parse(sa_pl->body, sa_pl->len, sa, NULL) < 0 ||
      sa->n_proposals < 1 || osp_id_parse(id_pl->body, id_pl->len, &id, NULL) < 0) {
    reject(gw, "message 1 lacks a payload or is malformed");
    return;
  }
  ike_reset(gw);
  memcpy(gw->icookie, h->icookie, 8);
  gw->n_am1++;
  gw->frag_offered = false;
  for (i = 0; i < n; i++)
    if (pl[i].type == OSP_PL_VID && pl[i].len >= 16 && memcmp(pl[i].body, vid_frag, 16) == 0)
      gw->frag_offered = true;
  g_array_set_size(gw->p1_offers, 0);
  for (i = 0; i < sa->proposals[0].n_transforms; i++) {
    OspTestGwP1Offer o;

    parse_p1_offer(&sa->proposals[0].transforms[i], &o);
    g_array_append_val(gw->p1_offers, o);
  }
  for (i = 0; i < gw->p1_offers->len && !chosen; i++) {
    const OspTestGwP1Offer *o = &g_array_index(gw->p1_offers, OspTestGwP1Offer, i);

    if (gw->p1_pick >= 0 && i != (guint)gw->p1_pick % gw->p1_offers->len)
      continue;
    if (p1_acceptable(gw, o) && ke->len == osp_dh_public_len(o->group)) {
      chosen = o;
      chosen_t = &sa->proposals[0].transforms[i];
    }
  }
  if (!chosen) {
    p1_refuse(gw, OSP_N_NO_PROPOSAL_CHOSEN);
    return;
  }
  if (gw->group_id && (id.len != strlen(gw->group_id) || memcmp(id.data, gw->group_id, id.len))) {
    p1_refuse(gw, OSP_N_INVALID_ID_INFORMATION);
    return;
  }
  gw->hash = (OspHash)chosen->hash;
  gw->cipher = (OspCipher)chosen->cipher;
  gw->key_bits = chosen->key_bits;
  gw->block_len = osp_cipher_block_len(gw->cipher);
  gw->p1_auth = chosen->auth;
  if (gw->fixed) {
    memcpy(gw->rcookie, fixed_rcookie, 8);
    memset(nr, 0x4e, sizeof(nr));
  } else {
    osp_random(gw->rcookie, 8);
    osp_random(nr, sizeof(nr));
  }
  g_assert_cmpint(osp_dh_new(chosen->group, &p->dh), ==, 0);
  if (osp_dh_compute(p->dh, ke->body, ke->len, &gxy) < 0) {
    reject(gw, "message 1 has an invalid KE");
    return;
  }
  p->ke_i = g_byte_array_new();
  g_byte_array_append(p->ke_i, ke->body, (guint)ke->len);
  p->sai_b = g_byte_array_new();
  g_byte_array_append(p->sai_b, sa_pl->body, (guint)sa_pl->len);
  p->idii_b = g_byte_array_new();
  g_byte_array_append(p->idii_b, id_pl->body, (guint)id_pl->len);
  pub = osp_dh_public(p->dh, &pub_len);
  set_skeyid(gw, gw->p1_auth == AUTH_HYBRID_INIT_RSA, ni, nr, sizeof(nr), gxy);
  derive_p1_keys(gw, gxy, OSP_SLICE(ke->body, ke->len), OSP_SLICE(pub, pub_len));

  put_chosen_sa(gw, sab, sa, chosen_t, chosen);
  inet_pton(AF_INET, "192.0.2.1", &gw_addr);
  osp_put_id(idb, OSP_ID_IPV4_ADDR, 17, 500, &gw_addr, 4);

  m = msg_new(OSP_TEST_GW_AM2, OSP_EXCH_AGGRESSIVE, 0, false);
  osp_test_gw_msg_add(m, OSP_PL_SA, sab->data, sab->len);
  osp_test_gw_msg_add(m, OSP_PL_KE, pub, pub_len);
  osp_test_gw_msg_add(m, OSP_PL_NONCE, nr, sizeof(nr));
  osp_test_gw_msg_add(m, OSP_PL_ID, idb->data, idb->len);
  if (gw->p1_auth == AUTH_HYBRID_INIT_RSA) {
    g_autofree uint8_t *sig = g_malloc0((gsize)EVP_PKEY_get_size(gw->sign_key));

    for (i = 0; gw->certs && i < gw->certs->len; i++) {
      g_autoptr(GByteArray) cert = g_byte_array_new();
      const uint8_t enc = 4; /* X.509 certificate - signature */
      gsize len;
      const uint8_t *der = g_bytes_get_data(gw->certs->pdata[i], &len);

      g_byte_array_append(cert, &enc, 1);
      g_byte_array_append(cert, der, (guint)len);
      osp_test_gw_msg_add(m, OSP_PL_CERT, cert->data, cert->len);
    }
    /* SIG_R: send_msg */
    osp_test_gw_msg_add(m, OSP_PL_SIG, sig, (size_t)EVP_PKEY_get_size(gw->sign_key));
  } else {
    osp_test_gw_msg_add(m, OSP_PL_HASH, zero, osp_hash_len(gw->hash)); /* HASH_R: send_msg */
  }
  if (gw->vid_xauth)
    osp_test_gw_msg_add(m, OSP_PL_VID, vid_xauth, sizeof(vid_xauth));
  if (gw->vid_dpd)
    osp_test_gw_msg_add(m, OSP_PL_VID, vid_dpd, sizeof(vid_dpd));
  if (gw->vid_unity)
    osp_test_gw_msg_add(m, OSP_PL_VID, vid_unity, sizeof(vid_unity));
  if (gw->frag_size)
    osp_test_gw_msg_add(m, OSP_PL_VID, vid_frag, sizeof(vid_frag));
  if (gw->natt) {
    osp_test_gw_msg_add(m, OSP_PL_VID, gw->natt == 2 ? vid_natt_rfc : vid_natt_draft02, 16);
    /* first the client as the gateway sees it (behind a NAT: another
     * address), then the gateway itself */
    if (gw->natd_client)
      add_natd(gw, m, gw->natd_client, gw->nat ? 4500 : 500);
    else
      add_natd(gw, m, gw->nat ? "203.0.113.2" : "192.0.2.2", gw->nat ? 4500 : 500);
    add_natd(gw, m, gw->natd_self ? gw->natd_self : "192.0.2.1", 500);
  }
  send_msg(gw, m, NULL, 0);
}

static void start_cfg_push(OspTestGw *gw)
{
  Priv *p = P(gw);

  p->cfg_set_msgid = new_msgid();
  send_transaction(gw, OSP_TEST_GW_CFG_SET, p->cfg_set_msgid, OSP_CFG_SET,
                   (uint16_t)g_random_int_range(1, 0xffff), gw->cfg_attrs);
}

/* after phase 1 or XAUTH: what the gateway does next on its own */
static void next_after_auth(OspTestGw *gw)
{
  if (!gw->xauth_done && gw->xauth &&
      (gw->p1_auth == AUTH_XAUTH_INIT_PSK || gw->p1_auth == AUTH_HYBRID_INIT_RSA ||
       gw->p1_auth == AUTH_XAUTH_INIT_RSA)) {
    gw->xauth_msgid = new_msgid();
    send_transaction(gw, OSP_TEST_GW_XAUTH_REQUEST, gw->xauth_msgid, OSP_CFG_REQUEST,
                     (uint16_t)g_random_int_range(1, 0xffff), gw->xauth_attrs);
    return;
  }
  if (gw->cfg_push)
    start_cfg_push(gw);
}

/* HDR*, HASH_I */
static void p1_msg3(OspTestGw *gw, const OspPayload *pl, size_t n, const uint8_t next_iv[16])
{
  Priv *p = P(gw);
  size_t pub_len, hlen = osp_hash_len(gw->hash);
  const uint8_t *pub = osp_dh_public(p->dh, &pub_len);
  uint8_t want[64];
  /* HASH_I = prf(SKEYID, g^xi | g^xr | CKY-I | CKY-R | SAi_b | IDii_b) */
  OspSlice parts[6] = {
    OSP_SLICE(p->ke_i->data, p->ke_i->len),
    OSP_SLICE(pub, pub_len),
    OSP_SLICE(gw->icookie, 8),
    OSP_SLICE(gw->rcookie, 8),
    OSP_SLICE(p->sai_b->data, p->sai_b->len),
    OSP_SLICE(p->idii_b->data, p->idii_b->len),
  };

  g_assert_cmpint(osp_prf(gw->hash, gw->skeyid->data, gw->skeyid->len, parts, 6, want), ==, 0);
  if (n < 1 || pl[0].type != OSP_PL_HASH || pl[0].len != hlen ||
      CRYPTO_memcmp(want, pl[0].body, hlen) != 0) {
    reject(gw, "message 3 with a bad HASH_I");
    return;
  }
  memcpy(p->p1_iv, next_iv, gw->block_len);
  gw->p1_done = true;
  next_after_auth(gw);
}

/* ---- encrypted exchanges after phase 1 -------------------------------- */

static bool check_hash(OspTestGw *gw, uint32_t msgid, const OspPayload *pl, size_t n,
                       const uint8_t *prefix, size_t prefix_len)
{
  size_t hlen = osp_hash_len(gw->hash);
  const uint8_t *rest, *end;
  uint8_t want[64], mid[4];
  OspSlice parts[3];

  if (n < 1 || pl[0].type != OSP_PL_HASH || pl[0].len != hlen)
    return false;
  rest = pl[0].body + pl[0].len;
  end = pl[n - 1].body + pl[n - 1].len;
  osp_put32(mid, msgid);
  parts[0] = OSP_SLICE(mid, 4);
  parts[1] = OSP_SLICE(prefix, prefix_len);
  parts[2] = OSP_SLICE(rest, (size_t)(end - rest));
  g_assert_cmpint(osp_prf(gw->hash, gw->skeyid_a->data, gw->skeyid_a->len, parts, 3, want), ==, 0);
  return CRYPTO_memcmp(want, pl[0].body, hlen) == 0;
}

static void info_input(OspTestGw *gw, const OspPayload *pl, size_t n)
{
  size_t i;

  for (i = 1; i < n; i++) {
    if (pl[i].type == OSP_PL_NOTIFY) {
      OspNotify nt;

      if (osp_notify_parse(pl[i].body, pl[i].len, &nt, NULL) < 0)
        continue;
      g_array_append_val(gw->notifies, nt.type);
      if (nt.type == OSP_N_DPD_R_U_THERE && nt.data_len == 4 && gw->answer_dpd) {
        g_autoptr(GByteArray) b = g_byte_array_new();
        uint8_t spi[16];

        cookies(gw, spi);
        osp_put_notify(b, OSP_PROTO_ISAKMP, OSP_N_DPD_R_U_THERE_ACK, spi, 16, nt.data, 4);
        osp_test_gw_info(gw, OSP_PL_NOTIFY, b->data, b->len, true);
      } else if (nt.type == OSP_N_DPD_R_U_THERE_ACK) {
        gw->dpd_acks++;
      }
    } else if (pl[i].type == OSP_PL_DELETE) {
      OspDelete d;
      uint16_t k;

      if (osp_delete_parse(pl[i].body, pl[i].len, &d, NULL) < 0)
        continue;
      for (k = 0; k < d.n_spis; k++) {
        const uint8_t *spi = d.spis + (size_t)k * d.spi_size;

        if (d.protocol == OSP_PROTO_ISAKMP && d.spi_size == 16 &&
            memcmp(spi, gw->icookie, 8) == 0 && memcmp(spi + 8, gw->rcookie, 8) == 0)
          gw->ike_deletes++;
        else if (d.protocol == OSP_PROTO_IPSEC_ESP && d.spi_size == 4) {
          uint32_t v = osp_get32(spi);

          g_array_append_val(gw->esp_deletes, v);
        }
      }
    }
  }
}

static bool attrs_match(const OspCfg *cfg, uint16_t type, const char *want, char **ret_got)
{
  const uint8_t *ap = cfg->attrs;
  size_t left = cfg->attrs_len;
  OspAttr a;

  while (osp_attr_next(&ap, &left, &a, NULL) > 0)
    if (a.type == type && !a.basic) {
      g_free(*ret_got);
      *ret_got = g_strndup((const char *)a.data, a.len);
      return !want || strcmp(*ret_got, want) == 0;
    }
  return !want;
}

static void transaction_input(OspTestGw *gw, const OspIsakmpHdr *h, const OspPayload *pl, size_t n)
{
  Priv *p = P(gw);
  const OspPayload *attr = osp_payload_find(pl, n, OSP_PL_ATTR);
  OspCfg cfg;

  if (!attr || osp_cfg_parse(attr->body, attr->len, &cfg, NULL) < 0) {
    reject(gw, "transaction without a valid attribute payload");
    return;
  }
  if (cfg.type == OSP_CFG_REPLY && h->msgid == gw->xauth_msgid) {
    g_autoptr(GByteArray) st = g_byte_array_new();
    bool ok = attrs_match(&cfg, X_USER_NAME, gw->username, &gw->xauth_user);

    ok = attrs_match(&cfg, X_USER_PASSWORD, gw->password, &gw->xauth_password) && ok;
    g_byte_array_set_size(gw->xauth_reply, 0);
    g_byte_array_append(gw->xauth_reply, cfg.attrs, (guint)cfg.attrs_len);
    gw->xauth_msgid = 0;
    p->status_msgid = new_msgid();
    osp_put_attr_basic(st, X_STATUS, ok ? 1 : 0);
    send_transaction(gw, OSP_TEST_GW_XAUTH_STATUS, p->status_msgid, OSP_CFG_SET,
                     (uint16_t)g_random_int_range(1, 0xffff), st);
    return;
  }
  if (cfg.type == OSP_CFG_ACK && h->msgid == p->status_msgid) {
    p->status_msgid = 0;
    gw->xauth_done = true;
    next_after_auth(gw);
    return;
  }
  if (cfg.type == OSP_CFG_ACK && h->msgid == p->cfg_set_msgid) {
    p->cfg_set_msgid = 0;
    gw->cfg_done = true;
    return;
  }
  if (cfg.type == OSP_CFG_REQUEST) {
    gw->cfg_msgid = h->msgid;
    g_byte_array_set_size(gw->cfg_request, 0);
    g_byte_array_append(gw->cfg_request, cfg.attrs, (guint)cfg.attrs_len);
    send_transaction(gw, OSP_TEST_GW_CFG_REPLY, h->msgid, OSP_CFG_REPLY, cfg.identifier,
                     gw->cfg_attrs);
    gw->cfg_done = true;
    return;
  }
  reject(gw, "unexpected transaction message");
}

static void parse_qm_attrs(const OspTransform *t, Qm *q)
{
  const uint8_t *ap = t->attrs;
  size_t left = t->attrs_len;
  OspAttr a;

  while (osp_attr_next(&ap, &left, &a, NULL) > 0) {
    uint32_t v = 0;

    if (osp_attr_uint(&a, &v) < 0)
      continue;
    switch (a.type) {
    case Q_GROUP: q->group = (int)v; break;
    case Q_AUTH: q->auth = (int)v; break;
    case Q_KEY_LEN: q->key_bits = v; break;
    case Q_ENCAP: q->encap = (int)v; break;
    default: break;
    }
  }
}

static GByteArray *random_nonce(void)
{
  GByteArray *b = g_byte_array_sized_new(NONCE_LEN);

  g_byte_array_set_size(b, NONCE_LEN);
  osp_random(b->data, NONCE_LEN);
  return b;
}

static GByteArray *copy_bytes(const uint8_t *data, size_t len)
{
  GByteArray *b = g_byte_array_sized_new((guint)len);

  g_byte_array_append(b, data, (guint)len);
  return b;
}

/* what a rekey of ours offers: the transform the client's quick mode got */
static void remember_offer(OspTestGw *gw, const OspTransform *t, const OspPayload *pl, size_t n)
{
  Priv *p = P(gw);
  const OspPayload *ids[2] = { NULL, NULL };
  size_t i, k = 0;

  p->last_enc = t->id;
  g_clear_pointer(&p->last_attrs, g_byte_array_unref);
  g_clear_pointer(&p->last_idci, g_byte_array_unref);
  g_clear_pointer(&p->last_idcr, g_byte_array_unref);
  p->last_attrs = copy_bytes(t->attrs, t->attrs_len);
  for (i = 1; i < n && k < 2; i++)
    if (pl[i].type == OSP_PL_ID)
      ids[k++] = &pl[i];
  if (k == 2) {
    p->last_idci = copy_bytes(ids[0]->body, ids[0]->len);
    p->last_idcr = copy_bytes(ids[1]->body, ids[1]->len);
  }
}

/* HDR*, HASH(1), SA, Ni, [KE], IDci, IDcr */
static void qm1_input(OspTestGw *gw, const OspIsakmpHdr *h, const OspPayload *pl, size_t n)
{
  const OspPayload *sa_pl = osp_payload_find(pl, n, OSP_PL_SA);
  const OspPayload *ni = osp_payload_find(pl, n, OSP_PL_NONCE);
  const OspPayload *ke = osp_payload_find(pl, n, OSP_PL_KE);
  g_autofree OspSa *sa = g_new0(OspSa, 1);
  g_autoptr(GByteArray) sab = g_byte_array_new();
  g_autoptr(OspDh) dh = NULL;
  const OspProposal *prop;
  const OspTransform *t = NULL;
  uint8_t spi[4];
  size_t i, p_off, t_off;
  OspTestGwMsg *m;
  Qm *q;

  if (!sa_pl || !ni || osp_sa_parse(sa_pl->body, sa_pl->len, sa, NULL) < 0 || sa->n_proposals < 1 ||
      sa->proposals[0].spi_size != 4 || sa->proposals[0].protocol != OSP_PROTO_IPSEC_ESP) {
    reject(gw, "quick mode message 1 lacks a payload or is malformed");
    return;
  }
  prop = &sa->proposals[0];
  q = g_new0(Qm, 1);
  g_array_set_size(gw->qm_offers, 0);
  for (i = 0; i < prop->n_transforms; i++) {
    OspTestGwQmOffer o;
    Qm c = { 0 };

    parse_qm_attrs(&prop->transforms[i], &c);
    o = (OspTestGwQmOffer){
      .enc = prop->transforms[i].id, .auth = c.auth, .key_bits = c.key_bits, .encap = c.encap
    };
    g_array_append_val(gw->qm_offers, o);
  }
  for (i = 0; i < prop->n_transforms; i++) {
    Qm c = { 0 };

    parse_qm_attrs(&prop->transforms[i], &c);
    if (osp_esp_enc_key_len((OspEspEnc)prop->transforms[i].id, c.key_bits) > 0 &&
        (c.auth != 0 || prop->transforms[i].id == OSP_ESP_AES_GCM_16)) {
      t = &prop->transforms[i];
      q->auth = c.auth;
      q->key_bits = c.key_bits;
      q->group = c.group;
      break;
    }
  }
  if (!t) {
    qm_free(q);
    reject(gw, "no acceptable ESP transform");
    return;
  }
  q->msgid = h->msgid;
  q->enc = t->id;
  q->spi_client = osp_get32(prop->spi);
  q->spi_gw = gw->qm_spi;
  while (q->spi_gw < 256 && gw->qm_spi == 0)
    osp_random(&q->spi_gw, 4);
  q->ni = g_byte_array_new();
  g_byte_array_append(q->ni, ni->body, (guint)ni->len);
  q->nr = random_nonce();
  if (q->group) {
    if (!ke || osp_dh_new(q->group, &dh) < 0 ||
        osp_dh_compute(dh, ke->body, ke->len, &q->gqm) < 0) {
      qm_free(q);
      reject(gw, "quick mode PFS key exchange invalid");
      return;
    }
  }
  g_hash_table_replace(P(gw)->qms, GUINT_TO_POINTER(q->msgid), q);

  osp_put32(spi, q->spi_gw);
  osp_sa_begin(sab, 1, 1);
  p_off = osp_proposal_begin(sab, prop->num, OSP_PROTO_IPSEC_ESP, spi, 4);
  t_off = osp_transform_begin(sab, t->num, t->id);
  g_byte_array_append(sab, t->attrs, (guint)t->attrs_len);
  osp_transform_end(sab, t_off, true);
  osp_proposal_end(sab, p_off, 1, true);

  m = msg_new_hashed(gw, OSP_TEST_GW_QM2, OSP_EXCH_QUICK, h->msgid);
  osp_test_gw_msg_add(m, OSP_PL_SA, sab->data, sab->len);
  osp_test_gw_msg_add(m, OSP_PL_NONCE, q->nr->data, q->nr->len);
  if (dh) {
    size_t pub_len;
    const uint8_t *pub = osp_dh_public(dh, &pub_len);

    osp_test_gw_msg_add(m, OSP_PL_KE, pub, pub_len);
  }
  remember_offer(gw, t, pl, n);
  for (i = 1; i < n; i++)
    if (pl[i].type == OSP_PL_ID)
      osp_test_gw_msg_add(m, OSP_PL_ID, pl[i].body, pl[i].len);
  if (gw->qm_life_s) {
    g_autoptr(GByteArray) life = g_byte_array_new();
    g_autoptr(GByteArray) nb = g_byte_array_new();

    osp_put_attr_basic(life, Q_LIFE_TYPE, 1);
    osp_put_attr_uint(life, Q_LIFE_DUR, gw->qm_life_s);
    osp_put_notify(nb, OSP_PROTO_IPSEC_ESP, OSP_N_RESPONDER_LIFETIME, spi, 4, life->data,
                   life->len);
    osp_test_gw_msg_add(m, OSP_PL_NOTIFY, nb->data, nb->len);
  }
  /* HASH(2) = prf(SKEYID_a, M-ID | Ni_b | SA | Nr | [KE] | IDci | IDcr) */
  send_msg(gw, m, q->ni->data, q->ni->len);
}

static OspSecret *keymat(OspTestGw *gw, const Qm *q, uint32_t spi, size_t need)
{
  OspSecret *km = NULL;
  uint8_t spi_b[4];

  osp_put32(spi_b, spi);
  g_assert_cmpint(osp_keymat(gw->hash, gw->skeyid_d, q->gqm, OSP_PROTO_IPSEC_ESP, spi_b,
                             OSP_SLICE(q->ni->data, q->ni->len), OSP_SLICE(q->nr->data, q->nr->len),
                             need, &km),
                  ==, 0);
  return km;
}

/* HASH(3) = prf(SKEYID_a, 0 | M-ID | Ni_b | Nr_b) */
static void hash3(OspTestGw *gw, const Qm *q, uint8_t *out)
{
  uint8_t zero = 0, mid[4];
  OspSlice parts[4];

  osp_put32(mid, q->msgid);
  parts[0] = OSP_SLICE(&zero, 1);
  parts[1] = OSP_SLICE(mid, 4);
  parts[2] = OSP_SLICE(q->ni->data, q->ni->len);
  parts[3] = OSP_SLICE(q->nr->data, q->nr->len);
  g_assert_cmpint(osp_prf(gw->hash, gw->skeyid_a->data, gw->skeyid_a->len, parts, 4, out), ==, 0);
}

/* both ends have the keys: the SA pair is complete */
static void child_done(OspTestGw *gw, Qm *q)
{
  OspTestGwChild *c;
  size_t need;

  c = g_new0(OspTestGwChild, 1);
  c->spi_client = q->spi_client;
  c->spi_gw = q->spi_gw;
  c->enc = (OspEspEnc)q->enc;
  c->key_bits = q->key_bits;
  c->auth = (OspEspAuth)q->auth;
  c->pfs_group = q->group;
  need = osp_esp_enc_key_len(c->enc, c->key_bits) + osp_esp_auth_key_len(c->auth);
  c->keys_to_client = keymat(gw, q, c->spi_client, need);
  c->keys_to_gw = keymat(gw, q, c->spi_gw, need);
  g_ptr_array_add(gw->children, c);
  g_hash_table_remove(P(gw)->qms, GUINT_TO_POINTER(q->msgid));
}

/* HDR*, HASH(3) */
static void qm3_input(OspTestGw *gw, Qm *q, const OspPayload *pl, size_t n)
{
  size_t hlen = osp_hash_len(gw->hash);
  uint8_t want[64];

  hash3(gw, q, want);
  if (n < 1 || pl[0].type != OSP_PL_HASH || pl[0].len != hlen ||
      CRYPTO_memcmp(want, pl[0].body, hlen) != 0) {
    reject(gw, "quick mode message 3 with a bad HASH(3)");
    return;
  }
  child_done(gw, q);
}

/* The client's answer to our rekey: HDR*, HASH(2), SA, Nr, [KE], [IDci, IDcr];
 * we finish with HDR*, HASH(3). */
static void qm2_input(OspTestGw *gw, Qm *q, const OspPayload *pl, size_t n)
{
  const OspPayload *sa_pl = osp_payload_find(pl, n, OSP_PL_SA);
  const OspPayload *nr = osp_payload_find(pl, n, OSP_PL_NONCE);
  const OspPayload *ke = osp_payload_find(pl, n, OSP_PL_KE);
  g_autofree OspSa *sa = g_new0(OspSa, 1);
  uint8_t h3[64];
  OspTestGwMsg *m;

  if (!check_hash(gw, q->msgid, pl, n, q->ni->data, q->ni->len)) {
    reject(gw, "quick mode message 2 with a bad HASH(2)");
    return;
  }
  if (!sa_pl || !nr || osp_sa_parse(sa_pl->body, sa_pl->len, sa, NULL) < 0 ||
      sa->n_proposals != 1 || sa->proposals[0].spi_size != 4 ||
      (q->dh && (!ke || osp_dh_compute(q->dh, ke->body, ke->len, &q->gqm) < 0))) {
    reject(gw, "quick mode message 2 lacks a payload or is malformed");
    return;
  }
  q->spi_client = osp_get32(sa->proposals[0].spi);
  q->nr = g_byte_array_new();
  g_byte_array_append(q->nr, nr->body, (guint)nr->len);
  hash3(gw, q, h3);
  m = msg_new(OSP_TEST_GW_QM3, OSP_EXCH_QUICK, q->msgid, true);
  osp_test_gw_msg_add(m, OSP_PL_HASH, h3, osp_hash_len(gw->hash));
  m->keep_hash = true;
  send_msg(gw, m, NULL, 0);
  child_done(gw, q);
}

void osp_test_gw_rekey(OspTestGw *gw)
{
  Priv *p = P(gw);
  g_autoptr(GByteArray) sab = g_byte_array_new();
  size_t p_off, t_off;
  uint8_t spi[4];
  OspTestGwMsg *m;
  Qm *q;

  g_assert_true(gw->p1_done);
  g_assert_nonnull(p->last_attrs); /* the client's quick mode came first */
  q = g_new0(Qm, 1);
  q->ours = true;
  q->msgid = new_msgid();
  q->enc = p->last_enc;
  {
    OspTransform t = { .id = (uint8_t)p->last_enc,
                       .attrs = p->last_attrs->data,
                       .attrs_len = p->last_attrs->len };

    parse_qm_attrs(&t, q);
  }
  do
    osp_random(&q->spi_gw, 4);
  while (q->spi_gw < 256);
  q->ni = random_nonce();
  if (q->group)
    g_assert_cmpint(osp_dh_new(q->group, &q->dh), ==, 0);
  g_hash_table_replace(p->qms, GUINT_TO_POINTER(q->msgid), q);

  osp_put32(spi, q->spi_gw);
  osp_sa_begin(sab, 1, 1);
  p_off = osp_proposal_begin(sab, 1, OSP_PROTO_IPSEC_ESP, spi, 4);
  t_off = osp_transform_begin(sab, 1, (uint8_t)q->enc);
  g_byte_array_append(sab, p->last_attrs->data, p->last_attrs->len);
  osp_transform_end(sab, t_off, true);
  osp_proposal_end(sab, p_off, 1, true);
  m = msg_new_hashed(gw, OSP_TEST_GW_QM1, OSP_EXCH_QUICK, q->msgid);
  osp_test_gw_msg_add(m, OSP_PL_SA, sab->data, sab->len);
  osp_test_gw_msg_add(m, OSP_PL_NONCE, q->ni->data, q->ni->len);
  if (q->dh) {
    size_t pub_len;
    const uint8_t *pub = osp_dh_public(q->dh, &pub_len);

    osp_test_gw_msg_add(m, OSP_PL_KE, pub, pub_len);
  }
  /* we are the initiator now: our side (the client's IDcr) first */
  if (p->last_idci && p->last_idcr) {
    osp_test_gw_msg_add(m, OSP_PL_ID, p->last_idcr->data, p->last_idcr->len);
    osp_test_gw_msg_add(m, OSP_PL_ID, p->last_idci->data, p->last_idci->len);
  }
  /* HASH(1) = prf(SKEYID_a, M-ID | SA | Ni | [KE] | [IDci | IDcr]) */
  send_msg(gw, m, NULL, 0);
}

/* ---- main mode with certificates (sign_key set), else the group secret -- */

static bool all_zero8(const uint8_t *b)
{
  static const uint8_t zero[8];

  return memcmp(b, zero, 8) == 0;
}

/* RSA PKCS#1 type 1 signature of a bare hash (RFC 2409 5.1) */
static void sign_hash(OspTestGw *gw, const uint8_t *hash, GByteArray *out)
{
  EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new(gw->sign_key, NULL);
  size_t len = (size_t)EVP_PKEY_get_size(gw->sign_key);

  g_byte_array_set_size(out, (guint)len);
  g_assert_cmpint(EVP_PKEY_sign_init(ctx), ==, 1);
  g_assert_cmpint(EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING), ==, 1);
  g_assert_cmpint(EVP_PKEY_sign(ctx, out->data, &len, hash, osp_hash_len(gw->hash)), ==, 1);
  g_byte_array_set_size(out, (guint)len);
  EVP_PKEY_CTX_free(ctx);
}

/* I --- SA VIDs ---> R: the choice, our cookie; I <--- SA VIDs --- R */
static void mm1(OspTestGw *gw, const OspIsakmpHdr *h, const OspPayload *pl, size_t n)
{
  Priv *p = P(gw);
  const OspPayload *sa_pl = osp_payload_find(pl, n, OSP_PL_SA);
  g_autofree OspSa *sa = g_new0(OspSa, 1);
  g_autoptr(GByteArray) sab = g_byte_array_new();
  const OspTestGwP1Offer *chosen = NULL;
  const OspTransform *chosen_t = NULL;
  size_t i;
  OspTestGwMsg *m;

  if (!sa_pl || osp_sa_parse(sa_pl->body, sa_pl->len, sa, NULL) < 0 || sa->n_proposals < 1) {
    reject(gw, "main mode message 1 without a valid SA");
    return;
  }
  ike_reset(gw);
  memcpy(gw->icookie, h->icookie, 8);
  gw->n_am1++;
  g_array_set_size(gw->p1_offers, 0);
  for (i = 0; i < sa->proposals[0].n_transforms; i++) {
    OspTestGwP1Offer o;

    parse_p1_offer(&sa->proposals[0].transforms[i], &o);
    g_array_append_val(gw->p1_offers, o);
  }
  for (i = 0; i < gw->p1_offers->len && !chosen; i++) {
    const OspTestGwP1Offer *o = &g_array_index(gw->p1_offers, OspTestGwP1Offer, i);

    if (p1_acceptable(gw, o) &&
        (gw->sign_key ? o->auth == AUTH_XAUTH_INIT_RSA || o->auth == AUTH_RSA_SIG ||
                            o->auth == AUTH_HYBRID_INIT_RSA
                      : o->auth == AUTH_XAUTH_INIT_PSK || o->auth == AUTH_PSK)) {
      chosen = o;
      chosen_t = &sa->proposals[0].transforms[i];
    }
  }
  if (!chosen) {
    p1_refuse(gw, OSP_N_NO_PROPOSAL_CHOSEN);
    return;
  }
  gw->hash = (OspHash)chosen->hash;
  gw->cipher = (OspCipher)chosen->cipher;
  gw->key_bits = chosen->key_bits;
  gw->block_len = osp_cipher_block_len(gw->cipher);
  gw->p1_auth = chosen->auth;
  osp_random(gw->rcookie, 8);
  g_assert_cmpint(osp_dh_new(chosen->group, &p->dh), ==, 0);
  p->sai_b = g_byte_array_new();
  g_byte_array_append(p->sai_b, sa_pl->body, (guint)sa_pl->len);
  put_chosen_sa(gw, sab, sa, chosen_t, chosen);
  m = msg_new(OSP_TEST_GW_MM2, OSP_EXCH_MAIN, 0, false);
  osp_test_gw_msg_add(m, OSP_PL_SA, sab->data, sab->len);
  if (gw->vid_xauth)
    osp_test_gw_msg_add(m, OSP_PL_VID, vid_xauth, sizeof(vid_xauth));
  if (gw->vid_dpd)
    osp_test_gw_msg_add(m, OSP_PL_VID, vid_dpd, sizeof(vid_dpd));
  send_msg(gw, m, NULL, 0);
}

/* I --- KE Ni CR ---> R: the keys; I <--- KE Nr --- R */
static void mm3(OspTestGw *gw, const OspPayload *pl, size_t n)
{
  Priv *p = P(gw);
  const OspPayload *ke = osp_payload_find(pl, n, OSP_PL_KE);
  const OspPayload *ni = osp_payload_find(pl, n, OSP_PL_NONCE);
  g_autoptr(OspSecret) gxy = NULL;
  uint8_t nr[NONCE_LEN];
  const uint8_t *pub;
  size_t pub_len;
  OspTestGwMsg *m;

  if (!p->dh || !ke || !ni || osp_dh_compute(p->dh, ke->body, ke->len, &gxy) < 0) {
    reject(gw, "main mode message 3 without a valid KE or nonce");
    return;
  }
  osp_random(nr, sizeof(nr));
  pub = osp_dh_public(p->dh, &pub_len);
  p->ke_i = g_byte_array_new();
  g_byte_array_append(p->ke_i, ke->body, (guint)ke->len);
  set_skeyid(gw, gw->sign_key != NULL, ni, nr, sizeof(nr), gxy);
  derive_p1_keys(gw, gxy, OSP_SLICE(ke->body, ke->len), OSP_SLICE(pub, pub_len));
  m = msg_new(OSP_TEST_GW_MM4, OSP_EXCH_MAIN, 0, false);
  osp_test_gw_msg_add(m, OSP_PL_KE, pub, pub_len);
  osp_test_gw_msg_add(m, OSP_PL_NONCE, nr, sizeof(nr));
  send_msg(gw, m, NULL, 0);
}

/* IDir (our address) into idb, and HASH_R = prf(SKEYID, g^xr | g^xi |
 * CKY-R | CKY-I | SAi_b | IDir_b) */
static void mm6_id_hash(OspTestGw *gw, const uint8_t *pub, size_t pub_len, GByteArray *idb,
                        uint8_t *out)
{
  Priv *p = P(gw);
  struct in_addr gw_addr;

  inet_pton(AF_INET, "192.0.2.1", &gw_addr);
  osp_put_id(idb, OSP_ID_IPV4_ADDR, 17, 500, &gw_addr, 4);
  {
    OspSlice parts[6] = {
      OSP_SLICE(pub, pub_len),
      OSP_SLICE(p->ke_i->data, p->ke_i->len),
      OSP_SLICE(gw->rcookie, 8),
      OSP_SLICE(gw->icookie, 8),
      OSP_SLICE(p->sai_b->data, p->sai_b->len),
      OSP_SLICE(idb->data, idb->len),
    };

    g_assert_cmpint(osp_prf(gw->hash, gw->skeyid->data, gw->skeyid->len, parts, 6, out), ==, 0);
  }
}

/* The initiator's HASH_I (group secret, hybrid) is want; else rejected */
static bool hash_i_ok(OspTestGw *gw, const OspPayload *hash, const uint8_t *want)
{
  if (!hash || hash->len != osp_hash_len(gw->hash) || memcmp(hash->body, want, hash->len) != 0) {
    reject(gw, "main mode message 5 with a bad HASH_I");
    return false;
  }
  return true;
}

/* With the group secret: I --- IDii HASH_I ---> R, checked (want);
 * I <--- IDir HASH_R --- R */
static void mm5_psk(OspTestGw *gw, const OspPayload *id, const OspPayload *hash,
                    const uint8_t *want, const uint8_t *pub, size_t pub_len)
{
  g_autoptr(GByteArray) idb = g_byte_array_new();
  uint8_t hash_r[64];
  OspTestGwMsg *m;

  if (!hash_i_ok(gw, hash, want))
    return;
  mm6_id_hash(gw, pub, pub_len, idb, hash_r);
  m = msg_new(OSP_TEST_GW_MM6, OSP_EXCH_MAIN, 0, true);
  m->keep_hash = true; /* HASH_R, not a HASH(n) of the payloads (corrupt_hash spoils it) */
  osp_test_gw_msg_add(m, OSP_PL_ID, idb->data, idb->len);
  osp_test_gw_msg_add(m, OSP_PL_HASH, hash_r, osp_hash_len(gw->hash));
  send_msg(gw, m, NULL, 0);
  gw->p1_done = true;
  next_after_auth(gw);
}

/* I --- IDii CERT... SIG_I ---> R: checked (hybrid: IDii HASH_I);
 * I <--- IDir CERT... SIG_R --- R */
static void mm5(OspTestGw *gw, const OspPayload *pl, size_t n)
{
  Priv *p = P(gw);
  const OspPayload *id = osp_payload_find(pl, n, OSP_PL_ID);
  const OspPayload *sig = osp_payload_find(pl, n, OSP_PL_SIG);
  const OspPayload *cert = osp_payload_find(pl, n, OSP_PL_CERT);
  g_autoptr(GByteArray) idb = g_byte_array_new();
  g_autoptr(GByteArray) sig_r = g_byte_array_new();
  const uint8_t *pub, *der;
  size_t pub_len, i;
  uint8_t want[64];
  OspTestGwMsg *m;
  X509 *x;
  bool hybrid = gw->p1_auth == AUTH_HYBRID_INIT_RSA;

  if (!id || (gw->sign_key && !hybrid && (!sig || !cert || cert->len < 2))) {
    reject(gw, "main mode message 5 without ID, CERT or SIG");
    return;
  }
  g_clear_pointer(&gw->client_id, g_byte_array_unref);
  gw->client_id = g_byte_array_new();
  g_byte_array_append(gw->client_id, id->body, (guint)id->len);
  pub = osp_dh_public(p->dh, &pub_len);
  {
    /* HASH_I = prf(SKEYID, g^xi | g^xr | CKY-I | CKY-R | SAi_b | IDii_b) */
    OspSlice parts[6] = {
      OSP_SLICE(p->ke_i->data, p->ke_i->len),
      OSP_SLICE(pub, pub_len),
      OSP_SLICE(gw->icookie, 8),
      OSP_SLICE(gw->rcookie, 8),
      OSP_SLICE(p->sai_b->data, p->sai_b->len),
      OSP_SLICE(id->body, id->len),
    };

    g_assert_cmpint(osp_prf(gw->hash, gw->skeyid->data, gw->skeyid->len, parts, 6, want), ==, 0);
  }
  if (!gw->sign_key) {
    mm5_psk(gw, id, osp_payload_find(pl, n, OSP_PL_HASH), want, pub, pub_len);
    return;
  }
  gw->client_certs = 0;
  for (i = 0; i < n; i++)
    gw->client_certs += pl[i].type == OSP_PL_CERT;
  if (hybrid && !hash_i_ok(gw, osp_payload_find(pl, n, OSP_PL_HASH), want))
    return;
  der = cert ? cert->body + 1 : NULL;
  x = cert && !hybrid ? d2i_X509(NULL, &der, (long)(cert->len - 1)) : NULL;
  gw->client_sig_ok = false;
  if (x) {
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new(X509_get0_pubkey(x), NULL);

    gw->client_sig_ok =
        ctx && EVP_PKEY_verify_init(ctx) == 1 &&
        EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) == 1 &&
        EVP_PKEY_verify(ctx, sig->body, sig->len, want, osp_hash_len(gw->hash)) == 1;
    EVP_PKEY_CTX_free(ctx);
    X509_free(x);
  }
  if (!gw->client_sig_ok && !hybrid) {
    reject(gw, "main mode message 5 with a bad SIG_I");
    return;
  }
  mm6_id_hash(gw, pub, pub_len, idb, want);
  m = msg_new(OSP_TEST_GW_MM6, OSP_EXCH_MAIN, 0, true);
  if (gw->edit)
    gw->edit(gw, m, gw->edit_user); /* only corrupt_hash counts here */
  if (m->corrupt_hash)
    want[0] ^= 0x01;
  sign_hash(gw, want, sig_r);
  osp_test_gw_msg_add(m, OSP_PL_ID, idb->data, idb->len);
  for (i = 0; gw->certs && i < gw->certs->len; i++) {
    g_autoptr(GByteArray) body = g_byte_array_new();
    const uint8_t enc = 4;
    gsize len;
    const uint8_t *d = g_bytes_get_data(gw->certs->pdata[i], &len);

    g_byte_array_append(body, &enc, 1);
    g_byte_array_append(body, d, (guint)len);
    osp_test_gw_msg_add(m, OSP_PL_CERT, body->data, body->len);
  }
  osp_test_gw_msg_add(m, OSP_PL_SIG, sig_r->data, sig_r->len);
  m->corrupt_hash = false;
  {
    OspTestGwEdit edit = gw->edit;

    gw->edit = NULL; /* already called */
    send_msg(gw, m, NULL, 0);
    gw->edit = edit;
  }
  gw->p1_done = true;
  next_after_auth(gw);
}

static void encrypted_input(OspTestGw *gw, const OspIsakmpHdr *h, const uint8_t *data)
{
  size_t plen = h->length - OSP_ISAKMP_HDR_LEN, n = 0;
  OspPayload pl[OSP_ISAKMP_MAX_PAYLOADS];
  g_autofree uint8_t *plain = NULL;
  uint8_t next_iv[16];
  Qm *q;

  if (!gw->enc_key || plen == 0 || plen % gw->block_len != 0) {
    reject(gw, "encrypted datagram that cannot be decrypted");
    return;
  }
  plain = g_malloc(plen);
  g_assert_cmpint(osp_cbc_decrypt(gw->cipher, gw->enc_key->data, gw->enc_key->len,
                                  iv_of(gw, h->msgid), data + OSP_ISAKMP_HDR_LEN, plen, plain),
                  ==, 0);
  memcpy(next_iv, data + h->length - gw->block_len, gw->block_len);
  if (osp_payloads_parse(h->next_payload, plain, plen, pl, G_N_ELEMENTS(pl), &n, NULL) < 0) {
    reject(gw, "encrypted datagram with malformed payloads");
    return;
  }
  if (h->exchange == OSP_EXCH_MAIN && h->msgid == 0) {
    if (gw->p1_done) {
      reject(gw, "main mode message 5 again");
      return;
    }
    memcpy(P(gw)->p1_iv, next_iv, gw->block_len);
    mm5(gw, pl, n);
    return;
  }
  if (h->exchange == OSP_EXCH_AGGRESSIVE && h->msgid == 0) {
    if (gw->p1_done) {
      reject(gw, "message 3 again");
      return;
    }
    p1_msg3(gw, pl, n, next_iv);
    return;
  }
  if (!gw->p1_done) {
    reject(gw, "encrypted datagram before phase 1 is done");
    return;
  }
  q = g_hash_table_lookup(P(gw)->qms, GUINT_TO_POINTER(h->msgid));
  if (h->exchange == OSP_EXCH_QUICK && q) {
    memcpy(iv_of(gw, h->msgid), next_iv, gw->block_len);
    if (q->ours)
      qm2_input(gw, q, pl, n);
    else
      qm3_input(gw, q, pl, n);
    return;
  }
  if (!check_hash(gw, h->msgid, pl, n, NULL, 0)) {
    reject(gw, "encrypted datagram with a bad HASH(1)");
    return;
  }
  memcpy(iv_of(gw, h->msgid), next_iv, gw->block_len);
  switch (h->exchange) {
  case OSP_EXCH_INFO:
    info_input(gw, pl, n);
    g_hash_table_remove(P(gw)->ivs, GUINT_TO_POINTER(h->msgid));
    return;
  case OSP_EXCH_TRANSACTION: transaction_input(gw, h, pl, n); return;
  case OSP_EXCH_QUICK: qm1_input(gw, h, pl, n); return;
  default: reject(gw, "unknown exchange type"); return;
  }
}

/* A retransmission (the same bytes again) gets the same answers again. */
static Seen *seen_find(OspTestGw *gw, const uint8_t digest[20])
{
  Priv *p = P(gw);
  guint i;

  for (i = 0; i < p->seen->len; i++) {
    Seen *s = &g_array_index(p->seen, Seen, i);

    if (memcmp(s->digest, digest, 20) == 0)
      return s;
  }
  return NULL;
}

void osp_test_gw_input(OspTestGw *gw, const uint8_t *data, size_t len)
{
  Priv *p = P(gw);
  OspPayload pl[OSP_ISAKMP_MAX_PAYLOADS];
  OspSlice part = OSP_SLICE(data, len);
  OspIsakmpHdr h;
  Seen *seen, fresh = { { 0 } };
  size_t n = 0;
  guint i;

  if (osp_isakmp_hdr_parse(data, len, &h, NULL) < 0) {
    reject(gw, "bad ISAKMP header");
    return;
  }
  osp_hash(OSP_HASH_SHA1, &part, 1, fresh.digest);
  seen = seen_find(gw, fresh.digest);
  if (seen) {
    for (i = 0; i < seen->replies->len; i++)
      g_queue_push_tail(&gw->out, g_byte_array_ref(seen->replies->pdata[i]));
    return;
  }
  p->replies = g_ptr_array_new_with_free_func((GDestroyNotify)g_byte_array_unref);
  if (h.exchange == OSP_EXCH_AGGRESSIVE && !(h.flags & OSP_FLAG_ENC)) {
    if (osp_payloads_parse(h.next_payload, data + OSP_ISAKMP_HDR_LEN, h.length - OSP_ISAKMP_HDR_LEN,
                           pl, G_N_ELEMENTS(pl), &n, NULL) < 0)
      reject(gw, "message 1 with malformed payloads");
    else
      p1_msg1(gw, &h, pl, n);
  } else if (h.exchange == OSP_EXCH_MAIN && !(h.flags & OSP_FLAG_ENC)) {
    if (osp_payloads_parse(h.next_payload, data + OSP_ISAKMP_HDR_LEN, h.length - OSP_ISAKMP_HDR_LEN,
                           pl, G_N_ELEMENTS(pl), &n, NULL) < 0)
      reject(gw, "main mode message with malformed payloads");
    else if (all_zero8(h.rcookie))
      mm1(gw, &h, pl, n);
    else if (memcmp(h.icookie, gw->icookie, 8) == 0 && memcmp(h.rcookie, gw->rcookie, 8) == 0)
      mm3(gw, pl, n);
    else
      reject(gw, "main mode message 3 with unknown cookies");
  } else if (memcmp(h.icookie, gw->icookie, 8) != 0 || memcmp(h.rcookie, gw->rcookie, 8) != 0) {
    reject(gw, "unknown cookies");
  } else if (!(h.flags & OSP_FLAG_ENC)) {
    reject(gw, "unencrypted datagram after message 1");
  } else {
    encrypted_input(gw, &h, data);
  }
  fresh.replies = p->replies;
  p->replies = NULL;
  if (p->seen->len >= SEEN_MAX)
    g_array_remove_index(p->seen, 0);
  g_array_append_val(p->seen, fresh);
}

/* ---- the rig ----------------------------------------------------------- */

OspProfile *osp_test_profile(void)
{
  OspProfile *p = osp_profile_new();

  p->gateway = g_strdup("192.0.2.1");
  p->group_id = g_strdup("osprey-lab");
  p->group_secret = g_strdup("secret");
  p->username = g_strdup("alice");
  p->password = g_strdup("pw");
  p->vendor = OSP_VENDOR_CISCO;
  return p;
}

static void rig_send(gpointer user, const uint8_t *data, size_t len, bool natt)
{
  OspTestRig *r = user;
  GByteArray *b = g_byte_array_sized_new((guint)len);

  g_byte_array_append(b, data, (guint)len);
  g_queue_push_tail(&r->to_gw, b);
  r->n_natt_sent += natt;
}

static void rig_progress(gpointer user, OspState state)
{
  OspTestRig *r = user;

  r->progress = state;
}

static void rig_secrets(gpointer user, const OspSecretRequest *req)
{
  OspTestRig *r = user;

  r->n_secrets_needed++;
  g_free(r->last_request_message);
  r->last_request_message = g_strdup(req->message);
  r->last_request = *req;
  r->last_request.message = r->last_request_message;
}

static void rig_ip_config(gpointer user, const OspIpConfig *cfg)
{
  OspTestRig *r = user;

  osp_ip_config_free(r->ipcfg);
  r->ipcfg = osp_ip_config_copy(cfg);
}

static void rig_child_up(gpointer user, const OspChildSa *sa)
{
  OspTestRig *r = user;

  if (sa->inbound_only) {
    r->n_child_inbound++;
    return;
  }
  r->n_child_up++;
  r->last_child = *sa;
  r->last_child.enc_key_in = r->last_child.auth_key_in = NULL;
  r->last_child.enc_key_out = r->last_child.auth_key_out = NULL;
}

static void rig_child_down(gpointer user, uint32_t spi_in)
{
  OspTestRig *r = user;

  r->n_child_down++;
}

static void rig_ike_expiring(gpointer user)
{
  OspTestRig *r = user;

  r->n_ike_expiring++;
}

static void rig_reauthenticated(gpointer user)
{
  OspTestRig *r = user;

  r->n_reauthenticated++;
}

static void rig_redirected(gpointer user, struct in_addr to)
{
  OspTestRig *r = user;

  r->n_redirected++;
  r->redirected_to = to;
}

static void rig_established(gpointer user)
{
  OspTestRig *r = user;

  r->n_established++;
}

static void rig_notice(gpointer user, const char *text)
{
  OspTestRig *r = user;

  g_free(r->last_notice);
  r->last_notice = g_strdup(text);
}

static void rig_closed(gpointer user, const GError *error)
{
  OspTestRig *r = user;

  g_assert_false(r->closed);
  r->closed = true;
  if (error)
    r->error = g_error_copy(error);
}

static const OspSessionOps rig_ops = {
  .send = rig_send,
  .progress = rig_progress,
  .secrets_needed = rig_secrets,
  .ip_config = rig_ip_config,
  .child_sa_up = rig_child_up,
  .established = rig_established,
  .notice = rig_notice,
  .child_sa_down = rig_child_down,
  .ike_expiring = rig_ike_expiring,
  .reauthenticated = rig_reauthenticated,
  .closed = rig_closed,
  .redirected = rig_redirected,
};

void osp_test_rig_default_params(OspSessionParams *ret)
{
  memset(ret, 0, sizeof(*ret));
  osp_addr_parse("192.0.2.2", 500, &ret->local);
  osp_addr_parse("192.0.2.1", 500, &ret->peer);
  ret->natt_port = 4500;
}

OspTestRig *osp_test_rig_new(const OspProfile *profile, const OspSessionParams *params)
{
  OspTestRig *r = g_new0(OspTestRig, 1);
  g_autoptr(OspProfile) def = profile ? NULL : osp_test_profile();
  OspSessionParams pr;

  if (params)
    pr = *params;
  else
    osp_test_rig_default_params(&pr);
  g_queue_init(&r->to_gw);
  r->now = G_USEC_PER_SEC;
  r->gw = osp_test_gw_new();
  r->session = osp_session_new(profile ? profile : def, &pr, &rig_ops, r);
  osp_session_start(r->session, r->now);
  return r;
}

void osp_test_rig_free(OspTestRig *r)
{
  if (!r)
    return;
  osp_session_free(r->session);
  osp_test_gw_free(r->gw);
  g_queue_clear_full(&r->to_gw, (GDestroyNotify)g_byte_array_unref);
  g_clear_error(&r->error);
  osp_ip_config_free(r->ipcfg);
  g_free(r->last_request_message);
  g_free(r->last_notice);
  if (r->moved)
    g_byte_array_unref(r->moved);
  g_free(r);
}

GByteArray *osp_test_rig_take_c2g(OspTestRig *r)
{
  g_assert_false(g_queue_is_empty(&r->to_gw));
  return g_queue_pop_head(&r->to_gw);
}

GByteArray *osp_test_rig_take_g2c(OspTestRig *r)
{
  g_assert_false(g_queue_is_empty(&r->gw->out));
  return g_queue_pop_head(&r->gw->out);
}

void osp_test_rig_to_client(OspTestRig *r, const GByteArray *pkt)
{
  osp_session_input(r->session, pkt->data, pkt->len, r->now);
}

void osp_test_rig_to_gw(OspTestRig *r, const GByteArray *pkt)
{
  osp_test_gw_input(r->gw, pkt->data, pkt->len);
}

/* the last datagram moved, kept until the next move */
static const GByteArray *keep_last(OspTestRig *r, GByteArray *b)
{
  if (r->moved)
    g_byte_array_unref(r->moved);
  r->moved = b;
  return b;
}

const GByteArray *osp_test_rig_c2g(OspTestRig *r)
{
  GByteArray *b = osp_test_rig_take_c2g(r);

  osp_test_rig_to_gw(r, b);
  return keep_last(r, b);
}

const GByteArray *osp_test_rig_g2c(OspTestRig *r)
{
  GByteArray *b = osp_test_rig_take_g2c(r);

  osp_test_rig_to_client(r, b);
  return keep_last(r, b);
}

void osp_test_rig_run(OspTestRig *r)
{
  unsigned guard = 0;

  while (!g_queue_is_empty(&r->to_gw) || !g_queue_is_empty(&r->gw->out)) {
    g_assert_cmpuint(++guard, <, 10000);
    while (!g_queue_is_empty(&r->to_gw))
      osp_test_rig_c2g(r);
    while (!g_queue_is_empty(&r->gw->out))
      osp_test_rig_g2c(r);
  }
}

void osp_test_rig_advance(OspTestRig *r, gint64 us)
{
  gint64 end = r->now + us;
  unsigned guard = 0;

  for (;;) {
    gint64 d = osp_session_next_deadline(r->session);

    if (d > end)
      break;
    g_assert_cmpuint(++guard, <, 100000);
    r->now = MAX(r->now, d);
    osp_session_timeout(r->session, r->now);
  }
  r->now = end;
}

bool osp_test_rig_settle(OspTestRig *r, gint64 max_us)
{
  gint64 end = r->now + max_us;
  unsigned guard = 0;

  for (;;) {
    gint64 d;

    osp_test_rig_run(r);
    if (r->closed || r->n_child_up > 0)
      break;
    d = osp_session_next_deadline(r->session);
    if (d > end) {
      r->now = end;
      break;
    }
    g_assert_cmpuint(++guard, <, 100000);
    r->now = MAX(r->now, d);
    osp_session_timeout(r->session, r->now);
  }
  return !r->closed && r->n_child_up > 0;
}

void osp_test_rig_connect(OspTestRig *r)
{
  bool up = osp_test_rig_settle(r, 60 * G_USEC_PER_SEC);

  if (!up && r->error)
    g_error("the session failed: %s", r->error->message);
  g_assert_true(up);
  g_assert_cmpuint(r->n_child_up, ==, 1);
  g_assert_cmpuint(r->gw->children->len, ==, 1);
}

OspTestRig *osp_test_rig_new_edited(const OspProfile *profile, OspTestGwEdit edit, gpointer user)
{
  OspTestRig *r = osp_test_rig_new(profile, NULL);

  r->gw->edit = edit;
  r->gw->edit_user = user;
  return r;
}

OspTestRig *osp_test_rig_connected(const OspProfile *profile)
{
  OspTestRig *r = osp_test_rig_new(profile, NULL);

  osp_test_rig_connect(r);
  return r;
}

void osp_test_rig_assert_closed(const OspTestRig *r, int code, const char *part)
{
  g_assert_true(r->closed);
  g_assert_error(r->error, OSP_ERROR, code);
  if (part && !strstr(r->error->message, part))
    g_error("\"%s\" not in \"%s\"", part, r->error->message);
}

void osp_test_rig_assert_fails(OspTestRig *r, gint64 max_us, int code, const char *part)
{
  g_assert_false(osp_test_rig_settle(r, max_us));
  osp_test_rig_assert_closed(r, code, part);
}

void osp_test_rig_assert_auth(const OspTestRig *r, OspAuthMode mode, bool xauth,
                              const char *signature, OspExchMode exchange)
{
  OspSessionIkeAuth a;

  g_assert_true(osp_session_ike_auth(r->session, &a));
  g_assert_cmpint(a.mode, ==, mode);
  g_assert_cmpint(a.xauth, ==, xauth);
  g_assert_cmpstr(a.signature, ==, signature);
  g_assert_cmpint(a.exchange, ==, exchange);
}

unsigned osp_test_gw_count_notifies(const OspTestGw *gw, uint16_t type)
{
  unsigned n = 0;

  for (guint i = 0; i < gw->notifies->len; i++)
    n += g_array_index(gw->notifies, uint16_t, i) == type;
  return n;
}
