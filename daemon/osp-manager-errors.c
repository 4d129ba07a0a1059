/* SPDX-License-Identifier: GPL-2.0-or-later
 * ospreyd — its error domain and the engine's, with their D-Bus names
 * (one D-Bus error per OSP_ERROR code) and the stable reason codes. */
#include "osp-manager-private.h"

/* ---- errors ------------------------------------------------------------- */

/* The quark name is stringified: keep clang-format from spacing it. */
/* clang-format off */
G_DEFINE_QUARK(osp-daemon-error-quark, osp_daemon_error)
/* clang-format on */

static const char *const daemon_reason_codes[OSP_DAEMON_ERROR_N_CODES] = {
  [OSP_DAEMON_ERROR_INVALID_ARGUMENTS] = "invalid-arguments",
  [OSP_DAEMON_ERROR_NOT_AUTHORIZED] = "not-authorized",
  [OSP_DAEMON_ERROR_NOT_FOUND] = "not-found",
  [OSP_DAEMON_ERROR_ALREADY_EXISTS] = "already-exists",
  [OSP_DAEMON_ERROR_ALREADY_ACTIVE] = "already-active",
  [OSP_DAEMON_ERROR_ROUTE_CONFLICT] = "route-conflict",
  [OSP_DAEMON_ERROR_LIMIT_EXCEEDED] = "limit-exceeded",
};

static const GDBusErrorEntry daemon_error_entries[] = {
  { OSP_DAEMON_ERROR_INVALID_ARGUMENTS, "net.ospreyvpn.Osprey1.Error.InvalidArguments" },
  { OSP_DAEMON_ERROR_NOT_AUTHORIZED, "net.ospreyvpn.Osprey1.Error.NotAuthorized" },
  { OSP_DAEMON_ERROR_NOT_FOUND, "net.ospreyvpn.Osprey1.Error.NotFound" },
  { OSP_DAEMON_ERROR_ALREADY_EXISTS, "net.ospreyvpn.Osprey1.Error.AlreadyExists" },
  { OSP_DAEMON_ERROR_ALREADY_ACTIVE, "net.ospreyvpn.Osprey1.Error.AlreadyActive" },
  { OSP_DAEMON_ERROR_ROUTE_CONFLICT, "net.ospreyvpn.Osprey1.Error.RouteConflict" },
  { OSP_DAEMON_ERROR_LIMIT_EXCEEDED, "net.ospreyvpn.Osprey1.Error.LimitExceeded" },
};

/* One to one with OspErrorCode (osp-error.h). */
static const GDBusErrorEntry engine_error_entries[] = {
  { OSP_ERROR_FAILED, "net.ospreyvpn.Osprey1.Error.Failed" },
  { OSP_ERROR_CONFIG, "net.ospreyvpn.Osprey1.Error.Config" },
  { OSP_ERROR_BAD_GROUP_SECRET, "net.ospreyvpn.Osprey1.Error.BadGroupSecret" },
  { OSP_ERROR_BAD_CREDENTIALS, "net.ospreyvpn.Osprey1.Error.BadCredentials" },
  { OSP_ERROR_NO_PROPOSAL, "net.ospreyvpn.Osprey1.Error.NoProposal" },
  { OSP_ERROR_WEAK_PROPOSAL, "net.ospreyvpn.Osprey1.Error.WeakProposal" },
  { OSP_ERROR_GATEWAY_UNREACHABLE, "net.ospreyvpn.Osprey1.Error.GatewayUnreachable" },
  { OSP_ERROR_GATEWAY_REJECTED, "net.ospreyvpn.Osprey1.Error.GatewayRejected" },
  { OSP_ERROR_PROTOCOL, "net.ospreyvpn.Osprey1.Error.Protocol" },
  { OSP_ERROR_PEER_DEAD, "net.ospreyvpn.Osprey1.Error.PeerDead" },
  { OSP_ERROR_DISCONNECTED, "net.ospreyvpn.Osprey1.Error.Disconnected" },
  { OSP_ERROR_SECRETS_REQUIRED, "net.ospreyvpn.Osprey1.Error.SecretsRequired" },
  { OSP_ERROR_CANCELLED, "net.ospreyvpn.Osprey1.Error.Cancelled" },
  { OSP_ERROR_SCRIPT, "net.ospreyvpn.Osprey1.Error.Script" },
  { OSP_ERROR_NETWORK_CHANGED, "net.ospreyvpn.Osprey1.Error.NetworkChanged" },
  { OSP_ERROR_CERT_UNTRUSTED, "net.ospreyvpn.Osprey1.Error.CertUntrusted" },
  { OSP_ERROR_CERT_EXPIRED, "net.ospreyvpn.Osprey1.Error.CertExpired" },
  { OSP_ERROR_CERT_WRONG_IDENTITY, "net.ospreyvpn.Osprey1.Error.CertWrongIdentity" },
  { OSP_ERROR_CERT_BAD_SIGNATURE, "net.ospreyvpn.Osprey1.Error.CertBadSignature" },
  { OSP_ERROR_BAD_IP_CONFIG, "net.ospreyvpn.Osprey1.Error.BadIpConfig" },
};
G_STATIC_ASSERT(G_N_ELEMENTS(engine_error_entries) == OSP_ERROR_N_CODES);
G_STATIC_ASSERT(G_N_ELEMENTS(daemon_error_entries) == OSP_DAEMON_ERROR_N_CODES);

void osp_dbus_errors_register(void)
{
  static gsize engine_quark, daemon_quark;

  g_dbus_error_register_error_domain("osp-error-quark", &engine_quark, engine_error_entries,
                                     G_N_ELEMENTS(engine_error_entries));
  g_dbus_error_register_error_domain("osp-daemon-error-quark", &daemon_quark, daemon_error_entries,
                                     G_N_ELEMENTS(daemon_error_entries));
}

const char *osp_daemon_reason_code(const GError *error)
{
  if (error && error->domain == OSP_ERROR && error->code >= 0 && error->code < OSP_ERROR_N_CODES)
    return osp_error_reason_code(error->code);
  if (error && error->domain == OSP_DAEMON_ERROR && error->code >= 0 &&
      error->code < OSP_DAEMON_ERROR_N_CODES)
    return daemon_reason_codes[error->code];
  return "local-error";
}

/* Errors of other domains (GIO, GKeyFile) become Failed, keeping the text. */
void osp_manager_return_error(GDBusMethodInvocation *inv, const GError *error)
{
  if (error->domain == OSP_ERROR || error->domain == OSP_DAEMON_ERROR)
    g_dbus_method_invocation_return_gerror(inv, error);
  else
    g_dbus_method_invocation_return_error_literal(inv, OSP_ERROR, OSP_ERROR_FAILED, error->message);
}

/* A file that does not parse: the warnings of the lines read before
 * ("line 1: unknown keyword ...") often say why, so they go with the error
 * (at most 5 of them). */
void osp_manager_return_parse_error(GDBusMethodInvocation *inv, GError *error, GPtrArray *warnings)
{
  g_autoptr(GString) s = NULL;

  if (!warnings || !warnings->len || !error || error->domain != OSP_ERROR) {
    osp_manager_return_error(inv, error);
    return;
  }
  s = g_string_new(error->message);
  g_string_append(s, " (");
  for (guint i = 0; i < MIN(warnings->len, 5); i++)
    g_string_append_printf(s, "%s%s", i ? "; " : "", (const char *)warnings->pdata[i]);
  if (warnings->len > 5)
    g_string_append_printf(s, "; %u more", warnings->len - 5);
  g_string_append_c(s, ')');
  g_free(error->message);
  error->message = g_string_free(g_steal_pointer(&s), FALSE);
  osp_manager_return_error(inv, error);
}
