/* SPDX-License-Identifier: GPL-2.0-or-later
 * ospreyd — the Osprey VPN system service: owns net.ospreyvpn.Osprey1 on
 * the system bus, or runs one connection in the foreground without D-Bus. */
#include "osp-common.h"
#include "osp-config.h"
#include "osp-foreground.h"
#include "osp-log.h"
#include "osp-manager.h"

#include <errno.h>
#include <gio/gio.h>
#include <glib-unix.h>
#include <glib/gi18n.h>
#include <locale.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
  GMainLoop *loop;
  OspManager *manager;
  int exit_status;
  gboolean name_acquired;
} Daemon;

static int verbosity;

static gboolean on_verbose(const char *name, const char *value, gpointer data, GError **error)
{
  verbosity++;
  return TRUE;
}

static gboolean quit_idle(gpointer user_data)
{
  Daemon *d = user_data;

  g_main_loop_quit(d->loop);
  return G_SOURCE_REMOVE;
}

static gboolean on_terminate(gpointer user_data)
{
  Daemon *d = user_data;

  g_message("Stopping: disconnecting every connection");
  if (d->manager)
    osp_manager_shutdown(d->manager, quit_idle, d);
  else
    g_main_loop_quit(d->loop);
  return G_SOURCE_CONTINUE;
}

static gboolean on_hangup(gpointer user_data)
{
  Daemon *d = user_data;

  g_message("Reloading profiles");
  if (d->manager)
    osp_manager_reload(d->manager);
  return G_SOURCE_CONTINUE;
}

static void on_name_acquired(GDBusConnection *bus, const char *name, gpointer user_data)
{
  Daemon *d = user_data;

  d->name_acquired = TRUE;
  g_message("ospreyd %s serving %s", OSP_VERSION, name);
}

static void on_name_lost(GDBusConnection *bus, const char *name, gpointer user_data)
{
  Daemon *d = user_data;

  if (d->name_acquired)
    g_warning("Lost the bus name %s", name);
  else
    g_warning("Cannot own the bus name %s (another ospreyd running, or not allowed by the bus "
              "policy)",
              name);
  d->exit_status = 1;
  if (d->manager)
    osp_manager_shutdown(d->manager, quit_idle, d);
  else
    g_main_loop_quit(d->loop);
}

/* The test authorization backend must never serve the real system bus:
 * compare bus ids rather than trusting the address we were given.  A bus
 * that activated us has set DBUS_SYSTEM_BUS_ADDRESS to its own address when
 * it is of type system, so then compare with the well-known system bus. */
static gboolean is_system_bus(GDBusConnection *bus, gboolean activated)
{
  g_autoptr(GDBusConnection) system = activated
                                          ? g_dbus_connection_new_for_address_sync(
                                                "unix:path=/var/run/dbus/system_bus_socket",
                                                G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
                                                    G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
                                                NULL, NULL, NULL)
                                          : g_bus_get_sync(G_BUS_TYPE_SYSTEM, NULL, NULL);
  g_autoptr(GVariant) a = NULL, b = NULL;
  const char *ida, *idb;

  if (!system)
    return FALSE;
  if (system == bus)
    return TRUE;
  a = g_dbus_connection_call_sync(bus, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                  "org.freedesktop.DBus", "GetId", NULL, G_VARIANT_TYPE("(s)"),
                                  G_DBUS_CALL_FLAGS_NONE, -1, NULL, NULL);
  b = g_dbus_connection_call_sync(system, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                  "org.freedesktop.DBus", "GetId", NULL, G_VARIANT_TYPE("(s)"),
                                  G_DBUS_CALL_FLAGS_NONE, -1, NULL, NULL);
  if (!a || !b)
    return !a; /* cannot tell about ours: assume the worst */
  g_variant_get(a, "(&s)", &ida);
  g_variant_get(b, "(&s)", &idb);
  return strcmp(ida, idb) == 0;
}

int main(int argc, char **argv)
{
  gboolean foreground = FALSE, session_bus = FALSE, password_stdin = FALSE, version = FALSE;
  gboolean reconnect = FALSE;
  g_autofree char *config_path = NULL, *profiles_dir = NULL, *secrets_dir = NULL;
  g_autofree char *bus_address = NULL, *test_authz = NULL;
  g_autofree char *profiles_help = NULL, *secrets_help = NULL;
  const char *starter_address = NULL;
  GOptionEntry entries[] = {
    { "foreground", 'f', 0, G_OPTION_ARG_NONE, &foreground,
      N_("Run one connection from --config without D-Bus, until interrupted"), NULL },
    { "config", 'c', 0, G_OPTION_ARG_FILENAME, &config_path,
      N_("Configuration (vpnc .conf, .pcf or Osprey profile) for --foreground"), N_("FILE") },
    { "password-stdin", 0, 0, G_OPTION_ARG_NONE, &password_stdin,
      N_("With --foreground: read the password from standard input"), NULL },
    { "reconnect", 0, 0, G_OPTION_ARG_NONE, &reconnect,
      N_("With --foreground: reconnect after the tunnel is lost instead of exiting"), NULL },
    { "verbose", 'v', G_OPTION_FLAG_NO_ARG, G_OPTION_ARG_CALLBACK, on_verbose,
      N_("Log more (repeat for the engine's debug messages)"), NULL },
    { "profiles-dir", 0, 0, G_OPTION_ARG_FILENAME, &profiles_dir, NULL /* set below */, N_("DIR") },
    { "secrets-dir", 0, 0, G_OPTION_ARG_FILENAME, &secrets_dir, NULL /* set below */, N_("DIR") },
    { "session-bus", 0, 0, G_OPTION_ARG_NONE, &session_bus, N_("Serve on the session bus (tests)"),
      NULL },
    { "bus-address", 0, 0, G_OPTION_ARG_STRING, &bus_address,
      N_("Serve on the bus at ADDRESS (tests)"), N_("ADDRESS") },
    { "test-authz", 0, 0, G_OPTION_ARG_FILENAME, &test_authz,
      N_("Authorize from a rules file instead of polkit; refused on the system bus (tests)"),
      N_("FILE") },
    { "version", 'V', 0, G_OPTION_ARG_NONE, &version, N_("Print the version and exit"), NULL },
    { NULL }
  };
  g_autoptr(GOptionContext) ctx = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GDBusConnection) bus = NULL;
  g_autoptr(OspAuthz) authz = NULL;
  Daemon d = { 0 };
  OspManagerConfig config;
  guint owner_id;
  int r;

  r = osp_process_harden();
  if (r < 0)
    g_warning("prctl(PR_SET_DUMPABLE): %s", g_strerror(-r));

  setlocale(LC_ALL, "");
  bindtextdomain(GETTEXT_PACKAGE, LOCALEDIR);
  bind_textdomain_codeset(GETTEXT_PACKAGE, "UTF-8");
  textdomain(GETTEXT_PACKAGE);

  /* descriptions with the build's paths: translated here, after setlocale */
  profiles_help =
      g_strdup_printf(_("Profiles directory (default %s)"), OSP_SYSCONFDIR "/osprey/profiles");
  secrets_help =
      g_strdup_printf(_("Root-only secrets store (default %s)"), OSP_SYSCONFDIR "/osprey/secrets");
  for (size_t i = 0; entries[i].long_name; i++) {
    if (strcmp(entries[i].long_name, "profiles-dir") == 0)
      entries[i].description = profiles_help;
    else if (strcmp(entries[i].long_name, "secrets-dir") == 0)
      entries[i].description = secrets_help;
  }
  ctx = g_option_context_new(NULL);
  g_option_context_set_summary(ctx, _("The Osprey VPN service."));
  g_option_context_add_main_entries(ctx, entries, GETTEXT_PACKAGE);
  g_option_context_add_group(ctx, osp_foreground_vpnc_options());
  if (!g_option_context_parse(ctx, &argc, &argv, &error)) {
    g_printerr("ospreyd: %s\n", error->message);
    return 2;
  }
  /* vpnc's way: the configuration file as an argument */
  if (argc == 2 && foreground && !config_path) {
    config_path = g_strdup(argv[1]);
  } else if (argc > 1) {
    g_printerr("ospreyd: %s\n", _("Give one configuration file, with --foreground"));
    return 2;
  }
  if (version) {
    g_print("ospreyd %s\n", OSP_VERSION);
    return 0;
  }
  if (verbosity >= 2)
    g_log_set_debug_enabled(TRUE);
  else if (verbosity == 1 && !g_getenv("G_MESSAGES_DEBUG"))
    g_setenv("G_MESSAGES_DEBUG", G_LOG_DOMAIN, TRUE);

  if (foreground || config_path) {
    if (!foreground || !config_path) {
      g_printerr("ospreyd: %s\n", _("--foreground and --config go together"));
      return 2;
    }
    return osp_foreground_run(config_path, verbosity, password_stdin, reconnect);
  }
  if (password_stdin || reconnect || osp_foreground_vpnc_options_given()) {
    g_printerr("ospreyd: %s\n",
               _("--password-stdin, --reconnect and vpnc's options only apply to --foreground"));
    return 2;
  }
  osp_log_setup();
  if (session_bus && bus_address) {
    g_printerr("ospreyd: %s\n", _("--session-bus and --bus-address exclude each other"));
    return 2;
  }

  /* Started by bus activation (not through systemd): serve the bus that
   * started us.  The system bus remains the default. */
  if (!session_bus && !bus_address) {
    starter_address = g_getenv("DBUS_STARTER_ADDRESS");
    if (starter_address && !*starter_address)
      starter_address = NULL;
  }

  if (test_authz && !session_bus && !bus_address && !starter_address) {
    g_printerr("ospreyd: %s\n", _("--test-authz is refused on the system bus"));
    return 2;
  }

  osp_dbus_errors_register();
  if (bus_address || starter_address)
    bus = g_dbus_connection_new_for_address_sync(bus_address ? bus_address : starter_address,
                                                 G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
                                                     G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
                                                 NULL, NULL, &error);
  else
    bus = g_bus_get_sync(session_bus ? G_BUS_TYPE_SESSION : G_BUS_TYPE_SYSTEM, NULL, &error);
  if (!bus) {
    g_printerr("ospreyd: %s: %s\n", _("Cannot connect to the bus"), error->message);
    return 1;
  }
  g_dbus_connection_set_exit_on_close(bus, FALSE);

  if (test_authz) {
    if (is_system_bus(bus, starter_address != NULL)) {
      g_printerr("ospreyd: %s\n", _("--test-authz is refused on the system bus"));
      return 2;
    }
    authz = osp_authz_new_test(test_authz);
  } else {
    /* polkitd knows callers by their system bus names only. */
    authz = osp_authz_new_polkit(!session_bus && !bus_address &&
                                 (!starter_address || is_system_bus(bus, TRUE)));
  }

  config.profiles_dir = profiles_dir ? profiles_dir : OSP_SYSCONFDIR "/osprey/profiles";
  config.secrets_dir = secrets_dir ? secrets_dir : OSP_SYSCONFDIR "/osprey/secrets";
  config.state_dir = osp_default_state_dir();
  d.loop = g_main_loop_new(NULL, FALSE);
  d.manager = osp_manager_new(bus, &config, g_steal_pointer(&authz), &error);
  if (!d.manager) {
    g_printerr("ospreyd: %s\n", error->message);
    g_main_loop_unref(d.loop);
    return 1;
  }
  g_unix_signal_add(SIGTERM, on_terminate, &d);
  g_unix_signal_add(SIGINT, on_terminate, &d);
  g_unix_signal_add(SIGHUP, on_hangup, &d);
  /* the bus is gone: connections still go down cleanly */
  g_signal_connect_swapped(bus, "closed", G_CALLBACK(on_terminate), &d);
  owner_id = g_bus_own_name_on_connection(bus, OSP_DBUS_NAME, G_BUS_NAME_OWNER_FLAGS_NONE,
                                          on_name_acquired, on_name_lost, &d, NULL);
  g_main_loop_run(d.loop);
  g_bus_unown_name(owner_id);
  g_clear_pointer(&d.manager, osp_manager_free);
  g_dbus_connection_flush_sync(bus, NULL, NULL);
  g_main_loop_unref(d.loop);
  return d.exit_status;
}
