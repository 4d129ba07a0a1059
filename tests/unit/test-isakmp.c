/* SPDX-License-Identifier: GPL-2.0-or-later
 * Unit tests for the ISAKMP wire format (client/osp-isakmp.c).
 *
 * Byte strings are written out by hand from the RFC 2408 layouts, not
 * produced by the builders, so that a builder and a parser that agree on a
 * mistake still fail here. */
#include "osp-isakmp.h"

#include <errno.h>
#include <string.h>

/* "01 02 0a ..." (whitespace ignored) to bytes */
static GByteArray *hex(const char *s)
{
  GByteArray *b = g_byte_array_new();
  int hi = -1;

  for (; *s; s++) {
    int v;

    if (g_ascii_isspace(*s))
      continue;
    v = g_ascii_xdigit_value(*s);
    g_assert_cmpint(v, >=, 0);
    if (hi < 0) {
      hi = v;
    } else {
      uint8_t x = (uint8_t)(hi << 4 | v);

      g_byte_array_append(b, &x, 1);
      hi = -1;
    }
  }
  g_assert_cmpint(hi, ==, -1);
  return b;
}

static void assert_bytes(const uint8_t *p, size_t len, const char *expected_hex)
{
  g_autoptr(GByteArray) e = hex(expected_hex);

  if (len != e->len || memcmp(p, e->data, len) != 0) {
    g_autoptr(GString) got = g_string_new(NULL);

    for (size_t i = 0; i < len; i++)
      g_string_append_printf(got, "%02x", p[i]);
    g_test_message("got      %s", got->str);
    g_test_message("expected %s", expected_hex);
  }
  g_assert_cmpmem(p, len, e->data, e->len);
}

/* OspSa is ~70 KiB: keep it off the stack */
static OspSa sa;

/* ---- notify names ------------------------------------------------------ */

static void test_notify_names(void)
{
  static const struct {
    uint16_t type;
    const char *name;
  } t[] = {
    { 1, "INVALID-PAYLOAD-TYPE" },      { 14, "NO-PROPOSAL-CHOSEN" },
    { 16, "PAYLOAD-MALFORMED" },        { 18, "INVALID-ID-INFORMATION" },
    { 23, "INVALID-HASH-INFORMATION" }, { 24, "AUTHENTICATION-FAILED" },
    { 30, "UNEQUAL-PAYLOAD-LENGTHS" },  { 16384, "CONNECTED" },
    { 24576, "RESPONDER-LIFETIME" },    { 24577, "REPLAY-STATUS" },
    { 24578, "INITIAL-CONTACT" },       { 36136, "R-U-THERE" },
    { 36137, "R-U-THERE-ACK" },         { 40501, "CISCO-LOAD-BALANCE" },
  };

  for (size_t i = 0; i < G_N_ELEMENTS(t); i++)
    g_assert_cmpstr(osp_notify_name(t[i].type), ==, t[i].name);
  /* every error notify of RFC 2408 3.14.1 has a name */
  for (uint16_t n = 1; n <= 30; n++)
    g_assert_false(g_str_has_prefix(osp_notify_name(n), "notify "));
  g_assert_cmpstr(osp_notify_name(0), ==, "notify 0");
  g_assert_cmpstr(osp_notify_name(12345), ==, "notify 12345");
  g_assert_cmpstr(osp_notify_name(65535), ==, "notify 65535");
}

/* ---- header -------------------------------------------------------------- */

static void test_hdr_roundtrip(void)
{
  OspIsakmpHdr h = {
    .icookie = { 1, 2, 3, 4, 5, 6, 7, 8 },
    .rcookie = { 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18 },
    .version = OSP_ISAKMP_VERSION,
    .exchange = OSP_EXCH_QUICK,
    .flags = OSP_FLAG_ENC,
    .msgid = 0xdeadbeef,
  };
  OspIsakmpHdr p;
  OspMsg m;
  GByteArray *b;
  const char *reason = NULL;

  osp_msg_init(&m, &h);
  b = osp_msg_finish(&m);
  assert_bytes(b->data, b->len, "0102030405060708 1112131415161718 00 10 20 01 deadbeef 0000001c");
  g_assert_cmpint(osp_isakmp_hdr_parse(b->data, b->len, &p, &reason), ==, 0);
  g_assert_cmpmem(p.icookie, 8, h.icookie, 8);
  g_assert_cmpmem(p.rcookie, 8, h.rcookie, 8);
  g_assert_cmpuint(p.next_payload, ==, 0);
  g_assert_cmpuint(p.version, ==, 0x10);
  g_assert_cmpuint(p.exchange, ==, OSP_EXCH_QUICK);
  g_assert_cmpuint(p.flags, ==, OSP_FLAG_ENC);
  g_assert_cmpuint(p.msgid, ==, 0xdeadbeef);
  g_assert_cmpuint(p.length, ==, 28);
  osp_msg_clear(&m);
  g_assert_null(m.buf);
  osp_msg_clear(&m); /* twice is fine */
  osp_msg_clear(NULL);
}

static void test_hdr_trailing_and_minor(void)
{
  /* minor version 1 accepted, two bytes past the ISAKMP length ignored */
  g_autoptr(GByteArray) b = hex("0102030405060708 0000000000000000 00 11 04 00 00000000 0000001c"
                                "ffff");
  OspIsakmpHdr p;

  g_assert_cmpint(osp_isakmp_hdr_parse(b->data, b->len, &p, NULL), ==, 0);
  g_assert_cmpuint(p.length, ==, 28);
  g_assert_cmpuint(p.version, ==, 0x11);
}

/* ---- payload chain --------------------------------------------------------- */

static void test_chain_roundtrip(void)
{
  static const uint8_t ke[8] = { 0xaa, 0xbb, 0xcc, 0xdd, 1, 2, 3, 4 };
  static const uint8_t nonce[4] = { 0x4e, 0x4e, 0x4e, 0x4e };
  static const uint8_t vid[8] = { 0x09, 0x00, 0x26, 0x89, 0xdf, 0xd6, 0xb7, 0x12 };
  OspIsakmpHdr h = { .icookie = { 1 }, .exchange = OSP_EXCH_AGGRESSIVE };
  OspIsakmpHdr p;
  OspPayload pl[OSP_ISAKMP_MAX_PAYLOADS];
  size_t n = 0;
  OspMsg m;
  GByteArray *b;

  osp_msg_init(&m, &h);
  osp_msg_add_payload(&m, OSP_PL_KE, ke, sizeof(ke));
  osp_msg_begin_payload(&m, OSP_PL_NONCE);
  g_byte_array_append(m.buf, nonce, sizeof(nonce));
  osp_msg_end_payload(&m);
  osp_msg_add_payload(&m, OSP_PL_VID, vid, sizeof(vid));
  osp_msg_add_payload(&m, OSP_PL_HASH, NULL, 0);
  b = osp_msg_finish(&m);

  /* chaining and big-endian lengths, as RFC 2408 3.1 and 3.2 draw them */
  assert_bytes(b->data, b->len,
               "0100000000000000 0000000000000000 04 10 04 00 00000000 00000040"
               "0a 00 000c aabbccdd01020304"
               "0d 00 0008 4e4e4e4e"
               "08 00 000c 09002689dfd6b712"
               "00 00 0004");

  g_assert_cmpint(osp_isakmp_hdr_parse(b->data, b->len, &p, NULL), ==, 0);
  g_assert_cmpint(osp_payloads_parse(p.next_payload, b->data + OSP_ISAKMP_HDR_LEN,
                                     p.length - OSP_ISAKMP_HDR_LEN, pl, G_N_ELEMENTS(pl), &n, NULL),
                  ==, 0);
  g_assert_cmpuint(n, ==, 4);
  g_assert_cmpuint(pl[0].type, ==, OSP_PL_KE);
  g_assert_cmpmem(pl[0].body, pl[0].len, ke, sizeof(ke));
  g_assert_cmpuint(pl[1].type, ==, OSP_PL_NONCE);
  g_assert_cmpmem(pl[1].body, pl[1].len, nonce, sizeof(nonce));
  g_assert_cmpuint(pl[2].type, ==, OSP_PL_VID);
  g_assert_cmpmem(pl[2].body, pl[2].len, vid, sizeof(vid));
  g_assert_cmpuint(pl[3].type, ==, OSP_PL_HASH);
  g_assert_cmpuint(pl[3].len, ==, 0);
  g_assert_true(osp_payload_find(pl, n, OSP_PL_VID) == &pl[2]);
  g_assert_null(osp_payload_find(pl, n, OSP_PL_SA));
  osp_msg_clear(&m);
}

static void test_chain_padding_and_limits(void)
{
  /* HASH(4 bytes) then NOTIFY(empty), then 3 bytes of CBC padding */
  g_autoptr(GByteArray) b = hex("0b 00 0008 01020304  00 00 0004  000003");
  OspPayload pl[4];
  size_t n = 99;
  const char *reason = NULL;

  g_assert_cmpint(osp_payloads_parse(OSP_PL_HASH, b->data, b->len, pl, 4, &n, NULL), ==, 0);
  g_assert_cmpuint(n, ==, 2);
  g_assert_cmpuint(pl[1].type, ==, OSP_PL_NOTIFY);

  /* exactly `max` payloads is fine, one more is not; n untouched on failure */
  g_assert_cmpint(osp_payloads_parse(OSP_PL_HASH, b->data, b->len, pl, 2, &n, NULL), ==, 0);
  n = 99;
  g_assert_cmpint(osp_payloads_parse(OSP_PL_HASH, b->data, b->len, pl, 1, &n, &reason), ==,
                  -EBADMSG);
  g_assert_nonnull(reason);
  g_assert_cmpuint(n, ==, 99);

  /* no payloads at all */
  g_assert_cmpint(osp_payloads_parse(OSP_PL_NONE, NULL, 0, pl, 4, &n, NULL), ==, 0);
  g_assert_cmpuint(n, ==, 0);
}

static void test_chain_max_payloads(void)
{
  /* OSP_ISAKMP_MAX_PAYLOADS empty VIDs parse, one more does not, even if the
   * caller's array is larger */
  g_autoptr(GByteArray) b = g_byte_array_new();
  static OspPayload pl[OSP_ISAKMP_MAX_PAYLOADS + 8];
  static const uint8_t vid[4] = { OSP_PL_VID, 0, 0, 4 };
  size_t n = 0;
  const char *reason = NULL;

  for (int i = 0; i < OSP_ISAKMP_MAX_PAYLOADS; i++)
    g_byte_array_append(b, vid, 4);
  b->data[b->len - 4] = OSP_PL_NONE;
  g_assert_cmpint(osp_payloads_parse(OSP_PL_VID, b->data, b->len, pl, G_N_ELEMENTS(pl), &n, NULL),
                  ==, 0);
  g_assert_cmpuint(n, ==, OSP_ISAKMP_MAX_PAYLOADS);
  b->data[b->len - 4] = OSP_PL_VID;
  g_byte_array_append(b, vid, 4);
  b->data[b->len - 4] = OSP_PL_NONE;
  g_assert_cmpint(
      osp_payloads_parse(OSP_PL_VID, b->data, b->len, pl, G_N_ELEMENTS(pl), &n, &reason), ==,
      -EBADMSG);
  g_assert_nonnull(reason);
}

/* ---- attributes ---------------------------------------------------------- */

static void test_attr_basic_vs_variable(void)
{
  g_autoptr(GByteArray) b = g_byte_array_new();
  static const uint8_t name[4] = { 'u', 's', 'e', 'r' };
  const uint8_t *p;
  size_t left;
  OspAttr a;
  uint32_t v = 0;

  osp_put_attr_basic(b, 1, 7);                    /* encryption AES */
  osp_put_attr_uint(b, 12, 28800);                /* fits 16 bits: basic */
  osp_put_attr_uint(b, 12, 86400);                /* > 65535: 4-byte variable */
  osp_put_attr_uint(b, 2, 28800u * 1000);         /* kilobytes, likewise */
  osp_put_attr_uint(b, 12, 65535);                /* boundary: still basic */
  osp_put_attr_uint(b, 12, 65536);                /* boundary: variable */
  osp_put_attr_var(b, 16521, name, sizeof(name)); /* XAUTH USER_NAME */
  osp_put_attr_var(b, 16522, NULL, 0);            /* empty USER_PASSWORD request */
  assert_bytes(b->data, b->len,
               "8001 0007"
               "800c 7080"
               "000c 0004 00015180"
               "0002 0004 01b77400"
               "800c ffff"
               "000c 0004 00010000"
               "4089 0004 75736572"
               "408a 0000");

  p = b->data;
  left = b->len;
  g_assert_cmpint(osp_attr_next(&p, &left, &a, NULL), ==, 1);
  g_assert_true(a.basic);
  g_assert_cmpuint(a.type, ==, 1);
  g_assert_cmpuint(a.value, ==, 7);
  g_assert_cmpuint(a.len, ==, 2);
  g_assert_cmpint(osp_attr_uint(&a, &v), ==, 0);
  g_assert_cmpuint(v, ==, 7);

  g_assert_cmpint(osp_attr_next(&p, &left, &a, NULL), ==, 1);
  g_assert_true(a.basic);
  g_assert_cmpuint(a.type, ==, 12);
  g_assert_cmpint(osp_attr_uint(&a, &v), ==, 0);
  g_assert_cmpuint(v, ==, 28800);

  g_assert_cmpint(osp_attr_next(&p, &left, &a, NULL), ==, 1);
  g_assert_false(a.basic);
  g_assert_cmpuint(a.type, ==, 12);
  g_assert_cmpuint(a.len, ==, 4);
  g_assert_cmpint(osp_attr_uint(&a, &v), ==, 0);
  g_assert_cmpuint(v, ==, 86400);

  g_assert_cmpint(osp_attr_next(&p, &left, &a, NULL), ==, 1);
  g_assert_cmpint(osp_attr_uint(&a, &v), ==, 0);
  g_assert_cmpuint(v, ==, 28800000);

  g_assert_cmpint(osp_attr_next(&p, &left, &a, NULL), ==, 1);
  g_assert_true(a.basic);
  g_assert_cmpint(osp_attr_next(&p, &left, &a, NULL), ==, 1);
  g_assert_false(a.basic);
  g_assert_cmpint(osp_attr_uint(&a, &v), ==, 0);
  g_assert_cmpuint(v, ==, 65536);

  g_assert_cmpint(osp_attr_next(&p, &left, &a, NULL), ==, 1);
  g_assert_cmpuint(a.type, ==, 16521);
  g_assert_cmpmem(a.data, a.len, name, sizeof(name));

  g_assert_cmpint(osp_attr_next(&p, &left, &a, NULL), ==, 1);
  g_assert_cmpuint(a.type, ==, 16522);
  g_assert_cmpuint(a.len, ==, 0);
  v = 42;
  g_assert_cmpint(osp_attr_uint(&a, &v), ==, -EBADMSG); /* empty */
  g_assert_cmpuint(v, ==, 42);

  g_assert_cmpint(osp_attr_next(&p, &left, &a, NULL), ==, 0);
  g_assert_cmpuint(left, ==, 0);
}

static void test_attr_uint_widths(void)
{
  static const uint8_t d[5] = { 0x01, 0x02, 0x03, 0x04, 0x05 };
  static const uint32_t want[5] = { 0x01, 0x0102, 0x010203, 0x01020304, 0 };
  OspAttr a = { .type = 2, .basic = false, .data = d };
  uint32_t v;

  for (size_t i = 1; i <= 4; i++) {
    a.len = i;
    g_assert_cmpint(osp_attr_uint(&a, &v), ==, 0);
    g_assert_cmpuint(v, ==, want[i - 1]);
  }
  a.len = 5;
  g_assert_cmpint(osp_attr_uint(&a, &v), ==, -EBADMSG);
}

/* ---- SA ---------------------------------------------------------------- */

static void test_sa_roundtrip(void)
{
  static const uint8_t spi[4] = { 0xc0, 0xff, 0xee, 0x01 };
  g_autoptr(GByteArray) b = g_byte_array_new();
  size_t p, t;
  const char *reason = NULL;
  const uint8_t *ap;
  size_t left;
  OspAttr a;
  uint32_t v;

  /* phase-1 proposal with two transforms, then a quick-mode ESP proposal */
  osp_sa_begin(b, 1, 1);
  p = osp_proposal_begin(b, 1, OSP_PROTO_ISAKMP, NULL, 0);
  t = osp_transform_begin(b, 1, 1 /* KEY_IKE */);
  osp_put_attr_basic(b, 1, 7);
  osp_put_attr_basic(b, 14, 256);
  osp_put_attr_uint(b, 12, 86400);
  osp_transform_end(b, t, false);
  t = osp_transform_begin(b, 2, 1);
  osp_put_attr_basic(b, 1, 5);
  osp_transform_end(b, t, true);
  osp_proposal_end(b, p, 2, false);
  p = osp_proposal_begin(b, 2, OSP_PROTO_IPSEC_ESP, spi, sizeof(spi));
  t = osp_transform_begin(b, 1, 12 /* ESP_AES */);
  osp_transform_end(b, t, true);
  osp_proposal_end(b, p, 1, true);

  assert_bytes(b->data, b->len,
               "00000001 00000001"
               "02 00 002c 01 01 00 02"
               "  03 00 0018 01 01 0000  8001 0007 800e 0100 000c 0004 00015180"
               "  00 00 000c 02 01 0000  8001 0005"
               "00 00 0014 02 03 04 01 c0ffee01"
               "  00 00 0008 01 0c 0000");

  g_assert_cmpint(osp_sa_parse(b->data, b->len, &sa, &reason), ==, 0);
  g_assert_cmpuint(sa.doi, ==, 1);
  g_assert_cmpuint(sa.situation, ==, 1);
  g_assert_cmpuint(sa.n_proposals, ==, 2);

  g_assert_cmpuint(sa.proposals[0].num, ==, 1);
  g_assert_cmpuint(sa.proposals[0].protocol, ==, OSP_PROTO_ISAKMP);
  g_assert_cmpuint(sa.proposals[0].spi_size, ==, 0);
  g_assert_cmpuint(sa.proposals[0].n_transforms, ==, 2);
  g_assert_cmpuint(sa.proposals[0].transforms[0].num, ==, 1);
  g_assert_cmpuint(sa.proposals[0].transforms[0].id, ==, 1);
  g_assert_cmpuint(sa.proposals[0].transforms[0].attrs_len, ==, 16);
  g_assert_cmpuint(sa.proposals[0].transforms[1].num, ==, 2);
  g_assert_cmpuint(sa.proposals[0].transforms[1].attrs_len, ==, 4);

  ap = sa.proposals[0].transforms[0].attrs;
  left = sa.proposals[0].transforms[0].attrs_len;
  g_assert_cmpint(osp_attr_next(&ap, &left, &a, NULL), ==, 1);
  g_assert_cmpuint(a.type, ==, 1);
  g_assert_cmpuint(a.value, ==, 7);
  g_assert_cmpint(osp_attr_next(&ap, &left, &a, NULL), ==, 1);
  g_assert_cmpuint(a.type, ==, 14);
  g_assert_cmpuint(a.value, ==, 256);
  g_assert_cmpint(osp_attr_next(&ap, &left, &a, NULL), ==, 1);
  g_assert_cmpint(osp_attr_uint(&a, &v), ==, 0);
  g_assert_cmpuint(v, ==, 86400);
  g_assert_cmpint(osp_attr_next(&ap, &left, &a, NULL), ==, 0);

  g_assert_cmpuint(sa.proposals[1].num, ==, 2);
  g_assert_cmpuint(sa.proposals[1].protocol, ==, OSP_PROTO_IPSEC_ESP);
  g_assert_cmpmem(sa.proposals[1].spi, sa.proposals[1].spi_size, spi, sizeof(spi));
  g_assert_cmpuint(sa.proposals[1].n_transforms, ==, 1);
  g_assert_cmpuint(sa.proposals[1].transforms[0].id, ==, 12);
  g_assert_cmpuint(sa.proposals[1].transforms[0].attrs_len, ==, 0);
}

static void test_sa_in_message(void)
{
  /* SA opened with osp_msg_begin_payload() around the SA helpers */
  OspIsakmpHdr h = { .exchange = OSP_EXCH_AGGRESSIVE };
  OspPayload pl[4];
  size_t n, p, t;
  OspMsg m;
  GByteArray *b;

  osp_msg_init(&m, &h);
  osp_msg_begin_payload(&m, OSP_PL_SA);
  osp_sa_begin(m.buf, 1, 1);
  p = osp_proposal_begin(m.buf, 1, OSP_PROTO_ISAKMP, NULL, 0);
  t = osp_transform_begin(m.buf, 1, 1);
  osp_put_attr_basic(m.buf, 4, 2);
  osp_transform_end(m.buf, t, true);
  osp_proposal_end(m.buf, p, 1, true);
  osp_msg_end_payload(&m);
  osp_msg_add_payload(&m, OSP_PL_KE, "\x01\x02", 2);
  b = osp_msg_finish(&m);
  g_assert_cmpuint(b->data[16], ==, OSP_PL_SA);
  g_assert_cmpuint(b->data[17], ==, 0x10); /* zeroed version became 1.0 */
  g_assert_cmpint(osp_payloads_parse(b->data[16], b->data + 28, b->len - 28, pl, 4, &n, NULL), ==,
                  0);
  g_assert_cmpuint(n, ==, 2);
  g_assert_cmpuint(pl[0].len, ==, 8 + 8 + 8 + 4);
  g_assert_cmpint(osp_sa_parse(pl[0].body, pl[0].len, &sa, NULL), ==, 0);
  g_assert_cmpuint(sa.proposals[0].transforms[0].attrs_len, ==, 4);
  g_assert_cmpuint(pl[1].type, ==, OSP_PL_KE);
  osp_msg_clear(&m);
}

/* ---- other bodies --------------------------------------------------------- */

static void test_id_roundtrip(void)
{
  g_autoptr(GByteArray) b = g_byte_array_new();
  static const uint8_t addr[4] = { 192, 0, 2, 1 };
  OspId id;

  osp_put_id(b, OSP_ID_IPV4_ADDR, 17, 500, addr, 4);
  assert_bytes(b->data, b->len, "01 11 01f4 c0000201");
  g_assert_cmpint(osp_id_parse(b->data, b->len, &id, NULL), ==, 0);
  g_assert_cmpuint(id.type, ==, OSP_ID_IPV4_ADDR);
  g_assert_cmpuint(id.protocol, ==, 17);
  g_assert_cmpuint(id.port, ==, 500);
  g_assert_cmpmem(id.data, id.len, addr, 4);

  g_byte_array_set_size(b, 0);
  osp_put_id(b, OSP_ID_KEY_ID, 0, 0, "vpngroup", 8);
  assert_bytes(b->data, b->len, "0b 00 0000 76706e67726f7570");
  g_assert_cmpint(osp_id_parse(b->data, b->len, &id, NULL), ==, 0);
  g_assert_cmpuint(id.type, ==, OSP_ID_KEY_ID);
  g_assert_cmpmem(id.data, id.len, "vpngroup", 8);

  /* quick mode proxy ID: 0.0.0.0/0 */
  g_byte_array_set_size(b, 0);
  osp_put_id(b, OSP_ID_IPV4_ADDR_SUBNET, 0, 0, "\0\0\0\0\0\0\0\0", 8);
  g_assert_cmpint(osp_id_parse(b->data, b->len, &id, NULL), ==, 0);
  g_assert_cmpuint(id.len, ==, 8);
}

static void test_notify_roundtrip(void)
{
  /* DPD R-U-THERE (RFC 3706): SPI = CKY-I | CKY-R, data = sequence number */
  static const uint8_t cookies[16] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16 };
  static const uint8_t seq[4] = { 0x12, 0x34, 0x56, 0x78 };
  g_autoptr(GByteArray) b = g_byte_array_new();
  OspNotify nt;

  osp_put_notify(b, OSP_PROTO_ISAKMP, OSP_N_DPD_R_U_THERE, cookies, 16, seq, 4);
  assert_bytes(b->data, b->len, "00000001 01 10 8d28 0102030405060708090a0b0c0d0e0f10 12345678");
  g_assert_cmpint(osp_notify_parse(b->data, b->len, &nt, NULL), ==, 0);
  g_assert_cmpuint(nt.doi, ==, 1);
  g_assert_cmpuint(nt.protocol, ==, OSP_PROTO_ISAKMP);
  g_assert_cmpuint(nt.type, ==, OSP_N_DPD_R_U_THERE);
  g_assert_cmpmem(nt.spi, nt.spi_size, cookies, 16);
  g_assert_cmpmem(nt.data, nt.data_len, seq, 4);

  /* INITIAL-CONTACT without SPI or data */
  g_byte_array_set_size(b, 0);
  osp_put_notify(b, OSP_PROTO_ISAKMP, OSP_N_INITIAL_CONTACT, NULL, 0, NULL, 0);
  assert_bytes(b->data, b->len, "00000001 01 00 6002");
  g_assert_cmpint(osp_notify_parse(b->data, b->len, &nt, NULL), ==, 0);
  g_assert_cmpuint(nt.type, ==, OSP_N_INITIAL_CONTACT);
  g_assert_cmpuint(nt.spi_size, ==, 0);
  g_assert_cmpuint(nt.data_len, ==, 0);

  /* a gateway's notify with DOI 0 is accepted as is */
  g_byte_array_set_size(b, 0);
  g_byte_array_append(b, (const uint8_t *)"\0\0\0\0\x01\0\0\x0e", 8);
  g_assert_cmpint(osp_notify_parse(b->data, b->len, &nt, NULL), ==, 0);
  g_assert_cmpuint(nt.doi, ==, 0);
  g_assert_cmpstr(osp_notify_name(nt.type), ==, "NO-PROPOSAL-CHOSEN");
}

static void test_delete_roundtrip(void)
{
  static const uint8_t spi[4] = { 0xde, 0xad, 0xbe, 0xef };
  g_autoptr(GByteArray) b = g_byte_array_new();
  OspDelete d;

  osp_put_delete(b, OSP_PROTO_IPSEC_ESP, spi, 4);
  assert_bytes(b->data, b->len, "00000001 03 04 0001 deadbeef");
  g_assert_cmpint(osp_delete_parse(b->data, b->len, &d, NULL), ==, 0);
  g_assert_cmpuint(d.doi, ==, 1);
  g_assert_cmpuint(d.protocol, ==, OSP_PROTO_IPSEC_ESP);
  g_assert_cmpuint(d.spi_size, ==, 4);
  g_assert_cmpuint(d.n_spis, ==, 1);
  g_assert_cmpmem(d.spis, 4, spi, 4);

  /* two SPIs, hand-written */
  g_byte_array_unref(g_steal_pointer(&b));
  b = hex("00000001 03 04 0002 11111111 22222222");
  g_assert_cmpint(osp_delete_parse(b->data, b->len, &d, NULL), ==, 0);
  g_assert_cmpuint(d.n_spis, ==, 2);
  assert_bytes(d.spis + 4, 4, "22222222");
}

static void test_cfg_roundtrip(void)
{
  g_autoptr(GByteArray) b = g_byte_array_new();
  OspCfg c;
  OspAttr a;
  const uint8_t *p;
  size_t left;

  /* XAUTH request: TYPE generic, USER_NAME, USER_PASSWORD (draft-beaulieu 6.2) */
  osp_put_cfg_hdr(b, OSP_CFG_REQUEST, 0x1234);
  osp_put_attr_basic(b, 16520, 0);
  osp_put_attr_var(b, 16521, NULL, 0);
  osp_put_attr_var(b, 16522, NULL, 0);
  assert_bytes(b->data, b->len, "01 00 1234  c088 0000  4089 0000  408a 0000");
  g_assert_cmpint(osp_cfg_parse(b->data, b->len, &c, NULL), ==, 0);
  g_assert_cmpuint(c.type, ==, OSP_CFG_REQUEST);
  g_assert_cmpuint(c.identifier, ==, 0x1234);
  g_assert_cmpuint(c.attrs_len, ==, 12);
  p = c.attrs;
  left = c.attrs_len;
  g_assert_cmpint(osp_attr_next(&p, &left, &a, NULL), ==, 1);
  g_assert_true(a.basic);
  g_assert_cmpuint(a.type, ==, 16520);
  g_assert_cmpint(osp_attr_next(&p, &left, &a, NULL), ==, 1);
  g_assert_cmpuint(a.type, ==, 16521);
  g_assert_cmpint(osp_attr_next(&p, &left, &a, NULL), ==, 1);
  g_assert_cmpuint(a.type, ==, 16522);
  g_assert_cmpint(osp_attr_next(&p, &left, &a, NULL), ==, 0);

  /* Mode Config reply: INTERNAL_IP4_ADDRESS, SPLIT_INCLUDE (one 14-byte entry) */
  g_byte_array_unref(g_steal_pointer(&b));
  b = hex("02 00 0001  0001 0004 0a000005"
          "7004 000e 0a0a0000 ffff0000 0000 0000 0000");
  g_assert_cmpint(osp_cfg_parse(b->data, b->len, &c, NULL), ==, 0);
  g_assert_cmpuint(c.type, ==, OSP_CFG_REPLY);
  p = c.attrs;
  left = c.attrs_len;
  g_assert_cmpint(osp_attr_next(&p, &left, &a, NULL), ==, 1);
  assert_bytes(a.data, a.len, "0a000005");
  g_assert_cmpint(osp_attr_next(&p, &left, &a, NULL), ==, 1);
  g_assert_cmpuint(a.type, ==, 28676);
  g_assert_cmpuint(a.len, ==, 14);
  g_assert_cmpint(osp_attr_next(&p, &left, &a, NULL), ==, 0);
}

/* ---- a whole aggressive mode first message (RFC 2409 5.4) ---------------- */

/* HDR, SA, KE, Ni, IDii, VID x4: what vpnc-style clients send */
static const char agg1_hex[] =
    /* HDR: CKY-I, CKY-R 0, next SA, 1.0, aggressive, no flags, M-ID 0, length 364 */
    "0102030405060708 0000000000000000 01 10 04 00 00000000 0000016c"
    /* SA: next KE, length 92; DOI IPsec, SIT_IDENTITY_ONLY */
    "04 00 005c 00000001 00000001"
    /*   proposal 1, ISAKMP, no SPI, 2 transforms, length 80 */
    "    00 00 0050 01 01 00 02"
    /*     transform 1 KEY_IKE: AES-256, SHA1, XAUTHInitPreShared, group 2, 28800 s */
    "      03 00 0028 01 01 0000"
    "        8001 0007 800e 0100 8002 0002 8003 fde9 8004 0002 800b 0001 000c 0004 00007080"
    /*     transform 2 KEY_IKE: 3DES, MD5, XAUTHInitPreShared, group 2, 28800 s */
    "      00 00 0020 02 01 0000"
    "        8001 0005 8002 0001 8003 fde9 8004 0002 800b 0001 800c 7080"
    /* KE: next Nonce, length 132, g^xi (128 bytes, MODP group 2) */
    "0a 00 0084"
    "  f0e1d2c3b4a5968778695a4b3c2d1e0f00112233445566778899aabbccddeeff"
    "  0f1e2d3c4b5a69788796a5b4c3d2e1f0ffeeddccbbaa99887766554433221100"
    "  a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5"
    "  5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a"
    /* Nonce: next ID, length 24 */
    "05 00 0018 000102030405060708090a0b0c0d0e0f10111213"
    /* ID: next VID, length 16, KEY_ID, UDP, port 500, "vpngroup" */
    "0d 00 0010 0b 11 01f4 76706e67726f7570"
    /* VIDs: XAUTH, DPD, Cisco Unity, RFC 3947 NAT-T */
    "0d 00 000c 09002689dfd6b712"
    "0d 00 0014 afcad71368a1f1c96b8696fc77570100"
    "0d 00 0014 12f5f28c457168a9702d9fe274cc0100"
    "00 00 0014 4a131c81070358455c5728f20e95452f";

static void test_aggressive_msg1(void)
{
  static const uint8_t want_types[] = { OSP_PL_SA,  OSP_PL_KE,  OSP_PL_NONCE, OSP_PL_ID,
                                        OSP_PL_VID, OSP_PL_VID, OSP_PL_VID,   OSP_PL_VID };
  g_autoptr(GByteArray) b = hex(agg1_hex);
  OspIsakmpHdr h;
  OspPayload pl[OSP_ISAKMP_MAX_PAYLOADS];
  size_t n = 0;
  const char *reason = NULL;
  const OspPayload *x;
  OspId id;
  const uint8_t *p;
  size_t left;
  OspAttr a;
  uint32_t v = 0;
  int r;

  g_assert_cmpuint(b->len, ==, 364);
  g_assert_cmpint(osp_isakmp_hdr_parse(b->data, b->len, &h, &reason), ==, 0);
  g_assert_cmpuint(h.exchange, ==, OSP_EXCH_AGGRESSIVE);
  g_assert_cmpuint(h.length, ==, 364);
  r = osp_payloads_parse(h.next_payload, b->data + OSP_ISAKMP_HDR_LEN,
                         h.length - OSP_ISAKMP_HDR_LEN, pl, G_N_ELEMENTS(pl), &n, &reason);
  if (r < 0)
    g_test_message("reason: %s", reason);
  g_assert_cmpint(r, ==, 0);
  g_assert_cmpuint(n, ==, G_N_ELEMENTS(want_types));
  for (size_t i = 0; i < n; i++)
    g_assert_cmpuint(pl[i].type, ==, want_types[i]);
  g_assert_cmpuint(pl[1].len, ==, 128);
  g_assert_cmpuint(pl[2].len, ==, 20);
  assert_bytes(pl[4].body, pl[4].len, "09002689dfd6b712");

  r = osp_sa_parse(pl[0].body, pl[0].len, &sa, &reason);
  if (r < 0)
    g_test_message("reason: %s", reason);
  g_assert_cmpint(r, ==, 0);
  g_assert_cmpuint(sa.n_proposals, ==, 1);
  g_assert_cmpuint(sa.proposals[0].protocol, ==, OSP_PROTO_ISAKMP);
  g_assert_cmpuint(sa.proposals[0].n_transforms, ==, 2);
  g_assert_cmpuint(sa.proposals[0].transforms[0].attrs_len, ==, 32);
  g_assert_cmpuint(sa.proposals[0].transforms[1].attrs_len, ==, 24);
  /* last attribute of transform 1: variable life duration 28800 */
  p = sa.proposals[0].transforms[0].attrs;
  left = sa.proposals[0].transforms[0].attrs_len;
  while (osp_attr_next(&p, &left, &a, NULL) > 0)
    if (a.type == 3)
      g_assert_cmpuint(a.value, ==, 65001);
  g_assert_false(a.basic);
  g_assert_cmpuint(a.type, ==, 12);
  g_assert_cmpint(osp_attr_uint(&a, &v), ==, 0);
  g_assert_cmpuint(v, ==, 28800);

  x = osp_payload_find(pl, n, OSP_PL_ID);
  g_assert_nonnull(x);
  g_assert_cmpint(osp_id_parse(x->body, x->len, &id, NULL), ==, 0);
  g_assert_cmpuint(id.type, ==, OSP_ID_KEY_ID);
  g_assert_cmpuint(id.protocol, ==, 17);
  g_assert_cmpuint(id.port, ==, 500);
  g_assert_cmpmem(id.data, id.len, "vpngroup", 8);
}

/* ---- malformed input table --------------------------------------------- */

typedef enum { HDR, CHAIN, SA, ID, NOTIFY, DELETE, CFG, ATTR } Kind;

typedef struct {
  const char *name;
  Kind kind;
  const char *hex;
  uint8_t first; /* CHAIN: first payload type */
} Malformed;

static const Malformed malformed[] = {
  { "hdr-short", HDR, "0102030405060708 0000000000000000 01 10 04 00 00000000 0000", 0 },
  { "hdr-version-2", HDR, "0102030405060708 0000000000000000 01 20 04 00 00000000 0000001c", 0 },
  { "hdr-length-below-28", HDR, "0102030405060708 0000000000000000 00 10 04 00 00000000 0000001b",
    0 },
  { "hdr-length-beyond-datagram", HDR,
    "0102030405060708 0000000000000000 00 10 04 00 00000000 0000001d", 0 },
  { "hdr-empty", HDR, "", 0 },

  { "chain-length-3", CHAIN, "00 00 0003 00", OSP_PL_HASH },
  { "chain-length-0", CHAIN, "00 00 0000", OSP_PL_HASH },
  { "chain-length-beyond", CHAIN, "00 00 000a 0102030405", OSP_PL_HASH },
  { "chain-next-missing", CHAIN, "0a 00 0004", OSP_PL_HASH },
  { "chain-next-truncated", CHAIN, "0a 00 0004 00 00", OSP_PL_HASH },
  { "chain-empty-buffer", CHAIN, "", OSP_PL_SA },
  { "chain-second-beyond", CHAIN, "0a 00 0008 01020304 00 00 ffff", OSP_PL_HASH },

  { "sa-short", SA, "00000001 000000", 0 },
  { "sa-doi-2", SA, "00000002 00000001 00 00 0010 01 01 00 01 00 00 0008 01 01 0000", 0 },
  { "sa-doi-0", SA, "00000000 00000001 00 00 0010 01 01 00 01 00 00 0008 01 01 0000", 0 },
  { "sa-situation-2", SA, "00000001 00000002 00 00 0010 01 01 00 01 00 00 0008 01 01 0000", 0 },
  { "sa-no-proposals", SA, "00000001 00000001", 0 },
  { "sa-proposal-header-truncated", SA, "00000001 00000001 00 00 0010 01 01", 0 },
  { "sa-proposal-length-7", SA, "00000001 00000001 00 00 0007 01 01 00 01 00 00 0008 01 01 0000",
    0 },
  { "sa-proposal-length-beyond", SA,
    "00000001 00000001 00 00 0011 01 01 00 01 00 00 0008 01 01 0000", 0 },
  { "sa-spi-size-beyond-proposal", SA,
    "00000001 00000001 00 00 0010 01 03 09 01 00 00 0008 01 01 0000", 0 },
  { "sa-spi-size-255", SA, "00000001 00000001 00 00 000c 01 03 ff 01 c0ffee01", 0 },
  { "sa-zero-transforms", SA, "00000001 00000001 00 00 0008 01 01 00 00", 0 },
  { "sa-count-above-present", SA, "00000001 00000001 00 00 0010 01 01 00 02 00 00 0008 01 01 0000",
    0 },
  { "sa-count-below-present", SA,
    "00000001 00000001 00 00 0018 01 01 00 01 03 00 0008 01 01 0000 00 00 0008 02 01 0000", 0 },
  { "sa-count-65", SA, "00000001 00000001 00 00 0010 01 01 00 41 00 00 0008 01 01 0000", 0 },
  { "sa-transform-chained-as-ke", SA,
    "00000001 00000001 00 00 0018 01 01 00 02 04 00 0008 01 01 0000 00 00 0008 02 01 0000", 0 },
  { "sa-proposal-chained-as-transform", SA,
    "00000001 00000001 03 00 0010 01 01 00 01 00 00 0008 01 01 0000"
    "00 00 0010 02 01 00 01 00 00 0008 01 01 0000",
    0 },
  { "sa-next-proposal-missing", SA,
    "00000001 00000001 02 00 0010 01 01 00 01 00 00 0008 01 01 0000", 0 },
  { "sa-transform-header-truncated", SA, "00000001 00000001 00 00 000c 01 01 00 01 00 00 0008", 0 },
  { "sa-transform-length-7", SA, "00000001 00000001 00 00 0010 01 01 00 01 00 00 0007 01 01 0000",
    0 },
  { "sa-transform-length-beyond", SA,
    "00000001 00000001 00 00 0010 01 01 00 01 00 00 000c 01 01 0000", 0 },
  { "sa-attr-length-past-end", SA,
    "00000001 00000001 00 00 0018 01 01 00 01 00 00 0010 01 01 0000 000c 0005 01020304", 0 },
  { "sa-attr-header-truncated", SA,
    "00000001 00000001 00 00 0012 01 01 00 01 00 00 000a 01 01 0000 8001", 0 },
  { "sa-trailing-after-transform", SA,
    "00000001 00000001 00 00 0014 01 01 00 01 00 00 0008 01 01 0000 00000000", 0 },
  { "sa-trailing-after-proposal", SA,
    "00000001 00000001 00 00 0010 01 01 00 01 00 00 0008 01 01 0000 00", 0 },

  { "id-short", ID, "01 11 01", 0 },
  { "id-ipv4-3-bytes", ID, "01 11 01f4 c00002", 0 },
  { "id-ipv4-5-bytes", ID, "01 11 01f4 c000020101", 0 },
  { "id-ipv4-subnet-4-bytes", ID, "04 00 0000 0a000000", 0 },
  { "id-ipv6-4-bytes", ID, "05 00 0000 20010db8", 0 },

  { "notify-short", NOTIFY, "00000001 01 00 60", 0 },
  { "notify-spi-beyond", NOTIFY, "00000001 01 10 8d28 0102030405060708", 0 },
  { "notify-spi-255", NOTIFY, "00000001 01 ff 8d28", 0 },

  { "delete-short", DELETE, "00000001 03 04 00", 0 },
  { "delete-spis-beyond", DELETE, "00000001 03 04 0002 11111111", 0 },
  { "delete-count-overflow", DELETE, "00000001 03 ff ffff 11111111", 0 },
  { "delete-spi-size-no-room", DELETE, "00000001 01 10 0001", 0 },

  { "cfg-short", CFG, "01 00 12", 0 },
  { "cfg-type-0", CFG, "00 00 1234", 0 },
  { "cfg-type-5", CFG, "05 00 1234", 0 },
  { "cfg-attr-length-past-end", CFG, "02 00 1234 0001 0008 0a000005", 0 },
  { "cfg-attr-header-truncated", CFG, "02 00 1234 8001", 0 },

  { "attr-3-bytes", ATTR, "8001 00", 0 },
  { "attr-var-past-end", ATTR, "000c 0005 01020304", 0 },
  { "attr-var-length-ffff", ATTR, "000c ffff", 0 },
  { "attr-padding-not-zero", ATTR, "8001 0001 0001", 0 },
};

/* Gateways that pad an attribute payload to a multiple of 4 with 1-3 zero
 * bytes: the padding ends the list. */
static void test_cfg_zero_padding(void)
{
  static const char *const padded[] = { "02 00 1234 0001 0001 0a 00 00 00",
                                        "02 00 1234 0001 0002 0a0b 00 00",
                                        "02 00 1234 0001 0003 0a0b0c 00" };

  for (size_t i = 0; i < G_N_ELEMENTS(padded); i++) {
    g_autoptr(GByteArray) b = hex(padded[i]);
    g_autofree uint8_t *buf = g_memdup2(b->data, b->len);
    const uint8_t *p;
    size_t left;
    OspCfg cfg;
    OspAttr a;

    g_assert_cmpint(osp_cfg_parse(buf, b->len, &cfg, NULL), ==, 0);
    p = cfg.attrs;
    left = cfg.attrs_len;
    g_assert_cmpint(osp_attr_next(&p, &left, &a, NULL), ==, 1);
    g_assert_cmpuint(a.type, ==, 1);
    g_assert_cmpuint(a.len, ==, i + 1);
    g_assert_cmpint(osp_attr_next(&p, &left, &a, NULL), ==, 0);
    g_assert_cmpuint(left, ==, 0);
  }
}

static void test_malformed(gconstpointer data)
{
  const Malformed *c = data;
  g_autoptr(GByteArray) b = hex(c->hex);
  /* copy to an exact-size allocation so that ASan sees any overread */
  g_autofree uint8_t *buf = g_memdup2(b->data, b->len);
  size_t len = b->len;
  const char *reason = NULL;
  int r = 0;

  switch (c->kind) {
  case HDR: {
    OspIsakmpHdr h, h0;

    memset(&h, 0x5a, sizeof(h));
    h0 = h;
    r = osp_isakmp_hdr_parse(buf, len, &h, &reason);
    g_assert_cmpmem(&h, sizeof(h), &h0, sizeof(h0)); /* untouched */
    break;
  }
  case CHAIN: {
    OspPayload pl[4];
    size_t n = 77;

    r = osp_payloads_parse(c->first, buf, len, pl, G_N_ELEMENTS(pl), &n, &reason);
    g_assert_cmpuint(n, ==, 77);
    break;
  }
  case SA:
    memset(&sa, 0x5a, sizeof(sa));
    r = osp_sa_parse(buf, len, &sa, &reason);
    g_assert_cmpuint(sa.doi, ==, 0x5a5a5a5a);
    g_assert_cmpuint(sa.proposals[0].num, ==, 0x5a);
    break;
  case ID: {
    OspId id;

    r = osp_id_parse(buf, len, &id, &reason);
    break;
  }
  case NOTIFY: {
    OspNotify nt;

    r = osp_notify_parse(buf, len, &nt, &reason);
    break;
  }
  case DELETE: {
    OspDelete d;

    r = osp_delete_parse(buf, len, &d, &reason);
    break;
  }
  case CFG: {
    OspCfg cfg;

    r = osp_cfg_parse(buf, len, &cfg, &reason);
    break;
  }
  case ATTR: {
    const uint8_t *p = buf;
    size_t left = len;
    OspAttr a;

    while ((r = osp_attr_next(&p, &left, &a, &reason)) > 0)
      ;
    break;
  }
  }
  g_assert_cmpint(r, ==, -EBADMSG);
  g_assert_nonnull(reason);
  g_test_message("%s: %s", c->name, reason);
}

/* Proposal/transform limits that are tedious to write out in hex */
static void test_sa_too_many_proposals(void)
{
  g_autoptr(GByteArray) b = g_byte_array_new();
  const char *reason = NULL;
  size_t p = 0, t;

  osp_sa_begin(b, 1, 1);
  for (int i = 0; i < OSP_MAX_PROPOSALS; i++) {
    p = osp_proposal_begin(b, (uint8_t)(i + 1), OSP_PROTO_ISAKMP, NULL, 0);
    t = osp_transform_begin(b, 1, 1);
    osp_transform_end(b, t, true);
    osp_proposal_end(b, p, 1, false);
  }
  b->data[p] = OSP_PL_NONE;
  g_assert_cmpint(osp_sa_parse(b->data, b->len, &sa, NULL), ==, 0);
  g_assert_cmpuint(sa.n_proposals, ==, OSP_MAX_PROPOSALS);

  b->data[p] = OSP_PL_PROPOSAL;
  p = osp_proposal_begin(b, 33, OSP_PROTO_ISAKMP, NULL, 0);
  t = osp_transform_begin(b, 1, 1);
  osp_transform_end(b, t, true);
  osp_proposal_end(b, p, 1, true);
  g_assert_cmpint(osp_sa_parse(b->data, b->len, &sa, &reason), ==, -EBADMSG);
  g_assert_nonnull(reason);
}

static void test_sa_max_transforms(void)
{
  g_autoptr(GByteArray) b = g_byte_array_new();
  size_t p, t = 0;

  osp_sa_begin(b, 1, 1);
  p = osp_proposal_begin(b, 1, OSP_PROTO_ISAKMP, NULL, 0);
  for (int i = 0; i < OSP_MAX_TRANSFORMS; i++) {
    t = osp_transform_begin(b, (uint8_t)(i + 1), 1);
    osp_put_attr_basic(b, 1, 7);
    osp_transform_end(b, t, i == OSP_MAX_TRANSFORMS - 1);
  }
  osp_proposal_end(b, p, OSP_MAX_TRANSFORMS, true);
  g_assert_cmpint(osp_sa_parse(b->data, b->len, &sa, NULL), ==, 0);
  g_assert_cmpuint(sa.proposals[0].n_transforms, ==, OSP_MAX_TRANSFORMS);
  g_assert_cmpuint(sa.proposals[0].transforms[63].num, ==, 64);
}

/* Every prefix of a valid SA body must be rejected cleanly */
static void test_sa_every_truncation(void)
{
  g_autoptr(GByteArray) b = hex(agg1_hex);
  const uint8_t *body = b->data + 28 + 4;
  size_t len = 88;

  g_assert_cmpint(osp_sa_parse(body, len, &sa, NULL), ==, 0);
  for (size_t l = 0; l < len; l++) {
    g_autofree uint8_t *cut = g_memdup2(body, l);
    const char *reason = NULL;

    g_assert_cmpint(osp_sa_parse(cut, l, &sa, &reason), ==, -EBADMSG);
    g_assert_nonnull(reason);
  }
}

int main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);

  g_test_add_func("/isakmp/notify-names", test_notify_names);
  g_test_add_func("/isakmp/hdr/roundtrip", test_hdr_roundtrip);
  g_test_add_func("/isakmp/hdr/trailing-and-minor", test_hdr_trailing_and_minor);
  g_test_add_func("/isakmp/chain/roundtrip", test_chain_roundtrip);
  g_test_add_func("/isakmp/chain/padding-and-limits", test_chain_padding_and_limits);
  g_test_add_func("/isakmp/chain/max-payloads", test_chain_max_payloads);
  g_test_add_func("/isakmp/attr/basic-vs-variable", test_attr_basic_vs_variable);
  g_test_add_func("/isakmp/attr/uint-widths", test_attr_uint_widths);
  g_test_add_func("/isakmp/sa/roundtrip", test_sa_roundtrip);
  g_test_add_func("/isakmp/sa/in-message", test_sa_in_message);
  g_test_add_func("/isakmp/sa/too-many-proposals", test_sa_too_many_proposals);
  g_test_add_func("/isakmp/sa/max-transforms", test_sa_max_transforms);
  g_test_add_func("/isakmp/sa/every-truncation", test_sa_every_truncation);
  g_test_add_func("/isakmp/id/roundtrip", test_id_roundtrip);
  g_test_add_func("/isakmp/notify/roundtrip", test_notify_roundtrip);
  g_test_add_func("/isakmp/delete/roundtrip", test_delete_roundtrip);
  g_test_add_func("/isakmp/cfg/roundtrip", test_cfg_roundtrip);
  g_test_add_func("/isakmp/cfg/zero-padding", test_cfg_zero_padding);
  g_test_add_func("/isakmp/aggressive-msg1", test_aggressive_msg1);
  for (size_t i = 0; i < G_N_ELEMENTS(malformed); i++) {
    g_autofree char *path = g_strdup_printf("/isakmp/malformed/%s", malformed[i].name);

    g_test_add_data_func(path, &malformed[i], test_malformed);
  }
  return g_test_run();
}
