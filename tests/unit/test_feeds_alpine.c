/* test_feeds_alpine.c - the Alpine secdb in JSON and YAML. */
#include "pw_test.h"

#include "pw_test_sink.h"

static void yaml_and_json(void **state)
{
	(void)state;
	struct test_sink s = { .watch_id = "v3.11/main/ansible" };
	struct pw_feed_sink sink = ts_sink(&s);
	struct pw_error e;
	assert_int_equal(pw_feed_import_path(PW_DATA_DIR "/feeds/alpine/secdb", PW_FEED_KIND_COUNT, &sink, &e), PW_OK);
	/* 1,652 packages: 3 have no usable secfix */
	assert_int_equal(s.records, 1649);
	assert_true(ts_watched(&s, "CVE-2019-14904 alpine 3.11 ansible fixed 2.9.3-r0 -"));

	s = (struct test_sink){ .watch_id = "v3.12/main/ansible" };
	sink = ts_sink(&s);
	assert_int_equal(pw_feed_import_path(PW_DATA_DIR "/feeds/alpine/secdb-json", PW_FEED_KIND_COUNT, &sink, &e), PW_OK);
	assert_true(ts_watched(&s, "CVE-2018-16876 alpine 3.12 ansible fixed 2.7.9-r0 -"));

	static const char yaml[] =
		"---\ndistroversion: v3.19\nreponame: main\npackages:\n"
		"  - pkg:\n      name: zlib\n      secfixes:\n        0:\n          - CVE-2000-1\n"
		"        1.3.1-r0:\n          - CVE-2022-37434 XSA-1\n";
	s = (struct test_sink){ .watch_id = "v3.19/main/zlib" };
	sink = ts_sink(&s);
	assert_int_equal(pw_feed_parse_alpine_secdb(pw_blob_cstr(yaml), "x.yaml", &sink, &e), PW_OK);
	assert_true(ts_watched(&s, "CVE-2000-1 alpine 3.19 zlib not-affected - -"));
	assert_true(ts_watched(&s, "CVE-2022-37434 alpine 3.19 zlib fixed 1.3.1-r0 -"));
	assert_int_equal(s.skips, 1); /* XSA-1 */

	static const char bad[] = "distroversion: v3.19\npackages:\n  - pkg:\n\tname: x\n";
	assert_int_equal(pw_feed_parse_alpine_secdb(pw_blob_cstr(bad), "bad.yaml", &sink, &e), PW_ERR_PARSE);
	assert_non_null(strstr(e.msg, "bad.yaml:4: tab"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(yaml_and_json),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
