/* SPDX-License-Identifier: GPL-2.0-or-later
 * The Osprey connection editor for NetworkManager's UIs, built twice from
 * this file and nm-osprey-editor.ui: against GTK 3 for nm-connection-editor
 * (libnm-vpn-plugin-osprey-editor.so) and GTK 4 for GNOME Settings
 * (libnm-gtk4-vpn-plugin-osprey-editor.so).  libnm-vpn-plugin-osprey.so
 * loads the one matching the GTK in the process.
 *
 * The editor shows the keys most connections need; every other key of the
 * connection (vendor, lifetimes, ...) is kept as it was. */
#include <NetworkManager.h>
#include <glib/gi18n-lib.h>
#include <gtk/gtk.h>

#include "nm-osprey-keys.h"

#if GTK_CHECK_VERSION(4, 0, 0)
#define entry_get_text(e) gtk_editable_get_text(GTK_EDITABLE(e))
#define entry_set_text(e, t) gtk_editable_set_text(GTK_EDITABLE(e), t)
#define check_get(c) gtk_check_button_get_active(GTK_CHECK_BUTTON(c))
#define check_set(c, v) gtk_check_button_set_active(GTK_CHECK_BUTTON(c), v)
#else
#define entry_get_text(e) gtk_entry_get_text(GTK_ENTRY(e))
#define entry_set_text(e, t) gtk_entry_set_text(GTK_ENTRY(e), t)
#define check_get(c) gtk_toggle_button_get_active(GTK_TOGGLE_BUTTON(c))
#define check_set(c, v) gtk_toggle_button_set_active(GTK_TOGGLE_BUTTON(c), v)
#endif

#define NM_TYPE_OSPREY_EDITOR (nm_osprey_editor_get_type())
G_DECLARE_FINAL_TYPE(NMOspreyEditor, nm_osprey_editor, NM, OSPREY_EDITOR, GObject)

struct _NMOspreyEditor {
  GObject parent;
  GtkBuilder *builder;
  GtkWidget *widget;
  NMSettingVpn *original; /* the keys the editor does not show are kept from here */
};

static void editor_iface_init(NMVpnEditorInterface *iface);

G_DEFINE_TYPE_WITH_CODE(NMOspreyEditor, nm_osprey_editor, G_TYPE_OBJECT,
                        G_IMPLEMENT_INTERFACE(NM_TYPE_VPN_EDITOR, editor_iface_init))

/* entry id in the .ui -> vpn.data key (or vpn.secrets when secret) */
static const struct {
  const char *id;
  const char *key;
  bool secret;
} entries[] = {
  { "gateway", NM_OSPREY_KEY_GATEWAY, false },
  { "group", NM_OSPREY_KEY_ID, false },
  { "group-secret", NM_OSPREY_KEY_SECRET, true },
  { "username", NM_OSPREY_KEY_XAUTH_USER, false },
  { "password", NM_OSPREY_KEY_XAUTH_PASSWORD, true },
  { "domain", "Domain", false },
};

#define KEY_DH "IKE DH Group"
#define KEY_NATT "NAT Traversal Mode"
#define KEY_NO_SPLIT "No split tunnel"

static GtkWidget *widget(NMOspreyEditor *self, const char *id)
{
  return GTK_WIDGET(gtk_builder_get_object(self->builder, id));
}

static void changed(NMOspreyEditor *self)
{
  g_signal_emit_by_name(self, "changed");
}

static void fill(NMOspreyEditor *self, NMSettingVpn *s_vpn)
{
  const char *v;

  for (size_t i = 0; i < G_N_ELEMENTS(entries); i++) {
    v = s_vpn ? (entries[i].secret ? nm_setting_vpn_get_secret(s_vpn, entries[i].key)
                                   : nm_setting_vpn_get_data_item(s_vpn, entries[i].key))
              : NULL;
    entry_set_text(widget(self, entries[i].id), v ? v : "");
  }
  v = s_vpn ? nm_setting_vpn_get_data_item(s_vpn, KEY_DH) : NULL;
  if (!v || !gtk_combo_box_set_active_id(GTK_COMBO_BOX(widget(self, "dh-group")), v))
    gtk_combo_box_set_active_id(GTK_COMBO_BOX(widget(self, "dh-group")), "auto");
  v = s_vpn ? nm_setting_vpn_get_data_item(s_vpn, KEY_NATT) : NULL;
  if (!v || !gtk_combo_box_set_active_id(GTK_COMBO_BOX(widget(self, "natt")), v))
    gtk_combo_box_set_active_id(GTK_COMBO_BOX(widget(self, "natt")), "natt");
  v = s_vpn ? nm_setting_vpn_get_data_item(s_vpn, KEY_NO_SPLIT) : NULL;
  check_set(widget(self, "no-split"), v && g_ascii_strcasecmp(v, "yes") == 0);
}

static void set_item(NMSettingVpn *s_vpn, const char *key, const char *value)
{
  if (value && *value)
    nm_setting_vpn_add_data_item(s_vpn, key, value);
  else
    nm_setting_vpn_remove_data_item(s_vpn, key);
}

static gboolean update_connection(NMVpnEditor *editor, NMConnection *connection, GError **error)
{
  NMOspreyEditor *self = NM_OSPREY_EDITOR(editor);
  NMSettingVpn *s_vpn;
  const char *dh, *natt;

  for (size_t i = 0; i < 2; i++) /* gateway and group are required */
    if (!*entry_get_text(widget(self, entries[i].id))) {
      g_set_error(error, NM_CONNECTION_ERROR, NM_CONNECTION_ERROR_MISSING_PROPERTY,
                  _("The VPN setting \"%s\" is required"), entries[i].key);
      return FALSE;
    }
  s_vpn = self->original ? NM_SETTING_VPN(nm_setting_duplicate(NM_SETTING(self->original)))
                         : NM_SETTING_VPN(nm_setting_vpn_new());
  g_object_set(s_vpn, NM_SETTING_VPN_SERVICE_TYPE, NM_OSPREY_SERVICE_TYPE, NULL);
  for (size_t i = 0; i < G_N_ELEMENTS(entries); i++) {
    const char *text = entry_get_text(widget(self, entries[i].id));

    if (!entries[i].secret)
      set_item(s_vpn, entries[i].key, text);
    else if (*text)
      nm_setting_vpn_add_secret(s_vpn, entries[i].key, text);
    else
      nm_setting_vpn_remove_secret(s_vpn, entries[i].key);
  }
  dh = gtk_combo_box_get_active_id(GTK_COMBO_BOX(widget(self, "dh-group")));
  set_item(s_vpn, KEY_DH, g_strcmp0(dh, "auto") == 0 ? NULL : dh);
  natt = gtk_combo_box_get_active_id(GTK_COMBO_BOX(widget(self, "natt")));
  set_item(s_vpn, KEY_NATT, g_strcmp0(natt, "natt") == 0 ? NULL : natt); /* the default */
  set_item(s_vpn, KEY_NO_SPLIT, check_get(widget(self, "no-split")) ? "yes" : NULL);
  if (!nm_osprey_check_setting(s_vpn, error)) {
    g_object_unref(s_vpn);
    return FALSE;
  }
  nm_connection_add_setting(connection, NM_SETTING(s_vpn));
  return TRUE;
}

static GObject *get_widget(NMVpnEditor *editor)
{
  return G_OBJECT(NM_OSPREY_EDITOR(editor)->widget);
}

static void nm_osprey_editor_init(NMOspreyEditor *self)
{
}

static void dispose(GObject *object)
{
  NMOspreyEditor *self = NM_OSPREY_EDITOR(object);

  g_clear_object(&self->widget);
  g_clear_object(&self->builder);
  g_clear_object(&self->original);
  G_OBJECT_CLASS(nm_osprey_editor_parent_class)->dispose(object);
}

static void nm_osprey_editor_class_init(NMOspreyEditorClass *klass)
{
  G_OBJECT_CLASS(klass)->dispose = dispose;
}

static void editor_iface_init(NMVpnEditorInterface *iface)
{
  iface->get_widget = get_widget;
  iface->update_connection = update_connection;
}

/* Called by libnm-vpn-plugin-osprey.so after it loaded this module. */
G_MODULE_EXPORT NMVpnEditor *nm_osprey_editor_new(NMConnection *connection, GError **error)
{
  NMOspreyEditor *self = g_object_new(NM_TYPE_OSPREY_EDITOR, NULL);
  NMSettingVpn *s_vpn = connection ? nm_connection_get_setting_vpn(connection) : NULL;
  static const char *const signals[][2] = {
    { "gateway", "changed" },  { "group", "changed" },    { "group-secret", "changed" },
    { "username", "changed" }, { "password", "changed" }, { "domain", "changed" },
    { "dh-group", "changed" }, { "natt", "changed" },     { "no-split", "toggled" },
  };

  self->builder = gtk_builder_new();
  gtk_builder_set_translation_domain(self->builder, GETTEXT_PACKAGE);
  if (!gtk_builder_add_from_resource(self->builder, "/net/ospreyvpn/nm/nm-osprey-editor.ui",
                                     error)) {
    g_object_unref(self);
    return NULL;
  }
  self->widget = g_object_ref(widget(self, "osprey-editor"));
  if (s_vpn)
    self->original = NM_SETTING_VPN(nm_setting_duplicate(NM_SETTING(s_vpn)));
  fill(self, s_vpn);
  for (size_t i = 0; i < G_N_ELEMENTS(signals); i++)
    g_signal_connect_swapped(widget(self, signals[i][0]), signals[i][1], G_CALLBACK(changed), self);
  return NM_VPN_EDITOR(self);
}
