/* SPDX-License-Identifier: GPL-2.0-or-later
 * XAUTH against the scripted gateway: requests with odd attribute sets,
 * and a login the user cancels. */
#include "osp-test-gateway.h"

#include "osp-error.h"

#include <string.h>

/* Runs until the XAUTH REQUEST has been answered or secrets are asked for:
 *   I --- SA KE Ni IDii ---> R
 *   I <--- SA KE Nr IDir HASH_R --- R
 *   I --- HASH_I ---> R, I --- N(INITIAL-CONTACT) ---> R
 *   I <--- HASH ATTR(REQUEST ...) --- R */
static void to_xauth_request(OspTestRig *r)
{
  osp_test_rig_c2g(r);
  osp_test_rig_g2c(r);
  osp_test_rig_c2g(r);
  osp_test_rig_c2g(r);
  osp_test_rig_g2c(r);
}

static unsigned count_attrs(const GByteArray *attrs, uint16_t type)
{
  const uint8_t *p = attrs->data;
  size_t left = attrs->len;
  unsigned n = 0;
  OspAttr a;

  while (osp_attr_next(&p, &left, &a, NULL) > 0)
    n += a.type == type;
  return n;
}

/* A REQUEST with seven PASSCODE attributes (and a repeated user name and
 * message): one question for one passcode, one answer each. */
static void test_repeated_attributes(void)
{
  g_autoptr(OspTestRig) r = osp_test_rig_new(NULL, NULL);
  const char *values[OSP_SECRET_N_KINDS] = { NULL };
  GByteArray *x = r->gw->xauth_attrs;
  int i;

  osp_put_attr_var(x, X_USER_NAME, NULL, 0);
  for (i = 0; i < 7; i++)
    osp_put_attr_var(x, X_PASSCODE, NULL, 0);
  osp_put_attr_var(x, X_MESSAGE, "Enter your token code", 21);
  osp_put_attr_var(x, X_MESSAGE, "second message", 14);
  /* I <--- HASH ATTR(REQUEST TYPE USER_NAME USER_PASSWORD USER_NAME PASSCODE*7 MESSAGE*2) --- R */
  to_xauth_request(r);
  g_assert_cmpuint(r->n_secrets_needed, ==, 1);
  g_assert_cmpuint(r->last_request.n_kinds, ==, 1);
  g_assert_cmpint(r->last_request.kinds[0], ==, OSP_SECRET_PASSCODE);
  g_assert_cmpstr(r->last_request.message, ==, "Enter your token code");
  values[OSP_SECRET_PASSCODE] = "123456";
  osp_session_provide_secrets(r->session, r->last_request.id, values, r->now);
  /* I --- HASH ATTR(REPLY USER_NAME USER_PASSWORD PASSCODE) ---> R */
  osp_test_rig_c2g(r);
  g_assert_cmpuint(count_attrs(r->gw->xauth_reply, X_PASSCODE), ==, 1);
  g_assert_cmpuint(count_attrs(r->gw->xauth_reply, X_USER_NAME), ==, 1);
  g_assert_cmpuint(count_attrs(r->gw->xauth_reply, X_USER_PASSWORD), ==, 1);
  g_assert_cmpuint(count_attrs(r->gw->xauth_reply, X_TYPE), ==, 1);
  osp_test_rig_connect(r);
}

/* Every kind of secret asked for at once, each many times: the question
 * lists each kind once. */
static void test_every_kind_repeated(void)
{
  g_autoptr(OspProfile) p = osp_test_profile();
  g_autoptr(OspTestRig) r = NULL;
  GByteArray *x;
  uint16_t t;
  int i;

  g_clear_pointer(&p->username, g_free);
  g_clear_pointer(&p->password, g_free);
  r = osp_test_rig_new(p, NULL);
  x = r->gw->xauth_attrs;
  g_byte_array_set_size(x, 0);
  for (i = 0; i < 20; i++)
    for (t = X_USER_NAME; t <= X_ANSWER; t++)
      if (t != X_MESSAGE && t != X_STATUS)
        osp_put_attr_var(x, t, NULL, 0);
  to_xauth_request(r);
  g_assert_cmpuint(r->n_secrets_needed, ==, 1);
  /* user name, password, passcode, next PIN, answer */
  g_assert_cmpuint(r->last_request.n_kinds, ==, 5);
  osp_session_cancel_secrets(r->session, r->last_request.id, r->now);
  g_assert_true(r->closed);
}

/* The user cancels the password question after phase 1: the gateway
 * hears a Delete of the IKE SA at once. */
static void test_cancel_sends_delete(void)
{
  g_autoptr(OspProfile) p = osp_test_profile();
  g_autoptr(OspTestRig) r = NULL;

  g_clear_pointer(&p->password, g_free);
  r = osp_test_rig_new(p, NULL);
  to_xauth_request(r);
  g_assert_cmpuint(r->n_secrets_needed, ==, 1);
  g_assert_cmpint(r->last_request.kinds[0], ==, OSP_SECRET_PASSWORD);
  osp_session_cancel_secrets(r->session, r->last_request.id, r->now);
  osp_test_rig_assert_closed(r, OSP_ERROR_CANCELLED, NULL);
  /* I --- HASH D(ISAKMP CKY-I CKY-R) ---> R */
  osp_test_rig_run(r);
  g_assert_cmpuint(r->gw->ike_deletes, ==, 1);
  g_assert_cmpuint(r->gw->rejected, ==, 0);
}

/* Cancelling the group secret question (before phase 1) sends nothing. */
static void test_cancel_before_phase1(void)
{
  g_autoptr(OspProfile) p = osp_test_profile();
  g_autoptr(OspTestRig) r = NULL;

  g_clear_pointer(&p->group_secret, g_free);
  r = osp_test_rig_new(p, NULL);
  g_assert_cmpuint(r->n_secrets_needed, ==, 1);
  osp_session_cancel_secrets(r->session, r->last_request.id, r->now);
  g_assert_true(r->closed);
  g_assert_true(g_queue_is_empty(&r->to_gw));
}

static void pad_xauth(OspTestGw *gw, OspTestGwMsg *m, gpointer user)
{
  static const uint8_t zeros[3];

  if (m->step == OSP_TEST_GW_XAUTH_REQUEST || m->step == OSP_TEST_GW_XAUTH_STATUS)
    g_byte_array_append(osp_test_gw_msg_find(m, OSP_PL_ATTR)->body, zeros, 3);
}

/* XAUTH messages padded with zeros to a multiple of 4 are read as they are.
 *   I <--- HASH ATTR(REQUEST TYPE USER_NAME USER_PASSWORD 00 00 00) --- R
 *   I <--- HASH ATTR(SET STATUS=1 00 00 00) --- R */
static void test_zero_padding(void)
{
  g_autoptr(OspTestRig) r = osp_test_rig_new(NULL, NULL);

  r->gw->edit = pad_xauth;
  osp_test_rig_connect(r);
  g_assert_true(r->gw->xauth_done);
}

int main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/gateway/xauth/repeated-attributes", test_repeated_attributes);
  g_test_add_func("/gateway/xauth/every-kind-repeated", test_every_kind_repeated);
  g_test_add_func("/gateway/xauth/cancel-sends-delete", test_cancel_sends_delete);
  g_test_add_func("/gateway/xauth/zero-padding", test_zero_padding);
  g_test_add_func("/gateway/xauth/cancel-before-phase1", test_cancel_before_phase1);
  return g_test_run();
}
