/* SPDX-License-Identifier: GPL-2.0-or-later
 * A real OspSession in a chosen state, and datagrams for it (see
 * fuzz-session-util.h). */
#include "fuzz-session-util.h"
#include "fuzz-util.h"

#include <arpa/inet.h>
#include <string.h>

/* attributes: draft-beaulieu-ike-xauth-02, draft-dukes-ike-mode-cfg-02 */
enum {
  X_TYPE = 16520,
  X_USER_NAME = 16521,
  X_USER_PASSWORD = 16522,
  X_STATUS = 16527,
  C_IP4_ADDRESS = 1,
  C_IP4_NETMASK = 2,
  C_IP4_DNS = 3,
};

#define XAUTH_MSGID 0x0a0a0a0au
#define STATUS_MSGID 0x0b0b0b0bu
#define PUSH_MSGID 0x0c0c0c0cu

static const uint8_t rcookie[8] = { 0xc0, 0x0c, 0x1e, 0x5e, 0xc0, 0x0c, 0x1e, 0x5e };

/* ---- what the session hands out ---------------------------------------- */

static void on_send(gpointer user, const uint8_t *data, size_t len, bool natt)
{
  FuzzSession *f = user;
  OspIsakmpHdr h;

  /* everything we send parses, and its length is the datagram's */
  CHECK(osp_isakmp_hdr_parse(data, len, &h, NULL) == 0 && h.length == len);
  f->sent++;
}

static void on_progress(gpointer user, OspState state)
{
}

static void on_secrets(gpointer user, const OspSecretRequest *req)
{
  FuzzSession *f = user;

  CHECK(req->n_kinds >= 1 && req->n_kinds <= OSP_SECRET_N_KINDS);
  /* each kind asked once (issue 8: repeated XAUTH attributes) */
  for (size_t i = 0; i < req->n_kinds; i++) {
    CHECK(req->kinds[i] < OSP_SECRET_N_KINDS);
    for (size_t j = 0; j < i; j++)
      CHECK(req->kinds[j] != req->kinds[i]);
  }
  CHECK(!req->message || g_utf8_validate(req->message, -1, NULL));
  f->secrets_pending = true;
  f->req_id = req->id;
}

/* host names only (letters, digits, '-', '_', dots; lists: ',' or ' '
 * between them): what the stock vpnc-script can expand unquoted */
static bool names_only(const char *s, bool list)
{
  for (; s && *s; s++)
    if (!g_ascii_isalnum(*s) && !strchr("-_.", *s) && !(list && strchr(", ", *s)))
      return false;
  return true;
}

/* no control characters; the banner keeps its newlines and tabs */
static bool printable(const char *s, bool layout)
{
  for (const char *p = s; p && *p; p = g_utf8_next_char(p)) {
    gunichar c = g_utf8_get_char(p);

    if (g_unichar_iscntrl(c) && !(layout && (c == '\n' || c == '\t')))
      return false;
  }
  return true;
}

/* what the vpnc-script gets from a Mode Config answer (issue 8: gateway
 * strings checked before the script sees them) */
static void on_ip_config(gpointer user, const OspIpConfig *cfg)
{
  FuzzSession *f = user;
  char *empty[] = { NULL };
  g_auto(GStrv) env = osp_script_env("connect", cfg, empty);

  CHECK(cfg->address.s_addr != 0);
  CHECK(names_only(cfg->default_domain, false) && names_only(cfg->split_dns, true));
  CHECK(!cfg->banner || (g_utf8_validate(cfg->banner, -1, NULL) && printable(cfg->banner, true)));
  for (char **e = env; *e; e++) {
    const char *eq = strchr(*e, '=');

    CHECK(eq && eq > *e);
    CHECK(g_utf8_validate(*e, -1, NULL));
    if (g_str_has_prefix(*e, "CISCO_DEF_DOMAIN="))
      CHECK(names_only(eq + 1, false));
    else if (g_str_has_prefix(*e, "CISCO_SPLIT_DNS="))
      CHECK(names_only(eq + 1, true));
    else
      CHECK(printable(eq + 1, g_str_has_prefix(*e, "CISCO_BANNER=")));
  }
  f->ip_configs++;
}

static void on_child_up(gpointer user, const OspChildSa *sa)
{
  FuzzSession *f = user;
  g_autoptr(OspEspSa) in = NULL;
  g_autoptr(OspEspSa) out = NULL;

  /* the keys fit the algorithms: the datapath can install them */
  CHECK(osp_esp_sa_new(sa->spi_in, sa->enc, sa->key_bits, sa->enc_key_in->data, sa->enc_key_in->len,
                       sa->auth, sa->auth_key_in ? sa->auth_key_in->data : NULL,
                       sa->auth_key_in ? sa->auth_key_in->len : 0, &in) == 0);
  CHECK(osp_esp_sa_new(sa->spi_out, sa->enc, sa->key_bits, sa->enc_key_out->data,
                       sa->enc_key_out->len, sa->auth,
                       sa->auth_key_out ? sa->auth_key_out->data : NULL,
                       sa->auth_key_out ? sa->auth_key_out->len : 0, &out) == 0);
  f->children_up++;
}

static void on_child_down(gpointer user, uint32_t spi_in)
{
  FuzzSession *f = user;

  f->children_down++;
}

static void on_closed(gpointer user, const GError *error)
{
  FuzzSession *f = user;

  CHECK(!f->closed); /* once */
  CHECK(!error || (error->domain == OSP_ERROR && g_utf8_validate(error->message, -1, NULL)));
  f->closed = true;
}

static void on_nothing(gpointer user)
{
}

static const OspSessionOps ops = {
  .send = on_send,
  .progress = on_progress,
  .secrets_needed = on_secrets,
  .ip_config = on_ip_config,
  .child_sa_up = on_child_up,
  .child_sa_down = on_child_down,
  .ike_expiring = on_nothing,
  .reauthenticated = on_nothing,
  .closed = on_closed,
};

/* ---- datagrams ---------------------------------------------------------- */

/* the IV the session will decrypt msgid with (RFC 2409 appendix B) */
static void expected_iv(OspSession *s, uint32_t msgid, uint8_t iv[16])
{
  if (msgid == 0) {
    memcpy(iv, s->ike->p1_iv, s->ike->block_len);
    return;
  }
  for (size_t i = 0; i < OSP_IV_SLOTS; i++)
    if (s->ike->ivs[i].used && s->ike->ivs[i].msgid == msgid) {
      memcpy(iv, s->ike->ivs[i].iv, s->ike->block_len);
      return;
    }
  CHECK(osp_ike_phase2_iv(s->ike->hash, s->ike->p1_iv, s->ike->block_len, msgid, iv) == 0);
}

/* the bytes HASH(1)/HASH(2) cover: the payloads after the HASH, not the padding */
static size_t hashed_len(uint8_t first, const uint8_t *chain, size_t len)
{
  OspPayload pl[OSP_ISAKMP_MAX_PAYLOADS];
  size_t n = 0;

  if (osp_payloads_parse(first, chain, len, pl, G_N_ELEMENTS(pl), &n, NULL) < 0 || n == 0)
    return len;
  return (size_t)(pl[n - 1].body + pl[n - 1].len - chain);
}

static void make_hash(OspSession *s, uint8_t exchange, uint32_t msgid, uint8_t first,
                      const uint8_t *chain, size_t len, uint8_t *out)
{
  size_t rest = hashed_len(first, chain, len);

  if (exchange == OSP_EXCH_QUICK && s->qm.state == QM_MSG1_SENT && msgid == s->qm.msgid) {
    /* HASH(2) = prf(SKEYID_a, M-ID | Ni_b | SA | Nr [| KE] [| IDci | IDcr]) */
    CHECK(osp_ike_sa_hash_msgid(s->ike, msgid, chain, rest, s->qm.ni, sizeof(s->qm.ni), out) == 0);
  } else if (exchange == OSP_EXCH_QUICK && s->pqm.state == PQM_MSG2_SENT && msgid == s->pqm.msgid) {
    /* HASH(3) */
    CHECK(osp_ike_sa_hash3(s->ike, msgid, OSP_SLICE(s->pqm.ni->data, s->pqm.ni->len),
                           OSP_SLICE(s->pqm.nr, sizeof(s->pqm.nr)), out) == 0);
  } else {
    /* HASH(1) = prf(SKEYID_a, M-ID | payloads) */
    CHECK(osp_ike_sa_hash_msgid(s->ike, msgid, chain, rest, NULL, 0, out) == 0);
  }
}

void fuzz_session_feed(FuzzSession *f, uint8_t exchange, uint32_t msgid, uint8_t first,
                       const uint8_t *chain, size_t len, bool hash, bool corrupt)
{
  OspSession *s = f->s;
  size_t hlen = osp_hash_len(s->ike->hash), plen, pad;
  g_autoptr(GByteArray) b = g_byte_array_new();
  uint8_t iv[16], digest[64];
  OspIsakmpHdr h;
  OspMsg m;

  if (f->closed || !s->ike->enc_key || len > 60000)
    return;
  memset(&h, 0, sizeof(h));
  memcpy(h.icookie, s->ike->icookie, 8);
  memcpy(h.rcookie, s->ike->rcookie, 8);
  h.version = OSP_ISAKMP_VERSION;
  h.exchange = exchange;
  h.flags = OSP_FLAG_ENC;
  h.msgid = msgid;
  osp_msg_init(&m, &h);
  if (hash) {
    make_hash(s, exchange, msgid, first, chain, len, digest);
    if (corrupt)
      digest[0] ^= 0x80;
    /* HASH first; its next-payload field points into the fuzzer's chain */
    osp_msg_add_payload(&m, OSP_PL_HASH, digest, hlen);
  }
  m.buf->data[m.np_offset] = first;
  g_byte_array_append(m.buf, chain, (guint)len);
  plen = m.buf->len - OSP_ISAKMP_HDR_LEN;
  pad = (s->ike->block_len - plen % s->ike->block_len) % s->ike->block_len;
  if (plen == 0)
    pad = s->ike->block_len;
  g_byte_array_set_size(m.buf, m.buf->len + (guint)pad);
  memset(m.buf->data + m.buf->len - pad, 0, pad);
  plen += pad;
  osp_put32(m.buf->data + 24, m.buf->len);
  expected_iv(s, msgid, iv);
  CHECK(osp_cbc_encrypt(s->ike->cipher, s->ike->enc_key->data, s->ike->enc_key->len, iv,
                        m.buf->data + OSP_ISAKMP_HDR_LEN, plen,
                        m.buf->data + OSP_ISAKMP_HDR_LEN) == 0);
  g_byte_array_append(b, m.buf->data, m.buf->len);
  osp_msg_clear(&m);
  osp_session_input(s, b->data, b->len, f->now);
}

void fuzz_session_feed_raw(FuzzSession *f, const uint8_t *data, size_t len, bool cookies)
{
  g_autofree uint8_t *copy = g_malloc(MAX(len, 1));

  if (f->closed)
    return;
  memcpy(copy, data, len);
  if (cookies && len >= 16) {
    memcpy(copy, f->s->ike->icookie, 8);
    memcpy(copy + 8, f->s->ike->rcookie, 8);
  }
  osp_session_input(f->s, copy, len, f->now);
}

void fuzz_session_answer(FuzzSession *f, bool cancel)
{
  static const char *const values[OSP_SECRET_N_KINDS] = {
    [OSP_SECRET_GROUP_SECRET] = "secret", [OSP_SECRET_USERNAME] = "alice",
    [OSP_SECRET_PASSWORD] = "pw",         [OSP_SECRET_PASSCODE] = "123456",
    [OSP_SECRET_NEXT_PIN] = "4321",       [OSP_SECRET_ANSWER] = "yes",
  };

  if (!f->secrets_pending || f->closed)
    return;
  f->secrets_pending = false;
  if (cancel)
    osp_session_cancel_secrets(f->s, f->req_id, f->now);
  else
    osp_session_provide_secrets(f->s, f->req_id, values, f->now);
}

void fuzz_session_advance(FuzzSession *f, gint64 us)
{
  f->now += us;
  for (int i = 0; i < 64 && !f->closed && osp_session_next_deadline(f->s) <= f->now; i++)
    osp_session_timeout(f->s, f->now);
  /* each timer that fired moved its deadline past now: else the main loop
   * would spin on it */
  CHECK(f->closed || osp_session_next_deadline(f->s) > f->now);
}

/* ---- aggressive mode message 2 ------------------------------------------ */

void fuzz_session_am2(FuzzSession *f, uint8_t choice, const uint8_t *extra, size_t len,
                      bool corrupt)
{
  static OspDh *responder;
  static OspSa sai;
  OspSession *s = f->s;
  g_autoptr(GByteArray) sa = g_byte_array_new();
  g_autoptr(GByteArray) id = g_byte_array_new();
  g_autoptr(OspSecret) gxy = NULL;
  g_autoptr(OspSecret) skeyid = NULL;
  const OspTransform *t;
  const uint8_t *ke_r, *ke_i, *ap;
  uint8_t nonce[16], hash_r[64];
  size_t ke_r_len, ke_i_len, left, p, tr;
  struct in_addr gw;
  OspHash hash = 0;
  OspIsakmpHdr h = { 0 };
  OspAttr a;
  OspMsg m;

  if (f->closed || s->state != S_AM1_SENT)
    return;
  if (!responder)
    CHECK(osp_dh_new(s->p1.dh_group, &responder) == 0);
  /* the gateway takes one of the transforms we offered */
  CHECK(osp_sa_parse(s->p1.sai_b->data, s->p1.sai_b->len, &sai, NULL) == 0);
  t = &sai.proposals[0].transforms[choice % sai.proposals[0].n_transforms];
  ap = t->attrs;
  left = t->attrs_len;
  while (osp_attr_next(&ap, &left, &a, NULL) > 0)
    if (a.type == 2) /* hash algorithm (RFC 2409 appendix A) */
      hash = (OspHash)a.value;
  osp_sa_begin(sa, 1, 1);
  p = osp_proposal_begin(sa, 1, OSP_PROTO_ISAKMP, NULL, 0);
  tr = osp_transform_begin(sa, t->num, t->id);
  g_byte_array_append(sa, t->attrs, (guint)t->attrs_len);
  osp_transform_end(sa, tr, true);
  osp_proposal_end(sa, p, 1, true);
  inet_pton(AF_INET, "192.0.2.1", &gw);
  osp_put_id(id, OSP_ID_IPV4_ADDR, 17, 500, &gw, 4);
  memset(nonce, 0x4e, sizeof(nonce));

  /* HASH_R = prf(SKEYID, g^xr | g^xi | CKY-R | CKY-I | SAi_b | IDir_b),
   * SKEYID = prf(pre-shared key, Ni_b | Nr_b) (RFC 2409 5, 5.4) */
  ke_r = osp_dh_public(responder, &ke_r_len);
  ke_i = osp_dh_public(s->p1.dh, &ke_i_len);
  CHECK(osp_dh_compute(responder, ke_i, ke_i_len, &gxy) == 0);
  CHECK(osp_skeyid_psk(hash, (const uint8_t *)"secret", 6, OSP_SLICE(s->p1.ni, sizeof(s->p1.ni)),
                       OSP_SLICE(nonce, sizeof(nonce)), &skeyid) == 0);
  {
    OspSlice parts[6] = {
      OSP_SLICE(ke_r, ke_r_len),
      OSP_SLICE(ke_i, ke_i_len),
      OSP_SLICE(rcookie, 8),
      OSP_SLICE(s->ike->icookie, 8),
      OSP_SLICE(s->p1.sai_b->data, s->p1.sai_b->len),
      OSP_SLICE(id->data, id->len),
    };

    CHECK(osp_prf(hash, skeyid->data, skeyid->len, parts, 6, hash_r) == 0);
  }
  if (corrupt)
    hash_r[0] ^= 0x80;

  /*  <--  HDR, SA, KE, Nr, IDir, [what the fuzzer adds: VID, NAT-D, ...], HASH_R */
  memcpy(h.icookie, s->ike->icookie, 8);
  memcpy(h.rcookie, rcookie, 8);
  h.version = OSP_ISAKMP_VERSION;
  h.exchange = OSP_EXCH_AGGRESSIVE;
  osp_msg_init(&m, &h);
  osp_msg_add_payload(&m, OSP_PL_SA, sa->data, sa->len);
  osp_msg_add_payload(&m, OSP_PL_KE, ke_r, ke_r_len);
  osp_msg_add_payload(&m, OSP_PL_NONCE, nonce, sizeof(nonce));
  osp_msg_add_payload(&m, OSP_PL_ID, id->data, id->len);
  while (len >= 2) {
    size_t n = MIN((size_t)extra[1], len - 2);

    osp_msg_add_payload(&m, extra[0], extra + 2, n);
    extra += 2 + n;
    len -= 2 + n;
  }
  osp_msg_add_payload(&m, OSP_PL_HASH, hash_r, osp_hash_len(hash));
  osp_msg_finish(&m);
  osp_session_input(s, m.buf->data, m.buf->len, f->now);
  osp_msg_clear(&m);
}

/* ---- the scripted way to each state ------------------------------------- */

uint32_t fuzz_session_msgid(FuzzSession *f, uint8_t sel)
{
  switch (sel % 8) {
  case 0: return f->s->cfg.msgid;
  case 1: return f->s->xauth.msgid;
  case 2: return f->s->qm.msgid;
  case 3: return f->s->pqm.msgid;
  case 4: return 0;
  case 5: return STATUS_MSGID;
  case 6: return PUSH_MSGID;
  default: return 0x0d0d0d00u + sel;
  }
}

void fuzz_session_attrs(FuzzSession *f, uint32_t msgid, uint8_t type, uint16_t id,
                        const uint8_t *attrs, size_t len)
{
  g_autoptr(GByteArray) b = g_byte_array_new();
  uint8_t gen[4] = { 0, 0, 0, 0 };

  if (len > 60000)
    return;
  /* one ATTR payload: generic header, then type, reserved, identifier */
  osp_put16(gen + 2, (uint16_t)(4 + 4 + len));
  g_byte_array_append(b, gen, 4);
  osp_put_cfg_hdr(b, type, id);
  g_byte_array_append(b, attrs, (guint)len);
  fuzz_session_feed(f, OSP_EXCH_TRANSACTION, msgid, OSP_PL_ATTR, b->data, b->len, true, false);
}

static void feed_attrs(FuzzSession *f, uint32_t msgid, uint8_t type, uint16_t id,
                       const GByteArray *attrs)
{
  fuzz_session_attrs(f, msgid, type, id, attrs->data, attrs->len);
}

static void install_keys(FuzzSession *f, uint8_t flags)
{
  OspSession *s = f->s;
  bool strong = flags & 2;
  size_t hlen, klen;
  uint8_t buf[64];

  memset(s->ike->icookie, 0x1c, 8);
  memcpy(s->ike->rcookie, rcookie, 8);
  s->ike->hash = strong ? OSP_HASH_SHA256 : OSP_HASH_SHA1;
  s->ike->cipher = OSP_CIPHER_AES_CBC;
  s->ike->key_bits = strong ? 256 : 128;
  s->ike->block_len = 16;
  hlen = osp_hash_len(s->ike->hash);
  klen = osp_cipher_key_len(s->ike->cipher, s->ike->key_bits);
  memset(buf, 0x01, sizeof(buf));
  s->ike->skeyid = osp_secret_new_from(buf, hlen);
  memset(buf, 0x02, sizeof(buf));
  s->ike->skeyid_d = osp_secret_new_from(buf, hlen);
  memset(buf, 0x03, sizeof(buf));
  s->ike->skeyid_a = osp_secret_new_from(buf, hlen);
  memset(buf, 0x04, sizeof(buf));
  s->ike->skeyid_e = osp_secret_new_from(buf, hlen);
  memset(buf, 0x05, sizeof(buf));
  s->ike->enc_key = osp_secret_new_from(buf, klen);
  memset(s->ike->p1_iv, 0x06, sizeof(s->ike->p1_iv));
  s->p1.dh_group = 14;
  s->ike_lifetime = 28800;
  s->ike_soft_at = f->now + (gint64)28800 * G_USEC_PER_SEC * 9 / 10;
  s->peer_dpd = flags & 4;
  s->peer_unity = true;
  if (flags & 16) {
    s->ike->natt_draft = 2;
    s->ike->natt = true;
    s->ike->natd_type = OSP_PL_NAT_D;
  }
  s->ike_state = IKE_UP;
  s->last_rx = f->now;
  osp_session_enter(s, S_XAUTH_WAIT);
}

static void to_xauth_secrets(FuzzSession *f)
{
  g_autoptr(GByteArray) a = g_byte_array_new();

  osp_put_attr_basic(a, X_TYPE, 0);
  osp_put_attr_var(a, X_USER_NAME, NULL, 0);
  osp_put_attr_var(a, X_USER_PASSWORD, NULL, 0);
  feed_attrs(f, XAUTH_MSGID, OSP_CFG_REQUEST, 7, a);
}

static void to_cfg_sent(FuzzSession *f)
{
  g_autoptr(GByteArray) a = g_byte_array_new();

  osp_put_attr_basic(a, X_STATUS, 1);
  feed_attrs(f, STATUS_MSGID, OSP_CFG_SET, 8, a);
}

static void to_qm1_sent(FuzzSession *f)
{
  g_autoptr(GByteArray) a = g_byte_array_new();
  struct in_addr addr, mask, dns;

  inet_pton(AF_INET, "198.18.1.10", &addr);
  inet_pton(AF_INET, "255.255.255.0", &mask);
  inet_pton(AF_INET, "198.51.100.53", &dns);
  osp_put_attr_var(a, C_IP4_ADDRESS, &addr, 4);
  osp_put_attr_var(a, C_IP4_NETMASK, &mask, 4);
  osp_put_attr_var(a, C_IP4_DNS, &dns, 4);
  if (f->profile->vendor == OSP_VENDOR_CISCO)
    feed_attrs(f, f->s->cfg.msgid, OSP_CFG_REPLY, f->s->cfg.id, a);
  else
    feed_attrs(f, PUSH_MSGID, OSP_CFG_SET, 9, a);
}

static void to_established(FuzzSession *f)
{
  OspSession *s = f->s;
  g_autoptr(GByteArray) sa = g_byte_array_new();
  uint8_t spi[4] = { 0x5e, 0xc0, 0x0d, 0x01 }, nonce[16];
  OspIsakmpHdr h = { 0 };
  OspMsg m;
  size_t p, t;

  /*  <--  HDR*, HASH(2), SA (AES-128-CBC, HMAC-SHA1, tunnel), Nr */
  osp_sa_begin(sa, 1, 1);
  p = osp_proposal_begin(sa, 1, OSP_PROTO_IPSEC_ESP, spi, 4);
  t = osp_transform_begin(sa, 1, OSP_ESP_AES_CBC);
  /* RFC 2407 4.5: life type seconds, duration, (UDP-)tunnel, auth, key length */
  osp_put_attr_basic(sa, 1, 1);
  osp_put_attr_uint(sa, 2, 3600);
  osp_put_attr_basic(sa, 4, s->ike->natt ? 3 : 1);
  osp_put_attr_basic(sa, 5, OSP_ESP_AUTH_HMAC_SHA1);
  osp_put_attr_basic(sa, 6, 128);
  osp_transform_end(sa, t, true);
  osp_proposal_end(sa, p, 1, true);
  memset(nonce, 0x4e, sizeof(nonce));
  /* the chain without a header: build it as a message and cut the header off */
  osp_msg_init(&m, &h);
  osp_msg_add_payload(&m, OSP_PL_SA, sa->data, sa->len);
  osp_msg_add_payload(&m, OSP_PL_NONCE, nonce, sizeof(nonce));
  osp_msg_finish(&m);
  fuzz_session_feed(f, OSP_EXCH_QUICK, s->qm.msgid, OSP_PL_SA, m.buf->data + OSP_ISAKMP_HDR_LEN,
                    m.buf->len - OSP_ISAKMP_HDR_LEN, true, false);
  osp_msg_clear(&m);
}

static OspProfile *fuzz_profile(uint8_t flags)
{
  OspProfile *p = osp_profile_new();

  p->gateway = g_strdup("192.0.2.1");
  p->group_id = g_strdup("osprey-fuzz");
  p->group_secret = g_strdup("secret");
  /* no password: XAUTH asks for it */
  p->vendor = flags & 1 ? OSP_VENDOR_NETSCREEN : OSP_VENDOR_CISCO;
  p->pfs_group = OSP_PFS_NONE; /* no DH per quick mode */
  p->dh_group = 19;            /* the cheapest DH when phase 1 runs */
  p->no_split = flags & 8;
  return p;
}

static const SessionState reached[FS_N_STATES] = {
  [FS_AM1_SENT] = S_AM1_SENT,           [FS_XAUTH_WAIT] = S_XAUTH_WAIT,
  [FS_XAUTH_SECRETS] = S_XAUTH_SECRETS, [FS_XAUTH_REPLIED] = S_XAUTH_REPLIED,
  [FS_CFG_SENT] = S_CFG_SENT,           [FS_QM1_SENT] = S_QM1_SENT,
  [FS_ESTABLISHED] = S_ESTABLISHED,
};

bool fuzz_session_init(FuzzSession *f, FuzzState state, uint8_t flags)
{
  OspSessionParams params = { 0 };

  memset(f, 0, sizeof(*f));
  f->now = 1000 * G_USEC_PER_SEC;
  f->profile = fuzz_profile(flags);
  /* us 192.0.2.2:500, the gateway 192.0.2.1:500 */
  params.local = (struct sockaddr_in){ .sin_family = AF_INET,
                                       .sin_port = htons(500),
                                       .sin_addr.s_addr = htonl(0xc0000202) };
  params.peer = params.local;
  params.peer.sin_addr.s_addr = htonl(0xc0000201);
  params.natt_port = 4500;
  f->s = osp_session_new(f->profile, &params, &ops, f);
  if (state == FS_AM1_SENT) {
    osp_session_start(f->s, f->now);
    return f->s->state == S_AM1_SENT;
  }
  install_keys(f, flags);
  if (state >= FS_XAUTH_SECRETS)
    to_xauth_secrets(f);
  if (state >= FS_XAUTH_REPLIED)
    fuzz_session_answer(f, false);
  if (state >= FS_CFG_SENT)
    to_cfg_sent(f);
  if (state >= FS_QM1_SENT)
    to_qm1_sent(f);
  if (state >= FS_ESTABLISHED)
    to_established(f);
  if (f->s->state != reached[state])
    fprintf(stderr, "scripted session stopped in state %d, not %d\n", f->s->state, reached[state]);
  return f->s->state == reached[state];
}

void fuzz_session_clear(FuzzSession *f)
{
  osp_session_free(f->s);
  osp_profile_free(f->profile);
  memset(f, 0, sizeof(*f));
}
