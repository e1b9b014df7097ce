/* server_internal.h - what server.c and http.c share: the server's
 * settings and the HTTP layer's start and stop, plus the routing and
 * request helpers the unit tests reach without a socket. Internal to
 * src/server/: API modules see pw_http.h and pw_server.h only.
 */
#ifndef PW_SERVER_INTERNAL_H
#define PW_SERVER_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

#include "pw_buf.h"
#include "pw_err.h"
#include "pw_http.h"
#include "pw_server.h"

/* One "key = value" of the configuration, with where it was read. */
struct pw_setting {
	char *section;
	char *key;
	char *value;
	int line;
};

struct pw_http;

/* config.c: the setting as read (with its line), NULL when not set; an
 * ADDR:PORT (IPv4, [IPv6]) into a socket address. */
const struct pw_setting *pw_server_find_setting(const struct pw_server *srv, const char *section,
						const char *key);
bool pw_server_parse_listen(const char *v, struct sockaddr_storage *ss, socklen_t *len);

struct pw_server {
	char *config_path; /* the file read; NULL when none */
	struct pw_setting *settings;
	size_t nsettings;
	char *db_path;
	char *listen;      /* ADDR:PORT */
	char *port_file;   /* NULL: none */
	unsigned threads;
	size_t max_body;
	bool access_log;
	const char *tls_cert, *tls_key; /* paths, from the settings */
	const char *tls_priorities;     /* GnuTLS priority string */
	unsigned idle_timeout;          /* seconds */
	unsigned max_connections;
	unsigned max_per_address;       /* connections from one address; 0: no limit */
	unsigned header_timeout;        /* seconds from accept to a request's headers */
	unsigned body_timeout;          /* seconds from the headers to the body's end,
					 * and for the answer to be sent */
	unsigned shutdown_timeout;      /* seconds to finish requests in flight */
	struct pw_http *http;
	bool stopping;                  /* a stop signal came (__atomic: read by tasks) */
};

/* Start serving on the listening socket `fd` (taken over): a pool of
 * srv->threads workers, each with its own store connection opened on its
 * first request. cert and key are PEM text (both NULL: plain HTTP). */
pw_err pw_http_start(struct pw_server *srv, int fd, const char *cert, const char *key,
		     struct pw_http **out, struct pw_error *e);
/* Stop accepting, let requests in flight finish (at most timeout_s
 * seconds), close every connection and the workers' store connections. */
void pw_http_stop(struct pw_http *h, unsigned timeout_s);

/* ---- for the unit tests ---- */

/* A name and value of a request that has no connection behind it. */
struct pw_http_kv {
	const char *name;
	const char *value;
};

/* What r->impl points to: the connection, or (tests) NULL-ended lists. */
struct pw_http_source {
	void *conn; /* struct MHD_Connection * */
	const struct pw_http_kv *headers;
	const struct pw_http_kv *query;
	const struct pw_http_kv *cookies;
};

#define PW_HTTP_PARAM_MAX 200 /* bytes of one {x} segment */

enum pw_route_status {
	PW_ROUTE_FOUND,
	PW_ROUTE_NOT_FOUND,    /* no pattern matches the path */
	PW_ROUTE_BAD_METHOD,   /* the path is known, for other methods (allow lists them) */
};

/* Match `path` against the tables (NULL-ended arrays of { NULL }-ended
 * route tables), in order. `scratch` (strlen(path) + 1 bytes) receives a
 * copy of the path the parameters point into. HEAD matches GET routes.
 * A {x} segment never matches an empty segment, ".", "..", or one longer
 * than PW_HTTP_PARAM_MAX. On PW_ROUTE_BAD_METHOD, `allow` (may be NULL)
 * receives "GET, POST". */
enum pw_route_status pw_http_route(const struct pw_route *const *tables, const char *method,
				   const char *path, char *scratch, const struct pw_route **route,
				   const char **params, size_t *nparams, struct pw_buf *allow);

/* The parameters `rt` accepts, from `queries` (method and pattern equal):
 * "" when it is not listed. */
const char *pw_http_route_query_names(const struct pw_route_query *queries,
				      const struct pw_route *rt);
/* Is `name` one of `names` (space-separated)? */
bool pw_http_query_name_allowed(const char *names, const char *name);

/* A decoded path the server accepts: starts with '/', valid UTF-8, no
 * control characters, no "." or ".." segment. */
bool pw_http_path_ok(const char *path, size_t len);

/* Fill a response's missing pieces before it is sent: a status, and a
 * JSON body when a handler set none (a 2xx gets {}, an error its
 * {"error":...}). */
void pw_http_finish_response(struct pw_response *resp);

#endif
