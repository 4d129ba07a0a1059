#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Where ospreyd's log goes when its stderr is neither a terminal nor the
journal (started by a bus without systemd): the journal when its socket
exists, else syslog when /dev/log exists, else stderr (daemon/osp-log.c).

    private mount namespace (unshare -m; root only), per daemon start:
      /run            a tmpfs; /run/systemd/journal/socket bind-mounted from
                      a datagram socket of this test when the journal is wanted
      /dev            with /dev/log bind-mounted from another one for syslog
    ospreyd-fake --bus-address (private bus of test-ospreyd.py's Env)

The sockets are this test's own; nothing of the machine's is touched.
"""
import importlib.util
import os
import socket
import sys
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
_spec = importlib.util.spec_from_file_location("ospreyd_tests",
                                               os.path.join(HERE, "test-ospreyd.py"))
T = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(T)

# Runs the daemon with the namespace set up from $OSP_LOG_JOURNAL and
# $OSP_LOG_SYSLOG (socket paths, or empty).
WRAPPER = r"""#!/bin/sh
exec unshare -m --propagation private sh -ec '
  mount -t tmpfs osprey-log-test /run
  mkdir -p /run/systemd/journal
  if [ -n "$OSP_LOG_JOURNAL" ]; then
    touch /run/systemd/journal/socket
    mount --bind "$OSP_LOG_JOURNAL" /run/systemd/journal/socket
  fi
  if [ -n "$OSP_LOG_SYSLOG" ]; then
    d=$OSP_LOG_DEV
    mkdir -p "$d"
    for n in null zero random urandom; do touch "$d/$n"; mount --bind "/dev/$n" "$d/$n"; done
    touch "$d/log"
    mount --bind "$OSP_LOG_SYSLOG" "$d/log"
    mount --rbind "$d" /dev
  fi
  exec "$@"' osprey-log-test "$OSP_LOG_REAL" "$@"
"""


class TestLogTarget(unittest.TestCase):
    def setUp(self):
        if os.getuid() != 0:
            self.skipTest("needs root for a private mount namespace")
        if not os.path.exists(T.OSPREYD_FAKE):
            self.skipTest("ospreyd-fake not built")
        self.tmp = os.path.realpath(__import__("tempfile").mkdtemp(prefix="osprey-log-"))
        self.wrapper = os.path.join(self.tmp, "ospreyd-in-ns")
        with open(self.wrapper, "w") as f:
            f.write(WRAPPER)
        os.chmod(self.wrapper, 0o755)
        self.socks = []
        self.env = None
        self.saved = {k: os.environ.get(k) for k in
                      ("OSP_LOG_JOURNAL", "OSP_LOG_SYSLOG", "OSP_LOG_DEV", "OSP_LOG_REAL")}

    def tearDown(self):
        if self.env:
            self.env.stop_daemon()
            self.env.close()
        for s in self.socks:
            s.close()
        __import__("shutil").rmtree(self.tmp, ignore_errors=True)
        for k, v in self.saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v

    def receiver(self, name):
        path = os.path.join(self.tmp, name)
        s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        s.bind(path)
        s.settimeout(0.2)
        self.socks.append(s)
        return s, path

    def start(self, journal="", syslog=""):
        os.environ.update(OSP_LOG_JOURNAL=journal, OSP_LOG_SYSLOG=syslog,
                          OSP_LOG_DEV=os.path.join(self.tmp, "dev"), OSP_LOG_REAL=T.OSPREYD_FAKE)
        self.env = T.Env(self.wrapper)

    def received(self, sock, needle, timeout=10):
        got = []
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                got.append(sock.recv(65536))
            except socket.timeout:
                continue
            if needle in got[-1]:
                return got[-1]
        self.fail("%r never came: %r" % (needle, got))

    def test_journal(self):
        journal, path = self.receiver("journal")
        self.start(journal=path)
        msg = self.received(journal, b"serving net.ospreyvpn.Osprey1")
        fields = dict(line.split(b"=", 1) for line in msg.split(b"\n") if b"=" in line)
        self.assertEqual(fields[b"GLIB_DOMAIN"], b"ospreyd")
        self.assertEqual(fields[b"PRIORITY"], b"5")  # g_message: notice
        self.assertNotIn("serving", self.env.read_log())  # not also on stderr

    def test_syslog(self):
        syslog, path = self.receiver("syslog")
        self.start(syslog=path)
        msg = self.received(syslog, b"serving net.ospreyvpn.Osprey1")
        self.assertRegex(msg, rb"^<29>.* ospreyd\[\d+\]: ospreyd .* serving")  # daemon.notice
        self.assertNotIn("serving", self.env.read_log())

    def test_stderr_without_either(self):
        self.start()
        deadline = time.monotonic() + 10
        while "serving" not in self.env.read_log():
            self.assertLess(time.monotonic(), deadline, self.env.read_log())
            time.sleep(0.05)


if __name__ == "__main__":
    unittest.main()
