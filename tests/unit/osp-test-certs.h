/* SPDX-License-Identifier: GPL-2.0-or-later
 * Certificates made in the test, with OpenSSL: CAs, intermediates and end
 * entities with the names, lifetimes and alternative names a case needs. */
#pragma once

#include <glib.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <stdbool.h>

G_BEGIN_DECLS

/* An RSA key (rsa true, 2048 bits: IKEv1 signs with RSA) or a P-256 one. */
EVP_PKEY *osp_test_key(bool rsa);

typedef struct {
  const char *subject; /* "/C=XX/O=Osprey/CN=gw.example" */
  const char *san;     /* "DNS:gw.example,IP:192.0.2.1", or NULL */
  bool ca;             /* basicConstraints CA:TRUE, keyCertSign */
  long not_before_s;   /* relative to now */
  long not_after_s;    /* relative to now */
} OspTestCertSpec;

/* A certificate for key, signed by issuer_key under issuer's name (itself
 * when issuer is NULL). */
X509 *osp_test_cert(const OspTestCertSpec *spec, EVP_PKEY *key, X509 *issuer, EVP_PKEY *issuer_key);
/* Its DER, as a CERT payload carries it. */
GBytes *osp_test_cert_der(X509 *x);
/* Writes certificates (PEM) to path. */
void osp_test_write_pem(const char *path, X509 *const *certs, size_t n);
/* Writes a private key (PEM, unencrypted) to path. */
void osp_test_write_key(const char *path, EVP_PKEY *key);

/* Writes a PEM CRL of ca (signed with ca_key) listing the n revoked
 * certificates, its next update next_update_s from now (negative: stale). */
void osp_test_write_crl(const char *path, X509 *ca, EVP_PKEY *ca_key, X509 *const *revoked,
                        size_t n, long next_update_s);
/* Writes a PKCS#12 file (key and cert may be NULL, the CAs after them),
 * encrypted with pass ("" for none), as `openssl pkcs12 -export` does. */
void osp_test_write_p12(const char *path, const char *pass, EVP_PKEY *key, X509 *cert,
                        X509 *const *ca, size_t n);

/* The PKI a test program shares: a CA and an intermediate under it with
 * their keys, the gateway's RSA key, and a temporary directory dir with the
 * CA's certificate in ca_file. */
typedef struct {
  char *dir, *ca_file;
  EVP_PKEY *ca_key, *inter_key, *gw_key;
  X509 *ca, *inter;
} OspTestPki;

/* The CA's name and lifetime (a forger copies them). */
extern const OspTestCertSpec osp_test_ca_spec;

void osp_test_pki_init(OspTestPki *pki);
/* Frees it and removes ca_file and dir, which must hold nothing else then. */
void osp_test_pki_clear(OspTestPki *pki);

G_END_DECLS
