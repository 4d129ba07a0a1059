/* SPDX-License-Identifier: GPL-2.0-or-later
 * libFuzzer target for Osprey's keyfile profiles (osprey.conf(5),
 * osp_profile_from_keyfile): the input is the file, as ospreyd loads it
 * from its profiles directory.  What is accepted must write out and read
 * back the same (fuzz-profile-util.c). */
#include "fuzz-profile-util.h"
#include "fuzz-util.h"

#include <string.h>

/* GLib 2.74's g_key_file_get_string() sets its GError twice (a GLib
 * warning) for a value with an invalid escape and a backslash at its end,
 * and returns the value anyway: such files are not fed to it here. */
static bool escapes_ok(const uint8_t *data, size_t size)
{
  for (size_t i = 0; i < size; i++)
    if (data[i] == '\\') {
      if (i + 1 == size || !strchr("snrt\\;,", data[i + 1]) || !data[i + 1])
        return false;
      i++;
    }
  return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  g_autoptr(GKeyFile) kf = g_key_file_new();
  g_autoptr(GError) error = NULL;
  g_autoptr(OspProfile) p = NULL;
  g_autoptr(OspProfile) any = NULL;

  if (!escapes_ok(data, size))
    return 0;
  if (!g_key_file_load_from_data(kf, (const char *)data, size, G_KEY_FILE_KEEP_COMMENTS, &error))
    return 0;
  p = osp_profile_from_keyfile(kf, &error);
  CHECK(!p == !!error);
  if (error)
    CHECK(g_utf8_validate(error->message, -1, NULL));
  if (p)
    fuzz_profile_roundtrip(p);
  /* import (osp_profile_parse_any) sniffs the format first: a "[profile]"
   * file is a keyfile, others go to the .conf and .pcf parsers */
  any = osp_profile_parse_any((const char *)data, size, "fuzz.conf", NULL, NULL);
  return 0;
}
