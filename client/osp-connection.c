/* SPDX-License-Identifier: GPL-2.0-or-later
 * Osprey — OspConnection's lifecycle: the sans-I/O session wired to the
 * datapath (osp-connection-datapath.c), the network script and the GLib
 * main loop; attempts, reconnecting with backoff, teardown, and the roles
 * of the sessions while the IKE SA is re-authenticated (Link).  What the
 * environment does to a connection is in osp-connection-netwatch.c. */
#define _GNU_SOURCE /* struct mmsghdr in osp-connection-private.h */
#include "osp-config.h"
#include "osp-connection-private.h"
#include "osp-crypto.h"
#include "osp-dh-memory.h"
#include "osp-error.h"

#include <arpa/inet.h>
#include <errno.h>
#include <gio/gio.h>
#include <glib/gi18n-lib.h>
#include <net/if.h>
#include <stdarg.h>
#include <string.h>
#include <sys/ioctl.h>

/* Reconnect tries start 1, 2, 4, 8 s after the start of the one before, and
 * no more than 8 s apart for the first three minutes (a crashed or rebooted
 * gateway is usually back by then, and its return is noticed within one
 * wait and one handshake); after that doubling up to a minute, sparing a
 * gateway that stays down.  A try that took longer (a silent gateway:
 * retransmissions until the timeout) is followed at once, as is the first
 * after the tunnel was lost. */
#define RECONNECT_FAST_S 8
#define RECONNECT_FAST_FOR_US (180 * G_USEC_PER_SEC)
#define RECONNECT_MAX_S 60
#define RECONNECT_MIN_MS 500
/* LOAD-BALANCE redirections followed from one connect: a loop ends */
#define MAX_REDIRECTS 4
/* addresses of one name tried in turn, at most */
#define MAX_ADDRS 8

static bool next_server(OspConnection *c, const GError *error);
static void learn_servers(OspConnection *c, const char *list, const char *from);

/* The gateway ends a session again this soon after a reconnect that
 * followed its ending the last one: another login with the same user
 * replaces ours each time (charon's uniqueness policy), and our reconnect
 * replaces it in turn.  Each side's reconnect takes 1-2 s; a gateway's
 * own re-authentication time is minutes or hours. */
#define REPLACED_WITHIN_US (10 * G_USEC_PER_SEC)
/* The old IKE SA's Delete waits a little after a re-authentication: a
 * gateway that handles both at once (charon: one thread each) may delete
 * the old IKE SA before it moved the IPsec SAs to the new one, and with
 * them the tunnel's traffic. */
#define RETIRE_DELAY_MS 2000

/* The only place the connection's state changes. */
static void enter_state(OspConnection *c, OspState next, const GError *reason)
{
  OspState old = c->state;

  if (old == next)
    return;
  g_debug("connection %s: %s -> %s%s%s", c->profile->name ? c->profile->name : c->profile->gateway,
          osp_state_name(old), osp_state_name(next), reason ? ": " : "",
          reason ? reason->message : "");
  c->state = next;
  if (c->cb->state_changed)
    c->cb->state_changed(c, old, next, reason, c->user);
}

static void set_error(OspConnection *c, const GError *error)
{
  g_clear_error(&c->error);
  if (error)
    c->error = g_error_copy(error);
}

void osp_conn_notice(OspConnection *c, const char *format, ...)
{
  g_autofree char *text = NULL;
  va_list ap;

  va_start(ap, format);
  text = g_strdup_vprintf(format, ap);
  va_end(ap);
  g_debug("connection %s: %s", c->profile->name ? c->profile->name : c->profile->gateway, text);
  if (c->cb->notice)
    c->cb->notice(c, text, c->user);
}

/* ---- timers ----------------------------------------------------------- */

static gboolean timer_dispatch(GSource *src, GSourceFunc cb, gpointer data)
{
  return cb(data);
}

static GSourceFuncs timer_funcs = { .dispatch = timer_dispatch };

void osp_conn_rearm(OspConnection *c)
{
  gint64 d;

  if (!c->session || c->session_closed || !c->timer)
    return;
  d = osp_session_next_deadline(c->session);
  if (c->next && !c->next->closed)
    d = MIN(d, osp_session_next_deadline(c->next->session));
  g_source_set_ready_time(c->timer, d == G_MAXINT64 ? -1 : d);
}

static gboolean on_timer(gpointer data)
{
  OspConnection *c = data;

  g_source_set_ready_time(c->timer, -1);
  osp_conn_io_sync(c);
  if (c->session && !c->session_closed)
    osp_session_timeout(c->session, g_get_monotonic_time());
  if (c->next && !c->next->closed)
    osp_session_timeout(c->next->session, g_get_monotonic_time());
  osp_conn_rearm(c);
  return G_SOURCE_CONTINUE;
}

static void session_send(gpointer user, const uint8_t *data, size_t len, bool natt)
{
  osp_conn_io_send_ike(((Link *)user)->c, data, len, natt);
}

static void clear_id(guint *id)
{
  if (*id)
    g_source_remove(*id);
  *id = 0;
}

/* ---- IP configuration ------------------------------------------------- */

/* "Target networks" from the profile replace the gateway's split list. */
static void apply_target_networks(OspConnection *c)
{
  g_autoptr(GArray) nets = NULL;

  /* validated with the profile: a list that does not parse is none */
  if (!c->profile->target_networks || !*c->profile->target_networks ||
      !osp_networks_parse("target-networks", c->profile->target_networks, &nets, NULL))
    return;
  g_array_set_size(c->ipcfg->split_inc, 0);
  g_array_append_vals(c->ipcfg->split_inc, nets->data, nets->len);
}

/* "Local LAN access" (.pcf EnableLocalLAN): the networks we are on now stay
 * outside the tunnel, next to what the gateway excludes.  Read once the
 * tunnel device exists and before its script gives it routes. */
static void apply_local_lan(OspConnection *c)
{
  g_autofree char *routes = NULL;

  if (c->profile->local_lan && g_file_get_contents("/proc/net/route", &routes, NULL, NULL))
    g_debug("local LAN: %u network(s) excluded from the tunnel",
            osp_netcfg_add_local_lan(c->ipcfg->split_exc, routes, c->ipcfg->tundev));
}

static unsigned tunnel_mtu(OspConnection *c, const OspChildSa *sa)
{
  /* outer IPv4 or IPv6 header, UDP, ESP */
  size_t over =
      osp_addr_outer_overhead(&c->peer, sa->udp_encap) + osp_esp_max_overhead(sa->enc, sa->auth);

  if (c->profile->mtu)
    return c->profile->mtu;
  return (unsigned)((1500 - over) & ~3u);
}

/* Before quick mode has chosen the ESP transform: the largest overhead of
 * those we offer (AES-CBC + HMAC-SHA2-512) with UDP encapsulation; the
 * device gets the exact MTU once the IPsec SA is known. */
static unsigned provisional_mtu(OspConnection *c)
{
  OspChildSa worst = { .udp_encap = true,
                       .enc = OSP_ESP_AES_CBC,
                       .auth = OSP_ESP_AUTH_HMAC_SHA512 };

  return tunnel_mtu(c, &worst);
}

static void set_device_mtu(OspConnection *c, unsigned mtu)
{
  struct ifreq ifr = { .ifr_mtu = (int)mtu };

  g_strlcpy(ifr.ifr_name, c->ipcfg->tundev, sizeof(ifr.ifr_name));
  if (ioctl(c->ike_fd, SIOCSIFMTU, &ifr) < 0) {
    g_debug("MTU %u on %s: %s; keeping %u", mtu, c->ipcfg->tundev, g_strerror(errno),
            c->ipcfg->mtu);
    return;
  }
  g_debug("MTU of %s: %u for the negotiated ESP transform", c->ipcfg->tundev, mtu);
  c->ipcfg->mtu = mtu;
}

static gboolean run_script(OspConnection *c, const char *reason, GError **error)
{
  const char *script = c->profile->script ? c->profile->script : OSP_DEFAULT_SCRIPT;

  g_autofree char *repaired = NULL;
  gboolean ok;

  if (c->flags.no_script)
    return TRUE;
  ok = osp_script_run_full(script, reason, c->ipcfg, c->state_dir, &repaired, error);
  if (repaired && c->cb->notice)
    c->cb->notice(c, repaired, c->user);
  return ok;
}

/* ---- the script's steps beside the handshake ----------------------------
 *
 * pre-init runs in a thread of its own from the start of the attempt
 * (beside our DH key pair and phase 1), connect (after the TUN device is
 * made) from the moment Mode Config gave the address, while quick mode
 * goes on; the tunnel comes up once both the IPsec SA and connect are done.  A step
 * that fails ends the attempt (with a Delete once the gateway knows us);
 * release_attempt() waits for a step still running and runs disconnect
 * after a connect, whatever came next. */

typedef struct ScriptJob {
  OspConnection *c; /* NULL once the connection let go of it */
  const char *reason;
  char *script, *state_dir;
  OspIpConfig *cfg;
  GThread *thread;
  gboolean ok;
  GError *error;
  char *repaired;
} ScriptJob;

static void job_free(ScriptJob *j)
{
  g_free(j->script);
  g_free(j->state_dir);
  osp_ip_config_free(j->cfg);
  g_clear_error(&j->error);
  g_free(j->repaired);
  g_free(j);
}

static gboolean on_job_done(gpointer data);

static gpointer job_thread(gpointer data)
{
  ScriptJob *j = data;

  j->ok = osp_script_run_full(j->script, j->reason, j->cfg, j->state_dir, &j->repaired, &j->error);
  g_idle_add_full(G_PRIORITY_HIGH, on_job_done, j, NULL);
  return NULL;
}

static void job_start(OspConnection *c, const char *reason)
{
  ScriptJob *j = g_new0(ScriptJob, 1);

  j->c = c;
  j->reason = reason;
  j->script = g_strdup(c->profile->script ? c->profile->script : OSP_DEFAULT_SCRIPT);
  j->state_dir = g_strdup(c->state_dir);
  j->cfg = c->ipcfg ? osp_ip_config_copy(c->ipcfg) : NULL;
  g_debug("network: %s beside the handshake", reason);
  c->job = j;
  j->thread = g_thread_new("osp-script", job_thread, j);
}

/* Waits for the thread (done or about to be) and takes the step off the
 * connection; true if it succeeded. */
static bool job_collect(OspConnection *c, ScriptJob *j)
{
  c->job = NULL;
  g_thread_join(g_steal_pointer(&j->thread));
  j->c = NULL; /* on_job_done frees it */
  if (j->repaired && c->cb->notice)
    c->cb->notice(c, j->repaired, c->user);
  if (j->ok && strcmp(j->reason, "connect") == 0)
    c->script_connected = true;
  return j->ok;
}

static void net_up(OspConnection *c);
static void finish_up(OspConnection *c);

static gboolean on_job_done(gpointer data)
{
  ScriptJob *j = data;
  OspConnection *c = j->c;

  if (c && !job_collect(c, j)) {
    osp_conn_fail(c, j->error);
  } else if (c && strcmp(j->reason, "connect") == 0) {
    c->net_ready = true;
    finish_up(c);
  } else if (c) {
    c->pre_init_done = true;
    if (c->net_wanted)
      net_up(c);
  }
  job_free(j);
  return G_SOURCE_REMOVE;
}

static void fail_later(OspConnection *c, GError *error);

/* The TUN device, then connect beside quick mode (pre-init done). */
static void net_up(OspConnection *c)
{
  g_autofree char *name = NULL;
  int fd;

  if (c->net_started || c->session_closed)
    return;
  c->net_started = true;
  c->ipcfg->mtu = provisional_mtu(c);
  fd = osp_tun_open(c->profile->ifname, &name);
  if (fd < 0) {
    fail_later(c, g_error_new(OSP_ERROR, OSP_ERROR_FAILED, _("Cannot create the tunnel device: %s"),
                              g_strerror(-fd)));
    return;
  }
  c->tun_fd = fd;
  g_free(c->ipcfg->tundev);
  c->ipcfg->tundev = g_steal_pointer(&name);
  apply_target_networks(c);
  apply_local_lan(c);
  if (c->flags.no_script) {
    c->net_ready = true;
    finish_up(c);
    return;
  }
  job_start(c, "connect");
}

/* A failure found inside a session callback ends the attempt from the main
 * loop right after. */
static gboolean on_fail_later(gpointer data)
{
  OspConnection *c = data;
  g_autoptr(GError) error = g_steal_pointer(&c->step_error);

  c->step_error_id = 0;
  if (!c->session_closed)
    osp_conn_fail(c, error);
  return G_SOURCE_REMOVE;
}

static void fail_later(OspConnection *c, GError *error)
{
  g_clear_error(&c->step_error);
  c->step_error = error;
  if (!c->step_error_id)
    c->step_error_id = g_idle_add_full(G_PRIORITY_HIGH, on_fail_later, c, NULL);
}

static void pre_init_start(OspConnection *c)
{
  if (c->flags.no_script)
    c->pre_init_done = true;
  else
    job_start(c, "pre-init");
}

/* Mode Config gave the address: the network, once pre-init is done. */
static void net_wanted(OspConnection *c)
{
  c->net_wanted = true;
  if (c->pre_init_done)
    net_up(c);
}

/* The IPsec SA and the network are both there: the tunnel is up. */
static void finish_up(OspConnection *c)
{
  if (!c->up_mtu || !c->net_ready || c->session_closed || c->state == OSP_STATE_CONNECTED ||
      c->state == OSP_STATE_DISCONNECTING)
    return;
  if (c->up_mtu != c->ipcfg->mtu)
    set_device_mtu(c, c->up_mtu);
  osp_conn_io_start_tun(c);
  if (c->cb->ip_config)
    c->cb->ip_config(c, c->ipcfg, c->user);
  c->since = g_get_real_time();
  c->up_at = g_get_monotonic_time();
  c->reconnect_attempt = 0;
  c->dh_group_hint = osp_session_dh_group(c->session);
  /* a group chosen by the profile is no news; AUTO learns */
  if (c->profile->dh_group == OSP_DH_AUTO)
    osp_dh_memory_store(c->state_dir, c->profile->gateway, c->profile->group_id, c->dh_group_hint);
  enter_state(c, OSP_STATE_CONNECTED, NULL);
}

static void bring_up(OspConnection *c, const OspChildSa *sa)
{
  c->up_mtu = tunnel_mtu(c, sa);
  if (!c->net_wanted)
    net_wanted(c);
  finish_up(c);
}

/* ---- session callbacks ------------------------------------------------ */

/* The gateway or backup server whose turn it is, as the profile names it */
static const char *server_name(const OspConnection *c)
{
  return c->servers->len ? g_ptr_array_index(c->servers, c->server) : c->profile->gateway;
}

static void session_progress(gpointer user, OspState state)
{
  Link *l = user;
  OspConnection *c = l->c;

  if (l->role != ROLE_CURRENT || c->state == OSP_STATE_CONNECTED ||
      c->state == OSP_STATE_DISCONNECTING)
    return;
  /* the user hears which of the gateways answered, and at which address */
  if (state == OSP_STATE_AUTHENTICATING && c->state == OSP_STATE_CONNECTING && !c->redirected) {
    char text[OSP_ADDR_STRLEN];

    if (c->server > 0)
      osp_conn_notice(c, _("The backup server %s answered."), server_name(c));
    if (c->addr > 0)
      osp_conn_notice(c, _("%s answered at %s, its address %u of %u."), server_name(c),
                      osp_addr_format(&c->peer, text), c->addr + 1, c->addrs->len);
  }
  enter_state(c, state, NULL);
}

static void session_redirected(gpointer user, struct in_addr to)
{
  Link *l = user;
  char text[INET_ADDRSTRLEN];

  if (l->role != ROLE_CURRENT)
    return;
  g_free(l->c->redirect);
  l->c->redirect = g_strdup(inet_ntop(AF_INET, &to, text, sizeof(text)));
}

static void session_secrets(gpointer user, const OspSecretRequest *req)
{
  Link *l = user;
  OspConnection *c = l->c;

  if (c->cb->secrets_needed) {
    c->secrets_link = l;
    c->cb->secrets_needed(c, req, c->user);
    return;
  }
  osp_session_cancel_secrets(l->session, req->id, g_get_monotonic_time());
}

static void session_ip_config(gpointer user, const OspIpConfig *cfg)
{
  Link *l = user;
  OspConnection *c = l->c;

  if (l->role != ROLE_CURRENT) {
    l->address = cfg->address; /* a successor keeps the configuration applied */
    return;
  }
  if (c->net_wanted) /* a second SET: the tunnel is being configured already */
    return;
  osp_ip_config_free(c->ipcfg);
  c->ipcfg = osp_ip_config_copy(cfg);
  learn_servers(c, cfg->backup_servers, "the gateway");
  /* with IPv6, the network waits for its SA pair (bring_up once
   * established): a gateway that refuses it must not leave IPv6 routed
   * into the tunnel */
  if (!osp_ip_config_has_ip6(cfg))
    net_wanted(c);
  if (cfg->banner && g_strcmp0(cfg->banner, c->banner) != 0) {
    g_free(c->banner);
    c->banner = g_strdup(cfg->banner);
    if (c->cb->banner)
      c->cb->banner(c, c->banner, c->user);
  }
}

static void promote(OspConnection *c);
static void retire_later(OspConnection *c, Link *old);

static void session_child_up(gpointer user, const OspChildSa *sa)
{
  Link *l = user;
  OspConnection *c = l->c;

  if (l->role == ROLE_RETIRED || !osp_conn_sa_add(c, l, sa) || sa->inbound_only)
    return;
  if (c->state == OSP_STATE_CONNECTED || l->role == ROLE_NEXT)
    c->rekeys++;
  /* the tunnel comes up once the session is established (session_established):
   * after the IPv6 SA pair too, when there is one */
}

/* The first IPsec SAs are up: the device's MTU from the IPv4 pair, connected. */
static void session_established(gpointer user)
{
  Link *l = user;
  OspConnection *c = l->c;
  OspChildSa first = { 0 };

  if (l->role != ROLE_CURRENT || c->state == OSP_STATE_CONNECTED || c->n_sas == 0)
    return;
  first.udp_encap = c->sas[0].core.udp;
  first.enc = c->sas[0].enc;
  first.auth = c->sas[0].auth;
  bring_up(c, &first);
}

static void session_notice(gpointer user, const char *text)
{
  Link *l = user;

  if (l->role == ROLE_CURRENT)
    osp_conn_notice(l->c, "%s", text);
}

static void session_child_down(gpointer user, uint32_t spi_in)
{
  osp_conn_sa_remove(((Link *)user)->c, spi_in);
}

static void teardown(OspConnection *c);

static void drop_next(OspConnection *c);

static gboolean on_deferred(gpointer data)
{
  OspConnection *c = data;

  g_source_unref(c->deferred_src);
  c->deferred_src = NULL;
  if (c->drop_next_pending)
    drop_next(c);
  if (c->teardown_pending) {
    c->teardown_pending = false;
    teardown(c);
  }
  return G_SOURCE_REMOVE;
}

static void defer(OspConnection *c, bool *what)
{
  *what = true;
  if (c->deferred_src)
    return;
  c->deferred_src = g_idle_source_new();
  g_source_set_priority(c->deferred_src, G_PRIORITY_HIGH);
  g_source_set_callback(c->deferred_src, on_deferred, c, NULL);
  g_source_attach(c->deferred_src, NULL);
}

/* The session must not be freed from inside its own callback: teardown
 * (or, for a successor, drop_next) runs from the main loop right after. */
static void session_closed(gpointer user, const GError *error)
{
  Link *l = user;
  OspConnection *c = l->c;

  l->closed = true;
  if (l->role == ROLE_RETIRED)
    return;
  if (l->role == ROLE_NEXT) {
    osp_conn_notice(c,
                    _("Re-authenticating with the gateway failed: %s; the current IKE SA stays."),
                    error ? error->message : _("stopped"));
    defer(c, &c->drop_next_pending);
    return;
  }
  c->session_closed = true;
  g_clear_error(&c->close_error);
  if (error)
    c->close_error = g_error_copy(error);
  defer(c, &c->teardown_pending);
}

static void session_ike_expiring(gpointer user);
static void session_reauthenticated(gpointer user);

/* While the connection comes up, the user hears about each retry (osprey
 * connect -v, the daemon's StateMessage); later ones (a rekey, DPD) are
 * the engine's business. */
static void session_retrying(gpointer user, const char *text)
{
  Link *l = user;
  OspConnection *c = l->c;

  if (l->role != ROLE_CURRENT || !c->cb->notice)
    return;
  if (c->state == OSP_STATE_CONNECTING || c->state == OSP_STATE_AUTHENTICATING ||
      c->state == OSP_STATE_CONFIGURING || c->state == OSP_STATE_RECONNECTING)
    c->cb->notice(c, text, c->user);
}

static const OspSessionOps session_ops = {
  .send = session_send,
  .progress = session_progress,
  .secrets_needed = session_secrets,
  .ip_config = session_ip_config,
  .child_sa_up = session_child_up,
  .child_sa_down = session_child_down,
  .ike_expiring = session_ike_expiring,
  .reauthenticated = session_reauthenticated,
  .closed = session_closed,
  .retrying = session_retrying,
  .redirected = session_redirected,
  .established = session_established,
  .notice = session_notice,
};

/* ---- sessions and re-authentication ------------------------------------ */

static Link *link_new(OspConnection *c, const OspSessionParams *params, Role role)
{
  Link *l = g_new0(Link, 1);

  l->c = c;
  l->role = role;
  l->session = osp_session_new(c->profile, params, &session_ops, l);
  return l;
}

static void link_free(Link *l)
{
  if (!l)
    return;
  if (l->c->secrets_link == l)
    l->c->secrets_link = NULL;
  osp_session_free(l->session);
  g_free(l);
}

/* What the sockets and the route say about both ends, for a new session. */
static void session_params(OspConnection *c, OspSessionParams *params)
{
  OspAddr bound;
  socklen_t ll;

  memset(params, 0, sizeof(*params));
  /* the address the route leaves from, the ports as bound */
  params->local = c->local;
  ll = sizeof(bound);
  if (getsockname(c->ike_fd, &bound.sa, &ll) == 0)
    osp_addr_set_port(&params->local, osp_addr_port(&bound));
  ll = sizeof(bound);
  if (getsockname(c->natt_fd, &bound.sa, &ll) == 0)
    params->natt_port = osp_addr_port(&bound);
  params->peer = c->peer;
  params->dh_group_hint = c->dh_group_hint ? c->dh_group_hint
                                           : osp_dh_memory_recall(c->state_dir, c->profile->gateway,
                                                                  c->profile->group_id);
}

static void drop_next(OspConnection *c)
{
  c->drop_next_pending = false;
  link_free(g_steal_pointer(&c->next));
}

/* The IKE SA is about to expire (or the gateway deleted it): authenticate a
 * new one beside it, with the credentials kept for this connection (or
 * asked again); the tunnel, its routes and DNS stay as they are. */
static void session_ike_expiring(gpointer user)
{
  Link *l = user;
  OspConnection *c = l->c;
  OspSessionParams params;

  if (l->role != ROLE_CURRENT || c->next || c->state != OSP_STATE_CONNECTED)
    return;
  osp_conn_notice(c, _("Re-authenticating with the gateway (new IKE SA)."));
  session_params(c, &params);
  params.reauth = true;
  c->next = link_new(c, &params, ROLE_NEXT);
  osp_session_start(c->next->session, g_get_monotonic_time());
}

/* The successor is authenticated: it takes over the IPsec SAs (the
 * gateway does the same: IPsec SAs outlive their IKE SA in IKEv1) and
 * becomes the current session; the old IKE SA is deleted. */
static void promote(OspConnection *c)
{
  Link *old = c->link;

  if (c->ipcfg && c->next->address.s_addr && c->next->address.s_addr != c->ipcfg->address.s_addr)
    osp_conn_notice(c, _("The gateway gave the new IKE SA another address; keeping the one "
                         "configured."));
  c->link = g_steal_pointer(&c->next);
  c->link->role = ROLE_CURRENT;
  c->session = c->link->session;
  c->session_closed = c->link->closed;
  old->role = ROLE_RETIRED;
  osp_session_adopt_children(c->session, old->session);
  osp_conn_sa_reown(c, old, c->link);
  retire_later(c, old);
  osp_conn_notice(c, _("Re-authenticated with the gateway: the new IKE SA carries on."));
}

static void session_reauthenticated(gpointer user)
{
  Link *l = user;

  if (l->role == ROLE_NEXT && l->c->state == OSP_STATE_CONNECTED)
    promote(l->c);
}

/* ---- lifecycle -------------------------------------------------------- */

OspConnection *osp_connection_new(const OspProfile *profile, const OspConnectionFlags *flags,
                                  const OspConnectionCallbacks *cb, gpointer user_data)
{
  OspConnection *c = g_new0(OspConnection, 1);

  c->profile = osp_profile_copy(profile);
  if (flags)
    c->flags = *flags;
  c->state_dir = g_strdup(c->flags.state_dir);
  c->flags.state_dir = c->state_dir;
  c->cb = cb;
  c->user = user_data;
  c->ike_fd = c->natt_fd = c->esp_fd = c->tun_fd = c->nl_fd = -1;
  c->servers = g_ptr_array_new_with_free_func(g_free);
  c->addrs = g_array_new(FALSE, TRUE, sizeof(OspAddr));
  if (c->profile->gateway)
    g_ptr_array_add(c->servers, g_strdup(c->profile->gateway));
  learn_servers(c, c->profile->backup_servers, "the profile");
  c->buf = g_malloc(PKT_BUF);
  return c;
}

/* Failures that stop reconnecting: trying again cannot mend them.  A
 * refusal of our proposals is not one: they worked before, so it comes
 * from a gateway that just restarted (charon answers NO-PROPOSAL-CHOSEN
 * until its configuration is loaded) or is a forged notify in the clear. */
static bool is_final(int code)
{
  switch (code) {
  case OSP_ERROR_CONFIG:
  case OSP_ERROR_BAD_GROUP_SECRET:
  case OSP_ERROR_BAD_CREDENTIALS:
  case OSP_ERROR_WEAK_PROPOSAL:
  case OSP_ERROR_SECRETS_REQUIRED:
  case OSP_ERROR_CANCELLED:
  case OSP_ERROR_SCRIPT: return true;
  default: return false;
  }
}

static gboolean begin(OspConnection *c, GError **error);

static gboolean on_reconnect(gpointer data)
{
  OspConnection *c = data;
  g_autoptr(GError) error = NULL;

  c->reconnect_id = 0;
  if (!begin(c, &error)) {
    set_error(c, error);
    enter_state(c, OSP_STATE_FAILED, error);
  }
  return G_SOURCE_REMOVE;
}

/* Deletes the IKE SA a successor replaced (only its Delete goes out: its
 * IPsec SAs moved on). */
static void retire_now(OspConnection *c)
{
  Link *old = g_steal_pointer(&c->retired);

  clear_id(&c->retire_id);
  if (!old)
    return;
  if (!old->closed)
    osp_session_delete(old->session);
  link_free(old);
}

static gboolean on_retire(gpointer data)
{
  OspConnection *c = data;

  c->retire_id = 0;
  retire_now(c);
  return G_SOURCE_REMOVE;
}

static void retire_later(OspConnection *c, Link *old)
{
  retire_now(c);
  c->retired = old;
  c->retire_id = g_timeout_add(RETIRE_DELAY_MS, on_retire, c);
}

/* Releases everything of the current attempt: the script's network
 * configuration, sockets, TUN device, SAs, timers and sessions. */
static void release_attempt(OspConnection *c)
{
  g_autoptr(GError) script_error = NULL;

  retire_now(c); /* while the sockets are open */
  if (c->job)
    job_collect(c, c->job);
  clear_id(&c->step_error_id);
  g_clear_error(&c->step_error);
  if (c->script_connected && !run_script(c, "disconnect", &script_error))
    osp_conn_notice(c, "%s", script_error->message);
  c->script_connected = false;
  c->pre_init_done = c->net_wanted = c->net_started = c->net_ready = false;
  c->up_mtu = 0;
  osp_conn_io_close(c);
  osp_conn_sa_clear(c);
  osp_conn_unwatch(&c->timer);
  clear_id(&c->keepalive_id);
  osp_conn_watch_network(c, false);
  drop_next(c);
  link_free(g_steal_pointer(&c->link));
  c->session = NULL;
  c->session_closed = false;
  c->since = 0;
}

/* The gateway ended an established session (OSP_ERROR_DISCONNECTED).
 * True when reconnecting would fight another login with the same user:
 * the session before was ended the same way and this one only just came
 * up.  Then *error says so. */
static bool replaced_again(OspConnection *c, GError **error)
{
  bool again = c->gateway_ended && g_get_monotonic_time() - c->up_at < REPLACED_WITHIN_US;

  c->gateway_ended = !again;
  if (!again)
    return false;
  g_clear_error(error);
  *error = g_error_new(OSP_ERROR, OSP_ERROR_DISCONNECTED,
                       _("The gateway ended this session again right after reconnecting: another "
                         "login with the same user replaced it. Not reconnecting."));
  return true;
}

/* Ends the current attempt; then DISCONNECTED, FAILED or RECONNECTING. */
static void teardown(OspConnection *c)
{
  g_autoptr(GError) error = g_steal_pointer(&c->close_error);
  bool was_up = c->state == OSP_STATE_CONNECTED || c->state == OSP_STATE_DISCONNECTING;
  bool user_ended = c->state == OSP_STATE_DISCONNECTING;

  release_attempt(c);

  if (!error || user_ended) {
    enter_state(c, OSP_STATE_DISCONNECTED, NULL);
    return;
  }
  if (!was_up && next_server(c, error))
    return;
  if (was_up && error->code == OSP_ERROR_DISCONNECTED && replaced_again(c, &error)) {
    set_error(c, error);
    enter_state(c, OSP_STATE_FAILED, error);
    return;
  }
  if (was_up && error->code != OSP_ERROR_DISCONNECTED)
    c->gateway_ended = false;
  set_error(c, error);
  if (!was_up && !c->handshake_retried && error->code == OSP_ERROR_GATEWAY_UNREACHABLE &&
      (c->state == OSP_STATE_AUTHENTICATING || c->state == OSP_STATE_CONFIGURING)) {
    /* the gateway answered phase 1, then an exchange got lost for good
     * (a lossy path): start over once before giving up */
    osp_conn_notice(c, _("%s Starting over."), error->message);
    c->handshake_retried = true;
    c->reconnect_id = g_timeout_add(500, on_reconnect, c);
    return;
  }
  if (c->flags.reconnect && !is_final(error->code) && (was_up || c->reconnect_attempt > 0)) {
    gint64 now = g_get_monotonic_time(), ms;
    unsigned delay;

    if (c->reconnect_attempt == 0)
      c->lost_at = now;
    delay = MIN(1u << MIN(c->reconnect_attempt, 6u),
                now - c->lost_at < RECONNECT_FAST_FOR_US ? RECONNECT_FAST_S : RECONNECT_MAX_S);
    ms = delay * 1000 + g_random_int_range(0, (gint32)delay * 250 + 1);
    ms = MAX(ms - (now - c->attempt_at) / 1000, RECONNECT_MIN_MS);
    c->reconnect_attempt++;
    /* each round of attempts starts with the gateway, then its backups */
    c->server = 0;
    g_clear_pointer(&c->redirected, g_free);
    enter_state(c, OSP_STATE_RECONNECTING, error);
    c->reconnect_id = g_timeout_add((guint)ms, on_reconnect, c);
    return;
  }
  enter_state(c, OSP_STATE_FAILED, error);
}

void osp_conn_fail(OspConnection *c, const GError *error)
{
  if (c->session && !c->session_closed) {
    if (c->state == OSP_STATE_CONNECTED || c->state == OSP_STATE_CONFIGURING)
      osp_session_delete(c->session); /* tell the gateway; closed(NULL) follows */
  }
  if (c->link)
    session_closed(c->link, error);
}

static void resolved(GObject *src, GAsyncResult *res, gpointer data);

/* The gateway this attempt goes to: where LOAD-BALANCE sent it, else the
 * profile's gateway or the backup server whose turn it is. */
static const char *attempt_host(OspConnection *c)
{
  if (c->redirect) {
    g_free(c->redirected);
    c->redirected = g_steal_pointer(&c->redirect);
  }
  if (c->redirected)
    return c->redirected;
  return server_name(c);
}

/* Starts a session with the gateway at `a` (its IKE port set here). */
static gboolean begin_at(OspConnection *c, const OspAddr *a, GError **error)
{
  OspSessionParams params;
  char text[OSP_ADDR_STRLEN];

  /* the session names the gateway by the address it talks to */
  g_free(c->profile->gateway);
  c->profile->gateway = g_strdup(osp_addr_format(a, text));
  c->peer = *a;
  osp_addr_set_port(&c->peer, 500);
  g_free(c->gateway_str);
  c->gateway_str = g_strdup(c->profile->gateway);
  if (!osp_conn_io_open(c, error))
    return FALSE;
  /* the local address the route to the gateway uses (for NAT-D, and
   * to notice when the network changes) */
  c->local = osp_conn_route_source(&c->peer);
  osp_conn_watch_network(c, true);
  session_params(c, &params);
  c->link = link_new(c, &params, ROLE_CURRENT);
  c->session = c->link->session;
  c->timer = g_source_new(&timer_funcs, sizeof(GSource));
  g_source_set_callback(c->timer, on_timer, c, NULL);
  g_source_attach(c->timer, NULL);
  osp_conn_io_start_keepalive(c);
  enter_state(c, OSP_STATE_CONNECTING, NULL);
  pre_init_start(c); /* beside our DH key pair and phase 1 */
  osp_session_start(c->session, g_get_monotonic_time());
  osp_conn_rearm(c);
  return TRUE;
}

static gboolean begin(OspConnection *c, GError **error)
{
  const char *host = attempt_host(c);
  OspAddr a;

  c->attempt_at = g_get_monotonic_time();
  g_array_set_size(c->addrs, 0);
  c->addr = 0;
  if (osp_addr_parse(host, 500, &a)) {
    g_array_append_val(c->addrs, a);
    return begin_at(c, &a, error);
  }
  /* a host name: resolve first, without blocking the main loop */
  enter_state(c, OSP_STATE_CONNECTING, NULL);
  g_clear_object(&c->resolve_cancel);
  c->resolve_cancel = g_cancellable_new();
  g_resolver_lookup_by_name_with_flags_async(g_resolver_get_default(), host,
                                             G_RESOLVER_NAME_LOOKUP_FLAGS_DEFAULT,
                                             c->resolve_cancel, resolved, c);
  return TRUE;
}

/* An error message without its final period, to go on with */
static char *without_period(const char *message)
{
  char *why = g_strchomp(g_strdup(message));

  if (g_str_has_suffix(why, "."))
    why[strlen(why) - 1] = 0;
  return why;
}

/* This attempt got no answer, its gateway's name did not resolve, or the
 * gateway sent it elsewhere: the same name's next address, else the next
 * gateway, at once, saying why.  False when there is none left to try. */
static bool next_server(OspConnection *c, const GError *error)
{
  g_autoptr(GError) e = NULL;
  g_autofree char *why = NULL;
  bool unreachable =
      error->code == OSP_ERROR_GATEWAY_UNREACHABLE && c->state == OSP_STATE_CONNECTING;
  gboolean ok;

  if (c->redirect && c->redirects < MAX_REDIRECTS) {
    c->redirects++;
    osp_conn_notice(c, "%s", error->message);
    ok = begin(c, &e);
  } else if (unreachable && c->addr + 1 < c->addrs->len) {
    /* the order is the resolver's (RFC 6724: IPv6 before IPv4 as a rule) */
    const OspAddr *a = &g_array_index(c->addrs, OspAddr, ++c->addr);
    char text[OSP_ADDR_STRLEN];

    why = without_period(error->message);
    osp_conn_notice(c, _("%s. Trying %s at its next address %s."), why, server_name(c),
                    osp_addr_format(a, text));
    c->attempt_at = g_get_monotonic_time();
    ok = begin_at(c, a, &e);
  } else if (unreachable && c->server + 1 < c->servers->len) {
    g_clear_pointer(&c->redirect, g_free);
    g_clear_pointer(&c->redirected, g_free);
    why = without_period(error->message);
    c->server++;
    osp_conn_notice(c, _("%s. Trying the backup server %s."), why, server_name(c));
    ok = begin(c, &e);
  } else {
    return false;
  }
  if (!ok) {
    set_error(c, e);
    enter_state(c, OSP_STATE_FAILED, e);
  }
  return true;
}

/* Backup servers: the profile's, then those the gateway names (Unity
 * BACKUP_SERVERS), for this connection's later attempts; once each. */
static void learn_servers(OspConnection *c, const char *list, const char *from)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *canon = NULL;
  g_auto(GStrv) names = NULL;

  if (!list || !*list)
    return;
  if (!osp_profile_canonical_servers("BACKUP_SERVERS", list, &canon, &error)) {
    g_debug("backup servers from %s ignored: %s", from, error->message);
    return;
  }
  names = g_strsplit(canon ? canon : "", " ", -1);
  for (char **n = names; *n && c->servers->len < 2 * OSP_PROFILE_MAX_SERVERS; n++) {
    guint i;

    for (i = 0; i < c->servers->len; i++)
      if (g_ascii_strcasecmp(g_ptr_array_index(c->servers, i), *n) == 0)
        break;
    if (i == c->servers->len) {
      g_debug("backup server %s (from %s)", *n, from);
      g_ptr_array_add(c->servers, g_strdup(*n));
    }
  }
}

static void resolved(GObject *src, GAsyncResult *res, gpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autolist(GInetAddress) addrs =
      g_resolver_lookup_by_name_with_flags_finish(G_RESOLVER(src), res, &error);
  OspConnection *c;

  if (g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  c = data;
  if (!addrs) {
    g_autoptr(GError) e =
        g_error_new(OSP_ERROR, OSP_ERROR_GATEWAY_UNREACHABLE,
                    _("Cannot resolve the gateway %s: %s"), attempt_host(c), error->message);
    if (next_server(c, e))
      return;
    set_error(c, e);
    enter_state(c, OSP_STATE_FAILED, e);
    return;
  }
  /* A and AAAA records as getaddrinfo() sorted them (RFC 6724), each
   * tried in turn by next_server() when one gives no answer */
  for (GList *l = addrs; l && c->addrs->len < MAX_ADDRS; l = l->next) {
    g_autofree char *ip = g_inet_address_to_string(l->data);
    OspAddr a;

    if (osp_addr_parse(ip, 500, &a))
      g_array_append_val(c->addrs, a);
    g_debug("%s: address %s", attempt_host(c), ip);
  }
  if (c->addrs->len && begin_at(c, &g_array_index(c->addrs, OspAddr, 0), &error))
    return;
  if (!error)
    error = g_error_new(OSP_ERROR, OSP_ERROR_GATEWAY_UNREACHABLE,
                        _("Cannot resolve the gateway %s: %s"), attempt_host(c),
                        g_strerror(EAFNOSUPPORT));
  set_error(c, error);
  enter_state(c, OSP_STATE_FAILED, error);
}

gboolean osp_connection_start(OspConnection *c, GError **error)
{
  if (c->state != OSP_STATE_DISCONNECTED && c->state != OSP_STATE_FAILED) {
    g_set_error(error, OSP_ERROR, OSP_ERROR_FAILED, _("The connection is already active."));
    return FALSE;
  }
  if (!osp_profile_validate(c->profile, error))
    return FALSE;
  g_clear_error(&c->error);
  c->reconnect_attempt = 0;
  c->server = 0;
  c->redirects = 0;
  g_clear_pointer(&c->redirect, g_free);
  g_clear_pointer(&c->redirected, g_free);
  c->handshake_retried = false;
  c->gateway_ended = false;
  return begin(c, error);
}

/* Reusable secrets (not one-time passcodes) stay for the next session of
 * this connection (reconnect, re-authentication) when the profile allows. */
static void keep_secret(char **field, const char *value)
{
  if (!value)
    return;
  osp_str_wipe_free(*field);
  *field = g_strdup(value);
}

/* The session that asked, if it still runs. */
static OspSession *asking_session(OspConnection *c)
{
  Link *l = c->secrets_link;

  if (!l || l->closed || (l != c->link && l != c->next))
    return NULL;
  return l->session;
}

void osp_connection_provide_secrets(OspConnection *c, guint request_id,
                                    const char *const values[OSP_SECRET_N_KINDS])
{
  OspSession *s = asking_session(c);

  if (!s)
    return;
  for (OspSecretKind k = 0; c->profile->keep_credentials && k < OSP_SECRET_N_KINDS; k++)
    if (osp_profile_secret_field(c->profile, k))
      keep_secret(osp_profile_secret_field(c->profile, k), values[k]);
  osp_session_provide_secrets(s, request_id, values, g_get_monotonic_time());
  osp_conn_rearm(c);
}

void osp_connection_cancel_secrets(OspConnection *c, guint request_id)
{
  OspSession *s = asking_session(c);

  if (s)
    osp_session_cancel_secrets(s, request_id, g_get_monotonic_time());
}

void osp_connection_disconnect(OspConnection *c)
{
  if (c->reconnect_id) {
    g_source_remove(c->reconnect_id);
    c->reconnect_id = 0;
  }
  if (c->resolve_cancel)
    g_cancellable_cancel(c->resolve_cancel);
  if (!c->session) {
    enter_state(c, OSP_STATE_DISCONNECTED, NULL);
    return;
  }
  if (c->state == OSP_STATE_DISCONNECTING)
    return;
  enter_state(c, OSP_STATE_DISCONNECTING, NULL);
  if (c->next && !c->next->closed)
    osp_session_delete(c->next->session);
  if (!c->session_closed)
    osp_session_delete(c->session);
}

void osp_connection_free(OspConnection *c)
{
  if (!c)
    return;
  clear_id(&c->reconnect_id);
  if (c->resolve_cancel)
    g_cancellable_cancel(c->resolve_cancel);
  g_clear_object(&c->resolve_cancel);
  osp_conn_unwatch(&c->deferred_src);
  release_attempt(c);
  osp_ip_config_free(c->ipcfg);
  g_clear_error(&c->error);
  g_clear_error(&c->close_error);
  g_free(c->banner);
  g_free(c->gateway_str);
  g_ptr_array_unref(c->servers);
  g_array_unref(c->addrs);
  g_free(c->redirect);
  g_free(c->redirected);
  g_free(c->state_dir);
  g_free(c->buf);
  osp_profile_free(c->profile);
  g_free(c);
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
  return c->state == OSP_STATE_CONNECTED ? c->ipcfg : NULL;
}
const char *osp_connection_get_banner(const OspConnection *c)
{
  return c->banner;
}
const char *osp_connection_get_gateway(const OspConnection *c)
{
  return c->gateway_str;
}
gint64 osp_connection_get_since(const OspConnection *c)
{
  return c->since;
}
