/* SPDX-License-Identifier: GPL-2.0-or-later
 * A real OspSession brought to a chosen state, and the gateway's side of
 * it: datagrams built, hashed and encrypted under the session's keys, so
 * that what the fuzzer writes reaches the exchange code past the HASH and
 * CBC checks.  Shared by fuzz-cfg.c and fuzz-session.c.
 *
 * Phase 1 is not negotiated for the states after it: the session gets the
 * scripted gateway's fixed keys (tests/unit/osp-test-gateway.h:
 * SKEYID_a/d/e, the CBC key and IV) as if it had, which costs
 * no Diffie-Hellman per input.  From there the states are reached through
 * the session's own code, with genuine gateway messages:
 *
 *   XAUTH_WAIT       keys installed, as after aggressive mode message 3
 *   XAUTH_SECRETS    <-- ATTR(REQUEST: user, password); the profile has none
 *   XAUTH_REPLIED    secrets answered, REPLY -->
 *   CFG_SENT         <-- ATTR(SET: status 1), ACK -->, Mode Config REQUEST -->
 *   QM1_SENT         <-- ATTR(REPLY: address ...), quick mode message 1 -->
 *   ESTABLISHED      <-- HASH(2), SA, Nr; HASH(3) -->
 *
 * AM1_SENT is the real thing: the session starts phase 1 (ECP-256 to keep
 * it cheap) and the scripted gateway answers its message 1, with its own
 * DH key, a correct HASH_R and the payloads the fuzzer adds. */
#pragma once

#include "osp-session-private.h"
#include "osp-test-gateway.h"

typedef enum {
  FS_AM1_SENT,
  FS_XAUTH_WAIT,
  FS_XAUTH_SECRETS,
  FS_XAUTH_REPLIED,
  FS_CFG_SENT,
  FS_QM1_SENT,
  FS_ESTABLISHED,
  FS_N_STATES
} FuzzState;

typedef struct {
  OspSession *s;
  OspProfile *profile;
  OspTestGw *gw;            /* the gateway's side: message 2, keys, encryption */
  GByteArray *am1;          /* the session's last aggressive mode message 1 */
  const uint8_t *am2_extra; /* fuzz_session_am2(): payloads to add */
  size_t am2_extra_len;
  bool am2_corrupt;
  gint64 now;
  unsigned sent; /* datagrams the session sent */
  bool closed;
  bool secrets_pending;
  guint req_id;
  unsigned ip_configs, children_up, children_down;
} FuzzSession;

/* flags: bit 0 vendor netscreen (Mode Config push) instead of Cisco,
 * bit 1 HMAC-SHA256/AES-256 phase 1 instead of SHA-1/AES-128, bit 2 the
 * gateway announced DPD, bit 3 no_split, bit 4 NAT-T (RFC 3947, floated).
 * Returns false when the state could not be reached (a bug: the scripted
 * messages are valid). */
bool fuzz_session_init(FuzzSession *f, FuzzState state, uint8_t flags);
void fuzz_session_clear(FuzzSession *f);

/* Feeds HDR*, HASH, <chain> (first payload type `first`) on `exchange`
 * with `msgid`, encrypted with the IV the session expects for it.  The
 * HASH is the one the exchange wants (HASH(1); HASH(2) over Ni_b for our
 * quick mode; HASH(3) for the gateway's); hash false leaves it out (the
 * chain then starts the message); corrupt flips a byte of it. */
void fuzz_session_feed(FuzzSession *f, uint8_t exchange, uint32_t msgid, uint8_t first,
                       const uint8_t *chain, size_t len, bool hash, bool corrupt);
/* A message ID the session knows, by selector: 0 its Mode Config
 * exchange, 1 the gateway's XAUTH exchange, 2 our quick mode, 3 the
 * gateway's quick mode, 4 zero, others new ones. */
uint32_t fuzz_session_msgid(FuzzSession *f, uint8_t sel);
/* Feeds a Transaction message: HDR*, HASH(1), ATTR(type, id, attrs). */
void fuzz_session_attrs(FuzzSession *f, uint32_t msgid, uint8_t type, uint16_t id,
                        const uint8_t *attrs, size_t len);
/* A datagram as it is, with the session's cookies written into it when
 * cookies is true. */
void fuzz_session_feed_raw(FuzzSession *f, const uint8_t *data, size_t len, bool cookies);
/* In AM1_SENT: the gateway's aggressive mode message 2, authentic, with
 * the transform `choice` (modulo those offered), and payloads the fuzzer
 * adds before HASH_R: `extra` is a list of (type, length byte, body). */
void fuzz_session_am2(FuzzSession *f, uint8_t choice, const uint8_t *extra, size_t len,
                      bool corrupt);
/* Answers (or cancels) a pending secrets request. */
void fuzz_session_answer(FuzzSession *f, bool cancel);
/* Moves the clock on and runs the session's timers. */
void fuzz_session_advance(FuzzSession *f, gint64 us);
