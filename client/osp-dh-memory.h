/* SPDX-License-Identifier: GPL-2.0-or-later
 * Osprey — what worked before: the DH group phase 1 succeeded with, per
 * gateway and group name.  Aggressive mode carries one KE payload, so a
 * group that worked is offered first next time; losing the memory costs
 * one fallback round trip, nothing more.
 *
 * Kept in STATE_DIR/dh-groups (a keyfile), in the directory the host gives
 * (ospreyd's and nm-osprey-service's state directory, a test's temporary
 * one); with no directory nothing is remembered. */
#pragma once

#include "osp-common.h"

G_BEGIN_DECLS

/* The group remembered for the gateway and group name, 0 when none (or no
 * state_dir, or one this build does not support). */
int osp_dh_memory_recall(const char *state_dir, const char *gateway, const char *group_id);

/* Remembers group (creating state_dir if needed).  A weak group is never
 * remembered: it is used only while the profile enables it, and the next
 * connect walks the strong ones first again.  0, or a negative errno
 * (-EINVAL for no directory or no group, -EIO when the file cannot be
 * written). */
int osp_dh_memory_store(const char *state_dir, const char *gateway, const char *group_id,
                        int group);

G_END_DECLS
