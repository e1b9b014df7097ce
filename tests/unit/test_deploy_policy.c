/* test_deploy_policy.c - the deployment policy: windows across midnight,
 * DST changes in both hemispheres, blackouts and time zones, read as cases
 * from tests/data/deploy/windows.data against windows.ini and the system's
 * zoneinfo; then SLAs, holds, approval, inheritance and the errors that
 * name file:line and key. */
#include "pw_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pw_deploy_policy.h"
#include "pw_deploy_policy_json.h"
#include "pw_webhook.h"
#include "pw_tz.h"

#define DATA PW_TEST_DATA "/deploy/"

/* "2026-12-05T22:00:00Z" */
static int64_t iso(const char *s)
{
	int y, mo, d, h, mi, se;
	char z;
	if (sscanf(s, "%d-%d-%dT%d:%d:%d%c", &y, &mo, &d, &h, &mi, &se, &z) != 7 || z != 'Z')
		fail_msg("bad instant '%s'", s);
	return pw_days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400 + h * 3600 + mi * 60 + se;
}

static void windows_cases(void **state)
{
	(void)state;
	struct pw_deploy_policy *p = NULL;
	struct pw_error e = { 0 };
	assert_int_equal(pw_deploy_policy_load(DATA "windows.ini", &p, &e), PW_OK);
	FILE *f = fopen(DATA "windows.data", "r");
	assert_non_null(f);
	char line[256];
	int lineno = 0, cases = 0, failed = 0;
	while (fgets(line, sizeof(line), f)) {
		lineno++;
		if (line[0] == '#' || line[0] == '\n')
			continue;
		char op[16], group[64], at[32], want[32];
		if (sscanf(line, "%15s %63s %31s %31s", op, group, at, want) != 4)
			fail_msg("windows.data:%d: not 'op group instant expected'", lineno);
		int64_t t = iso(at);
		cases++;
		if (strcmp(op, "open") == 0) {
			bool got = pw_window_open(p, group, t);
			if (got != (strcmp(want, "yes") == 0)) {
				print_error("windows.data:%d: open %s at %s is %s\n", lineno, group, at,
					    got ? "yes" : "no");
				failed++;
			}
			continue;
		}
		int64_t exp = strcmp(want, "never") == 0 ? -1 : iso(want);
		int64_t got = 0;
		if (strcmp(op, "next") == 0)
			got = pw_window_next_open(p, group, t);
		else if (strcmp(op, "close") == 0)
			got = pw_window_close_at(p, group, t);
		else
			fail_msg("windows.data:%d: unknown op '%s'", lineno, op);
		if (got != exp) {
			print_error("windows.data:%d: %s %s at %s: got %lld, want %lld (%s)\n", lineno,
				    op, group, at, (long long)got, (long long)exp, want);
			failed++;
		}
	}
	fclose(f);
	pw_deploy_policy_free(p);
	assert_true(cases > 40);
	assert_int_equal(failed, 0);
}

static struct pw_deploy_policy *parse_ok(const char *text)
{
	struct pw_deploy_policy *p = NULL;
	struct pw_error e = { 0 };
	if (pw_deploy_policy_parse(text, "test.ini", &p, &e) != PW_OK)
		fail_msg("parse: %s", e.msg);
	return p;
}

static void defaults_and_sla(void **state)
{
	(void)state;
	struct pw_deploy_policy *p = NULL;
	struct pw_error e = { 0 };
	assert_int_equal(pw_deploy_policy_defaults(&p, &e), PW_OK);
	const struct pw_group_policy *g = pw_deploy_policy_for(p, "web");
	assert_string_equal(g->name, "default");
	assert_int_equal(g->sla_days[0], 7);
	assert_int_equal(g->sla_days[1], 30);
	assert_int_equal(g->sla_days[2], 90);
	assert_int_equal(g->sla_days[3], 180);
	assert_int_equal(g->silent_days, 7);
	assert_int_equal(g->quarantine, PW_QUARANTINE_OFF);
	assert_int_equal(g->reboot, PW_REBOOT_IF_REQUIRED);
	assert_true(pw_window_open(p, "web", 12345));
	assert_int_equal(pw_window_close_at(p, "web", 12345), INT64_MAX);
	int64_t seen = 1000000;
	assert_int_equal(pw_sla_due(p, "web", 1, seen, 0), seen + 7 * 86400);
	assert_int_equal(pw_sla_due(p, "web", 4, seen, 0), seen + 180 * 86400);
	assert_int_equal(pw_sla_due(p, "web", 9, seen, 0), seen + 180 * 86400);
	/* a KEV due date wins when earlier, not when later */
	assert_int_equal(pw_sla_due(p, "web", 2, seen, seen + 86400), seen + 86400);
	assert_int_equal(pw_sla_due(p, "web", 1, seen, seen + 30 * 86400), seen + 7 * 86400);
	pw_deploy_policy_free(p);
}

static void groups_inherit(void **state)
{
	(void)state;
	struct pw_deploy_policy *p = parse_ok(
		"[default]\n"
		"sla_p1 = 3\n"
		"hold = linux-image-*, openssl\n"
		"auto_approve = security\n"
		"auto_approve_environment = dev\n"
		"quarantine = report\n"
		"[group web]\n"
		"sla_p2 = 14\n"
		"hold = nginx*\n"
		"exclude_host = db-*\n"
		"exclude_host = legacy1\n"
		"min_package_age = 3\n"
		"reboot = never\n"
		"quarantine = enforce\n"
		"quarantine_after_days = 2\n"
		"silent_days = 3\n"
		"[group lab]\n"
		"auto_approve = all\n");
	const struct pw_group_policy *web = pw_deploy_policy_for(p, "web");
	assert_string_equal(web->name, "web");
	assert_int_equal(web->sla_days[0], 3);  /* from [default] */
	assert_int_equal(web->sla_days[1], 14); /* its own */
	assert_int_equal(web->sla_days[2], 90); /* compiled in */
	assert_int_equal(web->reboot, PW_REBOOT_NEVER);
	assert_int_equal(web->quarantine, PW_QUARANTINE_ENFORCE);
	assert_int_equal(web->quarantine_after_days, 2);
	assert_int_equal(web->silent_days, 3);
	/* a list key replaces the default's list */
	assert_true(pw_policy_held(p, "web", "nginx-common"));
	assert_false(pw_policy_held(p, "web", "openssl"));
	assert_true(pw_policy_held(p, "other", "openssl"));
	assert_true(pw_policy_held(p, "other", "linux-image-6.1.0-13-amd64"));
	assert_false(pw_policy_held(p, "other", "libssl3"));
	assert_true(pw_policy_host_excluded(p, "web", "db-7"));
	assert_true(pw_policy_host_excluded(p, "web", "legacy1"));
	assert_false(pw_policy_host_excluded(p, "web", "web-1"));
	assert_false(pw_policy_host_excluded(p, NULL, "db-7"));
	/* cool-down */
	assert_false(pw_policy_old_enough(p, "web", 1000000, 1000000 + 2 * 86400));
	assert_true(pw_policy_old_enough(p, "web", 1000000, 1000000 + 3 * 86400));
	assert_true(pw_policy_old_enough(p, "web", 0, 5));
	assert_true(pw_policy_old_enough(p, NULL, 1000000, 1000000));
	/* auto-approval: security updates on dev hosts only */
	assert_true(pw_policy_auto_approved(p, "web", "dev", true));
	assert_false(pw_policy_auto_approved(p, "web", "dev", false));
	assert_false(pw_policy_auto_approved(p, "web", "production", true));
	assert_false(pw_policy_auto_approved(p, "web", NULL, true));
	assert_true(pw_policy_auto_approved(p, "lab", "dev", false));
	pw_deploy_policy_free(p);
}

static void reboot_spread(void **state)
{
	(void)state;
	struct pw_deploy_policy *p = parse_ok("[default]\nwindow = Sat 22:00-04:00\n");
	int64_t open = iso("2026-12-05T22:00:00Z"), close = iso("2026-12-06T04:00:00Z");
	int64_t lo = INT64_MAX, hi = 0;
	for (int i = 0; i < 200; i++) {
		char host[32];
		snprintf(host, sizeof(host), "web-%d", i);
		int64_t t = pw_reboot_at(p, NULL, host, iso("2026-12-04T12:00:00Z"));
		assert_true(t >= open && t < open + (close - open) / 2);
		assert_int_equal(t, pw_reboot_at(p, NULL, host, iso("2026-12-04T13:00:00Z")));
		lo = t < lo ? t : lo;
		hi = t > hi ? t : hi;
	}
	/* spread, not bunched: 200 hosts cover most of the first half */
	assert_true(hi - lo > (close - open) / 3);
	pw_deploy_policy_free(p);
}

/* Each bad file names file:line, the section and the key. */
static void errors_name_line_and_key(void **state)
{
	(void)state;
	static const struct {
		const char *text, *want;
	} cases[] = {
		{ "[default]\nsla_p1 = soon\n", "test.ini:2: [default] sla_p1: 'soon' is not" },
		{ "[default]\nsla_p1 = 3\nsla_p1 = 4\n", "test.ini:3: [default] sla_p1: set twice" },
		{ "[default]\n\nwindow = Sat 22:00\n", "test.ini:3: [default] window: 'Sat 22:00'" },
		{ "[default]\nwindow = Sun 25:00-26:00\n", "test.ini:2: [default] window:" },
		{ "[default]\nwindow = Sun 10:00-10:00\n", "test.ini:2: [default] window:" },
		{ "[default]\nwindow = Xyz 10:00-11:00\n", "test.ini:2: [default] window:" },
		{ "[group web]\ntimezone = Mars/Olympus\n",
		  "test.ini:2: [group web] timezone: unknown time zone 'Mars/Olympus'" },
		{ "[group web]\ntimezone = ../../etc/passwd\n",
		  "test.ini:2: [group web] timezone: '../../etc/passwd' is not an IANA" },
		{ "[default]\nblackout = 2026-02-30\n", "test.ini:2: [default] blackout:" },
		{ "[default]\nblackout = 2026-12-26..2026-12-24\n", "test.ini:2: [default] blackout:" },
		{ "[default]\nreboot = sometimes\n", "test.ini:2: [default] reboot: 'sometimes'" },
		{ "[default]\nquarantine = yes\n", "test.ini:2: [default] quarantine: 'yes'" },
		{ "[default]\ncolour = blue\n", "test.ini:2: [default] colour: unknown key" },
		{ "[webservers]\nsla_p1 = 3\n", "test.ini:2: [webservers] sla_p1: a section is" },
		{ "[default]\nwindow = always\nwindow = Sat 22:00-23:00\n",
		  "test.ini:3: [default] window: 'always' cannot" },
		{ "[default]\nthis is not ini\n", "test.ini:2: " },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct pw_deploy_policy *p = NULL;
		struct pw_error e = { 0 };
		assert_int_equal(pw_deploy_policy_parse(cases[i].text, "test.ini", &p, &e),
				 PW_ERR_PARSE);
		assert_null(p);
		if (strncmp(e.msg, cases[i].want, strlen(cases[i].want)) != 0)
			fail_msg("case %zu: '%s' does not start with '%s'", i, e.msg, cases[i].want);
	}
	struct pw_deploy_policy *p = NULL;
	struct pw_error e = { 0 };
	assert_int_equal(pw_deploy_policy_load(DATA "no-such.ini", &p, &e), PW_ERR_NOTFOUND);
	assert_non_null(strstr(e.msg, "no-such.ini"));
}

static void sample_file_loads(void **state)
{
	(void)state;
	struct pw_deploy_policy *p = NULL;
	struct pw_error e = { 0 };
	if (pw_deploy_policy_load(PW_SOURCE_ROOT "/dist/deploy.ini", &p, &e) != PW_OK)
		fail_msg("%s", e.msg);
	assert_true(p->n_groups >= 2);
	pw_deploy_policy_free(p);
}

static void tz_utc_and_fixed(void **state)
{
	(void)state;
	struct pw_tz *tz = NULL;
	struct pw_error e = { 0 };
	assert_int_equal(pw_tz_load("Asia/Kolkata", &tz, &e), PW_OK);
	assert_int_equal(pw_tz_offset(tz, iso("2026-07-01T00:00:00Z")), 19800);
	assert_int_equal(pw_tz_offset(tz, iso("2040-01-01T00:00:00Z")), 19800);
	pw_tz_free(tz);
	assert_int_equal(pw_tz_load("Europe/Berlin", &tz, &e), PW_OK);
	/* past the table's last transition (2037), the footer rule decides */
	assert_int_equal(pw_tz_offset(tz, iso("2045-07-01T00:00:00Z")), 7200);
	assert_int_equal(pw_tz_offset(tz, iso("2045-12-01T00:00:00Z")), 3600);
	pw_tz_free(tz);
	assert_int_equal(pw_tz_offset(pw_tz_utc(), 0), 0);
	unsigned char junk[60] = "TZif2";
	assert_int_equal(pw_tz_parse(junk, sizeof(junk), "junk", &tz, &e), PW_ERR_PARSE);
}

/* RFC 4231 test case 2, and a key longer than a block (case 6) */
static void webhook_signature(void **state)
{
	(void)state;
	char sig[PW_WEBHOOK_SIG_SIZE];
	const char *data = "what do ya want for nothing?";
	pw_webhook_sign((const unsigned char *)"Jefe", 4, data, strlen(data), sig);
	assert_string_equal(sig, "sha256=5bdcc146bf60754e6a042426089575c7"
				 "5a003f089d2739839dec58b964ec3843");
	unsigned char key[131];
	memset(key, 0xaa, sizeof(key));
	data = "Test Using Larger Than Block-Size Key - Hash Key First";
	pw_webhook_sign(key, sizeof(key), data, strlen(data), sig);
	assert_string_equal(sig, "sha256=60e431591ee0b67f0d8a26aacbf5b77f"
				 "8e0bc6213728c5140546040f0ee37f54");
}

/* what policy show prints reads back as the same windows */
static void windows_format_back(void **state)
{
	(void)state;
	struct pw_deploy_policy *p = parse_ok("[default]\nwindow = Sat 22:00-04:00\n"
					      "window = Mon-Fri 01:00-03:00\nwindow = daily 00:00-24:00\n"
					      "blackout = 2026-12-24..2026-12-26\nblackout = 2027-01-01\n");
	const struct pw_group_policy *g = pw_deploy_policy_for(p, NULL);
	char text[64];
	pw_window_format(&g->windows[0], text, sizeof(text));
	assert_string_equal(text, "Sat 22:00-04:00");
	pw_window_format(&g->windows[1], text, sizeof(text));
	assert_string_equal(text, "Mon,Tue,Wed,Thu,Fri 01:00-03:00");
	pw_window_format(&g->windows[2], text, sizeof(text));
	assert_string_equal(text, "daily 00:00-24:00");
	pw_blackout_format(&g->blackouts[0], text, sizeof(text));
	assert_string_equal(text, "2026-12-24..2026-12-26");
	pw_blackout_format(&g->blackouts[1], text, sizeof(text));
	assert_string_equal(text, "2027-01-01");
	pw_deploy_policy_free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(windows_cases),
		cmocka_unit_test(defaults_and_sla),
		cmocka_unit_test(groups_inherit),
		cmocka_unit_test(reboot_spread),
		cmocka_unit_test(errors_name_line_and_key),
		cmocka_unit_test(sample_file_loads),
		cmocka_unit_test(tz_utc_and_fixed),
		cmocka_unit_test(webhook_signature),
		cmocka_unit_test(windows_format_back),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
