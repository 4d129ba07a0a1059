/* SPDX-License-Identifier: GPL-2.0-or-later
 * Osprey — routes of a tunnel and their conflicts (osp-route-conflict.h). */
#include "osp-route-conflict.h"

#include <arpa/inet.h>
#include <glib/gi18n-lib.h>

static void add_net(OspTunnelRoutes *r, const OspSplitNet *n)
{
  int prefix = osp_netmask_len(n->mask);

  if (prefix < 0) /* a gateway's non-contiguous mask routes nothing we can compare */
    return;
  if (prefix == 0)
    r->full = true;
  g_array_append_val(r->nets, *n);
}

void osp_tunnel_routes_of(const OspProfile *p, const OspIpConfig *cfg, OspTunnelRoutes *ret)
{
  g_autoptr(GArray) targets = NULL;

  ret->known = false;
  ret->full = false;
  ret->nets = g_array_new(FALSE, TRUE, sizeof(OspSplitNet));
  if (p->no_split) {
    ret->known = ret->full = true;
    return;
  }
  if (p->target_networks && *p->target_networks) {
    /* validated with the profile: a list that does not parse routes nothing */
    if (osp_networks_parse("target-networks", p->target_networks, &targets, NULL))
      for (guint i = 0; i < targets->len; i++)
        add_net(ret, &g_array_index(targets, OspSplitNet, i));
    ret->known = true;
    return;
  }
  if (!cfg)
    return;
  ret->known = true;
  if (!cfg->split_inc || cfg->split_inc->len == 0) {
    ret->full = true;
    return;
  }
  for (guint i = 0; i < cfg->split_inc->len; i++)
    add_net(ret, &g_array_index(cfg->split_inc, OspSplitNet, i));
}

void osp_tunnel_routes_clear(OspTunnelRoutes *r)
{
  g_clear_pointer(&r->nets, g_array_unref);
}

bool osp_tunnel_routes_conflict(const OspTunnelRoutes *a, const OspTunnelRoutes *b, char **ret_why)
{
  if (!a->known || !b->known)
    return false;
  if (a->full && b->full) {
    if (ret_why)
      *ret_why = g_strdup(_("both route all traffic (full tunnel)"));
    return true;
  }
  if (a->full || b->full)
    return false;
  for (guint i = 0; i < a->nets->len; i++)
    for (guint j = 0; j < b->nets->len; j++) {
      const OspSplitNet *x = &g_array_index(a->nets, OspSplitNet, i);
      const OspSplitNet *y = &g_array_index(b->nets, OspSplitNet, j);
      int xp = osp_netmask_len(x->mask), yp = osp_netmask_len(y->mask);
      /* the shorter prefix: one network contains the other */
      uint32_t mask = ntohl(xp < yp ? x->mask.s_addr : y->mask.s_addr);
      char xs[INET_ADDRSTRLEN], ys[INET_ADDRSTRLEN];

      if ((ntohl(x->addr.s_addr) & mask) != (ntohl(y->addr.s_addr) & mask))
        continue;
      if (ret_why) {
        inet_ntop(AF_INET, &x->addr, xs, sizeof(xs));
        inet_ntop(AF_INET, &y->addr, ys, sizeof(ys));
        *ret_why = g_strdup_printf(_("%s/%d overlaps %s/%d"), xs, xp, ys, yp);
      }
      return true;
    }
  return false;
}
