/* test_feeds_osv.c - OSV records on the real AlmaLinux all.zip and Ubuntu
 * samples, and malformed OSV input. */
#include "pw_test.h"

#include "pw_test_sink.h"

static void almalinux_zip(void **state)
{
	(void)state;
	static struct test_sink s = { .watch_id = "ALSA-2024:8127", .watch_cve = "CVE-2024-21210" };
	struct pw_feed_sink sink = ts_sink(&s);
	struct pw_error e;
	assert_int_equal(pw_feed_import_path(PW_DATA_DIR "/feeds/osv/AlmaLinux/all.zip",
					     PW_FEED_KIND_COUNT, &sink, &e), PW_OK);
	/* 5,683 files: 1,197 bug-fix or enhancement advisories without a CVE
	 * are skipped; 43 ids appear in two release folders and arrive twice
	 * (the store counts the second as unchanged) */
	assert_int_equal(s.records + s.skips, 5680);
	assert_int_equal(s.records, 4483);
	assert_int_equal(s.skips, 1197);
	assert_string_equal(s.skip_reasons[0], "not a security advisory (no CVE)");
	assert_true(ts_watched(&s, "CVE-2024-21210 almalinux 8 java-21-openjdk fixed 1:21.0.5.0.10-3.el8.alma.1 ALSA-2024:8127"));
	assert_int_equal(s.by_status[PW_AFFECT_NOT_AFFECTED], 0);
}

static void ubuntu_samples(void **state)
{
	(void)state;
	struct test_sink s = { .watch_id = "USN-5614-1" };
	struct pw_feed_sink sink = ts_sink(&s);
	struct pw_error e;
	assert_int_equal(pw_feed_import_path(PW_DATA_DIR "/feeds/osv/samples", PW_FEED_OSV, &sink, &e), PW_OK);
	assert_int_equal(s.records, 4);
	/* USN's CVE comes from upstream UBUNTU-CVE-2021-3782 */
	assert_true(ts_watched(&s, "CVE-2021-3782 ubuntu 18.04 wayland fixed 1.16.0-1ubuntu1.1~18.04.4 USN-5614-1"));
}

static void malformed(void **state)
{
	(void)state;
	static const struct {
		const char *json;
		pw_err rc;
		long records, skips;
	} cases[] = {
		{ "{\"id\": \"CVE-1\", \"affected\": [", PW_ERR_PARSE, 0, 0 },
		{ "42", PW_ERR_PARSE, 0, 0 },
		{ "{\"id\": \"X\"}", PW_OK, 0, 1 },
		{ "{\"id\": \"CVE-2020-1\", \"affected\": [{\"package\": {\"ecosystem\": \"PyPI\", \"name\": \"x\"}}]}", PW_OK, 0, 2 },
		{ "{\"id\": \"CVE-2020-2\", \"withdrawn\": \"2024-01-01T00:00:00Z\", \"affected\": []}", PW_OK, 0, 1 },
		/* introduced then fixed, then a new introduced with no fix */
		{ "{\"id\": \"CVE-2020-3\", \"affected\": [{\"package\": {\"ecosystem\": \"Debian:12\", \"name\": \"x\"},"
		  " \"ranges\": [{\"type\": \"ECOSYSTEM\", \"events\": [{\"introduced\": \"0\"}, {\"fixed\": \"1.0-1\"},"
		  " {\"introduced\": \"2.0-1\"}]}]}]}", PW_OK, 1, 0 },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct test_sink s = { 0 };
		struct pw_feed_sink sink = ts_sink(&s);
		struct pw_error e;
		pw_err rc = pw_feed_parse_osv(pw_blob_cstr(cases[i].json), "case.json", &sink, &e);
		if (rc != cases[i].rc || s.records != cases[i].records || s.skips != cases[i].skips)
			fail_msg("case %zu: rc %d records %ld skips %ld", i, rc, s.records, s.skips);
		if (rc)
			assert_non_null(strstr(e.msg, "case.json"));
		if (i == 5) {
			assert_int_equal(s.by_status[PW_AFFECT_FIXED], 1);
			assert_int_equal(s.by_status[PW_AFFECT_VULNERABLE], 1);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(almalinux_zip),
		cmocka_unit_test(ubuntu_samples),
		cmocka_unit_test(malformed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
