/* SPDX-License-Identifier: GPL-2.0-or-later
 * Osprey — informational exchanges from the gateway: notifications and
 * Delete (RFC 2408 3.14, 3.15):
 *
 *                      <--  HDR*, HASH(1), N/D   (one message, fresh message ID)
 *
 * Errors about the exchange in progress are that exchange's to judge
 * (osp_*_refused); DPD notifies are osp-dpd.c's. */
#include "osp-session-private.h"

#include <arpa/inet.h>
#include <glib/gi18n-lib.h>
#include <netinet/in.h>
#include <string.h>

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
  case OSP_N_UNEQUAL_PAYLOAD_LENGTHS: return true;
  default: return false;
  }
}

/* The gateway no longer has the IPsec SA we send with (Delete, or an
 * authenticated INVALID-SPI): drop the pair; with none left while the IKE
 * SA lives, negotiate a new one. */
static OspExchOutcome child_gone(OspSession *s, uint32_t spi_out, const char *how)
{
  size_t k;

  for (k = 0; k < OSP_MAX_CHILDREN; k++) {
    ChildSlot *c = &s->children[k];

    if (c->live && c->sa.spi_out == spi_out) {
      g_debug("info: the gateway %s the IPsec SA %08x", how, spi_out);
      c->live = false;
      s->ops->child_sa_down(s->user, c->sa.spi_in);
      /* the last of its family (IPv4, IPv6): a new one follows */
      if (!osp_child_family_live(s, c->sa.ipv6))
        s->rekey_pending[c->sa.ipv6] = true;
    }
  }
  return s->rekey_pending[0] || s->rekey_pending[1] ? OSP_EXCH_NEW_CHILD : OSP_EXCH_NEED_MORE;
}

static OspExchOutcome invalid_spi(OspSession *s, const OspNotify *nt)
{
  if (nt->protocol == OSP_PROTO_IPSEC_ESP && nt->spi_size == 4)
    return child_gone(s, osp_get32(nt->spi), "does not know");
  if (nt->protocol == OSP_PROTO_IPSEC_ESP && nt->data_len == 4)
    return child_gone(s, osp_get32(nt->data), "does not know");
  return OSP_EXCH_NEED_MORE;
}

/* Cisco's VPN load balancing (LOAD-BALANCE, 40501): a cluster's director
 * answers phase 1, then sends the client to the member that will serve it
 * instead of asking for XAUTH.  Followed only before the tunnel is up and
 * only to an IPv4 unicast address; this IKE SA is deleted. */
static OspExchOutcome load_balance(OspSession *s, const OspNotify *nt)
{
  char text[INET_ADDRSTRLEN];
  struct in_addr to;
  OspAddr gw;
  guint32 h;

  if (!s->ops->redirected || s->params.reauth || s->state == S_ESTABLISHED) {
    g_debug("info: LOAD-BALANCE ignored (the tunnel is up or nobody follows it)");
    return OSP_EXCH_NEED_MORE;
  }
  if (nt->data_len != 4) {
    g_debug("info: LOAD-BALANCE with %zu bytes of data ignored", nt->data_len);
    return OSP_EXCH_NEED_MORE;
  }
  memcpy(&to, nt->data, 4);
  inet_ntop(AF_INET, &to, text, sizeof(text));
  h = ntohl(to.s_addr);
  osp_addr_set_ipv4(&gw, to, 0);
  if (h == 0 || h == G_MAXUINT32 || IN_MULTICAST(h) || (h >> 24) == IN_LOOPBACKNET ||
      osp_addr_same_host(&gw, &s->params.peer)) {
    osp_session_fail(s, OSP_ERROR_PROTOCOL,
                     _("The gateway %s sent this connection on to %s, which cannot be a gateway."),
                     s->profile->gateway, text);
    return OSP_EXCH_FAILED;
  }
  s->ops->redirected(s->user, to);
  osp_session_send_deletes(s);
  osp_session_fail(s, OSP_ERROR_GATEWAY_REJECTED,
                   _("The gateway %s sent this connection on to %s (load balancing)."),
                   s->profile->gateway, text);
  return OSP_EXCH_FAILED;
}

bool osp_info_is_refusal(uint16_t type)
{
  return type < 16384 && type != OSP_N_INVALID_SPI && !about_one_message(type);
}

OspExchOutcome osp_info_notify(OspSession *s, const OspNotify *nt)
{
  if (nt->type == OSP_N_INVALID_SPI)
    return invalid_spi(s, nt);
  if (nt->type == OSP_N_CISCO_LOAD_BALANCE)
    return load_balance(s, nt);
  if (nt->type == OSP_N_INITIAL_CONTACT)
    g_debug("info: INITIAL-CONTACT inside the IKE SA ignored");
  else if (about_one_message(nt->type))
    g_debug("info: the gateway could not process a message (%s); going on",
            osp_notify_name(nt->type));
  else
    g_debug("info: status notify %s", osp_notify_name(nt->type));
  return OSP_EXCH_NEED_MORE;
}

OspExchOutcome osp_info_delete(OspSession *s, const OspDelete *d)
{
  OspExchOutcome o = OSP_EXCH_NEED_MORE;
  size_t i;

  if (d->protocol == OSP_PROTO_ISAKMP && d->spi_size == 16) {
    for (i = 0; i < d->n_spis; i++)
      if (memcmp(d->spis + 16 * i, s->ike->icookie, 8) == 0 &&
          memcmp(d->spis + 16 * i + 8, s->ike->rcookie, 8) == 0)
        return OSP_EXCH_IKE_GONE;
    return OSP_EXCH_NEED_MORE;
  }
  if (d->protocol != OSP_PROTO_IPSEC_ESP || d->spi_size != 4)
    return OSP_EXCH_NEED_MORE;
  for (i = 0; i < d->n_spis; i++)
    if (child_gone(s, osp_get32(d->spis + 4 * i), "deleted") == OSP_EXCH_NEW_CHILD)
      o = OSP_EXCH_NEW_CHILD;
  return o;
}
