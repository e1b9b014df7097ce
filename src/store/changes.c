/* changes.c - changes, approvals, rings and jobs in portable SQL (see
 * pw_changes.h). */
#include "pw_changes.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "pw_sql.h"

static const char *const sqlite_steps[] = {
	"CREATE TABLE changes("
	" id INTEGER PRIMARY KEY,"
	" title TEXT NOT NULL, ticket TEXT,"
	" requester TEXT NOT NULL, requester_key TEXT NOT NULL,"
	" kind TEXT NOT NULL CHECK (kind IN ('normal', 'emergency')),"
	" state TEXT NOT NULL,"
	" selector TEXT NOT NULL,"
	" target_group TEXT, pilot_group TEXT,"
	" rings TEXT NOT NULL,"
	" success_pct INTEGER NOT NULL, soak_s BIGINT NOT NULL, concurrency INTEGER NOT NULL,"
	" approvals_needed INTEGER NOT NULL,"
	" reboot TEXT NOT NULL CHECK (reboot IN ('never', 'if_required', 'always')),"
	" health_check INTEGER NOT NULL, job_ttl BIGINT NOT NULL,"
	" revision INTEGER NOT NULL DEFAULT 1,"
	" current_ring INTEGER NOT NULL DEFAULT -1,"
	" created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL,"
	" approved_at BIGINT, started_at BIGINT, finished_at BIGINT,"
	" halt_reason TEXT, evidence TEXT);"
	"CREATE INDEX changes_state ON changes(state, id);"
	"CREATE TABLE change_targets("
	" change_id INTEGER NOT NULL REFERENCES changes(id),"
	" host_id INTEGER NOT NULL,"
	" ring INTEGER NOT NULL,"
	" packages TEXT NOT NULL,"
	" PRIMARY KEY (change_id, host_id));"
	"CREATE INDEX change_targets_ring ON change_targets(change_id, ring, host_id);"
	"CREATE TABLE change_approvals("
	" id INTEGER PRIMARY KEY,"
	" change_id INTEGER NOT NULL REFERENCES changes(id),"
	" revision INTEGER NOT NULL,"
	" actor TEXT NOT NULL, actor_key TEXT NOT NULL,"
	" decision TEXT NOT NULL CHECK (decision IN ('approve', 'reject')),"
	" reason TEXT, at BIGINT NOT NULL);"
	"CREATE INDEX change_approvals_change ON change_approvals(change_id, revision);"
	"CREATE TABLE change_rings("
	" change_id INTEGER NOT NULL REFERENCES changes(id),"
	" ring INTEGER NOT NULL, name TEXT NOT NULL, hosts INTEGER NOT NULL,"
	" state TEXT NOT NULL CHECK (state IN ('pending', 'active', 'passed', 'halted')),"
	" started_at BIGINT, passed_at BIGINT,"
	" PRIMARY KEY (change_id, ring));"
	"CREATE TABLE jobs("
	" id TEXT PRIMARY KEY,"
	" change_id INTEGER NOT NULL REFERENCES changes(id),"
	" host_id INTEGER NOT NULL, ring INTEGER NOT NULL,"
	" action TEXT NOT NULL, packages TEXT NOT NULL, of_job TEXT,"
	" reboot TEXT NOT NULL, health_check INTEGER NOT NULL,"
	" state TEXT NOT NULL, acked INTEGER NOT NULL DEFAULT 0,"
	" created_at BIGINT NOT NULL, dispatched_at BIGINT, not_after BIGINT,"
	" reported_at BIGINT, health TEXT, verified INTEGER, report TEXT);"
	/* the check-in's probe: hosts with work waiting */
	"CREATE INDEX jobs_queued ON jobs(host_id) WHERE state = 'queued';"
	"CREATE INDEX jobs_ring ON jobs(change_id, ring, state);",
};

pw_err pw_changes_migrate(struct pw_store *s, struct pw_error *e)
{
	static const struct pw_sql_migrations m = {
		"changes", sqlite_steps, sizeof(sqlite_steps) / sizeof(sqlite_steps[0]),
	};
	return pw_sql_migrate(s, &m, e);
}

static const char *dup(struct pw_arena *a, const char *s)
{
	return s && a ? pw_arena_strdup(a, s) : s;
}

/* ---- changes ---- */

static pw_err id_row(void *ctx, const struct pw_sql_row *row, struct pw_error *e)
{
	(void)e;
	*(int64_t *)ctx = pw_sql_int(row, 0);
	return PW_OK;
}

pw_err pw_changes_insert(struct pw_store *s, const struct pw_change_row *c, int64_t now,
			 int64_t *id, struct pw_error *e)
{
	*id = 0;
	return pw_sql_run(
		s,
		"INSERT INTO changes(title, ticket, requester, requester_key, kind, state, selector,"
		" target_group, pilot_group, rings, success_pct, soak_s, concurrency,"
		" approvals_needed, reboot, health_check, job_ttl, created_at, updated_at)"
		" VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16,"
		" $17, $18, $18) RETURNING id",
		PW_SQL_ARGS(PW_SQL_T(c->title), PW_SQL_T(c->ticket), PW_SQL_T(c->requester),
			    PW_SQL_T(c->requester_key), PW_SQL_T(c->kind), PW_SQL_T(c->state),
			    PW_SQL_T(c->selector), PW_SQL_T(c->target_group), PW_SQL_T(c->pilot_group),
			    PW_SQL_T(c->rings), PW_SQL_I(c->success_pct), PW_SQL_I(c->soak_s),
			    PW_SQL_I(c->concurrency), PW_SQL_I(c->approvals_needed),
			    PW_SQL_T(c->reboot), PW_SQL_I(c->health_check), PW_SQL_I(c->job_ttl),
			    PW_SQL_I(now)),
		id_row, id, NULL, e);
}

#define CHANGE_COLS                                                                            \
	"c.id, c.title, c.ticket, c.requester, c.requester_key, c.kind, c.state, c.selector,"  \
	" c.target_group, c.pilot_group, c.rings, c.success_pct, c.soak_s, c.concurrency,"     \
	" c.approvals_needed, c.reboot, c.health_check, c.job_ttl, c.revision, c.current_ring," \
	" c.created_at, c.updated_at, c.approved_at, c.started_at, c.finished_at,"             \
	" c.halt_reason, c.evidence,"                                                          \
	" (SELECT count(*) FROM change_targets t WHERE t.change_id = c.id)"

static void change_of_row(const struct pw_sql_row *row, struct pw_arena *a,
			  struct pw_change_row *c)
{
	memset(c, 0, sizeof(*c));
	c->id = pw_sql_int(row, 0);
	c->title = dup(a, pw_sql_text(row, 1));
	c->ticket = dup(a, pw_sql_text(row, 2));
	c->requester = dup(a, pw_sql_text(row, 3));
	c->requester_key = dup(a, pw_sql_text(row, 4));
	c->kind = dup(a, pw_sql_text(row, 5));
	c->state = dup(a, pw_sql_text(row, 6));
	c->selector = dup(a, pw_sql_text(row, 7));
	c->target_group = dup(a, pw_sql_text(row, 8));
	c->pilot_group = dup(a, pw_sql_text(row, 9));
	c->rings = dup(a, pw_sql_text(row, 10));
	c->success_pct = (int)pw_sql_int(row, 11);
	c->soak_s = pw_sql_int(row, 12);
	c->concurrency = (int)pw_sql_int(row, 13);
	c->approvals_needed = (int)pw_sql_int(row, 14);
	c->reboot = dup(a, pw_sql_text(row, 15));
	c->health_check = pw_sql_int(row, 16) != 0;
	c->job_ttl = pw_sql_int(row, 17);
	c->revision = pw_sql_int(row, 18);
	c->current_ring = (int)pw_sql_int(row, 19);
	c->created_at = pw_sql_int(row, 20);
	c->updated_at = pw_sql_int(row, 21);
	c->approved_at = pw_sql_int(row, 22);
	c->started_at = pw_sql_int(row, 23);
	c->finished_at = pw_sql_int(row, 24);
	c->halt_reason = dup(a, pw_sql_text(row, 25));
	c->evidence = dup(a, pw_sql_text(row, 26));
	c->nhosts = pw_sql_int(row, 27);
}

struct get_ctx {
	struct pw_arena *a;
	struct pw_change_row *out;
	bool found;
};

static pw_err get_row(void *ctx, const struct pw_sql_row *row, struct pw_error *e)
{
	struct get_ctx *g = ctx;
	(void)e;
	change_of_row(row, g->a, g->out);
	g->found = true;
	return PW_OK;
}

pw_err pw_changes_get(struct pw_store *s, int64_t id, struct pw_arena *a,
		      struct pw_change_row *out, struct pw_error *e)
{
	struct get_ctx g = { a, out, false };
	pw_err rc = pw_sql_run(s, "SELECT " CHANGE_COLS " FROM changes c WHERE c.id = $1",
			       PW_SQL_ARGS(PW_SQL_I(id)), get_row, &g, NULL, e);
	if (!rc && !g.found)
		rc = pw_error_set(e, PW_ERR_NOTFOUND, "no change c-%lld", (long long)id);
	return rc;
}

struct each_ctx {
	pw_err (*cb)(void *ctx, const struct pw_change_row *c);
	void *ctx;
};

static pw_err each_row(void *ctx, const struct pw_sql_row *row, struct pw_error *e)
{
	struct each_ctx *x = ctx;
	struct pw_change_row c;
	(void)e;
	change_of_row(row, NULL, &c);
	return x->cb(x->ctx, &c);
}

pw_err pw_changes_each(struct pw_store *s, const char *state, int64_t after_id, int64_t limit,
		       pw_err (*cb)(void *ctx, const struct pw_change_row *c), void *ctx,
		       struct pw_error *e)
{
	struct each_ctx x = { cb, ctx };
	return pw_sql_run(s,
			  "SELECT " CHANGE_COLS " FROM changes c WHERE ($1 IS NULL OR c.state = $1)"
			  " AND c.id > $2 ORDER BY c.id LIMIT $3",
			  PW_SQL_ARGS(PW_SQL_T(state), PW_SQL_I(after_id),
				      PW_SQL_I(limit > 0 ? limit : -1)),
			  each_row, &x, NULL, e);
}

struct ids_ctx {
	int64_t *ids;
	size_t max, n;
};

static pw_err ids_row(void *ctx, const struct pw_sql_row *row, struct pw_error *e)
{
	struct ids_ctx *x = ctx;
	(void)e;
	if (x->n < x->max)
		x->ids[x->n++] = pw_sql_int(row, 0);
	return PW_OK;
}

pw_err pw_changes_ids_in_state(struct pw_store *s, const char *state, int64_t *ids, size_t max,
			       size_t *n, struct pw_error *e)
{
	struct ids_ctx x = { ids, max, 0 };
	pw_err rc = pw_sql_run(s, "SELECT id FROM changes WHERE state = $1 ORDER BY id LIMIT $2",
			       PW_SQL_ARGS(PW_SQL_T(state), PW_SQL_I((int64_t)max)), ids_row, &x,
			       NULL, e);
	*n = x.n;
	return rc;
}

static pw_err touched(pw_err rc, int64_t changed, int64_t id, struct pw_error *e)
{
	if (!rc && changed == 0)
		rc = pw_error_set(e, PW_ERR_NOTFOUND, "no change c-%lld", (long long)id);
	return rc;
}

pw_err pw_changes_set_state(struct pw_store *s, int64_t id, const char *state, int64_t now,
			    struct pw_error *e)
{
	int64_t n = 0;
	pw_err rc = pw_sql_run(s, "UPDATE changes SET state = $2, updated_at = $3 WHERE id = $1",
			       PW_SQL_ARGS(PW_SQL_I(id), PW_SQL_T(state), PW_SQL_I(now)), NULL,
			       NULL, &n, e);
	return touched(rc, n, id, e);
}

pw_err pw_changes_set_halt(struct pw_store *s, int64_t id, const char *reason, int64_t now,
			   struct pw_error *e)
{
	int64_t n = 0;
	pw_err rc = pw_sql_run(s,
			       "UPDATE changes SET halt_reason = $2, updated_at = $3 WHERE id = $1",
			       PW_SQL_ARGS(PW_SQL_I(id), PW_SQL_T(reason), PW_SQL_I(now)), NULL,
			       NULL, &n, e);
	return touched(rc, n, id, e);
}

pw_err pw_changes_set_ring(struct pw_store *s, int64_t id, int ring, int64_t now,
			   struct pw_error *e)
{
	int64_t n = 0;
	pw_err rc = pw_sql_run(s,
			       "UPDATE changes SET current_ring = $2, updated_at = $3 WHERE id = $1",
			       PW_SQL_ARGS(PW_SQL_I(id), PW_SQL_I(ring), PW_SQL_I(now)), NULL,
			       NULL, &n, e);
	return touched(rc, n, id, e);
}

pw_err pw_changes_stamp(struct pw_store *s, int64_t id, const char *which, int64_t now,
			struct pw_error *e)
{
	/* one literal per column: the statement cache is keyed by the text */
	const char *sql = strcmp(which, "approved_at") == 0
		? "UPDATE changes SET approved_at = $2, updated_at = $2 WHERE id = $1"
		: strcmp(which, "started_at") == 0
		? "UPDATE changes SET started_at = $2, updated_at = $2 WHERE id = $1"
		: strcmp(which, "finished_at") == 0
		? "UPDATE changes SET finished_at = $2, updated_at = $2 WHERE id = $1"
		: NULL;
	if (!sql)
		return pw_error_set(e, PW_ERR_USAGE, "changes: no time column '%s'", which);
	int64_t n = 0;
	pw_err rc = pw_sql_run(s, sql, PW_SQL_ARGS(PW_SQL_I(id), PW_SQL_I(now)), NULL, NULL, &n, e);
	return touched(rc, n, id, e);
}

pw_err pw_changes_set_evidence(struct pw_store *s, int64_t id, const char *json, int64_t now,
			       struct pw_error *e)
{
	int64_t n = 0;
	pw_err rc = pw_sql_run(s, "UPDATE changes SET evidence = $2, updated_at = $3 WHERE id = $1",
			       PW_SQL_ARGS(PW_SQL_I(id), PW_SQL_T(json), PW_SQL_I(now)), NULL,
			       NULL, &n, e);
	return touched(rc, n, id, e);
}

pw_err pw_changes_edit(struct pw_store *s, int64_t id, const char *title, const char *ticket,
		       int success_pct, int64_t soak_s, int concurrency, int64_t now,
		       struct pw_error *e)
{
	int64_t n = 0;
	pw_err rc = pw_sql_run(
		s,
		"UPDATE changes SET title = coalesce($2, title), ticket = coalesce($3, ticket),"
		" success_pct = CASE WHEN $4 < 0 THEN success_pct ELSE $4 END,"
		" soak_s = CASE WHEN $5 < 0 THEN soak_s ELSE $5 END,"
		" concurrency = CASE WHEN $6 < 0 THEN concurrency ELSE $6 END,"
		" revision = revision + 1, updated_at = $7 WHERE id = $1",
		PW_SQL_ARGS(PW_SQL_I(id), PW_SQL_T(title), PW_SQL_T(ticket), PW_SQL_I(success_pct),
			    PW_SQL_I(soak_s), PW_SQL_I(concurrency), PW_SQL_I(now)),
		NULL, NULL, &n, e);
	return touched(rc, n, id, e);
}

/* ---- targets ---- */

pw_err pw_changes_add_target(struct pw_store *s, int64_t change, int64_t host, int ring,
			     const char *packages_json, struct pw_error *e)
{
	return pw_sql_exec(s,
			   "INSERT INTO change_targets(change_id, host_id, ring, packages)"
			   " VALUES ($1, $2, $3, $4)",
			   PW_SQL_ARGS(PW_SQL_I(change), PW_SQL_I(host), PW_SQL_I(ring),
				       PW_SQL_T(packages_json)),
			   e);
}

struct target_ctx {
	pw_err (*cb)(void *ctx, int64_t host, const char *hostname, int ring,
		     const char *packages_json);
	void *ctx;
};

static pw_err target_row(void *ctx, const struct pw_sql_row *row, struct pw_error *e)
{
	struct target_ctx *t = ctx;
	(void)e;
	return t->cb(t->ctx, pw_sql_int(row, 0), pw_sql_text(row, 1), (int)pw_sql_int(row, 2),
		     pw_sql_text(row, 3));
}

pw_err pw_changes_each_target(struct pw_store *s, int64_t change, int ring,
			      pw_err (*cb)(void *ctx, int64_t host, const char *hostname, int ring,
					   const char *packages_json),
			      void *ctx, struct pw_error *e)
{
	struct target_ctx t = { cb, ctx };
	return pw_sql_run(s,
			  "SELECT t.host_id, h.hostname, t.ring, t.packages FROM change_targets t"
			  " LEFT JOIN hosts h ON h.id = t.host_id"
			  " WHERE t.change_id = $1 AND ($2 < 0 OR t.ring = $2) ORDER BY t.host_id",
			  PW_SQL_ARGS(PW_SQL_I(change), PW_SQL_I(ring)), target_row, &t, NULL, e);
}

/* ---- approvals ---- */

pw_err pw_changes_add_approval(struct pw_store *s, int64_t change,
			       const struct pw_change_approval *ap, struct pw_error *e)
{
	return pw_sql_exec(s,
			   "INSERT INTO change_approvals(change_id, revision, actor, actor_key,"
			   " decision, reason, at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
			   PW_SQL_ARGS(PW_SQL_I(change), PW_SQL_I(ap->revision), PW_SQL_T(ap->actor),
				       PW_SQL_T(ap->actor_key), PW_SQL_T(ap->decision),
				       PW_SQL_T(ap->reason), PW_SQL_I(ap->at)),
			   e);
}

struct count_ctx {
	int64_t *n;
	bool *by_key;
};

static pw_err count_row(void *ctx, const struct pw_sql_row *row, struct pw_error *e)
{
	struct count_ctx *c = ctx;
	(void)e;
	*c->n = pw_sql_int(row, 0);
	*c->by_key = pw_sql_int(row, 1) > 0;
	return PW_OK;
}

pw_err pw_changes_count_approvals(struct pw_store *s, int64_t change, int64_t revision,
				  const char *key, int64_t *n, bool *by_key, struct pw_error *e)
{
	struct count_ctx c = { n, by_key };
	*n = 0;
	*by_key = false;
	return pw_sql_run(s,
			  "SELECT count(DISTINCT actor_key),"
			  " coalesce(sum(CASE WHEN actor_key = $3 THEN 1 ELSE 0 END), 0)"
			  " FROM change_approvals WHERE change_id = $1 AND revision = $2"
			  " AND decision = 'approve'",
			  PW_SQL_ARGS(PW_SQL_I(change), PW_SQL_I(revision), PW_SQL_T(key)),
			  count_row, &c, NULL, e);
}

struct approval_ctx {
	pw_err (*cb)(void *ctx, const struct pw_change_approval *ap);
	void *ctx;
};

static pw_err approval_row(void *ctx, const struct pw_sql_row *row, struct pw_error *e)
{
	struct approval_ctx *x = ctx;
	(void)e;
	struct pw_change_approval ap = {
		pw_sql_int(row, 0), pw_sql_text(row, 1), pw_sql_text(row, 2),
		pw_sql_text(row, 3), pw_sql_text(row, 4), pw_sql_int(row, 5),
	};
	return x->cb(x->ctx, &ap);
}

pw_err pw_changes_each_approval(struct pw_store *s, int64_t change,
				pw_err (*cb)(void *ctx, const struct pw_change_approval *ap),
				void *ctx, struct pw_error *e)
{
	struct approval_ctx x = { cb, ctx };
	return pw_sql_run(s,
			  "SELECT revision, actor, actor_key, decision, reason, at"
			  " FROM change_approvals WHERE change_id = $1 ORDER BY id",
			  PW_SQL_ARGS(PW_SQL_I(change)), approval_row, &x, NULL, e);
}

/* ---- rings ---- */

pw_err pw_changes_add_ring(struct pw_store *s, int64_t change, int ring, const char *name,
			   int64_t hosts, struct pw_error *e)
{
	return pw_sql_exec(s,
			   "INSERT INTO change_rings(change_id, ring, name, hosts, state)"
			   " VALUES ($1, $2, $3, $4, 'pending')",
			   PW_SQL_ARGS(PW_SQL_I(change), PW_SQL_I(ring), PW_SQL_T(name),
				       PW_SQL_I(hosts)),
			   e);
}

pw_err pw_changes_ring_state(struct pw_store *s, int64_t change, int ring, const char *state,
			     int64_t now, struct pw_error *e)
{
	int64_t n = 0;
	pw_err rc = pw_sql_run(
		s,
		"UPDATE change_rings SET state = $3,"
		" started_at = CASE WHEN $3 = 'active' AND started_at IS NULL THEN $4"
		" ELSE started_at END,"
		" passed_at = CASE WHEN $3 = 'passed' THEN $4 ELSE passed_at END"
		" WHERE change_id = $1 AND ring = $2",
		PW_SQL_ARGS(PW_SQL_I(change), PW_SQL_I(ring), PW_SQL_T(state), PW_SQL_I(now)), NULL,
		NULL, &n, e);
	if (!rc && n == 0)
		rc = pw_error_set(e, PW_ERR_NOTFOUND, "change c-%lld has no ring %d",
				  (long long)change, ring);
	return rc;
}

struct ring_ctx {
	pw_err (*cb)(void *ctx, const struct pw_change_ring *r);
	void *ctx;
};

static pw_err ring_row(void *ctx, const struct pw_sql_row *row, struct pw_error *e)
{
	struct ring_ctx *x = ctx;
	(void)e;
	struct pw_change_ring r = {
		(int)pw_sql_int(row, 0), pw_sql_text(row, 1), pw_sql_int(row, 2),
		pw_sql_text(row, 3), pw_sql_int(row, 4), pw_sql_int(row, 5),
	};
	return x->cb(x->ctx, &r);
}

pw_err pw_changes_each_ring(struct pw_store *s, int64_t change,
			    pw_err (*cb)(void *ctx, const struct pw_change_ring *r), void *ctx,
			    struct pw_error *e)
{
	struct ring_ctx x = { cb, ctx };
	return pw_sql_run(s,
			  "SELECT ring, name, hosts, state, started_at, passed_at FROM change_rings"
			  " WHERE change_id = $1 ORDER BY ring",
			  PW_SQL_ARGS(PW_SQL_I(change)), ring_row, &x, NULL, e);
}

/* ---- jobs ---- */

pw_err pw_jobs_insert(struct pw_store *s, const struct pw_job_row *j, int64_t now,
		      char id_out[PW_JOB_ID_SIZE], struct pw_error *e)
{
	unsigned char raw[8];
	char id[PW_JOB_ID_SIZE];
	if (sodium_init() < 0)
		return pw_error_set(e, PW_ERR_IO, "cannot initialise libsodium's random source");
	randombytes_buf(raw, sizeof(raw));
	memcpy(id, "j-", 2);
	sodium_bin2hex(id + 2, sizeof(id) - 2, raw, sizeof(raw));
	pw_err rc = pw_sql_exec(
		s,
		"INSERT INTO jobs(id, change_id, host_id, ring, action, packages, of_job, reboot,"
		" health_check, state, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9,"
		" 'queued', $10)",
		PW_SQL_ARGS(PW_SQL_T(id), PW_SQL_I(j->change_id), PW_SQL_I(j->host_id),
			    PW_SQL_I(j->ring), PW_SQL_T(j->action), PW_SQL_T(j->packages),
			    PW_SQL_T(j->of), PW_SQL_T(j->reboot), PW_SQL_I(j->health_check),
			    PW_SQL_I(now)),
		e);
	if (!rc && id_out)
		memcpy(id_out, id, PW_JOB_ID_SIZE);
	return rc;
}

static pw_err any_row(void *ctx, const struct pw_sql_row *row, struct pw_error *e)
{
	(void)row;
	(void)e;
	*(bool *)ctx = true;
	return PW_OK;
}

pw_err pw_jobs_any_queued(struct pw_store *s, int64_t host, bool *any, struct pw_error *e)
{
	*any = false;
	return pw_sql_run(s, "SELECT 1 FROM jobs WHERE host_id = $1 AND state = 'queued' LIMIT 1",
			  PW_SQL_ARGS(PW_SQL_I(host)), any_row, any, NULL, e);
}

struct cand_ctx {
	struct pw_arena *a;
	struct pw_job_candidate *out;
	size_t max, n;
};

static pw_err cand_row(void *ctx, const struct pw_sql_row *row, struct pw_error *e)
{
	struct cand_ctx *x = ctx;
	if (x->n == x->max)
		return PW_OK;
	struct pw_job_candidate *c = &x->out[x->n];
	c->id = dup(x->a, pw_sql_text(row, 0));
	c->change_id = pw_sql_int(row, 1);
	c->ring = (int)pw_sql_int(row, 2);
	c->action = dup(x->a, pw_sql_text(row, 3));
	c->change_state = dup(x->a, pw_sql_text(row, 4));
	c->change_kind = dup(x->a, pw_sql_text(row, 5));
	c->target_group = dup(x->a, pw_sql_text(row, 6));
	c->ring_state = dup(x->a, pw_sql_text(row, 7));
	c->concurrency = (int)pw_sql_int(row, 8);
	c->job_ttl = pw_sql_int(row, 9);
	if (!c->id || !c->action || !c->change_state)
		return pw_error_set(e, PW_ERR_NOMEM, "out of memory reading the jobs of a host");
	x->n++;
	return PW_OK;
}

pw_err pw_jobs_candidates(struct pw_store *s, int64_t host, struct pw_arena *a,
			  struct pw_job_candidate *out, size_t max, size_t *n, struct pw_error *e)
{
	struct cand_ctx x = { a, out, max, 0 };
	pw_err rc = pw_sql_run(
		s,
		"SELECT j.id, j.change_id, j.ring, j.action, c.state, c.kind, c.target_group,"
		" r.state, c.concurrency, c.job_ttl FROM jobs j JOIN changes c ON c.id = j.change_id"
		" LEFT JOIN change_rings r ON r.change_id = j.change_id AND r.ring = j.ring"
		" WHERE j.host_id = $1 AND j.state = 'queued' ORDER BY j.created_at, j.id",
		PW_SQL_ARGS(PW_SQL_I(host)), cand_row, &x, NULL, e);
	*n = x.n;
	return rc;
}

static pw_err int_row(void *ctx, const struct pw_sql_row *row, struct pw_error *e)
{
	(void)e;
	*(int64_t *)ctx = pw_sql_int(row, 0);
	return PW_OK;
}

pw_err pw_jobs_in_flight(struct pw_store *s, int64_t change, int ring, int64_t *n,
			 struct pw_error *e)
{
	*n = 0;
	return pw_sql_run(s,
			  "SELECT count(*) FROM jobs WHERE change_id = $1 AND ring = $2"
			  " AND state IN ('dispatched', 'running')",
			  PW_SQL_ARGS(PW_SQL_I(change), PW_SQL_I(ring)), int_row, n, NULL, e);
}

#define JOB_COLS                                                                               \
	"id, change_id, host_id, ring, action, packages, of_job, reboot, health_check, state,"  \
	" created_at, dispatched_at, not_after, reported_at, health, verified, report"

struct job_ctx {
	struct pw_arena *a;
	struct pw_job_row *out;
	bool found;
	pw_err (*cb)(void *ctx, const struct pw_job_row *j);
	void *ctx;
};

static void job_of_row(const struct pw_sql_row *row, struct pw_arena *a, struct pw_job_row *j)
{
	j->id = dup(a, pw_sql_text(row, 0));
	j->change_id = pw_sql_int(row, 1);
	j->host_id = pw_sql_int(row, 2);
	j->ring = (int)pw_sql_int(row, 3);
	j->action = dup(a, pw_sql_text(row, 4));
	j->packages = dup(a, pw_sql_text(row, 5));
	j->of = dup(a, pw_sql_text(row, 6));
	j->reboot = dup(a, pw_sql_text(row, 7));
	j->health_check = pw_sql_int(row, 8) != 0;
	j->state = dup(a, pw_sql_text(row, 9));
	j->created_at = pw_sql_int(row, 10);
	j->dispatched_at = pw_sql_int(row, 11);
	j->not_after = pw_sql_int(row, 12);
	j->reported_at = pw_sql_int(row, 13);
	j->health = dup(a, pw_sql_text(row, 14));
	j->verified = pw_sql_isnull(row, 15) ? -1 : (int)pw_sql_int(row, 15);
	j->report = dup(a, pw_sql_text(row, 16));
}

static pw_err job_row(void *ctx, const struct pw_sql_row *row, struct pw_error *e)
{
	struct job_ctx *x = ctx;
	if (x->cb) {
		struct pw_job_row j;
		job_of_row(row, NULL, &j);
		return x->cb(x->ctx, &j);
	}
	job_of_row(row, x->a, x->out);
	if (!x->out->id || !x->out->packages || !x->out->state)
		return pw_error_set(e, PW_ERR_NOMEM, "out of memory reading a job");
	x->found = true;
	return PW_OK;
}

pw_err pw_jobs_claim(struct pw_store *s, const char *id, int64_t now, int64_t not_after,
		     struct pw_arena *a, struct pw_job_row *out, bool *claimed, struct pw_error *e)
{
	struct job_ctx x = { a, out, false, NULL, NULL };
	pw_err rc = pw_sql_run(s,
			       "UPDATE jobs SET state = 'dispatched', dispatched_at = $2,"
			       " not_after = $3 WHERE id = $1 AND state = 'queued' RETURNING " JOB_COLS,
			       PW_SQL_ARGS(PW_SQL_T(id), PW_SQL_I(now), PW_SQL_I(not_after)), job_row,
			       &x, NULL, e);
	*claimed = x.found;
	return rc;
}

pw_err pw_jobs_get(struct pw_store *s, const char *id, struct pw_arena *a, struct pw_job_row *out,
		   struct pw_error *e)
{
	struct job_ctx x = { a, out, false, NULL, NULL };
	pw_err rc = pw_sql_run(s, "SELECT " JOB_COLS " FROM jobs WHERE id = $1",
			       PW_SQL_ARGS(PW_SQL_T(id)), job_row, &x, NULL, e);
	if (!rc && !x.found)
		rc = pw_error_set(e, PW_ERR_NOTFOUND, "no job %.64s", id);
	return rc;
}

pw_err pw_jobs_report(struct pw_store *s, const char *id, const char *state, const char *health,
		      int verified, const char *report_json, int64_t now, struct pw_error *e)
{
	return pw_sql_exec(s,
			   "UPDATE jobs SET state = $2, health = $3,"
			   " verified = CASE WHEN $4 < 0 THEN NULL ELSE $4 END, report = $5,"
			   " reported_at = $6 WHERE id = $1",
			   PW_SQL_ARGS(PW_SQL_T(id), PW_SQL_T(state), PW_SQL_T(health),
				       PW_SQL_I(verified), PW_SQL_T(report_json), PW_SQL_I(now)),
			   e);
}

pw_err pw_jobs_each(struct pw_store *s, int64_t change, int ring, const char *action,
		    pw_err (*cb)(void *ctx, const struct pw_job_row *j), void *ctx,
		    struct pw_error *e)
{
	struct job_ctx x = { NULL, NULL, false, cb, ctx };
	return pw_sql_run(s,
			  "SELECT " JOB_COLS " FROM jobs WHERE change_id = $1"
			  " AND ($2 < 0 OR ring = $2) AND ($3 IS NULL OR action = $3)"
			  " ORDER BY created_at, host_id",
			  PW_SQL_ARGS(PW_SQL_I(change), PW_SQL_I(ring), PW_SQL_T(action)), job_row, &x,
			  NULL, e);
}

pw_err pw_jobs_cancel_queued(struct pw_store *s, int64_t change, const char *keep_action,
			     int64_t *n, struct pw_error *e)
{
	int64_t dummy;
	return pw_sql_run(s,
			  "UPDATE jobs SET state = 'cancelled' WHERE change_id = $1"
			  " AND state = 'queued' AND ($2 IS NULL OR action <> $2)",
			  PW_SQL_ARGS(PW_SQL_I(change), PW_SQL_T(keep_action)), NULL, NULL,
			  n ? n : &dummy, e);
}

pw_err pw_jobs_expire(struct pw_store *s, int64_t change, int64_t before, int64_t now,
		      int64_t *n, struct pw_error *e)
{
	return pw_sql_run(s,
			  "UPDATE jobs SET state = 'expired', reported_at = $3 WHERE change_id = $1"
			  " AND state IN ('dispatched', 'running') AND not_after < $2",
			  PW_SQL_ARGS(PW_SQL_I(change), PW_SQL_I(before), PW_SQL_I(now)), NULL, NULL,
			  n, e);
}

pw_err pw_jobs_ack_failed(struct pw_store *s, int64_t change, int ring, struct pw_error *e)
{
	return pw_sql_exec(s,
			   "UPDATE jobs SET acked = 1 WHERE change_id = $1 AND ring = $2"
			   " AND state IN ('failed', 'rolled_back', 'rollback_failed', 'rejected',"
			   " 'expired', 'succeeded') AND (state <> 'succeeded' OR coalesce(verified, 0) = 0"
			   " OR coalesce(health, '') = 'failed')",
			   PW_SQL_ARGS(PW_SQL_I(change), PW_SQL_I(ring)), e);
}

static pw_err counts_row(void *ctx, const struct pw_sql_row *row, struct pw_error *e)
{
	struct pw_job_counts *c = ctx;
	(void)e;
	const char *state = pw_sql_text(row, 0);
	bool verified = pw_sql_int(row, 1) != 0, health_failed = pw_sql_int(row, 2) != 0;
	bool acked = pw_sql_int(row, 3) != 0;
	int64_t n = pw_sql_int(row, 4), last = pw_sql_int(row, 5);
	if (!state)
		return PW_OK;
	if (acked) {
		c->acked += n;
		return PW_OK;
	}
	c->total += n;
	if (last > c->last_report)
		c->last_report = last;
	if (strcmp(state, "queued") == 0 || strcmp(state, "dispatched") == 0 ||
	    strcmp(state, "running") == 0) {
		c->waiting += n;
		return PW_OK;
	}
	if (health_failed)
		c->health_failed += n;
	if (strcmp(state, "rolled_back") == 0 || strcmp(state, "rollback_failed") == 0)
		c->rolled_back += n;
	/* a success only when the agent read back the target versions and no
	 * health check failed */
	if (strcmp(state, "succeeded") == 0 && verified && !health_failed)
		c->succeeded += n;
	else if (strcmp(state, "cancelled") != 0)
		c->failed += n;
	else
		c->total -= n;
	return PW_OK;
}

pw_err pw_jobs_count(struct pw_store *s, int64_t change, int ring, const char *action,
		     struct pw_job_counts *out, struct pw_error *e)
{
	memset(out, 0, sizeof(*out));
	return pw_sql_run(s,
			  "SELECT state, coalesce(verified, 0), coalesce(health, '') = 'failed',"
			  " acked, count(*), coalesce(max(reported_at), 0) FROM jobs"
			  " WHERE change_id = $1 AND ($2 < 0 OR ring = $2)"
			  " AND ($3 IS NULL OR action = $3) GROUP BY 1, 2, 3, 4",
			  PW_SQL_ARGS(PW_SQL_I(change), PW_SQL_I(ring), PW_SQL_T(action)),
			  counts_row, out, NULL, e);
}

/* ---- planning reads ---- */

struct pkg_ctx {
	pw_err (*cb)(void *ctx, const char *family, const char *name, const char *version,
		     const char *candidate, bool security);
	void *ctx;
};

static pw_err pkg_row(void *ctx, const struct pw_sql_row *row, struct pw_error *e)
{
	struct pkg_ctx *p = ctx;
	(void)e;
	return p->cb(p->ctx, pw_sql_text(row, 0), pw_sql_text(row, 1), pw_sql_text(row, 2),
		     pw_sql_text(row, 3), pw_sql_int(row, 4) != 0);
}

pw_err pw_changes_host_packages(struct pw_store *s, int64_t host, const char *const *names,
				size_t nnames,
				pw_err (*cb)(void *ctx, const char *family, const char *name,
					     const char *version, const char *candidate,
					     bool security),
				void *ctx, struct pw_error *e)
{
	struct pkg_ctx p = { cb, ctx };
	for (size_t i = 0; i < nnames; i++) {
		/* the family IN list lets the (host_id, family, name, ...) key
		 * answer with three probes */
		pw_err rc = pw_sql_run(
			s,
			"SELECT family, name, version, candidate_version, candidate_security"
			" FROM host_packages WHERE host_id = $1 AND family IN ('deb', 'rpm', 'apk')"
			" AND name = $2 AND state = 'installed'",
			PW_SQL_ARGS(PW_SQL_I(host), PW_SQL_T(names[i])), pkg_row, &p, NULL, e);
		if (rc)
			return rc;
	}
	return PW_OK;
}

pw_err pw_changes_host_updates(struct pw_store *s, int64_t host, bool security_only,
			       pw_err (*cb)(void *ctx, const char *family, const char *name,
					    const char *version, const char *candidate,
					    bool security),
			       void *ctx, struct pw_error *e)
{
	struct pkg_ctx p = { cb, ctx };
	return pw_sql_run(s,
			  "SELECT family, name, version, candidate_version, candidate_security"
			  " FROM host_packages WHERE host_id = $1 AND candidate_version IS NOT NULL"
			  " AND state = 'installed' AND ($2 = 0 OR candidate_security = 1)"
			  " ORDER BY name",
			  PW_SQL_ARGS(PW_SQL_I(host), PW_SQL_I(security_only)), pkg_row, &p, NULL,
			  e);
}
