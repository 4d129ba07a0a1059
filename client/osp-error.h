/* SPDX-License-Identifier: GPL-2.0-or-later
 * Osprey — the user-visible failure classes.
 *
 * One code per failure a user must be able to tell apart, and ospreyd's
 * own failures beside them.  What each becomes (its stable reason code,
 * D-Bus error, exit status, sentence) is in one table, osp-reason.c: a new
 * code needs its row there.  The reason codes returned by
 * osp_error_reason_code() are stable API: scripts parse them. */
#pragma once

#include <glib.h>
#include <stdbool.h>

G_BEGIN_DECLS

#define OSP_ERROR (osp_error_quark())
GQuark osp_error_quark(void);

typedef enum {
  OSP_ERROR_FAILED,              /* local-error: anything on this machine */
  OSP_ERROR_CONFIG,              /* bad-config: profile invalid or incomplete */
  OSP_ERROR_BAD_GROUP_SECRET,    /* bad-group-secret: phase 1 auth failed */
  OSP_ERROR_BAD_CREDENTIALS,     /* bad-credentials: XAUTH rejected user/password */
  OSP_ERROR_NO_PROPOSAL,         /* no-proposal: no common proposal with the gateway */
  OSP_ERROR_WEAK_PROPOSAL,       /* weak-proposal: gateway chose an algorithm the profile refuses */
  OSP_ERROR_GATEWAY_UNREACHABLE, /* gateway-unreachable: no answer / ICMP error / DNS failure */
  OSP_ERROR_GATEWAY_REJECTED,    /* gateway-rejected: other error notify from the gateway */
  OSP_ERROR_PROTOCOL,            /* protocol-error: gateway sent something we cannot use */
  OSP_ERROR_PEER_DEAD,           /* peer-dead: DPD declared the gateway dead */
  OSP_ERROR_DISCONNECTED,        /* gateway-disconnected: gateway deleted our SA */
  OSP_ERROR_SECRETS_REQUIRED,    /* secrets-required: a secret was needed and not given */
  OSP_ERROR_CANCELLED,           /* cancelled: the user stopped the attempt */
  OSP_ERROR_SCRIPT,              /* script-failed: the network script failed */
  OSP_ERROR_NETWORK_CHANGED,     /* network-changed: our address or route to the gateway changed */
  /* the gateway's certificate (hybrid or certificate authentication) was refused: */
  OSP_ERROR_CERT_UNTRUSTED,      /* cert-untrusted: not issued by the profile's CA */
  OSP_ERROR_CERT_EXPIRED,        /* cert-expired: outside its validity time */
  OSP_ERROR_CERT_WRONG_IDENTITY, /* cert-wrong-identity: another gateway's certificate */
  OSP_ERROR_CERT_BAD_SIGNATURE,  /* cert-bad-signature: a forged certificate or signature */
  OSP_ERROR_BAD_IP_CONFIG,       /* bad-ip-config: the gateway's network settings are unusable */
  OSP_ERROR_BAD_KEY_PASSPHRASE,  /* bad-key-passphrase: our key could not be decrypted */
  OSP_ERROR_CERT_REVOKED,        /* cert-revoked: the gateway's certificate is in the CRL-File */
  OSP_ERROR_N_CODES
} OspErrorCode;

/* Failures of ospreyd itself, its domain OSP_DAEMON_ERROR (daemon/osp-manager.h);
 * listed here for the one table of reasons. */
typedef enum {
  OSP_DAEMON_ERROR_INVALID_ARGUMENTS, /* invalid-arguments */
  OSP_DAEMON_ERROR_NOT_AUTHORIZED,    /* not-authorized */
  OSP_DAEMON_ERROR_NOT_FOUND,         /* not-found */
  OSP_DAEMON_ERROR_ALREADY_EXISTS,    /* already-exists */
  OSP_DAEMON_ERROR_ALREADY_ACTIVE,    /* already-active */
  OSP_DAEMON_ERROR_ROUTE_CONFLICT,    /* route-conflict */
  OSP_DAEMON_ERROR_LIMIT_EXCEEDED,    /* limit-exceeded */
  OSP_DAEMON_ERROR_N_CODES
} OspDaemonErrorCode;

/* Stable machine-readable reason code, e.g. "bad-group-secret"
 * ("local-error" for a code out of range). */
const char *osp_error_reason_code(int code);
/* One of the refusals of the gateway's certificate (cert-*: exit status 7). */
bool osp_error_is_certificate(int code);
/* The exit status (OSP_EXIT_*, osp-reason.h): 2 authentication failure, as
 * vpnc, 7 the gateway's certificate, which vpnc does not check, 1 otherwise. */
int osp_error_exit_status(int code);

G_END_DECLS
