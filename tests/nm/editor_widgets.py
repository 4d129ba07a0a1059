# SPDX-License-Identifier: GPL-2.0-or-later
"""Finding and working the Osprey editor's widgets from inside its process,
for the tests that load it (editor-test.py, editor-nm.py).  Import after
gi.require_version("Gtk", ...): GTK 3 and GTK 4 alike."""
from gi.repository import GLib, Gtk


def iterate(seconds):
    ctx = GLib.MainContext.default()
    end = GLib.get_monotonic_time() + int(seconds * 1e6)
    while GLib.get_monotonic_time() < end:
        ctx.iteration(False)


def children(w):
    if Gtk.get_major_version() == 3:
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


def find_all(w, cls, found):
    if isinstance(w, cls):
        found.append(w)
    for c in children(w):
        find_all(c, cls, found)
    return found


def labelled(root, text):
    """The widget a label with this text (mnemonic included) names."""
    for lab in find_all(root, Gtk.Label, []):
        if lab.get_label() == text:
            return lab.get_mnemonic_widget()
    return None


def button(root, label):
    return next((b for b in find_all(root, Gtk.Button, []) if b.get_label() == label), None)


def advanced_window():
    return next((w for w in Gtk.Window.list_toplevels()
                 if w.get_title() == "Advanced VPN Options" and w.get_visible()), None)


def type_in_advanced(adv, win, label, text, button_label):
    """Opens Advanced…, types text in the entry of label, leaves with the button."""
    adv.emit("clicked")
    iterate(0.3)
    labelled(win, label).set_text(text)
    button(win, button_label).emit("clicked")
    iterate(0.3)
