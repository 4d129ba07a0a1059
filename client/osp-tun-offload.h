/* SPDX-License-Identifier: GPL-2.0-or-later
 * Osprey — TUN offloads: a TUN device opened with IFF_VNET_HDR and
 * TUNSETOFFLOAD (TSO4/TSO6, checksum) hands over TCP in pieces of up to
 * 64 KiB with a virtio-net header; these functions cut such a piece into
 * the MSS-sized packets ESP carries and complete checksums the kernel left
 * to us. */
#pragma once

#include "osp-common.h"

#include <linux/virtio_net.h>

G_BEGIN_DECLS

/* Every read from and write to the device starts with this header (TUN's
 * default size; native byte order, the legacy virtio layout TUN uses). */
#define OSP_VNET_HDR_LEN sizeof(struct virtio_net_hdr)

/* Offloads asked of the device: checksums and TSO for IPv4 and IPv6.
 * Returns 0, or a negative errno when the kernel refuses them (the device
 * then hands over plain packets, still behind the header). */
int osp_tun_set_offload(int fd);
/* true if the device was opened with IFF_VNET_HDR */
bool osp_tun_has_vnet_hdr(int fd);

typedef struct {
  uint8_t *pkt;
  size_t len;
  size_t ip_hlen; /* IP header; the TCP header follows */
  size_t hlen;    /* IP + TCP headers, copied into every segment */
  size_t mss;     /* payload per segment; 0: one packet, as it is */
  size_t off;     /* payload bytes already cut */
  unsigned index;
  bool v6;
  bool done;
} OspTunGso;

/* Takes one read: `h` the header, `pkt`/`len` the packet after it.  A
 * packet that needs its checksum (VIRTIO_NET_HDR_F_NEEDS_CSUM) gets it in
 * place.  -EPROTONOSUPPORT: a GSO type we did not ask for; -EBADMSG: the
 * header does not fit the packet (not TCP, short headers, gso_size 0). */
int osp_tun_gso_init(OspTunGso *g, const struct virtio_net_hdr *h, uint8_t *pkt, size_t len);
/* Writes the next packet to `out` (room for `cap` bytes): the headers with
 * IP length, IPv4 id and checksum, TCP sequence number, flags (FIN and PSH
 * on the last, CWR on the first only) and checksum made right for it.
 * Returns its length, 0 after the last, -EMSGSIZE if cap is too small. */
ssize_t osp_tun_gso_next(OspTunGso *g, uint8_t *out, size_t cap);

/* ---- receive: TCP segments joined into one write ---------------------
 * Consecutive in-order segments of one TCP flow (same addresses, ports,
 * IP TOS/TTL or traffic class/hop limit, ACK number, window, options; no
 * SYN, FIN, RST, URG, ECE or CWR; PSH only on the last; each but the last
 * of the first one's size; checksums verified) become one GSO write the
 * kernel takes apart again in its receive path. */
typedef struct {
  uint8_t *buf; /* OSP_TUN_GRO_MAX bytes */
  size_t len;   /* 0: nothing held */
  size_t ip_hlen, hlen, mss;
  unsigned count;
  bool v6;
  bool closed; /* a shorter segment or PSH ended the run */
  uint32_t next_seq;
} OspTunGro;

#define OSP_TUN_GRO_MAX 65535
#define OSP_TUN_GRO_SEGS 64

typedef enum {
  OSP_GRO_HELD,  /* joined (or began) the run: copied, the packet's room is free */
  OSP_GRO_FLUSH, /* another flow or a gap: write the run, then add it again */
  OSP_GRO_PLAIN, /* not for joining: write the run, then the packet as it is */
} OspGroVerdict;

OspGroVerdict osp_tun_gro_add(OspTunGro *g, const uint8_t *pkt, size_t len);
/* Ends the run: its header `h` and length (0 if nothing was held); the
 * run is in g->buf until the next add. */
size_t osp_tun_gro_finish(OspTunGro *g, struct virtio_net_hdr *h);

/* RFC 1071 one's-complement sum of len bytes, added to sum (not folded) */
uint32_t osp_csum_add(uint32_t sum, const uint8_t *p, size_t len);
/* folds and complements: the value to store */
uint16_t osp_csum_fold(uint32_t sum);

G_END_DECLS
