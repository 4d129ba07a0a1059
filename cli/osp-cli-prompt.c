/* SPDX-License-Identifier: GPL-2.0-or-later
 * osprey — secrets from files, standard input and the terminal.  Secret
 * buffers are wiped before they are freed. */
#include "osp-cli-agent.h"
#include "osp-secret-kind.h"

#include <errno.h>
#include <fcntl.h>
#include <glib-unix.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#define MAX_SECRET_LEN 1024

static void secret_free(gpointer p)
{
  if (p)
    explicit_bzero(p, strlen(p));
  g_free(p);
}

GHashTable *osp_cli_secrets_new(void)
{
  return g_hash_table_new_full(g_str_hash, g_str_equal, g_free, secret_free);
}

GVariant *osp_cli_secrets_variant(GHashTable *secrets)
{
  GVariantBuilder b;
  GHashTableIter it;
  const char *k, *v;

  g_variant_builder_init(&b, G_VARIANT_TYPE("a{ss}"));
  g_hash_table_iter_init(&it, secrets);
  while (g_hash_table_iter_next(&it, (gpointer *)&k, (gpointer *)&v))
    g_variant_builder_add(&b, "{ss}", k, v);
  return g_variant_builder_end(&b);
}

static int parse_secret_line(OspCli *cli, const char *path, guint lineno, char *line,
                             GHashTable *secrets)
{
  char *eq, *key;

  line[strcspn(line, "\r")] = '\0';
  key = g_strstrip(g_strdup(line));
  if (!*key || *key == '#') {
    g_free(key);
    return OSP_EXIT_OK;
  }
  g_free(key);
  eq = strchr(line, '=');
  if (!eq)
    return osp_cli_usage(cli, _("%s, line %u: expected KIND=VALUE."), path, lineno);
  *eq = '\0';
  key = g_strstrip(g_strdup(line));
  if (!osp_secret_kind_find(key)) {
    g_autoptr(GString) known = g_string_new(NULL);
    int status;

    for (OspSecretKind k = 0; k < OSP_SECRET_N_KINDS; k++)
      g_string_append_printf(known, "%s%s", k ? ", " : "", osp_secret_kind_name(k));
    /* TRANSLATORS: the last %s lists the kinds: "group-secret, username, ..." */
    status = osp_cli_usage(cli, _("%s, line %u: unknown secret kind \"%s\" (known: %s)."), path,
                           lineno, key, known->str);
    g_free(key);
    return status;
  }
  g_hash_table_replace(secrets, key, g_strdup(eq + 1));
  return OSP_EXIT_OK;
}

/* KIND=VALUE lines, "#" comments.  A file others can read is used, with a
 * warning, as ssh does not. */
int osp_cli_secrets_from_file(OspCli *cli, const char *path, GHashTable *secrets)
{
  struct stat st;
  char *data = NULL;
  gsize len = 0;
  int status = OSP_EXIT_OK;
  guint lineno = 0;
  char *line, *save = NULL;

  if (stat(path, &st) == 0 && (st.st_mode & (S_IRWXG | S_IRWXO)))
    osp_cli_warn(cli, _("%s can be read by other users; make it private with: chmod 600 %s"), path,
                 path);
  data = osp_cli_read_file(cli, path, 64 * 1024, &len, &status);
  if (!data)
    return status;
  for (line = strtok_r(data, "\n", &save); line && status == OSP_EXIT_OK;
       line = strtok_r(NULL, "\n", &save))
    status = parse_secret_line(cli, path, ++lineno, line, secrets);
  explicit_bzero(data, len);
  g_free(data);
  return status;
}

/* One line from standard input is the password, as vpnc reads it. */
int osp_cli_password_from_stdin(OspCli *cli, GHashTable *secrets)
{
  char *line = NULL;
  size_t cap = 0;
  ssize_t n = getline(&line, &cap, stdin);
  int status = OSP_EXIT_OK;

  if (n <= 0) {
    status = osp_cli_usage(cli, "%s", _("No password on standard input."));
  } else {
    line[strcspn(line, "\r\n")] = '\0';
    g_hash_table_replace(secrets, g_strdup(osp_secret_kind_name(OSP_SECRET_PASSWORD)),
                         g_strdup(line));
  }
  if (line)
    explicit_bzero(line, cap);
  free(line);
  return status;
}

/* ------------------------------------------------------------------------ */

struct OspCliPrompt {
  int fd;
  char **kinds;
  guint index;
  char *default_username;
  GString *line;
  GHashTable *answers;
  struct termios saved;
  gboolean echo_off;
  gboolean asking; /* a question is on the terminal, unanswered */
  guint source_id;
  OspCliPromptFunc func;
  gpointer user_data;
};

static void tty_write(int fd, const char *text)
{
  size_t len = strlen(text);

  while (len > 0) {
    ssize_t n = write(fd, text, len);

    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return;
    text += n;
    len -= (size_t)n;
  }
}

/* The kind's label; a kind this version does not know: its code, as the
 * tray shows it. */
static const char *kind_label(const char *kind)
{
  const OspSecretKindInfo *info = osp_secret_kind_find(kind);

  return info ? _(info->label) : kind;
}

static gboolean is_username(const char *kind)
{
  return osp_secret_kind_from_name(kind) == OSP_SECRET_USERNAME;
}

static void echo_restore(OspCliPrompt *p)
{
  if (!p->echo_off)
    return;
  tcsetattr(p->fd, TCSANOW, &p->saved);
  p->echo_off = FALSE;
}

static void ask_current(OspCliPrompt *p)
{
  const char *kind = p->kinds[p->index];
  const OspSecretKindInfo *info = osp_secret_kind_find(kind);
  g_autofree char *prompt = NULL;
  struct termios t;

  p->asking = TRUE;
  if (is_username(kind) && p->default_username) {
    g_autofree char *clean = osp_cli_sanitize(p->default_username, TRUE);

    prompt = osp_secret_kind_prompt(kind_label(kind), clean);
    tty_write(p->fd, prompt);
    return;
  }
  /* echo off before the question shows: an answer typed (or pasted) the
   * moment it appears must not be echoed */
  if (!(info && info->echo) && tcgetattr(p->fd, &p->saved) == 0) {
    t = p->saved;
    t.c_lflag &= ~(tcflag_t)ECHO;
    t.c_lflag |= ECHONL; /* the newline still shows */
    if (tcsetattr(p->fd, TCSANOW, &t) == 0)
      p->echo_off = TRUE;
  }
  prompt = osp_secret_kind_prompt(kind_label(kind), NULL);
  tty_write(p->fd, prompt);
}

static void wipe_line(OspCliPrompt *p)
{
  explicit_bzero(p->line->str, p->line->allocated_len);
  g_string_truncate(p->line, 0);
}

static gboolean take_line(OspCliPrompt *p)
{
  char *nl = memchr(p->line->str, '\n', p->line->len);
  const char *kind = p->kinds[p->index];
  char *value;

  if (!nl)
    return FALSE;
  value = g_strndup(p->line->str, (gsize)(nl - p->line->str));
  value[strcspn(value, "\r")] = '\0';
  wipe_line(p);
  echo_restore(p);
  p->asking = FALSE;
  if (is_username(kind) && !*value && p->default_username) {
    g_free(value);
    value = g_strdup(p->default_username);
  }
  g_hash_table_replace(p->answers, g_strdup(kind), value);
  p->index++;
  return TRUE;
}

static void finish(OspCliPrompt *p, gboolean complete)
{
  p->source_id = 0;
  echo_restore(p);
  if (!complete)
    tty_write(p->fd, "\n");
  p->asking = FALSE;
  p->func(complete ? p->answers : NULL, p->user_data); /* may free p */
}

static gboolean on_tty_input(int fd, GIOCondition cond, gpointer user_data)
{
  OspCliPrompt *p = user_data;
  char buf[256];
  ssize_t n = read(fd, buf, sizeof(buf));

  if (n < 0 && (errno == EINTR || errno == EAGAIN))
    return G_SOURCE_CONTINUE;
  if (n <= 0 || p->line->len + (gsize)n > MAX_SECRET_LEN) {
    finish(p, FALSE);
    return G_SOURCE_REMOVE;
  }
  g_string_append_len(p->line, buf, n);
  explicit_bzero(buf, sizeof(buf));
  if (!take_line(p))
    return G_SOURCE_CONTINUE;
  if (!p->kinds[p->index]) {
    finish(p, TRUE);
    return G_SOURCE_REMOVE;
  }
  ask_current(p);
  return G_SOURCE_CONTINUE;
}

OspCliPrompt *osp_cli_prompt_new(const char *const *kinds, const char *header,
                                 const char *default_username, OspCliPromptFunc func,
                                 gpointer user_data, GError **error)
{
  int fd;
  OspCliPrompt *p;

  g_return_val_if_fail(kinds && kinds[0], NULL);
  fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (fd < 0) {
    int err = errno;

    g_set_error(error, G_IO_ERROR, g_io_error_from_errno(err),
                _("There is no terminal to ask for secrets: %s"), g_strerror(err));
    return NULL;
  }
  p = g_new0(OspCliPrompt, 1);
  p->fd = fd;
  p->kinds = g_strdupv((char **)kinds);
  p->default_username = g_strdup(default_username);
  p->line = g_string_sized_new(MAX_SECRET_LEN + 256);
  p->answers = osp_cli_secrets_new();
  p->func = func;
  p->user_data = user_data;
  if (header && *header) {
    g_autofree char *clean = osp_cli_sanitize(header, FALSE);

    tty_write(fd, clean);
    tty_write(fd, "\n");
  }
  ask_current(p);
  p->source_id = g_unix_fd_add(fd, G_IO_IN | G_IO_HUP | G_IO_ERR, on_tty_input, p);
  return p;
}

void osp_cli_prompt_free(OspCliPrompt *p)
{
  if (!p)
    return;
  if (p->source_id)
    g_source_remove(p->source_id);
  echo_restore(p);
  if (p->asking) /* interrupted (Ctrl-C): what follows goes on a line of its own */
    tty_write(p->fd, "\n");
  wipe_line(p);
  g_string_free(p->line, TRUE);
  g_hash_table_unref(p->answers);
  g_strfreev(p->kinds);
  g_free(p->default_username);
  close(p->fd);
  g_free(p);
}
