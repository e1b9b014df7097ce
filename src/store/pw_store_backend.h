/* pw_store_backend.h - what a store backend (SQLite now, PostgreSQL later)
 * implements. Internal to src/store/: callers use pw_store.h only.
 *
 * The front end (store.c) owns everything that is the same for every
 * backend: the default path, record hashing, duplicate ids within one
 * import, counting, generations. A backend only stores and reads rows, in
 * the transaction the front end opens; every SQL statement lives in the
 * backend's own file.
 *
 * Strings a backend hands out (feed state, vulns, KEV, EPSS) stay valid until
 * the next call on the same backend; in the each_* callbacks, only during the
 * callback.
 */
#ifndef PW_STORE_BACKEND_H
#define PW_STORE_BACKEND_H

#include <stdbool.h>
#include <stdint.h>

#include "pw_advisory.h"
#include "pw_err.h"
#include "pw_sql.h"
#include "pw_store.h"

/* What an upsert did. */
enum pw_store_change {
	PW_STORE_UNCHANGED,
	PW_STORE_ADDED,
	PW_STORE_UPDATED,
};

struct pw_store_ops {
	const char *name;
	/* Open (creating and migrating as needed) the database at `where`. */
	pw_err (*open)(const char *where, void **db, struct pw_error *e);
	void (*close)(void *db);
	int (*schema_version)(void *db);
	pw_err (*generation)(void *db, int64_t *out, struct pw_error *e);

	/* One write transaction per import. commit stores `generation` first
	 * when it is > 0 (the import changed something). */
	pw_err (*begin)(void *db, struct pw_error *e);
	pw_err (*commit)(void *db, int64_t generation, struct pw_error *e);
	void (*rollback)(void *db);

	/* A record occurrence is (source, id, part): part is 0, or n for the
	 * n-th repetition of the same id within one import. */
	pw_err (*record_hash)(void *db, const char *source, const char *id, int part,
			      uint64_t *hash, bool *found, struct pw_error *e);
	/* Write the occurrence with its vulns, aliases, affected entries and
	 * CPE matches; when `existed`, its old affected and CPE rows go first. */
	pw_err (*record_put)(void *db, const char *source, const struct pw_feed_record *r, int part,
			     uint64_t hash, int64_t generation, bool existed, struct pw_error *e);
	/* Upserts that leave an identical row untouched. */
	pw_err (*kev_put)(void *db, const struct pw_kev *k, enum pw_store_change *did,
			  struct pw_error *e);
	pw_err (*epss_put)(void *db, const struct pw_epss *x, enum pw_store_change *did,
			   struct pw_error *e);

	pw_err (*feed_state_get)(void *db, const char *feed, struct pw_feed_state *out, bool *found,
				 struct pw_error *e);
	pw_err (*feed_state_put)(void *db, const struct pw_feed_state *st, struct pw_error *e);
	pw_err (*each_feed_state)(void *db, pw_err (*cb)(void *ctx, const struct pw_feed_state *st),
				  void *ctx, struct pw_error *e);

	/* A read transaction (pw_store_read_begin). */
	pw_err (*read_begin)(void *db, struct pw_error *e);
	void (*read_end)(void *db);

	pw_err (*each_affected)(void *db, const char *distro, const char *release, int64_t since,
				pw_err (*cb)(void *ctx, const struct pw_affected *a), void *ctx,
				struct pw_error *e);
	/* the entries of one (distro, release, package) */
	pw_err (*each_affected_of)(void *db, const char *distro, const char *release,
				   const char *package,
				   pw_err (*cb)(void *ctx, const struct pw_affected *a), void *ctx,
				   struct pw_error *e);
	pw_err (*has_affected)(void *db, const char *distro, const char *release, bool *found,
			       struct pw_error *e);
	pw_err (*get_vuln)(void *db, const char *id, struct pw_vuln *out, bool *found,
			   struct pw_error *e);
	pw_err (*get_kev)(void *db, const char *cve, struct pw_kev *out, bool *found,
			  struct pw_error *e);
	pw_err (*get_epss)(void *db, const char *cve, struct pw_epss *out, bool *found,
			   struct pw_error *e);
	pw_err (*each_cpe_match)(void *db, pw_err (*cb)(void *ctx, const struct pw_cpe_match *m),
				 void *ctx, struct pw_error *e);
	/* what is one of PW_STORE_COUNTABLE; -1 on error */
	int64_t (*count)(void *db, const char *what);
	/* Rows held from one source: records for record feeds, rows for KEV and
	 * EPSS; -1 on error. */
	int64_t (*count_source)(void *db, const char *source);

	/* pw_sql.h: the portable executor. begin is the import's begin,
	 * commit the import's commit with generation 0. */
	pw_err (*sql_run)(void *db, const char *sql, const struct pw_sql_arg *args, size_t nargs,
			  pw_sql_row_cb cb, void *ctx, int64_t *changes, struct pw_error *e);
	bool (*in_transaction)(void *db);
	pw_err (*sql_migrate)(void *db, const struct pw_sql_migrations *m, struct pw_error *e);
	int (*component_version)(void *db, const char *component);
	pw_err (*checkpoint)(void *db, struct pw_error *e);
	/* pw_store_backup_path: the whole database at `path` into the new file
	 * `dest`, without opening it as a store. */
	pw_err (*backup_path)(const char *path, const char *dest, struct pw_error *e);
};

/* A result row: the backend's accessors over its own cursor. */
struct pw_sql_row_ops {
	size_t (*ncols)(void *impl);
	int (*type)(void *impl, size_t col); /* enum pw_sql_type */
	const char *(*text)(void *impl, size_t col);
	int64_t (*integer)(void *impl, size_t col);
	double (*real)(void *impl, size_t col);
	const void *(*blob)(void *impl, size_t col, size_t *len);
};
struct pw_sql_row {
	const struct pw_sql_row_ops *ops;
	void *impl;
};

/* The content hash of a record (store.c): 64-bit FNV-1a over a canonical
 * serialization of every normalized field, the same on every host. */
uint64_t pw_store_record_hash(const struct pw_feed_record *r);

extern const struct pw_store_ops pw_store_sqlite_ops;

#endif
