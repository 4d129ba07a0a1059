# SPDX-License-Identifier: GPL-2.0-or-later
# TAP output for the shell tests: source it, call result ok|fail TEXT for
# each check, and end with tap_end (prints the plan; fails if a check did).
n=0
failed=0

result()
{
  n=$((n + 1))
  if [ "$1" = ok ]; then
    echo "ok $n - $2"
  else
    echo "not ok $n - $2"
    failed=$((failed + 1))
  fi
}

tap_end()
{
  echo "1..$n"
  [ "$failed" = 0 ]
}
