#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Where ospreyd's datapath spends its time, with measures that do not
# depend on how loaded the machine is (bench.sh's CPU seconds and Mbit/s
# do): not part of the test suite; run by hand, as root:
#
#   tests/bench/profile.sh build/daemon/ospreyd [WORKLOAD...]
#
# ospreyd --foreground against the lab gateway (tests/lab/lab.sh; charon,
# or PROF_GW=fast for osp-lab-gateway --tun as in bench.sh's fastgw rows),
# then each WORKLOAD in turn through the tunnel (default: up:500M down:500M
# low:10):
#   up:BYTES    iperf3 TCP, the client sends BYTES (iperf3 -n)
#   down:BYTES  the same, the client receives (-R)
#   low:SECS    iperf3 UDP at PROF_LOWRATE (10M) each way at once plus 20
#               pings/s, as bench.sh's low-rate row
#   idle:SECS   nothing: what a connected, quiet tunnel costs
#
# PROF_TOOL picks what is taken of the ospreyd process (all its threads)
# during each workload:
#   count  (default) perf stat: system calls of the datapath (readv/writev
#          on the TUN device, sendmmsg/recvmmsg, epoll_wait, ...), context
#          switches and wakeups, each per MB moved; and task-clock
#   perf   perf record -g (cpu-clock; no hardware counters needed): the
#          samples by category (crypto, checksums, our code, copies, and
#          the kernel's send, receive, TUN write, epoll paths), by
#          tests/bench/perf-categories.py
#   none   only the user and system ticks of each thread
# PROF_ESP (aes128-sha1): the gateway's ESP proposal (charon).
# PROF_OUT (/tmp/osprey-profile): raw files (perf data, iperf3 JSON).
# Every process started here is stopped by PID; the lab goes at the end.
set -u
if [ $# -lt 1 ] || [ ! -x "$1" ]; then
  echo "usage: $0 OSPREYD [up:BYTES|down:BYTES|low:SECS|idle:SECS ...]" >&2
  exit 2
fi
OSPREYD=$(readlink -f "$1")
shift
[ $# -gt 0 ] || set -- up:500M down:500M low:10
HERE=$(cd "$(dirname "$0")" && pwd)
BUILD=$(dirname "$OSPREYD")/..
: "${PROF_TOOL:=count}" "${PROF_GW:=charon}" "${PROF_OUT:=/tmp/osprey-profile}" "${PROF_LOWRATE:=10M}"
case $PROF_TOOL in
  count | perf)
    command -v perf >/dev/null || {
      echo "profile: no perf here (linux-perf): PROF_TOOL=none" >&2
      exit 77
    } ;;
  none) ;;
  *)
    echo "profile: PROF_TOOL is count, perf or none" >&2
    exit 2 ;;
esac
mkdir -p "$PROF_OUT"
LAB_SERVICES=1
LAB_ESP_PROPOSALS=${PROF_ESP:-aes128-sha1}
. "$HERE/../lab/lab.sh"
. "$HERE/bench-lib.sh"

CLIENT_PID= TOOL_PID=
cleanup()
{
  local pid
  for pid in $TOOL_PID $CLIENT_PID; do
    kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
  done
  [ "$PROF_GW" = fast ] && lab_scripted_gateway_stop
  lab_check_host_resolv || echo "profile: HOST /etc/resolv.conf CHANGED" >&2
  lab_down
}
trap cleanup EXIT
lab_up >/dev/null || exit $?
lab_write_vpnc_conf "$LAB_DIR/lab.conf"
if [ "$PROF_GW" = fast ]; then
  pool=${LAB_POOL%%-*}
  lab_scripted_gateway_start "$BUILD/tests/lab/osp-lab-gateway" --tun ospgw0 &&
    ip -n "$LAB_NS_GW" link set ospgw0 up &&
    ip -n "$LAB_NS_GW" route add "${pool%.*}.0/24" dev ospgw0 || exit 1
fi
lab_spawn_client "$PROF_OUT/osprey.log" "$OSPREYD" --foreground --config "$LAB_DIR/lab.conf" </dev/null
CLIENT_PID=$LAB_SPAWN_PID
lab_wait_tunnel 30 || {
  echo "profile: ospreyd did not connect (see $PROF_OUT/osprey.log)" >&2
  exit 1
}
sleep 0.5

# "TID NAME UTIME STIME" of each thread
ticks()
{
  local t
  for t in /proc/"$CLIENT_PID"/task/*; do
    echo "${t##*/} $(cat "$t/comm") $(awk '{print $14, $15}' "$t/stat")"
  done
}
EVENTS=task-clock,sched:sched_switch,sched:sched_wakeup
for s in readv writev read write sendmmsg recvmmsg sendto recvfrom epoll_wait poll ppoll futex; do
  EVENTS+=,syscalls:sys_enter_$s
done

for w in "$@"; do
  kind=${w%%:*} arg=${w#*:} out=$PROF_OUT/${w/:/-}
  ticks >"$out.t0"
  case $PROF_TOOL in
    count) perf stat -x, -o "$out.count" -e "$EVENTS" -p "$CLIENT_PID" 2>/dev/null & ;;
    perf) perf record -q -e cpu-clock -F 2000 -g -p "$CLIENT_PID" -o "$out.perf" >/dev/null 2>&1 & ;;
  esac
  TOOL_PID=${!:-}
  [ "$PROF_TOOL" = none ] && TOOL_PID=
  sleep 0.3
  case $kind in
    up) lab_exec_client iperf3 -c "$LAB_PROTECTED_HOST" -n "$arg" -J >"$out.json" 2>&1 ;;
    down) lab_exec_client iperf3 -c "$LAB_PROTECTED_HOST" -n "$arg" -R -J >"$out.json" 2>&1 ;;
    low)
      lab_exec_client ping -n -q -i 0.05 -c $((arg * 20)) "$LAB_PROTECTED_HOST" >"$out.ping" 2>&1 &
      ping_pid=$!
      lab_exec_client iperf3 -c "$LAB_PROTECTED_HOST" -u -b "$PROF_LOWRATE" --bidir -t "$arg" -J \
        >"$out.json" 2>&1
      wait "$ping_pid" ;;
    idle) sleep "$arg" ;;
    *)
      echo "profile: unknown workload $w" >&2
      continue ;;
  esac
  if [ -n "$TOOL_PID" ]; then
    kill -INT "$TOOL_PID"
    wait "$TOOL_PID"
    TOOL_PID=
  fi
  ticks >"$out.t1"
  read -r mbit bytes _ < <(bench_iperf_parse "$out.json" 0)
  [ "$kind" = idle ] && mbit=0 bytes=0
  echo "== $w: $mbit Mbit/s, $bytes bytes; ticks of $(getconf CLK_TCK)/s:"
  join "$out.t0" "$out.t1" | awk '{printf "   %-14s user %5d  sys %5d\n", $2, $6 - $3, $7 - $4}'
  case $PROF_TOOL in
    count)
      awk -F, -v b="$bytes" '$3 != "" && $1 ~ /^[0-9.]+$/ {
          name = $3; sub(/^syscalls:sys_enter_/, "", name)
          if (b > 0) printf "   %-16s %10.0f  %9.2f per MB\n", name, $1, $1 / (b / 1e6)
          else printf "   %-16s %10.0f\n", name, $1 }' "$out.count" ;;
    perf)
      perf script -i "$out.perf" -F comm,tid,ip,sym,dso 2>/dev/null |
        python3 "$HERE/perf-categories.py" ;;
  esac
done
