/* SPDX-License-Identifier: GPL-2.0-or-later
 * Osprey — the TUN device the ESP datapath reads inner packets from.
 * Layer-3 (IFF_TUN) without the packet-information header (IFF_NO_PI): each
 * read() is exactly one IP packet, which is what ESP tunnel mode carries. */
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
  ifr.ifr_flags = IFF_TUN | IFF_NO_PI;
  memcpy(ifr.ifr_name, name, n);
  /* the kernel expands a "%d" template and writes the chosen name back */
  if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
    r = -errno;
    close(fd);
    return r;
  }

  if (ret_name)
    *ret_name = g_strndup(ifr.ifr_name, IFNAMSIZ);
  return fd;
}
