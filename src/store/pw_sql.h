/* pw_sql.h - portable SQL for the store's domain modules (the asset
 * register, users and tokens, the audit log).
 *
 * The feed tables keep their own prepared statements in each backend
 * (sqlite.c): they are the hot path of a 360,000-row import. Everything else
 * is written once, in portable SQL, and run through this small executor,
 * which every backend implements:
 *
 *  - placeholders are $1, $2, ... (PostgreSQL's; SQLite reads them too);
 *  - DML is standard: INSERT ... ON CONFLICT ... DO UPDATE, RETURNING,
 *    IS DISTINCT FROM; times are BIGINT Unix seconds; no rowid;
 *  - DDL is per backend, so migrations are given per component (below).
 *
 * The SQL text must be a string literal (or otherwise live as long as the
 * store): backends cache the prepared statement under its address.
 */
#ifndef PW_SQL_H
#define PW_SQL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pw_err.h"
#include "pw_store.h"

struct pw_store;

enum pw_sql_type {
	PW_SQL_NULL,
	PW_SQL_INT,
	PW_SQL_TEXT,
	PW_SQL_BLOB,
	PW_SQL_REAL,
};

struct pw_sql_arg {
	enum pw_sql_type type;
	int64_t i;
	double r;
	const void *p; /* TEXT (NUL-terminated) or BLOB */
	size_t len;    /* BLOB */
};

static inline struct pw_sql_arg pw_sql_text_arg(const char *v)
{
	return (struct pw_sql_arg){ v ? PW_SQL_TEXT : PW_SQL_NULL, 0, 0, v, 0 };
}

/* Arguments, written inline: PW_SQL_ARGS(PW_SQL_T(name), PW_SQL_I(id)). A NULL
 * string binds SQL NULL. */
#define PW_SQL_I(v) ((struct pw_sql_arg){ PW_SQL_INT, (int64_t)(v), 0, NULL, 0 })
#define PW_SQL_R(v) ((struct pw_sql_arg){ PW_SQL_REAL, 0, (double)(v), NULL, 0 })
#define PW_SQL_T(v) pw_sql_text_arg(v)
#define PW_SQL_B(v, n) ((struct pw_sql_arg){ PW_SQL_BLOB, 0, 0, (v), (n) })
#define PW_SQL_NUL ((struct pw_sql_arg){ PW_SQL_NULL, 0, 0, NULL, 0 })
#define PW_SQL_ARGS(...)                                                                       \
	(const struct pw_sql_arg[]){ __VA_ARGS__ },                                              \
		sizeof((const struct pw_sql_arg[]){ __VA_ARGS__ }) / sizeof(struct pw_sql_arg)
#define PW_SQL_NOARGS NULL, 0

/* One result row, valid only during the callback. Columns count from 0. */
struct pw_sql_row;
size_t pw_sql_ncols(const struct pw_sql_row *row);
bool pw_sql_isnull(const struct pw_sql_row *row, size_t col);
/* NULL for SQL NULL */
const char *pw_sql_text(const struct pw_sql_row *row, size_t col);
int64_t pw_sql_int(const struct pw_sql_row *row, size_t col);
double pw_sql_real(const struct pw_sql_row *row, size_t col);
const void *pw_sql_blob(const struct pw_sql_row *row, size_t col, size_t *len);

typedef pw_err (*pw_sql_row_cb)(void *ctx, const struct pw_sql_row *row, struct pw_error *e);

/* Run one statement; cb (may be NULL) is called for every row it returns;
 * a non-zero return from cb stops the query and is returned. *changes (may
 * be NULL) gets the number of rows an INSERT/UPDATE/DELETE touched. */
pw_err pw_sql_run(struct pw_store *s, const char *sql, const struct pw_sql_arg *args,
		  size_t nargs, pw_sql_row_cb cb, void *ctx, int64_t *changes, struct pw_error *e);

/* Statement without rows. */
pw_err pw_sql_exec(struct pw_store *s, const char *sql, const struct pw_sql_arg *args,
		   size_t nargs, struct pw_error *e);

/* Transactions: pw_store_begin and its kin in pw_store.h. */

/* A component's migrations (one backend's DDL): step i moves `component`
 * from version i to i + 1; pending steps run in one transaction, and a
 * database newer than `nsteps` is refused. Never edit a released step. */
struct pw_sql_migrations {
	const char *component;
	const char *const *sqlite; /* steps for SQLite */
	size_t nsteps;
};
pw_err pw_sql_migrate(struct pw_store *s, const struct pw_sql_migrations *m, struct pw_error *e);
/* The component's version in this database (0: none). -1 on error. */
int pw_sql_component_version(struct pw_store *s, const char *component);

#endif
