/* SPDX-License-Identifier: GPL-2.0-or-later
 * Unit tests for the routes of a tunnel: the one parser of network lists
 * (osp_networks_parse, client/osp-netcfg.h) and the conflicts ospreyd
 * refuses between two connections (client/osp-route-conflict.h).  Each
 * table row is numbered in the failure message. */
#include "osp-error.h"
#include "osp-route-conflict.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

static const struct {
  const char *text;
  const char *canonical; /* NULL: an error; "" : an empty list */
} parse_cases[] = {
  /*  1 */ { "", "" },
  /*  2 */ { " , \t", "" },
  /*  3 */ { "192.0.2.0/24", "192.0.2.0/24" },
  /*  4 */ { "192.0.2.7", "192.0.2.7/32" },
  /*  5 */ { "192.0.2.77/24", "192.0.2.0/24" },                 /* host bits cleared */
  /*  6 */ { "198.51.100.0/255.255.255.0", "198.51.100.0/24" }, /* vpnc's netmask form */
  /*  7 */ { "198.18.0.0/15,203.0.113.0/24", "198.18.0.0/15 203.0.113.0/24" },
  /*  8 */ { "198.18.0.0/15\t 203.0.113.9", "198.18.0.0/15 203.0.113.9/32" },
  /*  9 */ { "0.0.0.0/0", "0.0.0.0/0" },
  /* 10 */ { "0.0.0.0/0.0.0.0", "0.0.0.0/0" },
  /* 11 */ { "192.0.2.0/33", NULL },
  /* 12 */ { "192.0.2.0/-1", NULL },
  /* 13 */ { "192.0.2.0/255.0.255.0", NULL }, /* not contiguous */
  /* 14 */ { "192.0.2", NULL },
  /* 15 */ { "192.0.2.0/24 garbage", NULL },
  /* 16 */ { "2001:db8::/32", NULL }, /* IPv4 only */
  /* 17 */ { "192.0.2.0/", NULL },
};

static void test_parse(void)
{
  for (size_t i = 0; i < G_N_ELEMENTS(parse_cases); i++) {
    g_autoptr(GArray) nets = NULL;
    g_autoptr(GError) error = NULL;
    g_autofree char *got = NULL;
    gboolean ok = osp_networks_parse("Target networks", parse_cases[i].text, &nets, &error);

    if (!parse_cases[i].canonical) {
      if (ok)
        g_error("parse case %zu (%s): accepted", i + 1, parse_cases[i].text);
      g_assert_error(error, OSP_ERROR, OSP_ERROR_CONFIG);
      g_assert_nonnull(strstr(error->message, "Target networks"));
      g_assert_null(nets);
      continue;
    }
    if (!ok)
      g_error("parse case %zu (%s): %s", i + 1, parse_cases[i].text, error->message);
    got = osp_networks_format(nets);
    if (g_strcmp0(got ? got : "", parse_cases[i].canonical) != 0)
      g_error("parse case %zu (%s): \"%s\", expected \"%s\"", i + 1, parse_cases[i].text,
              got ? got : "", parse_cases[i].canonical);
  }
}

/* One side of a conflict check: the profile's say (no-split, target
 * networks) and what the gateway sent ("-": no configuration yet, "":
 * no split list, i.e. a full tunnel, else its split networks). */
typedef struct {
  bool no_split;
  const char *targets;
  const char *gateway;
} Side;

static const struct {
  Side a, b;
  const char *why; /* NULL: no conflict; else a part of the reason */
} conflict_cases[] = {
  /*  1: two full tunnels (the gateway's) */
  { { false, NULL, "" }, { false, NULL, "" }, "full tunnel" },
  /*  2: no-split beside a gateway full tunnel */
  { { true, NULL, "-" }, { false, NULL, "" }, "full tunnel" },
  /*  3: a default route in target networks is a full tunnel */
  { { false, "0.0.0.0/0", "-" }, { true, NULL, "-" }, "full tunnel" },
  /*  4: a split tunnel beside a full one */
  { { false, NULL, "" }, { false, NULL, "198.51.100.0/24" }, NULL },
  /*  5: two disjoint split tunnels */
  { { false, NULL, "198.51.100.0/24" }, { false, NULL, "203.0.113.0/24" }, NULL },
  /*  6: the same network */
  { { false, NULL, "198.51.100.0/24" },
    { false, NULL, "203.0.113.0/24 198.51.100.0/24" },
    "198.51.100.0/24 overlaps 198.51.100.0/24" },
  /*  7: one inside the other */
  { { false, "198.18.0.0/15", "-" },
    { false, NULL, "198.19.4.0/24" },
    "198.18.0.0/15 overlaps 198.19.4.0/24" },
  /*  8: neighbours do not overlap */
  { { false, "198.18.0.0/16", "-" }, { false, NULL, "198.19.0.0/16" }, NULL },
  /*  9: the other's routes are not known yet: no conflict now */
  { { false, NULL, "" }, { false, NULL, "-" }, NULL },
  /* 10: the profile's target networks win over the gateway's list */
  { { false, "192.0.2.0/24", "" }, { false, NULL, "" }, NULL },
  /* 11: ... and no-split over its split list */
  { { true, NULL, "192.0.2.0/24" }, { false, NULL, "" }, "full tunnel" },
  /* 12: a host route inside the other's network */
  { { false, "203.0.113.9", "-" },
    { false, NULL, "203.0.113.0/24" },
    "203.0.113.9/32 overlaps 203.0.113.0/24" },
  /* 13: a gateway network with host bits set still overlaps */
  { { false, NULL, "203.0.113.77/24" },
    { false, "203.0.113.128/25", "-" },
    "203.0.113.77/24 overlaps 203.0.113.128/25" },
};

static void side_routes(const Side *s, OspTunnelRoutes *ret)
{
  g_autoptr(OspProfile) p = osp_profile_new();
  g_autoptr(OspIpConfig) cfg = NULL;

  p->no_split = s->no_split;
  p->target_networks = g_strdup(s->targets);
  if (strcmp(s->gateway, "-") != 0) {
    g_auto(GStrv) nets = g_strsplit(s->gateway, " ", -1);

    cfg = osp_ip_config_new();
    for (char **n = nets; *n && **n; n++) {
      OspSplitNet net = { 0 };
      char *slash = strchr(*n, '/');

      g_assert_nonnull(slash);
      *slash = '\0';
      g_assert_cmpint(inet_pton(AF_INET, *n, &net.addr), ==, 1);
      net.mask.s_addr = htonl(0xffffffffu << (32 - atoi(slash + 1)));
      g_array_append_val(cfg->split_inc, net);
    }
  }
  osp_tunnel_routes_of(p, cfg, ret);
}

static void test_conflicts(void)
{
  for (size_t i = 0; i < G_N_ELEMENTS(conflict_cases); i++)
    for (int swap = 0; swap < 2; swap++) {
      g_auto(OspTunnelRoutes) a = { 0 };
      g_auto(OspTunnelRoutes) b = { 0 };
      g_autofree char *why = NULL;
      bool got;

      side_routes(swap ? &conflict_cases[i].b : &conflict_cases[i].a, &a);
      side_routes(swap ? &conflict_cases[i].a : &conflict_cases[i].b, &b);
      got = osp_tunnel_routes_conflict(&a, &b, &why);
      if (got != (conflict_cases[i].why != NULL))
        g_error("conflict case %zu%s: %s, expected %s", i + 1, swap ? " (swapped)" : "",
                got ? why : "no conflict", conflict_cases[i].why ? "a conflict" : "none");
      /* the reason names the networks in the order asked */
      if (got && !swap && !strstr(why, conflict_cases[i].why))
        g_error("conflict case %zu: \"%s\" does not say \"%s\"", i + 1, why, conflict_cases[i].why);
    }
}

/* A profile without a say and no configuration yet: not known. */
static void test_unknown(void)
{
  g_autoptr(OspProfile) p = osp_profile_new();
  g_auto(OspTunnelRoutes) r = { 0 };

  osp_tunnel_routes_of(p, NULL, &r);
  g_assert_false(r.known);
  g_assert_cmpuint(r.nets->len, ==, 0);
}

int main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/routes/parse", test_parse);
  g_test_add_func("/routes/conflicts", test_conflicts);
  g_test_add_func("/routes/unknown", test_unknown);
  return g_test_run();
}
