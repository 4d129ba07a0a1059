/* SPDX-License-Identifier: GPL-2.0-or-later
 * The table of failure reasons (client/osp-reason.c): every code of both
 * error domains has its row with every column filled, codes and D-Bus names
 * are unique and look like what scripts parse, the engine's helpers agree
 * with the table, and the D-Bus API document lists every reason. */
#include "osp-reason.h"
#include "osp-test-fail.h"

#include <string.h>

static const struct {
  OspReasonDomain domain;
  int n;
  const char *name;
} domains[] = {
  { OSP_REASON_ENGINE, OSP_ERROR_N_CODES, "OspErrorCode" },
  { OSP_REASON_DAEMON, OSP_DAEMON_ERROR_N_CODES, "OspDaemonErrorCode" },
};

static gboolean matches(const char *pattern, const char *s)
{
  return s && g_regex_match_simple(pattern, s, 0, 0);
}

static void expect(const char *what, const char *column, const char *value, const char *pattern,
                   const char *rule)
{
  if (!matches(pattern, value))
    osp_test_fail("%s: %s \"%s\" is not %s", what, column, value ? value : "(null)", rule);
}

static void check_row(const char *what, const OspReason *r)
{
  static const int statuses[] = { OSP_EXIT_FAILED, OSP_EXIT_AUTH, OSP_EXIT_NOT_AUTHORIZED,
                                  OSP_EXIT_CERT, OSP_EXIT_USAGE };
  gboolean status_ok = FALSE;

  for (size_t i = 0; i < G_N_ELEMENTS(statuses); i++)
    status_ok |= r->exit_status == statuses[i];
  expect(what, "reason code", r->code, "^[a-z]+(-[a-z]+)*$", "lower-case words joined by -");
  expect(what, "D-Bus name", r->dbus_name, "^[A-Z][A-Za-z]+$", "a CamelCase word");
  if (!status_ok)
    osp_test_fail("%s: exit status %d is not one for a failure", what, r->exit_status);
  if (r->nm_failure != OSP_NM_CONNECT_FAILED && r->nm_failure != OSP_NM_LOGIN_FAILED &&
      r->nm_failure != OSP_NM_BAD_IP_CONFIG)
    osp_test_fail("%s: NetworkManager failure %d out of range", what, r->nm_failure);
  /* a clause after "Could not connect to NAME: ", the reason in brackets after it */
  expect(what, "text", r->text, "^[a-z].*[^.]$", "a lower-case clause without a full stop");
  expect(what, "sentence", r->sentence, "^[A-Z].*\\.$", "a sentence");
}

/* Walks both enums: a code added without its row, or a row missing a
 * column, fails here and names it. */
static void test_every_code(void)
{
  size_t rows = 0;

  for (size_t d = 0; d < G_N_ELEMENTS(domains); d++)
    for (int v = 0; v < domains[d].n; v++) {
      g_autofree char *what = g_strdup_printf("%s %d", domains[d].name, v);
      const OspReason *r = osp_reason_get(domains[d].domain, v);

      if (!r) {
        osp_test_fail("%s has no row in client/osp-reason.c", what);
        continue;
      }
      g_free(what);
      what = g_strdup_printf("%s %d (%s)", domains[d].name, v, r->code);
      check_row(what, r);
      rows++;
    }
  g_assert_cmpuint(rows, ==, OSP_ERROR_N_CODES + OSP_DAEMON_ERROR_N_CODES);
  g_assert_null(osp_reason_get(OSP_REASON_ENGINE, OSP_ERROR_N_CODES));
  g_assert_null(osp_reason_get(OSP_REASON_DAEMON, -1));
}

/* One row per code, one code per row: lookups by code and by D-Bus name
 * find the row itself. */
static void test_unique(void)
{
  g_autoptr(GHashTable) codes = g_hash_table_new(g_str_hash, g_str_equal);
  g_autoptr(GHashTable) names = g_hash_table_new(g_str_hash, g_str_equal);
  const OspReason *r;
  size_t i;

  for (i = 0; (r = osp_reason_nth(i)); i++) {
    g_autofree char *full = g_strconcat(OSP_REASON_DBUS_PREFIX, r->dbus_name, NULL);

    g_assert_true(osp_reason_get(r->domain, r->value) == r);
    g_assert_true(osp_reason_find(r->code) == r);
    g_assert_true(osp_reason_find_dbus(full) == r);
    if (!g_hash_table_add(codes, (gpointer)r->code))
      osp_test_fail("reason code %s is in two rows", r->code);
    if (!g_hash_table_add(names, (gpointer)r->dbus_name))
      osp_test_fail("D-Bus name %s is in two rows", r->dbus_name);
  }
  g_assert_cmpuint(i, ==, OSP_ERROR_N_CODES + OSP_DAEMON_ERROR_N_CODES);
}

static void test_lookups(void)
{
  g_assert_cmpint(osp_reason_find("bad-config")->value, ==, OSP_ERROR_CONFIG);
  g_assert_cmpint(osp_reason_find("route-conflict")->domain, ==, OSP_REASON_DAEMON);
  g_assert_null(osp_reason_find(NULL));
  g_assert_null(osp_reason_find(""));
  g_assert_null(osp_reason_find("bad-config "));
  g_assert_cmpstr(osp_reason_find_dbus("net.ospreyvpn.Osprey1.Error.BadGroupSecret")->code, ==,
                  "bad-group-secret");
  g_assert_null(osp_reason_find_dbus("BadGroupSecret"));
  g_assert_null(osp_reason_find_dbus("net.ospreyvpn.Osprey1.Error."));
  g_assert_null(osp_reason_find_dbus("net.ospreyvpn.Osprey1.Error.Nope"));
  g_assert_null(osp_reason_find_dbus("org.freedesktop.DBus.Error.Failed"));
  g_assert_null(osp_reason_find_dbus(NULL));
}

/* The engine's helpers (osp-error.h) read the table: exit statuses as vpnc
 * (2 authentication) and 7 exactly for the cert-* refusals. */
static void test_engine_helpers(void)
{
  g_assert_cmpstr(osp_error_reason_code(OSP_ERROR_DISCONNECTED), ==, "gateway-disconnected");
  g_assert_cmpstr(osp_error_reason_code(-1), ==, "local-error");
  g_assert_cmpstr(osp_error_reason_code(OSP_ERROR_N_CODES), ==, "local-error");
  g_assert_cmpint(osp_error_exit_status(OSP_ERROR_BAD_CREDENTIALS), ==, 2);
  g_assert_cmpint(osp_error_exit_status(OSP_ERROR_BAD_GROUP_SECRET), ==, 2);
  g_assert_cmpint(osp_error_exit_status(OSP_ERROR_PEER_DEAD), ==, 1);
  g_assert_cmpint(osp_error_exit_status(OSP_ERROR_N_CODES), ==, 1);
  for (int v = 0; v < OSP_ERROR_N_CODES; v++) {
    const char *code = osp_error_reason_code(v);

    g_assert_cmpint(osp_error_is_certificate(v), ==, g_str_has_prefix(code, "cert-"));
    g_assert_cmpint(osp_error_exit_status(v) == 7, ==, g_str_has_prefix(code, "cert-"));
  }
  g_assert_false(osp_error_is_certificate(-1));
}

/* data/net.ospreyvpn.Osprey1.xml documents each error as "Name [code]". */
static void test_api_document(void)
{
  g_autofree char *path =
      g_test_build_filename(G_TEST_DIST, "..", "..", "data", "net.ospreyvpn.Osprey1.xml", NULL);
  g_autofree char *xml = NULL;
  g_autoptr(GError) error = NULL;
  const OspReason *r;

  if (!g_file_get_contents(path, &xml, NULL, &error)) {
    osp_test_fail("%s", error->message);
    return;
  }
  for (size_t i = 0; (r = osp_reason_nth(i)); i++) {
    g_autofree char *pattern = g_strdup_printf("\\n\\s+%s\\s+\\[%s\\]\\s", r->dbus_name, r->code);

    if (!g_regex_match_simple(pattern, xml, 0, 0))
      osp_test_fail("%s does not list \"%s [%s]\"", path, r->dbus_name, r->code);
  }
}

/* A document's pattern for the paragraph of an exit status: before, the
 * status, after; the paragraph is its first group. */
typedef struct {
  const char *before, *after;
} StatusPattern;

/* The paragraph of text about exit status, NULL if none. */
static char *status_paragraph(const char *text, const StatusPattern *pattern, int status)
{
  g_autofree char *re = g_strdup_printf("%s%d%s", pattern->before, status, pattern->after);
  g_autoptr(GRegex) regex = g_regex_new(re, G_REGEX_MULTILINE, 0, NULL);
  g_autoptr(GMatchInfo) m = NULL;

  g_assert_nonnull(regex);
  return g_regex_match(regex, text, 0, &m) ? g_match_info_fetch(m, 1) : NULL;
}

/* Where a document enumerates the codes of an exit status (2: the
 * authentication failures, 7: the refused certificates), it names every
 * code of the table with that status, so that a new row is not forgotten
 * there. */
static void check_status_lists(const char *doc, const char *text, const StatusPattern *pattern,
                               bool engine_only)
{
  static const int listed[] = { OSP_EXIT_AUTH, OSP_EXIT_CERT };

  for (size_t i = 0; i < G_N_ELEMENTS(listed); i++) {
    g_autofree char *para = status_paragraph(text, pattern, listed[i]);
    const OspReason *r;

    if (!para) {
      osp_test_fail("%s: no paragraph for exit status %d", doc, listed[i]);
      continue;
    }
    for (size_t j = 0; (r = osp_reason_nth(j)); j++) {
      g_autofree char *word = g_strdup_printf("(^|[^a-z-])%s([^a-z-]|$)", r->code);

      if (r->exit_status != listed[i] || (engine_only && r->domain != OSP_REASON_ENGINE))
        continue;
      if (!g_regex_match_simple(word, para, 0, 0))
        osp_test_fail("%s: exit status %d does not name %s", doc, listed[i], r->code);
    }
  }
}

/* The man pages (scdoc: "*2*" then tab-indented lines) and osprey --help
 * ("  2   " then lines indented by six blanks). */
static void test_status_documents(void)
{
  static const StatusPattern scd = { "^\\*", "\\*\\n((?:\\t.*\\n)+)" };
  static const StatusPattern usage = { "^  ", " +(.*(?:\\n      .*)*)" };
  g_autofree char *osprey1 = osp_test_read_source("data/man/osprey.1.scd");
  g_autofree char *ospreyd8 = osp_test_read_source("data/man/ospreyd.8.scd");
  const char *cli = g_getenv("OSP_TEST_OSPREY");
  g_autofree char *help = NULL;
  g_autoptr(GError) error = NULL;
  int wait_status = 0;

  if (osprey1)
    check_status_lists("osprey(1)", osprey1, &scd, false);
  if (ospreyd8)
    check_status_lists("ospreyd(8)", ospreyd8, &scd, true);
  if (!cli) {
    g_test_message("no OSP_TEST_OSPREY: osprey --help not checked");
    return;
  }
  {
    const char *argv[] = { cli, "--help", NULL };
    const char *envp[] = { "LC_ALL=C", "LANGUAGE=", NULL };

    g_assert_true(g_spawn_sync(NULL, (char **)argv, (char **)envp, G_SPAWN_DEFAULT, NULL, NULL,
                               &help, NULL, &wait_status, &error));
    g_assert_no_error(error);
  }
  check_status_lists("osprey --help", help, &usage, false);
}

int main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/reason/every-code", test_every_code);
  g_test_add_func("/reason/unique", test_unique);
  g_test_add_func("/reason/lookups", test_lookups);
  g_test_add_func("/reason/engine-helpers", test_engine_helpers);
  g_test_add_func("/reason/api-document", test_api_document);
  g_test_add_func("/reason/status-documents", test_status_documents);
  return g_test_run();
}
