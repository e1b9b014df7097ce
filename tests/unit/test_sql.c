/* test_sql.c - the portable executor on a real SQLite file: arguments of
 * every type, rows, changes, RETURNING, transactions, component
 * migrations, constraint errors that name the statement's failure. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pw_sql.h"
#include "pw_store.h"

#define STEP_1                                                                                 \
	"CREATE TABLE t(id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, n BIGINT,"          \
	" r REAL, b BLOB)"
static const char *const steps_v1[] = { STEP_1 };
static const char *const steps_v2[] = {
	STEP_1,
	"ALTER TABLE t ADD COLUMN note TEXT",
};

struct seen {
	int rows;
	char name[32];
	int64_t n;
	double r;
	size_t blen;
	bool note_null;
};

static pw_err collect(void *ctx, const struct pw_sql_row *row, struct pw_error *e)
{
	struct seen *s = ctx;
	s->rows++;
	snprintf(s->name, sizeof(s->name), "%s", pw_sql_text(row, 0));
	s->n = pw_sql_int(row, 1);
	s->r = pw_sql_real(row, 2);
	pw_sql_blob(row, 3, &s->blen);
	s->note_null = pw_sql_ncols(row) > 4 && pw_sql_isnull(row, 4);
	return PW_OK;
}

static pw_err stop_at_first(void *ctx, const struct pw_sql_row *row, struct pw_error *e)
{
	(*(int *)ctx)++;
	return pw_error_set(e, PW_ERR_LIMIT, "enough");
}

static void test_executor(void **state)
{
	char path[] = "/tmp/pw-test-sql-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	unlink(path);
	struct pw_store *s;
	struct pw_error e = { 0 };
	assert_int_equal(pw_store_open(path, &s, &e), PW_OK);
	assert_int_equal(pw_sql_component_version(s, "t"), 0);
	struct pw_sql_migrations m1 = { "t", steps_v1, 1 };
	assert_int_equal(pw_sql_migrate(s, &m1, &e), PW_OK);
	assert_int_equal(pw_sql_migrate(s, &m1, &e), PW_OK); /* idempotent */
	assert_int_equal(pw_sql_component_version(s, "t"), 1);

	assert_int_equal(pw_store_begin(s, &e), PW_OK);
	assert_true(pw_store_in_transaction(s));
	int64_t changes = 0;
	struct seen got = { 0 };
	assert_int_equal(pw_sql_run(s, "INSERT INTO t(name, n, r, b) VALUES ($1, $2, $3, $4)"
				    " RETURNING name, n, r, b",
				    PW_SQL_ARGS(PW_SQL_T("alpha"), PW_SQL_I(INT64_MAX), PW_SQL_R(0.5),
						PW_SQL_B("\0x", 2)),
				    collect, &got, &changes, &e),
			 PW_OK);
	assert_int_equal(got.rows, 1);
	assert_string_equal(got.name, "alpha");
	assert_true(got.n == INT64_MAX);
	assert_true(got.r == 0.5);
	assert_int_equal(got.blen, 2);
	assert_int_equal(changes, 1);
	/* a unique violation is PW_ERR_INVALID and says why */
	pw_err rc = pw_sql_exec(s, "INSERT INTO t(name) VALUES ($1)",
				PW_SQL_ARGS(PW_SQL_T("alpha")), &e);
	assert_int_equal(rc, PW_ERR_INVALID);
	assert_non_null(strstr(e.msg, "UNIQUE"));
	assert_int_equal(pw_store_commit(s, &e), PW_OK);
	assert_false(pw_store_in_transaction(s));

	/* a rolled-back write leaves nothing */
	assert_int_equal(pw_store_begin(s, &e), PW_OK);
	assert_int_equal(pw_sql_exec(s, "INSERT INTO t(name) VALUES ($1)",
				     PW_SQL_ARGS(PW_SQL_T("beta")), &e),
			 PW_OK);
	pw_store_rollback(s);
	pw_store_rollback(s); /* harmless with nothing open */
	int rows = 0;
	assert_int_equal(pw_sql_run(s, "SELECT name FROM t ORDER BY name", PW_SQL_NOARGS,
				    stop_at_first, &rows, NULL, &e),
			 PW_ERR_LIMIT);
	assert_int_equal(rows, 1);
	/* the statement stays usable after a callback stopped it */
	rows = 0;
	assert_int_equal(pw_sql_run(s, "SELECT name FROM t ORDER BY name", PW_SQL_NOARGS,
				    stop_at_first, &rows, NULL, &e),
			 PW_ERR_LIMIT);
	assert_int_equal(rows, 1);

	/* $n is bound by its number, whatever order the text names them in */
	assert_int_equal(pw_sql_exec(s, "UPDATE t SET n = $2 WHERE name = $1",
				     PW_SQL_ARGS(PW_SQL_T("alpha"), PW_SQL_I(42)), &e),
			 PW_OK);
	memset(&got, 0, sizeof(got));
	assert_int_equal(pw_sql_run(s, "SELECT name, n, r, b FROM t WHERE n = $1",
				    PW_SQL_ARGS(PW_SQL_I(42)), collect, &got, NULL, &e),
			 PW_OK);
	assert_int_equal(got.rows, 1);

	/* NULL strings bind SQL NULL; the next migration step adds a column */
	struct pw_sql_migrations m2 = { "t", steps_v2, 2 };
	assert_int_equal(pw_sql_migrate(s, &m2, &e), PW_OK);
	assert_int_equal(pw_sql_component_version(s, "t"), 2);
	assert_int_equal(pw_sql_exec(s, "UPDATE t SET note = $1 WHERE name = $2",
				     PW_SQL_ARGS(PW_SQL_T(NULL), PW_SQL_T("alpha")), &e),
			 PW_OK);
	memset(&got, 0, sizeof(got));
	assert_int_equal(pw_sql_run(s, "SELECT name, n, r, b, note FROM t", PW_SQL_NOARGS, collect,
				    &got, NULL, &e),
			 PW_OK);
	assert_true(got.note_null);
	/* an older program refuses the newer schema and says so */
	assert_int_equal(pw_sql_migrate(s, &m1, &e), PW_ERR_UNSUPPORTED);
	assert_non_null(strstr(e.msg, "newer"));
	/* a syntax error names the statement */
	assert_int_equal(pw_sql_exec(s, "SELEC 1", PW_SQL_NOARGS, &e), PW_ERR_IO);
	assert_non_null(strstr(e.msg, "SELEC 1"));
	/* an up-to-date store opens, and an up-to-date component migrates,
	 * while another connection holds the write lock (an import under way):
	 * neither waits for it */
	assert_int_equal(pw_store_begin(s, &e), PW_OK);
	struct pw_store *other;
	assert_int_equal(pw_store_open(path, &other, &e), PW_OK);
	assert_int_equal(pw_sql_migrate(other, &m2, &e), PW_OK);
	pw_store_close(other);
	pw_store_rollback(s);
	pw_store_close(s);
	unlink(path);
	char side[sizeof(path) + 8];
	snprintf(side, sizeof(side), "%s-wal", path);
	unlink(side);
	snprintf(side, sizeof(side), "%s-shm", path);
	unlink(side);
}

static void remove_store(const char *path)
{
	char side[300];
	unlink(path);
	snprintf(side, sizeof(side), "%s-wal", path);
	unlink(side);
	snprintf(side, sizeof(side), "%s-shm", path);
	unlink(side);
}

/* A full disk is PW_ERR_FULL (SQLite says so when the store reaches its
 * page limit, as it does when the disk fills), a damaged file
 * PW_ERR_CORRUPT, and the file check sees a store cut short even while an
 * open connection still reads it from its cache. */
static void test_store_errors(void **state)
{
	char path[] = "/tmp/pw-test-sql-full-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	unlink(path);
	struct pw_store *s;
	struct pw_error e = { 0 };
	assert_int_equal(pw_store_open(path, &s, &e), PW_OK);
	struct pw_sql_migrations m1 = { "t", steps_v1, 1 };
	assert_int_equal(pw_sql_migrate(s, &m1, &e), PW_OK);
	assert_int_equal(pw_sql_exec(s, "PRAGMA max_page_count = 1", PW_SQL_NOARGS, &e), PW_OK);
	char big[4000];
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	pw_err rc = PW_OK;
	for (int i = 0; i < 1000 && !rc; i++) {
		char name[16];
		snprintf(name, sizeof(name), "n%d", i);
		rc = pw_sql_exec(s, "INSERT INTO t(name, b) VALUES ($1, $2)",
				 PW_SQL_ARGS(PW_SQL_T(name), PW_SQL_T(big)), &e);
	}
	assert_int_equal(rc, PW_ERR_FULL);
	assert_non_null(strstr(e.msg, "full"));
	assert_int_equal(pw_store_check_file(s, &e), PW_OK);
	assert_int_equal(pw_store_checkpoint(s, &e), PW_OK);

	/* cut to half under the open connection: the file check says so,
	 * naming the sizes */
	struct stat st;
	assert_int_equal(stat(path, &st), 0);
	assert_true(st.st_size >= 8192);
	assert_int_equal(truncate(path, st.st_size / 2), 0);
	assert_int_equal(pw_store_check_file(s, &e), PW_ERR_CORRUPT);
	assert_non_null(strstr(e.msg, "cut short"));
	pw_store_close(s);
	/* overwritten: not SQLite's header */
	FILE *f = fopen(path, "r+");
	assert_non_null(f);
	fputs("this is not a database", f);
	fclose(f);
	assert_int_equal(pw_store_open(path, &s, &e), PW_ERR_CORRUPT);
	assert_int_equal(pw_store_open(":memory:", &s, &e), PW_OK);
	assert_int_equal(pw_store_check_file(s, &e), PW_OK);
	pw_store_close(s);
	remove_store(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_executor),
		cmocka_unit_test(test_store_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
