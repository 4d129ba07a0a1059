/* SPDX-License-Identifier: GPL-2.0-or-later
 * Osprey — `ospreyd --foreground --config FILE`: one connection without
 * D-Bus, vpnc-style.  Exit status as vpnc: 0 after a clean disconnect,
 * 2 authentication failure, 1 any other failure. */
#pragma once

#include <glib.h>

/* vpnc's options that map (--local-port, --script, --debug, --pid-file,
 * --non-inter, --no-detach), parsed into the foreground run. */
GOptionGroup *osp_foreground_vpnc_options(void);
gboolean osp_foreground_vpnc_options_given(void);

int osp_foreground_run(const char *config_path, int verbosity, gboolean password_stdin,
                       gboolean reconnect);
