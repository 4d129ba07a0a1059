/* SPDX-License-Identifier: GPL-2.0-or-later
 * The table of connection states (client/osp-types.c): every state has its
 * row with every column filled, names are unique and found again, exactly
 * "disconnected" and "failed" are final, and the D-Bus API document's
 * State property lists every name. */
#include "osp-test-fail.h"
#include "osp-types.h"

#include <string.h>

static void test_every_state(void)
{
  g_autoptr(GHashTable) names = g_hash_table_new(g_str_hash, g_str_equal);
  OspState s;

  for (s = 0; osp_state_info(s); s++) {
    const OspStateInfo *i = osp_state_info(s);

    if (i->state != s)
      osp_test_fail("state %d: its row says %d", s, i->state);
    if (!i->name || !g_regex_match_simple("^[a-z]+$", i->name, 0, 0)) {
      osp_test_fail("state %d: name \"%s\" is not a lower-case word", s, i->name);
      continue;
    }
    /* "Connected", "Connecting…": a capitalised word or two, nothing after the ellipsis */
    if (!i->text || !g_regex_match_simple("^[A-Z][a-z]+( [a-z]+)?(…)?$", i->text, 0, 0))
      osp_test_fail("%s: text \"%s\" is not a label", i->name, i->text ? i->text : "(null)");
    if (i->final != (s == OSP_STATE_DISCONNECTED || s == OSP_STATE_FAILED))
      osp_test_fail("%s: final is %d", i->name, i->final);
    if (!g_hash_table_add(names, (gpointer)i->name))
      osp_test_fail("name %s is in two rows", i->name);
    g_assert_true(osp_state_find(i->name) == i);
    g_assert_cmpstr(osp_state_name(s), ==, i->name);
    g_assert_cmpint(osp_state_name_is_final(i->name), ==, i->final);
  }
  g_assert_cmpint(s, ==, OSP_STATE_FAILED + 1);
  g_assert_cmpstr(osp_state_name(s), ==, "unknown");
  g_assert_null(osp_state_find("unknown"));
  g_assert_null(osp_state_find(NULL));
  g_assert_null(osp_state_find("Connected"));
  g_assert_false(osp_state_name_is_final("finished")); /* unknown: read as connecting */
  g_assert_false(osp_state_name_is_final(NULL));
}

/* data/net.ospreyvpn.Osprey1.xml: "State: One of "disconnected" (final, ...". */
static void test_api_document(void)
{
  const char *path = "data/net.ospreyvpn.Osprey1.xml";
  g_autofree char *xml = osp_test_read_source(path);
  g_autofree char *para =
      osp_test_match(xml, "State: One of (.*?)\\n\\s*\\n", "State paragraph in the D-Bus API");

  if (!para)
    return;
  for (OspState s = 0; osp_state_info(s); s++) {
    const OspStateInfo *i = osp_state_info(s);
    g_autofree char *quoted = g_strdup_printf("\"%s\"", i->name);
    g_autofree char *final = g_strdup_printf("\"%s\" (final", i->name);

    if (!strstr(para, quoted))
      osp_test_fail("%s: State does not list %s", path, quoted);
    else if (!strstr(para, final) != !i->final)
      osp_test_fail("%s: State says %s is %sfinal", path, quoted, i->final ? "not " : "");
  }
}

int main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/state/every-state", test_every_state);
  g_test_add_func("/state/api-document", test_api_document);
  return g_test_run();
}
