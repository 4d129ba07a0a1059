/* SPDX-License-Identifier: GPL-2.0-or-later
 * Hybrid authentication (IKE Authmode hybrid, .pcf AuthType 5) against the
 * scripted gateway: it signs message 2 with a certificate made here, the
 * session verifies it against the profile's CA-File, then XAUTH:
 *
 *   I --- SA(HybridInitRSA) KE Ni IDii CR VIDs ---> R
 *   I <--- SA KE Nr IDir CERT... SIG_R VIDs ------- R
 *   I --- HASH_I ---------------------------------> R
 *   ... XAUTH, Mode Config, quick mode as with a group secret.
 *
 * Each refusal (another CA, expired, another gateway's certificate, a bad
 * signature) closes the session with its own error; no group secret is
 * ever asked for. */
#include "osp-test-certs.h"
#include "osp-test-gateway.h"

#include "osp-error.h"
#include "osp-profile.h"

#include <glib/gstdio.h>

static OspTestPki pki;

static OspProfile *hybrid_profile(const char *ca_file)
{
  OspProfile *p = osp_test_profile();

  p->auth_mode = OSP_AUTH_HYBRID;
  p->ca_file = g_strdup(ca_file);
  osp_str_wipe_free(p->group_secret);
  p->group_secret = NULL; /* hybrid needs none: asking for it would hang */
  return p;
}

/* The gateway signs with pki.gw_key under a certificate for san issued by
 * issuer (NULL: the CA), valid from not_before to not_after (relative). */
static void gateway_cert(OspTestGw *gw, const char *san, X509 *issuer, EVP_PKEY *issuer_key,
                         long not_before, long not_after, bool with_issuer)
{
  const OspTestCertSpec spec = { "/C=XX/O=Osprey Lab/CN=gw.lab.example", san, false, not_before,
                                 not_after };
  X509 *x = osp_test_cert(&spec, pki.gw_key, issuer ? issuer : pki.ca,
                          issuer_key ? issuer_key : pki.ca_key);

  gw->sign_key = EVP_PKEY_dup(pki.gw_key);
  gw->certs = g_ptr_array_new_with_free_func((GDestroyNotify)g_bytes_unref);
  g_ptr_array_add(gw->certs, osp_test_cert_der(x));
  if (with_issuer)
    g_ptr_array_add(gw->certs, osp_test_cert_der(issuer));
  X509_free(x);
}

static bool has_payload(const GByteArray *b, uint8_t type)
{
  OspPayload pl[OSP_ISAKMP_MAX_PAYLOADS];
  OspIsakmpHdr h;
  size_t n = 0;

  g_assert_cmpint(osp_isakmp_hdr_parse(b->data, b->len, &h, NULL), ==, 0);
  g_assert_cmpint(osp_payloads_parse(h.next_payload, b->data + OSP_ISAKMP_HDR_LEN,
                                     b->len - OSP_ISAKMP_HDR_LEN, pl, G_N_ELEMENTS(pl), &n, NULL),
                  ==, 0);
  return osp_payload_find(pl, n, type) != NULL;
}

static void test_connect(void)
{
  g_autoptr(OspProfile) p = hybrid_profile(pki.ca_file);
  g_autoptr(OspTestRig) r = osp_test_rig_new(p, NULL);
  OspTestGw *gw = r->gw;

  gateway_cert(gw, "IP:192.0.2.1", NULL, NULL, -3600, 86400, false);
  /* message 1 offers hybrid only, and asks for the certificate */
  g_assert_true(has_payload(osp_test_rig_c2g(r), OSP_PL_CR));
  for (guint i = 0; i < gw->p1_offers->len; i++)
    g_assert_cmpint(g_array_index(gw->p1_offers, OspTestGwP1Offer, i).auth, ==,
                    AUTH_HYBRID_INIT_RSA);
  g_assert_true(has_payload(osp_test_rig_g2c(r), OSP_PL_SIG));
  osp_test_rig_connect(r);
  g_assert_cmpint(gw->p1_auth, ==, AUTH_HYBRID_INIT_RSA);
  g_assert_true(gw->p1_done);
  osp_test_rig_assert_auth(r, OSP_AUTH_HYBRID, true, "RSA", OSP_EXCH_MODE_AGGRESSIVE);
  g_assert_true(gw->xauth_done);
  g_assert_cmpstr(gw->xauth_user, ==, "alice");
  g_assert_cmpuint(gw->children->len, ==, 1);
  /* the user was asked for nothing (the group secret least of all) */
  g_assert_cmpuint(r->n_secrets_needed, ==, 0);
  g_assert_cmpuint(gw->rejected, ==, 0);
}

/* Hybrid in main mode (Exchange mode main): we send IDii and HASH_I in
 * message 5, the gateway its certificate and SIG_R in message 6:
 *   I --- SA(HybridInitRSA) VIDs --> R      I <--- SA VIDs --------------- R
 *   I --- KE Ni CR --------------->  R      I <--- KE Nr ----------------- R
 *   I --- HDR* IDii HASH_I -------> R      I <--- HDR* IDir CERT SIG_R --- R
 * and a certificate of another CA is refused there as in aggressive mode. */
static void test_main_mode_hybrid(void)
{
  g_autoptr(OspProfile) p = hybrid_profile(pki.ca_file);
  OspIsakmpHdr h;

  p->exchange_mode = OSP_EXCH_MODE_MAIN;
  {
    g_autoptr(OspTestRig) r = osp_test_rig_new(p, NULL);

    gateway_cert(r->gw, "IP:192.0.2.1", pki.inter, pki.inter_key, -3600, 86400, true);
    {
      const GByteArray *b = g_queue_peek_head(&r->to_gw);

      g_assert_cmpint(osp_isakmp_hdr_parse(b->data, b->len, &h, NULL), ==, 0);
    }
    g_assert_cmpint(h.exchange, ==, OSP_EXCH_MAIN);
    osp_test_rig_connect(r);
    g_assert_cmpint(r->gw->p1_auth, ==, AUTH_HYBRID_INIT_RSA);
    g_assert_cmpuint(r->gw->client_certs, ==, 0);
    osp_test_rig_assert_auth(r, OSP_AUTH_HYBRID, true, "RSA", OSP_EXCH_MODE_MAIN);
    g_assert_true(r->gw->xauth_done);
    g_assert_cmpuint(r->gw->children->len, ==, 1);
    g_assert_cmpuint(r->n_secrets_needed, ==, 0);
    g_assert_cmpuint(r->gw->rejected, ==, 0);
  }
  {
    g_autoptr(OspTestRig) r = osp_test_rig_new(p, NULL);
    EVP_PKEY *k = osp_test_key(false);
    const OspTestCertSpec spec = { "/C=XX/O=Elsewhere/CN=Unrelated CA", NULL, true, -3600, 86400 };
    X509 *other = osp_test_cert(&spec, k, NULL, NULL);

    gateway_cert(r->gw, "IP:192.0.2.1", other, k, -3600, 86400, false);
    g_assert_false(osp_test_rig_settle(r, 60 * G_USEC_PER_SEC));
    osp_test_rig_assert_closed(r, OSP_ERROR_CERT_UNTRUSTED, NULL);
    X509_free(other);
    EVP_PKEY_free(k);
  }
}

/* CRL-File: the gateway's certificate revoked by its CA fails with its
 * own reason; one the CRL does not list connects; a CRL-File that holds
 * no CRL is a configuration error before anything is sent. */
static void test_revoked(void)
{
  g_autoptr(OspProfile) p = hybrid_profile(pki.ca_file);
  const OspTestCertSpec spec = { "/C=XX/O=Osprey Lab/CN=gw.lab.example", "IP:192.0.2.1", false,
                                 -3600, 86400 };
  X509 *x = osp_test_cert(&spec, pki.gw_key, pki.ca, pki.ca_key);

  p->crl_file = g_build_filename(pki.dir, "gw.crl", NULL);
  for (size_t listed = 0; listed <= 1; listed++) {
    g_autoptr(OspTestRig) r = NULL;

    osp_test_write_crl(p->crl_file, pki.ca, pki.ca_key, &x, listed, 86400);
    r = osp_test_rig_new(p, NULL);
    r->gw->sign_key = EVP_PKEY_dup(pki.gw_key);
    r->gw->certs = g_ptr_array_new_with_free_func((GDestroyNotify)g_bytes_unref);
    g_ptr_array_add(r->gw->certs, osp_test_cert_der(x));
    if (!listed) {
      osp_test_rig_connect(r);
      continue;
    }
    g_assert_false(osp_test_rig_settle(r, 60 * G_USEC_PER_SEC));
    osp_test_rig_assert_closed(r, OSP_ERROR_CERT_REVOKED, "revoked");
  }
  osp_test_write_pem(p->crl_file, &pki.ca, 1);
  {
    g_autoptr(OspTestRig) r = osp_test_rig_new(p, NULL);

    g_assert_true(g_queue_is_empty(&r->to_gw));
    osp_test_rig_assert_closed(r, OSP_ERROR_CONFIG, "CRL-File");
  }
  X509_free(x);
  g_remove(p->crl_file);
}

/* The end entity and its intermediate, in the gateway's CERT payloads. */
static void test_intermediate(void)
{
  g_autoptr(OspProfile) p = hybrid_profile(pki.ca_file);
  g_autoptr(OspTestRig) r = osp_test_rig_new(p, NULL);

  gateway_cert(r->gw, "IP:192.0.2.1", pki.inter, pki.inter_key, -3600, 86400, true);
  osp_test_rig_connect(r);
}

/* What Debian's vpnc accepts: a certificate from another CA.  With the
 * automatic DH group, the refusal is not taken for silence (which tries
 * the next group, here refused: the error would be no-proposal). */
static void test_untrusted(void)
{
  g_autoptr(OspProfile) p = hybrid_profile(pki.ca_file);
  g_autoptr(OspTestRig) r = NULL;
  const OspTestCertSpec other = { "/C=XX/O=Elsewhere/CN=Other CA", NULL, true, -3600, 86400 };
  EVP_PKEY *k = osp_test_key(false);
  X509 *other_ca = osp_test_cert(&other, k, NULL, NULL);

  p->dh_group = OSP_DH_AUTO;
  r = osp_test_rig_new(p, NULL);
  r->gw->p1_groups[0] = 14;
  gateway_cert(r->gw, "IP:192.0.2.1", other_ca, k, -3600, 86400, true);
  osp_test_rig_assert_fails(r, 60 * G_USEC_PER_SEC, OSP_ERROR_CERT_UNTRUSTED, "CA-File");
  g_assert_false(r->gw->p1_done);
  X509_free(other_ca);
  EVP_PKEY_free(k);
}

/* The gateway with a certificate of the CA for san, valid from not_before
 * to not_after (relative), its messages passing through edit (may be
 * NULL): the session of profile p closes with code, its message containing
 * part.  Returns the rig for more checks. */
static OspTestRig *refused_by(const OspProfile *p, OspTestGwEdit edit, const char *san,
                              long not_before, long not_after, int code, const char *part)
{
  OspTestRig *r = osp_test_rig_new_edited(p, edit, NULL);

  gateway_cert(r->gw, san, NULL, NULL, not_before, not_after, false);
  osp_test_rig_assert_fails(r, 60 * G_USEC_PER_SEC, code, part);
  return r;
}

/* refused_by() in hybrid mode, before phase 1 is done. */
static void refused(OspTestGwEdit edit, const char *san, long not_before, long not_after, int code,
                    const char *part)
{
  g_autoptr(OspProfile) p = hybrid_profile(pki.ca_file);
  g_autoptr(OspTestRig) r = refused_by(p, edit, san, not_before, not_after, code, part);

  g_assert_false(r->gw->p1_done);
}

static void test_expired(void)
{
  refused(NULL, "IP:192.0.2.1", -7200, -60, OSP_ERROR_CERT_EXPIRED, "expired");
  refused(NULL, "IP:192.0.2.1", 3600, 7200, OSP_ERROR_CERT_EXPIRED, "not yet valid");
}

/* A valid certificate of the CA, for another gateway. */
static void test_wrong_identity(void)
{
  refused(NULL, "DNS:other.lab.example,IP:192.0.2.99", -3600, 86400, OSP_ERROR_CERT_WRONG_IDENTITY,
          "192.0.2.1");
}

static void corrupt_sig(OspTestGw *gw, OspTestGwMsg *m, gpointer user)
{
  if (m->step == OSP_TEST_GW_AM2 || m->step == OSP_TEST_GW_MM6)
    m->corrupt_hash = true;
}

/* The right certificate, but SIG_R signs another HASH_R (a replayed
 * certificate without its key). */
static void test_bad_signature(void)
{
  refused(corrupt_sig, "IP:192.0.2.1", -3600, 86400, OSP_ERROR_CERT_BAD_SIGNATURE, "SIG_R");
}

static void drop_certs(OspTestGw *gw, OspTestGwMsg *m, gpointer user)
{
  for (guint i = m->payloads->len; i-- > 0;)
    if (((OspTestGwPayload *)m->payloads->pdata[i])->type == OSP_PL_CERT)
      g_ptr_array_remove_index(m->payloads, i);
}

static void test_no_certificate(void)
{
  refused(drop_certs, "IP:192.0.2.1", -3600, 86400, OSP_ERROR_PROTOCOL, "no X.509 certificate");
}

/* No CA to verify with: a configuration error before anything is sent. */
static void test_no_ca(void)
{
  g_autofree char *missing = g_build_filename(pki.dir, "missing.pem", NULL);
  g_autoptr(OspProfile) p = hybrid_profile(missing);
  g_autoptr(OspProfile) q = hybrid_profile(NULL);
  g_autoptr(OspTestRig) r = osp_test_rig_new(p, NULL);
  g_autoptr(OspTestRig) s = osp_test_rig_new(q, NULL);

  g_assert_true(g_queue_is_empty(&r->to_gw));
  osp_test_rig_assert_closed(r, OSP_ERROR_CONFIG, "missing.pem");
  osp_test_rig_assert_closed(s, OSP_ERROR_CONFIG, "CA-File");
}

/* The gateway names itself by its certificate's subject (strongSwan's
 * default), not by its address. */
static void id_is_dn(OspTestGw *gw, OspTestGwMsg *m, gpointer user)
{
  OspTestGwPayload *id = osp_test_gw_msg_find(m, OSP_PL_ID);
  X509_NAME *name = user;
  unsigned char *der = NULL;
  int len;

  if (m->step != OSP_TEST_GW_AM2 || !id)
    return;
  len = i2d_X509_NAME(name, &der);
  g_assert_cmpint(len, >, 0);
  g_byte_array_set_size(id->body, 0);
  osp_put_id(id->body, OSP_ID_DER_ASN1_DN, 17, 500, der, (size_t)len);
  OPENSSL_free(der);
}

/* Reached by address, the gateway's certificate names only its host name
 * (or is known by its DN): Gateway ID says which identity to expect. */
static void test_gateway_id(void)
{
  static const char *const ids[] = { "gw.lab.example", "C=XX, O=Osprey Lab, CN=gw.lab.example" };
  X509_NAME *name = X509_NAME_new();

  X509_NAME_add_entry_by_txt(name, "C", MBSTRING_UTF8, (const unsigned char *)"XX", -1, -1, 0);
  X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8, (const unsigned char *)"Osprey Lab", -1, -1,
                             0);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, (const unsigned char *)"gw.lab.example", -1,
                             -1, 0);

  for (size_t i = 0; i < G_N_ELEMENTS(ids); i++) {
    g_autoptr(OspProfile) p = hybrid_profile(pki.ca_file);
    g_autoptr(OspTestRig) r = NULL;

    p->gateway_id = g_strdup(ids[i]);
    r = osp_test_rig_new_edited(p, id_is_dn, name);
    gateway_cert(r->gw, "DNS:gw.lab.example", NULL, NULL, -3600, 86400, false);
    osp_test_rig_connect(r);
  }
  {
    g_autoptr(OspProfile) p = hybrid_profile(pki.ca_file);

    p->gateway_id = g_strdup("vpn.elsewhere.example");
    osp_test_rig_free(refused_by(p, NULL, "DNS:gw.lab.example,IP:192.0.2.1", -3600, 86400,
                                 OSP_ERROR_CERT_WRONG_IDENTITY, "vpn.elsewhere.example"));
  }
  /* without it, the address: not in this certificate */
  refused(NULL, "DNS:gw.lab.example", -3600, 86400, OSP_ERROR_CERT_WRONG_IDENTITY, "192.0.2.1");
  X509_NAME_free(name);
}

/* Main mode, certificates on both sides (IKE Authmode cert): ours from
 * files made here, the gateway checks SIG_I with our CERT, we check its. */
static OspProfile *cert_profile(const char *dir)
{
  OspProfile *p = hybrid_profile(pki.ca_file);
  const OspTestCertSpec spec = { "/C=XX/O=Osprey Lab/CN=alice", NULL, false, -3600, 86400 };
  EVP_PKEY *k = osp_test_key(true);
  X509 *x = osp_test_cert(&spec, k, pki.ca, pki.ca_key);

  p->auth_mode = OSP_AUTH_CERT;
  p->client_cert = g_build_filename(dir, "alice.pem", NULL);
  p->client_key = g_build_filename(dir, "alice.key", NULL);
  osp_test_write_pem(p->client_cert, &x, 1);
  osp_test_write_key(p->client_key, k);
  X509_free(x);
  EVP_PKEY_free(k);
  return p;
}

static void cert_files_remove(const OspProfile *p)
{
  g_remove(p->client_cert);
  g_remove(p->client_key);
}

static void test_main_mode(void)
{
  g_autoptr(OspProfile) p = cert_profile(pki.dir);
  g_autoptr(OspTestRig) r = osp_test_rig_new(p, NULL);
  OspIsakmpHdr h;

  gateway_cert(r->gw, "IP:192.0.2.1", NULL, NULL, -3600, 86400, false);
  {
    const GByteArray *b = osp_test_rig_c2g(r);

    g_assert_cmpint(osp_isakmp_hdr_parse(b->data, b->len, &h, NULL), ==, 0);
  }
  g_assert_cmpint(h.exchange, ==, OSP_EXCH_MAIN);
  osp_test_rig_connect(r);
  g_assert_cmpint(r->gw->p1_auth, ==, AUTH_XAUTH_INIT_RSA);
  g_assert_true(r->gw->client_sig_ok);
  osp_test_rig_assert_auth(r, OSP_AUTH_CERT, true, "RSA", OSP_EXCH_MODE_MAIN);
  g_assert_cmpuint(r->gw->client_certs, ==, 1);
  g_assert_true(r->gw->xauth_done);
  g_assert_cmpuint(r->gw->children->len, ==, 1);
  g_assert_cmpuint(r->n_secrets_needed, ==, 0);
  cert_files_remove(p);
}

static void test_main_mode_refusals(void)
{
  g_autoptr(OspProfile) p = cert_profile(pki.dir);

  osp_test_rig_free(refused_by(p, corrupt_sig, "IP:192.0.2.1", -3600, 86400,
                               OSP_ERROR_CERT_BAD_SIGNATURE, "SIG_R"));
  osp_test_rig_free(
      refused_by(p, NULL, "IP:192.0.2.1", -7200, -60, OSP_ERROR_CERT_EXPIRED, "expired"));
  /* another key than the certificate's: refused before anything is sent */
  {
    g_autoptr(OspTestRig) r = NULL;
    EVP_PKEY *k = osp_test_key(true);

    osp_test_write_key(p->client_key, k);
    EVP_PKEY_free(k);
    r = osp_test_rig_new(p, NULL);
    g_assert_true(g_queue_is_empty(&r->to_gw));
    osp_test_rig_assert_closed(r, OSP_ERROR_CONFIG, "not the key of the certificate");
  }
  cert_files_remove(p);
}

/* Our key and certificate in a PKCS#12 file with a passphrase (and the
 * intermediate that issued ours): asked for before anything is sent; a
 * wrong one fails on its own reason, the right one connects. */
static OspProfile *p12_profile(const char *dir, const char *pass)
{
  OspProfile *p = hybrid_profile(pki.ca_file);
  const OspTestCertSpec spec = { "/C=XX/O=Osprey Lab/CN=alice", NULL, false, -3600, 86400 };
  EVP_PKEY *k = osp_test_key(true);
  X509 *x = osp_test_cert(&spec, k, pki.inter, pki.inter_key);

  p->auth_mode = OSP_AUTH_CERT;
  p->client_cert = g_build_filename(dir, "alice.p12", NULL);
  osp_test_write_p12(p->client_cert, pass, k, x, &pki.inter, 1);
  X509_free(x);
  EVP_PKEY_free(k);
  return p;
}

static void answer_passphrase(OspTestRig *r, const char *pass)
{
  const char *values[OSP_SECRET_N_KINDS] = { NULL };

  values[OSP_SECRET_KEY_PASSPHRASE] = pass;
  osp_session_provide_secrets(r->session, r->last_request.id, values, r->now);
}

static OspTestRig *asked_passphrase(const OspProfile *p)
{
  OspTestRig *r = osp_test_rig_new(p, NULL);

  g_assert_cmpuint(r->n_secrets_needed, ==, 1);
  g_assert_cmpuint(r->last_request.n_kinds, ==, 1);
  g_assert_cmpint(r->last_request.kinds[0], ==, OSP_SECRET_KEY_PASSPHRASE);
  g_assert_false(r->last_request.retry);
  g_assert_true(g_queue_is_empty(&r->to_gw));
  return r;
}

static void test_main_mode_p12(void)
{
  g_autoptr(OspProfile) p = p12_profile(pki.dir, "alice's pass");

  {
    g_autoptr(OspTestRig) r = asked_passphrase(p);

    answer_passphrase(r, "alice's pas");
    g_assert_true(g_queue_is_empty(&r->to_gw));
    osp_test_rig_assert_closed(r, OSP_ERROR_BAD_KEY_PASSPHRASE, "wrong passphrase");
  }
  {
    g_autoptr(OspTestRig) r = asked_passphrase(p);

    answer_passphrase(r, NULL);
    g_assert_true(g_queue_is_empty(&r->to_gw));
    osp_test_rig_assert_closed(r, OSP_ERROR_SECRETS_REQUIRED, "passphrase");
  }
  {
    g_autoptr(OspTestRig) r = asked_passphrase(p);

    answer_passphrase(r, "alice's pass");
    gateway_cert(r->gw, "IP:192.0.2.1", NULL, NULL, -3600, 86400, false);
    osp_test_rig_connect(r);
    g_assert_true(r->gw->client_sig_ok);
    g_assert_cmpuint(r->gw->client_certs, ==, 2); /* ours and the intermediate */
    g_assert_true(r->gw->xauth_done);
    g_assert_cmpuint(r->n_secrets_needed, ==, 1);
  }
  /* one given with the profile is not asked for; a wrong one fails */
  p->client_key_passphrase = g_strdup("saved, but old");
  {
    g_autoptr(OspTestRig) r = osp_test_rig_new(p, NULL);

    g_assert_cmpuint(r->n_secrets_needed, ==, 0);
    g_assert_true(g_queue_is_empty(&r->to_gw));
    osp_test_rig_assert_closed(r, OSP_ERROR_BAD_KEY_PASSPHRASE, "wrong passphrase");
  }
  g_remove(p->client_cert);
  /* exported without a password: the empty one opens it unasked */
  {
    g_autoptr(OspProfile) open = p12_profile(pki.dir, "");
    g_autoptr(OspTestRig) r = osp_test_rig_new(open, NULL);

    g_assert_cmpuint(r->n_secrets_needed, ==, 0);
    gateway_cert(r->gw, "IP:192.0.2.1", NULL, NULL, -3600, 86400, false);
    osp_test_rig_connect(r);
    g_remove(open->client_cert);
  }
}

/* Certificates on both sides without ours set: a configuration error
 * before anything is sent. */
static void test_cert_without_ours(void)
{
  g_autoptr(OspProfile) p = hybrid_profile(pki.ca_file);
  g_autoptr(OspTestRig) r = NULL;

  p->auth_mode = OSP_AUTH_CERT;
  r = osp_test_rig_new(p, NULL);
  g_assert_true(g_queue_is_empty(&r->to_gw));
  osp_test_rig_assert_closed(r, OSP_ERROR_CONFIG, "Client certificate");
}

int main(int argc, char **argv)
{
  int ret;

  g_test_init(&argc, &argv, NULL);
  osp_test_pki_init(&pki);
  g_test_add_func("/gateway-hybrid/connect", test_connect);
  g_test_add_func("/gateway-hybrid/intermediate", test_intermediate);
  g_test_add_func("/gateway-hybrid/untrusted", test_untrusted);
  g_test_add_func("/gateway-hybrid/expired", test_expired);
  g_test_add_func("/gateway-hybrid/wrong-identity", test_wrong_identity);
  g_test_add_func("/gateway-hybrid/bad-signature", test_bad_signature);
  g_test_add_func("/gateway-hybrid/no-certificate", test_no_certificate);
  g_test_add_func("/gateway-hybrid/no-ca", test_no_ca);
  g_test_add_func("/gateway-hybrid/cert-without-ours", test_cert_without_ours);
  g_test_add_func("/gateway-hybrid/gateway-id", test_gateway_id);
  g_test_add_func("/gateway-hybrid/main-mode", test_main_mode);
  g_test_add_func("/gateway-hybrid/main-mode-refusals", test_main_mode_refusals);
  g_test_add_func("/gateway-hybrid/main-mode-p12", test_main_mode_p12);
  g_test_add_func("/gateway-hybrid/main-mode-hybrid", test_main_mode_hybrid);
  g_test_add_func("/gateway-hybrid/revoked", test_revoked);
  ret = g_test_run();
  osp_test_pki_clear(&pki);
  return ret;
}
