/* SPDX-License-Identifier: GPL-2.0-or-later
 * osprey nm-migrate: NetworkManager-vpnc connections become Osprey ones.
 *
 * Osprey's NetworkManager plugin reads NetworkManager-vpnc's vpn.data and
 * vpn.secrets keys verbatim, so a connection switches by changing
 * vpn.service-type alone; its secrets, its name, its UUID (and with it
 * what the keyring holds for it) stay.  Done through nmcli, which the
 * user has wherever NetworkManager runs: this command needs no ospreyd. */
#include "osprey.h"

#include <string.h>

#define VPNC_SERVICE "org.freedesktop.NetworkManager.vpnc"
#define OSPREY_SERVICE "org.freedesktop.NetworkManager.osprey"

static gboolean opt_dry_run;

static const GOptionEntry nm_migrate_entries[] = {
  { "dry-run", 'n', 0, G_OPTION_ARG_NONE, &opt_dry_run,
    N_("Only show which connections would change"), NULL },
  { NULL },
};

/* Runs nmcli with ARGV (no shell); its stdout in *ret_out. */
static gboolean nmcli(const char *const *args, char **ret_out, GError **error)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new();
  g_autofree char *err = NULL;
  int wait_status = 0;

  g_ptr_array_add(argv, (gpointer) "nmcli");
  for (size_t i = 0; args[i]; i++)
    g_ptr_array_add(argv, (gpointer)args[i]);
  g_ptr_array_add(argv, NULL);
  if (!g_spawn_sync(NULL, (char **)argv->pdata, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, ret_out,
                    &err, &wait_status, error))
    return FALSE;
  if (!g_spawn_check_wait_status(wait_status, NULL)) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED, "nmcli %s: %s", args[0],
                err && *err ? g_strstrip(err) : _("failed"));
    return FALSE;
  }
  return TRUE;
}

typedef struct {
  char *uuid;
  char *name;
} NmConn;

static void nm_conn_free(gpointer p)
{
  NmConn *c = p;

  g_free(c->uuid);
  g_free(c->name);
  g_free(c);
}

/* One line of `nmcli -t -f UUID,TYPE,NAME`: fields separated by ':', a ':'
 * or '\' inside a field escaped with '\'.  The name is the last field. */
static NmConn *parse_line(const char *line)
{
  g_autoptr(GString) field = g_string_new(NULL);
  char *fields[3] = { NULL, NULL, NULL };
  size_t n = 0;
  NmConn *c;

  for (const char *s = line;; s++) {
    if (*s == '\\' && s[1]) {
      g_string_append_c(field, *++s);
      continue;
    }
    if ((*s == ':' && n < 2) || !*s) {
      fields[n++] = g_strdup(field->str);
      g_string_truncate(field, 0);
      if (!*s)
        break;
      continue;
    }
    g_string_append_c(field, *s);
  }
  if (n != 3 || strcmp(fields[1], "vpn") != 0) {
    for (size_t i = 0; i < n; i++)
      g_free(fields[i]);
    return NULL;
  }
  c = g_new0(NmConn, 1);
  c->uuid = fields[0];
  c->name = fields[2];
  g_free(fields[1]);
  return c;
}

/* The VPN connections NetworkManager has, with their service type vpnc. */
static GPtrArray *vpnc_connections(GError **error)
{
  static const char *const list[] = { "-t", "-f", "UUID,TYPE,NAME", "connection", "show", NULL };
  g_autofree char *out = NULL;
  g_auto(GStrv) lines = NULL;
  g_autoptr(GPtrArray) conns = g_ptr_array_new_with_free_func(nm_conn_free);

  if (!nmcli(list, &out, error))
    return NULL;
  lines = g_strsplit(out, "\n", -1);
  for (size_t i = 0; lines[i]; i++) {
    NmConn *c = parse_line(lines[i]);
    const char *const show[] = { "-g",   "vpn.service-type", "connection", "show",
                                 "uuid", c ? c->uuid : "",   NULL };
    g_autofree char *type = NULL;

    if (!c)
      continue;
    if (nmcli(show, &type, NULL) && strcmp(g_strstrip(type), VPNC_SERVICE) == 0)
      g_ptr_array_add(conns, c);
    else
      nm_conn_free(c);
  }
  return g_steal_pointer(&conns);
}

static int cmd_nm_migrate(OspCli *cli, int argc, char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) conns = vpnc_connections(&error);
  g_autoptr(GPtrArray) chosen = g_ptr_array_new();

  if (!conns)
    return osp_cli_fail(cli, OSP_EXIT_FAILED, "local-error", NULL,
                        _("Cannot list NetworkManager's connections: %s"), error->message);
  for (int i = 0; i < argc; i++) {
    NmConn *found = NULL;

    for (guint j = 0; j < conns->len && !found; j++) {
      NmConn *c = conns->pdata[j];

      if (strcmp(c->name, argv[i]) == 0 || strcmp(c->uuid, argv[i]) == 0)
        found = c;
    }
    if (!found)
      return osp_cli_fail(cli, OSP_EXIT_NO_PROFILE, "no-such-connection", NULL,
                          _("\"%s\" is not a NetworkManager-vpnc connection."), argv[i]);
    g_ptr_array_add(chosen, found);
  }
  if (argc == 0)
    for (guint j = 0; j < conns->len; j++)
      g_ptr_array_add(chosen, conns->pdata[j]);
  if (chosen->len == 0 && !cli->quiet)
    g_print("%s\n", _("No NetworkManager-vpnc connections."));

  for (guint j = 0; j < chosen->len; j++) {
    NmConn *c = chosen->pdata[j];
    const char *const modify[] = { "connection",       "modify",       "uuid", c->uuid,
                                   "vpn.service-type", OSPREY_SERVICE, NULL };

    if (opt_dry_run) {
      if (!cli->quiet)
        g_print(_("Would switch \"%s\" (%s) to Osprey.\n"), c->name, c->uuid);
      continue;
    }
    if (!nmcli(modify, NULL, &error))
      return osp_cli_fail(cli, OSP_EXIT_FAILED, "local-error", NULL,
                          _("Cannot switch \"%s\" to Osprey: %s"), c->name, error->message);
    if (!cli->quiet)
      g_print(_("Switched \"%s\" (%s) to Osprey.\n"), c->name, c->uuid);
  }
  return OSP_EXIT_OK;
}

const OspCliCommand osp_cli_cmd_nm_migrate = {
  "nm-migrate",
  N_("[--dry-run] [CONNECTION...]"),
  N_("Switch NetworkManager-vpnc connections to Osprey (all, or those named)"),
  nm_migrate_entries,
  cmd_nm_migrate,
};
