#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Soak benchmark: Osprey against vpnc under a gateway that rekeys the
# IPsec SA about every 20 s and runs DPD, with traffic all the time (not
# part of the test suite; run by hand as root):
#
#   tests/bench/soak.sh build/daemon/ospreyd [SECONDS]      (default 600)
#
# Each client in turn (ospreyd --foreground, then vpnc) gets a fresh lab
# (tests/lab/lab.sh) with the same gateway: child SA rekey_time 20 s,
# rand_time 2 s, life_time 26 s; dpd_delay 10 s, dpd_timeout 30 s; ESP
# aes128-sha1 for both (what vpnc speaks, as in bench.sh).  For SECONDS the
# client carries a ping every 0.05 s to the protected host and an iperf3
# stream in both directions at once (UDP, 10 Mbit/s each way by default).
# Printed per client and then side by side with the Osprey/vpnc ratio:
# rekeys (CHILD_SA established in the gateway's log minus the first; for
# Osprey also from its own log), pings lost, longest time without a reply, iperf3
# throughput and datagram loss, the client's VmRSS right after connecting,
# at the end and its growth, its CPU seconds over the run, its open file
# descriptors.  A client that loses its tunnel or exits is reported as
# such ("tunnel lost after N s") and the run goes on.
#
# Settings (environment):
#   SOAK_PROTO=udp|tcp     iperf3 stream (default udp)
#   SOAK_RATE=10M          iperf3 rate per direction (-b; TCP is paced too)
#   SOAK_CLIENTS="osprey vpnc"
#   SOAK_LOGS=DIR          keep each run's gateway, client, ping and iperf3 logs there
#   LAB_REKEY_TIME, LAB_LIFE_TIME, LAB_CHILD_EXTRA, LAB_DPD, LAB_DPD_TIMEOUT,
#   LAB_IKE_REKEY_TIME, LAB_ESP_PROPOSALS: the gateway (tests/lab/lab.sh)
#
# The machine the lab runs on is shared and small: throughput and CPU
# figures are noisy; charon's userspace ESP is usually the bottleneck.
set -u

if [ $# -lt 1 ] || [ ! -x "$1" ]; then
  echo "usage: $0 OSPREYD [SECONDS]" >&2
  exit 2
fi
OSPREYD=$(readlink -f "$1")
SECS=${2:-600}
case $SECS in
  '' | *[!0-9]*) echo "$0: SECONDS must be a number" >&2; exit 2 ;;
esac
HERE=$(cd "$(dirname "$0")" && pwd)

LAB_SERVICES=1
LAB_ESP_PROPOSALS=${LAB_ESP_PROPOSALS:-aes128-sha1}
LAB_REKEY_TIME=${LAB_REKEY_TIME:-20s}
LAB_LIFE_TIME=${LAB_LIFE_TIME:-26s}
# strongSwan subtracts a random 0..rand_time from rekey_time (by default
# 0..life-rekey); keep the interval close to 20 s
LAB_CHILD_EXTRA=${LAB_CHILD_EXTRA-"        rand_time = 2s"}
LAB_DPD=${LAB_DPD:-10s}
LAB_DPD_TIMEOUT=${LAB_DPD_TIMEOUT:-30s}
SOAK_PROTO=${SOAK_PROTO:-udp}
SOAK_RATE=${SOAK_RATE:-10M}
SOAK_CLIENTS=${SOAK_CLIENTS:-osprey vpnc}
SOAK_LOGS=${SOAK_LOGS:-}
PING_INTERVAL=0.05
PING_PER_S=20

. "$HERE/../lab/lab.sh"

BASE_ID=$LAB_ID
TICK=$(getconf CLK_TCK)
HOST_RESOLV0=$(sha256sum /etc/resolv.conf 2>/dev/null | cut -d' ' -f1)
RESOLV_OK=1
declare -A R       # results, R[who.key]
declare -A MINE    # PID -> start time of every process this script started

say() { printf 'soak: %s\n' "$*" >&2; }

track() { MINE[$1]=$(_lab_starttime "$1"); }

# stop PID: SIGTERM (SIGKILL after 10 s) if it is still the process we started
stop() {
  local pid=$1
  [ -n "$pid" ] && [ -n "${MINE[$pid]+x}" ] || return 0
  _lab_stop_pid "$pid" "${MINE[$pid]}"
  unset "MINE[$pid]"
}

cleanup() {
  local pid
  trap - EXIT INT TERM
  for pid in "${!MINE[@]}"; do
    stop "$pid"
  done
  [ -d "$LAB_DIR" ] && lab_down
  if [ "$(sha256sum /etc/resolv.conf 2>/dev/null | cut -d' ' -f1)" != "$HOST_RESOLV0" ]; then
    say "HOST /etc/resolv.conf CHANGED during the run"
    exit 1
  fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

alive() { [ -n "$1" ] && _lab_alive "$1"; }
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null; }
rss_kb() { awk '/^VmRSS/ {print $2}' "/proc/$1/status" 2>/dev/null; }
nfds() { ls "/proc/$1/fd" 2>/dev/null | wc -l; }
count() { grep -c "$1" "$2" 2>/dev/null; }

start_client() {
  case $1 in
    osprey)
      # -vv: the engine's debug lines ("quick mode: ... replaces the old SA")
      # are what counts its rekeys; none of them is per packet
      lab_spawn_client "$LAB_DIR/client.log" \
        "$OSPREYD" --foreground -vv --config "$LAB_DIR/lab.conf" </dev/null ;;
    vpnc)
      lab_spawn_client "$LAB_DIR/client.log" \
        vpnc --no-detach --non-inter --local-port 0 "$LAB_DIR/lab.conf" </dev/null ;;
  esac
  CLIENT_PID=$LAB_SPAWN_PID
  track "$CLIENT_PID"
}

# parse_ping LOG START: "sent received lost loss% longest_gap_s bursts duration_s
#   last_reply_s silent_end_s rtt_avg rtt_max", times from the -D timestamps
#   (START: when ping was started, epoch seconds).  longest_gap: the longest
#   time without a reply (about the interval plus jitter when nothing is
#   lost); silent_end: how long the end of the run went without a reply.
parse_ping() {
  python3 - "$1" "$2" <<'EOF'
import re, sys
log, t0 = sys.argv[1], float(sys.argv[2])
got, sent, rcvd, dur, rtt, replies = set(), None, None, None, [], []
for line in open(log, errors="replace"):
    m = re.match(r"\[(\d+\.\d+)\] (.*)", line)
    ts, rest = (float(m.group(1)), m.group(2)) if m else (None, line)
    m = re.search(r"icmp_seq=(\d+) ttl=\d+ time=([\d.]+)", rest)
    if m and "DUP!" not in rest and ts is not None:
        got.add(int(m.group(1)))
        rtt.append(float(m.group(2)))
        replies.append(ts)
    m = re.search(r"(\d+) packets transmitted, (\d+) received.*time (\d+)ms", rest)
    if m:
        sent, rcvd, dur = int(m.group(1)), int(m.group(2)), int(m.group(3)) / 1000.0
if sent is None:  # no summary (killed): count from the lines
    sent = max(got) if got else 0
    rcvd = len(got)
t_end = t0 + dur if dur else (replies[-1] if replies else t0)
marks = [t0] + replies + [max(t_end, replies[-1] if replies else t0)]
gap = max(b - a for a, b in zip(marks, marks[1:]))
run = bursts = 0
for seq in range(1, sent + 1):
    if seq in got:
        run = 0
    elif run == 0:
        bursts, run = bursts + 1, 1
lost = sent - rcvd
last = (replies[-1] - t0) if replies else 0
print(sent, rcvd, lost, "%.3f" % (100.0 * lost / sent if sent else 100), "%.2f" % gap, bursts,
      "%.0f" % (t_end - t0), "%.0f" % last, "%.1f" % max(0.0, t_end - t0 - last),
      "%.2f" % (sum(rtt) / len(rtt) if rtt else 0), "%.1f" % (max(rtt) if rtt else 0))
EOF
}

# parse_iperf LOG: "up_mbit up_loss down_mbit down_loss bytes" (the receiver's
# figures; UDP loss in %, TCP retransmits).  An iperf3 that had to be ended
# (a dead tunnel keeps it waiting for the results) gets its bytes over SECONDS
# and a "*"; what the server received is then unknown.
parse_iperf() {
  python3 - "$1" "$SOAK_PROTO" "$SECS" <<'EOF'
import json, sys
txt = open(sys.argv[1], errors="replace").read()
udp, secs = sys.argv[2] == "udp", float(sys.argv[3])
try:
    d = json.loads(txt[txt.index("{"):])
except Exception:
    print("n/a n/a n/a n/a 0"); sys.exit()
e, cut = d.get("end", {}), bool(d.get("error"))
def fig(recv, sent):
    r, s = e.get(recv, {}), e.get(sent, {})
    b = r.get("bytes", 0)
    if not r or (cut and not b):
        return "n/a", "n/a", 0
    if cut:
        return "%.2f*" % (b * 8 / secs / 1e6), "n/a", b
    mbit = "%.2f" % (r.get("bits_per_second", 0) / 1e6)
    loss = "%.3f" % r.get("lost_percent", 0) if udp else str(s.get("retransmits", "n/a"))
    return mbit, loss, b
up = fig("sum_received", "sum_sent")
down = fig("sum_received_bidir_reverse", "sum_sent_bidir_reverse")
print(up[0], up[1], down[0], down[1], up[2] + down[2])
EOF
}

# rss_trend LOG: "0 s: X kB, ..." at 0, 1/4, 1/2, 3/4 and the end of the run
rss_trend() {
  awk -v secs="$SECS" '{ t[NR] = $1; r[NR] = $2 }
    END { if (!NR) exit
      for (q = 0; q <= 4; q++) {
        want = secs * q / 4; best = 1
        for (i = 1; i <= NR; i++) if ((t[i] - want)^2 < (t[best] - want)^2) best = i
        printf "%s%d s: %d kB", q ? ", " : "", t[best], r[best] } }' "$1"
}

# rekey_interval LOG: mean seconds between the gateway's CHILD_SAs
rekey_interval() {
  grep "CHILD_SA lab{[0-9]*} established" "$1" | awk '
    { split($1, t, ":"); s = t[1] * 3600 + t[2] * 60 + t[3]
      if (n++) { d = s - p; if (d < 0) d += 86400; sum += d } p = s }
    END { if (n > 1) printf "%.1f", sum / (n - 1); else print "n/a" }'
}

soak_one() {
  local who=$1 t0 t1 ping_t0 tstart el rss peak ping_pid iperf_pid lost_at='' gw D iperf_args n next=60
  LAB_ID=$BASE_ID$who
  _lab_names
  if ! lab_up >/dev/null; then
    R[$who.status]="lab did not come up"
    return 1
  fi
  gw=$(lab_gateway_log)
  D=$LAB_DIR
  lab_write_vpnc_conf "$D/lab.conf"
  export OSPREY_STATE_DIR=$D

  say "$who: connecting (gateway: child rekey_time $LAB_REKEY_TIME life_time $LAB_LIFE_TIME, DPD $LAB_DPD/$LAB_DPD_TIMEOUT)"
  t0=$(date +%s.%N)
  start_client "$who"
  if ! lab_wait_tunnel 30; then
    R[$who.status]="did not connect"
    say "$who did not connect:"
    tail -n 20 "$D/client.log" >&2
    stop "$CLIENT_PID"
    keep_logs "$who"
    lab_down
    return 1
  fi
  t1=$(date +%s.%N)
  R[$who.connect]=$(echo "$t1 - $t0" | bc -l | awk '{printf "%.3f", $1}')
  R[$who.rss0]=$(rss_kb "$CLIENT_PID")
  R[$who.fd0]=$(nfds "$CLIENT_PID")
  R[$who.cpu0]=$(cpu_ticks "$CLIENT_PID")
  peak=${R[$who.rss0]}

  # traffic: a steady ping and an iperf3 stream each way
  ping_t0=$(date +%s.%N)
  lab_spawn_client "$D/ping.log" ping -n -D -i "$PING_INTERVAL" -W 2 \
    -c $((SECS * PING_PER_S)) "$LAB_PROTECTED_HOST"
  ping_pid=$LAB_SPAWN_PID
  track "$ping_pid"
  iperf_args=(-c "$LAB_PROTECTED_HOST" -p "$LAB_IPERF_PORT" -t "$SECS" -b "$SOAK_RATE" --bidir -J)
  [ "$SOAK_PROTO" = udp ] && iperf_args+=(-u -l 1200)
  # timeout: a dead tunnel leaves iperf3 waiting for the results for ever
  lab_spawn_client "$D/iperf3.json" timeout -k 5 $((SECS + 30)) iperf3 "${iperf_args[@]}"
  iperf_pid=$LAB_SPAWN_PID
  track "$iperf_pid"

  tstart=$SECONDS
  : >"$D/rss.log"
  while alive "$ping_pid" || alive "$iperf_pid"; do
    el=$((SECONDS - tstart))
    if [ -z "$lost_at" ] && ! alive "$CLIENT_PID"; then
      lost_at=$el
      say "$who: the client exited after $el s"
    fi
    rss=$(rss_kb "$CLIENT_PID")
    if [ -n "$rss" ]; then
      echo "$el $rss" >>"$D/rss.log"
      [ "$rss" -gt "$peak" ] && peak=$rss
    fi
    if [ "$el" -ge "$next" ]; then
      next=$((next + 60))
      say "$who: $el/$SECS s, RSS ${rss:-gone} kB, CHILD_SAs established $(count "CHILD_SA lab{[0-9]*} established" "$gw")," \
        "pings answered $(grep -c 'bytes from' "$D/ping.log")"
    fi
    [ "$el" -gt $((SECS + 90)) ] && break
    sleep 5
  done
  stop "$ping_pid"
  stop "$iperf_pid"
  R[$who.peak]=$peak

  if alive "$CLIENT_PID"; then
    R[$who.rss1]=$(rss_kb "$CLIENT_PID")
    R[$who.fd1]=$(nfds "$CLIENT_PID")
    R[$who.cpu1]=$(cpu_ticks "$CLIENT_PID")
    R[$who.alive]=yes
    if lab_wait_tunnel 5; then R[$who.tunnel_end]=yes; else R[$who.tunnel_end]=no; fi
  else
    R[$who.alive]=no
    R[$who.tunnel_end]=no
  fi
  R[$who.ikesas]=$(lab_swanctl --list-sas 2>/dev/null | grep -c "^lab: #")
  # rekeys: every CHILD_SA after the first replaced one
  n=$(count "CHILD_SA lab{[0-9]*} established" "$gw")
  R[$who.childsas]=${n:-0}
  R[$who.rekeys]=$((${n:-0} > 0 ? ${n:-0} - 1 : 0))
  R[$who.ikeest]=$(count "IKE_SA lab\[[0-9]*\] established" "$gw")
  R[$who.interval]=$(rekey_interval "$gw")
  R[$who.gwdeletes]=$(count "sending DELETE for ESP CHILD_SA" "$gw")
  R[$who.cldeletes]=$(count "received DELETE for ESP CHILD_SA" "$gw")
  R[$who.dpdsent]=$(count "sending DPD request" "$gw")
  R[$who.dpdack]=$(count "parsed INFORMATIONAL_V1 request [0-9]* \[ HASH N(DPD_ACK) \]" "$gw")
  R[$who.dpddead]=$(count "DPD check timed out\|enforcing DPD action" "$gw")
  R[$who.icv]=$(count "ESP decryption or ICV verification failed" "$gw")
  if [ "$who" = osprey ]; then
    R[$who.c_rekeys]=$(count "replaces the old SA" "$D/client.log")
    R[$who.c_ours]=$(count "quick mode: rekey" "$D/client.log")
    R[$who.c_gws]=$(count "quick mode (gateway's): accepting" "$D/client.log")
  fi

  R[$who.rsstrend]=$(rss_trend "$D/rss.log")
  stop "$CLIENT_PID"

  read -r "R[$who.sent]" "R[$who.rcvd]" "R[$who.lost]" "R[$who.losspct]" "R[$who.gap]" \
    "R[$who.bursts]" "R[$who.pingdur]" "R[$who.lastreply]" "R[$who.silentend]" "R[$who.rtt]" \
    "R[$who.rttmax]" < <(parse_ping "$D/ping.log" "$ping_t0")
  read -r "R[$who.up]" "R[$who.uploss]" "R[$who.down]" "R[$who.downloss]" "R[$who.bytes]" \
    < <(parse_iperf "$D/iperf3.json")

  # a tunnel that stopped carrying pings before the end, or a client gone
  if [ -n "$lost_at" ]; then
    R[$who.status]="client exited after $lost_at s"
  elif [ "$(echo "${R[$who.silentend]} >= 5" | bc)" = 1 ]; then
    R[$who.status]="tunnel lost after ${R[$who.lastreply]} s"
  elif [ "${R[$who.tunnel_end]}" != yes ]; then
    R[$who.status]="tunnel down at the end"
  else
    R[$who.status]="survived"
  fi

  lab_check_host_resolv || RESOLV_OK=0
  keep_logs "$who"
  lab_down
  return 0
}

keep_logs() {
  local who=$1 f
  [ -n "$SOAK_LOGS" ] || return 0
  mkdir -p "$SOAK_LOGS"
  for f in charon.log client.log ping.log iperf3.json rss.log swanctl.conf; do
    [ -f "$LAB_DIR/$f" ] && cp "$LAB_DIR/$f" "$SOAK_LOGS/$who.$f"
  done
}

v() { echo "${R[$1]:-n/a}"; }

# cpu WHO: CPU seconds over the soak
cpu_s() {
  local a=${R[$1.cpu0]:-} b=${R[$1.cpu1]:-}
  [ -n "$a" ] && [ -n "$b" ] || { echo n/a; return; }
  python3 -c "print('%.2f' % (($b - $a) / $TICK))"
}

cpu_per_gb() {
  local c b=${R[$1.bytes]:-0}
  c=$(cpu_s "$1")
  [ "$c" != n/a ] && [ "$b" -gt 0 ] 2>/dev/null || { echo n/a; return; }
  python3 -c "print('%.2f' % ($c / ($b / 1e9)))"
}

growth() {
  local a=${R[$1.rss0]:-} b=${R[$1.rss1]:-}
  [ -n "$a" ] && [ -n "$b" ] || { echo n/a; return; }
  python3 -c "a=$a; b=$b; print('%+d kB (%+.1f%%)' % (b - a, 100.0 * (b - a) / a))"
}

ratio() {
  python3 -c "
try:
    a = float('${1%\*}'); b = float('${2%\*}')
    print('%.2f' % (a / b) if b else 'n/a')
except ValueError:
    print('n/a')"
}

report_one() {
  local who=$1 cpu
  cpu=$(cpu_s "$who")
  echo
  echo "== $who: ${R[$who.status]}"
  [ -n "${R[$who.connect]:-}" ] || return 0
  echo "   connect time               $(v "$who.connect") s"
  echo "   rekeys (gateway log)       $(v "$who.rekeys"), one every $(v "$who.interval") s (CHILD_SAs established: $(v "$who.childsas"), IKE_SAs established: $(v "$who.ikeest"))"
  echo "   old SAs deleted            by the gateway $(v "$who.gwdeletes"), by the client $(v "$who.cldeletes") (before the client was stopped)"
  if [ "$who" = osprey ]; then
    echo "   rekeys (ospreyd log)       $(v "$who.c_rekeys")  (started by Osprey: $(v "$who.c_ours"), by the gateway: $(v "$who.c_gws"))"
  fi
  echo "   gateway DPD                $(v "$who.dpdsent") R-U-THERE sent, $(v "$who.dpdack") answered, $(v "$who.dpddead") timeouts"
  echo "   ESP the gateway rejected   $(v "$who.icv") packets (\"ESP decryption or ICV verification failed\")"
  echo "   pings sent/received/lost   $(v "$who.sent") / $(v "$who.rcvd") / $(v "$who.lost") ($(v "$who.losspct") %) over $(v "$who.pingdur") s, in $(v "$who.bursts") bursts; longest time without a reply $(v "$who.gap") s"
  echo "   ping RTT avg / max         $(v "$who.rtt") / $(v "$who.rttmax") ms"
  echo "   iperf3 $SOAK_PROTO up / down        $(v "$who.up") / $(v "$who.down") Mbit/s (offered $SOAK_RATE each way); $([ "$SOAK_PROTO" = udp ] && echo "datagrams lost" || echo "retransmits") $(v "$who.uploss") / $(v "$who.downloss")$([ "$SOAK_PROTO" = udp ] && echo " %")"
  echo "   VmRSS start / end / peak   $(v "$who.rss0") / $(v "$who.rss1") / $(v "$who.peak") kB; growth $(growth "$who")"
  echo "   VmRSS during the run       $(v "$who.rsstrend")"
  echo "   CPU over the run           $cpu s ($(cpu_per_gb "$who") s per GB moved by iperf3)"
  echo "   open fds start / end       $(v "$who.fd0") / $(v "$who.fd1")"
  echo "   alive at end / tunnel      $(v "$who.alive") / $(v "$who.tunnel_end"); IKE SAs on the gateway at the end: $(v "$who.ikesas")"
}

row() {  # row LABEL OSPREY VPNC [ratio]
  local r=
  [ $# -ge 4 ] && r=$(ratio "$2" "$3")
  printf '%-34s %22s %22s %7s\n' "$1" "$2" "$3" "$r"
}

say "${SECS} s per client ($SOAK_CLIENTS), ping every ${PING_INTERVAL} s, iperf3 $SOAK_PROTO --bidir -b $SOAK_RATE"
for who in $SOAK_CLIENTS; do
  soak_one "$who"
done

echo
echo "Soak: $SECS s per client; gateway strongSwan IKEv1, ESP $LAB_ESP_PROPOSALS, child rekey_time $LAB_REKEY_TIME" \
  "(rand_time ${LAB_CHILD_EXTRA//[^0-9s]/}) life_time $LAB_LIFE_TIME, DPD $LAB_DPD / timeout $LAB_DPD_TIMEOUT;"
echo "traffic: ping every $PING_INTERVAL s + iperf3 $SOAK_PROTO --bidir $SOAK_RATE each way.  Shared 2-core machine: throughput and CPU are noisy."
for who in $SOAK_CLIENTS; do
  report_one "$who"
done

compare() {
  echo
  printf '%-34s %22s %22s %7s\n' "soak, $SECS s" osprey vpnc ratio
  row "result" "$(v osprey.status)" "$(v vpnc.status)"
  row "rekeys (gateway log)" "$(v osprey.rekeys)" "$(v vpnc.rekeys)" r
  row "mean rekey interval (s)" "$(v osprey.interval)" "$(v vpnc.interval)"
  row "ESP rejected by the gateway (ICV)" "$(v osprey.icv)" "$(v vpnc.icv)"
  row "pings sent" "$(v osprey.sent)" "$(v vpnc.sent)"
  row "pings lost" "$(v osprey.lost)" "$(v vpnc.lost)" r
  row "ping loss (%)" "$(v osprey.losspct)" "$(v vpnc.losspct)" r
  row "longest time without reply (s)" "$(v osprey.gap)" "$(v vpnc.gap)" r
  row "ping RTT avg (ms)" "$(v osprey.rtt)" "$(v vpnc.rtt)" r
  row "iperf3 up (Mbit/s)" "$(v osprey.up)" "$(v vpnc.up)" r
  row "iperf3 down (Mbit/s)" "$(v osprey.down)" "$(v vpnc.down)" r
  if [ "$SOAK_PROTO" = udp ]; then
    row "iperf3 datagrams lost up (%)" "$(v osprey.uploss)" "$(v vpnc.uploss)" r
    row "iperf3 datagrams lost down (%)" "$(v osprey.downloss)" "$(v vpnc.downloss)" r
  else
    row "TCP retransmits up" "$(v osprey.uploss)" "$(v vpnc.uploss)" r
    row "TCP retransmits down" "$(v osprey.downloss)" "$(v vpnc.downloss)" r
  fi
  row "VmRSS after connecting (kB)" "$(v osprey.rss0)" "$(v vpnc.rss0)" r
  row "VmRSS at the end (kB)" "$(v osprey.rss1)" "$(v vpnc.rss1)" r
  row "VmRSS peak (kB, 5 s samples)" "$(v osprey.peak)" "$(v vpnc.peak)" r
  row "RSS growth" "$(growth osprey | cut -d' ' -f1-2)" "$(growth vpnc | cut -d' ' -f1-2)"
  row "RSS growth (%)" "$(growth osprey | sed 's/.*(\(.*\)%)/\1/')" "$(growth vpnc | sed 's/.*(\(.*\)%)/\1/')"
  row "client CPU over the run (s)" "$(cpu_s osprey)" "$(cpu_s vpnc)" r
  if [ "$(v osprey.status)" = survived ] && [ "$(v vpnc.status)" = survived ]; then
    row "client CPU s per GB moved" "$(cpu_per_gb osprey)" "$(cpu_per_gb vpnc)" r
  else  # CPU spent on a dead tunnel is no datapath figure
    row "client CPU s per GB moved" "$(cpu_per_gb osprey)" "$(cpu_per_gb vpnc)"
  fi
  row "open fds start -> end" "$(v osprey.fd0) -> $(v osprey.fd1)" "$(v vpnc.fd0) -> $(v vpnc.fd1)"
  row "connect time (s)" "$(v osprey.connect)" "$(v vpnc.connect)" r
}

case " $SOAK_CLIENTS " in
  *" osprey "*) case " $SOAK_CLIENTS " in *" vpnc "*) compare ;; esac ;;
esac

# each run's lab_up recorded the checksum anew: compare with the first one too
lab_check_host_resolv || RESOLV_OK=0
echo
if [ "$RESOLV_OK" = 1 ] && [ "$(sha256sum /etc/resolv.conf | cut -d' ' -f1)" = "$HOST_RESOLV0" ]; then
  echo "host /etc/resolv.conf unchanged"
else
  echo "HOST /etc/resolv.conf CHANGED"
  exit 1
fi
exit 0
