/* SPDX-License-Identifier: GPL-2.0-or-later
 * ospreyd — the events of a profile's last connection (Manager.GetLog,
 * `osprey logs`), oldest first, bounded, and kept on disk when given a
 * file: a restarted ospreyd still shows them.  Never pass secrets here. */
#pragma once

#include <glib.h>

typedef struct OspEventLog OspEventLog;
#define OSP_EVENT_LOG_MAX 256

OspEventLog *osp_event_log_new(void);
/* The log of @path (mode 0600, "TIME<TAB>STATE<TAB>MESSAGE" lines): what
 * it holds is read now, every event is appended to it, and it is
 * rewritten to the last OSP_EVENT_LOG_MAX events when it holds twice as
 * many.  A file that cannot be read or written leaves the log in memory. */
OspEventLog *osp_event_log_new_stored(const char *path);
void osp_event_log_free(OspEventLog *log);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(OspEventLog, osp_event_log_free)
void osp_event_log_clear(OspEventLog *log);
void osp_event_log_add(OspEventLog *log, const char *state, const char *message);
GVariant *osp_event_log_to_variant(const OspEventLog *log); /* a(xss), floating */
