/* SPDX-License-Identifier: GPL-2.0-or-later
 * ospreyd — profiles on disk: one keyfile NAME.conf per profile in the
 * profiles directory (mode 0644, written atomically), and the root-only
 * secrets store: one keyfile per profile in the secrets directory (mode
 * 0700), group [secrets], keys group-secret and password (mode 0600). */
#pragma once

#include "osp-dbus-settings.h"

#include <gio/gio.h>

G_BEGIN_DECLS

#define OSP_PROFILE_NAME_MAX OSP_DBUS_PROFILE_NAME_MAX
#define OSP_PROFILE_GROUP "profile"
#define OSP_PROFILES_MAX 1024
#define OSP_SETTINGS_MAX 64         /* keys in one settings dictionary */
#define OSP_SETTING_STRING_MAX 4096 /* bytes in one string setting */

/* 1..64 of [A-Za-z0-9._@-], not starting with '.' or '-'. */
gboolean osp_profile_name_is_valid(const char *name);
/* A valid name made from a file name: base name, extension dropped, other
 * characters replaced by '_'; NULL if nothing usable is left. */
char *osp_profile_name_from_filename(const char *filename);

typedef struct OspProfileStore OspProfileStore;

OspProfileStore *osp_profile_store_new(const char *profiles_dir, const char *secrets_dir);
void osp_profile_store_free(OspProfileStore *store);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(OspProfileStore, osp_profile_store_free)

const char *osp_profile_store_get_dir(OspProfileStore *store);

/* Names of the profiles on disk (valid names only), sorted. */
GStrv osp_profile_store_list(OspProfileStore *store, GError **error);
GKeyFile *osp_profile_store_load(OspProfileStore *store, const char *name, GError **error);
gboolean osp_profile_store_exists(OspProfileStore *store, const char *name);
/* Writes atomically (mode 0644); secret keys are never written here. */
gboolean osp_profile_store_save(OspProfileStore *store, const char *name, GKeyFile *kf,
                                GError **error);
/* Removes the keyfile and the stored secrets. */
gboolean osp_profile_store_delete(OspProfileStore *store, const char *name, GError **error);

/* Stored secrets: kind -> value (values wiped when the table is freed);
 * an empty table when none. */
GHashTable *osp_profile_store_load_secrets(OspProfileStore *store, const char *name,
                                           GError **error);
/* Replaces the stored secrets (mode 0600, atomically); an empty table
 * removes the file. */
gboolean osp_profile_store_save_secrets(OspProfileStore *store, const char *name,
                                        GHashTable *secrets, GError **error);
/* A new empty secrets table with the right destructors. */
GHashTable *osp_secrets_table_new(void);

/* The settings dictionary of the D-Bus API (see the XML): keyfile keys of
 * [profile] with one D-Bus type each. */
gboolean osp_setting_is_known(const char *key);
/* Applies a settings dictionary to `kf` (NULL: only checks it):
 * OSP_DAEMON_ERROR_INVALID_ARGUMENTS for unknown keys, secrets, wrong
 * types, duplicates, oversized or control-character values. */
gboolean osp_settings_apply(GKeyFile *kf, GVariant *settings, GError **error);
/* The keys of `kf` as a settings dictionary, secrets left out (floating). */
GVariant *osp_settings_to_variant(GKeyFile *kf);

G_END_DECLS
