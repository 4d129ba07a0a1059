/* SPDX-License-Identifier: GPL-2.0-or-later
 * Helpers of the table tests: every bad row reported, not only the first,
 * and the documents that list the rows read. */
#pragma once

#include <glib.h>

/* Every failure is listed (g_test_fail_printf() keeps only the last). */
G_GNUC_PRINTF(1, 2) static inline void osp_test_fail(const char *format, ...)
{
  g_autofree char *message = NULL;
  va_list ap;

  va_start(ap, format);
  message = g_strdup_vprintf(format, ap);
  va_end(ap);
  g_test_message("%s", message);
  g_test_fail_printf("%s", message);
}

/* A file of the source tree (path from its root); NULL after a failure. */
static inline char *osp_test_read_source(const char *path)
{
  g_autofree char *full = g_test_build_filename(G_TEST_DIST, "..", "..", path, NULL);
  g_autoptr(GError) error = NULL;
  char *text = NULL;

  if (!g_file_get_contents(full, &text, NULL, &error))
    osp_test_fail("%s", error->message);
  return text;
}

/* Group 1 of pattern (. matches newlines) in text, NULL after a failure
 * that names what was looked for. */
static inline char *osp_test_match(const char *text, const char *pattern, const char *what)
{
  g_autoptr(GRegex) re = g_regex_new(pattern, G_REGEX_DOTALL, 0, NULL);
  g_autoptr(GMatchInfo) m = NULL;

  g_assert_nonnull(re);
  if (text && g_regex_match(re, text, 0, &m))
    return g_match_info_fetch(m, 1);
  osp_test_fail("no %s", what);
  return NULL;
}
