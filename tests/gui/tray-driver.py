#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Drives the real osprey-tray by accessible names (dogtail over AT-SPI) in
the private desktop of tests/gui/tray-lab.sh, against the real ospreyd and
the lab gateway.  One phase per call:

  tray-driver.py xembed    menu in a real XEmbed tray (trayer) -> Connect ->
                           password dialog (wrong, then right + Remember) ->
                           banner -> connected, ping, details -> Disconnect;
                           again from the keyring, banner -> Disconnect
  tray-driver.py restart   after ospreyd restarted: the menu follows, the
                           agent is registered again; a wrong stored password
                           is rejected, cleared from the keyring, asked for
  tray-driver.py editor    Profiles…: lab's settings shown and changed, a new
                           profile refused with the daemon's message then added,
                           duplicate, delete
  tray-driver.py token     (tray-fake.sh) a token server's prompt and code
  tray-driver.py files     (tray-fake.sh) Import… from the menu and the editor
                           (.conf, .pcf, a bad file), Export read back
  tray-driver.py busy      (tray-fake.sh) the editor while ospreyd is stopped:
                           spinner, still answering, Close cancels
  tray-driver.py two       two tunnels at once (lab and bob): one refused for
                           its routes, then both up, menu and details, one
                           disconnected while the other pings
  tray-driver.py sni       the StatusNotifierItem path (sni-host.py): item
                           properties, dbusmenu layout, Connect/Disconnect
                           through Event

Environment from the orchestrator: LAB_SH, LAB_ID, LAB_NS_CL, LAB_PASSWORD,
TRAY_LOG_DIR (notifications.log, shots/), OSPREY, OSPREY_TRAY (for sni),
OSPREYD_PID (for busy), OSPREY_TEST_DATA (tests/data/profiles, for files).  Exits 0
on success, 1 with a FAIL line naming the step.
"""
import json
import os
import re
import signal
import subprocess
import sys
import time

from dogtail.config import config

config.checkForA11y = False  # the session's AT-SPI bus is ours; no gsettings
config.searchCutoffCount = 5
config.defaultDelay = 0.2
config.actionDelay = 0  # every wait below is for an outcome; this keeps timings honest
config.logDebugToFile = False
from dogtail import tree  # noqa: E402 (after the configuration)

HERE = os.path.dirname(os.path.abspath(__file__))
DIR = os.environ["TRAY_LOG_DIR"]
NS = os.environ.get("LAB_NS_CL", "")
PASSWORD = os.environ.get("LAB_PASSWORD", "")
PROTECTED = "198.51.100.1"
RETRY_TEXT = "The gateway did not accept your answer. Try again."
figures = []


def note(msg):
    print("[tray-driver] " + msg, flush=True)


def fail(msg):
    print("FAIL [tray-driver]: " + msg, flush=True)
    screenshot("failure-" + sys.argv[1])
    sys.exit(1)


def wait_for(what, fn, timeout=30.0):
    end = time.monotonic() + timeout
    while True:
        try:
            v = fn()
        except Exception:  # objects come and go while the tray updates
            v = None
        if v:
            return v
        if time.monotonic() > end:
            fail("timed out waiting for " + what)
        time.sleep(0.1)


def screenshot(name):
    os.makedirs(os.path.join(DIR, "shots"), exist_ok=True)
    subprocess.run(["import", "-window", "root", os.path.join(DIR, "shots", name + ".png")],
                   stderr=subprocess.DEVNULL, check=False)


def app():
    return wait_for("osprey-tray on the AT-SPI bus",
                    lambda: tree.root.application("osprey-tray"), 30)


def find(parent, name, role, showing=True):
    for n in parent.findChildren(lambda x: x.name == name and x.roleName == role):
        if not showing or n.showing:
            return n
    return None


def dialog(title, timeout=30):
    return wait_for("dialog " + repr(title), lambda: find(app(), title, "dialog"), timeout)


def click(node):
    if node is None:
        fail("nothing to click")
    node.doActionNamed("click")


# ---- the XEmbed tray (trayer): the icon is the only one, top left

def open_menu():
    a = app()
    if find(a, "Quit", "menu item"):
        return a
    out = subprocess.run(["xdotool", "search", "--class", "trayer"], capture_output=True,
                         text=True).stdout.split()
    for w in out:
        geo = subprocess.run(["xdotool", "getwindowgeometry", w], capture_output=True,
                             text=True).stdout
        m = re.search(r"Position: (\d+),(\d+).*Geometry: (\d+)x(\d+)", geo, re.S)
        if m and int(m.group(3)) > 20:
            x, y = int(m.group(1)) + 16, int(m.group(2)) + 16
            # no window manager: a window of the tray's may lie over the panel
            subprocess.run(["xdotool", "windowraise", w], check=False)
            subprocess.run(["xdotool", "mousemove", str(x), str(y), "click", "1"], check=True)
            break
    wait_for("the menu", lambda: find(a, "Quit", "menu item"), 10)
    return a


def close_menu():
    subprocess.run(["xdotool", "key", "Escape"], check=False)
    wait_for("the menu to close", lambda: not find(app(), "Quit", "menu item"), 10)


def menu_item(name, timeout=30):
    """Opens the menu and returns the item once it is there (labels follow the daemon)."""
    open_menu()
    return wait_for("menu item " + repr(name), lambda: find(app(), name, "menu item"), timeout)


def menu_click(name):
    item = menu_item(name)
    click(item)
    return time.monotonic()


# ---- notifications (python3-dbusmock's notification_daemon logs each Notify)

def notifications():
    out = []
    try:
        with open(os.path.join(DIR, "notifications.log"), encoding="utf-8") as f:
            for line in f:
                m = re.match(r'\S+ Notify "([^"]*)" (\d+) "[^"]*" "([^"]*)" "([^"]*)" \[([^]]*)\]',
                             line)
                if m:
                    # the mock numbers new notifications 1, 2, ...; a replacement keeps its id
                    replaces = int(m.group(2))
                    ident = replaces or 1 + sum(1 for n in out if n["replaces"] == 0)
                    out.append({"summary": m.group(3), "body": m.group(4),
                                "actions": m.group(5), "replaces": replaces, "id": ident})
    except FileNotFoundError:
        pass
    return out


def wait_notification(summary, since, timeout=40):
    def look():
        for n in notifications()[since:]:
            if n["summary"] == summary:
                return n
        return None
    return wait_for("notification " + repr(summary), look, timeout)


# ---- the lab

def tunnel_dev(host=PROTECTED):
    """The tun device the way to host leaves by, or None."""
    route = subprocess.run(["ip", "-n", NS, "-o", "route", "get", host],
                           capture_output=True, text=True).stdout
    m = re.search(r" dev (tun\d+)", route)
    return m.group(1) if m else None


def tunnel_up(host=PROTECTED):
    if not tunnel_dev(host):
        return False
    return subprocess.run(["ip", "netns", "exec", NS, "ping", "-q", "-n", "-c", "1", "-W",
                           "0.2", host], stdout=subprocess.DEVNULL).returncode == 0


def wait_tunnel(timeout=30, host=PROTECTED):
    end = time.monotonic() + timeout
    while not tunnel_up(host):
        if time.monotonic() > end:
            fail("no ping through the tunnel to " + host)
        time.sleep(0.02)
    return time.monotonic()


def wait_tunnel_down():
    wait_for("tun0 to go", lambda: subprocess.run(
        ["ip", "-n", NS, "link", "show", "tun0"], stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL).returncode != 0, 30)


def keyring(kind="password"):
    r = subprocess.run(["secret-tool", "lookup", "xdg:schema", "net.ospreyvpn.Osprey.Secret",
                        "profile", "lab", "kind", kind], capture_output=True, text=True)
    return r.stdout if r.returncode == 0 else None


def keyring_store(value, kind="password"):
    subprocess.run(["secret-tool", "store", "--label", "test", "xdg:schema",
                    "net.ospreyvpn.Osprey.Secret", "profile", "lab", "kind", kind],
                   input=value, text=True, check=True)


def text_of(node):
    return node.text if node.text is not None else ""


def password_dialog(expect_retry):
    d = dialog("VPN login: lab")
    if expect_retry:
        wait_for("the rejection in the dialog", lambda: find(d, RETRY_TEXT, "label"), 10)
    elif find(d, RETRY_TEXT, "label"):
        fail("a first dialog says the answer was rejected")
    # only the fields asked: the profile has the user name, so just the password
    if find(d, "User name", "text", showing=False):
        fail("the dialog asks for a user name the daemon did not ask for")
    entry = find(d, "Password", "password text")
    if entry is None:
        fail("no Password field in the dialog")
    return d, entry


def phase_xembed():
    a = app()
    open_menu()
    wait_for("'lab: Disconnected'", lambda: find(a, "lab: Disconnected", "menu item"), 20)
    screenshot("menu")
    n0 = len(notifications())

    menu_click("Connect lab")
    d, entry = password_dialog(expect_retry=False)
    screenshot("password-dialog")
    entry.text = "wrong-password"
    click(find(d, "Connect", "push button"))
    note("wrong password sent")
    d, entry = password_dialog(expect_retry=True)
    screenshot("password-rejected")
    if keyring() is not None:
        fail("a password is in the keyring though Remember was off")
    entry.text = PASSWORD
    remember = find(d, "Remember in the keyring", "check box")
    if not remember.checked:
        click(remember)
    click(find(d, "Connect", "push button"))

    b = dialog("Message from the gateway of lab")
    if not any("Authorized users only." in n.name for n in b.findChildren(
            lambda x: x.roleName == "label")):
        fail("the banner dialog does not show the gateway's banner")
    screenshot("banner")
    click(find(b, "Accept", "push button"))
    n = wait_notification("Connected to lab", n0)
    if not re.search(r"198\.18\.1\.\d+", n["body"]):
        fail("the connected notification names no address: " + n["body"])
    wait_tunnel()
    note("connected, ping through the tunnel, notification: " + n["body"])
    # libsecret stores asynchronously
    end = time.monotonic() + 10
    while keyring() != PASSWORD:
        if time.monotonic() > end:
            found = subprocess.run(["secret-tool", "search", "--all", "xdg:schema",
                                    "net.ospreyvpn.Osprey.Secret"], capture_output=True, text=True)
            items = [l for l in found.stdout.splitlines() if not l.startswith("secret = ")]
            state = subprocess.run(["gdbus", "call", "--session", "-d", "org.freedesktop.secrets",
                                    "-o", "/org/freedesktop/secrets/collection/login", "-m",
                                    "org.freedesktop.DBus.Properties.Get",
                                    "org.freedesktop.Secret.Collection", "Locked"],
                                   capture_output=True, text=True, timeout=10)
            note("keyring items: %r %r; login locked: %s %s" % (items, found.stderr, state.stdout,
                                                               state.stderr))
            fail("Remember did not put the password in the keyring")
        time.sleep(0.1)

    menu_item("Disconnect lab")
    wait_for("the age in the menu",
             lambda: find(app(), "lab: Connected, less than a minute", "menu item"), 10)
    screenshot("menu-connected")
    click(find(app(), "Details…", "menu item"))
    w = wait_for("the details window",
                 lambda: find(app(), "Osprey VPN details: lab", "frame"), 20)
    addr = wait_for("the address in the details",
                    lambda: text_of(find(w, "Address in the VPN", "label")))
    if not re.match(r"198\.18\.1\.\d+$", addr):
        fail("details: address " + repr(addr))
    if text_of(find(w, "Interface", "label")) != "tun0":
        fail("details: interface")
    if "198.51.100.0/24" not in text_of(find(w, "Networks through the VPN", "label")):
        fail("details: split networks")
    # the lab's first proposals: aes256-sha256-modp2048 and aes256-sha256
    ike = text_of(find(w, "IKE SA", "label"))
    if not re.match(r"AES-256, SHA2-256, MODP-2048, 7 h 59 min \d\d s left$", ike):
        fail("details: IKE SA " + repr(ike))
    # the lab: aggressive mode, the group password, then XAUTH
    auth = text_of(find(w, "Authentication", "label"))
    if auth != "Group password + XAUTH, Aggressive mode":
        fail("details: authentication " + repr(auth))
    esp = text_of(find(w, "IPsec SA", "label"))
    if not re.match(r"AES-256-CBC, HMAC-SHA2-256-128, no PFS, 0 h 59 min \d\d s left$", esp):
        fail("details: IPsec SA " + repr(esp))
    spis = text_of(find(w, "SPIs", "label"))
    if not re.match(r"in 0x[0-9a-f]{8}, out 0x[0-9a-f]{8}$", spis):
        fail("details: SPIs " + repr(spis))
    # charon with kernel-libipsec forces UDP encapsulation (a random NAT-D hash)
    if text_of(find(w, "NAT traversal", "label")) != "yes, UDP 4500":
        fail("details: NAT-T " + repr(text_of(find(w, "NAT traversal", "label"))))
    note("details: IKE %s; %s; IPsec %s; %s" % (ike, auth, esp, spis))

    def received_packets():
        m = re.search(r"in (\d+) packet", text_of(find(w, "Received", "label")))
        return int(m.group(1)) if m else 0
    before = received_packets()
    subprocess.run(["ip", "netns", "exec", NS, "ping", "-q", "-c", "5", "-i", "0.2",
                    PROTECTED], stdout=subprocess.DEVNULL, check=True)
    wait_for("received packets to grow in the details",
             lambda: received_packets() >= before + 5, 20)
    screenshot("details")
    note("details: %s, received packets %d -> %d" % (addr, before, received_packets()))
    click(find(w, "Close", "push button"))
    wait_for("the details window to close",
             lambda: not find(app(), "Osprey VPN details: lab", "frame"), 10)

    n1 = len(notifications())
    menu_click("Disconnect lab")
    wait_notification("Disconnected from lab", n1)
    wait_tunnel_down()
    menu_item("lab: Disconnected")
    close_menu()
    note("disconnected from the menu")

    # again: the password comes from the keyring, no dialog; the banner's
    # Disconnect ends the connection
    n2 = len(notifications())
    item = menu_item("Connect lab")
    start, start_wall = time.monotonic(), time.time()
    click(item)
    first_ping = wait_tunnel()
    status = json.loads(subprocess.run([os.environ["OSPREY"], "--json", "status", "lab"],
                                       capture_output=True, text=True).stdout.splitlines()[0])
    figures.append("Connect clicked (stored secret) to connected: %.3f s, to first ping: %.3f s" % (
        status["since"] / 1e6 - start_wall, first_ping - start))
    if find(app(), "VPN login: lab", "dialog"):
        fail("a password dialog though the keyring has the password")
    wait_notification("Connected to lab", n2)
    b = dialog("Message from the gateway of lab")
    click(find(b, "Disconnect", "push button"))
    wait_notification("Disconnected from lab", n2)
    wait_tunnel_down()
    note("keyring answer, banner Disconnect")


def phase_restart():
    # the daemon restarted: the menu shows its profile again and the agent
    # is registered with the new daemon (the keyring answers through it)
    n0 = len(notifications())
    menu_item("lab: Disconnected")
    menu_click("Connect lab")
    wait_tunnel()
    click(find(dialog("Message from the gateway of lab"), "Accept", "push button"))
    wait_notification("Connected to lab", n0)
    menu_click("Disconnect lab")
    wait_tunnel_down()
    close_menu()
    note("after the daemon's restart: connected through the re-registered agent")

    # a stored password the gateway rejects is cleared and asked for
    keyring_store("stale-password")
    menu_click("Connect lab")
    d, entry = password_dialog(expect_retry=True)
    if keyring() is not None:
        fail("the rejected password is still in the keyring")
    screenshot("password-rejected-keyring")
    click(find(d, "Cancel", "push button"))
    wait_for("the dialog to close", lambda: not find(app(), "VPN login: lab", "dialog"), 10)
    menu_item("lab: Disconnected")
    close_menu()
    note("a rejected stored password is cleared from the keyring and asked for")


# ---- two: two tunnels at once (lab as alice for 198.51.100.0/25, bob as
# bob for 198.51.100.128/25; tray-lab.sh sets them up)

SECOND_HOST = "198.51.100.129"


def details_window():
    for f in app().findChildren(lambda x: x.roleName == "frame" and x.showing and
                                x.name.startswith("Osprey VPN details: ")):
        return f
    return None


def details_shown(w, name):
    """(address, interface) once the details window shows name's connection."""
    wait_for("the details of " + name, lambda: w.name == "Osprey VPN details: " + name, 10)
    addr = wait_for("the address in the details of " + name,
                    lambda: (lambda a: a if re.match(r"198\.18\.1\.\d+$", a) else None)(
                        text_of(find(w, "Address in the VPN", "label"))))
    screenshot("details-" + name)
    return addr, text_of(find(w, "Interface", "label"))


def choose(combo, name):
    combo.doActionNamed("press")
    click(wait_for(repr(name) + " in " + combo.name, lambda: find(combo, name, "menu item"), 10))


def phase_two():
    n0 = len(notifications())
    menu_click("Connect lab")
    d, entry = password_dialog(expect_retry=False)
    entry.text = PASSWORD
    if find(d, "Remember in the keyring", "check box").checked:
        click(find(d, "Remember in the keyring", "check box"))  # sni asks again
    click(find(d, "Connect", "push button"))
    click(find(dialog("Message from the gateway of lab"), "Accept", "push button"))
    wait_notification("Connected to lab", n0)
    wait_tunnel()

    # bob as the gateway sends it (198.51.100.0/24) overlaps lab's routes:
    # refused, and the tray says why
    n1 = len(notifications())
    menu_click("Connect bob")
    n = wait_notification("Could not connect to bob", n1)
    if "conflict" not in n["body"]:
        fail("the refused second tunnel's notification does not say why: %r" % n)
    if not tunnel_up():
        fail("lab's tunnel went down when bob was refused")
    note("a second tunnel with overlapping routes: %r" % n["body"])

    # with its own networks bob comes up beside lab
    subprocess.run([os.environ["OSPREY"], "set", "bob", "target-networks=198.51.100.128/25"],
                   check=True, stdout=subprocess.DEVNULL)
    n2 = len(notifications())
    menu_click("Connect bob")
    click(find(dialog("Message from the gateway of bob"), "Accept", "push button"))
    wait_notification("Connected to bob", n2)
    wait_tunnel(host=SECOND_HOST)
    if tunnel_dev() == tunnel_dev(SECOND_HOST):
        fail("both networks through %s" % tunnel_dev())
    if not tunnel_up():
        fail("lab's tunnel went down when bob came up")
    open_menu()
    for want in ("lab: Connected, less than a minute", "bob: Connected, less than a minute",
                 "Disconnect lab", "Disconnect bob"):
        wait_for("%r in the menu" % want, lambda: find(app(), want, "menu item"), 10)
    screenshot("menu-two")
    close_menu()
    # Details… shows one of them, and a choice between both
    click(menu_item("Details…"))
    w = wait_for("the details window", details_window, 20)
    combo = wait_for("the choice of connection", lambda: (
        lambda n: n if n and n.showing else None)(find(w, "Connection", "combo box")), 10)
    names = [n.name for n in combo.findChildren(lambda x: x.roleName == "menu item")]
    if names != ["lab", "bob"] and names != ["bob", "lab"]:
        fail("details: the connections to choose from are %r" % names)
    first = w.name.split(": ", 1)[1]
    other = "bob" if first == "lab" else "lab"
    shown = {first: details_shown(w, first)}
    choose(combo, other)
    shown[other] = details_shown(w, other)
    click(find(w, "Close", "push button"))
    wait_for("the details window to close", lambda: not details_window(), 10)
    (lab_addr, lab_dev), (bob_addr, bob_dev) = shown["lab"], shown["bob"]
    if lab_addr == bob_addr or lab_dev != tunnel_dev() or bob_dev != tunnel_dev(SECOND_HOST):
        fail("details: lab %s on %s, bob %s on %s" % (lab_addr, lab_dev, bob_addr, bob_dev))
    note("two tunnels: lab %s on %s, bob %s on %s, both pinging" % (
        lab_addr, lab_dev, bob_addr, bob_dev))

    # disconnecting one leaves the other up
    n3 = len(notifications())
    menu_click("Disconnect bob")
    wait_notification("Disconnected from bob", n3)
    wait_for("bob's tunnel to go", lambda: tunnel_dev(SECOND_HOST) is None, 20)
    for _ in range(5):
        if not tunnel_up():
            fail("lab stopped pinging when bob disconnected")
    menu_item("bob: Disconnected")
    menu_item("lab: Connected, less than a minute")
    close_menu()
    note("bob disconnected, lab still pinging through " + tunnel_dev())
    menu_click("Disconnect lab")
    wait_tunnel_down()
    close_menu()


def osprey_json(*args):
    out = subprocess.run([os.environ["OSPREY"], "--json"] + list(args), capture_output=True,
                         text=True).stdout
    return json.loads(out.splitlines()[0]) if out.strip() else None


def profile_names():
    return subprocess.run([os.environ["OSPREY"], "-q", "list"], capture_output=True,
                          text=True).stdout


def phase_editor():
    click(menu_item("Profiles…"))
    w = wait_for("the profile editor", lambda: find(app(), "Osprey VPN profiles", "frame"), 20)
    gateway = wait_for("lab's gateway in the form",
                       lambda: text_of(find(w, "Gateway", "text")) or None, 10)
    if gateway != "192.0.2.1" or text_of(find(w, "Group name", "text")) != "osprey-lab" or \
            text_of(find(w, "User name", "text")) != "alice":
        fail("editor: lab's settings not shown: gateway %r" % gateway)
    screenshot("profile-editor")
    find(w, "Description", "text").text = "Work VPN"
    click(find(w, "Save", "push button"))
    wait_for("the description to reach the daemon",
             lambda: "Work VPN" in json.dumps(osprey_json("show", "lab")), 10)
    note("editor: lab's settings shown, a changed description saved through Update")

    # the Advanced page: local LAN access and backup servers reach the profile
    find(w, "Advanced", "page tab").select()
    lan = wait_for("the local LAN check box",
                   lambda: find(w, "Allow local LAN access", "check box"), 10)
    click(lan)
    find(w, "Backup servers", "text").text = "vpn2.example.net 192.0.2.7"
    click(find(w, "Save", "push button"))
    wait_for("local LAN access and backup servers in the daemon's profile",
             lambda: (lambda s: s and s.get("local-lan") in (True, "true") and
                      s.get("backup-servers") == "vpn2.example.net 192.0.2.7")(profile_settings("lab")),
             10)
    screenshot("profile-editor-advanced")
    # the form takes input again once the daemon has answered the Save and
    # shows the saved profile (its Settings arrive after the answer: the form
    # showed the old ones until it followed them)
    wait_for("the form to take input again", lambda: lan.sensitive and
             find(w, "Save", "push button").sensitive, 10)
    wait_for("the saved check box shown checked",
             lambda: find(w, "Allow local LAN access", "check box").checked, 5)
    lan = find(w, "Allow local LAN access", "check box")
    click(lan)
    wait_for("the check box cleared", lambda: not lan.checked, 5)
    find(w, "Backup servers", "text").text = ""
    click(find(w, "Save", "push button"))
    wait_for("both reset", lambda: (lambda s: s and s.get("local-lan") in (None, False, "false")
                                    and not s.get("backup-servers"))(profile_settings("lab")), 10)
    find(w, "General", "page tab").select()
    note("editor: Allow local LAN access and Backup servers saved and reset from the Advanced page")

    # a new profile without a gateway: the daemon says what is wrong, inline
    click(find(w, "Add", "push button"))
    wait_for("an empty form", lambda: text_of(find(w, "Gateway", "text")) == "", 10)
    find(w, "Name", "text").text = "second"
    find(w, "Group name", "text").text = "osprey-lab"
    click(find(w, "Save", "push button"))
    def error_text():
        for n in w.findChildren(lambda x: x.roleName == "label" and "gateway is missing" in x.name):
            return n.name
        return None
    err = wait_for("the daemon's message in the editor", error_text, 10)
    screenshot("profile-editor-error")
    if "second" in profile_names():
        fail("a profile without gateway was added")
    find(w, "Gateway", "text").text = "192.0.2.77"
    click(find(w, "Save", "push button"))
    wait_for("the new profile", lambda: "second" in profile_names(), 10)
    menu_item("Connect second")  # the menu follows
    close_menu()
    note("editor: the daemon's error inline (%s); the fixed profile added and in the menu" % err)

    click(find(w, "Duplicate", "push button"))
    wait_for("the duplicate", lambda: "second-copy" in profile_names(), 10)
    click(find(w, "Delete", "push button"))
    ask = dialog("Delete profile")
    click(find(ask, "Delete", "push button"))
    wait_for("the duplicate to go", lambda: "second-copy" not in profile_names(), 10)
    note("editor: duplicate and delete")


# ---- files: Import… (menu and editor) and Export, through the GTK file
# chooser that GtkFileChooserNative falls back to without a portal

def choose_file(title, path, button):
    """Types path into the chooser titled title (Ctrl+L opens an Open
    dialog's location entry; a Save dialog's name entry takes a path) and
    presses button."""
    from dogtail import rawinput
    d = wait_for("the file chooser " + repr(title),
                 lambda: find(app(), title, "file chooser"), 20)
    screenshot("chooser-" + button.lower())

    def entry():
        for t in d.findChildren(lambda x: x.roleName == "text"):
            if t.showing and t.focused:
                return t
        return None
    if entry() is None:
        # held until the entry is there: GTK 3 sends a release that arrives
        # sooner to the entry it has not realized yet (a Gtk-CRITICAL)
        rawinput.holdKey("Control_L")
        rawinput.holdKey("l")
        try:
            wait_for("the chooser's location entry", entry, 10)
        finally:
            rawinput.releaseKey("l")
            rawinput.releaseKey("Control_L")
    e = wait_for("the chooser's location entry", entry, 10)
    e.text = path
    b = wait_for("an active " + button + " button",
                 lambda: (lambda n: n if n and n.sensitive else None)(find(d, button, "push button")),
                 10)
    click(b)
    wait_for("the chooser to close", lambda: not find(app(), title, "file chooser"), 10)


def profile_settings(name):
    p = osprey_json("show", name)
    return p["settings"] if p else None


def editor_window():
    click(menu_item("Profiles…"))
    return wait_for("the profile editor", lambda: find(app(), "Osprey VPN profiles", "frame"), 20)


def editor_error(w, start="The profile is incomplete"):
    for n in w.findChildren(lambda x: x.roleName == "label" and x.showing and
                            x.name.startswith(start)):
        return n.name
    return None


def phase_files():
    good = os.path.join(DIR, "office.conf")
    with open(good, "w") as f:
        f.write("IPSec gateway 192.0.2.88\nIPSec ID grp-office\nIPSec secret office-group\n"
                "Xauth username carol\nXauth password carol-password\n")
    pcf = os.path.join(DIR, "cisco-example.pcf")
    with open(os.path.join(os.environ["OSPREY_TEST_DATA"], "cisco-example.pcf"), "rb") as src, \
            open(pcf, "wb") as dst:
        dst.write(src.read())
    bad = os.path.join(DIR, "broken.conf")
    with open(bad, "w") as f:
        f.write("this is no profile\nnor is this\n")

    # Import… in the menu: a notification, the profile in the daemon
    n0 = len(notifications())
    click(menu_item("Import…"))
    choose_file("Import a VPN profile", good, "Import")
    wait_notification("Imported office.conf", n0)
    s = wait_for("the imported profile", lambda: profile_settings("office"), 10)
    if s.get("gateway") != "192.0.2.88" or s.get("group-id") != "grp-office" or \
            s.get("username") != "carol":
        fail("office imported as %r" % s)
    menu_item("Connect office")
    close_menu()
    note("Import… in the menu: office.conf is profile office, gateway 192.0.2.88, group grp-office")

    before = profile_names()
    n1 = len(notifications())
    click(menu_item("Import…"))
    choose_file("Import a VPN profile", bad, "Import")
    n = wait_notification("Could not import broken.conf", n1)
    if "neither a vpnc configuration file" not in n["body"]:
        fail("the failed import does not say why: %r" % n["body"])
    if profile_names() != before:
        fail("a bad file changed the profiles: %r" % profile_names())
    note("Import… of a bad file: %r, nothing created" % n["body"])

    # Import… in the editor: the new profile shown, a refusal inline
    w = editor_window()
    click(find(w, "Import", "push button"))
    choose_file("Import a VPN profile", pcf, "Import")
    wait_for("the .pcf's gateway in the form",
             lambda: text_of(find(w, "Gateway", "text")) == "vpn.example.com", 10)
    if text_of(find(w, "Name", "text")) != "cisco-example" or \
            text_of(find(w, "Group name", "text")) != "examplegroup":
        fail("editor: the imported .pcf is not shown")
    s = profile_settings("cisco-example")
    if not s or s.get("gateway") != "vpn.example.com" or s.get("group-id") != "examplegroup":
        fail("cisco-example.pcf imported as %r" % s)
    note("Import… in the editor: cisco-example.pcf shown and in the daemon")

    before = profile_names()
    click(find(w, "Import", "push button"))
    choose_file("Import a VPN profile", bad, "Import")
    err = wait_for("the daemon's refusal in the editor",
                   lambda: editor_error(w, "Could not import broken.conf\n"), 10)
    if "neither a vpnc configuration file" not in err:
        fail("editor: the refusal does not say why: %r" % err)
    screenshot("profile-editor-import-error")
    if profile_names() != before:
        fail("a bad file changed the profiles: %r" % profile_names())
    note("Import… in the editor of a bad file: inline, nothing created")

    # Export: cisco-example (its secrets are stored) as a vpnc .conf
    out = os.path.join(DIR, "exported.conf")
    click(find(w, "Export", "push button"))
    choose_file("Export the profile", out, "Export")
    text = wait_for("the exported file", lambda: open(out, encoding="utf-8").read(), 10)
    lines = text.splitlines()
    for want in ("IPSec gateway vpn.example.com", "IPSec ID examplegroup", "Xauth username jdoe"):
        if want not in lines:
            fail("export: no %r in %r" % (want, text))
    if re.search(r"(?im)^\s*(IPSec (obfuscated )?secret|Xauth (obfuscated )?password)", text):
        fail("export: the file has secrets: %r" % text)
    if os.stat(out).st_mode & 0o077:
        fail("export: the file is readable by others")
    r = subprocess.run([os.environ["OSPREY"], "import", out, "--name", "reimported"],
                       capture_output=True, text=True)
    s = profile_settings("reimported")
    if r.returncode != 0 or not s or s.get("gateway") != "vpn.example.com" or \
            s.get("group-id") != "examplegroup":
        fail("osprey import of the exported file: %d %s %r" % (r.returncode, r.stderr, s))
    note("Export: %d lines, no secrets, `osprey import` takes it back" % len(lines))

    click(find(w, "Close", "push button"))
    wait_for("the editor to close", lambda: not find(app(), "Osprey VPN profiles", "frame"), 10)


# ---- certs: the authentication choice shows the rows that apply, the
# secrets where the engine asks for them (group password: psk; the key's
# passphrase: cert); every certificate setting reaches the daemon's profile
# (a file through the chooser its Choose… button opens); a stored group
# password stays, unused, when the profile switches to certificates

CERT_ROWS = (("CA file", "text"), ("Client certificate", "text"), ("Group name", "text"),
             ("Group password", "label"), ("Group password", "password text"),
             ("Group password: ask each time", "check box"),
             ("Passphrase of the client key", "password text"),
             ("Password", "password text"))


def phase_certs():
    def shown(w):
        return tuple(find(w, name, role) is not None for name, role in CERT_ROWS)

    def saved():
        return (osprey_json("show", "certs") or {}).get("saved-secrets") or []

    w = editor_window()
    click(find(w, "Add", "push button"))
    wait_for("an empty form", lambda: text_of(find(w, "Gateway", "text")) == "", 10)
    find(w, "Name", "text").text = "certs"
    find(w, "Gateway", "text").text = "192.0.2.99"
    find(w, "Group name", "text").text = "certs-group"
    auth = find(w, "Authentication", "combo box")
    T, F = True, False
    rows = {"psk": (F, F, T, T, T, T, F, T), "hybrid": (T, F, T, F, F, F, F, T),
            "cert": (T, T, F, F, F, F, T, T)}
    names = {"psk": "Group password", "hybrid": "Certificate of the gateway (hybrid)",
             "cert": "Certificates on both sides"}
    for mode in ("hybrid", "cert", "psk"):
        choose(auth, names[mode])
        try:
            wait_for("the rows of %s" % mode, lambda: shown(w) == rows[mode], 5)
        except SystemExit:
            print("# %s: shown %r, want %r (%r)" % (mode, shown(w), rows[mode], CERT_ROWS),
                  file=sys.stderr)
            raise
        screenshot("profile-editor-" + mode)
    note("editor: the rows follow the authentication: group name but with cert, group "
         "password with psk, CA with hybrid and cert, client certificate and key passphrase "
         "with cert")

    # psk: the group password stored
    find(w, "Group password", "password text").text = "certs-group-secret"
    click(find(w, "Group password: ask each time", "check box"))
    click(find(w, "Save", "push button"))
    wait_for("the group password stored", lambda: "group-secret" in saved(), 10)
    # "ask each time" ticked would forget it, but not once its row is hidden
    try:
        ask = wait_for("the stored group password's row",
                       lambda: (lambda c: c if c and not c.checked else None)(
                           find(w, "Group password: ask each time", "check box")), 10)
    except SystemExit:
        c = find(w, "Group password: ask each time", "check box", showing=False)
        print("# rows %r, ask box %r checked %r showing %r, saved %r" % (
            shown(w), c, c and c.checked, c and c.showing, saved()), file=sys.stderr)
        raise
    click(ask)
    choose(auth, names["cert"])
    wait_for("the rows of cert", lambda: shown(w) == rows["cert"], 5)
    ca = os.path.join(DIR, "ca.pem")
    with open(ca, "w") as f:
        f.write("-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n")
    click(wait_for("the CA file's Choose… button",
                   lambda: find(w, "CA file: choose a file", "push button"), 5))
    choose_file("CA file", ca, "Open")
    wait_for("the chosen CA file in the form",
             lambda: text_of(find(w, "CA file", "text")) == ca, 10)
    click(find(w, "Also trust the system's certificate authorities", "check box"))
    find(w, "Gateway ID", "text").text = "CN=vpn.example.com"
    find(w, "Client certificate", "text").text = "/etc/osprey/alice.pem"
    find(w, "Client key", "text").text = "/etc/osprey/alice.key"
    # every kind ospreyd stores has its row: the key's passphrase too, saved
    # through SetSecrets like the group password
    find(w, "Passphrase of the client key", "password text").text = "p12-passphrase"
    click(find(w, "Passphrase of the client key: ask each time", "check box"))
    find(w, "Advanced", "page tab").select()
    choose(wait_for("the exchange mode", lambda: find(w, "Exchange mode", "combo box"), 5),
           "Main mode")
    choose(find(w, "IPv6 inside", "combo box"), "yes")
    find(w, "CRL file", "text").text = "/etc/osprey/gateway.crl"
    screenshot("profile-editor-advanced-cert")
    find(w, "General", "page tab").select()
    click(find(w, "Save", "push button"))
    want = {"auth-mode": "cert", "ca-file": ca, "ca-system": True,
            "gateway-id": "CN=vpn.example.com", "client-cert": "/etc/osprey/alice.pem",
            "client-key": "/etc/osprey/alice.key", "exchange-mode": "main",
            "ipv6-inside": "yes", "crl-file": "/etc/osprey/gateway.crl"}

    def settings_saved():
        s = profile_settings("certs") or {}
        return s if all(s.get(k) in (v, "true" if v is True else v) for k, v in want.items()) \
            else None
    try:
        wait_for("the certificate settings in the daemon's profile", settings_saved, 10)
        wait_for("the key's passphrase stored", lambda: "key-passphrase" in saved(), 10)
    except SystemExit:
        print("# certs: %r (error %r)" % (profile_settings("certs"), editor_error(w, "")),
              file=sys.stderr)
        raise
    note("editor: auth-mode cert, CA file (chooser), system CAs, gateway ID, client certificate "
         "and key, exchange mode, IPv6 inside and CRL file saved; the key's passphrase stored "
         "from its own row")
    if "group-secret" not in saved():
        fail("switched to certificates, the stored group password was forgotten: %r" % saved())
    # back to psk (not saved): the group password's row again, still stored
    wait_for("the form reloaded in cert mode", lambda: shown(w) == rows["cert"], 10)
    choose(auth, names["psk"])
    wait_for("the rows of psk again", lambda: shown(w) == rows["psk"], 5)
    if find(w, "Group password: ask each time", "check box").checked:
        fail("back to psk: the stored group password's row says ask each time")
    note("editor: the stored group password kept, unused, in cert mode (saved: %s); its row "
         "back with psk" % ", ".join(saved()))
    click(find(w, "Close", "push button"))
    wait_for("the editor to close", lambda: not find(app(), "Osprey VPN profiles", "frame"), 10)


# ---- busy: the editor's calls are asynchronous; ospreyd stopped (SIGSTOP)
# keeps a call pending as a polkit prompt would

def spinner(w):
    n = find(w, "Waiting for the Osprey VPN service…", "animation")
    return n if n and n.showing else None


def phase_busy():
    pid = int(os.environ["OSPREYD_PID"])
    w = editor_window()
    wait_for("token in the form", lambda: text_of(find(w, "Name", "text")) == "token", 10)
    find(w, "Description", "text").text = "slow save"
    os.kill(pid, signal.SIGSTOP)
    try:
        click(find(w, "Save", "push button"))
        # the window still answers over AT-SPI and shows the call pending
        wait_for("the spinner while the call is pending", lambda: spinner(w), 10)
        if find(w, "Save", "push button").sensitive:
            fail("Save is still sensitive while its call is pending")
        if text_of(find(w, "Gateway", "text")) != "192.0.2.77":
            fail("the form is not readable while the call is pending")
        screenshot("profile-editor-busy")
    finally:
        os.kill(pid, signal.SIGCONT)
    wait_for("the spinner to stop", lambda: not spinner(w), 20)
    if not find(w, "Save", "push button").sensitive:
        fail("Save stays insensitive after the call returned")
    if profile_settings("token").get("description") != "slow save":
        fail("the slow save did not reach the daemon")
    note("a pending Update: spinner, form insensitive and readable; done once ospreyd answers")

    # closing the window cancels a pending call; reopened, it is usable
    find(w, "Description", "text").text = "closed meanwhile"
    os.kill(pid, signal.SIGSTOP)
    try:
        click(find(w, "Save", "push button"))
        wait_for("the spinner", lambda: spinner(w), 10)
        click(find(w, "Close", "push button"))
        wait_for("the editor to close while its call is pending",
                 lambda: not find(app(), "Osprey VPN profiles", "frame"), 10)
    finally:
        os.kill(pid, signal.SIGCONT)
    w = editor_window()
    if spinner(w) or not find(w, "Save", "push button").sensitive:
        fail("the reopened editor is still busy")
    if editor_error(w) or find(w, "Close", "push button") is None:
        fail("the reopened editor shows an error")
    click(find(w, "Close", "push button"))
    note("Close while a call is pending: cancelled, the editor reopens usable")


def phase_token():
    # ospreyd-fake's token gateway (tests/gui/tray-fake.sh): its prompt, the
    # token code field only, the right code connects
    n0 = len(notifications())
    menu_click("Connect token")
    d = dialog("VPN login: token")
    wait_for("the gateway's prompt", lambda: find(d, "Enter the code shown on your token", "label"))
    for other in ("Password", "User name", "Group password"):
        if find(d, other, "password text", showing=False) or find(d, other, "text", showing=False):
            fail("the token dialog asks for %s too" % other)
    entry = find(d, "Token code", "password text")
    if entry is None:
        fail("no Token code field")
    if find(d, "Remember in the keyring", "check box").checked:
        fail("Remember is on for a one-time code")
    screenshot("token-dialog")
    entry.text = "good"
    click(find(d, "Connect", "push button"))
    wait_notification("Connected to token", n0)
    click(find(dialog("Message from the gateway of token"), "Accept", "push button"))
    menu_click("Disconnect token")
    wait_notification("Disconnected from token", n0)
    note("token code: the gateway's prompt, one field, connected")

    # a gateway that does not answer: the failure's sentence, and Retry
    # (the notification server invokes the action) tries again
    n1 = len(notifications())
    menu_click("Connect unreach")
    n = wait_notification("Could not connect to unreach", n1)
    if n["body"] != "The gateway could not be reached." or '"Retry"' not in n["actions"]:
        fail("failure notification: %r" % n)
    n2 = len(notifications())
    subprocess.run(["gdbus", "call", "--session", "-d", "org.freedesktop.Notifications",
                    "-o", "/org/freedesktop/Notifications", "-m",
                    "org.freedesktop.DBus.Mock.EmitSignal", "org.freedesktop.Notifications",
                    "ActionInvoked", "us",
                    "[<uint32 %d>, <'app.connect::unreach'>]" % n["id"]],
                   check=True, stdout=subprocess.DEVNULL)
    wait_notification("Could not connect to unreach", n2)
    note("failure: %r with Retry; Retry connected again" % n["body"])


def phase_passphrase():
    # ospreyd-fake asks a certificate profile for its key passphrase, alone;
    # a wrong one fails with bad-key-passphrase and the tray asks again,
    # saying so; the right one connects (after the XAUTH password)
    n0 = len(notifications())
    menu_click("Connect keyed")
    d = dialog("VPN login: keyed")
    entry = wait_for("the passphrase field",
                     lambda: find(d, "Passphrase of the client key", "password text"))
    for other in ("Password", "User name", "Group password"):
        if find(d, other, "password text", showing=False) or find(d, other, "text", showing=False):
            fail("the passphrase dialog asks for %s too" % other)
    if find(d, "The gateway did not accept your answer. Try again.", "label"):
        fail("a first dialog says the answer was rejected")
    remember = find(d, "Remember in the keyring", "check box")
    if remember.checked:
        click(remember)
    entry.text = "not it"
    click(find(d, "Connect", "push button"))
    wait_for("the first dialog to close", lambda: not find(app(), "VPN login: keyed", "dialog"), 10)
    d = dialog("VPN login: keyed")
    wait_for("the rejection said", lambda: find(d, "The gateway did not accept your answer. Try again.",
                                                "label"))
    entry = wait_for("the passphrase asked again",
                     lambda: find(d, "Passphrase of the client key", "password text"))
    screenshot("passphrase-rejected")
    entry.text = "good"
    click(find(d, "Connect", "push button"))
    d = wait_for("the password dialog", lambda: find(app(), "VPN login: keyed", "dialog") and
                 find(find(app(), "VPN login: keyed", "dialog"), "Password", "password text") and
                 find(app(), "VPN login: keyed", "dialog"), 20)
    find(d, "Password", "password text").text = "good"
    click(find(d, "Connect", "push button"))
    wait_notification("Connected to keyed", n0)
    click(find(dialog("Message from the gateway of keyed"), "Accept", "push button"))
    menu_click("Disconnect keyed")
    wait_notification("Disconnected from keyed", n0)
    note("key passphrase: asked alone, a wrong one asked again saying so, connected")


def phase_sni():
    sys.path.insert(0, HERE)
    import sni_host
    host = sni_host.Host()
    pid_file = os.path.join(DIR, "tray-sni.pid")
    tray = subprocess.Popen([os.environ["OSPREY_TRAY"]], env=dict(os.environ, G_MESSAGES_DEBUG="osprey-tray"),
                            stdout=open(os.path.join(DIR, "tray-sni.log"), "w"),
                            stderr=subprocess.STDOUT)
    with open(pid_file, "w") as f:
        f.write(str(tray.pid))
    try:
        item = host.wait_item(20)
        props = host.item_properties(item)
        note("item: Id=%s Status=%s IconName=%s Title=%s" % (
            props.get("Id"), props.get("Status"), props.get("IconName"), props.get("Title")))
        if props.get("IconName") != "osprey-disconnected" or props.get("Status") != "Active":
            fail("SNI item: %r" % props)
        if "lab: Disconnected" not in props.get("Title", ""):
            fail("SNI title: %r" % props.get("Title"))
        labels = host.menu_labels(item, props["Menu"])
        for want in ("lab: Disconnected", "Connect lab", "Details…", "Import…", "Quit"):
            if want not in labels:
                fail("dbusmenu layout lacks %r: %r" % (want, labels))
        host.click(item, props["Menu"], "Connect lab")
        # the keyring lost its password in the restart phase: asked again
        d, entry = password_dialog(expect_retry=False)
        entry.text = PASSWORD
        click(find(d, "Connect", "push button"))
        wait_tunnel()
        host.wait_property(item, "IconName", "osprey-connected", 20)
        props = host.item_properties(item)
        if props.get("Status") != "Active" or "lab: Connected" not in props.get("Title", ""):
            fail("SNI item once connected: %r" % props)
        click(find(dialog("Message from the gateway of lab"), "Accept", "push button"))
        host.wait_label(item, props["Menu"], "Disconnect lab", 10)
        host.click(item, props["Menu"], "Disconnect lab")
        wait_tunnel_down()
        host.wait_property(item, "IconName", "osprey-disconnected", 20)
        note("SNI: item properties, dbusmenu layout, Connect and Disconnect through Event")
        host.click(item, props["Menu"], "Quit")
        if tray.wait(10) != 0:
            fail("osprey-tray exit status after Quit: %d" % tray.returncode)
    finally:
        if tray.poll() is None:
            tray.terminate()
            tray.wait(10)
        os.unlink(pid_file)


def main():
    phases = {"xembed": phase_xembed, "restart": phase_restart, "editor": phase_editor,
              "sni": phase_sni, "token": phase_token, "passphrase": phase_passphrase, "files": phase_files, "busy": phase_busy,
              "certs": phase_certs,
              "two": phase_two}
    phases[sys.argv[1]]()
    for f in figures:
        note("figure: " + f)
    note("PASS " + sys.argv[1])


if __name__ == "__main__":
    main()
