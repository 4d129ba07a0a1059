/* SPDX-License-Identifier: GPL-2.0-or-later
 * Osprey — quick mode (RFC 2409 section 5.5), initiator, with and without
 * PFS, with UDP encapsulation modes of RFC 3947 and its drafts:
 *
 *   HDR*, HASH(1), SA, Ni, [KE], IDci, IDcr  -->
 *                               <--  HDR*, HASH(2), SA, Nr, [KE], IDci, IDcr, [RESPONDER-LIFETIME]
 *   HDR*, HASH(3)  -->
 *
 * An IKEv1 IPsec SA has one pair of selectors (RFC 2409 5.5: IDci,
 * IDcr), so IPv6 inside the tunnel gets a quick mode of its own after the
 * IPv4 one: IDci our INTERNAL_IP6_ADDRESS (ID_IPV6_ADDR), IDcr ::/0
 * (ID_IPV6_ADDR_SUBNET, RFC 2407 4.6.2.6), which the gateway narrows.
 */
#include "osp-session-private.h"

#include <errno.h>
#include <glib/gi18n-lib.h>
#include <openssl/crypto.h>
#include <string.h>

void osp_quick_clear(OspSession *s)
{
  osp_dh_free(s->qm.dh);
  if (s->qm.state != QM_IDLE)
    osp_ike_sa_forget_iv(s->ike, s->qm.msgid);
  memset(&s->qm, 0, sizeof(s->qm));
}

static void build_sa(OspSession *s, GByteArray *b)
{
  uint8_t spi[4];
  size_t i, n = 0, total = 0, prop;

  for (i = 0; i < osp_child_n_transforms(); i++)
    if (osp_child_allowed(s->profile, osp_child_transform(i)))
      total++;
  osp_put32(spi, s->qm.spi_in);
  osp_sa_begin(b, 1, 1);
  prop = osp_proposal_begin(b, 1, OSP_PROTO_IPSEC_ESP, spi, 4);
  for (i = 0; i < osp_child_n_transforms(); i++) {
    const EspTransform *t = osp_child_transform(i);
    size_t off;

    if (!osp_child_allowed(s->profile, t))
      continue;
    n++;
    off = osp_transform_begin(b, (uint8_t)n, (uint8_t)t->enc);
    osp_put_attr_basic(b, Q_LIFE_TYPE, 1);
    osp_put_attr_uint(b, Q_LIFE_DUR, s->profile->ipsec_lifetime);
    if (s->qm.pfs_group)
      osp_put_attr_basic(b, Q_GROUP, (uint16_t)s->qm.pfs_group);
    osp_put_attr_basic(b, Q_ENCAP, osp_child_encap_mode(s));
    if (t->auth != OSP_ESP_AUTH_NONE)
      osp_put_attr_basic(b, Q_AUTH, (uint16_t)t->auth);
    if (t->key_bits)
      osp_put_attr_basic(b, Q_KEY_LEN, (uint16_t)t->key_bits);
    osp_transform_end(b, off, n == total);
  }
  osp_proposal_end(b, prop, (uint8_t)n, true);
}

static int pfs_group_for(OspSession *s)
{
  int p = s->profile->pfs_group;

  if (p == OSP_PFS_NONE)
    return 0;
  if (p != OSP_PFS_SERVER)
    return p;
  if (s->ipcfg->pfs_group > 0)
    return s->ipcfg->pfs_group;
  return s->qm_pfs_fallback_tried ? s->p1.dh_group : 0;
}

OspExchOutcome osp_quick_start(OspSession *s, bool rekey, bool ipv6)
{
  size_t hlen = osp_hash_len(s->ike->hash);
  uint8_t zero[64] = { 0 };
  g_autoptr(GByteArray) sa = g_byte_array_new();
  uint8_t any[32] = { 0 };
  OspIsakmpHdr h;
  OspMsg m;
  int r;

  osp_quick_clear(s);
  s->qm.state = QM_MSG1_SENT;
  s->qm.ipv6 = ipv6;
  s->rekey_pending[ipv6] = false;
  s->qm.msgid = osp_ike_sa_new_msgid();
  do
    osp_random(&s->qm.spi_in, 4);
  while (s->qm.spi_in < 256); /* SPIs 1-255 are reserved (RFC 4303 2.1) */
  osp_random(s->qm.ni, sizeof(s->qm.ni));
  s->qm.pfs_group = pfs_group_for(s);
  if (s->qm.pfs_group) {
    r = osp_dh_new(s->qm.pfs_group, &s->qm.dh);
    if (r < 0) {
      osp_session_fail(s, OSP_ERROR_NO_PROPOSAL, _("PFS group %d is not supported."),
                       s->qm.pfs_group);
      return OSP_EXCH_FAILED;
    }
  }
  build_sa(s, sa);

  osp_ike_sa_hdr(s->ike, &h, OSP_EXCH_QUICK, s->qm.msgid, true);
  osp_msg_init(&m, &h);
  osp_msg_add_payload(&m, OSP_PL_HASH, zero, hlen);
  osp_msg_add_payload(&m, OSP_PL_SA, sa->data, sa->len);
  osp_msg_add_payload(&m, OSP_PL_NONCE, s->qm.ni, sizeof(s->qm.ni));
  if (s->qm.dh) {
    size_t pub_len;
    const uint8_t *pub = osp_dh_public(s->qm.dh, &pub_len);

    osp_msg_add_payload(&m, OSP_PL_KE, pub, pub_len);
  }
  /* IDci: our internal address; IDcr: everything (the gateway narrows) */
  osp_msg_begin_payload(&m, OSP_PL_ID);
  if (ipv6)
    osp_put_id(m.buf, OSP_ID_IPV6_ADDR, 0, 0, &s->ipcfg->address6, 16);
  else
    osp_put_id(m.buf, OSP_ID_IPV4_ADDR, 0, 0, &s->ipcfg->address, 4);
  osp_msg_end_payload(&m);
  osp_msg_begin_payload(&m, OSP_PL_ID);
  if (ipv6)
    osp_put_id(m.buf, OSP_ID_IPV6_ADDR_SUBNET, 0, 0, any, 32);
  else
    osp_put_id(m.buf, OSP_ID_IPV4_ADDR_SUBNET, 0, 0, any, 8);
  osp_msg_end_payload(&m);
  osp_ike_sa_seal(s->ike, &m, s->qm.msgid, NULL, 0);
  g_debug("quick mode: %s %s, PFS %s", rekey ? "rekey" : "initial", ipv6 ? "IPv6" : "IPv4",
          s->qm.pfs_group ? osp_dh_group_name(s->qm.pfs_group) : "off");
  /* a gateway that ignores the IPv6 request costs the IPv4 tunnel only
   * 1 + 2 s (osp_quick_give_up_ip6) */
  osp_session_send(s, g_byte_array_ref(m.buf),
                   ipv6 && !rekey ? OSP_IP6_HANDSHAKE_TRIES : OSP_HANDSHAKE_TRIES);
  osp_msg_clear(&m);
  return OSP_EXCH_NEED_MORE;
}

static void send_hash3(OspSession *s, const uint8_t *nr, size_t nr_len)
{
  size_t hlen = osp_hash_len(s->ike->hash);
  uint8_t hash3[64];
  OspIsakmpHdr h;
  OspMsg m;

  osp_ike_sa_hash3(s->ike, s->qm.msgid, OSP_SLICE(s->qm.ni, sizeof(s->qm.ni)),
                   OSP_SLICE(nr, nr_len), hash3);
  osp_ike_sa_hdr(s->ike, &h, OSP_EXCH_QUICK, s->qm.msgid, true);
  osp_msg_init(&m, &h);
  osp_msg_add_payload(&m, OSP_PL_HASH, hash3, hlen);
  osp_msg_finish(&m);
  osp_ike_sa_encrypt(s->ike, &m, s->qm.msgid);
  osp_session_send_reply(s, g_byte_array_ref(m.buf));
  osp_msg_clear(&m);
}

OspExchOutcome osp_quick_input(OspSession *s, const OspIsakmpHdr *h, const OspPayload *pl, size_t n,
                               const uint8_t next_iv[16])
{
  const OspPayload *sa_pl, *nr, *ke;
  g_autofree OspSa *sa = NULL;
  g_autoptr(OspSecret) gqm = NULL;
  const EspTransform *t;
  const char *why = NULL;
  QmChoice c;
  QmResult q;
  size_t i;
  int r;

  if (s->qm.state != QM_MSG1_SENT || h->msgid != s->qm.msgid) {
    g_debug("quick mode: dropped a message of another exchange");
    return OSP_EXCH_NEED_MORE;
  }
  if (!osp_ike_sa_check_hash(s->ike, h->msgid, pl, n, s->qm.ni, sizeof(s->qm.ni))) {
    osp_session_reply_rejected(s, "quick mode message 2 with a bad HASH(2)");
    return OSP_EXCH_NEED_MORE;
  }
  osp_ike_sa_commit_iv(s->ike, h->msgid, next_iv);
  sa_pl = osp_payload_find(pl, n, OSP_PL_SA);
  nr = osp_payload_find(pl, n, OSP_PL_NONCE);
  ke = osp_payload_find(pl, n, OSP_PL_KE);
  if (!sa_pl || !nr || nr->len < 8 || nr->len > 256) {
    osp_session_fail(s, OSP_ERROR_PROTOCOL, _("The gateway's quick mode answer lacks a payload."));
    return OSP_EXCH_FAILED;
  }
  sa = g_new0(OspSa, 1);
  if (osp_sa_parse(sa_pl->body, sa_pl->len, sa, &why) < 0 || sa->n_proposals != 1 ||
      sa->proposals[0].n_transforms != 1 || sa->proposals[0].protocol != OSP_PROTO_IPSEC_ESP ||
      sa->proposals[0].spi_size != 4) {
    osp_session_fail(s, OSP_ERROR_PROTOCOL, _("The gateway sent an invalid IPsec proposal: %s."),
                     why ? why : "not one ESP transform with a 4-byte SPI");
    return OSP_EXCH_FAILED;
  }
  if (osp_get32(sa->proposals[0].spi) < 256) {
    /* 0 is never an SPI and 1-255 are reserved (RFC 4303 2.1) */
    osp_session_fail(s, OSP_ERROR_PROTOCOL, _("The gateway sent an invalid IPsec proposal: %s."),
                     "a reserved SPI");
    return OSP_EXCH_FAILED;
  }
  memset(&c, 0, sizeof(c));
  c.enc = sa->proposals[0].transforms[0].id;
  osp_child_parse_attrs(sa->proposals[0].transforms[0].attrs,
                        sa->proposals[0].transforms[0].attrs_len, &c);
  t = osp_child_offered(s, &c);
  if (!t || c.group != s->qm.pfs_group || c.encap != osp_child_encap_mode(s)) {
    osp_session_fail(s, OSP_ERROR_PROTOCOL,
                     _("The gateway chose IPsec algorithms that were not proposed."));
    return OSP_EXCH_FAILED;
  }
  for (i = 0; i < n; i++) {
    OspNotify nt;

    if (pl[i].type == OSP_PL_NOTIFY && osp_notify_parse(pl[i].body, pl[i].len, &nt, &why) == 0 &&
        nt.type == OSP_N_RESPONDER_LIFETIME)
      osp_child_parse_attrs(nt.data, nt.data_len, &c); /* RFC 2407 4.6.3.1 */
  }
  if (s->qm.dh) {
    if (!ke || osp_dh_compute(s->qm.dh, ke->body, ke->len, &gqm) < 0) {
      osp_session_fail(s, OSP_ERROR_PROTOCOL, _("The gateway's PFS key exchange is invalid."));
      return OSP_EXCH_FAILED;
    }
  }

  osp_session_stop_retransmit(s);
  send_hash3(s, nr->body, nr->len);
  q = (QmResult){ .spi_in = s->qm.spi_in,
                  .spi_out = osp_get32(sa->proposals[0].spi),
                  .t = t,
                  .life_s = c.life_s,
                  .life_kb = c.life_kb,
                  .pfs_group = s->qm.pfs_group,
                  .gqm = gqm,
                  .ni = OSP_SLICE(s->qm.ni, sizeof(s->qm.ni)),
                  .nr = OSP_SLICE(nr->body, nr->len),
                  .ipv6 = s->qm.ipv6 };
  r = osp_child_install(s, &q);
  if (r < 0) {
    osp_session_fail(s, OSP_ERROR_FAILED, _("Deriving IPsec keys failed: %s"), g_strerror(-r));
    return OSP_EXCH_FAILED;
  }
  osp_quick_clear(s);
  return OSP_EXCH_DONE;
}

bool osp_quick_give_up_ip6(OspSession *s, const char *why)
{
  if (s->profile->ipv6_inside == OSP_IPV6_YES) {
    osp_session_fail(s, OSP_ERROR_GATEWAY_REJECTED,
                     _("No IPv6 inside the tunnel, which the profile requires (IPv6 inside "
                       "yes): %s."),
                     why);
    return false;
  }
  osp_session_stop_retransmit(s);
  osp_quick_clear(s);
  osp_ip_config_clear_ip6(s->ipcfg);
  s->ops->ip_config(s->user, s->ipcfg);
  osp_session_no_ip6(s, why);
  return true;
}

OspExchOutcome osp_quick_refused(OspSession *s, const OspNotify *nt)
{
  int code = osp_session_error_from_notify(nt->type);

  if (s->state == S_ESTABLISHED) {
    /* our rekey */
    if (code != OSP_ERROR_NO_PROPOSAL) {
      g_debug("quick mode: notify %s ignored", osp_notify_name(nt->type));
      return OSP_EXCH_NEED_MORE;
    }
    osp_session_fail(s, OSP_ERROR_NO_PROPOSAL, _("The gateway refused to rekey the IPsec SA (%s)."),
                     osp_notify_name(nt->type));
    return OSP_EXCH_FAILED;
  }
  if (code == OSP_ERROR_NO_PROPOSAL && s->profile->pfs_group == OSP_PFS_SERVER &&
      !s->qm_pfs_fallback_tried && s->qm.pfs_group == 0) {
    /* the gateway requires PFS without announcing it in Mode Config */
    g_debug("quick mode: no proposal chosen without PFS; retrying with PFS");
    s->qm_pfs_fallback_tried = true;
    return OSP_EXCH_RETRY;
  }
  if (code == OSP_ERROR_NO_PROPOSAL && osp_session_weak_settings(s->profile, true, true)) {
    /* 3DES and MD5 are offered only when enabled */
    osp_session_fail(s, OSP_ERROR_NO_PROPOSAL,
                     _("The gateway accepted none of the proposed IPsec algorithms (%s). If it "
                       "allows only weak ones, set %s in the profile."),
                     osp_notify_name(nt->type), osp_session_weak_settings(s->profile, true, true));
    return OSP_EXCH_FAILED;
  }
  osp_session_fail(
      s, code == OSP_ERROR_NO_PROPOSAL ? OSP_ERROR_NO_PROPOSAL : OSP_ERROR_GATEWAY_REJECTED,
      code == OSP_ERROR_NO_PROPOSAL
          ? _("The gateway accepted none of the proposed IPsec algorithms (%s).")
          : _("The gateway refused the IPsec SA (%s)."),
      osp_notify_name(nt->type));
  return OSP_EXCH_FAILED;
}
