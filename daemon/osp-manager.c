/* SPDX-License-Identifier: GPL-2.0-or-later
 * ospreyd — the Manager object.
 *
 * Every method validates its arguments first (cheap, no disk or bus I/O),
 * then asks authorization, then re-reads what it needs: a profile may have
 * changed or gone while polkit was thinking. */
#include "osp-manager-private.h"

#include <arpa/inet.h>
#include <errno.h>
#include <glib/gi18n.h>
#include <string.h>

/* ---- state -------------------------------------------------------------- */

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

void osp_manager_update_profiles_property(OspManager *m)
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

void osp_manager_update_saved_secrets(OspManager *m, ProfileEntry *e)
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

void osp_manager_profile_set_keyfile(OspManager *m, ProfileEntry *e, GKeyFile *kf)
{
  if (e->kf != kf) {
    g_clear_pointer(&e->kf, g_key_file_unref);
    e->kf = g_key_file_ref(kf);
  }
  osp_dbus_profile_set_settings(e->iface, osp_settings_to_variant(kf));
  osp_manager_update_saved_secrets(m, e);
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
    osp_manager_return_error(c->inv, error);
  if (c->free_data)
    c->free_data(c->data);
  g_object_unref(c->inv);
  g_free(c);
}

void osp_manager_authorize(OspManager *m, GDBusMethodInvocation *inv, OspAuthzAction action,
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

  osp_manager_authorize(m, inv, OSP_AUTHZ_ROOT_COMMANDS, t->func, g_steal_pointer(&t->data),
                        t->free_data);
}

void osp_manager_authorize_modify(OspManager *m, GDBusMethodInvocation *inv, gboolean root_commands,
                                  AuthorizedFunc func, gpointer data, GDestroyNotify free_data)
{
  RootCommandsStep *t;

  if (!root_commands) {
    osp_manager_authorize(m, inv, OSP_AUTHZ_MODIFY, func, data, free_data);
    return;
  }
  t = g_new0(RootCommandsStep, 1);
  t->func = func;
  t->data = data;
  t->free_data = free_data;
  osp_manager_authorize(m, inv, OSP_AUTHZ_MODIFY, root_commands_step, t, root_commands_step_free);
}

/* Does this a{sv} of settings set a command that runs as root? */
gboolean osp_manager_settings_set_root_command(GVariant *settings)
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
  osp_manager_authorize(m, inv, OSP_AUTHZ_DISCONNECT, disconnect_authorized, g_strdup(data),
                        g_free);
}

static void conn_handle_disconnect(OspExportedConnection *ec, GDBusMethodInvocation *inv,
                                   gpointer user_data)
{
  OspManager *m = user_data;

  osp_manager_authorize(m, inv, OSP_AUTHZ_NONE, disconnect_identified,
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
void osp_manager_start_connection(OspManager *m, GDBusMethodInvocation *inv, guint32 uid,
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
    osp_manager_return_error(inv, error);
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
    osp_manager_return_error(inv, error);
    goto out;
  }
  update_connections_property(m);
  update_active_connection(m, name);
  g_dbus_method_invocation_return_value(
      inv, g_variant_new("(o)", osp_exported_connection_get_path(ce->ec)));
out:
  osp_connect_options_clear(options);
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
  e = osp_manager_lookup_profile(m, inv, name);
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
  if (!osp_settings_apply(kf, settings, &error) || !osp_manager_keyfile_is_valid(kf, &error) ||
      !osp_profile_store_save(m->store, name, kf, &error)) {
    osp_manager_return_error(inv, error);
    return;
  }
  e = osp_manager_add_profile_entry(m, name, kf);
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
    osp_manager_return_error(inv, error);
    return G_DBUS_METHOD_INVOCATION_HANDLED;
  }
  osp_manager_authorize_modify(m, inv, osp_manager_settings_set_root_command(settings),
                               add_authorized, NULL, NULL);
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
    osp_manager_return_parse_error(inv, error, warnings);
    return;
  }
  kf = osp_profile_to_keyfile(p, false);
  if (!osp_profile_store_save(m->store, name, kf, &error)) {
    osp_manager_return_error(inv, error);
    return;
  }
  secrets = osp_profile_store_load_secrets(m->store, name, NULL);
  if (!secrets)
    secrets = osp_secrets_table_new();
  for (OspSecretKind k = 0; opts.save_secrets && k < OSP_SECRET_N_KINDS; k++) {
    char **field = osp_profile_secret_field(p, k);

    if (osp_secret_kind_info(k)->stored && field && *field && osp_secret_value_is_valid(*field))
      g_hash_table_replace(secrets, g_strdup(osp_secret_kind_name(k)), g_strdup(*field));
  }
  if (!osp_profile_store_save_secrets(m->store, name, secrets, &error)) {
    osp_manager_return_error(inv, error);
    return;
  }
  e = g_hash_table_lookup(m->profiles, name);
  if (e)
    osp_manager_profile_set_keyfile(m, e, kf);
  else
    e = osp_manager_add_profile_entry(m, name, kf);
  /* the importer should know what it let in (and was asked to osp_manager_authorize) */
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
    osp_manager_return_error(inv, error);
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
  osp_manager_authorize_modify(m, inv, p && profile_sets_root_command(p), import_authorized, NULL,
                               NULL);
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
      osp_manager_return_parse_error(inv, error, warnings);
      return;
    }
  }
  if (!osp_profile_validate(p, &error)) {
    osp_manager_return_parse_error(inv, error, warnings);
    return;
  }
  for (guint i = 0; i < warnings->len; i++)
    g_log_structured(G_LOG_DOMAIN, G_LOG_LEVEL_INFO, "PROFILE", name, "MESSAGE", "%s: %s", name,
                     (const char *)g_ptr_array_index(warnings, i));
  g_free(p->name);
  p->name = g_strdup(name);
  if (!osp_connect_options_parse(options_v, &options, &error)) {
    osp_manager_return_error(inv, error);
    return;
  }
  osp_manager_start_connection(m, inv, uid, name, "/", g_steal_pointer(&p), &options);
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
    osp_manager_return_error(inv, error);
    return G_DBUS_METHOD_INVOCATION_HANDLED;
  }
  osp_connect_options_clear(&parsed);
  osp_manager_authorize(m, inv, OSP_AUTHZ_CONNECT_CONFIG, connect_config_authorized, NULL, NULL);
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
    osp_manager_return_error(inv, error);
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
  osp_manager_authorize(m, inv, OSP_AUTHZ_NONE, register_agent_identified, NULL, NULL);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean handle_unregister_agent(OspDBusManager *iface, GDBusMethodInvocation *inv,
                                        const char *path, gpointer user_data)
{
  OspManager *m = user_data;
  g_autoptr(GError) error = NULL;

  if (!osp_agent_manager_unregister(m->agents, g_dbus_method_invocation_get_sender(inv), path,
                                    &error))
    osp_manager_return_error(inv, error);
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
    if (!osp_manager_keyfile_is_valid(kf, &lerr))
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
      osp_manager_profile_set_keyfile(m, e, kf);
    else
      osp_manager_add_profile_entry(m, *n, kf);
  }
  g_hash_table_iter_init(&it, m->profiles);
  while (g_hash_table_iter_next(&it, &key, NULL))
    if (!g_strv_contains((const char *const *)names, key))
      g_ptr_array_add(gone, g_strdup(key));
  for (guint i = 0; i < gone->len; i++)
    osp_manager_remove_profile_entry(m, g_ptr_array_index(gone, i));
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
  osp_manager_update_profiles_property(m);
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
