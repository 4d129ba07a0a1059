/* SPDX-License-Identifier: GPL-2.0-or-later
 * Osprey — the settings of a profile, one row each: its key (osprey.conf(5)
 * keyfiles and the Settings dictionary on the bus), its vpnc keyword, its
 * D-Bus type, whether it is a secret and the values of a choice (with the
 * words people see for some: editors, status -v).  The one table the profile's
 * field engine (osp-profile.c), ospreyd (Settings, the secrets store) and
 * the command line (`osprey edit`, `osprey set`) and the tray's editor
 * read; GLib only, so the D-Bus-only command line and the tray build it in
 * too. */
#pragma once

#include <glib.h>
#include <stdbool.h>

G_BEGIN_DECLS

typedef enum {
  /* the Settings dictionary, in the order `osprey edit` shows it */
  OSP_SETTING_DESCRIPTION,
  OSP_SETTING_GATEWAY,
  OSP_SETTING_GROUP_ID,
  OSP_SETTING_USERNAME,
  OSP_SETTING_DOMAIN,
  OSP_SETTING_ID_TYPE,
  OSP_SETTING_VENDOR,
  OSP_SETTING_APP_VERSION,
  OSP_SETTING_DH_GROUP,
  OSP_SETTING_PFS,
  OSP_SETTING_NATT_MODE,
  OSP_SETTING_ENABLE_SINGLE_DES,
  OSP_SETTING_ENABLE_WEAK_ENCRYPTION,
  OSP_SETTING_ENABLE_WEAK_AUTHENTICATION,
  OSP_SETTING_ENABLE_WEAK_DH_GROUP,
  OSP_SETTING_LOCAL_PORT,
  OSP_SETTING_CISCO_UDP_PORT,
  OSP_SETTING_INTERFACE_NAME,
  OSP_SETTING_MTU,
  OSP_SETTING_DPD_IDLE,
  OSP_SETTING_DPD_TIMEOUT,
  OSP_SETTING_IKE_LIFETIME,
  OSP_SETTING_IPSEC_LIFETIME,
  OSP_SETTING_SCRIPT,
  OSP_SETTING_PASSWORD_HELPER,
  OSP_SETTING_TARGET_NETWORKS,
  OSP_SETTING_KEEP_CREDENTIALS,
  OSP_SETTING_NO_SPLIT,
  OSP_SETTING_LOCAL_LAN,
  OSP_SETTING_BACKUP_SERVERS,
  OSP_SETTING_AUTH_MODE,
  OSP_SETTING_CA_FILE,
  OSP_SETTING_CA_DIR,
  OSP_SETTING_CLIENT_CERT,
  OSP_SETTING_CLIENT_KEY,
  OSP_SETTING_GATEWAY_ID,
  OSP_SETTING_IPV6_INSIDE,
  OSP_SETTING_EXCHANGE_MODE,
  OSP_SETTING_CA_SYSTEM,
  OSP_SETTING_CRL_FILE,
  /* not in the dictionary: the name is the profile's (its file), secrets
   * go to the secrets store (SetSecrets, Connect's "secrets") */
  OSP_SETTING_NAME,
  OSP_SETTING_GROUP_SECRET,
  OSP_SETTING_PASSWORD,
  OSP_SETTING_KEY_PASSPHRASE,
  OSP_SETTING_N
} OspSettingId;

typedef struct {
  const char *key;  /* keyfile and D-Bus key */
  const char *vpnc; /* vpnc .conf keyword (NetworkManager-vpnc's key too) */
  char dbus_type;   /* 's' string, 'b' boolean, 'u' uint32; 0: not a Settings key */
  bool secret;      /* kept in the secrets store, never in a profile's Settings */
  /* the values of a choice, in the order editors and completion offer them
   * (NULL-terminated; NULL for other settings); the profile's reader
   * accepts exactly these (test-settings) */
  const char *const *choices;
} OspSetting;

extern const OspSetting osp_settings[OSP_SETTING_N];

/* The row of key, NULL if no setting has it. */
const OspSetting *osp_setting_lookup(const char *key);
/* The row of key if it is in the Settings dictionary (dbus_type set). */
const OspSetting *osp_setting_dbus(const char *key);
/* The keys of the secrets ("group-secret", "password"), NULL-terminated. */
const char *const *osp_setting_secret_keys(void);
/* A choice's value for people, translated ("psk": "Group password"); the
 * value itself for those shown as they are ("dh14") or unknown. */
const char *osp_setting_choice_text(const OspSetting *s, const char *value);
/* How an IKE SA authenticated, for people (status -v, the tray's details),
 * from the Crypto keys ike-auth, ike-xauth, ike-signature and ike-exchange:
 * "Certificates on both sides (ECDSA-256), Main mode"; NULL when auth or
 * exchange is.  Free with g_free(). */
char *osp_setting_ike_auth_text(const char *auth, gboolean xauth, const char *signature,
                                const char *exchange);

G_END_DECLS
