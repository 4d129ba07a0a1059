/* SPDX-License-Identifier: GPL-2.0-or-later
 * ospreyd — the Manager and Profile objects.
 *
 * Every method validates its arguments first (cheap, no disk or bus I/O),
 * then asks authorization, then re-reads what it needs: a profile may have
 * changed or gone while polkit was thinking. */
#include "osp-manager.h"
#include "osp-agent.h"
#include "osp-authz.h"
#include "osp-config.h"
#include "osp-dbus-connection.h"
#include "osp-dbus-generated.h"
#include "osp-error.h"
#include "osp-profile-store.h"
#include "osp-profile.h"
#include "osp-route-conflict.h"

#include <arpa/inet.h>
#include <errno.h>
#include <glib/gi18n.h>
#include <string.h>

#define PROFILE_PATH_PREFIX OSP_DBUS_PATH "/Profile/"
#define SETTINGS_MAX 64 /* keys in a reset list */
#define IMPORT_MAX (1024 * 1024)
#define CONFIGS_MAX 16
#define CONNECTIONS_MAX 32
#define LINGER_S (5 * 60)
#define SHUTDOWN_TIMEOUT_S 15

/* ---- errors ------------------------------------------------------------- */

/* The quark name is stringified: keep clang-format from spacing it. */
/* clang-format off */
G_DEFINE_QUARK(osp-daemon-error-quark, osp_daemon_error)
/* clang-format on */

static const char *const daemon_reason_codes[OSP_DAEMON_ERROR_N_CODES] = {
  [OSP_DAEMON_ERROR_INVALID_ARGUMENTS] = "invalid-arguments",
  [OSP_DAEMON_ERROR_NOT_AUTHORIZED] = "not-authorized",
  [OSP_DAEMON_ERROR_NOT_FOUND] = "not-found",
  [OSP_DAEMON_ERROR_ALREADY_EXISTS] = "already-exists",
  [OSP_DAEMON_ERROR_ALREADY_ACTIVE] = "already-active",
  [OSP_DAEMON_ERROR_ROUTE_CONFLICT] = "route-conflict",
  [OSP_DAEMON_ERROR_LIMIT_EXCEEDED] = "limit-exceeded",
};

static const GDBusErrorEntry daemon_error_entries[] = {
  { OSP_DAEMON_ERROR_INVALID_ARGUMENTS, "net.ospreyvpn.Osprey1.Error.InvalidArguments" },
  { OSP_DAEMON_ERROR_NOT_AUTHORIZED, "net.ospreyvpn.Osprey1.Error.NotAuthorized" },
  { OSP_DAEMON_ERROR_NOT_FOUND, "net.ospreyvpn.Osprey1.Error.NotFound" },
  { OSP_DAEMON_ERROR_ALREADY_EXISTS, "net.ospreyvpn.Osprey1.Error.AlreadyExists" },
  { OSP_DAEMON_ERROR_ALREADY_ACTIVE, "net.ospreyvpn.Osprey1.Error.AlreadyActive" },
  { OSP_DAEMON_ERROR_ROUTE_CONFLICT, "net.ospreyvpn.Osprey1.Error.RouteConflict" },
  { OSP_DAEMON_ERROR_LIMIT_EXCEEDED, "net.ospreyvpn.Osprey1.Error.LimitExceeded" },
};

/* One to one with OspErrorCode (osp-error.h). */
static const GDBusErrorEntry engine_error_entries[] = {
  { OSP_ERROR_FAILED, "net.ospreyvpn.Osprey1.Error.Failed" },
  { OSP_ERROR_CONFIG, "net.ospreyvpn.Osprey1.Error.Config" },
  { OSP_ERROR_BAD_GROUP_SECRET, "net.ospreyvpn.Osprey1.Error.BadGroupSecret" },
  { OSP_ERROR_BAD_CREDENTIALS, "net.ospreyvpn.Osprey1.Error.BadCredentials" },
  { OSP_ERROR_NO_PROPOSAL, "net.ospreyvpn.Osprey1.Error.NoProposal" },
  { OSP_ERROR_WEAK_PROPOSAL, "net.ospreyvpn.Osprey1.Error.WeakProposal" },
  { OSP_ERROR_GATEWAY_UNREACHABLE, "net.ospreyvpn.Osprey1.Error.GatewayUnreachable" },
  { OSP_ERROR_GATEWAY_REJECTED, "net.ospreyvpn.Osprey1.Error.GatewayRejected" },
  { OSP_ERROR_PROTOCOL, "net.ospreyvpn.Osprey1.Error.Protocol" },
  { OSP_ERROR_PEER_DEAD, "net.ospreyvpn.Osprey1.Error.PeerDead" },
  { OSP_ERROR_DISCONNECTED, "net.ospreyvpn.Osprey1.Error.Disconnected" },
  { OSP_ERROR_SECRETS_REQUIRED, "net.ospreyvpn.Osprey1.Error.SecretsRequired" },
  { OSP_ERROR_CANCELLED, "net.ospreyvpn.Osprey1.Error.Cancelled" },
  { OSP_ERROR_SCRIPT, "net.ospreyvpn.Osprey1.Error.Script" },
  { OSP_ERROR_NETWORK_CHANGED, "net.ospreyvpn.Osprey1.Error.NetworkChanged" },
};
G_STATIC_ASSERT(G_N_ELEMENTS(engine_error_entries) == OSP_ERROR_N_CODES);
G_STATIC_ASSERT(G_N_ELEMENTS(daemon_error_entries) == OSP_DAEMON_ERROR_N_CODES);

void osp_dbus_errors_register(void)
{
  static gsize engine_quark, daemon_quark;

  g_dbus_error_register_error_domain("osp-error-quark", &engine_quark, engine_error_entries,
                                     G_N_ELEMENTS(engine_error_entries));
  g_dbus_error_register_error_domain("osp-daemon-error-quark", &daemon_quark, daemon_error_entries,
                                     G_N_ELEMENTS(daemon_error_entries));
}

const char *osp_daemon_reason_code(const GError *error)
{
  if (error && error->domain == OSP_ERROR && error->code >= 0 && error->code < OSP_ERROR_N_CODES)
    return osp_error_reason_code(error->code);
  if (error && error->domain == OSP_DAEMON_ERROR && error->code >= 0 &&
      error->code < OSP_DAEMON_ERROR_N_CODES)
    return daemon_reason_codes[error->code];
  return "local-error";
}

/* Errors of other domains (GIO, GKeyFile) become Failed, keeping the text. */
static void return_error(GDBusMethodInvocation *inv, const GError *error)
{
  if (error->domain == OSP_ERROR || error->domain == OSP_DAEMON_ERROR)
    g_dbus_method_invocation_return_gerror(inv, error);
  else
    g_dbus_method_invocation_return_error_literal(inv, OSP_ERROR, OSP_ERROR_FAILED, error->message);
}

/* A file that does not parse: the warnings of the lines read before
 * ("line 1: unknown keyword ...") often say why, so they go with the error
 * (at most 5 of them). */
static void return_parse_error(GDBusMethodInvocation *inv, GError *error, GPtrArray *warnings)
{
  g_autoptr(GString) s = NULL;

  if (!warnings || !warnings->len || !error || error->domain != OSP_ERROR) {
    return_error(inv, error);
    return;
  }
  s = g_string_new(error->message);
  g_string_append(s, " (");
  for (guint i = 0; i < MIN(warnings->len, 5); i++)
    g_string_append_printf(s, "%s%s", i ? "; " : "", (const char *)warnings->pdata[i]);
  if (warnings->len > 5)
    g_string_append_printf(s, "; %u more", warnings->len - 5);
  g_string_append_c(s, ')');
  g_free(error->message);
  error->message = g_string_free(g_steal_pointer(&s), FALSE);
  return_error(inv, error);
}

#define return_invalid(inv, ...)                                 \
  g_dbus_method_invocation_return_error((inv), OSP_DAEMON_ERROR, \
                                        OSP_DAEMON_ERROR_INVALID_ARGUMENTS, __VA_ARGS__)

/* ---- state -------------------------------------------------------------- */

typedef struct {
  OspManager *m;
  char *name;
  char *path;
  OspDBusObjectSkeleton *object;
  OspDBusProfile *iface;
  GKeyFile *kf;
} ProfileEntry;

typedef struct {
  OspExportedConnection *ec;
  guint linger_id;
} ConnEntry;

struct OspManager {
  GDBusConnection *bus;
  OspProfileStore *store;
  OspAuthz *authz;
  OspAgentManager *agents;
  GDBusObjectManagerServer *om;
  OspDBusManager *iface;
  GHashTable *profiles;    /* name -> ProfileEntry */
  GHashTable *connections; /* name -> ConnEntry: the name's current or last connection */
  GHashTable *logs;        /* name -> OspEventLog */
  char *state_dir;         /* the engine keeps what worked before here */
  char *logs_dir;          /* the logs' copies on disk: STATE_DIR/logs, or NULL */
  guint next_serial;
  gboolean shutting_down;
  GSourceFunc shutdown_done;
  gpointer shutdown_data;
  guint shutdown_timeout_id;
};

static void profile_entry_free(ProfileEntry *e)
{
  if (e->object) {
    g_dbus_object_manager_server_unexport(e->m->om, e->path);
    g_signal_handlers_disconnect_by_data(e->iface, e);
  }
  g_clear_object(&e->iface);
  g_clear_object(&e->object);
  g_clear_pointer(&e->kf, g_key_file_unref);
  g_free(e->name);
  g_free(e->path);
  g_free(e);
}

static void conn_entry_free(ConnEntry *ce)
{
  if (ce->linger_id)
    g_source_remove(ce->linger_id);
  osp_exported_connection_free(ce->ec);
  g_free(ce);
}

static gint cmp_names(gconstpointer a, gconstpointer b)
{
  return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void update_profiles_property(OspManager *m)
{
  g_autoptr(GPtrArray) names = g_ptr_array_new();
  g_autoptr(GPtrArray) paths = g_ptr_array_new();
  GHashTableIter it;
  gpointer key;

  g_hash_table_iter_init(&it, m->profiles);
  while (g_hash_table_iter_next(&it, &key, NULL))
    g_ptr_array_add(names, key);
  g_ptr_array_sort(names, cmp_names);
  for (guint i = 0; i < names->len; i++) {
    ProfileEntry *e = g_hash_table_lookup(m->profiles, g_ptr_array_index(names, i));

    g_ptr_array_add(paths, e->path);
  }
  g_ptr_array_add(paths, NULL);
  osp_dbus_manager_set_profiles(m->iface, (const char *const *)paths->pdata);
}

static void update_connections_property(OspManager *m)
{
  g_autoptr(GPtrArray) paths = g_ptr_array_new();
  GHashTableIter it;
  ConnEntry *ce;

  g_hash_table_iter_init(&it, m->connections);
  while (g_hash_table_iter_next(&it, NULL, (gpointer *)&ce))
    g_ptr_array_add(paths, (gpointer)osp_exported_connection_get_path(ce->ec));
  g_ptr_array_sort(paths, cmp_names);
  g_ptr_array_add(paths, NULL);
  osp_dbus_manager_set_connections(m->iface, (const char *const *)paths->pdata);
}

static void update_active_connection(OspManager *m, const char *name)
{
  ProfileEntry *e = g_hash_table_lookup(m->profiles, name);
  ConnEntry *ce = g_hash_table_lookup(m->connections, name);

  if (e)
    osp_dbus_profile_set_active_connection(e->iface,
                                           ce ? osp_exported_connection_get_path(ce->ec) : "/");
}

static void update_saved_secrets(OspManager *m, ProfileEntry *e)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GHashTable) secrets = osp_profile_store_load_secrets(m->store, e->name, &error);
  g_autoptr(GPtrArray) kinds = g_ptr_array_new();

  if (!secrets)
    g_warning("%s", error->message);
  for (const char *const *k = osp_setting_secret_keys(); *k; k++)
    if ((secrets && g_hash_table_contains(secrets, *k)) ||
        g_key_file_has_key(e->kf, OSP_PROFILE_GROUP, *k, NULL))
      g_ptr_array_add(kinds, (gpointer)*k);
  g_ptr_array_add(kinds, NULL);
  osp_dbus_profile_set_saved_secrets(e->iface, (const char *const *)kinds->pdata);
}

static void profile_set_keyfile(OspManager *m, ProfileEntry *e, GKeyFile *kf)
{
  if (e->kf != kf) {
    g_clear_pointer(&e->kf, g_key_file_unref);
    e->kf = g_key_file_ref(kf);
  }
  osp_dbus_profile_set_settings(e->iface, osp_settings_to_variant(kf));
  update_saved_secrets(m, e);
}

#define LOGS_MAX (OSP_PROFILES_MAX + 64)

/* The event log of a name; logs of names that are neither a profile nor a
 * connection any more are dropped when there are too many (ConnectConfig
 * names are free). */
static OspEventLog *log_for(OspManager *m, const char *name)
{
  OspEventLog *log = g_hash_table_lookup(m->logs, name);
  g_autofree char *path = NULL;
  GHashTableIter it;
  gpointer key;

  if (log)
    return log;
  if (g_hash_table_size(m->logs) >= LOGS_MAX) {
    g_hash_table_iter_init(&it, m->logs);
    while (g_hash_table_iter_next(&it, &key, NULL))
      if (!g_hash_table_contains(m->profiles, key) && !g_hash_table_contains(m->connections, key))
        g_hash_table_iter_remove(&it);
  }
  if (m->logs_dir) {
    g_autofree char *file = g_strconcat(name, ".log", NULL);

    path = g_build_filename(m->logs_dir, file, NULL);
  }
  log = path ? osp_event_log_new_stored(path) : osp_event_log_new();
  g_hash_table_insert(m->logs, g_strdup(name), log);
  return log;
}

/* The log of a connection before this ospreyd started, from disk. */
static OspEventLog *stored_log(OspManager *m, const char *name)
{
  g_autofree char *file = g_strconcat(name, ".log", NULL);
  g_autofree char *path = m->logs_dir ? g_build_filename(m->logs_dir, file, NULL) : NULL;

  if (!path || !g_file_test(path, G_FILE_TEST_IS_REGULAR))
    return NULL;
  return log_for(m, name);
}

/* Event logs outlive the daemon (osprey logs after a restart): one bounded
 * file per name under the state directory, root's only. */
static char *make_logs_dir(const char *state_dir)
{
  g_autofree char *dir = g_build_filename(state_dir, "logs", NULL);

  if (g_mkdir_with_parents(dir, 0700) < 0) {
    g_warning("Cannot create %s (%s): connection logs are kept in memory only", dir,
              g_strerror(errno));
    return NULL;
  }
  return g_steal_pointer(&dir);
}

/* ---- authorization plumbing --------------------------------------------- */

typedef void (*AuthorizedFunc)(OspManager *m, GDBusMethodInvocation *inv, guint32 uid,
                               gpointer data);

typedef struct {
  OspManager *m;
  GDBusMethodInvocation *inv;
  AuthorizedFunc func;
  gpointer data;
  GDestroyNotify free_data;
} AuthCall;

static void auth_done(GObject *source, GAsyncResult *res, gpointer user_data)
{
  AuthCall *c = user_data;
  g_autoptr(GError) error = NULL;
  guint32 uid = G_MAXUINT32;

  if (osp_authz_check_finish(res, &uid, &error))
    c->func(c->m, c->inv, uid, c->data);
  else
    return_error(c->inv, error);
  if (c->free_data)
    c->free_data(c->data);
  g_object_unref(c->inv);
  g_free(c);
}

static void authorize(OspManager *m, GDBusMethodInvocation *inv, OspAuthzAction action,
                      AuthorizedFunc func, gpointer data, GDestroyNotify free_data)
{
  AuthCall *c = g_new0(AuthCall, 1);

  c->m = m;
  c->inv = g_object_ref(inv);
  c->func = func;
  c->data = data;
  c->free_data = free_data;
  osp_authz_check(m->authz, inv, action, auth_done, c);
}

/* A profile's network script and password helper run as root: setting one
 * is asked for on top of modify-system-profiles (set-root-commands). */
typedef struct {
  AuthorizedFunc func;
  gpointer data;
  GDestroyNotify free_data;
} RootCommandsStep;

static void root_commands_step_free(gpointer p)
{
  RootCommandsStep *t = p;

  if (t->free_data && t->data)
    t->free_data(t->data);
  g_free(t);
}

static void root_commands_step(OspManager *m, GDBusMethodInvocation *inv, guint32 uid,
                               gpointer data)
{
  RootCommandsStep *t = data;

  authorize(m, inv, OSP_AUTHZ_ROOT_COMMANDS, t->func, g_steal_pointer(&t->data), t->free_data);
}

static void authorize_modify(OspManager *m, GDBusMethodInvocation *inv, gboolean root_commands,
                             AuthorizedFunc func, gpointer data, GDestroyNotify free_data)
{
  RootCommandsStep *t;

  if (!root_commands) {
    authorize(m, inv, OSP_AUTHZ_MODIFY, func, data, free_data);
    return;
  }
  t = g_new0(RootCommandsStep, 1);
  t->func = func;
  t->data = data;
  t->free_data = free_data;
  authorize(m, inv, OSP_AUTHZ_MODIFY, root_commands_step, t, root_commands_step_free);
}

/* Does this a{sv} of settings set a command that runs as root? */
static gboolean settings_set_root_command(GVariant *settings)
{
  static const char *const keys[] = { "script", "password-helper" };

  for (size_t i = 0; i < G_N_ELEMENTS(keys); i++) {
    g_autoptr(GVariant) v = g_variant_lookup_value(settings, keys[i], G_VARIANT_TYPE_STRING);

    if (v && *g_variant_get_string(v, NULL))
      return TRUE;
  }
  return FALSE;
}

static gboolean profile_sets_root_command(const OspProfile *p)
{
  return (p->script && *p->script) || (p->password_helper && *p->password_helper);
}

/* ---- routes ------------------------------------------------------------- */

static gboolean check_route_conflicts(OspManager *m, const char *name, const OspProfile *p,
                                      const OspIpConfig *cfg, GError **error)
{
  g_auto(OspTunnelRoutes) mine = { 0 };
  GHashTableIter it;
  ConnEntry *ce;

  osp_tunnel_routes_of(p, cfg, &mine);
  if (!mine.known)
    return TRUE;
  g_hash_table_iter_init(&it, m->connections);
  while (g_hash_table_iter_next(&it, NULL, (gpointer *)&ce)) {
    g_auto(OspTunnelRoutes) theirs = { 0 };
    g_autofree char *why = NULL;
    const char *other = osp_exported_connection_get_name(ce->ec);

    if (osp_exported_connection_is_finished(ce->ec) || strcmp(other, name) == 0)
      continue;
    osp_tunnel_routes_of(osp_exported_connection_get_profile(ce->ec),
                         osp_exported_connection_get_ip_config(ce->ec), &theirs);
    if (osp_tunnel_routes_conflict(&mine, &theirs, &why)) {
      g_set_error(error, OSP_DAEMON_ERROR, OSP_DAEMON_ERROR_ROUTE_CONFLICT,
                  "The routes of \"%s\" conflict with the active connection \"%s\": %s", name,
                  other, why);
      return FALSE;
    }
  }
  return TRUE;
}

/* ---- connections -------------------------------------------------------- */

static void maybe_finish_shutdown(OspManager *m);

typedef struct {
  OspManager *m;
  char *name;
} LingerData;

static void linger_data_free(LingerData *d)
{
  g_free(d->name);
  g_free(d);
}

static gboolean linger_done(gpointer user_data)
{
  LingerData *d = user_data;
  ConnEntry *ce = g_hash_table_lookup(d->m->connections, d->name);

  if (ce) {
    ce->linger_id = 0;
    g_hash_table_remove(d->m->connections, d->name);
    update_connections_property(d->m);
    update_active_connection(d->m, d->name);
  }
  return G_SOURCE_REMOVE;
}

static void conn_state_changed(OspExportedConnection *ec, gpointer user_data)
{
  OspManager *m = user_data;
  const char *name = osp_exported_connection_get_name(ec);
  ConnEntry *ce = g_hash_table_lookup(m->connections, name);

  if (!ce || ce->ec != ec)
    return;
  if (osp_exported_connection_is_finished(ec) && !ce->linger_id) {
    LingerData *d = g_new0(LingerData, 1);

    d->m = m;
    d->name = g_strdup(name);
    ce->linger_id = g_timeout_add_seconds_full(G_PRIORITY_DEFAULT, LINGER_S, linger_done, d,
                                               (GDestroyNotify)linger_data_free);
  }
  if (m->shutting_down)
    maybe_finish_shutdown(m);
}

static gboolean conn_check_ip_config(OspExportedConnection *ec, const OspIpConfig *cfg,
                                     GError **error, gpointer user_data)
{
  OspManager *m = user_data;

  return check_route_conflicts(m, osp_exported_connection_get_name(ec),
                               osp_exported_connection_get_profile(ec), cfg, error);
}

static ConnEntry *find_connection_by_path(OspManager *m, const char *path)
{
  GHashTableIter it;
  ConnEntry *ce;

  g_hash_table_iter_init(&it, m->connections);
  while (g_hash_table_iter_next(&it, NULL, (gpointer *)&ce))
    if (strcmp(osp_exported_connection_get_path(ce->ec), path) == 0)
      return ce;
  return NULL;
}

static void disconnect_authorized(OspManager *m, GDBusMethodInvocation *inv, guint32 uid,
                                  gpointer data)
{
  ConnEntry *ce = find_connection_by_path(m, data);

  if (ce)
    osp_exported_connection_disconnect(ce->ec);
  g_dbus_method_invocation_return_value(inv, NULL);
}

static void disconnect_identified(OspManager *m, GDBusMethodInvocation *inv, guint32 uid,
                                  gpointer data)
{
  ConnEntry *ce = find_connection_by_path(m, data);

  /* The user who started a connection may always stop it. */
  if (!ce || uid == 0 || uid == osp_exported_connection_get_uid(ce->ec)) {
    disconnect_authorized(m, inv, uid, data);
    return;
  }
  authorize(m, inv, OSP_AUTHZ_DISCONNECT, disconnect_authorized, g_strdup(data), g_free);
}

static void conn_handle_disconnect(OspExportedConnection *ec, GDBusMethodInvocation *inv,
                                   gpointer user_data)
{
  OspManager *m = user_data;

  authorize(m, inv, OSP_AUTHZ_NONE, disconnect_identified,
            g_strdup(osp_exported_connection_get_path(ec)), g_free);
}

static guint count_active(OspManager *m)
{
  GHashTableIter it;
  ConnEntry *ce;
  guint n = 0;

  g_hash_table_iter_init(&it, m->connections);
  while (g_hash_table_iter_next(&it, NULL, (gpointer *)&ce))
    if (!osp_exported_connection_is_finished(ce->ec))
      n++;
  return n;
}

/* Common end of Profile.Connect and Manager.ConnectConfig.  Takes
 * `profile` and the options. */
static void start_connection(OspManager *m, GDBusMethodInvocation *inv, guint32 uid,
                             const char *name, const char *profile_path, OspProfile *profile,
                             OspConnectOptions *options)
{
  g_autoptr(OspProfile) p = profile;
  g_autoptr(GError) error = NULL;
  ConnEntry *old = g_hash_table_lookup(m->connections, name);
  OspExportedConnectionHost host = {
    .object_manager = m->om,
    .agents = m->agents,
    .state_dir = m->state_dir,
    .state_changed = conn_state_changed,
    .check_ip_config = conn_check_ip_config,
    .handle_disconnect = conn_handle_disconnect,
    .user_data = m,
  };
  ConnEntry *ce;

  if (m->shutting_down) {
    g_dbus_method_invocation_return_error(inv, OSP_ERROR, OSP_ERROR_FAILED,
                                          "ospreyd is shutting down");
    goto out;
  }
  if (old && !osp_exported_connection_is_finished(old->ec)) {
    g_dbus_method_invocation_return_error(inv, OSP_DAEMON_ERROR, OSP_DAEMON_ERROR_ALREADY_ACTIVE,
                                          "\"%s\" is already active (%s)", name,
                                          osp_exported_connection_get_path(old->ec));
    goto out;
  }
  if (count_active(m) >= CONNECTIONS_MAX) {
    g_dbus_method_invocation_return_error(inv, OSP_DAEMON_ERROR, OSP_DAEMON_ERROR_LIMIT_EXCEEDED,
                                          "Too many active connections");
    goto out;
  }
  if (!osp_profile_validate(p, &error) || !check_route_conflicts(m, name, p, NULL, &error)) {
    return_error(inv, error);
    goto out;
  }
  if (old)
    g_hash_table_remove(m->connections, name);
  ce = g_new0(ConnEntry, 1);
  ce->ec = osp_exported_connection_new(&host, ++m->next_serial, name, profile_path, uid,
                                       g_dbus_method_invocation_get_sender(inv),
                                       g_steal_pointer(&p), options, log_for(m, name));
  g_hash_table_insert(m->connections, g_strdup(name), ce);
  if (!osp_exported_connection_start(ce->ec, &error)) {
    g_hash_table_remove(m->connections, name);
    update_connections_property(m);
    update_active_connection(m, name);
    return_error(inv, error);
    goto out;
  }
  update_connections_property(m);
  update_active_connection(m, name);
  g_dbus_method_invocation_return_value(
      inv, g_variant_new("(o)", osp_exported_connection_get_path(ce->ec)));
out:
  osp_connect_options_clear(options);
}

/* ---- profiles ----------------------------------------------------------- */

static ProfileEntry *lookup_profile(OspManager *m, GDBusMethodInvocation *inv, const char *name)
{
  ProfileEntry *e = g_hash_table_lookup(m->profiles, name);

  if (!e)
    g_dbus_method_invocation_return_error(inv, OSP_DAEMON_ERROR, OSP_DAEMON_ERROR_NOT_FOUND,
                                          "No profile \"%s\"", name);
  return e;
}

/* The engine's view of a stored profile, with its stored secrets. */
static OspProfile *profile_for_connect(OspManager *m, ProfileEntry *e, GError **error)
{
  g_autoptr(OspProfile) p = osp_profile_from_keyfile(e->kf, error);
  g_autoptr(GHashTable) secrets = NULL;
  const char *v;

  if (!p)
    return NULL;
  g_free(p->name);
  p->name = g_strdup(e->name);
  secrets = osp_profile_store_load_secrets(m->store, e->name, error);
  if (!secrets)
    return NULL;
  if (!p->group_secret && (v = g_hash_table_lookup(secrets, "group-secret")))
    p->group_secret = g_strdup(v);
  if (!p->password && (v = g_hash_table_lookup(secrets, "password")))
    p->password = g_strdup(v);
  return g_steal_pointer(&p);
}

static gboolean handle_profile_update(OspDBusProfile *iface, GDBusMethodInvocation *inv,
                                      GVariant *settings, const char *const *reset,
                                      gpointer user_data);
static gboolean handle_profile_set_secrets(OspDBusProfile *iface, GDBusMethodInvocation *inv,
                                           GVariant *secrets, gpointer user_data);
static gboolean handle_profile_delete(OspDBusProfile *iface, GDBusMethodInvocation *inv,
                                      gpointer user_data);
static gboolean handle_profile_connect(OspDBusProfile *iface, GDBusMethodInvocation *inv,
                                       GVariant *options, gpointer user_data);
static gboolean handle_profile_export(OspDBusProfile *iface, GDBusMethodInvocation *inv,
                                      gpointer user_data);

static ProfileEntry *add_profile_entry(OspManager *m, const char *name, GKeyFile *kf)
{
  ProfileEntry *e = g_new0(ProfileEntry, 1);
  g_autofree char *escaped = g_dbus_escape_object_path(name);
  ConnEntry *ce = g_hash_table_lookup(m->connections, name);

  e->m = m;
  e->name = g_strdup(name);
  e->path = g_strconcat(PROFILE_PATH_PREFIX, escaped, NULL);
  e->iface = osp_dbus_profile_skeleton_new();
  osp_dbus_profile_set_name(e->iface, name);
  osp_dbus_profile_set_active_connection(e->iface,
                                         ce ? osp_exported_connection_get_path(ce->ec) : "/");
  if (ce)
    osp_exported_connection_set_profile_path(ce->ec, e->path);
  g_signal_connect(e->iface, "handle-update", G_CALLBACK(handle_profile_update), e);
  g_signal_connect(e->iface, "handle-set-secrets", G_CALLBACK(handle_profile_set_secrets), e);
  g_signal_connect(e->iface, "handle-delete", G_CALLBACK(handle_profile_delete), e);
  g_signal_connect(e->iface, "handle-connect", G_CALLBACK(handle_profile_connect), e);
  g_signal_connect(e->iface, "handle-export", G_CALLBACK(handle_profile_export), e);
  g_hash_table_insert(m->profiles, e->name, e);
  profile_set_keyfile(m, e, kf);
  e->object = osp_dbus_object_skeleton_new(e->path);
  osp_dbus_object_skeleton_set_profile(e->object, e->iface);
  g_dbus_object_manager_server_export(m->om, G_DBUS_OBJECT_SKELETON(e->object));
  update_profiles_property(m);
  return e;
}

static void remove_profile_entry(OspManager *m, const char *name)
{
  ConnEntry *ce = g_hash_table_lookup(m->connections, name);

  if (ce)
    osp_exported_connection_set_profile_path(ce->ec, "/");
  g_hash_table_remove(m->profiles, name);
  update_profiles_property(m);
}

/* Checks that a keyfile makes a valid profile, by the engine's rules. */
static gboolean keyfile_is_valid(GKeyFile *kf, GError **error)
{
  g_autoptr(OspProfile) p = osp_profile_from_keyfile(kf, error);

  return p && osp_profile_validate(p, error);
}

/* Profile.Update */
static void update_authorized(OspManager *m, GDBusMethodInvocation *inv, guint32 uid, gpointer data)
{
  ProfileEntry *e = lookup_profile(m, inv, data);
  GVariant *params = g_dbus_method_invocation_get_parameters(inv);
  g_autoptr(GVariant) settings = NULL;
  g_autofree const char **reset = NULL;
  g_autoptr(GKeyFile) kf = NULL;
  g_autofree char *text = NULL;
  g_autoptr(GError) error = NULL;

  if (!e)
    return;
  g_variant_get(params, "(@a{sv}^a&s)", &settings, &reset);
  text = g_key_file_to_data(e->kf, NULL, NULL);
  kf = g_key_file_new();
  if (!g_key_file_load_from_data(kf, text, (gsize)-1, G_KEY_FILE_KEEP_COMMENTS, &error) ||
      !osp_settings_apply(kf, settings, &error)) {
    return_error(inv, error);
    return;
  }
  for (const char **r = reset; *r; r++)
    g_key_file_remove_key(kf, OSP_PROFILE_GROUP, *r, NULL);
  if (!keyfile_is_valid(kf, &error) || !osp_profile_store_save(m->store, e->name, kf, &error)) {
    return_error(inv, error);
    return;
  }
  profile_set_keyfile(m, e, kf);
  g_log_structured(G_LOG_DOMAIN, G_LOG_LEVEL_MESSAGE, "PROFILE", e->name, "MESSAGE",
                   "%s: profile updated by uid %u", e->name, uid);
  osp_dbus_profile_complete_update(e->iface, inv);
}

static gboolean handle_profile_update(OspDBusProfile *iface, GDBusMethodInvocation *inv,
                                      GVariant *settings, const char *const *reset,
                                      gpointer user_data)
{
  ProfileEntry *e = user_data;
  g_autoptr(GError) error = NULL;

  if (!osp_settings_apply(NULL, settings, &error)) {
    return_error(inv, error);
    return G_DBUS_METHOD_INVOCATION_HANDLED;
  }
  if (g_strv_length((char **)reset) > SETTINGS_MAX) {
    return_invalid(inv, "Too many keys to reset");
    return G_DBUS_METHOD_INVOCATION_HANDLED;
  }
  for (const char *const *r = reset; *r; r++)
    if (!osp_setting_is_known(*r)) {
      return_invalid(inv, "Unknown setting \"%.64s\"", *r);
      return G_DBUS_METHOD_INVOCATION_HANDLED;
    }
  authorize_modify(e->m, inv, settings_set_root_command(settings), update_authorized,
                   g_strdup(e->name), g_free);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

/* Profile.SetSecrets */
static void set_secrets_authorized(OspManager *m, GDBusMethodInvocation *inv, guint32 uid,
                                   gpointer data)
{
  ProfileEntry *e = lookup_profile(m, inv, data);
  GVariant *params = g_dbus_method_invocation_get_parameters(inv);
  g_autoptr(GVariant) secrets = g_variant_get_child_value(params, 0);
  g_autoptr(GHashTable) stored = NULL;
  g_autoptr(GError) error = NULL;
  GVariantIter it;
  const char *kind, *value;

  if (!e)
    return;
  stored = osp_profile_store_load_secrets(m->store, e->name, &error);
  if (!stored) {
    return_error(inv, error);
    return;
  }
  g_variant_iter_init(&it, secrets);
  while (g_variant_iter_next(&it, "{&s&s}", &kind, &value)) {
    if (*value)
      g_hash_table_replace(stored, g_strdup(kind), g_strdup(value));
    else
      g_hash_table_remove(stored, kind);
  }
  if (!osp_profile_store_save_secrets(m->store, e->name, stored, &error)) {
    return_error(inv, error);
    return;
  }
  update_saved_secrets(m, e);
  g_log_structured(G_LOG_DOMAIN, G_LOG_LEVEL_MESSAGE, "PROFILE", e->name, "MESSAGE",
                   "%s: stored secrets changed by uid %u", e->name, uid);
  osp_dbus_profile_complete_set_secrets(e->iface, inv);
}

static gboolean handle_profile_set_secrets(OspDBusProfile *iface, GDBusMethodInvocation *inv,
                                           GVariant *secrets, gpointer user_data)
{
  ProfileEntry *e = user_data;
  GVariantIter it;
  const char *kind, *value;

  if (g_variant_n_children(secrets) > 8) {
    return_invalid(inv, "Too many secrets");
    return G_DBUS_METHOD_INVOCATION_HANDLED;
  }
  g_variant_iter_init(&it, secrets);
  while (g_variant_iter_next(&it, "{&s&s}", &kind, &value)) {
    if (!g_strv_contains(osp_setting_secret_keys(), kind)) {
      return_invalid(inv, "Only group-secret and password can be stored, not \"%.64s\"", kind);
      return G_DBUS_METHOD_INVOCATION_HANDLED;
    }
    if (*value && !osp_secret_value_is_valid(value)) {
      return_invalid(inv, "Invalid value for \"%s\" (too long or control characters)", kind);
      return G_DBUS_METHOD_INVOCATION_HANDLED;
    }
  }
  authorize(e->m, inv, OSP_AUTHZ_MODIFY, set_secrets_authorized, g_strdup(e->name), g_free);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

/* Profile.Delete */
static void delete_authorized(OspManager *m, GDBusMethodInvocation *inv, guint32 uid, gpointer data)
{
  ProfileEntry *e = lookup_profile(m, inv, data);
  g_autoptr(GError) error = NULL;
  g_autofree char *name = NULL;
  ConnEntry *ce;

  if (!e)
    return;
  name = g_strdup(e->name);
  if (!osp_profile_store_delete(m->store, name, &error)) {
    return_error(inv, error);
    return;
  }
  ce = g_hash_table_lookup(m->connections, name);
  if (ce)
    osp_exported_connection_disconnect(ce->ec);
  remove_profile_entry(m, name);
  g_log_structured(G_LOG_DOMAIN, G_LOG_LEVEL_MESSAGE, "PROFILE", name, "MESSAGE",
                   "%s: profile deleted by uid %u", name, uid);
  g_dbus_method_invocation_return_value(inv, NULL);
}

static gboolean handle_profile_delete(OspDBusProfile *iface, GDBusMethodInvocation *inv,
                                      gpointer user_data)
{
  ProfileEntry *e = user_data;

  authorize(e->m, inv, OSP_AUTHZ_MODIFY, delete_authorized, g_strdup(e->name), g_free);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

/* Profile.Connect */
static void connect_authorized(OspManager *m, GDBusMethodInvocation *inv, guint32 uid,
                               gpointer data)
{
  ProfileEntry *e = lookup_profile(m, inv, data);
  GVariant *params = g_dbus_method_invocation_get_parameters(inv);
  g_autoptr(GVariant) options_v = g_variant_get_child_value(params, 0);
  g_autoptr(GError) error = NULL;
  OspConnectOptions options = { 0 };
  OspProfile *p;

  if (!e)
    return;
  if (!osp_connect_options_parse(options_v, &options, &error)) {
    return_error(inv, error);
    return;
  }
  p = profile_for_connect(m, e, &error);
  if (!p) {
    osp_connect_options_clear(&options);
    return_error(inv, error);
    return;
  }
  start_connection(m, inv, uid, e->name, e->path, p, &options);
}

static gboolean handle_profile_connect(OspDBusProfile *iface, GDBusMethodInvocation *inv,
                                       GVariant *options, gpointer user_data)
{
  ProfileEntry *e = user_data;
  OspConnectOptions parsed = { 0 };
  g_autoptr(GError) error = NULL;

  if (!osp_connect_options_parse(options, &parsed, &error)) {
    return_error(inv, error);
    return G_DBUS_METHOD_INVOCATION_HANDLED;
  }
  osp_connect_options_clear(&parsed);
  authorize(e->m, inv, OSP_AUTHZ_CONNECT, connect_authorized, g_strdup(e->name), g_free);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

/* Profile.Export: never with secrets. */
static gboolean handle_profile_export(OspDBusProfile *iface, GDBusMethodInvocation *inv,
                                      gpointer user_data)
{
  ProfileEntry *e = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(OspProfile) p = osp_profile_from_keyfile(e->kf, &error);
  g_autofree char *text = NULL;

  if (!p) {
    return_error(inv, error);
    return G_DBUS_METHOD_INVOCATION_HANDLED;
  }
  text = osp_profile_to_vpnc(p, false);
  osp_dbus_profile_complete_export(iface, inv, text ? text : "");
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

/* ---- Manager methods ---------------------------------------------------- */

static gboolean check_name(GDBusMethodInvocation *inv, const char *name)
{
  if (!osp_profile_name_is_valid(name)) {
    return_invalid(inv,
                   "Invalid profile name: use 1 to %d letters, digits, '-', '_', '.' or "
                   "'@', not starting with '.' or '-'",
                   OSP_PROFILE_NAME_MAX);
    return FALSE;
  }
  return TRUE;
}

static gboolean handle_get_profile(OspDBusManager *iface, GDBusMethodInvocation *inv,
                                   const char *name, gpointer user_data)
{
  OspManager *m = user_data;
  ProfileEntry *e;

  if (!check_name(inv, name))
    return G_DBUS_METHOD_INVOCATION_HANDLED;
  e = lookup_profile(m, inv, name);
  if (e)
    osp_dbus_manager_complete_get_profile(iface, inv, e->path);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean can_add_profile(OspManager *m, GDBusMethodInvocation *inv, const char *name,
                                gboolean replace)
{
  if (!replace &&
      (g_hash_table_contains(m->profiles, name) || osp_profile_store_exists(m->store, name))) {
    g_dbus_method_invocation_return_error(inv, OSP_DAEMON_ERROR, OSP_DAEMON_ERROR_ALREADY_EXISTS,
                                          "A profile named \"%s\" exists", name);
    return FALSE;
  }
  if (!g_hash_table_contains(m->profiles, name) &&
      g_hash_table_size(m->profiles) >= OSP_PROFILES_MAX) {
    g_dbus_method_invocation_return_error(inv, OSP_DAEMON_ERROR, OSP_DAEMON_ERROR_LIMIT_EXCEEDED,
                                          "Too many profiles");
    return FALSE;
  }
  return TRUE;
}

/* Manager.AddProfile */
static void add_authorized(OspManager *m, GDBusMethodInvocation *inv, guint32 uid, gpointer data)
{
  GVariant *params = g_dbus_method_invocation_get_parameters(inv);
  const char *name;
  g_autoptr(GVariant) settings = NULL;
  g_autoptr(GKeyFile) kf = g_key_file_new();
  g_autoptr(GError) error = NULL;
  ProfileEntry *e;

  g_variant_get(params, "(&s@a{sv})", &name, &settings);
  if (!can_add_profile(m, inv, name, FALSE))
    return;
  if (!osp_settings_apply(kf, settings, &error) || !keyfile_is_valid(kf, &error) ||
      !osp_profile_store_save(m->store, name, kf, &error)) {
    return_error(inv, error);
    return;
  }
  e = add_profile_entry(m, name, kf);
  g_log_structured(G_LOG_DOMAIN, G_LOG_LEVEL_MESSAGE, "PROFILE", name, "MESSAGE",
                   "%s: profile added by uid %u", name, uid);
  osp_dbus_manager_complete_add_profile(m->iface, inv, e->path);
}

static gboolean handle_add_profile(OspDBusManager *iface, GDBusMethodInvocation *inv,
                                   const char *name, GVariant *settings, gpointer user_data)
{
  OspManager *m = user_data;
  g_autoptr(GError) error = NULL;

  if (!check_name(inv, name))
    return G_DBUS_METHOD_INVOCATION_HANDLED;
  if (!osp_settings_apply(NULL, settings, &error)) {
    return_error(inv, error);
    return G_DBUS_METHOD_INVOCATION_HANDLED;
  }
  authorize_modify(m, inv, settings_set_root_command(settings), add_authorized, NULL, NULL);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

typedef struct {
  gboolean save_secrets;
  gboolean replace;
} ImportOptions;

static gboolean parse_import_options(GVariant *options, ImportOptions *ret, GError **error)
{
  GVariantIter it;
  const char *key;
  GVariant *value;

  ret->save_secrets = TRUE;
  ret->replace = FALSE;
  g_variant_iter_init(&it, options);
  while (g_variant_iter_next(&it, "{&sv}", &key, &value)) {
    g_autoptr(GVariant) v = value;

    if (strcmp(key, "save-secrets") != 0 && strcmp(key, "replace") != 0) {
      g_set_error(error, OSP_DAEMON_ERROR, OSP_DAEMON_ERROR_INVALID_ARGUMENTS,
                  "Unknown option \"%.64s\"", key);
      return FALSE;
    }
    if (!g_variant_is_of_type(v, G_VARIANT_TYPE_BOOLEAN)) {
      g_set_error(error, OSP_DAEMON_ERROR, OSP_DAEMON_ERROR_INVALID_ARGUMENTS,
                  "Option \"%s\" must be a boolean (b)", key);
      return FALSE;
    }
    if (key[0] == 's')
      ret->save_secrets = g_variant_get_boolean(v);
    else
      ret->replace = g_variant_get_boolean(v);
  }
  return TRUE;
}

static char *import_name(const char *name, const char *filename)
{
  if (*name)
    return g_strdup(name);
  return osp_profile_name_from_filename(filename);
}

/* Manager.ImportProfile */
static void import_authorized(OspManager *m, GDBusMethodInvocation *inv, guint32 uid, gpointer data)
{
  GVariant *params = g_dbus_method_invocation_get_parameters(inv);
  const char *name_arg, *filename;
  g_autoptr(GVariant) contents = NULL, options_v = NULL;
  g_autofree char *name = NULL;
  g_autoptr(GPtrArray) warnings = g_ptr_array_new_with_free_func(g_free);
  g_autoptr(GError) error = NULL;
  g_autoptr(OspProfile) p = NULL;
  g_autoptr(GKeyFile) kf = NULL;
  g_autoptr(GHashTable) secrets = NULL;
  ImportOptions opts;
  ProfileEntry *e;
  const char *text;
  gsize len;

  g_variant_get(params, "(&s&s@ay@a{sv})", &name_arg, &filename, &contents, &options_v);
  parse_import_options(options_v, &opts, NULL);
  name = import_name(name_arg, filename);
  if (!can_add_profile(m, inv, name, opts.replace))
    return;
  text = g_variant_get_fixed_array(contents, &len, 1);
  p = osp_profile_parse_any(text, len, filename, warnings, &error);
  if (!p || !osp_profile_validate(p, &error)) {
    return_parse_error(inv, error, warnings);
    return;
  }
  kf = osp_profile_to_keyfile(p, false);
  if (!osp_profile_store_save(m->store, name, kf, &error)) {
    return_error(inv, error);
    return;
  }
  secrets = osp_profile_store_load_secrets(m->store, name, NULL);
  if (!secrets)
    secrets = osp_secrets_table_new();
  if (opts.save_secrets && p->group_secret && osp_secret_value_is_valid(p->group_secret))
    g_hash_table_replace(secrets, g_strdup("group-secret"), g_strdup(p->group_secret));
  if (opts.save_secrets && p->password && osp_secret_value_is_valid(p->password))
    g_hash_table_replace(secrets, g_strdup("password"), g_strdup(p->password));
  if (!osp_profile_store_save_secrets(m->store, name, secrets, &error)) {
    return_error(inv, error);
    return;
  }
  e = g_hash_table_lookup(m->profiles, name);
  if (e)
    profile_set_keyfile(m, e, kf);
  else
    e = add_profile_entry(m, name, kf);
  /* the importer should know what it let in (and was asked to authorize) */
  if (p->script && *p->script)
    g_ptr_array_add(warnings, g_strdup_printf(_("Script: “%s” runs as root (set-root-commands "
                                                "authorization)"),
                                              p->script));
  if (p->password_helper && *p->password_helper)
    g_ptr_array_add(warnings, g_strdup_printf(_("Password helper: “%s” runs as root "
                                                "(set-root-commands authorization)"),
                                              p->password_helper));
  g_ptr_array_add(warnings, NULL);
  g_log_structured(G_LOG_DOMAIN, G_LOG_LEVEL_MESSAGE, "PROFILE", name, "MESSAGE",
                   "%s: profile imported by uid %u (%u warnings)", name, uid, warnings->len - 1);
  osp_dbus_manager_complete_import_profile(m->iface, inv, e->path,
                                           (const char *const *)warnings->pdata);
}

static gboolean handle_import_profile(OspDBusManager *iface, GDBusMethodInvocation *inv,
                                      const char *name, const char *filename, GVariant *contents,
                                      GVariant *options, gpointer user_data)
{
  OspManager *m = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *derived = NULL;
  g_autoptr(OspProfile) p = NULL;
  ImportOptions opts;
  gsize len;

  if (strlen(filename) > 4096) {
    return_invalid(inv, "File name too long");
    return G_DBUS_METHOD_INVOCATION_HANDLED;
  }
  if (g_variant_n_children(contents) > IMPORT_MAX) {
    return_invalid(inv, "File too large (at most %d bytes)", IMPORT_MAX);
    return G_DBUS_METHOD_INVOCATION_HANDLED;
  }
  if (g_variant_n_children(contents) == 0) {
    return_invalid(inv, "Empty file");
    return G_DBUS_METHOD_INVOCATION_HANDLED;
  }
  if (!parse_import_options(options, &opts, &error)) {
    return_error(inv, error);
    return G_DBUS_METHOD_INVOCATION_HANDLED;
  }
  derived = import_name(name, filename);
  if (!derived) {
    return_invalid(inv, "No profile name given and none can be made from the file name");
    return G_DBUS_METHOD_INVOCATION_HANDLED;
  }
  if (!check_name(inv, derived))
    return G_DBUS_METHOD_INVOCATION_HANDLED;
  /* parsed here only to know which authorization it needs; a file that
   * does not parse fails in import_authorized() with its error */
  {
    const char *text = g_variant_get_fixed_array(contents, &len, 1);

    p = osp_profile_parse_any(text, len, filename, NULL, NULL);
  }
  authorize_modify(m, inv, p && profile_sets_root_command(p), import_authorized, NULL, NULL);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

/* Manager.ConnectConfig */
static void connect_config_authorized(OspManager *m, GDBusMethodInvocation *inv, guint32 uid,
                                      gpointer data)
{
  GVariant *params = g_dbus_method_invocation_get_parameters(inv);
  const char *name_arg;
  g_autoptr(GVariant) configs = NULL, options_v = NULL;
  g_autoptr(GPtrArray) warnings = g_ptr_array_new_with_free_func(g_free);
  g_autoptr(GError) error = NULL;
  g_autoptr(OspProfile) p = NULL;
  OspConnectOptions options = { 0 };
  const char *name;

  g_variant_get(params, "(&s@aay@a{sv})", &name_arg, &configs, &options_v);
  name = *name_arg ? name_arg : "config";
  if (g_hash_table_contains(m->profiles, name)) {
    g_dbus_method_invocation_return_error(inv, OSP_DAEMON_ERROR, OSP_DAEMON_ERROR_ALREADY_EXISTS,
                                          "A profile named \"%s\" exists: connect it, or choose "
                                          "another name",
                                          name);
    return;
  }
  for (gsize i = 0; i < g_variant_n_children(configs); i++) {
    g_autoptr(GVariant) c = g_variant_get_child_value(configs, i);
    gsize len;
    const char *text = g_variant_get_fixed_array(c, &len, 1);

    if (i == 0)
      p = osp_profile_parse_any(text, len, NULL, warnings, &error);
    else if (!osp_profile_merge_vpnc(p, text, len, warnings, &error))
      g_clear_pointer(&p, osp_profile_free);
    if (!p) {
      return_parse_error(inv, error, warnings);
      return;
    }
  }
  if (!osp_profile_validate(p, &error)) {
    return_parse_error(inv, error, warnings);
    return;
  }
  for (guint i = 0; i < warnings->len; i++)
    g_log_structured(G_LOG_DOMAIN, G_LOG_LEVEL_INFO, "PROFILE", name, "MESSAGE", "%s: %s", name,
                     (const char *)g_ptr_array_index(warnings, i));
  g_free(p->name);
  p->name = g_strdup(name);
  if (!osp_connect_options_parse(options_v, &options, &error)) {
    return_error(inv, error);
    return;
  }
  start_connection(m, inv, uid, name, "/", g_steal_pointer(&p), &options);
}

static gboolean handle_connect_config(OspDBusManager *iface, GDBusMethodInvocation *inv,
                                      const char *name, GVariant *configs, GVariant *options,
                                      gpointer user_data)
{
  OspManager *m = user_data;
  g_autoptr(GError) error = NULL;
  OspConnectOptions parsed = { 0 };
  gsize n = g_variant_n_children(configs), total = 0;

  if (*name && !check_name(inv, name))
    return G_DBUS_METHOD_INVOCATION_HANDLED;
  if (n == 0 || n > CONFIGS_MAX) {
    return_invalid(inv, "Give 1 to %d configuration files", CONFIGS_MAX);
    return G_DBUS_METHOD_INVOCATION_HANDLED;
  }
  for (gsize i = 0; i < n; i++) {
    g_autoptr(GVariant) c = g_variant_get_child_value(configs, i);

    total += g_variant_n_children(c);
  }
  if (total > IMPORT_MAX) {
    return_invalid(inv, "Configuration too large (at most %d bytes)", IMPORT_MAX);
    return G_DBUS_METHOD_INVOCATION_HANDLED;
  }
  if (!osp_connect_options_parse(options, &parsed, &error)) {
    return_error(inv, error);
    return G_DBUS_METHOD_INVOCATION_HANDLED;
  }
  osp_connect_options_clear(&parsed);
  authorize(m, inv, OSP_AUTHZ_CONNECT_CONFIG, connect_config_authorized, NULL, NULL);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

/* Manager.RegisterAgent / UnregisterAgent */
static void register_agent_identified(OspManager *m, GDBusMethodInvocation *inv, guint32 uid,
                                      gpointer data)
{
  g_autoptr(GError) error = NULL;
  const char *path;

  g_variant_get(g_dbus_method_invocation_get_parameters(inv), "(&o)", &path);
  if (!osp_agent_manager_register(m->agents, g_dbus_method_invocation_get_sender(inv), uid, path,
                                  &error))
    return_error(inv, error);
  else
    osp_dbus_manager_complete_register_agent(m->iface, inv);
}

static gboolean handle_register_agent(OspDBusManager *iface, GDBusMethodInvocation *inv,
                                      const char *path, gpointer user_data)
{
  OspManager *m = user_data;

  if (m->shutting_down) {
    g_dbus_method_invocation_return_error(inv, OSP_ERROR, OSP_ERROR_FAILED,
                                          "ospreyd is shutting down");
    return G_DBUS_METHOD_INVOCATION_HANDLED;
  }
  authorize(m, inv, OSP_AUTHZ_NONE, register_agent_identified, NULL, NULL);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean handle_unregister_agent(OspDBusManager *iface, GDBusMethodInvocation *inv,
                                        const char *path, gpointer user_data)
{
  OspManager *m = user_data;
  g_autoptr(GError) error = NULL;

  if (!osp_agent_manager_unregister(m->agents, g_dbus_method_invocation_get_sender(inv), path,
                                    &error))
    return_error(inv, error);
  else
    osp_dbus_manager_complete_unregister_agent(iface, inv);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

/* Manager.GetLog */
static gboolean handle_get_log(OspDBusManager *iface, GDBusMethodInvocation *inv, const char *name,
                               gpointer user_data)
{
  OspManager *m = user_data;
  OspEventLog *log;

  if (!check_name(inv, name))
    return G_DBUS_METHOD_INVOCATION_HANDLED;
  log = g_hash_table_lookup(m->logs, name);
  if (!log)
    log = stored_log(m, name);
  if (!log) {
    g_dbus_method_invocation_return_error(inv, OSP_DAEMON_ERROR, OSP_DAEMON_ERROR_NOT_FOUND,
                                          "No connection of \"%s\" is on record", name);
    return G_DBUS_METHOD_INVOCATION_HANDLED;
  }
  osp_dbus_manager_complete_get_log(iface, inv, osp_event_log_to_variant(log));
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

/* ---- lifecycle ---------------------------------------------------------- */

void osp_manager_reload(OspManager *m)
{
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) names = osp_profile_store_list(m->store, &error);
  g_autoptr(GPtrArray) gone = g_ptr_array_new_with_free_func(g_free);
  GHashTableIter it;
  gpointer key;

  if (!names) {
    g_warning("%s", error->message);
    return;
  }
  for (char **n = names; *n; n++) {
    g_autoptr(GError) lerr = NULL;
    g_autoptr(GKeyFile) kf = osp_profile_store_load(m->store, *n, &lerr);
    ProfileEntry *e;

    if (!kf) {
      g_warning("%s", lerr->message);
      continue;
    }
    if (!keyfile_is_valid(kf, &lerr))
      g_log_structured(G_LOG_DOMAIN, G_LOG_LEVEL_WARNING, "PROFILE", *n, "MESSAGE",
                       "%s: invalid profile: %s", *n, lerr->message);
    if (g_key_file_has_key(kf, OSP_PROFILE_GROUP, "group-secret", NULL) ||
        g_key_file_has_key(kf, OSP_PROFILE_GROUP, "password", NULL))
      g_log_structured(G_LOG_DOMAIN, G_LOG_LEVEL_WARNING, "PROFILE", *n, "MESSAGE",
                       "%s: the profile file holds secrets; move them to the secrets store "
                       "(osprey secrets)",
                       *n);
    e = g_hash_table_lookup(m->profiles, *n);
    if (e)
      profile_set_keyfile(m, e, kf);
    else
      add_profile_entry(m, *n, kf);
  }
  g_hash_table_iter_init(&it, m->profiles);
  while (g_hash_table_iter_next(&it, &key, NULL))
    if (!g_strv_contains((const char *const *)names, key))
      g_ptr_array_add(gone, g_strdup(key));
  for (guint i = 0; i < gone->len; i++)
    remove_profile_entry(m, g_ptr_array_index(gone, i));
  g_info("%u profiles loaded from %s", g_hash_table_size(m->profiles),
         osp_profile_store_get_dir(m->store));
}

OspManager *osp_manager_new(GDBusConnection *bus, const OspManagerConfig *config, OspAuthz *authz,
                            GError **error)
{
  g_autoptr(OspManager) m = g_new0(OspManager, 1);

  m->bus = g_object_ref(bus);
  m->authz = authz;
  m->store = osp_profile_store_new(config->profiles_dir, config->secrets_dir);
  m->agents = osp_agent_manager_new(bus);
  m->profiles =
      g_hash_table_new_full(g_str_hash, g_str_equal, NULL, (GDestroyNotify)profile_entry_free);
  m->connections =
      g_hash_table_new_full(g_str_hash, g_str_equal, g_free, (GDestroyNotify)conn_entry_free);
  m->logs =
      g_hash_table_new_full(g_str_hash, g_str_equal, g_free, (GDestroyNotify)osp_event_log_free);
  m->state_dir = g_strdup(config->state_dir ? config->state_dir : osp_default_state_dir());
  m->logs_dir = make_logs_dir(m->state_dir);
  m->om = g_dbus_object_manager_server_new(OSP_DBUS_PATH);

  m->iface = osp_dbus_manager_skeleton_new();
  osp_dbus_manager_set_version(m->iface, OSP_VERSION);
  g_signal_connect(m->iface, "handle-get-profile", G_CALLBACK(handle_get_profile), m);
  g_signal_connect(m->iface, "handle-add-profile", G_CALLBACK(handle_add_profile), m);
  g_signal_connect(m->iface, "handle-import-profile", G_CALLBACK(handle_import_profile), m);
  g_signal_connect(m->iface, "handle-connect-config", G_CALLBACK(handle_connect_config), m);
  g_signal_connect(m->iface, "handle-register-agent", G_CALLBACK(handle_register_agent), m);
  g_signal_connect(m->iface, "handle-unregister-agent", G_CALLBACK(handle_unregister_agent), m);
  g_signal_connect(m->iface, "handle-get-log", G_CALLBACK(handle_get_log), m);
  update_connections_property(m);

  osp_manager_reload(m);
  update_profiles_property(m);
  if (!g_dbus_interface_skeleton_export(G_DBUS_INTERFACE_SKELETON(m->iface), bus, OSP_DBUS_PATH,
                                        error))
    return NULL;
  g_dbus_object_manager_server_set_connection(m->om, bus);
  return g_steal_pointer(&m);
}

static gboolean shutdown_timeout(gpointer user_data)
{
  OspManager *m = user_data;

  m->shutdown_timeout_id = 0;
  g_warning("Connections did not end in time; exiting anyway");
  m->shutting_down = FALSE;
  if (m->shutdown_done)
    m->shutdown_done(m->shutdown_data);
  return G_SOURCE_REMOVE;
}

static void maybe_finish_shutdown(OspManager *m)
{
  if (count_active(m) > 0 || !m->shutdown_done)
    return;
  if (m->shutdown_timeout_id) {
    g_source_remove(m->shutdown_timeout_id);
    m->shutdown_timeout_id = 0;
  }
  m->shutting_down = FALSE;
  g_idle_add(m->shutdown_done, m->shutdown_data);
  m->shutdown_done = NULL;
}

void osp_manager_shutdown(OspManager *m, GSourceFunc done, gpointer user_data)
{
  GHashTableIter it;
  ConnEntry *ce;

  if (m->shutting_down)
    return;
  m->shutting_down = TRUE;
  m->shutdown_done = done;
  m->shutdown_data = user_data;
  osp_agent_manager_release_all(m->agents);
  g_hash_table_iter_init(&it, m->connections);
  while (g_hash_table_iter_next(&it, NULL, (gpointer *)&ce))
    osp_exported_connection_disconnect(ce->ec);
  if (count_active(m) > 0)
    m->shutdown_timeout_id = g_timeout_add_seconds(SHUTDOWN_TIMEOUT_S, shutdown_timeout, m);
  maybe_finish_shutdown(m);
}

void osp_manager_free(OspManager *m)
{
  if (!m)
    return;
  if (m->shutdown_timeout_id)
    g_source_remove(m->shutdown_timeout_id);
  g_clear_pointer(&m->connections, g_hash_table_destroy);
  g_clear_pointer(&m->profiles, g_hash_table_destroy);
  g_clear_pointer(&m->logs, g_hash_table_destroy);
  g_clear_pointer(&m->logs_dir, g_free);
  g_clear_pointer(&m->state_dir, g_free);
  if (m->iface) {
    g_dbus_interface_skeleton_unexport(G_DBUS_INTERFACE_SKELETON(m->iface));
    g_signal_handlers_disconnect_by_data(m->iface, m);
    g_clear_object(&m->iface);
  }
  g_clear_object(&m->om);
  g_clear_pointer(&m->agents, osp_agent_manager_free);
  g_clear_pointer(&m->store, osp_profile_store_free);
  g_clear_pointer(&m->authz, osp_authz_free);
  g_clear_object(&m->bus);
  g_free(m);
}
