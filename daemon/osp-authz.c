/* SPDX-License-Identifier: GPL-2.0-or-later
 * ospreyd — authorization: caller identity from the bus, then polkit (or
 * the test rules). */
#include "osp-authz.h"
#include "osp-manager.h"

#include <glib/gi18n.h>
#include <gmodule.h>
#include <polkit/polkit.h>
#include <stdlib.h>
#include <string.h>

/* polkit is opened at the first check that needs it (a caller that is not
 * root), not linked: ospreyd --foreground never asks it, and its libraries
 * (libpolkit-gobject-1, libsystemd and what that pulls in: 8 of the 23 that
 * ospreyd would load) cost about 1.5 ms of every start, before the first
 * IKE packet goes out. */
#define POLKIT_LIBRARY "libpolkit-gobject-1.so.0"
#define POLKIT_FUNCS(X)                            \
  X(polkit_authority_get_sync)                     \
  X(polkit_authority_check_authorization)          \
  X(polkit_authority_check_authorization_finish)   \
  X(polkit_authorization_result_get_is_authorized) \
  X(polkit_authorization_result_get_is_challenge)  \
  X(polkit_system_bus_name_new)                    \
  X(polkit_unix_process_new_for_owner)

static struct {
#define POLKIT_FIELD(f) __typeof__(&f) f;
  POLKIT_FUNCS(POLKIT_FIELD)
#undef POLKIT_FIELD
} pk;

/* TRUE once every function is there; the error of the first try stays. */
static gboolean polkit_open(GError **error)
{
  static gsize done;
  static char *failed;
  GModule *module;

  if (g_once_init_enter(&done)) {
    module = g_module_open(POLKIT_LIBRARY, G_MODULE_BIND_LAZY | G_MODULE_BIND_LOCAL);
    if (!module)
      failed = g_strdup(g_module_error());
#define POLKIT_SYMBOL(f)                                                    \
  if (module && !failed && !g_module_symbol(module, #f, (gpointer *)&pk.f)) \
    failed = g_strdup(g_module_error());
    POLKIT_FUNCS(POLKIT_SYMBOL)
#undef POLKIT_SYMBOL
    if (module)
      g_module_make_resident(module);
    g_once_init_leave(&done, 1);
  }
  if (failed) {
    g_set_error_literal(error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, failed);
    return FALSE;
  }
  return TRUE;
}

typedef enum { BACKEND_POLKIT, BACKEND_TEST } Backend;

struct OspAuthz {
  Backend backend;
  gboolean subject_is_bus_name;
  char *rules_path;
  PolkitAuthority *authority; /* lazily */
};

typedef struct {
  OspAuthz *authz;
  GDBusMethodInvocation *invocation;
  OspAuthzAction action;
  guint32 uid;
  guint32 pid;
} CheckData;

static void check_data_free(CheckData *d)
{
  g_clear_object(&d->invocation);
  g_free(d);
}

const char *osp_authz_action_id(OspAuthzAction action)
{
  switch (action) {
  case OSP_AUTHZ_NONE: return NULL;
  case OSP_AUTHZ_CONNECT: return "net.ospreyvpn.osprey1.connect";
  case OSP_AUTHZ_DISCONNECT: return "net.ospreyvpn.osprey1.disconnect";
  case OSP_AUTHZ_MODIFY: return "net.ospreyvpn.osprey1.modify-system-profiles";
  case OSP_AUTHZ_CONNECT_CONFIG: return "net.ospreyvpn.osprey1.connect-config";
  case OSP_AUTHZ_ROOT_COMMANDS: return "net.ospreyvpn.osprey1.set-root-commands";
  }
  return NULL;
}

OspAuthz *osp_authz_new_polkit(gboolean subject_is_bus_name)
{
  OspAuthz *a = g_new0(OspAuthz, 1);

  a->backend = BACKEND_POLKIT;
  a->subject_is_bus_name = subject_is_bus_name;
  return a;
}

OspAuthz *osp_authz_new_test(const char *rules_path)
{
  OspAuthz *a = g_new0(OspAuthz, 1);

  a->backend = BACKEND_TEST;
  a->rules_path = g_strdup(rules_path);
  return a;
}

void osp_authz_free(OspAuthz *authz)
{
  if (!authz)
    return;
  g_clear_object(&authz->authority);
  g_free(authz->rules_path);
  g_free(authz);
}

static void return_denied(GTask *task, const char *action_id)
{
  g_task_return_new_error(task, OSP_DAEMON_ERROR, OSP_DAEMON_ERROR_NOT_AUTHORIZED,
                          "Not authorized to perform %s", action_id);
}

/* The test backend: first matching line wins, default deny. */
static void test_check(GTask *task, CheckData *d)
{
  const char *action_id = osp_authz_action_id(d->action);
  g_autofree char *text = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) lines = NULL;
  char uid_str[16];

  if (!g_file_get_contents(d->authz->rules_path, &text, NULL, &error)) {
    g_warning("Test authorization rules: %s", error->message);
    return_denied(task, action_id);
    return;
  }
  g_snprintf(uid_str, sizeof(uid_str), "%u", d->uid);
  lines = g_strsplit(text, "\n", -1);
  for (char **l = lines; *l; l++) {
    g_auto(GStrv) f = g_strsplit_set(g_strstrip(*l), " \t", -1);
    guint n = g_strv_length(f);

    if (n == 0 || f[0][0] == '#' || f[0][0] == '\0')
      continue;
    if (n != 3)
      continue;
    if (strcmp(f[0], action_id) != 0 && strcmp(f[0], "*") != 0)
      continue;
    if (strcmp(f[1], uid_str) != 0 && strcmp(f[1], "*") != 0)
      continue;
    if (strcmp(f[2], "yes") == 0)
      g_task_return_boolean(task, TRUE);
    else
      return_denied(task, action_id);
    return;
  }
  return_denied(task, action_id);
}

static void polkit_checked(GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  CheckData *d = g_task_get_task_data(task);
  const char *action_id = osp_authz_action_id(d->action);
  g_autoptr(GError) error = NULL;
  g_autoptr(PolkitAuthorizationResult) result =
      pk.polkit_authority_check_authorization_finish((PolkitAuthority *)source, res, &error);

  if (!result) {
    g_warning("polkit check of %s failed: %s", action_id, error->message);
    g_task_return_new_error(task, OSP_DAEMON_ERROR, OSP_DAEMON_ERROR_NOT_AUTHORIZED,
                            "Could not check authorization for %s: %s", action_id, error->message);
    return;
  }
  if (pk.polkit_authorization_result_get_is_authorized(result))
    g_task_return_boolean(task, TRUE);
  else if (pk.polkit_authorization_result_get_is_challenge(result))
    g_task_return_new_error(task, OSP_DAEMON_ERROR, OSP_DAEMON_ERROR_NOT_AUTHORIZED,
                            "Authentication is required to perform %s (call with interactive "
                            "authorization allowed, or run a polkit agent)",
                            action_id);
  else
    return_denied(task, action_id);
}

static void polkit_check(GTask *task, CheckData *d)
{
  GDBusMessage *msg = g_dbus_method_invocation_get_message(d->invocation);
  PolkitCheckAuthorizationFlags flags = POLKIT_CHECK_AUTHORIZATION_FLAGS_NONE;
  g_autoptr(PolkitSubject) subject = NULL;

  if (d->uid == 0) {
    g_task_return_boolean(task, TRUE);
    return;
  }
  if (!d->authz->authority) {
    g_autoptr(GError) error = NULL;

    if (polkit_open(&error))
      d->authz->authority = pk.polkit_authority_get_sync(NULL, &error);
    if (!d->authz->authority) {
      g_warning("Cannot reach polkit: %s", error->message);
      g_task_return_new_error(task, OSP_DAEMON_ERROR, OSP_DAEMON_ERROR_NOT_AUTHORIZED,
                              "Cannot reach polkit to authorize %s",
                              osp_authz_action_id(d->action));
      return;
    }
  }
  if (d->authz->subject_is_bus_name)
    subject = pk.polkit_system_bus_name_new(g_dbus_method_invocation_get_sender(d->invocation));
  else
    subject = pk.polkit_unix_process_new_for_owner((gint)d->pid, 0, (gint)d->uid);
  if (g_dbus_message_get_flags(msg) & G_DBUS_MESSAGE_FLAGS_ALLOW_INTERACTIVE_AUTHORIZATION)
    flags |= POLKIT_CHECK_AUTHORIZATION_FLAGS_ALLOW_USER_INTERACTION;
  pk.polkit_authority_check_authorization(
      d->authz->authority, subject, osp_authz_action_id(d->action), NULL, flags,
      g_task_get_cancellable(task), polkit_checked, g_object_ref(task));
}

static void got_credentials(GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  CheckData *d = g_task_get_task_data(task);
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = g_dbus_connection_call_finish(G_DBUS_CONNECTION(source), res, &error);
  g_autoptr(GVariant) creds = NULL;

  if (!reply) {
    g_task_return_new_error(task, OSP_DAEMON_ERROR, OSP_DAEMON_ERROR_NOT_AUTHORIZED,
                            "Cannot identify the caller: %s", error->message);
    return;
  }
  g_variant_get(reply, "(@a{sv})", &creds);
  if (!g_variant_lookup(creds, "UnixUserID", "u", &d->uid)) {
    g_task_return_new_error(task, OSP_DAEMON_ERROR, OSP_DAEMON_ERROR_NOT_AUTHORIZED,
                            "Cannot identify the caller: no Unix user ID");
    return;
  }
  if (!g_variant_lookup(creds, "ProcessID", "u", &d->pid))
    d->pid = 0;

  if (d->action == OSP_AUTHZ_NONE) {
    g_task_return_boolean(task, TRUE);
    return;
  }
  switch (d->authz->backend) {
  case BACKEND_TEST: test_check(task, d); return;
  case BACKEND_POLKIT: polkit_check(task, d); return;
  }
}

void osp_authz_check(OspAuthz *authz, GDBusMethodInvocation *invocation, OspAuthzAction action,
                     GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr(GTask) task = g_task_new(NULL, NULL, callback, user_data);
  CheckData *d = g_new0(CheckData, 1);

  d->authz = authz;
  d->invocation = g_object_ref(invocation);
  d->action = action;
  g_task_set_task_data(task, d, (GDestroyNotify)check_data_free);
  g_task_set_source_tag(task, osp_authz_check);
  g_dbus_connection_call(g_dbus_method_invocation_get_connection(invocation),
                         "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
                         "GetConnectionCredentials",
                         g_variant_new("(s)", g_dbus_method_invocation_get_sender(invocation)),
                         G_VARIANT_TYPE("(a{sv})"), G_DBUS_CALL_FLAGS_NONE, -1, NULL,
                         got_credentials, g_steal_pointer(&task));
}

gboolean osp_authz_check_finish(GAsyncResult *result, guint32 *ret_uid, GError **error)
{
  GTask *task = G_TASK(result);
  CheckData *d = g_task_get_task_data(task);

  if (!g_task_propagate_boolean(task, error))
    return FALSE;
  if (ret_uid)
    *ret_uid = d->uid;
  return TRUE;
}
