/* api_system.c - GET /api/v1/health and GET /api/v1/openapi.json, both
 * public: a load balancer or a monitor asks the first without credentials;
 * the second is the API's own description, merged from docs/openapi at
 * build time (openapi_embed.c). */
#include "pw_http.h"

#include <string.h>

#include "pw_config.h"
#include "pw_server.h"
#include "pw_sql.h"
#include "pw_store.h"

extern const char pw_openapi_json[];
extern const size_t pw_openapi_json_len;

static pw_err add_component(void *ctx, const struct pw_sql_row *row, struct pw_error *e)
{
	json_t *schema = ctx;
	const char *name = pw_sql_text(row, 0);
	if (name && strcmp(name, "store") != 0)
		json_object_set_new(schema, name, json_integer(pw_sql_int(row, 1)));
	return PW_OK;
}

/* The core tables, one row each: a read that reaches their pages. */
static pw_err read_core_tables(struct pw_store *s, struct pw_error *e)
{
	static const char *const reads[] = {
		"SELECT 1 FROM users LIMIT 1",    "SELECT 1 FROM hosts LIMIT 1",
		"SELECT 1 FROM findings LIMIT 1", "SELECT 1 FROM audit_log ORDER BY seq DESC LIMIT 1",
		"SELECT 1 FROM vulns LIMIT 1",
	};
	pw_err rc = PW_OK;
	for (size_t i = 0; i < sizeof(reads) / sizeof(reads[0]) && !rc; i++)
		rc = pw_sql_run(s, reads[i], PW_SQL_NOARGS, NULL, NULL, NULL, e);
	return rc;
}

/* {"status":"ok","version":"0.1.0","schema":{"store":N,"audit":1,...}}, or
 * 503 store_corrupt when the file is cut short or damaged, or the core
 * tables do not read (a store truncated to half used to say "ok": the
 * connection answered from its cache) */
static void get_health(struct pw_request *r, struct pw_response *resp)
{
	struct pw_error e = { 0 };
	if (pw_store_check_file(r->store, &e) ||
	    read_core_tables(r->store, &e)) {
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
	/* each component's migrations (pw_sql_migrate keeps them there) */
	if (pw_sql_run(r->store, "SELECT component, version FROM component_schema ORDER BY component",
		       PW_SQL_NOARGS, add_component, schema, NULL, &e)) {
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
