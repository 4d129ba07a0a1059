#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""D-Bus activation of ospreyd on a private, system-like bus.

    dbus-daemon --config-file=TMP/bus.conf   (type system, the project's policy,
         |                                    <servicedir>TMP/services</servicedir>)
         +-- ospreyd-fake, started by the bus when a client calls it:
         |     TMP/services/net.ospreyvpn.Osprey1.service runs it with
         |     --profiles-dir, --secrets-dir and --test-authz in TMP and no
         |     --bus-address: it serves the bus named by DBUS_STARTER_ADDRESS
         +-- osprey --bus-address ...       (the real command line)

Nothing starts the daemon but the bus.  The test finds the daemon's PID with
GetConnectionUnixProcessID, kills it while `osprey connect` waits (exit
status 4), and checks that the next command activates a fresh daemon that
still has the profiles.  Every process started here (the bus, the clients,
each activated daemon) is stopped by PID at tear-down.

Environment: OSPREYD_FAKE, OSPREY (binaries), plus what test-ospreyd.py
reads (OSPREY_DATA_DIR, ...).
"""
import importlib.util
import os
import shutil
import signal
import subprocess
import tempfile
import time
import unittest

import dbus

HERE = os.path.dirname(os.path.abspath(__file__))
_spec = importlib.util.spec_from_file_location("ospreyd_tests",
                                               os.path.join(HERE, "test-ospreyd.py"))
T = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(T)

OSPREY = os.environ.get("OSPREY", "")

SERVICE = """[D-BUS Service]
Name=net.ospreyvpn.Osprey1
Exec={exec_line}
User=root
"""

SECRETS = "group-secret=gs\nusername=alice\npassword=good\n"


def pid_alive(pid):
    """True if pid runs and is not a zombie."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


class TestActivation(unittest.TestCase):
    def setUp(self):
        if not OSPREY or not os.path.exists(OSPREY):
            self.skipTest("osprey not built")
        if not T.OSPREYD_FAKE or not os.path.exists(T.OSPREYD_FAKE):
            self.skipTest("ospreyd-fake not built")
        self.daemon_pids = set()  # every activated daemon seen
        self.procs = []  # every client started
        self.bus_proc = None
        self.bus = None
        self.tmp = tempfile.mkdtemp(prefix="osprey-activation-")
        self.addCleanup(self.stop_all)  # also when setUp fails half-way
        os.chmod(self.tmp, 0o755)
        self.socket = os.path.join(self.tmp, "bus")
        self.address = "unix:path=" + self.socket
        self.profiles = os.path.join(self.tmp, "profiles")
        self.secrets = os.path.join(self.tmp, "secrets")
        self.rules = os.path.join(self.tmp, "rules")
        self.services = os.path.join(self.tmp, "services")
        self.bus_log = os.path.join(self.tmp, "bus.log")
        with open(self.rules, "w") as f:
            f.write(T.ALLOW_ALL)
        os.mkdir(self.services)
        args = [T.OSPREYD_FAKE, "--profiles-dir", self.profiles, "--secrets-dir", self.secrets,
                "--test-authz", self.rules, "-v"]
        for a in args:
            self.assertNotRegex(a, r'[\s"\'\\%]', "path unusable in a .service file")
        with open(os.path.join(self.services, T.NAME + ".service"), "w") as f:
            f.write(SERVICE.format(exec_line=" ".join(args)))
        extra = "<servicedir>%s</servicedir>" % self.services
        if os.getuid() != 0:
            import pwd
            extra += T.USER_POLICY.format(user=pwd.getpwuid(os.getuid()).pw_name)
        with open(os.path.join(self.tmp, "bus.conf"), "w") as f:
            f.write(T.bus_conf(self.socket,
                               os.path.join(T.DATA_DIR, "net.ospreyvpn.Osprey1.conf"), extra))
        # The activated daemon inherits the bus's stdout and stderr: its log.
        logf = open(self.bus_log, "w")
        env = {k: v for k, v in os.environ.items()
               if not k.startswith("DBUS_") and k != "OSPREY_BUS_ADDRESS"}
        env["OSPREY_STATE_DIR"] = os.path.join(self.tmp, "state")
        r, w = os.pipe()
        self.bus_proc = subprocess.Popen(
            ["dbus-daemon", "--config-file=" + os.path.join(self.tmp, "bus.conf"), "--nofork",
             "--print-address=%d" % w], stdout=logf, stderr=logf, pass_fds=(w,), env=env)
        logf.close()
        os.close(w)
        with os.fdopen(r) as f:
            f.readline()  # the bus listens once it printed its address
        os.chmod(self.socket, 0o777)
        self.bus = dbus.bus.BusConnection(self.address)
        self.dbus_iface = dbus.Interface(
            self.bus.get_object("org.freedesktop.DBus", "/org/freedesktop/DBus"),
            "org.freedesktop.DBus")

    def stop_all(self):
        # Whatever owns the name now was activated by this test, too.
        if self.bus is not None:
            try:
                self.daemon_pid()
            except Exception:
                pass
            self.bus.close()
        # and any daemon with our directories (the bus started it for us)
        self.daemon_pids.update(self.daemons_of_this_test())
        for p in self.procs:
            if p.poll() is None:
                p.kill()
                p.wait()
        for pid in self.daemon_pids:
            if pid_alive(pid):
                try:
                    os.kill(pid, signal.SIGTERM)
                except ProcessLookupError:
                    continue
                deadline = time.monotonic() + 10
                while pid_alive(pid) and time.monotonic() < deadline:
                    time.sleep(0.02)
                if pid_alive(pid):
                    os.kill(pid, signal.SIGKILL)
        if self.bus_proc is not None:
            if self.bus_proc.poll() is None:
                self.bus_proc.terminate()
            self.bus_proc.wait()
        log = self.read_log()
        shutil.rmtree(self.tmp, ignore_errors=True)
        for bad in ("CRITICAL", "AddressSanitizer", "runtime error"):
            self.assertNotIn(bad, log, log)

    # -- helpers -----------------------------------------------------------
    def read_log(self):
        try:
            with open(self.bus_log, errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def osprey(self, *args, timeout=30):
        env = dict(os.environ, LC_ALL="C")
        env.pop("OSPREY_BUS_ADDRESS", None)
        return subprocess.run([OSPREY, "--bus-address", self.address] + list(args),
                              capture_output=True, text=True, timeout=timeout, env=env,
                              stdin=subprocess.DEVNULL)

    def spawn(self, *args):
        env = dict(os.environ, LC_ALL="C")
        env.pop("OSPREY_BUS_ADDRESS", None)
        p = subprocess.Popen([OSPREY, "--bus-address", self.address] + list(args),
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             stdin=subprocess.DEVNULL, text=True, env=env)
        self.procs.append(p)
        return p

    def check(self, r, status, *needles):
        self.assertEqual(r.returncode, status, "stdout: %r\nstderr: %r\nlog:\n%s"
                         % (r.stdout, r.stderr, self.read_log()))
        for n in needles:
            self.assertIn(n, r.stdout + r.stderr)
        return r

    def has_owner(self):
        return bool(self.dbus_iface.NameHasOwner(T.NAME))

    def daemon_pid(self):
        pid = int(self.dbus_iface.GetConnectionUnixProcessID(T.NAME))
        self.daemon_pids.add(pid)
        return pid

    def daemons_of_this_test(self):
        """PIDs of the processes whose command line names our directory."""
        found = []
        for d in os.listdir("/proc"):
            if not d.isdigit():
                continue
            try:
                with open("/proc/%s/cmdline" % d, "rb") as f:
                    cmd = f.read().split(b"\0")
            except OSError:
                continue
            if (cmd and os.path.basename(cmd[0]).startswith(b"ospreyd")
                    and self.profiles.encode() in cmd):
                found.append(int(d))
        return found

    def connection_state(self, name):
        path = self.bus.get_object(T.NAME, T.ROOT, introspect=False).GetProfile(
            name, dbus_interface=T.MANAGER)
        conn = self.bus.get_object(T.NAME, path, introspect=False).Get(
            T.PROFILE, "ActiveConnection", dbus_interface=T.PROPS)
        if conn == "/":
            return None
        return str(self.bus.get_object(T.NAME, conn, introspect=False).Get(
            T.CONNECTION, "State", dbus_interface=T.PROPS))

    # -- the test ----------------------------------------------------------
    def test_activation_kill_reactivation(self):
        # Nothing runs before a client asks.
        self.assertFalse(self.has_owner())
        self.assertEqual(self.daemons_of_this_test(), [])
        self.assertIn(T.NAME, [str(n) for n in self.dbus_iface.ListActivatableNames()])

        # The first command starts the daemon.
        r = self.check(self.osprey("list"), 0)
        self.assertTrue(self.has_owner())
        pid1 = self.daemon_pid()
        self.assertTrue(pid_alive(pid1))
        self.assertEqual(self.daemons_of_this_test(), [pid1])
        # started by the bus, not by us: the bus told it where it is (the
        # bus's babysitter process is gone once the name is taken)
        self.assertNotIn(pid1, [p.pid for p in self.procs])
        with open("/proc/%d/environ" % pid1, "rb") as f:
            environ = dict(v.split(b"=", 1) for v in f.read().split(b"\0") if b"=" in v)
        self.assertTrue(environ[b"DBUS_STARTER_ADDRESS"].startswith(self.address.encode()))
        self.assertIn("ospreyd", self.read_log())

        # A profile whose gateway keeps "connecting" (fake-engine.c).
        conf = os.path.join(self.tmp, "slow.conf")
        with open(conf, "w") as f:
            f.write("IPSec gateway 192.0.2.99\nIPSec ID grp\n")
        self.check(self.osprey("import", conf, "--name", "slow"), 0, "Imported slow")
        self.check(self.osprey("list"), 0, "slow")
        self.assertEqual(self.daemon_pid(), pid1)

        # Kill the daemon while `osprey connect` waits.
        secrets = os.path.join(self.tmp, "secrets.txt")
        with open(secrets, "w") as f:
            f.write(SECRETS)
        os.chmod(secrets, 0o600)
        p = self.spawn("connect", "slow", "--secrets-file", secrets)
        deadline = time.monotonic() + 10
        while self.connection_state("slow") != "connecting":
            if p.poll() is not None:
                self.fail("osprey connect ended: %r" % (p.communicate(),))
            self.assertLess(time.monotonic(), deadline, "never connecting")
            time.sleep(0.02)
        time.sleep(0.2)
        os.kill(pid1, signal.SIGKILL)
        t = time.monotonic()
        out, err = p.communicate(timeout=10)
        elapsed = time.monotonic() - t
        self.assertEqual(p.returncode, 4, "stdout: %r\nstderr: %r" % (out, err))
        self.assertLess(elapsed, 5)
        self.assertIn("ospreyd stopped while osprey was waiting", err)
        self.assertEqual(len(err.strip().splitlines()), 1, err)
        deadline = time.monotonic() + 5
        while pid_alive(pid1):
            self.assertLess(time.monotonic(), deadline, "killed daemon still there")
            time.sleep(0.02)
        # Nothing restarted it behind our back: only clients activate.
        self.assertFalse(self.has_owner())

        # The next command starts a fresh daemon, which has the profile.
        r = self.check(self.osprey("list"), 0, "slow")
        pid2 = self.daemon_pid()
        self.assertNotEqual(pid2, pid1)
        self.assertTrue(pid_alive(pid2))
        self.assertEqual(self.daemons_of_this_test(), [pid2])
        self.assertNotIn("connecting", r.stdout)
        self.assertTrue(os.listdir(self.profiles))


class TestInstalledServiceFile(unittest.TestCase):
    """The activation file installed for the system bus."""

    def test_service_file(self):
        path = os.path.join(T.DATA_BUILD_DIR, T.NAME + ".service")
        if not os.path.exists(path):
            self.skipTest("data/%s.service not generated" % T.NAME)
        with open(path) as f:
            lines = [l.strip() for l in f if l.strip() and not l.startswith("#")]
        self.assertEqual(lines[0], "[D-BUS Service]")
        keys = dict(l.split("=", 1) for l in lines[1:])
        self.assertEqual(keys["Name"], T.NAME)
        self.assertTrue(os.path.isabs(keys["Exec"]), keys["Exec"])
        self.assertEqual(os.path.basename(keys["Exec"]), "ospreyd")
        self.assertEqual(keys["User"], "root")
        self.assertEqual(keys["SystemdService"], "ospreyd.service")


if __name__ == "__main__":
    unittest.main()
