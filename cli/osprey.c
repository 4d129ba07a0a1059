/* SPDX-License-Identifier: GPL-2.0-or-later
 * osprey — the command line client of ospreyd: option parsing and the
 * command table.  Global options may come before or after the command.
 * The exit statuses are listed in osprey.h and in --help. */
#include "osprey.h"

#include <locale.h>
#include <string.h>

static gboolean opt_json, opt_quiet, opt_version;
static char *opt_bus_address;

static const GOptionEntry global_entries[] = {
  { "json", 0, 0, G_OPTION_ARG_NONE, &opt_json,
    N_("Print JSON objects on standard output, one per line"), NULL },
  { "bus-address", 0, 0, G_OPTION_ARG_STRING, &opt_bus_address,
    N_("Talk to ospreyd on the bus at ADDRESS (default: $OSPREY_BUS_ADDRESS, else the system "
       "bus)"),
    N_("ADDRESS") },
  { "quiet", 'q', 0, G_OPTION_ARG_NONE, &opt_quiet, N_("Print nothing but errors"), NULL },
  { "version", 0, 0, G_OPTION_ARG_NONE, &opt_version, N_("Print the version and exit"), NULL },
  { NULL }
};

static const OspCliCommand *const commands[] = {
  &osp_cli_cmd_list,   &osp_cli_cmd_status, &osp_cli_cmd_connect, &osp_cli_cmd_disconnect,
  &osp_cli_cmd_import, &osp_cli_cmd_export, &osp_cli_cmd_show,    &osp_cli_cmd_set,
  &osp_cli_cmd_edit,   &osp_cli_cmd_delete, &osp_cli_cmd_secrets, &osp_cli_cmd_monitor,
  &osp_cli_cmd_logs,
};

static const char *exit_status_help(void)
{
  return _("Exit status:\n"
           "  0   success\n"
           "  1   failure (the connection failed; the message names the reason)\n"
           "  2   authentication failed (bad-credentials, bad-group-secret)\n"
           "  3   not authorized (polkit or the D-Bus policy refused)\n"
           "  4   ospreyd is not reachable, or stopped while osprey was waiting\n"
           "  5   timeout (--timeout elapsed)\n"
           "  6   no such profile\n"
           "  64  usage error");
}

static char *commands_help(void)
{
  GString *s = g_string_new(_("Commands:"));

  g_string_append_c(s, '\n');
  for (size_t i = 0; i < G_N_ELEMENTS(commands); i++) {
    g_autofree char *usage =
        g_strdup_printf("%s %s", commands[i]->name,
                        *commands[i]->parameters ? _(commands[i]->parameters) : "");

    g_string_append_printf(s, "  %-42s %s\n", usage, _(commands[i]->summary));
  }
  g_string_append_c(s, '\n');
  g_string_append(s, exit_status_help());
  return g_string_free(s, FALSE);
}

static const OspCliCommand *find_command(const char *name)
{
  for (size_t i = 0; i < G_N_ELEMENTS(commands); i++)
    if (strcmp(commands[i]->name, name) == 0)
      return commands[i];
  return NULL;
}

/* The index of the command word: the first argument that is neither an
 * option nor the value of --bus-address; 0 if there is none. */
static int command_index(int argc, char **argv)
{
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--") == 0)
      return i + 1 < argc ? i + 1 : 0;
    if (strcmp(argv[i], "--bus-address") == 0) {
      i++;
      continue;
    }
    if (argv[i][0] != '-' || argv[i][1] == '\0')
      return i;
  }
  return 0;
}

static GOptionContext *make_context(const OspCliCommand *cmd)
{
  g_autofree char *params = NULL;
  GOptionContext *ctx;

  if (cmd)
    params = g_strdup_printf("%s %s", cmd->name, _(cmd->parameters));
  else
    params = g_strdup(_("COMMAND [ARGUMENTS...]"));
  ctx = g_option_context_new(params);
  g_option_context_set_translation_domain(ctx, GETTEXT_PACKAGE);
  g_option_context_add_main_entries(ctx, global_entries, GETTEXT_PACKAGE);
  if (cmd) {
    if (cmd->entries)
      g_option_context_add_main_entries(ctx, cmd->entries, GETTEXT_PACKAGE);
    g_option_context_set_summary(ctx, _(cmd->summary));
    g_option_context_set_description(ctx, exit_status_help());
  } else {
    g_autofree char *help = commands_help();

    g_option_context_set_summary(ctx, _("Connects, disconnects and manages the VPN profiles of "
                                        "ospreyd, the Osprey VPN service."));
    g_option_context_set_description(ctx, help);
  }
  return ctx;
}

static void remove_arg(int *argc, char **argv, int index)
{
  memmove(&argv[index], &argv[index + 1], (size_t)(*argc - index) * sizeof(char *));
  (*argc)--;
}

static int run(OspCli *cli, int argc, char **argv)
{
  int idx = command_index(argc, argv);
  const OspCliCommand *cmd = idx ? find_command(argv[idx]) : NULL;
  g_autofree char *word = idx ? g_strdup(argv[idx]) : NULL;
  g_autoptr(GOptionContext) ctx = NULL;
  g_autoptr(GError) error = NULL;

  if (idx) {
    remove_arg(&argc, argv, idx);
    if (strcmp(argv[idx - 1], "--") == 0)
      remove_arg(&argc, argv, idx - 1);
  }
  ctx = make_context(cmd);
  if (!g_option_context_parse(ctx, &argc, &argv, &error))
    return osp_cli_usage(cli, "%s", error->message);
  cli->json = opt_json;
  cli->quiet = opt_quiet;
  cli->bus_address = g_strdup(opt_bus_address ? opt_bus_address : g_getenv("OSPREY_BUS_ADDRESS"));
  if (opt_version) {
    g_print("osprey %s\n", OSP_VERSION);
    return OSP_EXIT_OK;
  }
  if (!word)
    return osp_cli_usage(cli, "%s", _("No command given; see osprey --help."));
  if (!cmd)
    return osp_cli_usage(cli, _("Unknown command \"%s\"; see osprey --help."), word);
  if (argc > 1 && strcmp(argv[1], "--") == 0)
    remove_arg(&argc, argv, 1);
  return cmd->run(cli, argc - 1, argv + 1);
}

static void cli_clear(OspCli *cli)
{
  if (cli->watch_id)
    g_bus_unwatch_name(cli->watch_id);
  g_clear_object(&cli->manager);
  if (cli->bus)
    g_dbus_connection_flush_sync(cli->bus, NULL, NULL);
  g_clear_object(&cli->bus);
  g_clear_pointer(&cli->loop, g_main_loop_unref);
  g_free(cli->daemon_owner);
  g_free(cli->bus_address);
}

int main(int argc, char **argv)
{
  OspCli cli = { 0 };
  int status;

  setlocale(LC_ALL, "");
  bindtextdomain(GETTEXT_PACKAGE, LOCALEDIR);
  bind_textdomain_codeset(GETTEXT_PACKAGE, "UTF-8");
  textdomain(GETTEXT_PACKAGE);

  cli.loop = g_main_loop_new(NULL, FALSE);
  status = run(&cli, argc, argv);
  cli_clear(&cli);
  return status;
}
