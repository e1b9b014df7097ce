/* test_journal.c - the job journal on a real directory: an entry written
 * step by step reads back whole, the report body holds the contract's
 * fields, no temporary file is left behind, a damaged entry is an error
 * naming its file, ids list sorted. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pw_journal.h"

static char dir[64];

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/pw-test-journal-XXXXXX");
	assert_non_null(mkdtemp(dir));
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static void fill(struct pw_journal_entry *j, const char *id)
{
	pw_journal_entry_init(j);
	const char *s = "{\"action\":\"install\",\"packages\":[{\"name\":\"pwdemo\",\"version\":\"2.0-1\"}]}";
	struct pw_error e;
	char text[256];
	snprintf(text, sizeof(text), "{\"id\":\"%s\",%s", id, s + 1);
	assert_int_equal(pw_job_parse(text, strlen(text), &j->job, &e), PW_OK);
}

static void test_roundtrip(void **state)
{
	(void)state;
	struct pw_journal_entry j, r;
	struct pw_error e;
	fill(&j, "j-b");
	assert_int_equal(pw_journal_write(dir, &j, &e), PW_OK);
	assert_int_equal(pw_journal_read(dir, "j-b", &r, &e), PW_OK);
	assert_int_equal(r.step, PW_STEP_RECEIVED);
	assert_int_equal(r.rep.state, PW_JSTATE_RUNNING);
	pw_journal_entry_free(&r);

	j.step = PW_STEP_FINISHED;
	j.rep.state = PW_JSTATE_ROLLED_BACK;
	j.rep.started_at = 100;
	j.rep.finished_at = 160;
	assert_int_equal(pw_report_add_pkg(&j.rep.before, &j.rep.nbefore, "pwdemo", "2.0-1"), 0);
	assert_int_equal(pw_report_add_pkg(&j.rep.before, &j.rep.nbefore, "pwnew", ""), 0);
	assert_int_equal(pw_report_add_pkg(&j.rep.after, &j.rep.nafter, "pwdemo", "2.0-1"), 0);
	j.cached = calloc(2, sizeof(bool));
	j.cached[0] = true;
	j.rep.verified = true;
	j.rep.health = PW_HEALTH_FAILED;
	pw_report_log(&j.rep, "dpkg: error\n\xff", 13);
	pw_report_error(&j.rep, "postinst of %s failed", "pwdemo");
	assert_int_equal(pw_journal_write(dir, &j, &e), PW_OK);

	assert_int_equal(pw_journal_read(dir, "j-b", &r, &e), PW_OK);
	assert_int_equal(r.step, PW_STEP_FINISHED);
	assert_int_equal(r.rep.state, PW_JSTATE_ROLLED_BACK);
	assert_int_equal(r.rep.nbefore, 2);
	assert_string_equal(r.rep.before[0].version, "2.0-1");
	assert_string_equal(r.rep.before[1].version, "");
	assert_true(r.cached[0]);
	assert_false(r.cached[1]);
	assert_int_equal(r.rep.health, PW_HEALTH_FAILED);
	assert_string_equal(r.rep.error, "postinst of pwdemo failed");
	assert_string_equal(r.job.pkgs[0].version, "2.0-1");

	/* the report body: the contract's fields, null for an absent version */
	struct pw_buf b = PW_BUF_INIT;
	assert_int_equal(pw_report_write(&r.rep, &b), PW_OK);
	json_t *doc = json_loadb(b.data, b.len, 0, NULL);
	assert_non_null(doc);
	assert_string_equal(json_string_value(json_object_get(doc, "state")), "rolled_back");
	assert_true(json_is_null(json_object_get(json_array_get(json_object_get(doc, "before"), 1),
						 "version")));
	assert_true(json_is_true(json_object_get(doc, "verified")));
	assert_string_equal(json_string_value(json_object_get(doc, "health")), "failed");
	assert_string_equal(json_string_value(json_object_get(doc, "reboot")), "none");
	assert_true(json_is_array(json_object_get(doc, "plan")));
	assert_string_equal(json_string_value(json_object_get(doc, "log")), "dpkg: error\n?");
	json_decref(doc);
	pw_buf_free(&b);
	pw_journal_entry_free(&r);
	pw_journal_entry_free(&j);

	char tmp[128];
	snprintf(tmp, sizeof(tmp), "%s/jobs/j-b.json.tmp", dir);
	assert_int_not_equal(access(tmp, F_OK), 0);
}

static void test_log_tail(void **state)
{
	(void)state;
	struct pw_report r;
	memset(&r, 0, sizeof(r));
	char chunk[1000];
	memset(chunk, 'a', sizeof(chunk));
	for (int i = 0; i < 100; i++)
		pw_report_log(&r, chunk, sizeof(chunk));
	pw_report_log(&r, "END", 3);
	assert_int_equal(r.log.len, PW_REPORT_LOG_MAX);
	assert_memory_equal(r.log.data + r.log.len - 3, "END", 3);
	pw_buf_free(&r.log);
}

static void test_missing_and_damaged(void **state)
{
	(void)state;
	struct pw_journal_entry r;
	struct pw_error e;
	assert_int_equal(pw_journal_read(dir, "j-none", &r, &e), PW_ERR_NOTFOUND);
	assert_int_not_equal(pw_journal_read(dir, "../x", &r, &e), PW_OK);
	char path[128];
	snprintf(path, sizeof(path), "%s/jobs/j-bad.json", dir);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs("{\"job\": {\"id\": \"j-bad\", \"action\": \"shell\"}", f);
	fclose(f);
	assert_int_equal(pw_journal_read(dir, "j-bad", &r, &e), PW_ERR_PARSE);
	assert_non_null(strstr(e.msg, "j-bad.json"));
	pw_journal_entry_free(&r);
}

static void test_list(void **state)
{
	(void)state;
	struct pw_journal_entry j;
	struct pw_error e;
	fill(&j, "j-c");
	assert_int_equal(pw_journal_write(dir, &j, &e), PW_OK);
	pw_journal_entry_free(&j);
	fill(&j, "j-a");
	assert_int_equal(pw_journal_write(dir, &j, &e), PW_OK);
	pw_journal_entry_free(&j);
	char **ids;
	size_t n;
	assert_int_equal(pw_journal_list(dir, &ids, &n, &e), PW_OK);
	assert_true(n >= 2);
	assert_string_equal(ids[0], "j-a");
	for (size_t i = 1; i < n; i++)
		assert_true(strcmp(ids[i - 1], ids[i]) < 0);
	for (size_t i = 0; i < n; i++)
		free(ids[i]);
	free(ids);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_log_tail),
		cmocka_unit_test(test_missing_and_damaged),
		cmocka_unit_test(test_list),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
