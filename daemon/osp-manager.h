/* SPDX-License-Identifier: GPL-2.0-or-later
 * ospreyd — the net.ospreyvpn.Osprey1.Manager object and the Profile
 * objects: what the daemon serves on the bus. */
#pragma once

#include "osp-authz.h"
#include "osp-error.h"

#include <gio/gio.h>

G_BEGIN_DECLS

/* Failures of the daemon itself (the engine's are OSP_ERROR).  Both domains
 * are registered as net.ospreyvpn.Osprey1.Error.<Name>. */
#define OSP_DAEMON_ERROR (osp_daemon_error_quark())
GQuark osp_daemon_error_quark(void);

/* Its codes, OspDaemonErrorCode, are in osp-error.h beside the engine's. */

/* Stable reason code of an error of either domain ("local-error" for
 * anything else). */
const char *osp_daemon_reason_code(const GError *error);
/* Registers both error domains with GDBus; call once before serving. */
void osp_dbus_errors_register(void);

#define OSP_DBUS_PATH "/net/ospreyvpn/Osprey1"

typedef struct OspManager OspManager;

typedef struct {
  const char *profiles_dir; /* keyfiles NAME.conf */
  const char *secrets_dir;  /* root-only store */
  const char *state_dir;    /* what worked before, event logs (logs/NAME.log) */
} OspManagerConfig;

/* Exports the Manager, the object manager and one object per profile found
 * in the profiles directory; takes `authz`. */
OspManager *osp_manager_new(GDBusConnection *bus, const OspManagerConfig *config, OspAuthz *authz,
                            GError **error);
/* Re-reads the profiles directory (SIGHUP). */
void osp_manager_reload(OspManager *manager);
/* Disconnects every connection and tells agents Release(); `done` runs once
 * every connection has ended (or after a timeout). */
void osp_manager_shutdown(OspManager *manager, GSourceFunc done, gpointer user_data);
void osp_manager_free(OspManager *manager);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(OspManager, osp_manager_free)

G_END_DECLS
