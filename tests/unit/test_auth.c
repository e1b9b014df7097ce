/* test_auth.c - authenticating requests without a socket, on a real SQLite
 * store: a public route, no credentials, an API token of each kind of
 * outcome, a session with and without its CSRF token, an agent credential
 * on agent and other routes, a bearer token beside a cookie; the login
 * handler's cookie, its throttling (429 with Retry-After, reset by a
 * success) and failed logins that write nothing. Prints the cost of each
 * kind of check (no assertion on time). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "pw_agents.h"
#include "pw_audit.h"
#include "pw_auth.h"
#include "pw_clock.h"
#include "pw_http.h"
#include "pw_migrations.h"
#include "pw_sql.h"
#include "pw_store.h"
#include "pw_users.h"
#include "server_internal.h"

struct fixture {
	char path[64];
	struct pw_store *s;
	char token_admin[PW_SECRET_SIZE], token_auditor[PW_SECRET_SIZE];
	char session[PW_SECRET_SIZE], csrf[PW_SECRET_SIZE];
	char agent[128];
	int64_t agent_host;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	snprintf(f->path, sizeof(f->path), "/tmp/pw-test-auth-XXXXXX");
	int fd = mkstemp(f->path);
	assert_true(fd >= 0);
	close(fd);
	unlink(f->path);
	struct pw_error e = { 0 };
	assert_int_equal(pw_store_open(f->path, &f->s, &e), PW_OK);
	if (pw_migrations_run(f->s, &e))
		fail_msg("migrations: %s", e.msg);

	char hash[PW_PASSWORD_HASH_SIZE];
	int64_t id;
	assert_int_equal(pw_password_hash("operator password", hash, &e), PW_OK);
	assert_int_equal(pw_user_add(f->s, "local:root", "olga", "operator", hash, &id, &e), PW_OK);
	struct pw_user u;
	bool ok = false;
	assert_int_equal(pw_user_check_password(f->s, "olga", "operator password", &u, &ok, &e),
			 PW_OK);
	assert_true(ok);
	struct pw_session se;
	assert_int_equal(pw_session_create(f->s, &u, 3600, f->session, f->csrf, &se, &e), PW_OK);

	struct pw_token t;
	assert_int_equal(pw_token_create(f->s, "local:root", "adm", "admin", 0, &t, f->token_admin,
					 &e),
			 PW_OK);
	assert_int_equal(pw_token_create(f->s, "local:root", "aud", "auditor", 0, &t,
					 f->token_auditor, &e),
			 PW_OK);

	char enroll[PW_AGENT_SECRET_SIZE];
	int64_t eid;
	assert_int_equal(pw_enrollment_create(f->s, "local:root", NULL, pw_clock_now() + 3600, 1,
					      enroll, &eid, &e),
			 PW_OK);
	struct pw_enroll_request rq = { enroll, "0123456789abcdef0123456789abcdef", "h1", NULL };
	enum pw_enroll_status st;
	struct pw_enrollment en;
	if (pw_agents_enroll(f->s, &rq, pw_clock_now(), &st, &en, &e))
		fail_msg("enroll: %s", e.msg);
	assert_int_equal(st, PW_ENROLL_OK);
	snprintf(f->agent, sizeof(f->agent), "%s", en.credential);
	f->agent_host = en.host_id;
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
	return 0;
}

struct call {
	struct pw_request r;
	struct pw_http_source src;
	struct pw_http_kv headers[4];
	struct pw_http_kv cookies[2];
	char authz[160];
	struct pw_response resp;
};

/* A request: bearer (NULL: none), cookie (NULL: none), csrf (NULL: none). */
static void prepare(struct call *c, struct fixture *f, const char *method, const char *bearer,
		    const char *cookie, const char *csrf)
{
	memset(c, 0, sizeof(*c));
	size_t h = 0;
	if (bearer) {
		snprintf(c->authz, sizeof(c->authz), "Bearer %s", bearer);
		c->headers[h++] = (struct pw_http_kv){ "Authorization", c->authz };
	}
	if (csrf)
		c->headers[h++] = (struct pw_http_kv){ "X-CSRF-Token", csrf };
	c->headers[h++] = (struct pw_http_kv){ "Content-Type", "application/json" };
	if (cookie)
		c->cookies[0] = (struct pw_http_kv){ "pw_session", cookie };
	c->src.headers = c->headers;
	c->src.cookies = c->cookies;
	c->r.impl = &c->src;
	c->r.method = method;
	c->r.path = "/api/v1/x";
	c->r.remote = "192.0.2.1";
	c->r.store = f->s;
	pw_buf_init(&c->resp.body, 0);
	pw_buf_init(&c->resp.headers, 0);
}

static void done(struct call *c)
{
	pw_buf_free(&c->resp.body);
	pw_buf_free(&c->resp.headers);
}

static const char *code_of(const struct call *c)
{
	static char code[64];
	code[0] = '\0';
	json_t *doc = c->resp.body.data ? json_loads(c->resp.body.data, 0, NULL) : NULL;
	const char *s = json_string_value(json_object_get(json_object_get(doc, "error"), "code"));
	snprintf(code, sizeof(code), "%s", s ? s : "");
	json_decref(doc);
	return code;
}

/* Authenticate; true when let through, else the status and code expected. */
static void expect(struct fixture *f, const char *method, const char *bearer, const char *cookie,
		   const char *csrf, unsigned allow, int status, const char *code,
		   enum pw_principal_kind kind)
{
	struct call c;
	prepare(&c, f, method, bearer, cookie, csrf);
	bool ok = pw_auth_request(&c.r, &c.resp, allow);
	if (status == 0) {
		if (!ok)
			fail_msg("refused: %d %s", c.resp.status, c.resp.body.data);
		assert_int_equal(c.r.who.kind, kind);
	} else {
		if (ok)
			fail_msg("let through, expected %d %s", status, code);
		assert_int_equal(c.resp.status, status);
		assert_string_equal(code_of(&c), code);
	}
	done(&c);
}

#define ADMIN PW_ALLOW_ROLE(PW_ROLE_ADMIN)
#define OPERATOR PW_ALLOW_ROLE(PW_ROLE_OPERATOR)

static void test_credentials(void **state)
{
	struct fixture *f = *state;
	/* public: nobody is asked */
	expect(f, "POST", NULL, NULL, NULL, PW_ALLOW_PUBLIC, 0, NULL, PW_PRINCIPAL_NONE);
	/* none */
	expect(f, "GET", NULL, NULL, NULL, ADMIN, 401, "unauthenticated", 0);
	/* tokens: right role, wrong role, unknown, malformed */
	expect(f, "GET", f->token_admin, NULL, NULL, ADMIN, 0, NULL, PW_PRINCIPAL_TOKEN);
	expect(f, "DELETE", f->token_admin, NULL, NULL, ADMIN, 0, NULL, PW_PRINCIPAL_TOKEN);
	expect(f, "GET", f->token_auditor, NULL, NULL, ADMIN, 403, "forbidden", 0);
	expect(f, "GET", "pwt_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", NULL, NULL, ADMIN, 401,
	       "unauthenticated", 0);
	expect(f, "GET", "pwt_x", NULL, NULL, ADMIN, 401, "unauthenticated", 0);
	expect(f, "GET", "hello", NULL, NULL, ADMIN, 401, "unauthenticated", 0);
	/* sessions: GET without CSRF, POST without, with a wrong and the right one */
	expect(f, "GET", NULL, f->session, NULL, OPERATOR, 0, NULL, PW_PRINCIPAL_USER);
	expect(f, "HEAD", NULL, f->session, NULL, OPERATOR, 0, NULL, PW_PRINCIPAL_USER);
	expect(f, "POST", NULL, f->session, NULL, OPERATOR, 403, "csrf_required", 0);
	expect(f, "PATCH", NULL, f->session, f->token_admin, OPERATOR, 403, "csrf_required", 0);
	expect(f, "POST", NULL, f->session, f->csrf, OPERATOR, 0, NULL, PW_PRINCIPAL_USER);
	expect(f, "POST", NULL, f->session, f->csrf, ADMIN, 403, "forbidden", 0);
	expect(f, "GET", NULL, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", NULL, OPERATOR, 401,
	       "unauthenticated", 0);
	/* a bearer decides alone: an auditor token with an operator's cookie */
	expect(f, "POST", f->token_auditor, f->session, f->csrf, OPERATOR, 403, "forbidden", 0);
	/* and needs no CSRF token */
	expect(f, "POST", f->token_admin, NULL, NULL, ADMIN, 0, NULL, PW_PRINCIPAL_TOKEN);
	/* agents: only on agent routes */
	expect(f, "POST", f->agent, NULL, NULL, PW_ALLOW_AGENT, 0, NULL, PW_PRINCIPAL_AGENT);
	expect(f, "GET", f->agent, NULL, NULL, PW_ALLOW_ANY_ROLE, 403, "forbidden", 0);
	expect(f, "GET", "pwa_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", NULL, NULL,
	       PW_ALLOW_AGENT, 401, "unauthenticated", 0);
	/* users and tokens on agent routes */
	expect(f, "POST", f->token_admin, NULL, NULL, PW_ALLOW_AGENT, 403, "forbidden", 0);
	expect(f, "POST", NULL, f->session, f->csrf, PW_ALLOW_AGENT, 403, "forbidden", 0);
}

/* A token never exceeds its owner: allowed only where both its role and
 * its owner's current role are; 401 once the owner is disabled or
 * deleted. */
static void test_token_bounded_by_owner(void **state)
{
	struct fixture *f = *state;
	struct pw_error e = { 0 };
	char hash[PW_PASSWORD_HASH_SIZE], secret[PW_SECRET_SIZE];
	int64_t ada, keep;
	assert_int_equal(pw_password_hash("admin password", hash, &e), PW_OK);
	assert_int_equal(pw_user_add(f->s, "local:root", "ada", "admin", hash, &ada, &e), PW_OK);
	assert_int_equal(pw_user_add(f->s, "local:root", "keep", "admin", hash, &keep, &e), PW_OK);
	struct pw_token t;
	assert_int_equal(pw_token_create_owned(f->s, "user:ada", ada, "ada-ci", "admin", 0, &t,
					       secret, &e),
			 PW_OK);
	unsigned admin_auditor = ADMIN | PW_ALLOW_ROLE(PW_ROLE_AUDITOR);
	expect(f, "DELETE", secret, NULL, NULL, ADMIN, 0, NULL, PW_PRINCIPAL_TOKEN);
	expect(f, "GET", secret, NULL, NULL, OPERATOR | ADMIN, 0, NULL, PW_PRINCIPAL_TOKEN);
	/* ada demoted to auditor: the admin token reads what auditors read */
	assert_int_equal(pw_user_update(f->s, "local:root", ada, "auditor", -1, NULL, NULL, &e),
			 PW_OK);
	expect(f, "DELETE", secret, NULL, NULL, ADMIN, 403, "forbidden", 0);
	expect(f, "GET", secret, NULL, NULL, OPERATOR | ADMIN, 403, "forbidden", 0);
	expect(f, "GET", secret, NULL, NULL, admin_auditor, 0, NULL, PW_PRINCIPAL_TOKEN);
	/* disabled: nothing; enabled as an admin again: everything */
	assert_int_equal(pw_user_update(f->s, "local:root", ada, "admin", 1, NULL, NULL, &e), PW_OK);
	expect(f, "GET", secret, NULL, NULL, admin_auditor, 401, "unauthenticated", 0);
	assert_int_equal(pw_user_update(f->s, "local:root", ada, NULL, 0, NULL, NULL, &e), PW_OK);
	expect(f, "DELETE", secret, NULL, NULL, ADMIN, 0, NULL, PW_PRINCIPAL_TOKEN);
	/* deleted: nothing */
	assert_int_equal(pw_user_remove(f->s, "local:root", ada, &e), PW_OK);
	expect(f, "GET", secret, NULL, NULL, admin_auditor, 401, "unauthenticated", 0);
	/* the command line's tokens have no owner and keep their role */
	expect(f, "DELETE", f->token_admin, NULL, NULL, ADMIN, 0, NULL, PW_PRINCIPAL_TOKEN);
}

static void test_principals(void **state)
{
	struct fixture *f = *state;
	struct call c;
	prepare(&c, f, "GET", f->agent, NULL, NULL);
	assert_true(pw_auth_request(&c.r, &c.resp, PW_ALLOW_AGENT));
	assert_int_equal(c.r.who.host_id, f->agent_host);
	assert_memory_equal(c.r.who.actor, "agent:", 6);
	done(&c);
	prepare(&c, f, "GET", NULL, f->session, NULL);
	assert_true(pw_auth_request(&c.r, &c.resp, OPERATOR));
	assert_string_equal(c.r.who.actor, "user:olga");
	assert_string_equal(c.r.who.name, "olga");
	assert_int_equal(c.r.who.role, PW_ROLE_OPERATOR);
	done(&c);
	prepare(&c, f, "GET", f->token_auditor, NULL, NULL);
	assert_true(pw_auth_request(&c.r, &c.resp, PW_ALLOW_ANY_ROLE));
	assert_int_equal(c.r.who.role, PW_ROLE_AUDITOR);
	assert_non_null(strstr(c.r.who.actor, ":aud"));
	done(&c);
	/* a 401 tells how to authenticate */
	prepare(&c, f, "GET", NULL, NULL, NULL);
	assert_false(pw_auth_request(&c.r, &c.resp, ADMIN));
	assert_non_null(c.resp.headers.data);
	assert_non_null(strstr(c.resp.headers.data, "WWW-Authenticate: Bearer"));
	done(&c);
}

static double seconds(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* The cost of each kind of check, printed: agents go through here on every
 * check-in. */
static void test_cost(void **state)
{
	struct fixture *f = *state;
	const struct {
		const char *what, *bearer, *cookie;
		unsigned allow;
	} kinds[] = {
		{ "agent credential", f->agent, NULL, PW_ALLOW_AGENT },
		{ "API token", f->token_admin, NULL, ADMIN },
		{ "session", NULL, f->session, OPERATOR },
	};
	for (size_t k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
		enum { N = 20000 };
		struct call c;
		double t0 = seconds();
		for (int i = 0; i < N; i++) {
			prepare(&c, f, "GET", kinds[k].bearer, kinds[k].cookie, NULL);
			assert_true(pw_auth_request(&c.r, &c.resp, kinds[k].allow));
			done(&c);
		}
		printf("# pw_auth_request, %s: %.1f us\n", kinds[k].what,
		       (seconds() - t0) * 1e6 / N);
	}
}

/* ---- the login handler: cookie, throttling ---- */

static pw_http_handler route(const char *method, const char *pattern)
{
	for (const struct pw_route *rt = pw_api_auth_routes; rt->method; rt++)
		if (strcmp(rt->method, method) == 0 && strcmp(rt->pattern, pattern) == 0)
			return rt->handler;
	fail_msg("no route %s %s", method, pattern);
	return NULL;
}

static int login(struct fixture *f, const char *remote, const char *name, const char *password,
		 char *headers, size_t size)
{
	struct call c;
	char body[256];
	snprintf(body, sizeof(body), "{\"name\":\"%s\",\"password\":\"%s\"}", name, password);
	prepare(&c, f, "POST", NULL, NULL, NULL);
	c.r.remote = remote;
	c.r.body = body;
	c.r.body_len = strlen(body);
	c.resp.status = 200;
	route("POST", "/api/v1/auth/login")(&c.r, &c.resp);
	int status = c.resp.status;
	if (headers)
		snprintf(headers, size, "%s", c.resp.headers.data ? c.resp.headers.data : "");
	done(&c);
	return status;
}

static int64_t audit_count(struct pw_store *s)
{
	bool ok;
	int64_t bad, checked;
	struct pw_error e = { 0 };
	assert_int_equal(pw_audit_verify(s, &ok, &bad, &checked, &e), PW_OK);
	assert_true(ok);
	return checked;
}

static void test_login_and_throttling(void **state)
{
	struct fixture *f = *state;
	char headers[1024];
	/* one pinned second: Retry-After is exact */
	pw_clock_set(time(NULL));
	assert_int_equal(login(f, "192.0.2.10", "olga", "operator password", headers,
			       sizeof(headers)),
			 200);
	assert_non_null(strstr(headers, "Set-Cookie: pw_session="));
	assert_non_null(strstr(headers, "; HttpOnly; SameSite=Strict"));
	assert_null(strstr(headers, "Secure"));

	/* failed logins write nothing to the audit log */
	int64_t before = audit_count(f->s);
	for (int i = 0; i < 5; i++)
		assert_int_equal(login(f, "192.0.2.10", "olga", "wrong", NULL, 0), 401);
	assert_int_equal(audit_count(f->s), before);
	/* the name is refused, even with the right password, with Retry-After */
	assert_int_equal(login(f, "192.0.2.10", "olga", "operator password", headers,
			       sizeof(headers)),
			 429);
	assert_non_null(strstr(headers, "Retry-After: 30"));
	/* from another address too: the name is what is throttled */
	assert_int_equal(login(f, "192.0.2.11", "olga", "operator password", NULL, 0), 429);
	/* after the wait it works, and a success clears the count */
	pw_clock_set(pw_clock_now() + 31);
	assert_int_equal(login(f, "192.0.2.10", "olga", "operator password", NULL, 0), 200);
	for (int i = 0; i < 4; i++)
		assert_int_equal(login(f, "192.0.2.10", "olga", "wrong", NULL, 0), 401);
	assert_int_equal(login(f, "192.0.2.10", "olga", "operator password", NULL, 0), 200);
	/* refused attempts are not checked, and do not count; a failure once
	 * the wait is over doubles it */
	for (int i = 0; i < 5; i++)
		assert_int_equal(login(f, "192.0.2.12", "olga", "wrong", NULL, 0), 401);
	assert_int_equal(login(f, "192.0.2.12", "olga", "wrong", NULL, 0), 429);
	pw_clock_set(pw_clock_now() + 31);
	assert_int_equal(login(f, "192.0.2.12", "olga", "wrong", NULL, 0), 401);
	assert_int_equal(login(f, "192.0.2.12", "olga", "operator password", headers,
			       sizeof(headers)),
			 429);
	assert_non_null(strstr(headers, "Retry-After: 60"));
	pw_clock_set(pw_clock_now() + 61);
	assert_int_equal(login(f, "192.0.2.12", "olga", "operator password", NULL, 0), 200);

	/* an address: 20 failures over many names */
	for (int i = 0; i < 20; i++) {
		char name[32];
		snprintf(name, sizeof(name), "nobody%d", i);
		assert_int_equal(login(f, "198.51.100.7", name, "wrong", NULL, 0), 401);
	}
	assert_int_equal(login(f, "198.51.100.7", "olga", "operator password", NULL, 0), 429);
	assert_int_equal(login(f, "198.51.100.8", "olga", "operator password", NULL, 0), 200);
	pw_clock_set(-1);
}

/* Concurrent wrong passwords: the throttle counts each attempt before its
 * (slow) password check, so exactly login_max_failures (5) of 40 are
 * checked and the other 35 refused, however they interleave. Each thread
 * has its own connection, as the server's workers do. */
struct racer {
	struct fixture *f;
	pthread_barrier_t *start;
	int status;
};

static void *race_login(void *arg)
{
	struct racer *rc = arg;
	struct fixture f = *rc->f;
	struct pw_error e = { 0 };
	if (pw_store_open(rc->f->path, &f.s, &e)) {
		rc->status = -1;
		return NULL;
	}
	pthread_barrier_wait(rc->start);
	rc->status = login(&f, "192.0.2.40", "olga", "wrong password", NULL, 0);
	pw_store_close(f.s);
	return NULL;
}

static void test_concurrent_logins(void **state)
{
	struct fixture *f = *state;
	enum { N = 40 };
	pthread_t th[N];
	struct racer rc[N];
	pthread_barrier_t start;
	pthread_barrier_init(&start, NULL, N);
	for (int i = 0; i < N; i++) {
		rc[i] = (struct racer){ f, &start, 0 };
		assert_int_equal(pthread_create(&th[i], NULL, race_login, &rc[i]), 0);
	}
	int checked = 0, refused = 0;
	for (int i = 0; i < N; i++) {
		pthread_join(th[i], NULL);
		checked += rc[i].status == 401;
		refused += rc[i].status == 429;
	}
	pthread_barrier_destroy(&start);
	printf("# %d concurrent wrong passwords: %d checked, %d refused\n", N, checked, refused);
	assert_int_equal(checked, 5);
	assert_int_equal(refused, N - 5);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_credentials, setup, teardown),
		cmocka_unit_test_setup_teardown(test_token_bounded_by_owner, setup, teardown),
		cmocka_unit_test_setup_teardown(test_principals, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cost, setup, teardown),
		cmocka_unit_test_setup_teardown(test_login_and_throttling, setup, teardown),
		cmocka_unit_test_setup_teardown(test_concurrent_logins, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
