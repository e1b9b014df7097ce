/* test_risk.c - the risk formula: extremes, monotonicity, reasons in words,
 * and the policy file (the shipped one equals the defaults; errors name
 * file:line). */
#include "pw_test.h"

#include <string.h>

#include "pw_risk.h"

#define DAY 86400

static struct pw_finding base(void)
{
	struct pw_finding f;
	memset(&f, 0, sizeof(f));
	f.vuln_id = "CVE-2024-3094";
	f.cvss = 5.0;
	f.epss = 0.05;
	f.epss_percentile = 0.5;
	f.fixable = true;
	f.fixed = "1.0-2";
	return f;
}

static void extremes(void **state)
{
	(void)state;
	struct pw_policy p;
	pw_policy_defaults(&p);
	struct pw_asset_context internet = { PW_EXPOSURE_INTERNET, 5, "production" };
	struct pw_finding f = base();
	f.kev = f.ransomware = true;
	f.cvss = 9.8;
	f.epss = 0.94;
	f.epss_percentile = 0.999;
	pw_risk_compute(&f, 1704844800 /* 2024-01-10 */, 1706659200 /* 2024-01-31 */, &p, &internet,
			1706659200 + 10 * DAY);
	assert_int_equal(f.priority, 1);
	assert_int_equal(f.score, 100);
	assert_non_null(strstr(f.reasons, "known exploited (KEV since 2024-01-10, due 2024-01-31, overdue)"));
	assert_non_null(strstr(f.reasons, "used in ransomware campaigns"));
	assert_non_null(strstr(f.reasons, "EPSS 0.94, 99th percentile"));
	assert_non_null(strstr(f.reasons, "internet-facing"));

	struct pw_asset_context quiet = { PW_EXPOSURE_ISOLATED, 1, "dev" };
	f = base();
	f.cvss = 2.0;
	f.epss = 0.001;
	f.epss_percentile = 0.05;
	f.fixable = false;
	f.status = PW_AFFECT_VULNERABLE;
	pw_risk_compute(&f, 0, 0, &p, &quiet, 0);
	assert_int_equal(f.priority, 4);
	assert_non_null(strstr(f.reasons, "no fix available yet"));

	/* unknown inputs are said, never silently zero */
	f = base();
	f.cvss = -1;
	f.epss = f.epss_percentile = -1;
	pw_risk_compute(&f, 0, 0, &p, NULL, 0);
	assert_non_null(strstr(f.reasons, "no CVSS score known (counted as 5.0)"));
	assert_non_null(strstr(f.reasons, "no EPSS score known"));

	/* KEV and internet-facing is P1 whatever the score */
	f = base();
	f.cvss = 3.0;
	f.epss = 0.01;
	f.kev = true;
	pw_risk_compute(&f, 1704844800, 0, &p, &internet, 0);
	assert_int_equal(f.priority, 1);
}

static void monotonic(void **state)
{
	(void)state;
	struct pw_policy p;
	pw_policy_defaults(&p);
	struct pw_asset_context ctx = { PW_EXPOSURE_INTERNAL, 3, NULL };
	int prev = -1;
	for (int i = 0; i <= 100; i++) {
		struct pw_finding f = base();
		f.cvss = i / 10.0;
		pw_risk_compute(&f, 0, 0, &p, &ctx, 0);
		assert_true(f.score >= prev);
		prev = f.score;
	}
	prev = -1;
	for (int i = 0; i <= 100; i++) {
		struct pw_finding f = base();
		f.epss = i / 100.0;
		pw_risk_compute(&f, 0, 0, &p, &ctx, 0);
		assert_true(f.score >= prev);
		prev = f.score;
	}
	struct pw_finding a = base(), b = base();
	b.kev = true;
	pw_risk_compute(&a, 0, 0, &p, &ctx, 0);
	pw_risk_compute(&b, 1, 0, &p, &ctx, 0);
	assert_true(b.score > a.score);
	struct pw_asset_context hot = { PW_EXPOSURE_INTERNET, 3, NULL };
	b = base();
	pw_risk_compute(&b, 0, 0, &p, &hot, 0);
	assert_true(b.score > a.score);
}

static void policy_files(void **state)
{
	(void)state;
	struct pw_policy def, shipped;
	struct pw_error e;
	pw_policy_defaults(&def);
	pw_policy_defaults(&shipped);
	memset(&shipped, 0, sizeof(shipped));
	assert_int_equal(pw_policy_load(&shipped, PW_DATA_DIR "/../dist/policy.ini", &e), PW_OK);
	/* field by field: padding bytes are not part of the policy */
	const double *a = &def.w_cvss, *b = &shipped.w_cvss;
	for (size_t i = 0; i <= (size_t)(&def.unknown_cvss - &def.w_cvss); i++)
		assert_true(a[i] == b[i]);
	assert_int_equal(def.p1, shipped.p1);
	assert_int_equal(def.p2, shipped.p2);
	assert_int_equal(def.p3, shipped.p3);
	assert_int_equal(pw_policy_load(&shipped, PW_TEST_DATA "/assess/bad-policy.ini", &e), PW_ERR_PARSE);
	assert_non_null(strstr(e.msg, "bad-policy.ini:3: [weights] epss: 'lots' is not a number"));
	assert_int_equal(pw_policy_load(&shipped, "/nonexistent/policy.ini", &e), PW_ERR_NOTFOUND);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(extremes),
		cmocka_unit_test(monotonic),
		cmocka_unit_test(policy_files),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
