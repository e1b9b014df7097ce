/* pw_feed_sync_task.h - the server keeps its feeds fresh: `feed sync`
 * (pw_feed_sync.h) on a schedule, then a re-assessment.
 *
 *   [schedule]
 *   feed_sync = 6h     # a duration (3600, 90m, 6h, 1d), or off (the default)
 *   reassess = yes     # after a sync that changed a feed, assess at once
 *
 * The feeds are the configuration's [feeds] and [sync], as for the CLI. A
 * sync runs on a thread of its own with its own store connection, so it
 * holds up neither requests nor the other tasks (each import is one write
 * transaction, as from the CLI); one at a time. Due when the last sync
 * recorded in the store (pw_feed_syncs.h: by the CLI or the server) started
 * longer ago than the interval, so a restart does not sync again. Each
 * feed's outcome is logged and kept for GET /api/v1/system/status. At a
 * stop the sync ends after the feed (or NVD page) under way.
 */
#ifndef PW_FEED_SYNC_TASK_H
#define PW_FEED_SYNC_TASK_H

#include <stdbool.h>
#include <stdint.h>

#include "pw_err.h"

struct pw_server;
struct pw_store;

/* [schedule] checked at start: unknown keys and bad values refused with
 * file:line. */
pw_err pw_feed_sync_task_check(const struct pw_server *srv, struct pw_error *e);

/* The background task (pw_server_tasks): starts a sync when one is due,
 * reaps a finished one; at the stop, waits for the one under way. */
void pw_feed_sync_task(struct pw_server *srv, struct pw_store *store);

/* What system status shows of the schedule. */
struct pw_feed_sync_schedule {
	int64_t interval;     /* seconds; 0: off */
	bool reassess;
	bool running;         /* a sync is under way */
	int64_t last_started; /* Unix seconds of the last scheduled sync this process ran; 0 none */
	int64_t last_finished;
};
void pw_feed_sync_task_schedule(const struct pw_server *srv, struct pw_feed_sync_schedule *out);

#endif
