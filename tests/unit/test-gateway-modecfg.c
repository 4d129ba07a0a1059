/* SPDX-License-Identifier: GPL-2.0-or-later
 * Mode Config against the scripted gateway: padded attribute payloads,
 * replies that cannot be used, repeated split-DNS attributes. */
#include "osp-test-gateway.h"

#include "osp-error.h"

#include <arpa/inet.h>
#include <string.h>

static void pad_cfg(OspTestGw *gw, OspTestGwMsg *m, gpointer user)
{
  const unsigned *pad = user;
  static const uint8_t zeros[3];
  OspTestGwPayload *attr;

  if (m->step != OSP_TEST_GW_CFG_REPLY && m->step != OSP_TEST_GW_CFG_SET)
    return;
  attr = osp_test_gw_msg_find(m, OSP_PL_ATTR);
  g_assert_nonnull(attr);
  g_byte_array_append(attr->body, zeros, *pad);
}

/* The gateway pads the attribute payload with 1-3 zero bytes:
 *   I --- HASH ATTR(REQUEST address ...) ---> R
 *   I <--- HASH ATTR(REPLY address ... 00 00 00) --- R
 * the reply is used as it is. */
static void test_zero_padding(gconstpointer data)
{
  const unsigned *pad = data;
  g_autoptr(OspTestRig) r = osp_test_rig_new_edited(NULL, pad_cfg, (gpointer)pad);

  osp_test_rig_connect(r);
  g_assert_nonnull(r->ipcfg);
  g_assert_cmpstr(r->ipcfg->default_domain, ==, "corp.example");
}

/* The same in a Mode Config SET (push). */
static void test_zero_padding_push(void)
{
  static const unsigned pad = 2;
  g_autoptr(OspProfile) p = osp_test_profile();
  g_autoptr(OspTestRig) r = NULL;

  p->vendor = OSP_VENDOR_NETSCREEN;
  r = osp_test_rig_new(p, NULL);
  r->gw->cfg_push = true;
  r->gw->edit = pad_cfg;
  r->gw->edit_user = (gpointer)&pad;
  osp_test_rig_connect(r);
  g_assert_nonnull(r->ipcfg);
}

static void overrun_cfg(OspTestGw *gw, OspTestGwMsg *m, gpointer user)
{
  OspTestGwPayload *attr;

  if (m->step != OSP_TEST_GW_CFG_REPLY)
    return;
  attr = osp_test_gw_msg_find(m, OSP_PL_ATTR);
  /* a last attribute whose value runs past the payload */
  osp_put_attr_var(attr->body, U_SPLIT_DNS, "x", 1);
  attr->body->data[attr->body->len - 2] = 0x40;
}

/* Every REPLY is unusable: the session gives up as the gateway answers
 * nothing usable, and says so (not "did not answer").
 *   I --- HASH ATTR(REQUEST) ---> R
 *   I <--- HASH ATTR(REPLY ... broken) --- R   dropped
 *   I --- HASH ATTR(REQUEST) ---> R ...        (retransmitted until timeout) */
static void test_rejected_reply_reported(void)
{
  g_autoptr(OspTestRig) r = osp_test_rig_new(NULL, NULL);

  r->gw->edit = overrun_cfg;
  g_assert_false(osp_test_rig_settle(r, 120 * G_USEC_PER_SEC));
  g_assert_true(r->closed);
  g_assert_true(r->gw->cfg_done); /* the gateway did answer */
  osp_test_rig_assert_closed(r, OSP_ERROR_PROTOCOL, "replies were rejected");
  g_assert_nonnull(strstr(r->error->message, "attribute value runs past the end"));
}

/* strongSwan sends one SPLIT_DNS attribute per domain: all of them count,
 * joined as vpnc joins them for the script. */
static void test_split_dns_repeated(void)
{
  g_autoptr(OspTestRig) r = osp_test_rig_new(NULL, NULL);
  g_auto(GStrv) env = NULL;

  /* I <--- HASH ATTR(REPLY ... SPLIT_DNS corp.example SPLIT_DNS lab.example) --- R */
  osp_put_attr_var(r->gw->cfg_attrs, U_SPLIT_DNS, "lab.example", 11);
  osp_test_rig_connect(r);
  g_assert_cmpstr(r->ipcfg->split_dns, ==, "corp.example lab.example");
  env = osp_script_env("connect", r->ipcfg, NULL);
  g_assert_cmpstr(g_environ_getenv(env, "CISCO_SPLIT_DNS"), ==, "corp.example lab.example");
}

/* One list with commas passes as it came. */
static void test_split_dns_list(void)
{
  g_autoptr(OspTestRig) r = osp_test_rig_new(NULL, NULL);
  GByteArray *a = r->gw->cfg_attrs;

  g_byte_array_set_size(a, 0);
  osp_put_attr_var(a, 1, "\xc6\x12\x01\x0a", 4); /* 198.18.1.10 */
  osp_put_attr_var(a, U_SPLIT_DNS, "corp.example,lab.example", 24);
  osp_test_rig_connect(r);
  g_assert_cmpstr(r->ipcfg->split_dns, ==, "corp.example,lab.example");
}

/* Oversized and repeated attributes: a 30000-byte banner, 100 DNS servers,
 * 2000 split networks, 50 default domains.  The session takes what it can
 * use, within its bounds, and connects.
 *   I <--- HASH ATTR(REPLY address BANNER(30000) DNS*100 SPLIT_INCLUDE(2000) ...) --- R */
static void test_oversized_attributes(void)
{
  g_autoptr(OspTestRig) r = osp_test_rig_new(NULL, NULL);
  g_autofree char *banner = g_strnfill(30000, 'b');
  g_autofree uint8_t *splits = g_malloc0(14 * 2000);
  GByteArray *a = r->gw->cfg_attrs;
  int i;

  g_byte_array_set_size(a, 0);
  osp_put_attr_var(a, 1, "\xc6\x12\x01\x0a", 4); /* 198.18.1.10 */
  osp_put_attr_var(a, 28672, banner, 30000);
  for (i = 0; i < 100; i++)
    osp_put_attr_var(a, 3, "\xc6\x33\x64\x35", 4); /* 198.51.100.53 */
  for (i = 0; i < 2000; i++) {
    splits[14 * i] = 198;
    splits[14 * i + 1] = 51;
    splits[14 * i + 2] = 100;
    memset(splits + 14 * i + 4, 0xff, 4);
  }
  osp_put_attr_var(a, 28676, splits, 14 * 2000); /* all in one payload of < 64 KiB */
  for (i = 0; i < 50; i++)
    osp_put_attr_var(a, 28674, "corp.example", 12);
  osp_test_rig_connect(r);
  g_assert_cmpuint(strlen(r->ipcfg->banner), <=, 8192);
  g_assert_cmpuint(r->ipcfg->dns->len, <=, 16);
  g_assert_cmpuint(r->ipcfg->split_inc->len, <=, 256);
  g_assert_cmpstr(r->ipcfg->default_domain, ==, "corp.example");
}

static void put_net(GByteArray *b, const char *addr, const char *mask)
{
  uint8_t e[14] = { 0 };

  g_assert_cmpint(inet_pton(AF_INET, addr, e), ==, 1);
  g_assert_cmpint(inet_pton(AF_INET, mask, e + 4), ==, 1);
  g_byte_array_append(b, e, sizeof(e));
}

static char *net_str(const GArray *list, guint i)
{
  const OspSplitNet *n = &g_array_index(list, OspSplitNet, i);
  char a[INET_ADDRSTRLEN];

  inet_ntop(AF_INET, &n->addr, a, sizeof(a));
  return g_strdup_printf("%s/%d", a, osp_netmask_len(n->mask));
}

/* UNITY_SPLIT_EXCLUDE (28678, vpnc's "local LAN") next to SPLIT_INCLUDE:
 *   I --- HASH ATTR(REQUEST ... SPLIT_INCLUDE SPLIT_EXCLUDE ...) ---> R
 *   I <--- HASH ATTR(REPLY ... SPLIT_INCLUDE(1) SPLIT_EXCLUDE(4) SPLIT_EXCLUDE(8 bytes)) --- R
 * the usable ones reach the configuration and the script: an exclude with a
 * non-contiguous mask is refused, 0.0.0.0/0 too (it would take all traffic
 * out of the tunnel), host bits are cleared. */
static void test_split_exclude(void)
{
  g_autoptr(OspTestRig) r = osp_test_rig_new(NULL, NULL);
  g_autoptr(GByteArray) exc = g_byte_array_new();
  g_auto(GStrv) env = NULL;
  g_autofree char *e0 = NULL, *e1 = NULL, *e2 = NULL;

  put_net(exc, "203.0.113.0", "255.255.255.0");
  put_net(exc, "192.0.2.0", "255.255.0.255"); /* not contiguous */
  put_net(exc, "0.0.0.0", "0.0.0.0");         /* everything */
  put_net(exc, "192.0.2.77", "255.255.255.128");
  osp_put_attr_var(r->gw->cfg_attrs, 28678, exc->data, exc->len);
  /* strongSwan's pools: 8 bytes, address and mask */
  osp_put_attr_var(r->gw->cfg_attrs, 28678, "\xc6\x12\x07\x00\xff\xff\xff\x00", 8);
  osp_test_rig_connect(r);
  g_assert_nonnull(r->ipcfg);
  g_assert_cmpuint(r->ipcfg->split_inc->len, ==, 1);
  g_assert_cmpuint(r->ipcfg->split_exc->len, ==, 3);
  e0 = net_str(r->ipcfg->split_exc, 0);
  e1 = net_str(r->ipcfg->split_exc, 1);
  g_assert_cmpstr(e0, ==, "203.0.113.0/24");
  g_assert_cmpstr(e1, ==, "192.0.2.0/25");
  e2 = net_str(r->ipcfg->split_exc, 2);
  g_assert_cmpstr(e2, ==, "198.18.7.0/24");
  env = osp_script_env("connect", r->ipcfg, NULL);
  g_assert_cmpstr(g_environ_getenv(env, "CISCO_SPLIT_INC"), ==, "1");
  g_assert_cmpstr(g_environ_getenv(env, "CISCO_SPLIT_EXC"), ==, "3");
  g_assert_cmpstr(g_environ_getenv(env, "CISCO_SPLIT_EXC_0_ADDR"), ==, "203.0.113.0");
  g_assert_cmpstr(g_environ_getenv(env, "CISCO_SPLIT_EXC_0_MASKLEN"), ==, "24");
  g_assert_cmpstr(g_environ_getenv(env, "CISCO_SPLIT_EXC_1_ADDR"), ==, "192.0.2.0");
  g_assert_cmpstr(g_environ_getenv(env, "CISCO_SPLIT_EXC_1_MASK"), ==, "255.255.255.128");
  g_assert_cmpstr(g_environ_getenv(env, "CISCO_SPLIT_EXC_2_ADDR"), ==, "198.18.7.0");
  g_assert_cmpstr(g_environ_getenv(env, "CISCO_SPLIT_EXC_2_PROTOCOL"), ==, "0");
  g_assert_null(g_environ_getenv(env, "CISCO_SPLIT_EXC_3_ADDR"));
}

int main(int argc, char **argv)
{
  static const unsigned pads[] = { 1, 2, 3 };

  g_test_init(&argc, &argv, NULL);
  g_test_add_data_func("/gateway/modecfg/zero-padding-1", &pads[0], test_zero_padding);
  g_test_add_data_func("/gateway/modecfg/zero-padding-2", &pads[1], test_zero_padding);
  g_test_add_data_func("/gateway/modecfg/zero-padding-3", &pads[2], test_zero_padding);
  g_test_add_func("/gateway/modecfg/zero-padding-push", test_zero_padding_push);
  g_test_add_func("/gateway/modecfg/rejected-reply-reported", test_rejected_reply_reported);
  g_test_add_func("/gateway/modecfg/split-dns-repeated", test_split_dns_repeated);
  g_test_add_func("/gateway/modecfg/split-dns-list", test_split_dns_list);
  g_test_add_func("/gateway/modecfg/oversized-attributes", test_oversized_attributes);
  g_test_add_func("/gateway/modecfg/split-exclude", test_split_exclude);
  return g_test_run();
}
