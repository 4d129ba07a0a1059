/* SPDX-License-Identifier: GPL-2.0-or-later
 * Table tests that report every bad row, not only the first. */
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
