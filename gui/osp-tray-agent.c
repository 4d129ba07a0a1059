/* SPDX-License-Identifier: GPL-2.0-or-later
 * osprey-tray — the secret agent of the user's session (the Agent interface
 * of data/net.ospreyvpn.Osprey1.xml): a dialog with the gateway's prompt and
 * only the fields asked for, secrets the user chose to remember kept in the
 * keyring (libsecret; attributes profile + kind) and answered without a
 * dialog until the gateway rejects them, and the banner.  Only ospreyd's
 * unique name may call it. */
#include "osp-secret-kind.h"
#include "osp-tray.h"

#include <libsecret/secret.h>
#include <string.h>

#define AGENT_PATH "/net/ospreyvpn/OspreyTray/Agent"

struct _OspTrayAgent {
  OspTray *tray;
  OspDBusAgent *skeleton;
  gboolean registered;
  GCancellable *cancellable; /* of the registration call */
  GHashTable *requests;      /* connection path -> Request (one pending each) */
  GHashTable *kept;          /* connection path -> profile + kinds last answered from the keyring */
  GHashTable *banners;       /* connection path -> banner dialog */
  GHashTable *answered;      /* connection path -> profile, connections this agent answered */
  GHashTable *rejected;      /* profiles whose last answer the gateway rejected */
};

typedef struct {
  OspTrayAgent *agent;
  char *connection;
  char *profile;
  char **kinds;
  char *message;
  gboolean retry;
  char *username;
  GDBusMethodInvocation *inv;
  GCancellable *cancellable;
  GHashTable *found; /* kind -> value from the keyring */
  guint next_lookup;
  GtkWidget *dialog;
  GHashTable *entries; /* kind -> GtkEntry */
  GtkWidget *remember;
} Request;

static const SecretSchema *secret_schema(void)
{
  static const SecretSchema schema = {
    "net.ospreyvpn.Osprey.Secret",
    SECRET_SCHEMA_NONE,
    {
        { "profile", SECRET_SCHEMA_ATTRIBUTE_STRING },
        { "kind", SECRET_SCHEMA_ATTRIBUTE_STRING },
        { NULL, 0 },
    },
    0,
    NULL,
    NULL,
    NULL,
    NULL,
    NULL,
    NULL,
    NULL,
  };
  return &schema;
}

/* Token codes, new PINs and challenge answers are good once: never kept;
 * nor is a kind this version does not know. */
static gboolean kind_keepable(const char *kind)
{
  const OspSecretKindInfo *info = osp_secret_kind_find(kind);

  return info && !info->one_time;
}

static gboolean kind_echoed(const char *kind)
{
  const OspSecretKindInfo *info = osp_secret_kind_find(kind);

  return info && info->echo;
}

static const char *kind_label(const char *kind)
{
  const OspSecretKindInfo *info = osp_secret_kind_find(kind);

  return info ? _(info->label) : kind; /* a kind this version does not know: its code */
}

static void request_free(gpointer data)
{
  Request *r = data;

  g_cancellable_cancel(r->cancellable);
  g_clear_object(&r->cancellable);
  if (r->dialog)
    gtk_widget_destroy(r->dialog);
  if (r->inv)
    g_dbus_method_invocation_return_dbus_error(r->inv, OSP_TRAY_ERROR_PREFIX "Cancelled",
                                               "The request was withdrawn");
  g_clear_pointer(&r->found, g_hash_table_unref);
  g_clear_pointer(&r->entries, g_hash_table_unref);
  g_free(r->connection);
  g_free(r->profile);
  g_strfreev(r->kinds);
  g_free(r->message);
  g_free(r->username);
  g_free(r);
}

/* Changes to the keyring run one after the other, in the order asked, so
 * that a clear can never finish after a later store and delete it.  One
 * may wait for the user (the desktop asks to unlock the keyring): no
 * timeout. */
typedef struct {
  char *profile, *kind;
  char *label, *value; /* a store; NULL: a clear */
} KeyringOp;

static GQueue keyring_ops = G_QUEUE_INIT;
static gboolean keyring_busy;

static void keyring_op_free(KeyringOp *op)
{
  if (op->value)
    secret_password_wipe(op->value);
  g_free(op->value);
  g_free(op->label);
  g_free(op->kind);
  g_free(op->profile);
  g_free(op);
}

static void keyring_next(void);

static void on_keyring_done(GObject *source, GAsyncResult *res, gpointer user_data)
{
  KeyringOp *op = user_data;
  g_autoptr(GError) error = NULL;

  if (op->value)
    secret_password_store_finish(res, &error);
  else
    secret_password_clear_finish(res, &error);
  g_debug("keyring: %s %s of %s: %s", op->value ? "storing" : "forgetting", op->kind, op->profile,
          error ? error->message : "done");
  keyring_op_free(op);
  keyring_busy = FALSE;
  keyring_next();
}

static void keyring_next(void)
{
  KeyringOp *op;

  if (keyring_busy || !(op = g_queue_pop_head(&keyring_ops)))
    return;
  keyring_busy = TRUE;
  g_debug("keyring: %s %s of %s", op->value ? "storing" : "forgetting", op->kind, op->profile);
  if (op->value)
    secret_password_store(secret_schema(), SECRET_COLLECTION_DEFAULT, op->label, op->value, NULL,
                          on_keyring_done, op, "profile", op->profile, "kind", op->kind, NULL);
  else
    secret_password_clear(secret_schema(), NULL, on_keyring_done, op, "profile", op->profile,
                          "kind", op->kind, NULL);
}

static void keyring_queue(const char *profile, const char *kind, char *label, const char *value)
{
  KeyringOp *op = g_new0(KeyringOp, 1);

  op->profile = g_strdup(profile);
  op->kind = g_strdup(kind);
  op->label = label;
  op->value = g_strdup(value);
  g_queue_push_tail(&keyring_ops, op);
  keyring_next();
}

static void forget_secret(const char *profile, const char *kind)
{
  keyring_queue(profile, kind, NULL, NULL);
}

/* The keyring's answers were rejected: drop them so they are asked again. */
static void forget_kept(OspTrayAgent *a, const char *connection)
{
  char **kept = g_hash_table_lookup(a->kept, connection);

  for (char **k = kept ? kept + 1 : NULL; k && *k; k++)
    forget_secret(kept[0], *k);
  g_hash_table_remove(a->kept, connection);
}

static void keep_note(OspTrayAgent *a, Request *r, GPtrArray *kinds)
{
  GStrvBuilder *b = g_strv_builder_new();

  g_strv_builder_add(b, r->profile);
  for (guint i = 0; i < kinds->len; i++)
    g_strv_builder_add(b, kinds->pdata[i]);
  g_hash_table_insert(a->kept, g_strdup(r->connection), g_strv_builder_end(b));
  g_strv_builder_unref(b);
}

static void reply(Request *r, GHashTable *answers)
{
  GVariantBuilder b;
  GDBusMethodInvocation *inv = g_steal_pointer(&r->inv);

  g_variant_builder_init(&b, G_VARIANT_TYPE("a{ss}"));
  for (char **k = r->kinds; *k; k++)
    g_variant_builder_add(&b, "{ss}", *k, g_hash_table_lookup(answers, *k) ?: "");
  osp_dbus_agent_complete_get_secrets(r->agent->skeleton, inv, g_variant_builder_end(&b));
  g_hash_table_insert(r->agent->answered, g_strdup(r->connection), g_strdup(r->profile));
  g_hash_table_remove(r->agent->requests, r->connection);
}

static void store_secret(const char *profile, const char *kind, const char *value)
{
  /* TRANSLATORS: the keyring item's label: profile name, secret kind */
  keyring_queue(profile, kind, g_strdup_printf(_("Osprey VPN %s: %s"), profile, kind_label(kind)),
                value);
}

static void on_dialog_response(GtkDialog *dialog, int response, gpointer user_data)
{
  Request *r = user_data;
  g_autoptr(GHashTable) answers = NULL;
  g_autoptr(GPtrArray) stored = NULL;
  gboolean remember;

  if (response != GTK_RESPONSE_OK) {
    GDBusMethodInvocation *inv = g_steal_pointer(&r->inv);

    g_dbus_method_invocation_return_dbus_error(inv, OSP_TRAY_ERROR_PREFIX "Cancelled",
                                               "The user cancelled the dialog");
    g_hash_table_remove(r->agent->requests, r->connection);
    return;
  }
  answers = g_hash_table_new(g_str_hash, g_str_equal);
  stored = g_ptr_array_new();
  remember = gtk_toggle_button_get_active(GTK_TOGGLE_BUTTON(r->remember));
  for (char **k = r->kinds; *k; k++) {
    GtkEntry *entry = g_hash_table_lookup(r->entries, *k);
    const char *value = gtk_entry_get_text(entry);

    g_hash_table_insert(answers, *k, (gpointer)value);
    if (!kind_keepable(*k))
      continue;
    if (remember && *value) {
      store_secret(r->profile, *k, value);
      g_ptr_array_add(stored, *k);
    } else if (!remember) {
      forget_secret(r->profile, *k);
    }
  }
  if (stored->len)
    keep_note(r->agent, r, stored);
  gtk_widget_hide(r->dialog);
  reply(r, answers); /* frees r with the dialog */
}

static GtkWidget *wrapped_label(const char *text)
{
  GtkWidget *label = gtk_label_new(text);

  gtk_label_set_line_wrap(GTK_LABEL(label), TRUE);
  gtk_label_set_max_width_chars(GTK_LABEL(label), 60);
  gtk_label_set_xalign(GTK_LABEL(label), 0);
  gtk_label_set_selectable(GTK_LABEL(label), FALSE);
  return label;
}

static void name_widget(GtkWidget *w, const char *name)
{
  atk_object_set_name(gtk_widget_get_accessible(w), name);
}

static void show_dialog(Request *r)
{
  g_autofree char *title = NULL, *intro = NULL;
  GtkWidget *area, *grid, *ok;
  int row = 0;

  /* TRANSLATORS: title of the secrets dialog; %s is a profile name */
  title = g_strdup_printf(_("VPN login: %s"), r->profile);
  r->dialog = gtk_dialog_new_with_buttons(title, NULL, 0, _("_Cancel"), GTK_RESPONSE_CANCEL,
                                          _("C_onnect"), GTK_RESPONSE_OK, NULL);
  gtk_window_set_icon_name(GTK_WINDOW(r->dialog), "osprey-connecting");
  gtk_window_set_keep_above(GTK_WINDOW(r->dialog), TRUE);
  gtk_dialog_set_default_response(GTK_DIALOG(r->dialog), GTK_RESPONSE_OK);
  ok = gtk_dialog_get_widget_for_response(GTK_DIALOG(r->dialog), GTK_RESPONSE_OK);
  name_widget(ok, _("Connect"));
  name_widget(gtk_dialog_get_widget_for_response(GTK_DIALOG(r->dialog), GTK_RESPONSE_CANCEL),
              _("Cancel"));
  area = gtk_dialog_get_content_area(GTK_DIALOG(r->dialog));
  grid = gtk_grid_new();
  gtk_grid_set_row_spacing(GTK_GRID(grid), 6);
  gtk_grid_set_column_spacing(GTK_GRID(grid), 12);
  gtk_container_set_border_width(GTK_CONTAINER(grid), 12);
  gtk_container_add(GTK_CONTAINER(area), grid);

  /* TRANSLATORS: %s is a profile name */
  intro = g_strdup_printf(_("Connecting %s needs your login."), r->profile);
  gtk_grid_attach(GTK_GRID(grid), wrapped_label(intro), 0, row++, 2, 1);
  if (r->retry) {
    GtkWidget *retry = wrapped_label(_("The gateway did not accept your answer. Try again."));

    gtk_style_context_add_class(gtk_widget_get_style_context(retry), "error");
    gtk_grid_attach(GTK_GRID(grid), retry, 0, row++, 2, 1);
  }
  if (r->message && *r->message) {
    /* untrusted: plain text, never markup */
    g_autofree char *plain = osp_tray_plain_text(r->message, FALSE);

    gtk_grid_attach(GTK_GRID(grid), wrapped_label(plain), 0, row++, 2, 1);
  }
  r->entries = g_hash_table_new(g_str_hash, g_str_equal);
  for (char **k = r->kinds; *k; k++) {
    GtkWidget *label = gtk_label_new_with_mnemonic(kind_label(*k));
    GtkWidget *entry = gtk_entry_new();
    const char *value = g_hash_table_lookup(r->found, *k);

    if (!value && osp_secret_kind_from_name(*k) == OSP_SECRET_USERNAME)
      value = r->username;
    gtk_label_set_xalign(GTK_LABEL(label), 1);
    gtk_label_set_mnemonic_widget(GTK_LABEL(label), entry);
    gtk_entry_set_visibility(GTK_ENTRY(entry), kind_echoed(*k));
    gtk_entry_set_activates_default(GTK_ENTRY(entry), TRUE);
    gtk_entry_set_text(GTK_ENTRY(entry), value ? value : "");
    gtk_widget_set_hexpand(entry, TRUE);
    name_widget(entry, kind_label(*k));
    gtk_grid_attach(GTK_GRID(grid), label, 0, row, 1, 1);
    gtk_grid_attach(GTK_GRID(grid), entry, 1, row++, 1, 1);
    g_hash_table_insert(r->entries, *k, entry);
  }
  r->remember = gtk_check_button_new_with_mnemonic(_("_Remember in the keyring"));
  name_widget(r->remember, _("Remember in the keyring"));
  gtk_toggle_button_set_active(GTK_TOGGLE_BUTTON(r->remember), g_hash_table_size(r->found) > 0);
  gtk_grid_attach(GTK_GRID(grid), r->remember, 1, row++, 1, 1);
  g_signal_connect(r->dialog, "response", G_CALLBACK(on_dialog_response), r);
  gtk_widget_show_all(r->dialog);
  gtk_window_present(GTK_WINDOW(r->dialog));
}

static void lookup_next(Request *r);

static void on_lookup(GObject *source, GAsyncResult *res, gpointer user_data)
{
  Request *r = user_data;
  g_autoptr(GError) error = NULL;
  char *value = secret_password_lookup_finish(res, &error);

  if (g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return; /* r is gone */
  if (error)
    g_debug("keyring: %s", error->message);
  if (value)
    g_hash_table_insert(r->found, r->kinds[r->next_lookup], value);
  r->next_lookup++;
  lookup_next(r);
}

/* Looks each kind up in turn; answers from the keyring if all were found. */
static void lookup_next(Request *r)
{
  g_autoptr(GPtrArray) kinds = NULL;

  for (; r->kinds[r->next_lookup]; r->next_lookup++) {
    if (!kind_keepable(r->kinds[r->next_lookup]))
      continue;
    secret_password_lookup(secret_schema(), r->cancellable, on_lookup, r, "profile", r->profile,
                           "kind", r->kinds[r->next_lookup], NULL);
    return;
  }
  if (g_hash_table_size(r->found) < g_strv_length(r->kinds)) {
    show_dialog(r);
    return;
  }
  kinds = g_ptr_array_new();
  for (char **k = r->kinds; *k; k++)
    g_ptr_array_add(kinds, *k);
  keep_note(r->agent, r, kinds);
  g_debug("keyring: answering %s from the keyring", r->profile);
  reply(r, r->found);
}

/* TRUE if the call may go on; else it has been answered. */
static gboolean check_caller(OspTrayAgent *a, GDBusMethodInvocation *inv)
{
  if (a->tray->daemon_owner &&
      g_strcmp0(g_dbus_method_invocation_get_sender(inv), a->tray->daemon_owner) == 0)
    return TRUE;
  g_dbus_method_invocation_return_dbus_error(inv, "org.freedesktop.DBus.Error.AccessDenied",
                                             "Only ospreyd may call this agent");
  return FALSE;
}

static gboolean on_get_secrets(OspDBusAgent *skeleton, GDBusMethodInvocation *inv,
                               const char *connection, const char *const *kinds,
                               const char *message, gboolean retry, GVariant *details,
                               gpointer user_data)
{
  OspTrayAgent *a = user_data;
  const char *name = NULL, *username = NULL;
  Request *r;

  if (!check_caller(a, inv))
    return G_DBUS_METHOD_INVOCATION_HANDLED;
  if (g_hash_table_contains(a->requests, connection)) {
    g_dbus_method_invocation_return_dbus_error(inv, OSP_TRAY_ERROR_PREFIX "Failed",
                                               "A secret request is already pending");
    return G_DBUS_METHOD_INVOCATION_HANDLED;
  }
  g_variant_lookup(details, "name", "&s", &name);
  g_variant_lookup(details, "username", "&s", &username);
  r = g_new0(Request, 1);
  r->agent = a;
  r->connection = g_strdup(connection);
  r->profile = osp_tray_plain_text(name ? name : connection, TRUE);
  r->kinds = g_strdupv((char **)kinds);
  r->message = g_strdup(message);
  /* the gateway may end the attempt instead of asking again: then the
   * next attempt of the profile says it */
  r->retry = g_hash_table_remove(a->rejected, r->profile) || retry;
  r->username = g_strdup(username);
  r->inv = inv;
  r->cancellable = g_cancellable_new();
  r->found =
      g_hash_table_new_full(g_str_hash, g_str_equal, NULL, (GDestroyNotify)secret_password_free);
  g_hash_table_insert(a->requests, r->connection, r);
  if (r->retry) {
    /* rejected: what the keyring gave is wrong; ask, and keep it no more */
    forget_kept(a, connection);
    show_dialog(r);
  } else {
    lookup_next(r);
  }
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean on_cancel_get_secrets(OspDBusAgent *skeleton, GDBusMethodInvocation *inv,
                                      const char *connection, gpointer user_data)
{
  OspTrayAgent *a = user_data;

  if (!check_caller(a, inv))
    return G_DBUS_METHOD_INVOCATION_HANDLED;
  g_hash_table_remove(a->requests, connection);
  osp_dbus_agent_complete_cancel_get_secrets(skeleton, inv);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static void on_banner_response(GtkDialog *dialog, int response, gpointer user_data)
{
  OspTrayAgent *a = user_data;
  const char *path = g_object_get_data(G_OBJECT(dialog), "osp-connection");
  g_autoptr(OspDBusConnection) c = NULL;

  if (response == GTK_RESPONSE_REJECT) {
    c = osp_tray_lookup_connection(a->tray, path);
    if (c)
      osp_tray_disconnect(a->tray, c);
  }
  g_hash_table_remove(a->banners, path);
}

static void show_banner(OspTrayAgent *a, const char *connection, const char *banner)
{
  g_autoptr(OspDBusConnection) c = osp_tray_lookup_connection(a->tray, connection);
  g_autofree char *name = osp_tray_plain_text(c ? osp_dbus_connection_get_name(c) : "", TRUE);
  g_autofree char *title = NULL, *plain = osp_tray_plain_text(banner, FALSE);
  GtkWidget *dialog, *area, *label;

  /* TRANSLATORS: title of the banner dialog; %s is a profile name */
  title = g_strdup_printf(_("Message from the gateway of %s"), name);
  dialog = gtk_dialog_new_with_buttons(title, NULL, 0, _("_Disconnect"), GTK_RESPONSE_REJECT,
                                       _("_Accept"), GTK_RESPONSE_ACCEPT, NULL);
  name_widget(gtk_dialog_get_widget_for_response(GTK_DIALOG(dialog), GTK_RESPONSE_REJECT),
              _("Disconnect"));
  name_widget(gtk_dialog_get_widget_for_response(GTK_DIALOG(dialog), GTK_RESPONSE_ACCEPT),
              _("Accept"));
  gtk_dialog_set_default_response(GTK_DIALOG(dialog), GTK_RESPONSE_ACCEPT);
  gtk_window_set_keep_above(GTK_WINDOW(dialog), TRUE);
  area = gtk_dialog_get_content_area(GTK_DIALOG(dialog));
  label = wrapped_label(plain);
  gtk_label_set_selectable(GTK_LABEL(label), TRUE);
  g_object_set(label, "margin", 12, NULL);
  name_widget(label, plain);
  gtk_container_add(GTK_CONTAINER(area), label);
  g_object_set_data_full(G_OBJECT(dialog), "osp-connection", g_strdup(connection), g_free);
  g_signal_connect(dialog, "response", G_CALLBACK(on_banner_response), a);
  /* a newer banner of the same connection replaces the old one */
  g_hash_table_insert(a->banners, g_strdup(connection), dialog);
  gtk_widget_show_all(dialog);
  gtk_window_present(GTK_WINDOW(dialog));
}

static gboolean on_display_banner(OspDBusAgent *skeleton, GDBusMethodInvocation *inv,
                                  const char *connection, const char *banner, gpointer user_data)
{
  OspTrayAgent *a = user_data;

  if (!check_caller(a, inv))
    return G_DBUS_METHOD_INVOCATION_HANDLED;
  if (banner && *banner)
    show_banner(a, connection, banner);
  osp_dbus_agent_complete_display_banner(skeleton, inv);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean on_release(OspDBusAgent *skeleton, GDBusMethodInvocation *inv, gpointer user_data)
{
  OspTrayAgent *a = user_data;

  if (!check_caller(a, inv))
    return G_DBUS_METHOD_INVOCATION_HANDLED;
  /* ospreyd is stopping; its name owner's return registers us again */
  a->registered = FALSE;
  osp_dbus_agent_complete_release(skeleton, inv);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

/* The connection failed because the gateway rejected the secrets: if they
 * came from here, forget those from the keyring and return TRUE (the caller
 * tries again and the dialog says why). */
gboolean osp_tray_agent_rejected(OspTrayAgent *a, const char *connection)
{
  g_autofree char *profile = NULL;

  if (!g_hash_table_steal_extended(a->answered, connection, NULL, (gpointer *)&profile))
    return FALSE;
  forget_kept(a, connection);
  g_hash_table_add(a->rejected, g_steal_pointer(&profile));
  return TRUE;
}

static void destroy_widget(gpointer w)
{
  gtk_widget_destroy(w);
}

OspTrayAgent *osp_tray_agent_new(OspTray *t)
{
  OspTrayAgent *a = g_new0(OspTrayAgent, 1);

  a->tray = t;
  a->requests = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, request_free);
  a->kept = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, (GDestroyNotify)g_strfreev);
  a->banners = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, destroy_widget);
  a->answered = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
  a->rejected = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
  a->skeleton = osp_dbus_agent_skeleton_new();
  g_signal_connect(a->skeleton, "handle-get-secrets", G_CALLBACK(on_get_secrets), a);
  g_signal_connect(a->skeleton, "handle-cancel-get-secrets", G_CALLBACK(on_cancel_get_secrets), a);
  g_signal_connect(a->skeleton, "handle-display-banner", G_CALLBACK(on_display_banner), a);
  g_signal_connect(a->skeleton, "handle-release", G_CALLBACK(on_release), a);
  return a;
}

static void on_registered(GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) ret = g_dbus_connection_call_finish(G_DBUS_CONNECTION(source), res, &error);
  g_autofree char *remote = error ? g_dbus_error_get_remote_error(error) : NULL;
  OspTrayAgent *a;

  if (g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  a = user_data;
  if (ret || g_strcmp0(remote, OSP_TRAY_ERROR_PREFIX "AlreadyExists") == 0) {
    a->registered = TRUE;
    g_debug("agent registered");
  } else {
    g_warning("cannot register the secret agent with ospreyd: %s", error->message);
  }
}

/* Registers with the daemon now there (again). */
void osp_tray_agent_register(OspTrayAgent *a)
{
  g_autoptr(GError) error = NULL;
  GDBusInterfaceSkeleton *skel = G_DBUS_INTERFACE_SKELETON(a->skeleton);

  if (!g_dbus_interface_skeleton_get_connection(skel) &&
      !g_dbus_interface_skeleton_export(skel, a->tray->bus, AGENT_PATH, &error)) {
    g_warning("cannot export the secret agent: %s", error->message);
    return;
  }
  g_cancellable_cancel(a->cancellable);
  g_clear_object(&a->cancellable);
  a->cancellable = g_cancellable_new();
  g_dbus_connection_call(a->tray->bus, a->tray->daemon_owner, OSP_TRAY_MANAGER_PATH,
                         "net.ospreyvpn.Osprey1.Manager", "RegisterAgent",
                         g_variant_new("(o)", AGENT_PATH), NULL, G_DBUS_CALL_FLAGS_NONE, -1,
                         a->cancellable, on_registered, a);
}

/* The daemon went away: its requests and registration with it. */
void osp_tray_agent_forget(OspTrayAgent *a)
{
  GHashTableIter it;
  Request *r;

  a->registered = FALSE;
  g_hash_table_iter_init(&it, a->requests);
  while (g_hash_table_iter_next(&it, NULL, (gpointer *)&r))
    g_clear_object(&r->inv); /* nobody to answer */
  g_hash_table_remove_all(a->requests);
  g_hash_table_remove_all(a->kept);
  g_hash_table_remove_all(a->answered);
}

void osp_tray_agent_free(OspTrayAgent *a)
{
  if (!a)
    return;
  g_cancellable_cancel(a->cancellable);
  g_clear_object(&a->cancellable);
  g_hash_table_unref(a->requests);
  g_hash_table_unref(a->kept);
  g_hash_table_unref(a->banners);
  g_hash_table_unref(a->answered);
  g_hash_table_unref(a->rejected);
  g_signal_handlers_disconnect_by_data(a->skeleton, a);
  if (g_dbus_interface_skeleton_get_connection(G_DBUS_INTERFACE_SKELETON(a->skeleton)))
    g_dbus_interface_skeleton_unexport(G_DBUS_INTERFACE_SKELETON(a->skeleton));
  g_object_unref(a->skeleton);
  g_free(a);
}
