/* SPDX-License-Identifier: GPL-2.0-or-later
 * osprey-tray — the sentences shown for ospreyd's states, reason codes and
 * D-Bus errors (client/osp-types.c has those of the states,
 * client/osp-reason.c those of the reasons), and the
 * clean-up of text that comes from the gateway. */
#include "osp-tray.h"
#include "osp-types.h"

#include <string.h>

/* A translated state name; unknown states read as "connecting", as the
 * API asks. */
const char *osp_tray_state_text(const char *state)
{
  const OspStateInfo *info = osp_state_find(state);

  return _((info ? info : osp_state_info(OSP_STATE_CONNECTING))->text);
}

/* A translated sentence for a StateReason, NULL for "" and unknown codes. */
const char *osp_tray_reason_sentence(const char *reason)
{
  const OspReason *r = osp_reason_find(reason);

  return r ? _(r->sentence) : NULL;
}

/* A sentence for a failed call: ospreyd's errors by their name (with the
 * daemon's message as detail), the bus's own errors as "not running". */
char *osp_tray_error_sentence(const GError *error)
{
  g_autofree char *remote = g_dbus_error_get_remote_error(error);
  g_autoptr(GError) copy = g_error_copy(error);
  g_autofree char *detail = NULL;
  const OspReason *r;

  g_dbus_error_strip_remote_error(copy);
  detail = osp_tray_plain_text(copy->message, TRUE);
  r = osp_reason_find_dbus(remote);
  if (r)
    return g_strdup_printf("%s (%s)", _(r->sentence), detail);
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
