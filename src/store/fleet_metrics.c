/* fleet_metrics.c - the fleet's counts for monitoring (pw_fleet_metrics.h),
 * in portable SQL. Label values that may have no rows (priorities) are
 * listed anyway, at 0, so a series never disappears from a dashboard. */
#include "pw_fleet_metrics.h"

#include <stddef.h>

#include "pw_sql.h"

struct family_query {
	struct pw_metric_family f;
	const char *sql; /* rows: (label value, value), or (value) without a label;
			  * $1 = stale_before, $2 = now */
};

static const struct family_query families[] = {
	{ { "patchwarden_hosts", "Registered hosts by state: fresh, stale (not seen lately), retired.",
	    "state" },
	  "SELECT CASE WHEN retired_at IS NOT NULL THEN 'retired' WHEN last_seen < $1 THEN 'stale'"
	  " ELSE 'fresh' END AS st, count(*) FROM hosts GROUP BY st ORDER BY st" },
	{ { "patchwarden_findings_open", "Open findings by priority.", "priority" },
	  "WITH p(n) AS (VALUES (1), (2), (3), (4)) SELECT 'P' || n, (SELECT count(*) FROM findings"
	  " WHERE state = 'open' AND priority = p.n) FROM p ORDER BY n" },
	{ { "patchwarden_findings_open_kev", "Open findings of known exploited vulnerabilities.",
	    NULL },
	  "SELECT count(*) FROM findings WHERE state = 'open' AND kev <> 0" },
	{ { "patchwarden_changes", "Changes by state.", "state" },
	  "SELECT state, count(*) FROM changes GROUP BY state ORDER BY state" },
	{ { "patchwarden_jobs", "Agent jobs by state.", "state" },
	  "SELECT state, count(*) FROM jobs GROUP BY state ORDER BY state" },
	{ { "patchwarden_quarantined_hosts", "Hosts in quarantine now.", NULL },
	  "SELECT count(*) FROM quarantine WHERE lifted_at IS NULL" },
	{ { "patchwarden_exceptions", "Exceptions (risk acceptance) by state.", "state" },
	  "SELECT state, count(*) FROM exceptions GROUP BY state ORDER BY state" },
	{ { "patchwarden_feed_data_age_seconds", "Age of each feed's newest data.", "feed" },
	  "SELECT feed, $2 - newest FROM feed_dates ORDER BY feed" },
};

struct row_ctx {
	const struct pw_fleet_metrics_sink *sink;
	const struct family_query *q;
};

static pw_err row(void *ctx, const struct pw_sql_row *r, struct pw_error *e)
{
	struct row_ctx *x = ctx;
	if (x->q->f.label)
		return x->sink->sample(x->sink->ctx, pw_sql_text(r, 0), (double)pw_sql_int(r, 1));
	return x->sink->sample(x->sink->ctx, NULL, (double)pw_sql_int(r, 0));
}

pw_err pw_fleet_metrics_each(struct pw_store *s, int64_t now, int64_t stale_before,
			     const struct pw_fleet_metrics_sink *sink, struct pw_error *e)
{
	for (size_t i = 0; i < sizeof(families) / sizeof(families[0]); i++) {
		struct row_ctx x = { sink, &families[i] };
		pw_err rc = sink->begin(sink->ctx, &families[i].f);
		if (!rc)
			rc = pw_sql_run(s, families[i].sql,
					PW_SQL_ARGS(PW_SQL_I(stale_before), PW_SQL_I(now)), row, &x,
					NULL, e);
		if (rc)
			return rc;
	}
	return PW_OK;
}
