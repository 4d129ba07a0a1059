/* SPDX-License-Identifier: GPL-2.0-or-later
 * Osprey — Cisco IKE fragmentation (osp-frag.h). */
#include "osp-frag.h"

#include <errno.h>
#include <string.h>

void osp_frag_clear(OspFragBuf *b)
{
  for (size_t i = 0; i < G_N_ELEMENTS(b->parts); i++)
    if (b->parts[i])
      g_byte_array_unref(b->parts[i]);
  memset(b, 0, sizeof(*b));
}

static int give_up(OspFragBuf *b, int r, const char *why, const char **ret_why)
{
  osp_frag_clear(b);
  *ret_why = why;
  return r;
}

int osp_frag_add(OspFragBuf *b, const OspIsakmpHdr *h, const uint8_t *data, size_t len, gint64 now,
                 GByteArray **ret_msg, const char **ret_why)
{
  const uint8_t *p = data + OSP_ISAKMP_HDR_LEN;
  size_t left = MIN((size_t)h->length, len) - OSP_ISAKMP_HDR_LEN, plen, dlen, i;
  uint16_t id;
  uint8_t num, flags;
  GByteArray *msg;

  if (h->next_payload != OSP_PL_CISCO_FRAG || left < OSP_FRAG_HDR_LEN) {
    *ret_why = "a fragment shorter than its header";
    return -EBADMSG;
  }
  plen = osp_get16(p + 2);
  id = osp_get16(p + 4);
  num = p[6];
  flags = p[7];
  if (p[0] != OSP_PL_NONE || plen <= OSP_FRAG_HDR_LEN || plen > left) {
    *ret_why = "a fragment payload of a bad length, or not alone";
    return -EBADMSG;
  }
  if (num == 0 || num > OSP_FRAG_MAX) {
    *ret_why = "a fragment number out of range";
    return num ? -EMSGSIZE : -EBADMSG;
  }
  dlen = plen - OSP_FRAG_HDR_LEN;
  /* another message, or the one we have waited for too long: start over */
  if (b->busy && (id != b->id || now - b->started > OSP_FRAG_TIMEOUT_US)) {
    g_debug("frag: gave up message %u (%s)", b->id, id != b->id ? "another began" : "too old");
    osp_frag_clear(b);
  }
  if (!b->busy) {
    b->busy = true;
    b->started = now;
    b->id = id;
  }
  if (flags & OSP_FRAG_FLAG_LAST) {
    if (b->last && b->last != num)
      return give_up(b, -EBADMSG, "two last fragments", ret_why);
    for (i = num + 1; i <= OSP_FRAG_MAX; i++)
      if (b->parts[i])
        return give_up(b, -EBADMSG, "a fragment beyond the last", ret_why);
    b->last = num;
  } else if (b->last && num >= b->last) {
    return give_up(b, -EBADMSG, "a fragment beyond the last", ret_why);
  }
  if (b->parts[num]) {
    /* a retransmission: the first copy stays */
    g_debug("frag: dropped a duplicate of fragment %u of message %u", num, id);
    *ret_why = "a duplicate fragment";
    return 0;
  }
  if (b->bytes + dlen > OSP_FRAG_MAX_BYTES)
    return give_up(b, -EMSGSIZE, "fragments of a message larger than allowed", ret_why);
  b->parts[num] = g_byte_array_sized_new((guint)dlen);
  g_byte_array_append(b->parts[num], p + OSP_FRAG_HDR_LEN, (guint)dlen);
  b->bytes += dlen;
  /* complete when the last is known and none before it is missing,
   * whichever fragment came last */
  if (!b->last)
    return 0;
  for (i = 1; i <= b->last; i++)
    if (!b->parts[i])
      return 0;
  msg = g_byte_array_sized_new((guint)b->bytes);
  for (i = 1; i <= b->last; i++)
    g_byte_array_append(msg, b->parts[i]->data, b->parts[i]->len);
  g_debug("frag: message %u reassembled from %u fragments, %zu bytes", id, b->last, b->bytes);
  osp_frag_clear(b);
  *ret_msg = msg;
  return 1;
}

GPtrArray *osp_frag_split(const uint8_t *msg, size_t len, size_t max_len, uint16_t id)
{
  GPtrArray *frags = g_ptr_array_new_with_free_func((GDestroyNotify)g_byte_array_unref);
  size_t chunk = max_len - OSP_ISAKMP_HDR_LEN - OSP_FRAG_HDR_LEN, off = 0;
  uint8_t num = 1;

  g_return_val_if_fail(len >= OSP_ISAKMP_HDR_LEN && max_len > OSP_ISAKMP_HDR_LEN + OSP_FRAG_HDR_LEN,
                       frags);
  while (off < len) {
    size_t n = MIN(chunk, len - off);
    GByteArray *f = g_byte_array_sized_new((guint)(OSP_ISAKMP_HDR_LEN + OSP_FRAG_HDR_LEN + n));
    uint8_t fh[OSP_FRAG_HDR_LEN] = { OSP_PL_NONE, 0 };

    /* the original's cookies, version and exchange; no flags */
    g_byte_array_append(f, msg, OSP_ISAKMP_HDR_LEN);
    f->data[16] = OSP_PL_CISCO_FRAG;
    f->data[19] = 0;
    osp_put32(f->data + 24, (uint32_t)(OSP_ISAKMP_HDR_LEN + OSP_FRAG_HDR_LEN + n));
    osp_put16(fh + 2, (uint16_t)(OSP_FRAG_HDR_LEN + n));
    osp_put16(fh + 4, id);
    fh[6] = num++;
    fh[7] = off + n == len ? OSP_FRAG_FLAG_LAST : 0;
    g_byte_array_append(f, fh, sizeof(fh));
    g_byte_array_append(f, msg + off, (guint)n);
    g_ptr_array_add(frags, f);
    off += n;
  }
  return frags;
}
