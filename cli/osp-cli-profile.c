/* SPDX-License-Identifier: GPL-2.0-or-later
 * osprey import / export / show / set / edit / delete / secrets / logs:
 * the stored profiles.  Values are typed with the settings dictionary of
 * data/net.ospreyvpn.Osprey1.xml (osprey.conf(5)). */
#include "osp-cli-agent.h"
#include "osp-dbus-settings.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define MAX_IMPORT_BYTES (1024 * 1024)

static char setting_type(const char *key)
{
  const OspSetting *k = osp_setting_dbus(key);

  return k ? k->dbus_type : 0;
}

static GVariant *parse_bool(const char *value)
{
  static const char *const yes[] = { "yes", "true", "on", "1", NULL };
  static const char *const no[] = { "no", "false", "off", "0", NULL };
  g_autofree char *lower = g_ascii_strdown(value, -1);

  if (g_strv_contains(yes, lower))
    return g_variant_new_boolean(TRUE);
  if (g_strv_contains(no, lower))
    return g_variant_new_boolean(FALSE);
  return NULL;
}

/* The typed value of KEY=VALUE, or NULL with a usage error printed. */
static GVariant *parse_setting(OspCli *cli, const char *key, const char *value, int *ret_status)
{
  char type = setting_type(key);
  guint64 n;
  GVariant *v = NULL;

  if (g_strv_contains(osp_setting_secret_keys(), key)) {
    *ret_status =
        osp_cli_usage(cli, _("%s is a secret; store it with: osprey secrets PROFILE"), key);
    return NULL;
  }
  if (!type) {
    *ret_status = osp_cli_usage(cli, _("Unknown setting \"%s\"; see osprey.conf(5)."), key);
    return NULL;
  }
  if (type == 's')
    v = g_variant_new_string(value);
  else if (type == 'b')
    v = parse_bool(value);
  else if (g_ascii_string_to_unsigned(value, 10, 0, G_MAXUINT32, &n, NULL))
    v = g_variant_new_uint32((guint32)n);
  if (!v)
    *ret_status = osp_cli_usage(cli, _("Invalid value \"%s\" for %s (expected %s)."), value, key,
                                type == 'b' ? _("yes or no") : _("a number"));
  return v;
}

static int update_profile(OspCli *cli, OspDBusProfile *profile, GVariantBuilder *settings,
                          GPtrArray *reset)
{
  g_autoptr(GError) error = NULL;

  g_ptr_array_add(reset, NULL);
  if (!osp_dbus_profile_call_update_sync(
          profile, g_variant_builder_end(settings), (const char *const *)reset->pdata,
          G_DBUS_CALL_FLAGS_ALLOW_INTERACTIVE_AUTHORIZATION, OSP_CLI_AUTH_TIMEOUT_MS, NULL, &error))
    return osp_cli_fail_error(cli, error, osp_dbus_profile_get_name(profile));
  if (!cli->quiet && !cli->json)
    g_print(_("Updated %s.\n"), osp_dbus_profile_get_name(profile));
  return OSP_EXIT_OK;
}

/* ------------------------------------------------------------------------ */

static char *opt_import_name;
static gboolean opt_replace, opt_no_save_secrets;

static const GOptionEntry import_entries[] = {
  { "name", 0, 0, G_OPTION_ARG_STRING, &opt_import_name,
    N_("The profile's name (default: the file's base name)"), N_("NAME") },
  { "replace", 0, 0, G_OPTION_ARG_NONE, &opt_replace, N_("Overwrite a profile of the same name"),
    NULL },
  { "no-save-secrets", 0, 0, G_OPTION_ARG_NONE, &opt_no_save_secrets,
    N_("Do not store the secrets found in the file; ask for them when connecting"), NULL },
  { NULL }
};

static GVariant *import_options(void)
{
  GVariantBuilder b;

  g_variant_builder_init(&b, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add(&b, "{sv}", "replace", g_variant_new_boolean(opt_replace));
  g_variant_builder_add(&b, "{sv}", "save-secrets", g_variant_new_boolean(!opt_no_save_secrets));
  return g_variant_builder_end(&b);
}

static void report_import(OspCli *cli, const char *path, const char *const *warnings)
{
  g_autoptr(OspDBusProfile) p = osp_dbus_profile_proxy_new_sync(cli->bus, G_DBUS_PROXY_FLAGS_NONE,
                                                                OSP_CLI_BUS_NAME, path, NULL, NULL);
  const char *name = p ? osp_dbus_profile_get_name(p) : path;
  g_autoptr(GString) s = NULL;

  for (const char *const *w = warnings; w && *w; w++)
    osp_cli_warn(cli, "%s", *w);
  if (cli->json) {
    s = g_string_new(NULL);
    osp_json_open(s, '{');
    osp_json_member_string(s, "name", name);
    osp_json_member_string(s, "profile", path);
    osp_json_member_strv(s, "warnings", warnings);
    osp_json_close(s, '}');
    osp_cli_print_json(s);
  } else if (!cli->quiet) {
    g_print(_("Imported %s.\n"), name);
  }
}

/* "exists" says how to overwrite it */
static int import_failed(OspCli *cli, const GError *error, const char *file)
{
  g_autofree char *quoted = g_shell_quote(file);
  g_autofree char *name = opt_import_name ? g_shell_quote(opt_import_name) : NULL;
  g_autofree char *remote = g_dbus_error_get_remote_error(error);
  g_autoptr(GError) copy = g_error_copy(error);

  if (g_strcmp0(remote, OSP_CLI_ERROR_PREFIX "AlreadyExists") != 0)
    return osp_cli_fail_error(cli, error, NULL);
  g_dbus_error_strip_remote_error(copy);
  return osp_cli_fail(cli, OSP_EXIT_FAILED, "already-exists", remote,
                      _("%s; to overwrite it: osprey import --replace %s%s%s%s [already-exists]."),
                      copy->message, name ? "--name " : "", name ? name : "", name ? " " : "",
                      quoted);
}

static int cmd_import(OspCli *cli, int argc, char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL, *base = NULL;
  g_auto(GStrv) warnings = NULL;
  GVariant *contents;
  gsize len = 0;
  char *data;
  int status = OSP_EXIT_OK;

  if (argc != 1)
    return osp_cli_usage(cli, "%s", _("Name one file to import."));
  if (opt_import_name && !osp_cli_check_name(cli, opt_import_name, &status))
    return status;
  if (!(data = osp_cli_read_file(cli, argv[0], MAX_IMPORT_BYTES, &len, &status)) ||
      (status = osp_cli_open_bus(cli)) != OSP_EXIT_OK) {
    g_free(data);
    return status;
  }
  contents = g_variant_new_from_data(G_VARIANT_TYPE_BYTESTRING, data, len, TRUE, g_free, data);
  base = g_path_get_basename(argv[0]);
  if (!osp_dbus_manager_call_import_profile_sync(
          cli->manager, opt_import_name ? opt_import_name : "", base, contents, import_options(),
          G_DBUS_CALL_FLAGS_ALLOW_INTERACTIVE_AUTHORIZATION, OSP_CLI_AUTH_TIMEOUT_MS, &path,
          &warnings, NULL, &error))
    return import_failed(cli, error, argv[0]);
  report_import(cli, path, (const char *const *)warnings);
  return OSP_EXIT_OK;
}

const OspCliCommand osp_cli_cmd_import = {
  "import",
  N_("FILE [--name NAME]"),
  N_("Import a vpnc .conf or Cisco .pcf file as a profile"),
  import_entries,
  cmd_import,
};

/* ------------------------------------------------------------------------ */

static char *opt_output;

static const GOptionEntry export_entries[] = {
  { "output", 'o', 0, G_OPTION_ARG_FILENAME, &opt_output,
    N_("Write to FILE instead of standard output"), N_("FILE") },
  { NULL }
};

static int cmd_export(OspCli *cli, int argc, char **argv)
{
  g_autoptr(OspDBusProfile) profile = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  g_autoptr(GString) s = NULL;
  int status = OSP_EXIT_OK;

  if (argc != 1)
    return osp_cli_usage(cli, "%s", _("Name one profile to export."));
  if ((status = osp_cli_open_bus(cli)) != OSP_EXIT_OK ||
      !(profile = osp_cli_get_profile(cli, argv[0], &status)))
    return status;
  if (!osp_dbus_profile_call_export_sync(profile, G_DBUS_CALL_FLAGS_NONE, -1, &text, NULL, &error))
    return osp_cli_fail_error(cli, error, argv[0]);
  if (opt_output) {
    if (!g_file_set_contents(opt_output, text, -1, &error))
      return osp_cli_fail(cli, OSP_EXIT_FAILED, "local-error", NULL, "%s", error->message);
  } else if (cli->json) {
    s = g_string_new(NULL);
    osp_json_open(s, '{');
    osp_json_member_string(s, "name", argv[0]);
    osp_json_member_string(s, "config", text);
    osp_json_close(s, '}');
    osp_cli_print_json(s);
  } else {
    fputs(text, stdout);
  }
  return OSP_EXIT_OK;
}

const OspCliCommand osp_cli_cmd_export = {
  "export",
  N_("PROFILE [-o FILE]"),
  N_("Print a profile as a vpnc .conf file, without secrets"),
  export_entries,
  cmd_export,
};

/* ------------------------------------------------------------------------ */

static void show_text(OspDBusProfile *p)
{
  GVariant *settings = osp_dbus_profile_get_settings(p);
  const char *const *saved = osp_dbus_profile_get_saved_secrets(p);
  g_autofree char *secrets = saved && *saved ? g_strjoinv(", ", (char **)saved) : NULL;
  g_autoptr(GString) line = NULL;
  GVariantIter it;
  const char *key;
  GVariant *value;

  g_print("%s\n", osp_dbus_profile_get_name(p));
  if (settings) {
    g_variant_iter_init(&it, settings);
    while (g_variant_iter_next(&it, "{&sv}", &key, &value)) {
      g_autofree char *text = osp_cli_variant_to_text(value);

      g_print("  %-28s %s\n", key, text);
      g_variant_unref(value);
    }
  }
  line = g_string_new("  ");
  osp_cli_append_padded(line, _("saved secrets:"), 29);
  g_print("%s%s\n", line->str, secrets ? secrets : _("none"));
}

static void show_json(OspDBusProfile *p)
{
  g_autoptr(GString) s = g_string_new(NULL);
  GVariant *settings = osp_dbus_profile_get_settings(p);

  osp_json_open(s, '{');
  osp_json_member_string(s, "name", osp_dbus_profile_get_name(p));
  osp_json_member_string(s, "profile", g_dbus_proxy_get_object_path(G_DBUS_PROXY(p)));
  osp_json_key(s, "settings");
  if (settings)
    osp_json_variant(s, settings);
  else
    osp_json_string(s, NULL);
  osp_json_member_strv(s, "saved-secrets", osp_dbus_profile_get_saved_secrets(p));
  osp_json_member_string(s, "active-connection", osp_dbus_profile_get_active_connection(p));
  osp_json_close(s, '}');
  osp_cli_print_json(s);
}

static int cmd_show(OspCli *cli, int argc, char **argv)
{
  g_autoptr(OspDBusProfile) profile = NULL;
  int status = OSP_EXIT_OK;

  if (argc != 1)
    return osp_cli_usage(cli, "%s", _("Name one profile to show."));
  if ((status = osp_cli_open_bus(cli)) != OSP_EXIT_OK ||
      !(profile = osp_cli_get_profile(cli, argv[0], &status)))
    return status;
  if (cli->json)
    show_json(profile);
  else
    show_text(profile);
  return OSP_EXIT_OK;
}

const OspCliCommand osp_cli_cmd_show = {
  "show", N_("PROFILE"), N_("Show a profile's settings and which secrets are stored"),
  NULL,   cmd_show,
};

/* ------------------------------------------------------------------------ */

static int cmd_set(OspCli *cli, int argc, char **argv)
{
  g_autoptr(OspDBusProfile) profile = NULL;
  g_autoptr(GPtrArray) reset = g_ptr_array_new_with_free_func(g_free);
  g_auto(GVariantBuilder) settings = G_VARIANT_BUILDER_INIT(G_VARIANT_TYPE_VARDICT);
  int status = OSP_EXIT_OK;

  if (argc < 2)
    return osp_cli_usage(cli, "%s", _("Name a profile and at least one KEY=VALUE."));
  for (int i = 1; i < argc; i++) {
    const char *eq = strchr(argv[i], '=');
    g_autofree char *key = eq ? g_strndup(argv[i], (gsize)(eq - argv[i])) : NULL;
    GVariant *v;

    if (!key)
      return osp_cli_usage(cli, _("Expected KEY=VALUE, not \"%s\"."), argv[i]);
    if (!eq[1] && setting_type(key)) {
      g_ptr_array_add(reset, g_steal_pointer(&key));
      continue;
    }
    if (!(v = parse_setting(cli, key, eq + 1, &status)))
      return status;
    g_variant_builder_add(&settings, "{sv}", key, v);
  }
  if ((status = osp_cli_open_bus(cli)) != OSP_EXIT_OK ||
      !(profile = osp_cli_get_profile(cli, argv[0], &status)))
    return status;
  return update_profile(cli, profile, &settings, reset);
}

const OspCliCommand osp_cli_cmd_set = {
  "set",
  N_("PROFILE KEY=VALUE..."),
  N_("Change settings of a profile (KEY= resets KEY to its default)"),
  NULL,
  cmd_set,
};

/* ------------------------------------------------------------------------ */

static char *edit_text(OspDBusProfile *p)
{
  GVariant *settings = osp_dbus_profile_get_settings(p);
  GString *s = g_string_new(NULL);

  g_string_append_printf(s,
                         _("# Profile %s: one KEY=VALUE per line; see osprey.conf(5).\n"
                           "# Delete a line, or empty its value, to reset the key.\n"
                           "# Secrets are not shown; store them with: osprey secrets %s\n"),
                         osp_dbus_profile_get_name(p), osp_dbus_profile_get_name(p));
  for (size_t i = 0; i < OSP_SETTING_N; i++) {
    const char *key = osp_settings[i].key;
    g_autoptr(GVariant) v = NULL;
    g_autofree char *text = NULL;

    if (!osp_settings[i].dbus_type)
      continue;
    v = settings ? g_variant_lookup_value(settings, key, NULL) : NULL;
    text = v ? osp_cli_variant_to_text(v) : NULL;
    g_string_append_printf(s, "%s%s=%s\n", text ? "" : "#", key, text ? text : "");
  }
  return g_string_free(s, FALSE);
}

static int run_editor(OspCli *cli, const char *path)
{
  const char *editor = g_getenv("VISUAL");
  g_auto(GStrv) args = NULL;
  g_autoptr(GError) error = NULL;
  int wait_status = 0;
  guint n;

  if (!editor || !*editor)
    editor = g_getenv("EDITOR");
  if (!editor || !*editor)
    editor = "vi";
  if (!g_shell_parse_argv(editor, NULL, &args, &error))
    return osp_cli_usage(cli, _("Cannot run the editor \"%s\": %s"), editor, error->message);
  n = g_strv_length(args);
  args = g_renew(char *, args, n + 2);
  args[n] = g_strdup(path);
  args[n + 1] = NULL;
  if (!g_spawn_sync(NULL, args, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_CHILD_INHERITS_STDIN, NULL,
                    NULL, NULL, NULL, &wait_status, &error) ||
      !g_spawn_check_wait_status(wait_status, &error))
    return osp_cli_fail(cli, OSP_EXIT_FAILED, "local-error", NULL,
                        _("The editor failed: %s; the profile is unchanged."), error->message);
  return OSP_EXIT_OK;
}

/* Compares the edited KEY=VALUE lines with the current settings. */
static int collect_changes(OspCli *cli, OspDBusProfile *p, const char *text,
                           GVariantBuilder *settings, GPtrArray *reset, guint *ret_changes)
{
  GVariant *current = osp_dbus_profile_get_settings(p);
  g_autoptr(GHashTable) edited = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
  g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
  int status = OSP_EXIT_OK;

  for (guint i = 0; lines[i]; i++) {
    char *line = g_strstrip(lines[i]), *eq = strchr(line, '=');

    if (!*line || *line == '#')
      continue;
    if (!eq)
      return osp_cli_usage(cli, _("Line %u: expected KEY=VALUE, not \"%s\"."), i + 1, line);
    *eq = '\0';
    g_strstrip(line);
    if (!setting_type(line))
      return osp_cli_usage(cli, _("Line %u: unknown setting \"%s\"; see osprey.conf(5)."), i + 1,
                           line);
    g_hash_table_replace(edited, g_strdup(line), g_strdup(eq + 1));
  }
  for (size_t i = 0; i < OSP_SETTING_N; i++) {
    const char *key = osp_settings[i].key, *now = g_hash_table_lookup(edited, key);
    g_autoptr(GVariant) old = NULL;
    g_autofree char *before = NULL;
    GVariant *v;

    if (!osp_settings[i].dbus_type)
      continue;
    old = current ? g_variant_lookup_value(current, key, NULL) : NULL;
    before = old ? osp_cli_variant_to_text(old) : NULL;

    if ((!now || !*now) && before) {
      g_ptr_array_add(reset, g_strdup(key));
      (*ret_changes)++;
    } else if (now && *now && g_strcmp0(now, before) != 0) {
      if (!(v = parse_setting(cli, key, now, &status)))
        return status;
      g_variant_builder_add(settings, "{sv}", key, v);
      (*ret_changes)++;
    }
  }
  return OSP_EXIT_OK;
}

static int edit_once(OspCli *cli, OspDBusProfile *profile, const char *tmp)
{
  g_autoptr(GPtrArray) reset = g_ptr_array_new_with_free_func(g_free);
  g_auto(GVariantBuilder) settings = G_VARIANT_BUILDER_INIT(G_VARIANT_TYPE_VARDICT);
  g_autofree char *edited = NULL;
  g_autoptr(GError) error = NULL;
  guint changes = 0;
  int status;

  if (!g_file_get_contents(tmp, &edited, NULL, &error))
    return osp_cli_fail(cli, OSP_EXIT_FAILED, "local-error", NULL, "%s", error->message);
  if ((status = collect_changes(cli, profile, edited, &settings, reset, &changes)) != OSP_EXIT_OK)
    return status;
  if (!changes) {
    if (!cli->quiet)
      g_print("%s\n", _("No changes."));
    return OSP_EXIT_OK;
  }
  return update_profile(cli, profile, &settings, reset);
}

/* "Edit again? [Y/n]" on the terminal: TRUE for yes (or just Enter). */
static gboolean ask_edit_again(void)
{
  char answer[64];

  fputs(_("Edit again? [Y/n] "), stdout);
  fflush(stdout);
  if (!fgets(answer, sizeof(answer), stdin))
    return FALSE;
  g_strstrip(answer);
  /* TRANSLATORS: the answers to "Edit again? [Y/n]" that mean no, lower case */
  return !*answer || !strchr(_("n"), g_ascii_tolower(answer[0]));
}

/* One bad value must not throw the other edits away: the same file goes
 * back to the editor, with the error shown, for as long as the user wants. */
static int edit_file(OspCli *cli, OspDBusProfile *profile, const char *tmp)
{
  int status;

  for (;;) {
    if ((status = run_editor(cli, tmp)) != OSP_EXIT_OK)
      return status;
    status = edit_once(cli, profile, tmp);
    if (status != OSP_EXIT_USAGE && status != OSP_EXIT_FAILED)
      return status;
    if (!ask_edit_again()) {
      g_printerr("%s\n", _("osprey: the profile is unchanged."));
      return status;
    }
  }
}

static int cmd_edit(OspCli *cli, int argc, char **argv)
{
  g_autoptr(OspDBusProfile) profile = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *tmp = NULL, *text = NULL;
  int fd, status = OSP_EXIT_OK;

  if (argc != 1)
    return osp_cli_usage(cli, "%s", _("Name one profile to edit."));
  if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO))
    return osp_cli_usage(cli, "%s",
                         _("osprey edit needs a terminal; use osprey set PROFILE KEY=VALUE."));
  if ((status = osp_cli_open_bus(cli)) != OSP_EXIT_OK ||
      !(profile = osp_cli_get_profile(cli, argv[0], &status)))
    return status;
  text = edit_text(profile);
  fd = g_file_open_tmp("osprey-edit-XXXXXX.conf", &tmp, &error);
  if (fd < 0)
    return osp_cli_fail(cli, OSP_EXIT_FAILED, "local-error", NULL, "%s", error->message);
  close(fd);
  if (!g_file_set_contents(tmp, text, -1, &error))
    status = osp_cli_fail(cli, OSP_EXIT_FAILED, "local-error", NULL, "%s", error->message);
  else
    status = edit_file(cli, profile, tmp);
  unlink(tmp);
  return status;
}

const OspCliCommand osp_cli_cmd_edit = {
  "edit", N_("PROFILE"), N_("Edit a profile's settings with $VISUAL or $EDITOR"), NULL, cmd_edit,
};

/* ------------------------------------------------------------------------ */

static int cmd_delete(OspCli *cli, int argc, char **argv)
{
  g_autoptr(OspDBusProfile) profile = NULL;
  g_autoptr(GError) error = NULL;
  int status = OSP_EXIT_OK;

  if (argc != 1)
    return osp_cli_usage(cli, "%s", _("Name one profile to delete."));
  if ((status = osp_cli_open_bus(cli)) != OSP_EXIT_OK ||
      !(profile = osp_cli_get_profile(cli, argv[0], &status)))
    return status;
  if (!osp_dbus_profile_call_delete_sync(profile, G_DBUS_CALL_FLAGS_ALLOW_INTERACTIVE_AUTHORIZATION,
                                         OSP_CLI_AUTH_TIMEOUT_MS, NULL, &error))
    return osp_cli_fail_error(cli, error, argv[0]);
  if (!cli->quiet && !cli->json)
    g_print(_("Deleted %s.\n"), argv[0]);
  return OSP_EXIT_OK;
}

const OspCliCommand osp_cli_cmd_delete = {
  "delete", N_("PROFILE"), N_("Delete a profile and its stored secrets"), NULL, cmd_delete,
};

/* ------------------------------------------------------------------------ */

static char *opt_store_file;
static gboolean opt_forget;

static const GOptionEntry secrets_entries[] = {
  { "secrets-file", 0, 0, G_OPTION_ARG_FILENAME, &opt_store_file,
    N_("Read group-secret=, password= and key-passphrase= lines from FILE instead of asking"),
    N_("FILE") },
  { "forget", 0, 0, G_OPTION_ARG_NONE, &opt_forget, N_("Remove the stored secrets"), NULL },
  { NULL }
};

typedef struct {
  OspCli *cli;
  GHashTable *answers;
} Ask;

static void on_secrets_typed(GHashTable *answers, gpointer user_data)
{
  Ask *ask = user_data;

  if (answers)
    ask->answers = g_hash_table_ref(answers);
  osp_cli_finish(ask->cli, OSP_EXIT_OK);
}

static int ask_secrets(OspCli *cli, const char *name, GHashTable *out)
{
  const char *const *kinds = osp_setting_secret_keys();
  g_autofree char *header =
      g_strdup_printf(_("Secrets to store for %s (leave one empty to keep it unchanged):"), name);
  g_autoptr(GError) error = NULL;
  g_autoptr(OspCliPrompt) prompt = NULL;
  Ask ask = { cli, NULL };
  GHashTableIter it;
  const char *k, *v;

  prompt = osp_cli_prompt_new(kinds, header, NULL, on_secrets_typed, &ask, &error);
  if (!prompt)
    return osp_cli_usage(cli, "%s", error->message);
  osp_cli_run_loop(cli);
  if (!ask.answers)
    return osp_cli_fail(cli, OSP_EXIT_FAILED, "cancelled", NULL, "%s", _("Nothing stored."));
  g_hash_table_iter_init(&it, ask.answers);
  while (g_hash_table_iter_next(&it, (gpointer *)&k, (gpointer *)&v))
    if (*v)
      g_hash_table_replace(out, g_strdup(k), g_strdup(v));
  g_hash_table_unref(ask.answers);
  return OSP_EXIT_OK;
}

static int gather_store(OspCli *cli, const char *name, GHashTable *secrets)
{
  if (opt_forget) {
    for (const char *const *k = osp_setting_secret_keys(); *k; k++)
      g_hash_table_replace(secrets, g_strdup(*k), g_strdup(""));
    return OSP_EXIT_OK;
  }
  if (opt_store_file)
    return osp_cli_secrets_from_file(cli, opt_store_file, secrets);
  return ask_secrets(cli, name, secrets);
}

static int cmd_secrets(OspCli *cli, int argc, char **argv)
{
  g_autoptr(OspDBusProfile) profile = NULL;
  g_autoptr(GHashTable) secrets = osp_cli_secrets_new();
  g_autoptr(GError) error = NULL;
  int status = OSP_EXIT_OK;

  if (argc != 1)
    return osp_cli_usage(cli, "%s", _("Name one profile."));
  if ((status = osp_cli_open_bus(cli)) != OSP_EXIT_OK ||
      !(profile = osp_cli_get_profile(cli, argv[0], &status)) ||
      (status = gather_store(cli, argv[0], secrets)) != OSP_EXIT_OK)
    return status;
  if (!g_hash_table_size(secrets))
    return osp_cli_fail(cli, OSP_EXIT_FAILED, "cancelled", NULL, "%s", _("Nothing stored."));
  if (!osp_dbus_profile_call_set_secrets_sync(profile, osp_cli_secrets_variant(secrets),
                                              G_DBUS_CALL_FLAGS_ALLOW_INTERACTIVE_AUTHORIZATION,
                                              OSP_CLI_AUTH_TIMEOUT_MS, NULL, &error))
    return osp_cli_fail_error(cli, error, argv[0]);
  if (!cli->quiet && !cli->json)
    g_print(_("Stored the secrets of %s.\n"), argv[0]);
  return OSP_EXIT_OK;
}

const OspCliCommand osp_cli_cmd_secrets = {
  "secrets",
  N_("PROFILE [--forget]"),
  N_("Store a profile's group password, password and key passphrase (root-only store)"),
  secrets_entries,
  cmd_secrets,
};

/* ------------------------------------------------------------------------ */

static void print_events(OspCli *cli, GVariant *log)
{
  GVariantIter it;
  gint64 t;
  const char *state, *message;

  g_variant_iter_init(&it, log);
  while (g_variant_iter_next(&it, "(x&s&s)", &t, &state, &message)) {
    g_autofree char *when = osp_cli_format_time(t);
    g_autofree char *clean = osp_cli_sanitize(message, TRUE);
    g_autoptr(GString) s = NULL;

    if (!cli->json) {
      g_print("%s.%03d  %-14s %s\n", when, (int)((t / 1000) % 1000), state, clean);
      continue;
    }
    s = g_string_new(NULL);
    osp_json_open(s, '{');
    osp_json_member_int(s, "time", t);
    osp_json_member_string(s, "state", state);
    osp_json_member_string(s, "message", message);
    osp_json_close(s, '}');
    osp_cli_print_json(s);
  }
}

static int cmd_logs(OspCli *cli, int argc, char **argv)
{
  g_autoptr(GVariant) log = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(OspDBusProfile) profile = NULL;
  g_autofree char *remote = NULL;
  int status = OSP_EXIT_OK;

  if (argc != 1)
    return osp_cli_usage(cli, "%s", _("Name one profile."));
  if ((status = osp_cli_open_bus(cli)) != OSP_EXIT_OK)
    return status;
  if (osp_dbus_manager_call_get_log_sync(cli->manager, argv[0], G_DBUS_CALL_FLAGS_NONE, -1, &log,
                                         NULL, &error)) {
    print_events(cli, log);
    return OSP_EXIT_OK;
  }
  remote = g_dbus_error_get_remote_error(error);
  if (g_strcmp0(remote, OSP_CLI_ERROR_PREFIX "NotFound") != 0)
    return osp_cli_fail_error(cli, error, NULL);
  if (!(profile = osp_cli_get_profile(cli, argv[0], &status)))
    return status;
  if (!cli->quiet)
    g_printerr(_("osprey: %s has no connection on record; there is no log.\n"), argv[0]);
  return OSP_EXIT_OK;
}

const OspCliCommand osp_cli_cmd_logs = {
  "logs", N_("PROFILE"), N_("Show the events of a profile's last connection"), NULL, cmd_logs,
};
