/* test_feeds_debian.c - the DSA and DLA lists and the tracker JSON, whole
 * real files and exact entries, and malformed lists. */
#include "pw_test.h"

#include "pw_test_sink.h"

static void dsa_dla(void **state)
{
	(void)state;
	struct test_sink s = { .watch_id = "DSA-5380-1" };
	struct pw_feed_sink sink = ts_sink(&s);
	struct pw_error e;
	assert_int_equal(pw_feed_import_path(PW_DATA_DIR "/feeds/debian/security-tracker/DSA-list",
					     PW_FEED_KIND_COUNT, &sink, &e), PW_OK);
	/* 5,406 advisories: 23 carry no release line (announcements, notes) */
	assert_int_equal(s.records + 23, 5406);
	assert_true(ts_watched(&s, "CVE-2023-1393 debian 11 xorg-server fixed 2:1.20.11-1+deb11u6 DSA-5380-1"));
	assert_true(s.by_status[PW_AFFECT_NOT_AFFECTED] > 0);

	s = (struct test_sink){ 0 };
	sink = ts_sink(&s);
	assert_int_equal(pw_feed_import_path(PW_DATA_DIR "/feeds/debian/security-tracker/DLA-list",
					     PW_FEED_KIND_COUNT, &sink, &e), PW_OK);
	assert_int_equal(s.records + 4, 3534);

	static const char list[] =
		"[01 Jan 2023] DSA-9-1 pkg - security update\n"
		"\t{CVE-2023-1 CVE-2023-2}\n"
		"\t[bookworm] - pkg 1.0-1+deb12u1\n"
		"\t[bullseye] - pkg <not-affected> (code not present)\n"
		"\t[buster] - pkg <end-of-life>\n"
		"\t[narnia] - pkg 1.0\n"
		"\tNOTE: a note\n"
		"[02 Jan 2023] DSA-10-2 pkg - regression update\n"
		"\t[bookworm] - pkg 1.0-1+deb12u2\n";
	s = (struct test_sink){ .watch_id = "DSA-10-2" };
	sink = ts_sink(&s);
	assert_int_equal(pw_feed_parse_dsa_list(pw_blob_cstr(list), "list", PW_FEED_DSA, &sink, &e), PW_OK);
	assert_int_equal(s.records, 2);
	assert_int_equal(s.affected, 2 * 3 + 1);
	assert_int_equal(s.skips, 1); /* narnia */
	/* a regression update without CVEs is its own vulnerability */
	assert_true(ts_watched(&s, "DSA-10-2 debian 12 pkg fixed 1.0-1+deb12u2 DSA-10-2"));

	assert_int_equal(pw_feed_parse_dsa_list(pw_blob_cstr("[01 Jan 2023 DSA-1-1 x\n"), "list", PW_FEED_DSA, &sink, &e),
			 PW_ERR_PARSE);
	assert_non_null(strstr(e.msg, "list:1: unterminated date"));
	assert_int_equal(pw_feed_parse_dsa_list(pw_blob_cstr("[01 Jan 2023] DLA-1-1 x\n"), "list", PW_FEED_DSA, &sink, &e),
			 PW_ERR_PARSE);
	assert_non_null(strstr(e.msg, "list:1: expected a DSA- advisory id"));
}

static void tracker_json(void **state)
{
	(void)state;
	struct test_sink s = { .watch_id = "apparmor" };
	struct pw_feed_sink sink = ts_sink(&s);
	struct pw_error e;
	assert_int_equal(pw_feed_import_path(PW_DATA_DIR "/feeds/debian/tracker-json/osvdev-tracker-mock.json",
					     PW_FEED_KIND_COUNT, &sink, &e), PW_OK);
	assert_true(ts_watched(&s, "CVE-2014-1424 debian 12 apparmor not-affected - -"));
	assert_true(ts_watched(&s, "CVE-2016-1585 debian 12 apparmor wont-fix - -"));
	assert_int_equal(pw_feed_parse_debian_tracker(pw_blob_cstr("[1]"), "t.json", &sink, &e), PW_ERR_PARSE);
	assert_int_equal(pw_feed_parse_debian_tracker(pw_blob_cstr("{\"x\": "), "t.json", &sink, &e), PW_ERR_PARSE);
	assert_non_null(strstr(e.msg, "t.json:1:"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(dsa_dla),
		cmocka_unit_test(tracker_json),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
