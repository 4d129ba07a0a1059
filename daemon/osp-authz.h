/* SPDX-License-Identifier: GPL-2.0-or-later
 * ospreyd — who may call what: the caller's Unix identity from the bus and
 * polkit's answer for an action.  A test backend (rules from a file) exists
 * for private test buses only; it can only be chosen on the command line and
 * ospreyd refuses it on the system bus. */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef enum {
  OSP_AUTHZ_NONE,           /* only find out who the caller is */
  OSP_AUTHZ_CONNECT,        /* net.ospreyvpn.osprey1.connect */
  OSP_AUTHZ_DISCONNECT,     /* net.ospreyvpn.osprey1.disconnect */
  OSP_AUTHZ_MODIFY,         /* net.ospreyvpn.osprey1.modify-system-profiles */
  OSP_AUTHZ_CONNECT_CONFIG, /* net.ospreyvpn.osprey1.connect-config */
  OSP_AUTHZ_ROOT_COMMANDS,  /* net.ospreyvpn.osprey1.set-root-commands */
} OspAuthzAction;

const char *osp_authz_action_id(OspAuthzAction action);

typedef struct OspAuthz OspAuthz;

/* polkit.  subject_is_bus_name: the bus is the one polkitd sees (the system
 * bus), so callers are identified by their unique bus name; otherwise by
 * process id (private test buses). */
OspAuthz *osp_authz_new_polkit(gboolean subject_is_bus_name);
/* Test backend: `rules_path` holds lines "ACTION-ID UID|* yes|no" (first
 * match wins, '#' comments); no match means no.  Read at every check. */
OspAuthz *osp_authz_new_test(const char *rules_path);
void osp_authz_free(OspAuthz *authz);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(OspAuthz, osp_authz_free)

/* Finds the caller of `invocation` and asks whether it may do `action`.
 * uid 0 is always authorized by the polkit backend (as polkit itself
 * does).  Honours G_DBUS_MESSAGE_FLAGS_ALLOW_INTERACTIVE_AUTHORIZATION. */
void osp_authz_check(OspAuthz *authz, GDBusMethodInvocation *invocation, OspAuthzAction action,
                     GAsyncReadyCallback callback, gpointer user_data);
/* TRUE and *ret_uid when authorized; else OSP_DAEMON_ERROR_NOT_AUTHORIZED
 * (or another error when the caller could not be identified). */
gboolean osp_authz_check_finish(GAsyncResult *result, guint32 *ret_uid, GError **error);

G_END_DECLS
