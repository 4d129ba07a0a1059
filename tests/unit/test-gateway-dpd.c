/* SPDX-License-Identifier: GPL-2.0-or-later
 * Dead peer detection (RFC 3706) against the scripted gateway, on the
 * rig's fake clock: traffic that gets no answer makes the session ask at
 * once and often, so a crashed gateway is noticed within seconds; an idle
 * tunnel keeps the relaxed schedule of its settings; loss and slow
 * answers are not taken for a dead gateway. */
#include "osp-test-gateway.h"

#include "osp-session-private.h"

#define S G_USEC_PER_SEC
#define STEP (S / 10)

/* R-U-THEREs the gateway has received */
static unsigned r_u_theres(const OspTestRig *r)
{
  return osp_test_gw_count_notifies(r->gw, OSP_N_DPD_R_U_THERE);
}

/* Moves the clock in steps of STEP until the session closes or us pass,
 * delivering both ways; returns how long it took. */
static gint64 run_for(OspTestRig *r, gint64 us)
{
  gint64 start = r->now;

  while (!r->closed && r->now - start < us) {
    osp_test_rig_advance(r, STEP);
    osp_test_rig_run(r);
  }
  return r->now - start;
}

static OspTestRig *connected(void)
{
  OspTestRig *r = osp_test_rig_connected(NULL);

  g_assert_true(r->session->peer_dpd);
  g_assert_cmpuint(r->session->profile->dpd_idle, ==, 300); /* the defaults */
  g_assert_cmpuint(r->session->profile->dpd_timeout, ==, 30);
  osp_test_rig_advance(r, S);
  return r;
}

/* Traffic flows, then the gateway crashes (it answers nothing):
 *
 *   t=0      ESP out ------------------------> X   nothing comes back
 *   t=2      I --- HASH N(R-U-THERE) --------> X
 *   t=3..6   I --- HASH N(R-U-THERE) --------> X   four more, 1 s apart
 *   t=7      peer-dead (before: t=35, 30 s of R-U-THERE every 5 s)
 */
static void test_stall_dead(void)
{
  g_autoptr(OspTestRig) r = connected();
  gint64 took;

  r->gw->answer_dpd = false;
  g_assert_true(osp_session_traffic_sent(r->session, r->now));
  took = run_for(r, 60 * S);
  osp_test_rig_assert_closed(r, OSP_ERROR_PEER_DEAD, NULL);
  g_assert_cmpint(took, <=, 8 * S);
  g_assert_cmpint(took, >=, 6 * S);
  g_assert_cmpuint(r_u_theres(r), ==, 5);
}

/* No traffic at all: nobody waits, the relaxed schedule of the settings.
 *
 *   t=0..300  nothing sent
 *   t=300     I --- HASH N(R-U-THERE) --------> X   then every 5 s
 *   t=330     peer-dead ("DPD timeout" 30 s)
 */
static void test_idle_dead(void)
{
  g_autoptr(OspTestRig) r = connected();
  gint64 took;

  r->gw->answer_dpd = false;
  run_for(r, 298 * S); /* 299 s since the last thing received */
  g_assert_false(r->closed);
  g_assert_cmpuint(r_u_theres(r), ==, 0);
  took = run_for(r, 60 * S);
  osp_test_rig_assert_closed(r, OSP_ERROR_PEER_DEAD, NULL);
  g_assert_cmpint(took, >=, 30 * S);
  g_assert_cmpint(took, <=, 32 * S);
  g_assert_cmpuint(r_u_theres(r), ==, 6);
}

/* "DPD timeout" is kept to the second, whatever the 5 s between questions:
 *
 *   t=10     I --- HASH N(R-U-THERE) --------> X   "DPD idle timeout (our side) 10"
 *   t=15     I --- HASH N(R-U-THERE) --------> X
 *   t=16     peer-dead ("DPD timeout 6"), not at t=20 */
static void test_idle_timeout(void)
{
  g_autoptr(OspProfile) p = osp_test_profile();
  g_autoptr(OspTestRig) r = NULL;
  gint64 start;

  p->dpd_idle = 10;
  p->dpd_timeout = 6;
  r = osp_test_rig_connected(p);
  r->gw->answer_dpd = false;
  start = r->now;
  run_for(r, 30 * S);
  osp_test_rig_assert_closed(r, OSP_ERROR_PEER_DEAD, NULL);
  g_assert_cmpint(r->now - start, >=, 16 * S);
  g_assert_cmpint(r->now - start, <=, 16 * S + STEP);
  g_assert_cmpuint(r_u_theres(r), ==, 2);
}

/* An idle question becomes urgent once traffic waits:
 *
 *   t=300    I --- HASH N(R-U-THERE) --------> X   idle
 *   t=301    ESP out ------------------------> X
 *   t=303    I --- HASH N(R-U-THERE) --------> X   every second from now
 *   t=308    peer-dead, not at t=330 */
static void test_idle_then_stall(void)
{
  g_autoptr(OspTestRig) r = connected();
  gint64 took;

  r->gw->answer_dpd = false;
  run_for(r, 299 * S);
  g_assert_cmpuint(r_u_theres(r), ==, 1);
  run_for(r, 1 * S);
  osp_session_traffic_sent(r->session, r->now);
  took = run_for(r, 30 * S);
  osp_test_rig_assert_closed(r, OSP_ERROR_PEER_DEAD, NULL);
  g_assert_cmpint(took, <=, 8 * S);
}

/* Loss: four questions lost, the fifth answered, and the tunnel stays.
 *
 *   t=0      ESP out ------------------------> X
 *   t=2..5   I --- HASH N(R-U-THERE) ---X          lost
 *   t=6      I --- HASH N(R-U-THERE) --------> R
 *            I <-- HASH N(R-U-THERE-ACK) ----- R   the gateway lives
 */
static void test_stall_lossy(void)
{
  g_autoptr(OspTestRig) r = connected();
  unsigned lost = 0;

  osp_session_traffic_sent(r->session, r->now);
  while (lost < 4) {
    osp_test_rig_advance(r, STEP);
    while (!g_queue_is_empty(&r->to_gw)) {
      g_byte_array_unref(osp_test_rig_take_c2g(r));
      lost++;
    }
  }
  g_assert_false(r->closed);
  run_for(r, 10 * S);
  g_assert_false(r->closed);
  g_assert_cmpuint(r_u_theres(r), ==, 1);
  g_assert_false(osp_dpd_asking(r->session));
}

/* A round trip longer than the 1 s between questions: the answer to an
 * earlier R-U-THERE counts.
 *
 *   t=2      I --- HASH N(R-U-THERE n) -----.      slow path
 *   t=3      I --- HASH N(R-U-THERE n+1) ----> X
 *   t=3.5                                    `--> R
 *            I <-- HASH N(R-U-THERE-ACK n) --- R   accepted
 */
static void test_late_ack(void)
{
  g_autoptr(OspTestRig) r = connected();
  g_autoptr(GByteArray) first = NULL;

  osp_session_traffic_sent(r->session, r->now);
  osp_test_rig_advance(r, 2 * S);
  first = osp_test_rig_take_c2g(r);
  osp_test_rig_advance(r, S);
  g_byte_array_unref(osp_test_rig_take_c2g(r));
  osp_test_rig_advance(r, S / 2);
  osp_test_rig_to_gw(r, first);
  osp_test_rig_run(r);
  g_assert_cmpuint(r->gw->dpd_acks, ==, 0);
  g_assert_false(osp_dpd_asking(r->session));
  g_assert_false(r->closed);
  run_for(r, 20 * S);
  g_assert_false(r->closed);
}

/* Traffic one-way by nature (the gateway answers, the traffic does not):
 * questions after 2, 4, 8, 16, then every 32 s of it, and ESP coming back
 * ends the backoff. */
static void test_one_way_backoff(void)
{
  static const gint64 expect[] = { 2, 4, 8, 16, 32, 32 };
  g_autoptr(OspTestRig) r = connected();
  size_t i;

  for (i = 0; i < G_N_ELEMENTS(expect); i++) {
    gint64 start;
    unsigned before = r_u_theres(r);

    osp_test_rig_advance(r, S / 1000); /* sent after the last answer */
    start = r->now;
    osp_session_traffic_sent(r->session, r->now);
    while (r_u_theres(r) == before) {
      osp_test_rig_advance(r, STEP);
      osp_test_rig_run(r);
      g_assert_cmpint(r->now - start, <=, 40 * S);
    }
    g_test_message("question %zu after %" G_GINT64_FORMAT " ms", i, (r->now - start) / 1000);
    g_assert_cmpint(r->now - start, >=, expect[i] * S);
    g_assert_cmpint(r->now - start, <=, expect[i] * S + STEP);
    g_assert_false(r->closed);
  }
  osp_session_traffic_seen(r->session, r->now);
  osp_test_rig_advance(r, S / 1000);
  osp_session_traffic_sent(r->session, r->now);
  g_assert_cmpint(osp_session_next_deadline(r->session) - r->now, <=, 2 * S);
}

/* Traffic gets nothing back although the gateway answers: a new IPsec SA
 * after two answered questions.  Its HASH(3) is lost too (the gateway
 * drowning in our traffic), so traffic still gets nothing back: another
 * new SA after four more (not never, which left the tunnel dead).
 *   ESP out --->  nothing back;  R-U-THERE/ACK x2
 *   I --- HASH(1) --->, <--- HASH(2) ---, HASH(3) ---X
 *   ESP out --->  nothing back;  R-U-THERE/ACK x4 (8, 16, 32, 32 s)
 *   I --- HASH(1) --->, <--- HASH(2) ---, HASH(3) ---> R */
static void test_stall_repair_again(void)
{
  g_autoptr(OspTestRig) r = connected();
  gint64 start = r->now, first = 0;
  bool lost = false;

  while (r->n_child_up < 3) {
    g_assert_cmpint(r->now - start, <, 300 * S);
    osp_session_traffic_sent(r->session, r->now);
    osp_test_rig_advance(r, STEP);
    while (!g_queue_is_empty(&r->to_gw)) {
      g_autoptr(GByteArray) pkt = osp_test_rig_take_c2g(r);

      if (r->n_child_up == 2 && !lost) {
        lost = true; /* HASH(3) of the first new SA */
        first = r->now;
        continue;
      }
      osp_test_rig_to_gw(r, pkt);
      while (!g_queue_is_empty(&r->gw->out))
        osp_test_rig_g2c(r);
    }
    g_assert_false(r->closed);
  }
  g_test_message("new SAs after %" G_GINT64_FORMAT " s and %" G_GINT64_FORMAT " s",
                 (first - start) / S, (r->now - start) / S);
  g_assert_true(lost);
  g_assert_cmpint(first - start, <=, 8 * S);
  g_assert_cmpuint(r->gw->children->len, ==, 2); /* the first and the second new one */
}

int main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/dpd/stall/dead", test_stall_dead);
  g_test_add_func("/dpd/stall/lossy", test_stall_lossy);
  g_test_add_func("/dpd/stall/late-ack", test_late_ack);
  g_test_add_func("/dpd/stall/one-way-backoff", test_one_way_backoff);
  g_test_add_func("/dpd/stall/repair-again", test_stall_repair_again);
  g_test_add_func("/dpd/idle/dead", test_idle_dead);
  g_test_add_func("/dpd/idle/timeout", test_idle_timeout);
  g_test_add_func("/dpd/idle/then-stall", test_idle_then_stall);
  return g_test_run();
}
