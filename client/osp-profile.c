/* SPDX-License-Identifier: GPL-2.0-or-later
 * Osprey — connection profiles: vpnc .conf files, Cisco .pcf files and
 * Osprey's keyfile, all checked by the same per-setting rules.
 *
 * vpnc .conf, as vpnc 0.5.3 reads it (config.c read_config_file()):
 *   - one "Keyword value" per line; lines end at LF, CR or CRLF; '#' starts
 *     a comment line (not an inline comment);
 *   - keywords match case-insensitively (vpnc uses strncasecmp(), which is
 *     also why NetworkManager-vpnc's "Application Version" works) and must
 *     be followed by a blank or the end of the line; the longest keyword
 *     wins, so one keyword being a prefix of another is harmless;
 *   - the value is the rest of the line without leading and trailing blanks;
 *     one pair of surrounding double quotes is removed ("--print-config"
 *     writes them around values with edge blanks or edge quotes);
 *   - within one text the first occurrence of a keyword wins, as in vpnc (a
 *     warning names the ignored line); osp_profile_merge_vpnc() applies a
 *     whole text over an existing profile, so a later file overrides;
 *   - the clear "IPSec secret" / "Xauth password" wins over the obfuscated
 *     form, whatever the order, as in vpnc;
 *   - boolean keywords take no value in vpnc; Osprey also takes yes/no,
 *     true/false, on/off, 1/0.  vpnc ignores any text after a boolean
 *     keyword, so osp_profile_to_vpnc() writes booleans without a value;
 *   - Osprey does not prompt: a missing value stays NULL ("ask").
 *
 * Osprey's own keywords in vpnc syntax (vpnc warns about them and goes on):
 *   "Profile name <text>", "Description <text>"
 *   "ID type <key-id/fqdn/user-fqdn/ipv4>"  type of the "IPSec ID" payload
 *   "IKE lifetime <10-86400>"      seconds proposed for the IKE SA (28800)
 *   "IPSec lifetime <10-86400>"    seconds proposed for the IPsec SA (3600)
 *   "DPD timeout <5-3600>"         seconds without answer until dead (30)
 *   "Target networks <a.b.c.d/len ...>"  routed into the tunnel instead of
 *                                  the gateway's split list (blank or comma
 *                                  separated; stored as network/len)
 *   "Keep credentials [yes/no]"    keep XAUTH credentials for rekey (yes)
 *   "No split tunnel [yes/no]"     ignore split-include, route all (no)
 * and "IKE DH Group auto" (the default here; vpnc's default is dh2).
 *
 * Bounds (vpnc's where it has them): ports 0-65535 (0 = random); "Interface
 * MTU" 0 (automatic) or 576-9000 (vpnc: 0-65535); "DPD idle timeout (our
 * side)" 0 (off) or 10-86400; "DPD timeout" 5-3600; lifetimes 10-86400 (short ones for tests);
 * "Interface name" 1-15 bytes of [A-Za-z0-9_.-] and at most one "%d";
 * every text value at most 4096 bytes of UTF-8 without control characters
 * (CVE-2018-10900: a newline smuggled into a value became a second setting).
 *
 * Refused (OSP_ERROR_CONFIG naming the setting): "Enable no encryption",
 * "Interface mode tap", "IKE Authmode cert/hybrid"; in .pcf AuthType other
 * than 1 and TunnelingMode 1 (IPsec over TCP).  Accepted and ignored
 * because they do not apply: "Xauth interactive" (the agent is always
 * interactive), "Noninteractive", "No Detach", "Debug", "Pidfile",
 * "CA-File", "CA-Dir"; "Local Addr" other than 0.0.0.0 gets a warning.
 *
 * The parsers check each value; only osp_profile_validate() insists on the
 * required settings, because a .conf may be completed by a later one.
 */
#include "osp-profile.h"

#include "osp-config.h"
#include "osp-error.h"
#include "osp-isakmp.h"
#include "osp-netcfg.h"
#include "osp-settings.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#ifndef GETTEXT_PACKAGE
#define GETTEXT_PACKAGE "osprey"
#endif
#include <glib/gi18n-lib.h>

#define VALUE_MAX 4096
#define FILE_MAX (1024 * 1024)
#define MTU_MIN 576
#define MTU_MAX 9000
#define DPD_IDLE_MIN 10
#define DPD_IDLE_MAX 86400
#define DPD_TIMEOUT_MIN 5
#define DPD_TIMEOUT_MAX 3600
#define LIFETIME_MIN 10
#define LIFETIME_MAX 86400
#define IFNAME_MAX 15 /* IFNAMSIZ - 1 */

#define KEYFILE_GROUP "profile"

/* ------------------------------------------------------------------ */
/* Names of enumerated values, shared by the vpnc and keyfile formats. */

typedef struct {
  const char *name;
  int value;
} NameValue;

static const NameValue vendor_names[] = {
  { "cisco", OSP_VENDOR_CISCO },
  { "netscreen", OSP_VENDOR_NETSCREEN },
  { "fortigate", OSP_VENDOR_FORTIGATE },
  { NULL, 0 },
};

static const NameValue natt_names[] = {
  { "natt", OSP_NATT_AUTO },
  { "none", OSP_NATT_NONE },
  { "force-natt", OSP_NATT_FORCE },
  { "cisco-udp", OSP_NATT_CISCO_UDP },
  { NULL, 0 },
};

static const NameValue id_type_names[] = {
  { "key-id", OSP_ID_KEY_ID },
  { "fqdn", OSP_ID_FQDN },
  { "user-fqdn", OSP_ID_USER_FQDN },
  { "ipv4", OSP_ID_IPV4_ADDR },
  { NULL, 0 },
};

static const char *name_of(const NameValue *t, int value)
{
  for (; t->name; t++)
    if (t->value == value)
      return t->name;
  return NULL;
}

static bool value_of(const NameValue *t, const char *name, int *ret)
{
  for (; t->name; t++)
    if (g_ascii_strcasecmp(t->name, name) == 0) {
      *ret = t->value;
      return true;
    }
  return false;
}

static char *names_list(const NameValue *t)
{
  GString *s = g_string_new(NULL);

  for (; t->name; t++)
    g_string_append_printf(s, "%s%s", s->len ? ", " : "", t->name);
  return g_string_free(s, FALSE);
}

/* MODP 1, 2, 5, 14-18 and ECP 19-21: what osp-crypto implements. */
static bool dh_group_ok(int g)
{
  return g == 1 || g == 2 || g == 5 || (g >= 14 && g <= 21);
}

#define DH_NAMES "dh1, dh2, dh5, dh14 … dh21"

/* ------------------------------------------------------------------ */
/* Small helpers */

static void wipe_free(char *s)
{
  osp_str_wipe_free(s);
}

/* Empty strings are stored as NULL so that "" and "unset" compare equal. */
static void set_string(char **field, const char *value, bool secret)
{
  char *old = *field;

  *field = value && *value ? g_strdup(value) : NULL;
  if (secret)
    wipe_free(old);
  else
    g_free(old);
}

static void add_warning(GPtrArray *warnings, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
static void add_warning(GPtrArray *warnings, const char *fmt, ...)
{
  va_list ap;
  char *msg;

  va_start(ap, fmt);
  msg = g_strdup_vprintf(fmt, ap);
  va_end(ap);
  g_debug("profile: %s", msg);
  if (warnings)
    g_ptr_array_add(warnings, msg);
  else
    g_free(msg);
}

static char *strip_blanks(char *s)
{
  size_t n;

  while (*s == ' ' || *s == '\t')
    s++;
  n = strlen(s);
  while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
    s[--n] = '\0';
  return s;
}

/* A value as stored: valid UTF-8, bounded, no control character (C0, DEL,
 * C1).  The message never quotes the value: it may be a secret. */
static gboolean check_text(const char *setting, const char *v, GError **error)
{
  const char *s;

  if (!v)
    return TRUE;
  if (strlen(v) > VALUE_MAX) {
    g_set_error(error, OSP_ERROR, OSP_ERROR_CONFIG, _("%s: the value is longer than %d bytes"),
                setting, VALUE_MAX);
    return FALSE;
  }
  if (!g_utf8_validate(v, -1, NULL)) {
    g_set_error(error, OSP_ERROR, OSP_ERROR_CONFIG, _("%s: the value is not valid UTF-8"), setting);
    return FALSE;
  }
  for (s = v; *s; s = g_utf8_next_char(s))
    if (g_unichar_iscntrl(g_utf8_get_char(s))) {
      g_set_error(error, OSP_ERROR, OSP_ERROR_CONFIG,
                  _("%s: the value contains a line break or another control character"), setting);
      return FALSE;
    }
  return TRUE;
}

static gboolean parse_bool(const char *setting, const char *v, bool *ret, GError **error)
{
  static const char *const yes[] = { "yes", "true", "on", "1", NULL };
  static const char *const no[] = { "no", "false", "off", "0", NULL };
  size_t i;

  if (!v || !*v) { /* vpnc: the keyword alone switches it on */
    *ret = true;
    return TRUE;
  }
  for (i = 0; yes[i]; i++)
    if (g_ascii_strcasecmp(v, yes[i]) == 0) {
      *ret = true;
      return TRUE;
    }
  for (i = 0; no[i]; i++)
    if (g_ascii_strcasecmp(v, no[i]) == 0) {
      *ret = false;
      return TRUE;
    }
  g_set_error(error, OSP_ERROR, OSP_ERROR_CONFIG,
              _("%s takes no value or one of yes, no, true, false, 1, 0 (not “%s”)"), setting, v);
  return FALSE;
}

static gboolean parse_uint(const char *setting, const char *v, guint64 max, guint64 *ret,
                           GError **error)
{
  if (!g_ascii_string_to_unsigned(v, 10, 0, max, ret, NULL)) {
    g_autofree char *max_s = g_strdup_printf("%" G_GUINT64_FORMAT, max);

    g_set_error(error, OSP_ERROR, OSP_ERROR_CONFIG, _("%s: “%s” is not a number from 0 to %s"),
                setting, v, max_s);
    return FALSE;
  }
  return TRUE;
}

/* "dhN", plus "auto" for the IKE group and "server"/"nopfs" for PFS. */
static gboolean parse_dh(const char *setting, const char *v, bool pfs, int *ret, GError **error)
{
  guint64 g;

  if (!pfs && g_ascii_strcasecmp(v, "auto") == 0) {
    *ret = OSP_DH_AUTO;
    return TRUE;
  }
  if (pfs && g_ascii_strcasecmp(v, "server") == 0) {
    *ret = OSP_PFS_SERVER;
    return TRUE;
  }
  if (pfs && g_ascii_strcasecmp(v, "nopfs") == 0) {
    *ret = OSP_PFS_NONE;
    return TRUE;
  }
  if (g_ascii_strncasecmp(v, "dh", 2) == 0 &&
      g_ascii_string_to_unsigned(v + 2, 10, 1, 21, &g, NULL) && dh_group_ok((int)g)) {
    *ret = (int)g;
    return TRUE;
  }
  g_set_error(error, OSP_ERROR, OSP_ERROR_CONFIG, _("%s: “%s” is not one of %s"), setting, v,
              pfs ? "nopfs, server, " DH_NAMES : "auto, " DH_NAMES);
  return FALSE;
}

static char *format_dh(int g, bool pfs)
{
  if (pfs && g == OSP_PFS_SERVER)
    return g_strdup("server");
  if (pfs && g == OSP_PFS_NONE)
    return g_strdup("nopfs");
  if (!pfs && g == OSP_DH_AUTO)
    return g_strdup("auto");
  return dh_group_ok(g) ? g_strdup_printf("dh%d", g) : NULL;
}

static bool parse_ipv4(const char *s, uint32_t *ret)
{
  struct in_addr a;

  if (inet_pton(AF_INET, s, &a) != 1)
    return false;
  *ret = ntohl(a.s_addr);
  return true;
}

/* The canonical form of a network list (osp_networks_parse): "a.b.c.d/len
 * ..." with host bits cleared; NULL for an empty list. */
static gboolean canonical_networks(const char *setting, const char *v, char **ret,
                                   GError **error)
{
  g_autoptr(GArray) nets = NULL;

  if (!osp_networks_parse(setting, v, &nets, error))
    return FALSE;
  *ret = osp_networks_format(nets);
  return TRUE;
}

static gboolean check_gateway(const char *setting, const char *v, GError **error)
{
  size_t n = strlen(v), i;

  for (i = 0; i < n; i++)
    if (!g_ascii_isalnum(v[i]) && v[i] != '-' && v[i] != '.' && v[i] != '_')
      break;
  if (n == 0 || n > 253 || i < n || v[0] == '.' || v[0] == '-') {
    g_set_error(error, OSP_ERROR, OSP_ERROR_CONFIG,
                _("%s: “%s” is not a host name or IPv4 address"), setting, v);
    return FALSE;
  }
  return TRUE;
}

/* Narrower than the kernel's dev_valid_name(): the name reaches the
 * vpnc-script as TUNDEV, which it expands unquoted, so only
 * [A-Za-z0-9_.-] and one "%d" (dev_alloc_name()'s template) pass. */
static gboolean check_ifname(const char *setting, const char *v, GError **error)
{
  const char *pct = strstr(v, "%d");
  size_t n = strlen(v), i;

  for (i = 0; i < n; i++) {
    if (pct && v + i == pct) {
      i++;
      continue;
    }
    if (!g_ascii_isalnum(v[i]) && v[i] != '_' && v[i] != '.' && v[i] != '-')
      break;
  }
  if (n == 0 || n > IFNAME_MAX || i < n || strcmp(v, ".") == 0 || strcmp(v, "..") == 0) {
    g_set_error(error, OSP_ERROR, OSP_ERROR_CONFIG,
                _("%s: “%s” is not a valid interface name (1 to %d of A-Z, a-z, 0-9, “_”, “.” "
                  "and “-”, with at most one “%%d”)"),
                setting, v, IFNAME_MAX);
    return FALSE;
  }
  return TRUE;
}

/* ------------------------------------------------------------------ */
/* Text decoding: BOM, UTF-16 and Windows-1252 (Latin-1) files */

/* Windows-1252 0x80-0x9F; the five undefined bytes map to the C1 control
 * of the same number, as Windows does, and are then refused as controls. */
static const uint16_t cp1252_high[32] = {
  0x20ac, 0x0081, 0x201a, 0x0192, 0x201e, 0x2026, 0x2020, 0x2021,
  0x02c6, 0x2030, 0x0160, 0x2039, 0x0152, 0x008d, 0x017d, 0x008f,
  0x0090, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014,
  0x02dc, 0x2122, 0x0161, 0x203a, 0x0153, 0x009d, 0x017e, 0x0178,
};

static char *cp1252_to_utf8(const char *text, size_t len)
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
    wipe_free(out);
    g_set_error(error, OSP_ERROR, OSP_ERROR_CONFIG, _("The file contains a NUL character"));
    return NULL;
  }
  if (!out)
    g_set_error(error, OSP_ERROR, OSP_ERROR_CONFIG, _("The file is not valid UTF-16"));
  return out;
}

/* A NUL-terminated UTF-8 copy of a profile file (free with wipe_free: it
 * may hold secrets). */
static char *text_to_utf8(const char *text, gsize len, GPtrArray *warnings, GError **error)
{
  const uint8_t *u = (const uint8_t *)text;

  if (len > FILE_MAX) {
    g_set_error(error, OSP_ERROR, OSP_ERROR_CONFIG, _("The file is larger than %d bytes"), FILE_MAX);
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
  add_warning(warnings, _("The file is not UTF-8; it was read as Windows-1252 (Latin-1)"));
  return cp1252_to_utf8(text, len);
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

static void wipe_buffer(char *contents, gsize len)
{
  if (!contents)
    return;
  OPENSSL_cleanse(contents, len);
  g_free(contents);
}

/* ------------------------------------------------------------------ */
/* The settings, one row each: keyfile key, vpnc keyword, type, bounds */

typedef enum {
  T_STRING,
  T_SECRET,
  T_GATEWAY,
  T_IFNAME,
  T_NETWORKS,
  T_BOOL,
  T_UINT,
  T_PORT,
  T_VENDOR,
  T_NATT,
  T_ID_TYPE,
  T_DH,
  T_PFS,
} FieldType;

typedef struct {
  OspSettingId id;     /* its key and vpnc keyword: osp_settings[id] */
  FieldType type;
  size_t offset;
  unsigned min, max;   /* T_UINT; 0 is also accepted when zero_ok */
  bool zero_ok;
} ProfileField;

#define F(id, type, member) { OSP_SETTING_##id, type, offsetof(OspProfile, member), 0, 0, false }
#define FU(id, member, lo, hi, z) { OSP_SETTING_##id, T_UINT, offsetof(OspProfile, member), lo, hi, z }

static const ProfileField fields[] = {
  F(NAME, T_STRING, name),
  F(DESCRIPTION, T_STRING, description),
  F(GATEWAY, T_GATEWAY, gateway),
  F(GROUP_ID, T_STRING, group_id),
  F(GROUP_SECRET, T_SECRET, group_secret),
  F(USERNAME, T_STRING, username),
  F(PASSWORD, T_SECRET, password),
  F(DOMAIN, T_STRING, domain),
  F(ID_TYPE, T_ID_TYPE, id_type),
  F(VENDOR, T_VENDOR, vendor),
  F(APP_VERSION, T_STRING, app_version),
  F(DH_GROUP, T_DH, dh_group),
  F(PFS, T_PFS, pfs_group),
  F(ENABLE_SINGLE_DES, T_BOOL, enable_single_des),
  F(ENABLE_WEAK_ENCRYPTION, T_BOOL, enable_weak_encryption),
  F(ENABLE_WEAK_AUTHENTICATION, T_BOOL, enable_weak_authentication),
  F(ENABLE_WEAK_DH_GROUP, T_BOOL, enable_weak_dh_group),
  F(NATT_MODE, T_NATT, natt_mode),
  F(LOCAL_PORT, T_PORT, local_port),
  F(CISCO_UDP_PORT, T_PORT, cisco_udp_port),
  F(INTERFACE_NAME, T_IFNAME, ifname),
  FU(MTU, mtu, MTU_MIN, MTU_MAX, true),
  FU(DPD_IDLE, dpd_idle, DPD_IDLE_MIN, DPD_IDLE_MAX, true),
  FU(DPD_TIMEOUT, dpd_timeout, DPD_TIMEOUT_MIN, DPD_TIMEOUT_MAX, false),
  F(SCRIPT, T_STRING, script),
  F(PASSWORD_HELPER, T_STRING, password_helper),
  FU(IKE_LIFETIME, ike_lifetime, LIFETIME_MIN, LIFETIME_MAX, false),
  FU(IPSEC_LIFETIME, ipsec_lifetime, LIFETIME_MIN, LIFETIME_MAX, false),
  F(TARGET_NETWORKS, T_NETWORKS, target_networks),
  F(KEEP_CREDENTIALS, T_BOOL, keep_credentials),
  F(NO_SPLIT, T_BOOL, no_split),
};

#undef F
#undef FU

#define N_FIELDS G_N_ELEMENTS(fields)
#define FIELD_KEY(f) (osp_settings[(f)->id].key)
#define FIELD_KEYWORD(f) (osp_settings[(f)->id].vpnc)
#define FIELD_PTR(p, f) ((void *)((char *)(p) + (f)->offset))
#define FIELD_CPTR(p, f) ((const void *)((const char *)(p) + (f)->offset))

static bool field_is_string(const ProfileField *f)
{
  return f->type == T_STRING || f->type == T_SECRET || f->type == T_GATEWAY ||
         f->type == T_IFNAME || f->type == T_NETWORKS;
}

/* Checks the value a field holds now; the error names it `setting`. */
static gboolean field_check(const ProfileField *f, const OspProfile *p, const char *setting,
                            GError **error)
{
  const void *ptr = FIELD_CPTR(p, f);
  g_autofree char *list = NULL;
  char *canon = NULL;
  int v = 0;

  switch (f->type) {
  case T_STRING:
  case T_SECRET:
    return check_text(setting, *(char *const *)ptr, error);
  case T_GATEWAY:
    return check_text(setting, *(char *const *)ptr, error) &&
           (!*(char *const *)ptr || check_gateway(setting, *(char *const *)ptr, error));
  case T_IFNAME:
    return check_text(setting, *(char *const *)ptr, error) &&
           (!*(char *const *)ptr || check_ifname(setting, *(char *const *)ptr, error));
  case T_NETWORKS:
    if (!check_text(setting, *(char *const *)ptr, error))
      return FALSE;
    if (*(char *const *)ptr && !canonical_networks(setting, *(char *const *)ptr, &canon, error))
      return FALSE;
    g_free(canon);
    return TRUE;
  case T_BOOL:
  case T_PORT:
    return TRUE;
  case T_UINT: {
    unsigned u = *(const unsigned *)ptr;

    if ((u == 0 && f->zero_ok) || (u >= f->min && u <= f->max))
      return TRUE;
    if (f->zero_ok)
      g_set_error(error, OSP_ERROR, OSP_ERROR_CONFIG, _("%s: %u is out of range (0 or %u-%u)"),
                  setting, u, f->min, f->max);
    else
      g_set_error(error, OSP_ERROR, OSP_ERROR_CONFIG, _("%s: %u is out of range (%u-%u)"),
                  setting, u, f->min, f->max);
    return FALSE;
  }
  case T_VENDOR:
    v = (int)*(const OspVendor *)ptr;
    if (name_of(vendor_names, v))
      return TRUE;
    list = names_list(vendor_names);
    break;
  case T_NATT:
    v = (int)*(const OspNattMode *)ptr;
    if (name_of(natt_names, v))
      return TRUE;
    list = names_list(natt_names);
    break;
  case T_ID_TYPE:
    v = *(const int *)ptr;
    if (name_of(id_type_names, v))
      return TRUE;
    list = names_list(id_type_names);
    break;
  case T_DH:
    v = *(const int *)ptr;
    if (v == OSP_DH_AUTO || dh_group_ok(v))
      return TRUE;
    list = g_strdup("auto, " DH_NAMES);
    break;
  case T_PFS:
    v = *(const int *)ptr;
    if (v == OSP_PFS_SERVER || v == OSP_PFS_NONE || dh_group_ok(v))
      return TRUE;
    list = g_strdup("nopfs, server, " DH_NAMES);
    break;
  }
  g_set_error(error, OSP_ERROR, OSP_ERROR_CONFIG, _("%s: value %d is not one of %s"), setting, v,
              list);
  return FALSE;
}

/* Stores a value given as text (vpnc or keyfile spelling) into a field.
 * value NULL: a vpnc boolean keyword without a value. */
static gboolean field_parse(const ProfileField *f, OspProfile *p, const char *setting,
                            const char *value, GError **error)
{
  void *ptr = FIELD_PTR(p, f);
  g_autofree char *list = NULL;
  guint64 u;
  bool b;
  int v;

  if (value && !check_text(setting, value, error))
    return FALSE;

  switch (f->type) {
  case T_STRING:
  case T_GATEWAY:
  case T_IFNAME:
    set_string((char **)ptr, value, false);
    break;
  case T_SECRET:
    set_string((char **)ptr, value, true);
    break;
  case T_NETWORKS: {
    char *canon = NULL;

    if (value && !canonical_networks(setting, value, &canon, error))
      return FALSE;
    g_free(*(char **)ptr);
    *(char **)ptr = canon;
    break;
  }
  case T_BOOL:
    if (!parse_bool(setting, value, &b, error))
      return FALSE;
    *(bool *)ptr = b;
    return TRUE;
  case T_UINT:
    if (!value || !parse_uint(setting, value, G_MAXUINT, &u, error))
      goto missing;
    *(unsigned *)ptr = (unsigned)u;
    break;
  case T_PORT:
    if (!value || !parse_uint(setting, value, 65535, &u, error))
      goto missing;
    *(uint16_t *)ptr = (uint16_t)u;
    break;
  case T_VENDOR:
    if (!value)
      goto missing;
    if (!value_of(vendor_names, value, &v)) {
      list = names_list(vendor_names);
      goto bad_name;
    }
    *(OspVendor *)ptr = (OspVendor)v;
    break;
  case T_NATT:
    if (!value)
      goto missing;
    if (g_ascii_strcasecmp(value, "auto") == 0) { /* keyfile alias */
      v = OSP_NATT_AUTO;
    } else if (!value_of(natt_names, value, &v)) {
      list = names_list(natt_names);
      goto bad_name;
    }
    *(OspNattMode *)ptr = (OspNattMode)v;
    break;
  case T_ID_TYPE:
    if (!value)
      goto missing;
    if (!value_of(id_type_names, value, &v)) {
      list = names_list(id_type_names);
      goto bad_name;
    }
    *(int *)ptr = v;
    break;
  case T_DH:
  case T_PFS:
    if (!value || !parse_dh(setting, value, f->type == T_PFS, &v, error))
      goto missing;
    *(int *)ptr = v;
    break;
  }
  return field_check(f, p, setting, error);

missing:
  if (error && !*error)
    g_set_error(error, OSP_ERROR, OSP_ERROR_CONFIG, _("%s needs a value"), setting);
  return FALSE;
bad_name:
  g_set_error(error, OSP_ERROR, OSP_ERROR_CONFIG, _("%s: “%s” is not one of %s"), setting, value,
              list);
  return FALSE;
}

/* A field's value as text, NULL when unset (strings) or invalid. */
static char *field_to_text(const ProfileField *f, const OspProfile *p)
{
  const void *ptr = FIELD_CPTR(p, f);

  switch (f->type) {
  case T_STRING:
  case T_SECRET:
  case T_GATEWAY:
  case T_IFNAME:
  case T_NETWORKS:
    return g_strdup(*(char *const *)ptr);
  case T_BOOL:
    return g_strdup(*(const bool *)ptr ? "true" : "false");
  case T_UINT:
    return g_strdup_printf("%u", *(const unsigned *)ptr);
  case T_PORT:
    return g_strdup_printf("%u", (unsigned)*(const uint16_t *)ptr);
  case T_VENDOR:
    return g_strdup(name_of(vendor_names, (int)*(const OspVendor *)ptr));
  case T_NATT:
    return g_strdup(name_of(natt_names, (int)*(const OspNattMode *)ptr));
  case T_ID_TYPE:
    return g_strdup(name_of(id_type_names, *(const int *)ptr));
  case T_DH:
    return format_dh(*(const int *)ptr, false);
  case T_PFS:
    return format_dh(*(const int *)ptr, true);
  }
  return NULL;
}

static const ProfileField *field_by_key(const char *key)
{
  size_t i;

  for (i = 0; i < N_FIELDS; i++)
    if (strcmp(FIELD_KEY(&fields[i]), key) == 0)
      return &fields[i];
  return NULL;
}

/* ------------------------------------------------------------------ */
/* Life cycle */

OspProfile *osp_profile_new(void)
{
  OspProfile *p = g_new0(OspProfile, 1);

  p->id_type = OSP_ID_KEY_ID;
  p->vendor = OSP_VENDOR_CISCO;
  p->app_version = g_strdup("Osprey " OSP_VERSION);
  p->dh_group = OSP_DH_AUTO;
  p->pfs_group = OSP_PFS_SERVER;
  p->natt_mode = OSP_NATT_AUTO;
  p->local_port = 500;
  p->cisco_udp_port = 10000;
  p->dpd_idle = 300;
  p->dpd_timeout = 30;
  p->ike_lifetime = 28800;
  p->ipsec_lifetime = 3600;
  p->keep_credentials = true;
  return p;
}

static void profile_clear(OspProfile *p)
{
  size_t i;

  for (i = 0; i < N_FIELDS; i++) {
    char **s;

    if (!field_is_string(&fields[i]))
      continue;
    s = FIELD_PTR(p, &fields[i]);
    if (fields[i].type == T_SECRET)
      wipe_free(*s);
    else
      g_free(*s);
    *s = NULL;
  }
}

void osp_profile_free(OspProfile *p)
{
  if (!p)
    return;
  profile_clear(p);
  OPENSSL_cleanse(p, sizeof(*p));
  g_free(p);
}

OspProfile *osp_profile_copy(const OspProfile *p)
{
  OspProfile *c;
  size_t i;

  if (!p)
    return NULL;
  c = g_new(OspProfile, 1);
  *c = *p;
  for (i = 0; i < N_FIELDS; i++)
    if (field_is_string(&fields[i])) {
      char **s = FIELD_PTR(c, &fields[i]);

      *s = g_strdup(*s);
    }
  return c;
}

gboolean osp_profile_validate(const OspProfile *p, GError **error)
{
  size_t i;
  uint32_t addr;

  g_return_val_if_fail(p, FALSE);

  if (!p->gateway || !*p->gateway) {
    g_set_error(error, OSP_ERROR, OSP_ERROR_CONFIG, _("IPSec gateway is missing"));
    return FALSE;
  }
  if (!p->group_id || !*p->group_id) {
    g_set_error(error, OSP_ERROR, OSP_ERROR_CONFIG, _("IPSec ID is missing"));
    return FALSE;
  }
  for (i = 0; i < N_FIELDS; i++)
    if (!field_check(&fields[i], p, FIELD_KEYWORD(&fields[i]), error))
      return FALSE;
  if (p->id_type == OSP_ID_IPV4_ADDR && !parse_ipv4(p->group_id, &addr)) {
    g_set_error(error, OSP_ERROR, OSP_ERROR_CONFIG,
                _("IPSec ID: “%s” is not an IPv4 address, as ID type ipv4 requires"),
                p->group_id);
    return FALSE;
  }
  return TRUE;
}

/* ------------------------------------------------------------------ */
/* Cisco's obfuscation (PROTOCOL.md ".pcf"; vpnc decrypt-utils.c) */

static int hex_decode(const char *hex, uint8_t **ret, size_t *ret_len)
{
  size_t n = strlen(hex), i;
  uint8_t *bin;

  if (n % 2)
    return -EBADMSG;
  bin = g_malloc(n / 2 + 1);
  for (i = 0; i < n / 2; i++) {
    int hi = g_ascii_xdigit_value(hex[2 * i]), lo = g_ascii_xdigit_value(hex[2 * i + 1]);

    if (hi < 0 || lo < 0) {
      OPENSSL_cleanse(bin, n / 2 + 1);
      g_free(bin);
      return -EBADMSG;
    }
    bin[i] = (uint8_t)(hi << 4 | lo);
  }
  *ret = bin;
  *ret_len = n / 2;
  return 0;
}

static bool sha1(const uint8_t *data, size_t len, uint8_t out[20])
{
  unsigned int n = 0;

  return EVP_Digest(data, len, out, &n, EVP_sha1(), NULL) == 1 && n == 20;
}

int osp_cisco_decrypt(const char *hex, char **ret_plain)
{
  uint8_t *bin = NULL, *plain = NULL;
  size_t len = 0, ct_len = 0;
  uint8_t ht[20], h2[20], h3[20], key[24], digest[20];
  EVP_CIPHER_CTX *ctx = NULL;
  int outl = 0, finl = 0, r;
  unsigned pad;

  g_return_val_if_fail(ret_plain, -EINVAL);
  if (!hex)
    return -EBADMSG;

  r = hex_decode(hex, &bin, &len);
  if (r < 0)
    return r;
  /* h1 (20) | h4 = SHA1(ciphertext) (20) | ciphertext (whole DES blocks) */
  r = -EBADMSG;
  if (len < 48 || (len - 40) % 8 != 0)
    goto out;
  ct_len = len - 40;

  r = -EIO;
  if (!sha1(bin + 40, ct_len, digest))
    goto out;
  r = -EBADMSG;
  if (CRYPTO_memcmp(digest, bin + 20, 20) != 0)
    goto out;

  /* key = SHA1(h1 with byte 19 + 1) | SHA1(h1 with byte 19 + 3)[0..3];
   * the byte wraps modulo 256 without carry; IV = h1[0..7] */
  r = -EIO;
  memcpy(ht, bin, 20);
  ht[19] = (uint8_t)(ht[19] + 1);
  if (!sha1(ht, 20, h2))
    goto out;
  ht[19] = (uint8_t)(ht[19] + 2);
  if (!sha1(ht, 20, h3))
    goto out;
  memcpy(key, h2, 20);
  memcpy(key + 20, h3, 4);

  ctx = EVP_CIPHER_CTX_new();
  plain = g_malloc0(ct_len + 8);
  if (!ctx || EVP_DecryptInit_ex2(ctx, EVP_des_ede3_cbc(), key, bin, NULL) != 1 ||
      EVP_CIPHER_CTX_set_padding(ctx, 0) != 1 ||
      EVP_DecryptUpdate(ctx, plain, &outl, bin + 40, (int)ct_len) != 1 ||
      EVP_DecryptFinal_ex(ctx, plain + outl, &finl) != 1 || (size_t)(outl + finl) != ct_len)
    goto out;

  /* vpnc reads only the last byte of the padding; a block is 8 bytes */
  r = -EBADMSG;
  pad = plain[ct_len - 1];
  if (pad < 1 || pad > 8)
    goto out;
  plain[ct_len - pad] = '\0';
  *ret_plain = g_strdup((const char *)plain); /* vpnc's string ends at a NUL as well */
  r = 0;

out:
  EVP_CIPHER_CTX_free(ctx);
  OPENSSL_cleanse(ht, sizeof(ht));
  OPENSSL_cleanse(h2, sizeof(h2));
  OPENSSL_cleanse(h3, sizeof(h3));
  OPENSSL_cleanse(key, sizeof(key));
  if (plain) {
    OPENSSL_cleanse(plain, ct_len + 8);
    g_free(plain);
  }
  if (bin) {
    OPENSSL_cleanse(bin, len);
    g_free(bin);
  }
  return r;
}

/* Decodes an obfuscated password from a profile; the result is UTF-8
 * (read as Windows-1252 when it is not, like the .pcf file itself). */
static gboolean deobfuscate(const char *setting, const char *hex, char **ret,
                            GPtrArray *warnings, GError **error)
{
  char *plain = NULL;
  int r = osp_cisco_decrypt(hex, &plain);

  if (r == -EBADMSG) {
    g_set_error(error, OSP_ERROR, OSP_ERROR_CONFIG,
                _("%s is not a valid obfuscated password"), setting);
    return FALSE;
  }
  if (r < 0) {
    g_set_error(error, OSP_ERROR, OSP_ERROR_FAILED, _("%s: cannot decode: %s"), setting,
                g_strerror(-r));
    return FALSE;
  }
  if (!g_utf8_validate(plain, -1, NULL)) {
    char *conv = cp1252_to_utf8(plain, strlen(plain));

    add_warning(warnings, _("%s: the decoded password is not UTF-8; it was read as Windows-1252"),
                setting);
    wipe_free(plain);
    plain = conv;
  }
  if (!check_text(setting, plain, error)) {
    wipe_free(plain);
    return FALSE;
  }
  *ret = plain;
  return TRUE;
}

/* ------------------------------------------------------------------ */
/* vpnc .conf */

typedef enum {
  X_SECRET_OBF,
  X_PASSWORD_OBF,
  X_NO_ENCRYPTION,
  X_IF_MODE,
  X_AUTH_MODE,
  X_LOCAL_ADDR,
  X_TARGET_NETWORK,
  X_IGNORE_BOOL,  /* vpnc booleans that do not apply */
  X_IGNORE_VALUE, /* vpnc settings that do not apply */
} VpncExtra;

static const struct {
  const char *keyword;
  VpncExtra what;
} vpnc_extras[] = {
  { "IPSec obfuscated secret", X_SECRET_OBF },
  { "Xauth obfuscated password", X_PASSWORD_OBF },
  { "Enable no encryption", X_NO_ENCRYPTION },
  { "Interface mode", X_IF_MODE },
  { "IKE Authmode", X_AUTH_MODE },
  { "Local Addr", X_LOCAL_ADDR },
  { "IPSEC target network", X_TARGET_NETWORK },
  { "Xauth interactive", X_IGNORE_BOOL },
  { "No Detach", X_IGNORE_BOOL },
  { "Noninteractive", X_IGNORE_BOOL },
  { "Debug", X_IGNORE_VALUE },
  { "Pidfile", X_IGNORE_VALUE },
  { "CA-File", X_IGNORE_VALUE },
  { "CA-Dir", X_IGNORE_VALUE },
};

#define N_VPNC_KEYWORDS (N_FIELDS + G_N_ELEMENTS(vpnc_extras))

static const char *vpnc_keyword(size_t id)
{
  return id < N_FIELDS ? FIELD_KEYWORD(&fields[id]) : vpnc_extras[id - N_FIELDS].keyword;
}

static bool vpnc_takes_value(size_t id)
{
  if (id < N_FIELDS)
    return fields[id].type != T_BOOL;
  return vpnc_extras[id - N_FIELDS].what != X_IGNORE_BOOL &&
         vpnc_extras[id - N_FIELDS].what != X_NO_ENCRYPTION;
}

/* The longest keyword that starts the line and is followed by a blank or
 * the end; returns N_VPNC_KEYWORDS when none does. */
static size_t vpnc_match(const char *line, size_t *ret_kwlen)
{
  size_t best = N_VPNC_KEYWORDS, best_len = 0, id;

  for (id = 0; id < N_VPNC_KEYWORDS; id++) {
    const char *kw = vpnc_keyword(id);
    size_t n = strlen(kw);

    if (n > best_len && g_ascii_strncasecmp(line, kw, n) == 0 &&
        (line[n] == '\0' || line[n] == ' ' || line[n] == '\t')) {
      best = id;
      best_len = n;
    }
  }
  *ret_kwlen = best_len;
  return best;
}

typedef struct {
  GPtrArray *warnings;
  unsigned lineno;
  char *obf_secret;   /* decoded "IPSec obfuscated secret" */
  char *obf_password; /* decoded "Xauth obfuscated password" */
  unsigned lines;     /* lines neither blank nor comments */
  unsigned known;     /* of them, lines with a vpnc keyword */
} VpncParse;

static gboolean vpnc_apply_extra(OspProfile *p, VpncExtra what, const char *kw, const char *value,
                                 VpncParse *st, GError **error)
{
  char *canon = NULL;
  bool b;

  if (value && !check_text(kw, value, error))
    return FALSE;

  switch (what) {
  case X_SECRET_OBF:
    wipe_free(st->obf_secret);
    st->obf_secret = NULL;
    return deobfuscate(kw, value, &st->obf_secret, st->warnings, error);
  case X_PASSWORD_OBF:
    wipe_free(st->obf_password);
    st->obf_password = NULL;
    return deobfuscate(kw, value, &st->obf_password, st->warnings, error);
  case X_NO_ENCRYPTION:
    if (!parse_bool(kw, value, &b, error))
      return FALSE;
    if (b) {
      g_set_error(error, OSP_ERROR, OSP_ERROR_CONFIG,
                  _("%s is refused: Osprey never turns off the encryption of the tunnel"), kw);
      return FALSE;
    }
    return TRUE;
  case X_IF_MODE:
    if (g_ascii_strcasecmp(value, "tun") == 0)
      return TRUE;
    if (g_ascii_strcasecmp(value, "tap") == 0)
      g_set_error(error, OSP_ERROR, OSP_ERROR_CONFIG,
                  _("%s tap is not supported: Osprey uses a tun (IP) interface"), kw);
    else
      g_set_error(error, OSP_ERROR, OSP_ERROR_CONFIG, _("%s: “%s” is not one of tun, tap"), kw,
                  value);
    return FALSE;
  case X_AUTH_MODE:
    if (g_ascii_strcasecmp(value, "psk") == 0)
      return TRUE;
    if (g_ascii_strcasecmp(value, "cert") == 0 || g_ascii_strcasecmp(value, "hybrid") == 0)
      g_set_error(error, OSP_ERROR, OSP_ERROR_CONFIG,
                  _("%s %s is not supported: Osprey supports pre-shared key (psk) "
                    "authentication only, certificates are not supported yet"),
                  kw, value);
    else
      g_set_error(error, OSP_ERROR, OSP_ERROR_CONFIG, _("%s: “%s” is not one of psk, cert, hybrid"),
                  kw, value);
    return FALSE;
  case X_LOCAL_ADDR:
    if (strcmp(value, "0.0.0.0") != 0)
      add_warning(st->warnings, _("line %u: %s is not supported and was ignored"), st->lineno, kw);
    return TRUE;
  case X_TARGET_NETWORK:
    if (!canonical_networks(kw, value, &canon, error))
      return FALSE;
    /* vpnc's default, 0.0.0.0/0, leaves the gateway's split list in charge */
    if (canon && strcmp(canon, "0.0.0.0/0") != 0) {
      g_free(p->target_networks);
      p->target_networks = canon;
    } else {
      g_free(canon);
    }
    return TRUE;
  case X_IGNORE_BOOL:
  case X_IGNORE_VALUE:
    return TRUE;
  }
  return TRUE;
}

static gboolean vpnc_line(OspProfile *p, char *line, bool *seen, VpncParse *st, GError **error)
{
  size_t kwlen, id;
  const char *kw;
  char *value;
  size_t n;

  line = strip_blanks(line);
  if (*line == '\0' || *line == '#')
    return TRUE;
  st->lines++;

  id = vpnc_match(line, &kwlen);
  if (id == N_VPNC_KEYWORDS) {
    /* only the first word: the rest of a misspelt line may be a secret */
    size_t w = MIN(strcspn(line, " \t"), 40);
    g_autofree char *word = g_strndup(line, w);
    g_autofree char *shown = g_strescape(word, NULL);

    add_warning(st->warnings, _("line %u: unknown keyword starting with “%s”; ignored"),
                st->lineno, shown);
    return TRUE;
  }
  kw = vpnc_keyword(id);
  st->known++;

  value = strip_blanks(line + kwlen);
  n = strlen(value);
  if (n >= 2 && value[0] == '"' && value[n - 1] == '"') {
    value[n - 1] = '\0';
    value++;
  }

  if (vpnc_takes_value(id) && !*value) {
    add_warning(st->warnings, _("line %u: %s has no value; ignored"), st->lineno, kw);
    return TRUE;
  }
  if (seen[id]) {
    add_warning(st->warnings, _("line %u: %s is set a second time; the first one counts, as in vpnc"),
                st->lineno, kw);
    return TRUE;
  }
  seen[id] = true;

  if (id < N_FIELDS) {
    if (!field_parse(&fields[id], p, kw, *value ? value : NULL, error))
      goto fail;
    return TRUE;
  }
  if (!vpnc_apply_extra(p, vpnc_extras[id - N_FIELDS].what, kw, *value ? value : NULL, st, error))
    goto fail;
  return TRUE;

fail:
  g_prefix_error(error, _("line %u: "), st->lineno);
  return FALSE;
}

static size_t field_index(size_t offset)
{
  size_t i;

  for (i = 0; i < N_FIELDS; i++)
    if (fields[i].offset == offset)
      return i;
  g_assert_not_reached();
  return 0;
}

/* @ret_foreign: set when the text has lines and none is vpnc's */
static gboolean merge_vpnc(OspProfile *p, const char *text, gsize len, GPtrArray *ret_warnings,
                           gboolean *ret_foreign, GError **error)
{
  VpncParse st = { .warnings = ret_warnings };
  bool seen[N_VPNC_KEYWORDS] = { false };
  OspProfile *w = NULL, tmp;
  char *buf, *line, *next;
  gboolean ok = FALSE;
  size_t buf_len;

  g_return_val_if_fail(p, FALSE);
  g_return_val_if_fail(text || !len, FALSE);

  buf = text_to_utf8(text ? text : "", len, ret_warnings, error);
  if (!buf)
    return FALSE;
  buf_len = strlen(buf); /* before lines are cut with NULs */

  /* work on a copy: on failure the caller's profile is left as it was */
  w = osp_profile_copy(p);
  for (line = buf; line; line = next) {
    char *end = line + strcspn(line, "\r\n");

    next = NULL;
    if (*end) {
      next = end + 1;
      if (*end == '\r' && *next == '\n')
        next++;
      *end = '\0';
    }
    st.lineno++;
    if (!vpnc_line(w, line, seen, &st, error))
      goto out;
  }

  /* the clear form wins over the obfuscated one, as in vpnc */
  if (st.obf_secret) {
    if (seen[field_index(offsetof(OspProfile, group_secret))])
      add_warning(ret_warnings, _("IPSec obfuscated secret ignored: IPSec secret is set"));
    else
      set_string(&w->group_secret, st.obf_secret, true);
  }
  if (st.obf_password) {
    if (seen[field_index(offsetof(OspProfile, password))])
      add_warning(ret_warnings, _("Xauth obfuscated password ignored: Xauth password is set"));
    else
      set_string(&w->password, st.obf_password, true);
  }

  tmp = *p;
  *p = *w;
  *w = tmp;
  ok = TRUE;
  if (ret_foreign)
    *ret_foreign = st.lines > 0 && st.known == 0;

out:
  osp_profile_free(w);
  wipe_free(st.obf_secret);
  wipe_free(st.obf_password);
  wipe_buffer(buf, buf_len);
  return ok;
}

gboolean osp_profile_merge_vpnc(OspProfile *p, const char *text, gsize len,
                                GPtrArray *ret_warnings, GError **error)
{
  return merge_vpnc(p, text, len, ret_warnings, NULL, error);
}

OspProfile *osp_profile_parse_vpnc(const char *text, gsize len, GPtrArray *ret_warnings,
                                   GError **error)
{
  g_autoptr(OspProfile) p = osp_profile_new();

  if (!osp_profile_merge_vpnc(p, text, len, ret_warnings, error))
    return NULL;
  return g_steal_pointer(&p);
}

typedef OspProfile *(*ParseFn)(const char *text, gsize len, GPtrArray *ret_warnings,
                               GError **error);

/* Reads path, parses it with parse, wipes the buffer (it may hold secrets)
 * and names the file in the error. */
static OspProfile *load_with(const char *path, ParseFn parse, GPtrArray *ret_warnings,
                             GError **error)
{
  gsize len = 0;
  char *contents = read_profile_file(path, &len, error);
  OspProfile *p;

  if (!contents)
    return NULL;
  p = parse(contents, len, ret_warnings, error);
  wipe_buffer(contents, len);
  if (!p)
    g_prefix_error(error, "%s: ", path);
  return p;
}

OspProfile *osp_profile_load_vpnc(const char *path, GPtrArray *ret_warnings, GError **error)
{
  return load_with(path, osp_profile_parse_vpnc, ret_warnings, error);
}

/* vpnc --print-config quotes values with edge blanks or edge quotes */
static void vpnc_append(GString *s, const char *kw, const char *v)
{
  size_t n = v ? strlen(v) : 0;

  if (!v)
    g_string_append_printf(s, "%s\n", kw);
  else if (v[0] == ' ' || v[0] == '\t' || v[n - 1] == ' ' || v[n - 1] == '\t' ||
           (v[0] == '"' && v[n - 1] == '"'))
    g_string_append_printf(s, "%s \"%s\"\n", kw, v);
  else
    g_string_append_printf(s, "%s %s\n", kw, v);
}

char *osp_profile_to_vpnc(const OspProfile *p, bool with_secrets)
{
  g_autoptr(OspProfile) defaults = osp_profile_new();
  size_t i, size = 4096;
  GString *s;

  g_return_val_if_fail(p, NULL);

  /* sized up front from the values: the text may hold secrets and must not
   * leave reallocated copies behind */
  for (i = 0; i < N_FIELDS; i++)
    if (field_is_string(&fields[i]) && *(char *const *)FIELD_CPTR(p, &fields[i]))
      size += strlen(*(char *const *)FIELD_CPTR(p, &fields[i])) + 64;
  s = g_string_sized_new(size);

  g_string_append(s, "# vpnc configuration written by Osprey " OSP_VERSION "\n");
  for (i = 0; i < N_FIELDS; i++) {
    const ProfileField *f = &fields[i];
    g_autofree char *v = NULL;
    g_autofree char *d = NULL;

    if (f->type == T_SECRET && !with_secrets)
      continue;
    /* never write what could not be read back, nor a line break (CVE-2018-10900) */
    if (!field_check(f, p, FIELD_KEYWORD(f), NULL)) {
      g_string_append_printf(s, "# %s omitted: invalid value\n", FIELD_KEYWORD(f));
      continue;
    }
    v = field_to_text(f, p);
    d = field_to_text(f, defaults);
    if (!v || g_strcmp0(v, d) == 0)
      continue;
    if (f->type == T_BOOL)
      /* vpnc switches a boolean on whatever follows it: write "on" bare */
      vpnc_append(s, FIELD_KEYWORD(f), *(const bool *)FIELD_CPTR(p, f) ? NULL : "no");
    else
      vpnc_append(s, FIELD_KEYWORD(f), v);
    if (f->type == T_SECRET)
      OPENSSL_cleanse(v, strlen(v));
  }
  return g_string_free(s, FALSE);
}

/* ------------------------------------------------------------------ */
/* Cisco .pcf */

enum {
  PCF_HOST,
  PCF_AUTH_TYPE,
  PCF_GROUP_NAME,
  PCF_GROUP_PWD,
  PCF_ENC_GROUP_PWD,
  PCF_USERNAME,
  PCF_USER_PASSWORD,
  PCF_ENC_USER_PASSWORD,
  PCF_NT_DOMAIN,
  PCF_DESCRIPTION,
  PCF_DH_GROUP,
  PCF_ENABLE_NAT,
  PCF_TUNNELING_MODE,
  PCF_PEER_TIMEOUT,
  PCF_ENABLE_LOCAL_LAN,
  PCF_ENABLE_BACKUP,
  PCF_N_KEYS
};

static const char *const pcf_keys[PCF_N_KEYS] = {
  [PCF_HOST] = "Host",
  [PCF_AUTH_TYPE] = "AuthType",
  [PCF_GROUP_NAME] = "GroupName",
  [PCF_GROUP_PWD] = "GroupPwd",
  [PCF_ENC_GROUP_PWD] = "enc_GroupPwd",
  [PCF_USERNAME] = "Username",
  [PCF_USER_PASSWORD] = "UserPassword",
  [PCF_ENC_USER_PASSWORD] = "enc_UserPassword",
  [PCF_NT_DOMAIN] = "NTDomain",
  [PCF_DESCRIPTION] = "Description",
  [PCF_DH_GROUP] = "DHGroup",
  [PCF_ENABLE_NAT] = "EnableNat",
  [PCF_TUNNELING_MODE] = "TunnelingMode",
  [PCF_PEER_TIMEOUT] = "PeerTimeout",
  [PCF_ENABLE_LOCAL_LAN] = "EnableLocalLAN",
  [PCF_ENABLE_BACKUP] = "EnableBackup",
};

/* Sets a string field from a .pcf value, naming the .pcf key in errors. */
static gboolean pcf_set(OspProfile *p, size_t offset, const char *key, const char *v,
                        GError **error)
{
  return field_parse(&fields[field_index(offset)], p, key, v, error);
}

static gboolean pcf_secret(OspProfile *p, size_t offset, const char *const *vals, int clear_key,
                           int enc_key, GPtrArray *warnings, GError **error)
{
  char *plain = NULL;
  gboolean ok;

  if (vals[clear_key])
    return pcf_set(p, offset, pcf_keys[clear_key], vals[clear_key], error);
  if (!vals[enc_key])
    return TRUE;
  if (!deobfuscate(pcf_keys[enc_key], vals[enc_key], &plain, warnings, error))
    return FALSE;
  ok = pcf_set(p, offset, pcf_keys[enc_key], plain, error);
  wipe_free(plain);
  return ok;
}

static gboolean pcf_flag(const char *key, const char *v, bool *ret, GError **error)
{
  if (strcmp(v, "0") == 0 || strcmp(v, "1") == 0) {
    *ret = v[0] == '1';
    return TRUE;
  }
  g_set_error(error, OSP_ERROR, OSP_ERROR_CONFIG, _("%s: “%s” is not 0 or 1"), key, v);
  return FALSE;
}

static gboolean pcf_apply(OspProfile *p, const char *const *vals, GPtrArray *warnings,
                          GError **error)
{
  const char *v;
  guint64 u;
  bool b;

  v = vals[PCF_AUTH_TYPE];
  if (v && strcmp(v, "1") != 0) {
    if (strcmp(v, "3") == 0)
      g_set_error(error, OSP_ERROR, OSP_ERROR_CONFIG,
                  _("AuthType 3 (certificate authentication) is not supported yet"));
    else if (strcmp(v, "5") == 0)
      g_set_error(error, OSP_ERROR, OSP_ERROR_CONFIG,
                  _("AuthType 5 (mutual group authentication) is not supported yet"));
    else
      g_set_error(error, OSP_ERROR, OSP_ERROR_CONFIG,
                  _("AuthType “%s” is not supported; only 1 (group password) is"), v);
    return FALSE;
  }
  v = vals[PCF_TUNNELING_MODE];
  if (v) {
    if (!pcf_flag(pcf_keys[PCF_TUNNELING_MODE], v, &b, error))
      return FALSE;
    if (b) {
      g_set_error(error, OSP_ERROR, OSP_ERROR_CONFIG,
                  _("TunnelingMode 1 (IPsec over TCP) is not supported"));
      return FALSE;
    }
  }

  if (!pcf_set(p, offsetof(OspProfile, gateway), "Host", vals[PCF_HOST], error) ||
      !pcf_set(p, offsetof(OspProfile, group_id), "GroupName", vals[PCF_GROUP_NAME], error) ||
      !pcf_secret(p, offsetof(OspProfile, group_secret), vals, PCF_GROUP_PWD, PCF_ENC_GROUP_PWD,
                  warnings, error) ||
      !pcf_set(p, offsetof(OspProfile, username), "Username", vals[PCF_USERNAME], error) ||
      !pcf_secret(p, offsetof(OspProfile, password), vals, PCF_USER_PASSWORD,
                  PCF_ENC_USER_PASSWORD, warnings, error) ||
      !pcf_set(p, offsetof(OspProfile, domain), "NTDomain", vals[PCF_NT_DOMAIN], error) ||
      !pcf_set(p, offsetof(OspProfile, description), "Description", vals[PCF_DESCRIPTION],
               error))
    return FALSE;

  v = vals[PCF_DH_GROUP];
  if (v) {
    if (!g_ascii_string_to_unsigned(v, 10, 1, 21, &u, NULL) || !dh_group_ok((int)u)) {
      g_set_error(error, OSP_ERROR, OSP_ERROR_CONFIG,
                  _("DHGroup: “%s” is not one of 1, 2, 5, 14 … 21"), v);
      return FALSE;
    }
    p->dh_group = (int)u;
  }
  v = vals[PCF_ENABLE_NAT];
  if (v) {
    if (!pcf_flag(pcf_keys[PCF_ENABLE_NAT], v, &b, error))
      return FALSE;
    p->natt_mode = b ? OSP_NATT_AUTO : OSP_NATT_NONE;
  }
  v = vals[PCF_PEER_TIMEOUT];
  if (v && strcmp(v, "0") != 0) {
    if (!parse_uint("PeerTimeout", v, G_MAXUINT, &u, error))
      return FALSE;
    p->dpd_timeout = (unsigned)u;
    if (!field_check(&fields[field_index(offsetof(OspProfile, dpd_timeout))], p, "PeerTimeout",
                     error))
      return FALSE;
  }
  if (vals[PCF_ENABLE_LOCAL_LAN] && strcmp(vals[PCF_ENABLE_LOCAL_LAN], "0") != 0)
    add_warning(warnings, _("EnableLocalLAN is not supported and was ignored; the gateway's "
                            "split-tunnel settings apply"));
  if (vals[PCF_ENABLE_BACKUP] && strcmp(vals[PCF_ENABLE_BACKUP], "0") != 0)
    add_warning(warnings, _("EnableBackup: backup servers are not supported and were ignored"));
  return TRUE;
}

OspProfile *osp_profile_parse_pcf(const char *text, gsize len, GPtrArray *ret_warnings,
                                  GError **error)
{
  enum { BEFORE_SECTION, IN_MAIN, IN_OTHER } where = BEFORE_SECTION;
  const char *vals[PCF_N_KEYS] = { NULL };
  g_autoptr(OspProfile) p = NULL;
  bool warned_no_main = false;
  char *buf, *line, *next;
  size_t buf_len, i;
  gboolean ok = TRUE;

  g_return_val_if_fail(text || !len, NULL);

  buf = text_to_utf8(text ? text : "", len, ret_warnings, error);
  if (!buf)
    return NULL;
  buf_len = strlen(buf); /* before lines are cut with NULs */

  for (line = buf; line; line = next) {
    char *end = line + strcspn(line, "\r\n"), *eq, *key, *value;

    next = NULL;
    if (*end) {
      next = end + 1;
      *end = '\0';
    }
    line = strip_blanks(line);
    if (*line == '\0' || *line == ';' || *line == '#')
      continue;
    if (*line == '[') {
      char *close = strchr(line, ']');

      if (close)
        *close = '\0';
      where = g_ascii_strcasecmp(line + 1, "main") == 0 ? IN_MAIN : IN_OTHER;
      continue;
    }
    eq = strchr(line, '=');
    if (!eq || where == IN_OTHER)
      continue;
    if (where == BEFORE_SECTION && !warned_no_main) {
      add_warning(ret_warnings, _("No [main] section header; the settings were read anyway"));
      warned_no_main = true;
    }
    *eq = '\0';
    key = strip_blanks(line);
    if (*key == '!') /* the Cisco client's mark for a setting users cannot change */
      key = strip_blanks(key + 1);
    value = strip_blanks(eq + 1);
    for (i = 0; i < PCF_N_KEYS; i++)
      /* Windows' GetPrivateProfileString: keys ignore case, the first one counts */
      if (g_ascii_strcasecmp(key, pcf_keys[i]) == 0 && !vals[i] && *value)
        vals[i] = value;
  }

  /* no control character in any value used, nor in an error message */
  for (i = 0; i < PCF_N_KEYS && ok; i++)
    ok = check_text(pcf_keys[i], vals[i], error);
  if (ok) {
    p = osp_profile_new();
    ok = pcf_apply(p, vals, ret_warnings, error);
  }
  wipe_buffer(buf, buf_len);
  if (!ok)
    return NULL;
  return g_steal_pointer(&p);
}

OspProfile *osp_profile_load_pcf(const char *path, GPtrArray *ret_warnings, GError **error)
{
  return load_with(path, osp_profile_parse_pcf, ret_warnings, error);
}

/* ------------------------------------------------------------------ */
/* Osprey keyfile */

OspProfile *osp_profile_from_keyfile(GKeyFile *kf, GError **error)
{
  g_autoptr(OspProfile) p = NULL;
  g_auto(GStrv) keys = NULL;
  size_t i;

  g_return_val_if_fail(kf, NULL);

  if (!g_key_file_has_group(kf, KEYFILE_GROUP)) {
    g_set_error(error, OSP_ERROR, OSP_ERROR_CONFIG, _("The profile has no [%s] group"),
                KEYFILE_GROUP);
    return NULL;
  }
  keys = g_key_file_get_keys(kf, KEYFILE_GROUP, NULL, NULL);
  p = osp_profile_new();
  for (i = 0; keys && keys[i]; i++) {
    const ProfileField *f = field_by_key(keys[i]);
    g_autoptr(GError) e = NULL;
    char *v;
    gboolean ok;

    if (!f) {
      /* written by a newer Osprey, probably: forward compatible */
      g_debug("profile: unknown key %s ignored", keys[i]);
      continue;
    }
    v = g_key_file_get_string(kf, KEYFILE_GROUP, keys[i], &e);
    if (!v) {
      g_set_error(error, OSP_ERROR, OSP_ERROR_CONFIG, "%s: %s", keys[i], e->message);
      return NULL;
    }
    if (!*v && !field_is_string(f)) {
      /* an empty boolean would read as "on" in vpnc's way: refuse instead */
      g_set_error(error, OSP_ERROR, OSP_ERROR_CONFIG, _("%s needs a value"), keys[i]);
      ok = FALSE;
    } else {
      ok = field_parse(f, p, keys[i], v, error);
    }
    wipe_free(v);
    if (!ok)
      return NULL;
  }
  return g_steal_pointer(&p);
}

GKeyFile *osp_profile_to_keyfile(const OspProfile *p, bool with_secrets)
{
  g_autoptr(OspProfile) defaults = osp_profile_new();
  GKeyFile *kf;
  size_t i;

  g_return_val_if_fail(p, NULL);

  kf = g_key_file_new();
  for (i = 0; i < N_FIELDS; i++) {
    const ProfileField *f = &fields[i];
    g_autofree char *v = NULL;
    g_autofree char *d = NULL;

    if (f->type == T_SECRET && !with_secrets)
      continue;
    v = field_to_text(f, p);
    d = field_to_text(f, defaults);
    /* defaults are left out so that a better default reaches old profiles */
    if (!v || g_strcmp0(v, d) == 0)
      continue;
    if (f->type == T_BOOL)
      g_key_file_set_boolean(kf, KEYFILE_GROUP, FIELD_KEY(f), *(const bool *)FIELD_CPTR(p, f));
    else
      g_key_file_set_string(kf, KEYFILE_GROUP, FIELD_KEY(f), v);
    if (f->type == T_SECRET)
      OPENSSL_cleanse(v, strlen(v));
  }
  /* GKeyFile has no way to add an empty group, and a profile without its
   * group would not read back: an empty gateway reads as NULL */
  if (!g_key_file_has_group(kf, KEYFILE_GROUP))
    g_key_file_set_string(kf, KEYFILE_GROUP, "gateway", "");
  g_key_file_set_comment(kf, NULL, NULL, " Osprey VPN profile, see osprey.conf(5)", NULL);
  return kf;
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

  if (!merge_vpnc(p, text, len, ret_warnings, &foreign, error))
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
  if (p && (!p->group_id || !*p->group_id)) {
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
  case FMT_PCF:
    return parse_any_pcf(text, len, ret_warnings, error);
  case FMT_VPNC:
    return parse_any_vpnc(text, len, ret_warnings, error);
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
  wipe_buffer(contents, len);
  if (!p)
    g_prefix_error(error, "%s: ", path);
  return p;
}
