/* pw_changes.h - the store's changes, their approvals, rings and jobs, in
 * portable SQL (pw_sql.h). The rules (who may approve, when a ring
 * advances) are src/deploy's; this module only reads and writes rows.
 *
 * A change keeps, per host, the exact target versions computed when it was
 * created (change_targets, a JSON array [{"name","version"}]): those are
 * the versions every ring installs, whatever is published later. Jobs are
 * created when their ring becomes active, so a check-in of a host without
 * a queued job costs one probe of the jobs_queued partial index.
 *
 * Writes run in the caller's transaction (pw_store_begin) unless said
 * otherwise; strings handed out live in the caller's arena.
 */
#ifndef PW_CHANGES_H
#define PW_CHANGES_H

#include <stdbool.h>
#include <stdint.h>

#include "pw_arena.h"
#include "pw_err.h"

struct pw_store;

/* The "changes" component's tables (pw_sql_migrate). */
pw_err pw_changes_migrate(struct pw_store *s, struct pw_error *e);

struct pw_change_row {
	int64_t id;
	const char *title, *ticket;   /* ticket NULL: none */
	const char *requester;        /* the audit actor that created it */
	const char *requester_key;    /* the person behind it (pw_change.h) */
	const char *kind;             /* "normal" or "emergency" */
	const char *state;            /* pw_change.h lists them */
	const char *selector;         /* JSON: what and where, as asked */
	const char *target_group;     /* NULL: a host list */
	const char *pilot_group;      /* NULL: no pilot ring */
	const char *rings;            /* cumulative percentages: "5,25,100" */
	int success_pct;
	int64_t soak_s;
	int concurrency;
	int approvals_needed;         /* emergency changes need one more (pw_change.h) */
	const char *reboot;           /* "never", "if_required", "always" */
	bool health_check;
	int64_t job_ttl;              /* a job's not_after: dispatch + this */
	int64_t revision;             /* raised by each edit; approvals count per revision */
	int current_ring;             /* -1 before the start */
	int64_t created_at, updated_at, approved_at, started_at, finished_at; /* 0: not yet */
	const char *halt_reason;      /* NULL: none */
	const char *evidence;         /* JSON: the pilot ring's results; NULL: none yet */
	int64_t nhosts;               /* hosts with targets */
};

/* Insert c (id, revision, timestamps but created_at ignored); *id gets the
 * new change's id. */
pw_err pw_changes_insert(struct pw_store *s, const struct pw_change_row *c, int64_t now,
			 int64_t *id, struct pw_error *e);
/* PW_ERR_NOTFOUND naming the change when unknown. */
pw_err pw_changes_get(struct pw_store *s, int64_t id, struct pw_arena *a,
		      struct pw_change_row *out, struct pw_error *e);
/* Changes in id order (state NULL: all), id > after_id, at most limit (0
 * all). The row lives during the callback. */
pw_err pw_changes_each(struct pw_store *s, const char *state, int64_t after_id, int64_t limit,
		       pw_err (*cb)(void *ctx, const struct pw_change_row *c), void *ctx,
		       struct pw_error *e);
/* Ids of the changes in `state`, at most max; *n gets how many. */
pw_err pw_changes_ids_in_state(struct pw_store *s, const char *state, int64_t *ids, size_t max,
			       size_t *n, struct pw_error *e);

/* Field updates; each sets updated_at = now. */
pw_err pw_changes_set_state(struct pw_store *s, int64_t id, const char *state, int64_t now,
			    struct pw_error *e);
pw_err pw_changes_set_halt(struct pw_store *s, int64_t id, const char *reason, int64_t now,
			   struct pw_error *e);
pw_err pw_changes_set_ring(struct pw_store *s, int64_t id, int ring, int64_t now,
			   struct pw_error *e);
/* which: "approved_at", "started_at" or "finished_at" */
pw_err pw_changes_stamp(struct pw_store *s, int64_t id, const char *which, int64_t now,
			struct pw_error *e);
pw_err pw_changes_set_evidence(struct pw_store *s, int64_t id, const char *json, int64_t now,
			       struct pw_error *e);
/* An edit: the fields given (NULL / < 0: kept), revision + 1. */
pw_err pw_changes_edit(struct pw_store *s, int64_t id, const char *title, const char *ticket,
		       int success_pct, int64_t soak_s, int concurrency, int64_t now,
		       struct pw_error *e);

/* ---- targets: per host, its ring and exact versions ---- */

pw_err pw_changes_add_target(struct pw_store *s, int64_t change, int64_t host, int ring,
			     const char *packages_json, struct pw_error *e);
/* Targets of one ring (ring < 0: all), in host id order; hostname from the
 * register. */
pw_err pw_changes_each_target(struct pw_store *s, int64_t change, int ring,
			      pw_err (*cb)(void *ctx, int64_t host, const char *hostname, int ring,
					   const char *packages_json),
			      void *ctx, struct pw_error *e);

/* ---- approvals ---- */

struct pw_change_approval {
	int64_t revision;
	const char *actor, *actor_key, *decision, *reason; /* decision "approve" | "reject" */
	int64_t at;
};
pw_err pw_changes_add_approval(struct pw_store *s, int64_t change,
			       const struct pw_change_approval *ap, struct pw_error *e);
/* Approvals of `revision` (the current one): how many, and whether `key`
 * (may be NULL) gave one. */
pw_err pw_changes_count_approvals(struct pw_store *s, int64_t change, int64_t revision,
				  const char *key, int64_t *n, bool *by_key, struct pw_error *e);
/* Every decision, oldest first. */
pw_err pw_changes_each_approval(struct pw_store *s, int64_t change,
				pw_err (*cb)(void *ctx, const struct pw_change_approval *ap),
				void *ctx, struct pw_error *e);

/* ---- rings ---- */

struct pw_change_ring {
	int ring;              /* 0 pilot, then 1.. */
	const char *name;      /* "pilot", "5%" ... */
	int64_t hosts;
	const char *state;     /* "pending", "active", "passed", "halted" */
	int64_t started_at, passed_at; /* 0: not yet */
};
pw_err pw_changes_add_ring(struct pw_store *s, int64_t change, int ring, const char *name,
			   int64_t hosts, struct pw_error *e);
pw_err pw_changes_ring_state(struct pw_store *s, int64_t change, int ring, const char *state,
			     int64_t now, struct pw_error *e);
pw_err pw_changes_each_ring(struct pw_store *s, int64_t change,
			    pw_err (*cb)(void *ctx, const struct pw_change_ring *r), void *ctx,
			    struct pw_error *e);

/* ---- jobs ---- */

#define PW_JOB_ID_SIZE 20 /* "j-" + 16 hex digits + NUL */

struct pw_job_row {
	const char *id;
	int64_t change_id, host_id;
	int ring;
	const char *action;    /* "install", "rollback", ... (JOBS.md) */
	const char *packages;  /* JSON array */
	const char *of;        /* rollback: the job it undoes; NULL */
	const char *reboot;
	bool health_check;
	const char *state;     /* "queued", "dispatched", then the agent's states, or "cancelled" */
	int64_t created_at, dispatched_at, not_after, reported_at;
	const char *health;    /* NULL until reported */
	int verified;          /* -1 unknown */
	const char *report;    /* the final report as received (canonical JSON); NULL */
};

/* A new queued job with a fresh random id (written to id_out, may be NULL). */
pw_err pw_jobs_insert(struct pw_store *s, const struct pw_job_row *j, int64_t now,
		      char id_out[PW_JOB_ID_SIZE], struct pw_error *e);
/* The check-in's fast path: does the host have a queued job at all? One
 * probe of a partial index; no transaction. */
pw_err pw_jobs_any_queued(struct pw_store *s, int64_t host, bool *any, struct pw_error *e);

/* A queued job of the host with what dispatch decides on. */
struct pw_job_candidate {
	const char *id;
	int64_t change_id;
	int ring;
	const char *action;
	const char *change_state, *change_kind, *target_group, *ring_state;
	int concurrency;
	int64_t job_ttl;
};
/* The host's queued jobs (at most max), oldest first, strings in a. */
pw_err pw_jobs_candidates(struct pw_store *s, int64_t host, struct pw_arena *a,
			  struct pw_job_candidate *out, size_t max, size_t *n, struct pw_error *e);
/* Jobs of (change, ring) handed out and not finished. */
pw_err pw_jobs_in_flight(struct pw_store *s, int64_t change, int ring, int64_t *n,
			 struct pw_error *e);
/* queued -> dispatched, only if still queued (*claimed tells); the job as
 * handed out into out (strings in a). */
pw_err pw_jobs_claim(struct pw_store *s, const char *id, int64_t now, int64_t not_after,
		     struct pw_arena *a, struct pw_job_row *out, bool *claimed, struct pw_error *e);
/* PW_ERR_NOTFOUND when unknown. */
pw_err pw_jobs_get(struct pw_store *s, const char *id, struct pw_arena *a, struct pw_job_row *out,
		   struct pw_error *e);
/* An agent's report: state and, for a final one, the report document. */
pw_err pw_jobs_report(struct pw_store *s, const char *id, const char *state, const char *health,
		      int verified, const char *report_json, int64_t now, struct pw_error *e);
/* Jobs of a change (ring < 0: all; action NULL: any), in creation order. */
pw_err pw_jobs_each(struct pw_store *s, int64_t change, int ring, const char *action,
		    pw_err (*cb)(void *ctx, const struct pw_job_row *j), void *ctx,
		    struct pw_error *e);
/* queued -> cancelled for a change (action NULL: any; else all but it). */
pw_err pw_jobs_cancel_queued(struct pw_store *s, int64_t change, const char *keep_action,
			     int64_t *n, struct pw_error *e);
/* Jobs of a change handed out whose not_after passed `before` with no
 * final report: -> "expired" (a failure for the gates). *n: how many. */
pw_err pw_jobs_expire(struct pw_store *s, int64_t change, int64_t before, int64_t now,
		      int64_t *n, struct pw_error *e);
/* Failed jobs of a ring acknowledged (a resume): the gates leave them out. */
pw_err pw_jobs_ack_failed(struct pw_store *s, int64_t change, int ring, struct pw_error *e);

/* A ring's jobs by outcome (acknowledged ones apart), for the gates. */
struct pw_job_counts {
	int64_t total, waiting, succeeded, failed, health_failed, rolled_back, acked;
	int64_t last_report; /* server time of the newest final report */
};
pw_err pw_jobs_count(struct pw_store *s, int64_t change, int ring, const char *action,
		     struct pw_job_counts *out, struct pw_error *e);

/* ---- what planning reads from the register ---- */

/* Installed versions and pending candidates of the named packages (any
 * family) on one host: cb once per installed package row. */
pw_err pw_changes_host_packages(struct pw_store *s, int64_t host, const char *const *names,
				size_t nnames,
				pw_err (*cb)(void *ctx, const char *family, const char *name,
					     const char *version, const char *candidate,
					     bool security),
				void *ctx, struct pw_error *e);
/* Every pending update (candidate version) of one host. */
pw_err pw_changes_host_updates(struct pw_store *s, int64_t host, bool security_only,
			       pw_err (*cb)(void *ctx, const char *family, const char *name,
					    const char *version, const char *candidate,
					    bool security),
			       void *ctx, struct pw_error *e);

#endif
