/* SPDX-License-Identifier: GPL-2.0-or-later
 * NAT Traversal Mode cisco-udp: Cisco's own ESP in UDP.  No NAT-T is
 * offered or followed (IKE stays on port 500), Mode Config asks for the
 * gateway's UDP port (Unity NATT_PORT), and the IPsec SA is negotiated in
 * plain tunnel mode but carried in UDP to that port.  A gateway that
 * names no port, or a port no gateway can use, gets plain ESP.
 * (I: the session, R: the scripted gateway.) */
#define _GNU_SOURCE /* memmem */
#include "osp-test-gateway.h"

#include "osp-error.h"

#include <string.h>

static const uint8_t vid_natt_rfc[] = { 0x4a, 0x13, 0x1c, 0x81, 0x07, 0x03, 0x58, 0x45,
                                        0x5c, 0x57, 0x28, 0xf2, 0x0e, 0x95, 0x45, 0x2f };

static OspProfile *cisco_udp_profile(void)
{
  OspProfile *p = osp_test_profile();

  p->natt_mode = OSP_NATT_CISCO_UDP;
  return p;
}

/* whether the attribute list holds an attribute of this type */
static bool has_attr(const GByteArray *attrs, uint16_t type)
{
  const uint8_t *p = attrs->data;
  size_t left = attrs->len;
  OspAttr a;

  while (osp_attr_next(&p, &left, &a, NULL) > 0)
    if (a.type == type)
      return true;
  return false;
}

/*   I --- SA KE Ni IDii VIDs (no NAT-T) ---> R
 *   I <--- SA KE Nr IDir HASH_R VID(NAT-T) NAT-D (a NAT seen) --- R
 *   I --- HASH_I ---> R                    still port 500: no float
 *   ... XAUTH ...
 *   I --- HASH ATTR(REQUEST ... NATT_PORT) ---> R
 *   I <--- HASH ATTR(REPLY ... NATT_PORT 10000) --- R
 *   I --- HASH(1) SA(encap tunnel) Ni IDci IDcr ---> R ... up:
 *   the SA is UDP-encapsulated to port 10000 */
static void test_port_given(void)
{
  g_autoptr(OspProfile) p = cisco_udp_profile();
  g_autoptr(OspTestRig) r = osp_test_rig_new(p, NULL);
  const GByteArray *am1;

  r->gw->natt = 2;
  r->gw->nat = true;
  osp_put_attr_basic(r->gw->cfg_attrs, U_NATT_PORT, 10000);
  am1 = osp_test_rig_c2g(r);
  g_assert_null(memmem(am1->data, am1->len, vid_natt_rfc, sizeof(vid_natt_rfc)));
  osp_test_rig_connect(r);
  g_assert_cmpuint(r->n_natt_sent, ==, 0);
  g_assert_true(has_attr(r->gw->cfg_request, U_NATT_PORT));
  g_assert_cmpuint(r->gw->qm_offers->len, >, 0);
  for (guint i = 0; i < r->gw->qm_offers->len; i++)
    g_assert_cmpint(g_array_index(r->gw->qm_offers, OspTestGwQmOffer, i).encap, ==, 1);
  g_assert_true(r->last_child.udp_encap);
  g_assert_cmpuint(r->last_child.udp_port, ==, 10000);
}

/* No NATT_PORT, or 0 / 500 (IKE's own): the SA carries plain ESP.
 *   I <--- HASH ATTR(REPLY ... [NATT_PORT v]) --- R ... up, not in UDP */
static void test_no_usable_port(gconstpointer data)
{
  const int port = GPOINTER_TO_INT(data);
  g_autoptr(OspProfile) p = cisco_udp_profile();
  g_autoptr(OspTestRig) r = osp_test_rig_new(p, NULL);

  if (port >= 0)
    osp_put_attr_basic(r->gw->cfg_attrs, U_NATT_PORT, (uint16_t)port);
  osp_test_rig_connect(r);
  g_assert_false(r->last_child.udp_encap);
  g_assert_cmpuint(r->last_child.udp_port, ==, 0);
}

/* NAT-T mode does not ask for the Cisco port, and a port the gateway
 * sends anyway changes nothing.
 *   I --- HASH ATTR(REQUEST, no NATT_PORT) ---> R ... up, plain ESP */
static void test_natt_mode_ignores(void)
{
  g_autoptr(OspTestRig) r = osp_test_rig_new(NULL, NULL);

  osp_put_attr_basic(r->gw->cfg_attrs, U_NATT_PORT, 10000);
  osp_test_rig_connect(r);
  g_assert_false(has_attr(r->gw->cfg_request, U_NATT_PORT));
  g_assert_false(r->last_child.udp_encap);
}

int main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/cisco-udp/port-given", test_port_given);
  g_test_add_data_func("/cisco-udp/no-port", GINT_TO_POINTER(-1), test_no_usable_port);
  g_test_add_data_func("/cisco-udp/port-0", GINT_TO_POINTER(0), test_no_usable_port);
  g_test_add_data_func("/cisco-udp/port-500", GINT_TO_POINTER(500), test_no_usable_port);
  g_test_add_func("/cisco-udp/natt-mode-ignores", test_natt_mode_ignores);
  return g_test_run();
}
