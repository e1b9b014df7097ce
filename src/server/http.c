/* http.c - the HTTP layer over libmicrohttpd; see pw_http.h.
 *
 * One MHD daemon with an internal thread pool (epoll in each worker, keep-
 * alive). A request's life, on the worker thread that owns its connection:
 *
 *   1. request line parsed: on_uri allocates its context (struct req); the
 *      raw URI is checked for an encoded NUL;
 *   2. headers parsed (first call of on_request), the request is counted
 *      in flight: the decoded path is
 *      checked (UTF-8, no control characters, no dot segments), a declared
 *      Content-Length above max_body is refused with 413 before a byte of
 *      the body is stored (a client that did not wait for 100 Continue has
 *      its body, up to 64 MiB, read and dropped first: drains_body()), the
 *      route is matched (404, 405 with Allow);
 *   3. body chunks are appended up to max_body; past it the rest is read
 *      and dropped, and the answer is 413;
 *   4. body complete: the worker's store connection (opened on its first
 *      request, closed when the worker ends), authentication, the handler,
 *      the response;
 *   5. on_completed frees the context and counts the request done, which
 *      is what a graceful stop waits for.
 *
 * A request without a body is answered at step 2, saving a round through
 * MHD's state machine. Nothing here allocates per request beyond the
 * context, the body and the response.
 */
#include "pw_http.h"

#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "pw_jsonw.h"
#include "pw_request_metrics.h"
#include "pw_store.h"
#include "server_internal.h"

struct req;
struct conn;

struct pw_http {
	struct MHD_Daemon *mhd;
	struct pw_server *srv;
	bool tls;
	atomic_bool stopping;
	pthread_mutex_t lock; /* the requests in flight and their condition */
	pthread_cond_t idle;
	long in_flight;
	struct req *active;   /* the requests in flight, a list */
	/* every open connection and its deadline; the sweeper closes those
	 * past it (see struct conn) */
	pthread_mutex_t conns_lock;
	struct conn *conns;
	pthread_t sweeper;
	bool sweeping;
	pthread_cond_t sweep_wake;
	unsigned long cut[3];   /* connections cut, by phase, since the last log line */
	long long cut_logged;   /* when the last line was written */
};

/* What a connection is waiting for, each with a deadline that activity
 * does not push back (MHD's idle timeout restarts with every byte, so a
 * client trickling a header byte a second would hold its connection for
 * ever): its request's headers within header_timeout of the accept (on a
 * kept-alive connection, within the longer of idle_timeout and
 * header_timeout of the previous answer); then the body within
 * body_timeout of the headers; then the answer's sending within
 * body_timeout. While a handler runs there is none. */
enum conn_phase { CONN_HEADERS, CONN_BODY, CONN_ANSWER, CONN_HANDLER };

struct conn {
	struct conn *prev, *next; /* in http->conns */
	int fd;
	enum conn_phase phase;
	long long deadline; /* monotonic ns; 0: none */
};

/* How often the sweeper looks for connections past their deadline. */
#define SWEEP_NS (250 * 1000000LL)

/* What a request line and headers may hold: a request target of 8 KiB
 * with at most 64 query parameters (414 uri_too_long beyond), 16 KiB of
 * headers in at most 100 lines (431 headers_too_large). Each connection's
 * memory pool holds them with room to spare. */
#define PW_HTTP_TARGET_MAX 8192
#define PW_HTTP_QUERY_MAX 64
#define PW_HTTP_HEADERS_MAX 16384
#define PW_HTTP_HEADER_LINES_MAX 100
#define PW_HTTP_POOL (96 * 1024)

/* A request in flight that made no progress for this long, at a stop, is
 * given up: libmicrohttpd's epoll loop can miss the end of a connection
 * whose client sent part of a body and closed, and such a request would
 * hold the stop for shutdown_timeout. */
#define STALLED_NS (5 * 1000000000LL)

/* The store connection of each worker thread, closed when it ends. */
static pthread_key_t store_key;
static pthread_once_t store_key_once = PTHREAD_ONCE_INIT;

static void close_thread_store(void *p)
{
	pw_store_close(p);
}

static void make_store_key(void)
{
	pthread_key_create(&store_key, close_thread_store);
}

struct req {
	struct pw_http *http;
	struct req *prev, *next; /* in http->active while in flight */
	atomic_llong progress;   /* monotonic ns of its last step */
	atomic_bool busy;        /* its handler is running */
	struct pw_http_source src;
	bool started;       /* the first on_request call happened */
	bool bad_uri;       /* an encoded NUL in the raw path */
	bool nul_in_query;  /* an encoded NUL in the raw query */
	const char *raw_uri; /* the request target as received (MHD's buffer) */
	size_t raw_len;     /* its length up to the first NUL */
	int line_status;    /* 414 when the request line is over the limits */
	char line_msg[96];
	bool too_large;     /* the body passed max_body: dropped, answered 413 */
	const struct pw_route *route;
	struct pw_request r;
	struct pw_buf body;
	char *scratch;      /* the path copy the parameters point into */
	struct timespec t0;
	char remote[64];    /* the peer's address */
	struct pw_response early; /* a refusal decided from the headers */
};

static long long now_ns(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (long long)t.tv_sec * 1000000000LL + t.tv_nsec;
}

/* ---- connection deadlines ---- */

static struct conn *conn_of(struct MHD_Connection *conn)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	return ci ? ci->socket_context : NULL;
}

static void conn_set_phase(struct pw_http *h, struct MHD_Connection *conn,
			   enum conn_phase phase, unsigned seconds)
{
	struct conn *c = conn_of(conn);
	if (!c)
		return;
	pthread_mutex_lock(&h->conns_lock);
	c->phase = phase;
	c->deadline = phase == CONN_HANDLER ? 0 : now_ns() + (long long)seconds * 1000000000LL;
	pthread_mutex_unlock(&h->conns_lock);
}

static void on_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
			  enum MHD_ConnectionNotificationCode toe)
{
	struct pw_http *h = cls;
	if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
		const union MHD_ConnectionInfo *ci =
			MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
		struct conn *c = ci ? calloc(1, sizeof(*c)) : NULL;
		*socket_context = c;
		if (!c)
			return; /* no deadline: MHD's idle timeout still applies */
		c->fd = ci->connect_fd;
		c->phase = CONN_HEADERS;
		c->deadline = now_ns() + (long long)h->srv->header_timeout * 1000000000LL;
		pthread_mutex_lock(&h->conns_lock);
		c->next = h->conns;
		if (h->conns)
			h->conns->prev = c;
		h->conns = c;
		pthread_mutex_unlock(&h->conns_lock);
		return;
	}
	/* closed: MHD closes the socket after this, so while the lock is held
	 * the sweeper never touches an fd that is no longer this connection's */
	struct conn *c = *socket_context;
	*socket_context = NULL;
	if (!c)
		return;
	pthread_mutex_lock(&h->conns_lock);
	if (c->prev)
		c->prev->next = c->next;
	else
		h->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	pthread_mutex_unlock(&h->conns_lock);
	free(c);
}

/* Shut down each connection past its deadline: its worker sees the end
 * of the stream and closes it as if the client had. A line in the log at
 * most every 10 s says how many and why. */
static void sweep(struct pw_http *h)
{
	long long now = now_ns();
	pthread_mutex_lock(&h->conns_lock);
	for (struct conn *c = h->conns; c; c = c->next) {
		if (!c->deadline || now < c->deadline)
			continue;
		shutdown(c->fd, SHUT_RDWR);
		h->cut[c->phase == CONN_HEADERS ? 0 : c->phase == CONN_BODY ? 1 : 2]++;
		c->deadline = 0;
	}
	unsigned long cut[3] = { h->cut[0], h->cut[1], h->cut[2] };
	bool log = (cut[0] || cut[1] || cut[2]) && now - h->cut_logged >= 10 * 1000000000LL;
	if (log) {
		memset(h->cut, 0, sizeof(h->cut));
		h->cut_logged = now;
	}
	pthread_mutex_unlock(&h->conns_lock);
	if (log)
		pw_server_log("warning",
			      "closed connections past their deadline: %lu without their headers "
			      "after %u s, %lu without their body after %u s, %lu not taking "
			      "their answer within %u s",
			      cut[0], h->srv->header_timeout, cut[1], h->srv->body_timeout, cut[2],
			      h->srv->body_timeout);
}

static void *sweeper_main(void *arg)
{
	struct pw_http *h = arg;
	pthread_mutex_lock(&h->conns_lock);
	while (h->sweeping) {
		struct timespec until;
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_nsec += SWEEP_NS;
		if (until.tv_nsec >= 1000000000L)
			until.tv_sec++, until.tv_nsec -= 1000000000L;
		pthread_cond_timedwait(&h->sweep_wake, &h->conns_lock, &until);
		if (!h->sweeping)
			break;
		pthread_mutex_unlock(&h->conns_lock);
		sweep(h);
		pthread_mutex_lock(&h->conns_lock);
	}
	pthread_mutex_unlock(&h->conns_lock);
	return NULL;
}

/* ---- responses ---- */

void pw_http_json(struct pw_response *resp, int status, json_t *doc)
{
	resp->status = status;
	resp->content_type = "application/json";
	pw_buf_reset(&resp->body);
	char *s = doc ? json_dumps(doc, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
	json_decref(doc);
	if (s)
		pw_json_shortest_reals(s); /* 8.8, not 8.8000000000000007 */
	if (!s || pw_buf_adds(&resp->body, s) != PW_OK) {
		free(s);
		pw_buf_reset(&resp->body);
		resp->status = 500;
		pw_buf_adds(&resp->body,
			    "{\"error\":{\"code\":\"internal\",\"message\":\"the response could not be encoded\"}}");
		return;
	}
	free(s);
}

static void error_body(struct pw_response *resp, int status, const char *code, const char *msg)
{
	json_t *doc = json_pack("{s:{s:s,s:s}}", "error", "code", code, "message", msg);
	if (!doc) /* a message that is not UTF-8 */
		doc = json_pack("{s:{s:s,s:s}}", "error", "code", code, "message",
				"the request could not be processed");
	pw_http_json(resp, status, doc);
	if (resp->status == 500 && status != 500)
		resp->status = status;
}

void pw_http_error(struct pw_response *resp, int status, const char *code, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	error_body(resp, status, code, msg);
}

void pw_http_error_from(struct pw_response *resp, const struct pw_error *e)
{
	switch (e->code) {
	case PW_ERR_NOTFOUND:
		error_body(resp, 404, "not_found", e->msg[0] ? e->msg : "not found");
		break;
	case PW_ERR_INVALID:
	case PW_ERR_PARSE:
	case PW_ERR_USAGE:
		error_body(resp, 400, "invalid_request", e->msg[0] ? e->msg : "invalid request");
		break;
	case PW_ERR_LIMIT:
		error_body(resp, 413, "payload_too_large", e->msg[0] ? e->msg : "too large");
		break;
	/* the store's own failures: what the operator must do differs (free
	 * space; restore a backup), and neither is the client's fault. The
	 * detail names paths: logged, not sent. */
	case PW_ERR_FULL:
		pw_server_log("error", "%s", e->msg[0] ? e->msg : pw_strerror(e->code));
		error_body(resp, 507, "store_full",
			   "the store's disk is full: nothing was written; see the server log");
		break;
	case PW_ERR_CORRUPT:
		pw_server_log("error", "%s", e->msg[0] ? e->msg : pw_strerror(e->code));
		error_body(resp, 503, "store_corrupt",
			   "the store is damaged and cannot be read; see the server log");
		break;
	default:
		pw_server_log("error", "%s", e->msg[0] ? e->msg : pw_strerror(e->code));
		error_body(resp, 500, "internal", "internal error; the server log has the details");
		break;
	}
}

void pw_http_add_header(struct pw_response *resp, const char *name, const char *value)
{
	/* a header is one line: a CR or LF in either part would split it */
	if (strpbrk(name, "\r\n:") || strpbrk(value, "\r\n")) {
		pw_server_log("error", "header %s refused: a line break in its name or value", name);
		return;
	}
	pw_buf_addf(&resp->headers, "%s: %s\n", name, value);
}

void pw_http_finish_response(struct pw_response *resp)
{
	if (resp->status < 100 || resp->status > 599)
		resp->status = resp->status ? 500 : 200;
	if (!resp->content_type)
		resp->content_type = "application/json";
	if (resp->body.len || resp->status == 204 || resp->status == 304)
		return;
	/* an empty body of another type (an empty CSV export) is meant */
	if (resp->status < 400 && strcmp(resp->content_type, "application/json") != 0)
		return;
	if (resp->status >= 400) {
		static const struct {
			int status;
			const char *code;
		} codes[] = {
			{ 400, "invalid_request" }, { 401, "unauthenticated" }, { 403, "forbidden" },
			{ 404, "not_found" },       { 405, "method_not_allowed" }, { 409, "conflict" },
			{ 413, "payload_too_large" }, { 415, "unsupported_media_type" },
			{ 429, "too_many_attempts" }, { 503, "unavailable" },
		};
		const char *code = resp->status >= 500 ? "internal" : "error";
		for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++)
			if (codes[i].status == resp->status)
				code = codes[i].code;
		int status = resp->status;
		error_body(resp, status, code, "the request failed");
	} else {
		resp->content_type = "application/json";
		pw_buf_adds(&resp->body, "{}");
	}
}

/* ---- request accessors ---- */

static const char *kv_find(const struct pw_http_kv *kv, const char *name, bool nocase)
{
	for (; kv && kv->name; kv++)
		if (nocase ? strcasecmp(kv->name, name) == 0 : strcmp(kv->name, name) == 0)
			return kv->value;
	return NULL;
}

static const char *lookup(const struct pw_request *r, enum MHD_ValueKind kind, const char *name)
{
	const struct pw_http_source *src = r->impl;
	if (!src || !name)
		return NULL;
	if (src->conn)
		return MHD_lookup_connection_value(src->conn, kind, name);
	switch (kind) {
	case MHD_HEADER_KIND:
		return kv_find(src->headers, name, true);
	case MHD_GET_ARGUMENT_KIND:
		return kv_find(src->query, name, false);
	case MHD_COOKIE_KIND:
		return kv_find(src->cookies, name, false);
	default:
		return NULL;
	}
}

const char *pw_http_header(const struct pw_request *r, const char *name)
{
	return lookup(r, MHD_HEADER_KIND, name);
}

const char *pw_http_query(const struct pw_request *r, const char *name)
{
	return lookup(r, MHD_GET_ARGUMENT_KIND, name);
}

const char *pw_http_cookie(const struct pw_request *r, const char *name)
{
	return lookup(r, MHD_COOKIE_KIND, name);
}

/* "application/json", any case, optionally followed by parameters. */
static bool is_json_type(const char *ct)
{
	static const char want[] = "application/json";
	if (!ct)
		return false;
	while (*ct == ' ' || *ct == '\t')
		ct++;
	if (strncasecmp(ct, want, sizeof(want) - 1) != 0)
		return false;
	ct += sizeof(want) - 1;
	while (*ct == ' ' || *ct == '\t')
		ct++;
	return *ct == '\0' || *ct == ';';
}

json_t *pw_http_body_json(const struct pw_request *r, struct pw_response *resp)
{
	if (!is_json_type(pw_http_header(r, "Content-Type"))) {
		pw_http_error(resp, 415, "unsupported_media_type",
			      "the body must be application/json");
		return NULL;
	}
	if (!r->body || r->body_len == 0) {
		pw_http_error(resp, 400, "invalid_request", "a JSON object body is required");
		return NULL;
	}
	json_error_t err;
	json_t *doc = json_loadb(r->body, r->body_len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &err);
	if (!doc) {
		pw_http_error(resp, 400, "invalid_json", "invalid JSON at line %d, column %d: %s",
			      err.line, err.column, err.text);
		return NULL;
	}
	if (!json_is_object(doc)) {
		json_decref(doc);
		pw_http_error(resp, 400, "invalid_request", "the body must be a JSON object");
		return NULL;
	}
	return doc;
}

/* A positive decimal number without sign or leading zero, within int64. */
static bool parse_positive(const char *s, int64_t max, int64_t *out)
{
	if (!s || *s < '1' || *s > '9')
		return false;
	int64_t v = 0;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return false;
		int d = *s - '0';
		if (v > (max - d) / 10)
			return false;
		v = v * 10 + d;
	}
	*out = v;
	return true;
}

bool pw_http_param_id(const struct pw_request *r, size_t i, struct pw_response *resp,
		      int64_t *out)
{
	if (i >= r->nparams || !parse_positive(r->params[i], INT64_MAX, out)) {
		pw_http_error(resp, 404, "not_found", "no such resource: the id must be a positive number");
		return false;
	}
	return true;
}

#define PAGE_DEFAULT 100
#define PAGE_MAX 1000
#define CURSOR_MAX 512

bool pw_http_page_args(const struct pw_request *r, struct pw_response *resp, struct pw_page *p)
{
	p->limit = PAGE_DEFAULT;
	p->cursor = NULL;
	const char *limit = pw_http_query(r, "limit");
	if (limit && !parse_positive(limit, PAGE_MAX, &p->limit)) {
		pw_http_error(resp, 400, "invalid_request",
			      "limit must be a whole number from 1 to %d", PAGE_MAX);
		return false;
	}
	const char *cursor = pw_http_query(r, "cursor");
	if (cursor && strlen(cursor) > CURSOR_MAX) {
		pw_http_error(resp, 400, "invalid_request", "cursor is longer than %d bytes",
			      CURSOR_MAX);
		return false;
	}
	if (cursor && *cursor)
		p->cursor = cursor;
	return true;
}

void pw_http_page(struct pw_response *resp, json_t *items, const char *next_cursor)
{
	if (!items)
		items = json_array();
	json_t *doc = json_object();
	json_object_set_new(doc, "items", items);
	json_object_set_new(doc, "next_cursor", next_cursor ? json_string(next_cursor) : json_null());
	pw_http_json(resp, 200, doc);
}

bool pw_http_wants_csv(const struct pw_request *r, struct pw_response *resp, bool *csv)
{
	const char *f = pw_http_query(r, "format");
	*csv = false;
	if (f) {
		if (strcmp(f, "csv") == 0) {
			*csv = true;
		} else if (strcmp(f, "json") != 0) {
			pw_http_error(resp, 400, "invalid_request", "format must be json or csv, not "
				      "'%.40s'", f);
			return false;
		}
		return true;
	}
	const char *accept = pw_http_header(r, "Accept");
	*csv = accept && strstr(accept, "text/csv") != NULL;
	return true;
}

void pw_http_csv_page(struct pw_response *resp, const char *next_cursor)
{
	resp->status = 200;
	resp->content_type = "text/csv; charset=utf-8";
	if (next_cursor)
		pw_http_add_header(resp, "X-Next-Cursor", next_cursor);
}

/* ---- paths and routes ---- */

/* Length of the valid UTF-8 sequence at s (at most n bytes), 0 if invalid:
 * no overlong forms, no surrogates, nothing above U+10FFFF. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	if (s[0] < 0x80)
		return 1;
	size_t len;
	unsigned cp;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		len = 2, cp = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		len = 3, cp = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		len = 4, cp = s[0] & 0x07;
	else
		return 0;
	if (len > n)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

static bool utf8_ok(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	for (size_t i = 0; i < n;) {
		if (p[i] < 0x20 || p[i] == 0x7f)
			return false;
		size_t l = utf8_len(p + i, n - i);
		if (!l)
			return false;
		i += l;
	}
	return true;
}

static bool dot_segment(const char *seg, size_t n)
{
	return (n == 1 && seg[0] == '.') || (n == 2 && seg[0] == '.' && seg[1] == '.');
}

bool pw_http_path_ok(const char *path, size_t len)
{
	if (len == 0 || path[0] != '/' || !utf8_ok(path, len))
		return false;
	for (size_t i = 1; i <= len;) {
		size_t j = i;
		while (j < len && path[j] != '/')
			j++;
		if (dot_segment(path + i, j - i))
			return false;
		i = j + 1;
	}
	return true;
}

/* Does `pattern` match the path? Parameters (when params is not NULL)
 * point into scratch, a copy of path cut at the segment ends. */
static bool match_pattern(const char *pattern, const char *path, char *scratch,
			  const char **params, size_t *nparams)
{
	const char *p = pattern, *s = path;
	size_t n = 0;
	while (*p && *s) {
		if (*p != '/' || *s != '/')
			return false;
		p++, s++;
		const char *pe = strchrnul(p, '/'), *se = strchrnul(s, '/');
		size_t plen = (size_t)(pe - p), slen = (size_t)(se - s);
		if (plen >= 2 && p[0] == '{' && p[plen - 1] == '}') {
			if (slen == 0 || slen > PW_HTTP_PARAM_MAX || dot_segment(s, slen) ||
			    n >= PW_ROUTE_MAX_PARAMS)
				return false;
			if (params) {
				char *d = scratch + (s - path);
				d[slen] = '\0';
				params[n] = d;
			}
			n++;
		} else if (plen != slen || memcmp(p, s, plen) != 0) {
			return false;
		}
		p = pe, s = se;
	}
	if (*p || *s)
		return false;
	if (nparams)
		*nparams = n;
	return true;
}

enum pw_route_status pw_http_route(const struct pw_route *const *tables, const char *method,
				   const char *path, char *scratch, const struct pw_route **route,
				   const char **params, size_t *nparams, struct pw_buf *allow)
{
	bool known = false;
	const char *want = strcmp(method, "HEAD") == 0 ? "GET" : method;
	if (allow)
		pw_buf_reset(allow);
	for (size_t t = 0; tables[t]; t++) {
		for (const struct pw_route *rt = tables[t]; rt->method; rt++) {
			if (!match_pattern(rt->pattern, path, NULL, NULL, NULL))
				continue;
			if (strcmp(rt->method, want) == 0) {
				size_t len = strlen(path);
				memcpy(scratch, path, len + 1);
				match_pattern(rt->pattern, path, scratch, params, nparams);
				*route = rt;
				return PW_ROUTE_FOUND;
			}
			if (allow) {
				/* each method once, in table order */
				size_t ml = strlen(rt->method);
				bool dup = false;
				for (const char *a = allow->data; a && *a;) {
					const char *end = strchrnul(a, ',');
					if ((size_t)(end - a) == ml && memcmp(a, rt->method, ml) == 0)
						dup = true;
					a = *end ? end + 2 : end;
				}
				if (!dup)
					pw_buf_addf(allow, "%s%s", allow->len ? ", " : "", rt->method);
			}
			known = true;
		}
	}
	return known ? PW_ROUTE_BAD_METHOD : PW_ROUTE_NOT_FOUND;
}

const char *pw_http_route_query_names(const struct pw_route_query *queries,
				      const struct pw_route *rt)
{
	for (const struct pw_route_query *q = queries; q->method; q++)
		if (strcmp(q->method, rt->method) == 0 && strcmp(q->pattern, rt->pattern) == 0)
			return q->names;
	return "";
}

bool pw_http_query_name_allowed(const char *names, const char *name)
{
	size_t n = strlen(name);
	for (const char *p = names; *p;) {
		const char *end = strchrnul(p, ' ');
		if ((size_t)(end - p) == n && memcmp(p, name, n) == 0)
			return true;
		p = *end ? end + 1 : end;
	}
	return false;
}

/* ---- the MHD side ---- */

static void free_req(struct req *q)
{
	if (!q)
		return;
	pw_buf_free(&q->early.body);
	pw_buf_free(&q->early.headers);
	pw_buf_free(&q->body);
	free(q->scratch);
	free(q);
}

/* A request line was parsed: its context, counted in flight. The raw URI
 * is still encoded: an encoded NUL would cut the decoded path short. */
static void *on_uri(void *cls, const char *uri, struct MHD_Connection *conn)
{
	struct pw_http *h = cls;
	struct req *q = calloc(1, sizeof(*q));
	if (!q)
		return NULL;
	q->http = h;
	q->src.conn = conn;
	pw_buf_init(&q->body, h->srv->max_body);
	clock_gettime(CLOCK_MONOTONIC, &q->t0);
	char *query = strchr(uri, '?');
	for (const char *p = uri; (p = strchr(p, '%')); p++)
		if (p[1] == '0' && p[2] == '0')
			*(query && p > query ? &q->nul_in_query : &q->bad_uri) = true;
	q->raw_uri = uri;
	q->raw_len = strlen(uri);
	size_t nparams = query && query[1] ? 1 : 0;
	for (const char *p = query; p && (p = strchr(p + 1, '&'));)
		nparams++;
	if (q->raw_len > PW_HTTP_TARGET_MAX) {
		q->line_status = 414;
		snprintf(q->line_msg, sizeof(q->line_msg),
			 "the request target is %zu bytes long, more than %d", q->raw_len,
			 PW_HTTP_TARGET_MAX);
	} else if (nparams > PW_HTTP_QUERY_MAX) {
		q->line_status = 414;
		snprintf(q->line_msg, sizeof(q->line_msg),
			 "the request has %zu query parameters, more than %d", nparams,
			 PW_HTTP_QUERY_MAX);
	}
	/* libmicrohttpd parses the query after this call, into the
	 * connection's memory pool: hundreds of parameters exhaust it, and
	 * its own answer (431) then finds no room either and never leaves.
	 * A query already refused is cut here, in its buffer, so the refusal
	 * is ours and in JSON. */
	if (q->line_status && query)
		query[1] = '\0';
	return q;
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **req_cls,
			 enum MHD_RequestTerminationCode toe)
{
	struct pw_http *h = cls;
	struct req *q = *req_cls;
	*req_cls = NULL;
	/* kept alive: the next request's headers are due */
	unsigned next = h->srv->idle_timeout > h->srv->header_timeout ? h->srv->idle_timeout
								       : h->srv->header_timeout;
	conn_set_phase(h, conn, CONN_HEADERS, next);
	if (!q)
		return;
	if (q->started) {
		pthread_mutex_lock(&h->lock);
		if (q->prev)
			q->prev->next = q->next;
		else
			h->active = q->next;
		if (q->next)
			q->next->prev = q->prev;
		if (--h->in_flight == 0)
			pthread_cond_broadcast(&h->idle);
		pthread_mutex_unlock(&h->lock);
	}
	free_req(q);
}

/* s with control characters, non-ASCII, quotes and backslashes as \xNN,
 * cut to fit `size`. */
static void escape_for_log(const char *s, char *out, size_t size)
{
	size_t o = 0;
	for (const unsigned char *p = (const unsigned char *)s; *p && o + 5 < size; p++) {
		if (*p < 0x20 || *p >= 0x7f || *p == '"' || *p == '\\')
			o += (size_t)snprintf(out + o, size - o, "\\x%02x", *p);
		else
			out[o++] = (char)*p;
	}
	out[o] = '\0';
}

static void log_access(struct req *q, const char *method, const char *url, int status,
		       size_t bytes)
{
	struct timespec t1;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	long us = (long)((t1.tv_sec - q->t0.tv_sec) * 1000000L + (t1.tv_nsec - q->t0.tv_nsec) / 1000);
	const char *addr = q->remote[0] ? q->remote : "-";
	/* the method and path as sent may hold anything: printed escaped */
	char safe_path[256], safe_method[40];
	escape_for_log(url, safe_path, sizeof(safe_path));
	escape_for_log(method ? method : "-", safe_method, sizeof(safe_method));
	pw_server_log("info", "%s %s \"%s\" %d %zu %s %ldus", addr, safe_method, safe_path, status,
		      bytes,
		      q->r.who.actor[0] ? q->r.who.actor : "-", us);
}

/* Hand a pw_response to MHD; it takes the body. */
static enum MHD_Result send_response(struct req *q, struct MHD_Connection *conn,
				     const char *method, const char *url, struct pw_response *resp)
{
	pw_http_finish_response(resp);
	size_t len = resp->body.len;
	struct MHD_Response *mr;
	if (len) {
		char *data = pw_buf_detach(&resp->body);
		mr = data ? MHD_create_response_from_buffer(len, data, MHD_RESPMEM_MUST_FREE) : NULL;
		if (!mr)
			free(data);
	} else {
		mr = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
	}
	if (!mr) {
		pw_buf_free(&resp->headers);
		return MHD_NO;
	}
	MHD_add_response_header(mr, MHD_HTTP_HEADER_CONTENT_TYPE, resp->content_type);
	MHD_add_response_header(mr, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(mr, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	/* "Name: value\n" lines */
	for (char *line = resp->headers.data; line && *line;) {
		char *nl = strchr(line, '\n');
		if (nl)
			*nl = '\0';
		char *colon = strchr(line, ':');
		if (colon) {
			*colon = '\0';
			const char *v = colon + 1;
			while (*v == ' ')
				v++;
			MHD_add_response_header(mr, line, v);
		}
		line = nl ? nl + 1 : line + strlen(line);
	}
	pw_buf_free(&resp->headers);
	/* while stopping, clients are asked to go: the connection closes after
	 * this answer */
	if (atomic_load_explicit(&q->http->stopping, memory_order_relaxed))
		MHD_add_response_header(mr, MHD_HTTP_HEADER_CONNECTION, "close");
	conn_set_phase(q->http, conn, CONN_ANSWER, q->http->srv->body_timeout);
	enum MHD_Result ret = MHD_queue_response(conn, (unsigned)resp->status, mr);
	MHD_destroy_response(mr);
	struct timespec t1;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	pw_request_metrics_observe(resp->status, (double)(t1.tv_sec - q->t0.tv_sec) +
							 (double)(t1.tv_nsec - q->t0.tv_nsec) / 1e9);
	if (q->http->srv->access_log)
		log_access(q, method, url, resp->status, len);
	return ret;
}

static enum MHD_Result send_error(struct req *q, struct MHD_Connection *conn, const char *method,
				  const char *url, int status, const char *code, const char *msg)
{
	struct pw_response resp = { 0 };
	pw_buf_init(&resp.body, 0);
	pw_buf_init(&resp.headers, 0);
	error_body(&resp, status, code, msg);
	return send_response(q, conn, method, url, &resp);
}

static void peer_address(struct MHD_Connection *conn, char *out, size_t size)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	out[0] = '\0';
	if (!ci || !ci->client_addr)
		return;
	const struct sockaddr *sa = ci->client_addr;
	if (sa->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, out, (socklen_t)size);
	else if (sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, out,
			  (socklen_t)size);
}

static struct pw_store *thread_store(struct pw_server *srv, struct pw_error *e)
{
	struct pw_store *s = pthread_getspecific(store_key);
	if (s)
		return s;
	if (pw_store_open(srv->db_path, &s, e) != PW_OK)
		return NULL;
	pthread_setspecific(store_key, s);
	return s;
}

/* The body is complete: authenticate, run the handler, answer. */
static enum MHD_Result dispatch(struct req *q, struct MHD_Connection *conn, const char *method,
				const char *url)
{
	struct pw_http *h = q->http;
	struct pw_response resp = { 0 };
	pw_buf_init(&resp.body, 0);
	pw_buf_init(&resp.headers, 0);
	struct pw_error e = { 0 };
	struct pw_request *r = &q->r;
	r->method = method;
	r->path = url;
	r->body = q->body.len ? q->body.data : NULL;
	r->body_len = q->body.len;
	r->tls = h->tls;
	r->server = h->srv;
	r->impl = &q->src;
	atomic_store(&q->busy, true);
	conn_set_phase(h, conn, CONN_HANDLER, 0);
	r->store = thread_store(h->srv, &e);
	r->remote = q->remote;
	if (!r->store) {
		if (e.code == PW_ERR_FULL || e.code == PW_ERR_CORRUPT) {
			pw_http_error_from(&resp, &e);
		} else {
			pw_server_log("error", "cannot open the store: %s", e.msg);
			error_body(&resp, 503, "unavailable",
				   "the store cannot be opened; see the server log");
		}
	} else if (pw_auth_request(r, &resp, q->route->allow)) {
		q->route->handler(r, &resp);
		/* a handler that left a transaction open must not leak it into
		 * the next request on this connection */
		if (pw_store_in_transaction(r->store)) {
			pw_server_log("error", "%s %s left a transaction open: rolled back", method,
				      q->route->pattern);
			pw_store_rollback(r->store);
		}
	}
	atomic_store_explicit(&q->progress, now_ns(), memory_order_relaxed);
	atomic_store(&q->busy, false);
	return send_response(q, conn, method, url, &resp);
}

struct unknown_arg {
	const char *names; /* what the route accepts */
	char *unknown;     /* the first other name, copied */
};

static enum MHD_Result find_unknown_arg(void *cls, enum MHD_ValueKind kind, const char *key,
					const char *value)
{
	struct unknown_arg *u = cls;
	if (pw_http_query_name_allowed(u->names, key))
		return MHD_YES;
	u->unknown = strdup(key);
	return MHD_NO;
}

/* 400 unknown_parameter, naming the parameter and those the route takes. */
static void unknown_parameter(struct pw_response *resp, const struct pw_route *rt,
			      const char *names, const char *name)
{
	char msg[512];
	if (*names)
		snprintf(msg, sizeof(msg), "%.64s is not a parameter of %s %s (it takes: %s)", name,
			 rt->method, rt->pattern, names);
	else
		snprintf(msg, sizeof(msg), "%.64s is not a parameter of %s %s (it takes none)", name,
			 rt->method, rt->pattern);
	json_t *doc = json_pack("{s:{s:s,s:s,s:s}}", "error", "code", "unknown_parameter",
				"message", msg, "parameter", name);
	pw_http_json(resp, 400, doc);
	if (resp->status == 500) /* not UTF-8: the query checks come first, but */
		error_body(resp, 400, "unknown_parameter", msg);
}

static enum MHD_Result check_query_arg(void *cls, enum MHD_ValueKind kind, const char *key,
				       const char *value)
{
	bool *ok = cls;
	if (!utf8_ok(key, strlen(key)) || (value && !utf8_ok(value, strlen(value)))) {
		*ok = false;
		return MHD_NO;
	}
	return MHD_YES;
}

/* A raw NUL byte inside the request target: libmicrohttpd hands over the
 * target as a C string, so "GET /api/v1/health\0junk" would be read as
 * /api/v1/health. The target and the version lie in one buffer, the
 * version right after the target's end (the space there became a NUL):
 * any further gap is a NUL the client sent. */
static bool nul_in_target(const struct req *q, const char *version)
{
	if (!version || !q->raw_uri || version <= q->raw_uri)
		return false;
	size_t gap = (size_t)(version - q->raw_uri);
	return gap > q->raw_len + 1 && gap <= q->raw_len + 1 + PW_HTTP_TARGET_MAX;
}

struct header_tally {
	size_t bytes, count;
	size_t lengths;          /* Content-Length headers */
	const char *length;      /* the first one's value */
	bool lengths_differ;
	bool chunked;            /* a Transfer-Encoding header */
};

static enum MHD_Result tally_header(void *cls, enum MHD_ValueKind kind, const char *key,
				    const char *value)
{
	struct header_tally *t = cls;
	t->count++;
	t->bytes += strlen(key) + (value ? strlen(value) : 0) + 4; /* ": " and CRLF */
	if (strcasecmp(key, MHD_HTTP_HEADER_CONTENT_LENGTH) == 0) {
		if (t->lengths++ && strcmp(t->length, value ? value : "") != 0)
			t->lengths_differ = true;
		else if (!t->length)
			t->length = value ? value : "";
	} else if (strcasecmp(key, MHD_HTTP_HEADER_TRANSFER_ENCODING) == 0) {
		t->chunked = true;
	}
	return MHD_YES;
}

static void tally_headers(struct MHD_Connection *conn, struct header_tally *t)
{
	memset(t, 0, sizeof(*t));
	MHD_get_connection_values(conn, MHD_HEADER_KIND, tally_header, t);
}

/* More header bytes or lines than any client of the API sends: 431. */
static bool headers_too_large(struct MHD_Connection *conn, struct pw_response *resp)
{
	struct header_tally t;
	tally_headers(conn, &t);
	if (t.bytes > PW_HTTP_HEADERS_MAX || t.count > PW_HTTP_HEADER_LINES_MAX) {
		pw_http_error(resp, 431, "headers_too_large",
			      "the request has %zu header lines of %zu bytes; at most %d lines of "
			      "%d bytes are read",
			      t.count, t.bytes, PW_HTTP_HEADER_LINES_MAX, PW_HTTP_HEADERS_MAX);
		return true;
	}
	return false;
}

/* Where the body ends must be beyond doubt, or a proxy in front and this
 * server could split the stream differently (request smuggling): two
 * different Content-Length headers, or one with Transfer-Encoding, are
 * refused. */
static bool ambiguous_framing(struct MHD_Connection *conn, struct pw_response *resp)
{
	struct header_tally t;
	tally_headers(conn, &t);
	if (t.lengths_differ) {
		pw_http_error(resp, 400, "invalid_request",
			      "the request has Content-Length headers that differ");
		return true;
	}
	if (t.lengths && t.chunked) {
		pw_http_error(resp, 400, "invalid_request",
			      "the request has both Content-Length and Transfer-Encoding");
		return true;
	}
	return false;
}

/* Whether a body refused as too large is read and dropped before the 413
 * instead of answered at once. A client that did not wait for 100 Continue
 * is already sending: closing on unread bytes makes the kernel reset the
 * connection, and the reset can destroy the 413 before the client reads it
 * (seen as no answer at all under load). So, as nginx's lingering close
 * does, a body of a declared, bounded size is drained (the body deadline
 * still applies); one past PW_HTTP_DRAIN_MAX, or of unknown size, is not. */
#define PW_HTTP_DRAIN_MAX (64ull << 20)
static bool drains_body(const struct req *q, struct MHD_Connection *conn, const char *cl)
{
	if (q->early.status != 413 || !cl)
		return false;
	const char *expect = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
							 MHD_HTTP_HEADER_EXPECT);
	if (expect && strcasecmp(expect, "100-continue") == 0)
		return false; /* it waits: no body is coming */
	if (MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_TRANSFER_ENCODING))
		return false;
	errno = 0;
	char *end;
	unsigned long long declared = strtoull(cl, &end, 10);
	return !errno && end != cl && *end == '\0' && declared <= PW_HTTP_DRAIN_MAX;
}

/* The checks made once the headers are in: the path, a declared body
 * size, the route. true when the request is refused (q->early holds the
 * answer). */
static bool check_request(struct req *q, struct MHD_Connection *conn, const char *method,
			  const char *url, const char *version, const char *cl)
{
	struct pw_response *resp = &q->early;
	size_t max = q->http->srv->max_body;
	if (q->line_status) {
		pw_http_error(resp, q->line_status, "uri_too_long", "%s", q->line_msg);
		pw_http_add_header(resp, "Connection", "close");
		return true;
	}
	if (nul_in_target(q, version)) {
		pw_http_error(resp, 400, "invalid_request", "the request line holds a NUL byte");
		pw_http_add_header(resp, "Connection", "close");
		return true;
	}
	if (q->nul_in_query) {
		pw_http_error(resp, 400, "invalid_request", "a query parameter holds a NUL byte");
		return true;
	}
	if (headers_too_large(conn, resp) || ambiguous_framing(conn, resp)) {
		/* the connection's framing is not to be trusted any more */
		pw_http_add_header(resp, "Connection", "close");
		return true;
	}
	if (q->bad_uri) {
		/* no resource has a NUL in its name */
		pw_http_error(resp, 404, "not_found", "no such resource: the path holds a NUL byte");
		return true;
	}
	size_t len = strlen(url);
	if (!utf8_ok(url, len)) {
		pw_http_error(resp, 400, "invalid_request",
			      "the path is not valid UTF-8 or holds control characters");
		return true;
	}
	if (!pw_http_path_ok(url, len)) {
		pw_http_error(resp, 404, "not_found", "no such resource");
		return true;
	}
	bool query_ok = true;
	MHD_get_connection_values(conn, MHD_GET_ARGUMENT_KIND, check_query_arg, &query_ok);
	if (!query_ok) {
		pw_http_error(resp, 400, "invalid_request",
			      "a query parameter is not valid UTF-8 or holds control characters");
		return true;
	}
	unsigned long long declared = 0;
	if (cl) {
		errno = 0;
		char *end;
		declared = strtoull(cl, &end, 10);
		if (errno || end == cl || declared > max) {
			pw_http_error(resp, 413, "payload_too_large",
				      "the body is larger than %zu bytes", max);
			return true;
		}
	}
	if (!(q->scratch = malloc(len + 1))) {
		pw_http_error(resp, 500, "internal", "out of memory");
		return true;
	}
	struct pw_buf allow = PW_BUF_INIT;
	enum pw_route_status st = pw_http_route(pw_api_routes, method, url, q->scratch, &q->route,
						q->r.params, &q->r.nparams, &allow);
	if (st == PW_ROUTE_BAD_METHOD) {
		pw_http_error(resp, 405, "method_not_allowed", "%s is not allowed here; allowed: %s",
			      strlen(method) < 16 ? method : "this method",
			      allow.data ? allow.data : "");
		pw_http_add_header(resp, "Allow", allow.data ? allow.data : "");
	} else if (st == PW_ROUTE_NOT_FOUND) {
		pw_http_error(resp, 404, "not_found", "no such resource");
	}
	pw_buf_free(&allow);
	if (st == PW_ROUTE_FOUND) {
		struct unknown_arg u = { pw_http_route_query_names(pw_api_route_queries, q->route),
					 NULL };
		MHD_get_connection_values(conn, MHD_GET_ARGUMENT_KIND, find_unknown_arg, &u);
		if (u.unknown) {
			unknown_parameter(resp, q->route, u.names, u.unknown);
			free(u.unknown);
			return true;
		}
	}
	/* a declared size is allocated once (an inventory upload would
	 * otherwise grow through a chain of copies) */
	if (st == PW_ROUTE_FOUND && declared && pw_buf_grow(&q->body, (size_t)declared) != PW_OK) {
		pw_http_error(resp, 503, "unavailable", "out of memory for the body");
		return true;
	}
	return st != PW_ROUTE_FOUND;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
				  const char *method, const char *version, const char *upload_data,
				  size_t *upload_data_size, void **req_cls)
{
	struct pw_http *h = cls;
	struct req *q = *req_cls;
	if (!q)
		return MHD_NO; /* out of memory in on_uri */
	if (!q->started) {
		/* in flight from here (its headers are in) until on_completed: a
		 * client that never finished its headers is not waited for */
		q->started = true;
		atomic_store_explicit(&q->progress, now_ns(), memory_order_relaxed);
		pthread_mutex_lock(&h->lock);
		q->next = h->active;
		if (h->active)
			h->active->prev = q;
		h->active = q;
		h->in_flight++;
		pthread_mutex_unlock(&h->lock);
		conn_set_phase(h, conn, CONN_BODY, h->srv->body_timeout);
		peer_address(conn, q->remote, sizeof(q->remote));
		const char *cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
							     MHD_HTTP_HEADER_CONTENT_LENGTH);
		bool has_body = (cl && strcmp(cl, "0") != 0) ||
				MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
							    MHD_HTTP_HEADER_TRANSFER_ENCODING);
		if (check_request(q, conn, method, url, version, cl)) {
			/* refused before its body: answered at once, without reading
			 * it (MHD closes the connection). A request without a body is
			 * answered on the last call, which keeps the connection. */
			if (has_body && !drains_body(q, conn, cl))
				return send_response(q, conn, method, url, &q->early);
		}
		return MHD_YES;
	}
	if (*upload_data_size) {
		atomic_store_explicit(&q->progress, now_ns(), memory_order_relaxed);
		if (!q->too_large && !q->early.status &&
		    pw_buf_add(&q->body, upload_data, *upload_data_size) != PW_OK) {
			q->too_large = true;
			pw_buf_free(&q->body);
		}
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (q->early.status)
		return send_response(q, conn, method, url, &q->early);
	if (q->too_large) {
		char msg[96];
		snprintf(msg, sizeof(msg), "the body is larger than %zu bytes", h->srv->max_body);
		return send_error(q, conn, method, url, 413, "payload_too_large", msg);
	}
	return dispatch(q, conn, method, url);
}

static void destroy(struct pw_http *h)
{
	pthread_cond_destroy(&h->sweep_wake);
	pthread_mutex_destroy(&h->conns_lock);
	pthread_cond_destroy(&h->idle);
	pthread_mutex_destroy(&h->lock);
	free(h);
}

static void on_mhd_log(void *cls, const char *fmt, va_list ap)
{
	char msg[512];
	vsnprintf(msg, sizeof(msg), fmt, ap);
	size_t n = strlen(msg);
	while (n && (msg[n - 1] == '\n' || msg[n - 1] == '\r'))
		msg[--n] = '\0';
	pw_server_log("warning", "http: %s", msg);
}

/* File descriptors kept for other uses than connections: the store's
 * (database, -wal, -shm per worker), each worker's epoll and signalling
 * pipe, logs, feeds being fetched. */
static rlim_t fd_reserve(const struct pw_server *srv)
{
	return 64 + (rlim_t)srv->threads * 8;
}

/* The connection limit, with room for the other descriptors: the soft
 * limit on open files is raised as far as needed (up to the hard limit);
 * if that is still short, fewer connections are allowed, and the log says
 * so, rather than accept() failing with EMFILE and the server refusing
 * everyone. */
static unsigned connection_limit(const struct pw_server *srv)
{
	struct rlimit rl;
	rlim_t need = (rlim_t)srv->max_connections + fd_reserve(srv);
	if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
		return srv->max_connections;
	if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < need) {
		struct rlimit want = rl;
		want.rlim_cur = rl.rlim_max == RLIM_INFINITY || rl.rlim_max > need ? need : rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &want) == 0)
			rl = want;
	}
	if (rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur >= need)
		return srv->max_connections;
	rlim_t room = rl.rlim_cur > fd_reserve(srv) * 2 ? rl.rlim_cur - fd_reserve(srv)
						       : rl.rlim_cur / 2;
	pw_server_log("warning",
		      "max_connections %u lowered to %llu: the limit on open files is %llu "
		      "(ulimit -n, LimitNOFILE=) and %llu are kept for the store and the workers",
		      srv->max_connections, (unsigned long long)room,
		      (unsigned long long)rl.rlim_cur, (unsigned long long)fd_reserve(srv));
	return (unsigned)room;
}

pw_err pw_http_start(struct pw_server *srv, int fd, const char *cert, const char *key,
		     struct pw_http **out, struct pw_error *e)
{
	pthread_once(&store_key_once, make_store_key);
	struct pw_http *h = calloc(1, sizeof(*h));
	if (!h)
		return pw_error_set(e, PW_ERR_NOMEM, "out of memory");
	h->srv = srv;
	h->tls = cert && key;
	pthread_mutex_init(&h->lock, NULL);
	pthread_cond_init(&h->idle, NULL);
	pthread_mutex_init(&h->conns_lock, NULL);
	pthread_cond_init(&h->sweep_wake, NULL);
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ITC |
			 MHD_USE_TURBO | MHD_USE_ERROR_LOG;
	if (h->tls)
		flags |= MHD_USE_TLS;
	struct MHD_OptionItem opts[24];
	size_t n = 0;
	/* first, so every message of MHD's goes through it */
	opts[n++] = (struct MHD_OptionItem){ MHD_OPTION_EXTERNAL_LOGGER, (intptr_t)on_mhd_log, h };
	opts[n++] = (struct MHD_OptionItem){ MHD_OPTION_LISTEN_SOCKET, fd, NULL };
	opts[n++] = (struct MHD_OptionItem){ MHD_OPTION_THREAD_POOL_SIZE, srv->threads, NULL };
	opts[n++] = (struct MHD_OptionItem){ MHD_OPTION_CONNECTION_TIMEOUT, srv->idle_timeout, NULL };
	opts[n++] = (struct MHD_OptionItem){ MHD_OPTION_CONNECTION_LIMIT, connection_limit(srv),
					     NULL };
	if (srv->max_per_address)
		opts[n++] = (struct MHD_OptionItem){ MHD_OPTION_PER_IP_CONNECTION_LIMIT,
						     srv->max_per_address, NULL };
	opts[n++] = (struct MHD_OptionItem){ MHD_OPTION_NOTIFY_CONNECTION, (intptr_t)on_connection,
					     h };
	opts[n++] = (struct MHD_OptionItem){ MHD_OPTION_STRICT_FOR_CLIENT, 1, NULL };
	/* room for a request line and headers up to the limits checked here
	 * (PW_HTTP_TARGET_MAX, PW_HTTP_HEADERS_MAX), so they are refused in
	 * JSON; only beyond this does libmicrohttpd answer by itself */
	opts[n++] = (struct MHD_OptionItem){ MHD_OPTION_CONNECTION_MEMORY_LIMIT, PW_HTTP_POOL, NULL };
	opts[n++] = (struct MHD_OptionItem){ MHD_OPTION_URI_LOG_CALLBACK, (intptr_t)on_uri, h };
	opts[n++] = (struct MHD_OptionItem){ MHD_OPTION_NOTIFY_COMPLETED, (intptr_t)on_completed, h };
	if (h->tls) {
		opts[n++] = (struct MHD_OptionItem){ MHD_OPTION_HTTPS_MEM_CERT, 0, (void *)cert };
		opts[n++] = (struct MHD_OptionItem){ MHD_OPTION_HTTPS_MEM_KEY, 0, (void *)key };
		opts[n++] = (struct MHD_OptionItem){ MHD_OPTION_HTTPS_PRIORITIES, 0,
						     (void *)srv->tls_priorities };
	}
	opts[n++] = (struct MHD_OptionItem){ MHD_OPTION_END, 0, NULL };
	h->mhd = MHD_start_daemon(flags, 0, NULL, NULL, on_request, h, MHD_OPTION_ARRAY, opts,
				  MHD_OPTION_END);
	if (!h->mhd) {
		destroy(h);
		return pw_error_set(e, PW_ERR_IO,
				    "the HTTP server did not start (see the messages above)");
	}
	h->sweeping = true;
	if (pthread_create(&h->sweeper, NULL, sweeper_main, h) != 0) {
		h->sweeping = false;
		MHD_stop_daemon(h->mhd);
		destroy(h);
		return pw_error_set(e, PW_ERR_IO, "the connection sweeper did not start");
	}
	*out = h;
	return PW_OK;
}

void pw_http_stop(struct pw_http *h, unsigned timeout_s)
{
	if (!h)
		return;
	atomic_store(&h->stopping, true);
	/* no new connections; the listening socket is ours to close */
	MHD_socket fd = MHD_quiesce_daemon(h->mhd);
	if (fd != MHD_INVALID_SOCKET)
		close(fd);
	/* wait for the requests in flight: until none is left, or each one
	 * left is stalled (no step for STALLED_NS, its handler not running),
	 * or timeout_s passed */
	long long deadline = now_ns() + (long long)timeout_s * 1000000000LL;
	long left = 0, stalled = 0;
	pthread_mutex_lock(&h->lock);
	for (;;) {
		left = h->in_flight, stalled = 0;
		long long now = now_ns();
		for (struct req *q = h->active; q; q = q->next)
			if (!atomic_load(&q->busy) &&
			    now - atomic_load_explicit(&q->progress, memory_order_relaxed) > STALLED_NS)
				stalled++;
		if (left == 0 || stalled == left || now >= deadline)
			break;
		struct timespec until;
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_nsec += 200000000L; /* look again in 0.2 s at the latest */
		if (until.tv_nsec >= 1000000000L)
			until.tv_sec++, until.tv_nsec -= 1000000000L;
		pthread_cond_timedwait(&h->idle, &h->lock, &until);
	}
	pthread_mutex_unlock(&h->lock);
	if (left && stalled == left)
		pw_server_log("warning", "%ld request%s in flight made no progress for %lld s: closing",
			      left, left == 1 ? "" : "s", STALLED_NS / 1000000000LL);
	else if (left)
		pw_server_log("warning", "%ld request%s still in flight after %u s: closing", left,
			      left == 1 ? "" : "s", timeout_s);
	MHD_stop_daemon(h->mhd);
	pthread_mutex_lock(&h->conns_lock);
	h->sweeping = false;
	pthread_cond_signal(&h->sweep_wake);
	pthread_mutex_unlock(&h->conns_lock);
	pthread_join(h->sweeper, NULL);
	destroy(h);
}
