/* SPDX-License-Identifier: GPL-2.0-or-later
 * ospreyd — the log writer (see osp-log.h). */
#include "osp-log.h"

#include <stdio.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#define JOURNAL_SOCKET "/run/systemd/journal/socket"
#define SYSLOG_SOCKET "/dev/log"

static OspLogTarget target;

static gboolean is_socket(const char *path)
{
  struct stat st;

  return stat(path, &st) == 0 && S_ISSOCK(st.st_mode);
}

static int syslog_priority(GLogLevelFlags level)
{
  switch (level & G_LOG_LEVEL_MASK) {
  case G_LOG_LEVEL_ERROR: return LOG_ERR;
  case G_LOG_LEVEL_CRITICAL: return LOG_CRIT;
  case G_LOG_LEVEL_WARNING: return LOG_WARNING;
  case G_LOG_LEVEL_MESSAGE: return LOG_NOTICE;
  case G_LOG_LEVEL_INFO: return LOG_INFO;
  default: return LOG_DEBUG;
  }
}

static const char *field_value(const GLogField *fields, gsize n, const char *key)
{
  for (gsize i = 0; i < n; i++)
    if (g_strcmp0(fields[i].key, key) == 0 && fields[i].length < 0)
      return fields[i].value;
  return NULL;
}

static GLogWriterOutput write_syslog(GLogLevelFlags level, const GLogField *fields, gsize n)
{
  const char *message = field_value(fields, n, "MESSAGE");
  const char *domain = field_value(fields, n, "GLIB_DOMAIN");

  if (!message)
    return G_LOG_WRITER_UNHANDLED;
  if (domain && g_strcmp0(domain, "ospreyd") != 0)
    syslog(syslog_priority(level), "%s: %s", domain, message);
  else
    syslog(syslog_priority(level), "%s", message);
  return G_LOG_WRITER_HANDLED;
}

static GLogWriterOutput writer(GLogLevelFlags level, const GLogField *fields, gsize n,
                               gpointer user_data)
{
  /* G_MESSAGES_DEBUG and -v decide about debug messages, as for stderr */
  if (g_log_writer_default_would_drop(level, field_value(fields, n, "GLIB_DOMAIN")))
    return G_LOG_WRITER_HANDLED;
  if (target == OSP_LOG_JOURNAL &&
      g_log_writer_journald(level, fields, n, user_data) == G_LOG_WRITER_HANDLED)
    return G_LOG_WRITER_HANDLED;
  if (target == OSP_LOG_SYSLOG && write_syslog(level, fields, n) == G_LOG_WRITER_HANDLED)
    return G_LOG_WRITER_HANDLED;
  return g_log_writer_default(level, fields, n, user_data);
}

OspLogTarget osp_log_setup(void)
{
  if (g_log_writer_is_journald(fileno(stderr)) || isatty(STDERR_FILENO))
    target = OSP_LOG_STDERR;
  else if (is_socket(JOURNAL_SOCKET))
    target = OSP_LOG_JOURNAL;
  else if (is_socket(SYSLOG_SOCKET))
    target = OSP_LOG_SYSLOG;
  else
    target = OSP_LOG_STDERR;
  if (target == OSP_LOG_SYSLOG)
    openlog("ospreyd", LOG_PID, LOG_DAEMON);
  if (target != OSP_LOG_STDERR)
    g_log_set_writer_func(writer, NULL, NULL);
  return target;
}
