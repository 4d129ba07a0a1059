/* SPDX-License-Identifier: GPL-2.0-or-later
 * osprey — terminal prompts and the secret agent (net.ospreyvpn.Osprey1.Agent). */
#pragma once

#include "osprey.h"

/* Secrets: kind -> value; values are wiped when removed. */
GHashTable *osp_cli_secrets_new(void);
int osp_cli_secrets_from_file(OspCli *cli, const char *path, GHashTable *secrets);
int osp_cli_password_from_stdin(OspCli *cli, GHashTable *secrets);
GVariant *osp_cli_secrets_variant(GHashTable *secrets);

/* A prompt at the controlling terminal (/dev/tty), asynchronous so that the
 * main loop keeps running; secrets are read without echo.  @func gets the
 * answers, or NULL when the user ended input (Ctrl-D); it is not called
 * after osp_cli_prompt_free(). */
typedef struct OspCliPrompt OspCliPrompt;
typedef void (*OspCliPromptFunc)(GHashTable *answers, gpointer user_data);

OspCliPrompt *osp_cli_prompt_new(const char *const *kinds, const char *header,
                                 const char *default_username, OspCliPromptFunc func,
                                 gpointer user_data, GError **error);
void osp_cli_prompt_free(OspCliPrompt *prompt);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(OspCliPrompt, osp_cli_prompt_free)

/* The agent of one `osprey connect`: answers only ospreyd, only about its
 * own connection.  Secrets given up front (@given: --password-stdin,
 * --secrets-file) go with Connect; when the daemon asks for one of them
 * again (retry), they were rejected, and the agent reports that instead of
 * prompting. */
typedef struct OspCliAgent OspCliAgent;

OspCliAgent *osp_cli_agent_new(OspCli *cli, GHashTable *given, gboolean may_prompt, GError **error);
void osp_cli_agent_free(OspCliAgent *agent);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(OspCliAgent, osp_cli_agent_free)
void osp_cli_agent_set_connection(OspCliAgent *agent, const char *path);
void osp_cli_agent_stop_prompt(OspCliAgent *agent);
gboolean osp_cli_agent_given_rejected(OspCliAgent *agent);
const char *osp_cli_agent_unanswered(OspCliAgent *agent);
gboolean osp_cli_agent_banner_shown(OspCliAgent *agent);
gboolean osp_cli_agent_prompting(OspCliAgent *agent);
