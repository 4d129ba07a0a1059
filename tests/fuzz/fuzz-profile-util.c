/* SPDX-License-Identifier: GPL-2.0-or-later
 * Invariants of every profile source (see fuzz-profile-util.h). */
#include "fuzz-profile-util.h"
#include "fuzz-util.h"

#include <string.h>

char *fuzz_profile_canon(const OspProfile *p)
{
  g_autoptr(GKeyFile) kf = osp_profile_to_keyfile(p, true);

  return g_key_file_to_data(kf, NULL, NULL);
}

static void check_utf8(const char *s)
{
  CHECK(s && g_utf8_validate(s, -1, NULL));
}

OspProfile *fuzz_profile_parse(FuzzParseFn parse, const char *text, size_t len)
{
  g_autoptr(GPtrArray) warnings = g_ptr_array_new_with_free_func(g_free);
  g_autoptr(GError) error = NULL;
  OspProfile *p = parse(text, len, warnings, &error);

  CHECK(!p == !!error);
  if (error)
    check_utf8(error->message);
  for (guint i = 0; i < warnings->len; i++)
    check_utf8(warnings->pdata[i]);
  return p;
}

static bool validates(const OspProfile *p)
{
  g_autoptr(GError) error = NULL;
  gboolean ok = osp_profile_validate(p, &error);

  CHECK(ok == !error);
  if (error)
    check_utf8(error->message);
  return ok;
}

static void same_profile(const OspProfile *a, const OspProfile *b, const char *how)
{
  g_autofree char *ca = fuzz_profile_canon(a);
  g_autofree char *cb = fuzz_profile_canon(b);

  if (strcmp(ca, cb) != 0)
    fprintf(stderr, "%s changed the profile:\n--- before\n%s--- after\n%s", how, ca, cb);
  CHECK(strcmp(ca, cb) == 0);
  CHECK(validates(a) == validates(b));
}

void fuzz_profile_roundtrip(const OspProfile *p)
{
  g_autoptr(GKeyFile) kf = g_key_file_new();
  g_autoptr(GError) error = NULL;
  g_autofree char *canon = fuzz_profile_canon(p);
  g_autofree char *vpnc = osp_profile_to_vpnc(p, true);
  g_autofree char *vpnc_public = osp_profile_to_vpnc(p, false);
  g_autoptr(OspProfile) from_kf = NULL;
  g_autoptr(OspProfile) from_vpnc = NULL;
  g_autoptr(OspProfile) from_public = NULL;
  g_autoptr(OspProfile) public = osp_profile_copy(p);

  check_utf8(canon);
  check_utf8(vpnc);
  CHECK(g_key_file_load_from_data(kf, canon, (gsize)-1, G_KEY_FILE_NONE, &error));
  from_kf = osp_profile_from_keyfile(kf, &error);
  if (!from_kf)
    fprintf(stderr, "keyfile does not read back: %s\n%s", error->message, canon);
  CHECK(from_kf);
  same_profile(p, from_kf, "keyfile");

  from_vpnc = fuzz_profile_parse(osp_profile_parse_vpnc, vpnc, strlen(vpnc));
  if (!from_vpnc)
    fprintf(stderr, "vpnc .conf does not read back:\n%s", vpnc);
  CHECK(from_vpnc);
  same_profile(p, from_vpnc, "vpnc .conf");

  /* without secrets: the same but for them */
  if (!p->group_secret && !p->password)
    return;
  osp_str_wipe_free(public->group_secret);
  osp_str_wipe_free(public->password);
  public->group_secret = public->password = NULL;
  from_public = fuzz_profile_parse(osp_profile_parse_vpnc, vpnc_public, strlen(vpnc_public));
  CHECK(from_public);
  same_profile(public, from_public, "vpnc .conf without secrets");
}

/* ---- encodings -------------------------------------------------------- */

static void expect(FuzzParseFn parse, const char *text, size_t len, const char *canon,
                   const char *how)
{
  g_autoptr(OspProfile) p = fuzz_profile_parse(parse, text, len);
  g_autofree char *c = p ? fuzz_profile_canon(p) : NULL;

  if (g_strcmp0(c, canon) != 0)
    fprintf(stderr, "%s: %s\n--- UTF-8 gave\n%s\n--- this gave\n%s\n", how,
            "the same file in another encoding reads differently", canon ? canon : "(refused)",
            c ? c : "(refused)");
  CHECK(g_strcmp0(c, canon) == 0);
}

static void utf16(FuzzParseFn parse, const char *text, size_t len, const char *canon, bool be)
{
  glong n = 0;
  g_autofree gunichar2 *units = g_utf8_to_utf16(text, (glong)len, NULL, &n, NULL);
  g_autofree uint8_t *buf = NULL;

  CHECK(units);
  buf = g_malloc(2 * (size_t)n + 2);
  buf[0] = be ? 0xfe : 0xff;
  buf[1] = be ? 0xff : 0xfe;
  for (glong i = 0; i < n; i++) {
    buf[2 + 2 * i] = (uint8_t)(be ? units[i] >> 8 : units[i]);
    buf[3 + 2 * i] = (uint8_t)(be ? units[i] : units[i] >> 8);
  }
  expect(parse, (const char *)buf, 2 * (size_t)n + 2, canon, be ? "UTF-16BE" : "UTF-16LE");
}

/* Latin-1 bytes of text when every character has one (and none is a C1
 * control, which Windows-1252 reads differently), else NULL */
static char *latin1(const char *text, size_t len, size_t *ret_len)
{
  GString *s = g_string_sized_new(len);
  bool high = false;

  for (const char *p = text; p < text + len; p = g_utf8_next_char(p)) {
    gunichar c = g_utf8_get_char(p);

    if (c > 0xff || (c >= 0x80 && c < 0xa0)) {
      g_string_free(s, TRUE);
      return NULL;
    }
    high |= c >= 0x80;
    g_string_append_c(s, (char)c);
  }
  /* read as UTF-8 when it happens to be valid UTF-8: not Latin-1 then */
  if (!high || g_utf8_validate_len(s->str, s->len, NULL)) {
    g_string_free(s, TRUE);
    return NULL;
  }
  *ret_len = s->len;
  return g_string_free(s, FALSE);
}

void fuzz_profile_encodings(FuzzParseFn parse, const char *text, size_t len, const char *canon)
{
  g_autofree char *bom = NULL;
  g_autofree char *l1 = NULL;
  GString *crlf;
  size_t l1_len = 0;

  if (!g_utf8_validate_len(text, len, NULL))
    return;
  /* the parsers drop one BOM: compare the text behind it; a second BOM is
   * text, which a variant made of it would lose */
  if (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0) {
    text += 3;
    len -= 3;
  }
  if (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0)
    return;
  /* one encoding per input (each parse costs): which one follows from
   * the length, which the fuzzer changes all the time */
  switch (len % 4) {
  case 0:
    bom = g_malloc(len + 3);
    memcpy(bom, "\xef\xbb\xbf", 3);
    memcpy(bom + 3, text, len);
    expect(parse, bom, len + 3, canon, "UTF-8 with BOM");
    break;
  case 1:
  case 2: utf16(parse, text, len, canon, len % 4 == 2); break;
  case 3:
    if ((l1 = latin1(text, len, &l1_len))) {
      expect(parse, l1, l1_len, canon, "Latin-1");
    } else if (memchr(text, '\n', len)) {
      crlf = g_string_sized_new(len * 2);
      for (size_t i = 0; i < len; i++) {
        if (text[i] == '\n')
          g_string_append_c(crlf, '\r');
        g_string_append_c(crlf, text[i]);
      }
      expect(parse, crlf->str, crlf->len, canon, "CRLF");
      g_string_free(crlf, TRUE);
    }
    break;
  }
}

int fuzz_profile_text(FuzzParseFn parse, const uint8_t *data, size_t size)
{
  const char *text = (const char *)data;
  g_autoptr(OspProfile) p = fuzz_profile_parse(parse, text, size);
  g_autofree char *canon = p ? fuzz_profile_canon(p) : NULL;

  if (p)
    fuzz_profile_roundtrip(p);
  fuzz_profile_encodings(parse, text, size, canon);
  return 0;
}
