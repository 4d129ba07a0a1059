/* SPDX-License-Identifier: GPL-2.0-or-later
 * libFuzzer target for the ISAKMP parsers (client/osp-isakmp.c).
 *
 * A valid header leads to the payload chain; every payload the chain yields
 * goes through every body parser, whatever its type, because a peer decides
 * the types.  When the header does not parse, the first byte picks a parser
 * and the rest is its body, so the fuzzer reaches the body parsers without
 * first building an envelope.  Whatever a parser accepts is read in full
 * (so ASan sees any pointer it returns past the input) and its invariants
 * are checked; a failure without a reason string is a bug too. */
#include "fuzz-util.h"
#include "osp-isakmp.h"

#include <string.h>

static void reason_set(int r, const char *reason)
{
  if (r < 0)
    CHECK(reason != NULL);
}

/* iterate attributes that a parser already validated: must be clean */
static void attrs_walk(const uint8_t *p, size_t len, const uint8_t *lo, size_t lo_len)
{
  OspAttr a;
  uint32_t v;
  int r;

  while ((r = osp_attr_next(&p, &len, &a, NULL)) > 0) {
    fuzz_touch(a.data, a.len, lo, lo_len);
    (void)osp_attr_uint(&a, &v);
  }
  CHECK(r == 0);
}

static OspSa sa, sa2;

static void fuzz_sa(const uint8_t *body, size_t len)
{
  const char *reason = NULL;
  GByteArray *b;
  int r;

  r = osp_sa_parse(body, len, &sa, &reason);
  reason_set(r, reason);
  if (r < 0)
    return;
  CHECK(sa.n_proposals >= 1 && sa.n_proposals <= OSP_MAX_PROPOSALS);

  /* rebuild it with the builders: same length, same structure */
  b = g_byte_array_new();
  osp_sa_begin(b, sa.doi, sa.situation);
  for (size_t i = 0; i < sa.n_proposals; i++) {
    const OspProposal *pr = &sa.proposals[i];
    size_t po;

    CHECK(pr->n_transforms >= 1 && pr->n_transforms <= OSP_MAX_TRANSFORMS);
    fuzz_touch(pr->spi, pr->spi_size, body, len);
    po = osp_proposal_begin(b, pr->num, pr->protocol, pr->spi, pr->spi_size);
    for (size_t j = 0; j < pr->n_transforms; j++) {
      const OspTransform *t = &pr->transforms[j];
      size_t to;

      fuzz_touch(t->attrs, t->attrs_len, body, len);
      attrs_walk(t->attrs, t->attrs_len, body, len);
      to = osp_transform_begin(b, t->num, t->id);
      if (t->attrs_len)
        g_byte_array_append(b, t->attrs, (guint)t->attrs_len);
      osp_transform_end(b, to, j + 1 == pr->n_transforms);
    }
    osp_proposal_end(b, po, (uint8_t)pr->n_transforms, i + 1 == sa.n_proposals);
  }
  CHECK(b->len == len);
  CHECK(osp_sa_parse(b->data, b->len, &sa2, NULL) == 0);
  CHECK(sa2.n_proposals == sa.n_proposals);
  for (size_t i = 0; i < sa.n_proposals; i++)
    CHECK(sa2.proposals[i].n_transforms == sa.proposals[i].n_transforms);
  g_byte_array_unref(b);
}

static void fuzz_bodies(const uint8_t *body, size_t len)
{
  const char *reason;
  OspId id;
  OspNotify nt;
  OspDelete d;
  OspCfg cfg;
  int r;

  fuzz_sa(body, len);

  reason = NULL;
  r = osp_id_parse(body, len, &id, &reason);
  reason_set(r, reason);
  if (r == 0) {
    fuzz_touch(id.data, id.len, body, len);
    CHECK(id.data + id.len == body + len);
  }

  reason = NULL;
  r = osp_notify_parse(body, len, &nt, &reason);
  reason_set(r, reason);
  if (r == 0) {
    fuzz_touch(nt.spi, nt.spi_size, body, len);
    fuzz_touch(nt.data, nt.data_len, body, len);
    CHECK(nt.data + nt.data_len == body + len);
    fuzz_sink ^= (uint8_t)osp_notify_name(nt.type)[0];
  }

  reason = NULL;
  r = osp_delete_parse(body, len, &d, &reason);
  reason_set(r, reason);
  if (r == 0)
    fuzz_touch(d.spis, (size_t)d.n_spis * d.spi_size, body, len);

  reason = NULL;
  r = osp_cfg_parse(body, len, &cfg, &reason);
  reason_set(r, reason);
  if (r == 0) {
    fuzz_touch(cfg.attrs, cfg.attrs_len, body, len);
    attrs_walk(cfg.attrs, cfg.attrs_len, body, len);
  }

  /* a raw attribute list, as inside a transform or an attribute payload */
  {
    const uint8_t *p = body;
    size_t left = len;
    OspAttr a;

    reason = NULL;
    while ((r = osp_attr_next(&p, &left, &a, &reason)) > 0)
      fuzz_touch(a.data, a.len, body, len);
    reason_set(r, reason);
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  OspIsakmpHdr h;
  OspPayload pl[OSP_ISAKMP_MAX_PAYLOADS];
  size_t n = 0;
  const char *reason = NULL;
  int r;

  r = osp_isakmp_hdr_parse(data, size, &h, &reason);
  reason_set(r, reason);
  if (r < 0) {
    if (size > 0) {
      /* no envelope: first byte as a first payload type, rest as chain
       * and as a body */
      reason = NULL;
      r = osp_payloads_parse(data[0], data + 1, size - 1, pl, G_N_ELEMENTS(pl), &n, &reason);
      reason_set(r, reason);
      if (r == 0)
        for (size_t i = 0; i < n; i++)
          fuzz_touch(pl[i].body, pl[i].len, data + 1, size - 1);
      fuzz_bodies(data + 1, size - 1);
    }
    return 0;
  }
  CHECK(h.length >= OSP_ISAKMP_HDR_LEN && h.length <= size);

  r = osp_payloads_parse(h.next_payload, data + OSP_ISAKMP_HDR_LEN, h.length - OSP_ISAKMP_HDR_LEN,
                         pl, G_N_ELEMENTS(pl), &n, &reason);
  reason_set(r, reason);
  if (r < 0)
    return 0;
  CHECK(n <= OSP_ISAKMP_MAX_PAYLOADS);
  for (size_t i = 0; i < n; i++) {
    fuzz_touch(pl[i].body, pl[i].len, data + OSP_ISAKMP_HDR_LEN, h.length - OSP_ISAKMP_HDR_LEN);
    CHECK(osp_payload_find(pl, n, pl[i].type) <= &pl[i]);
    fuzz_bodies(pl[i].body, pl[i].len);
  }
  return 0;
}
