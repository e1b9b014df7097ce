/* test_version.c - every line of the version vectors in tests/data/versions
 * ("A op B", op one of < = >), checked in both directions, plus validation.
 *
 * Ground truth: the vectors were checked with dpkg, apk-tools and librpm
 * (tests/data/PROVENANCE.md). Every line must agree, with one kind of
 * exception: lines of alpine-versions.txt that encode osv-scalibr's (or an
 * older apk-tools') order for versions today's apk-tools calls invalid. Those
 * are decided by apk-tools' own apk_version_compare() (src/version.c, read
 * line by line) and listed, with the reason, in `exceptions` below; a line
 * there must exist and must disagree with the file, so the table cannot go
 * stale. Lines whose versions are invalid but whose order agrees with the
 * native tool pass like any other; the summary counts them.
 *
 * redhat-versions.txt needs no exception: all 165 lines, including the two
 * "1 < 1-" ones, agree with rpm 4.18's rpm.ver() comparison (rpmverCmp: a
 * missing release sorts before an empty one); test_vercmp_cli.sh recomputes
 * them with rpm itself. rpm-versions-grid.txt holds single version fields
 * ("1-2-3-4" is one field), so it is compared with rpmvercmp on the field.
 */
#include "pw_test.h"

#include <stdio.h>
#include <string.h>

#include "pw_rpmver.h"
#include "pw_version.h"

static int sign(int r)
{
	return r > 0 ? 1 : (r < 0 ? -1 : 0);
}

static int op_value(char op)
{
	return op == '<' ? -1 : (op == '>' ? 1 : 0);
}

/* Lines decided by the native tool instead of by the file. `decision` is
 * what apk-tools' apk_version_compare() returns for the pair; `valid` says
 * which of the two versions apk_version_validate() accepts ("00": neither). */
static const struct exception {
	const char *file, *line;
	char decision;
	const char *valid;
	const char *reason;
} exceptions[] = {
	{ "alpine-versions.txt", "1-r = 1-r0", '<', "01",
	  "\"-r\" without a number is an invalid token today (older apk read it as -r0); "
	  "INVALID sorts after REVISION_NO, so the invalid one is older" },
	{ "alpine-versions.txt", "0..1..0 < 0..1..1", '=', "00",
	  "'.' must be followed by digits: both stop at the same INVALID token, which "
	  "apk_version_compare() calls equal" },
	{ "alpine-versions.txt", "0...1...0 < 0...1...1", '=', "00",
	  "as above: both invalid at the second '.'" },
	{ "alpine-versions.txt", "0...1...0.r1 < 0...1...0.r2", '=', "00",
	  "as above: both invalid at the second '.'" },
	{ "alpine-versions.txt", "0...1...0r1 < 0...1...0r2", '=', "00",
	  "as above: both invalid at the second '.'" },
	{ "alpine-versions.txt", "0..8 > 0...8", '=', "00",
	  "as above: both invalid at the second '.'" },
	{ "alpine-versions.txt", "0.8.21.r2 > 0.8.21.r1", '=', "00",
	  "\".r\": a '.' followed by a letter is invalid on both sides at the same token" },
	{ "alpine-versions.txt", "1-r0-1 = 1-r-2", '>', "00",
	  "left: a second '-' after -r0 is INVALID; right: \"-r\" without a number is "
	  "INVALID one token earlier, where the left still has REVISION_NO, so left is newer" },
	{ "alpine-versions.txt", ".2 > .1", '=', "00",
	  "no leading digit: both are INVALID from the first token, hence equal" },
	{ "alpine-versions.txt", "a < b", '=', "00",
	  "no leading digit: both are INVALID from the first token, hence equal" },
	{ "alpine-versions.txt", "c > b", '=', "00",
	  "no leading digit: both are INVALID from the first token, hence equal" },
};
#define N_EXCEPTIONS (sizeof(exceptions) / sizeof(exceptions[0]))
static int exception_used[N_EXCEPTIONS];

static const struct exception *find_exception(const char *file, const char *line)
{
	for (size_t i = 0; i < N_EXCEPTIONS; i++) {
		if (strcmp(exceptions[i].file, file) == 0 && strcmp(exceptions[i].line, line) == 0) {
			exception_used[i]++;
			return &exceptions[i];
		}
	}
	return NULL;
}

/* Next whitespace-separated field of *p, NUL-terminated in place. */
static char *field(char **p)
{
	char *s = *p + strspn(*p, " \t");
	if (!*s)
		return NULL;
	char *e = s + strcspn(s, " \t");
	if (*e)
		*e++ = '\0';
	*p = e;
	return s;
}

/* Parse "A op B" into the three parts, in place. */
static bool parse_line(char *line, char **a, char **op, char **b)
{
	char *p = line;
	*a = field(&p);
	*op = *a ? field(&p) : NULL;
	*b = *op ? field(&p) : NULL;
	return *b && !field(&p) && strlen(*op) == 1 && strchr("<=>", **op);
}

/* Check every line of one vector file. field_only: rpm version fields. */
static void check_file(const char *name, enum pw_scheme scheme, bool field_only,
		       size_t want_lines)
{
	char path[512];
	int n = snprintf(path, sizeof(path), "%s/versions/%s", PW_TEST_DATA, name);
	assert_true(n > 0 && (size_t)n < sizeof(path));
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	char buf[4096], text[4096];
	size_t checked = 0, invalid = 0, decided = 0, lineno = 0, failures = 0;
	while (fgets(buf, sizeof(buf), f)) {
		lineno++;
		buf[strcspn(buf, "\r\n")] = '\0';
		if (buf[0] == '#' || buf[strspn(buf, " \t")] == '\0')
			continue;
		memcpy(text, buf, sizeof(text));
		char *a, *op, *b;
		if (!parse_line(buf, &a, &op, &b))
			fail_msg("%s:%zu: not 'A op B': %s", name, lineno, text);
		checked++;
		int want = op_value(*op);
		bool va = pw_version_validate(scheme, a, NULL) == PW_OK;
		bool vb = pw_version_validate(scheme, b, NULL) == PW_OK;
		const struct exception *x = find_exception(name, text);
		if (x) {
			decided++;
			if (x->decision == *op) {
				print_error("%s:%zu: '%s' is listed as an exception but agrees\n", name,
					    lineno, text);
				failures++;
			}
			want = op_value(x->decision);
			if (va != (x->valid[0] == '1') || vb != (x->valid[1] == '1')) {
				print_error("%s:%zu: '%s': validity %d%d, table says %s\n", name, lineno,
					    text, va, vb, x->valid);
				failures++;
			}
		}
		int ab = field_only ? pw_rpmver_segcmp(a, b) : pw_version_cmp(scheme, a, b);
		int ba = field_only ? pw_rpmver_segcmp(b, a) : pw_version_cmp(scheme, b, a);
		if (sign(ab) != want || sign(ba) != -want) {
			print_error("%s:%zu: %s: got %d, mirrored %d, want %d\n", name, lineno, text,
				    sign(ab), sign(ba), want);
			failures++;
		}
		/* the validating API agrees on valid pairs and refuses the rest */
		int r = 2;
		struct pw_error e;
		pw_err rc = pw_version_compare(scheme, a, b, &r, &e);
		if (va && vb) {
			if (rc != PW_OK || (!field_only && r != want)) {
				print_error("%s:%zu: %s: pw_version_compare rc=%d r=%d\n", name, lineno,
					    text, rc, r);
				failures++;
			}
		} else {
			invalid++;
			if (rc != PW_ERR_INVALID || !strstr(e.msg, va ? "second version" : "first version")) {
				print_error("%s:%zu: %s: invalid pair not refused (rc=%d)\n", name, lineno,
					    text, rc);
				failures++;
			}
		}
	}
	fclose(f);
	print_message("%s: %zu lines checked both ways (%zu with a version refused as invalid, "
		      "%zu decided by the native tool)\n",
		      name, checked, invalid, decided);
	for (size_t i = 0; i < N_EXCEPTIONS; i++) {
		if (strcmp(exceptions[i].file, name) == 0 && exception_used[i] != 1) {
			print_error("exception '%s' matched %d lines of %s\n", exceptions[i].line,
				    exception_used[i], name);
			failures++;
		}
	}
	assert_int_equal(failures, 0);
	assert_int_equal(checked, want_lines);
}

static void debian_generated(void **s) { (void)s; check_file("debian-versions-generated.txt", PW_SCHEME_DEB, false, 14442); }
static void debian_edge(void **s) { (void)s; check_file("debian-versions.txt", PW_SCHEME_DEB, false, 30); }
static void alpine_generated(void **s) { (void)s; check_file("alpine-versions-generated.txt", PW_SCHEME_APK, false, 13979); }
static void alpine_edge(void **s) { (void)s; check_file("alpine-versions.txt", PW_SCHEME_APK, false, 778); }
static void redhat_evr(void **s) { (void)s; check_file("redhat-versions.txt", PW_SCHEME_RPM, false, 165); }
static void rpm_grid(void **s) { (void)s; check_file("rpm-versions-grid.txt", PW_SCHEME_RPM, true, 4356); }

static void validation(void **state)
{
	(void)state;
	static const struct {
		enum pw_scheme scheme;
		const char *version;
		const char *message; /* NULL: valid */
	} cases[] = {
		{ PW_SCHEME_DEB, "1:2.30-1+deb12u1", NULL },
		{ PW_SCHEME_DEB, "2.36-9+deb12u10~bpo1", NULL },
		{ PW_SCHEME_DEB, " 1.0 ", NULL },            /* dpkg trims blanks */
		{ PW_SCHEME_DEB, "a1.0", NULL },             /* dpkg only warns */
		{ PW_SCHEME_DEB, "+1:2.0", NULL },           /* strtol() takes a sign */
		{ PW_SCHEME_DEB, "-0:2.0", NULL },
		{ PW_SCHEME_DEB, "1:2:3-4-5", NULL },        /* colons and hyphens inside */
		{ PW_SCHEME_DEB, "2147483647:1", NULL },
		{ PW_SCHEME_DEB, "", "version string is empty" },
		{ PW_SCHEME_DEB, "   ", "version string is empty" },
		{ PW_SCHEME_DEB, "1 2", "version '1 2' has embedded spaces" },
		{ PW_SCHEME_DEB, ":1.0", "epoch in ':1.0' is empty" },
		{ PW_SCHEME_DEB, "a:1.0", "epoch in 'a:1.0' is not a number" },
		{ PW_SCHEME_DEB, "1a:2", "epoch in '1a:2' is not a number" },
		{ PW_SCHEME_DEB, "+:2", "epoch in '+:2' is not a number" },
		{ PW_SCHEME_DEB, "-1:2.0", "epoch in '-1:2.0' is negative" },
		{ PW_SCHEME_DEB, "2147483648:1", "epoch in '2147483648:1' is too big" },
		{ PW_SCHEME_DEB, "99999999999999999999999:1", "too big" },
		{ PW_SCHEME_DEB, "1:", "nothing after the colon in '1:'" },
		{ PW_SCHEME_DEB, "1.0-", "revision in '1.0-' is empty" },
		{ PW_SCHEME_DEB, "-1", "upstream version in '-1' is empty" },
		{ PW_SCHEME_DEB, "1:-1", "upstream version in '1:-1' is empty" },
		{ PW_SCHEME_DEB, "1.0!", "invalid character '!' in upstream version of '1.0!'" },
		{ PW_SCHEME_DEB, "1.0\x01", "invalid character '\\x01' in upstream version" },
		{ PW_SCHEME_DEB, "1.0-1:2", "epoch in '1.0-1:2' is not a number" }, /* first colon */
		{ PW_SCHEME_DEB, "1.0-1~a_b", "invalid character '_' in revision of '1.0-1~a_b'" },
		{ PW_SCHEME_DEB, "1.0-1:b", "epoch" },
		{ PW_SCHEME_RPM, "1:2.0-3.el9", NULL },
		{ PW_SCHEME_RPM, "1.0~rc1^git2", NULL },
		{ PW_SCHEME_RPM, "a:1.0", NULL },  /* no digit epoch: all of it is the version */
		{ PW_SCHEME_RPM, "1.0-", NULL },   /* an empty release, as rpm parses it */
		{ PW_SCHEME_RPM, "", "version string is empty" },
		{ PW_SCHEME_RPM, "1.0 -1", "version '1.0 -1' has a space or control character" },
		{ PW_SCHEME_RPM, "1:-1", "version part of '1:-1' is empty" },
		{ PW_SCHEME_RPM, "1:", "version part of '1:' is empty" },
		{ PW_SCHEME_APK, "1.2.3_rc1-r0", NULL },
		{ PW_SCHEME_APK, "1.0_git20240101~abc123-r2", NULL },
		{ PW_SCHEME_APK, "1.0_alpha_pre2", NULL },
		{ PW_SCHEME_APK, "5.7.1p1-r0", NULL }, /* older apk-tools' rule, see pw_apkver.h */
		{ PW_SCHEME_APK, "", "version string is empty" },
		{ PW_SCHEME_APK, "1.0_foo", "invalid version '1.0_foo' at offset 7" },
		{ PW_SCHEME_APK, "1.0-1", "invalid version '1.0-1' at offset 3 ('-')" },
		{ PW_SCHEME_APK, "v1.0", "invalid version 'v1.0' at offset 0 ('v')" },
		{ PW_SCHEME_APK, "1.0-r1_p1", "invalid" },
		{ PW_SCHEME_APK, "1.0-r", "invalid" },      /* -r needs a number */
		{ PW_SCHEME_APK, "1.0~", "invalid" },       /* ~ needs a hash */
		{ PW_SCHEME_APK, "1.0~ABC", "invalid" },    /* apk's hex digits are lowercase */
		{ PW_SCHEME_APK, "1.0~ab~cd", "invalid" },
		{ PW_SCHEME_APK, "1..0", "invalid" },
		{ PW_SCHEME_APK, "1.0A", "invalid" },
		{ PW_SCHEME_APK, "1.0\n", "invalid version" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct pw_error e;
		pw_error_clear(&e);
		pw_err rc = pw_version_validate(cases[i].scheme, cases[i].version, &e);
		if (!cases[i].message) {
			if (rc != PW_OK)
				fail_msg("'%s' (%s) should be valid: %s", cases[i].version,
					 pw_scheme_name(cases[i].scheme), e.msg);
		} else if (rc != PW_ERR_INVALID || !strstr(e.msg, cases[i].message)) {
			fail_msg("'%s' (%s): rc=%d msg='%s', expected '%s'", cases[i].version,
				 pw_scheme_name(cases[i].scheme), rc, e.msg, cases[i].message);
		}
	}
	/* the validating compare names the argument */
	int r = 7;
	struct pw_error e;
	assert_int_equal(pw_version_compare(PW_SCHEME_DEB, "1.0", "x:1", &r, &e), PW_ERR_INVALID);
	assert_string_equal(e.msg, "second version: epoch in 'x:1' is not a number");
	assert_int_equal(pw_version_compare(PW_SCHEME_APK, "1.0_x", "1.0", &r, &e), PW_ERR_INVALID);
	assert_non_null(strstr(e.msg, "first version: invalid version '1.0_x'"));
	assert_int_equal(r, 7);
	assert_int_equal(pw_version_compare(PW_SCHEME_DEB, "1.0~rc1", "1.0", &r, &e), PW_OK);
	assert_int_equal(r, -1);
	assert_int_equal(pw_version_compare(PW_SCHEME_RPM, "2.0", "1:1.0", &r, &e), PW_OK);
	assert_int_equal(r, -1);
	/* a long version is cut in the message, not silently dropped */
	char longv[600];
	memset(longv, '1', sizeof(longv) - 2);
	longv[sizeof(longv) - 2] = '!';
	longv[sizeof(longv) - 1] = '\0';
	assert_int_equal(pw_version_validate(PW_SCHEME_DEB, longv, &e), PW_ERR_INVALID);
	assert_non_null(strstr(e.msg, "invalid character '!'"));
	assert_non_null(strstr(e.msg, "...'"));
}

static void scheme_names(void **state)
{
	(void)state;
	enum pw_scheme s;
	static const struct {
		const char *name;
		enum pw_scheme scheme;
	} names[] = {
		{ "deb", PW_SCHEME_DEB },    { "debian", PW_SCHEME_DEB }, { "dpkg", PW_SCHEME_DEB },
		{ "ubuntu", PW_SCHEME_DEB }, { "rpm", PW_SCHEME_RPM },    { "redhat", PW_SCHEME_RPM },
		{ "apk", PW_SCHEME_APK },    { "alpine", PW_SCHEME_APK },
	};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		assert_true(pw_scheme_parse(names[i].name, &s));
		assert_int_equal(s, names[i].scheme);
	}
	assert_false(pw_scheme_parse("nope", &s));
	assert_false(pw_scheme_parse("", &s));
	assert_false(pw_scheme_parse("DEB", &s));
	assert_string_equal(pw_scheme_name(PW_SCHEME_DEB), "deb");
	assert_string_equal(pw_scheme_name(PW_SCHEME_RPM), "rpm");
	assert_string_equal(pw_scheme_name(PW_SCHEME_APK), "apk");
}

static void hand_cases(void **state)
{
	(void)state;
	static const struct {
		enum pw_scheme scheme;
		const char *a, *b;
		int want;
	} cases[] = {
		/* dpkg (each checked with dpkg --compare-versions 1.21.22) */
		{ PW_SCHEME_DEB, "1.0~rc1", "1.0", -1 },
		{ PW_SCHEME_DEB, "1.0~~", "1.0~", -1 },
		{ PW_SCHEME_DEB, "1.0", "1.0+b1", -1 },
		{ PW_SCHEME_DEB, "1.0a", "1.0+", -1 },   /* letters before other characters */
		{ PW_SCHEME_DEB, "2.36-9+deb12u9", "2.36-9+deb12u10", -1 },
		{ PW_SCHEME_DEB, "1:0.1", "2.0", 1 },
		{ PW_SCHEME_DEB, "+1:0.1", "1:0.1", 0 },  /* strtol() epoch */
		{ PW_SCHEME_DEB, "-0:1.0", "1.0", 0 },
		{ PW_SCHEME_DEB, "1.0-1", "1.0-1", 0 },
		{ PW_SCHEME_DEB, "1.0", "1.0-0", 0 },
		{ PW_SCHEME_DEB, " 1.0", "1.0 ", 0 },
		{ PW_SCHEME_DEB, "1:2:3", "1:2.3", 1 },   /* ':' sorts after '.' */
		{ PW_SCHEME_DEB, "1-2-3", "1-2.3", 1 },   /* upstream "1-2" > "1" */
		{ PW_SCHEME_DEB, "1.00000000000000000000000000001", "1.1", 0 },
		{ PW_SCHEME_DEB, "1.100000000000000000000000000000", "1.99999999999999999999999", 1 },
		{ PW_SCHEME_DEB, "0000000000000000000000000000001:0", "1:0", 0 },
		/* rpm (each checked with rpm 4.18's rpm.ver()) */
		{ PW_SCHEME_RPM, "1.0~rc1-1", "1.0-1", -1 },
		{ PW_SCHEME_RPM, "1.0^20240101-1", "1.0-1", 1 },
		{ PW_SCHEME_RPM, "1.0^20240101-1", "1.0.1-1", -1 },
		{ PW_SCHEME_RPM, "1:1.0-1", "2.0-1", 1 },
		{ PW_SCHEME_RPM, "0:1.0-1", "1.0-1", 0 },
		{ PW_SCHEME_RPM, ":1.0", "1.0", 0 },      /* an empty epoch is 0 */
		{ PW_SCHEME_RPM, "1.0", "1.0-1", -1 },    /* no release before any release */
		{ PW_SCHEME_RPM, "1.0", "1.0-", -1 },
		{ PW_SCHEME_RPM, "1.0a", "1.0.1", -1 },
		{ PW_SCHEME_RPM, "1.0_1", "1.0.1", 0 },   /* separators are all alike */
		{ PW_SCHEME_RPM, "5.14.0-427.13.1.el9_4", "5.14.0-427.el9", 1 },
		{ PW_SCHEME_RPM, "123456789012345678901234567890", "123456789012345678901234567891", -1 },
		/* apk (from apk-tools' src/version.c) */
		{ PW_SCHEME_APK, "1.0_alpha1", "1.0_beta1", -1 },
		{ PW_SCHEME_APK, "1.0_rc1", "1.0", -1 },
		{ PW_SCHEME_APK, "1.0", "1.0_p1", -1 },
		{ PW_SCHEME_APK, "1.0-r9", "1.0-r10", -1 },
		{ PW_SCHEME_APK, "1.0_git20240101-r0", "1.0_p1-r0", -1 },
		{ PW_SCHEME_APK, "1.0~abc-r1", "1.0~abd-r1", -1 },
		{ PW_SCHEME_APK, "1.0~abc-r1", "1.0-r1", 1 }, /* a hash token sorts above none */
		{ PW_SCHEME_APK, "1.01", "1.1", -1 },         /* leading zero: string order */
		{ PW_SCHEME_APK, "1.0", "1.00", -1 },
		{ PW_SCHEME_APK, "1.010", "1.01", 1 },
		{ PW_SCHEME_APK, "01", "1", 0 },              /* the first group is a number */
		{ PW_SCHEME_APK, "1.9.5p1-r1", "1.9.5p2-r1", -1 },
		{ PW_SCHEME_APK, "1_rc1", "1_rc", 1 },
		{ PW_SCHEME_APK, "1.2.3", "1.2.3a", -1 },
		{ PW_SCHEME_APK, "99999999999999999999999", "99999999999999999999998", 1 },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int r = sign(pw_version_cmp(cases[i].scheme, cases[i].a, cases[i].b));
		int m = sign(pw_version_cmp(cases[i].scheme, cases[i].b, cases[i].a));
		if (r != cases[i].want || m != -cases[i].want)
			fail_msg("%s: %s vs %s: got %d/%d, want %d", pw_scheme_name(cases[i].scheme),
				 cases[i].a, cases[i].b, r, m, cases[i].want);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(debian_generated), cmocka_unit_test(debian_edge),
		cmocka_unit_test(alpine_generated), cmocka_unit_test(alpine_edge),
		cmocka_unit_test(redhat_evr),       cmocka_unit_test(rpm_grid),
		cmocka_unit_test(validation),       cmocka_unit_test(scheme_names),
		cmocka_unit_test(hand_cases),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
