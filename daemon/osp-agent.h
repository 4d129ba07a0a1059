/* SPDX-License-Identifier: GPL-2.0-or-later
 * ospreyd — the registry of secret agents (net.ospreyvpn.Osprey1.Agent
 * implemented by clients) and the secret requests sent to them.
 *
 * One agent per D-Bus connection.  A request goes to the agent of the
 * connection that started the VPN connection first, then to the other
 * agents of the same Unix user, newest first; an agent that errs (other than
 * Cancelled) or whose bus name vanishes is skipped. */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define OSP_AGENT_MAX_PER_UID 16
#define OSP_AGENT_MAX 256
#define OSP_AGENT_TIMEOUT_MS (5 * 60 * 1000)

typedef struct OspAgentManager OspAgentManager;
typedef struct OspAgentRequest OspAgentRequest;

OspAgentManager *osp_agent_manager_new(GDBusConnection *bus);
/* Calls Release() on every agent (shutdown) and forgets them. */
void osp_agent_manager_release_all(OspAgentManager *m);
void osp_agent_manager_free(OspAgentManager *m);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(OspAgentManager, osp_agent_manager_free)

gboolean osp_agent_manager_register(OspAgentManager *m, const char *sender, guint32 uid,
                                    const char *path, GError **error);
gboolean osp_agent_manager_unregister(OspAgentManager *m, const char *sender, const char *path,
                                      GError **error);
/* Whether the user has at least one agent. */
gboolean osp_agent_manager_has_agent(OspAgentManager *m, guint32 uid);

/* secrets: a{ss} on success (the caller checks the kinds), NULL with error
 * otherwise (OSP_ERROR_CANCELLED when the user cancelled,
 * OSP_ERROR_SECRETS_REQUIRED when no agent could answer).  Never called
 * after osp_agent_request_cancel(). */
typedef void (*OspAgentSecretsFunc)(GVariant *secrets, const GError *error, gpointer user_data);

OspAgentRequest *osp_agent_manager_get_secrets(OspAgentManager *m, const char *preferred_sender,
                                               guint32 uid, const char *connection_path,
                                               const char *const *kinds, const char *message,
                                               gboolean retry, GVariant *details,
                                               OspAgentSecretsFunc func, gpointer user_data);
/* Withdraws a pending request (CancelGetSecrets to the agent asked) and
 * frees it.  NULL-safe.  Do not call it after the callback ran. */
void osp_agent_request_cancel(OspAgentRequest *req);

/* DisplayBanner() to the preferred agent, else the user's newest; no reply
 * awaited. */
void osp_agent_manager_display_banner(OspAgentManager *m, const char *preferred_sender, guint32 uid,
                                      const char *connection_path, const char *banner);

G_END_DECLS
