/* exceptions.c - exceptions (risk acceptance) in portable SQL (see
 * pw_exceptions.h and pw_sql.h). */
#include "pw_exceptions.h"

#include <stdio.h>
#include <string.h>

#include "pw_audit.h"
#include "pw_buf.h"
#include "pw_clock.h"
#include "pw_jsonw.h"
#include "pw_registry.h"
#include "pw_sql.h"

static const char *const sqlite_steps[] = {
	"CREATE TABLE exceptions("
	" id INTEGER PRIMARY KEY,"
	" vuln_id TEXT NOT NULL,"
	" host_id BIGINT,"
	" group_id BIGINT,"
	" package TEXT,"
	" reason TEXT NOT NULL,"
	" control TEXT NOT NULL,"
	" requester TEXT NOT NULL,"
	" requester_user BIGINT NOT NULL DEFAULT 0,"
	" approver TEXT,"
	" note TEXT,"
	" state TEXT NOT NULL CHECK (state IN"
	"  ('requested', 'approved', 'rejected', 'expired', 'revoked')),"
	" requested_at BIGINT NOT NULL,"
	" expires_at BIGINT NOT NULL,"
	" decided_at BIGINT,"
	" closed_at BIGINT,"
	" CHECK ((host_id IS NULL) <> (group_id IS NULL)));"
	"CREATE INDEX exceptions_due ON exceptions(state, expires_at);",
};

static const struct pw_sql_migrations migrations = {
	"exceptions", sqlite_steps, sizeof(sqlite_steps) / sizeof(sqlite_steps[0]),
};

pw_err pw_exceptions_migrate(struct pw_store *s, struct pw_error *e)
{
	return pw_sql_migrate(s, &migrations, e);
}

static const char *const state_names[PW_EXC_STATE_COUNT] = {
	"requested", "approved", "rejected", "expired", "revoked",
};

const char *pw_exception_state_name(enum pw_exception_state st)
{
	return (unsigned)st < PW_EXC_STATE_COUNT ? state_names[st] : NULL;
}

bool pw_exception_state_parse(const char *name, enum pw_exception_state *out)
{
	for (int i = 0; name && i < PW_EXC_STATE_COUNT; i++) {
		if (strcmp(name, state_names[i]) == 0) {
			*out = (enum pw_exception_state)i;
			return true;
		}
	}
	return false;
}

/* ---- JSON ---- */

static void kint_or_null(struct pw_jsonw *w, const char *key, int64_t v)
{
	pw_jsonw_key(w, key);
	if (v)
		pw_jsonw_int(w, v);
	else
		pw_jsonw_null(w);
}

static void kstr(struct pw_jsonw *w, const char *key, const char *v)
{
	pw_jsonw_key(w, key);
	if (v)
		pw_jsonw_string(w, v);
	else
		pw_jsonw_null(w);
}

static void ktime(struct pw_jsonw *w, const char *key, int64_t t)
{
	char buf[32];
	pw_jsonw_key(w, key);
	if (t > 0)
		pw_jsonw_string(w, pw_clock_format(t, buf, sizeof(buf)));
	else
		pw_jsonw_null(w);
}

void pw_exceptions_write(struct pw_jsonw *w, const struct pw_exception *x)
{
	pw_jsonw_begin_object(w);
	pw_jsonw_key(w, "id");
	pw_jsonw_int(w, x->id);
	kstr(w, "vulnerability", x->vuln_id);
	kstr(w, "scope", x->host_id ? "host" : "group");
	kint_or_null(w, "host_id", x->host_id);
	kint_or_null(w, "group_id", x->group_id);
	kstr(w, "package", x->package);
	kstr(w, "reason", x->reason);
	kstr(w, "compensating_control", x->control);
	kstr(w, "requester", x->requester);
	kstr(w, "approver", x->approver);
	kstr(w, "note", x->note);
	kstr(w, "state", pw_exception_state_name(x->state));
	ktime(w, "requested_at", x->requested_at);
	ktime(w, "expires_at", x->expires_at);
	ktime(w, "decided_at", x->decided_at);
	ktime(w, "closed_at", x->closed_at);
	pw_jsonw_end_object(w);
}

static pw_err audit(struct pw_store *s, const char *actor, const char *action,
		    const struct pw_exception *before, const struct pw_exception *after,
		    struct pw_error *e)
{
	struct pw_buf b = PW_BUF_INIT, a = PW_BUF_INIT;
	struct pw_jsonw w;
	char object[40];
	snprintf(object, sizeof(object), "exception:%lld", (long long)(after ? after : before)->id);
	pw_err rc = PW_OK;
	if (before) {
		pw_jsonw_init(&w, &b, false);
		pw_exceptions_write(&w, before);
		if ((rc = pw_jsonw_finish(&w)))
			goto nomem;
	}
	if (after) {
		pw_jsonw_init(&w, &a, false);
		pw_exceptions_write(&w, after);
		if ((rc = pw_jsonw_finish(&w)))
			goto nomem;
	}
	rc = pw_audit_append(s, actor, action, object, b.data, a.data, e);
	goto out;
nomem:
	rc = pw_error_set(e, rc, "out of memory writing the audit entry of %s", object);
out:
	pw_buf_free(&b);
	pw_buf_free(&a);
	return rc;
}

/* ---- reading ---- */

static pw_err one_int(void *ctx, const struct pw_sql_row *row, struct pw_error *e)
{
	(void)e;
	*(int64_t *)ctx = pw_sql_int(row, 0);
	return PW_OK;
}


#define COLUMNS                                                                                 \
	"id, vuln_id, host_id, group_id, package, reason, control, requester, requester_user,"   \
	" approver, note, state, requested_at, expires_at, decided_at, closed_at"

struct reader {
	struct pw_arena *a;       /* copies go here (get), else borrowed (each) */
	int64_t now;
	struct pw_exception *out; /* get */
	bool found;
	pw_err (*cb)(void *ctx, const struct pw_exception *x);
	void *ctx;
	const struct pw_exception_query *q;
	int64_t n;
};

static const char *keep(struct reader *r, const char *s)
{
	return r->a && s ? pw_arena_strdup(r->a, s) : s;
}

static int64_t int_or_zero(const struct pw_sql_row *row, size_t col)
{
	return pw_sql_isnull(row, col) ? 0 : pw_sql_int(row, col);
}

static void read_row(struct reader *r, const struct pw_sql_row *row, struct pw_exception *x)
{
	*x = (struct pw_exception){
		.id = pw_sql_int(row, 0),
		.vuln_id = keep(r, pw_sql_text(row, 1)),
		.host_id = int_or_zero(row, 2),
		.group_id = int_or_zero(row, 3),
		.package = keep(r, pw_sql_text(row, 4)),
		.reason = keep(r, pw_sql_text(row, 5)),
		.control = keep(r, pw_sql_text(row, 6)),
		.requester = keep(r, pw_sql_text(row, 7)),
		.requester_user = pw_sql_int(row, 8),
		.approver = keep(r, pw_sql_text(row, 9)),
		.note = keep(r, pw_sql_text(row, 10)),
		.requested_at = pw_sql_int(row, 12),
		.expires_at = pw_sql_int(row, 13),
		.decided_at = int_or_zero(row, 14),
		.closed_at = int_or_zero(row, 15),
	};
	if (!pw_exception_state_parse(pw_sql_text(row, 11), &x->state))
		x->state = PW_EXC_EXPIRED; /* the CHECK makes this unreachable */
	/* expiry on read: whether the background task ran yet or not */
	if ((x->state == PW_EXC_APPROVED || x->state == PW_EXC_REQUESTED) &&
	    x->expires_at <= r->now) {
		x->state = PW_EXC_EXPIRED;
		x->closed_at = x->expires_at;
	}
}

static pw_err get_row(void *ctx, const struct pw_sql_row *row, struct pw_error *e)
{
	(void)e;
	struct reader *r = ctx;
	read_row(r, row, r->out);
	r->found = true;
	return PW_OK;
}

pw_err pw_exceptions_get(struct pw_store *s, int64_t id, int64_t now, struct pw_arena *a,
			 struct pw_exception *out, struct pw_error *e)
{
	struct reader r = { .a = a, .now = now, .out = out };
	pw_err rc = pw_sql_run(s, "SELECT " COLUMNS " FROM exceptions WHERE id = $1",
			       PW_SQL_ARGS(PW_SQL_I(id)), get_row, &r, NULL, e);
	if (rc)
		return rc;
	if (!r.found)
		return pw_error_set(e, PW_ERR_NOTFOUND, "no exception %lld", (long long)id);
	return PW_OK;
}

static pw_err each_row(void *ctx, const struct pw_sql_row *row, struct pw_error *e)
{
	struct reader *r = ctx;
	struct pw_exception x;
	read_row(r, row, &x);
	if (!r->q->any_state && x.state != r->q->state)
		return PW_OK;
	pw_err rc = r->cb(r->ctx, &x);
	if (rc)
		return pw_error_set(e, rc, "listing exceptions: stopped by the reader");
	if (r->q->limit > 0 && ++r->n >= r->q->limit)
		return PW_ERR_LIMIT; /* enough: not an error (below) */
	return PW_OK;
}

pw_err pw_exceptions_each(struct pw_store *s, const struct pw_exception_query *q,
			  pw_err (*cb)(void *ctx, const struct pw_exception *x), void *ctx,
			  struct pw_error *e)
{
	struct reader r = { .now = q->now ? q->now : pw_clock_now(), .cb = cb, .ctx = ctx, .q = q };
	/* the state is filtered after expiry on read, so the limit too: the
	 * list is small (people write exceptions) */
	pw_err rc = pw_sql_run(s, "SELECT " COLUMNS " FROM exceptions"
			       " WHERE id > $1 AND ($2 = 0 OR requested_at >= $2)"
			       " AND ($3 = 0 OR requested_at < $3) ORDER BY id",
			       PW_SQL_ARGS(PW_SQL_I(q->after_id), PW_SQL_I(q->since),
					   PW_SQL_I(q->until)),
			       each_row, &r, NULL, e);
	if (rc == PW_ERR_LIMIT && q->limit > 0 && r.n >= q->limit) {
		pw_error_clear(e);
		rc = PW_OK;
	}
	return rc;
}

/* ---- writing ---- */

/* A vulnerability or package name as feeds spell them: printable, no
 * spaces, bounded. */
static bool plain_word(const char *v, size_t max)
{
	size_t n = v ? strlen(v) : 0;
	if (!n || n > max)
		return false;
	for (const char *p = v; *p; p++) {
		if ((unsigned char)*p <= ' ' || *p == 0x7f)
			return false;
	}
	return true;
}

static pw_err check_text(const char *field, const char *v, struct pw_error *e)
{
	if (!v || !*v)
		return pw_error_set(e, PW_ERR_INVALID, "%s is required", field);
	if (strlen(v) > PW_EXCEPTION_TEXT_MAX)
		return pw_error_set(e, PW_ERR_INVALID, "%s is longer than %d bytes", field,
				    PW_EXCEPTION_TEXT_MAX);
	return PW_OK;
}

static pw_err request_in_tx(struct pw_store *s, const struct pw_exception_request *req,
			    const char *actor, int64_t user_id, int64_t now, int64_t *id,
			    struct pw_error *e)
{
	pw_err rc;
	if (!plain_word(req->vuln_id, 128))
		return pw_error_set(e, PW_ERR_INVALID, "vulnerability: '%.40s' is not a "
				    "vulnerability id", req->vuln_id ? req->vuln_id : "");
	if (req->package && !plain_word(req->package, 256))
		return pw_error_set(e, PW_ERR_INVALID, "package: '%.40s' is not a package name",
				    req->package);
	if ((req->host_id != 0) == (req->group_id != 0))
		return pw_error_set(e, PW_ERR_INVALID, "scope: give a host or a group, one of them");
	if ((rc = check_text("reason", req->reason, e)) ||
	    (rc = check_text("compensating_control", req->control, e)))
		return rc;
	if (req->expires_at <= now)
		return pw_error_set(e, PW_ERR_INVALID, "expires: must be in the future");
	if (req->expires_at > now + (int64_t)PW_EXCEPTION_MAX_DAYS * 86400)
		return pw_error_set(e, PW_ERR_INVALID, "expires: at most %d days ahead",
				    PW_EXCEPTION_MAX_DAYS);
	struct pw_arena a;
	pw_arena_init(&a);
	if (req->host_id) {
		struct pw_host h;
		rc = pw_registry_host_get(s, req->host_id, &a, &h, e);
	} else {
		struct pw_group g;
		rc = pw_registry_group_get(s, req->group_id, &a, &g, e);
	}
	if (rc)
		goto out;
	int64_t newest = 0;
	rc = pw_sql_run(s,
			"INSERT INTO exceptions(vuln_id, host_id, group_id, package, reason, control,"
			" requester, requester_user, state, requested_at, expires_at)"
			" VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'requested', $9, $10) RETURNING id",
			PW_SQL_ARGS(PW_SQL_T(req->vuln_id),
				    req->host_id ? PW_SQL_I(req->host_id) : PW_SQL_NUL,
				    req->group_id ? PW_SQL_I(req->group_id) : PW_SQL_NUL,
				    PW_SQL_T(req->package), PW_SQL_T(req->reason),
				    PW_SQL_T(req->control), PW_SQL_T(actor), PW_SQL_I(user_id),
				    PW_SQL_I(now), PW_SQL_I(req->expires_at)),
			one_int, &newest, NULL, e);
	struct pw_exception x;
	if (rc || (rc = pw_exceptions_get(s, newest, now, &a, &x, e)))
		goto out;
	if (!(rc = audit(s, actor, "exception.request", NULL, &x, e)) && id)
		*id = newest;
out:
	pw_arena_free(&a);
	return rc;
}

static const char *const action_names[] = { "approve", "reject", "revoke" };

static pw_err decide_in_tx(struct pw_store *s, int64_t id, enum pw_exception_action act,
			   const char *actor, int64_t user_id, const char *note, int64_t now,
			   enum pw_exception_refusal *why, struct pw_error *e)
{
	if (note && strlen(note) > PW_EXCEPTION_TEXT_MAX)
		return pw_error_set(e, PW_ERR_INVALID, "note is longer than %d bytes",
				    PW_EXCEPTION_TEXT_MAX);
	struct pw_arena a;
	pw_arena_init(&a);
	struct pw_exception before, after;
	pw_err rc = pw_exceptions_get(s, id, now, &a, &before, e);
	if (rc)
		goto out;
	bool self = strcmp(before.requester, actor) == 0 ||
		    (user_id != 0 && user_id == before.requester_user);
	if (act != PW_EXC_REVOKE && self) {
		*why = PW_EXC_SELF;
		rc = pw_error_set(e, PW_ERR_INVALID, "exception %lld: the requester cannot %s "
				  "their own request", (long long)id, action_names[act]);
		goto out;
	}
	bool open = act == PW_EXC_REVOKE
		? before.state == PW_EXC_REQUESTED || before.state == PW_EXC_APPROVED
		: before.state == PW_EXC_REQUESTED;
	if (!open) {
		*why = PW_EXC_WRONG_STATE;
		rc = pw_error_set(e, PW_ERR_INVALID, "exception %lld is %s: it cannot be %s",
				  (long long)id, pw_exception_state_name(before.state),
				  act == PW_EXC_APPROVE ? "approved"
				  : act == PW_EXC_REJECT ? "rejected" : "revoked");
		goto out;
	}
	after = before;
	after.approver = actor;
	after.note = note;
	after.state = act == PW_EXC_APPROVE ? PW_EXC_APPROVED
		      : act == PW_EXC_REJECT ? PW_EXC_REJECTED : PW_EXC_REVOKED;
	if (act != PW_EXC_REVOKE)
		after.decided_at = now;
	after.closed_at = act == PW_EXC_APPROVE ? 0 : now;
	if ((rc = pw_sql_exec(s, "UPDATE exceptions SET state = $1, approver = $2, note = $3,"
			      " decided_at = $4, closed_at = $5 WHERE id = $6",
			      PW_SQL_ARGS(PW_SQL_T(pw_exception_state_name(after.state)),
					  PW_SQL_T(actor), PW_SQL_T(note),
					  after.decided_at ? PW_SQL_I(after.decided_at) : PW_SQL_NUL,
					  after.closed_at ? PW_SQL_I(after.closed_at) : PW_SQL_NUL,
					  PW_SQL_I(id)),
			      e)))
		goto out;
	char action[32];
	snprintf(action, sizeof(action), "exception.%s", action_names[act]);
	rc = audit(s, actor, action, &before, &after, e);
out:
	pw_arena_free(&a);
	return rc;
}

/* In the caller's transaction when one is open, else in one of its own. */
static pw_err finish(struct pw_store *s, bool own, pw_err rc, struct pw_error *e)
{
	if (!own)
		return rc;
	if (!rc)
		rc = pw_store_commit(s, e);
	if (rc)
		pw_store_rollback(s);
	return rc;
}

pw_err pw_exceptions_request(struct pw_store *s, const struct pw_exception_request *req,
			     const char *actor, int64_t user_id, int64_t now, int64_t *id,
			     struct pw_error *e)
{
	bool own = !pw_store_in_transaction(s);
	pw_err rc = own ? pw_store_begin(s, e) : PW_OK;
	if (rc)
		return rc;
	return finish(s, own, request_in_tx(s, req, actor, user_id, now, id, e), e);
}

pw_err pw_exceptions_decide(struct pw_store *s, int64_t id, enum pw_exception_action act,
			    const char *actor, int64_t user_id, const char *note, int64_t now,
			    enum pw_exception_refusal *why, struct pw_error *e)
{
	enum pw_exception_refusal dummy;
	if (!why)
		why = &dummy;
	*why = PW_EXC_OK;
	bool own = !pw_store_in_transaction(s);
	pw_err rc = own ? pw_store_begin(s, e) : PW_OK;
	if (rc)
		return rc;
	return finish(s, own, decide_in_tx(s, id, act, actor, user_id, note, now, why, e), e);
}

/* ---- expiry ---- */

struct due {
	struct pw_store *s;
	struct pw_arena a;
	struct pw_exception *v;
	size_t n, cap;
	struct pw_error *e;
};

static pw_err due_row(void *ctx, const struct pw_sql_row *row, struct pw_error *e)
{
	struct due *d = ctx;
	if (d->n == d->cap) {
		size_t cap = d->cap ? d->cap * 2 : 16;
		struct pw_exception *p = pw_arena_alloc(&d->a, cap * sizeof(*p));
		if (!p)
			return pw_error_set(e, PW_ERR_NOMEM, "out of memory expiring exceptions");
		if (d->n)
			memcpy(p, d->v, d->n * sizeof(*p));
		d->v = p;
		d->cap = cap;
	}
	/* read as stored, before expiry on read (now 0 keeps the state) */
	struct reader r = { .a = &d->a, .now = 0 };
	read_row(&r, row, &d->v[d->n++]);
	return PW_OK;
}

pw_err pw_exceptions_expire(struct pw_store *s, int64_t now,
			    void (*cb)(void *ctx, const struct pw_exception *x), void *ctx,
			    int64_t *n, struct pw_error *e)
{
	struct due d = { .s = s };
	pw_arena_init(&d.a);
	if (n)
		*n = 0;
	/* a look first, without the write lock: most runs find nothing due */
	int64_t due = 0;
	pw_err rc = pw_sql_run(s, "SELECT COUNT(*) FROM exceptions"
			       " WHERE state IN ('requested', 'approved') AND expires_at <= $1",
			       PW_SQL_ARGS(PW_SQL_I(now)), one_int, &due, NULL, e);
	if (rc || due == 0)
		goto out;
	if ((rc = pw_store_begin(s, e)))
		goto out;
	if ((rc = pw_sql_run(s, "SELECT " COLUMNS " FROM exceptions"
			     " WHERE state IN ('requested', 'approved') AND expires_at <= $1"
			     " ORDER BY id",
			     PW_SQL_ARGS(PW_SQL_I(now)), due_row, &d, NULL, e)))
		goto fail;
	for (size_t i = 0; i < d.n; i++) {
		struct pw_exception after = d.v[i];
		after.state = PW_EXC_EXPIRED;
		after.closed_at = now;
		if ((rc = pw_sql_exec(s, "UPDATE exceptions SET state = 'expired', closed_at = $1"
				      " WHERE id = $2",
				      PW_SQL_ARGS(PW_SQL_I(now), PW_SQL_I(after.id)), e)) ||
		    (rc = audit(s, "system", "exception.expire", &d.v[i], &after, e)))
			goto fail;
		if (cb)
			cb(ctx, &after);
	}
	if ((rc = pw_store_commit(s, e)))
		goto fail;
	if (n)
		*n = (int64_t)d.n;
	goto out;
fail:
	pw_store_rollback(s);
out:
	pw_arena_free(&d.a);
	return rc;
}

pw_err pw_exceptions_count_active(struct pw_store *s, int64_t at, int64_t *n,
				  struct pw_error *e)
{
	*n = 0;
	/* in force at `at`: approved by then, neither expired nor closed yet */
	return pw_sql_run(s, "SELECT COUNT(*) FROM exceptions"
			  " WHERE decided_at IS NOT NULL AND decided_at <= $1 AND expires_at > $1"
			  " AND state IN ('approved', 'expired', 'revoked')"
			  " AND (closed_at IS NULL OR closed_at > $1)",
			  PW_SQL_ARGS(PW_SQL_I(at)), one_int, n, NULL, e);
}
