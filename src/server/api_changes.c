/* api_changes.c - changes, their approvals and rollout (src/deploy does
 * the work: pw_change.h), and the agents' job reports (pw_dispatch.h).
 * The handlers only read the request and render the answer; the documents
 * are in docs/openapi/changes.json. */
#include "pw_http.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pw_change.h"
#include "pw_clock.h"
#include "pw_deploy_config.h"
#include "pw_dispatch.h"
#include "pw_quarantine.h"
#include "pw_registry.h"
#include "pw_server.h"

#define READERS PW_ALLOW_ANY_ROLE
#define REQUESTERS                                                                             \
	(PW_ALLOW_ROLE(PW_ROLE_ADMIN) | PW_ALLOW_ROLE(PW_ROLE_CHANGE) |                        \
	 PW_ALLOW_ROLE(PW_ROLE_OPERATOR) | PW_ALLOW_ROLE(PW_ROLE_SECURITY))
#define MANAGERS (PW_ALLOW_ROLE(PW_ROLE_ADMIN) | PW_ALLOW_ROLE(PW_ROLE_CHANGE))
/* stopping is always safe: operators may too */
#define STOPPERS (MANAGERS | PW_ALLOW_ROLE(PW_ROLE_OPERATOR))
#define MAX_LIST 10000

void pw_api_changes_task(struct pw_server *srv, struct pw_store *store);

/* The person behind the request: a token acts for its owner, so a
 * requester's token cannot approve the requester's change. */
static void who_of(const struct pw_request *r, char *key, size_t size, struct pw_change_who *w)
{
	if (r->who.kind == PW_PRINCIPAL_USER ||
	    (r->who.kind == PW_PRINCIPAL_TOKEN && r->who.owner_id > 0))
		snprintf(key, size, "user:%lld", (long long)r->who.owner_id);
	else if (r->who.kind == PW_PRINCIPAL_TOKEN)
		snprintf(key, size, "token:%lld", (long long)r->who.id);
	else
		snprintf(key, size, "%s", r->who.actor);
	w->actor = r->who.actor;
	w->key = key;
}

/* What hears of a change's steps: the log, and for a halt (a gate failed)
 * the webhook outbox when [webhook] url is set, in the transaction that
 * halted it, so the event is sent exactly once (pw_quarantine.h). */
struct notify_ctx {
	struct pw_server *srv;
	struct pw_store *store;
	int64_t now;
};

static void notify(void *ctx, int64_t change, enum pw_change_event ev, int ring,
		   const char *detail)
{
	const struct notify_ctx *n = ctx;
	char where[32] = "";
	if (ring >= 0)
		snprintf(where, sizeof(where), " (ring %d)", ring);
	pw_server_log(ev == PW_CHANGE_EVENT_HALTED ? "warning" : "info", "change c-%lld: %s%s%s%s",
		      (long long)change, pw_change_event_name(ev), where, detail ? ": " : "",
		      detail ? detail : "");
	if (ev != PW_CHANGE_EVENT_HALTED || !n || !pw_server_setting(n->srv, "webhook", "url"))
		return;
	char id[32], key[96];
	snprintf(id, sizeof(id), "c-%lld", (long long)change);
	snprintf(key, sizeof(key), "change.halted:%s:%d:%lld", id, ring, (long long)n->now);
	json_t *doc = json_pack("{s:s,s:s,s:i,s:s,s:I}", "event", "change.halted", "change", id,
				"ring", ring, "reason", detail ? detail : "", "at", (json_int_t)n->now);
	char *body = doc ? json_dumps(doc, JSON_COMPACT) : NULL;
	struct pw_error e = { 0 };
	if (!body || pw_quarantine_outbox_add(n->store, key, body, n->now, &e))
		pw_server_log("warning", "change %s: the halt's webhook not queued: %s", id,
			      body ? e.msg : "out of memory");
	free(body);
	json_decref(doc);
}

static void refused(struct pw_response *resp, enum pw_change_refusal why,
		    const struct pw_error *e)
{
	switch (why) {
	case PW_CHANGE_REFUSED_SELF:
		pw_http_error(resp, 403, "self_approval", "%s", e->msg);
		return;
	case PW_CHANGE_REFUSED_TWICE:
		pw_http_error(resp, 409, "already_approved", "%s", e->msg);
		return;
	case PW_CHANGE_REFUSED_STATE:
		pw_http_error(resp, 409, "invalid_state", "%s", e->msg);
		return;
	case PW_CHANGE_REFUSED_NOT:
		break;
	}
	pw_http_error_from(resp, e);
}

static bool change_id(const struct pw_request *r, struct pw_response *resp, int64_t *id)
{
	if (!pw_change_parse_id(r->params[0], id)) {
		pw_http_error(resp, 404, "not_found", "no change '%.40s'", r->params[0]);
		return false;
	}
	return true;
}

static void reply_change(struct pw_request *r, struct pw_response *resp, int64_t id, int status)
{
	json_t *doc;
	struct pw_error e = { 0 };
	if (pw_change_json(r->store, id, false, &doc, &e)) {
		pw_http_error_from(resp, &e);
		return;
	}
	pw_http_json(resp, status, doc);
}

/* ---- reading ---- */

static void changes_list(struct pw_request *r, struct pw_response *resp)
{
	struct pw_page p;
	if (!pw_http_page_args(r, resp, &p))
		return;
	const char *state = pw_http_query(r, "state");
	if (state && !pw_change_state_valid(state)) {
		pw_http_error(resp, 400, "invalid_request", "state: '%.40s' is not a change state",
			      state);
		return;
	}
	int64_t after = 0;
	if (p.cursor && !pw_change_parse_id(p.cursor, &after)) {
		pw_http_error(resp, 400, "invalid_request", "cursor: not a cursor this list gave");
		return;
	}
	json_t *items;
	struct pw_error e = { 0 };
	if (pw_change_list_json(r->store, state, after, p.limit, &items, &e)) {
		pw_http_error_from(resp, &e);
		return;
	}
	const char *last = json_array_size(items) == (size_t)p.limit
		? json_string_value(json_object_get(json_array_get(items, json_array_size(items) - 1), "id"))
		: NULL;
	char cur[32] = "";
	if (last)
		snprintf(cur, sizeof(cur), "%s", last);
	pw_http_page(resp, items, last ? cur : NULL);
}

static void changes_get(struct pw_request *r, struct pw_response *resp)
{
	int64_t id;
	if (!change_id(r, resp, &id))
		return;
	const char *h = pw_http_query(r, "hosts");
	bool with_hosts = h && (strcmp(h, "true") == 0 || strcmp(h, "1") == 0);
	if (h && !with_hosts && strcmp(h, "false") != 0 && strcmp(h, "0") != 0) {
		pw_http_error(resp, 400, "invalid_request", "hosts must be true or false");
		return;
	}
	json_t *doc;
	struct pw_error e = { 0 };
	if (pw_change_json(r->store, id, with_hosts, &doc, &e)) {
		pw_http_error_from(resp, &e);
		return;
	}
	pw_http_json(resp, 200, doc);
}

/* ---- creating ---- */

static bool bad(struct pw_response *resp, const char *msg)
{
	pw_http_error(resp, 400, "invalid_request", "%s", msg);
	return false;
}

static const char *opt_str(const json_t *body, const char *key, bool *ok)
{
	const json_t *v = json_object_get(body, key);
	if (!v || json_is_null(v))
		return NULL;
	if (!json_is_string(v) || json_string_length(v) > 512 ||
	    strlen(json_string_value(v)) != json_string_length(v)) {
		*ok = false;
		return NULL;
	}
	return json_string_value(v);
}

static bool opt_int(const json_t *body, const char *key, int64_t lo, int64_t hi, int64_t *out)
{
	const json_t *v = json_object_get(body, key);
	if (!v || json_is_null(v))
		return true;
	if (!json_is_integer(v) || json_integer_value(v) < lo || json_integer_value(v) > hi)
		return false;
	*out = json_integer_value(v);
	return true;
}

struct create_args {
	struct pw_change_spec sp;
	const char **packages;
	char **owned;     /* "name=version" built from objects */
	int64_t *hosts;
	size_t nowned;
	char rings[64];
};

static void create_args_free(struct create_args *a)
{
	for (size_t i = 0; i < a->nowned; i++)
		free(a->owned[i]);
	free(a->owned);
	free(a->packages);
	free(a->hosts);
}

static bool parse_create(struct pw_request *r, const json_t *b, struct create_args *a,
			 struct pw_response *resp)
{
	struct pw_change_spec *sp = &a->sp;
	bool ok = true;
	sp->title = opt_str(b, "title", &ok);
	sp->ticket = opt_str(b, "ticket", &ok);
	const char *kind = opt_str(b, "kind", &ok);
	const char *source = opt_str(b, "source", &ok);
	sp->group = opt_str(b, "group", &ok);
	sp->pilot_group = opt_str(b, "pilot_group", &ok);
	sp->reboot = opt_str(b, "reboot", &ok);
	if (!ok)
		return bad(resp, "title, ticket, kind, source, group, pilot_group and reboot are"
				 " strings");
	if (kind && strcmp(kind, "normal") && strcmp(kind, "emergency"))
		return bad(resp, "kind: normal or emergency");
	sp->emergency = kind && strcmp(kind, "emergency") == 0;
	const json_t *pk = json_object_get(b, "packages");
	if (!source)
		source = pk ? "packages" : "findings";
	if (strcmp(source, "findings") == 0)
		sp->source = PW_CHANGE_FROM_FINDINGS;
	else if (strcmp(source, "updates") == 0)
		sp->source = PW_CHANGE_FROM_UPDATES;
	else if (strcmp(source, "packages") == 0)
		sp->source = PW_CHANGE_FROM_PACKAGES;
	else
		return bad(resp, "source: findings, updates or packages");
	/* findings filter, as GET /api/v1/findings takes it */
	const json_t *f = json_object_get(b, "filter");
	if (f && !json_is_null(f)) {
		if (!json_is_object(f))
			return bad(resp, "filter: an object");
		const json_t *pr = json_object_get(f, "priority");
		if (json_is_string(pr)) {
			const char *v = json_string_value(pr);
			if ((v[0] != 'P' && v[0] != 'p') || v[1] < '1' || v[1] > '4' || v[2])
				return bad(resp, "filter.priority: P1, P2, P3 or P4");
			sp->priority = v[1] - '0';
		} else if (pr && !json_is_null(pr)) {
			return bad(resp, "filter.priority: P1, P2, P3 or P4");
		}
		sp->kev = json_is_true(json_object_get(f, "kev"));
		sp->cve = opt_str(f, "cve", &ok);
		sp->package = opt_str(f, "package", &ok);
		sp->finding_kind = opt_str(f, "kind", &ok);
		if (!ok || (sp->finding_kind && strcmp(sp->finding_kind, "vulnerability") &&
			    strcmp(sp->finding_kind, "update")))
			return bad(resp, "filter: cve and package are strings, kind vulnerability or"
					 " update");
	}
	sp->security_only = json_is_true(json_object_get(b, "security_only"));
	if (pk && !json_is_null(pk)) {
		if (!json_is_array(pk) || json_array_size(pk) > 1000)
			return bad(resp, "packages: at most 1000 \"name=version\" strings or"
					 " {\"name\",\"version\"} objects");
		size_t n = json_array_size(pk);
		a->packages = calloc(n ? n : 1, sizeof(*a->packages));
		a->owned = calloc(n ? n : 1, sizeof(*a->owned));
		if (!a->packages || !a->owned)
			return bad(resp, "out of memory");
		size_t i;
		const json_t *p;
		json_array_foreach(pk, i, p) {
			if (json_is_string(p)) {
				a->packages[i] = json_string_value(p);
				continue;
			}
			const char *name = json_string_value(json_object_get(p, "name"));
			const char *v = json_string_value(json_object_get(p, "version"));
			if (!name || !v || strlen(name) + strlen(v) > 510)
				return bad(resp, "packages: each \"name=version\" or {\"name\","
						 " \"version\"}");
			size_t ln = strlen(name), lv = strlen(v);
			char *s = malloc(ln + lv + 2);
			if (!s)
				return bad(resp, "out of memory");
			memcpy(s, name, ln);
			s[ln] = '=';
			memcpy(s + ln + 1, v, lv + 1);
			a->owned[a->nowned++] = s;
			a->packages[i] = s;
		}
		sp->packages = a->packages;
		sp->npackages = n;
	}
	const json_t *hs = json_object_get(b, "hosts");
	if (hs && !json_is_null(hs)) {
		if (!json_is_array(hs) || json_array_size(hs) > 100000)
			return bad(resp, "hosts: an array of host ids");
		a->hosts = calloc(json_array_size(hs) + 1, sizeof(*a->hosts));
		if (!a->hosts)
			return bad(resp, "out of memory");
		size_t i;
		const json_t *h;
		json_array_foreach(hs, i, h) {
			if (!json_is_integer(h) || json_integer_value(h) <= 0)
				return bad(resp, "hosts: an array of host ids");
			a->hosts[i] = json_integer_value(h);
		}
		sp->hosts = a->hosts;
		sp->nhosts = json_array_size(hs);
	}
	const json_t *rings = json_object_get(b, "rings");
	if (json_is_string(rings)) {
		snprintf(a->rings, sizeof(a->rings), "%s", json_string_value(rings));
		sp->rings = a->rings;
	} else if (json_is_array(rings)) {
		size_t i, at = 0;
		const json_t *v;
		json_array_foreach(rings, i, v) {
			if (!json_is_integer(v) || at > sizeof(a->rings) - 8)
				return bad(resp, "rings: percentages such as [5, 25, 100]");
			at += (size_t)snprintf(a->rings + at, sizeof(a->rings) - at, "%s%lld",
					       i ? "," : "", (long long)json_integer_value(v));
		}
		sp->rings = a->rings;
	} else if (rings && !json_is_null(rings)) {
		return bad(resp, "rings: percentages such as [5, 25, 100]");
	}
	int64_t pct = -1, soak = -1, conc = 0, ttl = 0;
	const json_t *js = json_object_get(b, "soak");
	if (json_is_string(js)) {
		if (!pw_registry_parse_duration(json_string_value(js), &soak))
			return bad(resp, "soak: seconds or a duration such as \"30m\"");
	} else if (!opt_int(b, "soak", 0, 30 * 86400, &soak)) {
		return bad(resp, "soak: seconds or a duration such as \"30m\"");
	}
	if (!opt_int(b, "success_pct", 0, 100, &pct))
		return bad(resp, "success_pct: 0 to 100");
	if (!opt_int(b, "concurrency", 1, 100000, &conc))
		return bad(resp, "concurrency: 1 to 100000");
	if (!opt_int(b, "job_ttl", 60, 30 * 86400, &ttl))
		return bad(resp, "job_ttl: 60 seconds to 30 days");
	const json_t *hc = json_object_get(b, "health_check");
	if (hc && !json_is_boolean(hc))
		return bad(resp, "health_check: true or false");
	sp->health_check = !hc || json_is_true(hc);
	sp->success_pct = (int)pct;
	sp->soak_s = soak;
	sp->concurrency = (int)conc;
	sp->job_ttl = ttl;
	sp->approvals = (int)pw_server_setting_int(r->server, "changes", "approvals", 1);
	if (!pw_server_deploy_policy(r->server, &sp->policy)) {
		pw_http_error(resp, 503, "policy_unavailable",
			      "the deploy policy does not load (see the server's log)");
		return false;
	}
	return true;
}

static void changes_create(struct pw_request *r, struct pw_response *resp)
{
	json_t *body = pw_http_body_json(r, resp);
	if (!body)
		return;
	struct create_args a = { 0 };
	json_t *plan = NULL;
	struct pw_error e = { 0 };
	if (!parse_create(r, body, &a, resp))
		goto out;
	const json_t *dry = json_object_get(body, "dry_run");
	if (dry && !json_is_boolean(dry)) {
		bad(resp, "dry_run: true or false");
		goto out;
	}
	if (pw_change_plan(r->store, &a.sp, &plan, &e)) {
		pw_http_error_from(resp, &e);
		goto out;
	}
	if (json_is_true(dry)) {
		pw_http_json(resp, 200, plan);
		plan = NULL;
		goto out;
	}
	char key[160];
	struct pw_change_who w;
	int64_t id;
	who_of(r, key, sizeof(key), &w);
	if (pw_change_create(r->store, &a.sp, plan, &w, pw_clock_now(), &id, &e)) {
		pw_http_error_from(resp, &e);
		goto out;
	}
	char loc[64];
	snprintf(loc, sizeof(loc), "/api/v1/changes/c-%lld", (long long)id);
	pw_http_add_header(resp, "Location", loc);
	reply_change(r, resp, id, 201);
out:
	json_decref(plan);
	create_args_free(&a);
	json_decref(body);
}

/* ---- transitions ---- */

typedef pw_err (*transition_fn)(struct pw_store *s, int64_t id, const struct pw_change_who *who,
				int64_t now, enum pw_change_refusal *why, struct pw_error *e);

static void transition(struct pw_request *r, struct pw_response *resp, transition_fn fn)
{
	int64_t id;
	if (!change_id(r, resp, &id))
		return;
	/* a body is optional; when one is sent it must be JSON */
	if (r->body && r->body_len) {
		json_t *body = pw_http_body_json(r, resp);
		if (!body)
			return;
		json_decref(body);
	}
	char key[160];
	struct pw_change_who w;
	enum pw_change_refusal why = PW_CHANGE_REFUSED_NOT;
	struct pw_error e = { 0 };
	who_of(r, key, sizeof(key), &w);
	if (fn(r->store, id, &w, pw_clock_now(), &why, &e)) {
		refused(resp, why, &e);
		return;
	}
	reply_change(r, resp, id, 200);
}

static void change_approve(struct pw_request *r, struct pw_response *resp)
{
	transition(r, resp, pw_change_approve);
}

static void change_start(struct pw_request *r, struct pw_response *resp)
{
	transition(r, resp, pw_change_start);
}

static void change_pause(struct pw_request *r, struct pw_response *resp)
{
	transition(r, resp, pw_change_pause);
}

static void change_resume(struct pw_request *r, struct pw_response *resp)
{
	transition(r, resp, pw_change_resume);
}

static void change_abort(struct pw_request *r, struct pw_response *resp)
{
	transition(r, resp, pw_change_abort);
}

static void change_rollback(struct pw_request *r, struct pw_response *resp)
{
	transition(r, resp, pw_change_rollback);
}

static void change_reject(struct pw_request *r, struct pw_response *resp)
{
	int64_t id;
	if (!change_id(r, resp, &id))
		return;
	json_t *body = pw_http_body_json(r, resp);
	if (!body)
		return;
	const char *reason = json_string_value(json_object_get(body, "reason"));
	char key[160];
	struct pw_change_who w;
	enum pw_change_refusal why = PW_CHANGE_REFUSED_NOT;
	struct pw_error e = { 0 };
	who_of(r, key, sizeof(key), &w);
	if (pw_change_reject(r->store, id, &w, reason, pw_clock_now(), &why, &e))
		refused(resp, why, &e);
	else
		reply_change(r, resp, id, 200);
	json_decref(body);
}

static void change_edit(struct pw_request *r, struct pw_response *resp)
{
	int64_t id;
	if (!change_id(r, resp, &id))
		return;
	json_t *body = pw_http_body_json(r, resp);
	if (!body)
		return;
	bool ok = true;
	const char *title = opt_str(body, "title", &ok), *ticket = opt_str(body, "ticket", &ok);
	int64_t pct = -1, soak = -1, conc = -1;
	const json_t *js = json_object_get(body, "soak");
	if (json_is_string(js))
		ok = ok && pw_registry_parse_duration(json_string_value(js), &soak);
	else
		ok = ok && opt_int(body, "soak", 0, 30 * 86400, &soak);
	ok = ok && opt_int(body, "success_pct", 0, 100, &pct) &&
	     opt_int(body, "concurrency", 1, 100000, &conc);
	if (!ok) {
		bad(resp, "title and ticket are strings; success_pct 0-100, soak a duration,"
			  " concurrency 1-100000");
		json_decref(body);
		return;
	}
	char key[160];
	struct pw_change_who w;
	enum pw_change_refusal why = PW_CHANGE_REFUSED_NOT;
	struct pw_error e = { 0 };
	who_of(r, key, sizeof(key), &w);
	if (pw_change_edit(r->store, id, &w, title, ticket, (int)pct, soak, (int)conc,
			   pw_clock_now(), &why, &e))
		refused(resp, why, &e);
	else
		reply_change(r, resp, id, 200);
	json_decref(body);
}

/* ---- the agents' reports ---- */

static bool job_id_ok(const char *id)
{
	size_t n = strlen(id);
	if (!n || n > 64)
		return false;
	for (const char *p = id; *p; p++) {
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || *p == '_' || *p == '-'))
			return false;
	}
	return true;
}

static void job_report(struct pw_request *r, struct pw_response *resp)
{
	const char *id = r->params[0];
	json_t *body = pw_http_body_json(r, resp);
	if (!body)
		return;
	struct pw_error e = { 0 };
	int status = 0;
	struct notify_ctx n = { r->server, r->store, pw_clock_now() };
	if (!job_id_ok(id)) {
		pw_http_error(resp, 404, "not_found", "no job '%.40s'", id);
	} else if (pw_dispatch_report(r->store, r->who.host_id, r->who.actor, id, body, n.now,
				      notify, &n, &status, &e)) {
		pw_http_error_from(resp, &e);
	} else if (status == 200) {
		pw_http_json(resp, 200, json_pack("{s:b}", "ok", true));
	} else if (status == 404) {
		pw_http_error(resp, 404, "not_found", "no job %s", id);
	} else if (status == 409) {
		pw_http_error(resp, 409, "conflict", "%s", e.msg);
	} else {
		pw_http_error(resp, 400, "invalid_request", "%s", e.msg);
	}
	json_decref(body);
}

/* ---- the background task ---- */

void pw_api_changes_task(struct pw_server *srv, struct pw_store *store)
{
	struct pw_error e = { 0 };
	struct notify_ctx n = { srv, store, pw_clock_now() };
	if (pw_change_advance_all(store, n.now, notify, &n, &e))
		pw_server_log("warning", "changes: gates not checked: %s", e.msg);
}

const struct pw_route pw_api_changes_routes[] = {
	{ "GET", "/api/v1/changes", changes_list, READERS },
	{ "POST", "/api/v1/changes", changes_create, REQUESTERS },
	{ "GET", "/api/v1/changes/{id}", changes_get, READERS },
	{ "PATCH", "/api/v1/changes/{id}", change_edit, REQUESTERS },
	{ "POST", "/api/v1/changes/{id}/approve", change_approve, MANAGERS },
	{ "POST", "/api/v1/changes/{id}/reject", change_reject, MANAGERS },
	{ "POST", "/api/v1/changes/{id}/start", change_start, MANAGERS },
	{ "POST", "/api/v1/changes/{id}/pause", change_pause, STOPPERS },
	{ "POST", "/api/v1/changes/{id}/resume", change_resume, MANAGERS },
	{ "POST", "/api/v1/changes/{id}/abort", change_abort, STOPPERS },
	{ "POST", "/api/v1/changes/{id}/rollback", change_rollback, MANAGERS },
	{ "POST", "/api/v1/agent/jobs/{id}", job_report, PW_ALLOW_AGENT },
	{ NULL, NULL, NULL, 0 },
};
