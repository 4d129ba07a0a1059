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

/* One row per state: its stable name (the State property), whether it is
 * final (the attempt is over: the connection object may go) and the words
 * for people (N_(): the tray's menu and details).  Plain GLib: the command
 * line and the tray, which do not link the engine, build osp-types.c in. */
typedef struct {
  OspState state;
  const char *name; /* "connecting", ... stable API */
  bool final;       /* disconnected, failed */
  const char *text; /* N_(): "Connecting…" */
} OspStateInfo;

/* The row of a state, NULL if out of range (walk it from 0). */
const OspStateInfo *osp_state_info(OspState s);
/* The row of a State name, NULL if unknown or NULL (front ends read an
 * unknown state as "connecting", as the API asks). */
const OspStateInfo *osp_state_find(const char *name);
const char *osp_state_name(OspState s); /* "connecting", ...; "unknown" if out of range */
/* Whether a State name is final; an unknown one is not. */
bool osp_state_name_is_final(const char *name);

typedef struct {
  guint id; /* pass back to osp_connection_provide_secrets */
  OspSecretKind kinds[OSP_SECRET_N_KINDS];
  size_t n_kinds;
  const char *message; /* text from the gateway (XAUTH MESSAGE), may be NULL */
  bool retry;          /* the previous answer was rejected */
} OspSecretRequest;

G_END_DECLS
