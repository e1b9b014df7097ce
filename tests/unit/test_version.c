/* test_version.c - every line of the version vectors in tests/data/versions
 * ("A op B", op one of < = >), checked in both directions, plus validation.
 *
 * Ground truth: the vectors were checked with dpkg, apk-tools and librpm
 * (see tests/data/PROVENANCE.md). About thirty
 * hand-written lines in alpine-versions.txt encode osv-scalibr's ordering of
 * versions that apk-tools itself calls invalid (`apk version -c`): "1.2_blah",
 * "0..8", "1-ruff2", ".1", "1.2.0A"; the file's own comments note that apk
 * releases disagree on them. The decision: patchwarden follows the native
 * tool's validity rules and refuses such versions (vercmp exits 2, feeds skip
 * them with a warning), so their order is not asserted; the test checks that
 * each such line really is refused by pw_version_compare(), and every line
 * whose versions are valid must agree exactly.
 *
 * redhat-versions.txt is compared as whole EVR strings with rpm 4.18's
 * rules (its "1 < 1-" lines agree with rpm 4.18's rpm.ver(): a missing
 * release sorts before an empty one); rpm-versions-grid.txt holds version
 * fields only and is compared with rpmvercmp on the field.
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

/* Parse "A op B" (whitespace separated) into the three parts, in place. */
static bool parse_line(char *line, char **a, char **op, char **b)
{
	char *save = NULL;
	*a = strtok_r(line, " \t\r\n", &save);
	*op = *a ? strtok_r(NULL, " \t\r\n", &save) : NULL;
	*b = *op ? strtok_r(NULL, " \t\r\n", &save) : NULL;
	return *b && !strtok_r(NULL, " \t\r\n", &save) && strlen(*op) == 1 && strchr("<=>", **op);
}

/* Check every line of one vector file. field_only: rpm version fields. */
static void check_file(const char *name, enum pw_scheme scheme, bool field_only,
		       size_t min_lines)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/versions/%s", PW_TEST_DATA, name);
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	char buf[4096], text[4096];
	size_t checked = 0, invalid = 0, lineno = 0, failures = 0;
	while (fgets(buf, sizeof(buf), f)) {
		lineno++;
		if (buf[0] == '#' || strspn(buf, " \t\r\n") == strlen(buf))
			continue;
		snprintf(text, sizeof(text), "%s", buf);
		text[strcspn(text, "\r\n")] = '\0';
		char *a, *op, *b;
		if (!parse_line(buf, &a, &op, &b))
			fail_msg("%s:%zu: not 'A op B': %s", name, lineno, text);
		int want = *op == '<' ? -1 : (*op == '>' ? 1 : 0);
		bool valid = pw_version_validate(scheme, a, NULL) == PW_OK &&
			     pw_version_validate(scheme, b, NULL) == PW_OK;
		if (!valid) {
			/* refused, as the native tool refuses it */
			int r;
			if (pw_version_compare(scheme, a, b, &r, NULL) != PW_ERR_INVALID) {
				print_error("%s:%zu: '%s' was not refused\n", name, lineno, text);
				failures++;
			}
			invalid++;
			continue;
		}
		int ab = field_only ? pw_rpmver_segcmp(a, b) : pw_version_cmp(scheme, a, b);
		int ba = field_only ? pw_rpmver_segcmp(b, a) : pw_version_cmp(scheme, b, a);
		if (sign(ab) != want || sign(ba) != -want) {
			print_error("%s:%zu: %s: got %d, mirrored %d\n", name, lineno, text, sign(ab),
				    sign(ba));
			failures++;
		}
		checked++;
	}
	fclose(f);
	print_message("%s: %zu pairs agree, %zu refused as invalid (see above)\n", name,
		      checked, invalid);
	assert_int_equal(failures, 0);
	assert_true(checked >= min_lines);
}

static void debian_generated(void **s) { (void)s; check_file("debian-versions-generated.txt", PW_SCHEME_DEB, false, 14442); }
static void debian_edge(void **s) { (void)s; check_file("debian-versions.txt", PW_SCHEME_DEB, false, 30); }
static void alpine_generated(void **s) { (void)s; check_file("alpine-versions-generated.txt", PW_SCHEME_APK, false, 13979); }
static void alpine_edge(void **s) { (void)s; check_file("alpine-versions.txt", PW_SCHEME_APK, false, 746); }
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
		{ PW_SCHEME_DEB, "", "empty" },
		{ PW_SCHEME_DEB, "   ", "empty" },
		{ PW_SCHEME_DEB, "1 2", "embedded spaces" },
		{ PW_SCHEME_DEB, ":1.0", "epoch" },
		{ PW_SCHEME_DEB, "a:1.0", "not a number" },
		{ PW_SCHEME_DEB, "99999999999:1.0", "too big" },
		{ PW_SCHEME_DEB, "1:", "nothing after colon" },
		{ PW_SCHEME_DEB, "1.0-", "revision" },
		{ PW_SCHEME_DEB, "-1", "upstream version" },
		{ PW_SCHEME_DEB, "1.0!", "invalid character '!'" },
		{ PW_SCHEME_DEB, "1.0-1:2", "not a number" }, /* dpkg splits at the first colon */
		{ PW_SCHEME_DEB, "1.0-1~a_b", "invalid character '_' in revision" },
		{ PW_SCHEME_RPM, "1:2.0-3.el9", NULL },
		{ PW_SCHEME_RPM, "1.0~rc1^git2", NULL },
		{ PW_SCHEME_RPM, "", "empty" },
		{ PW_SCHEME_RPM, "1.0 -1", "space" },
		{ PW_SCHEME_RPM, "1:-1", "version part" },
		{ PW_SCHEME_APK, "1.2.3_rc1-r0", NULL },
		{ PW_SCHEME_APK, "1.0_git20240101~abc123-r2", NULL },
		{ PW_SCHEME_APK, "5.7.1p1-r0", NULL },
		{ PW_SCHEME_APK, "", "empty" },
		{ PW_SCHEME_APK, "1.0_foo", "invalid" },
		{ PW_SCHEME_APK, "1.0-1", "invalid" },
		{ PW_SCHEME_APK, "v1.0", "invalid" },
		{ PW_SCHEME_APK, "1.0-r1_p1", "invalid" },
		{ PW_SCHEME_APK, "1.0~", "invalid" },
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
	int r;
	struct pw_error e;
	assert_int_equal(pw_version_compare(PW_SCHEME_DEB, "1.0", "x:1", &r, &e), PW_ERR_INVALID);
	assert_non_null(strstr(e.msg, "second version"));
	assert_int_equal(pw_version_compare(PW_SCHEME_DEB, "1.0~rc1", "1.0", &r, &e), PW_OK);
	assert_int_equal(r, -1);
}

static void hand_cases(void **state)
{
	(void)state;
	static const struct {
		enum pw_scheme scheme;
		const char *a, *b;
		int want;
	} cases[] = {
		/* dpkg: ~ sorts before the end, binNMUs after the source version */
		{ PW_SCHEME_DEB, "1.0~rc1", "1.0", -1 },
		{ PW_SCHEME_DEB, "1.0", "1.0+b1", -1 },
		{ PW_SCHEME_DEB, "2.36-9+deb12u9", "2.36-9+deb12u10", -1 },
		{ PW_SCHEME_DEB, "1:0.1", "2.0", 1 },
		{ PW_SCHEME_DEB, "1.0-1", "1.0-1", 0 },
		{ PW_SCHEME_DEB, "1.00000000000000000000000000001", "1.1", 0 },
		{ PW_SCHEME_DEB, "1.100000000000000000000000000000", "1.99999999999999999999999", 1 },
		/* rpm: tilde and caret, epochs, numeric beats alpha */
		{ PW_SCHEME_RPM, "1.0~rc1-1", "1.0-1", -1 },
		{ PW_SCHEME_RPM, "1.0^20240101-1", "1.0-1", 1 },
		{ PW_SCHEME_RPM, "1.0^20240101-1", "1.0.1-1", -1 },
		{ PW_SCHEME_RPM, "1:1.0-1", "2.0-1", 1 },
		{ PW_SCHEME_RPM, "0:1.0-1", "1.0-1", 0 },
		{ PW_SCHEME_RPM, "1.0a", "1.0.1", -1 },
		{ PW_SCHEME_RPM, "5.14.0-427.13.1.el9_4", "5.14.0-427.el9", 1 },
		/* apk: suffix order and revisions */
		{ PW_SCHEME_APK, "1.0_alpha1", "1.0_beta1", -1 },
		{ PW_SCHEME_APK, "1.0_rc1", "1.0", -1 },
		{ PW_SCHEME_APK, "1.0", "1.0_p1", -1 },
		{ PW_SCHEME_APK, "1.0-r9", "1.0-r10", -1 },
		{ PW_SCHEME_APK, "1.0_git20240101-r0", "1.0_p1-r0", -1 },
		{ PW_SCHEME_APK, "1.0~abc-r1", "1.0~abd-r1", -1 },
		{ PW_SCHEME_APK, "1.0~abc-r1", "1.0-r1", 1 }, /* apk: a hash token sorts above none */
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
		cmocka_unit_test(validation),       cmocka_unit_test(hand_cases),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
