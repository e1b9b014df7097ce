/* test_job.c - the typed job parser on the cases of tests/data/jobs/cases.txt
 * (each line: "ok" or "error FIELD", a tab, a job), and the written form
 * parsing back to the same job. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pw_job.h"

static void test_cases(void **state)
{
	(void)state;
	FILE *f = fopen(PW_TEST_DATA "/jobs/cases.txt", "r");
	assert_non_null(f);
	char line[4096];
	int n = 0, lineno = 0;
	while (fgets(line, sizeof(line), f)) {
		lineno++;
		line[strcspn(line, "\n")] = '\0';
		if (!line[0] || line[0] == '#')
			continue;
		char *tab = strchr(line, '\t');
		assert_non_null(tab);
		*tab = '\0';
		const char *json = tab + 1;
		struct pw_job job;
		struct pw_error e = { 0 };
		pw_err rc = pw_job_parse(json, strlen(json), &job, &e);
		if (strcmp(line, "ok") == 0) {
			if (rc)
				fail_msg("cases.txt:%d: %s", lineno, e.msg);
			/* the written form is the same job */
			struct pw_buf b = PW_BUF_INIT;
			assert_int_equal(pw_job_write(&job, &b), PW_OK);
			struct pw_job again;
			assert_int_equal(pw_job_parse(b.data, b.len, &again, &e), PW_OK);
			assert_string_equal(again.id, job.id);
			assert_int_equal(again.action, job.action);
			assert_int_equal(again.npkgs, job.npkgs);
			for (size_t i = 0; i < job.npkgs; i++) {
				assert_string_equal(again.pkgs[i].name, job.pkgs[i].name);
				assert_string_equal(again.pkgs[i].version, job.pkgs[i].version);
			}
			assert_int_equal(again.reboot, job.reboot);
			assert_int_equal(again.not_after, job.not_after);
			assert_int_equal(again.health_check, job.health_check);
			assert_string_equal(again.of, job.of);
			pw_job_free(&again);
			pw_buf_free(&b);
		} else {
			assert_true(strncmp(line, "error ", 6) == 0);
			if (!rc)
				fail_msg("cases.txt:%d: accepted", lineno);
			char want[4100];
			snprintf(want, sizeof(want), "%s:", line + 6);
			if (!strstr(e.msg, want))
				fail_msg("cases.txt:%d: '%s' does not name %s", lineno, e.msg, want);
			assert_null(job.pkgs);
		}
		pw_job_free(&job);
		n++;
	}
	fclose(f);
	assert_true(n >= 20);
}

static void test_fields(void **state)
{
	(void)state;
	const char *s = "{\"id\":\"j-1\",\"change\":\"c-2\",\"action\":\"install\","
			"\"packages\":[{\"name\":\"openssl\",\"version\":\"3.0.15-1~deb12u1\"}],"
			"\"reboot\":\"if_required\",\"not_after\":1733400000,\"health_check\":true}";
	struct pw_job job;
	struct pw_error e;
	assert_int_equal(pw_job_parse(s, strlen(s), &job, &e), PW_OK);
	assert_string_equal(job.id, "j-1");
	assert_string_equal(job.change, "c-2");
	assert_int_equal(job.action, PW_JOB_INSTALL);
	assert_int_equal(job.npkgs, 1);
	assert_string_equal(job.pkgs[0].name, "openssl");
	assert_string_equal(job.pkgs[0].version, "3.0.15-1~deb12u1");
	assert_int_equal(job.reboot, PW_JOB_REBOOT_IF_REQUIRED);
	assert_int_equal(job.not_after, 1733400000);
	assert_true(job.health_check);
	pw_job_free(&job);
	/* an id that was valid is kept for the rejection report */
	s = "{\"id\":\"j-9\",\"action\":\"format-disk\"}";
	assert_int_not_equal(pw_job_parse(s, strlen(s), &job, &e), PW_OK);
	assert_string_equal(job.id, "j-9");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cases),
		cmocka_unit_test(test_fields),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
