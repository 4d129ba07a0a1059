#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""ospreyd's perf samples by what they were doing (tests/bench/profile.sh).

Reads `perf script -F comm,tid,ip,sym,dso` on stdin: a line per sample
(the thread), then its call chain, leaf first, one indented frame a line.
Prints the share of each category, largest first.  A kernel sample is put
under the system call it came from (where the chain reaches it); a chain
cut short by the unwinder counts under the kernel function it stopped in
("kernel, no chain").
"""
import collections
import re
import sys

FRAME = re.compile(r"\s+[0-9a-f]+\s+(.*?)\s+\((.*)\)$")


def category(frames):
    sym, dso = frames[0]
    syms = {s for s, _ in frames}

    def has(*names):
        return any(n in syms for n in names)

    if "libcrypto" in dso:
        return "user: crypto (libcrypto)"
    if "ospreyd" in dso:
        if sym.startswith("osp_csum_add"):
            return "user: TCP checksums (osp_csum_add)"
        return "user: Osprey's code (ESP framing, GSO/GRO, the loop)"
    if "libc" in dso:
        if "memmove" in sym or "memcpy" in sym:
            return "user: memcpy (libc)"
        return "user: libc, other (malloc, strcmp, ...)"
    if "kernel" not in dso:
        return "user: other (%s)" % dso
    sched = has("__schedule", "schedule")
    # the system call's entry, or the first function under do_syscall_64
    # when the compiler folded the entry into it
    if has("__x64_sys_sendmmsg", "__sys_sendmmsg", "__x64_sys_sendto", "__sys_sendto",
           "udp_sendmsg"):
        if has("net_rx_action", "process_backlog", "__netif_receive_skb_one_core"):
            return "kernel: send, the peer's receive run in our context (veth backlog)"
        if sched:
            return "kernel: send, rescheduled"
        return "kernel: send ESP (UDP/IP, GSO, the device)"
    if has("__x64_sys_recvmmsg", "do_recvmmsg", "__x64_sys_recvfrom", "__sys_recvfrom",
           "udp_recvmsg"):
        return "kernel: receive ESP (recvmmsg)"
    if has("__x64_sys_writev", "do_writev", "tun_chr_write_iter", "__x64_sys_write", "ksys_write"):
        if has("tcp_v4_rcv", "tcp_v6_rcv", "udp_rcv", "icmp_rcv", "udpv6_rcv"):
            return "kernel: TUN write, the local stack's receive (and its ACK-clocked sends)"
        return "kernel: TUN write"
    if has("__x64_sys_readv", "do_readv", "tun_chr_read_iter", "__x64_sys_read", "ksys_read"):
        return "kernel: TUN read (and eventfd reads)"
    if has("__x64_sys_epoll_wait", "do_epoll_wait", "__x64_sys_poll", "__x64_sys_ppoll"):
        return "kernel: epoll_wait/poll, sleeping and waking"
    if has("handle_softirqs", "net_rx_action"):
        return "kernel: softirq outside system calls"
    if sched or has("irqentry_exit_to_user_mode", "exit_to_user_mode_loop"):
        return "kernel: preempted, interrupt exit"
    for s, _ in reversed(frames):
        if s.startswith("__x64_sys_"):
            return "kernel: other system call (%s)" % s
    return "kernel, no chain"


def main():
    counts = collections.Counter()
    frames = []

    def flush():
        if frames:
            counts[category(frames)] += 1
        frames.clear()

    for line in sys.stdin:
        line = line.rstrip("\n")
        if not line.strip() or line[0] not in " \t":
            flush()
            continue
        m = FRAME.match(line)
        if m:
            frames.append((re.sub(r"\+0x[0-9a-f]+$", "", m.group(1)), m.group(2)))
    flush()
    total = sum(counts.values())
    if not total:
        print("   no samples")
        return
    for name, n in counts.most_common():
        print("   %5.1f%%  %s" % (100.0 * n / total, name))
    print("   %d samples" % total)


if __name__ == "__main__":
    main()
