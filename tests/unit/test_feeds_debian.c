/* test_feeds_debian.c - the Debian security tracker's DSA and DLA lists and
 * its JSON export: the whole real files against figures derived
 * independently (tests/data/feeds/debian/groundtruth.py, README there),
 * exact entries, hand-made edge cases, malformed input with the messages
 * it must give, and the property that matters most: an up-to-date release
 * gets no fixable entry from the tracker. */
#include "pw_test.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pw_distro.h"
#include "pw_feeds.h"
#include "pw_file.h"
#include "pw_version.h"

#define TRACKER PW_DATA_DIR "/feeds/debian/tracker-json/"
#define LISTS PW_DATA_DIR "/feeds/debian/security-tracker/"
#define FIXTURES PW_TEST_DATA "/feeds/debian/"

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
	const char *watch;  /* a record id whose contents are kept */
	char lines[512][1024];
	int nlines;
	char vulns_seen[256][240];
	int nvulns_seen;
	/* every FIXED entry, for the up-to-date property */
	struct fixed_entry {
		char id[64], package[64], release[16], fixed[96];
	} *fixed;
	size_t nfixed;
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
	char line[1024];
	s->records++;
	s->vulns += (long)r->nvulns;
	s->affected += (long)r->naffected;
	for (size_t i = 0; i < r->naffected; i++) {
		const struct pw_affected *a = &r->affected[i];
		s->status[a->status]++;
		snprintf(line, sizeof(line), "%s %s %s %s %s %s %s %s %s", r->id, a->vuln_id, a->distro,
			 a->release, a->package, pw_affect_status_name(a->status),
			 a->fixed ? a->fixed : "-", a->urgency ? a->urgency : "-",
			 a->advisory ? a->advisory : "-");
		s->checksum += fnv1a(line);
		if (s->watch && strcmp(r->id, s->watch) == 0 && s->nlines < 512)
			snprintf(s->lines[s->nlines++], sizeof(s->lines[0]), "%s", line);
		if (s->fixed && a->status == PW_AFFECT_FIXED) {
			s->fixed = realloc(s->fixed, (s->nfixed + 1) * sizeof(*s->fixed));
			assert_non_null(s->fixed);
			struct fixed_entry *x = &s->fixed[s->nfixed++];
			snprintf(x->id, sizeof(x->id), "%s", a->vuln_id);
			snprintf(x->package, sizeof(x->package), "%s", a->package);
			snprintf(x->release, sizeof(x->release), "%s", a->release);
			snprintf(x->fixed, sizeof(x->fixed), "%s", a->fixed);
		}
	}
	for (size_t i = 0; s->watch && strcmp(r->id, s->watch) == 0 && i < r->nvulns; i++) {
		const struct pw_vuln *v = &r->vulns[i];
		if (s->nvulns_seen < 256)
			snprintf(s->vulns_seen[s->nvulns_seen++], sizeof(s->vulns_seen[0]),
				 "%s alias=%s published=%lld summary=%.60s", v->id,
				 v->naliases ? v->aliases[0] : "-", (long long)v->published,
				 v->summary ? v->summary : "-");
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

static bool has_vuln(const struct gt *s, const char *line)
{
	for (int i = 0; i < s->nvulns_seen; i++) {
		if (strcmp(s->vulns_seen[i], line) == 0)
			return true;
	}
	print_message("missing vuln: %s\n", line);
	for (int i = 0; i < s->nvulns_seen; i++)
		print_message("  have: %s\n", s->vulns_seen[i]);
	return false;
}

static struct pw_feed_sink sink_of(struct gt *s)
{
	return (struct pw_feed_sink){ .ctx = s, .record = gt_record, .skip = gt_skip };
}

/* Parse a file of a kind into s (reset first, watching `watch`). */
static pw_err parse_file(const char *path, enum pw_feed_kind kind, struct gt *s, const char *watch,
			 struct pw_error *e)
{
	memset(s, 0, sizeof(*s));
	s->watch = watch;
	struct pw_feed_sink sink = sink_of(s);
	struct pw_file f;
	pw_err rc = pw_file_read(&f, path, e);
	if (rc)
		return rc;
	rc = pw_feed_parse(kind, f.data, path, &sink, e);
	pw_file_close(&f);
	return rc;
}

static pw_err parse_text(const char *text, enum pw_feed_kind kind, struct gt *s,
			 const char *watch, struct pw_error *e)
{
	memset(s, 0, sizeof(*s));
	s->watch = watch;
	struct pw_feed_sink sink = sink_of(s);
	pw_error_clear(e);
	return pw_feed_parse(kind, pw_blob_cstr(text), "t", &sink, e);
}

/* ---- DSA and DLA lists ---- */

static void dsa_real(void **state)
{
	(void)state;
	struct gt s;
	struct pw_error e;
	assert_int_equal(parse_file(LISTS "DSA-list", PW_FEED_DSA, &s, "DSA-5380-1", &e), PW_OK);
	/* every advisory is a record or a skip with its reason: 5,406 */
	assert_int_equal(s.records + skips_of(&s, "advisory without release lines"), 5406);
	assert_int_equal(s.records, 5382);
	assert_int_equal(s.vulns, 18225);
	assert_int_equal(s.affected, 23470);
	assert_int_equal(s.status[PW_AFFECT_FIXED], 23368);
	assert_int_equal(s.status[PW_AFFECT_NOT_AFFECTED], 85);
	assert_int_equal(s.status[PW_AFFECT_VULNERABLE], 13);
	assert_int_equal(s.status[PW_AFFECT_EOL], 4);
	assert_int_equal(s.status[PW_AFFECT_WONT_FIX], 0);
	assert_int_equal(skips_of(&s, "advisory without release lines"), 24);
	assert_int_equal(skips_of(&s, "invalid fixed version"), 1); /* DSA-423's typo */
	assert_int_equal(s.skipped, 25);
	assert_true(s.checksum == 0x8949d18f99a05f46ull);
	assert_int_equal(s.nlines, 1);
	assert_true(has_line(&s, "DSA-5380-1 CVE-2023-1393 debian 11 xorg-server fixed "
			     "2:1.20.11-1+deb11u6 - DSA-5380-1"));
	assert_true(has_vuln(&s, "CVE-2023-1393 alias=DSA-5380-1 published=1680048000 summary=-"));

	/* an end-of-life notice without CVEs: its own vulnerability */
	assert_int_equal(parse_file(LISTS "DSA-list", PW_FEED_DSA, &s, "DSA-3699-1", &e), PW_OK);
	assert_true(has_line(&s, "DSA-3699-1 DSA-3699-1 debian 8 virtualbox end-of-life - - DSA-3699-1"));
	assert_true(has_vuln(&s, "DSA-3699-1 alias=- published=1477353600 "
			     "summary=virtualbox - end of life"));
	/* <unfixed> for one release, a fix for the other, "(high)" as urgency */
	assert_int_equal(parse_file(LISTS "DSA-list", PW_FEED_DSA, &s, "DSA-746-1", &e), PW_OK);
	assert_int_equal(s.nlines, 2);
	assert_true(has_line(&s, "DSA-746-1 CVE-2005-1921 debian 3.0 phpgroupware vulnerable - high DSA-746-1"));
	assert_true(has_line(&s, "DSA-746-1 CVE-2005-1921 debian 3.1 phpgroupware fixed "
			     "0.9.16.005-3.sarge0 high DSA-746-1"));
	/* two source packages, two CVEs: four entries; an id without revision */
	assert_int_equal(parse_file(LISTS "DSA-list", PW_FEED_DSA, &s, "DSA-140", &e), PW_OK);
	assert_int_equal(s.nlines, 4);
	assert_true(has_line(&s, "DSA-140 CVE-2002-0728 debian 3.0 libpng3 fixed 1.2.1-1.1.woody.2 - DSA-140"));
	/* a <unfixed> written only in a NOTE is no release line */
	assert_int_equal(parse_file(LISTS "DSA-list", PW_FEED_DSA, &s, "DSA-1605-1", &e), PW_OK);
	assert_int_equal(s.nlines, 0);
}

static void dla_real(void **state)
{
	(void)state;
	struct gt s;
	struct pw_error e;
	assert_int_equal(parse_file(LISTS "DLA-list", PW_FEED_DLA, &s, "DLA-372-1", &e), PW_OK);
	assert_int_equal(s.records + skips_of(&s, "advisory without release lines"), 3534);
	assert_int_equal(s.records, 3530);
	assert_int_equal(s.vulns, 11306);
	assert_int_equal(s.affected, 11311);
	assert_int_equal(s.status[PW_AFFECT_FIXED], 11310);
	assert_int_equal(s.status[PW_AFFECT_EOL], 1);
	assert_int_equal(s.skipped, 4);
	assert_true(s.checksum == 0xbc1ffb4714a9dd3cull);
	assert_true(has_line(&s, "DLA-372-1 DLA-372-1 debian 6 virtualbox-ose end-of-life - - DLA-372-1"));
	/* the path importer detects the kind from the contents */
	struct gt d;
	memset(&d, 0, sizeof(d));
	struct pw_feed_sink sink = sink_of(&d);
	assert_int_equal(pw_feed_import_path(LISTS "DLA-list", PW_FEED_KIND_COUNT, &sink, &e), PW_OK);
	assert_true(d.checksum == s.checksum);
	/* a DLA list read as a DSA list is refused at its first line */
	assert_int_equal(parse_file(LISTS "DLA-list", PW_FEED_DSA, &s, NULL, &e), PW_ERR_PARSE);
	assert_non_null(strstr(e.msg, "DLA-list:1: expected a DSA-NNNN-N advisory id, found 'DLA-3380-1'"));
}

/* vunnel's excerpt: old ids, several packages, advisories without data */
static void dsa_excerpt(void **state)
{
	(void)state;
	struct gt s;
	struct pw_error e;
	const char *path = TRACKER "vunnel-DSA-excerpt";
	assert_int_equal(parse_file(path, PW_FEED_DSA, &s, "DSA-2808-2", &e), PW_OK);
	assert_int_equal(s.records, 7);
	/* DSA-2819-1 (no data), DSA-3281-1 (key change), DSA-4205-1 (a NOTE) */
	assert_int_equal(skips_of(&s, "advisory without release lines"), 3);
	assert_int_equal(s.skipped, 3);
	assert_int_equal(s.affected, 1 + 4 + 1 + 1 + 2 + 1 + 1);
	/* a regression update fixes its package in two releases */
	assert_int_equal(s.nlines, 2);
	assert_true(has_line(&s, "DSA-2808-2 DSA-2808-2 debian 6 openjpeg fixed 1.3+dfsg-4+squeeze3 - DSA-2808-2"));
	assert_true(has_line(&s, "DSA-2808-2 DSA-2808-2 debian 7 openjpeg fixed 1.3+dfsg-4.8 - DSA-2808-2"));
	assert_true(has_vuln(&s, "DSA-2808-2 alias=- published=1398124800 summary=openjpeg - regression update"));
	assert_int_equal(parse_file(path, PW_FEED_DSA, &s, "DSA-141", &e), PW_OK);
	assert_true(has_line(&s, "DSA-141 CVE-2002-1425 debian 3.0 mpack fixed 1.5-7woody2 - DSA-141"));
}

/* tests/data/feeds/debian/dsa-edge.list: one edge case per advisory */
static void dsa_edges(void **state)
{
	(void)state;
	struct gt s;
	struct pw_error e;
	const char *path = FIXTURES "dsa-edge.list";
	assert_int_equal(parse_file(path, PW_FEED_DSA, &s, "DSA-9001-1", &e), PW_OK);
	/* a CVE list over three lines, a repeated CVE, a non-CVE reference */
	assert_true(has_vuln(&s, "CVE-2024-0001 alias=DSA-9001-1 published=1704067200 summary=-"));
	assert_int_equal(s.nvulns_seen, 3);
	assert_int_equal(s.nlines, 3);
	assert_true(has_line(&s, "DSA-9001-1 CVE-2024-0003 debian 12 foo fixed 1.0-1+deb12u1 - DSA-9001-1"));
	assert_int_equal(parse_file(path, PW_FEED_DSA, &s, "DSA-9002-1", &e), PW_OK);
	/* every tag */
	assert_true(has_line(&s, "DSA-9002-1 CVE-2024-0010 debian 12 bar not-affected - - DSA-9002-1"));
	assert_true(has_line(&s, "DSA-9002-1 CVE-2024-0010 debian 11 bar vulnerable - - DSA-9002-1"));
	assert_true(has_line(&s, "DSA-9002-1 CVE-2024-0010 debian 10 bar end-of-life - - DSA-9002-1"));
	assert_true(has_line(&s, "DSA-9002-1 CVE-2024-0010 debian 9 bar wont-fix - - DSA-9002-1"));
	assert_true(has_line(&s, "DSA-9002-1 CVE-2024-0010 debian 8 bar vulnerable - - DSA-9002-1"));
	assert_true(has_line(&s, "DSA-9002-1 CVE-2024-0010 debian 7 bar vulnerable - - DSA-9002-1"));
	assert_true(has_line(&s, "DSA-9002-1 CVE-2024-0010 debian sid bar fixed 2.0-1 medium DSA-9002-1"));
	assert_int_equal(s.nlines, 7);
	/* CRLF line ends and an epoch */
	assert_int_equal(parse_file(path, PW_FEED_DSA, &s, "DSA-9004-1", &e), PW_OK);
	assert_true(has_line(&s, "DSA-9004-1 CVE-2024-0030 debian 12 crlf fixed 1:2.0-1 - DSA-9004-1"));
	/* skipped lines, each with its reason (README lists them) */
	assert_int_equal(skips_of(&s, "reference in an advisory's {} list that is not a CVE id"), 2);
	assert_int_equal(skips_of(&s, "release line <removed> (package left the release)"), 1);
	assert_int_equal(skips_of(&s, "release line with an unknown <tag>"), 1);
	assert_int_equal(skips_of(&s, "release line for an unknown Debian release"), 1);
	assert_int_equal(skips_of(&s, "release line with an invalid source package name"), 1);
	assert_int_equal(skips_of(&s, "invalid fixed version"), 2);
	assert_int_equal(skips_of(&s, "malformed release line (text after the version)"), 1);
	assert_int_equal(skips_of(&s, "malformed release line (expected '[release] - package version')"), 1);
	assert_int_equal(skips_of(&s, "malformed release line (no [release])"), 1);
	assert_int_equal(skips_of(&s, "unrecognised line in an advisory"), 1);
	assert_int_equal(skips_of(&s, "text after an advisory's {} list"), 1);
	assert_int_equal(skips_of(&s, "advisory without release lines"), 1);
	assert_int_equal(s.skipped, 14);
	assert_int_equal(s.records, 3);
}

static void dsa_errors(void **state)
{
	(void)state;
	struct gt s;
	struct pw_error e;
	static const struct {
		const char *text, *msg;
		pw_err rc;
	} cases[] = {
		{ "[01 Jan 2023 DSA-1-1 x\n", "t:1: advisory line without a '[date]'", PW_ERR_PARSE },
		{ "[30 Feb 2023] DSA-1-1 x\n", "t:1: malformed date '30 Feb 2023'", PW_ERR_PARSE },
		{ "[29 Feb 2023] DSA-1-1 x\n", "t:1: malformed date '29 Feb 2023'", PW_ERR_PARSE },
		{ "[1 Jan 20230] DSA-1-1 x\n", "t:1: malformed date '1 Jan 20230'", PW_ERR_PARSE },
		{ "[01 Jxn 2023] DSA-1-1 x\n", "t:1: malformed date", PW_ERR_PARSE },
		{ "[01 Jan 2023]\n", "t:1: expected a DSA-NNNN-N advisory id, found ''", PW_ERR_PARSE },
		{ "[01 Jan 2023] DSA-1-x y\n", "t:1: expected a DSA-NNNN-N advisory id, found 'DSA-1-x'",
		  PW_ERR_PARSE },
		{ "\n\tNOTE: orphan\n", "t:2: text before the first advisory", PW_ERR_PARSE },
		{ "[01 Jan 2023] DSA-1-1 x\n\t{CVE-2023-0001\n[02 Jan 2023] DSA-2-1 y\n",
		  "t:2: CVE list of DSA-1-1 not closed with '}'", PW_ERR_PARSE },
		{ "[01 Jan 2023] DSA-1-1 x\n\t{CVE-2023-0001\n", "t:2: CVE list of DSA-1-1 not closed",
		  PW_ERR_PARSE },
		{ "[01 Jan 2023] DSA-1-1 x\n\t{CVE-2023-0001\n\t{CVE-2023-0002}\n",
		  "t:3: '{' inside the CVE list opened at line 2", PW_ERR_PARSE },
		{ "[01 Jan 2023] DSA-1-1 x\n\t{CVE-2023-0001}}\n", "t:2: stray brace", PW_ERR_PARSE },
		{ "", "t: no DSA- advisories found", PW_ERR_PARSE },
		{ "\n\n", "t: no DSA- advisories found", PW_ERR_PARSE },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		pw_err rc = parse_text(cases[i].text, PW_FEED_DSA, &s, NULL, &e);
		if (rc != cases[i].rc || !strstr(e.msg, cases[i].msg))
			fail_msg("case %zu: rc %d, message '%s', expected '%s'", i, rc, e.msg, cases[i].msg);
	}
	/* more CVEs in one advisory than anyone writes: refused, not grown */
	size_t n = 16385, size = 64 + n * 15;
	char *big = malloc(size);
	assert_non_null(big);
	size_t len = (size_t)snprintf(big, size, "[01 Jan 2023] DSA-1-1 x\n\t{");
	for (size_t i = 0; i < n; i++)
		len += (size_t)snprintf(big + len, size - len, "CVE-2023-%05zu ", i + 10000);
	snprintf(big + len, size - len, "}\n");
	assert_int_equal(parse_text(big, PW_FEED_DSA, &s, NULL, &e), PW_ERR_LIMIT);
	assert_non_null(strstr(e.msg, "t:2: more than 16384 CVEs in DSA-1-1"));
	free(big);
	/* only the DSA and DLA kinds */
	struct pw_feed_sink sink = sink_of(&s);
	assert_int_equal(pw_feed_parse_dsa_list(pw_blob_cstr("x"), "t", PW_FEED_OSV, &sink, &e),
			 PW_ERR_USAGE);
}

/* ---- the tracker's JSON ---- */

static void tracker_real(void **state)
{
	(void)state;
	struct gt s;
	struct pw_error e;
	assert_int_equal(parse_file(TRACKER "osvdev-tracker-mock.json", PW_FEED_DEBIAN_TRACKER, &s,
				    "apparmor", &e), PW_OK);
	assert_int_equal(s.records, 1);
	assert_int_equal(s.vulns, 3);
	assert_int_equal(s.affected, 15);
	assert_int_equal(s.status[PW_AFFECT_FIXED], 7);
	assert_int_equal(s.status[PW_AFFECT_NOT_AFFECTED], 5);
	assert_int_equal(s.status[PW_AFFECT_WONT_FIX], 3);
	assert_int_equal(s.skipped, 0);
	assert_true(s.checksum == 0x19cff5adc7674880ull);
	/* resolved with fixed_version "0": never a finding */
	assert_true(has_line(&s, "apparmor CVE-2014-1424 debian 12 apparmor not-affected - unimportant -"));
	/* open, unimportant: won't be fixed by the security team */
	assert_true(has_line(&s, "apparmor CVE-2016-1585 debian 12 apparmor wont-fix - unimportant -"));
	assert_true(has_line(&s, "apparmor CVE-2016-1585 debian 13 apparmor fixed 3.0.12-1 unimportant -"));
	/* "not yet assigned" is no urgency */
	assert_true(has_line(&s, "apparmor CVE-2017-6507 debian 10 apparmor fixed 2.11.0-3 - -"));
	assert_true(has_vuln(&s, "CVE-2017-6507 alias=- published=0 summary=An issue was discovered "
			     "in AppArmor before 2.12. Incorrect h"));

	assert_int_equal(parse_file(TRACKER "vunnel-debian.json", PW_FEED_DEBIAN_TRACKER, &s, "chromium",
				    &e), PW_OK);
	assert_int_equal(s.records, 5);
	assert_int_equal(s.vulns, 6);
	assert_int_equal(s.affected, 25);
	assert_int_equal(s.status[PW_AFFECT_FIXED], 19);
	assert_int_equal(s.status[PW_AFFECT_NOT_AFFECTED], 4);
	assert_int_equal(s.status[PW_AFFECT_EOL], 2);
	/* one id has "releases": [] and its package nothing else */
	assert_int_equal(skips_of(&s, "tracker entry without a releases object"), 1);
	assert_int_equal(skips_of(&s, "tracker source package without usable release data"), 1);
	assert_true(s.checksum == 0x88293c22db898c9aull);
	assert_true(has_line(&s, "chromium CVE-2022-0456 debian 10 chromium end-of-life - end-of-life -"));
	assert_true(has_line(&s, "chromium CVE-2022-0456 debian 11 chromium fixed 98.0.4758.80-1~deb11u1 - -"));
	/* "high**" (NVD's urgency) is read as "high" */
	assert_int_equal(parse_file(TRACKER "vunnel-debian.json", PW_FEED_DEBIAN_TRACKER, &s,
				    "prototypejs", &e), PW_OK);
	assert_true(has_line(&s, "prototypejs CVE-2008-7220 debian 9 prototypejs fixed 1.6.0.2-1 high -"));
}

/* Up to date means no fixable entry: every FIXED entry the importer makes
 * is at or below the version the release itself ships (the export's
 * "repositories"), so a host running the release's packages is never told
 * to upgrade; and an open issue never becomes FIXED. */
static void tracker_up_to_date_release_is_clean(void **state)
{
	(void)state;
	static const char *const files[] = { TRACKER "osvdev-tracker-mock.json",
					     TRACKER "vunnel-debian.json", FIXTURES "tracker-edge.json" };
	for (size_t f = 0; f < sizeof(files) / sizeof(files[0]); f++) {
		struct gt s;
		struct pw_error e;
		memset(&s, 0, sizeof(s));
		s.fixed = malloc(1);
		struct pw_feed_sink sink = sink_of(&s);
		assert_int_equal(pw_feed_import_path(files[f], PW_FEED_DEBIAN_TRACKER, &sink, &e), PW_OK);
		json_error_t je;
		json_t *doc = json_load_file(files[f], 0, &je);
		assert_non_null(doc);
		for (size_t i = 0; i < s.nfixed; i++) {
			const char *id = s.fixed[i].id, *pkg = s.fixed[i].package;
			const char *rel = s.fixed[i].release, *fixed = s.fixed[i].fixed;
			/* the codename of the canonical release, and the release's entry */
			const char *code = NULL, *k;
			json_t *v;
			json_t *rels = json_object_get(json_object_get(json_object_get(doc, pkg), id),
						       "releases");
			json_object_foreach(rels, k, v) {
				struct pw_distro_release dr;
				if (pw_distro_normalize("debian", k, &dr) && strcmp(dr.release, rel) == 0)
					code = k;
			}
			assert_non_null(code);
			json_t *r = json_object_get(rels, code);
			assert_string_equal(json_string_value(json_object_get(r, "status")), "resolved");
			const char *suite;
			json_t *ver;
			bool covered = false;
			json_object_foreach(json_object_get(r, "repositories"), suite, ver) {
				if (pw_version_cmp(PW_SCHEME_DEB, json_string_value(ver), fixed) >= 0)
					covered = true;
			}
			if (!covered)
				fail_msg("%s: %s in %s fixed at %s, above every %s version", files[f], id,
					 pkg, fixed, code);
		}
		json_decref(doc);
		free(s.fixed);
	}
}

/* tests/data/feeds/debian/tracker-edge.json, hand-made (README) */
static void tracker_edges(void **state)
{
	(void)state;
	struct gt s;
	struct pw_error e;
	assert_int_equal(parse_file(FIXTURES "tracker-edge.json", PW_FEED_DEBIAN_TRACKER, &s, "edgepkg",
				    &e), PW_OK);
	/* open with unstable's fixed_version: vulnerable, no fix offered */
	assert_true(has_line(&s, "edgepkg CVE-2024-1000 debian 12 edgepkg vulnerable - medium -"));
	assert_true(has_line(&s, "edgepkg CVE-2024-1000 debian sid edgepkg fixed 2.0-1 medium -"));
	/* no-DSA: vulnerable (a point release may fix it); postponed: the same;
	 * ignored: won't fix; end-of-life: EOL */
	assert_true(has_line(&s, "edgepkg CVE-2024-1001 debian 12 edgepkg vulnerable - low -"));
	assert_true(has_line(&s, "edgepkg CVE-2024-1001 debian 11 edgepkg vulnerable - low -"));
	assert_true(has_line(&s, "edgepkg CVE-2024-1001 debian 10 edgepkg wont-fix - low -"));
	assert_true(has_line(&s, "edgepkg CVE-2024-1001 debian 9 edgepkg end-of-life - end-of-life -"));
	/* undetermined: vulnerable, never fixable */
	assert_true(has_line(&s, "edgepkg CVE-2024-1002 debian 12 edgepkg vulnerable - - -"));
	/* a TEMP- issue is kept under its id */
	assert_true(has_line(&s, "edgepkg TEMP-0000000-A1B2C3 debian 12 edgepkg fixed 1.0-2 - -"));
	assert_true(has_line(&s, "edgepkg CVE-2024-1003 debian 12 edgepkg fixed 1:1.0-1+deb12u1 medium -"));
	assert_int_equal(s.nlines, 9);
	assert_int_equal(s.records, 2);
	assert_int_equal(skips_of(&s, "tracker id that is neither CVE- nor TEMP-"), 2);
	assert_int_equal(skips_of(&s, "tracker entry for an unknown Debian release"), 1);
	assert_int_equal(skips_of(&s, "tracker release entry without a status"), 1);
	assert_int_equal(skips_of(&s, "tracker entry resolved without a fixed_version"), 1);
	assert_int_equal(skips_of(&s, "tracker fixed_version that is not a string"), 1);
	assert_int_equal(skips_of(&s, "tracker entry with an invalid fixed_version"), 2);
	assert_int_equal(skips_of(&s, "tracker entry with an unknown status"), 1);
	assert_int_equal(skips_of(&s, "tracker release entry that is not an object"), 1);
	assert_int_equal(skips_of(&s, "tracker source package entry that is not an object"), 1);
	assert_int_equal(skips_of(&s, "tracker entry with an invalid source package name"), 1);
	assert_int_equal(skips_of(&s, "tracker source package without usable release data"), 1);
	assert_int_equal(s.skipped, 13);
	assert_int_equal(parse_file(FIXTURES "tracker-edge.json", PW_FEED_DEBIAN_TRACKER, &s, "other",
				    &e), PW_OK);
	assert_true(has_line(&s, "other CVE-2024-2000 debian 12 other fixed 3.0-1 high -"));
}

static void tracker_errors(void **state)
{
	(void)state;
	struct gt s;
	struct pw_error e;
	static const struct {
		const char *text, *msg;
	} cases[] = {
		{ "[1]", "t:1:1: expected an object of source packages (at $)" },
		{ "", "t:1:1: expected an object of source packages (at $)" },
		{ "{\"a\": ", "t:1:7: " },
		{ "{\"pkg\": {\"CVE-2024-0001\": }}", "(at $.pkg)" },
		{ "{\n\"pkg\": {},\n\"other\" {}}", "t:3:9: expected ':' (at $.other)" },
		{ "{\"pkg\": {} \"x\": {}}", "t:1:12: expected ',' or '}' after a source package (at $.pkg)" },
		{ "{\"pkg\": {}} x", "t:1:13: text after the top-level object (at $)" },
		{ "{\"pkg\": {},}", "t:1:12: " },
		{ "{1: {}}", "t:1:2: expected a source package name (at $)" },
		{ "{\"a\": {}", "t:1:9: expected ',' or '}'" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		pw_err rc = parse_text(cases[i].text, PW_FEED_DEBIAN_TRACKER, &s, NULL, &e);
		if (rc != PW_ERR_PARSE || !strstr(e.msg, cases[i].msg))
			fail_msg("case %zu: rc %d, message '%s', expected '%s'", i, rc, e.msg, cases[i].msg);
	}
	/* an empty object and a byte order mark are fine */
	assert_int_equal(parse_text("\xEF\xBB\xBF {} ", PW_FEED_DEBIAN_TRACKER, &s, NULL, &e), PW_OK);
	assert_int_equal(s.records, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(dsa_real),
		cmocka_unit_test(dla_real),
		cmocka_unit_test(dsa_excerpt),
		cmocka_unit_test(dsa_edges),
		cmocka_unit_test(dsa_errors),
		cmocka_unit_test(tracker_real),
		cmocka_unit_test(tracker_up_to_date_release_is_clean),
		cmocka_unit_test(tracker_edges),
		cmocka_unit_test(tracker_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
