/* SPDX-License-Identifier: GPL-2.0-or-later
 * A scripted stand-in for OspConnection (client/osp-connection.h), linked
 * into ospreyd-fake so that the D-Bus tests exercise the daemon's
 * connection, secret and route logic without any network I/O.
 *
 * Behaviour, chosen by the profile:
 *   gateway 192.0.2.66   says it retries twice (notice), then fails with
 *                        gateway-unreachable while connecting
 *   gateway 192.0.2.99   stays "connecting" until disconnected
 *   gateway 192.0.2.77   a token server: asks for a passcode (only) with a
 *                        prompt; "good" is accepted, as a password below
 *   auth-mode cert       asks first for the key passphrase (alone) unless
 *                        the profile has one; "good" opens the key, another
 *                        fails with bad-key-passphrase; then as below,
 *                        without a group secret (as with hybrid)
 *   any other gateway    connects: asks for the secrets the profile lacks
 *                        (group-secret, username, password); password
 *                        "good" is accepted, others are retried twice with
 *                        retry=TRUE and then fail with bad-credentials;
 *                        group secret "bad" fails with bad-group-secret;
 *                        a banner; then the IP configuration: the
 *                        gateway's split networks are taken from the
 *                        "domain" setting ("split=198.51.100.0/24,..."),
 *                        else full tunnel; then "connected".
 * Every step runs from the main loop, 10 ms apart. */
#include "osp-connection.h"
#include "osp-error.h"
#include "osp-foreground.h"

#include <arpa/inet.h>
#include <string.h>

#define STEP_MS 10

GOptionGroup *osp_foreground_vpnc_options(void)
{
  return g_option_group_new("vpnc", "", "", NULL, NULL);
}

gboolean osp_foreground_vpnc_options_given(void)
{
  return FALSE;
}

int osp_foreground_run(const char *config_path, int verbosity, gboolean password_stdin,
                       gboolean reconnect)
{
  g_printerr("ospreyd-fake: no foreground mode\n");
  return 1;
}

struct OspConnection {
  OspProfile *profile;
  OspConnectionCallbacks cb;
  gpointer user;
  OspState state;
  GError *error;
  OspIpConfig *ipcfg;
  char *banner;
  gint64 since;
  guint step_id;
  guint request_id;
  gboolean waiting;
  unsigned tries;
  OspSecretRequest req;
};

static void enter(OspConnection *c, OspState next, GError *reason)
{
  OspState old = c->state;

  if (reason) {
    g_clear_error(&c->error);
    c->error = reason;
  }
  c->state = next;
  if (c->cb.state_changed)
    c->cb.state_changed(c, old, next, reason, c->user);
}

static void later(OspConnection *c, GSourceFunc f)
{
  if (c->step_id)
    g_source_remove(c->step_id);
  c->step_id = g_timeout_add(STEP_MS, f, c);
}

static gboolean step_connected(gpointer data)
{
  OspConnection *c = data;

  c->step_id = 0;
  c->since = g_get_real_time();
  enter(c, OSP_STATE_CONNECTED, NULL);
  return G_SOURCE_REMOVE;
}

static void add_split(OspIpConfig *cfg, const char *spec)
{
  g_auto(GStrv) nets = g_strsplit(spec, ",", -1);

  for (char **n = nets; *n; n++) {
    char *slash = strchr(*n, '/');
    OspSplitNet s = { 0 };
    int len = 32;

    if (slash) {
      *slash = '\0';
      len = atoi(slash + 1);
    }
    if (inet_pton(AF_INET, *n, &s.addr) != 1 || len < 1 || len > 32)
      continue;
    s.mask.s_addr = htonl(0xffffffffu << (32 - len));
    g_array_append_val(cfg->split_inc, s);
  }
}

static gboolean step_configure(gpointer data)
{
  OspConnection *c = data;
  struct in_addr a;

  c->step_id = 0;
  enter(c, OSP_STATE_CONFIGURING, NULL);
  c->ipcfg = osp_ip_config_new();
  inet_pton(AF_INET, "198.18.0.2", &a);
  c->ipcfg->address = a;
  inet_pton(AF_INET, "255.255.255.255", &c->ipcfg->netmask);
  inet_pton(AF_INET, "192.0.2.1", &c->ipcfg->gateway);
  c->ipcfg->tundev = g_strdup("tun-fake0");
  c->ipcfg->mtu = 1400;
  inet_pton(AF_INET, "198.18.0.53", &a);
  g_array_append_val(c->ipcfg->dns, a);
  c->ipcfg->default_domain = g_strdup("example.test");
  c->ipcfg->split_dns = g_strdup("corp.example.test,lab.example.test");
  if (c->profile->domain && g_str_has_prefix(c->profile->domain, "split="))
    add_split(c->ipcfg, c->profile->domain + strlen("split="));
  if (c->cb.ip_config)
    c->cb.ip_config(c, c->ipcfg, c->user);
  if (c->state == OSP_STATE_CONFIGURING)
    later(c, step_connected);
  return G_SOURCE_REMOVE;
}

static gboolean token_gateway(const OspConnection *c)
{
  return strcmp(c->profile->gateway, "192.0.2.77") == 0;
}

static gboolean key_locked(const OspConnection *c)
{
  return c->profile->auth_mode == OSP_AUTH_CERT && !c->profile->client_key_passphrase;
}

static void ask(OspConnection *c, gboolean retry)
{
  c->req.id = ++c->request_id;
  c->req.n_kinds = 0;
  c->req.retry = retry;
  c->req.message = retry ? "Wrong password, try again" : "Enter your credentials";
  if (token_gateway(c)) {
    /* the answer lands in the password field (provide_secrets) */
    c->req.message = retry ? "Wrong code, try again" : "Enter the code shown on your token";
    c->req.kinds[c->req.n_kinds++] = OSP_SECRET_PASSCODE;
    c->waiting = TRUE;
    c->cb.secrets_needed(c, &c->req, c->user);
    return;
  }
  if (key_locked(c)) {
    c->req.message = NULL;
    c->req.kinds[c->req.n_kinds++] = OSP_SECRET_KEY_PASSPHRASE;
    c->waiting = TRUE;
    c->cb.secrets_needed(c, &c->req, c->user);
    return;
  }
  if (!c->profile->group_secret && c->profile->auth_mode == OSP_AUTH_PSK)
    c->req.kinds[c->req.n_kinds++] = OSP_SECRET_GROUP_SECRET;
  if (!c->profile->username)
    c->req.kinds[c->req.n_kinds++] = OSP_SECRET_USERNAME;
  if (!c->profile->password || retry)
    c->req.kinds[c->req.n_kinds++] = OSP_SECRET_PASSWORD;
  c->waiting = TRUE;
  c->cb.secrets_needed(c, &c->req, c->user);
}

static gboolean step_check(gpointer data)
{
  OspConnection *c = data;

  c->step_id = 0;
  if (c->profile->auth_mode == OSP_AUTH_CERT &&
      strcmp(c->profile->client_key_passphrase, "good") != 0) {
    enter(c, OSP_STATE_FAILED,
          g_error_new_literal(OSP_ERROR, OSP_ERROR_BAD_KEY_PASSPHRASE, "Wrong key passphrase"));
    return G_SOURCE_REMOVE;
  }
  if (!c->profile->username || !c->profile->password) {
    ask(c, FALSE);
    return G_SOURCE_REMOVE;
  }
  if (c->profile->group_secret && strcmp(c->profile->group_secret, "bad") == 0) {
    enter(c, OSP_STATE_FAILED,
          g_error_new_literal(OSP_ERROR, OSP_ERROR_BAD_GROUP_SECRET, "Bad group secret"));
    return G_SOURCE_REMOVE;
  }
  if (strcmp(c->profile->password, "good") != 0) {
    if (++c->tries >= 3) {
      enter(c, OSP_STATE_FAILED,
            g_error_new_literal(OSP_ERROR, OSP_ERROR_BAD_CREDENTIALS,
                                "The gateway rejected the credentials"));
      return G_SOURCE_REMOVE;
    }
    ask(c, TRUE);
    return G_SOURCE_REMOVE;
  }
  g_free(c->banner);
  c->banner = g_strdup("Authorized users only");
  if (c->cb.banner)
    c->cb.banner(c, c->banner, c->user);
  later(c, step_configure);
  return G_SOURCE_REMOVE;
}

static gboolean step_authenticate(gpointer data)
{
  OspConnection *c = data;
  const char *gw = c->profile->gateway;

  c->step_id = 0;
  if (strcmp(gw, "192.0.2.66") == 0 && c->tries < 2) {
    g_autofree char *text =
        g_strdup_printf("No answer from %s yet; sending again (try %u of 3)", gw, ++c->tries + 1);

    if (c->cb.notice)
      c->cb.notice(c, text, c->user);
    later(c, step_authenticate);
    return G_SOURCE_REMOVE;
  }
  if (strcmp(gw, "192.0.2.66") == 0) {
    enter(c, OSP_STATE_FAILED,
          g_error_new_literal(OSP_ERROR, OSP_ERROR_GATEWAY_UNREACHABLE,
                              "No answer from the gateway"));
    return G_SOURCE_REMOVE;
  }
  if (strcmp(gw, "192.0.2.99") == 0)
    return G_SOURCE_REMOVE;
  enter(c, OSP_STATE_AUTHENTICATING, NULL);
  if ((!c->profile->group_secret && c->profile->auth_mode == OSP_AUTH_PSK) || key_locked(c) ||
      !c->profile->username || !c->profile->password || token_gateway(c))
    ask(c, FALSE);
  else
    later(c, step_check);
  return G_SOURCE_REMOVE;
}

OspConnection *osp_connection_new(const OspProfile *profile, const OspConnectionFlags *flags,
                                  const OspConnectionCallbacks *cb, gpointer user_data)
{
  OspConnection *c = g_new0(OspConnection, 1);

  c->profile = osp_profile_copy(profile);
  c->cb = *cb;
  c->user = user_data;
  c->state = OSP_STATE_DISCONNECTED;
  return c;
}

void osp_connection_free(OspConnection *c)
{
  if (!c)
    return;
  if (c->step_id)
    g_source_remove(c->step_id);
  osp_profile_free(c->profile);
  g_clear_pointer(&c->ipcfg, osp_ip_config_free);
  g_clear_error(&c->error);
  g_free(c->banner);
  g_free(c);
}

gboolean osp_connection_start(OspConnection *c, GError **error)
{
  if (!c->profile->gateway) {
    g_set_error_literal(error, OSP_ERROR, OSP_ERROR_CONFIG, "No gateway");
    return FALSE;
  }
  enter(c, OSP_STATE_CONNECTING, NULL);
  later(c, step_authenticate);
  return TRUE;
}

void osp_connection_provide_secrets(OspConnection *c, guint request_id,
                                    const char *const values[OSP_SECRET_N_KINDS])
{
  if (!c->waiting || request_id != c->req.id)
    return;
  for (size_t i = 0; i < c->req.n_kinds; i++) {
    OspSecretKind k = c->req.kinds[i];
    char **field = k == OSP_SECRET_GROUP_SECRET     ? &c->profile->group_secret
                   : k == OSP_SECRET_USERNAME       ? &c->profile->username
                   : k == OSP_SECRET_KEY_PASSPHRASE ? &c->profile->client_key_passphrase
                                                    : &c->profile->password;

    if (!values[k]) {
      osp_connection_cancel_secrets(c, request_id);
      return;
    }
    g_free(*field);
    *field = g_strdup(values[k]);
  }
  c->waiting = FALSE;
  later(c, step_check);
}

void osp_connection_cancel_secrets(OspConnection *c, guint request_id)
{
  if (!c->waiting || request_id != c->req.id)
    return;
  c->waiting = FALSE;
  enter(c, OSP_STATE_FAILED,
        g_error_new_literal(OSP_ERROR, OSP_ERROR_SECRETS_REQUIRED, "Secrets were not given"));
}

static gboolean step_disconnected(gpointer data)
{
  OspConnection *c = data;

  c->step_id = 0;
  enter(c, OSP_STATE_DISCONNECTED, NULL);
  return G_SOURCE_REMOVE;
}

void osp_connection_disconnect(OspConnection *c)
{
  if (c->state == OSP_STATE_DISCONNECTED || c->state == OSP_STATE_FAILED ||
      c->state == OSP_STATE_DISCONNECTING)
    return;
  c->waiting = FALSE;
  c->since = 0;
  enter(c, OSP_STATE_DISCONNECTING, NULL);
  later(c, step_disconnected);
}

OspState osp_connection_get_state(const OspConnection *c)
{
  return c->state;
}

const GError *osp_connection_get_error(const OspConnection *c)
{
  return c->error;
}

const OspIpConfig *osp_connection_get_ip_config(const OspConnection *c)
{
  return c->ipcfg;
}

const char *osp_connection_get_banner(const OspConnection *c)
{
  return c->banner;
}

const char *osp_connection_get_gateway(const OspConnection *c)
{
  return c->state == OSP_STATE_DISCONNECTED ? NULL : c->profile->gateway;
}

gint64 osp_connection_get_since(const OspConnection *c)
{
  return c->since;
}

void osp_connection_get_sa_info(const OspConnection *c, OspConnectionSaInfo *ret)
{
  memset(ret, 0, sizeof(*ret));
  if (c->state != OSP_STATE_CONNECTED)
    return;
  ret->ike_cipher = "AES-256";
  ret->ike_integrity = "SHA2-256";
  ret->ike_dh_group = "MODP-2048";
  ret->ike_expires = c->since + (gint64)28800 * G_USEC_PER_SEC;
  /* as the profile asks: aggressive mode, but main with certificates */
  ret->ike_auth = osp_profile_auth_mode_name(c->profile->auth_mode);
  ret->ike_xauth = true;
  ret->ike_signature = c->profile->auth_mode == OSP_AUTH_PSK ? NULL : "RSA";
  ret->ike_exchange = osp_profile_exch_mode_name(
      c->profile->auth_mode == OSP_AUTH_CERT ? OSP_EXCH_MODE_MAIN : c->profile->exchange_mode);
  ret->esp_cipher = "AES-256-CBC";
  ret->esp_integrity = "HMAC-SHA2-256-128";
  ret->esp_spi_in = 0x11111111;
  ret->esp_spi_out = 0x22222222;
  ret->esp_expires = c->since + (gint64)3600 * G_USEC_PER_SEC;
}

void osp_connection_get_stats(const OspConnection *c, OspConnectionStats *ret)
{
  memset(ret, 0, sizeof(*ret));
  if (c->state == OSP_STATE_CONNECTED) {
    ret->tx_packets = 3;
    ret->tx_bytes = 300;
    ret->rx_packets = 2;
    ret->rx_bytes = 200;
  }
}
