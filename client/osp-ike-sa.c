/* SPDX-License-Identifier: GPL-2.0-or-later
 * Osprey — the IKE SA: keys, CBC framing and IVs, the hashes of the
 * encrypted exchanges. */
#include "osp-ike-sa.h"

#include <errno.h>
#include <openssl/crypto.h>
#include <string.h>

OspIkeSa *osp_ike_sa_new(void)
{
  return g_new0(OspIkeSa, 1);
}

void osp_ike_sa_free(OspIkeSa *sa)
{
  if (!sa)
    return;
  osp_secret_free(sa->skeyid);
  osp_secret_free(sa->skeyid_d);
  osp_secret_free(sa->skeyid_a);
  osp_secret_free(sa->skeyid_e);
  osp_secret_free(sa->enc_key);
  OPENSSL_cleanse(sa, sizeof(*sa));
  g_free(sa);
}

/* What follows SKEYID, for every authentication method. */
static int derive_from_skeyid(OspIkeSa *sa, const OspSecret *gxy, OspSlice gxi, OspSlice gxr)
{
  size_t klen = osp_cipher_key_len(sa->cipher, sa->key_bits);
  int r;

  r = osp_skeyid_derive(sa->hash, sa->skeyid, gxy, sa->icookie, sa->rcookie, &sa->skeyid_d,
                        &sa->skeyid_a, &sa->skeyid_e);
  if (r < 0)
    return r;
  r = osp_ike_enc_key(sa->hash, sa->skeyid_e, klen, &sa->enc_key);
  if (r < 0)
    return r;
  return osp_ike_phase1_iv(sa->hash, gxi, gxr, sa->block_len, sa->p1_iv);
}

int osp_ike_sa_derive_psk(OspIkeSa *sa, const uint8_t *psk, size_t psk_len, OspSlice ni,
                          OspSlice nr, const OspSecret *gxy, OspSlice gxi, OspSlice gxr)
{
  int r = osp_skeyid_psk(sa->hash, psk, psk_len, ni, nr, &sa->skeyid);

  return r < 0 ? r : derive_from_skeyid(sa, gxy, gxi, gxr);
}

int osp_ike_sa_derive_sig(OspIkeSa *sa, OspSlice ni, OspSlice nr, const OspSecret *gxy,
                          OspSlice gxi, OspSlice gxr)
{
  /* RFC 2409 section 5: for signatures SKEYID = prf(Ni_b | Nr_b, g^xy) */
  g_autoptr(OspSecret) key = osp_secret_new(ni.len + nr.len);
  OspSlice part = OSP_SLICE(gxy->data, gxy->len);
  uint8_t out[64];
  int r;

  memcpy(key->data, ni.p, ni.len);
  memcpy(key->data + ni.len, nr.p, nr.len);
  r = osp_prf(sa->hash, key->data, key->len, &part, 1, out);
  if (r < 0)
    return r;
  osp_secret_free(sa->skeyid);
  sa->skeyid = osp_secret_new_from(out, osp_hash_len(sa->hash));
  OPENSSL_cleanse(out, sizeof(out));
  return derive_from_skeyid(sa, gxy, gxi, gxr);
}

void osp_ike_sa_hdr(const OspIkeSa *sa, OspIsakmpHdr *h, uint8_t exchange, uint32_t msgid, bool enc)
{
  memset(h, 0, sizeof(*h));
  memcpy(h->icookie, sa->icookie, 8);
  memcpy(h->rcookie, sa->rcookie, 8);
  h->version = OSP_ISAKMP_VERSION;
  h->exchange = exchange;
  h->flags = enc ? OSP_FLAG_ENC : 0;
  h->msgid = msgid;
}

uint32_t osp_ike_sa_new_msgid(void)
{
  uint32_t id = 0;

  while (id == 0)
    osp_random(&id, sizeof(id));
  return id;
}

/* ---- IVs (RFC 2409 appendix B) ---------------------------------------- */

static const OspIvSlot *iv_find(const OspIkeSa *sa, uint32_t msgid)
{
  size_t i;

  for (i = 0; i < OSP_IV_SLOTS; i++)
    if (sa->ivs[i].used && sa->ivs[i].msgid == msgid)
      return &sa->ivs[i];
  return NULL;
}

/* The IV of msgid: its slot's, or for an exchange without one
 * hash(last phase-1 block | M-ID).  Makes no slot. */
static void iv_peek(const OspIkeSa *sa, uint32_t msgid, uint8_t out[16])
{
  const OspIvSlot *slot;

  if (msgid == 0) {
    memcpy(out, sa->p1_iv, sa->block_len);
    return;
  }
  slot = iv_find(sa, msgid);
  if (slot)
    memcpy(out, slot->iv, sa->block_len);
  else
    osp_ike_phase2_iv(sa->hash, sa->p1_iv, sa->block_len, msgid, out);
}

/* The IV of an exchange we send in or whose message checked out; made
 * when missing, in place of the oldest slot when all are used. */
static uint8_t *iv_slot(OspIkeSa *sa, uint32_t msgid)
{
  OspIvSlot *slot;
  size_t i, victim = 0;

  if (msgid == 0)
    return sa->p1_iv;
  for (i = 0; i < OSP_IV_SLOTS; i++)
    if (sa->ivs[i].used && sa->ivs[i].msgid == msgid)
      return sa->ivs[i].iv;
  for (i = 0; i < OSP_IV_SLOTS; i++) {
    if (!sa->ivs[i].used) {
      victim = i;
      break;
    }
    if (sa->ivs[i].age < sa->ivs[victim].age)
      victim = i;
  }
  slot = &sa->ivs[victim];
  iv_peek(sa, msgid, slot->iv);
  slot->used = true;
  slot->msgid = msgid;
  slot->age = ++sa->iv_clock;
  return slot->iv;
}

void osp_ike_sa_commit_iv(OspIkeSa *sa, uint32_t msgid, const uint8_t iv[16])
{
  memcpy(iv_slot(sa, msgid), iv, sa->block_len);
}

void osp_ike_sa_forget_iv(OspIkeSa *sa, uint32_t msgid)
{
  size_t i;

  for (i = 0; i < OSP_IV_SLOTS; i++)
    if (sa->ivs[i].used && sa->ivs[i].msgid == msgid)
      sa->ivs[i].used = false;
}

int osp_ike_sa_encrypt(OspIkeSa *sa, OspMsg *m, uint32_t msgid)
{
  GByteArray *b = m->buf;
  size_t plen, pad;
  uint8_t *iv;
  int r;

  plen = b->len - OSP_ISAKMP_HDR_LEN;
  pad = (sa->block_len - plen % sa->block_len) % sa->block_len;
  if (pad) {
    static const uint8_t zeros[16];
    g_byte_array_append(b, zeros, (guint)pad);
    plen += pad;
  }
  osp_put32(b->data + 24, b->len);
  iv = iv_slot(sa, msgid);
  r = osp_cbc_encrypt(sa->cipher, sa->enc_key->data, sa->enc_key->len, iv,
                      b->data + OSP_ISAKMP_HDR_LEN, plen, b->data + OSP_ISAKMP_HDR_LEN);
  if (r < 0)
    return r;
  memcpy(iv, b->data + b->len - sa->block_len, sa->block_len);
  return 0;
}

int osp_ike_sa_decrypt(const OspIkeSa *sa, const OspIsakmpHdr *h, const uint8_t *data, size_t len,
                       uint8_t **ret_plain, uint8_t ret_next_iv[16])
{
  size_t plen = h->length - OSP_ISAKMP_HDR_LEN;
  uint8_t *plain, iv[16];
  int r;

  if (!sa->enc_key || h->length > len || plen == 0 || plen % sa->block_len != 0)
    return -EBADMSG;
  plain = g_malloc(plen);
  iv_peek(sa, h->msgid, iv);
  r = osp_cbc_decrypt(sa->cipher, sa->enc_key->data, sa->enc_key->len, iv,
                      data + OSP_ISAKMP_HDR_LEN, plen, plain);
  if (r < 0) {
    g_free(plain);
    return r;
  }
  memcpy(ret_next_iv, data + OSP_ISAKMP_HDR_LEN + plen - sa->block_len, sa->block_len);
  *ret_plain = plain;
  return 0;
}

/* ---- hashes of encrypted exchanges ------------------------------------ */

int osp_ike_sa_hash_msgid(const OspIkeSa *sa, uint32_t msgid, const uint8_t *rest, size_t rest_len,
                          const uint8_t *prefix, size_t prefix_len, uint8_t *out)
{
  uint8_t mid[4];
  OspSlice parts[3];

  osp_put32(mid, msgid);
  parts[0] = OSP_SLICE(mid, 4);
  parts[1] = OSP_SLICE(prefix, prefix_len);
  parts[2] = OSP_SLICE(rest, rest_len);
  return osp_prf(sa->hash, sa->skeyid_a->data, sa->skeyid_a->len, parts, 3, out);
}

int osp_ike_sa_seal(OspIkeSa *sa, OspMsg *m, uint32_t msgid, const uint8_t *prefix,
                    size_t prefix_len)
{
  size_t hlen = osp_hash_len(sa->hash);
  size_t rest = OSP_ISAKMP_HDR_LEN + OSP_ISAKMP_GEN_HDR_LEN + hlen;
  GByteArray *b = osp_msg_finish(m);
  int r;

  r = osp_ike_sa_hash_msgid(sa, msgid, b->data + rest, b->len - rest, prefix, prefix_len,
                            b->data + OSP_ISAKMP_HDR_LEN + OSP_ISAKMP_GEN_HDR_LEN);
  if (r < 0)
    return r;
  return osp_ike_sa_encrypt(sa, m, msgid);
}

bool osp_ike_sa_check_hash(const OspIkeSa *sa, uint32_t msgid, const OspPayload *pl, size_t n,
                           const uint8_t *prefix, size_t prefix_len)
{
  size_t hlen = osp_hash_len(sa->hash);
  uint8_t want[64];
  const uint8_t *rest, *end;

  if (n < 1 || pl[0].type != OSP_PL_HASH || pl[0].len != hlen)
    return false;
  rest = pl[0].body + pl[0].len;
  end = pl[n - 1].body + pl[n - 1].len;
  if (osp_ike_sa_hash_msgid(sa, msgid, rest, (size_t)(end - rest), prefix, prefix_len, want) < 0)
    return false;
  return CRYPTO_memcmp(want, pl[0].body, hlen) == 0;
}

int osp_ike_sa_hash3(const OspIkeSa *sa, uint32_t msgid, OspSlice ni, OspSlice nr, uint8_t *out)
{
  uint8_t zero = 0, mid[4];
  OspSlice parts[4];

  osp_put32(mid, msgid);
  parts[0] = OSP_SLICE(&zero, 1);
  parts[1] = OSP_SLICE(mid, 4);
  parts[2] = ni;
  parts[3] = nr;
  return osp_prf(sa->hash, sa->skeyid_a->data, sa->skeyid_a->len, parts, 4, out);
}

int osp_ike_sa_keymat(const OspIkeSa *sa, const OspSecret *gqm, uint32_t spi, OspSlice ni,
                      OspSlice nr, size_t enc_len, size_t auth_len, OspSecret **ret_enc,
                      OspSecret **ret_auth)
{
  g_autoptr(OspSecret) km = NULL;
  uint8_t spi_b[4];
  int r;

  /* KEYMAT = prf(SKEYID_d, [g(qm)^xy |] protocol | SPI | Ni_b | Nr_b), expanded */
  osp_put32(spi_b, spi);
  r = osp_keymat(sa->hash, sa->skeyid_d, gqm, OSP_PROTO_IPSEC_ESP, spi_b, ni, nr,
                 enc_len + auth_len, &km);
  if (r < 0)
    return r;
  *ret_enc = osp_secret_new_from(km->data, enc_len);
  *ret_auth = osp_secret_new_from(km->data + enc_len, auth_len);
  return 0;
}

void osp_ike_sa_natd(const OspIkeSa *sa, const OspAddr *addr, uint8_t *out)
{
  size_t alen;
  const uint8_t *ap = osp_addr_bytes(addr, &alen);
  uint8_t port[2];
  OspSlice parts[4] = {
    OSP_SLICE(sa->icookie, 8),
    OSP_SLICE(sa->rcookie, 8),
    OSP_SLICE(ap, alen),
    OSP_SLICE(port, 2),
  };

  osp_put16(port, osp_addr_port(addr));
  osp_hash(sa->hash, parts, 4, out);
}
