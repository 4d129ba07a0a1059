/* SPDX-License-Identifier: GPL-2.0-or-later
 * Osprey — phase 1, aggressive mode with pre-shared key and XAUTH
 * (RFC 2409 section 5.4, draft-beaulieu-ike-xauth-02):
 *
 *   Initiator                         Responder
 *   HDR, SA, KE, Ni, IDii, VIDs  -->
 *                                <--  HDR, SA, KE, Nr, IDir, HASH_R, VIDs, [NAT-D, NAT-D]
 *   HDR*, HASH_I, [NAT-D, NAT-D] -->
 *
 * or hybrid authentication (draft-ietf-ipsec-isakmp-hybrid-auth-05): the
 * gateway signs, the user authenticates with XAUTH afterwards:
 *
 *   HDR, SA, KE, Ni, IDii, CR, VIDs -->
 *                                <--  HDR, SA, KE, Nr, IDir, CERT..., SIG_R, VIDs, [NAT-D...]
 *   HDR*, HASH_I, [NAT-D, NAT-D] -->
 *
 * SKEYID = prf(Ni_b | Nr_b, g^xy) then, SIG_R signs HASH_R (RFC 2409 5.1).
 */
#include "osp-session-private.h"

#include <arpa/inet.h>
#include <errno.h>
#include <glib/gi18n-lib.h>
#include <openssl/crypto.h>
#include <string.h>

/* Our phase-1 transforms, strongest first.  Only those the profile allows
 * are offered: a gateway picks by its own policy order, so a weak transform
 * in the offer may be chosen although a strong one would have done. */
typedef struct {
  OspCipher cipher;
  unsigned key_bits;
  OspHash hash;
} P1Transform;

static const P1Transform p1_transforms[] = {
  { OSP_CIPHER_AES_CBC, 256, OSP_HASH_SHA256 }, { OSP_CIPHER_AES_CBC, 256, OSP_HASH_SHA1 },
  { OSP_CIPHER_AES_CBC, 128, OSP_HASH_SHA256 }, { OSP_CIPHER_AES_CBC, 128, OSP_HASH_SHA1 },
  { OSP_CIPHER_AES_CBC, 256, OSP_HASH_SHA512 }, { OSP_CIPHER_AES_CBC, 256, OSP_HASH_SHA384 },
  { OSP_CIPHER_AES_CBC, 192, OSP_HASH_SHA1 },   { OSP_CIPHER_3DES, 0, OSP_HASH_SHA1 },
  { OSP_CIPHER_3DES, 0, OSP_HASH_MD5 },         { OSP_CIPHER_AES_CBC, 128, OSP_HASH_MD5 },
  { OSP_CIPHER_AES_CBC, 256, OSP_HASH_MD5 },    { OSP_CIPHER_DES, 0, OSP_HASH_SHA1 },
  { OSP_CIPHER_DES, 0, OSP_HASH_MD5 },
};

/* Vendor IDs, with the text whose MD5 they start with where they are one
 * (test-phase1 checks each against it): with a wrong byte the gateway
 * silently takes us for a client without the feature. */
const OspVendorId osp_vendor_ids[OSP_VID_N] = {
  [OSP_VID_XAUTH] = { "XAUTH",
                      "draft-ietf-ipsra-isakmp-xauth-06.txt",
                      8,
                      8,
                      { 0x09, 0x00, 0x26, 0x89, 0xdf, 0xd6, 0xb7, 0x12 } },
  /* RFC 3706: not a digest; the last two bytes are the version 1.0 */
  [OSP_VID_DPD] = { "DPD",
                    NULL,
                    16,
                    14,
                    { 0xaf, 0xca, 0xd7, 0x13, 0x68, 0xa1, 0xf1, 0xc9, 0x6b, 0x86, 0x96, 0xfc, 0x77,
                      0x57, 0x01, 0x00 } },
  /* 14 bytes of the MD5, then the version 1.0 */
  [OSP_VID_UNITY] = { "Cisco Unity",
                      "CISCO-UNITY",
                      16,
                      14,
                      { 0x12, 0xf5, 0xf2, 0x8c, 0x45, 0x71, 0x68, 0xa9, 0x70, 0x2d, 0x9f, 0xe2,
                        0x74, 0xcc, 0x01, 0x00 } },
  /* Cisco IKE fragmentation: the digest, then the capability (IKE
   * fragmentation, 0x80000000) */
  [OSP_VID_FRAG] = { "Cisco fragmentation",
                     "FRAGMENTATION",
                     20,
                     16,
                     { 0x40, 0x48, 0xb7, 0xd5, 0x6e, 0xbc, 0xe8, 0x85, 0x25, 0xe7,
                       0xde, 0x7f, 0x00, 0xd6, 0xc2, 0xd3, 0x80, 0x00, 0x00, 0x00 } },
  /* NAT-T: RFC 3947 first, then the drafts gateways still speak */
  [OSP_VID_NATT_RFC] = { "RFC 3947",
                         "RFC 3947",
                         16,
                         16,
                         { 0x4a, 0x13, 0x1c, 0x81, 0x07, 0x03, 0x58, 0x45, 0x5c, 0x57, 0x28, 0xf2,
                           0x0e, 0x95, 0x45, 0x2f } },
  [OSP_VID_NATT_02] = { "NAT-T draft 02",
                        "draft-ietf-ipsec-nat-t-ike-02",
                        16,
                        16,
                        { 0xcd, 0x60, 0x46, 0x43, 0x35, 0xdf, 0x21, 0xf8, 0x7c, 0xfd, 0xb2, 0xfc,
                          0x68, 0xb6, 0xa4, 0x48 } },
  [OSP_VID_NATT_02N] = { "NAT-T draft 02 (with newline)",
                         "draft-ietf-ipsec-nat-t-ike-02\n",
                         16,
                         16,
                         { 0x90, 0xcb, 0x80, 0x91, 0x3e, 0xbb, 0x69, 0x6e, 0x08, 0x63, 0x81, 0xb5,
                           0xec, 0x42, 0x7b, 0x1f } },
  [OSP_VID_NATT_03] = { "NAT-T draft 03",
                        "draft-ietf-ipsec-nat-t-ike-03",
                        16,
                        16,
                        { 0x7d, 0x94, 0x19, 0xa6, 0x53, 0x10, 0xca, 0x6f, 0x2c, 0x17, 0x9d, 0x92,
                          0x15, 0x52, 0x9d, 0x56 } },
  [OSP_VID_NATT_00] = { "NAT-T draft 00",
                        "draft-ietf-ipsec-nat-t-ike-00",
                        16,
                        16,
                        { 0x44, 0x85, 0x15, 0x2d, 0x18, 0xb6, 0xbb, 0xcd, 0x0b, 0xe8, 0xa8, 0x46,
                          0x95, 0x79, 0xdd, 0xcc } },
  [OSP_VID_NATT_01] = { "NAT-T draft 01",
                        "draft-ietf-ipsec-nat-t-ike-01",
                        16,
                        16,
                        { 0x16, 0xf6, 0xca, 0x16, 0xe4, 0xa4, 0x06, 0x6d, 0x83, 0x82, 0x1a, 0x0f,
                          0x0a, 0xea, 0xa8, 0x62 } },
};

static bool transform_allowed(const OspProfile *p, const P1Transform *t)
{
  if (t->cipher == OSP_CIPHER_DES && !p->enable_single_des)
    return false;
  return !osp_session_weak_settings(p, t->cipher == OSP_CIPHER_3DES, t->hash == OSP_HASH_MD5);
}

/* Each allowed transform once per authentication method: XAUTH first (the
 * common case), then plain pre-shared key for groups without XAUTH, as vpnc
 * offers them.  Some gateways (strongSwan) take the method of the first
 * transform only: after an AUTHENTICATION-FAILED, PSK goes first. */
static void build_sa(OspSession *s, GByteArray *b)
{
  const uint16_t auths[2] = { s->p1.psk_first ? AUTH_PSK : AUTH_XAUTH_INIT_PSK,
                              s->p1.psk_first ? AUTH_XAUTH_INIT_PSK : AUTH_PSK };
  static const uint16_t hybrid[1] = { AUTH_HYBRID_INIT_RSA };
  static const uint16_t cert[2] = { AUTH_XAUTH_INIT_RSA, AUTH_RSA_SIG };
  OspAuthMode mode = s->profile->auth_mode;
  /* an ECDSA key has its one method, without XAUTH (RFC 4754) */
  const uint16_t ecdsa[1] = { s->p1.local ? (uint16_t)osp_cert_local_method(s->p1.local) : 0 };
  bool ec = mode == OSP_AUTH_CERT && ecdsa[0] != AUTH_RSA_SIG;
  const uint16_t *methods = mode == OSP_AUTH_HYBRID ? hybrid
                            : ec                    ? ecdsa
                            : mode == OSP_AUTH_CERT ? cert
                                                    : auths;
  size_t n_methods = mode == OSP_AUTH_HYBRID || ec ? 1 : 2;
  size_t i, a, n = 0, prop, total = 0;

  for (i = 0; i < G_N_ELEMENTS(p1_transforms); i++)
    if (transform_allowed(s->profile, &p1_transforms[i]))
      total += n_methods;
  osp_sa_begin(b, 1, 1);
  prop = osp_proposal_begin(b, 1, OSP_PROTO_ISAKMP, NULL, 0);
  for (a = 0; a < n_methods; a++)
    for (i = 0; i < G_N_ELEMENTS(p1_transforms); i++) {
      const P1Transform *t = &p1_transforms[i];
      size_t off;

      if (!transform_allowed(s->profile, t))
        continue;
      n++;
      off = osp_transform_begin(b, (uint8_t)n, 1 /* KEY_IKE */);
      osp_put_attr_basic(b, A_ENC, t->cipher);
      if (t->key_bits)
        osp_put_attr_basic(b, A_KEY_LEN, (uint16_t)t->key_bits);
      osp_put_attr_basic(b, A_HASH, t->hash);
      osp_put_attr_basic(b, A_AUTH, methods[a]);
      osp_put_attr_basic(b, A_GROUP, (uint16_t)s->p1.dh_group);
      osp_put_attr_basic(b, A_LIFE_TYPE, 1);
      osp_put_attr_uint(b, A_LIFE_DUR, s->profile->ike_lifetime);
      osp_transform_end(b, off, n == total);
    }
  osp_proposal_end(b, prop, (uint8_t)n, true);
}

void osp_phase1_clear(OspSession *s)
{
  osp_dh_free(s->p1.dh);
  s->p1.dh = NULL;
  if (s->p1.sai_b)
    g_byte_array_unref(s->p1.sai_b);
  if (s->p1.idii_b)
    g_byte_array_unref(s->p1.idii_b);
  s->p1.sai_b = s->p1.idii_b = NULL;
  osp_cert_store_free(s->p1.ca);
  s->p1.ca = NULL;
  osp_mainmode_clear(s);
}

/* Hybrid and cert: the CAs of the profile, before anything is sent. */
static bool load_ca(OspSession *s)
{
  g_autofree char *detail = NULL;
  const OspProfile *p = s->profile;

  if (osp_cert_store_new(p->ca_file, p->ca_dir, p->ca_system, &s->p1.ca, &detail) != OSP_CERT_OK) {
    osp_session_fail(s, OSP_ERROR_CONFIG,
                     _("The gateway's certificate cannot be verified without its CA (CA-File or "
                       "CA-Dir): %s."),
                     detail);
    return false;
  }
  if (p->crl_file && *p->crl_file &&
      osp_cert_store_add_crls(s->p1.ca, p->crl_file, &detail) != OSP_CERT_OK) {
    osp_session_fail(s, OSP_ERROR_CONFIG, _("The CRL-File cannot be used: %s."), detail);
    return false;
  }
  return true;
}

void osp_phase1_build_id(OspSession *s, GByteArray *b)
{
  const OspProfile *p = s->profile;

  if (p->id_type == OSP_ID_IPV4_ADDR) {
    struct in_addr a;
    size_t len;
    const uint8_t *ours = osp_addr_bytes(&s->params.local, &len);

    if (inet_pton(AF_INET, p->group_id, &a) == 1)
      osp_put_id(b, OSP_ID_IPV4_ADDR, 17, 500, &a, 4);
    else /* our address: over IPv6 an IPv6 one */
      osp_put_id(b, len == 16 ? OSP_ID_IPV6_ADDR : OSP_ID_IPV4_ADDR, 17, 500, ours, len);
    return;
  }
  osp_put_id(b, (uint8_t)p->id_type, 17, 500, p->group_id, strlen(p->group_id));
}

/* A gateway sends its certificate when asked (strongSwan's default), and
 * may ignore a CERTREQ that names no CA: one per CA of the profile, an
 * empty one when none can be named (a CA-Dir is read lazily). */
void osp_phase1_add_certreqs(OspSession *s, OspMsg *m)
{
  g_autoptr(GPtrArray) names = osp_cert_store_ca_names(s->p1.ca, 4);
  static const uint8_t enc = OSP_CERT_ENCODING_X509_SIG;

  if (names->len == 0)
    osp_msg_add_payload(m, OSP_PL_CR, &enc, 1);
  for (guint i = 0; i < names->len; i++) {
    gsize len;
    const uint8_t *dn = g_bytes_get_data(names->pdata[i], &len);

    osp_msg_begin_payload(m, OSP_PL_CR);
    g_byte_array_append(m->buf, &enc, 1);
    g_byte_array_append(m->buf, dn, (guint)len);
    osp_msg_end_payload(m);
  }
}

void osp_phase1_start(OspSession *s)
{
  OspIsakmpHdr h;
  OspMsg m;
  const uint8_t *pub;
  size_t pub_len, i;
  int r;

  osp_phase1_clear(s);
  if (s->profile->auth_mode != OSP_AUTH_PSK && !load_ca(s))
    return;
  if (s->profile->auth_mode == OSP_AUTH_CERT && !osp_mainmode_load(s))
    return;
  s->p1.dh_group = s->p1.groups[s->p1.group_idx];
  if (!osp_dh_group_supported(s->p1.dh_group)) {
    osp_session_fail(s, OSP_ERROR_CONFIG, _("Diffie-Hellman group %d is not supported."),
                     s->p1.dh_group);
    return;
  }
  /* a new attempt is a new IKE SA: other cookies, no keys */
  osp_ike_sa_free(s->ike);
  s->ike = osp_ike_sa_new();
  osp_random(s->ike->icookie, 8);
  osp_random(s->p1.ni, sizeof(s->p1.ni));
  r = osp_dh_new(s->p1.dh_group, &s->p1.dh);
  if (r < 0) {
    osp_session_fail(s, OSP_ERROR_FAILED, _("Could not create a Diffie-Hellman key: %s"),
                     g_strerror(-r));
    return;
  }
  pub = osp_dh_public(s->p1.dh, &pub_len);

  s->p1.sai_b = g_byte_array_new();
  build_sa(s, s->p1.sai_b);
  if (osp_phase1_is_main(s->profile)) {
    osp_mainmode_start(s);
    return;
  }
  s->p1.idii_b = g_byte_array_new();
  osp_phase1_build_id(s, s->p1.idii_b);

  osp_ike_sa_hdr(s->ike, &h, OSP_EXCH_AGGRESSIVE, 0, false);
  osp_msg_init(&m, &h);
  osp_msg_add_payload(&m, OSP_PL_SA, s->p1.sai_b->data, s->p1.sai_b->len);
  osp_msg_add_payload(&m, OSP_PL_KE, pub, pub_len);
  osp_msg_add_payload(&m, OSP_PL_NONCE, s->p1.ni, sizeof(s->p1.ni));
  osp_msg_add_payload(&m, OSP_PL_ID, s->p1.idii_b->data, s->p1.idii_b->len);
  if (s->p1.ca)
    osp_phase1_add_certreqs(s, &m);
  for (i = 0; i < OSP_VID_N; i++)
    if (i < OSP_VID_NATT_RFC || osp_phase1_natt_wanted(s->profile))
      osp_msg_add_payload(&m, OSP_PL_VID, osp_vendor_ids[i].bytes, osp_vendor_ids[i].len);
  g_debug("phase 1: aggressive mode with %s, %s", osp_dh_group_name(s->p1.dh_group),
          s->p1.ca          ? "hybrid"
          : s->p1.psk_first ? "PSK first"
                            : "XAUTH first");
  /* with more groups left to try, fall back after a shorter silence (an
   * answer to the first try within 3 s) */
  osp_session_send(s, g_byte_array_ref(osp_msg_finish(&m)),
                   s->p1.group_idx + 1 < s->p1.n_groups ? 2 : 5);
  osp_msg_clear(&m);
}

/* DH groups of the automatic mode (RFC 3526 MODP of 2048 bits and more,
 * RFC 5903 ECP): MODP-2048 first, which most IKEv1 gateways accept, then
 * the ECP groups (cheapest to compute; what ECP-only gateways need), then
 * the larger MODP groups.  Each refusal costs one round trip. */
static const int strong_groups[] = { 14, 19, 20, 15, 21, 16 };
/* only with "Enable weak DH group" (Logjam: precomputation breaks them) */
static const int weak_groups[] = { 5, 2 };

static void add_group(OspSession *s, int g)
{
  size_t i;

  for (i = 0; i < s->p1.n_groups; i++)
    if (s->p1.groups[i] == g)
      return;
  if (s->p1.n_groups < G_N_ELEMENTS(s->p1.groups) && osp_dh_group_supported(g))
    s->p1.groups[s->p1.n_groups++] = g;
}

void osp_phase1_init_groups(OspSession *s)
{
  const OspProfile *p = s->profile;
  int hint = s->params.dh_group_hint;
  size_t i;

  s->p1.n_groups = s->p1.group_idx = 0;
  if (p->dh_group != OSP_DH_AUTO) {
    s->p1.groups[s->p1.n_groups++] = p->dh_group; /* checked when phase 1 starts */
    return;
  }
  /* the group that worked last time first; a weak one is never taken from
   * there (the file may predate this rule, or be forged) */
  if (hint > 0 && !osp_dh_group_weak(hint))
    add_group(s, hint);
  for (i = 0; i < G_N_ELEMENTS(strong_groups); i++)
    add_group(s, strong_groups[i]);
  if (p->enable_weak_dh_group)
    for (i = 0; i < G_N_ELEMENTS(weak_groups); i++)
      add_group(s, weak_groups[i]);
}

/* The automatic mode moves to the next group; false at the end of the list
 * or with an explicit group. */
static bool next_group(OspSession *s, const char *why)
{
  if (s->profile->dh_group != OSP_DH_AUTO || s->p1.group_idx + 1 >= s->p1.n_groups)
    return false;
  g_debug("%s with DH group %d; trying group %d", why, s->p1.dh_group,
          s->p1.groups[s->p1.group_idx + 1]);
  s->p1.group_idx++;
  osp_phase1_start(s);
  return true;
}

bool osp_phase1_natt_wanted(const OspProfile *p)
{
  return p->natt_mode != OSP_NATT_NONE && p->natt_mode != OSP_NATT_CISCO_UDP;
}

void osp_phase1_bad_hash_r(OspSession *s)
{
  osp_session_rejected(s, OSP_ERROR_BAD_GROUP_SECRET,
                       _("The gateway answered, but its answer could not be authenticated with "
                         "the group secret (bad HASH_R): the group secret (IPSec secret) is "
                         "probably wrong."));
}

bool osp_phase1_silence(OspSession *s)
{
  /* in main mode past message 2 the gateway has taken our group; with
   * the group secret, silence after message 5 is a gateway that could not
   * decrypt it (strongSwan drops it), unless it said something else */
  if (s->p1.mm_step == 5 && s->profile->auth_mode == OSP_AUTH_PSK && !s->rejected) {
    s->rejected = g_strdup(_("The gateway did not answer our main mode message 5, which it cannot "
                             "read with another group secret: the group secret (IPSec secret) is "
                             "probably wrong."));
    s->rejected_code = OSP_ERROR_BAD_GROUP_SECRET;
  }
  if (s->p1.mm_step > 1)
    return false;
  return next_group(s, "no answer");
}

/* The settings (quoted, joined with "and") that would let us offer more,
 * for the error when the gateway took none of our offer; NULL if none. */
static char *widening_settings(const OspProfile *p)
{
  const char *names[3];
  size_t n = 0;

  if (!p->enable_weak_encryption)
    names[n++] = "\"Enable weak encryption\"";
  if (!p->enable_weak_authentication)
    names[n++] = "\"Enable weak authentication\"";
  if (p->dh_group == OSP_DH_AUTO && !p->enable_weak_dh_group)
    names[n++] = "\"Enable weak DH group\"";
  if (n == 0)
    return NULL;
  if (n == 1)
    return g_strdup(names[0]);
  if (n == 2)
    return g_strdup_printf("%s and %s", names[0], names[1]);
  return g_strdup_printf("%s, %s and %s", names[0], names[1], names[2]);
}

/* An error notify before phase 1 completes: unauthenticated, so it may be
 * forged; it only says what the timeout reports. */
void osp_phase1_notify(OspSession *s, const OspNotify *nt)
{
  g_autofree char *wider = NULL;

  if (nt->type == OSP_N_NO_PROPOSAL_CHOSEN && next_group(s, "gateway refused the proposal"))
    return;
  if (nt->type == OSP_N_AUTHENTICATION_FAILED && !s->p1.psk_first) {
    /* a gateway that takes the method of our first transform (strongSwan)
     * refuses XAUTH for a group without it: offer plain PSK first */
    g_debug("gateway refused XAUTH authentication; offering plain PSK first");
    s->p1.psk_first = true;
    osp_phase1_start(s);
    return;
  }
  switch (osp_session_error_from_notify(nt->type)) {
  case OSP_ERROR_NO_PROPOSAL:
    wider = widening_settings(s->profile);
    if (wider) {
      osp_session_rejected(s, OSP_ERROR_NO_PROPOSAL,
                           _("The gateway accepted none of the proposed IKE algorithms (%s). If "
                             "it allows only weak ones, set %s in the profile."),
                           osp_notify_name(nt->type), wider);
      return;
    }
    osp_session_rejected(s, OSP_ERROR_NO_PROPOSAL,
                         _("The gateway accepted none of the proposed IKE algorithms (%s)."),
                         osp_notify_name(nt->type));
    return;
  case OSP_ERROR_BAD_GROUP_SECRET:
    osp_session_rejected(s, OSP_ERROR_BAD_GROUP_SECRET,
                         _("The gateway rejected the group name or group secret (%s)."),
                         osp_notify_name(nt->type));
    return;
  default:
    osp_session_rejected(s, OSP_ERROR_GATEWAY_REJECTED,
                         _("The gateway refused the connection (%s)."), osp_notify_name(nt->type));
    return;
  }
}

int osp_phase1_parse_choice(const OspSa *sa, P1Choice *c, const char **why)
{
  const OspTransform *t;
  const uint8_t *p;
  size_t left;
  OspAttr a;
  int r;

  memset(c, 0, sizeof(*c));
  if (sa->n_proposals != 1 || sa->proposals[0].n_transforms != 1) {
    *why = "gateway chose more than one phase-1 transform";
    return -EBADMSG;
  }
  t = &sa->proposals[0].transforms[0];
  p = t->attrs;
  left = t->attrs_len;
  while ((r = osp_attr_next(&p, &left, &a, why)) > 0) {
    uint32_t v = 0;

    if (osp_attr_uint(&a, &v) < 0)
      continue;
    switch (a.type) {
    case A_ENC: c->cipher = (int)v; break;
    case A_HASH: c->hash = (int)v; break;
    case A_AUTH: c->auth = (int)v; break;
    case A_GROUP: c->group = (int)v; break;
    case A_KEY_LEN: c->key_bits = v; break;
    case A_LIFE_TYPE: c->life_type = (int)v; break;
    case A_LIFE_DUR:
      if (c->life_type == 1)
        c->life = v;
      break;
    default: break;
    }
  }
  return r;
}

bool osp_phase1_choice_offered(const OspSession *s, const P1Choice *c)
{
  size_t i;

  if (c->group != s->p1.dh_group)
    return false;
  switch (s->profile->auth_mode) {
  case OSP_AUTH_PSK:
    if (c->auth != AUTH_XAUTH_INIT_PSK && c->auth != AUTH_PSK)
      return false;
    break;
  case OSP_AUTH_HYBRID:
    if (c->auth != AUTH_HYBRID_INIT_RSA)
      return false;
    break;
  case OSP_AUTH_CERT:
    if (osp_cert_local_method(s->p1.local) != AUTH_RSA_SIG) {
      if (c->auth != osp_cert_local_method(s->p1.local))
        return false;
    } else if (c->auth != AUTH_XAUTH_INIT_RSA && c->auth != AUTH_RSA_SIG) {
      return false;
    }
    break;
  }
  for (i = 0; i < G_N_ELEMENTS(p1_transforms); i++) {
    const P1Transform *t = &p1_transforms[i];

    if (transform_allowed(s->profile, t) && (int)t->cipher == c->cipher &&
        (int)t->hash == c->hash && t->key_bits == c->key_bits)
      return true;
  }
  return false;
}

/* The lifetime in seconds of message 2: the chosen transform's, or a
 * shorter one in a RESPONDER-LIFETIME notify (RFC 2407 4.6.3.1: phase-1
 * attributes for protocol ISAKMP), as some gateways send; 0 = none. */
uint32_t osp_phase1_responder_lifetime(const OspPayload *pl, size_t n, uint32_t chosen)
{
  uint32_t life = chosen;
  size_t i;

  for (i = 0; i < n; i++) {
    const char *why = NULL;
    const uint8_t *p;
    size_t left;
    OspNotify nt;
    OspAttr a;
    int type = 0;

    if (pl[i].type != OSP_PL_NOTIFY || osp_notify_parse(pl[i].body, pl[i].len, &nt, &why) < 0 ||
        nt.type != OSP_N_RESPONDER_LIFETIME || nt.protocol != OSP_PROTO_ISAKMP)
      continue;
    p = nt.data;
    left = nt.data_len;
    while (osp_attr_next(&p, &left, &a, &why) > 0) {
      uint32_t v = 0;

      if (osp_attr_uint(&a, &v) < 0)
        continue;
      if (a.type == A_LIFE_TYPE)
        type = (int)v;
      else if (a.type == A_LIFE_DUR && type == 1 && v && (!life || v < life))
        life = v;
    }
  }
  return life;
}

void osp_phase1_note_vendor_ids(OspSession *s, const OspPayload *pl, size_t n)
{
  size_t i, k;

  for (i = 0; i < n; i++) {
    if (pl[i].type != OSP_PL_VID)
      continue;
    for (k = 0; k < OSP_VID_N; k++) {
      const OspVendorId *v = &osp_vendor_ids[k];

      /* NAT-T IDs exactly; the others may carry another version */
      if (pl[i].len < v->match_len || (k >= OSP_VID_NATT_RFC && pl[i].len != v->len) ||
          memcmp(pl[i].body, v->bytes, v->match_len) != 0)
        continue;
      if (k == OSP_VID_XAUTH)
        continue; /* what phase 1 chose says whether XAUTH follows */
      if (k == OSP_VID_DPD)
        s->peer_dpd = true;
      else if (k == OSP_VID_UNITY)
        s->peer_unity = true;
      else if (k == OSP_VID_FRAG)
        s->peer_frag = true;
      else
        s->ike->natt_draft = MAX(s->ike->natt_draft, k == OSP_VID_NATT_RFC ? 2 : 1);
    }
  }
  if (!osp_phase1_natt_wanted(s->profile))
    s->ike->natt_draft = 0;
  s->ike->natd_type = s->ike->natt_draft == 2 ? OSP_PL_NAT_D : OSP_PL_NAT_D_DRAFT;
}

/* RFC 3947 3.2: the first NAT-D is the hash of the receiver (us, as the
 * gateway saw us), the rest are the sender's own addresses. */
bool osp_phase1_detect_nat(OspSession *s, const OspPayload *pl, size_t n)
{
  uint8_t ours[64], theirs[64];
  size_t hlen = osp_hash_len(s->ike->hash), i, seen = 0;
  bool we_match = false, they_match = false;

  osp_ike_sa_natd(s->ike, &s->params.local, ours);
  osp_ike_sa_natd(s->ike, &s->params.peer, theirs);
  for (i = 0; i < n; i++) {
    if (pl[i].type != OSP_PL_NAT_D && pl[i].type != OSP_PL_NAT_D_DRAFT)
      continue;
    if (pl[i].len != hlen)
      continue;
    if (seen++ == 0)
      we_match = CRYPTO_memcmp(pl[i].body, ours, hlen) == 0;
    else if (CRYPTO_memcmp(pl[i].body, theirs, hlen) == 0)
      they_match = true;
  }
  if (seen == 0)
    return false;
  /* a gateway that must encapsulate (e.g. strongSwan with kernel-libipsec)
   * sends a random hash for itself to force the float: that is a NAT too */
  g_debug("NAT-T: %s behind NAT, gateway %s behind NAT", we_match ? "not" : "we are",
          they_match ? "not" : "is");
  return !we_match || !they_match;
}

/* The keys of a message 2 into sa, a candidate IKE SA with the chosen
 * algorithms and both cookies. */
static int derive_keys(OspSession *s, OspIkeSa *sa, const OspPayload *nr, const OspPayload *ke)
{
  g_autoptr(OspSecret) gxy = NULL;
  size_t pub_len;
  const uint8_t *pub;
  int r;

  r = osp_dh_compute(s->p1.dh, ke->body, ke->len, &gxy);
  if (r < 0)
    return r;
  pub = osp_dh_public(s->p1.dh, &pub_len);
  if (s->p1.ca)
    return osp_ike_sa_derive_sig(sa, OSP_SLICE(s->p1.ni, sizeof(s->p1.ni)),
                                 OSP_SLICE(nr->body, nr->len), gxy, OSP_SLICE(pub, pub_len),
                                 OSP_SLICE(ke->body, ke->len));
  return osp_ike_sa_derive_psk(sa, (const uint8_t *)s->profile->group_secret,
                               strlen(s->profile->group_secret),
                               OSP_SLICE(s->p1.ni, sizeof(s->p1.ni)), OSP_SLICE(nr->body, nr->len),
                               gxy, OSP_SLICE(pub, pub_len), OSP_SLICE(ke->body, ke->len));
}

int osp_phase1_auth_hash(const OspIkeSa *sa, bool initiator, OspSlice gxi, OspSlice gxr,
                         const GByteArray *sai_b, OspSlice id_b, uint8_t *out)
{
  /* HASH_I = prf(SKEYID, g^xi | g^xr | CKY-I | CKY-R | SAi_b | IDii_b)
   * HASH_R = prf(SKEYID, g^xr | g^xi | CKY-R | CKY-I | SAi_b | IDir_b) */
  OspSlice parts[6] = {
    initiator ? gxi : gxr,
    initiator ? gxr : gxi,
    OSP_SLICE(initiator ? sa->icookie : sa->rcookie, 8),
    OSP_SLICE(initiator ? sa->rcookie : sa->icookie, 8),
    OSP_SLICE(sai_b->data, sai_b->len),
    id_b,
  };

  return osp_prf(sa->hash, sa->skeyid->data, sa->skeyid->len, parts, 6, out);
}

static int hash_r(OspSession *s, const OspIkeSa *sa, const OspPayload *ke, const OspPayload *id,
                  uint8_t *want)
{
  /* HASH_R = prf(SKEYID, g^xr | g^xi | CKY-R | CKY-I | SAi_b | IDir_b) */
  size_t pub_len;
  const uint8_t *pub = osp_dh_public(s->p1.dh, &pub_len);
  OspSlice parts[6] = {
    OSP_SLICE(ke->body, ke->len),
    OSP_SLICE(pub, pub_len),
    OSP_SLICE(sa->rcookie, 8),
    OSP_SLICE(sa->icookie, 8),
    OSP_SLICE(s->p1.sai_b->data, s->p1.sai_b->len),
    OSP_SLICE(id->body, id->len),
  };

  return osp_prf(sa->hash, sa->skeyid->data, sa->skeyid->len, parts, 6, want);
}

static bool check_hash_r(OspSession *s, const OspIkeSa *sa, const OspPayload *ke,
                         const OspPayload *id, const OspPayload *hash)
{
  size_t hlen = osp_hash_len(sa->hash);
  uint8_t want[64];

  if (hash->len != hlen || hash_r(s, sa, ke, id, want) < 0)
    return false;
  return CRYPTO_memcmp(want, hash->body, hlen) == 0;
}

/* Hybrid: the gateway's certificates (its CERT payloads) verified against
 * the profile's CAs and its name, then SIG_R as its signature of HASH_R.
 * Like a bad HASH_R, a refusal drops the message (it may be forged) and
 * the timeout reports it, each with its own reason. */
bool osp_phase1_verify_peer(OspSession *s, const OspIkeSa *sa, const OspPayload *pl, size_t n,
                            const OspPayload *id, const uint8_t *want, const OspPayload *sig)
{
  g_autoptr(OspCertChain) chain = osp_cert_chain_new();
  g_autofree char *detail = NULL;
  const char *why = NULL;
  OspCertIdentity ident = { s->profile->gateway_id ? s->profile->gateway_id : s->profile->gateway,
                            0, NULL, 0 };
  OspId idr;
  OspCertResult r = OSP_CERT_OK;
  size_t i;

  for (i = 0; i < n && r == OSP_CERT_OK; i++)
    if (pl[i].type == OSP_PL_CERT)
      r = osp_cert_chain_add_payload(chain, pl[i].body, pl[i].len, &why);
  if (r != OSP_CERT_OK) {
    osp_session_rejected(s, OSP_ERROR_PROTOCOL, _("The gateway sent a malformed certificate: %s."),
                         why);
    return false;
  }
  if (osp_id_parse(id->body, id->len, &idr, &why) == 0) {
    ident.id_type = idr.type;
    ident.id_data = idr.data;
    ident.id_len = idr.len;
  }
  r = osp_cert_verify(s->p1.ca, chain, &ident, 0, &detail);
  if (r == OSP_CERT_OK &&
      osp_cert_check_sig(chain, want, osp_hash_len(sa->hash), sig->body, sig->len) != OSP_CERT_OK) {
    r = OSP_CERT_BAD_SIGNATURE;
    detail = g_strdup("its signature (SIG_R) does not verify with its certificate");
  }
  switch (r) {
  case OSP_CERT_OK: return true;
  case OSP_CERT_BAD_LOCAL:
  case OSP_CERT_BAD_PASSPHRASE:
  case OSP_CERT_MALFORMED:
    osp_session_rejected(s, OSP_ERROR_PROTOCOL, _("The gateway sent no usable certificate: %s."),
                         detail);
    return false;
  case OSP_CERT_EXPIRED:
    osp_session_rejected(s, OSP_ERROR_CERT_EXPIRED,
                         _("The gateway's certificate has expired or is not valid yet: %s."),
                         detail);
    return false;
  case OSP_CERT_WRONG_IDENTITY:
    osp_session_rejected(s, OSP_ERROR_CERT_WRONG_IDENTITY,
                         _("The gateway's certificate is not that of %s: %s."), ident.expected,
                         detail);
    return false;
  case OSP_CERT_BAD_SIGNATURE:
    osp_session_rejected(s, OSP_ERROR_CERT_BAD_SIGNATURE,
                         _("The gateway's certificate or signature is forged: %s."), detail);
    return false;
  case OSP_CERT_REVOKED:
    osp_session_rejected(s, OSP_ERROR_CERT_REVOKED,
                         _("The gateway's certificate has been revoked (CRL-File): %s."), detail);
    return false;
  case OSP_CERT_UNTRUSTED:
  case OSP_CERT_NO_CA: break;
  }
  osp_session_rejected(s, OSP_ERROR_CERT_UNTRUSTED,
                       _("The gateway's certificate was not issued by the CA of the profile "
                         "(CA-File, CA-Dir): %s."),
                       detail);
  return false;
}

/* Aggressive mode: SIG_R signs HASH_R. */
static bool check_sig_r(OspSession *s, const OspIkeSa *sa, const OspPayload *pl, size_t n,
                        const OspPayload *ke, const OspPayload *id, const OspPayload *sig)
{
  uint8_t want[64];
  bool ok = hash_r(s, sa, ke, id, want) == 0 && osp_phase1_verify_peer(s, sa, pl, n, id, want, sig);

  OPENSSL_cleanse(want, sizeof(want));
  return ok;
}

/* NAT-D payloads (RFC 3947 3.2) of the addresses this message travels
 * between: after the float, the NAT-T ports; first the gateway's. */
void osp_phase1_add_natd(OspSession *s, OspMsg *m, bool nat)
{
  size_t hlen = osp_hash_len(s->ike->hash);
  OspAddr peer = s->params.peer, local = s->params.local;
  uint8_t nd[64];

  if (s->ike->natt) {
    osp_addr_set_port(&peer, 4500);
    osp_addr_set_port(&local, s->params.natt_port);
  }
  osp_ike_sa_natd(s->ike, &peer, nd);
  osp_msg_add_payload(m, s->ike->natd_type, nd, hlen);
  if (s->profile->natt_mode == OSP_NATT_FORCE && !nat)
    osp_random(nd, hlen); /* claim a NAT so the gateway floats too */
  else
    osp_ike_sa_natd(s->ike, &local, nd);
  osp_msg_add_payload(m, s->ike->natd_type, nd, hlen);
}

static void send_am3(OspSession *s, const OspPayload *ke, bool nat)
{
  /* HASH_I = prf(SKEYID, g^xi | g^xr | CKY-I | CKY-R | SAi_b | IDii_b) */
  size_t pub_len, hlen = osp_hash_len(s->ike->hash);
  const uint8_t *pub = osp_dh_public(s->p1.dh, &pub_len);
  uint8_t hash_i[64];
  OspSlice parts[6] = {
    OSP_SLICE(pub, pub_len),
    OSP_SLICE(ke->body, ke->len),
    OSP_SLICE(s->ike->icookie, 8),
    OSP_SLICE(s->ike->rcookie, 8),
    OSP_SLICE(s->p1.sai_b->data, s->p1.sai_b->len),
    OSP_SLICE(s->p1.idii_b->data, s->p1.idii_b->len),
  };
  OspIsakmpHdr h;
  OspMsg m;

  osp_prf(s->ike->hash, s->ike->skeyid->data, s->ike->skeyid->len, parts, 6, hash_i);
  osp_ike_sa_hdr(s->ike, &h, OSP_EXCH_AGGRESSIVE, 0, true);
  osp_msg_init(&m, &h);
  osp_msg_add_payload(&m, OSP_PL_HASH, hash_i, hlen);
  if (s->ike->natt_draft)
    osp_phase1_add_natd(s, &m, nat);
  osp_msg_finish(&m);
  osp_ike_sa_encrypt(s->ike, &m, 0);
  /* retransmitted until the gateway starts XAUTH (or sends anything
   * authenticated), and resent when the gateway repeats message 2; the
   * wait covers the gateway's own retransmissions of its REQUEST (about a
   * minute) */
  osp_session_send(s, g_byte_array_ref(m.buf), OSP_HANDSHAKE_TRIES);
  osp_session_keep_reply(s, g_byte_array_ref(m.buf));
  osp_msg_clear(&m);
  OPENSSL_cleanse(hash_i, sizeof(hash_i));
}

OspExchOutcome osp_phase1_input(OspSession *s, const OspIsakmpHdr *h, const uint8_t *data,
                                size_t len)
{
  OspPayload pl[OSP_ISAKMP_MAX_PAYLOADS];
  const OspPayload *sa_pl, *ke, *nr, *id, *hash, *sig;
  g_autofree OspSa *sa = NULL;
  g_autoptr(OspIkeSa) next = NULL;
  const char *why = NULL;
  P1Choice c;
  size_t n = 0, i;
  bool nat;
  int r;

  if (osp_phase1_is_main(s->profile) && (h->exchange == OSP_EXCH_MAIN || h->flags & OSP_FLAG_ENC))
    return osp_mainmode_input(s, h, data, len);
  if (h->flags & OSP_FLAG_ENC) {
    g_debug("phase 1: dropped encrypted message before keys exist");
    return OSP_EXCH_NEED_MORE;
  }
  if (osp_payloads_parse(h->next_payload, data + OSP_ISAKMP_HDR_LEN, len - OSP_ISAKMP_HDR_LEN, pl,
                         G_N_ELEMENTS(pl), &n, &why) < 0) {
    osp_session_rejected(s, OSP_ERROR_PROTOCOL, _("The gateway sent a malformed message: %s."),
                         why);
    return OSP_EXCH_NEED_MORE;
  }
  if (h->exchange == OSP_EXCH_INFO) {
    for (i = 0; i < n; i++) {
      OspNotify nt;

      if (pl[i].type == OSP_PL_NOTIFY && osp_notify_parse(pl[i].body, pl[i].len, &nt, &why) == 0 &&
          nt.type < 16384) {
        osp_phase1_notify(s, &nt);
        return OSP_EXCH_NEED_MORE;
      }
    }
    return OSP_EXCH_NEED_MORE;
  }
  if (h->exchange != OSP_EXCH_AGGRESSIVE)
    return OSP_EXCH_NEED_MORE;
  sa_pl = osp_payload_find(pl, n, OSP_PL_SA);
  ke = osp_payload_find(pl, n, OSP_PL_KE);
  nr = osp_payload_find(pl, n, OSP_PL_NONCE);
  id = osp_payload_find(pl, n, OSP_PL_ID);
  hash = osp_payload_find(pl, n, OSP_PL_HASH);
  sig = osp_payload_find(pl, n, OSP_PL_SIG);
  if (!sa_pl || !ke || !nr || !id || (s->p1.ca ? !sig : !hash)) {
    osp_session_rejected(s, OSP_ERROR_PROTOCOL, _("The gateway sent a malformed message: %s."),
                         "aggressive mode message 2 lacks a payload");
    return OSP_EXCH_NEED_MORE;
  }
  if (nr->len < 8 || nr->len > 256) {
    osp_session_rejected(s, OSP_ERROR_PROTOCOL, _("The gateway sent a malformed message: %s."),
                         "the nonce of message 2 is too short or too long");
    return OSP_EXCH_NEED_MORE;
  }
  /* Nothing here is authenticated before HASH_R checks out: whatever is
   * wrong (maybe forged) is dropped, message 1 goes on being retransmitted
   * and the timeout reports what was seen. */
  sa = g_new0(OspSa, 1);
  if (osp_sa_parse(sa_pl->body, sa_pl->len, sa, &why) < 0 ||
      osp_phase1_parse_choice(sa, &c, &why) < 0) {
    osp_session_rejected(s, OSP_ERROR_PROTOCOL, _("The gateway sent an invalid proposal: %s."),
                         why);
    return OSP_EXCH_NEED_MORE;
  }
  if (!osp_phase1_choice_offered(s, &c)) {
    osp_session_rejected(s, OSP_ERROR_PROTOCOL,
                         _("The gateway chose IKE algorithms that were not proposed."));
    return OSP_EXCH_NEED_MORE;
  }
  if (ke->len != osp_dh_public_len(s->p1.dh_group)) {
    osp_session_rejected(s, OSP_ERROR_PROTOCOL,
                         _("The gateway's key exchange payload has the wrong size (%zu bytes)."),
                         ke->len);
    return OSP_EXCH_NEED_MORE;
  }
  /* the SA this message would make: it replaces ours only once HASH_R
   * proves the message came from who knows the group secret */
  next = osp_ike_sa_new();
  memcpy(next->icookie, s->ike->icookie, 8);
  memcpy(next->rcookie, h->rcookie, 8);
  next->cipher = (OspCipher)c.cipher;
  next->key_bits = c.key_bits;
  next->hash = (OspHash)c.hash;
  next->block_len = osp_cipher_block_len(next->cipher);
  r = derive_keys(s, next, nr, ke);
  if (r < 0) {
    osp_session_rejected(s, OSP_ERROR_PROTOCOL, _("Key exchange with the gateway failed: %s."),
                         g_strerror(-r));
    return OSP_EXCH_NEED_MORE;
  }
  if (s->p1.ca) {
    if (!check_sig_r(s, next, pl, n, ke, id, sig))
      return OSP_EXCH_NEED_MORE;
  } else if (!check_hash_r(s, next, ke, id, hash)) {
    osp_phase1_bad_hash_r(s);
    return OSP_EXCH_NEED_MORE;
  }
  osp_ike_sa_free(s->ike);
  s->ike = g_steal_pointer(&next);
  s->ike_lifetime =
      osp_gateway_lifetime(osp_phase1_responder_lifetime(pl, n, c.life), s->profile->ike_lifetime,
                           OSP_MIN_IKE_LIFETIME_S, "IKE SA");
  osp_session_stop_retransmit(s);
  osp_phase1_note_vendor_ids(s, pl, n);
  nat = s->ike->natt_draft && osp_phase1_detect_nat(s, pl, n);
  g_debug("phase 1: %s %s %s, lifetime %us, DPD %s, Unity %s, fragmentation %s, NAT-T %s%s",
          osp_cipher_name(s->ike->cipher, s->ike->key_bits), osp_hash_name(s->ike->hash),
          osp_dh_group_name(s->p1.dh_group), s->ike_lifetime, s->peer_dpd ? "yes" : "no",
          s->peer_unity ? "yes" : "no", s->peer_frag ? "yes" : "no",
          s->ike->natt_draft == 2 ? "RFC 3947"
          : s->ike->natt_draft    ? "draft"
                                  : "no",
          nat ? " (NAT detected)" : "");
  if (s->ike->natt_draft && (nat || s->profile->natt_mode == OSP_NATT_FORCE))
    s->ike->natt = true; /* message 3 already goes to port 4500 */
  {
    /* remember message 2 so a repetition is answered with message 3 */
    uint8_t d[20];
    OspSlice part = OSP_SLICE(data, len);

    osp_hash(OSP_HASH_SHA1, &part, 1, d);
    memcpy(s->last_in_digest, d, sizeof(d));
  }
  send_am3(s, ke, nat);
  osp_phase1_up(s, c.auth);
  return OSP_EXCH_DONE;
}

void osp_phase1_up(OspSession *s, int auth)
{
  s->ike_state = IKE_UP;
  s->ike_expires_at = s->now + (gint64)s->ike_lifetime * G_USEC_PER_SEC;
  /* re-authenticate at 85-90% of the lifetime, jittered */
  s->ike_soft_at =
      s->now + (gint64)s->ike_lifetime * G_USEC_PER_SEC * (85 + g_random_int_range(0, 6)) / 100;
  osp_dh_free(s->p1.dh);
  s->p1.dh = NULL;
  s->p1.auth = auth;
  s->p1.xauth =
      auth == AUTH_XAUTH_INIT_PSK || auth == AUTH_XAUTH_INIT_RSA || auth == AUTH_HYBRID_INIT_RSA;
  if (!s->p1.xauth)
    g_debug("phase 1: %s, no XAUTH", auth == AUTH_PSK       ? "plain pre-shared key"
                                     : auth == AUTH_RSA_SIG ? "RSA signatures"
                                                            : "ECDSA signatures");
}

OspAuthMode osp_phase1_auth_mode(int auth, const char **ret_signature)
{
  switch (auth) {
  case AUTH_HYBRID_INIT_RSA: *ret_signature = "RSA"; return OSP_AUTH_HYBRID; /* the gateway's */
  case AUTH_RSA_SIG:
  case AUTH_XAUTH_INIT_RSA: *ret_signature = "RSA"; return OSP_AUTH_CERT;
  /* RFC 4754: the size of the curve and of its SHA-2 name the method */
  case AUTH_ECDSA_256: *ret_signature = "ECDSA-256"; return OSP_AUTH_CERT;
  case AUTH_ECDSA_384: *ret_signature = "ECDSA-384"; return OSP_AUTH_CERT;
  case AUTH_ECDSA_521: *ret_signature = "ECDSA-521"; return OSP_AUTH_CERT;
  }
  *ret_signature = NULL; /* AUTH_PSK, AUTH_XAUTH_INIT_PSK */
  return OSP_AUTH_PSK;
}
