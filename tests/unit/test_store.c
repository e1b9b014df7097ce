/* test_store.c - the SQLite store on real files: migrations, idempotent and
 * incremental imports, merge rules, rollback, generations, bad files. */
#include "pw_test.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pw_store.h"

static char dbpath[256];

static int setup(void **state)
{
	(void)state;
	char tmpl[] = "/tmp/pw-store-XXXXXX";
	char *dir = mkdtemp(tmpl);
	snprintf(dbpath, sizeof(dbpath), "%s/sub/dir/pw.db", dir);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	char cmd[512];
	char *slash = strstr(dbpath, "/sub/");
	snprintf(cmd, sizeof(cmd), "rm -rf '%.*s'", (int)(slash - dbpath), dbpath);
	return system(cmd);
}

static struct pw_vuln vuln(const char *id, double score)
{
	struct pw_vuln v = { .id = id, .cvss_score = score };
	return v;
}

static struct pw_affected fixed(const char *vid, const char *pkg, const char *fix)
{
	struct pw_affected a = { .vuln_id = vid, .distro = "debian", .release = "12",
				 .package = pkg, .status = PW_AFFECT_FIXED, .fixed = fix,
				 .advisory = "DSA-1-1" };
	return a;
}

struct counter {
	int n;
	char last_fixed[64];
};

static pw_err count_cb(void *ctx, const struct pw_affected *a)
{
	struct counter *c = ctx;
	c->n++;
	snprintf(c->last_fixed, sizeof(c->last_fixed), "%s", a->fixed ? a->fixed : "");
	return PW_OK;
}

static int affected_count(struct pw_store *s, const char *distro, int64_t since, char *fix)
{
	struct counter c = { 0 };
	struct pw_error e;
	assert_int_equal(pw_store_each_affected(s, distro, NULL, since, count_cb, &c, &e), PW_OK);
	if (fix)
		strcpy(fix, c.last_fixed);
	return c.n;
}

static void import_one(struct pw_store *s, const struct pw_feed_record *r,
		       struct pw_import_stats *st)
{
	struct pw_feed_sink sink;
	struct pw_error e;
	assert_int_equal(pw_store_import_begin(s, "dsa", &sink, st, &e), PW_OK);
	assert_int_equal(sink.record(sink.ctx, r, &e), PW_OK);
	assert_int_equal(pw_store_import_commit(s, &e), PW_OK);
}

static void incremental_imports(void **state)
{
	(void)state;
	struct pw_store *s;
	struct pw_error e;
	assert_int_equal(pw_store_open(dbpath, &s, &e), PW_OK);
	assert_int_equal(pw_store_schema_version(s), 1);
	assert_int_equal(access(dbpath, F_OK), 0);

	struct pw_vuln v[] = { vuln("CVE-2024-1", 9.8), vuln("CVE-2024-2", -1) };
	struct pw_affected a[] = { fixed("CVE-2024-1", "openssl", "3.0.11-1~deb12u1"),
				   fixed("CVE-2024-2", "openssl", "3.0.11-1~deb12u1") };
	struct pw_feed_record r = { .source = "dsa", .id = "DSA-1-1", .vulns = v, .nvulns = 2,
				    .affected = a, .naffected = 2 };
	struct pw_import_stats st;
	import_one(s, &r, &st);
	assert_int_equal(st.added, 1);
	assert_int_equal(pw_store_generation(s), 1);
	assert_int_equal(pw_store_count(s, "affected"), 2);

	/* the same again: nothing written, generation unchanged */
	import_one(s, &r, &st);
	assert_int_equal(st.unchanged, 1);
	assert_int_equal(st.added + st.updated, 0);
	assert_int_equal(pw_store_generation(s), 1);

	/* changed: replaced in place, old rows gone, only it in generation 2 */
	a[1].fixed = "3.0.13-1~deb12u1";
	r.naffected = 2;
	import_one(s, &r, &st);
	assert_int_equal(st.updated, 1);
	assert_int_equal(pw_store_count(s, "affected"), 2);
	assert_int_equal(pw_store_generation(s), 2);
	char fix[64];
	assert_int_equal(affected_count(s, NULL, 1, fix), 2);
	assert_int_equal(affected_count(s, "ubuntu", 0, NULL), 0);

	/* merge: NVD's score survives a later record without one */
	struct pw_vuln nvd = { .id = "CVE-2024-2", .cvss_score = 7.5, .cvss_vector = "CVSS:3.1/AV:N",
			       .cvss_source = "nvd" };
	struct pw_feed_record rn = { .source = "nvd", .id = "CVE-2024-2", .vulns = &nvd, .nvulns = 1 };
	import_one(s, &rn, &st);
	v[1].summary = "now with a summary";
	import_one(s, &r, &st);
	struct pw_vuln got;
	bool found;
	assert_int_equal(pw_store_get_vuln(s, "CVE-2024-2", &got, &found, &e), PW_OK);
	assert_true(found);
	assert_true(got.cvss_score > 7.4 && got.cvss_score < 7.6);
	assert_string_equal(got.cvss_source, "nvd");
	assert_string_equal(got.summary, "now with a summary");
	pw_store_close(s);

	/* reopened: data kept, no migration again */
	assert_int_equal(pw_store_open(dbpath, &s, &e), PW_OK);
	assert_int_equal(pw_store_count(s, "records"), 2);
	pw_store_close(s);
}

static void rollback_leaves_nothing(void **state)
{
	(void)state;
	struct pw_store *s;
	struct pw_error e;
	assert_int_equal(pw_store_open(dbpath, &s, &e), PW_OK);
	int64_t before = pw_store_count(s, "affected");
	struct pw_affected a[] = { fixed("CVE-2025-9", "zlib", "1:1.2.13.dfsg-1") };
	struct pw_vuln v = vuln("CVE-2025-9", 5.0);
	struct pw_feed_record r = { .source = "dsa", .id = "DSA-9-1", .vulns = &v, .nvulns = 1,
				    .affected = a, .naffected = 1 };
	struct pw_feed_sink sink;
	struct pw_import_stats st;
	assert_int_equal(pw_store_import_begin(s, "dsa", &sink, &st, &e), PW_OK);
	assert_int_equal(sink.record(sink.ctx, &r, &e), PW_OK);
	/* an entry without a package is refused, and the whole import goes */
	a[0].package = NULL;
	r.id = "DSA-10-1";
	assert_int_equal(sink.record(sink.ctx, &r, &e), PW_ERR_INVALID);
	assert_non_null(strstr(e.msg, "DSA-10-1"));
	pw_store_import_abort(s);
	assert_int_equal(pw_store_count(s, "affected"), before);

	/* KEV and EPSS upserts count what changed */
	struct pw_kev k = { .cve = "CVE-2024-3094", .vendor = "XZ", .date_added = 1711670400,
			    .due_date = 1712448000, .ransomware = false };
	struct pw_epss x = { .cve = "CVE-2024-3094", .score = 0.85, .percentile = 0.99,
			     .score_date = 1787000000, .model_version = "v2025" };
	for (int round = 0; round < 3; round++) {
		assert_int_equal(pw_store_import_begin(s, "kev", &sink, &st, &e), PW_OK);
		if (round == 2)
			k.ransomware = true, x.score = 0.9;
		assert_int_equal(sink.kev(sink.ctx, &k, &e), PW_OK);
		assert_int_equal(sink.epss(sink.ctx, &x, &e), PW_OK);
		(sink.skip)(sink.ctx, "no cveID");
		(sink.skip)(sink.ctx, "no cveID");
		assert_int_equal(pw_store_import_commit(s, &e), PW_OK);
		assert_int_equal(st.added, round == 0 ? 2 : 0);
		assert_int_equal(st.unchanged, round == 1 ? 2 : 0);
		assert_int_equal(st.updated, round == 2 ? 2 : 0);
		assert_int_equal(st.nskips, 1);
		assert_int_equal(st.skips[0].count, 2);
	}
	struct pw_kev kg;
	struct pw_epss xg;
	bool found;
	assert_int_equal(pw_store_get_kev(s, "CVE-2024-3094", &kg, &found, &e), PW_OK);
	assert_true(found && kg.ransomware);
	assert_int_equal(pw_store_get_epss(s, "CVE-2024-3094", &xg, &found, &e), PW_OK);
	assert_true(found && xg.score > 0.89);
	assert_int_equal(pw_store_get_kev(s, "CVE-1999-0001", &kg, &found, &e), PW_OK);
	assert_false(found);

	struct pw_feed_state fs = { .feed = "kev", .url = "https://example.invalid/kev.json",
				    .etag = "\"abc\"", .last_checked = 100, .records = 1 };
	assert_int_equal(pw_store_feed_state_put(s, &fs, &e), PW_OK);
	struct pw_feed_state got;
	assert_int_equal(pw_store_feed_state_get(s, "kev", &got, &found, &e), PW_OK);
	assert_true(found);
	assert_string_equal(got.etag, "\"abc\"");
	assert_null(got.last_modified);
	pw_store_close(s);
}

static void bad_files(void **state)
{
	(void)state;
	struct pw_store *s;
	struct pw_error e;
	/* a schema newer than this code */
	sqlite3 *db;
	assert_int_equal(sqlite3_open(dbpath, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "INSERT INTO schema_version VALUES (99)", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	assert_int_equal(pw_store_open(dbpath, &s, &e), PW_ERR_UNSUPPORTED);
	assert_non_null(strstr(e.msg, "schema version 99 is newer"));

	/* not a database at all */
	char junk[300];
	snprintf(junk, sizeof(junk), "%s.junk", dbpath);
	FILE *f = fopen(junk, "w");
	fputs("this is not an SQLite database, just text that is long enough to look like a header\n", f);
	fclose(f);
	assert_int_not_equal(pw_store_open(junk, &s, &e), PW_OK);
	assert_non_null(strstr(e.msg, junk));

	assert_int_equal(pw_store_open(":memory:", &s, &e), PW_OK);
	assert_int_equal(pw_store_count(s, "vulns"), 0);
	assert_int_equal(pw_store_count(s, "nope"), -1);
	pw_store_close(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(incremental_imports),
		cmocka_unit_test(rollback_leaves_nothing),
		cmocka_unit_test(bad_files),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
