#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# A stand-in vpnc-script for test-netcfg: copies the environment execve()
# gave it, byte for byte and NUL-separated, to the file $OSP_TEST_ENV_DUMP.
if [ -z "$OSP_TEST_ENV_DUMP" ]; then
	echo "env-dump.sh: OSP_TEST_ENV_DUMP is not set" >&2
	exit 2
fi
cat "/proc/$$/environ" > "$OSP_TEST_ENV_DUMP" || exit 3
# shellcheck disable=SC2154  # reason comes from osp_script_run()
echo "env-dump.sh: reason=$reason"
exit 0
