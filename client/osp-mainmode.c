/* SPDX-License-Identifier: GPL-2.0-or-later
 * Osprey — phase 1, main mode with RSA signatures on both sides, then
 * XAUTH (IKE Authmode cert; RFC 2409 section 5.1, XAUTHInitRSA of
 * draft-beaulieu-ike-xauth-02):
 *
 *   Initiator                            Responder
 *   HDR, SA, VIDs                   -->
 *                                   <--  HDR, SA, VIDs
 *   HDR, KE, Ni, CR..., [NAT-D x2]  -->
 *                                   <--  HDR, KE, Nr, [CR], [NAT-D x2]
 *   HDR*, IDii, CERT..., SIG_I      -->
 *                                   <--  HDR*, IDir, CERT..., SIG_R
 *
 * SKEYID = prf(Ni_b | Nr_b, g^xy); SIG_I signs HASH_I, SIG_R HASH_R (the
 * derivations are aggressive mode's, osp-phase1.c).  Our identity is the
 * subject of our certificate (ID_DER_ASN1_DN); messages 5 and 6 are
 * encrypted with the phase-1 IV, and after a NAT go to port 4500.
 *
 * With the group secret (Exchange mode main; RFC 2409 5.4, XAUTHInitPreShared
 * or plain PSK) the same exchange without CR, CERT and SIG:
 *
 *   HDR*, IDii, HASH_I              -->
 *                                   <--  HDR*, IDir, HASH_R
 *
 * SKEYID = prf(PSK, Ni_b | Nr_b); IDii is the ID type and IPSec ID of the
 * profile.  Hybrid authentication (Exchange mode main, IKE Authmode hybrid,
 * HybridInitRSA) is between the two: we send IDii and HASH_I, the gateway
 * IDir, CERT... and SIG_R, with the signatures' SKEYID.  A gateway that cannot decrypt message 5
 * (another PSK) stays silent: that silence is a wrong group secret, as aggressive mode's bad
 * HASH_R. */
#include "osp-session-private.h"

#include <errno.h>
#include <glib/gi18n-lib.h>
#include <openssl/crypto.h>
#include <string.h>

void osp_mainmode_clear(OspSession *s)
{
  g_clear_pointer(&s->p1.local, osp_cert_local_free);
  g_clear_pointer(&s->p1.mm_ke_r, g_byte_array_unref);
  g_clear_pointer(&s->p1.mm_nr, g_byte_array_unref);
  s->p1.mm_step = 0;
}

/* Before anything is sent: the passphrase of our key is asked for when
 * the key is encrypted, none was given and the empty one does not open it. */
void osp_mainmode_unlock(OspSession *s)
{
  static const OspSecretKind passphrase = OSP_SECRET_KEY_PASSPHRASE;
  const OspProfile *p = s->profile;
  g_autoptr(OspCertLocal) l = NULL;

  if (!p->client_key_passphrase && osp_cert_local_load(p->client_cert, p->client_key, NULL, &l,
                                                       NULL) == OSP_CERT_BAD_PASSPHRASE) {
    osp_session_ask_secrets(s, &passphrase, 1, NULL, false);
    return;
  }
  osp_session_enter(s, S_AM1_SENT);
}

bool osp_mainmode_load(OspSession *s)
{
  const OspProfile *p = s->profile;
  g_autofree char *detail = NULL;
  OspCertResult r = osp_cert_local_load(p->client_cert, p->client_key, p->client_key_passphrase,
                                        &s->p1.local, &detail);

  if (r == OSP_CERT_OK)
    return true;
  if (r == OSP_CERT_BAD_PASSPHRASE) {
    osp_session_fail(s, OSP_ERROR_BAD_KEY_PASSPHRASE,
                     _("Our key could not be decrypted with the passphrase given: %s."), detail);
    return false;
  }
  osp_session_fail(s, OSP_ERROR_CONFIG,
                   _("Certificate authentication needs our certificate and key (Client "
                     "certificate, Client key): %s."),
                   detail);
  return false;
}

/* HDR, SA, VIDs */
void osp_mainmode_start(OspSession *s)
{
  OspIsakmpHdr h;
  OspMsg m;
  size_t i;

  s->p1.mm_step = 1;
  osp_ike_sa_hdr(s->ike, &h, OSP_EXCH_MAIN, 0, false);
  osp_msg_init(&m, &h);
  osp_msg_add_payload(&m, OSP_PL_SA, s->p1.sai_b->data, s->p1.sai_b->len);
  for (i = 0; i < OSP_VID_N; i++)
    if (i < OSP_VID_NATT_RFC || osp_phase1_natt_wanted(s->profile))
      osp_msg_add_payload(&m, OSP_PL_VID, osp_vendor_ids[i].bytes, osp_vendor_ids[i].len);
  g_debug("phase 1: main mode with %s, %s", osp_dh_group_name(s->p1.dh_group),
          s->profile->auth_mode == OSP_AUTH_CERT     ? "certificates"
          : s->profile->auth_mode == OSP_AUTH_HYBRID ? "hybrid"
                                                     : "pre-shared key");
  osp_session_send(s, g_byte_array_ref(osp_msg_finish(&m)),
                   s->p1.group_idx + 1 < s->p1.n_groups ? 2 : 5);
  osp_msg_clear(&m);
}

static void malformed(OspSession *s, const char *why)
{
  osp_session_rejected(s, OSP_ERROR_PROTOCOL, _("The gateway sent a malformed message: %s."), why);
}

/* <-- HDR, SA, VIDs; then HDR, KE, Ni, CR..., [NAT-D x2] --> */
static void mm2(OspSession *s, const OspIsakmpHdr *h, const OspPayload *pl, size_t n)
{
  const OspPayload *sa_pl = osp_payload_find(pl, n, OSP_PL_SA);
  g_autofree OspSa *sa = g_new0(OspSa, 1);
  const char *why = NULL;
  const uint8_t *pub;
  size_t pub_len;
  OspIsakmpHdr out;
  P1Choice c;
  OspMsg m;

  if (!sa_pl) {
    malformed(s, "main mode message 2 lacks its SA");
    return;
  }
  if (osp_sa_parse(sa_pl->body, sa_pl->len, sa, &why) < 0 ||
      osp_phase1_parse_choice(sa, &c, &why) < 0) {
    osp_session_rejected(s, OSP_ERROR_PROTOCOL, _("The gateway sent an invalid proposal: %s."),
                         why);
    return;
  }
  if (!osp_phase1_choice_offered(s, &c)) {
    osp_session_rejected(s, OSP_ERROR_PROTOCOL,
                         _("The gateway chose IKE algorithms that were not proposed."));
    return;
  }
  /* the gateway's cookie and choice: nothing is authenticated before
   * message 6, which checks them all (SAi_b is in HASH_R) */
  memcpy(s->ike->rcookie, h->rcookie, 8);
  s->ike->cipher = (OspCipher)c.cipher;
  s->ike->key_bits = c.key_bits;
  s->ike->hash = (OspHash)c.hash;
  s->ike->block_len = osp_cipher_block_len(s->ike->cipher);
  s->ike_lifetime =
      osp_gateway_lifetime(osp_phase1_responder_lifetime(pl, n, c.life), s->profile->ike_lifetime,
                           OSP_MIN_IKE_LIFETIME_S, "IKE SA");
  s->p1.mm_auth = c.auth; /* XAUTH follows or not: osp_phase1_up */
  osp_phase1_note_vendor_ids(s, pl, n);
  osp_session_stop_retransmit(s);

  pub = osp_dh_public(s->p1.dh, &pub_len);
  osp_ike_sa_hdr(s->ike, &out, OSP_EXCH_MAIN, 0, false);
  osp_msg_init(&m, &out);
  osp_msg_add_payload(&m, OSP_PL_KE, pub, pub_len);
  osp_msg_add_payload(&m, OSP_PL_NONCE, s->p1.ni, sizeof(s->p1.ni));
  if (s->p1.ca)
    osp_phase1_add_certreqs(s, &m);
  if (s->ike->natt_draft)
    osp_phase1_add_natd(s, &m, false);
  s->p1.mm_step = 3;
  osp_session_send(s, g_byte_array_ref(osp_msg_finish(&m)), OSP_HANDSHAKE_TRIES);
  osp_msg_clear(&m);
}

/* SKEYID: of the group secret, or of the nonces (signatures) */
static int mm_derive(OspSession *s, const OspPayload *ke, const OspPayload *nr)
{
  g_autoptr(OspSecret) gxy = NULL;
  const char *psk = s->profile->group_secret;
  const uint8_t *pub;
  size_t pub_len;
  int r = osp_dh_compute(s->p1.dh, ke->body, ke->len, &gxy);

  pub = osp_dh_public(s->p1.dh, &pub_len);
  if (r < 0)
    return r;
  if (s->profile->auth_mode == OSP_AUTH_PSK)
    return osp_ike_sa_derive_psk(
        s->ike, (const uint8_t *)psk, psk ? strlen(psk) : 0, OSP_SLICE(s->p1.ni, sizeof(s->p1.ni)),
        OSP_SLICE(nr->body, nr->len), gxy, OSP_SLICE(pub, pub_len), OSP_SLICE(ke->body, ke->len));
  return osp_ike_sa_derive_sig(s->ike, OSP_SLICE(s->p1.ni, sizeof(s->p1.ni)),
                               OSP_SLICE(nr->body, nr->len), gxy, OSP_SLICE(pub, pub_len),
                               OSP_SLICE(ke->body, ke->len));
}

/* Message 5 after IDii: CERT..., SIG_I (certificates) or HASH_I (PSK) */
static bool mm5_auth(OspSession *s, OspMsg *m, const uint8_t *hash_i)
{
  g_autoptr(GByteArray) sig = NULL;
  const GPtrArray *certs;
  size_t i;

  if (!s->p1.local) {
    osp_msg_add_payload(m, OSP_PL_HASH, hash_i, osp_hash_len(s->ike->hash));
    return true;
  }
  sig = g_byte_array_new();
  if (osp_cert_local_sign(s->p1.local, hash_i, osp_hash_len(s->ike->hash), sig) < 0)
    return false;
  certs = osp_cert_local_certs(s->p1.local);
  for (i = 0; i < certs->len; i++) {
    gsize len;
    const uint8_t *der = g_bytes_get_data(certs->pdata[i], &len);
    static const uint8_t enc = OSP_CERT_ENCODING_X509_SIG;

    osp_msg_begin_payload(m, OSP_PL_CERT);
    g_byte_array_append(m->buf, &enc, 1);
    g_byte_array_append(m->buf, der, (guint)len);
    osp_msg_end_payload(m);
  }
  osp_msg_add_payload(m, OSP_PL_SIG, sig->data, sig->len);
  return true;
}

/* <-- HDR, KE, Nr, [CR], [NAT-D x2]; then HDR*, IDii, CERT..., SIG_I -->
 * (or HDR*, IDii, HASH_I with the group secret) */
static void mm4(OspSession *s, const OspPayload *pl, size_t n)
{
  const OspPayload *ke = osp_payload_find(pl, n, OSP_PL_KE);
  const OspPayload *nr = osp_payload_find(pl, n, OSP_PL_NONCE);
  const uint8_t *pub;
  size_t pub_len;
  uint8_t hash_i[64];
  OspIsakmpHdr out;
  OspMsg m;
  bool nat, ok;
  int r;

  if (!ke || !nr || nr->len < 8 || nr->len > 256) {
    malformed(s, "main mode message 4 lacks its key exchange or nonce");
    return;
  }
  if (ke->len != osp_dh_public_len(s->p1.dh_group)) {
    osp_session_rejected(s, OSP_ERROR_PROTOCOL,
                         _("The gateway's key exchange payload has the wrong size (%zu bytes)."),
                         ke->len);
    return;
  }
  r = mm_derive(s, ke, nr);
  if (r < 0) {
    osp_session_rejected(s, OSP_ERROR_PROTOCOL, _("Key exchange with the gateway failed: %s."),
                         g_strerror(-r));
    return;
  }
  pub = osp_dh_public(s->p1.dh, &pub_len);
  s->p1.mm_ke_r = g_byte_array_new();
  g_byte_array_append(s->p1.mm_ke_r, ke->body, (guint)ke->len);
  s->p1.mm_nr = g_byte_array_new();
  g_byte_array_append(s->p1.mm_nr, nr->body, (guint)nr->len);
  osp_session_stop_retransmit(s);
  nat = s->ike->natt_draft && osp_phase1_detect_nat(s, pl, n);
  if (s->ike->natt_draft && (nat || s->profile->natt_mode == OSP_NATT_FORCE))
    s->ike->natt = true; /* message 5 goes to port 4500 */

  /* IDii: our certificate's subject, or the profile's ID */
  s->p1.idii_b = g_byte_array_new();
  if (s->p1.local) {
    GBytes *subject = osp_cert_local_subject(s->p1.local);

    osp_put_id(s->p1.idii_b, OSP_ID_DER_ASN1_DN, 17, 500, g_bytes_get_data(subject, NULL),
               g_bytes_get_size(subject));
  } else {
    osp_phase1_build_id(s, s->p1.idii_b);
  }
  osp_ike_sa_hdr(s->ike, &out, OSP_EXCH_MAIN, 0, true);
  osp_msg_init(&m, &out);
  osp_msg_add_payload(&m, OSP_PL_ID, s->p1.idii_b->data, s->p1.idii_b->len);
  ok = osp_phase1_auth_hash(s->ike, true, OSP_SLICE(pub, pub_len), OSP_SLICE(ke->body, ke->len),
                            s->p1.sai_b, OSP_SLICE(s->p1.idii_b->data, s->p1.idii_b->len),
                            hash_i) == 0 &&
       mm5_auth(s, &m, hash_i);
  OPENSSL_cleanse(hash_i, sizeof(hash_i));
  if (!ok) {
    osp_msg_clear(&m);
    osp_session_fail(s, OSP_ERROR_FAILED, _("Could not sign with our key (Client key)."));
    return;
  }
  osp_msg_finish(&m);
  osp_ike_sa_encrypt(s->ike, &m, 0);
  s->p1.mm_step = 5;
  osp_session_send(s, g_byte_array_ref(m.buf), OSP_HANDSHAKE_TRIES);
  osp_msg_clear(&m);
}

/* <-- HDR*, IDir, CERT..., SIG_R */
static OspExchOutcome mm6(OspSession *s, const OspIsakmpHdr *h, const uint8_t *data, size_t len)
{
  OspPayload pl[OSP_ISAKMP_MAX_PAYLOADS];
  g_autofree uint8_t *plain = NULL;
  const OspPayload *id, *sig;
  const char *why = NULL;
  const uint8_t *pub;
  size_t pub_len, n = 0;
  uint8_t next_iv[16], want[64];
  bool ok;

  if (osp_ike_sa_decrypt(s->ike, h, data, len, &plain, next_iv) < 0 ||
      osp_payloads_parse(h->next_payload, plain, len - OSP_ISAKMP_HDR_LEN, pl, G_N_ELEMENTS(pl), &n,
                         &why) < 0) {
    osp_session_rejected(s, OSP_ERROR_PROTOCOL,
                         _("The gateway's main mode message 6 could not be read: %s."),
                         why ? why : "it does not decrypt");
    return OSP_EXCH_NEED_MORE;
  }
  id = osp_payload_find(pl, n, OSP_PL_ID);
  sig = osp_payload_find(pl, n, s->p1.ca ? OSP_PL_SIG : OSP_PL_HASH);
  if (!id || !sig) {
    malformed(s, s->p1.ca ? "main mode message 6 lacks its ID or signature"
                          : "main mode message 6 lacks its ID or hash");
    return OSP_EXCH_NEED_MORE;
  }
  pub = osp_dh_public(s->p1.dh, &pub_len);
  ok = osp_phase1_auth_hash(s->ike, false, OSP_SLICE(pub, pub_len),
                            OSP_SLICE(s->p1.mm_ke_r->data, s->p1.mm_ke_r->len), s->p1.sai_b,
                            OSP_SLICE(id->body, id->len), want) == 0;
  if (ok && s->p1.ca) {
    ok = osp_phase1_verify_peer(s, s->ike, pl, n, id, want, sig);
  } else if (ok) {
    ok = sig->len == osp_hash_len(s->ike->hash) && CRYPTO_memcmp(sig->body, want, sig->len) == 0;
    if (!ok)
      osp_phase1_bad_hash_r(s);
  }
  OPENSSL_cleanse(want, sizeof(want));
  if (!ok)
    return OSP_EXCH_NEED_MORE;
  osp_ike_sa_commit_iv(s->ike, 0, next_iv);
  osp_session_stop_retransmit(s);
  g_debug("phase 1: main mode %s %s %s, lifetime %us, DPD %s, Unity %s, NAT-T %s",
          osp_cipher_name(s->ike->cipher, s->ike->key_bits), osp_hash_name(s->ike->hash),
          osp_dh_group_name(s->p1.dh_group), s->ike_lifetime, s->peer_dpd ? "yes" : "no",
          s->peer_unity ? "yes" : "no", s->ike->natt ? "yes" : "no");
  osp_phase1_up(s, s->p1.mm_auth);
  return OSP_EXCH_DONE;
}

/* An encrypted notify after message 5: the gateway refusing our
 * certificate or signature (strongSwan: AUTHENTICATION-FAILED).  Only
 * whoever answered messages 2 and 4 has the keys, which proves nothing
 * yet: it is reported as a rejection, when nothing better comes. */
static void mm_notify(OspSession *s, const OspIsakmpHdr *h, const uint8_t *data, size_t len)
{
  OspPayload pl[OSP_ISAKMP_MAX_PAYLOADS];
  g_autofree uint8_t *plain = NULL;
  const char *why = NULL;
  uint8_t next_iv[16];
  size_t n = 0, i;

  if (osp_ike_sa_decrypt(s->ike, h, data, len, &plain, next_iv) < 0 ||
      osp_payloads_parse(h->next_payload, plain, len - OSP_ISAKMP_HDR_LEN, pl, G_N_ELEMENTS(pl), &n,
                         &why) < 0 ||
      !osp_ike_sa_check_hash(s->ike, h->msgid, pl, n, NULL, 0)) {
    g_debug("phase 1: dropped an encrypted informational message in main mode");
    return;
  }
  for (i = 0; i < n; i++) {
    OspNotify nt;

    if (pl[i].type != OSP_PL_NOTIFY || osp_notify_parse(pl[i].body, pl[i].len, &nt, &why) < 0 ||
        nt.type >= 16384)
      continue;
    if (s->p1.local)
      osp_session_rejected(s, OSP_ERROR_GATEWAY_REJECTED,
                           _("The gateway refused our certificate or signature (%s): is Client "
                             "certificate issued by a CA it trusts?"),
                           osp_notify_name(nt.type));
    else
      osp_session_rejected(s, OSP_ERROR_GATEWAY_REJECTED,
                           _("The gateway refused our identity (%s): are ID type and IPSec ID "
                             "those it expects?"),
                           osp_notify_name(nt.type));
    return;
  }
}

OspExchOutcome osp_mainmode_input(OspSession *s, const OspIsakmpHdr *h, const uint8_t *data,
                                  size_t len)
{
  OspPayload pl[OSP_ISAKMP_MAX_PAYLOADS];
  const char *why = NULL;
  size_t n = 0;

  if (h->exchange == OSP_EXCH_INFO && h->flags & OSP_FLAG_ENC && s->p1.mm_step == 5) {
    mm_notify(s, h, data, len);
    return OSP_EXCH_NEED_MORE;
  }
  /* errors in the clear (Informational) are aggressive mode's */
  if (h->exchange != OSP_EXCH_MAIN)
    return OSP_EXCH_NEED_MORE;
  if (h->flags & OSP_FLAG_ENC) {
    if (h->exchange == OSP_EXCH_MAIN && s->p1.mm_step == 5 &&
        memcmp(h->rcookie, s->ike->rcookie, 8) == 0)
      return mm6(s, h, data, len);
    g_debug("phase 1: dropped an encrypted message in main mode step %d", s->p1.mm_step);
    return OSP_EXCH_NEED_MORE;
  }
  if (osp_payloads_parse(h->next_payload, data + OSP_ISAKMP_HDR_LEN, len - OSP_ISAKMP_HDR_LEN, pl,
                         G_N_ELEMENTS(pl), &n, &why) < 0) {
    malformed(s, why);
    return OSP_EXCH_NEED_MORE;
  }
  if (s->p1.mm_step == 1)
    mm2(s, h, pl, n);
  else if (s->p1.mm_step == 3 && memcmp(h->rcookie, s->ike->rcookie, 8) == 0)
    mm4(s, pl, n);
  else
    g_debug("phase 1: dropped a main mode message in step %d", s->p1.mm_step);
  return OSP_EXCH_NEED_MORE;
}
