/* SPDX-License-Identifier: GPL-2.0-or-later
 * ospreyd — one OspConnection exported as a net.ospreyvpn.Osprey1.Connection
 * object: engine events become properties (flushed at every state change,
 * so each transition is one PropertiesChanged), log events and agent
 * requests. */
#pragma once

#include "osp-agent.h"
#include "osp-connection.h"
#include "osp-dbus-generated.h"
#include "osp-event-log.h"

G_BEGIN_DECLS

#define OSP_CONNECTION_PATH_PREFIX "/net/ospreyvpn/Osprey1/Connection/"
#define OSP_SECRET_VALUE_MAX 1024

/* Connect options (Profile.Connect, Manager.ConnectConfig). */
typedef struct {
  GHashTable *secrets; /* kind -> value, wiped on free; never NULL after parse */
  gboolean interactive;
  gboolean reconnect;
} OspConnectOptions;

gboolean osp_connect_options_parse(GVariant *options, OspConnectOptions *ret, GError **error);
void osp_connect_options_clear(OspConnectOptions *o);
/* Validates one secret value: non-empty, no control characters, bounded. */
gboolean osp_secret_value_is_valid(const char *value);

typedef struct OspExportedConnection OspExportedConnection;

typedef struct {
  GDBusObjectManagerServer *object_manager;
  OspAgentManager *agents;
  const char *state_dir; /* the engine's (OspConnectionFlags.state_dir) */
  /* after every state change, once the properties are updated */
  void (*state_changed)(OspExportedConnection *ec, gpointer user_data);
  /* the IP configuration arrived; FALSE with an error refuses it and ends
   * the connection with that error (route conflicts) */
  gboolean (*check_ip_config)(OspExportedConnection *ec, const OspIpConfig *cfg, GError **error,
                              gpointer user_data);
  /* Connection.Disconnect() was called: authorize, then
   * osp_exported_connection_disconnect() and complete the invocation */
  void (*handle_disconnect)(OspExportedConnection *ec, GDBusMethodInvocation *invocation,
                            gpointer user_data);
  gpointer user_data;
} OspExportedConnectionHost;

/* Takes `profile`; the secrets of `options` fill the profile (they win over
 * stored ones, which the caller has put in already) or answer requests. */
OspExportedConnection *osp_exported_connection_new(const OspExportedConnectionHost *host,
                                                   guint serial, const char *name,
                                                   const char *profile_path, guint32 uid,
                                                   const char *sender, OspProfile *profile,
                                                   OspConnectOptions *options, OspEventLog *log);
/* Starts the engine and exports the object. */
gboolean osp_exported_connection_start(OspExportedConnection *ec, GError **error);
/* Unexports; tears the engine down without network I/O if still up. */
void osp_exported_connection_free(OspExportedConnection *ec);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(OspExportedConnection, osp_exported_connection_free)

void osp_exported_connection_disconnect(OspExportedConnection *ec);
/* Ends the connection, reporting `error` as its reason (takes it). */
void osp_exported_connection_fail(OspExportedConnection *ec, GError *error);

const char *osp_exported_connection_get_path(OspExportedConnection *ec);
const char *osp_exported_connection_get_name(OspExportedConnection *ec);
guint32 osp_exported_connection_get_uid(OspExportedConnection *ec);
const OspProfile *osp_exported_connection_get_profile(OspExportedConnection *ec);
const OspIpConfig *osp_exported_connection_get_ip_config(OspExportedConnection *ec);
/* disconnected or failed: nothing more will happen */
gboolean osp_exported_connection_is_finished(OspExportedConnection *ec);
void osp_exported_connection_set_profile_path(OspExportedConnection *ec, const char *path);

G_END_DECLS
