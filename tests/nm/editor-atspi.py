#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""The GTK 3 Osprey connection editor driven from outside, over AT-SPI
(dogtail), as a person with a screen reader or nm-connection-editor's user
would, under the private session of gui-editors.sh:

  editor-atspi.py PLUGIN_SO PCF SCREENSHOT

A second process (this file with --host) shows the editor of the imported
PCF in a window and, asked on its stdin, writes what update_connection
made of the widgets (vpn.data, as JSON).  The driver, knowing only the
accessible names, opens Advanced…, types an MTU and a DPD interval, ticks
the weak DH groups, presses OK, and reads the connection back; then a
Cancel leaves it alone.  TAP output."""
import json
import os
import subprocess
import sys
import time

SERVICE = "org.freedesktop.NetworkManager.osprey"
APP = "osprey-nm-editor-test"


def host(plugin_so, pcf):
    import gi

    gi.require_version("Gtk", "3.0")
    gi.require_version("NM", "1.0")
    from gi.repository import GLib, Gtk, NM

    GLib.set_prgname(APP)
    Gtk.init([])
    plugin = NM.VpnEditorPlugin.load_from_file(plugin_so, SERVICE, -1, lambda *a: True, None)
    conn = plugin.import_(pcf)
    editor = plugin.get_editor(conn)
    window = Gtk.Window(title="Osprey connection")
    window.add(editor.get_widget())
    window.show_all()

    def on_stdin(channel, condition):
        line = channel.readline()
        if not line or line.strip() == "quit":
            Gtk.main_quit()
            return False
        try:
            ok = editor.update_connection(conn)
            error = ""
        except GLib.Error as e:
            ok, error = False, e.message
        s = conn.get_setting_vpn()
        out = {"ok": ok, "error": error,
               "data": {k: s.get_data_item(k) for k in s.get_data_keys()}}
        print(json.dumps(out), flush=True)
        return True

    GLib.io_add_watch(GLib.IOChannel.unix_new(sys.stdin.fileno()), GLib.IO_IN | GLib.IO_HUP,
                      on_stdin)
    print("ready", flush=True)
    Gtk.main()


n = 0
failed = 0


def result(ok, text):
    global n, failed
    n += 1
    print(("ok" if ok else "not ok") + f" {n} - AT-SPI: {text}", flush=True)
    if not ok:
        failed += 1


def drive(plugin_so, pcf, shot):
    from dogtail.config import config

    config.checkForA11y = False  # the session's AT-SPI bus is the test's own
    config.searchCutoffCount = 5
    config.defaultDelay = 0.2
    config.actionDelay = 0
    config.logDebugToFile = False
    config.logDebugToStdOut = False  # its "click on ..." lines are not TAP
    from dogtail import tree

    proc = subprocess.Popen([sys.executable, __file__, "--host", plugin_so, pcf],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)

    def wait_for(fn, timeout=20.0):
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            try:
                v = fn()
            except Exception:  # nodes come and go while windows map
                v = None
            if v:
                return v
            time.sleep(0.1)
        return None

    def find(parent, name, role):
        for node in parent.findChildren(lambda x: x.name == name and x.roleName == role):
            if node.showing:
                return node
        return None

    def labelled(parent, label):
        """The field a label names (its label-for relation, as a screen
        reader reads it)."""
        node = find(parent, label, "label")
        return node.labelee if node is not None else None

    def connection():
        proc.stdin.write("save\n")
        proc.stdin.flush()
        return json.loads(proc.stdout.readline())

    try:
        result(proc.stdout.readline().strip() == "ready", "the editor's window is up")
        app = wait_for(lambda: tree.root.application(APP))
        result(app is not None, "the editor is on the AT-SPI bus")
        if app is None:
            return
        adv = wait_for(lambda: find(app, "Advanced…", "push button"))
        result(adv is not None, "an Advanced… push button")
        if adv is None:
            return
        adv.doActionNamed("click")
        win = wait_for(lambda: find(app, "Advanced VPN Options", "frame"))
        result(win is not None, "Advanced… opens the window \"Advanced VPN Options\"")
        if win is None:
            return
        mtu = wait_for(lambda: labelled(win, "MTU"))
        dpd = labelled(win, "Dead peer detection interval (seconds)")
        weak = find(win, "Allow weak DH groups (MODP-1024, MODP-1536)", "check box")
        result(None not in (mtu, dpd, weak), "its fields are found by their labels")
        if None in (mtu, dpd, weak):
            return
        mtu.text = "1380"
        dpd.text = "45"
        weak.doActionNamed("click")
        wait_for(lambda: weak.checked and dpd.text == "45", 5)
        time.sleep(0.3)  # drawn, for the screenshot
        subprocess.run(["import", "-window", "root", shot], check=False)
        find(win, "OK", "push button").doActionNamed("click")
        wait_for(lambda: not win.showing, 5)
        got = connection()
        data = got["data"]
        result(got["ok"] and data.get("Interface MTU") == "1380"
               and data.get("DPD idle timeout (our side)") == "45"
               and data.get("Enable weak DH group") == "yes",
               "OK: the values typed are in the connection's vpn.data "
               f"(MTU {data.get('Interface MTU')}, DPD {data.get('DPD idle timeout (our side)')}, "
               f"weak DH {data.get('Enable weak DH group')})")
        adv.doActionNamed("click")
        wait_for(lambda: win.showing, 5)
        mtu.text = "1200"
        find(win, "Cancel", "push button").doActionNamed("click")
        wait_for(lambda: not win.showing, 5)
        result(connection()["data"].get("Interface MTU") == "1380",
               "Cancel: the connection keeps the earlier MTU")
    finally:
        try:
            proc.stdin.write("quit\n")
            proc.stdin.flush()
        except BrokenPipeError:
            pass
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        print(f"1..{n}")


def main():
    if sys.argv[1] == "--host":
        host(sys.argv[2], sys.argv[3])
        return 0
    drive(sys.argv[1], sys.argv[2], sys.argv[3])
    return 1 if failed or n == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
