/* SPDX-License-Identifier: GPL-2.0-or-later
 * Osprey — the TUN device the ESP datapath reads inner packets from.
 * Layer-3 (IFF_TUN) without the packet-information header (IFF_NO_PI): each
 * read() is one IP packet, which is what ESP tunnel mode carries, behind a
 * virtio-net header (IFF_VNET_HDR) where the kernel has it, so that TCP
 * may come in TSO pieces (osp-tun-offload.c). */
#include "osp-esp.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

int osp_tun_open(const char *name, char **ret_name)
{
  struct ifreq ifr;
  size_t n;
  int fd, r;

  if (!name || !*name)
    name = "tun%d";
  n = strlen(name);
  if (n >= IFNAMSIZ)
    return -EINVAL;

  fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0)
    return -errno;

  memset(&ifr, 0, sizeof(ifr));
  ifr.ifr_flags = IFF_TUN | IFF_NO_PI | IFF_VNET_HDR;
  memcpy(ifr.ifr_name, name, n);
  /* the kernel expands a "%d" template and writes the chosen name back */
  r = ioctl(fd, TUNSETIFF, &ifr);
  if (r < 0 && errno == EINVAL) {
    ifr.ifr_flags = IFF_TUN | IFF_NO_PI;
    r = ioctl(fd, TUNSETIFF, &ifr);
  }
  if (r < 0) {
    r = -errno;
    close(fd);
    return r;
  }

  if (ret_name)
    *ret_name = g_strndup(ifr.ifr_name, IFNAMSIZ);
  return fd;
}
