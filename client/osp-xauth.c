/* SPDX-License-Identifier: GPL-2.0-or-later
 * Osprey — the Transaction exchanges after phase 1: XAUTH
 * (draft-beaulieu-ike-xauth-02) and Mode Config
 * (draft-dukes-ike-mode-cfg-02) with Cisco Unity attributes.
 *
 *   <--  HDR*, HASH, ATTR(REQUEST: user, password|passcode, [message])
 *   HDR*, HASH, ATTR(REPLY: user, password)  -->
 *   <--  HDR*, HASH, ATTR(SET: status)
 *   HDR*, HASH, ATTR(ACK: status)  -->
 *   pull (Cisco):  HDR*, HASH, ATTR(REQUEST: address, ...) -->  <-- ATTR(REPLY)
 *   push (others): <-- ATTR(SET: address, ...)  ATTR(ACK) -->
 */
#include "osp-session-private.h"

#include <arpa/inet.h>
#include <errno.h>
#include <glib/gi18n-lib.h>
#include <openssl/crypto.h>
#include <string.h>

enum {
  X_TYPE = 16520, X_USER_NAME = 16521, X_USER_PASSWORD = 16522, X_PASSCODE = 16523,
  X_MESSAGE = 16524, X_CHALLENGE = 16525, X_DOMAIN = 16526, X_STATUS = 16527,
  X_NEXT_PIN = 16528, X_ANSWER = 16529,
};

enum {
  C_IP4_ADDRESS = 1, C_IP4_NETMASK = 2, C_IP4_DNS = 3, C_IP4_NBNS = 4, C_ADDRESS_EXPIRY = 5,
  C_APPLICATION_VERSION = 7,
  U_BANNER = 28672, U_SAVE_PASSWD = 28673, U_DEF_DOMAIN = 28674, U_SPLIT_DNS = 28675,
  U_SPLIT_INCLUDE = 28676, U_NATT_PORT = 28677, U_SPLIT_EXCLUDE = 28678, U_PFS = 28679,
  U_FW_TYPE = 28680, U_BACKUP_SERVERS = 28681, U_DDNS_HOSTNAME = 28682,
};

#define MAX_TEXT_ATTR 8192

/* Builds and sends HDR*, HASH, ATTR(type, id, attrs) on the given exchange. */
/* Mode Config done: negotiate the first IPsec SA, or, when this IKE SA
 * replaces one, take over its IPsec SAs instead (they live on). */
static void configured(OspSession *s)
{
  if (s->params.reauth)
    osp_session_established_now(s);
  else
    osp_quick_start(s, false);
}

static void send_cfg(OspSession *s, uint32_t msgid, uint8_t type, uint16_t id,
                     const GByteArray *attrs, bool expect_answer)
{
  size_t hlen = osp_hash_len(s->ike->hash);
  uint8_t zero[64] = { 0 };
  OspIsakmpHdr h;
  OspMsg m;

  osp_ike_sa_hdr(s->ike, &h, OSP_EXCH_TRANSACTION, msgid, true);
  osp_msg_init(&m, &h);
  osp_msg_add_payload(&m, OSP_PL_HASH, zero, hlen);
  osp_msg_begin_payload(&m, OSP_PL_ATTR);
  osp_put_cfg_hdr(m.buf, type, id);
  if (attrs) {
    /* a reply carries passwords: room for them and the padding first */
    osp_byte_array_reserve(m.buf, attrs->len + 64);
    g_byte_array_append(m.buf, attrs->data, attrs->len);
  }
  osp_msg_end_payload(&m);
  osp_ike_sa_seal(s->ike, &m, msgid, NULL, 0);
  if (expect_answer)
    osp_session_send(s, g_byte_array_ref(m.buf), OSP_HANDSHAKE_TRIES);
  else
    osp_session_send_reply(s, g_byte_array_ref(m.buf));
  /* m.buf is ciphertext and stays referenced for retransmission: not wiped */
  osp_msg_clear(&m);
}

static char *attr_text(const OspAttr *a)
{
  size_t len = MIN(a->len, MAX_TEXT_ATTR);
  char *t = g_malloc(len + 1);
  size_t i;

  for (i = 0; i < len; i++)
    t[i] = a->data[i] ? (char)a->data[i] : ' '; /* no NUL inside a C string */
  t[len] = 0;
  while (len > 0 && t[len - 1] == ' ')
    t[--len] = 0;
  if (!g_utf8_validate(t, -1, NULL)) {
    char *fixed = g_utf8_make_valid(t, -1);

    g_free(t);
    return fixed;
  }
  return t;
}

/* ---- XAUTH ------------------------------------------------------------ */

/* The answer to one requested attribute; NULL when there is none. */
static const char *xauth_value(const OspSession *s, uint16_t t,
                               const char *const values[OSP_SECRET_N_KINDS])
{
  const OspProfile *p = s->profile;

  switch (t) {
  case X_USER_NAME:
    return values[OSP_SECRET_USERNAME] ? values[OSP_SECRET_USERNAME] : p->username;
  case X_USER_PASSWORD:
    return values[OSP_SECRET_PASSWORD] ? values[OSP_SECRET_PASSWORD] : p->password;
  case X_PASSCODE: return values[OSP_SECRET_PASSCODE];
  case X_NEXT_PIN: return values[OSP_SECRET_NEXT_PIN];
  case X_ANSWER: return values[OSP_SECRET_ANSWER];
  case X_DOMAIN: return p->domain;
  default: return NULL;
  }
}

static void xauth_reply(OspSession *s, const char *const values[OSP_SECRET_N_KINDS])
{
  g_autoptr(GByteArray) attrs = g_byte_array_new();
  guint need = 0;
  size_t i;

  /* the answers are secrets: room for all of them first, so that the array
   * never moves (a realloc would leave a copy nobody wipes) */
  for (i = 0; i + 1 < s->xauth_attrs->len; i += 2) {
    const char *v = xauth_value(s, osp_get16(s->xauth_attrs->data + i), values);

    need += 4 + (v ? (guint)strlen(v) : 0);
  }
  osp_byte_array_reserve(attrs, need);
  for (i = 0; i + 1 < s->xauth_attrs->len; i += 2) {
    uint16_t t = osp_get16(s->xauth_attrs->data + i);
    const char *v = xauth_value(s, t, values);

    if (t == X_TYPE)
      osp_put_attr_basic(attrs, X_TYPE, 0);
    else if (v)
      osp_put_attr_var(attrs, t, v, strlen(v));
  }
  send_cfg(s, s->xauth_msgid, OSP_CFG_REPLY, s->xauth_id, attrs, false);
  OPENSSL_cleanse(attrs->data, attrs->len);
  /* wait for the SET.  Our REPLY is an answer: when it is lost the gateway
   * repeats its REQUEST and the REPLY goes again; resending it unasked
   * makes gateways (strongSwan) answer PAYLOAD-MALFORMED and lose the IV
   * of this exchange */
  osp_session_arm_retransmit(s, NULL, OSP_HANDSHAKE_TRIES);
  osp_session_enter(s, S_XAUTH_REPLIED);
}

void osp_xauth_secrets(OspSession *s, const char *const values[OSP_SECRET_N_KINDS])
{
  OspProfile *p = s->profile;

  if (values[OSP_SECRET_USERNAME]) {
    g_free(p->username);
    p->username = g_strdup(values[OSP_SECRET_USERNAME]);
  }
  if (values[OSP_SECRET_PASSWORD]) {
    osp_str_wipe_free(p->password);
    p->password = g_strdup(values[OSP_SECRET_PASSWORD]);
  }
  xauth_reply(s, values);
}

static void xauth_request(OspSession *s, const OspIsakmpHdr *h, const OspCfg *cfg)
{
  static const char *const none[OSP_SECRET_N_KINDS] = { NULL };
  const uint8_t *p = cfg->attrs;
  size_t left = cfg->attrs_len, n = 0;
  g_autofree char *message = NULL;
  OspSecretKind kinds[OSP_SECRET_N_KINDS];
  const char *why;
  OspAttr a;
  bool retry = s->state == S_XAUTH_REPLIED || s->state == S_XAUTH_SECRETS;
  uint32_t seen = 0; /* XAUTH types met, bit (type - X_TYPE): a repeat is ignored */

  osp_session_stop_retransmit(s);
  if (s->xauth_attrs)
    g_byte_array_unref(s->xauth_attrs);
  s->xauth_attrs = g_byte_array_new();
  s->xauth_id = cfg->identifier;
  s->xauth_msgid = h->msgid;
  while (osp_attr_next(&p, &left, &a, &why) > 0) {
    uint8_t t[2];
    uint32_t v = 0;

    if (a.type >= X_TYPE && a.type <= X_ANSWER) {
      if (seen & (1u << (a.type - X_TYPE))) {
        g_debug("xauth: repeated attribute %u ignored", a.type);
        continue;
      }
      seen |= 1u << (a.type - X_TYPE);
    }
    osp_put16(t, a.type);
    switch (a.type) {
    case X_TYPE:
      osp_attr_uint(&a, &v);
      if (v != 0 && v != 2) { /* generic and OTP are answered alike */
        osp_session_fail(s, OSP_ERROR_GATEWAY_REJECTED,
                         _("The gateway asks for XAUTH type %u, which Osprey does not support."), v);
        return;
      }
      break;
    case X_USER_NAME:
      if (!s->profile->username || retry)
        kinds[n++] = OSP_SECRET_USERNAME;
      break;
    case X_USER_PASSWORD:
      if (!s->profile->password || retry)
        kinds[n++] = OSP_SECRET_PASSWORD;
      break;
    case X_PASSCODE: kinds[n++] = OSP_SECRET_PASSCODE; break;
    case X_NEXT_PIN: kinds[n++] = OSP_SECRET_NEXT_PIN; break;
    case X_ANSWER: kinds[n++] = OSP_SECRET_ANSWER; break;
    case X_MESSAGE:
    case X_CHALLENGE:
      g_free(message);
      message = attr_text(&a);
      continue;
    case X_DOMAIN:
      break;
    default:
      continue;
    }
    g_byte_array_append(s->xauth_attrs, t, 2);
  }
  if (n == 0) {
    xauth_reply(s, none);
    return;
  }
  osp_session_enter(s, S_XAUTH_SECRETS);
  osp_session_ask_secrets(s, kinds, n, message, retry);
}

static void xauth_status(OspSession *s, const OspIsakmpHdr *h, const OspCfg *cfg, uint32_t status)
{
  g_autoptr(GByteArray) attrs = g_byte_array_new();

  osp_session_stop_retransmit(s);
  osp_put_attr_basic(attrs, X_STATUS, (uint16_t)status);
  send_cfg(s, h->msgid, OSP_CFG_ACK, cfg->identifier, attrs, false);
  osp_ike_sa_forget_iv(s->ike, h->msgid);
  if (status != 1) {
    osp_session_fail(s, OSP_ERROR_BAD_CREDENTIALS,
                     _("The gateway rejected the username or password (XAUTH failed)."));
    return;
  }
  g_debug("xauth: accepted");
  if (s->profile->vendor == OSP_VENDOR_CISCO)
    osp_modecfg_start(s);
  else
    osp_session_enter(s, S_CFG_SENT); /* push: wait for the gateway's SET */
}

/* ---- Mode Config ------------------------------------------------------ */

void osp_modecfg_start(OspSession *s)
{
  static const uint16_t wanted[] = {
    C_IP4_ADDRESS, C_IP4_NETMASK, C_IP4_DNS, C_IP4_NBNS, C_ADDRESS_EXPIRY, U_BANNER,
    U_SAVE_PASSWD, U_DEF_DOMAIN, U_SPLIT_DNS, U_SPLIT_INCLUDE, U_SPLIT_EXCLUDE, U_PFS,
    U_BACKUP_SERVERS,
  };
  g_autoptr(GByteArray) attrs = g_byte_array_new();
  const char *ver = s->profile->app_version ? s->profile->app_version : "Osprey";
  size_t i;

  osp_put_attr_var(attrs, C_APPLICATION_VERSION, ver, strlen(ver));
  for (i = 0; i < G_N_ELEMENTS(wanted); i++)
    osp_put_attr_var(attrs, wanted[i], NULL, 0);
  s->cfg_msgid = osp_ike_sa_new_msgid();
  osp_random(&s->cfg_id, sizeof(s->cfg_id));
  osp_session_enter(s, S_CFG_SENT);
  send_cfg(s, s->cfg_msgid, OSP_CFG_REQUEST, s->cfg_id, attrs, true);
}

static void add_split(GArray *list, const OspAttr *a)
{
  size_t off;

  for (off = 0; off + 14 <= a->len && list->len < 256; off += 14) {
    OspSplitNet net;

    memcpy(&net.addr, a->data + off, 4);
    memcpy(&net.mask, a->data + off + 4, 4);
    net.protocol = osp_get16(a->data + off + 8);
    net.sport = osp_get16(a->data + off + 10);
    net.dport = osp_get16(a->data + off + 12);
    g_array_append_val(list, net);
  }
}

/* strongSwan sends one SPLIT_DNS attribute per domain, Cisco one list:
 * all of them reach the script, joined with spaces as vpnc does
 * ("corp.example lab.example") */
static void add_split_dns(OspIpConfig *c, const OspAttr *a)
{
  g_autofree char *v = attr_text(a);
  char *joined;

  if (!*v || (c->split_dns && strlen(c->split_dns) + strlen(v) >= MAX_TEXT_ATTR))
    return;
  if (!c->split_dns) {
    c->split_dns = g_steal_pointer(&v);
    return;
  }
  joined = g_strconcat(c->split_dns, " ", v, NULL);
  g_free(c->split_dns);
  c->split_dns = joined;
}

static void add_addr(GArray *list, const OspAttr *a)
{
  struct in_addr in;

  if (a->len != 4 || list->len >= 16)
    return;
  memcpy(&in, a->data, 4);
  g_array_append_val(list, in);
}

static bool apply_config(OspSession *s, const OspCfg *cfg)
{
  OspIpConfig *c = s->ipcfg;
  const uint8_t *p = cfg->attrs;
  size_t left = cfg->attrs_len;
  const char *why;
  OspAttr a;

  while (osp_attr_next(&p, &left, &a, &why) > 0) {
    uint32_t v = 0;

    switch (a.type) {
    case C_IP4_ADDRESS: if (a.len == 4) memcpy(&c->address, a.data, 4); break;
    case C_IP4_NETMASK: if (a.len == 4) memcpy(&c->netmask, a.data, 4); break;
    case C_IP4_DNS: add_addr(c->dns, &a); break;
    case C_IP4_NBNS: add_addr(c->nbns, &a); break;
    case C_ADDRESS_EXPIRY: if (osp_attr_uint(&a, &v) == 0) c->address_expiry = v; break;
    case U_BANNER: g_free(c->banner); c->banner = attr_text(&a); break;
    case U_SAVE_PASSWD: if (osp_attr_uint(&a, &v) == 0) c->save_password = v != 0; break;
    case U_DEF_DOMAIN: g_free(c->default_domain); c->default_domain = attr_text(&a); break;
    case U_SPLIT_DNS: add_split_dns(c, &a); break;
    case U_SPLIT_INCLUDE: add_split(c->split_inc, &a); break;
    case U_SPLIT_EXCLUDE: add_split(c->split_exc, &a); break;
    case U_PFS: if (osp_attr_uint(&a, &v) == 0) c->pfs_group = (int)v; break;
    case U_BACKUP_SERVERS: g_free(c->backup_servers); c->backup_servers = attr_text(&a); break;
    default: break;
    }
  }
  if (c->address.s_addr == 0) {
    osp_session_fail(s, OSP_ERROR_PROTOCOL,
                     _("The gateway did not assign an internal IPv4 address (Mode Config)."));
    return false;
  }
  if (s->profile->no_split)
    g_array_set_size(c->split_inc, 0);
  osp_ip_config_sanitize(c); /* before a script, the daemon or a terminal sees them */
  c->gateway = s->params.peer.sin_addr;
  {
    char ip[INET_ADDRSTRLEN];

    inet_ntop(AF_INET, &c->address, ip, sizeof(ip));
    g_debug("mode config: address %s, %u DNS, %u split-include, banner %s", ip, c->dns->len,
            c->split_inc->len, c->banner ? "yes" : "no");
  }
  s->ops->ip_config(s->user, c);
  return true;
}

/* ---- dispatch --------------------------------------------------------- */

static bool has_attr(const OspCfg *cfg, uint16_t type, uint32_t *ret)
{
  const uint8_t *p = cfg->attrs;
  size_t left = cfg->attrs_len;
  const char *why;
  OspAttr a;

  while (osp_attr_next(&p, &left, &a, &why) > 0)
    if (a.type == type) {
      if (ret && osp_attr_uint(&a, ret) < 0)
        *ret = 0;
      return true;
    }
  return false;
}

void osp_xauth_input(OspSession *s, const OspIsakmpHdr *h, const OspPayload *pl, size_t n)
{
  const OspPayload *attr = osp_payload_find(pl, n, OSP_PL_ATTR);
  const char *why = NULL;
  uint32_t status = 0;
  OspCfg cfg;

  if (!attr || osp_cfg_parse(attr->body, attr->len, &cfg, &why) < 0) {
    osp_session_reply_rejected(s, why ? why : "a transaction without an attribute payload");
    return;
  }
  switch (cfg.type) {
  case OSP_CFG_REQUEST:
    if (s->state == S_XAUTH_WAIT || s->state == S_XAUTH_REPLIED || s->state == S_XAUTH_SECRETS)
      xauth_request(s, h, &cfg);
    return;
  case OSP_CFG_SET:
    if (has_attr(&cfg, X_STATUS, &status)) {
      if (s->state == S_XAUTH_REPLIED)
        xauth_status(s, h, &cfg, status);
      return;
    }
    if (s->state != S_CFG_SENT && s->state != S_XAUTH_WAIT)
      return;
    /* Mode Config push */
    osp_session_stop_retransmit(s);
    send_cfg(s, h->msgid, OSP_CFG_ACK, cfg.identifier, NULL, false);
    osp_ike_sa_forget_iv(s->ike, h->msgid);
    if (apply_config(s, &cfg))
      configured(s);
    return;
  case OSP_CFG_REPLY:
    if (s->state != S_CFG_SENT || h->msgid != s->cfg_msgid)
      return;
    osp_session_stop_retransmit(s);
    osp_ike_sa_forget_iv(s->ike, h->msgid);
    if (apply_config(s, &cfg))
      configured(s);
    return;
  default:
    g_debug("transaction: dropped attribute message of type %u", cfg.type);
    return;
  }
}
