/* api_kpis.c - GET /api/v1/kpis: the KPIs of a scope (every host, a
 * group's, an environment's) over a period, with their daily series.
 * The figures and their definitions are the library's (pw_kpi.h,
 * docs/kpis.md); this file parses the query. Every role reads. */
#include "pw_http.h"

#include <string.h>

#include "pw_buf.h"
#include "pw_clock.h"
#include "pw_jsonw.h"
#include "pw_kpi.h"
#include "pw_timearg.h"

#define READERS PW_ALLOW_ANY_ROLE
#define DEFAULT_PERIOD (30 * 86400)

static bool word(struct pw_request *r, struct pw_response *resp, const char *name,
		 const char **out)
{
	const char *v = pw_http_query(r, name);
	*out = v;
	if (!v)
		return true;
	size_t n = strlen(v);
	bool ok = n > 0 && n <= 64;
	for (const char *p = v; ok && *p; p++)
		ok = (unsigned char)*p > ' ' && *p != 0x7f;
	if (!ok)
		pw_http_error(resp, 400, "invalid_request", "%s: '%.40s' is not a name", name, v);
	return ok;
}

static bool when(struct pw_request *r, struct pw_response *resp, const char *name, int64_t now,
		 int64_t *out)
{
	const char *v = pw_http_query(r, name);
	if (v && !pw_timearg_parse(v, now, PW_TIMEARG_PAST, out)) {
		pw_http_error(resp, 400, "invalid_request",
			      "%s must be a duration (30d), a date (2026-11-01) or an RFC 3339 "
			      "time, not '%.40s'", name, v);
		return false;
	}
	return true;
}

static void kpis(struct pw_request *r, struct pw_response *resp)
{
	struct pw_kpi_scope scope = { 0 };
	int64_t now = pw_clock_now(), until = now, since;
	if (!word(r, resp, "group", &scope.group) ||
	    !word(r, resp, "environment", &scope.environment) ||
	    !when(r, resp, "until", now, &until))
		return;
	since = until - DEFAULT_PERIOD;
	if (!when(r, resp, "since", now, &since))
		return;
	if (since >= until) {
		pw_http_error(resp, 400, "invalid_request", "since must be before until");
		return;
	}
	struct pw_buf b = PW_BUF_INIT;
	struct pw_jsonw w;
	struct pw_error e = { 0 };
	pw_jsonw_init(&w, &b, false);
	pw_err rc = pw_kpi_write_document(r->store, &w, &scope, since, until, &e);
	if (!rc && (rc = pw_jsonw_finish(&w)))
		pw_error_set(&e, rc, "out of memory");
	json_t *doc = rc ? NULL : json_loadb(b.data, b.len, 0, NULL);
	pw_buf_free(&b);
	if (rc) {
		pw_http_error_from(resp, &e);
		return;
	}
	if (!doc) {
		pw_http_error(resp, 500, "internal", "out of memory");
		return;
	}
	pw_http_json(resp, 200, doc);
}

const struct pw_route pw_api_kpis_routes[] = {
	{ "GET", "/api/v1/kpis", kpis, READERS },
	{ NULL, NULL, NULL, 0 },
};
