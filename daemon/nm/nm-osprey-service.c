/* SPDX-License-Identifier: GPL-2.0-or-later
 * nm-osprey-service — NetworkManager's VPN service plugin for Osprey.
 *
 * NetworkManager starts this program (the .name file's "program") for each
 * Osprey connection and drives it over D-Bus through libnm's
 * NMVpnServicePlugin.  The engine runs in this process without the
 * vpnc-script: it opens the TUN device and hands the IP configuration from
 * Mode Config to NetworkManager (Config, then Ip4Config and, with IPv6
 * inside the tunnel, Ip6Config), which configures
 * the device, routes and DNS.
 *
 *   NM: Connect(connection) ──► profile from vpn.data/vpn.secrets (checked)
 *                              OspConnection (no_script) ── phase 1, XAUTH
 *   NM ◄── SecretsRequired ─── XAUTH asks what we have not got (interactive)
 *   NM: NewSecrets ──────────► osp_connection_provide_secrets
 *   NM ◄── Config, Ip4Config ─ tunnel up (tundev, gateway, MTU, banner,
 *                              address, DNS, domains, split routes)
 *   NM ◄── Failure + stopped ─ login failed / connect failed / bad IP config,
 *                              also when an established tunnel is lost, so
 *                              that NetworkManager's own retry brings it back
 * Rekeys and re-authentication happen inside the engine and never reach
 * NetworkManager. */
#include <NetworkManager.h>
#include <arpa/inet.h>
#include <glib-unix.h>
#include <glib/gi18n.h>
#include <stdlib.h>
#include <string.h>

#include "nm-osprey-keys.h"
#include "osp-common.h"
#include "osp-config.h"
#include "osp-error.h"
#include "osp-reason.h"

#define NM_TYPE_OSPREY_PLUGIN (nm_osprey_plugin_get_type())
G_DECLARE_FINAL_TYPE(NMOspreyPlugin, nm_osprey_plugin, NM, OSPREY_PLUGIN, NMVpnServicePlugin)

struct _NMOspreyPlugin {
  NMVpnServicePlugin parent;
  OspConnection *conn;
  NMConnection *secrets; /* the latest connection NM gave us, for its secrets */
  guint given;           /* bit per OspSecretKind already answered from `secrets` */
  bool interactive;      /* NM lets us ask for secrets (SecretsRequired) */
  bool reported;         /* Config/Ip4Config sent: the tunnel is up for NM */
  guint pending_request; /* engine request waiting for NewSecrets, 0 = none */
  OspSecretKind pending_kinds[OSP_SECRET_N_KINDS];
  size_t n_pending;
  guint fail_idle;
  NMVpnPluginFailure failure;
  bool failing; /* inside report_failure() */
};

G_DEFINE_TYPE(NMOspreyPlugin, nm_osprey_plugin, NM_TYPE_VPN_SERVICE_PLUGIN)

static GMainLoop *main_loop;
static const char *state_dir; /* --state-dir, else $OSPREY_STATE_DIR or /var/lib/osprey */

/* ---- failures ------------------------------------------------------------ */

static NMVpnPluginFailure failure_for(const GError *error)
{
  const OspReason *r =
      error && error->domain == OSP_ERROR ? osp_reason_get(OSP_REASON_ENGINE, error->code) : NULL;

  switch (r ? r->nm_failure : OSP_NM_CONNECT_FAILED) {
  case OSP_NM_LOGIN_FAILED: return NM_VPN_PLUGIN_FAILURE_LOGIN_FAILED;
  case OSP_NM_BAD_IP_CONFIG: return NM_VPN_PLUGIN_FAILURE_BAD_IP_CONFIG;
  case OSP_NM_CONNECT_FAILED: break;
  }
  return NM_VPN_PLUGIN_FAILURE_CONNECT_FAILED;
}

static const char *failure_name(NMVpnPluginFailure f)
{
  switch (f) {
  case NM_VPN_PLUGIN_FAILURE_LOGIN_FAILED: return "login-failed";
  case NM_VPN_PLUGIN_FAILURE_CONNECT_FAILED: return "connect-failed";
  case NM_VPN_PLUGIN_FAILURE_BAD_IP_CONFIG: return "bad-ip-config";
  }
  return "?";
}

/* Reported from an idle: the engine's callback must return before the
 * plugin's disconnect tears the connection down.  libnm's failure() stops
 * the plugin, and stopping a plugin that has not sent its configuration yet
 * adds a second Failure, "connect failed", which NetworkManager takes
 * instead of ours (the last one wins): real_disconnect() sends ours again
 * after it, before the plugin reports itself stopped. */
static gboolean report_failure(gpointer data)
{
  NMOspreyPlugin *self = data;

  self->fail_idle = 0;
  self->failing = true;
  nm_vpn_service_plugin_failure(NM_VPN_SERVICE_PLUGIN(self), self->failure);
  self->failing = false;
  return G_SOURCE_REMOVE;
}

static void resend_failure(NMOspreyPlugin *self)
{
  GDBusConnection *bus = nm_vpn_service_plugin_get_connection(NM_VPN_SERVICE_PLUGIN(self));
  g_autoptr(GError) error = NULL;

  if (bus && !g_dbus_connection_emit_signal(bus, NULL, NM_VPN_DBUS_PLUGIN_PATH,
                                            NM_VPN_DBUS_PLUGIN_INTERFACE, "Failure",
                                            g_variant_new("(u)", (guint32)self->failure), &error))
    g_debug("Failure signal: %s", error->message);
}

static void fail(NMOspreyPlugin *self, NMVpnPluginFailure failure, const char *sentence)
{
  g_warning("%s (%s)", sentence, failure_name(failure));
  if (self->fail_idle)
    return;
  self->failure = failure;
  self->fail_idle = g_idle_add(report_failure, self);
}

/* ---- IP configuration to NetworkManager ---------------------------------- */

static GVariant *addresses(const GArray *a)
{
  GVariantBuilder b;

  g_variant_builder_init(&b, G_VARIANT_TYPE("au"));
  for (guint i = 0; a && i < a->len; i++)
    g_variant_builder_add(&b, "u", g_array_index(a, struct in_addr, i).s_addr);
  return g_variant_builder_end(&b);
}

/* Split-DNS names, with the default domain first: NetworkManager sends
 * queries for these names to the tunnel's DNS servers. */
static GVariant *domains(const OspIpConfig *cfg)
{
  g_auto(GStrv) names = g_strsplit_set(cfg->split_dns ? cfg->split_dns : "", ", ", -1);
  GVariantBuilder b;

  g_variant_builder_init(&b, G_VARIANT_TYPE("as"));
  if (cfg->default_domain && *cfg->default_domain)
    g_variant_builder_add(&b, "s", cfg->default_domain);
  for (size_t i = 0; names[i]; i++)
    if (*names[i] && g_strcmp0(names[i], cfg->default_domain) != 0)
      g_variant_builder_add(&b, "s", names[i]);
  return g_variant_builder_end(&b);
}

/* Routes a full tunnel with excluded networks may take in their place */
#define MAX_TUNNEL_ROUTES 1024

/* Routes of the split-include list: [network, prefix, next hop, metric]. */
static GVariant *routes(const GArray *split)
{
  GVariantBuilder b;

  g_variant_builder_init(&b, G_VARIANT_TYPE("aau"));
  for (guint i = 0; i < split->len; i++) {
    const OspSplitNet *n = &g_array_index(split, OspSplitNet, i);
    int len = osp_netmask_len(n->mask);
    guint32 route[4] = { n->addr.s_addr & n->mask.s_addr, (guint32)len, 0, 0 };

    if (len < 0) {
      g_warning("split network with a non-contiguous mask ignored");
      continue;
    }
    g_variant_builder_add_value(
        &b, g_variant_new_fixed_array(G_VARIANT_TYPE_UINT32, route, 4, sizeof(guint32)));
  }
  return g_variant_builder_end(&b);
}

static GVariant *ip6_bytes(const struct in6_addr *a)
{
  return g_variant_new_fixed_array(G_VARIANT_TYPE_BYTE, a->s6_addr, 16, 1);
}

/* Ip6Config when an IPv6 SA pair carries IPv6 (INTERNAL_IP6_*): the
 * address and prefix, DNS, and the gateway's IPv6 networks as routes
 * (a(ayuayu): network, prefix, next hop ::, metric 0) with never-default,
 * or the default route without them; with excluded networks, the routes
 * of what is left of either. */
static GVariant *ip6_config(const OspIpConfig *cfg)
{
  static const struct in6_addr any = IN6ADDR_ANY_INIT;
  GVariantBuilder ip6, dns, rt;
  bool split = cfg->split_inc6->len > 0, exclude = cfg->split_exc6->len > 0;
  g_autoptr(GArray) tunnel = NULL;
  guint skipped = 0;

  g_variant_builder_init(&ip6, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add(&ip6, "{sv}", NM_VPN_PLUGIN_IP6_CONFIG_ADDRESS, ip6_bytes(&cfg->address6));
  g_variant_builder_add(&ip6, "{sv}", NM_VPN_PLUGIN_IP6_CONFIG_PREFIX,
                        g_variant_new_uint32(cfg->prefix6));
  if (cfg->dns6->len) {
    g_variant_builder_init(&dns, G_VARIANT_TYPE("aay"));
    for (guint i = 0; i < cfg->dns6->len; i++)
      g_variant_builder_add_value(&dns, ip6_bytes(&g_array_index(cfg->dns6, struct in6_addr, i)));
    g_variant_builder_add(&ip6, "{sv}", NM_VPN_PLUGIN_IP6_CONFIG_DNS, g_variant_builder_end(&dns));
  }
  /* excluded networks as for IPv4: the routes of what is left */
  if (exclude) {
    tunnel = osp_networks6_subtract(cfg->split_inc6, cfg->split_exc6, MAX_TUNNEL_ROUTES, &skipped);
    if (skipped)
      g_message("%u IPv6 split-exclude network(s) not applied: more than %u routes", skipped,
                MAX_TUNNEL_ROUTES);
  }
  if (split || exclude) {
    const GArray *nets = tunnel ? tunnel : cfg->split_inc6;

    g_variant_builder_init(&rt, G_VARIANT_TYPE("a(ayuayu)"));
    for (guint i = 0; i < nets->len; i++) {
      const OspNet6 *n = &g_array_index(nets, OspNet6, i);

      g_variant_builder_add_value(
          &rt, g_variant_new("(@ayu@ayu)", ip6_bytes(&n->addr), n->prefix, ip6_bytes(&any), 0u));
    }
    g_variant_builder_add(&ip6, "{sv}", NM_VPN_PLUGIN_IP6_CONFIG_ROUTES,
                          g_variant_builder_end(&rt));
  }
  g_variant_builder_add(&ip6, "{sv}", NM_VPN_PLUGIN_IP6_CONFIG_NEVER_DEFAULT,
                        g_variant_new_boolean(split || exclude));
  return g_variant_builder_end(&ip6);
}

/* Why NetworkManager must not apply what Mode Config gave (a sentence),
 * or NULL: NetworkManager would configure a loopback, multicast or the
 * gateway's own address on the device, and a default route in a split
 * list would take all traffic that the split tunnel promised to leave. */
static char *ip_config_problem(const OspIpConfig *cfg, int prefix)
{
  uint32_t a = ntohl(cfg->address.s_addr);
  char ip[INET_ADDRSTRLEN];

  inet_ntop(AF_INET, &cfg->address, ip, sizeof(ip));
  if (!cfg->tundev)
    return g_strdup(_("The tunnel has no device"));
  if (a >> 24 == 0 || a >> 24 == 127 || a >= 0xe0000000u)
    return g_strdup_printf(_("The gateway assigned %s to the tunnel, which is not a usable host "
                             "address"),
                           ip);
  if (!osp_addr_is_ipv6(&cfg->gateway) && cfg->address.s_addr == cfg->gateway.in.sin_addr.s_addr)
    return g_strdup_printf(_("The gateway assigned its own address %s to the tunnel"), ip);
  if (prefix <= 0) {
    inet_ntop(AF_INET, &cfg->netmask, ip, sizeof(ip));
    return g_strdup_printf(_("The gateway's netmask %s is not usable"), ip);
  }
  for (guint i = 0; cfg->split_inc && i < cfg->split_inc->len; i++)
    if (g_array_index(cfg->split_inc, OspSplitNet, i).mask.s_addr == 0)
      return g_strdup(_("The gateway's split-tunnel list holds the default route 0.0.0.0/0, "
                        "which a split tunnel cannot take"));
  return NULL;
}

static void send_ip_config(NMOspreyPlugin *self, const OspIpConfig *cfg)
{
  NMVpnServicePlugin *plugin = NM_VPN_SERVICE_PLUGIN(self);
  GVariantBuilder config, ip4;
  int prefix = cfg->netmask.s_addr ? osp_netmask_len(cfg->netmask) : 32;
  bool split = cfg->split_inc && cfg->split_inc->len > 0;
  bool exclude = cfg->split_exc && cfg->split_exc->len > 0;
  g_autofree char *problem = ip_config_problem(cfg, prefix);
  g_autoptr(GArray) tunnel = NULL;
  guint skipped = 0;

  if (problem) {
    fail(self, NM_VPN_PLUGIN_FAILURE_BAD_IP_CONFIG, problem);
    return;
  }
  g_variant_builder_init(&config, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add(&config, "{sv}", NM_VPN_PLUGIN_CONFIG_TUNDEV,
                        g_variant_new_string(cfg->tundev));
  /* NetworkManager takes an IPv4 gateway as u, an IPv6 one as ay */
  if (osp_addr_is_ipv6(&cfg->gateway))
    g_variant_builder_add(&config, "{sv}", NM_VPN_PLUGIN_CONFIG_EXT_GATEWAY,
                          ip6_bytes(&cfg->gateway.in6.sin6_addr));
  else
    g_variant_builder_add(&config, "{sv}", NM_VPN_PLUGIN_CONFIG_EXT_GATEWAY,
                          g_variant_new_uint32(cfg->gateway.in.sin_addr.s_addr));
  if (cfg->mtu)
    g_variant_builder_add(&config, "{sv}", NM_VPN_PLUGIN_CONFIG_MTU,
                          g_variant_new_uint32(cfg->mtu));
  if (cfg->banner && g_utf8_validate(cfg->banner, -1, NULL))
    g_variant_builder_add(&config, "{sv}", NM_VPN_PLUGIN_CONFIG_BANNER,
                          g_variant_new_string(cfg->banner));
  g_variant_builder_add(&config, "{sv}", NM_VPN_PLUGIN_CONFIG_HAS_IP4, g_variant_new_boolean(TRUE));
  g_variant_builder_add(&config, "{sv}", NM_VPN_PLUGIN_CONFIG_HAS_IP6,
                        g_variant_new_boolean(osp_ip_config_has_ip6(cfg)));

  g_variant_builder_init(&ip4, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add(&ip4, "{sv}", NM_VPN_PLUGIN_IP4_CONFIG_ADDRESS,
                        g_variant_new_uint32(cfg->address.s_addr));
  g_variant_builder_add(&ip4, "{sv}", NM_VPN_PLUGIN_IP4_CONFIG_PREFIX,
                        g_variant_new_uint32((guint32)prefix));
  if (cfg->dns && cfg->dns->len)
    g_variant_builder_add(&ip4, "{sv}", NM_VPN_PLUGIN_IP4_CONFIG_DNS, addresses(cfg->dns));
  if (cfg->nbns && cfg->nbns->len)
    g_variant_builder_add(&ip4, "{sv}", NM_VPN_PLUGIN_IP4_CONFIG_NBNS, addresses(cfg->nbns));
  if (cfg->default_domain && *cfg->default_domain)
    g_variant_builder_add(&ip4, "{sv}", NM_VPN_PLUGIN_IP4_CONFIG_DOMAIN,
                          g_variant_new_string(cfg->default_domain));
  g_variant_builder_add(&ip4, "{sv}", NM_VPN_PLUGIN_IP4_CONFIG_DOMAINS, domains(cfg));
  /* NetworkManager has no route "outside the tunnel": excluded networks
   * (the gateway's split-exclude, Local LAN access) become the routes of
   * what is left in the tunnel, and the default route stays outside */
  if (exclude) {
    tunnel = osp_networks_subtract(cfg->split_inc, cfg->split_exc, MAX_TUNNEL_ROUTES, &skipped);
    if (skipped)
      g_message("%u split-exclude network(s) not applied: more than %u routes", skipped,
                MAX_TUNNEL_ROUTES);
  }
  if (split || exclude)
    g_variant_builder_add(&ip4, "{sv}", NM_VPN_PLUGIN_IP4_CONFIG_ROUTES,
                          routes(tunnel ? tunnel : cfg->split_inc));
  /* a split tunnel never takes the default route; a full tunnel does */
  g_variant_builder_add(&ip4, "{sv}", NM_VPN_PLUGIN_IP4_CONFIG_NEVER_DEFAULT,
                        g_variant_new_boolean(split || exclude));

  g_message("tunnel %s up: %s/%d, %s", cfg->tundev, inet_ntoa(cfg->address), prefix,
            split ? "split tunnel" : "full tunnel");
  self->reported = true;
  nm_vpn_service_plugin_set_config(plugin, g_variant_builder_end(&config));
  nm_vpn_service_plugin_set_ip4_config(plugin, g_variant_builder_end(&ip4));
  if (osp_ip_config_has_ip6(cfg)) {
    char ip6[INET6_ADDRSTRLEN];

    g_message("tunnel %s: IPv6 %s/%u", cfg->tundev,
              inet_ntop(AF_INET6, &cfg->address6, ip6, sizeof(ip6)), cfg->prefix6);
    nm_vpn_service_plugin_set_ip6_config(plugin, ip6_config(cfg));
  }
}

/* ---- engine callbacks ---------------------------------------------------- */

static void on_state(OspConnection *c, OspState old_state, OspState new_state, const GError *reason,
                     gpointer user_data)
{
  NMOspreyPlugin *self = user_data;

  g_debug("engine %s -> %s", osp_state_name(old_state), osp_state_name(new_state));
  switch (new_state) {
  case OSP_STATE_FAILED:
    /* after connect too: NetworkManager sees the VPN fail and retries
     * (vpn.persistent, autoconnect) */
    fail(self, self->reported ? NM_VPN_PLUGIN_FAILURE_CONNECT_FAILED : failure_for(reason),
         reason ? reason->message : _("The VPN connection failed"));
    break;
  case OSP_STATE_DISCONNECTED:
    if (reason)
      fail(self, NM_VPN_PLUGIN_FAILURE_CONNECT_FAILED, reason->message);
    break;
  case OSP_STATE_CONNECTING:
  case OSP_STATE_AUTHENTICATING:
  case OSP_STATE_CONFIGURING:
  case OSP_STATE_CONNECTED:
  case OSP_STATE_RECONNECTING:
  case OSP_STATE_DISCONNECTING: break;
  }
}

static void on_banner(OspConnection *c, const char *banner, gpointer user_data)
{
  if (g_utf8_validate(banner, -1, NULL))
    nm_vpn_service_plugin_set_login_banner(NM_VPN_SERVICE_PLUGIN(user_data), banner);
}

static void on_ip_config(OspConnection *c, const OspIpConfig *cfg, gpointer user_data)
{
  send_ip_config(user_data, cfg);
}

static NMSettingVpn *secrets_setting(NMOspreyPlugin *self)
{
  return self->secrets ? nm_connection_get_setting_vpn(self->secrets) : NULL;
}

/* Answers what the latest connection from NM holds and has not been given
 * yet (a value the gateway rejected is not sent twice); true when all was
 * answered. */
static bool answer_from_secrets(NMOspreyPlugin *self, guint id, const OspSecretKind *kinds,
                                size_t n)
{
  NMSettingVpn *s_vpn = secrets_setting(self);
  const char *values[OSP_SECRET_N_KINDS] = { 0 };
  guint given = self->given;

  for (size_t i = 0; i < n; i++) {
    const char *key = nm_osprey_secret_key(kinds[i]);
    const char *v = NULL;

    if (s_vpn && !(given & (1u << kinds[i]))) {
      v = nm_setting_vpn_get_secret(s_vpn, key);
      if (!v && kinds[i] == OSP_SECRET_USERNAME)
        v = nm_setting_vpn_get_data_item(s_vpn, key);
    }
    if (!v || !*v)
      return false;
    values[kinds[i]] = v;
    given |= 1u << kinds[i];
  }
  self->given = given;
  osp_connection_provide_secrets(self->conn, id, values);
  return true;
}

static void on_secrets_needed(OspConnection *c, const OspSecretRequest *req, gpointer user_data)
{
  NMOspreyPlugin *self = user_data;
  const char *hints[OSP_SECRET_N_KINDS + 1] = { 0 };
  g_autofree char *asked = NULL;

  if (answer_from_secrets(self, req->id, req->kinds, req->n_kinds))
    return;
  if (!self->interactive) {
    osp_connection_cancel_secrets(c, req->id);
    fail(self, NM_VPN_PLUGIN_FAILURE_LOGIN_FAILED,
         req->retry ? _("The gateway rejected the saved credentials")
                    : _("The gateway asks for a secret the connection does not hold"));
    return;
  }
  self->pending_request = req->id;
  self->n_pending = req->n_kinds;
  for (size_t i = 0; i < req->n_kinds; i++) {
    self->pending_kinds[i] = req->kinds[i];
    hints[i] = nm_osprey_secret_key(req->kinds[i]);
  }
  asked = g_strjoinv(", ", (char **)hints);
  g_message("asking for %s", asked);
  nm_vpn_service_plugin_secrets_required(NM_VPN_SERVICE_PLUGIN(self),
                                         req->message ? req->message : "", hints);
}

static const OspConnectionCallbacks callbacks = {
  .state_changed = on_state,
  .secrets_needed = on_secrets_needed,
  .banner = on_banner,
  .ip_config = on_ip_config,
};

/* ---- NMVpnServicePlugin -------------------------------------------------- */

static void drop_connection(NMOspreyPlugin *self)
{
  g_clear_pointer(&self->conn, osp_connection_free);
  g_clear_object(&self->secrets);
  self->given = 0;
  self->pending_request = 0;
  self->reported = false;
}

/* A token code or new PIN NetworkManager still holds from an earlier
 * login is spent: the gateway gets only what the user types this time. */
static void forget_one_time(NMOspreyPlugin *self)
{
  NMSettingVpn *s_vpn = secrets_setting(self);

  for (OspSecretKind k = 0; s_vpn && k < OSP_SECRET_N_KINDS; k++)
    if (nm_osprey_secret_is_one_time(k))
      nm_setting_vpn_remove_secret(s_vpn, nm_osprey_secret_key(k));
}

static gboolean start(NMOspreyPlugin *self, NMConnection *connection, bool interactive,
                      GError **error)
{
  NMSettingVpn *s_vpn = nm_connection_get_setting_vpn(connection);
  OspConnectionFlags flags = {
    .no_script = true,
    .reconnect = false,
    .state_dir = state_dir,
  };
  g_autoptr(OspProfile) profile = NULL;
  g_autoptr(GError) e = NULL;

  if (!s_vpn) {
    g_set_error_literal(error, NM_VPN_PLUGIN_ERROR, NM_VPN_PLUGIN_ERROR_INVALID_CONNECTION,
                        _("The connection has no VPN setting"));
    return FALSE;
  }
  profile = nm_osprey_profile_from_setting(s_vpn, nm_connection_get_id(connection), error);
  if (!profile) {
    g_warning("%s", (*error)->message);
    return FALSE;
  }
  drop_connection(self);
  self->interactive = interactive;
  self->secrets = nm_simple_connection_new_clone(connection);
  forget_one_time(self);
  /* what the profile carries counts as given: asked again means rejected */
  for (OspSecretKind k = 0; k < OSP_SECRET_N_KINDS; k++)
    if (osp_profile_secret_field(profile, k) && *osp_profile_secret_field(profile, k))
      self->given |= 1u << k;
  self->conn = osp_connection_new(profile, &flags, &callbacks, self);
  if (!osp_connection_start(self->conn, &e)) {
    g_warning("%s", e->message);
    g_set_error_literal(error, NM_VPN_PLUGIN_ERROR, NM_VPN_PLUGIN_ERROR_LAUNCH_FAILED, e->message);
    drop_connection(self);
    return FALSE;
  }
  g_message("connecting to %s as %s", profile->gateway,
            profile->username ? profile->username : "?");
  return TRUE;
}

static gboolean real_connect(NMVpnServicePlugin *plugin, NMConnection *connection, GError **error)
{
  return start(NM_OSPREY_PLUGIN(plugin), connection, false, error);
}

static gboolean real_connect_interactive(NMVpnServicePlugin *plugin, NMConnection *connection,
                                         GVariant *details, GError **error)
{
  return start(NM_OSPREY_PLUGIN(plugin), connection, true, error);
}

/* Asked before Connect: true (and "vpn") when a secret the engine surely
 * needs is neither in the connection nor marked "not required".  The group
 * password is needed with psk only (osp_secret_kind_used): a hybrid or
 * certificate connection has none to give. */
static gboolean real_need_secrets(NMVpnServicePlugin *plugin, NMConnection *connection,
                                  const char **setting_name, GError **error)
{
  NMSettingVpn *s_vpn = nm_connection_get_setting_vpn(connection);
  static const char *const keys[] = { NM_OSPREY_KEY_SECRET, NM_OSPREY_KEY_XAUTH_PASSWORD };
  const char *auth_mode;

  if (!s_vpn) {
    g_set_error_literal(error, NM_VPN_PLUGIN_ERROR, NM_VPN_PLUGIN_ERROR_INVALID_CONNECTION,
                        _("The connection has no VPN setting"));
    return FALSE;
  }
  if (!nm_osprey_check_setting(s_vpn, error)) {
    g_warning("%s", (*error)->message);
    return FALSE;
  }
  auth_mode = nm_setting_vpn_get_data_item(s_vpn, osp_settings[OSP_SETTING_AUTH_MODE].vpnc);
  for (size_t i = 0; i < G_N_ELEMENTS(keys); i++) {
    NMSettingSecretFlags flags = NM_SETTING_SECRET_FLAG_NONE;
    const char *v = nm_setting_vpn_get_secret(s_vpn, keys[i]);

    if (!osp_secret_kind_used(osp_secret_kind_find_nm(keys[i]), auth_mode))
      continue;
    nm_setting_get_secret_flags(NM_SETTING(s_vpn), keys[i], &flags, NULL);
    if ((!v || !*v) && !(flags & NM_SETTING_SECRET_FLAG_NOT_REQUIRED)) {
      *setting_name = NM_SETTING_VPN_SETTING_NAME;
      return TRUE;
    }
  }
  return FALSE;
}

static gboolean real_new_secrets(NMVpnServicePlugin *plugin, NMConnection *connection,
                                 GError **error)
{
  NMOspreyPlugin *self = NM_OSPREY_PLUGIN(plugin);
  guint id = self->pending_request;

  if (!self->conn || !id) {
    g_set_error_literal(error, NM_VPN_PLUGIN_ERROR, NM_VPN_PLUGIN_ERROR_WRONG_STATE,
                        _("No secrets were asked for"));
    return FALSE;
  }
  g_clear_object(&self->secrets);
  self->secrets = nm_simple_connection_new_clone(connection);
  self->given = 0;
  self->pending_request = 0;
  if (!answer_from_secrets(self, id, self->pending_kinds, self->n_pending)) {
    osp_connection_cancel_secrets(self->conn, id);
    fail(self, NM_VPN_PLUGIN_FAILURE_LOGIN_FAILED, _("The secrets asked for were not given"));
  }
  return TRUE;
}

static gboolean real_disconnect(NMVpnServicePlugin *plugin, GError **error)
{
  NMOspreyPlugin *self = NM_OSPREY_PLUGIN(plugin);

  if (self->failing && self->failure != NM_VPN_PLUGIN_FAILURE_CONNECT_FAILED)
    resend_failure(self);
  if (self->conn) {
    osp_connection_disconnect(self->conn);
    g_message("disconnected");
  }
  return TRUE;
}

static void nm_osprey_plugin_init(NMOspreyPlugin *self)
{
}

static void nm_osprey_plugin_dispose(GObject *object)
{
  NMOspreyPlugin *self = NM_OSPREY_PLUGIN(object);

  if (self->fail_idle) {
    g_source_remove(self->fail_idle);
    self->fail_idle = 0;
  }
  drop_connection(self);
  G_OBJECT_CLASS(nm_osprey_plugin_parent_class)->dispose(object);
}

static void nm_osprey_plugin_class_init(NMOspreyPluginClass *klass)
{
  NMVpnServicePluginClass *plugin_class = NM_VPN_SERVICE_PLUGIN_CLASS(klass);

  G_OBJECT_CLASS(klass)->dispose = nm_osprey_plugin_dispose;
  plugin_class->connect = real_connect;
  plugin_class->connect_interactive = real_connect_interactive;
  plugin_class->need_secrets = real_need_secrets;
  plugin_class->new_secrets = real_new_secrets;
  plugin_class->disconnect = real_disconnect;
}

/* ---- main ---------------------------------------------------------------- */

/* --keys: the key table as Markdown (data/nm/README.md holds a copy, which
 * tests/nm/keys-doc.sh compares). */
static void print_keys(void)
{
  static const char *const types[] = {
    [NM_OSPREY_TYPE_STRING] = "vpn.data",
    [NM_OSPREY_TYPE_BOOLEAN] = "vpn.data, yes/no",
    [NM_OSPREY_TYPE_IGNORED] = "vpn.data, ignored",
    [NM_OSPREY_TYPE_SECRET] = "vpn.secrets",
  };

  g_print("| Key | Where | NetworkManager-vpnc | Meaning |\n| --- | --- | --- | --- |\n");
  for (const NmOspreyKey *k = nm_osprey_keys(); k->name; k++)
    g_print("| `%s` | %s | %s | %s |\n", k->name, types[k->type], k->vpnc ? "yes" : "no",
            k->meaning);
  g_print("| `<secret>-flags` | vpn.data, ignored | yes | NetworkManager's flags of a secret |\n");
}

/* Waits for the Delete to leave and the TUN device to go before quitting. */
static gboolean quit_when_down(gpointer data)
{
  NMOspreyPlugin *self = data;
  static int ticks;

  if (self->conn && osp_connection_get_state(self->conn) == OSP_STATE_DISCONNECTING && ++ticks < 30)
    return G_SOURCE_CONTINUE;
  g_main_loop_quit(main_loop);
  return G_SOURCE_REMOVE;
}

static void on_quit(NMVpnServicePlugin *plugin, gpointer data)
{
  g_timeout_add(100, quit_when_down, plugin);
}

/* SIGTERM and SIGINT end the service, with --persist too (libnm's own
 * handler only asks it to quit, which --persist ignores): the tunnel is
 * torn down first, its Delete sent, and NetworkManager told it stopped. */
static gboolean on_signal(gpointer data)
{
  NMVpnServicePlugin *plugin = data;
  g_autoptr(GError) error = NULL;

  g_message("terminating");
  if (!nm_vpn_service_plugin_disconnect(plugin, &error))
    g_debug("disconnect: %s", error->message);
  g_timeout_add(100, quit_when_down, plugin);
  return G_SOURCE_REMOVE;
}

int main(int argc, char **argv)
{
  g_autoptr(NMOspreyPlugin) plugin = NULL;
  g_autoptr(GOptionContext) ctx = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *bus_name = NULL, *state = NULL;
  gboolean persist = FALSE, debug = FALSE, keys = FALSE;
  GOptionEntry entries[] = {
    { "persist", 0, 0, G_OPTION_ARG_NONE, &persist, N_("Do not quit when the VPN ends"), NULL },
    { "debug", 0, 0, G_OPTION_ARG_NONE, &debug, N_("Log debug messages"), NULL },
    { "bus-name", 0, 0, G_OPTION_ARG_STRING, &bus_name, N_("D-Bus name to use"), N_("NAME") },
    { "state-dir", 0, 0, G_OPTION_ARG_FILENAME, &state,
      N_("Where to remember what worked with each gateway (default: $OSPREY_STATE_DIR or "
         "/var/lib/osprey)"),
      N_("DIR") },
    { "keys", 0, 0, G_OPTION_ARG_NONE, &keys, N_("Print the table of connection keys"), NULL },
    { NULL },
  };

  int r;

  /* the engine runs in this process: secrets and keys are here too */
  r = osp_process_harden();
  if (r < 0)
    g_warning("prctl(PR_SET_DUMPABLE): %s", g_strerror(-r));
  nm_osprey_init_program();

  ctx = g_option_context_new(NULL);
  g_option_context_add_main_entries(ctx, entries, GETTEXT_PACKAGE);
  g_option_context_set_translation_domain(ctx, GETTEXT_PACKAGE);
  g_option_context_set_summary(ctx, _("The Osprey VPN service for NetworkManager."));
  if (!g_option_context_parse(ctx, &argc, &argv, &error)) {
    g_printerr("nm-osprey-service: %s\n", error->message);
    return 1;
  }
  if (keys) {
    print_keys();
    return 0;
  }
  state_dir = state ? state : osp_default_state_dir();
  if (debug || getenv("NM_VPN_LOG_LEVEL"))
    g_setenv("G_MESSAGES_DEBUG", "all", FALSE);

  plugin =
      g_initable_new(NM_TYPE_OSPREY_PLUGIN, NULL, &error, NM_VPN_SERVICE_PLUGIN_DBUS_SERVICE_NAME,
                     bus_name ? bus_name : NM_OSPREY_SERVICE_TYPE,
                     NM_VPN_SERVICE_PLUGIN_DBUS_WATCH_PEER, !debug, NULL);
  if (!plugin) {
    g_printerr("nm-osprey-service: %s\n", error->message);
    return 1;
  }
  main_loop = g_main_loop_new(NULL, FALSE);
  if (!persist)
    g_signal_connect(plugin, "quit", G_CALLBACK(on_quit), NULL);
  g_unix_signal_add(SIGTERM, on_signal, plugin);
  g_unix_signal_add(SIGINT, on_signal, plugin);
  g_main_loop_run(main_loop);
  g_clear_pointer(&main_loop, g_main_loop_unref);
  return 0;
}
