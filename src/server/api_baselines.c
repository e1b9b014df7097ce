/* api_baselines.c - known-good baselines and drift: list, save, show,
 * delete, and the drift report of a group or host. The rules and the
 * report are the service layer's (pw_drift.h), the same as `patchwarden
 * baseline`; this file parses requests and renders answers. The documents
 * are described in docs/openapi/baselines.json. */
#include "pw_http.h"

#include <stdlib.h>
#include <string.h>

#include "pw_buf.h"
#include "pw_clock.h"
#include "pw_drift.h"
#include "pw_jsonw.h"

#define READERS PW_ALLOW_ANY_ROLE
/* those who keep systems in shape decide what "known good" is */
#define KEEPERS (PW_ALLOW_ROLE(PW_ROLE_ADMIN) | PW_ALLOW_ROLE(PW_ROLE_OPERATOR))

/* Render into a JSON response what write() puts in a pw_jsonw. */
static void reply_written(struct pw_response *resp, int status, struct pw_buf *b,
			  struct pw_jsonw *w)
{
	json_t *o = pw_jsonw_finish(w) ? NULL : json_loadb(b->data, b->len, 0, NULL);
	if (o)
		pw_http_json(resp, status, o);
	else
		pw_http_error(resp, 500, "internal", "out of memory");
}

static void reply_baseline(struct pw_request *r, struct pw_response *resp, int64_t id,
			   int status)
{
	struct pw_arena a;
	pw_arena_init(&a);
	struct pw_baseline b;
	struct pw_error e = { 0 };
	if (pw_baselines_get(r->store, id, &a, &b, &e)) {
		pw_http_error_from(resp, &e);
	} else {
		struct pw_buf buf = PW_BUF_INIT;
		struct pw_jsonw w;
		pw_jsonw_init(&w, &buf, false);
		pw_baselines_write(&w, &b);
		reply_written(resp, status, &buf, &w);
		pw_buf_free(&buf);
	}
	pw_arena_free(&a);
}

static pw_err list_item(void *ctx, const struct pw_baseline *b)
{
	pw_baselines_write(ctx, b);
	return PW_OK;
}

static void baselines_list(struct pw_request *r, struct pw_response *resp)
{
	struct pw_buf buf = PW_BUF_INIT;
	struct pw_jsonw w;
	pw_jsonw_init(&w, &buf, false);
	struct pw_error e = { 0 };
	pw_jsonw_begin_object(&w);
	pw_jsonw_key(&w, "items");
	pw_jsonw_begin_array(&w);
	if (pw_baselines_each(r->store, list_item, &w, &e)) {
		pw_http_error_from(resp, &e);
	} else {
		pw_jsonw_end_array(&w);
		pw_jsonw_key(&w, "next_cursor");
		pw_jsonw_null(&w);
		pw_jsonw_end_object(&w);
		reply_written(resp, 200, &buf, &w);
	}
	pw_buf_free(&buf);
}

static void baselines_create(struct pw_request *r, struct pw_response *resp)
{
	json_t *body = pw_http_body_json(r, resp);
	if (!body)
		return;
	const char *key;
	json_t *v;
	json_object_foreach(body, key, v) {
		if (strcmp(key, "name") && strcmp(key, "host") && strcmp(key, "description")) {
			pw_http_error(resp, 400, "invalid_request", "unknown field %.64s", key);
			goto out;
		}
	}
	const json_t *name = json_object_get(body, "name"), *host = json_object_get(body, "host");
	const json_t *description = json_object_get(body, "description");
	if (!json_is_string(name) || !json_is_integer(host) || json_integer_value(host) <= 0 ||
	    (description && !json_is_null(description) && !json_is_string(description))) {
		pw_http_error(resp, 400, "invalid_request",
			      "name (a string) and host (a host id) are required; description is"
			      " a string");
		goto out;
	}
	struct pw_error e = { 0 };
	int64_t id = 0;
	if (pw_drift_save_baseline(r->store, json_string_value(name),
				   json_string_value(description), json_integer_value(host),
				   pw_clock_now(), r->who.actor, &id, &e)) {
		pw_http_error_from(resp, &e);
		goto out;
	}
	reply_baseline(r, resp, id, 201);
out:
	json_decref(body);
}

static pw_err package_item(void *ctx, const char *family, const char *name, const char *arch,
			   const char *version)
{
	struct pw_jsonw *w = ctx;
	pw_jsonw_begin_object(w);
	pw_jsonw_kstr(w, "family", family);
	pw_jsonw_kstr(w, "name", name);
	pw_jsonw_kstr(w, "arch", arch);
	pw_jsonw_kstr(w, "version", version);
	pw_jsonw_end_object(w);
	return PW_OK;
}

static void baselines_get(struct pw_request *r, struct pw_response *resp)
{
	int64_t id;
	if (!pw_http_param_id(r, 0, resp, &id))
		return;
	struct pw_arena a;
	pw_arena_init(&a);
	struct pw_baseline b;
	struct pw_error e = { 0 };
	struct pw_buf buf = PW_BUF_INIT;
	struct pw_jsonw w;
	pw_jsonw_init(&w, &buf, false);
	pw_err rc = pw_baselines_get(r->store, id, &a, &b, &e);
	if (!rc) {
		pw_jsonw_begin_object(&w);
		pw_jsonw_key(&w, "baseline");
		pw_baselines_write(&w, &b);
		pw_jsonw_key(&w, "package_list");
		pw_jsonw_begin_array(&w);
		rc = pw_baselines_each_package(r->store, id, package_item, &w, &e);
		pw_jsonw_end_array(&w);
		pw_jsonw_end_object(&w);
	}
	if (rc)
		pw_http_error_from(resp, &e);
	else
		reply_written(resp, 200, &buf, &w);
	pw_buf_free(&buf);
	pw_arena_free(&a);
}

static void baselines_delete(struct pw_request *r, struct pw_response *resp)
{
	int64_t id;
	if (!pw_http_param_id(r, 0, resp, &id))
		return;
	struct pw_error e = { 0 };
	if (pw_drift_delete_baseline(r->store, id, r->who.actor, &e))
		pw_http_error_from(resp, &e);
	else
		resp->status = 204;
}

/* ?group=NAME or ?host=ID (not both); ?details=true lists the differences,
 * at most ?max_details per host (default 100, 0: all). */
static void baselines_drift(struct pw_request *r, struct pw_response *resp)
{
	int64_t id;
	if (!pw_http_param_id(r, 0, resp, &id))
		return;
	const char *group = pw_http_query(r, "group"), *host = pw_http_query(r, "host");
	const char *details = pw_http_query(r, "details"), *max = pw_http_query(r, "max_details");
	int64_t host_id = 0, max_details = 100;
	char *end;
	if (host && (host_id = strtoll(host, &end, 10), *end || host_id <= 0)) {
		pw_http_error(resp, 400, "invalid_request", "host: a host id");
		return;
	}
	if (group && host) {
		pw_http_error(resp, 400, "invalid_request", "group and host: one or the other");
		return;
	}
	if (details && strcmp(details, "true") && strcmp(details, "false")) {
		pw_http_error(resp, 400, "invalid_request", "details: true or false");
		return;
	}
	if (max && (max_details = strtoll(max, &end, 10), *end || max_details < 0)) {
		pw_http_error(resp, 400, "invalid_request", "max_details: a count, 0 for all");
		return;
	}
	struct pw_host_query q = { .group = group };
	struct pw_buf buf = PW_BUF_INIT;
	struct pw_jsonw w;
	pw_jsonw_init(&w, &buf, false);
	struct pw_error e = { 0 };
	if (pw_drift_report(r->store, id, &q, host_id, details && strcmp(details, "true") == 0,
			    max_details, &w, NULL, &e))
		pw_http_error_from(resp, &e);
	else
		reply_written(resp, 200, &buf, &w);
	pw_buf_free(&buf);
}

const struct pw_route pw_api_baselines_routes[] = {
	{ "GET", "/api/v1/baselines", baselines_list, READERS },
	{ "POST", "/api/v1/baselines", baselines_create, KEEPERS },
	{ "GET", "/api/v1/baselines/{id}", baselines_get, READERS },
	{ "DELETE", "/api/v1/baselines/{id}", baselines_delete, KEEPERS },
	{ "GET", "/api/v1/baselines/{id}/drift", baselines_drift, READERS },
	{ NULL, NULL, NULL, 0 },
};
