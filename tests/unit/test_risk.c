/* test_risk.c - the risk formula on hand-made inputs (KEV + ransomware +
 * internet-facing is P1; a low, isolated dev host is P4), monotonicity over
 * a grid of every input, reasons in words with unknowns said, scoring from
 * a store (CVSS, KEV, EPSS, an advisory id's CVE alias), and the policy
 * file (the shipped one equals the defaults; errors name file:line). */
#include "pw_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pw_buf.h"
#include "pw_clock.h"
#include "pw_policy.h"
#include "pw_risk.h"

#define DAY 86400
#define JAN10 1704844800 /* 2024-01-10 */
#define JAN31 1706659200 /* 2024-01-31 */

static struct pw_risk_input base(void)
{
	return (struct pw_risk_input){
		.cvss = 5.0, .epss = 0.05, .epss_percentile = 0.5, .fixable = true,
		.status = PW_AFFECT_FIXED, .fixed = "1.0-2", .patch = PW_PATCH_UNKNOWN,
	};
}

static struct pw_risk score(const struct pw_risk_input *in, const struct pw_policy *p,
			    const struct pw_asset_context *ctx, int64_t now, char *why, size_t size)
{
	struct pw_buf b = PW_BUF_INIT;
	struct pw_risk r;
	assert_int_equal(pw_risk_compute(in, p, ctx, now, &r, why ? &b : NULL), PW_OK);
	if (why) {
		snprintf(why, size, "%s", b.data ? b.data : "");
		pw_buf_free(&b);
	}
	assert_true(r.score >= 0 && r.score <= 100);
	assert_true(r.priority >= 1 && r.priority <= 4);
	return r;
}

static void kev_ransomware_internet_is_p1(void **state)
{
	(void)state;
	struct pw_policy p;
	pw_policy_defaults(&p);
	char why[1024];
	struct pw_asset_context internet = { PW_EXPOSURE_INTERNET, 0, NULL };
	struct pw_risk_input in = base();
	in.kev = true;
	in.kev_added = JAN10;
	in.kev_due = JAN31;
	in.cvss = 9.8;
	in.epss = 0.94;
	in.epss_percentile = 0.995;
	in.fixed = "1.2-3+deb12u1";
	in.patch = PW_PATCH_YES;
	in.patch_origin = "bookworm-security";
	in.patch_version = "1.2-3+deb12u1";
	struct pw_risk r = score(&in, &p, &internet, JAN10 + 10 * DAY, why, sizeof(why));
	assert_int_equal(r.priority, 1);
	assert_int_equal(r.score, 100);
	assert_string_equal(why, "known exploited (KEV since 2024-01-10, due 2024-01-31); EPSS 0.94, "
			    "99th percentile; CVSS 9.8; internet-facing; fix available "
			    "(bookworm-security 1.2-3+deb12u1)");
	/* with ransomware, past the due date, for a critical production host */
	in.ransomware = true;
	struct pw_asset_context prod = { PW_EXPOSURE_INTERNET, 5, "production" };
	r = score(&in, &p, &prod, JAN31 + DAY, why, sizeof(why));
	assert_int_equal(r.priority, 1);
	assert_non_null(strstr(why, "(KEV since 2024-01-10, due 2024-01-31, overdue); used in "
				    "ransomware campaigns; EPSS"));
	assert_non_null(strstr(why, "internet-facing; criticality 5; production; fix available"));
	/* KEV and internet-facing is P1 even when everything else is low */
	in = base();
	in.cvss = 1.0;
	in.epss = 0.0001;
	in.kev = true;
	in.kev_added = JAN10;
	in.fixable = false;
	in.status = PW_AFFECT_VULNERABLE;
	struct pw_asset_context quiet_internet = { PW_EXPOSURE_INTERNET, 1, "dev" };
	r = score(&in, &p, &quiet_internet, JAN10, why, sizeof(why));
	assert_true(r.score < p.p1);
	assert_int_equal(r.priority, 1);
}

static void low_isolated_dev_is_p4(void **state)
{
	(void)state;
	struct pw_policy p;
	pw_policy_defaults(&p);
	char why[1024];
	struct pw_asset_context quiet = { PW_EXPOSURE_ISOLATED, 1, "dev" };
	struct pw_risk_input in = base();
	in.cvss = 2.0;
	in.epss = 0.001;
	in.epss_percentile = 0.05;
	in.fixable = false;
	in.status = PW_AFFECT_WONT_FIX;
	struct pw_risk r = score(&in, &p, &quiet, 0, why, sizeof(why));
	assert_int_equal(r.priority, 4);
	assert_int_equal(r.score, 0); /* 8 + 0.025 - 5 - 6 - 3: clamped */
	assert_string_equal(why, "EPSS 0.001, 5th percentile; CVSS 2.0; isolated; criticality 1; "
			    "dev; no fix available (the distribution will not fix it)");
	/* even with a fix */
	in.fixable = true;
	in.status = PW_AFFECT_FIXED;
	r = score(&in, &p, &quiet, 0, why, sizeof(why));
	assert_int_equal(r.priority, 4);
	assert_non_null(strstr(why, "fixed in 1.0-2"));
}

static void unknowns_are_said(void **state)
{
	(void)state;
	struct pw_policy p;
	pw_policy_defaults(&p);
	char why[1024];
	struct pw_risk_input in = base();
	in.cvss = -1;
	in.epss = in.epss_percentile = -1;
	in.patch = PW_PATCH_NO;
	struct pw_risk r = score(&in, &p, NULL, 0, why, sizeof(why));
	assert_string_equal(why, "no EPSS score known; no CVSS score known (counted as 5.0); exposure "
			    "unknown; fixed in 1.0-2, not yet offered by the host's repositories");
	assert_int_equal(r.score, 25); /* 4 x 5.0 + 5: said, not zero */
	in.severity = "Important";
	score(&in, &p, NULL, 0, why, sizeof(why));
	assert_non_null(strstr(why, "no CVSS score known (counted as 5.0; vendor severity Important)"));
	/* EPSS without a percentile, ordinals */
	in = base();
	in.epss_percentile = -1;
	score(&in, &p, NULL, 0, why, sizeof(why));
	assert_non_null(strstr(why, "EPSS 0.05; "));
	static const struct {
		double pct;
		const char *text;
	} ord[] = { { 0.01, "1st" }, { 0.02, "2nd" }, { 0.035, "3rd" }, { 0.11, "11th" },
		    { 0.125, "12th" }, { 0.13, "13th" }, { 0.215, "21st" }, { 1.0, "100th" } };
	for (size_t i = 0; i < sizeof(ord) / sizeof(ord[0]); i++) {
		in = base();
		in.epss_percentile = ord[i].pct;
		score(&in, &p, NULL, 0, why, sizeof(why));
		char want[32];
		snprintf(want, sizeof(want), ", %s percentile", ord[i].text);
		assert_non_null(strstr(why, want));
	}
	in = base();
	in.fixable = false;
	in.status = PW_AFFECT_EOL;
	score(&in, &p, NULL, 0, why, sizeof(why));
	assert_non_null(strstr(why, "no fix available (end of life)"));
	in.status = PW_AFFECT_VULNERABLE;
	score(&in, &p, NULL, 0, why, sizeof(why));
	assert_non_null(strstr(why, "no fix available yet"));
}

/* docs/risk.md's worked examples, with the bundled data's real inputs */
static void worked_examples(void **state)
{
	(void)state;
	struct pw_policy p;
	pw_policy_defaults(&p);
	char why[1024];
	/* CVE-2023-4863 (libwebp): KEV 2023-09-13, due 2023-10-04; EPSS 0.99735,
	 * percentile 0.99953; NVD CVSS 8.8 */
	struct pw_risk_input in = {
		.cvss = 8.8, .epss = 0.99735, .epss_percentile = 0.99953, .kev = true,
		.kev_added = 1694563200, .kev_due = 1696377600, .fixable = true,
		.status = PW_AFFECT_FIXED, .fixed = "1.2.4-0.2+deb12u1", .patch = PW_PATCH_YES,
		.patch_origin = "bookworm-security", .patch_version = "1.2.4-0.2+deb12u1",
	};
	struct pw_asset_context web = { PW_EXPOSURE_INTERNET, 5, "production" };
	struct pw_risk r = score(&in, &p, &web, 1696377600 + DAY, why, sizeof(why));
	assert_int_equal(r.score, 100); /* 25 + 5 + 24.9 + 35.2 + 10 + 6 + 3 + 5 = 114.1 */
	assert_int_equal(r.priority, 1);
	assert_string_equal(why, "known exploited (KEV since 2023-09-13, due 2023-10-04, overdue); "
			    "EPSS 0.997, 99th percentile; CVSS 8.8; internet-facing; criticality 5; "
			    "production; fix available (bookworm-security 1.2.4-0.2+deb12u1)");
	/* a CVSS 7.5, EPSS 0.02 (40th percentile) issue on an internal staging
	 * host of criticality 3, fixed upstream but not yet in its repositories */
	in = (struct pw_risk_input){
		.cvss = 7.5, .epss = 0.02, .epss_percentile = 0.40, .fixable = true,
		.status = PW_AFFECT_FIXED, .fixed = "2.4.62-1~deb12u2", .patch = PW_PATCH_NO,
	};
	struct pw_asset_context staging = { PW_EXPOSURE_INTERNAL, 3, "staging" };
	r = score(&in, &p, &staging, 0, why, sizeof(why));
	assert_int_equal(r.score, 36); /* 30 + 0.5 + 3 + 0 - 3 + 5 = 35.5 */
	assert_int_equal(r.priority, 3);
	assert_string_equal(why, "EPSS 0.02, 40th percentile; CVSS 7.5; internal; criticality 3; "
			    "staging; fixed in 2.4.62-1~deb12u2, not yet offered by the host's repositories");
}

/* Raising any one input, from every point of a grid over all of them, never
 * lowers the score nor makes the priority less urgent. */
/* A pending security update no advisory names: a fix available of
 * unknown severity, said so; a bug-fix or enhancement one: 0, P4. */
static void pending_updates(void **state)
{
	(void)state;
	struct pw_policy p;
	pw_policy_defaults(&p);
	char why[1024];
	struct pw_risk_input in = {
		.cvss = -1, .epss = -1, .epss_percentile = -1, .fixable = true,
		.status = PW_AFFECT_FIXED, .fixed = "2.36-9+deb12u10", .patch = PW_PATCH_YES,
		.patch_origin = "bookworm-security", .patch_version = "2.36-9+deb12u10",
		.kind = PW_KIND_UPDATE, .update_class = PW_CLASS_SECURITY,
		.repository = "bookworm-security",
	};
	struct pw_risk r = score(&in, &p, NULL, 0, why, sizeof(why));
	assert_int_equal(r.score, 25); /* unknown CVSS 5 x 4 + fix 5 */
	assert_int_equal(r.priority, 4);
	assert_string_equal(why, "pending security update that no advisory in the feeds names "
			    "(severity unknown); no EPSS score known; no CVSS score known (counted "
			    "as 5.0); exposure unknown; fix available (bookworm-security 2.36-9+deb12u10)");
	/* ranked like the rest: the asset's context raises it */
	struct pw_asset_context web = { PW_EXPOSURE_INTERNET, 5, "production" };
	r = score(&in, &p, &web, 0, NULL, 0);
	assert_int_equal(r.score, 44); /* 25 + 10 + 6 + 3 */
	assert_int_equal(r.priority, 3);
	in.update_class = PW_CLASS_BUGFIX;
	r = score(&in, &p, &web, 0, why, sizeof(why));
	assert_int_equal(r.score, 0);
	assert_int_equal(r.priority, 4);
	assert_string_equal(why, "bug-fix update from bookworm-security, not a vulnerability: "
			    "lowest priority");
}

static void check_raise(const struct pw_policy *p, const struct pw_risk_input *lo,
			const struct pw_asset_context *clo, int64_t nlo, const struct pw_risk_input *hi,
			const struct pw_asset_context *chi, int64_t nhi)
{
	struct pw_risk a = score(lo, p, clo, nlo, NULL, 0), b = score(hi, p, chi, nhi, NULL, 0);
	if (b.score < a.score || b.priority > a.priority)
		fail_msg("raising an input lowered the risk: %d/P%d -> %d/P%d", a.score, a.priority,
			 b.score, b.priority);
}

static void monotonic_with(const struct pw_policy *p)
{
	static const double cvss[] = { 0, 2.5, 5, 7.5, 9.8, 10 };
	static const double epss[] = { 0, 0.01, 0.3, 0.97, 1 };
	static const enum pw_exposure expo[] = { PW_EXPOSURE_ISOLATED, PW_EXPOSURE_INTERNAL,
						 PW_EXPOSURE_INTERNET };
	static const char *const env[] = { "dev", "production" };
	size_t checks = 0;
	for (size_t ci = 0; ci < 6; ci++)
	for (size_t ei = 0; ei < 5; ei++)
	for (int kev = 0; kev < 4; kev++) /* none, KEV, + ransomware, + overdue */
	for (size_t xi = 0; xi < 3; xi++)
	for (int crit = 1; crit <= 5; crit++)
	for (size_t vi = 0; vi < 2; vi++)
	for (int fix = 0; fix < 2; fix++) {
		struct pw_risk_input in = base();
		in.cvss = cvss[ci];
		in.epss = epss[ei];
		in.kev = kev > 0;
		in.kev_added = JAN10;
		in.kev_due = JAN31;
		in.ransomware = kev > 1;
		int64_t now = kev > 2 ? JAN31 + DAY : JAN10;
		in.fixable = fix;
		in.status = fix ? PW_AFFECT_FIXED : PW_AFFECT_VULNERABLE;
		struct pw_asset_context ctx = { expo[xi], crit, env[vi] };
		struct pw_risk_input up = in;
		struct pw_asset_context cup = ctx;
		if (ci < 5) {
			up.cvss = cvss[ci + 1];
			check_raise(p, &in, &ctx, now, &up, &ctx, now);
			up = in;
		}
		if (ei < 4) {
			up.epss = epss[ei + 1];
			check_raise(p, &in, &ctx, now, &up, &ctx, now);
			up = in;
		}
		if (kev < 3) {
			up.kev = true;
			up.ransomware = kev + 1 > 1;
			check_raise(p, &in, &ctx, now, &up, &ctx, kev + 1 > 2 ? JAN31 + DAY : JAN10);
			up = in;
		}
		if (xi < 2) {
			cup.exposure = expo[xi + 1];
			check_raise(p, &in, &ctx, now, &in, &cup, now);
			cup = ctx;
		}
		if (crit < 5) {
			cup.criticality = crit + 1;
			check_raise(p, &in, &ctx, now, &in, &cup, now);
			cup = ctx;
		}
		if (vi < 1) {
			cup.environment = env[vi + 1];
			check_raise(p, &in, &ctx, now, &in, &cup, now);
		}
		if (!fix) {
			up.fixable = true;
			up.status = PW_AFFECT_FIXED;
			check_raise(p, &in, &ctx, now, &up, &ctx, now);
		}
		checks++;
	}
	assert_int_equal(checks, 6 * 5 * 4 * 3 * 5 * 2 * 2);
}

static void monotonic(void **state)
{
	(void)state;
	struct pw_policy p;
	struct pw_error e;
	pw_policy_defaults(&p);
	monotonic_with(&p);
	assert_int_equal(pw_policy_load(&p, PW_TEST_DATA "/assess/custom.ini", &e), PW_OK);
	monotonic_with(&p);
}

static void policy_files(void **state)
{
	(void)state;
	struct pw_policy def, shipped, p;
	struct pw_error e;
	pw_policy_defaults(&def);
	memset(&shipped, 0xff, sizeof(shipped)); /* every field must come from the file */
	assert_int_equal(pw_policy_load(&shipped, PW_DATA_DIR "/../dist/policy.ini", &e), PW_OK);
	/* field by field: padding bytes are not part of the policy */
	assert_true(def.w_cvss == shipped.w_cvss && def.w_epss == shipped.w_epss);
	assert_true(def.w_kev == shipped.w_kev && def.w_ransomware == shipped.w_ransomware);
	assert_true(def.w_overdue == shipped.w_overdue && def.w_internet == shipped.w_internet);
	assert_true(def.w_internal == shipped.w_internal && def.w_isolated == shipped.w_isolated);
	assert_true(def.w_criticality == shipped.w_criticality);
	assert_true(def.w_production == shipped.w_production);
	assert_true(def.w_nonproduction == shipped.w_nonproduction && def.w_fix == shipped.w_fix);
	assert_true(def.unknown_cvss == shipped.unknown_cvss);
	assert_true(def.p1 == shipped.p1 && def.p2 == shipped.p2 && def.p3 == shipped.p3);

	/* a file overrides only what it names */
	pw_policy_defaults(&p);
	assert_int_equal(pw_policy_load(&p, PW_TEST_DATA "/assess/custom.ini", &e), PW_OK);
	assert_true(p.w_kev == 40 && p.p1 == 70 && p.p2 == 50 && p.p3 == 30);
	assert_true(p.w_cvss == def.w_cvss && p.w_epss == def.w_epss);

	static const struct {
		const char *file;
		pw_err code;
		const char *msg;
	} bad[] = {
		{ "bad-policy.ini", PW_ERR_PARSE, "bad-policy.ini:3: [weights] epss: 'lots' is not a number" },
		{ "unknown-setting.ini", PW_ERR_PARSE, "unknown-setting.ini:6: unknown setting [priority] p0" },
		{ "set-twice.ini", PW_ERR_PARSE, "set-twice.ini:4: [weights] kev set twice" },
		{ "no-equals.ini", PW_ERR_PARSE, "no-equals.ini:2: " },
		{ "not-monotonic.ini", PW_ERR_INVALID, "not-monotonic.ini: [weights] needs isolated <= "
						       "internal <= internet_facing" },
		{ "thresholds-out-of-order.ini", PW_ERR_INVALID, "thresholds-out-of-order.ini: [priority] "
								 "needs p1 >= p2 >= p3 (50, 60, 35)" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char path[512];
		snprintf(path, sizeof(path), "%s/assess/%s", PW_TEST_DATA, bad[i].file);
		pw_policy_defaults(&p);
		assert_int_equal(pw_policy_load(&p, path, &e), bad[i].code);
		if (!strstr(e.msg, bad[i].msg))
			fail_msg("%s: got \"%s\"", bad[i].file, e.msg);
		/* a refused file changes nothing */
		assert_true(p.w_kev == def.w_kev && p.w_isolated == def.w_isolated && p.p1 == def.p1);
	}
	assert_int_equal(pw_policy_load(&p, "/nonexistent/policy.ini", &e), PW_ERR_NOTFOUND);
	assert_non_null(strstr(e.msg, "/nonexistent/policy.ini"));

	/* the checks alone: a negative weight on a risk input is refused */
	pw_policy_defaults(&p);
	p.w_epss = -1;
	assert_int_equal(pw_policy_check(&p, "x.ini", &e), PW_ERR_INVALID);
	assert_non_null(strstr(e.msg, "x.ini: [weights] epss is -1"));
	pw_policy_defaults(&p);
	p.w_nonproduction = 10;
	assert_int_equal(pw_policy_check(&p, "x.ini", &e), PW_ERR_INVALID);
	pw_policy_defaults(&p);
	p.unknown_cvss = 11;
	assert_int_equal(pw_policy_check(&p, "x.ini", &e), PW_ERR_INVALID);

	enum pw_exposure x;
	assert_true(pw_exposure_parse("internet", &x) && x == PW_EXPOSURE_INTERNET);
	assert_true(pw_exposure_parse("internet-facing", &x) && x == PW_EXPOSURE_INTERNET);
	assert_true(pw_exposure_parse("isolated", &x) && x == PW_EXPOSURE_ISOLATED);
	assert_false(pw_exposure_parse("dmz", &x));
}

/* ---- scoring from the store ---- */

/* st counts the import: it must live until the commit */
static void sink_begin(struct pw_store *s, const char *source, struct pw_feed_sink *sink,
		       struct pw_import_stats *st)
{
	struct pw_error e;
	assert_int_equal(pw_store_import_begin(s, source, sink, st, &e), PW_OK);
}

static void sink_commit(struct pw_store *s)
{
	struct pw_error e;
	assert_int_equal(pw_store_import_commit(s, &e), PW_OK);
}

static void scored_from_the_store(void **state)
{
	(void)state;
	struct pw_store *s;
	struct pw_error e;
	struct pw_feed_sink sink;
	struct pw_import_stats st;
	assert_int_equal(pw_store_open(":memory:", &s, &e), PW_OK);
	const char *alias[] = { "CVE-2024-0002" };
	struct pw_vuln v[] = {
		{ .id = "CVE-2024-0001", .cvss_score = 9.8, .cvss_source = "nvd" },
		{ .id = "ALSA-2024:9", .aliases = alias, .naliases = 1, .cvss_score = -1,
		  .severity = "Important" },
	};
	struct pw_feed_record r = { "osv", "REC-1", v, 2, NULL, 0, NULL, 0 };
	sink_begin(s, "osv", &sink, &st);
	assert_int_equal(sink.record(sink.ctx, &r, &e), PW_OK);
	sink_commit(s);
	struct pw_kev k1 = { .cve = "CVE-2024-0001", .date_added = JAN10, .due_date = JAN31,
			     .ransomware = true };
	struct pw_kev k2 = { .cve = "CVE-2024-0002", .date_added = JAN10 };
	sink_begin(s, "kev", &sink, &st);
	assert_int_equal(sink.kev(sink.ctx, &k1, &e), PW_OK);
	assert_int_equal(sink.kev(sink.ctx, &k2, &e), PW_OK);
	sink_commit(s);
	struct pw_epss x = { .cve = "CVE-2024-0001", .score = 0.5, .percentile = 0.9, .score_date = JAN10 };
	sink_begin(s, "epss", &sink, &st);
	assert_int_equal(sink.epss(sink.ctx, &x, &e), PW_OK);
	sink_commit(s);

	struct pw_findings fs;
	pw_findings_init(&fs);
	fs.items = calloc(3, sizeof(*fs.items));
	assert_non_null(fs.items);
	fs.n = fs.cap = 3;
	const char *ids[] = { "CVE-2024-0001", "ALSA-2024:9", "CVE-2099-0001" };
	for (size_t i = 0; i < 3; i++) {
		fs.items[i].vuln_id = ids[i];
		fs.items[i].fixable = true;
		fs.items[i].status = PW_AFFECT_FIXED;
		fs.items[i].fixed = "1.0-2";
	}
	struct pw_policy p;
	pw_policy_defaults(&p);
	struct pw_asset_context ctx = { PW_EXPOSURE_INTERNAL, 3, NULL };
	pw_clock_set(JAN31 + DAY);
	assert_int_equal(pw_risk_score_findings(&fs, s, &p, &ctx, &e), PW_OK);
	pw_clock_set(-1);
	const struct pw_finding *f = &fs.items[0];
	assert_true(f->cvss == 9.8 && f->epss == 0.5 && f->epss_percentile == 0.9);
	assert_true(f->kev && f->ransomware && f->kev_added == JAN10 && f->kev_due == JAN31);
	/* 25 + 5 + 5 (overdue) + 12.5 + 39.2 + 3 + 0 + 5 = 94.7 */
	assert_int_equal(f->score, 95);
	assert_int_equal(f->priority, 1);
	assert_string_equal(f->reasons, "known exploited (KEV since 2024-01-10, due 2024-01-31, "
			    "overdue); used in ransomware campaigns; EPSS 0.5, 90th percentile; CVSS "
			    "9.8; internal; criticality 3; fixed in 1.0-2");
	f = &fs.items[1]; /* KEV listed under the advisory's CVE alias */
	assert_true(f->kev);
	assert_true(f->cvss < 0);
	assert_non_null(strstr(f->reasons, "vendor severity Important"));
	f = &fs.items[2];
	assert_false(f->kev);
	assert_non_null(strstr(f->reasons, "no EPSS score known; no CVSS score known (counted as 5.0)"));
	pw_findings_free(&fs);
	pw_store_close(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(kev_ransomware_internet_is_p1),
		cmocka_unit_test(low_isolated_dev_is_p4),
		cmocka_unit_test(unknowns_are_said),
		cmocka_unit_test(worked_examples),
		cmocka_unit_test(pending_updates),
		cmocka_unit_test(monotonic),
		cmocka_unit_test(policy_files),
		cmocka_unit_test(scored_from_the_store),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
