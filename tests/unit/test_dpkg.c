/* test_dpkg.c - the dpkg status reader against its ground truth.
 *
 * Every fixture's outcome (packages, warnings naming file:line, or the
 * error) is a line of tests/data/inventory/dpkg/cases/outcomes, one test
 * each. Where dpkg-query accepts a fixture, what we list must equal what
 * `dpkg-query --admindir=DIR -W -f='${binary:Package} ${Version}\n'` lists,
 * line for line after sorting, and so must this host's own database; where
 * it refuses one, the test checks that it really does. Long lines, the
 * warning cap and the collector's errors are generated here.
 */
#include "pw_test.h"
#include <errno.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pw_dpkg.h"
#include "pw_exec.h"
#include "pw_file.h"

#define DPKG_DATA PW_TEST_DATA "/inventory/dpkg"
#define MAX_CASES 128
#define MAX_ITEMS 32

struct item {
	char kind; /* 'w' warning, 'e' error, 'p' package */
	char *text;
};

struct expect {
	char *fixture, *how, *dpkg, *result;
	size_t packages, warnings;
	struct item items[MAX_ITEMS];
	size_t nitems;
	char name[300], query_name[300];
};

static struct expect cases[MAX_CASES];
static size_t ncases;
static char *outcomes_text;

/* ---- reading the outcomes file ---- */

static void load_outcomes(void)
{
	struct pw_file f;
	struct pw_error e;
	if (pw_file_read(&f, DPKG_DATA "/cases/outcomes", &e) != PW_OK) {
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
		char *f5 = NULL, *f6 = NULL, *s2 = NULL;
		x->fixture = strtok_r(line, " ", &s2);
		x->how = strtok_r(NULL, " ", &s2);
		x->dpkg = strtok_r(NULL, " ", &s2);
		x->result = strtok_r(NULL, " ", &s2);
		f5 = strtok_r(NULL, " ", &s2);
		f6 = strtok_r(NULL, " ", &s2);
		if (!x->fixture || !x->how || !x->dpkg || !x->result || !f5 || !f6)
			abort();
		x->packages = strtoul(f5, NULL, 10);
		x->warnings = strtoul(f6, NULL, 10);
	}
}

/* ---- helpers ---- */

static pw_err read_fixture(struct pw_inventory *inv, const struct expect *x, struct pw_error *e)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/%s", DPKG_DATA, x->fixture);
	if (strcmp(x->how, "root") == 0) {
		pw_inventory_init(inv, path);
		return pw_dpkg_collect(inv, e);
	}
	struct pw_file f;
	assert_int_equal(pw_file_read(&f, path, e), PW_OK);
	pw_inventory_init(inv, NULL);
	pw_err rc = pw_dpkg_parse_status(inv, f.data, path, strcmp(x->how, "status.d") == 0, e);
	pw_file_close(&f);
	return rc;
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
		const char *want = eq + 1;
		char have[256];
		if (strcmp(kv, "arch") == 0)
			snprintf(have, sizeof(have), "%s", p->arch);
		else if (strcmp(kv, "source") == 0)
			snprintf(have, sizeof(have), "%s/%s", p->source_name, p->source_version);
		else if (strcmp(kv, "state") == 0)
			snprintf(have, sizeof(have), "%s", pw_state_name(p->state));
		else if (strcmp(kv, "multi-arch") == 0)
			snprintf(have, sizeof(have), "%s", p->multi_arch ? p->multi_arch : "");
		else
			fail_msg("unknown key '%s' in outcomes", kv);
		if (strcmp(have, want) != 0)
			return false;
	}
	return true;
}

static void check_outcome(void **state)
{
	const struct expect *x = *state;
	struct pw_inventory inv;
	struct pw_error e;
	pw_error_clear(&e);
	pw_err rc = read_fixture(&inv, x, &e);
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

/* Run argv; its stdout into out. The comparison is the point of these
 * tests, so a tool that cannot run fails them (the suite runs on Debian,
 * where dpkg is always there) instead of skipping them unseen. */
static int run_tool(const char *const argv[], struct pw_buf *out)
{
	struct pw_error e;
	int status = -1;
	if (pw_exec_capture(argv, out, NULL, &status, &e) != PW_OK)
		fail_msg("%s: cannot run: %s", argv[0], e.msg);
	return status;
}

static const char *native_arch(void)
{
	static char arch[64];
	if (!arch[0]) {
		const char *argv[] = { "dpkg", "--print-architecture", NULL };
		struct pw_buf out = PW_BUF_INIT;
		assert_int_equal(run_tool(argv, &out), 0);
		assert_non_null(out.data);
		snprintf(arch, sizeof(arch), "%.*s", (int)strcspn(out.data, "\n"), out.data);
		pw_buf_free(&out);
	}
	return arch;
}

static int cmp_lines(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Split text into sorted lines (in place). */
static size_t sorted_lines(char *text, char ***lines)
{
	size_t n = 0, cap = 0;
	char *save = NULL;
	*lines = NULL;
	for (char *l = text ? strtok_r(text, "\n", &save) : NULL; l; l = strtok_r(NULL, "\n", &save)) {
		if (n == cap) {
			cap = cap ? cap * 2 : 256;
			*lines = realloc(*lines, cap * sizeof(**lines));
			assert_non_null(*lines);
		}
		(*lines)[n++] = l;
	}
	if (n)
		qsort(*lines, n, sizeof(**lines), cmp_lines);
	return n;
}

/* Our "${binary:Package} ${Version}" lines for inv against dpkg-query's. */
static void compare_listing(const char *what, const struct pw_inventory *inv, char *theirs_text)
{
	struct pw_buf ours_text = PW_BUF_INIT;
	const char *native = native_arch();
	for (size_t i = 0; i < inv->npkgs; i++) {
		assert_int_equal(pw_dpkg_binary_package(&inv->pkgs[i], native, &ours_text), PW_OK);
		assert_int_equal(pw_buf_addf(&ours_text, " %s\n", inv->pkgs[i].version), PW_OK);
	}
	char **ours, **theirs;
	size_t n_ours = sorted_lines(ours_text.data, &ours);
	size_t n_theirs = sorted_lines(theirs_text, &theirs);
	for (size_t i = 0; i < n_ours && i < n_theirs; i++) {
		if (strcmp(ours[i], theirs[i]) != 0)
			fail_msg("%s: line %zu: ours '%s', dpkg-query '%s'", what, i + 1, ours[i],
				 theirs[i]);
	}
	if (n_ours != n_theirs)
		fail_msg("%s: %zu lines, dpkg-query %zu", what, n_ours, n_theirs);
	printf("    %s: %zu packages, as dpkg-query lists them\n", what, n_ours);
	free(ours);
	free(theirs);
	pw_buf_free(&ours_text);
}

static void write_file(const char *path, const void *data, size_t len)
{
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

/* dpkg-query -W on the fixture in a temporary admin directory. */
static void check_dpkg_query(void **state)
{
	const struct expect *x = *state;
	char path[512], dir[] = "/tmp/pw-test-dpkg-XXXXXX", status[600], updates[600];
	char admindir[600];
	struct pw_error e;
	struct pw_file f;

	snprintf(path, sizeof(path), "%s/%s", DPKG_DATA, x->fixture);
	assert_non_null(mkdtemp(dir));
	snprintf(status, sizeof(status), "%s/status", dir);
	snprintf(updates, sizeof(updates), "%s/updates", dir);
	snprintf(admindir, sizeof(admindir), "--admindir=%s", dir);
	assert_int_equal(pw_file_read(&f, path, &e), PW_OK);
	write_file(status, f.data.ptr, f.data.len);
	assert_int_equal(mkdir(updates, 0755), 0);

	const char *argv[] = { "dpkg-query", admindir, "-W", "-f=${binary:Package} ${Version}\n",
			       NULL };
	struct pw_buf out = PW_BUF_INIT;
	int status_code = run_tool(argv, &out);
	unlink(status);
	rmdir(updates);
	rmdir(dir);

	if (strcmp(x->dpkg, "refuses") == 0) {
		if (status_code == 0)
			fail_msg("%s: dpkg-query accepts it now; compare instead", x->fixture);
	} else {
		assert_int_equal(status_code, 0);
		struct pw_inventory inv;
		pw_inventory_init(&inv, NULL);
		assert_int_equal(pw_dpkg_parse_status(&inv, f.data, path, false, &e), PW_OK);
		compare_listing(x->fixture, &inv, out.data);
		pw_inventory_free(&inv);
	}
	pw_file_close(&f);
	pw_buf_free(&out);
}

/* This host's own database, read by the collector, against dpkg-query. */
static void this_host(void **state)
{
	(void)state;
	if (access("/var/lib/dpkg/status", R_OK) != 0)
		fail_msg("/var/lib/dpkg/status: %s (this host has no dpkg database to compare)",
			 strerror(errno));
	const char *argv[] = { "dpkg-query", "-W", "-f=${binary:Package} ${Version}\n", NULL };
	struct pw_buf out = PW_BUF_INIT;
	assert_int_equal(run_tool(argv, &out), 0);
	struct pw_inventory inv;
	struct pw_error e;
	pw_inventory_init(&inv, "/");
	assert_int_equal(pw_dpkg_collect(&inv, &e), PW_OK);
	assert_true(inv.has_dpkg);
	assert_int_equal(inv.nwarnings, 0);
	compare_listing("this host", &inv, out.data);
	pw_inventory_free(&inv);
	pw_buf_free(&out);
}

/* ---- generated inputs ---- */

static void binary_package(void **state)
{
	(void)state;
	static const struct {
		const char *name, *arch, *multi_arch, *native, *want;
	} rows[] = {
		{ "libc6", "amd64", "same", "amd64", "libc6:amd64" },
		{ "libc6", "i386", "same", "amd64", "libc6:i386" },
		{ "libx", "amd64", "SAME", "amd64", "libx:amd64" },
		{ "tool", "arm64", "foreign", "amd64", "tool:arm64" },
		{ "tool", "amd64", "foreign", "amd64", "tool" },
		{ "doc", "all", NULL, "amd64", "doc" },
		{ "doc", "all", "same", "amd64", "doc:all" },
		{ "bare", "", "same", "amd64", "bare" },
		{ "bare", NULL, NULL, "amd64", "bare" },
		{ "nonative", "amd64", NULL, NULL, "nonative:amd64" },
	};
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct pw_package p = { .name = rows[i].name, .arch = rows[i].arch,
					.multi_arch = rows[i].multi_arch };
		struct pw_buf b = PW_BUF_INIT;
		assert_int_equal(pw_dpkg_binary_package(&p, rows[i].native, &b), PW_OK);
		assert_string_equal(b.data, rows[i].want);
		pw_buf_free(&b);
	}
}

/* A 1 MiB Description line, a 1 MiB continuation, a 100 KiB Version: read
 * whole, and the warning about the Version quotes only its start. */
static void long_lines(void **state)
{
	(void)state;
	const size_t big = 1 << 20;
	struct pw_buf b = PW_BUF_INIT;
	assert_int_equal(pw_buf_adds(&b, "Package: long\nStatus: install ok installed\n"
					 "Version: 1.0\nDescription: "), PW_OK);
	for (size_t i = 0; i < big; i++)
		pw_buf_addc(&b, 'd');
	pw_buf_adds(&b, "\n ");
	for (size_t i = 0; i < big; i++)
		pw_buf_addc(&b, 'c');
	pw_buf_adds(&b, "\n\nPackage: longversion\nStatus: install ok installed\nVersion: 1.");
	for (size_t i = 0; i < 100000; i++)
		pw_buf_addc(&b, '_');
	assert_int_equal(pw_buf_adds(&b, "\n"), PW_OK);

	struct pw_inventory inv;
	struct pw_error e;
	pw_inventory_init(&inv, NULL);
	assert_int_equal(pw_dpkg_parse_status(&inv, pw_blob(b.data, b.len), "long", false, &e),
			 PW_OK);
	assert_int_equal(inv.npkgs, 2);
	assert_string_equal(inv.pkgs[0].version, "1.0");
	assert_int_equal(strlen(inv.pkgs[1].version), 100002);
	assert_int_equal(inv.nwarnings, 1);
	assert_non_null(strstr(inv.warnings[0], "long:7: package 'longversion' has an invalid"));
	assert_true(strlen(inv.warnings[0]) < 300);
	pw_inventory_free(&inv);
	pw_buf_free(&b);
}

/* A file of 10,000 bad lines gives 50 warnings, not 10,000. */
static void warning_cap(void **state)
{
	(void)state;
	struct pw_buf b = PW_BUF_INIT;
	for (int i = 0; i < 10000; i++)
		pw_buf_adds(&b, "no colon here\n");
	struct pw_inventory inv;
	struct pw_error e;
	pw_inventory_init(&inv, NULL);
	assert_int_equal(pw_dpkg_parse_status(&inv, pw_blob(b.data, b.len), "bad", false, &e),
			 PW_ERR_PARSE);
	assert_int_equal(inv.nwarnings, 50);
	assert_non_null(strstr(inv.warnings[49], "bad:50: too many problems"));
	assert_non_null(strstr(e.msg, "bad:1: not a dpkg status file"));
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
	assert_int_equal(pw_dpkg_parse_status(&inv, PW_BLOB_NULL, "none", false, &e), PW_OK);
	assert_int_equal(inv.npkgs + inv.nwarnings, 0);
	pw_inventory_free(&inv);

	pw_inventory_init(&inv, "/nonexistent-root");
	assert_int_equal(pw_dpkg_collect(&inv, &e), PW_ERR_NOTFOUND);
	assert_false(inv.has_dpkg);
	pw_inventory_free(&inv);

	char root[] = "/tmp/pw-test-dpkg-XXXXXX", dir[600];
	assert_non_null(mkdtemp(root));
	static const char *const parts[] = { "/var", "/var/lib", "/var/lib/dpkg",
					     "/var/lib/dpkg/status" };
	for (size_t i = 0; i < 4; i++) {
		snprintf(dir, sizeof(dir), "%s%s", root, parts[i]);
		assert_int_equal(mkdir(dir, 0755), 0);
	}
	pw_inventory_init(&inv, root);
	pw_error_clear(&e);
	assert_int_equal(pw_dpkg_collect(&inv, &e), PW_ERR_IO);
	assert_true(inv.has_dpkg);
	assert_non_null(strstr(e.msg, "/var/lib/dpkg/status: is a directory"));
	pw_inventory_free(&inv);
	for (size_t i = 4; i-- > 0;) {
		snprintf(dir, sizeof(dir), "%s%s", root, parts[i]);
		rmdir(dir);
	}
	rmdir(root);
}

int main(void)
{
	static struct CMUnitTest tests[2 * MAX_CASES + 8];
	size_t n = 0;

	load_outcomes();
	for (size_t i = 0; i < ncases; i++) {
		struct expect *x = &cases[i];
		snprintf(x->name, sizeof(x->name), "%s (%s)", x->fixture, x->how);
		tests[n++] = (struct CMUnitTest){ x->name, check_outcome, NULL, NULL, x };
	}
	for (size_t i = 0; i < ncases; i++) {
		struct expect *x = &cases[i];
		if (strcmp(x->dpkg, "-") == 0 || strcmp(x->how, "status") != 0)
			continue;
		snprintf(x->query_name, sizeof(x->query_name), "dpkg-query %s %s",
			 strcmp(x->dpkg, "same") == 0 ? "lists the same as we do:" : "refuses",
			 x->fixture);
		tests[n++] = (struct CMUnitTest){ x->query_name, check_dpkg_query, NULL, NULL, x };
	}
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(this_host);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(binary_package);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(long_lines);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(warning_cap);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(collect_errors);
	int failed = _cmocka_run_group_tests("dpkg", tests, n, NULL, NULL);
	free(outcomes_text);
	return failed;
}
