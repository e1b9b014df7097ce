/* test_users.c - users, sessions and API tokens on a real SQLite file:
 * create, password check (right, wrong, unknown, disabled), the last admin
 * kept, sessions that expire and end, tokens that verify, expire and are
 * revoked, secrets never stored, and the audit entry of every change. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pw_audit.h"
#include "pw_clock.h"
#include "pw_sql.h"
#include "pw_store.h"
#include "pw_users.h"

#define T0 1700000000

struct fixture {
	char path[64];
	struct pw_store *s;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	snprintf(f->path, sizeof(f->path), "/tmp/pw-test-users-XXXXXX");
	int fd = mkstemp(f->path);
	assert_true(fd >= 0);
	close(fd);
	unlink(f->path);
	struct pw_error e = { 0 };
	assert_int_equal(pw_store_open(f->path, &f->s, &e), PW_OK);
	assert_int_equal(pw_audit_migrate(f->s, &e), PW_OK);
	assert_int_equal(pw_users_migrate(f->s, &e), PW_OK);
	pw_clock_set(T0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	char p[96];
	pw_store_close(f->s);
	unlink(f->path);
	snprintf(p, sizeof(p), "%s-wal", f->path);
	unlink(p);
	snprintf(p, sizeof(p), "%s-shm", f->path);
	unlink(p);
	free(f);
	pw_clock_set(-1);
	return 0;
}

static int64_t add_user(struct pw_store *s, const char *name, const char *role, const char *pw)
{
	char hash[PW_PASSWORD_HASH_SIZE];
	struct pw_error e = { 0 };
	int64_t id = 0;
	assert_int_equal(pw_password_hash(pw, hash, &e), PW_OK);
	if (pw_user_add(s, "local:root", name, role, hash, &id, &e))
		fail_msg("add %s: %s", name, e.msg);
	assert_true(id > 0);
	return id;
}

struct audit_seen {
	int n;
	char actions[16][32];
	char last_before[512], last_after[512];
};

static pw_err audit_collect(void *ctx, const struct pw_audit_entry *a)
{
	struct audit_seen *s = ctx;
	if (s->n < 16)
		snprintf(s->actions[s->n], sizeof(s->actions[0]), "%s", a->action);
	s->n++;
	snprintf(s->last_before, sizeof(s->last_before), "%s", a->before_json ? a->before_json : "");
	snprintf(s->last_after, sizeof(s->last_after), "%s", a->after_json ? a->after_json : "");
	return PW_OK;
}

static struct audit_seen audit_of(struct pw_store *s)
{
	struct audit_seen seen = { 0 };
	struct pw_error e = { 0 };
	assert_int_equal(pw_audit_each(s, 0, 0, audit_collect, &seen, &e), PW_OK);
	bool ok = false;
	int64_t bad, checked;
	assert_int_equal(pw_audit_verify(s, &ok, &bad, &checked, &e), PW_OK);
	assert_true(ok);
	return seen;
}

static void test_names_and_passwords(void **state)
{
	(void)state;
	assert_true(pw_user_name_valid("alice"));
	assert_true(pw_user_name_valid("a.b-c_d@example.org"));
	assert_false(pw_user_name_valid(""));
	assert_false(pw_user_name_valid(NULL));
	assert_false(pw_user_name_valid("-rf"));
	assert_false(pw_user_name_valid("a b"));
	assert_false(pw_user_name_valid("../etc"));
	assert_false(pw_user_name_valid("a/b"));
	char longname[80];
	memset(longname, 'x', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	assert_false(pw_user_name_valid(longname));
	longname[PW_USER_NAME_MAX] = '\0';
	assert_true(pw_user_name_valid(longname));

	char hash[PW_PASSWORD_HASH_SIZE];
	struct pw_error e = { 0 };
	assert_int_equal(pw_password_hash("short", hash, &e), PW_ERR_INVALID);
	assert_non_null(strstr(e.msg, "too short"));
	assert_int_equal(pw_password_hash("long enough", hash, &e), PW_OK);
	assert_memory_equal(hash, "$argon2id$", 10);
}

static void test_create_and_check(void **state)
{
	struct fixture *f = *state;
	struct pw_error e = { 0 };
	int64_t id = add_user(f->s, "alice", "admin", "correct horse");
	struct pw_user u;
	bool ok = false, found = false;
	assert_int_equal(pw_user_check_password(f->s, "alice", "correct horse", &u, &ok, &e), PW_OK);
	assert_true(ok);
	assert_int_equal(u.id, id);
	assert_string_equal(u.role, "admin");
	assert_int_equal(u.created, T0);

	assert_int_equal(pw_user_check_password(f->s, "alice", "correct horsE", &u, &ok, &e), PW_OK);
	assert_false(ok);
	assert_int_equal(pw_user_check_password(f->s, "nobody", "correct horse", &u, &ok, &e),
			 PW_OK);
	assert_false(ok);
	assert_int_equal(pw_user_check_password(f->s, "alice", "", &u, &ok, &e), PW_OK);
	assert_false(ok);

	/* a taken name is refused and nothing is written */
	char hash[PW_PASSWORD_HASH_SIZE];
	assert_int_equal(pw_password_hash("another one", hash, &e), PW_OK);
	assert_int_equal(pw_user_add(f->s, "local:root", "alice", "auditor", hash, NULL, &e),
			 PW_ERR_INVALID);
	assert_non_null(strstr(e.msg, "already exists"));
	assert_int_equal(pw_user_add(f->s, "local:root", "bad name", "auditor", hash, NULL, &e),
			 PW_ERR_INVALID);
	assert_int_equal(pw_user_find(f->s, "alice", &u, &found, &e), PW_OK);
	assert_true(found);
	assert_string_equal(u.role, "admin");

	/* the hash, never the password, is stored; the audit entry holds neither */
	struct audit_seen seen = audit_of(f->s);
	assert_int_equal(seen.n, 1);
	assert_string_equal(seen.actions[0], "user.create");
	assert_null(strstr(seen.last_after, "argon2"));
	assert_null(strstr(seen.last_after, "horse"));
	assert_non_null(strstr(seen.last_after, "\"role\":\"admin\""));
}

/* User names differ by more than case: "Alice" cannot be created beside
 * "alice", and logs in as her. */
static void test_names_ignore_case(void **state)
{
	struct fixture *f = *state;
	struct pw_error e = { 0 };
	int64_t id = add_user(f->s, "alice", "auditor", "correct horse");
	char hash[PW_PASSWORD_HASH_SIZE];
	assert_int_equal(pw_password_hash("another one", hash, &e), PW_OK);
	assert_int_equal(pw_user_add(f->s, "local:root", "Alice", "admin", hash, NULL, &e),
			 PW_ERR_INVALID);
	assert_non_null(strstr(e.msg, "already exists as 'alice'"));
	assert_int_equal(pw_user_add(f->s, "local:root", "ALICE", "admin", hash, NULL, &e),
			 PW_ERR_INVALID);
	struct pw_user u;
	bool ok = false, found = false;
	assert_int_equal(pw_user_check_password(f->s, "ALICE", "correct horse", &u, &ok, &e),
			 PW_OK);
	assert_true(ok);
	assert_int_equal(u.id, id);
	assert_string_equal(u.name, "alice");
	assert_int_equal(pw_user_find(f->s, "aLiCe", &u, &found, &e), PW_OK);
	assert_true(found);
	/* the index holds even against a direct insert */
	assert_int_not_equal(pw_sql_exec(f->s,
					 "INSERT INTO users(name, role, password_hash, created,"
					 " updated) VALUES ('ALICE', 'admin', 'x', 0, 0)",
					 PW_SQL_NOARGS, &e),
			     PW_OK);
	assert_int_equal(audit_of(f->s).n, 1);

}

/* A store made before the rule (the users schema at version 1) holding "bob"
 * and "Bob": the upgrade is refused with both named, nothing changed; once
 * one is renamed it upgrades. */
static void test_case_clash_refused(void **state)
{
	struct fixture *f = *state;
	struct pw_error e = { 0 };
	static const char *const v1[] = {
		"CREATE TABLE users(id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE,"
		" role TEXT NOT NULL, password_hash TEXT NOT NULL,"
		" disabled INTEGER NOT NULL DEFAULT 0, created BIGINT NOT NULL,"
		" updated BIGINT NOT NULL)",
		"CREATE TABLE sessions(id TEXT PRIMARY KEY, user_id BIGINT NOT NULL,"
		" created BIGINT NOT NULL, expires BIGINT NOT NULL, last_used BIGINT NOT NULL)",
		"CREATE TABLE api_tokens(id INTEGER PRIMARY KEY, name TEXT NOT NULL,"
		" role TEXT NOT NULL, hash TEXT NOT NULL UNIQUE, created_by TEXT NOT NULL,"
		" created BIGINT NOT NULL, expires BIGINT, last_used BIGINT, revoked BIGINT)",
		"INSERT INTO users(name, role, password_hash, created, updated)"
		" VALUES ('bob', 'auditor', 'x', 0, 0), ('Bob', 'admin', 'x', 0, 0)",
		/* tokens of a user, of a user since deleted, of the command line,
		 * and one made by the first */
		"INSERT INTO api_tokens(id, name, role, hash, created_by, created) VALUES"
		" (1, 'a', 'admin', 'h1', 'user:bob', 0), (2, 'b', 'admin', 'h2', 'user:ghost', 0),"
		" (3, 'c', 'admin', 'h3', 'local:root', 0), (4, 'd', 'admin', 'h4', 'token:1:a', 0)",
	};
	assert_int_equal(pw_sql_exec(f->s, "DROP TABLE users", PW_SQL_NOARGS, &e), PW_OK);
	assert_int_equal(pw_sql_exec(f->s, "DROP TABLE sessions", PW_SQL_NOARGS, &e), PW_OK);
	assert_int_equal(pw_sql_exec(f->s, "DROP TABLE api_tokens", PW_SQL_NOARGS, &e), PW_OK);
	for (size_t i = 0; i < sizeof(v1) / sizeof(v1[0]); i++)
		if (pw_sql_exec(f->s, v1[i], PW_SQL_NOARGS, &e))
			fail_msg("%s", e.msg);
	assert_int_equal(pw_sql_exec(f->s,
				     "UPDATE component_schema SET version = 1 WHERE component = 'users'",
				     PW_SQL_NOARGS, &e),
			 PW_OK);
	assert_int_equal(pw_users_migrate(f->s, &e), PW_ERR_INVALID);
	assert_non_null(strstr(e.msg, "'bob'"));
	assert_non_null(strstr(e.msg, "'Bob'"));
	assert_non_null(strstr(e.msg, "differ only in case"));
	assert_int_equal(pw_sql_component_version(f->s, "users"), 1);
	/* renamed, it upgrades */
	assert_int_equal(pw_sql_exec(f->s, "UPDATE users SET name = 'bob2' WHERE name = 'Bob'",
				     PW_SQL_NOARGS, &e),
			 PW_OK);
	assert_int_equal(pw_users_migrate(f->s, &e), PW_OK);
	assert_true(pw_sql_component_version(f->s, "users") >= 3);
	/* earlier tokens belong to the user who made them */
	struct pw_token t;
	bool found = false;
	assert_int_equal(pw_token_get(f->s, 1, &t, &found, &e), PW_OK);
	assert_true(t.has_owner && !t.owner_gone);
	assert_string_equal(t.owner, "bob");
	assert_int_equal(pw_token_get(f->s, 2, &t, &found, &e), PW_OK);
	assert_true(t.has_owner && t.owner_gone);
	assert_int_equal(pw_token_get(f->s, 3, &t, &found, &e), PW_OK);
	assert_false(t.has_owner);
	assert_int_equal(pw_token_get(f->s, 4, &t, &found, &e), PW_OK);
	assert_string_equal(t.owner, "bob");
}

static void test_disable_role_password(void **state)
{
	struct fixture *f = *state;
	struct pw_error e = { 0 };
	int64_t admin = add_user(f->s, "root", "admin", "admin password");
	int64_t bob = add_user(f->s, "bob", "operator", "bob password");
	struct pw_user u;
	bool ok = false, changed = false;

	/* the last admin keeps the role and stays enabled */
	assert_int_equal(pw_user_update(f->s, "local:root", admin, "auditor", -1, NULL, NULL, &e),
			 PW_ERR_INVALID);
	assert_non_null(strstr(e.msg, "last enabled admin"));
	assert_int_equal(pw_user_update(f->s, "local:root", admin, NULL, 1, NULL, NULL, &e),
			 PW_ERR_INVALID);
	assert_int_equal(pw_user_remove(f->s, "local:root", admin, &e), PW_ERR_INVALID);

	/* a session of bob's, then bob is disabled: no login, no session */
	assert_int_equal(pw_user_check_password(f->s, "bob", "bob password", &u, &ok, &e), PW_OK);
	assert_true(ok);
	char secret[PW_SECRET_SIZE], csrf[PW_SECRET_SIZE];
	struct pw_session se;
	assert_int_equal(pw_session_create(f->s, &u, 3600, secret, csrf, &se, &e), PW_OK);
	assert_int_equal(pw_user_update(f->s, "user:root", bob, NULL, 1, NULL, &changed, &e), PW_OK);
	assert_true(changed);
	assert_int_equal(pw_user_check_password(f->s, "bob", "bob password", &u, &ok, &e), PW_OK);
	assert_false(ok);
	bool found = true;
	struct pw_user su;
	assert_int_equal(pw_session_lookup(f->s, secret, &se, &su, &found, &e), PW_OK);
	assert_false(found);
	/* the same again changes nothing and writes no entry */
	assert_int_equal(pw_user_update(f->s, "user:root", bob, NULL, 1, NULL, &changed, &e), PW_OK);
	assert_false(changed);

	/* enable, new role, new password */
	assert_int_equal(pw_user_update(f->s, "user:root", bob, "auditor", 0, NULL, &changed, &e),
			 PW_OK);
	char hash[PW_PASSWORD_HASH_SIZE];
	assert_int_equal(pw_password_hash("bob's new password", hash, &e), PW_OK);
	assert_int_equal(pw_user_update(f->s, "user:root", bob, NULL, -1, hash, &changed, &e), PW_OK);
	assert_int_equal(pw_user_check_password(f->s, "bob", "bob password", &u, &ok, &e), PW_OK);
	assert_false(ok);
	assert_int_equal(pw_user_check_password(f->s, "bob", "bob's new password", &u, &ok, &e),
			 PW_OK);
	assert_true(ok);
	assert_string_equal(u.role, "auditor");
	struct audit_seen seen = audit_of(f->s);
	/* 2 creates, login, disable, update (role + enable), password */
	assert_int_equal(seen.n, 6);
	assert_string_equal(seen.actions[2], "auth.login");
	assert_string_equal(seen.actions[3], "user.disable");
	assert_string_equal(seen.actions[4], "user.update");
	assert_string_equal(seen.actions[5], "user.password");
	assert_non_null(strstr(seen.last_after, "\"password\":\"(changed)\""));
	assert_null(strstr(seen.last_after, "argon2"));

	/* with a second admin, the first may go */
	assert_int_equal(pw_user_update(f->s, "user:root", bob, "admin", -1, NULL, NULL, &e), PW_OK);
	assert_int_equal(pw_user_remove(f->s, "user:bob", admin, &e), PW_OK);
	assert_int_equal(pw_user_get(f->s, admin, &u, &found, &e), PW_OK);
	assert_false(found);
	assert_int_equal(pw_user_remove(f->s, "user:bob", admin, &e), PW_ERR_NOTFOUND);
	assert_int_equal(pw_user_update(f->s, "user:bob", 999, "admin", -1, NULL, NULL, &e),
			 PW_ERR_NOTFOUND);
}

static void test_sessions(void **state)
{
	struct fixture *f = *state;
	struct pw_error e = { 0 };
	add_user(f->s, "carol", "security-analyst", "carol password");
	struct pw_user u, su;
	bool ok = false, found = false;
	assert_int_equal(pw_user_check_password(f->s, "carol", "carol password", &u, &ok, &e), PW_OK);
	assert_true(ok);
	char secret[PW_SECRET_SIZE], csrf[PW_SECRET_SIZE], csrf2[PW_SECRET_SIZE];
	struct pw_session se, got;
	assert_int_equal(pw_session_create(f->s, &u, 600, secret, csrf, &se, &e), PW_OK);
	assert_int_equal(strlen(secret), 43);
	assert_int_equal(strlen(csrf), 43);
	assert_string_not_equal(secret, csrf);
	pw_session_csrf(secret, csrf2);
	assert_string_equal(csrf, csrf2);
	assert_int_equal(se.expires, T0 + 600);

	assert_int_equal(pw_session_lookup(f->s, secret, &got, &su, &found, &e), PW_OK);
	assert_true(found);
	assert_string_equal(su.name, "carol");
	assert_string_equal(su.role, "security-analyst");
	/* the store holds the hash of the secret, not the secret */
	assert_string_not_equal(got.id, secret);
	assert_int_equal(strlen(got.id), 64);

	/* another secret, a mangled one, none */
	char other[PW_SECRET_SIZE];
	snprintf(other, sizeof(other), "%s", secret);
	other[5] = other[5] == 'A' ? 'B' : 'A';
	assert_int_equal(pw_session_lookup(f->s, other, &got, &su, &found, &e), PW_OK);
	assert_false(found);
	assert_int_equal(pw_session_lookup(f->s, "x'; DROP TABLE users; --", &got, &su, &found, &e),
			 PW_OK);
	assert_false(found);
	assert_int_equal(pw_session_lookup(f->s, "", &got, &su, &found, &e), PW_OK);
	assert_false(found);

	/* expiry */
	pw_clock_set(T0 + 599);
	assert_int_equal(pw_session_lookup(f->s, secret, &got, &su, &found, &e), PW_OK);
	assert_true(found);
	pw_clock_set(T0 + 600);
	assert_int_equal(pw_session_lookup(f->s, secret, &got, &su, &found, &e), PW_OK);
	assert_false(found);
	assert_int_equal(pw_session_purge(f->s, &e), PW_OK);

	/* logout ends a session */
	assert_int_equal(pw_session_create(f->s, &u, 600, secret, csrf, &se, &e), PW_OK);
	assert_int_equal(pw_session_lookup(f->s, secret, &got, &su, &found, &e), PW_OK);
	assert_true(found);
	assert_int_equal(pw_session_end(f->s, "user:carol", secret, &e), PW_OK);
	assert_int_equal(pw_session_lookup(f->s, secret, &got, &su, &found, &e), PW_OK);
	assert_false(found);
	struct audit_seen seen = audit_of(f->s);
	assert_int_equal(seen.n, 4);
	assert_string_equal(seen.actions[3], "auth.logout");
}

static void test_tokens(void **state)
{
	struct fixture *f = *state;
	struct pw_error e = { 0 };
	char secret[PW_SECRET_SIZE];
	struct pw_token t, got;
	bool found = false, changed = false;
	int64_t exp;
	assert_int_equal(pw_expiry_parse("30d", T0, &exp, &e), PW_OK);
	assert_int_equal(exp, T0 + 30 * 86400);
	assert_int_equal(pw_token_create(f->s, "user:alice", "ci", "operator", exp, &t, secret, &e),
			 PW_OK);
	assert_memory_equal(secret, "pwt_", 4);
	assert_int_equal(strlen(secret), 4 + 43);
	assert_int_equal(pw_token_verify(f->s, secret, &got, &found, &e), PW_OK);
	assert_true(found);
	assert_int_equal(got.id, t.id);
	assert_string_equal(got.role, "operator");
	assert_string_equal(got.created_by, "user:alice");

	/* two tokens never share a secret */
	char secret2[PW_SECRET_SIZE];
	struct pw_token t2;
	assert_int_equal(pw_token_create(f->s, "user:alice", "ro", "auditor", 0, &t2, secret2, &e),
			 PW_OK);
	assert_string_not_equal(secret, secret2);

	/* malformed and wrong secrets */
	char wrong[PW_SECRET_SIZE];
	snprintf(wrong, sizeof(wrong), "%s", secret);
	wrong[10] = wrong[10] == 'Q' ? 'R' : 'Q';
	assert_int_equal(pw_token_verify(f->s, wrong, &got, &found, &e), PW_OK);
	assert_false(found);
	assert_int_equal(pw_token_verify(f->s, "pwt_", &got, &found, &e), PW_OK);
	assert_false(found);
	assert_int_equal(pw_token_verify(f->s, secret + 4, &got, &found, &e), PW_OK);
	assert_false(found);

	/* expiry */
	pw_clock_set(exp - 1);
	assert_int_equal(pw_token_verify(f->s, secret, &got, &found, &e), PW_OK);
	assert_true(found);
	pw_clock_set(exp);
	assert_int_equal(pw_token_verify(f->s, secret, &got, &found, &e), PW_OK);
	assert_false(found);
	/* a token without expiry lasts */
	pw_clock_set(T0 + 100LL * 365 * 86400);
	assert_int_equal(pw_token_verify(f->s, secret2, &got, &found, &e), PW_OK);
	assert_true(found);

	/* revocation is at once and for good */
	pw_clock_set(T0);
	assert_int_equal(pw_token_revoke(f->s, "user:alice", t2.id, &changed, &e), PW_OK);
	assert_true(changed);
	assert_int_equal(pw_token_verify(f->s, secret2, &got, &found, &e), PW_OK);
	assert_false(found);
	assert_int_equal(pw_token_revoke(f->s, "user:alice", t2.id, &changed, &e), PW_OK);
	assert_false(changed);
	assert_int_equal(pw_token_revoke(f->s, "user:alice", 9999, &changed, &e), PW_ERR_NOTFOUND);
	assert_int_equal(pw_token_get(f->s, t2.id, &got, &found, &e), PW_OK);
	assert_true(found);
	assert_int_equal(got.revoked, T0);

	/* last use */
	assert_int_equal(pw_token_touch(f->s, t.id, T0 + 5, &e), PW_OK);
	assert_int_equal(pw_token_get(f->s, t.id, &got, &found, &e), PW_OK);
	assert_int_equal(got.last_used, T0 + 5);

	/* bad names; audit entries never hold a secret */
	assert_int_equal(pw_token_create(f->s, "user:alice", "a b", "operator", 0, &t, secret, &e),
			 PW_ERR_INVALID);
	struct audit_seen seen = audit_of(f->s);
	assert_int_equal(seen.n, 3);
	assert_string_equal(seen.actions[0], "token.create");
	assert_string_equal(seen.actions[2], "token.revoke");
	assert_null(strstr(seen.last_after, "pwt_"));
	assert_non_null(strstr(seen.last_after, "\"revoked\":true"));
}

struct names {
	int n;
	char list[8][PW_USER_NAME_MAX + 1];
	int64_t ids[8];
};

static pw_err name_collect(void *ctx, const struct pw_user *u)
{
	struct names *c = ctx;
	if (c->n < 8)
		snprintf(c->list[c->n], sizeof(c->list[0]), "%s", u->name);
	c->n++;
	return PW_OK;
}

static pw_err id_collect(void *ctx, const struct pw_token *t)
{
	struct names *c = ctx;
	if (c->n < 8)
		c->ids[c->n] = t->id;
	c->n++;
	return PW_OK;
}

/* A token owned by a user does no more than the user now: verify reports
 * the owner's current role, and fails once the owner is disabled (until
 * enabled again) or deleted. A token without an owner keeps its role. */
static void test_token_owner(void **state)
{
	struct fixture *f = *state;
	struct pw_error e = { 0 };
	int64_t alice = add_user(f->s, "alice", "admin", "correct horse");
	add_user(f->s, "root", "admin", "root password");
	char secret[PW_SECRET_SIZE], local[PW_SECRET_SIZE];
	struct pw_token t, got;
	bool found = false;
	assert_int_equal(pw_token_create_owned(f->s, "user:alice", alice, "ci", "admin", 0, &t,
					       secret, &e),
			 PW_OK);
	assert_true(t.has_owner);
	assert_string_equal(t.owner, "alice");
	assert_int_equal(pw_token_create(f->s, "local:root", "cron", "admin", 0, &t, local, &e),
			 PW_OK);
	assert_false(t.has_owner);
	assert_int_equal(pw_token_verify(f->s, secret, &got, &found, &e), PW_OK);
	assert_true(found);
	assert_string_equal(got.owner_role, "admin");

	/* demoted: the token is still the admin role, its owner an auditor */
	assert_int_equal(pw_user_update(f->s, "local:root", alice, "auditor", -1, NULL, NULL, &e),
			 PW_OK);
	assert_int_equal(pw_token_verify(f->s, secret, &got, &found, &e), PW_OK);
	assert_true(found);
	assert_string_equal(got.role, "admin");
	assert_string_equal(got.owner_role, "auditor");
	/* disabled, then enabled again */
	assert_int_equal(pw_user_update(f->s, "local:root", alice, NULL, 1, NULL, NULL, &e), PW_OK);
	assert_int_equal(pw_token_verify(f->s, secret, &got, &found, &e), PW_OK);
	assert_false(found);
	assert_int_equal(pw_token_get(f->s, t.id - 1, &got, &found, &e), PW_OK);
	assert_true(got.owner_disabled);
	assert_int_equal(pw_user_update(f->s, "local:root", alice, NULL, 0, NULL, NULL, &e), PW_OK);
	assert_int_equal(pw_token_verify(f->s, secret, &got, &found, &e), PW_OK);
	assert_true(found);
	/* deleted: for good */
	assert_int_equal(pw_user_remove(f->s, "local:root", alice, &e), PW_OK);
	assert_int_equal(pw_token_verify(f->s, secret, &got, &found, &e), PW_OK);
	assert_false(found);
	assert_int_equal(pw_token_get(f->s, t.id - 1, &got, &found, &e), PW_OK);
	assert_true(got.owner_gone);
	/* the unowned token is untouched, and a token for nobody is refused */
	assert_int_equal(pw_token_verify(f->s, local, &got, &found, &e), PW_OK);
	assert_true(found);
	assert_int_equal(pw_token_create_owned(f->s, "local:root", alice, "late", "auditor", 0,
					       &t, secret, &e),
			 PW_ERR_NOTFOUND);
}

static void test_pages(void **state)
{
	struct fixture *f = *state;
	struct pw_error e = { 0 };
	char hash[PW_PASSWORD_HASH_SIZE], secret[PW_SECRET_SIZE];
	assert_int_equal(pw_password_hash("same for all", hash, &e), PW_OK);
	const char *names[] = { "dave", "alice", "erin", "bob", "carol" };
	for (int i = 0; i < 5; i++) {
		assert_int_equal(pw_user_add(f->s, "local:root", names[i], "auditor", hash, NULL, &e),
				 PW_OK);
		struct pw_token t;
		assert_int_equal(pw_token_create(f->s, "local:root", names[i], "auditor", 0, &t, secret,
						 &e),
				 PW_OK);
	}
	struct names c = { 0 };
	assert_int_equal(pw_user_page(f->s, NULL, 2, name_collect, &c, &e), PW_OK);
	assert_int_equal(c.n, 2);
	assert_string_equal(c.list[0], "alice");
	assert_string_equal(c.list[1], "bob");
	memset(&c, 0, sizeof(c));
	assert_int_equal(pw_user_page(f->s, "bob", 2, name_collect, &c, &e), PW_OK);
	assert_int_equal(c.n, 2);
	assert_string_equal(c.list[0], "carol");
	assert_string_equal(c.list[1], "dave");
	memset(&c, 0, sizeof(c));
	assert_int_equal(pw_user_page(f->s, "dave", 2, name_collect, &c, &e), PW_OK);
	assert_int_equal(c.n, 1);
	assert_string_equal(c.list[0], "erin");

	memset(&c, 0, sizeof(c));
	assert_int_equal(pw_token_page(f->s, 0, 3, id_collect, &c, &e), PW_OK);
	assert_int_equal(c.n, 3);
	assert_true(c.ids[0] > c.ids[1] && c.ids[1] > c.ids[2]);
	int64_t last = c.ids[2];
	memset(&c, 0, sizeof(c));
	assert_int_equal(pw_token_page(f->s, last, 3, id_collect, &c, &e), PW_OK);
	assert_int_equal(c.n, 2);
	assert_true(c.ids[0] < last);
}

static void test_expiry_parse(void **state)
{
	(void)state;
	struct pw_error e = { 0 };
	int64_t t;
	assert_int_equal(pw_expiry_parse("12h", T0, &t, &e), PW_OK);
	assert_int_equal(t, T0 + 12 * 3600);
	assert_int_equal(pw_expiry_parse("90m", T0, &t, &e), PW_OK);
	assert_int_equal(t, T0 + 90 * 60);
	assert_int_equal(pw_expiry_parse("never", T0, &t, &e), PW_OK);
	assert_int_equal(t, 0);
	assert_int_equal(pw_expiry_parse("2030-01-01", T0, &t, &e), PW_OK);
	assert_int_equal(t, 1893456000);
	assert_int_equal(pw_expiry_parse("2000-01-01", T0, &t, &e), PW_ERR_INVALID);
	assert_int_equal(pw_expiry_parse("0d", T0, &t, &e), PW_ERR_INVALID);
	assert_int_equal(pw_expiry_parse("-3d", T0, &t, &e), PW_ERR_INVALID);
	assert_int_equal(pw_expiry_parse("30x", T0, &t, &e), PW_ERR_INVALID);
	assert_int_equal(pw_expiry_parse("99999d", T0, &t, &e), PW_ERR_INVALID);
	assert_int_equal(pw_expiry_parse("", T0, &t, &e), PW_ERR_INVALID);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names_and_passwords),
		cmocka_unit_test(test_expiry_parse),
		cmocka_unit_test_setup_teardown(test_create_and_check, setup, teardown),
		cmocka_unit_test_setup_teardown(test_names_ignore_case, setup, teardown),
		cmocka_unit_test_setup_teardown(test_case_clash_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_disable_role_password, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sessions, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tokens, setup, teardown),
		cmocka_unit_test_setup_teardown(test_token_owner, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pages, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
