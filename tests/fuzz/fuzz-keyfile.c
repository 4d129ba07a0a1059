/* SPDX-License-Identifier: GPL-2.0-or-later
 * libFuzzer target for Osprey's keyfile profiles (osprey.conf(5),
 * osp_profile_from_keyfile): the input is the file, as ospreyd loads it
 * from its profiles directory.  What is accepted must write out and read
 * back the same (fuzz-profile-util.c). */
#include "fuzz-profile-util.h"
#include "fuzz-util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  g_autoptr(GKeyFile) kf = g_key_file_new();
  g_autoptr(GError) error = NULL;
  g_autoptr(OspProfile) p = NULL;
  g_autoptr(OspProfile) any = NULL;

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
