/* SPDX-License-Identifier: GPL-2.0-or-later
 * ospreyd — the inside of the Manager, shared by its files:
 *
 *   osp-manager-errors.c    the error domains and their D-Bus names
 *   osp-manager-profiles.c  the Profile objects and their methods
 *   osp-manager.c           the Manager: state, authorization, routes,
 *                           connections, its methods, life cycle
 */
#pragma once

#include "osp-agent.h"
#include "osp-authz.h"
#include "osp-config.h"
#include "osp-dbus-connection.h"
#include "osp-dbus-generated.h"
#include "osp-error.h"
#include "osp-manager.h"
#include "osp-profile-store.h"
#include "osp-profile.h"
#include "osp-route-conflict.h"

#include <arpa/inet.h>
#include <errno.h>
#include <glib/gi18n.h>
#include <string.h>

#define PROFILE_PATH_PREFIX OSP_DBUS_PATH "/Profile/"
#define SETTINGS_MAX 64 /* keys in a reset list */
#define IMPORT_MAX (1024 * 1024)
#define CONFIGS_MAX 16
#define CONNECTIONS_MAX 32
#define LINGER_S (5 * 60)
#define SHUTDOWN_TIMEOUT_S 15

typedef struct {
  OspManager *m;
  char *name;
  char *path;
  OspDBusObjectSkeleton *object;
  OspDBusProfile *iface;
  GKeyFile *kf;
} ProfileEntry;

typedef struct {
  OspExportedConnection *ec;
  guint linger_id;
} ConnEntry;

struct OspManager {
  GDBusConnection *bus;
  OspProfileStore *store;
  OspAuthz *authz;
  OspAgentManager *agents;
  GDBusObjectManagerServer *om;
  OspDBusManager *iface;
  GHashTable *profiles;    /* name -> ProfileEntry */
  GHashTable *connections; /* name -> ConnEntry: the name's current or last connection */
  GHashTable *logs;        /* name -> OspEventLog */
  char *state_dir;         /* the engine keeps what worked before here */
  char *logs_dir;          /* the logs' copies on disk: STATE_DIR/logs, or NULL */
  guint next_serial;
  gboolean shutting_down;
  GSourceFunc shutdown_done;
  gpointer shutdown_data;
  guint shutdown_timeout_id;
};

typedef void (*AuthorizedFunc)(OspManager *m, GDBusMethodInvocation *inv, guint32 uid,
                               gpointer data);

/* errors (osp-manager-errors.c) */
#define return_invalid(inv, ...)                                 \
  g_dbus_method_invocation_return_error((inv), OSP_DAEMON_ERROR, \
                                        OSP_DAEMON_ERROR_INVALID_ARGUMENTS, __VA_ARGS__)
void osp_manager_return_error(GDBusMethodInvocation *inv, const GError *error);
void osp_manager_return_parse_error(GDBusMethodInvocation *inv, GError *error, GPtrArray *warnings);

/* Profile objects (osp-manager-profiles.c) */
ProfileEntry *osp_manager_lookup_profile(OspManager *m, GDBusMethodInvocation *inv,
                                         const char *name);
ProfileEntry *osp_manager_add_profile_entry(OspManager *m, const char *name, GKeyFile *kf);
void osp_manager_remove_profile_entry(OspManager *m, const char *name);
gboolean osp_manager_keyfile_is_valid(GKeyFile *kf, GError **error);

/* the Manager (osp-manager.c) */
void osp_manager_update_profiles_property(OspManager *m);
void osp_manager_update_saved_secrets(OspManager *m, ProfileEntry *e);
void osp_manager_profile_set_keyfile(OspManager *m, ProfileEntry *e, GKeyFile *kf);
void osp_manager_authorize(OspManager *m, GDBusMethodInvocation *inv, OspAuthzAction action,
                           AuthorizedFunc func, gpointer data, GDestroyNotify free_data);
void osp_manager_authorize_modify(OspManager *m, GDBusMethodInvocation *inv, gboolean root_commands,
                                  AuthorizedFunc func, gpointer data, GDestroyNotify free_data);
gboolean osp_manager_settings_set_root_command(GVariant *settings);
void osp_manager_start_connection(OspManager *m, GDBusMethodInvocation *inv, guint32 uid,
                                  const char *name, const char *profile_path, OspProfile *profile,
                                  OspConnectOptions *options);
