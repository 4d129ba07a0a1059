# SPDX-License-Identifier: GPL-2.0-or-later
"""A StatusNotifierWatcher and host for the tests, on the test's session
bus: it owns org.kde.StatusNotifierWatcher, accepts item registrations,
reads an item's org.kde.StatusNotifierItem properties and its
com.canonical.dbusmenu layout, and clicks menu items through Event, as a
panel (KDE, XFCE, the GNOME AppIndicator extension) does."""
import time

from gi.repository import Gio, GLib

WATCHER_XML = """
<node>
  <interface name="org.kde.StatusNotifierWatcher">
    <method name="RegisterStatusNotifierItem"><arg name="service" type="s" direction="in"/></method>
    <method name="RegisterStatusNotifierHost"><arg name="service" type="s" direction="in"/></method>
    <property name="RegisteredStatusNotifierItems" type="as" access="read"/>
    <property name="IsStatusNotifierHostRegistered" type="b" access="read"/>
    <property name="ProtocolVersion" type="i" access="read"/>
    <signal name="StatusNotifierItemRegistered"><arg type="s"/></signal>
    <signal name="StatusNotifierItemUnregistered"><arg type="s"/></signal>
    <signal name="StatusNotifierHostRegistered"/>
  </interface>
</node>
"""
ITEM_IFACE = "org.kde.StatusNotifierItem"
MENU_IFACE = "com.canonical.dbusmenu"


class Host:
    def __init__(self):
        self.bus = Gio.bus_get_sync(Gio.BusType.SESSION, None)
        self.items = []  # (bus name, object path)
        info = Gio.DBusNodeInfo.new_for_xml(WATCHER_XML).interfaces[0]
        self.bus.register_object("/StatusNotifierWatcher", info, self._call, self._get, None)
        reply = self.bus.call_sync("org.freedesktop.DBus", "/org/freedesktop/DBus",
                                   "org.freedesktop.DBus", "RequestName",
                                   GLib.Variant("(su)", ("org.kde.StatusNotifierWatcher", 4)),
                                   GLib.VariantType("(u)"), Gio.DBusCallFlags.NONE, 5000, None)
        if reply.unpack()[0] != 1:
            raise RuntimeError("cannot own org.kde.StatusNotifierWatcher")

    def _call(self, conn, sender, path, iface, method, params, invocation):
        if method == "RegisterStatusNotifierItem":
            service = params.unpack()[0]
            # a path means "at the caller's name"; a bus name means its default path
            item = (sender, service) if service.startswith("/") else (service, "/StatusNotifierItem")
            self.items.append(item)
            conn.emit_signal(None, path, iface, "StatusNotifierItemRegistered",
                             GLib.Variant("(s)", ("%s%s" % item,)))
        invocation.return_value(None)

    def _get(self, conn, sender, path, iface, prop):
        if prop == "RegisteredStatusNotifierItems":
            return GLib.Variant("as", ["%s%s" % i for i in self.items])
        if prop == "IsStatusNotifierHostRegistered":
            return GLib.Variant("b", True)
        return GLib.Variant("i", 0)

    def pump(self, seconds=0.05):
        end = time.monotonic() + seconds
        ctx = GLib.MainContext.default()
        while time.monotonic() < end:
            while ctx.iteration(False):
                pass
            time.sleep(0.01)

    def _wait(self, what, fn, timeout):
        end = time.monotonic() + timeout
        while True:
            self.pump()
            v = fn()
            if v:
                return v
            if time.monotonic() > end:
                raise AssertionError("timed out waiting for " + what)

    def wait_item(self, timeout):
        return self._wait("an item to register", lambda: self.items[-1] if self.items else None,
                          timeout)

    def item_properties(self, item):
        reply = self.bus.call_sync(item[0], item[1], "org.freedesktop.DBus.Properties", "GetAll",
                                   GLib.Variant("(s)", (ITEM_IFACE,)), None,
                                   Gio.DBusCallFlags.NONE, 5000, None)
        return reply.unpack()[0]

    def wait_property(self, item, name, value, timeout):
        return self._wait("%s = %s" % (name, value),
                          lambda: self.item_properties(item).get(name) == value, timeout)

    def _layout(self, item, menu_path):
        self.bus.call_sync(item[0], menu_path, MENU_IFACE, "AboutToShow",
                           GLib.Variant("(i)", (0,)), None, Gio.DBusCallFlags.NONE, 5000, None)
        reply = self.bus.call_sync(item[0], menu_path, MENU_IFACE, "GetLayout",
                                   GLib.Variant("(iias)", (0, -1, [])), None,
                                   Gio.DBusCallFlags.NONE, 5000, None)
        return reply.unpack()[1]

    def _entries(self, node, out):
        ident, props, children = node
        if "label" in props:
            out.append((ident, props["label"].replace("_", ""), props.get("enabled", True),
                        props.get("visible", True)))
        for child in children:
            self._entries(child, out)
        return out

    def menu_labels(self, item, menu_path):
        return [e[1] for e in self._entries(self._layout(item, menu_path), []) if e[3]]

    def wait_label(self, item, menu_path, label, timeout):
        return self._wait("menu label " + label,
                          lambda: label in self.menu_labels(item, menu_path), timeout)

    def click(self, item, menu_path, label):
        for ident, text, enabled, visible in self._entries(self._layout(item, menu_path), []):
            if text == label and enabled and visible:
                self.bus.call_sync(item[0], menu_path, MENU_IFACE, "Event",
                                   GLib.Variant("(isvu)", (ident, "clicked",
                                                           GLib.Variant("i", 0), 0)),
                                   None, Gio.DBusCallFlags.NONE, 5000, None)
                self.pump(0.2)
                return
        raise AssertionError("no enabled menu item " + label)
