/* pw_feed_syncs.h - the outcome of each feed's last sync: when it ran, who
 * asked (the CLI or the server's schedule), whether it imported, found the
 * feed not modified or failed, and why. feed_state keeps what a sync needs
 * (validators, last check and change) and is written only when a sync
 * succeeds; this keeps the failures too, for system status.
 */
#ifndef PW_FEED_SYNCS_H
#define PW_FEED_SYNCS_H

#include <stdbool.h>
#include <stdint.h>

#include "pw_err.h"

struct pw_store;

/* The "feed_syncs" component's table (pw_sql_migrate). */
pw_err pw_feed_syncs_migrate(struct pw_store *s, struct pw_error *e);

struct pw_feed_sync_outcome {
	char feed[64];
	int64_t started, finished; /* Unix seconds */
	const char *outcome;       /* "imported", "not modified", "failed" */
	const char *error;         /* NULL unless failed */
	const char *via;           /* "cli", "schedule" */
	uint64_t read, added, updated, unchanged, skipped, bytes;
};

/* Replace `feed`'s last outcome (one row per feed). */
pw_err pw_feed_syncs_put(struct pw_store *s, const struct pw_feed_sync_outcome *o,
			 struct pw_error *e);

/* Each feed's last outcome, by feed name; the strings are valid during the
 * callback only. */
pw_err pw_feed_syncs_each(struct pw_store *s,
			  pw_err (*cb)(void *ctx, const struct pw_feed_sync_outcome *o,
				       struct pw_error *e),
			  void *ctx, struct pw_error *e);

#endif
