/* test_apkdb.c - Alpine's installed database on every fixture.
 *
 * Each fixture's outcome (packages with their fields, warnings naming
 * file:line, or the error) is a line of
 * tests/data/inventory/apk/cases/outcomes, one test each. No apk-tools runs
 * here, so the expected packages were read off the files by hand. Long
 * lines, the warning cap and the collector's errors are generated here.
 */
#include "pw_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pw_apkdb.h"
#include "pw_buf.h"
#include "pw_file.h"

#define APK_DATA PW_TEST_DATA "/inventory/apk"
#define MAX_CASES 64
#define MAX_ITEMS 32

struct item {
	char kind; /* 'w' warning, 'e' error, 'p' package */
	char *text;
};

struct expect {
	char *fixture, *how, *result;
	size_t packages, warnings;
	struct item items[MAX_ITEMS];
	size_t nitems;
	char name[300];
};

static struct expect cases[MAX_CASES];
static size_t ncases;
static char *outcomes_text;

static void load_outcomes(void)
{
	struct pw_file f;
	struct pw_error e;
	if (pw_file_read(&f, APK_DATA "/cases/outcomes", &e) != PW_OK) {
		fprintf(stderr, "%s\n", e.msg);
		exit(1);
	}
	outcomes_text = calloc(1, f.data.len + 1);
	memcpy(outcomes_text, f.data.ptr, f.data.len);
	pw_file_close(&f);
	char *save = NULL;
	for (char *line = strtok_r(outcomes_text, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		if (line[0] == '#')
			continue;
		if (line[0] == ' ') {
			while (*line == ' ')
				line++;
			if (!ncases || cases[ncases - 1].nitems == MAX_ITEMS)
				abort();
			struct expect *x = &cases[ncases - 1];
			char *sp = strchr(line, ' ');
			if (!sp)
				abort();
			*sp = '\0';
			char kind = strcmp(line, "warning") == 0 ? 'w'
				    : strcmp(line, "error") == 0 ? 'e'
				    : strcmp(line, "package") == 0 ? 'p' : 0;
			if (!kind)
				abort();
			x->items[x->nitems++] = (struct item){ kind, sp + 1 };
			continue;
		}
		if (ncases == MAX_CASES)
			abort();
		struct expect *x = &cases[ncases++];
		char *f4, *f5, *s2 = NULL;
		x->fixture = strtok_r(line, " ", &s2);
		x->how = strtok_r(NULL, " ", &s2);
		x->result = strtok_r(NULL, " ", &s2);
		f4 = strtok_r(NULL, " ", &s2);
		f5 = strtok_r(NULL, " ", &s2);
		if (!x->fixture || !x->how || !x->result || !f4 || !f5)
			abort();
		x->packages = strtoul(f4, NULL, 10);
		x->warnings = strtoul(f5, NULL, 10);
	}
}

/* "name version key=value..." against one package */
static bool package_matches(const struct pw_package *p, const char *spec)
{
	char buf[512];
	snprintf(buf, sizeof(buf), "%s", spec);
	char *save = NULL;
	const char *name = strtok_r(buf, " ", &save), *version = strtok_r(NULL, " ", &save);
	if (!name || !version || strcmp(p->name, name) != 0 || strcmp(p->version, version) != 0)
		return false;
	for (char *kv = strtok_r(NULL, " ", &save); kv; kv = strtok_r(NULL, " ", &save)) {
		char *eq = strchr(kv, '=');
		assert_non_null(eq);
		*eq = '\0';
		char have[256];
		if (strcmp(kv, "arch") == 0)
			snprintf(have, sizeof(have), "%s", p->arch);
		else if (strcmp(kv, "source") == 0)
			snprintf(have, sizeof(have), "%s/%s", p->source_name, p->source_version);
		else
			fail_msg("unknown key '%s' in outcomes", kv);
		if (strcmp(have, eq + 1) != 0)
			return false;
	}
	return p->family == PW_FAMILY_APK && p->state == PW_STATE_INSTALLED;
}

static void check_outcome(void **state)
{
	const struct expect *x = *state;
	char path[512];
	struct pw_inventory inv;
	struct pw_error e;
	pw_err rc;

	snprintf(path, sizeof(path), "%s/%s", APK_DATA, x->fixture);
	pw_error_clear(&e);
	if (strcmp(x->how, "root") == 0) {
		pw_inventory_init(&inv, path);
		rc = pw_apkdb_collect(&inv, &e);
		assert_true(inv.has_apk);
	} else {
		struct pw_file f;
		assert_int_equal(pw_file_read(&f, path, &e), PW_OK);
		pw_inventory_init(&inv, NULL);
		rc = pw_apkdb_parse_installed(&inv, f.data, path, &e);
		pw_file_close(&f);
	}
	pw_err want = strcmp(x->result, "ok") == 0 ? PW_OK : PW_ERR_PARSE;
	if (rc != want)
		fail_msg("%s: rc %d (%s), want %s", x->fixture, rc, e.msg, x->result);
	for (size_t i = 0; i < inv.nwarnings; i++)
		printf("    warning: %s\n", inv.warnings[i]);
	if (inv.npkgs != x->packages || inv.nwarnings != x->warnings)
		fail_msg("%s: %zu packages and %zu warnings, want %zu and %zu", x->fixture, inv.npkgs,
			 inv.nwarnings, x->packages, x->warnings);
	size_t w = 0;
	for (size_t i = 0; i < x->nitems; i++) {
		const struct item *it = &x->items[i];
		char needle[512];
		snprintf(needle, sizeof(needle), "/%s", it->text);
		if (it->kind == 'w') {
			if (w >= inv.nwarnings || !strstr(inv.warnings[w], needle))
				fail_msg("%s: warning %zu is '%s', want it to contain '%s'", x->fixture,
					 w + 1, w < inv.nwarnings ? inv.warnings[w] : "(none)", needle);
			w++;
		} else if (it->kind == 'e') {
			if (!strstr(e.msg, needle))
				fail_msg("%s: error '%s' lacks '%s'", x->fixture, e.msg, needle);
		} else {
			bool found = false;
			for (size_t k = 0; k < inv.npkgs && !found; k++)
				found = package_matches(&inv.pkgs[k], it->text);
			if (!found)
				fail_msg("%s: no package '%s'", x->fixture, it->text);
		}
	}
	pw_inventory_free(&inv);
}

/* A 1 MiB file-name line and a 100 KiB version: read whole, and the warning
 * about the version quotes only its start. */
static void long_lines(void **state)
{
	(void)state;
	struct pw_buf b = PW_BUF_INIT;
	pw_buf_adds(&b, "P:long\nV:1.0-r0\nR:");
	for (size_t i = 0; i < (1 << 20); i++)
		pw_buf_addc(&b, 'f');
	pw_buf_adds(&b, "\n\nP:longversion\nV:1.");
	for (size_t i = 0; i < 100000; i++)
		pw_buf_addc(&b, 'x');
	assert_int_equal(pw_buf_adds(&b, "\n"), PW_OK);

	struct pw_inventory inv;
	struct pw_error e;
	pw_inventory_init(&inv, NULL);
	assert_int_equal(pw_apkdb_parse_installed(&inv, pw_blob(b.data, b.len), "installed", &e),
			 PW_OK);
	assert_int_equal(inv.npkgs, 2);
	assert_int_equal(strlen(inv.pkgs[1].version), 100002);
	assert_int_equal(inv.nwarnings, 1);
	assert_non_null(strstr(inv.warnings[0], "installed:5: package 'longversion' has an invalid"));
	assert_true(strlen(inv.warnings[0]) < 300);
	pw_inventory_free(&inv);
	pw_buf_free(&b);
}

/* 10,000 bad lines give 50 warnings, not 10,000. */
static void warning_cap(void **state)
{
	(void)state;
	struct pw_buf b = PW_BUF_INIT;
	for (int i = 0; i < 10000; i++)
		pw_buf_adds(&b, "not a field\n");
	struct pw_inventory inv;
	struct pw_error e;
	pw_inventory_init(&inv, NULL);
	assert_int_equal(pw_apkdb_parse_installed(&inv, pw_blob(b.data, b.len), "bad", &e),
			 PW_ERR_PARSE);
	assert_int_equal(inv.nwarnings, 50);
	assert_non_null(strstr(inv.warnings[49], "bad:50: too many problems"));
	pw_inventory_free(&inv);
	pw_buf_free(&b);
}

/* No data: nothing; no database: PW_ERR_NOTFOUND; one that cannot be read:
 * PW_ERR_IO. */
static void collect_errors(void **state)
{
	(void)state;
	struct pw_inventory inv;
	struct pw_error e;
	/* no data at all, not even a pointer: nothing, and no complaint */
	pw_inventory_init(&inv, NULL);
	assert_int_equal(pw_apkdb_parse_installed(&inv, PW_BLOB_NULL, "none", &e), PW_OK);
	assert_int_equal(inv.npkgs + inv.nwarnings, 0);
	pw_inventory_free(&inv);

	pw_inventory_init(&inv, "/nonexistent-root");
	assert_int_equal(pw_apkdb_collect(&inv, &e), PW_ERR_NOTFOUND);
	assert_false(inv.has_apk);
	pw_inventory_free(&inv);

	char root[] = "/tmp/pw-test-apk-XXXXXX", dir[600];
	assert_non_null(mkdtemp(root));
	static const char *const parts[] = { "/lib", "/lib/apk", "/lib/apk/db",
					     "/lib/apk/db/installed" };
	for (size_t i = 0; i < 4; i++) {
		snprintf(dir, sizeof(dir), "%s%s", root, parts[i]);
		assert_int_equal(mkdir(dir, 0755), 0);
	}
	pw_inventory_init(&inv, root);
	pw_error_clear(&e);
	assert_int_equal(pw_apkdb_collect(&inv, &e), PW_ERR_IO);
	assert_true(inv.has_apk);
	assert_non_null(strstr(e.msg, "/lib/apk/db/installed: is a directory"));
	pw_inventory_free(&inv);
	for (size_t i = 4; i-- > 0;) {
		snprintf(dir, sizeof(dir), "%s%s", root, parts[i]);
		rmdir(dir);
	}
	rmdir(root);
}

int main(void)
{
	static struct CMUnitTest tests[MAX_CASES + 4];
	size_t n = 0;

	load_outcomes();
	for (size_t i = 0; i < ncases; i++) {
		struct expect *x = &cases[i];
		snprintf(x->name, sizeof(x->name), "%s (%s)", x->fixture, x->how);
		tests[n++] = (struct CMUnitTest){ x->name, check_outcome, NULL, NULL, x };
	}
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(long_lines);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(warning_cap);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(collect_errors);
	int failed = _cmocka_run_group_tests("apkdb", tests, n, NULL, NULL);
	free(outcomes_text);
	return failed;
}
