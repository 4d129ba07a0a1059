/* SPDX-License-Identifier: GPL-2.0-or-later
 * osprey — the secret agent of `osprey connect`: asks at the terminal for
 * the secrets ospreyd needs and shows the gateway's banner.  It answers
 * ospreyd's unique name only (anyone on the bus could otherwise ask the
 * user for a password) and only about the connection this process started. */
#include "osp-cli-agent.h"

#include <string.h>

#define AGENT_PATH "/net/ospreyvpn/osprey/Agent"

struct OspCliAgent {
  OspCli *cli;
  OspDBusAgent *skeleton;
  GHashTable *given; /* kinds given up front (values not kept here) */
  gboolean may_prompt;
  char *connection_path;
  GDBusMethodInvocation *pending;
  OspCliPrompt *prompt;
  gboolean given_rejected;
  char *unanswered;
  gboolean banner_shown;
};

static void return_cancelled(GDBusMethodInvocation *inv, const char *message)
{
  g_dbus_method_invocation_return_dbus_error(inv, OSP_CLI_ERROR_PREFIX "Cancelled", message);
}

/* TRUE if the call may go on; else it has been answered. */
static gboolean check_caller(OspCliAgent *a, GDBusMethodInvocation *inv, const char *connection)
{
  if (g_strcmp0(g_dbus_method_invocation_get_sender(inv), a->cli->daemon_owner) != 0) {
    g_dbus_method_invocation_return_dbus_error(inv, "org.freedesktop.DBus.Error.AccessDenied",
                                               "Only ospreyd may call this agent");
    return FALSE;
  }
  if (connection && g_strcmp0(connection, a->connection_path) != 0) {
    /* Not ours: the daemon then asks the user's next agent. */
    g_dbus_method_invocation_return_dbus_error(inv, OSP_CLI_ERROR_PREFIX "Failed",
                                               "This agent only serves its own connection");
    return FALSE;
  }
  return TRUE;
}

static void on_prompt_done(GHashTable *answers, gpointer user_data)
{
  OspCliAgent *a = user_data;
  GDBusMethodInvocation *inv = g_steal_pointer(&a->pending);

  if (answers)
    osp_dbus_agent_complete_get_secrets(a->skeleton, inv, osp_cli_secrets_variant(answers));
  else
    return_cancelled(inv, "The user ended the input");
  g_clear_pointer(&a->prompt, osp_cli_prompt_free);
}

static char *prompt_header(const char *message, gboolean retry, GVariant *details)
{
  GString *s = g_string_new(NULL);
  const char *name = NULL;

  g_variant_lookup(details, "name", "&s", &name);
  if (retry)
    g_string_append(s, _("The previous answer was rejected; try again."));
  else if (name)
    g_string_append_printf(s, _("Secrets are needed to connect %s."), name);
  if (message && *message) {
    if (s->len)
      g_string_append_c(s, '\n');
    g_string_append(s, message);
  }
  return g_string_free(s, FALSE);
}

static gboolean asks_given(OspCliAgent *a, const char *const *kinds)
{
  for (; *kinds; kinds++)
    if (g_hash_table_contains(a->given, *kinds))
      return TRUE;
  return FALSE;
}

static void start_prompt(OspCliAgent *a, GDBusMethodInvocation *inv, const char *const *kinds,
                         const char *message, gboolean retry, GVariant *details)
{
  g_autofree char *header = prompt_header(message, retry, details);
  g_autoptr(GError) error = NULL;
  const char *username = NULL;

  g_variant_lookup(details, "username", "&s", &username);
  osp_cli_end_progress(a->cli);
  a->pending = inv;
  a->prompt = osp_cli_prompt_new(kinds, header, username, on_prompt_done, a, &error);
  if (a->prompt)
    return;
  a->pending = NULL;
  g_free(a->unanswered);
  a->unanswered = g_strjoinv(", ", (char **)kinds);
  /* not the user's cancel: the daemon may ask the user's next agent */
  g_dbus_method_invocation_return_dbus_error(inv, OSP_CLI_ERROR_PREFIX "SecretsRequired",
                                             error->message);
}

static gboolean on_get_secrets(OspDBusAgent *skeleton, GDBusMethodInvocation *inv,
                               const char *connection, const char *const *kinds,
                               const char *message, gboolean retry, GVariant *details,
                               gpointer user_data)
{
  OspCliAgent *a = user_data;

  if (!check_caller(a, inv, connection))
    return G_DBUS_METHOD_INVOCATION_HANDLED;
  if (a->pending) {
    g_dbus_method_invocation_return_dbus_error(inv, OSP_CLI_ERROR_PREFIX "Failed",
                                               "A secret request is already pending");
  } else if (retry && asks_given(a, kinds)) {
    a->given_rejected = TRUE;
    return_cancelled(inv, "The secrets given on the command line were rejected");
  } else if (!a->may_prompt || !kinds[0]) {
    g_free(a->unanswered);
    a->unanswered = g_strjoinv(", ", (char **)kinds);
    return_cancelled(inv, "Not asking: --no-ask");
  } else {
    start_prompt(a, inv, kinds, message, retry, details);
  }
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

void osp_cli_agent_stop_prompt(OspCliAgent *a)
{
  GDBusMethodInvocation *inv;

  if (!a || !a->prompt)
    return;
  g_clear_pointer(&a->prompt, osp_cli_prompt_free);
  inv = g_steal_pointer(&a->pending);
  if (inv)
    return_cancelled(inv, "The request was withdrawn");
}

static gboolean on_cancel_get_secrets(OspDBusAgent *skeleton, GDBusMethodInvocation *inv,
                                      const char *connection, gpointer user_data)
{
  OspCliAgent *a = user_data;

  if (!check_caller(a, inv, connection))
    return G_DBUS_METHOD_INVOCATION_HANDLED;
  osp_cli_agent_stop_prompt(a);
  osp_dbus_agent_complete_cancel_get_secrets(skeleton, inv);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean on_display_banner(OspDBusAgent *skeleton, GDBusMethodInvocation *inv,
                                  const char *connection, const char *banner, gpointer user_data)
{
  OspCliAgent *a = user_data;

  if (!check_caller(a, inv, connection))
    return G_DBUS_METHOD_INVOCATION_HANDLED;
  osp_cli_print_banner(a->cli, banner);
  a->banner_shown = TRUE;
  osp_dbus_agent_complete_display_banner(skeleton, inv);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean on_release(OspDBusAgent *skeleton, GDBusMethodInvocation *inv, gpointer user_data)
{
  OspCliAgent *a = user_data;

  if (!check_caller(a, inv, NULL))
    return G_DBUS_METHOD_INVOCATION_HANDLED;
  /* ospreyd is stopping; the name watch ends the wait. */
  osp_dbus_agent_complete_release(skeleton, inv);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

OspCliAgent *osp_cli_agent_new(OspCli *cli, GHashTable *given, gboolean may_prompt, GError **error)
{
  g_autoptr(OspCliAgent) a = g_new0(OspCliAgent, 1);
  GHashTableIter it;
  const char *kind;

  a->cli = cli;
  a->given = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
  g_hash_table_iter_init(&it, given);
  while (g_hash_table_iter_next(&it, (gpointer *)&kind, NULL))
    g_hash_table_add(a->given, g_strdup(kind));
  a->may_prompt = may_prompt;
  a->skeleton = osp_dbus_agent_skeleton_new();
  g_signal_connect(a->skeleton, "handle-get-secrets", G_CALLBACK(on_get_secrets), a);
  g_signal_connect(a->skeleton, "handle-cancel-get-secrets", G_CALLBACK(on_cancel_get_secrets), a);
  g_signal_connect(a->skeleton, "handle-display-banner", G_CALLBACK(on_display_banner), a);
  g_signal_connect(a->skeleton, "handle-release", G_CALLBACK(on_release), a);
  if (!g_dbus_interface_skeleton_export(G_DBUS_INTERFACE_SKELETON(a->skeleton), cli->bus,
                                        AGENT_PATH, error))
    return NULL;
  if (!osp_dbus_manager_call_register_agent_sync(cli->manager, AGENT_PATH, G_DBUS_CALL_FLAGS_NONE,
                                                 -1, NULL, error))
    return NULL;
  return g_steal_pointer(&a);
}

void osp_cli_agent_free(OspCliAgent *a)
{
  if (!a)
    return;
  osp_cli_agent_stop_prompt(a);
  if (a->skeleton) {
    g_signal_handlers_disconnect_by_data(a->skeleton, a);
    if (g_dbus_interface_skeleton_get_connection(G_DBUS_INTERFACE_SKELETON(a->skeleton)))
      g_dbus_interface_skeleton_unexport(G_DBUS_INTERFACE_SKELETON(a->skeleton));
    g_object_unref(a->skeleton);
  }
  g_clear_pointer(&a->given, g_hash_table_unref);
  g_free(a->connection_path);
  g_free(a->unanswered);
  g_free(a);
}

void osp_cli_agent_set_connection(OspCliAgent *a, const char *path)
{
  if (!a)
    return;
  g_free(a->connection_path);
  a->connection_path = g_strdup(path);
}

gboolean osp_cli_agent_given_rejected(OspCliAgent *a)
{
  return a && a->given_rejected;
}

const char *osp_cli_agent_unanswered(OspCliAgent *a)
{
  return a ? a->unanswered : NULL;
}

gboolean osp_cli_agent_prompting(OspCliAgent *a)
{
  return a && a->prompt;
}

gboolean osp_cli_agent_banner_shown(OspCliAgent *a)
{
  return a && a->banner_shown;
}
