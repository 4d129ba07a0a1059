/* SPDX-License-Identifier: GPL-2.0-or-later
 * daemon/osp-event-log.c: a connection's events on disk survive the
 * process, stay bounded, and a clear empties the file too. */
#include "osp-event-log.h"

#include <glib/gstdio.h>
#include <string.h>

static guint count_lines(const char *path)
{
  g_autofree char *text = NULL;
  guint n = 0;

  if (!g_file_get_contents(path, &text, NULL, NULL))
    return 0;
  for (const char *p = text; *p; p++)
    n += *p == '\n';
  return n;
}

static void test_stored(void)
{
  g_autofree char *dir = g_dir_make_tmp("osp-event-log-XXXXXX", NULL);
  g_autofree char *path = g_build_filename(dir, "w.log", NULL);
  g_autoptr(OspEventLog) log = osp_event_log_new_stored(path);
  g_autoptr(OspEventLog) again = NULL;
  g_autoptr(GVariant) v = NULL, w = NULL;
  const char *state, *message;
  GStatBuf st;
  gint64 t;

  for (int i = 0; i < 5 * OSP_EVENT_LOG_MAX; i++) {
    g_autofree char *msg = g_strdup_printf("event %d\twith a tab\nand a newline", i);

    osp_event_log_add(log, "connected", msg);
    g_assert_cmpuint(count_lines(path), <=, 2 * OSP_EVENT_LOG_MAX);
  }
  g_assert_cmpint(g_stat(path, &st), ==, 0);
  g_assert_cmpint(st.st_mode & 0777, ==, 0600);

  /* another process reads the same events back */
  again = osp_event_log_new_stored(path);
  v = g_variant_ref_sink(osp_event_log_to_variant(log));
  w = g_variant_ref_sink(osp_event_log_to_variant(again));
  g_assert_cmpuint(g_variant_n_children(w), ==, OSP_EVENT_LOG_MAX);
  g_variant_get_child(w, OSP_EVENT_LOG_MAX - 1, "(x&s&s)", &t, &state, &message);
  g_assert_cmpstr(state, ==, "connected");
  g_assert_cmpstr(message, ==, "event 1279 with a tab and a newline");
  g_variant_get_child(v, 0, "(x&s&s)", &t, &state, &message);
  g_assert_cmpstr(message, ==, "event 1024\twith a tab\nand a newline");

  osp_event_log_clear(again);
  g_clear_pointer(&again, osp_event_log_free);
  again = osp_event_log_new_stored(path);
  g_clear_pointer(&w, g_variant_unref);
  w = g_variant_ref_sink(osp_event_log_to_variant(again));
  g_assert_cmpuint(g_variant_n_children(w), ==, 0);

  g_assert_cmpint(g_unlink(path), ==, 0);
  g_assert_cmpint(g_rmdir(dir), ==, 0);
}

int main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/event-log/stored", test_stored);
  return g_test_run();
}
