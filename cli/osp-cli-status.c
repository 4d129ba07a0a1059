/* SPDX-License-Identifier: GPL-2.0-or-later
 * osprey list / status / monitor: read-only views built from one
 * GetManagedObjects() call, and for monitor the signals that follow. */
#include "osp-settings.h"
#include "osprey.h"

#include <glib-unix.h>
#include <string.h>

/* The IP configuration of a connection that is still up: one that ended
 * keeps the property, but its device and address are gone. */
static GVariant *connection_ip_config(OspDBusConnection *c)
{
  if (osp_state_name_is_final(osp_dbus_connection_get_state(c)))
    return NULL;
  return osp_dbus_connection_get_ip_config(c);
}

static GVariant *connection_ip(OspDBusConnection *c, const char *key, const char *type)
{
  GVariant *ip = connection_ip_config(c);

  return ip ? g_variant_lookup_value(ip, key, G_VARIANT_TYPE(type)) : NULL;
}

static guint64 connection_stat(OspDBusConnection *c, const char *key)
{
  GVariant *stats = osp_dbus_connection_get_stats(c);
  guint64 v = 0;

  if (stats)
    g_variant_lookup(stats, key, "t", &v);
  return v;
}

static void json_ip_string(GString *s, OspDBusConnection *c, const char *key)
{
  g_autoptr(GVariant) v = connection_ip(c, key, "s");

  osp_json_member_string(s, key, v ? g_variant_get_string(v, NULL) : NULL);
}

static void json_log(GString *s, GVariant *log)
{
  GVariantIter it;
  gint64 t;
  const char *state, *message;

  osp_json_key(s, "log");
  osp_json_open(s, '[');
  g_variant_iter_init(&it, log);
  while (g_variant_iter_next(&it, "(x&s&s)", &t, &state, &message)) {
    osp_json_open(s, '{');
    osp_json_member_int(s, "time", t);
    osp_json_member_string(s, "state", state);
    osp_json_member_string(s, "message", message);
    osp_json_close(s, '}');
  }
  osp_json_close(s, ']');
}

void osp_cli_connection_to_json(GString *s, OspDBusConnection *c, GVariant *log)
{
  g_autoptr(GVariant) prefix = connection_ip(c, "prefix", "u");
  GVariant *v;

  osp_json_open(s, '{');
  osp_json_member_string(s, "name", osp_dbus_connection_get_name(c));
  osp_json_member_string(s, "connection", g_dbus_proxy_get_object_path(G_DBUS_PROXY(c)));
  osp_json_member_string(s, "state", osp_dbus_connection_get_state(c));
  osp_json_member_string(s, "reason", osp_dbus_connection_get_state_reason(c));
  osp_json_member_string(s, "message", osp_dbus_connection_get_state_message(c));
  osp_json_member_string(s, "gateway", osp_dbus_connection_get_gateway(c));
  json_ip_string(s, c, "address");
  osp_json_member_int(s, "prefix", prefix ? g_variant_get_uint32(prefix) : 0);
  json_ip_string(s, c, "device");
  osp_json_member_int(s, "since", osp_dbus_connection_get_since(c));
  osp_json_member_int(s, "tx-bytes", (gint64)connection_stat(c, "tx-bytes"));
  osp_json_member_int(s, "rx-bytes", (gint64)connection_stat(c, "rx-bytes"));
  osp_json_member_string(s, "banner", osp_dbus_connection_get_banner(c));
  if ((v = connection_ip_config(c))) {
    osp_json_key(s, "ip-config");
    osp_json_variant(s, v);
  }
  if ((v = osp_dbus_connection_get_stats(c))) {
    osp_json_key(s, "stats");
    osp_json_variant(s, v);
  }
  if ((v = osp_dbus_connection_get_crypto(c))) {
    osp_json_key(s, "crypto");
    osp_json_variant(s, v);
  }
  if (log)
    json_log(s, log);
  osp_json_close(s, '}');
}

/* ------------------------------------------------------------------------ */

static void print_field(const char *label, const char *value)
{
  g_autofree char *clean = osp_cli_sanitize(value, TRUE);
  g_autoptr(GString) line = g_string_new("  ");

  if (!value || !*value)
    return;
  osp_cli_append_padded(line, label, 13);
  g_print("%s%s\n", line->str, clean);
}

static void print_address(OspDBusConnection *c)
{
  g_autoptr(GVariant) address = connection_ip(c, "address", "s");
  g_autoptr(GVariant) prefix = connection_ip(c, "prefix", "u");
  g_autoptr(GVariant) device = connection_ip(c, "device", "s");
  g_autofree char *text = NULL;

  if (address)
    text = g_strdup_printf("%s/%u", g_variant_get_string(address, NULL),
                           prefix ? g_variant_get_uint32(prefix) : 32);
  print_field(_("Address:"), text);
  print_field(_("Device:"), device ? g_variant_get_string(device, NULL) : NULL);
}

static void print_log(GVariant *log)
{
  GVariantIter it;
  gint64 t;
  const char *state, *message;

  g_print("  %s\n", _("Log:"));
  g_variant_iter_init(&it, log);
  while (g_variant_iter_next(&it, "(x&s&s)", &t, &state, &message)) {
    g_autofree char *when = osp_cli_format_time(t);
    g_autofree char *clean = osp_cli_sanitize(message, TRUE);

    g_print("    %s  %-14s %s\n", when, state, clean);
  }
}

static char *ip_list(OspDBusConnection *c, const char *key)
{
  g_autoptr(GVariant) v = connection_ip(c, key, "as");
  g_autofree const char **list = v ? g_variant_get_strv(v, NULL) : NULL;

  return list && list[0] ? g_strjoinv(" ", (char **)list) : NULL;
}

static const char *crypto_string(OspDBusConnection *c, const char *key)
{
  GVariant *crypto = osp_dbus_connection_get_crypto(c);
  const char *v = NULL;

  if (crypto)
    g_variant_lookup(crypto, key, "&s", &v);
  return v;
}

/* "7 h 59 min left" from an absolute time in microseconds, NULL for none */
static char *time_left(OspDBusConnection *c, const char *key)
{
  GVariant *crypto = osp_dbus_connection_get_crypto(c);
  gint64 at = 0, left;

  if (!crypto || !g_variant_lookup(crypto, key, "x", &at) || at <= 0)
    return NULL;
  left = MAX(at - g_get_real_time(), 0) / G_USEC_PER_SEC;
  return g_strdup_printf(_("%d h %02d min left"), (int)(left / 3600), (int)(left % 3600 / 60));
}

/* status -v: IPv6 inside the tunnel, when the gateway granted it */
static void print_ip6(OspDBusConnection *c)
{
  g_autoptr(GVariant) address = connection_ip(c, "address6", "s");
  g_autoptr(GVariant) prefix = connection_ip(c, "prefix6", "u");
  g_autofree char *text = NULL, *dns = ip_list(c, "dns6"), *routes = ip_list(c, "split-include6");

  if (!address)
    return;
  text = g_strdup_printf("%s/%u", g_variant_get_string(address, NULL),
                         prefix ? g_variant_get_uint32(prefix) : 128);
  print_field(_("IPv6:"), text);
  print_field(_("IPv6 DNS:"), dns);
  /* TRANSLATORS: IPv6 networks routed into the tunnel; "all IPv6" without a list */
  print_field(_("IPv6 routes:"), routes ? routes : _("all IPv6"));
}

/* status -v: the network configuration and what was negotiated */
static void print_details(OspDBusConnection *c)
{
  GVariant *crypto = osp_dbus_connection_get_crypto(c);
  g_autofree char *dns = ip_list(c, "dns"), *split_dns = ip_list(c, "split-dns");
  g_autofree char *routes = ip_list(c, "split-include"), *mtu = NULL, *ike = NULL, *esp = NULL;
  g_autofree char *excluded = ip_list(c, "split-exclude");
  g_autofree char *spis = NULL, *ike_left = time_left(c, "ike-expires");
  g_autofree char *esp_left = time_left(c, "esp-expires"), *counters = NULL, *auth = NULL;
  g_autoptr(GVariant) domain = connection_ip(c, "domain", "s");
  g_autoptr(GVariant) mtu_v = connection_ip(c, "mtu", "u");
  const char *pfs = crypto_string(c, "esp-pfs-group");
  guint32 spi_in = 0, spi_out = 0;
  gboolean natt = FALSE, xauth = FALSE;

  print_field(_("DNS:"), dns);
  print_field(_("Domain:"), domain ? g_variant_get_string(domain, NULL) : NULL);
  print_field(_("Split DNS:"), split_dns);
  print_field(_("Routes:"), routes ? routes : (connection_ip_config(c) ? _("all traffic") : NULL));
  /* TRANSLATORS: networks kept outside the tunnel (split exclude, local LAN) */
  print_field(_("Excluded:"), excluded);
  print_ip6(c);
  if (mtu_v)
    mtu = g_strdup_printf("%u", g_variant_get_uint32(mtu_v));
  print_field(_("MTU:"), mtu);
  if (crypto_string(c, "ike-cipher")) {
    g_variant_lookup(crypto, "nat-t", "b", &natt);
    /* TRANSLATORS: cipher, integrity, DH group, time left */
    ike = g_strdup_printf(_("%s, %s, %s, %s"), crypto_string(c, "ike-cipher"),
                          crypto_string(c, "ike-integrity"), crypto_string(c, "ike-dh-group"),
                          ike_left ? ike_left : "-");
    print_field(_("IKE SA:"), ike);
    if (g_variant_lookup(crypto, "ike-xauth", "b", &xauth))
      auth = osp_setting_ike_auth_text(crypto_string(c, "ike-auth"), xauth,
                                       crypto_string(c, "ike-signature"),
                                       crypto_string(c, "ike-exchange"));
    /* TRANSLATORS: how phase 1 authenticated, e.g. "Group password + XAUTH, Aggressive mode" */
    print_field(_("IKE auth:"), auth);
    print_field(_("NAT-T:"), natt ? _("yes (UDP 4500)") : _("no"));
  }
  if (crypto_string(c, "esp-cipher")) {
    g_autofree char *pfs_text =
        pfs && *pfs ? g_strdup_printf(_("PFS %s"), pfs) : g_strdup(_("no PFS"));

    /* TRANSLATORS: cipher, integrity, PFS, time left */
    esp = g_strdup_printf(_("%s, %s, %s, %s"), crypto_string(c, "esp-cipher"),
                          crypto_string(c, "esp-integrity"), pfs_text, esp_left ? esp_left : "-");
    print_field(_("IPsec SA:"), esp);
    g_variant_lookup(crypto, "esp-spi-in", "u", &spi_in);
    g_variant_lookup(crypto, "esp-spi-out", "u", &spi_out);
    spis = g_strdup_printf(_("in 0x%08x, out 0x%08x"), spi_in, spi_out);
    print_field(_("SPIs:"), spis);
  }
  if (osp_dbus_connection_get_since(c) > 0) {
    counters = g_strdup_printf(
        _("%lu sent, %lu received, %lu rejected; %lu rekeys"),
        (gulong)connection_stat(c, "tx-packets"), (gulong)connection_stat(c, "rx-packets"),
        (gulong)connection_stat(c, "rx-errors"), (gulong)connection_stat(c, "rekeys"));
    print_field(_("Packets:"), counters);
  }
}

static void print_connection(OspDBusConnection *c, GVariant *log, gboolean verbose)
{
  const char *reason = osp_dbus_connection_get_state_reason(c);
  g_autofree char *since = NULL, *traffic = NULL, *tx = NULL, *rx = NULL, *banner = NULL;

  g_print("%s: %s\n", osp_dbus_connection_get_name(c), osp_dbus_connection_get_state(c));
  if (reason && *reason) {
    g_autofree char *r =
        g_strdup_printf("%s (%s)", reason, osp_dbus_connection_get_state_message(c));

    print_field(_("Reason:"), r);
  }
  print_field(_("Gateway:"), osp_dbus_connection_get_gateway(c));
  print_address(c);
  if (osp_dbus_connection_get_since(c) > 0)
    since = osp_cli_format_time(osp_dbus_connection_get_since(c));
  print_field(_("Since:"), since);
  tx = g_format_size(connection_stat(c, "tx-bytes"));
  rx = g_format_size(connection_stat(c, "rx-bytes"));
  traffic = g_strdup_printf(_("%s sent, %s received"), tx, rx);
  if (since)
    print_field(_("Traffic:"), traffic);
  banner = osp_cli_sanitize(osp_dbus_connection_get_banner(c), TRUE);
  print_field(_("Banner:"), banner);
  if (verbose)
    print_details(c);
  if (log)
    print_log(log);
}

static GVariant *get_log(OspCli *cli, const char *name)
{
  GVariant *log = NULL;

  if (!osp_dbus_manager_call_get_log_sync(cli->manager, name, G_DBUS_CALL_FLAGS_NONE, -1, &log,
                                          NULL, NULL))
    return NULL;
  return log;
}

static void show_connection(OspCli *cli, OspDBusConnection *c, gboolean verbose)
{
  g_autoptr(GVariant) log = verbose ? get_log(cli, osp_dbus_connection_get_name(c)) : NULL;
  g_autoptr(GString) s = NULL;

  if (cli->json) {
    s = g_string_new(NULL);
    osp_cli_connection_to_json(s, c, log);
    osp_cli_print_json(s);
  } else {
    print_connection(c, log, verbose);
  }
}

static int no_connection(OspCli *cli, const char *name)
{
  g_autoptr(OspDBusProfile) profile = NULL;
  g_autoptr(GString) s = NULL;
  int status = OSP_EXIT_OK;

  if (!name) {
    if (!cli->json && !cli->quiet)
      g_print("%s\n", _("No active connections."));
    return OSP_EXIT_OK;
  }
  if (!(profile = osp_cli_get_profile(cli, name, &status)))
    return status;
  if (cli->json) {
    s = g_string_new(NULL);
    osp_json_open(s, '{');
    osp_json_member_string(s, "name", name);
    osp_json_member_string(s, "state", "disconnected");
    osp_json_close(s, '}');
    osp_cli_print_json(s);
  } else {
    g_print("%s: %s\n", name, "disconnected");
  }
  return OSP_EXIT_OK;
}

static gboolean opt_verbose;

static const GOptionEntry status_entries[] = { { "verbose", 'v', 0, G_OPTION_ARG_NONE, &opt_verbose,
                                                 N_("Also show the events of the last connection"),
                                                 NULL },
                                               { NULL } };

static int cmd_status(OspCli *cli, int argc, char **argv)
{
  g_autoptr(GDBusObjectManager) om = NULL;
  g_autoptr(GPtrArray) conns = NULL;
  const char *name = argc ? argv[0] : NULL;
  int status = OSP_EXIT_OK;

  if (argc > 1)
    return osp_cli_usage(cli, "%s", _("Name at most one profile."));
  if ((status = osp_cli_open_bus(cli)) != OSP_EXIT_OK ||
      !(om = osp_cli_object_manager(cli, &status)))
    return status;
  conns = osp_cli_list_connections(om, name, name == NULL);
  if (!conns->len)
    return no_connection(cli, name);
  for (guint i = 0; i < conns->len; i++)
    show_connection(cli, conns->pdata[i], opt_verbose);
  return OSP_EXIT_OK;
}

const OspCliCommand osp_cli_cmd_status = {
  "status",       N_("[PROFILE] [-v]"), N_("Show the active connections, or one profile's"),
  status_entries, cmd_status,
};

/* ------------------------------------------------------------------------ */

static const char *profile_state(GDBusObjectManager *om, OspDBusProfile *p)
{
  const char *path = osp_dbus_profile_get_active_connection(p);
  g_autoptr(GDBusInterface) iface = NULL;

  if (!path || strcmp(path, "/") == 0)
    return NULL;
  iface = g_dbus_object_manager_get_interface(om, path, OSP_CLI_BUS_NAME ".Connection");
  return iface ? osp_dbus_connection_get_state(OSP_DBUS_CONNECTION(iface)) : NULL;
}

static char *profile_setting(OspDBusProfile *p, const char *key)
{
  GVariant *settings = osp_dbus_profile_get_settings(p);
  const char *v = NULL;

  if (settings)
    g_variant_lookup(settings, key, "&s", &v);
  return osp_cli_sanitize(v ? v : "", TRUE);
}

static void list_json(GDBusObjectManager *om, OspDBusProfile *p)
{
  g_autoptr(GString) s = g_string_new(NULL);
  g_autofree char *gateway = profile_setting(p, "gateway");
  g_autofree char *description = profile_setting(p, "description");
  const char *state = profile_state(om, p);

  osp_json_open(s, '{');
  osp_json_member_string(s, "name", osp_dbus_profile_get_name(p));
  osp_json_member_string(s, "gateway", gateway);
  osp_json_member_string(s, "description", description);
  osp_json_member_string(s, "state", state ? state : "disconnected");
  osp_json_close(s, '}');
  osp_cli_print_json(s);
}

/* The cells of `osprey list`: NAME, GATEWAY, DESCRIPTION (when a profile
 * has one), STATE. */
enum { COL_NAME, COL_GATEWAY, COL_DESCRIPTION, COL_STATE, N_COLUMNS };

static char *list_cell(GDBusObjectManager *om, OspDBusProfile *p, int column)
{
  const char *state;

  switch (column) {
  case COL_NAME: return osp_cli_sanitize(osp_dbus_profile_get_name(p), TRUE);
  case COL_GATEWAY: return profile_setting(p, "gateway");
  case COL_DESCRIPTION: return profile_setting(p, "description");
  default: state = profile_state(om, p); return g_strdup(state ? state : "disconnected");
  }
}

/* Columns are padded by the width text takes on the terminal, not by its
 * bytes: "Büro" or a CJK description lines up. */
static void list_table(GDBusObjectManager *om, GPtrArray *profiles)
{
  const char *headers[N_COLUMNS] = { _("NAME"), _("GATEWAY"), _("DESCRIPTION"), _("STATE") };
  g_autoptr(GPtrArray) cells = g_ptr_array_new_with_free_func(g_free);
  int widths[N_COLUMNS];
  gboolean described = FALSE;

  for (int c = 0; c < N_COLUMNS; c++) {
    g_ptr_array_add(cells, g_strdup(headers[c]));
    widths[c] = osp_cli_text_width(headers[c]);
  }
  for (guint i = 0; i < profiles->len; i++)
    for (int c = 0; c < N_COLUMNS; c++) {
      char *cell = list_cell(om, profiles->pdata[i], c);

      widths[c] = MAX(widths[c], osp_cli_text_width(cell));
      described |= c == COL_DESCRIPTION && *cell;
      g_ptr_array_add(cells, cell);
    }
  for (guint row = 0; row <= profiles->len; row++) {
    g_autoptr(GString) line = g_string_new(NULL);

    for (int c = 0; c < COL_STATE; c++)
      if (c != COL_DESCRIPTION || described)
        osp_cli_append_padded(line, cells->pdata[row * N_COLUMNS + (guint)c], widths[c] + 2);
    g_print("%s%s\n", line->str, (const char *)cells->pdata[row * N_COLUMNS + COL_STATE]);
  }
}

static int cmd_list(OspCli *cli, int argc, char **argv)
{
  g_autoptr(GDBusObjectManager) om = NULL;
  g_autoptr(GPtrArray) profiles = NULL;
  int status = OSP_EXIT_OK;

  if (argc)
    return osp_cli_usage(cli, "%s", _("list takes no arguments."));
  if ((status = osp_cli_open_bus(cli)) != OSP_EXIT_OK ||
      !(om = osp_cli_object_manager(cli, &status)))
    return status;
  profiles = osp_cli_list_profiles(om);
  if (cli->json) {
    for (guint i = 0; i < profiles->len; i++)
      list_json(om, profiles->pdata[i]);
  } else if (!profiles->len) {
    if (!cli->quiet)
      g_print("%s\n", _("No profiles; import one with: osprey import FILE"));
  } else {
    list_table(om, profiles);
  }
  return OSP_EXIT_OK;
}

const OspCliCommand osp_cli_cmd_list = {
  "list", "", N_("List the profiles and the state of their connections"), NULL, cmd_list,
};

/* ------------------------------------------------------------------------ */

/* One line per event: a timestamp, then what happened. */
static void event(OspCli *cli, const char *kind, const char *name, const char *state,
                  const char *reason, const char *text)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_local();
  g_autofree char *stamp = g_date_time_format(now, "%Y-%m-%d %H:%M:%S");
  g_autofree char *clean = osp_cli_sanitize(text, TRUE);
  g_autoptr(GString) s = g_string_new(NULL);

  if (cli->json) {
    osp_json_open(s, '{');
    osp_json_member_int(
        s, "time", g_date_time_to_unix(now) * G_USEC_PER_SEC + g_date_time_get_microsecond(now));
    osp_json_member_string(s, "event", kind);
    osp_json_member_string(s, "name", name);
    if (state)
      osp_json_member_string(s, "state", state);
    if (reason)
      osp_json_member_string(s, "reason", reason);
    if (text)
      osp_json_member_string(s, "message", text);
    osp_json_close(s, '}');
    osp_cli_print_json(s);
    return;
  }
  g_print("%s %s%s%s%s%s%s\n", stamp, name ? name : "", name ? ": " : "", clean,
          reason && *reason ? " [" : "", reason ? reason : "", reason && *reason ? "]" : "");
}

static void connection_event(OspCli *cli, OspDBusConnection *c)
{
  const char *state = osp_dbus_connection_get_state(c);
  const char *reason = osp_dbus_connection_get_state_reason(c);
  const char *message = osp_dbus_connection_get_state_message(c);
  g_autofree char *text = NULL;

  if (!cli->json)
    text = message && *message ? g_strdup_printf("%s (%s)", state, message) : g_strdup(state);
  event(cli, "state", osp_dbus_connection_get_name(c), state, reason, cli->json ? message : text);
}

static void on_object_added(GDBusObjectManager *om, GDBusObject *obj, gpointer user_data)
{
  OspCli *cli = user_data;
  g_autoptr(OspDBusProfile) p = osp_dbus_object_get_profile(OSP_DBUS_OBJECT(obj));
  g_autoptr(OspDBusConnection) c = osp_dbus_object_get_connection(OSP_DBUS_OBJECT(obj));

  if (p)
    event(cli, "profile-added", osp_dbus_profile_get_name(p), NULL, NULL, _("profile added"));
  if (c)
    connection_event(cli, c);
}

static void on_object_removed(GDBusObjectManager *om, GDBusObject *obj, gpointer user_data)
{
  OspCli *cli = user_data;
  g_autoptr(OspDBusProfile) p = osp_dbus_object_get_profile(OSP_DBUS_OBJECT(obj));

  if (p)
    event(cli, "profile-removed", osp_dbus_profile_get_name(p), NULL, NULL, _("profile removed"));
}

static void on_properties_changed(GDBusObjectManagerClient *om, GDBusObjectProxy *obj,
                                  GDBusProxy *iface, GVariant *changed, const char *const *inv,
                                  gpointer user_data)
{
  OspCli *cli = user_data;
  g_autoptr(GVariant) settings = g_variant_lookup_value(changed, "Settings", NULL);
  const char *banner = NULL;

  if (OSP_DBUS_IS_PROFILE(iface) && settings) {
    event(cli, "profile-changed", osp_dbus_profile_get_name(OSP_DBUS_PROFILE(iface)), NULL, NULL,
          _("profile changed"));
  }
  if (!OSP_DBUS_IS_CONNECTION(iface))
    return;
  if (g_variant_lookup(changed, "State", "&s", NULL))
    connection_event(cli, OSP_DBUS_CONNECTION(iface));
  if (g_variant_lookup(changed, "Banner", "&s", &banner) && *banner) {
    g_autofree char *text = g_strdup_printf(_("banner: %s"), banner);

    event(cli, "banner", osp_dbus_connection_get_name(OSP_DBUS_CONNECTION(iface)), NULL, NULL,
          cli->json ? banner : text);
  }
}

static void on_owner_changed(GObject *om, GParamSpec *pspec, gpointer user_data)
{
  OspCli *cli = user_data;
  g_autofree char *owner =
      g_dbus_object_manager_client_get_name_owner(G_DBUS_OBJECT_MANAGER_CLIENT(om));

  if (owner)
    event(cli, "daemon-started", NULL, NULL, NULL, _("ospreyd started"));
  else
    event(cli, "daemon-stopped", NULL, NULL, NULL, _("ospreyd stopped"));
}

static gboolean on_monitor_interrupt(gpointer user_data)
{
  osp_cli_finish(user_data, OSP_EXIT_OK);
  return G_SOURCE_CONTINUE;
}

static int cmd_monitor(OspCli *cli, int argc, char **argv)
{
  g_autoptr(GDBusObjectManager) om = NULL;
  int status = OSP_EXIT_OK;
  guint sigint, sigterm;

  if (argc)
    return osp_cli_usage(cli, "%s", _("monitor takes no arguments."));
  if ((status = osp_cli_open_bus(cli)) != OSP_EXIT_OK ||
      !(om = osp_cli_object_manager(cli, &status)))
    return status;
  g_signal_connect(om, "object-added", G_CALLBACK(on_object_added), cli);
  g_signal_connect(om, "object-removed", G_CALLBACK(on_object_removed), cli);
  g_signal_connect(om, "interface-proxy-properties-changed", G_CALLBACK(on_properties_changed),
                   cli);
  g_signal_connect(om, "notify::name-owner", G_CALLBACK(on_owner_changed), cli);
  sigint = g_unix_signal_add(SIGINT, on_monitor_interrupt, cli);
  sigterm = g_unix_signal_add(SIGTERM, on_monitor_interrupt, cli);
  if (!cli->quiet && !cli->json)
    g_printerr("%s\n", _("Monitoring ospreyd; press Ctrl-C to stop."));
  status = osp_cli_run_loop(cli);
  g_source_remove(sigint);
  g_source_remove(sigterm);
  g_signal_handlers_disconnect_by_data(om, cli);
  return status;
}

const OspCliCommand osp_cli_cmd_monitor = {
  "monitor", "",          N_("Print every change of state, banner and profile until interrupted"),
  NULL,      cmd_monitor,
};
