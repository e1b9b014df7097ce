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

#define TLS_FILE_MAX ((size_t)1 << 20)

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
	if (!pw_server_parse_listen(addr, &ss, &len))
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
	const struct pw_setting *s = pw_server_find_setting(srv, "server", what);
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

	/* what only serving reads: refused before anything starts */
	if ((rc = pw_feed_sync_task_check(srv, e)))
		return rc;

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
