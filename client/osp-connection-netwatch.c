/* SPDX-License-Identifier: GPL-2.0-or-later
 * Osprey — what a connection watches of its environment while a session
 * runs: the local address the route towards the gateway leaves from, and
 * rtnetlink's address, route and link changes that may move it. */
#define _GNU_SOURCE /* struct mmsghdr in osp-connection-private.h */
#include "osp-connection-private.h"
#include "osp-error.h"

#include <arpa/inet.h>
#include <errno.h>
#include <glib/gi18n-lib.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

OspAddr osp_conn_route_source(const OspAddr *peer)
{
  OspAddr local, none;
  socklen_t ll = sizeof(local);
  int fd = socket(peer->sa.sa_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);

  memset(&none, 0, sizeof(none));
  none.sa.sa_family = peer->sa.sa_family;
  if (fd < 0 || connect(fd, &peer->sa, osp_addr_len(peer)) < 0 ||
      getsockname(fd, &local.sa, &ll) < 0 || local.sa.sa_family != peer->sa.sa_family)
    local = none;
  if (fd >= 0)
    close(fd);
  osp_addr_set_port(&local, 0);
  return local;
}

/* IKEv1 cannot move an IKE SA to another address: when the way to the
 * gateway leaves from another address (or no longer exists), the tunnel is
 * torn down (script "disconnect": no route or DNS into a dead tunnel) and,
 * with reconnect, built again at once. */
static gboolean on_netcheck(gpointer data)
{
  OspConnection *c = data;
  OspAddr now = osp_conn_route_source(&c->peer);
  char was_s[OSP_ADDR_STRLEN], now_s[OSP_ADDR_STRLEN];
  g_autoptr(GError) e = NULL;

  c->netcheck_id = 0;
  if (!c->session || c->session_closed || osp_addr_same_host(&now, &c->local))
    return G_SOURCE_REMOVE;
  osp_addr_format(&c->local, was_s);
  osp_addr_format(&now, now_s);
  if (!osp_addr_is_unspecified(&now))
    e = g_error_new(OSP_ERROR, OSP_ERROR_NETWORK_CHANGED,
                    _("The network changed: the way to the gateway now leaves from %s "
                      "instead of %s."),
                    now_s, was_s);
  else
    e = g_error_new(OSP_ERROR, OSP_ERROR_NETWORK_CHANGED,
                    _("The network changed: there is no route to the gateway any more."));
  c->reconnect_attempt = 0; /* not the gateway's fault: try again at once */
  osp_conn_fail(c, e);
  return G_SOURCE_REMOVE;
}

/* Any address, route or link change: drain the notifications and look
 * again shortly (they come in bursts). */
static gboolean on_netlink(gint fd, GIOCondition cond, gpointer data)
{
  OspConnection *c = data;
  uint8_t buf[8192];

  while (recv(fd, buf, sizeof(buf), MSG_DONTWAIT) > 0)
    ;
  if (!c->netcheck_id)
    c->netcheck_id = g_timeout_add(300, on_netcheck, c);
  return G_SOURCE_CONTINUE;
}

/* rtnetlink directly rather than GNetworkMonitor: no GIO modules loaded,
 * nothing watched when no session runs. */
void osp_conn_watch_network(OspConnection *c, bool on)
{
  /* the changes of the gateway's address family only */
  struct sockaddr_nl sa = { .nl_family = AF_NETLINK,
                            .nl_groups =
                                osp_addr_is_ipv6(&c->peer)
                                    ? RTMGRP_LINK | RTMGRP_IPV6_IFADDR | RTMGRP_IPV6_ROUTE
                                    : RTMGRP_LINK | RTMGRP_IPV4_IFADDR | RTMGRP_IPV4_ROUTE };

  if (on && c->nl_fd < 0) {
    c->nl_fd = socket(AF_NETLINK, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, NETLINK_ROUTE);
    if (c->nl_fd >= 0 && bind(c->nl_fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
      osp_conn_close_fd(&c->nl_fd);
    if (c->nl_fd >= 0)
      c->nl_src = osp_conn_watch_fd(c->nl_fd, on_netlink, c);
    else
      g_debug("no rtnetlink socket (%s): network changes go unnoticed", g_strerror(errno));
  }
  if (!on) {
    osp_conn_unwatch(&c->nl_src);
    osp_conn_close_fd(&c->nl_fd);
    if (c->netcheck_id)
      g_source_remove(c->netcheck_id);
    c->netcheck_id = 0;
  }
}
