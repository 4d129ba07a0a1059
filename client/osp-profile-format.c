/* SPDX-License-Identifier: GPL-2.0-or-later
 * Osprey — the bytes of a profile file: charsets (BOM, UTF-16,
 * Windows-1252), the size limit, and which format a file is. */
#include "osp-profile-private.h"

#include "osp-error.h"

#include <errno.h>
#include <string.h>

#include <openssl/crypto.h>

#include <glib/gi18n-lib.h>

/* ------------------------------------------------------------------ */
/* Text decoding: BOM, UTF-16 and Windows-1252 (Latin-1) files */

/* Windows-1252 0x80-0x9F; the five undefined bytes map to the C1 control
 * of the same number, as Windows does, and are then refused as controls. */
static const uint16_t cp1252_high[32] = {
  0x20ac, 0x0081, 0x201a, 0x0192, 0x201e, 0x2026, 0x2020, 0x2021, 0x02c6, 0x2030, 0x0160,
  0x2039, 0x0152, 0x008d, 0x017d, 0x008f, 0x0090, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022,
  0x2013, 0x2014, 0x02dc, 0x2122, 0x0161, 0x203a, 0x0153, 0x009d, 0x017e, 0x0178,
};

char *osp_profile_cp1252_to_utf8(const char *text, size_t len)
{
  /* sized once, so that no copy of a secret is left behind by a realloc */
  GString *s = g_string_sized_new(len * 3 + 1);
  size_t i;

  for (i = 0; i < len; i++) {
    uint8_t c = (uint8_t)text[i];

    if (c < 0x80)
      g_string_append_c(s, (char)c);
    else if (c < 0xa0)
      g_string_append_unichar(s, cp1252_high[c - 0x80]);
    else
      g_string_append_unichar(s, c);
  }
  return g_string_free(s, FALSE);
}

static char *utf16_to_utf8(const uint8_t *p, size_t len, bool big_endian, GError **error)
{
  size_t n = len / 2, i;
  glong items_read = 0;
  gunichar2 *units;
  char *out;

  if (len % 2) {
    g_set_error(error, OSP_ERROR, OSP_ERROR_CONFIG, _("The UTF-16 file has an odd length"));
    return NULL;
  }
  units = g_new(gunichar2, n + 1);
  for (i = 0; i < n; i++)
    units[i] = big_endian ? (gunichar2)(p[2 * i] << 8 | p[2 * i + 1])
                          : (gunichar2)(p[2 * i + 1] << 8 | p[2 * i]);
  out = g_utf16_to_utf8(units, (glong)n, &items_read, NULL, NULL);
  OPENSSL_cleanse(units, n * sizeof(*units));
  g_free(units);
  if (out && (size_t)items_read != n) { /* it stops at a U+0000 */
    osp_profile_wipe_free(out);
    g_set_error(error, OSP_ERROR, OSP_ERROR_CONFIG, _("The file contains a NUL character"));
    return NULL;
  }
  if (!out)
    g_set_error(error, OSP_ERROR, OSP_ERROR_CONFIG, _("The file is not valid UTF-16"));
  return out;
}

/* A NUL-terminated UTF-8 copy of a profile file (free with osp_profile_wipe_free: it
 * may hold secrets). */
char *osp_profile_text_to_utf8(const char *text, gsize len, GPtrArray *warnings, GError **error)
{
  const uint8_t *u = (const uint8_t *)text;

  if (len > FILE_MAX) {
    g_set_error(error, OSP_ERROR, OSP_ERROR_CONFIG, _("The file is larger than %d bytes"),
                FILE_MAX);
    return NULL;
  }
  if (len >= 2 && ((u[0] == 0xff && u[1] == 0xfe) || (u[0] == 0xfe && u[1] == 0xff))) {
    return utf16_to_utf8(u + 2, len - 2, u[0] == 0xfe, error);
  }
  if (len >= 3 && u[0] == 0xef && u[1] == 0xbb && u[2] == 0xbf) {
    text += 3;
    len -= 3;
  }
  if (memchr(text, '\0', len)) {
    g_set_error(error, OSP_ERROR, OSP_ERROR_CONFIG,
                _("The file contains a NUL byte; it is not a text file"));
    return NULL;
  }
  if (g_utf8_validate_len(text, len, NULL))
    return g_strndup(text, len);
  osp_profile_add_warning(warnings,
                          _("The file is not UTF-8; it was read as Windows-1252 (Latin-1)"));
  return osp_profile_cp1252_to_utf8(text, len);
}

static char *read_profile_file(const char *path, gsize *ret_len, GError **error)
{
  g_autoptr(GError) e = NULL;
  char *contents = NULL;
  gsize len = 0;

  if (!g_file_get_contents(path, &contents, &len, &e)) {
    g_set_error(error, OSP_ERROR, OSP_ERROR_CONFIG, _("Cannot read %s: %s"), path, e->message);
    return NULL;
  }
  *ret_len = len;
  return contents;
}

void osp_profile_wipe_buffer(char *contents, gsize len)
{
  if (!contents)
    return;
  OPENSSL_cleanse(contents, len);
  g_free(contents);
}

typedef OspProfile *(*ParseFn)(const char *text, gsize len, GPtrArray *ret_warnings,
                               GError **error);

/* Reads path, parses it with parse, wipes the buffer (it may hold secrets)
 * and names the file in the error. */
OspProfile *osp_profile_load_with(const char *path, ParseFn parse, GPtrArray *ret_warnings,
                                  GError **error)
{
  gsize len = 0;
  char *contents = read_profile_file(path, &len, error);
  OspProfile *p;

  if (!contents)
    return NULL;
  p = parse(contents, len, ret_warnings, error);
  osp_profile_wipe_buffer(contents, len);
  if (!p)
    g_prefix_error(error, "%s: ", path);
  return p;
}

/* ------------------------------------------------------------------ */
/* Format sniffing */

typedef enum { FMT_VPNC, FMT_PCF, FMT_KEYFILE } ProfileFormat;

static bool pcf_name(const char *name)
{
  return name && (g_str_has_suffix(name, ".pcf") || g_str_has_suffix(name, ".PCF"));
}

/* UTF-16 is .pcf; else the first line that is neither blank nor a comment
 * decides: "[profile]" is Osprey's keyfile, another section header or
 * "Key=value" is .pcf, vpnc keywords have blanks; the file name decides what
 * the content leaves open. */
static ProfileFormat sniff_format(const char *contents, gsize len, const char *name)
{
  const uint8_t *u = (const uint8_t *)contents;
  const char *s = contents, *end = contents + len;

  if (len >= 2 && ((u[0] == 0xff && u[1] == 0xfe) || (u[0] == 0xfe && u[1] == 0xff)))
    return FMT_PCF; /* only Windows writes UTF-16 */
  if (len >= 3 && u[0] == 0xef && u[1] == 0xbb && u[2] == 0xbf)
    s += 3;

  while (s < end) {
    const char *eol = s, *t;
    size_t n;

    while (eol < end && *eol != '\n' && *eol != '\r')
      eol++;
    while (s < eol && (*s == ' ' || *s == '\t'))
      s++;
    n = (size_t)(eol - s);
    if (n && *s != '#' && *s != ';') {
      if (*s == '[')
        return n >= 9 && g_ascii_strncasecmp(s, "[" KEYFILE_GROUP "]", 9) == 0 ? FMT_KEYFILE
                                                                               : FMT_PCF;
      if (pcf_name(name))
        return FMT_PCF;
      t = s + (*s == '!');
      while (t < eol && (g_ascii_isalnum(*t) || *t == '_'))
        t++;
      return t < eol && *t == '=' ? FMT_PCF : FMT_VPNC;
    }
    s = eol + 1;
  }
  return pcf_name(name) ? FMT_PCF : FMT_VPNC;
}

/* A file read as vpnc's in which no line is a vpnc setting (and that is
 * not empty) is no configuration at all: saying "IPSec gateway is
 * missing" about a shell script or a picture would mislead. */
static OspProfile *parse_any_vpnc(const char *text, gsize len, GPtrArray *ret_warnings,
                                  GError **error)
{
  g_autoptr(OspProfile) p = osp_profile_new();
  gboolean foreign = FALSE;

  if (!osp_profile_vpnc_merge(p, text, len, ret_warnings, &foreign, error))
    return NULL;
  if (foreign) {
    g_set_error(error, OSP_ERROR, OSP_ERROR_CONFIG,
                _("This is neither a vpnc configuration file (.conf), nor a Cisco .pcf file, "
                  "nor an Osprey profile: none of its lines is a setting of any of them"));
    return NULL;
  }
  return g_steal_pointer(&p);
}

/* A .pcf's missing settings in its own words (Host, GroupName), before
 * osp_profile_validate() would name vpnc's. */
static OspProfile *parse_any_pcf(const char *text, gsize len, GPtrArray *ret_warnings,
                                 GError **error)
{
  g_autoptr(OspProfile) p = osp_profile_parse_pcf(text, len, ret_warnings, error);

  if (p && (!p->gateway || !*p->gateway)) {
    g_set_error(error, OSP_ERROR, OSP_ERROR_CONFIG,
                _("Host is missing: the .pcf file names no gateway (Host=...)"));
    return NULL;
  }
  if (p && p->auth_mode != OSP_AUTH_CERT && (!p->group_id || !*p->group_id)) {
    g_set_error(error, OSP_ERROR, OSP_ERROR_CONFIG,
                _("GroupName is missing: the .pcf file names no group (GroupName=...)"));
    return NULL;
  }
  return g_steal_pointer(&p);
}

OspProfile *osp_profile_parse_any(const char *text, gsize len, const char *name,
                                  GPtrArray *ret_warnings, GError **error)
{
  g_autoptr(GKeyFile) kf = NULL;
  g_autoptr(GError) e = NULL;

  switch (sniff_format(text, len, name)) {
  case FMT_PCF: return parse_any_pcf(text, len, ret_warnings, error);
  case FMT_VPNC: return parse_any_vpnc(text, len, ret_warnings, error);
  case FMT_KEYFILE:
    kf = g_key_file_new();
    if (g_key_file_load_from_data(kf, text, len, G_KEY_FILE_NONE, &e))
      return osp_profile_from_keyfile(kf, error);
    g_set_error(error, OSP_ERROR, OSP_ERROR_CONFIG, "%s", e->message);
    return NULL;
  }
  return NULL;
}

OspProfile *osp_profile_load_any(const char *path, GPtrArray *ret_warnings, GError **error)
{
  gsize len = 0;
  char *contents = read_profile_file(path, &len, error);
  OspProfile *p;

  if (!contents)
    return NULL;
  p = osp_profile_parse_any(contents, len, path, ret_warnings, error);
  osp_profile_wipe_buffer(contents, len);
  if (!p)
    g_prefix_error(error, "%s: ", path);
  return p;
}
