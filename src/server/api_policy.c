/* api_policy.c - the deployment policy and quarantine over HTTP:
 *
 *   GET  /api/v1/policy               every role: the effective policy per group
 *   GET  /api/v1/quarantine           every role: the hosts quarantined now
 *   POST /api/v1/quarantine/evaluate  admin, security-analyst, operator:
 *                                     recompute compliance and quarantine now
 *
 * The work is src/deploy's (pw_deploy_policy_json.h, pw_enforce.h,
 * pw_quarantine_export.h); this file reads the request and writes the JSON.
 */
#include <jansson.h>

#include "pw_auth.h"
#include "pw_clock.h"
#include "pw_deploy_policy_json.h"
#include "pw_deploy_task.h"
#include "pw_http.h"
#include "pw_jsonw.h"
#include "pw_quarantine.h"
#include "pw_quarantine_export.h"

static void policy_error(struct pw_response *resp, const struct pw_error *e)
{
	pw_http_error(resp, 500, "policy_invalid", "the deployment policy does not load: %s",
		      e->msg);
}

static void policy_get(struct pw_request *r, struct pw_response *resp)
{
	const struct pw_deploy_policy *p;
	struct pw_error e = { 0 };
	if (pw_deploy_policy_shared(r->server, &p, &e)) {
		policy_error(resp, &e);
		return;
	}
	struct pw_jsonw w;
	pw_jsonw_init(&w, &resp->body, false);
	pw_deploy_policy_write_json(&w, p, pw_clock_now());
	if (pw_jsonw_finish(&w)) {
		pw_buf_reset(&resp->body);
		pw_http_error(resp, 500, "internal", "cannot write the policy");
	}
}

static pw_err quarantine_item(void *ctx, const struct pw_quarantine *q)
{
	pw_quarantine_write_json(ctx, q);
	return PW_OK;
}

/* One page: a quarantine is an exception, not a fleet-sized list. */
static void quarantine_list(struct pw_request *r, struct pw_response *resp)
{
	struct pw_jsonw w;
	struct pw_error e = { 0 };
	pw_jsonw_init(&w, &resp->body, false);
	pw_jsonw_begin_object(&w);
	pw_jsonw_key(&w, "items");
	pw_jsonw_begin_array(&w);
	pw_err rc = pw_quarantine_each(r->store, true, quarantine_item, &w, &e);
	pw_jsonw_end_array(&w);
	pw_jsonw_key(&w, "next_cursor");
	pw_jsonw_null(&w);
	pw_jsonw_end_object(&w);
	if (!rc && pw_jsonw_finish(&w))
		rc = pw_error_set(&e, PW_ERR_NOMEM, "cannot write the quarantine list");
	if (rc) {
		pw_buf_reset(&resp->body);
		pw_http_error_from(resp, &e);
	}
}

/* the hosts that are not compliant: what `quarantine = report` reports */
static pw_err noncompliant_item(void *ctx, const struct pw_host_compliance *h)
{
	if (h->state != PW_NONCOMPLIANT && h->state != PW_QUARANTINED)
		return PW_OK;
	json_t *o = json_pack("{s:I,s:s,s:s,s:s,s:s,s:I}", "host_id", (json_int_t)h->host_id,
			      "hostname", h->hostname, "group", h->group, "state",
			      pw_compliance_name(h->state), "reason", h->reason ? h->reason : "",
			      "since", (json_int_t)h->since);
	return !o || json_array_append_new(ctx, o) ? PW_ERR_NOMEM : PW_OK;
}

static void quarantine_evaluate(struct pw_request *r, struct pw_response *resp)
{
	json_t *items = json_array();
	struct pw_enforce_options o = { .actor = r->who.actor, .each = noncompliant_item,
					.ctx = items };
	struct pw_enforce_result res;
	struct pw_error e = { 0 };
	pw_err rc = pw_enforce_run_shared(r->server, r->store, &o, &res, &e);
	if (rc == PW_ERR_PARSE || rc == PW_ERR_NOTFOUND) {
		json_decref(items);
		policy_error(resp, &e);
		return;
	}
	if (rc) {
		json_decref(items);
		pw_http_error_from(resp, &e);
		return;
	}
	pw_http_json(resp, 200,
		     json_pack("{s:I,s:I,s:I,s:I,s:I,s:o}", "hosts", (json_int_t)res.hosts,
			       "noncompliant", (json_int_t)res.noncompliant, "quarantined",
			       (json_int_t)res.quarantined, "added", (json_int_t)res.added, "lifted",
			       (json_int_t)res.lifted, "items", items));
}

#define ANY PW_ALLOW_ANY_ROLE
#define EVALUATE                                                                             \
	(PW_ALLOW_ROLE(PW_ROLE_ADMIN) | PW_ALLOW_ROLE(PW_ROLE_SECURITY) |                     \
	 PW_ALLOW_ROLE(PW_ROLE_OPERATOR))

const struct pw_route pw_api_policy_routes[] = {
	{ "GET", "/api/v1/policy", policy_get, ANY },
	{ "GET", "/api/v1/quarantine", quarantine_list, ANY },
	{ "POST", "/api/v1/quarantine/evaluate", quarantine_evaluate, EVALUATE },
	{ NULL, NULL, NULL, 0 },
};
