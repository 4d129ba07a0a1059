#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Osprey test lab: a real strongSwan IKEv1 gateway and a client, each in its
# own network namespace, on one machine.
#
#   namespace osp-cl-ID                    namespace osp-gw-ID
#  +-----------------------+   veth     +-----------------------------------------+
#  | client (vpnc/ospreyd) |            | charon: IKEv1 aggressive PSK + XAUTH +  |
#  | eth0 192.0.2.2/24 ----+------------+- eth0 192.0.2.1/24   Mode Config        |
#  | default via 192.0.2.1 |            |   UDP 500/4500, kernel-libipsec: ESP in |
#  | tun0 198.18.1.x       |            |   userspace on TUN ipsec0               |
#  | private /run          |            | lo 198.51.100.1/32  (protected network  |
#  +-----------------------+            |   198.51.100.0/24: iperf3 :5201, TCP    |
#                                       |   echo :7 with LAB_SERVICES=1)          |
#                                       | pool 198.18.1.10-198.18.1.50, DNS       |
#                                       |   198.51.100.53, banner, corp.example   |
#                                       +-----------------------------------------+
#  LAB_OUTER6=1 gives that link IPv6 too (gateway LAB_GW_ADDR6, client
#  LAB_CL_ADDR6; not with LAB_NAT): IKE and ESP may then go over IPv6.
#  LAB_NAT=1 puts a masquerading router between them (the client must use NAT-T):
#
#  [cl] eth0 203.0.113.2/24 --- in0 203.0.113.1 [osp-nat-ID] out0 192.0.2.2 --- eth0 192.0.2.1 [gw]
#                                        nft masquerade on out0
#
# The gateway drops cleartext packets that reach eth0 for the protected
# network, so a ping to 198.51.100.1 only succeeds through the tunnel.
#
# Use as a library (each function is documented where it is defined):
#   . tests/lab/lab.sh
#   LAB_ESP_PROPOSALS=aes256-sha256-modp2048       # any LAB_* setting, before lab_up
#   trap lab_down EXIT
#   lab_up || exit $?                              # 77: skip (not root, no charon)
#   lab_write_vpnc_conf "$LAB_DIR/lab.conf"
#   lab_spawn_client "$LAB_DIR/client.log" vpnc --no-detach --non-inter "$LAB_DIR/lab.conf"
#   pid=$LAB_SPAWN_PID
#   lab_wait_tunnel 20 && lab_exec_client ping -c 3 "$LAB_PROTECTED_HOST"
#   kill "$pid"; wait "$pid"
#
#   setup      lab_up lab_down lab_check_requirements lab_check_host_resolv
#   gateway    lab_gateway_start lab_gateway_stop lab_gateway_restart lab_gateway_log
#              lab_scripted_gateway_start BIN [ARGS...] lab_scripted_gateway_stop
#              lab_swanctl ARGS... lab_set_loss PERCENT lab_services_start lab_services_stop
#   client     lab_exec_client CMD... lab_spawn_client LOG CMD... lab_write_vpnc_conf FILE
#              lab_wait_tunnel [SECS] [HOST] lab_vpnc_start CONF lab_vpnc_stop
#   others     lab_exec_gw CMD... lab_exec_nat CMD... lab_pid NAME lab_status
#              lab_ns_resolv_initial NS
#   after lab_up: LAB_DIR LAB_NS_GW LAB_NS_CL LAB_NS_NAT LAB_CL_ADDR LAB_VICI
#
# Or as a command:  tests/lab/lab.sh up                (prints the LAB_ID to use below)
#   LAB_ID=N tests/lab/lab.sh status|down|log|conf FILE|exec-client CMD...|exec-gw CMD...
#
# Every namespace gets /etc/netns/NS/resolv.conf before anything runs in it,
# so a vpnc-script inside rewrites that file, never the host's.  Needs root.
# Only documentation/benchmark addresses are used (RFC 5737, RFC 2544).

# ---------------------------------------------------------------------------
# Settings (set before sourcing, or before lab_up / lab_gateway_start)

case ":$PATH:" in
  *:/usr/sbin:*) ;;
  *) PATH="$PATH:/usr/sbin:/sbin" ;; # ip, nft, vpnc live there
esac

: "${_LAB_ID_GIVEN:=${LAB_ID:+1}}"
: "${LAB_ID:=$$}"
: "${LAB_BASE_DIR:=/tmp}"
: "${LAB_NAT:=0}"
: "${LAB_SERVICES:=0}"
: "${LAB_KEEP_DIR:=0}"

: "${LAB_GW_ADDR:=192.0.2.1}"
: "${LAB_OUTER6:=0}"
: "${LAB_GW_ADDR6:=2001:db8:f::1}"
: "${LAB_CL_ADDR6:=2001:db8:f::2}"
: "${LAB_PROTECTED_NET:=198.51.100.0/24}"
: "${LAB_PROTECTED_HOST:=198.51.100.1}"
: "${LAB_POOL:=198.18.1.10-198.18.1.50}"
: "${LAB_DNS:=198.51.100.53}"
# IPv6 inside (empty: none): a second pool, and the gateway's protected
# IPv6 network on its lo (add it to LAB_LOCAL_TS to route it)
: "${LAB_POOL6:=}"                              # e.g. 2001:db8:1::10-2001:db8:1::50
: "${LAB_POOL6_EXTRA:=}"                        # raw swanctl.conf lines for that pool
: "${LAB_PROTECTED_NET6:=2001:db8:2::/64}"
: "${LAB_PROTECTED_HOST6:=2001:db8:2::1}"
: "${LAB_DOMAIN:=corp.example}"
: "${LAB_SPLIT_DNS:=corp.example,lab.example}"
if [ -z "${LAB_BANNER+x}" ]; then
  LAB_BANNER=$'Welcome to the Osprey lab gateway.\nAuthorized users only.'
fi
: "${LAB_GROUP:=osprey-lab}"
: "${LAB_GROUP_SECRET:=lab-group-secret}"
: "${LAB_GW_ID:=gw.lab.example}"
: "${LAB_USER:=alice}"
: "${LAB_PASSWORD:=alice-password}"

: "${LAB_IKE_PROPOSALS:=aes256-sha256-modp2048,aes128-sha1-modp1024,3des-md5-modp1024}"
: "${LAB_ESP_PROPOSALS:=aes256-sha256,aes128-sha1,3des-md5}"
: "${LAB_LOCAL_TS:=$LAB_PROTECTED_NET}"
: "${LAB_XAUTH:=1}"           # 0: the group authenticates with the PSK only (no XAUTH round)
: "${LAB_AUTH:=psk}"          # hybrid: the gateway signs with LAB_GW_CERT / LAB_GW_KEY, then XAUTH
: "${LAB_MAIN_MODE:=0}"       # 1: psk in main mode (aggressive = no; cert always is)
: "${LAB_GW_CERT:=}"          # hybrid: the gateway's certificate (PEM, absolute path)
: "${LAB_GW_KEY:=}"           # hybrid: its private key (PEM, absolute path)
: "${LAB_CLIENT_CA:=}"        # cert (main mode, certificates on both sides, then XAUTH): the
                              # CA of the clients' certificates (PEM, absolute path)
: "${LAB_DPD:=}"              # dpd_delay in seconds (empty: gateway sends no DPD)
: "${LAB_DPD_TIMEOUT:=}"      # dpd_timeout in seconds (IKEv1)
: "${LAB_REKEY_TIME:=}"       # child (ESP) SA rekey_time, e.g. 60s
: "${LAB_LIFE_TIME:=}"        # child (ESP) SA life_time
: "${LAB_IKE_REKEY_TIME:=}"   # connection (IKE SA) rekey_time
: "${LAB_IKE_REAUTH_TIME:=}"  # connection (IKE SA) reauth_time
: "${LAB_CONN_EXTRA:=}"       # raw swanctl.conf lines for the connection
: "${LAB_CHARON_EXTRA:=}"     # raw strongswan.conf lines inside charon { }
: "${LAB_CHILD_EXTRA:=}"      # raw swanctl.conf lines for the child
: "${LAB_POOL_EXTRA:=}"       # raw swanctl.conf lines for the pool
: "${LAB_SECRETS_EXTRA:=}"    # raw swanctl.conf lines for the secrets (more XAUTH users)

: "${LAB_IPERF_PORT:=5201}"
: "${LAB_ECHO_PORT:=7}"
: "${LAB_VPNC_SCRIPT:=/usr/share/vpnc-scripts/vpnc-script}"

LAB_PLUGINS_WANTED="random nonce openssl aes des sha1 sha2 md5 hmac gmp curve25519 kernel-libipsec
kernel-netlink socket-default vici attr xauth-generic unity updown pem pkcs1 pkcs8 x509 pubkey
constraints"

# Derived names; recomputed from LAB_ID by every public function.
_lab_names()
{
  LAB_DIR="$LAB_BASE_DIR/osprey-lab.$LAB_ID"
  LAB_NS_GW="osp-gw-$LAB_ID"
  LAB_NS_CL="osp-cl-$LAB_ID"
  LAB_NS_NAT="osp-nat-$LAB_ID"
  LAB_VICI="$LAB_DIR/charon.vici"
  if [ "$LAB_NAT" = 1 ]; then
    LAB_CL_ADDR=203.0.113.2
    LAB_CL_ROUTER=203.0.113.1
  else
    LAB_CL_ADDR=192.0.2.2
    LAB_CL_ROUTER=$LAB_GW_ADDR
  fi
}
_lab_names

_lab_say() { printf 'lab: %s\n' "$*" >&2; }

_lab_namespaces()
{
  if [ "$LAB_NAT" = 1 ]; then
    echo "$LAB_NS_GW $LAB_NS_NAT $LAB_NS_CL"
  else
    echo "$LAB_NS_GW $LAB_NS_CL"
  fi
}

_lab_charon_bin()
{
  local c
  for c in "${LAB_CHARON:-}" /usr/lib/ipsec/charon /usr/libexec/ipsec/charon /usr/lib/strongswan/charon; do
    if [ -n "$c" ] && [ -x "$c" ]; then
      echo "$c"
      return 0
    fi
  done
  return 1
}

_lab_plugin_dir()
{
  local d
  for d in /usr/lib/ipsec/plugins /usr/libexec/ipsec/plugins /usr/lib/strongswan/plugins; do
    if [ -d "$d" ]; then
      echo "$d"
      return 0
    fi
  done
  return 1
}

# Returns 0, or prints why not and returns 77 (the "skip" exit status).
lab_check_requirements()
{
  local t
  if [ "$(id -u)" != 0 ]; then
    echo "SKIP: the lab needs root (network namespaces)" >&2
    return 77
  fi
  for t in ip swanctl unshare mount nft sha256sum; do
    if ! command -v "$t" >/dev/null 2>&1; then
      echo "SKIP: '$t' is missing (run scripts/install-deps.sh)" >&2
      return 77
    fi
  done
  if ! _lab_charon_bin >/dev/null; then
    echo "SKIP: strongSwan's charon is missing (strongswan-charon)" >&2
    return 77
  fi
  if [ ! -c /dev/net/tun ]; then
    echo "SKIP: /dev/net/tun is missing" >&2
    return 77
  fi
  return 0
}

# Process bookkeeping: $LAB_DIR/pids/NAME holds "PID STARTTIME" so that a
# later `lab.sh down` never signals a recycled PID.
_lab_starttime() { awk '{ print $22 }' "/proc/$1/stat" 2>/dev/null; }

_lab_alive()
{
  local st
  [ -r "/proc/$1/stat" ] || return 1
  st=$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f1)
  [ -n "$st" ] && [ "$st" != Z ] && [ "$st" != X ]
}

_lab_record_pid() { echo "$2 $(_lab_starttime "$2")" >"$LAB_DIR/pids/$1"; }

# lab_pid NAME: the PID of a process the lab started (charon, iperf3, echo).
lab_pid()
{
  _lab_names
  [ -r "$LAB_DIR/pids/$1" ] || return 1
  cut -d' ' -f1 "$LAB_DIR/pids/$1"
}

# _lab_stop_pid PID [STARTTIME]: SIGTERM, wait up to 10 s, then SIGKILL.
_lab_stop_pid()
{
  local pid=$1 start=${2:-}
  _lab_alive "$pid" || { wait "$pid" 2>/dev/null; return 0; }
  if [ -n "$start" ] && [ "$(_lab_starttime "$pid")" != "$start" ]; then
    return 0  # not ours any more
  fi
  kill -TERM "$pid" 2>/dev/null
  for _ in $(seq 100); do
    _lab_alive "$pid" || break
    sleep 0.1
  done
  if _lab_alive "$pid"; then
    _lab_say "PID $pid ignored SIGTERM for 10 s, sending SIGKILL"
    kill -KILL "$pid" 2>/dev/null
    sleep 0.2
  fi
  wait "$pid" 2>/dev/null
  return 0
}

_lab_stop_named()
{
  local f="$LAB_DIR/pids/$1" pid start
  [ -r "$f" ] || return 0
  read -r pid start <"$f"
  [ -n "$pid" ] && _lab_stop_pid "$pid" "$start"
  rm -f "$f"
}

_lab_save_state()
{
  cat >"$LAB_DIR/state" <<EOF
LAB_ID='$LAB_ID'
LAB_NAT='$LAB_NAT'
LAB_HOST_RESOLV_SHA='$LAB_HOST_RESOLV_SHA'
EOF
}

_lab_load_state()
{
  local id=$LAB_ID
  if [ -r "$LAB_DIR/state" ]; then
    # shellcheck disable=SC1091
    . "$LAB_DIR/state"
    LAB_ID=$id
    _lab_names
  fi
}

_lab_resolv_sha() { sha256sum /etc/resolv.conf 2>/dev/null | cut -d' ' -f1; }

# lab_check_host_resolv: 0 if the host's /etc/resolv.conf is what it was at lab_up.
lab_check_host_resolv()
{
  local now
  now=$(_lab_resolv_sha)
  if [ -z "${LAB_HOST_RESOLV_SHA:-}" ]; then
    _lab_names
    _lab_load_state
  fi
  if [ -z "${LAB_HOST_RESOLV_SHA:-}" ]; then
    _lab_say "no recorded checksum of the host's /etc/resolv.conf"
    return 1
  fi
  if [ "$now" != "$LAB_HOST_RESOLV_SHA" ]; then
    _lab_say "HOST /etc/resolv.conf CHANGED (sha256 $LAB_HOST_RESOLV_SHA -> $now)"
    return 1
  fi
  return 0
}

_lab_ns_add()
{
  local ns=$1
  if [ -e "/run/netns/$ns" ]; then
    _lab_say "namespace $ns already exists"
    return 1
  fi
  mkdir -p "/etc/netns/$ns" || return 1
  printf '# osprey lab %s\nnameserver 127.0.0.53\n' "$ns" >"/etc/netns/$ns/resolv.conf" || return 1
  echo "$ns" >>"$LAB_DIR/namespaces"
  ip netns add "$ns" || return 1
  ip -n "$ns" link set lo up
}

# The resolv.conf content lab_up puts into a namespace (to compare against).
lab_ns_resolv_initial() { printf '# osprey lab %s\nnameserver 127.0.0.53\n' "$1"; }

# ---------------------------------------------------------------------------
# Running things in the namespaces

# The command prefix that runs something in the client namespace with a
# private tmpfs on /run (vpnc's pid file, vpnc-script's /var/run/vpnc state,
# and no way to reach the host's D-Bus, systemd-resolved or resolvconf).
# /etc/resolv.conf there is /etc/netns/$LAB_NS_CL/resolv.conf.
_lab_client_prefix()
{
  LAB_CLIENT_EXEC=(ip netns exec "$LAB_NS_CL" unshare -m --propagation private
    sh -c 'mount -t tmpfs -o mode=0755 osprey-lab-run /run && exec "$@"' lab-client)
}

# lab_exec_client CMD...: run CMD in the client namespace, in the foreground.
# Do not put it in the background with & (that would give you the PID of a
# subshell): use lab_spawn_client for that.
lab_exec_client()
{
  _lab_client_prefix
  "${LAB_CLIENT_EXEC[@]}" "$@"
}

# lab_spawn_client LOG CMD...: start CMD in the background in the client
# namespace, stdout and stderr appended to LOG.  Afterwards $! and
# LAB_SPAWN_PID are CMD's own PID (ip, unshare and sh exec into it), ready
# for kill "$LAB_SPAWN_PID"; wait "$LAB_SPAWN_PID".
lab_spawn_client()
{
  local log=$1
  shift
  _lab_client_prefix
  "${LAB_CLIENT_EXEC[@]}" "$@" >>"$log" 2>&1 &
  LAB_SPAWN_PID=$!
}

lab_exec_gw() { ip netns exec "$LAB_NS_GW" "$@"; }
lab_exec_nat() { ip netns exec "$LAB_NS_NAT" "$@"; }

# lab_swanctl ARGS...: swanctl against the lab gateway (--list-sas, --terminate --ike lab, ...)
lab_swanctl() { swanctl "$@" --uri "unix://$LAB_VICI"; }

lab_gateway_log() { echo "$LAB_DIR/charon.log"; }

# ---------------------------------------------------------------------------
# The gateway

_lab_write_gateway_conf()
{
  local pdir p plugins="" banner
  pdir=$(_lab_plugin_dir) || return 1
  for p in $LAB_PLUGINS_WANTED; do
    [ -e "$pdir/libstrongswan-$p.so" ] && plugins="$plugins $p"
  done
  cat >"$LAB_DIR/strongswan.conf" <<EOF
# generated by tests/lab/lab.sh for lab $LAB_ID
charon {
  i_dont_care_about_security_and_use_aggressive_mode_psk = yes
  install_routes = no
  install_virtual_ip = no
  retransmit_tries = 3
$LAB_CHARON_EXTRA
  load =$plugins
  plugins {
    vici {
      socket = unix://$LAB_VICI
    }
  }
  syslog {
    daemon {
      default = -1
    }
    auth {
      default = -1
    }
  }
  filelog {
    lab {
      path = $LAB_DIR/charon.log
      time_format = %H:%M:%S
      ike_name = yes
      append = yes
      flush_line = yes
      default = 1
      ike = 2
      cfg = 2
    }
  }
}
swanctl {
  # the gateway's certificate and key (hybrid) are parsed by swanctl
  load = random nonce pem pkcs1 pkcs8 openssl x509
}
EOF
  # swanctl reads private keys from private/ beside its swanctl.conf
  if [ "$LAB_AUTH" != psk ]; then
    mkdir -p "$LAB_DIR/private" && cp "$LAB_GW_KEY" "$LAB_DIR/private/gw.key" || return 1
  fi
  # and the CAs it trusts from x509ca/
  if [ "$LAB_AUTH" = cert ]; then
    mkdir -p "$LAB_DIR/x509ca" && cp "$LAB_CLIENT_CA" "$LAB_DIR/x509ca/ca.pem" || return 1
  fi
  # swanctl.conf strings: escape backslashes and quotes, newlines as \n
  banner=${LAB_BANNER//\\/\\\\}
  banner=${banner//\"/\\\"}
  banner=${banner//$'\n'/\\n}
  {
    echo "# generated by tests/lab/lab.sh for lab $LAB_ID"
    echo "connections {"
    echo "  lab {"
    echo "    version = 1"
    [ "$LAB_AUTH" = cert ] || [ "$LAB_MAIN_MODE" = 1 ] || echo "    aggressive = yes"
    echo "    proposals = $LAB_IKE_PROPOSALS"
    echo "    pools = lab-pool${LAB_POOL6:+,lab-pool6}"
    [ -n "$LAB_DPD" ] && echo "    dpd_delay = $LAB_DPD"
    [ -n "$LAB_DPD_TIMEOUT" ] && echo "    dpd_timeout = $LAB_DPD_TIMEOUT"
    [ -n "$LAB_IKE_REKEY_TIME" ] && echo "    rekey_time = $LAB_IKE_REKEY_TIME"
    [ -n "$LAB_IKE_REAUTH_TIME" ] && echo "    reauth_time = $LAB_IKE_REAUTH_TIME"
    [ -n "$LAB_CONN_EXTRA" ] && printf '%s\n' "$LAB_CONN_EXTRA"
    if [ "$LAB_AUTH" = cert ]; then
      # main mode: certificates on both sides, then the client's XAUTH
      echo "    local {"
      echo "      auth = pubkey"
      echo "      certs = $LAB_GW_CERT"
      echo "    }"
      echo "    remote {"
      echo "      auth = pubkey"
      echo "    }"
      if [ "$LAB_XAUTH" != 0 ]; then
        echo "    remote-xauth {"
        echo "      auth = xauth"
        echo "    }"
      fi
    elif [ "$LAB_AUTH" = hybrid ]; then
      # hybrid: the gateway's certificate (its subject is its ID), the
      # client's XAUTH only
      echo "    local {"
      echo "      auth = pubkey"
      echo "      certs = $LAB_GW_CERT"
      echo "    }"
      echo "    remote {"
      echo "      auth = xauth"
      echo "    }"
    else
      echo "    local {"
      echo "      auth = psk"
      echo "      id = $LAB_GW_ID"
      echo "    }"
      echo "    remote {"
      echo "      auth = psk"
      echo "    }"
    fi
    if [ "$LAB_XAUTH" != 0 ] && [ "$LAB_AUTH" = psk ]; then
      echo "    remote-xauth {"
      echo "      auth = xauth"
      echo "    }"
    fi
    echo "    children {"
    echo "      lab {"
    echo "        local_ts = $LAB_LOCAL_TS"
    echo "        esp_proposals = $LAB_ESP_PROPOSALS"
    [ -n "$LAB_REKEY_TIME" ] && echo "        rekey_time = $LAB_REKEY_TIME"
    [ -n "$LAB_LIFE_TIME" ] && echo "        life_time = $LAB_LIFE_TIME"
    [ -n "$LAB_CHILD_EXTRA" ] && printf '%s\n' "$LAB_CHILD_EXTRA"
    echo "      }"
    echo "    }"
    echo "  }"
    echo "}"
    echo "pools {"
    echo "  lab-pool {"
    echo "    addrs = $LAB_POOL"
    echo "    dns = $LAB_DNS"
    [ -n "$LAB_BANNER" ] && echo "    28672 = \"$banner\""
    [ -n "$LAB_DOMAIN" ] && echo "    28674 = \"$LAB_DOMAIN\""
    [ -n "$LAB_SPLIT_DNS" ] && echo "    28675 = \"$LAB_SPLIT_DNS\""
    [ -n "$LAB_POOL_EXTRA" ] && printf '%s\n' "$LAB_POOL_EXTRA"
    echo "  }"
    if [ -n "$LAB_POOL6" ]; then
      echo "  lab-pool6 {"
      echo "    addrs = $LAB_POOL6"
      [ -n "$LAB_POOL6_EXTRA" ] && printf '%s\n' "$LAB_POOL6_EXTRA"
      echo "  }"
    fi
    echo "}"
    echo "secrets {"
    echo "  ike-group {"
    echo "    id-gw = $LAB_GW_ID"
    echo "    id-group = $LAB_GROUP"
    echo "    secret = \"$LAB_GROUP_SECRET\""
    echo "  }"
    echo "  xauth-user {"
    echo "    id = $LAB_USER"
    echo "    secret = \"$LAB_PASSWORD\""
    echo "  }"
    [ -n "$LAB_SECRETS_EXTRA" ] && printf '%s\n' "$LAB_SECRETS_EXTRA"
    echo "}"
  } >"$LAB_DIR/swanctl.conf"
}

# lab_gateway_start: write the configuration from the LAB_* variables, start
# a private charon in the gateway namespace and load the configuration.
lab_gateway_start()
{
  local charon
  _lab_names
  charon=$(_lab_charon_bin) || { _lab_say "charon not found"; return 1; }
  if [ -r "$LAB_DIR/pids/charon" ]; then
    _lab_say "the gateway is already running (lab_gateway_restart?)"
    return 1
  fi
  _lab_write_gateway_conf || return 1
  rm -f "$LAB_VICI"
  echo "=== charon start $(date '+%F %T')" >>"$LAB_DIR/charon.log"
  # exec chain ip -> unshare -> sh -> charon: $! is charon's PID
  # shellcheck disable=SC2016 # $1 and $2 are sh's
  ip netns exec "$LAB_NS_GW" unshare -m --propagation private \
    sh -c 'mount -t tmpfs -o mode=0755 osprey-lab-run /run && exec env STRONGSWAN_CONF="$1" "$2"' \
    lab-gw "$LAB_DIR/strongswan.conf" "$charon" >>"$LAB_DIR/charon.out" 2>&1 &
  _lab_record_pid charon $!
  for _ in $(seq 100); do
    [ -S "$LAB_VICI" ] && break
    if ! _lab_alive "$(lab_pid charon)"; then
      _lab_say "charon exited at start; see $LAB_DIR/charon.out"
      tail -n 20 "$LAB_DIR/charon.out" >&2
      rm -f "$LAB_DIR/pids/charon"
      return 1
    fi
    sleep 0.1
  done
  if [ ! -S "$LAB_VICI" ]; then
    _lab_say "charon's vici socket did not appear"
    lab_gateway_stop
    return 1
  fi
  if ! STRONGSWAN_CONF="$LAB_DIR/strongswan.conf" \
    swanctl --load-all --noprompt --uri "unix://$LAB_VICI" --file "$LAB_DIR/swanctl.conf" \
    >"$LAB_DIR/swanctl-load.log" 2>&1; then
    _lab_say "swanctl --load-all failed:"
    cat "$LAB_DIR/swanctl-load.log" >&2
    lab_gateway_stop
    return 1
  fi
  # kernel-libipsec routes each virtual IP into its TUN device ipsec0 itself
  # (table 220), even with install_routes = no.
  return 0
}

# lab_gateway_stop: SIGTERM charon by PID, wait for it, remove the vici socket.
lab_gateway_stop()
{
  _lab_names
  _lab_stop_named charon
  rm -f "$LAB_VICI"
}

# lab_gateway_kill: SIGKILL charon (a crash or power loss: no Delete sent).
lab_gateway_kill()
{
  local pid
  _lab_names
  pid=$(lab_pid charon) || return 0
  kill -KILL "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
  for _ in $(seq 50); do _lab_alive "$pid" || break; sleep 0.1; done
  rm -f "$LAB_DIR/pids/charon" "$LAB_VICI"
}

lab_gateway_restart()
{
  lab_gateway_stop
  lab_gateway_start
}

# lab_scripted_gateway_start BIN [ARGS...]: instead of charon, the scripted
# gateway of tests/unit on UDP 500/4500 (BIN: build/tests/lab/osp-lab-gateway,
# see its header: token codes, new PIN, a chosen Mode Config), with the lab's
# group, secret, user and password; ARGS are its own options.  One event a
# line in $LAB_DIR/scripted-gw.log; returns once it listens.
lab_scripted_gateway_start()
{
  local bin=$1 log from
  shift
  _lab_names
  lab_gateway_stop
  _lab_stop_named scripted-gw
  log=$LAB_DIR/scripted-gw.log
  echo "=== start $(date '+%F %T') $*" >>"$log"
  from=$(wc -l <"$log")
  ip netns exec "$LAB_NS_GW" "$bin" --listen "$LAB_GW_ADDR" --group "$LAB_GROUP" \
    --secret "$LAB_GROUP_SECRET" --user "$LAB_USER" --password "$LAB_PASSWORD" "$@" \
    >>"$log" 2>&1 &
  _lab_record_pid scripted-gw $!
  for _ in $(seq 100); do
    tail -n "+$((from + 1))" "$log" | grep -q '^ready' && return 0
    _lab_alive "$(lab_pid scripted-gw)" || break
    sleep 0.05
  done
  _lab_say "the scripted gateway did not start; see $log"
  tail -n 5 "$log" >&2
  _lab_stop_named scripted-gw
  return 1
}

lab_scripted_gateway_stop() { _lab_names; _lab_stop_named scripted-gw; }

# ---------------------------------------------------------------------------
# Services on the protected network (LAB_SERVICES=1 starts them in lab_up)

lab_services_start()
{
  _lab_names
  if [ ! -r "$LAB_DIR/pids/iperf3" ] && command -v iperf3 >/dev/null; then
    ip netns exec "$LAB_NS_GW" iperf3 --server --bind "$LAB_PROTECTED_HOST" \
      --port "$LAB_IPERF_PORT" >>"$LAB_DIR/iperf3.log" 2>&1 &
    _lab_record_pid iperf3 $!
  fi
  if [ ! -r "$LAB_DIR/pids/echo" ]; then
    if command -v socat >/dev/null; then
      ip netns exec "$LAB_NS_GW" socat \
        "TCP-LISTEN:$LAB_ECHO_PORT,bind=$LAB_PROTECTED_HOST,reuseaddr,fork" EXEC:cat \
        >>"$LAB_DIR/echo.log" 2>&1 &
      _lab_record_pid echo $!
    else
      _lab_say "socat missing: no TCP echo service on $LAB_PROTECTED_HOST:$LAB_ECHO_PORT"
    fi
  fi
  # wait until iperf3 listens
  for _ in $(seq 50); do
    [ -n "$(ip netns exec "$LAB_NS_GW" ss -Hltn "sport = :$LAB_IPERF_PORT" 2>/dev/null)" ] && break
    sleep 0.1
  done
  return 0
}

lab_services_stop()
{
  _lab_names
  _lab_stop_named iperf3
  _lab_stop_named echo
}

# lab_set_loss PERCENT: drop PERCENT % of UDP packets (IKE and ESP-in-UDP),
# each direction on its own (a ping round trip is lost more often),
# in and out of the gateway's outer interface; 0 removes the rule.
lab_set_loss()
{
  local pct=$1
  ip netns exec "$LAB_NS_GW" nft delete table inet osprey_lab_loss 2>/dev/null
  [ "$pct" -gt 0 ] 2>/dev/null || return 0
  ip netns exec "$LAB_NS_GW" nft -f - <<EOF
table inet osprey_lab_loss {
  chain in {
    type filter hook input priority -10; policy accept;
    iifname "eth0" meta l4proto udp numgen random mod 100 < $pct drop
  }
  chain out {
    type filter hook output priority -10; policy accept;
    oifname "eth0" meta l4proto udp numgen random mod 100 < $pct drop
  }
}
EOF
}

# lab_set_duplicate on|off: the gateway sends every UDP datagram to the
# client twice (IKE messages and ESP in UDP alike); nft's dup statement.
lab_set_duplicate()
{
  local to=$LAB_CL_ADDR
  [ "$LAB_NAT" = 1 ] && to=192.0.2.2
  ip netns exec "$LAB_NS_GW" nft delete table ip osprey_lab_dup 2>/dev/null
  [ "$1" = on ] || return 0
  ip netns exec "$LAB_NS_GW" nft -f - <<EOF
table ip osprey_lab_dup {
  chain out {
    type filter hook output priority 0; policy accept;
    oifname "eth0" meta l4proto udp ip daddr $to dup to $to device "eth0"
  }
}
EOF
}

# ---------------------------------------------------------------------------
# Up and down

lab_up()
{
  local rc ns
  _lab_names
  lab_check_requirements || return $?
  if [ -e "$LAB_DIR/state" ]; then
    _lab_say "lab $LAB_ID is already up ($LAB_DIR)"
    return 1
  fi
  mkdir -p "$LAB_DIR/pids" || return 1
  chmod 0700 "$LAB_DIR"
  : >"$LAB_DIR/namespaces"
  LAB_HOST_RESOLV_SHA=$(_lab_resolv_sha)
  _lab_save_state
  rc=0
  _lab_build_net || rc=1
  if [ $rc = 0 ]; then
    lab_gateway_start || rc=1
  fi
  if [ $rc = 0 ] && [ "$LAB_SERVICES" = 1 ]; then
    lab_services_start || rc=1
  fi
  if [ $rc != 0 ]; then
    _lab_say "lab_up failed; tearing down"
    LAB_KEEP_DIR=1 lab_down
    return 1
  fi
  for ns in $(_lab_namespaces); do
    _lab_say "namespace $ns up"
  done
  return 0
}

_lab_build_net()
{
  local ns
  for ns in $(_lab_namespaces); do
    _lab_ns_add "$ns" || return 1
  done
  if [ "$LAB_NAT" = 1 ]; then
    ip -n "$LAB_NS_CL" link add eth0 type veth peer name in0 netns "$LAB_NS_NAT" || return 1
    ip -n "$LAB_NS_NAT" link add out0 type veth peer name eth0 netns "$LAB_NS_GW" || return 1
    ip -n "$LAB_NS_NAT" addr add 203.0.113.1/24 dev in0 || return 1
    ip -n "$LAB_NS_NAT" addr add 192.0.2.2/24 dev out0 || return 1
    ip -n "$LAB_NS_NAT" link set in0 up || return 1
    ip -n "$LAB_NS_NAT" link set out0 up || return 1
    ip -n "$LAB_NS_NAT" route add default via "$LAB_GW_ADDR" || return 1
    ip netns exec "$LAB_NS_NAT" sh -c 'echo 1 > /proc/sys/net/ipv4/ip_forward' || return 1
    ip netns exec "$LAB_NS_NAT" nft -f - <<'EOF' || return 1
table ip osprey_lab_nat {
  chain postrouting {
    type nat hook postrouting priority srcnat; policy accept;
    oifname "out0" masquerade
  }
}
EOF
  else
    ip -n "$LAB_NS_CL" link add eth0 type veth peer name eth0 netns "$LAB_NS_GW" || return 1
  fi
  ip -n "$LAB_NS_CL" addr add "$LAB_CL_ADDR/24" dev eth0 || return 1
  ip -n "$LAB_NS_CL" link set eth0 up || return 1
  ip -n "$LAB_NS_CL" route add default via "$LAB_CL_ROUTER" || return 1
  if [ "$LAB_OUTER6" = 1 ]; then
    if [ "$LAB_NAT" = 1 ]; then
      _lab_say "LAB_OUTER6 does not go with LAB_NAT"
      return 1
    fi
    # nodad: usable at once, no duplicate address detection to wait for
    ip -n "$LAB_NS_CL" addr add "$LAB_CL_ADDR6/64" dev eth0 nodad || return 1
    ip -n "$LAB_NS_GW" addr add "$LAB_GW_ADDR6/64" dev eth0 nodad || return 1
    ip -n "$LAB_NS_CL" -6 route add default via "$LAB_GW_ADDR6" || return 1
  fi

  ip -n "$LAB_NS_GW" addr add "$LAB_GW_ADDR/24" dev eth0 || return 1
  ip -n "$LAB_NS_GW" link set eth0 up || return 1
  ip -n "$LAB_NS_GW" addr add "$LAB_PROTECTED_HOST/32" dev lo || return 1
  ip -n "$LAB_NS_GW" addr add "$LAB_PROTECTED_HOST6/128" dev lo nodad || return 1
  # Only the tunnel may reach the protected networks: drop cleartext.
  ip netns exec "$LAB_NS_GW" nft -f - <<EOF || return 1
table inet osprey_lab_gw {
  chain input {
    type filter hook input priority 0; policy accept;
    iifname "eth0" ip daddr $LAB_PROTECTED_NET drop
    iifname "eth0" ip6 daddr $LAB_PROTECTED_NET6 drop
  }
}
EOF
  return 0
}

# lab_down: stop everything the lab started (by PID), remove namespaces,
# their /etc/netns directories and (unless LAB_KEEP_DIR=1) $LAB_DIR.
# Safe to call more than once.
lab_down()
{
  local ns pid nslist
  _lab_names
  _lab_load_state
  [ -d "$LAB_DIR/pids" ] && {
    lab_services_stop
    lab_gateway_stop
    lab_scripted_gateway_stop
  }
  nslist=$(_lab_namespaces)
  [ -r "$LAB_DIR/namespaces" ] && nslist="$nslist $(cat "$LAB_DIR/namespaces")"
  # shellcheck disable=SC2086 # word splitting wanted
  for ns in $(printf '%s\n' $nslist | sort -u); do
    if [ -e "/run/netns/$ns" ]; then
      for pid in $(ip netns pids "$ns" 2>/dev/null); do
        _lab_say "process $pid ($(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null)) still in $ns; stopping it"
        _lab_stop_pid "$pid"
      done
      ip netns del "$ns" 2>/dev/null || _lab_say "could not delete namespace $ns"
    fi
    case $ns in
      osp-*) rm -rf "/etc/netns/$ns" ;;
    esac
  done
  if [ "$LAB_KEEP_DIR" != 1 ] && [ -d "$LAB_DIR" ]; then
    rm -rf "$LAB_DIR"
  else
    rm -f "$LAB_DIR/state"
  fi
  return 0
}

# ---------------------------------------------------------------------------
# Client helpers

# lab_write_vpnc_conf FILE [LINE...]: a vpnc .conf for this lab; extra
# arguments are appended as lines.  Override a value for one call with e.g.
# `LAB_PASSWORD=wrong lab_write_vpnc_conf f`.
lab_write_vpnc_conf()
{
  local f=$1 l
  shift
  {
    echo "# Osprey lab $LAB_ID"
    echo "IPSec gateway $LAB_GW_ADDR"
    echo "IPSec ID $LAB_GROUP"
    echo "IPSec secret $LAB_GROUP_SECRET"
    echo "Xauth username $LAB_USER"
    echo "Xauth password $LAB_PASSWORD"
    echo "Script $LAB_VPNC_SCRIPT"
    for l in "$@"; do
      echo "$l"
    done
  } >"$f" && chmod 0600 "$f"
}

# lab_wait_tunnel [TIMEOUT_S] [HOST]: wait until HOST (default
# 198.51.100.1) answers a ping from the client namespace.  Polls every 20 ms
# for a route to HOST through a tunnel device (tun*), then pings with
# a fresh process each time (a ping started before the tunnel keeps its old
# source address and would never get an answer).
lab_wait_tunnel()
{
  local t=${1:-20} host=${2:-$LAB_PROTECTED_HOST} end route
  end=$((SECONDS + t))
  while :; do
    route=$(ip -n "$LAB_NS_CL" -o route get "$host" 2>/dev/null)
    # only through a tunnel device: other paths may reach the protected net in the clear
    case $route in
      *" dev tun"*)
        if ip netns exec "$LAB_NS_CL" ping -q -n -c 1 -W 0.2 "$host" >/dev/null 2>&1; then
          return 0
        fi
        ;;
    esac
    [ $SECONDS -lt $end ] || return 1
    sleep 0.02
  done
}

# lab_vpnc_start CONF [VPNC-ARGS...]: start the reference client in the
# client namespace; sets LAB_VPNC_PID; output in $LAB_DIR/vpnc.log.
lab_vpnc_start()
{
  local conf=$1
  shift
  lab_spawn_client "$LAB_DIR/vpnc.log" vpnc --no-detach --non-inter --local-port 0 "$@" "$conf"
  LAB_VPNC_PID=$LAB_SPAWN_PID
}

lab_vpnc_stop()
{
  [ -n "${LAB_VPNC_PID:-}" ] && _lab_stop_pid "$LAB_VPNC_PID"
  LAB_VPNC_PID=
}

lab_status()
{
  local ns n
  _lab_names
  _lab_load_state
  if [ ! -d "$LAB_DIR" ]; then
    echo "lab $LAB_ID: down"
    return 1
  fi
  echo "lab $LAB_ID: dir $LAB_DIR, NAT=$LAB_NAT"
  for ns in $(_lab_namespaces); do
    echo "--- $ns"
    ip -n "$ns" -br addr 2>/dev/null
  done
  for n in charon iperf3 echo; do
    [ -r "$LAB_DIR/pids/$n" ] && echo "$n: PID $(lab_pid "$n")"
  done
  [ -S "$LAB_VICI" ] && lab_swanctl --list-sas 2>/dev/null
  return 0
}

# ---------------------------------------------------------------------------
# Command mode

_lab_main()
{
  local cmd=${1:-}
  [ $# -gt 0 ] && shift
  case $cmd in
    up)
      lab_up || exit $?
      echo "lab up: LAB_ID=$LAB_ID ($LAB_DIR); client namespace $LAB_NS_CL, gateway $LAB_NS_GW"
      echo "tear down with: LAB_ID=$LAB_ID $0 down"
      ;;
    down) lab_down ;;
    status) lab_status ;;
    log) cat "$(lab_gateway_log)" ;;
    conf)
      [ $# -ge 1 ] || { echo "usage: $0 conf FILE" >&2; exit 2; }
      lab_write_vpnc_conf "$@"
      ;;
    exec-client) lab_exec_client "$@" ;;
    exec-gw) lab_exec_gw "$@" ;;
    swanctl) lab_swanctl "$@" ;;
    gateway-restart) lab_gateway_restart ;;
    *)
      cat >&2 <<EOF
usage: $0 up | down | status | log | conf FILE | exec-client CMD... | exec-gw CMD...
       | swanctl ARGS... | gateway-restart
Commands other than 'up' need LAB_ID of a running lab (printed by 'up').
Settings come from LAB_* variables; see the top of this file.
EOF
      exit 2
      ;;
  esac
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  case ${1:-} in
    up | "" | -h | --help) ;;
    *)
      if [ -z "$_LAB_ID_GIVEN" ]; then
        echo "$0 $1: set LAB_ID to the id printed by '$0 up'" >&2
        exit 2
      fi
      ;;
  esac
  _lab_main "$@"
fi
