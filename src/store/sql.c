/* sql.c - the portable executor's front end: row accessors and the calls
 * that go straight to the backend. See pw_sql.h. */
#include "pw_sql.h"

#include "pw_audit_seal.h"

#include "pw_store_backend.h"
#include "store_internal.h"

size_t pw_sql_ncols(const struct pw_sql_row *row)
{
	return row->ops->ncols(row->impl);
}

bool pw_sql_isnull(const struct pw_sql_row *row, size_t col)
{
	return row->ops->type(row->impl, col) == PW_SQL_NULL;
}

const char *pw_sql_text(const struct pw_sql_row *row, size_t col)
{
	return row->ops->text(row->impl, col);
}

int64_t pw_sql_int(const struct pw_sql_row *row, size_t col)
{
	return row->ops->integer(row->impl, col);
}

double pw_sql_real(const struct pw_sql_row *row, size_t col)
{
	return row->ops->real(row->impl, col);
}

const void *pw_sql_blob(const struct pw_sql_row *row, size_t col, size_t *len)
{
	return row->ops->blob(row->impl, col, len);
}

pw_err pw_sql_run(struct pw_store *s, const char *sql, const struct pw_sql_arg *args,
		  size_t nargs, pw_sql_row_cb cb, void *ctx, int64_t *changes, struct pw_error *e)
{
	return pw_store_ops_of(s)->sql_run(pw_store_db_of(s), sql, args, nargs, cb, ctx, changes,
					   e);
}

pw_err pw_sql_exec(struct pw_store *s, const char *sql, const struct pw_sql_arg *args,
		   size_t nargs, struct pw_error *e)
{
	return pw_sql_run(s, sql, args, nargs, NULL, NULL, NULL, e);
}

pw_err pw_store_begin(struct pw_store *s, struct pw_error *e)
{
	return pw_store_ops_of(s)->begin(pw_store_db_of(s), e);
}

pw_err pw_store_commit(struct pw_store *s, struct pw_error *e)
{
	pw_err rc = pw_store_ops_of(s)->commit(pw_store_db_of(s), 0, e);
	/* the audit log's sealed head follows what was committed, never more */
	if (rc == PW_OK)
		pw_audit_seal_committed(s);
	else
		pw_audit_seal_forget(s);
	return rc;
}

void pw_store_rollback(struct pw_store *s)
{
	pw_audit_seal_forget(s);
	pw_store_ops_of(s)->rollback(pw_store_db_of(s));
}

pw_err pw_store_write(struct pw_store *s, pw_store_write_fn fn, void *ctx, struct pw_error *e)
{
	pw_err rc = pw_store_begin(s, e);
	if (rc)
		return rc;
	if ((rc = fn(s, ctx, e)) || (rc = pw_store_commit(s, e)))
		pw_store_rollback(s);
	return rc;
}

bool pw_store_in_transaction(struct pw_store *s)
{
	return pw_store_ops_of(s)->in_transaction(pw_store_db_of(s));
}

pw_err pw_store_check_tables(struct pw_store *s, struct pw_error *e)
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

struct component_walk {
	pw_err (*cb)(void *ctx, const char *component, int64_t version);
	void *ctx;
};

static pw_err component_row(void *ctx, const struct pw_sql_row *row, struct pw_error *e)
{
	struct component_walk *w = ctx;
	const char *name = pw_sql_text(row, 0);
	return name ? w->cb(w->ctx, name, pw_sql_int(row, 1)) : PW_OK;
}

pw_err pw_store_each_component(struct pw_store *s,
			       pw_err (*cb)(void *ctx, const char *component, int64_t version),
			       void *ctx, struct pw_error *e)
{
	struct component_walk w = { cb, ctx };
	return pw_sql_run(s, "SELECT component, version FROM component_schema ORDER BY component",
			  PW_SQL_NOARGS, component_row, &w, NULL, e);
}

pw_err pw_sql_migrate(struct pw_store *s, const struct pw_sql_migrations *m, struct pw_error *e)
{
	return pw_store_ops_of(s)->sql_migrate(pw_store_db_of(s), m, e);
}

int pw_sql_component_version(struct pw_store *s, const char *component)
{
	return pw_store_ops_of(s)->component_version(pw_store_db_of(s), component);
}
