/* SPDX-License-Identifier: GPL-2.0-or-later
 * Osprey — the one table of failure reasons (osp-reason.h).  The D-Bus
 * names and reason codes are stable API (data/net.ospreyvpn.Osprey1.xml
 * lists them, test-reason checks that it does); the texts are translated
 * by whoever shows them. */
#include "osp-reason.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#define E(v) OSP_REASON_ENGINE, OSP_ERROR_##v
#define D(v) OSP_REASON_DAEMON, OSP_DAEMON_ERROR_##v
#define NM_CONNECT OSP_NM_CONNECT_FAILED
#define NM_LOGIN OSP_NM_LOGIN_FAILED

/* domain and value, code, D-Bus name, exit status, NetworkManager failure,
 * the command line's clause, the tray's sentence */
static const OspReason reasons[] = {
  { E(FAILED), "local-error", "Failed", OSP_EXIT_FAILED, NM_CONNECT, N_("an error on this machine"),
    N_("Something went wrong on this computer.") },
  { E(CONFIG), "bad-config", "Config", OSP_EXIT_FAILED, NM_CONNECT,
    N_("the profile is invalid or incomplete"), N_("The profile is incomplete or invalid.") },
  { E(BAD_GROUP_SECRET), "bad-group-secret", "BadGroupSecret", OSP_EXIT_AUTH, NM_LOGIN,
    N_("the gateway rejected the group password"),
    N_("The gateway did not accept the group password.") },
  { E(BAD_CREDENTIALS), "bad-credentials", "BadCredentials", OSP_EXIT_AUTH, NM_LOGIN,
    N_("the gateway rejected the user name or password"),
    N_("The gateway did not accept the user name or password.") },
  { E(NO_PROPOSAL), "no-proposal", "NoProposal", OSP_EXIT_FAILED, NM_CONNECT,
    N_("the gateway accepted none of the proposed algorithms"),
    N_("The gateway supports none of the offered algorithms.") },
  { E(WEAK_PROPOSAL), "weak-proposal", "WeakProposal", OSP_EXIT_FAILED, NM_CONNECT,
    N_("the gateway chose an algorithm the profile refuses"),
    N_("The gateway insisted on an algorithm this profile does not allow.") },
  { E(GATEWAY_UNREACHABLE), "gateway-unreachable", "GatewayUnreachable", OSP_EXIT_FAILED,
    NM_CONNECT, N_("the gateway does not answer"), N_("The gateway could not be reached.") },
  { E(GATEWAY_REJECTED), "gateway-rejected", "GatewayRejected", OSP_EXIT_FAILED, NM_CONNECT,
    N_("the gateway refused the connection"), N_("The gateway refused the connection.") },
  { E(PROTOCOL), "protocol-error", "Protocol", OSP_EXIT_FAILED, NM_CONNECT,
    N_("the gateway sent something unusable"),
    N_("The gateway sent a message that could not be used.") },
  { E(PEER_DEAD), "peer-dead", "PeerDead", OSP_EXIT_FAILED, NM_CONNECT,
    N_("the gateway stopped answering"), N_("The gateway stopped answering.") },
  { E(DISCONNECTED), "gateway-disconnected", "Disconnected", OSP_EXIT_FAILED, NM_CONNECT,
    N_("the gateway ended the connection"), N_("The gateway closed the connection.") },
  { E(SECRETS_REQUIRED), "secrets-required", "SecretsRequired", OSP_EXIT_FAILED, NM_LOGIN,
    N_("a password was needed and none was given"),
    N_("A password was needed but none was given.") },
  { E(CANCELLED), "cancelled", "Cancelled", OSP_EXIT_FAILED, NM_CONNECT,
    N_("the attempt was cancelled"), N_("The connection attempt was cancelled.") },
  { E(SCRIPT), "script-failed", "Script", OSP_EXIT_FAILED, NM_CONNECT,
    N_("the network script failed"), N_("The network configuration script failed.") },
  { E(NETWORK_CHANGED), "network-changed", "NetworkChanged", OSP_EXIT_FAILED, NM_CONNECT,
    N_("the network changed under the tunnel"), N_("The network of this computer changed.") },
  { E(CERT_UNTRUSTED), "cert-untrusted", "CertUntrusted", OSP_EXIT_CERT, NM_CONNECT,
    N_("the gateway's certificate is not from the profile's CA"),
    N_("The gateway's certificate is not from the certificate authority of the profile.") },
  { E(CERT_EXPIRED), "cert-expired", "CertExpired", OSP_EXIT_CERT, NM_CONNECT,
    N_("the gateway's certificate has expired or is not valid yet"),
    N_("The gateway's certificate has expired or is not valid yet.") },
  { E(CERT_WRONG_IDENTITY), "cert-wrong-identity", "CertWrongIdentity", OSP_EXIT_CERT, NM_CONNECT,
    N_("the gateway's certificate names another gateway"),
    N_("The gateway's certificate was issued to another gateway.") },
  { E(CERT_BAD_SIGNATURE), "cert-bad-signature", "CertBadSignature", OSP_EXIT_CERT, NM_CONNECT,
    N_("the gateway's certificate or signature is forged"),
    N_("The gateway's certificate or signature is forged.") },
  { E(BAD_IP_CONFIG), "bad-ip-config", "BadIpConfig", OSP_EXIT_FAILED, OSP_NM_BAD_IP_CONFIG,
    N_("the gateway's network settings cannot be used"),
    N_("The gateway's network settings cannot be used.") },
  { E(BAD_KEY_PASSPHRASE), "bad-key-passphrase", "BadKeyPassphrase", OSP_EXIT_AUTH, NM_LOGIN,
    N_("the passphrase of the client key is wrong"),
    N_("The passphrase of the client key is wrong.") },
  { E(CERT_REVOKED), "cert-revoked", "CertRevoked", OSP_EXIT_CERT, NM_CONNECT,
    N_("the gateway's certificate has been revoked"),
    N_("The gateway's certificate has been revoked.") },

  { D(INVALID_ARGUMENTS), "invalid-arguments", "InvalidArguments", OSP_EXIT_USAGE, NM_CONNECT,
    N_("an argument was invalid"), N_("The request was not valid.") },
  { D(NOT_AUTHORIZED), "not-authorized", "NotAuthorized", OSP_EXIT_NOT_AUTHORIZED, NM_CONNECT,
    N_("you are not authorized"), N_("You are not allowed to do this.") },
  { D(NOT_FOUND), "not-found", "NotFound", OSP_EXIT_FAILED, NM_CONNECT,
    N_("the profile does not exist"), N_("The profile no longer exists.") },
  { D(ALREADY_EXISTS), "already-exists", "AlreadyExists", OSP_EXIT_FAILED, NM_CONNECT,
    N_("a profile of that name exists"), N_("A profile of that name already exists.") },
  { D(ALREADY_ACTIVE), "already-active", "AlreadyActive", OSP_EXIT_FAILED, NM_CONNECT,
    N_("the profile is already active"), N_("This profile is already connected or connecting.") },
  { D(ROUTE_CONFLICT), "route-conflict", "RouteConflict", OSP_EXIT_FAILED, NM_CONNECT,
    N_("its routes conflict with those of an active connection"),
    N_("Its routes would conflict with those of a connection already up.") },
  { D(LIMIT_EXCEEDED), "limit-exceeded", "LimitExceeded", OSP_EXIT_FAILED, NM_CONNECT,
    N_("too many connections"), N_("Too many connections are active.") },
};
G_STATIC_ASSERT(G_N_ELEMENTS(reasons) == OSP_ERROR_N_CODES + OSP_DAEMON_ERROR_N_CODES);

const OspReason *osp_reason_nth(size_t i)
{
  return i < G_N_ELEMENTS(reasons) ? &reasons[i] : NULL;
}

const OspReason *osp_reason_get(OspReasonDomain domain, int value)
{
  for (size_t i = 0; i < G_N_ELEMENTS(reasons); i++)
    if (reasons[i].domain == domain && reasons[i].value == value)
      return &reasons[i];
  return NULL;
}

const OspReason *osp_reason_find(const char *code)
{
  for (size_t i = 0; code && i < G_N_ELEMENTS(reasons); i++)
    if (strcmp(reasons[i].code, code) == 0)
      return &reasons[i];
  return NULL;
}

const OspReason *osp_reason_find_dbus(const char *dbus_error_name)
{
  const size_t n = strlen(OSP_REASON_DBUS_PREFIX);

  if (!dbus_error_name || strncmp(dbus_error_name, OSP_REASON_DBUS_PREFIX, n) != 0)
    return NULL;
  for (size_t i = 0; i < G_N_ELEMENTS(reasons); i++)
    if (strcmp(reasons[i].dbus_name, dbus_error_name + n) == 0)
      return &reasons[i];
  return NULL;
}

/* The engine's own view (osp-error.h): a code without a row reads as
 * local-error, as ospreyd reports it. */
static const OspReason *engine_reason(int code)
{
  const OspReason *r = osp_reason_get(OSP_REASON_ENGINE, code);

  return r ? r : osp_reason_get(OSP_REASON_ENGINE, OSP_ERROR_FAILED);
}

const char *osp_error_reason_code(int code)
{
  return engine_reason(code)->code;
}

bool osp_error_is_certificate(int code)
{
  return engine_reason(code)->exit_status == OSP_EXIT_CERT;
}

int osp_error_exit_status(int code)
{
  return engine_reason(code)->exit_status;
}
