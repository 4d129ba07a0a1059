/* SPDX-License-Identifier: GPL-2.0-or-later
 * A real OspSession in a chosen state, and datagrams for it (see
 * fuzz-session-util.h). */
#include "fuzz-session-util.h"
#include "fuzz-util.h"

#include <arpa/inet.h>
#include <string.h>

#define XAUTH_MSGID 0x0a0a0a0au
#define STATUS_MSGID 0x0b0b0b0bu
#define PUSH_MSGID 0x0c0c0c0cu

/* ---- what the session hands out ---------------------------------------- */

static void on_send(gpointer user, const uint8_t *data, size_t len, bool natt)
{
  FuzzSession *f = user;
  OspIsakmpHdr h;

  /* everything we send parses, and its length is the datagram's */
  CHECK(osp_isakmp_hdr_parse(data, len, &h, NULL) == 0 && h.length == len);
  f->sent++;
  if (h.exchange == OSP_EXCH_AGGRESSIVE && !(h.flags & OSP_FLAG_ENC)) {
    g_byte_array_set_size(f->am1, 0);
    g_byte_array_append(f->am1, data, (guint)len);
  }
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
  static const uint8_t zeros[16];
  OspSession *s = f->s;
  size_t hlen = osp_hash_len(s->ike->hash);
  g_autoptr(GByteArray) plain = g_byte_array_new();
  g_autoptr(GByteArray) b = NULL;
  uint8_t iv[16], digest[64], gen[4] = { 0 };

  if (f->closed || !s->ike->enc_key || len > 60000)
    return;
  if (hash) {
    make_hash(s, exchange, msgid, first, chain, len, digest);
    if (corrupt)
      digest[0] ^= 0x80;
    /* HASH first; its next-payload field points into the fuzzer's chain */
    gen[0] = first;
    osp_put16(gen + 2, (uint16_t)(sizeof(gen) + hlen));
    g_byte_array_append(plain, gen, sizeof(gen));
    g_byte_array_append(plain, digest, (guint)hlen);
  }
  g_byte_array_append(plain, chain, (guint)len);
  if (plain->len == 0) /* one block of padding */
    g_byte_array_append(plain, zeros, (guint)s->ike->block_len);
  /* the gateway encrypts with the IV the session expects */
  expected_iv(s, msgid, iv);
  osp_test_gw_set_iv(f->gw, msgid, iv);
  b = osp_test_gw_seal(f->gw, exchange, msgid, hash ? OSP_PL_HASH : first, plain->data, plain->len);
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

/* edit hook of message 2: the fuzzer's payloads before HASH_R */
static void add_extra(OspTestGw *gw, OspTestGwMsg *m, gpointer user)
{
  FuzzSession *f = user;
  const uint8_t *extra = f->am2_extra;
  size_t len = f->am2_extra_len;
  guint at;

  if (m->step != OSP_TEST_GW_AM2)
    return;
  for (at = 0; at < m->payloads->len; at++)
    if (((OspTestGwPayload *)m->payloads->pdata[at])->type == OSP_PL_HASH)
      break;
  while (len >= 2) {
    size_t n = MIN((size_t)extra[1], len - 2);
    OspTestGwPayload *pl;

    osp_test_gw_msg_add(m, extra[0], extra + 2, n);
    pl = g_ptr_array_steal_index(m->payloads, m->payloads->len - 1);
    g_ptr_array_insert(m->payloads, (gint)at++, pl);
    extra += 2 + n;
    len -= 2 + n;
  }
  m->corrupt_hash = f->am2_corrupt;
}

/* A gateway that accepts fuzz_profile() and answers as a plain one: no
 * vendor IDs, no NAT-T, a fixed cookie and nonce; the fuzzer's payloads
 * join its message 2. */
static OspTestGw *new_gateway(FuzzSession *f)
{
  OspTestGw *gw = osp_test_gw_new();

  g_clear_pointer(&gw->group_id, g_free);
  gw->vid_xauth = gw->vid_dpd = gw->vid_unity = false;
  gw->fixed = true;
  gw->edit = add_extra;
  gw->edit_user = f;
  return gw;
}

void fuzz_session_am2(FuzzSession *f, uint8_t choice, const uint8_t *extra, size_t len,
                      bool corrupt)
{
  GByteArray *b;

  if (f->closed || f->s->state != S_AM1_SENT || f->am1->len == 0)
    return;
  /*  --> HDR, SA, KE, Ni, IDii                    (the session's message 1)
   *  <-- HDR, SA, KE, Nr, IDir, [what the fuzzer adds: VID, NAT-D, ...], HASH_R
   * from a new gateway each time (one would repeat its first answer),
   * taking the offered transform `choice` */
  osp_test_gw_free(f->gw);
  f->gw = new_gateway(f);
  f->gw->p1_pick = choice;
  f->am2_extra = extra;
  f->am2_extra_len = len;
  f->am2_corrupt = corrupt;
  osp_test_gw_input(f->gw, f->am1->data, f->am1->len);
  while ((b = g_queue_pop_head(&f->gw->out))) {
    if (!f->closed)
      osp_session_input(f->s, b->data, b->len, f->now);
    g_byte_array_unref(b);
  }
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
  OspTestGw *gw = f->gw;
  bool strong = flags & 2;

  /* the gateway's fixed keys, as if aggressive mode had made them */
  osp_test_gw_fixed_keys(gw, strong ? OSP_HASH_SHA256 : OSP_HASH_SHA1, OSP_CIPHER_AES_CBC,
                         strong ? 256 : 128);
  memcpy(s->ike->icookie, gw->icookie, 8);
  memcpy(s->ike->rcookie, gw->rcookie, 8);
  s->ike->hash = gw->hash;
  s->ike->cipher = gw->cipher;
  s->ike->key_bits = gw->key_bits;
  s->ike->block_len = gw->block_len;
  s->ike->skeyid = osp_secret_dup(gw->skeyid);
  s->ike->skeyid_d = osp_secret_dup(gw->skeyid_d);
  s->ike->skeyid_a = osp_secret_dup(gw->skeyid_a);
  s->ike->skeyid_e = osp_secret_dup(gw->skeyid_e);
  s->ike->enc_key = osp_secret_dup(gw->enc_key);
  memcpy(s->ike->p1_iv, osp_test_gw_iv(gw, 0), gw->block_len);
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
  f->am1 = g_byte_array_new();
  f->gw = new_gateway(f);
  /* us 192.0.2.2:500, the gateway 192.0.2.1:500 */
  osp_addr_parse("192.0.2.2", 500, &params.local);
  osp_addr_parse("192.0.2.1", 500, &params.peer);
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
  osp_test_gw_free(f->gw);
  g_byte_array_unref(f->am1);
  memset(f, 0, sizeof(*f));
}
