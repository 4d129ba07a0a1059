#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""The GTK 3 Osprey editor on a connection NetworkManager holds, saved back
as nm-connection-editor saves it (run inside NetworkManager's namespaces,
with an X display; nm-scripted.sh):

  editor-nm.py PLUGIN_SO CONNECTION_ID MTU

Fetches the connection and its secrets over the bus, shows the editor,
opens Advanced…, types MTU in the MTU field, presses OK, and commits what
update_connection made of it to NetworkManager (to disk).  Prints "saved";
exit status 1 with the reason otherwise."""
import os
import sys

import gi

gi.require_version("Gtk", "3.0")
gi.require_version("NM", "1.0")
from gi.repository import GLib, Gtk, NM  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from editor_widgets import advanced_window, button, iterate, labelled  # noqa: E402

SERVICE = "org.freedesktop.NetworkManager.osprey"


def main():
    plugin_so, name, mtu = sys.argv[1:4]
    Gtk.init([])
    client = NM.Client.new(None)
    remote = client.get_connection_by_id(name)
    if remote is None:
        print(f"no connection {name}")
        return 1
    conn = NM.SimpleConnection.new_clone(remote)
    conn.update_secrets("vpn", remote.get_secrets("vpn", None))
    plugin = NM.VpnEditorPlugin.load_from_file(plugin_so, SERVICE, -1, lambda *a: True, None)
    editor = plugin.get_editor(conn)
    window = Gtk.Window(title=name)
    window.add(editor.get_widget())
    window.show_all()
    iterate(0.5)
    button(editor.get_widget(), "Ad_vanced…").emit("clicked")
    iterate(0.5)
    win = advanced_window()
    if win is None:
        print("Advanced… opened no window")
        return 1
    labelled(win, "_MTU").set_text(mtu)
    button(win, "_OK").emit("clicked")
    iterate(0.3)
    if not editor.update_connection(conn):
        print("update_connection refused the connection")
        return 1
    loop = GLib.MainLoop()
    outcome = []

    def done(obj, res):
        try:
            obj.update2_finish(res)
            outcome.append("saved")
        except GLib.Error as e:
            outcome.append(f"NetworkManager refused the update: {e.message}")
        loop.quit()

    remote.update2(conn.to_dbus(NM.ConnectionSerializationFlags.ALL),
                   NM.SettingsUpdate2Flags.TO_DISK, None, None, done)
    loop.run()
    print(outcome[0])
    return 0 if outcome[0] == "saved" else 1


if __name__ == "__main__":
    sys.exit(main())
