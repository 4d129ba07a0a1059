/* SPDX-License-Identifier: GPL-2.0-or-later
 * Osprey — dead peer detection (RFC 3706): R-U-THERE when the tunnel is
 * idle, when traffic gets no answer or when something suggests the
 * gateway lost our SAs; the gateway's questions answered.
 *
 *   HDR*, HASH(1), N(R-U-THERE, seq)  -->
 *                                <--  HDR*, HASH(1), N(R-U-THERE-ACK, seq)
 */
#include "osp-session-private.h"

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
/* without an IKE SA to ask in: as long as asking would take (2 s + 5 tries) */
#define DPD_IKE_DELETED_STALL_US (7 * G_USEC_PER_SEC)

static void send_dpd(OspSession *s, uint16_t type, uint32_t seq)
{
  uint8_t cookies[16], data[4];

  memcpy(cookies, s->ike->icookie, 8);
  memcpy(cookies + 8, s->ike->rcookie, 8);
  osp_put32(data, seq);
  osp_session_send_notify(s, OSP_PROTO_ISAKMP, type, cookies, 16, data, 4);
}

gint64 osp_dpd_stall_us(const OspSession *s)
{
  return OSP_DPD_STALL_US << MIN(s->dpd.stall_answered, DPD_STALL_BACKOFF_MAX);
}

/* we sent ESP and heard nothing back for a while */
static bool stalled(const OspSession *s)
{
  return s->dpd.stalled_since > s->last_rx && s->now - s->dpd.stalled_since >= osp_dpd_stall_us(s);
}

/* The IKE SA is deleted (a successor may be on its way): no one to ask,
 * so traffic that gets no answer for a while means the gateway dropped
 * the IPsec SAs too without telling us. */
static void ike_deleted_timer(OspSession *s)
{
  gint64 since = s->dpd.stalled_since;

  if (since <= s->last_rx) {
    s->dpd.next = G_MAXINT64;
    return;
  }
  if (s->now - since < DPD_IKE_DELETED_STALL_US) {
    s->dpd.next = since + DPD_IKE_DELETED_STALL_US;
    return;
  }
  osp_session_fail(s, OSP_ERROR_DISCONNECTED,
                   _("The gateway ended this session: it deleted the IKE SA, and traffic gets "
                     "no answer any more."));
}

void osp_dpd_timer(OspSession *s)
{
  gint64 idle = (gint64)s->profile->dpd_idle * G_USEC_PER_SEC;
  gint64 timeout = (gint64)s->profile->dpd_timeout * G_USEC_PER_SEC;
  bool stall;

  if (s->state == S_ESTABLISHED && s->ike_state == IKE_DELETED) {
    ike_deleted_timer(s);
    return;
  }
  if (s->state != S_ESTABLISHED || idle <= 0) {
    s->dpd.next = G_MAXINT64;
    return;
  }
  stall = stalled(s);
  if (s->dpd.state == DPD_QUIET && s->now - s->last_rx < idle && !stall) {
    s->dpd.next = s->last_rx + idle;
    if (s->dpd.stalled_since > s->last_rx)
      s->dpd.next = MIN(s->dpd.next, s->dpd.stalled_since + osp_dpd_stall_us(s));
    return;
  }
  if (osp_dpd_asking(s) &&
      (s->now - s->dpd.asked_at >= timeout || (stall && s->dpd.stall_sends >= DPD_STALL_TRIES))) {
    osp_session_fail(s, OSP_ERROR_PEER_DEAD,
                     _("The gateway stopped answering (dead peer detection, %u s)."),
                     (unsigned)((s->now - s->dpd.asked_at) / G_USEC_PER_SEC));
    return;
  }
  if (!osp_dpd_asking(s)) {
    g_debug("dpd: %s", s->dpd.state == DPD_SUSPECT ? "suspicious packet"
                       : stall                     ? "traffic sent, nothing received"
                                                   : "idle");
    s->dpd.state = DPD_ASKING;
    s->dpd.asked_at = s->now;
    s->dpd.sends = s->dpd.stall_sends = 0;
    if (s->dpd.seq == 0) {
      osp_random(&s->dpd.seq, sizeof(s->dpd.seq));
      s->dpd.seq &= 0x7fffffff; /* RFC 3706 5.5: random start, high bit clear */
    }
  }
  if (stall && s->dpd.state != DPD_ASKING_STALL && s->dpd.sends)
    g_debug("dpd: traffic waits for an answer now: asking every second");
  if (stall)
    s->dpd.state = DPD_ASKING_STALL; /* an idle question becomes urgent once traffic waits */
  s->dpd.seq++;
  s->dpd.sends++;
  s->dpd.stall_sends += stall;
  g_debug("dpd: R-U-THERE %u", s->dpd.seq);
  send_dpd(s, OSP_N_DPD_R_U_THERE, s->dpd.seq);
  s->dpd.next =
      MIN(s->now + (stall ? DPD_STALL_RETRY_US : DPD_RETRY_US), s->dpd.asked_at + timeout);
}

/* The answer to any R-U-THERE still unanswered counts: a retransmission
 * goes out every second, and a round trip may take longer. */
static OspExchOutcome dpd_ack(OspSession *s, const OspNotify *nt)
{
  bool for_stall = s->dpd.state == DPD_ASKING_STALL, repair;

  if (nt->data_len != 4 || !osp_dpd_asking(s) || s->dpd.seq - osp_get32(nt->data) >= s->dpd.sends)
    return OSP_EXCH_NEED_MORE;
  s->dpd.state = DPD_QUIET;
  s->dpd.stalled_since = 0;
  s->last_rx = s->now;
  s->dpd.stall_answered += for_stall;
  repair = for_stall &&
           ++s->dpd.stall_acks >= OSP_STALL_ACKS_MAX
                                      << MIN(s->dpd.stall_repairs, OSP_STALL_REPAIR_BACKOFF_MAX) &&
           s->qm.state == QM_IDLE && s->state == S_ESTABLISHED;
  if (repair) {
    /* the gateway answers, yet our traffic gets nothing back: its end of
     * the IPsec SA is missing (a lost quick mode message 3, a crash of its
     * datapath); a new IPsec SA repairs that.  The new SA's own message 3
     * may be lost too (the gateway drowning in our traffic): tried again,
     * less and less often, since traffic one-way by nature looks the same */
    g_debug("dpd: traffic gets no answer although the gateway answers: new IPsec SA (%u)",
            s->dpd.stall_repairs + 1);
    s->dpd.stall_acks = 0;
    s->dpd.stall_repairs++;
  }
  s->dpd.next = s->now + (gint64)s->profile->dpd_idle * G_USEC_PER_SEC;
  return repair ? OSP_EXCH_NEW_CHILD : OSP_EXCH_NEED_MORE;
}

/* Something unauthenticated suggests the gateway lost our SAs (it starts
 * a new phase 1 towards us, or complains in the clear): ask it now whether
 * it still knows us; dead peer detection decides, so a forged packet
 * costs one R-U-THERE and nothing else. */
void osp_dpd_check_now(OspSession *s)
{
  if (s->state != S_ESTABLISHED || osp_dpd_asking(s) || s->dpd.next == G_MAXINT64)
    return;
  g_debug("dpd: the gateway may have lost our SAs; asking now");
  s->dpd.state = DPD_SUSPECT;
  s->dpd.next = s->now;
}

OspExchOutcome osp_dpd_input(OspSession *s, const OspNotify *nt)
{
  if (nt->type == OSP_N_DPD_R_U_THERE_ACK)
    return dpd_ack(s, nt);
  if (nt->data_len == 4)
    send_dpd(s, OSP_N_DPD_R_U_THERE_ACK, osp_get32(nt->data));
  return OSP_EXCH_NEED_MORE;
}

bool osp_dpd_asking(const OspSession *s)
{
  return s->dpd.state == DPD_ASKING || s->dpd.state == DPD_ASKING_STALL;
}
