#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Osprey against vpnc, same lab gateway, same run (not part of the test
# suite; run by hand as root):
#
#   tests/bench/bench.sh build/daemon/ospreyd [ROUNDS] [SECONDS]
#
# Prints connect time (process start to first ping through the tunnel,
# vpnc-script included; median of ROUNDS), iperf3 throughput both ways
# and the client's CPU seconds per GB moved (utime+stime of the client
# process from /proc), each with the Osprey/vpnc ratio.  Both clients
# get the same ESP algorithms (AES-128-CBC/HMAC-SHA1, which vpnc speaks)
# so the CPU figures compare the datapaths, not the ciphers.
set -u
OSPREYD=$(readlink -f "$1")
ROUNDS=${2:-7}
SECS=${3:-10}
HERE=$(cd "$(dirname "$0")" && pwd)
LAB_SERVICES=1
LAB_ESP_PROPOSALS=${LAB_ESP_PROPOSALS:-aes128-sha1}
. "$HERE/../lab/lab.sh"
trap lab_down EXIT
lab_up >/dev/null || exit $?
lab_write_vpnc_conf "$LAB_DIR/lab.conf"
TICK=$(getconf CLK_TCK)

start_client()
{
  case $1 in
    osprey) lab_spawn_client "$LAB_DIR/osprey.log" "$OSPREYD" --foreground --config "$LAB_DIR/lab.conf" </dev/null ;;
    vpnc) lab_spawn_client "$LAB_DIR/vpnc.log" vpnc --no-detach --non-inter --local-port 0 "$LAB_DIR/lab.conf" ;;
  esac
  CLIENT_PID=$LAB_SPAWN_PID
}

stop_client()
{
  kill "$CLIENT_PID" 2>/dev/null
  wait "$CLIENT_PID" 2>/dev/null
  # let the gateway forget the old SA before the next round
  sleep 0.3
}

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
rss_kb() { awk '/VmRSS/ {print $2}' "/proc/$1/status"; }

median() { sort -g | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }

connect_times()
{
  local who=$1 i t0 t1
  for i in $(seq 1 "$ROUNDS"); do
    t0=$(date +%s.%N)
    start_client "$who"
    if lab_wait_tunnel 20; then
      t1=$(date +%s.%N)
      echo "$t1 - $t0" | bc -l
    fi
    stop_client
  done
}

# throughput WHO DIRECTION(up|down): prints "mbit cpu_s_per_gb"
throughput()
{
  local who=$1 dir=$2 c0 c1 out bytes secs flag=
  [ "$dir" = down ] && flag=-R
  c0=$(cpu_ticks "$CLIENT_PID")
  out=$(lab_exec_client iperf3 -c "$LAB_PROTECTED_HOST" -t "$SECS" $flag -J 2>/dev/null)
  c1=$(cpu_ticks "$CLIENT_PID")
  bytes=$(echo "$out" | python3 -c 'import json,sys; d=json.load(sys.stdin)["end"]; print(d["sum_received"]["bytes"])' 2>/dev/null || echo 0)
  secs=$(echo "$out" | python3 -c 'import json,sys; d=json.load(sys.stdin)["end"]; print(d["sum_received"]["seconds"])' 2>/dev/null || echo 1)
  python3 -c "b=$bytes; s=$secs; c=($c1-$c0)/$TICK; print('%.1f %.2f' % (b*8/s/1e6, c/(b/1e9) if b else float('nan')))"
}

declare -A R
for who in osprey vpnc; do
  R[$who.connect]=$(connect_times "$who" | median)
  start_client "$who"
  lab_wait_tunnel 20 || { echo "$who did not connect" >&2; exit 1; }
  R[$who.rss]=$(rss_kb "$CLIENT_PID")
  read -r R[$who.up] R[$who.upcpu] < <(throughput "$who" up)
  read -r R[$who.down] R[$who.downcpu] < <(throughput "$who" down)
  stop_client
done

ratio() { python3 -c "a=float('$1'); b=float('$2'); print('%.2f' % (a/b) if b else 'n/a')"; }
printf '\n%-34s %12s %12s %8s\n' "metric (lab gateway, ESP ${LAB_ESP_PROPOSALS})" osprey vpnc ratio
printf '%-34s %12.3f %12.3f %8s\n' "connect time, median of $ROUNDS (s)" "${R[osprey.connect]}" "${R[vpnc.connect]}" "$(ratio "${R[osprey.connect]}" "${R[vpnc.connect]}")"
printf '%-34s %12s %12s %8s\n' "iperf3 upload (Mbit/s)" "${R[osprey.up]}" "${R[vpnc.up]}" "$(ratio "${R[osprey.up]}" "${R[vpnc.up]}")"
printf '%-34s %12s %12s %8s\n' "iperf3 download (Mbit/s)" "${R[osprey.down]}" "${R[vpnc.down]}" "$(ratio "${R[osprey.down]}" "${R[vpnc.down]}")"
printf '%-34s %12s %12s %8s\n' "client CPU s/GB, upload" "${R[osprey.upcpu]}" "${R[vpnc.upcpu]}" "$(ratio "${R[osprey.upcpu]}" "${R[vpnc.upcpu]}")"
printf '%-34s %12s %12s %8s\n' "client CPU s/GB, download" "${R[osprey.downcpu]}" "${R[vpnc.downcpu]}" "$(ratio "${R[osprey.downcpu]}" "${R[vpnc.downcpu]}")"
printf '%-34s %12s %12s %8s\n' "client RSS when connected (kB)" "${R[osprey.rss]}" "${R[vpnc.rss]}" "$(ratio "${R[osprey.rss]}" "${R[vpnc.rss]}")"
