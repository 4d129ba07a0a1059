/* SPDX-License-Identifier: GPL-2.0-or-later
 * Session state machine driven from byte strings and a fake clock: what
 * goes out, what is ignored, how failures are classified. */
#include "osp-error.h"
#include "osp-isakmp.h"
#include "osp-session-private.h"
#include "osp-session.h"
#include "osp-test-gateway.h"

#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

typedef struct {
  GPtrArray *sent; /* GByteArray each */
  int closed;
  int closed_code; /* -1 = clean */
  char closed_message[512];
  int secrets_asked;
  guint last_req_id;
  OspSecretKind last_kind;
  unsigned retries;     /* ops.retrying calls */
  char last_retry[256]; /* and the last text */
} Capture;

static void cap_send(gpointer user, const uint8_t *data, size_t len, bool natt)
{
  Capture *c = user;
  GByteArray *b = g_byte_array_new();

  g_byte_array_append(b, data, (guint)len);
  g_ptr_array_add(c->sent, b);
}

static void cap_progress(gpointer user, OspState st)
{
}
static void cap_secrets(gpointer user, const OspSecretRequest *req)
{
  Capture *c = user;

  c->secrets_asked++;
  c->last_req_id = req->id;
  c->last_kind = req->kinds[0];
}
static void cap_ipcfg(gpointer user, const OspIpConfig *cfg)
{
}
static void cap_up(gpointer user, const OspChildSa *sa)
{
}
static void cap_down(gpointer user, uint32_t spi)
{
}
static void cap_closed(gpointer user, const GError *error)
{
  Capture *c = user;

  c->closed++;
  c->closed_code = error ? error->code : -1;
  g_strlcpy(c->closed_message, error ? error->message : "", sizeof(c->closed_message));
}

static void cap_retrying(gpointer user, const char *text)
{
  Capture *c = user;

  c->retries++;
  g_strlcpy(c->last_retry, text, sizeof(c->last_retry));
}

static const OspSessionOps ops = {
  .send = cap_send,
  .progress = cap_progress,
  .secrets_needed = cap_secrets,
  .ip_config = cap_ipcfg,
  .child_sa_up = cap_up,
  .child_sa_down = cap_down,
  .closed = cap_closed,
  .retrying = cap_retrying,
};

static OspProfile *lab_profile(void)
{
  return osp_test_profile();
}

static OspSession *new_session_hint(const OspProfile *p, Capture *c, int dh_group_hint)
{
  OspSessionParams params;

  memset(c, 0, sizeof(*c));
  c->sent = g_ptr_array_new_with_free_func((GDestroyNotify)g_byte_array_unref);
  osp_test_rig_default_params(&params);
  params.dh_group_hint = dh_group_hint;
  return osp_session_new(p, &params, &ops, c);
}

static OspSession *new_session(const OspProfile *p, Capture *c)
{
  return new_session_hint(p, c, 0);
}

static GByteArray *last_sent(Capture *c)
{
  g_assert_cmpuint(c->sent->len, >, 0);
  return c->sent->pdata[c->sent->len - 1];
}

/* KE length of the last aggressive-mode message 1 sent = its DH group */
static size_t am1_ke_len(Capture *c, OspIsakmpHdr *ret_h)
{
  GByteArray *m = last_sent(c);
  OspPayload pl[OSP_ISAKMP_MAX_PAYLOADS];
  const OspPayload *ke;
  size_t n = 0;

  g_assert_cmpint(osp_isakmp_hdr_parse(m->data, m->len, ret_h, NULL), ==, 0);
  g_assert_cmpint(ret_h->exchange, ==, OSP_EXCH_AGGRESSIVE);
  g_assert_cmpint(osp_payloads_parse(ret_h->next_payload, m->data + 28, m->len - 28, pl,
                                     G_N_ELEMENTS(pl), &n, NULL),
                  ==, 0);
  ke = osp_payload_find(pl, n, OSP_PL_KE);
  g_assert_nonnull(ke);
  return ke->len;
}

/* The transforms of the last message 1 whose attribute `type` is `value`
 * (RFC 2409 appendix A classes); *ret_first: that attribute of the first. */
static size_t am1_count(Capture *c, uint16_t type, uint32_t value, uint32_t *ret_first)
{
  GByteArray *m = last_sent(c);
  OspPayload pl[OSP_ISAKMP_MAX_PAYLOADS];
  g_autofree OspSa *sa = g_new0(OspSa, 1);
  const OspPayload *sa_pl;
  size_t n = 0, i, count = 0;

  g_assert_cmpint(
      osp_payloads_parse(m->data[16], m->data + 28, m->len - 28, pl, G_N_ELEMENTS(pl), &n, NULL),
      ==, 0);
  sa_pl = osp_payload_find(pl, n, OSP_PL_SA);
  g_assert_nonnull(sa_pl);
  g_assert_cmpint(osp_sa_parse(sa_pl->body, sa_pl->len, sa, NULL), ==, 0);
  g_assert_cmpuint(sa->n_proposals, ==, 1);
  for (i = 0; i < sa->proposals[0].n_transforms; i++) {
    const OspTransform *t = &sa->proposals[0].transforms[i];
    const uint8_t *ap = t->attrs;
    size_t left = t->attrs_len;
    OspAttr a;

    while (osp_attr_next(&ap, &left, &a, NULL) > 0) {
      if (a.type != type)
        continue;
      if (i == 0 && ret_first)
        *ret_first = a.value;
      count += a.value == value;
    }
  }
  return count;
}

static void test_message1(void)
{
  g_autoptr(OspProfile) p = lab_profile();
  Capture c;
  g_autoptr(OspSession) s = new_session(p, &c);
  GByteArray *m;
  OspIsakmpHdr h;
  OspPayload pl[OSP_ISAKMP_MAX_PAYLOADS];
  const OspPayload *id_pl;
  OspId id;
  size_t n = 0, i, vids = 0;
  static const uint8_t zero[8];
  uint32_t first = 0;

  osp_session_start(s, 0);
  g_assert_cmpuint(c.sent->len, ==, 1);
  m = last_sent(&c);
  g_assert_cmpint(osp_isakmp_hdr_parse(m->data, m->len, &h, NULL), ==, 0);
  g_assert_cmpint(h.exchange, ==, OSP_EXCH_AGGRESSIVE);
  g_assert_true(memcmp(h.icookie, zero, 8) != 0);
  g_assert_true(memcmp(h.rcookie, zero, 8) == 0);
  g_assert_cmpint(h.flags, ==, 0);
  g_assert_cmpint(
      osp_payloads_parse(h.next_payload, m->data + 28, m->len - 28, pl, G_N_ELEMENTS(pl), &n, NULL),
      ==, 0);
  g_assert_cmpint(pl[0].type, ==, OSP_PL_SA);
  g_assert_cmpuint(am1_ke_len(&c, &h), ==, 256); /* auto: MODP-2048 first */
  id_pl = osp_payload_find(pl, n, OSP_PL_ID);
  g_assert_nonnull(id_pl);
  g_assert_cmpint(osp_id_parse(id_pl->body, id_pl->len, &id, NULL), ==, 0);
  g_assert_cmpint(id.type, ==, OSP_ID_KEY_ID);
  g_assert_cmpmem(id.data, id.len, "osprey-lab", 10);
  for (i = 0; i < n; i++)
    vids += pl[i].type == OSP_PL_VID;
  g_assert_cmpuint(vids, >=, 4); /* XAUTH, DPD, Unity, NAT-T */
  /* only what the profile allows: no DES (1), 3DES (5), MD5 (hash 1) */
  g_assert_cmpuint(am1_count(&c, A_ENC, 1, NULL), ==, 0);
  g_assert_cmpuint(am1_count(&c, A_ENC, 5, NULL), ==, 0);
  g_assert_cmpuint(am1_count(&c, A_HASH, 1, NULL), ==, 0);
  g_assert_cmpuint(am1_count(&c, A_ENC, 7, NULL), >, 0); /* AES */
  g_assert_cmpuint(am1_count(&c, A_GROUP, 14, NULL), ==, am1_count(&c, A_ENC, 7, NULL));
  /* XAUTH first, and plain PSK for groups without XAUTH, each transform twice */
  g_assert_cmpuint(am1_count(&c, A_AUTH, 65001, &first), >, 0);
  g_assert_cmpuint(first, ==, 65001);
  g_assert_cmpuint(am1_count(&c, A_AUTH, 1, NULL), ==, am1_count(&c, A_AUTH, 65001, NULL));
}

/* A gateway insists on 3DES first: with the settings on, it is offered. */
static void test_weak_offered_when_enabled(void)
{
  g_autoptr(OspProfile) p = lab_profile();
  Capture c;
  g_autoptr(OspSession) s = NULL;

  p->enable_weak_encryption = true;
  s = new_session(p, &c);
  osp_session_start(s, 0);
  g_assert_cmpuint(am1_count(&c, A_ENC, 5, NULL), >, 0);
  g_assert_cmpuint(am1_count(&c, A_HASH, 1, NULL), ==, 0);
  g_clear_pointer(&s, osp_session_free);
  p->enable_weak_authentication = true;
  s = new_session(p, &c);
  osp_session_start(s, 0);
  g_assert_cmpuint(am1_count(&c, A_HASH, 1, NULL), >, 0);
  g_assert_cmpuint(am1_count(&c, A_ENC, 1, NULL), ==, 0); /* single DES has its own setting */
  g_clear_pointer(&s, osp_session_free);
  p->enable_weak_authentication = false;
  p->enable_single_des = true;
  s = new_session(p, &c);
  osp_session_start(s, 0);
  g_assert_cmpuint(am1_count(&c, A_ENC, 1, NULL), >, 0);
  g_assert_cmpuint(am1_count(&c, A_HASH, 1, NULL), ==, 0); /* DES-SHA1, not DES-MD5 */
}

/* The ESP transforms of quick mode message 1 with the number of those
 * using encryption enc (RFC 2407 transform ID) or authentication auth. */
static unsigned qm_offered(OspTestGw *gw, int enc, int auth)
{
  unsigned i, n = 0;

  for (i = 0; i < gw->qm_offers->len; i++) {
    const OspTestGwQmOffer *o = &g_array_index(gw->qm_offers, OspTestGwQmOffer, i);

    n += o->enc == enc || o->auth == auth;
  }
  return n;
}

/* Quick mode offers only what the profile allows: no DES (2), 3DES (3) or
 * HMAC-MD5 (1) by default; 3DES once "Enable weak encryption" is set. */
static void test_esp_offer(void)
{
  g_autoptr(OspProfile) p = osp_test_profile();
  g_autoptr(OspTestRig) r = osp_test_rig_new(p, NULL);
  g_autoptr(OspTestRig) weak = NULL;
  guint i;

  osp_test_rig_connect(r);
  g_assert_cmpuint(r->gw->qm_offers->len, >, 0);
  g_assert_cmpuint(qm_offered(r->gw, 2, -1), ==, 0);
  g_assert_cmpuint(qm_offered(r->gw, 3, -1), ==, 0);
  g_assert_cmpuint(qm_offered(r->gw, -1, 1), ==, 0);
  g_assert_cmpuint(qm_offered(r->gw, 12, -1), >, 0); /* AES-CBC */
  /* AES-GCM-16 (20) first, 256 then 128 bits, no authentication attribute
   * (RFC 4106 5: the ICV is GCM's own) */
  g_assert_cmpuint(r->gw->qm_offers->len, >=, 2);
  for (i = 0; i < 2; i++) {
    const OspTestGwQmOffer *o = &g_array_index(r->gw->qm_offers, OspTestGwQmOffer, i);

    g_assert_cmpint(o->enc, ==, OSP_ESP_AES_GCM_16);
    g_assert_cmpint(o->auth, ==, 0);
    g_assert_cmpuint(o->key_bits, ==, i ? 128 : 256);
  }
  g_assert_cmpuint(r->gw->children->len, >, 0);
  g_assert_cmpint(((OspTestGwChild *)g_ptr_array_index(r->gw->children, 0))->enc, ==,
                  OSP_ESP_AES_GCM_16);
  p->enable_weak_encryption = true;
  weak = osp_test_rig_new(p, NULL);
  osp_test_rig_connect(weak);
  g_assert_cmpuint(qm_offered(weak->gw, 3, -1), >, 0);
  g_assert_cmpuint(qm_offered(weak->gw, -1, 1), ==, 0);
}

/* Every vendor ID that is a digest is the MD5 of its text (PROTOCOL.md),
 * and message 1 carries them all. */
static void test_vendor_ids(void)
{
  g_autoptr(OspProfile) p = lab_profile();
  Capture c;
  g_autoptr(OspSession) s = new_session(p, &c);
  OspPayload pl[OSP_ISAKMP_MAX_PAYLOADS];
  GByteArray *m;
  size_t i, k, n = 0, digests = 0;

  for (i = 0; i < OSP_VID_N; i++) {
    const OspVendorId *v = &osp_vendor_ids[i];
    uint8_t md5[16];
    OspSlice part;

    g_assert_cmpuint(v->match_len, <=, v->len);
    if (!v->md5_of)
      continue;
    part = (OspSlice)OSP_SLICE(v->md5_of, strlen(v->md5_of));
    g_assert_cmpint(osp_hash(OSP_HASH_MD5, &part, 1, md5), ==, 0);
    g_test_message("%s: MD5(\"%s\")", v->name, v->md5_of);
    g_assert_cmpmem(v->bytes, v->match_len, md5, v->match_len);
    digests++;
  }
  g_assert_cmpuint(digests, ==, OSP_VID_N - 1); /* all but DPD's */
  osp_session_start(s, 0);
  m = last_sent(&c);
  g_assert_cmpint(
      osp_payloads_parse(m->data[16], m->data + 28, m->len - 28, pl, G_N_ELEMENTS(pl), &n, NULL),
      ==, 0);
  for (i = 0; i < OSP_VID_N; i++) {
    bool found = false;

    for (k = 0; k < n; k++)
      found |= pl[k].type == OSP_PL_VID && pl[k].len == osp_vendor_ids[i].len &&
               memcmp(pl[k].body, osp_vendor_ids[i].bytes, pl[k].len) == 0;
    g_assert_true(found);
  }
}

/* KE lengths of the automatic walk: MODP-2048, ECP-256, ECP-384, MODP-3072,
 * ECP-521, MODP-4096 */
static const size_t strong_ke[] = { 256, 64, 96, 384, 132, 512 };

/* Silence: two tries per group while more are left, the strong groups
 * only, then unreachable. */
static void test_silence_fallback(void)
{
  g_autoptr(OspProfile) p = lab_profile();
  Capture c;
  g_autoptr(OspSession) s = new_session(p, &c);
  OspIsakmpHdr h1, h2;
  gint64 now = 0;
  size_t g = 0;
  int guard = 0;

  osp_session_start(s, now);
  g_assert_cmpuint(am1_ke_len(&c, &h1), ==, 256);
  now = osp_session_next_deadline(s);
  osp_session_timeout(s, now);
  g_assert_cmpuint(c.sent->len, ==, 2);
  g_assert_cmpuint(am1_ke_len(&c, &h2), ==, 256);
  g_assert_cmpmem(h1.icookie, 8, h2.icookie, 8); /* retransmission, same message */
  /* each retry is said, for the user watching */
  g_assert_cmpuint(c.retries, ==, 1);
  g_assert_nonnull(strstr(c.last_retry, "No answer from"));
  g_assert_nonnull(strstr(c.last_retry, "sending again (try 2 of"));
  now = osp_session_next_deadline(s);
  g_assert_cmpint(now, ==, 3 * G_USEC_PER_SEC);
  osp_session_timeout(s, now);
  g_assert_cmpuint(c.sent->len, ==, 3);
  g_assert_cmpuint(am1_ke_len(&c, &h2), ==, 64); /* ECP-256 */
  g_assert_true(memcmp(h1.icookie, h2.icookie, 8) != 0);
  while (!c.closed && guard++ < 100) {
    size_t ke = am1_ke_len(&c, &h2);

    if (ke != strong_ke[g])
      g_assert_cmpuint(ke, ==, strong_ke[++g]); /* never a weak group */
    now = osp_session_next_deadline(s);
    g_assert_cmpint(now, !=, G_MAXINT64);
    osp_session_timeout(s, now);
  }
  g_assert_cmpuint(g, ==, G_N_ELEMENTS(strong_ke) - 1);
  g_assert_cmpint(c.closed, ==, 1);
  g_assert_cmpint(c.closed_code, ==, OSP_ERROR_GATEWAY_UNREACHABLE);
  g_assert_cmpint(osp_session_next_deadline(s), ==, G_MAXINT64);
  g_assert_cmpuint(c.retries, >=, G_N_ELEMENTS(strong_ke));
}

static GByteArray *notify_msg(const uint8_t icookie[8], uint16_t type)
{
  OspIsakmpHdr h = { 0 };
  OspMsg m;
  g_autoptr(GByteArray) body = g_byte_array_new();
  GByteArray *out;

  memcpy(h.icookie, icookie, 8);
  h.version = OSP_ISAKMP_VERSION;
  h.exchange = OSP_EXCH_INFO;
  osp_put_notify(body, OSP_PROTO_ISAKMP, type, NULL, 0, NULL, 0);
  osp_msg_init(&m, &h);
  osp_msg_add_payload(&m, OSP_PL_NOTIFY, body->data, body->len);
  out = g_byte_array_ref(osp_msg_finish(&m));
  osp_msg_clear(&m);
  return out;
}

/* The gateway answers the last message 1 with an error notify in the clear. */
static void answer_am1(OspSession *s, Capture *c, uint16_t type, gint64 now)
{
  g_autoptr(GByteArray) np = NULL;
  OspIsakmpHdr h;

  am1_ke_len(c, &h);
  np = notify_msg(h.icookie, type);
  osp_session_input(s, np->data, np->len, now);
}

/* An unauthenticated answer (maybe forged) ends an attempt only when the
 * retransmissions of message 1 run out: the real answer may still come. */
static void run_out(OspSession *s, Capture *c)
{
  int guard = 0;

  g_assert_cmpint(c->closed, ==, 0);
  while (!c->closed && guard++ < 100) {
    gint64 now = osp_session_next_deadline(s);

    g_assert_cmpint(now, !=, G_MAXINT64);
    osp_session_timeout(s, now);
  }
  g_assert_cmpint(c->closed, ==, 1);
}

/* NO-PROPOSAL-CHOSEN in the clear (forged or not) moves to the next
 * strong group at once; at the end of the walk the error names the setting
 * that allows weak groups; nothing is remembered. */
static void test_no_proposal_falls_back(void)
{
  g_autoptr(OspProfile) p = lab_profile();
  Capture c;
  g_autoptr(OspSession) s = new_session(p, &c);
  OspIsakmpHdr h;
  size_t g;

  osp_session_start(s, 0);
  for (g = 0; g < G_N_ELEMENTS(strong_ke); g++) {
    g_assert_cmpuint(c.sent->len, ==, g + 1); /* one round trip each, no waiting */
    g_assert_cmpuint(am1_ke_len(&c, &h), ==, strong_ke[g]);
    g_assert_cmpint(c.closed, ==, 0);
    g_assert_cmpint(osp_session_dh_group(s), ==, 0);
    answer_am1(s, &c, OSP_N_NO_PROPOSAL_CHOSEN, 1000 + (gint64)g);
  }
  g_assert_cmpuint(c.sent->len, ==, G_N_ELEMENTS(strong_ke));
  run_out(s, &c);
  g_assert_cmpint(c.closed_code, ==, OSP_ERROR_NO_PROPOSAL);
  g_assert_nonnull(strstr(c.closed_message, "\"Enable weak DH group\""));
  g_assert_cmpint(osp_session_dh_group(s), ==, 0);
}

/* A forged NO-PROPOSAL-CHOSEN (in the clear) beats the gateway's message 2:
 * the session moves on to the next strong group, and that is the group it
 * connects with (and the one OspConnection would remember).
 *   I --- SA(MODP-2048) KE Ni IDii ------> R
 *   I <-- N(NO-PROPOSAL-CHOSEN) ---------- attacker
 *   I --- SA(ECP-256) KE Ni IDii --------> R
 *   I <-- SA KE Nr IDir HASH_R (MODP-2048) R   old cookie: dropped
 *   I <-- SA KE Nr IDir HASH_R (ECP-256) - R   ... connected */
static void test_forged_no_proposal(void)
{
  g_autoptr(OspTestRig) r = osp_test_rig_new(NULL, NULL);
  const GByteArray *m1 = g_queue_peek_head(&r->to_gw);
  g_autoptr(GByteArray) np = NULL;
  OspIsakmpHdr h;

  g_assert_cmpint(osp_isakmp_hdr_parse(m1->data, m1->len, &h, NULL), ==, 0);
  osp_test_rig_c2g(r);
  np = notify_msg(h.icookie, OSP_N_NO_PROPOSAL_CHOSEN);
  osp_test_rig_to_client(r, np);
  osp_test_rig_connect(r);
  g_assert_cmpuint(r->gw->n_am1, ==, 2);
  g_assert_cmpint(osp_session_dh_group(r->session), ==, 19);
  g_assert_false(osp_dh_group_weak(osp_session_dh_group(r->session)));
}

/* With "Enable weak DH group" the walk goes on to MODP-1536 and MODP-1024. */
static void test_weak_dh_enabled(void)
{
  g_autoptr(OspProfile) p = lab_profile();
  Capture c;
  g_autoptr(OspSession) s = NULL;
  OspIsakmpHdr h;
  size_t g;

  p->enable_weak_dh_group = true;
  s = new_session(p, &c);
  osp_session_start(s, 0);
  for (g = 0; g < G_N_ELEMENTS(strong_ke); g++)
    answer_am1(s, &c, OSP_N_NO_PROPOSAL_CHOSEN, 1000 + (gint64)g);
  g_assert_cmpuint(am1_ke_len(&c, &h), ==, 192);
  answer_am1(s, &c, OSP_N_NO_PROPOSAL_CHOSEN, 2000);
  g_assert_cmpuint(am1_ke_len(&c, &h), ==, 128);
  g_assert_cmpint(c.closed, ==, 0);
}

/* The remembered group goes first, unless it is weak (old or forged file). */
static void test_dh_hint(void)
{
  g_autoptr(OspProfile) p = lab_profile();
  Capture c;
  OspIsakmpHdr h;
  OspSession *s;

  s = new_session_hint(p, &c, 20);
  osp_session_start(s, 0);
  g_assert_cmpuint(am1_ke_len(&c, &h), ==, 96);
  osp_session_free(s);
  g_ptr_array_unref(c.sent);
  p->enable_weak_dh_group = true;
  s = new_session_hint(p, &c, 2);
  osp_session_start(s, 0);
  g_assert_cmpuint(am1_ke_len(&c, &h), ==, 256);
  osp_session_free(s);
  g_ptr_array_unref(c.sent);
}

/* The method the gateway chose as the front ends show it: the profile's
 * mode and the signature (RFC 2409 appendix A, RFC 4754, the
 * XAUTH and hybrid drafts' private values); T(n, ...) names the row. */
static void test_auth_mode_of_method(void)
{
#define T(n, auth, mode, sig) \
  {                           \
    n, auth, mode, sig        \
  }
  static const struct {
    int n, auth;
    OspAuthMode mode;
    const char *signature;
  } t[] = {
    T(1, AUTH_PSK, OSP_AUTH_PSK, NULL),
    T(2, AUTH_XAUTH_INIT_PSK, OSP_AUTH_PSK, NULL),
    T(3, AUTH_HYBRID_INIT_RSA, OSP_AUTH_HYBRID, "RSA"),
    T(4, AUTH_RSA_SIG, OSP_AUTH_CERT, "RSA"),
    T(5, AUTH_XAUTH_INIT_RSA, OSP_AUTH_CERT, "RSA"),
    T(6, AUTH_ECDSA_256, OSP_AUTH_CERT, "ECDSA-256"),
    T(7, AUTH_ECDSA_384, OSP_AUTH_CERT, "ECDSA-384"),
    T(8, AUTH_ECDSA_521, OSP_AUTH_CERT, "ECDSA-521"),
  };
#undef T

  for (size_t i = 0; i < G_N_ELEMENTS(t); i++) {
    const char *signature = "unset";
    OspAuthMode mode = osp_phase1_auth_mode(t[i].auth, &signature);

    if (mode != t[i].mode || g_strcmp0(signature, t[i].signature) != 0)
      g_error("case %d (method %d): mode %d, signature %s", t[i].n, t[i].auth, mode,
              signature ? signature : "none");
  }
}

/* AUTHENTICATION-FAILED to message 1: the gateway (strongSwan takes the
 * method of the first transform) may serve a group without XAUTH. */
static void test_auth_failed_psk_first(void)
{
  g_autoptr(OspProfile) p = lab_profile();
  Capture c;
  g_autoptr(OspSession) s = new_session(p, &c);
  OspIsakmpHdr h;
  uint32_t first = 0;

  osp_session_start(s, 0);
  answer_am1(s, &c, OSP_N_AUTHENTICATION_FAILED, 1000);
  g_assert_cmpint(c.closed, ==, 0);
  g_assert_cmpuint(c.sent->len, ==, 2);
  g_assert_cmpuint(am1_ke_len(&c, &h), ==, 256); /* the same group */
  g_assert_cmpuint(am1_count(&c, A_AUTH, 1, &first), >, 0);
  g_assert_cmpuint(first, ==, 1);
}

static void test_no_proposal_fixed_group(void)
{
  g_autoptr(OspProfile) p = lab_profile();
  Capture c;
  g_autoptr(OspSession) s = NULL;
  g_autoptr(GByteArray) np = NULL;
  OspIsakmpHdr h;

  p->dh_group = 5;
  s = new_session(p, &c);
  osp_session_start(s, 0);
  g_assert_cmpuint(am1_ke_len(&c, &h), ==, 192);
  np = notify_msg(h.icookie, OSP_N_NO_PROPOSAL_CHOSEN);
  osp_session_input(s, np->data, np->len, 1000);
  run_out(s, &c);
  g_assert_cmpint(c.closed_code, ==, OSP_ERROR_NO_PROPOSAL);
}

static void test_invalid_id_is_group(void)
{
  g_autoptr(OspProfile) p = lab_profile();
  Capture c;
  g_autoptr(OspSession) s = new_session(p, &c);
  g_autoptr(GByteArray) np = NULL;
  OspIsakmpHdr h;

  osp_session_start(s, 0);
  am1_ke_len(&c, &h);
  np = notify_msg(h.icookie, OSP_N_INVALID_ID_INFORMATION);
  osp_session_input(s, np->data, np->len, 1000);
  run_out(s, &c);
  g_assert_cmpint(c.closed_code, ==, OSP_ERROR_BAD_GROUP_SECRET);
  /* the gateway judged our identity: it took the group, no other is tried */
  g_assert_cmpuint(am1_ke_len(&c, &h), ==, 256);
}

/* A message of an earlier session (other cookie) never touches this one. */
static void test_stale_cookie_ignored(void)
{
  g_autoptr(OspProfile) p = lab_profile();
  Capture c;
  g_autoptr(OspSession) s = new_session(p, &c);
  static const uint8_t other[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
  g_autoptr(GByteArray) np = notify_msg(other, OSP_N_AUTHENTICATION_FAILED);

  osp_session_start(s, 0);
  osp_session_input(s, np->data, np->len, 1000);
  g_assert_cmpint(c.closed, ==, 0);
  g_assert_cmpuint(c.sent->len, ==, 1);
}

static void test_garbage_ignored(void)
{
  g_autoptr(OspProfile) p = lab_profile();
  Capture c;
  g_autoptr(OspSession) s = new_session(p, &c);
  uint8_t buf[600];
  GRand *r = g_rand_new_with_seed(42);
  OspIsakmpHdr h;
  int i;
  size_t k;

  osp_session_start(s, 0);
  am1_ke_len(&c, &h);
  for (i = 0; i < 2000; i++) {
    size_t len = g_rand_int_range(r, 0, sizeof(buf));

    for (k = 0; k < len; k++)
      buf[k] = (uint8_t)g_rand_int(r);
    if (len >= 28 && i % 2) {
      memcpy(buf, h.icookie, 8); /* get past the cookie check */
      buf[17] = 0x10;
      buf[18] = OSP_EXCH_AGGRESSIVE;
      buf[19] = 0;
      osp_put32(buf + 24, (uint32_t)len);
    }
    osp_session_input(s, buf, len, 1000 + i);
  }
  g_rand_free(r);
  g_assert_cmpint(c.closed, ==, 0);
}

static void test_group_secret_asked(void)
{
  g_autoptr(OspProfile) p = lab_profile();
  Capture c;
  g_autoptr(OspSession) s = NULL;
  const char *values[OSP_SECRET_N_KINDS] = { NULL };

  g_clear_pointer(&p->group_secret, g_free);
  s = new_session(p, &c);
  osp_session_start(s, 0);
  g_assert_cmpint(c.secrets_asked, ==, 1);
  g_assert_cmpint(c.last_kind, ==, OSP_SECRET_GROUP_SECRET);
  g_assert_cmpuint(c.sent->len, ==, 0);
  /* a stale answer (other request id) is ignored */
  values[OSP_SECRET_GROUP_SECRET] = "x";
  osp_session_provide_secrets(s, c.last_req_id + 7, values, 10);
  g_assert_cmpuint(c.sent->len, ==, 0);
  osp_session_provide_secrets(s, c.last_req_id, values, 10);
  g_assert_cmpuint(c.sent->len, ==, 1);
}

static void test_group_secret_cancelled(void)
{
  g_autoptr(OspProfile) p = lab_profile();
  Capture c;
  g_autoptr(OspSession) s = NULL;

  g_clear_pointer(&p->group_secret, g_free);
  s = new_session(p, &c);
  osp_session_start(s, 0);
  osp_session_cancel_secrets(s, c.last_req_id, 10);
  g_assert_cmpint(c.closed_code, ==, OSP_ERROR_CANCELLED);
}

static void test_port_unreachable(void)
{
  g_autoptr(OspProfile) p = lab_profile();
  Capture c;
  g_autoptr(OspSession) s = new_session(p, &c);

  osp_session_start(s, 0);
  /* one ICMP error right away may be a stale one: not yet fatal */
  osp_session_peer_unreachable(s, 10, ECONNREFUSED);
  g_assert_cmpint(c.closed, ==, 0);
  osp_session_timeout(s, osp_session_next_deadline(s));
  osp_session_peer_unreachable(s, 2000000, ECONNREFUSED);
  g_assert_cmpint(c.closed_code, ==, OSP_ERROR_GATEWAY_UNREACHABLE);
  g_assert_nonnull(strstr(c.closed_message, "(port unreachable)"));
}

/* A host or network unreachable is named as such, not as a closed port */
static void test_host_unreachable(void)
{
  static const struct {
    int err;
    const char *says;
  } cases[] = {
    { EHOSTUNREACH, "(host unreachable)" },
    { ENETUNREACH, "(no route to it)" },
  };

  for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
    g_autoptr(OspProfile) p = lab_profile();
    Capture c;
    g_autoptr(OspSession) s = new_session(p, &c);

    osp_session_start(s, 0);
    osp_session_timeout(s, osp_session_next_deadline(s));
    osp_session_peer_unreachable(s, 2000000, cases[i].err);
    g_assert_cmpint(c.closed_code, ==, OSP_ERROR_GATEWAY_UNREACHABLE);
    g_assert_nonnull(strstr(c.closed_message, cases[i].says));
  }
}

static void test_delete_before_established(void)
{
  g_autoptr(OspProfile) p = lab_profile();
  Capture c;
  g_autoptr(OspSession) s = new_session(p, &c);

  osp_session_start(s, 0);
  osp_session_delete(s);
  g_assert_cmpint(c.closed, ==, 1);
  g_assert_cmpint(c.closed_code, ==, -1);
  g_assert_cmpuint(c.sent->len, ==, 1); /* nothing to delete at the gateway yet */
  osp_session_delete(s);
  g_assert_cmpint(c.closed, ==, 1);
}

int main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/session/message1", test_message1);
  g_test_add_func("/session/weak-offered-when-enabled", test_weak_offered_when_enabled);
  g_test_add_func("/session/esp-offer", test_esp_offer);
  g_test_add_func("/session/vendor-ids", test_vendor_ids);
  g_test_add_func("/session/silence-fallback", test_silence_fallback);
  g_test_add_func("/session/no-proposal-falls-back", test_no_proposal_falls_back);
  g_test_add_func("/session/forged-no-proposal", test_forged_no_proposal);
  g_test_add_func("/session/weak-dh-enabled", test_weak_dh_enabled);
  g_test_add_func("/session/dh-hint", test_dh_hint);
  g_test_add_func("/session/auth-mode-of-method", test_auth_mode_of_method);
  g_test_add_func("/session/auth-failed-psk-first", test_auth_failed_psk_first);
  g_test_add_func("/session/no-proposal-fixed-group", test_no_proposal_fixed_group);
  g_test_add_func("/session/invalid-id-is-group", test_invalid_id_is_group);
  g_test_add_func("/session/stale-cookie-ignored", test_stale_cookie_ignored);
  g_test_add_func("/session/garbage-ignored", test_garbage_ignored);
  g_test_add_func("/session/group-secret-asked", test_group_secret_asked);
  g_test_add_func("/session/group-secret-cancelled", test_group_secret_cancelled);
  g_test_add_func("/session/port-unreachable", test_port_unreachable);
  g_test_add_func("/session/host-unreachable", test_host_unreachable);
  g_test_add_func("/session/delete-before-established", test_delete_before_established);
  return g_test_run();
}
