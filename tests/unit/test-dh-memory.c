/* SPDX-License-Identifier: GPL-2.0-or-later
 * Unit tests for what worked before (client/osp-dh-memory.h): the DH group
 * remembered per gateway and group name, in the directory the host gives,
 * here a temporary one: nothing under /var/lib/osprey is touched. */
#include "osp-dh-memory.h"

#include <errno.h>
#include <glib/gstdio.h>

static char *make_dir(void)
{
  g_autoptr(GError) error = NULL;
  char *dir = g_dir_make_tmp("osp-dh-memory-XXXXXX", &error);

  g_assert_no_error(error);
  return dir;
}

static void remove_dir(const char *dir)
{
  g_autofree char *file = g_build_filename(dir, "dh-groups", NULL);
  g_autofree char *sub = g_build_filename(dir, "sub", NULL);
  g_autofree char *subfile = g_build_filename(sub, "dh-groups", NULL);

  g_remove(subfile);
  g_rmdir(sub);
  g_remove(file);
  g_assert_cmpint(g_rmdir(dir), ==, 0);
}

static void test_round_trip(void)
{
  g_autofree char *dir = make_dir();

  g_assert_cmpint(osp_dh_memory_recall(dir, "192.0.2.1", "lab"), ==, 0);
  g_assert_cmpint(osp_dh_memory_store(dir, "192.0.2.1", "lab", 14), ==, 0);
  g_assert_cmpint(osp_dh_memory_recall(dir, "192.0.2.1", "lab"), ==, 14);
  /* per gateway and per group name */
  g_assert_cmpint(osp_dh_memory_recall(dir, "192.0.2.2", "lab"), ==, 0);
  g_assert_cmpint(osp_dh_memory_recall(dir, "192.0.2.1", "other"), ==, 0);
  g_assert_cmpint(osp_dh_memory_store(dir, "192.0.2.2", "lab", 19), ==, 0);
  g_assert_cmpint(osp_dh_memory_recall(dir, "192.0.2.1", "lab"), ==, 14);
  g_assert_cmpint(osp_dh_memory_recall(dir, "192.0.2.2", "lab"), ==, 19);
  /* a newer success replaces the older */
  g_assert_cmpint(osp_dh_memory_store(dir, "192.0.2.1", "lab", 15), ==, 0);
  g_assert_cmpint(osp_dh_memory_recall(dir, "192.0.2.1", "lab"), ==, 15);
  remove_dir(dir);
}

/* A weak group (MODP-768, MODP-1024) is never remembered; the strong one
 * stays. */
static void test_weak_not_remembered(void)
{
  g_autofree char *dir = make_dir();

  g_assert_cmpint(osp_dh_memory_store(dir, "192.0.2.1", "lab", 14), ==, 0);
  g_assert_cmpint(osp_dh_memory_store(dir, "192.0.2.1", "lab", 2), ==, 0);
  g_assert_cmpint(osp_dh_memory_recall(dir, "192.0.2.1", "lab"), ==, 14);
  g_assert_cmpint(osp_dh_memory_store(dir, "198.51.100.1", "lab", 1), ==, 0);
  g_assert_cmpint(osp_dh_memory_recall(dir, "198.51.100.1", "lab"), ==, 0);
  remove_dir(dir);
}

/* Without a directory nothing is kept and nothing fails; a missing
 * directory is created; a group this build does not know reads as none. */
static void test_edges(void)
{
  g_autofree char *dir = make_dir();
  g_autofree char *sub = g_build_filename(dir, "sub", NULL);
  g_autofree char *file = g_build_filename(dir, "dh-groups", NULL);

  g_assert_cmpint(osp_dh_memory_recall(NULL, "192.0.2.1", "lab"), ==, 0);
  g_assert_cmpint(osp_dh_memory_store(NULL, "192.0.2.1", "lab", 14), ==, -EINVAL);
  g_assert_cmpint(osp_dh_memory_store("", "192.0.2.1", "lab", 14), ==, -EINVAL);
  g_assert_cmpint(osp_dh_memory_store(dir, "192.0.2.1", "lab", 0), ==, -EINVAL);

  g_assert_cmpint(osp_dh_memory_store(sub, "192.0.2.1", "lab", 14), ==, 0);
  g_assert_cmpint(osp_dh_memory_recall(sub, "192.0.2.1", "lab"), ==, 14);

  g_assert_true(g_file_set_contents(file, "[dh-group]\n192.0.2.1 lab=4242\n", -1, NULL));
  g_assert_cmpint(osp_dh_memory_recall(dir, "192.0.2.1", "lab"), ==, 0);
  g_assert_true(g_file_set_contents(file, "not a keyfile\n", -1, NULL));
  g_assert_cmpint(osp_dh_memory_recall(dir, "192.0.2.1", "lab"), ==, 0);
  /* a broken file is replaced by a good one */
  g_assert_cmpint(osp_dh_memory_store(dir, "192.0.2.1", "lab", 14), ==, 0);
  g_assert_cmpint(osp_dh_memory_recall(dir, "192.0.2.1", "lab"), ==, 14);
  remove_dir(dir);
}

int main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/dh-memory/round-trip", test_round_trip);
  g_test_add_func("/dh-memory/weak-not-remembered", test_weak_not_remembered);
  g_test_add_func("/dh-memory/edges", test_edges);
  return g_test_run();
}
