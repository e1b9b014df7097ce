/* test_feeds_osv.c - the OSV importer and the import driver (feed.c).
 *
 * - Edge cases are data: each tests/data/feeds/osv/NAME.json is parsed and
 *   everything the sink receives is written out as text and compared with
 *   NAME.expected (README.md there says what each case is about). A new
 *   case is two files, no C.
 * - CVSS v3 base scores against NVD's own: every v3.0/v3.1 vector with its
 *   baseScore in the bundled NVD files, plus the hand-picked vectors in
 *   cvss-vectors.txt.
 * - The real feeds: the whole AlmaLinux all.zip and the Ubuntu samples,
 *   with counts computed independently from the raw files (see below).
 * - The driver: kind detection on every bundled feed file, compressed
 *   inputs in each format libarchive writes, the zip member bound,
 *   directories in sorted order with progress, missing and empty paths.
 */
#define _XOPEN_SOURCE 700
#include "pw_test.h"

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <ftw.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pw_buf.h"
#include "pw_feeds.h"
#include "pw_file.h"

#define OSV_CASES PW_TEST_DATA "/feeds/osv"

/* ---- a sink that records what it receives ---- */

struct recorder {
	bool capture;           /* write every record into out */
	struct pw_buf out;
	const char *watch;      /* or only this record id */
	size_t records, vulns, affected, skips, kev, epss;
	size_t by_status[PW_AFFECT_EOL + 1];
	size_t with_score, advisory_entries;
	struct {
		char reason[128];
		size_t n;
	} reasons[16];
	size_t nreasons;
	char **ids;             /* every record id, for distinct counts */
	size_t nids, cap_ids;
	char **cves;            /* every vulnerability id */
	size_t ncves, cap_cves;
	size_t progress_calls;
	uint64_t last_done, last_total;
	bool progress_bad;      /* done went backwards, or past total */
};

static void keep(char ***list, size_t *n, size_t *cap, const char *s)
{
	if (*n == *cap) {
		*cap = *cap ? *cap * 2 : 1024;
		*list = realloc(*list, *cap * sizeof(**list));
		assert_non_null(*list);
	}
	(*list)[(*n)++] = strdup(s);
}

static const char *or_dash(const char *s)
{
	return s ? s : "-";
}

static void write_record(struct pw_buf *b, const struct pw_feed_record *r)
{
	pw_buf_addf(b, "record %s vulns=%zu affected=%zu\n", r->id, r->nvulns, r->naffected);
	for (size_t i = 0; i < r->nvulns; i++) {
		const struct pw_vuln *v = &r->vulns[i];
		pw_buf_addf(b, "  vuln %s aliases=", v->id);
		for (size_t k = 0; k < v->naliases; k++)
			pw_buf_addf(b, "%s%s", k ? "," : "", v->aliases[k]);
		if (v->naliases == 0)
			pw_buf_adds(b, "-");
		if (v->cvss_score >= 0)
			pw_buf_addf(b, " cvss=%.1f", v->cvss_score);
		else
			pw_buf_adds(b, " cvss=-");
		pw_buf_addf(b, " vector=%s source=%s severity=%s published=%lld modified=%lld\n",
			    or_dash(v->cvss_vector), or_dash(v->cvss_source), or_dash(v->severity),
			    (long long)v->published, (long long)v->modified);
	}
	for (size_t i = 0; i < r->naffected; i++) {
		const struct pw_affected *a = &r->affected[i];
		pw_buf_addf(b, "  affected %s %s/%s %s %s introduced=%s fixed=%s last=%s exact=%s "
			    "urgency=%s advisory=%s\n", a->vuln_id, a->distro, a->release, a->package,
			    pw_affect_status_name(a->status), or_dash(a->introduced), or_dash(a->fixed),
			    or_dash(a->last_affected), or_dash(a->exact), or_dash(a->urgency),
			    or_dash(a->advisory));
	}
}

static pw_err rec_record(void *ctx, const struct pw_feed_record *r, struct pw_error *e)
{
	(void)e;
	struct recorder *s = ctx;
	s->records++;
	s->vulns += r->nvulns;
	s->affected += r->naffected;
	keep(&s->ids, &s->nids, &s->cap_ids, r->id);
	for (size_t i = 0; i < r->nvulns; i++) {
		keep(&s->cves, &s->ncves, &s->cap_cves, r->vulns[i].id);
		s->with_score += r->vulns[i].cvss_score >= 0;
	}
	for (size_t i = 0; i < r->naffected; i++) {
		/* every entry names what the store needs */
		const struct pw_affected *a = &r->affected[i];
		assert_non_null(a->vuln_id);
		assert_non_null(a->distro);
		assert_non_null(a->release);
		assert_non_null(a->package);
		if (a->status == PW_AFFECT_FIXED)
			assert_non_null(a->fixed);
		s->by_status[a->status]++;
		s->advisory_entries += a->advisory != NULL;
	}
	if (s->capture || (s->watch && strcmp(r->id, s->watch) == 0))
		write_record(&s->out, r);
	return PW_OK;
}

static void rec_skip(void *ctx, const char *reason)
{
	struct recorder *s = ctx;
	s->skips++;
	if (s->capture)
		pw_buf_addf(&s->out, "skip %s\n", reason);
	for (size_t i = 0; i < s->nreasons; i++) {
		if (strcmp(s->reasons[i].reason, reason) == 0) {
			s->reasons[i].n++;
			return;
		}
	}
	if (s->nreasons < 16) {
		snprintf(s->reasons[s->nreasons].reason, sizeof(s->reasons[0].reason), "%s", reason);
		s->reasons[s->nreasons++].n = 1;
	}
}

static pw_err rec_kev(void *ctx, const struct pw_kev *k, struct pw_error *e)
{
	(void)k, (void)e;
	((struct recorder *)ctx)->kev++;
	return PW_OK;
}

static pw_err rec_epss(void *ctx, const struct pw_epss *x, struct pw_error *e)
{
	(void)x, (void)e;
	((struct recorder *)ctx)->epss++;
	return PW_OK;
}

static void rec_progress(void *ctx, uint64_t done, uint64_t total)
{
	struct recorder *s = ctx;
	if (done < s->last_done || done > total)
		s->progress_bad = true;
	s->progress_calls++;
	s->last_done = done;
	s->last_total = total;
}

static struct pw_feed_sink rec_sink(struct recorder *s)
{
	return (struct pw_feed_sink){ .ctx = s, .record = rec_record, .kev = rec_kev,
				      .epss = rec_epss, .skip = rec_skip, .progress = rec_progress };
}

static void rec_free(struct recorder *s)
{
	for (size_t i = 0; i < s->nids; i++)
		free(s->ids[i]);
	for (size_t i = 0; i < s->ncves; i++)
		free(s->cves[i]);
	free(s->ids);
	free(s->cves);
	pw_buf_free(&s->out);
}

static size_t rec_reason(const struct recorder *s, const char *reason)
{
	for (size_t i = 0; i < s->nreasons; i++) {
		if (strcmp(s->reasons[i].reason, reason) == 0)
			return s->reasons[i].n;
	}
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Distinct strings in a list, and how many occur more than once. */
static size_t distinct(char **list, size_t n, size_t *repeated)
{
	qsort(list, n, sizeof(*list), cmp_str);
	size_t d = 0, rep = 0;
	for (size_t i = 0; i < n; i++) {
		if (i == 0 || strcmp(list[i], list[i - 1]) != 0)
			d++;
		else if (i < 2 || strcmp(list[i], list[i - 2]) != 0)
			rep++; /* the first repeat of this string */
	}
	if (repeated)
		*repeated = rep;
	return d;
}

/* ---- data-driven cases ---- */

static char *read_text(const char *path)
{
	struct pw_file f;
	if (pw_file_read(&f, path, NULL) != PW_OK)
		return NULL;
	char *s = malloc(f.data.len + 1);
	assert_non_null(s);
	memcpy(s, f.data.ptr, f.data.len);
	s[f.data.len] = '\0';
	pw_file_close(&f);
	return s;
}

static void osv_cases(void **state)
{
	(void)state;
	DIR *d = opendir(OSV_CASES);
	assert_non_null(d);
	struct dirent *de;
	int ncases = 0, failed = 0;
	while ((de = readdir(d))) {
		size_t n = strlen(de->d_name);
		if (n < 6 || strcmp(de->d_name + n - 5, ".json") != 0)
			continue;
		char path[512], expected_path[512];
		snprintf(path, sizeof(path), "%s/%s", OSV_CASES, de->d_name);
		snprintf(expected_path, sizeof(expected_path), "%s/%.*s.expected", OSV_CASES,
			 (int)(n - 5), de->d_name);
		struct pw_file f;
		assert_int_equal(pw_file_read(&f, path, NULL), PW_OK);
		struct recorder s = { .capture = true };
		struct pw_feed_sink sink = rec_sink(&s);
		struct pw_error e;
		pw_error_clear(&e);
		/* the base name, so messages do not depend on where the tree is */
		pw_err rc = pw_feed_parse_osv(f.data, de->d_name, &sink, &e);
		pw_file_close(&f);
		if (rc)
			pw_buf_addf(&s.out, "error %s: %s\n", pw_strerror(rc), e.msg);
		else
			pw_buf_adds(&s.out, "ok\n");
		char *want = read_text(expected_path);
		if (!want || strcmp(want, s.out.data) != 0) {
			fprintf(stderr, "--- %s: got\n%s--- expected (%s)\n%s", de->d_name, s.out.data,
				expected_path, want ? want : "(missing)\n");
			failed++;
		}
		free(want);
		rec_free(&s);
		ncases++;
	}
	closedir(d);
	assert_true(ncases >= 20);
	assert_int_equal(failed, 0);
}

/* ---- CVSS v3 base scores ---- */

/* The score the importer computes for a vector, through a minimal record. */
static double score_of(const char *vector)
{
	char json[600];
	int n = snprintf(json, sizeof(json),
			 "{\"id\": \"CVE-2000-0001\", \"severity\": [{\"type\": \"CVSS_V3\", "
			 "\"score\": \"%s\"}], \"affected\": [{\"package\": {\"ecosystem\": "
			 "\"Debian:12\", \"name\": \"x\"}, \"ranges\": [{\"type\": \"ECOSYSTEM\", "
			 "\"events\": [{\"introduced\": \"0\"}, {\"fixed\": \"1.0-1\"}]}]}]}", vector);
	assert_true(n > 0 && (size_t)n < sizeof(json));
	struct recorder s = { .capture = true };
	struct pw_feed_sink sink = rec_sink(&s);
	struct pw_error e;
	assert_int_equal(pw_feed_parse_osv(pw_blob(json, (size_t)n), "cvss", &sink, &e), PW_OK);
	assert_int_equal(s.records, 1);
	const char *p = strstr(s.out.data, " cvss=");
	assert_non_null(p);
	double v = p[6] == '-' ? -1 : strtod(p + 6, NULL);
	rec_free(&s);
	return v;
}

static void cvss_vectors_file(void **state)
{
	(void)state;
	FILE *f = fopen(OSV_CASES "/cvss-vectors.txt", "r");
	assert_non_null(f);
	char line[512];
	int n = 0, lineno = 0;
	while (fgets(line, sizeof(line), f)) {
		lineno++;
		if (line[0] == '#' || line[0] == '\n')
			continue;
		char vector[400];
		double want;
		/* test data we wrote, not untrusted input */
		assert_int_equal(sscanf(line, "%399s %lf", vector, &want), 2);
		double got = score_of(vector);
		if (got < want - 0.001 || got > want + 0.001)
			fail_msg("cvss-vectors.txt:%d: %s: got %.1f, want %.1f", lineno, vector, got, want);
		n++;
	}
	fclose(f);
	assert_true(n >= 20);
}

/* Every v3.x vector NVD scored, in every bundled NVD file. */
static void cvss_against_nvd(void **state)
{
	(void)state;
	const char *files[64];
	size_t nfiles = 0;
	static char names[64][512];
	snprintf(names[nfiles], sizeof(names[0]), "%s", PW_DATA_DIR "/feeds/nvd/api-2.0-page-38cves.json");
	files[nfiles] = names[nfiles];
	nfiles++;
	DIR *d = opendir(PW_DATA_DIR "/feeds/nvd/cve-2.0");
	assert_non_null(d);
	struct dirent *de;
	while ((de = readdir(d)) && nfiles < 64) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(names[nfiles], sizeof(names[0]), "%s/%s", PW_DATA_DIR "/feeds/nvd/cve-2.0",
			 de->d_name);
		files[nfiles] = names[nfiles];
		nfiles++;
	}
	closedir(d);
	int checked = 0, changed_scope = 0;
	for (size_t i = 0; i < nfiles; i++) {
		json_t *doc = json_load_file(files[i], 0, NULL);
		assert_non_null(doc);
		size_t k;
		json_t *item;
		json_array_foreach(json_object_get(doc, "vulnerabilities"), k, item) {
			json_t *metrics = json_object_get(json_object_get(item, "cve"), "metrics");
			const char *kinds[] = { "cvssMetricV31", "cvssMetricV30" };
			for (int m = 0; m < 2; m++) {
				size_t j;
				json_t *x;
				json_array_foreach(json_object_get(metrics, kinds[m]), j, x) {
					json_t *data = json_object_get(x, "cvssData");
					const char *vector = json_string_value(json_object_get(data, "vectorString"));
					double want = json_number_value(json_object_get(data, "baseScore"));
					double got = score_of(vector);
					if (got < want - 0.001 || got > want + 0.001)
						fail_msg("%s: %s: got %.1f, NVD says %.1f", files[i], vector, got, want);
					checked++;
					changed_scope += strstr(vector, "/S:C/") != NULL;
				}
			}
		}
		json_decref(doc);
	}
	/* the 61 CVEs carry 78 v3.x metrics, 16 of them scope-changed (counted
	 * with Python over the same files) */
	assert_int_equal(checked, 78);
	assert_int_equal(changed_scope, 16);
}

/* ---- the real feeds ---- */

/*
 * all.zip holds 5,683 entries: 3 folders (almalinux8/, 9/, 10/) and 5,680
 * JSON files. Counted independently with Python over the unzipped files:
 *  - 4,480 ALSA (security), 978 ALBA (bug fix), 222 ALEA (enhancement);
 *  - 4,471 ALSA, 2 ALBA and 1 ALEA name CVEs in "related" -> 4,474 records,
 *    plus 9 ALSA without a CVE kept under their own id -> 4,483 records,
 *    plus 976 ALBA + 221 ALEA without a CVE, kept under their own id (bug
 *    fixes and enhancements: updates, not vulnerabilities) -> 5,680
 *    records, no skip;
 *  - one vulnerability per CVE per record: 16,630 vulnerabilities, 6,592
 *    distinct CVEs (plus the 9 ALSA ids), and one per ALBA/ALEA: 1,197;
 *  - every range is introduced 0 -> fixed: 269,017 FIXED entries
 *    (each record's fixed events times its CVE count), and 9,261 of the
 *    ALBA/ALEA without a CVE;
 *  - 5,637 distinct ids among the 5,680 files: 31 ids are in two folders
 *    and 6 in all three (43 extra copies, identical content), so 5,637
 *    distinct record ids reach the sink, 37 of them more than once (no
 *    ALBA/ALEA without a CVE is among the copies).
 */
static void almalinux_zip(void **state)
{
	(void)state;
	struct recorder s = { .watch = "ALSA-2021:2363" };
	struct pw_feed_sink sink = rec_sink(&s);
	struct pw_error e;
	assert_int_equal(pw_feed_import_path(PW_DATA_DIR "/feeds/osv/AlmaLinux/all.zip",
					     PW_FEED_KIND_COUNT, &sink, &e), PW_OK);
	assert_int_equal(s.records + s.skips, 5680);
	assert_int_equal(s.records, 4483 + 1197);
	assert_int_equal(s.skips, 0);
	assert_int_equal(rec_reason(&s, "not a security advisory (no CVE)"), 0);
	assert_int_equal(s.vulns, 16630 + 1197);
	assert_int_equal(s.affected, 269017 + 9261);
	assert_int_equal(s.by_status[PW_AFFECT_FIXED], 269017 + 9261);
	assert_int_equal(s.advisory_entries, 269017 + 9261); /* each names its advisory */
	size_t repeated;
	assert_int_equal(distinct(s.ids, s.nids, &repeated), 4440 + 1197);
	assert_int_equal(repeated, 37);
	assert_int_equal(distinct(s.cves, s.ncves, NULL), 6592 + 9 + 1197);
	/* progress: bytes of the zip, ending at its size */
	assert_true(s.progress_calls > 100);
	assert_false(s.progress_bad);
	struct stat st;
	assert_int_equal(stat(PW_DATA_DIR "/feeds/osv/AlmaLinux/all.zip", &st), 0);
	assert_int_equal(s.last_done, (uint64_t)st.st_size);
	assert_int_equal(s.last_total, (uint64_t)st.st_size);
	/* the first AlmaLinux 8 advisory, field by field (see its file) */
	int64_t pub = 1623243248, mod = 1636712456; /* 2021-06-09T12:54:08Z, 2021-11-12T10:20:56Z */
	char want[1024];
	snprintf(want, sizeof(want),
		 "record ALSA-2021:2363 vulns=1 affected=2\n"
		 "  vuln CVE-2021-33516 aliases=ALSA-2021:2363 cvss=- vector=- source=- severity=Important"
		 " published=%lld modified=%lld\n"
		 "  affected CVE-2021-33516 almalinux/8 gupnp fixed introduced=- fixed=1.0.6-2.el8_4 last=-"
		 " exact=- urgency=Important advisory=ALSA-2021:2363\n"
		 "  affected CVE-2021-33516 almalinux/8 gupnp-devel fixed introduced=- fixed=1.0.6-2.el8_4"
		 " last=- exact=- urgency=Important advisory=ALSA-2021:2363\n", (long long)pub, (long long)mod);
	assert_string_equal(s.out.data, want);
	rec_free(&s);

	/* a java advisory: its epoch-carrying fix, per CVE */
	s = (struct recorder){ .watch = "ALSA-2024:8127" };
	sink = rec_sink(&s);
	assert_int_equal(pw_feed_import_path(PW_DATA_DIR "/feeds/osv/AlmaLinux/all.zip", PW_FEED_OSV,
					     &sink, &e), PW_OK);
	assert_non_null(strstr(s.out.data, "affected CVE-2024-21210 almalinux/8 java-21-openjdk fixed "
					   "introduced=- fixed=1:21.0.5.0.10-3.el8.alma.1 "));
	rec_free(&s);
}

/*
 * The six Ubuntu samples: two are withdrawn (UBUNTU-CVE-2013-2208 and
 * -2020-36325); UBUNTU-CVE-2016-20013, -2021-3782 and -2026-1403 are each
 * their CVE; USN-5614-1 names UBUNTU-CVE-2021-3782 in "upstream".
 */
static void ubuntu_samples(void **state)
{
	(void)state;
	struct recorder s = { .capture = true };
	struct pw_feed_sink sink = rec_sink(&s);
	struct pw_error e;
	assert_int_equal(pw_feed_import_path(PW_DATA_DIR "/feeds/osv/samples", PW_FEED_OSV, &sink, &e),
			 PW_OK);
	assert_int_equal(s.records, 4);
	assert_int_equal(s.skips, 2);
	assert_int_equal(rec_reason(&s, "withdrawn record"), 2);
	/* the directory's progress counts its six files */
	assert_int_equal(s.progress_calls, 6);
	assert_int_equal(s.last_done, 6);
	assert_int_equal(s.last_total, 6);
	const char *out = s.out.data;
	/* sorted file order: the CVE records first, the USN last */
	assert_true(strstr(out, "record UBUNTU-CVE-2016-20013") < strstr(out, "record USN-5614-1"));
	assert_non_null(strstr(out, "  vuln CVE-2016-20013 aliases=UBUNTU-CVE-2016-20013 cvss=7.5 "
				    "vector=CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H "
				    "source=osv:Ubuntu severity=negligible "));
	/* an open range: no fix; its versions list repeats it and adds nothing */
	assert_non_null(strstr(out, "  affected CVE-2016-20013 ubuntu/14.04 eglibc vulnerable "
				    "introduced=- fixed=- last=- exact=- urgency=negligible advisory=-\n"));
	assert_null(strstr(out, "exact=2."));
	assert_non_null(strstr(out, "  vuln CVE-2021-3782 aliases=USN-5614-1 cvss=- "));
	assert_non_null(strstr(out, "  affected CVE-2021-3782 ubuntu/18.04 wayland fixed introduced=- "
				    "fixed=1.16.0-1ubuntu1.1~18.04.4 last=- exact=- urgency=- "
				    "advisory=USN-5614-1\n"));
	/* the CVE record's own entry is no advisory; the related USNs are not aliases */
	assert_non_null(strstr(out, "  vuln CVE-2021-3782 aliases=UBUNTU-CVE-2021-3782 cvss=6.6 "));
	assert_non_null(strstr(out, "  affected CVE-2021-3782 ubuntu/16.04 wayland fixed introduced=- "
				    "fixed=1.12.0-1~ubuntu16.04.3+esm1 last=- exact=- urgency=medium "
				    "advisory=-\n"));
	rec_free(&s);
}

/* ---- the import driver ---- */

static void detection(void **state)
{
	(void)state;
	static const struct {
		const char *path;
		enum pw_feed_kind kind;
	} cases[] = {
		{ PW_DATA_DIR "/feeds/osv/AlmaLinux/all.zip", PW_FEED_OSV },
		{ PW_DATA_DIR "/feeds/osv/AlmaLinux", PW_FEED_OSV }, /* LICENSE is passed over */
		{ PW_DATA_DIR "/feeds/osv/samples/USN-5614-1.json", PW_FEED_OSV },
		{ PW_DATA_DIR "/feeds/osv/samples/UBUNTU-CVE-2013-2208.json", PW_FEED_OSV },
		{ PW_DATA_DIR "/feeds/nvd/api-2.0-page-38cves.json", PW_FEED_NVD },
		{ PW_DATA_DIR "/feeds/nvd/cve-2.0/CVE-2024-3094.json", PW_FEED_NVD },
		{ PW_DATA_DIR "/feeds/nvd", PW_FEED_NVD },
		{ PW_DATA_DIR "/feeds/kev/known_exploited_vulnerabilities.json", PW_FEED_KEV },
		{ PW_DATA_DIR "/feeds/epss/epss_scores-2026-08-16.csv.gz", PW_FEED_EPSS },
		{ PW_DATA_DIR "/feeds/epss/fixture-missing-date.csv", PW_FEED_EPSS },
		{ PW_DATA_DIR "/feeds/debian/security-tracker/DSA-list", PW_FEED_DSA },
		{ PW_DATA_DIR "/feeds/debian/security-tracker/DLA-list", PW_FEED_DLA },
		{ PW_DATA_DIR "/feeds/debian/tracker-json/vunnel-debian.json", PW_FEED_DEBIAN_TRACKER },
		{ PW_DATA_DIR "/feeds/debian/tracker-json/osvdev-tracker-mock.json", PW_FEED_DEBIAN_TRACKER },
		{ PW_DATA_DIR "/feeds/alpine/secdb-json/312-main.json", PW_FEED_ALPINE_SECDB },
		{ PW_DATA_DIR "/feeds/alpine/secdb/v3.11/main.yaml", PW_FEED_ALPINE_SECDB },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		enum pw_feed_kind k = PW_FEED_KIND_COUNT;
		if (!pw_feed_detect_path(cases[i].path, &k) || k != cases[i].kind)
			fail_msg("%s: detected %s, want %s", cases[i].path, pw_feed_kind_name(k),
				 pw_feed_kind_name(cases[i].kind));
	}
	/* heads that are none of them */
	enum pw_feed_kind k;
	assert_false(pw_feed_detect("x.json", pw_blob_cstr("{\"hello\": 1}"), &k));
	assert_false(pw_feed_detect("x", pw_blob_cstr(""), &k));
	assert_false(pw_feed_detect("x", pw_blob_cstr("[29 Mar 2023 DSA-1"), &k));
	assert_false(pw_feed_detect_path("/nonexistent", &k));
	assert_true(pw_feed_detect("x", pw_blob_cstr("\xef\xbb\xbf{\"catalogVersion\": \"1\"}"), &k));
	assert_int_equal(k, PW_FEED_KEV);
	assert_true(pw_feed_detect("x", pw_blob_cstr("[1 Apr 2023] DLA-3380-1 x - y"), &k));
	assert_int_equal(k, PW_FEED_DLA);

	for (int i = 0; i < PW_FEED_KIND_COUNT; i++) {
		enum pw_feed_kind back;
		assert_true(pw_feed_kind_parse(pw_feed_kind_name((enum pw_feed_kind)i), &back));
		assert_int_equal(back, i);
	}
	assert_false(pw_feed_kind_parse("rss", &k));
	assert_string_equal(pw_feed_kind_name(PW_FEED_KIND_COUNT), "unknown");
}

static char tmpdir[64];

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st, (void)flag, (void)ftw;
	return remove(path);
}

static int setup(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/pw-feeds-XXXXXX");
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	return nftw(tmpdir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* Write data as a raw stream through a libarchive filter. */
static void write_compressed(const char *path, int filter, const void *data, size_t len)
{
	struct archive *a = archive_write_new();
	assert_non_null(a);
	assert_int_equal(archive_write_add_filter(a, filter), ARCHIVE_OK);
	assert_int_equal(archive_write_set_format_raw(a), ARCHIVE_OK);
	assert_int_equal(archive_write_open_filename(a, path), ARCHIVE_OK);
	struct archive_entry *ent = archive_entry_new();
	archive_entry_set_pathname(ent, "data");
	archive_entry_set_filetype(ent, AE_IFREG);
	archive_entry_set_size(ent, (la_int64_t)len);
	assert_int_equal(archive_write_header(a, ent), ARCHIVE_OK);
	assert_int_equal(archive_write_data(a, data, len), (la_ssize_t)len);
	archive_entry_free(ent);
	assert_int_equal(archive_write_close(a), ARCHIVE_OK);
	archive_write_free(a);
}

static void compressed_inputs(void **state)
{
	(void)state;
	struct pw_file f;
	assert_int_equal(pw_file_read(&f, PW_DATA_DIR "/feeds/kev/known_exploited_vulnerabilities.json",
				      NULL), PW_OK);
	static const struct {
		int filter;
		const char *ext;
	} filters[] = {
		{ ARCHIVE_FILTER_GZIP, "gz" }, { ARCHIVE_FILTER_XZ, "xz" },
		{ ARCHIVE_FILTER_BZIP2, "bz2" }, { ARCHIVE_FILTER_ZSTD, "zst" },
		{ ARCHIVE_FILTER_LZ4, "lz4" },
	};
	for (size_t i = 0; i < sizeof(filters) / sizeof(filters[0]); i++) {
		char path[128];
		/* a name that says nothing: the content decides */
		snprintf(path, sizeof(path), "%s/kev-%s.bin", tmpdir, filters[i].ext);
		write_compressed(path, filters[i].filter, f.data.ptr, f.data.len);
		struct recorder s = { 0 };
		struct pw_feed_sink sink = rec_sink(&s);
		struct pw_error e;
		enum pw_feed_kind k;
		assert_true(pw_feed_detect_path(path, &k));
		assert_int_equal(k, PW_FEED_KEV);
		if (pw_feed_import_path(path, PW_FEED_KIND_COUNT, &sink, &e) != PW_OK)
			fail_msg("%s: %s", filters[i].ext, e.msg);
		assert_int_equal(s.kev, 1404);
		rec_free(&s);
	}
	pw_file_close(&f);

	/* truncated gzip: an error naming the file, not a partial import */
	char path[128], cut[128];
	snprintf(path, sizeof(path), "%s/kev-gz.bin", tmpdir);
	snprintf(cut, sizeof(cut), "%s/cut.gz", tmpdir);
	assert_int_equal(pw_file_read(&f, path, NULL), PW_OK);
	FILE *out = fopen(cut, "w");
	assert_non_null(out);
	assert_int_equal(fwrite(f.data.ptr, 1, f.data.len / 2, out), f.data.len / 2);
	fclose(out);
	pw_file_close(&f);
	struct recorder s = { 0 };
	struct pw_feed_sink sink = rec_sink(&s);
	struct pw_error e;
	assert_int_not_equal(pw_feed_import_path(cut, PW_FEED_KEV, &sink, &e), PW_OK);
	assert_non_null(strstr(e.msg, "cut.gz"));
	assert_int_equal(s.kev, 0);
	rec_free(&s);
}

/* A zip with a small member and one past the 64 MiB bound. */
static void zip_member_bound(void **state)
{
	(void)state;
	char path[128];
	snprintf(path, sizeof(path), "%s/big.zip", tmpdir);
	struct archive *a = archive_write_new();
	assert_non_null(a);
	assert_int_equal(archive_write_set_format_zip(a), ARCHIVE_OK);
	assert_int_equal(archive_write_open_filename(a, path), ARCHIVE_OK);
	static const char rec[] = "{\"id\": \"CVE-2024-0100\", \"affected\": [{\"package\": "
				  "{\"ecosystem\": \"Debian:12\", \"name\": \"a\"}, \"ranges\": "
				  "[{\"type\": \"ECOSYSTEM\", \"events\": [{\"introduced\": \"0\"}, "
				  "{\"fixed\": \"1.0-1\"}]}]}]}";
	const size_t big = ((size_t)64 << 20) + 1;
	char *zeros = calloc(1, 1 << 20);
	assert_non_null(zeros);
	const struct {
		const char *name;
		size_t size;
	} members[] = { { "a/CVE-2024-0100.json", sizeof(rec) - 1 }, { "a/LICENSE", 3 },
			{ "b/huge.json", big } };
	for (size_t i = 0; i < 3; i++) {
		struct archive_entry *ent = archive_entry_new();
		archive_entry_set_pathname(ent, members[i].name);
		archive_entry_set_filetype(ent, AE_IFREG);
		archive_entry_set_perm(ent, 0644);
		archive_entry_set_size(ent, (la_int64_t)members[i].size);
		assert_int_equal(archive_write_header(a, ent), ARCHIVE_OK);
		if (i == 0) {
			archive_write_data(a, rec, members[i].size);
		} else if (i == 1) {
			archive_write_data(a, "MIT", 3);
		} else {
			for (size_t done = 0; done < members[i].size;) {
				size_t n = members[i].size - done < (1 << 20) ? members[i].size - done : (1 << 20);
				assert_int_equal(archive_write_data(a, zeros, n), (la_ssize_t)n);
				done += n;
			}
		}
		archive_entry_free(ent);
	}
	assert_int_equal(archive_write_close(a), ARCHIVE_OK);
	archive_write_free(a);
	free(zeros);

	struct recorder s = { 0 };
	struct pw_feed_sink sink = rec_sink(&s);
	struct pw_error e;
	assert_int_equal(pw_feed_import_path(path, PW_FEED_OSV, &sink, &e), PW_ERR_LIMIT);
	/* the member is named inside its zip */
	assert_non_null(strstr(e.msg, "big.zip:b/huge.json: the member is larger than 64 MiB"));
	assert_int_equal(s.records, 1); /* the first member went through before */
	rec_free(&s);
}

static void write_file(const char *dir, const char *name, const char *text)
{
	char path[256];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void directories(void **state)
{
	(void)state;
	char dir[128], sub[160];
	snprintf(dir, sizeof(dir), "%s/osvdir", tmpdir);
	snprintf(sub, sizeof(sub), "%s/z-sub", dir);
	assert_int_equal(mkdir(dir, 0755), 0);
	assert_int_equal(mkdir(sub, 0755), 0);
	const char *tpl = "{\"id\": \"%s\", \"affected\": [{\"package\": {\"ecosystem\": \"Debian:12\", "
			  "\"name\": \"p\"}, \"ranges\": [{\"type\": \"ECOSYSTEM\", \"events\": "
			  "[{\"introduced\": \"0\"}, {\"fixed\": \"1.0-1\"}]}]}]}";
	const char *ids[] = { "CVE-2024-0003", "CVE-2024-0001", "CVE-2024-0002" };
	const char *files[] = { "c.json", "a.json", "z-sub/b.json" };
	for (int i = 0; i < 3; i++) {
		char text[512];
		snprintf(text, sizeof(text), tpl, ids[i]);
		write_file(dir, files[i], text);
	}
	write_file(dir, "README.md", "not data");
	write_file(dir, "notes.txt", "not JSON either");
	write_file(dir, ".hidden.json", "{");
	struct recorder s = { .capture = true };
	struct pw_feed_sink sink = rec_sink(&s);
	struct pw_error e;
	assert_int_equal(pw_feed_import_path(dir, PW_FEED_OSV, &sink, &e), PW_OK);
	assert_int_equal(s.records, 3);
	/* sorted by path: a.json, c.json, z-sub/b.json */
	const char *out = s.out.data;
	assert_true(strstr(out, "CVE-2024-0001") < strstr(out, "CVE-2024-0003"));
	assert_true(strstr(out, "CVE-2024-0003") < strstr(out, "CVE-2024-0002"));
	assert_int_equal(s.progress_calls, 3);
	assert_int_equal(s.last_done, 3);
	assert_int_equal(s.last_total, 3);
	rec_free(&s);

	/* a broken file stops the import and is named */
	write_file(sub, "broken.json", "{\"id\": \"CVE-2024-0009\", \"affected\": 3}");
	s = (struct recorder){ 0 };
	sink = rec_sink(&s);
	assert_int_equal(pw_feed_import_path(dir, PW_FEED_OSV, &sink, &e), PW_ERR_PARSE);
	assert_non_null(strstr(e.msg, "z-sub/broken.json: record CVE-2024-0009: affected: not an array"));
	assert_int_equal(s.records, 3); /* the files before it */
	rec_free(&s);

	/* missing and empty paths */
	assert_int_equal(pw_feed_import_path("/nonexistent/feed.json", PW_FEED_OSV, &sink, &e),
			 PW_ERR_NOTFOUND);
	assert_non_null(strstr(e.msg, "/nonexistent/feed.json"));
	write_file(tmpdir, "empty.json", "");
	char empty[128];
	snprintf(empty, sizeof(empty), "%s/empty.json", tmpdir);
	assert_int_equal(pw_feed_import_path(empty, PW_FEED_OSV, &sink, &e), PW_ERR_PARSE);
	assert_non_null(strstr(e.msg, "empty.json"));
	assert_int_equal(pw_feed_import_path(empty, PW_FEED_KIND_COUNT, &sink, &e), PW_ERR_UNSUPPORTED);
	assert_int_equal(pw_feed_parse(PW_FEED_KIND_COUNT, pw_blob_cstr("{}"), "x", &sink, &e), PW_ERR_USAGE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(osv_cases),
		cmocka_unit_test(cvss_vectors_file),
		cmocka_unit_test(cvss_against_nvd),
		cmocka_unit_test(almalinux_zip),
		cmocka_unit_test(ubuntu_samples),
		cmocka_unit_test(detection),
		cmocka_unit_test(compressed_inputs),
		cmocka_unit_test(zip_member_bound),
		cmocka_unit_test(directories),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
