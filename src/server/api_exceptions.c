/* api_exceptions.c - exceptions (risk acceptance): request, list, show,
 * approve, reject, revoke. The rules (scope, bounded expiry, the
 * requester never deciding their own request, audit) are the store's
 * (pw_exceptions.h); this file parses requests and renders answers. The
 * documents are described in docs/openapi/exceptions.json. */
#include "pw_http.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pw_buf.h"
#include "pw_clock.h"
#include "pw_exceptions.h"
#include "pw_jsonw.h"
#include "pw_registry.h"
#include "pw_timearg.h"

#define READERS PW_ALLOW_ANY_ROLE
/* anyone who runs systems may ask; auditors only read */
#define REQUESTERS (PW_ALLOW_ANY_ROLE & ~PW_ALLOW_ROLE(PW_ROLE_AUDITOR))
#define DECIDERS (PW_ALLOW_ROLE(PW_ROLE_ADMIN) | PW_ALLOW_ROLE(PW_ROLE_SECURITY))

static json_t *exception_json(const struct pw_exception *x)
{
	struct pw_buf b = PW_BUF_INIT;
	struct pw_jsonw w;
	pw_jsonw_init(&w, &b, false);
	pw_exceptions_write(&w, x);
	json_t *o = pw_jsonw_finish(&w) ? NULL : json_loadb(b.data, b.len, 0, NULL);
	pw_buf_free(&b);
	return o;
}

static void reply(struct pw_request *r, struct pw_response *resp, int64_t id, int status)
{
	struct pw_arena a;
	struct pw_exception x;
	struct pw_error e = { 0 };
	pw_arena_init(&a);
	if (pw_exceptions_get(r->store, id, pw_clock_now(), &a, &x, &e)) {
		pw_http_error_from(resp, &e);
	} else {
		json_t *o = exception_json(&x);
		if (o)
			pw_http_json(resp, status, o);
		else
			pw_http_error(resp, 500, "internal", "out of memory");
	}
	pw_arena_free(&a);
}

/* ---- list ---- */

static bool time_arg(struct pw_request *r, struct pw_response *resp, const char *name,
		     int64_t *out)
{
	const char *v = pw_http_query(r, name);
	*out = 0;
	if (v && !pw_timearg_parse(v, pw_clock_now(), PW_TIMEARG_PAST, out)) {
		pw_http_error(resp, 400, "invalid_request",
			      "%s must be a duration (30d), a date (2026-11-01) or an RFC 3339 "
			      "time, not '%.40s'", name, v);
		return false;
	}
	return true;
}

struct page {
	json_t *items;
	int64_t last;
	bool nomem;
};

static pw_err item(void *ctx, const struct pw_exception *x)
{
	struct page *p = ctx;
	json_t *o = exception_json(x);
	if (!o || json_array_append_new(p->items, o))
		return PW_ERR_NOMEM;
	p->last = x->id;
	return PW_OK;
}

static bool cursor_id(const char *v, int64_t *out)
{
	int64_t x = 0;
	if (!v || !*v || strlen(v) > 18)
		return false;
	for (const char *p = v; *p; p++) {
		if (*p < '0' || *p > '9')
			return false;
		x = x * 10 + (*p - '0');
	}
	*out = x;
	return true;
}

static void exceptions_list(struct pw_request *r, struct pw_response *resp)
{
	struct pw_page pg;
	struct pw_exception_query q = { .any_state = true, .now = pw_clock_now() };
	if (!pw_http_page_args(r, resp, &pg) || !time_arg(r, resp, "since", &q.since) ||
	    !time_arg(r, resp, "until", &q.until))
		return;
	const char *v = pw_http_query(r, "state");
	if (v) {
		if (!pw_exception_state_parse(v, &q.state)) {
			pw_http_error(resp, 400, "invalid_request", "state must be requested, "
				      "approved, rejected, expired or revoked, not '%.40s'", v);
			return;
		}
		q.any_state = false;
	}
	if (pg.cursor && !cursor_id(pg.cursor, &q.after_id)) {
		pw_http_error(resp, 400, "invalid_request", "cursor '%.40s' is not one this "
			      "server gave", pg.cursor);
		return;
	}
	q.limit = pg.limit;
	struct page p = { json_array(), 0, false };
	struct pw_error e = { 0 };
	pw_err rc = pw_exceptions_each(r->store, &q, item, &p, &e);
	if (rc) {
		json_decref(p.items);
		if (rc == PW_ERR_NOMEM)
			pw_error_set(&e, rc, "out of memory");
		pw_http_error_from(resp, &e);
		return;
	}
	char next[24];
	snprintf(next, sizeof(next), "%lld", (long long)p.last);
	pw_http_page(resp, p.items,
		     pg.limit > 0 && (int64_t)json_array_size(p.items) == pg.limit ? next : NULL);
}

static void exceptions_get(struct pw_request *r, struct pw_response *resp)
{
	int64_t id;
	if (pw_http_param_id(r, 0, resp, &id))
		reply(r, resp, id, 200);
}

/* ---- request ---- */

static bool only_keys(json_t *body, const char *const *keys, struct pw_response *resp)
{
	const char *key;
	json_t *v;
	json_object_foreach(body, key, v) {
		bool known = false;
		for (size_t i = 0; keys[i]; i++)
			known |= strcmp(key, keys[i]) == 0;
		if (!known) {
			pw_http_error(resp, 400, "invalid_request", "unknown field '%.64s'", key);
			return false;
		}
	}
	return true;
}

static bool opt_string(json_t *body, const char *key, struct pw_response *resp,
		       const char **out)
{
	json_t *v = json_object_get(body, key);
	*out = NULL;
	if (!v || json_is_null(v))
		return true;
	if (!json_is_string(v)) {
		pw_http_error(resp, 400, "invalid_request", "%s must be a string", key);
		return false;
	}
	*out = json_string_value(v);
	return true;
}

/* the person behind the principal: a user, or the user owning a token */
static int64_t person(const struct pw_request *r)
{
	return r->who.owner_id;
}

static void exceptions_create(struct pw_request *r, struct pw_response *resp)
{
	json_t *body = pw_http_body_json(r, resp);
	if (!body)
		return;
	static const char *const keys[] = {
		"vulnerability", "host_id", "group", "package", "reason", "compensating_control",
		"expires", NULL
	};
	struct pw_exception_request req = { 0 };
	const char *group, *expires;
	int64_t now = pw_clock_now();
	if (!only_keys(body, keys, resp) ||
	    !opt_string(body, "vulnerability", resp, &req.vuln_id) ||
	    !opt_string(body, "package", resp, &req.package) ||
	    !opt_string(body, "reason", resp, &req.reason) ||
	    !opt_string(body, "compensating_control", resp, &req.control) ||
	    !opt_string(body, "expires", resp, &expires))
		goto out;
	json_t *h = json_object_get(body, "host_id"), *g = json_object_get(body, "group");
	if (h && (!json_is_integer(h) || json_integer_value(h) <= 0)) {
		pw_http_error(resp, 400, "invalid_request", "host_id must be a host id");
		goto out;
	}
	req.host_id = h ? json_integer_value(h) : 0;
	struct pw_error e = { 0 };
	if (g && json_is_integer(g) && json_integer_value(g) > 0) {
		req.group_id = json_integer_value(g);
	} else if (g && !opt_string(body, "group", resp, &group)) {
		goto out;
	} else if (g && group) {
		if (pw_registry_group_find(r->store, group, &req.group_id, &e)) {
			if (e.code == PW_ERR_NOTFOUND) /* a bad request, not a missing resource */
				e.code = PW_ERR_INVALID;
			pw_http_error_from(resp, &e);
			goto out;
		}
	}
	if (!expires) {
		pw_http_error(resp, 400, "invalid_request", "expires is required (a duration "
			      "such as 30d, a date or an RFC 3339 time; at most %d days ahead)",
			      PW_EXCEPTION_MAX_DAYS);
		goto out;
	}
	if (!pw_timearg_parse(expires, now, PW_TIMEARG_FUTURE, &req.expires_at)) {
		pw_http_error(resp, 400, "invalid_request", "expires must be a duration (30d), a "
			      "date (2026-11-01) or an RFC 3339 time, not '%.40s'", expires);
		goto out;
	}
	int64_t id = 0;
	pw_err rc = pw_exceptions_request(r->store, &req, r->who.actor, person(r), now, &id, &e);
	if (rc) {
		/* an unknown host or group is a bad request, not a missing resource */
		if (rc == PW_ERR_NOTFOUND)
			e.code = PW_ERR_INVALID;
		pw_http_error_from(resp, &e);
		goto out;
	}
	reply(r, resp, id, 201);
out:
	json_decref(body);
}

/* ---- decisions ---- */

static void decide(struct pw_request *r, struct pw_response *resp, enum pw_exception_action act)
{
	int64_t id;
	if (!pw_http_param_id(r, 0, resp, &id))
		return;
	const char *note = NULL;
	json_t *body = NULL;
	if (r->body && r->body_len) {
		static const char *const keys[] = { "note", NULL };
		if (!(body = pw_http_body_json(r, resp)))
			return;
		if (!only_keys(body, keys, resp) || !opt_string(body, "note", resp, &note))
			goto out;
	}
	struct pw_error e = { 0 };
	enum pw_exception_refusal why = PW_EXC_OK;
	pw_err rc = pw_exceptions_decide(r->store, id, act, r->who.actor, person(r), note,
					 pw_clock_now(), &why, &e);
	if (rc) {
		if (why == PW_EXC_SELF)
			pw_http_error(resp, 403, "forbidden", "%s", e.msg);
		else if (why == PW_EXC_WRONG_STATE)
			pw_http_error(resp, 409, "conflict", "%s", e.msg);
		else
			pw_http_error_from(resp, &e);
		goto out;
	}
	reply(r, resp, id, 200);
out:
	json_decref(body);
}

static void exceptions_approve(struct pw_request *r, struct pw_response *resp)
{
	decide(r, resp, PW_EXC_APPROVE);
}

static void exceptions_reject(struct pw_request *r, struct pw_response *resp)
{
	decide(r, resp, PW_EXC_REJECT);
}

static void exceptions_revoke(struct pw_request *r, struct pw_response *resp)
{
	decide(r, resp, PW_EXC_REVOKE);
}

const struct pw_route pw_api_exceptions_routes[] = {
	{ "GET", "/api/v1/exceptions", exceptions_list, READERS },
	{ "POST", "/api/v1/exceptions", exceptions_create, REQUESTERS },
	{ "GET", "/api/v1/exceptions/{id}", exceptions_get, READERS },
	{ "POST", "/api/v1/exceptions/{id}/approve", exceptions_approve, DECIDERS },
	{ "POST", "/api/v1/exceptions/{id}/reject", exceptions_reject, DECIDERS },
	{ "POST", "/api/v1/exceptions/{id}/revoke", exceptions_revoke, DECIDERS },
	{ NULL, NULL, NULL, 0 },
};
