/* auth.c - who is calling: authenticating a request from its
 * credentials (see pw_auth.h).
 *
 * Three kinds of credential, told apart by their form:
 *   "Authorization: Bearer pwa_..."  an agent (pw_agents_verify: one indexed
 *                                    look-up, nothing written: thousands of
 *                                    check-ins a second come through here);
 *   "Authorization: Bearer pwt_..."  an API token (pw_token_verify): one
 *                                    with an owner is allowed only what both
 *                                    its role and its owner's current role
 *                                    allow, and nothing once the owner is
 *                                    disabled or deleted;
 *   cookie pw_session                a browser session; any method other
 *                                    than GET and HEAD also needs the
 *                                    X-CSRF-Token header, derived from the
 *                                    session (pw_session_csrf).
 * A request that sends a bearer token is judged by it alone, so a cookie
 * the browser adds cannot lend a token request its rights, nor the other
 * way round. Bearer requests need no CSRF token: a browser never adds an
 * Authorization header by itself.
 *
 * Last-use times of tokens and sessions are kept in memory and written by
 * pw_auth_housekeeping once a minute, so reads never write to the store.
 */
#include "pw_auth.h"

#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "pw_agents.h"
#include "pw_clock.h"
#include "pw_http.h"
#include "pw_server.h"
#include "pw_store.h"
#include "pw_users.h"

/* ---- last use, batched ---- */

/* Uses are recorded at most once per TOUCH_EVERY seconds per credential;
 * when the table is full until the next flush, further uses go unrecorded
 * (last_used is informative, not a security control). */
#define TOUCH_EVERY 60
#define PENDING_MAX 1024

struct pending {
	bool session; /* else a token */
	int64_t token_id;
	char session_id[PW_SECRET_HASH_SIZE];
	int64_t at;
};

static pthread_mutex_t pending_lock = PTHREAD_MUTEX_INITIALIZER;
static struct pending pending[PENDING_MAX];
static size_t npending;

static void note_use(bool session, int64_t token_id, const char *session_id, int64_t last_used,
		     int64_t now)
{
	if (last_used > now - TOUCH_EVERY)
		return;
	pthread_mutex_lock(&pending_lock);
	size_t i = 0;
	for (; i < npending; i++) {
		struct pending *p = &pending[i];
		if (p->session == session &&
		    (session ? strcmp(p->session_id, session_id) == 0 : p->token_id == token_id))
			break;
	}
	if (i < npending) {
		pending[i].at = now;
	} else if (npending < PENDING_MAX) {
		struct pending *p = &pending[npending++];
		p->session = session;
		p->token_id = token_id;
		snprintf(p->session_id, sizeof(p->session_id), "%s", session ? session_id : "");
		p->at = now;
	}
	pthread_mutex_unlock(&pending_lock);
}

void pw_auth_housekeeping(struct pw_server *srv, struct pw_store *s)
{
	(void)srv;
	static struct pending batch[PENDING_MAX]; /* the task thread only */
	pthread_mutex_lock(&pending_lock);
	size_t n = npending;
	memcpy(batch, pending, n * sizeof(batch[0]));
	npending = 0;
	pthread_mutex_unlock(&pending_lock);

	struct pw_error e = { 0 };
	pw_err rc = pw_store_begin(s, &e);
	for (size_t i = 0; rc == PW_OK && i < n; i++) {
		if (batch[i].session)
			rc = pw_session_touch(s, batch[i].session_id, batch[i].at, &e);
		else
			rc = pw_token_touch(s, batch[i].token_id, batch[i].at, &e);
	}
	if (rc == PW_OK)
		rc = pw_session_purge(s, &e);
	if (rc == PW_OK)
		rc = pw_store_commit(s, &e);
	if (rc) {
		pw_store_rollback(s);
		pw_server_log("warning", "auth housekeeping: %s", e.msg);
	}
}

/* ---- authenticating a request ---- */

static bool deny(struct pw_response *resp, int status, const char *code, const char *msg)
{
	if (status == 401)
		pw_http_add_header(resp, "WWW-Authenticate", "Bearer realm=\"patchwarden\"");
	pw_http_error(resp, status, code, "%s", msg);
	return false;
}

static bool allowed_role(struct pw_request *r, struct pw_response *resp, unsigned allow)
{
	bool owner_may = !r->who.owner_bound || (allow & PW_ALLOW_ROLE(r->who.owner_role));
	if ((allow & PW_ALLOW_ROLE(r->who.role)) && owner_may)
		return true;
	if (!owner_may)
		pw_http_error(resp, 403, "forbidden",
			      "the token's owner, now %s, may not %s %s: a token never does more "
			      "than its owner",
			      pw_role_name(r->who.owner_role), r->method, r->path);
	else
		pw_http_error(resp, 403, "forbidden", "the %s role may not %s %s",
			      pw_role_name(r->who.role), r->method, r->path);
	return false;
}

static bool internal(struct pw_response *resp, const struct pw_error *e)
{
	if (e->code == PW_ERR_FULL || e->code == PW_ERR_CORRUPT) {
		pw_http_error_from(resp, e); /* 507 store_full, 503 store_corrupt */
		return false;
	}
	pw_server_log("error", "authentication: %s", e->msg);
	pw_http_error(resp, 500, "internal", "authentication failed on the server's side");
	return false;
}

static bool auth_agent(struct pw_request *r, struct pw_response *resp, unsigned allow,
		       const char *cred)
{
	struct pw_agent_identity id = { 0 };
	bool found = false;
	struct pw_error e = { 0 };
	if (pw_agents_verify(r->store, cred, &id, &found, &e))
		return internal(resp, &e);
	if (!found && id.pending) {
		/* not an attacker's signal: the agent polls until an admin decides */
		pw_http_add_header(resp, "Retry-After", "60");
		pw_http_error(resp, 403, "enrollment_pending",
			      "enrollment %lld awaits an admin's approval (patchwarden enrollment "
			      "approve %lld); retry later",
			      (long long)id.agent_id, (long long)id.agent_id);
		return false;
	}
	if (!found)
		return deny(resp, 401, "unauthenticated", "the agent credential is not valid");
	r->who.kind = PW_PRINCIPAL_AGENT;
	r->who.id = id.agent_id;
	r->who.host_id = id.host_id;
	snprintf(r->who.name, sizeof(r->who.name), "agent:%lld", (long long)id.agent_id);
	snprintf(r->who.actor, sizeof(r->who.actor), "agent:%lld", (long long)id.agent_id);
	if (!(allow & PW_ALLOW_AGENT)) {
		pw_http_error(resp, 403, "forbidden", "agents may not %s %s", r->method, r->path);
		return false;
	}
	return true;
}

static bool auth_token(struct pw_request *r, struct pw_response *resp, unsigned allow,
		       const char *cred)
{
	struct pw_token t;
	bool found = false;
	struct pw_error e = { 0 };
	if (pw_token_verify(r->store, cred, &t, &found, &e))
		return internal(resp, &e);
	if (!found)
		return deny(resp, 401, "unauthenticated",
			    "the API token is not valid (unknown, expired, revoked, or its owner "
			    "disabled or deleted)");
	enum pw_role role, owner_role = PW_ROLE_ADMIN;
	if (!pw_role_parse(t.role, &role))
		return deny(resp, 401, "unauthenticated", "the API token's role is not known");
	if (t.has_owner && !pw_role_parse(t.owner_role, &owner_role))
		return deny(resp, 401, "unauthenticated", "the token owner's role is not known");
	note_use(false, t.id, NULL, t.last_used, pw_clock_now());
	r->who.kind = PW_PRINCIPAL_TOKEN;
	r->who.role = role;
	r->who.owner_bound = t.has_owner;
	r->who.owner_role = owner_role;
	r->who.owner_id = t.owner_id;
	r->who.id = t.id;
	snprintf(r->who.name, sizeof(r->who.name), "%s", t.name);
	snprintf(r->who.actor, sizeof(r->who.actor), "token:%lld:%s", (long long)t.id, t.name);
	return allowed_role(r, resp, allow);
}

static bool safe_method(const char *m)
{
	return strcmp(m, "GET") == 0 || strcmp(m, "HEAD") == 0;
}

static bool auth_session(struct pw_request *r, struct pw_response *resp, unsigned allow,
			 const char *secret)
{
	struct pw_session se;
	struct pw_user u;
	bool found = false;
	struct pw_error e = { 0 };
	if (pw_session_lookup(r->store, secret, &se, &u, &found, &e))
		return internal(resp, &e);
	if (!found)
		return deny(resp, 401, "unauthenticated",
			    "the session is not valid (expired or logged out): log in again");
	enum pw_role role;
	if (!pw_role_parse(u.role, &role))
		return deny(resp, 401, "unauthenticated", "the user's role is not known");
	if (!safe_method(r->method)) {
		char want[PW_SECRET_SIZE];
		pw_session_csrf(secret, want);
		const char *got = pw_http_header(r, "X-CSRF-Token");
		size_t n = strlen(want);
		bool ok = got && strlen(got) == n && sodium_memcmp(got, want, n) == 0;
		sodium_memzero(want, sizeof(want));
		if (!ok) {
			pw_http_error(resp, 403, "csrf_required",
				      "a %s with a session needs the X-CSRF-Token header the login "
				      "returned",
				      r->method);
			return false;
		}
	}
	note_use(true, 0, se.id, se.last_used, pw_clock_now());
	r->who.kind = PW_PRINCIPAL_USER;
	r->who.role = role;
	r->who.id = u.id;
	r->who.owner_id = u.id;
	snprintf(r->who.name, sizeof(r->who.name), "%s", u.name);
	snprintf(r->who.actor, sizeof(r->who.actor), "user:%s", u.name);
	return allowed_role(r, resp, allow);
}

bool pw_auth_request(struct pw_request *r, struct pw_response *resp, unsigned allow)
{
	memset(&r->who, 0, sizeof(r->who));
	if (allow & PW_ALLOW_PUBLIC)
		return true;
	const char *authz = pw_http_header(r, "Authorization");
	if (authz) {
		if (strncasecmp(authz, "Bearer ", 7) != 0)
			return deny(resp, 401, "unauthenticated",
				    "the Authorization header must be 'Bearer <token>'");
		const char *cred = authz + 7;
		while (*cred == ' ')
			cred++;
		if (strncmp(cred, "pwa_", 4) == 0)
			return auth_agent(r, resp, allow, cred);
		if (strncmp(cred, "pwt_", 4) == 0)
			return auth_token(r, resp, allow, cred);
		return deny(resp, 401, "unauthenticated", "the bearer token is not a patchwarden token");
	}
	const char *cookie = pw_http_cookie(r, "pw_session");
	if (cookie)
		return auth_session(r, resp, allow, cookie);
	return deny(resp, 401, "unauthenticated",
		    "authentication required: a session (POST /api/v1/auth/login) or "
		    "'Authorization: Bearer <token>'");
}
