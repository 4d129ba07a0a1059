/* SPDX-License-Identifier: GPL-2.0-or-later
 * Osprey — XAUTH (draft-beaulieu-ike-xauth-02), the Transaction exchange
 * after phase 1 that authenticates the user:
 *
 *   <--  HDR*, HASH, ATTR(REQUEST: user, password|passcode, [message])
 *   HDR*, HASH, ATTR(REPLY: user, password)  -->
 *   <--  HDR*, HASH, ATTR(SET: status)
 *   HDR*, HASH, ATTR(ACK: status)  -->
 */
#include "osp-session-private.h"

#include <errno.h>
#include <glib/gi18n-lib.h>
#include <openssl/crypto.h>
#include <string.h>

void osp_xauth_clear(OspSession *s)
{
  if (s->xauth.attrs)
    g_byte_array_unref(s->xauth.attrs);
  g_free(s->xauth.message);
  memset(&s->xauth, 0, sizeof(s->xauth));
}

/* The answer to one requested attribute; NULL when there is none. */
static const char *xauth_value(const OspSession *s, uint16_t t,
                               const char *const values[OSP_SECRET_N_KINDS])
{
  const OspSecretKindInfo *k = osp_secret_kind_find_xauth(t);
  char **field = k ? osp_profile_secret_field(s->profile, k->kind) : NULL;

  if (k) /* what the user gave, else the profile's (user name, password) */
    return values[k->kind] ? values[k->kind] : field ? *field : NULL;
  return t == X_DOMAIN ? s->profile->domain : NULL;
}

static OspExchOutcome xauth_reply(OspSession *s, const char *const values[OSP_SECRET_N_KINDS])
{
  g_autoptr(GByteArray) attrs = g_byte_array_new();
  guint need = 0;
  size_t i;

  /* the answers are secrets: room for all of them first, so that the array
   * never moves (a realloc would leave a copy nobody wipes) */
  for (i = 0; i + 1 < s->xauth.attrs->len; i += 2) {
    const char *v = xauth_value(s, osp_get16(s->xauth.attrs->data + i), values);

    need += 4 + (v ? (guint)strlen(v) : 0);
  }
  osp_byte_array_reserve(attrs, need);
  for (i = 0; i + 1 < s->xauth.attrs->len; i += 2) {
    uint16_t t = osp_get16(s->xauth.attrs->data + i);
    const char *v = xauth_value(s, t, values);

    if (t == X_TYPE)
      osp_put_attr_basic(attrs, X_TYPE, 0);
    else if (v)
      osp_put_attr_var(attrs, t, v, strlen(v));
  }
  osp_session_send_cfg(s, s->xauth.msgid, OSP_CFG_REPLY, s->xauth.id, attrs, false);
  OPENSSL_cleanse(attrs->data, attrs->len);
  /* wait for the SET.  Our REPLY is an answer: when it is lost the gateway
   * repeats its REQUEST and the REPLY goes again; resending it unasked
   * makes gateways (strongSwan) answer PAYLOAD-MALFORMED and lose the IV
   * of this exchange */
  osp_session_arm_retransmit(s, NULL, OSP_HANDSHAKE_TRIES);
  return OSP_EXCH_SENT;
}

OspExchOutcome osp_xauth_secrets(OspSession *s, const char *const values[OSP_SECRET_N_KINDS])
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
  return xauth_reply(s, values);
}

static OspExchOutcome xauth_request(OspSession *s, const OspIsakmpHdr *h, const OspCfg *cfg)
{
  static const char *const none[OSP_SECRET_N_KINDS] = { NULL };
  const uint8_t *p = cfg->attrs;
  size_t left = cfg->attrs_len, n = 0;
  g_autofree char *message = NULL;
  const char *why;
  OspAttr a;
  bool retry = s->state == S_XAUTH_REPLIED || s->state == S_XAUTH_SECRETS;
  uint32_t seen = 0; /* XAUTH types met, bit (type - X_TYPE): a repeat is ignored */

  osp_session_stop_retransmit(s);
  osp_xauth_clear(s);
  s->xauth.attrs = g_byte_array_new();
  s->xauth.id = cfg->identifier;
  s->xauth.msgid = h->msgid;
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
                         _("The gateway asks for XAUTH type %u, which Osprey does not support."),
                         v);
        return OSP_EXCH_FAILED;
      }
      break;
    case X_MESSAGE:
    case X_CHALLENGE:
      g_free(message);
      message = osp_session_attr_text(&a);
      continue;
    case X_DOMAIN: break;
    default: {
      /* a secret (osp-secret-kind.c); the profile's user name and
       * password go unasked, until rejected */
      const OspSecretKindInfo *k = osp_secret_kind_find_xauth(a.type);
      char **field = k ? osp_profile_secret_field(s->profile, k->kind) : NULL;

      if (!k)
        continue;
      if (!field || !*field || retry)
        s->xauth.kinds[n++] = k->kind;
      break;
    }
    }
    g_byte_array_append(s->xauth.attrs, t, 2);
  }
  if (n == 0)
    return xauth_reply(s, none);
  s->xauth.n_kinds = n;
  s->xauth.message = g_steal_pointer(&message);
  s->xauth.retry = retry;
  return OSP_EXCH_NEED_SECRETS;
}

static OspExchOutcome xauth_status(OspSession *s, const OspIsakmpHdr *h, const OspCfg *cfg,
                                   uint32_t status)
{
  g_autoptr(GByteArray) attrs = g_byte_array_new();

  osp_session_stop_retransmit(s);
  osp_put_attr_basic(attrs, X_STATUS, (uint16_t)status);
  osp_session_send_cfg(s, h->msgid, OSP_CFG_ACK, cfg->identifier, attrs, false);
  osp_ike_sa_forget_iv(s->ike, h->msgid);
  if (status != 1) {
    osp_session_fail(s, OSP_ERROR_BAD_CREDENTIALS,
                     _("The gateway rejected the username or password (XAUTH failed)."));
    return OSP_EXCH_FAILED;
  }
  g_debug("xauth: accepted");
  return OSP_EXCH_DONE;
}

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

bool osp_xauth_owns(const OspCfg *cfg)
{
  return cfg->type == OSP_CFG_REQUEST ||
         (cfg->type == OSP_CFG_SET && has_attr(cfg, X_STATUS, NULL));
}

OspExchOutcome osp_xauth_input(OspSession *s, const OspIsakmpHdr *h, const OspCfg *cfg)
{
  uint32_t status = 0;

  if (cfg->type == OSP_CFG_REQUEST) {
    if (s->state == S_XAUTH_WAIT || s->state == S_XAUTH_REPLIED || s->state == S_XAUTH_SECRETS)
      return xauth_request(s, h, cfg);
    return OSP_EXCH_NEED_MORE;
  }
  has_attr(cfg, X_STATUS, &status);
  if (s->state == S_XAUTH_REPLIED)
    return xauth_status(s, h, cfg, status);
  return OSP_EXCH_NEED_MORE;
}

OspExchOutcome osp_xauth_refused(OspSession *s, const OspNotify *nt)
{
  if (nt->type == OSP_N_AUTHENTICATION_FAILED) {
    osp_session_fail(s, OSP_ERROR_BAD_CREDENTIALS,
                     _("The gateway rejected the username or password (%s)."),
                     osp_notify_name(nt->type));
    return OSP_EXCH_FAILED;
  }
  osp_session_fail(s, osp_session_error_from_notify(nt->type),
                   _("The gateway ended the login (%s)."), osp_notify_name(nt->type));
  return OSP_EXCH_FAILED;
}
