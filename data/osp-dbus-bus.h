/* SPDX-License-Identifier: GPL-2.0-or-later
 * Osprey — the bus ospreyd's clients (osprey, osprey-tray) talk to it on. */
#pragma once

#include <gio/gio.h>

/* The address of the bus to use: OPTION (--bus-address) if given, else
 * $OSPREY_BUS_ADDRESS (a test's private bus), else NULL. */
const char *osp_dbus_bus_address(const char *option);

/* The message bus at ADDRESS or, when ADDRESS is NULL or empty, the system
 * bus. */
GDBusConnection *osp_dbus_bus_open(const char *address, GError **error);
