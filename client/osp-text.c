/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "osp-text.h"

#include <string.h>

char *osp_text_sanitize(const char *text, gboolean one_line)
{
  g_autofree char *valid = g_utf8_make_valid(text ? text : "", -1);
  GString *s = g_string_sized_new(strlen(valid));

  for (const char *p = valid; *p; p = g_utf8_next_char(p)) {
    gunichar c = g_utf8_get_char(p);

    if (c == '\n' || c == '\t')
      g_string_append_c(s, one_line ? ' ' : (char)c);
    else if (g_unichar_iscntrl(c) || c == 0x2028 || c == 0x2029)
      g_string_append_c(s, '?');
    else
      g_string_append_unichar(s, c);
  }
  return g_string_free(s, FALSE);
}
