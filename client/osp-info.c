/* SPDX-License-Identifier: GPL-2.0-or-later
 * Osprey — informational exchanges: notifications, Delete (RFC 2408
 * 3.14, 3.15) and dead peer detection (RFC 3706):
 *
 *   HDR*, HASH(1), N/D  -->      (one message, fresh message ID)
 */
#include "osp-session-private.h"

#include <errno.h>
#include <glib/gi18n-lib.h>
#include <string.h>

/* RFC 3706 5.5 leaves the schedule to us.  An idle tunnel has no hurry:
 * R-U-THERE every 5 s until "DPD timeout".  Traffic that gets no answer
 * has someone waiting: ask every second and give up after five unanswered
 * (a crash is noticed within about 2 + 5 s of the first unanswered packet;
 * 20% loss each way loses five round trips in a row 0.6% of the time, and
 * any ESP coming back meanwhile ends the doubt). */
#define DPD_RETRY_US (5 * G_USEC_PER_SEC)
#define DPD_STALL_RETRY_US (1 * G_USEC_PER_SEC)
#define DPD_STALL_TRIES 5
/* traffic that is one-way by nature (the gateway answers, the traffic
 * does not): ask after 2, 4, 8, 16, then every 32 s of it */
#define DPD_STALL_BACKOFF_MAX 4

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

void osp_info_send_notify(OspSession *s, uint8_t protocol, uint16_t type, const uint8_t *spi,
                          uint8_t spi_size, const uint8_t *data, size_t data_len)
{
  g_autoptr(GByteArray) b = g_byte_array_new();

  osp_put_notify(b, protocol, type, spi, spi_size, data, data_len);
  send_info(s, OSP_PL_NOTIFY, b);
}

void osp_info_send_delete(OspSession *s, uint8_t protocol, const uint8_t *spi, uint8_t spi_size)
{
  g_autoptr(GByteArray) b = g_byte_array_new();

  osp_put_delete(b, protocol, spi, spi_size);
  send_info(s, OSP_PL_DELETE, b);
}

static void send_dpd(OspSession *s, uint16_t type, uint32_t seq)
{
  uint8_t cookies[16], data[4];

  memcpy(cookies, s->ike->icookie, 8);
  memcpy(cookies + 8, s->ike->rcookie, 8);
  osp_put32(data, seq);
  osp_info_send_notify(s, OSP_PROTO_ISAKMP, type, cookies, 16, data, 4);
}

gint64 osp_dpd_stall_us(const OspSession *s)
{
  return OSP_DPD_STALL_US << MIN(s->stall_answered, DPD_STALL_BACKOFF_MAX);
}

/* we sent ESP and heard nothing back for a while */
static bool stalled(const OspSession *s)
{
  return s->stalled_since > s->last_rx && s->now - s->stalled_since >= osp_dpd_stall_us(s);
}

void osp_dpd_timer(OspSession *s)
{
  gint64 idle = (gint64)s->profile->dpd_idle * G_USEC_PER_SEC;
  gint64 timeout = (gint64)s->profile->dpd_timeout * G_USEC_PER_SEC;
  bool stall;

  if (s->state != S_ESTABLISHED || idle <= 0) {
    s->dpd_next = G_MAXINT64;
    return;
  }
  stall = stalled(s);
  if (s->dpd_sent == 0 && s->now - s->last_rx < idle && !stall && !s->dpd_suspect) {
    s->dpd_next = s->last_rx + idle;
    if (s->stalled_since > s->last_rx)
      s->dpd_next = MIN(s->dpd_next, s->stalled_since + osp_dpd_stall_us(s));
    return;
  }
  if (s->dpd_sent &&
      (s->now - s->dpd_sent >= timeout || (stall && s->dpd_stall_sends >= DPD_STALL_TRIES))) {
    osp_session_fail(s, OSP_ERROR_PEER_DEAD,
                     _("The gateway stopped answering (dead peer detection, %u s)."),
                     (unsigned)((s->now - s->dpd_sent) / G_USEC_PER_SEC));
    return;
  }
  if (s->dpd_sent == 0) {
    g_debug("dpd: %s", s->dpd_suspect ? "suspicious packet"
                       : stall       ? "traffic sent, nothing received"
                                     : "idle");
    s->dpd_for_stall = false;
    s->dpd_suspect = false;
    s->dpd_sent = s->now;
    s->dpd_sends = s->dpd_stall_sends = 0;
    if (s->dpd_seq == 0) {
      osp_random(&s->dpd_seq, sizeof(s->dpd_seq));
      s->dpd_seq &= 0x7fffffff; /* RFC 3706 5.5: random start, high bit clear */
    }
  }
  if (stall && !s->dpd_for_stall && s->dpd_sends)
    g_debug("dpd: traffic waits for an answer now: asking every second");
  s->dpd_for_stall |= stall; /* an idle question becomes urgent once traffic waits */
  s->dpd_seq++;
  s->dpd_sends++;
  s->dpd_stall_sends += stall;
  g_debug("dpd: R-U-THERE %u", s->dpd_seq);
  send_dpd(s, OSP_N_DPD_R_U_THERE, s->dpd_seq);
  s->dpd_next = MIN(s->now + (stall ? DPD_STALL_RETRY_US : DPD_RETRY_US), s->dpd_sent + timeout);
}

/* The answer to any R-U-THERE still unanswered counts: a retransmission
 * goes out every second, and a round trip may take longer. */
static void dpd_ack(OspSession *s, const OspNotify *nt)
{
  if (nt->data_len != 4 || !s->dpd_sent || s->dpd_seq - osp_get32(nt->data) >= s->dpd_sends)
    return;
  s->dpd_sent = 0;
  s->stalled_since = 0;
  s->last_rx = s->now;
  s->stall_answered += s->dpd_for_stall;
  if (s->dpd_for_stall && ++s->stall_acks >= OSP_STALL_ACKS_MAX && !s->qm.active &&
      !s->stall_repaired && s->state == S_ESTABLISHED) {
    /* the gateway answers, yet our traffic gets nothing back: its end of
     * the IPsec SA is missing (a lost quick mode message 3, a crash of its
     * datapath); a new IPsec SA repairs that */
    g_debug("dpd: traffic gets no answer although the gateway answers: new IPsec SA");
    s->stall_acks = 0;
    s->stall_repaired = true; /* once: traffic that is one-way by nature stays as it is */
    osp_quick_start(s, true);
  }
  s->dpd_next = s->now + (gint64)s->profile->dpd_idle * G_USEC_PER_SEC;
}

/* Complaints about one message (a retransmission the gateway could not
 * decrypt, a datagram damaged on the way): the exchange goes on, and
 * retransmission or its timeout decides. */
static bool about_one_message(uint16_t type)
{
  switch (type) {
  case OSP_N_INVALID_PAYLOAD_TYPE:
  case OSP_N_INVALID_COOKIE:
  case OSP_N_INVALID_EXCHANGE_TYPE:
  case OSP_N_INVALID_FLAGS:
  case OSP_N_INVALID_MESSAGE_ID:
  case OSP_N_PAYLOAD_MALFORMED:
  case OSP_N_UNEQUAL_PAYLOAD_LENGTHS:
    return true;
  default:
    return false;
  }
}

static void error_notify(OspSession *s, const OspNotify *nt)
{
  int code = osp_session_error_from_notify(nt->type);

  if (about_one_message(nt->type)) {
    g_debug("info: the gateway could not process a message (%s); going on",
            osp_notify_name(nt->type));
    return;
  }

  switch (s->state) {
  case S_QM1_SENT:
    if (code == OSP_ERROR_NO_PROPOSAL && s->profile->pfs_group == OSP_PFS_SERVER &&
        !s->qm_pfs_fallback_tried && s->qm.pfs_group == 0) {
      /* the gateway requires PFS without announcing it in Mode Config */
      g_debug("quick mode: no proposal chosen without PFS; retrying with PFS");
      s->qm_pfs_fallback_tried = true;
      osp_quick_start(s, false);
      return;
    }
    if (code == OSP_ERROR_NO_PROPOSAL && osp_session_weak_settings(s->profile, true, true)) {
      /* 3DES and MD5 are offered only when enabled */
      osp_session_fail(s, OSP_ERROR_NO_PROPOSAL,
                       _("The gateway accepted none of the proposed IPsec algorithms (%s). If it "
                         "allows only weak ones, set %s in the profile."),
                       osp_notify_name(nt->type), osp_session_weak_settings(s->profile, true, true));
      return;
    }
    osp_session_fail(s, code == OSP_ERROR_NO_PROPOSAL ? OSP_ERROR_NO_PROPOSAL
                                                      : OSP_ERROR_GATEWAY_REJECTED,
                     code == OSP_ERROR_NO_PROPOSAL
                       ? _("The gateway accepted none of the proposed IPsec algorithms (%s).")
                       : _("The gateway refused the IPsec SA (%s)."),
                     osp_notify_name(nt->type));
    return;
  case S_XAUTH_WAIT:
  case S_XAUTH_SECRETS:
  case S_XAUTH_REPLIED:
    if (nt->type == OSP_N_AUTHENTICATION_FAILED) {
      osp_session_fail(s, OSP_ERROR_BAD_CREDENTIALS,
                       _("The gateway rejected the username or password (%s)."),
                       osp_notify_name(nt->type));
      return;
    }
    osp_session_fail(s, code, _("The gateway ended the login (%s)."), osp_notify_name(nt->type));
    return;
  case S_CFG_SENT:
    osp_session_fail(s, OSP_ERROR_GATEWAY_REJECTED,
                     _("The gateway refused the configuration request (%s)."),
                     osp_notify_name(nt->type));
    return;
  case S_ESTABLISHED:
    if (s->qm.active && code == OSP_ERROR_NO_PROPOSAL) {
      osp_session_fail(s, OSP_ERROR_NO_PROPOSAL,
                       _("The gateway refused to rekey the IPsec SA (%s)."),
                       osp_notify_name(nt->type));
      return;
    }
    g_debug("info: notify %s ignored", osp_notify_name(nt->type));
    return;
  case S_IDLE:
  case S_WANT_GROUP_SECRET:
  case S_AM1_SENT:
  case S_CLOSED:
    return;
  }
}

/* The gateway no longer has the IPsec SA we send with (Delete, or an
 * authenticated INVALID-SPI): drop the pair; with none left while the IKE
 * SA lives, negotiate a new one. */
static void child_gone(OspSession *s, uint32_t spi_out, const char *how)
{
  size_t k;

  for (k = 0; k < OSP_MAX_CHILDREN; k++) {
    ChildSlot *c = &s->children[k];

    if (c->live && c->sa.spi_out == spi_out) {
      g_debug("info: the gateway %s the IPsec SA %08x", how, spi_out);
      c->live = false;
      s->ops->child_sa_down(s->user, c->sa.spi_in);
    }
  }
  for (k = 0; k < OSP_MAX_CHILDREN; k++)
    if (s->children[k].live)
      return;
  if (s->state == S_ESTABLISHED && !s->qm.active)
    osp_quick_start(s, true);
}

static void invalid_spi(OspSession *s, const OspNotify *nt)
{
  if (nt->protocol == OSP_PROTO_IPSEC_ESP && nt->spi_size == 4)
    child_gone(s, osp_get32(nt->spi), "does not know");
  else if (nt->protocol == OSP_PROTO_IPSEC_ESP && nt->data_len == 4)
    child_gone(s, osp_get32(nt->data), "does not know");
}

/* Something unauthenticated suggests the gateway lost our SAs (it starts
 * a new phase 1 towards us, or complains in the clear): ask it now whether
 * it still knows us; dead peer detection decides, so a forged packet
 * costs one R-U-THERE and nothing else. */
void osp_dpd_check_now(OspSession *s)
{
  if (s->state != S_ESTABLISHED || s->dpd_sent || s->dpd_next == G_MAXINT64)
    return;
  g_debug("dpd: the gateway may have lost our SAs; asking now");
  s->dpd_suspect = true;
  s->dpd_next = s->now;
}

static bool children_live(const OspSession *s)
{
  for (size_t k = 0; k < OSP_MAX_CHILDREN; k++)
    if (s->children[k].live)
      return true;
  return false;
}

/* Without its IKE SA the session can neither rekey nor answer DPD: it only
 * keeps its IPsec SAs until they expire or a successor replaces it. */
static void retire_ike_sa(OspSession *s)
{
  for (size_t k = 0; k < OSP_MAX_CHILDREN; k++)
    s->children[k].rekey_at = G_MAXINT64;
  s->dpd_next = G_MAXINT64;
  osp_session_stop_retransmit(s);
  osp_quick_clear(s);
  osp_quick_peer_clear(s);
  osp_session_ike_expiring(s);
}

static void delete_payload(OspSession *s, const OspDelete *d)
{
  size_t i;

  if (d->protocol == OSP_PROTO_ISAKMP && d->spi_size == 16) {
    for (i = 0; i < d->n_spis; i++)
      if (memcmp(d->spis + 16 * i, s->ike->icookie, 8) == 0 &&
          memcmp(d->spis + 16 * i + 8, s->ike->rcookie, 8) == 0) {
        s->established_p1 = false;
        if (s->state == S_ESTABLISHED && children_live(s) && s->ops->ike_expiring) {
          /* IPsec SAs outlive their IKE SA in IKEv1: keep carrying
           * traffic while a new IKE SA is authenticated */
          g_debug("info: the gateway deleted the IKE SA; its IPsec SAs live on");
          retire_ike_sa(s);
          return;
        }
        osp_session_fail(s, OSP_ERROR_DISCONNECTED, _("The gateway ended the connection."));
        return;
      }
    return;
  }
  if (d->protocol != OSP_PROTO_IPSEC_ESP || d->spi_size != 4)
    return;
  for (i = 0; i < d->n_spis; i++)
    child_gone(s, osp_get32(d->spis + 4 * i), "deleted");
}

void osp_info_input(OspSession *s, const OspIsakmpHdr *h, const OspPayload *pl, size_t n)
{
  const char *why = NULL;
  size_t i;

  s->last_rx = s->now;
  for (i = 1; i < n && s->state != S_CLOSED; i++) {
    if (pl[i].type == OSP_PL_NOTIFY) {
      OspNotify nt;

      if (osp_notify_parse(pl[i].body, pl[i].len, &nt, &why) < 0)
        continue;
      switch (nt.type) {
      case OSP_N_DPD_R_U_THERE:
        if (nt.data_len == 4)
          send_dpd(s, OSP_N_DPD_R_U_THERE_ACK, osp_get32(nt.data));
        break;
      case OSP_N_DPD_R_U_THERE_ACK:
        dpd_ack(s, &nt);
        break;
      case OSP_N_INVALID_SPI:
        invalid_spi(s, &nt);
        break;
      case OSP_N_INITIAL_CONTACT:
        g_debug("info: INITIAL-CONTACT inside the IKE SA ignored");
        break;
      default:
        if (nt.type < 16384)
          error_notify(s, &nt);
        else
          g_debug("info: status notify %s", osp_notify_name(nt.type));
        break;
      }
    } else if (pl[i].type == OSP_PL_DELETE) {
      OspDelete d;

      if (osp_delete_parse(pl[i].body, pl[i].len, &d, &why) == 0)
        delete_payload(s, &d);
    }
  }
}
