# SPDX-License-Identifier: GPL-2.0-or-later
#
# Measurements for tests/bench/bench.sh (sourced after tests/lab/lab.sh and
# lab_up).  Each function prints its figures on one line, "n/a" where a
# figure could not be taken; none of them asserts anything.
#
#   bench_start osprey|vpnc       the client in the lab's client namespace;
#                                 sets CLIENT_PID, returns once a ping passes
#   bench_stop                    SIGTERM it and wait
#   bench_connect WHO             "to_address to_ping" seconds of one connect:
#                                 process start to the tunnel address in place
#                                 (ip monitor's timestamp), and to a first ping
#   bench_iperf WHO ARGS...       "mbit bytes cpu_s_per_gb pps" of one iperf3
#                                 run through the tunnel (the receiver's view)
#   bench_lowrate WHO             "mbit cpu_s_per_gb lost/sent pings" at 10 Mbit/s
#                                 UDP each way plus 20 pings/s
#   bench_openssl_cost CIPHER DIR OpenSSL's own s/GB for AES-CBC + HMAC-SHA1
#                                 (openssl speed -evp, 1400-byte blocks)
#   bench_esp_cost SUITE DIR      client/osp-esp.c's own s/GB for SUITE (as
#                                 osp-esp-bench names it), 1400-byte packets

TICK=$(getconf CLK_TCK)
: "${BENCH_SECS:=10}"
# the low rate moves little: long enough for the 10 ms CPU ticks of /proc
: "${BENCH_LOW_SECS:=30}"

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null || echo 0; }
rss_kb() { awk '/^VmRSS/ {print $2}' "/proc/$1/status" 2>/dev/null; }
median() { sort -g | awk '{a[NR]=$1} END {if (!NR) print "n/a"; else print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }

bench_spawn()
{
  case $1 in
    osprey) lab_spawn_client "$LAB_DIR/osprey.log" "$OSPREYD" --foreground --config "$LAB_DIR/lab.conf" </dev/null ;;
    vpnc) lab_spawn_client "$LAB_DIR/vpnc.log" vpnc --no-detach --non-inter --local-port 0 "$LAB_DIR/lab.conf" </dev/null ;;
  esac
  CLIENT_PID=$LAB_SPAWN_PID
}

bench_stop()
{
  [ -n "${CLIENT_PID:-}" ] || return 0
  kill "$CLIENT_PID" 2>/dev/null
  wait "$CLIENT_PID" 2>/dev/null
  CLIENT_PID=
  # let the gateway forget the old SAs before the next client
  sleep 0.5
}

bench_start()
{
  bench_spawn "$1"
  lab_wait_tunnel 30 && return 0
  echo "bench: $1 did not connect (logs in $LAB_DIR)" >&2
  bench_stop
  return 1
}

bench_connect()
{
  local who=$1 mon t0 t1 addr
  mon=$LAB_DIR/monitor.log
  : >"$mon"
  ip -n "$LAB_NS_CL" -ts monitor address >"$mon" 2>/dev/null &
  local mon_pid=$!
  sleep 0.2 # ip monitor subscribed
  t0=$(date +%s.%N)
  bench_spawn "$who"
  if lab_wait_tunnel 30; then
    t1=$(date +%s.%N)
  else
    t1=
  fi
  bench_stop
  kill "$mon_pid" 2>/dev/null
  wait "$mon_pid" 2>/dev/null
  # "[2026-12-02T03:58:00.123456] 5: tun0    inet 198.18.1.10/32 ...": the first
  # IPv4 address on a tunnel device (local time, as date prints it)
  addr=$(python3 - "$mon" "$t0" <<'EOF'
import datetime, re, sys
t0 = float(sys.argv[2])
for line in open(sys.argv[1], errors="replace"):
    m = re.match(r"\[([0-9T:.-]+)\]\s+\d+: tun\S*\s+inet ", line)
    if m and not line.split("]", 1)[1].lstrip().startswith("Deleted"):
        print("%.3f" % (datetime.datetime.fromisoformat(m.group(1)).timestamp() - t0))
        break
else:
    print("n/a")
EOF
)
  if [ -n "$t1" ]; then
    echo "$addr $(printf %.3f "$(echo "$t1 - $t0" | bc -l)")"
  else
    echo "$addr n/a"
  fi
}

# bench_iperf_parse JSON_FILE CPU_S: "mbit bytes cpu_s_per_gb pps"
bench_iperf_parse()
{
  python3 - "$1" "$2" <<'EOF'
import json, sys
try:
    txt = open(sys.argv[1], errors="replace").read()
    d = json.loads(txt[txt.index("{"):])
    e = d["end"]
except Exception:
    print("n/a n/a n/a n/a"); sys.exit()
cpu = float(sys.argv[2])
ts = d["start"]["test_start"]
if ts["protocol"] == "TCP":
    r = e["sum_received"]
    b, s, pkts = r["bytes"], r["seconds"], None
else:  # UDP: what the receiving side counted (bidir: both directions)
    b = pkts = 0
    s = e["sum"]["seconds"]
    for k in ("sum", "sum_bidir_reverse"):
        r = e.get(k, {})
        p = r.get("packets", 0) - r.get("lost_packets", 0)
        pkts += p
        b += p * ts["blksize"]
fmt = lambda v, f: f % v if v is not None else "n/a"
print("%.1f" % (b * 8 / s / 1e6) if s else "n/a", b, "%.2f" % (cpu / (b / 1e9)) if b else "n/a",
      fmt(pkts / s if pkts is not None else None, "%.0f"))
EOF
}

# "passes pings" or "DEAD (no ping answered)": after a run that failed
bench_tunnel_state()
{
  if lab_exec_client ping -q -c 3 -i 0.2 -W 1 "$LAB_PROTECTED_HOST" >/dev/null 2>&1; then
    echo "passes pings"
  else
    echo "DEAD (no ping answered)"
  fi
}

bench_iperf()
{
  local who=$1 c0 c1 out=$LAB_DIR/iperf.json
  shift
  c0=$(cpu_ticks "$CLIENT_PID")
  # iperf3 3.12 spins for ever when its control connection dies with the
  # tunnel: a run that outlasts its time by a minute is ended and said
  lab_exec_client timeout $((BENCH_SECS + 60)) iperf3 -c "$LAB_PROTECTED_HOST" -t "$BENCH_SECS" -J "$@" >"$out" 2>&1 ||
    echo "bench: iperf3 $* through $who failed or hung (ended); the tunnel: $(bench_tunnel_state)" >&2
  c1=$(cpu_ticks "$CLIENT_PID")
  bench_iperf_parse "$out" "$(echo "($c1 - $c0) / $TICK" | bc -l)"
}

bench_lowrate()
{
  local who=$1 c0 c1 out=$LAB_DIR/lowrate.json ping=$LAB_DIR/lowrate-ping.log ping_pid
  c0=$(cpu_ticks "$CLIENT_PID")
  lab_exec_client ping -n -q -i 0.05 -c $((BENCH_LOW_SECS * 20)) "$LAB_PROTECTED_HOST" >"$ping" 2>&1 &
  ping_pid=$!
  lab_exec_client timeout $((BENCH_LOW_SECS + 60)) iperf3 -c "$LAB_PROTECTED_HOST" -u -b 10M --bidir -t "$BENCH_LOW_SECS" -J >"$out" 2>&1 ||
    echo "bench: low-rate iperf3 through $who failed or hung (ended); the tunnel: $(bench_tunnel_state)" >&2
  wait "$ping_pid"
  c1=$(cpu_ticks "$CLIENT_PID")
  read -r mbit _ cpu _ < <(bench_iperf_parse "$out" "$(echo "($c1 - $c0) / $TICK" | bc -l)")
  echo "$mbit $cpu $(awk '/packets transmitted/ {print $1 - $4 "/" $1}' "$ping")"
}

# OpenSSL's cost of the ESP work per GB of 1400-byte packets: the cipher
# (encrypt for DIR=up, decrypt for down) plus HMAC-SHA1 over each packet.
bench_openssl_cost()
{
  local cipher=$1 dir=$2 enc mac flag=
  [ "$dir" = down ] && flag=-decrypt
  enc=$(openssl speed -evp "$cipher" $flag -bytes 1400 -seconds 1 -mr 2>/dev/null |
    awk -F: '/^\+F:/ {print $4}')
  mac=$(openssl speed -hmac sha1 -bytes 1400 -seconds 1 -mr 2>/dev/null | awk -F: '/^\+F:/ {print $4}')
  python3 -c "e, m = float('${enc:-0}'), float('${mac:-0}'); print('%.2f' % (1e9 / e + 1e9 / m) if e and m else 'n/a')"
}

# client/osp-esp.c alone, as the datapath calls it, without the system
# calls around it: osp-esp-bench's CPU ns per packet of encryption (up)
# or decryption (down) over 1400 bytes.  Its rows end with "enc ns e+d
# MB/s e+d/cpu e+d ns dec ns".
bench_esp_cost()
{
  local suite=$1 dir=$2
  [ -x "${ESP_BENCH:-}" ] || { echo n/a; return; }
  [ -n "${ESP_BENCH_OUT:-}" ] || ESP_BENCH_OUT=$("$ESP_BENCH" -s 1400 2>/dev/null)
  awk -v s="$suite" -v d="$dir" 'index($0, s " ") == 1 && substr($0, length(s) + 1, 2) == "  " {
      printf "%.2f\n", (d == "up" ? $(NF - 4) : $NF) / 1400; f = 1 }
    END { if (!f) print "n/a" }' <<<"$ESP_BENCH_OUT"
}
