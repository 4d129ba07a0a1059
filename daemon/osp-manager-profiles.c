/* SPDX-License-Identifier: GPL-2.0-or-later
 * ospreyd — the Profile objects: one per profile file, with Update,
 * SetSecrets, Delete, Connect and Export.  Like the Manager's, each method
 * checks its arguments, asks authorization, then re-reads the profile. */
#include "osp-manager-private.h"

#include <string.h>

/* ---- profiles ----------------------------------------------------------- */

ProfileEntry *osp_manager_lookup_profile(OspManager *m, GDBusMethodInvocation *inv,
                                         const char *name)
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
  for (OspSecretKind k = 0; k < OSP_SECRET_N_KINDS; k++) {
    char **field = osp_profile_secret_field(p, k);

    if (osp_secret_kind_info(k)->stored && field && !*field &&
        (v = g_hash_table_lookup(secrets, osp_secret_kind_name(k))))
      *field = g_strdup(v);
  }
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

ProfileEntry *osp_manager_add_profile_entry(OspManager *m, const char *name, GKeyFile *kf)
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
  osp_manager_profile_set_keyfile(m, e, kf);
  e->object = osp_dbus_object_skeleton_new(e->path);
  osp_dbus_object_skeleton_set_profile(e->object, e->iface);
  g_dbus_object_manager_server_export(m->om, G_DBUS_OBJECT_SKELETON(e->object));
  osp_manager_update_profiles_property(m);
  return e;
}

void osp_manager_remove_profile_entry(OspManager *m, const char *name)
{
  ConnEntry *ce = g_hash_table_lookup(m->connections, name);

  if (ce)
    osp_exported_connection_set_profile_path(ce->ec, "/");
  g_hash_table_remove(m->profiles, name);
  osp_manager_update_profiles_property(m);
}

/* Checks that a keyfile makes a valid profile, by the engine's rules. */
gboolean osp_manager_keyfile_is_valid(GKeyFile *kf, GError **error)
{
  g_autoptr(OspProfile) p = osp_profile_from_keyfile(kf, error);

  return p && osp_profile_validate(p, error);
}

/* ---- methods that act on one profile -------------------------------------- */

typedef void (*ProfileAuthorizedFunc)(OspManager *m, ProfileEntry *e, GDBusMethodInvocation *inv,
                                      guint32 uid);

typedef struct {
  ProfileAuthorizedFunc func;
  char *name;
} ProfileStep;

static void profile_step_free(gpointer data)
{
  ProfileStep *st = data;

  g_free(st->name);
  g_free(st);
}

/* Authorization may take a polkit dialog's time: the profile is looked up
 * again afterwards, and a profile deleted meanwhile is an error. */
static void profile_step(OspManager *m, GDBusMethodInvocation *inv, guint32 uid, gpointer data)
{
  ProfileStep *st = data;
  ProfileEntry *e = osp_manager_lookup_profile(m, inv, st->name);

  if (e)
    st->func(m, e, inv, uid);
}

/* Asks for `action` (OSP_AUTHZ_MODIFY also for root commands when
 * `root_commands`), then runs `func` on the profile. */
static void authorize_profile(ProfileEntry *e, GDBusMethodInvocation *inv, OspAuthzAction action,
                              gboolean root_commands, ProfileAuthorizedFunc func)
{
  ProfileStep *st = g_new0(ProfileStep, 1);

  st->func = func;
  st->name = g_strdup(e->name);
  if (action == OSP_AUTHZ_MODIFY)
    osp_manager_authorize_modify(e->m, inv, root_commands, profile_step, st, profile_step_free);
  else
    osp_manager_authorize(e->m, inv, action, profile_step, st, profile_step_free);
}

/* the journal's record of who changed a profile */
static void audit(const char *name, const char *what, guint32 uid)
{
  g_log_structured(G_LOG_DOMAIN, G_LOG_LEVEL_MESSAGE, "PROFILE", name, "MESSAGE",
                   "%s: %s by uid %u", name, what, uid);
}

/* Profile.Update */
static void update_authorized(OspManager *m, ProfileEntry *e, GDBusMethodInvocation *inv,
                              guint32 uid)
{
  GVariant *params = g_dbus_method_invocation_get_parameters(inv);
  g_autoptr(GVariant) settings = NULL;
  g_autofree const char **reset = NULL;
  g_autoptr(GKeyFile) kf = NULL;
  g_autofree char *text = NULL;
  g_autoptr(GError) error = NULL;

  g_variant_get(params, "(@a{sv}^a&s)", &settings, &reset);
  text = g_key_file_to_data(e->kf, NULL, NULL);
  kf = g_key_file_new();
  if (!g_key_file_load_from_data(kf, text, (gsize)-1, G_KEY_FILE_KEEP_COMMENTS, &error) ||
      !osp_settings_apply(kf, settings, &error)) {
    osp_manager_return_error(inv, error);
    return;
  }
  for (const char **r = reset; *r; r++)
    g_key_file_remove_key(kf, OSP_PROFILE_GROUP, *r, NULL);
  if (!osp_manager_keyfile_is_valid(kf, &error) ||
      !osp_profile_store_save(m->store, e->name, kf, &error)) {
    osp_manager_return_error(inv, error);
    return;
  }
  osp_manager_profile_set_keyfile(m, e, kf);
  audit(e->name, "profile updated", uid);
  osp_dbus_profile_complete_update(e->iface, inv);
}

static gboolean handle_profile_update(OspDBusProfile *iface, GDBusMethodInvocation *inv,
                                      GVariant *settings, const char *const *reset,
                                      gpointer user_data)
{
  ProfileEntry *e = user_data;
  g_autoptr(GError) error = NULL;

  if (!osp_settings_apply(NULL, settings, &error)) {
    osp_manager_return_error(inv, error);
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
  authorize_profile(e, inv, OSP_AUTHZ_MODIFY, osp_manager_settings_set_root_command(settings),
                    update_authorized);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

/* Profile.SetSecrets */
static void set_secrets_authorized(OspManager *m, ProfileEntry *e, GDBusMethodInvocation *inv,
                                   guint32 uid)
{
  GVariant *params = g_dbus_method_invocation_get_parameters(inv);
  g_autoptr(GVariant) secrets = g_variant_get_child_value(params, 0);
  g_autoptr(GHashTable) stored = NULL;
  g_autoptr(GError) error = NULL;
  GVariantIter it;
  const char *kind, *value;

  stored = osp_profile_store_load_secrets(m->store, e->name, &error);
  if (!stored) {
    osp_manager_return_error(inv, error);
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
    osp_manager_return_error(inv, error);
    return;
  }
  osp_manager_update_saved_secrets(m, e);
  audit(e->name, "stored secrets changed", uid);
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
      return_invalid(
          inv, "Only group-secret, password and key-passphrase can be stored, not \"%.64s\"", kind);
      return G_DBUS_METHOD_INVOCATION_HANDLED;
    }
    if (*value && !osp_secret_value_is_valid(value)) {
      return_invalid(inv, "Invalid value for \"%s\" (too long or control characters)", kind);
      return G_DBUS_METHOD_INVOCATION_HANDLED;
    }
  }
  authorize_profile(e, inv, OSP_AUTHZ_MODIFY, FALSE, set_secrets_authorized);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

/* Profile.Delete */
static void delete_authorized(OspManager *m, ProfileEntry *e, GDBusMethodInvocation *inv,
                              guint32 uid)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *name = NULL;
  ConnEntry *ce;

  name = g_strdup(e->name);
  if (!osp_profile_store_delete(m->store, name, &error)) {
    osp_manager_return_error(inv, error);
    return;
  }
  ce = g_hash_table_lookup(m->connections, name);
  if (ce)
    osp_exported_connection_disconnect(ce->ec);
  osp_manager_remove_profile_entry(m, name);
  audit(name, "profile deleted", uid);
  g_dbus_method_invocation_return_value(inv, NULL);
}

static gboolean handle_profile_delete(OspDBusProfile *iface, GDBusMethodInvocation *inv,
                                      gpointer user_data)
{
  ProfileEntry *e = user_data;

  authorize_profile(e, inv, OSP_AUTHZ_MODIFY, FALSE, delete_authorized);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

/* Profile.Connect */
static void connect_authorized(OspManager *m, ProfileEntry *e, GDBusMethodInvocation *inv,
                               guint32 uid)
{
  GVariant *params = g_dbus_method_invocation_get_parameters(inv);
  g_autoptr(GVariant) options_v = g_variant_get_child_value(params, 0);
  g_autoptr(GError) error = NULL;
  OspConnectOptions options = { 0 };
  OspProfile *p;

  if (!osp_connect_options_parse(options_v, &options, &error)) {
    osp_manager_return_error(inv, error);
    return;
  }
  p = profile_for_connect(m, e, &error);
  if (!p) {
    osp_connect_options_clear(&options);
    osp_manager_return_error(inv, error);
    return;
  }
  osp_manager_start_connection(m, inv, uid, e->name, e->path, p, &options);
}

static gboolean handle_profile_connect(OspDBusProfile *iface, GDBusMethodInvocation *inv,
                                       GVariant *options, gpointer user_data)
{
  ProfileEntry *e = user_data;
  OspConnectOptions parsed = { 0 };
  g_autoptr(GError) error = NULL;

  if (!osp_connect_options_parse(options, &parsed, &error)) {
    osp_manager_return_error(inv, error);
    return G_DBUS_METHOD_INVOCATION_HANDLED;
  }
  osp_connect_options_clear(&parsed);
  authorize_profile(e, inv, OSP_AUTHZ_CONNECT, FALSE, connect_authorized);
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
    osp_manager_return_error(inv, error);
    return G_DBUS_METHOD_INVOCATION_HANDLED;
  }
  text = osp_profile_to_vpnc(p, false);
  osp_dbus_profile_complete_export(iface, inv, text ? text : "");
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}
