/* SPDX-License-Identifier: GPL-2.0-or-later
 * Osprey — the settings table (osp-settings.h). */
#include "osp-settings.h"

#include <string.h>

#include <glib/gi18n-lib.h>

#define S(id, key, vpnc, type) [OSP_SETTING_##id] = { key, vpnc, type, false, NULL }
#define C(id, key, vpnc, ...) \
  [OSP_SETTING_##id] = { key, vpnc, 's', false, (const char *const[]){ __VA_ARGS__, NULL } }
#define DH_GROUPS \
  "dh1", "dh2", "dh5", "dh14", "dh15", "dh16", "dh17", "dh18", "dh19", "dh20", "dh21"

const OspSetting osp_settings[OSP_SETTING_N] = {
  S(DESCRIPTION, "description", "Description", 's'),
  S(GATEWAY, "gateway", "IPSec gateway", 's'),
  S(GROUP_ID, "group-id", "IPSec ID", 's'),
  S(USERNAME, "username", "Xauth username", 's'),
  S(DOMAIN, "domain", "Domain", 's'),
  C(ID_TYPE, "id-type", "ID type", "key-id", "fqdn", "user-fqdn", "ipv4"),
  C(VENDOR, "vendor", "Vendor", "cisco", "netscreen", "fortigate"),
  S(APP_VERSION, "app-version", "Application version", 's'),
  C(DH_GROUP, "dh-group", "IKE DH Group", "auto", DH_GROUPS),
  C(PFS, "pfs", "Perfect Forward Secrecy", "server", "nopfs", DH_GROUPS),
  C(NATT_MODE, "natt-mode", "NAT Traversal Mode", "natt", "none", "force-natt", "cisco-udp"),
  S(ENABLE_SINGLE_DES, "enable-single-des", "Enable Single DES", 'b'),
  S(ENABLE_WEAK_ENCRYPTION, "enable-weak-encryption", "Enable weak encryption", 'b'),
  S(ENABLE_WEAK_AUTHENTICATION, "enable-weak-authentication", "Enable weak authentication", 'b'),
  S(ENABLE_WEAK_DH_GROUP, "enable-weak-dh-group", "Enable weak DH group", 'b'),
  S(LOCAL_PORT, "local-port", "Local Port", 'u'),
  S(CISCO_UDP_PORT, "cisco-udp-port", "Cisco UDP Encapsulation Port", 'u'),
  S(INTERFACE_NAME, "interface-name", "Interface name", 's'),
  S(MTU, "mtu", "Interface MTU", 'u'),
  S(DPD_IDLE, "dpd-idle", "DPD idle timeout (our side)", 'u'),
  S(DPD_TIMEOUT, "dpd-timeout", "DPD timeout", 'u'),
  S(IKE_LIFETIME, "ike-lifetime", "IKE lifetime", 'u'),
  S(IPSEC_LIFETIME, "ipsec-lifetime", "IPSec lifetime", 'u'),
  S(SCRIPT, "script", "Script", 's'),
  S(PASSWORD_HELPER, "password-helper", "Password helper", 's'),
  S(TARGET_NETWORKS, "target-networks", "Target networks", 's'),
  S(KEEP_CREDENTIALS, "keep-credentials", "Keep credentials", 'b'),
  S(NO_SPLIT, "no-split", "No split tunnel", 'b'),
  S(LOCAL_LAN, "local-lan", "Local LAN access", 'b'),
  S(BACKUP_SERVERS, "backup-servers", "Backup servers", 's'),
  C(AUTH_MODE, "auth-mode", "IKE Authmode", "psk", "hybrid", "cert"),
  S(CA_FILE, "ca-file", "CA-File", 's'),
  S(CA_DIR, "ca-dir", "CA-Dir", 's'),
  S(CLIENT_CERT, "client-cert", "Client certificate", 's'),
  S(CLIENT_KEY, "client-key", "Client key", 's'),
  S(GATEWAY_ID, "gateway-id", "Gateway ID", 's'),
  C(IPV6_INSIDE, "ipv6-inside", "IPv6 inside", "auto", "yes", "no"),
  C(EXCHANGE_MODE, "exchange-mode", "Exchange mode", "aggressive", "main"),
  S(CA_SYSTEM, "ca-system", "CA-System", 'b'),
  S(CRL_FILE, "crl-file", "CRL-File", 's'),
  S(NAME, "name", "Profile name", 0),
  [OSP_SETTING_GROUP_SECRET] = { "group-secret", "IPSec secret", 0, true, NULL },
  [OSP_SETTING_PASSWORD] = { "password", "Xauth password", 0, true, NULL },
  [OSP_SETTING_KEY_PASSPHRASE] = { "key-passphrase", "Client key passphrase", 0, true, NULL },
};

#undef S
#undef C
#undef DH_GROUPS

const OspSetting *osp_setting_lookup(const char *key)
{
  for (size_t i = 0; key && i < OSP_SETTING_N; i++)
    if (strcmp(osp_settings[i].key, key) == 0)
      return &osp_settings[i];
  return NULL;
}

const char *const *osp_setting_secret_keys(void)
{
  static const char *keys[OSP_SETTING_N + 1];
  static gsize done;

  if (g_once_init_enter(&done)) {
    size_t n = 0;

    for (size_t i = 0; i < OSP_SETTING_N; i++)
      if (osp_settings[i].secret)
        keys[n++] = osp_settings[i].key;
    g_once_init_leave(&done, 1);
  }
  return keys;
}

const OspSetting *osp_setting_dbus(const char *key)
{
  const OspSetting *s = osp_setting_lookup(key);

  return s && s->dbus_type ? s : NULL;
}

/* the choices shown in words; the others by their value */
static const struct {
  OspSettingId id;
  const char *value, *text;
} choice_texts[] = {
  { OSP_SETTING_AUTH_MODE, "psk", N_("Group password") },
  { OSP_SETTING_AUTH_MODE, "hybrid", N_("Certificate of the gateway (hybrid)") },
  { OSP_SETTING_AUTH_MODE, "cert", N_("Certificates on both sides") },
  { OSP_SETTING_EXCHANGE_MODE, "aggressive", N_("Aggressive mode") },
  { OSP_SETTING_EXCHANGE_MODE, "main", N_("Main mode") },
};

const char *osp_setting_choice_text(const OspSetting *s, const char *value)
{
  for (size_t i = 0; s && value && i < G_N_ELEMENTS(choice_texts); i++)
    if (&osp_settings[choice_texts[i].id] == s && strcmp(choice_texts[i].value, value) == 0)
      return _(choice_texts[i].text);
  return value;
}

char *osp_setting_ike_auth_text(const char *auth, gboolean xauth, const char *signature,
                                const char *exchange)
{
  const char *how = osp_setting_choice_text(&osp_settings[OSP_SETTING_AUTH_MODE], auth);
  const char *mode = osp_setting_choice_text(&osp_settings[OSP_SETTING_EXCHANGE_MODE], exchange);
  g_autofree char *with_sig = NULL;

  if (!auth || !exchange)
    return NULL;
  /* hybrid: only the gateway signs, always with RSA (HybridInitRSA) */
  if (signature && *signature && strcmp(auth, "cert") == 0)
    /* TRANSLATORS: "Certificates on both sides (ECDSA-256)" */
    how = with_sig = g_strdup_printf(_("%s (%s)"), how, signature);
  if (xauth)
    /* TRANSLATORS: phase 1, XAUTH, the exchange: "Group password + XAUTH, Aggressive mode" */
    return g_strdup_printf(_("%s + XAUTH, %s"), how, mode);
  /* TRANSLATORS: phase 1, the exchange: "Certificates on both sides (ECDSA-256), Main mode" */
  return g_strdup_printf(_("%s, %s"), how, mode);
}
