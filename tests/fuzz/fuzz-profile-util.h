/* SPDX-License-Identifier: GPL-2.0-or-later
 * Shared by the profile targets (vpnc .conf, .pcf, keyfile, D-Bus
 * settings): what must hold for every profile a parser accepts. */
#pragma once

#include "osp-profile.h"

typedef OspProfile *(*FuzzParseFn)(const char *text, gsize len, GPtrArray *ret_warnings,
                                   GError **error);

/* The profile as keyfile text with its secrets: equal texts, equal profiles. */
char *fuzz_profile_canon(const OspProfile *p);

/* parse(text) with the contract checked: NULL with an error, or a profile
 * and no error; every warning and error valid UTF-8. */
OspProfile *fuzz_profile_parse(FuzzParseFn parse, const char *text, size_t len);

/* Writes p as a keyfile and as a vpnc .conf (with and without secrets) and
 * reads each back: the same profile must come out, and validation must
 * agree. */
void fuzz_profile_roundtrip(const OspProfile *p);

/* The same file in the other encodings a profile may come in (UTF-8 with
 * BOM, UTF-16 LE/BE with BOM, Latin-1, CRLF line ends; one of them per
 * call) must give what `canon` (NULL: refused) says the UTF-8 text gave. */
void fuzz_profile_encodings(FuzzParseFn parse, const char *text, size_t len, const char *canon);

/* A whole target for a text format: data is the file, parse its parser. */
int fuzz_profile_text(FuzzParseFn parse, const uint8_t *data, size_t size);
