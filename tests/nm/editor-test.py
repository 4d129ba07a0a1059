#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""The Osprey connection editor as NetworkManager's UIs load it, under the
display in $DISPLAY (gui-editors.sh starts a private Xvfb):

  editor-test.py GTK_VERSION PLUGIN_SO PCF SCREENSHOT

GTK_VERSION 3 or 4 picks the toolkit (and so which editor module the
plugin loads).  Checks, as TAP: the plugin imports PCF; its editor shows the
imported values; an edit reaches the connection through update_connection
and emits "changed"; an empty gateway is refused; export and import of the
edited connection give the same vpn.data.  SCREENSHOT is the editor's
window, taken with ImageMagick's `import`."""
import os
import subprocess
import sys
import tempfile

import gi

gtk_version = sys.argv[1]
gi.require_version("Gtk", "3.0" if gtk_version == "3" else "4.0")
gi.require_version("NM", "1.0")
from gi.repository import GLib, Gtk, NM  # noqa: E402

SERVICE = "org.freedesktop.NetworkManager.osprey"
n = 0
failed = 0


def result(ok, text):
    global n, failed
    n += 1
    print(("ok" if ok else "not ok") + f" {n} - GTK {gtk_version}: {text}", flush=True)
    if not ok:
        failed += 1


def iterate(seconds):
    ctx = GLib.MainContext.default()
    end = GLib.get_monotonic_time() + int(seconds * 1e6)
    while GLib.get_monotonic_time() < end:
        ctx.iteration(False)


def children(w):
    if gtk_version == "3":
        return w.get_children() if isinstance(w, Gtk.Container) else []
    out, c = [], w.get_first_child()
    while c:
        out.append(c)
        c = c.get_next_sibling()
    return out


def find_entries(w, found):
    if isinstance(w, Gtk.Entry):
        found.append(w)
    for c in children(w):
        find_entries(c, found)
    return found


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
    try:
        ok = editor.update_connection(conn)
    except GLib.Error as e:
        print(f"# update_connection: {e.message}")
        ok = False
    result(ok and conn.get_setting_vpn().get_data_item("IPSec gateway") == "gw.example.net",
           "update_connection writes the edit to vpn.data")
    result(conn.get_setting_vpn().get_secret("IPSec secret") == "GroupSecret1",
           "the group password shown is kept")
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
        try:
            refused = not editor.update_connection(conn)
        except GLib.Error as e:
            print(f"# refused: {e.message}")
            refused = True
        result(refused, "an empty gateway is refused")
    print(f"1..{n}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
