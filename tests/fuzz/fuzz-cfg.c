/* SPDX-License-Identifier: GPL-2.0-or-later
 * libFuzzer target for XAUTH and Mode Config attributes: the Attribute
 * payload parser (osp_cfg_parse, osp_attr_next) and what osp-xauth.c and
 * osp-modecfg.c do with what it yields (secrets requests, the REPLY, the status, the IP
 * configuration), down to the environment the vpnc-script gets.
 *
 * A real session (fuzz-session-util.h) is brought to the state byte 0
 * picks (XAUTH_WAIT, XAUTH_SECRETS, XAUTH_REPLIED, CFG_SENT, ESTABLISHED)
 * with the profile flags of byte 1; the rest is a list of records:
 *   op 0  type(1) identifier(2) message-ID selector(1) length(2) attributes:
 *         sent as HDR*, HASH(1), ATTR, hashed and encrypted, so it is read
 *   op 1  the pending secrets request answered; op 2 cancelled
 *   op 3  time moves on by n * 250 ms (retransmissions, timeouts) */
#include "fuzz-session-util.h"
#include "fuzz-util.h"

static const FuzzState states[] = {
  FS_XAUTH_WAIT, FS_XAUTH_SECRETS, FS_XAUTH_REPLIED, FS_CFG_SENT, FS_ESTABLISHED,
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  FuzzIn in = { data, size };
  FuzzState state = states[fuzz_u8(&in) % G_N_ELEMENTS(states)];
  uint8_t flags = fuzz_u8(&in);
  FuzzSession f;

  CHECK(fuzz_session_init(&f, state, flags));
  while (in.left && !f.closed) {
    uint8_t op = fuzz_u8(&in);

    switch (op % 4) {
    case 0: {
      uint8_t type = fuzz_u8(&in);
      uint16_t id = fuzz_u16(&in);
      uint32_t msgid = fuzz_session_msgid(&f, fuzz_u8(&in));
      size_t want = fuzz_u16(&in), len;
      const uint8_t *attrs = fuzz_bytes(&in, want, &len);

      fuzz_session_attrs(&f, msgid, type, id, attrs, len);
      break;
    }
    case 1:
    case 2: fuzz_session_answer(&f, op % 4 == 2); break;
    case 3: fuzz_session_advance(&f, (gint64)fuzz_u8(&in) * 250000); break;
    }
  }
  osp_session_delete(f.s);
  fuzz_session_clear(&f);
  return 0;
}
