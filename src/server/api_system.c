/* api_system.c - GET /api/v1/health and GET /api/v1/openapi.json, both
 * public: a load balancer or a monitor asks the first without credentials;
 * the second is the API's own description, merged from docs/openapi at
 * build time (openapi_embed.c). GET /api/v1/system/status, for any role:
 * the feed sync schedule and each feed's state and last sync. */
#include "pw_http.h"

#include <string.h>

#include "pw_clock.h"
#include "pw_config.h"
#include "pw_feed_sync_task.h"
#include "pw_feed_syncs.h"
#include "pw_server.h"
#include "pw_store.h"

extern const char pw_openapi_json[];
extern const size_t pw_openapi_json_len;

static pw_err add_component(void *ctx, const char *name, int64_t version)
{
	if (strcmp(name, "store") != 0)
		json_object_set_new(ctx, name, json_integer(version));
	return PW_OK;
}

/* {"status":"ok","version":"0.1.0","schema":{"store":N,"audit":1,...}}, or
 * 503 store_corrupt when the file is cut short or damaged, or the core
 * tables do not read (a store truncated to half used to say "ok": the
 * connection answered from its cache) */
static void get_health(struct pw_request *r, struct pw_response *resp)
{
	struct pw_error e = { 0 };
	if (pw_store_check_file(r->store, &e) ||
	    pw_store_check_tables(r->store, &e)) {
		if (e.code == PW_ERR_FULL || e.code == PW_ERR_CORRUPT) {
			pw_http_error_from(resp, &e);
		} else {
			pw_server_log("error", "health: %s", e.msg);
			pw_http_error(resp, 503, "unavailable",
				      "the store cannot be read; see the server log");
		}
		return;
	}
	json_t *schema = json_object();
	json_object_set_new(schema, "store", json_integer(pw_store_schema_version(r->store)));
	if (pw_store_each_component(r->store, add_component, schema, &e)) {
		json_decref(schema);
		pw_http_error(resp, 503, "unavailable", "the store cannot be read: %s", e.msg);
		return;
	}
	pw_http_json(resp, 200,
		     json_pack("{s:s,s:s,s:o}", "status", "ok", "version", PW_VERSION, "schema",
			       schema));
}

static void get_openapi(struct pw_request *r, struct pw_response *resp)
{
	resp->status = 200;
	resp->content_type = "application/json";
	if (pw_buf_add(&resp->body, pw_openapi_json, pw_openapi_json_len) != PW_OK)
		pw_http_error(resp, 500, "internal", "out of memory");
}

static json_t *time_or_null(int64_t t)
{
	char buf[32];
	return t > 0 ? json_string(pw_clock_format(t, buf, sizeof(buf))) : json_null();
}

/* The feed's object in feeds (by name), made when first met. */
static json_t *feed_entry(json_t *feeds, const char *name)
{
	json_t *f = json_object_get(feeds, name);
	if (!f) {
		f = json_pack("{s:s,s:n,s:i,s:n,s:n,s:n}", "feed", name, "url", "records", 0,
			      "last_checked", "last_changed", "last_sync");
		json_object_set_new(feeds, name, f);
	}
	return f;
}

static pw_err add_state(void *ctx, const struct pw_feed_state *st)
{
	json_t *f = feed_entry(ctx, st->feed);
	json_object_set_new(f, "url", st->url ? json_string(st->url) : json_null());
	json_object_set_new(f, "records", json_integer((json_int_t)st->records));
	json_object_set_new(f, "last_checked", time_or_null(st->last_checked));
	json_object_set_new(f, "last_changed", time_or_null(st->last_changed));
	return PW_OK;
}

static pw_err add_sync(void *ctx, const struct pw_feed_sync_outcome *o, struct pw_error *e)
{
	json_t *f = feed_entry(ctx, o->feed);
	json_t *last = json_pack("{s:o,s:o,s:s,s:s?,s:s,s:I,s:I,s:I,s:I,s:I,s:I}", "started",
				 time_or_null(o->started), "finished", time_or_null(o->finished),
				 "outcome", o->outcome ? o->outcome : "failed", "error", o->error,
				 "via", o->via ? o->via : "cli", "read", (json_int_t)o->read,
				 "added", (json_int_t)o->added, "updated", (json_int_t)o->updated,
				 "unchanged", (json_int_t)o->unchanged, "skipped",
				 (json_int_t)o->skipped, "bytes", (json_int_t)o->bytes);
	json_object_set_new(f, "last_sync", last);
	return PW_OK;
}

/* {"version", "schedule": {...}, "feeds": [...]}: what the server does on
 * its own and how fresh each feed is, the last sync's outcome included
 * (a failure leaves the feed's state as it was; this says why). */
static void get_status(struct pw_request *r, struct pw_response *resp)
{
	struct pw_error e = { 0 };
	json_t *byname = json_object();
	if (pw_store_each_feed_state(r->store, add_state, byname, &e) ||
	    pw_feed_syncs_each(r->store, add_sync, byname, &e)) {
		json_decref(byname);
		pw_http_error_from(resp, &e);
		return;
	}
	/* by name: the order of a JSON object is not a promise */
	json_t *feeds = json_array();
	while (json_object_size(byname)) {
		const char *least = NULL, *k;
		json_t *v;
		json_object_foreach(byname, k, v) {
			if (!least || strcmp(k, least) < 0)
				least = k;
		}
		json_array_append(feeds, json_object_get(byname, least));
		json_object_del(byname, least);
	}
	json_decref(byname);
	struct pw_feed_sync_schedule sch;
	pw_feed_sync_task_schedule(r->server, &sch);
	json_t *schedule = json_pack("{s:o,s:b,s:b,s:o,s:o}", "feed_sync_seconds",
				     sch.interval > 0 ? json_integer(sch.interval) : json_null(),
				     "reassess", sch.reassess, "running", sch.running,
				     "last_started", time_or_null(sch.last_started),
				     "last_finished", time_or_null(sch.last_finished));
	pw_http_json(resp, 200,
		     json_pack("{s:s,s:o,s:o}", "version", PW_VERSION, "schedule", schedule,
			       "feeds", feeds));
}

const struct pw_route pw_api_system_routes[] = {
	{ "GET", "/api/v1/health", get_health, PW_ALLOW_PUBLIC },
	{ "GET", "/api/v1/system/status", get_status, PW_ALLOW_ANY_ROLE },
	{ "GET", "/api/v1/openapi.json", get_openapi, PW_ALLOW_PUBLIC },
	{ NULL, NULL, NULL, 0 },
};
