/* SPDX-License-Identifier: GPL-2.0-or-later
 * Osprey — the stable names of the shared vocabulary (osp-types.h): they
 * are D-Bus API (the State property). */
#include "osp-types.h"

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
