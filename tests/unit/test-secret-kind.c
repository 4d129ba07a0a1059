/* SPDX-License-Identifier: GPL-2.0-or-later
 * The table of secret kinds (client/osp-secret-kind.c): every kind has its
 * row with every column filled and consistent with the settings table
 * (client/osp-settings.c: the name, the vpnc keyword NetworkManager keys
 * by, what ospreyd stores), names and keys are unique, lookups find the
 * row itself, and the D-Bus API document, osprey(1) and osprey's --help
 * list every kind and what is stored. */
#include "osp-isakmp.h"
#include "osp-profile.h"
#include "osp-secret-kind.h"
#include "osp-test-fail.h"

#include <string.h>

static void expect(OspSecretKind k, const char *column, const char *value, const char *pattern,
                   const char *rule)
{
  if (!value || !g_regex_match_simple(pattern, value, 0, 0))
    osp_test_fail("kind %d: %s \"%s\" is not %s", k, column, value ? value : "(null)", rule);
}

static void check_row(OspSecretKind k, const OspSecretKindInfo *i)
{
  if (i->kind != k)
    osp_test_fail("kind %d: its row says kind %d", k, i->kind);
  expect(k, "name", i->name, "^[a-z]+(-[a-z]+)*$", "lower-case words joined by -");
  /* NetworkManager-vpnc's style: "IPSec secret", "Xauth password" */
  expect(k, "vpn.secrets key", i->nm_key, "^[A-Z][A-Za-z]*( [A-Za-z]+)+$", "words, capitalised");
  /* a prompt appends ": ", a dialog puts it beside the entry */
  expect(k, "label", i->label, "^[A-Z][a-z]*( [a-zA-Z]+)*$", "a label without punctuation");
  if (i->setting > OSP_SETTING_N)
    osp_test_fail("kind %d (%s): setting %d out of range", k, i->name, i->setting);
  if (i->setting < OSP_SETTING_N) {
    const OspSetting *s = &osp_settings[i->setting];

    if (strcmp(s->key, i->name) != 0)
      osp_test_fail("%s: its setting is %s", i->name, s->key);
    if (strcmp(s->vpnc, i->nm_key) != 0)
      osp_test_fail("%s: vpn.secrets key \"%s\", but its setting's vpnc keyword is \"%s\"", i->name,
                    i->nm_key, s->vpnc);
    /* ospreyd's store keeps exactly the secret settings (osp_setting_secret_keys) */
    if (s->secret != i->stored)
      osp_test_fail("%s: stored %d, but its setting's secret flag is %d", i->name, i->stored,
                    s->secret);
  } else if (i->stored) {
    osp_test_fail("%s: stored, but no setting holds it", i->name);
  }
  if (i->one_time && (i->stored || i->setting != OSP_SETTING_N))
    osp_test_fail("%s: good for one login, yet kept in a profile", i->name);
  if (i->echo && i->stored)
    osp_test_fail("%s: shown as typed, yet a stored secret", i->name);
}

/* Walks the enum: a kind added without its row, or a row missing a column,
 * fails here and names it. */
static void test_every_kind(void)
{
  for (OspSecretKind k = 0; k < OSP_SECRET_N_KINDS; k++) {
    const OspSecretKindInfo *i = osp_secret_kind_info(k);

    if (!i || !i->name) {
      osp_test_fail("kind %d has no row in client/osp-secret-kind.c", k);
      continue;
    }
    check_row(k, i);
  }
  g_assert_null(osp_secret_kind_info(OSP_SECRET_N_KINDS));
  g_assert_null(osp_secret_kind_info((OspSecretKind)-1));
  g_assert_null(osp_secret_kind_name(OSP_SECRET_N_KINDS));
}

/* The columns, as the front ends rely on them: the user name alone is
 * typed in clear, the XAUTH one-login codes are never kept, the rest is. */
static void test_columns(void)
{
  for (OspSecretKind k = 0; k < OSP_SECRET_N_KINDS; k++) {
    const OspSecretKindInfo *i = osp_secret_kind_info(k);

    g_assert_cmpint(i->echo, ==, k == OSP_SECRET_USERNAME);
    g_assert_cmpint(i->one_time, ==,
                    k == OSP_SECRET_PASSCODE || k == OSP_SECRET_NEXT_PIN || k == OSP_SECRET_ANSWER);
  }
  /* XAUTH asks for the user's secrets, never the group's or the key's */
  g_assert_cmpint(osp_secret_kind_info(OSP_SECRET_USERNAME)->xauth, ==, X_USER_NAME);
  g_assert_cmpint(osp_secret_kind_info(OSP_SECRET_PASSWORD)->xauth, ==, X_USER_PASSWORD);
  g_assert_cmpint(osp_secret_kind_info(OSP_SECRET_PASSCODE)->xauth, ==, X_PASSCODE);
  g_assert_cmpint(osp_secret_kind_info(OSP_SECRET_NEXT_PIN)->xauth, ==, X_NEXT_PIN);
  g_assert_cmpint(osp_secret_kind_info(OSP_SECRET_ANSWER)->xauth, ==, X_ANSWER);
  g_assert_cmpint(osp_secret_kind_info(OSP_SECRET_GROUP_SECRET)->xauth, ==, 0);
  g_assert_cmpint(osp_secret_kind_info(OSP_SECRET_KEY_PASSPHRASE)->xauth, ==, 0);
  g_assert_null(osp_secret_kind_find_xauth(0));
  g_assert_null(osp_secret_kind_find_xauth(X_DOMAIN));
  g_assert_null(osp_secret_kind_find_xauth(X_MESSAGE));
  g_assert_cmpstr(osp_secret_kind_info(OSP_SECRET_GROUP_SECRET)->label, ==, "Group password");
  g_assert_cmpstr(osp_secret_kind_info(OSP_SECRET_USERNAME)->label, ==, "User name");
  g_assert_cmpstr(osp_secret_kind_info(OSP_SECRET_PASSCODE)->label, ==, "Token code");
  g_assert_cmpstr(osp_secret_kind_info(OSP_SECRET_PASSCODE)->nm_key, ==, "Xauth passcode");
}

/* The auth modes a kind is used in: the group secret with psk alone (the
 * default too), the key's passphrase with cert alone, the XAUTH kinds in
 * every mode; an unknown mode hides nothing.  The engine names its
 * OspAuthMode by the setting's choices, so their order is the enum's. */
static void test_auth_modes(void)
{
  const char *const *modes = osp_settings[OSP_SETTING_AUTH_MODE].choices;
  const OspSecretKindInfo *group = osp_secret_kind_info(OSP_SECRET_GROUP_SECRET);
  const OspSecretKindInfo *key = osp_secret_kind_info(OSP_SECRET_KEY_PASSPHRASE);

  g_assert_cmpstr(modes[OSP_AUTH_PSK], ==, "psk");
  g_assert_cmpstr(modes[OSP_AUTH_HYBRID], ==, "hybrid");
  g_assert_cmpstr(modes[OSP_AUTH_CERT], ==, "cert");
  g_assert_null(modes[OSP_AUTH_CERT + 1]);
  g_assert_true(osp_secret_kind_used(group, "psk"));
  g_assert_true(osp_secret_kind_used(group, NULL));
  g_assert_true(osp_secret_kind_used(group, ""));
  g_assert_false(osp_secret_kind_used(group, "hybrid"));
  g_assert_false(osp_secret_kind_used(group, "cert"));
  g_assert_false(osp_secret_kind_used(key, "psk"));
  g_assert_false(osp_secret_kind_used(key, NULL));
  g_assert_false(osp_secret_kind_used(key, "hybrid"));
  g_assert_true(osp_secret_kind_used(key, "cert"));
  g_assert_true(osp_secret_kind_used(group, "kerberos"));
  for (OspSecretKind k = 0; k < OSP_SECRET_N_KINDS; k++) {
    const OspSecretKindInfo *i = osp_secret_kind_info(k);

    if (i->xauth)
      for (size_t m = 0; modes[m]; m++)
        if (!osp_secret_kind_used(i, modes[m]))
          osp_test_fail("%s: XAUTH asks for it, yet unused with %s", i->name, modes[m]);
    if (i->auth_modes &&
        !g_regex_match_simple("^(psk|hybrid|cert)( (psk|hybrid|cert))*$", i->auth_modes, 0, 0))
      osp_test_fail("%s: auth modes \"%s\" are not auth-mode values", i->name, i->auth_modes);
  }
}

/* osp_profile_secret_field() is the kind's setting: a value put there is
 * what the profile's vpnc text holds under the setting's keyword; the
 * one-time kinds have no field. */
static void test_profile_field(void)
{
  for (OspSecretKind k = 0; k < OSP_SECRET_N_KINDS; k++) {
    const OspSecretKindInfo *i = osp_secret_kind_info(k);
    g_autoptr(OspProfile) p = osp_profile_new();
    g_autofree char *value = g_strdup_printf("v-%s", i->name);
    g_autofree char *vpnc = NULL, *line = NULL;
    char **field = osp_profile_secret_field(p, k);

    if (!field != (i->setting == OSP_SETTING_N)) {
      osp_test_fail("%s: %s profile field", i->name, field ? "a" : "no");
      continue;
    }
    if (!field)
      continue;
    g_free(*field);
    *field = g_strdup(value);
    vpnc = osp_profile_to_vpnc(p, true);
    line = g_strdup_printf("\n%s %s\n", osp_settings[i->setting].vpnc, value);
    if (!strstr(vpnc, line))
      osp_test_fail("%s: its profile field is not %s", i->name, osp_settings[i->setting].key);
  }
  g_assert_null(osp_profile_secret_field(NULL, OSP_SECRET_N_KINDS));
}

/* One row per kind, one kind per name and per key: lookups find the row. */
static void test_unique(void)
{
  g_autoptr(GHashTable) names = g_hash_table_new(g_str_hash, g_str_equal);
  g_autoptr(GHashTable) keys = g_hash_table_new(g_str_hash, g_str_equal);
  g_autoptr(GHashTable) labels = g_hash_table_new(g_str_hash, g_str_equal);

  for (OspSecretKind k = 0; k < OSP_SECRET_N_KINDS; k++) {
    const OspSecretKindInfo *i = osp_secret_kind_info(k);

    g_assert_true(osp_secret_kind_find(i->name) == i);
    g_assert_true(osp_secret_kind_find_nm(i->nm_key) == i);
    g_assert_true(!i->xauth || osp_secret_kind_find_xauth(i->xauth) == i);
    g_assert_cmpint(osp_secret_kind_from_name(i->name), ==, k);
    g_assert_cmpstr(osp_secret_kind_name(k), ==, i->name);
    if (!g_hash_table_add(names, (gpointer)i->name))
      osp_test_fail("name %s is in two rows", i->name);
    if (!g_hash_table_add(keys, (gpointer)i->nm_key))
      osp_test_fail("vpn.secrets key %s is in two rows", i->nm_key);
    if (!g_hash_table_add(labels, (gpointer)i->label))
      osp_test_fail("label %s is in two rows", i->label);
  }
  g_assert_null(osp_secret_kind_find(NULL));
  g_assert_null(osp_secret_kind_find("password "));
  g_assert_null(osp_secret_kind_find("Password"));
  g_assert_null(osp_secret_kind_find_nm("xauth passcode"));
  g_assert_null(osp_secret_kind_find_nm(NULL));
  g_assert_cmpint(osp_secret_kind_from_name("token"), ==, -1);
  g_assert_cmpint(osp_secret_kind_from_name(NULL), ==, -1);
}

static void test_prompt(void)
{
  g_autofree char *plain = osp_secret_kind_prompt("Password", NULL);
  g_autofree char *with_default = osp_secret_kind_prompt("User name", "alice");

  g_assert_cmpstr(plain, ==, "Password: ");
  g_assert_cmpstr(with_default, ==, "User name [alice]: ");
}

/* data/net.ospreyvpn.Osprey1.xml lists every kind by name, and says which
 * ones ospreyd stores: "Only "a", "b" and "c" can be stored". */
static void test_api_document(void)
{
  const char *path = "data/net.ospreyvpn.Osprey1.xml";
  g_autofree char *xml = osp_test_read_source(path);
  g_autofree char *only = osp_test_match(xml, "Only (.*?) can be\\s+stored",
                                         "\"Only ... can be stored\" in the D-Bus API");

  if (!only)
    return;
  for (OspSecretKind k = 0; k < OSP_SECRET_N_KINDS; k++) {
    const OspSecretKindInfo *i = osp_secret_kind_info(k);
    g_autofree char *quoted = g_strdup_printf("\"%s\"", i->name);

    if (!strstr(xml, quoted))
      osp_test_fail("%s does not name the secret kind %s", path, quoted);
    if (!strstr(only, quoted) != !i->stored)
      osp_test_fail("%s: %s is %sstored, the document says otherwise", path, quoted,
                    i->stored ? "" : "not ");
  }
}

/* Every kind is named in text (as a word, or as "name=" when `assign`),
 * and with `stored_only` the kinds ospreyd does not store are not. */
static void check_names(const char *doc, const char *text, bool assign, bool stored_only)
{
  for (OspSecretKind k = 0; k < OSP_SECRET_N_KINDS; k++) {
    const OspSecretKindInfo *i = osp_secret_kind_info(k);
    g_autofree char *word =
        g_strdup_printf("(^|[^a-z-])%s%s", i->name, assign ? "=" : "([^a-z-]|$)");
    bool named = text && g_regex_match_simple(word, text, 0, 0);

    if (named != (i->stored || !stored_only))
      osp_test_fail("%s: %s %s", doc, named ? "names" : "does not name", i->name);
  }
}

/* The paragraph of a man page's item (scdoc: the item's line, then
 * tab-indented lines), "" if none. */
static char *scd_item(const char *text, const char *item)
{
  g_autofree char *re = g_strdup_printf("^%s.*\\n((?:\\t.*\\n)+)", item);
  g_autoptr(GRegex) regex = g_regex_new(re, G_REGEX_MULTILINE, 0, NULL);
  g_autoptr(GMatchInfo) m = NULL;

  g_assert_nonnull(regex);
  return text && g_regex_match(regex, text, 0, &m) ? g_match_info_fetch(m, 1) : g_strdup("");
}

static char *help_of(const char *cli, const char *command)
{
  const char *argv[] = { cli, command, "--help", NULL };
  const char *envp[] = { "LC_ALL=C", "LANGUAGE=", NULL };
  g_autoptr(GError) error = NULL;
  char *out = NULL;
  int wait_status = 0;

  g_assert_true(g_spawn_sync(NULL, (char **)argv, (char **)envp, G_SPAWN_DEFAULT, NULL, NULL, &out,
                             NULL, &wait_status, &error));
  g_assert_no_error(error);
  return out;
}

/* --secrets-file of `osprey connect` takes every kind, that of `osprey
 * secrets` the stored ones: osprey(1) and --help say so. */
static void test_cli_documents(void)
{
  g_autofree char *man = osp_test_read_source("data/man/osprey.1.scd");
  g_autofree char *connect_item = NULL, *secrets_item = NULL;
  g_autofree char *connect_help = NULL, *secrets_help = NULL;
  const char *cli = g_getenv("OSP_TEST_OSPREY");

  connect_item = scd_item(man, "\\*--secrets-file\\* _FILE_$");
  secrets_item = scd_item(man, "\\*secrets\\* _PROFILE_");
  check_names("osprey(1) --secrets-file", connect_item, false, false);
  check_names("osprey(1) secrets", secrets_item, true, true);
  if (!cli) {
    g_test_message("no OSP_TEST_OSPREY: osprey's --help not checked");
    return;
  }
  connect_help = help_of(cli, "connect");
  secrets_help = help_of(cli, "secrets");
  check_names("osprey connect --help", strstr(connect_help, "--secrets-file"), false, false);
  check_names("osprey secrets --help", strstr(secrets_help, "--secrets-file"), true, true);
}

int main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/secret-kind/every-kind", test_every_kind);
  g_test_add_func("/secret-kind/columns", test_columns);
  g_test_add_func("/secret-kind/unique", test_unique);
  g_test_add_func("/secret-kind/auth-modes", test_auth_modes);
  g_test_add_func("/secret-kind/profile-field", test_profile_field);
  g_test_add_func("/secret-kind/prompt", test_prompt);
  g_test_add_func("/secret-kind/api-document", test_api_document);
  g_test_add_func("/secret-kind/cli-documents", test_cli_documents);
  return g_test_run();
}
