/* SPDX-License-Identifier: GPL-2.0-or-later
 * ospreyd — its error domain and the engine's, registered with their D-Bus
 * names, and their stable reason codes (both from client/osp-reason.c). */
#include "osp-manager-private.h"
#include "osp-reason.h"

/* ---- errors ------------------------------------------------------------- */

/* The quark name is stringified: keep clang-format from spacing it. */
/* clang-format off */
G_DEFINE_QUARK(osp-daemon-error-quark, osp_daemon_error)
/* clang-format on */

/* Both domains as net.ospreyvpn.Osprey1.Error.<Name>, from the table of
 * reasons (client/osp-reason.c). */
static void register_domain(const char *quark_name, gsize *quark, OspReasonDomain domain)
{
  g_autoptr(GArray) entries = g_array_new(FALSE, FALSE, sizeof(GDBusErrorEntry));
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
  const OspReason *r;

  for (size_t i = 0; (r = osp_reason_nth(i)); i++) {
    GDBusErrorEntry e = { r->value, NULL };

    if (r->domain != domain)
      continue;
    e.dbus_error_name = g_strconcat(OSP_REASON_DBUS_PREFIX, r->dbus_name, NULL);
    g_ptr_array_add(names, (char *)e.dbus_error_name);
    g_array_append_val(entries, e);
  }
  /* GDBus copies the names */
  g_dbus_error_register_error_domain(quark_name, quark, (GDBusErrorEntry *)entries->data,
                                     entries->len);
}

void osp_dbus_errors_register(void)
{
  static gsize engine_quark, daemon_quark;

  register_domain("osp-error-quark", &engine_quark, OSP_REASON_ENGINE);
  register_domain("osp-daemon-error-quark", &daemon_quark, OSP_REASON_DAEMON);
}

const char *osp_daemon_reason_code(const GError *error)
{
  const OspReason *r = NULL;

  if (error && error->domain == OSP_ERROR)
    r = osp_reason_get(OSP_REASON_ENGINE, error->code);
  else if (error && error->domain == OSP_DAEMON_ERROR)
    r = osp_reason_get(OSP_REASON_DAEMON, error->code);
  return r ? r->code : "local-error";
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
