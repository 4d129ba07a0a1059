/* SPDX-License-Identifier: GPL-2.0-or-later
 * Osprey — the key table of Osprey's NetworkManager connections and the
 * conversion between a vpn setting and the engine's profile.
 *
 * A setting becomes a profile by way of vpnc .conf text ("Keyword value"
 * lines) read by client/'s reader, so each value gets exactly the checks
 * and meaning it has in a vpnc file.  That is safe only because every key
 * is in the table below and no key or value may hold a control character:
 * a newline would start a second line, i.e. a setting of the attacker's
 * choosing (CVE-2018-10900 in NetworkManager-vpnc).  The secrets do not go
 * through the text: they are set on the profile as they are. */
#include "nm-osprey-keys.h"

#include <glib/gi18n-lib.h>
#include <locale.h>
#include <string.h>

#include "osp-common.h"
#include "osp-config.h"
#include "osp-settings.h"

/* What the settings table (client/osp-settings.c) cannot say about each of
 * its settings here; the key is the setting's vpnc keyword (or `spelling`),
 * its type follows from the setting's (secret, boolean, else a string). */
typedef struct {
  enum {
    NM_ROW_UNDECIDED, /* a new setting: no key until decided (/nm-keys/settings-table) */
    NM_ROW_KEY,
    NM_ROW_LEFT_OUT,
  } use;
  bool vpnc;            /* NetworkManager-vpnc has it */
  const char *spelling; /* NetworkManager-vpnc's, where it differs from vpnc's */
  const char *meaning;
} NmRow;

#define VPNC(id, m) [OSP_SETTING_##id] = { NM_ROW_KEY, true, NULL, m }
#define OWN(id, m) [OSP_SETTING_##id] = { NM_ROW_KEY, false, NULL, m }
#define OUT(id) [OSP_SETTING_##id] = { NM_ROW_LEFT_OUT, false, NULL, NULL }

static const NmRow rows[OSP_SETTING_N] = {
  OUT(NAME),        /* the connection's id */
  OUT(DESCRIPTION), /* ... and its name */
  VPNC(GATEWAY, "gateway host name, IPv4 or IPv6 address (required)"),
  VPNC(GROUP_ID, "group name (required)"),
  VPNC(USERNAME, "XAUTH user name"),
  VPNC(DOMAIN, "XAUTH domain"),
  OWN(ID_TYPE, "key-id (default), fqdn, user-fqdn or ipv4"),
  VPNC(VENDOR, "cisco, netscreen or fortigate"),
  [OSP_SETTING_APP_VERSION] = { NM_ROW_KEY, true, "Application Version",
                                "application version sent to the gateway" },
  VPNC(DH_GROUP, "dh1, dh2, dh5, dh14-dh21 or auto (default)"),
  VPNC(PFS, "nopfs, dh1, dh2, dh5, dh14-dh21 or server (default)"),
  VPNC(NATT_MODE, "natt (default), none, force-natt, cisco-udp"),
  VPNC(ENABLE_SINGLE_DES, "allow single DES"),
  VPNC(ENABLE_WEAK_ENCRYPTION, "allow 3DES"),
  VPNC(ENABLE_WEAK_AUTHENTICATION, "allow MD5"),
  OWN(ENABLE_WEAK_DH_GROUP, "let auto also try MODP-1536 and MODP-1024 (groups 5, 2)"),
  VPNC(LOCAL_PORT, "local IKE port; 0 = random"),
  VPNC(CISCO_UDP_PORT, "port for cisco-udp"),
  OUT(INTERFACE_NAME), /* NetworkManager names the device */
  VPNC(MTU, "tunnel MTU; 0 = computed"),
  VPNC(DPD_IDLE, "seconds of silence before we probe; 0 = off"),
  OWN(DPD_TIMEOUT, "seconds without an answer before the gateway is dead"),
  OWN(IKE_LIFETIME, "seconds proposed for the IKE SA"),
  OWN(IPSEC_LIFETIME, "seconds proposed for the IPsec SA"),
  OUT(SCRIPT),          /* a program for root to run: refused (CVE-2018-10900) */
  OUT(PASSWORD_HELPER), /* likewise */
  OWN(TARGET_NETWORKS, "a.b.c.d/len ... routed instead of the gateway's split list"),
  OWN(KEEP_CREDENTIALS, "keep XAUTH credentials for re-authentication (yes)"),
  OWN(NO_SPLIT, "ignore the gateway's split list: route everything"),
  OWN(LOCAL_LAN, "the directly connected LAN stays outside the tunnel"),
  OWN(BACKUP_SERVERS, "gateways tried in turn when the gateway does not answer"),
  VPNC(AUTH_MODE, "psk (default), hybrid or cert"),
  VPNC(CA_FILE, "PEM CAs of the gateway's certificate (hybrid)"),
  OWN(CA_DIR, "hashed directory of CAs (hybrid)"),
  OWN(CLIENT_CERT, "our PEM certificate, or PKCS#12 with the key (cert)"),
  OWN(CLIENT_KEY, "its PEM private key (cert; unset with PKCS#12)"),
  OWN(GATEWAY_ID, "name or DN the gateway's certificate must have (default: the gateway)"),
  OWN(IPV6_INSIDE, "auto (default: IPv6 when the gateway grants it), yes (required), no"),
  OWN(EXCHANGE_MODE, "aggressive (default) or main: phase 1 of psk or hybrid"),
  OWN(CA_SYSTEM, "trust the system's CAs too (hybrid, cert)"),
  OWN(CRL_FILE, "PEM CRLs the gateway's certificate must not be in (hybrid, cert)"),
  VPNC(GROUP_SECRET, "group password"),
  VPNC(PASSWORD, "XAUTH password"),
  OWN(KEY_PASSPHRASE, "passphrase of the client key or PKCS#12 file"),
};

#undef VPNC
#undef OWN
#undef OUT

/* The keys that are no setting of a profile. */
static const NmOspreyKey nm_only[] = {
  { "Enable no encryption", NM_OSPREY_TYPE_BOOLEAN, true, "refused when yes" },
  { "ipsec-secret-type", NM_OSPREY_TYPE_IGNORED, true, "NetworkManager-vpnc's old secret flag" },
  { "xauth-password-type", NM_OSPREY_TYPE_IGNORED, true, "NetworkManager-vpnc's old secret flag" },
  { "NAT-Keepalive packet interval", NM_OSPREY_TYPE_IGNORED, true,
    "NetworkManager-vpnc legacy key" },
};

/* The secrets no setting holds (XAUTH asks for them, one login each): their
 * keys are their kinds' (client/osp-secret-kind.c). */
static const struct {
  OspSecretKind kind;
  const char *meaning;
} asked_only[] = {
  { OSP_SECRET_PASSCODE, "token code, asked when the gateway wants one" },
  { OSP_SECRET_NEXT_PIN, "new PIN, asked when the token server wants one" },
  { OSP_SECRET_ANSWER, "answer to the gateway's challenge" },
};

static NmOspreyKeyType setting_type(const OspSetting *s)
{
  if (s->secret)
    return NM_OSPREY_TYPE_SECRET;
  return s->dbus_type == 'b' ? NM_OSPREY_TYPE_BOOLEAN : NM_OSPREY_TYPE_STRING;
}

/* vpn.data's keys first, then vpn.secrets': the settings' in their order,
 * then the keys of NetworkManager alone. */
const NmOspreyKey *nm_osprey_keys(void)
{
  static NmOspreyKey keys[OSP_SETTING_N + G_N_ELEMENTS(nm_only) + G_N_ELEMENTS(asked_only) + 1];
  static gsize done;

  if (g_once_init_enter(&done)) {
    size_t n = 0;

    for (int secrets = 0; secrets <= 1; secrets++) {
      for (size_t i = 0; i < OSP_SETTING_N; i++) {
        const OspSetting *s = &osp_settings[i];

        if (rows[i].use == NM_ROW_KEY && s->secret == secrets)
          keys[n++] = (NmOspreyKey){ rows[i].spelling ? rows[i].spelling : s->vpnc, setting_type(s),
                                     rows[i].vpnc, rows[i].meaning };
      }
      for (size_t i = 0; i < G_N_ELEMENTS(nm_only); i++)
        if ((nm_only[i].type == NM_OSPREY_TYPE_SECRET) == secrets)
          keys[n++] = nm_only[i];
      for (size_t i = 0; secrets && i < G_N_ELEMENTS(asked_only); i++)
        keys[n++] = (NmOspreyKey){ osp_secret_kind_info(asked_only[i].kind)->nm_key,
                                   NM_OSPREY_TYPE_SECRET, false, asked_only[i].meaning };
    }
    g_once_init_leave(&done, 1);
  }
  return keys;
}

/* "<secret>-flags": NetworkManager's flags of each secret, kept in vpn.data */
static const NmOspreyKey flags_key = { "*-flags", NM_OSPREY_TYPE_IGNORED, true,
                                       "flags of a secret" };

const NmOspreyKey *nm_osprey_key_lookup(const char *name)
{
  size_t n = strlen(name);

  for (const NmOspreyKey *k = nm_osprey_keys(); k->name; k++)
    if (strcmp(k->name, name) == 0)
      return k;
  if (n > 6 && strcmp(name + n - 6, "-flags") == 0) {
    g_autofree char *secret = g_strndup(name, n - 6);
    const NmOspreyKey *k = nm_osprey_key_lookup(secret);

    if (k && k->type == NM_OSPREY_TYPE_SECRET)
      return &flags_key;
  }
  return NULL;
}

const char *nm_osprey_secret_key(OspSecretKind kind)
{
  const OspSecretKindInfo *info = osp_secret_kind_info(kind);

  return info ? info->nm_key : NULL;
}

bool nm_osprey_secret_is_one_time(OspSecretKind kind)
{
  const OspSecretKindInfo *info = osp_secret_kind_info(kind);

  return info && info->one_time;
}

void nm_osprey_setting_mark_one_time(NMSettingVpn *s_vpn)
{
  for (OspSecretKind k = 0; k < OSP_SECRET_N_KINDS; k++)
    if (nm_osprey_secret_is_one_time(k))
      nm_setting_set_secret_flags(NM_SETTING(s_vpn), nm_osprey_secret_key(k),
                                  NM_SETTING_SECRET_FLAG_NOT_SAVED, NULL);
}

static bool has_control(const char *s)
{
  for (; *s; s++)
    if ((unsigned char)*s < 0x20 || *s == 0x7f)
      return true;
  return false;
}

static gboolean parse_bool(const char *v, bool *ret)
{
  static const char *const yes[] = { "yes", "true", "on", "1" };
  static const char *const no[] = { "no", "false", "off", "0", "" };

  for (size_t i = 0; i < G_N_ELEMENTS(yes); i++)
    if (g_ascii_strcasecmp(v, yes[i]) == 0)
      return *ret = true, TRUE;
  for (size_t i = 0; i < G_N_ELEMENTS(no); i++)
    if (g_ascii_strcasecmp(v, no[i]) == 0)
      return *ret = false, TRUE;
  return FALSE;
}

static gboolean check_item(const char *key, const char *value, bool secret, GError **error)
{
  const NmOspreyKey *k = nm_osprey_key_lookup(key);
  bool b;

  if (has_control(key) || has_control(value)) {
    g_set_error(error, NM_VPN_PLUGIN_ERROR, NM_VPN_PLUGIN_ERROR_BAD_ARGUMENTS,
                _("The VPN setting \"%s\" contains a line break or another control character"),
                key);
    return FALSE;
  }
  if (!k || (secret != (k->type == NM_OSPREY_TYPE_SECRET) &&
             strcmp(key, NM_OSPREY_KEY_XAUTH_USER) != 0)) {
    g_set_error(error, NM_VPN_PLUGIN_ERROR, NM_VPN_PLUGIN_ERROR_BAD_ARGUMENTS,
                secret ? _("Unknown VPN secret \"%s\"") : _("Unknown VPN setting \"%s\""), key);
    return FALSE;
  }
  if (k->type == NM_OSPREY_TYPE_BOOLEAN && !parse_bool(value, &b)) {
    g_set_error(error, NM_VPN_PLUGIN_ERROR, NM_VPN_PLUGIN_ERROR_BAD_ARGUMENTS,
                _("The VPN setting \"%s\" takes yes or no, not \"%s\""), key, value);
    return FALSE;
  }
  return TRUE;
}

typedef struct {
  bool secret;
  GError *error;
  GString *text;
} Walk;

static void walk_item(const char *key, const char *value, gpointer user_data)
{
  Walk *w = user_data;
  const NmOspreyKey *k;
  bool b = false;

  if (w->error || !check_item(key, value, w->secret, &w->error) || !w->text)
    return;
  k = nm_osprey_key_lookup(key);
  switch (k->type) {
  case NM_OSPREY_TYPE_STRING: g_string_append_printf(w->text, "%s %s\n", key, value); break;
  case NM_OSPREY_TYPE_BOOLEAN:
    parse_bool(value, &b);
    if (b) /* vpnc booleans take no value: present means yes */
      g_string_append_printf(w->text, "%s\n", key);
    break;
  case NM_OSPREY_TYPE_IGNORED:
  case NM_OSPREY_TYPE_SECRET: break;
  }
}

static gboolean walk(NMSettingVpn *s_vpn, GString *text, GError **error)
{
  Walk w = { .text = text };

  nm_setting_vpn_foreach_data_item(s_vpn, walk_item, &w);
  w.secret = true;
  w.text = NULL;
  if (!w.error)
    nm_setting_vpn_foreach_secret(s_vpn, walk_item, &w);
  if (w.error) {
    g_propagate_error(error, w.error);
    return FALSE;
  }
  return TRUE;
}

gboolean nm_osprey_check_setting(NMSettingVpn *s_vpn, GError **error)
{
  return walk(s_vpn, NULL, error);
}

static char *secret_or_null(NMSettingVpn *s_vpn, const char *key)
{
  const char *v = nm_setting_vpn_get_secret(s_vpn, key);

  return v && *v ? g_strdup(v) : NULL;
}

/* The reader names the line of a bad value; here the lines are our own
 * rendering of the setting, and the sentence names the key anyway: the
 * "line N: " prefix (the reader's own, translated alike) goes. */
static const char *without_line_number(const char *message, size_t n_lines)
{
  for (size_t n = 1; n <= n_lines; n++) {
    g_autofree char *prefix = g_strdup_printf(_("line %u: "), (unsigned)n);

    if (g_str_has_prefix(message, prefix))
      return message + strlen(prefix);
  }
  return message;
}

OspProfile *nm_osprey_profile_from_setting(NMSettingVpn *s_vpn, const char *name, GError **error)
{
  g_autoptr(GString) text = g_string_new(NULL);
  g_autoptr(OspProfile) p = NULL;
  g_autoptr(GError) e = NULL;

  if (!walk(s_vpn, text, error))
    return NULL;
  p = osp_profile_parse_vpnc(text->str, text->len, NULL, &e);
  if (p) {
    osp_str_wipe_free(p->group_secret);
    p->group_secret = secret_or_null(s_vpn, NM_OSPREY_KEY_SECRET);
    osp_str_wipe_free(p->password);
    p->password = secret_or_null(s_vpn, NM_OSPREY_KEY_XAUTH_PASSWORD);
    osp_str_wipe_free(p->client_key_passphrase);
    p->client_key_passphrase = secret_or_null(s_vpn, osp_settings[OSP_SETTING_KEY_PASSPHRASE].vpnc);
    if (!p->username)
      p->username = secret_or_null(s_vpn, NM_OSPREY_KEY_XAUTH_USER);
    g_free(p->name);
    p->name = g_strdup(name);
  }
  if (!p || !osp_profile_validate(p, &e)) {
    size_t n_lines = 0;

    for (const char *c = text->str; *c; c++)
      n_lines += *c == '\n';
    g_set_error(error, NM_VPN_PLUGIN_ERROR, NM_VPN_PLUGIN_ERROR_BAD_ARGUMENTS, "%s",
                without_line_number(e->message, n_lines + 1));
    return NULL;
  }
  return g_steal_pointer(&p);
}

/* The longest table key that starts the line and ends at a blank or the end. */
static const NmOspreyKey *match_line(const char *line, size_t *ret_len)
{
  const NmOspreyKey *best = NULL;
  size_t best_len = 0;

  for (const NmOspreyKey *k = nm_osprey_keys(); k->name; k++) {
    size_t n = strlen(k->name);

    if (n > best_len && g_ascii_strncasecmp(line, k->name, n) == 0 &&
        (line[n] == '\0' || line[n] == ' ')) {
      best = k;
      best_len = n;
    }
  }
  *ret_len = best_len;
  return best;
}

void nm_osprey_setting_from_profile(NMSettingVpn *s_vpn, const OspProfile *p,
                                    NMSettingSecretFlags secret_flags)
{
  g_autofree char *text = osp_profile_to_vpnc(p, false);
  g_auto(GStrv) lines = g_strsplit(text, "\n", -1);

  for (size_t i = 0; lines[i]; i++) {
    size_t n;
    const NmOspreyKey *k = match_line(lines[i], &n);
    g_autofree char *value = NULL;

    if (!k || k->type == NM_OSPREY_TYPE_SECRET || k->type == NM_OSPREY_TYPE_IGNORED)
      continue; /* "Script", "Profile name" and the like have no place here */
    value = g_strstrip(g_strdup(lines[i] + n));
    if (value[0] == '"' && strlen(value) >= 2 && value[strlen(value) - 1] == '"') {
      memmove(value, value + 1, strlen(value) - 2);
      value[strlen(value) - 2] = '\0';
    }
    if (k->type == NM_OSPREY_TYPE_BOOLEAN)
      nm_setting_vpn_add_data_item(s_vpn, k->name, "yes");
    else if (*value)
      nm_setting_vpn_add_data_item(s_vpn, k->name, value);
  }
  if (p->group_secret) {
    nm_setting_vpn_add_secret(s_vpn, NM_OSPREY_KEY_SECRET, p->group_secret);
    nm_setting_set_secret_flags(NM_SETTING(s_vpn), NM_OSPREY_KEY_SECRET, secret_flags, NULL);
  }
  if (p->password) {
    nm_setting_vpn_add_secret(s_vpn, NM_OSPREY_KEY_XAUTH_PASSWORD, p->password);
    nm_setting_set_secret_flags(NM_SETTING(s_vpn), NM_OSPREY_KEY_XAUTH_PASSWORD, secret_flags,
                                NULL);
  }
  nm_osprey_setting_mark_one_time(s_vpn);
}

void nm_osprey_init_program(void)
{
  setlocale(LC_ALL, "");
  bindtextdomain(GETTEXT_PACKAGE, LOCALEDIR);
  bind_textdomain_codeset(GETTEXT_PACKAGE, "UTF-8");
  textdomain(GETTEXT_PACKAGE);
}
