/* pw_server.h - the running server: configuration, worker connections,
 * background tasks. `patchwarden serve` (cli/cmd_serve.c) builds one.
 *
 * Configuration is INI (/etc/patchwarden/patchwarden.conf or --config),
 * read once at start. Modules read their own keys with pw_server_setting()
 * and parse them themselves; every key they use is listed in
 * dist/patchwarden.conf and patchwarden.conf(5).
 */
#ifndef PW_SERVER_H
#define PW_SERVER_H

#include <stdbool.h>
#include <stdint.h>

#include "pw_err.h"

struct pw_server;
struct pw_store;

/* The raw value of [section] key, NULL when not set. */
const char *pw_server_setting(const struct pw_server *srv, const char *section, const char *key);
/* An integer setting with a default; a malformed value was refused at start. */
int64_t pw_server_setting_int(const struct pw_server *srv, const char *section, const char *key,
			      int64_t def);
/* [assess] max_package_loss, the collapse guard's limit (pw_inventory_hold.h;
 * a malformed value is logged and the default used). */
int pw_server_max_package_loss(const struct pw_server *srv);
/* [registry] stale_after: hosts not seen for this long are stale (default
 * 3 days; a malformed value is logged once and the default used). */
int64_t pw_server_stale_after(const struct pw_server *srv);
/* The store's path (for tasks that open their own connection). */
const char *pw_server_db_path(const struct pw_server *srv);
/* The configuration file read, NULL when none (tasks reading sections of
 * their own: the feed list of [feeds] and [sync]). */
const char *pw_server_config_path(const struct pw_server *srv);
/* true once a stop signal came: long work on a thread of its own ends at
 * its next step (the scheduled feed sync between feeds). */
bool pw_server_stopping(const struct pw_server *srv);

/* Work the server does on its own, each on the task thread with its own
 * store connection, every interval_s seconds (and once at start), until
 * shutdown: re-assessing hosts whose inventory changed and what changed
 * feeds touch, flushing check-in times, marking stale hosts. A task logs
 * its own failures; the next run tries again. At a graceful stop every task
 * runs once more after the last request finished. */
struct pw_server_task {
	const char *name;
	int interval_s;
	void (*run)(struct pw_server *srv, struct pw_store *store);
};
extern const struct pw_server_task pw_server_tasks[]; /* routes.c; ended by { NULL } */

/* ---- running one (cmd_serve.c, cmd_db.c) ---- */

/* Where settings come from besides the file; NULL fields: not given. */
struct pw_server_options {
	const char *config_path; /* NULL: /etc/patchwarden/patchwarden.conf, if present */
	const char *db_path;     /* --db; else $PATCHWARDEN_DB, [store] path, the default */
	const char *listen;      /* --listen ADDR:PORT; else [server] listen */
	const char *port_file;   /* write the port listened on here (port 0 picks one) */
};

/* Read and check the configuration; nothing is opened yet. Errors name
 * file:line and the key. pw_server_free() releases it. */
pw_err pw_server_load(const struct pw_server_options *o, struct pw_server **out,
		      struct pw_error *e);
void pw_server_free(struct pw_server *srv);

/* Serve until SIGTERM or SIGINT: migrate, listen, run the tasks; on the
 * signal stop accepting, finish the requests in flight, stop the tasks,
 * close the store. PW_OK after a clean stop. */
pw_err pw_server_run(struct pw_server *srv, struct pw_error *e);

/* Log one line to stderr (journald adds the time): "patchwarden: <level>: ...". */
void pw_server_log(const char *level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
