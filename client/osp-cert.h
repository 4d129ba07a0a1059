/* SPDX-License-Identifier: GPL-2.0-or-later
 * Osprey — the gateway's certificate: its CERT payloads (RFC 2408 3.9,
 * encoding 4: an X.509 certificate in DER), verified with OpenSSL against
 * the CA of the profile (CA-File, CA-Dir) with the other CERT payloads as
 * intermediates, its validity time and its identity; and the RSA signature
 * of IKEv1 (RFC 2409 5.1: PKCS#1 type 1 padding of the bare HASH, no
 * DigestInfo), checked against the certificate's key.
 *
 * Each failure has its own result, so that the user is told which one it
 * is: an untrusted certificate (another CA, vpnc's hybrid mode accepts it)
 * is not an expired one, and neither is a certificate of somebody else. */
#pragma once

#include "osp-common.h"

#include <openssl/evp.h>
#include <time.h>

G_BEGIN_DECLS

typedef enum {
  OSP_CERT_OK = 0,
  OSP_CERT_MALFORMED,      /* a CERT payload that is not a DER X.509 certificate */
  OSP_CERT_UNTRUSTED,      /* no chain from it to a configured CA */
  OSP_CERT_EXPIRED,        /* outside its validity time (or a CA of the chain is) */
  OSP_CERT_WRONG_IDENTITY, /* valid, but not the gateway's (name, address or ID) */
  OSP_CERT_BAD_SIGNATURE,  /* a signature (of the chain or of the exchange) is wrong */
  OSP_CERT_NO_CA,          /* the profile's CA could not be loaded */
  OSP_CERT_BAD_LOCAL,      /* our certificate or key could not be loaded, or do not match */
  OSP_CERT_BAD_PASSPHRASE, /* our key (or PKCS#12 file) is encrypted: not with this passphrase */
  OSP_CERT_REVOKED,        /* listed in a CRL of the profile's CRL-File */
} OspCertResult;

#define OSP_CERT_ENCODING_X509_SIG 4
/* at most this many CERT payloads (end entity and intermediates) */
#define OSP_CERT_MAX_CHAIN 8

/* A stable name for the result ("untrusted", ...), for logs and tests. */
const char *osp_cert_result_name(OspCertResult r);

/* The CAs to trust: PEM certificates in ca_file, a hashed directory
 * (c_rehash) ca_dir, and with use_system the system's store as well
 * (OpenSSL's default paths: its certificate file and directory, or
 * SSL_CERT_FILE and SSL_CERT_DIR); at least one of the three. */
typedef struct OspCertStore OspCertStore;
OspCertResult osp_cert_store_new(const char *ca_file, const char *ca_dir, bool use_system,
                                 OspCertStore **ret, char **ret_detail);
void osp_cert_store_free(OspCertStore *st);
/* The PEM CRLs of crl_file: from then on the end entity's certificate must
 * not be listed in its issuer's CRL, and a CRL of that issuer must be
 * there and current (OpenSSL's X509_V_FLAG_CRL_CHECK).  OSP_CERT_NO_CA
 * when the file cannot be read or holds no CRL. */
OspCertResult osp_cert_store_add_crls(OspCertStore *st, const char *crl_file, char **ret_detail);
/* The subjects (DER) of the CA certificates loaded from the file, for the
 * CERTREQ payloads that ask the gateway for a certificate of one of them
 * (RFC 2408 3.10); at most max, none for a CA-Dir (read lazily) or the
 * system's store (too many to name). */
GPtrArray *osp_cert_store_ca_names(const OspCertStore *st, size_t max);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(OspCertStore, osp_cert_store_free)

/* The certificates of a peer, in the order of its CERT payloads. */
typedef struct OspCertChain OspCertChain;
OspCertChain *osp_cert_chain_new(void);
void osp_cert_chain_free(OspCertChain *c);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(OspCertChain, osp_cert_chain_free)
/* Adds the body of one CERT payload (encoding byte, then the data).
 * Other encodings than 4 are skipped (returns 0, nothing added). */
OspCertResult osp_cert_chain_add_payload(OspCertChain *c, const uint8_t *body, size_t len,
                                         const char **ret_why);
/* Adds one DER certificate. */
OspCertResult osp_cert_chain_add_der(OspCertChain *c, const uint8_t *der, size_t len,
                                     const char **ret_why);
size_t osp_cert_chain_len(const OspCertChain *c);

/* Who the peer must be.  expected: the configured ID, else the gateway's
 * host name or address as the user gave it; matched against the subject
 * alternative names (an address against iPAddress, a name against dNSName,
 * "user@host" against rfc822Name), or, when it contains '=', against the
 * subject's distinguished name.  The peer's ID payload (RFC 2407 4.6.2),
 * when given, must name the certificate too (DER_ASN1_DN its subject,
 * FQDN / USER_FQDN / IPV4_ADDR one of its alternative names). */
typedef struct {
  const char *expected;
  uint8_t id_type; /* 0: no ID payload */
  const uint8_t *id_data;
  size_t id_len;
} OspCertIdentity;

/* Verifies c: picks the end entity (the certificate that issued none of
 * the others), builds its chain with the others as intermediates, checks
 * it at time now (0: the current time) and its identity.  ret_detail (may
 * be NULL) gets a sentence fragment in English naming the certificate and
 * OpenSSL's reason. */
OspCertResult osp_cert_verify(const OspCertStore *st, OspCertChain *c, const OspCertIdentity *id,
                              time_t now, char **ret_detail);

/* Checks sig (a SIG payload body) as the end entity's RSA signature over
 * hash (RFC 2409 5.1); osp_cert_verify() chose the end entity. */
OspCertResult osp_cert_check_sig(const OspCertChain *c, const uint8_t *hash, size_t hash_len,
                                 const uint8_t *sig, size_t sig_len);

/* Our certificate and its RSA private key: cert_file is PEM (our
 * certificate, then the intermediates) and key_file a PEM key, encrypted or
 * not; or cert_file is PKCS#12 (told by its content, not its name) with the
 * key, the certificate and the intermediates, and key_file may be unset.
 * passphrase (NULL: none given) decrypts the key or the PKCS#12 file; an
 * empty one is tried when none is given.  OSP_CERT_BAD_PASSPHRASE: it is
 * encrypted and the passphrase is missing or wrong (ask for it). */
typedef struct OspCertLocal OspCertLocal;
OspCertResult osp_cert_local_load(const char *cert_file, const char *key_file,
                                  const char *passphrase, OspCertLocal **ret, char **ret_detail);
void osp_cert_local_free(OspCertLocal *l);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(OspCertLocal, osp_cert_local_free)
/* The IKEv1 method of our key: AUTH_RSA_SIG, or AUTH_ECDSA_256/384/521
 * (RFC 4754, which has no XAUTH variant). */
int osp_cert_local_method(const OspCertLocal *l);
/* The same for any key (0: none), with the size of r and s of an ECDSA
 * one. */
int osp_cert_key_method(EVP_PKEY *key, size_t *ret_half);
/* The certificates as DER (GBytes *), ours first: one CERT payload each. */
const GPtrArray *osp_cert_local_certs(const OspCertLocal *l);
/* Our subject as DER: the ID_DER_ASN1_DN payload's data. */
GBytes *osp_cert_local_subject(const OspCertLocal *l);
/* The RSA signature (PKCS#1 type 1, no DigestInfo) of hash, or the ECDSA
 * one (r | s, RFC 4754; hash taken as the digest), appended to out: the SIG_I payload (RFC 2409
 * 5.1).  0 or -EIO. */
int osp_cert_local_sign(const OspCertLocal *l, const uint8_t *hash, size_t hash_len,
                        GByteArray *out);

/* The end entity's subject as DER (for an ID_DER_ASN1_DN), NULL before
 * osp_cert_verify() chose one. */
GBytes *osp_cert_subject_der(const OspCertChain *c);

G_END_DECLS
