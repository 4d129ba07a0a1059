#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Runs libFuzzer targets one after the other, each for RUNS executions (or
# SECONDS seconds, whichever ends first), niced, on a scratch copy of its
# seed corpus, and prints per target: executions, exec/s, coverage, and
# whether it crashed.  Crashing inputs are left in the work directory.
#
#   CC=clang meson setup build-fuzz -Dfuzzing=true && ninja -C build-fuzz
#   tests/fuzz/run.sh build-fuzz [TARGET...]      (default: every target)
#   RUNS=10000000 SECONDS_MAX=1800 WORK=/tmp/osprey-fuzz tests/fuzz/run.sh build-fuzz esp
set -u
build=$(cd "${1:?usage: run.sh BUILD_DIR [TARGET...]}" && pwd)
shift
here=$(cd "$(dirname "$0")" && pwd)
runs=${RUNS:-10000000}
secs=${SECONDS_MAX:-3600}
work=${WORK:-$(mktemp -d /tmp/osprey-fuzz.XXXXXX)}
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  for d in "$here"/corpus/*/; do targets+=("$(basename "$d")"); done
fi

# cheaper allocations (short allocation stacks, a small quarantine): the
# targets allocate a lot and the machine is shared
export ASAN_OPTIONS=${ASAN_OPTIONS:-malloc_context_size=4:quarantine_size_mb=32}
status=0
for t in "${targets[@]}"; do
  exe=$build/tests/fuzz/fuzz-$t
  [ -x "$exe" ] || { echo "$t: $exe not built (-Dfuzzing=true)"; status=1; continue; }
  mkdir -p "$work/$t/corpus" "$work/$t/artifacts"
  cp -n "$here/corpus/$t/"* "$work/$t/corpus/" 2>/dev/null
  log=$work/$t/log
  # longer inputs only cost time: a profile, a few packets or datagrams
  case $t in isakmp) maxlen=4096 ;; *) maxlen=1024 ;; esac
  (cd "$work/$t" && nice -n 10 "$exe" -runs="$runs" -max_total_time="$secs" -timeout=10 -max_len=$maxlen \
     -print_final_stats=1 -artifact_prefix="$work/$t/artifacts/" corpus >"$log" 2>&1)
  rc=$?
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1)
  ft=$(grep -o 'ft: [0-9]*' "$log" | tail -1)
  crashes=$(ls "$work/$t/artifacts" | wc -l)
  printf '%-9s executions %s  exec/s %s  %s  %s  exit %s  crash/leak/timeout files %s\n' \
    "$t" "${execs:-?}" "${rate:-?}" "${cov:-cov: ?}" "${ft:-ft: ?}" "$rc" "$crashes"
  [ "$rc" -eq 0 ] || status=1
done
echo "logs and corpora: $work"
exit $status
