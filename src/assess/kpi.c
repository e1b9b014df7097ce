/* kpi.c - the KPIs from evidence (pw_kpi.h, docs/kpis.md). */
#include "pw_kpi.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pw_clock.h"
#include "pw_exceptions.h"
#include "pw_jsonw.h"
#include "pw_kpi_daily.h"
#include "pw_registry.h"
#include "pw_store.h"

#define DAY 86400

int pw_kpi_sla_days(int priority)
{
	switch (priority) {
	case 1: return 7;
	case 2: return 30;
	case 3: return 90;
	default: return 180;
	}
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

double pw_kpi_rank_quantile(int64_t *v, size_t n, int percent)
{
	if (n == 0 || percent <= 0 || percent > 100)
		return -1;
	qsort(v, n, sizeof(*v), cmp_i64);
	/* ceil(percent * n / 100) in integers, no floating point rounding */
	size_t rank = ((size_t)percent * n + 99) / 100;
	return (double)v[rank - 1];
}

double pw_kpi_median(int64_t *v, size_t n)
{
	if (n == 0)
		return -1;
	qsort(v, n, sizeof(*v), cmp_i64);
	if (n % 2)
		return (double)v[n / 2];
	return ((double)v[n / 2 - 1] + (double)v[n / 2]) / 2;
}

/* ---- the hosts in scope ---- */

struct host {
	int64_t id;
	int criticality;
	bool open_fixable;   /* at until */
	bool open_urgent;    /* an open P1/P2 at until */
};

struct hosts {
	struct host *v;
	size_t n, cap;
	int64_t until;
};

static pw_err host_cb(void *ctx, const struct pw_host *h)
{
	struct hosts *hs = ctx;
	if (h->first_seen > hs->until)
		return PW_OK; /* not registered yet at until */
	if (hs->n == hs->cap) {
		size_t cap = hs->cap ? hs->cap * 2 : 64;
		struct host *p = realloc(hs->v, cap * sizeof(*p));
		if (!p)
			return PW_ERR_NOMEM;
		hs->v = p;
		hs->cap = cap;
	}
	hs->v[hs->n++] = (struct host){ h->id, h->criticality, false, false };
	return PW_OK;
}

static struct host *find_host(struct hosts *hs, int64_t id)
{
	size_t lo = 0, hi = hs->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (hs->v[mid].id == id)
			return &hs->v[mid];
		if (hs->v[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* ---- the findings ---- */

struct acc {
	struct hosts *hosts;
	int64_t since, until;
	struct pw_kpi_report *r;
	int64_t *ttp;
	size_t nttp, cap;
};

static bool open_at(const struct pw_kpi_finding *f, int64_t t)
{
	/* a reopened finding reads as open since it was first seen: its
	 * earlier fixed period is not kept (pw_findings.h) */
	return f->first_seen <= t && (f->fixed_at == 0 || f->fixed_at > t);
}

static pw_err finding_cb(void *ctx, const struct pw_kpi_finding *f)
{
	struct acc *a = ctx;
	struct host *h = find_host(a->hosts, f->host_id);
	if (!h || !f->vulnerability)
		return PW_OK;
	struct pw_kpi_report *r = a->r;
	bool open = open_at(f, a->until);
	bool fixed_in = f->fixed_at && f->fixed_at >= a->since && f->fixed_at < a->until;
	if (open && f->fixable)
		h->open_fixable = true;
	if (open && f->priority <= 2)
		h->open_urgent = true;
	if (f->first_seen >= a->since && f->first_seen < a->until)
		r->opened++;
	int64_t due = f->first_seen + (int64_t)pw_kpi_sla_days(f->priority) * DAY;
	if (fixed_in) {
		r->closed++;
		if (f->fixed_at <= due)
			r->sla_met++;
		else
			r->sla_fixed_late++;
		/* from publication when the feed gives it (and it is not after
		 * the fix was seen), else from when the finding was first seen */
		int64_t start = f->published > 0 && f->published <= f->fixed_at ? f->published
										 : f->first_seen;
		if (a->nttp == a->cap) {
			size_t cap = a->cap ? a->cap * 2 : 256;
			int64_t *p = realloc(a->ttp, cap * sizeof(*p));
			if (!p)
				return PW_ERR_NOMEM;
			a->ttp = p;
			a->cap = cap;
		}
		a->ttp[a->nttp++] = f->fixed_at - start;
	} else if (open && due < a->until) {
		r->sla_open_overdue++;
	}
	return PW_OK;
}

struct mttv {
	int64_t n;
	double sum;
};

static pw_err job_cb(void *ctx, int64_t applied, int64_t verified)
{
	struct mttv *m = ctx;
	if (verified >= applied) {
		m->n++;
		m->sum += (double)(verified - applied);
	}
	return PW_OK;
}

static double ratio(int64_t num, int64_t den)
{
	return den > 0 ? (double)num / (double)den : -1;
}

pw_err pw_kpi_compute(struct pw_store *s, const struct pw_kpi_scope *scope, int64_t since,
		      int64_t until, struct pw_kpi_report *out, struct pw_error *e)
{
	memset(out, 0, sizeof(*out));
	out->since = since;
	out->until = until;
	struct hosts hs = { .until = until };
	struct acc a = { .hosts = &hs, .since = since, .until = until, .r = out };
	struct pw_host_query q = { .group = scope ? scope->group : NULL,
				   .environment = scope ? scope->environment : NULL };
	pw_err rc = pw_registry_each_host_matching(s, &q, host_cb, &hs, e);
	if (rc)
		goto fail;
	/* in id order already; sorted for the lookups all the same */
	for (size_t i = 1; i < hs.n; i++) {
		if (hs.v[i - 1].id > hs.v[i].id) {
			qsort(hs.v, hs.n, sizeof(*hs.v), cmp_i64); /* id is the first member */
			break;
		}
	}
	if ((rc = pw_kpi_each_finding(s, finding_cb, &a, e)))
		goto fail;
	out->hosts = (int64_t)hs.n;
	for (size_t i = 0; i < hs.n; i++) {
		out->hosts_covered += !hs.v[i].open_fixable;
		if (hs.v[i].criticality >= 4) {
			out->critical_hosts++;
			out->unpatched_critical += hs.v[i].open_urgent;
		}
	}
	out->patch_coverage = ratio(out->hosts_covered, out->hosts);
	out->patched = (int64_t)a.nttp;
	double med = pw_kpi_median(a.ttp, a.nttp), p90 = pw_kpi_rank_quantile(a.ttp, a.nttp, 90);
	out->ttp_median_days = med < 0 ? -1 : med / DAY;
	out->ttp_p90_days = p90 < 0 ? -1 : p90 / DAY;
	out->remediation_rate = ratio(out->closed, out->opened);
	out->sla_compliance = ratio(out->sla_met,
				    out->sla_met + out->sla_fixed_late + out->sla_open_overdue);
	out->mttv_available = pw_kpi_have_jobs(s);
	out->mttv_days = -1;
	if (out->mttv_available) {
		struct mttv m = { 0 };
		if ((rc = pw_kpi_each_verified_job(s, since, until, job_cb, &m, e)))
			goto fail;
		out->verified_jobs = m.n;
		out->mttv_days = m.n ? m.sum / (double)m.n / DAY : -1;
	}
	if ((rc = pw_exceptions_count_active(s, until, &out->open_exceptions, e)))
		goto fail;
	free(hs.v);
	free(a.ttp);
	return PW_OK;
fail:
	if (rc == PW_ERR_NOMEM && !e->msg[0])
		pw_error_set(e, rc, "out of memory computing the KPIs");
	free(hs.v);
	free(a.ttp);
	return rc;
}

/* ---- JSON ---- */

static void kreal(struct pw_jsonw *w, const char *key, double v)
{
	pw_jsonw_key(w, key);
	if (v < 0) {
		pw_jsonw_null(w);
		return;
	}
	/* four decimals: a ratio or days, not a float's noise */
	pw_jsonw_real(w, (double)(int64_t)(v * 10000 + 0.5) / 10000);
}

static void kint(struct pw_jsonw *w, const char *key, int64_t v)
{
	pw_jsonw_key(w, key);
	pw_jsonw_int(w, v);
}

static void write_members(struct pw_jsonw *w, const struct pw_kpi_report *r)
{
	char t[32];
	pw_jsonw_kstr(w, "since", pw_clock_format(r->since, t, sizeof(t)));
	pw_jsonw_kstr(w, "until", pw_clock_format(r->until, t, sizeof(t)));
	kint(w, "hosts", r->hosts);

	pw_jsonw_key(w, "patch_coverage");
	pw_jsonw_begin_object(w);
	kreal(w, "value", r->patch_coverage);
	kint(w, "hosts_covered", r->hosts_covered);
	kint(w, "hosts", r->hosts);
	pw_jsonw_end_object(w);

	pw_jsonw_key(w, "time_to_patch");
	pw_jsonw_begin_object(w);
	kint(w, "findings", r->patched);
	kreal(w, "median_days", r->ttp_median_days);
	kreal(w, "p90_days", r->ttp_p90_days);
	pw_jsonw_end_object(w);

	pw_jsonw_key(w, "mean_time_to_verify");
	pw_jsonw_begin_object(w);
	kreal(w, "days", r->mttv_days);
	kint(w, "jobs", r->verified_jobs);
	pw_jsonw_key(w, "note");
	if (!r->mttv_available)
		pw_jsonw_string(w, "n/a until deployments exist");
	else if (r->mttv_days < 0)
		pw_jsonw_string(w, "n/a: no deployment job verified in the period");
	else
		pw_jsonw_null(w);
	pw_jsonw_end_object(w);

	pw_jsonw_key(w, "unpatched_critical_systems");
	pw_jsonw_begin_object(w);
	kint(w, "value", r->unpatched_critical);
	kint(w, "critical_hosts", r->critical_hosts);
	pw_jsonw_end_object(w);

	pw_jsonw_key(w, "remediation");
	pw_jsonw_begin_object(w);
	kint(w, "opened", r->opened);
	kint(w, "closed", r->closed);
	kreal(w, "rate", r->remediation_rate);
	pw_jsonw_end_object(w);

	pw_jsonw_key(w, "sla");
	pw_jsonw_begin_object(w);
	kreal(w, "compliance", r->sla_compliance);
	kint(w, "met", r->sla_met);
	kint(w, "breaches", r->sla_fixed_late + r->sla_open_overdue);
	kint(w, "fixed_late", r->sla_fixed_late);
	kint(w, "open_overdue", r->sla_open_overdue);
	pw_jsonw_key(w, "days");
	pw_jsonw_begin_object(w);
	for (int p = 1; p <= 4; p++) {
		char k[4] = { 'P', (char)('0' + p), 0, 0 };
		kint(w, k, pw_kpi_sla_days(p));
	}
	pw_jsonw_end_object(w);
	pw_jsonw_end_object(w);

	kint(w, "open_exceptions", r->open_exceptions);
}

void pw_kpi_write(struct pw_jsonw *w, const struct pw_kpi_report *r)
{
	pw_jsonw_begin_object(w);
	write_members(w, r);
	pw_jsonw_end_object(w);
}

struct series {
	struct pw_jsonw *w;
	char day[16];
	bool open;
};

static pw_err series_cb(void *ctx, const char *day, const char *name, double value)
{
	struct series *sr = ctx;
	if (!sr->open || strcmp(sr->day, day) != 0) {
		if (sr->open)
			pw_jsonw_end_object(sr->w);
		pw_jsonw_begin_object(sr->w);
		pw_jsonw_kstr(sr->w, "day", day);
		snprintf(sr->day, sizeof(sr->day), "%s", day);
		sr->open = true;
	}
	kreal(sr->w, name, value);
	return PW_OK;
}

pw_err pw_kpi_write_document(struct pw_store *s, struct pw_jsonw *w,
			     const struct pw_kpi_scope *scope, int64_t since, int64_t until,
			     struct pw_error *e)
{
	struct pw_kpi_report r;
	pw_err rc = pw_kpi_compute(s, scope, since, until, &r, e);
	if (rc)
		return rc;
	pw_jsonw_begin_object(w);
	pw_jsonw_key(w, "scope");
	pw_jsonw_begin_object(w);
	pw_jsonw_key(w, "group");
	if (scope && scope->group)
		pw_jsonw_string(w, scope->group);
	else
		pw_jsonw_null(w);
	pw_jsonw_key(w, "environment");
	if (scope && scope->environment)
		pw_jsonw_string(w, scope->environment);
	else
		pw_jsonw_null(w);
	pw_jsonw_end_object(w);
	write_members(w, &r);
	pw_jsonw_key(w, "series");
	pw_jsonw_begin_array(w);
	bool group = scope && scope->group, env = scope && scope->environment;
	if (!(group && env)) {
		char name[96], from[32], to[32];
		snprintf(name, sizeof(name), "%s%s", group ? "group:" : env ? "environment:" : "all",
			 group ? scope->group : env ? scope->environment : "");
		pw_clock_format(since, from, sizeof(from));
		pw_clock_format(until, to, sizeof(to));
		from[10] = to[10] = '\0';
		struct series sr = { .w = w };
		if ((rc = pw_kpi_daily_each(s, name, from, to, series_cb, &sr, e)))
			return rc;
		if (sr.open)
			pw_jsonw_end_object(w);
	}
	pw_jsonw_end_array(w);
	pw_jsonw_end_object(w);
	return PW_OK;
}

/* ---- the daily series ---- */

static pw_err put_report(struct pw_store *s, const char *day, const char *scope,
			 const struct pw_kpi_report *r, struct pw_error *e)
{
	const struct { const char *name; double v; } vals[] = {
		{ "hosts", (double)r->hosts },
		{ "patch_coverage", r->patch_coverage },
		{ "ttp_median_days", r->ttp_median_days },
		{ "ttp_p90_days", r->ttp_p90_days },
		{ "mttv_days", r->mttv_days },
		{ "unpatched_critical_systems", (double)r->unpatched_critical },
		{ "opened", (double)r->opened },
		{ "closed", (double)r->closed },
		{ "remediation_rate", r->remediation_rate },
		{ "sla_compliance", r->sla_compliance },
		{ "sla_breaches", (double)(r->sla_fixed_late + r->sla_open_overdue) },
		{ "open_exceptions", (double)r->open_exceptions },
	};
	for (size_t i = 0; i < sizeof(vals) / sizeof(vals[0]); i++) {
		if (vals[i].v < 0)
			continue; /* n/a: no row */
		pw_err rc = pw_kpi_daily_put(s, day, scope, vals[i].name, vals[i].v, e);
		if (rc)
			return rc;
	}
	return PW_OK;
}

#define MAX_SCOPES 256

struct scopes {
	char names[MAX_SCOPES][80];
	size_t n;
};

static void add_scope(struct scopes *sc, const char *kind, const char *name)
{
	for (size_t i = 0; i < sc->n; i++) {
		char want[80];
		snprintf(want, sizeof(want), "%s:%s", kind, name);
		if (strcmp(sc->names[i], want) == 0)
			return;
	}
	if (sc->n < MAX_SCOPES)
		snprintf(sc->names[sc->n++], sizeof(sc->names[0]), "%s:%s", kind, name);
}

static pw_err env_cb(void *ctx, const struct pw_host *h)
{
	if (h->environment && strlen(h->environment) < 64)
		add_scope(ctx, "environment", h->environment);
	return PW_OK;
}

static pw_err group_cb(void *ctx, const struct pw_group *g)
{
	if (strlen(g->name) < 64)
		add_scope(ctx, "group", g->name);
	return PW_OK;
}

static pw_err fill_one(struct pw_store *s, const char *scope_name, const char *day,
		       int64_t until, struct pw_error *e)
{
	struct pw_kpi_scope scope = { 0 };
	const char *colon = strchr(scope_name, ':');
	if (colon && strncmp(scope_name, "group:", 6) == 0)
		scope.group = colon + 1;
	else if (colon)
		scope.environment = colon + 1;
	struct pw_kpi_report r;
	pw_err rc = pw_kpi_compute(s, &scope, until - 30 * DAY, until, &r, e);
	if (rc)
		return rc;
	if ((rc = pw_store_begin(s, e)))
		return rc;
	if ((rc = put_report(s, day, scope_name, &r, e))) {
		pw_store_rollback(s);
		return rc;
	}
	return pw_store_commit(s, e);
}

pw_err pw_kpi_daily_fill(struct pw_store *s, int64_t now, int days, struct pw_error *e)
{
	struct scopes *sc = calloc(1, sizeof(*sc));
	if (!sc)
		return pw_error_set(e, PW_ERR_NOMEM, "out of memory filling the KPI series");
	snprintf(sc->names[sc->n++], sizeof(sc->names[0]), "all");
	struct pw_host_query q = { 0 };
	pw_err rc = pw_registry_each_host_matching(s, &q, env_cb, sc, e);
	if (!rc)
		rc = pw_registry_each_group(s, group_cb, sc, e);
	int64_t today = now - now % DAY;
	for (size_t i = 0; !rc && i < sc->n; i++) {
		char day[32];
		/* complete days: as of the midnight ending each, once */
		for (int d = days; !rc && d >= 1; d--) {
			int64_t end = today - (int64_t)(d - 1) * DAY;
			pw_clock_format(end - DAY, day, sizeof(day));
			day[10] = '\0';
			bool has;
			if ((rc = pw_kpi_daily_has(s, day, sc->names[i], &has, e)) || has)
				continue;
			rc = fill_one(s, sc->names[i], day, end, e);
		}
		/* today so far */
		if (!rc) {
			pw_clock_format(today, day, sizeof(day));
			day[10] = '\0';
			rc = fill_one(s, sc->names[i], day, now, e);
		}
	}
	free(sc);
	return rc;
}
