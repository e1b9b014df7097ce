/* assess_task.c - the server's one assessor (pw_assess_task.h): the background
 * task and the shared instance POST /api/v1/assessments runs.
 *
 * The task table's interval is a constant, so the task is listed with a
 * one-second tick and runs the assessor every [assess] interval seconds
 * (default 10) by the monotonic clock. The assessor's memory (index, fleet)
 * is the point of it, so there is one per server process, behind a mutex:
 * a run asked for over the API waits for a run of the task, never
 * overlaps it.
 */
#include "pw_assess_task.h"

#include <pthread.h>
#include <stdio.h>
#include <time.h>

#include "pw_policy.h"
#include "pw_server.h"

#define DEFAULT_INTERVAL 10

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct pw_assessor *shared;
static struct timespec last_run;
static bool ran;

static void log_line(void *ctx, const char *level, const char *msg)
{
	(void)ctx;
	pw_server_log(level, "assess: %s", msg);
}

static pw_err run_locked(struct pw_server *srv, struct pw_store *s, struct pw_assess_run *out,
			 struct pw_error *e)
{
	/* a failure waits for the next interval too: one log line per interval */
	clock_gettime(CLOCK_MONOTONIC, &last_run);
	ran = true;
	if (!shared) {
		pw_err rc = pw_assessor_new(pw_server_setting(srv, "assess", "policy"), log_line,
					    NULL, &shared, e);
		if (rc)
			return rc;
	}
	pw_err rc = pw_assessor_run(shared, s, out, e);
	clock_gettime(CLOCK_MONOTONIC, &last_run);
	return rc;
}

pw_err pw_assessor_policy_shared(struct pw_server *srv, struct pw_policy *out,
				 struct pw_error *e)
{
	pthread_mutex_lock(&lock);
	pw_err rc = PW_OK;
	if (!shared)
		rc = pw_assessor_new(pw_server_setting(srv, "assess", "policy"), log_line, NULL,
				     &shared, e);
	if (!rc)
		*out = *pw_assessor_policy(shared);
	pthread_mutex_unlock(&lock);
	return rc;
}

pw_err pw_assessor_run_shared(struct pw_server *srv, struct pw_store *s,
			      struct pw_assess_run *out, struct pw_error *e)
{
	pthread_mutex_lock(&lock);
	pw_err rc = run_locked(srv, s, out, e);
	pthread_mutex_unlock(&lock);
	return rc;
}

void pw_assessor_task(struct pw_server *srv, struct pw_store *store)
{
	int64_t interval = pw_server_setting_int(srv, "assess", "interval", DEFAULT_INTERVAL);
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	pthread_mutex_lock(&lock);
	if (ran && now.tv_sec - last_run.tv_sec < interval) {
		pthread_mutex_unlock(&lock);
		return;
	}
	struct pw_assess_run r;
	struct pw_error e = { 0 };
	pw_err rc = run_locked(srv, store, &r, &e);
	pthread_mutex_unlock(&lock);
	if (rc) {
		pw_server_log("error", "assess: %s (again in %lld s)", e.msg, (long long)interval);
		return;
	}
	if (r.hosts || r.skipped || r.feeds_changed) {
		char line[512];
		pw_assess_run_describe(&r, line, sizeof(line));
		pw_server_log("info", "%s", line);
	}
}
