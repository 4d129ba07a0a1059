/* SPDX-License-Identifier: GPL-2.0-or-later
 * Osprey — Cisco VPN Client .pcf profiles. */
#include "osp-profile-private.h"

#include "osp-error.h"

#include <string.h>

#include <glib/gi18n-lib.h>

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
  PCF_BACKUP_SERVER,
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
  [PCF_BACKUP_SERVER] = "BackupServer",
};

/* Sets a field from a .pcf value, naming the .pcf key in errors. */
static gboolean pcf_set_text(OspProfile *p, size_t offset, const char *key, const char *v,
                             GError **error)
{
  return osp_profile_field_parse(&osp_profile_fields[osp_profile_field_index(offset)], p, key, v,
                                 error);
}

/* ... the value of .pcf key `which`, if the file has it. */
static gboolean pcf_set(OspProfile *p, size_t offset, const char *const *vals, int which,
                        GError **error)
{
  return pcf_set_text(p, offset, pcf_keys[which], vals[which], error);
}

static gboolean pcf_secret(OspProfile *p, size_t offset, const char *const *vals, int clear_key,
                           int enc_key, GPtrArray *warnings, GError **error)
{
  char *plain = NULL;
  gboolean ok;

  if (vals[clear_key])
    return pcf_set(p, offset, vals, clear_key, error);
  if (!vals[enc_key])
    return TRUE;
  if (!osp_profile_deobfuscate(pcf_keys[enc_key], vals[enc_key], &plain, warnings, error))
    return FALSE;
  ok = pcf_set_text(p, offset, pcf_keys[enc_key], plain, error);
  osp_profile_wipe_free(plain);
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
  if (v && strcmp(v, "5") == 0) {
    /* mutual group authentication: the gateway's certificate, then XAUTH;
     * the Cisco client's certificate store does not come with the file */
    p->auth_mode = OSP_AUTH_HYBRID;
    osp_profile_add_warning(warnings,
                            _("AuthType 5 (mutual group authentication): set ca-file to the CA "
                              "that issued the gateway's certificate"));
  } else if (v && strcmp(v, "3") == 0) {
    /* certificates on both sides; the certificate is in the Cisco
     * client's store, named by the Cert* keys */
    p->auth_mode = OSP_AUTH_CERT;
    osp_profile_add_warning(warnings, _("AuthType 3 (certificate authentication): set client-cert, "
                                        "client-key and ca-file"));
  } else if (v && strcmp(v, "1") != 0) {
    g_set_error(error, OSP_ERROR, OSP_ERROR_CONFIG,
                _("AuthType “%s” is not supported; only 1 (group password), 3 (certificate) "
                  "and 5 (mutual group) are"),
                v);
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

  if (!pcf_set(p, offsetof(OspProfile, gateway), vals, PCF_HOST, error) ||
      !pcf_set(p, offsetof(OspProfile, group_id), vals, PCF_GROUP_NAME, error) ||
      !pcf_secret(p, offsetof(OspProfile, group_secret), vals, PCF_GROUP_PWD, PCF_ENC_GROUP_PWD,
                  warnings, error) ||
      !pcf_set(p, offsetof(OspProfile, username), vals, PCF_USERNAME, error) ||
      !pcf_secret(p, offsetof(OspProfile, password), vals, PCF_USER_PASSWORD, PCF_ENC_USER_PASSWORD,
                  warnings, error) ||
      !pcf_set(p, offsetof(OspProfile, domain), vals, PCF_NT_DOMAIN, error) ||
      !pcf_set(p, offsetof(OspProfile, description), vals, PCF_DESCRIPTION, error))
    return FALSE;

  v = vals[PCF_DH_GROUP];
  if (v) {
    if (!g_ascii_string_to_unsigned(v, 10, 1, 21, &u, NULL) || !osp_profile_dh_group_ok((int)u)) {
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
    if (!osp_profile_parse_uint(pcf_keys[PCF_PEER_TIMEOUT], v, G_MAXUINT, &u, error))
      return FALSE;
    p->dpd_timeout = (unsigned)u;
    if (!osp_profile_field_check(
            &osp_profile_fields[osp_profile_field_index(offsetof(OspProfile, dpd_timeout))], p,
            pcf_keys[PCF_PEER_TIMEOUT], error))
      return FALSE;
  }
  v = vals[PCF_ENABLE_LOCAL_LAN];
  if (v && !pcf_flag(pcf_keys[PCF_ENABLE_LOCAL_LAN], v, &p->local_lan, error))
    return FALSE;
  /* the Cisco client keeps the list when backup is switched off */
  v = vals[PCF_ENABLE_BACKUP];
  if (v && !pcf_flag(pcf_keys[PCF_ENABLE_BACKUP], v, &b, error))
    return FALSE;
  if (v && b && vals[PCF_BACKUP_SERVER] &&
      !pcf_set_text(p, offsetof(OspProfile, backup_servers), pcf_keys[PCF_BACKUP_SERVER],
                    vals[PCF_BACKUP_SERVER], error))
    return FALSE;
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

  buf = osp_profile_text_to_utf8(text ? text : "", len, ret_warnings, error);
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
    line = osp_profile_strip_blanks(line);
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
      osp_profile_add_warning(ret_warnings,
                              _("No [main] section header; the settings were read anyway"));
      warned_no_main = true;
    }
    *eq = '\0';
    key = osp_profile_strip_blanks(line);
    if (*key == '!') /* the Cisco client's mark for a setting users cannot change */
      key = osp_profile_strip_blanks(key + 1);
    value = osp_profile_strip_blanks(eq + 1);
    for (i = 0; i < PCF_N_KEYS; i++)
      /* Windows' GetPrivateProfileString: keys ignore case, the first one counts */
      if (g_ascii_strcasecmp(key, pcf_keys[i]) == 0 && !vals[i] && *value)
        vals[i] = value;
  }

  /* no control character in any value used, nor in an error message */
  for (i = 0; i < PCF_N_KEYS && ok; i++)
    ok = osp_profile_check_text(pcf_keys[i], vals[i], error);
  if (ok) {
    p = osp_profile_new();
    ok = pcf_apply(p, vals, ret_warnings, error);
  }
  osp_profile_wipe_buffer(buf, buf_len);
  if (!ok)
    return NULL;
  return g_steal_pointer(&p);
}

OspProfile *osp_profile_load_pcf(const char *path, GPtrArray *ret_warnings, GError **error)
{
  return osp_profile_load_with(path, osp_profile_parse_pcf, ret_warnings, error);
}
