/* test_rpmdb.c - the two real rpm databases (sqlite and Berkeley DB) read
 * through rpm 4.18 must give exactly expected-packages.tsv; malformed rpm
 * output is skipped with warnings; a missing rpm program is a clear error. */
#include "pw_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pw_buf.h"
#include "pw_file.h"
#include "pw_rpmdb.h"

/* Copy a fixture database into a fresh temporary directory (rpm wants to
 * write lock and -shm files beside an sqlite database). */
static char *copy_db(const char *fixture)
{
	char tmpl[] = "/tmp/pw-rpmdb-XXXXXX";
	char *dir = mkdtemp(tmpl);
	assert_non_null(dir);
	char cmd[1024];
	snprintf(cmd, sizeof(cmd), "cp -r '%s/inventory/rpm/%s/.' '%s'", PW_TEST_DATA, fixture, dir);
	assert_int_equal(system(cmd), 0);
	return strdup(dir);
}

static void remove_dir(char *dir)
{
	char cmd[1024];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
	free(dir);
}

static int cmp_lines(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void matches_expected(const char *fixture, size_t count)
{
	char *dir = copy_db(fixture);
	struct pw_inventory inv;
	struct pw_error e;
	pw_inventory_init(&inv, "/nonexistent-root");
	pw_err rc = pw_rpmdb_collect(&inv, dir, &e);
	if (rc)
		fail_msg("%s: %s", fixture, e.msg);
	assert_true(inv.has_rpm);
	assert_int_equal(inv.npkgs, count);

	/* ours, as expected-packages.tsv lines, sorted */
	char **lines = calloc(inv.npkgs, sizeof(*lines));
	for (size_t i = 0; i < inv.npkgs; i++) {
		const struct pw_package *p = &inv.pkgs[i];
		struct pw_buf b = PW_BUF_INIT;
		pw_buf_addf(&b, "%s\t%s\t%s\t%s\t%s\t%s", p->name, p->rpm_epoch ? p->rpm_epoch : "0",
			    p->rpm_version, p->rpm_release, p->arch,
			    p->rpm_sourcerpm ? p->rpm_sourcerpm : "");
		lines[i] = pw_buf_detach(&b);
	}
	qsort(lines, inv.npkgs, sizeof(*lines), cmp_lines);

	char path[512];
	snprintf(path, sizeof(path), "%s/inventory/rpm/%s/expected-packages.tsv", PW_TEST_DATA, fixture);
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	char **want = calloc(count + 1, sizeof(*want));
	char buf[1024];
	size_t n = 0;
	while (fgets(buf, sizeof(buf), f) && n <= count) {
		buf[strcspn(buf, "\n")] = '\0';
		want[n++] = strdup(buf);
	}
	fclose(f);
	assert_int_equal(n, count);
	qsort(want, n, sizeof(*want), cmp_lines);
	for (size_t i = 0; i < n; i++)
		assert_string_equal(lines[i], want[i]);
	for (size_t i = 0; i < n; i++) {
		free(lines[i]);
		free(want[i]);
	}
	free(lines);
	free(want);

	/* epochs and source packages */
	for (size_t i = 0; i < inv.npkgs; i++) {
		const struct pw_package *p = &inv.pkgs[i];
		if (strcmp(p->name, "ca-certificates-base") == 0) {
			assert_string_equal(p->version, "1:2.0.0-1.cm2");
			assert_string_equal(p->source_name, "ca-certificates");
			assert_string_equal(p->source_version, "2.0.0-1.cm2");
		}
		if (strcmp(p->name, "libuuid") == 0) {
			assert_string_equal(p->source_name, "util-linux");
			assert_string_equal(p->version, "2.32.1-42.el8_8");
		}
	}
	pw_inventory_free(&inv);
	remove_dir(dir);
}

static void sqlite_db(void **state) { (void)state; matches_expected("cbl-mariner-2.0", 129); }
static void bdb_db(void **state) { (void)state; matches_expected("libuuid-bdb", 1); }

static void malformed_output(void **state)
{
	(void)state;
	static const char out[] =
		"bash\t(none)\t5.1.8\t1.cm2\tx86_64\tbash-5.1.8-1.cm2.src.rpm\n"
		"gpg-pubkey\t(none)\t3135ce90\t5e6fda74\t(none)\t(none)\n"
		"short\tline\n"
		"\t(none)\t1\t1\tx86_64\tx-1-1.src.rpm\n"
		"odd\t2\t1.0\t3\tnoarch\tnot-a-source-rpm\n"
		"toomany\t(none)\t1\t1\tx86_64\ta-1-1.src.rpm\textra\n";
	struct pw_inventory inv;
	struct pw_error e;
	pw_inventory_init(&inv, NULL);
	assert_int_equal(pw_rpmdb_parse_qf(&inv, pw_blob_cstr(out), &e), PW_OK);
	assert_int_equal(inv.npkgs, 3);
	assert_string_equal(inv.pkgs[1].name, "gpg-pubkey");
	assert_string_equal(inv.pkgs[1].source_name, "gpg-pubkey");
	assert_string_equal(inv.pkgs[2].version, "2:1.0-3");
	assert_string_equal(inv.pkgs[2].source_name, "odd");
	assert_int_equal(inv.nwarnings, 3);
	assert_non_null(strstr(inv.warnings[0], "rpm output line 3"));
	pw_inventory_free(&inv);
}

static void missing_rpm_program(void **state)
{
	(void)state;
	char *dir = copy_db("libuuid-bdb");
	char *old = getenv("PATH") ? strdup(getenv("PATH")) : NULL;
	setenv("PATH", "/nonexistent", 1);
	struct pw_inventory inv;
	struct pw_error e;
	pw_inventory_init(&inv, NULL);
	assert_int_equal(pw_rpmdb_collect(&inv, dir, &e), PW_ERR_EXEC);
	assert_non_null(strstr(e.msg, "install the rpm package"));
	pw_inventory_free(&inv);
	if (old) {
		setenv("PATH", old, 1);
		free(old);
	}
	/* no database at all */
	pw_inventory_init(&inv, "/nonexistent-root");
	assert_int_equal(pw_rpmdb_collect(&inv, NULL, &e), PW_ERR_NOTFOUND);
	assert_false(inv.has_rpm);
	pw_inventory_free(&inv);
	remove_dir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(sqlite_db),
		cmocka_unit_test(bdb_db),
		cmocka_unit_test(malformed_output),
		cmocka_unit_test(missing_rpm_program),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
