/* kpi_daily.c - the KPIs' evidence and daily series, in portable SQL (see
 * pw_kpi_daily.h and pw_sql.h). */
#include "pw_kpi_daily.h"

#include <string.h>

#include "pw_sql.h"

static const char *const sqlite_steps[] = {
	"CREATE TABLE kpi_daily("
	" day TEXT NOT NULL,"
	" scope TEXT NOT NULL,"
	" name TEXT NOT NULL,"
	" value REAL NOT NULL,"
	" PRIMARY KEY (scope, day, name));",
};

static const struct pw_sql_migrations migrations = {
	"kpi_daily", sqlite_steps, sizeof(sqlite_steps) / sizeof(sqlite_steps[0]),
};

pw_err pw_kpi_daily_migrate(struct pw_store *s, struct pw_error *e)
{
	return pw_sql_migrate(s, &migrations, e);
}

struct finding_reader {
	pw_err (*cb)(void *ctx, const struct pw_kpi_finding *f);
	void *ctx;
};

static pw_err finding_row(void *ctx, const struct pw_sql_row *row, struct pw_error *e)
{
	struct finding_reader *r = ctx;
	const char *kind = pw_sql_text(row, 5), *state = pw_sql_text(row, 6);
	struct pw_kpi_finding f = {
		.id = pw_sql_int(row, 0),
		.host_id = pw_sql_int(row, 1),
		.vuln_id = pw_sql_text(row, 2),
		.priority = (int)pw_sql_int(row, 3),
		.fixable = pw_sql_int(row, 4) != 0,
		.vulnerability = !kind || strcmp(kind, "vulnerability") == 0,
		.open = state && strcmp(state, "open") == 0,
		.first_seen = pw_sql_int(row, 7),
		.fixed_at = pw_sql_isnull(row, 8) ? 0 : pw_sql_int(row, 8),
		.published = pw_sql_isnull(row, 9) ? 0 : pw_sql_int(row, 9),
	};
	pw_err rc = r->cb(r->ctx, &f);
	return rc ? pw_error_set(e, rc, "reading the KPIs' findings: stopped by the reader") : PW_OK;
}

pw_err pw_kpi_each_finding(struct pw_store *s,
			   pw_err (*cb)(void *ctx, const struct pw_kpi_finding *f), void *ctx,
			   struct pw_error *e)
{
	struct finding_reader r = { cb, ctx };
	/* the publication the vulnerability's feed gave (vulns is the feed
	 * tables' own; read only) */
	return pw_sql_run(s, "SELECT f.id, f.host_id, f.vuln_id, f.priority, f.fixable, f.kind,"
			  " f.state, f.first_seen, f.fixed_at,"
			  " (SELECT v.published FROM vulns v WHERE v.id = f.vuln_id)"
			  " FROM findings f ORDER BY f.id",
			  PW_SQL_NOARGS, finding_row, &r, NULL, e);
}

bool pw_kpi_have_jobs(struct pw_store *s)
{
	return pw_sql_component_version(s, "changes") > 0;
}

struct job_reader {
	pw_err (*cb)(void *ctx, int64_t applied, int64_t verified);
	void *ctx;
};

static pw_err job_row(void *ctx, const struct pw_sql_row *row, struct pw_error *e)
{
	struct job_reader *r = ctx;
	pw_err rc = r->cb(r->ctx, pw_sql_int(row, 0), pw_sql_int(row, 1));
	return rc ? pw_error_set(e, rc, "reading verified jobs: stopped by the reader") : PW_OK;
}

pw_err pw_kpi_each_verified_job(struct pw_store *s, int64_t since, int64_t until,
				pw_err (*cb)(void *ctx, int64_t applied, int64_t verified),
				void *ctx, struct pw_error *e)
{
	struct job_reader r = { cb, ctx };
	return pw_sql_run(s, "SELECT dispatched_at, reported_at FROM jobs"
			  " WHERE verified = 1 AND dispatched_at IS NOT NULL"
			  " AND reported_at >= $1 AND reported_at < $2 ORDER BY reported_at",
			  PW_SQL_ARGS(PW_SQL_I(since), PW_SQL_I(until)), job_row, &r, NULL, e);
}

pw_err pw_kpi_daily_put(struct pw_store *s, const char *day, const char *scope,
			const char *name, double value, struct pw_error *e)
{
	return pw_sql_exec(s, "INSERT INTO kpi_daily(day, scope, name, value) VALUES ($1, $2, $3, $4)"
			   " ON CONFLICT (scope, day, name) DO UPDATE SET value = excluded.value",
			   PW_SQL_ARGS(PW_SQL_T(day), PW_SQL_T(scope), PW_SQL_T(name),
				       PW_SQL_R(value)),
			   e);
}

static pw_err has_row(void *ctx, const struct pw_sql_row *row, struct pw_error *e)
{
	(void)row;
	(void)e;
	*(bool *)ctx = true;
	return PW_OK;
}

pw_err pw_kpi_daily_has(struct pw_store *s, const char *day, const char *scope, bool *has,
			struct pw_error *e)
{
	*has = false;
	return pw_sql_run(s, "SELECT 1 FROM kpi_daily WHERE scope = $1 AND day = $2 LIMIT 1",
			  PW_SQL_ARGS(PW_SQL_T(scope), PW_SQL_T(day)), has_row, has, NULL, e);
}

struct series_reader {
	pw_err (*cb)(void *ctx, const char *day, const char *name, double value);
	void *ctx;
};

static pw_err series_row(void *ctx, const struct pw_sql_row *row, struct pw_error *e)
{
	struct series_reader *r = ctx;
	pw_err rc = r->cb(r->ctx, pw_sql_text(row, 0), pw_sql_text(row, 1), pw_sql_real(row, 2));
	return rc ? pw_error_set(e, rc, "reading the KPI series: stopped by the reader") : PW_OK;
}

pw_err pw_kpi_daily_each(struct pw_store *s, const char *scope, const char *from,
			 const char *to,
			 pw_err (*cb)(void *ctx, const char *day, const char *name, double value),
			 void *ctx, struct pw_error *e)
{
	struct series_reader r = { cb, ctx };
	return pw_sql_run(s, "SELECT day, name, value FROM kpi_daily"
			  " WHERE scope = $1 AND day >= $2 AND day <= $3 ORDER BY day, name",
			  PW_SQL_ARGS(PW_SQL_T(scope), PW_SQL_T(from), PW_SQL_T(to)), series_row, &r,
			  NULL, e);
}
