/* SPDX-License-Identifier: GPL-2.0-or-later
 * Osprey — vpnc .conf profiles, read and written (the rules are
 * described in osp-profile.c), and Cisco's obfuscated passwords. */
#include "osp-profile-private.h"

#include "osp-config.h"
#include "osp-error.h"

#include <errno.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <glib/gi18n-lib.h>

/* ------------------------------------------------------------------ */
/* Cisco's obfuscation (PROTOCOL.md ".pcf"; vpnc decrypt-utils.c) */

static int hex_decode(const char *hex, uint8_t **ret, size_t *ret_len)
{
  size_t n = strlen(hex), i;
  uint8_t *bin;

  if (n % 2)
    return -EBADMSG;
  bin = g_malloc(n / 2 + 1);
  for (i = 0; i < n / 2; i++) {
    int hi = g_ascii_xdigit_value(hex[2 * i]), lo = g_ascii_xdigit_value(hex[2 * i + 1]);

    if (hi < 0 || lo < 0) {
      OPENSSL_cleanse(bin, n / 2 + 1);
      g_free(bin);
      return -EBADMSG;
    }
    bin[i] = (uint8_t)(hi << 4 | lo);
  }
  *ret = bin;
  *ret_len = n / 2;
  return 0;
}

static bool sha1(const uint8_t *data, size_t len, uint8_t out[20])
{
  unsigned int n = 0;

  return EVP_Digest(data, len, out, &n, EVP_sha1(), NULL) == 1 && n == 20;
}

int osp_cisco_decrypt(const char *hex, char **ret_plain)
{
  uint8_t *bin = NULL, *plain = NULL;
  size_t len = 0, ct_len = 0;
  uint8_t ht[20], h2[20], h3[20], key[24], digest[20];
  EVP_CIPHER_CTX *ctx = NULL;
  int outl = 0, finl = 0, r;
  unsigned pad;

  g_return_val_if_fail(ret_plain, -EINVAL);
  if (!hex)
    return -EBADMSG;

  r = hex_decode(hex, &bin, &len);
  if (r < 0)
    return r;
  /* h1 (20) | h4 = SHA1(ciphertext) (20) | ciphertext (whole DES blocks) */
  r = -EBADMSG;
  if (len < 48 || (len - 40) % 8 != 0)
    goto out;
  ct_len = len - 40;

  r = -EIO;
  if (!sha1(bin + 40, ct_len, digest))
    goto out;
  r = -EBADMSG;
  if (CRYPTO_memcmp(digest, bin + 20, 20) != 0)
    goto out;

  /* key = SHA1(h1 with byte 19 + 1) | SHA1(h1 with byte 19 + 3)[0..3];
   * the byte wraps modulo 256 without carry; IV = h1[0..7] */
  r = -EIO;
  memcpy(ht, bin, 20);
  ht[19] = (uint8_t)(ht[19] + 1);
  if (!sha1(ht, 20, h2))
    goto out;
  ht[19] = (uint8_t)(ht[19] + 2);
  if (!sha1(ht, 20, h3))
    goto out;
  memcpy(key, h2, 20);
  memcpy(key + 20, h3, 4);

  ctx = EVP_CIPHER_CTX_new();
  plain = g_malloc0(ct_len + 8);
  if (!ctx || EVP_DecryptInit_ex2(ctx, EVP_des_ede3_cbc(), key, bin, NULL) != 1 ||
      EVP_CIPHER_CTX_set_padding(ctx, 0) != 1 ||
      EVP_DecryptUpdate(ctx, plain, &outl, bin + 40, (int)ct_len) != 1 ||
      EVP_DecryptFinal_ex(ctx, plain + outl, &finl) != 1 || (size_t)(outl + finl) != ct_len)
    goto out;

  /* vpnc reads only the last byte of the padding; a block is 8 bytes */
  r = -EBADMSG;
  pad = plain[ct_len - 1];
  if (pad < 1 || pad > 8)
    goto out;
  plain[ct_len - pad] = '\0';
  *ret_plain = g_strdup((const char *)plain); /* vpnc's string ends at a NUL as well */
  r = 0;

out:
  EVP_CIPHER_CTX_free(ctx);
  OPENSSL_cleanse(ht, sizeof(ht));
  OPENSSL_cleanse(h2, sizeof(h2));
  OPENSSL_cleanse(h3, sizeof(h3));
  OPENSSL_cleanse(key, sizeof(key));
  if (plain) {
    OPENSSL_cleanse(plain, ct_len + 8);
    g_free(plain);
  }
  if (bin) {
    OPENSSL_cleanse(bin, len);
    g_free(bin);
  }
  return r;
}

/* Decodes an obfuscated password from a profile; the result is UTF-8
 * (read as Windows-1252 when it is not, like the .pcf file itself). */
gboolean osp_profile_deobfuscate(const char *setting, const char *hex, char **ret,
                                 GPtrArray *warnings, GError **error)
{
  char *plain = NULL;
  int r = osp_cisco_decrypt(hex, &plain);

  if (r == -EBADMSG) {
    g_set_error(error, OSP_ERROR, OSP_ERROR_CONFIG, _("%s is not a valid obfuscated password"),
                setting);
    return FALSE;
  }
  if (r < 0) {
    g_set_error(error, OSP_ERROR, OSP_ERROR_FAILED, _("%s: cannot decode: %s"), setting,
                g_strerror(-r));
    return FALSE;
  }
  if (!g_utf8_validate(plain, -1, NULL)) {
    char *conv = osp_profile_cp1252_to_utf8(plain, strlen(plain));

    osp_profile_add_warning(
        warnings, _("%s: the decoded password is not UTF-8; it was read as Windows-1252"), setting);
    osp_profile_wipe_free(plain);
    plain = conv;
  }
  if (!osp_profile_check_text(setting, plain, error)) {
    osp_profile_wipe_free(plain);
    return FALSE;
  }
  *ret = plain;
  return TRUE;
}

/* ------------------------------------------------------------------ */
/* vpnc .conf */

typedef enum {
  X_SECRET_OBF,
  X_PASSWORD_OBF,
  X_NO_ENCRYPTION,
  X_IF_MODE,
  X_LOCAL_ADDR,
  X_TARGET_NETWORK,
  X_IGNORE_BOOL,  /* vpnc booleans that do not apply */
  X_IGNORE_VALUE, /* vpnc settings that do not apply */
} VpncExtra;

static const struct {
  const char *keyword;
  VpncExtra what;
} vpnc_extras[] = {
  { "IPSec obfuscated secret", X_SECRET_OBF },
  { "Xauth obfuscated password", X_PASSWORD_OBF },
  { "Enable no encryption", X_NO_ENCRYPTION },
  { "Interface mode", X_IF_MODE },
  { "Local Addr", X_LOCAL_ADDR },
  { "IPSEC target network", X_TARGET_NETWORK },
  { "Xauth interactive", X_IGNORE_BOOL },
  { "No Detach", X_IGNORE_BOOL },
  { "Noninteractive", X_IGNORE_BOOL },
  { "Debug", X_IGNORE_VALUE },
  { "Pidfile", X_IGNORE_VALUE },
};

#define N_VPNC_KEYWORDS (N_FIELDS + G_N_ELEMENTS(vpnc_extras))

static const char *vpnc_keyword(size_t id)
{
  return id < N_FIELDS ? FIELD_KEYWORD(&osp_profile_fields[id])
                       : vpnc_extras[id - N_FIELDS].keyword;
}

static bool vpnc_takes_value(size_t id)
{
  if (id < N_FIELDS)
    return osp_profile_fields[id].type != T_BOOL;
  return vpnc_extras[id - N_FIELDS].what != X_IGNORE_BOOL &&
         vpnc_extras[id - N_FIELDS].what != X_NO_ENCRYPTION;
}

/* The longest keyword that starts the line and is followed by a blank or
 * the end; returns N_VPNC_KEYWORDS when none does. */
static size_t vpnc_match(const char *line, size_t *ret_kwlen)
{
  size_t best = N_VPNC_KEYWORDS, best_len = 0, id;

  for (id = 0; id < N_VPNC_KEYWORDS; id++) {
    const char *kw = vpnc_keyword(id);
    size_t n = strlen(kw);

    if (n > best_len && g_ascii_strncasecmp(line, kw, n) == 0 &&
        (line[n] == '\0' || line[n] == ' ' || line[n] == '\t')) {
      best = id;
      best_len = n;
    }
  }
  *ret_kwlen = best_len;
  return best;
}

typedef struct {
  GPtrArray *warnings;
  unsigned lineno;
  char *obf_secret;   /* decoded "IPSec obfuscated secret" */
  char *obf_password; /* decoded "Xauth obfuscated password" */
  unsigned lines;     /* lines neither blank nor comments */
  unsigned known;     /* of them, lines with a vpnc keyword */
} VpncParse;

static gboolean vpnc_apply_extra(OspProfile *p, VpncExtra what, const char *kw, const char *value,
                                 VpncParse *st, GError **error)
{
  char *canon = NULL;
  bool b;

  if (value && !osp_profile_check_text(kw, value, error))
    return FALSE;

  switch (what) {
  case X_SECRET_OBF:
    osp_profile_wipe_free(st->obf_secret);
    st->obf_secret = NULL;
    return osp_profile_deobfuscate(kw, value, &st->obf_secret, st->warnings, error);
  case X_PASSWORD_OBF:
    osp_profile_wipe_free(st->obf_password);
    st->obf_password = NULL;
    return osp_profile_deobfuscate(kw, value, &st->obf_password, st->warnings, error);
  case X_NO_ENCRYPTION:
    if (!osp_profile_parse_bool(kw, value, &b, error))
      return FALSE;
    if (b) {
      g_set_error(error, OSP_ERROR, OSP_ERROR_CONFIG,
                  _("%s is refused: Osprey never turns off the encryption of the tunnel"), kw);
      return FALSE;
    }
    return TRUE;
  case X_IF_MODE:
    if (g_ascii_strcasecmp(value, "tun") == 0)
      return TRUE;
    if (g_ascii_strcasecmp(value, "tap") == 0)
      g_set_error(error, OSP_ERROR, OSP_ERROR_CONFIG,
                  _("%s tap is not supported: Osprey uses a tun (IP) interface"), kw);
    else
      g_set_error(error, OSP_ERROR, OSP_ERROR_CONFIG, _("%s: “%s” is not one of tun, tap"), kw,
                  value);
    return FALSE;
  case X_LOCAL_ADDR:
    if (strcmp(value, "0.0.0.0") != 0)
      osp_profile_add_warning(st->warnings, _("line %u: %s is not supported and was ignored"),
                              st->lineno, kw);
    return TRUE;
  case X_TARGET_NETWORK:
    if (!osp_profile_canonical_networks(kw, value, &canon, error))
      return FALSE;
    /* vpnc's default, 0.0.0.0/0, leaves the gateway's split list in charge */
    if (canon && strcmp(canon, "0.0.0.0/0") != 0) {
      g_free(p->target_networks);
      p->target_networks = canon;
    } else {
      g_free(canon);
    }
    return TRUE;
  case X_IGNORE_BOOL:
  case X_IGNORE_VALUE: return TRUE;
  }
  return TRUE;
}

static gboolean vpnc_line(OspProfile *p, char *line, bool *seen, VpncParse *st, GError **error)
{
  size_t kwlen, id;
  const char *kw;
  char *value;
  size_t n;

  line = osp_profile_strip_blanks(line);
  if (*line == '\0' || *line == '#')
    return TRUE;
  st->lines++;

  id = vpnc_match(line, &kwlen);
  if (id == N_VPNC_KEYWORDS) {
    /* only the first word: the rest of a misspelt line may be a secret */
    size_t w = MIN(strcspn(line, " \t"), 40);
    g_autofree char *word = g_strndup(line, w);
    g_autofree char *shown = g_strescape(word, NULL);

    osp_profile_add_warning(st->warnings, _("line %u: unknown keyword starting with “%s”; ignored"),
                            st->lineno, shown);
    return TRUE;
  }
  kw = vpnc_keyword(id);
  st->known++;

  value = osp_profile_strip_blanks(line + kwlen);
  n = strlen(value);
  if (n >= 2 && value[0] == '"' && value[n - 1] == '"') {
    value[n - 1] = '\0';
    value++;
  }

  if (vpnc_takes_value(id) && !*value) {
    osp_profile_add_warning(st->warnings, _("line %u: %s has no value; ignored"), st->lineno, kw);
    return TRUE;
  }
  if (seen[id]) {
    osp_profile_add_warning(st->warnings,
                            _("line %u: %s is set a second time; the first one counts, as in vpnc"),
                            st->lineno, kw);
    return TRUE;
  }
  seen[id] = true;

  if (id < N_FIELDS) {
    if (!osp_profile_field_parse(&osp_profile_fields[id], p, kw, *value ? value : NULL, error))
      goto fail;
    return TRUE;
  }
  if (!vpnc_apply_extra(p, vpnc_extras[id - N_FIELDS].what, kw, *value ? value : NULL, st, error))
    goto fail;
  return TRUE;

fail:
  g_prefix_error(error, _("line %u: "), st->lineno);
  return FALSE;
}

/* @ret_foreign: set when the text has lines and none is vpnc's */
gboolean osp_profile_vpnc_merge(OspProfile *p, const char *text, gsize len, GPtrArray *ret_warnings,
                                gboolean *ret_foreign, GError **error)
{
  VpncParse st = { .warnings = ret_warnings };
  bool seen[N_VPNC_KEYWORDS] = { false };
  OspProfile *w = NULL, tmp;
  char *buf, *line, *next;
  gboolean ok = FALSE;
  size_t buf_len;

  g_return_val_if_fail(p, FALSE);
  g_return_val_if_fail(text || !len, FALSE);

  buf = osp_profile_text_to_utf8(text ? text : "", len, ret_warnings, error);
  if (!buf)
    return FALSE;
  buf_len = strlen(buf); /* before lines are cut with NULs */

  /* work on a copy: on failure the caller's profile is left as it was */
  w = osp_profile_copy(p);
  for (line = buf; line; line = next) {
    char *end = line + strcspn(line, "\r\n");

    next = NULL;
    if (*end) {
      next = end + 1;
      if (*end == '\r' && *next == '\n')
        next++;
      *end = '\0';
    }
    st.lineno++;
    if (!vpnc_line(w, line, seen, &st, error))
      goto out;
  }

  /* the clear form wins over the obfuscated one, as in vpnc */
  if (st.obf_secret) {
    if (seen[osp_profile_field_index(offsetof(OspProfile, group_secret))])
      osp_profile_add_warning(ret_warnings,
                              _("IPSec obfuscated secret ignored: IPSec secret is set"));
    else
      osp_profile_set_string(&w->group_secret, st.obf_secret, true);
  }
  if (st.obf_password) {
    if (seen[osp_profile_field_index(offsetof(OspProfile, password))])
      osp_profile_add_warning(ret_warnings,
                              _("Xauth obfuscated password ignored: Xauth password is set"));
    else
      osp_profile_set_string(&w->password, st.obf_password, true);
  }

  tmp = *p;
  *p = *w;
  *w = tmp;
  ok = TRUE;
  if (ret_foreign)
    *ret_foreign = st.lines > 0 && st.known == 0;

out:
  osp_profile_free(w);
  osp_profile_wipe_free(st.obf_secret);
  osp_profile_wipe_free(st.obf_password);
  osp_profile_wipe_buffer(buf, buf_len);
  return ok;
}

gboolean osp_profile_merge_vpnc(OspProfile *p, const char *text, gsize len, GPtrArray *ret_warnings,
                                GError **error)
{
  return osp_profile_vpnc_merge(p, text, len, ret_warnings, NULL, error);
}

OspProfile *osp_profile_parse_vpnc(const char *text, gsize len, GPtrArray *ret_warnings,
                                   GError **error)
{
  g_autoptr(OspProfile) p = osp_profile_new();

  if (!osp_profile_merge_vpnc(p, text, len, ret_warnings, error))
    return NULL;
  return g_steal_pointer(&p);
}

OspProfile *osp_profile_load_vpnc(const char *path, GPtrArray *ret_warnings, GError **error)
{
  return osp_profile_load_with(path, osp_profile_parse_vpnc, ret_warnings, error);
}

/* vpnc --print-config quotes values with edge blanks or edge quotes */
static void vpnc_append(GString *s, const char *kw, const char *v)
{
  size_t n = v ? strlen(v) : 0;

  if (!v)
    g_string_append_printf(s, "%s\n", kw);
  else if (v[0] == ' ' || v[0] == '\t' || v[n - 1] == ' ' || v[n - 1] == '\t' ||
           (v[0] == '"' && v[n - 1] == '"'))
    g_string_append_printf(s, "%s \"%s\"\n", kw, v);
  else
    g_string_append_printf(s, "%s %s\n", kw, v);
}

char *osp_profile_to_vpnc(const OspProfile *p, bool with_secrets)
{
  g_autoptr(OspProfile) defaults = osp_profile_new();
  size_t i, size = 4096;
  GString *s;

  g_return_val_if_fail(p, NULL);

  /* sized up front from the values: the text may hold secrets and must not
   * leave reallocated copies behind */
  for (i = 0; i < N_FIELDS; i++)
    if (osp_profile_field_is_string(&osp_profile_fields[i]) &&
        *(char *const *)FIELD_CPTR(p, &osp_profile_fields[i]))
      size += strlen(*(char *const *)FIELD_CPTR(p, &osp_profile_fields[i])) + 64;
  s = g_string_sized_new(size);

  g_string_append(s, "# vpnc configuration written by Osprey " OSP_VERSION "\n");
  for (i = 0; i < N_FIELDS; i++) {
    const ProfileField *f = &osp_profile_fields[i];
    g_autofree char *v = NULL;

    if (f->type == T_SECRET && !with_secrets)
      continue;
    /* never write what could not be read back, nor a line break (CVE-2018-10900) */
    if (!osp_profile_field_check(f, p, FIELD_KEYWORD(f), NULL)) {
      g_string_append_printf(s, "# %s omitted: invalid value\n", FIELD_KEYWORD(f));
      continue;
    }
    v = osp_profile_field_to_write(f, p, defaults, with_secrets);
    if (!v)
      continue;
    if (f->type == T_BOOL)
      /* vpnc switches a boolean on whatever follows it: write "on" bare */
      vpnc_append(s, FIELD_KEYWORD(f), *(const bool *)FIELD_CPTR(p, f) ? NULL : "no");
    else
      vpnc_append(s, FIELD_KEYWORD(f), v);
    if (f->type == T_SECRET)
      OPENSSL_cleanse(v, strlen(v));
  }
  return g_string_free(s, FALSE);
}
