#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Proves the lab works, using the reference client (vpnc) against it:
#  1. legacy proposals (the lab's default): vpnc connects, a ping to
#     198.51.100.1 crosses the tunnel, vpnc-script rewrote the client
#     namespace's resolv.conf and not the host's; SIGTERM to vpnc cleans up.
#  2. gateway restricted to aes256-sha256-modp2048: vpnc must fail to
#     connect (the vpnc limitation Osprey is meant to beat).
# Exit status: 0 pass, 1 fail, 77 skip (not root, tools missing).
set -u

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tests/lab/lab.sh
. "$here/lab.sh"

lab_check_requirements || exit $?
for t in vpnc ping; do
  if ! command -v "$t" >/dev/null 2>&1; then
    echo "SKIP: '$t' is missing (run scripts/install-deps.sh)"
    exit 77
  fi
done
if [ ! -x "$LAB_VPNC_SCRIPT" ]; then
  echo "SKIP: $LAB_VPNC_SCRIPT is missing (vpnc-scripts)"
  exit 77
fi

failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
ok() { echo "ok: $*"; }
now_ms() { echo $(($(date +%s%N) / 1000000)); }

dump_logs()
{
  echo "--- vpnc output"
  cat "$LAB_DIR/vpnc.log" 2>/dev/null
  echo "--- gateway log (last 40 lines)"
  tail -n 40 "$(lab_gateway_log)" 2>/dev/null
  echo "---"
}

cleanup()
{
  lab_vpnc_stop
  lab_down
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

lab_up || exit $?
conf="$LAB_DIR/vpnc.conf"
lab_write_vpnc_conf "$conf"

# ---------------------------------------------------------------------------
echo "# case 1: legacy proposals ($LAB_IKE_PROPOSALS / $LAB_ESP_PROPOSALS)"
: >"$LAB_DIR/vpnc.log"
t0=$(now_ms)
lab_vpnc_start "$conf"
if lab_wait_tunnel 20; then
  t1=$(now_ms)
  ok "vpnc connected; first ping reply $((t1 - t0)) ms after start"
else
  fail "vpnc did not bring up a tunnel within 20 s"
  dump_logs
fi

if lab_exec_client ping -n -q -c 3 -i 0.2 -W 2 "$LAB_PROTECTED_HOST" >"$LAB_DIR/ping.log" 2>&1; then
  ok "ping $LAB_PROTECTED_HOST: $(grep -o '[0-9]* received' "$LAB_DIR/ping.log")"
else
  fail "ping $LAB_PROTECTED_HOST through the tunnel"
  cat "$LAB_DIR/ping.log"
fi

route=$(ip -n "$LAB_NS_CL" route get "$LAB_PROTECTED_HOST" 2>&1)
case $route in
  *" dev tun0 "*) ok "route to $LAB_PROTECTED_HOST: $(echo "$route" | head -n 1)" ;;
  *) fail "route to $LAB_PROTECTED_HOST does not use tun0: $route" ;;
esac

vip=$(ip -n "$LAB_NS_CL" -4 -o addr show dev tun0 2>/dev/null | awk '{ print $4 }')
case $vip in
  198.18.1.*/*)
    last=${vip#198.18.1.}
    last=${last%/*}
    if [ "$last" -ge 10 ] && [ "$last" -le 50 ]; then
      ok "virtual IP $vip from the pool"
    else
      fail "virtual IP $vip outside $LAB_POOL"
    fi
    ;;
  *) fail "tun0 has no virtual IP from the pool (got '$vip')" ;;
esac

nsresolv="/etc/netns/$LAB_NS_CL/resolv.conf"
if grep -q "^nameserver $LAB_DNS\$" "$nsresolv" && grep -q "$LAB_DOMAIN" "$nsresolv"; then
  ok "vpnc-script wrote the client namespace's resolv.conf (nameserver $LAB_DNS, $LAB_DOMAIN)"
else
  fail "client namespace's resolv.conf was not updated by vpnc-script:"
  cat "$nsresolv"
fi

sas=$(lab_swanctl --list-sas 2>&1)
if echo "$sas" | grep -q ESTABLISHED && echo "$sas" | grep -q INSTALLED; then
  ok "gateway lists the IKE SA ESTABLISHED and the CHILD_SA INSTALLED"
else
  fail "gateway SAs: $sas"
fi

if lab_check_host_resolv; then
  ok "host /etc/resolv.conf unchanged"
else
  fail "host /etc/resolv.conf changed"
fi

vpid=$LAB_VPNC_PID
lab_vpnc_stop
if [ -d "/proc/$vpid" ] && ! grep -q '^State:.*Z' "/proc/$vpid/status" 2>/dev/null; then
  fail "vpnc (PID $vpid) still running after SIGTERM"
else
  ok "vpnc (PID $vpid) ended on SIGTERM"
fi
# vpnc's stdout is a file, so it is complete only now
if grep -q 'Welcome to the Osprey lab gateway' "$LAB_DIR/vpnc.log" &&
  grep -q 'Authorized users only' "$LAB_DIR/vpnc.log"; then
  ok "vpnc printed the two-line banner"
else
  fail "banner missing from vpnc output"
fi
if ip -n "$LAB_NS_CL" link show tun0 >/dev/null 2>&1; then
  fail "tun0 still exists after vpnc ended"
else
  ok "tun0 removed"
fi
if [ "$(cat "$nsresolv")" = "$(lab_ns_resolv_initial "$LAB_NS_CL")" ]; then
  ok "client namespace's resolv.conf restored"
else
  fail "client namespace's resolv.conf not restored:"
  cat "$nsresolv"
fi
if ip -n "$LAB_NS_CL" route | grep -q '198\.51\.100\.'; then
  fail "route to the protected network left behind: $(ip -n "$LAB_NS_CL" route)"
else
  ok "routes cleaned up"
fi
gone=0
for _ in $(seq 50); do
  if ! lab_swanctl --list-sas 2>/dev/null | grep -q ESTABLISHED; then
    gone=1
    break
  fi
  sleep 0.1
done
if [ $gone = 1 ]; then
  ok "gateway deleted the SAs (vpnc sent DELETE)"
else
  fail "gateway still has an SA after vpnc ended"
fi
if lab_exec_client ping -n -q -c 1 -W 1 "$LAB_PROTECTED_HOST" >/dev/null 2>&1; then
  fail "$LAB_PROTECTED_HOST still answers without a tunnel (cleartext path open?)"
else
  ok "$LAB_PROTECTED_HOST unreachable without the tunnel"
fi

# ---------------------------------------------------------------------------
LAB_IKE_PROPOSALS=aes256-sha256-modp2048
LAB_ESP_PROPOSALS=aes256-sha256-modp2048
echo "# case 2: gateway allows only $LAB_IKE_PROPOSALS / $LAB_ESP_PROPOSALS: vpnc must fail"
if ! lab_gateway_restart; then
  fail "gateway restart with modern-only proposals"
else
  : >"$LAB_DIR/vpnc.log"
  t0=$(now_ms)
  lab_vpnc_start "$conf"
  vpid=$LAB_VPNC_PID
  connected=0
  # vpnc gives up by itself after its retransmissions; give it 45 s.
  for _ in $(seq 450); do
    if ip -n "$LAB_NS_CL" -4 addr show dev tun0 2>/dev/null | grep -q inet; then
      connected=1
      break
    fi
    _lab_alive "$vpid" || break
    sleep 0.1
  done
  if _lab_alive "$vpid"; then
    still=1
    lab_vpnc_stop
    vrc=killed
  else
    still=0
    wait "$vpid"
    vrc=$?
    LAB_VPNC_PID=
  fi
  t1=$(now_ms)
  if [ $connected = 1 ] || lab_wait_tunnel 1; then
    fail "vpnc connected to a modern-only gateway (unexpected)"
    dump_logs
  elif [ $still = 1 ]; then
    fail "vpnc neither connected nor gave up within 45 s"
    dump_logs
  elif [ "$vrc" = 0 ]; then
    fail "vpnc exited with status 0 without a tunnel"
    dump_logs
  else
    ok "vpnc failed as expected (exit status $vrc after $((t1 - t0)) ms): $(grep -v '^$' "$LAB_DIR/vpnc.log" | tail -n 1)"
    why=$(grep -E 'no (acceptable|matching) proposal|NO_PROPOSAL_CHOSEN|no proposal' "$(lab_gateway_log)" | tail -n 1)
    [ -n "$why" ] && echo "   gateway: ${why#*] }"
  fi
fi
if lab_check_host_resolv; then
  ok "host /etc/resolv.conf unchanged"
else
  fail "host /etc/resolv.conf changed"
fi

# ---------------------------------------------------------------------------
if [ $failures -gt 0 ]; then
  dump_logs
  echo "FAILED: $failures check(s)"
  exit 1
fi
echo "PASS"
exit 0
