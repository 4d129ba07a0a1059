/* SPDX-License-Identifier: GPL-2.0-or-later
 * Osprey — the vocabulary every layer shares: the states a connection
 * reports and the request that carries the kinds of secret the engine
 * asks for (osp-secret-kind.h).  Bottom of the engine: it depends on
 * nothing but GLib, so the sans-I/O session (osp-session.h), the
 * connection, the daemon, the NM plugin and the D-Bus test's scripted
 * engine all speak it. */
#pragma once

#include "osp-common.h"
#include "osp-secret-kind.h" /* OspSecretKind, its names */

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

typedef struct {
  guint id; /* pass back to osp_connection_provide_secrets */
  OspSecretKind kinds[OSP_SECRET_N_KINDS];
  size_t n_kinds;
  const char *message; /* text from the gateway (XAUTH MESSAGE), may be NULL */
  bool retry;          /* the previous answer was rejected */
} OspSecretRequest;

G_END_DECLS
