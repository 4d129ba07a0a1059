#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The osprey command line against the real ospreyd and the strongSwan gateway
# of tests/lab/lab.sh:
#
#   host                                      namespace osp-cl-ID         namespace osp-gw-ID
#   dbus-daemon (system-like, private,        ospreyd --bus-address       charon (IKEv1 PSK
#     $LAB_DIR/bus/socket, project policy) <-- --test-authz RULES   ---->  + XAUTH)
#   osprey --bus-address ...  ------------->  (TUN, routes, DNS here)     198.51.100.1
#
#   osprey-cli-lab.sh OSPREYD OSPREY
#
# Exit 0 pass, 1 fail, 77 skip (not root, strongSwan missing).  Only the
# PIDs started here are stopped; the host's /etc/resolv.conf is checked.
set -u

OSPREYD=$(readlink -f "$1")
OSPREY=$(readlink -f "$2")
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/../lab/lab.sh"
. "$HERE/../lab/lab-ospreyd.sh"

BUS_PID=
DAEMON_PID=
FG_PID=
HOLDER_PID=

note() { echo "[cli-lab] $*"; }
fail()
{
  echo "FAIL [cli-lab]: $*" >&2
  [ -f "$LAB_DIR/ospreyd.log" ] && sed 's/^/  ospreyd| /' "$LAB_DIR/ospreyd.log" | tail -40 >&2
  exit 1
}

cleanup()
{
  local ok=0
  [ -n "$DAEMON_PID" ] && kill "$DAEMON_PID" 2>/dev/null && wait "$DAEMON_PID" 2>/dev/null
  [ -n "$FG_PID" ] && kill "$FG_PID" 2>/dev/null && wait "$FG_PID" 2>/dev/null
  [ -n "$HOLDER_PID" ] && kill "$HOLDER_PID" 2>/dev/null && wait "$HOLDER_PID" 2>/dev/null
  [ -n "$BUS_PID" ] && kill "$BUS_PID" 2>/dev/null && wait "$BUS_PID" 2>/dev/null
  lab_vpnc_stop
  lab_check_host_resolv || ok=1
  lab_down
  [ $ok = 0 ] || { echo "FAIL [cli-lab]: host /etc/resolv.conf changed" >&2; exit 1; }
}

expect_status()
{
  local name=$1 want=$2
  "$OSPREY" --json status "$name" >"$LAB_DIR/status.json" || fail "osprey status $name failed"
  python3 - "$LAB_DIR/status.json" "$want" <<'EOF' || fail "status of $name is not $want: $(cat "$LAB_DIR/status.json")"
import json, sys
st = json.loads(open(sys.argv[1]).read().splitlines()[0])
assert st["state"] == sys.argv[2], st
if st["state"] == "connected":
    assert st["address"].startswith("198.18.1."), st
    assert st["device"], st
EOF
}

expect_down()
{
  lab_exec_client ip link show tun0 >/dev/null 2>&1 && fail "tun0 left behind"
  lab_exec_client ip route | grep -q "198.51.100" && fail "route to the protected net left behind"
  return 0
}

trap cleanup EXIT
LAB_POOL_EXTRA="    split_exclude = 203.0.113.0/24" # UNITY_LOCAL_LAN, for status -v
lab_up >/dev/null || exit $?
lab_bus_start || fail "dbus-daemon did not start"
BUS_PID=$LAB_BUS_PID
lab_ospreyd_start "$OSPREYD" "$OSPREY" || fail "osprey list fails once ospreyd should run"
DAEMON_PID=$LAB_OSPREYD_PID
note "ospreyd up on a private bus in $LAB_NS_CL"

# 1. import a vpnc .conf without its secrets; connect with --password-stdin
#    and the group secret from a --secrets-file
lab_write_vpnc_conf "$LAB_DIR/lab.conf"
"$OSPREY" import "$LAB_DIR/lab.conf" --name lab --no-save-secrets || fail "import failed"
printf 'group-secret=%s\n' "$LAB_GROUP_SECRET" >"$LAB_DIR/group.secret"
chmod 600 "$LAB_DIR/group.secret"
start=$(date +%s.%N)
echo "$LAB_PASSWORD" | "$OSPREY" connect lab --password-stdin \
  --secrets-file "$LAB_DIR/group.secret" --timeout 60 >"$LAB_DIR/connect.out" 2>&1
rc=$?
cat "$LAB_DIR/connect.out"
[ $rc = 0 ] || fail "osprey connect: exit $rc"
grep -q "^Connected to lab (198\.18\.1\.[0-9]* via tun0)\.$" "$LAB_DIR/connect.out" ||
  fail "no 'Connected to lab (... via tun0).' line"
grep -q "Authorized users only." "$LAB_DIR/connect.out" || fail "banner not shown"
lab_wait_tunnel 20 || fail "no ping through the tunnel"
note "osprey connect to first ping: $(echo "$(date +%s.%N) - $start" | bc) s"
expect_status lab connected
"$OSPREY" status -v lab >"$LAB_DIR/status-v.out" || fail "osprey status -v failed"
grep -q "Log:" "$LAB_DIR/status-v.out" || fail "status -v shows no log"
# what was negotiated (the lab's first proposals), never keys
grep -Eq "^  IKE SA: +AES-256, SHA2-256, MODP-2048, 7 h 59 min left$" "$LAB_DIR/status-v.out" ||
  fail "status -v: no IKE SA line: $(cat "$LAB_DIR/status-v.out")"
# how phase 1 authenticated: the lab's aggressive mode, group secret and XAUTH
grep -Eq "^  IKE auth: +Group password \+ XAUTH, Aggressive mode$" "$LAB_DIR/status-v.out" ||
  fail "status -v: no IKE auth line"
grep -Eq "^  IPsec SA: +AES-256-CBC, HMAC-SHA2-256-128, no PFS, 0 h 59 min left$" \
  "$LAB_DIR/status-v.out" || fail "status -v: no IPsec SA line"
grep -Eq "^  SPIs: +in 0x[0-9a-f]{8}, out 0x[0-9a-f]{8}$" "$LAB_DIR/status-v.out" ||
  fail "status -v: no SPIs"
grep -Eq "^  Routes: +198\.51\.100\.0/24$" "$LAB_DIR/status-v.out" || fail "status -v: no routes"
grep -Eq "^  Excluded: +203\.0\.113\.0/24$" "$LAB_DIR/status-v.out" || fail "status -v: no excluded networks"
"$OSPREY" disconnect || fail "osprey disconnect failed"
expect_status lab disconnected
expect_down
note "connect, status, disconnect of an imported profile"

# 2. wrong password: exit status 2, one line naming the reason
echo wrong-password | "$OSPREY" connect lab --password-stdin \
  --secrets-file "$LAB_DIR/group.secret" --timeout 60 >"$LAB_DIR/wrong.out" 2>&1
rc=$?
cat "$LAB_DIR/wrong.out"
[ $rc = 2 ] || fail "wrong password: exit $rc, expected 2"
grep -q "bad-credentials" "$LAB_DIR/wrong.out" || fail "wrong password: reason not named"
expect_down

# 3. vpnc-compatible: connect an unimported .conf (secrets inside)
lab_write_vpnc_conf "$LAB_DIR/adhoc.conf"
start=$(date +%s.%N)
"$OSPREY" connect --config "$LAB_DIR/adhoc.conf" --timeout 60 || fail "connect --config failed"
lab_wait_tunnel 20 || fail "no ping through the tunnel (--config)"
note "osprey connect --config to first ping: $(echo "$(date +%s.%N) - $start" | bc) s"
expect_status adhoc connected
"$OSPREY" disconnect adhoc || fail "disconnect adhoc failed"
expect_status adhoc disconnected
expect_down
note "connect --config of an unimported vpnc file"

kill "$DAEMON_PID"
wait "$DAEMON_PID"
rc=$?
DAEMON_PID=
[ $rc = 0 ] || fail "ospreyd exit status $rc after SIGTERM"
grep -q "received DELETE for IKE_SA" "$(lab_gateway_log)" || fail "gateway saw no Delete"

# 4. vpnc's command line: `vpnc OPTIONS FILE` is `ospreyd --foreground OPTIONS FILE`
#    (--no-detach a no-op, --script and --local-port override the file)
cat >"$LAB_DIR/script.sh" <<EOF
#!/bin/sh
echo "\$reason" >>"$LAB_DIR/script.log"
exec "$LAB_VPNC_SCRIPT" "\$@"
EOF
chmod 755 "$LAB_DIR/script.sh"
lab_spawn_client "$LAB_DIR/fg.log" "$OSPREYD" --foreground --no-detach --non-inter --debug 1 \
  --local-port 0 --script "$LAB_DIR/script.sh" --pid-file "$LAB_DIR/fg.pid" "$LAB_DIR/adhoc.conf"
FG_PID=$LAB_SPAWN_PID
lab_wait_tunnel 20 || fail "no ping through the tunnel of ospreyd --foreground with vpnc's options"
[ "$(cat "$LAB_DIR/fg.pid")" = "$FG_PID" ] || fail "--pid-file: $(cat "$LAB_DIR/fg.pid"), not $FG_PID"
grep -qx connect "$LAB_DIR/script.log" || fail "--script was not run: $(cat "$LAB_DIR/fg.log")"
lab_exec_client ss -uanp | grep -q ":500 .*ospreyd" && fail "--local-port 0 still took port 500"
kill "$FG_PID"
wait "$FG_PID"
rc=$?
FG_PID=
[ $rc = 0 ] || fail "ospreyd --foreground: exit $rc after SIGTERM: $(cat "$LAB_DIR/fg.log")"
grep -qx disconnect "$LAB_DIR/script.log" || fail "--script did not see the disconnect"
[ -e "$LAB_DIR/fg.pid" ] && fail "--pid-file left behind"
expect_down
note "ospreyd --foreground with vpnc's options"

# 5. port 500 in use: the error names the likely cause and the setting
lab_spawn_client "$LAB_DIR/holder.log" python3 -c 'import socket, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("0.0.0.0", 500)); time.sleep(60)'
HOLDER_PID=$LAB_SPAWN_PID
for _ in $(seq 100); do lab_exec_client ss -uan | grep -q ":500 " && break; sleep 0.05; done
lab_exec_client "$OSPREYD" --foreground --non-inter "$LAB_DIR/adhoc.conf" >"$LAB_DIR/busy.out" 2>&1
rc=$?
kill "$HOLDER_PID"
wait "$HOLDER_PID" 2>/dev/null
HOLDER_PID=
cat "$LAB_DIR/busy.out"
[ $rc = 1 ] || fail "port 500 in use: exit $rc, expected 1"
grep -q "another ospreyd or vpnc" "$LAB_DIR/busy.out" || fail "port 500 in use: no likely cause"
grep -q "Local Port" "$LAB_DIR/busy.out" || fail "port 500 in use: the setting is not named"
expect_down
note "port 500 in use names the cause"

# 6. the same file with vpnc, for the figure (no assertion on time)
if command -v vpnc >/dev/null; then
  start=$(date +%s.%N)
  lab_vpnc_start "$LAB_DIR/adhoc.conf"
  if lab_wait_tunnel 20; then
    note "vpnc to first ping: $(echo "$(date +%s.%N) - $start" | bc) s (same gateway, same file)"
  else
    note "vpnc did not connect"
  fi
  lab_vpnc_stop
fi
note "PASS"
exit 0
