/* SPDX-License-Identifier: GPL-2.0-or-later
 * The seed corpora as unit tests: each target's source, linked with this
 * main() instead of libFuzzer's, feeds every file of the directories (or
 * the files) named on the command line to LLVMFuzzerTestOneInput(), each
 * in an exact-size copy so that a sanitizer build sees any overread. */
#include "fuzz-util.h"

#include <string.h>

/* targets without an initializer get this one */
__attribute__((weak)) int LLVMFuzzerInitialize(int *argc, char ***argv)
{
  return 0;
}

static int by_name(gconstpointer a, gconstpointer b)
{
  return strcmp(*(char *const *)a, *(char *const *)b);
}

static int run_file(const char *path)
{
  g_autofree char *contents = NULL;
  g_autofree uint8_t *buf = NULL;
  gsize len = 0;
  g_autoptr(GError) error = NULL;

  if (!g_file_get_contents(path, &contents, &len, &error)) {
    fprintf(stderr, "%s: %s\n", path, error->message);
    return -1;
  }
  buf = g_memdup2(contents, len);
  /* named first: a crash below then says which seed it was */
  fprintf(stderr, "%s\n", path);
  LLVMFuzzerTestOneInput(buf, len);
  return 0;
}

int main(int argc, char **argv)
{
  unsigned n = 0;

  LLVMFuzzerInitialize(&argc, &argv);
  if (argc < 2) {
    fprintf(stderr, "usage: %s DIR|FILE...\n", argv[0]);
    return 2;
  }
  for (int i = 1; i < argc; i++) {
    if (g_file_test(argv[i], G_FILE_TEST_IS_DIR)) {
      g_autoptr(GError) error = NULL;
      g_autoptr(GDir) dir = g_dir_open(argv[i], 0, &error);
      g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
      const char *name;

      if (!dir) {
        fprintf(stderr, "%s: %s\n", argv[i], error->message);
        return 1;
      }
      while ((name = g_dir_read_name(dir)))
        g_ptr_array_add(names, g_strdup(name));
      /* sorted, so that a failure names the same file every time */
      g_ptr_array_sort(names, by_name);
      for (guint k = 0; k < names->len; k++) {
        g_autofree char *path = g_build_filename(argv[i], names->pdata[k], NULL);

        if (run_file(path) < 0)
          return 1;
        n++;
      }
    } else {
      if (run_file(argv[i]) < 0)
        return 1;
      n++;
    }
  }
  if (n == 0) {
    fprintf(stderr, "no inputs\n");
    return 1;
  }
  printf("%u inputs ran\n", n);
  return 0;
}
