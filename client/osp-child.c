/* SPDX-License-Identifier: GPL-2.0-or-later
 * Osprey — the IPsec SAs quick mode makes in either role: the ESP
 * transforms we offer and accept (RFC 2407 4.5), their lifetimes, the
 * slots of the live SA pairs and their keys (RFC 2409 5.5). */
#include "osp-session-private.h"

#include <errno.h>
#include <string.h>

/* AES-GCM first (RFC 4106: transform 20 with a key length attribute and no
 * authentication attribute): one pass over the packet instead of a cipher
 * and an HMAC, about twice as fast as AES-CBC + HMAC, where the gateway
 * lets our order decide. */
static const EspTransform esp_transforms[] = {
  { OSP_ESP_AES_GCM_16, 256, OSP_ESP_AUTH_NONE },
  { OSP_ESP_AES_GCM_16, 128, OSP_ESP_AUTH_NONE },
  { OSP_ESP_AES_CBC, 256, OSP_ESP_AUTH_HMAC_SHA256 },
  { OSP_ESP_AES_CBC, 128, OSP_ESP_AUTH_HMAC_SHA256 },
  { OSP_ESP_AES_CBC, 256, OSP_ESP_AUTH_HMAC_SHA1 },
  { OSP_ESP_AES_CBC, 128, OSP_ESP_AUTH_HMAC_SHA1 },
  { OSP_ESP_AES_CBC, 256, OSP_ESP_AUTH_HMAC_SHA512 },
  { OSP_ESP_AES_CBC, 256, OSP_ESP_AUTH_HMAC_SHA384 },
  { OSP_ESP_AES_CBC, 192, OSP_ESP_AUTH_HMAC_SHA1 },
  { OSP_ESP_3DES, 0, OSP_ESP_AUTH_HMAC_SHA1 },
  { OSP_ESP_3DES, 0, OSP_ESP_AUTH_HMAC_MD5 },
  { OSP_ESP_AES_CBC, 128, OSP_ESP_AUTH_HMAC_MD5 },
  { OSP_ESP_AES_CBC, 256, OSP_ESP_AUTH_HMAC_MD5 },
  { OSP_ESP_DES, 0, OSP_ESP_AUTH_HMAC_SHA1 },
  { OSP_ESP_DES, 0, OSP_ESP_AUTH_HMAC_MD5 },
};

/* Only what the profile allows is offered (and accepted): a gateway picks
 * by its own order, so an offered 3DES may win over a possible AES. */
bool osp_child_allowed(const OspProfile *p, const EspTransform *t)
{
  if (t->enc == OSP_ESP_DES && !p->enable_single_des)
    return false;
  return !osp_session_weak_settings(p, t->enc == OSP_ESP_3DES, t->auth == OSP_ESP_AUTH_HMAC_MD5);
}

void osp_child_sa_wipe(OspChildSa *sa)
{
  osp_secret_free(sa->enc_key_in);
  osp_secret_free(sa->auth_key_in);
  osp_secret_free(sa->enc_key_out);
  osp_secret_free(sa->auth_key_out);
  sa->enc_key_in = sa->auth_key_in = sa->enc_key_out = sa->auth_key_out = NULL;
}

size_t osp_child_n_transforms(void)
{
  return G_N_ELEMENTS(esp_transforms);
}

const EspTransform *osp_child_transform(size_t i)
{
  return &esp_transforms[i];
}

uint16_t osp_child_encap_mode(const OspSession *s)
{
  if (!s->ike->natt)
    return ENCAP_TUNNEL;
  return s->ike->natt_draft == 2 ? ENCAP_UDP_TUNNEL : ENCAP_UDP_TUNNEL_DRAFT;
}

void osp_child_parse_attrs(const uint8_t *attrs, size_t len, QmChoice *c)
{
  const uint8_t *p = attrs;
  size_t left = len;
  int type = 0;
  const char *why;
  OspAttr a;

  while (osp_attr_next(&p, &left, &a, &why) > 0) {
    uint32_t v = 0;

    if (osp_attr_uint(&a, &v) < 0)
      continue;
    switch (a.type) {
    case Q_LIFE_TYPE: type = (int)v; break;
    case Q_LIFE_DUR:
      if (type == 1)
        c->life_s = v;
      else if (type == 2)
        c->life_kb = v;
      break;
    case Q_GROUP: c->group = (int)v; break;
    case Q_ENCAP: c->encap = (int)v; break;
    case Q_AUTH: c->auth = (int)v; break;
    case Q_KEY_LEN: c->key_bits = v; break;
    default: break;
    }
  }
}

const EspTransform *osp_child_offered(const OspSession *s, const QmChoice *c)
{
  size_t i;

  for (i = 0; i < G_N_ELEMENTS(esp_transforms); i++) {
    const EspTransform *t = &esp_transforms[i];

    if (osp_child_allowed(s->profile, t) && (int)t->enc == c->enc && (int)t->auth == c->auth &&
        t->key_bits == c->key_bits)
      return t;
  }
  return NULL;
}

uint32_t osp_gateway_lifetime(uint32_t theirs, uint32_t ours, uint32_t floor, const char *what)
{
  uint32_t v = ours && ours < theirs ? ours : theirs;
  uint32_t low = ours && ours < floor ? ours : floor;

  if (!theirs)
    return ours;
  if (v < low) {
    g_debug("%s: the gateway's lifetime of %u is below %u, using %u", what, theirs, low, low);
    return low;
  }
  return v;
}

void osp_session_child_exhausted(OspSession *s, uint32_t spi_in, gint64 now_us)
{
  size_t i;

  s->now = now_us;
  for (i = 0; i < OSP_MAX_CHILDREN; i++) {
    ChildSlot *c = &s->children[i];

    if (c->live && c->sa.spi_in == spi_in && c->rekey_at > now_us) {
      g_debug("quick mode: SA %08x: outbound sequence numbers run out, rekeying", spi_in);
      c->rekey_at = now_us;
    }
  }
}

void osp_session_child_carried(OspSession *s, uint32_t spi_in, gint64 now_us)
{
  const ChildSlot *by = NULL;
  size_t i;

  s->now = now_us;
  for (i = 0; i < OSP_MAX_CHILDREN; i++)
    if (s->children[i].live && s->children[i].sa.spi_in == spi_in)
      by = &s->children[i];
  if (!by || by->carried || by->replaced)
    return;
  s->children[by - s->children].carried = true;
  for (i = 0; i < OSP_MAX_CHILDREN; i++) {
    ChildSlot *o = &s->children[i];

    if (o->live && o->replaced && o->sa.ipv6 == by->sa.ipv6 &&
        o->expire_at > now_us + OSP_REPLACED_LINGER_US) {
      g_debug("quick mode: SA %08x carried traffic: SA %08x goes in %d s", spi_in, o->sa.spi_in,
              (int)(OSP_REPLACED_LINGER_US / G_USEC_PER_SEC));
      o->expire_at = now_us + OSP_REPLACED_LINGER_US;
    }
  }
}

static ChildSlot *child_slot(OspSession *s)
{
  size_t i, oldest = 0;

  for (i = 0; i < OSP_MAX_CHILDREN; i++) {
    if (!s->children[i].live)
      return &s->children[i];
    if (s->children[i].established < s->children[oldest].established)
      oldest = i;
  }
  s->children[oldest].live = false;
  s->ops->child_sa_down(s->user, s->children[oldest].sa.spi_in);
  return &s->children[oldest];
}

/* The SA pair of a finished (or, responder, answered) quick mode: its
 * algorithms, lifetimes and keys. */
static int child_fill(OspSession *s, const QmResult *q, OspChildSa *child)
{
  size_t enc_len = osp_esp_enc_key_len(q->t->enc, q->t->key_bits);
  size_t auth_len = osp_esp_auth_key_len(q->t->auth);
  int r;

  child->spi_in = q->spi_in;
  child->spi_out = q->spi_out;
  child->enc = q->t->enc;
  child->key_bits = q->t->key_bits;
  child->auth = q->t->auth;
  child->udp_encap = s->ike->natt;
  /* Cisco UDP: ESP in UDP to the port Mode Config named, IKE stays on 500 */
  if (!s->ike->natt && s->profile->natt_mode == OSP_NATT_CISCO_UDP) {
    if (s->ipcfg && s->ipcfg->natt_port) {
      child->udp_encap = true;
      child->udp_port = s->ipcfg->natt_port;
      g_debug("quick mode: ESP in UDP to the gateway's port %u (Cisco UDP)", child->udp_port);
    } else {
      g_debug("quick mode: the gateway named no Cisco UDP port (NATT_PORT): plain ESP");
    }
  }
  child->pfs_group = q->pfs_group;
  child->ipv6 = q->ipv6;
  child->lifetime_s = osp_gateway_lifetime(q->life_s, s->profile->ipsec_lifetime,
                                           OSP_MIN_IPSEC_LIFETIME_S, "IPsec SA (seconds)");
  child->lifetime_kb =
      osp_gateway_lifetime(q->life_kb, 0, OSP_MIN_IPSEC_LIFETIME_KB, "IPsec SA (kilobytes)");
  r = osp_ike_sa_keymat(s->ike, q->gqm, child->spi_in, q->ni, q->nr, enc_len, auth_len,
                        &child->enc_key_in, &child->auth_key_in);
  if (r == 0)
    r = osp_ike_sa_keymat(s->ike, q->gqm, child->spi_out, q->ni, q->nr, enc_len, auth_len,
                          &child->enc_key_out, &child->auth_key_out);
  if (r < 0)
    osp_child_sa_wipe(child);
  return r;
}

int osp_child_preinstall(OspSession *s, const QmResult *q)
{
  OspChildSa child = { 0 };
  int r = child_fill(s, q, &child);

  if (r < 0)
    return r;
  child.inbound_only = true;
  g_debug("quick mode (gateway's): SA in %08x takes traffic in until HASH(3)", child.spi_in);
  s->ops->child_sa_up(s->user, &child);
  osp_child_sa_wipe(&child);
  return 0;
}

/* Derives the keys of the new SA pair, hands it to the I/O layer and
 * schedules its rekey; SAs it replaces stay until it carried traffic
 * (osp_session_child_carried, OSP_REPLACED_*). */
int osp_child_install(OspSession *s, const QmResult *q)
{
  ChildSlot *slot = child_slot(s);
  OspChildSa *child = &slot->sa;
  bool replaces = false;
  size_t i;
  int r;

  osp_child_sa_wipe(&slot->sa);
  memset(slot, 0, sizeof(*slot));
  r = child_fill(s, q, child);
  if (r < 0)
    return r;
  for (i = 0; i < OSP_MAX_CHILDREN; i++) {
    ChildSlot *o = &s->children[i];

    if (o != slot && o->live && o->sa.ipv6 == child->ipv6) {
      o->expire_at = MIN(o->expire_at, s->now + OSP_REPLACED_GRACE_US);
      o->rekey_at = G_MAXINT64;
      o->replaced = true;
      replaces = true;
    }
  }
  slot->live = true;
  slot->established = s->now;
  slot->expire_at = s->now + (gint64)child->lifetime_s * G_USEC_PER_SEC;
  /* soft lifetime: 85-90% of the hard one, jittered so both ends do not
   * start at once */
  slot->rekey_at =
      s->now + (gint64)child->lifetime_s * G_USEC_PER_SEC * (85 + g_random_int_range(0, 6)) / 100;
  g_debug("quick mode: SA in %08x out %08x %s %s, lifetime %us %ukB%s%s%s", child->spi_in,
          child->spi_out, osp_esp_enc_name(q->t->enc, q->t->key_bits),
          osp_esp_auth_name(q->t->auth), child->lifetime_s, child->lifetime_kb,
          child->udp_encap ? ", UDP-encapsulated" : "", replaces ? ", replaces the old SA" : "",
          child->ipv6 ? ", IPv6" : "");
  s->ops->child_sa_up(s->user, child);
  osp_child_sa_wipe(child);
  return 0;
}

bool osp_child_family_live(const OspSession *s, bool ipv6)
{
  for (size_t k = 0; k < OSP_MAX_CHILDREN; k++)
    if (s->children[k].live && s->children[k].sa.ipv6 == ipv6)
      return true;
  return false;
}

bool osp_child_any_live(const OspSession *s)
{
  for (size_t k = 0; k < OSP_MAX_CHILDREN; k++)
    if (s->children[k].live)
      return true;
  return false;
}
