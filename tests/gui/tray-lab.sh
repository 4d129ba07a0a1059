#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# osprey-tray, for real: the tray app in a private desktop session, the real
# ospreyd on the test's system-like bus, the strongSwan gateway of
# tests/lab/lab.sh; tray-driver.py drives the GUI by accessible names.
#
#   private desktop (tests/gui/desktop.sh)       host
#   Xvfb :N, session bus, AT-SPI bus,            dbus-daemon (system-like,
#   gnome-keyring, notification server,            $LAB_DIR/bus/socket) <---+
#   trayer (XEmbed tray)                                                     |
#     osprey-tray ---- D-Bus -------------------------------------------->  |
#     tray-driver.py (dogtail)                   namespace osp-cl-ID         |
#                                                  ospreyd ------------------+
#                                                  tun0 ---- IKE/ESP ----> osp-gw-ID charon
#
#   tray-lab.sh OSPREYD OSPREY OSPREY-TRAY
#
# ospreyd is first started by hand to import the profile, then stopped: the
# tray's start activates it through the bus (a .service file, as installed).
# Phases: xembed (menu in a real tray, password dialog, wrong password,
# Remember, banner, details, Disconnect, keyring reuse), restart (ospreyd
# restarted under the tray; a rejected stored password is cleared), editor
# (the profile editor: Update, AddProfile refused and accepted, duplicate,
# delete), a gateway crash (the "lost, reconnecting" and "connected"
# notifications), two (two tunnels at once), sni (the StatusNotifierItem path against a test
# watcher/host).  Screenshots in
# $OSPREY_ARTIFACTS_DIR (default: the build's meson-logs/gui-shots when run
# by meson, else $LAB_DIR/desktop/shots, kept).  Exit 0 pass, 1 fail,
# 77 skip.  Every process started here is ended by PID.
set -u

OSPREYD=$(readlink -f "$1")
OSPREY=$(readlink -f "$2")
TRAY=$(readlink -f "$3")
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/../lab/lab.sh"
. "$HERE/../lab/lab-ospreyd.sh"
. "$HERE/desktop.sh"

BUS_PID=
DAEMON_PID=
TRAY_PID=
PING_PID=

note() { echo "[tray-lab] $*"; }
fail()
{
  echo "FAIL [tray-lab]: $*" >&2
  [ -f "$LAB_DIR/ospreyd.log" ] && grep -v DEBUG "$LAB_DIR/ospreyd.log" | tail -20 | sed 's/^/  ospreyd| /' >&2
  [ -f "$LAB_DIR/desktop/tray.log" ] && tail -20 "$LAB_DIR/desktop/tray.log" | sed 's/^/  tray| /' >&2
  exit 1
}

desktop_check_requirements || exit $?

stop_pid()
{
  local pid=$1 i
  [ -n "$pid" ] || return 0
  kill "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
  # not a child (an ospreyd the bus started): wait until it is gone
  for i in $(seq 200); do
    kill -0 "$pid" 2>/dev/null || return 0
    sleep 0.05
  done
}

cleanup()
{
  local ok=0 pid
  if [ -n "${LAB_DIR:-}" ] && [ -f "$LAB_DIR/desktop/tray-sni.pid" ]; then
    pid=$(cat "$LAB_DIR/desktop/tray-sni.pid")
    [ -n "$pid" ] && kill "$pid" 2>/dev/null
  fi
  stop_pid "$PING_PID"
  stop_pid "$TRAY_PID"
  desktop_stop
  [ -z "$DAEMON_PID" ] && [ -n "$BUS_PID" ] && DAEMON_PID=$(daemon_on_bus)
  stop_pid "$DAEMON_PID"
  stop_pid "$BUS_PID"
  if [ -n "${LAB_DIR:-}" ] && [ -d "$LAB_DIR/desktop/shots" ]; then
    mkdir -p "$ARTIFACTS" && cp "$LAB_DIR/desktop/shots/"*.png "$ARTIFACTS/" 2>/dev/null &&
      echo "[tray-lab] screenshots in $ARTIFACTS"
  fi
  lab_check_host_resolv || ok=1
  lab_down
  [ $ok = 0 ] || { echo "FAIL [tray-lab]: host /etc/resolv.conf changed" >&2; exit 1; }
}

# the bus's answer about ospreyd's name: bus_call NameHasOwner|GetConnectionUnixProcessID
bus_call()
{
  gdbus call --address "$OSPREY_BUS_ADDRESS" -d org.freedesktop.DBus -o /org/freedesktop/DBus \
    -m "org.freedesktop.DBus.$1" net.ospreyvpn.Osprey1 2>/dev/null
}

# the PID of the ospreyd on our bus (ours: the bus is), if any
daemon_on_bus()
{
  bus_call GetConnectionUnixProcessID | sed -n 's/^(uint32 \([0-9]*\),)$/\1/p'
}

daemon_start()
{
  lab_ospreyd_start "$OSPREYD" "$OSPREY" || fail "ospreyd does not answer"
  DAEMON_PID=$LAB_OSPREYD_PID
}

tray_start()
{
  # shellcheck disable=SC2086 # TRAY_WRAPPER: e.g. "gdb -batch -ex run -ex bt --args"
  G_MESSAGES_DEBUG=osprey-tray ${TRAY_WRAPPER:-} "$TRAY" >>"$LAB_DIR/desktop/tray.log" 2>&1 &
  TRAY_PID=$!
}

driver()
{
  TRAY_LOG_DIR=$LAB_DIR/desktop LAB_SH=$HERE/../lab/lab.sh LAB_ID=$LAB_ID LAB_NS_CL=$LAB_NS_CL \
    LAB_PASSWORD=$LAB_PASSWORD OSPREY=$OSPREY OSPREY_TRAY=$TRAY \
    timeout 300 /usr/bin/python3 "$HERE/tray-driver.py" "$1" || fail "phase $1"
}

trap cleanup EXIT
# a second XAUTH user, for two tunnels at once
LAB_SECRETS_EXTRA=$'  xauth-bob {\n    id = bob\n    secret = "bob-password"\n  }'
lab_up >/dev/null || exit $?
ARTIFACTS=${OSPREY_ARTIFACTS_DIR:-${MESON_BUILD_ROOT:+$MESON_BUILD_ROOT/meson-logs/gui-shots}}
: "${ARTIFACTS:=$LAB_DIR.shots}"
rm -f "$ARTIFACTS"/*.png
lab_bus_start --activation || fail "the system-like dbus-daemon did not start"
BUS_PID=$LAB_BUS_PID
daemon_start
# the profile keeps the user name and group secret; the password is asked
lab_write_vpnc_conf "$LAB_DIR/lab.conf"
sed -i '/^Xauth password/d' "$LAB_DIR/lab.conf"
"$OSPREY" import "$LAB_DIR/lab.conf" --name lab >/dev/null || fail "import"
note "ospreyd up on a private bus in $LAB_NS_CL, profile lab imported"

# from now on ospreyd is not running: the bus starts it when the tray calls
stop_pid "$DAEMON_PID"
DAEMON_PID=
lab_ospreyd_service "$OSPREYD"
[ "$(bus_call NameHasOwner)" = "(false,)" ] || fail "ospreyd still on the bus"

desktop_start "$LAB_DIR/desktop" || fail "the private desktop did not start"
desktop_tray
tray_start
note "desktop on $DISPLAY, osprey-tray $TRAY_PID in trayer"
for _ in $(seq 100); do
  [ "$(bus_call NameHasOwner)" = "(true,)" ] && break
  sleep 0.1
done
DAEMON_PID=$(daemon_on_bus)
[ -n "$DAEMON_PID" ] || fail "the tray's start did not activate ospreyd"
[ "$(readlink -f "/proc/$DAEMON_PID/exe")" = "$OSPREYD" ] ||
  fail "the bus name is not ospreyd's: $(readlink "/proc/$DAEMON_PID/exe")"
rm "$LAB_DIR/bus/services/net.ospreyvpn.Osprey1.service" # later starts are by hand
note "ospreyd $DAEMON_PID started by bus activation, for the tray"

driver xembed

# ospreyd restarts under the running tray
stop_pid "$DAEMON_PID"
DAEMON_PID=
daemon_start
note "ospreyd restarted"
driver restart
grep -q "agent registered" "$LAB_DIR/desktop/tray.log" || fail "no agent registration logged"
[ "$(grep -c "agent registered" "$LAB_DIR/desktop/tray.log")" -ge 2 ] ||
  fail "the agent did not register again with the restarted ospreyd"

driver editor

# the gateway crashes under a connection with traffic: the tray says the
# connection was lost and is reconnecting, then connected again
wait_notification()
{
  local summary=$1 body=$2 before=$3 i
  for i in $(seq 300); do
    tail -n +"$((before + 1))" "$LAB_DIR/desktop/notifications.log" |
      grep -F "\"$summary\" \"$body" >/dev/null && return 0
    sleep 0.1
  done
  return 1
}
notes=$(wc -l <"$LAB_DIR/desktop/notifications.log")
echo "$LAB_PASSWORD" | "$OSPREY" connect lab --password-stdin --timeout 60 >/dev/null ||
  fail "osprey connect lab"
lab_wait_tunnel 20 || fail "no ping through the tunnel before the crash"
ip netns exec "$LAB_NS_CL" ping -q -i 0.2 "$LAB_PROTECTED_HOST" >/dev/null 2>&1 &
PING_PID=$!
lab_gateway_kill
wait_notification "Connection to lab lost" "The gateway stopped answering. Reconnecting…" "$notes" ||
  fail "no 'lost, reconnecting' notification after the gateway crashed"
note "gateway crashed: $(grep -F '"Connection to lab lost"' "$LAB_DIR/desktop/notifications.log" |
  tail -1 | sed 's/.*"Connection to lab lost" "\([^"]*\)".*/\1/')"
notes=$(wc -l <"$LAB_DIR/desktop/notifications.log")
lab_gateway_start || fail "the gateway did not restart"
wait_notification "Connected to lab" "Your address in the VPN is" "$notes" ||
  fail "no 'connected' notification after the gateway came back"
lab_wait_tunnel 20 || fail "no ping through the tunnel after the reconnect"
stop_pid "$PING_PID"
PING_PID=
"$OSPREY" disconnect lab >/dev/null || fail "osprey disconnect lab"
note "gateway back: reconnected, notified"

# two tunnels at once: lab (alice) for the lower half of the protected
# network, bob for the upper half, where the gateway answers too
"$OSPREY" set lab target-networks=198.51.100.0/25 >/dev/null || fail "osprey set lab"
sed 's/^Xauth username .*/Xauth username bob/' "$LAB_DIR/lab.conf" >"$LAB_DIR/bob.conf"
echo "Xauth password bob-password" >>"$LAB_DIR/bob.conf"
"$OSPREY" import "$LAB_DIR/bob.conf" --name bob >/dev/null || fail "import bob"
# lab's connection has UDP port 500
"$OSPREY" set bob local-port=0 >/dev/null || fail "osprey set bob"
lab_exec_gw ip addr add 198.51.100.129/32 dev lo || fail "a second protected host"
driver two
"$OSPREY" set lab target-networks= >/dev/null || fail "osprey set lab"
"$OSPREY" delete bob >/dev/null || fail "osprey delete bob"

# the StatusNotifierItem path: a watcher appears, a new tray uses it
stop_pid "$TRAY_PID"
TRAY_PID=
driver sni
desktop_check_criticals "$LAB_DIR/desktop/tray.log" "$LAB_DIR/desktop/tray-sni.log" ||
  fail "a CRITICAL in osprey-tray's log"
note "PASS"
exit 0
