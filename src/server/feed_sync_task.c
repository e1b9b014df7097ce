/* feed_sync_task.c - the scheduled feed sync (pw_feed_sync_task.h).
 *
 * The task table's interval is a constant, so the task is listed with a
 * one-second tick, like the assessor, and decides itself whether a sync is
 * due. The sync runs on a thread of its own: a first OSV sync takes minutes
 * and would hold up the check-in flush and the assessor on the task thread.
 * The thread is started only from the task thread and joined there, so one
 * mutex guards the little state both sides see.
 */
#include "pw_feed_sync_task.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "pw_assess_task.h"
#include "pw_clock.h"
#include "pw_feed_sync.h"
#include "pw_feed_syncs.h"
#include "pw_registry.h"
#include "pw_server.h"
#include "pw_store.h"
#include "server_internal.h"

#define ACTOR "system:feed-sync"

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_t thread;
static bool started;  /* a thread was started and not joined yet */
static bool running;  /* ... and has not finished */
static bool checked_store; /* the store's last sync was read (at the first tick) */
static double next_due;    /* monotonic seconds; 0: now */
static int64_t last_started, last_finished;

/* [schedule] feed_sync: seconds, 0 for off; false when malformed. */
static bool parse_interval(const char *v, int64_t *out)
{
	if (!v || strcasecmp(v, "off") == 0 || strcasecmp(v, "no") == 0) {
		*out = 0;
		return true;
	}
	return pw_registry_parse_duration(v, out);
}

static bool parse_bool(const char *v, bool def, bool *out)
{
	if (!v) {
		*out = def;
		return true;
	}
	if (!strcasecmp(v, "yes") || !strcasecmp(v, "true") || !strcmp(v, "1"))
		*out = true;
	else if (!strcasecmp(v, "no") || !strcasecmp(v, "false") || !strcmp(v, "0"))
		*out = false;
	else
		return false;
	return true;
}

pw_err pw_feed_sync_task_check(const struct pw_server *srv, struct pw_error *e)
{
	const char *file = srv->config_path ? srv->config_path : "-";
	for (size_t i = 0; i < srv->nsettings; i++) {
		const struct pw_setting *s = &srv->settings[i];
		if (strcasecmp(s->section, "schedule") != 0)
			continue;
		int64_t iv;
		bool b;
		if (strcasecmp(s->key, "feed_sync") == 0) {
			if (!parse_interval(s->value, &iv))
				return pw_error_set(e, PW_ERR_INVALID,
						    "%s:%d: [schedule] feed_sync: '%s' is not a "
						    "duration (3600, 90m, 6h, 1d) or off",
						    file, s->line, s->value);
		} else if (strcasecmp(s->key, "reassess") == 0) {
			if (!parse_bool(s->value, true, &b))
				return pw_error_set(e, PW_ERR_INVALID,
						    "%s:%d: [schedule] reassess: yes or no, not '%s'",
						    file, s->line, s->value);
		} else {
			return pw_error_set(e, PW_ERR_INVALID,
					    "%s:%d: [schedule] %s: unknown key (feed_sync, reassess)",
					    file, s->line, s->key);
		}
	}
	return PW_OK;
}

static int64_t interval_of(const struct pw_server *srv)
{
	int64_t iv = 0;
	if (!parse_interval(pw_server_setting(srv, "schedule", "feed_sync"), &iv))
		iv = 0; /* refused at start */
	return iv;
}

static bool reassess_of(const struct pw_server *srv)
{
	bool b = true;
	parse_bool(pw_server_setting(srv, "schedule", "reassess"), true, &b);
	return b;
}

static double now_mono(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* ---- the sync thread ---- */

struct run {
	struct pw_server *srv;
	size_t imported, unchanged, failed;
	bool changed; /* some feed added or updated records */
};

static void on_done(void *ctx, const struct pw_feed_sync_result *r)
{
	struct run *run = ctx;
	long long secs = (long long)(r->finished - r->started);
	if (r->rc) {
		run->failed++;
		pw_server_log("error", "feed sync: %s: %s (again at the next sync)", r->name,
			      r->error);
		return;
	}
	if (strcmp(r->outcome, "imported") == 0) {
		run->imported++;
		run->changed |= r->stats.added || r->stats.updated;
		pw_server_log("info",
			      "feed sync: %s: imported %llu records (%llu added, %llu updated, "
			      "%llu unchanged, %llu skipped), %llu bytes, %lld s",
			      r->name, (unsigned long long)r->stats.read,
			      (unsigned long long)r->stats.added, (unsigned long long)r->stats.updated,
			      (unsigned long long)r->stats.unchanged,
			      (unsigned long long)r->stats.skipped, (unsigned long long)r->bytes, secs);
	} else {
		run->unchanged++;
	}
}

static void on_warn(void *ctx, const char *msg)
{
	pw_server_log("warning", "feed sync: %s", msg);
}

static bool on_cancelled(void *ctx)
{
	struct run *run = ctx;
	return pw_server_stopping(run->srv);
}

static void sync_and_assess(struct pw_server *srv)
{
	struct run run = { .srv = srv };
	struct pw_feed_sync_hooks h = { .ctx = &run, .done = on_done, .warn = on_warn,
					.cancelled = on_cancelled };
	struct pw_feed_sync_config *cfg = calloc(1, sizeof(*cfg));
	struct pw_feed_sync_result *res = NULL;
	struct pw_store *store = NULL;
	struct pw_error e = { 0 };
	size_t n = 0, failed = 0;
	pw_err rc = cfg ? PW_OK : pw_error_set(&e, PW_ERR_NOMEM, "out of memory");
	/* the feeds of the file the server read; without one, the defaults */
	if (!rc)
		rc = pw_feed_sync_config_load(cfg, pw_server_config_path(srv), true, &e);
	if (!rc && !(res = calloc(cfg->n ? cfg->n : 1, sizeof(*res))))
		rc = pw_error_set(&e, PW_ERR_NOMEM, "out of memory");
	if (!rc)
		rc = pw_store_open(pw_server_db_path(srv), &store, &e);
	if (!rc)
		rc = pw_feed_sync(store, cfg, NULL, 0, ACTOR, "schedule", &h, res, &n, &failed, &e);
	if (rc) {
		pw_server_log("error", "feed sync: %s (again at the next sync)", e.msg);
	} else {
		pw_server_log(failed ? "warning" : "info",
			      "feed sync: %zu feeds: %zu imported, %zu not modified, %zu failed", n,
			      run.imported, run.unchanged, run.failed);
	}
	/* at once rather than at the assessor's next interval: the point of a
	 * sync is the findings it changes */
	if (!rc && run.changed && reassess_of(srv) && !pw_server_stopping(srv)) {
		struct pw_assess_run r;
		if (pw_assessor_run_shared(srv, store, &r, &e)) {
			pw_server_log("error", "feed sync: re-assessment: %s", e.msg);
		} else {
			char line[512];
			pw_assess_run_describe(&r, line, sizeof(line));
			pw_server_log("info", "feed sync: re-assessed: %s", line);
		}
	}
	pw_store_close(store);
	free(res);
	free(cfg);
}

static void *sync_main(void *arg)
{
	struct pw_server *srv = arg;
	sync_and_assess(srv);
	pthread_mutex_lock(&lock);
	running = false;
	last_finished = pw_clock_now();
	pthread_mutex_unlock(&lock);
	return NULL;
}

/* ---- the task ---- */

/* The newest start of any feed's recorded sync. */
static pw_err newest_start(void *ctx, const struct pw_feed_sync_outcome *o, struct pw_error *e)
{
	int64_t *t = ctx;
	if (o->started > *t)
		*t = o->started;
	return PW_OK;
}

void pw_feed_sync_task(struct pw_server *srv, struct pw_store *store)
{
	int64_t interval = interval_of(srv);
	pthread_mutex_lock(&lock);
	bool stopping = pw_server_stopping(srv);
	if (started && (!running || stopping)) {
		/* finished, or told to stop at its next step: join it */
		pthread_mutex_unlock(&lock);
		pthread_join(thread, NULL);
		pthread_mutex_lock(&lock);
		started = false;
	}
	if (interval <= 0 || started || stopping) {
		pthread_mutex_unlock(&lock);
		return;
	}
	double now = now_mono();
	if (!checked_store) {
		/* a sync that ran before this process (a restart, the CLI) counts */
		struct pw_error e = { 0 };
		int64_t last = 0;
		checked_store = true;
		if (pw_feed_syncs_each(store, newest_start, &last, &e))
			pw_server_log("warning", "feed sync: reading the last sync: %s", e.msg);
		int64_t ago = pw_clock_now() - last;
		if (last > 0 && ago >= 0 && ago < interval)
			next_due = now + (double)(interval - ago);
	}
	if (now < next_due) {
		pthread_mutex_unlock(&lock);
		return;
	}
	next_due = now + (double)interval;
	running = true;
	last_started = pw_clock_now();
	if (pthread_create(&thread, NULL, sync_main, srv) != 0) {
		running = false;
		pthread_mutex_unlock(&lock);
		pw_server_log("error", "feed sync: cannot start its thread (again in %lld s)",
			      (long long)interval);
		return;
	}
	started = true;
	pthread_mutex_unlock(&lock);
	pw_server_log("info", "feed sync: started (every %lld s)", (long long)interval);
}

void pw_feed_sync_task_schedule(const struct pw_server *srv, struct pw_feed_sync_schedule *out)
{
	out->interval = interval_of(srv);
	out->reassess = reassess_of(srv);
	pthread_mutex_lock(&lock);
	out->running = running;
	out->last_started = last_started;
	out->last_finished = last_finished;
	pthread_mutex_unlock(&lock);
}
