/* SPDX-License-Identifier: GPL-2.0-or-later
 * Unit tests for client/osp-cert.h: a gateway certificate verified against
 * a CA made here, with the failures a user must be told apart (another CA,
 * expired, another name, a forged signature), chains with an intermediate
 * in either order, and the RSA signature of IKEv1 over a bare hash. */
#include "osp-cert.h"
#include "osp-isakmp.h"
#include "osp-test-certs.h"

#include <arpa/inet.h>
#include <glib/gstdio.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#define GW_SUBJECT "/C=XX/O=Osprey Lab/CN=gw.lab.example"

/* pki: the CA, the intermediate, the gateway's key; fx: the certificates of
 * each case */
typedef struct {
  char *other_ca_file;
  EVP_PKEY *other_key;
  X509 *other_ca, *gw, *gw_inter, *gw_expired, *gw_future, *gw_other, *gw_forged;
} Fixture;

static OspTestPki pki;
static Fixture fx;

static const OspTestCertSpec gw_spec = { GW_SUBJECT, "DNS:gw.lab.example,IP:192.0.2.1", false,
                                         -3600, 86400 };

static void fixture_init(void)
{
  const OspTestCertSpec other_spec = { "/C=XX/O=Elsewhere/CN=Unrelated CA", NULL, true, -3600,
                                       86400 };
  const OspTestCertSpec expired = { GW_SUBJECT, "DNS:gw.lab.example", false, -7200, -3600 };
  const OspTestCertSpec future = { GW_SUBJECT, "DNS:gw.lab.example", false, 3600, 7200 };
  /* the same name as ca, another key: what a forger without the CA's key
   * makes */
  EVP_PKEY *forger = osp_test_key(false);
  X509 *fake_ca = osp_test_cert(&osp_test_ca_spec, forger, NULL, NULL);

  osp_test_pki_init(&pki);
  fx.other_key = osp_test_key(false);
  fx.other_ca = osp_test_cert(&other_spec, fx.other_key, NULL, NULL);
  fx.gw = osp_test_cert(&gw_spec, pki.gw_key, pki.ca, pki.ca_key);
  fx.gw_inter = osp_test_cert(&gw_spec, pki.gw_key, pki.inter, pki.inter_key);
  fx.gw_expired = osp_test_cert(&expired, pki.gw_key, pki.ca, pki.ca_key);
  fx.gw_future = osp_test_cert(&future, pki.gw_key, pki.ca, pki.ca_key);
  fx.gw_other = osp_test_cert(&gw_spec, pki.gw_key, fx.other_ca, fx.other_key);
  fx.gw_forged = osp_test_cert(&gw_spec, pki.gw_key, fake_ca, forger);
  fx.other_ca_file = g_build_filename(pki.dir, "other-ca.pem", NULL);
  osp_test_write_pem(fx.other_ca_file, &fx.other_ca, 1);
  X509_free(fake_ca);
  EVP_PKEY_free(forger);
}

static void fixture_clear(void)
{
  X509 *certs[] = { fx.other_ca,  fx.gw,       fx.gw_inter, fx.gw_expired,
                    fx.gw_future, fx.gw_other, fx.gw_forged };

  for (size_t i = 0; i < G_N_ELEMENTS(certs); i++)
    X509_free(certs[i]);
  EVP_PKEY_free(fx.other_key);
  g_remove(fx.other_ca_file);
  g_free(fx.other_ca_file);
  osp_test_pki_clear(&pki);
}

static OspCertStore *store(const char *file)
{
  OspCertStore *st = NULL;
  g_autofree char *detail = NULL;

  g_assert_cmpstr(osp_cert_result_name(osp_cert_store_new(file, NULL, false, &st, &detail)), ==,
                  "ok");
  return st;
}

/* A chain as the CERT payloads carry it: encoding 4, then the DER. */
static OspCertChain *chain_of(X509 *const *certs, size_t n)
{
  OspCertChain *c = osp_cert_chain_new();

  for (size_t i = 0; i < n; i++) {
    g_autoptr(GBytes) der = osp_test_cert_der(certs[i]);
    g_autoptr(GByteArray) body = g_byte_array_new();
    const uint8_t enc = OSP_CERT_ENCODING_X509_SIG;
    const char *why = NULL;
    gsize len;
    const uint8_t *p = g_bytes_get_data(der, &len);

    g_byte_array_append(body, &enc, 1);
    g_byte_array_append(body, p, (guint)len);
    g_assert_cmpint(osp_cert_chain_add_payload(c, body->data, body->len, &why), ==, OSP_CERT_OK);
  }
  return c;
}

static const char *verify(const char *ca_file, X509 *const *certs, size_t n,
                          const OspCertIdentity *id)
{
  g_autoptr(OspCertStore) st = store(ca_file);
  g_autoptr(OspCertChain) c = chain_of(certs, n);
  g_autofree char *detail = NULL;
  OspCertResult r = osp_cert_verify(st, c, id, 0, &detail);

  if (g_test_verbose() && detail)
    g_test_message("%s: %s", osp_cert_result_name(r), detail);
  g_assert_true((r == OSP_CERT_OK) == (detail == NULL));
  return osp_cert_result_name(r);
}

static void test_good(void)
{
  const OspCertIdentity by_name = { "gw.lab.example", 0, NULL, 0 };
  const OspCertIdentity by_addr = { "192.0.2.1", 0, NULL, 0 };

  g_assert_cmpstr(verify(pki.ca_file, &fx.gw, 1, &by_name), ==, "ok");
  g_assert_cmpstr(verify(pki.ca_file, &fx.gw, 1, &by_addr), ==, "ok");
  g_assert_cmpstr(verify(pki.ca_file, &fx.gw, 1, NULL), ==, "ok");
}

/* Debian's vpnc accepts a gateway certificate of any CA in hybrid mode:
 * here the profile's CA did not issue it, and it is refused; so is a
 * self-signed gateway certificate. */
static void test_unrelated_ca(void)
{
  const OspCertIdentity id = { "gw.lab.example", 0, NULL, 0 };

  g_assert_cmpstr(verify(pki.ca_file, &fx.gw_other, 1, &id), ==, "untrusted");
  g_assert_cmpstr(verify(fx.other_ca_file, &fx.gw, 1, &id), ==, "untrusted");
  /* the CA in the payloads does not make it trusted */
  {
    X509 *both[] = { fx.gw_other, fx.other_ca };

    g_assert_cmpstr(verify(pki.ca_file, both, 2, &id), ==, "untrusted");
  }
  {
    EVP_PKEY *k = osp_test_key(false);
    X509 *self = osp_test_cert(&gw_spec, k, NULL, NULL);

    g_assert_cmpstr(verify(pki.ca_file, &self, 1, &id), ==, "untrusted");
    X509_free(self);
    EVP_PKEY_free(k);
  }
}

static void test_expired(void)
{
  const OspCertIdentity id = { "gw.lab.example", 0, NULL, 0 };
  g_autoptr(OspCertStore) st = store(pki.ca_file);

  g_assert_cmpstr(verify(pki.ca_file, &fx.gw_expired, 1, &id), ==, "expired");
  g_assert_cmpstr(verify(pki.ca_file, &fx.gw_future, 1, &id), ==, "expired");
  /* the time checked is the one given: a valid certificate, two days on */
  {
    g_autoptr(OspCertChain) c = chain_of(&fx.gw, 1);
    g_autofree char *detail = NULL;

    g_assert_cmpint(osp_cert_verify(st, c, &id, time(NULL) + 2 * 86400, &detail), ==,
                    OSP_CERT_EXPIRED);
    g_assert_nonnull(strstr(detail, "expired"));
  }
}

static void test_wrong_name(void)
{
  const OspCertIdentity other = { "vpn.elsewhere.example", 0, NULL, 0 };
  const OspCertIdentity other_addr = { "192.0.2.9", 0, NULL, 0 };
  /* a wildcard is not a partial match, the subject's CN is no address */
  const OspCertIdentity suffix = { "lab.example", 0, NULL, 0 };
  const uint8_t fqdn[] = "other.lab.example";
  const OspCertIdentity id_fqdn = { NULL, OSP_ID_FQDN, fqdn, sizeof(fqdn) - 1 };
  const uint8_t good_fqdn[] = "gw.lab.example";
  const OspCertIdentity id_good = { "gw.lab.example", OSP_ID_FQDN, good_fqdn,
                                    sizeof(good_fqdn) - 1 };
  const uint8_t addr[4] = { 192, 0, 2, 1 }, bad_addr[4] = { 192, 0, 2, 7 };
  const OspCertIdentity id_addr = { NULL, OSP_ID_IPV4_ADDR, addr, 4 };
  const OspCertIdentity id_bad_addr = { NULL, OSP_ID_IPV4_ADDR, bad_addr, 4 };
  const OspCertIdentity id_key = { NULL, OSP_ID_KEY_ID, addr, 4 };

  g_assert_cmpstr(verify(pki.ca_file, &fx.gw, 1, &other), ==, "wrong-identity");
  g_assert_cmpstr(verify(pki.ca_file, &fx.gw, 1, &other_addr), ==, "wrong-identity");
  g_assert_cmpstr(verify(pki.ca_file, &fx.gw, 1, &suffix), ==, "wrong-identity");
  g_assert_cmpstr(verify(pki.ca_file, &fx.gw, 1, &id_fqdn), ==, "wrong-identity");
  g_assert_cmpstr(verify(pki.ca_file, &fx.gw, 1, &id_good), ==, "ok");
  g_assert_cmpstr(verify(pki.ca_file, &fx.gw, 1, &id_addr), ==, "ok");
  g_assert_cmpstr(verify(pki.ca_file, &fx.gw, 1, &id_bad_addr), ==, "wrong-identity");
  g_assert_cmpstr(verify(pki.ca_file, &fx.gw, 1, &id_key), ==, "wrong-identity");
}

/* A configured DN, written either way, and the ID payload's DER DN. */
static void test_dn(void)
{
  const OspCertIdentity slash = { GW_SUBJECT, 0, NULL, 0 };
  const OspCertIdentity commas = { "C=XX, O=Osprey Lab, CN=gw.lab.example", 0, NULL, 0 };
  const OspCertIdentity rfc4514 = { "CN=gw.lab.example,O=Osprey Lab,C=XX", 0, NULL, 0 };
  const OspCertIdentity other = { "C=XX, O=Osprey Lab, CN=gw2.lab.example", 0, NULL, 0 };
  const OspCertIdentity shorter = { "C=XX, O=Osprey Lab", 0, NULL, 0 };
  unsigned char *der = NULL, *ca_der = NULL;
  int len = i2d_X509_NAME(X509_get_subject_name(fx.gw), &der);
  int ca_len = i2d_X509_NAME(X509_get_subject_name(pki.ca), &ca_der);
  const OspCertIdentity id_dn = { NULL, OSP_ID_DER_ASN1_DN, der, (size_t)len };
  const OspCertIdentity id_ca_dn = { NULL, OSP_ID_DER_ASN1_DN, ca_der, (size_t)ca_len };
  const OspCertIdentity id_junk = { NULL, OSP_ID_DER_ASN1_DN, der, (size_t)len - 3 };

  g_assert_cmpstr(verify(pki.ca_file, &fx.gw, 1, &slash), ==, "ok");
  g_assert_cmpstr(verify(pki.ca_file, &fx.gw, 1, &commas), ==, "ok");
  g_assert_cmpstr(verify(pki.ca_file, &fx.gw, 1, &rfc4514), ==, "ok");
  g_assert_cmpstr(verify(pki.ca_file, &fx.gw, 1, &other), ==, "wrong-identity");
  g_assert_cmpstr(verify(pki.ca_file, &fx.gw, 1, &shorter), ==, "wrong-identity");
  g_assert_cmpstr(verify(pki.ca_file, &fx.gw, 1, &id_dn), ==, "ok");
  g_assert_cmpstr(verify(pki.ca_file, &fx.gw, 1, &id_ca_dn), ==, "wrong-identity");
  g_assert_cmpstr(verify(pki.ca_file, &fx.gw, 1, &id_junk), ==, "wrong-identity");
  {
    g_autoptr(OspCertStore) st = store(pki.ca_file);
    g_autoptr(OspCertChain) c = chain_of(&fx.gw, 1);
    g_autoptr(GBytes) subject = NULL;

    g_assert_null(osp_cert_subject_der(c));
    g_assert_cmpint(osp_cert_verify(st, c, NULL, 0, NULL), ==, OSP_CERT_OK);
    subject = osp_cert_subject_der(c);
    g_assert_cmpmem(g_bytes_get_data(subject, NULL), g_bytes_get_size(subject), der, len);
  }
  OPENSSL_free(der);
  OPENSSL_free(ca_der);
}

/* An intermediate from the other CERT payloads, before or after the end
 * entity; without it there is no chain. */
static void test_intermediate(void)
{
  const OspCertIdentity id = { "gw.lab.example", 0, NULL, 0 };
  X509 *leaf_first[] = { fx.gw_inter, pki.inter };
  X509 *inter_first[] = { pki.inter, fx.gw_inter };

  g_assert_cmpstr(verify(pki.ca_file, leaf_first, 2, &id), ==, "ok");
  g_assert_cmpstr(verify(pki.ca_file, inter_first, 2, &id), ==, "ok");
  g_assert_cmpstr(verify(pki.ca_file, &fx.gw_inter, 1, &id), ==, "untrusted");
  /* the identity is the end entity's, not the intermediate's */
  {
    const OspCertIdentity inter_name = { "/C=XX/O=Osprey Lab/CN=Osprey Lab Intermediate", 0, NULL,
                                         0 };

    g_assert_cmpstr(verify(pki.ca_file, inter_first, 2, &inter_name), ==, "wrong-identity");
  }
}

/* Under the CA's name, signed with another key. */
static void test_forged(void)
{
  const OspCertIdentity id = { "gw.lab.example", 0, NULL, 0 };

  g_assert_cmpstr(verify(pki.ca_file, &fx.gw_forged, 1, &id), ==, "bad-signature");
}

/* RFC 2409 5.1: SIG_R is the RSA signature (PKCS#1 type 1) of HASH_R
 * itself, no DigestInfo. */
static void test_signature(void)
{
  g_autoptr(OspCertStore) st = store(pki.ca_file);
  g_autoptr(OspCertChain) c = chain_of(&fx.gw, 1);
  uint8_t hash[32], sig[256];
  size_t sig_len = sizeof(sig);
  EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new(pki.gw_key, NULL);

  for (size_t i = 0; i < sizeof(hash); i++)
    hash[i] = (uint8_t)(i * 7);
  g_assert_cmpint(EVP_PKEY_sign_init(ctx), ==, 1);
  g_assert_cmpint(EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING), ==, 1);
  g_assert_cmpint(EVP_PKEY_sign(ctx, sig, &sig_len, hash, sizeof(hash)), ==, 1);
  EVP_PKEY_CTX_free(ctx);
  /* no end entity chosen yet: nothing to check against */
  g_assert_cmpint(osp_cert_check_sig(c, hash, sizeof(hash), sig, sig_len), ==,
                  OSP_CERT_BAD_SIGNATURE);
  g_assert_cmpint(osp_cert_verify(st, c, NULL, 0, NULL), ==, OSP_CERT_OK);
  g_assert_cmpint(osp_cert_check_sig(c, hash, sizeof(hash), sig, sig_len), ==, OSP_CERT_OK);
  g_assert_cmpint(osp_cert_check_sig(c, hash, 20, sig, sig_len), ==, OSP_CERT_BAD_SIGNATURE);
  g_assert_cmpint(osp_cert_check_sig(c, hash, sizeof(hash), sig, sig_len - 1), ==,
                  OSP_CERT_BAD_SIGNATURE);
  sig[sig_len / 2] ^= 1;
  g_assert_cmpint(osp_cert_check_sig(c, hash, sizeof(hash), sig, sig_len), ==,
                  OSP_CERT_BAD_SIGNATURE);
}

static void test_malformed(void)
{
  g_autoptr(OspCertChain) c = osp_cert_chain_new();
  g_autoptr(GBytes) der = osp_test_cert_der(fx.gw);
  g_autoptr(OspCertStore) st = store(pki.ca_file);
  g_autofree char *detail = NULL;
  const uint8_t junk[] = { OSP_CERT_ENCODING_X509_SIG, 0x30, 0x82, 0x01 };
  const uint8_t pgp[] = { 2, 1, 2, 3 };
  const char *why = NULL;
  gsize len;
  const uint8_t *p = g_bytes_get_data(der, &len);

  g_assert_cmpint(osp_cert_chain_add_payload(c, junk, 0, &why), ==, OSP_CERT_MALFORMED);
  g_assert_cmpint(osp_cert_chain_add_payload(c, junk, sizeof(junk), &why), ==, OSP_CERT_MALFORMED);
  /* trailing bytes after the certificate */
  {
    g_autofree uint8_t *longer = g_malloc(len + 1);

    memcpy(longer, p, len);
    longer[len] = 0;
    g_assert_cmpint(osp_cert_chain_add_der(c, longer, len + 1, &why), ==, OSP_CERT_MALFORMED);
  }
  /* another encoding is skipped, not an error */
  g_assert_cmpint(osp_cert_chain_add_payload(c, pgp, sizeof(pgp), &why), ==, OSP_CERT_OK);
  g_assert_cmpuint(osp_cert_chain_len(c), ==, 0);
  g_assert_cmpint(osp_cert_verify(st, c, NULL, 0, &detail), ==, OSP_CERT_MALFORMED);
  for (size_t i = 0; i < OSP_CERT_MAX_CHAIN; i++)
    g_assert_cmpint(osp_cert_chain_add_der(c, p, len, &why), ==, OSP_CERT_OK);
  g_assert_cmpint(osp_cert_chain_add_der(c, p, len, &why), ==, OSP_CERT_MALFORMED);
}

/* Our certificate and key (main mode): loaded, matched, signing; a wrong
 * key, a missing file, an encrypted key (nothing may prompt) refused. */
static void test_local(void)
{
  g_autofree char *cert = g_build_filename(pki.dir, "me.pem", NULL);
  g_autofree char *key = g_build_filename(pki.dir, "me.key", NULL);
  g_autofree char *other_key = g_build_filename(pki.dir, "other.key", NULL);
  g_autofree char *locked = g_build_filename(pki.dir, "locked.key", NULL);
  X509 *chain[] = { fx.gw_inter, pki.inter };
  OspCertLocal *l = NULL;
  char *detail = NULL;
  uint8_t hash[20] = { 1, 2, 3 };

  osp_test_write_pem(cert, chain, 2);
  osp_test_write_key(key, pki.gw_key);
  {
    EVP_PKEY *k = osp_test_key(true);

    osp_test_write_key(other_key, k);
    EVP_PKEY_free(k);
  }
  {
    FILE *f = fopen(locked, "w");

    g_assert_nonnull(f);
    g_assert_cmpint(PEM_write_PrivateKey(f, pki.gw_key, EVP_aes_128_cbc(), (unsigned char *)"pw", 2,
                                         NULL, NULL),
                    ==, 1);
    fclose(f);
  }
  g_assert_cmpint(osp_cert_local_load(cert, key, NULL, &l, &detail), ==, OSP_CERT_OK);
  g_assert_cmpuint(osp_cert_local_certs(l)->len, ==, 2);
  {
    g_autoptr(GByteArray) sig = g_byte_array_new();
    g_autoptr(OspCertStore) st = store(pki.ca_file);
    g_autoptr(OspCertChain) c = chain_of(chain, 2);
    g_autoptr(GBytes) subject = NULL;
    unsigned char *der = NULL;
    int len = i2d_X509_NAME(X509_get_subject_name(fx.gw_inter), &der);

    g_assert_cmpmem(g_bytes_get_data(osp_cert_local_subject(l), NULL),
                    g_bytes_get_size(osp_cert_local_subject(l)), der, len);
    OPENSSL_free(der);
    g_assert_cmpint(osp_cert_local_sign(l, hash, sizeof(hash), sig), ==, 0);
    g_assert_cmpuint(sig->len, ==, 256);
    /* what the gateway does with it */
    g_assert_cmpint(osp_cert_verify(st, c, NULL, 0, NULL), ==, OSP_CERT_OK);
    g_assert_cmpint(osp_cert_check_sig(c, hash, sizeof(hash), sig->data, sig->len), ==,
                    OSP_CERT_OK);
  }
  osp_cert_local_free(l);
  l = NULL;
  g_assert_cmpint(osp_cert_local_load(cert, other_key, NULL, &l, &detail), ==, OSP_CERT_BAD_LOCAL);
  g_assert_nonnull(strstr(detail, "not the key of the certificate"));
  g_clear_pointer(&detail, g_free);
  /* an Ed25519 key: IKEv1 signs with RSA or ECDSA only */
  {
    EVP_PKEY *ed = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");

    g_assert_nonnull(ed);
    osp_test_write_key(other_key, ed);
    EVP_PKEY_free(ed);
  }
  g_assert_cmpint(osp_cert_local_load(cert, other_key, NULL, &l, &detail), ==, OSP_CERT_BAD_LOCAL);
  g_assert_nonnull(strstr(detail, "neither an RSA key nor an ECDSA one"));
  g_clear_pointer(&detail, g_free);
  g_assert_cmpint(osp_cert_local_load(cert, locked, NULL, &l, &detail), ==,
                  OSP_CERT_BAD_PASSPHRASE);
  g_clear_pointer(&detail, g_free);
  g_assert_cmpint(osp_cert_local_load(key, key, NULL, &l, &detail), ==, OSP_CERT_BAD_LOCAL);
  g_assert_nonnull(strstr(detail, "neither PEM certificates nor PKCS#12"));
  g_clear_pointer(&detail, g_free);
  g_assert_cmpint(osp_cert_local_load(cert, NULL, NULL, &l, &detail), ==, OSP_CERT_BAD_LOCAL);
  g_clear_pointer(&detail, g_free);
  g_assert_null(l);
  g_remove(cert);
  g_remove(key);
  g_remove(other_key);
  g_remove(locked);
}

/* Loads cert_file (and key_file) with pass: the result's name, the
 * detail in *ret_detail. */
static const char *load(const char *cert_file, const char *key_file, const char *pass,
                        OspCertLocal **ret, char **ret_detail)
{
  OspCertLocal *l = NULL;
  OspCertResult r = osp_cert_local_load(cert_file, key_file, pass, &l, ret_detail);

  g_assert_true((r == OSP_CERT_OK) == (l != NULL));
  if (ret)
    *ret = l;
  else
    osp_cert_local_free(l);
  if (g_test_verbose() && *ret_detail)
    g_test_message("%s: %s", osp_cert_result_name(r), *ret_detail);
  return osp_cert_result_name(r);
}

/* PKCS#12, told by its content (named .pem here): our key and
 * certificate, and the intermediate (not the root) to send after it. */
static void test_p12(void)
{
  g_autofree char *p12 = g_build_filename(pki.dir, "client.pem", NULL);
  X509 *ca[] = { pki.inter, pki.ca };
  g_autoptr(GByteArray) sig = g_byte_array_new();
  g_autoptr(OspCertStore) st = store(pki.ca_file);
  OspCertLocal *l = NULL;
  char *detail = NULL;
  uint8_t hash[20] = { 4, 5, 6 };

  osp_test_write_p12(p12, "s3cret", pki.gw_key, fx.gw_inter, ca, 2);
  /* nothing given: the empty passphrase is tried, the file asks for one */
  g_assert_cmpstr(load(p12, NULL, NULL, NULL, &detail), ==, "bad-passphrase");
  g_assert_nonnull(strstr(detail, "its passphrase is needed"));
  g_clear_pointer(&detail, g_free);
  g_assert_cmpstr(load(p12, NULL, "wrong", NULL, &detail), ==, "bad-passphrase");
  g_assert_nonnull(strstr(detail, "wrong passphrase"));
  g_clear_pointer(&detail, g_free);
  g_assert_cmpstr(load(p12, NULL, "s3cret", &l, &detail), ==, "ok");
  g_assert_null(detail);
  g_assert_cmpuint(osp_cert_local_certs(l)->len, ==, 2);
  {
    g_autoptr(GBytes) leaf = osp_test_cert_der(fx.gw_inter);
    g_autoptr(GBytes) inter = osp_test_cert_der(pki.inter);

    g_assert_true(g_bytes_equal(osp_cert_local_certs(l)->pdata[0], leaf));
    g_assert_true(g_bytes_equal(osp_cert_local_certs(l)->pdata[1], inter));
  }
  /* the gateway verifies what we send and our signature */
  g_assert_cmpint(osp_cert_local_sign(l, hash, sizeof(hash), sig), ==, 0);
  {
    g_autoptr(OspCertChain) c = osp_cert_chain_new();
    const char *why = NULL;

    for (guint i = 0; i < osp_cert_local_certs(l)->len; i++) {
      gsize len;
      const uint8_t *der = g_bytes_get_data(osp_cert_local_certs(l)->pdata[i], &len);

      g_assert_cmpint(osp_cert_chain_add_der(c, der, len, &why), ==, OSP_CERT_OK);
    }
    g_assert_cmpint(osp_cert_verify(st, c, NULL, 0, NULL), ==, OSP_CERT_OK);
    g_assert_cmpint(osp_cert_check_sig(c, hash, sizeof(hash), sig->data, sig->len), ==,
                    OSP_CERT_OK);
  }
  g_clear_pointer(&l, osp_cert_local_free);
  /* an export without a password opens without asking */
  osp_test_write_p12(p12, "", pki.gw_key, fx.gw, NULL, 0);
  g_assert_cmpstr(load(p12, NULL, NULL, NULL, &detail), ==, "ok");
  g_remove(p12);
}

static void test_p12_errors(void)
{
  g_autofree char *p12 = g_build_filename(pki.dir, "nokey.p12", NULL);
  g_autofree char *key = g_build_filename(pki.dir, "p12-other.key", NULL);
  g_autofree char *junk = g_build_filename(pki.dir, "junk.p12", NULL);
  char *detail = NULL;

  /* a certificate without its key */
  osp_test_write_p12(p12, "pw", NULL, fx.gw, NULL, 0);
  g_assert_cmpstr(load(p12, NULL, "pw", NULL, &detail), ==, "bad-local");
  g_assert_nonnull(strstr(detail, "without a private key"));
  g_clear_pointer(&detail, g_free);
  /* ... and a key of another certificate beside it */
  osp_test_write_key(key, fx.other_key);
  g_assert_cmpstr(load(p12, key, "pw", NULL, &detail), ==, "bad-local");
  g_assert_nonnull(strstr(detail, "not the key of the certificate"));
  g_clear_pointer(&detail, g_free);
  {
    EVP_PKEY *k = osp_test_key(true);

    osp_test_write_key(key, k);
    EVP_PKEY_free(k);
  }
  g_assert_cmpstr(load(p12, key, "pw", NULL, &detail), ==, "bad-local");
  g_assert_nonnull(strstr(detail, "not the key of the certificate"));
  g_clear_pointer(&detail, g_free);
  /* its own key, given beside it */
  osp_test_write_key(key, pki.gw_key);
  g_assert_cmpstr(load(p12, key, "pw", NULL, &detail), ==, "ok");
  /* neither PEM nor PKCS#12 */
  g_assert_true(g_file_set_contents(junk, "\x30\x03junk", -1, NULL));
  g_assert_cmpstr(load(junk, NULL, NULL, NULL, &detail), ==, "bad-local");
  g_assert_nonnull(strstr(detail, "Client key must be set"));
  g_clear_pointer(&detail, g_free);
  g_assert_cmpstr(load(junk, key, NULL, NULL, &detail), ==, "bad-local");
  g_assert_nonnull(strstr(detail, "neither PEM certificates nor PKCS#12"));
  g_clear_pointer(&detail, g_free);
  g_remove(p12);
  g_remove(key);
  g_remove(junk);
}

/* An encrypted PEM key: its passphrase, and a wrong one. */
static void test_encrypted_key(void)
{
  g_autofree char *cert = g_build_filename(pki.dir, "enc.crt", NULL);
  g_autofree char *key = g_build_filename(pki.dir, "enc.key", NULL);
  FILE *f = fopen(key, "w");
  char *detail = NULL;

  g_assert_nonnull(f);
  g_assert_cmpint(PEM_write_PKCS8PrivateKey(f, pki.gw_key, EVP_aes_256_cbc(), NULL, 0, NULL,
                                            (void *)"key pass"),
                  ==, 1);
  fclose(f);
  osp_test_write_pem(cert, &fx.gw, 1);
  g_assert_cmpstr(load(cert, key, NULL, NULL, &detail), ==, "bad-passphrase");
  g_clear_pointer(&detail, g_free);
  g_assert_cmpstr(load(cert, key, "key pas", NULL, &detail), ==, "bad-passphrase");
  g_assert_nonnull(strstr(detail, "wrong passphrase"));
  g_clear_pointer(&detail, g_free);
  g_assert_cmpstr(load(cert, key, "key pass", NULL, &detail), ==, "ok");
  g_remove(cert);
  g_remove(key);
}

static void test_store_errors(void)
{
  OspCertStore *st = NULL;
  g_autofree char *missing = g_build_filename(pki.dir, "missing.pem", NULL);
  g_autofree char *empty = g_build_filename(pki.dir, "empty.pem", NULL);
  char *detail = NULL;

  g_assert_cmpint(osp_cert_store_new(missing, NULL, false, &st, &detail), ==, OSP_CERT_NO_CA);
  g_assert_null(st);
  g_assert_nonnull(strstr(detail, "missing.pem"));
  g_clear_pointer(&detail, g_free);
  g_assert_true(g_file_set_contents(empty, "not a certificate\n", -1, NULL));
  g_assert_cmpint(osp_cert_store_new(empty, NULL, false, &st, &detail), ==, OSP_CERT_NO_CA);
  g_assert_null(st);
  g_clear_pointer(&detail, g_free);
  g_assert_cmpint(osp_cert_store_new(NULL, "", false, &st, &detail), ==, OSP_CERT_NO_CA);
  g_clear_pointer(&detail, g_free);
  g_assert_cmpint(osp_cert_store_new(NULL, missing, false, &st, &detail), ==, OSP_CERT_NO_CA);
  g_clear_pointer(&detail, g_free);
  /* a directory with the CA under its hash name (c_rehash) */
  {
    g_autofree char *dir = g_build_filename(pki.dir, "cadir", NULL);
    g_autofree char *name = g_strdup_printf("%08lx.0", X509_subject_name_hash(pki.ca));
    g_autofree char *file = g_build_filename(dir, name, NULL);
    g_autoptr(OspCertChain) c = chain_of(&fx.gw, 1);

    g_assert_cmpint(g_mkdir(dir, 0700), ==, 0);
    osp_test_write_pem(file, &pki.ca, 1);
    g_assert_cmpint(osp_cert_store_new(NULL, dir, false, &st, &detail), ==, OSP_CERT_OK);
    g_assert_cmpint(osp_cert_verify(st, c, NULL, 0, &detail), ==, OSP_CERT_OK);
    osp_cert_store_free(st);
    g_remove(file);
    g_rmdir(dir);
  }
  g_remove(empty);
}

/* CA-System: OpenSSL's default store, here a file and a directory of the
 * test's (SSL_CERT_FILE, SSL_CERT_DIR), never the machine's. */
static void test_system_store(void)
{
  g_autofree char *sys_file = g_build_filename(pki.dir, "system-cas.pem", NULL);
  g_autofree char *sys_dir = g_build_filename(pki.dir, "system-dir", NULL);
  const OspCertIdentity id = { "gw.lab.example", 0, NULL, 0 };
  OspCertStore *st = NULL;
  char *detail = NULL;

  g_assert_cmpint(g_mkdir(sys_dir, 0700), ==, 0);
  g_setenv("SSL_CERT_DIR", sys_dir, TRUE);
  osp_test_write_pem(sys_file, &pki.ca, 1);
  g_setenv("SSL_CERT_FILE", sys_file, TRUE);
  /* the system's CAs alone */
  {
    g_autoptr(OspCertChain) c = chain_of(&fx.gw, 1);
    g_autoptr(GPtrArray) names = NULL;

    g_assert_cmpint(osp_cert_store_new(NULL, NULL, true, &st, &detail), ==, OSP_CERT_OK);
    g_assert_cmpint(osp_cert_verify(st, c, &id, 0, &detail), ==, OSP_CERT_OK);
    /* too many to name: an empty CERTREQ */
    names = osp_cert_store_ca_names(st, 4);
    g_assert_cmpuint(names->len, ==, 0);
    g_clear_pointer(&st, osp_cert_store_free);
  }
  /* without CA-System they are not trusted, and nothing is no CA at all */
  {
    g_autoptr(OspCertChain) c = chain_of(&fx.gw, 1);

    g_assert_cmpint(osp_cert_store_new(fx.other_ca_file, NULL, false, &st, &detail), ==,
                    OSP_CERT_OK);
    g_assert_cmpint(osp_cert_verify(st, c, &id, 0, &detail), ==, OSP_CERT_UNTRUSTED);
    g_clear_pointer(&detail, g_free);
    g_clear_pointer(&st, osp_cert_store_free);
    g_assert_cmpint(osp_cert_store_new(NULL, NULL, false, &st, &detail), ==, OSP_CERT_NO_CA);
    g_assert_nonnull(strstr(detail, "CA-System"));
    g_clear_pointer(&detail, g_free);
  }
  /* both: the profile's CA named in CERTREQs, either CA trusted */
  {
    g_autoptr(OspCertChain) c = chain_of(&fx.gw, 1);
    g_autoptr(OspCertChain) other = chain_of(&fx.gw_other, 1);
    g_autoptr(GPtrArray) names = NULL;
    unsigned char *der = NULL;
    int len = i2d_X509_NAME(X509_get_subject_name(fx.other_ca), &der);

    g_assert_cmpint(osp_cert_store_new(fx.other_ca_file, NULL, true, &st, &detail), ==,
                    OSP_CERT_OK);
    names = osp_cert_store_ca_names(st, 4);
    g_assert_cmpuint(names->len, ==, 1);
    g_assert_cmpmem(g_bytes_get_data(names->pdata[0], NULL), g_bytes_get_size(names->pdata[0]), der,
                    len);
    OPENSSL_free(der);
    g_assert_cmpint(osp_cert_verify(st, c, &id, 0, &detail), ==, OSP_CERT_OK);
    g_assert_cmpint(osp_cert_verify(st, other, &id, 0, &detail), ==, OSP_CERT_OK);
    g_clear_pointer(&st, osp_cert_store_free);
  }
  /* a system store without our CA: untrusted */
  {
    g_autoptr(OspCertChain) c = chain_of(&fx.gw, 1);

    osp_test_write_pem(sys_file, &fx.other_ca, 1);
    g_assert_cmpint(osp_cert_store_new(NULL, NULL, true, &st, &detail), ==, OSP_CERT_OK);
    g_assert_cmpint(osp_cert_verify(st, c, &id, 0, &detail), ==, OSP_CERT_UNTRUSTED);
    g_clear_pointer(&detail, g_free);
    g_clear_pointer(&st, osp_cert_store_free);
  }
  g_unsetenv("SSL_CERT_FILE");
  g_unsetenv("SSL_CERT_DIR");
  g_remove(sys_file);
  g_rmdir(sys_dir);
}

/* CRL-File: a revoked gateway certificate, one the CRL does not list, a
 * CRL of another CA only (no CRL of the issuer), a stale CRL, a file that
 * is no CRL. */
static void test_crl(void)
{
  g_autofree char *crl = g_build_filename(pki.dir, "ca.crl", NULL);
  const OspCertIdentity id = { "gw.lab.example", 0, NULL, 0 };
  X509 *revoked[] = { fx.gw_expired, fx.gw };
  OspCertStore *st = NULL;
  char *detail = NULL;
  struct {
    X509 *const *revoked;
    size_t n;
    X509 *ca;
    EVP_PKEY *key;
    long next;
    OspCertResult want;
    const char *part;
  } cases[] = {
    { revoked, 2, pki.ca, pki.ca_key, 86400, OSP_CERT_REVOKED, "revoked" },
    { revoked, 1, pki.ca, pki.ca_key, 86400, OSP_CERT_OK, NULL },
    { revoked, 2, fx.other_ca, fx.other_key, 86400, OSP_CERT_UNTRUSTED, "CRL" },
    { revoked, 1, pki.ca, pki.ca_key, -60, OSP_CERT_UNTRUSTED, "CRL has expired" },
  };

  for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
    g_autoptr(OspCertChain) c = chain_of(&fx.gw, 1);

    osp_test_write_crl(crl, cases[i].ca, cases[i].key, cases[i].revoked, cases[i].n, cases[i].next);
    g_assert_cmpint(osp_cert_store_new(pki.ca_file, NULL, false, &st, &detail), ==, OSP_CERT_OK);
    g_assert_cmpint(osp_cert_store_add_crls(st, crl, &detail), ==, OSP_CERT_OK);
    g_assert_cmpstr(osp_cert_result_name(osp_cert_verify(st, c, &id, 0, &detail)), ==,
                    osp_cert_result_name(cases[i].want));
    if (cases[i].part)
      g_assert_nonnull(strstr(detail, cases[i].part));
    g_clear_pointer(&detail, g_free);
    g_clear_pointer(&st, osp_cert_store_free);
  }
  g_assert_cmpint(osp_cert_store_new(pki.ca_file, NULL, false, &st, &detail), ==, OSP_CERT_OK);
  g_assert_cmpint(osp_cert_store_add_crls(st, pki.ca_file, &detail), ==, OSP_CERT_NO_CA);
  g_assert_nonnull(strstr(detail, "no PEM CRL"));
  g_clear_pointer(&detail, g_free);
  g_remove(crl);
  g_assert_cmpint(osp_cert_store_add_crls(st, crl, &detail), ==, OSP_CERT_NO_CA);
  g_assert_nonnull(strstr(detail, "ca.crl"));
  g_clear_pointer(&detail, g_free);
  osp_cert_store_free(st);
}

/* ECDSA (RFC 4754): our P-256, P-384 and P-521 keys sign HASH_I as r | s,
 * which the peer's check accepts and a changed bit or hash refuses. */
static void test_ecdsa(void)
{
  static const struct {
    const char *curve;
    int method;
    size_t sig_len;
  } curves[] = {
    { "P-256", AUTH_ECDSA_256, 64 },
    { "P-384", AUTH_ECDSA_384, 96 },
    { "P-521", AUTH_ECDSA_521, 132 },
  };
  g_autofree char *cert = g_build_filename(pki.dir, "ec.crt", NULL);
  g_autofree char *key = g_build_filename(pki.dir, "ec.key", NULL);
  const OspTestCertSpec spec = { "/C=XX/O=Osprey Lab/CN=alice", NULL, false, -3600, 86400 };
  uint8_t hash[32] = { 7, 8, 9 };

  for (size_t i = 0; i < G_N_ELEMENTS(curves); i++) {
    EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", curves[i].curve);
    X509 *x = osp_test_cert(&spec, k, pki.ca, pki.ca_key);
    g_autoptr(GByteArray) sig = g_byte_array_new();
    g_autoptr(OspCertChain) c = chain_of(&x, 1);
    g_autoptr(OspCertStore) st = store(pki.ca_file);
    OspCertLocal *l = NULL;
    char *detail = NULL;

    g_assert_nonnull(k);
    osp_test_write_pem(cert, &x, 1);
    osp_test_write_key(key, k);
    g_assert_cmpstr(load(cert, key, NULL, &l, &detail), ==, "ok");
    g_assert_cmpint(osp_cert_local_method(l), ==, curves[i].method);
    g_assert_cmpint(osp_cert_local_sign(l, hash, sizeof(hash), sig), ==, 0);
    g_assert_cmpuint(sig->len, ==, curves[i].sig_len);
    g_assert_cmpint(osp_cert_verify(st, c, NULL, 0, NULL), ==, OSP_CERT_OK);
    g_assert_cmpint(osp_cert_check_sig(c, hash, sizeof(hash), sig->data, sig->len), ==,
                    OSP_CERT_OK);
    hash[0] ^= 1;
    g_assert_cmpint(osp_cert_check_sig(c, hash, sizeof(hash), sig->data, sig->len), ==,
                    OSP_CERT_BAD_SIGNATURE);
    hash[0] ^= 1;
    sig->data[sig->len - 1] ^= 1;
    g_assert_cmpint(osp_cert_check_sig(c, hash, sizeof(hash), sig->data, sig->len), ==,
                    OSP_CERT_BAD_SIGNATURE);
    g_assert_cmpint(osp_cert_check_sig(c, hash, sizeof(hash), sig->data, sig->len - 1), ==,
                    OSP_CERT_BAD_SIGNATURE);
    osp_cert_local_free(l);
    X509_free(x);
    EVP_PKEY_free(k);
  }
  g_remove(cert);
  g_remove(key);
}

int main(int argc, char **argv)
{
  int r;

  g_test_init(&argc, &argv, NULL);
  fixture_init();
  g_test_add_func("/cert/good", test_good);
  g_test_add_func("/cert/unrelated-ca", test_unrelated_ca);
  g_test_add_func("/cert/expired", test_expired);
  g_test_add_func("/cert/wrong-name", test_wrong_name);
  g_test_add_func("/cert/dn", test_dn);
  g_test_add_func("/cert/intermediate", test_intermediate);
  g_test_add_func("/cert/forged", test_forged);
  g_test_add_func("/cert/signature", test_signature);
  g_test_add_func("/cert/malformed", test_malformed);
  g_test_add_func("/cert/store-errors", test_store_errors);
  g_test_add_func("/cert/local", test_local);
  g_test_add_func("/cert/p12", test_p12);
  g_test_add_func("/cert/p12-errors", test_p12_errors);
  g_test_add_func("/cert/encrypted-key", test_encrypted_key);
  g_test_add_func("/cert/system-store", test_system_store);
  g_test_add_func("/cert/crl", test_crl);
  g_test_add_func("/cert/ecdsa", test_ecdsa);
  r = g_test_run();
  fixture_clear();
  return r;
}
