/* api_agent.c - enrollment tokens, enrollment and the agents' check-in.
 *
 * The check-in is the hot path of the whole server: every agent calls it
 * every few minutes, and nearly always nothing changed. It costs one
 * indexed read for the credential (in pw_auth_request), one for the stored
 * digest, one probe of the queued jobs' index, and a note in memory for
 * last_seen (written in batches by the "agent-last-seen" task); it writes
 * nothing unless a job is handed out. Only when the digests differ
 * does the agent upload its inventory, which the server parses, digests
 * itself (never trusting the agent's word for it) and stores as a delta, in
 * one transaction with its audit entry, always for the agent's own host.
 */
#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pw_agents.h"
#include "pw_audit.h"
#include "pw_clock.h"
#include "pw_deploy_config.h"
#include "pw_dispatch.h"
#include "pw_http.h"
#include "pw_import.h"
#include "pw_inventory_digest.h"
#include "pw_inventory_json.h"
#include "pw_registry.h"
#include "pw_request_metrics.h"
#include "pw_server.h"
#include "pw_text.h"

void pw_api_agent_flush_seen(struct pw_server *srv, struct pw_store *store);

/* ---- helpers ---- */

static json_t *time_or_null(int64_t t)
{
	char buf[32];
	return t ? json_string(pw_clock_format(t, buf, sizeof(buf))) : json_null();
}

static json_t *str_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

/* ---- enrollment tokens (admin) ---- */

static json_t *token_json(const struct pw_enrollment_token *t, int64_t now)
{
	const char *state = t->revoked_at ? "revoked"
			  : t->expires_at <= now ? "expired"
			  : t->uses >= t->max_uses ? "used_up"
			  : "active";
	return json_pack("{s:I,s:o,s:o,s:o,s:I,s:I,s:o,s:s,s:o}", "id", (json_int_t)t->id,
			 "group", str_or_null(t->group), "created_at", time_or_null(t->created_at),
			 "expires_at", time_or_null(t->expires_at), "max_uses",
			 (json_int_t)t->max_uses, "uses", (json_int_t)t->uses, "revoked_at",
			 time_or_null(t->revoked_at), "state", state, "created_by",
			 str_or_null(t->created_by));
}

struct list_ctx {
	json_t *items;
	int64_t now, last_id, n;
};

static pw_err token_item(void *ctx, const struct pw_enrollment_token *t)
{
	struct list_ctx *l = ctx;
	json_array_append_new(l->items, token_json(t, l->now));
	l->last_id = t->id;
	l->n++;
	return PW_OK;
}

static bool cursor_id(const struct pw_page *p, struct pw_response *resp, int64_t *after)
{
	*after = 0;
	if (!p->cursor)
		return true;
	char *end;
	long long v = strtoll(p->cursor, &end, 10);
	if (*end || v < 0 || end == p->cursor) {
		pw_http_error(resp, 400, "invalid_request", "cursor: not a cursor this list gave");
		return false;
	}
	*after = v;
	return true;
}

static void finish_page(struct pw_response *resp, struct list_ctx *l, const struct pw_page *p)
{
	char cur[32];
	snprintf(cur, sizeof(cur), "%lld", (long long)l->last_id);
	pw_http_page(resp, l->items, l->n == p->limit ? cur : NULL);
}

static void tokens_list(struct pw_request *r, struct pw_response *resp)
{
	struct pw_page p;
	int64_t after;
	if (!pw_http_page_args(r, resp, &p) || !cursor_id(&p, resp, &after))
		return;
	struct list_ctx l = { json_array(), pw_clock_now(), 0, 0 };
	struct pw_error e;
	if (pw_enrollment_each(r->store, after, p.limit, token_item, &l, &e)) {
		json_decref(l.items);
		pw_http_error_from(resp, &e);
		return;
	}
	finish_page(resp, &l, &p);
}

static void tokens_create(struct pw_request *r, struct pw_response *resp)
{
	json_t *body = pw_http_body_json(r, resp);
	if (!body)
		return;
	const json_t *jg = json_object_get(body, "group");
	const json_t *jx = json_object_get(body, "expires_in");
	const json_t *ju = json_object_get(body, "max_uses");
	const char *group = NULL;
	int64_t secs = 7 * 86400, uses = 1;
	if (jg && !json_is_null(jg)) {
		if (!json_is_string(jg) || !*json_string_value(jg) ||
		    strlen(json_string_value(jg)) > 200) {
			pw_http_error(resp, 400, "invalid_request",
				      "group: expected a group name (1 to 200 characters)");
			goto out;
		}
		group = json_string_value(jg);
	}
	if (jx && !json_is_null(jx)) {
		if (json_is_integer(jx) && json_integer_value(jx) > 0 &&
		    json_integer_value(jx) <= 3650LL * 86400) {
			secs = json_integer_value(jx);
		} else if (!json_is_string(jx) ||
			   !pw_registry_parse_duration(json_string_value(jx), &secs) ||
			   secs > 3650LL * 86400) {
			pw_http_error(resp, 400, "invalid_request",
				      "expires_in: expected seconds or a duration such as \"7d\""
				      " (at most 10 years)");
			goto out;
		}
	}
	if (ju && !json_is_null(ju)) {
		if (!json_is_integer(ju) || json_integer_value(ju) < 1 ||
		    json_integer_value(ju) > 1000000) {
			pw_http_error(resp, 400, "invalid_request",
				      "max_uses: expected an integer from 1 to 1000000");
			goto out;
		}
		uses = json_integer_value(ju);
	}
	char token[PW_AGENT_SECRET_SIZE];
	int64_t id;
	struct pw_error e;
	if (pw_enrollment_create(r->store, r->who.actor, group, pw_clock_now() + secs, uses, token,
				 &id, &e)) {
		pw_http_error_from(resp, &e);
		goto out;
	}
	struct pw_enrollment_token t;
	bool found = false;
	if (pw_enrollment_get(r->store, id, &t, &found, &e) || !found) {
		pw_http_error_from(resp, &e);
		goto out;
	}
	json_t *doc = token_json(&t, pw_clock_now());
	json_object_set_new(doc, "token", json_string(token));
	pw_http_json(resp, 201, doc);
out:
	json_decref(body);
}

static void tokens_revoke(struct pw_request *r, struct pw_response *resp)
{
	int64_t id;
	if (!pw_http_param_id(r, 0, resp, &id))
		return;
	struct pw_error e;
	if (pw_enrollment_revoke(r->store, r->who.actor, id, &e)) {
		pw_http_error_from(resp, &e);
		return;
	}
	resp->status = 204;
}

/* ---- enrollment (public, throttled per address) ---- */

/* Per-address counters over a minute: every attempt, and the refused ones
 * apart, which are held to far fewer (guessing tokens is pointless at
 * 256 bits, but a flood of attempts still costs transactions). */
#define THROTTLE_SLOTS 512
struct throttle {
	char addr[64];
	int64_t window; /* the minute it counts */
	int attempts, refused;
};
static pthread_mutex_t throttle_lock = PTHREAD_MUTEX_INITIALIZER;
static struct throttle throttles[THROTTLE_SLOTS];

static struct throttle *throttle_slot(const char *addr, int64_t minute)
{
	size_t h = 5381;
	for (const char *p = addr; *p; p++)
		h = h * 33 + (unsigned char)*p;
	struct throttle *t = &throttles[h % THROTTLE_SLOTS];
	/* a collision with another address resets the slot: the throttle is a
	 * brake on floods, not an exact count */
	if (t->window != minute || strncmp(t->addr, addr, sizeof(t->addr) - 1) != 0) {
		snprintf(t->addr, sizeof(t->addr), "%s", addr);
		t->window = minute;
		t->attempts = t->refused = 0;
	}
	return t;
}

static bool throttle_allow(const struct pw_request *r, int64_t now)
{
	int64_t max_attempts = pw_server_setting_int(r->server, "agent", "enroll_per_minute", 600);
	int64_t max_refused = pw_server_setting_int(r->server, "agent", "enroll_refused_per_minute", 20);
	pthread_mutex_lock(&throttle_lock);
	struct throttle *t = throttle_slot(r->remote ? r->remote : "", now / 60);
	bool ok = t->attempts < max_attempts && t->refused < max_refused;
	if (ok)
		t->attempts++;
	pthread_mutex_unlock(&throttle_lock);
	return ok;
}

static void throttle_refused(const struct pw_request *r, int64_t now)
{
	pthread_mutex_lock(&throttle_lock);
	throttle_slot(r->remote ? r->remote : "", now / 60)->refused++;
	pthread_mutex_unlock(&throttle_lock);
}

static const char *opt_string(const json_t *body, const char *key, size_t max, bool *bad)
{
	const json_t *v = json_object_get(body, key);
	if (!v || json_is_null(v))
		return NULL;
	/* a host name or machine id is shown in lists and logs: no controls */
	if (!json_is_string(v) || json_string_length(v) > max ||
	    pw_text_find_control(json_string_value(v), json_string_length(v), NULL) !=
		    json_string_length(v)) {
		*bad = true;
		return NULL;
	}
	return json_string_value(v);
}

/* 202: the machine already has a live agent, which goes on working; this
 * enrollment's credential is refused (403 enrollment_pending) until an
 * admin approves it. */
static void enroll_pending_reply(struct pw_request *r, struct pw_response *resp,
				 const struct pw_enroll_request *rq, struct pw_enrollment *en)
{
	char msg[256];
	snprintf(msg, sizeof(msg),
		 "this machine already has an enrolled agent: enrollment %lld awaits an admin's "
		 "approval (patchwarden enrollment approve %lld)",
		 (long long)en->agent_id, (long long)en->agent_id);
	pw_server_log("warning", "enrollment %lld from %s for host %lld (%s) awaits approval",
		      (long long)en->agent_id, r->remote ? r->remote : "?", (long long)en->host_id,
		      rq->hostname ? rq->hostname : rq->machine_id);
	pw_http_json(resp, 202,
		     json_pack("{s:s,s:I,s:I,s:s,s:b,s:s,s:I}", "status", "pending", "agent_id",
			       (json_int_t)en->agent_id, "host_id", (json_int_t)en->host_id,
			       "credential", en->credential, "host_created", false, "message", msg,
			       "interval_s",
			       (json_int_t)pw_server_setting_int(r->server, "agent",
								 "checkin_interval", 900)));
	memset(en->credential, 0, sizeof(en->credential));
}

static void enroll(struct pw_request *r, struct pw_response *resp)
{
	int64_t now = pw_clock_now();
	if (!throttle_allow(r, now)) {
		pw_http_add_header(resp, "Retry-After", "60");
		pw_http_error(resp, 429, "too_many_attempts",
			      "too many enrollment attempts from this address; retry in a minute");
		return;
	}
	json_t *body = pw_http_body_json(r, resp);
	if (!body) {
		throttle_refused(r, now);
		return;
	}
	bool bad = false;
	struct pw_enroll_request rq = {
		.token = opt_string(body, "token", 128, &bad),
		.machine_id = opt_string(body, "machine_id", 128, &bad),
		.hostname = opt_string(body, "hostname", 255, &bad),
		.address = r->remote,
	};
	if (bad || !rq.token || !rq.machine_id || !*rq.machine_id) {
		throttle_refused(r, now);
		pw_http_error(resp, 400, "invalid_request",
			      "expected {\"token\": \"pwe_...\", \"machine_id\": \"...\","
			      " \"hostname\": \"...\"} (strings without control characters;"
			      " machine_id at most 128 bytes)");
		goto out;
	}
	enum pw_enroll_status st;
	struct pw_enrollment en;
	struct pw_error e;
	if (pw_agents_enroll(r->store, &rq, now, &st, &en, &e)) {
		pw_http_error_from(resp, &e);
		goto out;
	}
	switch (st) {
	case PW_ENROLL_OK:
		break;
	case PW_ENROLL_UNKNOWN:
		throttle_refused(r, now);
		pw_http_error(resp, 401, "invalid_token", "the enrollment token is not valid");
		goto out;
	case PW_ENROLL_EXPIRED:
		throttle_refused(r, now);
		pw_http_error(resp, 403, "token_expired", "the enrollment token has expired");
		goto out;
	case PW_ENROLL_USED_UP:
		throttle_refused(r, now);
		pw_http_error(resp, 403, "token_used_up",
			      "the enrollment token has no uses left");
		goto out;
	case PW_ENROLL_REVOKED:
		throttle_refused(r, now);
		pw_http_error(resp, 403, "token_revoked", "the enrollment token was revoked");
		goto out;
	case PW_ENROLL_PENDING:
		enroll_pending_reply(r, resp, &rq, &en);
		goto out;
	}
	pw_server_log("info", "agent %lld enrolled from %s: host %lld (%s)%s",
		      (long long)en.agent_id, r->remote ? r->remote : "?", (long long)en.host_id,
		      rq.hostname ? rq.hostname : rq.machine_id, en.host_created ? ", new" : "");
	pw_http_json(resp, 201,
		     json_pack("{s:I,s:I,s:s,s:b,s:I}", "agent_id", (json_int_t)en.agent_id,
			       "host_id", (json_int_t)en.host_id, "credential", en.credential,
			       "host_created", en.host_created, "interval_s",
			       (json_int_t)pw_server_setting_int(r->server, "agent",
								 "checkin_interval", 900)));
	memset(en.credential, 0, sizeof(en.credential));
out:
	json_decref(body);
}

/* ---- check-in (agents) ---- */

static void checkin(struct pw_request *r, struct pw_response *resp)
{
	pw_request_metrics_checkin();
	json_t *body = pw_http_body_json(r, resp);
	if (!body)
		return;
	const char *digest = json_string_value(json_object_get(body, "digest"));
	if (!digest || (*digest && !pw_inventory_digest_valid(digest))) {
		pw_http_error(resp, 400, "invalid_request",
			      "digest: expected 64 lowercase hex digits (or \"\" before a first scan)");
		goto out;
	}
	char stored[PW_INVENTORY_DIGEST_SIZE + 16];
	struct pw_error e;
	if (pw_registry_inventory_digest(r->store, r->who.host_id, stored, sizeof(stored), &e)) {
		pw_http_error_from(resp, &e);
		goto out;
	}
	bool wanted = !*digest || !*stored || strcmp(stored, digest) != 0;
	/* the inventory held for review is not wanted again: the next one that
	 * differs from it is */
	struct pw_inventory_held held;
	bool is_held = false;
	if (wanted && *digest &&
	    pw_inventory_hold_get(r->store, r->who.host_id, &held, NULL, &is_held, &e)) {
		pw_http_error_from(resp, &e);
		goto out;
	}
	if (is_held && strcmp(held.digest, digest) == 0)
		wanted = false;
	int64_t now = pw_clock_now();
	pw_agents_note_seen(r->who.id, r->who.host_id, now);
	/* one indexed probe when the host has no queued job (pw_dispatch.h) */
	json_t *jobs = NULL;
	const struct pw_deploy_policy *policy;
	if (!pw_server_deploy_policy(r->server, &policy)) {
		jobs = json_array(); /* a policy that did not load: nothing goes out */
	} else if (pw_dispatch_checkin(r->store, policy, r->who.host_id, now, &jobs, &e)) {
		pw_server_log("warning", "jobs for host %lld not handed out: %s",
			      (long long)r->who.host_id, e.msg);
		json_array_clear(jobs);
	}
	pw_http_json(resp, 200,
		     json_pack("{s:b,s:I,s:o}", "inventory_wanted", wanted, "interval_s",
			       (json_int_t)pw_server_setting_int(r->server, "agent",
								 "checkin_interval", 900),
			       "jobs", jobs ? jobs : json_array()));
out:
	json_decref(body);
}

static void put_inventory(struct pw_request *r, struct pw_response *resp)
{
	json_t *body = pw_http_body_json(r, resp);
	if (!body)
		return;
	struct pw_inventory inv;
	struct pw_error e;
	pw_inventory_init(&inv, NULL);
	if (pw_inventory_from_json(&inv, body, &e)) {
		pw_http_error(resp, 400, "invalid_inventory", "%s", e.msg);
		goto out;
	}
	/* the agent writes its own host only: r->who.host_id, whatever the
	 * document says; a document naming another machine is refused */
	struct pw_agent_info a;
	bool found = false;
	if (pw_agents_get(r->store, r->who.id, &a, &found, &e)) {
		pw_http_error_from(resp, &e);
		goto out;
	}
	if (!found || a.host_id != r->who.host_id) {
		pw_http_error(resp, 401, "unauthenticated", "this agent is no longer enrolled");
		goto out;
	}
	if (inv.host.machine_id && strcmp(inv.host.machine_id, a.machine_id) != 0) {
		pw_http_error(resp, 403, "forbidden",
			      "the inventory is of machine %.64s, not of this agent's host %lld",
			      inv.host.machine_id, (long long)r->who.host_id);
		goto out;
	}
	int64_t now = pw_clock_now();
	struct pw_import_request rq = { .inv = &inv, .agent_id = r->who.id,
					.host_id = r->who.host_id,
					.max_loss_percent = pw_server_max_package_loss(r->server),
					.actor = r->who.actor, .now = now };
	struct pw_import_result res;
	if (pw_import_inventory(r->store, &rq, &res, &e)) {
		pw_http_error_from(resp, &e);
		goto out;
	}
	const struct pw_intake *in = &res.in;
	const char *digest = res.digest;
	pw_agents_note_seen(r->who.id, r->who.host_id, now);
	if (in->held) {
		pw_server_log("warning", "inventory of host %lld (agent %lld) held for review: %s",
			      (long long)r->who.host_id, (long long)r->who.id, in->reason);
		pw_http_json(resp, 202,
			     json_pack("{s:s,s:I,s:s,s:s}", "digest", digest, "host_id",
				       (json_int_t)r->who.host_id, "status", "held", "reason",
				       in->reason));
		goto out;
	}
	pw_http_json(resp, 200,
		     json_pack("{s:s,s:s,s:I,s:I,s:I,s:I,s:I}", "digest", digest, "status", "applied",
			       "host_id", (json_int_t)r->who.host_id, "added",
			       (json_int_t)in->d.added, "removed", (json_int_t)in->d.removed,
			       "changed", (json_int_t)in->d.changed, "unchanged",
			       (json_int_t)in->d.unchanged));
out:
	pw_inventory_free(&inv);
	json_decref(body);
}

/* ---- agents (admin; operators read) ---- */

struct agents_ctx {
	struct list_ctx l;
	struct pw_store *store;
};

static pw_err agent_item(void *ctx, const struct pw_agent_info *a)
{
	struct agents_ctx *c = ctx;
	json_t *o = json_pack("{s:I,s:I,s:o,s:o,s:o,s:o,s:o,s:I,s:o,s:b,s:o}", "id",
			      (json_int_t)a->id, "host_id", (json_int_t)a->host_id, "machine_id",
			      str_or_null(a->machine_id), "hostname", str_or_null(a->hostname),
			      "enrolled_from", str_or_null(a->enrolled_from), "enrolled_at",
			      time_or_null(a->enrolled_at), "last_seen", time_or_null(a->last_seen),
			      "uploads", (json_int_t)a->uploads, "last_upload",
			      time_or_null(a->last_upload), "revoked", a->revoked_at != 0,
			      "revoked_at", time_or_null(a->revoked_at));
	if (!o)
		return PW_ERR_NOMEM;
	json_object_set_new(o, "token_id", a->token_id ? json_integer(a->token_id) : json_null());
	json_object_set_new(o, "pending", json_boolean(a->pending));
	json_array_append_new(c->l.items, o);
	c->l.last_id = a->id;
	c->l.n++;
	return PW_OK;
}

/* the stored digest of each listed host, read after the agents' rows (the
 * store runs one statement at a time per connection) */
static void add_digests(struct pw_store *store, json_t *items)
{
	size_t i;
	json_t *o;
	json_array_foreach(items, i, o) {
		char digest[PW_INVENTORY_DIGEST_SIZE + 16];
		struct pw_error e;
		int64_t host = json_integer_value(json_object_get(o, "host_id"));
		if (pw_registry_inventory_digest(store, host, digest, sizeof(digest), &e) == PW_OK)
			json_object_set_new(o, "inventory_digest",
					    *digest ? json_string(digest) : json_null());
	}
}

static void agents_list(struct pw_request *r, struct pw_response *resp)
{
	struct pw_page p;
	int64_t after;
	if (!pw_http_page_args(r, resp, &p) || !cursor_id(&p, resp, &after))
		return;
	struct agents_ctx c = { { json_array(), pw_clock_now(), 0, 0 }, r->store };
	struct pw_error e;
	if (pw_agents_each(r->store, after, p.limit, agent_item, &c, &e)) {
		json_decref(c.l.items);
		pw_http_error_from(resp, &e);
		return;
	}
	add_digests(r->store, c.l.items);
	finish_page(resp, &c.l, &p);
}

static void agents_revoke(struct pw_request *r, struct pw_response *resp)
{
	int64_t id;
	if (!pw_http_param_id(r, 0, resp, &id))
		return;
	struct pw_error e;
	if (pw_agents_revoke(r->store, r->who.actor, id, &e)) {
		pw_http_error_from(resp, &e);
		return;
	}
	resp->status = 204;
}

/* ---- the background task ---- */

void pw_api_agent_flush_seen(struct pw_server *srv, struct pw_store *store)
{
	struct pw_error e;
	if (pw_agents_flush_seen(store, &e))
		pw_server_log("warning", "agent check-in times not written yet: %s", e.msg);
}

#define ADMIN PW_ALLOW_ROLE(PW_ROLE_ADMIN)
#define OPERATOR PW_ALLOW_ROLE(PW_ROLE_OPERATOR)
#define AUDITOR PW_ALLOW_ROLE(PW_ROLE_AUDITOR)

const struct pw_route pw_api_agent_routes[] = {
	{ "POST", "/api/v1/agent/checkin", checkin, PW_ALLOW_AGENT },
	{ "PUT", "/api/v1/agent/inventory", put_inventory, PW_ALLOW_AGENT },
	{ "POST", "/api/v1/enroll", enroll, PW_ALLOW_PUBLIC },
	{ "GET", "/api/v1/enrollment-tokens", tokens_list, ADMIN | AUDITOR },
	{ "POST", "/api/v1/enrollment-tokens", tokens_create, ADMIN },
	{ "DELETE", "/api/v1/enrollment-tokens/{id}", tokens_revoke, ADMIN },
	{ "GET", "/api/v1/agents", agents_list, ADMIN | OPERATOR | AUDITOR },
	{ "DELETE", "/api/v1/agents/{id}", agents_revoke, ADMIN },
	{ NULL, NULL, NULL, 0 },
};
