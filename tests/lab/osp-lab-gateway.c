/* SPDX-License-Identifier: GPL-2.0-or-later
 * osp-lab-gateway — the scripted IKEv1 gateway of tests/unit
 * (osp-test-gateway.h) on real UDP sockets, for lab tests that need what
 * strongSwan cannot do: XAUTH with a token code (PASSCODE), a "new PIN"
 * round, a retry after a wrong answer, a Mode Config reply of our choosing.
 *
 *   client ── UDP 500 ──────────────► IKE: aggressive mode, XAUTH, Mode
 *          ── UDP 4500 (NAT-T) ─────►   Config, quick mode (OspTestGw)
 *          ◄─ ESP in UDP 4500 ───────  ICMP echo requests inside are
 *                                      answered (a ping through works)
 *
 * XAUTH, as a token server behind a gateway does it:
 *   I <-- REQUEST(TYPE, USER_NAME, PASSCODE) ------------- R  (--passcode)
 *   I --- REPLY(user, code) ------------------------------> R
 *   wrong code, tries left:   I <-- REQUEST(... MESSAGE "wrong") -- R
 *   right code, --next-pin:   I <-- REQUEST(NEXT_PIN, MESSAGE) ---- R
 *                             I --- REPLY(new PIN) -------------> R
 *   I <-- SET(STATUS 1 or 0) ----------------------------- R
 * The gateway sends NAT-D hashes that show a NAT, so the client floats to
 * port 4500 and sends ESP over UDP; with --no-nat they show none, and ESP
 * comes raw (IP protocol 50, a raw socket here too).  --listen may be an
 * IPv6 address.
 *
 * --tun NAME makes it a forwarder for benchmarks (tests/bench/bench.sh):
 * every inner packet goes into the TUN device NAME (the caller routes the
 * client's pool to it and runs the servers), what the kernel routes back
 * comes out encrypted; one thread per direction, ESP by client/osp-esp.c.
 *
 *   client ── ESP in UDP 4500 ──► thread 1: decrypt ──► TUN NAME ──► kernel
 *          ◄─ ESP in UDP 4500 ─── thread 2: encrypt ◄── TUN NAME ◄──'
 *
 * Runs until SIGTERM/SIGINT.  One line per event on stdout (flushed), for
 * the test to grep: "ready", "phase1 done", "xauth user=U passcode=C ok",
 * "xauth next-pin=P ok", "xauth failed", "modecfg sent", "child up spi=...",
 * "echo reply N", "delete ike". */
#include "osp-addr.h"
#include "osp-esp.h"
#include "osp-test-gateway.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <glib-unix.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <netinet/ip.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

typedef enum { ASK_FIRST, ASK_NEXT_PIN, ASK_DONE } Round;

typedef struct {
  OspTestGw *gw;
  int fd500, fd4500, fd_esp; /* fd_esp: raw ESP with --no-nat, else -1 */
  OspAddr peer500, peer4500; /* where the client spoke from, per port */
  OspAddr peer_esp;          /* and where its raw ESP came from */
  bool last_natt;            /* the datagram in processing came on 4500 */
  bool no_nat;               /* NAT-D of the real addresses: the client sends raw ESP */
  char client_addr[OSP_ADDR_STRLEN], self_addr[OSP_ADDR_STRLEN]; /* for no_nat's NAT-D */
  /* what the gateway accepts */
  char *user, *password, *passcode, *next_pin;
  int tries; /* XAUTH answers allowed */
  int answers;
  Round round;
  bool xauth_ok;
  /* ESP: the gateway's inbound SA and its outbound twin, of the newest child */
  OspEspSa *esp_in, *esp_out;
  uint32_t esp_child_spi;
  unsigned echo_replies;
  /* state seen, to log changes */
  bool p1_done, cfg_done;
  unsigned children, ike_deletes, rejected;
  /* --tun: the forwarder's device and the SA pair its threads use */
  int tun_fd;
  struct Fwd *fwd; /* set atomically by the main thread; never freed while
                    * the threads run (a new child replaces it) */
} Lab;

/* The newest child's SAs for the forwarding threads: in used only by the
 * thread from the client, out only by the one to it. */
typedef struct Fwd {
  OspEspSa *in, *out;
  uint32_t spi_in;
  OspAddr peer;
} Fwd;

static void say(const char *fmt, ...) G_GNUC_PRINTF(1, 2);
static void say(const char *fmt, ...)
{
  va_list ap;

  va_start(ap, fmt);
  vprintf(fmt, ap);
  va_end(ap);
  putchar('\n');
  fflush(stdout);
}

/* the value of a variable attribute in a list, NULL if absent */
static char *attr_value(const GByteArray *attrs, uint16_t type)
{
  const uint8_t *p = attrs->data;
  size_t left = attrs->len;
  OspAttr a;

  while (osp_attr_next(&p, &left, &a, NULL) > 0)
    if (a.type == type && !a.basic)
      return g_strndup((const char *)a.data, a.len);
  return NULL;
}

/* Turns the STATUS the gateway is about to send into another REQUEST on
 * the same message ID: the client answers it as a new XAUTH round. */
static void ask_again(Lab *lab, OspTestGwMsg *m, OspTestGwPayload *attr, bool next_pin,
                      const char *message)
{
  g_autoptr(GByteArray) attrs = g_byte_array_new();

  if (next_pin) {
    osp_put_attr_var(attrs, X_NEXT_PIN, NULL, 0);
  } else {
    g_byte_array_append(attrs, lab->gw->xauth_attrs->data, lab->gw->xauth_attrs->len);
  }
  osp_put_attr_var(attrs, X_MESSAGE, message, strlen(message));
  g_byte_array_set_size(attr->body, 0);
  osp_put_cfg_hdr(attr->body, OSP_CFG_REQUEST, (uint16_t)g_random_int_range(1, 0xffff));
  g_byte_array_append(attr->body, attrs->data, attrs->len);
  lab->gw->xauth_msgid = m->msgid;
}

static void set_status(OspTestGwPayload *attr, bool ok)
{
  uint16_t id =
      attr->body->len >= 4 ? (uint16_t)(attr->body->data[2] << 8 | attr->body->data[3]) : 1;

  g_byte_array_set_size(attr->body, 0);
  osp_put_cfg_hdr(attr->body, OSP_CFG_SET, id);
  osp_put_attr_basic(attr->body, X_STATUS, ok ? 1 : 0);
}

/* The gateway checks nothing itself (no user or password set): each XAUTH
 * answer is judged here, before the STATUS leaves. */
static void edit(OspTestGw *gw, OspTestGwMsg *m, gpointer user)
{
  Lab *lab = user;
  OspTestGwPayload *attr;

  if (m->step != OSP_TEST_GW_XAUTH_STATUS || !(attr = osp_test_gw_msg_find(m, OSP_PL_ATTR)))
    return;
  lab->answers++;
  if (lab->round == ASK_FIRST) {
    g_autofree char *u = attr_value(gw->xauth_reply, X_USER_NAME);
    g_autofree char *pw = attr_value(gw->xauth_reply, X_USER_PASSWORD);
    g_autofree char *code = attr_value(gw->xauth_reply, X_PASSCODE);
    bool ok = g_strcmp0(u, lab->user) == 0 &&
              (lab->passcode ? g_strcmp0(code, lab->passcode) : g_strcmp0(pw, lab->password)) == 0;

    if (lab->passcode)
      say("xauth user=%s passcode=%s %s", u ? u : "", code ? code : "", ok ? "ok" : "wrong");
    else
      say("xauth user=%s password %s", u ? u : "", ok ? "ok" : "wrong");
    if (!ok && lab->answers < lab->tries) {
      ask_again(lab, m, attr, false, "Wrong token code, try again.");
      return;
    }
    if (ok && lab->next_pin) {
      lab->round = ASK_NEXT_PIN;
      ask_again(lab, m, attr, true, "Enter a new PIN for your token.");
      return;
    }
    lab->xauth_ok = ok;
  } else if (lab->round == ASK_NEXT_PIN) {
    g_autofree char *pin = attr_value(gw->xauth_reply, X_NEXT_PIN);

    lab->xauth_ok = g_strcmp0(pin, lab->next_pin) == 0;
    say("xauth next-pin=%s %s", pin ? pin : "", lab->xauth_ok ? "ok" : "wrong");
  }
  lab->round = ASK_DONE;
  say("xauth %s", lab->xauth_ok ? "accepted" : "failed");
  set_status(attr, lab->xauth_ok);
}

/* ---- ESP: answer pings -------------------------------------------------- */

static uint16_t checksum(const uint8_t *p, size_t len)
{
  uint32_t sum = 0;

  for (size_t i = 0; i + 1 < len; i += 2)
    sum += (uint32_t)(p[i] << 8 | p[i + 1]);
  if (len & 1)
    sum += (uint32_t)p[len - 1] << 8;
  while (sum >> 16)
    sum = (sum & 0xffff) + (sum >> 16);
  return (uint16_t)~sum;
}

/* the gateway's inbound SA of child c and its outbound twin */
static bool child_sas(const OspTestGwChild *c, OspEspSa **ret_in, OspEspSa **ret_out)
{
  size_t ek = osp_esp_enc_key_len(c->enc, c->key_bits), ak = osp_esp_auth_key_len(c->auth);

  if (osp_esp_sa_new(c->spi_gw, c->enc, c->key_bits, c->keys_to_gw->data, ek, c->auth,
                     c->keys_to_gw->data + ek, ak, ret_in) < 0 ||
      osp_esp_sa_new(c->spi_client, c->enc, c->key_bits, c->keys_to_client->data, ek, c->auth,
                     c->keys_to_client->data + ek, ak, ret_out) < 0) {
    say("esp: cannot make the SA of spi=%08x", c->spi_gw);
    g_clear_pointer(ret_in, osp_esp_sa_free);
    return false;
  }
  return true;
}

static bool esp_sas(Lab *lab, uint32_t spi)
{
  const OspTestGwChild *c = NULL;

  if (lab->esp_in && lab->esp_child_spi == spi)
    return true;
  for (guint i = 0; i < lab->gw->children->len; i++) {
    const OspTestGwChild *k = lab->gw->children->pdata[i];

    if (k->spi_gw == spi)
      c = k;
  }
  if (!c)
    return false;
  g_clear_pointer(&lab->esp_in, osp_esp_sa_free);
  g_clear_pointer(&lab->esp_out, osp_esp_sa_free);
  if (!child_sas(c, &lab->esp_in, &lab->esp_out))
    return false;
  lab->esp_child_spi = spi;
  return true;
}

/* raw: it came on the raw ESP socket, the answer goes back so */
static void esp_input(Lab *lab, uint8_t *esp, size_t len, bool raw)
{
  uint8_t buf[OSP_ESP_HEADROOM + 2048 + OSP_ESP_TAILROOM], *pkt, *out, nh;
  size_t plen, olen, ihl;
  uint32_t spi = osp_esp_packet_spi(esp, len);
  uint8_t tmp[4];

  if (!esp_sas(lab, spi) || osp_esp_decrypt(lab->esp_in, esp, len, &pkt, &plen, &nh) < 0)
    return;
  if (nh != 4 || plen < 20 || plen > 2048 || (pkt[0] >> 4) != 4)
    return;
  ihl = (size_t)(pkt[0] & 0x0f) * 4;
  if (ihl < 20 || plen < ihl + 8 || pkt[9] != IPPROTO_ICMP || pkt[ihl] != 8)
    return;
  memcpy(buf + OSP_ESP_HEADROOM, pkt, plen);
  pkt = buf + OSP_ESP_HEADROOM;
  /* echo reply: addresses swapped, type 0, checksums again */
  memcpy(tmp, pkt + 12, 4);
  memcpy(pkt + 12, pkt + 16, 4);
  memcpy(pkt + 16, tmp, 4);
  pkt[10] = pkt[11] = 0;
  osp_put16(pkt + 10, checksum(pkt, ihl));
  pkt[ihl] = 0;
  pkt[ihl + 2] = pkt[ihl + 3] = 0;
  osp_put16(pkt + ihl + 2, checksum(pkt + ihl, plen - ihl));
  if (osp_esp_encrypt(lab->esp_out, pkt, plen, 4, &out, &olen) < 0)
    return;
  if (sendto(raw ? lab->fd_esp : lab->fd4500, out, olen, 0,
             raw ? &lab->peer_esp.sa : &lab->peer4500.sa,
             osp_addr_len(raw ? &lab->peer_esp : &lab->peer4500)) < 0)
    say("esp: sendto: %s", g_strerror(errno));
  else if (++lab->echo_replies == 1 || lab->echo_replies % 10 == 0)
    say("echo reply %u%s", lab->echo_replies, raw ? " raw" : "");
}

/* ---- ESP: forward through a TUN device (--tun) ------------------------------ */

static int tun_open(const char *name)
{
  struct ifreq ifr = { .ifr_flags = IFF_TUN | IFF_NO_PI };
  int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);

  g_strlcpy(ifr.ifr_name, name, sizeof(ifr.ifr_name));
  if (fd < 0 || ioctl(fd, TUNSETIFF, &ifr) < 0) {
    g_printerr("osp-lab-gateway: TUN %s: %s\n", name, g_strerror(errno));
    if (fd >= 0)
      close(fd);
    return -1;
  }
  return fd;
}

/* a child came up: its SAs for both threads (the old pair stays allocated:
 * a thread may still hold it) */
static void fwd_publish(Lab *lab, const OspTestGwChild *c)
{
  Fwd *f = g_new0(Fwd, 1);

  if (!child_sas(c, &f->in, &f->out)) {
    g_free(f);
    return;
  }
  f->spi_in = c->spi_gw;
  f->peer = lab->peer4500;
  g_atomic_pointer_set(&lab->fwd, f);
}

typedef struct {
  Lab *lab;
  OspAddr from;
  size_t len;
  uint8_t data[];
} Dgram;

static void datagram(Lab *lab, bool natt, uint8_t *buf, size_t n, const OspAddr *from);

static gboolean on_handed_over(gpointer data)
{
  Dgram *d = data;

  datagram(d->lab, true, d->data, d->len, &d->from);
  return G_SOURCE_REMOVE;
}

/* thread 1: UDP 4500 from the client; ESP of the current child into the
 * TUN device, anything else (IKE, keepalives) to the main loop */
static gpointer from_client(gpointer data)
{
  Lab *lab = data;
  static uint8_t buf[65536];

  for (;;) {
    OspAddr from;
    socklen_t flen = sizeof(from);
    ssize_t n = recvfrom(lab->fd4500, buf, sizeof(buf), 0, &from.sa, &flen);
    Fwd *f = g_atomic_pointer_get(&lab->fwd);
    uint8_t *pkt, nh;
    size_t plen;
    Dgram *d;

    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0)
      return NULL;
    if (n >= 8 && f && osp_get32(buf) == f->spi_in) {
      if (osp_esp_decrypt(f->in, buf, (size_t)n, &pkt, &plen, &nh) == 0 && nh == 4 &&
          write(lab->tun_fd, pkt, plen) < 0 && errno != EAGAIN)
        say("tun: write: %s", g_strerror(errno));
      continue;
    }
    d = g_malloc(sizeof(*d) + (size_t)n);
    d->lab = lab;
    d->from = from;
    d->len = (size_t)n;
    memcpy(d->data, buf, (size_t)n);
    g_main_context_invoke_full(NULL, G_PRIORITY_DEFAULT, on_handed_over, d, g_free);
  }
}

/* thread 2: what the kernel routes into the TUN device, encrypted to the
 * client */
static gpointer to_client(gpointer data)
{
  Lab *lab = data;
  static uint8_t buf[OSP_ESP_HEADROOM + 65536 + OSP_ESP_TAILROOM];

  for (;;) {
    ssize_t n = read(lab->tun_fd, buf + OSP_ESP_HEADROOM, 65536);
    Fwd *f = g_atomic_pointer_get(&lab->fwd);
    uint8_t *out;
    size_t olen;

    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0)
      return NULL;
    if (!f || n == 0 || (buf[OSP_ESP_HEADROOM] >> 4) != 4 ||
        osp_esp_encrypt(f->out, buf + OSP_ESP_HEADROOM, (size_t)n, 4, &out, &olen) < 0)
      continue;
    if (sendto(lab->fd4500, out, olen, 0, &f->peer.sa, osp_addr_len(&f->peer)) < 0 &&
        errno != ENOBUFS && errno != EAGAIN)
      say("esp: sendto: %s", g_strerror(errno));
  }
}

/* ---- sockets ------------------------------------------------------------- */

static void flush_out(Lab *lab)
{
  GByteArray *b;

  while ((b = g_queue_pop_head(&lab->gw->out))) {
    uint8_t buf[8192];
    int fd = lab->last_natt ? lab->fd4500 : lab->fd500;
    const OspAddr *to = lab->last_natt ? &lab->peer4500 : &lab->peer500;
    size_t off = lab->last_natt ? 4 : 0; /* the non-ESP marker */

    if (b->len + off <= sizeof(buf)) {
      memset(buf, 0, off);
      memcpy(buf + off, b->data, b->len);
      if (sendto(fd, buf, b->len + off, 0, &to->sa, osp_addr_len(to)) < 0)
        say("sendto: %s", g_strerror(errno));
    }
    g_byte_array_unref(b);
  }
}

static void log_changes(Lab *lab)
{
  OspTestGw *gw = lab->gw;

  if (gw->p1_done != lab->p1_done && (lab->p1_done = gw->p1_done)) {
    say("phase1 done group=%s", gw->group_id ? gw->group_id : "");
    lab->round = ASK_FIRST;
    lab->answers = 0;
  }
  if (gw->cfg_done != lab->cfg_done && (lab->cfg_done = gw->cfg_done))
    say("modecfg sent");
  for (; lab->children < gw->children->len; lab->children++) {
    const OspTestGwChild *c = gw->children->pdata[lab->children];

    say("child up spi_gw=%08x spi_client=%08x %s %s", c->spi_gw, c->spi_client,
        osp_esp_enc_name(c->enc, c->key_bits), osp_esp_auth_name(c->auth));
    if (lab->tun_fd >= 0)
      fwd_publish(lab, c);
  }
  for (; lab->ike_deletes < gw->ike_deletes; lab->ike_deletes++)
    say("delete ike");
  for (; lab->rejected < gw->rejected; lab->rejected++)
    say("rejected: %s", gw->reject_reason ? gw->reject_reason : "?");
}

static void datagram(Lab *lab, bool natt, uint8_t *buf, size_t n, const OspAddr *from)
{
  if (natt) {
    lab->peer4500 = *from;
    if (n == 1)
      return; /* NAT-T keepalive */
    if (n >= 4 && osp_get32(buf) != 0) {
      esp_input(lab, buf, n, false);
      return;
    }
    if (n < 4 + 28)
      return;
  } else {
    lab->peer500 = *from;
    if (n < 28)
      return;
    /* --no-nat: NAT-D hashes of the client's address as it arrives */
    if (lab->no_nat)
      lab->gw->natd_client = osp_addr_format(from, lab->client_addr);
  }
  lab->last_natt = natt;
  osp_test_gw_input(lab->gw, buf + (natt ? 4 : 0), n - (natt ? 4 : 0));
  flush_out(lab);
  log_changes(lab);
}

static gboolean on_datagram(int fd, GIOCondition cond, gpointer user)
{
  Lab *lab = user;
  uint8_t buf[65536];
  OspAddr from;
  socklen_t flen = sizeof(from);
  ssize_t n = recvfrom(fd, buf, sizeof(buf), 0, &from.sa, &flen);

  if (n > 0)
    datagram(lab, fd == lab->fd4500, buf, (size_t)n, &from);
  return G_SOURCE_CONTINUE;
}

/* Raw ESP from the client (--no-nat): behind the IPv4 header, which a raw
 * IPv4 socket delivers too; an IPv6 one delivers none */
static gboolean on_raw_esp(int fd, GIOCondition cond, gpointer user)
{
  Lab *lab = user;
  uint8_t buf[65536];
  socklen_t flen = sizeof(lab->peer_esp);
  ssize_t n = recvfrom(fd, buf, sizeof(buf), 0, &lab->peer_esp.sa, &flen);
  size_t ihl = 0;

  if (n <= 0)
    return G_SOURCE_CONTINUE;
  osp_addr_set_port(&lab->peer_esp, 0);
  if (!osp_addr_is_ipv6(&lab->peer_esp))
    ihl = (size_t)(buf[0] & 0x0f) * 4;
  if ((size_t)n >= ihl + 8)
    esp_input(lab, buf + ihl, (size_t)n - ihl, true);
  return G_SOURCE_CONTINUE;
}

/* fd of a socket of addr's family (IPv4 or IPv6) bound to addr */
static int bound_socket(const char *addr, int type, int proto, uint16_t port)
{
  OspAddr a;
  int fd;

  if (!osp_addr_parse(addr, port, &a)) {
    g_printerr("osp-lab-gateway: not an IP address: %s\n", addr);
    return -1;
  }
  fd = socket(a.sa.sa_family, type | SOCK_CLOEXEC, proto);
  if (fd < 0 || bind(fd, &a.sa, osp_addr_len(&a)) < 0) {
    g_printerr("osp-lab-gateway: %s:%u: %s\n", addr, port, g_strerror(errno));
    if (fd >= 0)
      close(fd);
    return -1;
  }
  return fd;
}

static int udp_socket(const char *addr, uint16_t port)
{
  return bound_socket(addr, SOCK_DGRAM, 0, port);
}

static gboolean quit(gpointer loop)
{
  g_main_loop_quit(loop);
  return G_SOURCE_REMOVE;
}

/* ---- Mode Config --------------------------------------------------------- */

static bool put_addr(GByteArray *b, uint16_t type, const char *ip)
{
  struct in_addr a;

  if (inet_pton(AF_INET, ip, &a) != 1) {
    g_printerr("osp-lab-gateway: not an IPv4 address: %s\n", ip);
    return false;
  }
  osp_put_attr_var(b, type, &a, 4);
  return true;
}

/* NET/MASK (dotted mask) into one 14-byte Cisco split entry */
static bool put_split(GByteArray *b, const char *spec)
{
  g_auto(GStrv) parts = g_strsplit(spec, "/", 2);
  uint8_t e[14] = { 0 };

  if (!parts[1] || inet_pton(AF_INET, parts[0], e) != 1 ||
      inet_pton(AF_INET, parts[1], e + 4) != 1) {
    g_printerr("osp-lab-gateway: --split wants NET/MASK, e.g. 198.51.100.0/255.255.255.0: %s\n",
               spec);
    return false;
  }
  g_byte_array_append(b, e, sizeof(e));
  return true;
}

int main(int argc, char **argv)
{
  g_autofree char *listen = g_strdup("0.0.0.0"), *group = NULL, *secret = NULL;
  g_autofree char *address = g_strdup("198.18.1.10"), *netmask = g_strdup("255.255.255.255");
  int natt_port = 0;
  g_autofree char *dns = g_strdup("198.51.100.53"), *tun = NULL;
  g_auto(GStrv) splits = NULL;
  gboolean no_xauth = FALSE, no_nat = FALSE;
  int tries = 1;
  Lab lab = { 0 };
  GOptionEntry entries[] = {
    { "listen", 0, 0, G_OPTION_ARG_STRING, &listen, "Address to listen on", "ADDR" },
    { "group", 0, 0, G_OPTION_ARG_STRING, &group, "Group name (IDii) accepted", "ID" },
    { "secret", 0, 0, G_OPTION_ARG_STRING, &secret, "Group pre-shared key", "PSK" },
    { "user", 0, 0, G_OPTION_ARG_STRING, &lab.user, "XAUTH user name", "NAME" },
    { "password", 0, 0, G_OPTION_ARG_STRING, &lab.password, "XAUTH password", "PW" },
    { "passcode", 0, 0, G_OPTION_ARG_STRING, &lab.passcode,
      "Ask for a token code (PASSCODE) instead of a password", "CODE" },
    { "next-pin", 0, 0, G_OPTION_ARG_STRING, &lab.next_pin,
      "After the right answer, ask for a new PIN", "PIN" },
    { "tries", 0, 0, G_OPTION_ARG_INT, &tries, "XAUTH answers allowed (1)", "N" },
    { "no-xauth", 0, 0, G_OPTION_ARG_NONE, &no_xauth, "No XAUTH round", NULL },
    { "address", 0, 0, G_OPTION_ARG_STRING, &address, "Mode Config address", "ADDR" },
    { "netmask", 0, 0, G_OPTION_ARG_STRING, &netmask, "Mode Config netmask", "MASK" },
    { "dns", 0, 0, G_OPTION_ARG_STRING, &dns, "Mode Config DNS server", "ADDR" },
    { "split", 0, 0, G_OPTION_ARG_STRING_ARRAY, &splits,
      "Split-include network (repeat; default 198.51.100.0/255.255.255.0; \"none\": full tunnel)",
      "NET/MASK" },
    { "tun", 0, 0, G_OPTION_ARG_STRING, &tun,
      "Forward the inner packets through this TUN device (benchmarks)", "NAME" },
    { "no-nat", 0, 0, G_OPTION_ARG_NONE, &no_nat,
      "NAT-D hashes that show no NAT: ESP comes raw (IP protocol 50)", NULL },
    { "natt-port", 0, 0, G_OPTION_ARG_INT, &natt_port,
      "Cisco UDP: name this port for ESP in Mode Config (Unity NATT_PORT)", "PORT" },
    { NULL },
  };
  g_autoptr(GOptionContext) ctx = g_option_context_new(NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GMainLoop) loop = NULL;
  g_autoptr(GByteArray) split = g_byte_array_new();
  GByteArray *cfg;

  g_option_context_add_main_entries(ctx, entries, NULL);
  g_option_context_set_summary(ctx, "The scripted IKEv1 test gateway on UDP ports 500 and 4500.");
  if (!g_option_context_parse(ctx, &argc, &argv, &error)) {
    g_printerr("osp-lab-gateway: %s\n", error->message);
    return 2;
  }
  lab.gw = osp_test_gw_new();
  lab.tries = MAX(tries, 1);
  if (!lab.user)
    lab.user = g_strdup("alice");
  if (!lab.password)
    lab.password = g_strdup("pw");
  if (group) {
    g_free(lab.gw->group_id);
    lab.gw->group_id = g_strdup(group);
  }
  if (secret) {
    g_free(lab.gw->group_secret);
    lab.gw->group_secret = g_strdup(secret);
  }
  /* judged in edit(): the gateway itself accepts any answer */
  g_clear_pointer(&lab.gw->username, g_free);
  g_clear_pointer(&lab.gw->password, g_free);
  lab.gw->xauth = !no_xauth;
  if (lab.passcode) {
    g_byte_array_set_size(lab.gw->xauth_attrs, 0);
    osp_put_attr_basic(lab.gw->xauth_attrs, X_TYPE, 0);
    osp_put_attr_var(lab.gw->xauth_attrs, X_USER_NAME, NULL, 0);
    osp_put_attr_var(lab.gw->xauth_attrs, X_PASSCODE, NULL, 0);
  }
  lab.gw->natt = 2;
  lab.gw->nat = !no_nat;
  lab.no_nat = no_nat;
  lab.fd_esp = -1;
  lab.gw->edit = edit;
  lab.gw->edit_user = &lab;

  cfg = lab.gw->cfg_attrs;
  g_byte_array_set_size(cfg, 0);
  if (!put_addr(cfg, C_IP4_ADDRESS, address) || !put_addr(cfg, C_IP4_NETMASK, netmask) ||
      !put_addr(cfg, C_IP4_DNS, dns))
    return 2;
  osp_put_attr_var(cfg, U_BANNER, "Osprey scripted lab gateway", 27);
  osp_put_attr_var(cfg, U_DEF_DOMAIN, "corp.example", 12);
  osp_put_attr_var(cfg, U_SPLIT_DNS, "corp.example", 12);
  if (!splits)
    put_split(split, "198.51.100.0/255.255.255.0");
  for (size_t i = 0; splits && splits[i]; i++)
    if (strcmp(splits[i], "none") != 0 && !put_split(split, splits[i]))
      return 2;
  if (split->len)
    osp_put_attr_var(cfg, U_SPLIT_INCLUDE, split->data, split->len);
  if (natt_port > 0 && natt_port <= G_MAXUINT16)
    osp_put_attr_basic(cfg, U_NATT_PORT, (uint16_t)natt_port);

  lab.fd500 = udp_socket(listen, 500);
  lab.fd4500 = udp_socket(listen, 4500);
  if (lab.fd500 < 0 || lab.fd4500 < 0)
    return 1;
  if (no_nat) {
    OspAddr self;

    if (!osp_addr_parse(listen, 0, &self) || osp_addr_is_unspecified(&self)) {
      g_printerr("osp-lab-gateway: --no-nat wants the --listen address its NAT-D hashes\n");
      return 2;
    }
    lab.gw->natd_self = osp_addr_format(&self, lab.self_addr);
    lab.fd_esp = bound_socket(listen, SOCK_RAW, IPPROTO_ESP, 0);
    if (lab.fd_esp < 0)
      return 1;
  }
  lab.tun_fd = tun ? tun_open(tun) : -1;
  if (tun && lab.tun_fd < 0)
    return 1;
  loop = g_main_loop_new(NULL, FALSE);
  g_unix_fd_add(lab.fd500, G_IO_IN, on_datagram, &lab);
  if (lab.fd_esp >= 0)
    g_unix_fd_add(lab.fd_esp, G_IO_IN, on_raw_esp, &lab);
  if (lab.tun_fd < 0) {
    g_unix_fd_add(lab.fd4500, G_IO_IN, on_datagram, &lab);
  } else {
    g_thread_unref(g_thread_new("from-client", from_client, &lab));
    g_thread_unref(g_thread_new("to-client", to_client, &lab));
  }
  g_unix_signal_add(SIGTERM, quit, loop);
  g_unix_signal_add(SIGINT, quit, loop);
  say("ready %s:500,4500%s xauth=%s", listen, no_nat ? ",esp" : "",
      no_xauth       ? "none"
      : lab.passcode ? (lab.next_pin ? "passcode+next-pin" : "passcode")
                     : "password");
  g_main_loop_run(loop);
  say("stopped");
  if (lab.tun_fd >= 0)
    return 0; /* the threads still read: their SAs go with the process */
  osp_esp_sa_free(lab.esp_in);
  osp_esp_sa_free(lab.esp_out);
  osp_test_gw_free(lab.gw);
  g_free(lab.user);
  g_free(lab.password);
  g_free(lab.passcode);
  g_free(lab.next_pin);
  close(lab.fd500);
  close(lab.fd4500);
  return 0;
}
