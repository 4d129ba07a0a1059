#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Builds Osprey and runs every test:
#   1. build-test/: -Dwerror=true -Dnm=enabled -Dgui=enabled, `meson test` over all suites (unit, lab, ...;
#      the lab tests need root and are skipped without it)
#   2. build-asan/: -Db_sanitize=address,undefined, the 'unit' suite
#   3. build-coverage/: -Db_coverage=true, the 'unit' suite, then the line
#      coverage of client/ per file (scripts/coverage.sh; a report, not a gate)
# then prints "N passed, N failed[, N skipped]" counted from the two
# meson-logs/testlog.json.  Exit status 0 only if every step and test passed.
#
#   sudo bash scripts/test-all.sh
#   bash scripts/test-all.sh --summary [--newer FILE]   (count only; used by .ci/run)
#
# Environment: OSPREY_BUILD_DIR (build-test), OSPREY_ASAN_DIR (build-asan),
# OSPREY_NO_DEPS=1 skips scripts/install-deps.sh, OSPREY_NO_ASAN=1 skips step 2,
# OSPREY_NO_COVERAGE=1 step 3.
set -u

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root" || exit 1
build=${OSPREY_BUILD_DIR:-build-test}
asan=${OSPREY_ASAN_DIR:-build-asan}

# summary [NEWER_THAN_FILE]: count results of every build*/meson-logs/testlog.json
# (only those modified after NEWER_THAN_FILE, if given).
summary()
{
  local newer=${1:-} f logs=()
  for f in build*/meson-logs/testlog.json; do
    [ -f "$f" ] || continue
    # the coverage build reruns step 1's unit tests: counted once
    [ "$f" = "${OSPREY_COVERAGE_DIR:-build-coverage}/meson-logs/testlog.json" ] && continue
    if [ -n "$newer" ] && [ ! "$f" -nt "$newer" ]; then
      continue
    fi
    logs+=("$f")
  done
  /usr/bin/env python3 - "${logs[@]}" <<'EOF'
import json, sys
passed = failed = skipped = 0
for path in sys.argv[1:]:
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            line = line.strip()
            if not line:
                continue
            try:
                result = json.loads(line).get("result", "")
            except ValueError:
                failed += 1
                continue
            if result in ("OK", "EXPECTEDFAIL"):
                passed += 1
            elif result == "SKIP":
                skipped += 1
            else:  # FAIL, TIMEOUT, ERROR, UNEXPECTEDPASS, INTERRUPT, ...
                failed += 1
print(passed, failed, skipped)
EOF
}

summary_line()
{
  local p=$1 f=$2 s=$3
  if [ "$s" -gt 0 ]; then
    echo "$p passed, $f failed, $s skipped"
  else
    echo "$p passed, $f failed"
  fi
}

if [ "${1:-}" = --summary ]; then
  if [ "${2:-}" = --newer ]; then
    summary "${3:-}"
  else
    summary
  fi
  exit 0
fi

step_failures=()
step() { echo; echo "=== $*"; }
step_failed() { echo "test-all: FAILED: $*"; step_failures+=("$*"); }

# run_tests DIR ARGS...: meson test; failing tests are counted from
# DIR/meson-logs/testlog.json, so only a run that wrote no log is a step failure.
run_tests()
{
  local dir=$1
  shift
  meson test -C "$dir" --no-rebuild --print-errorlogs "$@" && return 0
  [ -f "$dir/meson-logs/testlog.json" ] || step_failed "meson test $* in $dir (no test log)"
}

setup()
{
  local dir=$1
  shift
  if [ -f "$dir/build.ninja" ]; then
    meson setup --reconfigure "$dir" "$@"
  else
    rm -rf "$dir"
    meson setup "$dir" "$@"
  fi
}

if [ "${OSPREY_NO_DEPS:-0}" != 1 ]; then
  step "dependencies"
  bash scripts/install-deps.sh || step_failed "scripts/install-deps.sh"
fi
if [ "$(id -u)" != 0 ]; then
  echo "test-all: not root: the lab tests will be skipped"
fi

stamp=$(mktemp)
trap 'rm -f "$stamp"' EXIT
rm -f "$build/meson-logs/testlog.json" "$asan/meson-logs/testlog.json"

# ---- 1: everything, warnings are errors
step "configure $build (-Dwerror=true -Dnm=enabled -Dgui=enabled)"
if setup "$build" -Dwerror=true -Dnm=enabled -Dgui=enabled; then
  step "build $build"
  if meson compile -C "$build"; then
    step "test $build (all suites)"
    run_tests "$build"
  else
    step_failed "build in $build"
    # the script tests need no build: run them anyway
    step "test $build (suite lab only, the build failed)"
    run_tests "$build" --suite lab
  fi
else
  step_failed "meson setup $build"
fi

# ---- 2: unit tests under AddressSanitizer + UndefinedBehaviorSanitizer
if [ "${OSPREY_NO_ASAN:-0}" != 1 ]; then
  step "configure $asan (-Db_sanitize=address,undefined)"
  if setup "$asan" -Db_sanitize=address,undefined -Dlab_tests=false; then
    step "build $asan"
    if meson compile -C "$asan"; then
      step "test $asan (suite unit)"
      ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1} \
        UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1} \
        run_tests "$asan" --suite unit --timeout-multiplier 3
    else
      step_failed "build in $asan"
    fi
  else
    step_failed "meson setup $asan"
  fi
fi

# ---- 3: line coverage of client/ by the root-free tests (printed, not counted:
# the same tests ran in step 1)
if [ "${OSPREY_NO_COVERAGE:-0}" != 1 ]; then
  step "coverage (build-coverage, suite unit)"
  bash scripts/coverage.sh >coverage.log 2>&1 || step_failed "scripts/coverage.sh (see coverage.log)"
  sed -n '/^=== line coverage/,$p' coverage.log
fi

echo
read -r passed failed skipped < <(summary "$stamp")
for s in "${step_failures[@]}"; do
  echo "test-all: step failed: $s"
done
echo "test-all: $(summary_line "$passed" "$failed" "$skipped")"
if [ ${#step_failures[@]} -gt 0 ] || [ "$failed" -gt 0 ]; then
  exit 1
fi
exit 0
