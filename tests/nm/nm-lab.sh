#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# nm-osprey-service under a real NetworkManager against the lab's strongSwan
# gateway (tests/lab/lab.sh, tests/nm/nm-ns.sh):
#
#   [osp-cl-ID + mount/UTS ns]                          [osp-gw-ID]
#   NetworkManager ─ nm-osprey-service (this build) ──► charon 192.0.2.1
#   nmcli con up/down lab-osprey                        198.51.100.1 (tunnel only)
#
#   nm-lab.sh NM_OSPREY_SERVICE POLICY EDITOR_PLUGIN OSPREY AUTH_DIALOG
#
# Checks: `nmcli connection import type osprey` of .pcf files keeps the
# group password (enc_GroupPwd decoded by the plugin), export and re-import
# give the same connection, an imported lab .pcf connects; a
# NetworkManager-vpnc connection switched by `osprey nm-migrate` connects
# unchanged; a newline in a value and a "Script" key are refused; con up with saved
# secrets; `nmcli --ask con up` on a pty with agent-owned and "always ask"
# secrets, asked
# through nm-osprey-auth-dialog --external-ui-mode; ping through the tunnel; routes, DNS and
# domains as NetworkManager shows them; con down removes the device and the
# route; a wrong password fails as a login failure; the gateway killed ->
# NetworkManager leaves "activated" within 15 s; then the time from
# `nmcli con up` to the first ping, Osprey and NetworkManager-vpnc; IPv6
# inside the tunnel (Ip6Config: address, DNS, route, ping -6); the gateway
# by its IPv6 address (NetworkManager takes it as an IPv6 external gateway).
# TAP output.  Exit 77 (skip) when not root or a tool is missing.
set -u

SERVICE=$(readlink -f "$1")
POLICY=$(readlink -f "$2")
NM_OSPREY_EDITOR_PLUGIN=$(readlink -f "$3")
OSPREY=$(readlink -f "$4")
NM_OSPREY_AUTH_DIALOG=$(readlink -f "$5")
HERE=$(cd "$(dirname "$0")" && pwd)
PROFILES=$(cd "$HERE/../data/profiles" && pwd)
. "$HERE/../lab/lab.sh"
. "$HERE/nm-ns.sh"
. "$HERE/../unit/tap.sh"

# the link has IPv6 too, for the gateway by its IPv6 address at the end
LAB_OUTER6=1
nm_test_start "$SERVICE" "$POLICY" /usr/lib/NetworkManager/VPN/nm-vpnc-service.name || exit $?

add_osprey() # add_osprey NAME PASSWORD [EXTRA DATA]
{
  local data="IPSec gateway=$LAB_GW_ADDR, IPSec ID=$LAB_GROUP, Xauth username=$LAB_USER"
  data="$data, IPSec secret-flags=0, Xauth password-flags=0${3:+, $3}"
  nm_exec nmcli connection add type vpn con-name "$1" autoconnect no \
    vpn-type org.freedesktop.NetworkManager.osprey vpn.data "$data" \
    vpn.secrets "IPSec secret=$LAB_GROUP_SECRET, Xauth password=$2" >/dev/null
}

tun_route() { ip -n "$LAB_NS_CL" -o route get "$LAB_PROTECTED_HOST" 2>/dev/null | grep -o 'dev tun[0-9]*'; }

# ---- import and export through the editor plugin (no GTK)
uuid_of() { nm_exec nmcli -g connection.uuid connection show "$1" 2>/dev/null | head -n1; }
out=$(nm_exec nmcli connection import type osprey file "$PROFILES/cisco-example.pcf" 2>&1)
echo "$out" | sed 's/^/# /'
check "nmcli connection import type osprey file cisco-example.pcf" grep -q 'successfully added' <<<"$out"
imp=$(grep -o '([0-9a-f-]*)' <<<"$out" | tr -d '()')
data=$(nm_exec nmcli -g vpn.data connection show "$imp")
echo "# vpn.data: $data"
check "import: gateway, group and user from the .pcf" \
  grep -q 'IPSec ID = examplegroup, IPSec gateway = vpn.example.com, .*Xauth username = jdoe' <<<"$data"
check "import: the group password kept (enc_GroupPwd decoded)" \
  grep -q 'IPSec secret = GroupSecret1' <<<"$(nm_exec nmcli -s -g vpn.secrets connection show "$imp")"
check "import: NM names it after the Description" \
  test "$(nm_exec nmcli -g connection.id connection show "$imp")" = "Büro Zürich (Hauptsitz)"
check "nmcli connection export" nm_exec nmcli connection export "$imp" "$NM_DIR/export.conf"
check "export: a vpnc .conf with the gateway" grep -q '^IPSec gateway vpn.example.com' "$NM_DIR/export.conf"
out=$(nm_exec nmcli connection import type osprey file "$NM_DIR/export.conf" 2>&1)
imp2=$(grep -o '([0-9a-f-]*)' <<<"$out" | tr -d '()')
# (nmcli export hands the plugin no secrets: they stay in NetworkManager)
norm() { nm_exec nmcli -g vpn.data connection show "$1" | tr ',' '\n' | sed 's/^ *//' | grep -v -- '-flags = ' | sort; }
check "export then import: the same vpn.data" \
  test -n "$imp2" -a "$(norm "$imp")" = "$(norm "$imp2")"
diff <(norm "$imp") <(norm "$imp2") | sed 's/^/# /'
# AuthType 3: certificate authentication (main mode), the Cisco store's
# Cert* keys named in a warning
out=$(nm_exec nmcli connection import type osprey file "$PROFILES/cisco-cert.pcf" 2>&1)
impc=$(grep -o '([0-9a-f-]*)' <<<"$out" | tr -d '()')
echo "$out" | sed "s/^/# /"
check "import of a certificate .pcf: IKE Authmode cert" \
  eval 'test -n "$impc" && nm_exec nmcli -g vpn.data connection show "$impc" | grep -q "IKE Authmode = cert"'
[ -n "$impc" ] && nm_exec nmcli connection delete "$impc" >/dev/null
# a .pcf for the lab, group password obfuscated as the Cisco client stores it
enc=$(python3 -c "
import sys; sys.path.insert(0, '$PROFILES')
import importlib.util as u
s = u.spec_from_file_location('m', '$PROFILES/make-enc.py'); m = u.module_from_spec(s); s.loader.exec_module(m)
print(m.obfuscate_padded(m.pad(b'$LAB_GROUP_SECRET'), m.label_h1('nm-lab')))")
printf '[main]\r\nDescription=lab-pcf\r\nHost=%s\r\nAuthType=1\r\nGroupName=%s\r\nenc_GroupPwd=%s\r\nUsername=%s\r\nUserPassword=%s\r\nEnableNat=1\r\n' \
  "$LAB_GW_ADDR" "$LAB_GROUP" "$enc" "$LAB_USER" "$LAB_PASSWORD" >"$NM_DIR/lab.pcf"
check "import of the lab's .pcf" nm_exec nmcli connection import type osprey file "$NM_DIR/lab.pcf"
check "the imported .pcf connects" nm_exec nmcli --wait 40 connection up lab-pcf
check "ping through the imported connection" lab_wait_tunnel 10
nm_exec nmcli connection down lab-pcf >/dev/null

# ---- up with saved secrets, a split tunnel
check "connection added" add_osprey lab-osprey "$LAB_PASSWORD"
check "nmcli con up with saved secrets" nm_exec nmcli --wait 40 connection up lab-osprey
lab_wait_tunnel 10
check "ping through the tunnel to $LAB_PROTECTED_HOST" \
  ip netns exec "$LAB_NS_CL" ping -q -n -c 2 -W 2 "$LAB_PROTECTED_HOST"
dev=$(tun_route)
dev=${dev#dev }
echo "# VPN device: $dev"
ip4=$(nm_exec nmcli -g IP4.ADDRESS,IP4.ROUTE,IP4.DNS,IP4.DOMAIN connection show lab-osprey)
echo "$ip4" | sed 's/^/# IP4: /'
check "NM shows a pool address" grep -q '198\.18\.1\.' <<<"$ip4"
check "NM shows the split route $LAB_PROTECTED_NET" grep -q "dst = $LAB_PROTECTED_NET" <<<"$ip4"
check "NM shows DNS $LAB_DNS" grep -q "$LAB_DNS" <<<"$ip4"
check "NM shows the default domain and split-DNS names" \
  grep -q 'corp\.example.*lab\.example' <<<"$ip4"
check "no default route through the split tunnel" \
  bash -c "! ip -n '$LAB_NS_CL' route show default | grep -q tun"
banner=$(nm_exec nmcli connection show --active lab-osprey | grep '^VPN.BANNER:')
check "NM shows the gateway's banner" grep -q 'Osprey lab gateway' <<<"$banner"

# ---- down
check "nmcli con down" nm_exec nmcli connection down lab-osprey
gone() # gone DEV: DEV disappears within 3 s (the Delete to the gateway goes first)
{
  for _ in $(seq 30); do
    ip -n "$LAB_NS_CL" link show "$1" >/dev/null 2>&1 || return 0
    sleep 0.1
  done
  return 1
}
check "the tunnel device is gone" gone "$dev"
check "the route to $LAB_PROTECTED_NET is gone" bash -c "[ -z \"\$(ip -n '$LAB_NS_CL' route show '$LAB_PROTECTED_NET')\" ]"

# ---- a wrong saved password: a login failure, with the engine's sentence
check "connection with a wrong password added" add_osprey lab-wrong wrong-password
out=$(nm_exec nmcli --wait 40 connection up lab-wrong 2>&1)
echo "$out" | sed 's/^/# /'
check "con up with a wrong password fails" test "$(nm_con_state lab-wrong)" != activated
last=$(grep '"lab-wrong"\]: dbus: failure:' "$NM_DIR/nm.log" | tail -n 1)
check "NM takes it as a login failure" grep -q 'failure: login-failed' <<<"$last"
check "the service logged the engine's sentence" grep -q -i 'XAUTH\|password\|credentials' \
  "$NM_DIR/service.log"

# ---- nmcli --ask on a terminal: agent-owned (1) and "always ask" (2) group
# password and password, what to ask decided by nm-osprey-auth-dialog
# --external-ui-mode
for flags in 1 2; do
  nm_exec nmcli connection add type vpn con-name "lab-ask$flags" autoconnect no \
    vpn-type org.freedesktop.NetworkManager.osprey \
    vpn.data "IPSec gateway=$LAB_GW_ADDR, IPSec ID=$LAB_GROUP, Xauth username=$LAB_USER, IPSec secret-flags=$flags, Xauth password-flags=$flags" >/dev/null
  /usr/bin/python3 "$HERE/pty-answer.py" 40 'Group password' "$LAB_GROUP_SECRET" \
    '(?<!Group )[Pp]assword.*:' "$LAB_PASSWORD" -- \
    nsenter -t "$NM_PID" -m -u -n nmcli --ask --wait 30 connection up "lab-ask$flags" \
    2>"$NM_DIR/ask.out"
  st=$?
  sed 's/^/# /' "$NM_DIR/ask.out" | grep -v -e "$LAB_PASSWORD" -e "$LAB_GROUP_SECRET"
  check "nmcli --ask con up, secret flags $flags: both prompts answered, connected" test $st = 0
  check "nmcli --ask, secret flags $flags: ping through the tunnel" lab_wait_tunnel 10
  check "nmcli --ask, secret flags $flags: nothing was saved" \
    bash -c "! grep -q -e '$LAB_PASSWORD' -e '$LAB_GROUP_SECRET' '$NM_DIR'/etc/system-connections/lab-ask$flags*"
  nm_exec nmcli connection down "lab-ask$flags" >/dev/null
done

# ---- con up to the first ping, Osprey and NetworkManager-vpnc, same gateway
# (3 rounds each, alternating)
first_ping() # first_ping CONNECTION: seconds from `nmcli con up` to a ping answered
{
  local t0 t1 ok=0
  t0=$(date +%s.%N)
  nm_exec nmcli --wait 40 connection up "$1" >/dev/null && lab_wait_tunnel 10 && ok=1
  t1=$(date +%s.%N)
  nm_exec nmcli connection down "$1" >/dev/null 2>&1
  [ $ok = 1 ] && echo "$t1 - $t0" | bc
}
have_vpnc=0
if [ -x /usr/lib/NetworkManager/nm-vpnc-service ] && command -v vpnc >/dev/null; then
  have_vpnc=1
  nm_exec nmcli connection add type vpn con-name lab-vpnc autoconnect no \
    vpn-type org.freedesktop.NetworkManager.vpnc \
    vpn.data "IPSec gateway=$LAB_GW_ADDR, IPSec ID=$LAB_GROUP, Xauth username=$LAB_USER, IPSec secret-flags=0, Xauth password-flags=0, IKE DH Group=dh2, NAT Traversal Mode=natt, Local Port=0" \
    vpn.secrets "IPSec secret=$LAB_GROUP_SECRET, Xauth password=$LAB_PASSWORD" >/dev/null
fi
osp_times=()
vpnc_times=()
for round in 1 2 3; do
  t=$(first_ping lab-osprey) && osp_times+=("$t")
  if [ $have_vpnc = 1 ]; then
    t=$(first_ping lab-vpnc) && vpnc_times+=("$t")
  fi
done
check "Osprey connected in each of the 3 rounds" test ${#osp_times[@]} = 3
echo "# figure: nmcli con up to first ping, Osprey:             ${osp_times[*]} s"
if [ $have_vpnc = 1 ]; then
  echo "# figure: nmcli con up to first ping, NetworkManager-vpnc: ${vpnc_times[*]:-did not connect} s"
fi

# ---- osprey nm-migrate: the NetworkManager-vpnc connection, unchanged but
# for vpn.service-type, connects through Osprey
if [ $have_vpnc = 1 ]; then
  before=$(nm_exec nmcli -g vpn.data connection show lab-vpnc)
  out=$(nm_exec "$OSPREY" nm-migrate --dry-run 2>&1)
  echo "$out" | sed 's/^/# /'
  check "nm-migrate --dry-run names the vpnc connection" grep -q 'lab-vpnc' <<<"$out"
  check "nm-migrate --dry-run changes nothing" \
    test "$(nm_exec nmcli -g vpn.service-type connection show lab-vpnc)" = org.freedesktop.NetworkManager.vpnc
  nm_exec nmcli connection add type vpn con-name lab-vpnc-udp autoconnect no \
    vpn-type org.freedesktop.NetworkManager.vpnc \
    vpn.data "IPSec gateway=$LAB_GW_ADDR, IPSec ID=$LAB_GROUP, NAT Traversal Mode=cisco-udp" >/dev/null
  out=$(nm_exec "$OSPREY" nm-migrate --dry-run lab-vpnc-udp 2>&1)
  echo "$out" | sed 's/^/# /'
  check "nm-migrate takes a Cisco UDP connection, without a warning" \
    eval 'grep -q "lab-vpnc-udp" <<<"$out" && ! grep -q "warning" <<<"$out"'
  nm_exec nmcli connection delete lab-vpnc-udp >/dev/null
  out=$(nm_exec "$OSPREY" nm-migrate lab-osprey 2>&1)
  st=$?
  echo "$out" | sed 's/^/# /'
  check "nm-migrate of a connection that is not vpnc's: exit 6" test $st = 6
  check "nm-migrate lab-vpnc" nm_exec "$OSPREY" nm-migrate lab-vpnc
  check "migrated: service type osprey" \
    test "$(nm_exec nmcli -g vpn.service-type connection show lab-vpnc)" = org.freedesktop.NetworkManager.osprey
  check "migrated: vpn.data unchanged" test "$(nm_exec nmcli -g vpn.data connection show lab-vpnc)" = "$before"
  check "the migrated connection comes up" nm_exec nmcli --wait 40 connection up lab-vpnc
  check "ping through the migrated connection" lab_wait_tunnel 10
  nm_exec nmcli connection down lab-vpnc >/dev/null
fi

# ---- what NetworkManager-vpnc let through (CVE-2018-10900) is refused
marker=$NM_DIR/script-ran
bad_value() # bad_value NAME DATA: added, con up fails, nothing ran
{
  local data="IPSec gateway=$LAB_GW_ADDR, IPSec ID=$LAB_GROUP, Xauth username=$LAB_USER, $2"
  nm_exec nmcli connection add type vpn con-name "$1" autoconnect no \
    vpn-type org.freedesktop.NetworkManager.osprey vpn.data "$data" \
    vpn.secrets "IPSec secret=$LAB_GROUP_SECRET, Xauth password=$LAB_PASSWORD" >/dev/null || return 2
  ! nm_exec nmcli --wait 20 connection up "$1" >/dev/null 2>&1 && [ ! -e "$marker" ]
}
check "a newline in a value is refused" bad_value lab-newline $'Domain=x\nScript touch '"$marker"
check "the service names the line break" grep -q 'Domain.*line break' "$NM_DIR/service.log"
check "a Script key is refused" bad_value lab-script "Script=touch $marker"
check "the service names the unknown key" grep -q 'Unknown VPN setting "Script"' "$NM_DIR/service.log"

# ---- the gateway dies: NM leaves "activated" within 15 s, and with
# vpn.persistent reconnects when the gateway is back
check "connection with a short DPD added" add_osprey lab-dpd "$LAB_PASSWORD" \
  "DPD idle timeout (our side)=10, DPD timeout=5"
# vpn.persistent: NetworkManager itself brings a failed VPN back
nm_exec nmcli connection modify lab-dpd vpn.persistent yes
check "nmcli con up (DPD 10 s + 5 s)" nm_exec nmcli --wait 40 connection up lab-dpd
lab_wait_tunnel 10
ip netns exec "$LAB_NS_CL" ping -q -n -i 0.5 -w 30 "$LAB_PROTECTED_HOST" >/dev/null 2>&1 &
ping_pid=$!
sleep 1
lab_gateway_kill
k0=$SECONDS
while [ "$(nm_con_state lab-dpd)" = activated ] && [ $((SECONDS - k0)) -lt 40 ]; do
  sleep 0.2
done
gone=$((SECONDS - k0))
kill "$ping_pid" 2>/dev/null
wait "$ping_pid" 2>/dev/null
echo "# gateway killed: NM left activated after ${gone} s"
check "NM leaves activated within 15 s of the gateway's death" test "$gone" -le 15
check "the route through the tunnel went with it" test -z "$(tun_route)"
lab_gateway_start || exit 1
check "vpn.persistent: NM brings the tunnel back once the gateway is back" lab_wait_tunnel 60
check "vpn.persistent: lab-dpd is activated again" test "$(nm_con_state lab-dpd)" = activated
nm_exec nmcli connection down lab-dpd >/dev/null
lab_gateway_stop

# ---- a full tunnel: the default route goes through it; the gateway
# rekeys the IPsec SA every 10 s, which NetworkManager never sees
LAB_LOCAL_TS=0.0.0.0/0 LAB_REKEY_TIME=10s lab_gateway_start || exit 1
check "nmcli con up, full tunnel" nm_exec nmcli --wait 40 connection up lab-osprey
sas0=$(grep -c -E "quick mode: SA in|quick mode \(gateway's\): accepting" "$NM_DIR/service.log")
left=0
for _ in $(seq 50); do
  [ "$(nm_con_state lab-osprey)" = activated ] || { left=1; break; }
  sleep 0.5
done
sas1=$(grep -c -E "quick mode: SA in|quick mode \(gateway's\): accepting" "$NM_DIR/service.log")
echo "# IPsec SAs negotiated during 25 s: $((sas1 - sas0))"
check "rekeys happened (gateway rekey_time 10 s)" test $((sas1 - sas0)) -ge 1
check "NM stayed activated through the rekeys" test $left = 0
ip4=$(nm_exec nmcli -g IP4.ROUTE connection show lab-osprey)
echo "$ip4" | sed 's/^/# IP4.ROUTE: /'
check "full tunnel: the default route goes through the tunnel" \
  bash -c "ip -n '$LAB_NS_CL' route show default | grep -q 'dev tun'"
check "full tunnel: the gateway itself is still reached outside it" \
  bash -c "ip -n '$LAB_NS_CL' -o route get '$LAB_GW_ADDR' | grep -q 'dev eth0'"
check "full tunnel: ping through the tunnel" lab_wait_tunnel 10
check "nmcli con down, full tunnel" nm_exec nmcli connection down lab-osprey
check "full tunnel: the default route is back on eth0" \
  bash -c "ip -n '$LAB_NS_CL' route show default | grep -q 'dev eth0'"

# ---- a full tunnel with an excluded network (UNITY_LOCAL_LAN): NetworkManager
# gets the routes of what is left in the tunnel; 203.0.113.99 answers outside
lab_gateway_stop
LAB_LOCAL_TS=0.0.0.0/0 LAB_POOL_EXTRA="    split_exclude = 203.0.113.0/24" lab_gateway_start || exit 1
lab_exec_gw ip addr add 203.0.113.99/32 dev lo 2>/dev/null
check "nmcli con up, full tunnel with an excluded network" \
  nm_exec nmcli --wait 40 connection up lab-osprey
check "excluded: ping through the tunnel" lab_wait_tunnel 10
check "excluded: 203.0.113.99 is routed outside the tunnel" \
  bash -c "ip -n '$LAB_NS_CL' -o route get 203.0.113.99 | grep -q 'dev eth0'"
check "excluded: other addresses go through the tunnel" \
  bash -c "ip -n '$LAB_NS_CL' -o route get 198.18.200.1 | grep -q 'dev tun'"
tun=$(ip -n "$LAB_NS_CL" -o route get 198.18.200.1 | grep -o 'dev tun[0-9]*' | cut -d' ' -f2)
t0=$(ip netns exec "$LAB_NS_CL" cat "/sys/class/net/$tun/statistics/tx_packets" 2>/dev/null)
check "excluded: 203.0.113.99 answers" lab_exec_client ping -c 3 -W 2 203.0.113.99
t1=$(ip netns exec "$LAB_NS_CL" cat "/sys/class/net/$tun/statistics/tx_packets" 2>/dev/null)
echo "# tunnel packets while pinging the excluded host: $((t1 - t0))"
check "excluded: those pings did not enter the tunnel" test "$t1" = "$t0"
check "nmcli con down, excluded network" nm_exec nmcli connection down lab-osprey

# ---- IPv6 inside: the gateway hands out an IPv6 address and routes its
# IPv6 network; the service sends Ip6Config, NetworkManager applies it;
# the pool's excluded IPv6 network (2001:db8:3::/64) stays on the link
lab_gateway_stop
LAB_POOL6=2001:db8:1::10-2001:db8:1::50 LAB_POOL6_EXTRA="    dns = 2001:db8:2::53
    split_exclude = 2001:db8:3::/64" \
  LAB_LOCAL_TS="$LAB_PROTECTED_NET,$LAB_PROTECTED_NET6" lab_gateway_start || exit 1
check "nmcli con up, IPv6 inside" nm_exec nmcli --wait 40 connection up lab-osprey
lab_wait_tunnel 10
ip6=$(nm_exec nmcli -g IP6.ADDRESS,IP6.ROUTE,IP6.DNS connection show lab-osprey | sed 's/\\//g')
echo "$ip6" | sed 's/^/# IP6: /'
check "NM shows the pool's IPv6 address" grep -q '2001:db8:1::' <<<"$ip6"
check "NM shows the IPv6 DNS server" grep -q '2001:db8:2::53' <<<"$ip6"
check "NM routes IPv6 into the tunnel" \
  bash -c "ip -n '$LAB_NS_CL' -6 -o route get '$LAB_PROTECTED_HOST6' | grep -q 'dev tun'"
check "ping -6 through the tunnel to $LAB_PROTECTED_HOST6" \
  ip netns exec "$LAB_NS_CL" ping -q -n -c 2 -W 2 "$LAB_PROTECTED_HOST6"
check "the excluded 2001:db8:3::/64 is routed outside the tunnel" \
  bash -c "ip -n '$LAB_NS_CL' -6 -o route get 2001:db8:3::1 | grep -q 'dev eth0'"
check "other IPv6 goes through the tunnel" \
  bash -c "ip -n '$LAB_NS_CL' -6 -o route get 2001:db8:77::1 | grep -q 'dev tun'"
check "nmcli con down, IPv6 inside" nm_exec nmcli connection down lab-osprey
check "IPv6 route gone with the tunnel" \
  bash -c "! ip -n '$LAB_NS_CL' -6 -o route get '$LAB_PROTECTED_HOST6' 2>/dev/null | grep -q 'dev tun'"

# ---- IPv6 outside: the gateway by its IPv6 address; the service names it
# to NetworkManager as an IPv6 external gateway (ay, not u)
LAB_GW_ADDR=$LAB_GW_ADDR6 add_osprey lab-osprey6 "$LAB_PASSWORD"
check "nmcli con up, the gateway by its IPv6 address" \
  nm_exec nmcli --wait 40 connection up lab-osprey6
check "IPv6 outside: ping through the tunnel" lab_wait_tunnel 10
ike_sa_with() { lab_swanctl --list-sas | grep -q "remote.*$1"; }
check "IPv6 outside: the gateway's IKE SA is with $LAB_CL_ADDR6" ike_sa_with "$LAB_CL_ADDR6"
check "IPv6 outside: NetworkManager took the gateway" \
  bash -c "! grep -q 'neither IPv4 nor IPv6\\|no VPN gateway address' '$NM_DIR/nm.log'"
check "IPv6 outside: the gateway is still reached outside the tunnel" \
  bash -c "ip -n '$LAB_NS_CL' -6 -o route get '$LAB_GW_ADDR6' | grep -q 'dev eth0'"
check "nmcli con down, IPv6 outside" nm_exec nmcli connection down lab-osprey6

tap_end
