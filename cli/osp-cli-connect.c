/* SPDX-License-Identifier: GPL-2.0-or-later
 * osprey connect / disconnect: start a connection (a stored profile or vpnc
 * configuration files), answer the daemon's secret requests, and follow
 * Connection.State through PropertiesChanged until it is "connected" or
 * has ended.  No polling: every step comes from a signal. */
#include "osp-cli-agent.h"
#include "osp-dbus-settings.h"

#include <glib-unix.h>
#include <string.h>
#include <unistd.h>

#define MAX_CONFIG_BYTES (1024 * 1024)

static gboolean opt_no_wait, opt_password_stdin, opt_reconnect, opt_no_reconnect, opt_no_ask,
    opt_config, opt_verbose;
static char *opt_secrets_file, *opt_name;
static int opt_timeout;

static const GOptionEntry connect_entries[] = {
  { "config", 0, 0, G_OPTION_ARG_NONE, &opt_config,
    N_("The arguments are vpnc configuration files (a bare NAME is /etc/vpnc/NAME.conf), "
       "connected without importing them"),
    NULL },
  { "name", 0, 0, G_OPTION_ARG_STRING, &opt_name,
    N_("With --config: the connection's name (default: the first file's base name)"), N_("NAME") },
  { "no-wait", 0, 0, G_OPTION_ARG_NONE, &opt_no_wait,
    N_("Return once the attempt started, without waiting for the tunnel"), NULL },
  { "password-stdin", 0, 0, G_OPTION_ARG_NONE, &opt_password_stdin,
    N_("Read the password from the first line of standard input"), NULL },
  { "secrets-file", 0, 0, G_OPTION_ARG_FILENAME, &opt_secrets_file,
    N_("Read secrets from FILE: KIND=VALUE lines (group-secret, username, password, passcode, "
       "next-pin, answer, key-passphrase)"),
    N_("FILE") },
  { "timeout", 0, 0, G_OPTION_ARG_INT, &opt_timeout,
    N_("Give up after SECS seconds (exit status 5); 0 waits as long as the daemon tries"),
    N_("SECS") },
  { "reconnect", 0, 0, G_OPTION_ARG_NONE, &opt_reconnect,
    N_("Reconnect automatically when the tunnel is lost (the default)"), NULL },
  { "no-reconnect", 0, 0, G_OPTION_ARG_NONE, &opt_no_reconnect,
    N_("Fail when the tunnel is lost instead of reconnecting"), NULL },
  { "no-ask", 0, 0, G_OPTION_ARG_NONE, &opt_no_ask,
    N_("Never ask for secrets: fail if one is missing"), NULL },
  { "verbose", 'v', 0, G_OPTION_ARG_NONE, &opt_verbose,
    N_("Print a line for every step of the attempt (each state, each retry)"), NULL },
  { NULL }
};

typedef struct {
  OspCli *cli;
  char *name;
  OspDBusConnection *conn;
  OspCliAgent *agent;
  guint timeout_id;
  guint sigint_id;
  guint sigterm_id;
  guint progress_id;
  char *last_step; /* the state and message last printed with --verbose */
  gboolean cancelling;
  gboolean timed_out; /* the result is decided: exit 5 once Disconnect returns */
} Wait;

static void wait_clear(Wait *w)
{
  g_clear_handle_id(&w->timeout_id, g_source_remove);
  g_clear_handle_id(&w->sigint_id, g_source_remove);
  g_clear_handle_id(&w->sigterm_id, g_source_remove);
  g_clear_handle_id(&w->progress_id, g_source_remove);
  g_clear_pointer(&w->last_step, g_free);
  osp_cli_end_progress(w->cli);
  if (w->conn)
    g_signal_handlers_disconnect_by_data(w->conn, w);
  g_clear_object(&w->conn);
  g_clear_pointer(&w->agent, osp_cli_agent_free);
  g_free(w->name);
}

static void report_connected(Wait *w)
{
  g_autoptr(GVariant) ip = osp_dbus_connection_dup_ip_config(w->conn);
  const char *address = NULL, *device = NULL;
  g_autoptr(GString) s = NULL;

  osp_cli_end_progress(w->cli);
  if (!osp_cli_agent_banner_shown(w->agent))
    osp_cli_print_banner(w->cli, osp_dbus_connection_get_banner(w->conn));
  if (w->cli->json) {
    s = g_string_new(NULL);
    osp_cli_connection_to_json(s, w->conn, NULL);
    osp_cli_print_json(s);
    return;
  }
  if (w->cli->quiet)
    return;
  if (ip) {
    g_variant_lookup(ip, "address", "&s", &address);
    g_variant_lookup(ip, "device", "&s", &device);
  }
  if (address && device)
    g_print(_("Connected to %s (%s via %s).\n"), w->name, address, device);
  else
    g_print(_("Connected to %s.\n"), w->name);
}

static const char *last_error_name(Wait *w)
{
  GVariant *last = osp_dbus_connection_get_last_error(w->conn);
  const char *name = NULL;

  if (last)
    g_variant_get(last, "(&s&s&s)", &name, NULL, NULL);
  return name && *name ? name : NULL;
}

/* One sentence, once: the daemon's message says what happened in the
 * words of this failure ("The gateway rejected the credentials"); the
 * general text of the reason is only the fallback for an empty message. */
static int fail_reason(Wait *w, const char *reason, const char *detail)
{
  g_autofree char *text = g_strdup(detail && *detail ? detail : osp_cli_reason_text(reason));

  if (!text || !*text) {
    g_free(text);
    text = g_strdup(reason);
  }
  while (g_str_has_suffix(text, "."))
    text[strlen(text) - 1] = '\0';
  /* "The gateway ..." reads on after the colon; "XAUTH ..." stays */
  if (g_unichar_isupper(g_utf8_get_char(text)) &&
      g_unichar_islower(g_utf8_get_char(g_utf8_next_char(text)))) {
    gunichar lower = g_unichar_tolower(g_utf8_get_char(text));
    g_autofree char *rest = g_strdup(g_utf8_next_char(text));
    char first[8] = { 0 };

    g_unichar_to_utf8(lower, first);
    g_free(text);
    text = g_strconcat(first, rest, NULL);
  }
  return osp_cli_fail(w->cli, osp_cli_reason_exit_status(reason), reason, last_error_name(w),
                      _("Could not connect to %s: %s [%s]."), w->name, text, reason);
}

/* One line on stderr, and the exit status, for a connection that ended
 * before it was "connected". */
static int report_failure(Wait *w)
{
  const char *reason = osp_dbus_connection_get_state_reason(w->conn);
  const char *detail = osp_dbus_connection_get_state_message(w->conn);
  gboolean unanswered =
      g_strcmp0(reason, "cancelled") == 0 || g_strcmp0(reason, "secrets-required") == 0;

  if (w->cancelling)
    return osp_cli_fail(w->cli, OSP_EXIT_FAILED, "cancelled", NULL,
                        _("The attempt to connect %s was stopped."), w->name);
  if (unanswered && osp_cli_agent_given_rejected(w->agent))
    return osp_cli_fail(w->cli, OSP_EXIT_AUTH, "bad-credentials",
                        OSP_CLI_ERROR_PREFIX "BadCredentials",
                        _("Could not connect to %s: the gateway rejected the secrets given on "
                          "the command line [bad-credentials]."),
                        w->name);
  if (unanswered && osp_cli_agent_unanswered(w->agent))
    return osp_cli_fail(w->cli, OSP_EXIT_FAILED, "secrets-required", last_error_name(w),
                        _("Could not connect to %s: secrets are needed (%s) and there is no "
                          "terminal to ask for them; use --password-stdin or --secrets-file "
                          "[secrets-required]."),
                        w->name, osp_cli_agent_unanswered(w->agent));
  if (!reason || !*reason)
    return osp_cli_fail(w->cli, OSP_EXIT_FAILED, "gateway-disconnected", NULL,
                        _("The connection %s ended before it was established."), w->name);
  return fail_reason(w, reason, detail);
}

static void check_state(Wait *w)
{
  const char *state = osp_dbus_connection_get_state(w->conn);

  if (w->timed_out)
    return;
  if (g_strcmp0(state, "connected") == 0 && !w->cancelling) {
    report_connected(w);
    osp_cli_finish(w->cli, OSP_EXIT_OK);
  } else if (osp_state_name_is_final(state)) {
    osp_cli_agent_stop_prompt(w->agent);
    osp_cli_finish(w->cli, report_failure(w));
  }
}

/* --verbose: a line per step, i.e. per change of State or StateMessage
 * (the daemon says there when it retries an unanswered gateway). */
static void print_step(Wait *w)
{
  const char *state = osp_dbus_connection_get_state(w->conn);
  const char *message = osp_dbus_connection_get_state_message(w->conn);
  g_autofree char *step = g_strdup_printf("%s%s%s", state ? state : "",
                                          message && *message ? ": " : "", message ? message : "");
  g_autofree char *clean = NULL;

  if (!opt_verbose || w->cli->quiet || g_strcmp0(step, w->last_step) == 0)
    return;
  g_free(w->last_step);
  w->last_step = g_strdup(step);
  clean = osp_cli_sanitize(step, TRUE);
  g_printerr("osprey: %s: %s\n", w->name, clean);
}

static void on_state_notify(GObject *obj, GParamSpec *pspec, gpointer user_data)
{
  print_step(user_data);
  check_state(user_data);
}

/* On a terminal, a dot a second while the attempt goes on (a gateway that
 * does not answer is retried for half a minute); not over a prompt. */
static gboolean on_progress(gpointer user_data)
{
  Wait *w = user_data;

  if (osp_cli_agent_prompting(w->agent) || w->cancelling || w->timed_out)
    return G_SOURCE_CONTINUE;
  if (!w->cli->progress_open) {
    g_printerr(_("Connecting %s "), w->name);
    w->cli->progress_open = TRUE;
  }
  g_printerr(".");
  return G_SOURCE_CONTINUE;
}

static void disconnect_done(GObject *source, GAsyncResult *res, gpointer user_data)
{
  Wait *w = user_data;
  g_autoptr(GError) error = NULL;

  if (!osp_dbus_connection_call_disconnect_finish(OSP_DBUS_CONNECTION(source), res, &error))
    osp_cli_finish(w->cli, osp_cli_fail_error(w->cli, error, NULL));
}

static void stop_attempt(Wait *w)
{
  osp_cli_agent_stop_prompt(w->agent);
  osp_dbus_connection_call_disconnect(w->conn, G_DBUS_CALL_FLAGS_ALLOW_INTERACTIVE_AUTHORIZATION,
                                      OSP_CLI_AUTH_TIMEOUT_MS, NULL, disconnect_done, w);
}

/* Ctrl-C stops the attempt and waits for the daemon to confirm; a second
 * one leaves at once. */
static gboolean on_interrupt(gpointer user_data)
{
  Wait *w = user_data;

  if (w->cancelling) {
    osp_cli_finish(w->cli, osp_cli_fail(w->cli, OSP_EXIT_FAILED, "cancelled", NULL,
                                        _("The attempt to connect %s was stopped."), w->name));
    return G_SOURCE_CONTINUE;
  }
  w->cancelling = TRUE;
  stop_attempt(w);
  return G_SOURCE_CONTINUE;
}

static void timeout_disconnect_done(GObject *source, GAsyncResult *res, gpointer user_data)
{
  Wait *w = user_data;

  /* whatever the answer: the timeout is what is reported */
  osp_dbus_connection_call_disconnect_finish(OSP_DBUS_CONNECTION(source), res, NULL);
  osp_cli_finish(w->cli, osp_cli_fail(w->cli, OSP_EXIT_TIMEOUT, "timeout", NULL,
                                      _("Timed out after %d seconds connecting %s; the attempt "
                                        "was stopped."),
                                      opt_timeout, w->name));
}

/* The Disconnect is waited for: the daemon checks who calls it, and a
 * caller that has already left cannot be checked. */
static gboolean on_timeout(gpointer user_data)
{
  Wait *w = user_data;

  w->timeout_id = 0;
  w->timed_out = TRUE;
  osp_cli_agent_stop_prompt(w->agent);
  osp_dbus_connection_call_disconnect(w->conn, G_DBUS_CALL_FLAGS_NONE, OSP_CLI_STOP_TIMEOUT_MS,
                                      NULL, timeout_disconnect_done, w);
  return G_SOURCE_REMOVE;
}

static void on_daemon_gone(gpointer user_data)
{
  Wait *w = user_data;

  osp_cli_agent_stop_prompt(w->agent);
}

static int follow(Wait *w, const char *path)
{
  g_autoptr(GError) error = NULL;
  OspCli *cli = w->cli;

  w->conn = osp_cli_get_connection(cli, path, &error);
  if (!w->conn)
    return osp_cli_fail_error(cli, error, NULL);
  g_signal_connect(w->conn, "notify::state", G_CALLBACK(on_state_notify), w);
  g_signal_connect_swapped(w->conn, "notify::state-message", G_CALLBACK(print_step), w);
  print_step(w);
  if (!opt_verbose && !cli->quiet && !cli->json && isatty(STDERR_FILENO))
    w->progress_id = g_timeout_add_seconds(1, on_progress, w);
  cli->daemon_gone = on_daemon_gone;
  cli->daemon_gone_data = w;
  osp_cli_watch_daemon(cli);
  w->sigint_id = g_unix_signal_add(SIGINT, on_interrupt, w);
  w->sigterm_id = g_unix_signal_add(SIGTERM, on_interrupt, w);
  if (opt_timeout > 0)
    w->timeout_id = g_timeout_add_seconds((guint)opt_timeout, on_timeout, w);
  check_state(w);
  osp_cli_run_loop(cli);
  cli->daemon_gone = NULL;
  return cli->status;
}

static GVariant *connect_options(GHashTable *given)
{
  GVariantBuilder b;

  g_variant_builder_init(&b, G_VARIANT_TYPE_VARDICT);
  if (g_hash_table_size(given))
    g_variant_builder_add(&b, "{sv}", "secrets", osp_cli_secrets_variant(given));
  if (opt_no_ask)
    g_variant_builder_add(&b, "{sv}", "interactive", g_variant_new_boolean(FALSE));
  if (opt_reconnect || opt_no_reconnect)
    g_variant_builder_add(&b, "{sv}", "reconnect", g_variant_new_boolean(opt_reconnect));
  return g_variant_builder_end(&b);
}

/* vpnc's rule: a name without "/" is looked up in /etc/vpnc, as NAME and
 * then NAME.conf; osprey also accepts a file of that name in the current
 * directory. */
static char *resolve_config(const char *arg)
{
  g_autofree char *plain = NULL, *conf = NULL;

  if (strchr(arg, '/'))
    return g_strdup(arg);
  plain = g_build_filename("/etc/vpnc", arg, NULL);
  conf = g_strconcat(plain, ".conf", NULL);
  if (g_file_test(plain, G_FILE_TEST_IS_REGULAR))
    return g_steal_pointer(&plain);
  if (g_file_test(conf, G_FILE_TEST_IS_REGULAR) || !g_file_test(arg, G_FILE_TEST_EXISTS))
    return g_steal_pointer(&conf);
  return g_strdup(arg);
}

static GVariant *read_configs(OspCli *cli, int argc, char **argv, int *ret_status)
{
  static const char *const fallback[] = { "/etc/vpnc/default.conf", NULL };
  const char *const *args = argc ? (const char *const *)argv : fallback;
  GVariantBuilder b;
  gsize total = 0;

  g_variant_builder_init(&b, G_VARIANT_TYPE("aay"));
  for (; *args; args++) {
    g_autofree char *path = resolve_config(*args);
    gsize len = 0;
    char *data = osp_cli_read_file(cli, path, MAX_CONFIG_BYTES - total, &len, ret_status);

    if (!data) {
      g_variant_builder_clear(&b);
      return NULL;
    }
    total += len;
    g_variant_builder_add_value(
        &b, g_variant_new_from_data(G_VARIANT_TYPE_BYTESTRING, data, len, TRUE, g_free, data));
  }
  return g_variant_builder_end(&b);
}

static gboolean is_already_exists(const GError *error)
{
  g_autofree char *remote = g_dbus_error_get_remote_error(error);

  return g_strcmp0(remote, OSP_CLI_ERROR_PREFIX "AlreadyExists") == 0;
}

/* A connection of configuration files is named by --name, or after the
 * first file by the rule of profile names (osprey import's); a name taken
 * by a stored profile gets "-config" (then a number) appended, so that
 * `osprey connect --config work` works beside an imported "work". */
static char *start_config(OspCli *cli, int argc, char **argv, GVariant *options, char **ret_name,
                          int *ret_status)
{
  GVariant *floating = read_configs(cli, argc, argv, ret_status);
  g_autoptr(GVariant) configs = floating ? g_variant_ref_sink(floating) : NULL;
  g_autoptr(GVariant) opts = g_variant_ref_sink(options);
  g_autofree char *base = NULL;
  char *path = NULL;

  if (!configs)
    return NULL;
  base = opt_name ? g_strdup(opt_name)
                  : osp_dbus_profile_name_make(argc ? argv[0] : "/etc/vpnc/default.conf", TRUE);
  if (!base)
    base = g_strdup("config");
  for (int attempt = 0; attempt < 10 && !path; attempt++) {
    g_autoptr(GError) error = NULL;

    g_free(*ret_name);
    *ret_name = attempt == 0   ? g_strdup(base)
                : attempt == 1 ? g_strdup_printf("%.56s-config", base)
                               : g_strdup_printf("%.56s-config%d", base, attempt);
    if (osp_dbus_manager_call_connect_config_sync(cli->manager, *ret_name, configs, opts,
                                                  G_DBUS_CALL_FLAGS_ALLOW_INTERACTIVE_AUTHORIZATION,
                                                  OSP_CLI_AUTH_TIMEOUT_MS, &path, NULL, &error))
      break;
    if (opt_name || !is_already_exists(error)) {
      *ret_status = osp_cli_fail_error(cli, error, NULL);
      return NULL;
    }
  }
  if (!path)
    *ret_status = osp_cli_fail(
        cli, OSP_EXIT_FAILED, "already-exists", NULL,
        _("Profiles named %s and %s-config exist; choose a name with --name."), base, base);
  return path;
}

static char *start_profile(OspCli *cli, const char *name, GVariant *options, int *ret_status)
{
  g_autoptr(OspDBusProfile) profile = osp_cli_get_profile(cli, name, ret_status);
  g_autoptr(GError) error = NULL;
  char *path = NULL;

  if (!profile) {
    g_variant_unref(g_variant_ref_sink(options));
    return NULL;
  }
  if (!osp_dbus_profile_call_connect_sync(profile, options,
                                          G_DBUS_CALL_FLAGS_ALLOW_INTERACTIVE_AUTHORIZATION,
                                          OSP_CLI_AUTH_TIMEOUT_MS, &path, NULL, &error))
    *ret_status = osp_cli_fail_error(cli, error, name);
  return path;
}

static int check_connect_args(OspCli *cli, int argc)
{
  int status = OSP_EXIT_OK;

  if (!opt_config && argc != 1)
    return osp_cli_usage(cli, "%s", _("Name one profile to connect, or use --config FILE."));
  if (opt_name && !opt_config)
    return osp_cli_usage(cli, "%s", _("--name only applies to --config."));
  if (opt_name && !osp_cli_check_name(cli, opt_name, &status))
    return status;
  if (opt_reconnect && opt_no_reconnect)
    return osp_cli_usage(cli, "%s", _("--reconnect and --no-reconnect exclude each other."));
  if (opt_timeout < 0)
    return osp_cli_usage(cli, "%s", _("--timeout needs a number of seconds."));
  return OSP_EXIT_OK;
}

static int gather_secrets(OspCli *cli, GHashTable *given)
{
  int status = OSP_EXIT_OK;

  if (opt_secrets_file)
    status = osp_cli_secrets_from_file(cli, opt_secrets_file, given);
  if (status == OSP_EXIT_OK && opt_password_stdin)
    status = osp_cli_password_from_stdin(cli, given);
  return status;
}

static void report_started(OspCli *cli, const char *name, const char *path)
{
  g_autoptr(GString) s = NULL;

  if (cli->json) {
    s = g_string_new(NULL);
    osp_json_open(s, '{');
    osp_json_member_string(s, "name", name);
    osp_json_member_string(s, "connection", path);
    osp_json_close(s, '}');
    osp_cli_print_json(s);
  } else if (!cli->quiet) {
    g_print(_("Connecting %s; follow it with: osprey status %s\n"), name, name);
  }
}

static int cmd_connect(OspCli *cli, int argc, char **argv)
{
  g_autoptr(GHashTable) given = osp_cli_secrets_new();
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;
  Wait w = { .cli = cli };
  int status;

  if ((status = check_connect_args(cli, argc)) != OSP_EXIT_OK ||
      (status = gather_secrets(cli, given)) != OSP_EXIT_OK ||
      (status = osp_cli_open_bus(cli)) != OSP_EXIT_OK)
    return status;
  if (!opt_no_wait) {
    w.agent = osp_cli_agent_new(cli, given, !opt_no_ask, &error);
    if (!w.agent)
      osp_cli_warn(cli, _("Cannot register as secret agent, so secrets cannot be asked for: %s"),
                   error->message);
  }
  if (opt_config) {
    path = start_config(cli, argc, argv, connect_options(given), &w.name, &status);
  } else {
    w.name = g_strdup(argv[0]);
    path = start_profile(cli, argv[0], connect_options(given), &status);
  }
  g_hash_table_remove_all(given); /* wipes them; the agent keeps the kinds */
  if (path && opt_no_wait) {
    report_started(cli, w.name, path);
  } else if (path) {
    osp_cli_agent_set_connection(w.agent, path);
    status = follow(&w, path);
  }
  wait_clear(&w);
  return status;
}

const OspCliCommand osp_cli_cmd_connect = {
  "connect",
  N_("PROFILE | --config FILE..."),
  N_("Connect a profile or vpnc configuration files"),
  connect_entries,
  cmd_connect,
};

/* ------------------------------------------------------------------------ */

static gboolean opt_all;

static const GOptionEntry disconnect_entries[] = {
  { "all", 'a', 0, G_OPTION_ARG_NONE, &opt_all, N_("Disconnect every active connection"), NULL },
  { NULL }
};

typedef struct {
  OspCli *cli;
  guint pending;
} Stop;

static void on_stop_state(GObject *obj, GParamSpec *pspec, gpointer user_data)
{
  Stop *stop = user_data;

  if (!osp_state_name_is_final(osp_dbus_connection_get_state(OSP_DBUS_CONNECTION(obj))))
    return;
  g_signal_handlers_disconnect_by_data(obj, stop);
  if (--stop->pending == 0)
    osp_cli_finish(stop->cli, OSP_EXIT_OK);
}

static int nothing_to_stop(OspCli *cli, const char *name)
{
  g_autoptr(OspDBusProfile) profile = NULL;
  int status = OSP_EXIT_OK;

  if (!name)
    return osp_cli_fail(cli, OSP_EXIT_FAILED, "not-active", NULL, "%s",
                        _("There is no active connection."));
  profile = osp_cli_get_profile(cli, name, &status);
  if (!profile)
    return status;
  return osp_cli_fail(cli, OSP_EXIT_FAILED, "not-active", NULL, _("%s is not connected."), name);
}

static int stop_all(OspCli *cli, GPtrArray *conns)
{
  Stop stop = { cli, 0 };

  osp_cli_watch_daemon(cli);
  for (guint i = 0; i < conns->len; i++) {
    OspDBusConnection *c = conns->pdata[i];
    g_autoptr(GError) error = NULL;

    g_signal_connect(c, "notify::state", G_CALLBACK(on_stop_state), &stop);
    stop.pending++;
    if (!osp_dbus_connection_call_disconnect_sync(c,
                                                  G_DBUS_CALL_FLAGS_ALLOW_INTERACTIVE_AUTHORIZATION,
                                                  OSP_CLI_AUTH_TIMEOUT_MS, NULL, &error)) {
      for (guint j = 0; j <= i; j++)
        g_signal_handlers_disconnect_by_data(conns->pdata[j], &stop);
      return osp_cli_fail_error(cli, error, osp_dbus_connection_get_name(c));
    }
    if (osp_state_name_is_final(osp_dbus_connection_get_state(c)))
      on_stop_state(G_OBJECT(c), NULL, &stop);
  }
  if (stop.pending)
    osp_cli_run_loop(cli);
  for (guint i = 0; i < conns->len; i++)
    g_signal_handlers_disconnect_by_data(conns->pdata[i], &stop);
  return cli->status;
}

static int cmd_disconnect(OspCli *cli, int argc, char **argv)
{
  g_autoptr(GDBusObjectManager) om = NULL;
  g_autoptr(GPtrArray) conns = NULL;
  g_autofree char *names = NULL;
  int status = OSP_EXIT_OK;

  if (argc > 1 || (opt_all && argc))
    return osp_cli_usage(cli, "%s", _("Name one profile to disconnect, or use --all."));
  if ((status = osp_cli_open_bus(cli)) != OSP_EXIT_OK ||
      !(om = osp_cli_object_manager(cli, &status)))
    return status;
  conns = osp_cli_list_connections(om, argc ? argv[0] : NULL, TRUE);
  if (!conns->len)
    return nothing_to_stop(cli, argc ? argv[0] : NULL);
  names = osp_cli_connection_names(conns);
  if (!argc && !opt_all && conns->len > 1)
    return osp_cli_usage(cli, _("Several connections are active (%s); name one, or use --all."),
                         names);
  status = stop_all(cli, conns);
  if (status == OSP_EXIT_OK && !cli->quiet && !cli->json)
    g_print(_("Disconnected %s.\n"), names);
  return status;
}

const OspCliCommand osp_cli_cmd_disconnect = {
  "disconnect",
  N_("[PROFILE | --all]"),
  N_("Disconnect a profile (default: the only active connection)"),
  disconnect_entries,
  cmd_disconnect,
};
