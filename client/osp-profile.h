/* SPDX-License-Identifier: GPL-2.0-or-later
 * Osprey — a connection profile: the settings of one VPN, read from vpnc
 * .conf files, Cisco .pcf files or Osprey's own keyfile format, with the
 * validation every source shares. */
#pragma once

#include "osp-common.h"
#include "osp-secret-kind.h"

G_BEGIN_DECLS

typedef enum {
  OSP_VENDOR_CISCO = 0,
  OSP_VENDOR_NETSCREEN,
  OSP_VENDOR_FORTIGATE,
} OspVendor;

/* vpnc "IKE Authmode": how phase 1 authenticates the two sides. */
typedef enum {
  OSP_AUTH_PSK = 0, /* "psk": the group secret (then XAUTH) */
  OSP_AUTH_HYBRID,  /* "hybrid": the gateway's certificate, then XAUTH */
  OSP_AUTH_CERT,    /* "cert": main mode, certificates on both sides, then XAUTH */
} OspAuthMode;

typedef enum {
  OSP_NATT_AUTO = 0,  /* vpnc "natt": use NAT-T when NAT is detected */
  OSP_NATT_NONE,      /* "none": never */
  OSP_NATT_FORCE,     /* "force-natt": always encapsulate in UDP 4500 */
  OSP_NATT_CISCO_UDP, /* "cisco-udp": ESP in UDP to the gateway's Unity NATT_PORT, no NAT-T */
} OspNattMode;

/* "Exchange mode" of phase 1 with a pre-shared key or hybrid
 * authentication (certificates always use main mode) */
typedef enum {
  OSP_EXCH_MODE_AGGRESSIVE = 0, /* "aggressive": vpnc's, the group name in the clear */
  OSP_EXCH_MODE_MAIN,           /* "main": identity protection, strongSwan's aggressive = no */
} OspExchMode;

/* "IPv6 inside": Mode Config asks for an IPv6 address and a second quick
 * mode carries IPv6 */
typedef enum {
  OSP_IPV6_AUTO = 0, /* asked for; used when the gateway grants it */
  OSP_IPV6_YES,      /* required: a gateway that grants none fails the connection */
  OSP_IPV6_NO,       /* not asked for */
} OspIpv6Mode;

/* vpnc "Perfect Forward Secrecy": nopfs, dh1, dh2, dh5, server (default),
 * plus dh14..dh21 here. */
#define OSP_PFS_SERVER (-1)
#define OSP_PFS_NONE 0

/* vpnc "IKE DH Group": dh1/dh2/dh5 (+ dh14..dh21 here); 0 = auto: try a
 * strong group first and fall back. */
#define OSP_DH_AUTO 0

/* "Backup servers" at most (the Cisco client's list holds 10 with the
 * gateway; the gateway's own list adds to it) */
#define OSP_PROFILE_MAX_SERVERS 8

typedef struct {
  char *name; /* profile name (keyfile base name); may be NULL for a bare .conf */
  char *description;
  char *gateway;          /* "IPSec gateway": host name, IPv4 or IPv6 address (required) */
  char *group_id;         /* "IPSec ID" (required) */
  char *group_secret;     /* "IPSec secret" (or decoded obfuscated/enc_ form); NULL = ask */
  char *username;         /* "Xauth username"; NULL = ask */
  char *password;         /* "Xauth password"; NULL = ask */
  char *domain;           /* "Domain" (XAUTH domain) */
  int id_type;            /* ID payload type: OSP_ID_KEY_ID default, FQDN, USER_FQDN, IPV4_ADDR */
  OspVendor vendor;       /* "Vendor" */
  char *app_version;      /* "Application version" */
  int dh_group;           /* "IKE DH Group" → group number, OSP_DH_AUTO */
  int pfs_group;          /* "Perfect Forward Secrecy" → OSP_PFS_SERVER, OSP_PFS_NONE or group */
  bool enable_single_des; /* "Enable Single DES" */
  bool enable_weak_encryption;     /* "Enable weak encryption" (3DES) */
  bool enable_weak_authentication; /* "Enable weak authentication" (MD5) */
  bool enable_weak_dh_group;       /* "Enable weak DH group": MODP-1536/1024 in the auto walk */
  OspNattMode natt_mode;           /* "NAT Traversal Mode" */
  uint16_t local_port;             /* "Local Port"; 500 default, 0 = random */
  uint16_t cisco_udp_port;         /* "Cisco UDP Encapsulation Port"; 10000 default */
  char *ifname;                    /* "Interface name" (may be a template "tun%d"); NULL = tun%d */
  unsigned mtu;                    /* "Interface MTU"; 0 = computed */
  unsigned dpd_idle;               /* "DPD idle timeout (our side)" seconds; 0 = off; default 300 */
  char *script;                    /* "Script"; NULL = the built-in default */
  char *password_helper;           /* "Password helper": program that prints the password */
  unsigned ike_lifetime;           /* seconds proposed for the IKE SA; default 28800 */
  unsigned ipsec_lifetime;         /* seconds proposed for the IPsec SA; default 3600 */
  char *target_networks; /* "Target networks": space separated a.b.c.d/len; overrides split */
  bool keep_credentials; /* keep XAUTH credentials in memory for rekey/reconnect */
  bool no_split;         /* ignore split-include from the gateway (full tunnel) */
  bool local_lan;        /* the directly connected LAN stays outside the tunnel */
  char *backup_servers;  /* "Backup servers": space separated, tried in turn after the gateway */
  unsigned dpd_timeout;  /* seconds without an answer before the peer is dead; default 30 */
  OspAuthMode auth_mode; /* "IKE Authmode" */
  char *ca_file;         /* "CA-File": PEM CAs the gateway's certificate must chain to */
  char *ca_dir;          /* "CA-Dir": a hashed directory of CAs (c_rehash) */
  char *client_cert; /* "Client certificate": our PEM certificate (cert), chain after; or PKCS#12 */
  char *client_key;  /* "Client key": its PEM private key (unset with PKCS#12) */
  char *client_key_passphrase; /* "Client key passphrase": of the key or PKCS#12; NULL = ask */
  char *gateway_id; /* "Gateway ID": the name or DN its certificate must have; NULL = gateway */
  OspIpv6Mode ipv6_inside;   /* "IPv6 inside" */
  OspExchMode exchange_mode; /* "Exchange mode" (psk, hybrid) */
  bool ca_system;            /* "CA-System": the system's CAs too (hybrid, cert) */
  char *crl_file;            /* "CRL-File": PEM CRLs the gateway's certificate is checked in */
} OspProfile;

OspProfile *osp_profile_new(void);    /* all defaults set */
void osp_profile_free(OspProfile *p); /* wipes secrets */
G_DEFINE_AUTOPTR_CLEANUP_FUNC(OspProfile, osp_profile_free)
OspProfile *osp_profile_copy(const OspProfile *p);
/* The profile's field that holds a kind of secret (the kind's setting:
 * group_secret, username, password, client_key_passphrase), NULL for the
 * one-time kinds no profile keeps.  Like strchr(), a const profile gives
 * a field not to be written. */
char **osp_profile_secret_field(const OspProfile *p, OspSecretKind kind);

/* The keyfile names of an authentication and an exchange mode ("psk",
 * "main"): the choices of auth-mode and exchange-mode (osp-settings.c). */
const char *osp_profile_auth_mode_name(OspAuthMode mode);
const char *osp_profile_exch_mode_name(OspExchMode mode);

/* Checks required fields and value ranges; OSP_ERROR_CONFIG naming the
 * setting.  "Enable no encryption" is refused here by the parsers. */
gboolean osp_profile_validate(const OspProfile *p, GError **error);

/* vpnc .conf: "Keyword value" lines, '#' comments, later files override
 * earlier ones like vpnc.  Unknown keywords: a warning (in *ret_warnings if
 * not NULL, one line each), not an error; keywords vpnc has that do not
 * apply (e.g. "Noninteractive") are accepted silently.  Values containing
 * control characters are refused. */
OspProfile *osp_profile_parse_vpnc(const char *text, gsize len, GPtrArray *ret_warnings,
                                   GError **error);
gboolean osp_profile_merge_vpnc(OspProfile *p, const char *text, gsize len, GPtrArray *ret_warnings,
                                GError **error);
OspProfile *osp_profile_load_vpnc(const char *path, GPtrArray *ret_warnings, GError **error);

/* Cisco .pcf: INI [main], CRLF or LF, '!' prefix stripped, encodings
 * other than UTF-8 (Latin-1) converted, enc_GroupPwd/enc_UserPassword
 * decoded.  AuthType other than 1 is refused with OSP_ERROR_CONFIG. */
OspProfile *osp_profile_parse_pcf(const char *text, gsize len, GPtrArray *ret_warnings,
                                  GError **error);
OspProfile *osp_profile_load_pcf(const char *path, GPtrArray *ret_warnings, GError **error);

/* Sniffs .pcf vs vpnc .conf by content and extension. */
OspProfile *osp_profile_load_any(const char *path, GPtrArray *ret_warnings, GError **error);
/* The same on bytes already read; name (may be NULL) is the file name,
 * which decides when the contents do not (".pcf"). */
OspProfile *osp_profile_parse_any(const char *text, gsize len, const char *name,
                                  GPtrArray *ret_warnings, GError **error);

/* Osprey keyfile (osprey.conf(5)): group [profile], keys named after the
 * struct fields with '-' for '_' (gateway, group-id, username, ...).
 * Secrets (group-secret, password) are written only when with_secrets. */
OspProfile *osp_profile_from_keyfile(GKeyFile *kf, GError **error);
GKeyFile *osp_profile_to_keyfile(const OspProfile *p, bool with_secrets);

/* vpnc .conf text (for export), without secrets unless with_secrets */
char *osp_profile_to_vpnc(const OspProfile *p, bool with_secrets);

/* Cisco's obfuscation of group and user passwords (.pcf enc_GroupPwd,
 * vpnc's "IPSec obfuscated secret"): hex in, plaintext out (NUL-terminated,
 * free with osp_str_wipe_free).  -EBADMSG on bad hex, bad length, bad
 * SHA-1 check or bad padding. */
int osp_cisco_decrypt(const char *hex, char **ret_plain);

/* A list of gateways (host names, IPv4 or IPv6 addresses, each checked like
 * "IPSec gateway", separated by commas or white space, at most
 * OSP_PROFILE_MAX_SERVERS) as one space-separated string in *ret (NULL
 * for an empty list).  The error names it `setting`. */
gboolean osp_profile_canonical_servers(const char *setting, const char *v, char **ret,
                                       GError **error);

G_END_DECLS
