/* pw_kpi.h - the patch management KPIs, computed from evidence: the
 * findings' lives (first seen, fixed at), the vulnerabilities' publication
 * dates, the hosts' register entries, the exceptions, and deployment job
 * results once they exist. docs/kpis.md defines each one precisely; the
 * names here are the JSON's.
 *
 * A KPI is computed for a period [since, until) and a scope (every host,
 * a group's hosts, an environment's hosts). Point-in-time figures
 * (coverage, unpatched critical systems, open exceptions) are as of until,
 * from the findings' history, so a past date can be computed again.
 */
#ifndef PW_KPI_H
#define PW_KPI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pw_err.h"

struct pw_store;
struct pw_jsonw;

/* The remediation SLA of a priority in days (P1 7, P2 30, P3 90, P4 180):
 * one function, for the deployment policy's own to replace. */
int pw_kpi_sla_days(int priority);

/* The percent-th percentile (1..100) of v[0..n) by the nearest-rank
 * method: the ceil(percent * n / 100)-th smallest value. v is sorted in
 * place. n == 0: -1. */
double pw_kpi_rank_quantile(int64_t *v, size_t n, int percent);
/* The median: the middle value, the mean of the two middle ones for an
 * even n. v is sorted in place. n == 0: -1. */
double pw_kpi_median(int64_t *v, size_t n);

struct pw_kpi_scope {
	const char *group;        /* a group's name; NULL: no group condition */
	const char *environment;  /* an environment; NULL: every one */
};

/* A ratio's or a duration's value is < 0 when there is nothing to compute
 * it from ("n/a"). Durations in days. */
struct pw_kpi_report {
	int64_t since, until;
	int64_t hosts;                 /* in scope: registered by until, not retired */
	int64_t hosts_covered;         /* no open fixable vulnerability at until */
	double patch_coverage;         /* hosts_covered / hosts */
	int64_t patched;               /* findings fixed in the period */
	double ttp_median_days, ttp_p90_days;
	bool mttv_available;           /* a deployment jobs table exists */
	int64_t verified_jobs;         /* jobs verified in the period */
	double mttv_days;              /* their mean time from dispatch to verified report */
	int64_t critical_hosts;        /* criticality >= 4 */
	int64_t unpatched_critical;    /* of them, with an open P1 or P2 at until */
	int64_t opened, closed;        /* findings first seen / fixed in the period */
	double remediation_rate;       /* closed / opened */
	int64_t sla_met, sla_fixed_late, sla_open_overdue;
	double sla_compliance;         /* met / (met + fixed late + open overdue) */
	int64_t open_exceptions;       /* approved and in force at until (fleet-wide) */
};

/* Compute the KPIs of scope over [since, until). PW_ERR_NOTFOUND for an
 * unknown group. */
pw_err pw_kpi_compute(struct pw_store *s, const struct pw_kpi_scope *scope, int64_t since,
		      int64_t until, struct pw_kpi_report *out, struct pw_error *e);

/* The report as a JSON object (GET /api/v1/kpis, `patchwarden kpi
 * --format json`), without its series. */
void pw_kpi_write(struct pw_jsonw *w, const struct pw_kpi_report *r);

/* The document GET /api/v1/kpis answers: the report of scope over
 * [since, until) as pw_kpi_write, with "scope" and "series", the daily
 * values kept for the scope (pw_kpi_daily_fill) from since's day to
 * until's: [{"day": "2026-11-30", "patch_coverage": 0.5, ...}]; a scope
 * of both a group and an environment has no series ([]). */
pw_err pw_kpi_write_document(struct pw_store *s, struct pw_jsonw *w,
			     const struct pw_kpi_scope *scope, int64_t since, int64_t until,
			     struct pw_error *e);

/* The daily series: for every scope ("all", each environment, each group)
 * the KPIs of the 30 days ending at each UTC midnight of the last `days`
 * days that has none yet, and of today so far (rewritten each run). */
pw_err pw_kpi_daily_fill(struct pw_store *s, int64_t now, int days, struct pw_error *e);

#endif
