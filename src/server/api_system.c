/* api_system.c - GET /api/v1/health and GET /api/v1/openapi.json, both
 * public: a load balancer or a monitor asks the first without credentials;
 * the second is the API's own description, merged from docs/openapi at
 * build time (openapi_embed.c). */
#include "pw_http.h"

#include <string.h>

#include "pw_config.h"
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

const struct pw_route pw_api_system_routes[] = {
	{ "GET", "/api/v1/health", get_health, PW_ALLOW_PUBLIC },
	{ "GET", "/api/v1/openapi.json", get_openapi, PW_ALLOW_PUBLIC },
	{ NULL, NULL, NULL, 0 },
};
