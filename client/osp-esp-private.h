/* SPDX-License-Identifier: GPL-2.0-or-later
 * Osprey — ESP test hooks.  Not for the engine: only the unit tests and the
 * benchmark include this, to replay published test vectors whose IV and
 * sequence number our API otherwise chooses itself. */
#pragma once

#include "osp-esp.h"

G_BEGIN_DECLS

/* The next osp_esp_encrypt() on `sa` uses `iv` as its explicit IV (16 bytes
 * for AES-CBC, 8 for DES/3DES and for the GCM explicit IV) instead of the
 * generator's.  One packet only.  -EINVAL if iv_len is not the SA's. */
int osp_esp_sa_set_next_iv_for_test(OspEspSa *sa, const uint8_t *iv, size_t iv_len);

/* Sets the last outbound sequence number sent; the next packet carries
 * last + 1 (UINT32_MAX makes the next osp_esp_encrypt() fail -EOVERFLOW). */
void osp_esp_sa_set_last_seq_for_test(OspEspSa *sa, uint32_t last);

G_END_DECLS
