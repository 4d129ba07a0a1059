/* SPDX-License-Identifier: GPL-2.0-or-later
 * libnm-vpn-plugin-osprey.so — the editor plugin NetworkManager's clients
 * (nmcli, nm-connection-editor, GNOME Settings) load for Osprey connections,
 * named by the .name file's [libnm] plugin key.
 *
 * This part holds no GTK: it imports Cisco .pcf and vpnc .conf files with
 * client/'s profile readers (enc_GroupPwd decoded here, no cisco-decrypt
 * helper) and exports vpnc .conf, so `nmcli connection import type osprey
 * file work.pcf` works on a machine without a desktop. */
#define _GNU_SOURCE 1 /* dladdr */
#include <NetworkManager.h>
#include <dlfcn.h>
#include <glib/gi18n-lib.h>
#include <string.h>

#include "nm-osprey-keys.h"
#include "osp-error.h"

#define NM_TYPE_OSPREY_EDITOR_PLUGIN (nm_osprey_editor_plugin_get_type())
G_DECLARE_FINAL_TYPE(NMOspreyEditorPlugin, nm_osprey_editor_plugin, NM, OSPREY_EDITOR_PLUGIN,
                     GObject)

struct _NMOspreyEditorPlugin {
  GObject parent;
};

enum { PROP_0, PROP_NAME, PROP_DESC, PROP_SERVICE };

static void editor_plugin_iface_init(NMVpnEditorPluginInterface *iface);

G_DEFINE_TYPE_WITH_CODE(NMOspreyEditorPlugin, nm_osprey_editor_plugin, G_TYPE_OBJECT,
                        G_IMPLEMENT_INTERFACE(NM_TYPE_VPN_EDITOR_PLUGIN, editor_plugin_iface_init))

/* The connection's name: the profile's description, else the file name
 * without its extension. */
static char *connection_id(const OspProfile *p, const char *path)
{
  g_autofree char *base = g_path_get_basename(path);
  char *dot = strrchr(base, '.');

  if (p->description && *p->description)
    return g_strdup(p->description);
  if (dot && dot != base)
    *dot = '\0';
  return g_steal_pointer(&base);
}

static NMConnection *import_from_file(NMVpnEditorPlugin *plugin, const char *path, GError **error)
{
  g_autoptr(OspProfile) p = NULL;
  g_autoptr(GPtrArray) warnings = g_ptr_array_new_with_free_func(g_free);
  g_autoptr(GError) e = NULL;
  g_autofree char *id = NULL;
  g_autofree char *uuid = nm_utils_uuid_generate();
  NMConnection *connection;
  NMSetting *s_con, *s_vpn, *s_ip4;

  p = osp_profile_load_any(path, warnings, &e);
  if (!p) {
    g_set_error(error, NM_CONNECTION_ERROR, NM_CONNECTION_ERROR_FAILED, "%s", e->message);
    return NULL;
  }
  for (guint i = 0; i < warnings->len; i++)
    g_message("%s: %s", path, (const char *)warnings->pdata[i]);
  id = connection_id(p, path);

  connection = nm_simple_connection_new();
  s_con = nm_setting_connection_new();
  g_object_set(s_con, NM_SETTING_CONNECTION_ID, id, NM_SETTING_CONNECTION_UUID, uuid,
               NM_SETTING_CONNECTION_TYPE, NM_SETTING_VPN_SETTING_NAME, NULL);
  nm_connection_add_setting(connection, s_con);
  s_vpn = nm_setting_vpn_new();
  g_object_set(s_vpn, NM_SETTING_VPN_SERVICE_TYPE, NM_OSPREY_SERVICE_TYPE, NULL);
  /* the file's secrets (the group password above all) are kept, saved by
   * NetworkManager like any system-owned secret */
  nm_osprey_setting_from_profile(NM_SETTING_VPN(s_vpn), p, NM_SETTING_SECRET_FLAG_NONE);
  nm_connection_add_setting(connection, s_vpn);
  /* without an ipv4 setting NetworkManager refuses the connection
   * ("ipv4.method: property is missing") */
  s_ip4 = nm_setting_ip4_config_new();
  g_object_set(s_ip4, NM_SETTING_IP_CONFIG_METHOD, NM_SETTING_IP4_CONFIG_METHOD_AUTO, NULL);
  nm_connection_add_setting(connection, s_ip4);
  return connection;
}

static gboolean export_to_file(NMVpnEditorPlugin *plugin, const char *path,
                               NMConnection *connection, GError **error)
{
  NMSettingVpn *s_vpn = nm_connection_get_setting_vpn(connection);
  g_autoptr(OspProfile) p = NULL;
  g_autofree char *text = NULL;
  g_autoptr(GError) e = NULL;

  if (!s_vpn) {
    g_set_error_literal(error, NM_CONNECTION_ERROR, NM_CONNECTION_ERROR_MISSING_SETTING,
                        _("The connection has no VPN setting"));
    return FALSE;
  }
  p = nm_osprey_profile_from_setting(s_vpn, NULL, &e);
  if (!p) {
    g_set_error(error, NM_CONNECTION_ERROR, NM_CONNECTION_ERROR_INVALID_PROPERTY, "%s", e->message);
    return FALSE;
  }
  g_free(p->description);
  p->description = g_strdup(nm_connection_get_id(connection));
  /* the secrets the connection holds go along, so the file connects as the
   * connection did; the file is readable by its owner only */
  text = osp_profile_to_vpnc(p, true);
  if (!g_file_set_contents_full(path, text, -1, G_FILE_SET_CONTENTS_CONSISTENT, 0600, &e)) {
    g_set_error(error, NM_CONNECTION_ERROR, NM_CONNECTION_ERROR_FAILED, "%s", e->message);
    return FALSE;
  }
  return TRUE;
}

static char *get_suggested_filename(NMVpnEditorPlugin *plugin, NMConnection *connection)
{
  const char *id = nm_connection_get_id(connection);
  g_autofree char *safe = g_strdup(id && *id ? id : "osprey");

  g_strdelimit(safe, "/", '-');
  return g_strconcat(safe, ".conf", NULL);
}

static NMVpnEditorPluginCapability get_capabilities(NMVpnEditorPlugin *plugin)
{
  return NM_VPN_EDITOR_PLUGIN_CAPABILITY_IMPORT | NM_VPN_EDITOR_PLUGIN_CAPABILITY_EXPORT;
}

/* The GTK editor matching the GTK this process runs (GTK 3 in
 * nm-connection-editor, GTK 4 in GNOME Settings), from this module's
 * directory: the editors link GTK, this module does not. */
static NMVpnEditor *get_editor(NMVpnEditorPlugin *plugin, NMConnection *connection, GError **error)
{
  const char *name = NULL;
  g_autofree char *dir = NULL, *path = NULL;
  Dl_info self;
  void *gtk, *module;
  NmOspreyEditorNew editor_new;

  if ((gtk = dlopen("libgtk-4.so.1", RTLD_LAZY | RTLD_NOLOAD))) {
    name = "libnm-gtk4-vpn-plugin-osprey-editor.so";
  } else if ((gtk = dlopen("libgtk-3.so.0", RTLD_LAZY | RTLD_NOLOAD))) {
    name = "libnm-vpn-plugin-osprey-editor.so";
  } else {
    g_set_error_literal(error, NM_CONNECTION_ERROR, NM_CONNECTION_ERROR_FAILED,
                        _("The Osprey connection editor needs GTK 3 or GTK 4"));
    return NULL;
  }
  dlclose(gtk);
  if (!dladdr((void *)get_editor, &self) || !self.dli_fname) {
    g_set_error_literal(error, NM_CONNECTION_ERROR, NM_CONNECTION_ERROR_FAILED,
                        _("Cannot find the Osprey connection editor"));
    return NULL;
  }
  dir = g_path_get_dirname(self.dli_fname);
  path = g_build_filename(dir, name, NULL);
  module = dlopen(path, RTLD_LAZY | RTLD_LOCAL);
  editor_new = module ? (NmOspreyEditorNew)dlsym(module, "nm_osprey_editor_new") : NULL;
  if (!editor_new) {
    g_set_error(error, NM_CONNECTION_ERROR, NM_CONNECTION_ERROR_FAILED,
                _("Cannot load the Osprey connection editor %s: %s"), path, dlerror());
    if (module)
      dlclose(module);
    return NULL;
  }
  /* the module stays loaded: its GTypes cannot be unregistered */
  return editor_new(connection, error);
}

static void get_property(GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  switch (prop_id) {
  case PROP_NAME: g_value_set_string(value, _("Cisco-compatible IPsec (Osprey)")); break;
  case PROP_DESC:
    g_value_set_string(value, _("IKEv1 remote access with a group password and XAUTH, for the "
                                "gateways vpnc talks to and more."));
    break;
  case PROP_SERVICE: g_value_set_string(value, NM_OSPREY_SERVICE_TYPE); break;
  default: G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec); break;
  }
}

static void nm_osprey_editor_plugin_init(NMOspreyEditorPlugin *self)
{
}

static void nm_osprey_editor_plugin_class_init(NMOspreyEditorPluginClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS(klass);

  object_class->get_property = get_property;
  g_object_class_override_property(object_class, PROP_NAME, NM_VPN_EDITOR_PLUGIN_NAME);
  g_object_class_override_property(object_class, PROP_DESC, NM_VPN_EDITOR_PLUGIN_DESCRIPTION);
  g_object_class_override_property(object_class, PROP_SERVICE, NM_VPN_EDITOR_PLUGIN_SERVICE);
}

static void editor_plugin_iface_init(NMVpnEditorPluginInterface *iface)
{
  iface->get_editor = get_editor;
  iface->get_capabilities = get_capabilities;
  iface->import_from_file = import_from_file;
  iface->export_to_file = export_to_file;
  iface->get_suggested_filename = get_suggested_filename;
}

G_MODULE_EXPORT NMVpnEditorPlugin *nm_vpn_editor_plugin_factory(GError **error)
{
  bindtextdomain(GETTEXT_PACKAGE, LOCALEDIR);
  bind_textdomain_codeset(GETTEXT_PACKAGE, "UTF-8");
  return g_object_new(NM_TYPE_OSPREY_EDITOR_PLUGIN, NULL);
}
