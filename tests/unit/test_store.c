/* test_store.c - the store on real SQLite files in a temporary directory:
 * migrations, reopening, idempotent and incremental imports, cross-feed
 * merging, rollback leaving the file exactly as it was, ids repeated within
 * one import, KEV/EPSS upserts, filters and generations, bad files; then the
 * real bundled KEV and AlmaLinux feeds through the importers.
 *
 * "Nothing written" is checked from outside: a second SQLite connection's
 * PRAGMA data_version changes whenever another connection commits a change,
 * and a digest of every row of every table compares states. */
#define _XOPEN_SOURCE 700
#include "pw_test.h"

#include <ftw.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pw_feeds.h"
#include "pw_store.h"
#include "pw_store_backend.h"

static char tmpdir[64];
static char dbpath[256];

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st, (void)flag, (void)ftw;
	return remove(path);
}

static int setup(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/pw-store-XXXXXX");
	if (!mkdtemp(tmpdir))
		return -1;
	/* a directory that does not exist yet: open creates it */
	snprintf(dbpath, sizeof(dbpath), "%s/sub/dir/pw.db", tmpdir);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	return nftw(tmpdir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* Every test starts from no database. */
static int fresh(void **state)
{
	(void)state;
	const char *suffix[] = { "", "-wal", "-shm", ".junk" };
	for (size_t i = 0; i < 4; i++) {
		char p[300];
		snprintf(p, sizeof(p), "%s%s", dbpath, suffix[i]);
		unlink(p);
	}
	return 0;
}

static struct pw_store *open_store(void)
{
	struct pw_store *s = NULL;
	struct pw_error e;
	pw_err rc = pw_store_open(dbpath, &s, &e);
	if (rc)
		fail_msg("open: %s", e.msg);
	return s;
}

/* ---- looking from outside ---- */

static sqlite3 *peek_open(void)
{
	sqlite3 *db;
	assert_int_equal(sqlite3_open_v2(dbpath, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	return db;
}

static int64_t peek_int(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *q;
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &q, NULL), SQLITE_OK);
	int64_t v = sqlite3_step(q) == SQLITE_ROW ? sqlite3_column_int64(q, 0) : -1;
	sqlite3_finalize(q);
	return v;
}

/* FNV-1a over every row of every table, in key order: equal digests mean
 * equal contents. */
static uint64_t digest(void)
{
	static const char *const sql[] = {
		"SELECT * FROM meta ORDER BY key",
		"SELECT * FROM schema_version ORDER BY version",
		"SELECT * FROM records ORDER BY source, record_id, part",
		"SELECT * FROM vulns ORDER BY id",
		"SELECT * FROM aliases ORDER BY vuln_id, alias",
		"SELECT * FROM affected ORDER BY source, record_id, part, vuln_id, distro, release, package, fixed",
		"SELECT * FROM cpe_matches ORDER BY source, record_id, part, criteria",
		"SELECT * FROM kev ORDER BY cve",
		"SELECT * FROM epss ORDER BY cve",
		"SELECT * FROM feed_state ORDER BY feed",
	};
	sqlite3 *db = peek_open();
	uint64_t h = 1469598103934665603ull;
	for (size_t t = 0; t < sizeof(sql) / sizeof(sql[0]); t++) {
		sqlite3_stmt *q;
		assert_int_equal(sqlite3_prepare_v2(db, sql[t], -1, &q, NULL), SQLITE_OK);
		while (sqlite3_step(q) == SQLITE_ROW) {
			for (int c = 0; c < sqlite3_column_count(q); c++) {
				const unsigned char *v = sqlite3_column_text(q, c);
				for (const unsigned char *p = v ? v : (const unsigned char *)"\x01NULL"; *p; p++)
					h = (h ^ *p) * 1099511628211ull;
				h = (h ^ 0xff) * 1099511628211ull;
			}
		}
		sqlite3_finalize(q);
		h = (h ^ 0xfe) * 1099511628211ull;
	}
	sqlite3_close(db);
	return h;
}

/* ---- building records ---- */

static struct pw_affected fixed_in(const char *vid, const char *distro, const char *release,
				   const char *pkg, const char *fix)
{
	struct pw_affected a = { .vuln_id = vid, .distro = distro, .release = release,
				 .package = pkg, .status = PW_AFFECT_FIXED, .fixed = fix,
				 .advisory = "DSA-5000-1" };
	return a;
}

static struct pw_vuln cve(const char *id)
{
	struct pw_vuln v = { .id = id, .cvss_score = -1 };
	return v;
}

struct import {
	struct pw_feed_sink sink;
	struct pw_import_stats st;
};

static void begin(struct pw_store *s, const char *source, struct import *im)
{
	struct pw_error e;
	assert_int_equal(pw_store_import_begin(s, source, &im->sink, &im->st, &e), PW_OK);
}

static void put(struct import *im, const struct pw_feed_record *r)
{
	struct pw_error e;
	pw_err rc = im->sink.record(im->sink.ctx, r, &e);
	if (rc)
		fail_msg("record %s: %s", r->id, e.msg);
}

static void commit(struct pw_store *s)
{
	struct pw_error e;
	pw_err rc = pw_store_import_commit(s, &e);
	if (rc)
		fail_msg("commit: %s", e.msg);
}

static void import_records(struct pw_store *s, const char *source, const struct pw_feed_record *r,
			   size_t n, struct pw_import_stats *st)
{
	struct import im;
	begin(s, source, &im);
	for (size_t i = 0; i < n; i++)
		put(&im, &r[i]);
	commit(s);
	*st = im.st;
}

struct collect {
	int n;
	char seen[32][96]; /* "vuln distro release package fixed" */
};

static pw_err collect_cb(void *ctx, const struct pw_affected *a)
{
	struct collect *c = ctx;
	if (c->n < 32)
		snprintf(c->seen[c->n], sizeof(c->seen[0]), "%s %s %s %s %s", a->vuln_id, a->distro,
			 a->release, a->package, a->fixed ? a->fixed : "-");
	c->n++;
	return PW_OK;
}

static struct collect affected(struct pw_store *s, const char *distro, const char *release,
			       int64_t since)
{
	struct collect c = { 0 };
	struct pw_error e;
	assert_int_equal(pw_store_each_affected(s, distro, release, since, collect_cb, &c, &e), PW_OK);
	return c;
}

static bool has(const struct collect *c, const char *row)
{
	for (int i = 0; i < c->n && i < 32; i++) {
		if (strcmp(c->seen[i], row) == 0)
			return true;
	}
	return false;
}

/* ---- tests ---- */

static void migrations_from_empty(void **state)
{
	(void)state;
	struct pw_store *s = open_store();
	assert_string_equal(pw_store_backend(s), "sqlite");
	assert_int_equal(pw_store_schema_version(s), 1);
	assert_int_equal(pw_store_generation(s), 0);
	const char *tables[] = { "vulns", "aliases", "affected", "kev", "epss", "cpe_matches",
				 "records" };
	for (size_t i = 0; i < sizeof(tables) / sizeof(tables[0]); i++)
		assert_int_equal(pw_store_count(s, tables[i]), 0);
	assert_int_equal(pw_store_count(s, "nope"), -1);
	assert_int_equal(pw_store_count(s, "records; DROP TABLE kev"), -1);
	pw_store_close(s);

	struct stat st;
	assert_int_equal(stat(dbpath, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	sqlite3 *db = peek_open();
	assert_int_equal(peek_int(db, "SELECT COUNT(*) FROM schema_version"), 1);
	assert_int_equal(peek_int(db, "SELECT MAX(version) FROM schema_version"), 1);
	sqlite3_stmt *q;
	assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &q, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(q), SQLITE_ROW);
	assert_string_equal((const char *)sqlite3_column_text(q, 0), "wal");
	sqlite3_finalize(q);
	/* the key the matcher reads by is indexed */
	assert_int_equal(peek_int(db, "SELECT COUNT(*) FROM sqlite_master WHERE type = 'index'"
				      " AND name = 'affected_key'"), 1);
	sqlite3_close(db);

	/* opening again migrates nothing */
	s = open_store();
	pw_store_close(s);
	db = peek_open();
	assert_int_equal(peek_int(db, "SELECT COUNT(*) FROM schema_version"), 1);
	sqlite3_close(db);
}

static void reopen_keeps_data(void **state)
{
	(void)state;
	struct pw_store *s = open_store();
	struct pw_vuln v = cve("CVE-2024-1");
	struct pw_affected a = fixed_in("CVE-2024-1", "debian", "12", "openssl", "3.0.11-1~deb12u1");
	struct pw_feed_record r = { "dsa", "DSA-5000-1", &v, 1, &a, 1, NULL, 0 };
	struct pw_import_stats st;
	import_records(s, "dsa", &r, 1, &st);
	struct pw_feed_state fs = { .feed = "dsa", .url = "https://example.invalid/DSA/list",
				    .etag = "\"abc\"", .last_checked = 100, .last_changed = 90,
				    .records = 1 };
	struct pw_error e;
	assert_int_equal(pw_store_feed_state_put(s, &fs, &e), PW_OK);
	pw_store_close(s);
	uint64_t before = digest();

	s = open_store();
	assert_int_equal(pw_store_generation(s), 1);
	assert_int_equal(pw_store_count(s, "records"), 1);
	assert_int_equal(pw_store_count(s, "affected"), 1);
	assert_int_equal(pw_store_count_source(s, "dsa"), 1);
	assert_int_equal(pw_store_count_source(s, "osv"), 0);
	struct pw_feed_state got;
	bool found;
	assert_int_equal(pw_store_feed_state_get(s, "dsa", &got, &found, &e), PW_OK);
	assert_true(found);
	assert_string_equal(got.url, "https://example.invalid/DSA/list");
	assert_string_equal(got.etag, "\"abc\"");
	assert_null(got.last_modified);
	assert_int_equal(got.last_checked, 100);
	assert_int_equal(got.last_changed, 90);
	assert_int_equal(got.records, 1);
	assert_int_equal(pw_store_feed_state_get(s, "kev", &got, &found, &e), PW_OK);
	assert_false(found);
	pw_store_close(s);
	assert_true(digest() == before);
}

static void import_is_idempotent(void **state)
{
	(void)state;
	struct pw_store *s = open_store();
	struct pw_vuln v[] = { cve("CVE-2024-1"), cve("CVE-2024-2") };
	const char *al[] = { "DSA-5000-1" };
	v[0].aliases = al;
	v[0].naliases = 1;
	v[0].cvss_score = 9.8;
	struct pw_affected a[] = { fixed_in("CVE-2024-1", "debian", "12", "openssl", "3.0.11-1~deb12u1"),
				   fixed_in("CVE-2024-2", "debian", "11", "openssl", "1.1.1w-0+deb11u1") };
	struct pw_cpe_match m = { .vuln_id = "CVE-2024-1", .criteria = "cpe:2.3:a:openssl:openssl:*:*:*:*:*:*:*:*",
				  .version_end_excluding = "3.0.12", .vulnerable = true };
	struct pw_feed_record r[] = {
		{ "dsa", "DSA-5000-1", v, 2, a, 2, &m, 1 },
		{ "dsa", "DSA-5001-1", v + 1, 1, a + 1, 1, NULL, 0 },
	};
	struct pw_import_stats st;
	import_records(s, "dsa", r, 2, &st);
	assert_int_equal(st.read, 2);
	assert_int_equal(st.added, 2);
	assert_int_equal(st.updated + st.unchanged + st.skipped, 0);
	assert_int_equal(pw_store_generation(s), 1);
	assert_int_equal(pw_store_count(s, "affected"), 3);
	assert_int_equal(pw_store_count(s, "cpe_matches"), 1);

	uint64_t before = digest();
	sqlite3 *db = peek_open();
	int64_t dv = peek_int(db, "PRAGMA data_version");
	import_records(s, "dsa", r, 2, &st);
	assert_int_equal(st.read, 2);
	assert_int_equal(st.unchanged, 2);
	assert_int_equal(st.added + st.updated, 0);
	assert_int_equal(pw_store_generation(s), 1);
	/* no other connection committed a change: nothing was written */
	assert_int_equal(peek_int(db, "PRAGMA data_version"), dv);
	sqlite3_close(db);
	assert_true(digest() == before);

	/* a record names its source; the same ids from another source are
	 * other records */
	import_records(s, "osv", r, 1, &st);
	assert_int_equal(st.unchanged, 1);
	r[0].source = NULL; /* an importer that leaves it to the import */
	import_records(s, "osv", r, 1, &st);
	assert_int_equal(st.added, 1);
	assert_int_equal(pw_store_count(s, "records"), 3);
	assert_int_equal(pw_store_count_source(s, "osv"), 1);
	assert_int_equal(pw_store_count_source(s, "dsa"), 2);
	pw_store_close(s);
}

static void changed_record_updates_in_place(void **state)
{
	(void)state;
	struct pw_store *s = open_store();
	struct pw_vuln v[] = { cve("CVE-2024-1"), cve("CVE-2024-2") };
	struct pw_affected a[] = { fixed_in("CVE-2024-1", "debian", "12", "openssl", "3.0.11-1~deb12u1"),
				   fixed_in("CVE-2024-2", "debian", "12", "openssl", "3.0.11-1~deb12u1") };
	struct pw_affected b = fixed_in("CVE-2024-3", "debian", "12", "zlib", "1:1.2.13.dfsg-1");
	struct pw_vuln vb = cve("CVE-2024-3");
	struct pw_feed_record r[] = {
		{ "dsa", "DSA-1-1", v, 2, a, 2, NULL, 0 },
		{ "dsa", "DSA-2-1", &vb, 1, &b, 1, NULL, 0 },
	};
	struct pw_import_stats st;
	import_records(s, "dsa", r, 2, &st);
	assert_int_equal(pw_store_generation(s), 1);

	/* DSA-1-1 is reissued: a new fix for one CVE, the other entry gone */
	a[0].fixed = "3.0.13-1~deb12u1";
	r[0].naffected = 1;
	import_records(s, "dsa", r, 2, &st);
	assert_int_equal(st.updated, 1);
	assert_int_equal(st.unchanged, 1);
	assert_int_equal(st.added, 0);
	assert_int_equal(pw_store_generation(s), 2);
	struct collect c = affected(s, NULL, NULL, 0);
	assert_int_equal(c.n, 2);
	assert_true(has(&c, "CVE-2024-1 debian 12 openssl 3.0.13-1~deb12u1"));
	assert_true(has(&c, "CVE-2024-3 debian 12 zlib 1:1.2.13.dfsg-1"));
	assert_false(has(&c, "CVE-2024-1 debian 12 openssl 3.0.11-1~deb12u1"));
	assert_false(has(&c, "CVE-2024-2 debian 12 openssl 3.0.11-1~deb12u1"));

	/* only the reissued record's rows are newer than generation 1 */
	c = affected(s, NULL, NULL, 1);
	assert_int_equal(c.n, 1);
	assert_true(has(&c, "CVE-2024-1 debian 12 openssl 3.0.13-1~deb12u1"));
	c = affected(s, NULL, NULL, 2);
	assert_int_equal(c.n, 0);
	pw_store_close(s);
}

static void vulns_merge_across_feeds(void **state)
{
	(void)state;
	struct pw_store *s = open_store();
	struct pw_import_stats st;
	struct pw_error e;
	/* NVD first: CVSS and a summary */
	struct pw_vuln nvd = { .id = "CVE-2024-3094", .summary = "xz backdoor (NVD)",
			       .published = 1711670400, .cvss_vector = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H",
			       .cvss_score = 10.0, .cvss_source = "nvd" };
	struct pw_feed_record rn = { "nvd", "CVE-2024-3094", &nvd, 1, NULL, 0, NULL, 0 };
	import_records(s, "nvd", &rn, 1, &st);

	/* a DSA without any score, with an alias and a severity word */
	const char *al[] = { "DSA-5649-1" };
	struct pw_vuln dsa = { .id = "CVE-2024-3094", .aliases = al, .naliases = 1,
			       .cvss_score = -1, .cvss_source = "dsa", .severity = "high" };
	struct pw_affected a = fixed_in("CVE-2024-3094", "debian", "sid", "xz-utils", "5.6.1+really5.4.5-1");
	struct pw_feed_record rd = { "dsa", "DSA-5649-1", &dsa, 1, &a, 1, NULL, 0 };
	import_records(s, "dsa", &rd, 1, &st);

	struct pw_vuln got;
	bool found;
	assert_int_equal(pw_store_get_vuln(s, "CVE-2024-3094", &got, &found, &e), PW_OK);
	assert_true(found);
	assert_true(got.cvss_score > 9.95 && got.cvss_score < 10.05);
	assert_string_equal(got.cvss_source, "nvd"); /* a scorer without a score says nothing */
	assert_string_equal(got.cvss_vector, "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H");
	assert_string_equal(got.summary, "xz backdoor (NVD)");
	assert_string_equal(got.severity, "high");
	assert_int_equal(got.published, 1711670400);
	assert_int_equal(got.naliases, 1);
	assert_string_equal(got.aliases[0], "DSA-5649-1");

	/* a distribution's score never replaces NVD's; aliases accumulate,
	 * sorted; the newer summary wins */
	const char *al2[] = { "ALSA-2024:1234", "CVE-2024-3094" };
	struct pw_vuln alma = { .id = "CVE-2024-3094", .aliases = al2, .naliases = 2,
				.cvss_score = 9.1, .cvss_source = "osv:AlmaLinux",
				.summary = "xz backdoor (AlmaLinux)" };
	struct pw_feed_record ra = { "osv", "ALSA-2024:1234", &alma, 1, NULL, 0, NULL, 0 };
	import_records(s, "osv", &ra, 1, &st);
	assert_int_equal(pw_store_get_vuln(s, "CVE-2024-3094", &got, &found, &e), PW_OK);
	assert_true(got.cvss_score > 9.95 && got.cvss_score < 10.05);
	assert_string_equal(got.cvss_source, "nvd");
	assert_string_equal(got.cvss_vector, "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H");
	assert_string_equal(got.summary, "xz backdoor (AlmaLinux)");
	assert_string_equal(got.severity, "high");
	assert_int_equal(got.naliases, 2); /* the id itself is not its own alias */
	assert_string_equal(got.aliases[0], "ALSA-2024:1234");
	assert_string_equal(got.aliases[1], "DSA-5649-1");

	/* the other order: a distribution's score stands until NVD's comes, as
	 * a whole (vector, score and scorer together) */
	struct pw_vuln alma2 = { .id = "CVE-2024-0002", .cvss_score = 5.5,
				 .cvss_source = "osv:AlmaLinux" };
	struct pw_feed_record ra2 = { "osv", "ALSA-2024:0002", &alma2, 1, NULL, 0, NULL, 0 };
	import_records(s, "osv", &ra2, 1, &st);
	assert_int_equal(pw_store_get_vuln(s, "CVE-2024-0002", &got, &found, &e), PW_OK);
	assert_string_equal(got.cvss_source, "osv:AlmaLinux");
	assert_null(got.cvss_vector);
	struct pw_vuln nvd2 = { .id = "CVE-2024-0002",
				.cvss_vector = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
				.cvss_score = 9.8, .cvss_source = "nvd:secalert@redhat.com" };
	struct pw_feed_record rn2 = { "nvd", "CVE-2024-0002", &nvd2, 1, NULL, 0, NULL, 0 };
	import_records(s, "nvd", &rn2, 1, &st);
	assert_int_equal(pw_store_get_vuln(s, "CVE-2024-0002", &got, &found, &e), PW_OK);
	assert_true(got.cvss_score > 9.75 && got.cvss_score < 9.85);
	assert_string_equal(got.cvss_source, "nvd:secalert@redhat.com");
	assert_string_equal(got.cvss_vector, "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H");

	assert_int_equal(pw_store_get_vuln(s, "CVE-1999-0001", &got, &found, &e), PW_OK);
	assert_false(found);
	pw_store_close(s);
}

static void failed_import_leaves_store_as_before(void **state)
{
	(void)state;
	struct pw_store *s = open_store();
	struct pw_error e;
	struct pw_vuln v = cve("CVE-2025-9");
	struct pw_affected a = fixed_in("CVE-2025-9", "debian", "12", "zlib", "1:1.2.13.dfsg-1");
	struct pw_feed_record r = { "dsa", "DSA-9-1", &v, 1, &a, 1, NULL, 0 };
	struct pw_import_stats st;
	import_records(s, "dsa", &r, 1, &st);
	struct pw_kev k = { .cve = "CVE-2025-9", .vendor = "zlib", .date_added = 1700000000 };
	struct import im;
	begin(s, "kev", &im);
	assert_int_equal(im.sink.kev(im.sink.ctx, &k, &e), PW_OK);
	commit(s);
	uint64_t before = digest();
	int64_t gen = pw_store_generation(s);

	/* the sink refuses an entry midway: the importer stops, the caller
	 * aborts, and the records already accepted go too */
	begin(s, "dsa", &im);
	a.fixed = "1:1.2.13.dfsg-1+deb12u1";
	put(&im, &r);
	struct pw_affected bad = { .vuln_id = "CVE-2025-10", .distro = "debian", .release = "12",
				   .status = PW_AFFECT_FIXED, .fixed = "1" }; /* no package */
	struct pw_feed_record rb = { "dsa", "DSA-10-1", &v, 1, &bad, 1, NULL, 0 };
	assert_int_equal(im.sink.record(im.sink.ctx, &rb, &e), PW_ERR_INVALID);
	assert_non_null(strstr(e.msg, "DSA-10-1"));
	assert_non_null(strstr(e.msg, "package"));
	/* nothing of it is visible to another reader before the end */
	sqlite3 *db = peek_open();
	assert_int_equal(peek_int(db, "SELECT COUNT(*) FROM affected WHERE fixed LIKE '%deb12u1'"), 0);
	sqlite3_close(db);
	pw_store_import_abort(s);
	assert_true(digest() == before);
	assert_int_equal(pw_store_generation(s), gen);

	/* an explicit abort after good rows, KEV and EPSS included */
	begin(s, "epss", &im);
	put(&im, &r);
	struct pw_epss x = { .cve = "CVE-2025-9", .score = 0.5, .percentile = 0.5, .score_date = 1 };
	assert_int_equal(im.sink.epss(im.sink.ctx, &x, &e), PW_OK);
	k.ransomware = true;
	assert_int_equal(im.sink.kev(im.sink.ctx, &k, &e), PW_OK);
	pw_store_import_abort(s);
	assert_true(digest() == before);

	/* closing with an import under way is an abort too */
	begin(s, "dsa", &im);
	put(&im, &r);
	pw_store_close(s);
	assert_true(digest() == before);

	/* and the store is usable after each of them */
	s = open_store();
	import_records(s, "dsa", &r, 1, &st);
	assert_int_equal(st.updated, 1);
	assert_int_equal(pw_store_generation(s), gen + 1);
	/* one import at a time */
	begin(s, "dsa", &im);
	struct import im2;
	assert_int_equal(pw_store_import_begin(s, "dsa", &im2.sink, &im2.st, &e), PW_ERR_USAGE);
	pw_store_import_abort(s);
	assert_int_equal(pw_store_import_commit(s, &e), PW_ERR_USAGE);
	pw_store_close(s);
}

/* The affected indexes as sqlite_master holds them, and whether SQLite
 * finds every index consistent with its table. */
static void assert_affected_indexes(void)
{
	sqlite3 *db = peek_open();
	assert_int_equal(peek_int(db, "SELECT count(*) FROM sqlite_master WHERE tbl_name = 'affected'"
				  " AND type = 'index' AND sql IN ("
				  "'CREATE INDEX affected_key ON affected(distro, release, package)',"
				  "'CREATE INDEX affected_record ON affected(source, record_id, part)',"
				  "'CREATE INDEX affected_generation ON affected(generation)')"),
			 3);
	sqlite3_stmt *q;
	assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &q, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(q), SQLITE_ROW);
	assert_string_equal((const char *)sqlite3_column_text(q, 0), "ok");
	sqlite3_finalize(q);
	sqlite3_close(db);
}

/* An import into an empty affected table builds its indexes at the end:
 * they are there after the commit, after an abort, and when a record is
 * replaced midway (its old rows are found by affected_record). */
static void bulk_load_keeps_the_indexes(void **state)
{
	(void)state;
	struct pw_store *s = open_store();
	struct pw_vuln v[] = { cve("CVE-2025-1"), cve("CVE-2025-2"), cve("CVE-2025-3") };
	struct pw_affected a[] = { fixed_in("CVE-2025-1", "debian", "12", "zlib", "1:1.2.13-1"),
				   fixed_in("CVE-2025-2", "debian", "12", "curl", "7.88.1-10"),
				   fixed_in("CVE-2025-3", "debian", "11", "bash", "5.1-2") };
	struct pw_cpe_match m = { .vuln_id = "CVE-2025-3", .criteria = "cpe:2.3:a:gnu:bash:*:*:*:*:*:*:*:*",
				  .version_end_excluding = "5.2", .vulnerable = true };
	/* a record of CPE matches only: stored, while affected stays empty */
	struct pw_feed_record cpes = { "nvd", "CVE-2025-3", v + 2, 1, NULL, 0, &m, 1 };
	struct pw_import_stats st;
	import_records(s, "nvd", &cpes, 1, &st);
	assert_int_equal(pw_store_count(s, "affected"), 0);

	/* aborted: the indexes come back with the rollback */
	struct pw_feed_record r[] = { { "dsa", "DSA-1-1", v, 1, a, 1, NULL, 0 },
				      { "dsa", "DSA-2-1", v + 1, 1, a + 1, 1, NULL, 0 } };
	struct import im;
	begin(s, "dsa", &im);
	put(&im, &r[0]);
	pw_store_import_abort(s);
	assert_affected_indexes();
	assert_int_equal(pw_store_count(s, "affected"), 0);

	/* the CPE-only record replaced after affected rows were written */
	begin(s, "dsa", &im);
	put(&im, &r[0]);
	struct pw_feed_record again = { "nvd", "CVE-2025-3", v + 2, 1, a + 2, 1, NULL, 0 };
	put(&im, &again);
	put(&im, &r[1]);
	commit(s);
	assert_int_equal(im.st.added, 2);
	assert_int_equal(im.st.updated, 1);
	assert_affected_indexes();
	assert_int_equal(pw_store_count(s, "affected"), 3);
	assert_int_equal(pw_store_count(s, "cpe_matches"), 0);
	struct collect c = affected(s, "debian", "12", 0);
	assert_int_equal(c.n, 2);

	/* a fresh store's first import */
	pw_store_close(s);
	fresh(NULL);
	s = open_store();
	import_records(s, "dsa", r, 2, &st);
	assert_int_equal(st.added, 2);
	assert_affected_indexes();
	c = affected(s, "debian", NULL, 0);
	assert_int_equal(c.n, 2);
	pw_store_close(s);
}

static void readers_during_an_import(void **state)
{
	(void)state;
	/* WAL: another connection reads the state before the import, without
	 * waiting, while the import is under way; then sees it once committed */
	struct pw_store *w = open_store(), *r = open_store();
	struct pw_vuln v = cve("CVE-2024-5");
	struct pw_affected a = fixed_in("CVE-2024-5", "debian", "12", "bash", "5.2.15-2+b7");
	struct pw_feed_record rec = { "dsa", "DSA-5-1", &v, 1, &a, 1, NULL, 0 };
	struct import im;
	begin(w, "dsa", &im);
	put(&im, &rec);
	assert_int_equal(affected(r, NULL, NULL, 0).n, 0);
	assert_int_equal(pw_store_generation(r), 0);
	commit(w);
	assert_int_equal(affected(r, NULL, NULL, 0).n, 1);
	assert_int_equal(pw_store_generation(r), 1);
	pw_store_close(r);
	pw_store_close(w);
}

static void read_transaction_is_one_snapshot(void **state)
{
	(void)state;
	/* the reads of one assessment see one state of the store, whatever an
	 * import on another connection commits meanwhile */
	struct pw_store *w = open_store(), *r = open_store();
	struct pw_vuln v = cve("CVE-2024-6");
	struct pw_affected a = fixed_in("CVE-2024-6", "debian", "12", "bash", "5.2.15-2+b8");
	struct pw_feed_record rec = { "dsa", "DSA-6-1", &v, 1, &a, 1, NULL, 0 };
	struct pw_error e;
	struct pw_vuln got;
	bool found = true;
	assert_int_equal(pw_store_read_begin(r, &e), PW_OK);
	assert_int_equal(pw_store_read_begin(r, &e), PW_ERR_USAGE); /* not nested */
	struct import im;
	assert_int_equal(pw_store_import_begin(r, "dsa", &im.sink, &im.st, &e), PW_ERR_USAGE);
	assert_int_equal(affected(r, "debian", "12", 0).n, 0);
	begin(w, "dsa", &im);
	put(&im, &rec);
	commit(w); /* the writer does not wait for the reader */
	assert_int_equal(affected(r, "debian", "12", 0).n, 0);
	assert_int_equal(pw_store_get_vuln(r, "CVE-2024-6", &got, &found, &e), PW_OK);
	assert_false(found);
	pw_store_read_end(r);
	assert_int_equal(affected(r, "debian", "12", 0).n, 1);
	assert_int_equal(pw_store_get_vuln(r, "CVE-2024-6", &got, &found, &e), PW_OK);
	assert_true(found);
	pw_store_read_end(r); /* a second end is nothing */
	/* a store closed inside a read transaction ends it */
	assert_int_equal(pw_store_read_begin(r, &e), PW_OK);
	assert_int_equal(affected(r, "debian", "12", 0).n, 1);
	pw_store_close(r);
	pw_store_close(w);
}

static void repeated_ids_in_one_import(void **state)
{
	(void)state;
	struct pw_store *s = open_store();
	/* AlmaLinux lists some advisories in two folders: the same id twice.
	 * Identical: one record, the repetition unchanged. */
	struct pw_vuln v = cve("CVE-2024-0001");
	struct pw_affected a8 = fixed_in("CVE-2024-0001", "almalinux", "8", "kernel", "0:4.18.0-553.el8_10");
	struct pw_affected a9 = fixed_in("CVE-2024-0001", "almalinux", "9", "kernel", "0:5.14.0-427.el9");
	struct pw_feed_record same[] = {
		{ "osv", "ALSA-2024:0265", &v, 1, &a8, 1, NULL, 0 },
		{ "osv", "ALSA-2024:0265", &v, 1, &a8, 1, NULL, 0 },
	};
	struct pw_import_stats st;
	import_records(s, "osv", same, 2, &st);
	assert_int_equal(st.read, 2);
	assert_int_equal(st.added, 1);
	assert_int_equal(st.unchanged, 1);
	assert_int_equal(st.updated, 0);
	assert_int_equal(pw_store_count(s, "affected"), 1);
	assert_int_equal(pw_store_count_source(s, "osv"), 1);

	/* Different contents under one id: both kept (nothing lost), counted
	 * once as added and once as updated, never twice added */
	struct pw_feed_record both[] = {
		{ "osv", "ALSA-2024:1818", &v, 1, &a8, 1, NULL, 0 },
		{ "osv", "ALSA-2024:1818", &v, 1, &a9, 1, NULL, 0 },
		{ "osv", "ALSA-2024:1818", &v, 1, &a8, 1, NULL, 0 },
	};
	import_records(s, "osv", both, 3, &st);
	assert_int_equal(st.read, 3);
	assert_int_equal(st.added, 1);
	assert_int_equal(st.updated, 1);
	assert_int_equal(st.unchanged, 1);
	assert_int_equal(pw_store_count_source(s, "osv"), 2);
	struct collect c = affected(s, "almalinux", NULL, 0);
	assert_int_equal(c.n, 3);
	assert_true(has(&c, "CVE-2024-0001 almalinux 9 kernel 0:5.14.0-427.el9"));

	/* the same input again: all unchanged, no new generation */
	int64_t gen = pw_store_generation(s);
	uint64_t before = digest();
	import_records(s, "osv", both, 3, &st);
	assert_int_equal(st.unchanged, 3);
	assert_int_equal(st.added + st.updated, 0);
	assert_int_equal(pw_store_generation(s), gen);
	assert_true(digest() == before);
	pw_store_close(s);
}

static void sources_within_one_import(void **state)
{
	(void)state;
	struct pw_store *s = open_store();
	struct pw_error e;
	/* a tracker checkout: DSA and DLA lists in one import, records keyed by
	 * the list they came from */
	struct pw_vuln v = cve("CVE-2023-1");
	struct pw_affected a = fixed_in("CVE-2023-1", "debian", "11", "curl", "7.74.0-1.3+deb11u7");
	struct pw_feed_record r[] = {
		{ NULL, "DSA-5000-1", &v, 1, &a, 1, NULL, 0 },
		{ NULL, "DLA-3000-1", &v, 1, &a, 1, NULL, 0 },
		{ NULL, "X-1", &v, 1, &a, 1, NULL, 0 },
	};
	struct import im;
	begin(s, "dsa", &im);
	put(&im, &r[0]);
	put(&im, &r[2]);
	assert_int_equal(pw_store_import_set_source(s, "dla", &e), PW_OK);
	put(&im, &r[1]);
	put(&im, &r[2]); /* X-1 again, under another source: another record */
	assert_int_equal(pw_store_import_set_source(s, "dsa", &e), PW_OK);
	put(&im, &r[2]); /* and under the first again: a repeat */
	assert_int_equal(pw_store_import_set_source(s, "", &e), PW_ERR_USAGE);
	commit(s);
	assert_int_equal(im.st.read, 5);
	assert_int_equal(im.st.added, 4);
	assert_int_equal(im.st.unchanged, 1);
	assert_int_equal(pw_store_count_source(s, "dsa"), 2);
	assert_int_equal(pw_store_count_source(s, "dla"), 2);
	assert_int_equal(pw_store_import_set_source(s, "dsa", &e), PW_ERR_USAGE); /* none under way */
	pw_store_close(s);
}

static void kev_and_epss_upserts(void **state)
{
	(void)state;
	struct pw_store *s = open_store();
	struct pw_error e;
	struct pw_kev k = { .cve = "CVE-2024-3094", .vendor = "XZ", .product = "XZ Utils",
			    .name = "XZ Utils Embedded Malicious Code", .date_added = 1711670400,
			    .due_date = 1712448000, .required_action = "Apply mitigations" };
	struct pw_epss x = { .cve = "CVE-2024-3094", .score = 0.85, .percentile = 0.99,
			     .score_date = 1787000000, .model_version = "v2025.03.14" };
	struct pw_epss y = { .cve = "CVE-1999-0001", .score = 0.03351, .percentile = 0.8765,
			     .score_date = 1787000000, .model_version = "v2025.03.14" };
	for (int round = 0; round < 4; round++) {
		struct import im;
		begin(s, "enrich", &im);
		if (round == 2)
			k.ransomware = true, x.score = 0.9;
		if (round == 3)
			k.due_date = 0, y.model_version = NULL; /* a field emptied is a change */
		assert_int_equal(im.sink.kev(im.sink.ctx, &k, &e), PW_OK);
		assert_int_equal(im.sink.epss(im.sink.ctx, &x, &e), PW_OK);
		assert_int_equal(im.sink.epss(im.sink.ctx, &y, &e), PW_OK);
		int64_t gen = pw_store_generation(s);
		commit(s);
		assert_int_equal(im.st.read, 3);
		switch (round) {
		case 0:
			assert_int_equal(im.st.added, 3);
			assert_int_equal(im.st.updated + im.st.unchanged, 0);
			break;
		case 1:
			assert_int_equal(im.st.unchanged, 3);
			assert_int_equal(im.st.added + im.st.updated, 0);
			assert_int_equal(pw_store_generation(s), gen);
			break;
		case 2:
			assert_int_equal(im.st.updated, 2);
			assert_int_equal(im.st.unchanged, 1);
			break;
		case 3:
			assert_int_equal(im.st.updated, 2);
			assert_int_equal(im.st.unchanged, 1);
			break;
		}
	}
	assert_int_equal(pw_store_count(s, "kev"), 1);
	assert_int_equal(pw_store_count(s, "epss"), 2);
	assert_int_equal(pw_store_count_source(s, "epss"), 2);
	struct pw_kev kg;
	struct pw_epss xg;
	bool found;
	assert_int_equal(pw_store_get_kev(s, "CVE-2024-3094", &kg, &found, &e), PW_OK);
	assert_true(found);
	assert_true(kg.ransomware);
	assert_string_equal(kg.cve, "CVE-2024-3094");
	assert_string_equal(kg.product, "XZ Utils");
	assert_string_equal(kg.required_action, "Apply mitigations");
	assert_null(kg.short_description);
	assert_int_equal(kg.date_added, 1711670400);
	assert_int_equal(kg.due_date, 0);
	assert_int_equal(pw_store_get_epss(s, "CVE-2024-3094", &xg, &found, &e), PW_OK);
	assert_true(found);
	assert_true(xg.score > 0.899 && xg.score < 0.901);
	assert_string_equal(xg.model_version, "v2025.03.14");
	assert_int_equal(xg.score_date, 1787000000);
	assert_int_equal(pw_store_get_epss(s, "CVE-1999-0001", &xg, &found, &e), PW_OK);
	assert_true(found);
	assert_null(xg.model_version);
	assert_int_equal(pw_store_get_kev(s, "CVE-1999-0001", &kg, &found, &e), PW_OK);
	assert_false(found);
	assert_int_equal(pw_store_get_epss(s, "CVE-2000-0001", &xg, &found, &e), PW_OK);
	assert_false(found);
	pw_store_close(s);
}

static void skips_grouped_by_reason(void **state)
{
	(void)state;
	struct pw_store *s = open_store();
	struct import im;
	begin(s, "osv", &im);
	(im.sink.skip)(im.sink.ctx, "not a security advisory (no CVE)");
	(im.sink.skip)(im.sink.ctx, "unknown ecosystem Foo:1");
	(im.sink.skip)(im.sink.ctx, "not a security advisory (no CVE)");
	for (int i = 0; i < 40; i++) {
		char reason[32];
		snprintf(reason, sizeof(reason), "reason %d", i);
		(im.sink.skip)(im.sink.ctx, reason);
	}
	(im.sink.skip)(im.sink.ctx, "reason 39"); /* one of those that found no room */
	commit(s);
	assert_int_equal(im.st.skipped, 44);
	assert_int_equal(im.st.nskips, PW_IMPORT_SKIP_REASONS);
	assert_string_equal(im.st.skips[0].reason, "not a security advisory (no CVE)");
	assert_int_equal(im.st.skips[0].count, 2);
	assert_string_equal(im.st.skips[1].reason, "unknown ecosystem Foo:1");
	assert_int_equal(im.st.skips[1].count, 1);
	assert_string_equal(im.st.skips[PW_IMPORT_SKIP_REASONS - 1].reason, "other reasons");
	/* 2 + 29 named reasons fit in 31 slots: 11 distinct others, one twice */
	assert_int_equal(im.st.skips[PW_IMPORT_SKIP_REASONS - 1].count, 12);
	uint64_t sum = 0;
	for (size_t i = 0; i < im.st.nskips; i++)
		sum += im.st.skips[i].count;
	assert_int_equal(sum, im.st.skipped);
	/* skips alone change nothing */
	assert_int_equal(pw_store_generation(s), 0);
	pw_store_close(s);
}

static void affected_filters_and_generations(void **state)
{
	(void)state;
	struct pw_store *s = open_store();
	struct pw_vuln v = cve("CVE-2024-7");
	struct pw_affected a[] = {
		fixed_in("CVE-2024-7", "debian", "12", "curl", "7.88.1-10+deb12u5"),
		fixed_in("CVE-2024-7", "debian", "11", "curl", "7.74.0-1.3+deb11u11"),
		fixed_in("CVE-2024-7", "ubuntu", "22.04", "curl", "7.81.0-1ubuntu1.15"),
		fixed_in("CVE-2024-7", "ubuntu", "12", "curl", "odd-but-legal"),
	};
	a[1].status = PW_AFFECT_NOT_AFFECTED;
	a[1].fixed = NULL;
	struct pw_feed_record r = { "mixed", "R-1", &v, 1, a, 4, NULL, 0 };
	struct pw_import_stats st;
	import_records(s, "mixed", &r, 1, &st);
	assert_int_equal(affected(s, NULL, NULL, 0).n, 4);
	assert_int_equal(affected(s, "debian", NULL, 0).n, 2);
	assert_int_equal(affected(s, "debian", "12", 0).n, 1);
	assert_int_equal(affected(s, NULL, "12", 0).n, 2);
	assert_int_equal(affected(s, "ubuntu", "22.04", 0).n, 1);
	assert_int_equal(affected(s, "alpine", NULL, 0).n, 0);
	assert_int_equal(affected(s, NULL, NULL, 1).n, 0);
	assert_int_equal(affected(s, NULL, NULL, -5).n, 4);
	struct collect c = affected(s, "debian", "11", 0);
	assert_true(has(&c, "CVE-2024-7 debian 11 curl -"));

	/* a second record in generation 2: since=1 gives only it */
	struct pw_vuln v2 = cve("CVE-2024-8");
	struct pw_affected b = fixed_in("CVE-2024-8", "debian", "12", "curl", "7.88.1-10+deb12u6");
	struct pw_feed_record r2 = { "mixed", "R-2", &v2, 1, &b, 1, NULL, 0 };
	import_records(s, "mixed", &r2, 1, &st);
	assert_int_equal(pw_store_generation(s), 2);
	c = affected(s, "debian", "12", 1);
	assert_int_equal(c.n, 1);
	assert_true(has(&c, "CVE-2024-8 debian 12 curl 7.88.1-10+deb12u6"));
	assert_int_equal(affected(s, "debian", "12", 0).n, 2);
	pw_store_close(s);
}

struct statuses {
	int n[5];
};

static pw_err status_count(void *ctx, const struct pw_affected *a)
{
	struct statuses *c = ctx;
	c->n[a->status]++;
	return PW_OK;
}

static pw_err stop_at_first(void *ctx, const struct pw_affected *a)
{
	(void)a;
	(*(int *)ctx)++;
	return PW_ERR_LIMIT;
}

static void statuses_and_callback_errors(void **state)
{
	(void)state;
	struct pw_store *s = open_store();
	struct pw_error e;
	struct pw_vuln v = cve("CVE-2024-9");
	enum pw_affect_status all[] = { PW_AFFECT_FIXED, PW_AFFECT_VULNERABLE, PW_AFFECT_NOT_AFFECTED,
					PW_AFFECT_WONT_FIX, PW_AFFECT_EOL };
	struct pw_affected a[5];
	for (int i = 0; i < 5; i++) {
		a[i] = fixed_in("CVE-2024-9", "debian", "12", "pkg", i == 0 ? "1.0-1" : NULL);
		a[i].status = all[i];
	}
	struct pw_feed_record r = { "t", "T-1", &v, 1, a, 5, NULL, 0 };
	struct pw_import_stats st;
	import_records(s, "t", &r, 1, &st);
	struct statuses c = { { 0 } };
	assert_int_equal(pw_store_each_affected(s, NULL, NULL, 0, status_count, &c, &e), PW_OK);
	for (int i = 0; i < 5; i++)
		assert_int_equal(c.n[all[i]], 1);
	/* a callback's error stops the walk and comes back */
	int calls = 0;
	assert_int_equal(pw_store_each_affected(s, NULL, NULL, 0, stop_at_first, &calls, &e),
			 PW_ERR_LIMIT);
	assert_int_equal(calls, 1);
	/* and the statement is reusable afterwards */
	assert_int_equal(pw_store_each_affected(s, NULL, NULL, 0, status_count, &c, &e), PW_OK);
	pw_store_close(s);
}

static pw_err cpe_cb(void *ctx, const struct pw_cpe_match *m)
{
	int *n = ctx;
	if (strcmp(m->criteria, "cpe:2.3:a:tukaani:xz:5.6.0:*:*:*:*:*:*:*") == 0 && m->vulnerable &&
	    m->version_end_excluding == NULL)
		(*n)++;
	return PW_OK;
}

static void cpe_matches_and_feed_states(void **state)
{
	(void)state;
	struct pw_store *s = open_store();
	struct pw_error e;
	struct pw_vuln v = cve("CVE-2024-3094");
	struct pw_cpe_match m[] = {
		{ .vuln_id = "CVE-2024-3094", .criteria = "cpe:2.3:a:tukaani:xz:5.6.0:*:*:*:*:*:*:*", .vulnerable = true },
		{ .vuln_id = "CVE-2024-3094", .criteria = "cpe:2.3:a:tukaani:xz:5.6.1:*:*:*:*:*:*:*", .vulnerable = true },
	};
	struct pw_feed_record r = { "nvd", "CVE-2024-3094", &v, 1, NULL, 0, m, 2 };
	struct pw_import_stats st;
	import_records(s, "nvd", &r, 1, &st);
	int n = 0;
	assert_int_equal(pw_store_each_cpe_match(s, cpe_cb, &n, &e), PW_OK);
	assert_int_equal(n, 1);
	assert_int_equal(pw_store_count(s, "cpe_matches"), 2);
	/* a CPE match without criteria is refused */
	m[1].criteria = NULL;
	r.id = "CVE-2024-3095";
	struct import im;
	begin(s, "nvd", &im);
	assert_int_equal(im.sink.record(im.sink.ctx, &r, &e), PW_ERR_INVALID);
	pw_store_import_abort(s);

	const char *names[] = { "osv-debian", "kev", "epss" };
	for (int i = 0; i < 3; i++) {
		struct pw_feed_state fs = { .feed = names[i], .url = "http://127.0.0.1/x",
					    .last_checked = 10 + i, .records = (uint64_t)i };
		assert_int_equal(pw_store_feed_state_put(s, &fs, &e), PW_OK);
	}
	/* put again replaces */
	struct pw_feed_state fs = { .feed = "kev", .url = "http://127.0.0.1/kev.json",
				    .etag = "W/\"1\"", .last_modified = "Tue, 24 Nov 2026 10:00:00 GMT",
				    .last_checked = 99, .last_changed = 98, .records = 1404 };
	assert_int_equal(pw_store_feed_state_put(s, &fs, &e), PW_OK);
	struct pw_feed_state nameless = { .url = "x" };
	assert_int_equal(pw_store_feed_state_put(s, &nameless, &e), PW_ERR_USAGE);
	struct pw_feed_state got;
	bool found;
	assert_int_equal(pw_store_feed_state_get(s, "kev", &got, &found, &e), PW_OK);
	assert_true(found);
	assert_string_equal(got.url, "http://127.0.0.1/kev.json");
	assert_string_equal(got.etag, "W/\"1\"");
	assert_string_equal(got.last_modified, "Tue, 24 Nov 2026 10:00:00 GMT");
	assert_int_equal(got.records, 1404);
	pw_store_close(s);
}

static void record_hash_is_canonical(void **state)
{
	(void)state;
	struct pw_vuln v = cve("CVE-2024-1");
	struct pw_affected a = fixed_in("CVE-2024-1", "debian", "12", "openssl", "3.0.11-1~deb12u1");
	struct pw_feed_record r = { "dsa", "DSA-5000-1", &v, 1, &a, 1, NULL, 0 };
	uint64_t h = pw_store_record_hash(&r);
	/* pinned: a hash that changed between versions or hosts would make
	 * every stored record look updated */
	assert_true(h == 0xd6de50c4b845eb52ull || getenv("PW_PRINT_HASH"));
	if (getenv("PW_PRINT_HASH"))
		fprintf(stderr, "hash 0x%016llx\n", (unsigned long long)h);
	/* field boundaries, NULL vs "", and the status all count */
	struct pw_affected b = a;
	b.package = "openss";
	b.fixed = "l3.0.11-1~deb12u1";
	struct pw_feed_record rb = r;
	rb.affected = &b;
	assert_true(pw_store_record_hash(&rb) != h);
	b = a;
	b.urgency = "";
	assert_true(pw_store_record_hash(&rb) != h);
	b = a;
	b.status = PW_AFFECT_VULNERABLE;
	assert_true(pw_store_record_hash(&rb) != h);
	b = a;
	assert_true(pw_store_record_hash(&rb) == h);
	/* the record id and source are the key, not the content */
	rb.id = "DSA-5000-2";
	assert_true(pw_store_record_hash(&rb) == h);
	/* scores hash in tenths: float noise in a feed is not a change */
	v.cvss_score = 7.5;
	uint64_t h75 = pw_store_record_hash(&r);
	v.cvss_score = 7.5000000001;
	assert_true(pw_store_record_hash(&r) == h75);
	v.cvss_score = 7.6;
	assert_true(pw_store_record_hash(&r) != h75);
}

/* Statements are prepared at their first use: a table a command never
 * reads costs it nothing, and one it reads but the file lost is an error
 * naming it, at that read. */
static void statements_prepared_when_used(void **state)
{
	(void)state;
	struct pw_store *s = open_store();
	struct pw_vuln v = cve("CVE-2024-7");
	struct pw_affected a = fixed_in("CVE-2024-7", "debian", "12", "bash", "5.2.15-2+b9");
	struct pw_feed_record rec = { "dsa", "DSA-7-1", &v, 1, &a, 1, NULL, 0 };
	struct import im;
	begin(s, "dsa", &im);
	put(&im, &rec);
	commit(s);
	pw_store_close(s);
	sqlite3 *db;
	assert_int_equal(sqlite3_open(dbpath, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "DROP TABLE kev", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	struct pw_error e;
	assert_int_equal(pw_store_open(dbpath, &s, &e), PW_OK);
	assert_int_equal(affected(s, "debian", "12", 0).n, 1);
	struct pw_kev k;
	bool found = true;
	assert_int_equal(pw_store_get_kev(s, "CVE-2024-7", &k, &found, &e), PW_ERR_IO);
	assert_false(found);
	assert_non_null(strstr(e.msg, "reading KEV: no such table: kev"));
	/* and again, the same: a statement that could not be prepared is tried anew */
	assert_int_equal(pw_store_get_kev(s, "CVE-2024-7", &k, &found, &e), PW_ERR_IO);
	assert_non_null(strstr(e.msg, "no such table: kev"));
	pw_store_close(s);
}

static void bad_files(void **state)
{
	(void)state;
	struct pw_store *s;
	struct pw_error e;
	s = open_store();
	pw_store_close(s);
	/* a schema newer than this code */
	sqlite3 *db;
	assert_int_equal(sqlite3_open(dbpath, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "INSERT INTO schema_version VALUES (99, 0)", NULL, NULL, NULL),
			 SQLITE_OK);
	sqlite3_close(db);
	assert_int_equal(pw_store_open(dbpath, &s, &e), PW_ERR_UNSUPPORTED);
	assert_null(s);
	assert_non_null(strstr(e.msg, dbpath));
	assert_non_null(strstr(e.msg, "schema version 99 is newer than this patchwarden knows (1)"));

	/* not a database at all */
	char junk[300];
	snprintf(junk, sizeof(junk), "%s.junk", dbpath);
	FILE *f = fopen(junk, "w");
	assert_non_null(f);
	for (int i = 0; i < 200; i++)
		fputs("this is not an SQLite database, just text\n", f);
	fclose(f);
	assert_int_equal(pw_store_open(junk, &s, &e), PW_ERR_CORRUPT);
	assert_non_null(strstr(e.msg, junk));
	assert_non_null(strstr(e.msg, "not a usable patchwarden database"));

	/* a real database damaged past its first page: refused at open or at the
	 * first read, with the path, never a crash */
	fresh(NULL);
	s = open_store();
	struct pw_vuln v = cve("CVE-2024-1");
	struct pw_affected a[64];
	char pkgs[64][16];
	for (int i = 0; i < 64; i++) {
		snprintf(pkgs[i], sizeof(pkgs[i]), "package%d", i);
		a[i] = fixed_in("CVE-2024-1", "debian", "12", pkgs[i], "1.0-1");
	}
	struct pw_feed_record r = { "dsa", "DSA-1-1", &v, 1, a, 64, NULL, 0 };
	struct pw_import_stats st;
	import_records(s, "dsa", &r, 1, &st);
	pw_store_close(s);
	/* fold the WAL in, then overwrite every page after the first */
	assert_int_equal(sqlite3_open(dbpath, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "PRAGMA journal_mode = DELETE", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	f = fopen(dbpath, "r+b");
	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	long size = ftell(f);
	assert_true(size > 8192);
	fseek(f, 4096, SEEK_SET);
	for (long i = 4096; i < size; i++)
		fputc(0xA5, f);
	fclose(f);
	pw_err rc = pw_store_open(dbpath, &s, &e);
	if (rc == PW_OK) {
		struct collect c = { 0 };
		rc = pw_store_each_affected(s, NULL, NULL, 0, collect_cb, &c, &e);
		pw_store_close(s);
	}
	assert_int_not_equal(rc, PW_OK);
	assert_non_null(strstr(e.msg, dbpath));

	/* a directory that cannot be created */
	assert_int_equal(pw_store_open("/proc/no/such/dir/pw.db", &s, &e), PW_ERR_IO);
	assert_non_null(strstr(e.msg, "/proc/no/such/dir/pw.db"));

	/* PostgreSQL is not in this build yet: said plainly */
	assert_int_equal(pw_store_open("postgresql://pw@db/patchwarden", &s, &e), PW_ERR_UNSUPPORTED);
	assert_non_null(strstr(e.msg, "PostgreSQL"));

	assert_int_equal(pw_store_open(":memory:", &s, &e), PW_OK);
	assert_int_equal(pw_store_count(s, "vulns"), 0);
	pw_store_close(s);
}

static void default_path(void **state)
{
	(void)state;
	char *old = getenv("PATCHWARDEN_DB") ? strdup(getenv("PATCHWARDEN_DB")) : NULL;
	setenv("PATCHWARDEN_DB", "/srv/pw/x.db", 1);
	char *p = pw_store_default_path();
	assert_string_equal(p, "/srv/pw/x.db");
	free(p);
	unsetenv("PATCHWARDEN_DB");
	p = pw_store_default_path();
	if (geteuid() == 0) {
		assert_string_equal(p, "/var/lib/patchwarden/patchwarden.db");
	} else {
		setenv("XDG_DATA_HOME", "/home/u/.data", 1);
		free(p);
		p = pw_store_default_path();
		assert_string_equal(p, "/home/u/.data/patchwarden/patchwarden.db");
	}
	free(p);
	if (old) {
		setenv("PATCHWARDEN_DB", old, 1);
		free(old);
	}
}

/* ---- the real bundled feeds, through the importers ---- */

static void import_path(struct pw_store *s, const char *path, enum pw_feed_kind kind,
			struct pw_import_stats *st)
{
	struct pw_feed_sink sink;
	struct pw_error e;
	assert_int_equal(pw_store_import_begin(s, pw_feed_kind_name(kind), &sink, st, &e), PW_OK);
	pw_err rc = pw_feed_import_path(path, kind, &sink, &e);
	if (rc) {
		pw_store_import_abort(s);
		fail_msg("%s: %s", path, e.msg);
	}
	commit(s);
}

static void real_kev_feed(void **state)
{
	(void)state;
	struct pw_store *s = open_store();
	struct pw_import_stats st;
	const char *path = PW_DATA_DIR "/feeds/kev/known_exploited_vulnerabilities.json";
	import_path(s, path, PW_FEED_KEV, &st);
	/* cisagov/kev-data catalog 2025.08.25: 1,404 entries */
	assert_int_equal(st.read, 1404);
	assert_int_equal(st.added, 1404);
	assert_int_equal(pw_store_count(s, "kev"), 1404);
	int64_t gen = pw_store_generation(s);
	import_path(s, path, PW_FEED_KEV, &st);
	assert_int_equal(st.unchanged, 1404);
	assert_int_equal(st.added + st.updated, 0);
	assert_int_equal(pw_store_generation(s), gen);
	struct pw_kev k;
	bool found;
	struct pw_error e;
	assert_int_equal(pw_store_get_kev(s, "CVE-2024-3094", &k, &found, &e), PW_OK);
	/* whatever the catalog says about it, the store says the same as jq would */
	sqlite3 *db = peek_open();
	assert_int_equal(peek_int(db, "SELECT COUNT(DISTINCT cve) FROM kev"), 1404);
	sqlite3_close(db);
	pw_store_close(s);
}

static void real_almalinux_zip(void **state)
{
	(void)state;
	struct pw_store *s = open_store();
	struct pw_import_stats st;
	const char *path = PW_DATA_DIR "/feeds/osv/AlmaLinux/all.zip";
	import_path(s, path, PW_FEED_OSV, &st);
	uint64_t first_added = st.added;
	/* every record read is added once, repeated once, or skipped */
	assert_true(st.read > 4000);
	assert_int_equal(st.read, st.added + st.updated + st.unchanged);
	/* the repeated ids in two folders are identical in this snapshot */
	assert_int_equal(st.updated, 0);
	assert_int_equal(st.unchanged, 43);
	assert_int_equal(pw_store_count_source(s, "osv"), (int64_t)first_added);
	int64_t gen = pw_store_generation(s);
	uint64_t before = digest();
	import_path(s, path, PW_FEED_OSV, &st);
	assert_int_equal(st.added + st.updated, 0);
	assert_int_equal(st.unchanged, st.read);
	assert_int_equal(pw_store_generation(s), gen);
	assert_true(digest() == before);
	pw_store_close(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(migrations_from_empty, fresh),
		cmocka_unit_test_setup(reopen_keeps_data, fresh),
		cmocka_unit_test_setup(import_is_idempotent, fresh),
		cmocka_unit_test_setup(changed_record_updates_in_place, fresh),
		cmocka_unit_test_setup(vulns_merge_across_feeds, fresh),
		cmocka_unit_test_setup(failed_import_leaves_store_as_before, fresh),
		cmocka_unit_test_setup(bulk_load_keeps_the_indexes, fresh),
		cmocka_unit_test_setup(readers_during_an_import, fresh),
		cmocka_unit_test_setup(read_transaction_is_one_snapshot, fresh),
		cmocka_unit_test_setup(repeated_ids_in_one_import, fresh),
		cmocka_unit_test_setup(sources_within_one_import, fresh),
		cmocka_unit_test_setup(kev_and_epss_upserts, fresh),
		cmocka_unit_test_setup(skips_grouped_by_reason, fresh),
		cmocka_unit_test_setup(affected_filters_and_generations, fresh),
		cmocka_unit_test_setup(statuses_and_callback_errors, fresh),
		cmocka_unit_test_setup(cpe_matches_and_feed_states, fresh),
		cmocka_unit_test(record_hash_is_canonical),
		cmocka_unit_test_setup(statements_prepared_when_used, fresh),
		cmocka_unit_test_setup(bad_files, fresh),
		cmocka_unit_test(default_path),
		cmocka_unit_test_setup(real_kev_feed, fresh),
		cmocka_unit_test_setup(real_almalinux_zip, fresh),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
