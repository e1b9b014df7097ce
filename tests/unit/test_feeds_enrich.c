/* test_feeds_enrich.c - the per-CVE enrichment feeds: CISA KEV, FIRST EPSS
 * and NVD CVE API 2.0, on the whole bundled files (counts and values read
 * independently with Python/awk over the same files, quoted beside each
 * assertion) and on hand-made malformed inputs in tests/data/feeds/{kev,
 * epss,nvd} (their README.md says what each is). */
#include "pw_test.h"

#include <archive.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pw_buf.h"
#include "pw_clock.h"
#include "pw_feeds.h"

#define CASES PW_TEST_DATA "/feeds"

/* ---- a sink that keeps what the tests look at ---- */

struct kept {
	size_t records, vulns, affected, cpes, kev, epss, skips, ransomware, progress_calls;
	uint64_t last_done, last_total;
	double score_sum, pct_sum;
	int64_t score_date;
	char model[64];
	struct pw_buf out; /* one line per item, for exact comparisons */
	struct {
		char reason[128];
		size_t n;
	} reasons[16];
	size_t nreasons;
};

static const char *or_dash(const char *s)
{
	return s ? s : "-";
}

static pw_err k_record(void *ctx, const struct pw_feed_record *r, struct pw_error *e)
{
	(void)e;
	struct kept *s = ctx;
	s->records++;
	s->vulns += r->nvulns;
	s->affected += r->naffected;
	s->cpes += r->ncpes;
	for (size_t i = 0; i < r->nvulns; i++) {
		const struct pw_vuln *v = &r->vulns[i];
		pw_buf_addf(&s->out, "vuln %s cvss=", v->id);
		if (v->cvss_score >= 0)
			pw_buf_addf(&s->out, "%.1f", v->cvss_score);
		else
			pw_buf_adds(&s->out, "-");
		pw_buf_addf(&s->out, " vector=%s source=%s severity=%s published=%lld modified=%lld "
			    "summary=%.40s\n", or_dash(v->cvss_vector), or_dash(v->cvss_source),
			    or_dash(v->severity), (long long)v->published, (long long)v->modified,
			    or_dash(v->summary));
	}
	for (size_t i = 0; i < r->ncpes; i++) {
		const struct pw_cpe_match *c = &r->cpes[i];
		pw_buf_addf(&s->out, "cpe %s %s %s %s %s %s %d\n", c->vuln_id, c->criteria,
			    or_dash(c->version_start_including), or_dash(c->version_start_excluding),
			    or_dash(c->version_end_including), or_dash(c->version_end_excluding),
			    c->vulnerable);
	}
	return PW_OK;
}

static pw_err k_kev(void *ctx, const struct pw_kev *k, struct pw_error *e)
{
	(void)e;
	struct kept *s = ctx;
	s->kev++;
	s->ransomware += k->ransomware;
	pw_buf_addf(&s->out, "kev %s|%s|%s|%s|%lld|%lld|%d|%.30s|%.30s\n", k->cve, or_dash(k->vendor),
		    or_dash(k->product), or_dash(k->name), (long long)k->date_added,
		    (long long)k->due_date, k->ransomware, or_dash(k->required_action),
		    or_dash(k->short_description));
	return PW_OK;
}

static pw_err k_epss(void *ctx, const struct pw_epss *x, struct pw_error *e)
{
	(void)e;
	struct kept *s = ctx;
	s->epss++;
	s->score_sum += x->score;
	s->pct_sum += x->percentile;
	s->score_date = x->score_date;
	snprintf(s->model, sizeof(s->model), "%s", x->model_version);
	/* a few rows by id, not all 360,142 */
	if (strcmp(x->cve, "CVE-1999-0001") == 0 || strcmp(x->cve, "CVE-2021-44228") == 0 ||
	    strcmp(x->cve, "CVE-2024-3094") == 0 || strcmp(x->cve, "CVE-2026-74439") == 0 ||
	    strncmp(x->cve, "CVE-2024-00", 11) == 0)
		pw_buf_addf(&s->out, "epss %s %.5f %.5f\n", x->cve, x->score, x->percentile);
	return PW_OK;
}

static void k_skip(void *ctx, const char *reason)
{
	struct kept *s = ctx;
	s->skips++;
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

static void k_progress(void *ctx, uint64_t done, uint64_t total)
{
	struct kept *s = ctx;
	s->progress_calls++;
	s->last_done = done;
	s->last_total = total;
}

static struct pw_feed_sink k_sink(struct kept *s)
{
	return (struct pw_feed_sink){ .ctx = s, .record = k_record, .kev = k_kev, .epss = k_epss,
				      .skip = k_skip, .progress = k_progress };
}

static size_t reason(const struct kept *s, const char *r)
{
	for (size_t i = 0; i < s->nreasons; i++) {
		if (strcmp(s->reasons[i].reason, r) == 0)
			return s->reasons[i].n;
	}
	return 0;
}

static bool has_line(const struct kept *s, const char *line)
{
	return s->out.data && strstr(s->out.data, line) != NULL;
}

static int64_t day(const char *d)
{
	int64_t t = 0;
	assert_int_equal(pw_clock_parse(d, &t), 0);
	return t;
}

/* ---- KEV ---- */

static void kev_catalog(void **state)
{
	(void)state;
	struct kept s = { 0 };
	struct pw_feed_sink sink = k_sink(&s);
	struct pw_error e;
	assert_int_equal(pw_feed_import_path(PW_DATA_DIR "/feeds/kev/known_exploited_vulnerabilities.json",
					     PW_FEED_KIND_COUNT, &sink, &e), PW_OK);
	/* catalogVersion 2025.08.25: 1,404 entries, 293 "Known" ransomware use */
	assert_int_equal(s.kev, 1404);
	assert_int_equal(s.skips, 0);
	assert_int_equal(s.ransomware, 293);
	assert_int_equal(s.last_done, s.last_total);
	char want[512];
	/* the first entry and log4shell, field by field */
	snprintf(want, sizeof(want), "kev CVE-2025-48384|Git|Git|Git Link Following Vulnerability|%lld|%lld|0|"
		 "Apply mitigations per vendor i|Git contains a link following \n",
		 (long long)day("2025-08-25"), (long long)day("2025-09-15"));
	assert_true(has_line(&s, want));
	snprintf(want, sizeof(want), "kev CVE-2021-44228|Apache|Log4j2|Apache Log4j2 Remote Code Execution "
		 "Vulnerability|%lld|%lld|1|", (long long)day("2021-12-10"), (long long)day("2021-12-24"));
	assert_true(has_line(&s, want));
	pw_buf_free(&s.out);

	/* the directory as CISA publishes it: the catalog and its JSON Schema,
	 * which is not data */
	s = (struct kept){ 0 };
	sink = k_sink(&s);
	assert_int_equal(pw_feed_import_path(PW_DATA_DIR "/feeds/kev", PW_FEED_KIND_COUNT, &sink, &e), PW_OK);
	assert_int_equal(s.kev, 1404);
	assert_int_equal(s.last_total, 1); /* one file */
	pw_buf_free(&s.out);
}

static void kev_malformed(void **state)
{
	(void)state;
	struct kept s = { 0 };
	struct pw_feed_sink sink = k_sink(&s);
	struct pw_error e;
	assert_int_equal(pw_feed_import_path(CASES "/kev/bad-entries.json", PW_FEED_KEV, &sink, &e), PW_OK);
	assert_int_equal(s.kev, 2);
	assert_int_equal(s.skips, 3);
	assert_int_equal(reason(&s, "entry without a cveID"), 2); /* incl. the string entry */
	assert_int_equal(reason(&s, "entry whose cveID is not a CVE id"), 1);
	char want[256];
	snprintf(want, sizeof(want), "kev CVE-2024-0001|Acme|Widget|Acme Widget RCE|%lld|%lld|1|",
		 (long long)day("2024-03-01"), (long long)day("2024-03-22"));
	assert_true(has_line(&s, want));
	/* a date that does not parse is unknown, the entry is kept */
	assert_true(has_line(&s, "kev CVE-2024-0002|-|-|-|0|0|0|-|-\n"));
	pw_buf_free(&s.out);

	assert_int_equal(pw_feed_import_path(CASES "/kev/not-kev.json", PW_FEED_KEV, &sink, &e), PW_ERR_PARSE);
	assert_non_null(strstr(e.msg, "not-kev.json: not a KEV catalog"));
	assert_int_equal(pw_feed_import_path(CASES "/kev/truncated.json", PW_FEED_KEV, &sink, &e), PW_ERR_PARSE);
	assert_non_null(strstr(e.msg, "truncated.json:3:"));
	assert_int_equal(pw_feed_parse_kev(pw_blob_cstr("[]"), "k.json", &sink, &e), PW_ERR_PARSE);
	assert_int_equal(pw_feed_parse_kev(pw_blob("", 0), "k.json", &sink, &e), PW_ERR_PARSE);
	assert_int_equal(s.kev, 2); /* nothing more arrived */
}

/* ---- EPSS ---- */

/* The decompressed file, for timing the parser alone. */
static void gunzip(const char *path, struct pw_buf *out)
{
	struct archive *a = archive_read_new();
	struct archive_entry *ent;
	archive_read_support_filter_all(a);
	archive_read_support_format_raw(a);
	assert_int_equal(archive_read_open_filename(a, path, 1 << 16), ARCHIVE_OK);
	assert_int_equal(archive_read_next_header(a, &ent), ARCHIVE_OK);
	char chunk[1 << 16];
	la_ssize_t n;
	while ((n = archive_read_data(a, chunk, sizeof(chunk))) > 0)
		assert_int_equal(pw_buf_add(out, chunk, (size_t)n), PW_OK);
	assert_int_equal(n, 0);
	archive_read_free(a);
}

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void epss_full(void **state)
{
	(void)state;
	const char *path = PW_DATA_DIR "/feeds/epss/epss_scores-2026-08-16.csv.gz";
	struct kept s = { 0 };
	struct pw_feed_sink sink = k_sink(&s);
	struct pw_error e;
	assert_int_equal(pw_feed_import_path(path, PW_FEED_KIND_COUNT, &sink, &e), PW_OK);
	/* awk over the decompressed file: 360,142 rows, sum of scores
	 * 10177.482160, of percentiles 180072.800700 */
	assert_int_equal(s.epss, 360142);
	assert_int_equal(s.skips, 0);
	assert_true(s.score_sum > 10177.48215 && s.score_sum < 10177.48217);
	assert_true(s.pct_sum > 180072.80069 && s.pct_sum < 180072.80071);
	assert_int_equal(s.score_date, day("2026-08-16"));
	assert_string_equal(s.model, "unknown");
	assert_true(has_line(&s, "epss CVE-1999-0001 0.03351 0.87650\n"));
	assert_true(has_line(&s, "epss CVE-2021-44228 0.99999 1.00000\n"));
	assert_true(has_line(&s, "epss CVE-2024-3094 0.85974 0.99712\n"));
	assert_true(has_line(&s, "epss CVE-2026-74439 0.00156 0.05295\n")); /* the last row */
	assert_int_equal(s.last_done, s.last_total);
	pw_buf_free(&s.out);

	/* the parse rate on the decompressed text, best of three */
	struct pw_buf text = PW_BUF_INIT;
	gunzip(path, &text);
	double best = 1e9;
	for (int i = 0; i < 3; i++) {
		s = (struct kept){ 0 };
		sink = k_sink(&s);
		sink.progress = NULL;
		double t0 = now();
		assert_int_equal(pw_feed_parse_epss(pw_blob(text.data, text.len), "epss.csv", &sink, &e), PW_OK);
		double dt = now() - t0;
		best = dt < best ? dt : best;
		assert_int_equal(s.epss, 360142);
		pw_buf_free(&s.out);
	}
	fprintf(stderr, "epss: 360142 rows (%.1f MB) parsed in %.3f s: %.0f rows/s\n",
		(double)text.len / 1e6, best, 360142 / best);
	/* a loose floor: a per-row allocation or sscanf would still pass, a
	 * quadratic scan would not */
	assert_true(360142 / best > 200000);
	pw_buf_free(&text);
}

static void epss_fixtures(void **state)
{
	(void)state;
	struct kept s = { 0 };
	struct pw_feed_sink sink = k_sink(&s);
	struct pw_error e;
	/* FIRST's own fixtures (anchore/vunnel) */
	assert_int_equal(pw_feed_import_path(PW_DATA_DIR "/feeds/epss/fixture-example-1.csv",
					     PW_FEED_KIND_COUNT, &sink, &e), PW_OK);
	assert_int_equal(s.epss, 5);
	assert_int_equal(s.score_date, day("2025-02-20"));
	assert_string_equal(s.model, "v2023.03.01");
	assert_true(has_line(&s, "epss CVE-1999-0001 0.00383 0.73075\n"));
	pw_buf_free(&s.out);
	s = (struct kept){ 0 };
	sink = k_sink(&s);
	assert_int_equal(pw_feed_import_path(PW_DATA_DIR "/feeds/epss/fixture-invalid-header.csv",
					     PW_FEED_EPSS, &sink, &e), PW_ERR_PARSE);
	assert_non_null(strstr(e.msg, "fixture-invalid-header.csv:2: expected the header "
				      "'cve,epss,percentile', found 'invalid,header,format'"));
	assert_int_equal(pw_feed_import_path(PW_DATA_DIR "/feeds/epss/fixture-missing-date.csv",
					     PW_FEED_EPSS, &sink, &e), PW_ERR_PARSE);
	assert_non_null(strstr(e.msg, "fixture-missing-date.csv:1: no score_date"));
	assert_int_equal(s.epss, 0); /* nothing from a refused file */

	/* hand-made */
	assert_int_equal(pw_feed_import_path(CASES "/epss/no-comment.csv", PW_FEED_EPSS, &sink, &e), PW_ERR_PARSE);
	assert_non_null(strstr(e.msg, "no-comment.csv:1: expected '#model_version:...,score_date:...', "
				      "found 'cve,epss,percentile'"));
	assert_int_equal(pw_feed_import_path(CASES "/epss/bad-date.csv", PW_FEED_EPSS, &sink, &e), PW_ERR_PARSE);
	assert_non_null(strstr(e.msg, "bad-date.csv:1: score_date 'yesterday' is not a date"));
	assert_int_equal(pw_feed_import_path(CASES "/epss/no-header.csv", PW_FEED_EPSS, &sink, &e), PW_ERR_PARSE);
	assert_non_null(strstr(e.msg, "no-header.csv:2: missing the header"));
	assert_int_equal(pw_feed_parse_epss(pw_blob("", 0), "empty.csv", &sink, &e), PW_ERR_PARSE);
	assert_non_null(strstr(e.msg, "empty.csv:1:"));
	assert_int_equal(s.epss, 0);
	assert_int_equal(pw_feed_import_path(CASES "/epss/header-only.csv", PW_FEED_EPSS, &sink, &e), PW_OK);
	assert_int_equal(s.epss, 0);
	assert_int_equal(s.skips, 0);
}

static void epss_bad_rows(void **state)
{
	(void)state;
	struct kept s = { 0 };
	struct pw_feed_sink sink = k_sink(&s);
	struct pw_error e;
	assert_int_equal(pw_feed_import_path(CASES "/epss/bad-rows.csv", PW_FEED_KIND_COUNT, &sink, &e), PW_OK);
	assert_int_equal(s.epss, 5);
	assert_int_equal(s.skips, 8);
	/* one reason per kind of fault, naming its first line */
	assert_int_equal(reason(&s, "malformed row: score not a number in 0..1 (first at line 5)"), 3);
	assert_int_equal(reason(&s, "malformed row: not a CVE id (first at line 7)"), 1);
	assert_int_equal(reason(&s, "malformed row: not three fields (first at line 8)"), 2);
	assert_int_equal(reason(&s, "malformed row: percentile not a number in 0..1 (first at line 10)"), 2);
	assert_int_equal(s.nreasons, 4);
	assert_true(has_line(&s, "epss CVE-2024-0001 0.50000 0.90000\n"));
	assert_true(has_line(&s, "epss CVE-2024-0007 0.00005 0.01000\n"));
	assert_true(has_line(&s, "epss CVE-2024-0009 1.00000 1.00000\n"));
	assert_true(has_line(&s, "epss CVE-2024-0010 0.00001 0.00000\n"));
	assert_true(has_line(&s, "epss CVE-2024-0012 0.25000 0.75000\n")); /* no final newline */
	assert_int_equal(s.score_date, day("2026-01-02"));
	assert_string_equal(s.model, "v2025.03.14"); /* no \r kept */
	pw_buf_free(&s.out);
}

/* ---- NVD ---- */

static void nvd_bundled(void **state)
{
	(void)state;
	struct kept s = { 0 };
	struct pw_feed_sink sink = k_sink(&s);
	struct pw_error e;
	/* the 38-CVE page and the 23 single-CVE files */
	assert_int_equal(pw_feed_import_path(PW_DATA_DIR "/feeds/nvd", PW_FEED_KIND_COUNT, &sink, &e), PW_OK);
	assert_int_equal(s.records, 38 + 23);
	assert_int_equal(s.vulns, 61);
	assert_int_equal(s.skips, 0);
	assert_int_equal(s.affected, 0); /* NVD never says which distribution package is affected */
	assert_int_equal(s.cpes, 122);   /* cpeMatch entries in all configurations */
	/* the directory's progress counts the 24 files found below it */
	assert_int_equal(s.last_done, 24);
	assert_int_equal(s.last_total, 24);
	pw_buf_free(&s.out);

	s = (struct kept){ 0 };
	sink = k_sink(&s);
	assert_int_equal(pw_feed_import_path(PW_DATA_DIR "/feeds/nvd/cve-2.0", PW_FEED_NVD, &sink, &e), PW_OK);
	assert_int_equal(s.records, 23);
	assert_int_equal(s.last_done, 23);
	/* xz backdoor: NVD's Primary score, not Red Hat's Secondary one (both 10.0) */
	char want[512];
	snprintf(want, sizeof(want), "vuln CVE-2024-3094 cvss=10.0 vector=CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/"
		 "C:H/I:H/A:H source=nvd severity=CRITICAL ");
	assert_true(has_line(&s, want));
	snprintf(want, sizeof(want), "vuln CVE-2023-4863 cvss=8.8 vector=CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:U/"
		 "C:H/I:H/A:H source=nvd severity=HIGH published=%lld modified=%lld summary=Heap "
		 "buffer overflow in libwebp in Googl\n", (long long)1694531724LL, (long long)1698520538LL);
	assert_true(has_line(&s, want)); /* 2023-09-12T15:15:24.327, 2023-10-28T19:15:38.643 */
	assert_true(has_line(&s, "cpe CVE-2023-4863 cpe:2.3:a:google:chrome:*:*:*:*:*:*:*:* - - - "
				 "116.0.5845.187 1\n"));
	assert_true(has_line(&s, "cpe CVE-2023-4863 cpe:2.3:a:mozilla:firefox_esr:*:*:*:*:*:*:*:* "
				 "115.0 - - 115.2.1 1\n"));
	/* only a v2 score: kept, with v2's severity */
	assert_true(has_line(&s, "vuln CVE-2014-1424 cvss=6.4 vector=AV:N/AC:L/Au:N/C:N/I:P/A:P "
				 "source=nvd severity=MEDIUM "));
	/* only a CNA's score: its source is named */
	assert_true(has_line(&s, "vuln CVE-2024-47177 cvss=9.0 vector=CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:C/"
				 "C:H/I:H/A:H source=nvd:security-advisories@github.com severity=CRITICAL "));
	pw_buf_free(&s.out);
}

static void nvd_malformed(void **state)
{
	(void)state;
	struct kept s = { 0 };
	struct pw_feed_sink sink = k_sink(&s);
	struct pw_error e;
	assert_int_equal(pw_feed_import_path(CASES "/nvd/edge-cases.json", PW_FEED_KIND_COUNT, &sink, &e), PW_OK);
	assert_int_equal(s.records, 3);
	assert_int_equal(reason(&s, "rejected CVE"), 1);
	assert_int_equal(reason(&s, "entry without a CVE id"), 1);
	assert_true(has_line(&s, "vuln CVE-2024-0002 cvss=6.9 vector=CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:L/"
				 "VI:N/VA:N/SC:N/SI:N/SA:N source=nvd:cna@example.org severity=MEDIUM "
				 "published=1704164645 modified=1706933106 summary=hello\n"));
	assert_true(has_line(&s, "vuln CVE-2024-0003 cvss=4.3 vector=AV:N/AC:M/Au:N/C:P/I:N/A:N source=nvd "
				 "severity=MEDIUM "));
	assert_true(has_line(&s, "vuln CVE-2024-0004 cvss=- vector=- source=- severity=- "));
	pw_buf_free(&s.out);

	s = (struct kept){ 0 };
	sink = k_sink(&s);
	assert_int_equal(pw_feed_import_path(CASES "/nvd/bad-cpe.json", PW_FEED_NVD, &sink, &e), PW_ERR_PARSE);
	assert_non_null(strstr(e.msg, "bad-cpe.json: CVE-2024-0001: configurations[0].nodes[0].cpeMatch[1]: "));
	assert_int_equal(pw_feed_import_path(CASES "/nvd/not-nvd.json", PW_FEED_NVD, &sink, &e), PW_ERR_PARSE);
	assert_non_null(strstr(e.msg, "not-nvd.json: not an NVD CVE API 2.0 response"));
	assert_int_equal(pw_feed_parse_nvd(pw_blob_cstr("{}"), "n.json", &sink, &e), PW_ERR_PARSE);
	assert_int_equal(pw_feed_parse_nvd(pw_blob_cstr("{\"vulnerabilities\": [1]}"), "n.json", &sink, &e),
			 PW_ERR_PARSE);
	assert_non_null(strstr(e.msg, "n.json: vulnerabilities[0].cve: missing or not an object"));
	assert_int_equal(pw_feed_parse_nvd(pw_blob_cstr("{\"vuln"), "n.json", &sink, &e), PW_ERR_PARSE);
	assert_non_null(strstr(e.msg, "n.json:1:"));
	assert_int_equal(s.records, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(kev_catalog),
		cmocka_unit_test(kev_malformed),
		cmocka_unit_test(epss_full),
		cmocka_unit_test(epss_fixtures),
		cmocka_unit_test(epss_bad_rows),
		cmocka_unit_test(nvd_bundled),
		cmocka_unit_test(nvd_malformed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
