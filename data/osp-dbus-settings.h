/* SPDX-License-Identifier: GPL-2.0-or-later
 * Osprey — the keys of a profile's Settings dictionary on the bus (the
 * [profile] keys of osprey.conf(5)) and their D-Bus types, shared by
 * ospreyd and its clients.  Secrets are not settings. */
#pragma once

#include <string.h>

typedef struct {
  const char *key;
  char type; /* 's' string, 'b' boolean, 'u' uint32 */
} OspDBusSettingKey;

static const OspDBusSettingKey osp_dbus_setting_keys[] = {
  { "description", 's' },
  { "gateway", 's' },
  { "group-id", 's' },
  { "username", 's' },
  { "domain", 's' },
  { "id-type", 's' },
  { "vendor", 's' },
  { "app-version", 's' },
  { "dh-group", 's' },
  { "pfs", 's' },
  { "natt-mode", 's' },
  { "enable-single-des", 'b' },
  { "enable-weak-encryption", 'b' },
  { "enable-weak-authentication", 'b' },
  { "enable-weak-dh-group", 'b' },
  { "local-port", 'u' },
  { "cisco-udp-port", 'u' },
  { "interface-name", 's' },
  { "mtu", 'u' },
  { "dpd-idle", 'u' },
  { "dpd-timeout", 'u' },
  { "ike-lifetime", 'u' },
  { "ipsec-lifetime", 'u' },
  { "script", 's' },
  { "password-helper", 's' },
  { "target-networks", 's' },
  { "keep-credentials", 'b' },
  { "no-split", 'b' },
};

/* The key's entry, NULL when it is not a setting. */
static inline const OspDBusSettingKey *osp_dbus_setting_key(const char *key)
{
  for (size_t i = 0; i < sizeof(osp_dbus_setting_keys) / sizeof(osp_dbus_setting_keys[0]); i++)
    if (strcmp(osp_dbus_setting_keys[i].key, key) == 0)
      return &osp_dbus_setting_keys[i];
  return NULL;
}
