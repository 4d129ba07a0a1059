/* SPDX-License-Identifier: GPL-2.0-or-later
 * osp-esp-bench — throughput of the userspace ESP datapath (client/osp-esp.c)
 * for the suites gateways actually negotiate.  Encrypts, and encrypts then
 * decrypts, one inner packet in place over and over, as the TUN -> socket
 * and socket -> TUN loops do, and reports inner-payload MB/s (wall clock)
 * and CPU ns per packet (process CPU time). */
#include "osp-esp.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <openssl/rand.h>

typedef struct {
  const char *name;
  OspEspEnc enc;
  unsigned bits;
  OspEspAuth auth;
} Suite;

static const Suite suites[] = {
  { "AES-128-CBC + HMAC-SHA1-96", OSP_ESP_AES_CBC, 128, OSP_ESP_AUTH_HMAC_SHA1 },
  { "AES-256-CBC + HMAC-SHA1-96", OSP_ESP_AES_CBC, 256, OSP_ESP_AUTH_HMAC_SHA1 },
  { "AES-256-CBC + HMAC-SHA2-256-128", OSP_ESP_AES_CBC, 256, OSP_ESP_AUTH_HMAC_SHA256 },
  { "AES-128-GCM-16", OSP_ESP_AES_GCM_16, 128, OSP_ESP_AUTH_NONE },
  { "AES-256-GCM-16", OSP_ESP_AES_GCM_16, 256, OSP_ESP_AUTH_NONE },
  { "3DES-CBC + HMAC-SHA1-96", OSP_ESP_3DES, 0, OSP_ESP_AUTH_HMAC_SHA1 },
};

typedef struct {
  double wall_ns, cpu_ns;
} Sample;

static double clock_ns(clockid_t id)
{
  struct timespec ts;

  clock_gettime(id, &ts);
  return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static void sample_start(Sample *s)
{
  s->wall_ns = clock_ns(CLOCK_MONOTONIC);
  s->cpu_ns = clock_ns(CLOCK_PROCESS_CPUTIME_ID);
}

static void sample_stop(Sample *s)
{
  s->wall_ns = clock_ns(CLOCK_MONOTONIC) - s->wall_ns;
  s->cpu_ns = clock_ns(CLOCK_PROCESS_CPUTIME_ID) - s->cpu_ns;
}

static int make_sa_pair(const Suite *s, OspEspSa **ret_out, OspEspSa **ret_in)
{
  uint8_t ekey[64], akey[64];
  size_t elen = osp_esp_enc_key_len(s->enc, s->bits), alen = osp_esp_auth_key_len(s->auth);
  int r;

  if (RAND_bytes(ekey, sizeof(ekey)) != 1 || RAND_bytes(akey, sizeof(akey)) != 1)
    return -EIO;
  r = osp_esp_sa_new(0x1000, s->enc, s->bits, ekey, elen, s->auth, akey, alen, ret_out);
  if (r == 0) {
    r = osp_esp_sa_new(0x1000, s->enc, s->bits, ekey, elen, s->auth, akey, alen, ret_in);
    if (r < 0)
      g_clear_pointer(ret_out, osp_esp_sa_free);
  }
  return r;
}

static int run(const Suite *s, size_t size, unsigned packets_opt)
{
  g_autoptr(OspEspSa) enc_only = NULL;
  g_autoptr(OspEspSa) out = NULL;
  g_autoptr(OspEspSa) in = NULL;
  g_autoptr(OspEspSa) unused = NULL;
  g_autofree uint8_t *mem = g_malloc0(OSP_ESP_HEADROOM + size + OSP_ESP_TAILROOM);
  uint8_t *pkt = mem + OSP_ESP_HEADROOM, *esp = NULL, *inner = NULL;
  size_t esp_len = 0, inner_len = 0;
  Sample e, ed, probe;
  unsigned i, packets = packets_opt;
  int r;

  if ((r = make_sa_pair(s, &out, &in)) < 0 || (r = make_sa_pair(s, &enc_only, &unused)) < 0) {
    fprintf(stderr, "%s: %s\n", s->name, g_strerror(-r));
    return r;
  }
  memset(pkt, 0x45, size);

  /* warm caches and the CPU clock; size the run to ~0.5 s of encryption
   * unless told otherwise */
  sample_start(&probe);
  for (i = 0; i < 500; i++)
    if ((r = osp_esp_encrypt(enc_only, pkt, size, 4, &esp, &esp_len)) < 0)
      goto fail;
  sample_stop(&probe);
  if (!packets)
    packets = (unsigned)CLAMP(0.5e9 / (probe.cpu_ns / 500), 1000, 10000000);

  sample_start(&e);
  for (i = 0; i < packets; i++)
    if ((r = osp_esp_encrypt(enc_only, pkt, size, 4, &esp, &esp_len)) < 0)
      goto fail;
  sample_stop(&e);

  sample_start(&ed);
  for (i = 0; i < packets; i++) {
    if ((r = osp_esp_encrypt(out, pkt, size, 4, &esp, &esp_len)) < 0)
      goto fail;
    /* decrypts in place: the inner packet lands back at pkt */
    if ((r = osp_esp_decrypt(in, esp, esp_len, &inner, &inner_len, NULL)) < 0)
      goto fail;
  }
  sample_stop(&ed);
  if (inner != pkt || inner_len != size) {
    fprintf(stderr, "%s: round trip broken\n", s->name);
    return -EIO;
  }

  /* MB/s = 1e6 bytes per second; "cpu" divides by CPU time instead of
   * wall time, which is what one core sustains on a busy machine */
  printf("%-32s %8u %9.1f %9.1f %8.0f %9.1f %9.1f %8.0f %8.0f\n", s->name, packets,
         (double)size * packets / e.wall_ns * 1e3, (double)size * packets / e.cpu_ns * 1e3,
         e.cpu_ns / packets, (double)size * packets / ed.wall_ns * 1e3,
         (double)size * packets / ed.cpu_ns * 1e3, ed.cpu_ns / packets,
         (ed.cpu_ns - e.cpu_ns) / packets);
  return 0;

fail:
  fprintf(stderr, "%s: %s\n", s->name, g_strerror(-r));
  return r;
}

int main(int argc, char **argv)
{
  gint packets = 0, size = 1400;
  GOptionEntry entries[] = {
    { "packets", 'n', 0, G_OPTION_ARG_INT, &packets,
      "Packets per measurement (default: ~0.5 s worth)", "N" },
    { "size", 's', 0, G_OPTION_ARG_INT, &size, "Inner packet size in bytes (1400)", "BYTES" },
    { NULL, 0, 0, 0, NULL, NULL, NULL },
  };
  g_autoptr(GOptionContext) ctx = g_option_context_new("- ESP encrypt/decrypt throughput");
  g_autoptr(GError) error = NULL;
  size_t i;
  int ret = 0;

  g_option_context_add_main_entries(ctx, entries, NULL);
  if (!g_option_context_parse(ctx, &argc, &argv, &error)) {
    fprintf(stderr, "%s\n", error->message);
    return 2;
  }
  if (packets < 0 || size < 0 || size > 65535) {
    fprintf(stderr, "bad --packets or --size\n");
    return 2;
  }

  printf("inner packets of %d bytes; MB/s of inner payload per wall-clock second and\n"
         "per CPU second; ns = CPU time per packet; dec = (enc+dec) - enc\n\n",
         size);
  printf("%-32s %8s %9s %9s %8s %9s %9s %8s %8s\n", "suite", "packets", "enc MB/s", "enc/cpu",
         "enc ns", "e+d MB/s", "e+d/cpu", "e+d ns", "dec ns");
  for (i = 0; i < G_N_ELEMENTS(suites); i++)
    if (run(&suites[i], (size_t)size, (unsigned)packets) < 0)
      ret = 1;
  return ret;
}
