/* api_enrollment.c - enrollments awaiting an admin's decision:
 *
 *   GET  /api/v1/enrollments/pending        admin, operator, auditor
 *   POST /api/v1/enrollments/{id}/approve   admin: the host's agent is replaced
 *   POST /api/v1/enrollments/{id}/reject    admin
 *
 * An enrollment for a machine id that already has a live agent is recorded
 * as pending (pw_agents_enroll): any enrollment token would otherwise take
 * over any host whose machine id it knows, and every role reads machine
 * ids. {id} is the pending agent's id, which the enrolling agent was told.
 */
#include <jansson.h>
#include <stdio.h>

#include "pw_agents.h"
#include "pw_auth.h"
#include "pw_clock.h"
#include "pw_http.h"

static json_t *time_or_null(int64_t t)
{
	char buf[32];
	return t ? json_string(pw_clock_format(t, buf, sizeof(buf))) : json_null();
}

static json_t *str_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

static pw_err pending_item(void *ctx, const struct pw_agent_info *a)
{
	json_t *o = json_pack("{s:I,s:I,s:o,s:o,s:o,s:o,s:o}", "id", (json_int_t)a->id, "host_id",
			      (json_int_t)a->host_id, "machine_id", str_or_null(a->machine_id),
			      "hostname", str_or_null(a->hostname), "enrolled_from",
			      str_or_null(a->enrolled_from), "enrolled_at",
			      time_or_null(a->enrolled_at), "token_id",
			      a->token_id ? json_integer(a->token_id) : json_null());
	return !o || json_array_append_new(ctx, o) ? PW_ERR_NOMEM : PW_OK;
}

/* All of them: each took a use of an enrollment token, so they are few. */
static void pending_list(struct pw_request *r, struct pw_response *resp)
{
	json_t *items = json_array();
	struct pw_error e = { 0 };
	if (pw_agents_each_pending(r->store, pending_item, items, &e)) {
		json_decref(items);
		pw_http_error_from(resp, &e);
		return;
	}
	pw_http_page(resp, items, NULL);
}

static void decide(struct pw_request *r, struct pw_response *resp, bool approve)
{
	int64_t id;
	if (!pw_http_param_id(r, 0, resp, &id))
		return;
	struct pw_error e = { 0 };
	pw_err rc = approve ? pw_agents_approve(r->store, r->who.actor, id, &e)
			    : pw_agents_reject(r->store, r->who.actor, id, &e);
	if (rc) {
		pw_http_error_from(resp, &e);
		return;
	}
	struct pw_agent_info a;
	bool found = false;
	if (pw_agents_get(r->store, id, &a, &found, &e) || !found) {
		pw_http_error_from(resp, &e);
		return;
	}
	pw_http_json(resp, 200,
		     json_pack("{s:I,s:I,s:s}", "id", (json_int_t)a.id, "host_id",
			       (json_int_t)a.host_id, "state", approve ? "approved" : "rejected"));
}

static void approve(struct pw_request *r, struct pw_response *resp)
{
	decide(r, resp, true);
}

static void reject(struct pw_request *r, struct pw_response *resp)
{
	decide(r, resp, false);
}

#define ADMIN PW_ALLOW_ROLE(PW_ROLE_ADMIN)
#define OPERATOR PW_ALLOW_ROLE(PW_ROLE_OPERATOR)
#define AUDITOR PW_ALLOW_ROLE(PW_ROLE_AUDITOR)

const struct pw_route pw_api_enrollment_routes[] = {
	{ "GET", "/api/v1/enrollments/pending", pending_list, ADMIN | OPERATOR | AUDITOR },
	{ "POST", "/api/v1/enrollments/{id}/approve", approve, ADMIN },
	{ "POST", "/api/v1/enrollments/{id}/reject", reject, ADMIN },
	{ NULL, NULL, NULL, 0 },
};
