/* test_kpi.c - the KPI math and exception matching.
 *
 * The median and the 90th percentile on the small known sets of
 * tests/data/kpi/quantiles.data; exception rules matched by hand-built
 * sets (vulnerability, host, package or binary); then on a real SQLite
 * store: an approved exception on a group covers its members' findings
 * and nothing else, a requested or expired one covers none; and the KPIs
 * of a seeded fleet (findings written at known times) equal the figures
 * worked out by hand in the comments. */
#include "pw_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pw_clock.h"
#include "pw_exception_match.h"
#include "pw_exceptions.h"
#include "pw_findings.h"
#include "pw_kpi.h"
#include "pw_kpi_daily.h"
#include "pw_migrations.h"
#include "pw_registry.h"
#include "pw_sql.h"
#include "pw_store.h"
#include "pw_timearg.h"

#define DAY 86400
#define T0 1800000000LL /* 2027-01-15T08:00:00Z */

/* ---- quantiles, from the data file ---- */

static bool near(double a, double b)
{
	return a - b < 1e-9 && b - a < 1e-9;
}

static void test_quantiles_of_known_sets(void **state)
{
	(void)state;
	FILE *f = fopen(PW_TEST_DATA "/kpi/quantiles.data", "r");
	assert_non_null(f);
	char line[1024];
	int cases = 0;
	while (fgets(line, sizeof(line), f)) {
		if (line[0] == '#' || line[0] == '\n')
			continue;
		int64_t v[64], w[64];
		size_t n = 0;
		char *p = line;
		while (*p && *p != '|') {
			char *end;
			long long x = strtoll(p, &end, 10);
			if (end == p) {
				p++;
				continue;
			}
			assert_true(n < 64);
			v[n++] = x;
			p = end;
		}
		assert_int_equal(*p, '|');
		double med = strtod(p + 1, &p);
		assert_int_equal(*strchr(p, '|'), '|');
		double p90 = strtod(strchr(p, '|') + 1, NULL);
		memcpy(w, v, n * sizeof(*v));
		double got = pw_kpi_median(v, n);
		if (!near(got, med))
			fail_msg("%s: median %g, want %g", line, got, med);
		got = pw_kpi_rank_quantile(w, n, 90);
		if (!near(got, p90))
			fail_msg("%s: p90 %g, want %g", line, got, p90);
		cases++;
	}
	fclose(f);
	assert_true(cases >= 10);
	assert_true(pw_kpi_median(NULL, 0) < 0);
	assert_true(pw_kpi_rank_quantile(NULL, 0, 90) < 0);
}

/* ---- --since/--until values, from the data file ---- */

static char *trim(char *s)
{
	while (*s == ' ')
		s++;
	size_t n = strlen(s);
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\n'))
		s[--n] = '\0';
	return s;
}

static void test_time_arguments(void **state)
{
	(void)state;
	FILE *f = fopen(PW_TEST_DATA "/kpi/timeargs.data", "r");
	assert_non_null(f);
	char line[256];
	int cases = 0;
	while (fgets(line, sizeof(line), f)) {
		if (line[0] == '#')
			continue;
		char *a = strtok(line, "|"), *b = strtok(NULL, "|"), *c = strtok(NULL, "|");
		assert_non_null(c);
		a = trim(a);
		b = trim(b);
		c = trim(c);
		const char *want[2] = { b, c };
		for (int dir = 0; dir < 2; dir++) {
			int64_t t = 0;
			bool ok = pw_timearg_parse(a, T0, dir ? PW_TIMEARG_FUTURE : PW_TIMEARG_PAST, &t);
			if (strcmp(want[dir], "bad") == 0) {
				if (ok)
					fail_msg("'%s' accepted as %lld", a, (long long)t);
			} else if (!ok || t != strtoll(want[dir], NULL, 10)) {
				fail_msg("'%s' (%s): %s %lld, want %s", a, dir ? "future" : "past",
					 ok ? "got" : "refused", (long long)t, want[dir]);
			}
		}
		cases++;
	}
	fclose(f);
	assert_true(cases >= 15);
}

static void test_sla_days(void **state)
{
	(void)state;
	assert_int_equal(pw_kpi_sla_days(1), 7);
	assert_int_equal(pw_kpi_sla_days(2), 30);
	assert_int_equal(pw_kpi_sla_days(3), 90);
	assert_int_equal(pw_kpi_sla_days(4), 180);
}

/* ---- matching, by hand-built sets ---- */

static void test_match_rules(void **state)
{
	(void)state;
	struct pw_exception_set set;
	pw_exception_set_init(&set);
	const int64_t group[] = { 9, 3, 5 }, one[] = { 7 };
	assert_true(pw_exception_set_add(&set, 11, "CVE-1", "openssl", group, 3));
	assert_true(pw_exception_set_add(&set, 12, "CVE-2", NULL, one, 1));
	assert_true(pw_exception_set_add(&set, 13, "CVE-1", NULL, one, 1));
	/* host in the group, package as matched */
	assert_int_equal(pw_exception_set_match(&set, 5, "CVE-1", "openssl", NULL), 11);
	/* or one of the binaries */
	assert_int_equal(pw_exception_set_match(&set, 3, "CVE-1", "openssl-src", "libssl3,openssl"),
			 11);
	assert_int_equal(pw_exception_set_match(&set, 3, "CVE-1", "openssl-src", "libssl3,openss"),
			 0);
	/* a host outside the group, another vulnerability, another package */
	assert_int_equal(pw_exception_set_match(&set, 4, "CVE-1", "openssl", NULL), 0);
	assert_int_equal(pw_exception_set_match(&set, 5, "CVE-3", "openssl", NULL), 0);
	assert_int_equal(pw_exception_set_match(&set, 5, "CVE-1", "curl", "curl,libcurl4"), 0);
	/* no package: every package of that host */
	assert_int_equal(pw_exception_set_match(&set, 7, "CVE-2", "zlib", NULL), 12);
	assert_int_equal(pw_exception_set_match(&set, 7, "CVE-1", "anything", NULL), 13);
	assert_int_equal(pw_exception_set_match(&set, 7, NULL, "zlib", NULL), 0);
	/* the vulnerability is matched exactly */
	assert_int_equal(pw_exception_set_match(&set, 7, "cve-2", "zlib", NULL), 0);
	pw_exception_set_free(&set);
}

/* ---- on a real store ---- */

struct fixture {
	char path[64];
	struct pw_store *s;
	int64_t web1, web2, db1;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	snprintf(f->path, sizeof(f->path), "/tmp/pw-test-kpi-XXXXXX");
	int fd = mkstemp(f->path);
	assert_true(fd >= 0);
	close(fd);
	unlink(f->path);
	struct pw_error e = { 0 };
	assert_int_equal(pw_store_open(f->path, &f->s, &e), PW_OK);
	assert_int_equal(pw_migrations_run(f->s, &e), PW_OK);
	bool created;
	assert_int_equal(pw_store_begin(f->s, &e), PW_OK);
	assert_int_equal(pw_registry_host_ensure(f->s, PW_HOST_IMPORT, "m-web1", "web1", "web", T0,
						 &f->web1, &created, &e), PW_OK);
	assert_int_equal(pw_registry_host_ensure(f->s, PW_HOST_IMPORT, "m-web2", "web2", "web", T0,
						 &f->web2, &created, &e), PW_OK);
	assert_int_equal(pw_registry_host_ensure(f->s, PW_HOST_IMPORT, "m-db1", "db1", NULL, T0,
						 &f->db1, &created, &e), PW_OK);
	assert_int_equal(pw_store_commit(f->s, &e), PW_OK);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	char p[96];
	pw_store_close(f->s);
	unlink(f->path);
	snprintf(p, sizeof(p), "%s-wal", f->path);
	unlink(p);
	snprintf(p, sizeof(p), "%s-shm", f->path);
	unlink(p);
	free(f);
	pw_clock_set(-1);
	return 0;
}

static struct pw_finding_row row(const char *vuln, const char *pkg, int priority)
{
	return (struct pw_finding_row){ .vuln_id = vuln, .package = pkg, .installed = "1.0",
					.fixed = "1.1", .fixable = true, .affect_status = "fixed",
					.patch = "yes", .score = 50, .priority = priority,
					.cvss = -1, .epss = -1 };
}

static void put(struct fixture *f, int64_t host, const char *name, struct pw_finding_row *rows,
		size_t n, int64_t at)
{
	struct pw_error e = { 0 };
	assert_int_equal(pw_findings_put_host(f->s, host, name, rows, n, at, NULL, &e), PW_OK);
}

static int64_t request(struct fixture *f, const char *vuln, int64_t host, int64_t group,
		       const char *pkg, int64_t now, int64_t expires)
{
	struct pw_error e = { 0 };
	struct pw_exception_request req = { vuln, host, group, pkg, "reason", "control", expires };
	int64_t id = 0;
	assert_int_equal(pw_store_begin(f->s, &e), PW_OK);
	assert_int_equal(pw_exceptions_request(f->s, &req, "user:alice", 1, now, &id, &e), PW_OK);
	assert_int_equal(pw_store_commit(f->s, &e), PW_OK);
	return id;
}

static pw_err decide(struct fixture *f, int64_t id, enum pw_exception_action act,
		     const char *actor, int64_t user, int64_t now,
		     enum pw_exception_refusal *why)
{
	struct pw_error e = { 0 };
	assert_int_equal(pw_store_begin(f->s, &e), PW_OK);
	pw_err rc = pw_exceptions_decide(f->s, id, act, actor, user, NULL, now, why, &e);
	if (rc)
		pw_store_rollback(f->s);
	else
		assert_int_equal(pw_store_commit(f->s, &e), PW_OK);
	return rc;
}

static void test_store_exceptions_match_their_scope(void **state)
{
	struct fixture *f = *state;
	struct pw_error e = { 0 };
	int64_t web;
	assert_int_equal(pw_registry_group_find(f->s, "web", &web, &e), PW_OK);
	int64_t x1 = request(f, "CVE-1", 0, web, "openssl", T0, T0 + 30 * DAY);
	int64_t x2 = request(f, "CVE-2", f->db1, 0, NULL, T0, T0 + 2 * DAY);
	int64_t x3 = request(f, "CVE-3", f->db1, 0, NULL, T0, T0 + 2 * DAY);
	/* the requester never decides, even as another principal of hers */
	enum pw_exception_refusal why;
	assert_int_equal(decide(f, x1, PW_EXC_APPROVE, "user:alice", 1, T0, &why), PW_ERR_INVALID);
	assert_int_equal(why, PW_EXC_SELF);
	assert_int_equal(decide(f, x1, PW_EXC_APPROVE, "token:4:ci", 1, T0, &why), PW_ERR_INVALID);
	assert_int_equal(why, PW_EXC_SELF);
	assert_int_equal(decide(f, x1, PW_EXC_APPROVE, "user:bob", 2, T0, &why), PW_OK);
	assert_int_equal(decide(f, x2, PW_EXC_APPROVE, "user:bob", 2, T0, &why), PW_OK);
	assert_int_equal(decide(f, x1, PW_EXC_APPROVE, "user:bob", 2, T0, &why), PW_ERR_INVALID);
	assert_int_equal(why, PW_EXC_WRONG_STATE);
	(void)x3; /* left requested */

	struct pw_exception_set set;
	assert_int_equal(pw_exception_set_load(f->s, T0 + DAY, &set, &e), PW_OK);
	assert_int_equal(set.n, 2);
	assert_int_equal(pw_exception_set_match(&set, f->web1, "CVE-1", "openssl", NULL), x1);
	assert_int_equal(pw_exception_set_match(&set, f->web2, "CVE-1", "openssl", NULL), x1);
	assert_int_equal(pw_exception_set_match(&set, f->db1, "CVE-1", "openssl", NULL), 0);
	assert_int_equal(pw_exception_set_match(&set, f->db1, "CVE-2", "zlib", NULL), x2);
	assert_int_equal(pw_exception_set_match(&set, f->db1, "CVE-3", "zlib", NULL), 0);
	pw_exception_set_free(&set);

	/* two days on: x2 reads expired, before any expiry run */
	assert_int_equal(pw_exception_set_load(f->s, T0 + 2 * DAY, &set, &e), PW_OK);
	assert_int_equal(set.n, 1);
	assert_int_equal(pw_exception_set_match(&set, f->db1, "CVE-2", "zlib", NULL), 0);
	pw_exception_set_free(&set);
	struct pw_arena a;
	pw_arena_init(&a);
	struct pw_exception x;
	assert_int_equal(pw_exceptions_get(f->s, x2, T0 + 2 * DAY, &a, &x, &e), PW_OK);
	assert_int_equal(x.state, PW_EXC_EXPIRED);
	pw_arena_free(&a);
	/* the run marks both due ones (the approved and the requested) */
	int64_t n = 0;
	assert_int_equal(pw_exceptions_expire(f->s, T0 + 2 * DAY, NULL, NULL, &n, &e), PW_OK);
	assert_int_equal(n, 2);
	assert_int_equal(pw_exceptions_expire(f->s, T0 + 2 * DAY, NULL, NULL, &n, &e), PW_OK);
	assert_int_equal(n, 0);
	/* in force at a time: x1 and x2 at T0 + 1 day, x1 alone later */
	assert_int_equal(pw_exceptions_count_active(f->s, T0 + DAY, &n, &e), PW_OK);
	assert_int_equal(n, 2);
	assert_int_equal(pw_exceptions_count_active(f->s, T0 + 3 * DAY, &n, &e), PW_OK);
	assert_int_equal(n, 1);
	/* bounds: expiry past 365 days, no scope, both scopes */
	struct pw_exception_request bad = { "CVE-9", f->db1, 0, NULL, "r", "c", T0 + 366 * DAY };
	int64_t id;
	assert_int_equal(pw_store_begin(f->s, &e), PW_OK);
	assert_int_equal(pw_exceptions_request(f->s, &bad, "user:a", 1, T0, &id, &e), PW_ERR_INVALID);
	bad.expires_at = T0 + DAY;
	bad.host_id = 0;
	assert_int_equal(pw_exceptions_request(f->s, &bad, "user:a", 1, T0, &id, &e), PW_ERR_INVALID);
	bad.host_id = f->db1;
	bad.group_id = web;
	assert_int_equal(pw_exceptions_request(f->s, &bad, "user:a", 1, T0, &id, &e), PW_ERR_INVALID);
	bad.group_id = 0;
	bad.host_id = 999;
	assert_int_equal(pw_exceptions_request(f->s, &bad, "user:a", 1, T0, &id, &e), PW_ERR_NOTFOUND);
	pw_store_rollback(f->s);
}

struct series {
	int days;
	char last_day[16];
	double last_coverage;
};

static pw_err series_cb(void *ctx, const char *day, const char *name, double value)
{
	struct series *s = ctx;
	if (strcmp(s->last_day, day) != 0) {
		s->days++;
		snprintf(s->last_day, sizeof(s->last_day), "%s", day);
	}
	if (strcmp(name, "patch_coverage") == 0)
		s->last_coverage = value;
	return PW_OK;
}

/* The seeded fleet, by hand:
 *   T0: web1 CVE-A (P1) and CVE-B (P3); web2 CVE-A (P1); db1 CVE-C (P2)
 *   T0 + 3d: web1 fixes CVE-A            (3 days, within P1's 7)
 *   T0 + 10d: web2 fixes CVE-A           (10 days, late for P1)
 *   T0 + 12d: db1 fixes CVE-C            (12 days, within P2's 30)
 * Report over [T0 - 1d, T0 + 20d): opened 4, closed 3, rate 0.75;
 * time to patch {3, 10, 12} days (no publication dates): median 10, p90 12;
 * SLA: met 2 (web1 A, db1 C), fixed late 1 (web2 A), open overdue 0 (web1 B
 * is due at T0 + 90d): compliance 2/3; coverage at T0 + 20d: web2 and db1
 * clean, web1 has B open: 2 of 3. db1 criticality 5: with C open at
 * T0 + 5d it is an unpatched critical system then, not at T0 + 20d. */
static void test_kpis_of_a_seeded_fleet(void **state)
{
	struct fixture *f = *state;
	struct pw_error e = { 0 };
	struct pw_finding_row w1[] = { row("CVE-A", "openssl", 1), row("CVE-B", "zlib", 3) };
	struct pw_finding_row w2[] = { row("CVE-A", "openssl", 1) };
	struct pw_finding_row d1[] = { row("CVE-C", "curl", 2) };
	put(f, f->web1, "web1", w1, 2, T0);
	put(f, f->web2, "web2", w2, 1, T0);
	put(f, f->db1, "db1", d1, 1, T0);
	struct pw_finding_row w1b[] = { row("CVE-B", "zlib", 3) };
	put(f, f->web1, "web1", w1b, 1, T0 + 3 * DAY);
	put(f, f->web2, "web2", NULL, 0, T0 + 10 * DAY);
	put(f, f->db1, "db1", NULL, 0, T0 + 12 * DAY);
	struct pw_host_patch hp = { .set_criticality = true, .criticality = 5,
				    .set_environment = true, .environment = "production" };
	assert_int_equal(pw_store_begin(f->s, &e), PW_OK);
	assert_int_equal(pw_registry_host_update(f->s, f->db1, &hp, "user:test", &e), PW_OK);
	assert_int_equal(pw_store_commit(f->s, &e), PW_OK);

	struct pw_kpi_report r;
	assert_int_equal(pw_kpi_compute(f->s, NULL, T0 - DAY, T0 + 20 * DAY, &r, &e), PW_OK);
	assert_int_equal(r.hosts, 3);
	assert_int_equal(r.opened, 4);
	assert_int_equal(r.closed, 3);
	assert_true(near(r.remediation_rate, 0.75));
	assert_int_equal(r.patched, 3);
	assert_true(near(r.ttp_median_days, 10));
	assert_true(near(r.ttp_p90_days, 12));
	assert_int_equal(r.sla_met, 2);
	assert_int_equal(r.sla_fixed_late, 1);
	assert_int_equal(r.sla_open_overdue, 0);
	assert_true(near(r.sla_compliance, 2.0 / 3));
	assert_int_equal(r.hosts_covered, 2);
	assert_true(near(r.patch_coverage, 2.0 / 3));
	assert_int_equal(r.critical_hosts, 1);
	assert_int_equal(r.unpatched_critical, 0);
	/* no deployment job verified yet: n/a */
	assert_true(r.mttv_available);
	assert_int_equal(r.verified_jobs, 0);
	assert_true(r.mttv_days < 0);
	/* as of T0 + 5d: db1's P2 open, web2's P1 open 5 days (not yet due) */
	assert_int_equal(pw_kpi_compute(f->s, NULL, T0 - DAY, T0 + 5 * DAY, &r, &e), PW_OK);
	assert_int_equal(r.unpatched_critical, 1);
	assert_int_equal(r.hosts_covered, 0);
	assert_int_equal(r.closed, 1);
	assert_int_equal(r.sla_open_overdue, 0);
	/* as of T0 + 8d: web2's P1 is past its 7 days */
	assert_int_equal(pw_kpi_compute(f->s, NULL, T0 - DAY, T0 + 8 * DAY, &r, &e), PW_OK);
	assert_int_equal(r.sla_open_overdue, 1);
	/* scopes: the web group; production (db1 alone) */
	struct pw_kpi_scope web = { .group = "web" }, prod = { .environment = "production" };
	assert_int_equal(pw_kpi_compute(f->s, &web, T0 - DAY, T0 + 20 * DAY, &r, &e), PW_OK);
	assert_int_equal(r.hosts, 2);
	assert_int_equal(r.opened, 3);
	assert_int_equal(r.closed, 2);
	assert_true(near(r.ttp_median_days, 6.5));
	assert_int_equal(pw_kpi_compute(f->s, &prod, T0 - DAY, T0 + 20 * DAY, &r, &e), PW_OK);
	assert_int_equal(r.hosts, 1);
	assert_int_equal(r.hosts_covered, 1);
	struct pw_kpi_scope none = { .group = "no-such-group" };
	assert_int_equal(pw_kpi_compute(f->s, &none, T0, T0 + DAY, &r, &e), PW_ERR_NOTFOUND);

	/* mean time to verify: two jobs verified 1 and 3 days after dispatch
	 * (mean 2 days), one not verified, one verified outside the period */
	assert_int_equal(pw_sql_exec(f->s,
		"INSERT INTO changes(id, title, requester, requester_key, kind, state, selector,"
		" rings, success_pct, soak_s, concurrency, approvals_needed, reboot, health_check,"
		" job_ttl, created_at, updated_at) VALUES (1, 't', 'user:a', 'a', 'normal', 'done',"
		" 's', '[]', 100, 0, 1, 1, 'never', 0, 3600, $1, $1)",
		PW_SQL_ARGS(PW_SQL_I(T0)), &e), PW_OK);
	const struct { const char *id; int64_t sent, got; int verified; } jobs[] = {
		{ "j1", T0 + 1 * DAY, T0 + 2 * DAY, 1 },
		{ "j2", T0 + 2 * DAY, T0 + 5 * DAY, 1 },
		{ "j3", T0 + 2 * DAY, T0 + 3 * DAY, 0 },
		{ "j4", T0 + 30 * DAY, T0 + 31 * DAY, 1 },
	};
	for (size_t i = 0; i < 4; i++)
		assert_int_equal(pw_sql_exec(f->s,
			"INSERT INTO jobs(id, change_id, host_id, ring, action, packages, reboot,"
			" health_check, state, created_at, dispatched_at, reported_at, verified)"
			" VALUES ($1, 1, $2, 0, 'upgrade', '[]', 'never', 0, 'succeeded', $3, $3, $4, $5)",
			PW_SQL_ARGS(PW_SQL_T(jobs[i].id), PW_SQL_I(f->web1), PW_SQL_I(jobs[i].sent),
				    PW_SQL_I(jobs[i].got), PW_SQL_I(jobs[i].verified)), &e), PW_OK);
	assert_int_equal(pw_kpi_compute(f->s, NULL, T0 - DAY, T0 + 20 * DAY, &r, &e), PW_OK);
	assert_int_equal(r.verified_jobs, 2);
	assert_true(near(r.mttv_days, 2));

	/* the daily series: 3 complete days and today, per scope; a second
	 * run leaves the complete days alone */
	assert_int_equal(pw_kpi_daily_fill(f->s, T0 + 20 * DAY, 3, &e), PW_OK);
	assert_int_equal(pw_kpi_daily_fill(f->s, T0 + 20 * DAY + 60, 3, &e), PW_OK);
	struct series s = { 0 };
	assert_int_equal(pw_kpi_daily_each(f->s, "all", "2027-01-01", "2027-12-31", series_cb, &s,
					   &e), PW_OK);
	assert_int_equal(s.days, 4);
	assert_string_equal(s.last_day, "2027-02-04");
	assert_true(near(s.last_coverage, 2.0 / 3));
	s = (struct series){ 0 };
	assert_int_equal(pw_kpi_daily_each(f->s, "group:web", "2027-01-01", "2027-12-31",
					   series_cb, &s, &e), PW_OK);
	assert_int_equal(s.days, 4);
	s = (struct series){ 0 };
	assert_int_equal(pw_kpi_daily_each(f->s, "environment:production", "2027-01-01",
					   "2027-12-31", series_cb, &s, &e), PW_OK);
	assert_int_equal(s.days, 4);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_quantiles_of_known_sets),
		cmocka_unit_test(test_time_arguments),
		cmocka_unit_test(test_sla_days),
		cmocka_unit_test(test_match_rules),
		cmocka_unit_test_setup_teardown(test_store_exceptions_match_their_scope, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_kpis_of_a_seeded_fleet, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
