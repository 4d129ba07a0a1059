/* SPDX-License-Identifier: GPL-2.0-or-later
 * Osprey — one VPN connection driven by the GLib main loop: the public face
 * of the engine for ospreyd, nm-osprey-service and tests.
 *
 * Events out (callbacks, always from the main loop), secrets in.  The
 * connection owns its sockets, TUN device and timers; it runs the network
 * script unless the caller takes over network configuration
 * (OspConnectionFlags.no_script, for NetworkManager). */
#pragma once

#include "osp-common.h"
#include "osp-netcfg.h"
#include "osp-profile.h"
#include "osp-types.h"

G_BEGIN_DECLS

typedef struct OspConnection OspConnection;

typedef struct {
  /* every state change, once; reason is set for FAILED and RECONNECTING
   * (and for DISCONNECTED when the gateway ended it) */
  void (*state_changed)(OspConnection *c, OspState old_state, OspState new_state,
                        const GError *reason, gpointer user_data);
  /* the engine needs secrets; answer with provide_secrets or cancel */
  void (*secrets_needed)(OspConnection *c, const OspSecretRequest *req, gpointer user_data);
  /* login banner from the gateway */
  void (*banner)(OspConnection *c, const char *banner, gpointer user_data);
  /* IP configuration applied (or to apply when no_script) */
  void (*ip_config)(OspConnection *c, const OspIpConfig *cfg, gpointer user_data);
  /* something the user should know that is no failure (e.g. the network
   * state a crashed client left was repaired); may be NULL */
  void (*notice)(OspConnection *c, const char *text, gpointer user_data);
} OspConnectionCallbacks;

typedef struct {
  bool no_script; /* do not run the vpnc-script; the caller configures the network */
  bool reconnect; /* reconnect with backoff after a loss instead of failing */
  /* The host's state directory, where what worked before is kept (the DH
   * group per gateway: osp-dh-memory.h); copied.  NULL: nothing kept. */
  const char *state_dir;
} OspConnectionFlags;

OspConnection *osp_connection_new(const OspProfile *profile, const OspConnectionFlags *flags,
                                  const OspConnectionCallbacks *cb, gpointer user_data);
void osp_connection_free(OspConnection *c); /* tears down without network I/O if still up */
G_DEFINE_AUTOPTR_CLEANUP_FUNC(OspConnection, osp_connection_free)

/* Starts connecting (asynchronous); FALSE only for errors found at once
 * (invalid profile, cannot open a socket). */
gboolean osp_connection_start(OspConnection *c, GError **error);
/* values[k] for each kind asked for (NULL for kinds not answered) */
void osp_connection_provide_secrets(OspConnection *c, guint request_id,
                                    const char *const values[OSP_SECRET_N_KINDS]);
void osp_connection_cancel_secrets(OspConnection *c, guint request_id);
/* Sends Delete, runs the script with "disconnect", removes the TUN device;
 * ends in DISCONNECTED.  Safe in any state. */
void osp_connection_disconnect(OspConnection *c);

OspState osp_connection_get_state(const OspConnection *c);
const GError *osp_connection_get_error(const OspConnection *c);          /* last failure or NULL */
const OspIpConfig *osp_connection_get_ip_config(const OspConnection *c); /* NULL before */
const char *osp_connection_get_banner(const OspConnection *c);
const char *osp_connection_get_gateway(const OspConnection *c); /* resolved address */
gint64 osp_connection_get_since(const OspConnection *c); /* g_get_real_time() of CONNECTED, 0 */

typedef struct {
  uint64_t tx_packets, tx_bytes, rx_packets, rx_bytes;
  uint64_t rx_errors;  /* auth failures + replays + malformed */
  uint64_t rx_dropped; /* authentic, but not an IP packet for us (RFC 4301 5.2) */
  unsigned rekeys;
} OspConnectionStats;
void osp_connection_get_stats(const OspConnection *c, OspConnectionStats *ret);

/* What is negotiated now, for details windows and `osprey status -v`:
 * algorithm names (static strings), lifetimes and SPIs, never keys.  The
 * IPsec part is that of the newest SA pair, which carries outbound
 * traffic.  Times on the g_get_real_time() scale, 0 when unknown or none. */
typedef struct {
  const char *ike_cipher, *ike_integrity, *ike_dh_group; /* NULL before phase 1 */
  gint64 ike_expires;
  /* how phase 1 authenticated, NULL before: the choices of auth-mode
   * ("psk", "hybrid", "cert") and exchange-mode ("aggressive", "main") */
  const char *ike_auth, *ike_exchange;
  const char *ike_signature;              /* "RSA", "ECDSA-256" ...; NULL with the group secret */
  bool ike_xauth;                         /* XAUTH authenticated the user after phase 1 */
  bool natt;                              /* IKE and ESP in UDP 4500 */
  const char *esp_cipher, *esp_integrity; /* NULL before the first IPsec SA */
  const char *esp_pfs_group;              /* NULL: no PFS */
  uint32_t esp_spi_in, esp_spi_out;
  gint64 esp_expires;
  uint32_t esp_lifetime_kb; /* 0: no volume limit */
} OspConnectionSaInfo;
void osp_connection_get_sa_info(const OspConnection *c, OspConnectionSaInfo *ret);

G_END_DECLS
