/* SPDX-License-Identifier: GPL-2.0-or-later
 * Osprey — the states of a connection, once (osp-types.h): their names are
 * D-Bus API (the State property, data/net.ospreyvpn.Osprey1.xml lists
 * them), their texts are translated by whoever shows them. */
#include "osp-types.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#define S(id, name, final, text) [OSP_STATE_##id] = { OSP_STATE_##id, name, final, text }

static const OspStateInfo states[] = {
  S(DISCONNECTED, "disconnected", true, N_("Disconnected")),
  S(CONNECTING, "connecting", false, N_("Connecting…")),
  S(AUTHENTICATING, "authenticating", false, N_("Logging in…")),
  S(CONFIGURING, "configuring", false, N_("Configuring…")),
  S(CONNECTED, "connected", false, N_("Connected")),
  S(RECONNECTING, "reconnecting", false, N_("Reconnecting…")),
  S(DISCONNECTING, "disconnecting", false, N_("Disconnecting…")),
  S(FAILED, "failed", true, N_("Failed")),
};
G_STATIC_ASSERT(G_N_ELEMENTS(states) == OSP_STATE_FAILED + 1);

#undef S

const OspStateInfo *osp_state_info(OspState s)
{
  return (unsigned)s < G_N_ELEMENTS(states) ? &states[s] : NULL;
}

const OspStateInfo *osp_state_find(const char *name)
{
  for (size_t i = 0; name && i < G_N_ELEMENTS(states); i++)
    if (strcmp(states[i].name, name) == 0)
      return &states[i];
  return NULL;
}

const char *osp_state_name(OspState s)
{
  const OspStateInfo *i = osp_state_info(s);

  return i ? i->name : "unknown";
}

bool osp_state_name_is_final(const char *name)
{
  const OspStateInfo *i = osp_state_find(name);

  return i && i->final;
}
