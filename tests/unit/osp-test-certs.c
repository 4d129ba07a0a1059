/* SPDX-License-Identifier: GPL-2.0-or-later
 * Certificates made in the test (osp-test-certs.h). */
#include "osp-test-certs.h"

#include <glib/gstdio.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/rsa.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <string.h>

EVP_PKEY *osp_test_key(bool rsa)
{
  EVP_PKEY *k = rsa ? EVP_RSA_gen(2048) : EVP_EC_gen("P-256");

  g_assert_nonnull(k);
  return k;
}

static void add_ext(X509 *x, X509 *issuer, int nid, const char *value)
{
  X509V3_CTX ctx;
  X509_EXTENSION *e;

  X509V3_set_ctx(&ctx, issuer, x, NULL, NULL, 0);
  e = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
  g_assert_nonnull(e);
  g_assert_cmpint(X509_add_ext(x, e, -1), ==, 1);
  X509_EXTENSION_free(e);
}

static X509_NAME *parse_name(const char *subject)
{
  X509_NAME *n = X509_NAME_new();
  g_auto(GStrv) rdns = g_strsplit(subject + 1, "/", -1);

  for (char **r = rdns; *r; r++) {
    char *eq = strchr(*r, '=');

    g_assert_nonnull(eq);
    *eq = '\0';
    g_assert_cmpint(
        X509_NAME_add_entry_by_txt(n, *r, MBSTRING_UTF8, (unsigned char *)eq + 1, -1, -1, 0), ==,
        1);
  }
  return n;
}

X509 *osp_test_cert(const OspTestCertSpec *spec, EVP_PKEY *key, X509 *issuer, EVP_PKEY *issuer_key)
{
  static long serial = 1;
  X509 *x = X509_new();
  X509_NAME *name = parse_name(spec->subject);

  g_assert_cmpint(X509_set_version(x, 2), ==, 1);
  ASN1_INTEGER_set(X509_get_serialNumber(x), serial++);
  X509_gmtime_adj(X509_getm_notBefore(x), spec->not_before_s);
  X509_gmtime_adj(X509_getm_notAfter(x), spec->not_after_s);
  X509_set_subject_name(x, name);
  X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer) : name);
  X509_set_pubkey(x, key);
  if (spec->ca) {
    add_ext(x, issuer ? issuer : x, NID_basic_constraints, "critical,CA:TRUE");
    add_ext(x, issuer ? issuer : x, NID_key_usage, "critical,keyCertSign,cRLSign");
  } else {
    add_ext(x, issuer ? issuer : x, NID_key_usage, "critical,digitalSignature");
  }
  if (spec->san)
    add_ext(x, issuer ? issuer : x, NID_subject_alt_name, spec->san);
  g_assert_cmpint(X509_sign(x, issuer_key ? issuer_key : key, EVP_sha256()), >, 0);
  X509_NAME_free(name);
  return x;
}

GBytes *osp_test_cert_der(X509 *x)
{
  unsigned char *der = NULL;
  int len = i2d_X509(x, &der);
  GBytes *b;

  g_assert_cmpint(len, >, 0);
  b = g_bytes_new(der, (gsize)len);
  OPENSSL_free(der);
  return b;
}

void osp_test_write_pem(const char *path, X509 *const *certs, size_t n)
{
  FILE *f = fopen(path, "w");

  g_assert_nonnull(f);
  for (size_t i = 0; i < n; i++)
    g_assert_cmpint(PEM_write_X509(f, certs[i]), ==, 1);
  g_assert_cmpint(fclose(f), ==, 0);
}

void osp_test_write_key(const char *path, EVP_PKEY *key)
{
  FILE *f = fopen(path, "w");

  g_assert_nonnull(f);
  g_assert_cmpint(PEM_write_PrivateKey(f, key, NULL, NULL, 0, NULL, NULL), ==, 1);
  g_assert_cmpint(fclose(f), ==, 0);
}

void osp_test_write_p12(const char *path, const char *pass, EVP_PKEY *key, X509 *cert,
                        X509 *const *ca, size_t n)
{
  STACK_OF(X509) *cas = sk_X509_new_null();
  PKCS12 *p12;
  FILE *f;

  for (size_t i = 0; i < n; i++)
    sk_X509_push(cas, ca[i]);
  p12 = PKCS12_create(pass, "osprey test", key, cert, cas, 0, 0, 0, 0, 0);
  g_assert_nonnull(p12);
  f = fopen(path, "wb");
  g_assert_nonnull(f);
  g_assert_cmpint(i2d_PKCS12_fp(f, p12), ==, 1);
  g_assert_cmpint(fclose(f), ==, 0);
  PKCS12_free(p12);
  sk_X509_free(cas);
}

const OspTestCertSpec osp_test_ca_spec = { "/C=XX/O=Osprey Lab/CN=Osprey Lab CA", NULL, true, -3600,
                                           86400 };

void osp_test_pki_init(OspTestPki *pki)
{
  const OspTestCertSpec inter_spec = { "/C=XX/O=Osprey Lab/CN=Osprey Lab Intermediate", NULL, true,
                                       -3600, 86400 };
  g_autoptr(GError) error = NULL;

  pki->dir = g_dir_make_tmp("osp-test-pki-XXXXXX", &error);
  g_assert_no_error(error);
  pki->ca_key = osp_test_key(false);
  pki->inter_key = osp_test_key(false);
  pki->gw_key = osp_test_key(true);
  pki->ca = osp_test_cert(&osp_test_ca_spec, pki->ca_key, NULL, NULL);
  pki->inter = osp_test_cert(&inter_spec, pki->inter_key, pki->ca, pki->ca_key);
  pki->ca_file = g_build_filename(pki->dir, "ca.pem", NULL);
  osp_test_write_pem(pki->ca_file, &pki->ca, 1);
}

void osp_test_pki_clear(OspTestPki *pki)
{
  X509_free(pki->ca);
  X509_free(pki->inter);
  EVP_PKEY_free(pki->ca_key);
  EVP_PKEY_free(pki->inter_key);
  EVP_PKEY_free(pki->gw_key);
  g_remove(pki->ca_file);
  g_assert_cmpint(g_rmdir(pki->dir), ==, 0);
  g_free(pki->ca_file);
  g_free(pki->dir);
}

void osp_test_write_crl(const char *path, X509 *ca, EVP_PKEY *ca_key, X509 *const *revoked,
                        size_t n, long next_update_s)
{
  X509_CRL *crl = X509_CRL_new();
  ASN1_TIME *last = X509_gmtime_adj(NULL, -3600), *next = X509_gmtime_adj(NULL, next_update_s);
  FILE *f;

  g_assert_nonnull(crl);
  g_assert_cmpint(X509_CRL_set_version(crl, 1), ==, 1);
  g_assert_cmpint(X509_CRL_set_issuer_name(crl, X509_get_subject_name(ca)), ==, 1);
  g_assert_cmpint(X509_CRL_set1_lastUpdate(crl, last), ==, 1);
  g_assert_cmpint(X509_CRL_set1_nextUpdate(crl, next), ==, 1);
  for (size_t i = 0; i < n; i++) {
    X509_REVOKED *r = X509_REVOKED_new();

    g_assert_cmpint(X509_REVOKED_set_serialNumber(r, X509_get_serialNumber(revoked[i])), ==, 1);
    g_assert_cmpint(X509_REVOKED_set_revocationDate(r, last), ==, 1);
    g_assert_cmpint(X509_CRL_add0_revoked(crl, r), ==, 1);
  }
  g_assert_cmpint(X509_CRL_sort(crl), ==, 1);
  g_assert_cmpint(X509_CRL_sign(crl, ca_key, EVP_sha256()), >, 0);
  f = fopen(path, "w");
  g_assert_nonnull(f);
  g_assert_cmpint(PEM_write_X509_CRL(f, crl), ==, 1);
  g_assert_cmpint(fclose(f), ==, 0);
  ASN1_TIME_free(last);
  ASN1_TIME_free(next);
  X509_CRL_free(crl);
}
