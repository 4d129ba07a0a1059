/* SPDX-License-Identifier: GPL-2.0-or-later
 * Osprey — Mode Config (draft-dukes-ike-mode-cfg-02) with the Cisco Unity
 * attributes: the gateway assigns the internal address, DNS, split
 * networks and the banner.
 *
 *   pull (Cisco):  HDR*, HASH, ATTR(REQUEST: address, ...)  -->
 *                                           <--  HDR*, HASH, ATTR(REPLY)
 *   push (others):                          <--  HDR*, HASH, ATTR(SET: address, ...)
 *                  HDR*, HASH, ATTR(ACK)  -->
 */
#include "osp-session-private.h"

#include <arpa/inet.h>
#include <glib/gi18n-lib.h>
#include <string.h>

void osp_modecfg_start(OspSession *s)
{
  static const uint16_t wanted[] = {
    C_IP4_ADDRESS,   C_IP4_NETMASK, C_IP4_DNS,        C_IP4_NBNS,  C_ADDRESS_EXPIRY,
    U_BANNER,        U_SAVE_PASSWD, U_DEF_DOMAIN,     U_SPLIT_DNS, U_SPLIT_INCLUDE,
    U_SPLIT_EXCLUDE, U_PFS,         U_BACKUP_SERVERS,
  };
  static const uint16_t wanted6[] = { C_IP6_ADDRESS, C_IP6_DNS, C_IP6_SUBNET };
  g_autoptr(GByteArray) attrs = g_byte_array_new();
  const char *ver = s->profile->app_version ? s->profile->app_version : "Osprey";
  size_t i;

  osp_put_attr_var(attrs, C_APPLICATION_VERSION, ver, strlen(ver));
  for (i = 0; i < G_N_ELEMENTS(wanted); i++)
    osp_put_attr_var(attrs, wanted[i], NULL, 0);
  /* where ESP goes in UDP without NAT-T (NAT Traversal Mode cisco-udp) */
  if (s->profile->natt_mode == OSP_NATT_CISCO_UDP)
    osp_put_attr_var(attrs, U_NATT_PORT, NULL, 0);
  /* a gateway assigns IPv6 only when asked (strongSwan) */
  for (i = 0; s->profile->ipv6_inside != OSP_IPV6_NO && i < G_N_ELEMENTS(wanted6); i++)
    osp_put_attr_var(attrs, wanted6[i], NULL, 0);
  s->cfg.msgid = osp_ike_sa_new_msgid();
  osp_random(&s->cfg.id, sizeof(s->cfg.id));
  osp_session_send_cfg(s, s->cfg.msgid, OSP_CFG_REQUEST, s->cfg.id, attrs, true);
}

/* strongSwan sends one SPLIT_DNS attribute per domain, Cisco one list:
 * all of them reach the script, joined with spaces as vpnc does
 * ("corp.example lab.example") */
static void add_split_dns(OspIpConfig *c, const OspAttr *a)
{
  g_autofree char *v = osp_session_attr_text(a);
  char *joined;

  if (!*v || (c->split_dns && strlen(c->split_dns) + strlen(v) >= OSP_MAX_TEXT_ATTR))
    return;
  if (!c->split_dns) {
    c->split_dns = g_steal_pointer(&v);
    return;
  }
  joined = g_strconcat(c->split_dns, " ", v, NULL);
  g_free(c->split_dns);
  c->split_dns = joined;
}

/* Cisco sends BACKUP_SERVERS as text (names or addresses, separated by
 * commas or spaces); strongSwan, given addresses, as 4 bytes each. */
static char *backup_servers_text(const OspAttr *a)
{
  GString *s;
  size_t i;

  for (i = 0; i < a->len; i++)
    if (!g_ascii_isprint(a->data[i]))
      break;
  if (i == a->len || a->len % 4 != 0)
    return osp_session_attr_text(a);
  s = g_string_new(NULL);
  for (i = 0; i + 4 <= a->len && i < 4 * OSP_PROFILE_MAX_SERVERS; i += 4) {
    char text[INET_ADDRSTRLEN];

    g_string_append_printf(s, "%s%s", s->len ? " " : "",
                           inet_ntop(AF_INET, a->data + i, text, sizeof(text)));
  }
  return g_string_free(s, FALSE);
}

static void add_addr(GArray *list, const OspAttr *a)
{
  struct in_addr in;

  if (a->len != 4 || list->len >= 16)
    return;
  memcpy(&in, a->data, 4);
  g_array_append_val(list, in);
}

/* IPv6 (draft-dukes-ike-mode-cfg-02 3.2; strongSwan appends the prefix
 * length to the address as IKEv2 does, RFC 7296 3.15.1): what is wrong
 * with a value goes to *why (the first problem only), and IPv6 is not used */
typedef struct {
  bool address_seen;
  int netmask_len; /* from INTERNAL_IP6_NETMASK, -1 none */
  const char *why;
} Ip6Parse;

static int prefix_of_mask6(const uint8_t *m)
{
  int len = 0, i;

  for (i = 0; i < 128 && (m[i / 8] & (0x80 >> (i % 8))); i++)
    len++;
  for (; i < 128; i++)
    if (m[i / 8] & (0x80 >> (i % 8)))
      return -1;
  return len;
}

static void clear_host_bits6(struct in6_addr *a, unsigned prefix)
{
  for (unsigned i = prefix; i < 128; i++)
    a->s6_addr[i / 8] &= (uint8_t) ~(0x80 >> (i % 8));
}

/* An IPv6 network as strongSwan sends one: address and prefix length (17
 * bytes) or address and mask (32); false if it is none */
static bool net6_of(const OspAttr *a, OspNet6 *ret)
{
  int prefix;

  if (a->len != 17 && a->len != 32)
    return false;
  prefix = a->len == 17 ? a->data[16] : prefix_of_mask6(a->data + 16);
  if (prefix <= 0 || prefix > 128)
    return false;
  memcpy(&ret->addr, a->data, 16);
  ret->prefix = (unsigned)prefix;
  clear_host_bits6(&ret->addr, ret->prefix);
  return true;
}

/* Cisco sends 14-byte entries (address, mask, protocol, ports), several in
 * one attribute; strongSwan's pools (swanctl split_include/split_exclude)
 * one attribute per network: 8 bytes, address and mask only, or for an
 * IPv6 network 17, address and prefix length (into list6; read as IPv4
 * entries it would make up networks). */
static void add_split(GArray *list, GArray *list6, const OspAttr *a)
{
  size_t off, size = a->len == 8 ? 8 : 14;
  OspNet6 net6;

  if (a->len == 17) {
    if (list6->len < OSP_MAX_SPLIT_NETS && net6_of(a, &net6))
      g_array_append_val(list6, net6);
    else
      g_debug("mode config: an IPv6 split network dropped");
    return;
  }
  for (off = 0; off + size <= a->len && list->len < OSP_MAX_SPLIT_NETS; off += size) {
    OspSplitNet net = { 0 };

    memcpy(&net.addr, a->data + off, 4);
    memcpy(&net.mask, a->data + off + 4, 4);
    if (size == 14) {
      net.protocol = osp_get16(a->data + off + 8);
      net.sport = osp_get16(a->data + off + 10);
      net.dport = osp_get16(a->data + off + 12);
    }
    g_array_append_val(list, net);
  }
}

static void add_ip6(OspIpConfig *c, Ip6Parse *v6, const OspAttr *a)
{
  struct in6_addr in6;
  OspNet6 net;

  switch (a->type) {
  case C_IP6_ADDRESS:
    v6->address_seen = true; /* offered, usable or not */
    if (a->len != 16 && a->len != 17) {
      v6->why = v6->why ? v6->why : N_("an IPv6 address of a wrong length");
      return;
    }
    memcpy(&c->address6, a->data, 16);
    c->prefix6 = a->len == 17 ? a->data[16] : 128;
    return;
  case C_IP6_NETMASK:
    if (a->len == 16)
      v6->netmask_len = prefix_of_mask6(a->data);
    return;
  case C_IP6_DNS:
    if (a->len != 16 || c->dns6->len >= 16)
      return;
    memcpy(&in6, a->data, 16);
    if (osp_netcfg_ip6_usable(&in6))
      g_array_append_val(c->dns6, in6);
    return;
  case C_IP6_SUBNET:
    if ((a->len != 17 && a->len != 32) || c->split_inc6->len >= OSP_MAX_SPLIT_NETS)
      return;
    if (!net6_of(a, &net)) {
      v6->why = v6->why ? v6->why : N_("an IPv6 network with an invalid prefix");
      return;
    }
    g_array_append_val(c->split_inc6, net);
    return;
  default: return;
  }
}

/* Keeps the IPv6 configuration when it can be used; otherwise forgets
 * it and returns why not (static text, for the user) */
static const char *check_ip6(OspSession *s, Ip6Parse *v6)
{
  OspIpConfig *c = s->ipcfg;

  if (s->profile->ipv6_inside == OSP_IPV6_NO) {
    osp_ip_config_clear_ip6(c); /* not asked for: not used */
    return NULL;
  }
  if (v6->address_seen && c->prefix6 == 128 && v6->netmask_len >= 0)
    c->prefix6 = (unsigned)v6->netmask_len;
  if (!v6->why && !v6->address_seen)
    v6->why = N_("the gateway assigned no IPv6 address");
  if (!v6->why && (c->prefix6 == 0 || c->prefix6 > 128))
    v6->why = N_("the gateway's IPv6 prefix length is out of range");
  if (!v6->why && !osp_netcfg_ip6_usable(&c->address6))
    v6->why = N_("the gateway's IPv6 address is not one a host can use (multicast, link-local, "
                 "loopback or unspecified)");
  if (v6->why)
    osp_ip_config_clear_ip6(c);
  return v6->why;
}

static bool apply_config(OspSession *s, const OspCfg *cfg)
{
  OspIpConfig *c = s->ipcfg;
  const uint8_t *p = cfg->attrs;
  size_t left = cfg->attrs_len;
  const char *why, *no_ip6;
  Ip6Parse v6 = { .netmask_len = -1 };
  OspAttr a;

  osp_ip_config_clear_ip6(c);
  while (osp_attr_next(&p, &left, &a, &why) > 0) {
    uint32_t v = 0;

    switch (a.type) {
    case C_IP4_ADDRESS:
      if (a.len == 4)
        memcpy(&c->address, a.data, 4);
      break;
    case C_IP4_NETMASK:
      if (a.len == 4)
        memcpy(&c->netmask, a.data, 4);
      break;
    case C_IP4_DNS: add_addr(c->dns, &a); break;
    case C_IP4_NBNS: add_addr(c->nbns, &a); break;
    case C_ADDRESS_EXPIRY:
      if (osp_attr_uint(&a, &v) == 0)
        c->address_expiry = v;
      break;
    case U_BANNER:
      g_free(c->banner);
      c->banner = osp_session_attr_text(&a);
      break;
    case U_SAVE_PASSWD:
      if (osp_attr_uint(&a, &v) == 0)
        c->save_password = v != 0;
      break;
    case U_DEF_DOMAIN:
      g_free(c->default_domain);
      c->default_domain = osp_session_attr_text(&a);
      break;
    case U_SPLIT_DNS: add_split_dns(c, &a); break;
    case U_SPLIT_INCLUDE: add_split(c->split_inc, c->split_inc6, &a); break;
    case U_SPLIT_EXCLUDE: add_split(c->split_exc, c->split_exc6, &a); break;
    case U_PFS:
      if (osp_attr_uint(&a, &v) == 0)
        c->pfs_group = (int)v;
      break;
    case U_NATT_PORT:
      if (osp_attr_uint(&a, &v) == 0 && v > 0 && v <= G_MAXUINT16 && v != 500)
        c->natt_port = (uint16_t)v;
      else
        g_debug("mode config: NATT_PORT %u ignored", (unsigned)v);
      break;
    case U_BACKUP_SERVERS:
      g_free(c->backup_servers);
      c->backup_servers = backup_servers_text(&a);
      break;
    case C_IP6_ADDRESS:
    case C_IP6_NETMASK:
    case C_IP6_DNS:
    case C_IP6_SUBNET: add_ip6(c, &v6, &a); break;
    default: break;
    }
  }
  if (c->address.s_addr == 0) {
    osp_session_fail(s, OSP_ERROR_BAD_IP_CONFIG,
                     _("The gateway did not assign an internal IPv4 address (Mode Config)."));
    return false;
  }
  no_ip6 = check_ip6(s, &v6);
  if (no_ip6 && s->profile->ipv6_inside == OSP_IPV6_YES) {
    osp_session_fail(s, OSP_ERROR_BAD_IP_CONFIG,
                     _("No IPv6 inside the tunnel, which the profile requires (IPv6 inside "
                       "yes): %s."),
                     _(no_ip6));
    return false;
  }
  /* a gateway without IPv6 is the common case: only the debug log says
   * so; one that offered IPv6 it cannot have is worth a notice */
  if (no_ip6 && v6.address_seen)
    osp_session_no_ip6(s, _(no_ip6));
  else if (no_ip6)
    g_debug("mode config: %s: IPv4 only", no_ip6);
  if (s->profile->no_split) {
    g_array_set_size(c->split_inc, 0);
    g_array_set_size(c->split_inc6, 0);
  }
  osp_ip_config_sanitize(c); /* before a script, the daemon or a terminal sees them */
  c->gateway = s->params.peer;
  osp_addr_set_port(&c->gateway, 0);
  {
    char ip[INET_ADDRSTRLEN], ip6[INET6_ADDRSTRLEN] = "none";

    inet_ntop(AF_INET, &c->address, ip, sizeof(ip));
    if (osp_ip_config_has_ip6(c))
      inet_ntop(AF_INET6, &c->address6, ip6, sizeof(ip6));
    g_debug("mode config: address %s, IPv6 %s/%u, %u DNS, %u split-include (%u IPv6), "
            "%u split-exclude, banner %s",
            ip, ip6, c->prefix6, c->dns->len + c->dns6->len, c->split_inc->len, c->split_inc6->len,
            c->split_exc->len, c->banner ? "yes" : "no");
  }
  s->ops->ip_config(s->user, c);
  return true;
}

OspExchOutcome osp_modecfg_input(OspSession *s, const OspIsakmpHdr *h, const OspCfg *cfg)
{
  switch (cfg->type) {
  case OSP_CFG_SET:
    if (s->state != S_CFG_SENT && s->state != S_XAUTH_WAIT)
      return OSP_EXCH_NEED_MORE;
    /* push */
    osp_session_stop_retransmit(s);
    osp_session_send_cfg(s, h->msgid, OSP_CFG_ACK, cfg->identifier, NULL, false);
    osp_ike_sa_forget_iv(s->ike, h->msgid);
    return apply_config(s, cfg) ? OSP_EXCH_DONE : OSP_EXCH_FAILED;
  case OSP_CFG_REPLY:
    if (s->state != S_CFG_SENT || h->msgid != s->cfg.msgid)
      return OSP_EXCH_NEED_MORE;
    osp_session_stop_retransmit(s);
    osp_ike_sa_forget_iv(s->ike, h->msgid);
    return apply_config(s, cfg) ? OSP_EXCH_DONE : OSP_EXCH_FAILED;
  default:
    g_debug("transaction: dropped attribute message of type %u", cfg->type);
    return OSP_EXCH_NEED_MORE;
  }
}

OspExchOutcome osp_modecfg_refused(OspSession *s, const OspNotify *nt)
{
  osp_session_fail(s, OSP_ERROR_GATEWAY_REJECTED,
                   _("The gateway refused the configuration request (%s)."),
                   osp_notify_name(nt->type));
  return OSP_EXCH_FAILED;
}
