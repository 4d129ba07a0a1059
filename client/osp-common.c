/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "osp-common.h"
#include "osp-error.h"

#include <errno.h>
#include <openssl/crypto.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>

/* The quark name is stringified: keep clang-format from spacing it. */
/* clang-format off */
G_DEFINE_QUARK(osp-error-quark, osp_error)
/* clang-format on */

OspSecret *osp_secret_new(size_t len)
{
  OspSecret *s = g_malloc0(sizeof(*s) + len);

  s->len = len;
  return s;
}

OspSecret *osp_secret_new_from(const void *data, size_t len)
{
  OspSecret *s = osp_secret_new(len);

  if (len)
    memcpy(s->data, data, len);
  return s;
}

OspSecret *osp_secret_dup(const OspSecret *s)
{
  return s ? osp_secret_new_from(s->data, s->len) : NULL;
}

void osp_secret_free(OspSecret *s)
{
  if (!s)
    return;
  OPENSSL_cleanse(s->data, s->len);
  g_free(s);
}

void osp_str_wipe(char *s)
{
  if (s)
    OPENSSL_cleanse(s, strlen(s));
}

void osp_str_wipe_free(char *s)
{
  osp_str_wipe(s);
  g_free(s);
}

void osp_byte_array_reserve(GByteArray *b, guint extra)
{
  guint len = b->len;

  /* shrinking keeps the allocation */
  g_byte_array_set_size(b, len + extra);
  g_byte_array_set_size(b, len);
}

static const char *const reason_codes[OSP_ERROR_N_CODES] = {
  [OSP_ERROR_FAILED] = "local-error",
  [OSP_ERROR_CONFIG] = "bad-config",
  [OSP_ERROR_BAD_GROUP_SECRET] = "bad-group-secret",
  [OSP_ERROR_BAD_CREDENTIALS] = "bad-credentials",
  [OSP_ERROR_NO_PROPOSAL] = "no-proposal",
  [OSP_ERROR_WEAK_PROPOSAL] = "weak-proposal",
  [OSP_ERROR_GATEWAY_UNREACHABLE] = "gateway-unreachable",
  [OSP_ERROR_GATEWAY_REJECTED] = "gateway-rejected",
  [OSP_ERROR_PROTOCOL] = "protocol-error",
  [OSP_ERROR_PEER_DEAD] = "peer-dead",
  [OSP_ERROR_DISCONNECTED] = "gateway-disconnected",
  [OSP_ERROR_SECRETS_REQUIRED] = "secrets-required",
  [OSP_ERROR_CANCELLED] = "cancelled",
  [OSP_ERROR_SCRIPT] = "script-failed",
  [OSP_ERROR_NETWORK_CHANGED] = "network-changed",
  [OSP_ERROR_CERT_UNTRUSTED] = "cert-untrusted",
  [OSP_ERROR_CERT_EXPIRED] = "cert-expired",
  [OSP_ERROR_CERT_WRONG_IDENTITY] = "cert-wrong-identity",
  [OSP_ERROR_CERT_BAD_SIGNATURE] = "cert-bad-signature",
  [OSP_ERROR_BAD_IP_CONFIG] = "bad-ip-config",
};

const char *osp_error_reason_code(int code)
{
  if (code < 0 || code >= OSP_ERROR_N_CODES)
    return reason_codes[OSP_ERROR_FAILED];
  return reason_codes[code];
}

bool osp_error_is_certificate(int code)
{
  return code >= OSP_ERROR_CERT_UNTRUSTED && code <= OSP_ERROR_CERT_BAD_SIGNATURE;
}

int osp_error_exit_status(int code)
{
  if (osp_error_is_certificate(code))
    return 7;
  switch (code) {
  case OSP_ERROR_BAD_GROUP_SECRET:
  case OSP_ERROR_BAD_CREDENTIALS: return 2;
  default: return 1;
  }
}

const char *osp_default_state_dir(void)
{
  const char *dir = g_getenv("OSPREY_STATE_DIR");

  return dir && *dir ? dir : "/var/lib/osprey";
}

int osp_process_harden(void)
{
  signal(SIGPIPE, SIG_IGN);
  if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
    return -errno;
  return 0;
}
