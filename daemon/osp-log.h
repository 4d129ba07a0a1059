/* SPDX-License-Identifier: GPL-2.0-or-later
 * ospreyd — where the service's log goes.  Started by systemd, stderr is
 * the journal already; started by a bus without systemd (containers,
 * tests, other init systems), stderr is /dev/null and the log would be
 * lost.  So: a terminal or the journal as stderr keep GLib's writer;
 * otherwise the journal when its socket exists, else syslog when /dev/log
 * exists, else stderr. */
#pragma once

#include <glib.h>

typedef enum {
  OSP_LOG_STDERR,  /* GLib's default writer (the journal when stderr is it) */
  OSP_LOG_JOURNAL, /* sd_journal's native protocol, g_log_writer_journald() */
  OSP_LOG_SYSLOG,  /* syslog(3), facility daemon */
} OspLogTarget;

/* Chooses the target and installs the writer; returns the target. */
OspLogTarget osp_log_setup(void);
