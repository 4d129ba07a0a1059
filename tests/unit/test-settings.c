/* SPDX-License-Identifier: GPL-2.0-or-later
 * The settings table (client/osp-settings.h) walked row by row: every
 * setting has a field in the profile engine and round-trips, with a value
 * that is not its default, through an osprey.conf(5) keyfile, through the
 * D-Bus Settings dictionary as ospreyd takes and gives it (a{sv} with the
 * table's type) and through a vpnc .conf file under its vpnc keyword; a
 * choice's values are what the reader takes and what the bash completion
 * offers.  A row added without its field, or a key written differently
 * somewhere, fails here, naming the key. */
#include "osp-profile-store.h"
#include "osp-profile.h"
#include "osp-settings.h"

#include <string.h>

/* One value per key, in the keyfile's spelling, none of them a default. */
static const struct {
  const char *key, *value;
} samples[] = {
  { "description", "Lab gateway" },
  { "gateway", "192.0.2.1" },
  { "group-id", "lab" },
  { "username", "alice" },
  { "domain", "LAB" },
  { "id-type", "fqdn" },
  { "vendor", "netscreen" },
  { "app-version", "Lab 1.0" },
  { "dh-group", "dh14" },
  { "pfs", "dh19" },
  { "natt-mode", "force-natt" },
  { "enable-single-des", "true" },
  { "enable-weak-encryption", "true" },
  { "enable-weak-authentication", "true" },
  { "enable-weak-dh-group", "true" },
  { "local-port", "10500" },
  { "cisco-udp-port", "10001" },
  { "interface-name", "tun-lab" },
  { "mtu", "1400" },
  { "dpd-idle", "120" },
  { "dpd-timeout", "20" },
  { "ike-lifetime", "7200" },
  { "ipsec-lifetime", "1800" },
  { "script", "/usr/local/sbin/lab-script" },
  { "password-helper", "/usr/local/bin/lab-helper" },
  { "target-networks", "192.0.2.0/24 198.51.100.0/24" },
  { "keep-credentials", "false" },
  { "no-split", "true" },
  { "local-lan", "true" },
  { "backup-servers", "vpn2.example.com 192.0.2.7" },
  { "auth-mode", "hybrid" },
  { "ca-file", "/etc/osprey/lab-ca.pem" },
  { "ca-dir", "/etc/ssl/certs" },
  { "client-cert", "/etc/osprey/alice.pem" },
  { "client-key", "/etc/osprey/alice.key" },
  { "gateway-id", "vpn.lab.example" },
  { "ipv6-inside", "no" },
  { "exchange-mode", "main" },
  { "ca-system", "true" },
  { "crl-file", "/etc/osprey/lab-ca.crl" },
  { "name", "lab-profile" },
  { "group-secret", "s3cret" },
  { "password", "pa55word" },
  { "key-passphrase", "p12-pa55" },
};

static const char *sample_of(const char *key)
{
  for (size_t i = 0; i < G_N_ELEMENTS(samples); i++)
    if (strcmp(samples[i].key, key) == 0)
      return samples[i].value;
  return NULL;
}

/* A keyfile with what every profile needs, and key=value. */
static GKeyFile *keyfile_with(const char *key, const char *value)
{
  GKeyFile *kf = g_key_file_new();

  g_key_file_set_string(kf, OSP_PROFILE_GROUP, "gateway", "203.0.113.1");
  g_key_file_set_string(kf, OSP_PROFILE_GROUP, "group-id", "base");
  if (value)
    g_key_file_set_string(kf, OSP_PROFILE_GROUP, key, value);
  return kf;
}

/* What the profile holds for key, in the keyfile's spelling. */
static char *profile_value(const OspProfile *p, const char *key)
{
  g_autoptr(GKeyFile) kf = osp_profile_to_keyfile(p, true);

  return g_key_file_get_value(kf, OSP_PROFILE_GROUP, key, NULL);
}

static GVariant *sample_variant(const OspSetting *s, const char *value)
{
  switch (s->dbus_type) {
  case 'b': return g_variant_new_boolean(strcmp(value, "true") == 0);
  case 'u': return g_variant_new_uint32((guint32)g_ascii_strtoull(value, NULL, 10));
  default: return g_variant_new_string(value);
  }
}

static void test_keyfile(void)
{
  for (size_t i = 0; i < OSP_SETTING_N; i++) {
    const char *key = osp_settings[i].key, *value = sample_of(key);
    g_autoptr(GKeyFile) kf = NULL;
    g_autoptr(OspProfile) p = NULL;
    g_autoptr(GError) error = NULL;
    g_autofree char *got = NULL;

    if (!value)
      g_error("setting %s: the test has no sample value for it", key);
    kf = keyfile_with(key, value);
    p = osp_profile_from_keyfile(kf, &error);
    if (!p)
      g_error("setting %s=%s: not read from a keyfile: %s", key, value, error->message);
    got = profile_value(p, key);
    if (g_strcmp0(got, value) != 0)
      g_error("setting %s: keyfile round trip gives \"%s\", not \"%s\"", key, got ? got : "(none)",
              value);
  }
}

static void test_dbus(void)
{
  for (size_t i = 0; i < OSP_SETTING_N; i++) {
    const OspSetting *s = &osp_settings[i];
    const char *value = sample_of(s->key);
    g_autoptr(GKeyFile) kf = keyfile_with(s->key, NULL);
    g_autoptr(GVariant) want = NULL, settings = NULL, back = NULL, got = NULL;
    g_autoptr(GError) error = NULL;
    g_autoptr(OspProfile) p = NULL;
    g_autofree char *text = NULL;
    GVariantBuilder b;

    g_assert_nonnull(value);
    g_assert_true(osp_setting_lookup(s->key) == s);
    if (!s->dbus_type) {
      /* the name and the secrets are refused in the dictionary */
      g_assert_null(osp_setting_dbus(s->key));
      g_variant_builder_init(&b, G_VARIANT_TYPE_VARDICT);
      g_variant_builder_add(&b, "{sv}", s->key, g_variant_new_string(value));
      settings = g_variant_ref_sink(g_variant_builder_end(&b));
      if (s->secret && osp_settings_apply(NULL, settings, &error))
        g_error("setting %s: a secret was taken as a setting", s->key);
      continue;
    }
    g_assert_true(strchr("sbu", s->dbus_type) != NULL);
    g_assert_true(osp_setting_dbus(s->key) == s);
    want = g_variant_ref_sink(sample_variant(s, value));
    g_variant_builder_init(&b, G_VARIANT_TYPE_VARDICT);
    g_variant_builder_add(&b, "{sv}", s->key, want);
    settings = g_variant_ref_sink(g_variant_builder_end(&b));
    if (!osp_settings_apply(kf, settings, &error))
      g_error("setting %s: Settings refused: %s", s->key, error->message);
    p = osp_profile_from_keyfile(kf, &error);
    if (!p)
      g_error("setting %s: the keyfile from Settings is refused: %s", s->key, error->message);
    text = profile_value(p, s->key);
    if (g_strcmp0(text, value) != 0)
      g_error("setting %s: Settings give the profile \"%s\", not \"%s\"", s->key,
              text ? text : "(none)", value);
    back = g_variant_ref_sink(osp_settings_to_variant(kf));
    got = g_variant_lookup_value(back, s->key, NULL);
    if (!got || !g_variant_equal(got, want))
      g_error("setting %s: Settings round trip gives %s", s->key,
              got ? g_variant_print(got, TRUE) : "nothing");
    /* the wrong type is refused */
    g_variant_builder_init(&b, G_VARIANT_TYPE_VARDICT);
    g_variant_builder_add(&b, "{sv}", s->key,
                          s->dbus_type == 's' ? g_variant_new_int32(1) : g_variant_new_string("1"));
    g_clear_pointer(&settings, g_variant_unref);
    g_clear_error(&error);
    settings = g_variant_ref_sink(g_variant_builder_end(&b));
    g_assert_false(osp_settings_apply(NULL, settings, &error));
  }
}

static void test_vpnc(void)
{
  for (size_t i = 0; i < OSP_SETTING_N; i++) {
    const OspSetting *s = &osp_settings[i];
    const char *value = sample_of(s->key);
    g_autoptr(GKeyFile) kf = keyfile_with(s->key, value);
    g_autoptr(OspProfile) p = osp_profile_from_keyfile(kf, NULL);
    g_autoptr(OspProfile) q = NULL;
    g_autoptr(GError) error = NULL;
    g_autofree char *conf = NULL, *got = NULL;

    g_assert_nonnull(p);
    conf = osp_profile_to_vpnc(p, true);
    if (!strstr(conf, s->vpnc)) {
      /* a profile's name is its file's, not a line of it */
      if (i == OSP_SETTING_NAME)
        continue;
      g_error("setting %s: \"%s\" is not in the vpnc file:\n%s", s->key, s->vpnc, conf);
    }
    q = osp_profile_parse_vpnc(conf, strlen(conf), NULL, &error);
    if (!q)
      g_error("setting %s: its vpnc file is refused: %s\n%s", s->key, error->message, conf);
    got = profile_value(q, s->key);
    if (g_strcmp0(got, value) != 0)
      g_error("setting %s: vpnc round trip (\"%s\") gives \"%s\", not \"%s\"", s->key, s->vpnc,
              got ? got : "(none)", value);
  }
}

/* Keys and vpnc keywords are each one setting's. */
static void test_unique(void)
{
  for (size_t i = 0; i < OSP_SETTING_N; i++)
    for (size_t j = i + 1; j < OSP_SETTING_N; j++) {
      g_assert_cmpstr(osp_settings[i].key, !=, osp_settings[j].key);
      g_assert_true(g_ascii_strcasecmp(osp_settings[i].vpnc, osp_settings[j].vpnc) != 0);
    }
  g_assert_cmpstr(osp_setting_secret_keys()[0], ==, "group-secret");
  g_assert_cmpstr(osp_setting_secret_keys()[1], ==, "password");
  g_assert_cmpstr(osp_setting_secret_keys()[2], ==, "key-passphrase");
  g_assert_null(osp_setting_secret_keys()[3]);
  g_assert_null(osp_setting_lookup("no-such-key"));
}

/* Whether the reader takes key=value; a value it takes comes back as
 * itself, or as nothing when it is the default (counted in *defaults). */
static bool reads(const char *key, const char *value, unsigned *defaults)
{
  g_autoptr(GKeyFile) kf = keyfile_with(key, value);
  g_autoptr(OspProfile) p = osp_profile_from_keyfile(kf, NULL);
  g_autofree char *got = p ? profile_value(p, key) : NULL;

  if (p && !got)
    (*defaults)++;
  else if (p && strcmp(got, value) != 0)
    g_error("%s=%s reads back as \"%s\"", key, value, got);
  return p != NULL;
}

/* A choice's values are what the profile's reader takes: each one reads
 * and comes back as itself (so they are distinct), and of the DH groups
 * 1 to 21 the reader takes exactly those listed.  The tray's editor and
 * the bash completion offer the same values in the same order. */
static void test_choices(void)
{
  g_autofree char *path =
      g_test_build_filename(G_TEST_DIST, "..", "..", "data", "completion", "osprey", NULL);
  g_autofree char *completion = NULL;
  g_autoptr(GError) error = NULL;
  size_t n = 0;

  g_assert_true(g_file_get_contents(path, &completion, NULL, &error));
  for (size_t i = 0; i < OSP_SETTING_N; i++) {
    const OspSetting *s = &osp_settings[i];
    g_autofree char *words = NULL, *line = NULL;
    unsigned defaults = 0, ignored = 0;

    if (!s->choices)
      continue;
    n++;
    g_assert_cmpint(s->dbus_type, ==, 's');
    for (const char *const *c = s->choices; *c; c++)
      if (!reads(s->key, *c, &defaults))
        g_error("%s: the choice %s is refused by the profile's reader", s->key, *c);
    if (defaults > 1)
      g_error("%s: %u choices read as the default", s->key, defaults);
    if (i == OSP_SETTING_DH_GROUP || i == OSP_SETTING_PFS)
      for (int g = 1; g <= 21; g++) {
        g_autofree char *dh = g_strdup_printf("dh%d", g);
        bool taken = reads(s->key, dh, &ignored);

        if (taken != g_strv_contains(s->choices, dh))
          g_error("%s: %s is %s the choices but %s", s->key, dh, taken ? "not among" : "among",
                  taken ? "read" : "refused");
      }
    g_assert_false(reads(s->key, "no-such-choice", &ignored));
    words = g_strjoinv(" ", (char **)s->choices);
    line = g_strdup_printf("    %s) echo \"%s\" ;;\n", s->key, words);
    if (!strstr(completion, line))
      g_error("%s: no line %s", path, line);
  }
  g_assert_cmpuint(n, ==, 8);
}

/* The mode a keyfile's auth-mode or exchange-mode reads as. */
static int read_mode(const char *key, const char *value)
{
  g_autoptr(GKeyFile) kf = keyfile_with(key, value);
  g_autoptr(OspProfile) p = osp_profile_from_keyfile(kf, NULL);

  g_assert_nonnull(p);
  return strcmp(key, "auth-mode") == 0 ? (int)p->auth_mode : (int)p->exchange_mode;
}

/* The engine names how an IKE SA authenticated with the reader's words
 * for the profile's modes (the choices of auth-mode and exchange-mode),
 * and the front ends' line shows each choice in words. */
static void test_ike_auth_text(void)
{
  static const struct {
    const char *auth;
    gboolean xauth;
    const char *signature, *exchange, *text;
  } t[] = {
    { "psk", TRUE, "", "aggressive", "Group password + XAUTH, Aggressive mode" },
    { "psk", FALSE, NULL, "main", "Group password, Main mode" },
    { "hybrid", TRUE, "RSA", "aggressive",
      "Certificate of the gateway (hybrid) + XAUTH, Aggressive mode" },
    { "cert", TRUE, "RSA", "main", "Certificates on both sides (RSA) + XAUTH, Main mode" },
    { "cert", FALSE, "ECDSA-256", "main", "Certificates on both sides (ECDSA-256), Main mode" },
    /* a newer daemon's word is shown as it is */
    { "eap", FALSE, "", "base", "eap, base" },
  };
  const OspSetting *modes[2] = { &osp_settings[OSP_SETTING_AUTH_MODE],
                                 &osp_settings[OSP_SETTING_EXCHANGE_MODE] };

  for (int m = OSP_AUTH_PSK; m <= OSP_AUTH_CERT; m++) {
    g_assert_true(g_strv_contains(modes[0]->choices, osp_profile_auth_mode_name(m)));
    g_assert_cmpint(read_mode("auth-mode", osp_profile_auth_mode_name(m)), ==, m);
  }
  for (int m = OSP_EXCH_MODE_AGGRESSIVE; m <= OSP_EXCH_MODE_MAIN; m++) {
    g_assert_true(g_strv_contains(modes[1]->choices, osp_profile_exch_mode_name(m)));
    g_assert_cmpint(read_mode("exchange-mode", osp_profile_exch_mode_name(m)), ==, m);
  }
  for (size_t i = 0; i < G_N_ELEMENTS(modes); i++)
    for (const char *const *c = modes[i]->choices; *c; c++)
      if (strcmp(osp_setting_choice_text(modes[i], *c), *c) == 0)
        g_error("%s: the choice %s has no words", modes[i]->key, *c);
  for (size_t i = 0; i < G_N_ELEMENTS(t); i++) {
    g_autofree char *text =
        osp_setting_ike_auth_text(t[i].auth, t[i].xauth, t[i].signature, t[i].exchange);

    if (g_strcmp0(text, t[i].text) != 0)
      g_error("case %zu: \"%s\", not \"%s\"", i + 1, text, t[i].text);
  }
  g_assert_null(osp_setting_ike_auth_text(NULL, TRUE, NULL, "main"));
  g_assert_null(osp_setting_ike_auth_text("psk", TRUE, NULL, NULL));
}

int main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/settings/unique", test_unique);
  g_test_add_func("/settings/keyfile", test_keyfile);
  g_test_add_func("/settings/dbus", test_dbus);
  g_test_add_func("/settings/vpnc", test_vpnc);
  g_test_add_func("/settings/choices", test_choices);
  g_test_add_func("/settings/ike-auth-text", test_ike_auth_text);
  return g_test_run();
}
