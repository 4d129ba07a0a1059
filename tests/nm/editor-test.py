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
same vpn.data.  SCREENSHOT is the editor's window, taken with
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
    result(len(icons) == 2 and all(icons), f"both password entries have a storage menu ({icons})")
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
    print(f"1..{n}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
