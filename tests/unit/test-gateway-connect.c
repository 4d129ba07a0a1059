/* SPDX-License-Identifier: GPL-2.0-or-later
 * A real OspSession against the scripted gateway: the whole handshake step
 * by step, then the same with the network or the gateway misbehaving. */
#include "osp-test-gateway.h"

#include "osp-error.h"

#include <arpa/inet.h>
#include <string.h>

static void assert_exchange(const GByteArray *b, uint8_t exchange, bool encrypted)
{
  OspIsakmpHdr h;

  g_assert_cmpint(osp_isakmp_hdr_parse(b->data, b->len, &h, NULL), ==, 0);
  g_assert_cmpint(h.exchange, ==, exchange);
  g_assert_cmpint(!!(h.flags & OSP_FLAG_ENC), ==, encrypted);
}

/* Every message of a connect, in order, and what each side made of it. */
static void test_step_by_step(void)
{
  g_autoptr(OspTestRig) r = osp_test_rig_new(NULL, NULL);
  OspTestGw *gw = r->gw;
  char ip[INET_ADDRSTRLEN];

  OspSessionIkeAuth auth;

  /* I --- SA KE Ni IDii VIDs ---> R */
  assert_exchange(osp_test_rig_c2g(r), OSP_EXCH_AGGRESSIVE, false);
  g_assert_cmpuint(gw->n_am1, ==, 1);
  g_assert_cmpint(gw->p1_offers->len, >, 0);
  g_assert_false(osp_session_ike_auth(r->session, &auth));
  /* I <--- SA KE Nr IDir HASH_R VIDs --- R */
  assert_exchange(osp_test_rig_g2c(r), OSP_EXCH_AGGRESSIVE, false);
  /* I --- HASH_I ---> R */
  assert_exchange(osp_test_rig_c2g(r), OSP_EXCH_AGGRESSIVE, true);
  g_assert_true(gw->p1_done);
  osp_test_rig_assert_auth(r, OSP_AUTH_PSK, true, NULL, OSP_EXCH_MODE_AGGRESSIVE);
  /* I --- HASH N(INITIAL-CONTACT) ---> R */
  assert_exchange(osp_test_rig_c2g(r), OSP_EXCH_INFO, true);
  g_assert_cmpuint(gw->notifies->len, ==, 1);
  g_assert_cmpuint(g_array_index(gw->notifies, uint16_t, 0), ==, OSP_N_INITIAL_CONTACT);
  /* I <--- HASH ATTR(REQUEST TYPE USER_NAME USER_PASSWORD) --- R */
  assert_exchange(osp_test_rig_g2c(r), OSP_EXCH_TRANSACTION, true);
  g_assert_cmpint(r->progress, ==, OSP_STATE_AUTHENTICATING);
  /* I --- HASH ATTR(REPLY alice pw) ---> R */
  assert_exchange(osp_test_rig_c2g(r), OSP_EXCH_TRANSACTION, true);
  g_assert_cmpstr(gw->xauth_user, ==, "alice");
  g_assert_cmpstr(gw->xauth_password, ==, "pw");
  /* I <--- HASH ATTR(SET STATUS=1) --- R */
  osp_test_rig_g2c(r);
  /* I --- HASH ATTR(ACK STATUS) ---> R */
  osp_test_rig_c2g(r);
  g_assert_true(gw->xauth_done);
  /* I --- HASH ATTR(REQUEST address ...) ---> R */
  assert_exchange(osp_test_rig_c2g(r), OSP_EXCH_TRANSACTION, true);
  g_assert_true(gw->cfg_done);
  g_assert_cmpint(r->progress, ==, OSP_STATE_CONFIGURING);
  /* I <--- HASH ATTR(REPLY address ...) --- R */
  osp_test_rig_g2c(r);
  g_assert_nonnull(r->ipcfg);
  inet_ntop(AF_INET, &r->ipcfg->address, ip, sizeof(ip));
  g_assert_cmpstr(ip, ==, "198.18.1.10");
  g_assert_cmpstr(r->ipcfg->default_domain, ==, "corp.example");
  g_assert_cmpstr(r->ipcfg->banner, ==, "Osprey test gateway");
  g_assert_cmpuint(r->ipcfg->split_inc->len, ==, 1);
  /* I --- HASH(1) SA Ni IDci IDcr ---> R */
  assert_exchange(osp_test_rig_c2g(r), OSP_EXCH_QUICK, true);
  /* I <--- HASH(2) SA Nr IDci IDcr --- R */
  assert_exchange(osp_test_rig_g2c(r), OSP_EXCH_QUICK, true);
  g_assert_cmpuint(r->n_child_up, ==, 1);
  /* I --- HASH(3) ---> R */
  assert_exchange(osp_test_rig_c2g(r), OSP_EXCH_QUICK, true);
  g_assert_cmpuint(gw->children->len, ==, 1);
  g_assert_true(g_queue_is_empty(&r->to_gw));
  g_assert_true(g_queue_is_empty(&gw->out));
  g_assert_cmpuint(gw->rejected, ==, 0);

  /* both ends derived the same keys for the same SPIs */
  {
    OspTestGwChild *c = gw->children->pdata[0];

    g_assert_cmpuint(c->spi_client, ==, r->last_child.spi_in);
    g_assert_cmpuint(c->spi_gw, ==, r->last_child.spi_out);
    g_assert_cmpint(c->enc, ==, r->last_child.enc);
    g_assert_cmpint(c->auth, ==, r->last_child.auth);
  }
  g_assert_false(r->closed);

  /* I --- HASH D(ESP) ---> R, I --- HASH D(ISAKMP) ---> R */
  osp_session_delete(r->session);
  osp_test_rig_run(r);
  g_assert_cmpuint(gw->esp_deletes->len, ==, 1);
  g_assert_cmpuint(gw->ike_deletes, ==, 1);
  g_assert_true(r->closed);
  g_assert_null(r->error);
}

/* Both ends derive keys of the right size, one set per direction. */
static void test_keys_agree(void)
{
  g_autoptr(OspTestRig) r = osp_test_rig_new(NULL, NULL);
  OspTestGwChild *c;
  size_t enc_len;

  osp_test_rig_connect(r);
  c = r->gw->children->pdata[0];
  enc_len = osp_esp_enc_key_len(c->enc, c->key_bits);
  g_assert_cmpuint(c->keys_to_client->len, ==, enc_len + osp_esp_auth_key_len(c->auth));
  g_assert_cmpuint(c->keys_to_gw->len, ==, c->keys_to_client->len);
  /* different SPIs, different keys */
  g_assert_true(memcmp(c->keys_to_client->data, c->keys_to_gw->data, c->keys_to_gw->len) != 0);
}

/* Message 2 lost: message 1 goes again and gets the same answer. */
static void test_am2_dropped(void)
{
  g_autoptr(OspTestRig) r = osp_test_rig_new(NULL, NULL);
  g_autoptr(GByteArray) lost = NULL;

  /* I --- SA KE Ni IDii ---> R */
  osp_test_rig_c2g(r);
  /* I  x--- SA KE Nr IDir HASH_R --- R */
  lost = osp_test_rig_take_g2c(r);
  g_assert_true(g_queue_is_empty(&r->to_gw));
  osp_test_rig_advance(r, 1 * G_USEC_PER_SEC);
  /* I --- SA KE Ni IDii ---> R (again) */
  g_assert_cmpuint(g_queue_get_length(&r->to_gw), ==, 1);
  osp_test_rig_c2g(r);
  g_assert_cmpuint(r->gw->n_am1, ==, 1); /* a retransmission, not a new attempt */
  /* I <--- SA KE Nr IDir HASH_R --- R (the same bytes) */
  g_assert_cmpmem(((GByteArray *)g_queue_peek_head(&r->gw->out))->data,
                  ((GByteArray *)g_queue_peek_head(&r->gw->out))->len, lost->data, lost->len);
  osp_test_rig_connect(r);
}

/* Every gateway datagram arrives twice: nothing breaks. */
static void test_gateway_duplicates(void)
{
  g_autoptr(OspTestRig) r = osp_test_rig_new(NULL, NULL);
  unsigned guard = 0;

  while (r->n_child_up == 0 && !r->closed && guard++ < 100) {
    while (!g_queue_is_empty(&r->to_gw))
      osp_test_rig_c2g(r);
    while (!g_queue_is_empty(&r->gw->out)) {
      const GByteArray *b = osp_test_rig_g2c(r);

      osp_test_rig_to_client(r, b);
    }
  }
  g_assert_false(r->closed);
  g_assert_cmpuint(r->n_child_up, ==, 1);
}

/* The client's REPLY is lost: the gateway repeats its REQUEST, the REPLY
 * goes again. */
static void test_xauth_reply_lost(void)
{
  g_autoptr(OspTestRig) r = osp_test_rig_new(NULL, NULL);
  g_autoptr(GByteArray) lost = NULL;

  osp_test_rig_c2g(r);             /* I --- SA KE Ni IDii ---> R */
  osp_test_rig_g2c(r);             /* I <--- SA KE Nr IDir HASH_R --- R */
  osp_test_rig_c2g(r);             /* I --- HASH_I ---> R */
  osp_test_rig_c2g(r);             /* I --- N(INITIAL-CONTACT) ---> R */
  osp_test_rig_g2c(r);             /* I <--- ATTR(REQUEST) --- R */
  lost = osp_test_rig_take_c2g(r); /* I --- ATTR(REPLY) ---x R */
  osp_test_rig_advance(r, 2 * G_USEC_PER_SEC);
  g_assert_true(g_queue_is_empty(&r->to_gw)); /* an answer is not resent unasked */
  /* I <--- ATTR(REQUEST) --- R (retransmitted) */
  osp_test_gw_resend(r->gw, -1);
  osp_test_rig_g2c(r);
  /* I --- ATTR(REPLY) ---> R (the same) */
  g_assert_cmpmem(((GByteArray *)g_queue_peek_head(&r->to_gw))->data,
                  ((GByteArray *)g_queue_peek_head(&r->to_gw))->len, lost->data, lost->len);
  osp_test_rig_connect(r);
}

/* Mode Config pushed by the gateway (non-Cisco vendors). */
static void test_cfg_push(void)
{
  g_autoptr(OspProfile) p = osp_test_profile();
  g_autoptr(OspTestRig) r = NULL;

  p->vendor = OSP_VENDOR_NETSCREEN;
  r = osp_test_rig_new(p, NULL);
  r->gw->cfg_push = true;
  /* ... I <--- HASH ATTR(SET STATUS=1) --- R, I --- HASH ATTR(ACK) ---> R */
  /* I <--- HASH ATTR(SET address ...) --- R */
  /* I --- HASH ATTR(ACK) ---> R */
  osp_test_rig_connect(r);
  g_assert_true(r->gw->cfg_done);
  g_assert_nonnull(r->ipcfg);
}

/* Dead peer detection: the session asks after the idle time, the gateway
 * answers, the session stays up. */
static void test_dpd_answered(void)
{
  g_autoptr(OspProfile) p = osp_test_profile();
  g_autoptr(OspTestRig) r = NULL;
  unsigned n;

  p->dpd_idle = 10;
  r = osp_test_rig_connected(p);
  n = r->gw->notifies->len;
  osp_test_rig_advance(r, 11 * G_USEC_PER_SEC);
  /* I --- HASH N(R-U-THERE) ---> R */
  osp_test_rig_c2g(r);
  g_assert_cmpuint(r->gw->notifies->len, ==, n + 1);
  g_assert_cmpuint(g_array_index(r->gw->notifies, uint16_t, n), ==, OSP_N_DPD_R_U_THERE);
  /* I <--- HASH N(R-U-THERE-ACK) --- R */
  osp_test_rig_g2c(r);
  for (int i = 0; i < 8; i++) {
    osp_test_rig_advance(r, 5 * G_USEC_PER_SEC);
    osp_test_rig_run(r);
  }
  g_assert_false(r->closed);
  g_assert_cmpuint(r->gw->notifies->len, >=, n + 4); /* about every 10 s */
}

/* The gateway rekeys: the session answers its quick mode and installs the
 * new pair; the keys match the gateway's.
 *   I <--- HASH(1) SA Ni [KE] IDci IDcr --- R
 *   I --- HASH(2) SA Nr [KE] IDci IDcr ---> R
 *   I <--- HASH(3) --- R */
static void test_gateway_rekeys(gconstpointer data)
{
  const int *pfs = data;
  g_autoptr(OspProfile) p = osp_test_profile();
  g_autoptr(OspTestRig) r = NULL;
  OspTestGwChild *c;

  p->pfs_group = *pfs;
  r = osp_test_rig_connected(p);
  osp_test_gw_rekey(r->gw);
  osp_test_rig_g2c(r);
  g_assert_cmpuint(g_queue_get_length(&r->to_gw), ==, 1);
  osp_test_rig_c2g(r);
  g_assert_cmpuint(r->gw->children->len, ==, 2);
  g_assert_cmpuint(r->n_child_up, ==, 1);
  osp_test_rig_g2c(r);
  g_assert_cmpuint(r->n_child_up, ==, 2);
  c = r->gw->children->pdata[1];
  g_assert_cmpuint(c->spi_client, ==, r->last_child.spi_in);
  g_assert_cmpuint(c->spi_gw, ==, r->last_child.spi_out);
  g_assert_cmpint(c->pfs_group, ==, *pfs);
  g_assert_cmpint(r->last_child.pfs_group, ==, *pfs);
  g_assert_cmpuint(r->gw->rejected, ==, 0);
  g_assert_false(r->closed);
}

/* The client's message 3 and its INITIAL-CONTACT arrive swapped: the
 * gateway cannot read the notify before it has message 3 (IV), drops it,
 * and the login goes on.
 *   I --- HASH N(INITIAL-CONTACT) ---> R   (first: dropped)
 *   I --- HASH_I ---> R */
static void test_reordered_am3(void)
{
  g_autoptr(OspTestRig) r = osp_test_rig_new(NULL, NULL);
  g_autoptr(GByteArray) am3 = NULL;

  osp_test_rig_c2g(r);
  osp_test_rig_g2c(r);
  am3 = osp_test_rig_take_c2g(r);
  osp_test_rig_c2g(r);
  g_assert_cmpuint(r->gw->rejected, ==, 1);
  osp_test_rig_to_gw(r, am3);
  g_assert_true(r->gw->p1_done);
  osp_test_rig_connect(r);
}

/* Every datagram the gateway sent, replayed once the tunnel is up: none
 * changes anything.
 *   I <--- (each of SA KE Nr ..., ATTR(REQUEST), ATTR(SET), ATTR(REPLY), HASH(2)) --- replay */
static void test_replay_all(void)
{
  g_autoptr(OspTestRig) r = osp_test_rig_new(NULL, NULL);
  guint i, n;

  osp_test_rig_connect(r);
  n = r->gw->sent->len;
  for (i = 0; i < n; i++)
    osp_test_gw_resend(r->gw, (int)i);
  osp_test_rig_run(r);
  osp_test_rig_advance(r, 2 * G_USEC_PER_SEC);
  for (i = 0; i < n; i++)
    osp_test_gw_resend(r->gw, (int)i);
  osp_test_rig_run(r);
  g_assert_false(r->closed);
  g_assert_cmpuint(r->n_child_up, ==, 1);
  g_assert_cmpuint(r->n_child_down, ==, 0);
  g_assert_cmpuint(r->gw->children->len, ==, 1);
}

typedef struct {
  int natt;
  bool nat;
} NattCase;

/* NAT-T: with a NAT in between (the gateway's NAT-D for us does not match)
 * message 3 and everything after go to port 4500 and ESP is UDP-
 * encapsulated; without one nothing floats.
 *   I --- SA KE Ni IDii VIDs(NAT-T) ---> R
 *   I <--- SA KE Nr IDir HASH_R VID(NAT-T) NAT-D NAT-D --- R
 *   I --- HASH_I NAT-D NAT-D ---> R:4500 */
/* Main mode with the group secret (Exchange mode main): our ID (an FQDN,
 * or an address) in the encrypted message 5, HASH_I and HASH_R, then XAUTH
 * as in aggressive mode:
 *   I --- SA VIDs ----------------> R      I <--- SA VIDs ---------- R
 *   I --- KE Ni [NAT-D] ----------> R      I <--- KE Nr [NAT-D] ---- R
 *   I --- HDR* IDii HASH_I -------> R      I <--- HDR* IDir HASH_R -- R */
static void test_main_mode_psk(gconstpointer data)
{
  bool fqdn = GPOINTER_TO_INT(data);
  g_autoptr(OspProfile) p = osp_test_profile();
  g_autoptr(OspTestRig) r = NULL;
  g_autoptr(GByteArray) want = g_byte_array_new();
  OspIsakmpHdr h;

  p->exchange_mode = OSP_EXCH_MODE_MAIN;
  g_free(p->group_id);
  p->group_id = g_strdup(fqdn ? "client.lab.example" : "198.51.100.7");
  p->id_type = fqdn ? OSP_ID_FQDN : OSP_ID_IPV4_ADDR;
  r = osp_test_rig_new(p, NULL);
  {
    const GByteArray *b = g_queue_peek_head(&r->to_gw);

    g_assert_cmpint(osp_isakmp_hdr_parse(b->data, b->len, &h, NULL), ==, 0);
  }
  g_assert_cmpint(h.exchange, ==, OSP_EXCH_MAIN);
  osp_test_rig_connect(r);
  g_assert_cmpint(r->gw->p1_auth, ==, AUTH_XAUTH_INIT_PSK);
  g_assert_true(r->gw->xauth_done);
  g_assert_cmpuint(r->gw->children->len, ==, 1);
  g_assert_cmpuint(r->gw->rejected, ==, 0);
  osp_test_rig_assert_auth(r, OSP_AUTH_PSK, true, NULL, OSP_EXCH_MODE_MAIN);
  if (fqdn) {
    osp_put_id(want, OSP_ID_FQDN, 17, 500, "client.lab.example", 18);
  } else {
    struct in_addr a;

    inet_pton(AF_INET, "198.51.100.7", &a);
    osp_put_id(want, OSP_ID_IPV4_ADDR, 17, 500, &a, 4);
  }
  g_assert_nonnull(r->gw->client_id);
  g_assert_cmpmem(r->gw->client_id->data, r->gw->client_id->len, want->data, want->len);
}

/* A group without XAUTH: the gateway takes plain PSK, the tunnel comes up
 * without asking for a password, and the session says so. */
static void test_plain_psk(void)
{
  g_autoptr(OspTestRig) r = osp_test_rig_new(NULL, NULL);

  r->gw->p1_auths[0] = AUTH_PSK;
  osp_test_rig_connect(r);
  g_assert_cmpint(r->gw->p1_auth, ==, AUTH_PSK);
  g_assert_false(r->gw->xauth_done);
  osp_test_rig_assert_auth(r, OSP_AUTH_PSK, false, NULL, OSP_EXCH_MODE_AGGRESSIVE);
}

static void corrupt_mm6(OspTestGw *gw, OspTestGwMsg *m, gpointer user)
{
  if (m->step == OSP_TEST_GW_MM6)
    m->corrupt_hash = true;
}

/* A wrong group secret in main mode: the gateway cannot read message 5
 * and stays silent; a gateway whose HASH_R is wrong is not believed.  Both
 * are bad-group-secret, as in aggressive mode. */
static void test_main_mode_psk_wrong(void)
{
  g_autoptr(OspProfile) p = osp_test_profile();

  p->exchange_mode = OSP_EXCH_MODE_MAIN;
  {
    g_autoptr(OspTestRig) r = osp_test_rig_new(p, NULL);

    g_free(r->gw->group_secret);
    r->gw->group_secret = g_strdup("another secret");
    g_assert_false(osp_test_rig_settle(r, 120 * G_USEC_PER_SEC));
    osp_test_rig_assert_closed(r, OSP_ERROR_BAD_GROUP_SECRET, "message 5");
    g_assert_cmpuint(r->gw->rejected, >=, 1);
    g_assert_false(r->gw->p1_done);
  }
  {
    g_autoptr(OspTestRig) r = osp_test_rig_new_edited(p, corrupt_mm6, NULL);

    g_assert_false(osp_test_rig_settle(r, 120 * G_USEC_PER_SEC));
    osp_test_rig_assert_closed(r, OSP_ERROR_BAD_GROUP_SECRET, "bad HASH_R");
  }
}

static void test_natt(gconstpointer data)
{
  const NattCase *nc = data;
  g_autoptr(OspTestRig) r = osp_test_rig_new(NULL, NULL);

  r->gw->natt = nc->natt;
  r->gw->nat = nc->nat;
  osp_test_rig_c2g(r);
  osp_test_rig_g2c(r);
  g_assert_cmpuint(r->n_natt_sent, ==, nc->nat ? 2 : 0); /* HASH_I, INITIAL-CONTACT */
  osp_test_rig_connect(r);
  g_assert_cmpint(r->last_child.udp_encap, ==, nc->nat);
  g_assert_cmpint(osp_session_natt_active(r->session), ==, nc->nat);
}

/* Over IPv6 the NAT-D hashes take the 16-byte addresses of both ends
 * (RFC 3947 3.2): with the gateway's hashes of our own IPv6 address and
 * port nothing floats; with another address of ours, the NAT it shows
 * moves IKE and ESP to 4500. */
static void test_natt_ipv6(gconstpointer data)
{
  const NattCase *nc = data;
  OspSessionParams params;
  g_autoptr(OspTestRig) r = NULL;

  osp_test_rig_default_params(&params);
  g_assert_true(osp_addr_parse("2001:db8:f::2", 500, &params.local));
  g_assert_true(osp_addr_parse("2001:db8:f::1", 500, &params.peer));
  r = osp_test_rig_new(NULL, &params);
  r->gw->natt = nc->natt;
  r->gw->nat = nc->nat;
  r->gw->natd_client = nc->nat ? "2001:db8:9::2" : "2001:db8:f::2";
  r->gw->natd_self = "2001:db8:f::1";
  osp_test_rig_c2g(r);
  osp_test_rig_g2c(r);
  g_assert_cmpuint(r->n_natt_sent, ==, nc->nat ? 2 : 0);
  osp_test_rig_connect(r);
  g_assert_cmpint(r->last_child.udp_encap, ==, nc->nat);
  g_assert_cmpint(osp_session_natt_active(r->session), ==, nc->nat);
}

int main(int argc, char **argv)
{
  static const int no_pfs = 0, pfs14 = 14;
  static const NattCase natt_rfc = { 2, true }, natt_draft = { 1, true }, no_nat = { 2, false };

  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/gateway/connect/step-by-step", test_step_by_step);
  g_test_add_func("/gateway/connect/keys-agree", test_keys_agree);
  g_test_add_func("/gateway/connect/am2-dropped", test_am2_dropped);
  g_test_add_func("/gateway/connect/gateway-duplicates", test_gateway_duplicates);
  g_test_add_func("/gateway/connect/xauth-reply-lost", test_xauth_reply_lost);
  g_test_add_func("/gateway/connect/cfg-push", test_cfg_push);
  g_test_add_func("/gateway/connect/reordered-am3", test_reordered_am3);
  g_test_add_func("/gateway/connect/replay-all", test_replay_all);
  g_test_add_data_func("/gateway/connect/main-mode-psk-ipv4", GINT_TO_POINTER(0),
                       test_main_mode_psk);
  g_test_add_data_func("/gateway/connect/main-mode-psk-fqdn", GINT_TO_POINTER(1),
                       test_main_mode_psk);
  g_test_add_func("/gateway/connect/main-mode-psk-wrong", test_main_mode_psk_wrong);
  g_test_add_func("/gateway/connect/plain-psk", test_plain_psk);
  g_test_add_data_func("/gateway/connect/natt-rfc3947", &natt_rfc, test_natt);
  g_test_add_data_func("/gateway/connect/natt-draft", &natt_draft, test_natt);
  g_test_add_data_func("/gateway/connect/natt-no-nat", &no_nat, test_natt);
  g_test_add_data_func("/gateway/connect/natt-ipv6-no-nat", &no_nat, test_natt_ipv6);
  g_test_add_data_func("/gateway/connect/natt-ipv6-nat", &natt_rfc, test_natt_ipv6);
  g_test_add_data_func("/gateway/connect/gateway-rekeys", &no_pfs, test_gateway_rekeys);
  g_test_add_data_func("/gateway/connect/gateway-rekeys-pfs", &pfs14, test_gateway_rekeys);
  g_test_add_func("/gateway/connect/dpd-answered", test_dpd_answered);
  return g_test_run();
}
