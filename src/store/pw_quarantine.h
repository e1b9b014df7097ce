/* pw_quarantine.h - quarantined hosts and the notifications about them.
 *
 * A host is quarantined while it has one row with lifted_at NULL (a unique
 * partial index holds it to one); lifting it keeps the row, with when and
 * why, so the history stays. Which hosts should be quarantined is decided
 * in src/deploy (pw_enforce.h) from the deployment policy; this component
 * holds the state, the compliance inputs it needs (one query over hosts,
 * findings and KEV), and the webhook outbox: one row per event, keyed so
 * the same event is never queued twice, retried until delivered.
 *
 * Changes take the audit actor and append their entry (pw_audit.h) inside
 * the caller's transaction (PW_ERR_USAGE without one).
 */
#ifndef PW_QUARANTINE_H
#define PW_QUARANTINE_H

#include <stdbool.h>
#include <stdint.h>

#include "pw_err.h"

struct pw_store;

/* The "quarantine" component's tables (pw_sql_migrate). */
pw_err pw_quarantine_migrate(struct pw_store *s, struct pw_error *e);

/* What compliance is computed from, per active (not retired) host. */
struct pw_compliance_input {
	int64_t host_id;
	const char *hostname;
	int64_t last_seen;      /* check-in or inventory */
	int64_t inventory_at;   /* 0: none */
	int64_t assessed_at;    /* 0: never */
	int64_t p1_first_seen;  /* the earliest open P1 finding's first sighting; 0: none */
	int64_t p2_first_seen;  /* ... P2 */
	int64_t kev_due;        /* the earliest KEV due date among them; 0: none */
	int64_t n_urgent;       /* open P1 and P2 findings */
};

/* Every active host in id order; the strings live during the call. */
pw_err pw_quarantine_each_input(struct pw_store *s,
				pw_err (*cb)(void *ctx, const struct pw_compliance_input *in),
				void *ctx, struct pw_error *e);

struct pw_quarantine {
	int64_t id, host_id;
	const char *hostname;
	const char *reason;      /* "overdue" or "silent" */
	const char *detail;      /* a sentence for people; may be NULL */
	int64_t since;           /* quarantined at */
	int64_t lifted_at;       /* 0: still quarantined */
	const char *lift_reason; /* NULL while quarantined */
	const char *address;     /* the host's agent's peer address; NULL: unknown */
};

/* Quarantines in id order: the active ones, or all (history too). The row
 * lives during the call. */
pw_err pw_quarantine_each(struct pw_store *s, bool active_only,
			  pw_err (*cb)(void *ctx, const struct pw_quarantine *q), void *ctx,
			  struct pw_error *e);

/* The host's active quarantine: *id 0 when none; *reason (a static
 * string) tells "overdue" from "silent". */
pw_err pw_quarantine_active(struct pw_store *s, int64_t host_id, int64_t *id,
			    const char **reason, int64_t *since, struct pw_error *e);

/* Quarantine a host (reason "overdue" or "silent") at `now`; PW_ERR_INVALID
 * when it already is. Audited as "quarantine.add" on "host:ID". */
pw_err pw_quarantine_add(struct pw_store *s, int64_t host_id, const char *reason,
			 const char *detail, int64_t now, const char *actor, int64_t *id,
			 struct pw_error *e);

/* Lift quarantine `id` at `now` for `why`; PW_ERR_NOTFOUND when it is not
 * active. Audited as "quarantine.lift". */
pw_err pw_quarantine_lift(struct pw_store *s, int64_t id, int64_t now, const char *why,
			  const char *actor, struct pw_error *e);

/* ---- the webhook outbox ---- */

/* Queue `body` (a JSON document) under `key` ("quarantine.add:17"); a key
 * already queued is left alone, so an event is sent once however often it
 * is noted. Due at once. */
pw_err pw_quarantine_outbox_add(struct pw_store *s, const char *key, const char *body,
				int64_t now, struct pw_error *e);

struct pw_outbox_item {
	int64_t id;
	const char *key, *body;
	int64_t attempts;
};

/* Undelivered items due at `now`, oldest first, at most limit. */
pw_err pw_quarantine_outbox_each_due(struct pw_store *s, int64_t now, int64_t limit,
				     pw_err (*cb)(void *ctx, const struct pw_outbox_item *it),
				     void *ctx, struct pw_error *e);
pw_err pw_quarantine_outbox_delivered(struct pw_store *s, int64_t id, int64_t now,
				      struct pw_error *e);
/* A failed attempt: counted, tried again at next_at. */
pw_err pw_quarantine_outbox_failed(struct pw_store *s, int64_t id, int64_t next_at,
				   const char *error, struct pw_error *e);
/* Hold every undelivered item due before next_at until then (not counted
 * as an attempt): when the receiver fails, the rest wait with it. */
pw_err pw_quarantine_outbox_postpone(struct pw_store *s, int64_t next_at, struct pw_error *e);
/* Counts for status output: queued (undelivered) and delivered items. */
pw_err pw_quarantine_outbox_counts(struct pw_store *s, int64_t *queued, int64_t *delivered,
				   struct pw_error *e);

#endif
