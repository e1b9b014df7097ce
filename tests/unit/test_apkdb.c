/* test_apkdb.c - Alpine's installed database on every fixture: real files
 * read exactly, malformed ones with a defined outcome. */
#include "pw_test.h"

#include <stdio.h>
#include <string.h>

#include "pw_apkdb.h"
#include "pw_file.h"

struct outcome {
	const char *fixture; /* under inventory/apk/ */
	pw_err rc;
	size_t packages, warnings;
	const char *text;    /* the error or first warning contains it */
};

static const struct outcome outcomes[] = {
	{ "osv-scalibr/installed", PW_OK, 15, 0, NULL },
	{ "syft/multiple-2-installed", PW_OK, 14, 0, NULL },
	{ "osv-scalibr/single", PW_OK, 1, 0, NULL },
	{ "osv-scalibr/different-arch", PW_OK, 1, 0, NULL },
	{ "osv-scalibr/no-origin", PW_OK, 1, 0, NULL },
	{ "osv-scalibr/empty", PW_OK, 0, 0, NULL },
	/* "this is a corrupt db" then a good record: kept, with a warning */
	{ "syft/corrupt-installed", PW_OK, 1, 1, "corrupt-installed:1: line is not 'X:value'" },
	{ "osv-scalibr/invalid", PW_ERR_PARSE, 0, 2, "invalid:1: not an apk installed database" },
};

static struct pw_package *find(struct pw_inventory *inv, const char *name)
{
	for (size_t i = 0; i < inv->npkgs; i++) {
		if (strcmp(inv->pkgs[i].name, name) == 0)
			return &inv->pkgs[i];
	}
	return NULL;
}

static void parse(struct pw_inventory *inv, const char *fixture, pw_err *rc, struct pw_error *e)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/inventory/apk/%s", PW_TEST_DATA, fixture);
	struct pw_file f;
	assert_int_equal(pw_file_read(&f, path, e), PW_OK);
	pw_inventory_init(inv, NULL);
	pw_error_clear(e);
	*rc = pw_apkdb_parse_installed(inv, f.data, path, e);
	pw_file_close(&f);
}

static void fixtures(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(outcomes) / sizeof(outcomes[0]); i++) {
		const struct outcome *o = &outcomes[i];
		struct pw_inventory inv;
		struct pw_error e;
		pw_err rc;
		parse(&inv, o->fixture, &rc, &e);
		if (rc != o->rc || inv.npkgs != o->packages || inv.nwarnings != o->warnings)
			fail_msg("%s: rc %d pkgs %zu warnings %zu, want %d %zu %zu (%s)", o->fixture, rc,
				 inv.npkgs, inv.nwarnings, o->rc, o->packages, o->warnings, e.msg);
		if (o->text && !strstr(rc ? e.msg : inv.warnings[0], o->text))
			fail_msg("%s: '%s' lacks '%s'", o->fixture, rc ? e.msg : inv.warnings[0],
				 o->text);
		pw_inventory_free(&inv);
	}
}

static void exact_records(void **state)
{
	(void)state;
	struct pw_inventory inv;
	struct pw_error e;
	pw_err rc;
	parse(&inv, "osv-scalibr/installed", &rc, &e);
	struct pw_package *p = find(&inv, "alpine-baselayout");
	assert_non_null(p);
	assert_string_equal(p->version, "3.4.3-r1");
	assert_string_equal(p->arch, "x86_64");
	assert_string_equal(p->source_name, "alpine-baselayout");
	assert_int_equal(p->family, PW_FAMILY_APK);
	pw_inventory_free(&inv);

	parse(&inv, "osv-scalibr/single", &rc, &e);
	assert_string_equal(inv.pkgs[0].name, "alpine-baselayout-data");
	assert_string_equal(inv.pkgs[0].source_name, "alpine-baselayout"); /* origin */
	pw_inventory_free(&inv);

	parse(&inv, "osv-scalibr/no-origin", &rc, &e);
	assert_string_equal(inv.pkgs[0].source_name, "pkgname"); /* falls back to the name */
	assert_string_equal(inv.pkgs[0].version, "1.2.3");
	pw_inventory_free(&inv);

	parse(&inv, "osv-scalibr/different-arch", &rc, &e);
	assert_string_equal(inv.pkgs[0].arch, "noarch");
	pw_inventory_free(&inv);
}

static void missing_fields(void **state)
{
	(void)state;
	static const char text[] = "P:noversion\nA:x86_64\n\nV:1.0-r0\n\nP:ok\nV:2.0-r1\r\n";
	struct pw_inventory inv;
	struct pw_error e;
	pw_inventory_init(&inv, NULL);
	assert_int_equal(pw_apkdb_parse_installed(&inv, pw_blob_cstr(text), "installed", &e), PW_OK);
	assert_int_equal(inv.npkgs, 1);
	assert_string_equal(inv.pkgs[0].version, "2.0-r1");
	assert_int_equal(inv.nwarnings, 2);
	assert_non_null(strstr(inv.warnings[0], "installed:1: package 'noversion'"));
	assert_non_null(strstr(inv.warnings[1], "installed:4: record without a P:"));
	pw_inventory_free(&inv);

	pw_inventory_init(&inv, "/nonexistent-root");
	assert_int_equal(pw_apkdb_collect(&inv, &e), PW_ERR_NOTFOUND);
	pw_inventory_free(&inv);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(fixtures),
		cmocka_unit_test(exact_records),
		cmocka_unit_test(missing_fields),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
