/* SPDX-License-Identifier: GPL-2.0-or-later
 * Osprey — the IP configuration a gateway gives us (Mode Config + Cisco
 * Unity), and applying it through the vpnc-script contract. */
#pragma once

#include "osp-addr.h"
#include "osp-common.h"
#include <netinet/in.h>
#include <string.h>

G_BEGIN_DECLS

typedef struct {
  struct in_addr addr;
  struct in_addr mask;
  uint16_t protocol;
  uint16_t sport;
  uint16_t dport;
} OspSplitNet;

/* An IPv6 network: INTERNAL_IP6_SUBNET, CISCO_IPV6_SPLIT_INC, _EXC */
typedef struct {
  struct in6_addr addr;
  unsigned prefix; /* 0-128 */
} OspNet6;

typedef struct {
  OspAddr gateway;         /* outer address of the gateway, IPv4 or IPv6 (VPNGATEWAY) */
  char *tundev;            /* TUNDEV */
  unsigned mtu;            /* INTERNAL_IP4_MTU */
  struct in_addr address;  /* INTERNAL_IP4_ADDRESS */
  struct in_addr netmask;  /* INTERNAL_IP4_NETMASK; 0 = not given (255.255.255.255 used) */
  GArray *dns;             /* of struct in_addr */
  GArray *nbns;            /* of struct in_addr */
  char *default_domain;    /* CISCO_DEF_DOMAIN */
  char *split_dns;         /* CISCO_SPLIT_DNS, comma-separated as the gateway sent it */
  char *banner;            /* CISCO_BANNER */
  GArray *split_inc;       /* of OspSplitNet; empty = full tunnel */
  GArray *split_exc;       /* of OspSplitNet */
  char *backup_servers;    /* as sent */
  bool save_password;      /* Unity SAVE_PASSWD */
  int pfs_group;           /* Unity PFS: 0 none, else DH group, -1 not sent */
  uint32_t address_expiry; /* seconds, 0 = not sent */
  uint16_t natt_port;      /* Unity NATT_PORT: the gateway's Cisco UDP port, 0 = not sent */
  /* IPv6 inside (INTERNAL_IP6_*): set only while an IPv6 SA pair carries it */
  struct in6_addr address6; /* INTERNAL_IP6_ADDRESS; :: = no IPv6 */
  unsigned prefix6;         /* its prefix length (INTERNAL_IP6_NETMASK address/prefix) */
  GArray *dns6;             /* of struct in6_addr: INTERNAL_IP6_DNS */
  GArray *split_inc6;       /* of OspNet6: CISCO_IPV6_SPLIT_INC; empty = all IPv6 */
  GArray *split_exc6;       /* of OspNet6: CISCO_IPV6_SPLIT_EXC (strongSwan's in Unity LOCAL_LAN) */
} OspIpConfig;

OspIpConfig *osp_ip_config_new(void);
OspIpConfig *osp_ip_config_copy(const OspIpConfig *c); /* deep copy */
void osp_ip_config_free(OspIpConfig *c);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(OspIpConfig, osp_ip_config_free)

/* Host-name syntax (RFC 1123 labels of letters, digits, '-' and, as found
 * in the wild, '_'; 1-63 bytes each, no '-' at either end; at most 253 in
 * all; no empty label, so neither "." nor "~." passes).  The only syntax a
 * default domain or split-DNS entry may have: nothing a shell, resolv.conf
 * or a resolver's routing-domain syntax reads as anything else. */
gboolean osp_netcfg_is_domain(const char *name);

/* Makes the gateway's strings fit for a vpnc-script and for display: a
 * default domain that is not a host name is dropped, so are split-DNS entries
 * that are not (the valid ones are kept), and the banner keeps its newlines
 * and tabs but loses every other control character (C0, DEL, C1, ESC, CR, the
 * Unicode line separators).  Split-exclude networks with a non-contiguous
 * mask or 0.0.0.0/0 are dropped, the others' host bits cleared.  What was dropped is logged
 * (debug).  Returns how many values were dropped or changed. */
unsigned osp_ip_config_sanitize(OspIpConfig *c);

/* An address the gateway may give us inside the tunnel: not ::, not
 * loopback, multicast, link-local or IPv4-mapped. */
gboolean osp_netcfg_ip6_usable(const struct in6_addr *a);
/* Forgets the IPv6 configuration (no IPv6 SA pair carries it). */
void osp_ip_config_clear_ip6(OspIpConfig *c);
static inline gboolean osp_ip_config_has_ip6(const OspIpConfig *c)
{
  static const struct in6_addr none = IN6ADDR_ANY_INIT;

  return c && memcmp(&c->address6, &none, sizeof(none)) != 0;
}

/* prefix length of a contiguous netmask (network order), -1 if not contiguous */
int osp_netmask_len(struct in_addr mask);

/* A list of IPv4 networks as a profile writes them ("Target networks",
 * target-networks): "a.b.c.d", "a.b.c.d/len" or "a.b.c.d/m.m.m.m" (vpnc
 * accepts both), blank, tab or comma separated.  *ret gets a new array of
 * OspSplitNet (host bits cleared, protocol and ports 0; empty for an empty
 * list); on error OSP_ERROR_CONFIG names setting and the bad item, and
 * *ret is untouched.  The one parser of the profile, the connection and
 * the daemon's route-conflict check. */
gboolean osp_networks_parse(const char *setting, const char *text, GArray **ret, GError **error);
/* The networks of `include` (NULL or empty: 0.0.0.0/0) without those of
 * `exclude`, as prefixes (protocol and ports 0) a routing table takes
 * where it has no "outside the tunnel" route (NetworkManager): excluding
 * 203.0.113.0/24 from 0.0.0.0/0 gives 0.0.0.0/1, 128.0.0.0/2 ... 203.0.112.0/24.
 * Entries with a non-contiguous mask are skipped; an exclude that would
 * make more than `max` prefixes is not applied (its traffic stays in the
 * tunnel) and counted in *ret_skipped (may be NULL). */
GArray *osp_networks_subtract(const GArray *include, const GArray *exclude, guint max,
                              guint *ret_skipped);
/* The same for IPv6: the OspNet6 networks of `include` (NULL or empty:
 * ::/0) without those of `exclude`. */
GArray *osp_networks6_subtract(const GArray *include, const GArray *exclude, guint max,
                               guint *ret_skipped);
/* "a.b.c.d/len ..." of an OspSplitNet array; NULL when empty. */
char *osp_networks_format(const GArray *nets);

/* The environment the vpnc-script contract defines for `reason`
 * ("pre-init", "connect", "disconnect", "reconnect", "attempt-reconnect"),
 * appended to a copy of `base_env` (NULL = the process environment);
 * variables of the contract already present in base_env are replaced.
 * The gateway's strings pass through osp_ip_config_sanitize()'s rules
 * whatever the caller did.
 * cfg may be NULL for pre-init.  Returns a NULL-terminated strv. */
char **osp_script_env(const char *reason, const OspIpConfig *cfg, char **base_env);

/* Where the stock vpnc-script keeps its resolv.conf state (its generic
 * path: modify_resolvconf_generic() marks /etc/resolv.conf with
 * "#@VPNC_GENERATED@" and keeps the original in
 * /var/run/vpnc/resolv.conf-backup.$VPNPID), and Osprey's own copy of the
 * original, kept in the state directory while the tunnel is up. */
typedef struct {
  const char *resolv_conf; /* /etc/resolv.conf */
  const char *script_dir;  /* /var/run/vpnc */
  const char *own_dir;     /* the host's state directory; NULL: no copy */
  const char *proc_route;  /* /proc/net/route; NULL: leave the routes alone */
} OspScriptState;

/* The IPv4 default route in /proc/net/route text (the lowest metric), as
 * the words `ip route replace` takes ("default via 192.0.2.1 dev eth0
 * metric 100"), or NULL when there is none. */
char *osp_netcfg_default_route(const char *proc_net_route);

/* EnableLocalLAN: appends to split_exc the networks directly connected
 * (a route without next hop, not the default, not loopback, not on
 * skip_dev: the tunnel) in /proc/net/route text, those not in it already,
 * up to OSP_MAX_SPLIT_NETS entries in all.  Returns how many were added. */
#define OSP_MAX_SPLIT_NETS 256
guint osp_netcfg_add_local_lan(GArray *split_exc, const char *proc_net_route, const char *skip_dev);

/* The system's paths above, with own_dir = state_dir (may be NULL). */
void osp_script_state_default(OspScriptState *ret, const char *state_dir);

/* Before "connect" of process `self` (osp_script_run_full() does it while
 * "pre-init" runs, which touches neither file: its durable writes stay off
 * the way to the tunnel's address): a VPN client that died without its
 * disconnect (SIGKILL, power loss) leaves resolv.conf marked without the
 * backup the script wants, and the stock script then exits 2 on every
 * connect.  Restores the original (the dead client's backup, else Osprey's
 * own copy, else the file without the mark) and returns a sentence saying
 * what was repaired; NULL when there was nothing to repair, including when a
 * live client owns the mark.  An unmarked resolv.conf is copied to own_dir
 * for a later repair.  Likewise the default route a full tunnel replaced
 * (it went with the dead tunnel's device): restored from the dead client's
 * /var/run/vpnc/defaultroute.PID, else from Osprey's copy. */
char *osp_script_state_repair(const OspScriptState *st, pid_t self);
/* After a successful "disconnect": Osprey's copy is no longer needed. */
void osp_script_state_forget(const OspScriptState *st);

/* osp_script_run(), and for "pre-init" the repair above while the script
 * runs (its sentence in *ret_repaired, or NULL), for "disconnect" the copy
 * forgotten after; Osprey's copies are kept in state_dir (the host's; NULL: none kept). */
gboolean osp_script_run_full(const char *script, const char *reason, const OspIpConfig *cfg,
                             const char *state_dir, char **ret_repaired, GError **error);

/* Runs `script` (with /bin/sh -c semantics like vpnc: the value may carry
 * arguments) with that environment, waits for it, logs its output at debug
 * level.  0 on exit status 0, else FALSE with OSP_ERROR_SCRIPT saying the
 * status and the last line of stderr. */
gboolean osp_script_run(const char *script, const char *reason, const OspIpConfig *cfg,
                        GError **error);

G_END_DECLS
