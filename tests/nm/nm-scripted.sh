#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# nm-osprey-service under a real NetworkManager (tests/nm/nm-ns.sh) against
# the scripted gateway on real sockets (tests/lab/osp-lab-gateway.c), for
# what strongSwan cannot do: token codes, a new PIN, a Mode Config of our
# choosing.
#
#   [osp-cl-ID + mount/UTS ns]                       [osp-gw-ID]
#   nmcli --ask con up (a pty) ─ NetworkManager ──► osp-lab-gateway 192.0.2.1
#     nm-osprey-auth-dialog       nm-osprey-service   XAUTH: USER_NAME +
#     --external-ui-mode          (SecretsRequired      PASSCODE [+ NEXT_PIN]
#     "Token code:" "New PIN:"     with hints)        ESP: answers pings
#
#   nm-scripted.sh NM_OSPREY_SERVICE POLICY EDITOR_PLUGIN AUTH_DIALOG LAB_GATEWAY [GTK3_EDITOR]
#
# Checks: a wrong token code gets the gateway's "try again" and a second
# prompt, the right one brings the VPN to "activated", the gateway logged
# the codes typed and a ping goes through, no code is saved; a "new PIN"
# round asks for the PIN after the code; one wrong code and no retry is a
# login failure.  The service keeps its state in the directory given, and
# with --persist still ends on SIGTERM with the tunnel torn down.  The GTK 3
# editor (editor-nm.py) edits a connection NetworkManager holds and saves
# it back: the MTU typed under Advanced… is in `nmcli -g vpn.data` and on
# the tunnel device at the next connect.  An IP
# configuration NetworkManager must not apply (a loopback or the gateway's
# own address, a non-contiguous netmask, the default route in a split
# list, no address) fails as "bad IP config" with the reason in the log,
# and leaves the namespace's addresses, routes and resolv.conf as they
# were.  TAP output; 77 when not root or a tool is missing.
set -u

SERVICE=$(readlink -f "$1")
POLICY=$(readlink -f "$2")
NM_OSPREY_EDITOR_PLUGIN=$(readlink -f "$3")
NM_OSPREY_AUTH_DIALOG=$(readlink -f "$4")
GATEWAY=$(readlink -f "$5")
GTK3_EDITOR=${6:+$(readlink -f "$6")}
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/../lab/lab.sh"
. "$HERE/nm-ns.sh"
. "$HERE/../unit/tap.sh"

CODE=246810
PIN=97531

[ -x "$GATEWAY" ] || { echo "SKIP: $GATEWAY not built"; exit 77; }
nm_test_start "$SERVICE" "$POLICY" || exit $?

gw_log() { cat "$LAB_DIR/scripted-gw.log"; }
gw_logged() # gw_logged REGEX: the gateway logs REGEX within 5 s
{
  for _ in $(seq 50); do
    grep -q -E "$1" "$LAB_DIR/scripted-gw.log" && return 0
    sleep 0.1
  done
  return 1
}

# A token user, imported from a .pcf as a Cisco client's user has it: the
# group password is saved, there is no XAUTH password (not required): the
# gateway asks for the code, the service passes the question on as hints,
# nmcli asks on the terminal through the auth dialog.
printf '[main]\r\nDescription=lab-token\r\nHost=%s\r\nAuthType=1\r\nGroupName=%s\r\nGroupPwd=%s\r\nUsername=%s\r\nEnableNat=1\r\n' \
  "$LAB_GW_ADDR" "$LAB_GROUP" "$LAB_GROUP_SECRET" "$LAB_USER" >"$NM_DIR/token.pcf"
add_token()
{
  nm_exec nmcli connection import type osprey file "$NM_DIR/token.pcf" >/dev/null &&
    nm_exec nmcli connection modify lab-token +vpn.data "Xauth password-flags=4"
}
check "token connection imported from a .pcf" add_token

# ask_up TRANSCRIPT REGEX ANSWER...: nmcli --ask con up lab-token on a pty.
# A retry prompt comes filled with the answer NetworkManager still holds
# (nmcli's way): as a person would, each answer clears the line first (^U).
ask_up()
{
  local out=$1
  shift
  /usr/bin/python3 "$HERE/pty-answer.py" 60 "$@" -- \
    nsenter -t "$NM_PID" -m -u -n nmcli --ask --wait 40 connection up lab-token 2>"$out"
}

# ---- a wrong code, the gateway's "try again", the right code
lab_scripted_gateway_start "$GATEWAY" --passcode "$CODE" --tries 3 || exit 1
ask_up "$NM_DIR/ask1.out" 'Token code.*:' 000000 'Token code.*:' $'\x15'"$CODE"
st=$?
sed 's/^/# /' "$NM_DIR/ask1.out"
check "wrong then right token code: nmcli con up succeeds" test $st = 0
check "NetworkManager shows the VPN activated" test "$(nm_con_state lab-token)" = activated
check "the gateway got the wrong code first" grep -q "user=$LAB_USER passcode=000000 wrong" \
  <(gw_log)
check "then the right code" grep -q "user=$LAB_USER passcode=$CODE ok" <(gw_log)
check "the second prompt shows the gateway's message" grep -q 'Wrong token code, try again' \
  "$NM_DIR/ask1.out"
check "the service asked NetworkManager twice" \
  test "$(grep -c 'asking for .*Xauth passcode' "$NM_DIR/service.log")" -ge 2
check "ping through the tunnel" lab_wait_tunnel 10
ip4=$(nm_exec nmcli -g IP4.ADDRESS,IP4.ROUTE connection show lab-token)
echo "$ip4" | sed 's/^/# IP4: /'
check "NM shows the gateway's address and split route" \
  grep -q "198.18.1.10/32.*dst = $LAB_PROTECTED_NET" <<<"$(tr '\n' ' ' <<<"$ip4")"
check "the codes are in no file NetworkManager saved" \
  bash -c "! grep -r -q -e '$CODE' -e 000000 '$NM_DIR'/etc/system-connections"
nm_exec nmcli connection down lab-token >/dev/null
check "con down: the gateway got the Delete" gw_logged 'delete ike'

# ---- a token in "new PIN" mode: the code, then a new PIN
lab_scripted_gateway_start "$GATEWAY" --passcode "$CODE" --next-pin "$PIN" || exit 1
ask_up "$NM_DIR/ask2.out" 'Token code.*:' $'\x15'"$CODE" 'New PIN.*:' $'\x15'"$PIN"
st=$?
sed 's/^/# /' "$NM_DIR/ask2.out"
check "new PIN round: nmcli con up succeeds" test $st = 0
check "new PIN round: activated" test "$(nm_con_state lab-token)" = activated
check "new PIN round: the gateway got the code, then the PIN" \
  grep -q "next-pin=$PIN ok" <(gw_log)
check "new PIN round: the prompt shows the gateway's message" grep -q 'Enter a new PIN' \
  "$NM_DIR/ask2.out"
check "new PIN round: ping through the tunnel" lab_wait_tunnel 10
check "new PIN round: the code and the PIN are in no file NetworkManager saved" \
  bash -c "! grep -r -q -e '$CODE' -e '$PIN' '$NM_DIR'/etc/system-connections"
nm_exec nmcli connection down lab-token >/dev/null

# ---- the gateway allows one answer: a wrong code is a login failure
lab_scripted_gateway_start "$GATEWAY" --passcode "$CODE" --tries 1 || exit 1
ask_up "$NM_DIR/ask3.out" 'Token code.*:' $'\x15'111111
st=$?
sed 's/^/# /' "$NM_DIR/ask3.out"
check "one wrong code and no retry: con up fails" test $st != 0
check "not activated" test "$(nm_con_state lab-token)" != activated
last=$(grep '"lab-token"\]: dbus: failure:' "$NM_DIR/nm.log" | tail -n 1)
check "NM takes it as a login failure" grep -q 'failure: login-failed' <<<"$last"

# ---- the service's state: in the directory it is given (--state-dir), not
# the host's /var/lib/osprey; --persist (the service stays between
# connections) still ends on SIGTERM, tearing the tunnel down cleanly
lab_scripted_gateway_start "$GATEWAY" || exit 1
echo --persist >"$NM_DIR/service.args"
nm_exec nmcli connection add type vpn con-name lab-saved autoconnect no \
  vpn-type org.freedesktop.NetworkManager.osprey \
  vpn.data "IPSec gateway=$LAB_GW_ADDR, IPSec ID=$LAB_GROUP, Xauth username=$LAB_USER, IPSec secret-flags=0, Xauth password-flags=0" \
  vpn.secrets "IPSec secret=$LAB_GROUP_SECRET, Xauth password=$LAB_PASSWORD" >/dev/null
resolv=/etc/netns/$LAB_NS_CL/resolv.conf
resolv0=$(sha256sum <"$resolv")
routes0=$(ip -n "$LAB_NS_CL" route show table all | grep -v -e ' tun' -e 'dev tun')
check "--persist: con up" nm_exec nmcli --wait 40 connection up lab-saved
check "--persist: ping through the tunnel" lab_wait_tunnel 10
check "the state dir given holds what worked with the gateway" \
  grep -q "^$LAB_GW_ADDR $LAB_GROUP=" "$NM_DIR/state/dh-groups"
pid=$(cat "$NM_DIR/service.pid")
dev=$(ip -n "$LAB_NS_CL" -o route get "$LAB_PROTECTED_HOST" | grep -o 'dev tun[0-9]*')
dev=${dev#dev }
echo "# service PID $pid, device $dev"
kill -TERM "$pid"
ended() # ended PID: gone within 5 s
{
  for _ in $(seq 50); do
    kill -0 "$1" 2>/dev/null || return 0
    sleep 0.1
  done
  return 1
}
check "--persist: SIGTERM ends the service within 5 s" ended "$pid"
kill -0 "$pid" 2>/dev/null && kill -KILL "$pid"
check "SIGTERM: the gateway got the Delete first" \
  bash -c "tail -n 3 '$LAB_DIR/scripted-gw.log' | grep -q 'delete ike'"
check "SIGTERM: the tunnel device is gone" bash -c "! ip -n '$LAB_NS_CL' link show '$dev' 2>/dev/null"
check "SIGTERM: routes as before the connection" \
  test "$(ip -n "$LAB_NS_CL" route show table all)" = "$routes0"
check "SIGTERM: resolv.conf of the namespace unchanged" test "$(sha256sum <"$resolv")" = "$resolv0"
left=0
for _ in $(seq 50); do
  [ "$(nm_con_state lab-saved)" = activated ] || { left=1; break; }
  sleep 0.1
done
check "SIGTERM: NetworkManager no longer shows the VPN activated" test $left = 1
rm -f "$NM_DIR/service.args"

# ---- the GTK 3 editor on lab-saved, saved back to NetworkManager as
# nm-connection-editor does: the MTU typed under Advanced… is in vpn.data,
# and the next connect gives the device that MTU
if [ -n "$GTK3_EDITOR" ] && command -v Xvfb >/dev/null &&
  /usr/bin/python3 -c "import gi; gi.require_version('Gtk', '3.0'); gi.require_version('NM', '1.0')" 2>/dev/null; then
  nm_exec Xvfb -displayfd 3 -screen 0 800x600x24 -nolisten tcp 3>"$NM_DIR/display" \
    >"$NM_DIR/xvfb.log" 2>&1 &
  NM_TEST_PIDS+=($!)
  for _ in $(seq 100); do [ -s "$NM_DIR/display" ] && break; sleep 0.05; done
  # the editor plugin loads the editor module from its own directory, as installed
  mkdir -p "$NM_DIR/plugins"
  ln -sf "$NM_OSPREY_EDITOR_PLUGIN" "$GTK3_EDITOR" "$NM_DIR/plugins/"
  out=$(nm_exec env DISPLAY=":$(head -n1 "$NM_DIR/display")" GDK_BACKEND=x11 NO_AT_BRIDGE=1 \
    /usr/bin/python3 "$HERE/editor-nm.py" "$NM_DIR/plugins/$(basename "$NM_OSPREY_EDITOR_PLUGIN")" \
    lab-saved 1300 2>&1)
  echo "$out" | grep -v -e 'fd limit' | sed 's/^/# /'
  check "the editor saved lab-saved to NetworkManager" grep -q '^saved' <<<"$out"
  check "nmcli -g vpn.data shows the MTU typed under Advanced…" \
    grep -q 'Interface MTU = 1300' <<<"$(nm_exec nmcli -g vpn.data connection show lab-saved)"
  lab_scripted_gateway_start "$GATEWAY" || exit 1
  check "lab-saved still connects with its saved secrets" \
    nm_exec nmcli --wait 40 connection up lab-saved
  check "the tunnel device has the MTU from the editor" \
    bash -c "ip -n '$LAB_NS_CL' -o link | grep ' tun' | grep -q 'mtu 1300 '"
  nm_exec nmcli connection down lab-saved >/dev/null 2>&1
else
  result ok "# SKIP no GTK 3 editor, Xvfb or introspection: the editor saved through NetworkManager"
fi

# ---- IP configurations NetworkManager must not apply: the VPN fails with
# the reason, and the namespace is left as it was
# bad_ip TEXT REASON-REGEX GATEWAY-OPTIONS...  (FAILURE=connect-failed: the
# engine itself refuses it, before NetworkManager sees an IP configuration)
bad_ip()
{
  local text=$1 why=$2 before after out failure=${FAILURE:-bad-ip-config}
  shift 2
  lab_scripted_gateway_start "$GATEWAY" "$@" || return 1
  before=$(ip -n "$LAB_NS_CL" -o addr; ip -n "$LAB_NS_CL" route show table all; sha256sum <"$resolv")
  out=$(nm_exec nmcli --wait 40 connection up lab-saved 2>&1)
  echo "$out" | sed 's/^/# /'
  check "$text: con up fails" test "$(nm_con_state lab-saved)" != activated
  last=$(grep '"lab-saved"\]: dbus: failure:' "$NM_DIR/nm.log" | tail -n 1)
  check "$text: NM records the failure as $failure" grep -q "failure: $failure" <<<"$last"
  check "$text: the service logged why" bash -c "tail -n 40 '$NM_DIR/service.log' | grep -q -E '$why'"
  for _ in $(seq 30); do
    ip -n "$LAB_NS_CL" -o link | grep -q ' tun' || break
    sleep 0.1
  done
  after=$(ip -n "$LAB_NS_CL" -o addr; ip -n "$LAB_NS_CL" route show table all; sha256sum <"$resolv")
  check "$text: addresses, routes and resolv.conf as before" test "$after" = "$before"
  [ "$after" = "$before" ] || diff <(echo "$before") <(echo "$after") | sed 's/^/# /'
  nm_exec nmcli connection down lab-saved >/dev/null 2>&1
  return 0
}
bad_ip "a loopback address" 'assigned 127\.0\.0\.1' --address 127.0.0.1
bad_ip "a multicast address" 'assigned 224\.0\.0\.5' --address 224.0.0.5
bad_ip "the gateway's own address" "own address $LAB_GW_ADDR" --address "$LAB_GW_ADDR"
bad_ip "a non-contiguous netmask" 'netmask 255\.0\.255\.0 is not usable' --netmask 255.0.255.0
bad_ip "the default route in the split list" 'split-tunnel list.*0\.0\.0\.0/0' \
  --split 198.51.100.0/255.255.255.0 --split 0.0.0.0/0.0.0.0
bad_ip "no address" 'did not assign an internal IPv4 address' \
  --address 0.0.0.0

tap_end
