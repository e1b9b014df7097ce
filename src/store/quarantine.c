/* quarantine.c - quarantined hosts and the webhook outbox, in portable SQL
 * (see pw_quarantine.h and pw_sql.h). */
#include "pw_quarantine.h"

#include <stdio.h>
#include <string.h>

#include "pw_audit.h"
#include "pw_buf.h"
#include "pw_jsonw.h"
#include "pw_sql.h"

static const char *const sqlite_steps[] = {
	"CREATE TABLE quarantine("
	" id INTEGER PRIMARY KEY,"
	" host_id BIGINT NOT NULL,"
	" reason TEXT NOT NULL CHECK (reason IN ('overdue', 'silent')),"
	" detail TEXT,"
	" since BIGINT NOT NULL,"
	" lifted_at BIGINT,"
	" lift_reason TEXT);"
	"CREATE UNIQUE INDEX quarantine_active ON quarantine(host_id) WHERE lifted_at IS NULL;"
	"CREATE TABLE webhook_outbox("
	" id INTEGER PRIMARY KEY,"
	" event_key TEXT NOT NULL UNIQUE,"
	" body TEXT NOT NULL,"
	" created_at BIGINT NOT NULL,"
	" attempts BIGINT NOT NULL DEFAULT 0,"
	" next_at BIGINT NOT NULL,"
	" delivered_at BIGINT,"
	" last_error TEXT);"
	"CREATE INDEX webhook_outbox_due ON webhook_outbox(next_at) WHERE delivered_at IS NULL;",
};

static const struct pw_sql_migrations migrations = {
	"quarantine", sqlite_steps, sizeof(sqlite_steps) / sizeof(sqlite_steps[0]),
};

pw_err pw_quarantine_migrate(struct pw_store *s, struct pw_error *e)
{
	return pw_sql_migrate(s, &migrations, e);
}

/* ---- compliance inputs ---- */

struct input_ctx {
	pw_err (*cb)(void *ctx, const struct pw_compliance_input *in);
	void *ctx;
};

static pw_err input_row(void *ctx, const struct pw_sql_row *row, struct pw_error *e)
{
	struct input_ctx *c = ctx;
	struct pw_compliance_input in = {
		.host_id = pw_sql_int(row, 0),
		.hostname = pw_sql_text(row, 1),
		.last_seen = pw_sql_int(row, 2),
		.inventory_at = pw_sql_int(row, 3),
		.assessed_at = pw_sql_int(row, 4),
		.p1_first_seen = pw_sql_int(row, 5),
		.p2_first_seen = pw_sql_int(row, 6),
		.kev_due = pw_sql_int(row, 7),
		.n_urgent = pw_sql_int(row, 8),
	};
	if (!in.hostname)
		in.hostname = "";
	return c->cb(c->ctx, &in);
}

pw_err pw_quarantine_each_input(struct pw_store *s,
				pw_err (*cb)(void *ctx, const struct pw_compliance_input *in),
				void *ctx, struct pw_error *e)
{
	struct input_ctx c = { cb, ctx };
	/* one pass over the open P1/P2 findings (findings_rank leads with
	 * state, priority), the hosts joined to the aggregate */
	return pw_sql_run(s,
			  "SELECT h.id, h.hostname, h.last_seen, COALESCE(h.inventory_at, 0),"
			  " COALESCE(h.assessed_at, 0), COALESCE(u.p1, 0), COALESCE(u.p2, 0),"
			  " COALESCE(u.kev_due, 0), COALESCE(u.n, 0)"
			  " FROM hosts h LEFT JOIN ("
			  "  SELECT f.host_id,"
			  "   MIN(CASE WHEN f.priority = 1 THEN f.first_seen END) AS p1,"
			  "   MIN(CASE WHEN f.priority = 2 THEN f.first_seen END) AS p2,"
			  "   MIN(k.due_date) AS kev_due, COUNT(*) AS n"
			  "  FROM findings f LEFT JOIN kev k ON k.cve = f.vuln_id AND k.due_date > 0"
			  "  WHERE f.state = 'open' AND f.priority <= 2 GROUP BY f.host_id"
			  " ) u ON u.host_id = h.id"
			  " WHERE h.retired_at IS NULL ORDER BY h.id",
			  PW_SQL_NOARGS, input_row, &c, NULL, e);
}

/* ---- quarantine state ---- */

struct each_ctx {
	pw_err (*cb)(void *ctx, const struct pw_quarantine *q);
	void *ctx;
};

static pw_err quarantine_row(void *ctx, const struct pw_sql_row *row, struct pw_error *e)
{
	struct each_ctx *c = ctx;
	struct pw_quarantine q = {
		.id = pw_sql_int(row, 0),
		.host_id = pw_sql_int(row, 1),
		.hostname = pw_sql_text(row, 2),
		.reason = pw_sql_text(row, 3),
		.detail = pw_sql_text(row, 4),
		.since = pw_sql_int(row, 5),
		.lifted_at = pw_sql_int(row, 6),
		.lift_reason = pw_sql_text(row, 7),
		.address = pw_sql_text(row, 8),
	};
	if (!q.hostname)
		q.hostname = "";
	return c->cb(c->ctx, &q);
}

pw_err pw_quarantine_each(struct pw_store *s, bool active_only,
			  pw_err (*cb)(void *ctx, const struct pw_quarantine *q), void *ctx,
			  struct pw_error *e)
{
	struct each_ctx c = { cb, ctx };
	/* the address of the host's newest agent that is not revoked */
	return pw_sql_run(s,
			  "SELECT q.id, q.host_id, h.hostname, q.reason, q.detail, q.since,"
			  " COALESCE(q.lifted_at, 0), q.lift_reason,"
			  " (SELECT a.enrolled_from FROM agents a WHERE a.host_id = q.host_id"
			  "  AND a.revoked_at IS NULL ORDER BY a.id DESC LIMIT 1)"
			  " FROM quarantine q LEFT JOIN hosts h ON h.id = q.host_id"
			  " WHERE $1 = 0 OR q.lifted_at IS NULL ORDER BY q.id",
			  PW_SQL_ARGS(PW_SQL_I(active_only)), quarantine_row, &c, NULL, e);
}

struct active_ctx {
	int64_t *id, *since;
	const char **reason;
};

static pw_err active_row(void *ctx, const struct pw_sql_row *row, struct pw_error *e)
{
	struct active_ctx *c = ctx;
	*c->id = pw_sql_int(row, 0);
	const char *r = pw_sql_text(row, 1);
	*c->reason = r && strcmp(r, "silent") == 0 ? "silent" : "overdue";
	*c->since = pw_sql_int(row, 2);
	return PW_OK;
}

pw_err pw_quarantine_active(struct pw_store *s, int64_t host_id, int64_t *id,
			    const char **reason, int64_t *since, struct pw_error *e)
{
	struct active_ctx c = { id, since, reason };
	*id = 0;
	*since = 0;
	*reason = NULL;
	return pw_sql_run(s,
			  "SELECT id, reason, since FROM quarantine WHERE host_id = $1"
			  " AND lifted_at IS NULL",
			  PW_SQL_ARGS(PW_SQL_I(host_id)), active_row, &c, NULL, e);
}

/* {"reason": ..., "detail": ..., "since": ...} for the audit entry */
static pw_err audit_doc(struct pw_buf *b, const char *reason, const char *detail, int64_t at,
			const char *at_key)
{
	struct pw_jsonw w;
	pw_jsonw_init(&w, b, false);
	pw_jsonw_begin_object(&w);
	pw_jsonw_kstr(&w, "reason", reason);
	pw_jsonw_kstr(&w, "detail", detail);
	pw_jsonw_key(&w, at_key);
	pw_jsonw_int(&w, at);
	pw_jsonw_end_object(&w);
	return pw_jsonw_finish(&w);
}

pw_err pw_quarantine_add(struct pw_store *s, int64_t host_id, const char *reason,
			 const char *detail, int64_t now, const char *actor, int64_t *id,
			 struct pw_error *e)
{
	if (!pw_store_in_transaction(s))
		return pw_error_set(e, PW_ERR_USAGE, "quarantine: add needs a transaction");
	if (strcmp(reason, "overdue") != 0 && strcmp(reason, "silent") != 0)
		return pw_error_set(e, PW_ERR_INVALID, "quarantine: unknown reason '%s'", reason);
	int64_t cur, since;
	const char *cur_reason;
	pw_err rc = pw_quarantine_active(s, host_id, &cur, &cur_reason, &since, e);
	if (rc)
		return rc;
	if (cur)
		return pw_error_set(e, PW_ERR_INVALID, "quarantine: host %lld is already "
				    "quarantined (%s)", (long long)host_id, cur_reason);
	int64_t changes = 0;
	rc = pw_sql_run(s,
			"INSERT INTO quarantine(host_id, reason, detail, since) VALUES ($1, $2, $3, $4)",
			PW_SQL_ARGS(PW_SQL_I(host_id), PW_SQL_T(reason), PW_SQL_T(detail),
				    PW_SQL_I(now)),
			NULL, NULL, &changes, e);
	if (rc)
		return rc;
	rc = pw_quarantine_active(s, host_id, id, &cur_reason, &since, e);
	if (rc)
		return rc;
	struct pw_buf after = PW_BUF_INIT;
	char object[32];
	snprintf(object, sizeof(object), "host:%lld", (long long)host_id);
	if (audit_doc(&after, reason, detail, now, "since"))
		rc = pw_error_set(e, PW_ERR_NOMEM, "quarantine: out of memory");
	else
		rc = pw_audit_append(s, actor, "quarantine.add", object, NULL, after.data, e);
	pw_buf_free(&after);
	return rc;
}

struct lift_ctx {
	int64_t host_id;
	char reason[16];
	int64_t since;
	bool found;
};

static pw_err lift_row(void *ctx, const struct pw_sql_row *row, struct pw_error *e)
{
	struct lift_ctx *c = ctx;
	c->host_id = pw_sql_int(row, 0);
	snprintf(c->reason, sizeof(c->reason), "%s", pw_sql_text(row, 1) ? pw_sql_text(row, 1) : "");
	c->since = pw_sql_int(row, 2);
	c->found = true;
	return PW_OK;
}

pw_err pw_quarantine_lift(struct pw_store *s, int64_t id, int64_t now, const char *why,
			  const char *actor, struct pw_error *e)
{
	if (!pw_store_in_transaction(s))
		return pw_error_set(e, PW_ERR_USAGE, "quarantine: lift needs a transaction");
	struct lift_ctx c = { 0 };
	pw_err rc = pw_sql_run(s,
			       "SELECT host_id, reason, since FROM quarantine WHERE id = $1"
			       " AND lifted_at IS NULL",
			       PW_SQL_ARGS(PW_SQL_I(id)), lift_row, &c, NULL, e);
	if (rc)
		return rc;
	if (!c.found)
		return pw_error_set(e, PW_ERR_NOTFOUND, "quarantine %lld is not active",
				    (long long)id);
	rc = pw_sql_exec(s, "UPDATE quarantine SET lifted_at = $1, lift_reason = $2 WHERE id = $3",
			 PW_SQL_ARGS(PW_SQL_I(now), PW_SQL_T(why), PW_SQL_I(id)), e);
	if (rc)
		return rc;
	struct pw_buf before = PW_BUF_INIT, after = PW_BUF_INIT;
	char object[32];
	snprintf(object, sizeof(object), "host:%lld", (long long)c.host_id);
	if (audit_doc(&before, c.reason, NULL, c.since, "since") ||
	    audit_doc(&after, c.reason, why, now, "lifted_at"))
		rc = pw_error_set(e, PW_ERR_NOMEM, "quarantine: out of memory");
	else
		rc = pw_audit_append(s, actor, "quarantine.lift", object, before.data, after.data, e);
	pw_buf_free(&before);
	pw_buf_free(&after);
	return rc;
}

/* ---- outbox ---- */

pw_err pw_quarantine_outbox_add(struct pw_store *s, const char *key, const char *body,
				int64_t now, struct pw_error *e)
{
	return pw_sql_exec(s,
			   "INSERT INTO webhook_outbox(event_key, body, created_at, next_at)"
			   " VALUES ($1, $2, $3, $3) ON CONFLICT(event_key) DO NOTHING",
			   PW_SQL_ARGS(PW_SQL_T(key), PW_SQL_T(body), PW_SQL_I(now)), e);
}

struct outbox_ctx {
	pw_err (*cb)(void *ctx, const struct pw_outbox_item *it);
	void *ctx;
};

static pw_err outbox_row(void *ctx, const struct pw_sql_row *row, struct pw_error *e)
{
	struct outbox_ctx *c = ctx;
	struct pw_outbox_item it = {
		.id = pw_sql_int(row, 0),
		.key = pw_sql_text(row, 1),
		.body = pw_sql_text(row, 2),
		.attempts = pw_sql_int(row, 3),
	};
	return c->cb(c->ctx, &it);
}

pw_err pw_quarantine_outbox_each_due(struct pw_store *s, int64_t now, int64_t limit,
				     pw_err (*cb)(void *ctx, const struct pw_outbox_item *it),
				     void *ctx, struct pw_error *e)
{
	struct outbox_ctx c = { cb, ctx };
	return pw_sql_run(s,
			  "SELECT id, event_key, body, attempts FROM webhook_outbox"
			  " WHERE delivered_at IS NULL AND next_at <= $1 ORDER BY id LIMIT $2",
			  PW_SQL_ARGS(PW_SQL_I(now), PW_SQL_I(limit)), outbox_row, &c, NULL, e);
}

pw_err pw_quarantine_outbox_delivered(struct pw_store *s, int64_t id, int64_t now,
				      struct pw_error *e)
{
	return pw_sql_exec(s,
			   "UPDATE webhook_outbox SET delivered_at = $1, attempts = attempts + 1,"
			   " last_error = NULL WHERE id = $2",
			   PW_SQL_ARGS(PW_SQL_I(now), PW_SQL_I(id)), e);
}

pw_err pw_quarantine_outbox_failed(struct pw_store *s, int64_t id, int64_t next_at,
				   const char *error, struct pw_error *e)
{
	return pw_sql_exec(s,
			   "UPDATE webhook_outbox SET attempts = attempts + 1, next_at = $1,"
			   " last_error = $2 WHERE id = $3",
			   PW_SQL_ARGS(PW_SQL_I(next_at), PW_SQL_T(error), PW_SQL_I(id)), e);
}

pw_err pw_quarantine_outbox_postpone(struct pw_store *s, int64_t next_at, struct pw_error *e)
{
	return pw_sql_exec(s,
			   "UPDATE webhook_outbox SET next_at = $1"
			   " WHERE delivered_at IS NULL AND next_at < $1",
			   PW_SQL_ARGS(PW_SQL_I(next_at)), e);
}

struct counts_ctx {
	int64_t *queued, *delivered;
};

static pw_err counts_row(void *ctx, const struct pw_sql_row *row, struct pw_error *e)
{
	struct counts_ctx *c = ctx;
	*c->queued = pw_sql_int(row, 0);
	*c->delivered = pw_sql_int(row, 1);
	return PW_OK;
}

pw_err pw_quarantine_outbox_counts(struct pw_store *s, int64_t *queued, int64_t *delivered,
				   struct pw_error *e)
{
	struct counts_ctx c = { queued, delivered };
	*queued = *delivered = 0;
	return pw_sql_run(s,
			  "SELECT COALESCE(SUM(delivered_at IS NULL), 0),"
			  " COALESCE(SUM(delivered_at IS NOT NULL), 0) FROM webhook_outbox",
			  PW_SQL_NOARGS, counts_row, &c, NULL, e);
}
