/* SPDX-License-Identifier: GPL-2.0-or-later
 * The gateway ends an established session, as charon does when another
 * login with the same XAUTH user replaces it (uniqueness policy, INITIAL-
 * CONTACT): a Delete of each IPsec SA, then one of the IKE SA, each in an
 * informational exchange of its own.  The session must close with the
 * reason, not negotiate in an IKE SA being deleted, and leave no timer
 * behind.  Charon does not answer anything in that IKE SA any more: what
 * the session sends meanwhile is dropped here.
 * (I: the session, R: the scripted gateway.) */
#include "osp-test-gateway.h"

#include "osp-error.h"

#include <string.h>

#define S ((gint64)G_USEC_PER_SEC)

/* Hands the gateway's queued datagrams to the session; what the session
 * sends goes nowhere (the gateway is deleting the IKE SA): returns how
 * many datagrams that was. */
static unsigned deliver_and_drop(OspTestRig *r)
{
  unsigned dropped = 0;

  while (!g_queue_is_empty(&r->gw->out) || !g_queue_is_empty(&r->to_gw)) {
    if (!g_queue_is_empty(&r->to_gw)) {
      g_byte_array_unref(osp_test_rig_take_c2g(r));
      dropped++;
    } else {
      osp_test_rig_g2c(r);
    }
  }
  return dropped;
}

static void assert_ended_by_gateway(OspTestRig *r)
{
  g_assert_true(r->closed);
  g_assert_error(r->error, OSP_ERROR, OSP_ERROR_DISCONNECTED);
  if (!strstr(r->error->message, "ended this session"))
    g_error("unexpected reason: %s", r->error->message);
  g_assert_cmpuint(r->n_child_down, ==, 1);
  g_assert_cmpint(osp_session_next_deadline(r->session), ==, G_MAXINT64);
}

/* Charon's order:
 *   I <--- HASH D(ESP spi) --- R        child_sa_down
 *   I <--- HASH D(ISAKMP cookies) --- R closed: the gateway ended this session
 * no re-authentication beside the deleted IKE SA, nothing retransmitted */
static void test_charon_order(void)
{
  g_autoptr(OspTestRig) r = osp_test_rig_new(NULL, NULL);

  osp_test_rig_connect(r);
  osp_test_gw_delete_esp(r->gw, r->last_child.spi_out);
  osp_test_gw_delete_ike(r->gw);
  deliver_and_drop(r);
  assert_ended_by_gateway(r);
  g_assert_cmpuint(r->n_ike_expiring, ==, 0);
}

/* The Delete of the IKE SA overtakes those of the IPsec SAs (another
 * path, a reordering network):
 *   I <--- HASH D(ISAKMP cookies) --- R  ike_expiring (IPsec SA lives on)
 *   I <--- HASH D(ESP spi) --- R         in the deleted IKE SA: still ours,
 *                                        closed: the gateway ended this session */
static void test_ike_delete_first(void)
{
  g_autoptr(OspTestRig) r = osp_test_rig_new(NULL, NULL);
  uint32_t spi = 0;

  osp_test_rig_connect(r);
  spi = r->last_child.spi_out;
  osp_test_gw_delete_ike(r->gw);
  deliver_and_drop(r);
  g_assert_false(r->closed);
  g_assert_cmpuint(r->n_ike_expiring, ==, 1);
  osp_test_gw_delete_esp(r->gw, spi);
  deliver_and_drop(r);
  assert_ended_by_gateway(r);
}

/* Several IPsec SAs (one rekeyed, the old one not yet gone) are deleted
 * one by one: the session ends with the last, not the first.
 *   I <--- HASH D(ESP new) --- R   the older SA still carries: no new one
 *   I <--- HASH D(ESP old) --- R   none left: HASH(1) SA ... (unanswered)
 *   I <--- HASH D(ISAKMP) --- R    closed */
static void test_two_children(void)
{
  g_autoptr(OspTestRig) r = osp_test_rig_new(NULL, NULL);
  uint32_t first, second;

  osp_test_rig_connect(r);
  first = r->last_child.spi_out;
  osp_test_gw_rekey(r->gw);
  osp_test_rig_run(r);
  g_assert_cmpuint(r->n_child_up, ==, 2);
  second = r->last_child.spi_out;
  g_assert_cmpuint(first, !=, second);
  osp_test_gw_delete_esp(r->gw, second);
  osp_test_gw_delete_esp(r->gw, first);
  osp_test_gw_delete_ike(r->gw);
  /* at most the quick mode for a new IPsec SA, once none is left */
  g_assert_cmpuint(deliver_and_drop(r), <=, 1);
  g_assert_true(r->closed);
  g_assert_error(r->error, OSP_ERROR, OSP_ERROR_DISCONNECTED);
  g_assert_cmpuint(r->n_child_down, ==, 2);
}

/* The IKE SA deleted, the re-authentication beside it gets nowhere, and
 * the IPsec SA carries nothing back any more: without an IKE SA there is
 * no one to ask, so traffic that gets no answer ends the session.
 *   I <--- HASH D(ISAKMP cookies) --- R   ike_expiring
 *   ESP out, nothing in for a while        closed */
static void test_ike_deleted_then_silence(void)
{
  g_autoptr(OspTestRig) r = osp_test_rig_new(NULL, NULL);
  gint64 sent;

  osp_test_rig_connect(r);
  osp_test_gw_delete_ike(r->gw);
  deliver_and_drop(r);
  g_assert_false(r->closed);
  /* quiet for a minute: an idle tunnel is left alone */
  osp_test_rig_advance(r, 60 * S);
  g_assert_false(r->closed);
  sent = r->now;
  osp_session_traffic_sent(r->session, r->now);
  for (int i = 0; i < 200 && !r->closed; i++)
    osp_test_rig_advance(r, S / 10);
  g_assert_true(r->closed);
  g_assert_error(r->error, OSP_ERROR, OSP_ERROR_DISCONNECTED);
  g_assert_cmpint(r->now - sent, <=, 10 * S);
  g_assert_true(g_queue_is_empty(&r->to_gw)); /* nothing sent in the deleted IKE SA */
}

int main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/replaced/charon-order", test_charon_order);
  g_test_add_func("/replaced/ike-delete-first", test_ike_delete_first);
  g_test_add_func("/replaced/two-children", test_two_children);
  g_test_add_func("/replaced/ike-deleted-then-silence", test_ike_deleted_then_silence);
  return g_test_run();
}
