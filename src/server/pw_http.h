/* pw_http.h - the server's HTTP layer (libmicrohttpd underneath): requests,
 * responses, routes. API modules (api_*.c) see only this header, never MHD.
 *
 * A request is read whole (body capped, default 16 MiB) before its handler
 * runs; the dispatcher matches the route, authenticates (pw_auth.h), checks
 * the route's `allow` set, then calls the handler on a worker thread with
 * that thread's own store connection. Handlers never print; they fill the
 * response. Every error response has the body
 *   {"error":{"code":"snake_case_code","message":"a sentence"}}
 */
#ifndef PW_HTTP_H
#define PW_HTTP_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pw_auth.h"
#include "pw_buf.h"

struct pw_server;
struct pw_store;

#define PW_ROUTE_MAX_PARAMS 4

struct pw_request {
	const char *method; /* "GET", "POST", "PUT", "PATCH", "DELETE" */
	const char *path;   /* decoded, without the query string */
	/* the {name} segments of the matched pattern, in order; each is
	 * non-empty and free of '/', NUL and "..": ids are checked by their
	 * handler (pw_http_param_id) */
	const char *params[PW_ROUTE_MAX_PARAMS];
	size_t nparams;
	const char *body; /* NUL-terminated copy; NULL when there was none */
	size_t body_len;
	const char *remote; /* peer address, for logs and throttling */
	bool tls;
	struct pw_principal who;  /* filled by authentication */
	struct pw_store *store;   /* this worker thread's connection */
	struct pw_server *server;
	void *impl;               /* the HTTP library's connection */
};

/* Header, query parameter (decoded) or cookie value; NULL when absent. */
const char *pw_http_header(const struct pw_request *r, const char *name);
const char *pw_http_query(const struct pw_request *r, const char *name);
const char *pw_http_cookie(const struct pw_request *r, const char *name);

struct pw_response {
	int status;               /* 200 unless set */
	const char *content_type; /* static string; "application/json" unless set */
	struct pw_buf body;
	struct pw_buf headers;    /* "Name: value\n" lines (Set-Cookie, Location, ...) */
};

/* JSON response; `doc` is stolen (decref'd). Compact encoding. */
void pw_http_json(struct pw_response *resp, int status, json_t *doc);
/* Error response: status, a stable snake_case code, a sentence. */
void pw_http_error(struct pw_response *resp, int status, const char *code, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* An error from the library: PW_ERR_NOTFOUND -> 404 not_found,
 * PW_ERR_INVALID/PARSE/USAGE -> 400 invalid_request, PW_ERR_LIMIT -> 413,
 * PW_ERR_FULL -> 507 store_full, PW_ERR_CORRUPT -> 503 store_corrupt,
 * anything else -> 500 internal (the message of these last three is
 * logged, not sent). */
void pw_http_error_from(struct pw_response *resp, const struct pw_error *e);
void pw_http_add_header(struct pw_response *resp, const char *name, const char *value);

/* The request body as a JSON object. On failure (not application/json:
 * 415 unsupported_media_type; unparsable: 400 invalid_json naming line and
 * column; not an object: 400 invalid_request) fills resp and returns NULL.
 * The caller decrefs the result. */
json_t *pw_http_body_json(const struct pw_request *r, struct pw_response *resp);

/* A path parameter that must be a positive decimal id; false (and a 404
 * not_found response) otherwise. */
bool pw_http_param_id(const struct pw_request *r, size_t i, struct pw_response *resp,
		      int64_t *out);

/* Pagination: ?limit=N (1..1000, default 100) and ?cursor=C (opaque: the
 * last key of the previous page, as the handler wrote it). false and a 400
 * response on a bad value. Pages are written as
 *   {"items":[...],"next_cursor":"..." | null}
 * by pw_http_page(), which takes `items` (stolen) and the cursor of the
 * last item when the page is full (NULL: no further page). */
struct pw_page {
	int64_t limit;
	const char *cursor; /* NULL: from the start */
};
bool pw_http_page_args(const struct pw_request *r, struct pw_response *resp, struct pw_page *p);
void pw_http_page(struct pw_response *resp, json_t *items, const char *next_cursor);

/* A list as CSV: ?format=csv (json: not; anything else: 400 naming
 * format), else an Accept header naming text/csv. false with resp filled
 * on a bad value. */
bool pw_http_wants_csv(const struct pw_request *r, struct pw_response *resp, bool *csv);
/* The CSV the handler wrote into resp->body, as a page: text/csv, the next
 * page's cursor in X-Next-Cursor (absent on the last page). */
void pw_http_csv_page(struct pw_response *resp, const char *next_cursor);

typedef void (*pw_http_handler)(struct pw_request *r, struct pw_response *resp);

/* Who may call a route: a set of role bits (PW_ALLOW_ROLE(PW_ROLE_ADMIN) |
 * ...), PW_ALLOW_AGENT for agent credentials, PW_ALLOW_PUBLIC for no
 * authentication at all (login, enrollment, the OpenAPI document). */
struct pw_route {
	const char *method;
	const char *pattern; /* "/api/v1/hosts/{id}"; {x} matches one segment */
	pw_http_handler handler;
	unsigned allow;
};

/* Route tables, each ended by { NULL }: one per API module (routes.c
 * gathers them). */
extern const struct pw_route pw_api_system_routes[];  /* api_system.c: health, openapi */
extern const struct pw_route pw_api_auth_routes[];    /* api_auth.c: login, users, tokens, audit */
extern const struct pw_route pw_api_assets_routes[];  /* api_assets.c: hosts, groups, findings, vulns, feeds */
extern const struct pw_route pw_api_agent_routes[];   /* api_agent.c: enrollment, check-in */
extern const struct pw_route pw_api_enrollment_routes[]; /* api_enrollment.c: pending enrollments */
extern const struct pw_route pw_api_findings_routes[]; /* api_findings.c: findings, vulnerabilities, feeds, assessments */
extern const struct pw_route pw_api_policy_routes[];   /* api_policy.c: deployment policy, quarantine */
extern const struct pw_route pw_api_exceptions_routes[]; /* api_exceptions.c: risk acceptance */
extern const struct pw_route pw_api_changes_routes[]; /* api_changes.c: changes, job reports */
extern const struct pw_route pw_api_baselines_routes[]; /* api_baselines.c: known-good baselines, drift */
extern const struct pw_route pw_api_kpis_routes[]; /* api_kpis.c: KPIs and their series */
extern const struct pw_route pw_api_metrics_routes[]; /* api_metrics.c: GET /metrics (Prometheus) */
extern const struct pw_route *const pw_api_routes[];  /* routes.c: all of the above, NULL-ended */

/* The query parameters a route accepts: names separated by one space.
 * Any other is answered 400 {"error":{"code":"unknown_parameter",
 * "message":...,"parameter":NAME}} before authentication. */
struct pw_route_query {
	const char *method;
	const char *pattern;
	const char *names;
};
extern const struct pw_route_query pw_api_route_queries[]; /* routes.c, { NULL }-ended */

#endif
