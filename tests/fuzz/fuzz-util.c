/* SPDX-License-Identifier: GPL-2.0-or-later
 * Linked into every target and replay tool. */
#include "fuzz-util.h"

/* The library logs at debug level only (STYLE.md): a warning, or a failed
 * g_return_if_fail() (a critical), is a bug the fuzzer must stop on with an
 * abort() that libFuzzer records.  Debug messages are dropped unread
 * (unless G_MESSAGES_DEBUG is set), which also keeps the targets fast. */
static GLogWriterOutput writer(GLogLevelFlags level, const GLogField *fields, gsize n_fields,
                               gpointer user_data)
{
  if (level & (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING)) {
    g_log_writer_standard_streams(level, fields, n_fields, user_data);
    abort();
  }
  if (g_getenv("G_MESSAGES_DEBUG"))
    return g_log_writer_default(level, fields, n_fields, user_data);
  return G_LOG_WRITER_HANDLED;
}

__attribute__((constructor)) static void fuzz_log_setup(void)
{
  g_log_set_writer_func(writer, NULL, NULL);
}
