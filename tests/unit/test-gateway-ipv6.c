/* SPDX-License-Identifier: GPL-2.0-or-later
 * IPv6 inside the tunnel against the scripted gateway: Mode Config's
 * INTERNAL_IP6_* attributes, the second quick mode that carries them (an
 * IKEv1 IPsec SA has one pair of selectors), its rekey and deletion, and
 * what happens when the gateway refuses it, ignores it or sends IPv6
 * values no host can use. */
#include "osp-test-gateway.h"

#include "osp-error.h"

#include <arpa/inet.h>
#include <string.h>

#define S G_USEC_PER_SEC

/* The IDci / IDcr bodies (type, protocol, port, data) of each quick mode
 * the client started, as the gateway echoes them in message 2. */
typedef struct {
  GPtrArray *idci, *idcr; /* GByteArray * */
  unsigned drop_v6;       /* message 2s of IPv6 quick modes not sent */
} Seen;

static bool is_v6(const GByteArray *id)
{
  return id->len > 0 && id->data[0] == OSP_ID_IPV6_ADDR;
}

static void watch_qm(OspTestGw *gw, OspTestGwMsg *m, gpointer user)
{
  Seen *seen = user;
  GByteArray *ids[2] = { NULL, NULL };
  unsigned n = 0;

  if (m->step != OSP_TEST_GW_QM2)
    return;
  for (guint i = 0; i < m->payloads->len && n < 2; i++) {
    OspTestGwPayload *p = g_ptr_array_index(m->payloads, i);

    if (p->type == OSP_PL_ID)
      ids[n++] = p->body;
  }
  g_assert_cmpuint(n, ==, 2);
  g_ptr_array_add(seen->idci, g_byte_array_ref(ids[0]));
  g_ptr_array_add(seen->idcr, g_byte_array_ref(ids[1]));
  if (seen->drop_v6 && is_v6(ids[0])) {
    seen->drop_v6--;
    m->drop = true;
  }
}

static void seen_clear(Seen *seen)
{
  g_ptr_array_unref(seen->idci);
  g_ptr_array_unref(seen->idcr);
}

static void put_ip6(GByteArray *b, uint16_t type, const char *addr, int prefix)
{
  uint8_t v[17];

  g_assert_cmpint(inet_pton(AF_INET6, addr, v), ==, 1);
  v[16] = (uint8_t)prefix;
  osp_put_attr_var(b, type, v, prefix < 0 ? 16 : 17);
}

/* A rig whose gateway grants 2001:db8:1::10/64 (as strongSwan does: the
 * address and its prefix length), an IPv6 DNS server and network. */
static OspTestRig *rig_v6(OspIpv6Mode mode, Seen *seen)
{
  g_autoptr(OspProfile) p = osp_test_profile();
  OspTestRig *r;

  p->ipv6_inside = mode;
  r = osp_test_rig_new(p, NULL);
  put_ip6(r->gw->cfg_attrs, C_IP6_ADDRESS, "2001:db8:1::10", 64);
  put_ip6(r->gw->cfg_attrs, C_IP6_DNS, "2001:db8:2::53", -1);
  put_ip6(r->gw->cfg_attrs, C_IP6_SUBNET, "2001:db8:2::77", 64);
  seen->idci = g_ptr_array_new_with_free_func((GDestroyNotify)g_byte_array_unref);
  seen->idcr = g_ptr_array_new_with_free_func((GDestroyNotify)g_byte_array_unref);
  r->gw->edit = watch_qm;
  r->gw->edit_user = seen;
  return r;
}

static void assert_ids_v6(const Seen *seen, guint i, const char *addr)
{
  const GByteArray *ci = g_ptr_array_index(seen->idci, i), *cr = g_ptr_array_index(seen->idcr, i);
  static const uint8_t any[32];
  uint8_t want[16];

  g_assert_cmpint(inet_pton(AF_INET6, addr, want), ==, 1);
  /* IDci: ID_IPV6_ADDR, protocol and port 0, our address (RFC 2407 4.6.2) */
  g_assert_cmpuint(ci->len, ==, 4 + 16);
  g_assert_cmpuint(ci->data[0], ==, OSP_ID_IPV6_ADDR);
  g_assert_cmpmem(ci->data + 4, 16, want, 16);
  /* IDcr: ID_IPV6_ADDR_SUBNET ::/0, the gateway narrows */
  g_assert_cmpuint(cr->len, ==, 4 + 32);
  g_assert_cmpuint(cr->data[0], ==, OSP_ID_IPV6_ADDR_SUBNET);
  g_assert_cmpmem(cr->data + 4, 32, any, 32);
}

static void assert_ids_v4(const Seen *seen, guint i)
{
  const GByteArray *ci = g_ptr_array_index(seen->idci, i);

  g_assert_cmpuint(ci->data[0], ==, OSP_ID_IPV4_ADDR);
}

/*   I --- HASH ATTR(REQUEST ... IP6_ADDRESS IP6_DNS IP6_SUBNET) ---> R
 *   I <--- HASH ATTR(REPLY ... 2001:db8:1::10/64 ...) --- R
 *   I --- HASH(1) SA Ni ID(198.18.1.10) ID(0.0.0.0/0) ---> R     IPv4
 *   I <--- HASH(2) ... --- R,  HASH(3) --->
 *   I --- HASH(1) SA Ni ID(2001:db8:1::10) ID(::/0) ---> R       IPv6
 *   I <--- HASH(2) ... --- R,  HASH(3) --->   established */
static void test_second_quick_mode(void)
{
  Seen seen = { 0 };
  g_autoptr(OspTestRig) r = rig_v6(OSP_IPV6_AUTO, &seen);
  char buf[INET6_ADDRSTRLEN];

  g_assert_true(osp_test_rig_settle(r, 10 * S));
  osp_test_rig_run(r);
  g_assert_false(r->closed);
  g_assert_cmpuint(r->n_child_up, ==, 2);
  g_assert_cmpuint(r->gw->children->len, ==, 2);
  g_assert_true(r->last_child.ipv6);
  g_assert_cmpuint(r->n_established, ==, 1);
  assert_ids_v4(&seen, 0);
  assert_ids_v6(&seen, 1, "2001:db8:1::10");

  g_assert_true(osp_ip_config_has_ip6(r->ipcfg));
  g_assert_cmpstr(inet_ntop(AF_INET6, &r->ipcfg->address6, buf, sizeof(buf)), ==, "2001:db8:1::10");
  g_assert_cmpuint(r->ipcfg->prefix6, ==, 64);
  g_assert_cmpuint(r->ipcfg->dns6->len, ==, 1);
  g_assert_cmpuint(r->ipcfg->split_inc6->len, ==, 1);
  /* the network's host bits are cleared */
  g_assert_cmpstr(
      inet_ntop(AF_INET6, &g_array_index(r->ipcfg->split_inc6, OspNet6, 0).addr, buf, sizeof(buf)),
      ==, "2001:db8:2::");
  g_assert_null(r->last_notice);
  seen_clear(&seen);
}

/* strongSwan's pools put an IPv6 split_exclude into a Unity LOCAL_LAN
 * attribute of 17 bytes, address and prefix length:
 *   I <--- HASH ATTR(REPLY ... IP6_ADDRESS ... LOCAL_LAN(17) LOCAL_LAN(8)) --- R
 * it is an IPv6 network kept outside the tunnel (CISCO_IPV6_SPLIT_EXC),
 * not two made-up IPv4 networks: read as 14-byte entries, the first 8
 * bytes of 2001:db8:ffff:ff00::/56 are 32.1.13.184/255.255.255.0. */
static void test_split_exclude_v6(void)
{
  Seen seen = { 0 };
  g_autoptr(OspTestRig) r = rig_v6(OSP_IPV6_AUTO, &seen);
  g_auto(GStrv) env = NULL;
  char buf[INET6_ADDRSTRLEN];

  put_ip6(r->gw->cfg_attrs, U_SPLIT_EXCLUDE, "2001:db8:ffff:ff00::", 56);
  osp_put_attr_var(r->gw->cfg_attrs, U_SPLIT_EXCLUDE, "\xcb\x00\x71\x00\xff\xff\xff\x00", 8);
  g_assert_true(osp_test_rig_settle(r, 10 * S));
  osp_test_rig_run(r);
  g_assert_false(r->closed);
  g_assert_true(osp_ip_config_has_ip6(r->ipcfg));
  g_assert_cmpuint(r->ipcfg->split_exc->len, ==, 1); /* 203.0.113.0/24 alone */
  g_assert_cmpuint(r->ipcfg->split_exc6->len, ==, 1);
  g_assert_cmpuint(g_array_index(r->ipcfg->split_exc6, OspNet6, 0).prefix, ==, 56);
  g_assert_cmpstr(
      inet_ntop(AF_INET6, &g_array_index(r->ipcfg->split_exc6, OspNet6, 0).addr, buf, sizeof(buf)),
      ==, "2001:db8:ffff:ff00::");
  env = osp_script_env("connect", r->ipcfg, NULL);
  g_assert_cmpstr(g_environ_getenv(env, "CISCO_SPLIT_EXC"), ==, "1");
  g_assert_cmpstr(g_environ_getenv(env, "CISCO_SPLIT_EXC_0_ADDR"), ==, "203.0.113.0");
  g_assert_cmpstr(g_environ_getenv(env, "CISCO_IPV6_SPLIT_EXC"), ==, "1");
  g_assert_cmpstr(g_environ_getenv(env, "CISCO_IPV6_SPLIT_EXC_0_ADDR"), ==, "2001:db8:ffff:ff00::");
  g_assert_cmpstr(g_environ_getenv(env, "CISCO_IPV6_SPLIT_EXC_0_MASKLEN"), ==, "56");
  seen_clear(&seen);
}

/* Both pairs rekey when their time comes, each with its own selectors:
 * the second waits for the first quick mode to finish. */
static void test_rekey_both(void)
{
  Seen seen = { 0 };
  g_autoptr(OspTestRig) r = rig_v6(OSP_IPV6_AUTO, &seen);
  unsigned v6 = 0;

  r->gw->qm_life_s = 60;
  g_assert_true(osp_test_rig_settle(r, 10 * S));
  osp_test_rig_run(r);
  g_assert_cmpuint(r->gw->children->len, ==, 2);
  osp_test_rig_advance(r, 56 * S);
  osp_test_rig_run(r);
  g_assert_false(r->closed);
  g_assert_cmpuint(r->gw->children->len, ==, 4);
  for (guint i = 2; i < 4; i++)
    v6 += is_v6(g_ptr_array_index(seen.idci, i));
  g_assert_cmpuint(v6, ==, 1);
  assert_ids_v6(&seen, is_v6(g_ptr_array_index(seen.idci, 2)) ? 2 : 3, "2001:db8:1::10");
  seen_clear(&seen);
}

/* The gateway rekeys the IPv6 pair (its quick mode, the IPv6 IDs of our
 * last one swapped): the new pair is IPv6 and replaces only the old IPv6
 * one, which goes 3 s after the new one carried traffic; the IPv4 pair
 * stays. */
static void test_gateway_rekeys_v6(void)
{
  Seen seen = { 0 };
  g_autoptr(OspTestRig) r = rig_v6(OSP_IPV6_AUTO, &seen);

  g_assert_true(osp_test_rig_settle(r, 10 * S));
  osp_test_rig_run(r);
  g_assert_cmpuint(r->n_child_up, ==, 2);
  osp_test_gw_rekey(r->gw);
  osp_test_rig_run(r);
  g_assert_cmpuint(r->n_child_up, ==, 3);
  g_assert_true(r->last_child.ipv6);
  /* the new IPv6 pair carries traffic; the IPv4 one does not count */
  osp_session_child_carried(r->session, r->last_child.spi_in, r->now);
  osp_test_rig_advance(r, 4 * S);
  osp_test_rig_run(r);
  g_assert_false(r->closed);
  g_assert_cmpuint(r->n_child_down, ==, 1);
  g_assert_cmpuint(r->gw->esp_deletes->len, ==, 1);
  g_assert_cmpuint(g_array_index(r->gw->esp_deletes, uint32_t, 0), ==,
                   ((const OspTestGwChild *)g_ptr_array_index(r->gw->children, 1))->spi_client);
  seen_clear(&seen);
}

/* The gateway deletes the IPv6 SA pair: a new IPv6 one, IPv4 untouched. */
static void test_delete_v6(void)
{
  Seen seen = { 0 };
  g_autoptr(OspTestRig) r = rig_v6(OSP_IPV6_AUTO, &seen);
  const OspTestGwChild *v6child;

  g_assert_true(osp_test_rig_settle(r, 10 * S));
  osp_test_rig_run(r);
  v6child = g_ptr_array_index(r->gw->children, 1);
  osp_test_gw_delete_esp(r->gw, v6child->spi_gw);
  osp_test_rig_run(r);
  g_assert_false(r->closed);
  g_assert_cmpuint(r->n_child_down, ==, 1);
  g_assert_cmpuint(r->gw->children->len, ==, 3);
  assert_ids_v6(&seen, 2, "2001:db8:1::10");
  seen_clear(&seen);
}

/* The gateway refuses the IPv6 SA (no IPv6 selectors):
 *   I --- HASH(1) SA Ni ID(2001:db8:1::10) ID(::/0) ---> R
 *   I <--- HASH N(INVALID-ID-INFORMATION) --- R
 * the IPv4 tunnel is established without IPv6, and a notice says why;
 * with "IPv6 inside yes" the connection fails instead. */
static void test_refused(gconstpointer data)
{
  const bool required = GPOINTER_TO_INT(data);
  Seen seen = { 0 };
  g_autoptr(OspTestRig) r = rig_v6(required ? OSP_IPV6_YES : OSP_IPV6_AUTO, &seen);

  seen.drop_v6 = 1;
  g_assert_true(osp_test_rig_settle(r, 10 * S));
  osp_test_rig_run(r); /* the IPv6 quick mode gets no message 2 */
  osp_test_gw_notify(r->gw, OSP_N_INVALID_ID_INFORMATION, true);
  osp_test_rig_run(r);
  if (required) {
    osp_test_rig_assert_closed(r, OSP_ERROR_GATEWAY_REJECTED, "IPv6 inside yes");
    g_assert_cmpuint(r->n_established, ==, 0);
  } else {
    g_assert_false(r->closed);
    g_assert_cmpuint(r->n_established, ==, 1);
    g_assert_cmpuint(r->n_child_up, ==, 1);
    g_assert_false(osp_ip_config_has_ip6(r->ipcfg)); /* reported again, without IPv6 */
    g_assert_nonnull(r->last_notice);
    g_assert_nonnull(strstr(r->last_notice, "INVALID-ID-INFORMATION"));
  }
  seen_clear(&seen);
}

/* No answer to the IPv6 quick mode: after 1 + 2 s the tunnel is
 * established with IPv4 only; its IPv4 SA keeps being rekeyed. */
static void test_silent(void)
{
  Seen seen = { 0 };
  g_autoptr(OspTestRig) r = rig_v6(OSP_IPV6_AUTO, &seen);

  seen.drop_v6 = 100;
  r->gw->qm_life_s = 60;
  g_assert_true(osp_test_rig_settle(r, 10 * S));
  osp_test_rig_advance(r, 2 * S);
  g_assert_cmpuint(r->n_established, ==, 0);
  osp_test_rig_advance(r, 2 * S);
  g_assert_false(r->closed);
  g_assert_cmpuint(r->n_established, ==, 1);
  g_assert_false(osp_ip_config_has_ip6(r->ipcfg));
  g_assert_nonnull(strstr(r->last_notice, "did not answer"));
  g_assert_cmpuint(seen.idci->len, >=, 2); /* IPv4, IPv6 (its retransmission gets no answer) */
  osp_test_rig_advance(r, 56 * S);
  osp_test_rig_run(r);
  g_assert_false(r->closed);
  g_assert_cmpuint(r->gw->children->len, ==, 2);
  g_assert_false(is_v6(g_ptr_array_index(seen.idci, seen.idci->len - 1)));
  seen_clear(&seen);
}

/* IPv6 values no host can use are refused: IPv4 only (auto), or the
 * connection fails (yes); never a second quick mode. */
typedef struct {
  const char *name;
  const char *addr;
  int prefix;   /* -1: a 16-byte attribute (no prefix: /128) */
  unsigned len; /* 0: as addr and prefix make it */
  const char *why;
} BadV6;

static const BadV6 bad_v6[] = {
  { "prefix-129", "2001:db8:1::10", 129, 0, "prefix length" },
  { "prefix-0", "2001:db8:1::10", 0, 0, "prefix length" },
  { "multicast", "ff02::1", 64, 0, "multicast" },
  { "link-local", "fe80::1", 64, 0, "link-local" },
  { "unspecified", "::", 64, 0, "unspecified" },
  { "loopback", "::1", -1, 0, "loopback" },
  { "short", "2001:db8:1::10", -1, 15, "wrong length" },
};

static void test_bad_value(gconstpointer data)
{
  const BadV6 *t = data;
  g_autoptr(OspProfile) p = osp_test_profile();

  for (int required = 0; required < 2; required++) {
    g_autoptr(OspTestRig) r = NULL;
    uint8_t v[17] = { 0 };

    p->ipv6_inside = required ? OSP_IPV6_YES : OSP_IPV6_AUTO;
    r = osp_test_rig_new(p, NULL);
    g_assert_cmpint(inet_pton(AF_INET6, t->addr, v), ==, 1);
    v[16] = (uint8_t)t->prefix;
    osp_put_attr_var(r->gw->cfg_attrs, C_IP6_ADDRESS, v, t->len ? t->len : t->prefix < 0 ? 16 : 17);
    if (required) {
      osp_test_rig_assert_fails(r, 10 * S, OSP_ERROR_BAD_IP_CONFIG, t->why);
      continue;
    }
    osp_test_rig_connect(r);
    osp_test_rig_run(r);
    g_assert_false(r->closed);
    g_assert_cmpuint(r->n_child_up, ==, 1);
    g_assert_cmpuint(r->gw->children->len, ==, 1);
    g_assert_cmpuint(r->n_established, ==, 1);
    g_assert_false(osp_ip_config_has_ip6(r->ipcfg));
    g_assert_nonnull(r->last_notice);
    g_assert_nonnull(strstr(r->last_notice, t->why));
  }
}

/* "IPv6 inside no": nothing asked, a granted address is not used. */
static void test_not_asked(void)
{
  Seen seen = { 0 };
  g_autoptr(OspTestRig) r = rig_v6(OSP_IPV6_NO, &seen);

  osp_test_rig_connect(r);
  osp_test_rig_run(r);
  g_assert_cmpuint(r->gw->children->len, ==, 1);
  g_assert_false(osp_ip_config_has_ip6(r->ipcfg));
  g_assert_cmpuint(r->n_established, ==, 1);
  g_assert_null(r->last_notice);
  seen_clear(&seen);
}

/* A gateway that grants no IPv6 (asked, "auto"): one quick mode, and no
 * notice (the common case); with "yes" the connection fails. */
static void test_not_granted(void)
{
  g_autoptr(OspTestRig) r = osp_test_rig_new(NULL, NULL);

  osp_test_rig_connect(r);
  osp_test_rig_run(r);
  g_assert_cmpuint(r->gw->children->len, ==, 1);
  g_assert_cmpuint(r->n_established, ==, 1);
  g_assert_null(r->last_notice);
  {
    g_autoptr(OspProfile) p = osp_test_profile();
    g_autoptr(OspTestRig) req = NULL;

    p->ipv6_inside = OSP_IPV6_YES;
    req = osp_test_rig_new(p, NULL);
    osp_test_rig_assert_fails(req, 10 * S, OSP_ERROR_BAD_IP_CONFIG, "no IPv6 address");
  }
}

int main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/gateway/ipv6/second-quick-mode", test_second_quick_mode);
  g_test_add_func("/gateway/ipv6/rekey-both", test_rekey_both);
  g_test_add_func("/gateway/ipv6/split-exclude", test_split_exclude_v6);
  g_test_add_func("/gateway/ipv6/delete", test_delete_v6);
  g_test_add_func("/gateway/ipv6/gateway-rekeys", test_gateway_rekeys_v6);
  g_test_add_data_func("/gateway/ipv6/refused", GINT_TO_POINTER(0), test_refused);
  g_test_add_data_func("/gateway/ipv6/refused-required", GINT_TO_POINTER(1), test_refused);
  g_test_add_func("/gateway/ipv6/silent", test_silent);
  for (size_t i = 0; i < G_N_ELEMENTS(bad_v6); i++) {
    g_autofree char *path = g_strdup_printf("/gateway/ipv6/bad/%s", bad_v6[i].name);

    g_test_add_data_func(path, &bad_v6[i], test_bad_value);
  }
  g_test_add_func("/gateway/ipv6/not-asked", test_not_asked);
  g_test_add_func("/gateway/ipv6/not-granted", test_not_granted);
  return g_test_run();
}
