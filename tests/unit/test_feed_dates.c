/* test_feed_dates.c - how old a feed's data is, on a real SQLite file: an
 * import's stats keep the newest date per source (advisories' published
 * and modified dates, KEV dateAdded, EPSS score_date); the store keeps it
 * per feed, only ever raised, and written with the import (rolled back
 * with it); a store without an entry, and a missing store, are told apart
 * from an empty one. */
#include "pw_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pw_feed_dates.h"
#include "pw_sql.h"
#include "pw_store.h"

struct fixture {
	char path[64];
	struct pw_store *s;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	snprintf(f->path, sizeof(f->path), "/tmp/pw-test-feed-dates-XXXXXX");
	int fd = mkstemp(f->path);
	assert_true(fd >= 0);
	close(fd);
	unlink(f->path);
	struct pw_error e = { 0 };
	assert_int_equal(pw_store_open(f->path, &f->s, &e), PW_OK);
	assert_int_equal(pw_feed_dates_migrate(f->s, &e), PW_OK);
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
	return 0;
}

static void test_import_stats_keep_the_newest_date_per_source(void **state)
{
	struct fixture *f = *state;
	struct pw_error e = { 0 };
	struct pw_import_stats st;
	struct pw_feed_sink sink;
	assert_int_equal(pw_store_import_begin(f->s, "dsa", &sink, &st, &e), PW_OK);
	struct pw_vuln v1 = { .id = "CVE-2023-0001", .published = 1680048000, .cvss_score = -1 };
	struct pw_vuln v2 = { .id = "CVE-2023-0002", .published = 1679875200,
			      .modified = 1690000000, .cvss_score = -1 };
	struct pw_feed_record r1 = { .id = "DSA-1-1", .vulns = &v1, .nvulns = 1 };
	struct pw_feed_record r2 = { .id = "DSA-2-1", .vulns = &v2, .nvulns = 1 };
	assert_int_equal(sink.record(sink.ctx, &r1, &e), PW_OK);
	assert_int_equal(sink.record(sink.ctx, &r2, &e), PW_OK);
	/* a directory of several feeds: each source its own date */
	assert_int_equal(pw_store_import_set_source(f->s, "dla", &e), PW_OK);
	struct pw_vuln v3 = { .id = "CVE-2023-0003", .published = 1600000000, .cvss_score = -1 };
	struct pw_feed_record r3 = { .id = "DLA-3-1", .vulns = &v3, .nvulns = 1 };
	assert_int_equal(sink.record(sink.ctx, &r3, &e), PW_OK);
	assert_int_equal(pw_store_import_commit(f->s, &e), PW_OK);
	assert_int_equal(pw_import_stats_newest(&st, "dsa"), 1690000000); /* the modified date */
	assert_int_equal(pw_import_stats_newest(&st, "dla"), 1600000000);
	assert_int_equal(pw_import_stats_newest(&st, "kev"), 0);

	/* an unchanged re-import still tells the data's date */
	assert_int_equal(pw_store_import_begin(f->s, "dsa", &sink, &st, &e), PW_OK);
	assert_int_equal(sink.record(sink.ctx, &r1, &e), PW_OK);
	assert_int_equal(pw_store_import_commit(f->s, &e), PW_OK);
	assert_int_equal(st.unchanged, 1);
	assert_int_equal(pw_import_stats_newest(&st, "dsa"), 1680048000);

	/* KEV: dateAdded; EPSS: score_date */
	assert_int_equal(pw_store_import_begin(f->s, "kev", &sink, &st, &e), PW_OK);
	struct pw_kev k1 = { .cve = "CVE-2023-0001", .date_added = 1700000000 };
	struct pw_kev k2 = { .cve = "CVE-2023-0002", .date_added = 1650000000 };
	assert_int_equal(sink.kev(sink.ctx, &k1, &e), PW_OK);
	assert_int_equal(sink.kev(sink.ctx, &k2, &e), PW_OK);
	assert_int_equal(pw_store_import_commit(f->s, &e), PW_OK);
	assert_int_equal(pw_import_stats_newest(&st, "kev"), 1700000000);
	assert_int_equal(pw_store_import_begin(f->s, "epss", &sink, &st, &e), PW_OK);
	struct pw_epss x = { .cve = "CVE-2023-0001", .score = 0.5, .percentile = 0.9,
			     .score_date = 1755302400, .model_version = "v4" };
	assert_int_equal(sink.epss(sink.ctx, &x, &e), PW_OK);
	assert_int_equal(pw_store_import_commit(f->s, &e), PW_OK);
	assert_int_equal(pw_import_stats_newest(&st, "epss"), 1755302400);
}

static void note(struct pw_store *s, const char *feed, int64_t newest, bool from_file)
{
	struct pw_error e = { 0 };
	struct pw_feed_date d = { .newest = newest, .from_file = from_file };
	snprintf(d.feed, sizeof(d.feed), "%s", feed);
	snprintf(d.kind, sizeof(d.kind), "kev");
	assert_int_equal(pw_store_begin(s, &e), PW_OK);
	assert_int_equal(pw_feed_dates_note(s, &d, &e), PW_OK);
	assert_int_equal(pw_store_commit(s, &e), PW_OK);
}

static void test_the_stored_date_is_only_raised(void **state)
{
	struct fixture *f = *state;
	struct pw_error e = { 0 };
	struct pw_feed_date d;
	bool found = true;
	assert_int_equal(pw_feed_dates_get(f->s, "kev", &d, &found, &e), PW_OK);
	assert_false(found);
	note(f->s, "kev", 1700000000, false);
	assert_int_equal(pw_feed_dates_get(f->s, "kev", &d, &found, &e), PW_OK);
	assert_true(found);
	assert_int_equal(d.newest, 1700000000);
	assert_string_equal(d.kind, "kev");
	assert_false(d.from_file);
	/* an older snapshot imported afterwards: the store still holds the newer data */
	note(f->s, "kev", 1600000000, true);
	assert_int_equal(pw_feed_dates_get(f->s, "kev", &d, &found, &e), PW_OK);
	assert_int_equal(d.newest, 1700000000);
	assert_false(d.from_file);
	note(f->s, "kev", 1800000000, true);
	assert_int_equal(pw_feed_dates_get(f->s, "kev", &d, &found, &e), PW_OK);
	assert_int_equal(d.newest, 1800000000);
	assert_true(d.from_file);
	/* no date: nothing written */
	note(f->s, "epss", 0, false);
	assert_int_equal(pw_feed_dates_get(f->s, "epss", &d, &found, &e), PW_OK);
	assert_false(found);
}

static void test_a_rolled_back_import_keeps_no_date(void **state)
{
	struct fixture *f = *state;
	struct pw_error e = { 0 };
	struct pw_feed_date d = { .newest = 1700000000 };
	bool found = true;
	snprintf(d.feed, sizeof(d.feed), "dsa");
	snprintf(d.kind, sizeof(d.kind), "dsa");
	assert_int_equal(pw_store_begin(f->s, &e), PW_OK);
	assert_int_equal(pw_feed_dates_note(f->s, &d, &e), PW_OK);
	pw_store_rollback(f->s);
	assert_int_equal(pw_feed_dates_get(f->s, "dsa", &d, &found, &e), PW_OK);
	assert_false(found);
}

static void test_a_missing_store_is_not_created(void **state)
{
	struct pw_error e = { 0 };
	struct pw_store *s = (struct pw_store *)1;
	const char *path = "/tmp/pw-test-feed-dates-none/sub/pw.db";
	struct stat st;
	assert_int_equal(pw_store_open_existing(path, &s, &e), PW_ERR_NOTFOUND);
	assert_null(s);
	assert_non_null(strstr(e.msg, "no store at /tmp/pw-test-feed-dates-none/sub/pw.db"));
	assert_int_not_equal(stat("/tmp/pw-test-feed-dates-none", &st), 0);
	/* an existing store opens */
	struct fixture *f = *state;
	pw_store_close(f->s);
	assert_int_equal(pw_store_open_existing(f->path, &f->s, &e), PW_OK);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_import_stats_keep_the_newest_date_per_source,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_the_stored_date_is_only_raised, setup, teardown),
		cmocka_unit_test_setup_teardown(test_a_rolled_back_import_keeps_no_date, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_a_missing_store_is_not_created, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
