/* server.c - the running server: settings, start-up, background tasks,
 * logging, signals and a graceful stop. See pw_server.h.
 *
 * Threads: the main thread waits for SIGTERM/SIGINT (blocked everywhere
 * else, taken with sigwait); libmicrohttpd's pool of workers answers
 * requests (http.c), each with its own store connection; one task thread
 * runs pw_server_tasks on a connection of its own. SQLite in WAL mode lets
 * the readers run beside the one writer at a time.
 */
#include "pw_server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <ini.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "pw_audit_seal.h"
#include "pw_buf.h"
#include "pw_config.h"
#include "pw_feed_sync_task.h"
#include "pw_file.h"
#include "pw_inventory_hold.h"
#include "pw_migrations.h"
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
#define TLS_FILE_MAX ((size_t)1 << 20)

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

static const struct pw_setting *find_setting(const struct pw_server *srv, const char *section,
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
	const struct pw_setting *s = srv ? find_setting(srv, section, key) : NULL;
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
	const struct pw_setting *s = find_setting(srv, "server", key);
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
static bool parse_listen(const char *v, struct sockaddr_storage *ss, socklen_t *len)
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
	const struct pw_setting *s = find_setting(srv, "server", "max_body");
	srv->max_body = DEFAULT_MAX_BODY;
	if (s && !parse_size(s->value, &srv->max_body))
		return bad_setting(srv, s, e,
				   "a size in bytes is expected, optionally with k, m or g");
	srv->access_log = false;
	if ((s = find_setting(srv, "server", "access_log")) &&
	    !parse_bool(s->value, &srv->access_log))
		return bad_setting(srv, s, e, "true or false is expected");
	const struct pw_setting *cert = find_setting(srv, "server", "tls_cert");
	const struct pw_setting *key = find_setting(srv, "server", "tls_key");
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
		if (!parse_listen(listen, &ss, &len))
			return pw_error_set(e, PW_ERR_USAGE,
					    "--listen %s: ADDR:PORT expected (127.0.0.1:8080, [::1]:8080)",
					    listen);
	} else if ((s = find_setting(srv, "server", "listen"))) {
		if (!parse_listen(s->value, &ss, &len))
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
	if (!rc)
		rc = pw_feed_sync_task_check(srv, e);
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

/* ---- background tasks ---- */

struct tasks {
	struct pw_server *srv;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	bool stop;
};

static double now_mono(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void *task_main(void *arg)
{
	struct tasks *t = arg;
	size_t n = 0;
	while (pw_server_tasks[n].name)
		n++;
	if (n == 0)
		return NULL;
	double *next = calloc(n, sizeof(*next));
	struct pw_store *store = NULL;
	if (!next) {
		pw_server_log("error", "tasks: out of memory; background tasks do not run");
		return NULL;
	}
	for (;;) {
		pthread_mutex_lock(&t->lock);
		bool stop = t->stop;
		pthread_mutex_unlock(&t->lock);
		if (stop)
			break;
		double now = now_mono(), earliest = now + 3600;
		for (size_t i = 0; i < n && !stop; i++) {
			const struct pw_server_task *task = &pw_server_tasks[i];
			if (next[i] <= now) {
				if (!store) {
					struct pw_error e = { 0 };
					if (pw_store_open(t->srv->db_path, &store, &e)) {
						pw_server_log("error", "tasks: cannot open the store: %s",
							      e.msg);
						store = NULL;
						next[i] = now + 10;
						continue;
					}
				}
				task->run(t->srv, store);
				now = now_mono();
				next[i] = now + (task->interval_s > 0 ? task->interval_s : 60);
				pthread_mutex_lock(&t->lock);
				stop = t->stop;
				pthread_mutex_unlock(&t->lock);
			}
			if (next[i] < earliest)
				earliest = next[i];
		}
		if (stop)
			break;
		/* sleep until the next task is due, or the stop */
		double wait = earliest - now_mono();
		if (wait > 0) {
			struct timespec until;
			clock_gettime(CLOCK_REALTIME, &until);
			double whole = (double)(long)wait;
			until.tv_sec += (time_t)whole;
			until.tv_nsec += (long)((wait - whole) * 1e9);
			if (until.tv_nsec >= 1000000000L)
				until.tv_sec++, until.tv_nsec -= 1000000000L;
			pthread_mutex_lock(&t->lock);
			if (!t->stop)
				pthread_cond_timedwait(&t->wake, &t->lock, &until);
			pthread_mutex_unlock(&t->lock);
		}
	}
	/* one last pass once the HTTP side has stopped: what the last
	 * requests left for a task (check-in times to flush, hosts to
	 * re-assess) is not lost with the process */
	if (!store) {
		struct pw_error e = { 0 };
		if (pw_store_open(t->srv->db_path, &store, &e)) {
			pw_server_log("error", "tasks: cannot open the store: %s", e.msg);
			store = NULL;
		}
	}
	for (size_t i = 0; store && i < n; i++)
		pw_server_tasks[i].run(t->srv, store);
	pw_store_close(store);
	free(next);
	return NULL;
}

/* ---- start and stop ---- */

static pw_err open_listener(const char *addr, int *out, uint16_t *port, struct pw_error *e)
{
	struct sockaddr_storage ss;
	socklen_t len;
	if (!parse_listen(addr, &ss, &len))
		return pw_error_set(e, PW_ERR_USAGE, "listen %s: ADDR:PORT expected", addr);
	int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return pw_error_set(e, PW_ERR_IO, "socket: %s", strerror(errno));
	int one = 1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (ss.ss_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&ss, len) != 0 || listen(fd, SOMAXCONN) != 0) {
		int err = errno;
		close(fd);
		return pw_error_set(e, PW_ERR_IO, "cannot listen on %s: %s", addr, strerror(err));
	}
	struct sockaddr_storage got;
	socklen_t glen = sizeof(got);
	if (getsockname(fd, (struct sockaddr *)&got, &glen) != 0) {
		int err = errno;
		close(fd);
		return pw_error_set(e, PW_ERR_IO, "getsockname: %s", strerror(err));
	}
	*port = ntohs(got.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&got)->sin6_port
						 : ((struct sockaddr_in *)&got)->sin_port);
	*out = fd;
	return PW_OK;
}

static pw_err write_port_file(const char *path, uint16_t port, struct pw_error *e)
{
	/* written whole under another name, then renamed: a reader polling
	 * for it never sees half a number */
	char tmp[4096];
	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= sizeof(tmp))
		return pw_error_set(e, PW_ERR_USAGE, "--port-file: path too long");
	FILE *f = fopen(tmp, "w");
	if (!f)
		return pw_error_set(e, PW_ERR_IO, "%s: %s", tmp, strerror(errno));
	fprintf(f, "%u\n", port);
	if (fclose(f) != 0 || rename(tmp, path) != 0) {
		int err = errno;
		unlink(tmp);
		return pw_error_set(e, PW_ERR_IO, "%s: %s", path, strerror(err));
	}
	return PW_OK;
}

/* A PEM file as a NUL-terminated string (what GnuTLS takes). */
static pw_err read_pem(const struct pw_server *srv, const char *what, const char *path,
		       char **out, struct pw_error *e)
{
	struct pw_file f;
	struct pw_error fe = { 0 };
	const struct pw_setting *s = find_setting(srv, "server", what);
	char where[600];
	snprintf(where, sizeof(where), "%s:%d: [server] %s",
		 srv->config_path ? srv->config_path : "-", s ? s->line : 0, what);
	if (pw_file_read(&f, path, &fe))
		return pw_error_set(e, fe.code, "%s: %s", where, fe.msg);
	if (f.data.len == 0 || f.data.len > TLS_FILE_MAX ||
	    !memmem(f.data.ptr, f.data.len, "-----BEGIN ", 11)) {
		pw_file_close(&f);
		return pw_error_set(e, PW_ERR_INVALID, "%s: %s: not a PEM file", where, path);
	}
	*out = malloc(f.data.len + 1);
	if (!*out) {
		pw_file_close(&f);
		return pw_error_set(e, PW_ERR_NOMEM, "out of memory");
	}
	memcpy(*out, f.data.ptr, f.data.len);
	(*out)[f.data.len] = '\0';
	pw_file_close(&f);
	return PW_OK;
}

pw_err pw_server_run(struct pw_server *srv, struct pw_error *e)
{
	pw_err rc;
	char *cert = NULL, *key = NULL;
	int fd = -1;
	struct tasks tasks = { .srv = srv };
	bool tasks_started = false;

	/* the signals are taken by sigwait below: blocked in every thread,
	 * including those started from here on */
	sigset_t sigs;
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	signal(SIGPIPE, SIG_IGN);

	if (srv->tls_cert && ((rc = read_pem(srv, "tls_cert", srv->tls_cert, &cert, e)) ||
			      (rc = read_pem(srv, "tls_key", srv->tls_key, &key, e))))
		goto out;

	/* before any store is used: every append seals the head with this key */
	pw_audit_seal_configure(pw_server_setting(srv, "audit", "key_file"));
	struct pw_store *store = NULL;
	if ((rc = pw_store_open(srv->db_path, &store, e)))
		goto out;
	rc = pw_migrations_run(store, e);
	pw_store_close(store);
	if (rc)
		goto out;

	uint16_t port = 0;
	if ((rc = open_listener(srv->listen, &fd, &port, e)))
		goto out;
	if ((rc = pw_http_start(srv, fd, cert, key, &srv->http, e)))
		goto out;
	fd = -1; /* the daemon's now */

	pthread_mutex_init(&tasks.lock, NULL);
	pthread_cond_init(&tasks.wake, NULL);
	if (pthread_create(&tasks.thread, NULL, task_main, &tasks) != 0) {
		rc = pw_error_set(e, PW_ERR_NOMEM, "cannot start the task thread");
		goto out;
	}
	tasks_started = true;

	if (srv->port_file && (rc = write_port_file(srv->port_file, port, e)))
		goto out;
	/* the address as given, with the port actually bound */
	char host[64];
	const char *colon = strrchr(srv->listen, ':');
	size_t hl = colon ? (size_t)(colon - srv->listen) : 0;
	if (hl >= sizeof(host))
		hl = sizeof(host) - 1;
	memcpy(host, srv->listen, hl);
	host[hl] = '\0';
	pw_server_log("info", "listening on %s://%s:%u (store %s, %u threads)",
		      cert ? "https" : "http", host, port, srv->db_path, srv->threads);

	int sig = 0;
	while (sigwait(&sigs, &sig) != 0)
		;
	pw_server_log("info", "%s: stopping", sig == SIGTERM ? "SIGTERM" : "SIGINT");
	rc = PW_OK;
out:
	__atomic_store_n(&srv->stopping, true, __ATOMIC_RELEASE);
	if (srv->http) {
		pw_http_stop(srv->http, srv->shutdown_timeout);
		srv->http = NULL;
	}
	if (tasks_started) {
		pthread_mutex_lock(&tasks.lock);
		tasks.stop = true;
		pthread_cond_signal(&tasks.wake);
		pthread_mutex_unlock(&tasks.lock);
		pthread_join(tasks.thread, NULL);
		pthread_cond_destroy(&tasks.wake);
		pthread_mutex_destroy(&tasks.lock);
	}
	if (fd >= 0)
		close(fd);
	if (srv->port_file && !rc)
		unlink(srv->port_file);
	free(cert);
	if (key) {
		explicit_bzero(key, strlen(key));
		free(key);
	}
	if (!rc)
		pw_server_log("info", "stopped");
	return rc;
}
