/* SPDX-License-Identifier: GPL-2.0-or-later
 * nm-osprey-auth-dialog — asks the user for the secrets of an Osprey
 * NetworkManager connection, for NetworkManager's secret agents (nmcli,
 * nm-applet, GNOME Shell), which run it as the .name file's auth-dialog.
 *
 *   agent ──argv: -u UUID -n NAME -s SERVICE [-i] [-r] [-t HINT]...──► dialog
 *   agent ──stdin: DATA_KEY=/DATA_VAL=, SECRET_KEY=/SECRET_VAL=, DONE──► dialog
 *   --external-ui-mode: the dialog prints what to ask as a keyfile
 *     ([VPN Plugin UI] Title, Description; one group per secret with Label,
 *     Value, IsSecret, ShouldAsk) and the agent asks itself (nmcli, Shell)
 *   otherwise: the dialog asks (GTK), prints "KEY\nVALUE\n" per secret and
 *     an empty line, and waits for "QUIT" on stdin (nm-applet's protocol)
 *
 * What to ask: with hints (nm-osprey-service's SecretsRequired: the gateway
 * rejected a password or wants a token code or a user name) exactly the
 * hinted secrets, with the gateway's message; without, the group password (with
 * psk, the one mode that uses it) and the XAUTH password when NetworkManager
 * does not keep them (agent-owned or "always ask") and they are missing, or
 * always with --reprompt. */
#include <NetworkManager.h>
#include <glib/gi18n.h>
#include <stdio.h>
#include <string.h>
#ifdef HAVE_GTK
#include <gtk/gtk.h>
#endif

#include "nm-osprey-keys.h"
#include "osp-config.h"

#define VPN_MSG_TAG "x-vpn-message:"

/* It may ask for every kind, under the kind's vpn.secrets key and label
 * (client/osp-secret-kind.c).  Asked without a hint: the group password
 * and the password, which a connection may leave to its agent.  A token
 * code, new PIN or answer comes from XAUTH, the key's passphrase is asked
 * for when the key is encrypted and the user name when the connection has
 * none (vpn.data) and the gateway wants one (the service knows, not we):
 * only when the service says so. */
static bool kind_hint_only(OspSecretKind k)
{
  return k != OSP_SECRET_GROUP_SECRET && k != OSP_SECRET_PASSWORD;
}

static const char *kind_key(OspSecretKind k)
{
  return osp_secret_kind_info(k)->nm_key;
}

static const char *kind_label(OspSecretKind k)
{
  return _(osp_secret_kind_info(k)->label);
}

typedef struct {
  GHashTable *data, *secrets;
  char **hints;
  bool reprompt;
  bool ask[OSP_SECRET_N_KINDS];
  const char *message; /* from the hints, may be NULL */
} Request;

/* The engine asks for the group password with psk only, the connection's
 * "IKE Authmode" (absent: psk) */
static bool kind_used(const Request *r, OspSecretKind k)
{
  return osp_secret_kind_used(
      osp_secret_kind_info(k),
      g_hash_table_lookup(r->data, osp_settings[OSP_SETTING_AUTH_MODE].vpnc));
}

static bool hinted(const Request *r, const char *key)
{
  for (size_t i = 0; r->hints && r->hints[i]; i++)
    if (strcmp(r->hints[i], key) == 0)
      return true;
  return false;
}

static bool has_hints(const Request *r)
{
  for (size_t i = 0; r->hints && r->hints[i]; i++)
    if (!g_str_has_prefix(r->hints[i], VPN_MSG_TAG))
      return true;
  return false;
}

/* Decides r->ask[] and r->message; true when something must be asked. */
static bool decide(Request *r)
{
  bool any = false;

  for (size_t i = 0; r->hints && r->hints[i]; i++)
    if (g_str_has_prefix(r->hints[i], VPN_MSG_TAG) && !r->message)
      r->message = r->hints[i] + strlen(VPN_MSG_TAG);
  for (OspSecretKind i = 0; i < OSP_SECRET_N_KINDS; i++) {
    NMSettingSecretFlags flags = NM_SETTING_SECRET_FLAG_NONE;
    const char *v = g_hash_table_lookup(r->secrets, kind_key(i));

    if (has_hints(r)) {
      r->ask[i] = hinted(r, kind_key(i));
    } else if (!kind_hint_only(i) && kind_used(r, i)) {
      nm_vpn_service_plugin_get_secret_flags(r->data, kind_key(i), &flags);
      r->ask[i] =
          !(flags & NM_SETTING_SECRET_FLAG_NOT_REQUIRED) &&
          (flags & (NM_SETTING_SECRET_FLAG_AGENT_OWNED | NM_SETTING_SECRET_FLAG_NOT_SAVED)) &&
          (r->reprompt || !v || !*v);
    }
    any |= r->ask[i];
  }
  return any;
}

static char *description(const Request *r, const char *name)
{
  if (r->message && *r->message)
    return g_strdup(r->message);
  return g_strdup_printf(_("Authentication is required to access the VPN “%s”."), name);
}

static void print_external_ui(const Request *r, const char *name)
{
  g_autoptr(GKeyFile) kf = g_key_file_new();
  g_autofree char *title = g_strdup_printf(_("Authenticate VPN %s"), name);
  g_autofree char *desc = description(r, name);
  g_autofree char *text = NULL;

  g_key_file_set_integer(kf, "VPN Plugin UI", "Version", 2);
  g_key_file_set_string(kf, "VPN Plugin UI", "Title", title);
  g_key_file_set_string(kf, "VPN Plugin UI", "Description", desc);
  for (OspSecretKind i = 0; i < OSP_SECRET_N_KINDS; i++) {
    const char *v = g_hash_table_lookup(r->secrets, kind_key(i));

    if (!r->ask[i] && (kind_hint_only(i) || !kind_used(r, i)))
      continue;
    g_key_file_set_string(kf, kind_key(i), "Value", v && !r->ask[i] ? v : "");
    g_key_file_set_string(kf, kind_key(i), "Label", kind_label(i));
    g_key_file_set_boolean(kf, kind_key(i), "IsSecret", !osp_secret_kind_info(i)->echo);
    g_key_file_set_boolean(kf, kind_key(i), "ShouldAsk", r->ask[i]);
  }
  text = g_key_file_to_data(kf, NULL, NULL);
  fputs(text, stdout);
  fflush(stdout);
}

#ifdef HAVE_GTK
/* One dialog with an entry per secret asked; false when cancelled. */
static bool ask_gtk(Request *r, const char *name)
{
  g_autofree char *title = g_strdup_printf(_("Authenticate VPN %s"), name);
  g_autofree char *desc = description(r, name);
  GtkWidget *entries[OSP_SECRET_N_KINDS] = { 0 };
  GtkWidget *dialog, *grid, *label;
  int row = 1, response;

  if (!gtk_init_check(NULL, NULL)) {
    g_printerr("nm-osprey-auth-dialog: %s\n", _("Cannot open the display"));
    return false;
  }
  dialog = gtk_dialog_new_with_buttons(title, NULL, 0, _("_Cancel"), GTK_RESPONSE_CANCEL,
                                       _("Co_nnect"), GTK_RESPONSE_OK, NULL);
  gtk_dialog_set_default_response(GTK_DIALOG(dialog), GTK_RESPONSE_OK);
  grid = gtk_grid_new();
  gtk_grid_set_row_spacing(GTK_GRID(grid), 6);
  gtk_grid_set_column_spacing(GTK_GRID(grid), 12);
  gtk_container_set_border_width(GTK_CONTAINER(grid), 12);
  label = gtk_label_new(desc);
  gtk_label_set_line_wrap(GTK_LABEL(label), TRUE);
  gtk_grid_attach(GTK_GRID(grid), label, 0, 0, 2, 1);
  for (OspSecretKind i = 0; i < OSP_SECRET_N_KINDS; i++) {
    if (!r->ask[i])
      continue;
    label = gtk_label_new_with_mnemonic(kind_label(i));
    gtk_widget_set_halign(label, GTK_ALIGN_END);
    entries[i] = gtk_entry_new();
    gtk_entry_set_visibility(GTK_ENTRY(entries[i]), osp_secret_kind_info(i)->echo);
    gtk_entry_set_activates_default(GTK_ENTRY(entries[i]), TRUE);
    gtk_label_set_mnemonic_widget(GTK_LABEL(label), entries[i]);
    gtk_grid_attach(GTK_GRID(grid), label, 0, row, 1, 1);
    gtk_grid_attach(GTK_GRID(grid), entries[i], 1, row++, 1, 1);
  }
  gtk_container_add(GTK_CONTAINER(gtk_dialog_get_content_area(GTK_DIALOG(dialog))), grid);
  gtk_widget_show_all(dialog);
  response = gtk_dialog_run(GTK_DIALOG(dialog));
  for (OspSecretKind i = 0; response == GTK_RESPONSE_OK && i < OSP_SECRET_N_KINDS; i++)
    if (entries[i])
      g_hash_table_replace(r->secrets, g_strdup(kind_key(i)),
                           g_strdup(gtk_entry_get_text(GTK_ENTRY(entries[i]))));
  gtk_widget_destroy(dialog);
  return response == GTK_RESPONSE_OK;
}
#endif

/* nm-applet's protocol: the secrets, an empty line, then wait for QUIT. */
static void print_secrets(const Request *r)
{
  char line[64];

  for (OspSecretKind i = 0; i < OSP_SECRET_N_KINDS; i++) {
    const char *v = g_hash_table_lookup(r->secrets, kind_key(i));

    if (v && *v)
      printf("%s\n%s\n", kind_key(i), v);
  }
  printf("\n\n");
  fflush(stdout);
  while (fgets(line, sizeof(line), stdin) && strncmp(line, "QUIT", 4) != 0)
    ;
}

int main(int argc, char **argv)
{
  g_autofree char *uuid = NULL, *name = NULL, *service = NULL;
  g_auto(GStrv) hints = NULL;
  gboolean allow_interaction = FALSE, reprompt = FALSE, external = FALSE;
  GOptionEntry entries[] = {
    { "uuid", 'u', 0, G_OPTION_ARG_STRING, &uuid, N_("UUID of the VPN connection"), NULL },
    { "name", 'n', 0, G_OPTION_ARG_STRING, &name, N_("Name of the VPN connection"), NULL },
    { "service", 's', 0, G_OPTION_ARG_STRING, &service, N_("VPN service type"), NULL },
    { "allow-interaction", 'i', 0, G_OPTION_ARG_NONE, &allow_interaction,
      N_("Allow asking the user"), NULL },
    { "reprompt", 'r', 0, G_OPTION_ARG_NONE, &reprompt, N_("Ask even for secrets already known"),
      NULL },
    { "hint", 't', 0, G_OPTION_ARG_STRING_ARRAY, &hints, N_("A secret to ask for"), NULL },
    { "external-ui-mode", 0, 0, G_OPTION_ARG_NONE, &external,
      N_("Print what to ask instead of asking"), NULL },
    { NULL },
  };
  g_autoptr(GOptionContext) ctx = NULL;
  g_autoptr(GError) error = NULL;
  Request r = { 0 };

  nm_osprey_init_program();
  ctx = g_option_context_new(NULL);
  g_option_context_add_main_entries(ctx, entries, GETTEXT_PACKAGE);
  g_option_context_set_summary(ctx, _("Asks for the secrets of an Osprey VPN connection."));
  if (!g_option_context_parse(ctx, &argc, &argv, &error)) {
    g_printerr("nm-osprey-auth-dialog: %s\n", error->message);
    return 1;
  }
  if (!uuid || !name || g_strcmp0(service, NM_OSPREY_SERVICE_TYPE) != 0) {
    g_printerr("nm-osprey-auth-dialog: %s\n",
               _("-u UUID, -n NAME and -s org.freedesktop.NetworkManager.osprey are required"));
    return 1;
  }
  if (!nm_vpn_service_plugin_read_vpn_details(0, &r.data, &r.secrets)) {
    g_printerr("nm-osprey-auth-dialog: %s\n", _("No connection details on standard input"));
    return 1;
  }
  r.hints = hints;
  r.reprompt = reprompt;

  if (external) {
    decide(&r);
    print_external_ui(&r, name);
  } else {
    if (decide(&r)) {
      if (!allow_interaction) {
        g_printerr("nm-osprey-auth-dialog: %s\n",
                   _("Secrets are needed but asking is not allowed"));
        return 1;
      }
#ifdef HAVE_GTK
      if (!ask_gtk(&r, name))
        return 1;
#else
      g_printerr("nm-osprey-auth-dialog: %s\n",
                 _("Built without GTK: only --external-ui-mode can ask"));
      return 1;
#endif
    }
    print_secrets(&r);
  }
  g_hash_table_unref(r.data);
  g_hash_table_unref(r.secrets);
  return 0;
}
