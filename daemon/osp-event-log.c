/* SPDX-License-Identifier: GPL-2.0-or-later
 * ospreyd — a connection's event log, in memory and on disk. */
#include "osp-event-log.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

typedef struct {
  gint64 time;
  char *state;
  char *message;
} LogEvent;

struct OspEventLog {
  GQueue events; /* of LogEvent */
  char *path;    /* the copy on disk, or NULL */
  guint lines;   /* events in that file */
};

static void log_event_free(LogEvent *e)
{
  g_free(e->state);
  g_free(e->message);
  g_free(e);
}

static void push(OspEventLog *log, gint64 time, const char *state, const char *message)
{
  LogEvent *e = g_new0(LogEvent, 1);

  e->time = time;
  e->state = g_strdup(state);
  e->message = g_strdup(message);
  g_queue_push_tail(&log->events, e);
  while (g_queue_get_length(&log->events) > OSP_EVENT_LOG_MAX)
    log_event_free(g_queue_pop_head(&log->events));
}

/* One line: no tab or line break inside a field. */
static void append_line(GString *s, const LogEvent *e)
{
  g_string_append_printf(s, "%" G_GINT64_FORMAT "\t", e->time);
  for (int f = 0; f < 2; f++) {
    const char *text = f ? e->message : e->state;

    for (const char *p = text ? text : ""; *p; p++)
      g_string_append_c(s, *p == '\t' || *p == '\n' || *p == '\r' ? ' ' : *p);
    g_string_append_c(s, f ? '\n' : '\t');
  }
}

static void load(OspEventLog *log)
{
  g_autofree char *text = NULL;
  g_auto(GStrv) lines = NULL;

  if (!g_file_get_contents(log->path, &text, NULL, NULL))
    return;
  lines = g_strsplit(text, "\n", -1);
  for (char **l = lines; *l; l++) {
    g_auto(GStrv) f = g_strsplit(*l, "\t", 3);
    gint64 t;

    if (g_strv_length(f) != 3 || !g_ascii_string_to_signed(f[0], 10, 0, G_MAXINT64, &t, NULL))
      continue;
    push(log, t, g_utf8_validate(f[1], -1, NULL) ? f[1] : "?",
         g_utf8_validate(f[2], -1, NULL) ? f[2] : "?");
    log->lines++;
  }
}

/* The whole log, replacing the file atomically: after a clear, and when
 * appending has made the file twice as long as the log. */
static void rewrite(OspEventLog *log)
{
  g_autoptr(GString) s = g_string_new(NULL);
  g_autoptr(GError) error = NULL;

  for (GList *l = log->events.head; l; l = l->next)
    append_line(s, l->data);
  if (!g_file_set_contents_full(log->path, s->str, (gssize)s->len, G_FILE_SET_CONTENTS_CONSISTENT,
                                0600, &error))
    g_debug("event log %s: %s", log->path, error->message);
  log->lines = g_queue_get_length(&log->events);
}

static void store(OspEventLog *log, const LogEvent *e)
{
  g_autoptr(GString) s = g_string_new(NULL);
  int fd;

  if (++log->lines > 2 * OSP_EVENT_LOG_MAX) {
    rewrite(log);
    return;
  }
  append_line(s, e);
  fd = open(log->path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0 || write(fd, s->str, s->len) != (ssize_t)s->len)
    g_debug("event log %s: %s", log->path, g_strerror(errno));
  if (fd >= 0)
    close(fd);
}

OspEventLog *osp_event_log_new(void)
{
  OspEventLog *log = g_new0(OspEventLog, 1);

  g_queue_init(&log->events);
  return log;
}

OspEventLog *osp_event_log_new_stored(const char *path)
{
  OspEventLog *log = osp_event_log_new();

  log->path = g_strdup(path);
  load(log);
  return log;
}

void osp_event_log_clear(OspEventLog *log)
{
  g_queue_clear_full(&log->events, (GDestroyNotify)log_event_free);
  if (log->path && log->lines)
    rewrite(log);
}

void osp_event_log_free(OspEventLog *log)
{
  if (!log)
    return;
  g_queue_clear_full(&log->events, (GDestroyNotify)log_event_free);
  g_free(log->path);
  g_free(log);
}

void osp_event_log_add(OspEventLog *log, const char *state, const char *message)
{
  push(log, g_get_real_time(), state, message);
  if (log->path)
    store(log, log->events.tail->data);
}

GVariant *osp_event_log_to_variant(const OspEventLog *log)
{
  GVariantBuilder b;

  g_variant_builder_init(&b, G_VARIANT_TYPE("a(xss)"));
  for (GList *l = log->events.head; l; l = l->next) {
    const LogEvent *e = l->data;

    g_variant_builder_add(&b, "(xss)", e->time, e->state, e->message);
  }
  return g_variant_builder_end(&b);
}
