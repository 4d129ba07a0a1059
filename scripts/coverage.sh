#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Line coverage of client/ by the root-free tests: builds build-coverage/
# with -Db_coverage=true, runs the 'unit' suite (the unit tests, the
# scripted-gateway tests and the fuzz corpora replays; none needs root) and
# prints gcovr's line coverage per client/ file.  A report, not a gate: the
# exit status is that of the build and the tests.
#
#   bash scripts/coverage.sh            (OSPREY_COVERAGE_DIR: build-coverage)
set -u

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root" || exit 1
dir=${OSPREY_COVERAGE_DIR:-build-coverage}

if ! command -v gcovr >/dev/null; then
  echo "coverage: gcovr is missing (Debian package gcovr: scripts/install-deps.sh)" >&2
  exit 77
fi
# the GUI and the NetworkManager plugin run no client/ code of their own
# in these tests: not built, which halves the build
opts=(-Db_coverage=true -Dlab_tests=false -Dgui=disabled -Dnm=disabled)
if [ -f "$dir/build.ninja" ]; then
  meson setup --reconfigure "$dir" "${opts[@]}" || exit 1
else
  rm -rf "$dir"
  meson setup "$dir" "${opts[@]}" || exit 1
fi
meson compile -C "$dir" || exit 1
# counters of an earlier run would add up
find "$dir" -name '*.gcda' -delete
status=0
meson test -C "$dir" --no-rebuild --suite unit --print-errorlogs || status=1
echo
echo "=== line coverage of client/ (root-free tests: suite unit)"
# without the column of missed line numbers (the .gcov files have them)
gcovr --root "$root" --filter "$root/client/" --sort-percentage "$dir" | awk '
  NF >= 4 && $2 ~ /^[0-9]+$/ { printf "%-36s %6s %6s %5s\n", $1, $2, $3, $4; next }
  $1 == "File" { printf "%-36s %6s %6s %5s\n", "File", "Lines", "Exec", "Cover"; next }
  { print }' || status=1
exit $status
