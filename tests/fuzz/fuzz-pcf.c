/* SPDX-License-Identifier: GPL-2.0-or-later
 * libFuzzer target for Cisco .pcf files (osp_profile_parse_pcf): the
 * input is the file.  What the parser accepts must write out as a keyfile
 * and as a .conf and read back the same; the same text in another encoding
 * must read the same (fuzz-profile-util.c). */
#include "fuzz-profile-util.h"
#include "fuzz-util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  return fuzz_profile_text(osp_profile_parse_pcf, data, size);
}
