/* deploy_task.c - the server's deployment policy, the enforcement task and
 * the webhook task (pw_deploy_task.h). Like the assessor's, the task table
 * lists them with short ticks; each keeps its own interval by the
 * monotonic clock. */
#include "pw_deploy_task.h"

#include <pthread.h>
#include <time.h>

#include "pw_clock.h"
#include "pw_deploy_config.h"
#include "pw_server.h"
#include "pw_webhook.h"

#define DEFAULT_ENFORCE_INTERVAL 300
#define WEBHOOK_BATCH 50

/* the compiled-in defaults, for a server without a policy file */
static pthread_mutex_t defaults_lock = PTHREAD_MUTEX_INITIALIZER;
static struct pw_deploy_policy *defaults;

static pthread_mutex_t run_lock = PTHREAD_MUTEX_INITIALIZER;
static struct timespec last_run;
static bool ran;

pw_err pw_deploy_policy_shared(struct pw_server *srv, const struct pw_deploy_policy **out,
			       struct pw_error *e)
{
	/* one policy per process: the one dispatch uses (pw_deploy_config.h) */
	const struct pw_deploy_policy *p;
	if (!pw_server_deploy_policy(srv, &p)) {
		/* read again only to say why: the first reading logged it */
		const char *path = pw_server_setting(srv, "deploy", "policy");
		struct pw_deploy_policy *tmp = NULL;
		pw_err rc = pw_deploy_policy_load(path ? path : PW_DEPLOY_POLICY_DEFAULT_PATH, &tmp, e);
		pw_deploy_policy_free(tmp);
		return rc ? rc : pw_error_set(e, PW_ERR_PARSE, "the deployment policy did not load "
					      "when the server first read it; restart to read it again");
	}
	pw_err rc = PW_OK;
	if (!p) {
		pthread_mutex_lock(&defaults_lock);
		if (!defaults)
			rc = pw_deploy_policy_defaults(&defaults, e);
		p = defaults;
		pthread_mutex_unlock(&defaults_lock);
	}
	*out = p;
	return rc;
}

static bool webhook_on(struct pw_server *srv)
{
	return pw_server_setting(srv, "webhook", "url") != NULL;
}

pw_err pw_enforce_run_shared(struct pw_server *srv, struct pw_store *s,
			     struct pw_enforce_options *o, struct pw_enforce_result *out,
			     struct pw_error *e)
{
	const struct pw_deploy_policy *p;
	pw_err rc = pw_deploy_policy_shared(srv, &p, e);
	if (rc)
		return rc;
	o->now = pw_clock_now();
	if (!o->actor)
		o->actor = "system:enforce";
	o->notify = webhook_on(srv);
	pthread_mutex_lock(&run_lock);
	clock_gettime(CLOCK_MONOTONIC, &last_run);
	ran = true;
	rc = pw_enforce_run(s, p, o, out, e);
	pthread_mutex_unlock(&run_lock);
	return rc;
}

void pw_enforce_task(struct pw_server *srv, struct pw_store *store)
{
	int64_t interval = pw_server_setting_int(srv, "deploy", "enforce_interval",
						 DEFAULT_ENFORCE_INTERVAL);
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	pthread_mutex_lock(&run_lock);
	bool wait = ran && now.tv_sec - last_run.tv_sec < interval;
	pthread_mutex_unlock(&run_lock);
	if (wait)
		return;
	struct pw_enforce_options o = { .actor = "system:enforce" };
	struct pw_enforce_result r;
	struct pw_error e = { 0 };
	if (pw_enforce_run_shared(srv, store, &o, &r, &e)) {
		/* counted as a run: one log line per interval, not per tick */
		pthread_mutex_lock(&run_lock);
		clock_gettime(CLOCK_MONOTONIC, &last_run);
		ran = true;
		pthread_mutex_unlock(&run_lock);
		pw_server_log("warning", "enforce: %s", e.msg);
		return;
	}
	if (r.added || r.lifted)
		pw_server_log("info", "enforce: %lld hosts, %lld non-compliant, %lld quarantined "
			      "(%lld new, %lld lifted)", (long long)r.hosts, (long long)r.noncompliant,
			      (long long)r.quarantined, (long long)r.added, (long long)r.lifted);
}

static pthread_mutex_t webhook_lock = PTHREAD_MUTEX_INITIALIZER;
static struct pw_webhook *webhook;
static bool webhook_failed; /* its configuration was refused: said once */

void pw_webhook_task(struct pw_server *srv, struct pw_store *store)
{
	if (!webhook_on(srv))
		return;
	pthread_mutex_lock(&webhook_lock);
	struct pw_error e = { 0 };
	if (!webhook && !webhook_failed) {
		static struct pw_webhook wh;
		if (pw_webhook_config(pw_server_setting(srv, "webhook", "url"),
				      pw_server_setting(srv, "webhook", "secret_file"), &wh, &e)) {
			webhook_failed = true;
			pw_server_log("error", "webhook: %s", e.msg);
		} else {
			wh.retry_s = pw_server_setting_int(srv, "webhook", "retry", wh.retry_s);
			webhook = &wh;
		}
	}
	if (webhook) {
		struct pw_webhook_result r;
		if (pw_webhook_deliver(store, webhook, pw_clock_now(), WEBHOOK_BATCH, &r, &e))
			pw_server_log("warning", "webhook: %s", e.msg);
		else if (r.failed)
			pw_server_log("warning", "webhook: %lld event(s) not delivered, retried later"
				      " (%s)", (long long)r.failed, r.last_error);
	}
	pthread_mutex_unlock(&webhook_lock);
}
