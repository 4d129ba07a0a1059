/* SPDX-License-Identifier: GPL-2.0-or-later
 * libFuzzer target for the whole session (client/osp-session.c and the
 * exchanges it dispatches to): whole datagrams from the gateway in every
 * state.
 *
 * A real session (fuzz-session-util.h) is brought to the state byte 0
 * picks (AM1_SENT, XAUTH_WAIT, XAUTH_SECRETS, XAUTH_REPLIED, CFG_SENT,
 * QM1_SENT, ESTABLISHED) with the flags of byte 1; the rest is a list of
 * records, op(1) first:
 *   op 0  exchange(1) message-ID selector(1) first payload(1) length(2)
 *         chain: sent as HDR*, HASH, chain, with the HASH the exchange
 *         wants (op bit 4: no HASH; bit 5: a wrong one), encrypted under
 *         the session's keys and IVs, so that the chain is what the
 *         exchange code reads.  Exchange: 0 informational, 1 transaction,
 *         2 quick mode, other values as they are;
 *   op 1  length(2) bytes: a datagram as it is (bit 4: with our cookies);
 *   op 2  choice(1) length(2) payloads: in AM1_SENT, an authentic
 *         aggressive mode message 2 with those payloads added (bit 5: a
 *         wrong HASH_R);
 *   op 3  secrets answered; op 4 cancelled;
 *   op 5  time moves on by n(2) * 10 ms;
 *   op 6  traffic seen / sent / kilobytes on the first IPsec SA;
 *   op 7  the gateway unreachable (ICMP port, host or network: n(1)). */
#include "fuzz-session-util.h"
#include "fuzz-util.h"

#include <errno.h>

static const uint8_t exchanges[] = { OSP_EXCH_INFO, OSP_EXCH_TRANSACTION, OSP_EXCH_QUICK };

static void datagram(FuzzSession *f, uint8_t op, FuzzIn *in)
{
  uint8_t x = fuzz_u8(in);
  uint8_t exchange = x < G_N_ELEMENTS(exchanges) ? exchanges[x] : x;
  uint32_t msgid = fuzz_session_msgid(f, fuzz_u8(in));
  uint8_t first = fuzz_u8(in);
  size_t want = fuzz_u16(in), len;
  const uint8_t *chain = fuzz_bytes(in, want, &len);

  fuzz_session_feed(f, exchange, msgid, first, chain, len, !(op & 0x10), op & 0x20);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  FuzzIn in = { data, size };
  FuzzState state = (FuzzState)(fuzz_u8(&in) % FS_N_STATES);
  uint8_t flags = fuzz_u8(&in);
  FuzzSession f;

  CHECK(fuzz_session_init(&f, state, flags));
  while (in.left && !f.closed) {
    uint8_t op = fuzz_u8(&in);
    size_t want, len;
    const uint8_t *p;

    switch (op % 8) {
    case 0: datagram(&f, op, &in); break;
    case 1:
      want = fuzz_u16(&in);
      p = fuzz_bytes(&in, want, &len);
      fuzz_session_feed_raw(&f, p, len, op & 0x10);
      break;
    case 2: {
      uint8_t choice = fuzz_u8(&in);

      want = fuzz_u16(&in);
      p = fuzz_bytes(&in, want, &len);
      fuzz_session_am2(&f, choice, p, len, op & 0x20);
      break;
    }
    case 3:
    case 4: fuzz_session_answer(&f, op % 8 == 4); break;
    case 5: fuzz_session_advance(&f, (gint64)fuzz_u16(&in) * 10000); break;
    case 6:
      switch (fuzz_u8(&in) % 3) {
      case 0: osp_session_traffic_seen(f.s, f.now); break;
      case 1: osp_session_traffic_sent(f.s, f.now); break;
      case 2:
        osp_session_child_bytes(f.s, f.s->children[0].sa.spi_in, (uint64_t)fuzz_u32(&in) << 10,
                                f.now);
        break;
      }
      break;
    case 7: {
      static const int errs[] = { ECONNREFUSED, EHOSTUNREACH, ENETUNREACH };

      osp_session_peer_unreachable(f.s, f.now, errs[fuzz_u8(&in) % G_N_ELEMENTS(errs)]);
      break;
    }
    }
  }
  osp_session_delete(f.s);
  fuzz_session_clear(&f);
  return 0;
}
