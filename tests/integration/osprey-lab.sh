#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Integration tests: ospreyd --foreground against the real strongSwan
# gateway of tests/lab/lab.sh.  One scenario per run:
#
#   osprey-lab.sh OSPREYD SCENARIO [OSPREY]
#
# OSPREY (the command line) is needed by the scenarios that drive ospreyd
# over D-Bus (*-dbus).
# Exit 0 pass, 1 fail, 77 skip (not root, strongSwan missing).  Every
# scenario checks the host's /etc/resolv.conf is untouched afterwards.
set -u

OSPREYD=$(readlink -f "$1")
SCENARIO=$2
OSPREY=${3:+$(readlink -f "$3")}
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/../lab/lab.sh"
. "$HERE/../lab/lab-ospreyd.sh"

fail()
{
  echo "FAIL [$SCENARIO]: $*" >&2
  [ -n "${LAB_DIR:-}" ] && [ -f "$LAB_DIR/osprey.log" ] && sed 's/^/  osprey| /' "$LAB_DIR/osprey.log" >&2
  [ -n "${LAB_DIR:-}" ] && [ -f "$LAB_DIR/ospreyd.log" ] && tail -n 60 "$LAB_DIR/ospreyd.log" | sed 's/^/  ospreyd| /' >&2
  exit 1
}
note() { echo "[$SCENARIO] $*"; }

cleanup()
{
  [ -n "${OSP_PID:-}" ] && kill "$OSP_PID" 2>/dev/null && wait "$OSP_PID" 2>/dev/null
  [ -n "${READER_PID:-}" ] && kill "$READER_PID" 2>/dev/null && wait "$READER_PID" 2>/dev/null
  [ -n "${SECOND_PID:-}" ] && kill "$SECOND_PID" 2>/dev/null && wait "$SECOND_PID" 2>/dev/null
  traffic_stop
  ospreyd_stop 2>/dev/null
  [ -n "${LAB_BUS_PID:-}" ] && kill "$LAB_BUS_PID" 2>/dev/null && wait "$LAB_BUS_PID" 2>/dev/null
  lab_vpnc_stop
  local ok=0
  # OSPREY_KEEP_LOGS=DIR: keep the gateway's and our logs for a look afterwards
  [ -n "${OSPREY_KEEP_LOGS:-}" ] && [ -n "${LAB_DIR:-}" ] &&
    cp "$LAB_DIR/charon.log" "$LAB_DIR"/osprey*.log "$OSPREY_KEEP_LOGS/" 2>/dev/null
  lab_check_host_resolv || ok=1
  lab_down
  [ -n "${CERT_DIR:-}" ] && rm -rf "$CERT_DIR"
  [ $ok = 0 ] || { echo "FAIL [$SCENARIO]: host /etc/resolv.conf changed" >&2; exit 1; }
}

# osprey_start [vpnc conf lines...]: writes the lab's vpnc .conf plus the
# extra lines and starts ospreyd in the client namespace.
osprey_start()
{
  local conf=$LAB_DIR/osprey.conf line
  lab_write_vpnc_conf "$conf"
  for line in "$@"; do
    if [[ $line == -* ]]; then
      sed -i "/^${line#-} /d" "$conf"
    else
      echo "$line" >>"$conf"
    fi
  done
  export OSPREY_STATE_DIR=$LAB_DIR  # what worked before: per test, not the host's
  OSP_START=$(date +%s.%N)
  # a background job's stdin is /dev/null: redirect inside (sh execs, the PID stays)
  # shellcheck disable=SC2086
  lab_spawn_client "$LAB_DIR/osprey.log" sh -c 'in=$1; shift; exec "$@" <"$in"' sh \
    "${OSPREY_STDIN:-/dev/null}" ${OSPREY_WRAPPER:-} "$OSPREYD" --foreground -v ${OSPREY_EXTRA_ARGS:-} --config "$conf"
  OSP_PID=$LAB_SPAWN_PID
}

# osprey_expect_exit STATUS REASON: waits for ospreyd to end by itself.
osprey_expect_exit()
{
  local want=$1 reason=$2 rc i
  for i in $(seq 1 600); do
    kill -0 "$OSP_PID" 2>/dev/null || break
    sleep 0.1
  done
  kill -0 "$OSP_PID" 2>/dev/null && fail "ospreyd still running after 60 s"
  wait "$OSP_PID"; rc=$?
  OSP_PID=
  [ "$rc" = "$want" ] || fail "exit status $rc, expected $want"
  grep -q "failed \[$reason\]" "$LAB_DIR/osprey.log" || fail "no 'failed [$reason]' line"
  note "exit $rc: $(grep 'failed \[' "$LAB_DIR/osprey.log" | head -1)"
  lab_exec_client ip link show tun0 >/dev/null 2>&1 && fail "tun0 left behind"
  return 0
}

osprey_expect_up()
{
  lab_wait_tunnel 20 || fail "no ping through the tunnel within 20 s"
  note "tunnel up after $(echo "$(date +%s.%N) - $OSP_START" | bc) s"
}

# osprey_start_env REGEX [vpnc conf lines...]: osprey_start with the stock
# script behind a wrapper that keeps, at connect, the variables matching
# REGEX in $LAB_DIR/ip6-env; waits for the tunnel
osprey_start_env()
{
  local regex=$1
  shift
  # shellcheck disable=SC2016 # the wrapper's variables
  printf '#!/bin/sh\n[ "$reason" = connect ] && env | grep -E "%s" | sort >%s/ip6-env\nexec %s\n' \
    "$regex" "$LAB_DIR" "$LAB_VPNC_SCRIPT" >"$LAB_DIR/script" && chmod 0755 "$LAB_DIR/script"
  osprey_start -Script "Script $LAB_DIR/script" "$@"
  osprey_expect_up
  note "script: $(tr '\n' ' ' <"$LAB_DIR/ip6-env")"
}

# osprey_stop: SIGTERM, exit 0, tunnel, routes and DNS gone.
osprey_stop()
{
  local rc
  kill -TERM "$OSP_PID"
  wait "$OSP_PID"; rc=$?
  OSP_PID=
  [ "$rc" = 0 ] || fail "exit status $rc after SIGTERM"
  grep -q "disconnected" "$LAB_DIR/osprey.log" || fail "no disconnect logged"
  lab_exec_client ip link show tun0 >/dev/null 2>&1 && fail "tun0 left behind"
  lab_exec_client ip route | grep -q "198.51.100" && fail "route to the protected net left behind"
  grep -q "$LAB_DNS" "/etc/netns/$LAB_NS_CL/resolv.conf" && fail "VPN DNS left in resolv.conf"
  grep -q "received DELETE for IKE_SA" "$(lab_gateway_log)" || fail "gateway saw no Delete"
  return 0
}

# osprey_stop_quietly: SIGTERM and wait, whatever the state.
osprey_stop_quietly()
{
  [ -n "${OSP_PID:-}" ] || return 0
  kill -TERM "$OSP_PID" 2>/dev/null
  wait "$OSP_PID" 2>/dev/null
  OSP_PID=
}

check_dns_and_banner()
{
  local rc=/etc/netns/$LAB_NS_CL/resolv.conf
  grep -q "nameserver $LAB_DNS" "$rc" || fail "DNS $LAB_DNS not in the namespace's resolv.conf"
  grep -q "corp.example" "$rc" || fail "default domain not in resolv.conf"
  grep -q "Authorized users only." "$LAB_DIR/osprey.log" || fail "banner not shown"
  note "DNS, domain and banner delivered"
}

# ping_steady SECONDS: a ping every 0.1 s for that long must lose nothing.
ping_steady()
{
  local n=$(( $1 * 10 )) out
  out=$(lab_exec_client ping -q -i 0.1 -W 2 -c "$n" "$LAB_PROTECTED_HOST" 2>&1)
  echo "$out" | grep -q " 0% packet loss" || fail "packets lost across rekeys: $(echo "$out" | grep loss)"
  note "$n pings, none lost"
}

# ospreyd_stop: SIGTERM the ospreyd of lab_ospreyd_start and wait; returns
# its exit status.
ospreyd_stop()
{
  local rc
  [ -n "${LAB_OSPREYD_PID:-}" ] || return 0
  kill "$LAB_OSPREYD_PID" 2>/dev/null
  wait "$LAB_OSPREYD_PID"
  rc=$?
  LAB_OSPREYD_PID=
  return $rc
}

# traffic_start: a ping every 0.2 s through the tunnel, in the background,
# until traffic_stop.
traffic_start()
{
  lab_spawn_client "$LAB_DIR/ping.log" ping -n -i 0.2 -W 1 "$LAB_PROTECTED_HOST"
  TRAFFIC_PID=$LAB_SPAWN_PID
}

traffic_stop()
{
  [ -n "${TRAFFIC_PID:-}" ] && kill "$TRAFFIC_PID" 2>/dev/null && wait "$TRAFFIC_PID" 2>/dev/null
  TRAFFIC_PID=
}

now() { date +%s.%N; }
since() { echo "$(now) - $1" | bc; }

# wait_until SECS CMD...: true once CMD succeeds (tried every 0.1 s), false
# when SECS pass first.
wait_until()
{
  local end
  end=$(echo "$(now) + $1" | bc)
  shift
  until "$@"; do
    [ "$(echo "$(now) < $end" | bc)" = 1 ] || return 1
    sleep 0.1
  done
}

log_has() { grep -q "$1" "$LAB_DIR/osprey.log"; }

# traffic_again_within SECS EVENT [CMD...]: a ping through the tunnel
# within SECS s of now, EVENT having just happened, and how long it took;
# on failure the output of CMD (a state, say) goes with the message.
traffic_again_within()
{
  local secs=$1 event=$2 t0
  shift 2
  t0=$(now)
  lab_wait_tunnel "$secs" || fail "no traffic $secs s after $event${1:+ ($("$@"))}"
  note "traffic again $(since "$t0") s after $event"
}

# expect_dead_within T0 BOUND WHAT: ospreyd ends by itself with peer-dead
# fewer than BOUND s after T0 (else: WHAT noticed too late); the time it
# took in TOOK.
expect_dead_within()
{
  osprey_expect_exit 1 peer-dead
  TOOK=$(since "$1")
  [ "$(echo "$TOOK < $2" | bc)" = 1 ] || fail "$3 noticed only after $TOOK s"
}

# dbus_state NAME: the state of NAME's connection, as osprey reports it.
dbus_state()
{
  "$OSPREY" --json status "$1" 2>/dev/null |
    python3 -c 'import json, sys; print(json.loads(sys.stdin.readline())["state"])' 2>/dev/null
}
dbus_state_is_not() { [ "$(dbus_state "$1")" != "$2" ]; }

# vpnc_crash_figure: vpnc with "DPD idle timeout (our side) 10" and the same
# traffic (the gateway running), it crashes: how long vpnc takes to notice (a figure
# only, printed; the gateway is left down).
vpnc_crash_figure()
{
  local conf=$LAB_DIR/vpnc.conf t0
  command -v vpnc >/dev/null || { note "vpnc missing: no figure for it"; return 0; }
  lab_write_vpnc_conf "$conf"
  echo "DPD idle timeout (our side) 10" >>"$conf"
  lab_vpnc_start "$conf"
  lab_wait_tunnel 20 || { note "vpnc did not connect: no figure for it"; lab_vpnc_stop; return 0; }
  traffic_start
  sleep 2
  lab_gateway_kill
  t0=$(now)
  if wait_until 90 eval '! kill -0 "$LAB_VPNC_PID" 2>/dev/null'; then
    note "vpnc (DPD idle 10 s) ended $(since "$t0") s after the crash: $(grep -v "^$" "$LAB_DIR/vpnc.log" | tail -1)"
  else
    note "vpnc had not noticed the crash after 90 s"
  fi
  traffic_stop
  lab_vpnc_stop
}

count_log() { grep -c "$1" "$(lab_gateway_log)"; }

check_tcp()
{
  local out
  out=$(lab_exec_client iperf3 -c "$LAB_PROTECTED_HOST" -n 8M -J 2>&1) || fail "iperf3 through the tunnel failed: $out"
  echo "$out" | grep -q '"bytes":[[:space:]]*8388608' || fail "iperf3 did not move 8 MiB"
  note "TCP transfer of 8 MiB through the tunnel"
}

# pipe_teardown SIGNAL: `ospreyd -f ... | tee log`, the reader gone first
# (Ctrl-C reaches tee too), then SIGNAL to ospreyd.  Every later write of
# ospreyd fails; the teardown must still run in full: exit 0, the gateway
# gets the Delete, the namespace's resolv.conf and routes as before.
pipe_teardown()
{
  local sig=$1 fifo=$LAB_DIR/osprey.fifo conf=$LAB_DIR/osprey.conf routes_before rc deletes
  routes_before=$(lab_exec_client ip route)
  deletes=$(count_log "received DELETE for IKE_SA")
  rm -f "$fifo" "$LAB_DIR/osprey.log"
  mkfifo "$fifo" || fail "mkfifo"
  cat "$fifo" >"$LAB_DIR/osprey.log" &
  READER_PID=$!
  lab_write_vpnc_conf "$conf"
  export OSPREY_STATE_DIR=$LAB_DIR
  OSP_START=$(date +%s.%N)
  lab_spawn_client "$fifo" "$OSPREYD" --foreground -v --config "$conf"
  OSP_PID=$LAB_SPAWN_PID
  osprey_expect_up
  kill "$READER_PID"; wait "$READER_PID" 2>/dev/null; READER_PID=
  kill "-$sig" "$OSP_PID"
  wait "$OSP_PID"; rc=$?
  OSP_PID=
  [ "$rc" = 0 ] || fail "exit status $rc after the reader went away and SIG$sig (141: SIGPIPE)"
  [ "$(count_log "received DELETE for IKE_SA")" -gt "$deletes" ] || fail "gateway saw no Delete (SIG$sig)"
  lab_exec_client ip link show tun0 >/dev/null 2>&1 && fail "tun0 left behind (SIG$sig)"
  [ "$(lab_exec_client ip route)" = "$routes_before" ] ||
    fail "routes not restored (SIG$sig): $(lab_exec_client ip route)"
  [ "$(cat "/etc/netns/$LAB_NS_CL/resolv.conf")" = "$(lab_ns_resolv_initial "$LAB_NS_CL")" ] ||
    fail "the namespace's resolv.conf not restored (SIG$sig)"
  note "reader gone, SIG$sig: exit 0, Delete sent, routes and resolv.conf restored"
}

# reasons_script [FAIL_REASON] [SLOW_REASON] [SKIP_REASON]: $LAB_DIR/script,
# the stock script behind a wrapper that appends each reason to
# $LAB_DIR/reasons, exits 1 at FAIL_REASON instead of running it, sleeps
# 0.5 s before SLOW_REASON and only logs SKIP_REASON.
reasons_script()
{
  # shellcheck disable=SC2016 # $reason is the wrapper's
  printf '#!/bin/sh\necho "$reason" >>%s/reasons\n[ "$reason" = "%s" ] && exit 1
[ "$reason" = "%s" ] && sleep 0.5\n[ "$reason" = "%s" ] && exit 0\nexec %s\n' \
    "$LAB_DIR" "${1:-}" "${2:-}" "${3:-}" "$LAB_VPNC_SCRIPT" >"$LAB_DIR/script" &&
    chmod 0755 "$LAB_DIR/script"
  : >"$LAB_DIR/reasons"
}
# osprey_start_late_password: osprey_start with $LAB_DIR/script and the
# XAUTH password on stdin 0.4 s late, so that pre-init is surely done when
# Mode Config answers
osprey_start_late_password()
{
  rm -f "$LAB_DIR/password"
  mkfifo "$LAB_DIR/password"
  # shellcheck disable=SC2016 # $1 and $2 are sh's
  sh -c 'exec 3>"$1" && sleep 0.4 && echo "$2" >&3' sh "$LAB_DIR/password" "$LAB_PASSWORD" &
  OSPREY_EXTRA_ARGS=--password-stdin OSPREY_STDIN=$LAB_DIR/password \
    osprey_start -Script "Script $LAB_DIR/script" "-Xauth password"
}
reasons() { tr '\n' ' ' <"$LAB_DIR/reasons"; }

# log_before A B: the first line of our log matching A comes before the
# first one matching B
log_before()
{
  local a b
  a=$(grep -n -m1 "$1" "$LAB_DIR/osprey.log" | cut -d: -f1)
  b=$(grep -n -m1 "$2" "$LAB_DIR/osprey.log" | cut -d: -f1)
  [ -n "$a" ] && [ -n "$b" ] && [ "$a" -lt "$b" ]
}

# nothing_configured: no tunnel device, route or DNS of the VPN left
nothing_configured()
{
  lab_exec_client ip link show tun0 >/dev/null 2>&1 && fail "tun0 left behind"
  lab_exec_client ip route | grep -q "198.51.100" && fail "route to the protected net left behind"
  [ "$(cat "/etc/netns/$LAB_NS_CL/resolv.conf")" = "$(lab_ns_resolv_initial "$LAB_NS_CL")" ] ||
    fail "the namespace's resolv.conf not restored"
  return 0
}

# dbus_connect_lab NAME [LINE...]: ospreyd on a lab bus, `osprey connect
# --config NAME.conf` of the lab's profile (and the vpnc lines given), a
# ping through the tunnel.
dbus_connect_lab()
{
  local name=$1
  shift
  [ -x "$OSPREY" ] || fail "no osprey command line given"
  lab_bus_start || fail "dbus-daemon did not start"
  lab_ospreyd_start "$OSPREYD" "$OSPREY" || fail "ospreyd did not start"
  lab_write_vpnc_conf "$LAB_DIR/$name.conf" "$@"
  "$OSPREY" connect --config "$LAB_DIR/$name.conf" --timeout 60 >"$LAB_DIR/connect.out" 2>&1 ||
    fail "osprey connect: $(cat "$LAB_DIR/connect.out")"
  lab_wait_tunnel 20 || fail "no ping through the tunnel"
}

# make_pki DIR: a CA (ca.pem) and the gateway's RSA certificate
# (gw.pem, gw.key) for 192.0.2.1 and gw.lab.example; a second CA
# (other-ca.pem) with a certificate of the same name (other-gw.pem) and
# one for another gateway (elsewhere.pem), both with the gateway's key.
make_pki()
{
  local d=$1 ext
  ext=$d/ext
  printf 'subjectAltName=IP:%s,DNS:gw.lab.example\nkeyUsage=critical,digitalSignature\n' \
    "$LAB_GW_ADDR" >"$ext"
  printf 'subjectAltName=IP:192.0.2.99,DNS:elsewhere.lab.example\nkeyUsage=critical,digitalSignature\n' \
    >"$d/ext-elsewhere"
  for ca in ca other-ca; do
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
      -keyout "$d/$ca.key" -out "$d/$ca.pem" -subj "/C=XX/O=Osprey Lab/CN=$ca" \
      -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign \
      2>/dev/null || return 1
  done
  openssl req -newkey rsa:2048 -nodes -keyout "$d/gw.key" -out "$d/gw.csr" \
    -subj "/C=XX/O=Osprey Lab/CN=gw.lab.example" 2>/dev/null || return 1
  openssl x509 -req -in "$d/gw.csr" -CA "$d/ca.pem" -CAkey "$d/ca.key" -CAcreateserial \
    -days 2 -extfile "$ext" -out "$d/gw.pem" 2>/dev/null || return 1
  openssl x509 -req -in "$d/gw.csr" -CA "$d/other-ca.pem" -CAkey "$d/other-ca.key" \
    -CAcreateserial -days 2 -extfile "$ext" -out "$d/other-gw.pem" 2>/dev/null || return 1
  openssl x509 -req -in "$d/gw.csr" -CA "$d/ca.pem" -CAkey "$d/ca.key" -CAcreateserial \
    -days 2 -extfile "$d/ext-elsewhere" -out "$d/elsewhere.pem" 2>/dev/null || return 1
  # the user's certificate (main mode, IKE Authmode cert)
  printf 'keyUsage=critical,digitalSignature\n' >"$d/ext-client"
  openssl req -newkey rsa:2048 -nodes -keyout "$d/alice.key" -out "$d/alice.csr" \
    -subj "/C=XX/O=Osprey Lab/CN=alice" 2>/dev/null || return 1
  openssl x509 -req -in "$d/alice.csr" -CA "$d/ca.pem" -CAkey "$d/ca.key" -CAcreateserial \
    -days 2 -extfile "$d/ext-client" -out "$d/alice.pem" 2>/dev/null
}

# make_big_chain DIR: after make_pki, alice's certificate with a 4096-bit
# key under an intermediate CA of 4096 bits (alice-chain.pem, both):
# main mode message 5 no longer fits one datagram.
make_big_chain()
{
  local d=$1
  printf 'basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n' >"$d/ext-inter"
  openssl req -newkey rsa:4096 -nodes -keyout "$d/inter.key" -out "$d/inter.csr" \
    -subj "/C=XX/O=Osprey Lab/CN=Osprey Lab Intermediate" 2>/dev/null || return 1
  openssl x509 -req -in "$d/inter.csr" -CA "$d/ca.pem" -CAkey "$d/ca.key" -CAcreateserial \
    -days 2 -extfile "$d/ext-inter" -out "$d/inter.pem" 2>/dev/null || return 1
  openssl req -newkey rsa:4096 -nodes -keyout "$d/alice-big.key" -out "$d/alice-big.csr" \
    -subj "/C=XX/O=Osprey Lab/CN=alice" 2>/dev/null || return 1
  openssl x509 -req -in "$d/alice-big.csr" -CA "$d/inter.pem" -CAkey "$d/inter.key" \
    -CAcreateserial -days 2 -extfile "$d/ext-client" -out "$d/alice-big.pem" 2>/dev/null || return 1
  cat "$d/alice-big.pem" "$d/inter.pem" >"$d/alice-chain.pem"
}

# both_sas_carried SAS (swanctl --list-sas): the gateway counted bytes in
# both directions on both IPsec SAs, the IPv6 pair (remote
# 2001:db8:1::x/128) and the IPv4 one
both_sas_carried()
{
  local bytes
  bytes=$(echo "$1" | awk '/^ +(in|out) /{gsub(",", "", $3); b = b " " $3}
    /^ +remote /{print $2 ":" b; b = ""}')
  note "gateway SAs (remote: bytes in, out): $(echo "$bytes" | tr '\n' ';')"
  echo "$bytes" | grep -Eq "^2001:db8:1::[0-9a-f]+/128: [1-9][0-9]* [1-9][0-9]*$" ||
    fail "the IPv6 SA pair carried nothing both ways"
  echo "$bytes" | grep -Eq "^198\.18\.1\.[0-9]+/32: [1-9][0-9]* [1-9][0-9]*$" ||
    fail "the IPv4 SA pair carried nothing both ways"
}

# tun_packets_for HOST: 3 pings of HOST from the client (false without an
# answer); prints how many packets tun0 sent meanwhile
tun_packets_for()
{
  local t0
  t0=$(lab_exec_client cat /sys/class/net/tun0/statistics/tx_packets)
  lab_exec_client ping -c 3 -W 2 "$1" >/dev/null || return 1
  echo $(($(lab_exec_client cat /sys/class/net/tun0/statistics/tx_packets) - t0))
}

# outer6_counters: nft counters on the gateway's eth0 of what arrives from
# the client: IKE on UDP 500 and ESP in UDP (4500, a non-zero SPI where
# IKE has its zero marker) over IPv6, raw ESP over IPv6, and IKE or ESP
# over IPv4; outer6_counts prints the four
outer6_counters()
{
  lab_exec_gw nft -f - <<'NFT' || fail "nft counters"
table inet osp_outer6 {
  chain in {
    type filter hook input priority -5; policy accept;
    iifname "eth0" meta nfproto ipv6 udp dport 500 counter
    iifname "eth0" meta nfproto ipv6 udp dport 4500 @th,64,32 != 0 counter
    iifname "eth0" meta nfproto ipv6 meta l4proto esp counter
    iifname "eth0" meta nfproto ipv4 meta l4proto { esp, udp } counter
  }
}
NFT
}
outer6_counts()
{
  lab_exec_gw nft list table inet osp_outer6 | sed -n 's/.*packets \([0-9]*\).*/\1/p' | tr '\n' ' '
}

EXCLUDED_NET=203.0.113.0/24 EXCLUDED_HOST=203.0.113.99
EXCLUDED_NET6=2001:db8:3::/64 EXCLUDED_HOST6=2001:db8:3::1
trap cleanup EXIT
case $SCENARIO in
  modern|legacy-weak|legacy-refused|legacy-aes|pfs|ecp|nat|proposal-order|script-overlap) LAB_SERVICES=1 ;;
esac
case $SCENARIO in
  modern-only) LAB_IKE_PROPOSALS=aes256-sha256-modp2048 LAB_ESP_PROPOSALS=aes256-sha256 ;;
  legacy-weak|legacy-refused)
    LAB_IKE_PROPOSALS=3des-md5-modp1024 LAB_ESP_PROPOSALS=3des-md5 ;;
  legacy-esp-refused) LAB_ESP_PROPOSALS=3des-md5 ;;
  legacy-aes)
    LAB_IKE_PROPOSALS=aes128-sha1-modp1024,aes128-md5-modp1024,3des-sha1-modp1024
    LAB_ESP_PROPOSALS=aes128-sha1,3des-md5 ;;
  pfs) LAB_ESP_PROPOSALS=aes256-sha256-modp2048 ;;
  ecp) LAB_IKE_PROPOSALS=aes256-sha384-ecp384 LAB_ESP_PROPOSALS=aes256gcm16 ;;
  ecp-auto) LAB_IKE_PROPOSALS=aes256-sha256-ecp384 ;;
  proposal-order)
    # strongSwan picks by its own order: 3DES first would win if we offered it
    LAB_IKE_PROPOSALS=3des-sha1-modp2048,aes256-sha256-modp2048
    LAB_ESP_PROPOSALS=3des-sha1,aes128-sha1 ;;
  esp-gcm-dbus)
    # the gateway lets the initiator's order decide and has CBC before GCM:
    # GCM is chosen only if we offer it first
    LAB_SERVICES=1 LAB_ESP_PROPOSALS=aes256-sha256,aes128gcm16,aes128-sha1
    LAB_CHARON_EXTRA="  prefer_configured_proposals = no" ;;
  esp-cbc-dbus) LAB_SERVICES=1 LAB_ESP_PROPOSALS=aes128-sha1 ;;
  script-quick-fails) LAB_ESP_PROPOSALS=3des-md5 ;;
  psk-only) LAB_XAUTH=0 ;;
  mainmode-psk|mainmode-psk-fqdn) LAB_MAIN_MODE=1 LAB_SERVICES=1 ;;
  no-proposal) LAB_IKE_PROPOSALS=aes256-sha256-modp8192 ;;
  full-tunnel) LAB_LOCAL_TS=0.0.0.0/0 ;;
  nat) LAB_NAT=1 ;;
  gso-fallback) LAB_NAT=1 LAB_SERVICES=1 ;;
  rekey-gateway) LAB_REKEY_TIME=6s LAB_LIFE_TIME=10s ;;
  dpd-answer) LAB_DPD=2s LAB_DPD_TIMEOUT=8s ;;
  nat-change) LAB_NAT=1 ;;
  reauth-gateway) LAB_IKE_REAUTH_TIME=15s ;;
  duplicates) LAB_SERVICES=1 LAB_REKEY_TIME=6s LAB_LIFE_TIME=10s ;;
  replaced) LAB_CONN_EXTRA="    unique = replace" ;;
  rekey-volume) LAB_SERVICES=1 LAB_CHILD_EXTRA="        life_bytes = 4000000" ;;
  stale-state-full) LAB_LOCAL_TS=0.0.0.0/0 ;;
  local-lan) LAB_LOCAL_TS=0.0.0.0/0 ;;
  backup-servers)
    # the gateway names its backup (Cisco Unity BACKUP_SERVERS): the same
    # charon on a second address, 192.0.2.3
    LAB_POOL_EXTRA="    28681 = 192.0.2.3" ;;
  split-exclude)
    # full tunnel, but the gateway's UNITY_LOCAL_LAN (split-exclude) keeps
    # 203.0.113.0/24 outside it
    LAB_LOCAL_TS=0.0.0.0/0 LAB_POOL_EXTRA="    split_exclude = $EXCLUDED_NET" ;;
  hybrid|hybrid-untrusted|hybrid-wrong-id|hybrid-frag|hybrid-untrusted-dbus|cert-xauth|cert-frag|cert-reauth|cert-refused|cert-p12|hybrid-main|hybrid-revoked|cert-ecdsa|cert-ecdsa-dbus)
    command -v openssl >/dev/null || { echo "SKIP: openssl missing"; exit 77; }
    CERT_DIR=$(mktemp -d /tmp/osprey-pki.XXXXXX) && chmod 0755 "$CERT_DIR"
    make_pki "$CERT_DIR" || fail "could not make the certificates"
    LAB_AUTH=hybrid LAB_GW_KEY=$CERT_DIR/gw.key
    case $SCENARIO in
      hybrid) LAB_GW_CERT=$CERT_DIR/gw.pem LAB_SERVICES=1 ;;
      hybrid-main) LAB_GW_CERT=$CERT_DIR/gw.pem LAB_SERVICES=1 LAB_MAIN_MODE=1 ;;
      hybrid-revoked) LAB_GW_CERT=$CERT_DIR/gw.pem ;;
      cert-ecdsa | cert-ecdsa-dbus)
        # both sides' keys on P-256: RFC 4754's ECDSA-256 method, which has
        # no XAUTH variant
        for who in gw alice; do
          openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
            -keyout "$CERT_DIR/$who-ec.key" -out "$CERT_DIR/$who-ec.csr" \
            -subj "/C=XX/O=Osprey Lab/CN=$([ $who = gw ] && echo gw.lab.example || echo alice)" \
            2>/dev/null || fail "could not make the ECDSA keys"
          openssl x509 -req -in "$CERT_DIR/$who-ec.csr" -CA "$CERT_DIR/ca.pem" \
            -CAkey "$CERT_DIR/ca.key" -CAcreateserial -days 2 \
            -extfile "$CERT_DIR/$([ $who = gw ] && echo ext || echo ext-client)" \
            -out "$CERT_DIR/$who-ec.pem" 2>/dev/null || fail "could not make the ECDSA certificates"
        done
        LAB_AUTH=cert LAB_XAUTH=0 LAB_GW_KEY=$CERT_DIR/gw-ec.key LAB_GW_CERT=$CERT_DIR/gw-ec.pem
        LAB_CLIENT_CA=$CERT_DIR/ca.pem LAB_SERVICES=1 ;;
      cert-xauth | cert-reauth | cert-refused)
        LAB_AUTH=cert LAB_GW_CERT=$CERT_DIR/gw.pem LAB_CLIENT_CA=$CERT_DIR/ca.pem LAB_SERVICES=1 ;;
      cert-frag)
        make_big_chain "$CERT_DIR" || fail "could not make the large chain"
        LAB_AUTH=cert LAB_GW_CERT=$CERT_DIR/gw.pem LAB_CLIENT_CA=$CERT_DIR/ca.pem
        LAB_CONN_EXTRA="    fragmentation = force" ;;
      cert-p12)
        # alice's key, certificate and intermediate (and the root, which is
        # not sent) in one PKCS#12 file, as `openssl pkcs12 -export` makes it
        make_big_chain "$CERT_DIR" || fail "could not make the large chain"
        P12_PASS="p12 pass: it's \"quoted\""
        cat "$CERT_DIR/inter.pem" "$CERT_DIR/ca.pem" >"$CERT_DIR/cas.pem"
        openssl pkcs12 -export -inkey "$CERT_DIR/alice-big.key" -in "$CERT_DIR/alice-big.pem" \
          -certfile "$CERT_DIR/cas.pem" -passout "pass:$P12_PASS" -out "$CERT_DIR/alice.p12" ||
          fail "could not make the PKCS#12 file"
        LAB_AUTH=cert LAB_GW_CERT=$CERT_DIR/gw.pem LAB_CLIENT_CA=$CERT_DIR/ca.pem ;;
      hybrid-frag) LAB_GW_CERT=$CERT_DIR/gw.pem LAB_CONN_EXTRA="    fragmentation = force" ;;
      hybrid-untrusted | hybrid-untrusted-dbus) LAB_GW_CERT=$CERT_DIR/other-gw.pem ;;
      hybrid-wrong-id) LAB_GW_CERT=$CERT_DIR/elsewhere.pem ;;
    esac ;;
  ipv6-inner|ipv6-inner-dbus|ipv6-refused|ipv6-split|ipv6-rekey|ipv6-reauth)
    # a second pool for IPv6, the protected IPv6 network in the child's
    # selectors (ipv6-refused: not, so the gateway refuses the IPv6 SA;
    # ipv6-split: the pool names it, INTERNAL_IP6_SUBNET)
    LAB_POOL6=2001:db8:1::10-2001:db8:1::50
    LAB_POOL6_EXTRA="    dns = 2001:db8:2::53"
    [ "$SCENARIO" = ipv6-split ] && LAB_POOL6_EXTRA="$LAB_POOL6_EXTRA
    subnet = $LAB_PROTECTED_NET6"
    [ "$SCENARIO" = ipv6-rekey ] && LAB_REKEY_TIME=6s LAB_LIFE_TIME=10s
    [ "$SCENARIO" != ipv6-refused ] && LAB_LOCAL_TS="$LAB_PROTECTED_NET,$LAB_PROTECTED_NET6" ;;
  ipv6-network-change) LAB_OUTER6=1 ;;
  ipv6-split-exclude)
    # IPv6 inside, all of it into the tunnel but the pool's excluded
    # network (strongSwan: a Unity LOCAL_LAN of 17 bytes), which the link's
    # IPv6 reaches in the clear
    LAB_OUTER6=1 LAB_POOL6=2001:db8:1::10-2001:db8:1::50
    LAB_POOL6_EXTRA="    split_exclude = $EXCLUDED_NET6"
    LAB_LOCAL_TS="$LAB_PROTECTED_NET,$LAB_PROTECTED_NET6" ;;
  ipv6-outer*)
    # the client<->gateway link has IPv6 too; both inner families
    LAB_OUTER6=1 LAB_POOL6=2001:db8:1::10-2001:db8:1::50
    # (raw ESP over IPv6 cannot be had here: kernel-libipsec always fakes a
    # NAT to get ESP in UDP, and the kernel has no ESP of its own)
    LAB_LOCAL_TS="$LAB_PROTECTED_NET,$LAB_PROTECTED_NET6" ;;
  teardown)
    # a banner with an OSC title sequence, a screen clear and a C1 CSI
    LAB_BANNER=$'Welcome\e]0;owned\a to the lab.\e[2J\nAuthorized users only.\xc2\x9b1m' ;;
esac
lab_up >/dev/null || exit $?

case $SCENARIO in
  modern)
    # the stock script, behind a wrapper that keeps the split-DNS list it got
    # (strongSwan sends one SPLIT_DNS attribute per domain: vpnc joins them)
    # shellcheck disable=SC2016 # $reason and $CISCO_SPLIT_DNS are the wrapper's
    printf '#!/bin/sh\n[ "$reason" = connect ] && printf "%%s" "$CISCO_SPLIT_DNS" >%s/split-dns\nexec %s\n' \
      "$LAB_DIR" "$LAB_VPNC_SCRIPT" >"$LAB_DIR/script" && chmod 0755 "$LAB_DIR/script"
    osprey_start -Script "Script $LAB_DIR/script"
    osprey_expect_up
    check_dns_and_banner
    [ "$(cat "$LAB_DIR/split-dns" 2>/dev/null)" = "${LAB_SPLIT_DNS//,/ }" ] ||
      fail "the script got CISCO_SPLIT_DNS='$(cat "$LAB_DIR/split-dns" 2>/dev/null)', not '${LAB_SPLIT_DNS//,/ }'"
    note "CISCO_SPLIT_DNS=\"$(cat "$LAB_DIR/split-dns")\""
    lab_exec_client ip route | grep -q "198.51.100.0/24 dev tun0" || fail "no split route via tun0"
    lab_exec_client ip route | grep -q "^default via 192.0.2.1 dev eth0" || fail "default route changed in split mode"
    check_tcp
    osprey_stop ;;
  modern-only)
    osprey_start
    osprey_expect_up
    grep -q "IKE_SA lab\[1\] established" "$(lab_gateway_log)" || fail "gateway log shows no IKE SA"
    osprey_stop ;;
  legacy-weak)
    osprey_start "Enable weak encryption" "Enable weak authentication" "IKE DH Group dh2"
    osprey_expect_up
    check_tcp
    osprey_stop ;;
  legacy-refused)
    # 3DES and MD5 are not offered unless enabled: nothing in common, and
    # the error names the settings
    osprey_start "IKE DH Group dh2"
    osprey_expect_exit 1 no-proposal
    grep -q "\"Enable weak encryption\" and \"Enable weak authentication\"" "$LAB_DIR/osprey.log" || fail "error does not name both settings" ;;
  legacy-esp-refused)
    # phase 1 with AES; the IPsec SA only with 3DES/MD5, not offered
    osprey_start
    osprey_expect_exit 1 no-proposal
    grep -q "IPsec algorithms.*\"Enable weak encryption\" and \"Enable weak authentication\"" "$LAB_DIR/osprey.log" || fail "error does not name both settings" ;;
  script-overlap)
    # the script's steps run beside the handshake: a slow pre-init (0.5 s)
    # while phase 1 completes, then a slow connect while quick mode does
    reasons_script "" pre-init
    osprey_start -Script "Script $LAB_DIR/script"
    osprey_expect_up
    log_before "running vpnc-script pre-init" "phase 1: AES" || fail "pre-init did not start before phase 1 ended"
    log_before "phase 1: AES" "vpnc-script pre-init: done" || fail "phase 1 did not go on while pre-init ran"
    osprey_stop
    : >"$LAB_DIR/osprey.log"
    # pre-init only logged, and the XAUTH password 0.4 s late on stdin:
    # pre-init is done when Mode Config answers, connect starts beside
    # quick mode and takes 0.5 s longer
    reasons_script "" connect pre-init
    osprey_start_late_password
    osprey_expect_up
    log_before "vpnc-script pre-init: done" "mode config: address" || fail "pre-init still ran at Mode Config"
    log_before "mode config: address" "network: connect beside" || fail "connect ran before Mode Config"
    log_before "network: connect beside" "quick mode: SA in" || fail "connect did not start before quick mode ended"
    log_before "quick mode: SA in" "vpnc-script connect: done" || fail "quick mode did not go on while connect ran"
    log_before "vpnc-script connect: done" "connected to" || fail "connected before connect was done"
    mtu=$(grep -o "MTU of tun0: [0-9]*" "$LAB_DIR/osprey.log" | awk '{print $4}')
    [ -n "$mtu" ] || fail "the MTU was not set for the negotiated transform"
    lab_exec_client ip link show tun0 | grep -q "mtu $mtu " || fail "tun0 has not MTU $mtu: $(lab_exec_client ip link show tun0)"
    check_tcp
    osprey_stop
    [ "$(reasons)" = "pre-init connect disconnect " ] || fail "script reasons: $(reasons)"
    note "phase 1 during pre-init, quick mode during connect, MTU $mtu afterwards" ;;
  script-quick-fails)
    # the gateway refuses quick mode while connect configures the tunnel
    # (pre-init only logged, connect 0.5 s slower): connect ends, then
    # disconnect runs, nothing stays configured
    reasons_script "" connect pre-init
    osprey_start_late_password
    osprey_expect_exit 1 no-proposal
    [ "$(reasons)" = "pre-init connect disconnect " ] || fail "script reasons: $(reasons)"
    nothing_configured
    note "quick mode refused after connect: disconnect ran, nothing left" ;;
  script-interrupted)
    # SIGTERM while connect runs beside quick mode (0.5 s slower): the step
    # ends, disconnect runs, exit 0, nothing left configured, a Delete sent
    reasons_script "" connect pre-init
    osprey_start_late_password
    wait_until 20 grep -q connect "$LAB_DIR/reasons" || fail "connect did not start"
    kill -TERM "$OSP_PID"
    wait "$OSP_PID"; rc=$?
    OSP_PID=
    [ "$rc" = 0 ] || fail "exit status $rc after SIGTERM"
    [ "$(reasons)" = "pre-init connect disconnect " ] || fail "script reasons: $(reasons)"
    nothing_configured
    grep -q "received DELETE for IKE_SA" "$(lab_gateway_log)" || fail "gateway saw no Delete"
    note "stopped during connect: disconnect ran, nothing left" ;;
  script-fails)
    # a script that fails at pre-init (phase 1 in flight), then one that
    # fails at connect (quick mode in flight): the attempt ends with the
    # script's error, nothing stays configured, no disconnect without connect
    for step in pre-init connect; do
      reasons_script "$step"
      osprey_start -Script "Script $LAB_DIR/script"
      osprey_expect_exit 1 script-failed
      grep -q "Network script .*($step)" "$LAB_DIR/osprey.log" || fail "no error naming the $step step"
      nothing_configured
      want="pre-init "
      [ "$step" = connect ] && want="pre-init connect "
      [ "$(reasons)" = "$want" ] || fail "script reasons after a failing $step: $(reasons)"
      : >"$LAB_DIR/osprey.log"
    done
    [ "$(count_log "received DELETE for IKE_SA")" -ge 1 ] || fail "the gateway saw no Delete after connect failed"
    note "a failing pre-init and a failing connect end the attempt cleanly" ;;
  legacy-aes)
    # MODP-1024 only: the automatic walk tries the strong groups (each
    # refused at once), fails and names the setting; with it, group 2
    # works and is not remembered
    osprey_start
    osprey_expect_exit 1 no-proposal
    grep -q "\"Enable weak DH group\"" "$LAB_DIR/osprey.log" || fail "error does not name \"Enable weak DH group\""
    tried=$(grep -o "phase 1: aggressive mode with [A-Z0-9-]*" "$LAB_DIR/osprey.log" | awk '{print $6}' | tr '\n' ' ')
    [ "$tried" = "MODP-2048 ECP-256 ECP-384 MODP-3072 ECP-521 MODP-4096 " ] ||
      fail "groups tried: $tried"
    [ "$(grep -c "no proposal found" "$(lab_gateway_log)")" -ge 6 ] || fail "the gateway did not refuse each group"
    osprey_start "Enable weak DH group"
    osprey_expect_up
    grep -q "IKE:AES_CBC_128/HMAC_SHA1_96/PRF_HMAC_SHA1/MODP_1024" "$(lab_gateway_log)" || fail "gateway did not negotiate MODP-1024"
    check_tcp
    osprey_stop
    grep -qs "=2$" "$LAB_DIR/dh-groups" && fail "the weak group was remembered: $(cat "$LAB_DIR/dh-groups")"
    note "weak group used only with the setting, not remembered" ;;
  ecp-auto)
    # an ECP-only gateway is reached with default settings: MODP-2048 is
    # refused, ECP-256 too, ECP-384 works and is remembered
    osprey_start
    osprey_expect_up
    grep -q "ECP_384" "$(lab_gateway_log)" || fail "gateway did not negotiate ECP-384"
    refused=$(grep -c "no proposal found" "$(lab_gateway_log)")
    [ "$refused" = 2 ] || fail "$refused groups refused before ECP-384, expected 2"
    osprey_stop
    grep -q "=20$" "$LAB_DIR/dh-groups" || fail "ECP-384 not remembered: $(cat "$LAB_DIR/dh-groups" 2>&1)"
    osprey_start
    osprey_expect_up
    osprey_stop
    [ "$(grep -c "no proposal found" "$(lab_gateway_log)")" = "$refused" ] ||
      fail "the second connect did not start with the remembered DH group"
    note "ECP-only gateway reached with defaults; the group is remembered" ;;
  proposal-order)
    osprey_start
    osprey_expect_up
    grep -q "selected proposal: IKE:AES_CBC_256/HMAC_SHA2_256_128/PRF_HMAC_SHA2_256/MODP_2048" "$(lab_gateway_log)" ||
      fail "the gateway did not select AES for IKE: $(grep "selected proposal" "$(lab_gateway_log)")"
    grep -q "selected proposal: ESP:AES_CBC_128/HMAC_SHA1_96" "$(lab_gateway_log)" ||
      fail "the gateway did not select AES for ESP: $(grep "selected proposal" "$(lab_gateway_log)")"
    check_tcp
    osprey_stop
    note "AES chosen although the gateway lists 3DES first" ;;
  psk-only)
    # a group without XAUTH: plain pre-shared key, Mode Config, ping
    osprey_start
    osprey_expect_up
    grep -q "plain pre-shared key, no XAUTH" "$LAB_DIR/osprey.log" || fail "no PSK-only phase 1 in our log"
    count=$(count_log "parsed TRANSACTION .* \[ HASH CPRQ")
    [ "$count" -ge 1 ] || fail "the gateway saw no Mode Config request"
    grep -q "XAuth authentication of" "$(lab_gateway_log)" && fail "the gateway ran XAUTH"
    check_dns_and_banner
    osprey_stop
    note "PSK-only group connected without XAUTH" ;;
  mainmode-psk | mainmode-psk-fqdn)
    # main mode with the group secret (strongSwan: aggressive = no): our
    # identity (an address, or a name) in the encrypted message 5, then
    # XAUTH; a wrong group secret first, which fails as in aggressive mode
    id="ID type ipv4" idv=$LAB_CL_ADDR
    [ "$SCENARIO" = mainmode-psk-fqdn ] && id="ID type fqdn" idv=client.lab.example
    if [ "$SCENARIO" = mainmode-psk ]; then
      osprey_start "Exchange mode main" "$id" "-IPSec ID" "IPSec ID $idv" "-IPSec secret" \
        "IPSec secret not-$LAB_GROUP_SECRET"
      osprey_expect_exit 2 bad-group-secret
      grep -q "group secret (IPSec secret) is probably wrong" "$LAB_DIR/osprey.log" ||
        fail "the reason is not said"
      grep -q "parsed ID_PROT request 0 \[ ID HASH" "$(lab_gateway_log)" &&
        fail "the gateway read a message 5 made with another group secret"
    fi
    osprey_start "Exchange mode main" "$id" "-IPSec ID" "IPSec ID $idv"
    osprey_expect_up
    grep -q "parsed ID_PROT request 0 \[ ID HASH" "$(lab_gateway_log)" ||
      fail "the gateway saw no main mode message 5 with our ID and HASH_I"
    grep -q "parsed AGGRESSIVE" "$(lab_gateway_log)" && fail "aggressive mode was used"
    grep -Eq "IKE_SA lab\[[0-9]+\] established between .*\[$idv\]" "$(lab_gateway_log)" ||
      fail "the gateway did not establish the IKE SA with our ID $idv"
    grep -q "XAuth authentication of '$LAB_USER' successful" "$(lab_gateway_log)" ||
      fail "the gateway ran no XAUTH"
    note "$(grep -Eo "IKE_SA lab\[[0-9]+\] established between .*" "$(lab_gateway_log)" | head -1)"
    check_tcp
    osprey_stop ;;
  pfs)
    osprey_start
    osprey_expect_up
    grep -q "MODP_2048" "$(lab_gateway_log)" || fail "no PFS group in the gateway's log"
    check_tcp
    osprey_stop ;;
  ecp)
    osprey_start "IKE DH Group dh20"
    osprey_expect_up
    check_tcp
    osprey_stop ;;
  full-tunnel)
    osprey_start
    osprey_expect_up
    lab_exec_client ip route | grep -q "dev tun0" || fail "no route via tun0"
    lab_exec_client ip route get 203.0.113.77 | grep -q "dev tun0" || fail "other traffic not through the tunnel"
    lab_exec_client ip route get 192.0.2.1 | grep -q "dev eth0" || fail "gateway not reachable outside the tunnel"
    osprey_stop ;;
  nat)
    osprey_start
    osprey_expect_up
    grep -q "192.0.2.2\[4500\]" "$(lab_gateway_log)" || fail "gateway saw no NAT-T (port 4500)"
    check_tcp
    # down: the segments that arrive are joined into GSO writes to tun0
    out=$(lab_exec_client iperf3 -c "$LAB_PROTECTED_HOST" -n 8M -R -J 2>&1) ||
      fail "iperf3 -R through the tunnel failed: $out"
    echo "$out" | grep -q '"bytes":[[:space:]]*8388608' || fail "iperf3 -R did not move 8 MiB"
    note "TCP transfer of 8 MiB from the protected network"
    grep -q "UDP GSO on" "$LAB_DIR/osprey.log" || fail "no UDP GSO on the NAT-T socket"
    ! grep -q "UDP GSO refused" "$LAB_DIR/osprey.log" || fail "UDP GSO refused on a plain path"
    grep -q "TUN offloads (checksum, TSO4, TSO6): on" "$LAB_DIR/osprey.log" || fail "no TUN offloads"
    osprey_stop ;;
  gso-fallback)
    # a kernel that refuses UDP GSO and TUN offloads
    # (tests/integration/refuse-gso.c): the datapath sends one datagram per
    # packet from the refused run on, reads plain packets from the TUN
    # device, and the transfer completes
    [ -r "${OSP_REFUSE_GSO:-}" ] || fail "OSP_REFUSE_GSO names no shim (meson test sets it)"
    LD_PRELOAD=$OSP_REFUSE_GSO osprey_start
    osprey_expect_up
    grep -q "UDP GSO on" "$LAB_DIR/osprey.log" || fail "no UDP GSO on the NAT-T socket"
    check_tcp
    grep -q "UDP GSO refused" "$LAB_DIR/osprey.log" || fail "the GSO runs were not refused"
    grep -q "TUN offloads (checksum, TSO4, TSO6): Invalid argument" "$LAB_DIR/osprey.log" ||
      fail "the TUN offloads were not refused"
    note "$(grep -o "UDP GSO refused.*" "$LAB_DIR/osprey.log" | head -1)"
    osprey_stop ;;
  password-stdin)
    # secrets missing from the profile are read from standard input
    printf 'alice-password\n' >"$LAB_DIR/secret"
    OSPREY_EXTRA_ARGS=--password-stdin OSPREY_STDIN=$LAB_DIR/secret osprey_start "-Xauth password"
    osprey_expect_up
    grep -q "INITIAL_CONTACT" "$(lab_gateway_log)" || fail "gateway saw no INITIAL-CONTACT"
    osprey_stop ;;
  wrong-group-secret)
    osprey_start "-IPSec secret" "IPSec secret not-the-secret"
    osprey_expect_exit 2 bad-group-secret ;;
  wrong-password)
    osprey_start "-Xauth password" "Xauth password wrong-password"
    osprey_expect_exit 2 bad-credentials ;;
  no-proposal)
    osprey_start
    osprey_expect_exit 1 no-proposal ;;
  gateway-down)
    # the gateway's port 500 answers ICMP port unreachable: the attempt ends
    # after the second try, and meanwhile the main loop does not spin on the
    # ICMP error queued on the socket (once 10294 failing recvfrom in 1 s)
    lab_gateway_stop
    OSPREY_WRAPPER="strace -f -c -o $LAB_DIR/strace.txt -e trace=recvfrom" osprey_start
    osprey_expect_exit 1 gateway-unreachable
    calls=$(awk '$NF == "recvfrom" {print $4}' "$LAB_DIR/strace.txt")
    [ -n "$calls" ] || fail "no recvfrom counted: $(cat "$LAB_DIR/strace.txt")"
    [ "$calls" -lt 100 ] || fail "$calls recvfrom calls while the gateway was unreachable (busy loop)"
    note "$calls recvfrom calls while the gateway refused" ;;
  rekey-gateway)
    # the gateway starts quick mode every 2-6 s (rekey_time 6 s, life 10 s)
    osprey_start
    osprey_expect_up
    ping_steady 25
    est=$(count_log "CHILD_SA lab{[0-9]*} established")
    [ "$est" -ge 4 ] || fail "only $est IPsec SAs established; the gateway's rekeys were not answered"
    note "$((est - 1)) rekeys started by the gateway"
    osprey_stop ;;
  rekey-client)
    # we start quick mode at 85-90% of a 12 s lifetime; the old SA goes 3 s later
    osprey_start "IPSec lifetime 12"
    osprey_expect_up
    ping_steady 30
    est=$(count_log "CHILD_SA lab{[0-9]*} established")
    [ "$est" -ge 3 ] || fail "only $est IPsec SAs established; no rekeys"
    del=$(count_log "received DELETE for ESP CHILD_SA")
    [ "$del" -ge 2 ] || fail "the old SAs were not deleted after rekeys ($del deletes)"
    note "$((est - 1)) rekeys, $del old SAs deleted"
    osprey_stop ;;
  rekey-hash3-lost)
    # our rekey's quick mode message 3 is lost (the gateway drowning in
    # traffic did that in the bench): the gateway sends message 2 again after
    # 4 s, we answer again, and meanwhile the old SA stays (a Delete of it
    # would end the gateway's quick mode and leave the tunnel dead).  nft
    # drops the first small IKE message on 4500 (non-ESP marker, HASH only:
    # message 3 is the only one that small once the tunnel is up).  A
    # lifetime of 60 s: we rekey at 51-54 s, 6-9 s before the old SA ends
    # on its own, which leaves time for the gateway's second message 2.
    osprey_start "IPSec lifetime 60"
    osprey_expect_up
    lab_exec_gw nft -f - <<'NFT' || fail "cannot install the gateway's filter"
table inet hash3 {
  counter lost { }
  chain in {
    type filter hook input priority -10;
    udp dport 4500 udp length < 100 @th,64,32 0 counter name lost drop
  }
}
NFT
    lost=0
    for _ in $(seq 700); do
      lost=$(lab_exec_gw nft list counter inet hash3 lost | sed -n 's/.*packets \([0-9]*\).*/\1/p')
      [ "${lost:-0}" -ge 1 ] && break
      sleep 0.1
    done
    lab_exec_gw nft delete table inet hash3
    [ "${lost:-0}" = 1 ] || fail "no quick mode message 3 was dropped (${lost:-0})"
    wait_until 20 grep -q "retransmit.*QUICK_MODE\|sending retransmit" "$(lab_gateway_log)" ||
      fail "the gateway did not send quick mode message 2 again: $(grep -E 'QUICK_MODE|retransmit|DELETE|established' "$(lab_gateway_log)" | tail -8)"
    wait_until 10 test "$(count_log "CHILD_SA lab{[0-9]*} established")" -ge 2 ||
      fail "the gateway never got the rekeyed SA: $(grep -E 'DELETE|established|retransmit' "$(lab_gateway_log)" | tail -5)"
    est_line=$(grep -n "CHILD_SA lab{[0-9]*} established" "$(lab_gateway_log)" | sed -n 2p | cut -d: -f1)
    del_line=$(grep -n "received DELETE for ESP CHILD_SA" "$(lab_gateway_log)" | head -1 | cut -d: -f1)
    [ -z "$del_line" ] || [ "$del_line" -gt "$est_line" ] ||
      fail "the old SA was deleted before the gateway had the new one"
    lab_exec_client ping -q -c 5 -i 0.2 -W 1 "$LAB_PROTECTED_HOST" | grep -q " 0% packet loss" ||
      fail "no pings through the tunnel after the lost message 3"
    note "message 3 lost once; the gateway's second message 2 answered, the new SA established"
    osprey_stop ;;
  dpd-answer)
    # the gateway asks every 2 s of silence and gives up after 8 s
    osprey_start
    osprey_expect_up
    sleep 16
    lab_exec_client ping -q -c 3 -W 2 "$LAB_PROTECTED_HOST" >/dev/null || fail "tunnel dead after 16 s idle"
    n=$(count_log "parsed INFORMATIONAL_V1 request [0-9]* \[ HASH N(DPD_ACK) \]")
    [ "$n" -ge 2 ] || { grep -i "dpd\|R_U_THERE" "$(lab_gateway_log)" | tail -5 >&2; fail "the gateway saw $n answers to its R-U-THERE"; }
    grep -q "enforcing DPD action\|timed out" "$(lab_gateway_log)" && fail "the gateway declared us dead"
    note "$n R-U-THERE answered"
    osprey_stop ;;
  dpd-dead)
    # our side: 10 s idle, 6 s without answer; the gateway dies without a word
    osprey_start "DPD idle timeout (our side) 10" "DPD timeout 6"
    osprey_expect_up
    lab_gateway_kill
    expect_dead_within "$(now)" 25 "dead peer"
    nothing_configured
    note "dead peer declared after $TOOK s (bound: idle 10 + timeout 6 s)" ;;
  dpd-stall)
    # traffic goes out, nothing comes back: ask at once, not after the idle time
    osprey_start "DPD idle timeout (our side) 300" "DPD timeout 6"
    osprey_expect_up
    lab_gateway_kill
    t0=$(now)
    lab_exec_client ping -q -c 5 -W 1 "$LAB_PROTECTED_HOST" >/dev/null 2>&1
    expect_dead_within "$t0" 20 "stalled traffic"
    note "dead peer declared $TOOK s after traffic stalled (idle time 300 s)" ;;
  reconnect)
    # the gateway crashes and comes back; the tunnel comes back by itself
    OSPREY_EXTRA_ARGS=--reconnect osprey_start "DPD idle timeout (our side) 10" "DPD timeout 6"
    osprey_expect_up
    lab_gateway_kill
    sleep 3
    lab_gateway_start || fail "gateway did not restart"
    traffic_again_within 90 "the gateway came back"
    log_has "reconnecting" || fail "no reconnecting state reported"
    log_has "peer-dead\|stopped answering" || fail "the reason was not reported"
    osprey_stop ;;
  dpd-crash)
    # defaults, a ping every 0.2 s: the gateway crashes (no Delete) and
    # comes back 45 s later (a reboot: the tries in between have backed
    # off).  Noticed within 10 s of the crash, traffic again within 15 s of
    # its return (asserted with room: 12 s and 20 s).
    OSPREY_EXTRA_ARGS=--reconnect osprey_start
    osprey_expect_up
    traffic_start
    sleep 2
    lab_gateway_kill
    crash=$(now)
    wait_until 12 log_has "connection lost" || fail "the crash was not noticed within 12 s"
    note "crash noticed after $(since "$crash") s"
    log_has "peer-dead\|stopped answering" || fail "the reason was not reported"
    sleep "$(echo "45 - $(since "$crash")" | bc)"
    lab_gateway_start || fail "gateway did not restart"
    traffic_again_within 20 "the gateway came back"
    traffic_stop
    osprey_stop
    vpnc_crash_figure ;;
  dpd-outage)
    # defaults, a ping every 0.2 s: the way to the gateway goes silent for
    # 40 s (no ICMP either: a power loss, a dead link), then comes back.
    # The same bounds as dpd-crash, with tries that time out instead of
    # being refused.
    OSPREY_EXTRA_ARGS=--reconnect osprey_start
    osprey_expect_up
    traffic_start
    sleep 2
    lab_exec_gw nft -f - <<'EOF' || fail "cannot cut the way to the gateway"
table inet osprey_lab_outage {
  chain in { type filter hook input priority -20; policy accept; iifname "eth0" meta l4proto udp drop; }
  chain out { type filter hook output priority -20; policy accept; oifname "eth0" meta l4proto udp drop; }
}
EOF
    t0=$(now)
    wait_until 12 log_has "connection lost" || fail "the outage was not noticed within 12 s"
    note "outage noticed after $(since "$t0") s"
    sleep "$(echo "40 - $(since "$t0")" | bc)"
    lab_exec_gw nft delete table inet osprey_lab_outage
    traffic_again_within 20 "the outage ended"
    traffic_stop
    osprey_stop ;;
  esp-gcm-dbus | esp-cbc-dbus)
    # the suite the gateway selected is what status -v shows, and carries
    # a ping and a TCP transfer
    want="AES-128-GCM-16, AEAD" gw=AES_GCM_16_128
    [ "$SCENARIO" = esp-cbc-dbus ] && want="AES-128-CBC, HMAC-SHA1-96" gw=AES_CBC_128/HMAC_SHA1_96
    dbus_connect_lab suite
    grep -q "selected proposal: ESP:$gw" "$(lab_gateway_log)" ||
      fail "the gateway did not select $gw: $(grep "selected proposal: ESP" "$(lab_gateway_log)")"
    "$OSPREY" status -v suite >"$LAB_DIR/status-v.out" 2>&1 || fail "osprey status -v failed"
    grep -Eq "^  IPsec SA: +$want, no PFS, " "$LAB_DIR/status-v.out" ||
      fail "status -v does not show $want: $(grep "IPsec SA" "$LAB_DIR/status-v.out")"
    note "$(grep "IPsec SA" "$LAB_DIR/status-v.out" | sed 's/  */ /g')"
    check_tcp
    "$OSPREY" disconnect suite >/dev/null || fail "osprey disconnect failed"
    ospreyd_stop || fail "ospreyd exit status $? after SIGTERM" ;;
  dpd-crash-dbus)
    # the same with ospreyd on D-Bus (reconnecting is its default)
    dbus_connect_lab crash
    traffic_start
    sleep 2
    lab_gateway_kill
    t0=$(now)
    wait_until 12 dbus_state_is_not crash connected || fail "still connected 12 s after the crash"
    note "crash noticed after $(since "$t0") s: $(dbus_state crash)"
    lab_gateway_start || fail "gateway did not restart"
    traffic_again_within 20 "the gateway came back" dbus_state crash
    [ "$(dbus_state crash)" = connected ] || fail "state $(dbus_state crash) with traffic flowing"
    traffic_stop
    "$OSPREY" disconnect crash >/dev/null || fail "osprey disconnect failed"
    ospreyd_stop || fail "ospreyd exit status $? after SIGTERM"
    grep -q "reconnecting" "$LAB_DIR/ospreyd.log" || fail "no reconnecting state in ospreyd's log" ;;
  delete-child)
    # the gateway deletes the IPsec SA: a new one, same tunnel, no reconnect
    osprey_start
    osprey_expect_up
    lab_swanctl --terminate --child lab >/dev/null 2>&1 || fail "swanctl could not terminate the CHILD_SA"
    lab_wait_tunnel 15 || fail "no traffic after the gateway deleted the IPsec SA"
    [ "$(count_log "CHILD_SA lab{[0-9]*} established")" -ge 2 ] || fail "no new IPsec SA"
    grep -q "reconnecting" "$LAB_DIR/osprey.log" && fail "reconnected instead of renegotiating"
    note "IPsec SA deleted by the gateway, a new one negotiated"
    osprey_stop ;;
  delete-ike)
    # the gateway ends the IKE SA: reconnect (kept credentials), traffic again
    OSPREY_EXTRA_ARGS=--reconnect osprey_start
    osprey_expect_up
    lab_swanctl --terminate --ike lab >/dev/null 2>&1 || fail "swanctl could not terminate the IKE_SA"
    sleep 1
    lab_wait_tunnel 30 || fail "no traffic after the gateway deleted the IKE SA"
    grep -q "reconnecting" "$LAB_DIR/osprey.log" || fail "no reconnecting state"
    [ "$(count_log "IKE_SA lab\[[0-9]*\] established")" -ge 2 ] || fail "no second IKE SA"
    note "IKE SA deleted by the gateway, reconnected"
    osprey_stop ;;
  replaced)
    # two profiles with the same XAUTH user, a gateway with unique =
    # replace: the second login makes charon delete the first session
    # (Delete of the IPsec SA, then of the IKE SA) and give the second the
    # same address.  The first must notice at once, say why, take its
    # tunnel down and not fight the second (which reconnects too: each
    # reconnect would replace the other): one round at most, then it stops.
    # (With unique = no, charon destroys the first session silently on the
    # second's INITIAL-CONTACT: dead peer detection notices, see dpd-*.)
    OSPREY_EXTRA_ARGS=--reconnect osprey_start
    osprey_expect_up
    traffic_start
    lab_write_vpnc_conf "$LAB_DIR/second.conf" "Local Port 0" "Interface name tun9" "Script /bin/true"
    mkdir -p "$LAB_DIR/second"
    OSPREY_STATE_DIR=$LAB_DIR/second lab_spawn_client "$LAB_DIR/osprey-second.log" "$OSPREYD" \
      --foreground -v --reconnect --config "$LAB_DIR/second.conf"
    SECOND_PID=$LAB_SPAWN_PID
    t0=$(now)
    wait_until 20 grep -q "connected to" "$LAB_DIR/osprey-second.log" ||
      fail "the second login did not connect: $(tail -5 "$LAB_DIR/osprey-second.log")"
    note "second login up after $(since "$t0") s"
    wait_until 30 eval '! kill -0 "$OSP_PID" 2>/dev/null' ||
      fail "the first session still runs 30 s after another login replaced it"
    note "first session ended $(since "$t0") s after the second login"
    # what charon sent, as its log shows it
    grep "duplicate IKE_SA\|generating INFORMATIONAL_V1.* D \]" "$(lab_gateway_log)" | sed 's/^/  charon| /'
    osprey_expect_exit 1 gateway-disconnected
    log_has "another login with the same user" || fail "the reason was not given"
    lab_exec_client ip route | grep -q "tun0" && fail "the first tunnel's route left behind"
    sleep 10
    kill -0 "$SECOND_PID" 2>/dev/null || fail "the second login did not stay up"
    ike=$(count_log "IKE_SA lab\[[0-9]*\] established")
    [ "$ike" -le 4 ] || fail "$ike IKE SAs: the two logins fight"
    [ "$(lab_swanctl --list-sas 2>/dev/null | grep -c "^lab: ")" = 1 ] ||
      fail "the gateway does not hold exactly one IKE SA: $(lab_swanctl --list-sas 2>&1)"
    note "$ike IKE SAs in all; the second login stays up"
    traffic_stop
    kill "$SECOND_PID"; wait "$SECOND_PID"; SECOND_PID= ;;
  loss)
    # 20% of UDP dropped each way at the gateway: retransmissions carry the handshakes
    lab_set_loss 20
    ok=0
    for i in 1 2 3; do
      osprey_start "IKE DH Group dh14"
      if lab_wait_tunnel 90; then ok=$((ok + 1)); else
        cp "$LAB_DIR/osprey.log" "$LAB_DIR/osprey-attempt-$i.log"
        cp "$(lab_gateway_log)" "$LAB_DIR/osprey-attempt-$i-charon.log"
        note "attempt $i failed:"; grep -v "DEBUG" "$LAB_DIR/osprey.log" | tail -n 5 >&2
        grep "session:\|retransmitting\|duplicate" "$LAB_DIR/osprey.log" | tail -n 12 >&2
      fi
      osprey_stop_quietly
    done
    lab_set_loss 0
    note "$ok of 3 connects through 20% loss"
    [ "$ok" = 3 ] || fail "only $ok of 3 connects succeeded with 20% loss" ;;
  nat-change)
    # the NAT router's outer address changes (its old mappings die with it):
    # the gateway sees us from a new address and port
    OSPREY_EXTRA_ARGS=--reconnect osprey_start "DPD timeout 10"
    osprey_expect_up
    lab_exec_nat sysctl -qw net.ipv4.conf.all.promote_secondaries=1 net.ipv4.conf.out0.promote_secondaries=1
    lab_exec_nat ip addr add 192.0.2.3/24 dev out0
    lab_exec_nat ip addr del 192.0.2.2/24 dev out0
    traffic_again_within 60 "the NAT mapping changed"
    grep -q "192.0.2.3\[4500\]" "$(lab_gateway_log)" || fail "the gateway never saw the new address"
    osprey_stop_quietly ;;
  network-change)
    # the laptop moves: a second path to the gateway (203.0.113.0/24), the
    # first one goes away
    ip -n "$LAB_NS_CL" link add eth1 type veth peer name eth1 netns "$LAB_NS_GW"
    ip -n "$LAB_NS_GW" addr add 203.0.113.1/24 dev eth1
    ip -n "$LAB_NS_CL" addr add 203.0.113.2/24 dev eth1
    ip -n "$LAB_NS_GW" link set eth1 up
    ip -n "$LAB_NS_CL" link set eth1 up
    OSPREY_EXTRA_ARGS=--reconnect osprey_start
    osprey_expect_up
    t0=$(now)
    ip -n "$LAB_NS_CL" link set eth0 down
    ip -n "$LAB_NS_CL" route replace default via 203.0.113.1 dev eth1
    lab_wait_tunnel 40 || fail "no traffic 40 s after the network changed"
    note "traffic again $(since "$t0") s after the network changed"
    # the old SAs may carry a ping over the new path before the change is
    # noticed (the gateway follows the new address): the report may come after it
    wait_until 10 log_has "network-changed\|The network changed" || fail "the change was not reported"
    grep -q "203.0.113.2\[" "$(lab_gateway_log)" || fail "the gateway never saw the new address"
    [ "$(grep -c "vpnc-script disconnect" "$LAB_DIR/osprey.log")" -ge 1 ] || fail "the old tunnel's routes and DNS were not removed"
    osprey_stop_quietly ;;
  ipv6-network-change)
    # network-change over IPv6: the gateway by its IPv6 address, a second
    # path to it (2001:db8:e::/64); the first one's address goes away (no
    # link change: only rtnetlink's IPv6 address and route groups say it),
    # the route source towards the gateway changes
    ip -n "$LAB_NS_CL" link add eth1 type veth peer name eth1 netns "$LAB_NS_GW"
    ip -n "$LAB_NS_GW" addr add 2001:db8:e::1/64 dev eth1 nodad
    ip -n "$LAB_NS_CL" addr add 2001:db8:e::2/64 dev eth1 nodad
    ip -n "$LAB_NS_GW" link set eth1 up
    ip -n "$LAB_NS_CL" link set eth1 up
    OSPREY_EXTRA_ARGS=--reconnect osprey_start "-IPSec gateway" "IPSec gateway $LAB_GW_ADDR6"
    osprey_expect_up
    # the script's own route changes looked at first (the watch waits 300 ms)
    sleep 1
    t0=$(now)
    ip -n "$LAB_NS_CL" -6 addr del "$LAB_CL_ADDR6/64" dev eth0
    ip -n "$LAB_NS_CL" -6 route replace default via 2001:db8:e::1 dev eth1
    wait_until 10 log_has "The network changed: the way to the gateway now leaves from 2001:db8:e::2 instead of $LAB_CL_ADDR6" ||
      fail "the change of the IPv6 route source was not reported"
    connected_twice() { [ "$(grep -c "connected to $LAB_GW_ADDR6 " "$LAB_DIR/osprey.log")" -ge 2 ]; }
    wait_until 40 connected_twice || fail "not connected again"
    lab_wait_tunnel 20 || fail "no traffic after the network changed"
    grep -q "2001:db8:e::2\[" "$(lab_gateway_log)" || fail "the gateway never saw the new address"
    note "the new IPv6 path reported and taken $(since "$t0") s after the network changed"
    osprey_stop_quietly ;;
  reauth)
    # an IKE lifetime of 20 s: a new IKE SA (aggressive mode, XAUTH with the
    # kept credentials) every 17-18 s beside the old one; the tunnel stays
    osprey_start "IKE lifetime 20"
    osprey_expect_up
    ping_steady 45
    ike=$(count_log "IKE_SA lab\[[0-9]*\] established")
    [ "$ike" -ge 3 ] || fail "only $ike IKE SAs: no re-authentication"
    grep -q "reconnecting" "$LAB_DIR/osprey.log" && fail "reconnected instead of re-authenticating"
    [ "$(grep -c "running vpnc-script connect" "$LAB_DIR/osprey.log")" = 1 ] || fail "the network was configured again"
    [ "$(count_log "received DELETE for IKE_SA")" -ge 2 ] || fail "the old IKE SAs were not deleted"
    [ "$(count_log "adopting 1 children")" -ge 2 ] || fail "the gateway did not keep the IPsec SA across re-authentications"
    [ "$(count_log "CHILD_SA lab{[0-9]*} established")" = 1 ] || fail "IPsec SAs were negotiated again"
    note "$((ike - 1)) re-authentications, the same IPsec SA, tunnel and routes untouched"
    osprey_stop ;;
  reauth-gateway)
    # the gateway wants a new IKE SA after 15 s (it cannot start one towards
    # an XAUTH client: it asks us by ending the old one)
    OSPREY_EXTRA_ARGS=--reconnect osprey_start
    osprey_expect_up
    sleep 25
    lab_wait_tunnel 30 || fail "no traffic after the gateway's re-authentication time"
    ike=$(count_log "IKE_SA lab\[[0-9]*\] established")
    [ "$ike" -ge 2 ] || fail "no second IKE SA"
    note "$ike IKE SAs; $(grep -c "connection lost" "$LAB_DIR/osprey.log") reconnect(s) after the gateway ended the IKE SA"
    osprey_stop_quietly ;;
  duplicates)
    # every datagram from the gateway arrives twice: handshakes, rekeys
    # (gateway-initiated, every few seconds) and traffic are unharmed
    lab_set_duplicate on || fail "cannot duplicate the gateway's datagrams"
    osprey_start
    osprey_expect_up
    ping_steady 15
    check_tcp
    lab_set_duplicate off
    [ "$(count_log "CHILD_SA lab{[0-9]*} established")" -ge 3 ] || fail "rekeys did not happen"
    osprey_stop ;;
  teardown)
    # -c without a gateway: a clear error, not "(null)"
    printf 'IPSec ID %s\nIPSec secret x\n' "$LAB_GROUP" >"$LAB_DIR/nogw.conf"
    out=$(lab_exec_client timeout 20 "$OSPREYD" --foreground --config "$LAB_DIR/nogw.conf" 2>&1 </dev/null); rc=$?
    [ "$rc" = 1 ] || fail "a file without a gateway: exit $rc"
    echo "$out" | grep -q "(null)" && fail "a file without a gateway: $out"
    echo "$out" | grep -q "failed \[bad-config\].*IPSec gateway" || fail "no clear error: $out"
    note "no gateway: $out"
    # a secret nobody can type: the prompt (the table's label) and why
    printf 'IPSec gateway %s\nIPSec ID %s\nXauth username %s\n' "$LAB_GW_ADDR" "$LAB_GROUP" \
      "$LAB_USER" >"$LAB_DIR/nosecret.conf"
    out=$(lab_exec_client timeout 20 "$OSPREYD" --foreground --config "$LAB_DIR/nosecret.conf" \
      2>&1 </dev/null); rc=$?
    [ "$rc" != 0 ] || fail "no group password and no terminal, yet exit 0"
    echo "$out" | grep -q "Group password: no answer (use a terminal or --password-stdin)" ||
      fail "no group password: $out"
    note "no group password: $(echo "$out" | grep "no answer")"
    # the gateway's banner reaches the terminal sanitised, lines kept
    osprey_start
    osprey_expect_up
    grep -q $'\e' "$LAB_DIR/osprey.log" && fail "an escape character from the gateway was printed"
    grep -q $'\xc2\x9b' "$LAB_DIR/osprey.log" && fail "a C1 control from the gateway was printed"
    grep -qx "Welcome]0;owned to the lab.\[2J" "$LAB_DIR/osprey.log" || fail "banner line 1 not shown sanitised"
    grep -qx "Authorized users only.1m" "$LAB_DIR/osprey.log" || fail "banner line 2 not shown"
    osprey_stop
    note "banner printed without its control characters"
    pipe_teardown INT
    pipe_teardown HUP
    pipe_teardown TERM ;;
  stale-state)
    # A client killed while up (SIGKILL; power loss is alike): resolv.conf
    # stays marked #@VPNC_GENERATED@ and the script's backup is gone with
    # the client's /run.  The stock script then exits 2 on every connect.
    rc_file=/etc/netns/$LAB_NS_CL/resolv.conf
    initial=$(lab_ns_resolv_initial "$LAB_NS_CL")
    osprey_start
    osprey_expect_up
    kill -KILL "$OSP_PID"; wait "$OSP_PID" 2>/dev/null; OSP_PID=
    head -n 1 "$rc_file" | grep -q '^#@VPNC_GENERATED@' || fail "resolv.conf was not left marked"
    : >"$LAB_DIR/osprey.log"
    osprey_start
    osprey_expect_up
    grep -q "ended without disconnecting: restored the original from Osprey's copy" "$LAB_DIR/osprey.log" ||
      fail "the repair was not reported"
    note "$(grep "ended without disconnecting" "$LAB_DIR/osprey.log")"
    osprey_stop
    [ "$(cat "$rc_file")" = "$initial" ] || fail "resolv.conf after disconnect is not the original: $(cat "$rc_file")"
    note "after the disconnect resolv.conf is the original"
    # vpnc killed the same way: no copy of Osprey's; the mark goes, the
    # connect works
    lab_write_vpnc_conf "$LAB_DIR/vpnc.conf"
    lab_vpnc_start "$LAB_DIR/vpnc.conf"
    lab_wait_tunnel 20 || fail "vpnc did not connect"
    kill -KILL "$LAB_VPNC_PID"; wait "$LAB_VPNC_PID" 2>/dev/null; LAB_VPNC_PID=
    lab_exec_client ip link del tun0 2>/dev/null
    head -n 1 "$rc_file" | grep -q '^#@VPNC_GENERATED@' || fail "vpnc left resolv.conf unmarked"
    : >"$LAB_DIR/osprey.log"
    osprey_start
    osprey_expect_up
    grep -q "ended without disconnecting: no copy of the original" "$LAB_DIR/osprey.log" ||
      fail "the repair after vpnc was not reported"
    osprey_stop
    grep -q '^#@VPNC_GENERATED@' "$rc_file" && fail "resolv.conf still marked after disconnect"
    grep -qx "# osprey lab $LAB_NS_CL" "$rc_file" || fail "resolv.conf lost its other lines"
    note "after a killed vpnc: mark removed, connect and disconnect work" ;;
  split-exclude)
    # A host of the excluded network answers on the gateway's eth0 side, in
    # the clear; one of the protected network only through ESP.
    lab_exec_gw ip addr add "$EXCLUDED_HOST/32" dev lo || fail "cannot add $EXCLUDED_HOST"
    osprey_start
    osprey_expect_up
    lab_exec_client ip route get "$EXCLUDED_HOST" | grep -q "dev eth0" ||
      fail "no route for $EXCLUDED_NET outside the tunnel: $(lab_exec_client ip route get "$EXCLUDED_HOST")"
    lab_exec_client ip route get 198.18.200.1 | grep -q "dev tun0" || fail "full tunnel lost"
    lab_exec_client nft -f - <<'NFT' || fail "nft counters"
table ip ospx {
  chain out {
    type filter hook output priority 0;
    oifname "eth0" ip daddr 203.0.113.99 icmp type echo-request counter
    oifname "eth0" ip protocol esp counter
    oifname "eth0" udp dport 4500 counter
  }
}
NFT
    outside=$(tun_packets_for "$EXCLUDED_HOST") || fail "no answer from the excluded $EXCLUDED_HOST"
    inside=$(tun_packets_for "$LAB_PROTECTED_HOST") || fail "no ping through the tunnel"
    counts=$(lab_exec_client nft list table ip ospx | sed -n 's/.*packets \([0-9]*\).*/\1/p' | tr '\n' ' ')
    read -r clear esp natt <<<"$counts"
    note "excluded: $clear echo requests in the clear on eth0, $outside packets on tun0; tunnel: $inside on tun0, $((esp + natt)) ESP on eth0"
    [ "$clear" -ge 3 ] || fail "the pings to $EXCLUDED_HOST did not leave in the clear on eth0"
    [ "$outside" = 0 ] || fail "the pings to $EXCLUDED_HOST went into the tunnel"
    [ "$inside" -ge 3 ] && [ $((esp + natt)) -ge 3 ] || fail "the pings to $LAB_PROTECTED_HOST did not go through ESP"
    osprey_stop
    lab_exec_client ip route | grep -q "203.0.113" && fail "exclude route left behind"
    : ;;
  cisco-udp)
    # NAT Traversal Mode cisco-udp against the scripted gateway, which names
    # port 10000 for ESP (Unity NATT_PORT): IKE stays on 500, no NAT-T
    # float although the gateway offers it, and the tunnel's ESP goes in UDP
    # from our port 10000 to the gateway's 10000 (counted by nft there;
    # the scripted gateway does not decrypt it, so the pings go unanswered)
    gwbin=${OSPREY_LAB_GATEWAY:-$(dirname "$OSPREYD")/../tests/lab/osp-lab-gateway}
    [ -x "$gwbin" ] || fail "no scripted gateway at $gwbin"
    lab_scripted_gateway_start "$gwbin" --natt-port 10000 || fail "the scripted gateway did not start"
    lab_exec_gw nft -f - <<'NFT' || fail "cannot install the gateway's counters"
table inet cisco {
  counter esp_in_udp { }
  counter natt { }
  chain in {
    type filter hook input priority -10;
    udp sport 10000 udp dport 10000 counter name esp_in_udp drop
    udp dport 4500 counter name natt
  }
}
NFT
    osprey_start "NAT Traversal Mode cisco-udp" "Cisco UDP Encapsulation Port 10000"
    wait_until 20 log_has "ESP in UDP to the gateway's port 10000" || fail "no Cisco UDP SA"
    wait_until 20 log_has "connected to" || fail "the tunnel did not come up"
    lab_exec_client ping -q -c 5 -i 0.2 -W 1 "$LAB_PROTECTED_HOST" >/dev/null 2>&1
    esp=$(lab_exec_gw nft list counter inet cisco esp_in_udp | sed -n 's/.*packets \([0-9]*\).*/\1/p')
    natt=$(lab_exec_gw nft list counter inet cisco natt | sed -n 's/.*packets \([0-9]*\).*/\1/p')
    [ "${esp:-0}" -ge 5 ] || fail "only ${esp:-0} ESP-in-UDP datagrams reached port 10000"
    [ "${natt:-0}" = 0 ] || fail "$natt datagrams went to the NAT-T port"
    note "$esp ESP-in-UDP datagrams 10000 -> 10000, none to 4500"
    osprey_stop_quietly ;;
  backup-servers)
    # A gateway that refuses (ICMP port unreachable) or does not answer
    # makes way for the next server in the list, at connect and on
    # reconnect; the one that answered is logged.  192.0.2.77 and
    # 192.0.2.3 are addresses of the gateway's namespace: on the first
    # nothing answers IKE, the second is charon again.
    lab_exec_gw ip addr add 192.0.2.77/24 dev eth0 || fail "cannot add the dead gateway's address"
    lab_exec_gw ip addr add 192.0.2.3/24 dev eth0 || fail "cannot add the backup's address"
    lab_exec_gw nft -f - <<'NFT' || fail "cannot install the gateway's filter"
table inet backup {
  chain in {
    type filter hook input priority -10;
    ip daddr 192.0.2.77 udp dport { 500, 4500 } reject
  }
}
NFT
    # 1. at connect: the profile's gateway refuses, its backup answers
    osprey_start -"IPSec gateway" "IPSec gateway 192.0.2.77" "Backup servers backup.invalid, 192.0.2.3"
    osprey_expect_up
    log_has "192.0.2.77 does not answer.*Trying the backup server backup.invalid" ||
      fail "no move to the first backup server logged"
    log_has "Trying the backup server 192.0.2.3" || fail "no move to the second backup server logged"
    log_has "The backup server 192.0.2.3 answered" || fail "the answering backup server not named"
    grep -q "192.0.2.3.*IKE_SA\|IKE_SA.*192.0.2.3" "$(lab_gateway_log)" ||
      grep -q "192.0.2.3\[500\]" "$(lab_gateway_log)" || fail "the gateway log shows no IKE SA on 192.0.2.3"
    osprey_stop
    # 2. on reconnect: the gateway dies; the backup it named takes over
    : >"$(lab_gateway_log)"
    OSPREY_EXTRA_ARGS=--reconnect osprey_start "DPD idle timeout (our side) 10" "DPD timeout 6"
    osprey_expect_up
    lab_exec_gw nft add rule inet backup in ip daddr 192.0.2.1 udp dport 500 reject ||
      fail "cannot cut the gateway off"
    lab_exec_gw nft add rule inet backup in ip daddr 192.0.2.1 udp dport 4500 drop
    lab_exec_gw nft add rule inet backup in ip daddr 192.0.2.1 ip protocol esp drop
    t0=$(date +%s.%N)
    wait_until 60 log_has "Trying the backup server 192.0.2.3" || fail "no move to the gateway's backup"
    wait_until 30 log_has "The backup server 192.0.2.3 answered" || fail "the gateway's backup did not answer"
    lab_wait_tunnel 30 || fail "no ping through the tunnel after moving to the backup"
    note "back through the gateway's backup 192.0.2.3 after $(since "$t0") s"
    osprey_stop_quietly ;;
  local-lan)
    # A Cisco .pcf with EnableLocalLAN=1: the LAN the client is on
    # (192.0.2.0/24 on eth0) reaches the script as CISCO_SPLIT_EXC and
    # stays outside the full tunnel.
    printf '[main]\r\nHost=%s\r\nAuthType=1\r\nGroupName=%s\r\nGroupPwd=%s\r\nUsername=%s\r\nUserPassword=%s\r\nEnableLocalLAN=1\r\n' \
      "$LAB_GW_ADDR" "$LAB_GROUP" "$LAB_GROUP_SECRET" "$LAB_USER" "$LAB_PASSWORD" >"$LAB_DIR/lab.pcf"
    # shellcheck disable=SC2016 # the wrapper's variables
    printf '#!/bin/sh\n[ "$reason" = connect ] && env | grep "^CISCO_SPLIT_EXC" | sort >%s/split-exc\nexec %s\n' \
      "$LAB_DIR" "$LAB_VPNC_SCRIPT" >"$LAB_DIR/script" && chmod 0755 "$LAB_DIR/script"
    lab_exec_gw ip addr add 192.0.2.9/24 dev eth0 || fail "cannot add a LAN host"
    export OSPREY_STATE_DIR=$LAB_DIR
    OSP_START=$(date +%s.%N)
    lab_spawn_client "$LAB_DIR/osprey.log" "$OSPREYD" --foreground -v --script "$LAB_DIR/script" \
      --config "$LAB_DIR/lab.pcf"
    OSP_PID=$LAB_SPAWN_PID
    osprey_expect_up
    grep -q "^CISCO_SPLIT_EXC=1$" "$LAB_DIR/split-exc" &&
      grep -q "^CISCO_SPLIT_EXC_0_ADDR=192.0.2.0$" "$LAB_DIR/split-exc" &&
      grep -q "^CISCO_SPLIT_EXC_0_MASKLEN=24$" "$LAB_DIR/split-exc" ||
      fail "the script did not get the local LAN as CISCO_SPLIT_EXC: $(tr '\n' ' ' <"$LAB_DIR/split-exc")"
    lab_exec_client ip route get 198.18.200.1 | grep -q "dev tun0" || fail "full tunnel lost"
    # (Linux keeps the on-link route ahead of a full tunnel's default route
    # anyway: what fails without EnableLocalLAN is the script's list above)
    t0=$(lab_exec_client cat /sys/class/net/tun0/statistics/tx_packets)
    lab_exec_client ping -c 3 -W 2 192.0.2.9 >/dev/null || fail "the LAN (192.0.2.9) is not reachable"
    t1=$(lab_exec_client cat /sys/class/net/tun0/statistics/tx_packets)
    [ "$t1" = "$t0" ] || fail "pings to the local LAN went into the tunnel"
    note "local LAN: $(tr '\n' ' ' <"$LAB_DIR/split-exc")"
    osprey_stop ;;
  stale-state-full)
    # A full tunnel replaces the default route; killed, the client takes it
    # along with its tun device: no default route is left, and the next
    # connect's script would save "none" to restore.
    before=$(lab_exec_client ip -4 route show default)
    [ -n "$before" ] || fail "the lab has no default route to begin with"
    osprey_start
    osprey_expect_up
    kill -KILL "$OSP_PID"; wait "$OSP_PID" 2>/dev/null; OSP_PID=
    [ -z "$(lab_exec_client ip -4 route show default)" ] || fail "a default route survived the kill"
    : >"$LAB_DIR/osprey.log"
    osprey_start
    osprey_expect_up
    grep -q "The default route .* is back: default via $LAB_GW_ADDR dev eth0" "$LAB_DIR/osprey.log" ||
      fail "the default route repair was not reported"
    note "$(grep "default route" "$LAB_DIR/osprey.log" | head -1)"
    osprey_stop
    [ "$(lab_exec_client ip -4 route show default)" = "$before" ] ||
      fail "default route after disconnect: '$(lab_exec_client ip -4 route show default)', before: '$before'"
    [ "$(cat "/etc/netns/$LAB_NS_CL/resolv.conf")" = "$(lab_ns_resolv_initial "$LAB_NS_CL")" ] ||
      fail "resolv.conf after disconnect is not the original"
    note "after the disconnect: the original default route and resolv.conf" ;;
  rekey-volume)
    # the gateway's IPsec SAs live for 4 MB (it announces no lifetime in
    # kilobytes, it deletes the SA when the volume is reached): a new one
    # is negotiated at once and an 8 MiB transfer completes across it
    osprey_start
    osprey_expect_up
    check_tcp
    est=$(count_log "CHILD_SA lab{[0-9]*} established")
    [ "$est" -ge 2 ] || fail "only $est IPsec SAs over 8 MiB with a 4 MB lifetime"
    grep -q "closing expired CHILD_SA" "$(lab_gateway_log)" || fail "the gateway's SA did not expire by volume"
    note "$((est - 1)) new IPsec SAs after the gateway's expired by volume"
    osprey_stop ;;
  hybrid)
    # the gateway signs with its certificate, verified against CA-File;
    # the user authenticates with XAUTH; no group secret anywhere
    osprey_start "-IPSec secret" "IKE Authmode hybrid" "CA-File $CERT_DIR/ca.pem"
    osprey_expect_up
    grep -q "authentication of 'C=XX, O=Osprey Lab, CN=gw.lab.example' (myself) successful" \
      "$(lab_gateway_log)" || fail "the gateway did not sign with its certificate"
    grep -q "XAuth authentication of '$LAB_USER' successful" "$(lab_gateway_log)" ||
      fail "the gateway ran no XAUTH"
    grep -q "verified (1 certificates sent)" "$LAB_DIR/osprey.log" || fail "no certificate verified"
    check_tcp
    osprey_stop ;;
  hybrid-main)
    # hybrid in main mode (aggressive = no): our HASH_I in message 5, the
    # gateway's certificate and signature in the encrypted message 6
    osprey_start "-IPSec secret" "IKE Authmode hybrid" "CA-File $CERT_DIR/ca.pem" \
      "Exchange mode main"
    osprey_expect_up
    grep -q "parsed ID_PROT request 0 \[ ID HASH" "$(lab_gateway_log)" ||
      fail "the gateway saw no main mode message 5 with our ID and HASH_I"
    grep -q "generating ID_PROT response 0 \[ ID CERT SIG" "$(lab_gateway_log)" ||
      fail "the gateway sent no certificate and signature in message 6"
    grep -q "parsed AGGRESSIVE" "$(lab_gateway_log)" && fail "aggressive mode was used"
    grep -q "XAuth authentication of '$LAB_USER' successful" "$(lab_gateway_log)" ||
      fail "the gateway ran no XAUTH"
    grep -q "verified (1 certificates sent)" "$LAB_DIR/osprey.log" || fail "no certificate verified"
    check_tcp
    osprey_stop ;;
  cert-ecdsa)
    # main mode with ECDSA certificates on both sides (P-256, SHA-256)
    osprey_start "-IPSec secret" "IKE Authmode cert" "CA-File $CERT_DIR/ca.pem" \
      "Client certificate $CERT_DIR/alice-ec.pem" "Client key $CERT_DIR/alice-ec.key"
    osprey_expect_up
    grep -q "parsed ID_PROT request 0 \[ ID CERT SIG \]" "$(lab_gateway_log)" ||
      fail "the gateway saw no main mode message 5 with our certificate"
    grep -Eq "authentication of 'C=XX, O=Osprey Lab, CN=alice' with ECDSA.* successful" \
      "$(lab_gateway_log)" || fail "the gateway did not authenticate our ECDSA signature"
    grep -q "ECDSA signatures, no XAUTH" "$LAB_DIR/osprey.log" || fail "no ECDSA phase 1 in our log"
    grep -q "verified (1 certificates sent)" "$LAB_DIR/osprey.log" || fail "no certificate verified"
    note "$(grep -Eo "authentication of 'C=XX, O=Osprey Lab, CN=alice' with [^ ]*" "$(lab_gateway_log)" | head -1)"
    check_tcp
    osprey_stop ;;
  cert-ecdsa-dbus)
    # the same through ospreyd: status -v and the Crypto property say how
    # phase 1 authenticated, ECDSA-256 on both sides in main mode, no XAUTH
    dbus_connect_lab ecdsa "IKE Authmode cert" "CA-File $CERT_DIR/ca.pem" \
      "Client certificate $CERT_DIR/alice-ec.pem" "Client key $CERT_DIR/alice-ec.key"
    grep -Eq "authentication of 'C=XX, O=Osprey Lab, CN=alice' with ECDSA.* successful" \
      "$(lab_gateway_log)" || fail "the gateway did not authenticate our ECDSA signature"
    "$OSPREY" status -v ecdsa >"$LAB_DIR/status-v.out" 2>&1 || fail "osprey status -v failed"
    grep -Eq "^  IKE auth: +Certificates on both sides \(ECDSA-256\), Main mode$" \
      "$LAB_DIR/status-v.out" ||
      fail "status -v: no IKE auth line for ECDSA: $(grep "IKE" "$LAB_DIR/status-v.out")"
    "$OSPREY" --json status ecdsa >"$LAB_DIR/status.json" 2>&1 || fail "osprey --json status failed"
    /usr/bin/python3 -c '
import json, sys
c = json.load(open(sys.argv[1]))["crypto"]
want = {"ike-auth": "cert", "ike-xauth": False, "ike-signature": "ECDSA-256", "ike-exchange": "main"}
got = {k: c.get(k) for k in want}
sys.exit(0 if got == want else "Crypto: %r" % got)' "$LAB_DIR/status.json" || fail "the Crypto keys"
    note "$(grep "IKE auth" "$LAB_DIR/status-v.out" | sed 's/  */ /g')"
    check_tcp
    "$OSPREY" disconnect ecdsa >/dev/null || fail "osprey disconnect failed"
    ospreyd_stop || fail "ospreyd exit status $? after SIGTERM" ;;
  cert-xauth)
    # main mode: the gateway and we sign with our certificates, then XAUTH
    osprey_start "-IPSec secret" "IKE Authmode cert" "CA-File $CERT_DIR/ca.pem" \
      "Client certificate $CERT_DIR/alice.pem" "Client key $CERT_DIR/alice.key"
    osprey_expect_up
    grep -q "parsed ID_PROT request 0 \[ ID CERT SIG \]" "$(lab_gateway_log)" ||
      fail "the gateway saw no main mode message 5 with our certificate"
    grep -q "authentication of 'C=XX, O=Osprey Lab, CN=alice' with RSA.* successful" \
      "$(lab_gateway_log)" || fail "the gateway did not authenticate our certificate"
    grep -q "XAuth authentication of '$LAB_USER' successful" "$(lab_gateway_log)" ||
      fail "the gateway ran no XAUTH"
    check_tcp
    osprey_stop ;;
  cert-refused)
    # our certificate from a CA the gateway does not trust: its refusal
    # (encrypted, after message 5) is what the failure says
    openssl x509 -req -in "$CERT_DIR/alice.csr" -CA "$CERT_DIR/other-ca.pem" \
      -CAkey "$CERT_DIR/other-ca.key" -CAcreateserial -days 2 -extfile "$CERT_DIR/ext-client" \
      -out "$CERT_DIR/alice-other.pem" 2>/dev/null || fail "could not make the certificate"
    osprey_start "-IPSec secret" "IKE Authmode cert" "CA-File $CERT_DIR/ca.pem" \
      "Client certificate $CERT_DIR/alice-other.pem" "Client key $CERT_DIR/alice.key"
    osprey_expect_exit 1 gateway-rejected
    grep -q "refused our certificate or signature (AUTHENTICATION-FAILED)" "$LAB_DIR/osprey.log" ||
      fail "the reason is not said" ;;
  cert-reauth)
    # an IKE lifetime of 20 s: main mode again, with our certificate and the
    # kept XAUTH credentials, beside the old IKE SA; the tunnel stays
    osprey_start "-IPSec secret" "IKE Authmode cert" "CA-File $CERT_DIR/ca.pem" \
      "Client certificate $CERT_DIR/alice.pem" "Client key $CERT_DIR/alice.key" "IKE lifetime 20"
    osprey_expect_up
    ping_steady 25
    ike=$(count_log "IKE_SA lab\[[0-9]*\] established")
    [ "$ike" -ge 2 ] || fail "only $ike IKE SAs: no re-authentication"
    [ "$(count_log "with RSA_EMSA_PKCS1_NULL successful")" -ge 2 ] ||
      fail "the new IKE SA was not authenticated with our certificate"
    grep -q "reconnecting" "$LAB_DIR/osprey.log" && fail "reconnected instead of re-authenticating"
    note "$((ike - 1)) re-authentication(s) in main mode, the tunnel untouched"
    osprey_stop ;;
  cert-frag)
    # our message 5 (two 4096-bit certificates and a signature) goes in
    # fragments, the gateway's certificate and signature come in them
    osprey_start "-IPSec secret" "IKE Authmode cert" "CA-File $CERT_DIR/ca.pem" \
      "Client certificate $CERT_DIR/alice-chain.pem" "Client key $CERT_DIR/alice-big.key"
    osprey_expect_up
    grep -q "reassembled fragmented IKE message" "$(lab_gateway_log)" ||
      fail "the gateway reassembled no message of ours"
    grep -q "received issuer cert \"C=XX, O=Osprey Lab, CN=Osprey Lab Intermediate\"" \
      "$(lab_gateway_log)" || fail "the gateway did not get our intermediate"
    note "$(grep -o "sending a message of [0-9]* bytes in [0-9]* fragments" "$LAB_DIR/osprey.log" | head -1)"
    osprey_stop ;;
  cert-p12)
    # the PKCS#12 file's passphrase through ospreyd and the command line:
    # a wrong one and none (no terminal to ask on) fail before anything is
    # sent; the right one connects, our intermediate sent after ours
    [ -x "$OSPREY" ] || fail "no osprey command line given"
    lab_bus_start || fail "dbus-daemon did not start"
    lab_ospreyd_start "$OSPREYD" "$OSPREY" || fail "ospreyd did not start"
    lab_write_vpnc_conf "$LAB_DIR/p12.conf"
    sed -i '/^IPSec secret /d' "$LAB_DIR/p12.conf"
    printf 'IKE Authmode cert\nCA-File %s\nClient certificate %s\n' "$CERT_DIR/ca.pem" \
      "$CERT_DIR/alice.p12" >>"$LAB_DIR/p12.conf"
    (umask 077 && printf 'key-passphrase=wrong %s\n' "$P12_PASS" >"$LAB_DIR/wrong.secrets" &&
      printf 'key-passphrase=%s\n' "$P12_PASS" >"$LAB_DIR/p12.secrets")
    "$OSPREY" connect --config "$LAB_DIR/p12.conf" --secrets-file "$LAB_DIR/wrong.secrets" \
      --timeout 60 >"$LAB_DIR/connect.out" 2>&1 </dev/null
    rc=$?
    [ "$rc" = 2 ] || fail "a wrong passphrase: exit status $rc, expected 2: $(cat "$LAB_DIR/connect.out")"
    grep -q "bad-key-passphrase" "$LAB_DIR/connect.out" ||
      fail "the reason is not named: $(cat "$LAB_DIR/connect.out")"
    note "wrong passphrase, exit 2: $(tail -1 "$LAB_DIR/connect.out")"
    setsid -w "$OSPREY" connect --config "$LAB_DIR/p12.conf" --timeout 60 \
      >"$LAB_DIR/connect.out" 2>&1 </dev/null
    rc=$?
    [ "$rc" != 0 ] || fail "no passphrase and no terminal, yet connected"
    grep -q "(key-passphrase) and there is no terminal" "$LAB_DIR/connect.out" ||
      fail "no passphrase and no terminal: $(cat "$LAB_DIR/connect.out")"
    note "no terminal, exit $rc: $(tail -1 "$LAB_DIR/connect.out")"
    grep -q "ID_PROT" "$(lab_gateway_log)" && fail "the gateway saw main mode before our key was open"
    "$OSPREY" connect --config "$LAB_DIR/p12.conf" --secrets-file "$LAB_DIR/p12.secrets" \
      --timeout 60 >"$LAB_DIR/connect.out" 2>&1 </dev/null ||
      fail "osprey connect: $(cat "$LAB_DIR/connect.out")"
    lab_wait_tunnel 20 || fail "no ping through the tunnel"
    grep -q "authentication of 'C=XX, O=Osprey Lab, CN=alice' with RSA.* successful" \
      "$(lab_gateway_log)" || fail "the gateway did not authenticate our certificate"
    grep -q "received issuer cert \"C=XX, O=Osprey Lab, CN=Osprey Lab Intermediate\"" \
      "$(lab_gateway_log)" || fail "the gateway did not get our intermediate"
    grep -q "received issuer cert \"C=XX, O=Osprey Lab, CN=ca\"" "$(lab_gateway_log)" &&
      fail "the root CA was sent too"
    "$OSPREY" disconnect p12 >/dev/null || fail "osprey disconnect failed"
    ospreyd_stop || fail "ospreyd exit status $? after SIGTERM" ;;
  hybrid-frag)
    # the gateway's message 2 (its certificate and signature) is larger
    # than strongSwan's fragment size: it comes in Cisco IKE fragments
    osprey_start "-IPSec secret" "IKE Authmode hybrid" "CA-File $CERT_DIR/ca.pem"
    osprey_expect_up
    grep -q "received FRAGMENTATION vendor ID" "$(lab_gateway_log)" ||
      fail "the gateway did not see our fragmentation vendor ID"
    n=$(grep -o "message .* reassembled from [0-9]* fragments" "$LAB_DIR/osprey.log" | head -1)
    [ -n "$n" ] || fail "no message reassembled from fragments"
    note "$n"
    osprey_stop ;;
  hybrid-revoked)
    # CRL-File: the CA's CRL (openssl ca -gencrl) without the gateway's
    # certificate, then with it revoked: cert-revoked before XAUTH
    printf '[ca]\ndefault_ca = lab\n[lab]\ndatabase = %s/index.txt\ncrlnumber = %s/crlnumber\ndefault_md = sha256\ndefault_crl_days = 1\n' \
      "$CERT_DIR" "$CERT_DIR" >"$CERT_DIR/ca.cnf"
    : >"$CERT_DIR/index.txt" && echo 01 >"$CERT_DIR/crlnumber"
    gencrl() { openssl ca -config "$CERT_DIR/ca.cnf" -cert "$CERT_DIR/ca.pem" -keyfile "$CERT_DIR/ca.key" "$@" 2>/dev/null; }
    gencrl -gencrl -out "$CERT_DIR/ca.crl" || fail "could not make the CRL"
    osprey_start "-IPSec secret" "IKE Authmode hybrid" "CA-File $CERT_DIR/ca.pem" \
      "CRL-File $CERT_DIR/ca.crl"
    osprey_expect_up
    osprey_stop
    gencrl -revoke "$CERT_DIR/gw.pem" && gencrl -gencrl -out "$CERT_DIR/ca.crl" ||
      fail "could not revoke the gateway's certificate"
    osprey_start "-IPSec secret" "IKE Authmode hybrid" "CA-File $CERT_DIR/ca.pem" \
      "CRL-File $CERT_DIR/ca.crl"
    osprey_expect_exit 7 cert-revoked
    grep -q "certificate has been revoked (CRL-File)" "$LAB_DIR/osprey.log" || fail "the reason is not said"
    [ "$(grep -c "XAuth authentication of" "$(lab_gateway_log)")" = 1 ] ||
      fail "the password went to the gateway after the revocation"
    note "refused before XAUTH" ;;
  hybrid-untrusted)
    # Debian's vpnc connects to this gateway: its certificate is from another CA
    osprey_start "-IPSec secret" "IKE Authmode hybrid" "CA-File $CERT_DIR/ca.pem"
    osprey_expect_exit 7 cert-untrusted
    grep -q "not issued by the CA of the profile" "$LAB_DIR/osprey.log" || fail "the reason is not said"
    grep -q "XAuth authentication of" "$(lab_gateway_log)" && fail "the password went to the gateway"
    note "refused before XAUTH" ;;
  hybrid-untrusted-dbus)
    # through ospreyd and the command line: the D-Bus error CertUntrusted,
    # its reason, exit status 7
    [ -x "$OSPREY" ] || fail "no osprey command line given"
    lab_bus_start || fail "dbus-daemon did not start"
    lab_ospreyd_start "$OSPREYD" "$OSPREY" || fail "ospreyd did not start"
    lab_write_vpnc_conf "$LAB_DIR/untrusted.conf"
    sed -i '/^IPSec secret /d' "$LAB_DIR/untrusted.conf"
    printf 'IKE Authmode hybrid\nCA-File %s\n' "$CERT_DIR/ca.pem" >>"$LAB_DIR/untrusted.conf"
    "$OSPREY" connect --config "$LAB_DIR/untrusted.conf" --timeout 60 >"$LAB_DIR/connect.out" 2>&1 </dev/null
    rc=$?
    [ "$rc" = 7 ] || fail "osprey connect exit status $rc, expected 7: $(cat "$LAB_DIR/connect.out")"
    grep -q "cert-untrusted" "$LAB_DIR/connect.out" || fail "the reason is not named: $(cat "$LAB_DIR/connect.out")"
    note "exit 7: $(tail -1 "$LAB_DIR/connect.out")"
    nothing_configured ;;
  hybrid-wrong-id)
    # a certificate of the right CA, for another gateway
    osprey_start "-IPSec secret" "IKE Authmode hybrid" "CA-File $CERT_DIR/ca.pem"
    osprey_expect_exit 7 cert-wrong-identity
    grep -q "is not that of $LAB_GW_ADDR" "$LAB_DIR/osprey.log" || fail "the reason is not said" ;;
  ipv6-inner)
    # IPv6 inside: Mode Config's INTERNAL_IP6_ADDRESS on tun0, a second
    # quick mode for the IPv6 selectors, a ping -6 through it
    osprey_start_env '^(INTERNAL_IP6|CISCO_IPV6)'
    grep -q "^INTERNAL_IP6_ADDRESS=2001:db8:1::" "$LAB_DIR/ip6-env" ||
      fail "the script got no INTERNAL_IP6_ADDRESS from the pool"
    addr6=$(sed -n 's/^INTERNAL_IP6_ADDRESS=//p' "$LAB_DIR/ip6-env")
    grep -q "^INTERNAL_IP6_NETMASK=$addr6/[0-9]*$" "$LAB_DIR/ip6-env" || fail "no INTERNAL_IP6_NETMASK address/prefix"
    grep -q "^INTERNAL_IP6_DNS=2001:db8:2::53$" "$LAB_DIR/ip6-env" || fail "no INTERNAL_IP6_DNS"
    lab_exec_client ip -6 addr show dev tun0 | grep -q "inet6 $addr6/" || fail "tun0 lacks $addr6"
    lab_exec_client ip -6 route get "$LAB_PROTECTED_HOST6" | grep -q "dev tun0" ||
      fail "no IPv6 route into the tunnel: $(lab_exec_client ip -6 route get "$LAB_PROTECTED_HOST6" 2>&1)"
    [ "$(count_log "CHILD_SA lab{[0-9]*} established")" -ge 2 ] || fail "the gateway has no second IPsec SA"
    lab_exec_client ping -c 3 -W 2 "$LAB_PROTECTED_HOST6" >/dev/null || fail "no ping -6 through the tunnel"
    lab_exec_client ping -c 3 -W 2 "$LAB_PROTECTED_HOST" >/dev/null || fail "no IPv4 ping through the tunnel"
    sas=$(lab_swanctl --list-sas 2>&1)
    echo "$sas" | grep -q "2001:db8:2::/64" || fail "no IPv6 SA at the gateway: $sas"
    both_sas_carried "$sas"
    osprey_stop
    lab_exec_client ip -6 addr show dev tun0 2>/dev/null | grep -q "$addr6" && fail "IPv6 address left behind"
    : ;;
  ipv6-outer)
    # the gateway by its IPv6 address: IKE, NAT-D and ESP over IPv6, the
    # script told VPNGATEWAY=2001:db8:f::1 (its host route by `ip -6`)
    outer6_counters
    osprey_start_env '^VPNGATEWAY=' "-IPSec gateway" "IPSec gateway $LAB_GW_ADDR6"
    grep -qx "VPNGATEWAY=$LAB_GW_ADDR6" "$LAB_DIR/ip6-env" || fail "VPNGATEWAY was not $LAB_GW_ADDR6"
    lab_exec_client ip -6 route get "$LAB_GW_ADDR6" | grep -q "dev eth0" ||
      fail "no route to the gateway outside the tunnel: $(lab_exec_client ip -6 route get "$LAB_GW_ADDR6")"
    lab_exec_client ping -c 3 -W 2 "$LAB_PROTECTED_HOST" >/dev/null || fail "no IPv4 ping through the tunnel"
    lab_exec_client ping -c 3 -W 2 "$LAB_PROTECTED_HOST6" >/dev/null || fail "no IPv6 ping through the tunnel"
    sas=$(lab_swanctl --list-sas 2>&1)
    echo "$sas" | grep -q "remote.*$LAB_CL_ADDR6" || fail "no IKE SA with $LAB_CL_ADDR6: $sas"
    both_sas_carried "$sas"
    read -r ike6 natt6 esp6 v4 <<<"$(outer6_counts)"
    note "from the client over IPv6: IKE on 500 $ike6, ESP in UDP $natt6, raw ESP $esp6; over IPv4 $v4"
    [ "$ike6" -ge 2 ] || fail "no IKE over IPv6"
    [ "$v4" = 0 ] || fail "$v4 IKE or ESP packets over IPv4"
    # the 6 echo requests at least
    [ $((natt6 + esp6)) -ge 6 ] || fail "no ESP over IPv6 ($natt6 in UDP, $esp6 raw)"
    osprey_stop
    # (vpnc-script leaves one of the two host routes to the gateway it
    # added, over IPv4 as over IPv6: its `ip route del` takes one)
    lab_exec_client ip -6 route get "$LAB_PROTECTED_HOST6" | grep -q "dev tun" &&
      fail "IPv6 still routed into a tunnel"
    : ;;
  ipv6-split-exclude)
    lab_exec_gw ip addr add "$EXCLUDED_HOST6/128" dev lo nodad || fail "cannot add $EXCLUDED_HOST6"
    osprey_start_env '^CISCO_(IPV6_)?SPLIT_EXC'
    grep -qx "CISCO_IPV6_SPLIT_EXC=1" "$LAB_DIR/ip6-env" &&
      grep -qx "CISCO_IPV6_SPLIT_EXC_0_ADDR=${EXCLUDED_NET6%/*}" "$LAB_DIR/ip6-env" &&
      grep -qx "CISCO_IPV6_SPLIT_EXC_0_MASKLEN=${EXCLUDED_NET6#*/}" "$LAB_DIR/ip6-env" ||
      fail "the script got no CISCO_IPV6_SPLIT_EXC for $EXCLUDED_NET6"
    grep -q "^CISCO_SPLIT_EXC" "$LAB_DIR/ip6-env" && fail "an IPv4 exclude made up of the IPv6 one"
    lab_exec_client ip -6 route get "$EXCLUDED_HOST6" | grep -q "dev eth0" ||
      fail "no route for $EXCLUDED_NET6 outside the tunnel: $(lab_exec_client ip -6 route get "$EXCLUDED_HOST6")"
    lab_exec_client ip -6 route get 2001:db8:77::1 | grep -q "dev tun0" || fail "IPv6 not all into the tunnel"
    lab_exec_client nft -f - <<NFT || fail "nft counters"
table ip6 ospx6 {
  chain out {
    type filter hook output priority 0;
    oifname "eth0" ip6 daddr $EXCLUDED_HOST6 icmpv6 type echo-request counter
  }
}
NFT
    outside=$(tun_packets_for "$EXCLUDED_HOST6") || fail "no answer from the excluded $EXCLUDED_HOST6"
    inside=$(tun_packets_for "$LAB_PROTECTED_HOST6") || fail "no ping -6 through the tunnel"
    clear=$(lab_exec_client nft list table ip6 ospx6 | sed -n 's/.*packets \([0-9]*\).*/\1/p')
    note "excluded: $clear echo requests in the clear on eth0, $outside packets on tun0; tunnel: $inside"
    [ "${clear:-0}" -ge 3 ] || fail "the pings to $EXCLUDED_HOST6 did not leave in the clear on eth0"
    [ "$outside" = 0 ] || fail "the pings to $EXCLUDED_HOST6 went into the tunnel"
    [ "$inside" -ge 3 ] || fail "the pings to $LAB_PROTECTED_HOST6 did not go through the tunnel"
    osprey_stop
    lab_exec_client ip -6 route | grep -q "^$EXCLUDED_NET6" && fail "IPv6 exclude route left behind"
    : ;;
  ipv6-outer-raw)
    # raw ESP (IP protocol 50, no UDP) over IPv6: charon's kernel-libipsec
    # always fakes a NAT, so the scripted gateway on 2001:db8:f::1 with
    # NAT-D hashes that show no NAT; it answers the pings inside ESP
    gwbin=${OSPREY_LAB_GATEWAY:-$(dirname "$OSPREYD")/../tests/lab/osp-lab-gateway}
    [ -x "$gwbin" ] || fail "no scripted gateway at $gwbin"
    lab_scripted_gateway_start "$gwbin" --listen "$LAB_GW_ADDR6" --no-nat ||
      fail "the scripted gateway did not start"
    outer6_counters
    osprey_start "-IPSec gateway" "IPSec gateway $LAB_GW_ADDR6"
    osprey_expect_up
    lab_exec_client ping -q -c 5 -i 0.2 -W 2 "$LAB_PROTECTED_HOST" >/dev/null || fail "no ping through the tunnel"
    grep -q "^echo reply [0-9]* raw" "$LAB_DIR/scripted-gw.log" || fail "the gateway answered no raw ESP"
    read -r ike6 natt6 esp6 v4 <<<"$(outer6_counts)"
    note "from the client over IPv6: IKE on 500 $ike6, ESP in UDP $natt6, raw ESP $esp6; over IPv4 $v4"
    [ "$esp6" -ge 5 ] || fail "only $esp6 raw ESP packets over IPv6"
    [ "$natt6" = 0 ] && [ "$v4" = 0 ] || fail "ESP in UDP ($natt6) or over IPv4 ($v4)"
    osprey_stop_quietly ;;
  ipv6-outer-name)
    # a name with several addresses (the client namespace's hosts file),
    # tried in the resolver's order (RFC 6724): 2001:db8:f::3, which
    # nobody has (neighbour discovery fails), first, then the gateway's
    # IPv6 address; and for a second name, then its IPv4 address.  Last an
    # IPv6 gateway without a route to it at all (the resolver sorts such
    # addresses last, a literal one is tried as given): its first
    # retransmission fails at once, and the backup server is next
    printf '%s gw6.lab.example\n%s gw6.lab.example\n%s gw46.lab.example\n%s gw46.lab.example\n' \
      2001:db8:f::3 "$LAB_GW_ADDR6" 2001:db8:f::3 "$LAB_GW_ADDR" >"/etc/netns/$LAB_NS_CL/hosts"
    for name in gw6 gw46; do
      order=$(lab_exec_client getent ahosts "$name.lab.example" | awk '/STREAM/{print $1}' | tr '\n' ' ')
      [ "${order%% *}" = 2001:db8:f::3 ] || fail "the resolver puts $name's unreachable address last: $order"
    done
    osprey_start "-IPSec gateway" "IPSec gateway gw6.lab.example"
    osprey_expect_up
    log_has "Trying gw6.lab.example at its next address $LAB_GW_ADDR6\." ||
      fail "no move to the name's next address logged"
    log_has "gw6.lab.example answered at $LAB_GW_ADDR6, its address 2 of 2\." ||
      fail "the address that answered not named"
    grep -q "connected to $LAB_GW_ADDR6 " "$LAB_DIR/osprey.log" || fail "not connected to $LAB_GW_ADDR6"
    lab_swanctl --list-sas | grep -q "remote.*$LAB_CL_ADDR6" || fail "no IKE SA with $LAB_CL_ADDR6"
    osprey_stop
    osprey_start "-IPSec gateway" "IPSec gateway gw46.lab.example"
    osprey_expect_up
    log_has "Trying gw46.lab.example at its next address $LAB_GW_ADDR\." ||
      fail "no move from the IPv6 address to the IPv4 one logged"
    grep -q "connected to $LAB_GW_ADDR " "$LAB_DIR/osprey.log" || fail "not connected to $LAB_GW_ADDR"
    osprey_stop
    lab_exec_client ip -6 route del default || fail "cannot remove the IPv6 default route"
    lab_exec_client ip -6 route get 2001:db8:e::9 >/dev/null 2>&1 && fail "2001:db8:e::9 still has a route"
    t0=$(now)
    osprey_start "-IPSec gateway" "IPSec gateway 2001:db8:e::9" "Backup servers $LAB_GW_ADDR"
    lab_wait_tunnel 10 || fail "no tunnel within 10 s past a gateway without a route"
    log_has "Trying the backup server $LAB_GW_ADDR\." || fail "no move to the backup server logged"
    note "past a gateway without a route in $(since "$t0") s"
    osprey_stop
    : ;;
  ipv6-split)
    # the gateway names its IPv6 network (INTERNAL_IP6_SUBNET): the script
    # gets CISCO_IPV6_SPLIT_INC and routes only that network into the tunnel
    osprey_start_env '^(INTERNAL_IP6|CISCO_IPV6)'
    grep -q "^CISCO_IPV6_SPLIT_INC=1$" "$LAB_DIR/ip6-env" &&
      grep -q "^CISCO_IPV6_SPLIT_INC_0_ADDR=2001:db8:2::$" "$LAB_DIR/ip6-env" &&
      grep -q "^CISCO_IPV6_SPLIT_INC_0_MASKLEN=64$" "$LAB_DIR/ip6-env" ||
      fail "the script did not get the gateway's IPv6 network as CISCO_IPV6_SPLIT_INC"
    lab_exec_client ip -6 route | grep -q "^2001:db8:2::/64 dev tun0" || fail "no route for $LAB_PROTECTED_NET6 via tun0"
    lab_exec_client ip -6 route | grep -q "^default dev tun0" && fail "all IPv6 routed into a split tunnel"
    lab_exec_client ping -c 2 -W 2 "$LAB_PROTECTED_HOST6" >/dev/null || fail "no ping -6 through the tunnel"
    osprey_stop
    lab_exec_client ip -6 route | grep -q "2001:db8:2::/64" && fail "IPv6 split route left behind"
    : ;;
  ipv6-rekey|ipv6-reauth)
    # the IPv6 pair is rekeyed like the IPv4 one (ipv6-rekey: the gateway
    # every 6 s; our own rekeys are unit-tested), or taken over by each new
    # IKE SA (ipv6-reauth: a 20 s IKE lifetime); IPv6 and IPv4 pings lose
    # nothing meanwhile
    if [ "$SCENARIO" = ipv6-rekey ]; then osprey_start; else osprey_start "IKE lifetime 20"; fi
    osprey_expect_up
    lab_exec_client ping -6 -q -i 0.1 -W 2 -c 300 "$LAB_PROTECTED_HOST6" >"$LAB_DIR/ping6.out" 2>&1 &
    ping6=$!
    ping_steady 30
    wait "$ping6"
    grep -q " 0% packet loss" "$LAB_DIR/ping6.out" ||
      fail "IPv6 packets lost: $(grep loss "$LAB_DIR/ping6.out")"
    est=$(count_log "CHILD_SA lab{[0-9]*} established with .* === 2001:db8:1::")
    if [ "$SCENARIO" = ipv6-rekey ]; then
      [ "$est" -ge 3 ] || fail "only $est IPv6 SAs: not rekeyed"
    else
      [ "$(count_log "IKE_SA lab\[[0-9]*\] established")" -ge 2 ] || fail "no re-authentication"
      [ "$est" = 1 ] || fail "$est IPv6 SAs: negotiated again instead of taken over"
      grep -q "reconnecting" "$LAB_DIR/osprey.log" && fail "reconnected instead of re-authenticating"
    fi
    note "300 IPv6 pings, none lost; $est IPv6 IPsec SAs"
    osprey_stop ;;
  ipv6-inner-dbus)
    # the IPv6 address in the D-Bus connection's IpConfig and osprey status -v
    [ -x "$OSPREY" ] || fail "no osprey command line given"
    lab_bus_start || fail "dbus-daemon did not start"
    lab_ospreyd_start "$OSPREYD" "$OSPREY" || fail "ospreyd did not start"
    lab_write_vpnc_conf "$LAB_DIR/six.conf"
    "$OSPREY" connect --config "$LAB_DIR/six.conf" --timeout 60 >"$LAB_DIR/connect.out" 2>&1 ||
      fail "osprey connect: $(cat "$LAB_DIR/connect.out")"
    lab_wait_tunnel 20 || fail "no ping through the tunnel"
    lab_exec_client ping -c 2 -W 2 "$LAB_PROTECTED_HOST6" >/dev/null || fail "no ping -6 through the tunnel"
    "$OSPREY" status -v six >"$LAB_DIR/status.out" 2>&1 || fail "osprey status -v: $(cat "$LAB_DIR/status.out")"
    grep -Eq "IPv6: +2001:db8:1::[0-9a-f]+/" "$LAB_DIR/status.out" ||
      fail "status -v shows no IPv6 address: $(cat "$LAB_DIR/status.out")"
    note "status -v: $(grep "IPv6" "$LAB_DIR/status.out" | tr -s ' ' | tr '\n' ';')"
    "$OSPREY" status --json six >"$LAB_DIR/status.json" 2>&1 || fail "osprey status --json"
    /usr/bin/python3 - "$LAB_DIR/status.json" <<'PY' || fail "IpConfig over D-Bus lacks the IPv6 keys: $(cat "$LAB_DIR/status.json")"
import json, sys
d = json.load(open(sys.argv[1]))
d = d[0] if isinstance(d, list) else d
ip = d["ip-config"]
assert ip["address6"].startswith("2001:db8:1::"), ip
assert ip["dns6"] == ["2001:db8:2::53"], ip
assert ip["prefix6"] >= 64, ip
PY
    "$OSPREY" disconnect six >/dev/null || fail "osprey disconnect failed"
    ospreyd_stop || fail "ospreyd exit status $? after SIGTERM" ;;
  ipv6-refused)
    # the gateway has an IPv6 pool but no IPv6 selectors: it refuses the
    # second quick mode; the IPv4 tunnel comes up and the log says why
    osprey_start
    osprey_expect_up
    # a line for the user (not only the debug log) says why
    grep -v DEBUG "$LAB_DIR/osprey.log" | grep -q "No IPv6 inside the tunnel: the gateway refused" ||
      fail "no line saying why there is no IPv6"
    note "$(grep -v DEBUG "$LAB_DIR/osprey.log" | grep "No IPv6 inside" | head -1)"
    lab_exec_client ip -6 addr show dev tun0 | grep -q "2001:db8" && fail "tun0 got an IPv6 address without an SA"
    lab_exec_client ping -c 2 -W 2 "$LAB_PROTECTED_HOST" >/dev/null || fail "no IPv4 ping through the tunnel"
    osprey_stop ;;
  *) echo "unknown scenario $SCENARIO" >&2; exit 1 ;;
esac
note "pass"
exit 0
