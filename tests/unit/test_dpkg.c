/* test_dpkg.c - the dpkg status reader on real status files and on every
 * malformed fixture: each has a defined outcome (packages read, warnings that
 * name file:line, or a clear error). The integration test compares whole
 * files with dpkg-query -W. */
#include "pw_test.h"

#include <stdio.h>
#include <string.h>

#include "pw_dpkg.h"
#include "pw_file.h"

struct outcome {
	const char *fixture;   /* under inventory/dpkg/ */
	pw_err rc;
	size_t packages;
	size_t warnings;
	const char *warning;   /* text the first warning (or the error) contains */
};

static const struct outcome outcomes[] = {
	{ "this-host-bookworm/status", PW_OK, 823, 0, NULL },
	{ "trivy/status", PW_OK, 91, 0, NULL },
	{ "osv-scalibr/valid", PW_OK, 7, 0, NULL },
	{ "osv-scalibr/single", PW_OK, 1, 0, NULL },
	{ "osv-scalibr/empty", PW_OK, 0, 0, NULL },
	{ "osv-scalibr/trailingnewlines", PW_OK, 1, 0, NULL },
	{ "osv-scalibr/transitional", PW_OK, 1, 0, NULL },
	{ "osv-scalibr/transitional_dummy", PW_OK, 1, 0, NULL },
	{ "osv-scalibr/transitional_empty", PW_OK, 1, 0, NULL },
	/* dpkg-query refuses the whole file; we keep the good stanzas */
	{ "osv-scalibr/noversion", PW_OK, 2, 1, "noversion:5: package 'acl' has no Version" },
	{ "osv-scalibr/nopackage", PW_OK, 2, 1, "nopackage:5: stanza without a Package field" },
	/* six states, one stanza without Status (not installed, as dpkg says) */
	{ "osv-scalibr/statusfield", PW_OK, 6, 0, NULL },
	{ "osv-scalibr/invalid", PW_ERR_PARSE, 0, 2, "invalid:1: not a dpkg status file" },
};

static void fixtures(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(outcomes) / sizeof(outcomes[0]); i++) {
		const struct outcome *o = &outcomes[i];
		char path[512];
		snprintf(path, sizeof(path), "%s/inventory/dpkg/%s", PW_TEST_DATA, o->fixture);
		struct pw_file f;
		struct pw_error e;
		assert_int_equal(pw_file_read(&f, path, &e), PW_OK);
		struct pw_inventory inv;
		pw_inventory_init(&inv, NULL);
		pw_error_clear(&e);
		pw_err rc = pw_dpkg_parse_status(&inv, f.data, path, false, &e);
		if (rc != o->rc)
			fail_msg("%s: rc %d, want %d (%s)", o->fixture, rc, o->rc, e.msg);
		if (inv.npkgs != o->packages)
			fail_msg("%s: %zu packages, want %zu", o->fixture, inv.npkgs, o->packages);
		if (inv.nwarnings != o->warnings)
			fail_msg("%s: %zu warnings, want %zu (%s)", o->fixture, inv.nwarnings,
				 o->warnings, inv.nwarnings ? inv.warnings[0] : "");
		if (o->warning) {
			const char *text = rc ? e.msg : inv.warnings[0];
			if (!strstr(text, o->warning))
				fail_msg("%s: '%s' lacks '%s'", o->fixture, text, o->warning);
		}
		pw_inventory_free(&inv);
		pw_file_close(&f);
	}
}

static const struct pw_package *find(const struct pw_inventory *inv, const char *name)
{
	for (size_t i = 0; i < inv->npkgs; i++) {
		if (strcmp(inv->pkgs[i].name, name) == 0)
			return &inv->pkgs[i];
	}
	return NULL;
}

static void fields_and_states(void **state)
{
	(void)state;
	static const char text[] =
		"Package: libc6\n"
		"Status: install ok installed\n"
		"Multi-Arch: same\n"
		"Architecture: amd64\n"
		"Source: glibc\n"
		"Version: 2.36-9+deb12u10\n"
		"Description: GNU C Library\n"
		" continuation: with a colon\n"
		"\n"
		"package: libbinnmu\n"   /* field names are case-insensitive */
		"STATUS: install ok installed\n"
		"Source: binnmu-src (1.2-3)\n"
		"Version: 1.2-3+b1\n"
		"Architecture: i386\n"
		"\r\n"
		"Package: half\n"
		"Status: install reinstreq half-installed\n"
		"Version: 1.0\n"
		" \t \n"
		"Package: removed\n"
		"Status: deinstall ok config-files\n"
		"Version: 2.0\n"
		"\n"
		"Package: gone\n"
		"Status: purge ok not-installed\n"
		"\n"
		"Package: weird\n"
		"Status: install ok flying\n"
		"Version: 3\n"
		"\n"
		"Package: truncated\n"
		"Status: install ok installed\n"
		"Version: 9.9";  /* no final newline */
	struct pw_inventory inv;
	struct pw_error e;
	pw_inventory_init(&inv, NULL);
	assert_int_equal(pw_dpkg_parse_status(&inv, pw_blob_cstr(text), "status", false, &e), PW_OK);
	assert_int_equal(inv.npkgs, 6);
	const struct pw_package *p = find(&inv, "libc6");
	assert_string_equal(p->source_name, "glibc");
	assert_string_equal(p->source_version, "2.36-9+deb12u10");
	assert_string_equal(p->multi_arch, "same");
	p = find(&inv, "libbinnmu");
	assert_string_equal(p->source_name, "binnmu-src");
	assert_string_equal(p->source_version, "1.2-3");
	assert_string_equal(p->version, "1.2-3+b1");
	assert_int_equal(find(&inv, "half")->state, PW_STATE_HALF_INSTALLED);
	assert_int_equal(find(&inv, "removed")->state, PW_STATE_CONFIG_FILES);
	assert_null(find(&inv, "gone"));
	assert_int_equal(find(&inv, "weird")->state, PW_STATE_OTHER);
	assert_string_equal(find(&inv, "truncated")->version, "9.9");
	assert_int_equal(inv.nwarnings, 1);
	assert_non_null(strstr(inv.warnings[0], "status:27: package 'weird' has a malformed Status"));

	struct pw_buf b = PW_BUF_INIT;
	assert_int_equal(pw_dpkg_binary_package(find(&inv, "libc6"), "amd64", &b), PW_OK);
	assert_string_equal(b.data, "libc6:amd64");
	pw_buf_reset(&b);
	pw_dpkg_binary_package(find(&inv, "libbinnmu"), "amd64", &b);
	assert_string_equal(b.data, "libbinnmu:i386");
	pw_buf_reset(&b);
	pw_dpkg_binary_package(find(&inv, "half"), "amd64", &b);
	assert_string_equal(b.data, "half");
	pw_buf_free(&b);
	pw_inventory_free(&inv);
}

static void garbage_and_distroless(void **state)
{
	(void)state;
	static const char garbage[] = "\x7f" "ELF\x02\x01\x01\0\0\0binary\n\n\xff\xfe";
	struct pw_inventory inv;
	struct pw_error e;
	pw_inventory_init(&inv, NULL);
	assert_int_equal(pw_dpkg_parse_status(&inv, pw_blob(garbage, sizeof(garbage) - 1), "bin",
					      false, &e),
			 PW_ERR_PARSE);
	assert_non_null(strstr(e.msg, "bin:1:"));
	pw_inventory_free(&inv);

	/* distroless: status.d/ stanzas have no Status and are installed */
	char root[512];
	snprintf(root, sizeof(root), "%s/inventory/dpkg/osv-scalibr/distroless-root", PW_TEST_DATA);
	pw_inventory_init(&inv, root);
	assert_int_equal(pw_dpkg_collect(&inv, &e), PW_OK);
	assert_true(inv.has_dpkg);
	assert_int_equal(inv.npkgs, 2); /* foo.md5sums is not read */
	assert_int_equal(find(&inv, "foo")->state, PW_STATE_INSTALLED);
	assert_int_equal(find(&inv, "bar")->state, PW_STATE_CONFIG_FILES);
	pw_inventory_free(&inv);

	pw_inventory_init(&inv, "/nonexistent-root");
	assert_int_equal(pw_dpkg_collect(&inv, &e), PW_ERR_NOTFOUND);
	assert_false(inv.has_dpkg);
	pw_inventory_free(&inv);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(fixtures),
		cmocka_unit_test(fields_and_states),
		cmocka_unit_test(garbage_and_distroless),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
