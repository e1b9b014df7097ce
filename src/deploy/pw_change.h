/* pw_change.h - a change: what to patch on which hosts, its approvals, its
 * rollout in rings behind gates. The CLI (cmd_change.c) and the REST API
 * (api_changes.c) both call here; docs/changes.md tells the story.
 *
 * States:
 *   pending_approval -> approved (enough approvals) | rejected
 *   approved -> running (start) ; an edit sends it back to pending_approval
 *   running <-> paused ; running -> halted (a gate failed) -> running (resume)
 *   running -> completed (the last ring passed)
 *   any but the final ones -> aborted
 *   running, paused, halted, completed, aborted -> rolling_back -> rolled_back
 * Final: rejected, completed, aborted, rolled_back (completed and aborted
 * may still be rolled back).
 *
 * Each function that changes something runs its own transaction with its
 * audit entry (action "change.<verb>", object "change:c-N"): call it
 * outside one. The exact target versions are computed at creation and
 * never again, so what is approved is what every ring installs.
 */
#ifndef PW_CHANGE_H
#define PW_CHANGE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pw_err.h"

struct pw_store;
struct pw_deploy_policy;

/* Who acts: the audit actor ("user:alice", "token:7:ci", "local:root") and
 * the person behind it (a token acts for its owner: "user:3"), which is
 * what "the requester cannot approve their own change" compares. */
struct pw_change_who {
	const char *actor;
	const char *key;
};

enum pw_change_source {
	PW_CHANGE_FROM_FINDINGS, /* open, fixable findings passing a filter */
	PW_CHANGE_FROM_UPDATES,  /* the hosts' pending updates */
	PW_CHANGE_FROM_PACKAGES, /* name=version, on the hosts that have the package */
};

#define PW_CHANGE_CONCURRENCY_DEFAULT 50
#define PW_CHANGE_JOB_TTL_DEFAULT 86400

struct pw_change_spec {
	const char *title;        /* required, 1-200 bytes */
	const char *ticket;       /* NULL: none */
	bool emergency;
	enum pw_change_source source;
	/* findings */
	int priority;             /* 1-4: at this priority or more urgent; 0 any */
	bool kev;
	const char *cve, *package;
	const char *finding_kind; /* "vulnerability", "update" or NULL */
	/* updates */
	bool security_only;
	/* packages, "name=version" each */
	const char *const *packages;
	size_t npackages;
	/* where: a group, or host ids */
	const char *group;
	const int64_t *hosts;
	size_t nhosts;
	/* rollout */
	const char *pilot_group;  /* NULL: no pilot ring */
	const char *rings;        /* NULL: PW_RINGS_DEFAULT */
	int success_pct;          /* < 0: 100 */
	int64_t soak_s;           /* < 0: 0 */
	int concurrency;          /* <= 0: PW_CHANGE_CONCURRENCY_DEFAULT */
	const char *reboot;       /* NULL: "if_required" */
	bool health_check;
	int approvals;            /* <= 0: 1 (an emergency change needs one more) */
	int64_t job_ttl;          /* <= 0: PW_CHANGE_JOB_TTL_DEFAULT */
	/* the deploy policy's holds and host exclusions of the target group
	 * (pw_deploy_policy.h); NULL: none */
	const struct pw_deploy_policy *policy;
};

/* Check the spec and compute the plan, writing nothing:
 *   {"hosts": [{"host_id", "hostname", "ring", "packages":
 *               [{"name", "version", "installed"}]}],
 *    "skipped": [{"host_id", "hostname", "reason"}],
 *    "rings": [{"ring", "name", "hosts"}]}
 * The caller decrefs *plan. PW_ERR_INVALID naming the field at fault. */
pw_err pw_change_plan(struct pw_store *s, const struct pw_change_spec *spec, json_t **plan,
		      struct pw_error *e);

/* Store a change and its plan (from pw_change_plan on the same spec);
 * state pending_approval. A plan without hosts is refused. */
pw_err pw_change_create(struct pw_store *s, const struct pw_change_spec *spec,
			const json_t *plan, const struct pw_change_who *who, int64_t now,
			int64_t *id, struct pw_error *e);

/* Why a transition was refused (PW_ERR_INVALID is returned, e says it). */
enum pw_change_refusal {
	PW_CHANGE_REFUSED_NOT,   /* not refused */
	PW_CHANGE_REFUSED_STATE, /* not in a state that allows it (HTTP 409) */
	PW_CHANGE_REFUSED_SELF,  /* the requester approving their own change (403) */
	PW_CHANGE_REFUSED_TWICE, /* this person approved this revision already (409) */
};

/* "c-12" or "12" -> 12; false when malformed. */
bool pw_change_parse_id(const char *s, int64_t *id);

pw_err pw_change_approve(struct pw_store *s, int64_t id, const struct pw_change_who *who,
			 int64_t now, enum pw_change_refusal *why, struct pw_error *e);
/* reason required */
pw_err pw_change_reject(struct pw_store *s, int64_t id, const struct pw_change_who *who,
			const char *reason, int64_t now, enum pw_change_refusal *why,
			struct pw_error *e);
/* Edit before the start: NULL / < 0 keeps a field. Voids the approvals
 * given so far (they were for the previous revision). */
pw_err pw_change_edit(struct pw_store *s, int64_t id, const struct pw_change_who *who,
		      const char *title, const char *ticket, int success_pct, int64_t soak_s,
		      int concurrency, int64_t now, enum pw_change_refusal *why,
		      struct pw_error *e);
/* approved -> running, the first ring with hosts activated (its jobs queued) */
pw_err pw_change_start(struct pw_store *s, int64_t id, const struct pw_change_who *who,
		       int64_t now, enum pw_change_refusal *why, struct pw_error *e);
pw_err pw_change_pause(struct pw_store *s, int64_t id, const struct pw_change_who *who,
		       int64_t now, enum pw_change_refusal *why, struct pw_error *e);
/* paused or halted -> running; a halted ring's failures are acknowledged
 * (left out of its gates from then on) */
pw_err pw_change_resume(struct pw_store *s, int64_t id, const struct pw_change_who *who,
			int64_t now, enum pw_change_refusal *why, struct pw_error *e);
/* queued jobs cancelled */
pw_err pw_change_abort(struct pw_store *s, int64_t id, const struct pw_change_who *who,
		       int64_t now, enum pw_change_refusal *why, struct pw_error *e);
/* queued jobs cancelled; a rollback job for every host whose install
 * succeeded (packages: the versions its report gave as "before") */
pw_err pw_change_rollback(struct pw_store *s, int64_t id, const struct pw_change_who *who,
			  int64_t now, enum pw_change_refusal *why, struct pw_error *e);

/* What advancing did, for the notification hook. */
enum pw_change_event {
	PW_CHANGE_EVENT_RING_PASSED,
	PW_CHANGE_EVENT_RING_STARTED,
	PW_CHANGE_EVENT_HALTED,
	PW_CHANGE_EVENT_COMPLETED,
	PW_CHANGE_EVENT_ROLLED_BACK,
};
const char *pw_change_event_name(enum pw_change_event ev); /* "ring_passed", ... */
typedef void (*pw_change_notify)(void *ctx, int64_t change, enum pw_change_event ev, int ring,
				 const char *detail);

/* Check the gates of a running change's active ring (and whether a
 * rollback finished) and move on: the next ring, completion, or a halt
 * (with its audit entry as "system:gates"). notify (may be NULL) hears of
 * each step. A change in any other state is left alone. */
pw_err pw_change_advance(struct pw_store *s, int64_t id, int64_t now, pw_change_notify notify,
			 void *ctx, struct pw_error *e);
/* pw_change_advance for every running or rolling-back change. */
pw_err pw_change_advance_all(struct pw_store *s, int64_t now, pw_change_notify notify,
			     void *ctx, struct pw_error *e);

/* One change as the API's Change document, with its rings (and their job
 * counts), approvals and test evidence; with_hosts adds the per-host
 * targets and job states. The caller decrefs *out. */
pw_err pw_change_json(struct pw_store *s, int64_t id, bool with_hosts, json_t **out,
		      struct pw_error *e);
/* Changes (state NULL: all) after after_id, at most limit, as summaries. */
pw_err pw_change_list_json(struct pw_store *s, const char *state, int64_t after_id,
			   int64_t limit, json_t **items, struct pw_error *e);
/* Is `state` one of the states above? */
bool pw_change_state_valid(const char *state);

#endif
