/* api_assets.c - the asset register over REST: hosts (list with filters,
 * one, attributes, retirement, inventory, history), agentless inventory
 * uploads, device CSV imports, and static and dynamic groups.
 *
 * Who may call (docs/roles.md): every role reads; admin and asset-manager
 * change hosts, groups and imports; operators (sysadmins) change hosts and
 * upload inventories, not groups or device lists. Every change runs in one
 * transaction with its audit entry, acting as the caller (r->who.actor).
 */
#include "pw_http.h"

#include <stdlib.h>
#include <string.h>

#include "pw_assess_task.h"
#include "pw_clock.h"
#include "pw_groups.h"
#include "pw_hosts.h"
#include "pw_import.h"
#include "pw_inventory_json.h"
#include "pw_jsonw.h"
#include "pw_list_csv.h"
#include "pw_registry.h"
#include "pw_server.h"
#include "pw_timearg.h"

#define R_ALL PW_ALLOW_ANY_ROLE
#define W_ASSETS (PW_ALLOW_ROLE(PW_ROLE_ADMIN) | PW_ALLOW_ROLE(PW_ROLE_ASSET))
#define W_HOSTS (W_ASSETS | PW_ALLOW_ROLE(PW_ROLE_OPERATOR))

#define MAX_GROUP_MEMBERS_SHOWN 10000
#define MAX_BAD_LINES_SHOWN 20

/* ---- shared pieces ---- */

static int64_t stale_after(const struct pw_request *r)
{
	return r->server ? pw_server_stale_after(r->server) : PW_REGISTRY_STALE_AFTER_DEFAULT;
}

/* A pw_jsonw document as a jansson value; NULL on ENOMEM. */
static json_t *parse_written(struct pw_jsonw *w, struct pw_buf *b)
{
	if (pw_jsonw_finish(w))
		return NULL;
	return json_loadb(b->data, b->len, 0, NULL);
}

static json_t *host_json(const struct pw_host *h, int64_t now, int64_t stale)
{
	struct pw_buf b = PW_BUF_INIT;
	struct pw_jsonw w;
	pw_jsonw_init(&w, &b, false);
	pw_registry_write_host(&w, h, now, stale);
	json_t *j = parse_written(&w, &b);
	pw_buf_free(&b);
	return j;
}

static json_t *held_json(const struct pw_inventory_held *h)
{
	char when[32];
	return json_pack("{s:s,s:s,s:I,s:s}", "reason", h->reason, "at",
			 pw_clock_format(h->at, when, sizeof(when)), "packages",
			 (json_int_t)h->packages, "digest", h->digest);
}

static json_t *group_json(const struct pw_group *g)
{
	struct pw_buf b = PW_BUF_INIT;
	struct pw_jsonw w;
	pw_jsonw_init(&w, &b, false);
	pw_registry_write_group(&w, g);
	json_t *j = parse_written(&w, &b);
	pw_buf_free(&b);
	return j;
}

static bool cursor_id(const struct pw_page *pg, struct pw_response *resp, int64_t *out)
{
	*out = 0;
	if (!pg->cursor)
		return true;
	char *end;
	long long v = strtoll(pg->cursor, &end, 10);
	if (*end || end == pg->cursor || v <= 0) {
		pw_http_error(resp, 400, "invalid_request", "cursor: not one this API gave");
		return false;
	}
	*out = v;
	return true;
}

/* Answer a service call's error; true when there was none. */
static bool finish(struct pw_request *r, struct pw_response *resp, pw_err rc,
		   struct pw_error *e)
{
	if (rc) {
		pw_http_error_from(resp, e);
		return false;
	}
	return true;
}

static void reply_host(struct pw_request *r, struct pw_response *resp, int64_t id, int status)
{
	struct pw_arena a;
	pw_arena_init(&a);
	struct pw_host h;
	struct pw_error e = { 0 };
	struct pw_inventory_held held;
	bool is_held = false;
	if (pw_registry_host_get(r->store, id, &a, &h, &e) ||
	    pw_inventory_hold_get(r->store, id, &held, NULL, &is_held, &e)) {
		pw_http_error_from(resp, &e);
	} else {
		json_t *j = host_json(&h, pw_clock_now(), stale_after(r));
		if (j && is_held)
			json_object_set_new(j, "inventory_held", held_json(&held));
		if (j)
			pw_http_json(resp, status, j);
		else
			pw_http_error(resp, 500, "internal", "out of memory");
	}
	pw_arena_free(&a);
}

/* An existing host's id from the path (404 otherwise). */
static bool host_param(struct pw_request *r, struct pw_response *resp, int64_t *id)
{
	if (!pw_http_param_id(r, 0, resp, id))
		return false;
	struct pw_arena a;
	pw_arena_init(&a);
	struct pw_host h;
	struct pw_error e = { 0 };
	pw_err rc = pw_registry_host_get(r->store, *id, &a, &h, &e);
	pw_arena_free(&a);
	if (rc) {
		pw_http_error_from(resp, &e);
		return false;
	}
	return true;
}

/* ---- hosts ---- */

struct host_page {
	json_t *items;
	int64_t now, stale, last;
	struct pw_buf *csv; /* CSV instead of JSON */
	int64_t n;
};

static pw_err host_item(void *ctx, const struct pw_host *h)
{
	struct host_page *p = ctx;
	if (p->csv) {
		p->last = h->id;
		p->n++;
		return pw_host_csv_row(p->csv, h) ? PW_ERR_NOMEM : PW_OK;
	}
	json_t *j = host_json(h, p->now, p->stale);
	if (!j || json_array_append_new(p->items, j))
		return PW_ERR_NOMEM;
	p->last = h->id;
	return PW_OK;
}

static bool is_id(const char *s, int64_t *out)
{
	char *end;
	long long v = strtoll(s, &end, 10);
	if (!*s || *end || v <= 0 || s[0] == '+' || s[0] == '-' || s[0] == ' ')
		return false;
	*out = v;
	return true;
}

static void hosts_list(struct pw_request *r, struct pw_response *resp)
{
	struct pw_page pg;
	if (!pw_http_page_args(r, resp, &pg))
		return;
	struct pw_host_query q = { .limit = pg.limit, .now = pw_clock_now(),
				   .stale_after = stale_after(r) };
	if (!cursor_id(&pg, resp, &q.after_id))
		return;
	const char *v;
	if ((v = pw_http_query(r, "group")) && !is_id(v, &q.group_id))
		q.group = v;
	q.os = pw_http_query(r, "os");
	q.release = pw_http_query(r, "release");
	q.tag = pw_http_query(r, "tag");
	q.environment = pw_http_query(r, "environment");
	q.q = pw_http_query(r, "q");
	q.filter = pw_http_query(r, "filter");
	if ((v = pw_http_query(r, "stale"))) {
		if (strcmp(v, "true") == 0 || strcmp(v, "1") == 0) {
			q.stale = 1;
		} else if (strcmp(v, "false") == 0 || strcmp(v, "0") == 0) {
			q.stale = -1;
		} else {
			pw_http_error(resp, 400, "invalid_request", "stale must be true or false");
			return;
		}
	}
	if ((v = pw_http_query(r, "retired"))) {
		if (strcmp(v, "true") && strcmp(v, "false")) {
			pw_http_error(resp, 400, "invalid_request",
				      "retired must be true or false");
			return;
		}
		q.include_retired = strcmp(v, "true") == 0;
	}
	const char *tn[2] = { "since", "until" };
	int64_t *tv[2] = { &q.seen_since, &q.seen_until };
	for (int i = 0; i < 2; i++) {
		if ((v = pw_http_query(r, tn[i])) &&
		    !pw_timearg_parse(v, q.now, PW_TIMEARG_PAST, tv[i])) {
			pw_http_error(resp, 400, "invalid_request", "%s must be a duration (30d), a "
				      "date (2026-11-01) or an RFC 3339 time, not '%.40s'", tn[i], v);
			return;
		}
	}
	bool csv;
	if (!pw_http_wants_csv(r, resp, &csv))
		return;
	struct host_page p = { json_array(), q.now, q.stale_after, 0, csv ? &resp->body : NULL, 0 };
	if (csv)
		pw_host_csv_header(&resp->body);
	struct pw_error e = { 0 };
	pw_err rc = pw_registry_each_host_matching(r->store, &q, host_item, &p, &e);
	if (rc) {
		pw_buf_reset(&resp->body);
		json_decref(p.items);
		if (rc == PW_ERR_NOMEM)
			pw_error_set(&e, rc, "out of memory");
		if (rc == PW_ERR_NOTFOUND) /* an unknown group in the query */
			e.code = PW_ERR_INVALID;
		pw_http_error_from(resp, &e);
		return;
	}
	char next[32];
	snprintf(next, sizeof(next), "%lld", (long long)p.last);
	if (csv) {
		json_decref(p.items);
		pw_http_csv_page(resp, p.n == pg.limit ? next : NULL);
		return;
	}
	pw_http_page(resp, p.items, (int64_t)json_array_size(p.items) == pg.limit ? next : NULL);
}

static void hosts_get(struct pw_request *r, struct pw_response *resp)
{
	int64_t id;
	if (!pw_http_param_id(r, 0, resp, &id))
		return;
	reply_host(r, resp, id, 200);
}

/* A JSON string or null for an attribute; false (and 400) otherwise. */
static bool attr_string(json_t *v, const char *key, struct pw_response *resp, const char **out)
{
	if (json_is_null(v)) {
		*out = NULL;
		return true;
	}
	if (!json_is_string(v)) {
		pw_http_error(resp, 400, "invalid_request", "%s must be a string or null", key);
		return false;
	}
	const char *s = json_string_value(v);
	*out = *s ? s : NULL;
	return true;
}

static void hosts_patch(struct pw_request *r, struct pw_response *resp)
{
	int64_t id;
	if (!pw_http_param_id(r, 0, resp, &id))
		return;
	json_t *body = pw_http_body_json(r, resp);
	if (!body)
		return;
	struct pw_host_patch p = { 0 };
	const char *tags[64];
	const char *key;
	json_t *v;
	json_object_foreach(body, key, v) {
		if (strcmp(key, "owner") == 0) {
			p.set_owner = true;
			if (!attr_string(v, key, resp, &p.owner))
				goto out;
		} else if (strcmp(key, "environment") == 0) {
			p.set_environment = true;
			if (!attr_string(v, key, resp, &p.environment))
				goto out;
		} else if (strcmp(key, "exposure") == 0) {
			p.set_exposure = true;
			if (!attr_string(v, key, resp, &p.exposure))
				goto out;
		} else if (strcmp(key, "site") == 0) {
			p.set_site = true;
			if (!attr_string(v, key, resp, &p.site))
				goto out;
		} else if (strcmp(key, "criticality") == 0) {
			p.set_criticality = true;
			if (json_is_null(v)) {
				p.criticality = 0;
			} else if (json_is_integer(v) && json_integer_value(v) >= 1 &&
				   json_integer_value(v) <= 5) {
				p.criticality = (int)json_integer_value(v);
			} else {
				pw_http_error(
					resp, 400, "invalid_request",
					"criticality must be an integer from 1 to 5, or null");
				goto out;
			}
		} else if (strcmp(key, "tags") == 0) {
			p.set_tags = true;
			if (!json_is_array(v) || json_array_size(v) > 64) {
				pw_http_error(resp, 400, "invalid_request",
					      "tags must be an array of at most 64 strings");
				goto out;
			}
			size_t i;
			json_t *t;
			json_array_foreach(v, i, t) {
				if (!json_is_string(t)) {
					pw_http_error(resp, 400, "invalid_request",
						      "tags[%zu] must be a string", i);
					goto out;
				}
				tags[i] = json_string_value(t);
			}
			p.tags = tags;
			p.ntags = json_array_size(v);
		} else {
			pw_http_error(
				resp, 400, "invalid_request",
				"unknown field '%.64s' (owner, environment, criticality, exposure,"
				" site, tags)",
				key);
			goto out;
		}
	}
	struct pw_error e = { 0 };
	struct pw_policy policy;
	bool risk = p.set_environment || p.set_criticality || p.set_exposure;
	/* the policy first: the assessor's lock is never taken inside a
	 * transaction. Without one the assessor's next run scores the host. */
	if (risk && pw_assessor_policy_shared(r->server, &policy, &e)) {
		pw_server_log("warning", "host %lld: findings not scored again at once: %s",
			      (long long)id, e.msg);
		risk = false;
	}
	if (finish(r, resp, pw_hosts_update(r->store, id, &p, risk ? &policy : NULL, r->who.actor,
					    &e), &e))
		reply_host(r, resp, id, 200);
out:
	json_decref(body);
}

static void hosts_delete(struct pw_request *r, struct pw_response *resp)
{
	int64_t id;
	if (!pw_http_param_id(r, 0, resp, &id))
		return;
	struct pw_error e = { 0 };
	if (finish(r, resp, pw_hosts_retire(r->store, id, pw_clock_now(), r->who.actor, &e), &e))
		reply_host(r, resp, id, 200);
}

struct pkg_page {
	json_t *items;
	int64_t last;
};

static pw_err pkg_item(void *ctx, int64_t row_id, const struct pw_package *p)
{
	struct pkg_page *pg = ctx;
	json_t *o = json_object();
	if (!o)
		return PW_ERR_NOMEM;
	json_object_set_new(o, "family", json_string(pw_family_name(p->family)));
	json_object_set_new(o, "name", json_string(p->name));
	json_object_set_new(o, "arch", json_string(p->arch ? p->arch : ""));
	json_object_set_new(o, "version", json_string(p->version));
	if (p->source_name)
		json_object_set_new(o, "source_name", json_string(p->source_name));
	if (p->source_version)
		json_object_set_new(o, "source_version", json_string(p->source_version));
	json_object_set_new(o, "state", json_string(pw_state_name(p->state)));
	if (p->candidate_version) {
		json_t *c = json_object();
		json_object_set_new(c, "version", json_string(p->candidate_version));
		if (p->candidate_origin)
			json_object_set_new(c, "origin", json_string(p->candidate_origin));
		json_object_set_new(c, "security", json_boolean(p->candidate_security));
		json_object_set_new(o, "candidate", c);
	}
	if (p->is_kernel)
		json_object_set_new(o, "kernel", json_true());
	pg->last = row_id;
	return json_array_append_new(pg->items, o) ? PW_ERR_NOMEM : PW_OK;
}

/* Answer with a page of package rows or changes, keyed by row id, or with
 * the error that stopped the listing. */
static void page_reply(struct pw_response *resp, pw_err rc, struct pkg_page *p, int64_t limit,
		       struct pw_error *e)
{
	if (rc) {
		json_decref(p->items);
		if (rc == PW_ERR_NOMEM)
			pw_error_set(e, rc, "out of memory");
		pw_http_error_from(resp, e);
		return;
	}
	char next[32];
	snprintf(next, sizeof(next), "%lld", (long long)p->last);
	pw_http_page(resp, p->items, (int64_t)json_array_size(p->items) == limit ? next : NULL);
}

static void hosts_inventory(struct pw_request *r, struct pw_response *resp)
{
	int64_t id, after;
	struct pw_page pg;
	if (!pw_http_page_args(r, resp, &pg) || !cursor_id(&pg, resp, &after) ||
	    !host_param(r, resp, &id))
		return;
	struct pkg_page p = { json_array(), 0 };
	struct pw_error e = { 0 };
	pw_err rc = pw_registry_each_package(r->store, id, after, pg.limit, pkg_item, &p, &e);
	page_reply(resp, rc, &p, pg.limit, &e);
}

static pw_err change_item(void *ctx, const struct pw_package_change *c)
{
	struct pkg_page *pg = ctx;
	json_t *o = json_object();
	char at[32];
	if (!o)
		return PW_ERR_NOMEM;
	json_object_set_new(o, "id", json_integer(c->id));
	json_object_set_new(o, "at", json_string(pw_clock_format(c->at, at, sizeof(at))));
	json_object_set_new(o, "family", json_string(c->family));
	json_object_set_new(o, "name", json_string(c->name));
	json_object_set_new(o, "arch", json_string(c->arch ? c->arch : ""));
	json_object_set_new(o, "old_version", c->old_version ? json_string(c->old_version)
							     : json_null());
	json_object_set_new(o, "new_version", c->new_version ? json_string(c->new_version)
							     : json_null());
	json_object_set_new(o, "change", json_string(!c->old_version   ? "installed"
						     : !c->new_version ? "removed"
								       : "changed"));
	pg->last = c->id;
	return json_array_append_new(pg->items, o) ? PW_ERR_NOMEM : PW_OK;
}

static void hosts_history(struct pw_request *r, struct pw_response *resp)
{
	int64_t id, before;
	struct pw_page pg;
	if (!pw_http_page_args(r, resp, &pg) || !cursor_id(&pg, resp, &before) ||
	    !host_param(r, resp, &id))
		return;
	struct pkg_page p = { json_array(), 0 };
	struct pw_error e = { 0 };
	pw_err rc = pw_registry_each_change(r->store, id, before, pg.limit, change_item, &p, &e);
	page_reply(resp, rc, &p, pg.limit, &e);
}

/* An admin's decision: the inventory held for review becomes the host's
 * current one (its findings follow at the next assessment). */
static void hosts_accept_inventory(struct pw_request *r, struct pw_response *resp)
{
	int64_t id;
	if (!pw_http_param_id(r, 0, resp, &id))
		return;
	struct pw_error e = { 0 };
	struct pw_inventory_delta d = { 0 };
	struct pw_host h;
	struct pw_arena a;
	pw_arena_init(&a);
	pw_err rc = pw_registry_host_get(r->store, id, &a, &h, &e);
	pw_arena_free(&a);
	if (rc) {
		pw_http_error_from(resp, &e);
		return;
	}
	rc = pw_hosts_accept_held(r->store, id, pw_clock_now(), r->who.actor, &d, &e);
	if (rc == PW_ERR_NOTFOUND) {
		pw_http_error(resp, 409, "nothing_held", "%s", e.msg);
		return;
	}
	if (rc) {
		pw_http_error_from(resp, &e);
		return;
	}
	pw_server_log("info", "held inventory of host %lld accepted by %s", (long long)id,
		      r->who.actor);
	pw_http_json(resp, 200,
		     json_pack("{s:I,s:s,s:I,s:I,s:I,s:I}", "host_id", (json_int_t)id, "status",
			       "applied", "added", (json_int_t)d.added, "removed",
			       (json_int_t)d.removed, "changed", (json_int_t)d.changed,
			       "unchanged", (json_int_t)d.unchanged));
}

/* ---- agentless inventories and devices ---- */

static void inventories_upload(struct pw_request *r, struct pw_response *resp)
{
	json_t *body = pw_http_body_json(r, resp);
	if (!body)
		return;
	struct pw_inventory inv;
	pw_inventory_init(&inv, "/");
	struct pw_error e = { 0 };
	const char *group = pw_http_query(r, "group");
	if (pw_inventory_from_json(&inv, body, &e)) {
		pw_http_error(resp, 400, "invalid_inventory", "%s", e.msg);
		goto out;
	}
	struct pw_import_request rq = { .inv = &inv, .group = group,
					.max_loss_percent = pw_server_max_package_loss(r->server),
					.actor = r->who.actor, .now = pw_clock_now() };
	struct pw_import_result res;
	if (pw_import_inventory(r->store, &rq, &res, &e)) {
		if (e.code == PW_ERR_INVALID)
			pw_http_error(resp, 400, "invalid_inventory", "%s", e.msg);
		else
			pw_http_error_from(resp, &e);
		goto out;
	}
	const struct pw_intake *in = &res.in;
	json_t *doc = json_object();
	json_object_set_new(doc, "host_id", json_integer(res.host_id));
	json_object_set_new(doc, "created", json_boolean(res.created));
	json_object_set_new(doc, "digest", json_string(res.digest));
	json_object_set_new(doc, "status", json_string(in->held ? "held" : "applied"));
	if (in->held) {
		pw_server_log("warning", "inventory of host %lld (%s) held for review: %s",
			      (long long)res.host_id,
			      inv.host.hostname ? inv.host.hostname : inv.host.machine_id, in->reason);
		json_object_set_new(doc, "reason", json_string(in->reason));
		pw_http_json(resp, 202, doc);
		goto out;
	}
	json_object_set_new(doc, "added", json_integer((json_int_t)in->d.added));
	json_object_set_new(doc, "removed", json_integer((json_int_t)in->d.removed));
	json_object_set_new(doc, "changed", json_integer((json_int_t)in->d.changed));
	json_object_set_new(doc, "unchanged", json_integer((json_int_t)in->d.unchanged));
	pw_http_json(resp, res.created ? 201 : 200, doc);
out:
	pw_inventory_free(&inv);
	json_decref(body);
}

struct bad_lines {
	struct pw_buf msg;
	int n;
};

static void bad_line(void *ctx, size_t line, const char *field, const char *reason)
{
	struct bad_lines *b = ctx;
	if (b->n++ < MAX_BAD_LINES_SHOWN)
		pw_buf_addf(&b->msg, "%s%zu:%s: %s", b->n > 1 ? "; " : "", line, field, reason);
}

static void devices_upload(struct pw_request *r, struct pw_response *resp)
{
	const char *ct = pw_http_header(r, "Content-Type");
	if (!ct || strncasecmp(ct, "text/csv", 8) != 0 || (ct[8] && ct[8] != ';' && ct[8] != ' ')) {
		pw_http_error(resp, 415, "unsupported_media_type",
			      "the device list must be sent as text/csv");
		return;
	}
	if (!r->body || r->body_len == 0) {
		pw_http_error(resp, 400, "invalid_csv", "the body is empty");
		return;
	}
	struct bad_lines b = { PW_BUF_INIT, 0 };
	struct pw_device_import res = { 0 };
	struct pw_error e = { 0 };
	pw_err rc = pw_hosts_import_devices(r->store, r->body, r->body_len, pw_clock_now(),
					    r->who.actor, &res, bad_line, &b, &e);
	if (rc && b.n) {
		pw_http_error(resp, 400, "invalid_csv", "%d bad line%s, nothing stored: %s%s", b.n,
			      b.n == 1 ? "" : "s", b.msg.data ? b.msg.data : "",
			      b.n > MAX_BAD_LINES_SHOWN ? "; ..." : "");
		pw_buf_free(&b.msg);
		return;
	}
	pw_buf_free(&b.msg);
	if (!finish(r, resp, rc, &e))
		return;
	json_t *doc = json_object();
	json_object_set_new(doc, "lines", json_integer(res.lines));
	json_object_set_new(doc, "created", json_integer(res.created));
	json_object_set_new(doc, "updated", json_integer(res.updated));
	json_object_set_new(doc, "cpes_added", json_integer(res.cpes_added));
	pw_http_json(resp, 200, doc);
}

/* ---- groups ---- */

struct group_page {
	json_t *items;
	const char *after; /* cursor: the last name of the previous page */
	int64_t limit;
	const char *last;
	char last_buf[80];
};

static pw_err group_item(void *ctx, const struct pw_group *g)
{
	struct group_page *p = ctx;
	if (p->after && strcmp(g->name, p->after) <= 0)
		return PW_OK;
	if ((int64_t)json_array_size(p->items) >= p->limit)
		return PW_OK;
	json_t *j = group_json(g);
	if (!j || json_array_append_new(p->items, j))
		return PW_ERR_NOMEM;
	snprintf(p->last_buf, sizeof(p->last_buf), "%s", g->name);
	p->last = p->last_buf;
	return PW_OK;
}

static void groups_list(struct pw_request *r, struct pw_response *resp)
{
	struct pw_page pg;
	if (!pw_http_page_args(r, resp, &pg))
		return;
	struct group_page p = { json_array(), pg.cursor, pg.limit, NULL, "" };
	struct pw_error e = { 0 };
	pw_err rc = pw_registry_each_group(r->store, group_item, &p, &e);
	if (rc) {
		json_decref(p.items);
		if (rc == PW_ERR_NOMEM)
			pw_error_set(&e, rc, "out of memory");
		pw_http_error_from(resp, &e);
		return;
	}
	pw_http_page(resp, p.items,
		     (int64_t)json_array_size(p.items) == pg.limit ? p.last : NULL);
}

struct members {
	json_t *hosts;
	int64_t n;
};

static pw_err member_item(void *ctx, const struct pw_host *h)
{
	struct members *m = ctx;
	if (m->n++ >= MAX_GROUP_MEMBERS_SHOWN)
		return PW_OK;
	json_t *o = json_object();
	if (!o)
		return PW_ERR_NOMEM;
	json_object_set_new(o, "id", json_integer(h->id));
	json_object_set_new(o, "hostname", json_string(h->hostname ? h->hostname : ""));
	return json_array_append_new(m->hosts, o) ? PW_ERR_NOMEM : PW_OK;
}

static void reply_group(struct pw_request *r, struct pw_response *resp, int64_t id, int status)
{
	struct pw_arena a;
	pw_arena_init(&a);
	struct pw_group g;
	struct pw_error e = { 0 };
	struct members m = { json_array(), 0 };
	pw_err rc = pw_registry_group_get(r->store, id, &a, &g, &e);
	if (!rc) {
		struct pw_host_query q = { .group_id = id };
		rc = pw_registry_each_host_matching(r->store, &q, member_item, &m, &e);
		if (rc == PW_ERR_NOMEM)
			pw_error_set(&e, rc, "out of memory");
	}
	json_t *j = rc ? NULL : group_json(&g);
	if (rc) {
		pw_http_error_from(resp, &e);
		json_decref(m.hosts);
	} else if (!j) {
		pw_http_error(resp, 500, "internal", "out of memory");
		json_decref(m.hosts);
	} else {
		/* the members as they are now (a dynamic group's filter evaluated) */
		json_object_set_new(j, "hosts", m.hosts);
		json_object_set_new(j, "host_count", json_integer(m.n));
		pw_http_json(resp, status, j);
	}
	pw_arena_free(&a);
}

static void groups_get(struct pw_request *r, struct pw_response *resp)
{
	int64_t id;
	if (!pw_http_param_id(r, 0, resp, &id))
		return;
	reply_group(r, resp, id, 200);
}

/* Optional string member: absent (NULL, true), string, or 400. */
static bool opt_string(json_t *body, const char *key, struct pw_response *resp,
		       const char **out)
{
	json_t *v = json_object_get(body, key);
	*out = NULL;
	if (!v)
		return true;
	if (!json_is_string(v)) {
		pw_http_error(resp, 400, "invalid_request", "%s must be a string", key);
		return false;
	}
	*out = json_string_value(v);
	return true;
}

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

/* The host ids of body[key] (an array of positive integers). */
static bool host_ids(json_t *arr, const char *key, struct pw_response *resp, int64_t **ids,
		     size_t *n)
{
	*ids = NULL;
	*n = 0;
	if (!json_is_array(arr) || json_array_size(arr) > 10000) {
		pw_http_error(resp, 400, "invalid_request",
			      "%s must be an array of at most 10000 host ids", key);
		return false;
	}
	if (json_array_size(arr) == 0)
		return true;
	*ids = calloc(json_array_size(arr), sizeof(**ids));
	if (!*ids) {
		pw_http_error(resp, 500, "internal", "out of memory");
		return false;
	}
	size_t i;
	json_t *v;
	json_array_foreach(arr, i, v) {
		if (!json_is_integer(v) || json_integer_value(v) <= 0) {
			pw_http_error(resp, 400, "invalid_request", "%s[%zu] must be a host id",
				      key, i);
			free(*ids);
			*ids = NULL;
			return false;
		}
		(*ids)[i] = json_integer_value(v);
	}
	*n = json_array_size(arr);
	return true;
}

/* An unknown host in a request's list of hosts: the body is at fault (400),
 * not the path (404). */
static pw_err unknown_host_is_invalid(pw_err rc, struct pw_error *e)
{
	if (rc != PW_ERR_NOTFOUND)
		return rc;
	e->code = PW_ERR_INVALID;
	return PW_ERR_INVALID;
}

static void groups_create(struct pw_request *r, struct pw_response *resp)
{
	json_t *body = pw_http_body_json(r, resp);
	if (!body)
		return;
	static const char *const keys[] = {
		"name", "kind", "filter", "description", "hosts", NULL
	};
	const char *name, *kind, *filter, *description;
	int64_t *hosts = NULL;
	size_t nhosts = 0;
	if (!only_keys(body, keys, resp) || !opt_string(body, "name", resp, &name) ||
	    !opt_string(body, "kind", resp, &kind) || !opt_string(body, "filter", resp, &filter) ||
	    !opt_string(body, "description", resp, &description))
		goto out;
	if (!name) {
		pw_http_error(resp, 400, "invalid_request", "name is required");
		goto out;
	}
	if (kind && strcmp(kind, "static") && strcmp(kind, "dynamic")) {
		pw_http_error(resp, 400, "invalid_request", "kind must be static or dynamic");
		goto out;
	}
	bool dynamic = kind ? strcmp(kind, "dynamic") == 0 : filter != NULL;
	if (dynamic && !filter) {
		pw_http_error(resp, 400, "invalid_request", "a dynamic group needs a filter");
		goto out;
	}
	if (!dynamic && filter) {
		pw_http_error(resp, 400, "invalid_request",
			      "a static group has no filter: it lists its hosts");
		goto out;
	}
	json_t *h = json_object_get(body, "hosts");
	if (h && dynamic) {
		pw_http_error(resp, 400, "invalid_request",
			      "a dynamic group's hosts come from its filter");
		goto out;
	}
	if (h && !host_ids(h, "hosts", resp, &hosts, &nhosts))
		goto out;
	struct pw_error e = { 0 };
	int64_t id = 0;
	pw_err rc = pw_groups_create(r->store, name, filter, description, hosts, nhosts,
				     pw_clock_now(), r->who.actor, &id, &e);
	if (finish(r, resp, unknown_host_is_invalid(rc, &e), &e))
		reply_group(r, resp, id, 201);
out:
	free(hosts);
	json_decref(body);
}

static void groups_patch(struct pw_request *r, struct pw_response *resp)
{
	int64_t id;
	if (!pw_http_param_id(r, 0, resp, &id))
		return;
	json_t *body = pw_http_body_json(r, resp);
	if (!body)
		return;
	static const char *const keys[] = { "name", "filter", "description", NULL };
	const char *name, *filter, *description;
	if (!only_keys(body, keys, resp) || !opt_string(body, "name", resp, &name) ||
	    !opt_string(body, "filter", resp, &filter) ||
	    !opt_string(body, "description", resp, &description))
		goto out;
	struct pw_error e = { 0 };
	if (finish(r, resp, pw_groups_update(r->store, id, name, filter, description, r->who.actor,
					     &e), &e))
		reply_group(r, resp, id, 200);
out:
	json_decref(body);
}

static void groups_delete(struct pw_request *r, struct pw_response *resp)
{
	int64_t id;
	if (!pw_http_param_id(r, 0, resp, &id))
		return;
	struct pw_error e = { 0 };
	if (finish(r, resp, pw_groups_delete(r->store, id, r->who.actor, &e), &e))
		resp->status = 204;
}

static void groups_add_members(struct pw_request *r, struct pw_response *resp)
{
	int64_t id;
	if (!pw_http_param_id(r, 0, resp, &id))
		return;
	json_t *body = pw_http_body_json(r, resp);
	if (!body)
		return;
	static const char *const keys[] = { "hosts", NULL };
	int64_t *hosts = NULL, added = 0;
	size_t n = 0;
	if (!only_keys(body, keys, resp))
		goto out;
	json_t *h = json_object_get(body, "hosts");
	if (!h) {
		pw_http_error(resp, 400, "invalid_request", "hosts is required");
		goto out;
	}
	if (!host_ids(h, "hosts", resp, &hosts, &n))
		goto out;
	struct pw_error e = { 0 };
	struct pw_arena a;
	pw_arena_init(&a);
	struct pw_group g;
	/* an unknown group is 404; an unknown host in the list is the body's fault */
	pw_err rc = pw_registry_group_get(r->store, id, &a, &g, &e);
	pw_arena_free(&a);
	if (rc) {
		pw_http_error_from(resp, &e);
		goto out;
	}
	rc = pw_groups_add_members(r->store, id, hosts, n, r->who.actor, &added, &e);
	if (!finish(r, resp, unknown_host_is_invalid(rc, &e), &e))
		goto out;
	pw_arena_init(&a);
	rc = pw_registry_group_get(r->store, id, &a, &g, &e);
	if (rc) {
		pw_http_error_from(resp, &e);
	} else {
		json_t *doc = json_object();
		json_object_set_new(doc, "added", json_integer(added));
		json_object_set_new(doc, "members", json_integer(g.members));
		pw_http_json(resp, 200, doc);
	}
	pw_arena_free(&a);
out:
	free(hosts);
	json_decref(body);
}

const struct pw_route pw_api_assets_routes[] = {
	{ "GET", "/api/v1/hosts", hosts_list, R_ALL },
	{ "GET", "/api/v1/hosts/{id}", hosts_get, R_ALL },
	{ "PATCH", "/api/v1/hosts/{id}", hosts_patch, W_HOSTS },
	{ "DELETE", "/api/v1/hosts/{id}", hosts_delete, W_HOSTS },
	{ "GET", "/api/v1/hosts/{id}/inventory", hosts_inventory, R_ALL },
	{ "GET", "/api/v1/hosts/{id}/history", hosts_history, R_ALL },
	{ "POST", "/api/v1/hosts/{id}/inventory/accept", hosts_accept_inventory,
	  PW_ALLOW_ROLE(PW_ROLE_ADMIN) },
	{ "POST", "/api/v1/inventories", inventories_upload, W_HOSTS },
	{ "POST", "/api/v1/devices", devices_upload, W_ASSETS },
	{ "GET", "/api/v1/groups", groups_list, R_ALL },
	{ "POST", "/api/v1/groups", groups_create, W_ASSETS },
	{ "GET", "/api/v1/groups/{id}", groups_get, R_ALL },
	{ "PATCH", "/api/v1/groups/{id}", groups_patch, W_ASSETS },
	{ "DELETE", "/api/v1/groups/{id}", groups_delete, W_ASSETS },
	{ "POST", "/api/v1/groups/{id}/members", groups_add_members, W_ASSETS },
	{ NULL, NULL, NULL, 0 },
};
