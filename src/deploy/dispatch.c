/* dispatch.c - jobs out at check-in, reports in (pw_dispatch.h). */
#include "pw_dispatch.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pw_arena.h"
#include "pw_audit.h"
#include "pw_changes.h"
#include "pw_deploy_policy.h"
#include "pw_store.h"

#define MAX_CANDIDATES 16
#define MAX_LOG (64 * 1024 + 1024) /* the agent sends the last 64 KiB */
#define MAX_LIST 4096

bool pw_dispatch_window_open(const struct pw_deploy_policy *policy, const char *group,
			     int64_t now)
{
	return !policy || pw_window_open(policy, group, now);
}

static bool dispatchable(const struct pw_deploy_policy *policy,
			 const struct pw_job_candidate *c, int64_t now)
{
	bool rollback = strcmp(c->action, "rollback") == 0;
	if (rollback ? strcmp(c->change_state, "rolling_back") != 0
		     : strcmp(c->change_state, "running") != 0 || !c->ring_state ||
			       strcmp(c->ring_state, "active") != 0)
		return false;
	/* an emergency change carries the extra approval that lets it run
	 * outside the window */
	return strcmp(c->change_kind, "emergency") == 0 ||
	       pw_dispatch_window_open(policy, c->target_group, now);
}

static json_t *job_json(const struct pw_job_row *j)
{
	char change[32];
	snprintf(change, sizeof(change), "c-%lld", (long long)j->change_id);
	json_t *pk = json_loads(j->packages, 0, NULL);
	json_t *o = json_pack("{s:s,s:s,s:s,s:o,s:s,s:I,s:b}", "id", j->id, "change", change,
			      "action", j->action, "packages", pk ? pk : json_array(), "reboot",
			      j->reboot, "not_after", (json_int_t)j->not_after, "health_check",
			      j->health_check);
	if (o && j->of)
		json_object_set_new(o, "of", json_string(j->of));
	return o;
}

pw_err pw_dispatch_checkin(struct pw_store *s, const struct pw_deploy_policy *policy,
			   int64_t host, int64_t now, json_t **jobs, struct pw_error *e)
{
	bool any = false;
	*jobs = json_array();
	if (!*jobs)
		return pw_error_set(e, PW_ERR_NOMEM, "out of memory");
	pw_err rc = pw_jobs_any_queued(s, host, &any, e);
	if (rc || !any)
		return rc;
	struct pw_arena a;
	struct pw_job_candidate cand[MAX_CANDIDATES];
	size_t n = 0;
	pw_arena_init(&a);
	if ((rc = pw_store_begin(s, e)))
		goto out;
	rc = pw_jobs_candidates(s, host, &a, cand, MAX_CANDIDATES, &n, e);
	for (size_t i = 0; !rc && i < n; i++) {
		if (!dispatchable(policy, &cand[i], now))
			continue;
		int64_t out = 0;
		if (strcmp(cand[i].action, "rollback") != 0 &&
		    ((rc = pw_jobs_in_flight(s, cand[i].change_id, cand[i].ring, &out, e)) ||
		     out >= cand[i].concurrency))
			continue;
		struct pw_job_row j;
		bool claimed = false;
		rc = pw_jobs_claim(s, cand[i].id, now, now + cand[i].job_ttl, &a, &j, &claimed, e);
		if (!rc && claimed) {
			json_t *o = job_json(&j);
			if (!o)
				rc = pw_error_set(e, PW_ERR_NOMEM, "out of memory");
			else
				json_array_append_new(*jobs, o);
		}
	}
	if (!rc)
		rc = pw_store_commit(s, e);
	if (rc) {
		pw_store_rollback(s);
		json_array_clear(*jobs); /* nothing was handed out */
	}
out:
	pw_arena_free(&a);
	return rc;
}

/* ---- reports ---- */

static bool final_state(const char *st)
{
	static const char *const f[] = { "succeeded", "failed", "rolled_back", "rollback_failed",
					 "rejected", NULL };
	for (size_t i = 0; f[i]; i++) {
		if (strcmp(st, f[i]) == 0)
			return true;
	}
	return false;
}

static bool one_of(const json_t *v, const char *const *list)
{
	if (!json_is_string(v))
		return false;
	for (; *list; list++) {
		if (strcmp(json_string_value(v), *list) == 0)
			return true;
	}
	return false;
}

static bool opt_ok(const json_t *r, const char *key, bool (*ok)(const json_t *))
{
	const json_t *v = json_object_get(r, key);
	return !v || json_is_null(v) || ok(v);
}

static bool is_time(const json_t *v)
{
	return json_is_integer(v) && json_integer_value(v) >= 0;
}

static bool is_pkg_list(const json_t *v)
{
	size_t i;
	const json_t *p;
	if (!json_is_array(v) || json_array_size(v) > MAX_LIST)
		return false;
	json_array_foreach(v, i, p) {
		const json_t *n = json_object_get(p, "name"), *ver = json_object_get(p, "version");
		if (!json_is_object(p) || !json_is_string(n) ||
		    !(json_is_null(ver) || json_is_string(ver)))
			return false;
	}
	return true;
}

static bool is_plan(const json_t *v)
{
	return json_is_array(v) && json_array_size(v) <= MAX_LIST;
}

static bool is_log(const json_t *v)
{
	return json_is_string(v) && json_string_length(v) <= MAX_LOG;
}

static bool is_bool(const json_t *v)
{
	return json_is_boolean(v);
}

bool pw_dispatch_report_check(const json_t *r, struct pw_error *e)
{
	static const char *const states[] = { "running", "succeeded", "failed", "rolled_back",
					      "rollback_failed", "rejected", NULL };
	static const char *const health[] = { "passed", "failed", "skipped", NULL };
	static const char *const reboot[] = { "none", "scheduled", "done", "required", NULL };
	if (!json_is_object(r) || !one_of(json_object_get(r, "state"), states)) {
		pw_error_set(e, PW_ERR_INVALID,
			     "state: expected running, succeeded, failed, rolled_back,"
			     " rollback_failed or rejected");
		return false;
	}
	const json_t *h = json_object_get(r, "health"), *rb = json_object_get(r, "reboot");
	const char *bad = !opt_ok(r, "started_at", is_time)    ? "started_at: a Unix time"
			: !opt_ok(r, "finished_at", is_time)   ? "finished_at: a Unix time"
			: !opt_ok(r, "before", is_pkg_list)    ? "before: [{\"name\",\"version\"}]"
			: !opt_ok(r, "after", is_pkg_list)     ? "after: [{\"name\",\"version\"}]"
			: !opt_ok(r, "verified", is_bool)      ? "verified: true or false"
			: h && !json_is_null(h) && !one_of(h, health) ? "health: passed, failed or skipped"
			: rb && !json_is_null(rb) && !one_of(rb, reboot)
				? "reboot: none, scheduled, done or required"
			: !opt_ok(r, "plan", is_plan)          ? "plan: an array"
			: !opt_ok(r, "log", is_log)            ? "log: a string of at most 64 KiB"
			: !opt_ok(r, "error", is_log)          ? "error: a string"
							       : NULL;
	if (bad) {
		pw_error_set(e, PW_ERR_INVALID, "%s", bad);
		return false;
	}
	return true;
}

pw_err pw_dispatch_report(struct pw_store *s, int64_t host, const char *actor, const char *id,
			  const json_t *report, int64_t now, pw_change_notify notify, void *ctx,
			  int *status, struct pw_error *e)
{
	*status = 400;
	if (!pw_dispatch_report_check(report, e))
		return PW_OK;
	const char *state = json_string_value(json_object_get(report, "state"));
	bool final = final_state(state);
	/* the report as stored and compared: keys sorted, so a repeat of the
	 * same document compares equal */
	char *canon = json_dumps(report, JSON_COMPACT | JSON_SORT_KEYS);
	if (!canon)
		return pw_error_set(e, PW_ERR_NOMEM, "out of memory");
	struct pw_arena a;
	struct pw_job_row j;
	pw_arena_init(&a);
	int64_t change = 0;
	pw_err rc = pw_store_begin(s, e);
	if (rc)
		goto out;
	rc = pw_jobs_get(s, id, &a, &j, e);
	if (rc == PW_ERR_NOTFOUND) {
		*status = 404;
		rc = PW_OK;
		goto rollback;
	}
	if (rc)
		goto rollback;
	if (j.host_id != host) {
		*status = 409;
		pw_error_set(e, PW_ERR_INVALID, "job %s is not assigned to this agent's host", id);
		goto rollback;
	}
	if (final_state(j.state)) {
		bool same = j.report && strcmp(j.report, canon) == 0;
		*status = same ? 200 : 409;
		if (!same)
			pw_error_set(e, PW_ERR_INVALID, "job %s already ended as %s", id, j.state);
		goto rollback;
	}
	/* a report after the job expired is still the truth about the host */
	if (strcmp(j.state, "dispatched") != 0 && strcmp(j.state, "running") != 0 &&
	    strcmp(j.state, "expired") != 0) {
		*status = 409;
		pw_error_set(e, PW_ERR_INVALID, "job %s is %s: it was not handed out", id, j.state);
		goto rollback;
	}
	const json_t *h = json_object_get(report, "health"), *v = json_object_get(report, "verified");
	rc = pw_jobs_report(s, id, state, json_is_string(h) ? json_string_value(h) : NULL,
			    json_is_boolean(v) ? json_is_true(v) : -1, final ? canon : NULL, now, e);
	if (!rc && final) {
		char object[96], after[160];
		snprintf(object, sizeof(object), "job:%s", id);
		snprintf(after, sizeof(after),
			 "{\"change\":\"c-%lld\",\"state\":\"%s\",\"verified\":%s,\"health\":\"%s\"}",
			 (long long)j.change_id, state,
			 json_is_true(v) ? "true" : "false",
			 json_is_string(h) ? json_string_value(h) : "");
		rc = pw_audit_append(s, actor, "job.report", object, NULL, after, e);
	}
	if (!rc)
		rc = pw_store_commit(s, e);
	if (rc)
		goto rollback;
	*status = 200;
	change = final ? j.change_id : 0;
	goto out;
rollback:
	pw_store_rollback(s);
out:
	pw_arena_free(&a);
	free(canon);
	/* the gates, at once: the next ring need not wait for the task */
	if (!rc && change)
		rc = pw_change_advance(s, change, now, notify, ctx, e);
	return rc;
}
