/* users.c - users, sessions and API tokens, see pw_users.h.
 *
 * Tables (component "users"):
 *   users(id, name UNIQUE, role, password_hash, disabled, created, updated);
 *            names are unique without regard to case (an index COLLATE
 *            NOCASE; they are ASCII) and found that way, so "Alice" logs in
 *            as, and cannot be created beside, "alice"
 *   sessions(id = SHA-256 hex of the cookie secret, user_id, created,
 *            expires, last_used)
 *   api_tokens(id, name, role, hash UNIQUE, created_by, created, expires,
 *              last_used, revoked, owner_id); a token with an owner acts
 *              with no more than its owner may do now, and not at all once
 *              the owner is disabled or deleted (pw_users.h)
 * A session's CSRF token is derived from its secret, so no column holds it.
 */
#include "pw_users.h"

#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pw_audit.h"
#include "pw_buf.h"
#include "pw_clock.h"
#include "pw_jsonw.h"
#include "pw_sql.h"

/* a text argument that is never NULL (an array) */
#define SQL_TXT(v) ((struct pw_sql_arg){ PW_SQL_TEXT, 0, 0, (v), 0 })

static const char *const users_sqlite[] = {
	"CREATE TABLE users("
	" id INTEGER PRIMARY KEY,"
	" name TEXT NOT NULL UNIQUE,"
	" role TEXT NOT NULL,"
	" password_hash TEXT NOT NULL,"
	" disabled INTEGER NOT NULL DEFAULT 0,"
	" created BIGINT NOT NULL,"
	" updated BIGINT NOT NULL);"
	"CREATE TABLE sessions("
	" id TEXT PRIMARY KEY,"
	" user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
	" created BIGINT NOT NULL,"
	" expires BIGINT NOT NULL,"
	" last_used BIGINT NOT NULL);"
	"CREATE INDEX sessions_user ON sessions(user_id);"
	"CREATE INDEX sessions_expires ON sessions(expires);"
	"CREATE TABLE api_tokens("
	" id INTEGER PRIMARY KEY,"
	" name TEXT NOT NULL,"
	" role TEXT NOT NULL,"
	" hash TEXT NOT NULL UNIQUE,"
	" created_by TEXT NOT NULL,"
	" created BIGINT NOT NULL,"
	" expires BIGINT,"
	" last_used BIGINT,"
	" revoked BIGINT);",
	/* 2: user names are case-insensitive ("Alice" is "alice"); a store
	 * holding two such names is refused before this step (name_clashes) */
	"CREATE UNIQUE INDEX users_name_nocase ON users(name COLLATE NOCASE);",
	/* 3: a token's owner, the user whose rights bound it (NULL: none, made
	 * from the command line). Earlier tokens: the user that created them,
	 * or the owner of the token that did; -1 (nobody) when that user is
	 * gone, so such a token stops working as it would have on deletion. */
	"ALTER TABLE api_tokens ADD COLUMN owner_id BIGINT;"
	"UPDATE api_tokens SET owner_id = COALESCE((SELECT u.id FROM users u"
	" WHERE 'user:' || u.name = api_tokens.created_by), -1)"
	" WHERE created_by LIKE 'user:%';"
	"UPDATE api_tokens SET owner_id = CASE WHEN EXISTS (SELECT 1 FROM api_tokens p"
	"  WHERE api_tokens.created_by LIKE 'token:' || p.id || ':%')"
	" THEN (SELECT p.owner_id FROM api_tokens p"
	"  WHERE api_tokens.created_by LIKE 'token:' || p.id || ':%') ELSE -1 END"
	" WHERE created_by LIKE 'token:%';",
};

static const struct pw_sql_migrations users_migrations = {
	"users",
	users_sqlite,
	sizeof(users_sqlite) / sizeof(users_sqlite[0]),
};

static pw_err clash_row(void *ctx, const struct pw_sql_row *row, struct pw_error *e)
{
	(void)ctx;
	const char *a = pw_sql_text(row, 1), *b = pw_sql_text(row, 3);
	return pw_error_set(e, PW_ERR_INVALID,
			    "users: the names '%.64s' (user %lld) and '%.64s' (user %lld) differ "
			    "only in case, and user names are now case-insensitive: rename or "
			    "delete one with the sqlite3 shell (UPDATE users SET name = 'NEW' WHERE "
			    "id = %lld), then run the command again",
			    a ? a : "", (long long)pw_sql_int(row, 0), b ? b : "",
			    (long long)pw_sql_int(row, 2), (long long)pw_sql_int(row, 2));
}

/* Before the case-insensitive index: the first pair of names that would
 * break it, as an error that names them, rather than SQLite's "UNIQUE
 * constraint failed". */
static pw_err name_clashes(struct pw_store *s, struct pw_error *e)
{
	if (pw_sql_component_version(s, "users") != 1)
		return PW_OK;
	return pw_sql_run(s,
			  "SELECT a.id, a.name, b.id, b.name FROM users a JOIN users b"
			  " ON a.name = b.name COLLATE NOCASE AND a.id < b.id ORDER BY a.id LIMIT 1",
			  PW_SQL_NOARGS, clash_row, NULL, NULL, e);
}

pw_err pw_users_migrate(struct pw_store *s, struct pw_error *e)
{
	if (sodium_init() < 0)
		return pw_error_set(e, PW_ERR_UNSUPPORTED, "libsodium could not be initialised");
	pw_err rc = name_clashes(s, e);
	return rc ? rc : pw_sql_migrate(s, &users_migrations, e);
}

/* SQLite numbers $n parameters in the order they first appear in the text,
 * not by n: every statement here names $1, $2, ... in that order. */

/* ---- secrets ---- */

#define SECRET_BYTES 32 /* 256 bits */

static void new_secret(const char *prefix, char out[PW_SECRET_SIZE])
{
	unsigned char raw[SECRET_BYTES];
	randombytes_buf(raw, sizeof(raw));
	size_t n = strlen(prefix);
	memcpy(out, prefix, n);
	sodium_bin2base64(out + n, PW_SECRET_SIZE - n, raw, sizeof(raw),
			  sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	sodium_memzero(raw, sizeof(raw));
}

static void secret_hash(const char *secret, char out[PW_SECRET_HASH_SIZE])
{
	unsigned char h[crypto_hash_sha256_BYTES];
	crypto_hash_sha256(h, (const unsigned char *)secret, strlen(secret));
	sodium_bin2hex(out, PW_SECRET_HASH_SIZE, h, sizeof(h));
}

/* A secret as we issue it: prefix + 43 base64url characters. Anything else
 * is refused before a look-up. */
static bool secret_well_formed(const char *secret, const char *prefix)
{
	size_t n = strlen(prefix);
	if (!secret || strncmp(secret, prefix, n) != 0)
		return false;
	const char *p = secret + n;
	size_t len = 0;
	for (; p[len]; len++) {
		char c = p[len];
		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		      c == '-' || c == '_'))
			return false;
		if (len > 43)
			return false;
	}
	return len == 43;
}

void pw_session_csrf(const char *secret, char csrf[PW_SECRET_SIZE])
{
	static const char label[] = "patchwarden csrf v1";
	unsigned char h[crypto_hash_sha256_BYTES];
	crypto_hash_sha256_state st;
	crypto_hash_sha256_init(&st);
	crypto_hash_sha256_update(&st, (const unsigned char *)label, sizeof(label));
	crypto_hash_sha256_update(&st, (const unsigned char *)secret, strlen(secret));
	crypto_hash_sha256_final(&st, h);
	sodium_bin2base64(csrf, PW_SECRET_SIZE, h, sizeof(h),
			  sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

/* ---- validation ---- */

bool pw_user_name_valid(const char *name)
{
	if (!name || !*name || *name == '-')
		return false;
	size_t n = 0;
	for (; name[n]; n++) {
		char c = name[n];
		if (n >= PW_USER_NAME_MAX)
			return false;
		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		      c == '.' || c == '_' || c == '@' || c == '-'))
			return false;
	}
	return true;
}

bool pw_token_name_valid(const char *name)
{
	return pw_user_name_valid(name);
}

pw_err pw_password_hash(const char *password, char out[PW_PASSWORD_HASH_SIZE],
			struct pw_error *e)
{
	if (!password)
		return pw_error_set(e, PW_ERR_INVALID, "password: missing");
	size_t n = strlen(password);
	if (n < PW_PASSWORD_MIN)
		return pw_error_set(e, PW_ERR_INVALID,
				    "password: too short (%zu bytes; at least %d)", n,
				    PW_PASSWORD_MIN);
	if (n > PW_PASSWORD_MAX)
		return pw_error_set(e, PW_ERR_INVALID, "password: too long (at most %d bytes)",
				    PW_PASSWORD_MAX);
	if (sodium_init() < 0)
		return pw_error_set(e, PW_ERR_UNSUPPORTED, "libsodium could not be initialised");
	_Static_assert(PW_PASSWORD_HASH_SIZE == crypto_pwhash_STRBYTES, "hash size");
	if (crypto_pwhash_str(out, password, n, crypto_pwhash_OPSLIMIT_INTERACTIVE,
			      crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
		return pw_error_set(e, PW_ERR_NOMEM, "password: hashing ran out of memory");
	return PW_OK;
}

/* ---- JSON for the audit entries ---- */

static char *user_json(const struct pw_user *u, bool password_changed)
{
	struct pw_buf b = PW_BUF_INIT;
	struct pw_jsonw w;
	pw_buf_init(&b, 4096);
	pw_jsonw_init(&w, &b, false);
	pw_jsonw_begin_object(&w);
	pw_jsonw_key(&w, "id");
	pw_jsonw_int(&w, u->id);
	pw_jsonw_kstr(&w, "name", u->name);
	pw_jsonw_kstr(&w, "role", u->role);
	pw_jsonw_key(&w, "disabled");
	pw_jsonw_bool(&w, u->disabled);
	if (password_changed) {
		pw_jsonw_key(&w, "password");
		pw_jsonw_string(&w, "(changed)");
	}
	pw_jsonw_end_object(&w);
	if (w.err) {
		pw_buf_free(&b);
		return NULL;
	}
	return pw_buf_detach(&b);
}

static char *token_json(const struct pw_token *t)
{
	struct pw_buf b = PW_BUF_INIT;
	struct pw_jsonw w;
	char when[32];
	pw_buf_init(&b, 4096);
	pw_jsonw_init(&w, &b, false);
	pw_jsonw_begin_object(&w);
	pw_jsonw_key(&w, "id");
	pw_jsonw_int(&w, t->id);
	pw_jsonw_kstr(&w, "name", t->name);
	pw_jsonw_kstr(&w, "role", t->role);
	if (t->has_owner) {
		pw_jsonw_key(&w, "owner_id");
		pw_jsonw_int(&w, t->owner_id);
	}
	pw_jsonw_kstr(&w, "expires", t->expires ? pw_clock_format(t->expires, when, sizeof(when))
						: NULL);
	pw_jsonw_key(&w, "revoked");
	pw_jsonw_bool(&w, t->revoked != 0);
	pw_jsonw_end_object(&w);
	if (w.err) {
		pw_buf_free(&b);
		return NULL;
	}
	return pw_buf_detach(&b);
}

/* ---- users ---- */

#define USER_COLUMNS "id, name, role, disabled, created, updated"

static void user_of_row(const struct pw_sql_row *row, struct pw_user *u)
{
	memset(u, 0, sizeof(*u));
	u->id = pw_sql_int(row, 0);
	snprintf(u->name, sizeof(u->name), "%s", pw_sql_text(row, 1) ? pw_sql_text(row, 1) : "");
	snprintf(u->role, sizeof(u->role), "%s", pw_sql_text(row, 2) ? pw_sql_text(row, 2) : "");
	u->disabled = pw_sql_int(row, 3) != 0;
	u->created = pw_sql_int(row, 4);
	u->updated = pw_sql_int(row, 5);
}

struct one_user {
	struct pw_user *u;
	bool *found;
	char *hash; /* PW_PASSWORD_HASH_SIZE, or NULL */
};

static pw_err one_user_row(void *ctx, const struct pw_sql_row *row, struct pw_error *e)
{
	struct one_user *c = ctx;
	user_of_row(row, c->u);
	*c->found = true;
	if (c->hash) {
		const char *h = pw_sql_text(row, 6);
		snprintf(c->hash, PW_PASSWORD_HASH_SIZE, "%s", h ? h : "");
	}
	return PW_OK;
}

pw_err pw_user_get(struct pw_store *s, int64_t id, struct pw_user *out, bool *found,
		   struct pw_error *e)
{
	struct one_user c = { out, found, NULL };
	*found = false;
	return pw_sql_run(s, "SELECT " USER_COLUMNS " FROM users WHERE id = $1",
			  PW_SQL_ARGS(PW_SQL_I(id)), one_user_row, &c, NULL, e);
}

pw_err pw_user_find(struct pw_store *s, const char *name, struct pw_user *out, bool *found,
		    struct pw_error *e)
{
	struct one_user c = { out, found, NULL };
	*found = false;
	return pw_sql_run(s, "SELECT " USER_COLUMNS " FROM users WHERE name = $1 COLLATE NOCASE",
			  PW_SQL_ARGS(PW_SQL_T(name)), one_user_row, &c, NULL, e);
}

struct each_user {
	pw_err (*cb)(void *ctx, const struct pw_user *u);
	void *ctx;
};

static pw_err each_user_row(void *ctx, const struct pw_sql_row *row, struct pw_error *e)
{
	struct each_user *c = ctx;
	struct pw_user u;
	user_of_row(row, &u);
	pw_err rc = c->cb(c->ctx, &u);
	return rc ? pw_error_set(e, rc, "users: stopped at '%s'", u.name) : PW_OK;
}

pw_err pw_user_each(struct pw_store *s, pw_err (*cb)(void *ctx, const struct pw_user *u),
		    void *ctx, struct pw_error *e)
{
	struct each_user c = { cb, ctx };
	return pw_sql_run(s, "SELECT " USER_COLUMNS " FROM users ORDER BY name", PW_SQL_NOARGS,
			  each_user_row, &c, NULL, e);
}

pw_err pw_user_page(struct pw_store *s, const char *after, int64_t limit,
		    pw_err (*cb)(void *ctx, const struct pw_user *u), void *ctx, struct pw_error *e)
{
	struct each_user c = { cb, ctx };
	return pw_sql_run(s,
			  "SELECT " USER_COLUMNS " FROM users WHERE name > $1 ORDER BY name LIMIT $2",
			  PW_SQL_ARGS(PW_SQL_T(after ? after : ""), PW_SQL_I(limit)), each_user_row,
			  &c, NULL, e);
}

static pw_err count_row(void *ctx, const struct pw_sql_row *row, struct pw_error *e)
{
	*(int64_t *)ctx = pw_sql_int(row, 0);
	return PW_OK;
}

/* Enabled admins other than `id`. */
static pw_err other_admins(struct pw_store *s, int64_t id, int64_t *n, struct pw_error *e)
{
	*n = 0;
	return pw_sql_run(s,
			  "SELECT COUNT(*) FROM users WHERE role = 'admin' AND disabled = 0"
			  " AND id <> $1",
			  PW_SQL_ARGS(PW_SQL_I(id)), count_row, n, NULL, e);
}

/* An enabled admin about to lose the role (or be disabled, or removed):
 * refused when no other enabled admin is left. */
static pw_err keep_an_admin(struct pw_store *s, const struct pw_user *old, struct pw_error *e)
{
	int64_t n = 0;
	pw_err rc = other_admins(s, old->id, &n, e);
	if (rc == PW_OK && n == 0)
		rc = pw_error_set(e, PW_ERR_INVALID,
				  "user '%s' is the last enabled admin: make another admin first",
				  old->name);
	return rc;
}

/* Commit, or roll back and keep the first error. */
static pw_err finish(struct pw_store *s, pw_err rc, struct pw_error *e)
{
	if (rc == PW_OK)
		rc = pw_store_commit(s, e);
	if (rc)
		pw_store_rollback(s);
	return rc;
}

static pw_err append_json(struct pw_store *s, const char *actor, const char *action,
			  const char *object, char *before, char *after, bool need_before,
			  bool need_after, struct pw_error *e)
{
	pw_err rc;
	if ((need_before && !before) || (need_after && !after))
		rc = pw_error_set(e, PW_ERR_NOMEM, "audit entry %s: out of memory", action);
	else
		rc = pw_audit_append(s, actor, action, object, before, after, e);
	free(before);
	free(after);
	return rc;
}

pw_err pw_user_add(struct pw_store *s, const char *actor, const char *name, const char *role,
		   const char *password_hash, int64_t *id, struct pw_error *e)
{
	if (!pw_user_name_valid(name))
		return pw_error_set(e, PW_ERR_INVALID,
				    "user name '%.64s': use 1 to %d of letters, digits, '.', '_', "
				    "'@' and '-', not starting with '-'",
				    name ? name : "", PW_USER_NAME_MAX);
	if (!role || !*role || strlen(role) >= PW_ROLE_NAME_MAX)
		return pw_error_set(e, PW_ERR_INVALID, "user %s: no valid role", name);
	if (!password_hash || strncmp(password_hash, "$argon2id$", 10) != 0)
		return pw_error_set(e, PW_ERR_USAGE, "user %s: password not hashed", name);
	pw_err rc = pw_store_begin(s, e);
	if (rc)
		return rc;
	struct pw_user u;
	bool found = false;
	if ((rc = pw_user_find(s, name, &u, &found, e)))
		return finish(s, rc, e);
	if (found && strcmp(u.name, name) != 0)
		return finish(s,
			      pw_error_set(e, PW_ERR_INVALID,
					   "user '%s' already exists as '%s' (user names are not "
					   "case-sensitive)",
					   name, u.name),
			      e);
	if (found)
		return finish(s, pw_error_set(e, PW_ERR_INVALID, "user '%s' already exists", name),
			      e);
	int64_t now = pw_clock_now();
	memset(&u, 0, sizeof(u));
	struct one_user c = { &u, &found, NULL };
	rc = pw_sql_run(s,
			"INSERT INTO users(name, role, password_hash, disabled, created, updated)"
			" VALUES ($1, $2, $3, 0, $4, $4) RETURNING " USER_COLUMNS,
			PW_SQL_ARGS(PW_SQL_T(name), PW_SQL_T(role), PW_SQL_T(password_hash),
				    PW_SQL_I(now)),
			one_user_row, &c, NULL, e);
	if (rc == PW_OK) {
		char object[64];
		snprintf(object, sizeof(object), "user:%lld", (long long)u.id);
		rc = append_json(s, actor, "user.create", object, NULL, user_json(&u, false), false,
				 true, e);
	}
	if (rc == PW_OK && id)
		*id = u.id;
	return finish(s, rc, e);
}

pw_err pw_user_update(struct pw_store *s, const char *actor, int64_t id, const char *role,
		      int disabled, const char *password_hash, bool *changed, struct pw_error *e)
{
	if (changed)
		*changed = false;
	if (role && (!*role || strlen(role) >= PW_ROLE_NAME_MAX))
		return pw_error_set(e, PW_ERR_INVALID, "user %lld: no valid role", (long long)id);
	if (password_hash && strncmp(password_hash, "$argon2id$", 10) != 0)
		return pw_error_set(e, PW_ERR_USAGE, "user %lld: password not hashed",
				    (long long)id);
	pw_err rc = pw_store_begin(s, e);
	if (rc)
		return rc;
	struct pw_user old, nu;
	bool found = false;
	if ((rc = pw_user_get(s, id, &old, &found, e)))
		return finish(s, rc, e);
	if (!found)
		return finish(s, pw_error_set(e, PW_ERR_NOTFOUND, "no user %lld", (long long)id),
			      e);
	nu = old;
	if (role)
		snprintf(nu.role, sizeof(nu.role), "%s", role);
	if (disabled >= 0)
		nu.disabled = disabled != 0;
	bool differs = strcmp(nu.role, old.role) != 0 || nu.disabled != old.disabled ||
		       password_hash != NULL;
	if (!differs)
		return finish(s, PW_OK, e);
	bool was_admin = strcmp(old.role, "admin") == 0 && !old.disabled;
	bool is_admin = strcmp(nu.role, "admin") == 0 && !nu.disabled;
	if (was_admin && !is_admin && (rc = keep_an_admin(s, &old, e)))
		return finish(s, rc, e);
	nu.updated = pw_clock_now();
	rc = pw_sql_exec(s,
			 "UPDATE users SET role = $1, disabled = $2,"
			 " password_hash = COALESCE($3, password_hash), updated = $4 WHERE id = $5",
			 PW_SQL_ARGS(SQL_TXT(nu.role), PW_SQL_I(nu.disabled ? 1 : 0),
				     PW_SQL_T(password_hash), PW_SQL_I(nu.updated), PW_SQL_I(id)),
			 e);
	/* a disabled user, or one whose password was reset, is logged out */
	if (rc == PW_OK && (nu.disabled || password_hash))
		rc = pw_sql_exec(s, "DELETE FROM sessions WHERE user_id = $1",
				 PW_SQL_ARGS(PW_SQL_I(id)), e);
	if (rc == PW_OK) {
		const char *action = "user.update";
		if (password_hash && !role && disabled < 0)
			action = "user.password";
		else if (nu.disabled != old.disabled && strcmp(nu.role, old.role) == 0 &&
			 !password_hash)
			action = nu.disabled ? "user.disable" : "user.enable";
		else if (strcmp(nu.role, old.role) != 0 && nu.disabled == old.disabled &&
			 !password_hash)
			action = "user.role";
		char object[64];
		snprintf(object, sizeof(object), "user:%lld", (long long)id);
		rc = append_json(s, actor, action, object, user_json(&old, false),
				 user_json(&nu, password_hash != NULL), true, true, e);
	}
	if (rc == PW_OK && changed)
		*changed = true;
	return finish(s, rc, e);
}

pw_err pw_user_remove(struct pw_store *s, const char *actor, int64_t id, struct pw_error *e)
{
	pw_err rc = pw_store_begin(s, e);
	if (rc)
		return rc;
	struct pw_user old;
	bool found = false;
	if ((rc = pw_user_get(s, id, &old, &found, e)))
		return finish(s, rc, e);
	if (!found)
		return finish(s, pw_error_set(e, PW_ERR_NOTFOUND, "no user %lld", (long long)id),
			      e);
	if (strcmp(old.role, "admin") == 0 && !old.disabled && (rc = keep_an_admin(s, &old, e)))
		return finish(s, rc, e);
	if ((rc = pw_sql_exec(s, "DELETE FROM sessions WHERE user_id = $1",
			      PW_SQL_ARGS(PW_SQL_I(id)), e)) ||
	    (rc = pw_sql_exec(s, "DELETE FROM users WHERE id = $1", PW_SQL_ARGS(PW_SQL_I(id)), e)))
		return finish(s, rc, e);
	char object[64];
	snprintf(object, sizeof(object), "user:%lld", (long long)id);
	rc = append_json(s, actor, "user.delete", object, user_json(&old, false), NULL, true, false,
			 e);
	return finish(s, rc, e);
}

/* An argon2id hash of a password nobody knows, verified for unknown names
 * so that a wrong name costs what a wrong password costs. */
static char dummy_hash[PW_PASSWORD_HASH_SIZE];
static void make_dummy_hash(void)
{
	unsigned char raw[24];
	char pw[64];
	randombytes_buf(raw, sizeof(raw));
	sodium_bin2hex(pw, sizeof(pw), raw, sizeof(raw));
	if (crypto_pwhash_str(dummy_hash, pw, strlen(pw), crypto_pwhash_OPSLIMIT_INTERACTIVE,
			      crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
		dummy_hash[0] = '\0';
}

static pthread_once_t dummy_once = PTHREAD_ONCE_INIT;

pw_err pw_user_check_password(struct pw_store *s, const char *name, const char *password,
			      struct pw_user *out, bool *ok, struct pw_error *e)
{
	*ok = false;
	if (sodium_init() < 0)
		return pw_error_set(e, PW_ERR_UNSUPPORTED, "libsodium could not be initialised");
	char hash[PW_PASSWORD_HASH_SIZE] = "";
	bool found = false;
	struct one_user c = { out, &found, hash };
	pw_err rc = PW_OK;
	if (name && pw_user_name_valid(name))
		rc = pw_sql_run(s,
				"SELECT " USER_COLUMNS ", password_hash FROM users"
				" WHERE name = $1 COLLATE NOCASE",
				PW_SQL_ARGS(PW_SQL_T(name)), one_user_row, &c, NULL, e);
	if (rc)
		return rc;
	size_t n = password ? strlen(password) : 0;
	if (!found || !hash[0]) {
		pthread_once(&dummy_once, make_dummy_hash);
		if (dummy_hash[0] && password && n <= PW_PASSWORD_MAX &&
		    crypto_pwhash_str_verify(dummy_hash, password, n) == 0)
			sodium_memzero(out, sizeof(*out)); /* cannot happen: nobody knows it */
		return PW_OK;
	}
	if (!password || n > PW_PASSWORD_MAX)
		return PW_OK;
	bool match = crypto_pwhash_str_verify(hash, password, n) == 0;
	sodium_memzero(hash, sizeof(hash));
	*ok = match && !out->disabled;
	return PW_OK;
}

/* ---- sessions ---- */

pw_err pw_session_create(struct pw_store *s, const struct pw_user *user, int64_t ttl,
			 char secret[PW_SECRET_SIZE], char csrf[PW_SECRET_SIZE],
			 struct pw_session *out, struct pw_error *e)
{
	if (ttl <= 0)
		return pw_error_set(e, PW_ERR_USAGE, "session: lifetime must be positive");
	struct pw_session se = { .user_id = user->id };
	new_secret("", secret);
	pw_session_csrf(secret, csrf);
	secret_hash(secret, se.id);
	se.created = se.last_used = pw_clock_now();
	se.expires = se.created + ttl;
	pw_err rc = pw_store_begin(s, e);
	if (rc)
		return rc;
	rc = pw_sql_exec(s,
			 "INSERT INTO sessions(id, user_id, created, expires, last_used)"
			 " VALUES ($1, $2, $3, $4, $3)",
			 PW_SQL_ARGS(SQL_TXT(se.id), PW_SQL_I(se.user_id), PW_SQL_I(se.created),
				     PW_SQL_I(se.expires)),
			 e);
	if (rc == PW_OK) {
		char actor[128], object[64];
		snprintf(actor, sizeof(actor), "user:%s", user->name);
		snprintf(object, sizeof(object), "user:%lld", (long long)user->id);
		rc = pw_audit_append(s, actor, "auth.login", object, NULL, NULL, e);
	}
	rc = finish(s, rc, e);
	if (rc == PW_OK && out)
		*out = se;
	if (rc) {
		sodium_memzero(secret, PW_SECRET_SIZE);
		sodium_memzero(csrf, PW_SECRET_SIZE);
	}
	return rc;
}

struct session_row {
	struct pw_session *se;
	struct pw_user *u;
	bool found;
};

static pw_err session_row(void *ctx, const struct pw_sql_row *row, struct pw_error *e)
{
	struct session_row *c = ctx;
	const char *id = pw_sql_text(row, 0);
	snprintf(c->se->id, sizeof(c->se->id), "%s", id ? id : "");
	c->se->user_id = pw_sql_int(row, 1);
	c->se->created = pw_sql_int(row, 2);
	c->se->expires = pw_sql_int(row, 3);
	c->se->last_used = pw_sql_int(row, 4);
	struct pw_user *u = c->u;
	memset(u, 0, sizeof(*u));
	u->id = c->se->user_id;
	snprintf(u->name, sizeof(u->name), "%s", pw_sql_text(row, 5) ? pw_sql_text(row, 5) : "");
	snprintf(u->role, sizeof(u->role), "%s", pw_sql_text(row, 6) ? pw_sql_text(row, 6) : "");
	u->disabled = pw_sql_int(row, 7) != 0;
	u->created = pw_sql_int(row, 8);
	u->updated = pw_sql_int(row, 9);
	c->found = true;
	return PW_OK;
}

pw_err pw_session_lookup(struct pw_store *s, const char *secret, struct pw_session *out,
			 struct pw_user *user, bool *found, struct pw_error *e)
{
	*found = false;
	if (!secret_well_formed(secret, ""))
		return PW_OK;
	char h[PW_SECRET_HASH_SIZE];
	secret_hash(secret, h);
	struct session_row c = { out, user, false };
	pw_err rc = pw_sql_run(s,
			       "SELECT s.id, s.user_id, s.created, s.expires, s.last_used, u.name,"
			       " u.role, u.disabled, u.created, u.updated"
			       " FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.id = $1",
			       PW_SQL_ARGS(SQL_TXT(h)), session_row, &c, NULL, e);
	if (rc || !c.found)
		return rc;
	if (sodium_memcmp(out->id, h, PW_SECRET_HASH_SIZE - 1) != 0)
		return PW_OK;
	if (out->expires <= pw_clock_now() || user->disabled)
		return PW_OK;
	*found = true;
	return PW_OK;
}

pw_err pw_session_end(struct pw_store *s, const char *actor, const char *secret,
		      struct pw_error *e)
{
	if (!secret_well_formed(secret, ""))
		return PW_OK;
	char h[PW_SECRET_HASH_SIZE];
	secret_hash(secret, h);
	pw_err rc = pw_store_begin(s, e);
	if (rc)
		return rc;
	int64_t user_id = 0;
	bool found = false;
	struct pw_session se;
	struct pw_user u;
	struct session_row c = { &se, &u, false };
	rc = pw_sql_run(s,
			"SELECT s.id, s.user_id, s.created, s.expires, s.last_used, u.name,"
			" u.role, u.disabled, u.created, u.updated"
			" FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.id = $1",
			PW_SQL_ARGS(SQL_TXT(h)), session_row, &c, NULL, e);
	found = c.found;
	user_id = se.user_id;
	if (rc == PW_OK && found)
		rc = pw_sql_exec(s, "DELETE FROM sessions WHERE id = $1", PW_SQL_ARGS(SQL_TXT(h)),
				 e);
	if (rc == PW_OK && found) {
		char object[64];
		snprintf(object, sizeof(object), "user:%lld", (long long)user_id);
		rc = pw_audit_append(s, actor, "auth.logout", object, NULL, NULL, e);
	}
	return finish(s, rc, e);
}

pw_err pw_session_purge(struct pw_store *s, struct pw_error *e)
{
	return pw_sql_exec(s, "DELETE FROM sessions WHERE expires <= $1",
			   PW_SQL_ARGS(PW_SQL_I(pw_clock_now())), e);
}

pw_err pw_session_touch(struct pw_store *s, const char *session_id, int64_t at,
			struct pw_error *e)
{
	return pw_sql_exec(s, "UPDATE sessions SET last_used = $1 WHERE id = $2 AND last_used < $1",
			   PW_SQL_ARGS(PW_SQL_I(at), PW_SQL_T(session_id)), e);
}

/* ---- API tokens ---- */

pw_err pw_expiry_parse(const char *str, int64_t now, int64_t *out, struct pw_error *e)
{
	if (!str || !*str)
		return pw_error_set(e, PW_ERR_INVALID, "expiry: missing");
	if (strcmp(str, "never") == 0) {
		*out = 0;
		return PW_OK;
	}
	size_t n = strlen(str);
	char unit = str[n - 1];
	int64_t mult = unit == 'd' ? 86400 : unit == 'h' ? 3600 : unit == 'm' ? 60 : 0;
	if (mult && n >= 2 && n <= 7) {
		int64_t v = 0;
		for (size_t i = 0; i + 1 < n; i++) {
			if (str[i] < '0' || str[i] > '9')
				goto time;
			v = v * 10 + (str[i] - '0');
		}
		if (v <= 0 || v > 3650 * 86400 / mult)
			return pw_error_set(e, PW_ERR_INVALID,
					    "expiry '%s': between 1 and 3650 days", str);
		*out = now + v * mult;
		return PW_OK;
	}
time:;
	int64_t t;
	if (pw_clock_parse(str, &t) != 0)
		return pw_error_set(e, PW_ERR_INVALID,
				    "expiry '%.64s': expected a duration (30d, 12h, 90m), an RFC "
				    "3339 time, a date, or 'never'",
				    str);
	if (t <= now)
		return pw_error_set(e, PW_ERR_INVALID, "expiry '%.64s' is not in the future", str);
	*out = t;
	return PW_OK;
}

/* A token with its owner as the owner is now: a deleted owner leaves
 * owner_id without a user row. */
#define TOKEN_COLUMNS                                                                          \
	"t.id, t.name, t.role, t.created_by, t.created, t.expires, t.last_used, t.revoked,"    \
	" t.hash, t.owner_id, u.id, u.name, u.role, u.disabled"
#define TOKEN_FROM " FROM api_tokens t LEFT JOIN users u ON u.id = t.owner_id"

struct token_row {
	struct pw_token *t;
	bool found;
	char hash[PW_SECRET_HASH_SIZE];
	pw_err (*cb)(void *ctx, const struct pw_token *t);
	void *ctx;
};

static void token_of_row(const struct pw_sql_row *row, struct pw_token *t)
{
	memset(t, 0, sizeof(*t));
	t->id = pw_sql_int(row, 0);
	snprintf(t->name, sizeof(t->name), "%s", pw_sql_text(row, 1) ? pw_sql_text(row, 1) : "");
	snprintf(t->role, sizeof(t->role), "%s", pw_sql_text(row, 2) ? pw_sql_text(row, 2) : "");
	snprintf(t->created_by, sizeof(t->created_by), "%s",
		 pw_sql_text(row, 3) ? pw_sql_text(row, 3) : "");
	t->created = pw_sql_int(row, 4);
	t->expires = pw_sql_isnull(row, 5) ? 0 : pw_sql_int(row, 5);
	t->last_used = pw_sql_isnull(row, 6) ? 0 : pw_sql_int(row, 6);
	t->revoked = pw_sql_isnull(row, 7) ? 0 : pw_sql_int(row, 7);
	t->has_owner = !pw_sql_isnull(row, 9);
	t->owner_id = t->has_owner ? pw_sql_int(row, 9) : 0;
	t->owner_gone = t->has_owner && pw_sql_isnull(row, 10);
	if (t->has_owner && !t->owner_gone) {
		snprintf(t->owner, sizeof(t->owner), "%s",
			 pw_sql_text(row, 11) ? pw_sql_text(row, 11) : "");
		snprintf(t->owner_role, sizeof(t->owner_role), "%s",
			 pw_sql_text(row, 12) ? pw_sql_text(row, 12) : "");
		t->owner_disabled = pw_sql_int(row, 13) != 0;
	}
}

static pw_err token_one_row(void *ctx, const struct pw_sql_row *row, struct pw_error *e)
{
	struct token_row *c = ctx;
	token_of_row(row, c->t);
	const char *h = pw_sql_text(row, 8);
	snprintf(c->hash, sizeof(c->hash), "%s", h ? h : "");
	c->found = true;
	return PW_OK;
}

static pw_err token_each_row(void *ctx, const struct pw_sql_row *row, struct pw_error *e)
{
	struct token_row *c = ctx;
	struct pw_token t;
	token_of_row(row, &t);
	pw_err rc = c->cb(c->ctx, &t);
	return rc ? pw_error_set(e, rc, "tokens: stopped at %lld", (long long)t.id) : PW_OK;
}

static pw_err id_row(void *ctx, const struct pw_sql_row *row, struct pw_error *e)
{
	*(int64_t *)ctx = pw_sql_int(row, 0);
	return PW_OK;
}

pw_err pw_token_create(struct pw_store *s, const char *actor, const char *name, const char *role,
		       int64_t expires, struct pw_token *out, char secret[PW_SECRET_SIZE],
		       struct pw_error *e)
{
	return pw_token_create_owned(s, actor, 0, name, role, expires, out, secret, e);
}

pw_err pw_token_create_owned(struct pw_store *s, const char *actor, int64_t owner_id,
			     const char *name, const char *role, int64_t expires,
			     struct pw_token *out, char secret[PW_SECRET_SIZE], struct pw_error *e)
{
	if (!pw_token_name_valid(name))
		return pw_error_set(e, PW_ERR_INVALID,
				    "token name '%.64s': use 1 to %d of letters, digits, '.', '_', "
				    "'@' and '-', not starting with '-'",
				    name ? name : "", PW_USER_NAME_MAX);
	if (!role || !*role || strlen(role) >= PW_ROLE_NAME_MAX)
		return pw_error_set(e, PW_ERR_INVALID, "token %s: no valid role", name);
	if (sodium_init() < 0)
		return pw_error_set(e, PW_ERR_UNSUPPORTED, "libsodium could not be initialised");
	char h[PW_SECRET_HASH_SIZE];
	new_secret("pwt_", secret);
	secret_hash(secret, h);
	int64_t now = pw_clock_now(), id = 0;
	struct pw_token t;
	bool found = false;
	pw_err rc = pw_store_begin(s, e);
	if (rc)
		goto out;
	rc = pw_sql_run(s,
			"INSERT INTO api_tokens(name, role, hash, created_by, created, expires,"
			" owner_id) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
			PW_SQL_ARGS(PW_SQL_T(name), PW_SQL_T(role), SQL_TXT(h), PW_SQL_T(actor),
				    PW_SQL_I(now), expires ? PW_SQL_I(expires) : PW_SQL_NUL,
				    owner_id ? PW_SQL_I(owner_id) : PW_SQL_NUL),
			id_row, &id, NULL, e);
	if (rc == PW_OK)
		rc = pw_token_get(s, id, &t, &found, e);
	if (rc == PW_OK && owner_id && (t.owner_gone || !found))
		rc = pw_error_set(e, PW_ERR_NOTFOUND, "token %s: no user %lld to own it", name,
				  (long long)owner_id);
	if (rc == PW_OK) {
		char object[64];
		snprintf(object, sizeof(object), "token:%lld", (long long)t.id);
		rc = append_json(s, actor, "token.create", object, NULL, token_json(&t), false,
				 true, e);
	}
	rc = finish(s, rc, e);
out:
	if (rc)
		sodium_memzero(secret, PW_SECRET_SIZE);
	else if (out)
		*out = t;
	return rc;
}

pw_err pw_token_verify(struct pw_store *s, const char *secret, struct pw_token *out, bool *found,
		       struct pw_error *e)
{
	*found = false;
	if (!secret_well_formed(secret, "pwt_"))
		return PW_OK;
	char h[PW_SECRET_HASH_SIZE];
	secret_hash(secret, h);
	struct token_row c = { .t = out };
	pw_err rc = pw_sql_run(s, "SELECT " TOKEN_COLUMNS TOKEN_FROM " WHERE t.hash = $1",
			       PW_SQL_ARGS(SQL_TXT(h)), token_one_row, &c, NULL, e);
	if (rc || !c.found)
		return rc;
	if (strlen(c.hash) != PW_SECRET_HASH_SIZE - 1 ||
	    sodium_memcmp(c.hash, h, PW_SECRET_HASH_SIZE - 1) != 0)
		return PW_OK;
	if (out->revoked || (out->expires && out->expires <= pw_clock_now()))
		return PW_OK;
	/* a token never outlives its owner's rights */
	if (out->has_owner && (out->owner_gone || out->owner_disabled))
		return PW_OK;
	*found = true;
	return PW_OK;
}

pw_err pw_token_get(struct pw_store *s, int64_t id, struct pw_token *out, bool *found,
		    struct pw_error *e)
{
	struct token_row c = { .t = out };
	pw_err rc = pw_sql_run(s, "SELECT " TOKEN_COLUMNS TOKEN_FROM " WHERE t.id = $1",
			       PW_SQL_ARGS(PW_SQL_I(id)), token_one_row, &c, NULL, e);
	*found = c.found;
	return rc;
}

pw_err pw_token_each(struct pw_store *s, pw_err (*cb)(void *ctx, const struct pw_token *t),
		     void *ctx, struct pw_error *e)
{
	struct token_row c = { .cb = cb, .ctx = ctx };
	return pw_sql_run(s, "SELECT " TOKEN_COLUMNS TOKEN_FROM " ORDER BY t.id DESC",
			  PW_SQL_NOARGS, token_each_row, &c, NULL, e);
}

pw_err pw_token_page(struct pw_store *s, int64_t before, int64_t limit,
		     pw_err (*cb)(void *ctx, const struct pw_token *t), void *ctx,
		     struct pw_error *e)
{
	struct token_row c = { .cb = cb, .ctx = ctx };
	return pw_sql_run(s,
			  "SELECT " TOKEN_COLUMNS TOKEN_FROM " WHERE t.id < $1"
			  " ORDER BY t.id DESC LIMIT $2",
			  PW_SQL_ARGS(PW_SQL_I(before > 0 ? before : INT64_MAX), PW_SQL_I(limit)),
			  token_each_row, &c, NULL, e);
}

pw_err pw_token_revoke(struct pw_store *s, const char *actor, int64_t id, bool *changed,
		       struct pw_error *e)
{
	if (changed)
		*changed = false;
	pw_err rc = pw_store_begin(s, e);
	if (rc)
		return rc;
	struct pw_token old;
	bool found = false;
	if ((rc = pw_token_get(s, id, &old, &found, e)))
		return finish(s, rc, e);
	if (!found)
		return finish(s, pw_error_set(e, PW_ERR_NOTFOUND, "no token %lld", (long long)id),
			      e);
	if (old.revoked)
		return finish(s, PW_OK, e);
	struct pw_token nt = old;
	nt.revoked = pw_clock_now();
	rc = pw_sql_exec(s, "UPDATE api_tokens SET revoked = $1 WHERE id = $2",
			 PW_SQL_ARGS(PW_SQL_I(nt.revoked), PW_SQL_I(id)), e);
	if (rc == PW_OK) {
		char object[64];
		snprintf(object, sizeof(object), "token:%lld", (long long)id);
		rc = append_json(s, actor, "token.revoke", object, token_json(&old),
				 token_json(&nt), true, true, e);
	}
	if (rc == PW_OK && changed)
		*changed = true;
	return finish(s, rc, e);
}

pw_err pw_token_touch(struct pw_store *s, int64_t id, int64_t at, struct pw_error *e)
{
	return pw_sql_exec(s,
			   "UPDATE api_tokens SET last_used = $1 WHERE id = $2"
			   " AND (last_used IS NULL OR last_used < $1)",
			   PW_SQL_ARGS(PW_SQL_I(at), PW_SQL_I(id)), e);
}
