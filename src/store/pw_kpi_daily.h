/* pw_kpi_daily.h - the KPIs' evidence and their daily series.
 *
 * The evidence: every finding's life (first seen, fixed at, priority,
 * kind) with the publication date of its vulnerability when a feed gave
 * one, read in one pass. The series: one row per (day, scope, KPI name),
 * a day being a UTC date "YYYY-MM-DD" and a scope "all",
 * "environment:NAME" or "group:NAME" (pw_kpi.h computes and writes them).
 */
#ifndef PW_KPI_DAILY_H
#define PW_KPI_DAILY_H

#include <stdbool.h>
#include <stdint.h>

#include "pw_err.h"

struct pw_store;

/* The "kpi_daily" component's table (pw_sql_migrate). */
pw_err pw_kpi_daily_migrate(struct pw_store *s, struct pw_error *e);

/* One finding as the KPIs read it. vuln_id valid during the callback. */
struct pw_kpi_finding {
	int64_t id, host_id;
	const char *vuln_id;
	int priority;        /* 1-4 */
	bool fixable;
	bool vulnerability;  /* kind vulnerability (not a pending update) */
	bool open;           /* now */
	int64_t first_seen;
	int64_t fixed_at;    /* 0: open */
	int64_t published;   /* the vulnerability's publication; 0 unknown */
};
pw_err pw_kpi_each_finding(struct pw_store *s,
			   pw_err (*cb)(void *ctx, const struct pw_kpi_finding *f), void *ctx,
			   struct pw_error *e);

/* Whether the deployment jobs table exists (the "changes" component):
 * mean time to verify needs its results. */
bool pw_kpi_have_jobs(struct pw_store *s);

/* Deployment jobs verified (the agent reported the fixed versions
 * installed, verified = 1) with their report in [since, until): for each,
 * when it was dispatched (applied) and reported (verified). */
pw_err pw_kpi_each_verified_job(struct pw_store *s, int64_t since, int64_t until,
				pw_err (*cb)(void *ctx, int64_t applied, int64_t verified),
				void *ctx, struct pw_error *e);

/* Put one value (in the caller's transaction, or its own). */
pw_err pw_kpi_daily_put(struct pw_store *s, const char *day, const char *scope,
			const char *name, double value, struct pw_error *e);
/* Whether day already has values for scope. */
pw_err pw_kpi_daily_has(struct pw_store *s, const char *day, const char *scope, bool *has,
			struct pw_error *e);
/* The values of scope for days in [from, to] (dates, inclusive), by day
 * then name. */
pw_err pw_kpi_daily_each(struct pw_store *s, const char *scope, const char *from,
			 const char *to,
			 pw_err (*cb)(void *ctx, const char *day, const char *name, double value),
			 void *ctx, struct pw_error *e);

#endif
