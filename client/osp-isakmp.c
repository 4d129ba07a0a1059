/* SPDX-License-Identifier: GPL-2.0-or-later
 * Osprey — ISAKMP wire format: parsing and building.
 *
 * Every parser here takes bytes straight off the network.  The rule is: no
 * byte is read before the length that covers it has been checked against
 * what is actually present, and every length is checked with a subtraction
 * from what is left (never an addition that could wrap).  Output parameters
 * are written only on success. */
#include "osp-isakmp.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

static int bad(const char **ret_reason, const char *reason)
{
  if (ret_reason)
    *ret_reason = reason;
  return -EBADMSG;
}

/* ---- notify names (RFC 2408 3.14.1, RFC 2407 4.6.3, RFC 3706, Cisco) ---- */

const char *osp_notify_name(uint16_t type)
{
  static _Thread_local char unknown[sizeof("notify 65535")];

  switch (type) {
  case OSP_N_INVALID_PAYLOAD_TYPE: return "INVALID-PAYLOAD-TYPE";
  case OSP_N_DOI_NOT_SUPPORTED: return "DOI-NOT-SUPPORTED";
  case OSP_N_SITUATION_NOT_SUPPORTED: return "SITUATION-NOT-SUPPORTED";
  case OSP_N_INVALID_COOKIE: return "INVALID-COOKIE";
  case OSP_N_INVALID_MAJOR_VERSION: return "INVALID-MAJOR-VERSION";
  case OSP_N_INVALID_MINOR_VERSION: return "INVALID-MINOR-VERSION";
  case OSP_N_INVALID_EXCHANGE_TYPE: return "INVALID-EXCHANGE-TYPE";
  case OSP_N_INVALID_FLAGS: return "INVALID-FLAGS";
  case OSP_N_INVALID_MESSAGE_ID: return "INVALID-MESSAGE-ID";
  case OSP_N_INVALID_PROTOCOL_ID: return "INVALID-PROTOCOL-ID";
  case OSP_N_INVALID_SPI: return "INVALID-SPI";
  case OSP_N_INVALID_TRANSFORM_ID: return "INVALID-TRANSFORM-ID";
  case OSP_N_ATTRIBUTES_NOT_SUPPORTED: return "ATTRIBUTES-NOT-SUPPORTED";
  case OSP_N_NO_PROPOSAL_CHOSEN: return "NO-PROPOSAL-CHOSEN";
  case OSP_N_BAD_PROPOSAL_SYNTAX: return "BAD-PROPOSAL-SYNTAX";
  case OSP_N_PAYLOAD_MALFORMED: return "PAYLOAD-MALFORMED";
  case OSP_N_INVALID_KEY_INFORMATION: return "INVALID-KEY-INFORMATION";
  case OSP_N_INVALID_ID_INFORMATION: return "INVALID-ID-INFORMATION";
  case OSP_N_INVALID_CERT_ENCODING: return "INVALID-CERT-ENCODING";
  case OSP_N_INVALID_CERTIFICATE: return "INVALID-CERTIFICATE";
  case OSP_N_CERT_TYPE_UNSUPPORTED: return "CERT-TYPE-UNSUPPORTED";
  case OSP_N_INVALID_CERT_AUTHORITY: return "INVALID-CERT-AUTHORITY";
  case OSP_N_INVALID_HASH_INFORMATION: return "INVALID-HASH-INFORMATION";
  case OSP_N_AUTHENTICATION_FAILED: return "AUTHENTICATION-FAILED";
  case OSP_N_INVALID_SIGNATURE: return "INVALID-SIGNATURE";
  case OSP_N_ADDRESS_NOTIFICATION: return "ADDRESS-NOTIFICATION";
  case OSP_N_NOTIFY_SA_LIFETIME: return "NOTIFY-SA-LIFETIME";
  case OSP_N_CERTIFICATE_UNAVAILABLE: return "CERTIFICATE-UNAVAILABLE";
  case OSP_N_UNSUPPORTED_EXCHANGE_TYPE: return "UNSUPPORTED-EXCHANGE-TYPE";
  case OSP_N_UNEQUAL_PAYLOAD_LENGTHS: return "UNEQUAL-PAYLOAD-LENGTHS";
  case OSP_N_CONNECTED: return "CONNECTED";
  case OSP_N_RESPONDER_LIFETIME: return "RESPONDER-LIFETIME";
  case OSP_N_REPLAY_STATUS: return "REPLAY-STATUS";
  case OSP_N_INITIAL_CONTACT: return "INITIAL-CONTACT";
  case OSP_N_DPD_R_U_THERE: return "R-U-THERE";
  case OSP_N_DPD_R_U_THERE_ACK: return "R-U-THERE-ACK";
  case OSP_N_CISCO_LOAD_BALANCE: return "CISCO-LOAD-BALANCE";
  default: break;
  }
  snprintf(unknown, sizeof(unknown), "notify %u", (unsigned)type);
  return unknown;
}

/* ---- header and payload chain (RFC 2408 3.1, 3.2) ----------------------- */

int osp_isakmp_hdr_parse(const uint8_t *buf, size_t len, OspIsakmpHdr *ret, const char **ret_reason)
{
  uint32_t length;

  if (len < OSP_ISAKMP_HDR_LEN)
    return bad(ret_reason, "message shorter than the ISAKMP header");
  if ((buf[17] >> 4) != (OSP_ISAKMP_VERSION >> 4))
    return bad(ret_reason, "ISAKMP major version is not 1");
  length = osp_get32(buf + 24);
  if (length < OSP_ISAKMP_HDR_LEN)
    return bad(ret_reason, "ISAKMP length below header size");
  if (length > len)
    return bad(ret_reason, "ISAKMP length beyond the datagram");

  memcpy(ret->icookie, buf, 8);
  memcpy(ret->rcookie, buf + 8, 8);
  ret->next_payload = buf[16];
  ret->version = buf[17];
  ret->exchange = buf[18];
  ret->flags = buf[19];
  ret->msgid = osp_get32(buf + 20);
  ret->length = length;
  return 0;
}

/* Walks the chain; fills `out` (if not NULL) as it goes.  Returns the count
 * or -EBADMSG. */
static int payloads_walk(uint8_t first, const uint8_t *buf, size_t len, OspPayload *out, size_t max,
                         const char **ret_reason)
{
  uint8_t type = first;
  size_t off = 0, n = 0;

  if (max > OSP_ISAKMP_MAX_PAYLOADS)
    max = OSP_ISAKMP_MAX_PAYLOADS;

  while (type != OSP_PL_NONE) {
    size_t plen;

    if (n >= max)
      return bad(ret_reason, "too many payloads");
    if (len - off < OSP_ISAKMP_GEN_HDR_LEN)
      return bad(ret_reason, "payload header truncated");
    plen = osp_get16(buf + off + 2);
    if (plen < OSP_ISAKMP_GEN_HDR_LEN)
      return bad(ret_reason, "payload length below generic header size");
    if (plen > len - off)
      return bad(ret_reason, "payload length beyond the message");
    if (out) {
      out[n].type = type;
      out[n].body = buf + off + OSP_ISAKMP_GEN_HDR_LEN;
      out[n].len = plen - OSP_ISAKMP_GEN_HDR_LEN;
    }
    n++;
    type = buf[off];
    off += plen;
  }
  return (int)n;
}

int osp_payloads_parse(uint8_t first, const uint8_t *buf, size_t len, OspPayload *ret, size_t max,
                       size_t *ret_n, const char **ret_reason)
{
  int r;

  /* validate first so that *ret stays untouched on failure */
  r = payloads_walk(first, buf, len, NULL, max, ret_reason);
  if (r < 0)
    return r;
  payloads_walk(first, buf, len, ret, max, NULL);
  *ret_n = (size_t)r;
  return 0;
}

const OspPayload *osp_payload_find(const OspPayload *pl, size_t n, uint8_t type)
{
  for (size_t i = 0; i < n; i++)
    if (pl[i].type == type)
      return &pl[i];
  return NULL;
}

/* ---- data attributes (RFC 2408 3.3) ------------------------------------ */

int osp_attr_next(const uint8_t **p, size_t *left, OspAttr *ret, const char **ret_reason)
{
  const uint8_t *a = *p;
  uint16_t tf;

  if (*left == 0)
    return 0;
  if (*left < 4) {
    /* some gateways pad the attributes to a multiple of 4 with zeros:
     * 1-3 zero bytes cannot be an attribute, they end the list */
    for (size_t i = 0; i < *left; i++)
      if (a[i])
        return bad(ret_reason, "attribute header truncated");
    *p = a + *left;
    *left = 0;
    return 0;
  }
  tf = osp_get16(a);
  if (tf & 0x8000) {
    ret->type = tf & 0x7fff;
    ret->basic = true;
    ret->value = osp_get16(a + 2);
    ret->data = a + 2;
    ret->len = 2;
    *p = a + 4;
    *left -= 4;
  } else {
    size_t alen = osp_get16(a + 2);

    if (alen > *left - 4)
      return bad(ret_reason, "attribute value runs past the end");
    ret->type = tf;
    ret->basic = false;
    ret->value = 0;
    ret->data = a + 4;
    ret->len = alen;
    *p = a + 4 + alen;
    *left -= 4 + alen;
  }
  return 1;
}

int osp_attr_uint(const OspAttr *a, uint32_t *ret)
{
  uint32_t v = 0;

  if (a->basic) {
    *ret = a->value;
    return 0;
  }
  if (a->len == 0 || a->len > 4)
    return -EBADMSG;
  for (size_t i = 0; i < a->len; i++)
    v = (v << 8) | a->data[i];
  *ret = v;
  return 0;
}

static int attrs_check(const uint8_t *p, size_t left, const char **ret_reason)
{
  OspAttr a;
  int r;

  while ((r = osp_attr_next(&p, &left, &a, ret_reason)) > 0)
    ;
  return r;
}

/* ---- SA, proposal, transform (RFC 2408 3.4-3.6, RFC 2407 4.2, 4.5) ------ */

#define OSP_DOI_IPSEC 1
#define OSP_SIT_IDENTITY_ONLY 1
#define PROPOSAL_HDR_LEN 8  /* generic header, #, protocol, SPI size, # transforms */
#define TRANSFORM_HDR_LEN 8 /* generic header, #, transform ID, reserved2 */

/* Transform payloads of one proposal, chained with next-payload 3 and
 * ending with 0; they must fill the rest of the proposal exactly. */
static int transforms_walk(const uint8_t *buf, size_t len, unsigned declared, OspProposal *out,
                           const char **ret_reason)
{
  size_t off = 0, n = 0;
  uint8_t next = OSP_PL_TRANSFORM;

  while (next != OSP_PL_NONE) {
    size_t tlen;

    if (next != OSP_PL_TRANSFORM)
      return bad(ret_reason, "transform chained with a payload type other than 3");
    if (n >= declared)
      return bad(ret_reason, "more transforms present than the proposal declares");
    if (len - off < TRANSFORM_HDR_LEN)
      return bad(ret_reason, "transform header truncated");
    tlen = osp_get16(buf + off + 2);
    if (tlen < TRANSFORM_HDR_LEN)
      return bad(ret_reason, "transform length below transform header size");
    if (tlen > len - off)
      return bad(ret_reason, "transform length beyond the proposal");
    if (attrs_check(buf + off + TRANSFORM_HDR_LEN, tlen - TRANSFORM_HDR_LEN, ret_reason) < 0)
      return -EBADMSG;
    if (out) {
      OspTransform *t = &out->transforms[n];

      t->num = buf[off + 4];
      t->id = buf[off + 5];
      t->attrs = buf + off + TRANSFORM_HDR_LEN;
      t->attrs_len = tlen - TRANSFORM_HDR_LEN;
    }
    n++;
    next = buf[off];
    off += tlen;
  }
  if (n != declared)
    return bad(ret_reason, "fewer transforms present than the proposal declares");
  if (off != len)
    return bad(ret_reason, "trailing bytes after the last transform");
  if (out)
    out->n_transforms = n;
  return 0;
}

static int sa_walk(const uint8_t *body, size_t len, OspSa *out, const char **ret_reason)
{
  const uint8_t *buf;
  size_t off = 0, n = 0;
  uint8_t next = OSP_PL_PROPOSAL;

  if (len < 8)
    return bad(ret_reason, "SA body shorter than DOI and situation");
  if (osp_get32(body) != OSP_DOI_IPSEC)
    return bad(ret_reason, "SA DOI is not IPsec (1)");
  if (osp_get32(body + 4) != OSP_SIT_IDENTITY_ONLY)
    return bad(ret_reason, "SA situation is not SIT_IDENTITY_ONLY");
  buf = body + 8;
  len -= 8;
  if (len == 0)
    return bad(ret_reason, "SA without proposals");

  while (next != OSP_PL_NONE) {
    size_t plen, spi_size;
    unsigned n_transforms;
    int r;

    if (next != OSP_PL_PROPOSAL)
      return bad(ret_reason, "proposal chained with a payload type other than 2");
    if (n >= OSP_MAX_PROPOSALS)
      return bad(ret_reason, "too many proposals");
    if (len - off < PROPOSAL_HDR_LEN)
      return bad(ret_reason, "proposal header truncated");
    plen = osp_get16(buf + off + 2);
    if (plen < PROPOSAL_HDR_LEN)
      return bad(ret_reason, "proposal length below proposal header size");
    if (plen > len - off)
      return bad(ret_reason, "proposal length beyond the SA payload");
    spi_size = buf[off + 6];
    n_transforms = buf[off + 7];
    if (spi_size > plen - PROPOSAL_HDR_LEN)
      return bad(ret_reason, "SPI size beyond the proposal");
    if (n_transforms == 0)
      return bad(ret_reason, "proposal without transforms");
    if (n_transforms > OSP_MAX_TRANSFORMS)
      return bad(ret_reason, "too many transforms in a proposal");
    if (out) {
      OspProposal *pr = &out->proposals[n];

      pr->num = buf[off + 4];
      pr->protocol = buf[off + 5];
      pr->spi_size = (uint8_t)spi_size;
      pr->spi = buf + off + PROPOSAL_HDR_LEN;
    }
    r = transforms_walk(buf + off + PROPOSAL_HDR_LEN + spi_size, plen - PROPOSAL_HDR_LEN - spi_size,
                        n_transforms, out ? &out->proposals[n] : NULL, ret_reason);
    if (r < 0)
      return r;
    n++;
    next = buf[off];
    off += plen;
  }
  if (off != len)
    return bad(ret_reason, "trailing bytes after the last proposal");
  if (out) {
    out->doi = OSP_DOI_IPSEC;
    out->situation = OSP_SIT_IDENTITY_ONLY;
    out->n_proposals = n;
  }
  return 0;
}

int osp_sa_parse(const uint8_t *body, size_t len, OspSa *ret, const char **ret_reason)
{
  int r;

  /* validate first so that *ret stays untouched on failure */
  r = sa_walk(body, len, NULL, ret_reason);
  if (r < 0)
    return r;
  sa_walk(body, len, ret, NULL);
  return 0;
}

/* ---- ID, notify, delete, attribute payload bodies ----------------------- */

/* RFC 2407 4.6.2: for address types the data length is fixed. */
static size_t id_data_len(uint8_t type)
{
  switch (type) {
  case OSP_ID_IPV4_ADDR: return 4;
  case OSP_ID_IPV4_ADDR_SUBNET:
  case OSP_ID_IPV4_ADDR_RANGE: return 8;
  case OSP_ID_IPV6_ADDR: return 16;
  case OSP_ID_IPV6_ADDR_SUBNET:
  case 8 /* ID_IPV6_ADDR_RANGE */: return 32;
  default: return 0; /* any length */
  }
}

int osp_id_parse(const uint8_t *body, size_t len, OspId *ret, const char **ret_reason)
{
  size_t want;

  if (len < 4)
    return bad(ret_reason, "ID body shorter than its header");
  want = id_data_len(body[0]);
  if (want && len - 4 != want)
    return bad(ret_reason, "ID data length wrong for an address ID type");
  ret->type = body[0];
  ret->protocol = body[1];
  ret->port = osp_get16(body + 2);
  ret->data = body + 4;
  ret->len = len - 4;
  return 0;
}

int osp_notify_parse(const uint8_t *body, size_t len, OspNotify *ret, const char **ret_reason)
{
  size_t spi_size;

  /* RFC 2408 3.14: DOI (4), protocol, SPI size, type (2), SPI, data.  The
   * DOI is not checked: ISAKMP notifies may carry 0. */
  if (len < 8)
    return bad(ret_reason, "notify body shorter than its header");
  spi_size = body[5];
  if (spi_size > len - 8)
    return bad(ret_reason, "notify SPI size beyond the payload");
  ret->doi = osp_get32(body);
  ret->protocol = body[4];
  ret->spi_size = (uint8_t)spi_size;
  ret->type = osp_get16(body + 6);
  ret->spi = body + 8;
  ret->data = body + 8 + spi_size;
  ret->data_len = len - 8 - spi_size;
  return 0;
}

int osp_delete_parse(const uint8_t *body, size_t len, OspDelete *ret, const char **ret_reason)
{
  size_t spi_size, n_spis;

  /* RFC 2408 3.15: DOI (4), protocol, SPI size, # of SPIs (2), SPIs */
  if (len < 8)
    return bad(ret_reason, "delete body shorter than its header");
  spi_size = body[5];
  n_spis = osp_get16(body + 6);
  /* at most 65535 * 255: no overflow in size_t */
  if (n_spis * spi_size > len - 8)
    return bad(ret_reason, "delete SPIs run past the payload");
  ret->doi = osp_get32(body);
  ret->protocol = body[4];
  ret->spi_size = (uint8_t)spi_size;
  ret->n_spis = (uint16_t)n_spis;
  ret->spis = body + 8;
  return 0;
}

int osp_cfg_parse(const uint8_t *body, size_t len, OspCfg *ret, const char **ret_reason)
{
  /* draft-dukes-ike-mode-cfg-02 3.2: type, reserved, identifier (2), attrs */
  if (len < 4)
    return bad(ret_reason, "attribute payload shorter than its header");
  if (body[0] < OSP_CFG_REQUEST || body[0] > OSP_CFG_ACK)
    return bad(ret_reason, "unknown attribute payload type");
  if (attrs_check(body + 4, len - 4, ret_reason) < 0)
    return -EBADMSG;
  ret->type = body[0];
  ret->identifier = osp_get16(body + 2);
  ret->attrs = body + 4;
  ret->attrs_len = len - 4;
  return 0;
}

/* ---- building ------------------------------------------------------------ */

static void append(GByteArray *b, const void *data, size_t len)
{
  if (len)
    g_byte_array_append(b, data, (guint)len);
}

static void append8(GByteArray *b, uint8_t v)
{
  g_byte_array_append(b, &v, 1);
}

static void append16(GByteArray *b, uint16_t v)
{
  uint8_t x[2];

  osp_put16(x, v);
  g_byte_array_append(b, x, 2);
}

static void append32(GByteArray *b, uint32_t v)
{
  uint8_t x[4];

  osp_put32(x, v);
  g_byte_array_append(b, x, 4);
}

void osp_msg_init(OspMsg *m, const OspIsakmpHdr *hdr)
{
  m->buf = g_byte_array_sized_new(512);
  append(m->buf, hdr->icookie, 8);
  append(m->buf, hdr->rcookie, 8);
  append8(m->buf, OSP_PL_NONE); /* next payload: set by the first payload */
  /* a zeroed header gets the only version there is */
  append8(m->buf, hdr->version ? hdr->version : OSP_ISAKMP_VERSION);
  append8(m->buf, hdr->exchange);
  append8(m->buf, hdr->flags);
  append32(m->buf, hdr->msgid);
  append32(m->buf, 0); /* length: osp_msg_finish() */
  m->np_offset = 16;
  m->open = 0;
}

void osp_msg_clear(OspMsg *m)
{
  if (!m)
    return;
  if (m->buf)
    g_byte_array_unref(m->buf);
  m->buf = NULL;
  m->np_offset = 0;
  m->open = 0;
}

void osp_msg_begin_payload(OspMsg *m, uint8_t type)
{
  g_return_if_fail(m->open == 0);
  m->buf->data[m->np_offset] = type;
  m->open = m->buf->len;
  m->np_offset = m->open;
  append32(m->buf, 0); /* next payload 0, reserved, length later */
}

void osp_msg_end_payload(OspMsg *m)
{
  size_t len;

  g_return_if_fail(m->open != 0);
  len = m->buf->len - m->open;
  g_return_if_fail(len <= 0xffff);
  osp_put16(m->buf->data + m->open + 2, (uint16_t)len);
  m->open = 0;
}

void osp_msg_add_payload(OspMsg *m, uint8_t type, const void *body, size_t len)
{
  osp_msg_begin_payload(m, type);
  append(m->buf, body, len);
  osp_msg_end_payload(m);
}

GByteArray *osp_msg_finish(OspMsg *m)
{
  g_warn_if_fail(m->open == 0);
  osp_put32(m->buf->data + 24, m->buf->len);
  return m->buf;
}

void osp_put_attr_basic(GByteArray *b, uint16_t type, uint16_t value)
{
  append16(b, 0x8000 | type);
  append16(b, value);
}

void osp_put_attr_var(GByteArray *b, uint16_t type, const void *data, size_t len)
{
  g_return_if_fail(len <= 0xffff);
  append16(b, type & 0x7fff);
  append16(b, (uint16_t)len);
  append(b, data, len);
}

void osp_put_attr_uint(GByteArray *b, uint16_t type, uint32_t value)
{
  uint8_t v[4];

  if (value <= 0xffff) {
    osp_put_attr_basic(b, type, (uint16_t)value);
    return;
  }
  osp_put32(v, value);
  osp_put_attr_var(b, type, v, 4);
}

void osp_sa_begin(GByteArray *b, uint32_t doi, uint32_t situation)
{
  append32(b, doi);
  append32(b, situation);
}

size_t osp_proposal_begin(GByteArray *b, uint8_t num, uint8_t protocol, const uint8_t *spi,
                          uint8_t spi_size)
{
  size_t off = b->len;

  append32(b, 0); /* next, reserved, length: osp_proposal_end() */
  append8(b, num);
  append8(b, protocol);
  append8(b, spi_size);
  append8(b, 0); /* # transforms: osp_proposal_end() */
  append(b, spi, spi_size);
  return off;
}

void osp_proposal_end(GByteArray *b, size_t off, uint8_t n_transforms, bool last)
{
  size_t len = b->len - off;

  g_return_if_fail(len <= 0xffff);
  b->data[off] = last ? OSP_PL_NONE : OSP_PL_PROPOSAL;
  osp_put16(b->data + off + 2, (uint16_t)len);
  b->data[off + 7] = n_transforms;
}

size_t osp_transform_begin(GByteArray *b, uint8_t num, uint8_t id)
{
  size_t off = b->len;

  append32(b, 0); /* next, reserved, length: osp_transform_end() */
  append8(b, num);
  append8(b, id);
  append16(b, 0); /* reserved2 */
  return off;
}

void osp_transform_end(GByteArray *b, size_t off, bool last)
{
  size_t len = b->len - off;

  g_return_if_fail(len <= 0xffff);
  b->data[off] = last ? OSP_PL_NONE : OSP_PL_TRANSFORM;
  osp_put16(b->data + off + 2, (uint16_t)len);
}

void osp_put_id(GByteArray *b, uint8_t type, uint8_t protocol, uint16_t port, const void *data,
                size_t len)
{
  append8(b, type);
  append8(b, protocol);
  append16(b, port);
  append(b, data, len);
}

void osp_put_notify(GByteArray *b, uint8_t protocol, uint16_t type, const void *spi,
                    uint8_t spi_size, const void *data, size_t data_len)
{
  append32(b, OSP_DOI_IPSEC);
  append8(b, protocol);
  append8(b, spi_size);
  append16(b, type);
  append(b, spi, spi_size);
  append(b, data, data_len);
}

void osp_put_delete(GByteArray *b, uint8_t protocol, const void *spi, uint8_t spi_size)
{
  append32(b, OSP_DOI_IPSEC);
  append8(b, protocol);
  append8(b, spi_size);
  append16(b, 1);
  append(b, spi, spi_size);
}

void osp_put_cfg_hdr(GByteArray *b, uint8_t type, uint16_t identifier)
{
  append8(b, type);
  append8(b, 0);
  append16(b, identifier);
}
