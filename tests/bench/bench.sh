#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Osprey against vpnc, same lab gateway (tests/lab/lab.sh: strongSwan with
# kernel-libipsec, ESP in userspace), same run: the figures of issue 14's
# target list, as a table with the Osprey/vpnc ratio.  Not part of the test
# suite and no figure is asserted; run by hand as root:
#
#   tests/bench/bench.sh build/daemon/ospreyd [build/cli/osprey]
#
# Settings (environment):
#   BENCH_SECS=10         seconds of each iperf3 run
#   BENCH_LOW_SECS=30     seconds of the low-rate run
#   BENCH_ROUNDS=7        connects per client for the connect-time median
#   BENCH_CIPHERS="aes128 aes256"   the ESP pairs measured for CPU per GB:
#                         AES-CBC with that key + HMAC-SHA1-96, the only AES
#                         pairs vpnc speaks; the gateway offers just that
#                         one, so both clients negotiate the same suite
#   BENCH_SECTIONS="connect bulk fastgw lowrate small memory"
#   BENCH_GATEWAY=build/tests/lab/osp-lab-gateway   (fastgw)
#   BENCH_CONNS=3         concurrent connections for the per-connection RSS
#   BENCH_SOAK=SECONDS    then tests/bench/soak.sh for that long (600: the
#                         target's 10 minutes; per client of SOAK_CLIENTS,
#                         default both): RSS samples and growth, loss, rekeys
#
# What each row is:
#   connect    process start to the tunnel's IPv4 address in place (ip
#              monitor's timestamp; vpnc-script included), and to the first
#              ping through it; median of BENCH_ROUNDS
#   bulk       iperf3 TCP, one stream, up (client sends) and down (-R):
#              Mbit/s at the receiver and the client's CPU seconds
#              (utime+stime of the process, all threads) per GB moved;
#              beside it OpenSSL's own cost for the same pair (openssl speed
#              -evp, 1400-byte blocks: cipher + HMAC-SHA1) and Osprey's ratio
#              to it, and the cost of client/osp-esp.c alone for that pair
#              (build/tests/bench/osp-esp-bench: the same work without the
#              system calls around it)
#   fastgw     the bulk rows against the scripted gateway as a forwarder
#              (osp-lab-gateway --tun: ESP with client/osp-esp.c, a thread
#              per direction, inner packets through a TUN device to the same
#              iperf3 server) instead of charon, which caps the rows above;
#              it takes the client's first ESP offer (Osprey: AES-GCM), so
#              beside it OpenSSL's cost of that AEAD
#   lowrate    iperf3 UDP 10 Mbit/s each way at once plus 20 pings/s: CPU
#              per GB, and its ratio to the same client's bulk figure
#   small      iperf3 UDP with 64-byte payloads, unlimited rate: packets per
#              second that arrived, up and down
#   memory     VmRSS of the client connected (ospreyd --foreground; vpnc);
#              then ospreyd as a D-Bus daemon with BENCH_CONNS profiles
#              (one XAUTH user each) connected at once: its RSS with one and
#              with all, and the growth per extra connection; a vpnc per
#              connection is a process of its own, its RSS is the comparison
# The 10-minute soak (RSS samples, rekeys, loss) is tests/bench/soak.sh;
# BENCH_SOAK=600 runs it after the table.
#
# The gateway's userspace ESP (charon, kernel-libipsec) is usually the cap
# of the throughput rows on this machine; CPU per GB is the client's own
# cost and does not depend on it.
set -u
if [ $# -lt 1 ] || [ ! -x "$1" ]; then
  echo "usage: $0 OSPREYD [OSPREY]" >&2
  exit 2
fi
OSPREYD=$(readlink -f "$1")
OSPREY=$(readlink -f "${2:-$(dirname "$OSPREYD")/../cli/osprey}")
HERE=$(cd "$(dirname "$0")" && pwd)
: "${BENCH_ROUNDS:=7}"
: "${BENCH_CIPHERS:=aes128 aes256}"
: "${BENCH_SECTIONS:=connect bulk fastgw lowrate small memory}"
GATEWAY_BIN=$(readlink -f "${BENCH_GATEWAY:-$(dirname "$OSPREYD")/../tests/lab/osp-lab-gateway}")
ESP_BENCH=$(readlink -f "$(dirname "$OSPREYD")/../tests/bench/osp-esp-bench")
: "${BENCH_CONNS:=3}"
LAB_SERVICES=1
read -r FIRST_CIPHER _ <<<"$BENCH_CIPHERS"
LAB_ESP_PROPOSALS=$FIRST_CIPHER-sha1
for i in $(seq 2 "$BENCH_CONNS"); do
  LAB_SECRETS_EXTRA+=$'  xauth-bench'"$i"$' {\n    id = bench'"$i"$'\n    secret = "bench-password"\n  }\n'
done
. "$HERE/../lab/lab.sh"
. "$HERE/../lab/lab-ospreyd.sh"
. "$HERE/bench-lib.sh"

cleanup()
{
  bench_stop
  local pid
  for pid in ${EXTRA_PIDS:-} ${LAB_OSPREYD_PID:-} ${LAB_BUS_PID:-}; do
    kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
  done
  lab_check_host_resolv || echo "bench: HOST /etc/resolv.conf CHANGED" >&2
  lab_down
}
trap cleanup EXIT
lab_up >/dev/null || exit $?
lab_write_vpnc_conf "$LAB_DIR/lab.conf"
has() { [[ " $BENCH_SECTIONS " == *" $1 "* ]]; }
say() { printf 'bench: %s\n' "$*" >&2; }

declare -A R
# R[who.key]; a key missing prints as n/a
get() { echo "${R[$1]:-n/a}"; }

if has connect; then
  for who in osprey vpnc; do
    say "connect: $who x $BENCH_ROUNDS"
    : >"$LAB_DIR/connect.$who"
    for _ in $(seq "$BENCH_ROUNDS"); do
      bench_connect "$who" >>"$LAB_DIR/connect.$who"
    done
    R[$who.connect_addr]=$(awk '$1 != "n/a" {print $1}' "$LAB_DIR/connect.$who" | median)
    R[$who.connect_ping]=$(awk '$2 != "n/a" {print $2}' "$LAB_DIR/connect.$who" | median)
  done
fi

for cipher in $BENCH_CIPHERS; do
  has bulk || { [ "$cipher" = "$FIRST_CIPHER" ] && { has lowrate || has small || has memory; }; } ||
    continue
  if [ "$LAB_ESP_PROPOSALS" != "$cipher-sha1" ]; then
    LAB_ESP_PROPOSALS=$cipher-sha1
    lab_gateway_restart >/dev/null || exit 1
  fi
  for who in osprey vpnc; do
    say "ESP $cipher-sha1: $who"
    bench_start "$who" || continue
    # what the gateway selected for this client (the same for both)
    R[$who.$cipher.suite]=$(grep -o 'selected proposal: ESP:[^ ]*' "$(lab_gateway_log)" | tail -1 | cut -d: -f3)
    [ "$cipher" = "$FIRST_CIPHER" ] && R[$who.rss]=$(rss_kb "$CLIENT_PID")
    if has bulk; then
      read -r R[$who.$cipher.up] _ R[$who.$cipher.upcpu] _ < <(bench_iperf "$who")
      read -r R[$who.$cipher.down] _ R[$who.$cipher.downcpu] _ < <(bench_iperf "$who" -R)
    fi
    if [ "$cipher" = "$FIRST_CIPHER" ]; then
      if has lowrate; then
        read -r R[$who.low] R[$who.lowcpu] R[$who.lowping] < <(bench_lowrate "$who")
      fi
      if has small; then
        read -r _ _ _ R[$who.small_up] < <(bench_iperf "$who" -u -l 64 -b 0)
        read -r _ _ _ R[$who.small_down] < <(bench_iperf "$who" -u -l 64 -b 0 -R)
      fi
    fi
    bench_stop
  done
  if has bulk; then
    R[ssl.$cipher.up]=$(bench_openssl_cost "aes-${cipher#aes}-cbc" up)
    R[ssl.$cipher.down]=$(bench_openssl_cost "aes-${cipher#aes}-cbc" down)
    R[esp.$cipher.up]=$(bench_esp_cost "AES-${cipher#aes}-CBC + HMAC-SHA1-96" up)
    R[esp.$cipher.down]=$(bench_esp_cost "AES-${cipher#aes}-CBC + HMAC-SHA1-96" down)
  fi
done

# The scripted gateway as a forwarder (tests/lab/osp-lab-gateway --tun):
# ESP by client/osp-esp.c, one thread per direction, the inner packets
# through a TUN device to the same iperf3 server.  Not charon: a peer that
# is not the cap; it takes the client's first ESP offer.
if has fastgw && [ -x "$GATEWAY_BIN" ]; then
  say "fast gateway: osprey"
  if lab_scripted_gateway_start "$GATEWAY_BIN" --tun ospgw0 &&
    ip -n "$LAB_NS_GW" link set ospgw0 up &&
    pool=${LAB_POOL%%-*}
    ip -n "$LAB_NS_GW" route add "${pool%.*}.0/24" dev ospgw0; then
    for who in osprey vpnc; do
      : >"$LAB_DIR/$who.log"
      bench_start "$who" || continue
      read -r R[$who.fast.up] _ R[$who.fast.upcpu] _ < <(bench_iperf "$who")
      read -r R[$who.fast.down] _ R[$who.fast.downcpu] _ < <(bench_iperf "$who" -R)
      bench_stop
    done
    # "child up spi_gw=X spi_client=Y ENC AUTH", one per client in turn
    R[osprey.fast.suite]=$(awk '/^child up/ {print $5; exit}' "$LAB_DIR/scripted-gw.log")
    R[vpnc.fast.suite]=$(awk '/^child up/ {n++; if (n == 2) {print $5 "+" $6; exit}}' "$LAB_DIR/scripted-gw.log")
    case ${R[osprey.fast.suite]:-} in
      AES-128-GCM-16) ssl=aes-128-gcm ;;
      AES-256-GCM-16) ssl=aes-256-gcm ;;
      *) ssl= ;;
    esac
    if [ -n "$ssl" ]; then
      enc=$(openssl speed -evp "$ssl" -bytes 1400 -seconds 1 -mr 2>/dev/null | awk -F: '/^\+F:/ {print $4}')
      R[ssl.fast]=$(python3 -c "e = float('${enc:-0}'); print('%.2f' % (1e9 / e) if e else 'n/a')")
    fi
  fi
  lab_scripted_gateway_stop
  lab_gateway_start >/dev/null || say "charon did not start again"
fi

# ospreyd on a bus, BENCH_CONNS profiles connected at once: each its own
# XAUTH user (its own pool address) and one host of the protected network
# as its target, so the routes do not overlap
if has memory && [ -x "$OSPREY" ]; then
  say "memory: ospreyd with $BENCH_CONNS connections, vpnc x $BENCH_CONNS"
  if lab_bus_start && lab_ospreyd_start "$OSPREYD" "$OSPREY"; then
    R[osprey.rss_idle]=$(rss_kb "$LAB_OSPREYD_PID")
    for i in $(seq 1 "$BENCH_CONNS"); do
      user=alice pass=$LAB_PASSWORD
      [ "$i" -gt 1 ] && user=bench$i pass=bench-password
      LAB_USER=$user LAB_PASSWORD=$pass lab_write_vpnc_conf "$LAB_DIR/mem$i.conf" \
        "Target networks 198.51.100.$i/32" "Local Port 0"
      "$OSPREY" -q import "$LAB_DIR/mem$i.conf" --name "mem$i" >/dev/null 2>&1 ||
        say "import mem$i failed"
      if "$OSPREY" -q connect "mem$i" --timeout 60 >>"$LAB_DIR/mem.out" 2>&1; then
        sleep 1
        R[osprey.rss_conn$i]=$(rss_kb "$LAB_OSPREYD_PID")
      else
        say "connect mem$i failed (see $LAB_DIR/mem.out, ospreyd.log)"
      fi
    done
  fi
  a=$(get osprey.rss_conn1) b=$(get osprey.rss_conn$BENCH_CONNS)
  [ "$a" != n/a ] && [ "$b" != n/a ] &&
    R[osprey.rss_per]=$(((b - a) / (BENCH_CONNS - 1)))
  R[osprey.rss_conns]=$b
  for pid in ${LAB_OSPREYD_PID:-} ${LAB_BUS_PID:-}; do
    kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
  done
  LAB_OSPREYD_PID= LAB_BUS_PID=
  # vpnc: one process per connection
  EXTRA_PIDS= total=0 n=0
  for i in $(seq 1 "$BENCH_CONNS"); do
    grep -v '^Target networks' "$LAB_DIR/mem$i.conf" >"$LAB_DIR/vpnc-mem$i.conf"
    lab_spawn_client "$LAB_DIR/vpnc-mem$i.log" vpnc --no-detach --non-inter --local-port 0 \
      --ifname "tun$((10 + i))" "$LAB_DIR/vpnc-mem$i.conf" </dev/null
    EXTRA_PIDS+=" $LAB_SPAWN_PID"
  done
  i=10
  for pid in $EXTRA_PIDS; do
    i=$((i + 1))
    for _ in $(seq 150); do
      ip -n "$LAB_NS_CL" -o -4 addr show dev "tun$i" 2>/dev/null | grep -q inet && break
      sleep 0.1
    done
    ip -n "$LAB_NS_CL" -o -4 addr show dev "tun$i" 2>/dev/null | grep -q inet || continue
    r=$(rss_kb "$pid") && [ -n "$r" ] && total=$((total + r)) n=$((n + 1))
  done
  [ "$n" -gt 0 ] && R[vpnc.rss_per]=$((total / n)) R[vpnc.rss_conns]=$total
  R[vpnc.rss_conn1]=$(get vpnc.rss)
  for pid in $EXTRA_PIDS; do
    kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
  done
  EXTRA_PIDS=
fi

# ---------------------------------------------------------------------------
ratio()
{
  python3 -c "
try:
    a, b = float('$1'), float('$2'); print('%.2f' % (a / b) if b else 'n/a')
except ValueError:
    print('n/a')"
}
row() { printf '%-44s %11s %11s %8s  %s\n' "$1" "$2" "$3" "$(ratio "$2" "$3")" "${4:-}"; }
# pair: two figures that are not a ratio
pair() { printf '%-44s %11s %11s %8s  %s\n' "$1" "$2" "$3" "" "${4:-}"; }

echo
echo "Osprey $(git -C "$HERE" describe --always --dirty 2>/dev/null) against $(vpnc --version 2>&1 | head -1)"
echo "lab gateway: $(lab_exec_gw "$(_lab_charon_bin)" --version 2>/dev/null | head -1 || echo charon), kernel-libipsec (ESP in userspace); $(nproc) cores; load $(cut -d' ' -f1-3 /proc/loadavg)"
printf '\n%-44s %11s %11s %8s  %s\n' metric osprey vpnc ratio note
if has connect; then
  row "connect to tunnel address, median of $BENCH_ROUNDS (s)" "$(get osprey.connect_addr)" "$(get vpnc.connect_addr)" "target <= 0.6"
  row "connect to first ping, median (s)" "$(get osprey.connect_ping)" "$(get vpnc.connect_ping)"
fi
for cipher in $BENCH_CIPHERS; do
  has bulk || continue
  pair="${cipher^^}-CBC+SHA1"
  row "TCP up, $pair (Mbit/s)" "$(get "osprey.$cipher.up")" "$(get "vpnc.$cipher.up")" "target >= 2 (gateway may cap)"
  pair "  ESP the gateway selected" "$(get "osprey.$cipher.suite" | cut -d/ -f1)" "$(get "vpnc.$cipher.suite" | cut -d/ -f1)" "$(get "osprey.$cipher.suite" | cut -d/ -f2) / $(get "vpnc.$cipher.suite" | cut -d/ -f2)"
  row "TCP down, $pair (Mbit/s)" "$(get "osprey.$cipher.down")" "$(get "vpnc.$cipher.down")"
  for dir in up down; do
    row "client CPU s/GB $dir, $pair" "$(get "osprey.$cipher.${dir}cpu")" "$(get "vpnc.$cipher.${dir}cpu")" "target <= 0.25"
    row "  OpenSSL's own cost s/GB $dir (osprey/ssl)" "$(get "osprey.$cipher.${dir}cpu")" "$(get "ssl.$cipher.$dir")" "target <= 2 (vpnc column: OpenSSL)"
    row "  osp-esp.c alone s/GB $dir (osprey/esp)" "$(get "osprey.$cipher.${dir}cpu")" "$(get "esp.$cipher.$dir")" "vpnc column: osp-esp-bench"
  done
done
if has fastgw; then
  suite=$(get osprey.fast.suite)
  row "fast gateway: TCP up, $suite (Mbit/s)" "$(get osprey.fast.up)" "$(get vpnc.fast.up)" "osp-lab-gateway --tun, not charon"
  row "fast gateway: TCP down (Mbit/s)" "$(get osprey.fast.down)" "$(get vpnc.fast.down)" "vpnc: $(get vpnc.fast.suite) (its first offer)"
  row "fast gateway: client CPU s/GB up" "$(get osprey.fast.upcpu)" "$(get vpnc.fast.upcpu)"
  row "fast gateway: client CPU s/GB down" "$(get osprey.fast.downcpu)" "$(get vpnc.fast.downcpu)"
  row "  OpenSSL's own cost s/GB, $suite (osprey/ssl)" "$(get osprey.fast.upcpu)" "$(get ssl.fast)" "up; vpnc column: OpenSSL"
fi
if has lowrate; then
  row "low rate: UDP 10M each way + 20 ping/s (Mbit/s)" "$(get osprey.low)" "$(get vpnc.low)" "pings lost: $(get osprey.lowping) / $(get vpnc.lowping)"
  row "low rate: client CPU s/GB" "$(get osprey.lowcpu)" "$(get vpnc.lowcpu)"
  b=$(python3 -c "
try: print('%.2f' % ((float('$(get "osprey.$FIRST_CIPHER.upcpu")') + float('$(get "osprey.$FIRST_CIPHER.downcpu")')) / 2))
except ValueError: print('n/a')")
  v=$(python3 -c "
try: print('%.2f' % ((float('$(get "vpnc.$FIRST_CIPHER.upcpu")') + float('$(get "vpnc.$FIRST_CIPHER.downcpu")')) / 2))
except ValueError: print('n/a')")
  row "  low rate CPU / bulk CPU (mean up, down)" "$(ratio "$(get osprey.lowcpu)" "$b")" "$(ratio "$(get vpnc.lowcpu)" "$v")" "target (osprey column) <= 2"
fi
if has small; then
  row "64-byte UDP up (packets/s arrived)" "$(get osprey.small_up)" "$(get vpnc.small_up)"
  row "64-byte UDP down (packets/s arrived)" "$(get osprey.small_down)" "$(get vpnc.small_down)"
fi
[ -n "${R[osprey.rss]:-}" ] &&
  row "client RSS connected (kB)" "$(get osprey.rss)" "$(get vpnc.rss)" "ospreyd --foreground"
if has memory; then
  pair "ospreyd daemon RSS idle, connected once (kB)" "$(get osprey.rss_idle)" "$(get osprey.rss_conn1)" "(both osprey)"
  row "RSS, $BENCH_CONNS connections at once (kB)" "$(get osprey.rss_conns)" "$(get vpnc.rss_conns)" "vpnc: $BENCH_CONNS processes"
  row "RSS per extra connection (kB)" "$(get osprey.rss_per)" "$(get vpnc.rss_per)"
fi
if [ -n "${BENCH_SOAK:-}" ]; then
  echo
  "$HERE/soak.sh" "$OSPREYD" "$BENCH_SOAK"
fi
