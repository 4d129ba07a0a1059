/* SPDX-License-Identifier: GPL-2.0-or-later
 * LD_PRELOAD shim for the lab scenario gso-fallback: a kernel that refuses
 * the offloads.  UDP GSO, as Linux refuses it where it cannot segment
 * (EIO: a route through xfrm, a device that cannot checksum on older
 * kernels; EINVAL before 4.18): sendmmsg() sends the messages before the
 * first one that carries a UDP_SEGMENT control message and fails on that
 * one with EIO, as the kernel reports an error after a partial batch.  TUN
 * offloads, as a kernel without them: TUNSETOFFLOAD fails with EINVAL.
 * Everything else goes to libc unchanged. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <linux/if_tun.h>
#include <netinet/udp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

static bool carries_segment(struct msghdr *h)
{
  for (struct cmsghdr *cm = CMSG_FIRSTHDR(h); cm; cm = CMSG_NXTHDR(h, cm))
    if (cm->cmsg_level == SOL_UDP && cm->cmsg_type == UDP_SEGMENT)
      return true;
  return false;
}

int sendmmsg(int fd, struct mmsghdr *msgs, unsigned int n, int flags)
{
  static int (*real)(int, struct mmsghdr *, unsigned int, int);
  unsigned int i;

  if (!real)
    real = (int (*)(int, struct mmsghdr *, unsigned int, int))dlsym(RTLD_NEXT, "sendmmsg");
  for (i = 0; i < n && !carries_segment(&msgs[i].msg_hdr); i++)
    ;
  if (i == 0 && n > 0) {
    errno = EIO;
    return -1;
  }
  return real(fd, msgs, i, flags);
}

int ioctl(int fd, unsigned long request, ...)
{
  static int (*real)(int, unsigned long, ...);
  va_list ap;
  void *arg;

  if (!real)
    real = (int (*)(int, unsigned long, ...))dlsym(RTLD_NEXT, "ioctl");
  va_start(ap, request);
  arg = va_arg(ap, void *);
  va_end(ap);
  if (request == TUNSETOFFLOAD) {
    errno = EINVAL;
    return -1;
  }
  return real(fd, request, arg);
}
