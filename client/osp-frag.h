/* SPDX-License-Identifier: GPL-2.0-or-later
 * Osprey — Cisco IKE fragmentation (ISAKMP payload 132, announced with the
 * vendor ID MD5("FRAGMENTATION") and the capability 0x80000000), as the
 * Cisco client, strongSwan (fragmentation = yes|force) and racoon speak it:
 *
 *   HDR(next payload 132), FRAG(id, number 1..n, flags LAST on n, data)
 *
 * each fragment a datagram of its own; the data of fragments 1..n, joined,
 * is the whole original message, header included.  Reassembly keeps one
 * message at a time and is bounded: OSP_FRAG_MAX fragments,
 * OSP_FRAG_MAX_BYTES in all, OSP_FRAG_TIMEOUT_US from the first fragment.
 * A peer controls every field, so every one is checked. */
#pragma once

#include "osp-isakmp.h"

G_BEGIN_DECLS

#define OSP_FRAG_MAX 16
#define OSP_FRAG_MAX_BYTES 32768
#define OSP_FRAG_TIMEOUT_US (30 * G_USEC_PER_SEC)
#define OSP_FRAG_HDR_LEN 8 /* generic header, id (2), number (1), flags (1) */
#define OSP_FRAG_FLAG_LAST 0x01
/* our messages larger than this go as fragments to a gateway that takes
 * them: each fragment then fits a 1280-byte IPv6 datagram with its UDP
 * header and the non-ESP marker (what strongSwan's fragment_size assumes) */
#define OSP_FRAG_SEND_MAX (1280 - 40 - 8 - 4)

typedef struct {
  bool busy; /* fragments of message id are in */
  uint16_t id;
  uint8_t last; /* number of the LAST fragment, 0 before it came */
  gint64 started;
  size_t bytes;
  GByteArray *parts[OSP_FRAG_MAX + 1]; /* by number, 1..OSP_FRAG_MAX */
} OspFragBuf;

void osp_frag_clear(OspFragBuf *b);

/* One fragment datagram (h parsed from data, h->next_payload 132) at time
 * now: 1 and *ret_msg (the whole message) when it completes one, 0 while
 * fragments are missing (or a duplicate was dropped), -EBADMSG when the
 * fragment is malformed or contradicts the others, -EMSGSIZE beyond the
 * bounds (the message is given up), with *ret_why saying why. */
int osp_frag_add(OspFragBuf *b, const OspIsakmpHdr *h, const uint8_t *data, size_t len, gint64 now,
                 GByteArray **ret_msg, const char **ret_why);

/* msg (a whole datagram, header included) as fragments of at most max_len
 * bytes each, with fragment ID id: GByteArray *, in order. */
GPtrArray *osp_frag_split(const uint8_t *msg, size_t len, size_t max_len, uint16_t id);

G_END_DECLS
