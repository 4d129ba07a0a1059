/* SPDX-License-Identifier: GPL-2.0-or-later
 * libFuzzer target for the settings dictionary of the D-Bus API (a{sv} of
 * AddProfile and Profile.Update) as ospreyd turns it into a profile:
 * osp_settings_apply() onto a keyfile, then osp_profile_from_keyfile() and
 * osp_profile_validate() (daemon/osp-manager.c keyfile_is_valid()).
 *
 * Byte 0 even: the rest is a serialized a{sv} as it comes off the bus
 * (g_variant_new_from_data, untrusted, then normalised as GDBus does);
 * odd: the rest is a{sv} in GVariant text form, which lets the fuzzer
 * write dictionaries with real keys.  The check-only call must agree with
 * the applying one, the settings must read back from the keyfile
 * (osp_settings_to_variant) unchanged, and what the keyfile gives as a
 * profile must round-trip (fuzz-profile-util.c). */
#include "fuzz-profile-util.h"
#include "fuzz-util.h"
#include "osp-manager.h"
#include "osp-profile-store.h"

#include <string.h>

/* the one thing of osp-manager.c the store needs */
/* The quark name is stringified: keep clang-format from spacing it. */
/* clang-format off */
G_DEFINE_QUARK(osp-daemon-error-quark, osp_daemon_error)
/* clang-format on */

static GVariant *settings_from(const uint8_t *data, size_t size)
{
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GVariant) v = NULL;
  g_autofree char *text = NULL;

  if (size < 1)
    return NULL;
  if (data[0] % 2 == 0) {
    bytes = g_bytes_new(data + 1, size - 1);
    v = g_variant_ref_sink(g_variant_new_from_bytes(G_VARIANT_TYPE_VARDICT, bytes, FALSE));
    return g_variant_get_normal_form(v);
  }
  text = g_strndup((const char *)data + 1, size - 1);
  /* GLib 2.74's parser asserts (a critical) on invalid UTF-8 in a string */
  if (!g_utf8_validate(text, -1, NULL))
    return NULL;
  return g_variant_parse(G_VARIANT_TYPE_VARDICT, text, NULL, NULL, NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  g_autoptr(GVariant) settings = settings_from(data, size);
  g_autoptr(GKeyFile) kf = g_key_file_new();
  g_autoptr(GKeyFile) again = g_key_file_new();
  g_autoptr(GVariant) back = NULL;
  g_autoptr(GError) check_error = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(OspProfile) p = NULL;
  g_autofree char *text = NULL;
  g_autofree char *text_again = NULL;
  gboolean ok;

  if (!settings)
    return 0;
  ok = osp_settings_apply(NULL, settings, &check_error);
  CHECK(ok == !check_error);
  CHECK(osp_settings_apply(kf, settings, &error) == ok);
  CHECK(!error == !check_error);
  if (!ok) {
    CHECK(g_utf8_validate(error->message, -1, NULL));
    CHECK(strcmp(error->message, check_error->message) == 0);
    return 0;
  }
  for (const char *const *k = osp_setting_secret_keys(); *k; k++)
    CHECK(!g_key_file_has_key(kf, OSP_PROFILE_GROUP, *k, NULL));

  /* Settings reads the dictionary back from the keyfile */
  text = g_key_file_to_data(kf, NULL, NULL);
  back = g_variant_ref_sink(osp_settings_to_variant(kf));
  CHECK(osp_settings_apply(again, back, NULL));
  text_again = g_key_file_to_data(again, NULL, NULL);
  if (strcmp(text, text_again) != 0)
    fprintf(stderr, "settings do not read back:\n%s---\n%s", text, text_again);
  CHECK(strcmp(text, text_again) == 0);

  p = osp_profile_from_keyfile(kf, &error);
  CHECK(!p == !!error);
  if (!p) {
    CHECK(g_utf8_validate(error->message, -1, NULL));
    return 0;
  }
  (void)osp_profile_validate(p, NULL);
  fuzz_profile_roundtrip(p);
  return 0;
}
