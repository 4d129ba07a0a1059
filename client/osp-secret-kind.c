/* SPDX-License-Identifier: GPL-2.0-or-later
 * Osprey — the one table of secret kinds (osp-secret-kind.h).  The names
 * are stable API (data/net.ospreyvpn.Osprey1.xml lists them), the
 * vpn.secrets keys are NetworkManager-vpnc's where it has the secret; the
 * labels are NetworkManager-vpnc's words too ("Group password", "User
 * name", "Password"), so that a user moving from it meets the same ones,
 * and translated by whoever shows them. */
#include "osp-secret-kind.h"
#include "osp-isakmp.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#define NONE OSP_SETTING_N

/* name, vpn.secrets key, label, echo, one-time, setting, stored, XAUTH
 * attribute, auth modes.  The group secret keys SKEYID with a pre-shared
 * key only (RFC 2409 5.4): hybrid and certificates derive it from the
 * nonces (5.1), so the engine asks for it with psk alone; the key's
 * passphrase opens our certificate's key, used with cert alone. */
static const OspSecretKindInfo kinds[OSP_SECRET_N_KINDS] = {
  [OSP_SECRET_GROUP_SECRET] = { OSP_SECRET_GROUP_SECRET, "group-secret", "IPSec secret",
                                N_("Group password"), false, false, OSP_SETTING_GROUP_SECRET, true,
                                0, "psk" },
  [OSP_SECRET_USERNAME] = { OSP_SECRET_USERNAME, "username", "Xauth username", N_("User name"),
                            true, false, OSP_SETTING_USERNAME, false, X_USER_NAME },
  [OSP_SECRET_PASSWORD] = { OSP_SECRET_PASSWORD, "password", "Xauth password", N_("Password"),
                            false, false, OSP_SETTING_PASSWORD, true, X_USER_PASSWORD },
  [OSP_SECRET_PASSCODE] = { OSP_SECRET_PASSCODE, "passcode", "Xauth passcode", N_("Token code"),
                            false, true, NONE, false, X_PASSCODE },
  [OSP_SECRET_NEXT_PIN] = { OSP_SECRET_NEXT_PIN, "next-pin", "Xauth next PIN", N_("New PIN"), false,
                            true, NONE, false, X_NEXT_PIN },
  [OSP_SECRET_ANSWER] = { OSP_SECRET_ANSWER, "answer", "Xauth answer", N_("Answer"), false, true,
                          NONE, false, X_ANSWER },
  [OSP_SECRET_KEY_PASSPHRASE] = { OSP_SECRET_KEY_PASSPHRASE, "key-passphrase",
                                  "Client key passphrase", N_("Passphrase of the client key"),
                                  false, false, OSP_SETTING_KEY_PASSPHRASE, true, 0, "cert" },
};

#undef NONE

const OspSecretKindInfo *osp_secret_kind_info(OspSecretKind k)
{
  return (unsigned)k < OSP_SECRET_N_KINDS ? &kinds[k] : NULL;
}

const OspSecretKindInfo *osp_secret_kind_find(const char *name)
{
  for (size_t i = 0; name && i < OSP_SECRET_N_KINDS; i++)
    if (strcmp(kinds[i].name, name) == 0)
      return &kinds[i];
  return NULL;
}

const OspSecretKindInfo *osp_secret_kind_find_nm(const char *nm_key)
{
  for (size_t i = 0; nm_key && i < OSP_SECRET_N_KINDS; i++)
    if (strcmp(kinds[i].nm_key, nm_key) == 0)
      return &kinds[i];
  return NULL;
}

char *osp_secret_kind_prompt(const char *label, const char *default_value)
{
  if (default_value)
    /* TRANSLATORS: a terminal prompt: a secret's label ("User name") and
     * what an empty answer gives ("alice") */
    return g_strdup_printf(_("%s [%s]: "), label, default_value);
  /* TRANSLATORS: a terminal prompt; %s is a secret's label ("Password") */
  return g_strdup_printf(_("%s: "), label);
}

const OspSecretKindInfo *osp_secret_kind_find_xauth(uint16_t attr)
{
  for (size_t i = 0; attr && i < OSP_SECRET_N_KINDS; i++)
    if (kinds[i].xauth == attr)
      return &kinds[i];
  return NULL;
}

bool osp_secret_kind_used(const OspSecretKindInfo *i, const char *auth_mode)
{
  const char *const *known = osp_settings[OSP_SETTING_AUTH_MODE].choices;
  g_auto(GStrv) modes = NULL;

  if (!i->auth_modes)
    return true;
  if (!auth_mode || !*auth_mode)
    auth_mode = known[0]; /* the setting's default */
  if (!g_strv_contains(known, auth_mode))
    return true;
  modes = g_strsplit(i->auth_modes, " ", -1);
  return g_strv_contains((const char *const *)modes, auth_mode);
}

const char *osp_secret_kind_name(OspSecretKind k)
{
  const OspSecretKindInfo *i = osp_secret_kind_info(k);

  return i ? i->name : NULL;
}

int osp_secret_kind_from_name(const char *name)
{
  const OspSecretKindInfo *i = osp_secret_kind_find(name);

  return i ? (int)i->kind : -1;
}
