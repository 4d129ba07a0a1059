/* SPDX-License-Identifier: GPL-2.0-or-later
 * Osprey — the remembered DH group per gateway (osp-dh-memory.h). */
#include "osp-dh-memory.h"
#include "osp-crypto.h"

#include <errno.h>

#define GROUPS_FILE "dh-groups"
#define GROUPS_SECTION "dh-group"

static char *memory_key(const char *gateway, const char *group_id)
{
  return g_strdup_printf("%s %s", gateway ? gateway : "", group_id ? group_id : "");
}

int osp_dh_memory_recall(const char *state_dir, const char *gateway, const char *group_id)
{
  g_autoptr(GKeyFile) kf = g_key_file_new();
  g_autofree char *path = NULL, *key = NULL;
  int g;

  if (!state_dir || !*state_dir)
    return 0;
  path = g_build_filename(state_dir, GROUPS_FILE, NULL);
  if (!g_key_file_load_from_file(kf, path, G_KEY_FILE_NONE, NULL))
    return 0;
  key = memory_key(gateway, group_id);
  g = g_key_file_get_integer(kf, GROUPS_SECTION, key, NULL);
  return osp_dh_group_supported(g) ? g : 0;
}

int osp_dh_memory_store(const char *state_dir, const char *gateway, const char *group_id, int group)
{
  g_autoptr(GKeyFile) kf = g_key_file_new();
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL, *key = NULL;

  if (!state_dir || !*state_dir || group <= 0)
    return -EINVAL;
  if (osp_dh_group_weak(group) || osp_dh_memory_recall(state_dir, gateway, group_id) == group)
    return 0;
  if (g_mkdir_with_parents(state_dir, 0755) < 0) {
    int err = errno;

    g_debug("cannot remember the DH group in %s: %s", state_dir, g_strerror(err));
    return -err;
  }
  path = g_build_filename(state_dir, GROUPS_FILE, NULL);
  key = memory_key(gateway, group_id);
  g_key_file_load_from_file(kf, path, G_KEY_FILE_NONE, NULL);
  g_key_file_set_integer(kf, GROUPS_SECTION, key, group);
  if (!g_key_file_save_to_file(kf, path, &error)) {
    g_debug("cannot remember the DH group in %s: %s", path, error->message);
    return -EIO;
  }
  return 0;
}
