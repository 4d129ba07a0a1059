/* SPDX-License-Identifier: GPL-2.0-or-later
 * Osprey — what a connection routes into its tunnel, and whether two
 * connections' routes conflict (ospreyd refuses a second connection that
 * would take the first one's traffic, or its default route and DNS). */
#pragma once

#include "osp-netcfg.h"
#include "osp-profile.h"

G_BEGIN_DECLS

typedef struct {
  bool known;   /* decided: by the profile, or by the gateway's configuration */
  bool full;    /* all traffic (no-split, a default route, no split list) */
  GArray *nets; /* of OspSplitNet: the split networks */
} OspTunnelRoutes;

/* The routes of a connection with profile p: the profile decides when it
 * says no-split or lists target-networks, else the gateway's split
 * networks once its configuration (cfg, may be NULL) came; before that
 * they are not known.  Clear with osp_tunnel_routes_clear(). */
void osp_tunnel_routes_of(const OspProfile *p, const OspIpConfig *cfg, OspTunnelRoutes *ret);
void osp_tunnel_routes_clear(OspTunnelRoutes *r);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(OspTunnelRoutes, osp_tunnel_routes_clear)

/* Two full tunnels conflict (default route and DNS); a split tunnel beside
 * a full one does not (its routes are more specific); two split tunnels
 * conflict when a network of one overlaps a network of the other.  Routes
 * not known yet conflict with nothing.  On a conflict, *ret_why (may be
 * NULL) gets a sentence saying which (translated; free it). */
bool osp_tunnel_routes_conflict(const OspTunnelRoutes *a, const OspTunnelRoutes *b, char **ret_why);

G_END_DECLS
