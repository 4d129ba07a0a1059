/* SPDX-License-Identifier: GPL-2.0-or-later
 * Osprey — text from a gateway or the daemon made safe to show: shared by
 * the command line and ospreyd --foreground (GLib only, no engine code). */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Text (banners, prompts, messages) that must not drive a terminal: valid
 * UTF-8, control characters and the Unicode line/paragraph separators become
 * "?"; newlines and tabs stay, or become spaces when @one_line.  NULL reads
 * as "".  Free with g_free(). */
char *osp_text_sanitize(const char *text, gboolean one_line);

G_END_DECLS
