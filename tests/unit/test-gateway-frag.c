/* SPDX-License-Identifier: GPL-2.0-or-later
 * Cisco IKE fragmentation (client/osp-frag.h): the reassembly on its own,
 * case by case (T(n, ...) in a table, so a failure names its case), then a
 * session against the scripted gateway sending its message 2 in fragments:
 *
 *   I --- SA KE Ni IDii VIDs(+FRAGMENTATION) ---> R
 *   I <--- FRAG(1) FRAG(2) ... FRAG(n, LAST) ---- R   message 2, cut up
 *   I --- HASH_I ---------------------------------> R
 *
 * in order, out of order, with duplicates, with one missing and with more
 * fragments than allowed. */
#include "osp-test-gateway.h"

#include "osp-error.h"
#include "osp-frag.h"

#include <errno.h>
#include <string.h>

/* A fragment datagram: number num (flags LAST when last), fragment id,
 * data_len bytes of data (byte value num), payload length field plen (0:
 * the right one). */
static GByteArray *fragment(uint16_t id, uint8_t num, bool last, size_t data_len, size_t plen)
{
  GByteArray *b = g_byte_array_new();
  uint8_t hdr[OSP_ISAKMP_HDR_LEN] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 9, 9, 9, 9, 9, 9, 9 };
  uint8_t fh[OSP_FRAG_HDR_LEN] = { 0 };

  hdr[16] = OSP_PL_CISCO_FRAG;
  hdr[17] = OSP_ISAKMP_VERSION;
  hdr[18] = OSP_EXCH_AGGRESSIVE;
  osp_put32(hdr + 24, (uint32_t)(sizeof(hdr) + sizeof(fh) + data_len));
  osp_put16(fh + 2, (uint16_t)(plen ? plen : OSP_FRAG_HDR_LEN + data_len));
  osp_put16(fh + 4, id);
  fh[6] = num;
  fh[7] = last ? OSP_FRAG_FLAG_LAST : 0;
  g_byte_array_append(b, hdr, sizeof(hdr));
  g_byte_array_append(b, fh, sizeof(fh));
  for (size_t i = 0; i < data_len; i++)
    g_byte_array_append(b, &num, 1);
  return b;
}

typedef struct {
  uint16_t id;
  uint8_t num;
  bool last;
  size_t len, plen;
  gint64 at_s;
  int want;          /* osp_frag_add's result */
  size_t whole;      /* on 1: the reassembled length */
  const char *order; /* on 1: the first byte of each fragment's data, in order */
} Step;

#define T(id, num, last, len, at, want, whole, order) \
  {                                                   \
    id, num, last, len, 0, at, want, whole, order     \
  }
#define END \
  {         \
    0       \
  }

static const struct {
  const char *name;
  Step steps[24];
} cases[] = {
  { "in order",
    { T(1, 1, false, 10, 0, 0, 0, NULL), T(1, 2, false, 10, 0, 0, 0, NULL),
      T(1, 3, true, 5, 0, 1, 25, "\1\2\3"), END } },
  { "last first",
    { T(1, 3, true, 5, 0, 0, 0, NULL), T(1, 1, false, 10, 0, 0, 0, NULL),
      T(1, 2, false, 10, 0, 1, 25, "\1\2\3"), END } },
  /* completes on a middle fragment arriving after the last */
  { "reversed", { T(2, 2, true, 3, 0, 0, 0, NULL), T(2, 1, false, 4, 0, 1, 7, "\1\2"), END } },
  { "single", { T(3, 1, true, 9, 0, 1, 9, "\1"), END } },
  { "duplicate kept once",
    { T(1, 1, false, 10, 0, 0, 0, NULL), T(1, 1, false, 10, 0, 0, 0, NULL),
      T(1, 2, true, 10, 0, 1, 20, "\1\2"), END } },
  { "duplicate last",
    { T(1, 2, true, 10, 0, 0, 0, NULL), T(1, 2, true, 10, 0, 0, 0, NULL),
      T(1, 1, false, 10, 0, 1, 20, "\1\2"), END } },
  { "missing never completes",
    { T(1, 1, false, 10, 0, 0, 0, NULL), T(1, 3, true, 10, 0, 0, 0, NULL), END } },
  /* a new message ID drops the old one's fragments */
  { "another message",
    { T(1, 1, false, 10, 0, 0, 0, NULL), T(2, 2, true, 10, 0, 0, 0, NULL),
      T(1, 2, true, 10, 0, 0, 0, NULL), T(2, 1, false, 10, 0, 0, 0, NULL),
      T(2, 2, true, 10, 0, 1, 20, "\1\2"), END } },
  /* older than OSP_FRAG_TIMEOUT_US: started over */
  { "too old",
    { T(1, 1, false, 10, 0, 0, 0, NULL), T(1, 2, true, 10, 31, 0, 0, NULL),
      T(1, 1, false, 10, 32, 1, 20, "\1\2"), END } },
  { "two lasts",
    { T(1, 2, true, 10, 0, 0, 0, NULL), T(1, 3, true, 10, 0, -EBADMSG, 0, NULL),
      T(1, 1, false, 10, 0, 0, 0, NULL), END } },
  { "beyond the last",
    { T(1, 2, true, 10, 0, 0, 0, NULL), T(1, 3, false, 10, 0, -EBADMSG, 0, NULL), END } },
  { "last before others",
    { T(1, 3, false, 10, 0, 0, 0, NULL), T(1, 2, true, 10, 0, -EBADMSG, 0, NULL), END } },
  { "number 0", { T(1, 0, true, 10, 0, -EBADMSG, 0, NULL), END } },
  { "number 17", { T(1, OSP_FRAG_MAX + 1, true, 10, 0, -EMSGSIZE, 0, NULL), END } },
  { "too many bytes",
    { T(1, 1, false, 16000, 0, 0, 0, NULL), T(1, 2, false, 16000, 0, 0, 0, NULL),
      T(1, 3, true, 1000, 0, -EMSGSIZE, 0, NULL), T(1, 1, false, 10, 0, 0, 0, NULL), END } },
  { "no data", { T(1, 1, true, 0, 0, -EBADMSG, 0, NULL), END } },
  { "payload longer than the datagram",
    { { 1, 1, true, 10, OSP_FRAG_HDR_LEN + 11, 0, -EBADMSG, 0, NULL }, END } },
  { "payload shorter than its header",
    { { 1, 1, true, 10, OSP_FRAG_HDR_LEN - 1, 0, -EBADMSG, 0, NULL }, END } },
};

static void test_reassembly(void)
{
  for (size_t c = 0; c < G_N_ELEMENTS(cases); c++) {
    OspFragBuf b = { 0 };

    for (size_t i = 0; cases[c].steps[i].num || cases[c].steps[i].want; i++) {
      const Step *st = &cases[c].steps[i];
      g_autoptr(GByteArray) f = fragment(st->id, st->num, st->last, st->len, st->plen);
      g_autoptr(GByteArray) msg = NULL;
      const char *why = NULL;
      OspIsakmpHdr h;
      int r;

      g_assert_cmpint(osp_isakmp_hdr_parse(f->data, f->len, &h, NULL), ==, 0);
      r = osp_frag_add(&b, &h, f->data, f->len, st->at_s * G_USEC_PER_SEC, &msg, &why);
      if (r != st->want)
        g_error("case %zu (%s), step %zu: %d, expected %d (%s)", c, cases[c].name, i, r, st->want,
                why ? why : "");
      g_assert_true((r == 1) == (msg != NULL));
      if (r == 1) {
        size_t off = 0;

        g_assert_cmpuint(msg->len, ==, st->whole);
        for (const char *o = st->order; *o; o++) {
          g_assert_cmpuint(msg->data[off], ==, (uint8_t)*o);
          while (off < msg->len && msg->data[off] == (uint8_t)*o)
            off++;
        }
        g_assert_cmpuint(off, ==, msg->len);
      }
    }
    osp_frag_clear(&b);
  }
}

/* osp_frag_split's fragments put back together are the message. */
static void test_split(void)
{
  uint8_t msg[1000];
  g_autoptr(GPtrArray) frags = NULL;
  g_autoptr(GByteArray) whole = NULL;
  OspFragBuf b = { 0 };
  int r = 0;

  for (size_t i = 0; i < sizeof(msg); i++)
    msg[i] = (uint8_t)(i * 13);
  msg[17] = OSP_ISAKMP_VERSION;
  osp_put32(msg + 24, sizeof(msg));
  frags = osp_frag_split(msg, sizeof(msg), 300, 5);
  g_assert_cmpuint(frags->len, ==, 4); /* 264 bytes of data each */
  for (guint i = frags->len; i-- > 0;) {
    GByteArray *f = frags->pdata[i];
    const char *why = NULL;
    OspIsakmpHdr h;

    g_assert_cmpuint(f->len, <=, 300);
    g_assert_cmpint(osp_isakmp_hdr_parse(f->data, f->len, &h, NULL), ==, 0);
    g_assert_cmpuint(h.length, ==, f->len);
    g_assert_cmpmem(h.icookie, 8, msg, 8);
    r = osp_frag_add(&b, &h, f->data, f->len, 0, &whole, &why);
    g_assert_cmpint(r, ==, i == 0 ? 1 : 0);
  }
  g_assert_cmpmem(whole->data, whole->len, msg, sizeof(msg));
}

/* ---- against the scripted gateway ---- */

/* The gateway's messages in fragments of frag_size bytes; the profile
 * proposes only dh_group (0: the default groups). */
static OspTestRig *fragmenting_rig(size_t frag_size, int dh_group)
{
  g_autoptr(OspProfile) p = osp_test_profile();
  OspTestRig *r;

  if (dh_group)
    p->dh_group = dh_group;
  r = osp_test_rig_new(p, NULL);
  r->gw->frag_size = frag_size;
  return r;
}

/* The gateway's fragments of message 2, taken out (not delivered). */
static GPtrArray *take_fragments(OspTestRig *r)
{
  GPtrArray *frags = g_ptr_array_new_with_free_func((GDestroyNotify)g_byte_array_unref);

  osp_test_rig_c2g(r);
  g_assert_true(r->gw->frag_offered);
  while (!g_queue_is_empty(&r->gw->out))
    g_ptr_array_add(frags, osp_test_rig_take_g2c(r));
  return frags;
}

static void test_gateway_in_order(void)
{
  g_autoptr(OspTestRig) r = fragmenting_rig(120, 0);
  g_autoptr(GPtrArray) frags = take_fragments(r);

  g_assert_cmpuint(frags->len, >=, 3);
  for (guint i = 0; i < frags->len; i++) {
    g_assert_false(r->gw->p1_done);
    osp_test_rig_to_client(r, frags->pdata[i]);
  }
  osp_test_rig_connect(r);
  g_assert_cmpuint(r->gw->rejected, ==, 0);
}

/* Last first, every one twice. */
static void test_gateway_reordered(void)
{
  g_autoptr(OspTestRig) r = fragmenting_rig(100, 0);
  g_autoptr(GPtrArray) frags = take_fragments(r);

  for (guint i = frags->len; i-- > 0;) {
    osp_test_rig_to_client(r, frags->pdata[i]);
    osp_test_rig_to_client(r, frags->pdata[i]);
  }
  osp_test_rig_connect(r);
  g_assert_cmpuint(r->gw->n_am1, ==, 1);
}

static void drop_second(OspTestRig *r, gint64 max_us)
{
  gint64 end = r->now + max_us;

  while (!r->closed && r->now < end) {
    while (!g_queue_is_empty(&r->to_gw))
      osp_test_rig_c2g(r);
    for (guint i = 0; !g_queue_is_empty(&r->gw->out); i++) {
      g_autoptr(GByteArray) f = osp_test_rig_take_g2c(r);
      OspIsakmpHdr h;

      g_assert_cmpint(osp_isakmp_hdr_parse(f->data, f->len, &h, NULL), ==, 0);
      if (h.next_payload != OSP_PL_CISCO_FRAG || f->data[OSP_ISAKMP_HDR_LEN + 6] != 2)
        osp_test_rig_to_client(r, f);
    }
    osp_test_rig_advance(r, G_USEC_PER_SEC / 2);
  }
}

/* Fragment 2 never arrives (every retransmission loses it): the attempt
 * fails as for a gateway that does not answer, nothing half-assembled
 * passes for message 2. */
static void test_gateway_missing(void)
{
  /* one group: no fallback walk */
  g_autoptr(OspTestRig) r = fragmenting_rig(120, 14);

  drop_second(r, 120 * G_USEC_PER_SEC);
  osp_test_rig_assert_closed(r, OSP_ERROR_GATEWAY_UNREACHABLE, NULL);
  g_assert_false(r->gw->p1_done);
}

/* More fragments than OSP_FRAG_MAX: given up, never reassembled. */
static void test_gateway_too_many(void)
{
  g_autoptr(OspTestRig) r = fragmenting_rig(OSP_ISAKMP_HDR_LEN + OSP_FRAG_HDR_LEN + 16, 14);

  osp_test_rig_assert_fails(r, 120 * G_USEC_PER_SEC, OSP_ERROR_GATEWAY_UNREACHABLE, NULL);
  g_assert_false(r->gw->p1_done);
}

int main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/frag/reassembly", test_reassembly);
  g_test_add_func("/frag/split", test_split);
  g_test_add_func("/frag/gateway-in-order", test_gateway_in_order);
  g_test_add_func("/frag/gateway-reordered", test_gateway_reordered);
  g_test_add_func("/frag/gateway-missing", test_gateway_missing);
  g_test_add_func("/frag/gateway-too-many", test_gateway_too_many);
  return g_test_run();
}
