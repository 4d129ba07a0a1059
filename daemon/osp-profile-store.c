/* SPDX-License-Identifier: GPL-2.0-or-later
 * ospreyd — profile keyfiles and the root-only secrets store. */
#include "osp-profile-store.h"
#include "osp-common.h"
#include "osp-dbus-settings.h"
#include "osp-error.h"
#include "osp-manager.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <openssl/crypto.h>
#include <string.h>
#include <sys/stat.h>

#define SECRETS_GROUP "secrets"

struct OspProfileStore {
  char *dir;
  char *secrets_dir;
};

gboolean osp_profile_name_is_valid(const char *name)
{
  return osp_dbus_profile_name_is_valid(name);
}

char *osp_profile_name_from_filename(const char *filename)
{
  if (!filename || !*filename)
    return NULL;
  return osp_dbus_profile_name_make(filename, TRUE);
}

OspProfileStore *osp_profile_store_new(const char *profiles_dir, const char *secrets_dir)
{
  OspProfileStore *store = g_new0(OspProfileStore, 1);

  store->dir = g_strdup(profiles_dir);
  store->secrets_dir = g_strdup(secrets_dir);
  return store;
}

void osp_profile_store_free(OspProfileStore *store)
{
  if (!store)
    return;
  g_free(store->dir);
  g_free(store->secrets_dir);
  g_free(store);
}

const char *osp_profile_store_get_dir(OspProfileStore *store)
{
  return store->dir;
}

static char *profile_path(OspProfileStore *store, const char *name)
{
  g_autofree char *file = g_strconcat(name, ".conf", NULL);

  return g_build_filename(store->dir, file, NULL);
}

static char *secrets_path(OspProfileStore *store, const char *name)
{
  return g_build_filename(store->secrets_dir, name, NULL);
}

static void set_io_error(GError **error, int err, const char *what, const char *path)
{
  g_set_error(error, OSP_ERROR, OSP_ERROR_FAILED, "Cannot %s %s: %s", what, path, g_strerror(err));
}

static gint cmp_str(gconstpointer a, gconstpointer b)
{
  return strcmp(*(const char *const *)a, *(const char *const *)b);
}

GStrv osp_profile_store_list(OspProfileStore *store, GError **error)
{
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
  g_autoptr(GError) local = NULL;
  g_autoptr(GDir) dir = g_dir_open(store->dir, 0, &local);
  const char *entry;

  if (!dir) {
    if (g_error_matches(local, G_FILE_ERROR, G_FILE_ERROR_NOENT)) {
      g_ptr_array_add(names, NULL);
      return (GStrv)g_ptr_array_free(g_steal_pointer(&names), FALSE);
    }
    g_set_error(error, OSP_ERROR, OSP_ERROR_FAILED, "Cannot read %s: %s", store->dir,
                local->message);
    return NULL;
  }
  while ((entry = g_dir_read_name(dir)) && names->len < OSP_PROFILES_MAX) {
    g_autofree char *name = NULL;

    if (!g_str_has_suffix(entry, ".conf"))
      continue;
    name = g_strndup(entry, strlen(entry) - strlen(".conf"));
    if (!osp_profile_name_is_valid(name))
      continue;
    g_ptr_array_add(names, g_steal_pointer(&name));
  }
  g_ptr_array_sort(names, cmp_str);
  g_ptr_array_add(names, NULL);
  return (GStrv)g_ptr_array_free(g_steal_pointer(&names), FALSE);
}

gboolean osp_profile_store_exists(OspProfileStore *store, const char *name)
{
  g_autofree char *path = profile_path(store, name);

  return g_file_test(path, G_FILE_TEST_EXISTS);
}

GKeyFile *osp_profile_store_load(OspProfileStore *store, const char *name, GError **error)
{
  g_autofree char *path = profile_path(store, name);
  g_autoptr(GKeyFile) kf = g_key_file_new();
  g_autoptr(GError) local = NULL;

  if (!g_key_file_load_from_file(kf, path, G_KEY_FILE_NONE, &local)) {
    g_set_error(error, OSP_ERROR, OSP_ERROR_CONFIG, "Cannot load %s: %s", path, local->message);
    return NULL;
  }
  return g_steal_pointer(&kf);
}

static gboolean ensure_dir(const char *dir, int mode, GError **error)
{
  if (g_mkdir_with_parents(dir, mode) < 0) {
    set_io_error(error, errno, "create", dir);
    return FALSE;
  }
  return TRUE;
}

gboolean osp_profile_store_save(OspProfileStore *store, const char *name, GKeyFile *kf,
                                GError **error)
{
  g_autofree char *path = profile_path(store, name);
  g_autofree char *data = NULL;
  gsize len;

  for (const char *const *k = osp_setting_secret_keys(); *k; k++)
    g_key_file_remove_key(kf, OSP_PROFILE_GROUP, *k, NULL);
  if (!ensure_dir(store->dir, 0755, error))
    return FALSE;
  data = g_key_file_to_data(kf, &len, NULL);
  if (!g_file_set_contents_full(path, data, (gssize)len,
                                G_FILE_SET_CONTENTS_CONSISTENT | G_FILE_SET_CONTENTS_DURABLE, 0644,
                                error))
    return FALSE;
  return TRUE;
}

gboolean osp_profile_store_delete(OspProfileStore *store, const char *name, GError **error)
{
  g_autofree char *path = profile_path(store, name);
  g_autofree char *spath = secrets_path(store, name);

  if (g_unlink(spath) < 0 && errno != ENOENT) {
    set_io_error(error, errno, "remove", spath);
    return FALSE;
  }
  if (g_unlink(path) < 0 && errno != ENOENT) {
    set_io_error(error, errno, "remove", path);
    return FALSE;
  }
  return TRUE;
}

GHashTable *osp_secrets_table_new(void)
{
  return g_hash_table_new_full(g_str_hash, g_str_equal, g_free, (GDestroyNotify)osp_str_wipe_free);
}

/* The secrets file is GKeyFile syntax ("[secrets]", key=value, values
 * escaped as g_key_file_set_string() does), but read and written here: a
 * GKeyFile frees its copies of the values without wiping them. */

/* GKeyFile's unescaping of a value, in place (it only shrinks); FALSE on
 * an escape GKeyFile would refuse too. */
static gboolean secret_unescape(char *v)
{
  char *out = v;

  for (const char *p = v; *p; p++) {
    if (*p != '\\') {
      *out++ = *p;
      continue;
    }
    switch (*++p) {
    case 's': *out++ = ' '; break;
    case 'n': *out++ = '\n'; break;
    case 't': *out++ = '\t'; break;
    case 'r': *out++ = '\r'; break;
    case '\\': *out++ = '\\'; break;
    default: return FALSE;
    }
  }
  *out = 0;
  return TRUE;
}

static void secrets_parse(char *text, GHashTable *table)
{
  gboolean in_group = FALSE;
  char *save = NULL;

  for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
    char *eq, *key, *value;

    if (*line == '#' || *line == 0)
      continue;
    if (*line == '[') {
      in_group = strcmp(line, "[" SECRETS_GROUP "]") == 0;
      continue;
    }
    eq = strchr(line, '=');
    if (!in_group || !eq)
      continue;
    *eq = 0;
    key = g_strstrip(line);
    value = eq + 1;
    while (*value == ' ' || *value == '\t')
      value++;
    if (g_strv_contains(osp_setting_secret_keys(), key) && *value && secret_unescape(value))
      g_hash_table_replace(table, g_strdup(key), g_strdup(value));
  }
}

GHashTable *osp_profile_store_load_secrets(OspProfileStore *store, const char *name, GError **error)
{
  g_autofree char *path = secrets_path(store, name);
  g_autoptr(GHashTable) table = osp_secrets_table_new();
  g_autoptr(GError) local = NULL;
  char *text = NULL;
  gsize len = 0;

  if (!g_file_get_contents(path, &text, &len, &local)) {
    if (g_error_matches(local, G_FILE_ERROR, G_FILE_ERROR_NOENT))
      return g_steal_pointer(&table);
    g_set_error(error, OSP_ERROR, OSP_ERROR_FAILED, "Cannot load stored secrets of %s: %s", name,
                local->message);
    return NULL;
  }
  secrets_parse(text, table);
  OPENSSL_cleanse(text, len);
  g_free(text);
  return g_steal_pointer(&table);
}

gboolean osp_profile_store_save_secrets(OspProfileStore *store, const char *name,
                                        GHashTable *secrets, GError **error)
{
  g_autofree char *path = secrets_path(store, name);
  GString *data;
  gsize need = sizeof("[" SECRETS_GROUP "]\n");
  gboolean ok;

  if (g_hash_table_size(secrets) == 0) {
    if (g_unlink(path) < 0 && errno != ENOENT) {
      set_io_error(error, errno, "remove", path);
      return FALSE;
    }
    return TRUE;
  }
  if (!ensure_dir(store->secrets_dir, 0700, error))
    return FALSE;
  /* The store must stay root-only even if it was created otherwise. */
  if (g_chmod(store->secrets_dir, 0700) < 0) {
    set_io_error(error, errno, "protect", store->secrets_dir);
    return FALSE;
  }
  /* sized once (escaping at most doubles a value): a GString that grows
   * leaves copies behind */
  for (const char *const *k = osp_setting_secret_keys(); *k; k++) {
    const char *v = g_hash_table_lookup(secrets, *k);

    if (v)
      need += strlen(*k) + 2 * strlen(v) + 2;
  }
  data = g_string_sized_new(need);
  g_string_append(data, "[" SECRETS_GROUP "]\n");
  for (const char *const *k = osp_setting_secret_keys(); *k; k++) {
    const char *v = g_hash_table_lookup(secrets, *k);

    if (!v || !*v)
      continue;
    g_string_append_printf(data, "%s=", *k);
    for (const char *p = v; *p; p++) {
      if (*p == '\\')
        g_string_append(data, "\\\\");
      else if (*p == ' ' && p == v)
        g_string_append(data, "\\s");
      else
        g_string_append_c(data, *p);
    }
    g_string_append_c(data, '\n');
  }
  ok = g_file_set_contents_full(path, data->str, (gssize)data->len,
                                G_FILE_SET_CONTENTS_CONSISTENT | G_FILE_SET_CONTENTS_DURABLE, 0600,
                                error);
  OPENSSL_cleanse(data->str, data->allocated_len);
  g_string_free(data, TRUE);
  return ok;
}

/* ---- the settings dictionary (keys: client/osp-settings.h) --------------- */

static gboolean is_secret_key(const char *key)
{
  return g_strv_contains(osp_setting_secret_keys(), key);
}

static gboolean string_value_ok(const char *s)
{
  if (strlen(s) > OSP_SETTING_STRING_MAX)
    return FALSE;
  for (const char *p = s; *p; p++)
    if ((unsigned char)*p < 0x20 || *p == 0x7f)
      return FALSE;
  return TRUE;
}

gboolean osp_settings_apply(GKeyFile *kf, GVariant *settings, GError **error)
{
  g_autoptr(GHashTable) seen = g_hash_table_new(g_str_hash, g_str_equal);
  GVariantIter it;
  const char *key;
  GVariant *value;

  if (g_variant_n_children(settings) > OSP_SETTINGS_MAX) {
    g_set_error(error, OSP_DAEMON_ERROR, OSP_DAEMON_ERROR_INVALID_ARGUMENTS, "Too many settings");
    return FALSE;
  }
  g_variant_iter_init(&it, settings);
  while (g_variant_iter_next(&it, "{&sv}", &key, &value)) {
    g_autoptr(GVariant) v = value;
    const OspSetting *def = osp_setting_dbus(key);

    if (is_secret_key(key)) {
      g_set_error(error, OSP_DAEMON_ERROR, OSP_DAEMON_ERROR_INVALID_ARGUMENTS,
                  "\"%s\" is a secret: use SetSecrets() or the \"secrets\" option of Connect()",
                  key);
      return FALSE;
    }
    if (!def) {
      g_set_error(error, OSP_DAEMON_ERROR, OSP_DAEMON_ERROR_INVALID_ARGUMENTS,
                  "Unknown setting \"%.64s\"", key);
      return FALSE;
    }
    if (!g_hash_table_add(seen, (gpointer)key)) {
      g_set_error(error, OSP_DAEMON_ERROR, OSP_DAEMON_ERROR_INVALID_ARGUMENTS,
                  "Setting \"%s\" given twice", key);
      return FALSE;
    }
    switch (def->dbus_type) {
    case 's':
      if (!g_variant_is_of_type(v, G_VARIANT_TYPE_STRING))
        goto bad_type;
      if (!string_value_ok(g_variant_get_string(v, NULL))) {
        g_set_error(error, OSP_DAEMON_ERROR, OSP_DAEMON_ERROR_INVALID_ARGUMENTS,
                    "Setting \"%s\" is too long or contains control characters", key);
        return FALSE;
      }
      if (kf)
        g_key_file_set_string(kf, OSP_PROFILE_GROUP, key, g_variant_get_string(v, NULL));
      break;
    case 'b':
      if (!g_variant_is_of_type(v, G_VARIANT_TYPE_BOOLEAN))
        goto bad_type;
      if (kf)
        g_key_file_set_boolean(kf, OSP_PROFILE_GROUP, key, g_variant_get_boolean(v));
      break;
    case 'u':
      if (!g_variant_is_of_type(v, G_VARIANT_TYPE_UINT32))
        goto bad_type;
      if (kf)
        g_key_file_set_uint64(kf, OSP_PROFILE_GROUP, key, g_variant_get_uint32(v));
      break;
    }
    continue;
  bad_type:
    g_set_error(error, OSP_DAEMON_ERROR, OSP_DAEMON_ERROR_INVALID_ARGUMENTS,
                "Setting \"%s\" must be of type %c, not %s", key, def->dbus_type,
                g_variant_get_type_string(v));
    return FALSE;
  }
  return TRUE;
}

GVariant *osp_settings_to_variant(GKeyFile *kf)
{
  g_auto(GStrv) keys = g_key_file_get_keys(kf, OSP_PROFILE_GROUP, NULL, NULL);
  GVariantBuilder b;

  g_variant_builder_init(&b, G_VARIANT_TYPE_VARDICT);
  for (char **k = keys; k && *k; k++) {
    const OspSetting *def = osp_setting_dbus(*k);
    g_autoptr(GError) error = NULL;

    /* the name is the file's, not a setting */
    if (is_secret_key(*k) || strcmp(*k, "name") == 0 || !g_utf8_validate(*k, -1, NULL))
      continue;
    if (def && def->dbus_type == 'b') {
      gboolean bv = g_key_file_get_boolean(kf, OSP_PROFILE_GROUP, *k, &error);

      if (!error)
        g_variant_builder_add(&b, "{sv}", *k, g_variant_new_boolean(bv));
    } else if (def && def->dbus_type == 'u') {
      guint64 uv = g_key_file_get_uint64(kf, OSP_PROFILE_GROUP, *k, &error);

      if (!error && uv <= G_MAXUINT32)
        g_variant_builder_add(&b, "{sv}", *k, g_variant_new_uint32((guint32)uv));
    } else {
      g_autofree char *sv = g_key_file_get_string(kf, OSP_PROFILE_GROUP, *k, &error);

      if (sv && g_utf8_validate(sv, -1, NULL))
        g_variant_builder_add(&b, "{sv}", *k, g_variant_new_string(sv));
    }
  }
  return g_variant_builder_end(&b);
}

gboolean osp_setting_is_known(const char *key)
{
  return osp_setting_dbus(key) != NULL;
}
