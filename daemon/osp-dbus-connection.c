/* SPDX-License-Identifier: GPL-2.0-or-later
 * ospreyd — one exported VPN connection. */
#include "osp-dbus-connection.h"
#include "osp-error.h"
#include "osp-manager.h"

#include <arpa/inet.h>
#include <string.h>

#define STATS_INTERVAL_S 2

/* ---- options ------------------------------------------------------------ */

gboolean osp_secret_value_is_valid(const char *value)
{
  size_t len = strlen(value);

  if (len == 0 || len > OSP_SECRET_VALUE_MAX || !g_utf8_validate(value, -1, NULL))
    return FALSE;
  for (const char *p = value; *p; p++)
    if ((unsigned char)*p < 0x20 || *p == 0x7f)
      return FALSE;
  return TRUE;
}

void osp_connect_options_clear(OspConnectOptions *o)
{
  g_clear_pointer(&o->secrets, g_hash_table_unref);
}

static GHashTable *secrets_table_new(void)
{
  return g_hash_table_new_full(g_str_hash, g_str_equal, g_free, (GDestroyNotify)osp_str_wipe_free);
}

gboolean osp_connect_options_parse(GVariant *options, OspConnectOptions *ret, GError **error)
{
  GVariantIter it;
  const char *key;
  GVariant *value;

  ret->secrets = secrets_table_new();
  ret->interactive = TRUE;
  ret->reconnect = TRUE;
  if (g_variant_n_children(options) > 16)
    goto invalid_count;
  g_variant_iter_init(&it, options);
  while (g_variant_iter_loop(&it, "{&sv}", &key, &value)) {
    if (strcmp(key, "interactive") == 0 || strcmp(key, "reconnect") == 0) {
      if (!g_variant_is_of_type(value, G_VARIANT_TYPE_BOOLEAN)) {
        g_set_error(error, OSP_DAEMON_ERROR, OSP_DAEMON_ERROR_INVALID_ARGUMENTS,
                    "Option \"%s\" must be a boolean (b)", key);
        goto fail;
      }
      if (key[0] == 'i')
        ret->interactive = g_variant_get_boolean(value);
      else
        ret->reconnect = g_variant_get_boolean(value);
    } else if (strcmp(key, "secrets") == 0) {
      GVariantIter sit;
      const char *kind, *secret;

      if (!g_variant_is_of_type(value, G_VARIANT_TYPE("a{ss}"))) {
        g_set_error(error, OSP_DAEMON_ERROR, OSP_DAEMON_ERROR_INVALID_ARGUMENTS,
                    "Option \"secrets\" must be a dictionary of strings (a{ss})");
        goto fail;
      }
      g_variant_iter_init(&sit, value);
      while (g_variant_iter_next(&sit, "{&s&s}", &kind, &secret)) {
        if (osp_secret_kind_from_name(kind) < 0) {
          g_set_error(error, OSP_DAEMON_ERROR, OSP_DAEMON_ERROR_INVALID_ARGUMENTS,
                      "Unknown secret kind \"%.64s\"", kind);
          goto fail;
        }
        if (!osp_secret_value_is_valid(secret)) {
          g_set_error(error, OSP_DAEMON_ERROR, OSP_DAEMON_ERROR_INVALID_ARGUMENTS,
                      "Invalid value for secret \"%s\" (empty, too long or control characters)",
                      kind);
          goto fail;
        }
        g_hash_table_replace(ret->secrets, g_strdup(kind), g_strdup(secret));
      }
    } else {
      g_set_error(error, OSP_DAEMON_ERROR, OSP_DAEMON_ERROR_INVALID_ARGUMENTS,
                  "Unknown option \"%.64s\"", key);
      g_variant_unref(value);
      goto fail;
    }
  }
  return TRUE;

invalid_count:
  g_set_error(error, OSP_DAEMON_ERROR, OSP_DAEMON_ERROR_INVALID_ARGUMENTS, "Too many options");
  osp_connect_options_clear(ret);
  return FALSE;
fail:
  osp_connect_options_clear(ret);
  return FALSE;
}

/* ---- the exported connection ------------------------------------------ */

typedef struct {
  OspExportedConnection *ec;
  guint request_id;
  gboolean cancel;
  char *values[OSP_SECRET_N_KINDS];
} Deferred;

struct OspExportedConnection {
  OspExportedConnectionHost host;
  char *path;
  char *name;
  char *sender;
  guint32 uid;
  OspProfile *profile;
  OspConnectOptions options;
  OspEventLog *log; /* borrowed from the manager */
  OspConnection *conn;
  OspDBusObjectSkeleton *object;
  OspDBusConnection *iface;
  gboolean exported;
  OspState state;
  GError *forced_error; /* reported instead of the engine's reason */
  gboolean finished;

  /* the engine's secret request being answered */
  gboolean have_request;
  guint request_id;
  char *partial[OSP_SECRET_N_KINDS]; /* answered without the agent */
  OspAgentRequest *agent_req;
  guint deferred_id;
  guint disconnect_id;
  guint stats_id;
};

static void deferred_free(Deferred *d)
{
  for (int k = 0; k < OSP_SECRET_N_KINDS; k++)
    osp_str_wipe_free(d->values[k]);
  g_free(d);
}

static void clear_partial(OspExportedConnection *ec)
{
  for (int k = 0; k < OSP_SECRET_N_KINDS; k++)
    g_clear_pointer(&ec->partial[k], osp_str_wipe_free);
}

/* A user who cancels (Ctrl-C at a password prompt, Cancel in a dialog)
 * ends the attempt: "disconnected" with reason "cancelled", not a failure. */
static const char *shown_state(OspExportedConnection *ec)
{
  if (ec->forced_error && (ec->state == OSP_STATE_DISCONNECTED || ec->state == OSP_STATE_FAILED))
    return osp_state_name(g_error_matches(ec->forced_error, OSP_ERROR, OSP_ERROR_CANCELLED)
                              ? OSP_STATE_DISCONNECTED
                              : OSP_STATE_FAILED);
  return osp_state_name(ec->state);
}

static void conn_log(OspExportedConnection *ec, GLogLevelFlags level, const char *fmt, ...)
    G_GNUC_PRINTF(3, 4);

/* Every event of a connection goes to the journal (with PROFILE= and
 * STATE=) and to the profile's event log.  Never pass secrets here. */
static void conn_log(OspExportedConnection *ec, GLogLevelFlags level, const char *fmt, ...)
{
  g_autofree char *msg = NULL;
  const char *state = shown_state(ec);
  va_list ap;

  va_start(ap, fmt);
  msg = g_strdup_vprintf(fmt, ap);
  va_end(ap);
  osp_event_log_add(ec->log, state, msg);
  g_log_structured(G_LOG_DOMAIN, level, "PROFILE", ec->name, "STATE", state, "OSPREY_CONNECTION",
                   ec->path, "MESSAGE", "%s: %s", ec->name, msg);
}

static GVariant *stats_variant(OspExportedConnection *ec)
{
  OspConnectionStats st = { 0 };
  GVariantBuilder b;

  if (ec->conn)
    osp_connection_get_stats(ec->conn, &st);
  g_variant_builder_init(&b, G_VARIANT_TYPE("a{st}"));
  g_variant_builder_add(&b, "{st}", "tx-bytes", (guint64)st.tx_bytes);
  g_variant_builder_add(&b, "{st}", "tx-packets", (guint64)st.tx_packets);
  g_variant_builder_add(&b, "{st}", "rx-bytes", (guint64)st.rx_bytes);
  g_variant_builder_add(&b, "{st}", "rx-packets", (guint64)st.rx_packets);
  g_variant_builder_add(&b, "{st}", "rx-errors", (guint64)st.rx_errors);
  g_variant_builder_add(&b, "{st}", "rekeys", (guint64)st.rekeys);
  return g_variant_builder_end(&b);
}

static gboolean final_state(OspState s);

/* whole seconds, so that a value recomputed every tick stays the same */
static gint64 whole_seconds(gint64 usec)
{
  return usec / G_USEC_PER_SEC * G_USEC_PER_SEC;
}

static GVariant *crypto_variant(OspExportedConnection *ec)
{
  OspConnectionSaInfo sa = { 0 };
  GVariantBuilder b;

  g_variant_builder_init(&b, G_VARIANT_TYPE_VARDICT);
  if (ec->conn && !final_state(ec->state))
    osp_connection_get_sa_info(ec->conn, &sa);
  if (sa.ike_cipher && sa.ike_integrity && sa.ike_dh_group) {
    g_variant_builder_add(&b, "{sv}", "ike-cipher", g_variant_new_string(sa.ike_cipher));
    g_variant_builder_add(&b, "{sv}", "ike-integrity", g_variant_new_string(sa.ike_integrity));
    g_variant_builder_add(&b, "{sv}", "ike-dh-group", g_variant_new_string(sa.ike_dh_group));
    g_variant_builder_add(&b, "{sv}", "ike-expires",
                          g_variant_new_int64(whole_seconds(sa.ike_expires)));
    g_variant_builder_add(&b, "{sv}", "nat-t", g_variant_new_boolean(sa.natt));
  }
  if (sa.ike_auth && sa.ike_exchange) {
    g_variant_builder_add(&b, "{sv}", "ike-auth", g_variant_new_string(sa.ike_auth));
    g_variant_builder_add(&b, "{sv}", "ike-xauth", g_variant_new_boolean(sa.ike_xauth));
    g_variant_builder_add(&b, "{sv}", "ike-signature",
                          g_variant_new_string(sa.ike_signature ? sa.ike_signature : ""));
    g_variant_builder_add(&b, "{sv}", "ike-exchange", g_variant_new_string(sa.ike_exchange));
  }
  if (sa.esp_cipher && sa.esp_integrity) {
    g_variant_builder_add(&b, "{sv}", "esp-cipher", g_variant_new_string(sa.esp_cipher));
    g_variant_builder_add(&b, "{sv}", "esp-integrity", g_variant_new_string(sa.esp_integrity));
    g_variant_builder_add(&b, "{sv}", "esp-pfs-group",
                          g_variant_new_string(sa.esp_pfs_group ? sa.esp_pfs_group : ""));
    g_variant_builder_add(&b, "{sv}", "esp-spi-in", g_variant_new_uint32(sa.esp_spi_in));
    g_variant_builder_add(&b, "{sv}", "esp-spi-out", g_variant_new_uint32(sa.esp_spi_out));
    if (sa.esp_expires)
      g_variant_builder_add(&b, "{sv}", "esp-expires",
                            g_variant_new_int64(whole_seconds(sa.esp_expires)));
    g_variant_builder_add(&b, "{sv}", "esp-lifetime-kb", g_variant_new_uint32(sa.esp_lifetime_kb));
  }
  return g_variant_builder_end(&b);
}

static gboolean stats_tick(gpointer user_data)
{
  OspExportedConnection *ec = user_data;

  /* The skeleton compares values: unchanged counters emit nothing. */
  osp_dbus_connection_set_stats(ec->iface, stats_variant(ec));
  osp_dbus_connection_set_crypto(ec->iface, crypto_variant(ec));
  return G_SOURCE_CONTINUE;
}

static void add_addr(GVariantBuilder *b, const char *key, struct in_addr a)
{
  char buf[INET_ADDRSTRLEN];

  if (inet_ntop(AF_INET, &a, buf, sizeof(buf)))
    g_variant_builder_add(b, "{sv}", key, g_variant_new_string(buf));
}

static GVariant *addr_array(const GArray *arr)
{
  GVariantBuilder b;
  char buf[INET_ADDRSTRLEN];

  g_variant_builder_init(&b, G_VARIANT_TYPE_STRING_ARRAY);
  for (guint i = 0; arr && i < arr->len; i++)
    if (inet_ntop(AF_INET, &g_array_index(arr, struct in_addr, i), buf, sizeof(buf)))
      g_variant_builder_add(&b, "s", buf);
  return g_variant_builder_end(&b);
}

static GVariant *net_array(const GArray *arr)
{
  GVariantBuilder b;
  char buf[INET_ADDRSTRLEN];

  g_variant_builder_init(&b, G_VARIANT_TYPE_STRING_ARRAY);
  for (guint i = 0; arr && i < arr->len; i++) {
    const OspSplitNet *n = &g_array_index(arr, OspSplitNet, i);
    g_autofree char *s = NULL;

    if (!inet_ntop(AF_INET, &n->addr, buf, sizeof(buf)))
      continue;
    s = g_strdup_printf("%s/%d", buf, osp_netmask_len(n->mask));
    g_variant_builder_add(&b, "s", s);
  }
  return g_variant_builder_end(&b);
}

/* IPv6 networks as "addr/len" strings */
static GVariant *net6_array(const GArray *arr)
{
  char buf[INET6_ADDRSTRLEN];
  GVariantBuilder nets;

  g_variant_builder_init(&nets, G_VARIANT_TYPE_STRING_ARRAY);
  for (guint i = 0; arr && i < arr->len; i++) {
    const OspNet6 *n = &g_array_index(arr, OspNet6, i);
    g_autofree char *s = NULL;

    if (!inet_ntop(AF_INET6, &n->addr, buf, sizeof(buf)))
      continue;
    s = g_strdup_printf("%s/%u", buf, n->prefix);
    g_variant_builder_add(&nets, "s", s);
  }
  return g_variant_builder_end(&nets);
}

/* IPv6 inside: "address6" (s), "prefix6" (u), "dns6" (as), "split-include6" (as),
 * "split-exclude6" (as) */
static void add_ip6(GVariantBuilder *b, const OspIpConfig *cfg)
{
  char buf[INET6_ADDRSTRLEN];
  GVariantBuilder dns;

  if (!osp_ip_config_has_ip6(cfg) || !inet_ntop(AF_INET6, &cfg->address6, buf, sizeof(buf)))
    return;
  g_variant_builder_add(b, "{sv}", "address6", g_variant_new_string(buf));
  g_variant_builder_add(b, "{sv}", "prefix6", g_variant_new_uint32(cfg->prefix6));
  g_variant_builder_init(&dns, G_VARIANT_TYPE_STRING_ARRAY);
  for (guint i = 0; i < cfg->dns6->len; i++)
    if (inet_ntop(AF_INET6, &g_array_index(cfg->dns6, struct in6_addr, i), buf, sizeof(buf)))
      g_variant_builder_add(&dns, "s", buf);
  g_variant_builder_add(b, "{sv}", "dns6", g_variant_builder_end(&dns));
  g_variant_builder_add(b, "{sv}", "split-include6", net6_array(cfg->split_inc6));
  g_variant_builder_add(b, "{sv}", "split-exclude6", net6_array(cfg->split_exc6));
}

static GVariant *ip_config_variant(const OspIpConfig *cfg)
{
  GVariantBuilder b;

  g_variant_builder_init(&b, G_VARIANT_TYPE_VARDICT);
  if (!cfg)
    return g_variant_builder_end(&b);
  if (cfg->tundev)
    g_variant_builder_add(&b, "{sv}", "device", g_variant_new_string(cfg->tundev));
  add_addr(&b, "address", cfg->address);
  g_variant_builder_add(&b, "{sv}", "prefix",
                        g_variant_new_uint32(cfg->netmask.s_addr
                                                 ? (guint32)MAX(osp_netmask_len(cfg->netmask), 0)
                                                 : 32));
  if (cfg->mtu)
    g_variant_builder_add(&b, "{sv}", "mtu", g_variant_new_uint32(cfg->mtu));
  g_variant_builder_add(&b, "{sv}", "dns", addr_array(cfg->dns));
  g_variant_builder_add(&b, "{sv}", "nbns", addr_array(cfg->nbns));
  if (cfg->default_domain)
    g_variant_builder_add(&b, "{sv}", "domain", g_variant_new_string(cfg->default_domain));
  if (cfg->split_dns) {
    g_auto(GStrv) parts = g_strsplit_set(cfg->split_dns, ", ", -1);
    GVariantBuilder sb;

    g_variant_builder_init(&sb, G_VARIANT_TYPE_STRING_ARRAY);
    for (char **p = parts; *p; p++)
      if (**p && g_utf8_validate(*p, -1, NULL))
        g_variant_builder_add(&sb, "s", *p);
    g_variant_builder_add(&b, "{sv}", "split-dns", g_variant_builder_end(&sb));
  }
  g_variant_builder_add(&b, "{sv}", "split-include", net_array(cfg->split_inc));
  g_variant_builder_add(&b, "{sv}", "split-exclude", net_array(cfg->split_exc));
  g_variant_builder_add(&b, "{sv}", "full-tunnel",
                        g_variant_new_boolean(!cfg->split_inc || cfg->split_inc->len == 0));
  if (!osp_addr_is_unspecified(&cfg->gateway)) {
    char gw[OSP_ADDR_STRLEN];

    g_variant_builder_add(&b, "{sv}", "gateway",
                          g_variant_new_string(osp_addr_format(&cfg->gateway, gw)));
  }
  add_ip6(&b, cfg);
  return g_variant_builder_end(&b);
}

static gboolean final_state(OspState s)
{
  return s == OSP_STATE_DISCONNECTED || s == OSP_STATE_FAILED;
}

static void cancel_agent_request(OspExportedConnection *ec)
{
  g_clear_pointer(&ec->agent_req, osp_agent_request_cancel);
}

static void on_state_changed(OspConnection *c, OspState old_state, OspState new_state,
                             const GError *reason, gpointer user_data)
{
  OspExportedConnection *ec = user_data;
  const GError *shown = ec->forced_error ? ec->forced_error : reason;
  const char *gw = osp_connection_get_gateway(c);

  ec->state = new_state;
  if (final_state(new_state)) {
    cancel_agent_request(ec);
    clear_partial(ec);
    ec->have_request = FALSE;
    if (ec->deferred_id) {
      g_source_remove(ec->deferred_id);
      ec->deferred_id = 0;
    }
    if (!ec->forced_error && new_state == OSP_STATE_DISCONNECTED && reason == NULL)
      shown = NULL;
  } else if (!(new_state == OSP_STATE_RECONNECTING)) {
    shown = ec->forced_error;
  }

  if (new_state == OSP_STATE_CONNECTED) {
    osp_dbus_connection_set_since(ec->iface, osp_connection_get_since(c));
    if (!ec->stats_id)
      ec->stats_id = g_timeout_add_seconds(STATS_INTERVAL_S, stats_tick, ec);
  } else {
    osp_dbus_connection_set_since(ec->iface, 0);
    if (ec->stats_id) {
      g_source_remove(ec->stats_id);
      ec->stats_id = 0;
    }
  }
  osp_dbus_connection_set_stats(ec->iface, stats_variant(ec));
  osp_dbus_connection_set_crypto(ec->iface, crypto_variant(ec));
  osp_dbus_connection_set_gateway(ec->iface, gw ? gw : "");
  if (shown) {
    g_autofree char *name = g_dbus_error_encode_gerror(shown);

    osp_dbus_connection_set_state_reason(ec->iface, osp_daemon_reason_code(shown));
    osp_dbus_connection_set_state_message(ec->iface, shown->message);
    osp_dbus_connection_set_last_error(
        ec->iface, g_variant_new("(sss)", name, osp_daemon_reason_code(shown), shown->message));
  } else {
    osp_dbus_connection_set_state_reason(ec->iface, "");
    osp_dbus_connection_set_state_message(ec->iface, "");
  }
  osp_dbus_connection_set_state(ec->iface, shown_state(ec));

  if (shown)
    conn_log(ec,
             new_state == OSP_STATE_FAILED || ec->forced_error ? G_LOG_LEVEL_WARNING
                                                               : G_LOG_LEVEL_MESSAGE,
             "%s -> %s (%s: %s)", osp_state_name(old_state), shown_state(ec),
             osp_daemon_reason_code(shown), shown->message);
  else
    conn_log(ec, G_LOG_LEVEL_MESSAGE, "%s -> %s", osp_state_name(old_state), shown_state(ec));

  if (final_state(new_state))
    ec->finished = TRUE;
  /* One PropertiesChanged per transition, not one per main loop turn. */
  if (ec->exported)
    g_dbus_interface_skeleton_flush(G_DBUS_INTERFACE_SKELETON(ec->iface));
  if (ec->host.state_changed)
    ec->host.state_changed(ec, ec->host.user_data);
}

static gboolean deferred_run(gpointer user_data)
{
  Deferred *d = user_data;
  OspExportedConnection *ec = d->ec;

  ec->deferred_id = 0;
  if (!ec->have_request || ec->request_id != d->request_id)
    return G_SOURCE_REMOVE;
  ec->have_request = FALSE;
  if (d->cancel)
    osp_connection_cancel_secrets(ec->conn, d->request_id);
  else
    osp_connection_provide_secrets(ec->conn, d->request_id, (const char *const *)d->values);
  return G_SOURCE_REMOVE;
}

/* Answers the engine from the main loop, never from inside its callback.
 * Takes the values in ec->partial. */
static void answer_later(OspExportedConnection *ec, gboolean cancel)
{
  Deferred *d = g_new0(Deferred, 1);

  d->ec = ec;
  d->request_id = ec->request_id;
  d->cancel = cancel;
  for (int k = 0; k < OSP_SECRET_N_KINDS; k++) {
    d->values[k] = ec->partial[k];
    ec->partial[k] = NULL;
  }
  if (ec->deferred_id)
    g_source_remove(ec->deferred_id);
  ec->deferred_id =
      g_idle_add_full(G_PRIORITY_DEFAULT, deferred_run, d, (GDestroyNotify)deferred_free);
}

static void fail_with(OspExportedConnection *ec, GError *error)
{
  if (!ec->forced_error)
    ec->forced_error = error;
  else
    g_error_free(error);
}

static void agent_answered(GVariant *secrets, const GError *error, gpointer user_data)
{
  OspExportedConnection *ec = user_data;
  g_autoptr(GHashTable) got = NULL;
  GVariantIter it;
  const char *kind, *value;

  ec->agent_req = NULL;
  if (!ec->have_request)
    return;
  if (error) {
    conn_log(ec, G_LOG_LEVEL_MESSAGE, "Secret request not answered: %s", error->message);
    fail_with(ec, g_error_copy(error));
    clear_partial(ec);
    answer_later(ec, TRUE);
    return;
  }
  got = secrets_table_new();
  g_variant_iter_init(&it, secrets);
  while (g_variant_iter_next(&it, "{&s&s}", &kind, &value))
    if (osp_secret_kind_from_name(kind) >= 0 && osp_secret_value_is_valid(value))
      g_hash_table_replace(got, g_strdup(kind), g_strdup(value));
  for (int k = 0; k < OSP_SECRET_N_KINDS; k++) {
    const char *v;

    if (ec->partial[k] != NULL)
      continue;
    v = g_hash_table_lookup(got, osp_secret_kind_name(k));
    if (v)
      ec->partial[k] = g_strdup(v);
  }
  conn_log(ec, G_LOG_LEVEL_INFO, "Agent supplied secrets");
  answer_later(ec, FALSE);
}

static void on_secrets_needed(OspConnection *c, const OspSecretRequest *req, gpointer user_data)
{
  OspExportedConnection *ec = user_data;
  g_autoptr(GPtrArray) missing = g_ptr_array_new();
  g_autoptr(GString) asked = g_string_new(NULL);
  GVariantBuilder details;

  cancel_agent_request(ec);
  clear_partial(ec);
  ec->have_request = TRUE;
  ec->request_id = req->id;
  for (size_t i = 0; i < req->n_kinds && i < OSP_SECRET_N_KINDS; i++) {
    OspSecretKind k = req->kinds[i];
    const char *name = osp_secret_kind_name(k);
    /* Secrets given with Connect answer the first request only: a retry
     * means they were rejected. */
    const char *v = req->retry ? NULL : g_hash_table_lookup(ec->options.secrets, name);

    g_string_append_printf(asked, "%s%s", asked->len ? ", " : "", name);
    if (v) {
      g_free(ec->partial[k]);
      ec->partial[k] = g_strdup(v);
    } else {
      g_ptr_array_add(missing, (gpointer)name);
    }
  }
  g_ptr_array_add(missing, NULL);
  conn_log(ec, G_LOG_LEVEL_INFO, "Secrets needed: %s%s", asked->str,
           req->retry ? " (previous answer rejected)" : "");

  if (missing->len == 1) {
    answer_later(ec, FALSE);
    return;
  }
  if (!ec->options.interactive) {
    fail_with(ec, g_error_new(OSP_ERROR, OSP_ERROR_SECRETS_REQUIRED,
                              "Secrets required (%s) and the connection is not interactive",
                              asked->str));
    clear_partial(ec);
    answer_later(ec, TRUE);
    return;
  }
  g_variant_builder_init(&details, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add(&details, "{sv}", "name", g_variant_new_string(ec->name));
  if (ec->profile->gateway)
    g_variant_builder_add(&details, "{sv}", "gateway", g_variant_new_string(ec->profile->gateway));
  if (ec->profile->username)
    g_variant_builder_add(&details, "{sv}", "username",
                          g_variant_new_string(ec->profile->username));
  ec->agent_req = osp_agent_manager_get_secrets(
      ec->host.agents, ec->sender, ec->uid, ec->path, (const char *const *)missing->pdata,
      req->message ? req->message : "", req->retry, g_variant_builder_end(&details), agent_answered,
      ec);
}

static void on_banner(OspConnection *c, const char *banner, gpointer user_data)
{
  OspExportedConnection *ec = user_data;

  osp_dbus_connection_set_banner(ec->iface, banner ? banner : "");
  conn_log(ec, G_LOG_LEVEL_INFO, "Banner received (%zu bytes)", banner ? strlen(banner) : 0);
  if (banner && *banner)
    osp_agent_manager_display_banner(ec->host.agents, ec->sender, ec->uid, ec->path, banner);
}

/* A notice while the connection comes up (a retry of an unanswered
 * gateway) is also its StateMessage, until the next state says more. */
static void on_notice(OspConnection *c, const char *text, gpointer user_data)
{
  OspExportedConnection *ec = user_data;

  conn_log(ec, G_LOG_LEVEL_MESSAGE, "%s", text);
  if (!final_state(ec->state) && ec->state != OSP_STATE_CONNECTED)
    osp_dbus_connection_set_state_message(ec->iface, text);
}

static gboolean disconnect_idle(gpointer user_data)
{
  OspExportedConnection *ec = user_data;

  ec->disconnect_id = 0;
  osp_exported_connection_disconnect(ec);
  return G_SOURCE_REMOVE;
}

static void on_ip_config(OspConnection *c, const OspIpConfig *cfg, gpointer user_data)
{
  OspExportedConnection *ec = user_data;
  g_autoptr(GError) error = NULL;

  osp_dbus_connection_set_ip_config(ec->iface, ip_config_variant(cfg));
  conn_log(ec, G_LOG_LEVEL_INFO, "IP configuration received (%s)",
           cfg->split_inc && cfg->split_inc->len ? "split tunnel" : "full tunnel");
  if (ec->host.check_ip_config && !ec->host.check_ip_config(ec, cfg, &error, ec->host.user_data)) {
    conn_log(ec, G_LOG_LEVEL_WARNING, "%s", error->message);
    fail_with(ec, g_steal_pointer(&error));
    if (!ec->disconnect_id)
      ec->disconnect_id = g_idle_add(disconnect_idle, ec);
  }
}

static gboolean handle_disconnect(OspDBusConnection *iface, GDBusMethodInvocation *invocation,
                                  gpointer user_data)
{
  OspExportedConnection *ec = user_data;

  if (ec->host.handle_disconnect)
    ec->host.handle_disconnect(ec, invocation, ec->host.user_data);
  else
    g_dbus_method_invocation_return_error(invocation, OSP_ERROR, OSP_ERROR_FAILED, "Not available");
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static const OspConnectionCallbacks engine_callbacks = {
  .state_changed = on_state_changed,
  .secrets_needed = on_secrets_needed,
  .banner = on_banner,
  .ip_config = on_ip_config,
  .notice = on_notice,
};

/* Secrets given with Connect that the profile has a field for. */
static void fill_profile_secrets(OspProfile *p, GHashTable *secrets)
{
  for (OspSecretKind k = 0; k < OSP_SECRET_N_KINDS; k++) {
    const char *v = g_hash_table_lookup(secrets, osp_secret_kind_name(k));
    char **field = osp_profile_secret_field(p, k);

    if (v && field) {
      osp_str_wipe_free(*field);
      *field = g_strdup(v);
    }
  }
}

OspExportedConnection *osp_exported_connection_new(const OspExportedConnectionHost *host,
                                                   guint serial, const char *name,
                                                   const char *profile_path, guint32 uid,
                                                   const char *sender, OspProfile *profile,
                                                   OspConnectOptions *options, OspEventLog *log)
{
  OspExportedConnection *ec = g_new0(OspExportedConnection, 1);

  ec->host = *host;
  ec->path = g_strdup_printf(OSP_CONNECTION_PATH_PREFIX "%u", serial);
  ec->name = g_strdup(name);
  ec->sender = g_strdup(sender);
  ec->uid = uid;
  ec->profile = profile;
  ec->options = *options;
  memset(options, 0, sizeof(*options));
  if (!ec->options.secrets)
    ec->options.secrets = secrets_table_new();
  fill_profile_secrets(ec->profile, ec->options.secrets);
  ec->log = log;
  ec->state = OSP_STATE_DISCONNECTED;

  ec->iface = osp_dbus_connection_skeleton_new();
  osp_dbus_connection_set_name(ec->iface, name);
  osp_dbus_connection_set_profile(ec->iface, profile_path ? profile_path : "/");
  osp_dbus_connection_set_uid(ec->iface, uid);
  osp_dbus_connection_set_state(ec->iface, osp_state_name(OSP_STATE_DISCONNECTED));
  osp_dbus_connection_set_state_reason(ec->iface, "");
  osp_dbus_connection_set_state_message(ec->iface, "");
  osp_dbus_connection_set_last_error(ec->iface, g_variant_new("(sss)", "", "", ""));
  osp_dbus_connection_set_banner(ec->iface, "");
  osp_dbus_connection_set_gateway(ec->iface, "");
  osp_dbus_connection_set_ip_config(ec->iface, ip_config_variant(NULL));
  osp_dbus_connection_set_stats(ec->iface, stats_variant(ec));
  osp_dbus_connection_set_crypto(ec->iface, crypto_variant(ec));
  osp_dbus_connection_set_since(ec->iface, 0);
  g_signal_connect(ec->iface, "handle-disconnect", G_CALLBACK(handle_disconnect), ec);
  ec->object = osp_dbus_object_skeleton_new(ec->path);
  osp_dbus_object_skeleton_set_connection(ec->object, ec->iface);
  return ec;
}

gboolean osp_exported_connection_start(OspExportedConnection *ec, GError **error)
{
  OspConnectionFlags flags = {
    .no_script = false,
    .reconnect = ec->options.reconnect,
    .state_dir = ec->host.state_dir,
  };

  osp_event_log_clear(ec->log);
  conn_log(ec, G_LOG_LEVEL_MESSAGE, "Connecting to %s (requested by uid %u)",
           ec->profile->gateway ? ec->profile->gateway : "?", ec->uid);
  ec->conn = osp_connection_new(ec->profile, &flags, &engine_callbacks, ec);
  if (!osp_connection_start(ec->conn, error)) {
    conn_log(ec, G_LOG_LEVEL_WARNING, "Cannot start: %s", (*error)->message);
    g_clear_pointer(&ec->conn, osp_connection_free);
    ec->finished = TRUE;
    return FALSE;
  }
  g_dbus_object_manager_server_export(ec->host.object_manager, G_DBUS_OBJECT_SKELETON(ec->object));
  ec->exported = TRUE;
  return TRUE;
}

void osp_exported_connection_free(OspExportedConnection *ec)
{
  if (!ec)
    return;
  cancel_agent_request(ec);
  if (ec->deferred_id)
    g_source_remove(ec->deferred_id);
  if (ec->disconnect_id)
    g_source_remove(ec->disconnect_id);
  if (ec->stats_id)
    g_source_remove(ec->stats_id);
  /* Callbacks from the engine's teardown must not reach us any more. */
  ec->host.state_changed = NULL;
  g_clear_pointer(&ec->conn, osp_connection_free);
  if (ec->exported)
    g_dbus_object_manager_server_unexport(ec->host.object_manager, ec->path);
  g_signal_handlers_disconnect_by_data(ec->iface, ec);
  g_clear_object(&ec->iface);
  g_clear_object(&ec->object);
  clear_partial(ec);
  g_clear_error(&ec->forced_error);
  osp_connect_options_clear(&ec->options);
  osp_profile_free(ec->profile);
  g_free(ec->path);
  g_free(ec->name);
  g_free(ec->sender);
  g_free(ec);
}

void osp_exported_connection_disconnect(OspExportedConnection *ec)
{
  if (!ec->conn || ec->finished)
    return;
  cancel_agent_request(ec);
  conn_log(ec, G_LOG_LEVEL_MESSAGE, "Disconnect requested");
  osp_connection_disconnect(ec->conn);
}

void osp_exported_connection_fail(OspExportedConnection *ec, GError *error)
{
  fail_with(ec, error);
  osp_exported_connection_disconnect(ec);
}

const char *osp_exported_connection_get_path(OspExportedConnection *ec)
{
  return ec->path;
}

const char *osp_exported_connection_get_name(OspExportedConnection *ec)
{
  return ec->name;
}

guint32 osp_exported_connection_get_uid(OspExportedConnection *ec)
{
  return ec->uid;
}

const OspProfile *osp_exported_connection_get_profile(OspExportedConnection *ec)
{
  return ec->profile;
}

const OspIpConfig *osp_exported_connection_get_ip_config(OspExportedConnection *ec)
{
  return ec->conn ? osp_connection_get_ip_config(ec->conn) : NULL;
}

gboolean osp_exported_connection_is_finished(OspExportedConnection *ec)
{
  return ec->finished;
}

void osp_exported_connection_set_profile_path(OspExportedConnection *ec, const char *path)
{
  osp_dbus_connection_set_profile(ec->iface, path);
}
