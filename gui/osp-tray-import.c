/* SPDX-License-Identifier: GPL-2.0-or-later
 * osprey-tray — Import…: a vpnc .conf or Cisco .pcf chosen in the desktop's
 * file chooser is read here, with the user's permissions, and its bytes
 * sent to ospreyd (Manager.ImportProfile); the daemon never opens it. */
#include "osp-tray.h"

#define IMPORT_MAX (1024 * 1024)

static void tell(OspTray *t, const char *title, const char *body, const char *icon)
{
  g_autoptr(GNotification) n = g_notification_new(title);
  g_autoptr(GIcon) gicon = g_themed_icon_new(icon);

  if (body)
    g_notification_set_body(n, body);
  g_notification_set_icon(n, gicon);
  g_application_send_notification(G_APPLICATION(t->app), "import", n);
}

typedef struct {
  OspTray *tray;
  char *file_name;
} ImportCall;

static void on_imported(GObject *source, GAsyncResult *res, gpointer user_data)
{
  ImportCall *call = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL, *title = NULL, *body = NULL;
  g_auto(GStrv) warnings = NULL;

  if (osp_dbus_manager_call_import_profile_finish(OSP_DBUS_MANAGER(source), &path, &warnings, res,
                                                  &error)) {
    /* TRANSLATORS: %s is a file name */
    title = g_strdup_printf(_("Imported %s"), call->file_name);
    if (warnings && warnings[0]) {
      g_autofree char *joined = g_strjoinv("\n", warnings);

      body = osp_tray_plain_text(joined, FALSE);
    }
    tell(call->tray, title, body, "osprey-disconnected");
  } else {
    /* TRANSLATORS: %s is a file name */
    title = g_strdup_printf(_("Could not import %s"), call->file_name);
    body = osp_tray_error_sentence(error);
    tell(call->tray, title, body, "osprey-error");
  }
  g_application_release(G_APPLICATION(call->tray->app));
  g_free(call->file_name);
  g_free(call);
}

static void import_file(OspTray *t, GFile *file)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autofree char *base = g_file_get_basename(file);
  g_autofree char *name = g_filename_display_name(base);
  GVariantBuilder options;
  ImportCall *call;

  bytes = g_file_load_bytes(file, NULL, NULL, &error);
  if (bytes && g_bytes_get_size(bytes) > IMPORT_MAX)
    g_set_error(&error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, _("The file is larger than 1 MiB."));
  if (error) {
    /* TRANSLATORS: %s is a file name */
    g_autofree char *title = g_strdup_printf(_("Could not import %s"), name);

    tell(t, title, error->message, "osprey-error");
    return;
  }
  g_variant_builder_init(&options, G_VARIANT_TYPE_VARDICT);
  call = g_new0(ImportCall, 1);
  call->tray = t;
  call->file_name = g_steal_pointer(&name);
  g_application_hold(G_APPLICATION(t->app));
  g_dbus_proxy_call(G_DBUS_PROXY(t->manager), "ImportProfile",
                    g_variant_new("(ss@ay@a{sv})", "", base,
                                  g_variant_new_from_bytes(G_VARIANT_TYPE_BYTESTRING, bytes, TRUE),
                                  g_variant_builder_end(&options)),
                    G_DBUS_CALL_FLAGS_ALLOW_INTERACTIVE_AUTHORIZATION, OSP_TRAY_AUTH_TIMEOUT_MS,
                    NULL, (GAsyncReadyCallback)on_imported, call);
}

static void on_chooser_response(GtkNativeDialog *chooser, int response, gpointer user_data)
{
  if (response == GTK_RESPONSE_ACCEPT) {
    g_autoptr(GFile) file = gtk_file_chooser_get_file(GTK_FILE_CHOOSER(chooser));

    import_file(user_data, file);
  }
  g_object_unref(chooser);
}

void osp_tray_import(OspTray *t)
{
  GtkFileChooserNative *chooser = gtk_file_chooser_native_new(
      _("Import a VPN profile"), NULL, GTK_FILE_CHOOSER_ACTION_OPEN, _("_Import"), _("_Cancel"));
  GtkFileFilter *filter = gtk_file_filter_new();

  gtk_file_filter_set_name(filter, _("vpnc and Cisco profiles (*.conf, *.pcf)"));
  gtk_file_filter_add_pattern(filter, "*.conf");
  gtk_file_filter_add_pattern(filter, "*.pcf");
  gtk_file_filter_add_pattern(filter, "*.PCF");
  gtk_file_chooser_add_filter(GTK_FILE_CHOOSER(chooser), filter);
  g_signal_connect(chooser, "response", G_CALLBACK(on_chooser_response), t);
  gtk_native_dialog_show(GTK_NATIVE_DIALOG(chooser));
}
