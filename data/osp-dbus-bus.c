/* SPDX-License-Identifier: GPL-2.0-or-later
 * Osprey — the bus ospreyd's clients talk to it on (osp-dbus-bus.h). */
#include "osp-dbus-bus.h"

const char *osp_dbus_bus_address(const char *option)
{
  return option ? option : g_getenv("OSPREY_BUS_ADDRESS");
}

GDBusConnection *osp_dbus_bus_open(const char *address, GError **error)
{
  if (address && *address)
    return g_dbus_connection_new_for_address_sync(
        address,
        G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
            G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
        NULL, NULL, error);
  return g_bus_get_sync(G_BUS_TYPE_SYSTEM, NULL, error);
}
