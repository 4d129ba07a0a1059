/* SPDX-License-Identifier: GPL-2.0-or-later
 * Osprey — the kinds of secret, once: for each kind the engine asks for
 * (a request's `kinds`) its stable name (D-Bus, the secrets file), its key
 * among a NetworkManager connection's vpn.secrets, the one label people see
 * for it, and how it is handled: typed in clear or hidden, good for one
 * login or worth keeping, kept in ospreyd's store or not.  The terminal
 * prompts of osprey and ospreyd --foreground, the tray's dialog, keyring
 * and profile editor, the NetworkManager service and auth dialog all read
 * it; a new kind is its enum constant and one row in osp-secret-kind.c,
 * and test-secret-kind fails on a row that misses a column.  Plain C and
 * GLib only: the command line and the tray, which do not link the engine,
 * build this file in. */
#pragma once

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "osp-settings.h"

G_BEGIN_DECLS

/* What a secret request asks for. */
typedef enum {
  OSP_SECRET_GROUP_SECRET,   /* the group's pre-shared key (phase 1) */
  OSP_SECRET_USERNAME,       /* XAUTH USER_NAME */
  OSP_SECRET_PASSWORD,       /* XAUTH USER_PASSWORD */
  OSP_SECRET_PASSCODE,       /* XAUTH PASSCODE: a token code */
  OSP_SECRET_NEXT_PIN,       /* XAUTH NEXT_PIN: a new PIN asked by the token server */
  OSP_SECRET_ANSWER,         /* XAUTH ANSWER: the answer to a challenge */
  OSP_SECRET_KEY_PASSPHRASE, /* of our key or PKCS#12 file, asked before phase 1 */
  OSP_SECRET_N_KINDS
} OspSecretKind;

typedef struct {
  OspSecretKind kind;
  const char *name;     /* "group-secret": D-Bus (secret dictionaries, "kinds", SavedSecrets),
                           --secrets-file keys, the tray's keyring attribute */
  const char *nm_key;   /* "IPSec secret": the vpn.secrets key (NetworkManager-vpnc's) */
  const char *label;    /* N_(): "Group password"; a prompt is the label and ": " */
  bool echo;            /* typed in clear (the user name), else hidden */
  bool one_time;        /* good for one login: never kept (keyring, NetworkManager, store) */
  OspSettingId setting; /* the profile's setting that holds it, OSP_SETTING_N if none */
  bool stored;          /* ospreyd's root-only store keeps it (SetSecrets, SavedSecrets) */
  uint16_t xauth;       /* the XAUTH attribute that asks for it (osp-isakmp.h X_), 0 if none */
  /* the auth-mode values in which the engine may ask for it, space-separated
   * ("psk": the group secret keys phase 1 only there); NULL: in every mode */
  const char *auth_modes;
} OspSecretKindInfo;

/* The row of a kind, NULL if out of range (walk it from 0). */
const OspSecretKindInfo *osp_secret_kind_info(OspSecretKind k);
/* The row of a name ("passcode"), NULL if unknown or NULL. */
const OspSecretKindInfo *osp_secret_kind_find(const char *name);
/* The row of a vpn.secrets key ("Xauth passcode"), NULL if none. */
const OspSecretKindInfo *osp_secret_kind_find_nm(const char *nm_key);
/* The row an XAUTH attribute asks for (X_PASSCODE), NULL for the others. */
const OspSecretKindInfo *osp_secret_kind_find_xauth(uint16_t attr);

/* Whether the engine may ask for i's kind in auth_mode (a value of the
 * auth-mode setting; NULL or "" is its default, "psk"): an editor shows the
 * kind's row, a prompt asks for it, only then.  A mode this version does
 * not know: true. */
bool osp_secret_kind_used(const OspSecretKindInfo *i, const char *auth_mode);

/* The terminal prompt of a label (already translated): "Password: ", or
 * with a value taken on an empty answer "User name [alice]: "; free it. */
char *osp_secret_kind_prompt(const char *label, const char *default_value);

const char *osp_secret_kind_name(OspSecretKind k); /* NULL if out of range */
int osp_secret_kind_from_name(const char *name);   /* -1 if unknown */

G_END_DECLS
