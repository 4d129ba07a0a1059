/* SPDX-License-Identifier: GPL-2.0-or-later
 * Osprey — the failure reasons, once: for each failure class of the engine
 * (OSP_ERROR, osp-error.h) and of ospreyd (its OSP_DAEMON_ERROR domain) the
 * stable reason code, the D-Bus error name, the exit status, what
 * NetworkManager is told and the words for people.  ospreyd registers its
 * D-Bus errors from it, osprey derives exit statuses and messages, the tray
 * its sentences, nm-osprey-service its failure; a new reason is one row in
 * osp-reason.c (and its enum constant), and test-reason fails on a row that
 * misses a column.  Plain C and GLib only: the command line and the tray,
 * which do not link the engine, build this file in. */
#pragma once

#include "osp-error.h"

#include <glib.h>

G_BEGIN_DECLS

/* Exit statuses of osprey and ospreyd --foreground (also `osprey --help`,
 * osprey(1), ospreyd(8)); scripts rely on them:
 *   0   success
 *   1   failure: the connection failed (the line names the reason, e.g.
 *       gateway-unreachable, no-proposal, peer-dead) or another error
 *   2   authentication failed (bad-credentials, bad-group-secret), as vpnc
 *   3   not authorized (polkit said no, or the D-Bus policy denied access)
 *   4   ospreyd not reachable (not running, bus missing, or it stopped
 *       while osprey was waiting)
 *   5   timeout (--timeout elapsed)
 *   6   no such profile
 *   7   the gateway's certificate was refused (cert-*), which vpnc does not
 *       check
 *   64  usage error (bad arguments, unknown command, invalid-arguments) */
enum {
  OSP_EXIT_OK = 0,
  OSP_EXIT_FAILED = 1,
  OSP_EXIT_AUTH = 2,
  OSP_EXIT_NOT_AUTHORIZED = 3,
  OSP_EXIT_NO_DAEMON = 4,
  OSP_EXIT_TIMEOUT = 5,
  OSP_EXIT_NO_PROFILE = 6,
  OSP_EXIT_CERT = 7,
  OSP_EXIT_USAGE = 64,
};

/* Every D-Bus error of both domains is named OSP_REASON_DBUS_PREFIX <dbus_name>. */
#define OSP_REASON_DBUS_PREFIX "net.ospreyvpn.Osprey1.Error."

typedef enum {
  OSP_REASON_ENGINE, /* OSP_ERROR, OspErrorCode */
  OSP_REASON_DAEMON, /* OSP_DAEMON_ERROR, OspDaemonErrorCode */
} OspReasonDomain;

/* NetworkManager's NMVpnPluginFailure for a failure of the engine. */
typedef enum {
  OSP_NM_CONNECT_FAILED,
  OSP_NM_LOGIN_FAILED, /* a secret was wrong or missing: NM asks again */
  OSP_NM_BAD_IP_CONFIG,
} OspNmFailure;

typedef struct {
  OspReasonDomain domain;
  int value;             /* the GError code in that domain */
  const char *code;      /* "bad-group-secret": StateReason, JSON "reason", "[...]" of messages */
  const char *dbus_name; /* "BadGroupSecret": OSP_REASON_DBUS_PREFIX "BadGroupSecret" */
  int exit_status;       /* OSP_EXIT_* */
  OspNmFailure nm_failure;
  const char *text;     /* N_(): a clause, "Could not connect to work: <text> [code]." */
  const char *sentence; /* N_(): a sentence of its own (the tray's notifications, dialogs) */
} OspReason;

/* Row i of the table, NULL past its end (i from 0, for walking it). */
const OspReason *osp_reason_nth(size_t i);
/* The row of a GError code, NULL if that code has none. */
const OspReason *osp_reason_get(OspReasonDomain domain, int value);
/* The row of a reason code ("bad-config"), NULL if unknown or NULL. */
const OspReason *osp_reason_find(const char *code);
/* The row of a full D-Bus error name (OSP_REASON_DBUS_PREFIX "Config"),
 * NULL for any other name. */
const OspReason *osp_reason_find_dbus(const char *dbus_error_name);

G_END_DECLS
