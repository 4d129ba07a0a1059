/* SPDX-License-Identifier: GPL-2.0-or-later
 * osprey-tray — shared declarations.  The tray app is a D-Bus client of
 * ospreyd only (data/net.ospreyvpn.Osprey1.xml), like the command line: it
 * follows the daemon's objects, acts as the secret agent of its user and
 * shows notifications; it knows nothing of IKE or ESP. */
#pragma once

#include "osp-config.h"
#include "osp-dbus-generated.h"
#include "osp-reason.h"

#include <glib/gi18n.h>
#include <gtk/gtk.h>

#define OSP_TRAY_APP_ID "net.ospreyvpn.OspreyTray"
#define OSP_TRAY_BUS_NAME OSP_DBUS_NAME /* osp-config.h */
#define OSP_TRAY_MANAGER_PATH "/net/ospreyvpn/Osprey1"
#define OSP_TRAY_ERROR_PREFIX OSP_REASON_DBUS_PREFIX
/* how long a call that may ask polkit interactively may take */
#define OSP_TRAY_AUTH_TIMEOUT_MS (5 * 60 * 1000)

typedef struct _OspTrayAgent OspTrayAgent;
typedef struct _OspTrayDetails OspTrayDetails;

typedef struct {
  GtkApplication *app;
  GDBusConnection *bus;
  GDBusObjectManager *om;
  OspDBusManager *manager;
  char *daemon_owner; /* unique name of ospreyd; the agent answers it only */
  OspTrayAgent *agent;
  OspTrayDetails *details;

  /* the indicator: an AppIndicator (StatusNotifierItem) when a
   * StatusNotifierWatcher is on the session bus, else a GtkStatusIcon */
  GObject *indicator;
  GObject *status_icon;
  GtkWidget *menu;
  GHashTable *rows;        /* profile path -> OspTrayRow, the menu's profile items */
  GtkWidget *first_static; /* the separator after the profile items */
  GtkWidget *none_item;    /* "No profiles" / "Osprey service not running" */
  GHashTable *last_state;  /* connection path -> state last seen, for notifications */
  guint refresh_id;
  guint age_timer_id; /* runs only while the menu is shown and a connection is up */
} OspTray;

/* osp-tray.c */
OspDBusConnection *osp_tray_lookup_connection(OspTray *t, const char *path);
OspDBusProfile *osp_tray_lookup_profile(OspTray *t, const char *name);
void osp_tray_disconnect(OspTray *t, OspDBusConnection *c);
void osp_tray_queue_refresh(OspTray *t);

/* osp-tray-text.c: user-facing texts for daemon codes */
const char *osp_tray_state_text(const char *state);
const char *osp_tray_reason_sentence(const char *reason);
char *osp_tray_error_sentence(const GError *error);
char *osp_tray_age_text(gint64 since_usec, gint64 now_usec);
char *osp_tray_plain_text(const char *untrusted, gboolean one_line);

/* osp-tray-details.c: the details window of a connection */
void osp_tray_details_show(OspTray *t, const char *profile_name);
void osp_tray_details_changed(OspTray *t, OspDBusConnection *c);
void osp_tray_details_free(OspTray *t);

/* osp-tray-profiles.c: the profile editor */
void osp_tray_profiles_show(OspTray *t);
void osp_tray_profiles_free(OspTray *t);

/* osp-tray-import.c: Import…; done (NULL: a notification) is called once,
 * with the new profile's path or an error: G_IO_ERROR_CANCELLED when the
 * chooser or cancellable was cancelled. */
typedef void (*OspTrayImportDone)(OspTray *t, const char *file_name, const char *path,
                                  const char *const *warnings, const GError *error,
                                  gpointer user_data);
void osp_tray_import(OspTray *t, GtkWindow *parent, GCancellable *cancellable,
                     OspTrayImportDone done, gpointer user_data);

/* osp-tray-agent.c: the secret agent, its dialogs and the keyring */
OspTrayAgent *osp_tray_agent_new(OspTray *t);
void osp_tray_agent_free(OspTrayAgent *a);
void osp_tray_agent_register(OspTrayAgent *a);
void osp_tray_agent_forget(OspTrayAgent *a);
gboolean osp_tray_agent_rejected(OspTrayAgent *a, const char *connection);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(OspTrayAgent, osp_tray_agent_free)

/* osp-tray-notify.c: notifications from state changes */
void osp_tray_notify_state(OspTray *t, OspDBusConnection *c, const char *old_state);
void osp_tray_notify_error(OspTray *t, const char *name, gboolean connecting, const GError *error);
