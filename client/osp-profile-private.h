/* SPDX-License-Identifier: GPL-2.0-or-later
 * Osprey — the inside of the profile code, shared by its files:
 *
 *   osp-profile.c          the model (OspProfile), the field engine (one
 *                          row per setting: parse, check, print) and the
 *                          small rules every format shares
 *   osp-profile-format.c   a file's bytes: BOM, UTF-16, Windows-1252, size
 *                          limit; which format it is (sniffing)
 *   osp-profile-vpnc.c     vpnc .conf, reader and writer; Cisco's
 *                          obfuscated passwords
 *   osp-profile-pcf.c      Cisco .pcf
 *   osp-profile-keyfile.c  Osprey's keyfile (osprey.conf(5))
 *
 * The formats reach a profile's values only through the field engine, so
 * every format checks a value by the same rule. */
#pragma once

#ifndef GETTEXT_PACKAGE
#define GETTEXT_PACKAGE "osprey"
#endif

#include "osp-profile.h"
#include "osp-settings.h"

#define VALUE_MAX 4096
#define FILE_MAX (1024 * 1024)
#define MTU_MIN 576
#define MTU_MAX 9000
#define DPD_IDLE_MIN 10
#define DPD_IDLE_MAX 86400
#define DPD_TIMEOUT_MIN 5
#define DPD_TIMEOUT_MAX 3600
#define LIFETIME_MIN 10
#define LIFETIME_MAX 86400
#define IFNAME_MAX 15 /* IFNAMSIZ - 1 */

#define KEYFILE_GROUP "profile"

typedef enum {
  T_STRING,
  T_SECRET,
  T_GATEWAY,
  T_IFNAME,
  T_NETWORKS,
  T_SERVERS,
  T_BOOL,
  T_UINT,
  T_PORT,
  T_VENDOR,
  T_NATT,
  T_ID_TYPE,
  T_AUTH,
  T_IPV6,
  T_EXCH,
  T_DH,
  T_PFS,
} FieldType;

typedef struct {
  OspSettingId id; /* its key and vpnc keyword: osp_settings[id] */
  FieldType type;
  size_t offset;
  unsigned min, max; /* T_UINT; 0 is also accepted when zero_ok */
  bool zero_ok;
} ProfileField;

/* The field engine (osp-profile.c): one field per setting, in the order
 * the writers print them. */
#define N_FIELDS ((size_t)OSP_SETTING_N)
extern const ProfileField osp_profile_fields[OSP_SETTING_N];
#define FIELD_KEY(f) (osp_settings[(f)->id].key)
#define FIELD_KEYWORD(f) (osp_settings[(f)->id].vpnc)
#define FIELD_PTR(p, f) ((void *)((char *)(p) + (f)->offset))
#define FIELD_CPTR(p, f) ((const void *)((const char *)(p) + (f)->offset))

bool osp_profile_field_is_string(const ProfileField *f);
gboolean osp_profile_field_check(const ProfileField *f, const OspProfile *p, const char *setting,
                                 GError **error);
gboolean osp_profile_field_parse(const ProfileField *f, OspProfile *p, const char *setting,
                                 const char *value, GError **error);
char *osp_profile_field_to_text(const ProfileField *f, const OspProfile *p);
/* What a writer writes of f: its text, or NULL when it is a secret left
 * out, unset, or its default (so that a better default reaches old
 * profiles). */
char *osp_profile_field_to_write(const ProfileField *f, const OspProfile *p,
                                 const OspProfile *defaults, bool with_secrets);
const ProfileField *osp_profile_field_by_key(const char *key);
size_t osp_profile_field_index(size_t offset);

/* Rules and helpers every format uses (osp-profile.c) */
void osp_profile_wipe_free(char *s);
void osp_profile_set_string(char **field, const char *value, bool secret);
void osp_profile_add_warning(GPtrArray *warnings, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
char *osp_profile_strip_blanks(char *s);
gboolean osp_profile_check_text(const char *setting, const char *v, GError **error);
gboolean osp_profile_parse_bool(const char *setting, const char *v, bool *ret, GError **error);
gboolean osp_profile_parse_uint(const char *setting, const char *v, guint64 max, guint64 *ret,
                                GError **error);
bool osp_profile_dh_group_ok(int g);
gboolean osp_profile_canonical_networks(const char *setting, const char *v, char **ret,
                                        GError **error);

/* A file's bytes (osp-profile-format.c) */
typedef OspProfile *(*ParseFn)(const char *text, gsize len, GPtrArray *ret_warnings,
                               GError **error);
char *osp_profile_text_to_utf8(const char *text, gsize len, GPtrArray *warnings, GError **error);
char *osp_profile_cp1252_to_utf8(const char *text, size_t len);
void osp_profile_wipe_buffer(char *contents, gsize len);
OspProfile *osp_profile_load_with(const char *path, ParseFn parse, GPtrArray *ret_warnings,
                                  GError **error);

/* vpnc (osp-profile-vpnc.c): @ret_foreign set when the text has lines and
 * none is vpnc's; a password decoded from Cisco's obfuscation */
gboolean osp_profile_vpnc_merge(OspProfile *p, const char *text, gsize len, GPtrArray *ret_warnings,
                                gboolean *ret_foreign, GError **error);
gboolean osp_profile_deobfuscate(const char *setting, const char *hex, char **ret,
                                 GPtrArray *warnings, GError **error);
