/* SPDX-License-Identifier: GPL-2.0-or-later
 * Unit tests for the ESP anti-replay window (RFC 4303 3.4.3, appendix A2):
 * a numbered table of steps, as WireGuard's counter test, so a failure names
 * the step; then a random walk checked against a naive model. */
#include "osp-esp.h"

#include <string.h>

#define W OSP_REPLAY_WINDOW

/* one received packet whose ICV verified: check, and on success record */
static bool receive(OspReplay *r, uint32_t seq)
{
  if (!osp_replay_check(r, seq))
    return false;
  osp_replay_update(r, seq);
  return true;
}

static void test_table(void)
{
  OspReplay r;
  unsigned step = 0;

#define T(n, expected)                                                                         \
  do {                                                                                         \
    bool got_ = receive(&r, (n));                                                              \
    ++step;                                                                                    \
    if (got_ != (expected))                                                                    \
      g_error("replay step %u: seq %" G_GUINT64_FORMAT " %s, expected %s", step, (guint64)(n), \
              got_ ? "accepted" : "rejected", (expected) ? "accepted" : "rejected");           \
  } while (0)

  osp_replay_init(&r);
  T(0, false);     /*  1: 0 is never sent (RFC 4303 3.3.3) */
  T(1, true);      /*  2 */
  T(1, false);     /*  3: duplicate */
  T(0, false);     /*  4 */
  T(9, true);      /*  5: a gap */
  T(8, true);      /*  6: late, inside the window */
  T(7, true);      /*  7 */
  T(7, false);     /*  8 */
  T(2, true);      /*  9 */
  T(9, false);     /* 10: the top again */
  T(W, true);      /* 11: top = W, window is 1..W */
  T(1, false);     /* 12: seen, and at the left edge */
  T(3, true);      /* 13: unseen, inside */
  T(W + 1, true);  /* 14: window is 2..W+1 */
  T(2, false);     /* 15: seen before */
  T(1, false);     /* 16: just outside */
  T(4, true);      /* 17: unseen, inside */
  T(W + 3, true);  /* 18: window is 4..W+3 */
  T(4, false);     /* 19: seen, at the left edge */
  T(3, false);     /* 20: just outside */
  T(5, true);      /* 21: unseen, one inside the edge */
  T(W + 2, true);  /* 22: the hole just below the top */
  T(W + 2, false); /* 23 */

  /* a jump of more than a window forgets everything below the new edge */
  T(10000, true);          /* 24 */
  T(10000 - W, false);     /* 25: just outside */
  T(10000 - W + 1, true);  /* 26: just inside */
  T(10000 - W + 1, false); /* 27 */
  T(W + 3, false);         /* 28: long gone */
  T(9999, true);           /* 29 */
  T(10000, false);         /* 30 */

  /* a jump of exactly a window: the old top falls off the edge */
  T(10000 + W, true);     /* 31 */
  T(10000, false);        /* 32 */
  T(10001, true);         /* 33: left edge, unseen */
  T(10000 + W - 1, true); /* 34 */

  /* a jump of a window minus one keeps the old top as the edge bit */
  T(20000, true);         /* 35 */
  T(20000 + W - 1, true); /* 36 */
  T(20000, false);        /* 37: still remembered */
  T(19999, false);        /* 38: outside */
  T(20001, true);         /* 39 */

  /* slides across 64-bit word boundaries keep every bit */
  T(30000, true);                /* 40 */
  T(30001, true);                /* 41 */
  T(30063, true);                /* 42 */
  T(30064, true);                /* 43 */
  T(30064 + 64, true);           /* 44: slide by exactly one word */
  T(30064 + 64 + 65, true);      /* 45: by a word and a bit */
  T(30064 + 64 + 65 + 63, true); /* 46 */
  T(30000, false);               /* 47 */
  T(30001, false);               /* 48 */
  T(30063, false);               /* 49 */
  T(30064, false);               /* 50 */
  T(30128, false);               /* 51 */
  T(30002, true);                /* 52 */
  T(30062, true);                /* 53 */
  T(30065, true);                /* 54 */
  T(30127, true);                /* 55 */

  /* the end of the sequence space; the sender rekeys before wrapping */
  T(UINT32_MAX - W, true);     /* 56 */
  T(UINT32_MAX, true);         /* 57 */
  T(UINT32_MAX, false);        /* 58 */
  T(UINT32_MAX - W, false);    /* 59: outside */
  T(UINT32_MAX - W + 1, true); /* 60 */
  T(UINT32_MAX - 1, true);     /* 61 */
  T(0, false);                 /* 62: no wrap to 0 */
  T(1, false);                 /* 63 */

#undef T
  g_assert_cmpuint(step, ==, 63);
}

/* check() is a pure query: a packet whose ICV then fails leaves no trace */
static void test_check_is_pure(void)
{
  OspReplay r, copy;

  osp_replay_init(&r);
  osp_replay_update(&r, 5);
  memcpy(&copy, &r, sizeof(r));
  g_assert_true(osp_replay_check(&r, 6));
  g_assert_true(osp_replay_check(&r, 4));
  g_assert_false(osp_replay_check(&r, 5));
  g_assert_cmpmem(&copy, sizeof(copy), &r, sizeof(r));
  g_assert_true(osp_replay_check(&r, 6));
  g_assert_cmpuint(r.top, ==, 5);
  /* bit i is top - i (the header's documented layout) */
  osp_replay_update(&r, 3);
  g_assert_cmpuint(r.bitmap[0], ==, 0x5);
  osp_replay_update(&r, 5 + 64);
  g_assert_cmpuint(r.bitmap[0], ==, 1);
  g_assert_cmpuint(r.bitmap[1], ==, 0x5);
}

/* a random walk compared with a model that remembers every sequence number */
static void test_model(void)
{
  const uint32_t range = 1u << 24;
  g_autofree uint8_t *seen = g_malloc0(range);
  g_autoptr(GRand) rand = g_rand_new_with_seed(0x05e5);
  OspReplay r;
  uint32_t top = 0, accepted = 0;
  unsigned i;

  osp_replay_init(&r);
  for (i = 0; i < 400000; i++) {
    uint32_t seq;
    bool want, got;

    /* mostly around the top, sometimes far behind or far ahead */
    switch (g_rand_int_range(rand, 0, 50)) {
    case 0: seq = top + (uint32_t)g_rand_int_range(rand, 1, 3 * W); break;
    case 1:
    case 2: seq = (uint32_t)g_rand_int_range(rand, 0, (gint32)top + 1); break;
    case 3:
    case 4:
    case 5:
    case 6:
    case 7: seq = top + (uint32_t)g_rand_int_range(rand, 1, 5); break;
    default: seq = top + 8 - (uint32_t)g_rand_int_range(rand, 0, W + 64); break;
    }
    if (seq >= range || (int32_t)seq < 0)
      continue;
    want = seq != 0 && !seen[seq] && (seq > top || top - seq < W);
    got = receive(&r, seq);
    if (got != want)
      g_error("step %u: seq %u (top %u) %s, model says %s", i, seq, top,
              got ? "accepted" : "rejected", want ? "accepted" : "rejected");
    if (got) {
      seen[seq] = 1;
      accepted++;
      if (seq > top)
        top = seq;
    }
    g_assert_cmpuint(r.top, ==, top);
  }
  g_test_message("%u of 400000 accepted, top %u", accepted, top);
  g_assert_cmpuint(accepted, >, 10000);
}

int main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/replay/table", test_table);
  g_test_add_func("/replay/check-is-pure", test_check_is_pure);
  g_test_add_func("/replay/model", test_model);
  return g_test_run();
}
