/* SPDX-License-Identifier: GPL-2.0-or-later
 * osprey — the bus, ospreyd's presence, and the mapping of D-Bus errors to
 * one line on stderr and the exit statuses listed in osprey.h. */
#include "osp-dbus-bus.h"
#include "osp-dbus-settings.h"
#include "osprey.h"

#include <fcntl.h>
#include <glib-unix.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* Errors of the bus itself that mean "ospreyd is not there". */
static const char *const absent_errors[] = {
  "org.freedesktop.DBus.Error.ServiceUnknown", "org.freedesktop.DBus.Error.NameHasNoOwner",
  "org.freedesktop.DBus.Error.NoReply",        "org.freedesktop.DBus.Error.Disconnected",
  "org.freedesktop.DBus.Error.NoServer",       "org.freedesktop.DBus.Error.TimedOut",
};

static void print_error_json(const char *name, const char *reason, const char *message)
{
  g_autoptr(GString) s = g_string_new(NULL);

  osp_json_open(s, '{');
  osp_json_key(s, "error");
  osp_json_open(s, '{');
  osp_json_member_string(s, "name", name ? name : "");
  osp_json_member_string(s, "reason", reason ? reason : "");
  osp_json_member_string(s, "message", message);
  osp_json_close(s, '}');
  osp_json_close(s, '}');
  osp_cli_print_json(s);
}

static int fail_literal(OspCli *cli, int status, const char *reason, const char *dbus_name,
                        const char *message)
{
  g_autofree char *clean = osp_cli_sanitize(message, TRUE);

  osp_cli_end_progress(cli);
  g_printerr("osprey: %s\n", clean);
  if (cli->json)
    print_error_json(dbus_name, reason, clean);
  return status;
}

int osp_cli_fail(OspCli *cli, int status, const char *reason, const char *dbus_name,
                 const char *format, ...)
{
  g_autofree char *message = NULL;
  va_list ap;

  va_start(ap, format);
  message = g_strdup_vprintf(format, ap);
  va_end(ap);
  return fail_literal(cli, status, reason, dbus_name, message);
}

int osp_cli_usage(OspCli *cli, const char *format, ...)
{
  g_autofree char *message = NULL;
  va_list ap;

  va_start(ap, format);
  message = g_strdup_vprintf(format, ap);
  va_end(ap);
  return fail_literal(cli, OSP_EXIT_USAGE, "usage", NULL, message);
}

void osp_cli_warn(OspCli *cli, const char *format, ...)
{
  g_autofree char *message = NULL;
  g_autofree char *clean = NULL;
  va_list ap;

  va_start(ap, format);
  message = g_strdup_vprintf(format, ap);
  va_end(ap);
  clean = osp_cli_sanitize(message, TRUE);
  osp_cli_end_progress(cli);
  g_printerr(_("osprey: warning: %s\n"), clean);
}

static int fail_daemon_absent(OspCli *cli, const char *dbus_name)
{
  return osp_cli_fail(cli, OSP_EXIT_NO_DAEMON, "daemon-unavailable", dbus_name, "%s",
                      _("ospreyd is not running (start it with: systemctl start ospreyd)."));
}

/* Edit distance with transpositions ("optimal string alignment"), case
 * ignored, at most 64 characters compared. */
static guint edit_distance(const char *a, const char *b)
{
  guint la = MIN((guint)strlen(a), 64), lb = MIN((guint)strlen(b), 64);
  guint d[65][65];

  for (guint i = 0; i <= la; i++)
    d[i][0] = i;
  for (guint j = 0; j <= lb; j++)
    d[0][j] = j;
  for (guint i = 1; i <= la; i++)
    for (guint j = 1; j <= lb; j++) {
      char ca = g_ascii_tolower(a[i - 1]), cb = g_ascii_tolower(b[j - 1]);

      d[i][j] = MIN(MIN(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + (ca != cb));
      if (i > 1 && j > 1 && ca == g_ascii_tolower(b[j - 2]) && g_ascii_tolower(a[i - 2]) == cb)
        d[i][j] = MIN(d[i][j], d[i - 2][j - 2] + 1);
    }
  return d[la][lb];
}

/* The candidate closest to @word, if it is close enough to be a typo of
 * it (a third of its letters wrong at most) or starts with it. */
const char *osp_cli_closest(const char *word, const char *const *candidates)
{
  const char *best = NULL;
  guint best_d = G_MAXUINT, limit = MAX(1, (guint)strlen(word) / 3);

  for (; candidates && *candidates; candidates++) {
    guint d = edit_distance(word, *candidates);

    if (strlen(word) >= 2 && g_str_has_prefix(*candidates, word))
      d = MIN(d, 1);
    if (d <= limit && d < best_d) {
      best = *candidates;
      best_d = d;
    }
  }
  return best;
}

/* The stored profile whose name is closest to @name, for "did you mean". */
static char *closest_profile(OspCli *cli, const char *name)
{
  g_autoptr(GDBusObjectManager) om = osp_dbus_object_manager_client_new_sync(
      cli->bus, G_DBUS_OBJECT_MANAGER_CLIENT_FLAGS_DO_NOT_AUTO_START, OSP_CLI_BUS_NAME,
      OSP_CLI_MANAGER_PATH, NULL, NULL);
  g_autoptr(GPtrArray) profiles = NULL;
  g_autoptr(GPtrArray) names = g_ptr_array_new();

  if (!om)
    return NULL;
  profiles = osp_cli_list_profiles(om);
  for (guint i = 0; i < profiles->len; i++)
    g_ptr_array_add(names, (gpointer)osp_dbus_profile_get_name(profiles->pdata[i]));
  g_ptr_array_add(names, NULL);
  return g_strdup(osp_cli_closest(name, (const char *const *)names->pdata));
}

static int fail_no_profile(OspCli *cli, const char *remote, const char *profile)
{
  g_autofree char *guess = cli->bus ? closest_profile(cli, profile) : NULL;

  if (guess)
    return osp_cli_fail(cli, OSP_EXIT_NO_PROFILE, "not-found", remote,
                        _("There is no profile named \"%s\"; did you mean \"%s\"?"), profile,
                        guess);
  return osp_cli_fail(cli, OSP_EXIT_NO_PROFILE, "not-found", remote,
                      _("There is no profile named \"%s\" (osprey list shows them)."), profile);
}

/* Who may do what (data/net.ospreyvpn.osprey1.policy), in words. */
static const struct {
  const char *action;
  const char *rule;
} polkit_rules[] = {
  { "net.ospreyvpn.osprey1.connect",
    N_("connecting a profile is for users logged in at this machine (the active local session); "
       "others need an administrator's password") },
  { "net.ospreyvpn.osprey1.disconnect",
    N_("disconnecting another user's connection needs an administrator's password") },
  { "net.ospreyvpn.osprey1.modify-system-profiles",
    N_("adding, changing and deleting profiles and their secrets needs an administrator's "
       "password") },
  { "net.ospreyvpn.osprey1.connect-config",
    N_("connecting a file that is not a stored profile needs an administrator's password (it may "
       "name a script that runs as root)") },
  { "net.ospreyvpn.osprey1.set-root-commands",
    N_("a profile's Script or Password helper runs as root, so setting one needs an "
       "administrator's password each time") },
};

/* "Not authorized": which action, who may do it, and what to do now: on a
 * terminal osprey has a polkit agent ask for the password; elsewhere only
 * an administrator's polkit rule helps. */
/* @action as a whole word of @text ("...connect" is not "...connect-config") */
static gboolean names_action(const char *text, const char *action)
{
  size_t n = strlen(action);

  for (const char *p = strstr(text, action); p; p = strstr(p + 1, action))
    if (!g_ascii_isalnum(p[n]) && p[n] != '-' && p[n] != '_')
      return TRUE;
  return FALSE;
}

static int fail_not_authorized(OspCli *cli, const char *remote, const char *message)
{
  gboolean asked = g_str_has_prefix(message, "Authentication is required");

  for (size_t i = 0; i < G_N_ELEMENTS(polkit_rules); i++) {
    if (!names_action(message, polkit_rules[i].action))
      continue;
    if (asked)
      return osp_cli_fail(cli, OSP_EXIT_NOT_AUTHORIZED, "not-authorized", remote,
                          _("Not authorized without a password: %s; run osprey in a terminal to "
                            "type it, or ask an administrator for a polkit rule (ospreyd(8)) "
                            "[%s]."),
                          _(polkit_rules[i].rule), polkit_rules[i].action);
    return osp_cli_fail(cli, OSP_EXIT_NOT_AUTHORIZED, "not-authorized", remote,
                        _("Not authorized: %s, and polkit refused; an administrator can allow it "
                          "with a polkit rule (ospreyd(8)) [%s]."),
                        _(polkit_rules[i].rule), polkit_rules[i].action);
  }
  return osp_cli_fail(cli, OSP_EXIT_NOT_AUTHORIZED, "not-authorized", remote,
                      _("Not authorized: %s."), message);
}

static int fail_daemon_error(OspCli *cli, const char *remote, const char *message,
                             const char *profile)
{
  const OspReason *r = osp_reason_find_dbus(remote);

  if (!r)
    return fail_literal(cli, OSP_EXIT_FAILED, "local-error", remote, message);
  if (r->domain == OSP_REASON_DAEMON && r->value == OSP_DAEMON_ERROR_NOT_FOUND && profile)
    return fail_no_profile(cli, remote, profile);
  if (r->domain == OSP_REASON_DAEMON && r->value == OSP_DAEMON_ERROR_NOT_AUTHORIZED)
    return fail_not_authorized(cli, remote, message);
  return osp_cli_fail(cli, r->exit_status, r->code, remote, "%s [%s]", message, r->code);
}

int osp_cli_fail_error(OspCli *cli, const GError *error, const char *profile)
{
  g_autofree char *remote = g_dbus_error_get_remote_error(error);
  g_autoptr(GError) copy = g_error_copy(error);
  const char *message = copy->message;

  g_dbus_error_strip_remote_error(copy);
  message = copy->message;
  if (remote && g_str_has_prefix(remote, OSP_REASON_DBUS_PREFIX))
    return fail_daemon_error(cli, remote, message, profile);
  if (remote && g_strv_contains(absent_errors, remote))
    return fail_daemon_absent(cli, remote);
  if (remote && g_str_has_prefix(remote, "org.freedesktop.DBus.Error.Spawn"))
    return osp_cli_fail(cli, OSP_EXIT_NO_DAEMON, "daemon-unavailable", remote,
                        _("ospreyd could not be started: %s"), message);
  if (remote && strcmp(remote, "org.freedesktop.DBus.Error.AccessDenied") == 0)
    return osp_cli_fail(cli, OSP_EXIT_NOT_AUTHORIZED, "access-denied", remote,
                        _("The D-Bus policy does not let you talk to ospreyd (is "
                          "net.ospreyvpn.Osprey1.conf installed in the bus configuration?): %s"),
                        message);
  if (g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CLOSED) ||
      g_error_matches(error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT))
    return fail_daemon_absent(cli, remote);
  return fail_literal(cli, OSP_EXIT_FAILED, "local-error", remote, message);
}

/* On a terminal, a text polkit agent for this process's own requests, as
 * systemctl and pkexec have: `pkttyagent --process PID [--fallback]`, waited
 * for until it has registered (it closes --notify-fd).  Not for root,
 * whom ospreyd always authorizes; on a private bus (--bus-address) the
 * agent is told to use that one as the system bus, where a test's polkitd
 * runs. */
static void start_polkit_agent(OspCli *cli)
{
  g_autofree char *path = g_find_program_in_path("pkttyagent");
  g_autofree char *pid = g_strdup_printf("%d", (int)getpid());
  g_auto(GStrv) envp = g_get_environ();
  g_autoptr(GError) error = NULL;
  /* --fallback lets the session's own agent (a desktop's) go first; polkitd
   * uses a fallback agent only for a subject in a login session, so
   * without one (no logind, a container) the agent must not be one */
  const char *session = g_getenv("XDG_SESSION_ID");
  const char *argv[] = { path,          "--process", pid,
                         "--notify-fd", "3",         session && *session ? "--fallback" : NULL,
                         NULL };
  int fds[2], target = 3;
  struct pollfd pfd;
  char byte;

  if (!cli->polkit_agent_wanted || cli->polkit_agent_pid || !path || getuid() == 0 ||
      !isatty(STDIN_FILENO) || !g_unix_open_pipe(fds, FD_CLOEXEC, NULL))
    return;
  if (cli->bus_address && *cli->bus_address)
    envp = g_environ_setenv(envp, "DBUS_SYSTEM_BUS_ADDRESS", cli->bus_address, TRUE);
  if (!g_spawn_async_with_pipes_and_fds(NULL, argv, (const char *const *)envp,
                                        G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_CHILD_INHERITS_STDIN,
                                        NULL, NULL, -1, -1, -1, &fds[1], &target, 1,
                                        &cli->polkit_agent_pid, NULL, NULL, NULL, &error)) {
    g_debug("no polkit agent: %s", error->message);
    cli->polkit_agent_pid = 0;
  }
  close(fds[1]);
  pfd = (struct pollfd){ .fd = fds[0], .events = POLLIN };
  /* EOF once registered, or when it gave up; 10 s at most */
  while (cli->polkit_agent_pid && poll(&pfd, 1, 10000) > 0 && read(fds[0], &byte, 1) > 0)
    ;
  close(fds[0]);
}

void osp_cli_stop_polkit_agent(OspCli *cli)
{
  if (!cli->polkit_agent_pid)
    return;
  kill(cli->polkit_agent_pid, SIGTERM);
  waitpid(cli->polkit_agent_pid, NULL, 0);
  g_spawn_close_pid(cli->polkit_agent_pid);
  cli->polkit_agent_pid = 0;
}

/* Connects to the bus and makes sure ospreyd answers (starting it if the
 * bus can activate it).  Returns an exit status. */
int osp_cli_open_bus(OspCli *cli)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) pong = NULL;

  cli->bus = osp_dbus_bus_open(cli->bus_address, &error);
  if (!cli->bus)
    return osp_cli_fail(cli, OSP_EXIT_NO_DAEMON, "bus-unavailable", NULL,
                        _("Cannot connect to the D-Bus system bus (is dbus running?): %s"),
                        error->message);
  g_dbus_connection_set_exit_on_close(cli->bus, FALSE);
  pong = g_dbus_connection_call_sync(cli->bus, OSP_CLI_BUS_NAME, OSP_CLI_MANAGER_PATH,
                                     "org.freedesktop.DBus.Peer", "Ping", NULL, NULL,
                                     G_DBUS_CALL_FLAGS_NONE, 30000, NULL, &error);
  if (!pong)
    return osp_cli_fail_error(cli, error, NULL);
  cli->manager = osp_dbus_manager_proxy_new_sync(
      cli->bus, G_DBUS_PROXY_FLAGS_NONE, OSP_CLI_BUS_NAME, OSP_CLI_MANAGER_PATH, NULL, &error);
  if (!cli->manager)
    return osp_cli_fail_error(cli, error, NULL);
  cli->daemon_owner = g_dbus_proxy_get_name_owner(G_DBUS_PROXY(cli->manager));
  if (!cli->daemon_owner)
    return fail_daemon_absent(cli, NULL);
  start_polkit_agent(cli);
  return OSP_EXIT_OK;
}

OspDBusProfile *osp_cli_get_profile(OspCli *cli, const char *name, int *ret_status)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;
  OspDBusProfile *profile;

  if (!osp_dbus_manager_call_get_profile_sync(cli->manager, name, G_DBUS_CALL_FLAGS_NONE, -1, &path,
                                              NULL, &error)) {
    *ret_status = osp_cli_fail_error(cli, error, name);
    return NULL;
  }
  profile = osp_dbus_profile_proxy_new_sync(cli->bus, G_DBUS_PROXY_FLAGS_NONE, OSP_CLI_BUS_NAME,
                                            path, NULL, &error);
  if (!profile)
    *ret_status = osp_cli_fail_error(cli, error, name);
  return profile;
}

OspDBusConnection *osp_cli_get_connection(OspCli *cli, const char *path, GError **error)
{
  return osp_dbus_connection_proxy_new_sync(cli->bus, G_DBUS_PROXY_FLAGS_NONE, OSP_CLI_BUS_NAME,
                                            path, NULL, error);
}

GDBusObjectManager *osp_cli_object_manager(OspCli *cli, int *ret_status)
{
  g_autoptr(GError) error = NULL;
  GDBusObjectManager *om = osp_dbus_object_manager_client_new_sync(
      cli->bus, G_DBUS_OBJECT_MANAGER_CLIENT_FLAGS_DO_NOT_AUTO_START, OSP_CLI_BUS_NAME,
      OSP_CLI_MANAGER_PATH, NULL, &error);

  if (!om)
    *ret_status = osp_cli_fail_error(cli, error, NULL);
  return om;
}

static void on_daemon_appeared(GDBusConnection *bus, const char *name, const char *owner,
                               gpointer user_data)
{
  OspCli *cli = user_data;

  if (g_strcmp0(owner, cli->daemon_owner) == 0)
    return;
  g_free(cli->daemon_owner);
  cli->daemon_owner = g_strdup(owner);
}

static void on_daemon_vanished(GDBusConnection *bus, const char *name, gpointer user_data)
{
  OspCli *cli = user_data;

  g_clear_pointer(&cli->daemon_owner, g_free);
  if (cli->follow_restarts)
    return;
  if (cli->daemon_gone)
    cli->daemon_gone(cli->daemon_gone_data);
  osp_cli_finish(cli, osp_cli_fail(cli, OSP_EXIT_NO_DAEMON, "daemon-unavailable", NULL, "%s",
                                   _("ospreyd stopped while osprey was waiting (it crashed or "
                                     "was restarted; see journalctl -u ospreyd).")));
}

/* Follows the owner of ospreyd's name: a waiting command ends with exit
 * status 4 when it goes away, rather than waiting forever. */
void osp_cli_watch_daemon(OspCli *cli)
{
  if (cli->watch_id)
    return;
  cli->watch_id =
      g_bus_watch_name_on_connection(cli->bus, OSP_CLI_BUS_NAME, G_BUS_NAME_WATCHER_FLAGS_NONE,
                                     on_daemon_appeared, on_daemon_vanished, cli, NULL);
}

/* Runs the main loop until osp_cli_finish(), which may already have been
 * called. */
int osp_cli_run_loop(OspCli *cli)
{
  if (!cli->done)
    g_main_loop_run(cli->loop);
  cli->done = FALSE;
  return cli->status;
}

void osp_cli_finish(OspCli *cli, int status)
{
  cli->status = status;
  cli->done = TRUE;
  g_main_loop_quit(cli->loop);
}

static int compare_connections(gconstpointer a, gconstpointer b)
{
  return g_strcmp0(osp_dbus_connection_get_name(*(OspDBusConnection **)a),
                   osp_dbus_connection_get_name(*(OspDBusConnection **)b));
}

/* The connection objects (of @name, or all), sorted by name. */
GPtrArray *osp_cli_list_connections(GDBusObjectManager *om, const char *name, gboolean active_only)
{
  GList *objects = g_dbus_object_manager_get_objects(om);
  GPtrArray *out = g_ptr_array_new_with_free_func(g_object_unref);

  for (GList *l = objects; l; l = l->next) {
    OspDBusConnection *c = osp_dbus_object_get_connection(OSP_DBUS_OBJECT(l->data));

    if (c && (!name || g_strcmp0(osp_dbus_connection_get_name(c), name) == 0) &&
        !(active_only && osp_state_name_is_final(osp_dbus_connection_get_state(c))))
      g_ptr_array_add(out, c);
    else if (c)
      g_object_unref(c);
  }
  g_list_free_full(objects, g_object_unref);
  g_ptr_array_sort(out, compare_connections);
  return out;
}

static int compare_profiles(gconstpointer a, gconstpointer b)
{
  return g_strcmp0(osp_dbus_profile_get_name(*(OspDBusProfile **)a),
                   osp_dbus_profile_get_name(*(OspDBusProfile **)b));
}

GPtrArray *osp_cli_list_profiles(GDBusObjectManager *om)
{
  GList *objects = g_dbus_object_manager_get_objects(om);
  GPtrArray *out = g_ptr_array_new_with_free_func(g_object_unref);

  for (GList *l = objects; l; l = l->next) {
    OspDBusProfile *p = osp_dbus_object_get_profile(OSP_DBUS_OBJECT(l->data));

    if (p)
      g_ptr_array_add(out, p);
  }
  g_list_free_full(objects, g_object_unref);
  g_ptr_array_sort(out, compare_profiles);
  return out;
}

char *osp_cli_connection_names(GPtrArray *conns)
{
  GString *s = g_string_new(NULL);

  for (guint i = 0; i < conns->len; i++)
    g_string_append_printf(s, "%s%s", i ? ", " : "", osp_dbus_connection_get_name(conns->pdata[i]));
  return g_string_free(s, FALSE);
}

int osp_cli_reason_exit_status(const char *reason)
{
  const OspReason *r = osp_reason_find(reason);

  return r ? r->exit_status : OSP_EXIT_FAILED;
}

/* Reads a file with the caller's own permissions (the daemon never opens
 * files for clients), at most @max bytes. */
char *osp_cli_read_file(OspCli *cli, const char *path, gsize max, gsize *ret_len, int *ret_status)
{
  g_autoptr(GError) error = NULL;
  char *data = NULL;
  gsize len = 0;

  if (!g_file_get_contents(path, &data, &len, &error)) {
    *ret_status = osp_cli_fail(cli, OSP_EXIT_FAILED, "local-error", NULL, "%s", error->message);
    return NULL;
  }
  if (len > max) {
    g_free(data);
    *ret_status = osp_cli_fail(cli, OSP_EXIT_FAILED, "local-error", NULL,
                               _("%s is too large (at most %zu bytes)."), path, max);
    return NULL;
  }
  *ret_len = len;
  return data;
}

/* --name follows the rule of profile names; a name that breaks it is
 * refused here with the name the rule would make of it. */
gboolean osp_cli_check_name(OspCli *cli, const char *name, int *ret_status)
{
  g_autofree char *fixed = NULL;

  if (osp_dbus_profile_name_is_valid(name))
    return TRUE;
  fixed = osp_dbus_profile_name_make(name, FALSE);
  if (fixed)
    *ret_status = osp_cli_usage(cli,
                                _("\"%s\" cannot be a name: use letters, digits, \"-\", \"_\", "
                                  "\".\" and \"@\" (not first: \".\" or \"-\"), at most %d; "
                                  "e.g. \"%s\"."),
                                name, OSP_DBUS_PROFILE_NAME_MAX, fixed);
  else
    *ret_status = osp_cli_usage(cli,
                                _("\"%s\" cannot be a name: use letters, digits, \"-\", \"_\", "
                                  "\".\" and \"@\" (not first: \".\" or \"-\"), at most %d."),
                                name, OSP_DBUS_PROFILE_NAME_MAX);
  return FALSE;
}
