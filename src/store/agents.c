/* agents.c - enrollment tokens and agent credentials (pw_agents.h).
 *
 * Secrets never reach the store: a token or credential is looked up by the
 * SHA-256 of the string presented, through a unique index, so a check-in
 * costs one indexed read and a revocation is seen by the very next request
 * in every process (there is no cache to invalidate). The hash lookup is
 * not constant-time in the secret, and needs not be: finding a row by the
 * hash of a 256-bit secret tells an attacker nothing about another secret.
 *
 * Check-in times are the one thing not written per request: at thousands of
 * check-ins a second, one write each would serialise every worker behind
 * the database's single writer. They are noted in a small in-memory map
 * (the only mutable global here, guarded by a mutex) and written in one
 * transaction by pw_agents_flush_seen, a background task of the server.
 */
#include "pw_agents.h"

#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pw_audit.h"
#include "pw_clock.h"
#include "pw_registry.h"
#include "pw_sql.h"

#define SECRET_CHARS 43 /* 32 bytes, base64url without padding */

static const char *const agents_sqlite[] = {
	"CREATE TABLE enrollment_tokens("
	" id INTEGER PRIMARY KEY,"
	" token_hash BLOB NOT NULL UNIQUE,"
	" group_name TEXT,"
	" created_at BIGINT NOT NULL,"
	" expires_at BIGINT NOT NULL,"
	" max_uses BIGINT NOT NULL,"
	" uses BIGINT NOT NULL DEFAULT 0,"
	" revoked_at BIGINT,"
	" created_by TEXT NOT NULL);"
	"CREATE TABLE agents("
	" id INTEGER PRIMARY KEY,"
	" host_id BIGINT NOT NULL,"
	" token_id BIGINT,"
	" cred_hash BLOB NOT NULL UNIQUE,"
	" machine_id TEXT NOT NULL,"
	" hostname TEXT,"
	" enrolled_from TEXT,"
	" enrolled_at BIGINT NOT NULL,"
	" last_seen BIGINT,"
	" uploads BIGINT NOT NULL DEFAULT 0,"
	" last_upload BIGINT,"
	" revoked_at BIGINT);"
	"CREATE INDEX agents_host ON agents(host_id);",
	/* 2: an enrollment for a machine that already has a live agent waits
	 * for an admin (pending = 1): it displaces nobody until approved */
	"ALTER TABLE agents ADD COLUMN pending INTEGER NOT NULL DEFAULT 0;"
	"CREATE INDEX agents_machine ON agents(machine_id);",
};

pw_err pw_agents_migrate(struct pw_store *s, struct pw_error *e)
{
	static const struct pw_sql_migrations m = {
		"agents", agents_sqlite, sizeof(agents_sqlite) / sizeof(agents_sqlite[0]),
	};
	return pw_sql_migrate(s, &m, e);
}

/* ---- secrets ---- */

static pw_err new_secret(const char *prefix, char *out, struct pw_error *e)
{
	if (sodium_init() < 0)
		return pw_error_set(e, PW_ERR_IO, "cannot initialise libsodium's random source");
	unsigned char raw[32];
	randombytes_buf(raw, sizeof(raw));
	size_t n = strlen(prefix);
	memcpy(out, prefix, n);
	sodium_bin2base64(out + n, PW_AGENT_SECRET_SIZE - n, raw, sizeof(raw),
			  sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	sodium_memzero(raw, sizeof(raw));
	return PW_OK;
}

/* A well-formed secret: the prefix and 43 base64url characters. */
static bool secret_shape(const char *s, const char *prefix)
{
	if (!s || strncmp(s, prefix, 4) != 0)
		return false;
	size_t i;
	for (i = 4; s[i]; i++) {
		char c = s[i];
		if (i >= 4 + SECRET_CHARS ||
		    !((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		      c == '-' || c == '_'))
			return false;
	}
	return i == 4 + SECRET_CHARS;
}

static void secret_hash(const char *secret, unsigned char h[crypto_hash_sha256_BYTES])
{
	crypto_hash_sha256(h, (const unsigned char *)secret, strlen(secret));
}

/* JSON string literal for audit documents (names are short). */
static void json_str(char *out, size_t size, const char *s)
{
	size_t o = 0;
	if (!s) {
		snprintf(out, size, "null");
		return;
	}
	out[o++] = '"';
	for (; *s && o + 8 < size; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\') {
			out[o++] = '\\';
			out[o++] = (char)c;
		} else if (c < 0x20) {
			o += (size_t)snprintf(out + o, size - o, "\\u%04x", c);
		} else {
			out[o++] = (char)c;
		}
	}
	out[o++] = '"';
	out[o] = '\0';
}

/* ---- enrollment tokens ---- */

static pw_err row_id(void *ctx, const struct pw_sql_row *row, struct pw_error *e)
{
	*(int64_t *)ctx = pw_sql_int(row, 0);
	return PW_OK;
}

static pw_err commit_or_rollback(struct pw_store *s, pw_err rc, struct pw_error *e)
{
	if (!rc)
		rc = pw_store_commit(s, e);
	if (rc)
		pw_store_rollback(s);
	return rc;
}

pw_err pw_enrollment_create(struct pw_store *s, const char *actor, const char *group,
			    int64_t expires_at, int64_t max_uses, char *token, int64_t *id,
			    struct pw_error *e)
{
	if (max_uses < 1)
		return pw_error_set(e, PW_ERR_INVALID, "an enrollment token needs at least one use");
	if (group && !*group)
		group = NULL;
	int64_t now = pw_clock_now();
	if (expires_at <= now)
		return pw_error_set(e, PW_ERR_INVALID, "the expiry is not in the future");
	pw_err rc = new_secret("pwe_", token, e);
	if (rc)
		return rc;
	unsigned char h[crypto_hash_sha256_BYTES];
	secret_hash(token, h);
	if ((rc = pw_store_begin(s, e)))
		return rc;
	*id = 0;
	rc = pw_sql_run(s,
			"INSERT INTO enrollment_tokens(token_hash, group_name, created_at, expires_at,"
			" max_uses, created_by) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
			PW_SQL_ARGS(PW_SQL_B(h, sizeof(h)), PW_SQL_T(group), PW_SQL_I(now),
				    PW_SQL_I(expires_at), PW_SQL_I(max_uses), PW_SQL_T(actor)),
			row_id, id, NULL, e);
	if (!rc) {
		char object[48], g[256], after[512];
		snprintf(object, sizeof(object), "enrollment_token:%lld", (long long)*id);
		json_str(g, sizeof(g), group);
		snprintf(after, sizeof(after),
			 "{\"id\":%lld,\"group\":%s,\"expires_at\":%lld,\"max_uses\":%lld}",
			 (long long)*id, g, (long long)expires_at, (long long)max_uses);
		rc = pw_audit_append(s, actor, "enrollment_token.create", object, NULL, after, e);
	}
	return commit_or_rollback(s, rc, e);
}

#define TOKEN_COLS "id, group_name, created_at, expires_at, max_uses, uses, revoked_at, created_by"

static void token_from_row(const struct pw_sql_row *row, struct pw_enrollment_token *t)
{
	t->id = pw_sql_int(row, 0);
	t->group = pw_sql_text(row, 1);
	t->created_at = pw_sql_int(row, 2);
	t->expires_at = pw_sql_int(row, 3);
	t->max_uses = pw_sql_int(row, 4);
	t->uses = pw_sql_int(row, 5);
	t->revoked_at = pw_sql_isnull(row, 6) ? 0 : pw_sql_int(row, 6);
	t->created_by = pw_sql_text(row, 7);
}

struct token_each {
	pw_err (*cb)(void *ctx, const struct pw_enrollment_token *t);
	void *ctx;
};

static pw_err token_row(void *ctx, const struct pw_sql_row *row, struct pw_error *e)
{
	struct token_each *te = ctx;
	struct pw_enrollment_token t;
	token_from_row(row, &t);
	return te->cb(te->ctx, &t);
}

pw_err pw_enrollment_each(struct pw_store *s, int64_t after_id, int64_t limit,
			  pw_err (*cb)(void *ctx, const struct pw_enrollment_token *t), void *ctx,
			  struct pw_error *e)
{
	struct token_each te = { cb, ctx };
	return pw_sql_run(s,
			  "SELECT " TOKEN_COLS " FROM enrollment_tokens WHERE id > $1 ORDER BY id"
			  " LIMIT $2",
			  PW_SQL_ARGS(PW_SQL_I(after_id), PW_SQL_I(limit > 0 ? limit : INT64_MAX)),
			  token_row, &te, NULL, e);
}

/* The strings of a _get result are copied here: each worker thread has its
 * own store connection, so "until the next call on this store" is per
 * thread. */
static _Thread_local char get_buf[2][512];

static const char *keep(int slot, const char *s)
{
	if (!s)
		return NULL;
	snprintf(get_buf[slot], sizeof(get_buf[slot]), "%s", s);
	return get_buf[slot];
}

struct token_get {
	struct pw_enrollment_token *t;
	bool *found;
};

static pw_err token_get_row(void *ctx, const struct pw_sql_row *row, struct pw_error *e)
{
	struct token_get *g = ctx;
	token_from_row(row, g->t);
	g->t->group = keep(0, g->t->group);
	g->t->created_by = keep(1, g->t->created_by);
	*g->found = true;
	return PW_OK;
}

pw_err pw_enrollment_get(struct pw_store *s, int64_t id, struct pw_enrollment_token *out,
			 bool *found, struct pw_error *e)
{
	struct token_get g = { out, found };
	*found = false;
	return pw_sql_run(s, "SELECT " TOKEN_COLS " FROM enrollment_tokens WHERE id = $1",
			  PW_SQL_ARGS(PW_SQL_I(id)), token_get_row, &g, NULL, e);
}

pw_err pw_enrollment_revoke(struct pw_store *s, const char *actor, int64_t id, struct pw_error *e)
{
	pw_err rc = pw_store_begin(s, e);
	if (rc)
		return rc;
	int64_t changes = 0, exists = 0;
	rc = pw_sql_run(s, "SELECT count(*) FROM enrollment_tokens WHERE id = $1",
			PW_SQL_ARGS(PW_SQL_I(id)), row_id, &exists, NULL, e);
	if (!rc && !exists)
		rc = pw_error_set(e, PW_ERR_NOTFOUND, "no enrollment token %lld", (long long)id);
	if (!rc)
		rc = pw_sql_run(s,
				"UPDATE enrollment_tokens SET revoked_at = $1"
				" WHERE id = $2 AND revoked_at IS NULL",
				PW_SQL_ARGS(PW_SQL_I(pw_clock_now()), PW_SQL_I(id)), NULL, NULL,
				&changes, e);
	if (!rc && changes) {
		char object[48];
		snprintf(object, sizeof(object), "enrollment_token:%lld", (long long)id);
		rc = pw_audit_append(s, actor, "enrollment_token.revoke", object,
				     "{\"revoked\":false}", "{\"revoked\":true}", e);
	}
	return commit_or_rollback(s, rc, e);
}

/* ---- enrolling ---- */

struct token_use {
	bool found;
	int64_t id, expires_at, max_uses, uses, revoked_at;
	char group[256];
	bool has_group;
};

static pw_err token_use_row(void *ctx, const struct pw_sql_row *row, struct pw_error *e)
{
	struct token_use *u = ctx;
	u->found = true;
	u->id = pw_sql_int(row, 0);
	u->has_group = !pw_sql_isnull(row, 1);
	if (u->has_group &&
	    snprintf(u->group, sizeof(u->group), "%s", pw_sql_text(row, 1)) >= (int)sizeof(u->group))
		return pw_error_set(e, PW_ERR_LIMIT, "the token's group name is too long");
	u->expires_at = pw_sql_int(row, 2);
	u->max_uses = pw_sql_int(row, 3);
	u->uses = pw_sql_int(row, 4);
	u->revoked_at = pw_sql_isnull(row, 5) ? 0 : pw_sql_int(row, 5);
	return PW_OK;
}

struct revoked_list {
	int64_t ids[64];
	size_t n;
};

static pw_err revoked_row(void *ctx, const struct pw_sql_row *row, struct pw_error *e)
{
	struct revoked_list *l = ctx;
	if (l->n < sizeof(l->ids) / sizeof(l->ids[0]))
		l->ids[l->n++] = pw_sql_int(row, 0);
	return PW_OK;
}

/* An agent row that no request can use yet (pw_agents_verify refuses it
 * until pw_agents_approve), for the host its machine id already names; the
 * host itself is left as it is. */
static pw_err enroll_pending(struct pw_store *s, const struct pw_enroll_request *rq,
			     int64_t token_id, int64_t host_id, int64_t now,
			     struct pw_enrollment *out, struct pw_error *e)
{
	pw_err rc;
	out->host_id = host_id;
	out->host_created = false;
	out->pending = true;
	if ((rc = new_secret("pwa_", out->credential, e)))
		return rc;
	unsigned char ch[crypto_hash_sha256_BYTES];
	secret_hash(out->credential, ch);
	if ((rc = pw_sql_run(s,
			     "INSERT INTO agents(host_id, token_id, cred_hash, machine_id, hostname,"
			     " enrolled_from, enrolled_at, pending) VALUES ($1, $2, $3, $4, $5, $6, $7, 1)"
			     " RETURNING id",
			     PW_SQL_ARGS(PW_SQL_I(host_id), PW_SQL_I(token_id), PW_SQL_B(ch, sizeof(ch)),
					 PW_SQL_T(rq->machine_id), PW_SQL_T(rq->hostname),
					 PW_SQL_T(rq->address), PW_SQL_I(now)),
			     row_id, &out->agent_id, NULL, e)))
		return rc;
	char actor[48], object[48], mid[300], hn[600], addr[128], after[1400];
	snprintf(actor, sizeof(actor), "agent:%lld", (long long)out->agent_id);
	snprintf(object, sizeof(object), "agent:%lld", (long long)out->agent_id);
	json_str(mid, sizeof(mid), rq->machine_id);
	json_str(hn, sizeof(hn), rq->hostname);
	json_str(addr, sizeof(addr), rq->address);
	snprintf(after, sizeof(after),
		 "{\"agent_id\":%lld,\"host_id\":%lld,\"pending\":true,\"token_id\":%lld,"
		 "\"machine_id\":%s,\"hostname\":%s,\"address\":%s}",
		 (long long)out->agent_id, (long long)host_id, (long long)token_id, mid, hn, addr);
	return pw_audit_append(s, actor, "agent.enroll_pending", object, NULL, after, e);
}

pw_err pw_agents_enroll(struct pw_store *s, const struct pw_enroll_request *rq, int64_t now,
			enum pw_enroll_status *status, struct pw_enrollment *out,
			struct pw_error *e)
{
	memset(out, 0, sizeof(*out));
	*status = PW_ENROLL_UNKNOWN;
	if (!rq->machine_id || !*rq->machine_id)
		return pw_error_set(e, PW_ERR_INVALID, "enrollment: machine_id is missing");
	if (strlen(rq->machine_id) > 128 || (rq->hostname && strlen(rq->hostname) > 255))
		return pw_error_set(e, PW_ERR_INVALID, "enrollment: machine_id or hostname too long");
	if (!secret_shape(rq->token, "pwe_"))
		return PW_OK;
	unsigned char th[crypto_hash_sha256_BYTES];
	secret_hash(rq->token, th);
	pw_err rc = pw_store_begin(s, e);
	if (rc)
		return rc;
	struct token_use u = { 0 };
	rc = pw_sql_run(s,
			"SELECT id, group_name, expires_at, max_uses, uses, revoked_at"
			" FROM enrollment_tokens WHERE token_hash = $1",
			PW_SQL_ARGS(PW_SQL_B(th, sizeof(th))), token_use_row, &u, NULL, e);
	if (rc || !u.found)
		goto refuse;
	if (u.revoked_at) {
		*status = PW_ENROLL_REVOKED;
		goto refuse;
	}
	if (u.expires_at <= now) {
		*status = PW_ENROLL_EXPIRED;
		goto refuse;
	}
	if (u.uses >= u.max_uses) {
		*status = PW_ENROLL_USED_UP;
		goto refuse;
	}
	/* the write transaction holds the database's write lock, so no other
	 * enrollment can take the same last use between the check and this */
	if ((rc = pw_sql_exec(s, "UPDATE enrollment_tokens SET uses = uses + 1 WHERE id = $1",
			      PW_SQL_ARGS(PW_SQL_I(u.id)), e)))
		goto refuse;
	/* a machine with a live agent: any token could name its machine id (every
	 * role reads it), so the newcomer waits for an admin and the agent in
	 * place goes on working */
	int64_t live_host = 0;
	if ((rc = pw_sql_run(s,
			     "SELECT host_id FROM agents WHERE machine_id = $1 AND revoked_at IS NULL"
			     " AND pending = 0 ORDER BY id DESC LIMIT 1",
			     PW_SQL_ARGS(PW_SQL_T(rq->machine_id)), row_id, &live_host, NULL, e)))
		goto refuse;
	if (live_host) {
		if ((rc = enroll_pending(s, rq, u.id, live_host, now, out, e)) ||
		    (rc = pw_store_commit(s, e)))
			goto refuse;
		*status = PW_ENROLL_PENDING;
		return PW_OK;
	}
	if ((rc = pw_registry_host_ensure(s, PW_HOST_AGENT, rq->machine_id, rq->hostname,
					  u.has_group ? u.group : NULL, now, &out->host_id,
					  &out->host_created, e)))
		goto refuse;
	/* one live credential per host: a re-enrolled machine replaces its old one */
	struct revoked_list old = { { 0 }, 0 };
	if ((rc = pw_sql_run(s,
			     "UPDATE agents SET revoked_at = $1 WHERE host_id = $2 AND revoked_at IS NULL"
			     " RETURNING id",
			     PW_SQL_ARGS(PW_SQL_I(now), PW_SQL_I(out->host_id)), revoked_row, &old,
			     NULL, e)))
		goto refuse;
	if ((rc = new_secret("pwa_", out->credential, e)))
		goto refuse;
	unsigned char ch[crypto_hash_sha256_BYTES];
	secret_hash(out->credential, ch);
	if ((rc = pw_sql_run(s,
			     "INSERT INTO agents(host_id, token_id, cred_hash, machine_id, hostname,"
			     " enrolled_from, enrolled_at) VALUES ($1, $2, $3, $4, $5, $6, $7)"
			     " RETURNING id",
			     PW_SQL_ARGS(PW_SQL_I(out->host_id), PW_SQL_I(u.id), PW_SQL_B(ch, sizeof(ch)),
					 PW_SQL_T(rq->machine_id), PW_SQL_T(rq->hostname),
					 PW_SQL_T(rq->address), PW_SQL_I(now)),
			     row_id, &out->agent_id, NULL, e)))
		goto refuse;
	char actor[48], object[48], mid[300], hn[600], addr[128], after[1400];
	snprintf(actor, sizeof(actor), "agent:%lld", (long long)out->agent_id);
	for (size_t i = 0; i < old.n && !rc; i++) {
		snprintf(object, sizeof(object), "agent:%lld", (long long)old.ids[i]);
		rc = pw_audit_append(s, actor, "agent.revoke", object, "{\"revoked\":false}",
				     "{\"revoked\":true,\"reason\":\"re-enrolled\"}", e);
	}
	if (rc)
		goto refuse;
	json_str(mid, sizeof(mid), rq->machine_id);
	json_str(hn, sizeof(hn), rq->hostname);
	json_str(addr, sizeof(addr), rq->address);
	snprintf(object, sizeof(object), "agent:%lld", (long long)out->agent_id);
	snprintf(after, sizeof(after),
		 "{\"agent_id\":%lld,\"host_id\":%lld,\"host_created\":%s,\"token_id\":%lld,"
		 "\"machine_id\":%s,\"hostname\":%s,\"address\":%s}",
		 (long long)out->agent_id, (long long)out->host_id,
		 out->host_created ? "true" : "false", (long long)u.id, mid, hn, addr);
	if ((rc = pw_audit_append(s, actor, "agent.enroll", object, NULL, after, e)))
		goto refuse;
	if ((rc = pw_store_commit(s, e)))
		goto refuse;
	*status = PW_ENROLL_OK;
	return PW_OK;
refuse:
	pw_store_rollback(s);
	sodium_memzero(out->credential, sizeof(out->credential));
	if (rc)
		*status = PW_ENROLL_UNKNOWN;
	return rc;
}

/* ---- agents ---- */

#define AGENT_COLS                                                                             \
	"id, host_id, token_id, machine_id, hostname, enrolled_from, enrolled_at, last_seen,"  \
	" uploads, last_upload, revoked_at, pending"

static int64_t int_or0(const struct pw_sql_row *row, size_t col)
{
	return pw_sql_isnull(row, col) ? 0 : pw_sql_int(row, col);
}

static void agent_from_row(const struct pw_sql_row *row, struct pw_agent_info *a)
{
	a->id = pw_sql_int(row, 0);
	a->host_id = pw_sql_int(row, 1);
	a->token_id = int_or0(row, 2);
	a->machine_id = pw_sql_text(row, 3);
	a->hostname = pw_sql_text(row, 4);
	a->enrolled_from = pw_sql_text(row, 5);
	a->enrolled_at = pw_sql_int(row, 6);
	a->last_seen = int_or0(row, 7);
	a->uploads = pw_sql_int(row, 8);
	a->last_upload = int_or0(row, 9);
	a->revoked_at = int_or0(row, 10);
	a->pending = pw_sql_int(row, 11) != 0;
}

struct agent_each {
	pw_err (*cb)(void *ctx, const struct pw_agent_info *a);
	void *ctx;
};

static pw_err agent_row(void *ctx, const struct pw_sql_row *row, struct pw_error *e)
{
	struct agent_each *ae = ctx;
	struct pw_agent_info a;
	agent_from_row(row, &a);
	return ae->cb(ae->ctx, &a);
}

pw_err pw_agents_each(struct pw_store *s, int64_t after_id, int64_t limit,
		      pw_err (*cb)(void *ctx, const struct pw_agent_info *a), void *ctx,
		      struct pw_error *e)
{
	struct agent_each ae = { cb, ctx };
	return pw_sql_run(s, "SELECT " AGENT_COLS " FROM agents WHERE id > $1 ORDER BY id LIMIT $2",
			  PW_SQL_ARGS(PW_SQL_I(after_id), PW_SQL_I(limit > 0 ? limit : INT64_MAX)),
			  agent_row, &ae, NULL, e);
}

static _Thread_local char agent_buf[3][512];

struct agent_get {
	struct pw_agent_info *a;
	bool *found;
};

static pw_err agent_get_row(void *ctx, const struct pw_sql_row *row, struct pw_error *e)
{
	struct agent_get *g = ctx;
	agent_from_row(row, g->a);
	const char **f[3] = { &g->a->machine_id, &g->a->hostname, &g->a->enrolled_from };
	for (int i = 0; i < 3; i++) {
		if (*f[i]) {
			snprintf(agent_buf[i], sizeof(agent_buf[i]), "%s", *f[i]);
			*f[i] = agent_buf[i];
		}
	}
	*g->found = true;
	return PW_OK;
}

pw_err pw_agents_get(struct pw_store *s, int64_t id, struct pw_agent_info *out, bool *found,
		     struct pw_error *e)
{
	struct agent_get g = { out, found };
	*found = false;
	return pw_sql_run(s, "SELECT " AGENT_COLS " FROM agents WHERE id = $1",
			  PW_SQL_ARGS(PW_SQL_I(id)), agent_get_row, &g, NULL, e);
}

pw_err pw_agents_revoke(struct pw_store *s, const char *actor, int64_t id, struct pw_error *e)
{
	pw_err rc = pw_store_begin(s, e);
	if (rc)
		return rc;
	int64_t exists = 0, changes = 0;
	rc = pw_sql_run(s, "SELECT count(*) FROM agents WHERE id = $1", PW_SQL_ARGS(PW_SQL_I(id)),
			row_id, &exists, NULL, e);
	if (!rc && !exists)
		rc = pw_error_set(e, PW_ERR_NOTFOUND, "no agent %lld", (long long)id);
	if (!rc)
		rc = pw_sql_run(s, "UPDATE agents SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL",
				PW_SQL_ARGS(PW_SQL_I(pw_clock_now()), PW_SQL_I(id)), NULL, NULL,
				&changes, e);
	if (!rc && changes) {
		char object[48];
		snprintf(object, sizeof(object), "agent:%lld", (long long)id);
		rc = pw_audit_append(s, actor, "agent.revoke", object, "{\"revoked\":false}",
				     "{\"revoked\":true}", e);
	}
	return commit_or_rollback(s, rc, e);
}

struct verify_ctx {
	struct pw_agent_identity *out;
	bool *found;
};

static pw_err verify_row(void *ctx, const struct pw_sql_row *row, struct pw_error *e)
{
	struct verify_ctx *v = ctx;
	v->out->agent_id = pw_sql_int(row, 0);
	v->out->host_id = pw_sql_int(row, 1);
	v->out->pending = pw_sql_int(row, 2) != 0;
	*v->found = !v->out->pending;
	return PW_OK;
}

pw_err pw_agents_verify(struct pw_store *s, const char *credential, struct pw_agent_identity *out,
			bool *found, struct pw_error *e)
{
	*found = false;
	out->pending = false;
	if (!secret_shape(credential, "pwa_"))
		return PW_OK;
	unsigned char h[crypto_hash_sha256_BYTES];
	secret_hash(credential, h);
	struct verify_ctx v = { out, found };
	return pw_sql_run(s,
			  "SELECT id, host_id, pending FROM agents WHERE cred_hash = $1"
			  " AND revoked_at IS NULL",
			  PW_SQL_ARGS(PW_SQL_B(h, sizeof(h))), verify_row, &v, NULL, e);
}

/* ---- pending enrollments ---- */

pw_err pw_agents_each_pending(struct pw_store *s,
			      pw_err (*cb)(void *ctx, const struct pw_agent_info *a), void *ctx,
			      struct pw_error *e)
{
	struct agent_each ae = { cb, ctx };
	return pw_sql_run(s,
			  "SELECT " AGENT_COLS " FROM agents WHERE pending = 1 AND revoked_at IS NULL"
			  " ORDER BY id",
			  PW_SQL_NOARGS, agent_row, &ae, NULL, e);
}

struct pending_row {
	bool found;
	int64_t host_id, token_id;
	char machine_id[160], hostname[300];
	bool has_hostname;
};

static pw_err pending_of_row(void *ctx, const struct pw_sql_row *row, struct pw_error *e)
{
	struct pending_row *p = ctx;
	p->found = true;
	p->host_id = pw_sql_int(row, 0);
	p->token_id = int_or0(row, 1);
	snprintf(p->machine_id, sizeof(p->machine_id), "%s",
		 pw_sql_text(row, 2) ? pw_sql_text(row, 2) : "");
	p->has_hostname = !pw_sql_isnull(row, 3);
	snprintf(p->hostname, sizeof(p->hostname), "%s",
		 p->has_hostname ? pw_sql_text(row, 3) : "");
	return PW_OK;
}

/* The pending enrollment `id`, in the caller's transaction; PW_ERR_NOTFOUND
 * when there is none (never pending, approved or decided already). */
static pw_err pending_get(struct pw_store *s, int64_t id, struct pending_row *p,
			  struct pw_error *e)
{
	pw_err rc = pw_sql_run(s,
			       "SELECT host_id, token_id, machine_id, hostname FROM agents"
			       " WHERE id = $1 AND pending = 1 AND revoked_at IS NULL",
			       PW_SQL_ARGS(PW_SQL_I(id)), pending_of_row, p, NULL, e);
	if (!rc && !p->found)
		rc = pw_error_set(e, PW_ERR_NOTFOUND, "no pending enrollment %lld (patchwarden "
						      "enrollment pending lists them)",
				  (long long)id);
	return rc;
}

static pw_err group_row(void *ctx, const struct pw_sql_row *row, struct pw_error *e)
{
	const char *g = pw_sql_text(row, 0);
	if (g && snprintf(ctx, 256, "%s", g) >= 256)
		return pw_error_set(e, PW_ERR_LIMIT, "the token's group name is too long");
	return PW_OK;
}

pw_err pw_agents_approve(struct pw_store *s, const char *actor, int64_t id, struct pw_error *e)
{
	pw_err rc = pw_store_begin(s, e);
	if (rc)
		return rc;
	struct pending_row p = { 0 };
	char group[256] = "";
	int64_t now = pw_clock_now(), host_id = 0;
	bool created = false;
	struct revoked_list old = { { 0 }, 0 };
	if ((rc = pending_get(s, id, &p, e)))
		goto out;
	if (p.token_id &&
	    (rc = pw_sql_run(s, "SELECT group_name FROM enrollment_tokens WHERE id = $1",
			     PW_SQL_ARGS(PW_SQL_I(p.token_id)), group_row, group, NULL, e)))
		goto out;
	/* now the host takes the newcomer's name and group, as an enrollment does */
	if ((rc = pw_registry_host_ensure(s, PW_HOST_AGENT, p.machine_id,
					  p.has_hostname ? p.hostname : NULL, *group ? group : NULL,
					  now, &host_id, &created, e)))
		goto out;
	if ((rc = pw_sql_run(s,
			     "UPDATE agents SET revoked_at = $1 WHERE host_id = $2 AND id <> $3"
			     " AND revoked_at IS NULL RETURNING id",
			     PW_SQL_ARGS(PW_SQL_I(now), PW_SQL_I(host_id), PW_SQL_I(id)), revoked_row,
			     &old, NULL, e)) ||
	    (rc = pw_sql_exec(s, "UPDATE agents SET pending = 0, host_id = $1 WHERE id = $2",
			      PW_SQL_ARGS(PW_SQL_I(host_id), PW_SQL_I(id)), e)))
		goto out;
	char object[48], after[160];
	for (size_t i = 0; i < old.n && !rc; i++) {
		snprintf(object, sizeof(object), "agent:%lld", (long long)old.ids[i]);
		snprintf(after, sizeof(after),
			 "{\"revoked\":true,\"reason\":\"replaced by agent %lld\"}", (long long)id);
		rc = pw_audit_append(s, actor, "agent.revoke", object, "{\"revoked\":false}", after,
				     e);
	}
	if (rc)
		goto out;
	snprintf(object, sizeof(object), "agent:%lld", (long long)id);
	snprintf(after, sizeof(after), "{\"pending\":false,\"host_id\":%lld,\"replaced\":%zu}",
		 (long long)host_id, old.n);
	rc = pw_audit_append(s, actor, "agent.approve", object, "{\"pending\":true}", after, e);
out:
	return commit_or_rollback(s, rc, e);
}

pw_err pw_agents_reject(struct pw_store *s, const char *actor, int64_t id, struct pw_error *e)
{
	pw_err rc = pw_store_begin(s, e);
	if (rc)
		return rc;
	struct pending_row p = { 0 };
	if ((rc = pending_get(s, id, &p, e)) ||
	    (rc = pw_sql_exec(s, "UPDATE agents SET revoked_at = $1 WHERE id = $2",
			      PW_SQL_ARGS(PW_SQL_I(pw_clock_now()), PW_SQL_I(id)), e)))
		goto out;
	char object[48];
	snprintf(object, sizeof(object), "agent:%lld", (long long)id);
	rc = pw_audit_append(s, actor, "agent.reject", object, "{\"pending\":true}",
			     "{\"pending\":false,\"revoked\":true}", e);
out:
	return commit_or_rollback(s, rc, e);
}

pw_err pw_agents_count_upload(struct pw_store *s, int64_t agent_id, int64_t now,
			      struct pw_error *e)
{
	return pw_sql_exec(s, "UPDATE agents SET uploads = uploads + 1, last_upload = $1 WHERE id = $2",
			   PW_SQL_ARGS(PW_SQL_I(now), PW_SQL_I(agent_id)), e);
}

/* ---- check-in times, batched ---- */

struct seen {
	int64_t agent_id; /* 0: empty slot */
	int64_t host_id;
	int64_t at;
};

static pthread_mutex_t seen_lock = PTHREAD_MUTEX_INITIALIZER;
static struct seen *seen_tab;
static size_t seen_cap, seen_n; /* cap: a power of two */

static bool seen_put(struct seen *tab, size_t cap, const struct seen *v)
{
	size_t i = (size_t)((uint64_t)v->agent_id * 0x9E3779B97F4A7C15ull) & (cap - 1);
	for (;; i = (i + 1) & (cap - 1)) {
		if (tab[i].agent_id == v->agent_id) {
			if (v->at > tab[i].at)
				tab[i].at = v->at;
			return false;
		}
		if (!tab[i].agent_id) {
			tab[i] = *v;
			return true;
		}
	}
}

void pw_agents_note_seen(int64_t agent_id, int64_t host_id, int64_t now)
{
	struct seen v = { agent_id, host_id, now };
	pthread_mutex_lock(&seen_lock);
	if ((seen_n + 1) * 2 > seen_cap) {
		size_t ncap = seen_cap ? seen_cap * 2 : 1024;
		struct seen *nt = calloc(ncap, sizeof(*nt));
		if (!nt) { /* dropped: the next check-in notes it again */
			pthread_mutex_unlock(&seen_lock);
			return;
		}
		for (size_t i = 0; i < seen_cap; i++) {
			if (seen_tab[i].agent_id)
				seen_put(nt, ncap, &seen_tab[i]);
		}
		free(seen_tab);
		seen_tab = nt;
		seen_cap = ncap;
	}
	seen_n += seen_put(seen_tab, seen_cap, &v);
	pthread_mutex_unlock(&seen_lock);
}

pw_err pw_agents_flush_seen(struct pw_store *s, struct pw_error *e)
{
	pthread_mutex_lock(&seen_lock);
	struct seen *tab = seen_tab;
	size_t cap = seen_cap, n = seen_n;
	seen_tab = NULL;
	seen_cap = seen_n = 0;
	pthread_mutex_unlock(&seen_lock);
	if (!n) {
		free(tab);
		return PW_OK;
	}
	pw_err rc = pw_store_begin(s, e);
	for (size_t i = 0; i < cap && !rc; i++) {
		if (!tab[i].agent_id)
			continue;
		rc = pw_sql_exec(s,
				 "UPDATE agents SET last_seen = $1 WHERE id = $2"
				 " AND (last_seen IS NULL OR last_seen < $1)",
				 PW_SQL_ARGS(PW_SQL_I(tab[i].at), PW_SQL_I(tab[i].agent_id)), e);
		/* a host removed since the check-in is no reason to lose the
		 * batch: it is skipped */
		if (!rc) {
			pw_err t = pw_registry_touch(s, tab[i].host_id, tab[i].at, e);
			if (t != PW_ERR_NOTFOUND)
				rc = t;
		}
	}
	if (!rc)
		rc = pw_store_commit(s, e);
	if (rc) {
		pw_store_rollback(s);
		/* put them back, so a busy database only delays them */
		for (size_t i = 0; i < cap; i++) {
			if (tab[i].agent_id)
				pw_agents_note_seen(tab[i].agent_id, tab[i].host_id, tab[i].at);
		}
	}
	free(tab);
	return rc;
}
