/* SPDX-License-Identifier: GPL-2.0-or-later
 * Each exchange after phase 1 against the scripted gateway, one outcome at
 * a time: XAUTH (secrets, refusals), Mode Config (refusal, no address),
 * quick mode as initiator (refusals, PFS retry, rekey) and as responder
 * (refusal, a HASH(3) that never comes), informational (Delete, INVALID-
 * SPI, notifies about one message), DPD (the gateway asks) and a second
 * IKE SA that takes over the IPsec SA of the first (re-authentication).  Initiator
 * and responder run in one process without root; each step carries its
 * message diagram (I: the session, R: the scripted gateway). */
#include "osp-test-gateway.h"

#include "osp-error.h"

#include <string.h>

#define S ((gint64)G_USEC_PER_SEC)

/* edit hook: messages of one step are not sent (the gateway's state moves
 * on as if they were), `times` of them, 0 = all */
typedef struct {
  OspTestGwStep step;
  unsigned times;
  unsigned dropped;
} Drop;

static void drop_step(OspTestGw *gw, OspTestGwMsg *m, gpointer user)
{
  Drop *d = user;

  if (m->step == d->step && (d->times == 0 || d->dropped < d->times)) {
    m->drop = true;
    d->dropped++;
  }
}

static void set_drop(OspTestRig *r, Drop *d)
{
  r->gw->edit = drop_step;
  r->gw->edit_user = d;
}

/* Runs the exchange until nothing moves (no clock advance). */
static void run(OspTestRig *r)
{
  osp_test_rig_run(r);
}

/* Moves the clock by us, firing the session's timers on the way and
 * delivering what each sends (DPD is answered). */
static void run_for(OspTestRig *r, gint64 us)
{
  gint64 end = r->now + us;

  for (unsigned guard = 0;; guard++) {
    gint64 d;

    g_assert_cmpuint(guard, <, 100000);
    osp_test_rig_run(r);
    d = osp_session_next_deadline(r->session);
    if (d > end || r->closed)
      break;
    r->now = MAX(r->now, d);
    osp_session_timeout(r->session, r->now);
  }
  r->now = end;
}

/* ---- XAUTH ------------------------------------------------------------ */

/* No password in the profile: the user is asked, the answer goes out.
 *   I <--- HASH ATTR(REQUEST TYPE USER_NAME USER_PASSWORD) --- R
 *          secrets_needed(PASSWORD)
 *   I --- HASH ATTR(REPLY alice pw) ---> R
 *   I <--- HASH ATTR(SET STATUS=1) --- R,  I --- HASH ATTR(ACK) ---> R */
static void test_xauth_secrets_asked(void)
{
  g_autoptr(OspProfile) p = osp_test_profile();
  const char *values[OSP_SECRET_N_KINDS] = { NULL };
  g_autoptr(OspTestRig) r = NULL;

  g_clear_pointer(&p->password, g_free);
  r = osp_test_rig_new(p, NULL);
  run(r);
  g_assert_cmpuint(r->n_secrets_needed, ==, 1);
  g_assert_cmpuint(r->last_request.n_kinds, ==, 1);
  g_assert_cmpint(r->last_request.kinds[0], ==, OSP_SECRET_PASSWORD);
  g_assert_false(r->last_request.retry);
  g_assert_cmpint(r->progress, ==, OSP_STATE_AUTHENTICATING);
  values[OSP_SECRET_PASSWORD] = "pw";
  osp_session_provide_secrets(r->session, r->last_request.id, values, r->now);
  osp_test_rig_connect(r);
  g_assert_cmpstr(r->gw->xauth_password, ==, "pw");
  g_assert_true(r->gw->xauth_done);
}

/* A wrong password: the gateway says so in the STATUS, which is ACKed.
 *   I --- HASH ATTR(REPLY alice wrong) ---> R
 *   I <--- HASH ATTR(SET STATUS=0) --- R
 *   I --- HASH ATTR(ACK STATUS) ---> R     closed: bad credentials */
static void test_xauth_status_failed(void)
{
  g_autoptr(OspProfile) p = osp_test_profile();
  g_autoptr(OspTestRig) r = NULL;

  g_free(p->password);
  p->password = g_strdup("wrong");
  r = osp_test_rig_new(p, NULL);
  run(r);
  osp_test_rig_assert_closed(r, OSP_ERROR_BAD_CREDENTIALS, "XAUTH failed");
  g_assert_true(r->gw->xauth_done); /* the STATUS was ACKed */
  g_assert_false(r->gw->cfg_done);  /* and nothing followed */
  g_assert_cmpuint(r->n_child_up, ==, 0);
}

/* The gateway gives up during XAUTH with a notify:
 *   I <--- HASH ATTR(REQUEST ...) --- R      (lost)
 *   I <--- HASH N(AUTHENTICATION-FAILED) --- R     closed: bad credentials
 * and with another one:
 *   I <--- HASH N(INVALID-ID-INFORMATION) --- R    closed: the login ended */
static void test_xauth_refused(gconstpointer data)
{
  const uint16_t type = GPOINTER_TO_UINT(data);
  Drop d = { OSP_TEST_GW_XAUTH_REQUEST, 0, 0 };
  g_autoptr(OspTestRig) r = osp_test_rig_new(NULL, NULL);

  set_drop(r, &d);
  run(r);
  g_assert_false(r->closed);
  osp_test_gw_notify(r->gw, type, true);
  run(r);
  if (type == OSP_N_AUTHENTICATION_FAILED)
    osp_test_rig_assert_closed(r, OSP_ERROR_BAD_CREDENTIALS, "AUTHENTICATION-FAILED");
  else
    osp_test_rig_assert_closed(r, OSP_ERROR_BAD_GROUP_SECRET, "ended the login");
}

/* An XAUTH type Osprey cannot answer (RADIUS-CHAP):
 *   I <--- HASH ATTR(REQUEST TYPE=1 USER_NAME USER_PASSWORD) --- R   closed */
static void test_xauth_unsupported_type(void)
{
  g_autoptr(OspTestRig) r = osp_test_rig_new(NULL, NULL);
  GByteArray *x = r->gw->xauth_attrs;

  g_byte_array_set_size(x, 0);
  osp_put_attr_basic(x, X_TYPE, 1);
  osp_put_attr_var(x, X_USER_NAME, NULL, 0);
  osp_put_attr_var(x, X_USER_PASSWORD, NULL, 0);
  run(r);
  osp_test_rig_assert_closed(r, OSP_ERROR_GATEWAY_REJECTED, "XAUTH type 1");
}

/* The gateway asks again after our REPLY (it refused it): the user is
 * asked again, for the name too, marked as a retry.
 *   I --- HASH ATTR(REPLY alice pw) ---> R
 *   I <--- HASH ATTR(REQUEST USER_NAME USER_PASSWORD) --- R   (new exchange)
 *          secrets_needed(USERNAME PASSWORD, retry)
 *   I --- HASH ATTR(REPLY bob pw2) ---> R */
static void test_xauth_asked_again(void)
{
  Drop d = { OSP_TEST_GW_XAUTH_STATUS, 1, 0 };
  g_autoptr(OspTestRig) r = osp_test_rig_new(NULL, NULL);
  const char *values[OSP_SECRET_N_KINDS] = { NULL };
  g_autoptr(GByteArray) again = g_byte_array_new();

  set_drop(r, &d);
  run(r);
  g_assert_cmpuint(r->n_secrets_needed, ==, 0);
  g_assert_cmpstr(r->gw->xauth_user, ==, "alice");
  osp_put_attr_var(again, X_USER_NAME, NULL, 0);
  osp_put_attr_var(again, X_USER_PASSWORD, NULL, 0);
  osp_test_gw_transaction(r->gw, OSP_CFG_REQUEST, again);
  run(r);
  g_assert_cmpuint(r->n_secrets_needed, ==, 1);
  g_assert_true(r->last_request.retry);
  g_assert_cmpuint(r->last_request.n_kinds, ==, 2);
  g_assert_cmpint(r->last_request.kinds[0], ==, OSP_SECRET_USERNAME);
  g_assert_cmpint(r->last_request.kinds[1], ==, OSP_SECRET_PASSWORD);
  /* a second REQUEST while the user answers: asked once more */
  osp_test_gw_transaction(r->gw, OSP_CFG_REQUEST, again);
  run(r);
  g_assert_cmpuint(r->n_secrets_needed, ==, 2);
  values[OSP_SECRET_USERNAME] = "bob";
  values[OSP_SECRET_PASSWORD] = "pw2";
  osp_session_provide_secrets(r->session, r->last_request.id, values, r->now);
  g_assert_cmpuint(g_queue_get_length(&r->to_gw), ==, 1); /* the REPLY */
  g_assert_false(r->closed);
}

/* ---- Mode Config ------------------------------------------------------ */

/* The gateway refuses our REQUEST:
 *   I --- HASH ATTR(REQUEST address ...) ---> R
 *   I <--- HASH N(ATTRIBUTES-NOT-SUPPORTED) --- R    closed */
static void test_modecfg_refused(void)
{
  Drop d = { OSP_TEST_GW_CFG_REPLY, 0, 0 };
  g_autoptr(OspTestRig) r = osp_test_rig_new(NULL, NULL);

  set_drop(r, &d);
  run(r);
  g_assert_true(r->gw->cfg_done);
  g_assert_cmpint(r->progress, ==, OSP_STATE_CONFIGURING);
  osp_test_gw_notify(r->gw, OSP_N_ATTRIBUTES_NOT_SUPPORTED, true);
  run(r);
  osp_test_rig_assert_closed(r, OSP_ERROR_GATEWAY_REJECTED, "configuration request");
}

/* A REPLY without an internal address is no configuration:
 *   I <--- HASH ATTR(REPLY DNS) --- R    closed */
static void test_modecfg_no_address(void)
{
  g_autoptr(OspTestRig) r = osp_test_rig_new(NULL, NULL);
  static const uint8_t dns[4] = { 198, 51, 100, 53 };

  g_byte_array_set_size(r->gw->cfg_attrs, 0);
  osp_put_attr_var(r->gw->cfg_attrs, 3 /* INTERNAL_IP4_DNS */, dns, 4);
  run(r);
  osp_test_rig_assert_closed(r, OSP_ERROR_BAD_IP_CONFIG, "internal IPv4 address");
  g_assert_null(r->ipcfg);
}

/* ---- quick mode, initiator -------------------------------------------- */

/* The gateway takes none of our ESP transforms:
 *   I --- HASH(1) SA Ni IDci IDcr ---> R
 *   I <--- HASH N(NO-PROPOSAL-CHOSEN) --- R     (without PFS: with PFS next)
 *   I --- HASH(1) SA Ni KE IDci IDcr ---> R
 *   I <--- HASH N(NO-PROPOSAL-CHOSEN) --- R     closed: no proposal, weak settings named */
static void test_quick_no_proposal(void)
{
  Drop d = { OSP_TEST_GW_QM2, 0, 0 };
  g_autoptr(OspTestRig) r = osp_test_rig_new(NULL, NULL);

  set_drop(r, &d);
  run(r);
  g_assert_cmpuint(d.dropped, ==, 1);
  osp_test_gw_notify(r->gw, OSP_N_NO_PROPOSAL_CHOSEN, true);
  run(r);
  g_assert_false(r->closed);
  g_assert_cmpuint(d.dropped, ==, 2); /* a second quick mode came */
  osp_test_gw_notify(r->gw, OSP_N_NO_PROPOSAL_CHOSEN, true);
  run(r);
  osp_test_rig_assert_closed(r, OSP_ERROR_NO_PROPOSAL, "Enable weak encryption");
}

/* A gateway that requires PFS without saying so in Mode Config: the
 * second quick mode offers the phase-1 group and succeeds.
 *   I --- HASH(1) SA Ni IDci IDcr ---> R
 *   I <--- HASH N(NO-PROPOSAL-CHOSEN) --- R
 *   I --- HASH(1) SA Ni KE IDci IDcr ---> R
 *   I <--- HASH(2) SA Nr KE IDci IDcr --- R,  I --- HASH(3) ---> R */
static void test_quick_pfs_retry(void)
{
  Drop d = { OSP_TEST_GW_QM2, 1, 0 };
  g_autoptr(OspTestRig) r = osp_test_rig_new(NULL, NULL);

  set_drop(r, &d);
  run(r);
  osp_test_gw_notify(r->gw, OSP_N_NO_PROPOSAL_CHOSEN, true);
  osp_test_rig_connect(r);
  g_assert_cmpuint(r->gw->children->len, ==, 1);
  g_assert_cmpint(r->last_child.pfs_group, ==, osp_session_dh_group(r->session));
  g_assert_cmpint(((OspTestGwChild *)r->gw->children->pdata[0])->pfs_group, ==,
                  r->last_child.pfs_group);
}

/* edit hook: message 2 of quick mode comes without its KE, or with a
 * transform we did not offer (3DES); the gateway hashes what it sends */
static void bad_qm2(OspTestGw *gw, OspTestGwMsg *m, gpointer user)
{
  const int *what = user;

  if (m->step != OSP_TEST_GW_QM2)
    return;
  for (guint i = 0; i < m->payloads->len; i++) {
    OspTestGwPayload *pl = m->payloads->pdata[i];

    if (*what == 0 && pl->type == OSP_PL_KE) {
      g_ptr_array_remove_index(m->payloads, i);
      return;
    }
    /* SA: DOI, situation, proposal header and SPI, transform header: the
     * transform ID is byte 25 */
    if (*what == 1 && pl->type == OSP_PL_SA && pl->body->len > 25) {
      pl->body->data[25] = OSP_ESP_3DES;
      return;
    }
  }
}

/* A quick mode answer that authenticates but does not fit our offer:
 *   I --- HASH(1) SA Ni KE IDci IDcr ---> R
 *   I <--- HASH(2) SA Nr [no KE] IDci IDcr --- R     closed: PFS invalid
 *   I <--- HASH(2) SA(3DES) Nr IDci IDcr --- R       closed: not proposed */
static void test_quick_answer_misfits(gconstpointer data)
{
  int what = GPOINTER_TO_INT(data);
  g_autoptr(OspProfile) p = osp_test_profile();
  g_autoptr(OspTestRig) r = NULL;

  if (what == 0)
    p->pfs_group = 14;
  r = osp_test_rig_new_edited(p, bad_qm2, &what);
  run(r);
  if (what == 0)
    osp_test_rig_assert_closed(r, OSP_ERROR_PROTOCOL, "PFS key exchange");
  else
    osp_test_rig_assert_closed(r, OSP_ERROR_PROTOCOL, "not proposed");
  g_assert_cmpuint(r->n_child_up, ==, 0);
}

/* Any other refusal of the first IPsec SA ends the attempt:
 *   I <--- HASH N(INVALID-ID-INFORMATION) --- R    closed: refused */
static void test_quick_refused(void)
{
  Drop d = { OSP_TEST_GW_QM2, 0, 0 };
  g_autoptr(OspTestRig) r = osp_test_rig_new(NULL, NULL);

  set_drop(r, &d);
  run(r);
  osp_test_gw_notify(r->gw, OSP_N_INVALID_ID_INFORMATION, true);
  run(r);
  osp_test_rig_assert_closed(r, OSP_ERROR_GATEWAY_REJECTED, "refused the IPsec SA");
}

/* Runs until our rekey has started: at the soft lifetime, 85-90% of the
 * profile's 3600 s. */
static void run_to_rekey(OspTestRig *r, const unsigned *qm1s)
{
  unsigned before = *qm1s;

  run_for(r, 3000 * S);
  while (*qm1s == before) {
    g_assert_cmpint(r->now, <, 3300 * S);
    run_for(r, S);
  }
}

/* Our rekey at the soft lifetime; the old SA goes 3 s after the new one
 * carried traffic (the gateway has it), or 30 s after the rekey without:
 *   ... 3240-3420 s
 *   I --- HASH(1) SA Ni IDci IDcr ---> R
 *   I <--- HASH(2) SA Nr IDci IDcr --- R,  I --- HASH(3) ---> R
 *   ESP in on the new SA (carried)
 *   + 3 s  I --- HASH D(ESP old) ---> R */
static void test_quick_rekey(gconstpointer data)
{
  const bool carried = GPOINTER_TO_INT(data);
  g_autoptr(OspTestRig) r = osp_test_rig_new(NULL, NULL);
  uint32_t first;

  osp_test_rig_connect(r);
  first = r->last_child.spi_in;
  run_to_rekey(r, &r->n_child_up);
  g_assert_cmpuint(r->n_child_up, ==, 2);
  g_assert_cmpuint(r->gw->children->len, ==, 2);
  g_assert_cmpuint(r->last_child.spi_in, !=, first);
  g_assert_cmpuint(r->n_child_down, ==, 0);
  run_for(r, 4 * S);
  g_assert_cmpuint(r->n_child_down, ==, 0); /* no proof yet that the gateway has the new one */
  if (carried) {
    osp_session_child_carried(r->session, first, r->now); /* the old one: no proof */
    run_for(r, 4 * S);
    g_assert_cmpuint(r->n_child_down, ==, 0);
    osp_session_child_carried(r->session, r->last_child.spi_in, r->now);
    run_for(r, 2 * S);
    g_assert_cmpuint(r->n_child_down, ==, 0);
    run_for(r, 1 * S + S / 10);
  } else {
    run_for(r, 25 * S);
    g_assert_cmpuint(r->n_child_down, ==, 0);
    run_for(r, 1 * S + S / 10);
  }
  g_assert_cmpuint(r->n_child_down, ==, 1);
  g_assert_cmpuint(r->gw->esp_deletes->len, ==, 1);
  g_assert_cmpuint(g_array_index(r->gw->esp_deletes, uint32_t, 0), ==, first);
  g_assert_false(r->closed);
}

/* Runs to our rekey and loses its HASH(3), the message the client sends
 * as it installs the new SA; returns the index of the gateway's HASH(2). */
static guint rekey_losing_hash3(OspTestRig *r)
{
  run_for(r, 3000 * S);
  for (;;) {
    g_assert_cmpint(r->now, <, 3300 * S);
    osp_test_rig_advance(r, S / 10);
    while (!g_queue_is_empty(&r->to_gw)) {
      g_autoptr(GByteArray) pkt = osp_test_rig_take_c2g(r);

      if (r->n_child_up == 2)
        return r->gw->sent->len - 1;
      osp_test_rig_to_gw(r, pkt);
      while (!g_queue_is_empty(&r->gw->out))
        osp_test_rig_g2c(r);
    }
  }
}

/* Our rekey's HASH(3) is lost: the gateway has no new SA and sends
 * HASH(2) again 4 s later.  The old SA is still there (no Delete ended
 * the gateway's quick mode) and HASH(3) goes again: the gateway finishes.
 *   I --- HASH(1) SA Ni IDci IDcr ---> R
 *   I <--- HASH(2) SA Nr IDci IDcr --- R,  I --- HASH(3) ---X
 *   + 4 s  I <--- HASH(2) --- R  (again),  I --- HASH(3) ---> R */
static void test_quick_rekey_hash3_lost(void)
{
  g_autoptr(OspTestRig) r = osp_test_rig_new(NULL, NULL);
  guint qm2;

  osp_test_rig_connect(r);
  qm2 = rekey_losing_hash3(r);
  g_assert_cmpuint(r->gw->children->len, ==, 1);
  run_for(r, 4 * S);
  g_assert_cmpuint(r->n_child_down, ==, 0);
  g_assert_cmpuint(r->gw->esp_deletes->len, ==, 0);
  osp_test_gw_resend(r->gw, (int)qm2);
  run(r);
  g_assert_cmpuint(r->gw->children->len, ==, 2);
  g_assert_cmpuint(((const OspTestGwChild *)g_ptr_array_index(r->gw->children, 1))->spi_client, ==,
                   r->last_child.spi_in);
  g_assert_cmpuint(r->n_child_up, ==, 2);
  g_assert_false(r->closed);
}

/* The gateway refuses our rekey:
 *   I --- HASH(1) SA Ni IDci IDcr ---> R
 *   I <--- HASH N(NO-PROPOSAL-CHOSEN) --- R     closed
 * a notify of another kind meanwhile is no refusal:
 *   I <--- HASH N(INVALID-ID-INFORMATION) --- R   ignored */
static void test_quick_rekey_refused(void)
{
  Drop d = { OSP_TEST_GW_QM2, 0, 0 };
  g_autoptr(OspTestRig) r = osp_test_rig_connected(NULL);

  set_drop(r, &d);
  run_to_rekey(r, &d.dropped);
  g_assert_cmpuint(d.dropped, ==, 1);
  osp_test_gw_notify(r->gw, OSP_N_INVALID_ID_INFORMATION, true);
  run(r);
  g_assert_false(r->closed);
  osp_test_gw_notify(r->gw, OSP_N_NO_PROPOSAL_CHOSEN, true);
  run(r);
  osp_test_rig_assert_closed(r, OSP_ERROR_NO_PROPOSAL, "rekey");
}

/* ---- quick mode, responder -------------------------------------------- */

static void drop_nonce_of_qm1(OspTestGw *gw, OspTestGwMsg *m, gpointer user)
{
  if (m->step != OSP_TEST_GW_QM1)
    return;
  for (guint i = 0; i < m->payloads->len; i++)
    if (((OspTestGwPayload *)m->payloads->pdata[i])->type == OSP_PL_NONCE)
      g_ptr_array_remove_index(m->payloads, i);
}

/* A rekey of the gateway's that cannot be taken is refused, and the
 * tunnel stays:
 *   I <--- HASH(1) SA [no Ni] IDci IDcr --- R
 *   I --- HASH N(NO-PROPOSAL-CHOSEN) ---> R */
static void test_responder_refuses(void)
{
  g_autoptr(OspTestRig) r = osp_test_rig_connected(NULL);

  r->gw->edit = drop_nonce_of_qm1;
  osp_test_gw_rekey(r->gw);
  run(r);
  g_assert_cmpuint(osp_test_gw_count_notifies(r->gw, OSP_N_NO_PROPOSAL_CHOSEN), ==, 1);
  g_assert_cmpuint(r->n_child_up, ==, 1);
  g_assert_false(r->closed);
}

/* HASH(3) never comes, or comes damaged: no new SA, and after 30 s the
 * half-done exchange is forgotten.
 *   I <--- HASH(1) SA Ni IDci IDcr --- R
 *   I --- HASH(2) SA Nr IDci IDcr ---> R
 *   I <--- HASH(3)* --- R        dropped (bad hash) or lost */
static void test_responder_no_hash3(gconstpointer data)
{
  const bool damaged = GPOINTER_TO_INT(data);
  Drop d = { OSP_TEST_GW_QM3, 0, 0 };
  g_autoptr(OspTestRig) r = osp_test_rig_new(NULL, NULL);
  gint64 deadline;

  osp_test_rig_connect(r);
  if (damaged)
    r->gw->edit = NULL;
  else
    set_drop(r, &d);
  osp_test_gw_rekey(r->gw);
  if (damaged) {
    g_autoptr(GByteArray) qm1 = osp_test_rig_take_g2c(r);
    g_autoptr(GByteArray) qm3 = NULL;

    osp_test_rig_to_client(r, qm1);
    osp_test_rig_c2g(r); /* HASH(2): the gateway answers with HASH(3) */
    qm3 = osp_test_rig_take_g2c(r);
    qm3->data[qm3->len - 1] ^= 1; /* inside the encryption: the hash fails */
    osp_test_rig_to_client(r, qm3);
  }
  run(r);
  g_assert_cmpuint(r->n_child_up, ==, 1);
  g_assert_cmpuint(r->n_child_inbound, ==, 1); /* it took traffic in from message 2 on */
  deadline = osp_session_next_deadline(r->session);
  g_assert_cmpint(deadline, <=, r->now + 30 * S);
  g_assert_cmpuint(r->n_child_down, ==, 0);
  osp_test_rig_advance(r, 31 * S);
  g_assert_cmpint(osp_session_next_deadline(r->session), >, r->now);
  g_assert_cmpuint(r->n_child_up, ==, 1);
  g_assert_cmpuint(r->n_child_down, ==, 1); /* ... and goes with the quick mode */
  g_assert_false(r->closed);
}

/* The gateway may send with its new SA before its HASH(3) reaches us
 * (strongSwan installs it as it sends HASH(3)): the pair takes traffic in
 * from our HASH(2) on, and sends only once HASH(3) came.
 *   I <--- HASH(1) SA Ni IDci IDcr --- R
 *   I --- HASH(2) SA Nr IDci IDcr ---> R    child_sa_up (inbound only)
 *   I <--- HASH(3) --- R                    child_sa_up (both ways) */
static void test_responder_inbound_first(void)
{
  g_autoptr(OspTestRig) r = osp_test_rig_connected(NULL);
  g_autoptr(GByteArray) qm1 = NULL;
  uint32_t first = r->last_child.spi_in;

  osp_test_gw_rekey(r->gw);
  qm1 = osp_test_rig_take_g2c(r);
  osp_test_rig_to_client(r, qm1);
  g_assert_false(g_queue_is_empty(&r->to_gw)); /* HASH(2) */
  g_assert_cmpuint(r->n_child_inbound, ==, 1);
  g_assert_cmpuint(r->n_child_up, ==, 1);
  g_assert_cmpuint(r->last_child.spi_in, ==, first);
  run(r);
  g_assert_cmpuint(r->n_child_up, ==, 2);
  g_assert_cmpuint(r->n_child_inbound, ==, 1);
  g_assert_cmpuint(r->last_child.spi_in, !=, first);
  g_assert_cmpuint(r->n_child_down, ==, 0);
  g_assert_false(r->closed);
}

/* ---- informational ------------------------------------------------------ */

/* The gateway deletes our only IPsec SA, or no longer knows it: a new one.
 *   I <--- HASH D(ESP spi) --- R   or   I <--- HASH N(INVALID-SPI spi) --- R
 *          child_sa_down
 *   I --- HASH(1) SA Ni IDci IDcr ---> R,  ...  child_sa_up */
static void test_info_child_gone(gconstpointer data)
{
  const bool invalid_spi = GPOINTER_TO_INT(data);
  g_autoptr(OspTestRig) r = osp_test_rig_new(NULL, NULL);
  uint32_t spi_out;

  osp_test_rig_connect(r);
  spi_out = r->last_child.spi_out;
  if (invalid_spi)
    osp_test_gw_notify_esp(r->gw, OSP_N_INVALID_SPI, spi_out);
  else
    osp_test_gw_delete_esp(r->gw, spi_out);
  run(r);
  g_assert_cmpuint(r->n_child_down, ==, 1);
  g_assert_cmpuint(r->n_child_up, ==, 2);
  g_assert_cmpuint(r->gw->children->len, ==, 2);
  g_assert_cmpuint(r->last_child.spi_out, !=, spi_out);
  /* a Delete of an SPI we do not have changes nothing */
  osp_test_gw_delete_esp(r->gw, 0x12345678);
  run(r);
  g_assert_cmpuint(r->n_child_down, ==, 1);
  g_assert_false(r->closed);
}

/* The gateway deletes the IKE SA while the IPsec SA carries traffic: the
 * host is told to authenticate a new one, the IPsec SA lives on, nothing
 * is rekeyed or asked in the old IKE SA any more.
 *   I <--- HASH D(ISAKMP cookies) --- R      ike_expiring */
static void test_info_ike_deleted(void)
{
  g_autoptr(OspTestRig) r = osp_test_rig_new(NULL, NULL);
  const char *cipher, *hash;
  gint64 expires;

  osp_test_rig_connect(r);
  osp_test_gw_delete_ike(r->gw);
  run(r);
  g_assert_false(r->closed);
  g_assert_cmpuint(r->n_ike_expiring, ==, 1);
  g_assert_false(osp_session_ike_info(r->session, &cipher, &hash, &expires));
  g_assert_cmpint(osp_session_dh_group(r->session), ==, 0);
  /* the IPsec SA expires at its end, without a rekey or a Delete */
  osp_test_rig_advance(r, 3601 * S);
  g_assert_cmpuint(r->n_child_up, ==, 1);
  g_assert_cmpuint(r->n_child_down, ==, 1);
  g_assert_true(g_queue_is_empty(&r->to_gw));
  g_assert_false(r->closed);
  osp_session_delete(r->session);
  g_assert_true(g_queue_is_empty(&r->to_gw)); /* no IKE SA to send a Delete in */
  g_assert_true(r->closed);
}

/* Before the tunnel is up, a Delete of the IKE SA ends the attempt:
 *   I <--- HASH ATTR(REQUEST) --- R   (lost)
 *   I <--- HASH D(ISAKMP cookies) --- R      closed: the gateway ended it */
static void test_info_ike_deleted_early(void)
{
  Drop d = { OSP_TEST_GW_XAUTH_REQUEST, 0, 0 };
  g_autoptr(OspTestRig) r = osp_test_rig_new(NULL, NULL);

  set_drop(r, &d);
  run(r);
  osp_test_gw_delete_ike(r->gw);
  run(r);
  osp_test_rig_assert_closed(r, OSP_ERROR_DISCONNECTED, "ended the connection");
}

/* Complaints about one message and status notifies change nothing:
 *   I <--- HASH N(PAYLOAD-MALFORMED) --- R
 *   I <--- HASH N(INITIAL-CONTACT) --- R
 *   I <--- HASH N(RESPONDER-LIFETIME) --- R */
static void test_info_harmless_notifies(void)
{
  g_autoptr(OspTestRig) r = osp_test_rig_connected(NULL);

  osp_test_gw_notify(r->gw, OSP_N_PAYLOAD_MALFORMED, true);
  osp_test_gw_notify(r->gw, OSP_N_INITIAL_CONTACT, true);
  osp_test_gw_notify(r->gw, OSP_N_RESPONDER_LIFETIME, true);
  run(r);
  g_assert_false(r->closed);
  g_assert_cmpuint(r->n_child_up, ==, 1);
  g_assert_cmpuint(r->n_child_down, ==, 0);
  g_assert_true(g_queue_is_empty(&r->to_gw));
}

/* ---- DPD ---------------------------------------------------------------- */

/* The gateway asks whether we live:
 *   I <--- HASH N(R-U-THERE seq) --- R
 *   I --- HASH N(R-U-THERE-ACK seq) ---> R
 * and an ACK to a question never asked is ignored:
 *   I <--- HASH N(R-U-THERE-ACK) --- R */
static void test_dpd_gateway_asks(void)
{
  g_autoptr(OspTestRig) r = osp_test_rig_new(NULL, NULL);
  g_autoptr(GByteArray) b = g_byte_array_new();
  g_autoptr(GByteArray) ack = g_byte_array_new();
  uint8_t spi[16], seq[4];

  osp_test_rig_connect(r);
  memcpy(spi, r->gw->icookie, 8);
  memcpy(spi + 8, r->gw->rcookie, 8);
  osp_put32(seq, 77);
  osp_put_notify(b, OSP_PROTO_ISAKMP, OSP_N_DPD_R_U_THERE, spi, 16, seq, 4);
  osp_test_gw_info(r->gw, OSP_PL_NOTIFY, b->data, b->len, true);
  run(r);
  g_assert_cmpuint(r->gw->dpd_acks, ==, 1);
  osp_put_notify(ack, OSP_PROTO_ISAKMP, OSP_N_DPD_R_U_THERE_ACK, spi, 16, seq, 4);
  osp_test_gw_info(r->gw, OSP_PL_NOTIFY, ack->data, ack->len, true);
  run(r);
  g_assert_false(r->closed);
  g_assert_true(g_queue_is_empty(&r->to_gw));
}

/* ---- re-authentication ---------------------------------------------------- */

/* A second IKE SA authenticated beside a live one takes over its IPsec SA
 * instead of negotiating one, and rekeys it when its time comes:
 *   session A: connected, IPsec SA a
 *   session B (reauth):  I --- SA KE Ni IDii ---> R', ... XAUTH, Mode Config
 *                        (no INITIAL-CONTACT, no quick mode)  reauthenticated
 *   B adopts a; A deletes:  I --- HASH D(ISAKMP A) ---> R   (a lives on)
 *   at a's soft lifetime, B:  I --- HASH(1) SA Ni IDci IDcr ---> R', ...
 *   ESP in on the new SA, + 3 s  I --- HASH D(ESP a) ---> R' */
static void test_reauth_adopts(void)
{
  g_autoptr(OspTestRig) a = osp_test_rig_new(NULL, NULL);
  g_autoptr(OspTestRig) b = NULL;
  OspSessionParams params;
  const char *cipher, *hash;
  gint64 expires;
  uint32_t spi_a;

  osp_test_rig_connect(a);
  spi_a = a->last_child.spi_in;
  osp_test_rig_default_params(&params);
  params.reauth = true;
  b = osp_test_rig_new(NULL, &params);
  run(b);
  g_assert_false(b->closed);
  g_assert_cmpuint(b->n_reauthenticated, ==, 1);
  g_assert_true(b->gw->cfg_done);
  g_assert_nonnull(b->ipcfg);
  g_assert_cmpuint(osp_test_gw_count_notifies(b->gw, OSP_N_INITIAL_CONTACT), ==, 0);
  g_assert_cmpuint(b->gw->qm_offers->len, ==, 0);
  g_assert_cmpuint(b->n_child_up, ==, 0);
  g_assert_true(osp_session_ike_info(b->session, &cipher, &hash, &expires));
  g_assert_cmpint(expires, >, b->now);

  osp_session_adopt_children(b->session, a->session);
  osp_session_delete(a->session);
  osp_test_rig_run(a);
  g_assert_cmpuint(a->gw->ike_deletes, ==, 1);
  g_assert_cmpuint(a->gw->esp_deletes->len, ==, 0); /* a is B's now */
  g_assert_true(a->closed);

  run_to_rekey(b, &b->n_child_up);
  g_assert_cmpuint(b->n_child_up, ==, 1);
  g_assert_cmpuint(b->gw->children->len, ==, 1);
  osp_session_child_carried(b->session, b->last_child.spi_in, b->now);
  run_for(b, 4 * S);
  g_assert_cmpuint(b->n_child_down, ==, 1);
  g_assert_cmpuint(b->gw->esp_deletes->len, ==, 1);
  g_assert_cmpuint(g_array_index(b->gw->esp_deletes, uint32_t, 0), ==, spi_a);
  g_assert_false(b->closed);
}

int main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/exchanges/xauth/secrets-asked", test_xauth_secrets_asked);
  g_test_add_func("/exchanges/xauth/status-failed", test_xauth_status_failed);
  g_test_add_data_func("/exchanges/xauth/refused-auth-failed",
                       GUINT_TO_POINTER(OSP_N_AUTHENTICATION_FAILED), test_xauth_refused);
  g_test_add_data_func("/exchanges/xauth/refused-other",
                       GUINT_TO_POINTER(OSP_N_INVALID_ID_INFORMATION), test_xauth_refused);
  g_test_add_func("/exchanges/xauth/unsupported-type", test_xauth_unsupported_type);
  g_test_add_func("/exchanges/xauth/asked-again", test_xauth_asked_again);
  g_test_add_func("/exchanges/modecfg/refused", test_modecfg_refused);
  g_test_add_func("/exchanges/modecfg/no-address", test_modecfg_no_address);
  g_test_add_func("/exchanges/quick/no-proposal", test_quick_no_proposal);
  g_test_add_func("/exchanges/quick/pfs-retry", test_quick_pfs_retry);
  g_test_add_func("/exchanges/quick/refused", test_quick_refused);
  g_test_add_data_func("/exchanges/quick/answer-without-ke", GINT_TO_POINTER(0),
                       test_quick_answer_misfits);
  g_test_add_data_func("/exchanges/quick/answer-not-offered", GINT_TO_POINTER(1),
                       test_quick_answer_misfits);
  g_test_add_data_func("/exchanges/quick/rekey", GINT_TO_POINTER(true), test_quick_rekey);
  g_test_add_data_func("/exchanges/quick/rekey-no-traffic", GINT_TO_POINTER(false),
                       test_quick_rekey);
  g_test_add_func("/exchanges/quick/rekey-hash3-lost", test_quick_rekey_hash3_lost);
  g_test_add_func("/exchanges/quick/responder-inbound-first", test_responder_inbound_first);
  g_test_add_func("/exchanges/quick/rekey-refused", test_quick_rekey_refused);
  g_test_add_func("/exchanges/quick-responder/refuses", test_responder_refuses);
  g_test_add_data_func("/exchanges/quick-responder/hash3-lost", GINT_TO_POINTER(0),
                       test_responder_no_hash3);
  g_test_add_data_func("/exchanges/quick-responder/hash3-damaged", GINT_TO_POINTER(1),
                       test_responder_no_hash3);
  g_test_add_data_func("/exchanges/info/delete-esp", GINT_TO_POINTER(0), test_info_child_gone);
  g_test_add_data_func("/exchanges/info/invalid-spi", GINT_TO_POINTER(1), test_info_child_gone);
  g_test_add_func("/exchanges/info/ike-deleted", test_info_ike_deleted);
  g_test_add_func("/exchanges/info/ike-deleted-early", test_info_ike_deleted_early);
  g_test_add_func("/exchanges/info/harmless-notifies", test_info_harmless_notifies);
  g_test_add_func("/exchanges/dpd/gateway-asks", test_dpd_gateway_asks);
  g_test_add_func("/exchanges/reauth/adopts", test_reauth_adopts);
  return g_test_run();
}
