/* feed_dates.c - each feed's newest data date, in portable SQL (see
 * pw_feed_dates.h and pw_sql.h). A table of its own beside feed_state: the
 * sync state is the backend's hot path, this is one row per feed written
 * once per import. */
#include "pw_feed_dates.h"

#include <stdio.h>
#include <string.h>

#include "pw_sql.h"

static const char *const sqlite_steps[] = {
	"CREATE TABLE feed_dates("
	" feed TEXT PRIMARY KEY,"
	" kind TEXT NOT NULL,"
	" newest BIGINT NOT NULL,"
	" from_file INTEGER NOT NULL);",
};

static const struct pw_sql_migrations migrations = {
	"feed_dates", sqlite_steps, sizeof(sqlite_steps) / sizeof(sqlite_steps[0]),
};

pw_err pw_feed_dates_migrate(struct pw_store *s, struct pw_error *e)
{
	return pw_sql_migrate(s, &migrations, e);
}

pw_err pw_feed_dates_note(struct pw_store *s, const struct pw_feed_date *d, struct pw_error *e)
{
	if (d->newest <= 0)
		return PW_OK;
	return pw_sql_exec(s,
			   "INSERT INTO feed_dates(feed, kind, newest, from_file) VALUES ($1, $2, $3, $4)"
			   " ON CONFLICT(feed) DO UPDATE SET kind = excluded.kind,"
			   " newest = excluded.newest, from_file = excluded.from_file"
			   " WHERE excluded.newest > feed_dates.newest",
			   PW_SQL_ARGS(PW_SQL_T(d->feed), PW_SQL_T(d->kind), PW_SQL_I(d->newest),
				       PW_SQL_I(d->from_file)),
			   e);
}

struct get_ctx {
	struct pw_feed_date *out;
	bool *found;
};

static pw_err date_row(void *ctx, const struct pw_sql_row *row, struct pw_error *e)
{
	struct get_ctx *g = ctx;
	const char *kind = pw_sql_text(row, 0);
	snprintf(g->out->kind, sizeof(g->out->kind), "%s", kind ? kind : "");
	g->out->newest = pw_sql_int(row, 1);
	g->out->from_file = pw_sql_int(row, 2) != 0;
	*g->found = true;
	return PW_OK;
}

pw_err pw_feed_dates_get(struct pw_store *s, const char *feed, struct pw_feed_date *out,
			 bool *found, struct pw_error *e)
{
	struct get_ctx g = { out, found };
	memset(out, 0, sizeof(*out));
	*found = false;
	snprintf(out->feed, sizeof(out->feed), "%s", feed);
	return pw_sql_run(s, "SELECT kind, newest, from_file FROM feed_dates WHERE feed = $1",
			  PW_SQL_ARGS(PW_SQL_T(feed)), date_row, &g, NULL, e);
}
