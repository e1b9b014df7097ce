/* test_exec.c - pw_exec_run: only absolute paths, the given environment
 * and working directory, stdout and stderr in one log of which the tail is
 * kept, a deadline that stops the program and what it started. */
#include "pw_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <signal.h>
#include <stdbool.h>
#include <time.h>
#include <string.h>
#include <unistd.h>

#include "pw_exec.h"

static void relative_refused(void **state)
{
	(void)state;
	const char *argv[] = { "sh", "-c", "true", NULL };
	struct pw_error e;
	int st;
	assert_int_equal(pw_exec_run(argv, NULL, NULL, &st, NULL, &e), PW_ERR_USAGE);
	assert_non_null(strstr(e.msg, "not an absolute path"));
}

static void env_cwd_and_log(void **state)
{
	(void)state;
	const char *env[] = { "PW_X=1", NULL };
	const char *argv[] = { "/bin/sh", "-c",
			       "echo out; echo err >&2; echo \"x=$PW_X home=${HOME:-none}\"; pwd; exit 7",
			       NULL };
	struct pw_exec_opts o = { .envp = env, .cwd = "/tmp" };
	struct pw_buf log = PW_BUF_INIT;
	struct pw_error e;
	int st, to;
	assert_int_equal(pw_exec_run(argv, &o, &log, &st, &to, &e), PW_OK);
	assert_int_equal(st, 7);
	assert_int_equal(to, 0);
	assert_string_equal(log.data, "out\nerr\nx=1 home=none\n/tmp\n");
	pw_buf_free(&log);
}

static void tail_kept(void **state)
{
	(void)state;
	const char *argv[] = { "/bin/sh", "-c", "i=0; while [ $i -lt 2000 ]; do echo line$i; i=$((i+1)); done",
			       NULL };
	struct pw_exec_opts o = { .log_max = 100 };
	struct pw_buf log = PW_BUF_INIT;
	struct pw_error e;
	int st;
	assert_int_equal(pw_exec_run(argv, &o, &log, &st, NULL, &e), PW_OK);
	assert_int_equal(log.len, 100);
	assert_non_null(strstr(log.data, "line1999\n"));
	pw_buf_free(&log);
}

static void deadline_reaches_descendants(void **state)
{
	(void)state;
	/* a grandchild in a session of its own, as apt-get starts dpkg; it
	 * writes its pid before it waits */
	char pidfile[64];
	snprintf(pidfile, sizeof(pidfile), "/tmp/pw-test-exec-%d", (int)getpid());
	unlink(pidfile);
	char script[400];
	snprintf(script, sizeof(script),
		 "setsid /bin/sh -c 'echo $$ > %s.tmp; mv %s.tmp %s; exec sleep 60' & "
		 "while [ ! -s %s ]; do sleep 0.05; done; sleep 60",
		 pidfile, pidfile, pidfile, pidfile);
	const char *argv[] = { "/bin/sh", "-c", script, NULL };
	const char *env[] = { "PATH=/usr/bin:/bin", NULL };
	struct pw_exec_opts o = { .envp = env, .timeout_s = 1 };
	struct pw_buf log = PW_BUF_INIT;
	struct pw_error e;
	int st, to;
	assert_int_equal(pw_exec_run(argv, &o, &log, &st, &to, &e), PW_OK);
	assert_int_equal(to, 1);
	assert_int_equal(st, 128 + SIGTERM);
	pw_buf_free(&log);
	FILE *f = fopen(pidfile, "r");
	assert_non_null(f);
	long pid = 0;
	assert_int_equal(fscanf(f, "%ld", &pid), 1);
	fclose(f);
	unlink(pidfile);
	/* the grandchild got the signal too: it goes (or stays a zombie for
	 * init to reap); the wait for that is bounded, not timed */
	char path[64], buf[256] = "";
	snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
	bool gone = false;
	for (int i = 0; i < 600 && !gone; i++) {
		f = fopen(path, "r");
		if (!f) {
			gone = true;
			break;
		}
		size_t n = fread(buf, 1, sizeof(buf) - 1, f);
		buf[n] = '\0';
		fclose(f);
		char *rp = strrchr(buf, ')');
		gone = rp && (rp[2] == 'Z' || rp[2] == 'X');
		if (!gone) {
			struct timespec d = { 0, 50 * 1000 * 1000 };
			nanosleep(&d, NULL);
		}
	}
	if (!gone)
		fail_msg("left running: %s", buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(relative_refused),
		cmocka_unit_test(env_cwd_and_log),
		cmocka_unit_test(tail_kept),
		cmocka_unit_test(deadline_reaches_descendants),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
