#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""nm-osprey-service's NeedSecrets, which NetworkManager calls before
Connect: "vpn" when a secret the engine needs is missing and not marked
"not required", "" when nothing is.  The group password is needed with psk
only (client/osp-secret-kind.c).  The service's "system bus" is a private
dbus-daemon; no NetworkManager, no root.  TAP output.

  need-secrets.py NM-OSPREY-SERVICE
"""
import os
import subprocess
import sys
import time

import dbus

SERVICE = sys.argv[1]
NAME = "org.freedesktop.NetworkManager.osprey.needsecrets%d" % os.getpid()
n = 0
failed = False


def result(ok, what):
    global n, failed
    n += 1
    failed |= not ok
    print("%s %d - %s" % ("ok" if ok else "not ok", n, what), flush=True)


def need_secrets(plugin, data, secrets=None):
    conn = {
        "connection": {"id": "work", "uuid": "0c1b0000-0000-4000-8000-000000000002",
                       "type": "vpn"},
        "vpn": {"service-type": "org.freedesktop.NetworkManager.osprey",
                "data": dbus.Dictionary(data, signature="ss"),
                "secrets": dbus.Dictionary(secrets or {}, signature="ss")},
    }
    return str(plugin.NeedSecrets(dbus.Dictionary(conn, signature="sa{sv}"),
                                  dbus_interface="org.freedesktop.NetworkManager.VPN.Plugin"))


def main():
    bus_proc = subprocess.run(["dbus-daemon", "--session", "--fork", "--print-address=1",
                               "--print-pid=2"], capture_output=True, text=True, check=True)
    address, bus_pid = bus_proc.stdout.strip(), int(bus_proc.stderr.strip())
    svc = None
    try:
        env = dict(os.environ, DBUS_SYSTEM_BUS_ADDRESS=address)
        svc = subprocess.Popen([SERVICE, "--persist", "--bus-name", NAME], env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        bus = dbus.bus.BusConnection(address)
        for _ in range(100):
            if bus.name_has_owner(NAME):
                break
            time.sleep(0.1)
        else:
            result(False, "nm-osprey-service owns %s" % NAME)
            return
        plugin = bus.get_object(NAME, "/org/freedesktop/NetworkManager/VPN/Plugin")
        base = {"IPSec gateway": "192.0.2.1", "IPSec ID": "grp", "Xauth username": "u",
                "IPSec secret-flags": "1", "Xauth password-flags": "1"}
        cert = {"CA-File": "/etc/osprey/ca.pem", "Client certificate": "/etc/osprey/a.p12"}
        cases = [
            ("psk, no group password", {}, {"Xauth password": "p"}, "vpn"),
            ("psk, both given", {}, {"Xauth password": "p", "IPSec secret": "g"}, ""),
            ("hybrid, no group password", {"IKE Authmode": "hybrid", **cert},
             {"Xauth password": "p"}, ""),
            ("cert, no group password", {"IKE Authmode": "cert", **cert},
             {"Xauth password": "p"}, ""),
            ("cert, no password", {"IKE Authmode": "cert", **cert}, {"IPSec secret": "g"}, "vpn"),
        ]
        for what, data, secrets, want in cases:
            try:
                got = need_secrets(plugin, {**base, **data}, secrets)
            except dbus.DBusException as e:
                got = "error " + e.get_dbus_name()
            result(got == want, "%s: %r (want %r)" % (what, got, want))
    finally:
        if svc:
            svc.terminate()
            try:
                svc.wait(5)
            except subprocess.TimeoutExpired:
                svc.kill()
                svc.wait()
        os.kill(bus_pid, 15)


main()
print("1..%d" % n)
sys.exit(1 if failed else 0)
