/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "osp-foreground.h"
#include "osp-connection.h"
#include "osp-error.h"
#include "osp-text.h"

#include <arpa/inet.h>
#include <glib-unix.h>
#include <glib/gi18n.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

/* vpnc's command line options, where they map (vpnc(8)): a script that ran
 * `vpnc OPTIONS FILE` runs `ospreyd --foreground OPTIONS FILE`. */
static int vpnc_local_port = -1, vpnc_debug = -1;
static char *vpnc_script, *vpnc_pid_file;
static gboolean vpnc_no_detach, vpnc_non_inter;

static const GOptionEntry vpnc_entries[] = {
  { "local-port", 0, 0, G_OPTION_ARG_INT, &vpnc_local_port,
    N_("vpnc's: the local IKE port (the profile's Local Port; 0 picks a free one)"), N_("PORT") },
  { "script", 0, 0, G_OPTION_ARG_STRING, &vpnc_script,
    N_("vpnc's: the network script instead of the profile's Script"), N_("COMMAND") },
  { "debug", 0, 0, G_OPTION_ARG_INT, &vpnc_debug, N_("vpnc's: 0 quiet, 1 as -v, 2 and more as -vv"),
    N_("LEVEL") },
  { "pid-file", 0, 0, G_OPTION_ARG_FILENAME, &vpnc_pid_file,
    N_("vpnc's: write the process id to FILE while connected or connecting"), N_("FILE") },
  { "non-inter", 0, 0, G_OPTION_ARG_NONE, &vpnc_non_inter,
    N_("vpnc's: never ask at the terminal; a missing secret fails"), NULL },
  { "no-detach", 0, 0, G_OPTION_ARG_NONE, &vpnc_no_detach,
    N_("vpnc's: accepted and ignored (--foreground never detaches)"), NULL },
  { NULL }
};

GOptionGroup *osp_foreground_vpnc_options(void)
{
  GOptionGroup *group = g_option_group_new("vpnc", _("vpnc's options, with --foreground:"),
                                           _("Show the vpnc options of --foreground"), NULL, NULL);

  g_option_group_set_translation_domain(group, GETTEXT_PACKAGE);
  g_option_group_add_entries(group, vpnc_entries);
  return group;
}

gboolean osp_foreground_vpnc_options_given(void)
{
  return vpnc_local_port != -1 || vpnc_debug != -1 || vpnc_script || vpnc_pid_file ||
         vpnc_no_detach || vpnc_non_inter;
}

typedef struct {
  GMainLoop *loop;
  OspConnection *conn;
  OspProfile *profile;
  gboolean password_stdin;
  int verbosity;
  int exit_status;
  bool stopping;
} Foreground;

static void say(const Foreground *fg, int level, const char *fmt, ...) G_GNUC_PRINTF(3, 4);
static void say(const Foreground *fg, int level, const char *fmt, ...)
{
  g_autofree char *msg = NULL;
  va_list ap;

  if (fg->verbosity < level)
    return;
  va_start(ap, fmt);
  msg = g_strdup_vprintf(fmt, ap);
  va_end(ap);
  fprintf(stderr, "ospreyd: %s\n", msg);
}

/* A line from stdin or the terminal, without echo when it is a secret. */
static char *read_secret(const char *prompt, gboolean from_stdin, bool hide)
{
  struct termios old, quiet;
  bool tty = !from_stdin && isatty(STDIN_FILENO);
  char line[1024];
  size_t len;

  if (!from_stdin && !tty)
    return NULL;
  if (tty) {
    fprintf(stderr, "%s", prompt);
    fflush(stderr);
    if (hide && tcgetattr(STDIN_FILENO, &old) == 0) {
      quiet = old;
      quiet.c_lflag &= ~(tcflag_t)ECHO;
      tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
    } else {
      hide = false;
    }
  }
  if (!fgets(line, sizeof(line), stdin))
    line[0] = 0;
  if (tty && hide) {
    tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
    fputc('\n', stderr);
  }
  len = strcspn(line, "\r\n");
  line[len] = 0;
  if (feof(stdin) && len == 0) {
    explicit_bzero(line, sizeof(line));
    return NULL;
  }
  {
    char *r = g_strdup(line);

    explicit_bzero(line, sizeof(line));
    return r;
  }
}

/* The helper gets the default SIGPIPE back (we ignore it). */
static void helper_child_setup(gpointer data)
{
  (void)data;
  signal(SIGPIPE, SIG_DFL);
}

/* vpnc's "Password helper": a program whose first output line is the
 * password.  Its whole output is a secret: wiped however it went. */
static char *run_password_helper(const char *helper)
{
  char *out = NULL;
  char *password = NULL;
  g_autoptr(GError) error = NULL;
  const char *argv[] = { "/bin/sh", "-c", helper, NULL };
  int status = 0;

  if (g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_STDERR_TO_DEV_NULL, helper_child_setup, NULL,
                   &out, NULL, &status, &error) &&
      g_spawn_check_wait_status(status, NULL))
    password = g_strndup(out, strcspn(out, "\n"));
  osp_str_wipe_free(out);
  return password;
}

static void on_secrets(OspConnection *c, const OspSecretRequest *req, gpointer data)
{
  Foreground *fg = data;
  char *values[OSP_SECRET_N_KINDS] = { NULL };
  size_t i;
  int k;

  if (req->message && *req->message) {
    g_autofree char *clean = osp_text_sanitize(req->message, FALSE);

    fprintf(stderr, "%s\n", clean);
  }
  for (i = 0; i < req->n_kinds; i++) {
    OspSecretKind kind = req->kinds[i];
    const OspSecretKindInfo *info = osp_secret_kind_info(kind);
    g_autofree char *prompt = osp_secret_kind_prompt(_(info->label), NULL);

    if (kind == OSP_SECRET_PASSWORD && fg->profile->password_helper && !req->retry)
      values[kind] = run_password_helper(fg->profile->password_helper);
    if (!values[kind] && (!vpnc_non_inter || fg->password_stdin))
      values[kind] = read_secret(prompt, fg->password_stdin, !info->echo);
    if (!values[kind]) {
      say(fg, 0, _("%sno answer (use a terminal or --password-stdin)"), prompt);
      for (k = 0; k < OSP_SECRET_N_KINDS; k++)
        osp_str_wipe_free(values[k]);
      osp_connection_cancel_secrets(c, req->id);
      return;
    }
  }
  osp_connection_provide_secrets(c, req->id, (const char *const *)values);
  for (k = 0; k < OSP_SECRET_N_KINDS; k++)
    osp_str_wipe_free(values[k]);
}

/* The banner and messages are the gateway's text: through the CLI's
 * sanitiser, so that they cannot drive the terminal. */
static void on_banner(OspConnection *c, const char *banner, gpointer data)
{
  g_autofree char *clean = osp_text_sanitize(banner, FALSE);

  fprintf(stderr, "%s%s", clean, g_str_has_suffix(clean, "\n") ? "" : "\n");
}

static void say_failure(const char *what, const GError *reason)
{
  g_autofree char *clean = osp_text_sanitize(reason->message, TRUE);

  fprintf(stderr, "ospreyd: %s [%s]: %s\n", what, osp_error_reason_code(reason->code), clean);
}

static void on_notice(OspConnection *c, const char *text, gpointer data)
{
  say(data, 0, "%s", text);
}

static void on_ip_config(OspConnection *c, const OspIpConfig *cfg, gpointer data)
{
  Foreground *fg = data;
  char ip[INET_ADDRSTRLEN];

  inet_ntop(AF_INET, &cfg->address, ip, sizeof(ip));
  say(fg, 0, _("connected to %s as %s on %s (MTU %u)"), osp_connection_get_gateway(c), ip,
      cfg->tundev, cfg->mtu);
}

static void on_state(OspConnection *c, OspState old, OspState state, const GError *reason,
                     gpointer data)
{
  Foreground *fg = data;

  say(fg, 1, "%s -> %s", osp_state_name(old), osp_state_name(state));
  switch (state) {
  case OSP_STATE_FAILED:
    /* one line naming the failure class, with a stable reason code */
    say_failure("failed", reason);
    fg->exit_status = osp_error_exit_status(reason->code);
    g_main_loop_quit(fg->loop);
    return;
  case OSP_STATE_DISCONNECTED:
    if (reason) {
      say_failure("disconnected", reason);
      fg->exit_status = osp_error_exit_status(reason->code);
    } else {
      say(fg, 0, _("disconnected"));
    }
    g_main_loop_quit(fg->loop);
    return;
  case OSP_STATE_RECONNECTING:
    say(fg, 0, _("connection lost (%s); reconnecting"), reason ? reason->message : "?");
    return;
  case OSP_STATE_CONNECTING:
  case OSP_STATE_AUTHENTICATING:
  case OSP_STATE_CONFIGURING:
  case OSP_STATE_CONNECTED:
  case OSP_STATE_DISCONNECTING: return;
  }
}

static gboolean on_signal(gpointer data)
{
  Foreground *fg = data;

  if (fg->stopping) {
    /* a second signal: stop without waiting */
    g_main_loop_quit(fg->loop);
    return G_SOURCE_CONTINUE;
  }
  fg->stopping = true;
  say(fg, 1, _("disconnecting"));
  osp_connection_disconnect(fg->conn);
  return G_SOURCE_CONTINUE;
}

static const OspConnectionCallbacks callbacks = {
  .state_changed = on_state,
  .secrets_needed = on_secrets,
  .banner = on_banner,
  .ip_config = on_ip_config,
  .notice = on_notice,
};

int osp_foreground_run(const char *config_path, int verbosity, gboolean password_stdin,
                       gboolean reconnect)
{
  g_autoptr(GPtrArray) warnings = g_ptr_array_new_with_free_func(g_free);
  g_autoptr(GError) error = NULL;
  g_autoptr(OspProfile) profile = NULL;
  OspConnectionFlags flags = { .reconnect = reconnect, .state_dir = osp_default_state_dir() };
  Foreground fg = { 0 };
  guint sig_int, sig_term, sig_hup;
  size_t i;

  if (vpnc_debug >= 0)
    verbosity = MIN(vpnc_debug, 2);
  if (verbosity == 1 && !g_getenv("G_MESSAGES_DEBUG"))
    g_setenv("G_MESSAGES_DEBUG", G_LOG_DOMAIN, TRUE);
  if (verbosity >= 2)
    g_log_set_debug_enabled(TRUE);
  if (vpnc_local_port < -1 || vpnc_local_port > 65535) {
    fprintf(stderr, "ospreyd: %s\n", _("--local-port takes 0 to 65535"));
    return 2;
  }
  profile = osp_profile_load_any(config_path, warnings, &error);
  for (i = 0; i < warnings->len; i++)
    fprintf(stderr, "ospreyd: %s: %s\n", config_path, (char *)warnings->pdata[i]);
  /* validated before anything is said about it: a file without a gateway
   * must not become "connecting to (null)" */
  if (profile && vpnc_local_port >= 0)
    profile->local_port = (uint16_t)vpnc_local_port;
  if (profile && vpnc_script) {
    g_free(profile->script);
    profile->script = g_strdup(vpnc_script);
  }
  if (!profile || !osp_profile_validate(profile, &error)) {
    say_failure("failed", error);
    return 1;
  }
  if (vpnc_pid_file) {
    g_autofree char *pid = g_strdup_printf("%d\n", (int)getpid());

    if (!g_file_set_contents(vpnc_pid_file, pid, -1, &error)) {
      fprintf(stderr, "ospreyd: %s\n", error->message);
      return 1;
    }
  }
  fg.loop = g_main_loop_new(NULL, FALSE);
  fg.profile = profile;
  fg.password_stdin = password_stdin;
  fg.verbosity = verbosity;
  fg.conn = osp_connection_new(profile, &flags, &callbacks, &fg);
  sig_int = g_unix_signal_add(SIGINT, on_signal, &fg);
  sig_term = g_unix_signal_add(SIGTERM, on_signal, &fg);
  /* the terminal went away: as Ctrl-C, the full teardown */
  sig_hup = g_unix_signal_add(SIGHUP, on_signal, &fg);
  say(&fg, 0, _("connecting to %s"), profile->gateway);
  if (!osp_connection_start(fg.conn, &error)) {
    say_failure("failed", error);
    fg.exit_status = osp_error_exit_status(error->code);
  } else {
    g_main_loop_run(fg.loop);
  }
  g_source_remove(sig_int);
  g_source_remove(sig_term);
  g_source_remove(sig_hup);
  osp_connection_free(fg.conn);
  g_main_loop_unref(fg.loop);
  if (vpnc_pid_file)
    unlink(vpnc_pid_file);
  return fg.exit_status;
}
