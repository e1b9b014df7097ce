/* pw_exceptions.h - exceptions (risk acceptance): a vulnerability accepted
 * on a host or on a group's hosts, for one package or all, for a bounded
 * time, with the reason and the compensating control.
 *
 * Life: requested -> approved | rejected; requested or approved -> revoked;
 * approved (or still requested) -> expired when expires_at passes. The
 * requester never decides their own request. Every transition is audited
 * ("exception.request", ".approve", ".reject", ".revoke", ".expire") in the
 * transaction that makes it.
 *
 * An approved exception not yet expired marks the findings it matches as
 * accepted risk (pw_exception_match.h); it never hides them. Expiry is
 * applied by pw_exceptions_expire (a background task) and also on read:
 * an approved exception past its expiry reads as "expired" and matches
 * nothing, whether the task ran or not.
 */
#ifndef PW_EXCEPTIONS_H
#define PW_EXCEPTIONS_H

#include <stdbool.h>
#include <stdint.h>

#include "pw_arena.h"
#include "pw_err.h"

struct pw_store;

/* The "exceptions" component's table (pw_sql_migrate). */
pw_err pw_exceptions_migrate(struct pw_store *s, struct pw_error *e);

#define PW_EXCEPTION_MAX_DAYS 365
#define PW_EXCEPTION_TEXT_MAX 2000

enum pw_exception_state {
	PW_EXC_REQUESTED,
	PW_EXC_APPROVED,
	PW_EXC_REJECTED,
	PW_EXC_EXPIRED,
	PW_EXC_REVOKED,
	PW_EXC_STATE_COUNT,
};
const char *pw_exception_state_name(enum pw_exception_state st); /* "requested", ... */
bool pw_exception_state_parse(const char *name, enum pw_exception_state *out);

struct pw_exception {
	int64_t id;
	const char *vuln_id;
	int64_t host_id;           /* exactly one of host_id and group_id is set */
	int64_t group_id;
	const char *package;       /* NULL: every package */
	const char *reason, *control;
	const char *requester;     /* audit actor: "user:alice" */
	int64_t requester_user;    /* the person behind it (user id; 0: local) */
	const char *approver;      /* who decided (approve, reject) or revoked; NULL */
	const char *note;          /* the decision's comment; NULL */
	enum pw_exception_state state; /* as of the read: approved past expiry reads expired */
	int64_t requested_at, expires_at;
	int64_t decided_at;        /* 0: undecided */
	int64_t closed_at;         /* expired, revoked or rejected; 0: not closed */
};

/* A new request. scope: host_id or group_id (one of them), checked to
 * exist; vuln_id and package are bounded words; reason and control
 * required, at most PW_EXCEPTION_TEXT_MAX bytes; expires_at after now and
 * at most PW_EXCEPTION_MAX_DAYS ahead. PW_ERR_INVALID naming the field,
 * PW_ERR_NOTFOUND for an unknown host or group. Runs in the caller's
 * transaction when one is open, else in its own. */
struct pw_exception_request {
	const char *vuln_id;
	int64_t host_id, group_id;
	const char *package;
	const char *reason, *control;
	int64_t expires_at;
};
pw_err pw_exceptions_request(struct pw_store *s, const struct pw_exception_request *req,
			     const char *actor, int64_t user_id, int64_t now, int64_t *id,
			     struct pw_error *e);

enum pw_exception_action { PW_EXC_APPROVE, PW_EXC_REJECT, PW_EXC_REVOKE };

/* Why a decision was refused (PW_ERR_INVALID). */
enum pw_exception_refusal {
	PW_EXC_OK,
	PW_EXC_SELF,        /* the requester deciding their own request */
	PW_EXC_WRONG_STATE, /* approve/reject a request no longer open, revoke a closed one */
};

/* Approve, reject or revoke exception id as actor (user_id: the person,
 * 0 for a local operator). Whether actor's role may do it is the caller's
 * check (security analysts and admins); that the requester may not approve
 * or reject their own request is checked here (revoking one's own request
 * is allowed). An approval past the expiry is refused (the request
 * expires). PW_ERR_NOTFOUND for an unknown id. Runs in the caller's
 * transaction when one is open, else in its own. *why (may be NULL) tells
 * a refusal apart. */
pw_err pw_exceptions_decide(struct pw_store *s, int64_t id, enum pw_exception_action act,
			    const char *actor, int64_t user_id, const char *note, int64_t now,
			    enum pw_exception_refusal *why, struct pw_error *e);

/* One exception as of now; strings in a. PW_ERR_NOTFOUND when unknown. */
pw_err pw_exceptions_get(struct pw_store *s, int64_t id, int64_t now, struct pw_arena *a,
			 struct pw_exception *out, struct pw_error *e);

/* Which to list: state (as of now; PW_EXC_STATE_COUNT: any), requested in
 * [since, until) (0: open end), in id order after after_id, at most limit
 * (0: all). */
struct pw_exception_query {
	enum pw_exception_state state;
	bool any_state;
	int64_t since, until;
	int64_t after_id, limit;
	int64_t now;
};
pw_err pw_exceptions_each(struct pw_store *s, const struct pw_exception_query *q,
			  pw_err (*cb)(void *ctx, const struct pw_exception *x), void *ctx,
			  struct pw_error *e);

/* Expire what is due at now: approved and requested exceptions with
 * expires_at <= now become expired, each audited as "exception.expire" by
 * "system". cb (may be NULL) is called for each, inside the transaction,
 * which this function opens and commits itself. *n (may be NULL) counts. */
pw_err pw_exceptions_expire(struct pw_store *s, int64_t now,
			    void (*cb)(void *ctx, const struct pw_exception *x), void *ctx,
			    int64_t *n, struct pw_error *e);

/* Approved exceptions in force at `at` (approved before it, not yet expired,
 * revoked or closed by then): the "open exceptions" KPI. */
pw_err pw_exceptions_count_active(struct pw_store *s, int64_t at, int64_t *n,
				  struct pw_error *e);

/* The exception as a JSON object (the API's Exception schema, the CLI's
 * --format json and the audit documents: one rendering). */
struct pw_jsonw;
void pw_exceptions_write(struct pw_jsonw *w, const struct pw_exception *x);

#endif
