#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The demo: installs the dependencies, builds Osprey, brings up the lab (a
# real strongSwan IKEv1 gateway in a network namespace, see tests/lab/lab.sh),
# connects to it with ospreyd in the client namespace, shows the tunnel at
# work (ping, routes, resolv.conf, iperf3), disconnects and tears it all down.
#
#   sudo bash scripts/demo.sh            # with Osprey (build/daemon/ospreyd)
#   sudo bash scripts/demo.sh --vpnc     # the same with vpnc, for comparison
#
# Only network namespaces of its own are touched; the host's network and
# /etc/resolv.conf are left alone.
set -u

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root" || exit 1
client=osprey
case ${1:-} in
  --vpnc) client=vpnc ;;
  "") ;;
  *)
    echo "usage: $0 [--vpnc]" >&2
    exit 2
    ;;
esac

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

if [ "$(id -u)" != 0 ]; then
  echo "demo: run as root (network namespaces): sudo bash $0" >&2
  exit 1
fi

say "Installing dependencies (Debian packages)"
bash scripts/install-deps.sh || exit 1

if [ $client = osprey ]; then
  say "Building Osprey in build/"
  if [ ! -f build/build.ninja ]; then
    meson setup build || exit 1
  fi
  meson compile -C build || exit 1
  ospreyd="$root/build/daemon/ospreyd"
  if [ ! -x "$ospreyd" ]; then
    echo "demo: $ospreyd was not built" >&2
    exit 1
  fi
fi

# shellcheck source=tests/lab/lab.sh
. "$root/tests/lab/lab.sh"
LAB_SERVICES=1
client_pid=
tail_pid=

finish()
{
  [ -n "$client_pid" ] && _lab_stop_pid "$client_pid"
  [ -n "$tail_pid" ] && kill "$tail_pid" 2>/dev/null
  if [ -n "${LAB_DIR:-}" ] && [ -d "$LAB_DIR" ]; then
    say "Tearing down the lab"
    lab_down
    if lab_check_host_resolv; then
      echo "host /etc/resolv.conf unchanged"
    fi
  fi
}
trap finish EXIT
trap 'exit 130' INT TERM HUP

say "Bringing up the lab (gateway $LAB_GW_ADDR in $LAB_NS_GW, client in $LAB_NS_CL)"
lab_up || exit 1
conf="$LAB_DIR/lab.conf"
lab_write_vpnc_conf "$conf"
echo "profile $conf (vpnc .conf format):"
sed 's/^\(IPSec secret\|Xauth password\) .*/\1 ********/' "$conf" | sed 's/^/    /'

say "Connecting with $client"
t0=$(date +%s%N)
log="$LAB_DIR/client.log"
: >"$log"
if [ $client = osprey ]; then
  lab_spawn_client "$log" "$ospreyd" --foreground --config "$conf"
else
  lab_spawn_client "$log" vpnc --no-detach --non-inter --local-port 0 "$conf"
fi
client_pid=$LAB_SPAWN_PID
tail -n +1 -f --pid="$client_pid" "$log" | sed -u "s/^/    [$client] /" &
tail_pid=$!

up=0
for _ in $(seq 60); do
  if lab_wait_tunnel 1; then
    up=1
    break
  fi
  _lab_alive "$client_pid" || break
done
if [ $up != 1 ]; then
  sleep 0.5
  echo "demo: no tunnel: $client did not connect (log: $log)" >&2
  exit 1
fi
t1=$(date +%s%N)
sleep 0.3 # let the client's progress lines through
echo "tunnel up $(((t1 - t0) / 1000000)) ms after starting $client"

say "ping $LAB_PROTECTED_HOST (the protected network, reachable only through the tunnel)"
lab_exec_client ping -c 4 -i 0.3 "$LAB_PROTECTED_HOST"

say "The client namespace: addresses, routes, resolv.conf"
lab_exec_client ip -br addr
lab_exec_client ip route
echo "--- /etc/resolv.conf in $LAB_NS_CL"
lab_exec_client cat /etc/resolv.conf

say "iperf3 through the tunnel, 5 s each way (up: client to gateway, down: -R)"
for dir in up down; do
  flag=
  [ $dir = down ] && flag=-R
  if out=$(lab_exec_client iperf3 -c "$LAB_PROTECTED_HOST" -p "$LAB_IPERF_PORT" -t 5 -f m $flag 2>&1); then
    echo "$out" | grep -E 'sender|receiver' | sed "s/^/    $dir  /"
  else
    echo "demo: iperf3 ($dir) failed: $out" >&2
  fi
done

say "Disconnecting (SIGTERM to $client, PID $client_pid)"
_lab_stop_pid "$client_pid"
client_pid=
sleep 0.3
lab_exec_client ip -br addr
lab_exec_client ip route
echo "--- /etc/resolv.conf in $LAB_NS_CL"
lab_exec_client cat /etc/resolv.conf
if lab_exec_client ping -q -c 1 -W 1 "$LAB_PROTECTED_HOST" >/dev/null 2>&1; then
  echo "demo: $LAB_PROTECTED_HOST still reachable after disconnect" >&2
  exit 1
fi
echo "$LAB_PROTECTED_HOST is unreachable again"
exit 0
