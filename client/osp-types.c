/* SPDX-License-Identifier: GPL-2.0-or-later
 * Osprey — the stable names of the shared vocabulary (osp-types.h): they
 * are D-Bus API (the State property, the secret keys of an agent). */
#include "osp-types.h"

#include <string.h>

static const char *const state_names[] = {
  [OSP_STATE_DISCONNECTED] = "disconnected",     [OSP_STATE_CONNECTING] = "connecting",
  [OSP_STATE_AUTHENTICATING] = "authenticating", [OSP_STATE_CONFIGURING] = "configuring",
  [OSP_STATE_CONNECTED] = "connected",           [OSP_STATE_RECONNECTING] = "reconnecting",
  [OSP_STATE_DISCONNECTING] = "disconnecting",   [OSP_STATE_FAILED] = "failed",
};

const char *osp_state_name(OspState s)
{
  return (unsigned)s < G_N_ELEMENTS(state_names) ? state_names[s] : "unknown";
}

static const char *const secret_names[OSP_SECRET_N_KINDS] = {
  [OSP_SECRET_GROUP_SECRET] = "group-secret",
  [OSP_SECRET_USERNAME] = "username",
  [OSP_SECRET_PASSWORD] = "password",
  [OSP_SECRET_PASSCODE] = "passcode",
  [OSP_SECRET_NEXT_PIN] = "next-pin",
  [OSP_SECRET_ANSWER] = "answer",
  [OSP_SECRET_KEY_PASSPHRASE] = "key-passphrase",
};

const char *osp_secret_kind_name(OspSecretKind k)
{
  return (unsigned)k < OSP_SECRET_N_KINDS ? secret_names[k] : NULL;
}

int osp_secret_kind_from_name(const char *name)
{
  for (int i = 0; name && i < OSP_SECRET_N_KINDS; i++)
    if (strcmp(name, secret_names[i]) == 0)
      return i;
  return -1;
}
