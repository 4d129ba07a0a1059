/* SPDX-License-Identifier: GPL-2.0-or-later
 * osprey — output: JSON built in a GString (RFC 8259 escaping), untrusted
 * text made safe for a terminal, times and reasons in words. */
#include "osp-text.h"
#include "osprey.h"

#include <stdio.h>
#include <string.h>

/* A member or element needs a comma unless it is the first in its
 * container or the value after a key. */
static void separate(GString *s)
{
  if (s->len && !strchr("{[:", s->str[s->len - 1]))
    g_string_append_c(s, ',');
}

void osp_json_open(GString *s, char bracket)
{
  separate(s);
  g_string_append_c(s, bracket);
}

void osp_json_close(GString *s, char bracket)
{
  g_string_append_c(s, bracket);
}

static void append_escaped(GString *s, const char *value)
{
  g_string_append_c(s, '"');
  for (const unsigned char *p = (const unsigned char *)value; *p; p++) {
    switch (*p) {
    case '"': g_string_append(s, "\\\""); break;
    case '\\': g_string_append(s, "\\\\"); break;
    case '\n': g_string_append(s, "\\n"); break;
    case '\r': g_string_append(s, "\\r"); break;
    case '\t': g_string_append(s, "\\t"); break;
    default:
      if (*p < 0x20 || *p == 0x7f)
        g_string_append_printf(s, "\\u%04x", *p);
      else
        g_string_append_c(s, (char)*p);
    }
  }
  g_string_append_c(s, '"');
}

void osp_json_string(GString *s, const char *value)
{
  separate(s);
  if (!value) {
    g_string_append(s, "null");
    return;
  }
  if (g_utf8_validate(value, -1, NULL)) {
    append_escaped(s, value);
  } else {
    g_autofree char *valid = g_utf8_make_valid(value, -1);

    append_escaped(s, valid);
  }
}

void osp_json_key(GString *s, const char *key)
{
  osp_json_string(s, key);
  g_string_append_c(s, ':');
}

void osp_json_member_string(GString *s, const char *key, const char *value)
{
  osp_json_key(s, key);
  osp_json_string(s, value);
}

void osp_json_member_int(GString *s, const char *key, gint64 value)
{
  osp_json_key(s, key);
  g_string_append_printf(s, "%" G_GINT64_FORMAT, value);
}

void osp_json_member_bool(GString *s, const char *key, gboolean value)
{
  osp_json_key(s, key);
  g_string_append(s, value ? "true" : "false");
}

void osp_json_member_strv(GString *s, const char *key, const char *const *values)
{
  osp_json_key(s, key);
  osp_json_open(s, '[');
  for (; values && *values; values++)
    osp_json_string(s, *values);
  osp_json_close(s, ']');
}

static void json_container(GString *s, GVariant *value)
{
  gboolean dict = g_variant_is_of_type(value, G_VARIANT_TYPE("a{s*}"));
  GVariantIter it;
  GVariant *child;

  osp_json_open(s, dict ? '{' : '[');
  g_variant_iter_init(&it, value);
  while ((child = g_variant_iter_next_value(&it))) {
    if (dict) {
      g_autoptr(GVariant) key = g_variant_get_child_value(child, 0);
      g_autoptr(GVariant) val = g_variant_get_child_value(child, 1);

      osp_json_key(s, g_variant_get_string(key, NULL));
      osp_json_variant(s, val);
    } else {
      osp_json_variant(s, child);
    }
    g_variant_unref(child);
  }
  osp_json_close(s, dict ? '}' : ']');
}

void osp_json_variant(GString *s, GVariant *value)
{
  g_autoptr(GVariant) inner = NULL;

  switch (g_variant_classify(value)) {
  case G_VARIANT_CLASS_BOOLEAN:
    separate(s);
    g_string_append(s, g_variant_get_boolean(value) ? "true" : "false");
    return;
  case G_VARIANT_CLASS_BYTE:
    separate(s);
    g_string_append_printf(s, "%u", g_variant_get_byte(value));
    return;
  case G_VARIANT_CLASS_INT16:
    separate(s);
    g_string_append_printf(s, "%d", g_variant_get_int16(value));
    return;
  case G_VARIANT_CLASS_UINT16:
    separate(s);
    g_string_append_printf(s, "%u", g_variant_get_uint16(value));
    return;
  case G_VARIANT_CLASS_INT32:
    separate(s);
    g_string_append_printf(s, "%d", g_variant_get_int32(value));
    return;
  case G_VARIANT_CLASS_UINT32:
    separate(s);
    g_string_append_printf(s, "%u", g_variant_get_uint32(value));
    return;
  case G_VARIANT_CLASS_HANDLE:
    separate(s);
    g_string_append_printf(s, "%d", g_variant_get_handle(value));
    return;
  case G_VARIANT_CLASS_INT64:
    separate(s);
    g_string_append_printf(s, "%" G_GINT64_FORMAT, g_variant_get_int64(value));
    return;
  case G_VARIANT_CLASS_UINT64:
    separate(s);
    g_string_append_printf(s, "%" G_GUINT64_FORMAT, g_variant_get_uint64(value));
    return;
  case G_VARIANT_CLASS_DOUBLE:
    separate(s);
    g_string_append_printf(s, "%.17g", g_variant_get_double(value));
    return;
  case G_VARIANT_CLASS_STRING:
  case G_VARIANT_CLASS_OBJECT_PATH:
  case G_VARIANT_CLASS_SIGNATURE: osp_json_string(s, g_variant_get_string(value, NULL)); return;
  case G_VARIANT_CLASS_VARIANT:
    inner = g_variant_get_variant(value);
    osp_json_variant(s, inner);
    return;
  case G_VARIANT_CLASS_MAYBE:
    inner = g_variant_get_maybe(value);
    if (inner)
      osp_json_variant(s, inner);
    else
      osp_json_string(s, NULL);
    return;
  case G_VARIANT_CLASS_ARRAY:
  case G_VARIANT_CLASS_TUPLE:
  case G_VARIANT_CLASS_DICT_ENTRY: json_container(s, value); return;
  }
}

void osp_cli_print_json(GString *s)
{
  g_string_append_c(s, '\n');
  fwrite(s->str, 1, s->len, stdout);
  fflush(stdout);
}

/* The sanitiser ospreyd --foreground uses too (client/osp-text.c). */
char *osp_cli_sanitize(const char *text, gboolean one_line)
{
  return osp_text_sanitize(text, one_line);
}

/* The number of terminal columns @text takes: wide (CJK) characters take
 * two, combining marks none, as wcwidth() counts them.  Outside a UTF-8
 * locale g_print() writes one "?" per character it cannot convert. */
int osp_cli_text_width(const char *text)
{
  gboolean utf8 = g_get_charset(NULL);
  int width = 0;

  if (!utf8)
    return (int)g_utf8_strlen(text ? text : "", -1);
  for (const char *p = text ? text : ""; *p; p = g_utf8_next_char(p)) {
    gunichar c = g_utf8_get_char(p);

    if (g_unichar_iszerowidth(c))
      continue;
    width += g_unichar_iswide(c) ? 2 : 1;
  }
  return width;
}

/* Appends @text and the blanks that make it @width columns wide. */
void osp_cli_append_padded(GString *s, const char *text, int width)
{
  g_string_append(s, text ? text : "");
  for (int w = osp_cli_text_width(text); w < width; w++)
    g_string_append_c(s, ' ');
}

char *osp_cli_format_time(gint64 usec)
{
  g_autoptr(GDateTime) t = g_date_time_new_from_unix_local(usec / G_USEC_PER_SEC);

  return t ? g_date_time_format(t, "%Y-%m-%d %H:%M:%S") : g_strdup("-");
}

char *osp_cli_variant_to_text(GVariant *value)
{
  if (g_variant_is_of_type(value, G_VARIANT_TYPE_VARIANT)) {
    g_autoptr(GVariant) inner = g_variant_get_variant(value);

    return osp_cli_variant_to_text(inner);
  }
  if (g_variant_is_of_type(value, G_VARIANT_TYPE_STRING))
    return osp_cli_sanitize(g_variant_get_string(value, NULL), TRUE);
  if (g_variant_is_of_type(value, G_VARIANT_TYPE_BOOLEAN))
    return g_strdup(g_variant_get_boolean(value) ? "yes" : "no");
  if (g_variant_is_of_type(value, G_VARIANT_TYPE_STRING_ARRAY)) {
    g_autofree const char **v = g_variant_get_strv(value, NULL);
    g_autofree char *joined = g_strjoinv(" ", (char **)v);

    return osp_cli_sanitize(joined, TRUE);
  }
  return g_variant_print(value, FALSE);
}

/* A translated description of a StateReason, NULL for unknown codes. */
const char *osp_cli_reason_text(const char *reason)
{
  const OspReason *r = osp_reason_find(reason);

  return r ? _(r->text) : NULL;
}

/* Ends the line of progress dots, so that what comes next starts a line. */
void osp_cli_end_progress(OspCli *cli)
{
  if (!cli->progress_open)
    return;
  cli->progress_open = FALSE;
  g_printerr("\n");
}

void osp_cli_print_banner(OspCli *cli, const char *banner)
{
  g_autofree char *clean = NULL;

  osp_cli_end_progress(cli);
  if (cli->quiet || cli->json || !banner || !*banner)
    return;
  clean = osp_cli_sanitize(banner, FALSE);
  g_print("%s%s", clean, g_str_has_suffix(clean, "\n") ? "" : "\n");
}
