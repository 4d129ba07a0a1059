/* SPDX-License-Identifier: GPL-2.0-or-later
 * Osprey — tests for the key table of the NetworkManager plugin
 * (daemon/nm/nm-osprey-keys.c): NetworkManager-vpnc's keys verbatim, the
 * refusals (control characters, unknown keys, keys naming a program) and
 * the profile a setting gives. */
#include "nm-osprey-keys.h"
#include "osp-settings.h"

#include <string.h>

typedef struct {
  const char *key, *value;
} Item;

/* A vpn setting with the lab's required keys plus `extra` data items. */
static NMSettingVpn *setting(const Item *extra, size_t n)
{
  NMSettingVpn *s = NM_SETTING_VPN(nm_setting_vpn_new());

  nm_setting_vpn_add_data_item(s, "IPSec gateway", "192.0.2.1");
  nm_setting_vpn_add_data_item(s, "IPSec ID", "osprey-lab");
  for (size_t i = 0; i < n; i++)
    nm_setting_vpn_add_data_item(s, extra[i].key, extra[i].value);
  return s;
}

/* A bad value: refused with a sentence that starts with the key, not with
 * the line number of the text the setting is read through (an editor's
 * user has no such lines). */
static void test_bad_value(void)
{
  static const Item items[] = {
    { "Xauth username", "alice" },
    { "DPD idle timeout (our side)", "60" },
    { "IKE lifetime", "an hour" },
  };
  g_autoptr(NMSettingVpn) s = setting(items, G_N_ELEMENTS(items));
  g_autoptr(OspProfile) p = NULL;
  g_autoptr(GError) error = NULL;

  p = nm_osprey_profile_from_setting(s, "work", &error);
  g_assert_null(p);
  g_assert_error(error, NM_VPN_PLUGIN_ERROR, NM_VPN_PLUGIN_ERROR_BAD_ARGUMENTS);
  g_test_message("%s", error->message);
  g_assert_true(g_str_has_prefix(error->message, "IKE lifetime"));
}

/* A NetworkManager-vpnc connection as its editor writes it. */
static void test_vpnc_keys(void)
{
  static const Item items[] = {
    { "Xauth username", "alice" },
    { "Domain", "CORP" },
    { "IKE DH Group", "dh2" },
    { "Perfect Forward Secrecy", "dh5" },
    { "Vendor", "netscreen" },
    { "Application Version", "Cisco Systems VPN Client 4.8" },
    { "Enable Single DES", "no" },
    { "Enable no encryption", "no" },
    { "NAT Traversal Mode", "force-natt" },
    { "DPD idle timeout (our side)", "60" },
    { "Cisco UDP Encapsulation Port", "10001" },
    { "Local Port", "0" },
    { "IKE Authmode", "psk" },
    { "CA-File", "/etc/ssl/ca.pem" },
    { "Interface MTU", "1300" },
    { "Enable weak authentication", "yes" },
    { "Enable weak encryption", "yes" },
    { "ipsec-secret-type", "save" },
    { "xauth-password-type", "ask" },
    { "IPSec secret-flags", "0" },
    { "Xauth password-flags", "2" },
    { "NAT-Keepalive packet interval", "20" },
  };
  g_autoptr(NMSettingVpn) s = setting(items, G_N_ELEMENTS(items));
  g_autoptr(OspProfile) p = NULL;
  g_autoptr(GError) error = NULL;

  nm_setting_vpn_add_secret(s, "IPSec secret", " edge blanks and \"quotes\" ");
  p = nm_osprey_profile_from_setting(s, "work", &error);
  g_assert_no_error(error);
  g_assert_cmpstr(p->name, ==, "work");
  g_assert_cmpstr(p->gateway, ==, "192.0.2.1");
  g_assert_cmpstr(p->group_id, ==, "osprey-lab");
  g_assert_cmpstr(p->username, ==, "alice");
  g_assert_cmpstr(p->domain, ==, "CORP");
  g_assert_cmpint(p->dh_group, ==, 2);
  g_assert_cmpint(p->pfs_group, ==, 5);
  g_assert_cmpint(p->vendor, ==, OSP_VENDOR_NETSCREEN);
  g_assert_cmpstr(p->app_version, ==, "Cisco Systems VPN Client 4.8");
  g_assert_false(p->enable_single_des);
  g_assert_cmpint(p->natt_mode, ==, OSP_NATT_FORCE);
  g_assert_cmpuint(p->dpd_idle, ==, 60);
  g_assert_cmpuint(p->cisco_udp_port, ==, 10001);
  g_assert_cmpuint(p->local_port, ==, 0);
  g_assert_cmpuint(p->mtu, ==, 1300);
  g_assert_true(p->enable_weak_authentication);
  g_assert_true(p->enable_weak_encryption);
  g_assert_cmpint(p->auth_mode, ==, OSP_AUTH_PSK);
  g_assert_cmpstr(p->ca_file, ==, "/etc/ssl/ca.pem");
  /* a secret does not go through the vpnc text: kept byte for byte */
  g_assert_cmpstr(p->group_secret, ==, " edge blanks and \"quotes\" ");
  g_assert_null(p->password);
  g_assert_null(p->script);
}

/* NetworkManager-vpnc's hybrid connection: the gateway's certificate
 * against its CA-File, no group secret. */
static void test_hybrid(void)
{
  static const Item items[] = {
    { "IKE Authmode", "hybrid" },
    { "CA-File", "/etc/ipsec.d/cacerts/corp.pem" },
    { "Xauth username", "alice" },
  };
  g_autoptr(NMSettingVpn) s = setting(items, G_N_ELEMENTS(items));
  g_autoptr(OspProfile) p = NULL;
  g_autoptr(GError) error = NULL;

  p = nm_osprey_profile_from_setting(s, "corp", &error);
  g_assert_no_error(error);
  g_assert_cmpint(p->auth_mode, ==, OSP_AUTH_HYBRID);
  g_assert_cmpstr(p->ca_file, ==, "/etc/ipsec.d/cacerts/corp.pem");
  g_assert_null(p->group_secret);
}

/* Each of these makes the setting fail, naming the key. */
static void test_refused(void)
{
  static const struct {
    Item item;
    const char *why; /* in the message */
  } cases[] = {
    /* CVE-2018-10900: a newline would start a second vpnc line */
    { { "Domain", "CORP\nScript /bin/sh -c 'touch /tmp/pwned'" }, "line break" },
    { { "Domain", "CORP\rScript x" }, "line break" },
    { { "Xauth username", "a\tb" }, "control character" },
    { { "Domain\nScript", "x" }, "line break" },
    /* nothing in vpn.data names a program for root to run */
    { { "Script", "/bin/sh -c 'touch /tmp/pwned'" }, "Unknown VPN setting \"Script\"" },
    { { "Password helper", "/bin/cat /etc/shadow" }, "Unknown VPN setting \"Password helper\"" },
    { { "Interface name", "eth0" }, "Unknown VPN setting" },
    { { "No such key", "1" }, "Unknown VPN setting" },
    /* values the profile reader refuses */
    { { "Enable no encryption", "yes" }, "Enable no encryption" },
    { { "Enable Single DES", "maybe" }, "yes or no" },
    { { "IKE Authmode", "xauth" }, "IKE Authmode" },
    { { "Interface MTU", "70000" }, "Interface MTU" },
    /* a secret key in vpn.data */
    { { "IPSec secret", "x" }, "Unknown VPN setting" },
  };

  for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
    g_autoptr(NMSettingVpn) s = setting(&cases[i].item, 1);
    g_autoptr(GError) error = NULL;
    g_autoptr(OspProfile) p = nm_osprey_profile_from_setting(s, NULL, &error);

    g_test_message("case %zu: %s", i, cases[i].why);
    g_assert_null(p);
    g_assert_error(error, NM_VPN_PLUGIN_ERROR, NM_VPN_PLUGIN_ERROR_BAD_ARGUMENTS);
    g_assert_nonnull(strstr(error->message, cases[i].why));
  }
}

static void test_secret_checks(void)
{
  g_autoptr(NMSettingVpn) s = setting(NULL, 0);
  g_autoptr(GError) error = NULL;

  nm_setting_vpn_add_secret(s, "Xauth password", "pass\nword");
  g_assert_false(nm_osprey_check_setting(s, &error));
  g_assert_nonnull(strstr(error->message, "line break"));
  g_clear_error(&error);
  nm_setting_vpn_remove_secret(s, "Xauth password");
  nm_setting_vpn_add_secret(s, "Script", "x");
  g_assert_false(nm_osprey_check_setting(s, &error));
  g_assert_nonnull(strstr(error->message, "Unknown VPN secret"));
}

/* import: a profile becomes data and secrets that give the profile back */
static void test_round_trip(void)
{
  g_autoptr(OspProfile) p = osp_profile_new();
  g_autoptr(OspProfile) back = NULL;
  g_autoptr(NMSettingVpn) s = NM_SETTING_VPN(nm_setting_vpn_new());
  g_autoptr(GError) error = NULL;
  NMSettingSecretFlags flags = 99;

  p->gateway = g_strdup("vpn.example.com");
  p->group_id = g_strdup("sales");
  p->group_secret = g_strdup("GroupSecret1");
  p->username = g_strdup("jdoe");
  p->dh_group = 19;
  p->no_split = true;
  p->ike_lifetime = 3600;
  p->script = g_strdup("/etc/vpnc/custom-script");
  nm_osprey_setting_from_profile(s, p, NM_SETTING_SECRET_FLAG_NONE);
  g_assert_cmpstr(nm_setting_vpn_get_data_item(s, "IKE DH Group"), ==, "dh19");
  g_assert_cmpstr(nm_setting_vpn_get_data_item(s, "No split tunnel"), ==, "yes");
  g_assert_null(nm_setting_vpn_get_data_item(s, "Script"));
  g_assert_cmpstr(nm_setting_vpn_get_secret(s, "IPSec secret"), ==, "GroupSecret1");
  g_assert_true(nm_setting_get_secret_flags(NM_SETTING(s), "IPSec secret", &flags, NULL));
  g_assert_cmpint(flags, ==, NM_SETTING_SECRET_FLAG_NONE);
  back = nm_osprey_profile_from_setting(s, NULL, &error);
  g_assert_no_error(error);
  g_assert_cmpstr(back->gateway, ==, "vpn.example.com");
  g_assert_cmpstr(back->group_secret, ==, "GroupSecret1");
  g_assert_cmpint(back->dh_group, ==, 19);
  g_assert_true(back->no_split);
  g_assert_cmpuint(back->ike_lifetime, ==, 3600);
  g_assert_null(back->script);
}

static void test_table(void)
{
  /* every key NetworkManager-vpnc has (PROTOCOL.md) is in the table */
  static const char *const vpnc[] = {
    "IPSec gateway",
    "IPSec ID",
    "Xauth username",
    "Domain",
    "IKE DH Group",
    "Perfect Forward Secrecy",
    "Vendor",
    "Application Version",
    "Enable Single DES",
    "Enable no encryption",
    "NAT Traversal Mode",
    "DPD idle timeout (our side)",
    "Cisco UDP Encapsulation Port",
    "Local Port",
    "IKE Authmode",
    "CA-File",
    "Interface MTU",
    "Enable weak authentication",
    "Enable weak encryption",
    "IPSec secret",
    "Xauth password",
    "ipsec-secret-type",
    "xauth-password-type",
    "IPSec secret-flags",
    "Xauth password-flags",
  };

  for (size_t i = 0; i < G_N_ELEMENTS(vpnc); i++) {
    const NmOspreyKey *k = nm_osprey_key_lookup(vpnc[i]);

    g_test_message("%s", vpnc[i]);
    g_assert_nonnull(k);
    g_assert_true(k->vpnc);
  }
  g_assert_null(nm_osprey_key_lookup("Script"));
  g_assert_null(nm_osprey_key_lookup("Password helper"));
  g_assert_null(nm_osprey_key_lookup("Script-flags"));
  for (int k = 0; k < OSP_SECRET_N_KINDS; k++)
    g_assert_cmpint(nm_osprey_key_lookup(nm_osprey_secret_key(k))->type, ==,
                    k == OSP_SECRET_USERNAME ? NM_OSPREY_TYPE_STRING : NM_OSPREY_TYPE_SECRET);
}

/* The plugin's keys against the engine's settings table
 * (client/osp-settings.h): a setting's vpnc keyword is its key here, with
 * the same kind (boolean, secret); every setting is a key of the plugin
 * unless NetworkManager has it itself or it could name a program for root
 * to run.  A setting added to the table fails here until the plugin
 * decides (daemon/nm/nm-osprey-keys.c's rows[]). */
static void test_settings_table(void)
{
  static const char *const not_in_nm[] = {
    "name",            /* the connection's id */
    "description",     /* ... and its name */
    "interface-name",  /* NetworkManager names the device */
    "script",          /* a program for root: refused (CVE-2018-10900) */
    "password-helper", /* likewise */
    NULL,
  };

  for (size_t i = 0; i < OSP_SETTING_N; i++) {
    const OspSetting *s = &osp_settings[i];
    const NmOspreyKey *k = NULL;

    for (const NmOspreyKey *n = nm_osprey_keys(); n->name; n++)
      if (g_ascii_strcasecmp(n->name, s->vpnc) == 0)
        k = n;
    g_test_message("%s (%s)", s->key, s->vpnc);
    if (g_strv_contains(not_in_nm, s->key)) {
      g_assert_null(k);
      continue;
    }
    g_assert_nonnull(k);
    if (s->secret)
      g_assert_cmpint(k->type, ==, NM_OSPREY_TYPE_SECRET);
    else if (s->dbus_type == 'b')
      g_assert_cmpint(k->type, ==, NM_OSPREY_TYPE_BOOLEAN);
    else
      g_assert_cmpint(k->type, ==, NM_OSPREY_TYPE_STRING);
  }
  /* the key macros of static initializers (gui/nm) are the settings' keywords */
  g_assert_cmpstr(NM_OSPREY_KEY_GATEWAY, ==, osp_settings[OSP_SETTING_GATEWAY].vpnc);
  g_assert_cmpstr(NM_OSPREY_KEY_ID, ==, osp_settings[OSP_SETTING_GROUP_ID].vpnc);
  g_assert_cmpstr(NM_OSPREY_KEY_SECRET, ==, osp_settings[OSP_SETTING_GROUP_SECRET].vpnc);
  g_assert_cmpstr(NM_OSPREY_KEY_XAUTH_USER, ==, osp_settings[OSP_SETTING_USERNAME].vpnc);
  g_assert_cmpstr(NM_OSPREY_KEY_XAUTH_PASSWORD, ==, osp_settings[OSP_SETTING_PASSWORD].vpnc);
}

int main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/nm-keys/vpnc-keys", test_vpnc_keys);
  g_test_add_func("/nm-keys/hybrid", test_hybrid);
  g_test_add_func("/nm-keys/bad-value", test_bad_value);
  g_test_add_func("/nm-keys/refused", test_refused);
  g_test_add_func("/nm-keys/secret-checks", test_secret_checks);
  g_test_add_func("/nm-keys/round-trip", test_round_trip);
  g_test_add_func("/nm-keys/table", test_table);
  g_test_add_func("/nm-keys/settings-table", test_settings_table);
  return g_test_run();
}
