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
 *   "Local LAN access [yes/no]"    the connected LAN stays outside (no)
 *   "IPv6 inside [auto/yes/no]"    IPv6 through the tunnel when granted (auto)
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
 * "Interface mode tap"; in .pcf AuthType other than 1, 3 and 5 and
 * TunnelingMode 1 (IPsec over TCP).  "IKE Authmode hybrid" (.pcf AuthType
 * 5) verifies the gateway's certificate against "CA-File" / "CA-Dir";
 * "IKE Authmode cert" (AuthType 3) adds ours, "Client certificate" and
 * "Client key".  Accepted and ignored because they do not apply:
 * "Xauth interactive" (the agent is always interactive), "Noninteractive",
 * "No Detach", "Debug", "Pidfile"; "Local Addr" other than 0.0.0.0 gets a
 * warning.
 *
 * The parsers check each value; only osp_profile_validate() insists on the
 * required settings, because a .conf may be completed by a later one.
 */
#include "osp-profile-private.h"

#include "osp-config.h"
#include "osp-error.h"
#include "osp-isakmp.h"
#include "osp-netcfg.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <string.h>

#include <openssl/crypto.h>

#include <glib/gi18n-lib.h>

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

static const NameValue auth_names[] = {
  { "psk", OSP_AUTH_PSK },
  { "hybrid", OSP_AUTH_HYBRID },
  { "cert", OSP_AUTH_CERT },
  { NULL, 0 },
};

static const NameValue exch_names[] = {
  { "aggressive", OSP_EXCH_MODE_AGGRESSIVE },
  { "main", OSP_EXCH_MODE_MAIN },
  { NULL, 0 },
};

static const NameValue ipv6_names[] = {
  { "auto", OSP_IPV6_AUTO },
  { "yes", OSP_IPV6_YES },
  { "no", OSP_IPV6_NO },
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

const char *osp_profile_auth_mode_name(OspAuthMode mode)
{
  return name_of(auth_names, (int)mode);
}

const char *osp_profile_exch_mode_name(OspExchMode mode)
{
  return name_of(exch_names, (int)mode);
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
bool osp_profile_dh_group_ok(int g)
{
  return g == 1 || g == 2 || g == 5 || (g >= 14 && g <= 21);
}

#define DH_NAMES "dh1, dh2, dh5, dh14 … dh21"

/* ------------------------------------------------------------------ */
/* Small helpers */

void osp_profile_wipe_free(char *s)
{
  osp_str_wipe_free(s);
}

/* Empty strings are stored as NULL so that "" and "unset" compare equal. */
void osp_profile_set_string(char **field, const char *value, bool secret)
{
  char *old = *field;

  *field = value && *value ? g_strdup(value) : NULL;
  if (secret)
    osp_profile_wipe_free(old);
  else
    g_free(old);
}

void osp_profile_add_warning(GPtrArray *warnings, const char *fmt, ...)
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

char *osp_profile_strip_blanks(char *s)
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
gboolean osp_profile_check_text(const char *setting, const char *v, GError **error)
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

gboolean osp_profile_parse_bool(const char *setting, const char *v, bool *ret, GError **error)
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

gboolean osp_profile_parse_uint(const char *setting, const char *v, guint64 max, guint64 *ret,
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
      g_ascii_string_to_unsigned(v + 2, 10, 1, 21, &g, NULL) && osp_profile_dh_group_ok((int)g)) {
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
  return osp_profile_dh_group_ok(g) ? g_strdup_printf("dh%d", g) : NULL;
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
gboolean osp_profile_canonical_networks(const char *setting, const char *v, char **ret,
                                        GError **error)
{
  g_autoptr(GArray) nets = NULL;

  if (!osp_networks_parse(setting, v, &nets, error))
    return FALSE;
  *ret = osp_networks_format(nets);
  return TRUE;
}

/* A host name, an IPv4 address or an IPv6 one ("2001:db8::1", also in
 * brackets as in URLs: "[2001:db8::1]") */
static gboolean check_gateway(const char *setting, const char *v, GError **error)
{
  size_t n = strlen(v), i;
  OspAddr a;

  if (osp_addr_parse(v, 0, &a))
    return TRUE;
  for (i = 0; i < n; i++)
    if (!g_ascii_isalnum(v[i]) && v[i] != '-' && v[i] != '.' && v[i] != '_')
      break;
  if (n == 0 || n > 253 || i < n || v[0] == '.' || v[0] == '-') {
    g_set_error(error, OSP_ERROR, OSP_ERROR_CONFIG,
                _("%s: “%s” is not a host name, IPv4 or IPv6 address"), setting, v);
    return FALSE;
  }
  return TRUE;
}

gboolean osp_profile_canonical_servers(const char *setting, const char *v, char **ret,
                                       GError **error)
{
  g_auto(GStrv) parts = g_strsplit_set(v, ", \t", -1);
  g_autoptr(GPtrArray) out = g_ptr_array_new();

  for (char **e = parts; *e; e++) {
    if (!**e)
      continue;
    if (!check_gateway(setting, *e, error))
      return FALSE;
    if (out->len == OSP_PROFILE_MAX_SERVERS) {
      g_set_error(error, OSP_ERROR, OSP_ERROR_CONFIG, _("%s: more than %d servers"), setting,
                  OSP_PROFILE_MAX_SERVERS);
      return FALSE;
    }
    g_ptr_array_add(out, *e);
  }
  g_ptr_array_add(out, NULL);
  *ret = out->len > 1 ? g_strjoinv(" ", (char **)out->pdata) : NULL;
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
/* The settings, one row each: the setting (osp-settings.h), type, bounds */

#define F(id, type, member)                                           \
  {                                                                   \
    OSP_SETTING_##id, type, offsetof(OspProfile, member), 0, 0, false \
  }
#define FU(id, member, lo, hi, z)                                     \
  {                                                                   \
    OSP_SETTING_##id, T_UINT, offsetof(OspProfile, member), lo, hi, z \
  }

const ProfileField osp_profile_fields[OSP_SETTING_N] = {
  F(NAME, T_STRING, name),
  F(DESCRIPTION, T_STRING, description),
  F(GATEWAY, T_GATEWAY, gateway),
  F(GROUP_ID, T_STRING, group_id),
  F(GROUP_SECRET, T_SECRET, group_secret),
  F(USERNAME, T_STRING, username),
  F(PASSWORD, T_SECRET, password),
  F(KEY_PASSPHRASE, T_SECRET, client_key_passphrase),
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
  F(LOCAL_LAN, T_BOOL, local_lan),
  F(BACKUP_SERVERS, T_SERVERS, backup_servers),
  F(AUTH_MODE, T_AUTH, auth_mode),
  F(CA_FILE, T_STRING, ca_file),
  F(CA_DIR, T_STRING, ca_dir),
  F(CLIENT_CERT, T_STRING, client_cert),
  F(CLIENT_KEY, T_STRING, client_key),
  F(GATEWAY_ID, T_STRING, gateway_id),
  F(IPV6_INSIDE, T_IPV6, ipv6_inside),
  F(EXCHANGE_MODE, T_EXCH, exchange_mode),
  F(CA_SYSTEM, T_BOOL, ca_system),
  F(CRL_FILE, T_STRING, crl_file),
};

#undef F
#undef FU

/* every setting is one field, and no field is two */
G_STATIC_ASSERT(G_N_ELEMENTS(osp_profile_fields) == N_FIELDS);

bool osp_profile_field_is_string(const ProfileField *f)
{
  return f->type == T_STRING || f->type == T_SECRET || f->type == T_GATEWAY ||
         f->type == T_IFNAME || f->type == T_NETWORKS || f->type == T_SERVERS;
}

/* The canonical text of a list field (networks, servers). */
static gboolean canonical_list(const ProfileField *f, const char *setting, const char *v,
                               char **ret, GError **error)
{
  return f->type == T_SERVERS ? osp_profile_canonical_servers(setting, v, ret, error)
                              : osp_profile_canonical_networks(setting, v, ret, error);
}

/* Checks the value a field holds now; the error names it `setting`. */
gboolean osp_profile_field_check(const ProfileField *f, const OspProfile *p, const char *setting,
                                 GError **error)
{
  const void *ptr = FIELD_CPTR(p, f);
  g_autofree char *list = NULL;
  char *canon = NULL;
  int v = 0;

  switch (f->type) {
  case T_STRING:
  case T_SECRET: return osp_profile_check_text(setting, *(char *const *)ptr, error);
  case T_GATEWAY:
    return osp_profile_check_text(setting, *(char *const *)ptr, error) &&
           (!*(char *const *)ptr || check_gateway(setting, *(char *const *)ptr, error));
  case T_IFNAME:
    return osp_profile_check_text(setting, *(char *const *)ptr, error) &&
           (!*(char *const *)ptr || check_ifname(setting, *(char *const *)ptr, error));
  case T_NETWORKS:
  case T_SERVERS:
    if (!osp_profile_check_text(setting, *(char *const *)ptr, error))
      return FALSE;
    if (*(char *const *)ptr && !canonical_list(f, setting, *(char *const *)ptr, &canon, error))
      return FALSE;
    g_free(canon);
    return TRUE;
  case T_BOOL:
  case T_PORT: return TRUE;
  case T_UINT: {
    unsigned u = *(const unsigned *)ptr;

    if ((u == 0 && f->zero_ok) || (u >= f->min && u <= f->max))
      return TRUE;
    if (f->zero_ok)
      g_set_error(error, OSP_ERROR, OSP_ERROR_CONFIG, _("%s: %u is out of range (0 or %u-%u)"),
                  setting, u, f->min, f->max);
    else
      g_set_error(error, OSP_ERROR, OSP_ERROR_CONFIG, _("%s: %u is out of range (%u-%u)"), setting,
                  u, f->min, f->max);
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
  case T_AUTH:
    v = (int)*(const OspAuthMode *)ptr;
    if (name_of(auth_names, v))
      return TRUE;
    list = names_list(auth_names);
    break;
  case T_IPV6:
    v = (int)*(const OspIpv6Mode *)ptr;
    if (name_of(ipv6_names, v))
      return TRUE;
    list = names_list(ipv6_names);
    break;
  case T_EXCH:
    v = (int)*(const OspExchMode *)ptr;
    if (name_of(exch_names, v))
      return TRUE;
    list = names_list(exch_names);
    break;
  case T_DH:
    v = *(const int *)ptr;
    if (v == OSP_DH_AUTO || osp_profile_dh_group_ok(v))
      return TRUE;
    list = g_strdup("auto, " DH_NAMES);
    break;
  case T_PFS:
    v = *(const int *)ptr;
    if (v == OSP_PFS_SERVER || v == OSP_PFS_NONE || osp_profile_dh_group_ok(v))
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
gboolean osp_profile_field_parse(const ProfileField *f, OspProfile *p, const char *setting,
                                 const char *value, GError **error)
{
  void *ptr = FIELD_PTR(p, f);
  g_autofree char *list = NULL;
  guint64 u;
  bool b;
  int v;

  if (value && !osp_profile_check_text(setting, value, error))
    return FALSE;

  switch (f->type) {
  case T_STRING:
  case T_GATEWAY:
  case T_IFNAME: osp_profile_set_string((char **)ptr, value, false); break;
  case T_SECRET: osp_profile_set_string((char **)ptr, value, true); break;
  case T_NETWORKS:
  case T_SERVERS: {
    char *canon = NULL;

    if (value && !canonical_list(f, setting, value, &canon, error))
      return FALSE;
    g_free(*(char **)ptr);
    *(char **)ptr = canon;
    break;
  }
  case T_BOOL:
    if (!osp_profile_parse_bool(setting, value, &b, error))
      return FALSE;
    *(bool *)ptr = b;
    return TRUE;
  case T_UINT:
    if (!value)
      goto missing;
    /* a bounded number says its bounds, not those of an unsigned int */
    if (f->max && !g_ascii_string_to_unsigned(value, 10, 0, G_MAXUINT, &u, NULL)) {
      if (f->zero_ok)
        g_set_error(error, OSP_ERROR, OSP_ERROR_CONFIG, _("%s: “%s” is not a number (0 or %u-%u)"),
                    setting, value, f->min, f->max);
      else
        g_set_error(error, OSP_ERROR, OSP_ERROR_CONFIG, _("%s: “%s” is not a number (%u-%u)"),
                    setting, value, f->min, f->max);
      return FALSE;
    }
    if (!osp_profile_parse_uint(setting, value, G_MAXUINT, &u, error))
      goto missing;
    *(unsigned *)ptr = (unsigned)u;
    break;
  case T_PORT:
    if (!value || !osp_profile_parse_uint(setting, value, 65535, &u, error))
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
  case T_AUTH:
    if (!value)
      goto missing;
    if (!value_of(auth_names, value, &v)) {
      list = names_list(auth_names);
      goto bad_name;
    }
    *(OspAuthMode *)ptr = (OspAuthMode)v;
    break;
  case T_IPV6:
    if (!value)
      goto missing;
    if (!value_of(ipv6_names, value, &v)) {
      list = names_list(ipv6_names);
      goto bad_name;
    }
    *(OspIpv6Mode *)ptr = (OspIpv6Mode)v;
    break;
  case T_EXCH:
    if (!value)
      goto missing;
    if (!value_of(exch_names, value, &v)) {
      list = names_list(exch_names);
      goto bad_name;
    }
    *(OspExchMode *)ptr = (OspExchMode)v;
    break;
  case T_DH:
  case T_PFS:
    if (!value || !parse_dh(setting, value, f->type == T_PFS, &v, error))
      goto missing;
    *(int *)ptr = v;
    break;
  }
  return osp_profile_field_check(f, p, setting, error);

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
char *osp_profile_field_to_text(const ProfileField *f, const OspProfile *p)
{
  const void *ptr = FIELD_CPTR(p, f);

  switch (f->type) {
  case T_STRING:
  case T_SECRET:
  case T_GATEWAY:
  case T_IFNAME:
  case T_NETWORKS:
  case T_SERVERS: return g_strdup(*(char *const *)ptr);
  case T_BOOL: return g_strdup(*(const bool *)ptr ? "true" : "false");
  case T_UINT: return g_strdup_printf("%u", *(const unsigned *)ptr);
  case T_PORT: return g_strdup_printf("%u", (unsigned)*(const uint16_t *)ptr);
  case T_VENDOR: return g_strdup(name_of(vendor_names, (int)*(const OspVendor *)ptr));
  case T_NATT: return g_strdup(name_of(natt_names, (int)*(const OspNattMode *)ptr));
  case T_ID_TYPE: return g_strdup(name_of(id_type_names, *(const int *)ptr));
  case T_AUTH: return g_strdup(name_of(auth_names, (int)*(const OspAuthMode *)ptr));
  case T_IPV6: return g_strdup(name_of(ipv6_names, (int)*(const OspIpv6Mode *)ptr));
  case T_EXCH: return g_strdup(name_of(exch_names, (int)*(const OspExchMode *)ptr));
  case T_DH: return format_dh(*(const int *)ptr, false);
  case T_PFS: return format_dh(*(const int *)ptr, true);
  }
  return NULL;
}

char *osp_profile_field_to_write(const ProfileField *f, const OspProfile *p,
                                 const OspProfile *defaults, bool with_secrets)
{
  g_autofree char *v = NULL, *d = NULL;

  if (f->type == T_SECRET && !with_secrets)
    return NULL;
  v = osp_profile_field_to_text(f, p);
  d = osp_profile_field_to_text(f, defaults);
  if (!v || g_strcmp0(v, d) == 0) {
    if (v && f->type == T_SECRET)
      OPENSSL_cleanse(v, strlen(v));
    return NULL;
  }
  return g_steal_pointer(&v);
}

char **osp_profile_secret_field(const OspProfile *p, OspSecretKind kind)
{
  const OspSecretKindInfo *info = osp_secret_kind_info(kind);

  for (size_t i = 0; info && i < N_FIELDS; i++)
    if (osp_profile_fields[i].id == info->setting &&
        osp_profile_field_is_string(&osp_profile_fields[i]))
      return (char **)FIELD_CPTR(p, &osp_profile_fields[i]);
  return NULL;
}

const ProfileField *osp_profile_field_by_key(const char *key)
{
  size_t i;

  for (i = 0; i < N_FIELDS; i++)
    if (strcmp(FIELD_KEY(&osp_profile_fields[i]), key) == 0)
      return &osp_profile_fields[i];
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

    if (!osp_profile_field_is_string(&osp_profile_fields[i]))
      continue;
    s = FIELD_PTR(p, &osp_profile_fields[i]);
    if (osp_profile_fields[i].type == T_SECRET)
      osp_profile_wipe_free(*s);
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
    if (osp_profile_field_is_string(&osp_profile_fields[i])) {
      char **s = FIELD_PTR(c, &osp_profile_fields[i]);

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
  /* main mode with certificates identifies us by our certificate's DN */
  if (p->auth_mode != OSP_AUTH_CERT && (!p->group_id || !*p->group_id)) {
    g_set_error(error, OSP_ERROR, OSP_ERROR_CONFIG, _("IPSec ID is missing"));
    return FALSE;
  }
  for (i = 0; i < N_FIELDS; i++)
    if (!osp_profile_field_check(&osp_profile_fields[i], p, FIELD_KEYWORD(&osp_profile_fields[i]),
                                 error))
      return FALSE;
  if (p->id_type == OSP_ID_IPV4_ADDR && !parse_ipv4(p->group_id, &addr)) {
    g_set_error(error, OSP_ERROR, OSP_ERROR_CONFIG,
                _("IPSec ID: “%s” is not an IPv4 address, as ID type ipv4 requires"), p->group_id);
    return FALSE;
  }
  return TRUE;
}

size_t osp_profile_field_index(size_t offset)
{
  size_t i;

  for (i = 0; i < N_FIELDS; i++)
    if (osp_profile_fields[i].offset == offset)
      return i;
  g_assert_not_reached();
  return 0;
}
