/* api_auth.c - logging in and out, users, API tokens and the audit log:
 *
 *   POST   /api/v1/auth/login      {name, password} -> session cookie + CSRF token
 *   POST   /api/v1/auth/logout
 *   GET    /api/v1/auth/me
 *   GET    /api/v1/users           admin, auditor
 *   POST   /api/v1/users           admin: {name, role, password}
 *   GET    /api/v1/users/{id}      admin, auditor
 *   PATCH  /api/v1/users/{id}      admin: {role?, disabled?, password?}
 *   DELETE /api/v1/users/{id}      admin
 *   GET    /api/v1/tokens          admin, auditor (never a secret)
 *   POST   /api/v1/tokens          admin: {name, role, expires?} -> the secret, once
 *   GET    /api/v1/tokens/{id}     admin, auditor
 *   DELETE /api/v1/tokens/{id}     admin: revoke
 *   GET    /api/v1/audit           admin, auditor: paginated by seq
 *   GET    /api/v1/audit/verify    admin, auditor
 *
 * Login throttling lives here, in memory (a server restart forgets it; run
 * one server per store): every login attempt counts against the user name
 * and the remote address before its password is checked, and a success
 * takes the count back, so concurrent attempts never exceed the limit. After [auth] login_max_failures (default 5)
 * failures for a name, or login_max_failures_per_address (default 20) from
 * an address, that name or address is refused with 429 too_many_attempts
 * and Retry-After for 30 s, doubling with each further failure up to 15
 * minutes. A successful login clears both. The table has a fixed size
 * (oldest entries make room), so a flood of invented names cannot grow it.
 *
 * Password checks are argon2id (about 64 MiB each): at most
 * LOGIN_CONCURRENCY run at once, so a burst of logins cannot take the
 * server's memory.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "pw_audit.h"
#include "pw_auth.h"
#include "pw_clock.h"
#include "pw_http.h"
#include "pw_server.h"
#include "pw_timearg.h"
#include "pw_users.h"

#define R_ADMIN PW_ALLOW_ROLE(PW_ROLE_ADMIN)
#define R_ADMIN_AUDITOR (PW_ALLOW_ROLE(PW_ROLE_ADMIN) | PW_ALLOW_ROLE(PW_ROLE_AUDITOR))

/* ---- throttling ---- */

#define THROTTLE_SLOTS 4096
#define THROTTLE_PROBE 8
#define THROTTLE_KEY 80
#define THROTTLE_BASE 30
#define THROTTLE_MAX 900
#define THROTTLE_FORGET 86400

struct attempts {
	char key[THROTTLE_KEY];
	int64_t failures;
	int64_t last; /* time of the last failure; 0: free slot */
};

static pthread_mutex_t throttle_lock = PTHREAD_MUTEX_INITIALIZER;
static struct attempts throttle[THROTTLE_SLOTS];

static uint64_t fnv1a(const char *s)
{
	uint64_t h = 1469598103934665603ull;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return h;
}

/* The slot of key (locked), or the best one to take for it. */
static struct attempts *slot_of(const char *key, bool take, int64_t now)
{
	size_t h = (size_t)(fnv1a(key) % THROTTLE_SLOTS);
	struct attempts *victim = NULL;
	for (size_t i = 0; i < THROTTLE_PROBE; i++) {
		struct attempts *a = &throttle[(h + i) % THROTTLE_SLOTS];
		if (a->last && now - a->last > THROTTLE_FORGET)
			a->last = 0; /* forgotten */
		if (a->last && strcmp(a->key, key) == 0)
			return a;
		if (!victim || a->last < victim->last)
			victim = a;
	}
	if (!take)
		return NULL;
	snprintf(victim->key, sizeof(victim->key), "%s", key);
	victim->failures = 0;
	victim->last = now;
	return victim;
}

/* Seconds until key may try again (0: now). */
static int64_t locked_for(const struct attempts *a, int64_t max_failures, int64_t now)
{
	if (!a || a->failures < max_failures)
		return 0;
	int64_t over = a->failures - max_failures;
	int64_t wait = over >= 5 ? THROTTLE_MAX : THROTTLE_BASE << over;
	if (wait > THROTTLE_MAX)
		wait = THROTTLE_MAX;
	int64_t left = a->last + wait - now;
	return left > 0 ? left : 0;
}

static void throttle_keys(const char *name, const char *remote, char user_key[THROTTLE_KEY],
			  char addr_key[THROTTLE_KEY])
{
	snprintf(user_key, THROTTLE_KEY, "u:%.70s", name);
	/* user names are not case-sensitive: "Olga" counts against "olga" */
	for (char *c = user_key + 2; *c; c++)
		if (*c >= 'A' && *c <= 'Z')
			*c = (char)(*c - 'A' + 'a');
	snprintf(addr_key, THROTTLE_KEY, "a:%.70s", remote ? remote : "?");
}

struct limits {
	int64_t per_name, per_address;
};

/* Seconds until the name or address may try again (0: now), and when 0,
 * the attempt counted as a failure already, under the same lock: a burst of
 * concurrent attempts cannot all pass the check before the first slow
 * password check ends and records its failure. A success clears the count
 * (throttle_success). */
static int64_t throttle_reserve(const char *name, const char *remote, struct limits lim)
{
	char uk[THROTTLE_KEY], ak[THROTTLE_KEY];
	throttle_keys(name, remote, uk, ak);
	int64_t now = pw_clock_now();
	pthread_mutex_lock(&throttle_lock);
	int64_t a = locked_for(slot_of(uk, false, now), lim.per_name, now);
	int64_t b = locked_for(slot_of(ak, false, now), lim.per_address, now);
	if (a == 0 && b == 0) {
		const char *keys[2] = { uk, ak };
		for (int i = 0; i < 2; i++) {
			struct attempts *t = slot_of(keys[i], true, now);
			t->failures++;
			t->last = now;
		}
	}
	pthread_mutex_unlock(&throttle_lock);
	return a > b ? a : b;
}

static void throttle_success(const char *name, const char *remote)
{
	char uk[THROTTLE_KEY], ak[THROTTLE_KEY];
	throttle_keys(name, remote, uk, ak);
	int64_t now = pw_clock_now();
	pthread_mutex_lock(&throttle_lock);
	const char *keys[2] = { uk, ak };
	for (int i = 0; i < 2; i++) {
		struct attempts *a = slot_of(keys[i], false, now);
		if (a) {
			a->last = 0;
			a->failures = 0;
		}
	}
	pthread_mutex_unlock(&throttle_lock);
}

/* ---- bounded argon2id ---- */

#define LOGIN_CONCURRENCY 2
static pthread_mutex_t hash_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t hash_cond = PTHREAD_COND_INITIALIZER;
static int hashing;

static void hash_enter(void)
{
	pthread_mutex_lock(&hash_lock);
	while (hashing >= LOGIN_CONCURRENCY)
		pthread_cond_wait(&hash_cond, &hash_lock);
	hashing++;
	pthread_mutex_unlock(&hash_lock);
}

static void hash_leave(void)
{
	pthread_mutex_lock(&hash_lock);
	hashing--;
	pthread_cond_signal(&hash_cond);
	pthread_mutex_unlock(&hash_lock);
}

/* ---- helpers ---- */

/* An [auth] setting within [min, max]; the default outside it. */
static int64_t setting(const struct pw_request *r, const char *key, int64_t def, int64_t min,
		       int64_t max)
{
	int64_t v = r->server ? pw_server_setting_int(r->server, "auth", key, def) : def;
	return v < min || v > max ? def : v;
}

static json_t *time_or_null(int64_t t)
{
	char buf[32];
	return t ? json_string(pw_clock_format(t, buf, sizeof(buf))) : json_null();
}

static json_t *user_json(const struct pw_user *u)
{
	json_t *o = json_object();
	json_object_set_new(o, "id", json_integer(u->id));
	json_object_set_new(o, "name", json_string(u->name));
	json_object_set_new(o, "role", json_string(u->role));
	json_object_set_new(o, "disabled", json_boolean(u->disabled));
	json_object_set_new(o, "created", time_or_null(u->created));
	json_object_set_new(o, "updated", time_or_null(u->updated));
	return o;
}

static const char *token_state(const struct pw_token *t, int64_t now)
{
	return t->revoked                           ? "revoked"
	       : t->expires && t->expires <= now    ? "expired"
	       : t->has_owner && t->owner_gone      ? "owner_deleted"
	       : t->has_owner && t->owner_disabled  ? "owner_disabled"
						    : "active";
}

static json_t *token_json(const struct pw_token *t)
{
	json_t *o = json_object();
	json_object_set_new(o, "id", json_integer(t->id));
	json_object_set_new(o, "name", json_string(t->name));
	json_object_set_new(o, "role", json_string(t->role));
	json_object_set_new(o, "created_by", json_string(t->created_by));
	json_object_set_new(o, "owner", t->has_owner && !t->owner_gone ? json_string(t->owner)
								       : json_null());
	json_object_set_new(o, "created", time_or_null(t->created));
	json_object_set_new(o, "expires", time_or_null(t->expires));
	json_object_set_new(o, "last_used", time_or_null(t->last_used));
	json_object_set_new(o, "revoked", time_or_null(t->revoked));
	json_object_set_new(o, "state", json_string(token_state(t, pw_clock_now())));
	return o;
}

/* Refuse members outside `known` (a NULL-ended list): a typo in "disabled"
 * must not pass silently. */
static bool only_known(json_t *body, const char *const *known, struct pw_response *resp)
{
	const char *key;
	json_t *v;
	json_object_foreach (body, key, v) {
		size_t i = 0;
		while (known[i] && strcmp(known[i], key) != 0)
			i++;
		if (!known[i]) {
			pw_http_error(resp, 400, "invalid_request", "unknown member '%.64s'", key);
			return false;
		}
	}
	return true;
}

/* A string member: NULL when absent; false (and a 400) when present but not
 * a string, or absent though required. */
static bool string_member(json_t *body, const char *key, bool required, const char **out,
			  struct pw_response *resp)
{
	json_t *v = json_object_get(body, key);
	*out = NULL;
	if (!v) {
		if (required) {
			pw_http_error(resp, 400, "invalid_request", "'%s' is required", key);
			return false;
		}
		return true;
	}
	if (!json_is_string(v)) {
		pw_http_error(resp, 400, "invalid_request", "'%s' must be a string", key);
		return false;
	}
	if (strlen(json_string_value(v)) != json_string_length(v)) {
		pw_http_error(resp, 400, "invalid_request", "'%s' holds a NUL character", key);
		return false;
	}
	*out = json_string_value(v);
	return true;
}

static bool role_member(json_t *body, bool required, const char **out, struct pw_response *resp)
{
	if (!string_member(body, "role", required, out, resp))
		return false;
	enum pw_role r;
	if (*out && !pw_role_parse(*out, &r)) {
		pw_http_error(resp, 400, "invalid_request",
			      "role '%.40s' is not one of admin, security-analyst, operator, "
			      "change-manager, asset-manager, auditor",
			      *out);
		return false;
	}
	return true;
}

static void session_cookie(const struct pw_request *r, struct pw_response *resp,
			   const char *value, int64_t max_age)
{
	char cookie[256];
	snprintf(cookie, sizeof(cookie), "pw_session=%s; Path=/; Max-Age=%lld; HttpOnly; SameSite=Strict%s",
		 value, (long long)max_age, r->tls ? "; Secure" : "");
	pw_http_add_header(resp, "Set-Cookie", cookie);
	sodium_memzero(cookie, sizeof(cookie));
}

/* ---- auth ---- */

static void login(struct pw_request *r, struct pw_response *resp)
{
	json_t *body = pw_http_body_json(r, resp);
	if (!body)
		return;
	static const char *const known[] = { "name", "password", NULL };
	const char *name, *password;
	if (!only_known(body, known, resp) || !string_member(body, "name", true, &name, resp) ||
	    !string_member(body, "password", true, &password, resp))
		goto out;
	struct limits lim = {
		setting(r, "login_max_failures", 5, 1, 1000000),
		setting(r, "login_max_failures_per_address", 20, 1, 1000000),
	};
	int64_t wait = throttle_reserve(name, r->remote, lim);
	if (wait > 0) {
		char secs[32];
		snprintf(secs, sizeof(secs), "%lld", (long long)wait);
		pw_http_add_header(resp, "Retry-After", secs);
		pw_http_error(resp, 429, "too_many_attempts",
			      "too many failed logins for this user or address: try again in %lld s",
			      (long long)wait);
		goto out;
	}
	struct pw_user u;
	bool ok = false;
	struct pw_error e = { 0 };
	hash_enter();
	pw_err rc = pw_user_check_password(r->store, name, password, &u, &ok, &e);
	hash_leave();
	if (rc) {
		pw_http_error_from(resp, &e);
		goto out;
	}
	if (!ok) {
		/* the name as typed could hold anything, line breaks too: it is
		 * logged only when it is a valid name */
		bool valid = pw_user_name_valid(name);
		pw_server_log("warning", "failed login for %s%s%s from %s", valid ? "'" : "",
			      valid ? name : "an invalid user name", valid ? "'" : "",
			      r->remote ? r->remote : "?");
		pw_http_error(resp, 401, "invalid_credentials",
			      "the user name or password is wrong, or the user is disabled");
		goto out;
	}
	throttle_success(name, r->remote);
	int64_t ttl = setting(r, "session_hours", 12, 1, 24 * 366) * 3600;
	char secret[PW_SECRET_SIZE], csrf[PW_SECRET_SIZE];
	struct pw_session se;
	if (pw_session_create(r->store, &u, ttl, secret, csrf, &se, &e)) {
		pw_http_error_from(resp, &e);
		goto out;
	}
	session_cookie(r, resp, secret, ttl);
	json_t *doc = json_object();
	json_object_set_new(doc, "user", json_string(u.name));
	json_object_set_new(doc, "role", json_string(u.role));
	json_object_set_new(doc, "csrf_token", json_string(csrf));
	json_object_set_new(doc, "expires", time_or_null(se.expires));
	pw_http_json(resp, 200, doc);
	sodium_memzero(secret, sizeof(secret));
	sodium_memzero(csrf, sizeof(csrf));
out:
	json_decref(body);
}

static void logout(struct pw_request *r, struct pw_response *resp)
{
	bool ended = false;
	if (r->who.kind == PW_PRINCIPAL_USER) {
		struct pw_error e = { 0 };
		if (pw_session_end(r->store, r->who.actor, pw_http_cookie(r, "pw_session"), &e)) {
			pw_http_error_from(resp, &e);
			return;
		}
		session_cookie(r, resp, "", 0);
		ended = true;
	}
	pw_http_json(resp, 200, json_pack("{s:b}", "logged_out", ended));
}

static const char *kind_name(enum pw_principal_kind k)
{
	switch (k) {
	case PW_PRINCIPAL_USER: return "user";
	case PW_PRINCIPAL_TOKEN: return "token";
	case PW_PRINCIPAL_AGENT: return "agent";
	case PW_PRINCIPAL_LOCAL: return "local";
	default: return "none";
	}
}

static void me(struct pw_request *r, struct pw_response *resp)
{
	json_t *doc = json_object();
	json_object_set_new(doc, "kind", json_string(kind_name(r->who.kind)));
	json_object_set_new(doc, "id", json_integer(r->who.id));
	json_object_set_new(doc, "name", json_string(r->who.name));
	json_object_set_new(doc, "role", json_string(pw_role_name(r->who.role)));
	json_object_set_new(doc, "actor", json_string(r->who.actor));
	if (r->who.kind == PW_PRINCIPAL_USER) {
		const char *cookie = pw_http_cookie(r, "pw_session");
		char csrf[PW_SECRET_SIZE];
		if (cookie) {
			pw_session_csrf(cookie, csrf);
			json_object_set_new(doc, "csrf_token", json_string(csrf));
		}
	}
	pw_http_json(resp, 200, doc);
}

/* ---- users ---- */

struct list_page {
	json_t *items;
	char last[PW_USER_NAME_MAX + 1]; /* users: the last name */
	int64_t last_id;                 /* tokens: the last id */
};

static pw_err user_item(void *ctx, const struct pw_user *u)
{
	struct list_page *p = ctx;
	snprintf(p->last, sizeof(p->last), "%s", u->name);
	return json_array_append_new(p->items, user_json(u)) ? PW_ERR_NOMEM : PW_OK;
}

/* By name; the cursor is the last name of the previous page. */
static void users_list(struct pw_request *r, struct pw_response *resp)
{
	struct pw_page pg;
	if (!pw_http_page_args(r, resp, &pg))
		return;
	struct list_page p = { json_array(), "", 0 };
	struct pw_error e = { 0 };
	if (pw_user_page(r->store, pg.cursor, pg.limit, user_item, &p, &e)) {
		json_decref(p.items);
		pw_http_error_from(resp, &e);
		return;
	}
	pw_http_page(resp, p.items, (int64_t)json_array_size(p.items) == pg.limit ? p.last : NULL);
}

static bool user_by_id(struct pw_request *r, struct pw_response *resp, struct pw_user *u)
{
	int64_t id;
	if (!pw_http_param_id(r, 0, resp, &id))
		return false;
	bool found = false;
	struct pw_error e = { 0 };
	if (pw_user_get(r->store, id, u, &found, &e)) {
		pw_http_error_from(resp, &e);
		return false;
	}
	if (!found) {
		pw_http_error(resp, 404, "not_found", "no user %lld", (long long)id);
		return false;
	}
	return true;
}

static void users_get(struct pw_request *r, struct pw_response *resp)
{
	struct pw_user u;
	if (user_by_id(r, resp, &u))
		pw_http_json(resp, 200, user_json(&u));
}

/* Hash a password from the request (slow: outside any transaction). */
static bool hash_member(const char *password, char hash[PW_PASSWORD_HASH_SIZE],
			struct pw_response *resp)
{
	struct pw_error e = { 0 };
	hash_enter();
	pw_err rc = pw_password_hash(password, hash, &e);
	hash_leave();
	if (rc) {
		pw_http_error_from(resp, &e);
		return false;
	}
	return true;
}

static void users_create(struct pw_request *r, struct pw_response *resp)
{
	json_t *body = pw_http_body_json(r, resp);
	if (!body)
		return;
	static const char *const known[] = { "name", "role", "password", NULL };
	const char *name, *role, *password;
	char hash[PW_PASSWORD_HASH_SIZE];
	if (!only_known(body, known, resp) || !string_member(body, "name", true, &name, resp) ||
	    !role_member(body, true, &role, resp) ||
	    !string_member(body, "password", true, &password, resp))
		goto out;
	if (!pw_user_name_valid(name)) {
		pw_http_error(resp, 400, "invalid_request",
			      "user name '%.64s': use 1 to %d of letters, digits, '.', '_', '@' and "
			      "'-', not starting with '-'",
			      name, PW_USER_NAME_MAX);
		goto out;
	}
	struct pw_user u;
	bool found = false;
	struct pw_error e = { 0 };
	if (pw_user_find(r->store, name, &u, &found, &e)) {
		pw_http_error_from(resp, &e);
		goto out;
	}
	if (found) {
		if (strcmp(u.name, name) != 0)
			pw_http_error(resp, 409, "conflict",
				      "user '%s' already exists as '%s' (user names are not "
				      "case-sensitive)",
				      name, u.name);
		else
			pw_http_error(resp, 409, "conflict", "user '%s' already exists", name);
		goto out;
	}
	if (!hash_member(password, hash, resp))
		goto out;
	int64_t id = 0;
	if (pw_user_add(r->store, r->who.actor, name, role, hash, &id, &e) ||
	    pw_user_get(r->store, id, &u, &found, &e)) {
		pw_http_error_from(resp, &e);
		goto out;
	}
	pw_http_json(resp, 201, user_json(&u));
out:
	json_decref(body);
}

static void users_update(struct pw_request *r, struct pw_response *resp)
{
	struct pw_user u;
	if (!user_by_id(r, resp, &u))
		return;
	json_t *body = pw_http_body_json(r, resp);
	if (!body)
		return;
	static const char *const known[] = { "role", "disabled", "password", NULL };
	const char *role, *password;
	int disabled = -1;
	char hash[PW_PASSWORD_HASH_SIZE];
	if (!only_known(body, known, resp) || !role_member(body, false, &role, resp) ||
	    !string_member(body, "password", false, &password, resp))
		goto out;
	json_t *d = json_object_get(body, "disabled");
	if (d && !json_is_boolean(d)) {
		pw_http_error(resp, 400, "invalid_request", "'disabled' must be true or false");
		goto out;
	}
	if (d)
		disabled = json_is_true(d);
	if (password && !hash_member(password, hash, resp))
		goto out;
	struct pw_error e = { 0 };
	bool found = false;
	if (pw_user_update(r->store, r->who.actor, u.id, role, disabled, password ? hash : NULL,
			   NULL, &e) ||
	    pw_user_get(r->store, u.id, &u, &found, &e)) {
		pw_http_error_from(resp, &e);
		goto out;
	}
	pw_http_json(resp, 200, user_json(&u));
out:
	json_decref(body);
}

static void users_delete(struct pw_request *r, struct pw_response *resp)
{
	struct pw_user u;
	if (!user_by_id(r, resp, &u))
		return;
	struct pw_error e = { 0 };
	if (pw_user_remove(r->store, r->who.actor, u.id, &e)) {
		pw_http_error_from(resp, &e);
		return;
	}
	resp->status = 204;
}

/* ---- tokens ---- */

static pw_err token_item(void *ctx, const struct pw_token *t)
{
	struct list_page *p = ctx;
	p->last_id = t->id;
	return json_array_append_new(p->items, token_json(t)) ? PW_ERR_NOMEM : PW_OK;
}

/* Newest first; the cursor is the last id of the previous page. */
static void tokens_list(struct pw_request *r, struct pw_response *resp)
{
	struct pw_page pg;
	if (!pw_http_page_args(r, resp, &pg))
		return;
	int64_t before = 0;
	if (pg.cursor) {
		char *end;
		long long v = strtoll(pg.cursor, &end, 10);
		if (*end || end == pg.cursor || v <= 0) {
			pw_http_error(resp, 400, "invalid_request", "cursor: not one this API gave");
			return;
		}
		before = v;
	}
	struct list_page p = { json_array(), "", 0 };
	struct pw_error e = { 0 };
	if (pw_token_page(r->store, before, pg.limit, token_item, &p, &e)) {
		json_decref(p.items);
		pw_http_error_from(resp, &e);
		return;
	}
	char next[32];
	snprintf(next, sizeof(next), "%lld", (long long)p.last_id);
	pw_http_page(resp, p.items, (int64_t)json_array_size(p.items) == pg.limit ? next : NULL);
}

static bool token_by_id(struct pw_request *r, struct pw_response *resp, struct pw_token *t)
{
	int64_t id;
	if (!pw_http_param_id(r, 0, resp, &id))
		return false;
	bool found = false;
	struct pw_error e = { 0 };
	if (pw_token_get(r->store, id, t, &found, &e)) {
		pw_http_error_from(resp, &e);
		return false;
	}
	if (!found) {
		pw_http_error(resp, 404, "not_found", "no API token %lld", (long long)id);
		return false;
	}
	return true;
}

static void tokens_get(struct pw_request *r, struct pw_response *resp)
{
	struct pw_token t;
	if (token_by_id(r, resp, &t))
		pw_http_json(resp, 200, token_json(&t));
}

static void tokens_create(struct pw_request *r, struct pw_response *resp)
{
	json_t *body = pw_http_body_json(r, resp);
	if (!body)
		return;
	static const char *const known[] = { "name", "role", "expires", NULL };
	const char *name, *role, *expires;
	if (!only_known(body, known, resp) || !string_member(body, "name", true, &name, resp) ||
	    !role_member(body, true, &role, resp) ||
	    !string_member(body, "expires", false, &expires, resp))
		goto out;
	if (!pw_token_name_valid(name)) {
		pw_http_error(resp, 400, "invalid_request",
			      "token name '%.64s': use 1 to %d of letters, digits, '.', '_', '@' "
			      "and '-', not starting with '-'",
			      name, PW_USER_NAME_MAX);
		goto out;
	}
	struct pw_error e = { 0 };
	int64_t exp = 0;
	if (pw_expiry_parse(expires ? expires : "90d", pw_clock_now(), &exp, &e)) {
		pw_http_error_from(resp, &e);
		goto out;
	}
	char secret[PW_SECRET_SIZE];
	struct pw_token t;
	/* the token belongs to the user asking (a token's owner when a token
	 * asks): it can never do more than that user may do at the time */
	if (pw_token_create_owned(r->store, r->who.actor, r->who.owner_id, name, role, exp, &t,
				  secret, &e)) {
		pw_http_error_from(resp, &e);
		goto out;
	}
	json_t *doc = token_json(&t);
	json_object_set_new(doc, "token", json_string(secret));
	sodium_memzero(secret, sizeof(secret));
	pw_http_json(resp, 201, doc);
out:
	json_decref(body);
}

static void tokens_revoke(struct pw_request *r, struct pw_response *resp)
{
	struct pw_token t;
	if (!token_by_id(r, resp, &t))
		return;
	struct pw_error e = { 0 };
	bool found = false;
	if (pw_token_revoke(r->store, r->who.actor, t.id, NULL, &e) ||
	    pw_token_get(r->store, t.id, &t, &found, &e)) {
		pw_http_error_from(resp, &e);
		return;
	}
	pw_http_json(resp, 200, token_json(&t));
}

/* ---- audit ---- */

static json_t *embedded(const char *doc)
{
	if (!doc)
		return json_null();
	json_t *j = json_loads(doc, JSON_DECODE_ANY, NULL);
	return j ? j : json_string(doc);
}

struct audit_page {
	json_t *items;
	int64_t last;
};

static pw_err audit_item(void *ctx, const struct pw_audit_entry *a)
{
	struct audit_page *p = ctx;
	char at[32];
	json_t *o = json_object();
	json_object_set_new(o, "seq", json_integer(a->seq));
	json_object_set_new(o, "at", json_string(pw_clock_format(a->at, at, sizeof(at))));
	json_object_set_new(o, "actor", json_string(a->actor));
	json_object_set_new(o, "action", json_string(a->action));
	json_object_set_new(o, "object", a->object ? json_string(a->object) : json_null());
	json_object_set_new(o, "before", embedded(a->before_json));
	json_object_set_new(o, "after", embedded(a->after_json));
	json_object_set_new(o, "hash", json_string(a->hash));
	p->last = a->seq;
	return json_array_append_new(p->items, o) ? PW_ERR_NOMEM : PW_OK;
}

static void audit_list(struct pw_request *r, struct pw_response *resp)
{
	struct pw_page pg;
	if (!pw_http_page_args(r, resp, &pg))
		return;
	int64_t after = 0;
	if (pg.cursor) {
		char *end;
		long long v = strtoll(pg.cursor, &end, 10);
		if (*end || end == pg.cursor || v < 0) {
			pw_http_error(resp, 400, "invalid_request", "cursor: not one this API gave");
			return;
		}
		after = v;
	}
	int64_t range[2] = { 0, 0 };
	const char *names[2] = { "since", "until" };
	for (int i = 0; i < 2; i++) {
		const char *v = pw_http_query(r, names[i]);
		if (v && !pw_timearg_parse(v, pw_clock_now(), PW_TIMEARG_PAST, &range[i])) {
			pw_http_error(resp, 400, "invalid_request", "%s must be a duration (30d), a "
				      "date (2026-11-01) or an RFC 3339 time, not '%.40s'", names[i], v);
			return;
		}
	}
	struct audit_page p = { json_array(), 0 };
	struct pw_error e = { 0 };
	if (pw_audit_each_range(r->store, after, range[0], range[1], pg.limit, audit_item, &p,
				&e)) {
		json_decref(p.items);
		pw_http_error_from(resp, &e);
		return;
	}
	char next[32];
	snprintf(next, sizeof(next), "%lld", (long long)p.last);
	pw_http_page(resp, p.items, (int64_t)json_array_size(p.items) == pg.limit ? next : NULL);
}

static void audit_verify(struct pw_request *r, struct pw_response *resp)
{
	bool ok = false;
	int64_t bad = 0, checked = 0;
	struct pw_error e = { 0 };
	if (pw_audit_verify(r->store, &ok, &bad, &checked, &e)) {
		pw_http_error_from(resp, &e);
		return;
	}
	json_t *doc = json_object();
	json_object_set_new(doc, "ok", json_boolean(ok));
	json_object_set_new(doc, "checked", json_integer(checked));
	json_object_set_new(doc, "first_bad_seq", ok ? json_null() : json_integer(bad));
	json_object_set_new(doc, "message", ok ? json_null() : json_string(e.msg));
	pw_http_json(resp, 200, doc);
}

const struct pw_route pw_api_auth_routes[] = {
	{ "POST", "/api/v1/auth/login", login, PW_ALLOW_PUBLIC },
	{ "POST", "/api/v1/auth/logout", logout, PW_ALLOW_ANY_ROLE },
	{ "GET", "/api/v1/auth/me", me, PW_ALLOW_ANY_ROLE },
	{ "GET", "/api/v1/users", users_list, R_ADMIN_AUDITOR },
	{ "POST", "/api/v1/users", users_create, R_ADMIN },
	{ "GET", "/api/v1/users/{id}", users_get, R_ADMIN_AUDITOR },
	{ "PATCH", "/api/v1/users/{id}", users_update, R_ADMIN },
	{ "DELETE", "/api/v1/users/{id}", users_delete, R_ADMIN },
	{ "GET", "/api/v1/tokens", tokens_list, R_ADMIN_AUDITOR },
	{ "POST", "/api/v1/tokens", tokens_create, R_ADMIN },
	{ "GET", "/api/v1/tokens/{id}", tokens_get, R_ADMIN_AUDITOR },
	{ "DELETE", "/api/v1/tokens/{id}", tokens_revoke, R_ADMIN },
	{ "GET", "/api/v1/audit", audit_list, R_ADMIN_AUDITOR },
	{ "GET", "/api/v1/audit/verify", audit_verify, R_ADMIN_AUDITOR },
	{ NULL, NULL, NULL, 0 },
};
