/* SPDX-License-Identifier: GPL-2.0-or-later
 * The Osprey connection editor for NetworkManager's UIs, built twice from
 * this file and nm-osprey-editor.ui: against GTK 3 for nm-connection-editor
 * (libnm-vpn-plugin-osprey-editor.so) and GTK 4 for GNOME Settings
 * (libnm-gtk4-vpn-plugin-osprey-editor.so).  libnm-vpn-plugin-osprey.so
 * loads the one matching the GTK in the process.
 *
 * The editor shows the keys most connections need, and "Advanced…" the
 * proposals, lifetimes, DPD, MTU, local port, exchange mode, IPv6 inside and
 * CRL file; every other key of the connection (vendor, ...) is kept as it
 * was.  The authentication choice (group password, hybrid, certificates)
 * shows the rows that apply to it.  The passwords get libnma's storage menu
 * (this user, all users, ask every time, not required), which sets their
 * "-flags". */
#include <NetworkManager.h>
#include <glib/gi18n-lib.h>
#include <gtk/gtk.h>
#include <nma-ui-utils.h>
#include <string.h>

#include "nm-osprey-keys.h"

#if GTK_CHECK_VERSION(4, 0, 0)
#define entry_get_text(e) gtk_editable_get_text(GTK_EDITABLE(e))
#define entry_set_text(e, t) gtk_editable_set_text(GTK_EDITABLE(e), t)
#define check_get(c) gtk_check_button_get_active(GTK_CHECK_BUTTON(c))
#define check_set(c, v) gtk_check_button_set_active(GTK_CHECK_BUTTON(c), v)
#define toplevel_of(w) GTK_WIDGET(gtk_widget_get_root(w))
#define gtk_window_destroy_compat(w) gtk_window_destroy(GTK_WINDOW(w))
#define WINDOW_CLOSE_SIGNAL "close-request"
#else
#define entry_get_text(e) gtk_entry_get_text(GTK_ENTRY(e))
#define entry_set_text(e, t) gtk_entry_set_text(GTK_ENTRY(e), t)
#define check_get(c) gtk_toggle_button_get_active(GTK_TOGGLE_BUTTON(c))
#define check_set(c, v) gtk_toggle_button_set_active(GTK_TOGGLE_BUTTON(c), v)
#define toplevel_of(w) gtk_widget_get_toplevel(w)
#define gtk_window_destroy_compat(w) gtk_widget_destroy(w)
#define WINDOW_CLOSE_SIGNAL "delete-event"
#endif

#define NM_TYPE_OSPREY_EDITOR (nm_osprey_editor_get_type())
G_DECLARE_FINAL_TYPE(NMOspreyEditor, nm_osprey_editor, NM, OSPREY_EDITOR, GObject)

struct _NMOspreyEditor {
  GObject parent;
  GtkBuilder *builder;
  GtkWidget *widget;
  NMSettingVpn *original; /* the keys the editor does not show are kept from here */
  char *shown[16];        /* the Advanced window's values when it opened (Cancel) */
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
  { "ca-file", "CA-File", false },
  { "gateway-id", "Gateway ID", false },
  { "client-cert", "Client certificate", false },
  { "client-key", "Client key", false },
  { "key-passphrase", "Client key passphrase", true },
};

/* the Advanced window: widget id -> vpn.data key; 'e' an entry (empty: the
 * default), 'b' a check button ("yes" or absent), 'c' a combo whose first
 * item is the default */
static const struct {
  const char *id;
  const char *key;
  char kind;
} advanced[] = {
  { "adv-pfs", "Perfect Forward Secrecy", 'c' },
  { "adv-weak-enc", "Enable weak encryption", 'b' },
  { "adv-weak-auth", "Enable weak authentication", 'b' },
  { "adv-weak-dh", "Enable weak DH group", 'b' },
  { "adv-ike-life", "IKE lifetime", 'e' },
  { "adv-ipsec-life", "IPSec lifetime", 'e' },
  { "adv-dpd", "DPD idle timeout (our side)", 'e' },
  { "adv-mtu", "Interface MTU", 'e' },
  { "adv-port", "Local Port", 'e' },
  { "adv-local-lan", "Local LAN access", 'b' },
  { "adv-backup", "Backup servers", 'e' },
  { "adv-exchange", "Exchange mode", 'c' },
  { "adv-ipv6", "IPv6 inside", 'c' },
  { "adv-crl", "CRL-File", 'e' },
};
G_STATIC_ASSERT(G_N_ELEMENTS(advanced) <= 16); /* NMOspreyEditor.shown */

#define KEY_DH "IKE DH Group"
#define KEY_NATT "NAT Traversal Mode"
#define KEY_NO_SPLIT "No split tunnel"
#define KEY_AUTH "IKE Authmode"
#define KEY_CA_SYSTEM "CA-System"

/* the rows auth_changed shows or hides */
static const char *const mode_rows[] = { "group-row", "group-secret-row", "cert-rows",
                                         "client-rows" };

/* the entries whose "Choose…" button (id "<entry>-choose") opens a file chooser */
static const char *const file_entries[] = { "ca-file", "client-cert", "client-key", "adv-crl" };

static GtkWidget *widget(NMOspreyEditor *self, const char *id)
{
  return GTK_WIDGET(gtk_builder_get_object(self->builder, id));
}

static void changed(NMOspreyEditor *self)
{
  g_signal_emit_by_name(self, "changed");
}

/* ---- Advanced… ------------------------------------------------------------ */

static char *advanced_get(NMOspreyEditor *self, size_t i)
{
  GtkWidget *w = widget(self, advanced[i].id);
  const char *v = NULL;

  switch (advanced[i].kind) {
  case 'e': v = entry_get_text(w); break;
  case 'b': v = check_get(w) ? "yes" : NULL; break;
  case 'c':
    v = gtk_combo_box_get_active(GTK_COMBO_BOX(w)) > 0
            ? gtk_combo_box_get_active_id(GTK_COMBO_BOX(w))
            : NULL;
    break;
  }
  return g_strdup(v && *v ? v : NULL);
}

static void advanced_set(NMOspreyEditor *self, size_t i, const char *v)
{
  GtkWidget *w = widget(self, advanced[i].id);

  switch (advanced[i].kind) {
  case 'e': entry_set_text(w, v ? v : ""); break;
  case 'b': check_set(w, v && g_ascii_strcasecmp(v, "yes") == 0); break;
  case 'c':
    if (!v || !gtk_combo_box_set_active_id(GTK_COMBO_BOX(w), v))
      gtk_combo_box_set_active(GTK_COMBO_BOX(w), 0);
    break;
  }
}

static void advanced_open(NMOspreyEditor *self)
{
  GtkWidget *win = widget(self, "advanced-window");
  GtkWidget *top = toplevel_of(self->widget);

  for (size_t i = 0; i < G_N_ELEMENTS(advanced); i++) {
    g_free(self->shown[i]);
    self->shown[i] = advanced_get(self, i);
  }
  if (GTK_IS_WINDOW(top))
    gtk_window_set_transient_for(GTK_WINDOW(win), GTK_WINDOW(top));
  gtk_window_present(GTK_WINDOW(win));
}

static void advanced_ok(NMOspreyEditor *self)
{
  gtk_widget_set_visible(widget(self, "advanced-window"), FALSE);
  changed(self);
}

static void advanced_cancel(NMOspreyEditor *self)
{
  for (size_t i = 0; i < G_N_ELEMENTS(advanced); i++)
    advanced_set(self, i, self->shown[i]);
  gtk_widget_set_visible(widget(self, "advanced-window"), FALSE);
}

/* the window manager's close button: Cancel, and the window stays for the
 * next time */
static gboolean advanced_closed(NMOspreyEditor *self)
{
  advanced_cancel(self);
  return TRUE;
}

/* ---- authentication and files -------------------------------------------- */

/* the rows that apply to the chosen authentication: the group password for
 * psk, the gateway's CA for hybrid and cert, our certificate for cert */
static void auth_changed(NMOspreyEditor *self)
{
  const char *mode = gtk_combo_box_get_active_id(GTK_COMBO_BOX(widget(self, "auth-mode")));
  bool psk = g_strcmp0(mode, "psk") == 0, cert = g_strcmp0(mode, "cert") == 0;

  const bool shown[G_N_ELEMENTS(mode_rows)] = { !cert, psk, !psk, cert };

  for (size_t i = 0; i < G_N_ELEMENTS(mode_rows); i++)
    gtk_widget_set_visible(widget(self, mode_rows[i]), shown[i]);
}

static void file_chosen(GtkNativeDialog *chooser, int response, GtkWidget *entry)
{
  if (response == GTK_RESPONSE_ACCEPT) {
#if GTK_CHECK_VERSION(4, 0, 0)
    g_autoptr(GFile) file = gtk_file_chooser_get_file(GTK_FILE_CHOOSER(chooser));
    g_autofree char *path = file ? g_file_get_path(file) : NULL;
#else
    g_autofree char *path = gtk_file_chooser_get_filename(GTK_FILE_CHOOSER(chooser));
#endif
    if (path)
      entry_set_text(entry, path);
  }
  g_object_unref(chooser);
}

static void choose_file(GtkWidget *button, GtkWidget *entry)
{
  GtkWidget *top = toplevel_of(button);
  GtkFileChooserNative *chooser =
      gtk_file_chooser_native_new(_("Choose a file"), GTK_IS_WINDOW(top) ? GTK_WINDOW(top) : NULL,
                                  GTK_FILE_CHOOSER_ACTION_OPEN, _("_Open"), _("_Cancel"));

  gtk_native_dialog_set_modal(GTK_NATIVE_DIALOG(chooser), TRUE);
  g_signal_connect(chooser, "response", G_CALLBACK(file_chosen), entry);
  gtk_native_dialog_show(GTK_NATIVE_DIALOG(chooser));
}

/* ---- the editor ------------------------------------------------------------ */

static NMSettingSecretFlags secret_flags(NMSettingVpn *s_vpn, const char *key)
{
  NMSettingSecretFlags flags = NM_SETTING_SECRET_FLAG_NONE;

  if (s_vpn)
    nm_setting_get_secret_flags(NM_SETTING(s_vpn), key, &flags, NULL);
  return flags;
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
  v = s_vpn ? nm_setting_vpn_get_data_item(s_vpn, KEY_CA_SYSTEM) : NULL;
  check_set(widget(self, "ca-system"), v && g_ascii_strcasecmp(v, "yes") == 0);
  v = s_vpn ? nm_setting_vpn_get_data_item(s_vpn, KEY_AUTH) : NULL;
  if (!v || !gtk_combo_box_set_active_id(GTK_COMBO_BOX(widget(self, "auth-mode")), v))
    gtk_combo_box_set_active_id(GTK_COMBO_BOX(widget(self, "auth-mode")), "psk");
  auth_changed(self);
  for (size_t i = 0; i < G_N_ELEMENTS(advanced); i++)
    advanced_set(self, i, s_vpn ? nm_setting_vpn_get_data_item(s_vpn, advanced[i].key) : NULL);
  for (size_t i = 0; i < G_N_ELEMENTS(entries); i++)
    if (entries[i].secret)
      nma_utils_setup_password_storage(widget(self, entries[i].id),
                                       secret_flags(s_vpn, entries[i].key),
                                       s_vpn ? NM_SETTING(s_vpn) : NULL, entries[i].key,
                                       strcmp(entries[i].key, NM_OSPREY_KEY_SECRET) != 0, FALSE);
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
  g_autoptr(OspProfile) profile = NULL;
  const char *dh, *natt, *auth;

  auth = gtk_combo_box_get_active_id(GTK_COMBO_BOX(widget(self, "auth-mode")));
  /* the gateway is required, the group too but with certificates */
  for (size_t i = 0; i < (g_strcmp0(auth, "cert") == 0 ? 1 : 2); i++)
    if (!*entry_get_text(widget(self, entries[i].id))) {
      g_set_error(error, NM_CONNECTION_ERROR, NM_CONNECTION_ERROR_MISSING_PROPERTY,
                  _("The VPN setting \"%s\" is required"), entries[i].key);
      return FALSE;
    }
  s_vpn = self->original ? NM_SETTING_VPN(nm_setting_duplicate(NM_SETTING(self->original)))
                         : NM_SETTING_VPN(nm_setting_vpn_new());
  g_object_set(s_vpn, NM_SETTING_VPN_SERVICE_TYPE, NM_OSPREY_SERVICE_TYPE, NULL);
  for (size_t i = 0; i < G_N_ELEMENTS(entries); i++) {
    GtkWidget *w = widget(self, entries[i].id);
    const char *text = entry_get_text(w);
    NMSettingSecretFlags flags;

    if (!entries[i].secret) {
      set_item(s_vpn, entries[i].key, text);
      continue;
    }
    /* a secret the mode does not use has its row hidden: the connection
     * keeps what it had, unused (switching back needs no new group
     * password); what was typed there before the switch is not applied */
    if (!osp_secret_kind_used(osp_secret_kind_find_nm(entries[i].key), auth))
      continue;
    /* asked every time or not needed: nothing to keep in the connection */
    flags = nma_utils_menu_to_secret_flags(w);
    nm_setting_set_secret_flags(NM_SETTING(s_vpn), entries[i].key, flags, NULL);
    if (*text &&
        !(flags & (NM_SETTING_SECRET_FLAG_NOT_SAVED | NM_SETTING_SECRET_FLAG_NOT_REQUIRED)))
      nm_setting_vpn_add_secret(s_vpn, entries[i].key, text);
    else
      nm_setting_vpn_remove_secret(s_vpn, entries[i].key);
  }
  for (size_t i = 0; i < G_N_ELEMENTS(advanced); i++) {
    g_autofree char *v = advanced_get(self, i);

    set_item(s_vpn, advanced[i].key, v);
  }
  nm_osprey_setting_mark_one_time(s_vpn); /* a token code is never written to disk */
  dh = gtk_combo_box_get_active_id(GTK_COMBO_BOX(widget(self, "dh-group")));
  set_item(s_vpn, KEY_DH, g_strcmp0(dh, "auto") == 0 ? NULL : dh);
  natt = gtk_combo_box_get_active_id(GTK_COMBO_BOX(widget(self, "natt")));
  set_item(s_vpn, KEY_NATT, g_strcmp0(natt, "natt") == 0 ? NULL : natt); /* the default */
  set_item(s_vpn, KEY_NO_SPLIT, check_get(widget(self, "no-split")) ? "yes" : NULL);
  set_item(s_vpn, KEY_CA_SYSTEM, check_get(widget(self, "ca-system")) ? "yes" : NULL);
  set_item(s_vpn, KEY_AUTH, g_strcmp0(auth, "psk") == 0 ? NULL : auth); /* the default */
  /* as the service will read it: a bad lifetime or port is refused here,
   * with the reader's sentence naming the setting */
  profile = nm_osprey_check_setting(s_vpn, error)
                ? nm_osprey_profile_from_setting(s_vpn, NULL, error)
                : NULL;
  if (!profile) {
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
  for (size_t i = 0; i < G_N_ELEMENTS(self->shown); i++)
    g_clear_pointer(&self->shown[i], g_free);
  if (self->builder)
    gtk_window_destroy_compat(widget(self, "advanced-window"));
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
    { "dh-group", "changed" },  { "natt", "changed" },      { "no-split", "toggled" },
    { "auth-mode", "changed" }, { "ca-system", "toggled" },
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
#if !GTK_CHECK_VERSION(4, 0, 0)
  /* the hosting dialog's show_all must not show the rows of another mode */
  for (size_t i = 0; i < G_N_ELEMENTS(mode_rows); i++)
    gtk_widget_set_no_show_all(widget(self, mode_rows[i]), TRUE);
#endif
  fill(self, s_vpn);
  for (size_t i = 0; i < G_N_ELEMENTS(entries); i++)
    g_signal_connect_swapped(widget(self, entries[i].id), "changed", G_CALLBACK(changed), self);
  for (size_t i = 0; i < G_N_ELEMENTS(signals); i++)
    g_signal_connect_swapped(widget(self, signals[i][0]), signals[i][1], G_CALLBACK(changed), self);
  g_signal_connect_swapped(widget(self, "auth-mode"), "changed", G_CALLBACK(auth_changed), self);
  for (size_t i = 0; i < G_N_ELEMENTS(file_entries); i++) {
    g_autofree char *id = g_strconcat(file_entries[i], "-choose", NULL);

    g_signal_connect(widget(self, id), "clicked", G_CALLBACK(choose_file),
                     widget(self, file_entries[i]));
  }
  g_signal_connect_swapped(widget(self, "advanced"), "clicked", G_CALLBACK(advanced_open), self);
  g_signal_connect_swapped(widget(self, "adv-ok"), "clicked", G_CALLBACK(advanced_ok), self);
  g_signal_connect_swapped(widget(self, "adv-cancel"), "clicked", G_CALLBACK(advanced_cancel),
                           self);
  g_signal_connect_swapped(widget(self, "advanced-window"), WINDOW_CLOSE_SIGNAL,
                           G_CALLBACK(advanced_closed), self);
  return NM_VPN_EDITOR(self);
}
