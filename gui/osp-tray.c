/* SPDX-License-Identifier: GPL-2.0-or-later
 * osprey-tray — the tray icon of Osprey: a GtkApplication (one instance per
 * session) whose indicator menu lists ospreyd's profiles with their state
 * and connects or disconnects them.  It follows the daemon through its
 * ObjectManager (objects added and removed, PropertiesChanged, the daemon's
 * name owner) and runs no timer while nothing is shown. */
#include "osp-tray.h"
#include "osp-types.h"

#include "osp-dbus-bus.h"

#include <libayatana-appindicator/app-indicator.h>
#include <locale.h>
#include <string.h>

#define SNI_WATCHER_NAME "org.kde.StatusNotifierWatcher"

typedef struct {
  char *profile_path;
  GtkWidget *status; /* "lab: Connected, 5 min" (opens the details) */
  GtkWidget *action; /* "Connect lab" / "Disconnect lab" / "Cancel lab" */
} OspTrayRow;

static char *opt_bus_address;

static void row_free(gpointer data)
{
  OspTrayRow *row = data;

  gtk_widget_destroy(row->status);
  gtk_widget_destroy(row->action);
  g_free(row->profile_path);
  g_free(row);
}

OspDBusConnection *osp_tray_lookup_connection(OspTray *t, const char *path)
{
  g_autoptr(GDBusInterface) iface = NULL;

  if (!t->om || !path || !g_variant_is_object_path(path) || strcmp(path, "/") == 0)
    return NULL;
  iface = g_dbus_object_manager_get_interface(t->om, path, "net.ospreyvpn.Osprey1.Connection");
  return iface ? OSP_DBUS_CONNECTION(g_steal_pointer(&iface)) : NULL;
}

static OspDBusProfile *profile_at(OspTray *t, const char *path)
{
  g_autoptr(GDBusInterface) iface = NULL;

  if (!t->om)
    return NULL;
  iface = g_dbus_object_manager_get_interface(t->om, path, "net.ospreyvpn.Osprey1.Profile");
  return iface ? OSP_DBUS_PROFILE(g_steal_pointer(&iface)) : NULL;
}

/* The profiles in the daemon's order, by name (new references). */
static GPtrArray *list_profiles(OspTray *t)
{
  GPtrArray *out = g_ptr_array_new_with_free_func(g_object_unref);
  const char *const *paths = t->manager ? osp_dbus_manager_get_profiles(t->manager) : NULL;

  for (; paths && *paths; paths++) {
    OspDBusProfile *p = profile_at(t, *paths);

    if (p)
      g_ptr_array_add(out, p);
  }
  return out;
}

OspDBusProfile *osp_tray_lookup_profile(OspTray *t, const char *name)
{
  g_autoptr(GPtrArray) profiles = list_profiles(t);

  for (guint i = 0; i < profiles->len; i++)
    if (g_strcmp0(osp_dbus_profile_get_name(profiles->pdata[i]), name) == 0)
      return g_object_ref(profiles->pdata[i]);
  return NULL;
}

static OspDBusConnection *connection_of(OspTray *t, OspDBusProfile *p)
{
  return osp_tray_lookup_connection(t, osp_dbus_profile_get_active_connection(p));
}

static gboolean state_in_progress(const char *state)
{
  const OspStateInfo *info = osp_state_find(state);

  /* an unknown state reads as "connecting", as the API asks */
  return state && (!info || (!info->final && info->state != OSP_STATE_CONNECTED &&
                             info->state != OSP_STATE_DISCONNECTING));
}

/* ---- calls */

static void on_connect_done(GObject *source, GAsyncResult *res, gpointer user_data)
{
  OspTray *t = user_data;
  OspDBusProfile *p = OSP_DBUS_PROFILE(source);
  g_autoptr(GError) error = NULL;

  if (!osp_dbus_profile_call_connect_finish(p, NULL, res, &error) &&
      !g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    osp_tray_notify_error(t, osp_dbus_profile_get_name(p), TRUE, error);
  g_application_release(G_APPLICATION(t->app));
}

static void connect_profile(OspTray *t, OspDBusProfile *p)
{
  GVariantBuilder options;

  g_variant_builder_init(&options, G_VARIANT_TYPE_VARDICT);
  g_application_hold(G_APPLICATION(t->app));
  g_dbus_proxy_call(G_DBUS_PROXY(p), "Connect", g_variant_new("(a{sv})", &options),
                    G_DBUS_CALL_FLAGS_ALLOW_INTERACTIVE_AUTHORIZATION, OSP_TRAY_AUTH_TIMEOUT_MS,
                    NULL, on_connect_done, t);
}

static void on_disconnect_done(GObject *source, GAsyncResult *res, gpointer user_data)
{
  OspTray *t = user_data;
  OspDBusConnection *c = OSP_DBUS_CONNECTION(source);
  g_autoptr(GError) error = NULL;

  if (!osp_dbus_connection_call_disconnect_finish(c, res, &error))
    osp_tray_notify_error(t, osp_dbus_connection_get_name(c), FALSE, error);
  g_application_release(G_APPLICATION(t->app));
}

void osp_tray_disconnect(OspTray *t, OspDBusConnection *c)
{
  g_application_hold(G_APPLICATION(t->app));
  g_dbus_proxy_call(G_DBUS_PROXY(c), "Disconnect", NULL,
                    G_DBUS_CALL_FLAGS_ALLOW_INTERACTIVE_AUTHORIZATION, OSP_TRAY_AUTH_TIMEOUT_MS,
                    NULL, on_disconnect_done, t);
}

/* "Connect", "Disconnect" or "Cancel", whichever the state calls for. */
static void on_row_action(GtkMenuItem *item, gpointer user_data)
{
  OspTray *t = user_data;
  const char *path = g_object_get_data(G_OBJECT(item), "osp-profile");
  g_autoptr(OspDBusProfile) p = profile_at(t, path);
  g_autoptr(OspDBusConnection) c = NULL;
  const char *state;

  if (!p)
    return;
  c = connection_of(t, p);
  state = c ? osp_dbus_connection_get_state(c) : "disconnected";
  if (c && !osp_state_name_is_final(state))
    osp_tray_disconnect(t, c);
  else
    connect_profile(t, p);
}

static void on_row_status(GtkMenuItem *item, gpointer user_data)
{
  OspTray *t = user_data;
  const char *path = g_object_get_data(G_OBJECT(item), "osp-profile");
  g_autoptr(OspDBusProfile) p = profile_at(t, path);

  if (p)
    osp_tray_details_show(t, osp_dbus_profile_get_name(p));
}

/* ---- the menu and the icon */

static GtkWidget *menu_item(const char *label, GCallback activate, OspTray *t)
{
  GtkWidget *item = gtk_menu_item_new_with_label(label);

  if (activate)
    g_signal_connect(item, "activate", activate, t);
  gtk_widget_show(item);
  return item;
}

static void update_row(OspTray *t, OspTrayRow *row, OspDBusProfile *p)
{
  g_autoptr(OspDBusConnection) c = connection_of(t, p);
  const char *name = osp_dbus_profile_get_name(p);
  const char *state = c ? osp_dbus_connection_get_state(c) : "disconnected";
  g_autofree char *status = NULL, *action = NULL;

  if (c && strcmp(state, "connected") == 0) {
    g_autofree char *age = osp_tray_age_text(osp_dbus_connection_get_since(c), g_get_real_time());

    /* TRANSLATORS: profile name, state, how long it has been up */
    status = g_strdup_printf(_("%s: %s, %s"), name, osp_tray_state_text(state), age);
  } else {
    /* TRANSLATORS: profile name, state */
    status = g_strdup_printf(_("%s: %s"), name, osp_tray_state_text(state));
  }
  if (strcmp(state, "connected") == 0 || strcmp(state, "disconnecting") == 0)
    /* TRANSLATORS: menu item; %s is a profile name */
    action = g_strdup_printf(_("Disconnect %s"), name);
  else if (state_in_progress(state))
    /* TRANSLATORS: menu item that stops a connection attempt; %s is a profile name */
    action = g_strdup_printf(_("Cancel %s"), name);
  else
    /* TRANSLATORS: menu item; %s is a profile name */
    action = g_strdup_printf(_("Connect %s"), name);
  gtk_menu_item_set_label(GTK_MENU_ITEM(row->status), status);
  gtk_widget_set_sensitive(row->status, c != NULL);
  gtk_menu_item_set_label(GTK_MENU_ITEM(row->action), action);
  gtk_widget_set_sensitive(row->action, strcmp(state, "disconnecting") != 0);
}

/* Rows follow the sorted profile list; rebuilt only when it changed, so an
 * open menu keeps its items while states change. */
static void sync_rows(OspTray *t, GPtrArray *profiles)
{
  gboolean same = g_hash_table_size(t->rows) == profiles->len;

  for (guint i = 0; same && i < profiles->len; i++)
    same = g_hash_table_contains(t->rows,
                                 g_dbus_proxy_get_object_path(G_DBUS_PROXY(profiles->pdata[i])));
  if (!same) {
    g_hash_table_remove_all(t->rows);
    for (guint i = 0; i < profiles->len; i++) {
      OspTrayRow *row = g_new0(OspTrayRow, 1);

      row->profile_path = g_strdup(g_dbus_proxy_get_object_path(G_DBUS_PROXY(profiles->pdata[i])));
      row->status = menu_item("", G_CALLBACK(on_row_status), t);
      row->action = menu_item("", G_CALLBACK(on_row_action), t);
      g_object_set_data_full(G_OBJECT(row->status), "osp-profile", g_strdup(row->profile_path),
                             g_free);
      g_object_set_data_full(G_OBJECT(row->action), "osp-profile", g_strdup(row->profile_path),
                             g_free);
      gtk_menu_shell_insert(GTK_MENU_SHELL(t->menu), row->status, 2 * (int)i);
      gtk_menu_shell_insert(GTK_MENU_SHELL(t->menu), row->action, 2 * (int)i + 1);
      g_hash_table_insert(t->rows, row->profile_path, row);
    }
  }
  for (guint i = 0; i < profiles->len; i++)
    update_row(t,
               g_hash_table_lookup(t->rows,
                                   g_dbus_proxy_get_object_path(G_DBUS_PROXY(profiles->pdata[i]))),
               profiles->pdata[i]);
}

/* The icon for all connections together: connected if one is up, else
 * connecting while one tries, else error if one failed, else disconnected. */
static const char *overall_icon(OspTray *t, GPtrArray *profiles, gboolean *ret_any_up)
{
  gboolean up = FALSE, busy = FALSE, failed = FALSE;

  for (guint i = 0; i < profiles->len; i++) {
    g_autoptr(OspDBusConnection) c = connection_of(t, profiles->pdata[i]);
    const char *state = c ? osp_dbus_connection_get_state(c) : "disconnected";

    up |= strcmp(state, "connected") == 0;
    busy |= state_in_progress(state);
    failed |= strcmp(state, "failed") == 0;
  }
  *ret_any_up = up;
  if (up)
    return "osprey-connected";
  if (busy)
    return "osprey-connecting";
  return failed ? "osprey-error" : "osprey-disconnected";
}

static char *overall_tooltip(OspTray *t, GPtrArray *profiles)
{
  GString *s = g_string_new(_("Osprey VPN"));

  if (!t->daemon_owner)
    g_string_append_printf(s, "\n%s", _("The Osprey VPN service is not running."));
  for (guint i = 0; i < profiles->len; i++) {
    g_autoptr(OspDBusConnection) c = connection_of(t, profiles->pdata[i]);

    if (c)
      g_string_append_printf(s, "\n%s: %s", osp_dbus_profile_get_name(profiles->pdata[i]),
                             osp_tray_state_text(osp_dbus_connection_get_state(c)));
  }
  return g_string_free(s, FALSE);
}

static void set_icon(OspTray *t, const char *icon, const char *tooltip)
{
  if (t->indicator) {
    app_indicator_set_icon_full(APP_INDICATOR(t->indicator), icon, tooltip);
    app_indicator_set_title(APP_INDICATOR(t->indicator), tooltip);
    app_indicator_set_status(APP_INDICATOR(t->indicator), strcmp(icon, "osprey-error") == 0
                                                              ? APP_INDICATOR_STATUS_ATTENTION
                                                              : APP_INDICATOR_STATUS_ACTIVE);
  } else {
    G_GNUC_BEGIN_IGNORE_DEPRECATIONS
    gtk_status_icon_set_from_icon_name(GTK_STATUS_ICON(t->status_icon), icon);
    gtk_status_icon_set_tooltip_text(GTK_STATUS_ICON(t->status_icon), tooltip);
    gtk_status_icon_set_title(GTK_STATUS_ICON(t->status_icon), tooltip);
    G_GNUC_END_IGNORE_DEPRECATIONS
  }
}

static gboolean on_age_tick(gpointer user_data);

static void sync_age_timer(OspTray *t, gboolean any_up)
{
  gboolean want = any_up && gtk_widget_get_mapped(t->menu);

  if (want && !t->age_timer_id)
    t->age_timer_id = g_timeout_add_seconds(30, on_age_tick, t);
  else if (!want && t->age_timer_id)
    g_clear_handle_id(&t->age_timer_id, g_source_remove);
}

static gboolean refresh(gpointer user_data)
{
  OspTray *t = user_data;
  g_autoptr(GPtrArray) profiles = list_profiles(t);
  g_autofree char *tooltip = overall_tooltip(t, profiles);
  const char *icon;
  gboolean any_up;

  t->refresh_id = 0;
  sync_rows(t, profiles);
  if (!t->daemon_owner)
    gtk_menu_item_set_label(GTK_MENU_ITEM(t->none_item),
                            _("The Osprey VPN service is not running."));
  else
    gtk_menu_item_set_label(GTK_MENU_ITEM(t->none_item), _("No VPN profiles"));
  gtk_widget_set_visible(t->none_item, profiles->len == 0);
  icon = overall_icon(t, profiles, &any_up);
  set_icon(t, t->daemon_owner ? icon : "osprey-error", tooltip);
  sync_age_timer(t, any_up);
  return G_SOURCE_REMOVE;
}

static gboolean on_age_tick(gpointer user_data)
{
  OspTray *t = user_data;

  t->age_timer_id = 0;
  refresh(t);
  return G_SOURCE_REMOVE;
}

void osp_tray_queue_refresh(OspTray *t)
{
  if (!t->refresh_id)
    t->refresh_id = g_idle_add(refresh, t);
}

static void on_menu_map_changed(GtkWidget *menu, gpointer user_data)
{
  osp_tray_queue_refresh(user_data);
}

static void on_details(GtkMenuItem *item, gpointer user_data)
{
  osp_tray_details_show(user_data, NULL);
}

static void on_profiles(GtkMenuItem *item, gpointer user_data)
{
  osp_tray_profiles_show(user_data);
}

static void on_import(GtkMenuItem *item, gpointer user_data)
{
  osp_tray_import(user_data, NULL, NULL, NULL, NULL);
}

static void on_quit(GtkMenuItem *item, gpointer user_data)
{
  OspTray *t = user_data;

  g_application_quit(G_APPLICATION(t->app));
}

static void build_menu(OspTray *t)
{
  GtkWidget *sep;

  t->menu = gtk_menu_new();
  g_object_ref_sink(t->menu);
  t->none_item = menu_item(_("No VPN profiles"), NULL, t);
  gtk_widget_set_sensitive(t->none_item, FALSE);
  gtk_menu_shell_append(GTK_MENU_SHELL(t->menu), t->none_item);
  sep = gtk_separator_menu_item_new();
  gtk_widget_show(sep);
  gtk_menu_shell_append(GTK_MENU_SHELL(t->menu), sep);
  gtk_menu_shell_append(GTK_MENU_SHELL(t->menu),
                        menu_item(_("Details…"), G_CALLBACK(on_details), t));
  gtk_menu_shell_append(GTK_MENU_SHELL(t->menu),
                        menu_item(_("Profiles…"), G_CALLBACK(on_profiles), t));
  gtk_menu_shell_append(GTK_MENU_SHELL(t->menu), menu_item(_("Import…"), G_CALLBACK(on_import), t));
  sep = gtk_separator_menu_item_new();
  gtk_widget_show(sep);
  gtk_menu_shell_append(GTK_MENU_SHELL(t->menu), sep);
  gtk_menu_shell_append(GTK_MENU_SHELL(t->menu), menu_item(_("Quit"), G_CALLBACK(on_quit), t));
  g_signal_connect(t->menu, "map", G_CALLBACK(on_menu_map_changed), t);
  g_signal_connect(t->menu, "unmap", G_CALLBACK(on_menu_map_changed), t);
}

static void popup_menu(OspTray *t)
{
  if (t->indicator)
    return; /* the StatusNotifierHost shows the exported menu */
  gtk_menu_popup_at_pointer(GTK_MENU(t->menu), NULL);
}

static void on_status_icon_activate(GtkStatusIcon *icon, gpointer user_data)
{
  popup_menu(user_data);
}

static void on_status_icon_popup(GtkStatusIcon *icon, guint button, guint time, gpointer user_data)
{
  popup_menu(user_data);
}

static gboolean sni_watcher_present(GDBusConnection *session)
{
  g_autoptr(GVariant) reply = NULL;
  gboolean has = FALSE;

  if (!session)
    return FALSE;
  reply = g_dbus_connection_call_sync(session, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                      "org.freedesktop.DBus", "NameHasOwner",
                                      g_variant_new("(s)", SNI_WATCHER_NAME), G_VARIANT_TYPE("(b)"),
                                      G_DBUS_CALL_FLAGS_NONE, 5000, NULL, NULL);
  if (reply)
    g_variant_get(reply, "(b)", &has);
  return has;
}

/* AppIndicator when a StatusNotifierWatcher is there (its menu is exported
 * over com.canonical.dbusmenu), else an XEmbed GtkStatusIcon, as nm-applet. */
static void build_indicator(OspTray *t)
{
  GDBusConnection *session = g_application_get_dbus_connection(G_APPLICATION(t->app));

  if (sni_watcher_present(session)) {
    AppIndicator *ind = app_indicator_new("osprey-tray", "osprey-disconnected",
                                          APP_INDICATOR_CATEGORY_COMMUNICATIONS);

    app_indicator_set_attention_icon_full(ind, "osprey-error", _("Osprey VPN: error"));
    app_indicator_set_menu(ind, GTK_MENU(t->menu));
    app_indicator_set_status(ind, APP_INDICATOR_STATUS_ACTIVE);
    t->indicator = G_OBJECT(ind);
    g_debug("indicator: StatusNotifierItem");
    return;
  }
  G_GNUC_BEGIN_IGNORE_DEPRECATIONS
  t->status_icon = G_OBJECT(gtk_status_icon_new_from_icon_name("osprey-disconnected"));
  G_GNUC_END_IGNORE_DEPRECATIONS
  g_signal_connect(t->status_icon, "activate", G_CALLBACK(on_status_icon_activate), t);
  g_signal_connect(t->status_icon, "popup-menu", G_CALLBACK(on_status_icon_popup), t);
  g_debug("indicator: GtkStatusIcon (no %s)", SNI_WATCHER_NAME);
}

/* ---- following the daemon */

static void note_connection(OspTray *t, OspDBusConnection *c, gboolean notify)
{
  const char *path = g_dbus_proxy_get_object_path(G_DBUS_PROXY(c));
  const char *state = osp_dbus_connection_get_state(c);
  const char *old = g_hash_table_lookup(t->last_state, path);

  /* the authentication failures (exit status 2): an answer was wrong */
  const OspReason *reason = osp_reason_find(osp_dbus_connection_get_state_reason(c));

  if (g_strcmp0(old, state) == 0)
    return;
  if (notify && strcmp(state, "failed") == 0 && reason && reason->exit_status == OSP_EXIT_AUTH &&
      osp_tray_agent_rejected(t->agent, path)) {
    /* our answer was wrong: ask again, the dialog says why */
    g_autoptr(OspDBusProfile) p = osp_tray_lookup_profile(t, osp_dbus_connection_get_name(c));

    if (p)
      connect_profile(t, p);
  } else if (notify) {
    osp_tray_notify_state(t, c, old);
  }
  g_hash_table_insert(t->last_state, g_strdup(path), g_strdup(state));
}

static void on_object_added(GDBusObjectManager *om, GDBusObject *object, gpointer user_data)
{
  OspTray *t = user_data;
  g_autoptr(OspDBusConnection) c = osp_dbus_object_get_connection(OSP_DBUS_OBJECT(object));

  if (c)
    note_connection(t, c, TRUE);
  osp_tray_queue_refresh(t);
}

static void on_object_removed(GDBusObjectManager *om, GDBusObject *object, gpointer user_data)
{
  OspTray *t = user_data;

  g_hash_table_remove(t->last_state, g_dbus_object_get_object_path(object));
  osp_tray_queue_refresh(t);
}

static void on_properties_changed(GDBusObjectManagerClient *om, GDBusObjectProxy *object,
                                  GDBusProxy *proxy, GVariant *changed, const char *const *inval,
                                  gpointer user_data)
{
  OspTray *t = user_data;

  if (OSP_DBUS_IS_CONNECTION(proxy)) {
    g_autoptr(GVariant) state = g_variant_lookup_value(changed, "State", NULL);

    if (state)
      note_connection(t, OSP_DBUS_CONNECTION(proxy), TRUE);
    osp_tray_details_changed(t, OSP_DBUS_CONNECTION(proxy));
  }
  osp_tray_queue_refresh(t);
}

static void remember_states(OspTray *t)
{
  GList *objects = g_dbus_object_manager_get_objects(t->om);

  for (GList *l = objects; l; l = l->next) {
    g_autoptr(OspDBusConnection) c = osp_dbus_object_get_connection(OSP_DBUS_OBJECT(l->data));

    if (c)
      note_connection(t, c, FALSE);
  }
  g_list_free_full(objects, g_object_unref);
}

static void on_name_owner(GObject *om, GParamSpec *pspec, gpointer user_data)
{
  OspTray *t = user_data;
  g_autofree char *owner =
      g_dbus_object_manager_client_get_name_owner(G_DBUS_OBJECT_MANAGER_CLIENT(om));

  g_debug("ospreyd: %s", owner ? owner : "(gone)");
  g_free(t->daemon_owner);
  t->daemon_owner = g_steal_pointer(&owner);
  if (t->daemon_owner) {
    remember_states(t);
    osp_tray_agent_register(t->agent);
  } else {
    osp_tray_agent_forget(t->agent);
    g_hash_table_remove_all(t->last_state);
  }
  osp_tray_queue_refresh(t);
}

static gboolean follow_daemon(OspTray *t, GError **error)
{
  t->bus = osp_dbus_bus_open(osp_dbus_bus_address(opt_bus_address), error);
  if (!t->bus)
    return FALSE;
  g_dbus_connection_set_exit_on_close(t->bus, FALSE);
  /* Bus activation starts ospreyd if it is not running yet. */
  t->om = osp_dbus_object_manager_client_new_sync(t->bus, G_DBUS_OBJECT_MANAGER_CLIENT_FLAGS_NONE,
                                                  OSP_TRAY_BUS_NAME, OSP_TRAY_MANAGER_PATH, NULL,
                                                  error);
  if (!t->om)
    return FALSE;
  g_signal_connect(t->om, "object-added", G_CALLBACK(on_object_added), t);
  g_signal_connect(t->om, "object-removed", G_CALLBACK(on_object_removed), t);
  g_signal_connect(t->om, "interface-proxy-properties-changed", G_CALLBACK(on_properties_changed),
                   t);
  g_signal_connect(t->om, "notify::name-owner", G_CALLBACK(on_name_owner), t);
  /* its Profiles property gives their order */
  t->manager =
      osp_dbus_manager_proxy_new_sync(t->bus, G_DBUS_PROXY_FLAGS_DO_NOT_AUTO_START,
                                      OSP_TRAY_BUS_NAME, OSP_TRAY_MANAGER_PATH, NULL, error);
  if (!t->manager)
    return FALSE;
  g_signal_connect_swapped(t->manager, "notify::profiles", G_CALLBACK(osp_tray_queue_refresh), t);
  return TRUE;
}

/* ---- the application */

static void on_action_connect(GSimpleAction *action, GVariant *param, gpointer user_data)
{
  OspTray *t = user_data;
  g_autoptr(OspDBusProfile) p = osp_tray_lookup_profile(t, g_variant_get_string(param, NULL));

  if (p)
    connect_profile(t, p);
}

static void on_action_show_menu(GSimpleAction *action, GVariant *param, gpointer user_data)
{
  popup_menu(user_data);
}

static void on_action_details(GSimpleAction *action, GVariant *param, gpointer user_data)
{
  const char *name = g_variant_get_string(param, NULL);

  osp_tray_details_show(user_data, *name ? name : NULL);
}

static void on_startup(GApplication *app, gpointer user_data)
{
  OspTray *t = user_data;
  g_autoptr(GError) error = NULL;
  const GActionEntry actions[] = {
    { "connect", on_action_connect, "s", NULL, NULL, { 0 } },
    { "show-menu", on_action_show_menu, NULL, NULL, NULL, { 0 } },
    { "details", on_action_details, "s", NULL, NULL, { 0 } },
  };

  g_action_map_add_action_entries(G_ACTION_MAP(app), actions, G_N_ELEMENTS(actions), t);
  t->rows = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, row_free);
  t->last_state = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
  build_menu(t);
  build_indicator(t);
  t->agent = osp_tray_agent_new(t);
  if (!follow_daemon(t, &error)) {
    g_printerr(_("osprey-tray: cannot reach the Osprey VPN service: %s\n"), error->message);
    g_application_quit(app);
    return;
  }
  g_application_hold(app); /* an icon, no window: stay until Quit */
  on_name_owner(G_OBJECT(t->om), NULL, t);
  refresh(t);
}

static void on_activate(GApplication *app, gpointer user_data)
{
  /* A second start only lands here; the icon is already there. */
}

static void on_shutdown(GApplication *app, gpointer user_data)
{
  OspTray *t = user_data;

  g_clear_handle_id(&t->refresh_id, g_source_remove);
  g_clear_handle_id(&t->age_timer_id, g_source_remove);
  osp_tray_details_free(t);
  osp_tray_profiles_free(t);
  g_clear_pointer(&t->agent, osp_tray_agent_free);
  g_clear_pointer(&t->rows, g_hash_table_unref);
  g_clear_pointer(&t->last_state, g_hash_table_unref);
  g_clear_object(&t->indicator);
  g_clear_object(&t->status_icon);
  if (t->menu)
    gtk_widget_destroy(t->menu);
  g_clear_object(&t->menu);
  g_clear_object(&t->manager);
  g_clear_object(&t->om);
  g_clear_object(&t->bus);
  g_clear_pointer(&t->daemon_owner, g_free);
}

int main(int argc, char **argv)
{
  OspTray tray = { 0 };
  const GOptionEntry entries[] = {
    { "bus-address", 0, 0, G_OPTION_ARG_STRING, &opt_bus_address,
      N_("Talk to ospreyd on the bus at ADDRESS (default: $OSPREY_BUS_ADDRESS, else the system "
         "bus)"),
      N_("ADDRESS") },
    { NULL, 0, 0, 0, NULL, NULL, NULL },
  };
  int status;

  setlocale(LC_ALL, "");
  bindtextdomain(GETTEXT_PACKAGE, LOCALEDIR);
  bind_textdomain_codeset(GETTEXT_PACKAGE, "UTF-8");
  textdomain(GETTEXT_PACKAGE);
  g_set_application_name(_("Osprey VPN"));

  tray.app = gtk_application_new(OSP_TRAY_APP_ID, G_APPLICATION_DEFAULT_FLAGS);
  g_application_add_main_option_entries(G_APPLICATION(tray.app), entries);
  g_application_set_option_context_summary(G_APPLICATION(tray.app),
                                           _("The tray icon of the Osprey VPN client."));
  g_signal_connect(tray.app, "startup", G_CALLBACK(on_startup), &tray);
  g_signal_connect(tray.app, "activate", G_CALLBACK(on_activate), &tray);
  g_signal_connect(tray.app, "shutdown", G_CALLBACK(on_shutdown), &tray);
  status = g_application_run(G_APPLICATION(tray.app), argc, argv);
  g_object_unref(tray.app);
  g_free(opt_bus_address);
  return status;
}
