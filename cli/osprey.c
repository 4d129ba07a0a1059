/* SPDX-License-Identifier: GPL-2.0-or-later
 * osprey — the command line client of ospreyd: option parsing and the
 * command table.  Global options may come before or after the command.
 * The exit statuses are listed in osprey.h and in --help. */
#include "osprey.h"
#include "osp-dbus-bus.h"

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

static int cmd_help(OspCli *cli, int argc, char **argv);

static const OspCliCommand cmd_help_entry = {
  "help", N_("[COMMAND]"), N_("Show the commands, or one command's options"), NULL, cmd_help,
};

static const OspCliCommand *const commands[] = {
  &osp_cli_cmd_list,   &osp_cli_cmd_status,     &osp_cli_cmd_connect, &osp_cli_cmd_disconnect,
  &osp_cli_cmd_import, &osp_cli_cmd_export,     &osp_cli_cmd_show,    &osp_cli_cmd_set,
  &osp_cli_cmd_edit,   &osp_cli_cmd_delete,     &osp_cli_cmd_secrets, &osp_cli_cmd_monitor,
  &osp_cli_cmd_logs,   &osp_cli_cmd_nm_migrate, &cmd_help_entry,
};

/* The commands whose calls polkit may want a password for (osprey(1)). */
static const char *const authorizing_commands[] = {
  "connect", "disconnect", "import", "set", "edit", "delete", "secrets", NULL,
};

/* The reason codes of an exit status (client/osp-reason.c), "a, b, c",
 * wrapped under a six-column indent. */
static char *codes_of_status(int status)
{
  GString *s = g_string_new(NULL);
  size_t col = 6;
  const OspReason *r;

  for (size_t i = 0; (r = osp_reason_nth(i)); i++) {
    size_t n = strlen(r->code);

    if (r->exit_status != status)
      continue;
    if (s->len) {
      g_string_append_c(s, ',');
      col++;
      if (col + 1 + n > 78) {
        g_string_append(s, "\n      ");
        col = 6;
      } else {
        g_string_append_c(s, ' ');
        col++;
      }
    }
    g_string_append(s, r->code);
    col += n;
  }
  return g_string_free(s, FALSE);
}

static const char *exit_status_help(void)
{
  static char *help;

  if (!help) {
    g_autofree char *auth = codes_of_status(OSP_EXIT_AUTH);
    g_autofree char *cert = codes_of_status(OSP_EXIT_CERT);

    /* TRANSLATORS: each %s is a list of reason codes (kept as they are) on
     * lines of their own */
    help = g_strdup_printf(_("Exit status:\n"
                             "  0   success\n"
                             "  1   failure (the connection failed; the message names the reason)\n"
                             "  2   authentication failed:\n"
                             "      %s\n"
                             "  3   not authorized (polkit or the D-Bus policy refused)\n"
                             "  4   ospreyd is not reachable, or stopped while osprey was waiting\n"
                             "  5   timeout (--timeout elapsed)\n"
                             "  6   no such profile\n"
                             "  7   the gateway's certificate was refused:\n"
                             "      %s\n"
                             "  64  usage error"),
                           auth, cert);
  }
  return help;
}

static char *commands_help(void)
{
  GString *s = g_string_new(_("Commands:"));

  g_string_append_c(s, '\n');
  for (size_t i = 0; i < G_N_ELEMENTS(commands); i++) {
    g_autofree char *usage = g_strdup_printf(
        "%s %s", commands[i]->name, *commands[i]->parameters ? _(commands[i]->parameters) : "");

    g_string_append(s, "  ");
    osp_cli_append_padded(s, usage, 43);
    g_string_append_printf(s, "%s\n", _(commands[i]->summary));
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

/* The command's options and the global ones in groups of their own, so
 * that the help shows them apart. */
static GOptionContext *make_context(const OspCliCommand *cmd)
{
  g_autofree char *params = NULL;
  GOptionContext *ctx;
  GOptionGroup *group;

  if (cmd)
    params = g_strdup_printf("%s %s", cmd->name, _(cmd->parameters));
  else
    params = g_strdup(_("COMMAND [ARGUMENTS...]"));
  ctx = g_option_context_new(params);
  g_option_context_set_translation_domain(ctx, GETTEXT_PACKAGE);
  if (cmd && cmd->entries) {
    g_autofree char *title = g_strdup_printf(_("Options of osprey %s:"), cmd->name);
    g_autofree char *help = g_strdup_printf(_("Show the options of %s"), cmd->name);

    group = g_option_group_new(cmd->name, title, help, NULL, NULL);
    g_option_group_set_translation_domain(group, GETTEXT_PACKAGE);
    g_option_group_add_entries(group, cmd->entries);
    g_option_context_add_group(ctx, group);
  }
  group = g_option_group_new("global", _("Global options (before or after the command):"),
                             _("Show the global options"), NULL, NULL);
  g_option_group_set_translation_domain(group, GETTEXT_PACKAGE);
  g_option_group_add_entries(group, global_entries);
  g_option_context_add_group(ctx, group);
  if (cmd) {
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

/* -h and --help show every group: the command's options and the global
 * ones, as --help-all does. */
static void help_shows_all(int argc, char **argv)
{
  for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++)
    if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-?") == 0)
      argv[i] = (char *)"--help-all";
}

static int print_help(const OspCliCommand *cmd)
{
  g_autoptr(GOptionContext) ctx = make_context(cmd);
  g_autofree char *help = g_option_context_get_help(ctx, FALSE, NULL);

  g_print("%s", help);
  return OSP_EXIT_OK;
}

static int unknown_command(OspCli *cli, const char *word)
{
  const char *names[G_N_ELEMENTS(commands) + 1] = { NULL };
  const char *guess;

  for (size_t i = 0; i < G_N_ELEMENTS(commands); i++)
    names[i] = commands[i]->name;
  guess = osp_cli_closest(word, names);
  if (guess)
    return osp_cli_usage(cli, _("Unknown command \"%s\"; did you mean \"%s\"?"), word, guess);
  return osp_cli_usage(cli, _("Unknown command \"%s\"; see osprey help."), word);
}

/* osprey help [COMMAND] */
static int cmd_help(OspCli *cli, int argc, char **argv)
{
  const OspCliCommand *cmd;

  if (argc > 1)
    return osp_cli_usage(cli, "%s", _("Name at most one command."));
  if (!argc)
    return print_help(NULL);
  if (!(cmd = find_command(argv[0])))
    return unknown_command(cli, argv[0]);
  return print_help(cmd);
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
  help_shows_all(argc, argv);
  ctx = make_context(cmd);
  if (!g_option_context_parse(ctx, &argc, &argv, &error))
    return osp_cli_usage(cli, "%s", error->message);
  cli->json = opt_json;
  cli->quiet = opt_quiet;
  cli->bus_address = g_strdup(osp_dbus_bus_address(opt_bus_address));
  if (opt_version) {
    g_print("osprey %s\n", OSP_VERSION);
    return OSP_EXIT_OK;
  }
  if (!word)
    return osp_cli_usage(cli, "%s", _("No command given; see osprey help."));
  if (!cmd)
    return unknown_command(cli, word);
  if (argc > 1 && strcmp(argv[1], "--") == 0)
    remove_arg(&argc, argv, 1);
  cli->polkit_agent_wanted = g_strv_contains(authorizing_commands, cmd->name);
  return cmd->run(cli, argc - 1, argv + 1);
}

static void cli_clear(OspCli *cli)
{
  osp_cli_stop_polkit_agent(cli);
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
