/* SPDX-License-Identifier: GPL-2.0-or-later
 * Osprey — the IP configuration a gateway gives us (Mode Config + Cisco
 * Unity), and applying it through the vpnc-script contract. */
#pragma once

#include "osp-common.h"
#include <netinet/in.h>

G_BEGIN_DECLS

typedef struct {
  struct in_addr addr;
  struct in_addr mask;
  uint16_t protocol;
  uint16_t sport;
  uint16_t dport;
} OspSplitNet;

typedef struct {
  struct in_addr gateway;     /* outer address of the gateway (VPNGATEWAY) */
  char *tundev;               /* TUNDEV */
  unsigned mtu;               /* INTERNAL_IP4_MTU */
  struct in_addr address;     /* INTERNAL_IP4_ADDRESS */
  struct in_addr netmask;     /* INTERNAL_IP4_NETMASK; 0 = not given (255.255.255.255 used) */
  GArray *dns;                /* of struct in_addr */
  GArray *nbns;               /* of struct in_addr */
  char *default_domain;       /* CISCO_DEF_DOMAIN */
  char *split_dns;            /* CISCO_SPLIT_DNS, comma-separated as the gateway sent it */
  char *banner;               /* CISCO_BANNER */
  GArray *split_inc;          /* of OspSplitNet; empty = full tunnel */
  GArray *split_exc;          /* of OspSplitNet */
  char *backup_servers;       /* as sent */
  bool save_password;         /* Unity SAVE_PASSWD */
  int pfs_group;              /* Unity PFS: 0 none, else DH group, -1 not sent */
  uint32_t address_expiry;    /* seconds, 0 = not sent */
} OspIpConfig;

OspIpConfig *osp_ip_config_new(void);
OspIpConfig *osp_ip_config_copy(const OspIpConfig *c); /* deep copy */
void osp_ip_config_free(OspIpConfig *c);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(OspIpConfig, osp_ip_config_free)

/* prefix length of a contiguous netmask (network order), -1 if not contiguous */
int osp_netmask_len(struct in_addr mask);

/* The environment the vpnc-script contract defines for `reason`
 * ("pre-init", "connect", "disconnect", "reconnect", "attempt-reconnect"),
 * appended to a copy of `base_env` (NULL = the process environment);
 * variables of the contract already present in base_env are replaced.
 * cfg may be NULL for pre-init.  Returns a NULL-terminated strv. */
char **osp_script_env(const char *reason, const OspIpConfig *cfg, char **base_env);

/* Runs `script` (with /bin/sh -c semantics like vpnc: the value may carry
 * arguments) with that environment, waits for it, logs its output at debug
 * level.  0 on exit status 0, else FALSE with OSP_ERROR_SCRIPT saying the
 * status and the last line of stderr. */
gboolean osp_script_run(const char *script, const char *reason, const OspIpConfig *cfg,
                        GError **error);

G_END_DECLS
