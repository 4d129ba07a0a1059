/* SPDX-License-Identifier: GPL-2.0-or-later
 * osprey — the command line client of ospreyd: shared declarations.
 *
 * Exit statuses: OSP_EXIT_* (client/osp-reason.h), also in `osprey --help`
 * and osprey(1); scripts rely on them.
 */
#pragma once

#include "osp-config.h"
#include "osp-dbus-generated.h"
#include "osp-reason.h"
#include "osp-types.h"

#include <gio/gio.h>
#include <glib/gi18n.h>

#define OSP_CLI_BUS_NAME OSP_DBUS_NAME /* osp-config.h */
#define OSP_CLI_MANAGER_PATH "/net/ospreyvpn/Osprey1"
#define OSP_CLI_ERROR_PREFIX OSP_REASON_DBUS_PREFIX

/* How long a method that may ask polkit interactively may take. */
#define OSP_CLI_AUTH_TIMEOUT_MS (5 * 60 * 1000)
/* how long a Disconnect that needs no authorization may take */
#define OSP_CLI_STOP_TIMEOUT_MS (10 * 1000)

typedef struct {
  gboolean json;
  gboolean quiet;
  char *bus_address;
  GDBusConnection *bus;
  OspDBusManager *manager;
  char *daemon_owner; /* unique name of ospreyd, the only caller agents trust */
  GMainLoop *loop;
  int status;
  gboolean done;                /* osp_cli_finish() was called */
  gboolean progress_open;       /* a line of progress dots on stderr awaits its end */
  gboolean polkit_agent_wanted; /* the command makes calls polkit may ask about */
  GPid polkit_agent_pid;        /* the pkttyagent started for them, or 0 */
  guint watch_id;
  gboolean follow_restarts;           /* monitor: survive ospreyd restarts */
  void (*daemon_gone)(gpointer data); /* called before the loop quits on exit 4 */
  gpointer daemon_gone_data;
} OspCli;

typedef struct {
  const char *name;
  const char *parameters; /* N_() */
  const char *summary;    /* N_() */
  const GOptionEntry *entries;
  int (*run)(OspCli *cli, int argc, char **argv);
} OspCliCommand;

/* osp-cli-common.c: the bus, errors, look-ups */
int osp_cli_open_bus(OspCli *cli);
void osp_cli_stop_polkit_agent(OspCli *cli);
int osp_cli_fail(OspCli *cli, int status, const char *reason, const char *dbus_name,
                 const char *format, ...) G_GNUC_PRINTF(5, 6);
int osp_cli_fail_error(OspCli *cli, const GError *error, const char *profile);
int osp_cli_usage(OspCli *cli, const char *format, ...) G_GNUC_PRINTF(2, 3);
const char *osp_cli_closest(const char *word, const char *const *candidates);
void osp_cli_warn(OspCli *cli, const char *format, ...) G_GNUC_PRINTF(2, 3);
OspDBusProfile *osp_cli_get_profile(OspCli *cli, const char *name, int *ret_status);
OspDBusConnection *osp_cli_get_connection(OspCli *cli, const char *path, GError **error);
GDBusObjectManager *osp_cli_object_manager(OspCli *cli, int *ret_status);
GPtrArray *osp_cli_list_connections(GDBusObjectManager *om, const char *name, gboolean active_only);
GPtrArray *osp_cli_list_profiles(GDBusObjectManager *om);
char *osp_cli_connection_names(GPtrArray *conns);
void osp_cli_watch_daemon(OspCli *cli);
int osp_cli_run_loop(OspCli *cli);
void osp_cli_finish(OspCli *cli, int status);
int osp_cli_reason_exit_status(const char *reason);
gboolean osp_cli_check_name(OspCli *cli, const char *name, int *ret_status);
char *osp_cli_read_file(OspCli *cli, const char *path, gsize max, gsize *ret_len, int *ret_status);

/* osp-cli-output.c: text and JSON */
void osp_json_key(GString *s, const char *key);
void osp_json_string(GString *s, const char *value);
void osp_json_member_string(GString *s, const char *key, const char *value);
void osp_json_member_int(GString *s, const char *key, gint64 value);
void osp_json_member_bool(GString *s, const char *key, gboolean value);
void osp_json_member_strv(GString *s, const char *key, const char *const *values);
void osp_json_variant(GString *s, GVariant *value);
void osp_json_open(GString *s, char bracket);
void osp_json_close(GString *s, char bracket);
void osp_cli_print_json(GString *s);
char *osp_cli_sanitize(const char *text, gboolean one_line);
int osp_cli_text_width(const char *text);
void osp_cli_append_padded(GString *s, const char *text, int width);
char *osp_cli_format_time(gint64 usec);
char *osp_cli_variant_to_text(GVariant *value);
const char *osp_cli_reason_text(const char *reason);
void osp_cli_print_banner(OspCli *cli, const char *banner);
void osp_cli_end_progress(OspCli *cli);
void osp_cli_connection_to_json(GString *s, OspDBusConnection *c, GVariant *log);

/* the commands */
extern const OspCliCommand osp_cli_cmd_list, osp_cli_cmd_status, osp_cli_cmd_connect,
    osp_cli_cmd_disconnect, osp_cli_cmd_import, osp_cli_cmd_export, osp_cli_cmd_show,
    osp_cli_cmd_set, osp_cli_cmd_edit, osp_cli_cmd_delete, osp_cli_cmd_secrets, osp_cli_cmd_monitor,
    osp_cli_cmd_logs, osp_cli_cmd_nm_migrate;
