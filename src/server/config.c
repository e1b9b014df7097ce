/* config.c - the server's configuration: the INI file read and checked
 * (file:line and key in every error), the settings modules read, where the
 * store is, and the log line format. Everything the administration verbs
 * need of the server (`db`, `change`, `policy`, `quarantine` read the same
 * file), without the HTTP server: they link this, not server.c and http.c.
 */
#include "pw_server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <ini.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "pw_buf.h"
#include "pw_config.h"
#include "pw_file.h"
#include "pw_inventory_hold.h"
#include "pw_registry.h"
#include "pw_store.h"
#include "pw_text.h"
#include "server_internal.h"

#define DEFAULT_CONFIG PW_SYSCONFDIR "/patchwarden.conf"
#define DEFAULT_LISTEN "127.0.0.1:8080"
#define DEFAULT_MAX_BODY ((size_t)16 << 20)
/* Connections at once from one address. Agents behind a NAT gateway, and
 * the tests, share one address, but an agent holds a connection only for
 * a check-in: 256 leaves such a site plenty, while one address alone can
 * take at most a sixteenth of the default 4096. */
#define DEFAULT_PER_ADDRESS 256

/* ---- logging ---- */

void pw_server_log(const char *level, const char *fmt, ...)
{
	char line[1024];
	int n = snprintf(line, sizeof(line), "patchwarden: %s: ", level);
	va_list ap;
	va_start(ap, fmt);
	if (n > 0 && (size_t)n < sizeof(line))
		vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
	va_end(ap);
	/* one line per event, never a control character: a message quotes
	 * host and package names, and the journal ends on a terminal */
	struct pw_buf safe = PW_BUF_INIT;
	size_t used;
	if (pw_text_escape(&safe, line, strlen(line), PW_TEXT_FINAL, &used) == PW_OK && safe.data)
		fprintf(stderr, "%s\n", safe.data);
	else
		fprintf(stderr, "patchwarden: %s: (a message that could not be escaped)\n", level);
	pw_buf_free(&safe);
}

/* ---- settings ---- */

const char *pw_server_setting(const struct pw_server *srv, const char *section, const char *key)
{
	if (!srv)
		return NULL;
	/* the last of repeated keys wins */
	for (size_t i = srv->nsettings; i-- > 0;) {
		const struct pw_setting *s = &srv->settings[i];
		if (strcasecmp(s->section, section) == 0 && strcasecmp(s->key, key) == 0)
			return s->value;
	}
	return NULL;
}

const struct pw_setting *pw_server_find_setting(const struct pw_server *srv, const char *section,
					     const char *key)
{
	for (size_t i = srv->nsettings; i-- > 0;) {
		const struct pw_setting *s = &srv->settings[i];
		if (strcasecmp(s->section, section) == 0 && strcasecmp(s->key, key) == 0)
			return s;
	}
	return NULL;
}

static bool parse_int(const char *v, int64_t *out)
{
	if (!v || !*v)
		return false;
	errno = 0;
	char *end;
	long long x = strtoll(v, &end, 10);
	if (errno || *end)
		return false;
	*out = x;
	return true;
}

int64_t pw_server_setting_int(const struct pw_server *srv, const char *section, const char *key,
			      int64_t def)
{
	const struct pw_setting *s = srv ? pw_server_find_setting(srv, section, key) : NULL;
	int64_t v;
	if (!s)
		return def;
	if (!parse_int(s->value, &v)) {
		pw_server_log("warning", "%s:%d: [%s] %s: '%s' is not a whole number; using %lld",
			      srv->config_path ? srv->config_path : "-", s->line, s->section, s->key,
			      s->value, (long long)def);
		return def;
	}
	return v;
}

int pw_server_max_package_loss(const struct pw_server *srv)
{
	const char *v = pw_server_setting(srv, "assess", "max_package_loss");
	int pct = PW_INVENTORY_MAX_LOSS_DEFAULT;
	if (v && !pw_inventory_parse_loss(v, &pct)) {
		pw_server_log("warning",
			      "[assess] max_package_loss \"%.32s\": a percentage from 1%% to 100%% is"
			      " expected; %d%% used",
			      v, PW_INVENTORY_MAX_LOSS_DEFAULT);
		pct = PW_INVENTORY_MAX_LOSS_DEFAULT;
	}
	return pct;
}

int64_t pw_server_stale_after(const struct pw_server *srv)
{
	int64_t v = PW_REGISTRY_STALE_AFTER_DEFAULT;
	const char *s = pw_server_setting(srv, "registry", "stale_after");
	if (s && !pw_registry_parse_duration(s, &v)) {
		static _Atomic bool warned;
		if (!warned) {
			warned = true;
			pw_server_log("warning",
				      "[registry] stale_after = %s: not a duration (3d, 72h, 3600);"
				      " using 3d",
				      s);
		}
		v = PW_REGISTRY_STALE_AFTER_DEFAULT;
	}
	return v;
}

const char *pw_server_db_path(const struct pw_server *srv)
{
	return srv->db_path;
}

const char *pw_server_config_path(const struct pw_server *srv)
{
	return srv->config_path;
}

bool pw_server_stopping(const struct pw_server *srv)
{
	return __atomic_load_n(&srv->stopping, __ATOMIC_ACQUIRE);
}

struct ini_ctx {
	struct pw_server *srv;
	FILE *f;
	int line;
	bool too_long;
	pw_err err;
};

/* inih's reader, counting lines so each setting knows its own. */
static char *read_line(char *str, int num, void *stream)
{
	struct ini_ctx *c = stream;
	if (c->too_long || !fgets(str, num, c->f))
		return NULL;
	size_t n = strlen(str);
	if (n && str[n - 1] == '\n') {
		c->line++;
	} else if (!feof(c->f)) {
		c->line++;
		c->too_long = true;
		return NULL;
	} else {
		c->line++;
	}
	return str;
}

static int on_setting(void *user, const char *section, const char *name, const char *value)
{
	struct ini_ctx *c = user;
	struct pw_server *srv = c->srv;
	struct pw_setting *grown = realloc(srv->settings, (srv->nsettings + 1) * sizeof(*grown));
	if (!grown) {
		c->err = PW_ERR_NOMEM;
		return 0;
	}
	srv->settings = grown;
	struct pw_setting *s = &srv->settings[srv->nsettings];
	s->section = strdup(section);
	s->key = strdup(name);
	s->value = strdup(value);
	s->line = c->line;
	if (!s->section || !s->key || !s->value) {
		free(s->section), free(s->key), free(s->value);
		c->err = PW_ERR_NOMEM;
		return 0;
	}
	srv->nsettings++;
	return 1;
}

static pw_err read_config(struct pw_server *srv, const char *path, bool must_exist,
			  struct pw_error *e)
{
	FILE *f = fopen(path, "r");
	if (!f) {
		if (!must_exist && errno == ENOENT)
			return PW_OK;
		return pw_error_set(e, PW_ERR_IO, "%s: %s", path, strerror(errno));
	}
	if (!(srv->config_path = strdup(path))) {
		fclose(f);
		return pw_error_set(e, PW_ERR_NOMEM, "out of memory");
	}
	struct ini_ctx c = { .srv = srv, .f = f };
	int rc = ini_parse_stream(read_line, &c, on_setting, &c);
	bool io = ferror(f);
	fclose(f);
	if (c.err)
		return pw_error_set(e, c.err, "%s: out of memory", path);
	if (c.too_long)
		return pw_error_set(e, PW_ERR_PARSE, "%s:%d: line longer than %d characters", path,
				    c.line, INI_MAX_LINE - 2);
	if (io)
		return pw_error_set(e, PW_ERR_IO, "%s: read error", path);
	if (rc > 0)
		return pw_error_set(e, PW_ERR_PARSE,
				    "%s:%d: not a [section] header nor a 'key = value' line", path,
				    rc);
	if (rc < 0)
		return pw_error_set(e, PW_ERR_IO, "%s: cannot be read", path);
	return PW_OK;
}

/* "where: [section] key" for messages about a setting. */
static pw_err bad_setting(const struct pw_server *srv, const struct pw_setting *s,
			  struct pw_error *e, const char *what)
{
	return pw_error_set(e, PW_ERR_INVALID, "%s:%d: [%s] %s: %s (got '%s')",
			    srv->config_path ? srv->config_path : "-", s->line, s->section, s->key,
			    what, s->value);
}

static pw_err setting_uint(const struct pw_server *srv, const char *key, int64_t min,
			   int64_t max, int64_t def, unsigned *out, struct pw_error *e)
{
	const struct pw_setting *s = pw_server_find_setting(srv, "server", key);
	int64_t v = def;
	if (s && (!parse_int(s->value, &v) || v < min || v > max)) {
		char what[96];
		snprintf(what, sizeof(what), "a whole number from %lld to %lld is expected",
			 (long long)min, (long long)max);
		return bad_setting(srv, s, e, what);
	}
	*out = (unsigned)v;
	return PW_OK;
}

/* "16777216", "512k", "16m", "1g" (powers of 1024). */
static bool parse_size(const char *v, size_t *out)
{
	errno = 0;
	char *end;
	if (!v || *v < '0' || *v > '9')
		return false;
	unsigned long long x = strtoull(v, &end, 10);
	if (errno)
		return false;
	unsigned shift = 0;
	if (*end == 'k' || *end == 'K')
		shift = 10, end++;
	else if (*end == 'm' || *end == 'M')
		shift = 20, end++;
	else if (*end == 'g' || *end == 'G')
		shift = 30, end++;
	if (*end || x == 0 || x > (1ULL << 40) >> shift)
		return false;
	*out = (size_t)(x << shift);
	return true;
}

static bool parse_bool(const char *v, bool *out)
{
	static const char *const yes[] = { "true", "yes", "on", "1" };
	static const char *const no[] = { "false", "no", "off", "0" };
	for (size_t i = 0; i < 4; i++) {
		if (strcasecmp(v, yes[i]) == 0)
			return *out = true, true;
		if (strcasecmp(v, no[i]) == 0)
			return *out = false, true;
	}
	return false;
}

/* ADDR:PORT, [V6ADDR]:PORT; port 0 asks the kernel for a free one. */
bool pw_server_parse_listen(const char *v, struct sockaddr_storage *ss, socklen_t *len)
{
	char host[64];
	const char *colon;
	memset(ss, 0, sizeof(*ss));
	if (v[0] == '[') {
		const char *close = strchr(v, ']');
		if (!close || close[1] != ':' || (size_t)(close - v - 1) >= sizeof(host))
			return false;
		memcpy(host, v + 1, (size_t)(close - v - 1));
		host[close - v - 1] = '\0';
		colon = close + 1;
	} else {
		colon = strchr(v, ':');
		/* an IPv6 address is written in brackets: "::1:80" is ambiguous */
		if (!colon || strchr(colon + 1, ':') || (size_t)(colon - v) >= sizeof(host) ||
		    colon == v)
			return false;
		memcpy(host, v, (size_t)(colon - v));
		host[colon - v] = '\0';
	}
	int64_t port;
	if (!parse_int(colon + 1, &port) || port < 0 || port > 65535)
		return false;
	struct sockaddr_in *in4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;
	if (inet_pton(AF_INET, host, &in4->sin_addr) == 1) {
		in4->sin_family = AF_INET;
		in4->sin_port = htons((uint16_t)port);
		*len = sizeof(*in4);
		return true;
	}
	if (inet_pton(AF_INET6, host, &in6->sin6_addr) == 1) {
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons((uint16_t)port);
		*len = sizeof(*in6);
		return true;
	}
	return false;
}

/* Every key of [server]: a misspelt one (say "tls_certificate") would
 * silently mean something else, so it is refused. */
static const char *const server_keys[] = {
	"listen", "threads", "max_body", "tls_cert", "tls_key", "tls_priorities",
	"access_log", "idle_timeout", "max_connections", "shutdown_timeout",
	"max_connections_per_address", "header_timeout", "body_timeout", NULL,
};

static pw_err check_settings(struct pw_server *srv, const struct pw_server_options *o,
			     struct pw_error *e)
{
	pw_err rc;
	for (size_t i = 0; i < srv->nsettings; i++) {
		const struct pw_setting *s = &srv->settings[i];
		if (strcasecmp(s->section, "server") != 0)
			continue;
		size_t k = 0;
		while (server_keys[k] && strcasecmp(server_keys[k], s->key) != 0)
			k++;
		if (!server_keys[k])
			return pw_error_set(e, PW_ERR_INVALID,
					    "%s:%d: [server] %s: unknown key (see patchwarden serve --help)",
					    srv->config_path ? srv->config_path : "-", s->line, s->key);
	}
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	if (cpus < 1)
		cpus = 1;
	if ((rc = setting_uint(srv, "threads", 1, 1024, cpus > 1024 ? 1024 : cpus, &srv->threads,
			       e)) ||
	    (rc = setting_uint(srv, "idle_timeout", 1, 86400, 60, &srv->idle_timeout, e)) ||
	    (rc = setting_uint(srv, "max_connections", 1, 1000000, 4096, &srv->max_connections,
			       e)) ||
	    (rc = setting_uint(srv, "shutdown_timeout", 0, 3600, 30, &srv->shutdown_timeout, e)) ||
	    (rc = setting_uint(srv, "max_connections_per_address", 0, 1000000,
			       DEFAULT_PER_ADDRESS, &srv->max_per_address, e)) ||
	    (rc = setting_uint(srv, "header_timeout", 1, 3600, 10, &srv->header_timeout, e)) ||
	    (rc = setting_uint(srv, "body_timeout", 1, 86400, 120, &srv->body_timeout, e)))
		return rc;
	const struct pw_setting *s = pw_server_find_setting(srv, "server", "max_body");
	srv->max_body = DEFAULT_MAX_BODY;
	if (s && !parse_size(s->value, &srv->max_body))
		return bad_setting(srv, s, e,
				   "a size in bytes is expected, optionally with k, m or g");
	srv->access_log = false;
	if ((s = pw_server_find_setting(srv, "server", "access_log")) &&
	    !parse_bool(s->value, &srv->access_log))
		return bad_setting(srv, s, e, "true or false is expected");
	const struct pw_setting *cert = pw_server_find_setting(srv, "server", "tls_cert");
	const struct pw_setting *key = pw_server_find_setting(srv, "server", "tls_key");
	if (cert && !*cert->value)
		cert = NULL;
	if (key && !*key->value)
		key = NULL;
	if (!!cert != !!key)
		return bad_setting(srv, cert ? cert : key, e,
				   cert ? "tls_key must be set too" : "tls_cert must be set too");
	srv->tls_cert = cert ? cert->value : NULL;
	srv->tls_key = key ? key->value : NULL;
	/* TLS 1.2 and 1.3 only, GnuTLS's default choice of ciphers within them */
	srv->tls_priorities = pw_server_setting(srv, "server", "tls_priorities");
	if (!srv->tls_priorities || !*srv->tls_priorities)
		srv->tls_priorities = "NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2";

	struct sockaddr_storage ss;
	socklen_t len;
	const char *listen = o->listen;
	if (listen) {
		if (!pw_server_parse_listen(listen, &ss, &len))
			return pw_error_set(e, PW_ERR_USAGE,
					    "--listen %s: ADDR:PORT expected (127.0.0.1:8080, [::1]:8080)",
					    listen);
	} else if ((s = pw_server_find_setting(srv, "server", "listen"))) {
		if (!pw_server_parse_listen(s->value, &ss, &len))
			return bad_setting(srv, s, e,
					   "ADDR:PORT expected (127.0.0.1:8080, [::1]:8080)");
		listen = s->value;
	} else {
		listen = DEFAULT_LISTEN;
	}
	if (!(srv->listen = strdup(listen)))
		return pw_error_set(e, PW_ERR_NOMEM, "out of memory");

	const char *env = getenv("PATCHWARDEN_DB");
	const char *store_path = pw_server_setting(srv, "store", "path");
	if (o->db_path)
		srv->db_path = strdup(o->db_path);
	else if (env && *env)
		srv->db_path = strdup(env);
	else if (store_path && *store_path)
		srv->db_path = strdup(store_path);
	else
		srv->db_path = pw_store_default_path();
	if (!srv->db_path)
		return pw_error_set(e, PW_ERR_NOMEM, "out of memory");
	if (o->port_file && !(srv->port_file = strdup(o->port_file)))
		return pw_error_set(e, PW_ERR_NOMEM, "out of memory");
	return PW_OK;
}

pw_err pw_server_load(const struct pw_server_options *o, struct pw_server **out,
		      struct pw_error *e)
{
	*out = NULL;
	struct pw_server *srv = calloc(1, sizeof(*srv));
	if (!srv)
		return pw_error_set(e, PW_ERR_NOMEM, "out of memory");
	pw_err rc = read_config(srv, o->config_path ? o->config_path : DEFAULT_CONFIG,
				o->config_path != NULL, e);
	if (!rc)
		rc = check_settings(srv, o, e);
	if (rc) {
		pw_server_free(srv);
		return rc;
	}
	*out = srv;
	return PW_OK;
}

void pw_server_free(struct pw_server *srv)
{
	if (!srv)
		return;
	for (size_t i = 0; i < srv->nsettings; i++) {
		free(srv->settings[i].section);
		free(srv->settings[i].key);
		free(srv->settings[i].value);
	}
	free(srv->settings);
	free(srv->config_path);
	free(srv->db_path);
	free(srv->listen);
	free(srv->port_file);
	free(srv);
}
