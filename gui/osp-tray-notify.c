/* SPDX-License-Identifier: GPL-2.0-or-later
 * osprey-tray — notifications (GNotification, so the desktop's own server
 * or portal shows them) for what happens to a connection: connected, lost
 * and reconnecting, failed (with Retry), disconnected.  One notification id
 * per profile: a newer one replaces the older. */
#include "osp-tray.h"

#include <string.h>

static char *address_of(OspDBusConnection *c)
{
  GVariant *ip = osp_dbus_connection_get_ip_config(c);
  const char *address = NULL;

  if (ip)
    g_variant_lookup(ip, "address", "&s", &address);
  return address ? osp_tray_plain_text(address, TRUE) : NULL;
}

static char *reason_of(OspDBusConnection *c)
{
  const char *sentence = osp_tray_reason_sentence(osp_dbus_connection_get_state_reason(c));

  if (sentence)
    return g_strdup(sentence);
  return osp_tray_plain_text(osp_dbus_connection_get_state_message(c), TRUE);
}

static void send(OspTray *t, const char *name, const char *title, const char *body, gboolean retry,
                 const char *icon)
{
  g_autoptr(GNotification) n = g_notification_new(title);
  g_autoptr(GIcon) gicon = g_themed_icon_new(icon);
  g_autofree char *id = g_strdup_printf("connection-%s", name);

  if (body && *body)
    g_notification_set_body(n, body);
  g_notification_set_icon(n, gicon);
  if (retry) {
    g_notification_add_button_with_target(n, _("Retry"), "app.connect", "s", name);
    g_notification_set_priority(n, G_NOTIFICATION_PRIORITY_HIGH);
  }
  g_notification_set_default_action_and_target(n, "app.details", "s", name);
  g_debug("notification: %s: %s", title, body ? body : "");
  g_application_send_notification(G_APPLICATION(t->app), id, n);
}

/* Called for each new State of a connection; @old_state is NULL for a
 * connection object that just appeared. */
void osp_tray_notify_state(OspTray *t, OspDBusConnection *c, const char *old_state)
{
  g_autofree char *name = osp_tray_plain_text(osp_dbus_connection_get_name(c), TRUE);
  g_autofree char *title = NULL, *body = NULL;
  const char *state = osp_dbus_connection_get_state(c);
  const char *reason = osp_dbus_connection_get_state_reason(c);

  if (strcmp(state, "connected") == 0) {
    g_autofree char *address = address_of(c);

    /* TRANSLATORS: %s is a profile name */
    title = g_strdup_printf(_("Connected to %s"), name);
    /* TRANSLATORS: %s is the address this computer got inside the VPN */
    body = address ? g_strdup_printf(_("Your address in the VPN is %s."), address) : NULL;
    send(t, name, title, body, FALSE, "osprey-connected");
  } else if (strcmp(state, "reconnecting") == 0) {
    g_autofree char *why = reason_of(c);

    /* TRANSLATORS: %s is a profile name */
    title = g_strdup_printf(_("Connection to %s lost"), name);
    /* TRANSLATORS: %s is a sentence saying why */
    body = g_strdup_printf(_("%s Reconnecting…"), why);
    send(t, name, title, body, FALSE, "osprey-connecting");
  } else if (strcmp(state, "failed") == 0) {
    /* TRANSLATORS: %s is a profile name */
    title = g_strdup_printf(_("Could not connect to %s"), name);
    if (old_state && strcmp(old_state, "connected") == 0)
      /* TRANSLATORS: %s is a profile name */
      title = (g_free(title), g_strdup_printf(_("Connection to %s failed"), name));
    body = reason_of(c);
    send(t, name, title, body, g_strcmp0(reason, "cancelled") != 0, "osprey-error");
  } else if (strcmp(state, "disconnected") == 0 && old_state) {
    /* TRANSLATORS: %s is a profile name */
    title = g_strdup_printf(_("Disconnected from %s"), name);
    body = *reason ? reason_of(c) : NULL;
    send(t, name, title, body, FALSE, "osprey-disconnected");
  }
}

/* A call to ospreyd failed (Connect refused, Disconnect not authorized...). */
void osp_tray_notify_error(OspTray *t, const char *name, gboolean connecting, const GError *error)
{
  g_autofree char *clean = osp_tray_plain_text(name, TRUE);
  g_autofree char *body = osp_tray_error_sentence(error);
  g_autofree char *title = NULL;

  if (connecting)
    /* TRANSLATORS: %s is a profile name */
    title = g_strdup_printf(_("Could not connect to %s"), clean);
  else
    /* TRANSLATORS: %s is a profile name */
    title = g_strdup_printf(_("Could not disconnect %s"), clean);

  send(t, clean, title, body, FALSE, "osprey-error");
}
