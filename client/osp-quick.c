/* SPDX-License-Identifier: GPL-2.0-or-later
 * Osprey — quick mode (RFC 2409 section 5.5), initiator, with and without
 * PFS, with UDP encapsulation modes of RFC 3947 and its drafts:
 *
 *   HDR*, HASH(1), SA, Ni, [KE], IDci, IDcr  -->
 *                               <--  HDR*, HASH(2), SA, Nr, [KE], IDci, IDcr, [RESPONDER-LIFETIME]
 *   HDR*, HASH(3)  -->
 */
#include "osp-session-private.h"

#include <errno.h>
#include <glib/gi18n-lib.h>
#include <openssl/crypto.h>
#include <string.h>

enum { Q_LIFE_TYPE = 1, Q_LIFE_DUR = 2, Q_GROUP = 3, Q_ENCAP = 4, Q_AUTH = 5, Q_KEY_LEN = 6 };
enum { ENCAP_TUNNEL = 1, ENCAP_UDP_TUNNEL = 3, ENCAP_UDP_TUNNEL_DRAFT = 61443 };

typedef struct {
  OspEspEnc enc;
  unsigned key_bits;
  OspEspAuth auth;
} EspTransform;

static const EspTransform esp_transforms[] = {
  { OSP_ESP_AES_CBC, 256, OSP_ESP_AUTH_HMAC_SHA256 },
  { OSP_ESP_AES_CBC, 128, OSP_ESP_AUTH_HMAC_SHA256 },
  { OSP_ESP_AES_GCM_16, 256, OSP_ESP_AUTH_NONE },
  { OSP_ESP_AES_GCM_16, 128, OSP_ESP_AUTH_NONE },
  { OSP_ESP_AES_CBC, 256, OSP_ESP_AUTH_HMAC_SHA1 },
  { OSP_ESP_AES_CBC, 128, OSP_ESP_AUTH_HMAC_SHA1 },
  { OSP_ESP_AES_CBC, 256, OSP_ESP_AUTH_HMAC_SHA512 },
  { OSP_ESP_AES_CBC, 256, OSP_ESP_AUTH_HMAC_SHA384 },
  { OSP_ESP_AES_CBC, 192, OSP_ESP_AUTH_HMAC_SHA1 },
  { OSP_ESP_3DES, 0, OSP_ESP_AUTH_HMAC_SHA1 },
  { OSP_ESP_3DES, 0, OSP_ESP_AUTH_HMAC_MD5 },
  { OSP_ESP_AES_CBC, 128, OSP_ESP_AUTH_HMAC_MD5 },
  { OSP_ESP_AES_CBC, 256, OSP_ESP_AUTH_HMAC_MD5 },
  { OSP_ESP_DES, 0, OSP_ESP_AUTH_HMAC_SHA1 },
  { OSP_ESP_DES, 0, OSP_ESP_AUTH_HMAC_MD5 },
};

/* Only what the profile allows is offered (and accepted): a gateway picks
 * by its own order, so an offered 3DES may win over a possible AES. */
static bool esp_allowed(const OspProfile *p, const EspTransform *t)
{
  if (t->enc == OSP_ESP_DES && !p->enable_single_des)
    return false;
  return !osp_session_weak_settings(p, t->enc == OSP_ESP_3DES, t->auth == OSP_ESP_AUTH_HMAC_MD5);
}

void osp_child_sa_wipe(OspChildSa *sa)
{
  osp_secret_free(sa->enc_key_in);
  osp_secret_free(sa->auth_key_in);
  osp_secret_free(sa->enc_key_out);
  osp_secret_free(sa->auth_key_out);
  sa->enc_key_in = sa->auth_key_in = sa->enc_key_out = sa->auth_key_out = NULL;
}

void osp_quick_clear(OspSession *s)
{
  osp_dh_free(s->qm.dh);
  if (s->qm.active)
    osp_ike_sa_forget_iv(s->ike, s->qm.msgid);
  memset(&s->qm, 0, sizeof(s->qm));
}

static uint16_t encap_mode(const OspSession *s)
{
  if (!s->natt)
    return ENCAP_TUNNEL;
  return s->natt_draft == 2 ? ENCAP_UDP_TUNNEL : ENCAP_UDP_TUNNEL_DRAFT;
}

static void build_sa(OspSession *s, GByteArray *b)
{
  uint8_t spi[4];
  size_t i, n = 0, total = 0, prop;

  for (i = 0; i < G_N_ELEMENTS(esp_transforms); i++)
    if (esp_allowed(s->profile, &esp_transforms[i]))
      total++;
  osp_put32(spi, s->qm.spi_in);
  osp_sa_begin(b, 1, 1);
  prop = osp_proposal_begin(b, 1, OSP_PROTO_IPSEC_ESP, spi, 4);
  for (i = 0; i < G_N_ELEMENTS(esp_transforms); i++) {
    const EspTransform *t = &esp_transforms[i];
    size_t off;

    if (!esp_allowed(s->profile, t))
      continue;
    n++;
    off = osp_transform_begin(b, (uint8_t)n, (uint8_t)t->enc);
    osp_put_attr_basic(b, Q_LIFE_TYPE, 1);
    osp_put_attr_uint(b, Q_LIFE_DUR, s->profile->ipsec_lifetime);
    if (s->qm.pfs_group)
      osp_put_attr_basic(b, Q_GROUP, (uint16_t)s->qm.pfs_group);
    osp_put_attr_basic(b, Q_ENCAP, encap_mode(s));
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
  return s->qm_pfs_fallback_tried ? s->dh_group : 0;
}

void osp_quick_start(OspSession *s, bool rekey)
{
  size_t hlen = osp_hash_len(s->ike->hash);
  uint8_t zero[64] = { 0 };
  g_autoptr(GByteArray) sa = g_byte_array_new();
  uint8_t any[8] = { 0 };
  OspIsakmpHdr h;
  OspMsg m;
  int r;

  osp_quick_clear(s);
  s->qm.active = true;
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
      return;
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
  osp_put_id(m.buf, OSP_ID_IPV4_ADDR, 0, 0, &s->ipcfg->address, 4);
  osp_msg_end_payload(&m);
  osp_msg_begin_payload(&m, OSP_PL_ID);
  osp_put_id(m.buf, OSP_ID_IPV4_ADDR_SUBNET, 0, 0, any, 8);
  osp_msg_end_payload(&m);
  osp_ike_sa_seal(s->ike, &m, s->qm.msgid, NULL, 0);
  g_debug("quick mode: %s, PFS %s", rekey ? "rekey" : "initial",
          s->qm.pfs_group ? osp_dh_group_name(s->qm.pfs_group) : "off");
  if (!rekey)
    osp_session_enter(s, S_QM1_SENT);
  osp_session_send(s, g_byte_array_ref(m.buf), OSP_HANDSHAKE_TRIES);
  osp_msg_clear(&m);
}

typedef struct {
  int enc, auth, group, encap;
  unsigned key_bits;
  uint32_t life_s, life_kb;
} QmChoice;

static void parse_life(const uint8_t *attrs, size_t len, QmChoice *c)
{
  const uint8_t *p = attrs;
  size_t left = len;
  int type = 0;
  const char *why;
  OspAttr a;

  while (osp_attr_next(&p, &left, &a, &why) > 0) {
    uint32_t v = 0;

    if (osp_attr_uint(&a, &v) < 0)
      continue;
    switch (a.type) {
    case Q_LIFE_TYPE: type = (int)v; break;
    case Q_LIFE_DUR:
      if (type == 1)
        c->life_s = v;
      else if (type == 2)
        c->life_kb = v;
      break;
    case Q_GROUP: c->group = (int)v; break;
    case Q_ENCAP: c->encap = (int)v; break;
    case Q_AUTH: c->auth = (int)v; break;
    case Q_KEY_LEN: c->key_bits = v; break;
    default: break;
    }
  }
}

static const EspTransform *choice_offered(OspSession *s, const QmChoice *c)
{
  size_t i;

  for (i = 0; i < G_N_ELEMENTS(esp_transforms); i++) {
    const EspTransform *t = &esp_transforms[i];

    if (esp_allowed(s->profile, t) && (int)t->enc == c->enc && (int)t->auth == c->auth &&
        t->key_bits == c->key_bits)
      return t;
  }
  return NULL;
}

/* What a finished quick mode agreed on, from either side. */
typedef struct {
  uint32_t spi_in, spi_out;
  const EspTransform *t;
  uint32_t life_s, life_kb;
  int pfs_group;
  const OspSecret *gqm;
  OspSlice ni, nr;
} QmResult;

uint32_t osp_gateway_lifetime(uint32_t theirs, uint32_t ours, uint32_t floor, const char *what)
{
  uint32_t v = ours && ours < theirs ? ours : theirs;
  uint32_t low = ours && ours < floor ? ours : floor;

  if (!theirs)
    return ours;
  if (v < low) {
    g_debug("%s: the gateway's lifetime of %u is below %u, using %u", what, theirs, low, low);
    return low;
  }
  return v;
}

void osp_session_child_exhausted(OspSession *s, uint32_t spi_in, gint64 now_us)
{
  size_t i;

  s->now = now_us;
  for (i = 0; i < OSP_MAX_CHILDREN; i++) {
    ChildSlot *c = &s->children[i];

    if (c->live && c->sa.spi_in == spi_in && c->rekey_at > now_us) {
      g_debug("quick mode: SA %08x: outbound sequence numbers run out, rekeying", spi_in);
      c->rekey_at = now_us;
    }
  }
}

static ChildSlot *child_slot(OspSession *s);

/* Derives the keys of the new SA pair, hands it to the I/O layer and
 * schedules its rekey; SAs it replaces stay 3 s for packets in flight. */
static int install_child(OspSession *s, const QmResult *q)
{
  ChildSlot *slot = child_slot(s);
  OspChildSa *child = &slot->sa;
  size_t i, enc_len = osp_esp_enc_key_len(q->t->enc, q->t->key_bits);
  size_t auth_len = osp_esp_auth_key_len(q->t->auth);
  bool replaces = false;
  int r;

  osp_child_sa_wipe(&slot->sa);
  memset(slot, 0, sizeof(*slot));
  child->spi_in = q->spi_in;
  child->spi_out = q->spi_out;
  child->enc = q->t->enc;
  child->key_bits = q->t->key_bits;
  child->auth = q->t->auth;
  child->udp_encap = s->natt;
  child->pfs_group = q->pfs_group;
  child->lifetime_s = osp_gateway_lifetime(q->life_s, s->profile->ipsec_lifetime,
                                           OSP_MIN_IPSEC_LIFETIME_S, "IPsec SA (seconds)");
  child->lifetime_kb = osp_gateway_lifetime(q->life_kb, 0, OSP_MIN_IPSEC_LIFETIME_KB,
                                            "IPsec SA (kilobytes)");
  r = osp_ike_sa_keymat(s->ike, q->gqm, child->spi_in, q->ni, q->nr, enc_len, auth_len,
                        &child->enc_key_in, &child->auth_key_in);
  if (r == 0)
    r = osp_ike_sa_keymat(s->ike, q->gqm, child->spi_out, q->ni, q->nr, enc_len, auth_len,
                          &child->enc_key_out, &child->auth_key_out);
  if (r < 0) {
    osp_child_sa_wipe(child);
    return r;
  }
  for (i = 0; i < OSP_MAX_CHILDREN; i++) {
    ChildSlot *o = &s->children[i];

    if (o != slot && o->live) {
      o->expire_at = MIN(o->expire_at, s->now + 3 * G_USEC_PER_SEC);
      o->rekey_at = G_MAXINT64;
      replaces = true;
    }
  }
  slot->live = true;
  slot->established = s->now;
  slot->expire_at = s->now + (gint64)child->lifetime_s * G_USEC_PER_SEC;
  /* soft lifetime: 85-90% of the hard one, jittered so both ends do not
   * start at once */
  slot->rekey_at = s->now + (gint64)child->lifetime_s * G_USEC_PER_SEC *
                              (85 + g_random_int_range(0, 6)) / 100;
  g_debug("quick mode: SA in %08x out %08x %s %s, lifetime %us %ukB%s%s", child->spi_in,
          child->spi_out, osp_esp_enc_name(q->t->enc, q->t->key_bits),
          osp_esp_auth_name(q->t->auth), child->lifetime_s, child->lifetime_kb,
          child->udp_encap ? ", UDP-encapsulated" : "", replaces ? ", replaces the old SA" : "");
  s->ops->child_sa_up(s->user, child);
  osp_child_sa_wipe(child);
  return 0;
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

static ChildSlot *child_slot(OspSession *s)
{
  size_t i, oldest = 0;

  for (i = 0; i < OSP_MAX_CHILDREN; i++) {
    if (!s->children[i].live)
      return &s->children[i];
    if (s->children[i].established < s->children[oldest].established)
      oldest = i;
  }
  s->children[oldest].live = false;
  s->ops->child_sa_down(s->user, s->children[oldest].sa.spi_in);
  return &s->children[oldest];
}

void osp_quick_input(OspSession *s, const OspIsakmpHdr *h, const OspPayload *pl, size_t n,
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

  if (!s->qm.active || h->msgid != s->qm.msgid) {
    g_debug("quick mode: dropped a message of another exchange");
    return;
  }
  if (!osp_ike_sa_check_hash(s->ike, h->msgid, pl, n, s->qm.ni, sizeof(s->qm.ni))) {
    osp_session_reply_rejected(s, "quick mode message 2 with a bad HASH(2)");
    return;
  }
  osp_ike_sa_commit_iv(s->ike, h->msgid, next_iv);
  sa_pl = osp_payload_find(pl, n, OSP_PL_SA);
  nr = osp_payload_find(pl, n, OSP_PL_NONCE);
  ke = osp_payload_find(pl, n, OSP_PL_KE);
  if (!sa_pl || !nr || nr->len < 8 || nr->len > 256) {
    osp_session_fail(s, OSP_ERROR_PROTOCOL, _("The gateway's quick mode answer lacks a payload."));
    return;
  }
  sa = g_new0(OspSa, 1);
  if (osp_sa_parse(sa_pl->body, sa_pl->len, sa, &why) < 0 || sa->n_proposals != 1 ||
      sa->proposals[0].n_transforms != 1 || sa->proposals[0].protocol != OSP_PROTO_IPSEC_ESP ||
      sa->proposals[0].spi_size != 4) {
    osp_session_fail(s, OSP_ERROR_PROTOCOL, _("The gateway sent an invalid IPsec proposal: %s."),
                     why ? why : "not one ESP transform with a 4-byte SPI");
    return;
  }
  if (osp_get32(sa->proposals[0].spi) < 256) {
    /* 0 is never an SPI and 1-255 are reserved (RFC 4303 2.1) */
    osp_session_fail(s, OSP_ERROR_PROTOCOL, _("The gateway sent an invalid IPsec proposal: %s."),
                     "a reserved SPI");
    return;
  }
  memset(&c, 0, sizeof(c));
  c.enc = sa->proposals[0].transforms[0].id;
  parse_life(sa->proposals[0].transforms[0].attrs, sa->proposals[0].transforms[0].attrs_len, &c);
  t = choice_offered(s, &c);
  if (!t || c.group != s->qm.pfs_group || c.encap != encap_mode(s)) {
    osp_session_fail(s, OSP_ERROR_PROTOCOL,
                     _("The gateway chose IPsec algorithms that were not proposed."));
    return;
  }
  for (i = 0; i < n; i++) {
    OspNotify nt;

    if (pl[i].type == OSP_PL_NOTIFY && osp_notify_parse(pl[i].body, pl[i].len, &nt, &why) == 0 &&
        nt.type == OSP_N_RESPONDER_LIFETIME)
      parse_life(nt.data, nt.data_len, &c); /* RFC 2407 4.6.3.1 */
  }
  if (s->qm.dh) {
    if (!ke || osp_dh_compute(s->qm.dh, ke->body, ke->len, &gqm) < 0) {
      osp_session_fail(s, OSP_ERROR_PROTOCOL, _("The gateway's PFS key exchange is invalid."));
      return;
    }
  }

  osp_session_stop_retransmit(s);
  send_hash3(s, nr->body, nr->len);
  q = (QmResult){ .spi_in = s->qm.spi_in, .spi_out = osp_get32(sa->proposals[0].spi), .t = t,
                  .life_s = c.life_s, .life_kb = c.life_kb, .pfs_group = s->qm.pfs_group,
                  .gqm = gqm, .ni = OSP_SLICE(s->qm.ni, sizeof(s->qm.ni)),
                  .nr = OSP_SLICE(nr->body, nr->len) };
  r = install_child(s, &q);
  if (r < 0) {
    osp_session_fail(s, OSP_ERROR_FAILED, _("Deriving IPsec keys failed: %s"), g_strerror(-r));
    return;
  }
  osp_quick_clear(s);
  if (s->state != S_ESTABLISHED)
    osp_session_established_now(s);
}

/* ---- quick mode started by the gateway (it rekeys) ---------------------
 *
 *                              <--  HDR*, HASH(1), SA, Ni, [KE], [IDci, IDcr]
 *   HDR*, HASH(2), SA, Nr, [KE], [IDci, IDcr]  -->
 *                              <--  HDR*, HASH(3)
 */

#define PEER_QM_WAIT_US (30 * G_USEC_PER_SEC)

void osp_quick_peer_clear(OspSession *s)
{
  if (s->pqm.ni)
    g_byte_array_unref(s->pqm.ni);
  osp_secret_free(s->pqm.gqm);
  if (s->pqm.active)
    osp_ike_sa_forget_iv(s->ike, s->pqm.msgid);
  memset(&s->pqm, 0, sizeof(s->pqm));
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

      parse_life(p->transforms[k].attrs, p->transforms[k].attrs_len, &c);
      t = choice_offered(s, &c);
      if (!t || c.encap != encap_mode(s) || (c.group != 0) != has_ke ||
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
  osp_info_send_notify(s, OSP_PROTO_IPSEC_ESP, OSP_N_NO_PROPOSAL_CHOSEN, NULL, 0, NULL, 0);
}

static void peer_qm1(OspSession *s, const OspIsakmpHdr *h, const OspPayload *pl, size_t n,
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
  size_t i;

  if (!osp_ike_sa_check_hash(s->ike, h->msgid, pl, n, NULL, 0)) {
    g_debug("quick mode (gateway's): dropped message 1 with bad HASH(1)");
    osp_ike_sa_forget_iv(s->ike, h->msgid);
    return;
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
    return;
  }
  t = choose_transform(s, sa, ke != NULL, &c, &prop, &tr);
  if (!t) {
    osp_ike_sa_forget_iv(s->ike, h->msgid);
    refuse_peer_qm(s, "none of the offered ESP transforms is acceptable");
    return;
  }
  osp_quick_peer_clear(s);
  s->pqm.active = true;
  s->pqm.msgid = h->msgid;
  s->pqm.transform = (size_t)(t - esp_transforms);
  s->pqm.spi_out = osp_get32(prop->spi);
  s->pqm.life_s = c.life_s;
  s->pqm.life_kb = c.life_kb;
  s->pqm.pfs_group = c.group;
  s->pqm.ni = g_byte_array_new();
  g_byte_array_append(s->pqm.ni, ni->body, (guint)ni->len);
  s->pqm.give_up = s->now + PEER_QM_WAIT_US;
  do
    osp_random(&s->pqm.spi_in, 4);
  while (s->pqm.spi_in < 256);
  osp_random(s->pqm.nr, sizeof(s->pqm.nr));
  if (c.group && (osp_dh_new(c.group, &dh) < 0 ||
                  osp_dh_compute(dh, ke->body, ke->len, &s->pqm.gqm) < 0)) {
    osp_quick_peer_clear(s);
    refuse_peer_qm(s, "its PFS key exchange is invalid");
    return;
  }
  g_debug("quick mode (gateway's): accepting %s %s, PFS %s", osp_esp_enc_name(t->enc, t->key_bits),
          osp_esp_auth_name(t->auth), c.group ? osp_dh_group_name(c.group) : "off");
  send_peer_qm2(s, h->msgid, prop, tr, dh, idci, idcr);
}

static void peer_qm3(OspSession *s, const OspIsakmpHdr *h, const OspPayload *pl, size_t n,
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
    return;
  }
  osp_ike_sa_commit_iv(s->ike, h->msgid, next_iv);
  s->last_rx = s->now;
  q = (QmResult){ .spi_in = s->pqm.spi_in, .spi_out = s->pqm.spi_out,
                  .t = &esp_transforms[s->pqm.transform], .life_s = s->pqm.life_s,
                  .life_kb = s->pqm.life_kb, .pfs_group = s->pqm.pfs_group, .gqm = s->pqm.gqm,
                  .ni = OSP_SLICE(s->pqm.ni->data, s->pqm.ni->len),
                  .nr = OSP_SLICE(s->pqm.nr, sizeof(s->pqm.nr)) };
  r = install_child(s, &q);
  osp_quick_peer_clear(s);
  if (r < 0) {
    osp_session_fail(s, OSP_ERROR_FAILED, _("Deriving IPsec keys failed: %s"), g_strerror(-r));
    return;
  }
  /* the gateway rekeyed: a rekey of ours in flight is now redundant but harmless */
}

void osp_quick_peer_input(OspSession *s, const OspIsakmpHdr *h, const OspPayload *pl, size_t n,
                          const uint8_t next_iv[16])
{
  if (s->state != S_ESTABLISHED) {
    g_debug("quick mode (gateway's): dropped, not established yet");
    return;
  }
  if (s->pqm.active && h->msgid == s->pqm.msgid) {
    peer_qm3(s, h, pl, n, next_iv);
    return;
  }
  peer_qm1(s, h, pl, n, next_iv);
}
