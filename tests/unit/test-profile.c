/* SPDX-License-Identifier: GPL-2.0-or-later
 * Osprey — tests for connection profiles: vpnc .conf, Cisco .pcf, keyfile,
 * and Cisco's password obfuscation.
 *
 * Sample files are in tests/data/profiles/.  The obfuscated values come
 * from tests/data/profiles/make-enc.py, which builds them with Python's
 * hashlib and the `openssl enc -des-ede3-cbc` command, independently of the
 * C code, and checks them against vpnc's cisco-decrypt when installed. */
#include "osp-addr.h"
#include "osp-error.h"
#include "osp-profile.h"

#include <glib/gstdio.h>

#include <errno.h>
#include <string.h>

/* ------------------------------------------------------------------ */
/* Helpers */

/* Every field, one "name=value" line each: for comparisons and lookups.
 * Written here, independently of the code under test. */
static char *dump(const OspProfile *p)
{
  GString *s = g_string_new(NULL);

#define S(f) g_string_append_printf(s, #f "=%s\n", p->f ? p->f : "(null)")
#define N(f) g_string_append_printf(s, #f "=%lld\n", (long long)p->f)
  S(name);
  S(description);
  S(gateway);
  S(group_id);
  S(group_secret);
  S(username);
  S(password);
  S(domain);
  N(id_type);
  N(vendor);
  S(app_version);
  N(dh_group);
  N(pfs_group);
  N(enable_single_des);
  N(enable_weak_encryption);
  N(enable_weak_authentication);
  N(enable_weak_dh_group);
  N(natt_mode);
  N(local_port);
  N(cisco_udp_port);
  S(ifname);
  N(mtu);
  N(dpd_idle);
  S(script);
  S(password_helper);
  N(ike_lifetime);
  N(ipsec_lifetime);
  S(target_networks);
  N(keep_credentials);
  N(no_split);
  N(local_lan);
  S(backup_servers);
  N(ipv6_inside);
  N(exchange_mode);
  N(ca_system);
  S(crl_file);
  N(dpd_timeout);
  N(auth_mode);
  S(ca_file);
  S(ca_dir);
  S(client_cert);
  S(client_key);
  S(gateway_id);
#undef S
#undef N
  return g_string_free(s, FALSE);
}

/* The value of one field as dump() writes it. */
static char *field(const OspProfile *p, const char *name)
{
  g_autofree char *d = dump(p);
  g_autofree char *needle = g_strdup_printf("%s=", name);
  const char *line = d;

  while (line && *line) {
    const char *eol = strchr(line, '\n');

    if (g_str_has_prefix(line, needle))
      return g_strndup(line + strlen(needle), (size_t)(eol - line) - strlen(needle));
    line = eol ? eol + 1 : NULL;
  }
  g_error("no field %s", name);
  return NULL;
}

#define assert_field(p, name, expect)         \
  do {                                        \
    g_autofree char *v_ = field((p), (name)); \
    g_assert_cmpstr(v_, ==, (expect));        \
  } while (0)

static void assert_same(const OspProfile *a, const OspProfile *b)
{
  g_autofree char *da = dump(a);
  g_autofree char *db = dump(b);

  g_assert_cmpstr(da, ==, db);
}

static GPtrArray *warnings_new(void)
{
  return g_ptr_array_new_with_free_func(g_free);
}

static bool warnings_contain(GPtrArray *w, const char *needle)
{
  guint i;

  for (i = 0; i < w->len; i++)
    if (strstr(g_ptr_array_index(w, i), needle))
      return true;
  return false;
}

static char *data_path(const char *name)
{
  return g_test_build_filename(G_TEST_DIST, "..", "data", "profiles", name, NULL);
}

static OspProfile *vpnc(const char *text, GPtrArray *w, GError **error)
{
  return osp_profile_parse_vpnc(text, strlen(text), w, error);
}

static OspProfile *pcf(const char *text, GPtrArray *w, GError **error)
{
  return osp_profile_parse_pcf(text, strlen(text), w, error);
}

static OspProfile *keyfile(const char *text, GError **error)
{
  g_autoptr(GKeyFile) kf = g_key_file_new();

  if (!g_key_file_load_from_data(kf, text, strlen(text), G_KEY_FILE_NONE, error))
    return NULL;
  return osp_profile_from_keyfile(kf, error);
}

/* ------------------------------------------------------------------ */
/* Cisco obfuscation vectors, from make-enc.py */

#define ENC_GROUP                                                                               \
  "9D210FEFFD5EADE2501F97737390521FE2D4BF267351C32C54B80FFB6FF6AB8EF6F8B85BB6985E9C1AD8A8A4726" \
  "4EA742A3F9D12EF83CFFB"
#define ENC_CONF                                                                                \
  "BE1A31AA87C7200E7C399C087B99C783F00E75F09DC3454B1BD20D96BA0F5C463DDEA178EEA3E9E4EB290B3C1D6" \
  "DF37EC5F23BDD7613528D"
#define ENC_CONFPW                                                                              \
  "A7863A265D4EC132CC04D2E258D74E79BCF711E48EA05F82BB7446EC5EC3625A831BC031FE057DF8DF1451AF31E" \
  "270E49C70B3327FA118F6"
#define ENC_LATIN1                                                                              \
  "FD54C18B926339E672546E10CDC17AA4D6924B8755F54A932038101A7B5AD3F038A33ED6D7619ABE359180E8658" \
  "F3DC7"

static const struct {
  const char *name;
  const char *plain;
  const char *hex;
} enc_vectors[] = {
  { "group", "GroupSecret1", ENC_GROUP },
  { "user", "s3cr3t-user-pw",
    "C60001523988D584E0D9910BA45B1327DCCD90C09E8FFF51F6BD4FAE7F2BE8631422ED5CC733FFEC97221E8EA7"
    "1116A0C3FA049A03DC5240" },
  { "empty", "",
    "16D1FE4D63793833AE5AA01239A0D1F37849DACB79B4F8F7DC9866C2486AF3FB00C38318A7968B45564A5303E5"
    "AA0F6C" },
  { "block", "12345678",
    "EF903765DDDC4AF10E3B413FF53853E246CB2F675CED7CD409BB0EFB83FDD16CDA7655AFCA8AFCA4CB6C2989ED"
    "5B639452FF0E250C030EE0" },
  { "utf8", "p\xc3\xa4ssw\xc3\xb6rd",
    "63870C064F548D640AB2DF253166A79E04FFD513617D9397D68EC420ABE0623DF472FF24139478920068E362F4"
    "2F6FFA50F41AFF65F31E6C" },
  { "latin1", "caf\xe9", ENC_LATIN1 },
  { "wrap", "wrap-around",
    "000102030405060708090A0B0C0D0E0F101112FFAFBB15D46B4BE7E9E3D8558568EDB411E4B232950FCDD0ABC9"
    "8D0C5969AFBFA510D16D49" },
  { "long", "Th1s is a rather long group password (7 DES blocks)",
    "47424AF770836889567210893DED6B6BE7CDA70FDF39ECE5692C3FA3D3A5F03BF09DA87D3DF44A5EC67231C540"
    "931A5526DC34869BF506ADDC215B36EEEF9DFE7A5175EE93DAAF25CFE66E67F9980665846D467D3918FCA854A3"
    "763F2DB14F1D" },
  { "conf", "vpnc-obfuscated", ENC_CONF },
  { "confpw", "Xauth pass", ENC_CONFPW },
};

#define ENC_BADPAD0                                                                             \
  "29FA6D21ED16437828721E26D91B801ABF6C6DA6B9AC57DDAFB03E4AA4C23A845211E24ED1A539E323531A5FB3C" \
  "CB822"
#define ENC_BADPAD9                                                                             \
  "611283BA1584C493F2F367BCD248AA23D0B8A14EF4960F78D3AABB9FD00B61DA9C56F7B83E2C8F0E2CEDD208986" \
  "AE85F"

static void test_decrypt_vectors(void)
{
  size_t i;

  for (i = 0; i < G_N_ELEMENTS(enc_vectors); i++) {
    char *plain = NULL;
    g_autofree char *lower = g_ascii_strdown(enc_vectors[i].hex, -1);

    g_test_message("vector %s", enc_vectors[i].name);
    g_assert_cmpint(osp_cisco_decrypt(enc_vectors[i].hex, &plain), ==, 0);
    g_assert_cmpstr(plain, ==, enc_vectors[i].plain);
    osp_str_wipe_free(plain);
    plain = NULL;
    /* hex digits of either case */
    g_assert_cmpint(osp_cisco_decrypt(lower, &plain), ==, 0);
    g_assert_cmpstr(plain, ==, enc_vectors[i].plain);
    osp_str_wipe_free(plain);
  }
}

static char *flip_hex(const char *hex, size_t pos)
{
  char *s = g_strdup(hex);

  s[pos] = s[pos] == '0' ? '1' : '0';
  return s;
}

static void test_decrypt_bad(void)
{
  g_autofree char *odd = g_strndup(ENC_GROUP, strlen(ENC_GROUP) - 1);
  g_autofree char *nonhex = g_strdup(ENC_GROUP);
  g_autofree char *short47 = g_strndup(ENC_GROUP, 94);
  g_autofree char *partial_block = g_strconcat(ENC_GROUP, "00", NULL);
  g_autofree char *bad_sha = flip_hex(ENC_GROUP, 45);
  g_autofree char *bad_ct = flip_hex(ENC_GROUP, strlen(ENC_GROUP) - 3);
  g_autofree char *blank = g_strconcat(ENC_GROUP, " ", NULL);
  const struct {
    const char *what;
    const char *hex;
  } cases[] = {
    { "NULL", NULL },
    { "empty", "" },
    { "odd number of hex digits", odd },
    { "not hex", nonhex },
    { "47 bytes, below h1 | h4 | one block", short47 },
    { "ciphertext not whole blocks", partial_block },
    { "wrong SHA-1 of the ciphertext", bad_sha },
    { "ciphertext altered", bad_ct },
    { "padding byte 0", ENC_BADPAD0 },
    { "padding byte 9", ENC_BADPAD9 },
    { "trailing blank", blank },
  };
  size_t i;

  nonhex[50] = 'G';
  for (i = 0; i < G_N_ELEMENTS(cases); i++) {
    char *plain = NULL;

    g_test_message("case %zu: %s", i, cases[i].what);
    g_assert_cmpint(osp_cisco_decrypt(cases[i].hex, &plain), ==, -EBADMSG);
    g_assert_null(plain);
  }
}

/* ------------------------------------------------------------------ */
/* Defaults, copy, free */

static void test_defaults(void)
{
  g_autoptr(OspProfile) p = osp_profile_new();
  g_autoptr(GError) error = NULL;

  assert_field(p, "id_type", "11"); /* KEY_ID */
  assert_field(p, "vendor", "0");
  g_assert_true(g_str_has_prefix(p->app_version, "Osprey "));
  assert_field(p, "dh_group", "0");
  assert_field(p, "pfs_group", "-1");
  assert_field(p, "natt_mode", "0");
  assert_field(p, "local_port", "500");
  assert_field(p, "cisco_udp_port", "10000");
  assert_field(p, "dpd_idle", "300");
  assert_field(p, "dpd_timeout", "30");
  assert_field(p, "ike_lifetime", "28800");
  assert_field(p, "ipsec_lifetime", "3600");
  assert_field(p, "keep_credentials", "1");
  assert_field(p, "no_split", "0");
  assert_field(p, "mtu", "0");
  assert_field(p, "gateway", "(null)");
  assert_field(p, "group_secret", "(null)");

  g_assert_false(osp_profile_validate(p, &error));
  g_assert_error(error, OSP_ERROR, OSP_ERROR_CONFIG);
  g_assert_cmpstr(error->message, ==, "IPSec gateway is missing");
}

static void test_copy(void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(OspProfile) p = NULL;
  g_autoptr(OspProfile) c = NULL;
  g_autofree char *path = data_path("vpnc-full.conf");

  p = osp_profile_load_vpnc(path, NULL, &error);
  g_assert_no_error(error);
  c = osp_profile_copy(p);
  assert_same(p, c);
  g_assert_true(c->gateway != p->gateway);
  g_assert_true(c->group_secret != p->group_secret);
  g_assert_null(osp_profile_copy(NULL));
  osp_profile_free(NULL);
}

/* ------------------------------------------------------------------ */
/* vpnc: each keyword on its own, into the right field */

static const struct {
  const char *line;
  const char *field;
  const char *expect;
} keyword_cases[] = {
  { "IPSec gateway vpn.example.com", "gateway", "vpn.example.com" },
  { "IPSec gateway 192.0.2.1", "gateway", "192.0.2.1" },
  { "IPSec ID group1", "group_id", "group1" },
  { "IPSec secret s3cret", "group_secret", "s3cret" },
  { "IPSec obfuscated secret " ENC_CONF, "group_secret", "vpnc-obfuscated" },
  { "Xauth username bob", "username", "bob" },
  { "Xauth password pw", "password", "pw" },
  { "Xauth obfuscated password " ENC_CONFPW, "password", "Xauth pass" },
  { "Domain CORP", "domain", "CORP" },
  { "IKE DH Group dh1", "dh_group", "1" },
  { "IKE DH Group dh2", "dh_group", "2" },
  { "IKE DH Group dh5", "dh_group", "5" },
  { "IKE DH Group dh14", "dh_group", "14" },
  { "IKE DH Group dh15", "dh_group", "15" },
  { "IKE DH Group dh16", "dh_group", "16" },
  { "IKE DH Group dh17", "dh_group", "17" },
  { "IKE DH Group dh18", "dh_group", "18" },
  { "IKE DH Group dh19", "dh_group", "19" },
  { "IKE DH Group dh20", "dh_group", "20" },
  { "IKE DH Group dh21", "dh_group", "21" },
  { "IKE DH Group auto", "dh_group", "0" },
  { "Perfect Forward Secrecy nopfs", "pfs_group", "0" },
  { "Perfect Forward Secrecy server", "pfs_group", "-1" },
  { "Perfect Forward Secrecy dh1", "pfs_group", "1" },
  { "Perfect Forward Secrecy dh2", "pfs_group", "2" },
  { "Perfect Forward Secrecy dh5", "pfs_group", "5" },
  { "Perfect Forward Secrecy dh14", "pfs_group", "14" },
  { "Perfect Forward Secrecy dh21", "pfs_group", "21" },
  { "Vendor cisco", "vendor", "0" },
  { "Vendor netscreen", "vendor", "1" },
  { "Vendor fortigate", "vendor", "2" },
  { "Application version Foo 1.0", "app_version", "Foo 1.0" },
  { "Application Version NetworkManager spelling", "app_version", "NetworkManager spelling" },
  { "Enable Single DES", "enable_single_des", "1" },
  { "Enable Single DES no", "enable_single_des", "0" },
  { "Enable Single DES yes", "enable_single_des", "1" },
  { "Enable weak encryption", "enable_weak_encryption", "1" },
  { "Enable weak encryption true", "enable_weak_encryption", "1" },
  { "Enable weak encryption false", "enable_weak_encryption", "0" },
  { "Enable weak authentication", "enable_weak_authentication", "1" },
  { "Enable weak authentication 1", "enable_weak_authentication", "1" },
  { "Enable weak authentication 0", "enable_weak_authentication", "0" },
  { "Enable weak DH group", "enable_weak_dh_group", "1" },
  { "Enable weak DH group no", "enable_weak_dh_group", "0" },
  { "Enable no encryption no", "enable_weak_encryption", "0" },
  { "Enable no encryption 0", "enable_weak_encryption", "0" },
  { "NAT Traversal Mode natt", "natt_mode", "0" },
  { "NAT Traversal Mode none", "natt_mode", "1" },
  { "NAT Traversal Mode force-natt", "natt_mode", "2" },
  { "NAT Traversal Mode cisco-udp", "natt_mode", "3" },
  { "Cisco UDP Encapsulation Port 4500", "cisco_udp_port", "4500" },
  { "Cisco UDP Encapsulation Port 0", "cisco_udp_port", "0" },
  { "Local Port 0", "local_port", "0" },
  { "Local Port 65535", "local_port", "65535" },
  { "Interface name tun7", "ifname", "tun7" },
  { "Interface name vpn%d", "ifname", "vpn%d" },
  { "Interface mode tun", "ifname", "(null)" },
  { "Interface MTU 0", "mtu", "0" },
  { "Interface MTU 576", "mtu", "576" },
  { "Interface MTU 1400", "mtu", "1400" },
  { "Interface MTU 9000", "mtu", "9000" },
  { "DPD idle timeout (our side) 0", "dpd_idle", "0" },
  { "DPD idle timeout (our side) 10", "dpd_idle", "10" },
  { "DPD idle timeout (our side) 86400", "dpd_idle", "86400" },
  { "Script /bin/true", "script", "/bin/true" },
  { "Script /etc/vpnc/vpnc-script --debug", "script", "/etc/vpnc/vpnc-script --debug" },
  { "Password helper /usr/bin/askpass", "password_helper", "/usr/bin/askpass" },
  { "IPSEC target network 10.0.0.0/255.255.0.0", "target_networks", "10.0.0.0/16" },
  { "IPSec target network 10.1.2.0/24", "target_networks", "10.1.2.0/24" },
  { "IPSEC target network 0.0.0.0/0.0.0.0", "target_networks", "(null)" },
  { "Target networks 10.0.0.0/8 192.168.1.7", "target_networks", "10.0.0.0/8 192.168.1.7/32" },
  { "Target networks 10.1.2.3/16,172.16.0.0/255.240.0.0", "target_networks",
    "10.1.0.0/16 172.16.0.0/12" },
  { "Xauth interactive", "password", "(null)" },
  { "Noninteractive", "gateway", "(null)" },
  { "Debug 99", "gateway", "(null)" },
  { "No Detach", "gateway", "(null)" },
  { "Pidfile /run/vpnc.pid", "gateway", "(null)" },
  { "Local Addr 0.0.0.0", "gateway", "(null)" },
  { "IKE Authmode psk", "auth_mode", "0" },
  { "IKE Authmode hybrid", "auth_mode", "1" },
  { "IKE Authmode HYBRID", "auth_mode", "1" },
  { "IKE Authmode cert", "auth_mode", "2" },
  { "Client certificate /etc/osprey/me.pem", "client_cert", "/etc/osprey/me.pem" },
  { "Client key /etc/osprey/me.key", "client_key", "/etc/osprey/me.key" },
  { "CA-File /etc/ssl/ca.pem", "ca_file", "/etc/ssl/ca.pem" },
  { "CA-Dir /etc/ssl/certs", "ca_dir", "/etc/ssl/certs" },
  /* Osprey's own keywords */
  { "IKE lifetime 60", "ike_lifetime", "60" },
  { "IKE lifetime 86400", "ike_lifetime", "86400" },
  { "IPSec lifetime 28800", "ipsec_lifetime", "28800" },
  { "DPD timeout 5", "dpd_timeout", "5" },
  { "DPD timeout 3600", "dpd_timeout", "3600" },
  { "Keep credentials no", "keep_credentials", "0" },
  { "Keep credentials", "keep_credentials", "1" },
  { "No split tunnel", "no_split", "1" },
  { "No split tunnel off", "no_split", "0" },
  { "ID type key-id", "id_type", "11" },
  { "ID type fqdn", "id_type", "2" },
  { "ID type user-fqdn", "id_type", "3" },
  { "ID type ipv4", "id_type", "1" },
  { "Description My VPN", "description", "My VPN" },
  { "Profile name work", "name", "work" },
  /* syntax */
  { "ipsec gateway lower.example", "gateway", "lower.example" },
  { "IPSEC ID UPPER", "group_id", "UPPER" },
  { "IPSec gateway   spaced.example  \t", "gateway", "spaced.example" },
  { "IPSec gateway\tafter-tab.example", "gateway", "after-tab.example" },
  { "   IPSec ID leading-blanks", "group_id", "leading-blanks" },
  { "IPSec secret \" edge \"", "group_secret", " edge " },
  { "IPSec secret \"\"quoted\"\"", "group_secret", "\"quoted\"" },
  { "IPSec secret a\"b", "group_secret", "a\"b" },
  { "IPSec secret \"", "group_secret", "\"" },
  { "IPSec secret has # no comment", "group_secret", "has # no comment" },
  { "Enable weak encryption   ", "enable_weak_encryption", "1" },
  { "Xauth password p\xc3\xa4ssw\xc3\xb6rd", "password", "p\xc3\xa4ssw\xc3\xb6rd" },
  { "Vendor NetScreen", "vendor", "1" },
  { "IPSec secret", "group_secret", "(null)" }, /* no value: a warning */
  { "# IPSec ID commented", "group_id", "(null)" },
};

static void test_vpnc_keywords(void)
{
  size_t i;

  for (i = 0; i < G_N_ELEMENTS(keyword_cases); i++) {
    g_autoptr(GError) error = NULL;
    g_autoptr(OspProfile) p = NULL;

    g_test_message("case %zu: %s", i, keyword_cases[i].line);
    p = vpnc(keyword_cases[i].line, NULL, &error);
    g_assert_no_error(error);
    g_assert_nonnull(p);
    assert_field(p, keyword_cases[i].field, keyword_cases[i].expect);
  }
}

/* ------------------------------------------------------------------ */
/* Refusals: every one OSP_ERROR_CONFIG, the message naming the setting */

typedef enum { VPNC, PCF, KEYFILE } Format;

static const struct {
  Format format;
  const char *text;
  const char *needle;
} refusal_cases[] = {
  { VPNC, "Enable no encryption", "Enable no encryption" },
  { VPNC, "Enable no encryption yes", "Enable no encryption" },
  { VPNC, "enable no encryption", "Enable no encryption" },
  { VPNC, "Interface mode tap", "Interface mode" },
  { VPNC, "Interface name tun`reboot`", "Interface name" },
  { VPNC, "Interface mode tunnel", "Interface mode" },
  { VPNC, "IKE Authmode xauth", "IKE Authmode" },
  { VPNC, "IKE DH Group dh3", "IKE DH Group" },
  { VPNC, "IKE DH Group nopfs", "IKE DH Group" },
  { VPNC, "IKE DH Group 2", "IKE DH Group" },
  { VPNC, "Perfect Forward Secrecy dh22", "Perfect Forward Secrecy" },
  { VPNC, "Perfect Forward Secrecy auto", "Perfect Forward Secrecy" },
  { VPNC, "Vendor juniper", "Vendor" },
  { VPNC, "NAT Traversal Mode cisco-tcp", "NAT Traversal Mode" },
  { VPNC, "Local Port 65536", "Local Port" },
  { VPNC, "Local Port -1", "Local Port" },
  { VPNC, "Local Port 12ab", "Local Port" },
  { VPNC, "Cisco UDP Encapsulation Port 70000", "Cisco UDP Encapsulation Port" },
  { VPNC, "Interface MTU 575", "Interface MTU" },
  { VPNC, "Interface MTU 9001", "Interface MTU" },
  { VPNC, "Interface MTU abc", "Interface MTU" },
  { VPNC, "DPD idle timeout (our side) 9", "DPD idle timeout (our side)" },
  { VPNC, "DPD idle timeout (our side) 86401", "DPD idle timeout (our side)" },
  { VPNC, "DPD timeout 4", "DPD timeout" },
  { VPNC, "DPD timeout 3601", "DPD timeout" },
  { VPNC, "IKE lifetime 9", "IKE lifetime" },
  { VPNC, "IKE lifetime 86401", "IKE lifetime" },
  { VPNC, "IPSec lifetime 100000", "IPSec lifetime" },
  { VPNC, "ID type der-asn1-dn", "ID type" },
  { VPNC, "Enable weak encryption maybe", "Enable weak encryption" },
  { VPNC, "Keep credentials sometimes", "Keep credentials" },
  { VPNC, "IPSec obfuscated secret 123", "IPSec obfuscated secret" },
  { VPNC, "IPSec obfuscated secret not-hex", "IPSec obfuscated secret" },
  { VPNC, "Xauth obfuscated password " ENC_BADPAD0, "Xauth obfuscated password" },
  { VPNC, "IPSEC target network 10.0.0.0/255.0.255.0", "IPSEC target network" },
  { VPNC, "Target networks 10.0.0.300/8", "Target networks" },
  { VPNC, "Target networks 10.0.0.0/33", "Target networks" },
  { VPNC, "Interface name has/slash", "Interface name" },
  { VPNC, "Interface name muchtoolongname0", "Interface name" },
  { VPNC, "Interface name tun%d%d", "Interface name" },
  { VPNC, "Interface name tun%s", "Interface name" },
  { VPNC, "IPSec gateway vpn example.com", "IPSec gateway" },
  { VPNC, "IPSec gateway vpn.example.com/x", "IPSec gateway" },
  /* control characters (CVE-2018-10900) */
  { VPNC,
    "IPSec secret a\x01"
    "b",
    "IPSec secret" },
  { VPNC, "IPSec ID a\tb", "IPSec ID" },
  { VPNC, "Xauth username bob\x1b[31m", "Xauth username" },
  { VPNC,
    "Domain a\x7f"
    "b",
    "Domain" },
  { VPNC,
    "Domain a\xc2\x85"
    "b",
    "Domain" }, /* U+0085 NEXT LINE */
  { VPNC, "Script /bin/sh\vx", "Script" },
  { VPNC, "Debug 1\x0c", "Debug" },
  /* .pcf */
  { PCF, "[main]\r\nHost=h.example\r\n!AuthType=2\r\n", "AuthType" },
  { PCF, "[main]\r\nHost=h.example\r\nTunnelingMode=1\r\n", "TunnelingMode" },
  { PCF, "[main]\r\nTunnelingMode=x\r\n", "TunnelingMode" },
  { PCF, "[main]\r\nDHGroup=3\r\n", "DHGroup" },
  { PCF, "[main]\r\nDHGroup=dh2\r\n", "DHGroup" },
  { PCF, "[main]\r\nEnableNat=2\r\n", "EnableNat" },
  { PCF, "[main]\r\nPeerTimeout=4000\r\n", "PeerTimeout" },
  { PCF, "[main]\r\nPeerTimeout=soon\r\n", "PeerTimeout" },
  { PCF, "[main]\r\nenc_GroupPwd=ABCDEF\r\n", "enc_GroupPwd" },
  { PCF, "[main]\r\nenc_UserPassword=" ENC_BADPAD9 "\r\n", "enc_UserPassword" },
  { PCF, "[main]\r\nHost=bad host\r\n", "Host" },
  { PCF,
    "[main]\r\nGroupName=a\x01"
    "b\r\n",
    "GroupName" },
  { PCF,
    "[main]\r\nUserPassword=a\x1b"
    "b\r\n",
    "UserPassword" },
  { PCF, "[main]\r\nAuthType=1\x1b[2J\r\n", "AuthType" },
  /* keyfile */
  { KEYFILE, "[profile]\nmtu=100\n", "mtu" },
  { KEYFILE, "[profile]\nlocal-port=abc\n", "local-port" },
  { KEYFILE, "[profile]\nlocal-port=65536\n", "local-port" },
  { KEYFILE, "[profile]\nno-split=maybe\n", "no-split" },
  { KEYFILE, "[profile]\nkeep-credentials=\n", "keep-credentials" },
  { KEYFILE, "[profile]\npassword=a\\nb\n", "password" },
  { KEYFILE, "[profile]\ngroup-id=x\\ty\n", "group-id" },
  { KEYFILE, "[profile]\nvendor=juniper\n", "vendor" },
  { KEYFILE, "[profile]\ndh-group=dh3\n", "dh-group" },
  { KEYFILE, "[profile]\npfs=auto\n", "pfs" },
  { KEYFILE, "[profile]\nnatt-mode=tcp\n", "natt-mode" },
  { KEYFILE, "[profile]\nid-type=der-asn1-dn\n", "id-type" },
  { KEYFILE, "[profile]\ntarget-networks=10.0.0.0/33\n", "target-networks" },
  { KEYFILE, "[profile]\ninterface-name=a/b\n", "interface-name" },
  /* TUNDEV reaches the vpnc-script, which expands it unquoted */
  { KEYFILE, "[profile]\ninterface-name=tun$(id)\n", "interface-name" },
  { KEYFILE, "[profile]\ninterface-name=tun;x\n", "interface-name" },
  { KEYFILE, "[profile]\ninterface-name=t*\n", "interface-name" },
  { KEYFILE, "[profile]\ninterface-name=vpn%d%d\n", "interface-name" },
  { KEYFILE, "[profile]\ninterface-name=vpn%s\n", "interface-name" },
  { KEYFILE, "[profile]\ninterface-name=t\xc3\xa9\n", "interface-name" },
  { KEYFILE, "[profile]\ngateway=a b\n", "gateway" },
  { KEYFILE, "[profile]\nike-lifetime=1\n", "ike-lifetime" },
  { KEYFILE, "[other]\ngateway=vpn.example.com\n", "[profile]" },
};

static void test_refusals(void)
{
  size_t i;

  for (i = 0; i < G_N_ELEMENTS(refusal_cases); i++) {
    g_autoptr(GError) error = NULL;
    g_autoptr(OspProfile) p = NULL;
    const char *text = refusal_cases[i].text;

    g_test_message("case %zu: %s", i, text);
    switch (refusal_cases[i].format) {
    case VPNC: p = vpnc(text, NULL, &error); break;
    case PCF: p = pcf(text, NULL, &error); break;
    case KEYFILE: p = keyfile(text, &error); break;
    }
    if (p) {
      g_test_fail_printf("case %zu (%s) was accepted", i, text);
      continue;
    }
    g_assert_error(error, OSP_ERROR, OSP_ERROR_CONFIG);
    if (!strstr(error->message, refusal_cases[i].needle))
      g_test_fail_printf("case %zu: “%s” does not name “%s”", i, error->message,
                         refusal_cases[i].needle);
  }
}

static void test_vpnc_errors_detail(void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(OspProfile) p = NULL;
  static const char nul_text[] = "IPSec gateway a.example\nIPSec ID g\0x\n";
  static const char utf16_nul[] = { '\xff', '\xfe', 'H', 0, '=', 0, 0, 0, 'x', 0 };
  char long_value[4098] = "";
  g_autofree char *long_line = NULL;

  /* the line number of the offending line */
  p = vpnc("IPSec gateway vpn.example.com\nInterface MTU 5\n", NULL, &error);
  g_assert_null(p);
  g_assert_error(error, OSP_ERROR, OSP_ERROR_CONFIG);
  g_assert_nonnull(strstr(error->message, "line 2"));
  g_clear_error(&error);

  /* a bounded number that is not one names its own bounds */
  p = vpnc("IPSec gateway vpn.example.com\nIKE lifetime 8h\n", NULL, &error);
  g_assert_null(p);
  g_assert_error(error, OSP_ERROR, OSP_ERROR_CONFIG);
  g_assert_nonnull(strstr(error->message, "IKE lifetime: “8h” is not a number (10-86400)"));
  g_clear_error(&error);
  p = vpnc("IPSec gateway vpn.example.com\nDPD idle timeout (our side) x\n", NULL, &error);
  g_assert_null(p);
  g_assert_nonnull(strstr(error->message, "(0 or 10-86400)"));
  g_clear_error(&error);

  /* a secret is never quoted back */
  p = vpnc("IPSec secret hunter2\x01", NULL, &error);
  g_assert_null(p);
  g_assert_null(strstr(error->message, "hunter2"));
  g_clear_error(&error);

  /* a NUL byte inside the given length */
  p = osp_profile_parse_vpnc(nul_text, sizeof(nul_text) - 1, NULL, &error);
  g_assert_null(p);
  g_assert_error(error, OSP_ERROR, OSP_ERROR_CONFIG);
  g_assert_nonnull(strstr(error->message, "NUL"));
  g_clear_error(&error);

  /* ... and a U+0000 in a UTF-16 file */
  p = osp_profile_parse_pcf(utf16_nul, sizeof(utf16_nul), NULL, &error);
  g_assert_null(p);
  g_assert_error(error, OSP_ERROR, OSP_ERROR_CONFIG);
  g_assert_nonnull(strstr(error->message, "NUL"));
  g_clear_error(&error);

  /* values are bounded */
  memset(long_value, 'a', sizeof(long_value) - 1); /* 4097 bytes */
  long_line = g_strconcat("IPSec ID ", long_value, NULL);
  p = vpnc(long_line, NULL, &error);
  g_assert_null(p);
  g_assert_error(error, OSP_ERROR, OSP_ERROR_CONFIG);
  g_assert_nonnull(strstr(error->message, "IPSec ID"));
}

static void test_vpnc_warnings(void)
{
  g_autoptr(GPtrArray) w = warnings_new();
  g_autoptr(GError) error = NULL;
  g_autoptr(OspProfile) p = NULL;

  p = vpnc("IPSec gateway gw.example\n"
           "IPSec secrett hunter2\n" /* misspelt: unknown, the value not repeated */
           "IPSec ID first\n"
           "IPSec ID second\n"      /* vpnc: the first one counts */
           "Local Addr 192.0.2.5\n" /* not supported */
           "Domain\n"               /* no value */
           "IPSec gatewayx y\n"     /* a keyword must end at a blank */
           "\x1b]0;owned\x07 x\n",  /* no raw control bytes in a warning */
           w, &error);
  g_assert_no_error(error);
  assert_field(p, "group_id", "first");
  assert_field(p, "gateway", "gw.example");
  assert_field(p, "domain", "(null)");
  assert_field(p, "group_secret", "(null)");
  g_assert_cmpuint(w->len, ==, 6);
  g_assert_true(warnings_contain(w, "line 8: unknown keyword starting with “\\033]0;owned\\007”"));
  g_assert_false(warnings_contain(w, "\x1b"));
  g_assert_true(warnings_contain(w, "line 2"));
  g_assert_false(warnings_contain(w, "hunter2"));
  g_assert_true(warnings_contain(w, "line 4: IPSec ID"));
  g_assert_true(warnings_contain(w, "line 5: Local Addr"));
  g_assert_true(warnings_contain(w, "line 6: Domain"));
  g_assert_true(warnings_contain(w, "line 7"));
}

static void test_vpnc_obfuscated_vs_clear(void)
{
  static const char *const texts[] = {
    "IPSec secret clear\nIPSec obfuscated secret " ENC_CONF "\n",
    "IPSec obfuscated secret " ENC_CONF "\nIPSec secret clear\n",
  };
  size_t i;

  for (i = 0; i < G_N_ELEMENTS(texts); i++) {
    g_autoptr(GPtrArray) w = warnings_new();
    g_autoptr(GError) error = NULL;
    g_autoptr(OspProfile) p = vpnc(texts[i], w, &error);

    g_assert_no_error(error);
    assert_field(p, "group_secret", "clear");
    g_assert_true(warnings_contain(w, "IPSec obfuscated secret"));
  }
}

static void test_vpnc_latin1(void)
{
  g_autoptr(GPtrArray) w = warnings_new();
  g_autoptr(GError) error = NULL;
  g_autoptr(OspProfile) p = NULL;

  p = vpnc("Description Caf\xe9 \x80"
           "5\nIPSec obfuscated secret " ENC_LATIN1 "\n",
           w, &error);
  g_assert_no_error(error);
  assert_field(p, "description",
               "Caf\xc3\xa9 \xe2\x82\xac"
               "5"); /* é, € */
  assert_field(p, "group_secret", "caf\xc3\xa9");
  g_assert_true(warnings_contain(w, "Windows-1252"));
  g_assert_true(warnings_contain(w, "IPSec obfuscated secret"));
}

static void test_vpnc_merge(void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(OspProfile) p = NULL;
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  static const char first[] = "IPSec gateway one.example\nIPSec ID group\nInterface MTU 1300\n";
  static const char second[] = "IPSec gateway two.example\nXauth username u\n";
  static const char bad[] = "IPSec ID changed\nInterface mode tap\n";

  p = vpnc(first, NULL, &error);
  g_assert_no_error(error);
  g_assert_true(osp_profile_merge_vpnc(p, second, strlen(second), NULL, &error));
  g_assert_no_error(error);
  assert_field(p, "gateway", "two.example"); /* a later text overrides */
  assert_field(p, "group_id", "group");      /* what it does not set stays */
  assert_field(p, "mtu", "1300");
  assert_field(p, "username", "u");

  /* on failure the profile is left as it was */
  before = dump(p);
  g_assert_false(osp_profile_merge_vpnc(p, bad, strlen(bad), NULL, &error));
  g_assert_error(error, OSP_ERROR, OSP_ERROR_CONFIG);
  after = dump(p);
  g_assert_cmpstr(before, ==, after);
}

/* ------------------------------------------------------------------ */
/* Sample files */

static OspProfile *load(const char *name,
                        OspProfile *(*loader)(const char *, GPtrArray *, GError **), GPtrArray *w)
{
  g_autofree char *path = data_path(name);
  g_autoptr(GError) error = NULL;
  OspProfile *p = loader(path, w, &error);

  g_assert_no_error(error);
  g_assert_nonnull(p);
  g_assert_true(osp_profile_validate(p, &error));
  g_assert_no_error(error);
  return p;
}

static void test_file_vpnc_basic(void)
{
  g_autoptr(GPtrArray) w = warnings_new();
  g_autoptr(OspProfile) p = load("vpnc-basic.conf", osp_profile_load_vpnc, w);

  g_assert_cmpuint(w->len, ==, 0);
  assert_field(p, "gateway", "vpn.example.com");
  assert_field(p, "group_id", "ExampleVpnPSK");
  assert_field(p, "group_secret", "PskS3cret!");
  assert_field(p, "username", "user@example.com");
  assert_field(p, "password", "USecr3t");
  assert_field(p, "name", "(null)");
}

static void test_file_vpnc_full(void)
{
  g_autoptr(GPtrArray) w = warnings_new();
  g_autoptr(OspProfile) p = load("vpnc-full.conf", osp_profile_load_vpnc, w);

  g_assert_cmpuint(w->len, ==, 0);
  assert_field(p, "gateway", "192.0.2.10");
  assert_field(p, "group_id", "Sales Team ");
  assert_field(p, "group_secret", "vpnc-obfuscated");
  assert_field(p, "username", "jdoe");
  assert_field(p, "password", "Xauth pass");
  assert_field(p, "domain", "EXAMPLE");
  assert_field(p, "vendor", "1");
  assert_field(p, "natt_mode", "2");
  assert_field(p, "script", "/usr/local/sbin/vpnc-script --verbose");
  assert_field(p, "dh_group", "5");
  assert_field(p, "pfs_group", "14");
  assert_field(p, "enable_single_des", "1");
  assert_field(p, "enable_weak_encryption", "1");
  assert_field(p, "enable_weak_authentication", "1");
  assert_field(p, "app_version", "Cisco Systems VPN Client 4.8.01.0300:Linux");
  assert_field(p, "ifname", "vpn%d");
  assert_field(p, "mtu", "1380");
  assert_field(p, "local_port", "0");
  assert_field(p, "cisco_udp_port", "10001");
  assert_field(p, "dpd_idle", "60");
  assert_field(p, "target_networks", "10.0.0.0/8");
  assert_field(p, "password_helper", "/usr/bin/vpnc-askpass");
  /* untouched by any vpnc keyword */
  assert_field(p, "id_type", "11");
  assert_field(p, "dpd_timeout", "30");
  assert_field(p, "keep_credentials", "1");
}

static void test_file_vpnc_osprey(void)
{
  g_autoptr(GPtrArray) w = warnings_new();
  g_autoptr(OspProfile) p = load("vpnc-osprey.conf", osp_profile_load_vpnc, w);

  g_assert_cmpuint(w->len, ==, 0);
  assert_field(p, "name", "office");
  assert_field(p, "description", "Head office (Z\xc3\xbcrich)");
  assert_field(p, "gateway", "vpn.example.net");
  assert_field(p, "group_id", "user@example.net");
  assert_field(p, "id_type", "3");
  assert_field(p, "group_secret", "group secret with blanks");
  assert_field(p, "dh_group", "19");
  assert_field(p, "pfs_group", "0");
  assert_field(p, "natt_mode", "1");
  assert_field(p, "ike_lifetime", "7200");
  assert_field(p, "ipsec_lifetime", "1800");
  assert_field(p, "dpd_timeout", "45");
  assert_field(p, "target_networks", "10.1.0.0/16 192.168.7.0/24 172.16.5.5/32");
  assert_field(p, "keep_credentials", "0");
  assert_field(p, "no_split", "1");
}

static void test_file_vpnc_nm(void)
{
  g_autoptr(GPtrArray) w = warnings_new();
  g_autoptr(OspProfile) p = load("vpnc-nm.conf", osp_profile_load_vpnc, w);

  g_assert_cmpuint(w->len, ==, 0);
  assert_field(p, "gateway", "vpn.corp.example");
  assert_field(p, "group_id", "corp");
  assert_field(p, "username", "alice");
  assert_field(p, "domain", "CORP");
  assert_field(p, "app_version", "Cisco Systems VPN Client 5.0.07.0290:Linux");
  assert_field(p, "enable_single_des", "1");
  assert_field(p, "natt_mode", "3");
  assert_field(p, "cisco_udp_port", "0");
  assert_field(p, "local_port", "0");
  assert_field(p, "dpd_idle", "0");
  assert_field(p, "group_secret", "groupsecret");
  assert_field(p, "password", "alicepw");
  g_assert_true(g_str_has_prefix(p->script, "/usr/lib/NetworkManager/"));
}

static void test_file_vpnc_default(void)
{
  g_autoptr(GPtrArray) w = warnings_new();
  g_autoptr(OspProfile) p = load("vpnc-default.conf", osp_profile_load_vpnc, w);

  assert_field(p, "dh_group", "2");
  assert_field(p, "pfs_group", "0");
  assert_field(p, "group_secret", "first");
  g_assert_cmpuint(w->len, ==, 2);
  g_assert_true(warnings_contain(w, "line 11: unknown keyword starting with “UDP”"));
  g_assert_true(warnings_contain(w, "line 16: IPSec secret"));
}

static void test_file_vpnc_crlf(void)
{
  g_autoptr(GPtrArray) w = warnings_new();
  g_autoptr(OspProfile) p = load("vpnc-crlf.conf", osp_profile_load_vpnc, w);

  g_assert_cmpuint(w->len, ==, 0);
  assert_field(p, "gateway", "crlf.example.com");
  assert_field(p, "group_id", "crlf-group");
  assert_field(p, "username", "crlf-user");
  assert_field(p, "mtu", "1400");
}

static void test_vpnc_line_ends(void)
{
  static const char *const texts[] = {
    "IPSec gateway g.example\nIPSec ID id\n", "IPSec gateway g.example\r\nIPSec ID id\r\n",
    "IPSec gateway g.example\rIPSec ID id\r", /* vpnc ends a line at a lone CR too */
    "IPSec gateway g.example\nIPSec ID id",   /* no final line end */
  };
  size_t i;

  for (i = 0; i < G_N_ELEMENTS(texts); i++) {
    g_autoptr(GError) error = NULL;
    g_autoptr(OspProfile) p = vpnc(texts[i], NULL, &error);

    g_assert_no_error(error);
    assert_field(p, "gateway", "g.example");
    assert_field(p, "group_id", "id");
  }
}

static void test_file_pcf_example(void)
{
  g_autoptr(GPtrArray) w = warnings_new();
  g_autoptr(OspProfile) p = load("cisco-example.pcf", osp_profile_load_pcf, w);

  /* Windows-1252 "ü", converted */
  assert_field(p, "description", "B\xc3\xbcro Z\xc3\xbcrich (Hauptsitz)");
  assert_field(p, "gateway", "vpn.example.com");
  assert_field(p, "group_id", "examplegroup");
  assert_field(p, "group_secret", "GroupSecret1");
  assert_field(p, "username", "jdoe");
  assert_field(p, "password", "s3cr3t-user-pw");
  assert_field(p, "domain", "EXAMPLE");
  assert_field(p, "dh_group", "2");
  assert_field(p, "natt_mode", "0");
  assert_field(p, "dpd_timeout", "90");
  assert_field(p, "local_lan", "1"); /* EnableLocalLAN=1 */
  g_assert_cmpuint(w->len, ==, 1);
  g_assert_true(warnings_contain(w, "Windows-1252"));
}

static void test_file_pcf_bom(void)
{
  g_autoptr(GPtrArray) w = warnings_new();
  g_autoptr(OspProfile) p = load("cisco-bom.pcf", osp_profile_load_pcf, w);

  g_assert_cmpuint(w->len, ==, 0);
  assert_field(p, "description",
               "Niederlassung K\xc3\xb6ln \xe2\x80\x93 Au\xc3\x9f"
               "endienst");
  assert_field(p, "gateway", "koeln.example.de"); /* not the [GUI] one */
  assert_field(p, "group_id", "aussendienst");
  assert_field(p, "group_secret", "Klartext!"); /* the clear one wins */
  assert_field(p, "username", "(null)");
  assert_field(p, "password", "p\xc3\xa4ssw\xc3\xb6rd");
  assert_field(p, "domain", "KOELN");
  assert_field(p, "natt_mode", "1");
  assert_field(p, "dh_group", "14");
  assert_field(p, "dpd_timeout", "120");
}

static void test_file_pcf_nomain(void)
{
  g_autoptr(GPtrArray) w = warnings_new();
  g_autoptr(OspProfile) p = load("cisco-nomain.pcf", osp_profile_load_pcf, w);

  g_assert_cmpuint(w->len, ==, 1);
  g_assert_true(warnings_contain(w, "[main]"));
  assert_field(p, "description", "No section header");
  assert_field(p, "gateway", "198.51.100.7");
  assert_field(p, "group_id", "nohdr");
  assert_field(p, "group_secret", "plain-secret");
  assert_field(p, "dh_group", "5");
}

static void test_file_pcf_utf16(void)
{
  g_autoptr(GPtrArray) w = warnings_new();
  g_autoptr(OspProfile) p = load("cisco-utf16.pcf", osp_profile_load_pcf, w);

  g_assert_cmpuint(w->len, ==, 0);
  assert_field(p, "description", "Филиал Москва");
  assert_field(p, "gateway", "msk.example.ru");
  assert_field(p, "group_secret", "GroupSecret1");
}

static void test_file_pcf_refused(void)
{
  static const struct {
    const char *file;
    const char *needle;
  } cases[] = {
    { "cisco-tcp.pcf", "TunnelingMode" },
  };
  size_t i;

  for (i = 0; i < G_N_ELEMENTS(cases); i++) {
    g_autofree char *path = data_path(cases[i].file);
    g_autoptr(GError) error = NULL;
    g_autoptr(OspProfile) p = osp_profile_load_pcf(path, NULL, &error);
    g_autoptr(OspProfile) q = NULL;

    g_assert_null(p);
    g_assert_error(error, OSP_ERROR, OSP_ERROR_CONFIG);
    g_assert_nonnull(strstr(error->message, cases[i].needle));
    g_clear_error(&error);
    q = osp_profile_load_any(path, NULL, &error);
    g_assert_null(q);
    g_assert_error(error, OSP_ERROR, OSP_ERROR_CONFIG);
  }
}

static void test_pcf_details(void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(OspProfile) p = NULL;

  /* keys ignore case; empty values are unset; the first of two counts */
  p = pcf("[Main]\nHOST=a.example\nhost=b.example\nGroupName=\nGroupPwd=\n!UserName = u \n", NULL,
          &error);
  g_assert_no_error(error);
  assert_field(p, "gateway", "a.example");
  assert_field(p, "group_id", "(null)");
  assert_field(p, "group_secret", "(null)");
  assert_field(p, "username", "u");
  g_clear_pointer(&p, osp_profile_free);

  /* AuthType 1 and TunnelingMode 0 are fine; PeerTimeout 0 keeps the default */
  p = pcf("[main]\nAuthType=1\nTunnelingMode=0\nPeerTimeout=0\nEnableNat=0\n", NULL, &error);
  g_assert_no_error(error);
  assert_field(p, "dpd_timeout", "30");
  assert_field(p, "natt_mode", "1");
  assert_field(p, "auth_mode", "0");
  g_clear_pointer(&p, osp_profile_free);

  /* AuthType 5, mutual group authentication, is hybrid: the CA is not in
   * the file, a warning says to set it */
  {
    g_autoptr(GPtrArray) warnings = g_ptr_array_new_with_free_func(g_free);

    p = pcf("[main]\r\nHost=h.example\r\nGroupName=g\r\nAuthType=5\r\n", warnings, &error);
    g_assert_no_error(error);
    assert_field(p, "auth_mode", "1");
    g_assert_cmpuint(warnings->len, ==, 1);
    g_assert_nonnull(strstr(g_ptr_array_index(warnings, 0), "ca-file"));
  }
  g_clear_pointer(&p, osp_profile_free);
  /* AuthType 3: certificates on both sides, from the Cisco store: ours to
   * set */
  {
    g_autofree char *path = data_path("cisco-cert.pcf");
    g_autoptr(GPtrArray) warnings = g_ptr_array_new_with_free_func(g_free);

    p = osp_profile_load_pcf(path, warnings, &error);
    g_assert_no_error(error);
    assert_field(p, "auth_mode", "2");
    g_assert_nonnull(strstr(g_ptr_array_index(warnings, warnings->len - 1), "client-cert"));
    g_clear_pointer(&p, osp_profile_free);
    /* its empty GroupName is no loss: our certificate identifies us */
    g_ptr_array_set_size(warnings, 0);
    p = osp_profile_load_any(path, warnings, &error);
    g_assert_no_error(error);
    g_assert_true(osp_profile_validate(p, &error));
    assert_field(p, "group_id", "(null)");
  }
}

/* Backup servers: a .pcf list when EnableBackup is 1, the setting as
 * vpnc-style text; each entry a host name or address, at most 8. */
static void test_backup_servers(void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(OspProfile) p = NULL;

  p = pcf("[main]\nHost=vpn.example\nEnableBackup=1\nBackupServer=vpn2.example,192.0.2.7, "
          "vpn3.example\n",
          NULL, &error);
  g_assert_no_error(error);
  assert_field(p, "backup_servers", "vpn2.example 192.0.2.7 vpn3.example");
  g_clear_pointer(&p, osp_profile_free);

  /* switched off: the Cisco client keeps the list but does not use it */
  p = pcf("[main]\nHost=vpn.example\nEnableBackup=0\nBackupServer=vpn2.example\n", NULL, &error);
  g_assert_no_error(error);
  assert_field(p, "backup_servers", "(null)");
  g_clear_pointer(&p, osp_profile_free);

  g_assert_null(pcf("[main]\nHost=vpn.example\nEnableBackup=yes\n", NULL, &error));
  g_assert_error(error, OSP_ERROR, OSP_ERROR_CONFIG);
  g_assert_nonnull(strstr(error->message, "EnableBackup"));
  g_clear_error(&error);

  g_assert_null(
      pcf("[main]\nHost=vpn.example\nEnableBackup=1\nBackupServer=ok.example,x;y\n", NULL, &error));
  g_assert_error(error, OSP_ERROR, OSP_ERROR_CONFIG);
  g_assert_nonnull(strstr(error->message, "“x;y” is not a host name"));
  g_clear_error(&error);

  p = vpnc("IPSec gateway 192.0.2.1\nBackup servers 192.0.2.8, 192.0.2.9\n", NULL, &error);
  g_assert_no_error(error);
  assert_field(p, "backup_servers", "192.0.2.8 192.0.2.9");
  g_clear_pointer(&p, osp_profile_free);

  g_assert_null(vpnc("IPSec gateway 192.0.2.1\nBackup servers a b c d e f g h i\n", NULL, &error));
  g_assert_error(error, OSP_ERROR, OSP_ERROR_CONFIG);
  g_assert_nonnull(strstr(error->message, "more than 8 servers"));
}

static void test_file_keyfile(void)
{
  g_autoptr(GPtrArray) w = warnings_new();
  g_autoptr(OspProfile) p = load("osprey-profile.conf", osp_profile_load_any, w);

  g_assert_cmpuint(w->len, ==, 0);
  assert_field(p, "name", "lab");
  assert_field(p, "gateway", "vpn.lab.example");
  assert_field(p, "group_id", "lab");
  assert_field(p, "username", "tester");
  assert_field(p, "dh_group", "14");
  assert_field(p, "pfs_group", "14");
  assert_field(p, "mtu", "1300");
  assert_field(p, "no_split", "1");
}

static void assert_load_any_fails(const char *path, const char *contents, const char *needle)
{
  g_autoptr(GError) error = NULL;

  g_assert_true(g_file_set_contents(path, contents, -1, NULL));
  g_assert_null(osp_profile_load_any(path, NULL, &error));
  g_assert_error(error, OSP_ERROR, OSP_ERROR_CONFIG);
  g_assert_nonnull(strstr(error->message, needle));
}

static void test_load_any(void)
{
  static const struct {
    const char *file;
    const char *gateway;
  } cases[] = {
    { "vpnc-basic.conf", "vpn.example.com" },     { "vpnc-full.conf", "192.0.2.10" },
    { "vpnc-nm.conf", "vpn.corp.example" },       { "vpnc-crlf.conf", "crlf.example.com" },
    { "cisco-example.pcf", "vpn.example.com" },   { "cisco-bom.pcf", "koeln.example.de" },
    { "cisco-nomain.pcf", "198.51.100.7" },       { "cisco-utf16.pcf", "msk.example.ru" },
    { "osprey-profile.conf", "vpn.lab.example" },
  };
  g_autofree char *dir = g_dir_make_tmp("osp-profile-XXXXXX", NULL);
  g_autofree char *tmp = g_build_filename(dir, "exported.txt", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(OspProfile) q = NULL;
  size_t i;

  for (i = 0; i < G_N_ELEMENTS(cases); i++) {
    g_autoptr(OspProfile) p = NULL;

    g_test_message("case %zu: %s", i, cases[i].file);
    p = load(cases[i].file, osp_profile_load_any, NULL);
    assert_field(p, "gateway", cases[i].gateway);
  }

  /* a .pcf without [main] and without its extension: by content */
  g_assert_true(
      g_file_set_contents(tmp, "; comment\r\n!Host=sniffed.example\r\nGroupName=g\r\n", -1, NULL));
  q = osp_profile_load_any(tmp, NULL, &error);
  g_assert_no_error(error);
  assert_field(q, "gateway", "sniffed.example");
  g_clear_pointer(&q, osp_profile_free);

  /* ... that lacks a setting: said in .pcf words, not vpnc's */
  assert_load_any_fails(tmp, "!Host=sniffed.example\r\n", "GroupName is missing");
  /* neither vpnc's nor a .pcf nor a profile */
  assert_load_any_fails(tmp, "#!/bin/sh\necho hello\n", "neither a vpnc configuration file");

  /* a missing file */
  g_assert_cmpint(g_unlink(tmp), ==, 0);
  q = osp_profile_load_any(tmp, NULL, &error);
  g_assert_null(q);
  g_assert_error(error, OSP_ERROR, OSP_ERROR_CONFIG);
  g_assert_cmpint(g_rmdir(dir), ==, 0);
}

/* ------------------------------------------------------------------ */
/* Validation */

/* A gateway (or backup server) by its IPv6 address, bare or in brackets;
 * what is neither an address nor a host name is refused, saying so */
static void test_gateway_ipv6(void)
{
  static const char *const good[] = { "2001:db8::1", "[2001:db8::1]", "2001:db8:f::1", "192.0.2.1",
                                      "vpn.example.com" };
  static const char *const bad[] = { "2001:db8::1::2", "[192.0.2.1]",       "[2001:db8::1",
                                     "2001:db8::1]",   "[vpn.example.com]", "2001:db8::1%eth0" };
  g_autoptr(OspProfile) p = osp_profile_new();
  g_autoptr(GError) error = NULL;
  g_autofree char *canon = NULL;
  char text[OSP_ADDR_STRLEN];
  OspAddr a, b;

  p->group_id = g_strdup("group");
  for (size_t i = 0; i < G_N_ELEMENTS(good); i++) {
    g_free(p->gateway);
    p->gateway = g_strdup(good[i]);
    g_assert_true(osp_profile_validate(p, &error));
    g_assert_no_error(error);
  }
  for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
    g_free(p->gateway);
    p->gateway = g_strdup(bad[i]);
    g_assert_false(osp_profile_validate(p, &error));
    g_assert_error(error, OSP_ERROR, OSP_ERROR_CONFIG);
    g_assert_nonnull(strstr(error->message, "is not a host name, IPv4 or IPv6 address"));
    g_clear_error(&error);
  }
  g_assert_true(osp_profile_canonical_servers(
      "backup-servers", "[2001:db8::2], 192.0.2.3 2001:db8::3", &canon, &error));
  g_assert_cmpstr(canon, ==, "[2001:db8::2] 192.0.2.3 2001:db8::3");

  /* the address: parsed with a port, formatted without, compared without */
  g_assert_true(osp_addr_parse("[2001:DB8:0::1]", 500, &a));
  g_assert_true(osp_addr_is_ipv6(&a));
  g_assert_cmpuint(osp_addr_port(&a), ==, 500);
  g_assert_cmpuint(osp_addr_len(&a), ==, sizeof(struct sockaddr_in6));
  g_assert_cmpstr(osp_addr_format(&a, text), ==, "2001:db8::1");
  g_assert_true(osp_addr_parse("2001:db8::1", 4500, &b));
  g_assert_true(osp_addr_same_host(&a, &b));
  g_assert_true(osp_addr_parse("192.0.2.1", 500, &b));
  g_assert_false(osp_addr_same_host(&a, &b));
  g_assert_cmpuint(osp_addr_len(&b), ==, sizeof(struct sockaddr_in));
  g_assert_cmpuint(osp_addr_outer_overhead(&a, true), ==, 48);
  g_assert_cmpuint(osp_addr_outer_overhead(&b, false), ==, 20);
  g_assert_false(osp_addr_parse("vpn.example.com", 500, &b));
  g_assert_true(osp_addr_parse("::", 0, &b));
  g_assert_true(osp_addr_is_unspecified(&b));
}

static void test_validate(void)
{
  g_autoptr(OspProfile) base = osp_profile_new();
  g_autoptr(GError) error = NULL;
  g_autoptr(OspProfile) p = NULL;
  size_t i;

  base->gateway = g_strdup("vpn.example.com");
  p = osp_profile_copy(base);
  g_assert_false(osp_profile_validate(p, &error));
  g_assert_error(error, OSP_ERROR, OSP_ERROR_CONFIG);
  g_assert_cmpstr(error->message, ==, "IPSec ID is missing");
  g_clear_error(&error);
  base->group_id = g_strdup("group");
  g_assert_true(osp_profile_validate(base, &error));
  g_assert_no_error(error);

  for (i = 0;; i++) {
    g_autoptr(OspProfile) q = osp_profile_copy(base);
    const char *needle;

    switch (i) {
    case 0:
      g_free(q->gateway);
      q->gateway = g_strdup("");
      needle = "IPSec gateway is missing";
      break;
    case 1:
      g_free(q->gateway);
      q->gateway = g_strdup("a b");
      needle = "IPSec gateway";
      break;
    case 2:
      q->password = g_strdup("a\nb");
      needle = "Xauth password";
      break;
    case 3:
      q->group_secret = g_strdup("a\rb");
      needle = "IPSec secret";
      break;
    case 4:
      q->mtu = 100;
      needle = "Interface MTU";
      break;
    case 5:
      q->dpd_idle = 5;
      needle = "DPD idle timeout (our side)";
      break;
    case 6:
      q->dpd_timeout = 0;
      needle = "DPD timeout";
      break;
    case 7:
      q->ike_lifetime = 9;
      needle = "IKE lifetime";
      break;
    case 8:
      q->ipsec_lifetime = 90000;
      needle = "IPSec lifetime";
      break;
    case 9:
      q->dh_group = 3;
      needle = "IKE DH Group";
      break;
    case 10:
      q->pfs_group = -5;
      needle = "Perfect Forward Secrecy";
      break;
    case 11:
      q->vendor = (OspVendor)7;
      needle = "Vendor";
      break;
    case 12:
      q->natt_mode = (OspNattMode)9;
      needle = "NAT Traversal Mode";
      break;
    case 13:
      q->id_type = 99;
      needle = "ID type";
      break;
    case 14:
      q->id_type = 1;
      needle = "IPSec ID";
      break; /* ipv4 needs an address */
    case 15:
      q->target_networks = g_strdup("garbage");
      needle = "Target networks";
      break;
    case 16:
      q->ifname = g_strdup("a:b");
      needle = "Interface name";
      break;
    case 17:
      q->description = g_strdup("\xff");
      needle = "Description";
      break;
    case 18:
      q->ifname = g_strdup("tun`id`");
      needle = "Interface name";
      break;
    default: needle = NULL; break;
    }
    if (!needle)
      break;
    g_test_message("case %zu: %s", i, needle);
    g_assert_false(osp_profile_validate(q, &error));
    g_assert_error(error, OSP_ERROR, OSP_ERROR_CONFIG);
    g_assert_nonnull(strstr(error->message, needle));
    g_clear_error(&error);
  }

  g_free(base->group_id);
  base->group_id = g_strdup("192.0.2.9");
  base->id_type = 1;
  g_assert_true(osp_profile_validate(base, &error));
  g_assert_no_error(error);
}

/* ------------------------------------------------------------------ */
/* Round trips */

/* A profile with every setting away from its default, and awkward values. */
static OspProfile *awkward_profile(void)
{
  OspProfile *p = osp_profile_new();

  p->name = g_strdup("awkward");
  p->description = g_strdup("  Zürich \"HQ\" # not a comment ");
  p->gateway = g_strdup("vpn-1.example.com");
  p->group_id = g_strdup("\"quoted\"");
  p->group_secret = g_strdup(" leading and trailing ");
  p->username = g_strdup("user name");
  p->password = g_strdup("p\xc3\xa4ss=word;#[x]");
  p->domain = g_strdup("DOM");
  p->id_type = 2;
  p->vendor = OSP_VENDOR_FORTIGATE;
  g_free(p->app_version);
  p->app_version = g_strdup("Cisco Systems VPN Client 5.0:Linux");
  p->dh_group = 20;
  p->pfs_group = OSP_PFS_NONE;
  p->enable_single_des = true;
  p->enable_weak_encryption = true;
  p->enable_weak_authentication = true;
  p->natt_mode = OSP_NATT_CISCO_UDP;
  p->local_port = 0;
  p->cisco_udp_port = 4501;
  p->ifname = g_strdup("osp%d");
  p->mtu = 1350;
  p->dpd_idle = 0;
  p->dpd_timeout = 60;
  p->script = g_strdup("/usr/share/vpnc-scripts/vpnc-script");
  p->password_helper = g_strdup("/usr/bin/ssh-askpass");
  p->ike_lifetime = 86400;
  p->ipsec_lifetime = 60;
  p->target_networks = g_strdup("10.0.0.0/8 192.168.0.0/16");
  p->keep_credentials = false;
  p->no_split = true;
  return p;
}

static GPtrArray *round_trip_profiles(void)
{
  static const char *const files[] = { "vpnc-basic.conf",    "vpnc-full.conf",
                                       "vpnc-osprey.conf",   "vpnc-nm.conf",
                                       "cisco-example.pcf",  "cisco-bom.pcf",
                                       "osprey-profile.conf" };
  GPtrArray *a = g_ptr_array_new_with_free_func((GDestroyNotify)osp_profile_free);
  size_t i;

  g_ptr_array_add(a, osp_profile_new());
  g_ptr_array_add(a, awkward_profile());
  for (i = 0; i < G_N_ELEMENTS(files); i++)
    g_ptr_array_add(a, load(files[i], osp_profile_load_any, NULL));
  return a;
}

static void without_secrets(OspProfile *p)
{
  g_clear_pointer(&p->group_secret, osp_str_wipe_free);
  g_clear_pointer(&p->password, osp_str_wipe_free);
}

static void test_keyfile_round_trip(void)
{
  g_autoptr(GPtrArray) profiles = round_trip_profiles();
  guint i;
  int with;

  for (i = 0; i < profiles->len; i++)
    for (with = 0; with < 2; with++) {
      const OspProfile *p = g_ptr_array_index(profiles, i);
      g_autoptr(GKeyFile) kf = osp_profile_to_keyfile(p, with);
      g_autofree char *data = g_key_file_to_data(kf, NULL, NULL);
      g_autoptr(OspProfile) expect = osp_profile_copy(p);
      g_autoptr(OspProfile) back = NULL;
      g_autoptr(GError) error = NULL;

      g_test_message("profile %u, secrets %d", i, with);
      back = keyfile(data, &error);
      g_assert_no_error(error);
      if (!with) {
        without_secrets(expect);
        g_assert_null(strstr(data, "group-secret"));
        g_assert_null(strstr(data, "password="));
      }
      assert_same(back, expect);
    }
}

static void test_vpnc_round_trip(void)
{
  g_autoptr(GPtrArray) profiles = round_trip_profiles();
  guint i;
  int with;

  for (i = 0; i < profiles->len; i++)
    for (with = 0; with < 2; with++) {
      const OspProfile *p = g_ptr_array_index(profiles, i);
      g_autofree char *text = osp_profile_to_vpnc(p, with);
      g_autoptr(OspProfile) expect = osp_profile_copy(p);
      g_autoptr(OspProfile) back = NULL;
      g_autoptr(GPtrArray) w = warnings_new();
      g_autoptr(GError) error = NULL;

      g_test_message("profile %u, secrets %d", i, with);
      back = vpnc(text, w, &error);
      g_assert_no_error(error);
      g_assert_cmpuint(w->len, ==, 0);
      if (!with) {
        without_secrets(expect);
        g_assert_null(strstr(text, "IPSec secret"));
        g_assert_null(strstr(text, "Xauth password"));
      }
      assert_same(back, expect);
    }
}

static void test_vpnc_export_details(void)
{
  g_autoptr(OspProfile) p = awkward_profile();
  g_autofree char *text = NULL;
  g_autofree char *bad_text = NULL;

  text = osp_profile_to_vpnc(p, true);
  /* vpnc reads any text after a boolean keyword as "on": none is written */
  g_assert_nonnull(strstr(text, "\nEnable weak encryption\n"));
  g_assert_null(strstr(text, "Enable no encryption"));
  /* edge blanks quoted the way vpnc --print-config does */
  g_assert_nonnull(strstr(text, "\nIPSec secret \" leading and trailing \"\n"));
  g_assert_nonnull(strstr(text, "\nIPSec ID \"\"quoted\"\"\n"));

  /* a value with a line break is never written (CVE-2018-10900) */
  g_free(p->password);
  p->password = g_strdup("x\nIKE Authmode hybrid");
  bad_text = osp_profile_to_vpnc(p, true);
  g_assert_null(strstr(bad_text, "hybrid"));
  g_assert_nonnull(strstr(bad_text, "# Xauth password omitted"));
}

int main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);

  g_test_add_func("/profile/decrypt/vectors", test_decrypt_vectors);
  g_test_add_func("/profile/decrypt/bad", test_decrypt_bad);
  g_test_add_func("/profile/defaults", test_defaults);
  g_test_add_func("/profile/copy", test_copy);
  g_test_add_func("/profile/vpnc/keywords", test_vpnc_keywords);
  g_test_add_func("/profile/vpnc/errors", test_vpnc_errors_detail);
  g_test_add_func("/profile/vpnc/warnings", test_vpnc_warnings);
  g_test_add_func("/profile/vpnc/obfuscated-vs-clear", test_vpnc_obfuscated_vs_clear);
  g_test_add_func("/profile/vpnc/latin1", test_vpnc_latin1);
  g_test_add_func("/profile/vpnc/line-ends", test_vpnc_line_ends);
  g_test_add_func("/profile/vpnc/merge", test_vpnc_merge);
  g_test_add_func("/profile/refusals", test_refusals);
  g_test_add_func("/profile/file/vpnc-basic", test_file_vpnc_basic);
  g_test_add_func("/profile/file/vpnc-full", test_file_vpnc_full);
  g_test_add_func("/profile/file/vpnc-osprey", test_file_vpnc_osprey);
  g_test_add_func("/profile/file/vpnc-nm", test_file_vpnc_nm);
  g_test_add_func("/profile/file/vpnc-default", test_file_vpnc_default);
  g_test_add_func("/profile/file/vpnc-crlf", test_file_vpnc_crlf);
  g_test_add_func("/profile/file/pcf-example", test_file_pcf_example);
  g_test_add_func("/profile/file/pcf-bom", test_file_pcf_bom);
  g_test_add_func("/profile/file/pcf-nomain", test_file_pcf_nomain);
  g_test_add_func("/profile/file/pcf-utf16", test_file_pcf_utf16);
  g_test_add_func("/profile/file/pcf-refused", test_file_pcf_refused);
  g_test_add_func("/profile/pcf/details", test_pcf_details);
  g_test_add_func("/profile/backup-servers", test_backup_servers);
  g_test_add_func("/profile/file/keyfile", test_file_keyfile);
  g_test_add_func("/profile/load-any", test_load_any);
  g_test_add_func("/profile/validate", test_validate);
  g_test_add_func("/profile/gateway-ipv6", test_gateway_ipv6);
  g_test_add_func("/profile/round-trip/keyfile", test_keyfile_round_trip);
  g_test_add_func("/profile/round-trip/vpnc", test_vpnc_round_trip);
  g_test_add_func("/profile/vpnc/export", test_vpnc_export_details);

  return g_test_run();
}
