/* SPDX-License-Identifier: GPL-2.0-or-later
 * osprey-tray — the profile editor ("Profiles…"): the daemon's profiles in a
 * list; add, edit, duplicate, delete, export; a General and an Advanced
 * page built from one table of settings keys (those of the settings
 * dictionary in data/net.ospreyvpn.Osprey1.xml).  Validation is the
 * daemon's: its error message is shown under the form.  Changing a system
 * profile asks polkit interactively, so the desktop's agent prompts. */
#include "osp-secret-kind.h"
#include "osp-settings.h"
#include "osp-tray.h"

#include <string.h>

/* F_FILE: a path, typed or picked with a file chooser */
typedef enum { F_TEXT, F_BOOL, F_UINT, F_CHOICE, F_FILE } FieldKind;

static const struct {
  const char *key;
  const char *label;
  FieldKind kind; /* F_CHOICE: the setting's choices (client/osp-settings.c) */
  gboolean advanced;
} fields[] = {
  { "description", N_("Description"), F_TEXT, FALSE },
  { "gateway", N_("Gateway"), F_TEXT, FALSE },
  { "group-id", N_("Group name"), F_TEXT, FALSE },
  { "username", N_("User name"), F_TEXT, FALSE },
  { "domain", N_("Domain"), F_TEXT, FALSE },
  { "auth-mode", N_("Authentication"), F_CHOICE, FALSE },
  { "ca-file", N_("CA file"), F_FILE, FALSE },
  { "ca-system", N_("Also trust the system's certificate authorities"), F_BOOL, FALSE },
  { "gateway-id", N_("Gateway ID"), F_TEXT, FALSE },
  { "client-cert", N_("Client certificate"), F_FILE, FALSE },
  { "client-key", N_("Client key"), F_FILE, FALSE },
  { "dh-group", N_("IKE DH group"), F_CHOICE, TRUE },
  { "pfs", N_("Perfect forward secrecy"), F_CHOICE, TRUE },
  { "natt-mode", N_("NAT traversal"), F_CHOICE, TRUE },
  { "vendor", N_("Vendor"), F_CHOICE, TRUE },
  { "enable-weak-encryption", N_("Allow 3DES"), F_BOOL, TRUE },
  { "enable-weak-authentication", N_("Allow MD5"), F_BOOL, TRUE },
  { "enable-single-des", N_("Allow single DES"), F_BOOL, TRUE },
  { "dpd-idle", N_("Dead peer detection after (s)"), F_UINT, TRUE },
  { "mtu", N_("MTU (0: computed)"), F_UINT, TRUE },
  { "ike-lifetime", N_("IKE lifetime (s)"), F_UINT, TRUE },
  { "ipsec-lifetime", N_("IPsec lifetime (s)"), F_UINT, TRUE },
  { "script", N_("Network script"), F_TEXT, TRUE },
  { "local-lan", N_("Allow local LAN access"), F_BOOL, TRUE },
  { "backup-servers", N_("Backup servers"), F_TEXT, TRUE },
  { "exchange-mode", N_("Exchange mode"), F_CHOICE, TRUE },
  { "ipv6-inside", N_("IPv6 inside"), F_CHOICE, TRUE },
  { "ca-dir", N_("CA directory"), F_TEXT, TRUE },
  { "crl-file", N_("CRL file"), F_FILE, TRUE },
};

/* The secrets ospreyd can store (group password, password, key
 * passphrase), by kind; NULL for the kinds it cannot. */
static const OspSecretKindInfo *stored_kind(guint k)
{
  const OspSecretKindInfo *info = osp_secret_kind_info(k);

  return info && info->stored ? info : NULL;
}

typedef struct {
  OspTray *tray;
  GtkWidget *window, *list, *name, *error, *save, *remove, *duplicate, *export;
  GtkWidget *content, *busy, *spinner; /* the form; shown while a call is pending */
  GCancellable *cancellable;           /* of the pending call */
  GtkWidget *widgets[G_N_ELEMENTS(fields)];
  GtkWidget *rows[G_N_ELEMENTS(fields)];        /* what the grid holds: the widget, or its box */
  GtkWidget *labels[G_N_ELEMENTS(fields)];      /* NULL for check boxes */
  GtkWidget *secret_labels[OSP_SECRET_N_KINDS]; /* stored_kind: the row's label, entry, Ask… */
  GtkWidget *secret_entries[OSP_SECRET_N_KINDS], *secret_ask[OSP_SECRET_N_KINDS];
  gboolean secret_kept[OSP_SECRET_N_KINDS];
  char *selected;        /* profile name, NULL for a new one */
  OspDBusProfile *shown; /* its object, watched for changes of what the form shows */
  gulong shown_id;
} Editor;

static Editor *editor;

static void name_widget(GtkWidget *w, const char *name)
{
  atk_object_set_name(gtk_widget_get_accessible(w), name);
}

static void show_text(Editor *e, const char *text)
{
  gtk_label_set_text(GTK_LABEL(e->error), text ? text : "");
  gtk_widget_set_visible(e->error, text != NULL);
}

static void show_error(Editor *e, const GError *error)
{
  g_autofree char *text = error ? osp_tray_error_sentence(error) : NULL;

  show_text(e, text);
}

static GtkWidget *field_widget(guint i)
{
  const OspSetting *setting;
  GtkWidget *w = NULL;

  switch (fields[i].kind) {
  case F_TEXT:
  case F_FILE: w = gtk_entry_new(); break;
  case F_BOOL: w = gtk_check_button_new_with_label(_(fields[i].label)); break;
  case F_UINT: w = gtk_spin_button_new_with_range(0, 86400, 1); break;
  case F_CHOICE:
    w = gtk_combo_box_text_new();
    setting = osp_setting_lookup(fields[i].key);
    for (const char *const *c = setting->choices; *c; c++)
      gtk_combo_box_text_append(GTK_COMBO_BOX_TEXT(w), *c, osp_setting_choice_text(setting, *c));
    break;
  }
  name_widget(w, _(fields[i].label));
  gtk_widget_set_hexpand(w, TRUE);
  return w;
}

static void field_set(Editor *e, guint i, GVariant *settings)
{
  g_autoptr(GVariant) v = settings ? g_variant_lookup_value(settings, fields[i].key, NULL) : NULL;
  GtkWidget *w = e->widgets[i];

  switch (fields[i].kind) {
  case F_TEXT:
  case F_FILE:
    gtk_entry_set_text(GTK_ENTRY(w), v && g_variant_is_of_type(v, G_VARIANT_TYPE_STRING)
                                         ? g_variant_get_string(v, NULL)
                                         : "");
    break;
  case F_BOOL:
    gtk_toggle_button_set_active(GTK_TOGGLE_BUTTON(w),
                                 v && g_variant_is_of_type(v, G_VARIANT_TYPE_BOOLEAN) &&
                                     g_variant_get_boolean(v));
    break;
  case F_UINT:
    gtk_spin_button_set_value(
        GTK_SPIN_BUTTON(w),
        v && g_variant_is_of_type(v, G_VARIANT_TYPE_UINT32) ? g_variant_get_uint32(v) : 0);
    break;
  case F_CHOICE:
    if (!v || !g_variant_is_of_type(v, G_VARIANT_TYPE_STRING) ||
        !gtk_combo_box_set_active_id(GTK_COMBO_BOX(w), g_variant_get_string(v, NULL)))
      gtk_combo_box_set_active(GTK_COMBO_BOX(w), -1);
    break;
  }
}

/* The form's value of field i, NULL when empty (the key is then reset). */
static GVariant *field_get(Editor *e, guint i)
{
  GtkWidget *w = e->widgets[i];
  const char *s;

  switch (fields[i].kind) {
  case F_TEXT:
  case F_FILE: s = gtk_entry_get_text(GTK_ENTRY(w)); return *s ? g_variant_new_string(s) : NULL;
  case F_BOOL:
    return gtk_toggle_button_get_active(GTK_TOGGLE_BUTTON(w)) ? g_variant_new_boolean(TRUE) : NULL;
  case F_UINT:
    gtk_spin_button_update(GTK_SPIN_BUTTON(w));
    return gtk_spin_button_get_value_as_int(GTK_SPIN_BUTTON(w))
               ? g_variant_new_uint32((guint32)gtk_spin_button_get_value_as_int(GTK_SPIN_BUTTON(w)))
               : NULL;
  case F_CHOICE:
    s = gtk_combo_box_get_active_id(GTK_COMBO_BOX(w));
    return s ? g_variant_new_string(s) : NULL;
  }
  return NULL;
}

static void load(Editor *e, OspDBusProfile *p);
static void on_auth_changed(GtkComboBox *combo, gpointer user_data);

static guint field_index(const char *key)
{
  for (guint i = 0; i < G_N_ELEMENTS(fields); i++)
    if (strcmp(fields[i].key, key) == 0)
      return i;
  g_assert_not_reached();
  return 0;
}

/* The daemon announces a profile's new Settings after it has answered the
 * Update that changed them (and SavedSecrets after SetSecrets): the form
 * shows them when they arrive, unless a call is pending. */
static void on_shown_changed(GDBusProxy *proxy, GVariant *changed, const char *const *invalidated,
                             gpointer user_data)
{
  Editor *e = user_data;
  g_autoptr(GVariant) settings = g_variant_lookup_value(changed, "Settings", NULL);
  g_autoptr(GVariant) saved = g_variant_lookup_value(changed, "SavedSecrets", NULL);

  if (e->cancellable || (!settings && !saved))
    return;
  load(e, e->shown);
}

static void watch_shown(Editor *e, OspDBusProfile *p)
{
  if (p == e->shown)
    return;
  if (e->shown) {
    g_signal_handler_disconnect(e->shown, e->shown_id);
    g_clear_object(&e->shown);
  }
  if (p) {
    e->shown = g_object_ref(p);
    /* after: the generated proxy's own handler forgets the SavedSecrets it
     * cached, else load() reads the old list */
    e->shown_id =
        g_signal_connect_after(p, "g-properties-changed", G_CALLBACK(on_shown_changed), e);
  }
}

static void load(Editor *e, OspDBusProfile *p)
{
  GVariant *settings = p ? osp_dbus_profile_get_settings(p) : NULL;
  const char *const *saved = p ? osp_dbus_profile_get_saved_secrets(p) : NULL;

  watch_shown(e, p);
  g_free(e->selected);
  e->selected = p ? g_strdup(osp_dbus_profile_get_name(p)) : NULL;
  gtk_entry_set_text(GTK_ENTRY(e->name), p ? osp_dbus_profile_get_name(p) : "");
  gtk_editable_set_editable(GTK_EDITABLE(e->name), p == NULL);
  for (guint i = 0; i < G_N_ELEMENTS(fields); i++)
    field_set(e, i, settings);
  on_auth_changed(GTK_COMBO_BOX(e->widgets[field_index("auth-mode")]), e);
  for (guint i = 0; i < OSP_SECRET_N_KINDS; i++) {
    const OspSecretKindInfo *info = stored_kind(i);
    gboolean kept;

    if (!info)
      continue;
    kept = saved && g_strv_contains(saved, info->name);

    e->secret_kept[i] = kept;
    gtk_entry_set_text(GTK_ENTRY(e->secret_entries[i]), "");
    gtk_entry_set_placeholder_text(GTK_ENTRY(e->secret_entries[i]),
                                   kept ? _("(stored)") : _("(asked when connecting)"));
    gtk_toggle_button_set_active(GTK_TOGGLE_BUTTON(e->secret_ask[i]), !kept);
  }
  gtk_widget_set_sensitive(e->remove, p != NULL);
  gtk_widget_set_sensitive(e->duplicate, p != NULL);
  gtk_widget_set_sensitive(e->export, p != NULL);
  show_error(e, NULL);
}

static void fill_list(Editor *e)
{
  GList *rows = gtk_container_get_children(GTK_CONTAINER(e->list));
  const char *const *paths =
      e->tray->manager ? osp_dbus_manager_get_profiles(e->tray->manager) : NULL;

  for (GList *l = rows; l; l = l->next)
    gtk_widget_destroy(l->data);
  g_list_free(rows);
  for (; paths && *paths; paths++) {
    g_autoptr(GDBusInterface) iface =
        g_dbus_object_manager_get_interface(e->tray->om, *paths, "net.ospreyvpn.Osprey1.Profile");
    GtkWidget *label;

    if (!iface)
      continue;
    label = gtk_label_new(osp_dbus_profile_get_name(OSP_DBUS_PROFILE(iface)));
    gtk_label_set_xalign(GTK_LABEL(label), 0);
    g_object_set(label, "margin", 6, NULL);
    gtk_widget_show(label);
    gtk_list_box_insert(GTK_LIST_BOX(e->list), label, -1);
    if (g_strcmp0(e->selected, osp_dbus_profile_get_name(OSP_DBUS_PROFILE(iface))) == 0)
      gtk_list_box_select_row(GTK_LIST_BOX(e->list),
                              GTK_LIST_BOX_ROW(gtk_widget_get_parent(label)));
  }
}

static void on_row_selected(GtkListBox *box, GtkListBoxRow *row, gpointer user_data)
{
  Editor *e = user_data;
  g_autoptr(OspDBusProfile) p = NULL;

  if (!row)
    return;
  p = osp_tray_lookup_profile(e->tray,
                              gtk_label_get_text(GTK_LABEL(gtk_bin_get_child(GTK_BIN(row)))));
  if (p && g_strcmp0(e->selected, osp_dbus_profile_get_name(p)) != 0)
    load(e, p);
}

static GVariant *form_settings(Editor *e, GPtrArray *reset)
{
  GVariantBuilder b;

  g_variant_builder_init(&b, G_VARIANT_TYPE_VARDICT);
  for (guint i = 0; i < G_N_ELEMENTS(fields); i++) {
    GVariant *v = field_get(e, i);

    if (v)
      g_variant_builder_add(&b, "{sv}", fields[i].key, v);
    else if (reset)
      g_ptr_array_add(reset, (gpointer)fields[i].key);
  }
  return g_variant_builder_end(&b);
}

static const char *form_auth_mode(Editor *e);

/* What the form's secret rows change in ospreyd's store.  A secret the
 * chosen authentication does not use has its row hidden and is left as it
 * is: switching a profile to certificates keeps its stored group password,
 * unused, as NetworkManager keeps a connection's, so that switching back
 * (a gateway that refused hybrid...) needs no password the user may no
 * longer have; what is typed in a hidden row, or its Ask each time, is not
 * applied.  Deleting the profile, or Ask each time in the Group password
 * mode, forgets it. */
static GVariant *form_secrets(Editor *e)
{
  GVariantBuilder b;

  g_variant_builder_init(&b, G_VARIANT_TYPE("a{ss}"));
  for (guint i = 0; i < OSP_SECRET_N_KINDS; i++) {
    const OspSecretKindInfo *info = stored_kind(i);
    const char *value;

    if (!info || !osp_secret_kind_used(info, form_auth_mode(e)))
      continue;
    value = gtk_entry_get_text(GTK_ENTRY(e->secret_entries[i]));
    if (gtk_toggle_button_get_active(GTK_TOGGLE_BUTTON(e->secret_ask[i]))) {
      if (e->secret_kept[i])
        g_variant_builder_add(&b, "{ss}", info->name, ""); /* forget what is stored */
    } else if (*value)
      g_variant_builder_add(&b, "{ss}", info->name, value);
  }
  return g_variant_builder_end(&b);
}

/* ---- calls to the daemon: asynchronous, so that a polkit agent's prompt
 * (or a slow daemon) leaves the window drawn and answering.  While one is
 * pending the form is insensitive and a spinner turns; closing the window
 * cancels it.  A Pending carries one action through its calls. */

typedef struct _Pending Pending;
typedef void (*PendingStep)(Pending *pd, OspDBusProfile *p);

struct _Pending {
  Editor *e; /* not to be used once cancellable is cancelled */
  GCancellable *cancellable;
  char *name;        /* the profile to show when done */
  GVariant *secrets; /* for SetSecrets after Update or AddProfile, or NULL */
  char *awaited;     /* a new profile's path, until the object manager has it */
  int tries;
  PendingStep then;
};

static void set_busy(Editor *e, gboolean busy)
{
  gtk_widget_set_sensitive(e->content, !busy);
  gtk_widget_set_visible(e->busy, busy);
  if (busy)
    gtk_spinner_start(GTK_SPINNER(e->spinner));
  else
    gtk_spinner_stop(GTK_SPINNER(e->spinner));
}

static Pending *pending_new(Editor *e, const char *name)
{
  Pending *pd = g_new0(Pending, 1);

  if (e->cancellable)
    g_cancellable_cancel(e->cancellable);
  g_clear_object(&e->cancellable);
  e->cancellable = g_cancellable_new();
  pd->e = e;
  pd->cancellable = g_object_ref(e->cancellable);
  pd->name = g_strdup(name);
  show_error(e, NULL);
  set_busy(e, TRUE);
  return pd;
}

static void pending_free(Pending *pd)
{
  g_clear_object(&pd->cancellable);
  g_clear_pointer(&pd->secrets, g_variant_unref);
  g_free(pd->awaited);
  g_free(pd->name);
  g_free(pd);
}

/* FALSE (and pd freed) when the action was cancelled: its window closed. */
static gboolean pending_alive(Pending *pd)
{
  if (!g_cancellable_is_cancelled(pd->cancellable))
    return TRUE;
  pending_free(pd);
  return FALSE;
}

/* The end of an action: the form usable again, an error under it. */
static void pending_end(Pending *pd, const GError *error)
{
  Editor *e = pd->e;

  if (e->cancellable == pd->cancellable)
    g_clear_object(&e->cancellable);
  set_busy(e, FALSE);
  show_error(e, error);
  pending_free(pd);
}

/* Done: the list again, with pd's profile shown (p, or none). */
static void pending_show(Pending *pd, OspDBusProfile *p)
{
  Editor *e = pd->e;

  g_free(e->selected);
  e->selected = p ? g_strdup(osp_dbus_profile_get_name(p)) : NULL;
  pending_end(pd, NULL);
  fill_list(e);
  load(e, p);
}

static void pending_call(Pending *pd, GDBusProxy *proxy, const char *method, GVariant *args,
                         GAsyncReadyCallback done)
{
  g_dbus_proxy_call(proxy, method, args, G_DBUS_CALL_FLAGS_ALLOW_INTERACTIVE_AUTHORIZATION,
                    OSP_TRAY_AUTH_TIMEOUT_MS, pd->cancellable, done, pd);
}

/* The reply of a call; NULL when it failed (shown) or was cancelled. */
static GVariant *pending_reply(Pending *pd, GObject *source, GAsyncResult *res)
{
  g_autoptr(GError) error = NULL;
  GVariant *ret = g_dbus_proxy_call_finish(G_DBUS_PROXY(source), res, &error);

  if (!pending_alive(pd)) {
    g_clear_pointer(&ret, g_variant_unref);
    return NULL;
  }
  if (!ret)
    pending_end(pd, error);
  return ret;
}

static OspDBusProfile *profile_by_path(Editor *e, const char *path)
{
  g_autoptr(GDBusInterface) iface =
      g_dbus_object_manager_get_interface(e->tray->om, path, "net.ospreyvpn.Osprey1.Profile");

  return iface ? OSP_DBUS_PROFILE(g_steal_pointer(&iface)) : NULL;
}

/* A new profile: its object follows InterfacesAdded, sent before the reply;
 * look again for half a second in case the object manager lags. */
static gboolean await_profile(gpointer user_data)
{
  Pending *pd = user_data;
  g_autoptr(OspDBusProfile) p = NULL;
  g_autoptr(GError) error = NULL;

  if (!pending_alive(pd))
    return G_SOURCE_REMOVE;
  p = profile_by_path(pd->e, pd->awaited);
  if (p) {
    pd->then(pd, p);
    return G_SOURCE_REMOVE;
  }
  if (pd->tries++ < 50)
    return G_SOURCE_CONTINUE;
  g_set_error_literal(&error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                      _("The Osprey VPN service did not show the new profile."));
  pending_end(pd, error);
  return G_SOURCE_REMOVE;
}

static void pending_await(Pending *pd, const char *path, PendingStep then)
{
  pd->awaited = g_strdup(path);
  pd->then = then;
  if (await_profile(pd) == G_SOURCE_CONTINUE)
    g_timeout_add(10, await_profile, pd);
}

static void on_secrets_set(GObject *source, GAsyncResult *res, gpointer user_data)
{
  Pending *pd = user_data;
  g_autoptr(GVariant) ret = pending_reply(pd, source, res);

  if (ret)
    pending_show(pd, OSP_DBUS_PROFILE(source));
}

/* After Update or AddProfile: the secrets, if the form changed them. */
static void set_secrets(Pending *pd, OspDBusProfile *p)
{
  if (!pd->secrets || g_variant_n_children(pd->secrets) == 0) {
    pending_show(pd, p);
    return;
  }
  pending_call(pd, G_DBUS_PROXY(p), "SetSecrets", g_variant_new("(@a{ss})", pd->secrets),
               on_secrets_set);
}

static void on_updated(GObject *source, GAsyncResult *res, gpointer user_data)
{
  Pending *pd = user_data;
  g_autoptr(GVariant) ret = pending_reply(pd, source, res);

  if (ret)
    set_secrets(pd, OSP_DBUS_PROFILE(source));
}

static void on_added(GObject *source, GAsyncResult *res, gpointer user_data)
{
  Pending *pd = user_data;
  g_autoptr(GVariant) ret = pending_reply(pd, source, res);
  const char *path;

  if (!ret)
    return;
  g_variant_get(ret, "(&o)", &path);
  pending_await(pd, path, set_secrets);
}

static void on_save(GtkButton *button, gpointer user_data)
{
  Editor *e = user_data;
  Pending *pd;

  if (e->selected) {
    g_autoptr(OspDBusProfile) p = osp_tray_lookup_profile(e->tray, e->selected);
    g_autoptr(GPtrArray) reset = g_ptr_array_new();
    GVariant *settings;

    if (!p)
      return;
    settings = form_settings(e, reset);
    g_ptr_array_add(reset, NULL);
    pd = pending_new(e, e->selected);
    pd->secrets = g_variant_ref_sink(form_secrets(e));
    pending_call(pd, G_DBUS_PROXY(p), "Update",
                 g_variant_new("(@a{sv}^as)", settings, (char **)reset->pdata), on_updated);
  } else if (e->tray->manager) {
    const char *name = gtk_entry_get_text(GTK_ENTRY(e->name));

    pd = pending_new(e, name);
    pd->secrets = g_variant_ref_sink(form_secrets(e));
    pending_call(pd, G_DBUS_PROXY(e->tray->manager), "AddProfile",
                 g_variant_new("(s@a{sv})", name, form_settings(e, NULL)), on_added);
  }
}

static void on_add(GtkButton *button, gpointer user_data)
{
  Editor *e = user_data;

  gtk_list_box_unselect_all(GTK_LIST_BOX(e->list));
  load(e, NULL);
  gtk_widget_grab_focus(e->name);
}

static void on_duplicate(GtkButton *button, gpointer user_data)
{
  Editor *e = user_data;
  g_autoptr(OspDBusProfile) p = osp_tray_lookup_profile(e->tray, e->selected);
  g_autofree char *name = NULL;
  Pending *pd;

  if (!p || !e->tray->manager)
    return;
  for (int n = 1; n < 100 && !name; n++) {
    g_autoptr(OspDBusProfile) taken = NULL;
    g_autofree char *candidate = n == 1 ? g_strdup_printf("%s-copy", e->selected)
                                        : g_strdup_printf("%s-copy%d", e->selected, n);

    taken = osp_tray_lookup_profile(e->tray, candidate);
    if (!taken)
      name = g_steal_pointer(&candidate);
  }
  if (!name)
    return;
  pd = pending_new(e, name);
  pending_call(pd, G_DBUS_PROXY(e->tray->manager), "AddProfile",
               g_variant_new("(s@a{sv})", name, osp_dbus_profile_get_settings(p)), on_added);
}

static void on_deleted(GObject *source, GAsyncResult *res, gpointer user_data)
{
  Pending *pd = user_data;
  g_autoptr(GVariant) ret = pending_reply(pd, source, res);

  if (ret)
    pending_show(pd, NULL);
}

static void on_delete_response(GtkDialog *ask, int response, gpointer user_data)
{
  Editor *e = user_data;
  g_autoptr(OspDBusProfile) p = osp_tray_lookup_profile(e->tray, e->selected);

  gtk_widget_destroy(GTK_WIDGET(ask));
  if (response == GTK_RESPONSE_ACCEPT && p)
    pending_call(pending_new(e, NULL), G_DBUS_PROXY(p), "Delete", NULL, on_deleted);
}

static void on_delete(GtkButton *button, gpointer user_data)
{
  Editor *e = user_data;
  g_autofree char *question = NULL;
  GtkWidget *ask, *label;

  if (!e->selected)
    return;
  ask = gtk_dialog_new_with_buttons(_("Delete profile"), GTK_WINDOW(e->window), GTK_DIALOG_MODAL,
                                    _("_Cancel"), GTK_RESPONSE_CANCEL, _("_Delete"),
                                    GTK_RESPONSE_ACCEPT, NULL);
  /* TRANSLATORS: %s is a profile name */
  question = g_strdup_printf(_("Delete the profile %s? Its settings and stored passwords are "
                               "removed; an active connection is disconnected."),
                             e->selected);
  label = gtk_label_new(question);
  gtk_label_set_line_wrap(GTK_LABEL(label), TRUE);
  gtk_label_set_max_width_chars(GTK_LABEL(label), 50);
  g_object_set(label, "margin", 12, NULL);
  gtk_container_add(GTK_CONTAINER(gtk_dialog_get_content_area(GTK_DIALOG(ask))), label);
  name_widget(gtk_dialog_get_widget_for_response(GTK_DIALOG(ask), GTK_RESPONSE_ACCEPT),
              _("Delete"));
  name_widget(gtk_dialog_get_widget_for_response(GTK_DIALOG(ask), GTK_RESPONSE_CANCEL),
              _("Cancel"));
  g_signal_connect(ask, "response", G_CALLBACK(on_delete_response), e);
  gtk_widget_show_all(ask);
}

/* ---- Export… and Import… */

static void on_export_chosen(GtkNativeDialog *chooser, int response, gpointer user_data)
{
  Editor *e = user_data;
  const char *config = g_object_get_data(G_OBJECT(chooser), "osp-config");
  g_autoptr(GError) error = NULL;

  if (response == GTK_RESPONSE_ACCEPT) {
    g_autoptr(GFile) file = gtk_file_chooser_get_file(GTK_FILE_CHOOSER(chooser));

    if (!g_file_replace_contents(file, config, strlen(config), NULL, FALSE, G_FILE_CREATE_PRIVATE,
                                 NULL, NULL, &error))
      show_error(e, error);
  }
  g_object_unref(chooser);
}

static void on_exported(GObject *source, GAsyncResult *res, gpointer user_data)
{
  Pending *pd = user_data;
  g_autoptr(GVariant) ret = pending_reply(pd, source, res);
  g_autofree char *suggested = NULL;
  GtkFileChooserNative *chooser;
  char *config;
  Editor *e;

  if (!ret)
    return;
  e = pd->e;
  suggested = g_strdup_printf("%s.conf", pd->name);
  pending_end(pd, NULL);
  chooser = gtk_file_chooser_native_new(_("Export the profile"), GTK_WINDOW(e->window),
                                        GTK_FILE_CHOOSER_ACTION_SAVE, _("_Export"), _("_Cancel"));
  gtk_file_chooser_set_do_overwrite_confirmation(GTK_FILE_CHOOSER(chooser), TRUE);
  gtk_file_chooser_set_current_name(GTK_FILE_CHOOSER(chooser), suggested);
  g_variant_get(ret, "(s)", &config);
  g_object_set_data_full(G_OBJECT(chooser), "osp-config", config, g_free);
  gtk_native_dialog_set_modal(GTK_NATIVE_DIALOG(chooser), TRUE);
  g_signal_connect(chooser, "response", G_CALLBACK(on_export_chosen), e);
  gtk_native_dialog_show(GTK_NATIVE_DIALOG(chooser));
}

static void on_export(GtkButton *button, gpointer user_data)
{
  Editor *e = user_data;
  g_autoptr(OspDBusProfile) p = osp_tray_lookup_profile(e->tray, e->selected);

  if (p)
    pending_call(pending_new(e, e->selected), G_DBUS_PROXY(p), "Export", NULL, on_exported);
}

/* Import… in the editor: the daemon's refusal under the form, the new
 * profile shown. */
static void on_imported(OspTray *t, const char *file_name, const char *path,
                        const char *const *warnings, const GError *error, gpointer user_data)
{
  Pending *pd = user_data;

  if (!pending_alive(pd))
    return;
  if (g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED)) {
    pending_end(pd, NULL);
  } else if (error) {
    Editor *e = pd->e;
    /* TRANSLATORS: %s is a file name */
    g_autofree char *title = g_strdup_printf(_("Could not import %s"), file_name);
    g_autofree char *sentence = osp_tray_error_sentence(error);
    g_autofree char *text = g_strdup_printf("%s\n%s", title, sentence);

    pending_end(pd, NULL);
    show_text(e, text); /* the file's fault, not the profile shown */
  } else {
    pending_await(pd, path, pending_show);
  }
}

static void on_import(GtkButton *button, gpointer user_data)
{
  Editor *e = user_data;
  Pending *pd = pending_new(e, NULL);

  osp_tray_import(e->tray, GTK_WINDOW(e->window), pd->cancellable, on_imported, pd);
}

static void on_file_chosen(GtkNativeDialog *chooser, int response, gpointer entry)
{
  if (response == GTK_RESPONSE_ACCEPT) {
    g_autofree char *path = gtk_file_chooser_get_filename(GTK_FILE_CHOOSER(chooser));

    if (path)
      gtk_entry_set_text(GTK_ENTRY(entry), path);
  }
  g_object_unref(chooser);
}

static void on_choose_file(GtkButton *b, gpointer entry)
{
  GtkWidget *top = gtk_widget_get_toplevel(GTK_WIDGET(b));
  GtkFileChooserNative *chooser =
      gtk_file_chooser_native_new(atk_object_get_name(gtk_widget_get_accessible(entry)),
                                  GTK_IS_WINDOW(top) ? GTK_WINDOW(top) : NULL,
                                  GTK_FILE_CHOOSER_ACTION_OPEN, _("_Open"), _("_Cancel"));
  const char *now = gtk_entry_get_text(GTK_ENTRY(entry));

  if (*now)
    gtk_file_chooser_set_filename(GTK_FILE_CHOOSER(chooser), now);
  gtk_native_dialog_set_modal(GTK_NATIVE_DIALOG(chooser), TRUE);
  g_signal_connect(chooser, "response", G_CALLBACK(on_file_chosen), entry);
  gtk_native_dialog_show(GTK_NATIVE_DIALOG(chooser));
}

/* field i's entry with a "Choose…" button after it */
static GtkWidget *file_row(guint i, GtkWidget *entry)
{
  GtkWidget *box = gtk_box_new(GTK_ORIENTATION_HORIZONTAL, 6);
  GtkWidget *b = gtk_button_new_with_label(_("Choose…"));
  /* TRANSLATORS: accessible name of a button; %s is "CA file", "Client key"... */
  g_autofree char *name = g_strdup_printf(_("%s: choose a file"), _(fields[i].label));

  name_widget(b, name);
  g_signal_connect(b, "clicked", G_CALLBACK(on_choose_file), entry);
  gtk_box_pack_start(GTK_BOX(box), entry, TRUE, TRUE, 0);
  gtk_box_pack_start(GTK_BOX(box), b, FALSE, FALSE, 0);
  return box;
}

/* The chosen authentication, NULL when none is (the default, psk). */
static const char *form_auth_mode(Editor *e)
{
  return gtk_combo_box_get_active_id(GTK_COMBO_BOX(e->widgets[field_index("auth-mode")]));
}

/* the rows that apply to the chosen authentication, as in the
 * NetworkManager editor: the group's name but with cert, the CA and the
 * gateway's ID with hybrid and cert, our certificate with cert; a secret
 * where the engine asks for it (the group password with psk, the key's
 * passphrase with cert: client/osp-secret-kind.c) */
static void on_auth_changed(GtkComboBox *combo, gpointer user_data)
{
  Editor *e = user_data;
  const char *mode = gtk_combo_box_get_active_id(combo);
  gboolean cert = g_strcmp0(mode, "cert") == 0;
  gboolean certs = g_strcmp0(mode, "hybrid") == 0 || cert;

  for (guint i = 0; i < G_N_ELEMENTS(fields); i++) {
    gboolean shown = TRUE;

    if (g_str_has_prefix(fields[i].key, "client-"))
      shown = cert;
    else if (g_str_has_prefix(fields[i].key, "ca-") || strcmp(fields[i].key, "gateway-id") == 0)
      shown = certs;
    else if (strcmp(fields[i].key, "group-id") == 0)
      shown = !cert;
    else
      continue;
    if (fields[i].advanced)
      continue;
    gtk_widget_set_visible(e->rows[i], shown);
    if (e->labels[i])
      gtk_widget_set_visible(e->labels[i], shown);
  }
  for (guint i = 0; i < OSP_SECRET_N_KINDS; i++) {
    const OspSecretKindInfo *info = stored_kind(i);
    gboolean shown;

    if (!info)
      continue;
    shown = osp_secret_kind_used(info, mode);
    gtk_widget_set_visible(e->secret_labels[i], shown);
    gtk_widget_set_visible(e->secret_entries[i], shown);
    gtk_widget_set_visible(e->secret_ask[i], shown);
  }
}

static GtkWidget *page(Editor *e, gboolean advanced)
{
  GtkWidget *grid = gtk_grid_new();
  int row = 0;

  gtk_grid_set_row_spacing(GTK_GRID(grid), 6);
  gtk_grid_set_column_spacing(GTK_GRID(grid), 12);
  gtk_container_set_border_width(GTK_CONTAINER(grid), 12);
  if (!advanced) {
    GtkWidget *label = gtk_label_new_with_mnemonic(_("_Name"));

    e->name = gtk_entry_new();
    name_widget(e->name, _("Name"));
    gtk_label_set_mnemonic_widget(GTK_LABEL(label), e->name);
    gtk_label_set_xalign(GTK_LABEL(label), 1);
    gtk_grid_attach(GTK_GRID(grid), label, 0, row, 1, 1);
    gtk_grid_attach(GTK_GRID(grid), e->name, 1, row++, 2, 1);
  }
  for (guint i = 0; i < G_N_ELEMENTS(fields); i++) {
    if (fields[i].advanced != advanced)
      continue;
    e->widgets[i] = field_widget(i);
    e->rows[i] = fields[i].kind == F_FILE ? file_row(i, e->widgets[i]) : e->widgets[i];
    if (fields[i].kind != F_BOOL) {
      e->labels[i] = gtk_label_new(_(fields[i].label));
      gtk_label_set_mnemonic_widget(GTK_LABEL(e->labels[i]), e->widgets[i]);
      gtk_label_set_xalign(GTK_LABEL(e->labels[i]), 1);
      gtk_grid_attach(GTK_GRID(grid), e->labels[i], 0, row, 1, 1);
    }
    gtk_grid_attach(GTK_GRID(grid), e->rows[i], 1, row++, 2, 1);
    if (strcmp(fields[i].key, "auth-mode") == 0)
      g_signal_connect(e->widgets[i], "changed", G_CALLBACK(on_auth_changed), e);
  }
  for (guint i = 0; !advanced && i < OSP_SECRET_N_KINDS; i++) {
    const OspSecretKindInfo *info = stored_kind(i);
    const char *text;
    GtkWidget *label;
    g_autofree char *ask_name = NULL;

    if (!info)
      continue;
    text = _(info->label);
    label = e->secret_labels[i] = gtk_label_new(text);
    e->secret_entries[i] = gtk_entry_new();
    gtk_entry_set_visibility(GTK_ENTRY(e->secret_entries[i]), FALSE);
    name_widget(e->secret_entries[i], text);
    e->secret_ask[i] = gtk_check_button_new_with_label(_("Ask each time"));
    /* TRANSLATORS: accessible name of a check box; %s is "Password" or "Group password" */
    ask_name = g_strdup_printf(_("%s: ask each time"), text);
    name_widget(e->secret_ask[i], ask_name);
    gtk_label_set_mnemonic_widget(GTK_LABEL(label), e->secret_entries[i]);
    gtk_label_set_xalign(GTK_LABEL(label), 1);
    gtk_grid_attach(GTK_GRID(grid), label, 0, row, 1, 1);
    gtk_grid_attach(GTK_GRID(grid), e->secret_entries[i], 1, row, 1, 1);
    gtk_grid_attach(GTK_GRID(grid), e->secret_ask[i], 2, row++, 1, 1);
  }
  return grid;
}

/* a button added to box */
static GtkWidget *button(GtkWidget *box, const char *mnemonic, const char *name, GCallback cb,
                         Editor *e)
{
  GtkWidget *b = gtk_button_new_with_mnemonic(mnemonic);

  name_widget(b, name);
  g_signal_connect(b, "clicked", cb, e);
  gtk_container_add(GTK_CONTAINER(box), b);
  return b;
}

static void on_profiles_changed(GObject *manager, GParamSpec *pspec, gpointer user_data)
{
  Editor *e = user_data;

  if (gtk_widget_get_visible(e->window))
    fill_list(e);
}

/* Closing the window cancels a pending call (the daemon may still carry it
 * out); the window is only hidden. */
static gboolean on_close(GtkWidget *window, GdkEvent *event, gpointer user_data)
{
  Editor *e = user_data;

  if (e->cancellable) {
    g_cancellable_cancel(e->cancellable);
    g_clear_object(&e->cancellable);
    set_busy(e, FALSE);
  }
  return gtk_widget_hide_on_delete(window);
}

static void build(OspTray *t)
{
  Editor *e = g_new0(Editor, 1);
  GtkWidget *outer, *paned, *left, *right, *notebook, *buttons, *scroll, *bottom, *close;

  editor = e;
  e->tray = t;
  e->window = gtk_application_window_new(t->app);
  gtk_window_set_title(GTK_WINDOW(e->window), _("Osprey VPN profiles"));
  gtk_window_set_default_size(GTK_WINDOW(e->window), 720, 560);
  g_signal_connect(e->window, "delete-event", G_CALLBACK(on_close), e);
  outer = gtk_box_new(GTK_ORIENTATION_VERTICAL, 0);
  gtk_container_add(GTK_CONTAINER(e->window), outer);
  paned = gtk_paned_new(GTK_ORIENTATION_HORIZONTAL);
  e->content = paned;
  gtk_widget_set_vexpand(paned, TRUE);
  gtk_container_add(GTK_CONTAINER(outer), paned);
  /* below the form, usable while a call is pending: the spinner, Close */
  bottom = gtk_box_new(GTK_ORIENTATION_HORIZONTAL, 6);
  g_object_set(bottom, "margin", 6, NULL);
  e->busy = gtk_box_new(GTK_ORIENTATION_HORIZONTAL, 6);
  e->spinner = gtk_spinner_new();
  name_widget(e->spinner, _("Waiting for the Osprey VPN service…"));
  gtk_container_add(GTK_CONTAINER(e->busy), e->spinner);
  gtk_container_add(GTK_CONTAINER(e->busy),
                    gtk_label_new(_("Waiting for the Osprey VPN service…")));
  gtk_container_add(GTK_CONTAINER(bottom), e->busy);
  close = gtk_button_new_with_mnemonic(_("_Close"));
  name_widget(close, _("Close"));
  g_signal_connect_swapped(close, "clicked", G_CALLBACK(gtk_window_close), e->window);
  gtk_box_pack_end(GTK_BOX(bottom), close, FALSE, FALSE, 0);
  gtk_container_add(GTK_CONTAINER(outer), bottom);

  left = gtk_box_new(GTK_ORIENTATION_VERTICAL, 6);
  g_object_set(left, "margin", 6, NULL);
  scroll = gtk_scrolled_window_new(NULL, NULL);
  gtk_widget_set_vexpand(scroll, TRUE);
  gtk_widget_set_size_request(scroll, 180, -1);
  e->list = gtk_list_box_new();
  name_widget(e->list, _("Profiles"));
  g_signal_connect(e->list, "row-selected", G_CALLBACK(on_row_selected), e);
  gtk_container_add(GTK_CONTAINER(scroll), e->list);
  gtk_container_add(GTK_CONTAINER(left), scroll);
  buttons = gtk_box_new(GTK_ORIENTATION_HORIZONTAL, 6);
  button(buttons, _("_Add"), _("Add"), G_CALLBACK(on_add), e);
  e->duplicate = button(buttons, _("D_uplicate"), _("Duplicate"), G_CALLBACK(on_duplicate), e);
  e->remove = button(buttons, _("_Delete"), _("Delete"), G_CALLBACK(on_delete), e);
  button(buttons, _("_Import…"), _("Import"), G_CALLBACK(on_import), e);
  gtk_container_add(GTK_CONTAINER(left), buttons);
  gtk_paned_pack1(GTK_PANED(paned), left, FALSE, FALSE);

  right = gtk_box_new(GTK_ORIENTATION_VERTICAL, 6);
  g_object_set(right, "margin", 6, NULL);
  notebook = gtk_notebook_new();
  gtk_notebook_append_page(GTK_NOTEBOOK(notebook), page(e, FALSE), gtk_label_new(_("General")));
  gtk_notebook_append_page(GTK_NOTEBOOK(notebook), page(e, TRUE), gtk_label_new(_("Advanced")));
  gtk_widget_set_vexpand(notebook, TRUE);
  gtk_container_add(GTK_CONTAINER(right), notebook);
  e->error = gtk_label_new("");
  gtk_label_set_line_wrap(GTK_LABEL(e->error), TRUE);
  gtk_label_set_xalign(GTK_LABEL(e->error), 0);
  gtk_style_context_add_class(gtk_widget_get_style_context(e->error), "error");
  gtk_container_add(GTK_CONTAINER(right), e->error);
  buttons = gtk_box_new(GTK_ORIENTATION_HORIZONTAL, 6);
  gtk_widget_set_halign(buttons, GTK_ALIGN_END);
  e->export = button(buttons, _("_Export…"), _("Export"), G_CALLBACK(on_export), e);
  e->save = button(buttons, _("_Save"), _("Save"), G_CALLBACK(on_save), e);
  gtk_container_add(GTK_CONTAINER(right), buttons);
  gtk_paned_pack2(GTK_PANED(paned), right, TRUE, FALSE);
  g_signal_connect(t->manager, "notify::profiles", G_CALLBACK(on_profiles_changed), e);
  gtk_widget_show_all(outer);
  gtk_widget_hide(e->busy);
}

void osp_tray_profiles_show(OspTray *t)
{
  g_autoptr(OspDBusProfile) first = NULL;

  if (!editor)
    build(t);
  fill_list(editor);
  if (!editor->selected) {
    GtkListBoxRow *row = gtk_list_box_get_row_at_index(GTK_LIST_BOX(editor->list), 0);

    if (row)
      gtk_list_box_select_row(GTK_LIST_BOX(editor->list), row);
    else
      load(editor, NULL);
  }
  gtk_widget_hide(editor->error);
  gtk_window_present(GTK_WINDOW(editor->window));
}

void osp_tray_profiles_free(OspTray *t)
{
  if (!editor)
    return;
  if (editor->cancellable)
    g_cancellable_cancel(editor->cancellable);
  g_clear_object(&editor->cancellable);
  g_signal_handlers_disconnect_by_data(t->manager, editor);
  gtk_widget_destroy(editor->window);
  g_free(editor->selected);
  g_clear_pointer(&editor, g_free);
}
