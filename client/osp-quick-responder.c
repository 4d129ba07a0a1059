/* SPDX-License-Identifier: GPL-2.0-or-later
 * Osprey — quick mode the gateway starts (it rekeys): we answer as
 * responder (RFC 2409 section 5.5)
 *
 *                              <--  HDR*, HASH(1), SA, Ni, [KE], [IDci, IDcr]
 *   HDR*, HASH(2), SA, Nr, [KE], [IDci, IDcr]  -->
 *                              <--  HDR*, HASH(3)
 */
#include "osp-session-private.h"

#include <errno.h>
#include <glib/gi18n-lib.h>
#include <openssl/crypto.h>
#include <string.h>

#define PEER_QM_WAIT_US (30 * G_USEC_PER_SEC)

void osp_quick_responder_clear(OspSession *s)
{
  if (s->pqm.ni)
    g_byte_array_unref(s->pqm.ni);
  osp_secret_free(s->pqm.gqm);
  if (s->pqm.state != PQM_IDLE)
    osp_ike_sa_forget_iv(s->ike, s->pqm.msgid);
  memset(&s->pqm, 0, sizeof(s->pqm));
}

void osp_quick_responder_abandon(OspSession *s)
{
  if (s->pqm.preinstalled) {
    s->pqm.preinstalled = false;
    g_debug("quick mode (gateway's): SA in %08x given up", s->pqm.spi_in);
    s->ops->child_sa_down(s->user, s->pqm.spi_in);
  }
  osp_quick_responder_clear(s);
}

/* What the quick mode the gateway started agreed, for the SA pair */
static QmResult peer_result(const OspSession *s)
{
  return (QmResult){ .spi_in = s->pqm.spi_in,
                     .spi_out = s->pqm.spi_out,
                     .t = s->pqm.transform,
                     .life_s = s->pqm.life_s,
                     .life_kb = s->pqm.life_kb,
                     .pfs_group = s->pqm.pfs_group,
                     .gqm = s->pqm.gqm,
                     .ni = OSP_SLICE(s->pqm.ni->data, s->pqm.ni->len),
                     .nr = OSP_SLICE(s->pqm.nr, sizeof(s->pqm.nr)),
                     .ipv6 = s->pqm.ipv6 };
}

/* The first transform of the gateway's offer that we would have proposed
 * ourselves; *ret_prop and *ret_tr point into sa. */
static const EspTransform *choose_transform(OspSession *s, const OspSa *sa, bool has_ke,
                                            QmChoice *ret_c, const OspProposal **ret_prop,
                                            const OspTransform **ret_tr)
{
  size_t i, k;

  for (i = 0; i < sa->n_proposals; i++) {
    const OspProposal *p = &sa->proposals[i];

    if (p->protocol != OSP_PROTO_IPSEC_ESP || p->spi_size != 4 || osp_get32(p->spi) < 256)
      continue;
    for (k = 0; k < p->n_transforms; k++) {
      const EspTransform *t;
      QmChoice c = { .enc = p->transforms[k].id };

      osp_child_parse_attrs(p->transforms[k].attrs, p->transforms[k].attrs_len, &c);
      t = osp_child_offered(s, &c);
      if (!t || c.encap != osp_child_encap_mode(s) || (c.group != 0) != has_ke ||
          (c.group && !osp_dh_group_supported(c.group)))
        continue;
      *ret_c = c;
      *ret_prop = p;
      *ret_tr = &p->transforms[k];
      return t;
    }
  }
  return NULL;
}

/* HASH(2), SA (the chosen transform as offered, our SPI), Nr, [KE], [IDs] */
static void send_peer_qm2(OspSession *s, uint32_t msgid, const OspProposal *prop,
                          const OspTransform *tr, const OspDh *dh, const OspPayload *idci,
                          const OspPayload *idcr)
{
  size_t hlen = osp_hash_len(s->ike->hash), off, po;
  uint8_t zero[64] = { 0 }, spi[4];
  g_autoptr(GByteArray) sa = g_byte_array_new();
  OspIsakmpHdr h;
  OspMsg m;

  osp_put32(spi, s->pqm.spi_in);
  osp_sa_begin(sa, 1, 1);
  po = osp_proposal_begin(sa, prop->num, OSP_PROTO_IPSEC_ESP, spi, 4);
  off = osp_transform_begin(sa, tr->num, tr->id);
  g_byte_array_append(sa, tr->attrs, (guint)tr->attrs_len);
  osp_transform_end(sa, off, true);
  osp_proposal_end(sa, po, 1, true);

  osp_ike_sa_hdr(s->ike, &h, OSP_EXCH_QUICK, msgid, true);
  osp_msg_init(&m, &h);
  osp_msg_add_payload(&m, OSP_PL_HASH, zero, hlen);
  osp_msg_add_payload(&m, OSP_PL_SA, sa->data, sa->len);
  osp_msg_add_payload(&m, OSP_PL_NONCE, s->pqm.nr, sizeof(s->pqm.nr));
  if (dh) {
    size_t pub_len;
    const uint8_t *pub = osp_dh_public(dh, &pub_len);

    osp_msg_add_payload(&m, OSP_PL_KE, pub, pub_len);
  }
  if (idci && idcr) {
    osp_msg_add_payload(&m, OSP_PL_ID, idci->body, idci->len);
    osp_msg_add_payload(&m, OSP_PL_ID, idcr->body, idcr->len);
  }
  /* HASH(2) = prf(SKEYID_a, M-ID | Ni_b | SA | Nr | [KE] | [IDci | IDcr]) */
  osp_ike_sa_seal(s->ike, &m, msgid, s->pqm.ni->data, s->pqm.ni->len);
  osp_session_send_reply(s, g_byte_array_ref(m.buf));
  osp_msg_clear(&m);
}

static void refuse_peer_qm(OspSession *s, const char *why)
{
  g_debug("quick mode (gateway's): refused: %s", why);
  osp_session_send_notify(s, OSP_PROTO_IPSEC_ESP, OSP_N_NO_PROPOSAL_CHOSEN, NULL, 0, NULL, 0);
}

static OspExchOutcome peer_qm1(OspSession *s, const OspIsakmpHdr *h, const OspPayload *pl, size_t n,
                               const uint8_t next_iv[16])
{
  const OspPayload *sa_pl = osp_payload_find(pl, n, OSP_PL_SA);
  const OspPayload *ni = osp_payload_find(pl, n, OSP_PL_NONCE);
  const OspPayload *ke = osp_payload_find(pl, n, OSP_PL_KE);
  const OspPayload *idci = NULL, *idcr = NULL;
  g_autofree OspSa *sa = g_new0(OspSa, 1);
  g_autoptr(OspDh) dh = NULL;
  const OspProposal *prop = NULL;
  const OspTransform *tr = NULL;
  const EspTransform *t;
  const char *why = NULL;
  QmChoice c = { 0 };
  QmResult q;
  size_t i;

  if (!osp_ike_sa_check_hash(s->ike, h->msgid, pl, n, NULL, 0)) {
    g_debug("quick mode (gateway's): dropped message 1 with bad HASH(1)");
    osp_ike_sa_forget_iv(s->ike, h->msgid);
    return OSP_EXCH_NEED_MORE;
  }
  osp_ike_sa_commit_iv(s->ike, h->msgid, next_iv);
  s->last_rx = s->now;
  for (i = 1; i < n; i++)
    if (pl[i].type == OSP_PL_ID) {
      if (!idci)
        idci = &pl[i];
      else if (!idcr)
        idcr = &pl[i];
    }
  if (!sa_pl || !ni || ni->len < 8 || ni->len > 256 || (idci && !idcr) ||
      osp_sa_parse(sa_pl->body, sa_pl->len, sa, &why) < 0) {
    osp_ike_sa_forget_iv(s->ike, h->msgid);
    refuse_peer_qm(s, why ? why : "a payload is missing");
    return OSP_EXCH_NEED_MORE;
  }
  t = choose_transform(s, sa, ke != NULL, &c, &prop, &tr);
  if (!t) {
    osp_ike_sa_forget_iv(s->ike, h->msgid);
    refuse_peer_qm(s, "none of the offered ESP transforms is acceptable");
    return OSP_EXCH_NEED_MORE;
  }
  osp_quick_responder_abandon(s);
  s->pqm.state = PQM_MSG2_SENT;
  s->pqm.msgid = h->msgid;
  s->pqm.transform = t;
  s->pqm.spi_out = osp_get32(prop->spi);
  s->pqm.life_s = c.life_s;
  s->pqm.life_kb = c.life_kb;
  s->pqm.pfs_group = c.group;
  /* its IDci is its side: the family of the selectors (none: IPv4) */
  s->pqm.ipv6 = idci && idci->len > 0 &&
                (idci->body[0] == OSP_ID_IPV6_ADDR || idci->body[0] == OSP_ID_IPV6_ADDR_SUBNET);
  s->pqm.ni = g_byte_array_new();
  g_byte_array_append(s->pqm.ni, ni->body, (guint)ni->len);
  s->pqm.give_up = s->now + PEER_QM_WAIT_US;
  do
    osp_random(&s->pqm.spi_in, 4);
  while (s->pqm.spi_in < 256);
  osp_random(s->pqm.nr, sizeof(s->pqm.nr));
  if (c.group &&
      (osp_dh_new(c.group, &dh) < 0 || osp_dh_compute(dh, ke->body, ke->len, &s->pqm.gqm) < 0)) {
    osp_quick_responder_clear(s);
    refuse_peer_qm(s, "its PFS key exchange is invalid");
    return OSP_EXCH_NEED_MORE;
  }
  g_debug("quick mode (gateway's): accepting %s %s, PFS %s", osp_esp_enc_name(t->enc, t->key_bits),
          osp_esp_auth_name(t->auth), c.group ? osp_dh_group_name(c.group) : "off");
  send_peer_qm2(s, h->msgid, prop, tr, dh, idci, idcr);
  /* it may send with the new SA before its HASH(3) reaches us (strongSwan
   * does, now and then) */
  q = peer_result(s);
  if (osp_child_preinstall(s, &q) == 0)
    s->pqm.preinstalled = true;
  return OSP_EXCH_SENT;
}

static OspExchOutcome peer_qm3(OspSession *s, const OspIsakmpHdr *h, const OspPayload *pl, size_t n,
                               const uint8_t next_iv[16])
{
  size_t hlen = osp_hash_len(s->ike->hash);
  uint8_t want[64];
  QmResult q;
  int r;

  osp_ike_sa_hash3(s->ike, h->msgid, OSP_SLICE(s->pqm.ni->data, s->pqm.ni->len),
                   OSP_SLICE(s->pqm.nr, sizeof(s->pqm.nr)), want);
  if (n < 1 || pl[0].type != OSP_PL_HASH || pl[0].len != hlen ||
      CRYPTO_memcmp(want, pl[0].body, hlen) != 0) {
    g_debug("quick mode (gateway's): dropped message 3 with bad HASH(3)");
    return OSP_EXCH_NEED_MORE;
  }
  osp_ike_sa_commit_iv(s->ike, h->msgid, next_iv);
  s->last_rx = s->now;
  q = peer_result(s);
  r = osp_child_install(s, &q); /* the preinstalled pair sends too now */
  s->pqm.preinstalled = false;
  osp_quick_responder_clear(s);
  if (r < 0) {
    osp_session_fail(s, OSP_ERROR_FAILED, _("Deriving IPsec keys failed: %s"), g_strerror(-r));
    return OSP_EXCH_FAILED;
  }
  /* the gateway rekeyed: a rekey of ours in flight is now redundant but harmless */
  return OSP_EXCH_DONE;
}

OspExchOutcome osp_quick_responder_input(OspSession *s, const OspIsakmpHdr *h, const OspPayload *pl,
                                         size_t n, const uint8_t next_iv[16])
{
  if (s->state != S_ESTABLISHED) {
    g_debug("quick mode (gateway's): dropped, not established yet");
    return OSP_EXCH_NEED_MORE;
  }
  if (s->pqm.state == PQM_MSG2_SENT && h->msgid == s->pqm.msgid)
    return peer_qm3(s, h, pl, n, next_iv);
  return peer_qm1(s, h, pl, n, next_iv);
}
