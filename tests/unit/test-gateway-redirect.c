/* SPDX-License-Identifier: GPL-2.0-or-later
 * Cisco VPN load balancing: a cluster's director completes phase 1, then,
 * instead of asking for XAUTH, names the member that will serve the
 * client in a LOAD-BALANCE notify (40501, data: its IPv4 address).  The
 * session reports the address once, deletes the IKE SA and closes; the
 * connection starts over there.  Only an authenticated notify before the
 * tunnel is up counts, and only to a unicast address other than this
 * gateway's.  (I: the session, R: the scripted gateway.) */
#include "osp-test-gateway.h"

#include "osp-error.h"

#include <arpa/inet.h>
#include <string.h>

#define S ((gint64)G_USEC_PER_SEC)

/* the director does not ask for XAUTH */
static void no_xauth(OspTestGw *gw, OspTestGwMsg *m, gpointer user)
{
  if (m->step == OSP_TEST_GW_XAUTH_REQUEST)
    m->drop = true;
}

static void load_balance(OspTestGw *gw, const void *data, size_t len, bool encrypted)
{
  g_autoptr(GByteArray) b = g_byte_array_new();
  uint8_t cookies[16];

  memcpy(cookies, gw->icookie, 8);
  memcpy(cookies + 8, gw->rcookie, 8);
  osp_put_notify(b, OSP_PROTO_ISAKMP, OSP_N_CISCO_LOAD_BALANCE, cookies, 16, data, len);
  osp_test_gw_info(gw, OSP_PL_NOTIFY, b->data, b->len, encrypted);
}

/*   I --- SA KE Ni IDii ---> R
 *   I <--- SA KE Nr IDir HASH_R --- R
 *   I --- HASH_I ---> R, I --- N(INITIAL-CONTACT) ---> R   (no XAUTH REQUEST) */
static OspTestRig *at_director(void)
{
  OspTestRig *r = osp_test_rig_new_edited(NULL, no_xauth, NULL);

  osp_test_rig_run(r);
  g_assert_true(r->gw->p1_done);
  g_assert_false(r->closed);
  return r;
}

static struct in_addr addr(const char *text)
{
  struct in_addr a;

  g_assert_cmpint(inet_pton(AF_INET, text, &a), ==, 1);
  return a;
}

/*   I <--- HASH N(LOAD-BALANCE 198.51.100.7) --- R   redirected(198.51.100.7)
 *   I --- HASH D(ISAKMP cookies) ---> R              closed: load balancing */
static void test_followed(void)
{
  g_autoptr(OspTestRig) r = at_director();
  struct in_addr to = addr("198.51.100.7");

  load_balance(r->gw, &to, 4, true);
  osp_test_rig_run(r);
  g_assert_cmpuint(r->n_redirected, ==, 1);
  g_assert_cmpuint(r->redirected_to.s_addr, ==, to.s_addr);
  osp_test_rig_assert_closed(r, OSP_ERROR_GATEWAY_REJECTED, "198.51.100.7 (load balancing)");
  g_assert_cmpuint(r->gw->ike_deletes, ==, 1);
  g_assert_cmpint(osp_session_next_deadline(r->session), ==, G_MAXINT64);
}

/* Addresses no gateway has: refused with the reason, nothing followed.
 *   I <--- HASH N(LOAD-BALANCE addr) --- R   closed: cannot be a gateway */
static void test_bad_address(gconstpointer data)
{
  g_autoptr(OspTestRig) r = at_director();
  struct in_addr to = addr(data);

  load_balance(r->gw, &to, 4, true);
  osp_test_rig_run(r);
  g_assert_cmpuint(r->n_redirected, ==, 0);
  osp_test_rig_assert_closed(r, OSP_ERROR_PROTOCOL, "cannot be a gateway");
}

/* Data of another length is no address: ignored, the session waits on.
 *   I <--- HASH N(LOAD-BALANCE 3 bytes) --- R   (nothing) */
static void test_short(void)
{
  g_autoptr(OspTestRig) r = at_director();
  static const uint8_t three[3] = { 198, 51, 100 };

  load_balance(r->gw, three, sizeof(three), true);
  osp_test_rig_run(r);
  g_assert_cmpuint(r->n_redirected, ==, 0);
  g_assert_false(r->closed);
}

/* A notify in the clear could come from anyone on the path: dropped, and
 * the connection goes on to come up.
 *   I --- SA KE Ni IDii ---> R
 *   I <--- N(LOAD-BALANCE 203.0.113.66) --- attacker, in the clear
 *   I <--- SA KE Nr IDir HASH_R --- R ... connected */
static void test_in_the_clear(void)
{
  g_autoptr(OspTestRig) r = osp_test_rig_new(NULL, NULL);
  struct in_addr to = addr("203.0.113.66");

  osp_test_rig_c2g(r);
  load_balance(r->gw, &to, 4, false);
  osp_test_rig_connect(r);
  g_assert_cmpuint(r->n_redirected, ==, 0);
}

/* Once the tunnel is up there is nothing to redirect.
 *   ... connected
 *   I <--- HASH N(LOAD-BALANCE 198.51.100.7) --- R   ignored */
static void test_after_up(void)
{
  g_autoptr(OspTestRig) r = osp_test_rig_connected(NULL);
  struct in_addr to = addr("198.51.100.7");

  load_balance(r->gw, &to, 4, true);
  osp_test_rig_run(r);
  osp_test_rig_advance(r, 5 * S);
  g_assert_cmpuint(r->n_redirected, ==, 0);
  g_assert_false(r->closed);
}

int main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/redirect/followed", test_followed);
  g_test_add_data_func("/redirect/bad-address/zero", "0.0.0.0", test_bad_address);
  g_test_add_data_func("/redirect/bad-address/broadcast", "255.255.255.255", test_bad_address);
  g_test_add_data_func("/redirect/bad-address/multicast", "224.0.0.1", test_bad_address);
  g_test_add_data_func("/redirect/bad-address/loopback", "127.0.0.1", test_bad_address);
  g_test_add_data_func("/redirect/bad-address/itself", "192.0.2.1", test_bad_address);
  g_test_add_func("/redirect/short-data", test_short);
  g_test_add_func("/redirect/in-the-clear", test_in_the_clear);
  g_test_add_func("/redirect/after-up", test_after_up);
  return g_test_run();
}
