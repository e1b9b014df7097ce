/* test_http.c - the HTTP layer without a socket: route matching, path
 * checks, ids, pagination, JSON bodies, error responses. The same code
 * answers real requests in test_server_http.sh. */
#include "pw_test.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "pw_http.h"
#include "server_internal.h"

static void h_dummy(struct pw_request *r, struct pw_response *resp)
{
}

static const struct pw_route table_a[] = {
	{ "GET", "/api/v1/hosts", h_dummy, PW_ALLOW_ANY_ROLE },
	{ "POST", "/api/v1/hosts", h_dummy, PW_ALLOW_ANY_ROLE },
	{ "GET", "/api/v1/hosts/{id}", h_dummy, PW_ALLOW_ANY_ROLE },
	{ "PATCH", "/api/v1/hosts/{id}", h_dummy, PW_ALLOW_ANY_ROLE },
	{ "GET", "/api/v1/hosts/{id}/packages/{name}", h_dummy, PW_ALLOW_ANY_ROLE },
	{ NULL, NULL, NULL, 0 },
};
static const struct pw_route table_b[] = {
	{ "GET", "/api/v1/hosts/stale", h_dummy, PW_ALLOW_ANY_ROLE }, /* after {id}: never reached */
	{ "DELETE", "/api/v1/hosts/{id}", h_dummy, PW_ALLOW_ANY_ROLE },
	{ "GET", "/api/v1/a/{x}/{y}/{z}/{w}", h_dummy, PW_ALLOW_ANY_ROLE },
	{ NULL, NULL, NULL, 0 },
};
static const struct pw_route *const tables[] = { table_a, table_b, NULL };

struct match {
	enum pw_route_status st;
	const struct pw_route *route;
	const char *params[PW_ROUTE_MAX_PARAMS];
	size_t n;
	char scratch[1024];
	struct pw_buf allow;
};

static enum pw_route_status route(struct match *m, const char *method, const char *path)
{
	struct pw_buf allow = m->allow; /* reused: the caller frees it once */
	memset(m, 0, sizeof(*m));
	m->allow = allow;
	m->st = pw_http_route(tables, method, path, m->scratch, &m->route, m->params, &m->n,
			      &m->allow);
	return m->st;
}

static void test_route_found(void **state)
{
	struct match m = { 0 };
	assert_int_equal(route(&m, "GET", "/api/v1/hosts"), PW_ROUTE_FOUND);
	assert_ptr_equal(m.route, &table_a[0]);
	assert_int_equal(m.n, 0);
	assert_int_equal(route(&m, "POST", "/api/v1/hosts"), PW_ROUTE_FOUND);
	assert_ptr_equal(m.route, &table_a[1]);
	assert_int_equal(route(&m, "GET", "/api/v1/hosts/42"), PW_ROUTE_FOUND);
	assert_ptr_equal(m.route, &table_a[2]);
	assert_int_equal(m.n, 1);
	assert_string_equal(m.params[0], "42");
	assert_int_equal(route(&m, "GET", "/api/v1/hosts/7/packages/libc6"), PW_ROUTE_FOUND);
	assert_int_equal(m.n, 2);
	assert_string_equal(m.params[0], "7");
	assert_string_equal(m.params[1], "libc6");
	/* tables in order: the first match wins */
	assert_int_equal(route(&m, "GET", "/api/v1/hosts/stale"), PW_ROUTE_FOUND);
	assert_ptr_equal(m.route, &table_a[2]);
	/* a later table */
	assert_int_equal(route(&m, "DELETE", "/api/v1/hosts/3"), PW_ROUTE_FOUND);
	assert_ptr_equal(m.route, &table_b[1]);
	/* HEAD is GET without the body */
	assert_int_equal(route(&m, "HEAD", "/api/v1/hosts/3"), PW_ROUTE_FOUND);
	assert_ptr_equal(m.route, &table_a[2]);
	assert_int_equal(route(&m, "GET", "/api/v1/a/1/2/3/4"), PW_ROUTE_FOUND);
	assert_int_equal(m.n, 4);
	assert_string_equal(m.params[3], "4");
	pw_buf_free(&m.allow);
}

static void test_route_not_found(void **state)
{
	static const char *const paths[] = {
		"/api/v1/hosts/",         /* empty segment */
		"/api/v1/hosts//packages/x",
		"/api/v1/hosts/..",
		"/api/v1/hosts/.",
		"/api/v1/hosts/1/",
		"/api/v1/host",
		"/api/v1/hostsx",
		"/api/v1",
		"/",
		"",
		"api/v1/hosts",
		"/api/v1/hosts/1/packages",
		"/api/v1/hosts/1/packages/a/b",
		"/api/v1/a/1/2/3",
		"//api/v1/hosts",
	};
	struct match m = { 0 };
	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		if (route(&m, "GET", paths[i]) != PW_ROUTE_NOT_FOUND)
			fail_msg("%s matched", paths[i]);
	}
	/* one byte over the limit of a parameter */
	char path[400] = "/api/v1/hosts/";
	size_t at = strlen(path);
	memset(path + at, '1', PW_HTTP_PARAM_MAX);
	path[at + PW_HTTP_PARAM_MAX] = '\0';
	assert_int_equal(route(&m, "GET", path), PW_ROUTE_FOUND);
	path[at + PW_HTTP_PARAM_MAX] = '1';
	path[at + PW_HTTP_PARAM_MAX + 1] = '\0';
	assert_int_equal(route(&m, "GET", path), PW_ROUTE_NOT_FOUND);
	pw_buf_free(&m.allow);
}

static void test_route_method(void **state)
{
	struct match m = { 0 };
	assert_int_equal(route(&m, "PUT", "/api/v1/hosts/9"), PW_ROUTE_BAD_METHOD);
	assert_string_equal(m.allow.data, "GET, PATCH, DELETE");
	assert_int_equal(route(&m, "DELETE", "/api/v1/hosts"), PW_ROUTE_BAD_METHOD);
	assert_string_equal(m.allow.data, "GET, POST");
	/* the shadowed route counts as GET once */
	assert_int_equal(route(&m, "POST", "/api/v1/hosts/stale"), PW_ROUTE_BAD_METHOD);
	assert_string_equal(m.allow.data, "GET, PATCH, DELETE");
	pw_buf_free(&m.allow);
}

/* Random paths over an alphabet that makes segments, dots, ids and bad
 * bytes likely: whatever matches has parameters that are non-empty,
 * slash-free, not "." or "..", and within the length limit; nothing reads
 * out of bounds (run under ASan). Fixed seed: the same cases every run. */
static void test_route_random(void **state)
{
	static const char alphabet[] = "//..a1{}v%\xff\x01hosts";
	unsigned seed = 12345;
	struct match m = { 0 };
	size_t found = 0;
	for (int iter = 0; iter < 200000; iter++) {
		char path[64];
		size_t n = (size_t)(rand_r(&seed) % 40);
		for (size_t i = 0; i < n; i++)
			path[i] = alphabet[rand_r(&seed) % (sizeof(alphabet) - 1)];
		path[n] = '\0';
		/* often a real prefix, so the deeper patterns are reached */
		char full[128];
		snprintf(full, sizeof(full), "%s%s", rand_r(&seed) % 2 ? "/api/v1/hosts/" : "", path);
		pw_http_path_ok(full, strlen(full));
		if (route(&m, rand_r(&seed) % 2 ? "GET" : "DELETE", full) != PW_ROUTE_FOUND)
			continue;
		found++;
		for (size_t i = 0; i < m.n; i++) {
			size_t len = strlen(m.params[i]);
			if (len == 0 || len > PW_HTTP_PARAM_MAX || strchr(m.params[i], '/') ||
			    strcmp(m.params[i], ".") == 0 || strcmp(m.params[i], "..") == 0)
				fail_msg("%s: parameter %zu is '%s'", full, i, m.params[i]);
		}
	}
	assert_true(found > 1000); /* the generator does reach the routes */
	pw_buf_free(&m.allow);
}

static void test_path_ok(void **state)
{
	static const struct {
		const char *path;
		bool ok;
	} cases[] = {
		{ "/api/v1/hosts", true },
		{ "/api/v1/hosts/web-01.example.org", true },
		{ "/api/v1/hosts/caf\xc3\xa9", true },   /* é */
		{ "/api/v1/x/\xf0\x9f\x98\x80", true },  /* U+1F600 */
		{ "/", true },
		{ "", false },
		{ "api", false },
		{ "/api/../etc/passwd", false },
		{ "/api/./v1", false },
		{ "/api/v1/..", false },
		{ "/..", false },
		{ "/api/v1/x..y", true },
		{ "/api/v1/...", true },
		{ "/api/v1/\xff", false },
		{ "/api/v1/\xc0\xae", false },           /* overlong '.' */
		{ "/api/v1/\xe0\x80\xae", false },       /* overlong */
		{ "/api/v1/\xed\xa0\x80", false },       /* surrogate */
		{ "/api/v1/\xf4\x90\x80\x80", false },   /* above U+10FFFF */
		{ "/api/v1/\xc3", false },               /* cut short */
		{ "/api/v1/a\rb", false },
		{ "/api/v1/a\nb", false },
		{ "/api/v1/a\x7f", false },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (pw_http_path_ok(cases[i].path, strlen(cases[i].path)) != cases[i].ok)
			fail_msg("case %zu (%s): expected %d", i, cases[i].path, cases[i].ok);
	}
}

/* ---- requests without a connection ---- */

static void init_resp(struct pw_response *resp)
{
	memset(resp, 0, sizeof(*resp));
	pw_buf_init(&resp->body, 0);
	pw_buf_init(&resp->headers, 0);
}

static void free_resp(struct pw_response *resp)
{
	pw_buf_free(&resp->body);
	pw_buf_free(&resp->headers);
}

/* The error code of a JSON error body, checking its shape; static copy. */
static const char *error_code(const struct pw_response *resp)
{
	static char code[64];
	json_error_t err;
	assert_non_null(resp->body.data);
	json_t *doc = json_loads(resp->body.data, 0, &err);
	if (!doc)
		fail_msg("not JSON: %s", resp->body.data);
	assert_int_equal(json_object_size(doc), 1);
	json_t *e = json_object_get(doc, "error");
	assert_true(json_is_object(e));
	assert_int_equal(json_object_size(e), 2);
	assert_true(json_is_string(json_object_get(e, "message")));
	assert_true(json_string_length(json_object_get(e, "message")) > 0);
	snprintf(code, sizeof(code), "%s", json_string_value(json_object_get(e, "code")));
	json_decref(doc);
	return code;
}

static void make_request(struct pw_request *r, struct pw_http_source *src,
			 const struct pw_http_kv *headers, const struct pw_http_kv *query,
			 const char *body)
{
	memset(r, 0, sizeof(*r));
	memset(src, 0, sizeof(*src));
	src->headers = headers;
	src->query = query;
	r->impl = src;
	r->method = "POST";
	r->path = "/x";
	r->body = body;
	r->body_len = body ? strlen(body) : 0;
}

static void test_accessors(void **state)
{
	static const struct pw_http_kv headers[] = {
		{ "Content-Type", "application/json" }, { "X-CSRF-Token", "abc" }, { NULL, NULL }
	};
	static const struct pw_http_kv query[] = { { "limit", "5" }, { NULL, NULL } };
	static const struct pw_http_kv cookies[] = { { "pw_session", "s" }, { NULL, NULL } };
	struct pw_request r;
	struct pw_http_source src;
	make_request(&r, &src, headers, query, NULL);
	src.cookies = cookies;
	assert_string_equal(pw_http_header(&r, "content-type"), "application/json");
	assert_string_equal(pw_http_header(&r, "X-CSRF-TOKEN"), "abc");
	assert_null(pw_http_header(&r, "Authorization"));
	assert_string_equal(pw_http_query(&r, "limit"), "5");
	assert_null(pw_http_query(&r, "LIMIT")); /* query names are case-sensitive */
	assert_string_equal(pw_http_cookie(&r, "pw_session"), "s");
	assert_null(pw_http_cookie(&r, "other"));
	r.impl = NULL;
	assert_null(pw_http_header(&r, "Content-Type"));
}

static void test_body_json(void **state)
{
	static const struct pw_http_kv json_ct[] = { { "Content-Type", "application/json" },
						     { NULL, NULL } };
	static const struct pw_http_kv json_charset[] = {
		{ "Content-Type", "Application/JSON ; charset=utf-8" }, { NULL, NULL }
	};
	static const struct pw_http_kv text_ct[] = { { "Content-Type", "text/plain" }, { NULL, NULL } };
	static const struct pw_http_kv jsonx_ct[] = { { "Content-Type", "application/jsonx" },
						      { NULL, NULL } };
	struct pw_request r;
	struct pw_http_source src;
	struct pw_response resp;

	init_resp(&resp);
	make_request(&r, &src, json_ct, NULL, "{\"name\":\"a\",\"n\":1}");
	json_t *doc = pw_http_body_json(&r, &resp);
	assert_non_null(doc);
	assert_string_equal(json_string_value(json_object_get(doc, "name")), "a");
	assert_int_equal(resp.status, 0); /* untouched */
	json_decref(doc);
	free_resp(&resp);

	init_resp(&resp);
	make_request(&r, &src, json_charset, NULL, "{}");
	doc = pw_http_body_json(&r, &resp);
	assert_non_null(doc);
	json_decref(doc);
	free_resp(&resp);

	static const struct {
		const struct pw_http_kv *headers;
		const char *body;
		int status;
		const char *code;
	} bad[] = {
		{ text_ct, "{}", 415, "unsupported_media_type" },
		{ jsonx_ct, "{}", 415, "unsupported_media_type" },
		{ NULL, "{}", 415, "unsupported_media_type" },
		{ json_ct, NULL, 400, "invalid_request" },
		{ json_ct, "{\"a\":", 400, "invalid_json" },
		{ json_ct, "{\"a\":1}x", 400, "invalid_json" },
		{ json_ct, "{\"a\":1,\"a\":2}", 400, "invalid_json" }, /* duplicate keys */
		{ json_ct, "{\"a\":\"\xff\"}", 400, "invalid_json" },   /* invalid UTF-8 */
		{ json_ct, "[1,2]", 400, "invalid_request" },
		{ json_ct, "\"s\"", 400, "invalid_request" },
		{ json_ct, "null", 400, "invalid_request" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		init_resp(&resp);
		make_request(&r, &src, bad[i].headers, NULL, bad[i].body);
		assert_null(pw_http_body_json(&r, &resp));
		if (resp.status != bad[i].status)
			fail_msg("case %zu: status %d, expected %d", i, resp.status, bad[i].status);
		assert_string_equal(error_code(&resp), bad[i].code);
		assert_string_equal(resp.content_type, "application/json");
		free_resp(&resp);
	}
	/* the parse error says where */
	init_resp(&resp);
	make_request(&r, &src, json_ct, NULL, "{\n  \"a\": tru\n}");
	assert_null(pw_http_body_json(&r, &resp));
	assert_non_null(strstr(resp.body.data, "line 2"));
	free_resp(&resp);
	/* deep nesting is refused, not a stack overflow */
	size_t depth = 100000;
	char *deep = malloc(depth + 1);
	memset(deep, '[', depth);
	deep[depth] = '\0';
	init_resp(&resp);
	make_request(&r, &src, json_ct, NULL, deep);
	assert_null(pw_http_body_json(&r, &resp));
	assert_int_equal(resp.status, 400);
	free(deep);
	free_resp(&resp);
}

static void test_param_id(void **state)
{
	static const struct {
		const char *s;
		bool ok;
		int64_t v;
	} cases[] = {
		{ "1", true, 1 },
		{ "42", true, 42 },
		{ "9223372036854775807", true, INT64_MAX },
		{ "9223372036854775808", false, 0 },
		{ "99999999999999999999", false, 0 },
		{ "0", false, 0 },
		{ "007", false, 0 },
		{ "-1", false, 0 },
		{ "+1", false, 0 },
		{ "1a", false, 0 },
		{ " 1", false, 0 },
		{ "0x10", false, 0 },
		{ "", false, 0 },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct pw_request r = { 0 };
		struct pw_response resp;
		init_resp(&resp);
		r.params[0] = cases[i].s;
		r.nparams = 1;
		int64_t v = -5;
		bool ok = pw_http_param_id(&r, 0, &resp, &v);
		if (ok != cases[i].ok)
			fail_msg("'%s': %d", cases[i].s, ok);
		if (ok) {
			assert_int_equal(v, cases[i].v);
			assert_int_equal(resp.body.len, 0);
		} else {
			assert_int_equal(resp.status, 404);
			assert_string_equal(error_code(&resp), "not_found");
		}
		free_resp(&resp);
	}
	/* no such parameter */
	struct pw_request r = { 0 };
	struct pw_response resp;
	init_resp(&resp);
	int64_t v;
	assert_false(pw_http_param_id(&r, 0, &resp, &v));
	assert_int_equal(resp.status, 404);
	free_resp(&resp);
}

static void test_page_args(void **state)
{
	static const struct {
		const char *limit, *cursor;
		bool ok;
		int64_t want_limit;
		const char *want_cursor;
	} cases[] = {
		{ NULL, NULL, true, 100, NULL },
		{ "1", NULL, true, 1, NULL },
		{ "1000", "abc", true, 1000, "abc" },
		{ "50", "", true, 50, NULL },
		{ "1001", NULL, false, 0, NULL },
		{ "0", NULL, false, 0, NULL },
		{ "-1", NULL, false, 0, NULL },
		{ "", NULL, false, 0, NULL },
		{ "ten", NULL, false, 0, NULL },
		{ "10 ", NULL, false, 0, NULL },
		{ "99999999999999999999999", NULL, false, 0, NULL },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct pw_http_kv query[3] = { { NULL, NULL } };
		size_t n = 0;
		if (cases[i].limit)
			query[n++] = (struct pw_http_kv){ "limit", cases[i].limit };
		if (cases[i].cursor)
			query[n++] = (struct pw_http_kv){ "cursor", cases[i].cursor };
		struct pw_request r;
		struct pw_http_source src;
		struct pw_response resp;
		struct pw_page p;
		make_request(&r, &src, NULL, query, NULL);
		init_resp(&resp);
		bool ok = pw_http_page_args(&r, &resp, &p);
		if (ok != cases[i].ok)
			fail_msg("case %zu: %d", i, ok);
		if (ok) {
			assert_int_equal(p.limit, cases[i].want_limit);
			if (cases[i].want_cursor)
				assert_string_equal(p.cursor, cases[i].want_cursor);
			else
				assert_null(p.cursor);
		} else {
			assert_int_equal(resp.status, 400);
			assert_string_equal(error_code(&resp), "invalid_request");
		}
		free_resp(&resp);
	}
	/* an over-long cursor */
	char cursor[600];
	memset(cursor, 'c', sizeof(cursor) - 1);
	cursor[sizeof(cursor) - 1] = '\0';
	struct pw_http_kv query[] = { { "cursor", cursor }, { NULL, NULL } };
	struct pw_request r;
	struct pw_http_source src;
	struct pw_response resp;
	struct pw_page p;
	make_request(&r, &src, NULL, query, NULL);
	init_resp(&resp);
	assert_false(pw_http_page_args(&r, &resp, &p));
	assert_int_equal(resp.status, 400);
	free_resp(&resp);
}

static void test_page(void **state)
{
	struct pw_response resp;
	init_resp(&resp);
	json_t *items = json_array();
	json_array_append_new(items, json_integer(1));
	pw_http_page(&resp, items, "k1");
	assert_int_equal(resp.status, 200);
	assert_string_equal(resp.body.data, "{\"items\":[1],\"next_cursor\":\"k1\"}");
	free_resp(&resp);
	init_resp(&resp);
	pw_http_page(&resp, json_array(), NULL);
	assert_string_equal(resp.body.data, "{\"items\":[],\"next_cursor\":null}");
	free_resp(&resp);
}

static void test_errors(void **state)
{
	struct pw_response resp;
	init_resp(&resp);
	pw_http_error(&resp, 409, "conflict", "host \"%s\" exists\n", "a\\b");
	assert_int_equal(resp.status, 409);
	assert_string_equal(resp.content_type, "application/json");
	assert_string_equal(resp.body.data,
			    "{\"error\":{\"code\":\"conflict\",\"message\":\"host \\\"a\\\\b\\\" exists\\n\"}}");
	/* a second error replaces the first */
	pw_http_error(&resp, 404, "not_found", "gone");
	assert_string_equal(error_code(&resp), "not_found");
	free_resp(&resp);
	/* a message that is not UTF-8 still gives valid JSON */
	init_resp(&resp);
	pw_http_error(&resp, 400, "invalid_request", "bad name '%s'", "\xff\xfe");
	assert_int_equal(resp.status, 400);
	assert_string_equal(error_code(&resp), "invalid_request");
	free_resp(&resp);

	static const struct {
		pw_err code;
		int status;
		const char *name;
		bool secret; /* the message must not be sent */
	} map[] = {
		{ PW_ERR_NOTFOUND, 404, "not_found", false },
		{ PW_ERR_INVALID, 400, "invalid_request", false },
		{ PW_ERR_PARSE, 400, "invalid_request", false },
		{ PW_ERR_USAGE, 400, "invalid_request", false },
		{ PW_ERR_LIMIT, 413, "payload_too_large", false },
		{ PW_ERR_IO, 500, "internal", true },
		{ PW_ERR_FULL, 507, "store_full", true },
		{ PW_ERR_CORRUPT, 503, "store_corrupt", true },
		{ PW_ERR_NOMEM, 500, "internal", true },
		{ PW_ERR_UNSUPPORTED, 500, "internal", true },
	};
	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
		struct pw_error e;
		pw_error_set(&e, map[i].code, "detail /var/lib/secret.db");
		init_resp(&resp);
		pw_http_error_from(&resp, &e);
		assert_int_equal(resp.status, map[i].status);
		assert_string_equal(error_code(&resp), map[i].name);
		assert_int_equal(strstr(resp.body.data, "secret.db") == NULL, map[i].secret);
		free_resp(&resp);
	}
}

static void test_headers(void **state)
{
	struct pw_response resp;
	init_resp(&resp);
	pw_http_add_header(&resp, "Location", "/api/v1/hosts/1");
	pw_http_add_header(&resp, "Set-Cookie", "a=b\r\nX-Evil: 1"); /* refused */
	pw_http_add_header(&resp, "X-Bad\r\nName", "v");              /* refused */
	assert_string_equal(resp.headers.data, "Location: /api/v1/hosts/1\n");
	free_resp(&resp);
}

static void test_finish(void **state)
{
	struct pw_response resp;
	/* a handler that set nothing: 200 {} */
	init_resp(&resp);
	pw_http_finish_response(&resp);
	assert_int_equal(resp.status, 200);
	assert_string_equal(resp.content_type, "application/json");
	assert_string_equal(resp.body.data, "{}");
	free_resp(&resp);
	/* a status without a body */
	init_resp(&resp);
	resp.status = 403;
	pw_http_finish_response(&resp);
	assert_int_equal(resp.status, 403);
	assert_string_equal(error_code(&resp), "forbidden");
	free_resp(&resp);
	init_resp(&resp);
	resp.status = 502;
	pw_http_finish_response(&resp);
	assert_string_equal(error_code(&resp), "internal");
	free_resp(&resp);
	/* an impossible status */
	init_resp(&resp);
	resp.status = 1234;
	pw_http_finish_response(&resp);
	assert_int_equal(resp.status, 500);
	free_resp(&resp);
	/* 204 keeps its empty body */
	init_resp(&resp);
	resp.status = 204;
	pw_http_finish_response(&resp);
	assert_int_equal(resp.body.len, 0);
	free_resp(&resp);
	/* an empty body of another type is meant */
	init_resp(&resp);
	resp.content_type = "text/csv";
	pw_http_finish_response(&resp);
	assert_int_equal(resp.status, 200);
	assert_int_equal(resp.body.len, 0);
	free_resp(&resp);
	/* but an error is always JSON */
	init_resp(&resp);
	resp.content_type = "text/csv";
	resp.status = 404;
	pw_http_finish_response(&resp);
	assert_string_equal(resp.content_type, "application/json");
	assert_string_equal(error_code(&resp), "not_found");
	free_resp(&resp);
	/* a body is left alone */
	init_resp(&resp);
	pw_http_json(&resp, 201, json_pack("{s:i}", "id", 3));
	pw_http_finish_response(&resp);
	assert_int_equal(resp.status, 201);
	assert_string_equal(resp.body.data, "{\"id\":3}");
	free_resp(&resp);
}

extern const char pw_openapi_json[];
extern const size_t pw_openapi_json_len;

/* The query parameters of an operation in the OpenAPI document, joined
 * by spaces in the document's order. */
static void openapi_query_names(json_t *doc, const struct pw_route *rt, char *out, size_t size)
{
	char method[8];
	size_t i = 0;
	for (; rt->method[i] && i + 1 < sizeof(method); i++)
		method[i] = (char)(rt->method[i] | 0x20);
	method[i] = '\0';
	json_t *op = json_object_get(json_object_get(json_object_get(doc, "paths"), rt->pattern),
				     method);
	if (!op)
		fail_msg("%s %s is not in the OpenAPI document", rt->method, rt->pattern);
	json_t *params = json_object_get(doc, "components");
	params = json_object_get(params, "parameters");
	out[0] = '\0';
	size_t k;
	json_t *p;
	json_array_foreach(json_object_get(op, "parameters"), k, p) {
		const char *ref = json_string_value(json_object_get(p, "$ref"));
		if (ref)
			p = json_object_get(params, strrchr(ref, '/') + 1);
		if (strcmp(json_string_value(json_object_get(p, "in")), "query") != 0)
			continue;
		size_t len = strlen(out);
		snprintf(out + len, size - len, "%s%s", len ? " " : "",
			 json_string_value(json_object_get(p, "name")));
	}
}

/* Each route accepts the query parameters its OpenAPI operation names,
 * no more and no fewer: the router's table and the document agree. */
static void test_route_queries_match_openapi(void **state)
{
	json_error_t err;
	json_t *doc = json_loadb(pw_openapi_json, pw_openapi_json_len, 0, &err);
	assert_non_null(doc);
	int routes = 0, with_params = 0;
	for (size_t t = 0; pw_api_routes[t]; t++) {
		for (const struct pw_route *rt = pw_api_routes[t]; rt->method; rt++) {
			char documented[512];
			openapi_query_names(doc, rt, documented, sizeof(documented));
			const char *names = pw_http_route_query_names(pw_api_route_queries, rt);
			if (strcmp(documented, names) != 0)
				fail_msg("%s %s: the router accepts \"%s\", the document names \"%s\"",
					 rt->method, rt->pattern, names, documented);
			routes++;
			with_params += *names != '\0';
		}
	}
	assert_true(routes > 40);
	assert_true(with_params >= 12);
	/* every entry of the table is a real route */
	for (const struct pw_route_query *q = pw_api_route_queries; q->method; q++) {
		bool found = false;
		for (size_t t = 0; pw_api_routes[t]; t++)
			for (const struct pw_route *rt = pw_api_routes[t]; rt->method; rt++)
				found |= strcmp(rt->method, q->method) == 0 &&
					 strcmp(rt->pattern, q->pattern) == 0;
		if (!found)
			fail_msg("%s %s has parameters but no route", q->method, q->pattern);
	}
	json_decref(doc);

	const char *names = "priority kev limit cursor";
	assert_true(pw_http_query_name_allowed(names, "priority"));
	assert_true(pw_http_query_name_allowed(names, "cursor"));
	assert_false(pw_http_query_name_allowed(names, "since"));
	assert_false(pw_http_query_name_allowed(names, "prio"));
	assert_false(pw_http_query_name_allowed(names, "priority kev"));
	assert_false(pw_http_query_name_allowed(names, ""));
	assert_false(pw_http_query_name_allowed("", "limit"));
	static const struct pw_route health = { "GET", "/api/v1/health", h_dummy, 0 };
	assert_string_equal(pw_http_route_query_names(pw_api_route_queries, &health), "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_route_found),  cmocka_unit_test(test_route_not_found),
		cmocka_unit_test(test_route_method), cmocka_unit_test(test_route_random),
		cmocka_unit_test(test_path_ok),
		cmocka_unit_test(test_accessors),    cmocka_unit_test(test_body_json),
		cmocka_unit_test(test_param_id),     cmocka_unit_test(test_page_args),
		cmocka_unit_test(test_page),         cmocka_unit_test(test_errors),
		cmocka_unit_test(test_headers),      cmocka_unit_test(test_finish),
		cmocka_unit_test(test_route_queries_match_openapi),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
