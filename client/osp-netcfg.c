/* SPDX-License-Identifier: GPL-2.0-or-later
 * Osprey — the IP configuration a gateway gives us, and handing it to the
 * vpnc-script the way vpnc 0.5.3 does (vpnc.c do_config_to_env(),
 * setup_tunnel(), config_tunnel(), run_script()).
 *
 * Environment knobs (documented here):
 *   OSP_SCRIPT_TIMEOUT_MS  milliseconds to wait for the script before it is
 *                          killed (default 60000).  Meant for the unit tests;
 *                          harmless elsewhere.
 * Osprey's copy of resolv.conf while a tunnel is up goes to the state
 * directory the host gives (OspConnectionFlags.state_dir), as the DH groups
 * do (osp-dh-memory.h). */
#define _GNU_SOURCE /* pipe2, posix_spawn_file_actions_addclosefrom_np */
#include "osp-netcfg.h"
#include "osp-config.h"
#include "osp-error.h"

#ifndef GETTEXT_PACKAGE
#define GETTEXT_PACKAGE "osprey"
#endif
#include <glib-unix.h>
#include <glib/gi18n-lib.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#define SCRIPT_TIMEOUT_MS_DEFAULT 60000
/* The script echoes the gateway's banner; keep only this much of each
 * stream (the tail, which holds the line an error message wants). */
#define SCRIPT_OUTPUT_MAX (256 * 1024)

OspIpConfig *osp_ip_config_new(void)
{
  OspIpConfig *c = g_new0(OspIpConfig, 1);

  c->dns = g_array_new(FALSE, TRUE, sizeof(struct in_addr));
  c->nbns = g_array_new(FALSE, TRUE, sizeof(struct in_addr));
  c->split_inc = g_array_new(FALSE, TRUE, sizeof(OspSplitNet));
  c->split_exc = g_array_new(FALSE, TRUE, sizeof(OspSplitNet));
  c->dns6 = g_array_new(FALSE, TRUE, sizeof(struct in6_addr));
  c->split_inc6 = g_array_new(FALSE, TRUE, sizeof(OspNet6));
  c->split_exc6 = g_array_new(FALSE, TRUE, sizeof(OspNet6));
  c->pfs_group = -1;
  return c;
}

OspIpConfig *osp_ip_config_copy(const OspIpConfig *s)
{
  OspIpConfig *d = osp_ip_config_new();

  d->gateway = s->gateway;
  d->tundev = g_strdup(s->tundev);
  d->mtu = s->mtu;
  d->address = s->address;
  d->netmask = s->netmask;
  g_array_append_vals(d->dns, s->dns->data, s->dns->len);
  g_array_append_vals(d->nbns, s->nbns->data, s->nbns->len);
  d->default_domain = g_strdup(s->default_domain);
  d->split_dns = g_strdup(s->split_dns);
  d->banner = g_strdup(s->banner);
  g_array_append_vals(d->split_inc, s->split_inc->data, s->split_inc->len);
  g_array_append_vals(d->split_exc, s->split_exc->data, s->split_exc->len);
  d->backup_servers = g_strdup(s->backup_servers);
  d->save_password = s->save_password;
  d->pfs_group = s->pfs_group;
  d->address_expiry = s->address_expiry;
  d->address6 = s->address6;
  d->prefix6 = s->prefix6;
  g_array_append_vals(d->dns6, s->dns6->data, s->dns6->len);
  g_array_append_vals(d->split_inc6, s->split_inc6->data, s->split_inc6->len);
  g_array_append_vals(d->split_exc6, s->split_exc6->data, s->split_exc6->len);
  return d;
}

void osp_ip_config_free(OspIpConfig *c)
{
  if (!c)
    return;
  g_free(c->tundev);
  g_clear_pointer(&c->dns, g_array_unref);
  g_clear_pointer(&c->nbns, g_array_unref);
  g_free(c->default_domain);
  g_free(c->split_dns);
  g_free(c->banner);
  g_clear_pointer(&c->split_inc, g_array_unref);
  g_clear_pointer(&c->split_exc, g_array_unref);
  g_free(c->backup_servers);
  g_clear_pointer(&c->dns6, g_array_unref);
  g_clear_pointer(&c->split_inc6, g_array_unref);
  g_clear_pointer(&c->split_exc6, g_array_unref);
  g_free(c);
}

void osp_ip_config_clear_ip6(OspIpConfig *c)
{
  memset(&c->address6, 0, sizeof(c->address6));
  c->prefix6 = 0;
  g_array_set_size(c->dns6, 0);
  g_array_set_size(c->split_inc6, 0);
  g_array_set_size(c->split_exc6, 0);
}

gboolean osp_netcfg_ip6_usable(const struct in6_addr *a)
{
  return !IN6_IS_ADDR_UNSPECIFIED(a) && !IN6_IS_ADDR_LOOPBACK(a) && !IN6_IS_ADDR_MULTICAST(a) &&
         !IN6_IS_ADDR_LINKLOCAL(a) && !IN6_IS_ADDR_V4MAPPED(a) && !IN6_IS_ADDR_V4COMPAT(a);
}

/* ---- the gateway's strings ---------------------------------------------- */

/* RFC 1035 2.3.4 */
#define DOMAIN_MAX 253
#define LABEL_MAX 63

gboolean osp_netcfg_is_domain(const char *name)
{
  size_t label = 0;
  const char *p;

  if (!name || !*name || strlen(name) > DOMAIN_MAX)
    return FALSE;
  for (p = name;; p++) {
    if (*p == '.' || *p == 0) {
      if (label == 0 || p[-1] == '-')
        return FALSE;
      if (*p == 0)
        return TRUE;
      label = 0;
    } else if ((!g_ascii_isalnum(*p) && *p != '-' && *p != '_') || (*p == '-' && label == 0) ||
               ++label > LABEL_MAX) {
      return FALSE;
    }
  }
}

/* The stock vpnc-script expands CISCO_DEF_DOMAIN and CISCO_SPLIT_DNS
 * unquoted, writes the domain into resolv.conf as is, passes it through
 * `eval` on SUSE and to resolvectl as a routing domain ("~." would route
 * every query into the tunnel): only host names go through. */
static char *clean_domain(const char *name, unsigned *dropped)
{
  if (!name)
    return NULL;
  if (!*name || osp_netcfg_is_domain(name)) /* sent empty: exported empty, as vpnc does */
    return g_strdup(name);
  (*dropped)++;
  return NULL;
}

/* The valid entries of a list the gateway separated by commas (or spaces,
 * as repeated attributes are joined), in their order; the list itself when
 * nothing was dropped. */
static char *clean_split_dns(const char *list, unsigned *dropped)
{
  g_auto(GStrv) names = NULL;
  g_autoptr(GString) kept = NULL;
  unsigned before = *dropped;
  const char *sep;
  guint i;

  if (!list)
    return NULL;
  sep = strpbrk(list, ", ");
  names = g_strsplit_set(list, ", ", -1);
  kept = g_string_new(NULL);
  for (i = 0; names[i]; i++) {
    if (!*names[i])
      continue;
    if (!osp_netcfg_is_domain(names[i])) {
      (*dropped)++;
      continue;
    }
    if (kept->len)
      g_string_append_c(kept, sep ? *sep : ',');
    g_string_append(kept, names[i]);
  }
  if (*dropped == before)
    return g_strdup(list);
  return kept->len ? g_string_free(g_steal_pointer(&kept), FALSE) : NULL;
}

/* The script prints the banner line by line: newlines (and tabs) are its
 * layout; every other control character (ESC sequences, CR, C1, the Unicode
 * line separators) could drive the terminal or a log reader. */
static char *clean_banner(const char *banner, unsigned *changed)
{
  g_autofree char *valid = NULL;
  GString *s;
  unsigned n = 0;

  if (!banner)
    return NULL;
  valid = g_utf8_make_valid(banner, -1);
  s = g_string_sized_new(strlen(valid));
  for (const char *p = valid; *p; p = g_utf8_next_char(p)) {
    gunichar c = g_utf8_get_char(p);

    if (c != '\n' && c != '\t' && (g_unichar_iscntrl(c) || c == 0x2028 || c == 0x2029))
      n++;
    else
      g_string_append_unichar(s, c);
  }
  if (n || strcmp(valid, banner) != 0)
    (*changed)++;
  return g_string_free(s, FALSE);
}

/* An excluded network a route can be made of: a contiguous mask (the
 * script makes "ADDR/MASKLEN" of it) and the address with its host bits
 * cleared (`ip route` refuses "192.0.2.5/24"); 0.0.0.0/0 would take every
 * packet out of the tunnel.  (The include list keeps vpnc's reading of a
 * non-contiguous mask: its leading bits, test /netcfg/env/netmask.) */
static bool split_exc_usable(const OspSplitNet *n, OspSplitNet *ret)
{
  if (osp_netmask_len(n->mask) < 0 || n->mask.s_addr == 0)
    return false;
  *ret = *n;
  ret->addr.s_addr &= n->mask.s_addr;
  return true;
}

/* The usable entries of an exclude list, in their order; returns how many
 * were dropped or changed. */
static unsigned clean_split_exc(GArray *list)
{
  unsigned bad = 0;
  guint i, kept = 0;

  for (i = 0; list && i < list->len; i++) {
    OspSplitNet *n = &g_array_index(list, OspSplitNet, i), ok;

    if (!split_exc_usable(n, &ok)) {
      bad++;
      continue;
    }
    if (ok.addr.s_addr != n->addr.s_addr)
      bad++;
    g_array_index(list, OspSplitNet, kept++) = ok;
  }
  if (list)
    g_array_set_size(list, kept);
  return bad;
}

unsigned osp_ip_config_sanitize(OspIpConfig *c)
{
  unsigned domain = 0, split = 0, banner = 0, nets;
  char *v;

  g_return_val_if_fail(c != NULL, 0);

  v = clean_domain(c->default_domain, &domain);
  g_free(c->default_domain);
  c->default_domain = v;
  v = clean_split_dns(c->split_dns, &split);
  g_free(c->split_dns);
  c->split_dns = v;
  v = clean_banner(c->banner, &banner);
  g_free(c->banner);
  c->banner = v;
  nets = clean_split_exc(c->split_exc);

  if (domain)
    g_debug("mode config: default domain dropped (not a host name)");
  if (split)
    g_debug("mode config: %u split-DNS name(s) dropped (not host names), kept: %s", split,
            c->split_dns ? c->split_dns : "none");
  if (banner)
    g_debug("mode config: control characters removed from the banner");
  if (nets)
    g_debug("mode config: %u split-exclude network(s) dropped (a non-contiguous mask, "
            "0.0.0.0/0) or their host bits cleared",
            nets);
  return domain + split + banner + nets;
}

int osp_netmask_len(struct in_addr mask)
{
  uint32_t m = ntohl(mask.s_addr);
  uint32_t host = ~m;

  /* contiguous iff the host part is 2^k - 1 */
  if (host & (host + 1))
    return -1;
  return __builtin_popcount(m);
}

static uint32_t prefix_mask(int len)
{
  return len == 0 ? 0 : 0xffffffffu << (32 - len);
}

static void append_prefix(GArray *to, uint32_t addr, int len)
{
  OspSplitNet n = { 0 };

  n.addr.s_addr = htonl(addr & prefix_mask(len));
  n.mask.s_addr = htonl(prefix_mask(len));
  g_array_append_val(to, n);
}

/* `from` without the prefix e/elen, appended to `to` */
static void subtract_one(const GArray *from, uint32_t e, int elen, GArray *to)
{
  for (guint i = 0; i < from->len; i++) {
    const OspSplitNet *n = &g_array_index(from, OspSplitNet, i);
    uint32_t p = ntohl(n->addr.s_addr);
    int plen = osp_netmask_len(n->mask);
    int common = MIN(plen, elen);

    if ((p ^ e) & prefix_mask(common)) {
      g_array_append_val(to, *n); /* disjoint */
      continue;
    }
    /* p within e: gone; else e within p: the siblings on the way down */
    for (int l = plen + 1; l <= elen; l++)
      append_prefix(to, e ^ (1u << (32 - l)), l);
  }
}

/* The list after one more exclude replaces *cur, unless it has more than
 * max networks: then the exclude is not applied, and counted */
static void take_unless_over(GArray **cur, GArray *next, guint max, guint *skipped)
{
  if (next->len > max) {
    (*skipped)++;
    g_array_unref(next);
    return;
  }
  g_array_unref(*cur);
  *cur = next;
}

GArray *osp_networks_subtract(const GArray *include, const GArray *exclude, guint max,
                              guint *ret_skipped)
{
  GArray *cur = g_array_new(FALSE, TRUE, sizeof(OspSplitNet));
  guint skipped = 0;

  for (guint i = 0; include && i < include->len; i++) {
    const OspSplitNet *n = &g_array_index(include, OspSplitNet, i);
    int len = osp_netmask_len(n->mask);

    if (len >= 0)
      append_prefix(cur, ntohl(n->addr.s_addr), len);
  }
  if (!include || include->len == 0)
    append_prefix(cur, 0, 0);
  for (guint i = 0; exclude && i < exclude->len; i++) {
    const OspSplitNet *x = &g_array_index(exclude, OspSplitNet, i);
    int len = osp_netmask_len(x->mask);
    GArray *next;

    if (len < 0)
      continue;
    next = g_array_new(FALSE, TRUE, sizeof(OspSplitNet));
    subtract_one(cur, ntohl(x->addr.s_addr) & prefix_mask(len), len, next);
    take_unless_over(&cur, next, max, &skipped);
  }
  if (ret_skipped)
    *ret_skipped = skipped;
  return cur;
}

/* ---- the same for IPv6 (bit i counts from the left, 0-127) ---- */

static bool bit6(const struct in6_addr *a, unsigned i)
{
  return a->s6_addr[i / 8] & (0x80 >> (i % 8));
}

/* a and b agree in their first len bits */
static bool same_prefix6(const struct in6_addr *a, const struct in6_addr *b, unsigned len)
{
  for (unsigned i = 0; i < len; i++)
    if (bit6(a, i) != bit6(b, i))
      return false;
  return true;
}

static void append_prefix6(GArray *to, const struct in6_addr *a, unsigned len)
{
  OspNet6 n = { .addr = *a, .prefix = len };

  for (unsigned i = len; i < 128; i++)
    n.addr.s6_addr[i / 8] &= (uint8_t) ~(0x80 >> (i % 8));
  g_array_append_val(to, n);
}

/* `from` without the prefix e/elen, appended to `to` */
static void subtract_one6(const GArray *from, const struct in6_addr *e, unsigned elen, GArray *to)
{
  for (guint i = 0; i < from->len; i++) {
    const OspNet6 *n = &g_array_index(from, OspNet6, i);

    if (!same_prefix6(&n->addr, e, MIN(n->prefix, elen))) {
      g_array_append_val(to, *n); /* disjoint */
      continue;
    }
    /* n within e: gone; else e within n: the siblings on the way down */
    for (unsigned l = n->prefix + 1; l <= elen; l++) {
      struct in6_addr s = *e;

      s.s6_addr[(l - 1) / 8] ^= (uint8_t)(0x80 >> ((l - 1) % 8));
      append_prefix6(to, &s, l);
    }
  }
}

GArray *osp_networks6_subtract(const GArray *include, const GArray *exclude, guint max,
                               guint *ret_skipped)
{
  static const struct in6_addr any = IN6ADDR_ANY_INIT;
  GArray *cur = g_array_new(FALSE, TRUE, sizeof(OspNet6));
  guint skipped = 0;

  for (guint i = 0; include && i < include->len; i++) {
    const OspNet6 *n = &g_array_index(include, OspNet6, i);

    append_prefix6(cur, &n->addr, MIN(n->prefix, 128u));
  }
  if (!include || include->len == 0)
    append_prefix6(cur, &any, 0);
  for (guint i = 0; exclude && i < exclude->len; i++) {
    const OspNet6 *x = &g_array_index(exclude, OspNet6, i);
    GArray *next = g_array_new(FALSE, TRUE, sizeof(OspNet6));

    subtract_one6(cur, &x->addr, MIN(x->prefix, 128u), next);
    take_unless_over(&cur, next, max, &skipped);
  }
  if (ret_skipped)
    *ret_skipped = skipped;
  return cur;
}

static bool parse_ipv4(const char *s, uint32_t *ret)
{
  struct in_addr a;

  if (inet_pton(AF_INET, s, &a) != 1)
    return false;
  *ret = ntohl(a.s_addr);
  return true;
}

gboolean osp_networks_parse(const char *setting, const char *text, GArray **ret, GError **error)
{
  g_auto(GStrv) tokens = g_strsplit_set(text ? text : "", " \t,", -1);
  g_autoptr(GArray) nets = g_array_new(FALSE, TRUE, sizeof(OspSplitNet));

  for (size_t i = 0; tokens[i]; i++) {
    char *tok = tokens[i], *slash;
    OspSplitNet n = { 0 };
    uint32_t addr, mask;
    guint64 len = 32;

    if (!*tok)
      continue;
    slash = strchr(tok, '/');
    if (slash)
      *slash++ = '\0';
    if (!parse_ipv4(tok, &addr))
      goto bad;
    if (slash && strchr(slash, '.')) {
      if (!parse_ipv4(slash, &mask))
        goto bad;
      for (len = 0; len < 32 && (mask & (0x80000000u >> len)); len++)
        ;
      if (len < 32 && (mask << len) != 0) /* not contiguous */
        goto bad;
    } else if (slash && !g_ascii_string_to_unsigned(slash, 10, 0, 32, &len, NULL)) {
      goto bad;
    }
    mask = len ? 0xffffffffu << (32 - len) : 0;
    n.addr.s_addr = htonl(addr & mask);
    n.mask.s_addr = htonl(mask);
    g_array_append_val(nets, n);
    continue;
  bad:
    if (slash)
      slash[-1] = '/';
    g_set_error(error, OSP_ERROR, OSP_ERROR_CONFIG,
                _("%s: “%s” is not a network (a.b.c.d/len or a.b.c.d/netmask)"), setting, tok);
    return FALSE;
  }
  *ret = g_steal_pointer(&nets);
  return TRUE;
}

char *osp_networks_format(const GArray *nets)
{
  g_autoptr(GString) out = g_string_new(NULL);

  for (guint i = 0; nets && i < nets->len; i++) {
    const OspSplitNet *n = &g_array_index(nets, OspSplitNet, i);
    char a[INET_ADDRSTRLEN];

    inet_ntop(AF_INET, &n->addr, a, sizeof(a));
    g_string_append_printf(out, "%s%s/%d", out->len ? " " : "", a, osp_netmask_len(n->mask));
  }
  return out->len ? g_strdup(out->str) : NULL;
}

/* vpnc's mask_to_masklen(): shifts left until the mask is empty, so a
 * non-contiguous mask yields the position of its lowest set bit.  The
 * script feeds this to `ip route` as the prefix length; we reproduce it
 * rather than invent a value vpnc never produced. */
static int vpnc_masklen(struct in_addr mask)
{
  uint32_t m = ntohl(mask.s_addr);
  int len = 0;

  for (; m; m <<= 1)
    len++;
  return len;
}

/* ---- the environment ---------------------------------------------------- */

/* Names the script reads, whatever their value in our own environment:
 * removed from the inherited environment so that a stale CISCO_SPLIT_INC or
 * INTERNAL_IP6_ADDRESS (from a parent vpnc, a shell, a test) can never leak
 * into the script and add routes we did not ask for. */
static gboolean is_contract_name(const char *entry)
{
  static const char *const exact[] = { "reason", "VPNGATEWAY", "VPNPID", "TUNDEV" };
  static const char *const prefix[] = { "INTERNAL_IP4_", "INTERNAL_IP6_", "CISCO_" };
  size_t n = strcspn(entry, "=");
  size_t i;

  for (i = 0; i < G_N_ELEMENTS(exact); i++)
    if (strlen(exact[i]) == n && strncmp(entry, exact[i], n) == 0)
      return TRUE;
  for (i = 0; i < G_N_ELEMENTS(prefix); i++)
    if (n > strlen(prefix[i]) && strncmp(entry, prefix[i], strlen(prefix[i])) == 0)
      return TRUE;
  return FALSE;
}

static void env_add(GPtrArray *env, const char *name, const char *value)
{
  g_ptr_array_add(env, g_strconcat(name, "=", value, NULL));
}

G_GNUC_PRINTF(3, 4)
static void env_addf(GPtrArray *env, const char *name, const char *fmt, ...)
{
  va_list ap;
  char *value;

  va_start(ap, fmt);
  value = g_strdup_vprintf(fmt, ap);
  va_end(ap);
  env_add(env, name, value);
  g_free(value);
}

static void env_add_ip(GPtrArray *env, const char *name, struct in_addr a)
{
  char buf[INET_ADDRSTRLEN];

  env_add(env, name, inet_ntop(AF_INET, &a, buf, sizeof(buf)));
}

/* vpnc's addenv(): repeated attributes become one space-separated list */
static void env_add_ip_list(GPtrArray *env, const char *name, const GArray *list)
{
  GString *s;
  char buf[INET_ADDRSTRLEN];
  guint i;

  if (!list || list->len == 0)
    return;
  s = g_string_new(NULL);
  for (i = 0; i < list->len; i++) {
    if (i)
      g_string_append_c(s, ' ');
    g_string_append(s,
                    inet_ntop(AF_INET, &g_array_index(list, struct in_addr, i), buf, sizeof(buf)));
  }
  env_add(env, name, s->str);
  g_string_free(s, TRUE);
}

/* IPv6 as OpenConnect passes it (the stock script's contract):
 * INTERNAL_IP6_ADDRESS, INTERNAL_IP6_NETMASK as address/prefix (what the
 * script gives `ip -6 addr add`), INTERNAL_IP6_DNS, and
 * CISCO_IPV6_SPLIT_INC with _%d_ADDR and _%d_MASKLEN; without a split list
 * the script routes all IPv6 into the tunnel; CISCO_IPV6_SPLIT_EXC alike,
 * networks it keeps outside. */
static void env_add_nets6(GPtrArray *env, const char *base, const GArray *nets)
{
  char buf[INET6_ADDRSTRLEN], name[64];

  if (!nets || nets->len == 0)
    return;
  env_addf(env, base, "%u", nets->len);
  for (guint i = 0; i < nets->len; i++) {
    const OspNet6 *n = &g_array_index(nets, OspNet6, i);

    g_snprintf(name, sizeof(name), "%s_%u_ADDR", base, i);
    env_add(env, name, inet_ntop(AF_INET6, &n->addr, buf, sizeof(buf)));
    g_snprintf(name, sizeof(name), "%s_%u_MASKLEN", base, i);
    env_addf(env, name, "%u", MIN(n->prefix, 128u));
  }
}

static void env_add_ip6(GPtrArray *env, const OspIpConfig *cfg)
{
  char buf[INET6_ADDRSTRLEN];
  GString *dns;
  guint i;

  if (!osp_ip_config_has_ip6(cfg) || !osp_netcfg_ip6_usable(&cfg->address6))
    return;
  inet_ntop(AF_INET6, &cfg->address6, buf, sizeof(buf));
  env_add(env, "INTERNAL_IP6_ADDRESS", buf);
  env_addf(env, "INTERNAL_IP6_NETMASK", "%s/%u", buf, MIN(cfg->prefix6, 128u));
  dns = g_string_new(NULL);
  for (i = 0; cfg->dns6 && i < cfg->dns6->len; i++)
    g_string_append_printf(
        dns, "%s%s", i ? " " : "",
        inet_ntop(AF_INET6, &g_array_index(cfg->dns6, struct in6_addr, i), buf, sizeof(buf)));
  if (dns->len)
    env_add(env, "INTERNAL_IP6_DNS", dns->str);
  g_string_free(dns, TRUE);
  env_add_nets6(env, "CISCO_IPV6_SPLIT_INC", cfg->split_inc6);
  env_add_nets6(env, "CISCO_IPV6_SPLIT_EXC", cfg->split_exc6);
}

/* CISCO_SPLIT_INC / CISCO_SPLIT_EXC and their _%d_ members, formatted as
 * vpnc's ISAKMP_MODECFG_ATTRIB_CISCO_SPLIT_INC case.  An empty list sets
 * nothing: vpnc would export "0" for an empty attribute, and the script then
 * installs no default route at all; we treat empty as "full tunnel". */
static void env_add_split(GPtrArray *env, const char *base, const GArray *from, bool exclude)
{
  g_autoptr(GArray) list = g_array_new(FALSE, TRUE, sizeof(OspSplitNet));
  char name[64];
  guint i;

  if (from)
    g_array_append_vals(list, from->data, from->len);
  if (exclude)
    clean_split_exc(list);
  if (list->len == 0)
    return;
  env_addf(env, base, "%u", list->len);
  for (i = 0; i < list->len; i++) {
    const OspSplitNet *n = &g_array_index(list, OspSplitNet, i);

    g_snprintf(name, sizeof(name), "%s_%u_ADDR", base, i);
    env_add_ip(env, name, n->addr);
    g_snprintf(name, sizeof(name), "%s_%u_MASK", base, i);
    env_add_ip(env, name, n->mask);
    g_snprintf(name, sizeof(name), "%s_%u_MASKLEN", base, i);
    env_addf(env, name, "%d", vpnc_masklen(n->mask));
    g_snprintf(name, sizeof(name), "%s_%u_PROTOCOL", base, i);
    env_addf(env, name, "%u", (unsigned)n->protocol);
    g_snprintf(name, sizeof(name), "%s_%u_SPORT", base, i);
    env_addf(env, name, "%u", (unsigned)n->sport);
    g_snprintf(name, sizeof(name), "%s_%u_DPORT", base, i);
    env_addf(env, name, "%u", (unsigned)n->dport);
  }
}

char **osp_script_env(const char *reason, const OspIpConfig *cfg, char **base_env)
{
  g_auto(GStrv) own_env = NULL;
  char **base;
  GPtrArray *env;
  g_autofree char *domain = NULL, *banner = NULL, *split_dns = NULL;
  unsigned unused = 0;
  gboolean pre_init;
  guint i;

  g_return_val_if_fail(reason != NULL, NULL);

  if (!base_env)
    own_env = g_get_environ();
  base = base_env ? base_env : own_env;

  env = g_ptr_array_new();
  for (i = 0; base[i]; i++)
    if (!is_contract_name(base[i]))
      g_ptr_array_add(env, g_strdup(base[i]));

  env_add(env, "reason", reason);
  /* OpenConnect >= 9 exports its pid; the script then keys its state files
   * (/var/run/vpnc/defaultroute.$VPNPID, resolv.conf-backup.$VPNPID) on it
   * instead of guessing from `ps`.  Hence connect and disconnect must come
   * from the same process. */
  env_addf(env, "VPNPID", "%ld", (long)getpid());

  /* vpnc runs pre-init before the tunnel exists and before Mode Config:
   * nothing else is known yet. */
  pre_init = strcmp(reason, "pre-init") == 0;

  if (cfg && !osp_addr_is_unspecified(&cfg->gateway)) {
    char gw[OSP_ADDR_STRLEN];

    /* an IPv6 one as such: the script routes it with `ip -6` */
    env_add(env, "VPNGATEWAY", osp_addr_format(&cfg->gateway, gw));
  }
  if (cfg && cfg->tundev && *cfg->tundev)
    env_add(env, "TUNDEV", cfg->tundev);

  if (cfg && !pre_init) {
    /* setup_tunnel(): only a configured MTU in 1..65535 is exported;
     * otherwise the script derives one from the route to the gateway. */
    if (cfg->mtu > 0 && cfg->mtu <= 65535)
      env_addf(env, "INTERNAL_IP4_MTU", "%u", cfg->mtu);
    if (cfg->address.s_addr != 0)
      env_add_ip(env, "INTERNAL_IP4_ADDRESS", cfg->address);
    /* A netmask that was not sent leaves all three unset, as vpnc does; the
     * script then gives the tunnel a /32 (255.255.255.255) peer address and
     * adds no network route. */
    if (cfg->netmask.s_addr != 0) {
      struct in_addr net = { .s_addr = cfg->address.s_addr & cfg->netmask.s_addr };

      env_add_ip(env, "INTERNAL_IP4_NETMASK", cfg->netmask);
      env_addf(env, "INTERNAL_IP4_NETMASKLEN", "%d", vpnc_masklen(cfg->netmask));
      env_add_ip(env, "INTERNAL_IP4_NETADDR", net);
    }
    env_add_ip_list(env, "INTERNAL_IP4_DNS", cfg->dns);
    env_add_ip_list(env, "INTERNAL_IP4_NBNS", cfg->nbns);

    /* Strings from the gateway reach the script as environment values (we
     * exec, nothing evaluates them here), but the script expands some of
     * them unquoted or evals them: the same rules as osp_ip_config_sanitize()
     * apply, whatever the caller did. */
    domain = clean_domain(cfg->default_domain, &unused);
    banner = clean_banner(cfg->banner, &unused);
    split_dns = clean_split_dns(cfg->split_dns, &unused);
    if (domain)
      env_add(env, "CISCO_DEF_DOMAIN", domain);
    if (banner)
      env_add(env, "CISCO_BANNER", banner);
    if (split_dns)
      env_add(env, "CISCO_SPLIT_DNS", split_dns);
    env_add_split(env, "CISCO_SPLIT_INC", cfg->split_inc, false);
    env_add_split(env, "CISCO_SPLIT_EXC", cfg->split_exc, true);
    env_add_ip6(env, cfg);
  }

  g_ptr_array_add(env, NULL);
  return (char **)g_ptr_array_free(env, FALSE);
}

/* ---- running the script ------------------------------------------------- */

typedef struct {
  int fd;
  GString *buf;
  gsize dropped;
  GSource *source;
} ScriptStream;

typedef struct {
  ScriptStream out[2]; /* stdout, stderr */
  gboolean exited;
  int wait_status;
  gboolean timed_out;
} ScriptRun;

static unsigned script_timeout_ms(void)
{
  const char *s = g_getenv("OSP_SCRIPT_TIMEOUT_MS");
  guint64 v;

  if (s && g_ascii_string_to_unsigned(s, 10, 1, G_MAXINT, &v, NULL))
    return (unsigned)v;
  return SCRIPT_TIMEOUT_MS_DEFAULT;
}

/* A Script that is only an absolute path is executed as it is: /bin/sh -c
 * in between would just start it, one more exec (and, dash, one more
 * vfork) on the way to the address.  The script keys its state on VPNPID,
 * not on its parent, so the shell's absence does not show. */
static gboolean is_plain_path(const char *script)
{
  const char *p;

  if (script[0] != '/')
    return FALSE;
  for (p = script; *p; p++)
    if (!g_ascii_isalnum(*p) && !strchr("/._+-", *p))
      return FALSE;
  return TRUE;
}

#if HAVE_SPAWN_CLOSEFROM
/* posix_spawn(): glibc clones with CLONE_VM | CLONE_VFORK, so the child
 * does not copy our page tables as fork() does (about 0.35 ms for a
 * daemon of 10 MB here).  The child gets what the fork path below gives
 * it: stdin /dev/null, the pipes as stdout and stderr, nothing else open,
 * an empty signal mask, SIGPIPE default, a process group of its own (a
 * timeout kills the script with whatever it started).
 * 0 or a positive errno (one from exec included), as posix_spawn(). */
static int spawn_argv(const char *const *argv, char **envp, const int out_w[2], GPid *ret_pid)
{
  posix_spawn_file_actions_t fa;
  posix_spawnattr_t attr;
  sigset_t none, dfl;
  pid_t pid;
  int r;

  sigemptyset(&none);
  sigemptyset(&dfl);
  sigaddset(&dfl, SIGPIPE);
  posix_spawn_file_actions_init(&fa);
  posix_spawnattr_init(&attr);
  posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&fa, out_w[0], STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&fa, out_w[1], STDERR_FILENO);
  posix_spawn_file_actions_addclosefrom_np(&fa, STDERR_FILENO + 1);
  posix_spawnattr_setflags(&attr,
                           POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  posix_spawnattr_setpgroup(&attr, 0);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setsigdefault(&attr, &dfl);
  r = posix_spawn(&pid, argv[0], &fa, &attr, (char *const *)argv, envp);
  posix_spawnattr_destroy(&attr);
  posix_spawn_file_actions_destroy(&fa);
  if (r == 0)
    *ret_pid = pid;
  return r;
}

/* The script, its stdout and stderr read ends in ret_fds. */
static gboolean spawn_script(const char *script, char **envp, GPid *ret_pid, int ret_fds[2],
                             GError **error)
{
  const char *direct[] = { script, NULL };
  const char *shell[] = { "/bin/sh", "-c", script, NULL };
  int out[2], err[2], w[2];
  int r = -1;

  if (pipe2(out, O_CLOEXEC) < 0) {
    r = errno;
  } else if (pipe2(err, O_CLOEXEC) < 0) {
    r = errno;
    close(out[0]);
    close(out[1]);
  } else {
    w[0] = out[1];
    w[1] = err[1];
    /* one that cannot be executed as it is (missing, not executable, no
     * #! line) goes through the shell, which runs it or says why not, as
     * vpnc's system() would */
    if (!is_plain_path(script) || spawn_argv(direct, envp, w, ret_pid) != 0)
      r = spawn_argv(shell, envp, w, ret_pid);
    else
      r = 0;
    close(out[1]);
    close(err[1]);
    if (r == 0) {
      ret_fds[0] = out[0];
      ret_fds[1] = err[0];
      return TRUE;
    }
    close(out[0]);
    close(err[0]);
  }
  g_set_error_literal(error, G_SPAWN_ERROR, G_SPAWN_ERROR_FAILED, g_strerror(r));
  return FALSE;
}
#else
/* Runs in the child between fork and exec: async-signal-safe calls only.
 * Its own process group lets a timeout kill the script together with
 * whatever it started (ip, sed, a hook's sleep); a clean signal state gives
 * it the defaults system() would. */
static void script_child_setup(gpointer data)
{
  sigset_t none;

  (void)data;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, NULL);
  signal(SIGPIPE, SIG_DFL);
  setpgid(0, 0);
}

static gboolean spawn_script(const char *script, char **envp, GPid *ret_pid, int ret_fds[2],
                             GError **error)
{
  const char *direct[] = { script, NULL };
  const char *shell[] = { "/bin/sh", "-c", script, NULL };
  GSpawnFlags flags = G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_CLOEXEC_PIPES;

  if (is_plain_path(script) &&
      g_spawn_async_with_pipes(NULL, (char **)direct, envp, flags, script_child_setup, NULL,
                               ret_pid, NULL, &ret_fds[0], &ret_fds[1], NULL))
    return TRUE;
  return g_spawn_async_with_pipes(NULL, (char **)shell, envp, flags, script_child_setup, NULL,
                                  ret_pid, NULL, &ret_fds[0], &ret_fds[1], error);
}
#endif

/* Reads what is there; FALSE at end of file or on a hard error. */
static gboolean stream_read(ScriptStream *st)
{
  char chunk[4096];
  ssize_t n;

  for (;;) {
    n = read(st->fd, chunk, sizeof(chunk));
    if (n > 0) {
      g_string_append_len(st->buf, chunk, n);
      if (st->buf->len > SCRIPT_OUTPUT_MAX) {
        gsize cut = st->buf->len - SCRIPT_OUTPUT_MAX / 2;

        st->dropped += cut;
        g_string_erase(st->buf, 0, cut);
      }
      continue;
    }
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
      return TRUE;
    return FALSE;
  }
}

static gboolean on_stream(int fd, GIOCondition cond, gpointer data)
{
  ScriptStream *st = data;

  (void)fd;
  (void)cond;
  if (stream_read(st))
    return G_SOURCE_CONTINUE;
  st->source = NULL;
  return G_SOURCE_REMOVE;
}

static void on_child_exit(GPid pid, int status, gpointer data)
{
  ScriptRun *run = data;

  (void)pid;
  run->exited = TRUE;
  run->wait_status = status;
}

static gboolean on_timeout(gpointer data)
{
  ScriptRun *run = data;

  run->timed_out = TRUE;
  return G_SOURCE_REMOVE;
}

static void stream_log(const ScriptStream *st, const char *reason, const char *what)
{
  g_auto(GStrv) lines = NULL;
  guint i;

  if (st->dropped)
    g_debug("vpnc-script %s %s: [%" G_GSIZE_FORMAT " bytes not kept]", reason, what, st->dropped);
  if (st->buf->len == 0)
    return;
  lines = g_strsplit(st->buf->str, "\n", -1);
  for (i = 0; lines[i]; i++) {
    g_autofree char *valid = NULL;

    if (!lines[i][0] && !lines[i + 1])
      break; /* the empty piece after the final newline */
    valid = g_utf8_make_valid(lines[i], -1);
    g_debug("vpnc-script %s %s: %s", reason, what, valid);
  }
}

/* The last non-empty line, valid UTF-8 without control characters and at
 * most SCRIPT_ERROR_LINE_MAX characters, or NULL. */
#define SCRIPT_ERROR_LINE_MAX 300
static char *last_line(const GString *s)
{
  const char *end = s->str + s->len;
  const char *start;
  char *line;
  char *p;

  while (end > s->str && g_ascii_isspace(end[-1]))
    end--;
  if (end == s->str)
    return NULL;
  start = end;
  while (start > s->str && start[-1] != '\n')
    start--;
  line = g_utf8_make_valid(start, end - start);
  for (p = line; *p; p++)
    if ((unsigned char)*p < 0x20 || *p == 0x7f)
      *p = ' ';
  if (g_utf8_strlen(line, -1) > SCRIPT_ERROR_LINE_MAX) {
    char *cut = g_utf8_substring(line, 0, SCRIPT_ERROR_LINE_MAX);

    g_free(line);
    line = g_strconcat(cut, "…", NULL);
    g_free(cut);
  }
  return line;
}

static void set_script_error(GError **error, const char *script, const char *reason,
                             const ScriptRun *run, unsigned timeout_ms)
{
  g_autofree char *what = NULL;
  g_autofree char *line = last_line(run->out[1].buf);

  if (run->timed_out)
    what = g_strdup_printf(_("did not finish within %g s and was stopped"), timeout_ms / 1000.0);
  else if (WIFEXITED(run->wait_status))
    what = g_strdup_printf(_("failed with exit status %d"), WEXITSTATUS(run->wait_status));
  else if (WIFSIGNALED(run->wait_status))
    what = g_strdup_printf(_("was killed by signal %d (%s)"), WTERMSIG(run->wait_status),
                           g_strsignal(WTERMSIG(run->wait_status)));
  else
    what = g_strdup_printf(_("ended with wait status 0x%x"), (unsigned)run->wait_status);

  if (line)
    g_set_error(
        error, OSP_ERROR, OSP_ERROR_SCRIPT,
        /* TRANSLATORS: network script "path" (reason) <what happened>: <its last error line> */
        _("Network script “%s” (%s) %s: %s"), script, reason, what, line);
  else
    g_set_error(error, OSP_ERROR, OSP_ERROR_SCRIPT, _("Network script “%s” (%s) %s"), script,
                reason, what);
}

/* ---- stale state of a client that died ---------------------------------- */

#define VPNC_MARK "#@VPNC_GENERATED@"
#define VPNC_BACKUP_PREFIX "resolv.conf-backup."

void osp_script_state_default(OspScriptState *ret, const char *state_dir)
{
  ret->resolv_conf = "/etc/resolv.conf";
  ret->script_dir = "/var/run/vpnc";
  ret->own_dir = state_dir && *state_dir ? state_dir : NULL;
  ret->proc_route = "/proc/net/route";
}

/* the script's test: grep '^#@VPNC_GENERATED@' */
static gboolean is_marked(const char *text)
{
  return g_str_has_prefix(text, VPNC_MARK) || strstr(text, "\n" VPNC_MARK) != NULL;
}

/* Keyed by the file's identity: each network namespace binds its own
 * resolv.conf over /etc/resolv.conf, and their copies must not mix. */
static char *own_copy_path(const OspScriptState *st)
{
  struct stat sb;
  g_autofree char *name = NULL;

  if (!st->own_dir || stat(st->resolv_conf, &sb) < 0)
    return NULL;
  name = g_strdup_printf("resolv.conf-%lx-%lx.before-vpn", (unsigned long)sb.st_dev,
                         (unsigned long)sb.st_ino);
  return g_build_filename(st->own_dir, name, NULL);
}

/* In place, as the script does (`cat backup > /etc/resolv.conf`): the file
 * may be a bind mount (ip netns exec) that a rename would not reach. */
static gboolean write_in_place(const char *path, const char *text)
{
  size_t len = strlen(text), done = 0;
  int fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);

  if (fd < 0)
    return FALSE;
  while (done < len) {
    ssize_t n = write(fd, text + done, len - done);

    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      break;
    done += (size_t)n;
  }
  return close(fd) == 0 && done == len;
}

/* Osprey's copy of `text` at `path` in st->own_dir.  Every attempt asks
 * for it, and the write is a durable one (GLib fsyncs the file and its
 * directory, 2 to 15 ms here): a copy that holds `text` already (an
 * attempt that did not get as far as disconnect) is left as it is. */
static gboolean keep_copy(const OspScriptState *st, const char *path, const char *text,
                          GError **error)
{
  g_autofree char *old = NULL;

  if (g_file_get_contents(path, &old, NULL, NULL) && strcmp(old, text) == 0)
    return TRUE;
  if (g_mkdir_with_parents(st->own_dir, 0755) < 0) {
    g_set_error_literal(error, G_FILE_ERROR, g_file_error_from_errno(errno), g_strerror(errno));
    return FALSE;
  }
  return g_file_set_contents_full(path, text, -1, G_FILE_SET_CONTENTS_CONSISTENT, 0644, error);
}

static gboolean pid_alive(guint64 pid)
{
  return kill((pid_t)pid, 0) == 0 || errno == EPERM;
}

/* The script's state files PREFIX.PID in st->script_dir: FALSE when a live
 * process (or `self`) owns one, as its changes are then no debris; else
 * TRUE and the newest file of a process that is gone, if any, in
 * *ret_orphan. */
static gboolean scan_backups(const OspScriptState *st, const char *prefix, pid_t self,
                             char **ret_orphan)
{
  g_autoptr(GDir) dir = g_dir_open(st->script_dir, 0, NULL);
  g_autofree char *newest = NULL;
  gint64 newest_mtime = G_MININT64;
  const char *name;

  while (dir && (name = g_dir_read_name(dir))) {
    g_autofree char *path = NULL;
    struct stat sb;
    guint64 pid;

    if (!g_str_has_prefix(name, prefix) ||
        !g_ascii_string_to_unsigned(name + strlen(prefix), 10, 1, G_MAXINT, &pid, NULL))
      continue;
    if (pid == (guint64)self || pid_alive(pid)) {
      g_debug("%s%" G_GUINT64_FORMAT " belongs to a live process: not touched", prefix, pid);
      return FALSE;
    }
    path = g_build_filename(st->script_dir, name, NULL);
    if (stat(path, &sb) == 0 && S_ISREG(sb.st_mode) && (gint64)sb.st_mtime > newest_mtime) {
      newest_mtime = sb.st_mtime;
      g_free(newest);
      newest = g_steal_pointer(&path);
    }
  }
  *ret_orphan = g_steal_pointer(&newest);
  return TRUE;
}

/* The unmarked contents of `path`, or NULL. */
static char *read_original(const char *path)
{
  char *text = NULL;

  if (path && g_file_get_contents(path, &text, NULL, NULL) && !is_marked(text))
    return text;
  g_free(text);
  return NULL;
}

/* The marked file without the script's three header lines and without the
 * name servers: in a file the script generated, every one is the dead
 * tunnel's (it drops the original ones). */
static char *without_mark(const char *text)
{
  g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
  GString *s = g_string_new(NULL);

  for (guint i = 0; lines[i]; i++) {
    if (g_str_has_prefix(lines[i], VPNC_MARK) ||
        strcmp(lines[i], "# and will be overwritten by vpnc") == 0 ||
        strcmp(lines[i], "# as long as the above mark is intact") == 0 ||
        g_str_has_prefix(lines[i], "nameserver") || (!lines[i + 1] && !*lines[i]))
      continue;
    g_string_append(s, lines[i]);
    g_string_append_c(s, '\n');
  }
  return g_string_free(s, FALSE);
}

static char *repair_resolv(const OspScriptState *st, pid_t self)
{
  g_autofree char *text = NULL, *own = own_copy_path(st), *backup = NULL, *source = NULL;
  g_autofree char *original = NULL;
  g_autoptr(GError) error = NULL;

  if (!g_file_get_contents(st->resolv_conf, &text, NULL, NULL))
    return NULL;
  if (!is_marked(text)) {
    if (own && !keep_copy(st, own, text, &error))
      g_debug("cannot keep a copy of %s in %s: %s", st->resolv_conf, st->own_dir, error->message);
    return NULL;
  }
  if (!scan_backups(st, VPNC_BACKUP_PREFIX, self, &backup))
    return NULL;

  if ((original = read_original(backup))) {
    source = g_strdup_printf(_("restored the original from the backup it left (%s)"), backup);
  } else if ((original = read_original(own))) {
    source = g_strdup_printf(_("restored the original from Osprey's copy (%s)"), own);
  } else {
    original = without_mark(text);
    source = g_strdup(_("no copy of the original was left: removed the mark and the old "
                        "tunnel's name servers, kept the other lines"));
  }
  if (!write_in_place(st->resolv_conf, original)) {
    g_debug("cannot repair %s: %s", st->resolv_conf, g_strerror(errno));
    return NULL;
  }
  if (backup)
    unlink(backup);
  g_debug("repaired %s: %s", st->resolv_conf, source);
  return g_strdup_printf(_("%s was still rewritten by a VPN client that ended without "
                           "disconnecting: %s"),
                         st->resolv_conf, source);
}

/* ---- the default route a full tunnel replaced --------------------------- */

#define VPNC_ROUTE_PREFIX "defaultroute."

/* One row of /proc/net/route: Iface Destination Gateway Flags RefCnt Use
 * Metric Mask ...; addresses are the raw network-order words printed as
 * hex.  A name `ip` would take for something else is not ours: FALSE. */
typedef struct {
  char *iface;
  guint64 dest, gw, flags, metric, mask;
} RouteRow;

static gboolean route_row(const char *line, RouteRow *r)
{
  g_auto(GStrv) f = g_strsplit_set(line, " \t", -1);
  const char *w[8];
  guint n = 0;

  for (guint j = 0; f[j] && n < G_N_ELEMENTS(w); j++)
    if (*f[j])
      w[n++] = f[j];
  if (n < 8 || !g_ascii_string_to_unsigned(w[1], 16, 0, G_MAXUINT32, &r->dest, NULL) ||
      !g_ascii_string_to_unsigned(w[2], 16, 0, G_MAXUINT32, &r->gw, NULL) ||
      !g_ascii_string_to_unsigned(w[3], 16, 0, G_MAXUINT32, &r->flags, NULL) ||
      !g_ascii_string_to_unsigned(w[6], 10, 0, G_MAXUINT32, &r->metric, NULL) ||
      !g_ascii_string_to_unsigned(w[7], 16, 0, G_MAXUINT32, &r->mask, NULL) ||
      !osp_netcfg_is_domain(w[0]))
    return FALSE;
  r->iface = g_strdup(w[0]);
  return TRUE;
}

char *osp_netcfg_default_route(const char *text)
{
  g_auto(GStrv) lines = g_strsplit(text ? text : "", "\n", -1);
  g_autofree char *best = NULL;
  guint64 best_metric = G_MAXUINT64;

  for (guint i = 1; lines[0] && lines[i]; i++) {
    RouteRow r;

    if (!route_row(lines[i], &r))
      continue;
    /* RTF_UP */
    if (r.dest != 0 || r.mask != 0 || !(r.flags & 1) || r.metric >= best_metric) {
      g_free(r.iface);
      continue;
    }
    best_metric = r.metric;
    g_free(best);
    if (r.gw) {
      struct in_addr a = { .s_addr = (in_addr_t)r.gw };
      char buf[INET_ADDRSTRLEN];

      best = g_strdup_printf("default via %s dev %s metric %" G_GUINT64_FORMAT,
                             inet_ntop(AF_INET, &a, buf, sizeof(buf)), r.iface, r.metric);
    } else {
      best = g_strdup_printf("default dev %s metric %" G_GUINT64_FORMAT, r.iface, r.metric);
    }
    g_free(r.iface);
  }
  return g_steal_pointer(&best);
}

guint osp_netcfg_add_local_lan(GArray *split_exc, const char *text, const char *skip_dev)
{
  g_auto(GStrv) lines = g_strsplit(text ? text : "", "\n", -1);
  guint added = 0;

  for (guint i = 1; lines[0] && lines[i] && split_exc->len < OSP_MAX_SPLIT_NETS; i++) {
    OspSplitNet n = { 0 };
    RouteRow r;
    bool dup = false;

    if (!route_row(lines[i], &r))
      continue;
    n.addr.s_addr = (in_addr_t)(r.dest & r.mask);
    n.mask.s_addr = (in_addr_t)r.mask;
    /* up (RTF_UP), no next hop (RTF_GATEWAY): on the link; neither the
     * default route nor loopback, nor the tunnel's own */
    if ((r.flags & 3) == 1 && r.mask != 0 && osp_netmask_len(n.mask) >= 0 &&
        ntohl(n.addr.s_addr) >> 24 != 127 && g_strcmp0(r.iface, skip_dev) != 0) {
      for (guint j = 0; j < split_exc->len && !dup; j++) {
        const OspSplitNet *o = &g_array_index(split_exc, OspSplitNet, j);

        dup = o->addr.s_addr == n.addr.s_addr && o->mask.s_addr == n.mask.s_addr;
      }
      if (!dup) {
        g_array_append_val(split_exc, n);
        added++;
      }
    }
    g_free(r.iface);
  }
  return added;
}

/* Keyed by the network namespace: each has its own routes. */
static char *own_route_path(const OspScriptState *st)
{
  struct stat sb;
  g_autofree char *name = NULL;

  if (!st->own_dir || stat("/proc/self/ns/net", &sb) < 0)
    return NULL;
  name = g_strdup_printf("defaultroute-%lx.before-vpn", (unsigned long)sb.st_ino);
  return g_build_filename(st->own_dir, name, NULL);
}

/* `ip route replace WORDS...`; only words of the shape a route has */
static gboolean route_replace(const char *route)
{
  g_auto(GStrv) words = g_strsplit_set(route, " \t\n", -1);
  g_autoptr(GPtrArray) argv = g_ptr_array_new();
  int status = 0;

  g_ptr_array_add(argv, (char *)"ip");
  g_ptr_array_add(argv, (char *)"route");
  g_ptr_array_add(argv, (char *)"replace");
  for (guint i = 0; words[i]; i++) {
    if (!*words[i])
      continue;
    if (!osp_netcfg_is_domain(words[i]) && strspn(words[i], "0123456789./") != strlen(words[i]))
      return FALSE;
    g_ptr_array_add(argv, words[i]);
  }
  g_ptr_array_add(argv, NULL);
  if (argv->len < 5 || strcmp(argv->pdata[3], "default") != 0)
    return FALSE;
  return g_spawn_sync(NULL, (char **)argv->pdata, NULL,
                      G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL | G_SPAWN_STDERR_TO_DEV_NULL,
                      NULL, NULL, NULL, NULL, &status, NULL) &&
         g_spawn_check_wait_status(status, NULL);
}

static char *repair_route(const OspScriptState *st, pid_t self)
{
  g_autofree char *text = NULL, *current = NULL, *own = own_route_path(st), *orphan = NULL;
  g_autofree char *route = NULL, *from = NULL;

  if (!st->proc_route || !g_file_get_contents(st->proc_route, &text, NULL, NULL))
    return NULL;
  current = osp_netcfg_default_route(text);
  if (current) {
    /* a real one (a tunnel's has no gateway): kept for a later repair */
    if (own && strstr(current, " via ") && !keep_copy(st, own, current, NULL))
      g_debug("cannot keep a copy of the default route in %s", st->own_dir);
    return NULL;
  }
  if (!scan_backups(st, VPNC_ROUTE_PREFIX, self, &orphan))
    return NULL;
  if (orphan && g_file_get_contents(orphan, &route, NULL, NULL) &&
      g_str_has_prefix(route, "default")) {
    from = g_strdup_printf(_("from the file it left (%s)"), orphan);
  } else {
    g_clear_pointer(&route, g_free);
    if (!own || !g_file_get_contents(own, &route, NULL, NULL))
      return NULL;
    from = g_strdup_printf(_("from Osprey's copy (%s)"), own);
  }
  g_strstrip(route);
  if (!route_replace(route)) {
    g_debug("cannot restore the default route %s", route);
    return NULL;
  }
  if (orphan)
    unlink(orphan);
  return g_strdup_printf(_("The default route that the full tunnel of a VPN client that ended "
                           "without disconnecting had replaced is back: %s, %s."),
                         route, from);
}

char *osp_script_state_repair(const OspScriptState *st, pid_t self)
{
  g_autofree char *resolv = NULL, *route = NULL;

  g_return_val_if_fail(st != NULL && st->resolv_conf != NULL, NULL);

  resolv = repair_resolv(st, self);
  route = repair_route(st, self);
  if (resolv && route)
    return g_strconcat(resolv, " ", route, NULL);
  return resolv ? g_steal_pointer(&resolv) : g_steal_pointer(&route);
}

void osp_script_state_forget(const OspScriptState *st)
{
  g_autofree char *own = own_copy_path(st), *own_route = own_route_path(st);

  if (own)
    unlink(own);
  if (own_route)
    unlink(own_route);
}

static gboolean script_run(const char *script, const char *reason, const OspIpConfig *cfg,
                           const OspScriptState *repair, char **ret_repaired, GError **error);

gboolean osp_script_run_full(const char *script, const char *reason, const OspIpConfig *cfg,
                             const char *state_dir, char **ret_repaired, GError **error)
{
  OspScriptState st;
  g_autofree char *repaired = NULL;
  gboolean ok;

  g_return_val_if_fail(reason != NULL, FALSE);

  osp_script_state_default(&st, state_dir);
  ok = script_run(script, reason, cfg, strcmp(reason, "pre-init") == 0 ? &st : NULL, &repaired,
                  error);
  if (ok && strcmp(reason, "disconnect") == 0)
    osp_script_state_forget(&st);
  if (ret_repaired)
    *ret_repaired = g_steal_pointer(&repaired);
  return ok;
}

gboolean osp_script_run(const char *script, const char *reason, const OspIpConfig *cfg,
                        GError **error)
{
  return script_run(script, reason, cfg, NULL, NULL, error);
}

/* With `repair`: osp_script_state_repair() while the script runs. */
static gboolean script_run(const char *script, const char *reason, const OspIpConfig *cfg,
                           const OspScriptState *repair, char **ret_repaired, GError **error)
{
  g_auto(GStrv) envp = NULL;
  g_autoptr(GError) spawn_error = NULL;
  GMainContext *ctx;
  GSource *child_source;
  GSource *timeout_source;
  ScriptRun run = { 0 };
  unsigned timeout_ms = script_timeout_ms();
  int fds[2];
  GPid pid;
  gboolean ok;
  int i;

  g_return_val_if_fail(script != NULL, FALSE);
  g_return_val_if_fail(reason != NULL, FALSE);
  g_return_val_if_fail(error == NULL || *error == NULL, FALSE);

  envp = osp_script_env(reason, cfg, NULL);
  g_debug("running vpnc-script %s: %s", reason, script);

  /* vpnc: system(config[CONFIG_SCRIPT]), i.e. /bin/sh -c, so "Script" may
   * carry arguments or be a small shell command. */
  if (!spawn_script(script, envp, &pid, fds, &spawn_error)) {
    g_set_error(error, OSP_ERROR, OSP_ERROR_SCRIPT, _("Could not run network script “%s” (%s): %s"),
                script, reason, spawn_error->message);
    return FALSE;
  }
  run.out[0].fd = fds[0];
  run.out[1].fd = fds[1];
  /* also from this side, so that an early timeout cannot miss the group */
  setpgid(pid, pid);
  if (repair)
    *ret_repaired = osp_script_state_repair(repair, getpid());

  /* A private context: the caller's main loop keeps its sources to itself
   * while we wait, and we keep ours. */
  ctx = g_main_context_new();
  for (i = 0; i < 2; i++) {
    run.out[i].buf = g_string_new(NULL);
    g_unix_set_fd_nonblocking(run.out[i].fd, TRUE, NULL);
    run.out[i].source = g_unix_fd_source_new(run.out[i].fd, G_IO_IN | G_IO_HUP | G_IO_ERR);
    g_source_set_callback(run.out[i].source, G_SOURCE_FUNC(on_stream), &run.out[i], NULL);
    g_source_attach(run.out[i].source, ctx);
    g_source_unref(run.out[i].source); /* ctx holds it until removed */
  }
  child_source = g_child_watch_source_new(pid);
  g_source_set_callback(child_source, G_SOURCE_FUNC(on_child_exit), &run, NULL);
  g_source_attach(child_source, ctx);
  timeout_source = g_timeout_source_new(timeout_ms);
  g_source_set_callback(timeout_source, on_timeout, &run, NULL);
  g_source_attach(timeout_source, ctx);

  while (!run.exited && !run.timed_out)
    g_main_context_iteration(ctx, TRUE);

  if (!run.exited) {
    /* The whole group: the shell and what it is waiting for. */
    if (kill(-pid, SIGKILL) < 0)
      kill(pid, SIGKILL);
    while (!run.exited)
      g_main_context_iteration(ctx, TRUE);
  }

  /* Take what the script wrote before it ended, but do not wait for end of
   * file: something it left running may hold the pipes open. */
  for (i = 0; i < 2; i++) {
    if (run.out[i].source) {
      stream_read(&run.out[i]);
      g_source_destroy(run.out[i].source);
    }
    close(run.out[i].fd);
  }
  g_source_destroy(timeout_source);
  g_source_unref(timeout_source);
  g_source_destroy(child_source);
  g_source_unref(child_source);
  g_main_context_unref(ctx);
  g_spawn_close_pid(pid);

  stream_log(&run.out[0], reason, "stdout");
  stream_log(&run.out[1], reason, "stderr");

  ok = !run.timed_out && WIFEXITED(run.wait_status) && WEXITSTATUS(run.wait_status) == 0;
  if (ok)
    g_debug("vpnc-script %s: done", reason);
  else
    set_script_error(error, script, reason, &run, timeout_ms);

  for (i = 0; i < 2; i++)
    g_string_free(run.out[i].buf, TRUE);
  return ok;
}
