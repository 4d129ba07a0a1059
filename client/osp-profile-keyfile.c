/* SPDX-License-Identifier: GPL-2.0-or-later
 * Osprey — Osprey's own profile keyfile (osprey.conf(5)). */
#include "osp-profile-private.h"

#include "osp-error.h"

#include <string.h>

#include <openssl/crypto.h>

#include <glib/gi18n-lib.h>

/* ------------------------------------------------------------------ */
/* Osprey keyfile */

OspProfile *osp_profile_from_keyfile(GKeyFile *kf, GError **error)
{
  g_autoptr(OspProfile) p = NULL;
  g_auto(GStrv) keys = NULL;
  size_t i;

  g_return_val_if_fail(kf, NULL);

  if (!g_key_file_has_group(kf, KEYFILE_GROUP)) {
    g_set_error(error, OSP_ERROR, OSP_ERROR_CONFIG, _("The profile has no [%s] group"),
                KEYFILE_GROUP);
    return NULL;
  }
  keys = g_key_file_get_keys(kf, KEYFILE_GROUP, NULL, NULL);
  p = osp_profile_new();
  for (i = 0; keys && keys[i]; i++) {
    const ProfileField *f = osp_profile_field_by_key(keys[i]);
    g_autoptr(GError) e = NULL;
    char *v;
    gboolean ok;

    if (!f) {
      /* written by a newer Osprey, probably: forward compatible */
      g_debug("profile: unknown key %s ignored", keys[i]);
      continue;
    }
    v = g_key_file_get_string(kf, KEYFILE_GROUP, keys[i], &e);
    if (!v) {
      g_set_error(error, OSP_ERROR, OSP_ERROR_CONFIG, "%s: %s", keys[i], e->message);
      return NULL;
    }
    if (!*v && !osp_profile_field_is_string(f)) {
      /* an empty boolean would read as "on" in vpnc's way: refuse instead */
      g_set_error(error, OSP_ERROR, OSP_ERROR_CONFIG, _("%s needs a value"), keys[i]);
      ok = FALSE;
    } else {
      ok = osp_profile_field_parse(f, p, keys[i], v, error);
    }
    osp_profile_wipe_free(v);
    if (!ok)
      return NULL;
  }
  return g_steal_pointer(&p);
}

GKeyFile *osp_profile_to_keyfile(const OspProfile *p, bool with_secrets)
{
  g_autoptr(OspProfile) defaults = osp_profile_new();
  GKeyFile *kf;
  size_t i;

  g_return_val_if_fail(p, NULL);

  kf = g_key_file_new();
  for (i = 0; i < N_FIELDS; i++) {
    const ProfileField *f = &osp_profile_fields[i];
    g_autofree char *v = osp_profile_field_to_write(f, p, defaults, with_secrets);

    if (!v)
      continue;
    if (f->type == T_BOOL)
      g_key_file_set_boolean(kf, KEYFILE_GROUP, FIELD_KEY(f), *(const bool *)FIELD_CPTR(p, f));
    else
      g_key_file_set_string(kf, KEYFILE_GROUP, FIELD_KEY(f), v);
    if (f->type == T_SECRET)
      OPENSSL_cleanse(v, strlen(v));
  }
  /* GKeyFile has no way to add an empty group, and a profile without its
   * group would not read back: an empty gateway reads as NULL */
  if (!g_key_file_has_group(kf, KEYFILE_GROUP))
    g_key_file_set_string(kf, KEYFILE_GROUP, "gateway", "");
  g_key_file_set_comment(kf, NULL, NULL, " Osprey VPN profile, see osprey.conf(5)", NULL);
  return kf;
}
