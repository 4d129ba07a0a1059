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
