#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""The polkit policy (data/net.ospreyvpn.osprey1.policy) with a real polkitd,
once: allowed, denied and administrator-only actions, as osprey shows them.

    dbus-daemon (system-like, private; test-ospreyd.py's Env)
      +-- polkitd               DBUS_SYSTEM_BUS_ADDRESS = the private bus;
      |                         a private mount namespace where
      |                         /usr/share/polkit-1/actions holds the built
      |                         policy only and the rules directories this
      |                         test's rules (nothing of the machine's changes)
      +-- ospreyd-fake          polkit backend (no --test-authz)
      +-- osprey                as user nobody (root is always authorized)

polkitd runs on any bus given as the system bus: it takes the name
org.freedesktop.PolicyKit1 there and ospreyd's libpolkit client finds it
through DBUS_SYSTEM_BUS_ADDRESS.  Without logind nobody has no session, so
the policy's allow_any applies, and osprey's pkttyagent is registered
without --fallback (polkitd uses a fallback agent only for a subject in a
session).  Root only (mount namespace, setpriv).
"""
import importlib.util
import os
import shutil
import subprocess
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
_spec = importlib.util.spec_from_file_location("ospreyd_tests",
                                               os.path.join(HERE, "test-ospreyd.py"))
T = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(T)

POLKITD = "/usr/lib/polkit-1/polkitd"
OSPREY = os.environ.get("OSPREY", "")
POLICY = os.path.join(os.environ.get("OSPREY_DATA_BUILD_DIR", ""), "net.ospreyvpn.osprey1.policy")
# who may own polkit's name on the private bus, and call it
BUS_POLICY = """<policy user="root"><allow own="org.freedesktop.PolicyKit1"/></policy>
  <policy user="polkitd">
    <allow own="org.freedesktop.PolicyKit1"/>
    <allow send_interface="org.freedesktop.PolicyKit1.AuthenticationAgent"/>
  </policy>
  <policy context="default">
    <allow send_destination="org.freedesktop.PolicyKit1"/>
    <allow receive_sender="org.freedesktop.PolicyKit1"/>
  </policy>"""
# nobody may connect and nothing else; disconnecting is left to the policy
RULES = """polkit.addAdminRule(function(action, subject) { return ["unix-user:0"]; });
polkit.addRule(function(action, subject) {
  if (subject.user != "nobody") return polkit.Result.NOT_HANDLED;
  if (action.id == "net.ospreyvpn.osprey1.connect") return polkit.Result.YES;
  if (action.id == "net.ospreyvpn.osprey1.modify-system-profiles") return polkit.Result.NO;
  return polkit.Result.NOT_HANDLED;
});
"""
NS = r"""mount --bind "$OSP_ACTIONS" /usr/share/polkit-1/actions
for d in /etc/polkit-1/rules.d /usr/share/polkit-1/rules.d; do
  [ -d "$d" ] && mount --bind "$OSP_RULES" "$d"
done
exec "$@"
"""


class PolkitEnv(T.Env):
    def start_daemon(self, extra_args=(), group=None):
        if not getattr(self, "polkitd", None):
            self.start_polkitd()
        logf = open(self.log, "a")
        self.daemon = subprocess.Popen(
            [self.binary, "--bus-address", self.address, "--profiles-dir", self.profiles,
             "--secrets-dir", self.secrets, "-v"], stdout=logf, stderr=logf,
            env=dict(os.environ, OSPREY_STATE_DIR=self.state,
                     DBUS_SYSTEM_BUS_ADDRESS=self.address))
        logf.close()
        self.wait_name(T.NAME, self.daemon)

    def start_polkitd(self):
        actions, rules = os.path.join(self.tmp, "actions"), os.path.join(self.tmp, "rules.d")
        os.makedirs(actions)
        os.makedirs(rules)
        shutil.copy(POLICY, actions)
        with open(os.path.join(rules, "50-osprey-test.rules"), "w") as f:
            f.write(RULES)
        for p in (actions, rules):
            os.chmod(p, 0o755)
        self.polkit_log = os.path.join(self.tmp, "polkitd.log")
        logf = open(self.polkit_log, "w")
        self.polkitd = subprocess.Popen(
            ["unshare", "-m", "--propagation", "private", "sh", "-ec", NS, "polkit-ns", POLKITD],
            stdout=logf, stderr=logf,
            env=dict(os.environ, DBUS_SYSTEM_BUS_ADDRESS=self.address, OSP_ACTIONS=actions,
                     OSP_RULES=rules))
        logf.close()
        self.wait_name("org.freedesktop.PolicyKit1", self.polkitd)

    def wait_name(self, name, proc):
        import dbus
        probe = dbus.bus.BusConnection(self.address)
        try:
            deadline = time.monotonic() + 10
            while not probe.name_has_owner(name):
                if proc.poll() is not None:
                    raise AssertionError("%s exited: %s" % (name, self.read_log()))
                if time.monotonic() > deadline:
                    raise AssertionError("%s did not take its name" % name)
                time.sleep(0.01)
        finally:
            probe.close()

    def close(self):
        if getattr(self, "polkitd", None) and self.polkitd.poll() is None:
            self.polkitd.terminate()
            self.polkitd.wait()
        super().close()


class TestPolkit(unittest.TestCase):
    def setUp(self):
        if os.getuid() != 0:
            self.skipTest("needs root (a mount namespace for polkitd, setpriv)")
        for path in (POLKITD, T.OSPREYD_FAKE, OSPREY, POLICY):
            if not path or not os.path.exists(path):
                self.skipTest("%s is missing" % path)
        orig = T.bus_conf
        T.bus_conf = lambda sock, policy, extra="": orig(sock, policy, extra + BUS_POLICY)
        try:
            self.env = PolkitEnv(T.OSPREYD_FAKE)
        finally:
            T.bus_conf = orig
        os.chmod(self.env.tmp, 0o755)

    def tearDown(self):
        self.env.close()

    def osprey(self, *args, user="nobody"):
        cmd = [OSPREY, "--bus-address", self.env.address] + list(args)
        if user:
            cmd = ["setpriv", "--reuid=" + user, "--regid=nogroup", "--clear-groups"] + cmd
        return subprocess.run(cmd, capture_output=True, text=True, timeout=30,
                              stdin=subprocess.DEVNULL, env=dict(os.environ, LC_ALL="C"))

    def test_allowed_denied_admin_only(self):
        self.env.add("w", **T.basic(username="alice"))
        secrets = os.path.join(self.env.tmp, "secrets.txt")
        with open(secrets, "w") as f:
            f.write("group-secret=gs\npassword=good\n")
        os.chown(secrets, 65534, -1)  # nobody's
        os.chmod(secrets, 0o600)
        # allowed by the rule
        r = self.osprey("connect", "w", "--secrets-file", secrets)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("Connected to w", r.stdout)
        # denied by the rule
        r = self.osprey("set", "w", "username=bob")
        self.assertEqual(r.returncode, 3, r.stderr)
        self.assertIn("polkit refused", r.stderr)
        self.assertIn("[net.ospreyvpn.osprey1.modify-system-profiles]", r.stderr)
        # administrator only (the policy's auth_admin), and no terminal to ask on
        conf = os.path.join(self.env.tmp, "x.conf")
        with open(conf, "w") as f:
            f.write("IPSec gateway 192.0.2.1\nIPSec ID grp\n")
        os.chmod(conf, 0o644)
        r = self.osprey("connect", "--config", conf, "--secrets-file", secrets)
        self.assertEqual(r.returncode, 3, r.stderr)
        self.assertIn("Not authorized without a password", r.stderr)
        self.assertIn("[net.ospreyvpn.osprey1.connect-config]", r.stderr)
        # on a terminal, osprey's own text agent (pkttyagent, registered for its
        # process) asks for the administrator's password; a wrong one is refused
        if shutil.which("pkttyagent"):
            spec = importlib.util.spec_from_file_location(
                "cli_tests", os.path.join(HERE, "..", "cli", "test-osprey-cli.py"))
            C = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(C)
            env = {"XDG_SESSION_ID": ""}  # no login session here: no --fallback
            out, status = C.run_in_pty(
                ["/usr/bin/setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups",
                 OSPREY, "connect", "--config", conf, "--secrets-file", secrets],
                [("Password:", "not-the-password", True)], self.env.address, env, timeout=60)
            with open(self.env.polkit_log) as f:
                polkit_log = f.read()
            why = "terminal:\n%s\npolkitd:\n%s" % (out, polkit_log)
            self.assertIn("AUTHENTICATING FOR net.ospreyvpn.osprey1.connect-config", out, why)
            self.assertEqual(status, 3, why)
            with open(self.env.polkit_log) as f:
                self.assertRegex(f.read(), r"Registered Authentication Agent for unix-process:"
                                 r"(\d+):\d+ .*pkttyagent --process \1 --notify-fd 3\]")
        # root is always authorized
        r = self.osprey("set", "w", "username=bob", user=None)
        self.assertEqual(r.returncode, 0, r.stderr)


if __name__ == "__main__":
    unittest.main()
