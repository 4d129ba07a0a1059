/* SPDX-License-Identifier: GPL-2.0-or-later
 * Osprey — the IKEv1 session: dispatch of incoming datagrams to the
 * exchange that owns them, CBC framing and IVs, hashes of encrypted
 * exchanges, retransmission, timers and the one place state changes. */
#include "osp-session-private.h"

#include <errno.h>
#include <glib/gi18n-lib.h>
#include <openssl/crypto.h>
#include <string.h>

#define RT_FIRST_US (1 * G_USEC_PER_SEC)
#define RT_MAX_US (8 * G_USEC_PER_SEC)

static const char *const state_names[] = {
  [S_IDLE] = "idle",
  [S_WANT_GROUP_SECRET] = "want-group-secret",
  [S_AM1_SENT] = "am1-sent",
  [S_XAUTH_WAIT] = "xauth-wait",
  [S_XAUTH_SECRETS] = "xauth-secrets",
  [S_XAUTH_REPLIED] = "xauth-replied",
  [S_CFG_SENT] = "cfg-sent",
  [S_QM1_SENT] = "qm1-sent",
  [S_ESTABLISHED] = "established",
  [S_CLOSED] = "closed",
};

static OspState public_state(SessionState st)
{
  switch (st) {
  case S_IDLE:
  case S_WANT_GROUP_SECRET:
  case S_AM1_SENT: return OSP_STATE_CONNECTING;
  case S_XAUTH_WAIT:
  case S_XAUTH_SECRETS:
  case S_XAUTH_REPLIED: return OSP_STATE_AUTHENTICATING;
  case S_CFG_SENT:
  case S_QM1_SENT: return OSP_STATE_CONFIGURING;
  case S_ESTABLISHED: return OSP_STATE_CONNECTED;
  case S_CLOSED: return OSP_STATE_DISCONNECTED;
  }
  return OSP_STATE_FAILED;
}

static void ask_group_secret(OspSession *s)
{
  static const OspSecretKind group_secret = OSP_SECRET_GROUP_SECRET;

  osp_session_ask_secrets(s, &group_secret, 1, NULL, false);
}

/* psk only (client/osp-secret-kind.c); the auth-mode choices are in
 * OspAuthMode's order (test-secret-kind) */
static bool group_secret_used(const OspProfile *p)
{
  return osp_secret_kind_used(osp_secret_kind_info(OSP_SECRET_GROUP_SECRET),
                              osp_settings[OSP_SETTING_AUTH_MODE].choices[p->auth_mode]);
}

static void ask_xauth_secrets(OspSession *s)
{
  osp_session_ask_secrets(s, s->xauth.kinds, s->xauth.n_kinds, s->xauth.message, s->xauth.retry);
}

static void retransmit_clear(Retransmit *rt);

/* The only place the session's state changes, and where each state's
 * entry actions are (iwd's station_enter_state): the exchange a state
 * waits for is started here. */
static void start_pending(OspSession *s);

void osp_session_enter(OspSession *s, SessionState next)
{
  SessionState old = s->state;
  OspState pub_old = public_state(old), pub_new = public_state(next);

  if (old == next)
    return;
  g_debug("session: %s -> %s", state_names[old], state_names[next]);
  s->state = next;
  if (pub_old != pub_new && next != S_CLOSED && next != S_ESTABLISHED && s->ops->progress)
    s->ops->progress(s->user, pub_new);
  switch (next) {
  case S_IDLE:
  case S_XAUTH_WAIT: /* the gateway starts XAUTH */
  case S_XAUTH_REPLIED: /* the gateway sends the STATUS */ return;
  case S_WANT_GROUP_SECRET:
    /* hybrid authentication uses no group secret, certificates a key: the
     * table of kinds says so, for the front ends too */
    if (s->profile->auth_mode == OSP_AUTH_CERT)
      osp_mainmode_unlock(s);
    else if (!s->profile->group_secret && group_secret_used(s->profile))
      ask_group_secret(s);
    else
      osp_session_enter(s, S_AM1_SENT);
    return;
  case S_AM1_SENT: osp_phase1_start(s); return;
  case S_XAUTH_SECRETS: ask_xauth_secrets(s); return;
  case S_CFG_SENT:
    /* Cisco gateways are asked (pull); the others send a SET (push) */
    if (s->profile->vendor == OSP_VENDOR_CISCO)
      osp_modecfg_start(s);
    return;
  case S_QM1_SENT: osp_quick_start(s, false, false); return;
  case S_ESTABLISHED:
    /* the session carries traffic: the timers of an established session
     * start; a re-authentication says so */
    s->last_rx = s->now;
    if (s->peer_dpd && s->profile->dpd_idle > 0)
      s->dpd.next = s->now + (gint64)s->profile->dpd_idle * G_USEC_PER_SEC;
    if (s->params.reauth && s->ops->reauthenticated)
      s->ops->reauthenticated(s->user);
    if (!s->params.reauth && s->ops->established)
      s->ops->established(s->user);
    start_pending(s);
    return;
  case S_CLOSED: retransmit_clear(&s->rt); return;
  }
}

static void start_pending(OspSession *s)
{
  if (s->qm.state != QM_IDLE || s->state != S_ESTABLISHED)
    return;
  if (s->rekey_pending[0])
    osp_quick_start(s, true, false);
  else if (s->rekey_pending[1] && osp_ip_config_has_ip6(s->ipcfg))
    osp_quick_start(s, true, true);
  else
    s->rekey_pending[1] = false;
}

/* The exchanges a session runs, for next_step. */
typedef enum {
  EX_PHASE1,
  EX_XAUTH,
  EX_MODECFG,
  EX_QUICK,
  EX_QUICK_RESPONDER,
  EX_INFO,
  EX_DPD,
} Exchange;

/* A new IPsec SA pair of a family (rekey, or the gateway lost the last
 * one): now, or once the quick mode in flight is done (start_pending). */
static void start_rekey(OspSession *s, bool ipv6)
{
  s->rekey_pending[ipv6] = true;
  start_pending(s);
}

static void ike_gone(OspSession *s);
static void ended_by_gateway(OspSession *s);

/* What follows an exchange's outcome: decided here only, so that no
 * exchange starts another. */
static void next_step(OspSession *s, Exchange ex, OspExchOutcome o)
{
  switch (o) {
  case OSP_EXCH_NEED_MORE:
  case OSP_EXCH_FAILED: return;
  case OSP_EXCH_SENT:
    if (ex == EX_XAUTH)
      osp_session_enter(s, S_XAUTH_REPLIED);
    return;
  case OSP_EXCH_NEED_SECRETS:
    if (s->state == S_XAUTH_SECRETS)
      ask_xauth_secrets(s); /* a new REQUEST while the user answers the last */
    else
      osp_session_enter(s, S_XAUTH_SECRETS);
    return;
  case OSP_EXCH_RETRY: osp_quick_start(s, false, s->qm.ipv6); return;
  case OSP_EXCH_NEW_CHILD:
    if (s->ike_state == IKE_DELETED) {
      s->rekey_pending[0] = s->rekey_pending[1] = false;
      if (!osp_child_any_live(s))
        ended_by_gateway(s); /* its last IPsec SA went after the IKE SA */
      return;
    }
    /* an exchange that names no family (DPD: traffic gets no answer): IPv4 */
    start_rekey(s, s->rekey_pending[1] && !s->rekey_pending[0]);
    return;
  case OSP_EXCH_IKE_GONE: ike_gone(s); return;
  case OSP_EXCH_DONE: break;
  }
  switch (ex) {
  case EX_PHASE1:
    if (!s->params.reauth) {
      /* tell the gateway no older SA of ours is alive (RFC 2407 4.6.3.3),
       * so it drops what a crash or a lost network left behind; not when
       * this IKE SA replaces one whose IPsec SAs still carry traffic */
      uint8_t cookies[16];

      memcpy(cookies, s->ike->icookie, 8);
      memcpy(cookies + 8, s->ike->rcookie, 8);
      osp_session_send_notify(s, OSP_PROTO_ISAKMP, OSP_N_INITIAL_CONTACT, cookies, 16, NULL, 0);
    }
    /* without XAUTH for this group: Mode Config as the gateway leads it */
    osp_session_enter(s, s->p1.xauth ? S_XAUTH_WAIT : S_CFG_SENT);
    return;
  case EX_XAUTH: osp_session_enter(s, S_CFG_SENT); return;
  case EX_MODECFG:
    /* negotiate the first IPsec SA, or, when this IKE SA replaces one,
     * take over its IPsec SAs instead (they live on) */
    osp_session_enter(s, s->params.reauth ? S_ESTABLISHED : S_QM1_SENT);
    return;
  case EX_QUICK:
    if (s->state == S_ESTABLISHED) {
      start_pending(s);
      return;
    }
    /* after the first IPv4 SA pair, the IPv6 one (its own selectors) */
    if (osp_ip_config_has_ip6(s->ipcfg) && !osp_child_family_live(s, true)) {
      osp_quick_start(s, false, true);
      return;
    }
    osp_session_enter(s, S_ESTABLISHED);
    return;
  case EX_QUICK_RESPONDER:
  case EX_INFO:
  case EX_DPD: return;
  }
}

OspSession *osp_session_new(const OspProfile *profile, const OspSessionParams *params,
                            const OspSessionOps *ops, gpointer user)
{
  OspSession *s = g_new0(OspSession, 1);

  s->profile = osp_profile_copy(profile);
  s->params = *params;
  s->ops = ops;
  s->user = user;
  s->state = S_IDLE;
  s->ike = osp_ike_sa_new();
  osp_phase1_init_groups(s);
  s->ipcfg = osp_ip_config_new();
  s->rt.next = G_MAXINT64;
  s->dpd.next = G_MAXINT64;
  s->ike_soft_at = G_MAXINT64;
  return s;
}

static void retransmit_clear(Retransmit *rt)
{
  if (rt->pkt)
    g_byte_array_unref(rt->pkt);
  rt->pkt = NULL;
  rt->next = G_MAXINT64;
}

void osp_session_free(OspSession *s)
{
  size_t i;

  if (!s)
    return;
  osp_phase1_clear(s);
  osp_frag_clear(&s->frag);
  osp_quick_clear(s);
  osp_quick_responder_clear(s);
  osp_xauth_clear(s);
  for (i = 0; i < OSP_MAX_CHILDREN; i++)
    osp_child_sa_wipe(&s->children[i].sa);
  retransmit_clear(&s->rt);
  if (s->last_reply)
    g_byte_array_unref(s->last_reply);
  osp_ike_sa_free(s->ike);
  osp_ip_config_free(s->ipcfg);
  g_free(s->req_message);
  g_free(s->rejected);
  osp_profile_free(s->profile);
  OPENSSL_cleanse(s, sizeof(*s));
  g_free(s);
}

void osp_session_fail(OspSession *s, int code, const char *fmt, ...)
{
  g_autoptr(GError) error = NULL;
  va_list ap;

  if (s->state == S_CLOSED)
    return;
  va_start(ap, fmt);
  error = g_error_new_valist(OSP_ERROR, code, fmt, ap);
  va_end(ap);
  g_debug("session: failed (%s): %s", osp_error_reason_code(code), error->message);
  osp_session_enter(s, S_CLOSED);
  s->ops->closed(s->user, error);
}

void osp_session_rejected(OspSession *s, int code, const char *fmt, ...)
{
  va_list ap;

  if (s->rejected && s->rejected_code == OSP_ERROR_BAD_GROUP_SECRET &&
      code != OSP_ERROR_BAD_GROUP_SECRET) {
    g_debug("session: dropped a datagram (%s already seen)",
            osp_error_reason_code(s->rejected_code));
    return;
  }
  g_free(s->rejected);
  va_start(ap, fmt);
  s->rejected = g_strdup_vprintf(fmt, ap);
  va_end(ap);
  s->rejected_code = code;
  g_debug("session: dropped a datagram: %s", s->rejected);
  /* before phase 1 a real answer comes within a retransmission or two of
   * message 1; then the timeout reports this one */
  if (s->state == S_AM1_SENT && s->rt.max_tries > s->rt.tries + 2)
    s->rt.max_tries = s->rt.tries + 2;
}

void osp_session_reply_rejected(OspSession *s, const char *why)
{
  osp_session_rejected(s, OSP_ERROR_PROTOCOL,
                       _("The gateway %s answered, but its replies were rejected: %s."),
                       s->profile->gateway, why);
}

/* ---- sending ---------------------------------------------------------- */

/* A message too large for one unfragmented datagram goes in Cisco IKE
 * fragments when the gateway said it takes them (main mode message 5 with
 * a certificate chain); each (re)transmission is a new fragment ID. */
static void transmit(OspSession *s, GByteArray *pkt)
{
  g_autoptr(GPtrArray) frags = NULL;

  if (!s->peer_frag || pkt->len <= OSP_FRAG_SEND_MAX) {
    s->ops->send(s->user, pkt->data, pkt->len, s->ike->natt);
    return;
  }
  frags = osp_frag_split(pkt->data, pkt->len, OSP_FRAG_SEND_MAX, ++s->frag_id);
  g_debug("sending a message of %u bytes in %u fragments", pkt->len, frags->len);
  for (guint i = 0; i < frags->len; i++) {
    GByteArray *f = frags->pdata[i];

    s->ops->send(s->user, f->data, f->len, s->ike->natt);
  }
}

void osp_session_send(OspSession *s, GByteArray *pkt, unsigned max_tries)
{
  transmit(s, pkt);
  if (max_tries == 0) {
    g_byte_array_unref(pkt);
    return;
  }
  osp_session_arm_retransmit(s, pkt, max_tries);
}

void osp_session_arm_retransmit(OspSession *s, GByteArray *pkt, unsigned max_tries)
{
  retransmit_clear(&s->rt);
  g_clear_pointer(&s->rejected, g_free); /* what came before is not about this wait */
  s->rt.pkt = pkt;
  s->rt.tries = 1;
  s->rt.max_tries = max_tries;
  s->rt.interval = RT_FIRST_US;
  s->rt.next = s->now + s->rt.interval;
}

void osp_session_keep_reply(OspSession *s, GByteArray *pkt)
{
  if (s->last_reply)
    g_byte_array_unref(s->last_reply);
  s->last_reply = pkt;
  memcpy(s->reply_digest, s->last_in_digest, sizeof(s->reply_digest));
  s->reply_sent = s->now;
}

void osp_session_send_reply(OspSession *s, GByteArray *pkt)
{
  osp_session_keep_reply(s, pkt);
  transmit(s, pkt);
}

void osp_session_stop_retransmit(OspSession *s)
{
  retransmit_clear(&s->rt);
  g_clear_pointer(&s->rejected, g_free); /* the awaited answer came */
}

void osp_session_wait_quietly(OspSession *s)
{
  if (s->rt.pkt)
    g_byte_array_unref(s->rt.pkt);
  s->rt.pkt = NULL;
}

/* HDR*, HASH(1), N/D  -->  (one message, fresh message ID) */
static void send_info(OspSession *s, uint8_t type, const GByteArray *body)
{
  size_t hlen = osp_hash_len(s->ike->hash);
  uint8_t zero[64] = { 0 };
  uint32_t msgid = osp_ike_sa_new_msgid();
  OspIsakmpHdr h;
  OspMsg m;

  osp_ike_sa_hdr(s->ike, &h, OSP_EXCH_INFO, msgid, true);
  osp_msg_init(&m, &h);
  osp_msg_add_payload(&m, OSP_PL_HASH, zero, hlen);
  osp_msg_add_payload(&m, type, body->data, body->len);
  osp_ike_sa_seal(s->ike, &m, msgid, NULL, 0);
  osp_ike_sa_forget_iv(s->ike, msgid);
  osp_session_send(s, g_byte_array_ref(m.buf), 0);
  osp_msg_clear(&m);
}

void osp_session_send_notify(OspSession *s, uint8_t protocol, uint16_t type, const uint8_t *spi,
                             uint8_t spi_size, const uint8_t *data, size_t data_len)
{
  g_autoptr(GByteArray) b = g_byte_array_new();

  osp_put_notify(b, protocol, type, spi, spi_size, data, data_len);
  send_info(s, OSP_PL_NOTIFY, b);
}

void osp_session_send_delete(OspSession *s, uint8_t protocol, const uint8_t *spi, uint8_t spi_size)
{
  g_autoptr(GByteArray) b = g_byte_array_new();

  osp_put_delete(b, protocol, spi, spi_size);
  send_info(s, OSP_PL_DELETE, b);
}

void osp_session_send_cfg(OspSession *s, uint32_t msgid, uint8_t type, uint16_t id,
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

char *osp_session_attr_text(const OspAttr *a)
{
  size_t len = MIN(a->len, OSP_MAX_TEXT_ATTR);
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

/* ---- secrets ---------------------------------------------------------- */

void osp_session_ask_secrets(OspSession *s, const OspSecretKind *kinds, size_t n,
                             const char *message, bool retry)
{
  OspSecretRequest *req = &s->pending_req;

  g_return_if_fail(n <= G_N_ELEMENTS(req->kinds));
  memset(req, 0, sizeof(*req));
  req->id = ++s->secret_request_id;
  memcpy(req->kinds, kinds, n * sizeof(*kinds));
  req->n_kinds = n;
  g_free(s->req_message);
  s->req_message = g_strdup(message);
  req->message = s->req_message;
  req->retry = retry;
  s->ops->secrets_needed(s->user, req);
}

void osp_session_provide_secrets(OspSession *s, guint request_id,
                                 const char *const values[OSP_SECRET_N_KINDS], gint64 now_us)
{
  s->now = now_us;
  if (request_id != s->secret_request_id)
    return;
  s->secret_request_id++; /* answered: a second answer is ignored */
  switch (s->state) {
  case S_WANT_GROUP_SECRET: {
    bool key = s->profile->auth_mode == OSP_AUTH_CERT;
    const char *v = values[key ? OSP_SECRET_KEY_PASSPHRASE : OSP_SECRET_GROUP_SECRET];
    char **field = key ? &s->profile->client_key_passphrase : &s->profile->group_secret;

    if (!v) {
      osp_session_fail(s, OSP_ERROR_SECRETS_REQUIRED, "%s",
                       key ? _("No passphrase of the client key was given.")
                           : _("No group secret was given."));
      return;
    }
    osp_str_wipe_free(*field);
    *field = g_strdup(v);
    osp_session_enter(s, S_AM1_SENT);
    return;
  }
  case S_XAUTH_SECRETS: next_step(s, EX_XAUTH, osp_xauth_secrets(s, values)); return;
  case S_IDLE:
  case S_AM1_SENT:
  case S_XAUTH_WAIT:
  case S_XAUTH_REPLIED:
  case S_CFG_SENT:
  case S_QM1_SENT:
  case S_ESTABLISHED:
  case S_CLOSED: return;
  }
}

/* Delete for the IPsec SAs and the IKE SA, so the gateway frees them now
 * instead of when they time out. */
void osp_session_send_deletes(OspSession *s)
{
  uint8_t cookies[16];
  size_t i;

  if (s->ike_state != IKE_UP)
    return;
  for (i = 0; i < OSP_MAX_CHILDREN; i++) {
    uint8_t spi[4];

    if (!s->children[i].live)
      continue;
    osp_put32(spi, s->children[i].sa.spi_in);
    osp_session_send_delete(s, OSP_PROTO_IPSEC_ESP, spi, 4);
    s->children[i].live = false;
  }
  memcpy(cookies, s->ike->icookie, 8);
  memcpy(cookies + 8, s->ike->rcookie, 8);
  osp_session_send_delete(s, OSP_PROTO_ISAKMP, cookies, 16);
}

void osp_session_cancel_secrets(OspSession *s, guint request_id, gint64 now_us)
{
  s->now = now_us;
  if (request_id != s->secret_request_id)
    return;
  /* after phase 1 the gateway holds an IKE SA for us: free it now rather
   * than leave it half-open until the gateway gives up on it */
  osp_session_send_deletes(s);
  osp_session_fail(s, OSP_ERROR_CANCELLED, _("The request for secrets was cancelled."));
}

/* ---- input ------------------------------------------------------------ */

int osp_session_error_from_notify(uint16_t type)
{
  switch (type) {
  case OSP_N_NO_PROPOSAL_CHOSEN:
  case OSP_N_BAD_PROPOSAL_SYNTAX:
  case OSP_N_INVALID_TRANSFORM_ID:
  case OSP_N_ATTRIBUTES_NOT_SUPPORTED: return OSP_ERROR_NO_PROPOSAL;
  case OSP_N_AUTHENTICATION_FAILED:
  case OSP_N_INVALID_ID_INFORMATION:
  case OSP_N_INVALID_HASH_INFORMATION:
  case OSP_N_INVALID_KEY_INFORMATION:
  case OSP_N_INVALID_SIGNATURE: return OSP_ERROR_BAD_GROUP_SECRET;
  default: return OSP_ERROR_GATEWAY_REJECTED;
  }
}

const char *osp_session_weak_settings(const OspProfile *p, bool uses_3des, bool uses_md5)
{
  bool enc = uses_3des && !p->enable_weak_encryption;
  bool auth = uses_md5 && !p->enable_weak_authentication;

  if (enc && auth)
    return "\"Enable weak encryption\" and \"Enable weak authentication\"";
  if (enc)
    return "\"Enable weak encryption\"";
  if (auth)
    return "\"Enable weak authentication\"";
  return NULL;
}

static bool all_zero(const uint8_t *p, size_t n)
{
  size_t i;

  for (i = 0; i < n; i++)
    if (p[i])
      return false;
  return true;
}

/* A datagram seen before is not processed again (its IV has moved on).
 * When it is the request our last answer was for, and it comes as a
 * retransmission (not a copy the network made), the answer goes again,
 * whatever came in between. */
static bool is_duplicate(OspSession *s, const uint8_t *data, size_t len)
{
  uint8_t d[20];
  OspSlice part = OSP_SLICE(data, len);

  osp_hash(OSP_HASH_SHA1, &part, 1, d);
  if (s->last_reply && memcmp(d, s->reply_digest, sizeof(d)) == 0) {
    if (s->now - s->reply_sent >= OSP_DUP_HOLDOFF_US) {
      g_debug("retransmitted request: answering again");
      s->reply_sent = s->now;
      transmit(s, s->last_reply);
    }
    return true;
  }
  if (memcmp(d, s->last_in_digest, sizeof(d)) == 0) {
    g_debug("duplicate datagram ignored");
    return true;
  }
  memcpy(s->last_in_digest, d, sizeof(d));
  return false;
}

/* An error notify is judged by the exchange it is about. */
static OspExchOutcome refusal(OspSession *s, const OspNotify *nt)
{
  switch (s->state) {
  case S_QM1_SENT:
    if (s->qm.ipv6) {
      /* the IPv4 tunnel is up: a refused IPv6 SA only leaves IPv6 out */
      g_autofree char *why =
          g_strdup_printf(_("the gateway refused its IPsec SA (%s)"), osp_notify_name(nt->type));

      if (osp_quick_give_up_ip6(s, why))
        osp_session_enter(s, S_ESTABLISHED);
      return OSP_EXCH_NEED_MORE;
    }
    return osp_quick_refused(s, nt);
  case S_XAUTH_WAIT:
  case S_XAUTH_SECRETS:
  case S_XAUTH_REPLIED: return osp_xauth_refused(s, nt);
  case S_CFG_SENT: return osp_modecfg_refused(s, nt);
  case S_ESTABLISHED:
    if (s->qm.state == QM_MSG1_SENT)
      return osp_quick_refused(s, nt);
    g_debug("info: notify %s ignored", osp_notify_name(nt->type));
    return OSP_EXCH_NEED_MORE;
  case S_IDLE:
  case S_WANT_GROUP_SECRET:
  case S_AM1_SENT:
  case S_CLOSED: return OSP_EXCH_NEED_MORE;
  }
  return OSP_EXCH_NEED_MORE;
}

/* An authenticated informational message: each notify and Delete goes to
 * the exchange it concerns. */
static void info_input(OspSession *s, const OspPayload *pl, size_t n)
{
  const char *why = NULL;
  size_t i;

  s->last_rx = s->now;
  for (i = 1; i < n && s->state != S_CLOSED; i++) {
    if (pl[i].type == OSP_PL_NOTIFY && s->ike_state == IKE_DELETED) {
      g_debug("info: notify in the deleted IKE SA ignored");
    } else if (pl[i].type == OSP_PL_NOTIFY) {
      OspNotify nt;

      if (osp_notify_parse(pl[i].body, pl[i].len, &nt, &why) < 0)
        continue;
      if (nt.type == OSP_N_DPD_R_U_THERE || nt.type == OSP_N_DPD_R_U_THERE_ACK)
        next_step(s, EX_DPD, osp_dpd_input(s, &nt));
      else if (osp_info_is_refusal(nt.type))
        next_step(s, EX_INFO, refusal(s, &nt));
      else
        next_step(s, EX_INFO, osp_info_notify(s, &nt));
    } else if (pl[i].type == OSP_PL_DELETE) {
      OspDelete d;

      if (osp_delete_parse(pl[i].body, pl[i].len, &d, &why) == 0)
        next_step(s, EX_INFO, osp_info_delete(s, &d));
    }
  }
}

static void transaction_input(OspSession *s, const OspIsakmpHdr *h, const OspPayload *pl, size_t n)
{
  const OspPayload *attr = osp_payload_find(pl, n, OSP_PL_ATTR);
  const char *why = NULL;
  OspCfg cfg;

  if (!attr || osp_cfg_parse(attr->body, attr->len, &cfg, &why) < 0) {
    osp_session_reply_rejected(s, why ? why : "a transaction without an attribute payload");
    return;
  }
  if (osp_xauth_owns(&cfg))
    next_step(s, EX_XAUTH, osp_xauth_input(s, h, &cfg));
  else
    next_step(s, EX_MODECFG, osp_modecfg_input(s, h, &cfg));
}

/* The gateway deleted the IKE SA and the IPsec SAs of an established
 * session (charon does so when another login with the same user replaces
 * it, or when its administrator ends it): Deletes of the IPsec SAs, then
 * of the IKE SA, in either order. */
static void ended_by_gateway(OspSession *s)
{
  osp_session_fail(s, OSP_ERROR_DISCONNECTED,
                   _("The gateway ended this session (it deleted the IKE SA and its IPsec SAs): "
                     "its administrator ended it, or another login with the same user replaced "
                     "it."));
}

/* Without its IKE SA the session can neither rekey nor answer DPD: it only
 * keeps its IPsec SAs until they expire, the gateway deletes them too
 * (their Deletes still come in the deleted IKE SA) or a successor
 * replaces it. */
static void ike_gone(OspSession *s)
{
  s->ike_state = IKE_DELETED;
  if (s->state == S_ESTABLISHED && !osp_child_any_live(s)) {
    ended_by_gateway(s);
    return;
  }
  if (s->state != S_ESTABLISHED || !s->ops->ike_expiring) {
    osp_session_fail(s, OSP_ERROR_DISCONNECTED, _("The gateway ended the connection."));
    return;
  }
  /* IPsec SAs outlive their IKE SA in IKEv1: keep carrying traffic while
   * a new IKE SA is authenticated */
  g_debug("info: the gateway deleted the IKE SA; its IPsec SAs live on");
  for (size_t k = 0; k < OSP_MAX_CHILDREN; k++)
    s->children[k].rekey_at = G_MAXINT64;
  /* nobody to ask any more: traffic that gets no answer ends it (osp_dpd_timer) */
  s->dpd.state = DPD_QUIET;
  s->dpd.stalled_since = 0;
  s->dpd.next = G_MAXINT64;
  osp_session_stop_retransmit(s);
  osp_quick_clear(s);
  osp_quick_responder_abandon(s);
  osp_session_ike_expiring(s);
}

/* A fragment of a message of the gateway (Cisco IKE fragmentation): the
 * whole message, once its fragments are in, goes the way of any datagram;
 * a message of fragments is never fragmented again. */
static void frag_input(OspSession *s, const OspIsakmpHdr *h, const uint8_t *data, size_t len)
{
  g_autoptr(GByteArray) msg = NULL;
  const char *why = NULL;
  OspIsakmpHdr inner;
  int r = osp_frag_add(&s->frag, h, data, len, s->now, &msg, &why);

  if (r <= 0) {
    if (r < 0)
      g_debug("dropped a fragment: %s", why);
    return;
  }
  if (osp_isakmp_hdr_parse(msg->data, msg->len, &inner, &why) < 0 ||
      inner.next_payload == OSP_PL_CISCO_FRAG || memcmp(inner.icookie, h->icookie, 8) != 0 ||
      memcmp(inner.rcookie, h->rcookie, 8) != 0) {
    g_debug("dropped a reassembled message: %s", why ? why : "not of its fragments' SA");
    return;
  }
  osp_session_input(s, msg->data, msg->len, s->now);
}

void osp_session_input(OspSession *s, const uint8_t *data, size_t len, gint64 now_us)
{
  OspIsakmpHdr h;
  OspPayload pl[OSP_ISAKMP_MAX_PAYLOADS];
  size_t n = 0;
  const char *why = NULL;
  g_autofree uint8_t *plain = NULL;
  uint8_t next_iv[16];
  size_t plen;

  s->now = now_us;
  if (s->state == S_CLOSED || s->state == S_IDLE)
    return;
  if (osp_isakmp_hdr_parse(data, len, &h, &why) < 0) {
    g_debug("dropped datagram: %s", why);
    return;
  }
  /* a message of an earlier session (other cookies) never touches this one */
  if (memcmp(h.icookie, s->ike->icookie, 8) != 0) {
    g_debug("dropped datagram with foreign cookie");
    /* the gateway starts a phase 1 towards us: did it reboot? */
    if (all_zero(h.rcookie, 8) &&
        (h.exchange == OSP_EXCH_AGGRESSIVE || h.exchange == OSP_EXCH_MAIN))
      osp_dpd_check_now(s);
    return;
  }
  if (h.next_payload == OSP_PL_CISCO_FRAG) {
    frag_input(s, &h, data, len);
    return;
  }
  if (s->state == S_AM1_SENT) {
    next_step(s, EX_PHASE1, osp_phase1_input(s, &h, data, h.length));
    return;
  }
  if (memcmp(h.rcookie, s->ike->rcookie, 8) != 0) {
    g_debug("dropped datagram with wrong responder cookie");
    return;
  }
  if (is_duplicate(s, data, h.length))
    return;
  /* a deleted IKE SA still carries the gateway's Deletes of its IPsec SAs */
  if (!(h.flags & OSP_FLAG_ENC) || s->ike_state == IKE_NEGOTIATING ||
      (s->ike_state == IKE_DELETED && h.exchange != OSP_EXCH_INFO)) {
    osp_session_reply_rejected(s, "an unencrypted message after phase 1");
    if (h.exchange == OSP_EXCH_INFO)
      osp_dpd_check_now(s); /* e.g. INVALID-SPI in the clear: ask */
    return;
  }
  if (osp_ike_sa_decrypt(s->ike, &h, data, h.length, &plain, next_iv) < 0) {
    osp_session_reply_rejected(s, "a message that does not decrypt");
    return;
  }
  plen = h.length - OSP_ISAKMP_HDR_LEN;
  if (osp_payloads_parse(h.next_payload, plain, plen, pl, G_N_ELEMENTS(pl), &n, &why) < 0) {
    osp_session_reply_rejected(s, why);
    memset(s->last_in_digest, 0, sizeof(s->last_in_digest));
    return;
  }
  switch (h.exchange) {
  case OSP_EXCH_INFO:
    if (!osp_ike_sa_check_hash(s->ike, h.msgid, pl, n, NULL, 0)) {
      osp_session_reply_rejected(s, "an informational message with a bad hash");
      return;
    }
    osp_ike_sa_forget_iv(s->ike, h.msgid);
    /* the gateway has the IKE SA, so it has message 3 of aggressive mode:
     * resending it would only be answered with PAYLOAD-MALFORMED */
    if (s->state == S_XAUTH_WAIT)
      osp_session_wait_quietly(s);
    info_input(s, pl, n);
    return;
  case OSP_EXCH_TRANSACTION:
    if (!osp_ike_sa_check_hash(s->ike, h.msgid, pl, n, NULL, 0)) {
      osp_session_reply_rejected(s, "a transaction message with a bad hash");
      return;
    }
    osp_ike_sa_commit_iv(s->ike, h.msgid, next_iv);
    transaction_input(s, &h, pl, n);
    return;
  case OSP_EXCH_QUICK:
    /* quick mode checks its own hashes (HASH(2) covers Ni_b) and only
     * then moves the IV on */
    if (s->qm.state == QM_MSG1_SENT && h.msgid == s->qm.msgid)
      next_step(s, EX_QUICK, osp_quick_input(s, &h, pl, n, next_iv));
    else
      next_step(s, EX_QUICK_RESPONDER, osp_quick_responder_input(s, &h, pl, n, next_iv));
    return;
  default: g_debug("dropped exchange type %u", h.exchange); return;
  }
}

/* err: the errno the ICMP error (or the send) gave, which names it */
void osp_session_peer_unreachable(OspSession *s, gint64 now_us, int err)
{
  s->now = now_us;
  if (s->state != S_AM1_SENT || s->rt.tries < 2)
    return;
  if (err == EHOSTUNREACH)
    osp_session_fail(s, OSP_ERROR_GATEWAY_UNREACHABLE,
                     _("The gateway %s does not answer on the IKE port (host unreachable)."),
                     s->profile->gateway);
  else if (err == ENETUNREACH)
    osp_session_fail(s, OSP_ERROR_GATEWAY_UNREACHABLE,
                     _("The gateway %s does not answer on the IKE port (no route to it)."),
                     s->profile->gateway);
  else
    osp_session_fail(s, OSP_ERROR_GATEWAY_UNREACHABLE,
                     _("The gateway %s does not answer on the IKE port (port unreachable)."),
                     s->profile->gateway);
}

/* ---- timers ----------------------------------------------------------- */

gint64 osp_session_next_deadline(const OspSession *s)
{
  gint64 d = s->rt.next;
  size_t i;

  if (s->state == S_CLOSED)
    return G_MAXINT64;
  d = MIN(d, s->dpd.next);
  if (s->state == S_ESTABLISHED)
    d = MIN(d, s->ike_soft_at);
  if (s->pqm.state == PQM_MSG2_SENT)
    d = MIN(d, s->pqm.give_up);
  for (i = 0; i < OSP_MAX_CHILDREN; i++) {
    if (!s->children[i].live)
      continue;
    d = MIN(d, s->children[i].rekey_at);
    d = MIN(d, s->children[i].expire_at);
  }
  return d;
}

static void say_retrying(OspSession *s, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
static void say_retrying(OspSession *s, const char *fmt, ...)
{
  g_autofree char *text = NULL;
  va_list ap;

  if (!s->ops->retrying)
    return;
  va_start(ap, fmt);
  text = g_strdup_vprintf(fmt, ap);
  va_end(ap);
  s->ops->retrying(s->user, text);
}

static void retransmit_timer(OspSession *s)
{
  if (s->rt.tries >= s->rt.max_tries) {
    retransmit_clear(&s->rt);
    if (s->state == S_QM1_SENT && s->qm.ipv6) {
      if (osp_quick_give_up_ip6(s, _("the gateway did not answer its quick mode")))
        osp_session_enter(s, S_ESTABLISHED);
      return;
    }
    /* a gateway that judged our identity (or showed its certificate) has
     * accepted the group */
    if (s->state == S_AM1_SENT &&
        !(s->rejected && (s->rejected_code == OSP_ERROR_BAD_GROUP_SECRET ||
                          osp_error_is_certificate(s->rejected_code))) &&
        osp_phase1_silence(s)) {
      say_retrying(s, _("No answer from %s; trying another Diffie-Hellman group"),
                   s->profile->gateway);
      return;
    }
    if (s->rejected) {
      g_autofree char *why = g_steal_pointer(&s->rejected);

      osp_session_fail(s, s->rejected_code, "%s", why);
      return;
    }
    osp_session_fail(s, OSP_ERROR_GATEWAY_UNREACHABLE,
                     _("The gateway %s did not answer (timed out)."), s->profile->gateway);
    return;
  }
  if (s->rt.pkt) {
    g_debug("retransmitting (try %u)", s->rt.tries + 1);
    say_retrying(s, _("No answer from %s yet; sending again (try %u of %u)"), s->profile->gateway,
                 s->rt.tries + 1, s->rt.max_tries);
    transmit(s, s->rt.pkt);
  }
  s->rt.tries++;
  s->rt.interval = MIN(s->rt.interval * 2, RT_MAX_US);
  s->rt.next = s->now + s->rt.interval;
}

static void child_timers(OspSession *s)
{
  size_t i;

  for (i = 0; i < OSP_MAX_CHILDREN; i++) {
    ChildSlot *c = &s->children[i];

    if (!c->live)
      continue;
    if (s->now >= c->expire_at) {
      uint32_t spi_in = c->sa.spi_in;
      uint8_t spi[4];

      c->live = false;
      osp_put32(spi, spi_in);
      if (s->ike_state == IKE_UP)
        osp_session_send_delete(s, OSP_PROTO_IPSEC_ESP, spi, 4);
      s->ops->child_sa_down(s->user, spi_in);
      continue;
    }
    if (s->now >= c->rekey_at) {
      c->rekey_at = G_MAXINT64;
      start_rekey(s, c->sa.ipv6);
    }
  }
}

void osp_session_timeout(OspSession *s, gint64 now_us)
{
  s->now = now_us;
  if (s->state == S_CLOSED)
    return;
  if (now_us >= s->rt.next)
    retransmit_timer(s);
  if (s->state == S_CLOSED)
    return;
  if (now_us >= s->dpd.next)
    osp_dpd_timer(s);
  if (s->state == S_ESTABLISHED && now_us >= s->ike_soft_at)
    osp_session_ike_expiring(s);
  if (s->pqm.state == PQM_MSG2_SENT && now_us >= s->pqm.give_up) {
    g_debug("quick mode (gateway's): no HASH(3) came; forgotten");
    osp_quick_responder_abandon(s);
  }
  if (s->state == S_CLOSED)
    return;
  child_timers(s);
}

void osp_session_traffic_seen(OspSession *s, gint64 now_us)
{
  s->last_rx = now_us;
  if (osp_dpd_asking(s))
    s->dpd.state = DPD_QUIET; /* authenticated traffic proves the gateway lives */
  s->dpd.stall_acks = 0;
  s->dpd.stall_answered = 0;
  s->dpd.stall_repairs = 0;
}

bool osp_session_traffic_sent(OspSession *s, gint64 now_us)
{
  gint64 at;

  if (s->state != S_ESTABLISHED || s->dpd.stalled_since > s->last_rx ||
      (s->dpd.next == G_MAXINT64 && s->ike_state != IKE_DELETED))
    return false;
  s->dpd.stalled_since = now_us;
  at = now_us + osp_dpd_stall_us(s);
  if (at >= s->dpd.next)
    return false;
  s->dpd.next = at;
  return true;
}

void osp_session_child_bytes(OspSession *s, uint32_t spi_in, uint64_t bytes, gint64 now_us)
{
  size_t i;

  s->now = now_us;
  for (i = 0; i < OSP_MAX_CHILDREN; i++) {
    ChildSlot *c = &s->children[i];

    if (c->live && c->sa.spi_in == spi_in && c->sa.lifetime_kb &&
        bytes / 1024 >= (uint64_t)c->sa.lifetime_kb * 9 / 10 && c->rekey_at > now_us)
      c->rekey_at = now_us;
  }
}

void osp_session_start(OspSession *s, gint64 now_us)
{
  s->now = now_us;
  s->last_rx = now_us;
  osp_session_enter(s, S_WANT_GROUP_SECRET);
}

void osp_session_delete(OspSession *s)
{
  if (s->state == S_CLOSED)
    return;
  osp_session_send_deletes(s);
  osp_session_enter(s, S_CLOSED);
  s->ops->closed(s->user, NULL);
}

void osp_session_adopt_children(OspSession *s, OspSession *from)
{
  size_t i, k = 0;

  for (i = 0; i < OSP_MAX_CHILDREN; i++) {
    ChildSlot *c = &from->children[i];

    if (!c->live)
      continue;
    while (k < OSP_MAX_CHILDREN && s->children[k].live)
      k++;
    if (k == OSP_MAX_CHILDREN)
      break;
    s->children[k] = *c;
    if (c->rekey_at == G_MAXINT64) /* its rekey was given up with the old IKE SA */
      s->children[k].rekey_at = MAX(s->now, c->expire_at - (c->expire_at - c->established) / 8);
    memset(c, 0, sizeof(*c));
  }
}

void osp_session_no_ip6(OspSession *s, const char *why)
{
  g_autofree char *text = g_strdup_printf(_("No IPv6 inside the tunnel: %s."), why);

  g_debug("session: %s", text);
  if (s->ops->notice)
    s->ops->notice(s->user, text);
}

void osp_session_ike_expiring(OspSession *s)
{
  s->ike_soft_at = G_MAXINT64; /* once */
  g_debug("session: the IKE SA needs replacing");
  if (s->ops->ike_expiring)
    s->ops->ike_expiring(s->user);
}

bool osp_session_natt_active(const OspSession *s)
{
  return s->ike->natt;
}

int osp_session_dh_group(const OspSession *s)
{
  return s->ike_state == IKE_UP ? s->p1.dh_group : 0;
}

bool osp_session_ike_info(const OspSession *s, const char **ret_cipher, const char **ret_hash,
                          gint64 *ret_expires)
{
  if (s->ike_state != IKE_UP)
    return false;
  *ret_cipher = osp_cipher_name(s->ike->cipher, s->ike->key_bits);
  *ret_hash = osp_hash_name(s->ike->hash);
  *ret_expires = s->ike_expires_at;
  return true;
}

bool osp_session_ike_auth(const OspSession *s, OspSessionIkeAuth *ret)
{
  if (s->ike_state != IKE_UP)
    return false;
  ret->mode = osp_phase1_auth_mode(s->p1.auth, &ret->signature);
  ret->xauth = s->p1.xauth;
  ret->exchange = osp_phase1_is_main(s->profile) ? OSP_EXCH_MODE_MAIN : OSP_EXCH_MODE_AGGRESSIVE;
  return true;
}
