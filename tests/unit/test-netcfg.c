/* SPDX-License-Identifier: GPL-2.0-or-later
 * Unit tests for osp-netcfg: the vpnc-script environment, compared
 * variable by variable with what vpnc 0.5.3's do_config_to_env() and
 * setup_tunnel() export, and running a script (status, stderr, timeout).
 *
 * The script used here is env-dump.sh, which copies the environment it got
 * from execve() to $OSP_TEST_ENV_DUMP.  Addresses come from the
 * documentation and benchmarking ranges only.
 *
 * `test-netcfg --run-script [REASON...]` is not a test: it is the helper
 * netcfg-real-script.sh runs inside a network namespace to drive the real
 * vpnc-script.  It builds an OspIpConfig from OSP_NC_* variables and runs
 * each REASON (or each line read from stdin) in this one process, so that
 * connect and disconnect share VPNPID, which keys the script's state files.
 * It answers "ok REASON" or "fail REASON: message" per line on stdout. */
#include "osp-error.h"
#include "osp-netcfg.h"

#include <gio/gio.h>
#include <glib/gstdio.h>

#include <arpa/inet.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

/* ---- helpers ------------------------------------------------------------ */

static struct in_addr ip(const char *s)
{
  struct in_addr a;

  g_assert_cmpint(inet_pton(AF_INET, s, &a), ==, 1);
  return a;
}

static void add_ip(GArray *list, const char *s)
{
  struct in_addr a = ip(s);

  g_array_append_val(list, a);
}

static void add_net(GArray *list, const char *addr, const char *mask, uint16_t protocol,
                    uint16_t sport, uint16_t dport)
{
  OspSplitNet n = { ip(addr), ip(mask), protocol, sport, dport };

  g_array_append_val(list, n);
}

/* A gateway that sends everything Mode Config and Unity can carry. */
static OspIpConfig *full_config(void)
{
  OspIpConfig *c = osp_ip_config_new();

  osp_addr_parse("192.0.2.1", 0, &c->gateway);
  c->tundev = g_strdup("osptun7");
  c->mtu = 1380;
  c->address = ip("198.18.5.77");
  c->netmask = ip("255.255.255.0");
  add_ip(c->dns, "198.51.100.53");
  add_ip(c->dns, "198.51.100.54");
  add_ip(c->nbns, "198.51.100.137");
  c->default_domain = g_strdup("corp.example");
  c->banner = g_strdup("Welcome to \"Example Corp\"\n"
                       "It's 'quoted': $HOME `id` $(id) \\n; rm -rf /\n"
                       "\tend\n");
  c->split_dns = g_strdup("a.example,b.example");
  add_net(c->split_inc, "203.0.113.0", "255.255.255.0", 0, 0, 0);
  add_net(c->split_inc, "198.18.0.0", "255.254.0.0", 6, 1024, 443);
  add_net(c->split_exc, "192.0.2.128", "255.255.255.128", 17, 0, 53);
  return c;
}

static gboolean is_contract_name(const char *name)
{
  return g_str_equal(name, "reason") || g_str_equal(name, "VPNGATEWAY") ||
         g_str_equal(name, "VPNPID") || g_str_equal(name, "TUNDEV") ||
         g_str_has_prefix(name, "INTERNAL_IP") || g_str_has_prefix(name, "CISCO_");
}

/* name -> value of a NUL-separated environment dump */
static GHashTable *read_dump(const char *path)
{
  g_autofree char *data = NULL;
  g_autoptr(GError) error = NULL;
  GHashTable *h = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
  gsize len;
  gsize off = 0;

  g_file_get_contents(path, &data, &len, &error);
  g_assert_no_error(error);
  while (off < len) {
    const char *entry = data + off;
    const char *eq = strchr(entry, '=');

    g_assert_nonnull(eq);
    g_assert_false(g_hash_table_contains(h, entry)); /* no duplicate names */
    g_hash_table_insert(h, g_strndup(entry, eq - entry), g_strdup(eq + 1));
    off += strlen(entry) + 1;
  }
  return h;
}

static GHashTable *strv_to_table(char **env)
{
  GHashTable *h = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
  guint i;

  for (i = 0; env[i]; i++) {
    const char *eq = strchr(env[i], '=');
    char *name;

    g_assert_nonnull(eq);
    name = g_strndup(env[i], eq - env[i]);
    g_assert_false(g_hash_table_contains(h, name));
    g_hash_table_insert(h, name, g_strdup(eq + 1));
  }
  return h;
}

/* Every contract variable in `got` is in `expected` (NULL-terminated
 * name, value pairs) with that exact value, and every expected one is there. */
static void assert_contract(GHashTable *got, const char *const *expected)
{
  GHashTableIter it;
  gpointer k, v;
  guint n_expected = 0;
  guint i;

  for (i = 0; expected[i]; i += 2) {
    const char *value = g_hash_table_lookup(got, expected[i]);

    if (!value)
      g_error("%s is missing", expected[i]);
    if (!g_str_equal(value, expected[i + 1]))
      g_error("%s is \"%s\", expected \"%s\"", expected[i], value, expected[i + 1]);
    n_expected++;
  }
  g_hash_table_iter_init(&it, got);
  while (g_hash_table_iter_next(&it, &k, &v)) {
    gboolean listed = FALSE;

    if (!is_contract_name(k))
      continue;
    for (i = 0; expected[i]; i += 2)
      listed = listed || g_str_equal(k, expected[i]);
    if (!listed)
      g_error("unexpected %s=%s", (const char *)k, (const char *)v);
  }
  g_assert_cmpuint(n_expected, >, 0);
}

typedef struct {
  char *dir;
  char *dump;
  char *script; /* shell-quoted path of env-dump.sh */
  char *pid_str;
} Fixture;

static void fixture_setup(Fixture *f, G_GNUC_UNUSED gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = g_test_build_filename(G_TEST_DIST, "env-dump.sh", NULL);

  f->dir = g_dir_make_tmp("osp-netcfg-XXXXXX", &error);
  g_assert_no_error(error);
  f->dump = g_build_filename(f->dir, "env", NULL);
  f->script = g_shell_quote(path);
  f->pid_str = g_strdup_printf("%ld", (long)getpid());
  g_setenv("OSP_TEST_ENV_DUMP", f->dump, TRUE);
  g_setenv("OSP_TEST_PASSTHROUGH", "kept as is", TRUE);
}

static void fixture_teardown(Fixture *f, G_GNUC_UNUSED gconstpointer data)
{
  g_autoptr(GDir) d = g_dir_open(f->dir, 0, NULL);
  const char *name;

  while (d && (name = g_dir_read_name(d))) {
    g_autofree char *p = g_build_filename(f->dir, name, NULL);

    g_unlink(p);
  }
  g_rmdir(f->dir);
  g_unsetenv("OSP_TEST_ENV_DUMP");
  g_unsetenv("OSP_TEST_PASSTHROUGH");
  g_free(f->dir);
  g_free(f->dump);
  g_free(f->script);
  g_free(f->pid_str);
}

/* ---- OspIpConfig, osp_netmask_len --------------------------------------- */

static void test_ip_config_new_free(void)
{
  g_autoptr(OspIpConfig) c = osp_ip_config_new();

  g_assert_nonnull(c->dns);
  g_assert_nonnull(c->nbns);
  g_assert_nonnull(c->split_inc);
  g_assert_nonnull(c->split_exc);
  g_assert_cmpuint(g_array_get_element_size(c->dns), ==, sizeof(struct in_addr));
  g_assert_cmpuint(g_array_get_element_size(c->nbns), ==, sizeof(struct in_addr));
  g_assert_cmpuint(g_array_get_element_size(c->split_inc), ==, sizeof(OspSplitNet));
  g_assert_cmpuint(g_array_get_element_size(c->split_exc), ==, sizeof(OspSplitNet));
  g_assert_cmpuint(c->dns->len + c->nbns->len + c->split_inc->len + c->split_exc->len, ==, 0);
  g_assert_cmpint(c->pfs_group, ==, -1);
  g_assert_cmpuint(c->mtu, ==, 0);
  g_assert_cmpuint(c->netmask.s_addr, ==, 0);
  g_assert_null(c->banner);
  osp_ip_config_free(NULL);
  osp_ip_config_free(full_config());
}

static void test_netmask_len(void)
{
  static const struct {
    const char *mask;
    int len;
  } t[] = {
#define T(m, l) { m, l }
    T("0.0.0.0", 0),          T("128.0.0.0", 1),        T("255.0.0.0", 8),
    T("255.254.0.0", 15),     T("255.255.0.0", 16),     T("255.255.255.0", 24),
    T("255.255.255.128", 25), T("255.255.255.252", 30), T("255.255.255.254", 31),
    T("255.255.255.255", 32), T("0.0.0.255", -1),       T("255.0.255.0", -1),
    T("255.255.255.253", -1), T("127.255.255.255", -1), T("0.0.0.1", -1),
#undef T
  };
  guint i;

  for (i = 0; i < G_N_ELEMENTS(t); i++) {
    int got = osp_netmask_len(ip(t[i].mask));

    if (got != t[i].len)
      g_error("case %u: osp_netmask_len(%s) = %d, expected %d", i, t[i].mask, got, t[i].len);
  }
}

/* ---- the environment ---------------------------------------------------- */

static void test_env_connect_full(Fixture *f, G_GNUC_UNUSED gconstpointer data)
{
  g_autoptr(OspIpConfig) c = full_config();
  g_autoptr(GError) error = NULL;
  g_autoptr(GHashTable) env = NULL;
  const char *expected[] = {
    "reason",
    "connect",
    "VPNPID",
    f->pid_str,
    "VPNGATEWAY",
    "192.0.2.1",
    "TUNDEV",
    "osptun7",
    "INTERNAL_IP4_MTU",
    "1380",
    "INTERNAL_IP4_ADDRESS",
    "198.18.5.77",
    "INTERNAL_IP4_NETMASK",
    "255.255.255.0",
    "INTERNAL_IP4_NETMASKLEN",
    "24",
    "INTERNAL_IP4_NETADDR",
    "198.18.5.0",
    "INTERNAL_IP4_DNS",
    "198.51.100.53 198.51.100.54",
    "INTERNAL_IP4_NBNS",
    "198.51.100.137",
    "CISCO_DEF_DOMAIN",
    "corp.example",
    "CISCO_BANNER",
    c->banner,
    "CISCO_SPLIT_DNS",
    "a.example,b.example",
    "CISCO_SPLIT_INC",
    "2",
    "CISCO_SPLIT_INC_0_ADDR",
    "203.0.113.0",
    "CISCO_SPLIT_INC_0_MASK",
    "255.255.255.0",
    "CISCO_SPLIT_INC_0_MASKLEN",
    "24",
    "CISCO_SPLIT_INC_0_PROTOCOL",
    "0",
    "CISCO_SPLIT_INC_0_SPORT",
    "0",
    "CISCO_SPLIT_INC_0_DPORT",
    "0",
    "CISCO_SPLIT_INC_1_ADDR",
    "198.18.0.0",
    "CISCO_SPLIT_INC_1_MASK",
    "255.254.0.0",
    "CISCO_SPLIT_INC_1_MASKLEN",
    "15",
    "CISCO_SPLIT_INC_1_PROTOCOL",
    "6",
    "CISCO_SPLIT_INC_1_SPORT",
    "1024",
    "CISCO_SPLIT_INC_1_DPORT",
    "443",
    "CISCO_SPLIT_EXC",
    "1",
    "CISCO_SPLIT_EXC_0_ADDR",
    "192.0.2.128",
    "CISCO_SPLIT_EXC_0_MASK",
    "255.255.255.128",
    "CISCO_SPLIT_EXC_0_MASKLEN",
    "25",
    "CISCO_SPLIT_EXC_0_PROTOCOL",
    "17",
    "CISCO_SPLIT_EXC_0_SPORT",
    "0",
    "CISCO_SPLIT_EXC_0_DPORT",
    "53",
    NULL,
  };

  g_assert_true(osp_script_run(f->script, "connect", c, &error));
  g_assert_no_error(error);
  env = read_dump(f->dump);
  assert_contract(env, expected);
  g_assert_cmpstr(g_hash_table_lookup(env, "OSP_TEST_PASSTHROUGH"), ==, "kept as is");
  g_assert_cmpstr(g_hash_table_lookup(env, "PATH"), ==, g_getenv("PATH"));

  /* disconnect carries the same configuration, as vpnc's environment did */
  g_unlink(f->dump);
  expected[1] = "disconnect";
  g_assert_true(osp_script_run(f->script, "disconnect", c, &error));
  g_assert_no_error(error);
  g_hash_table_unref(env);
  env = read_dump(f->dump);
  assert_contract(env, expected);
}

/* The script was handed a command line, not a path: /bin/sh -c semantics. */
static void test_env_script_with_arguments(Fixture *f, G_GNUC_UNUSED gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GHashTable) env = NULL;
  g_autofree char *cmd = g_strdup_printf("EXTRA_FROM_CMDLINE=yes %s ignored-argument", f->script);

  g_assert_true(osp_script_run(cmd, "reconnect", NULL, &error));
  g_assert_no_error(error);
  env = read_dump(f->dump);
  g_assert_cmpstr(g_hash_table_lookup(env, "reason"), ==, "reconnect");
  g_assert_cmpstr(g_hash_table_lookup(env, "EXTRA_FROM_CMDLINE"), ==, "yes");
}

static void test_env_pre_init_null(Fixture *f, G_GNUC_UNUSED gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GHashTable) env = NULL;
  const char *expected[] = { "reason", "pre-init", "VPNPID", f->pid_str, NULL };

  g_assert_true(osp_script_run(f->script, "pre-init", NULL, &error));
  g_assert_no_error(error);
  env = read_dump(f->dump);
  assert_contract(env, expected);
  g_assert_cmpstr(g_hash_table_lookup(env, "OSP_TEST_PASSTHROUGH"), ==, "kept as is");
}

/* pre-init with a configuration: only what vpnc could know by then */
static void test_env_pre_init_cfg(void)
{
  g_autoptr(OspIpConfig) c = full_config();
  g_autofree char *pid = g_strdup_printf("%ld", (long)getpid());
  const char *base[] = { "HOME=/nonexistent", NULL };
  const char *expected[] = {
    "reason", "pre-init", "VPNPID", pid, "VPNGATEWAY", "192.0.2.1", "TUNDEV", "osptun7", NULL,
  };
  g_auto(GStrv) envv = osp_script_env("pre-init", c, (char **)base);
  g_autoptr(GHashTable) env = strv_to_table(envv);

  assert_contract(env, expected);
  g_assert_cmpuint(g_hash_table_size(env), ==, 5);
  g_assert_cmpstr(g_hash_table_lookup(env, "HOME"), ==, "/nonexistent");
}

/* A stale contract variable in our own environment must not reach the
 * script: with CISCO_SPLIT_INC=5 left over, the script would add five
 * routes from whatever CISCO_SPLIT_INC_n_* it also finds. */
static void test_env_no_leak(Fixture *f, G_GNUC_UNUSED gconstpointer data)
{
  static const char *const stale[][2] = {
    { "CISCO_SPLIT_INC", "5" },
    { "CISCO_SPLIT_INC_4_ADDR", "192.0.2.0" },
    { "CISCO_SPLIT_EXC", "1" },
    { "CISCO_BANNER", "old banner" },
    { "CISCO_IPV6_SPLIT_INC", "1" },
    { "INTERNAL_IP4_DNS", "x" },
    { "INTERNAL_IP4_NETMASK", "255.0.0.0" },
    { "INTERNAL_IP6_ADDRESS", "2001:db8::1" },
    { "VPNGATEWAY", "198.51.100.99" },
    { "VPNPID", "1" },
    { "TUNDEV", "stale0" },
    { "reason", "stale" },
  };
  g_autoptr(OspIpConfig) c = osp_ip_config_new();
  g_autoptr(GError) error = NULL;
  g_autoptr(GHashTable) env = NULL;
  const char *expected[] = {
    "reason",     "connect",    "VPNPID",
    f->pid_str,   "VPNGATEWAY", "203.0.113.10",
    "TUNDEV",     "tun0",       "INTERNAL_IP4_ADDRESS",
    "198.18.9.9", NULL,
  };
  guint i;

  for (i = 0; i < G_N_ELEMENTS(stale); i++)
    g_setenv(stale[i][0], stale[i][1], TRUE);
  osp_addr_parse("203.0.113.10", 0, &c->gateway);
  c->tundev = g_strdup("tun0");
  c->address = ip("198.18.9.9");
  g_assert_true(osp_script_run(f->script, "connect", c, &error));
  for (i = 0; i < G_N_ELEMENTS(stale); i++)
    g_unsetenv(stale[i][0]);
  g_assert_no_error(error);
  env = read_dump(f->dump);
  assert_contract(env, expected);
  g_assert_cmpstr(g_hash_table_lookup(env, "OSP_TEST_PASSTHROUGH"), ==, "kept as is");
}

/* osp_script_env() on an explicit base: contract names replaced, the rest
 * kept in order. */
static void test_env_base(void)
{
  const char *base[] = {
    "A=1", "CISCO_SPLIT_INC=5", "B=x=y", "reason=old", "INTERNAL_IP4_DNS=x", "C=", NULL,
  };
  g_autoptr(OspIpConfig) c = osp_ip_config_new();
  g_auto(GStrv) env = NULL;

  c->address = ip("198.18.1.2");
  add_ip(c->dns, "198.51.100.1");
  env = osp_script_env("connect", c, (char **)base);
  g_assert_cmpstr(env[0], ==, "A=1");
  g_assert_cmpstr(env[1], ==, "B=x=y");
  g_assert_cmpstr(env[2], ==, "C=");
  g_assert_cmpstr(env[3], ==, "reason=connect");
  g_assert_true(g_strv_contains((const char *const *)env, "INTERNAL_IP4_DNS=198.51.100.1"));
  g_assert_true(g_strv_contains((const char *const *)env, "INTERNAL_IP4_ADDRESS=198.18.1.2"));
  g_assert_false(g_strv_contains((const char *const *)env, "CISCO_SPLIT_INC=5"));
  g_assert_false(g_strv_contains((const char *const *)env, "INTERNAL_IP4_DNS=x"));
  g_assert_null(g_environ_getenv(env, "CISCO_SPLIT_INC"));
  g_assert_null(g_environ_getenv(env, "VPNGATEWAY")); /* gateway not set */
  g_assert_null(g_environ_getenv(env, "TUNDEV"));
  g_assert_null(g_environ_getenv(env, "INTERNAL_IP4_MTU"));
}

/* No netmask sent: vpnc exports none of NETMASK, NETMASKLEN, NETADDR (the
 * script then uses a /32).  A non-contiguous mask gets vpnc's
 * mask_to_masklen() value, the position of the lowest set bit. */
static void test_env_netmask(void)
{
  const char *base[] = { NULL };
  g_autoptr(OspIpConfig) c = osp_ip_config_new();
  g_auto(GStrv) env = NULL;

  c->address = ip("198.18.200.33");
  c->mtu = 70000; /* vpnc ignores an MTU outside 0..65535 */
  env = osp_script_env("connect", c, (char **)base);
  g_assert_cmpstr(g_environ_getenv(env, "INTERNAL_IP4_ADDRESS"), ==, "198.18.200.33");
  g_assert_null(g_environ_getenv(env, "INTERNAL_IP4_NETMASK"));
  g_assert_null(g_environ_getenv(env, "INTERNAL_IP4_NETMASKLEN"));
  g_assert_null(g_environ_getenv(env, "INTERNAL_IP4_NETADDR"));
  g_assert_null(g_environ_getenv(env, "INTERNAL_IP4_MTU"));
  g_assert_null(g_environ_getenv(env, "INTERNAL_IP4_DNS"));
  g_assert_null(g_environ_getenv(env, "INTERNAL_IP4_NBNS"));
  g_assert_null(g_environ_getenv(env, "CISCO_SPLIT_INC"));
  g_assert_null(g_environ_getenv(env, "CISCO_SPLIT_EXC"));
  g_assert_null(g_environ_getenv(env, "CISCO_BANNER"));
  g_assert_null(g_environ_getenv(env, "CISCO_DEF_DOMAIN"));
  g_assert_null(g_environ_getenv(env, "CISCO_SPLIT_DNS"));
  g_clear_pointer(&env, g_strfreev);

  c->netmask = ip("255.255.0.255");
  add_net(c->split_inc, "198.18.0.0", "255.255.0.255", 0, 0, 0);
  env = osp_script_env("connect", c, (char **)base);
  g_assert_cmpstr(g_environ_getenv(env, "INTERNAL_IP4_NETMASK"), ==, "255.255.0.255");
  g_assert_cmpstr(g_environ_getenv(env, "INTERNAL_IP4_NETMASKLEN"), ==, "32");
  g_assert_cmpstr(g_environ_getenv(env, "INTERNAL_IP4_NETADDR"), ==, "198.18.0.33");
  g_assert_cmpstr(g_environ_getenv(env, "CISCO_SPLIT_INC_0_MASKLEN"), ==, "32");
  g_clear_pointer(&env, g_strfreev);

  g_array_set_size(c->split_inc, 0);
  c->netmask = ip("255.255.255.255");
  c->mtu = 65535;
  env = osp_script_env("connect", c, (char **)base);
  g_assert_cmpstr(g_environ_getenv(env, "INTERNAL_IP4_NETMASKLEN"), ==, "32");
  g_assert_cmpstr(g_environ_getenv(env, "INTERNAL_IP4_NETADDR"), ==, "198.18.200.33");
  g_assert_cmpstr(g_environ_getenv(env, "INTERNAL_IP4_MTU"), ==, "65535");
  g_assert_null(g_environ_getenv(env, "CISCO_SPLIT_INC"));
  g_clear_pointer(&env, g_strfreev);

  /* empty strings from the gateway are still "sent", as in vpnc */
  c->default_domain = g_strdup("");
  env = osp_script_env("connect", c, (char **)base);
  g_assert_cmpstr(g_environ_getenv(env, "CISCO_DEF_DOMAIN"), ==, "");
  g_clear_pointer(&env, g_strfreev);
}

/* ---- running ------------------------------------------------------------ */

static void test_run_fail_status(void)
{
  g_autoptr(GError) error = NULL;

  g_assert_false(osp_script_run("echo some output; echo earlier-line >&2; "
                                "printf 'route: no such device\\n\\n' >&2; exit 3",
                                "connect", NULL, &error));
  g_assert_error(error, OSP_ERROR, OSP_ERROR_SCRIPT);
  g_test_message("%s", error->message);
  g_assert_nonnull(strstr(error->message, "status 3"));
  g_assert_nonnull(strstr(error->message, "route: no such device"));
  g_assert_null(strstr(error->message, "earlier-line:"));
  g_assert_true(g_str_has_suffix(error->message, ": route: no such device"));
  g_assert_nonnull(strstr(error->message, "(connect)"));
}

static void test_run_fail_no_stderr(void)
{
  g_autoptr(GError) error = NULL;

  g_assert_false(osp_script_run("exit 1", "disconnect", NULL, &error));
  g_assert_error(error, OSP_ERROR, OSP_ERROR_SCRIPT);
  g_assert_true(g_str_has_suffix(error->message, "status 1"));
}

static void test_run_not_found(void)
{
  g_autoptr(GError) error = NULL;

  g_assert_false(osp_script_run("/nonexistent/osprey/vpnc-script", "pre-init", NULL, &error));
  g_assert_error(error, OSP_ERROR, OSP_ERROR_SCRIPT);
  g_test_message("%s", error->message);
  g_assert_nonnull(strstr(error->message, "status 127"));
  g_assert_nonnull(strstr(error->message, "/nonexistent/osprey/vpnc-script"));
}

static void test_run_fail_signal(void)
{
  g_autoptr(GError) error = NULL;

  g_assert_false(osp_script_run("echo dying >&2; kill -TERM $$", "connect", NULL, &error));
  g_assert_error(error, OSP_ERROR, OSP_ERROR_SCRIPT);
  g_test_message("%s", error->message);
  g_assert_nonnull(strstr(error->message, "signal 15"));
  g_assert_nonnull(strstr(error->message, "dying"));
}

/* Writes an executable script `name` into f->dir; its path. */
static char *write_script(Fixture *f, const char *name, const char *text)
{
  g_autoptr(GError) error = NULL;
  char *path = g_build_filename(f->dir, name, NULL);

  g_assert_true(g_file_set_contents(path, text, -1, &error));
  g_assert_no_error(error);
  g_assert_cmpint(g_chmod(path, 0755), ==, 0);
  return path;
}

static char *read_line_of(Fixture *f, const char *name)
{
  g_autofree char *path = g_build_filename(f->dir, name, NULL);
  char *text = NULL;

  g_assert_true(g_file_get_contents(path, &text, NULL, NULL));
  return g_strstrip(text);
}

/* A Script that is a plain path is executed directly, without /bin/sh -c
 * between us and it: its parent is this process. */
static void test_run_direct(Fixture *f, G_GNUC_UNUSED gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *script =
      write_script(f, "direct.sh", "#!/bin/sh\necho \"$PPID $0\" > \"${0%/*}/ran\"\n");
  g_autofree char *ran = NULL;
  g_autofree char *expected = NULL;

  g_assert_true(osp_script_run(script, "connect", NULL, &error));
  g_assert_no_error(error);
  ran = read_line_of(f, "ran");
  expected = g_strdup_printf("%s %s", f->pid_str, script);
  g_assert_cmpstr(ran, ==, expected);
}

/* Without a #! line exec refuses it (ENOEXEC); the shell runs it, as
 * vpnc's system() did. */
static void test_run_no_shebang(Fixture *f, G_GNUC_UNUSED gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *script = write_script(f, "plain", "echo \"$reason\" > \"${0%/*}/ran\"\n");
  g_autofree char *ran = NULL;

  g_assert_true(osp_script_run(script, "pre-init", NULL, &error));
  g_assert_no_error(error);
  ran = read_line_of(f, "ran");
  g_assert_cmpstr(ran, ==, "pre-init");
}

/* stdin is /dev/null: `read` sees end of file at once */
static void test_run_stdin(void)
{
  g_autoptr(GError) error = NULL;

  g_assert_true(osp_script_run("if read line; then exit 9; fi; exit 0", "connect", NULL, &error));
  g_assert_no_error(error);
}

/* More output than a pipe holds, and more than we keep. */
static void test_run_much_output(void)
{
  g_autoptr(GError) error = NULL;

  g_assert_false(osp_script_run("head -c 2000000 /dev/zero | tr '\\0' x; "
                                "head -c 600000 /dev/zero | tr '\\0' y >&2; "
                                "echo >&2; echo the-end >&2; exit 4",
                                "connect", NULL, &error));
  g_assert_error(error, OSP_ERROR, OSP_ERROR_SCRIPT);
  g_assert_true(g_str_has_suffix(error->message, ": the-end"));
  g_clear_error(&error);

  /* a huge last line is cut for the error message */
  g_assert_false(
      osp_script_run("head -c 100000 /dev/zero | tr '\\0' z >&2; exit 4", "connect", NULL, &error));
  g_assert_error(error, OSP_ERROR, OSP_ERROR_SCRIPT);
  g_assert_cmpuint(strlen(error->message), <, 600);
  g_assert_true(g_str_has_suffix(error->message, "zzz…"));
}

static gboolean process_gone(pid_t pid)
{
  g_autofree char *path = g_strdup_printf("/proc/%ld/stat", (long)pid);
  g_autofree char *stat = NULL;
  const char *p;

  if (!g_file_get_contents(path, &stat, NULL, NULL))
    return TRUE;
  p = strrchr(stat, ')');
  return p && p[1] == ' ' && p[2] == 'Z'; /* a zombie nobody reaped yet */
}

static pid_t read_pid(const char *dir, const char *name)
{
  g_autofree char *path = g_build_filename(dir, name, NULL);
  g_autofree char *s = NULL;
  guint64 v = 0;

  g_assert_true(g_file_get_contents(path, &s, NULL, NULL));
  g_strstrip(s);
  g_assert_true(g_ascii_string_to_unsigned(s, 10, 2, G_MAXINT, &v, NULL));
  return (pid_t)v;
}

/* A script that hangs is killed after OSP_SCRIPT_TIMEOUT_MS, with what it
 * started (the whole process group). */
static void test_run_timeout(Fixture *f, G_GNUC_UNUSED gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *qdir = g_shell_quote(f->dir);
  g_autofree char *cmd = g_strdup_printf("cd %s || exit 1; sleep 30 & echo $! > sleep.pid; "
                                         "echo waiting >&2; wait",
                                         qdir);
  gint64 start, elapsed;
  pid_t sleep_pid;
  int i;

  g_setenv("OSP_SCRIPT_TIMEOUT_MS", "300", TRUE);
  start = g_get_monotonic_time();
  g_assert_false(osp_script_run(cmd, "connect", NULL, &error));
  elapsed = g_get_monotonic_time() - start;
  g_unsetenv("OSP_SCRIPT_TIMEOUT_MS");
  g_assert_error(error, OSP_ERROR, OSP_ERROR_SCRIPT);
  g_test_message("%s (after %" G_GINT64_FORMAT " ms)", error->message, elapsed / 1000);
  g_assert_nonnull(strstr(error->message, "0.3 s"));
  g_assert_nonnull(strstr(error->message, "waiting"));
  g_assert_cmpint(elapsed, >=, 250 * 1000);
  g_assert_cmpint(elapsed, <, 10 * G_USEC_PER_SEC);

  sleep_pid = read_pid(f->dir, "sleep.pid");
  /* SIGKILL was sent to the group before we returned; the sleep becomes a
   * zombie or disappears as soon as the kernel has torn it down. */
  for (i = 0; i < 500 && !process_gone(sleep_pid); i++)
    g_usleep(10 * 1000);
  if (!process_gone(sleep_pid)) {
    kill(sleep_pid, SIGKILL); /* ours: do not leave it behind */
    g_error("sleep %ld survived the timeout", (long)sleep_pid);
  }
}

/* A script that exits while something it started still holds stdout and
 * stderr: we return when the script ends, not when the pipes close. */
static void test_run_background_child(Fixture *f, G_GNUC_UNUSED gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *qdir = g_shell_quote(f->dir);
  g_autofree char *cmd = g_strdup_printf("cd %s || exit 1; sleep 30 & echo $! > sleep.pid; "
                                         "echo started; exit 0",
                                         qdir);
  gint64 start, elapsed;
  pid_t sleep_pid;

  start = g_get_monotonic_time();
  g_assert_true(osp_script_run(cmd, "connect", NULL, &error));
  elapsed = g_get_monotonic_time() - start;
  g_assert_no_error(error);
  sleep_pid = read_pid(f->dir, "sleep.pid");
  kill(sleep_pid, SIGKILL);
  g_assert_cmpint(elapsed, <, 10 * G_USEC_PER_SEC);
}

/* ---- hostile strings from the gateway ----------------------------------- */

/* Host-name syntax: all a default domain or a split-DNS name may be. */
static void test_domain_syntax(void)
{
  g_autofree char *label63 = g_strnfill(63, 'a');
  g_autofree char *label64 = g_strnfill(64, 'a');
  g_autofree char *ok63 = g_strconcat(label63, ".example", NULL);
  g_autofree char *bad64 = g_strconcat(label64, ".example", NULL);
  g_autofree char *long254 = NULL;
  const struct {
    const char *name;
    gboolean ok;
  } cases[] = {
    { "corp.example", TRUE },
    { "a", TRUE },
    { "xn--bcher-kva.example", TRUE },
    { "_msdcs.corp.example", TRUE },
    { "3com.example", TRUE },
    { ok63, TRUE },
    { bad64, FALSE },
    { "", FALSE },
    { ".", FALSE },
    { "~.", FALSE },
    { "~corp.example", FALSE },
    { "x;touch /tmp/x", FALSE },
    { "corp.example\nnameserver 203.0.113.66", FALSE },
    { "corp.example\r", FALSE },
    { "$(id)", FALSE },
    { "`id`", FALSE },
    { "*.example", FALSE },
    { "a b", FALSE },
    { "a..b", FALSE },
    { ".a", FALSE },
    { "a.", FALSE },
    { "-a.example", FALSE },
    { "a-.example", FALSE },
    { "caf\xc3\xa9.example", FALSE },
  };
  GString *s = g_string_new(NULL);
  size_t i;

  while (s->len < 260)
    g_string_append(s, "abcd.");
  g_string_truncate(s, 253);
  g_assert_true(osp_netcfg_is_domain(s->str));
  g_string_append_c(s, 'x');
  long254 = g_string_free(s, FALSE);
  g_assert_false(osp_netcfg_is_domain(long254));
  g_assert_false(osp_netcfg_is_domain(NULL));
  for (i = 0; i < G_N_ELEMENTS(cases); i++) {
    g_test_message("case %zu: %s", i, cases[i].name);
    g_assert_cmpint(osp_netcfg_is_domain(cases[i].name), ==, cases[i].ok);
  }
}

/* What a hostile gateway sends, and what is left of it. */
static OspIpConfig *hostile_config(void)
{
  OspIpConfig *c = full_config();

  g_free(c->default_domain);
  c->default_domain = g_strdup("x;:>domain-ran");
  g_free(c->split_dns);
  c->split_dns = g_strdup("~.,corp.example,y;:>split-ran,lab.example,$(id)");
  g_free(c->banner);
  /* an OSC title sequence, CR LF, a C1 CSI, DEL, a line separator */
  c->banner = g_strdup("Hello\x1b]0;owned\x07\r\nline 2\xc2\x9b"
                       "2J\x7f\xe2\x80\xa8!\n\tend");
  return c;
}

/* Excluded networks no route can be made of, given to the script as they
 * are (the caller did not sanitize): 0.0.0.0/0 would take every packet out
 * of the tunnel, a non-contiguous mask has no MASKLEN, host bits make `ip
 * route` refuse the route.  The script sees only the usable ones, numbered
 * without gaps; osp_ip_config_sanitize() keeps the same ones.  The include
 * list passes as vpnc passes it (/netcfg/env/netmask). */
static void test_env_split_unusable(void)
{
  g_autoptr(OspIpConfig) c = full_config();
  g_auto(GStrv) env = NULL;

  g_array_set_size(c->split_inc, 0);
  g_array_set_size(c->split_exc, 0);
  add_net(c->split_inc, "198.51.100.0", "255.255.255.0", 0, 0, 0);
  add_net(c->split_exc, "0.0.0.0", "0.0.0.0", 0, 0, 0);
  add_net(c->split_exc, "203.0.113.0", "255.255.0.255", 0, 0, 0);
  add_net(c->split_exc, "203.0.113.200", "255.255.255.192", 17, 0, 53);
  env = osp_script_env("connect", c, NULL);
  g_assert_cmpstr(g_environ_getenv(env, "CISCO_SPLIT_INC"), ==, "1");
  g_assert_cmpstr(g_environ_getenv(env, "CISCO_SPLIT_INC_0_ADDR"), ==, "198.51.100.0");
  g_assert_cmpstr(g_environ_getenv(env, "CISCO_SPLIT_INC_0_MASKLEN"), ==, "24");
  g_assert_null(g_environ_getenv(env, "CISCO_SPLIT_INC_1_ADDR"));
  g_assert_cmpstr(g_environ_getenv(env, "CISCO_SPLIT_EXC"), ==, "1");
  g_assert_cmpstr(g_environ_getenv(env, "CISCO_SPLIT_EXC_0_ADDR"), ==, "203.0.113.192");
  g_assert_cmpstr(g_environ_getenv(env, "CISCO_SPLIT_EXC_0_MASK"), ==, "255.255.255.192");
  g_assert_cmpstr(g_environ_getenv(env, "CISCO_SPLIT_EXC_0_MASKLEN"), ==, "26");
  g_assert_cmpstr(g_environ_getenv(env, "CISCO_SPLIT_EXC_0_PROTOCOL"), ==, "17");
  g_assert_cmpstr(g_environ_getenv(env, "CISCO_SPLIT_EXC_0_DPORT"), ==, "53");
  g_assert_null(g_environ_getenv(env, "CISCO_SPLIT_EXC_1_ADDR"));

  /* 2 excludes dropped, 1 with its host bits cleared */
  g_assert_cmpuint(osp_ip_config_sanitize(c), ==, 3);
  g_assert_cmpuint(c->split_inc->len, ==, 1);
  g_assert_cmpuint(c->split_exc->len, ==, 1);
  g_assert_cmpuint(g_array_index(c->split_exc, OspSplitNet, 0).addr.s_addr, ==,
                   ip("203.0.113.192").s_addr);
}

/* IPv6 inside as OpenConnect passes it to the stock script: the address,
 * address/prefix as INTERNAL_IP6_NETMASK, the DNS list and
 * CISCO_IPV6_SPLIT_INC; nothing of it without an IPv6 address, nor for an
 * address no host may have. */
static void test_env_ip6(void)
{
  g_autoptr(OspIpConfig) c = full_config();
  g_auto(GStrv) env = NULL, none = NULL, bad = NULL;
  struct in6_addr dns;
  OspNet6 net = { .prefix = 48 };

  none = osp_script_env("connect", c, NULL);
  g_assert_null(g_environ_getenv(none, "INTERNAL_IP6_ADDRESS"));
  g_assert_null(g_environ_getenv(none, "INTERNAL_IP6_NETMASK"));
  g_assert_null(g_environ_getenv(none, "CISCO_IPV6_SPLIT_INC"));

  g_assert_cmpint(inet_pton(AF_INET6, "2001:db8:1::10", &c->address6), ==, 1);
  c->prefix6 = 64;
  g_assert_cmpint(inet_pton(AF_INET6, "2001:db8:2::53", &dns), ==, 1);
  g_array_append_val(c->dns6, dns);
  g_array_append_val(c->dns6, dns);
  g_assert_cmpint(inet_pton(AF_INET6, "2001:db8:3::", &net.addr), ==, 1);
  g_array_append_val(c->split_inc6, net);
  env = osp_script_env("connect", c, NULL);
  g_assert_cmpstr(g_environ_getenv(env, "INTERNAL_IP6_ADDRESS"), ==, "2001:db8:1::10");
  g_assert_cmpstr(g_environ_getenv(env, "INTERNAL_IP6_NETMASK"), ==, "2001:db8:1::10/64");
  g_assert_cmpstr(g_environ_getenv(env, "INTERNAL_IP6_DNS"), ==, "2001:db8:2::53 2001:db8:2::53");
  g_assert_cmpstr(g_environ_getenv(env, "CISCO_IPV6_SPLIT_INC"), ==, "1");
  g_assert_cmpstr(g_environ_getenv(env, "CISCO_IPV6_SPLIT_INC_0_ADDR"), ==, "2001:db8:3::");
  g_assert_cmpstr(g_environ_getenv(env, "CISCO_IPV6_SPLIT_INC_0_MASKLEN"), ==, "48");
  /* IPv4 is unchanged beside it */
  g_assert_nonnull(g_environ_getenv(env, "INTERNAL_IP4_ADDRESS"));

  g_assert_cmpint(inet_pton(AF_INET6, "ff02::1", &c->address6), ==, 1);
  bad = osp_script_env("connect", c, NULL);
  g_assert_null(g_environ_getenv(bad, "INTERNAL_IP6_ADDRESS"));
  g_assert_null(g_environ_getenv(bad, "CISCO_IPV6_SPLIT_INC"));
  /* a copy keeps it all; clearing forgets it all */
  g_assert_cmpint(inet_pton(AF_INET6, "2001:db8:1::10", &c->address6), ==, 1);
  {
    g_autoptr(OspIpConfig) d = osp_ip_config_copy(c);

    g_assert_true(osp_ip_config_has_ip6(d));
    g_assert_cmpuint(d->dns6->len, ==, 2);
    g_assert_cmpuint(d->split_inc6->len, ==, 1);
    osp_ip_config_clear_ip6(d);
    g_assert_false(osp_ip_config_has_ip6(d));
    g_assert_cmpuint(d->dns6->len + d->split_inc6->len, ==, 0);
  }
}

/* EnableLocalLAN: the on-link networks of /proc/net/route (no RTF_GATEWAY)
 * are excluded; not the default route, a route via a router, loopback, a
 * non-contiguous mask, the tunnel's own routes, nor one already excluded. */
static void test_local_lan(void)
{
  static const char routes[] =
      "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n"
      "eth0\t00000000\t010200C0\t0003\t0\t0\t100\t00000000\t0\t0\t0\n"
      "eth0\t000200C0\t00000000\t0001\t0\t0\t100\t00FFFFFF\t0\t0\t0\n"
      "wlan0\t807100CB\t00000000\t0001\t0\t0\t600\t80FFFFFF\t0\t0\t0\n"
      "eth0\t006433C6\t010200C0\t0003\t0\t0\t0\t00FFFFFF\t0\t0\t0\n"
      "lo\t0000007F\t00000000\t0001\t0\t0\t0\t000000FF\t0\t0\t0\n"
      "eth1\t000012C6\t00000000\t0001\t0\t0\t0\tFF00FFFF\t0\t0\t0\n"
      "tun0\t000012C6\t00000000\t0001\t0\t0\t0\t0000FEFF\t0\t0\t0\n"
      "eth2\t000200C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0\n"
      "x;y\t000300C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0\n";
  g_autoptr(GArray) exc = g_array_new(FALSE, TRUE, sizeof(OspSplitNet));
  g_autofree char *text = NULL;

  g_assert_cmpuint(osp_netcfg_add_local_lan(exc, routes, "tun0"), ==, 2);
  text = osp_networks_format(exc);
  g_assert_cmpstr(text, ==, "192.0.2.0/24 203.0.113.128/25");
  /* again: nothing new */
  g_assert_cmpuint(osp_netcfg_add_local_lan(exc, routes, "tun0"), ==, 0);
  g_assert_cmpuint(osp_netcfg_add_local_lan(exc, "", NULL), ==, 0);
  g_assert_cmpuint(exc->len, ==, 2);
}

static char *subtract(const char *include, const char *exclude, guint max, guint *skipped)
{
  g_autoptr(GArray) inc = NULL, exc = NULL, out = NULL;

  g_assert_true(osp_networks_parse("include", include, &inc, NULL));
  g_assert_true(osp_networks_parse("exclude", exclude, &exc, NULL));
  out = osp_networks_subtract(inc, exc, max, skipped);
  return osp_networks_format(out);
}

/* Excluded networks as routes NetworkManager can take: what stays in the
 * tunnel, as prefixes. */
static void test_networks_subtract(void)
{
  guint skipped_a = 9, skipped = 0;
  g_autofree char *a = subtract("", "128.0.0.0/1", 64, &skipped_a);
  g_autofree char *b = subtract("198.51.100.0/24", "198.51.100.64/26", 64, NULL);
  g_autofree char *c =
      subtract("198.51.100.0/24 203.0.113.0/24", "203.0.113.0/24 192.0.2.0/24", 64, NULL);
  g_autofree char *d = subtract("", "203.0.113.0/24", 64, NULL);
  g_autofree char *e = subtract("198.51.100.0/24", "198.51.100.7/32", 4, &skipped);
  g_autofree char *f = subtract("198.51.100.0/25", "198.51.100.0/24", 64, NULL);

  g_assert_cmpstr(a, ==, "0.0.0.0/1");
  g_assert_cmpuint(skipped_a, ==, 0);
  g_assert_cmpstr(b, ==, "198.51.100.128/25 198.51.100.0/26");
  g_assert_cmpstr(c, ==, "198.51.100.0/24");
  /* 24 prefixes: every address but 203.0.113.0/24 */
  g_assert_cmpstr(d, ==,
                  "0.0.0.0/1 128.0.0.0/2 224.0.0.0/3 208.0.0.0/4 192.0.0.0/5 204.0.0.0/6 "
                  "200.0.0.0/7 202.0.0.0/8 203.128.0.0/9 203.64.0.0/10 203.32.0.0/11 "
                  "203.16.0.0/12 203.8.0.0/13 203.4.0.0/14 203.2.0.0/15 203.1.0.0/16 "
                  "203.0.128.0/17 203.0.0.0/18 203.0.64.0/19 203.0.96.0/20 203.0.120.0/21 "
                  "203.0.116.0/22 203.0.114.0/23 203.0.112.0/24");
  /* too many prefixes for max: the exclude is not applied */
  g_assert_cmpstr(e, ==, "198.51.100.0/24");
  g_assert_cmpuint(skipped, ==, 1);
  g_assert_null(f);
}

static void add_net6(GArray *list, const char *addr, unsigned prefix)
{
  OspNet6 n = { .prefix = prefix };

  g_assert_cmpint(inet_pton(AF_INET6, addr, &n.addr), ==, 1);
  g_array_append_val(list, n);
}

static char *nets6_text(const GArray *nets)
{
  GString *s = g_string_new(NULL);
  char buf[INET6_ADDRSTRLEN];

  for (guint i = 0; i < nets->len; i++) {
    const OspNet6 *n = &g_array_index(nets, OspNet6, i);

    g_string_append_printf(s, "%s%s/%u", i ? " " : "",
                           inet_ntop(AF_INET6, &n->addr, buf, sizeof(buf)), n->prefix);
  }
  return g_string_free(s, FALSE);
}

/* The same for IPv6 (strongSwan's IPv6 split-exclude under
 * NetworkManager): ::/0 without 2001:db8:3::/64 is 64 prefixes, the
 * sibling of each bit on the way down; a network inside an excluded one
 * is gone; one too many prefixes for max is not applied. */
static void test_networks6_subtract(void)
{
  g_autoptr(GArray) inc = g_array_new(FALSE, TRUE, sizeof(OspNet6));
  g_autoptr(GArray) exc = g_array_new(FALSE, TRUE, sizeof(OspNet6));
  g_autoptr(GArray) all = NULL, split = NULL, capped = NULL, gone = NULL;
  g_autofree char *text = NULL;
  guint skipped = 0;

  add_net6(exc, "2001:db8:3::", 64);
  all = osp_networks6_subtract(NULL, exc, 1024, &skipped);
  g_assert_cmpuint(all->len, ==, 64);
  g_assert_cmpuint(skipped, ==, 0);
  text = nets6_text(all);
  g_assert_true(g_str_has_prefix(text, "8000::/1 4000::/2 ::/3 3000::/4 "));
  g_assert_true(g_str_has_suffix(text, " 2001:db8:3:2::/63 2001:db8:3:1::/64"));
  for (guint i = 0; i < all->len; i++) /* one per bit on the way down */
    g_assert_cmpuint(g_array_index(all, OspNet6, i).prefix, ==, i + 1);
  add_net6(inc, "2001:db8:2::", 48);
  add_net6(inc, "2001:db8:3::", 64);
  split = osp_networks6_subtract(inc, exc, 1024, NULL);
  g_clear_pointer(&text, g_free);
  text = nets6_text(split);
  g_assert_cmpstr(text, ==, "2001:db8:2::/48");
  capped = osp_networks6_subtract(NULL, exc, 63, &skipped);
  g_assert_cmpuint(skipped, ==, 1);
  g_assert_cmpuint(capped->len, ==, 1); /* ::/0 */
  g_array_set_size(inc, 0);
  add_net6(inc, "2001:db8:3:0:8000::", 65);
  gone = osp_networks6_subtract(inc, exc, 1024, NULL);
  g_assert_cmpuint(gone->len, ==, 0);
}

#define HOSTILE_BANNER_CLEAN "Hello]0;owned\nline 22J!\n\tend"

static void test_sanitize_hostile(void)
{
  g_autoptr(OspIpConfig) c = hostile_config();
  g_autoptr(OspIpConfig) good = full_config();
  g_autofree char *banner = g_strdup(good->banner);

  g_assert_cmpuint(osp_ip_config_sanitize(c), ==, 1 + 3 + 1);
  g_assert_null(c->default_domain);
  g_assert_cmpstr(c->split_dns, ==, "corp.example,lab.example");
  g_assert_cmpstr(c->banner, ==, HOSTILE_BANNER_CLEAN);

  /* nothing to do for a sane gateway: values unchanged */
  g_assert_cmpuint(osp_ip_config_sanitize(good), ==, 0);
  g_assert_cmpstr(good->default_domain, ==, "corp.example");
  g_assert_cmpstr(good->split_dns, ==, "a.example,b.example");
  g_assert_cmpstr(good->banner, ==, banner);

  /* space-separated (repeated attributes joined) keeps its separator */
  g_free(good->split_dns);
  good->split_dns = g_strdup("corp.example ~. lab.example");
  g_assert_cmpuint(osp_ip_config_sanitize(good), ==, 1);
  g_assert_cmpstr(good->split_dns, ==, "corp.example lab.example");
  /* nothing valid: not sent at all */
  g_free(good->split_dns);
  good->split_dns = g_strdup("~.");
  g_free(good->default_domain);
  good->default_domain = g_strdup("corp.example\nnameserver 203.0.113.66");
  g_assert_cmpuint(osp_ip_config_sanitize(good), ==, 2);
  g_assert_null(good->split_dns);
  g_assert_null(good->default_domain);
}

/* The environment applies the same rules even to an unsanitised config. */
static void test_env_hostile(void)
{
  g_autoptr(OspIpConfig) c = hostile_config();
  const char *base[] = { "PATH=/usr/bin:/bin", NULL };
  g_auto(GStrv) env = osp_script_env("connect", c, (char **)base);

  g_assert_null(g_environ_getenv(env, "CISCO_DEF_DOMAIN"));
  g_assert_cmpstr(g_environ_getenv(env, "CISCO_SPLIT_DNS"), ==, "corp.example,lab.example");
  g_assert_cmpstr(g_environ_getenv(env, "CISCO_BANNER"), ==, HOSTILE_BANNER_CLEAN);
}

/* A script that does with the values what the stock vpnc-script's SUSE
 * path (`eval ... -d $CISCO_DEF_DOMAIN`) and its resolvectl path (unquoted
 * split-DNS list) do: no command of the gateway's runs. */
static void test_run_hostile_eval(void)
{
  g_autoptr(OspIpConfig) c = hostile_config();
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp("osp-netcfg-XXXXXX", NULL);
  g_autofree char *cmd = NULL;
  g_autofree char *domain_ran = g_build_filename(dir, "domain-ran", NULL);
  g_autofree char *split_ran = g_build_filename(dir, "split-ran", NULL);
  g_autofree char *seen = g_build_filename(dir, "seen", NULL);
  g_autofree char *text = NULL;

  g_assert_nonnull(dir);
  cmd = g_strdup_printf("cd '%s' && eval \"true -d $CISCO_DEF_DOMAIN\" && "
                        "for d in $(echo $CISCO_SPLIT_DNS | tr , ' '); do eval \"true $d\"; done; "
                        "echo \"$CISCO_SPLIT_DNS\" > seen",
                        dir);
  g_assert_true(osp_script_run(cmd, "connect", c, &error));
  g_assert_no_error(error);
  g_assert_false(g_file_test(domain_ran, G_FILE_TEST_EXISTS));
  g_assert_false(g_file_test(split_ran, G_FILE_TEST_EXISTS));
  g_assert_true(g_file_get_contents(seen, &text, NULL, NULL));
  g_assert_cmpstr(text, ==, "corp.example,lab.example\n");
  g_unlink(seen);
  g_rmdir(dir);
}

/* ---- stale state of a client that died ---------------------------------- */

#define ORIGINAL "# the original\nnameserver 198.18.255.53\nsearch before.example\n"
/* what the stock script's modify_resolvconf_generic() writes */
#define GENERATED                                         \
  "#@VPNC_GENERATED@ -- this file is generated by vpnc\n" \
  "# and will be overwritten by vpnc\n"                   \
  "# as long as the above mark is intact\n"               \
  "# the original\nnameserver 198.51.100.53\nsearch before.example corp.example\n"

typedef struct {
  char *dir;
  char *resolv;
  char *script_dir;
  char *own_dir;
  OspScriptState st;
} StaleFixture;

static void stale_setup(StaleFixture *f, G_GNUC_UNUSED gconstpointer data)
{
  f->dir = g_dir_make_tmp("osp-stale-XXXXXX", NULL);
  g_assert_nonnull(f->dir);
  f->resolv = g_build_filename(f->dir, "resolv.conf", NULL);
  f->script_dir = g_build_filename(f->dir, "vpnc", NULL);
  f->own_dir = g_build_filename(f->dir, "state", NULL);
  g_assert_cmpint(g_mkdir(f->script_dir, 0755), ==, 0);
  f->st.resolv_conf = f->resolv;
  f->st.script_dir = f->script_dir;
  f->st.own_dir = f->own_dir;
}

static void stale_teardown(StaleFixture *f, G_GNUC_UNUSED gconstpointer data)
{
  g_autofree char *cmd = g_strdup_printf("rm -rf '%s'", f->dir);

  g_assert_cmpint(system(cmd), ==, 0);
  g_free(f->dir);
  g_free(f->resolv);
  g_free(f->script_dir);
  g_free(f->own_dir);
}

/* In place, as the script writes resolv.conf (its inode keys Osprey's copy). */
static void put(const char *path, const char *text)
{
  FILE *fp = fopen(path, "w");

  g_assert_nonnull(fp);
  g_assert_cmpint(fputs(text, fp), >=, 0);
  g_assert_cmpint(fclose(fp), ==, 0);
}

static char *get(const char *path)
{
  char *text = NULL;

  g_assert_true(g_file_get_contents(path, &text, NULL, NULL));
  return text;
}

/* A pid no process has: a child that was reaped. */
static pid_t dead_pid(void)
{
  pid_t pid = fork();

  if (pid == 0)
    _exit(0);
  g_assert_cmpint(pid, >, 0);
  g_assert_cmpint(waitpid(pid, NULL, 0), ==, pid);
  return pid;
}

static char *backup_path(const StaleFixture *f, long pid)
{
  g_autofree char *name = g_strdup_printf("resolv.conf-backup.%ld", pid);

  return g_build_filename(f->script_dir, name, NULL);
}

/* /proc/net/route: the default route with the lowest metric, as `ip route`
 * words; none when only a tunnel's or no default route is there. */
static void test_default_route(void)
{
  static const char head[] =
      "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n";
  g_autofree char *one = g_strconcat(head,
                                     "eth0\t00000000\t010200C0\t0003\t0\t0\t0\t00000000\t0\t0\t0\n"
                                     "eth0\t000200C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0\n",
                                     NULL);
  g_autofree char *two =
      g_strconcat(head,
                  "wlan0\t00000000\t016433C6\t0003\t0\t0\t600\t00000000\t0\t0\t0\n"
                  "eth1\t00000000\t017100CB\t0003\t0\t0\t100\t00000000\t0\t0\t0\n",
                  NULL);
  g_autofree char *tun =
      g_strconcat(head, "tun0\t00000000\t00000000\t0001\t0\t0\t0\t00000000\t0\t0\t0\n", NULL);
  g_autofree char *down =
      g_strconcat(head,
                  "eth0\t00000000\t010200C0\t0002\t0\t0\t0\t00000000\t0\t0\t0\n"
                  "eth0\t000200C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0\n",
                  NULL);
  g_autofree char *r1 = osp_netcfg_default_route(one);
  g_autofree char *r2 = osp_netcfg_default_route(two);
  g_autofree char *r3 = osp_netcfg_default_route(tun);
  g_autofree char *r4 = osp_netcfg_default_route(down);
  g_autofree char *r5 = osp_netcfg_default_route(head);

  g_assert_cmpstr(r1, ==, "default via 192.0.2.1 dev eth0 metric 0");
  g_assert_cmpstr(r2, ==, "default via 203.0.113.1 dev eth1 metric 100");
  g_assert_cmpstr(r3, ==, "default dev tun0 metric 0");
  g_assert_null(r4); /* not RTF_UP */
  g_assert_null(r5);
  g_assert_null(osp_netcfg_default_route(NULL));
}

/* Nothing stale: nothing done, a copy of the original kept, then dropped. */
static void test_stale_clean(StaleFixture *f, G_GNUC_UNUSED gconstpointer data)
{
  g_autofree char *repaired = NULL, *text = NULL;
  g_autoptr(GDir) dir = NULL;

  put(f->resolv, ORIGINAL);
  repaired = osp_script_state_repair(&f->st, getpid());
  g_assert_null(repaired);
  text = get(f->resolv);
  g_assert_cmpstr(text, ==, ORIGINAL);
  dir = g_dir_open(f->own_dir, 0, NULL);
  g_assert_nonnull(dir);
  g_assert_nonnull(g_dir_read_name(dir)); /* the copy */
  g_clear_pointer(&dir, g_dir_close);
  osp_script_state_forget(&f->st);
  dir = g_dir_open(f->own_dir, 0, NULL);
  g_assert_null(g_dir_read_name(dir));
}

/* Osprey killed while up, /run gone with it (power loss, or the lab's
 * private /run): its own copy restores the original. */
static void test_stale_own_copy(StaleFixture *f, G_GNUC_UNUSED gconstpointer data)
{
  g_autofree char *repaired = NULL, *text = NULL;

  put(f->resolv, ORIGINAL);
  g_assert_null(osp_script_state_repair(&f->st, dead_pid()));
  put(f->resolv, GENERATED); /* what the connect made of it; then SIGKILL */

  repaired = osp_script_state_repair(&f->st, getpid());
  g_assert_nonnull(repaired);
  g_test_message("%s", repaired);
  g_assert_nonnull(strstr(repaired, "Osprey's copy"));
  g_assert_nonnull(strstr(repaired, f->resolv));
  text = get(f->resolv);
  g_assert_cmpstr(text, ==, ORIGINAL);
}

/* The only file in Osprey's own state directory */
static char *own_copy(const StaleFixture *f)
{
  g_autoptr(GDir) dir = g_dir_open(f->own_dir, 0, NULL);
  const char *name;

  g_assert_nonnull(dir);
  name = g_dir_read_name(dir);
  g_assert_nonnull(name);
  g_assert_null(g_dir_read_name(dir));
  return g_build_filename(f->own_dir, name, NULL);
}

/* Every connect keeps a copy of the original: written once while it stays
 * the same (the write is durable, on the way to the tunnel), again when it
 * changed. */
static void test_stale_copy_unchanged(StaleFixture *f, G_GNUC_UNUSED gconstpointer data)
{
  g_autofree char *copy = NULL, *text = NULL;
  struct stat before, after;

  put(f->resolv, ORIGINAL);
  g_assert_null(osp_script_state_repair(&f->st, getpid()));
  copy = own_copy(f);
  g_assert_cmpint(stat(copy, &before), ==, 0);
  g_assert_null(osp_script_state_repair(&f->st, getpid()));
  g_assert_cmpint(stat(copy, &after), ==, 0);
  g_assert_cmpuint(after.st_ino, ==, before.st_ino); /* a rewrite renames a new file there */

  put(f->resolv, "# changed since\nnameserver 198.51.100.54\n");
  g_assert_null(osp_script_state_repair(&f->st, getpid()));
  text = get(copy);
  g_assert_cmpstr(text, ==, "# changed since\nnameserver 198.51.100.54\n");
}

/* vpnc (or Osprey) killed, /run still there: the backup it left is the
 * original; it is restored and removed.  It wins over an older copy. */
static void test_stale_orphan_backup(StaleFixture *f, G_GNUC_UNUSED gconstpointer data)
{
  g_autofree char *backup = backup_path(f, dead_pid());
  g_autofree char *repaired = NULL, *text = NULL;

  put(f->resolv, "# older\n");
  g_assert_null(osp_script_state_repair(&f->st, getpid()));
  put(backup, ORIGINAL);
  put(f->resolv, GENERATED);

  repaired = osp_script_state_repair(&f->st, getpid());
  g_assert_nonnull(repaired);
  g_assert_nonnull(strstr(repaired, backup));
  text = get(f->resolv);
  g_assert_cmpstr(text, ==, ORIGINAL);
  g_assert_false(g_file_test(backup, G_FILE_TEST_EXISTS));
}

/* No copy anywhere: the mark goes, the rest stays. */
static void test_stale_rebuilt(StaleFixture *f, G_GNUC_UNUSED gconstpointer data)
{
  g_autofree char *repaired = NULL, *text = NULL;

  put(f->resolv, GENERATED);
  repaired = osp_script_state_repair(&f->st, getpid());
  g_assert_nonnull(repaired);
  g_assert_nonnull(strstr(repaired, "no copy"));
  text = get(f->resolv);
  g_assert_cmpstr(text, ==, "# the original\nsearch before.example corp.example\n");
}

/* A live client's mark (another process, or this one's own tunnel) is left
 * alone. */
static void test_stale_live_owner(StaleFixture *f, G_GNUC_UNUSED gconstpointer data)
{
  g_autofree char *other = backup_path(f, getppid());
  g_autofree char *mine = backup_path(f, getpid());
  g_autofree char *text = NULL;

  put(f->resolv, GENERATED);
  put(other, ORIGINAL);
  g_assert_null(osp_script_state_repair(&f->st, getpid()));
  text = get(f->resolv);
  g_assert_cmpstr(text, ==, GENERATED);
  g_assert_true(g_file_test(other, G_FILE_TEST_EXISTS));
  g_unlink(other);
  g_clear_pointer(&text, g_free);

  put(mine, ORIGINAL);
  g_assert_null(osp_script_state_repair(&f->st, getpid()));
  text = get(f->resolv);
  g_assert_cmpstr(text, ==, GENERATED);
}

/* ---- helper mode for netcfg-real-script.sh ------------------------------ */

static gboolean parse_ip_env(const char *var, struct in_addr *out, GError **error)
{
  const char *s = g_getenv(var);

  if (!s || !*s)
    return TRUE;
  if (inet_pton(AF_INET, s, out) != 1) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "%s: bad address %s", var, s);
    return FALSE;
  }
  return TRUE;
}

/* the gateway: IPv4 or IPv6 */
static gboolean parse_gateway_env(const char *var, OspAddr *out, GError **error)
{
  const char *s = g_getenv(var);

  if (!s || !*s)
    return TRUE;
  if (!osp_addr_parse(s, 0, out)) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "%s: bad address %s", var, s);
    return FALSE;
  }
  return TRUE;
}

static gboolean parse_ip_list_env(const char *var, GArray *list, GError **error)
{
  g_auto(GStrv) words = g_strsplit(g_getenv(var) ? g_getenv(var) : "", " ", -1);
  guint i;

  for (i = 0; words[i]; i++) {
    struct in_addr a;

    if (!*words[i])
      continue;
    if (inet_pton(AF_INET, words[i], &a) != 1) {
      g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "%s: bad address %s", var,
                  words[i]);
      return FALSE;
    }
    g_array_append_val(list, a);
  }
  return TRUE;
}

/* "a.b.c.d/len a.b.c.d/len ..." */
static gboolean parse_nets_env(const char *var, GArray *list, GError **error)
{
  g_auto(GStrv) words = g_strsplit(g_getenv(var) ? g_getenv(var) : "", " ", -1);
  guint i;

  for (i = 0; words[i]; i++) {
    g_auto(GStrv) parts = NULL;
    OspSplitNet n = { 0 };
    guint64 len;

    if (!*words[i])
      continue;
    parts = g_strsplit(words[i], "/", 2);
    if (!parts[1] || inet_pton(AF_INET, parts[0], &n.addr) != 1 ||
        !g_ascii_string_to_unsigned(parts[1], 10, 0, 32, &len, NULL)) {
      g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "%s: bad network %s", var,
                  words[i]);
      return FALSE;
    }
    n.mask.s_addr = len ? htonl(0xffffffffu << (32 - len)) : 0;
    g_array_append_val(list, n);
  }
  return TRUE;
}

static OspIpConfig *config_from_env(GError **error)
{
  g_autoptr(OspIpConfig) c = osp_ip_config_new();
  const char *s;

  if (!parse_gateway_env("OSP_NC_GATEWAY", &c->gateway, error) ||
      !parse_ip_env("OSP_NC_ADDRESS", &c->address, error) ||
      !parse_ip_env("OSP_NC_NETMASK", &c->netmask, error) ||
      !parse_ip_list_env("OSP_NC_DNS", c->dns, error) ||
      !parse_ip_list_env("OSP_NC_NBNS", c->nbns, error) ||
      !parse_nets_env("OSP_NC_SPLIT_INC", c->split_inc, error) ||
      !parse_nets_env("OSP_NC_SPLIT_EXC", c->split_exc, error))
    return NULL;
  c->tundev = g_strdup(g_getenv("OSP_NC_TUNDEV"));
  c->default_domain = g_strdup(g_getenv("OSP_NC_DOMAIN"));
  c->banner = g_strdup(g_getenv("OSP_NC_BANNER"));
  c->split_dns = g_strdup(g_getenv("OSP_NC_SPLIT_DNS"));
  s = g_getenv("OSP_NC_MTU");
  if (s)
    c->mtu = (unsigned)g_ascii_strtoull(s, NULL, 10);
  return g_steal_pointer(&c);
}

static gboolean run_one(const char *script, const char *reason, const OspIpConfig *c)
{
  g_autoptr(GError) error = NULL;

  if (osp_script_run(script, reason, g_str_equal(reason, "pre-init") ? NULL : c, &error)) {
    printf("ok %s\n", reason);
    fflush(stdout);
    return TRUE;
  }
  printf("fail %s: %s\n", reason, error->message);
  fflush(stdout);
  return FALSE;
}

static int run_script_mode(int argc, char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(OspIpConfig) c = config_from_env(&error);
  const char *script = g_getenv("OSP_NC_SCRIPT");
  char line[256];
  gboolean ok = TRUE;
  int i;

  /* stdout carries the answers; GLib would print debug messages there */
  g_log_writer_default_set_use_stderr(TRUE);
  if (!script || !*script)
    script = "/usr/share/vpnc-scripts/vpnc-script";
  if (!c) {
    printf("fail config: %s\n", error->message);
    return 2;
  }
  osp_ip_config_sanitize(c); /* as the session does with what the gateway sent */
  if (argc > 2) {
    for (i = 2; i < argc; i++)
      ok = run_one(script, argv[i], c) && ok;
    return ok ? 0 : 1;
  }
  while (fgets(line, sizeof(line), stdin)) {
    g_strstrip(line);
    if (!*line)
      continue;
    if (g_str_equal(line, "quit"))
      break;
    ok = run_one(script, line, c) && ok;
  }
  return ok ? 0 : 1;
}

/* A deep copy: equal values, nothing shared. */
static void test_ip_config_copy(void)
{
  g_autoptr(OspIpConfig) a = osp_ip_config_new();
  g_autoptr(OspIpConfig) b = NULL;
  struct in_addr dns;
  OspSplitNet net = { 0 };

  inet_pton(AF_INET, "198.18.1.10", &a->address);
  inet_pton(AF_INET, "255.255.255.255", &a->netmask);
  inet_pton(AF_INET, "198.51.100.53", &dns);
  g_array_append_val(a->dns, dns);
  inet_pton(AF_INET, "198.51.100.0", &net.addr);
  inet_pton(AF_INET, "255.255.255.0", &net.mask);
  g_array_append_val(a->split_inc, net);
  a->tundev = g_strdup("tun0");
  a->default_domain = g_strdup("corp.example");
  a->banner = g_strdup("Welcome");
  a->mtu = 1412;
  a->pfs_group = 14;

  b = osp_ip_config_copy(a);
  g_assert_cmpuint(b->address.s_addr, ==, a->address.s_addr);
  g_assert_cmpuint(b->netmask.s_addr, ==, a->netmask.s_addr);
  g_assert_cmpuint(b->dns->len, ==, 1);
  g_assert_cmpuint(g_array_index(b->dns, struct in_addr, 0).s_addr, ==, dns.s_addr);
  g_assert_cmpuint(b->split_inc->len, ==, 1);
  g_assert_cmpuint(b->nbns->len, ==, 0);
  g_assert_cmpstr(b->tundev, ==, "tun0");
  g_assert_cmpstr(b->default_domain, ==, "corp.example");
  g_assert_cmpstr(b->banner, ==, "Welcome");
  g_assert_cmpuint(b->mtu, ==, 1412);
  g_assert_cmpint(b->pfs_group, ==, 14);
  g_assert_true(b->tundev != a->tundev);
  g_assert_true(b->dns != a->dns);
}

int main(int argc, char **argv)
{
  if (argc > 1 && g_str_equal(argv[1], "--run-script"))
    return run_script_mode(argc, argv);

  g_test_init(&argc, &argv, NULL);

  g_test_add_func("/netcfg/ip-config/new-free", test_ip_config_new_free);
  g_test_add_func("/netcfg/ip-config/copy", test_ip_config_copy);
  g_test_add_func("/netcfg/netmask-len", test_netmask_len);
  g_test_add("/netcfg/env/connect-full", Fixture, NULL, fixture_setup, test_env_connect_full,
             fixture_teardown);
  g_test_add("/netcfg/env/script-with-arguments", Fixture, NULL, fixture_setup,
             test_env_script_with_arguments, fixture_teardown);
  g_test_add("/netcfg/env/pre-init-null", Fixture, NULL, fixture_setup, test_env_pre_init_null,
             fixture_teardown);
  g_test_add_func("/netcfg/env/pre-init-cfg", test_env_pre_init_cfg);
  g_test_add("/netcfg/env/no-leak", Fixture, NULL, fixture_setup, test_env_no_leak,
             fixture_teardown);
  g_test_add_func("/netcfg/env/base", test_env_base);
  g_test_add_func("/netcfg/env/netmask", test_env_netmask);
  g_test_add_func("/netcfg/domain-syntax", test_domain_syntax);
  g_test_add_func("/netcfg/sanitize/hostile", test_sanitize_hostile);
  g_test_add_func("/netcfg/env/hostile", test_env_hostile);
  g_test_add_func("/netcfg/env/split-unusable", test_env_split_unusable);
  g_test_add_func("/netcfg/local-lan", test_local_lan);
  g_test_add_func("/netcfg/env/ip6", test_env_ip6);
  g_test_add_func("/netcfg/networks-subtract", test_networks_subtract);
  g_test_add_func("/netcfg/networks6-subtract", test_networks6_subtract);
  g_test_add_func("/netcfg/run/hostile-eval", test_run_hostile_eval);
  g_test_add_func("/netcfg/default-route", test_default_route);
#define STALE_TEST(name, fn) \
  g_test_add("/netcfg/stale/" name, StaleFixture, NULL, stale_setup, fn, stale_teardown)
  STALE_TEST("clean", test_stale_clean);
  STALE_TEST("own-copy", test_stale_own_copy);
  STALE_TEST("copy-unchanged", test_stale_copy_unchanged);
  STALE_TEST("orphan-backup", test_stale_orphan_backup);
  STALE_TEST("rebuilt", test_stale_rebuilt);
  STALE_TEST("live-owner", test_stale_live_owner);
  g_test_add_func("/netcfg/run/fail-status", test_run_fail_status);
  g_test_add_func("/netcfg/run/fail-no-stderr", test_run_fail_no_stderr);
  g_test_add_func("/netcfg/run/not-found", test_run_not_found);
  g_test_add_func("/netcfg/run/fail-signal", test_run_fail_signal);
  g_test_add("/netcfg/run/direct", Fixture, NULL, fixture_setup, test_run_direct, fixture_teardown);
  g_test_add("/netcfg/run/no-shebang", Fixture, NULL, fixture_setup, test_run_no_shebang,
             fixture_teardown);
  g_test_add_func("/netcfg/run/stdin", test_run_stdin);
  g_test_add_func("/netcfg/run/much-output", test_run_much_output);
  g_test_add("/netcfg/run/timeout", Fixture, NULL, fixture_setup, test_run_timeout,
             fixture_teardown);
  g_test_add("/netcfg/run/background-child", Fixture, NULL, fixture_setup,
             test_run_background_child, fixture_teardown);

  return g_test_run();
}
