/* test_feeds_enrich.c - KEV, EPSS and NVD on the real files, and their
 * malformed cases (the FIRST fixtures with a wrong header and no date). */
#include "pw_test.h"

#include "pw_clock.h"
#include "pw_test_sink.h"

static void kev(void **state)
{
	(void)state;
	struct test_sink s = { .watch_cve = "CVE-2025-49704" };
	struct pw_feed_sink sink = ts_sink(&s);
	struct pw_error e;
	assert_int_equal(pw_feed_import_path(PW_DATA_DIR "/feeds/kev/known_exploited_vulnerabilities.json",
					     PW_FEED_KIND_COUNT, &sink, &e), PW_OK);
	assert_int_equal(s.kev, 1404);
	assert_string_equal(s.last_kev_cve, "CVE-2025-49704");
	assert_true(s.last_kev.ransomware);
	int64_t t;
	pw_clock_parse("2025-07-22", &t);
	assert_int_equal(s.last_kev.date_added, t);
	pw_clock_parse("2025-07-23", &t);
	assert_int_equal(s.last_kev.due_date, t);

	s = (struct test_sink){ 0 };
	sink = ts_sink(&s);
	assert_int_equal(pw_feed_parse_kev(pw_blob_cstr("{\"vulnerabilities\": []}"), "k.json", &sink, &e), PW_ERR_PARSE);
	assert_non_null(strstr(e.msg, "k.json: not a KEV catalog"));
	assert_int_equal(pw_feed_parse_kev(pw_blob_cstr("{\"catalogVersion\": \"1\", \"vulnerabilities\": [{\"product\": \"x\"}]}"),
					   "k.json", &sink, &e), PW_OK);
	assert_int_equal(s.skips, 1);
}

static void epss(void **state)
{
	(void)state;
	struct test_sink s = { .watch_cve = "CVE-2024-3094" };
	struct pw_feed_sink sink = ts_sink(&s);
	struct pw_error e;
	assert_int_equal(pw_feed_import_path(PW_DATA_DIR "/feeds/epss/epss_scores-2026-08-16.csv.gz",
					     PW_FEED_KIND_COUNT, &sink, &e), PW_OK);
	assert_int_equal(s.epss, 360142);
	assert_int_equal(s.skips, 0);
	assert_true(s.epss_of_watch > 0.85973 && s.epss_of_watch < 0.85975);

	s = (struct test_sink){ 0 };
	sink = ts_sink(&s);
	assert_int_equal(pw_feed_import_path(PW_DATA_DIR "/feeds/epss/fixture-example-1.csv", PW_FEED_EPSS, &sink, &e), PW_OK);
	assert_int_equal(s.epss, 5);
	assert_int_equal(pw_feed_import_path(PW_DATA_DIR "/feeds/epss/fixture-invalid-header.csv", PW_FEED_EPSS, &sink, &e),
			 PW_ERR_PARSE);
	assert_non_null(strstr(e.msg, "fixture-invalid-header.csv:2: expected the header 'cve,epss,percentile', found 'invalid,header,format'"));
	assert_int_equal(pw_feed_import_path(PW_DATA_DIR "/feeds/epss/fixture-missing-date.csv", PW_FEED_EPSS, &sink, &e),
			 PW_ERR_PARSE);
	assert_non_null(strstr(e.msg, "fixture-missing-date.csv:1: no score_date"));

	static const char rows[] = "#model_version:v1,score_date:2026-01-01T00:00:00+0000\n"
				   "cve,epss,percentile\nCVE-1,0.5,0.9\nCVE-2,1.5,0.9\nnot,a,row\nCVE-3,x,0.1\n";
	s = (struct test_sink){ 0 };
	sink = ts_sink(&s);
	assert_int_equal(pw_feed_parse_epss(pw_blob_cstr(rows), "e.csv", &sink, &e), PW_OK);
	assert_int_equal(s.epss, 1);
	assert_int_equal(s.skips, 3);
	assert_string_equal(s.skip_reasons[0], "malformed row");
}

static void nvd(void **state)
{
	(void)state;
	struct test_sink s = { .watch_cve = "CVE-2023-4863" };
	struct pw_feed_sink sink = ts_sink(&s);
	struct pw_error e;
	assert_int_equal(pw_feed_import_path(PW_DATA_DIR "/feeds/nvd", PW_FEED_KIND_COUNT, &sink, &e), PW_OK);
	assert_int_equal(s.records, 38 + 23);
	assert_int_equal(s.affected, 0); /* NVD never says which distro package is affected */
	assert_true(s.cpes > 0);
	assert_true(s.cvss_of_watch > 8.79 && s.cvss_of_watch < 8.81);
	assert_string_equal(s.vector_of_watch, "CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:U/C:H/I:H/A:H");

	s = (struct test_sink){ .watch_cve = "CVE-2024-3094" };
	sink = ts_sink(&s);
	assert_int_equal(pw_feed_import_path(PW_DATA_DIR "/feeds/nvd/cve-2.0/CVE-2024-3094.json", PW_FEED_NVD, &sink, &e), PW_OK);
	assert_true(s.cvss_of_watch > 9.99);
	assert_int_equal(pw_feed_parse_nvd(pw_blob_cstr("{}"), "n.json", &sink, &e), PW_ERR_PARSE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(kev),
		cmocka_unit_test(epss),
		cmocka_unit_test(nvd),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
