#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""The Osprey connection editor as NetworkManager's UIs load it, under the
display in $DISPLAY (gui-editors.sh starts a private Xvfb):

  editor-test.py GTK_VERSION PLUGIN_SO PCF SCREENSHOT

GTK_VERSION 3 or 4 picks the toolkit (and so which editor module the
plugin loads).  Checks, as TAP: the plugin imports PCF; its editor shows the
imported values; an edit reaches the connection through update_connection
and emits "changed"; both passwords carry libnma's storage menu, and an
"ask every time" password is not kept in the connection; Advanced… opens a
window whose values (found by their labels, as a screen reader does) reach
vpn.data on OK and not on Cancel, and a bad one is refused; an empty
gateway is refused; export and import of the edited connection give the
same vpn.data; the authentication choice shows the rows that apply (a
screenshot of each, SCREENSHOT with -psk, -hybrid, -cert), every
certificate setting reaches vpn.data or vpn.secrets and a new editor on the
connection shows them again.  SCREENSHOT is the editor's window, taken with
ImageMagick's `import` (and SCREENSHOT with -advanced: that window)."""
import os
import subprocess
import sys
import tempfile

import gi

gtk_version = sys.argv[1]
gi.require_version("Gtk", "3.0" if gtk_version == "3" else "4.0")
gi.require_version("NM", "1.0")
from gi.repository import GLib, Gtk, NM  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from editor_widgets import (advanced_window, button, find_all, find_entries,  # noqa: E402
                            iterate, labelled, type_in_advanced)

SERVICE = "org.freedesktop.NetworkManager.osprey"
n = 0
failed = 0


def result(ok, text):
    global n, failed
    n += 1
    print(("ok" if ok else "not ok") + f" {n} - GTK {gtk_version}: {text}", flush=True)
    if not ok:
        failed += 1


def update(editor, conn):
    """editor.update_connection(conn): (accepted, the error's message)."""
    try:
        return editor.update_connection(conn), ""
    except GLib.Error as e:
        print(f"# update_connection: {e.message}")
        return False, e.message


def data(conn):
    s = conn.get_setting_vpn()
    return {k: s.get_data_item(k) for k in s.get_data_keys() if not k.endswith("-flags")}


def mapped(root, label):
    w = labelled(root, label)
    return w is not None and w.get_mapped()


def certificates(plugin, editor, widget, conn, adv, shot):
    """The authentication choice and the certificate settings."""
    auth = labelled(widget, "Aut_hentication")
    result(auth is not None and auth.get_active_id() == "psk",
           "the authentication is the group password by default")
    rows = {"psk": (True, True, False, False), "hybrid": (True, False, True, False),
            "cert": (False, False, True, True)}
    for mode, want in rows.items():
        auth.set_active_id(mode)
        iterate(0.5)
        got = tuple(mapped(widget, lab) for lab in ("Group _name", "Group pass_word", "_CA file",
                                                    "Client c_ertificate"))
        result(got == want, f"{mode}: group name, group password, CA, client certificate "
               f"shown {got}")
        subprocess.run(["import", "-window", "root", shot.replace(".png", f"-{mode}.png")],
                       check=False)
    # a group password typed, then hidden by the switch to certificates:
    # the connection keeps the one it had
    group_before = conn.get_setting_vpn().get_secret("IPSec secret")
    auth.set_active_id("psk")
    labelled(widget, "Group pass_word").set_text("typed-then-hidden")
    auth.set_active_id("cert")
    iterate(0.3)
    with tempfile.TemporaryDirectory() as d:
        files = {k: os.path.join(d, k + ".pem") for k in ("ca", "cert", "key", "crl")}
        want = {"IKE Authmode": "cert", "CA-File": files["ca"], "CA-System": "yes",
                "Gateway ID": "CN=vpn.example.com", "Client certificate": files["cert"],
                "Client key": files["key"], "CRL-File": files["crl"], "Exchange mode": "main",
                "IPv6 inside": "yes"}
        labelled(widget, "_CA file").set_text(files["ca"])
        next(c for c in find_all(widget, Gtk.CheckButton, [])
             if c.get_label() == "Also trust the _system's certificate authorities"
             ).set_active(True)
        labelled(widget, "Gatewa_y ID").set_text("CN=vpn.example.com")
        labelled(widget, "Client c_ertificate").set_text(files["cert"])
        labelled(widget, "Client _key").set_text(files["key"])
        labelled(widget, "Key passph_rase").set_text("key-pass-1")
        labelled(widget, "Group _name").set_text("")  # not needed with certificates
        adv.emit("clicked")
        iterate(0.5)
        win = advanced_window()
        labelled(win, "E_xchange mode (phase 1)").set_active_id("main")
        labelled(win, "IPv_6 inside the tunnel").set_active_id("yes")
        labelled(win, "C_RL file").set_text(files["crl"])
        labelled(win, "_IKE lifetime (seconds)").set_text("3600")  # the bad one before
        iterate(0.3)
        subprocess.run(["import", "-window", "root", shot.replace(".png", "-advanced-cert.png")],
                       check=False)
        button(win, "_OK").emit("clicked")
        iterate(0.3)
        ok, _ = update(editor, conn)
        s = conn.get_setting_vpn()
        got = {k: s.get_data_item(k) for k in want}
        result(ok and got == want, f"the certificate settings reach vpn.data ({got})")
        result(s.get_secret("Client key passphrase") == "key-pass-1"
               and s.get_data_item("IPSec ID") is None,
               "the key passphrase is a secret; no group needed with certificates")
        result(s.get_secret("IPSec secret") == group_before,
               f"the group password hidden in cert mode is kept ({group_before!r}), "
               f"not what was typed ({s.get_secret('IPSec secret')!r})")
        again = plugin.get_editor(conn)
        w2 = again.get_widget()
        shown = {"IKE Authmode": labelled(w2, "Aut_hentication").get_active_id(),
                 "CA-File": labelled(w2, "_CA file").get_text(),
                 "Client certificate": labelled(w2, "Client c_ertificate").get_text(),
                 "Client key": labelled(w2, "Client _key").get_text(),
                 "Gateway ID": labelled(w2, "Gatewa_y ID").get_text(),
                 "Client key passphrase": labelled(w2, "Key passph_rase").get_text()}
        back = {"IKE Authmode": "cert", "CA-File": files["ca"], "Client certificate": files["cert"],
                "Client key": files["key"], "Gateway ID": "CN=vpn.example.com",
                "Client key passphrase": "key-pass-1"}
        result(shown == back, f"an editor on the connection shows them again ({shown})")
        c3 = NM.SimpleConnection.new_clone(conn)
        update(again, c3)
        result(data(c3) == data(conn), "and writes the same vpn.data back")
        auth.set_active_id("psk")
        ok, _ = update(editor, conn)
        result(not ok, "back to the group password, the group name is required again")


def main():
    plugin_so, pcf, shot = sys.argv[2], sys.argv[3], sys.argv[4]
    if gtk_version == "3":
        Gtk.init([])
    else:
        Gtk.init()
    plugin = NM.VpnEditorPlugin.load_from_file(plugin_so, SERVICE, -1, lambda *a: True, None)
    result(plugin is not None, "the editor plugin loads")
    conn = plugin.import_(pcf)
    result(conn.get_setting_vpn().get_data_item("IPSec gateway") == "vpn.example.com",
           "import of the .pcf")
    editor = plugin.get_editor(conn)
    module = ("libnm-vpn-plugin-osprey-editor.so" if gtk_version == "3"
              else "libnm-gtk4-vpn-plugin-osprey-editor.so")
    with open("/proc/self/maps", encoding="utf-8") as f:
        maps = f.read()
    result(module in maps and ("gtk4" in module) == ("gtk4-vpn" in maps),
           f"the plugin loaded {module} only")
    widget = editor.get_widget()
    window = Gtk.Window(title=f"Osprey editor (GTK {gtk_version})")
    if gtk_version == "3":
        window.add(widget)
        window.show_all()
    else:
        window.set_child(widget)
        window.present()
    iterate(1.5)
    entries = find_entries(widget, [])
    texts = [e.get_text() for e in entries]
    result("vpn.example.com" in texts and "examplegroup" in texts and "jdoe" in texts,
           f"the editor shows the profile ({len(entries)} entries)")
    gateway = next((e for e in entries if e.get_text() == "vpn.example.com"), None)
    changed = []
    editor.connect("changed", lambda *a: changed.append(1))
    if gateway:
        gateway.set_text("gw.example.net")
        iterate(0.3)
    result(bool(changed), "an edit emits changed")
    ok, _ = update(editor, conn)
    result(ok and conn.get_setting_vpn().get_data_item("IPSec gateway") == "gw.example.net",
           "update_connection writes the edit to vpn.data")
    result(conn.get_setting_vpn().get_secret("IPSec secret") == "GroupSecret1",
           "the group password shown is kept")
    # the password storage menus (libnma): an icon on both entries; a
    # password asked every time is not kept
    secret_entries = [e for e in entries if not e.get_visibility()]
    icons = [e.get_icon_storage_type(Gtk.EntryIconPosition.SECONDARY) != Gtk.ImageType.EMPTY
             for e in secret_entries]
    result(len(icons) == 3 and all(icons),
           f"the group, user and key passwords have a storage menu ({icons})")
    c2 = NM.SimpleConnection.new_clone(conn)
    s2 = c2.get_setting_vpn()
    s2.set_secret_flags("Xauth password", NM.SettingSecretFlags.NOT_SAVED)
    s2.add_secret("Xauth password", "typed-before")
    e2 = plugin.get_editor(c2)
    update(e2, c2)
    s2 = c2.get_setting_vpn()
    result(s2.get_data_item("Xauth password-flags") == "2"
           and s2.get_secret("Xauth password") is None,
           "a password asked every time stays so, and is not kept")

    # a connection made in the editor: its token codes and new PINs are
    # never saved (NetworkManager would write an agent's answer to disk)
    fresh = NM.SimpleConnection.new()
    fresh.add_setting(NM.SettingVpn(service_type=SERVICE))
    e3 = plugin.get_editor(fresh)
    for e in find_entries(e3.get_widget(), [])[:2]:
        e.set_text("vpn.example.org" if not e.get_text() else e.get_text())
    update(e3, fresh)
    s3 = fresh.get_setting_vpn()
    flags = [s3.get_data_item(k + "-flags") for k in ("Xauth passcode", "Xauth next PIN")]
    result(flags == ["2", "2"], f"a new connection asks token codes and new PINs each time ({flags})")

    # Advanced…
    adv = button(widget, "Ad_vanced…")
    result(adv is not None, "an Advanced… button")
    if adv:
        adv.emit("clicked")
        iterate(0.8)
    win = advanced_window()
    result(win is not None, "Advanced… opens its window")
    want = {"Interface MTU": "1300", "IKE lifetime": "3600",
            "Enable weak DH group": "yes", "Perfect Forward Secrecy": "nopfs",
            "Local LAN access": "yes", "Backup servers": "vpn2.example.net 192.0.2.7"}
    if win:
        subprocess.run(["import", "-window", "root", shot.replace(".png", "-advanced.png")],
                       check=False)
        height = win.get_allocated_height()
        result(0 < height <= 720, f"the Advanced window fits a 768-pixel screen ({height} px)")
        labelled(win, "_MTU").set_text("1300")
        labelled(win, "_IKE lifetime (seconds)").set_text("3600")
        next(c for c in find_all(win, Gtk.CheckButton, [])
             if c.get_label().startswith("Allow _weak DH")).set_active(True)
        labelled(win, "_Perfect forward secrecy (ESP)").set_active_id("nopfs")
        next(c for c in find_all(win, Gtk.CheckButton, [])
             if c.get_label() == "Allow local LAN _access").set_active(True)
        labelled(win, "_Backup servers").set_text("vpn2.example.net 192.0.2.7")
        changed.clear()
        button(win, "_OK").emit("clicked")
        iterate(0.3)
    result(win is not None and not win.get_visible() and bool(changed),
           "OK closes the window and emits changed")
    update(editor, conn)
    got = {k: conn.get_setting_vpn().get_data_item(k) for k in want}
    result(got == want, f"the advanced values reach vpn.data ({got})")
    if win:
        type_in_advanced(adv, win, "_MTU", "999", "_Cancel")
        update(editor, conn)
    result(conn.get_setting_vpn().get_data_item("Interface MTU") == "1300",
           "Cancel leaves vpn.data as it was")
    subprocess.run(["import", "-window", "root", shot], check=False)
    result(os.path.getsize(shot) > 1000 if os.path.exists(shot) else False,
           f"screenshot {os.path.basename(shot)}")
    with tempfile.TemporaryDirectory() as d:
        out = os.path.join(d, "edited.conf")
        plugin.export(out, conn)
        again = plugin.import_(out)
        result(data(again) == data(conn), "export then import: the same vpn.data")
        if data(again) != data(conn):
            print(f"# {data(conn)} != {data(again)}")
    if gateway:
        gateway.set_text("")
        iterate(0.2)
        result(not update(editor, conn)[0], "an empty gateway is refused")
        gateway.set_text("gw.example.net")
    if win:
        type_in_advanced(adv, win, "_IKE lifetime (seconds)", "an hour", "_OK")
        ok, message = update(editor, conn)
        result(not ok and "IKE lifetime" in message,
               "a bad advanced value is refused, naming the setting")
    if gateway:
        certificates(plugin, editor, widget, conn, adv, shot)
    print(f"1..{n}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
