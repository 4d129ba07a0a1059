#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Tests of the `osprey` command line against ospreyd-fake on a private bus.

    dbus-daemon (system-like, the project's policy)   <- tests/dbus/test-ospreyd.py Env
         +-- ospreyd-fake --test-authz RULES            (tests/dbus/fake-engine.c:
         |                                               192.0.2.66 unreachable,
         |                                               192.0.2.99 hangs in "connecting",
         |                                               password "good" accepted)
         +-- osprey --bus-address ...                   (the real binary, as a subprocess)

Every process is started here and stopped by PID.  Environment: OSPREY (the
binary) plus what test-ospreyd.py needs (OSPREYD_FAKE, OSPREY_DATA_DIR, ...).
"""
import importlib.util
import json
import os
import pty
import select
import signal
import subprocess
import sys
import tempfile
import termios
import time
import unittest

import dbus

HERE = os.path.dirname(os.path.abspath(__file__))
_spec = importlib.util.spec_from_file_location(
    "ospreyd_tests", os.path.join(HERE, "..", "dbus", "test-ospreyd.py"))
T = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(T)

OSPREY = os.environ.get("OSPREY", "")
SECRETS = "group-secret=gs\nusername=alice\npassword=good\n"


class Cli(unittest.TestCase):
    rules = T.ALLOW_ALL

    def setUp(self):
        if not OSPREY or not os.path.exists(T.OSPREYD_FAKE):
            self.skipTest("osprey or ospreyd-fake not built")
        self.env = T.Env(T.OSPREYD_FAKE, self.rules)
        self.tmp = self.env.tmp
        self.procs = []

    def tearDown(self):
        for p in self.procs:
            if p.poll() is None:
                p.kill()
                p.wait()
        log = self.env.read_log()
        rc = self.env.stop_daemon()
        self.env.close()
        self.assertIn(rc, (0, None, -9), log)
        self.assertNotIn("CRITICAL", log, log)

    # -- helpers -----------------------------------------------------------
    def osprey(self, *args, input=None, timeout=20, env=None):
        e = dict(os.environ, OSPREY_BUS_ADDRESS=self.env.address, LC_ALL="C")
        e.update(env or {})
        return subprocess.run([OSPREY] + list(args), input=input, capture_output=True, text=True,
                              timeout=timeout, env=e, stdin=None if input is not None
                              else subprocess.DEVNULL)

    def spawn(self, *args, **kw):
        e = dict(os.environ, OSPREY_BUS_ADDRESS=self.env.address, LC_ALL="C")
        p = subprocess.Popen([OSPREY] + list(args), stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True, env=e,
                             **kw)
        self.procs.append(p)
        return p

    def check(self, r, status, *needles):
        self.assertEqual(r.returncode, status, "stdout: %r\nstderr: %r" % (r.stdout, r.stderr))
        for n in needles:
            self.assertIn(n, r.stdout + r.stderr)
        return r

    def add(self, name, **kw):
        return self.env.add(name, **T.basic(**kw))

    def secrets_file(self, text=SECRETS, mode=0o600):
        path = os.path.join(self.tmp, "secrets.txt")
        with open(path, "w") as f:
            f.write(text)
        os.chmod(path, mode)
        return path

    def state(self, name):
        path = self.env.prop(self.env.manager().GetProfile(name), T.PROFILE, "ActiveConnection")
        if path == "/":
            return None
        return str(self.env.prop(path, T.CONNECTION, "State"))

    def wait_connection(self, name, states, timeout=30):
        deadline = time.monotonic() + timeout
        while self.state(name) not in states:
            if time.monotonic() > deadline:
                self.fail("%s never reached %s" % (name, states))
            time.sleep(0.02)


class TestBasics(Cli):
    def test_usage_and_version(self):
        self.check(self.osprey(), 64, "No command")
        self.check(self.osprey("frob"), 64, "Unknown command")
        self.check(self.osprey("connect"), 64)
        self.check(self.osprey("list", "--bogus"), 64)
        self.check(self.osprey("set", "x", "novalue"), 64)
        self.check(self.osprey("--version"), 0, "osprey ")
        r = self.check(self.osprey("--help"), 0, "Exit status", "connect")
        self.assertIn("64", r.stdout)
        r = self.check(self.osprey("frob", "--json"), 64)
        self.assertEqual(json.loads(r.stdout)["error"]["reason"], "usage")

    def test_help_and_did_you_mean(self):
        r = self.check(self.osprey("conect", "w"), 64, 'did you mean "connect"?')
        self.assertEqual(len(r.stderr.strip().splitlines()), 1, r.stderr)
        self.check(self.osprey("frobnicate"), 64, "see osprey help")
        top = self.check(self.osprey("help"), 0, "Commands:", "help [COMMAND]").stdout
        self.assertEqual(top, self.osprey("--help").stdout)
        for r in (self.osprey("help", "connect"), self.osprey("connect", "--help"),
                  self.osprey("connect", "-h")):
            out = self.check(r, 0).stdout
            cmd, glob = out.index("Options of osprey connect:"), out.index("Global options")
            self.assertLess(cmd, out.index("--password-stdin"))
            self.assertLess(out.index("--password-stdin"), glob)
            self.assertLess(glob, out.index("--json"))
            self.assertNotIn("--json", out[cmd:glob])
        self.check(self.osprey("help", "stauts"), 64, 'did you mean "status"?')
        self.add("work")
        self.check(self.osprey("show", "wrok"), 6, 'did you mean "work"?')
        self.check(self.osprey("connect", "zzz"), 6, "osprey list")

    def test_daemon_missing(self):
        self.env.stop_daemon()
        r = self.check(self.osprey("list"), 4, "ospreyd is not running")
        self.assertEqual(len(r.stderr.strip().splitlines()), 1, r.stderr)
        r = self.check(self.osprey("--json", "status"), 4)
        self.assertEqual(json.loads(r.stdout)["error"]["reason"], "daemon-unavailable")
        r = self.osprey("list", "--bus-address", "unix:path=" + self.tmp + "/nobus")
        self.check(r, 4, "bus")

    def test_unknown_profile(self):
        for cmd in (["connect", "nope"], ["show", "nope"], ["export", "nope"],
                    ["delete", "nope"], ["set", "nope", "username=x"], ["status", "nope"],
                    ["disconnect", "nope"], ["logs", "nope"]):
            self.check(self.osprey(*cmd), 6, 'no profile named "nope"')


class TestProfiles(Cli):
    def test_import_list_show_export_set_delete(self):
        data = T.TEST_DATA
        r = self.check(self.osprey("import", os.path.join(data, "vpnc-basic.conf")), 0,
                       "Imported vpnc-basic")
        r = self.check(self.osprey("import", os.path.join(data, "cisco-example.pcf"),
                                   "--name", "cisco"), 0, "Imported cisco")
        r = self.check(self.osprey("import", os.path.join(data, "vpnc-basic.conf")), 1,
                       "[already-exists]", "osprey import --replace ")
        self.assertEqual(len(r.stderr.strip().splitlines()), 1, r.stderr)
        r = self.check(self.osprey("list"), 0, "NAME", "cisco", "vpnc-basic", "vpn.example.com")
        lines = r.stdout.splitlines()
        self.assertEqual(len(lines), 3, r.stdout)
        self.assertTrue(lines[1].startswith("cisco ") and lines[1].endswith(" disconnected"))
        r = self.check(self.osprey("list", "--json"), 0)
        rows = [json.loads(line) for line in r.stdout.splitlines()]
        self.assertEqual([x["name"] for x in rows], ["cisco", "vpnc-basic"])
        self.assertEqual(rows[0]["gateway"], "vpn.example.com")
        self.assertEqual(rows[0]["state"], "disconnected")

        r = self.check(self.osprey("show", "cisco"), 0, "gateway", "vpn.example.com",
                       "group-secret, password")
        self.assertNotIn("GroupSecret1", r.stdout)
        show = json.loads(self.check(self.osprey("--json", "show", "cisco"), 0).stdout)
        self.assertEqual(show["settings"]["gateway"], "vpn.example.com")
        self.assertEqual(sorted(show["saved-secrets"]), ["group-secret", "password"])

        r = self.check(self.osprey("export", "cisco"), 0, "IPSec gateway vpn.example.com")
        out = os.path.join(self.tmp, "out.conf")
        self.check(self.osprey("export", "cisco", "-o", out), 0)
        with open(out) as f:
            self.assertEqual(f.read(), r.stdout)

        self.check(self.osprey("set", "cisco", "username=bob", "no-split=yes", "dpd-idle=30",
                               "description=B\u00fcro \"HQ\""), 0, "Updated cisco")
        s = json.loads(self.osprey("--json", "show", "cisco").stdout)["settings"]
        self.assertEqual((s["username"], s["no-split"], s["dpd-idle"], s["description"]),
                         ("bob", True, 30, "B\u00fcro \"HQ\""))
        self.check(self.osprey("set", "cisco", "no-split="), 0)
        s = json.loads(self.osprey("--json", "show", "cisco").stdout)["settings"]
        self.assertNotIn("no-split", s)
        self.check(self.osprey("set", "cisco", "bogus=1"), 64, "Unknown setting")
        self.check(self.osprey("set", "cisco", "dpd-idle=soon"), 64, "Invalid value")
        self.check(self.osprey("set", "cisco", "password=x"), 64, "secret")
        self.check(self.osprey("set", "cisco", "gateway="), 1, "[bad-config]")

        self.check(self.osprey("delete", "cisco"), 0, "Deleted cisco")
        self.assertNotIn("cisco", self.osprey("list").stdout)

    def test_list_pads_by_display_width(self):
        for name, desc in (("a", "B\u00fcro"), ("b", "\u6771\u4eac\u30aa\u30d5\u30a3\u30b9"),
                           ("c", "Office"), ("d", "")):
            self.add(name, description=desc) if desc else self.add(name)
        for locale in ("C.UTF-8", "C"):  # C: one "?" per character it cannot show
            self.check_columns(self.check(self.osprey("list", env={"LC_ALL": locale}), 0,
                                          "DESCRIPTION").stdout.splitlines(), locale)

    def check_columns(self, lines, locale):
        self.assertEqual(len(lines), 5, lines)

        def width(text):  # terminal columns, as wcwidth counts them
            import unicodedata
            return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
        columns = {width(line[:line.rindex(" ") + 1]) for line in lines}
        self.assertEqual(len(columns), 1, "STATE does not line up:\n" + "\n".join(lines))
        self.assertTrue(lines[2].startswith("b "))
        if locale != "C":
            self.assertIn("\u6771\u4eac", lines[2])

    def test_import_errors(self):
        def write(name, text):
            path = os.path.join(self.tmp, name)
            with open(path, "w") as f:
                f.write(text)
            return path
        script = write("up.sh", "#!/bin/sh\necho hello\nip link set dev eth0 up\n")
        r = self.check(self.osprey("import", script), 1, "neither a vpnc configuration file",
                       "[bad-config]")
        self.assertNotIn("IPSec gateway", r.stderr)
        # a broken .pcf in .pcf words
        r = self.check(self.osprey("import", write("a.pcf", "[main]\nGroupName=grp\n")), 1,
                       "Host is missing")
        self.assertNotIn("IPSec", r.stderr)
        self.check(self.osprey("import", write("b.pcf", "[main]\nHost=192.0.2.1\n")), 1,
                   "GroupName is missing")
        # the warning that explains the failure comes with it, in --json too
        typo = write("typo.conf", "IPSec gatway 192.0.2.1\nIPSec ID grp\n")
        r = self.check(self.osprey("import", typo), 1, "IPSec gateway is missing",
                       "line 1: unknown keyword")
        self.assertEqual(len(r.stderr.strip().splitlines()), 1, r.stderr)
        r = self.check(self.osprey("--json", "import", typo), 1)
        self.assertIn("line 1: unknown keyword", json.loads(r.stdout)["error"]["message"])
        self.check(self.osprey("connect", "--config", typo), 1, "line 1: unknown keyword")
        self.assertNotIn("typo", self.osprey("list").stdout)

    def test_import_warnings_and_secrets(self):
        conf = os.path.join(self.tmp, "w.conf")
        with open(conf, "w") as f:
            f.write("IPSec gateway 192.0.2.1\nIPSec ID grp\nFrobnicate yes\n")
        r = self.check(self.osprey("--json", "import", conf), 0)
        out = json.loads(r.stdout)
        self.assertEqual(out["name"], "w")
        self.assertTrue(out["warnings"], r.stdout)
        self.assertIn("warning", r.stderr)
        f = self.secrets_file("group-secret=abc\npassword=def\n")
        self.check(self.osprey("secrets", "w", "--secrets-file", f), 0, "Stored")
        self.assertIn("group-secret", self.osprey("show", "w").stdout)
        self.check(self.osprey("secrets", "w", "--forget"), 0)
        self.assertIn("none", self.osprey("show", "w").stdout)

    def test_edit(self):
        self.add("e", username="alice")
        self.check(self.osprey("edit", "e"), 64, "terminal")
        script = os.path.join(self.tmp, "ed.sh")
        with open(script, "w") as f:
            f.write("#!/bin/sh\nsed -i -e 's/^username=.*/username=carol/' "
                    "-e 's/^#dpd-idle=/dpd-idle=45/' \"$1\"\n")
        os.chmod(script, 0o755)
        out, status = run_in_pty([OSPREY, "edit", "e"], [], self.env.address,
                                 {"EDITOR": script, "VISUAL": ""})
        self.assertEqual(status, 0, out)
        s = dict(self.env.prop(self.env.manager().GetProfile("e"), T.PROFILE, "Settings"))
        self.assertEqual((s["username"], s["dpd-idle"]), ("carol", 45))


class TestEditAgain(Cli):
    def test_edit_offers_to_edit_again(self):
        self.add("e", username="alice")
        count = os.path.join(self.tmp, "runs")
        script = os.path.join(self.tmp, "ed.sh")
        with open(script, "w") as f:
            # first run: a good change and a bad value; second run: fixes the value only
            f.write("#!/bin/sh\necho x >> %s\n"
                    "if [ $(wc -l < %s) = 1 ]; then\n"
                    "  sed -i -e 's/^username=.*/username=dave/' -e 's/^#dpd-idle=/dpd-idle=soon/' \"$1\"\n"
                    "else\n  sed -i -e 's/^dpd-idle=soon/dpd-idle=45/' \"$1\"\nfi\n" % (count, count))
        os.chmod(script, 0o755)
        env = {"EDITOR": script, "VISUAL": ""}
        out, status = run_in_pty([OSPREY, "edit", "e"], [("Edit again? [Y/n]", "")],
                                 self.env.address, env)
        self.assertEqual(status, 0, out)
        self.assertIn("Invalid value", out)
        self.assertIn("Updated e", out)
        s = dict(self.env.prop(self.env.manager().GetProfile("e"), T.PROFILE, "Settings"))
        self.assertEqual((s["username"], s["dpd-idle"]), ("dave", 45))  # nothing was lost
        os.unlink(count)
        self.check(self.osprey("set", "e", "username=alice", "dpd-idle="), 0)
        out, status = run_in_pty([OSPREY, "edit", "e"], [("Edit again? [Y/n]", "n")],
                                 self.env.address, env)
        self.assertEqual(status, 64, out)
        self.assertIn("unchanged", out)
        s = dict(self.env.prop(self.env.manager().GetProfile("e"), T.PROFILE, "Settings"))
        self.assertEqual(s["username"], "alice")


def run_in_pty(argv, answers, address, extra_env=None, timeout=15):
    """Runs argv with a pty as controlling terminal; answers is a list of
    (prompt, reply[, hidden]); reply is a line (str) or keys (bytes), typed
    once echo is off when hidden is true.  Returns
    (everything the terminal showed, exit status)."""
    env = dict(os.environ, OSPREY_BUS_ADDRESS=address, LC_ALL="C", **(extra_env or {}))
    pid, fd = pty.fork()
    if pid == 0:
        try:
            os.execve(argv[0], argv, env)
        finally:
            os._exit(127)
    out = b""
    answers = list(answers)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        r, _, _ = select.select([fd], [], [], 0.1)
        if r:
            try:
                chunk = os.read(fd, 4096)
            except OSError:
                break
            if not chunk:
                break
            out += chunk
        if answers and answers[0][0].encode() in out.split(b"\x00")[-1]:
            prompt, reply, *hidden = answers.pop(0)
            out += b"\x00"  # marks what was answered already
            # a secret: only once echo is off (a prompt that turns it off with
            # TCSAFLUSH after it showed would drop what was typed before)
            while hidden and termios.tcgetattr(fd)[3] & termios.ECHO:
                if time.monotonic() > deadline:
                    break
                time.sleep(0.01)
            # bytes are typed as they are (b"\x03" is Ctrl-C), text is a line
            os.write(fd, reply if isinstance(reply, bytes) else reply.encode() + b"\n")
    else:
        os.kill(pid, signal.SIGKILL)
    _, status = os.waitpid(pid, 0)
    os.close(fd)
    return out.replace(b"\x00", b"").decode(errors="replace"), os.waitstatus_to_exitcode(status)


class TestConnect(Cli):
    def test_password_stdin_connect_status_disconnect(self):
        self.add("w", username="alice")
        self.env.profile(self.env.manager().GetProfile("w")).SetSecrets(
            dbus.Dictionary({"group-secret": "gs"}, signature="ss"))
        r = self.check(self.osprey("connect", "w", "--password-stdin", input="good\n"), 0)
        self.assertEqual(r.stdout.strip().splitlines()[-1],
                         "Connected to w (198.18.0.2 via tun-fake0).")
        self.assertIn("Authorized users only", r.stdout)  # the banner
        self.check(self.osprey("list"), 0, "connected")
        st = json.loads(self.check(self.osprey("status", "--json"), 0).stdout)
        self.assertEqual((st["name"], st["state"], st["address"], st["device"]),
                         ("w", "connected", "198.18.0.2", "tun-fake0"))
        self.assertGreater(st["since"], 0)
        r = self.check(self.osprey("status", "-v"), 0, "w: connected", "198.18.0.2/32", "Log:")
        # how phase 1 authenticated, aligned with the other fields
        self.assertIn("\n  IKE auth:    Group password + XAUTH, Aggressive mode\n", r.stdout)
        self.assertEqual({k: st["crypto"][k] for k in st["crypto"] if k.startswith("ike-")
                          and k not in ("ike-cipher", "ike-integrity", "ike-dh-group",
                                        "ike-expires")},
                         {"ike-auth": "psk", "ike-xauth": True, "ike-signature": "",
                          "ike-exchange": "aggressive"})
        self.check(self.osprey("logs", "w"), 0, "authenticating", "connected")
        self.check(self.osprey("connect", "w", "--password-stdin", input="good\n"), 1,
                   "already-active")
        self.check(self.osprey("disconnect"), 0, "Disconnected w")
        self.assertEqual(self.state("w"), "disconnected")
        self.check(self.osprey("disconnect"), 1, "no active connection")
        self.check(self.osprey("disconnect", "w"), 1, "not connected")
        r = self.check(self.osprey("status", "w"), 0, "w: disconnected")
        self.assertNotIn("tun-fake0", r.stdout)  # the old device and address are gone
        self.assertNotIn("198.18.0.2", r.stdout)
        st = json.loads(self.check(self.osprey("--json", "status", "w"), 0).stdout)
        self.assertEqual((st["state"], st["address"], st["device"]), ("disconnected", None, None))
        self.assertNotIn("ip-config", st)
        self.check(self.osprey("list"), 0, "disconnected")

    def test_status_shows_main_mode(self):
        self.add("m", username="alice", exchange_mode="main")
        self.env.profile(self.env.manager().GetProfile("m")).SetSecrets(
            dbus.Dictionary({"group-secret": "gs"}, signature="ss"))
        self.check(self.osprey("connect", "m", "--password-stdin", input="good\n"), 0)
        r = self.check(self.osprey("status", "-v", "m"), 0, "m: connected")
        self.assertIn("\n  IKE auth:    Group password + XAUTH, Main mode\n", r.stdout)
        st = json.loads(self.check(self.osprey("--json", "status", "m"), 0).stdout)
        self.assertEqual((st["crypto"]["ike-auth"], st["crypto"]["ike-exchange"]),
                         ("psk", "main"))
        self.check(self.osprey("disconnect"), 0)

    def test_logs_survive_a_restart(self):
        self.add("w")
        self.check(self.osprey("logs", "w"), 0)  # never connected: no log, no error
        f = self.secrets_file("group-secret=GroupSecret-4711\nusername=alice\npassword=good\n")
        self.check(self.osprey("connect", "w", "--secrets-file", f), 0)
        self.check(self.osprey("disconnect", "w"), 0)
        before = self.check(self.osprey("logs", "w"), 0, "connected", "disconnected").stdout
        self.assertEqual(self.env.stop_daemon(), 0)
        self.env.start_daemon()
        self.assertEqual(self.check(self.osprey("logs", "w"), 0).stdout, before)
        path = os.path.join(self.env.state, "logs", "w.log")
        self.assertEqual(os.stat(path).st_mode & 0o777, 0o600)
        with open(path) as log:
            text = log.read()
        self.assertIn("configuring -> connected", text)
        self.assertNotIn("GroupSecret-4711", text)  # no secrets on disk
        self.assertNotIn("good", text)
        # a new connection starts a new log, on disk too
        self.check(self.osprey("connect", "w", "--secrets-file", f), 0)
        self.env.stop_daemon()
        self.env.start_daemon()
        out = self.check(self.osprey("logs", "w"), 0).stdout
        self.assertEqual(out.count("Connecting to 192.0.2.1"), 1, out)

    def test_wrong_password_is_2(self):
        self.add("w", username="alice")
        f = self.secrets_file("group-secret=gs\npassword=wrong\n")
        r = self.check(self.osprey("connect", "w", "--secrets-file", f), 2, "bad-credentials")
        self.assertEqual(len(r.stderr.strip().splitlines()), 1, r.stderr)
        r = self.check(self.osprey("connect", "w", "--json", "--password-stdin",
                                   "--secrets-file", f, input="bad\n"), 2)
        self.assertEqual(json.loads(r.stdout)["error"]["reason"], "bad-credentials")
        self.add("g", username="alice")
        f = self.secrets_file("group-secret=bad\npassword=good\n")
        r = self.check(self.osprey("connect", "g", "--secrets-file", f), 2, "bad-group-secret")
        # one sentence, once: not the reason's text and then the message again
        self.assertEqual(r.stderr, "osprey: Could not connect to g: bad group secret "
                         "[bad-group-secret].\n")

    def test_secrets_file_and_world_readable_warning(self):
        self.add("w")
        r = self.check(self.osprey("connect", "w", "--secrets-file", self.secrets_file()), 0,
                       "Connected to w")
        self.assertNotIn("warning", r.stderr)
        self.check(self.osprey("disconnect", "w"), 0)
        f = self.secrets_file(mode=0o644)
        r = self.check(self.osprey("connect", "w", "--secrets-file", f), 0, "Connected to w")
        self.assertIn("can be read by other users", r.stderr)
        self.check(self.osprey("connect", "w", "--secrets-file",
                               self.secrets_file("token=1\n")), 64, "unknown secret kind",
                   "(known: group-secret, username, password, passcode, next-pin, answer, "
                   "key-passphrase)")

    def test_no_terminal_and_no_ask(self):
        self.add("w")
        # no controlling terminal in a new session: one clear line
        p = subprocess.run([OSPREY, "connect", "w"], capture_output=True, text=True,
                           stdin=subprocess.DEVNULL, start_new_session=True, timeout=20,
                           env=dict(os.environ, OSPREY_BUS_ADDRESS=self.env.address))
        self.check(p, 1, "no terminal", "secrets-required")
        self.check(self.osprey("connect", "w", "--no-ask"), 1, "secrets-required")

    def test_not_authorized_is_3(self):
        self.add("w")
        self.env.set_rules("net.ospreyvpn.osprey1.connect * no\n* * yes\n")
        r = self.check(self.osprey("connect", "w", "--secrets-file", self.secrets_file()), 3,
                       "Not authorized")
        self.assertEqual(len(r.stderr.strip().splitlines()), 1, r.stderr)
        self.env.set_rules("# nothing\n")
        self.check(self.osprey("delete", "w"), 3)
        r = self.check(self.osprey("--json", "set", "w", "username=x"), 3)
        self.assertEqual(json.loads(r.stdout)["error"]["name"],
                         "net.ospreyvpn.Osprey1.Error.NotAuthorized")

    def test_failures(self):
        self.add("down", gateway="192.0.2.66")
        r = self.check(self.osprey("connect", "down", "--secrets-file", self.secrets_file()), 1,
                       "gateway-unreachable")
        self.assertEqual(len(r.stderr.strip().splitlines()), 1, r.stderr)
        self.add("slow", gateway="192.0.2.99")
        t = time.monotonic()
        self.check(self.osprey("connect", "slow", "--timeout", "1"), 5, "Timed out")
        self.assertLess(time.monotonic() - t, 5)
        self.wait_connection("slow", ("disconnected", "failed"))

    def test_json_and_no_wait(self):
        self.add("w")
        r = self.check(self.osprey("--json", "connect", "w", "--secrets-file",
                                   self.secrets_file()), 0)
        out = json.loads(r.stdout)
        self.assertEqual((out["state"], out["address"], out["banner"]),
                         ("connected", "198.18.0.2", "Authorized users only"))
        self.check(self.osprey("disconnect", "--all"), 0)
        t = time.monotonic()
        r = self.check(self.osprey("connect", "w", "--no-wait", "--json", "--secrets-file",
                                   self.secrets_file()), 0)
        self.assertTrue(json.loads(r.stdout)["connection"].startswith(T.ROOT + "/Connection/"))
        self.wait_connection("w", ("connected",))

    def test_connect_config(self):
        conf = os.path.join(self.tmp, "work.conf")
        with open(conf, "w") as f:
            f.write("IPSec gateway 192.0.2.1\nIPSec ID grp\nIPSec secret gs\n"
                    "Xauth username alice\n")
        r = self.check(self.osprey("connect", "--config", conf, "--password-stdin",
                                   input="good\n"), 0, "Connected to work")
        self.check(self.osprey("status"), 0, "work: connected")
        self.check(self.osprey("disconnect", "work"), 0)
        extra = os.path.join(self.tmp, "pw.conf")
        with open(extra, "w") as f:
            f.write("Xauth password good\n")
        self.check(self.osprey("connect", "--config", conf, extra, "--name", "merged"), 0,
                   "Connected to merged")
        self.check(self.osprey("connect", "--config", self.tmp + "/missing.conf"), 1,
                   "missing.conf")

    def test_agent_prompt_through_pty(self):
        self.add("w")
        out, status = run_in_pty([OSPREY, "connect", "w"],
                                 [("Group password:", "gs"), ("User name:", "alice"),
                                  ("Password:", "wrong"), ("Password:", "good")],
                                 self.env.address)
        self.assertEqual(status, 0, out)
        self.assertIn("rejected", out)
        self.assertIn("Connected to w", out)
        self.assertIn("alice", out)  # the user name is echoed
        self.assertNotIn("good", out)  # secrets are not
        self.assertNotIn("gs\r", out)

    def test_ctrl_c_at_password_prompt(self):
        self.add("w")
        out, status = run_in_pty([OSPREY, "connect", "w"], [("Group password:", b"\x03")],
                                 self.env.address)
        self.assertEqual(status, 1, out)
        self.assertRegex(out, r"Group password: (\^C)?\r?\nosprey: The attempt to connect w was "
                         r"stopped\.")
        self.wait_connection("w", ("disconnected", "failed"))
        path = self.env.prop(self.env.manager().GetProfile("w"), T.PROFILE, "ActiveConnection")
        self.assertEqual((self.state("w"), self.env.prop(path, T.CONNECTION, "StateReason")),
                         ("disconnected", "cancelled"))

    def test_verbose_line_per_retry(self):
        self.add("down", gateway="192.0.2.66")
        r = self.check(self.osprey("connect", "down", "-v", "--secrets-file",
                                   self.secrets_file()), 1, "gateway-unreachable")
        lines = r.stderr.splitlines()
        for n in (2, 3):
            self.assertIn("osprey: down: connecting: No answer from 192.0.2.66 yet; sending again "
                          "(try %d of 3)" % n, lines)
        r = self.check(self.osprey("connect", "down", "--secrets-file", self.secrets_file()), 1)
        self.assertEqual(len(r.stderr.strip().splitlines()), 1, r.stderr)  # quiet without -v

    def test_progress_while_gateway_silent(self):
        self.add("slow", gateway="192.0.2.99")
        f = self.secrets_file()
        out, status = run_in_pty([OSPREY, "connect", "slow", "--timeout", "3", "--secrets-file",
                                  f], [], self.env.address)
        self.assertEqual(status, 5, out)
        self.assertRegex(out, r"Connecting slow \.\.+\r?\nosprey: Timed out")
        self.wait_connection("slow", ("disconnected", "failed"))
        r = self.check(self.osprey("connect", "slow", "--timeout", "1", "--secrets-file", f), 5)
        self.assertNotIn("Connecting slow", r.stderr)  # no terminal, no dots
        self.wait_connection("slow", ("disconnected", "failed"))
        r = self.check(self.osprey("connect", "slow", "-v", "--timeout", "1", "--secrets-file", f),
                       5, "osprey: slow: connecting\n")
        self.assertEqual(r.stderr.splitlines()[-1].split(":")[1].strip(), "Timed out after 1 "
                         "seconds connecting slow; the attempt was stopped.")

    def test_config_names(self):
        conf = os.path.join(self.tmp, "work.conf")
        with open(conf, "w") as f:
            f.write("IPSec gateway 192.0.2.1\nIPSec ID grp\nIPSec secret gs\n"
                    "Xauth username alice\nXauth password good\n")
        self.add("work")
        # a stored "work" does not stand in the way of the file's connection
        self.check(self.osprey("connect", "--config", conf), 0, "Connected to work-config")
        self.check(self.osprey("status"), 0, "work-config: connected")
        self.check(self.osprey("disconnect", "work-config"), 0)
        # one rule for names: no blanks, said the same way for --name everywhere
        for cmd in (["connect", "--config", conf, "--name", "my vpn"],
                    ["import", conf, "--name", "my vpn"]):
            r = self.check(self.osprey(*cmd), 64, '"my vpn" cannot be a name', 'e.g. "my_vpn"')
            self.assertEqual(len(r.stderr.strip().splitlines()), 1, r.stderr)
        spaced = os.path.join(self.tmp, "my vpn.conf")
        os.rename(conf, spaced)
        self.check(self.osprey("import", spaced), 0, "Imported my_vpn")
        self.check(self.osprey("connect", "--config", spaced), 0, "Connected to my_vpn-config")

    def test_ctrl_c_stops_attempt(self):
        self.add("slow", gateway="192.0.2.99")
        p = self.spawn("connect", "slow", "--secrets-file", self.secrets_file())
        self.wait_connection("slow", ("connecting",))
        time.sleep(0.2)
        p.send_signal(signal.SIGINT)
        out, err = p.communicate(timeout=10)
        self.assertEqual(p.returncode, 1, err)
        self.assertIn("stopped", err)
        self.wait_connection("slow", ("disconnected",))

    def test_daemon_killed_while_waiting(self):
        self.add("slow", gateway="192.0.2.99")
        p = self.spawn("connect", "slow", "--secrets-file", self.secrets_file())
        self.wait_connection("slow", ("connecting",))
        time.sleep(0.2)
        self.env.daemon.kill()
        self.env.daemon.wait()
        t = time.monotonic()
        out, err = p.communicate(timeout=10)
        self.assertEqual(p.returncode, 4, err)
        self.assertLess(time.monotonic() - t, 3)
        self.assertIn("ospreyd stopped", err)

    def test_monitor(self):
        self.add("w")
        m = self.spawn("monitor")
        time.sleep(0.5)  # monitor has subscribed once it printed its hint
        self.check(self.osprey("connect", "w", "--secrets-file", self.secrets_file()), 0)
        self.add("new")
        self.check(self.osprey("disconnect", "w"), 0)
        time.sleep(0.5)
        m.send_signal(signal.SIGINT)
        out, err = m.communicate(timeout=10)
        self.assertEqual(m.returncode, 0, err)
        self.assertRegex(out, r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d w: connected")
        self.assertIn("w: authenticating", out)
        self.assertIn("w: disconnected", out)
        self.assertIn("new: profile added", out)
        self.assertIn("banner: Authorized users only", out)
        mj = self.spawn("--json", "monitor")
        time.sleep(0.5)
        self.check(self.osprey("connect", "w", "--secrets-file", self.secrets_file()), 0)
        mj.send_signal(signal.SIGINT)
        out, _ = mj.communicate(timeout=10)
        events = [json.loads(line) for line in out.splitlines()]
        self.assertIn(("w", "connected"), [(e.get("name"), e.get("state")) for e in events])

    def test_disconnect_several(self):
        self.add("a", domain="split=198.51.100.0/25")
        self.add("b", domain="split=198.51.100.128/25")
        for n in ("a", "b"):
            self.check(self.osprey("connect", n, "--secrets-file", self.secrets_file()), 0)
        self.check(self.osprey("disconnect"), 64, "a, b")
        self.check(self.osprey("disconnect", "--all"), 0, "Disconnected a, b")
        self.assertEqual((self.state("a"), self.state("b")), ("disconnected", "disconnected"))


if __name__ == "__main__":
    unittest.main()
