/* SPDX-License-Identifier: GPL-2.0-or-later
 * Osprey — types shared by every engine module. */
#pragma once

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

G_BEGIN_DECLS

/* A borrowed run of bytes; used to feed several pieces to one PRF/hash call
 * without concatenating them first. */
typedef struct {
  const uint8_t *p;
  size_t len;
} OspSlice;

#define OSP_SLICE(ptr, n) ((OspSlice){ (const uint8_t *)(ptr), (n) })

/* Key material: one allocation, wiped with OPENSSL_cleanse() on free. */
typedef struct {
  size_t len;
  uint8_t data[];
} OspSecret;

OspSecret *osp_secret_new(size_t len);
OspSecret *osp_secret_new_from(const void *data, size_t len);
OspSecret *osp_secret_dup(const OspSecret *s);
void osp_secret_free(OspSecret *s);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(OspSecret, osp_secret_free)

/* Wipe a NUL-terminated string in place (it stays a string of that many
 * NULs: empty).  NULL-safe. */
void osp_str_wipe(char *s);
/* Wipe and free a NUL-terminated string that held a password. NULL-safe. */
void osp_str_wipe_free(char *s);
/* Grows b's allocation now so that appending up to `extra` more bytes
 * moves nothing: a realloc after a secret went in would leave a copy of it
 * in freed memory that nobody wipes. */
void osp_byte_array_reserve(GByteArray *b, guint extra);

/* For a process that holds group secrets, passwords and keys (ospreyd,
 * nm-osprey-service): no core dump, no ptrace or /proc/PID/mem by another
 * process of the same user; and SIGPIPE ignored, so that a closed output
 * (`ospreyd -f | tee`, Ctrl-C) fails a write with EPIPE instead of killing
 * the process before its teardown (script disconnect, Delete) is done.
 * Returns 0 or a negative errno (from prctl). */
int osp_process_harden(void);

/* For hosts (ospreyd, nm-osprey-service): their state directory,
 * $OSPREY_STATE_DIR or else /var/lib/osprey (systemd's StateDirectory=).
 * The library itself never looks: it uses the directory it is given
 * (OspConnectionFlags.state_dir). */
const char *osp_default_state_dir(void);

static inline uint16_t osp_get16(const uint8_t *p)
{
  return (uint16_t)((p[0] << 8) | p[1]);
}
static inline uint32_t osp_get32(const uint8_t *p)
{
  return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}
static inline void osp_put16(uint8_t *p, uint16_t v)
{
  p[0] = (uint8_t)(v >> 8);
  p[1] = (uint8_t)v;
}
static inline void osp_put32(uint8_t *p, uint32_t v)
{
  p[0] = (uint8_t)(v >> 24);
  p[1] = (uint8_t)(v >> 16);
  p[2] = (uint8_t)(v >> 8);
  p[3] = (uint8_t)v;
}

G_END_DECLS
