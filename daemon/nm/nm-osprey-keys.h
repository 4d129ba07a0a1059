/* SPDX-License-Identifier: GPL-2.0-or-later
 * Osprey — the keys of an Osprey NetworkManager connection (vpn.data and
 * vpn.secrets), shared by nm-osprey-service, the editor plugin and
 * `osprey nm-migrate`.
 *
 * The keys are NetworkManager-vpnc's, verbatim (they are vpnc's config
 * keywords), plus Osprey's own keywords of the same form, so a
 * NetworkManager-vpnc connection becomes an Osprey one by changing
 * vpn.service-type alone.  Every key is checked against one table; a key or
 * value with a control character (a newline above all: CVE-2018-10900) is
 * refused, and nothing in vpn.data can name a program for root to run
 * (vpnc's "Script" and "Password helper" are not in the table). */
#pragma once

#include <NetworkManager.h>

#include "osp-connection.h"
#include "osp-profile.h"

G_BEGIN_DECLS

#define NM_OSPREY_SERVICE_TYPE "org.freedesktop.NetworkManager.osprey"
#define NM_VPNC_SERVICE_TYPE "org.freedesktop.NetworkManager.vpnc"

/* The keys the editors and the service name in static initializers: the
 * vpnc keywords of their settings (client/osp-settings.c), which
 * /nm-keys/settings-table checks. */
#define NM_OSPREY_KEY_GATEWAY "IPSec gateway"
#define NM_OSPREY_KEY_ID "IPSec ID"
#define NM_OSPREY_KEY_SECRET "IPSec secret"
#define NM_OSPREY_KEY_XAUTH_USER "Xauth username"
#define NM_OSPREY_KEY_XAUTH_PASSWORD "Xauth password"

typedef enum {
  NM_OSPREY_TYPE_STRING,  /* passed to the profile reader as it is */
  NM_OSPREY_TYPE_BOOLEAN, /* "yes"/"no" (also true/false, on/off, 1/0) */
  NM_OSPREY_TYPE_IGNORED, /* NetworkManager-vpnc bookkeeping, no effect here */
  NM_OSPREY_TYPE_SECRET,  /* vpn.secrets */
} NmOspreyKeyType;

typedef struct {
  const char *name;
  NmOspreyKeyType type;
  bool vpnc;           /* NetworkManager-vpnc has it */
  const char *meaning; /* for the documentation table (untranslated) */
} NmOspreyKey;

/* The table, NULL-terminated by name: the settings of client/osp-settings.h
 * that NetworkManager connections have, under their vpnc keywords, and the
 * keys of NetworkManager-vpnc alone. */
const NmOspreyKey *nm_osprey_keys(void);

const NmOspreyKey *nm_osprey_key_lookup(const char *name);

/* The vpn.secrets key the engine's secret kind is asked as. */
const char *nm_osprey_secret_key(OspSecretKind kind);

/* Token codes, new PINs and challenge answers are good for one login: never
 * answered from saved secrets, and NOT_SAVED, so that NetworkManager does
 * not write what an agent gave for them to disk. */
bool nm_osprey_secret_is_one_time(OspSecretKind kind);
void nm_osprey_setting_mark_one_time(NMSettingVpn *s_vpn);

/* Checks every data item and secret of the setting against the table;
 * NM_VPN_PLUGIN_ERROR_BAD_ARGUMENTS naming the first bad key. */
gboolean nm_osprey_check_setting(NMSettingVpn *s_vpn, GError **error);

/* The engine's profile from the setting: checked, the secrets it carries
 * included, validated (osp_profile_validate).  name may be NULL. */
OspProfile *nm_osprey_profile_from_setting(NMSettingVpn *s_vpn, const char *name, GError **error);

/* Fills the setting's data and secrets from a profile (import); secrets only
 * when the profile has them, saved with the given flags; the one-time
 * secrets marked NOT_SAVED. */
void nm_osprey_setting_from_profile(NMSettingVpn *s_vpn, const OspProfile *p,
                                    NMSettingSecretFlags secret_flags);

/* The entry point of the GTK editor modules (gui/nm), found with dlsym() by
 * the editor plugin. */
typedef NMVpnEditor *(*NmOspreyEditorNew)(NMConnection *connection, GError **error);
NMVpnEditor *nm_osprey_editor_new(NMConnection *connection, GError **error);

/* A program's locale and Osprey's message catalog (the service, the dialog). */
void nm_osprey_init_program(void);

G_END_DECLS
