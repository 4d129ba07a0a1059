/* SPDX-License-Identifier: GPL-2.0-or-later
 * Datagrams that are not what they claim, against a real session: forged
 * or damaged answers before phase 1 is authenticated, quick-mode answers
 * with a bad hash, and floods of unknown message IDs. */
#include "osp-test-gateway.h"

#include "osp-error.h"
#include "osp-session-private.h"

#include <string.h>

/* edit hook: the messages of step *user come with a damaged twin first */
static void decoy(OspTestGw *gw, OspTestGwMsg *m, gpointer user)
{
  const OspTestGwStep *step = user;

  if (m->step == *step)
    m->decoy_first = true;
}

/* A forged message 2 with a bad HASH_R arrives before the real one:
 *   I --- SA KE Ni IDii ---> R
 *   I <--- SA KE Nr IDir HASH_R* --- attacker   dropped, logged
 *   I <--- SA KE Nr IDir HASH_R --- R           authenticates
 * the attempt goes on. */
static void test_forged_am2_first(void)
{
  static const OspTestGwStep step = OSP_TEST_GW_AM2;
  g_autoptr(OspTestRig) r = osp_test_rig_new_edited(NULL, decoy, (gpointer)&step);

  osp_test_rig_c2g(r);
  g_assert_cmpuint(g_queue_get_length(&r->gw->out), ==, 2);
  osp_test_rig_g2c(r);
  g_assert_false(r->closed);
  g_assert_true(g_queue_is_empty(&r->to_gw)); /* no message 3 for it */
  osp_test_rig_g2c(r);
  g_assert_cmpuint(g_queue_get_length(&r->to_gw), ==, 2); /* HASH_I, INITIAL-CONTACT */
  osp_test_rig_connect(r);
}

static bool all_zero(const uint8_t *p, size_t n)
{
  for (size_t i = 0; i < n; i++)
    if (p[i])
      return false;
  return true;
}

/* A forged message 2 changes nothing of the IKE SA: its algorithms, its
 * responder cookie and its keys stay unset until a message 2 passes HASH_R.
 *   I --- SA KE Ni IDii ---> R
 *   I <--- SA KE Nr IDir HASH_R* --- attacker   IKE SA untouched
 *   I <--- SA KE Nr IDir HASH_R --- R           keys, algorithms, cookie
 *   I --- HASH_I ---> R                         encrypted with them */
static void test_forged_am2_keeps_sa(void)
{
  static const OspTestGwStep step = OSP_TEST_GW_AM2;
  g_autoptr(OspTestRig) r = osp_test_rig_new(NULL, NULL);
  const OspIkeSa *sa;

  r->gw->edit = decoy;
  r->gw->edit_user = (gpointer)&step;
  osp_test_rig_c2g(r);
  osp_test_rig_g2c(r);
  sa = r->session->ike;
  g_assert_true(all_zero(sa->rcookie, 8));
  g_assert_cmpint(sa->hash, ==, 0);
  g_assert_cmpint(sa->cipher, ==, 0);
  g_assert_cmpuint(sa->key_bits, ==, 0);
  g_assert_null(sa->skeyid);
  g_assert_null(sa->skeyid_a);
  g_assert_null(sa->enc_key);
  g_assert_true(all_zero(sa->p1_iv, sizeof(sa->p1_iv)));
  osp_test_rig_g2c(r);
  sa = r->session->ike;
  g_assert_cmpmem(sa->rcookie, 8, r->gw->rcookie, 8);
  g_assert_cmpint(sa->hash, ==, r->gw->hash);
  g_assert_cmpint(sa->cipher, ==, r->gw->cipher);
  g_assert_cmpmem(sa->enc_key->data, sa->enc_key->len, r->gw->enc_key->data, r->gw->enc_key->len);
  osp_test_rig_connect(r);
}

/* Notifies in the clear before message 2 (anyone can send them):
 *   I --- SA KE Ni IDii ---> R
 *   I <--- N(INVALID-HASH-INFORMATION) --- attacker   logged
 *   I <--- N(INVALID-ID-INFORMATION) --- attacker     logged
 *   I <--- SA KE Nr IDir HASH_R --- R */
static void test_clear_notifies_first(void)
{
  g_autoptr(OspTestRig) r = osp_test_rig_new(NULL, NULL);
  g_autoptr(GByteArray) am2 = NULL;

  osp_test_rig_c2g(r);
  am2 = osp_test_rig_take_g2c(r);
  osp_test_gw_notify(r->gw, OSP_N_INVALID_HASH_INFORMATION, false);
  osp_test_gw_notify(r->gw, OSP_N_INVALID_ID_INFORMATION, false);
  osp_test_gw_notify(r->gw, OSP_N_PAYLOAD_MALFORMED, false);
  osp_test_rig_g2c(r);
  osp_test_rig_g2c(r);
  osp_test_rig_g2c(r);
  g_assert_false(r->closed);
  osp_test_rig_to_client(r, am2);
  osp_test_rig_connect(r);
}

/* A gateway with another group secret: every message 2 fails HASH_R.  The
 * attempt ends when message 1 has been retransmitted enough, with the
 * reason the answers support, and without trying other DH groups (the
 * gateway took ours).
 *   I --- SA KE Ni IDii ---> R,  I <--- SA KE Nr IDir HASH_R* --- R  (again and again) */
static void test_wrong_secret_on_timeout(void)
{
  g_autoptr(OspTestRig) r = osp_test_rig_new(NULL, NULL);
  gint64 start = r->now;

  g_free(r->gw->group_secret);
  r->gw->group_secret = g_strdup("not the secret");
  osp_test_rig_c2g(r);
  osp_test_rig_g2c(r);
  g_assert_false(r->closed);
  osp_test_rig_assert_fails(r, 60 * G_USEC_PER_SEC, OSP_ERROR_BAD_GROUP_SECRET, "HASH_R");
  g_assert_cmpuint(r->gw->n_am1, ==, 1);
  g_assert_false(r->gw->p1_done);
  g_test_message("wrong group secret reported after %.1f s",
                 (double)(r->now - start) / G_USEC_PER_SEC);
  g_assert_cmpint(r->now - start, <=, 10 * G_USEC_PER_SEC);
}

static void drop_nonce(OspTestGw *gw, OspTestGwMsg *m, gpointer user)
{
  guint i;

  if (m->step != OSP_TEST_GW_AM2)
    return;
  for (i = 0; i < m->payloads->len; i++)
    if (((OspTestGwPayload *)m->payloads->pdata[i])->type == OSP_PL_NONCE)
      g_ptr_array_remove_index(m->payloads, i);
}

/* Every message 2 lacks its nonce: the gateway answers, uselessly, and
 * the timeout says so (not "did not answer").
 *   I --- SA KE Ni IDii ---> R,   I <--- SA KE IDir HASH_R --- R  (again) */
static void test_malformed_am2_reported(void)
{
  g_autoptr(OspTestRig) r = osp_test_rig_new(NULL, NULL);

  r->gw->edit = drop_nonce;
  osp_test_rig_assert_fails(r, 120 * G_USEC_PER_SEC, OSP_ERROR_PROTOCOL, "lacks a payload");
}

/* edit hook: message 2 made unusable in one way (*user): its KE a byte
 * short, its nonce 4 bytes, its cipher one never offered (single DES),
 * its proposal claiming two transforms */
static void misfit_am2(OspTestGw *gw, OspTestGwMsg *m, gpointer user)
{
  const int *what = user;

  if (m->step != OSP_TEST_GW_AM2)
    return;
  for (guint i = 0; i < m->payloads->len; i++) {
    OspTestGwPayload *pl = m->payloads->pdata[i];
    GByteArray *b = pl->body;

    if (*what == 0 && pl->type == OSP_PL_KE)
      g_byte_array_set_size(b, b->len - 1);
    else if (*what == 1 && pl->type == OSP_PL_NONCE)
      g_byte_array_set_size(b, 4);
    else if (*what == 2 && pl->type == OSP_PL_SA) {
      /* DOI, situation, proposal header (8), transform header (8): then
       * the attributes; ENCRYPTION_ALGORITHM (basic, type 1) := DES */
      for (guint off = 24; off + 4 <= b->len; off += 4)
        if (b->data[off] == 0x80 && b->data[off + 1] == 1)
          osp_put16(b->data + off + 2, 1);
    } else if (*what == 3 && pl->type == OSP_PL_SA && b->len > 15) {
      b->data[15] = 2; /* number of transforms */
    }
  }
}

/* Message 2 authenticates nothing until HASH_R, and these never get that
 * far; each attempt's timeout says what was wrong:
 *   I --- SA KE Ni IDii ---> R,   I <--- SA* KE* Nr* IDir HASH_R --- R  (again) */
static void test_am2_misfit(gconstpointer data)
{
  static const char *const why[] = { "wrong size", "too short", "not proposed",
                                     "invalid proposal" };
  int what = GPOINTER_TO_INT(data);
  g_autoptr(OspProfile) p = osp_test_profile();
  g_autoptr(OspTestRig) r = NULL;

  p->dh_group = 14;
  r = osp_test_rig_new_edited(p, misfit_am2, &what);
  osp_test_rig_assert_fails(r, 60 * G_USEC_PER_SEC, OSP_ERROR_PROTOCOL, why[what]);
  g_assert_false(r->gw->p1_done);
}

/* A notify in the clear is the only answer: unauthenticated, it is the
 * evidence the timeout reports once message 1 has been retransmitted
 * enough, not at once.  T(type, code): a forged INVALID-ID-INFORMATION
 * after the gateway's answers were lost, and a refusal Osprey has no
 * better word for.
 *   I --- SA KE Ni IDii ---> R,   I x<--- SA KE Nr ... --- R
 *   I <--- N(type) --- attacker or gateway */
typedef struct {
  uint16_t type;
  int code;
  const char *name;
} ClearNotify;

static const ClearNotify clear_notifies[] = {
  { OSP_N_INVALID_ID_INFORMATION, OSP_ERROR_BAD_GROUP_SECRET, "INVALID-ID-INFORMATION" },
  { OSP_N_INVALID_EXCHANGE_TYPE, OSP_ERROR_GATEWAY_REJECTED, "INVALID-EXCHANGE-TYPE" },
};

static void test_lost_answers_clear_notify(gconstpointer data)
{
  const ClearNotify *c = data;
  g_autoptr(OspProfile) p = osp_test_profile();
  g_autoptr(OspTestRig) r = NULL;

  p->dh_group = 14;
  r = osp_test_rig_new(p, NULL);
  osp_test_rig_c2g(r);
  g_queue_clear_full(&r->gw->out, (GDestroyNotify)g_byte_array_unref);
  osp_test_gw_notify(r->gw, c->type, false);
  osp_test_rig_g2c(r);
  g_assert_false(r->closed);
  while (!r->closed) {
    osp_test_rig_advance(r, G_USEC_PER_SEC);
    g_queue_clear_full(&r->to_gw, (GDestroyNotify)g_byte_array_unref);
  }
  osp_test_rig_assert_closed(r, c->code, c->name);
}

/* Runs the handshake until the gateway's quick mode message 2 is the next
 * datagram for the client (not delivered). */
static void run_until_qm2(OspTestRig *r)
{
  unsigned guard = 0;

  for (;;) {
    const GByteArray *next;
    OspIsakmpHdr h;

    g_assert_cmpuint(++guard, <, 100);
    g_assert_false(r->closed);
    while (!g_queue_is_empty(&r->to_gw))
      osp_test_rig_c2g(r);
    next = g_queue_peek_head(&r->gw->out);
    g_assert_nonnull(next);
    g_assert_cmpint(osp_isakmp_hdr_parse(next->data, next->len, &h, NULL), ==, 0);
    if (h.exchange == OSP_EXCH_QUICK)
      return;
    osp_test_rig_g2c(r);
  }
}

/* A damaged copy of quick mode message 2 (its last cipher block changed)
 * comes before the real one: its bad HASH(2) must not move the IV on.
 *   I --- HASH(1) SA Ni IDci IDcr ---> R
 *   I <--- HASH(2)* ... --- (damaged)   dropped, IV unchanged
 *   I <--- HASH(2) SA Nr IDci IDcr --- R */
static void test_qm2_damaged_copy_first(void)
{
  static const OspTestGwStep step = OSP_TEST_GW_QM2;
  g_autoptr(OspTestRig) r = osp_test_rig_new_edited(NULL, decoy, (gpointer)&step);

  run_until_qm2(r);
  g_assert_cmpuint(g_queue_get_length(&r->gw->out), ==, 2);
  osp_test_rig_g2c(r);
  g_assert_cmpuint(r->n_child_up, ==, 0);
  g_assert_false(r->closed);
  osp_test_rig_g2c(r);
  g_assert_cmpuint(r->n_child_up, ==, 1);
  osp_test_rig_connect(r);
}

/* Encrypted datagrams of this IKE SA (its cookies) with message IDs no
 * exchange has, as many as there are IV slots and more: they fail their
 * checks and must not take the IV slot of an exchange in progress. */
static void flood_unknown_msgids(OspTestRig *r)
{
  static const uint8_t junk[32] = { 0, 0, 0, 20 }; /* a HASH payload of 16 zero bytes */
  uint32_t id;

  for (id = 1; id <= 40; id++) {
    g_autoptr(GByteArray) b =
        osp_test_gw_seal(r->gw, OSP_EXCH_INFO, id, OSP_PL_HASH, junk, sizeof(junk));

    osp_test_rig_to_client(r, b);
    b->data[18] = OSP_EXCH_QUICK; /* the same as a quick mode (header not authenticated) */
    osp_test_rig_to_client(r, b);
  }
  g_assert_false(r->closed);
}

/*   I --- HASH(1) SA Ni IDci IDcr ---> R
 *   I <--- HASH* ... (M-ID 1..40, informational and quick mode) --- junk
 *   I <--- HASH(2) SA Nr IDci IDcr --- R */
static void test_unknown_msgids_during_quick_mode(void)
{
  g_autoptr(OspTestRig) r = osp_test_rig_new(NULL, NULL);

  run_until_qm2(r);
  flood_unknown_msgids(r);
  osp_test_rig_g2c(r);
  g_assert_cmpuint(r->n_child_up, ==, 1);
  osp_test_rig_connect(r);
}

/* The same while the user types the password: the REPLY must still be
 * encrypted with the IV of the XAUTH exchange.
 *   I <--- HASH ATTR(REQUEST) --- R
 *   I <--- HASH ... (M-ID 1..40) --- garbage
 *   I --- HASH ATTR(REPLY) ---> R   decrypts at the gateway */
static void test_unknown_msgids_during_xauth(void)
{
  g_autoptr(OspProfile) p = osp_test_profile();
  g_autoptr(OspTestRig) r = NULL;
  const char *values[OSP_SECRET_N_KINDS] = { NULL };

  g_clear_pointer(&p->password, g_free);
  r = osp_test_rig_new(p, NULL);
  osp_test_rig_run(r);
  g_assert_cmpuint(r->n_secrets_needed, ==, 1);
  flood_unknown_msgids(r);
  values[OSP_SECRET_PASSWORD] = "pw";
  osp_session_provide_secrets(r->session, r->last_request.id, values, r->now);
  osp_test_rig_c2g(r);
  g_assert_cmpstr(r->gw->xauth_password, ==, "pw");
  osp_test_rig_connect(r);
}

/* The gateway answers quick mode with a reserved SPI (0 is never one,
 * 1-255 are reserved): authenticated, so the attempt fails, and no IPsec
 * SA is made with it.
 *   I <--- HASH(2) SA(SPI 1) Nr IDci IDcr --- R */
static void test_reserved_spi(gconstpointer data)
{
  const uint32_t *spi = data;
  g_autoptr(OspTestRig) r = osp_test_rig_new(NULL, NULL);

  r->gw->qm_spi = *spi;
  g_assert_false(osp_test_rig_settle(r, 60 * G_USEC_PER_SEC));
  g_assert_cmpuint(r->n_child_up, ==, 0);
  osp_test_rig_assert_closed(r, OSP_ERROR_PROTOCOL, "reserved SPI");
}

/* Once the tunnel is up a notify in the clear (anyone can send one) ends
 * nothing: the session asks the gateway at once whether it still knows
 * us, and it does.
 *   I <--- N(INVALID-SPI) --- ?          (clear)
 *   I --- HASH N(R-U-THERE) ---> R,  I <--- HASH N(R-U-THERE-ACK) --- R */
static void test_clear_notify_when_up(void)
{
  g_autoptr(OspProfile) p = osp_test_profile();
  g_autoptr(OspTestRig) r = NULL;
  unsigned n;

  p->dpd_idle = 300;
  r = osp_test_rig_connected(p);
  n = r->gw->notifies->len;
  osp_test_gw_notify(r->gw, OSP_N_INVALID_SPI, false);
  osp_test_gw_notify(r->gw, OSP_N_AUTHENTICATION_FAILED, false);
  osp_test_rig_run(r);
  osp_test_rig_advance(r, 1);
  osp_test_rig_run(r);
  g_assert_cmpuint(r->gw->notifies->len, ==, n + 1);
  g_assert_cmpuint(g_array_index(r->gw->notifies, uint16_t, n), ==, OSP_N_DPD_R_U_THERE);
  osp_test_rig_advance(r, 60 * G_USEC_PER_SEC);
  osp_test_rig_run(r);
  g_assert_false(r->closed);
  g_assert_cmpuint(r->n_child_down, ==, 0);
}

/* Junk dropped long ago is not what a later wait reports: a rekey that
 * gets no answer at all times out as unanswered.
 *   I <--- HASH* (junk, M-ID 1..40) --- ?        dropped
 *   ... an hour later: I --- HASH(1) SA Ni ---x R  (the gateway is gone) */
static void test_old_junk_not_reported(void)
{
  g_autoptr(OspProfile) p = osp_test_profile();
  g_autoptr(OspTestRig) r = NULL;
  unsigned guard = 0;

  p->dpd_idle = 0;
  r = osp_test_rig_connected(p);
  flood_unknown_msgids(r);
  while (!r->closed && guard++ < 4000) {
    osp_test_rig_advance(r, 5 * G_USEC_PER_SEC);
    g_queue_clear_full(&r->to_gw, (GDestroyNotify)g_byte_array_unref);
  }
  g_assert_error(r->error, OSP_ERROR, OSP_ERROR_GATEWAY_UNREACHABLE);
}

int main(int argc, char **argv)
{
  static const uint32_t spis[] = { 1, 255 };

  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/gateway/hostile/forged-am2-first", test_forged_am2_first);
  g_test_add_func("/gateway/hostile/forged-am2-keeps-sa", test_forged_am2_keeps_sa);
  g_test_add_func("/gateway/hostile/clear-notifies-first", test_clear_notifies_first);
  g_test_add_func("/gateway/hostile/wrong-secret-on-timeout", test_wrong_secret_on_timeout);
  g_test_add_func("/gateway/hostile/malformed-am2-reported", test_malformed_am2_reported);
  g_test_add_data_func("/gateway/hostile/lost-answers-forged-notify", &clear_notifies[0],
                       test_lost_answers_clear_notify);
  g_test_add_data_func("/gateway/hostile/am2-ke-short", GINT_TO_POINTER(0), test_am2_misfit);
  g_test_add_data_func("/gateway/hostile/am2-nonce-short", GINT_TO_POINTER(1), test_am2_misfit);
  g_test_add_data_func("/gateway/hostile/am2-not-offered", GINT_TO_POINTER(2), test_am2_misfit);
  g_test_add_data_func("/gateway/hostile/am2-two-transforms", GINT_TO_POINTER(3), test_am2_misfit);
  g_test_add_data_func("/gateway/hostile/clear-refusal-reported", &clear_notifies[1],
                       test_lost_answers_clear_notify);
  g_test_add_func("/gateway/hostile/qm2-damaged-copy-first", test_qm2_damaged_copy_first);
  g_test_add_func("/gateway/hostile/unknown-msgids-during-quick-mode",
                  test_unknown_msgids_during_quick_mode);
  g_test_add_func("/gateway/hostile/unknown-msgids-during-xauth", test_unknown_msgids_during_xauth);
  g_test_add_data_func("/gateway/hostile/reserved-spi-1", &spis[0], test_reserved_spi);
  g_test_add_data_func("/gateway/hostile/reserved-spi-255", &spis[1], test_reserved_spi);
  g_test_add_func("/gateway/hostile/old-junk-not-reported", test_old_junk_not_reported);
  g_test_add_func("/gateway/hostile/clear-notify-when-up", test_clear_notify_when_up);
  return g_test_run();
}
