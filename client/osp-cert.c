/* SPDX-License-Identifier: GPL-2.0-or-later
 * Osprey — certificate verification and RSA signatures (osp-cert.h). */
#include "osp-cert.h"

#include "osp-isakmp.h"

#include <arpa/inet.h>
#include <errno.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <string.h>
#include <unistd.h>

struct OspCertStore {
  X509_STORE *store;
  GPtrArray *names; /* GBytes *: the subjects of the CA-File's CAs */
};

struct OspCertChain {
  STACK_OF(X509) * certs;
  X509 *leaf; /* one of certs, chosen by osp_cert_verify() */
};

const char *osp_cert_result_name(OspCertResult r)
{
  switch (r) {
  case OSP_CERT_OK: return "ok";
  case OSP_CERT_MALFORMED: return "malformed";
  case OSP_CERT_UNTRUSTED: return "untrusted";
  case OSP_CERT_EXPIRED: return "expired";
  case OSP_CERT_WRONG_IDENTITY: return "wrong-identity";
  case OSP_CERT_BAD_SIGNATURE: return "bad-signature";
  case OSP_CERT_NO_CA: return "no-ca";
  case OSP_CERT_BAD_LOCAL: return "bad-local";
  case OSP_CERT_BAD_PASSPHRASE: return "bad-passphrase";
  case OSP_CERT_REVOKED: return "revoked";
  }
  return "unknown";
}

static char *openssl_reason(void)
{
  unsigned long e = ERR_get_error();
  char buf[256];

  ERR_clear_error();
  if (!e)
    return g_strdup("no reason given");
  ERR_error_string_n(e, buf, sizeof(buf));
  return g_strdup(buf);
}

static GPtrArray *store_names(X509_STORE *store)
{
  GPtrArray *names = g_ptr_array_new_with_free_func((GDestroyNotify)g_bytes_unref);
  STACK_OF(X509_OBJECT) *objs = X509_STORE_get0_objects(store);

  for (int i = 0; i < sk_X509_OBJECT_num(objs); i++) {
    X509 *x = X509_OBJECT_get0_X509(sk_X509_OBJECT_value(objs, i));
    unsigned char *der = NULL;
    int len;

    if (!x)
      continue;
    len = i2d_X509_NAME(X509_get_subject_name(x), &der);
    if (len > 0)
      g_ptr_array_add(names, g_bytes_new(der, (gsize)len));
    OPENSSL_free(der);
  }
  return names;
}

OspCertResult osp_cert_store_new(const char *ca_file, const char *ca_dir, bool use_system,
                                 OspCertStore **ret, char **ret_detail)
{
  g_autoptr(OspCertStore) st = g_new0(OspCertStore, 1);
  bool have_file = ca_file && *ca_file, have_dir = ca_dir && *ca_dir;

  st->store = X509_STORE_new();
  if (!st->store)
    return OSP_CERT_NO_CA;
  ERR_clear_error();
  if (have_file) {
    if (access(ca_file, R_OK) < 0) {
      if (ret_detail)
        *ret_detail = g_strdup_printf("%s: %s", ca_file, g_strerror(errno));
      return OSP_CERT_NO_CA;
    }
    if (X509_STORE_load_file(st->store, ca_file) != 1) {
      g_autofree char *why = openssl_reason();

      if (ret_detail)
        *ret_detail = g_strdup_printf("%s: no PEM certificate could be read (%s)", ca_file, why);
      return OSP_CERT_NO_CA;
    }
  }
  if (have_dir) {
    if (access(ca_dir, R_OK | X_OK) < 0) {
      if (ret_detail)
        *ret_detail = g_strdup_printf("%s: %s", ca_dir, g_strerror(errno));
      return OSP_CERT_NO_CA;
    }
    if (X509_STORE_load_path(st->store, ca_dir) != 1) {
      g_autofree char *why = openssl_reason();

      if (ret_detail)
        *ret_detail = g_strdup_printf("%s: %s", ca_dir, why);
      return OSP_CERT_NO_CA;
    }
  }
  /* the CERTREQs name the profile's own CAs, never the hundreds of the
   * system's (an empty CERTREQ asks for any) */
  st->names = store_names(st->store);
  if (use_system && X509_STORE_set_default_paths(st->store) != 1) {
    g_autofree char *why = openssl_reason();

    if (ret_detail)
      *ret_detail = g_strdup_printf("the system's CAs cannot be used (%s)", why);
    return OSP_CERT_NO_CA;
  }
  if (!have_file && !have_dir && !use_system) {
    if (ret_detail)
      *ret_detail = g_strdup("no CA-File or CA-Dir is set, nor CA-System");
    return OSP_CERT_NO_CA;
  }
  ERR_clear_error();
  *ret = g_steal_pointer(&st);
  return OSP_CERT_OK;
}

OspCertResult osp_cert_store_add_crls(OspCertStore *st, const char *crl_file, char **ret_detail)
{
  X509_LOOKUP *lookup = X509_STORE_add_lookup(st->store, X509_LOOKUP_file());
  int n;

  ERR_clear_error();
  if (access(crl_file, R_OK) < 0) {
    if (ret_detail)
      *ret_detail = g_strdup_printf("%s: %s", crl_file, g_strerror(errno));
    return OSP_CERT_NO_CA;
  }
  n = lookup ? X509_load_crl_file(lookup, crl_file, X509_FILETYPE_PEM) : 0;
  if (n <= 0) {
    g_autofree char *why = openssl_reason();

    if (ret_detail)
      *ret_detail = g_strdup_printf("%s: no PEM CRL could be read (%s)", crl_file, why);
    return OSP_CERT_NO_CA;
  }
  X509_STORE_set_flags(st->store, X509_V_FLAG_CRL_CHECK);
  g_debug("cert: %d CRLs from %s", n, crl_file);
  return OSP_CERT_OK;
}

void osp_cert_store_free(OspCertStore *st)
{
  if (!st)
    return;
  X509_STORE_free(st->store);
  if (st->names)
    g_ptr_array_unref(st->names);
  g_free(st);
}

GPtrArray *osp_cert_store_ca_names(const OspCertStore *st, size_t max)
{
  GPtrArray *names = g_ptr_array_new_with_free_func((GDestroyNotify)g_bytes_unref);

  for (guint i = 0; i < st->names->len && names->len < max; i++)
    g_ptr_array_add(names, g_bytes_ref(st->names->pdata[i]));
  return names;
}

OspCertChain *osp_cert_chain_new(void)
{
  OspCertChain *c = g_new0(OspCertChain, 1);

  c->certs = sk_X509_new_null();
  return c;
}

void osp_cert_chain_free(OspCertChain *c)
{
  if (!c)
    return;
  sk_X509_pop_free(c->certs, X509_free);
  g_free(c);
}

size_t osp_cert_chain_len(const OspCertChain *c)
{
  return (size_t)sk_X509_num(c->certs);
}

OspCertResult osp_cert_chain_add_der(OspCertChain *c, const uint8_t *der, size_t len,
                                     const char **ret_why)
{
  const unsigned char *p = der;
  X509 *x;

  if (osp_cert_chain_len(c) >= OSP_CERT_MAX_CHAIN) {
    *ret_why = "more certificates than a chain may have";
    return OSP_CERT_MALFORMED;
  }
  if (len == 0 || len > G_MAXINT32) {
    *ret_why = "empty certificate";
    return OSP_CERT_MALFORMED;
  }
  x = d2i_X509(NULL, &p, (long)len);
  ERR_clear_error();
  if (!x || p != der + len) {
    X509_free(x);
    *ret_why = "a certificate that is not DER X.509";
    return OSP_CERT_MALFORMED;
  }
  sk_X509_push(c->certs, x);
  c->leaf = NULL;
  return OSP_CERT_OK;
}

OspCertResult osp_cert_chain_add_payload(OspCertChain *c, const uint8_t *body, size_t len,
                                         const char **ret_why)
{
  if (len < 1) {
    *ret_why = "empty CERT payload";
    return OSP_CERT_MALFORMED;
  }
  if (body[0] != OSP_CERT_ENCODING_X509_SIG) {
    g_debug("cert: skipped a CERT payload of encoding %u", body[0]);
    return OSP_CERT_OK;
  }
  return osp_cert_chain_add_der(c, body + 1, len - 1, ret_why);
}

/* The end entity: the first certificate that issued none of the others
 * (the order of CERT payloads is the peer's, not always leaf first). */
static X509 *pick_leaf(const OspCertChain *c)
{
  int n = sk_X509_num(c->certs);

  for (int i = 0; i < n; i++) {
    X509 *x = sk_X509_value(c->certs, i);
    bool issuer = false;

    for (int j = 0; j < n && !issuer; j++)
      issuer = j != i && X509_check_issued(x, sk_X509_value(c->certs, j)) == X509_V_OK;
    if (!issuer)
      return x;
  }
  return n ? sk_X509_value(c->certs, 0) : NULL;
}

static char *subject_text(X509 *x)
{
  char buf[512];

  if (!x || !X509_NAME_oneline(X509_get_subject_name(x), buf, sizeof(buf)))
    return g_strdup("?");
  return g_strdup(buf);
}

static OspCertResult map_verify_error(int err)
{
  switch (err) {
  case X509_V_ERR_CERT_HAS_EXPIRED:
  case X509_V_ERR_CERT_NOT_YET_VALID:
  case X509_V_ERR_ERROR_IN_CERT_NOT_BEFORE_FIELD:
  case X509_V_ERR_ERROR_IN_CERT_NOT_AFTER_FIELD: return OSP_CERT_EXPIRED;
  case X509_V_ERR_CERT_SIGNATURE_FAILURE:
  case X509_V_ERR_UNABLE_TO_DECRYPT_CERT_SIGNATURE:
  case X509_V_ERR_UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY: return OSP_CERT_BAD_SIGNATURE;
  case X509_V_ERR_CERT_REVOKED: return OSP_CERT_REVOKED;
  default: return OSP_CERT_UNTRUSTED;
  }
}

/* One RDN of a written DN ("CN = gw.example"): its attribute and value,
 * trimmed. */
static bool split_rdn(const char *rdn, char **ret_attr, char **ret_value)
{
  const char *eq = strchr(rdn, '=');

  if (!eq)
    return false;
  *ret_attr = g_strstrip(g_strndup(rdn, (gsize)(eq - rdn)));
  *ret_value = g_strstrip(g_strdup(eq + 1));
  return **ret_attr != '\0';
}

static bool rdn_matches(const X509_NAME_ENTRY *e, const char *rdn)
{
  g_autofree char *attr = NULL, *value = NULL;
  unsigned char *utf8 = NULL;
  int nid = OBJ_obj2nid(X509_NAME_ENTRY_get_object(e)), len;
  bool ok;

  if (!split_rdn(rdn, &attr, &value))
    return false;
  if (nid == NID_undef || (g_ascii_strcasecmp(attr, OBJ_nid2sn(nid)) != 0 &&
                           g_ascii_strcasecmp(attr, OBJ_nid2ln(nid)) != 0 &&
                           !(nid == NID_pkcs9_emailAddress && g_ascii_strcasecmp(attr, "E") == 0)))
    return false;
  len = ASN1_STRING_to_UTF8(&utf8, X509_NAME_ENTRY_get_data(e));
  if (len < 0)
    return false;
  ok = (size_t)len == strlen(value) && memcmp(utf8, value, (size_t)len) == 0;
  OPENSSL_free(utf8);
  return ok;
}

/* A DN as people write it: "C=CH, O=Example, CN=gw" (strongSwan, in the
 * order of the certificate), "/C=CH/O=Example/CN=gw" (OpenSSL), or RFC 4514
 * order (reversed).  Values containing separators are not supported. */
static bool dn_matches(const X509_NAME *name, const char *dn)
{
  g_auto(GStrv) rdns = g_strsplit_set(*dn == '/' ? dn + 1 : dn, *dn == '/' ? "/" : ",", -1);
  int n = X509_NAME_entry_count(name);
  guint len = g_strv_length(rdns);
  bool fwd = true, rev = true;

  if (n <= 0 || (guint)n != len)
    return false;
  for (int i = 0; i < n; i++) {
    fwd = fwd && rdn_matches(X509_NAME_get_entry(name, i), rdns[i]);
    rev = rev && rdn_matches(X509_NAME_get_entry(name, i), rdns[n - 1 - i]);
  }
  return fwd || rev;
}

static bool expected_matches(X509 *leaf, const char *expected)
{
  unsigned char ip[16];

  if (strchr(expected, '='))
    return dn_matches(X509_get_subject_name(leaf), expected);
  if (inet_pton(AF_INET, expected, ip) == 1 || inet_pton(AF_INET6, expected, ip) == 1)
    return X509_check_ip_asc(leaf, expected, 0) == 1;
  if (strchr(expected, '@'))
    return X509_check_email(leaf, expected, 0, 0) == 1;
  return X509_check_host(leaf, expected, 0, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS, NULL) == 1;
}

/* The peer's ID payload must name the certificate it signs with (RFC 4945
 * 3.1 says the same for IKE); an ID of another kind cannot be bound. */
static bool id_matches(X509 *leaf, const OspCertIdentity *id, const char **ret_why)
{
  g_autofree char *text = NULL;

  switch (id->id_type) {
  case OSP_ID_DER_ASN1_DN: {
    const unsigned char *p = id->id_data;
    X509_NAME *dn = d2i_X509_NAME(NULL, &p, (long)id->id_len);
    bool ok =
        dn && p == id->id_data + id->id_len && X509_NAME_cmp(dn, X509_get_subject_name(leaf)) == 0;

    X509_NAME_free(dn);
    ERR_clear_error();
    *ret_why = "the gateway's ID (a DN) is not its certificate's subject";
    return ok;
  }
  case OSP_ID_FQDN:
    *ret_why = "the gateway's ID (a host name) is not in its certificate";
    text = g_strndup((const char *)id->id_data, id->id_len);
    return strlen(text) == id->id_len && X509_check_host(leaf, text, id->id_len, 0, NULL) == 1;
  case OSP_ID_USER_FQDN:
    *ret_why = "the gateway's ID (an e-mail address) is not in its certificate";
    text = g_strndup((const char *)id->id_data, id->id_len);
    return strlen(text) == id->id_len && X509_check_email(leaf, text, id->id_len, 0) == 1;
  case OSP_ID_IPV4_ADDR:
  case OSP_ID_IPV6_ADDR:
    *ret_why = "the gateway's ID (an address) is not in its certificate";
    return id->id_len == (id->id_type == OSP_ID_IPV4_ADDR ? 4u : 16u) &&
           X509_check_ip(leaf, id->id_data, id->id_len, 0) == 1;
  default: *ret_why = "the gateway's ID is of a type a certificate cannot name"; return false;
  }
}

OspCertResult osp_cert_verify(const OspCertStore *st, OspCertChain *c, const OspCertIdentity *id,
                              time_t now, char **ret_detail)
{
  X509_STORE_CTX *ctx;
  X509 *leaf = pick_leaf(c);
  g_autofree char *subject = NULL;
  const char *why = NULL;
  int ok;

  c->leaf = NULL;
  if (!leaf) {
    if (ret_detail)
      *ret_detail = g_strdup("the gateway sent no X.509 certificate");
    return OSP_CERT_MALFORMED;
  }
  subject = subject_text(leaf);
  ctx = X509_STORE_CTX_new();
  if (!ctx || X509_STORE_CTX_init(ctx, st->store, leaf, c->certs) != 1) {
    X509_STORE_CTX_free(ctx);
    ERR_clear_error();
    return OSP_CERT_UNTRUSTED;
  }
  if (now)
    X509_STORE_CTX_set_time(ctx, 0, now);
  ok = X509_verify_cert(ctx);
  if (ok != 1) {
    int err = X509_STORE_CTX_get_error(ctx), depth = X509_STORE_CTX_get_error_depth(ctx);
    g_autofree char *at = subject_text(X509_STORE_CTX_get_current_cert(ctx));

    if (ret_detail)
      *ret_detail = depth > 0 ? g_strdup_printf("certificate \"%s\", issuer of \"%s\": %s", at,
                                                subject, X509_verify_cert_error_string(err))
                              : g_strdup_printf("certificate \"%s\": %s", subject,
                                                X509_verify_cert_error_string(err));
    X509_STORE_CTX_free(ctx);
    ERR_clear_error();
    g_debug("cert: \"%s\" refused: %s (depth %d)", subject, X509_verify_cert_error_string(err),
            depth);
    return map_verify_error(err);
  }
  X509_STORE_CTX_free(ctx);
  if (id && id->id_type && !id_matches(leaf, id, &why)) {
    if (ret_detail)
      *ret_detail = g_strdup_printf("certificate \"%s\": %s", subject, why);
    return OSP_CERT_WRONG_IDENTITY;
  }
  if (id && id->expected && *id->expected && !expected_matches(leaf, id->expected)) {
    if (ret_detail)
      *ret_detail =
          g_strdup_printf("certificate \"%s\" is not issued to \"%s\"", subject, id->expected);
    return OSP_CERT_WRONG_IDENTITY;
  }
  g_debug("cert: \"%s\" verified (%d certificates sent)", subject, sk_X509_num(c->certs));
  c->leaf = leaf;
  return OSP_CERT_OK;
}

/* RFC 4754's curves: r | s, each the size of the curve's field; 0: another
 * key.  What is signed is HASH_I / HASH_R itself, as the digest (as
 * strongSwan's IKEv1 does: no second hash over it). */
int osp_cert_key_method(EVP_PKEY *key, size_t *ret_half)
{
  int bits;

  if (EVP_PKEY_get_base_id(key) == EVP_PKEY_RSA)
    return AUTH_RSA_SIG;
  if (EVP_PKEY_get_base_id(key) != EVP_PKEY_EC)
    return 0;
  bits = EVP_PKEY_get_bits(key);
  *ret_half = (size_t)(bits + 7) / 8;
  switch (bits) {
  case 256: return AUTH_ECDSA_256;
  case 384: return AUTH_ECDSA_384;
  case 521: return AUTH_ECDSA_521;
  default: return 0;
  }
}

static bool ecdsa_verify(EVP_PKEY *key, const uint8_t *hash, size_t len, const uint8_t *sig,
                         size_t sig_len)
{
  size_t half = 0;
  ECDSA_SIG *es;
  EVP_PKEY_CTX *ctx;
  unsigned char *der = NULL;
  int der_len, ok = 0;

  if (!osp_cert_key_method(key, &half) || !half || sig_len != 2 * half)
    return false;
  es = ECDSA_SIG_new();
  if (!es || ECDSA_SIG_set0(es, BN_bin2bn(sig, (int)half, NULL),
                            BN_bin2bn(sig + half, (int)half, NULL)) != 1) {
    ECDSA_SIG_free(es);
    return false;
  }
  der_len = i2d_ECDSA_SIG(es, &der);
  ECDSA_SIG_free(es);
  ctx = EVP_PKEY_CTX_new(key, NULL);
  /* no digest set: the hash is the digest */
  if (der_len > 0 && ctx && EVP_PKEY_verify_init(ctx) == 1)
    ok = EVP_PKEY_verify(ctx, der, (size_t)der_len, hash, len);
  EVP_PKEY_CTX_free(ctx);
  OPENSSL_free(der);
  ERR_clear_error();
  return ok == 1;
}

OspCertResult osp_cert_check_sig(const OspCertChain *c, const uint8_t *hash, size_t hash_len,
                                 const uint8_t *sig, size_t sig_len)
{
  EVP_PKEY *key = c->leaf ? X509_get0_pubkey(c->leaf) : NULL;
  EVP_PKEY_CTX *ctx;
  int ok = 0;

  if (key && EVP_PKEY_get_base_id(key) == EVP_PKEY_EC)
    return ecdsa_verify(key, hash, hash_len, sig, sig_len) ? OSP_CERT_OK : OSP_CERT_BAD_SIGNATURE;
  if (!key || EVP_PKEY_get_base_id(key) != EVP_PKEY_RSA)
    return OSP_CERT_BAD_SIGNATURE;
  ctx = EVP_PKEY_CTX_new(key, NULL);
  /* no digest set: PKCS#1 type 1 over the bare hash, as RFC 2409 signs */
  if (ctx && EVP_PKEY_verify_init(ctx) == 1 &&
      EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) == 1)
    ok = EVP_PKEY_verify(ctx, sig, sig_len, hash, hash_len);
  EVP_PKEY_CTX_free(ctx);
  ERR_clear_error();
  return ok == 1 ? OSP_CERT_OK : OSP_CERT_BAD_SIGNATURE;
}

GBytes *osp_cert_subject_der(const OspCertChain *c)
{
  unsigned char *der = NULL;
  GBytes *b;
  int len;

  if (!c->leaf)
    return NULL;
  len = i2d_X509_NAME(X509_get_subject_name(c->leaf), &der);
  if (len <= 0)
    return NULL;
  b = g_bytes_new(der, (gsize)len);
  OPENSSL_free(der);
  return b;
}

struct OspCertLocal {
  EVP_PKEY *key;
  GPtrArray *certs; /* GBytes *, DER */
  GBytes *subject;
};

void osp_cert_local_free(OspCertLocal *l)
{
  if (!l)
    return;
  EVP_PKEY_free(l->key);
  if (l->certs)
    g_ptr_array_unref(l->certs);
  if (l->subject)
    g_bytes_unref(l->subject);
  g_free(l);
}

/* The passphrase OpenSSL asks for; asked says the file is encrypted. */
typedef struct {
  const char *pass;
  bool asked;
} Passphrase;

static int give_passphrase(char *buf, int size, int rwflag, void *u)
{
  Passphrase *pp = u;
  size_t len = pp->pass ? strlen(pp->pass) : 0;

  pp->asked = true;
  if (len > (size_t)size)
    return -1;
  if (len) /* memcpy() from NULL is undefined even for 0 bytes (UBSan) */
    memcpy(buf, pp->pass, len);
  return (int)len;
}

static OspCertResult local_fail(char **ret_detail, const char *path, const char *why)
{
  g_autofree char *ossl = openssl_reason();

  if (ret_detail)
    *ret_detail = g_strdup_printf("%s: %s (%s)", path, why, ossl);
  return OSP_CERT_BAD_LOCAL;
}

static OspCertResult passphrase_fail(char **ret_detail, const char *path, const char *pass)
{
  ERR_clear_error();
  if (ret_detail)
    *ret_detail = g_strdup_printf(
        pass && *pass ? "%s: wrong passphrase" : "%s: encrypted, its passphrase is needed", path);
  return OSP_CERT_BAD_PASSPHRASE;
}

static void add_der(OspCertLocal *l, X509 *x)
{
  unsigned char *der = NULL;
  int len = i2d_X509(x, &der);

  if (len > 0 && l->certs->len < OSP_CERT_MAX_CHAIN)
    g_ptr_array_add(l->certs, g_bytes_new(der, (gsize)len));
  OPENSSL_free(der);
}

/* The PEM certificates of data: ours first, then the intermediates. */
static X509 *read_pem_certs(OspCertLocal *l, const char *data, gsize len)
{
  BIO *bio = BIO_new_mem_buf(data, (int)len);
  X509 *x, *first = NULL;

  while (bio && l->certs->len < OSP_CERT_MAX_CHAIN &&
         (x = PEM_read_bio_X509(bio, NULL, NULL, NULL))) {
    add_der(l, x);
    if (!first)
      first = x;
    else
      X509_free(x);
  }
  BIO_free(bio);
  ERR_clear_error();
  return first;
}

/* A PKCS#12 file: its key, the certificate of that key (else the first
 * end entity it holds) and the CAs other than roots, which the gateway
 * has, as intermediates. */
static OspCertResult read_p12(OspCertLocal *l, PKCS12 *p12, const char *path, const char *pass,
                              X509 **ret_cert, char **ret_detail)
{
  STACK_OF(X509) *ca = NULL;
  X509 *cert = NULL;

  if (PKCS12_parse(p12, pass ? pass : "", &l->key, &cert, &ca) != 1) {
    unsigned long e = ERR_peek_last_error();

    if (ERR_GET_LIB(e) == ERR_LIB_PKCS12 && ERR_GET_REASON(e) == PKCS12_R_MAC_VERIFY_FAILURE)
      return passphrase_fail(ret_detail, path, pass);
    return local_fail(ret_detail, path, "a PKCS#12 file that cannot be read");
  }
  for (int i = 0; !cert && i < sk_X509_num(ca); i++)
    if (X509_check_ca(sk_X509_value(ca, i)) == 0)
      cert = X509_dup(sk_X509_value(ca, i));
  if (cert)
    add_der(l, cert);
  for (int i = 0; cert && i < sk_X509_num(ca); i++) {
    X509 *x = sk_X509_value(ca, i);

    if (X509_cmp(x, cert) != 0 && X509_check_issued(x, x) != X509_V_OK)
      add_der(l, x);
  }
  sk_X509_pop_free(ca, X509_free);
  ERR_clear_error();
  if (!cert)
    return local_fail(ret_detail, path, "a PKCS#12 file without a certificate of ours");
  *ret_cert = cert;
  return OSP_CERT_OK;
}

/* A PEM private key, decrypted with pass when it is encrypted. */
static OspCertResult read_pem_key(OspCertLocal *l, const char *path, const char *pass,
                                  char **ret_detail)
{
  Passphrase pp = { pass, false };
  BIO *bio = BIO_new_file(path, "r");

  if (!bio)
    return local_fail(ret_detail, path, g_strerror(errno));
  l->key = PEM_read_bio_PrivateKey(bio, NULL, give_passphrase, &pp);
  BIO_free(bio);
  if (!l->key && pp.asked)
    return passphrase_fail(ret_detail, path, pass);
  if (!l->key)
    return local_fail(ret_detail, path, "no PEM private key");
  return OSP_CERT_OK;
}

static OspCertResult local_load(OspCertLocal *l, const char *cert_file, const char *key_file,
                                const char *passphrase, char **ret_detail)
{
  g_autofree char *data = NULL;
  g_autoptr(GError) error = NULL;
  const unsigned char *p;
  bool have_key = key_file && *key_file;
  OspCertResult r = OSP_CERT_OK;
  X509 *cert = NULL;
  PKCS12 *p12;
  gsize len;

  if (!g_file_get_contents(cert_file, &data, &len, &error))
    return local_fail(ret_detail, cert_file, error->message);
  if (len > 1024 * 1024)
    return local_fail(ret_detail, cert_file, "larger than 1 MiB");
  l->certs = g_ptr_array_new_with_free_func((GDestroyNotify)g_bytes_unref);
  p = (const unsigned char *)data;
  p12 = len < G_MAXINT32 ? d2i_PKCS12(NULL, &p, (long)len) : NULL;
  ERR_clear_error();
  if (p12) {
    g_debug("cert: %s is PKCS#12", cert_file);
    r = read_p12(l, p12, cert_file, passphrase, &cert, ret_detail);
    PKCS12_free(p12);
  } else if (!have_key) {
    if (ret_detail)
      *ret_detail = g_strdup("Client key must be set unless Client certificate is PKCS#12");
    return OSP_CERT_BAD_LOCAL;
  } else if (!(cert = read_pem_certs(l, data, len))) {
    return local_fail(ret_detail, cert_file, "neither PEM certificates nor PKCS#12");
  }
  if (r == OSP_CERT_OK && !l->key && !have_key)
    r = local_fail(ret_detail, cert_file, "a PKCS#12 file without a private key");
  else if (r == OSP_CERT_OK && !l->key)
    r = read_pem_key(l, key_file, passphrase, ret_detail);
  if (r == OSP_CERT_OK && !osp_cert_local_method(l))
    r = local_fail(ret_detail, have_key ? key_file : cert_file,
                   "neither an RSA key nor an ECDSA one of P-256, P-384 or P-521");
  else if (r == OSP_CERT_OK && X509_check_private_key(cert, l->key) != 1)
    r = local_fail(ret_detail, have_key ? key_file : cert_file, "not the key of the certificate");
  if (r == OSP_CERT_OK) {
    unsigned char *der = NULL;
    int dlen = i2d_X509_NAME(X509_get_subject_name(cert), &der);

    if (dlen > 0)
      l->subject = g_bytes_new(der, (gsize)dlen);
    OPENSSL_free(der);
  }
  X509_free(cert);
  ERR_clear_error();
  return r;
}

OspCertResult osp_cert_local_load(const char *cert_file, const char *key_file,
                                  const char *passphrase, OspCertLocal **ret, char **ret_detail)
{
  g_autoptr(OspCertLocal) l = g_new0(OspCertLocal, 1);
  OspCertResult r;

  ERR_clear_error();
  if (!cert_file || !*cert_file) {
    if (ret_detail)
      *ret_detail = g_strdup("Client certificate must be set");
    return OSP_CERT_BAD_LOCAL;
  }
  r = local_load(l, cert_file, key_file, passphrase, ret_detail);
  if (r == OSP_CERT_OK)
    *ret = g_steal_pointer(&l);
  return r;
}

const GPtrArray *osp_cert_local_certs(const OspCertLocal *l)
{
  return l->certs;
}

GBytes *osp_cert_local_subject(const OspCertLocal *l)
{
  return l->subject;
}

static int ecdsa_sign(EVP_PKEY *key, const uint8_t *hash, size_t len, GByteArray *out)
{
  size_t half = 0, der_len = 0;
  EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new(key, NULL);
  g_autofree unsigned char *der = NULL;
  const unsigned char *p;
  ECDSA_SIG *es = NULL;
  const BIGNUM *r, *s;
  guint at = out->len;
  int ok = 0;

  if (osp_cert_key_method(key, &half) && half && ctx && EVP_PKEY_sign_init(ctx) == 1 &&
      EVP_PKEY_sign(ctx, NULL, &der_len, hash, len) == 1) {
    der = g_malloc(der_len);
    ok = EVP_PKEY_sign(ctx, der, &der_len, hash, len);
  }
  EVP_PKEY_CTX_free(ctx);
  p = der;
  if (ok == 1)
    es = d2i_ECDSA_SIG(NULL, &p, (long)der_len);
  ok = 0;
  if (es) {
    ECDSA_SIG_get0(es, &r, &s);
    g_byte_array_set_size(out, at + (guint)(2 * half));
    ok = BN_bn2binpad(r, out->data + at, (int)half) == (int)half &&
         BN_bn2binpad(s, out->data + at + half, (int)half) == (int)half;
    ECDSA_SIG_free(es);
  }
  ERR_clear_error();
  if (!ok) {
    g_byte_array_set_size(out, at);
    return -EIO;
  }
  return 0;
}

int osp_cert_local_method(const OspCertLocal *l)
{
  size_t half;

  return osp_cert_key_method(l->key, &half);
}

int osp_cert_local_sign(const OspCertLocal *l, const uint8_t *hash, size_t hash_len,
                        GByteArray *out)
{
  EVP_PKEY_CTX *ctx;
  size_t len = (size_t)EVP_PKEY_get_size(l->key);
  guint at = out->len;
  int ok = 0;

  if (EVP_PKEY_get_base_id(l->key) == EVP_PKEY_EC)
    return ecdsa_sign(l->key, hash, hash_len, out);
  ctx = EVP_PKEY_CTX_new(l->key, NULL);
  g_byte_array_set_size(out, at + (guint)len);
  if (ctx && EVP_PKEY_sign_init(ctx) == 1 &&
      EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) == 1)
    ok = EVP_PKEY_sign(ctx, out->data + at, &len, hash, hash_len);
  EVP_PKEY_CTX_free(ctx);
  ERR_clear_error();
  if (ok != 1) {
    g_byte_array_set_size(out, at);
    return -EIO;
  }
  g_byte_array_set_size(out, at + (guint)len);
  return 0;
}
