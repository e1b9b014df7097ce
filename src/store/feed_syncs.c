/* feed_syncs.c - each feed's last sync outcome, in portable SQL (see
 * pw_feed_syncs.h and pw_sql.h): one row per feed, replaced by each sync. */
#include "pw_feed_syncs.h"

#include <stdio.h>
#include <string.h>

#include "pw_sql.h"

static const char *const sqlite_steps[] = {
	"CREATE TABLE feed_syncs("
	" feed TEXT PRIMARY KEY,"
	" started BIGINT NOT NULL,"
	" finished BIGINT NOT NULL,"
	" outcome TEXT NOT NULL,"
	" error TEXT,"
	" via TEXT NOT NULL,"
	" nread BIGINT NOT NULL, added BIGINT NOT NULL, updated BIGINT NOT NULL,"
	" unchanged BIGINT NOT NULL, skipped BIGINT NOT NULL, bytes BIGINT NOT NULL);",
};

static const struct pw_sql_migrations migrations = {
	"feed_syncs", sqlite_steps, sizeof(sqlite_steps) / sizeof(sqlite_steps[0]),
};

pw_err pw_feed_syncs_migrate(struct pw_store *s, struct pw_error *e)
{
	return pw_sql_migrate(s, &migrations, e);
}

pw_err pw_feed_syncs_put(struct pw_store *s, const struct pw_feed_sync_outcome *o,
			 struct pw_error *e)
{
	return pw_sql_exec(
		s,
		"INSERT INTO feed_syncs(feed, started, finished, outcome, error, via, nread, added,"
		" updated, unchanged, skipped, bytes)"
		" VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)"
		" ON CONFLICT(feed) DO UPDATE SET started = excluded.started,"
		" finished = excluded.finished, outcome = excluded.outcome, error = excluded.error,"
		" via = excluded.via, nread = excluded.nread, added = excluded.added,"
		" updated = excluded.updated, unchanged = excluded.unchanged,"
		" skipped = excluded.skipped, bytes = excluded.bytes",
		PW_SQL_ARGS(PW_SQL_T(o->feed), PW_SQL_I(o->started), PW_SQL_I(o->finished),
			    PW_SQL_T(o->outcome ? o->outcome : "failed"), PW_SQL_T(o->error),
			    PW_SQL_T(o->via ? o->via : "cli"), PW_SQL_I((int64_t)o->read),
			    PW_SQL_I((int64_t)o->added), PW_SQL_I((int64_t)o->updated),
			    PW_SQL_I((int64_t)o->unchanged), PW_SQL_I((int64_t)o->skipped),
			    PW_SQL_I((int64_t)o->bytes)),
		e);
}

struct each_ctx {
	pw_err (*cb)(void *ctx, const struct pw_feed_sync_outcome *o, struct pw_error *e);
	void *ctx;
};

static pw_err outcome_row(void *ctx, const struct pw_sql_row *row, struct pw_error *e)
{
	struct each_ctx *c = ctx;
	struct pw_feed_sync_outcome o = {
		.started = pw_sql_int(row, 1), .finished = pw_sql_int(row, 2),
		.outcome = pw_sql_text(row, 3), .error = pw_sql_text(row, 4),
		.via = pw_sql_text(row, 5), .read = (uint64_t)pw_sql_int(row, 6),
		.added = (uint64_t)pw_sql_int(row, 7), .updated = (uint64_t)pw_sql_int(row, 8),
		.unchanged = (uint64_t)pw_sql_int(row, 9), .skipped = (uint64_t)pw_sql_int(row, 10),
		.bytes = (uint64_t)pw_sql_int(row, 11),
	};
	const char *feed = pw_sql_text(row, 0);
	snprintf(o.feed, sizeof(o.feed), "%s", feed ? feed : "");
	return c->cb(c->ctx, &o, e);
}

pw_err pw_feed_syncs_each(struct pw_store *s,
			  pw_err (*cb)(void *ctx, const struct pw_feed_sync_outcome *o,
				       struct pw_error *e),
			  void *ctx, struct pw_error *e)
{
	struct each_ctx c = { cb, ctx };
	return pw_sql_run(s,
			  "SELECT feed, started, finished, outcome, error, via, nread, added, updated,"
			  " unchanged, skipped, bytes FROM feed_syncs ORDER BY feed",
			  NULL, 0, outcome_row, &c, NULL, e);
}
