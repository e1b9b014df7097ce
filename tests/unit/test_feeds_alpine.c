/* test_feeds_alpine.c - Alpine's secdb in JSON and YAML: every real file
 * against figures derived with PyYAML and Python's json module
 * (tests/data/feeds/alpine/groundtruth.py, README there), exact entries,
 * the same content in both formats, hand-made edge cases, and the subset
 * of YAML the reader refuses, with the file:line it names. */
#include "pw_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pw_feeds.h"
#include "pw_file.h"

#define SECDB PW_DATA_DIR "/feeds/alpine/"
#define FIXTURES PW_TEST_DATA "/feeds/alpine/"

/* ---- a sink that records what it is given ---- */

struct gt {
	long records, vulns, affected;
	long status[PW_AFFECT_EOL + 1];
	struct {
		char reason[100];
		long n;
	} skips[32];
	int nskips;
	long skipped;
	uint64_t checksum; /* sum of FNV-1a of every affected entry's line */
	const char *watch;  /* a record id whose entries are kept */
	char lines[256][512];
	int nlines;
	bool watched;       /* the watched record was seen */
	char ids[64][128];  /* the first record ids, in order */
	int nids;
	/* every entry of every record, in order, to compare two readings */
	bool collect;
	char *all;
	size_t all_len;
};

static uint64_t fnv1a(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ull;
	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 0x100000001b3ull;
	}
	return h;
}

static pw_err gt_record(void *ctx, const struct pw_feed_record *r, struct pw_error *e)
{
	(void)e;
	struct gt *s = ctx;
	char line[512];
	assert_string_equal(r->source, "alpine-secdb");
	s->records++;
	s->vulns += (long)r->nvulns;
	s->affected += (long)r->naffected;
	if (s->nids < 64)
		snprintf(s->ids[s->nids++], sizeof(s->ids[0]), "%s", r->id);
	bool watched = s->watch && strcmp(r->id, s->watch) == 0;
	s->watched |= watched;
	for (size_t i = 0; i < r->naffected; i++) {
		const struct pw_affected *a = &r->affected[i];
		assert_null(a->urgency);
		assert_null(a->advisory);
		s->status[a->status]++;
		snprintf(line, sizeof(line), "%s %s %s %s %s %s %s", r->id, a->vuln_id, a->distro,
			 a->release, a->package, pw_affect_status_name(a->status),
			 a->fixed ? a->fixed : "-");
		s->checksum += fnv1a(line);
		if (watched && s->nlines < 256)
			snprintf(s->lines[s->nlines++], sizeof(s->lines[0]), "%s", line);
		if (s->collect) {
			size_t n = strlen(line);
			s->all = realloc(s->all, s->all_len + n + 2);
			assert_non_null(s->all);
			memcpy(s->all + s->all_len, line, n);
			s->all_len += n;
			s->all[s->all_len++] = '\n';
			s->all[s->all_len] = '\0';
		}
	}
	/* every vulnerability is one of the record's entries, once */
	for (size_t i = 0; i < r->nvulns; i++) {
		bool used = false;
		for (size_t j = 0; j < r->naffected && !used; j++)
			used = strcmp(r->affected[j].vuln_id, r->vulns[i].id) == 0;
		assert_true(used);
		for (size_t j = 0; j < i; j++)
			assert_string_not_equal(r->vulns[i].id, r->vulns[j].id);
	}
	return PW_OK;
}

static void gt_skip(void *ctx, const char *reason)
{
	struct gt *s = ctx;
	s->skipped++;
	for (int i = 0; i < s->nskips; i++) {
		if (strcmp(s->skips[i].reason, reason) == 0) {
			s->skips[i].n++;
			return;
		}
	}
	assert_true(s->nskips < 32);
	snprintf(s->skips[s->nskips].reason, sizeof(s->skips[0].reason), "%s", reason);
	s->skips[s->nskips++].n = 1;
}

static long skips_of(const struct gt *s, const char *reason)
{
	for (int i = 0; i < s->nskips; i++) {
		if (strcmp(s->skips[i].reason, reason) == 0)
			return s->skips[i].n;
	}
	return 0;
}

static bool has_line(const struct gt *s, const char *line)
{
	for (int i = 0; i < s->nlines; i++) {
		if (strcmp(s->lines[i], line) == 0)
			return true;
	}
	print_message("missing: %s\n", line);
	for (int i = 0; i < s->nlines; i++)
		print_message("  have: %s\n", s->lines[i]);
	return false;
}

static void reset(struct gt *s, const char *watch)
{
	bool collect = s->collect;
	free(s->all);
	memset(s, 0, sizeof(*s));
	s->watch = watch;
	s->collect = collect;
	if (collect) {
		s->all = calloc(1, 1);
		assert_non_null(s->all);
	}
}

static pw_err import(const char *path, struct gt *s, const char *watch, struct pw_error *e)
{
	reset(s, watch);
	struct pw_feed_sink sink = { .ctx = s, .record = gt_record, .skip = gt_skip };
	return pw_feed_import_path(path, PW_FEED_KIND_COUNT, &sink, e);
}

static pw_err parse_text(const char *text, struct gt *s, struct pw_error *e)
{
	reset(s, NULL);
	struct pw_feed_sink sink = { .ctx = s, .record = gt_record, .skip = gt_skip };
	pw_error_clear(e);
	return pw_feed_parse_alpine_secdb(pw_blob_cstr(text), "t", &sink, e);
}

/* Lines that are secfix references in the YAML files: list items below
 * "secfixes:" (indented six or more; the package items and archs are at
 * two). Counted apart from the parser, as a check on what it reads. */
static long count_references(const char *path)
{
	struct pw_file f;
	struct pw_error e;
	assert_int_equal(pw_file_read(&f, path, &e), PW_OK);
	long n = 0;
	struct pw_blob rest = f.data, line;
	while (pw_blob_next_line(&rest, &line)) {
		size_t ind = 0;
		while (ind < line.len && line.ptr[ind] == ' ')
			ind++;
		if (ind >= 6 && ind < line.len && line.ptr[ind] == '-')
			n++;
	}
	pw_file_close(&f);
	return n;
}

/* ---- real files ---- */

static void yaml_real(void **state)
{
	(void)state;
	static const char *const releases[] = { "v3.3", "v3.4", "v3.5", "v3.6", "v3.7",
						"v3.8", "v3.9", "v3.10", "v3.11" };
	long refs = 0;
	char path[512];
	for (size_t i = 0; i < sizeof(releases) / sizeof(releases[0]); i++) {
		snprintf(path, sizeof(path), SECDB "secdb/%s/main.yaml", releases[i]);
		refs += count_references(path);
		snprintf(path, sizeof(path), SECDB "secdb/%s/community.yaml", releases[i]);
		refs += count_references(path);
	}
	assert_int_equal(refs, 12028);

	struct gt s = { 0 };
	struct pw_error e;
	assert_int_equal(import(SECDB "secdb", &s, "v3.11/main/ansible", &e), PW_OK);
	/* one record per package, 1,652, also for those left with nothing */
	assert_int_equal(s.records, 1652);
	assert_int_equal(s.affected, 11843);
	assert_int_equal(s.status[PW_AFFECT_FIXED], 11838);
	assert_int_equal(s.status[PW_AFFECT_NOT_AFFECTED], 5);
	assert_int_equal(skips_of(&s, "secfix reference that is not a CVE id (XSA-, TALOS-...)"), 909);
	assert_int_equal(skips_of(&s, "malformed CVE id in secfixes"), 39);
	assert_int_equal(skips_of(&s, "secfix comment"), 55);
	/* "10.2.26.r0", "4.10-1-r1", "2.7.16-33": apk-tools refuses them */
	assert_int_equal(skips_of(&s, "secfix with an invalid version"), 23);
	assert_int_equal(s.skipped, 909 + 39 + 55 + 23);
	assert_true(s.checksum == 0xe50ec59a76aa069full);
	assert_int_equal(s.nlines, 10);
	assert_true(has_line(&s, "v3.11/main/ansible CVE-2019-14904 alpine 3.11 ansible fixed 2.9.3-r0"));
	assert_true(has_line(&s, "v3.11/main/ansible CVE-2018-10875 alpine 3.11 ansible fixed 2.6.3-r0"));

	/* Berkeley DB's whitelist: "0" under a comment, a compact list */
	assert_int_equal(import(SECDB "secdb/v3.8/main.yaml", &s, "v3.8/main/db", &e), PW_OK);
	assert_int_equal(s.nlines, 5);
	assert_true(has_line(&s, "v3.8/main/db CVE-2016-0682 alpine 3.8 db not-affected -"));
	/* "CVE-2017-8903 XSA-213": the CVE kept, the XSA skipped */
	assert_int_equal(import(SECDB "secdb/v3.11/main.yaml", &s, "v3.11/main/xen", &e), PW_OK);
	assert_true(has_line(&s, "v3.11/main/xen CVE-2017-8903 alpine 3.11 xen fixed 4.8.1-r2"));
	/* tcpdump's "CVE-2018-14469 (IKEv1)" */
	assert_int_equal(import(SECDB "secdb/v3.11/main.yaml", &s, "v3.11/main/tcpdump", &e), PW_OK);
	assert_true(has_line(&s, "v3.11/main/tcpdump CVE-2018-14469 alpine 3.11 tcpdump fixed 4.9.3-r0"));
	/* a package whose only reference is "CVE-2019-19451.patch": an empty record */
	assert_int_equal(import(SECDB "secdb/v3.11/community.yaml", &s, "v3.11/community/dia", &e), PW_OK);
	assert_true(s.watched);
	assert_int_equal(s.nlines, 0);
	reset(&s, NULL);
}

static void json_real(void **state)
{
	(void)state;
	struct gt s = { 0 };
	struct pw_error e;
	assert_int_equal(import(SECDB "secdb-json", &s, "edge/main/apk-tools", &e), PW_OK);
	/* edge-community.json has "packages": {} */
	assert_int_equal(s.records, 3);
	assert_int_equal(s.affected, 5);
	assert_int_equal(s.skipped, 0);
	assert_true(s.checksum == 0xcc2043eb61a69aaeull);
	assert_int_equal(s.nlines, 2);
	assert_true(has_line(&s, "edge/main/apk-tools CVE-2021-30139 alpine edge apk-tools fixed 2.12.5-r0"));
	assert_true(has_line(&s, "edge/main/apk-tools CVE-2021-36159 alpine edge apk-tools fixed 2.12.6-r0"));
	/* "2.8.0-r0": {} is an empty fix entry: nothing, and nothing skipped */
	assert_int_equal(import(SECDB "secdb-json/312-main.json", &s, "v3.12/main/ansible", &e), PW_OK);
	assert_int_equal(s.nlines, 1);
	assert_true(has_line(&s, "v3.12/main/ansible CVE-2018-16876 alpine 3.12 ansible fixed 2.7.9-r0"));
	reset(&s, NULL);
}

/* The same secdb as YAML and as JSON (same.json was written from
 * same.yaml by PyYAML) gives the same records, entry for entry. */
static void yaml_equals_json(void **state)
{
	(void)state;
	struct gt y = { .collect = true }, j = { .collect = true };
	struct pw_error e;
	assert_int_equal(import(FIXTURES "same.yaml", &y, NULL, &e), PW_OK);
	assert_int_equal(import(FIXTURES "same.json", &j, NULL, &e), PW_OK);
	assert_string_equal(y.all, j.all);
	assert_string_equal(y.all,
			    "v3.12/community/ansible CVE-2019-14904 alpine 3.12 ansible fixed 2.9.3-r0\n"
			    "v3.12/community/ansible CVE-2019-14905 alpine 3.12 ansible fixed 2.9.3-r0\n"
			    "v3.12/community/ansible CVE-2018-16876 alpine 3.12 ansible fixed 2.7.9-r0\n"
			    "v3.12/community/xen CVE-2020-11739 alpine 3.12 xen fixed 4.13.1-r0\n"
			    "v3.12/community/xen CVE-2020-0000 alpine 3.12 xen not-affected -\n");
	assert_int_equal(y.records, 3);
	assert_int_equal(j.records, 3);
	assert_string_equal(y.ids[2], "v3.12/community/nothing");
	assert_int_equal(y.skipped, 3);
	assert_int_equal(j.skipped, 3);
	y.collect = j.collect = false;
	reset(&y, NULL);
	reset(&j, NULL);
}

/* tests/data/feeds/alpine/edge.yaml, one edge case per line (README) */
static void yaml_edges(void **state)
{
	(void)state;
	struct gt s = { 0 };
	struct pw_error e;
	assert_int_equal(import(FIXTURES "edge.yaml", &s, "v3.19/main/zlib", &e), PW_OK);
	assert_true(has_line(&s, "v3.19/main/zlib CVE-2000-0001 alpine 3.19 zlib not-affected -"));
	assert_true(has_line(&s, "v3.19/main/zlib CVE-2000-0002 alpine 3.19 zlib not-affected -"));
	assert_true(has_line(&s, "v3.19/main/zlib CVE-2022-37434 alpine 3.19 zlib fixed 1.3.1-r0"));
	assert_true(has_line(&s, "v3.19/main/zlib CVE-2022-0001 alpine 3.19 zlib fixed 1.3.1-r0"));
	assert_true(has_line(&s, "v3.19/main/zlib CVE-2022-0002 alpine 3.19 zlib fixed 1.3.1-r0"));
	assert_true(has_line(&s, "v3.19/main/zlib CVE-2022-37434 alpine 3.19 zlib fixed 1.2.13-r0"));
	/* a single reference written as a scalar, not a list */
	assert_true(has_line(&s, "v3.19/main/zlib CVE-2018-0003 alpine 3.19 zlib fixed 1.2.12-r1"));
	assert_int_equal(s.nlines, 7);
	assert_int_equal(s.records, 5);
	assert_string_equal(s.ids[1], "v3.19/main/empty");
	assert_string_equal(s.ids[2], "v3.19/main/nosecfixes");
	assert_string_equal(s.ids[3], "v3.19/main/onlybad");
	assert_string_equal(s.ids[4], "v3.19/main/refsnotlist");
	assert_int_equal(skips_of(&s, "secfix reference that is not a CVE id (XSA-, TALOS-...)"), 3);
	assert_int_equal(skips_of(&s, "secfix comment"), 1);
	assert_int_equal(skips_of(&s, "malformed CVE id in secfixes"), 3);
	assert_int_equal(skips_of(&s, "empty secfix reference"), 2);
	assert_int_equal(skips_of(&s, "secfix with an invalid version"), 1);
	assert_int_equal(skips_of(&s, "secfix whose references are not a list"), 1);
	assert_int_equal(skips_of(&s, "secdb package without a valid name"), 1);
	assert_int_equal(skips_of(&s, "secdb package entry without a pkg mapping"), 1);
	assert_int_equal(s.skipped, 13);
	reset(&s, NULL);
}

static void yaml_errors(void **state)
{
	(void)state;
	struct gt s = { 0 };
	struct pw_error e;
	static const struct {
		const char *text, *msg;
	} cases[] = {
		{ "distroversion: v3.19\npackages:\n  - pkg:\n\tname: x\n", "t:4: tab in indentation" },
		{ "distroversion: &a v3.19\n", "t:1: unsupported YAML (anchor" },
		{ "reponame: *a\n", "t:1: unsupported YAML" },
		{ "reponame: |\n  main\n", "t:1: unsupported YAML" },
		{ "archs: [x86, arm]\n", "t:1: unsupported YAML" },
		{ "archs: !!seq []\n", "t:1: unsupported YAML" },
		{ "reponame: main\n  more\n", "t:2: unexpected indentation" },
		{ "reponame: \"main\n", "t:1: quoted scalar not closed on its line" },
		{ "reponame: 'main' x\n", "t:1: text after a quoted scalar" },
		{ "reponame: \"ma\\qin\"\n", "t:1: unsupported escape" },
		{ "reponame: \"ma\\u00\"\n", "t:1: malformed \\u escape" },
		{ "---\na: b\n---\nc: d\n", "t:3: a second YAML document" },
		{ "a: b\n...\nc: d\n", "t:3: text after the end of the document" },
		{ "- a\n", "t:1: expected a mapping at the top, found a sequence" },
		{ "  a: b\n", "t:1: the document does not start at column 0" },
		{ "a: b\n- c\n", "t:2: unexpected text after the top-level mapping" },
		{ "distroversion v3.19\n", "t:1: expected 'key: value'" },
		{ "? complex: x\n", "t:1: unsupported YAML key" },
		{ ": novalue\n", "t:1: empty mapping key" },
		{ "packages:\n  - - CVE-1\n", "t:2: a sequence inside a sequence item" },
		{ "packages:\n  - pkg:\n      name: a\n     bad: 1\n", "t:4: unexpected indentation" },
		{ "", "t: empty secdb document" },
		{ "# only a comment\n\n", "t: empty secdb document" },
		{ "reponame: main\npackages: []\n", "t:1: no distroversion" },
		{ "distroversion: v3\nreponame: main\n", "t:1: not an Alpine release" },
		{ "distroversion:\nreponame: main\n", "t:1: no distroversion" },
		{ "distroversion: v3.19\npackages: []\n", "t:1: no valid reponame" },
		{ "distroversion: v3.19\nreponame: ma/in\npackages: []\n", "t:2: no valid reponame" },
		{ "distroversion: v3.19\nreponame: main\n", "t:1: no packages" },
		{ "distroversion: v3.19\nreponame: main\npackages: x\n", "t:3: packages is not a list" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		pw_err rc = parse_text(cases[i].text, &s, &e);
		if (rc != PW_ERR_PARSE || !strstr(e.msg, cases[i].msg))
			fail_msg("case %zu: rc %d, message '%s', expected '%s'", i, rc, e.msg, cases[i].msg);
	}
	/* nesting deeper than the subset allows */
	char deep[2048];
	size_t n = 0;
	for (int d = 0; d < 40; d++)
		n += (size_t)snprintf(deep + n, sizeof(deep) - n, "%*sk%d:\n", d, "", d);
	assert_int_equal(parse_text(deep, &s, &e), PW_ERR_PARSE);
	assert_non_null(strstr(e.msg, "nested deeper than the secdb subset of YAML allows"));
	/* a NUL byte */
	static const char nul[] = "distroversion: v3.19\nreponame: ma\0in\n";
	struct pw_feed_sink sink = { .ctx = &s, .record = gt_record, .skip = gt_skip };
	assert_int_equal(pw_feed_parse_alpine_secdb(pw_blob(nul, sizeof(nul) - 1), "t", &sink, &e),
			 PW_ERR_PARSE);
	assert_non_null(strstr(e.msg, "t:2: NUL byte"));
	/* what is fine: an empty repository, CRLF, a byte order mark, quotes */
	assert_int_equal(parse_text("\xEF\xBB\xBF" "distroversion: edge\r\nreponame: \"main\"\r\n"
				    "packages:\r\n", &s, &e), PW_OK);
	assert_int_equal(parse_text("distroversion: v3.19\nreponame: main\npackages:\n"
				    "  - pkg:\n      name: 'it''s'\n      secfixes:\n"
				    "        \"1.0-r0\": [\"CVE-2024-0001\"]\n", &s, &e), PW_ERR_PARSE);
	assert_non_null(strstr(e.msg, "t:7: unsupported YAML"));
	assert_int_equal(parse_text("distroversion: v3.19\nreponame: main\npackages:\n"
				    "  - pkg:\n      name: \"x\\u00e9\"\n", &s, &e), PW_OK);
	assert_int_equal(skips_of(&s, "secdb package without a valid name"), 1);
	reset(&s, NULL);
}

static void json_errors(void **state)
{
	(void)state;
	struct gt s = { 0 };
	struct pw_error e;
	static const struct {
		const char *text, *msg;
	} cases[] = {
		{ "{\"distroversion\": }", "t:1:19: " },
		{ "{\"reponame\": \"main\", \"packages\": []}", "t: $.distroversion: no distroversion" },
		{ "{\"distroversion\": 3.12, \"reponame\": \"main\", \"packages\": []}",
		  "t: $.distroversion: no distroversion" },
		{ "{\"distroversion\": \"v3.12\", \"packages\": []}", "t: $.reponame: no valid reponame" },
		{ "{\"distroversion\": \"v3.12\", \"reponame\": \"main\", \"packages\": \"x\"}",
		  "t: $.packages: packages is not a list" },
		{ "{\"distroversion\": \"v3.12\", \"reponame\": \"main\", \"packages\": {\"a\": 1}}",
		  "t: $.packages: packages is not a list" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		pw_err rc = parse_text(cases[i].text, &s, &e);
		if (rc != PW_ERR_PARSE || !strstr(e.msg, cases[i].msg))
			fail_msg("case %zu: rc %d, message '%s', expected '%s'", i, rc, e.msg, cases[i].msg);
	}
	/* wrong types inside a package are skipped, not fatal */
	assert_int_equal(parse_text("{\"distroversion\": \"v3.12\", \"reponame\": \"main\", \"packages\": ["
				    "{\"pkg\": {\"name\": \"a\", \"secfixes\": {\"1.0-r0\": [1, null, \"CVE-2024-0001\"],"
				    " \"2.0-r0\": {\"x\": 1}}}}, {\"pkg\": {\"name\": \"b\", \"secfixes\": [1]}}, 7]}",
				    &s, &e), PW_OK);
	assert_int_equal(s.records, 1);
	assert_int_equal(s.affected, 1);
	assert_int_equal(skips_of(&s, "secfix reference that is not a string"), 1);
	assert_int_equal(skips_of(&s, "empty secfix reference"), 1);
	assert_int_equal(skips_of(&s, "secfix whose references are not a list"), 1);
	assert_int_equal(skips_of(&s, "secdb package whose secfixes are not a mapping"), 1);
	assert_int_equal(skips_of(&s, "secdb package entry without a pkg mapping"), 1);
	reset(&s, NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(yaml_real),
		cmocka_unit_test(json_real),
		cmocka_unit_test(yaml_equals_json),
		cmocka_unit_test(yaml_edges),
		cmocka_unit_test(yaml_errors),
		cmocka_unit_test(json_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
