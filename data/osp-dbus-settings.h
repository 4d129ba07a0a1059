/* SPDX-License-Identifier: GPL-2.0-or-later
 * Osprey — what ospreyd and its clients agree on beyond the interface XML:
 * the settings table (client/osp-settings.h: the keys of a profile's
 * Settings dictionary and their D-Bus types; secrets are not settings) and
 * the rule for profile names. */
#pragma once

#include "osp-settings.h"

#include <glib.h>
#include <string.h>

/* Profile names, one rule for every door (Manager.AddProfile, ImportProfile,
 * ConnectConfig, `osprey import --name`, `osprey connect --config`): 1 to
 * 64 of [A-Za-z0-9._@-], not starting with '.' or '-'; no blanks. */
#define OSP_DBUS_PROFILE_NAME_MAX 64

static inline gboolean osp_dbus_name_char_ok(char c)
{
  return g_ascii_isalnum(c) || c == '-' || c == '_' || c == '.' || c == '@';
}

static inline gboolean osp_dbus_profile_name_is_valid(const char *name)
{
  size_t len;

  if (!name)
    return FALSE;
  len = strlen(name);
  if (len == 0 || len > OSP_DBUS_PROFILE_NAME_MAX || name[0] == '.' || name[0] == '-')
    return FALSE;
  for (size_t i = 0; i < len; i++)
    if (!osp_dbus_name_char_ok(name[i]))
      return FALSE;
  return TRUE;
}

/* A valid name made from @text: leading '.' and '-' dropped, every other
 * character that a name may not hold (one per UTF-8 character) replaced by
 * '_'; NULL if nothing is left.  With @strip_extension, @text is a path
 * whose base name loses its extension. */
static inline char *osp_dbus_profile_name_make(const char *text, gboolean strip_extension)
{
  char *base = strip_extension ? g_path_get_basename(text) : g_strdup(text);
  char *dot = strip_extension ? strrchr(base, '.') : NULL;
  gboolean utf8;
  GString *s;

  if (dot && dot != base)
    *dot = '\0';
  utf8 = g_utf8_validate(base, -1, NULL);
  s = g_string_new(NULL);
  for (const char *p = base; *p && s->len < OSP_DBUS_PROFILE_NAME_MAX;
       p = utf8 ? g_utf8_next_char(p) : p + 1) {
    if (s->len == 0 && (*p == '.' || *p == '-'))
      continue;
    g_string_append_c(s, osp_dbus_name_char_ok(*p) ? *p : '_');
  }
  g_free(base);
  if (!osp_dbus_profile_name_is_valid(s->str)) {
    g_string_free(s, TRUE);
    return NULL;
  }
  return g_string_free(s, FALSE);
}
