/* SPDX-License-Identifier: GPL-2.0-or-later
 * Lifetimes the gateway chooses and the outbound sequence counter: a
 * gateway's 1 s (or 1 kB) must not become a rekey storm, a counter near
 * 2^32 must start a rekey rather than let packets drop. */
#include "osp-test-gateway.h"

#include "osp-esp-private.h"
#include "osp-session-private.h"

#include <errno.h>
#include <string.h>

/* RFC 2407 4.6.3.1: RESPONDER-LIFETIME, here in kilobytes, added to quick
 * mode message 2 */
static void add_life_kb(OspTestGw *gw, OspTestGwMsg *m, gpointer user)
{
  g_autoptr(GByteArray) life = g_byte_array_new();
  g_autoptr(GByteArray) nb = g_byte_array_new();
  const OspTestGwPayload *sa = osp_test_gw_msg_find(m, OSP_PL_SA);
  uint8_t spi[4] = { 0 };

  if (m->step != OSP_TEST_GW_QM2)
    return;
  g_assert_nonnull(sa);
  osp_put_attr_basic(life, 1 /* life type */, 2 /* kilobytes */);
  osp_put_attr_uint(life, 2 /* life duration */, GPOINTER_TO_UINT(user));
  osp_put_notify(nb, OSP_PROTO_IPSEC_ESP, OSP_N_RESPONDER_LIFETIME, spi, 4, life->data, life->len);
  osp_test_gw_msg_add(m, OSP_PL_NOTIFY, nb->data, nb->len);
}

/* RESPONDER-LIFETIME for the IKE SA (protocol ISAKMP, phase-1 classes
 * life type 11, duration 12) in aggressive mode message 2 */
static void add_p1_life(OspTestGw *gw, OspTestGwMsg *m, gpointer user)
{
  g_autoptr(GByteArray) life = g_byte_array_new();
  g_autoptr(GByteArray) nb = g_byte_array_new();
  uint8_t cookies[16];

  if (m->step != OSP_TEST_GW_AM2)
    return;
  memcpy(cookies, gw->icookie, 8);
  memcpy(cookies + 8, gw->rcookie, 8);
  osp_put_attr_basic(life, 11, 1 /* seconds */);
  osp_put_attr_uint(life, 12, GPOINTER_TO_UINT(user));
  osp_put_notify(nb, OSP_PROTO_ISAKMP, OSP_N_RESPONDER_LIFETIME, cookies, 16, life->data,
                 life->len);
  osp_test_gw_msg_add(m, OSP_PL_NOTIFY, nb->data, nb->len);
}

/* A rig whose gateway's messages pass through edit (with value as its
 * user data), connected. */
static OspTestRig *connect_edited(OspTestGwEdit edit, guint value)
{
  OspTestRig *r = osp_test_rig_new_edited(NULL, edit, GUINT_TO_POINTER(value));

  osp_test_rig_connect(r);
  return r;
}

/* I <-- SA(life 28800) KE Nr IDir HASH_R N(RESPONDER-LIFETIME 3600 s): the
 * shorter lifetime counts; one of 1 s is raised to the floor. */
static void test_ike_responder_lifetime(void)
{
  g_autoptr(OspTestRig) r = connect_edited(add_p1_life, 3600);
  g_autoptr(OspTestRig) r1 = connect_edited(add_p1_life, 1);

  g_assert_cmpuint(r->session->ike_lifetime, ==, 3600);
  g_assert_cmpuint(r1->session->ike_lifetime, ==, OSP_MIN_IKE_LIFETIME_S);
}

/* I <-- SA(life 1 s) ... in message 2: the IKE SA is re-authenticated after
 * 85-90% of 60 s, not every second. */
static void test_ike_floor(void)
{
  g_autoptr(OspTestRig) r = osp_test_rig_new(NULL, NULL);

  r->gw->p1_lifetime = 1;
  osp_test_rig_connect(r);
  g_assert_cmpuint(r->session->ike_lifetime, ==, OSP_MIN_IKE_LIFETIME_S);
  g_assert_cmpint(r->session->ike_soft_at - r->now, >=, 50 * G_USEC_PER_SEC);
}

/* A gateway's lifetime above the floor is taken as it is. */
static void test_ike_taken(void)
{
  g_autoptr(OspTestRig) r = osp_test_rig_new(NULL, NULL);

  r->gw->p1_lifetime = 7200;
  osp_test_rig_connect(r);
  g_assert_cmpuint(r->session->ike_lifetime, ==, 7200);
}

/* I <-- HASH(2) SA ... N(RESPONDER-LIFETIME 1 s): the IPsec SA lives 60 s,
 * and no new quick mode starts within 50 s. */
static void test_ipsec_floor(void)
{
  g_autoptr(OspTestRig) r = osp_test_rig_new(NULL, NULL);
  int i;

  r->gw->qm_life_s = 1;
  osp_test_rig_connect(r);
  g_assert_cmpuint(r->last_child.lifetime_s, ==, OSP_MIN_IPSEC_LIFETIME_S);
  for (i = 0; i < 50; i++) {
    osp_test_rig_advance(r, G_USEC_PER_SEC);
    osp_test_rig_run(r);
  }
  g_assert_cmpuint(r->n_child_up, ==, 1);
  g_assert_cmpuint(r->gw->children->len, ==, 1);
  g_assert_false(r->closed);
}

/* Our own shorter lifetime is not raised to the floor. */
static void test_ipsec_ours_shorter(void)
{
  g_autoptr(OspProfile) p = osp_test_profile();
  g_autoptr(OspTestRig) r = NULL;

  p->ipsec_lifetime = 20;
  r = osp_test_rig_new(p, NULL);
  r->gw->qm_life_s = 1;
  osp_test_rig_connect(r);
  g_assert_cmpuint(r->last_child.lifetime_s, ==, 20);
}

/* N(RESPONDER-LIFETIME 1 kB): raised to the volume floor; a large one kept. */
static void test_ipsec_kb_floor(void)
{
  g_autoptr(OspTestRig) r = connect_edited(add_life_kb, 1);
  g_autoptr(OspTestRig) r2 = connect_edited(add_life_kb, 4608000); /* Cisco's default */

  g_assert_cmpuint(r->last_child.lifetime_kb, ==, OSP_MIN_IPSEC_LIFETIME_KB);
  g_assert_cmpuint(r2->last_child.lifetime_kb, ==, 4608000);
}

/* The datapath's counter reaches OSP_ESP_SEQ_REKEY (mocked): the session
 * negotiates a new IPsec SA at once.
 *   I --- HASH(1) SA Ni IDci IDcr ---> R
 *   I <-- HASH(2) SA Nr IDci IDcr ---- R
 *   I --- HASH(3) ---------------------> R */
static void test_seq_exhausted_rekeys(void)
{
  g_autoptr(OspTestRig) r = osp_test_rig_new(NULL, NULL);
  g_autoptr(OspEspSa) out = NULL;
  uint8_t key[32] = { 1 }, auth[32] = { 2 };
  uint8_t buf[OSP_ESP_HEADROOM + 64 + OSP_ESP_TAILROOM] = { 0 }, *esp;
  size_t esp_len;

  osp_test_rig_connect(r);
  g_assert_cmpint(osp_esp_sa_new(r->last_child.spi_out, OSP_ESP_AES_CBC, 256, key, 32,
                                 OSP_ESP_AUTH_HMAC_SHA256, auth, 32, &out),
                  ==, 0);
  osp_esp_sa_set_last_seq_for_test(out, OSP_ESP_SEQ_REKEY - 2);
  buf[OSP_ESP_HEADROOM] = 0x45;
  g_assert_cmpint(osp_esp_encrypt(out, buf + OSP_ESP_HEADROOM, 20, 4, &esp, &esp_len), ==, 0);
  g_assert_false(osp_esp_sa_seq_exhausted(out));
  g_assert_cmpint(osp_esp_encrypt(out, buf + OSP_ESP_HEADROOM, 20, 4, &esp, &esp_len), ==, 0);
  g_assert_true(osp_esp_sa_seq_exhausted(out));
  /* what OspConnection does once per batch when the counter says so */
  osp_session_child_exhausted(r->session, r->last_child.spi_in, r->now);
  osp_test_rig_advance(r, 1000);
  osp_test_rig_run(r);
  g_assert_cmpuint(r->gw->children->len, ==, 2);
  g_assert_cmpuint(r->n_child_up, ==, 2);
  g_assert_false(r->closed);
  /* the last number is never sent twice nor wrapped */
  osp_esp_sa_set_last_seq_for_test(out, UINT32_MAX);
  g_assert_cmpint(osp_esp_encrypt(out, buf + OSP_ESP_HEADROOM, 20, 4, &esp, &esp_len), ==,
                  -EOVERFLOW);
}

int main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/gateway/lifetime/ike-floor", test_ike_floor);
  g_test_add_func("/gateway/lifetime/ike-taken", test_ike_taken);
  g_test_add_func("/gateway/lifetime/ike-responder-lifetime", test_ike_responder_lifetime);
  g_test_add_func("/gateway/lifetime/ipsec-floor", test_ipsec_floor);
  g_test_add_func("/gateway/lifetime/ipsec-ours-shorter", test_ipsec_ours_shorter);
  g_test_add_func("/gateway/lifetime/ipsec-kb-floor", test_ipsec_kb_floor);
  g_test_add_func("/gateway/lifetime/seq-exhausted-rekeys", test_seq_exhausted_rekeys);
  return g_test_run();
}
