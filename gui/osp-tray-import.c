/* SPDX-License-Identifier: GPL-2.0-or-later
 * osprey-tray — Import…: a vpnc .conf or Cisco .pcf chosen in the desktop's
 * file chooser is read here, with the user's permissions, and its bytes
 * sent to ospreyd (Manager.ImportProfile); the daemon never opens it.  From
 * the menu the outcome is a notification; the profile editor passes its own
 * callback and shows it inline. */
#include "osp-tray.h"

#define IMPORT_MAX (1024 * 1024)

typedef struct {
  OspTray *tray;
  char *file_name; /* for display */
  GCancellable *cancellable;
  OspTrayImportDone done;
  gpointer user_data;
} ImportCall;

static void import_call_free(ImportCall *call)
{
  g_application_release(G_APPLICATION(call->tray->app));
  g_clear_object(&call->cancellable);
  g_free(call->file_name);
  g_free(call);
}

static void tell(OspTray *t, const char *title, const char *body, const char *icon)
{
  g_autoptr(GNotification) n = g_notification_new(title);
  g_autoptr(GIcon) gicon = g_themed_icon_new(icon);

  if (body)
    g_notification_set_body(n, body);
  g_notification_set_icon(n, gicon);
  g_application_send_notification(G_APPLICATION(t->app), "import", n);
}

/* The menu's outcome: a notification. */
static void notify_done(OspTray *t, const char *file_name, const char *path,
                        const char *const *warnings, const GError *error, gpointer user_data)
{
  g_autofree char *title = NULL, *body = NULL;

  if (g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if (!error) {
    /* TRANSLATORS: %s is a file name */
    title = g_strdup_printf(_("Imported %s"), file_name);
    if (warnings && warnings[0]) {
      g_autofree char *joined = g_strjoinv("\n", (char **)warnings);

      body = osp_tray_plain_text(joined, FALSE);
    }
    tell(t, title, body, "osprey-disconnected");
  } else {
    /* TRANSLATORS: %s is a file name */
    title = g_strdup_printf(_("Could not import %s"), file_name);
    body = osp_tray_error_sentence(error);
    tell(t, title, body, "osprey-error");
  }
}

static void on_imported(GObject *source, GAsyncResult *res, gpointer user_data)
{
  ImportCall *call = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;
  g_auto(GStrv) warnings = NULL;

  osp_dbus_manager_call_import_profile_finish(OSP_DBUS_MANAGER(source), &path, &warnings, res,
                                              &error);
  call->done(call->tray, call->file_name, path, (const char *const *)warnings, error,
             call->user_data);
  import_call_free(call);
}

static void import_file(ImportCall *call, GFile *file)
{
  OspTray *t = call->tray;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autofree char *base = g_file_get_basename(file);
  GVariantBuilder options;

  call->file_name = g_filename_display_name(base);
  bytes = g_file_load_bytes(file, NULL, NULL, &error);
  if (bytes && g_bytes_get_size(bytes) > IMPORT_MAX)
    g_set_error(&error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, _("The file is larger than 1 MiB."));
  if (error || !t->manager) {
    if (!error)
      g_set_error_literal(&error, G_IO_ERROR, G_IO_ERROR_NOT_CONNECTED,
                          _("The Osprey VPN service is not running."));
    call->done(t, call->file_name, NULL, NULL, error, call->user_data);
    import_call_free(call);
    return;
  }
  g_variant_builder_init(&options, G_VARIANT_TYPE_VARDICT);
  g_dbus_proxy_call(G_DBUS_PROXY(t->manager), "ImportProfile",
                    g_variant_new("(ss@ay@a{sv})", "", base,
                                  g_variant_new_from_bytes(G_VARIANT_TYPE_BYTESTRING, bytes, TRUE),
                                  g_variant_builder_end(&options)),
                    G_DBUS_CALL_FLAGS_ALLOW_INTERACTIVE_AUTHORIZATION, OSP_TRAY_AUTH_TIMEOUT_MS,
                    call->cancellable, (GAsyncReadyCallback)on_imported, call);
}

static void on_chooser_response(GtkNativeDialog *chooser, int response, gpointer user_data)
{
  ImportCall *call = user_data;
  g_autoptr(GFile) file = NULL;

  if (response == GTK_RESPONSE_ACCEPT)
    file = gtk_file_chooser_get_file(GTK_FILE_CHOOSER(chooser));
  g_object_unref(chooser);
  if (file && !g_cancellable_is_cancelled(call->cancellable)) {
    import_file(call, file);
  } else {
    g_autoptr(GError) error = g_error_new_literal(G_IO_ERROR, G_IO_ERROR_CANCELLED, "");

    call->done(call->tray, "", NULL, NULL, error, call->user_data);
    import_call_free(call);
  }
}

void osp_tray_import(OspTray *t, GtkWindow *parent, GCancellable *cancellable,
                     OspTrayImportDone done, gpointer user_data)
{
  GtkFileChooserNative *chooser = gtk_file_chooser_native_new(
      _("Import a VPN profile"), parent, GTK_FILE_CHOOSER_ACTION_OPEN, _("_Import"), _("_Cancel"));
  GtkFileFilter *filter = gtk_file_filter_new();
  ImportCall *call = g_new0(ImportCall, 1);

  call->tray = t;
  call->cancellable = cancellable ? g_object_ref(cancellable) : g_cancellable_new();
  call->done = done ? done : notify_done;
  call->user_data = user_data;
  g_application_hold(G_APPLICATION(t->app));
  gtk_file_filter_set_name(filter, _("vpnc and Cisco profiles (*.conf, *.pcf)"));
  gtk_file_filter_add_pattern(filter, "*.conf");
  gtk_file_filter_add_pattern(filter, "*.pcf");
  gtk_file_filter_add_pattern(filter, "*.PCF");
  gtk_file_chooser_add_filter(GTK_FILE_CHOOSER(chooser), filter);
  gtk_native_dialog_set_modal(GTK_NATIVE_DIALOG(chooser), parent != NULL);
  g_signal_connect(chooser, "response", G_CALLBACK(on_chooser_response), call);
  gtk_native_dialog_show(GTK_NATIVE_DIALOG(chooser));
}
