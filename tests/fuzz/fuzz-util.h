/* SPDX-License-Identifier: GPL-2.0-or-later
 * What every libFuzzer target here shares: the entry point, invariant
 * checks that abort (so that libFuzzer and the replay test both see them),
 * and a reader that makes ASan look at every byte of a span. */
#pragma once

#include <glib.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

#define CHECK(x)                                                                \
  do {                                                                          \
    if (!(x)) {                                                                 \
      fprintf(stderr, "%s:%d: invariant failed: %s\n", __FILE__, __LINE__, #x); \
      abort();                                                                  \
    }                                                                           \
  } while (0)

static volatile uint8_t fuzz_sink;

/* reads every byte of p[0..len) and checks it lies inside lo[0..lo_len) */
static inline void fuzz_touch(const uint8_t *p, size_t len, const uint8_t *lo, size_t lo_len)
{
  uint8_t x = 0;

  if (len == 0)
    return;
  CHECK(p >= lo && len <= lo_len && (size_t)(p - lo) <= lo_len - len);
  for (size_t i = 0; i < len; i++)
    x ^= p[i];
  fuzz_sink ^= x;
}

/* reads a NUL-terminated string to its end (NULL is fine) */
static inline void fuzz_touch_str(const char *s)
{
  uint8_t x = 0;

  for (; s && *s; s++)
    x ^= (uint8_t)*s;
  fuzz_sink ^= x;
}

/* A cursor over the fuzzer's bytes for targets that read structured input:
 * past the end every read yields zeros. */
typedef struct {
  const uint8_t *p;
  size_t left;
} FuzzIn;

static inline uint8_t fuzz_u8(FuzzIn *in)
{
  uint8_t v = 0;

  if (in->left) {
    v = *in->p++;
    in->left--;
  }
  return v;
}

static inline uint16_t fuzz_u16(FuzzIn *in)
{
  uint16_t hi = fuzz_u8(in);

  return (uint16_t)(hi << 8 | fuzz_u8(in));
}

static inline uint32_t fuzz_u32(FuzzIn *in)
{
  uint32_t hi = fuzz_u16(in);

  return hi << 16 | fuzz_u16(in);
}

/* up to n bytes (fewer at the end) */
static inline const uint8_t *fuzz_bytes(FuzzIn *in, size_t n, size_t *ret_len)
{
  const uint8_t *p = in->p;

  n = MIN(n, in->left);
  in->p += n;
  in->left -= n;
  *ret_len = n;
  return p;
}
