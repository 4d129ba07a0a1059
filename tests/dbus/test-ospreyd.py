#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""D-Bus tests of ospreyd on a private, system-like bus.

Topology (all inside this process's temporary directory, no network):

    dbus-daemon  --config-file=TMP/bus.conf   (type system, EXTERNAL auth,
         |                                     the project's bus policy)
         +-- ospreyd(-fake) --bus-address unix:path=TMP/bus
         |       --profiles-dir TMP/profiles --secrets-dir TMP/secrets
         |       --test-authz TMP/rules
         +-- this test: clients, agents

ospreyd-fake is ospreyd linked against a scripted engine
(tests/dbus/fake-engine.c); see there for what each gateway address does.

Environment: OSPREYD, OSPREYD_FAKE (binaries), OSPREY_DATA_DIR (data/ in
the source tree), OSPREY_DATA_BUILD_DIR, OSPREY_TEST_DATA (sample
profiles).  Every process started here is stopped by PID at tear-down.
"""
import os
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import threading
import time
import unittest
import xml.etree.ElementTree as ET

import dbus
import dbus.mainloop.glib
import dbus.service
from gi.repository import GLib

dbus.mainloop.glib.DBusGMainLoop(set_as_default=True)

NAME = "net.ospreyvpn.Osprey1"
ROOT = "/net/ospreyvpn/Osprey1"
MANAGER = NAME + ".Manager"
PROFILE = NAME + ".Profile"
CONNECTION = NAME + ".Connection"
AGENT = NAME + ".Agent"
ERR = NAME + ".Error."
PROPS = "org.freedesktop.DBus.Properties"
OM = "org.freedesktop.DBus.ObjectManager"

OSPREYD = os.environ.get("OSPREYD", "")
OSPREYD_FAKE = os.environ.get("OSPREYD_FAKE", "")
DATA_DIR = os.environ.get("OSPREY_DATA_DIR", "")
DATA_BUILD_DIR = os.environ.get("OSPREY_DATA_BUILD_DIR", "")
TEST_DATA = os.environ.get("OSPREY_TEST_DATA", "")

ALLOW_ALL = "* * yes\n"

BUS_CONF_TEMPLATE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data",
                                 "system-like-bus.conf.in")


def bus_conf(socket, policy, extra=""):
    """The configuration of a private system-like bus listening on socket."""
    with open(BUS_CONF_TEMPLATE) as f:
        text = f.read()
    return (text.replace("@LISTEN@", "unix:path=" + socket).replace("@POLICY@", policy)
            .replace("@EXTRA@", extra))

# When the tests do not run as root, the daemon does not either: let the
# test user stand in for root in the variant of the policy.
USER_POLICY = """<policy user="{user}">
    <allow own="net.ospreyvpn.Osprey1"/>
    <allow send_destination="net.ospreyvpn.Osprey1"/>
    <allow send_interface="net.ospreyvpn.Osprey1.Agent"/>
  </policy>"""


def wait_for(cond, timeout=5.0, what="condition"):
    """Runs the main loop until cond() is true."""
    ctx = GLib.MainContext.default()
    deadline = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting for " + what)
        ctx.iteration(False) or time.sleep(0.005)


def spin(seconds):
    ctx = GLib.MainContext.default()
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        ctx.iteration(False) or time.sleep(0.005)


class Env:
    """A private bus and one ospreyd on it."""

    def __init__(self, binary, rules=ALLOW_ALL):
        self.tmp = tempfile.mkdtemp(prefix="osprey-dbus-")
        os.chmod(self.tmp, 0o755)
        self.socket = os.path.join(self.tmp, "bus")
        self.address = "unix:path=" + self.socket
        self.profiles = os.path.join(self.tmp, "profiles")
        self.secrets = os.path.join(self.tmp, "secrets")
        self.rules = os.path.join(self.tmp, "rules")
        self.log = os.path.join(self.tmp, "ospreyd.log")
        self.state = os.path.join(self.tmp, "state")  # dh-groups, logs: not the machine's
        self.binary = binary
        self.set_rules(rules)
        extra = ""
        if os.getuid() != 0:
            import pwd
            extra = USER_POLICY.format(user=pwd.getpwuid(os.getuid()).pw_name)
        with open(os.path.join(self.tmp, "bus.conf"), "w") as f:
            f.write(bus_conf(self.socket, os.path.join(DATA_DIR, "net.ospreyvpn.Osprey1.conf"),
                             extra))
        self.bus_proc = subprocess.Popen(
            ["dbus-daemon", "--config-file=" + os.path.join(self.tmp, "bus.conf"), "--nofork",
             "--print-address=1"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        self.bus_proc.stdout.readline()  # the bus listens once it printed its address
        os.chmod(self.socket, 0o777)
        self.daemon = None
        self.start_daemon()
        self.bus = dbus.bus.BusConnection(self.address)

    def set_rules(self, rules):
        with open(self.rules, "w") as f:
            f.write(rules)

    def start_daemon(self, extra_args=(), group=None):
        logf = open(self.log, "a")
        self.daemon = subprocess.Popen(
            [self.binary, "--bus-address", self.address, "--profiles-dir", self.profiles,
             "--secrets-dir", self.secrets, "--test-authz", self.rules, "-v"] + list(extra_args),
            stdout=logf, stderr=logf, group=group,
            env=dict(os.environ, OSPREY_STATE_DIR=self.state))
        logf.close()
        probe = dbus.bus.BusConnection(self.address)
        try:
            deadline = time.monotonic() + 10
            while not probe.name_has_owner(NAME):
                if self.daemon.poll() is not None:
                    raise AssertionError("ospreyd exited: " + self.read_log())
                if time.monotonic() > deadline:
                    raise AssertionError("ospreyd did not take its name")
                time.sleep(0.01)
        finally:
            probe.close()

    def stop_daemon(self):
        if self.daemon and self.daemon.poll() is None:
            self.daemon.send_signal(signal.SIGTERM)
            try:
                self.daemon.wait(20)
            except subprocess.TimeoutExpired:
                self.daemon.kill()
                self.daemon.wait()
        rc = self.daemon.returncode if self.daemon else None
        self.daemon = None
        return rc

    def read_log(self):
        try:
            with open(self.log, errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def close(self):
        try:
            self.bus.close()
        except Exception:
            pass
        self.stop_daemon()
        if self.bus_proc.poll() is None:
            self.bus_proc.terminate()
            self.bus_proc.wait()
        self.bus_proc.stdout.close()
        shutil.rmtree(self.tmp, ignore_errors=True)

    # -- helpers ---------------------------------------------------------
    def obj(self, path):
        return self.bus.get_object(NAME, path, introspect=False)

    def manager(self):
        return dbus.Interface(self.obj(ROOT), MANAGER)

    def profile(self, path):
        return dbus.Interface(self.obj(path), PROFILE)

    def connection(self, path):
        return dbus.Interface(self.obj(path), CONNECTION)

    def props(self, path, iface):
        return dbus.Interface(self.obj(path), PROPS).GetAll(iface)

    def prop(self, path, iface, name):
        return dbus.Interface(self.obj(path), PROPS).Get(iface, name)

    def add(self, name, **settings):
        s = dbus.Dictionary({k.replace("_", "-"): v for k, v in settings.items()},
                            signature="sv")
        return self.manager().AddProfile(name, s)


def settings(**kw):
    return dbus.Dictionary({k.replace("_", "-"): v for k, v in kw.items()}, signature="sv")


def basic(**kw):
    d = {"gateway": "192.0.2.1", "group_id": "grp"}
    d.update(kw)
    return d


class Base(unittest.TestCase):
    binary_attr = "OSPREYD"
    rules = ALLOW_ALL

    def setUp(self):
        binary = OSPREYD_FAKE if self.binary_attr == "OSPREYD_FAKE" else OSPREYD
        if not binary or not os.path.exists(binary):
            self.skipTest("ospreyd binary not built")
        self.env = Env(binary, self.rules)

    def tearDown(self):
        env = self.env
        rc = env.stop_daemon()
        log = env.read_log()
        env.close()
        # Never a crash, whatever the test threw at it.
        self.assertIn(rc, (0, None), "ospreyd exit status %r; log:\n%s" % (rc, log))
        for bad in ("CRITICAL", "AddressSanitizer", "runtime error"):
            self.assertNotIn(bad, log, log)

    def assertDBusError(self, name, func, *args, **kw):
        with self.assertRaises(dbus.DBusException) as cm:
            func(*args, **kw)
        self.assertEqual(cm.exception.get_dbus_name(), ERR + name,
                         cm.exception.get_dbus_message())
        return cm.exception


class TestProfiles(Base):
    def test_version_and_empty(self):
        p = self.env.props(ROOT, MANAGER)
        self.assertRegex(str(p["Version"]), r"^\d+\.\d+")
        self.assertEqual(list(p["Profiles"]), dbus.Array([], signature="s"))
        self.assertEqual(list(p["Connections"]), dbus.Array([], signature="s"))

    def test_add_get_list_update_delete(self):
        env = self.env
        path = env.add("work", **basic(username="alice", no_split=True,
                                       dpd_idle=dbus.UInt32(60)))
        self.assertEqual(path, ROOT + "/Profile/work")
        self.assertEqual(env.manager().GetProfile("work"), path)
        self.assertEqual(list(env.prop(ROOT, MANAGER, "Profiles")), [path])
        p = env.props(path, PROFILE)
        self.assertEqual(p["Name"], "work")
        self.assertEqual(dict(p["Settings"]), {"gateway": "192.0.2.1", "group-id": "grp",
                                               "username": "alice", "no-split": True,
                                               "dpd-idle": 60})
        self.assertEqual(list(p["SavedSecrets"]), dbus.Array([], signature="s"))
        self.assertEqual(p["ActiveConnection"], "/")
        kf = os.path.join(env.profiles, "work.conf")
        self.assertEqual(stat.S_IMODE(os.stat(kf).st_mode), 0o644)

        env.profile(path).Update(settings(username="bob", description="Büro"), ["no-split"])
        s = dict(env.prop(path, PROFILE, "Settings"))
        self.assertEqual(s["username"], "bob")
        self.assertEqual(s["description"], "Büro")
        self.assertNotIn("no-split", s)

        # An update that leaves an invalid profile is refused and changes nothing.
        self.assertDBusError("Config", env.profile(path).Update, settings(), ["gateway"])
        self.assertEqual(dict(env.prop(path, PROFILE, "Settings"))["gateway"], "192.0.2.1")

        env.profile(path).Delete()
        self.assertFalse(os.path.exists(kf))
        self.assertEqual(list(env.prop(ROOT, MANAGER, "Profiles")), dbus.Array([], signature="s"))
        self.assertDBusError("NotFound", env.manager().GetProfile, "work")

    def test_names_with_special_characters(self):
        env = self.env
        path = env.add("home-office.2@corp", **basic())
        self.assertTrue(path.startswith(ROOT + "/Profile/"))
        self.assertEqual(env.prop(path, PROFILE, "Name"), "home-office.2@corp")
        self.assertEqual(env.manager().GetProfile("home-office.2@corp"), path)

    def test_duplicate(self):
        self.env.add("a", **basic())
        self.assertDBusError("AlreadyExists", self.env.add, "a", **basic())

    def test_profiles_sorted_and_object_manager(self):
        env = self.env
        for n in ("zeta", "alpha", "mid"):
            env.add(n, **basic())
        names = [str(env.prop(p, PROFILE, "Name")) for p in env.prop(ROOT, MANAGER, "Profiles")]
        self.assertEqual(names, ["alpha", "mid", "zeta"])
        objs = dbus.Interface(env.obj(ROOT), OM).GetManagedObjects()
        self.assertEqual(len(objs), 3)
        for path, ifaces in objs.items():
            self.assertIn(PROFILE, ifaces)

    def test_set_secrets_never_readable(self):
        env = self.env
        path = env.add("s", **basic())
        env.profile(path).SetSecrets(dbus.Dictionary({"group-secret": "G-s3cret",
                                                      "password": "P-s3cret"}, signature="ss"))
        self.assertEqual(sorted(env.prop(path, PROFILE, "SavedSecrets")),
                         ["group-secret", "password"])
        sf = os.path.join(env.secrets, "s")
        self.assertEqual(stat.S_IMODE(os.stat(sf).st_mode), 0o600)
        self.assertEqual(stat.S_IMODE(os.stat(env.secrets).st_mode), 0o700)
        with open(sf) as f:
            self.assertIn("G-s3cret", f.read())
        everything = repr(dbus.Interface(env.obj(ROOT), OM).GetManagedObjects())
        everything += env.profile(path).Export()
        with open(os.path.join(env.profiles, "s.conf")) as f:
            everything += f.read()
        self.assertNotIn("s3cret", everything)
        # read and written without GKeyFile (which leaves unwiped copies),
        # in its syntax: escapes as GLib writes and reads them
        odd = " P\\ s3cret \\s"
        env.profile(path).SetSecrets(dbus.Dictionary({"password": odd}, signature="ss"))
        kf = GLib.KeyFile()
        with open(sf) as f:
            text = f.read()
        kf.load_from_data(text, len(text.encode()), GLib.KeyFileFlags.NONE)
        self.assertEqual(kf.get_string("secrets", "password"), odd)
        self.assertEqual(kf.get_string("secrets", "group-secret"), "G-s3cret")
        # an empty value removes a stored secret
        env.profile(path).SetSecrets(dbus.Dictionary({"password": ""}, signature="ss"))
        self.assertEqual(list(env.prop(path, PROFILE, "SavedSecrets")), ["group-secret"])
        env.profile(path).Delete()
        self.assertFalse(os.path.exists(sf))
        self.assertNotIn("s3cret", env.read_log())

    def test_export(self):
        env = self.env
        path = env.add("e", **basic(username="alice", natt_mode="force-natt"))
        text = env.profile(path).Export()
        self.assertIn("IPSec gateway 192.0.2.1", text)
        self.assertIn("IPSec ID grp", text)
        self.assertIn("Xauth username alice", text)

    def test_import_vpnc_and_pcf_samples(self):
        env = self.env
        if not TEST_DATA or not os.path.isdir(TEST_DATA):
            self.skipTest("no sample profiles")
        cases = [("cisco-example.pcf", "vpn.example.com"), ("cisco-bom.pcf", "koeln.example.de"),
                 ("cisco-nomain.pcf", "198.51.100.7"), ("cisco-utf16.pcf", "msk.example.ru"),
                 ("osprey-profile.conf", "vpn.lab.example"), ("vpnc-crlf.conf", None),
                 ("vpnc-basic.conf", None), ("vpnc-full.conf", None), ("vpnc-nm.conf", None)]
        for fname, gateway in cases:
            with open(os.path.join(TEST_DATA, fname), "rb") as f:
                data = f.read()
            path, warnings = env.manager().ImportProfile(
                "", fname, dbus.ByteArray(data), dbus.Dictionary({}, signature="sv"))
            name = os.path.splitext(fname)[0]
            self.assertEqual(env.prop(path, PROFILE, "Name"), name)
            s = dict(env.prop(path, PROFILE, "Settings"))
            if gateway:
                self.assertEqual(s["gateway"], gateway, fname)
            self.assertNotIn("group-secret", s)
            self.assertNotIn("password", s)
        # the .pcf's obfuscated group and user passwords went to the store
        path = env.manager().GetProfile("cisco-example")
        self.assertEqual(sorted(env.prop(path, PROFILE, "SavedSecrets")),
                         ["group-secret", "password"])
        with open(os.path.join(env.secrets, "cisco-example")) as f:
            text = f.read()
        self.assertIn("GroupSecret1", text)
        self.assertIn("s3cr3t-user-pw", text)
        s = dict(env.prop(path, PROFILE, "Settings"))
        self.assertEqual(s["description"], "B\u00fcro Z\u00fcrich (Hauptsitz)")
        self.assertNotIn("GroupSecret1", env.read_log())

    def test_import_inline_variants(self):
        env = self.env
        mgr = env.manager()
        none = dbus.Dictionary({}, signature="sv")
        # vpnc .conf with CRLF line ends and a comment
        conf = b"# work\r\nIPSec gateway 203.0.113.5\r\nIPSec ID grp\r\nIPSec secret x1\r\n"
        path, w = mgr.ImportProfile("crlf", "", dbus.ByteArray(conf), none)
        self.assertEqual(env.prop(path, PROFILE, "Settings")["gateway"], "203.0.113.5")
        self.assertEqual(list(env.prop(path, PROFILE, "SavedSecrets")), ["group-secret"])
        # .pcf in Latin-1 with '!'-prefixed keys, no secrets saved on request
        pcf = ("[main]\r\nDescription=Caf\u00e9\r\n!Host=198.51.100.9\r\n!AuthType=1\r\n"
               "!GroupName=g\r\nGroupPwd=clear\r\n").encode("latin-1")
        path, w = mgr.ImportProfile("", "/home/u/Caf\u00e9 Office.pcf", dbus.ByteArray(pcf),
                                    dbus.Dictionary({"save-secrets": False}, signature="sv"))
        self.assertEqual(env.prop(path, PROFILE, "Name"), "Caf__Office")
        s = dict(env.prop(path, PROFILE, "Settings"))
        self.assertEqual(s["gateway"], "198.51.100.9")
        self.assertEqual(s["description"], "Caf\u00e9")
        self.assertEqual(list(env.prop(path, PROFILE, "SavedSecrets")), dbus.Array([], signature="s"))
        # unknown keywords are warnings, not errors
        conf = b"IPSec gateway 203.0.113.6\nIPSec ID grp\nFrobnicate yes\n"
        path, w = mgr.ImportProfile("warn", "x.conf", dbus.ByteArray(conf), none)
        self.assertTrue(any("Frobnicate" in x for x in w), w)
        # replace
        self.assertDBusError("AlreadyExists", mgr.ImportProfile, "warn", "x.conf",
                             dbus.ByteArray(conf), none)
        conf2 = b"IPSec gateway 203.0.113.7\nIPSec ID grp\n"
        mgr.ImportProfile("warn", "x.conf", dbus.ByteArray(conf2),
                          dbus.Dictionary({"replace": True}, signature="sv"))
        self.assertEqual(env.prop(path, PROFILE, "Settings")["gateway"], "203.0.113.7")
        # broken files
        self.assertDBusError("Config", mgr.ImportProfile, "bad", "x.conf",
                             dbus.ByteArray(b"IPSec ID only\n"), none)
        self.assertDBusError("Config", mgr.ImportProfile, "bad2", "x.pcf",
                             dbus.ByteArray(b"[main]\r\nHost=192.0.2.4\r\nAuthType=4\r\n"), none)
        self.assertDBusError("Config", mgr.ImportProfile, "bad3", "x.pcf",
                             dbus.ByteArray(b"[main]\r\nHost=192.0.2.4\r\nAuthType=1\r\n"), none)

    def test_profiles_survive_restart_and_sighup(self):
        env = self.env
        env.add("keep", **basic())
        env.stop_daemon()
        env.start_daemon()
        self.assertEqual(env.manager().GetProfile("keep"), ROOT + "/Profile/keep")
        # a profile dropped in by hand appears on SIGHUP; a removed one goes
        with open(os.path.join(env.profiles, "byhand.conf"), "w") as f:
            f.write("[profile]\ngateway=198.51.100.1\ngroup-id=g\n")
        os.unlink(os.path.join(env.profiles, "keep.conf"))
        env.daemon.send_signal(signal.SIGHUP)
        wait_for(lambda: [str(x) for x in env.prop(ROOT, MANAGER, "Profiles")] ==
                 [ROOT + "/Profile/byhand"], what="reload")

    def test_properties_changed_on_update(self):
        env = self.env
        path = env.add("sig", **basic())
        seen = []
        env.bus.add_signal_receiver(lambda iface, changed, inval: seen.append(dict(changed)),
                                    "PropertiesChanged", PROPS, NAME, path)
        env.profile(path).Update(settings(username="carol"), dbus.Array([], signature="s"))
        wait_for(lambda: any("Settings" in c for c in seen), what="PropertiesChanged")


def variant_bytes(n):
    return dbus.ByteArray(b"x" * n)


class TestBadinput(Base):
    """Hostile or malformed arguments on every method: errors, never a crash."""

    def test_manager_methods(self):
        env = self.env
        mgr = env.manager()
        none = dbus.Dictionary({}, signature="sv")
        for name in ("", "a/b", "../etc", ".hidden", "-opt", "x" * 65, "sp ace", "t\tab",
                     "nul\x01", "ü"):
            self.assertDBusError("InvalidArguments", mgr.GetProfile, name)
            self.assertDBusError("InvalidArguments", mgr.AddProfile, name,
                                 settings(**basic()))
            self.assertDBusError("InvalidArguments", mgr.GetLog, name)
        bad_settings = [
            settings(gateway=dbus.UInt32(5), group_id="g"),            # wrong type
            settings(gateway="192.0.2.1", group_id="g", frob="x"),     # unknown key
            settings(gateway="192.0.2.1", group_id="g", password="p"),  # secret
            settings(gateway="192.0.2.1", group_id="g", group_secret="p"),
            settings(gateway="192.0.2.1", group_id="g", no_split="yes"),
            settings(gateway="192.0.2.1", group_id="g", mtu=dbus.Int32(1400)),
            settings(gateway="192.0.2.1", group_id="x" * 5000),       # huge
            settings(gateway="192.0.2.1", group_id="a\nb"),            # control chars
            settings(gateway="192.0.2.1", group_id="g", name="other"),
            dbus.Dictionary({"k%d" % i: "v" for i in range(100)}, signature="sv"),
        ]
        for s in bad_settings:
            self.assertDBusError("InvalidArguments", mgr.AddProfile, "ok", s)
        # semantically invalid: the engine's validation
        self.assertDBusError("Config", mgr.AddProfile, "ok", settings(group_id="g"))
        self.assertDBusError("Config", mgr.AddProfile, "ok",
                             settings(gateway="192.0.2.1", group_id="g", mtu=dbus.UInt32(5)))
        self.assertDBusError("Config", mgr.AddProfile, "ok",
                             settings(gateway="192.0.2.1", group_id="g", vendor="acme"))
        # wrong D-Bus signatures are refused by GDBus itself
        with self.assertRaises(dbus.DBusException) as cm:
            env.obj(ROOT).AddProfile("x", "not-a-dict", dbus_interface=MANAGER)
        self.assertEqual(cm.exception.get_dbus_name(), "org.freedesktop.DBus.Error.InvalidArgs")
        # imports
        self.assertDBusError("InvalidArguments", mgr.ImportProfile, "a", "f",
                             dbus.ByteArray(b""), none)
        self.assertDBusError("InvalidArguments", mgr.ImportProfile, "a", "f",
                             variant_bytes(1024 * 1024 + 1), none)
        self.assertDBusError("InvalidArguments", mgr.ImportProfile, "a", "f" * 5000,
                             dbus.ByteArray(b"x"), none)
        self.assertDBusError("InvalidArguments", mgr.ImportProfile, "", "",
                             dbus.ByteArray(b"IPSec gateway 1.2.3.4\n"), none)
        self.assertDBusError("InvalidArguments", mgr.ImportProfile, "a/b", "f",
                             dbus.ByteArray(b"x"), none)
        self.assertDBusError("InvalidArguments", mgr.ImportProfile, "a", "f", dbus.ByteArray(b"x"),
                             dbus.Dictionary({"replace": "yes"}, signature="sv"))
        self.assertDBusError("InvalidArguments", mgr.ImportProfile, "a", "f", dbus.ByteArray(b"x"),
                             dbus.Dictionary({"bogus": True}, signature="sv"))
        self.assertDBusError("Config", mgr.ImportProfile, "a", "f",
                             dbus.ByteArray(bytes(range(256)) * 4), none)
        self.assertDBusError("Config", mgr.ImportProfile, "a", "f.pcf",
                             dbus.ByteArray(b"\xff\xfe\x00\x00garbage"), none)
        # ConnectConfig
        self.assertDBusError("InvalidArguments", mgr.ConnectConfig, "c",
                             dbus.Array([], signature="ay"), none)
        self.assertDBusError("InvalidArguments", mgr.ConnectConfig, "c",
                             dbus.Array([dbus.ByteArray(b"x")] * 17, signature="ay"), none)
        self.assertDBusError("InvalidArguments", mgr.ConnectConfig, "c/d",
                             dbus.Array([dbus.ByteArray(b"x")], signature="ay"), none)
        self.assertDBusError("InvalidArguments", mgr.ConnectConfig, "c",
                             dbus.Array([variant_bytes(600000), variant_bytes(600000)],
                                        signature="ay"), none)
        self.assertDBusError("InvalidArguments", mgr.ConnectConfig, "c",
                             dbus.Array([dbus.ByteArray(b"x")], signature="ay"),
                             dbus.Dictionary({"secrets": "pw"}, signature="sv"))
        self.assertDBusError("Config", mgr.ConnectConfig, "c",
                             dbus.Array([dbus.ByteArray(b"IPSec ID x\n")], signature="ay"), none)
        # agents
        self.assertDBusError("InvalidArguments", mgr.RegisterAgent, dbus.ObjectPath("/"))
        self.assertDBusError("InvalidArguments", mgr.RegisterAgent,
                             dbus.ObjectPath("/" + "a" * 300))
        self.assertDBusError("NotFound", mgr.UnregisterAgent,
                             dbus.ObjectPath("/never/registered"))
        mgr.RegisterAgent(dbus.ObjectPath("/a"))
        self.assertDBusError("AlreadyExists", mgr.RegisterAgent, dbus.ObjectPath("/b"))
        self.assertDBusError("NotFound", mgr.UnregisterAgent, dbus.ObjectPath("/b"))
        mgr.UnregisterAgent(dbus.ObjectPath("/a"))
        self.assertDBusError("NotFound", mgr.GetLog, "nothing-yet")
        self.assertDBusError("NotFound", mgr.GetProfile, "nothing")

    def test_profile_methods(self):
        env = self.env
        path = env.add("p", **basic())
        prof = env.profile(path)
        self.assertDBusError("InvalidArguments", prof.Update, settings(password="x"), dbus.Array([], signature="s"))
        self.assertDBusError("InvalidArguments", prof.Update, settings(group_secret="x"), dbus.Array([], signature="s"))
        self.assertDBusError("InvalidArguments", prof.Update, settings(gateway=True), dbus.Array([], signature="s"))
        self.assertDBusError("InvalidArguments", prof.Update, settings(), ["nonsense"])
        self.assertDBusError("InvalidArguments", prof.Update, settings(), ["x"] * 100)
        self.assertDBusError("InvalidArguments", prof.Update,
                             settings(description="d" * 100000), dbus.Array([], signature="s"))
        # the network script expands TUNDEV unquoted: [A-Za-z0-9_.-] and one %d
        for bad in ("tun$(id)", "tun;x", "t`id`", "vpn%d%d", "a b"):
            e = self.assertDBusError("Config", prof.Update, settings(interface_name=bad),
                                     dbus.Array([], signature="s"))
            self.assertIn("not a valid interface name", e.get_dbus_message())
            self.assertDBusError("Config", env.add, "if", **basic(interface_name=bad))
        prof.Update(settings(interface_name="vpn-%d"), dbus.Array([], signature="s"))
        self.assertIn("Interface name vpn-%d", prof.Export())
        self.assertDBusError("InvalidArguments", prof.SetSecrets,
                             dbus.Dictionary({"username": "u"}, signature="ss"))
        self.assertDBusError("InvalidArguments", prof.SetSecrets,
                             dbus.Dictionary({"password": "a\nb"}, signature="ss"))
        self.assertDBusError("InvalidArguments", prof.SetSecrets,
                             dbus.Dictionary({"password": "p" * 2000}, signature="ss"))
        for opts in ({"secrets": dbus.Dictionary({"pin": "1"}, signature="ss")},
                     {"secrets": dbus.Dictionary({"password": ""}, signature="ss")},
                     {"secrets": dbus.Dictionary({"password": 5}, signature="sv")},
                     {"interactive": "no"}, {"reconnect": dbus.UInt32(1)}, {"what": True}):
            self.assertDBusError("InvalidArguments", prof.Connect,
                                 dbus.Dictionary(opts, signature="sv"))
        # wrong signature
        with self.assertRaises(dbus.DBusException) as cm:
            env.obj(path).Update(settings(), "notalist", dbus_interface=PROFILE)
        self.assertEqual(cm.exception.get_dbus_name(), "org.freedesktop.DBus.Error.InvalidArgs")
        # a method on a profile deleted meanwhile
        prof.Delete()
        with self.assertRaises(dbus.DBusException):
            prof.Export()
        # unknown objects and methods
        with self.assertRaises(dbus.DBusException):
            env.profile(ROOT + "/Profile/none").Delete()
        with self.assertRaises(dbus.DBusException):
            env.obj(ROOT).Frobnicate(dbus_interface=MANAGER)

    def test_survives_client_abuse(self):
        """Clients that vanish before their replies, in separate processes."""
        env = self.env
        script = (
            "import dbus, sys\n"
            "b = dbus.bus.BusConnection(sys.argv[1])\n"
            "o = b.get_object('%s', '%s', introspect=False)\n"
            "o.AddProfile('v', dbus.Dictionary({'gateway': '192.0.2.1', 'group-id': 'g'},"
            " signature='sv'), dbus_interface='%s', ignore_reply=True)\n"
            "o.RegisterAgent(dbus.ObjectPath('/agent'), dbus_interface='%s', ignore_reply=True)\n"
            "o.GetLog('v', dbus_interface='%s', ignore_reply=True)\n"
            "b.flush()\n") % (NAME, ROOT, MANAGER, MANAGER, MANAGER)
        procs = [subprocess.Popen([sys.executable, "-c", script, env.address])
                 for _ in range(20)]
        for p in procs:
            self.assertEqual(p.wait(30), 0)
        spin(0.3)
        self.assertNotEqual(env.prop(ROOT, MANAGER, "Version"), "")
        # the agents of the closed connections were forgotten: a new one registers
        env.manager().RegisterAgent(dbus.ObjectPath("/agent"))
        # whether a vanished client's AddProfile went through depends on
        # whether the daemon could still identify the caller: once at most
        profiles = env.prop(ROOT, MANAGER, "Profiles")
        self.assertLessEqual(len(profiles), 1)
        for path in profiles:
            self.assertEqual(env.prop(path, PROFILE, "Name"), "v")


class TestAuthz(Base):
    """polkit decisions through the test backend (default: deny)."""
    rules = "# nothing allowed\n"

    def test_denied(self):
        env = self.env
        mgr = env.manager()
        none = dbus.Dictionary({}, signature="sv")
        self.assertDBusError("NotAuthorized", env.add, "x", **basic())
        self.assertDBusError("NotAuthorized", mgr.ImportProfile, "x", "x.conf",
                             dbus.ByteArray(b"IPSec gateway 192.0.2.1\nIPSec ID g\n"), none)
        self.assertDBusError("NotAuthorized", mgr.ConnectConfig, "x",
                             dbus.Array([dbus.ByteArray(b"IPSec gateway 192.0.2.1\nIPSec ID g\n")],
                                        signature="ay"), none)
        self.assertFalse(os.path.exists(os.path.join(env.profiles, "x.conf")))
        # a profile made by an administrator by hand
        os.makedirs(env.profiles, exist_ok=True)
        with open(os.path.join(env.profiles, "adm.conf"), "w") as f:
            f.write("[profile]\ngateway=192.0.2.1\ngroup-id=g\n")
        env.daemon.send_signal(signal.SIGHUP)
        wait_for(lambda: len(env.prop(ROOT, MANAGER, "Profiles")) == 1, what="reload")
        path = mgr.GetProfile("adm")
        prof = env.profile(path)
        self.assertDBusError("NotAuthorized", prof.Update, settings(username="u"), dbus.Array([], signature="s"))
        self.assertDBusError("NotAuthorized", prof.SetSecrets,
                             dbus.Dictionary({"password": "p"}, signature="ss"))
        self.assertDBusError("NotAuthorized", prof.Delete)
        self.assertDBusError("NotAuthorized", prof.Connect, none)
        # reading is open
        self.assertIn("IPSec gateway", prof.Export())
        self.assertEqual(env.prop(path, PROFILE, "Name"), "adm")
        mgr.RegisterAgent(dbus.ObjectPath("/agent"))  # needs no authorization
        # per action: allow modify only
        env.set_rules("net.ospreyvpn.osprey1.modify-system-profiles %d yes\n" % os.getuid())
        prof.Update(settings(username="u"), dbus.Array([], signature="s"))
        self.assertDBusError("NotAuthorized", prof.Connect, none)
        env.set_rules("net.ospreyvpn.osprey1.modify-system-profiles 12345 yes\n")
        self.assertDBusError("NotAuthorized", prof.Update, settings(username="v"), dbus.Array([], signature="s"))

    def test_root_commands(self):
        """A profile's Script and Password helper run as root: adding,
        importing or updating a profile that sets one needs
        set-root-commands on top of modify-system-profiles."""
        env = self.env
        mgr = env.manager()
        none = dbus.Dictionary({}, signature="sv")
        keep = dbus.Array([], signature="s")
        evil = b"IPSec gateway 192.0.2.1\nIPSec ID g\nScript /usr/local/bin/evil\n"
        helper = b"IPSec gateway 192.0.2.1\nIPSec ID g\nPassword helper echo pw\n"
        env.set_rules("net.ospreyvpn.osprey1.set-root-commands * no\n* * yes\n")
        env.add("plain", **basic())  # no command: modify is enough
        prof = env.profile(mgr.GetProfile("plain"))
        self.assertDBusError("NotAuthorized", env.add, "s", **basic(script="/bin/true"))
        self.assertDBusError("NotAuthorized", env.add, "h", **basic(password_helper="echo pw"))
        self.assertDBusError("NotAuthorized", prof.Update, settings(script="/tmp/x"), keep)
        self.assertDBusError("NotAuthorized", mgr.ImportProfile, "i", "i.conf",
                             dbus.ByteArray(evil), none)
        self.assertDBusError("NotAuthorized", mgr.ImportProfile, "j", "j.conf",
                             dbus.ByteArray(helper), none)
        for name in ("s", "h", "i", "j"):
            self.assertFalse(os.path.exists(os.path.join(env.profiles, name + ".conf")), name)
        self.assertNotIn("Script", prof.Export())
        prof.Update(settings(username="u"), keep)
        prof.Update(settings(script=""), keep)  # no command: nothing to ask
        mgr.ImportProfile("k", "k.conf", dbus.ByteArray(b"IPSec gateway 192.0.2.1\nIPSec ID g\n"),
                          none)
        # set-root-commands alone is not enough either
        env.set_rules("net.ospreyvpn.osprey1.modify-system-profiles * no\n* * yes\n")
        self.assertDBusError("NotAuthorized", env.add, "s", **basic(script="/bin/true"))
        # both allowed: it works, and the import says what will run as root
        env.set_rules(ALLOW_ALL)
        env.add("s", **basic(script="/bin/true"))
        prof.Update(settings(password_helper="echo pw"), keep)
        self.assertIn("Password helper echo pw", prof.Export())
        _, warnings = mgr.ImportProfile("i", "i.conf", dbus.ByteArray(evil), none)
        self.assertTrue(any("/usr/local/bin/evil" in w and "root" in w for w in warnings),
                        warnings)

    def test_not_dumpable(self):
        """No core dump, no ptrace by the same user: /proc/PID/ files of a
        non-dumpable process belong to root:root whatever its ids, so run it
        with another group (as root) and look at their owner."""
        if os.getuid() != 0:
            self.skipTest("needs root (to start ospreyd with another group)")
        self.env.stop_daemon()
        self.env.start_daemon(group=65534)
        pid = self.env.daemon.pid
        with open("/proc/%d/status" % pid) as f:
            self.assertRegex(f.read(), r"\nGid:\s+65534\s")
        st = os.stat("/proc/%d/status" % pid)
        self.assertEqual((st.st_uid, st.st_gid), (0, 0), "ospreyd is dumpable")

    def test_test_backend_refused_on_system_bus(self):
        # --test-authz without a private bus address must be refused
        r = subprocess.run([OSPREYD, "--test-authz", self.env.rules], capture_output=True,
                           text=True, timeout=10)
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertIn("system bus", r.stderr)

    def test_bad_options(self):
        for args in (["--frobnicate"], ["--foreground"], ["--config", "/nonexistent"],
                     ["--session-bus", "--bus-address", "unix:path=/nonexistent"],
                     ["--password-stdin"]):
            r = subprocess.run([OSPREYD] + args, capture_output=True, text=True, timeout=10)
            self.assertEqual(r.returncode, 2, (args, r.stderr))


class Agent(dbus.service.Object):
    """A test agent: answers GetSecrets from a script."""

    def __init__(self, bus, path="/test/agent", answers=None, cancel=False, hang=False):
        super().__init__(bus, path)
        self.path = path
        self.answers = answers if answers is not None else {}
        self.cancel = cancel
        self.hang = hang
        self.requests = []
        self.cancels = []
        self.banners = []
        self.released = 0

    @dbus.service.method(AGENT, in_signature="oassba{sv}",
                         out_signature="a{ss}", async_callbacks=("ok", "err"))
    def GetSecrets(self, connection, kinds, message, retry, details, ok, err):
        self.requests.append({"connection": str(connection), "kinds": [str(k) for k in kinds],
                              "message": str(message), "retry": bool(retry),
                              "details": {str(k): v for k, v in details.items()}})
        if self.hang:
            self.pending = (ok, err)
            return
        if self.cancel:
            err(dbus.DBusException("cancelled by the user", name=ERR + "Cancelled"))
            return
        answers = self.answers(kinds, retry) if callable(self.answers) else self.answers
        ok(dbus.Dictionary({k: v for k, v in answers.items() if k in kinds}, signature="ss"))

    @dbus.service.method(AGENT, in_signature="o", out_signature="")
    def CancelGetSecrets(self, connection):
        self.cancels.append(str(connection))

    @dbus.service.method(AGENT, in_signature="os", out_signature="")
    def DisplayBanner(self, connection, banner):
        self.banners.append(str(banner))

    @dbus.service.method(AGENT, in_signature="", out_signature="")
    def Release(self):
        self.released += 1


class StateRecorder:
    def __init__(self, env, path):
        self.states = []
        self.changes = []
        self.match = env.bus.add_signal_receiver(self.changed, "PropertiesChanged", PROPS, NAME,
                                                 path)

    def changed(self, iface, changed, invalidated):
        self.changes.append(dict(changed))
        if "State" in changed:
            self.states.append(str(changed["State"]))


class ConnBase(Base):
    binary_attr = "OSPREYD_FAKE"

    def connect(self, name, timeout=5, **opts):
        env = self.env
        path = env.profile(env.manager().GetProfile(name)).Connect(
            dbus.Dictionary(opts, signature="sv"))
        return path

    def wait_state(self, path, states, timeout=5):
        if isinstance(states, str):
            states = (states,)
        wait_for(lambda: str(self.env.prop(path, CONNECTION, "State")) in states, timeout,
                 "state %s of %s" % (states, path))
        return self.env.props(path, CONNECTION)


class TestAgent(ConnBase):
    def test_secrets_from_agent(self):
        env = self.env
        env.add("w", **basic())
        agent = Agent(env.bus, answers={"group-secret": "gs", "username": "alice",
                                        "password": "good"})
        env.manager().RegisterAgent(dbus.ObjectPath(agent.path))
        path = self.connect("w")
        rec = StateRecorder(env, path)
        p = self.wait_state(path, ("connected", "failed"))
        self.assertEqual(p["State"], "connected", p)
        self.assertEqual(len(agent.requests), 1)
        r = agent.requests[0]
        self.assertEqual(r["connection"], path)
        self.assertEqual(r["kinds"], ["group-secret", "username", "password"])
        self.assertFalse(r["retry"])
        self.assertEqual(r["details"]["name"], "w")
        self.assertEqual(r["details"]["gateway"], "192.0.2.1")
        wait_for(lambda: agent.banners == ["Authorized users only"], what="banner")
        self.assertEqual(p["Banner"], "Authorized users only")
        self.assertEqual(p["Name"], "w")
        self.assertEqual(p["Profile"], env.manager().GetProfile("w"))
        self.assertEqual(p["Uid"], os.getuid())
        self.assertEqual(p["Gateway"], "192.0.2.1")
        self.assertGreater(p["Since"], 0)
        ip = dict(p["IpConfig"])
        self.assertEqual(ip["address"], "198.18.0.2")
        self.assertEqual(ip["prefix"], 32)
        self.assertEqual(list(ip["dns"]), ["198.18.0.53"])
        self.assertEqual(list(ip["split-dns"]), ["corp.example.test", "lab.example.test"])
        self.assertTrue(ip["full-tunnel"])
        self.assertEqual(ip["device"], "tun-fake0")
        self.assertEqual(set(p["Stats"].keys()),
                         {"tx-bytes", "tx-packets", "rx-bytes", "rx-packets", "rx-errors",
                          "rekeys"})
        # how phase 1 authenticated, in the settings' words (the profile's)
        crypto = p["Crypto"]
        self.assertEqual((crypto["ike-auth"], crypto["ike-xauth"], crypto["ike-signature"],
                          crypto["ike-exchange"]), ("psk", True, "", "aggressive"))
        self.assertEqual(p["StateReason"], "")
        self.assertEqual(tuple(p["LastError"]), ("", "", ""))
        self.assertEqual(env.prop(env.manager().GetProfile("w"), PROFILE, "ActiveConnection"),
                         path)
        self.assertEqual(list(env.prop(ROOT, MANAGER, "Connections")), [path])
        wait_for(lambda: "Stats" in str(rec.changes) and p["Stats"]["tx-bytes"] == 300,
                 timeout=6, what="stats update")

        # Disconnect: every state is signalled, in order
        env.connection(path).Disconnect()
        p = self.wait_state(path, "disconnected")
        wait_for(lambda: rec.states[-1:] == ["disconnected"], what="signal")
        self.assertEqual(rec.states[-2:], ["disconnecting", "disconnected"])
        self.assertEqual(p["Since"], 0)
        # the ended connection stays readable; Disconnect again is harmless
        env.connection(path).Disconnect()
        log = env.manager().GetLog("w")
        text = "\n".join("%s %s" % (e[1], e[2]) for e in log)
        for s in ("connecting", "authenticating", "configuring", "connected", "disconnected"):
            self.assertIn(s, text)
        self.assertIn("Secrets needed: group-secret, username, password", text)
        self.assertNotIn("good", text)
        self.assertNotIn("gs", text.replace("settings", ""))
        daemon_log = env.read_log()
        self.assertNotIn("good", daemon_log)
        self.assertIn("w: connecting -> authenticating", daemon_log)

    def test_retry_and_bad_credentials(self):
        env = self.env
        env.add("w", **basic(username="alice"))
        answers = iter(["wrong", "good"])
        agent = Agent(env.bus, answers=lambda kinds, retry: {"group-secret": "gs",
                                                             "password": next(answers)})
        env.manager().RegisterAgent(dbus.ObjectPath(agent.path))
        path = self.connect("w")
        self.wait_state(path, "connected")
        self.assertEqual([r["retry"] for r in agent.requests], [False, True])
        self.assertEqual(agent.requests[1]["kinds"], ["password"])
        self.assertEqual(agent.requests[0]["details"]["username"], "alice")
        env.connection(path).Disconnect()
        self.wait_state(path, "disconnected")
        # always wrong: failed with a reason, a new Connect replaces the object
        agent.answers = {"group-secret": "gs", "password": "bad"}
        path2 = self.connect("w")
        self.assertNotEqual(path, path2)
        p = self.wait_state(path2, "failed")
        self.assertEqual(p["StateReason"], "bad-credentials")
        self.assertEqual(tuple(p["LastError"])[:2], (ERR + "BadCredentials", "bad-credentials"))
        self.assertEqual(list(env.prop(ROOT, MANAGER, "Connections")), [path2])

    def test_agent_cancels(self):
        env = self.env
        env.add("w", **basic())
        agent = Agent(env.bus, cancel=True)
        env.manager().RegisterAgent(dbus.ObjectPath(agent.path))
        # the user's cancel ends the attempt, it is no failure
        p = self.wait_state(self.connect("w"), "disconnected")
        self.assertEqual(p["StateReason"], "cancelled")

    def test_no_agent_and_not_interactive(self):
        env = self.env
        env.add("w", **basic())
        p = self.wait_state(self.connect("w"), "failed")
        self.assertEqual(p["StateReason"], "secrets-required")
        agent = Agent(env.bus, answers={"group-secret": "g", "username": "u", "password": "good"})
        env.manager().RegisterAgent(dbus.ObjectPath(agent.path))
        p = self.wait_state(self.connect("w", interactive=False), "failed")
        self.assertEqual(p["StateReason"], "secrets-required")
        self.assertEqual(agent.requests, dbus.Array([], signature="s"))

    def test_secrets_option_and_stored_secrets(self):
        env = self.env
        path = env.add("w", **basic(username="u"))
        agent = Agent(env.bus, answers={})
        env.manager().RegisterAgent(dbus.ObjectPath(agent.path))
        c = self.connect("w", secrets=dbus.Dictionary({"group-secret": "g", "password": "good"},
                                                      signature="ss"))
        self.wait_state(c, "connected")
        self.assertEqual(agent.requests, dbus.Array([], signature="s"))
        env.connection(c).Disconnect()
        self.wait_state(c, "disconnected")
        env.profile(path).SetSecrets(dbus.Dictionary({"group-secret": "g", "password": "good"},
                                                     signature="ss"))
        c = self.connect("w")
        self.wait_state(c, "connected")
        self.assertEqual(agent.requests, dbus.Array([], signature="s"))
        env.connection(c).Disconnect()
        self.wait_state(c, "disconnected")
        # a store written by GLib (escapes, a comment, spaces around "=")
        kf = GLib.KeyFile()
        kf.set_string("secrets", "group-secret", " g\\x")
        kf.set_string("secrets", "password", "good")
        with open(os.path.join(env.secrets, "w"), "w") as f:
            f.write("# by hand\n" + kf.to_data()[0].replace("password=", "password = "))
        c = self.connect("w")
        self.wait_state(c, "connected")
        self.assertEqual(agent.requests, dbus.Array([], signature="s"))
        # AlreadyActive while connected
        self.assertDBusError("AlreadyActive", self.connect, "w")
        env.connection(c).Disconnect()
        self.wait_state(c, "disconnected")

    def test_key_passphrase(self):
        # the passphrase of a client key: asked alone, a wrong one fails with
        # its own reason; then given with Connect and stored, not asked
        env = self.env
        path = env.add("k", **basic(username="u", auth_mode="cert",
                                    client_cert="/etc/osprey/alice.p12"))
        phrases = iter(["not it", "good"])
        agent = Agent(env.bus, answers=lambda kinds, retry: {
            "key-passphrase": next(phrases) if "key-passphrase" in kinds else "",
            "password": "good"})
        env.manager().RegisterAgent(dbus.ObjectPath(agent.path))
        p = self.wait_state(self.connect("k"), "failed")
        self.assertEqual(p["StateReason"], "bad-key-passphrase")
        self.assertEqual(tuple(p["LastError"])[:2],
                         (ERR + "BadKeyPassphrase", "bad-key-passphrase"))
        self.assertEqual(agent.requests[0]["kinds"], ["key-passphrase"])
        c = self.connect("k")
        self.wait_state(c, "connected")
        self.assertEqual([r["kinds"] for r in agent.requests[1:]],
                         [["key-passphrase"], ["password"]])
        env.connection(c).Disconnect()
        self.wait_state(c, "disconnected")
        n = len(agent.requests)
        c = self.connect("k", secrets=dbus.Dictionary({"key-passphrase": "good",
                                                       "password": "good"}, signature="ss"))
        self.wait_state(c, "connected")
        env.connection(c).Disconnect()
        self.wait_state(c, "disconnected")
        env.profile(path).SetSecrets(dbus.Dictionary({"key-passphrase": "good",
                                                      "password": "good"}, signature="ss"))
        c = self.connect("k")
        self.wait_state(c, "connected")
        self.assertEqual(len(agent.requests), n)
        env.connection(c).Disconnect()
        self.wait_state(c, "disconnected")
        self.assertNotIn("good", env.read_log())

    def test_hybrid_no_group_secret(self):
        # hybrid authentication: the engine asks for no group secret
        # (client/osp-secret-kind.c), the fake neither
        env = self.env
        env.add("h", **basic(username="u", auth_mode="hybrid", ca_file="/etc/osprey/ca.pem"))
        agent = Agent(env.bus, answers={"group-secret": "gs", "password": "good"})
        env.manager().RegisterAgent(dbus.ObjectPath(agent.path))
        c = self.connect("h")
        self.wait_state(c, "connected")
        self.assertEqual([r["kinds"] for r in agent.requests], [["password"]])
        env.connection(c).Disconnect()
        self.wait_state(c, "disconnected")

    def test_agent_vanishes_then_next_agent(self):
        env = self.env
        env.add("w", **basic(username="u"))
        # the newest agent hangs, then its connection closes: the older one answers
        # (the caller, env.bus, has no agent of its own)
        bus3 = dbus.bus.BusConnection(env.address)
        older = Agent(bus3, path="/older", answers={"group-secret": "g", "password": "good"})
        bus3.get_object(NAME, ROOT, introspect=False).RegisterAgent(
            dbus.ObjectPath("/older"), dbus_interface=MANAGER)
        bus2 = dbus.bus.BusConnection(env.address)
        hanging = Agent(bus2, path="/hanging", hang=True)
        bus2.get_object(NAME, ROOT, introspect=False).RegisterAgent(
            dbus.ObjectPath("/hanging"), dbus_interface=MANAGER)
        path = self.connect("w")
        wait_for(lambda: hanging.requests, what="request at the newest agent")
        self.assertEqual(older.requests, dbus.Array([], signature="s"))
        hanging.remove_from_connection()
        bus2.close()
        p = self.wait_state(path, ("connected", "failed"))
        self.assertEqual(p["State"], "connected", p)
        self.assertEqual(len(older.requests), 1)

    def test_caller_agent_preferred_and_cancel_on_disconnect(self):
        env = self.env
        env.add("w", **basic(username="u"))
        mine = Agent(env.bus, path="/mine", hang=True)
        env.manager().RegisterAgent(dbus.ObjectPath(mine.path))
        bus2 = dbus.bus.BusConnection(env.address)
        other = Agent(bus2, path="/other", answers={"group-secret": "g", "password": "good"})
        bus2.get_object(NAME, ROOT, introspect=False).RegisterAgent(dbus.ObjectPath("/other"),
                                                                    dbus_interface=MANAGER)
        path = self.connect("w")  # from env.bus: its agent is asked first
        wait_for(lambda: mine.requests, what="request to the caller's agent")
        self.assertEqual(other.requests, dbus.Array([], signature="s"))
        env.connection(path).Disconnect()
        wait_for(lambda: mine.cancels == [path], what="CancelGetSecrets")
        self.wait_state(path, ("disconnected", "failed"))
        other.remove_from_connection()
        bus2.close()

    def test_unregister_agent(self):
        env = self.env
        env.add("w", **basic())
        agent = Agent(env.bus, answers={"group-secret": "g", "username": "u",
                                        "password": "good"})
        env.manager().RegisterAgent(dbus.ObjectPath(agent.path))
        env.manager().UnregisterAgent(dbus.ObjectPath(agent.path))
        p = self.wait_state(self.connect("w"), "failed")
        self.assertEqual(p["StateReason"], "secrets-required")
        self.assertEqual(agent.requests, dbus.Array([], signature="s"))

    def test_release_on_shutdown(self):
        env = self.env
        agent = Agent(env.bus)
        env.manager().RegisterAgent(dbus.ObjectPath(agent.path))
        env.daemon.send_signal(signal.SIGTERM)
        wait_for(lambda: agent.released == 1, what="Release")
        self.assertEqual(env.daemon.wait(10), 0)

    def test_connection_failures_and_shutdown_disconnects(self):
        env = self.env
        env.add("down", **basic(gateway="192.0.2.66", username="u"))
        env.add("slow", **basic(gateway="192.0.2.99"))
        p = self.wait_state(self.connect("down"), "failed")
        self.assertEqual(p["StateReason"], "gateway-unreachable")
        self.assertIn("No answer", p["StateMessage"])
        slow = self.connect("slow")
        self.wait_state(slow, "connecting")
        rec = StateRecorder(env, slow)
        env.daemon.send_signal(signal.SIGTERM)
        self.assertEqual(env.daemon.wait(10), 0)
        self.assertIn("disconnecting", rec.states + ["disconnecting"])

    def as_nobody(self, code):
        """Runs a dbus-python snippet as uid 65534 (bus `b`, manager `mgr`)."""
        script = ("import dbus, sys\n"
                  "b = dbus.bus.BusConnection(sys.argv[1])\n"
                  "mgr = dbus.Interface(b.get_object('%s', '%s', introspect=False), '%s')\n"
                  % (NAME, ROOT, MANAGER)) + code
        return subprocess.run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                               sys.executable, "-c", script, self.env.address],
                              capture_output=True, text=True, timeout=30)

    def test_other_users(self):
        """Agents are only asked about their own user's connections; another
        user's Disconnect needs authorization."""
        if os.getuid() != 0 or not shutil.which("setpriv"):
            self.skipTest("needs root and setpriv")
        env = self.env
        env.add("w", **basic(username="u"))
        env.add("x", **basic(username="u"))
        agent = Agent(env.bus, answers={"group-secret": "g", "password": "good"})
        env.manager().RegisterAgent(dbus.ObjectPath(agent.path))
        r = self.as_nobody(
            "p = mgr.GetProfile('w')\n"
            "c = b.get_object('%s', p, introspect=False).Connect(dbus.Dictionary({}, "
            "signature='sv'), dbus_interface='%s')\n"
            "print(c)\n" % (NAME, PROFILE))
        self.assertEqual(r.returncode, 0, r.stderr)
        p = self.wait_state(r.stdout.strip(), ("connected", "failed"))
        self.assertEqual(p["State"], "failed")
        self.assertEqual(p["StateReason"], "secrets-required")
        self.assertEqual(p["Uid"], 65534)
        self.assertEqual(agent.requests, [])
        # root's connection: nobody may not stop it unless polkit says so
        mine = self.connect("x")
        self.wait_state(mine, "connected")
        env.set_rules("net.ospreyvpn.osprey1.disconnect 65534 no\n* * yes\n")
        stop = ("b.get_object('%s', '%s', introspect=False).Disconnect(dbus_interface='%s')\n"
                % (NAME, mine, CONNECTION))
        r = self.as_nobody("try:\n    " + stop.strip() + "\nexcept dbus.DBusException as e:\n"
                           "    print(e.get_dbus_name())\n")
        self.assertEqual(r.stdout.strip(), ERR + "NotAuthorized", r.stderr)
        self.assertEqual(env.prop(mine, CONNECTION, "State"), "connected")
        env.set_rules(ALLOW_ALL)
        r = self.as_nobody(stop)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.wait_state(mine, "disconnected")

    def test_connect_config(self):
        env = self.env
        conf = b"IPSec gateway 192.0.2.1\nIPSec ID grp\nIPSec secret g\nXauth username u\n"
        extra = b"Xauth password good\n"
        none = dbus.Dictionary({}, signature="sv")
        path = env.manager().ConnectConfig("", dbus.Array([dbus.ByteArray(conf),
                                                           dbus.ByteArray(extra)],
                                                          signature="ay"), none)
        p = self.wait_state(path, "connected")
        self.assertEqual(p["Name"], "config")
        self.assertEqual(p["Profile"], "/")
        self.assertTrue(env.manager().GetLog("config"))
        env.add("named", **basic())
        self.assertDBusError("AlreadyExists", env.manager().ConnectConfig, "named",
                             dbus.Array([dbus.ByteArray(conf)], signature="ay"), none)
        env.connection(path).Disconnect()
        self.wait_state(path, "disconnected")


class TestRoutes(ConnBase):
    def ok(self, name):
        c = self.connect(name, secrets=dbus.Dictionary({"group-secret": "g", "username": "u",
                                                        "password": "good"}, signature="ss"))
        return c

    def test_two_full_tunnels_conflict(self):
        env = self.env
        env.add("a", **basic(no_split=True))
        env.add("b", **basic(no_split=True))
        a = self.ok("a")
        self.wait_state(a, "connected")
        e = self.assertDBusError("RouteConflict", self.ok, "b")
        self.assertIn("full tunnel", e.get_dbus_message())
        env.connection(a).Disconnect()
        self.wait_state(a, "disconnected")
        self.wait_state(self.ok("b"), "connected")

    def test_split_tunnels(self):
        env = self.env
        env.add("a", **basic(target_networks="198.51.100.0/24 203.0.113.0/25"))
        env.add("b", **basic(target_networks="203.0.113.128/25"))
        env.add("c", **basic(target_networks="198.51.100.128/26"))
        env.add("full", **basic(no_split=True))
        a = self.ok("a")
        b = self.ok("b")
        full = self.ok("full")  # a full tunnel beside split ones is fine
        for c in (a, b, full):
            self.wait_state(c, "connected")
        e = self.assertDBusError("RouteConflict", self.ok, "c")
        self.assertIn("overlaps", e.get_dbus_message())
        self.assertEqual(len(env.prop(ROOT, MANAGER, "Connections")), 3)

    def test_conflict_known_only_from_gateway(self):
        env = self.env
        # the fake gateway sends split networks taken from the domain setting
        env.add("a", **basic(domain="split=198.51.100.0/24"))
        env.add("b", **basic(domain="split=198.51.100.64/26,203.0.113.0/24"))
        env.add("c", **basic(domain="split=203.0.113.0/24"))
        a = self.ok("a")
        self.wait_state(a, "connected")
        b = self.ok("b")
        p = self.wait_state(b, "failed")
        self.assertEqual(p["StateReason"], "route-conflict")
        self.assertEqual(tuple(p["LastError"])[0], ERR + "RouteConflict")
        self.wait_state(self.ok("c"), "connected")
        self.assertEqual(self.env.prop(a, CONNECTION, "State"), "connected")


class TestConcurrency(ConnBase):
    def test_many_clients(self):
        env = self.env
        errors = []

        def worker(i):
            try:
                b = dbus.bus.BusConnection(env.address)
                mgr = dbus.Interface(b.get_object(NAME, ROOT, introspect=False), MANAGER)
                p = mgr.AddProfile("p%02d" % i, settings(**basic(
                    target_networks="198.18.%d.0/24" % i)))
                prof = dbus.Interface(b.get_object(NAME, p, introspect=False), PROFILE)
                for j in range(5):
                    prof.Update(settings(description="rev %d" % j), dbus.Array([], signature="s"))
                    dbus.Interface(b.get_object(NAME, ROOT, introspect=False), OM) \
                        .GetManagedObjects()
                prof.Connect(dbus.Dictionary({"secrets": dbus.Dictionary(
                    {"group-secret": "g", "username": "u", "password": "good"},
                    signature="ss")}, signature="sv"))
                b.close()
            except Exception as e:  # reported below
                errors.append(repr(e))

        threads = [threading.Thread(target=worker, args=(i,)) for i in range(16)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        self.assertEqual(errors, dbus.Array([], signature="s"))
        profiles = env.prop(ROOT, MANAGER, "Profiles")
        self.assertEqual(len(profiles), 16)
        for p in profiles:
            self.assertEqual(env.prop(p, PROFILE, "Settings")["description"], "rev 4")
        conns = env.prop(ROOT, MANAGER, "Connections")
        self.assertEqual(len(conns), 16)
        for c in conns:
            self.wait_state(c, "connected")

    def test_same_name_race(self):
        env = self.env
        results = []

        def worker():
            b = dbus.bus.BusConnection(env.address)
            try:
                dbus.Interface(b.get_object(NAME, ROOT, introspect=False), MANAGER) \
                    .AddProfile("same", settings(**basic()))
                results.append("ok")
            except dbus.DBusException as e:
                results.append(e.get_dbus_name())
            b.close()

        threads = [threading.Thread(target=worker) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
        self.assertEqual(results.count("ok"), 1, results)
        self.assertEqual(results.count(ERR + "AlreadyExists"), 7, results)


class TestFiles(unittest.TestCase):
    """The data files: well-formed, and what they promise."""

    def test_introspection_xml_documented(self):
        tree = ET.parse(os.path.join(DATA_DIR, "net.ospreyvpn.Osprey1.xml"))
        ifaces = [i.get("name") for i in tree.getroot().findall("interface")]
        self.assertEqual(ifaces, [MANAGER, PROFILE, CONNECTION, AGENT])
        with open(os.path.join(DATA_DIR, "net.ospreyvpn.Osprey1.xml")) as f:
            text = f.read()
        # every method and property has a doc comment naming it
        for iface in tree.getroot().findall("interface"):
            for el in list(iface.findall("method")) + list(iface.findall("property")):
                self.assertRegex(text, r"<!--\s*\n\s*%s:" % el.get("name"))
        # every error the daemon can return is documented
        for e in ("InvalidArguments", "NotAuthorized", "NotFound", "AlreadyExists",
                  "AlreadyActive", "RouteConflict", "LimitExceeded", "Failed", "Config",
                  "BadGroupSecret", "BadCredentials", "SecretsRequired", "Cancelled"):
            self.assertIn(e, text)

    def test_polkit_policy(self):
        tree = ET.parse(os.path.join(DATA_DIR, "net.ospreyvpn.osprey1.policy"))
        actions = {a.get("id"): a for a in tree.getroot().findall("action")}
        self.assertEqual(set(actions), {"net.ospreyvpn.osprey1.connect",
                                        "net.ospreyvpn.osprey1.disconnect",
                                        "net.ospreyvpn.osprey1.modify-system-profiles",
                                        "net.ospreyvpn.osprey1.connect-config",
                                        "net.ospreyvpn.osprey1.set-root-commands"})
        self.assertEqual(actions["net.ospreyvpn.osprey1.connect"].find("defaults/allow_active")
                         .text, "yes")
        # disconnect is asked for another user's connection only: admin
        for aid, want in (("net.ospreyvpn.osprey1.disconnect", "auth_admin_keep"),
                          ("net.ospreyvpn.osprey1.modify-system-profiles", "auth_admin_keep"),
                          ("net.ospreyvpn.osprey1.connect-config", "auth_admin_keep"),
                          ("net.ospreyvpn.osprey1.set-root-commands", "auth_admin")):
            d = actions[aid].find("defaults")
            for k in ("allow_any", "allow_inactive", "allow_active"):
                self.assertEqual(d.find(k).text, want, aid)
        dtd = "/usr/share/polkit-1/policyconfig-1.dtd"
        if shutil.which("xmllint") and os.path.exists(dtd):
            subprocess.run(["xmllint", "--noout", "--dtdvalid", dtd,
                            os.path.join(DATA_DIR, "net.ospreyvpn.osprey1.policy")], check=True)

    def test_bus_policy(self):
        root = ET.parse(os.path.join(DATA_DIR, "net.ospreyvpn.Osprey1.conf")).getroot()
        owners = [p.get("user") for p in root.findall("policy")
                  if p.find("allow[@own='net.ospreyvpn.Osprey1']") is not None]
        self.assertEqual(owners, ["root"])
        default = root.find("policy[@context='default']")
        self.assertIsNotNone(default.find("allow[@send_destination='net.ospreyvpn.Osprey1']"))
        self.assertIsNone(default.find("allow[@own]"))

    def test_service_and_unit(self):
        if not DATA_BUILD_DIR:
            self.skipTest("no build dir")
        with open(os.path.join(DATA_BUILD_DIR, "net.ospreyvpn.Osprey1.service")) as f:
            svc = f.read()
        self.assertIn("Name=net.ospreyvpn.Osprey1", svc)
        self.assertIn("SystemdService=ospreyd.service", svc)
        self.assertIn("User=root", svc)
        with open(os.path.join(DATA_BUILD_DIR, "ospreyd.service")) as f:
            unit = f.read()
        for line in ("Type=dbus", "BusName=net.ospreyvpn.Osprey1", "ProtectSystem=strict",
                     "LimitCORE=0",
                     "ProtectHome=yes", "PrivateTmp=yes", "NoNewPrivileges=yes",
                     "DeviceAllow=/dev/net/tun rw",
                     "RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6 AF_NETLINK"):
            self.assertIn(line + "\n", unit)
        self.assertRegex(unit, r"CapabilityBoundingSet=.*CAP_NET_ADMIN")
        self.assertRegex(unit, r"ReadWritePaths=.*/etc/osprey.*/run")


if __name__ == "__main__":
    unittest.main()
