/* SPDX-License-Identifier: GPL-2.0-or-later
 * osprey-tray — the sentences shown for ospreyd's states, reason codes and
 * D-Bus errors (data/net.ospreyvpn.Osprey1.xml lists them), and the
 * clean-up of text that comes from the gateway. */
#include "osp-tray.h"

#include <string.h>

static const struct {
  const char *state;
  const char *text;
} states[] = {
  { "disconnected", N_("Disconnected") },    { "connecting", N_("Connecting…") },
  { "authenticating", N_("Logging in…") },   { "configuring", N_("Configuring…") },
  { "connected", N_("Connected") },          { "reconnecting", N_("Reconnecting…") },
  { "disconnecting", N_("Disconnecting…") }, { "failed", N_("Failed") },
};

/* A translated state name; unknown states read as "connecting", as the
 * API asks. */
const char *osp_tray_state_text(const char *state)
{
  for (size_t i = 0; state && i < G_N_ELEMENTS(states); i++)
    if (strcmp(states[i].state, state) == 0)
      return _(states[i].text);
  return _("Connecting…");
}

/* Reason codes and D-Bus error names, one to one (the error list of the
 * API), each with a sentence for people. */
static const struct {
  const char *reason;
  const char *error;
  const char *sentence;
} reasons[] = {
  { "local-error", "Failed", N_("Something went wrong on this computer.") },
  { "bad-config", "Config", N_("The profile is incomplete or invalid.") },
  { "bad-group-secret", "BadGroupSecret", N_("The gateway did not accept the group password.") },
  { "bad-credentials", "BadCredentials",
    N_("The gateway did not accept the user name or password.") },
  { "no-proposal", "NoProposal", N_("The gateway supports none of the offered algorithms.") },
  { "weak-proposal", "WeakProposal",
    N_("The gateway insisted on an algorithm this profile does not allow.") },
  { "gateway-unreachable", "GatewayUnreachable", N_("The gateway could not be reached.") },
  { "gateway-rejected", "GatewayRejected", N_("The gateway refused the connection.") },
  { "protocol-error", "Protocol", N_("The gateway sent a message that could not be used.") },
  { "peer-dead", "PeerDead", N_("The gateway stopped answering.") },
  { "gateway-disconnected", "Disconnected", N_("The gateway closed the connection.") },
  { "secrets-required", "SecretsRequired", N_("A password was needed but none was given.") },
  { "cancelled", "Cancelled", N_("The connection attempt was cancelled.") },
  { "script-failed", "Script", N_("The network configuration script failed.") },
  { "network-changed", "NetworkChanged", N_("The network of this computer changed.") },
  { "cert-untrusted", "CertUntrusted",
    N_("The gateway's certificate is not from the certificate authority of the profile.") },
  { "cert-expired", "CertExpired",
    N_("The gateway's certificate has expired or is not valid yet.") },
  { "cert-wrong-identity", "CertWrongIdentity",
    N_("The gateway's certificate was issued to another gateway.") },
  { "cert-bad-signature", "CertBadSignature",
    N_("The gateway's certificate or signature is forged.") },
  { "bad-ip-config", "BadIpConfig", N_("The gateway's network settings cannot be used.") },
  { "invalid-arguments", "InvalidArguments", N_("The request was not valid.") },
  { "not-authorized", "NotAuthorized", N_("You are not allowed to do this.") },
  { "not-found", "NotFound", N_("The profile no longer exists.") },
  { "already-exists", "AlreadyExists", N_("A profile of that name already exists.") },
  { "already-active", "AlreadyActive", N_("This profile is already connected or connecting.") },
  { "route-conflict", "RouteConflict",
    N_("Its routes would conflict with those of a connection already up.") },
  { "limit-exceeded", "LimitExceeded", N_("Too many connections are active.") },
};

/* A translated sentence for a StateReason, NULL for "" and unknown codes. */
const char *osp_tray_reason_sentence(const char *reason)
{
  for (size_t i = 0; reason && i < G_N_ELEMENTS(reasons); i++)
    if (strcmp(reasons[i].reason, reason) == 0)
      return _(reasons[i].sentence);
  return NULL;
}

/* A sentence for a failed call: ospreyd's errors by their name (with the
 * daemon's message as detail), the bus's own errors as "not running". */
char *osp_tray_error_sentence(const GError *error)
{
  g_autofree char *remote = g_dbus_error_get_remote_error(error);
  g_autoptr(GError) copy = g_error_copy(error);
  g_autofree char *detail = NULL;

  g_dbus_error_strip_remote_error(copy);
  detail = osp_tray_plain_text(copy->message, TRUE);
  if (remote && g_str_has_prefix(remote, OSP_TRAY_ERROR_PREFIX)) {
    const char *name = remote + strlen(OSP_TRAY_ERROR_PREFIX);

    for (size_t i = 0; i < G_N_ELEMENTS(reasons); i++)
      if (strcmp(reasons[i].error, name) == 0)
        return g_strdup_printf("%s (%s)", _(reasons[i].sentence), detail);
  }
  if (remote && (g_str_has_prefix(remote, "org.freedesktop.DBus.Error.ServiceUnknown") ||
                 g_str_has_prefix(remote, "org.freedesktop.DBus.Error.NameHasNoOwner")))
    return g_strdup(_("The Osprey VPN service is not running."));
  return g_strdup(detail);
}

/* How long a connection has been up, e.g. "3 min" or "2 h 05 min". */
char *osp_tray_age_text(gint64 since_usec, gint64 now_usec)
{
  gint64 minutes = since_usec > 0 && now_usec > since_usec ? (now_usec - since_usec) / 60000000 : 0;

  if (minutes < 1)
    return g_strdup(_("less than a minute"));
  if (minutes < 60)
    return g_strdup_printf(g_dngettext(GETTEXT_PACKAGE, "%d min", "%d min", (gulong)minutes),
                           (int)minutes);
  return g_strdup_printf(_("%d h %02d min"), (int)(minutes / 60), (int)(minutes % 60));
}

/* Untrusted text (from the gateway or the daemon) made safe to show: valid
 * UTF-8, no control characters but newlines (none at all when
 * @one_line), at most 4096 characters. */
char *osp_tray_plain_text(const char *untrusted, gboolean one_line)
{
  g_autofree char *valid = g_utf8_make_valid(untrusted ? untrusted : "", -1);
  GString *s = g_string_new(NULL);
  glong n = 0;

  for (const char *p = valid; *p && n < 4096; p = g_utf8_next_char(p), n++) {
    gunichar c = g_utf8_get_char(p);

    if (c == '\n' && !one_line)
      g_string_append_c(s, '\n');
    else if (g_unichar_iscntrl(c))
      g_string_append_c(s, ' ');
    else
      g_string_append_unichar(s, c);
  }
  return g_string_free(s, FALSE);
}
