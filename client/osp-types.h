/* SPDX-License-Identifier: GPL-2.0-or-later
 * Osprey — the vocabulary every layer shares: the states a connection
 * reports, the kinds of secret the engine asks for and the request that
 * carries them.  Bottom of the engine: it depends on nothing but GLib, so
 * the sans-I/O session (osp-session.h), the connection, the daemon, the NM
 * plugin and the D-Bus test's scripted engine all speak it. */
#pragma once

#include "osp-common.h"

G_BEGIN_DECLS

typedef enum {
  OSP_STATE_DISCONNECTED = 0, /* initial and final */
  OSP_STATE_CONNECTING,       /* resolving, phase 1 */
  OSP_STATE_AUTHENTICATING,   /* XAUTH: may wait for secrets */
  OSP_STATE_CONFIGURING,      /* Mode Config, quick mode, network script */
  OSP_STATE_CONNECTED,        /* tunnel carries traffic */
  OSP_STATE_RECONNECTING,     /* lost; waiting to try again */
  OSP_STATE_DISCONNECTING,    /* Delete sent, script "disconnect" running */
  OSP_STATE_FAILED,           /* final: see the error */
} OspState;

const char *osp_state_name(OspState s); /* "connecting", ... stable API */

/* What a secret request asks for; each has a stable key name for D-Bus. */
typedef enum {
  OSP_SECRET_GROUP_SECRET,   /* "group-secret" */
  OSP_SECRET_USERNAME,       /* "username" */
  OSP_SECRET_PASSWORD,       /* "password" */
  OSP_SECRET_PASSCODE,       /* "passcode": token code (XAUTH PASSCODE) */
  OSP_SECRET_NEXT_PIN,       /* "next-pin": new PIN asked by the token server */
  OSP_SECRET_ANSWER,         /* "answer": answer to a challenge */
  OSP_SECRET_KEY_PASSPHRASE, /* "key-passphrase": of our key or PKCS#12 file */
  OSP_SECRET_N_KINDS
} OspSecretKind;

const char *osp_secret_kind_name(OspSecretKind k); /* NULL if out of range */
int osp_secret_kind_from_name(const char *name);   /* -1 if unknown */

typedef struct {
  guint id; /* pass back to osp_connection_provide_secrets */
  OspSecretKind kinds[OSP_SECRET_N_KINDS];
  size_t n_kinds;
  const char *message; /* text from the gateway (XAUTH MESSAGE), may be NULL */
  bool retry;          /* the previous answer was rejected */
} OspSecretRequest;

G_END_DECLS
