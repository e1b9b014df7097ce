/* test_aptplan.c - apt-get -s output into a plan: each
 * tests/data/jobs/plans/NAME.txt against NAME.plan, one item a line
 * ("name from to op", "-" for none). */
#include "pw_test.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pw_aptdpkg.h"
#include "pw_file.h"

static const char *const ops[] = { "install", "upgrade", "remove", "downgrade" };

static void one(const char *dir, const char *name)
{
	char path[1024];
	snprintf(path, sizeof(path), "%s/%s.txt", dir, name);
	struct pw_file f;
	struct pw_error e;
	assert_int_equal(pw_file_read(&f, path, &e), PW_OK);
	struct pw_report r;
	memset(&r, 0, sizeof(r));
	assert_int_equal(pw_aptdpkg_parse_plan(f.data.ptr, f.data.len, &r), PW_OK);
	pw_file_close(&f);
	snprintf(path, sizeof(path), "%s/%s.plan", dir, name);
	FILE *pf = fopen(path, "r");
	assert_non_null(pf);
	char line[512];
	size_t i = 0;
	while (fgets(line, sizeof(line), pf)) {
		char n[200], from[200], to[200], op[20];
		assert_int_equal(sscanf(line, "%199s %199s %199s %19s", n, from, to, op), 4);
		if (i >= r.nplan)
			fail_msg("%s: item %zu (%s) missing", name, i, n);
		const struct pw_plan_item *it = &r.plan[i];
		assert_string_equal(it->name, n);
		assert_string_equal(it->from, strcmp(from, "-") ? from : "");
		assert_string_equal(it->to, strcmp(to, "-") ? to : "");
		assert_string_equal(ops[it->op], op);
		i++;
	}
	fclose(pf);
	if (i != r.nplan)
		fail_msg("%s: %zu items, %zu expected", name, r.nplan, i);
	free(r.plan);
}

static void plans(void **state)
{
	(void)state;
	const char *dir = PW_TEST_DATA "/jobs/plans";
	DIR *d = opendir(dir);
	assert_non_null(d);
	struct dirent *de;
	int n = 0;
	while ((de = readdir(d))) {
		size_t l = strlen(de->d_name);
		if (l > 4 && strcmp(de->d_name + l - 4, ".txt") == 0) {
			char name[256];
			snprintf(name, sizeof(name), "%.*s", (int)(l - 4), de->d_name);
			one(dir, name);
			n++;
		}
	}
	closedir(d);
	assert_true(n >= 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(plans),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
