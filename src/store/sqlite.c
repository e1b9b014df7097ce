/* sqlite.c - the store on SQLite: one file, WAL, versioned migrations.
 *
 * Every SQL statement of the SQLite backend is in this file, and the SQL is
 * kept portable (INSERT ... ON CONFLICT ... DO UPDATE, IS DISTINCT FROM, no
 * rowid in any key), so the PostgreSQL backend can reuse the same schema
 * and statements with $n placeholders. Statements are prepared once, at
 * open, and reused: an import of 360,000 EPSS rows is one transaction of
 * bind/step/reset with no allocation per row.
 */
#include <errno.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "pw_buf.h"
#include "pw_store_backend.h"
#include "store_internal.h"

/* Each step moves the schema one version up, and all pending steps run in
 * one transaction. Never edit a step once released: add one. (Step 1 was
 * reshaped once, before any release, to key records by part too.) */
static const char *const migrations[] = {
	/* 1: feeds, advisories, enrichments, sync state */
	"CREATE TABLE meta(key TEXT PRIMARY KEY, value BIGINT NOT NULL);"
	"INSERT INTO meta(key, value) VALUES ('generation', 0);"
	/* one row per record occurrence; part > 0 for an id repeated within
	 * one import. hash: the record's 64-bit content hash, as a signed
	 * 64-bit integer */
	"CREATE TABLE records(source TEXT NOT NULL, record_id TEXT NOT NULL,"
	" part INTEGER NOT NULL, hash BIGINT NOT NULL, generation BIGINT NOT NULL,"
	" PRIMARY KEY(source, record_id, part));"
	"CREATE TABLE vulns(id TEXT PRIMARY KEY, summary TEXT, published BIGINT,"
	" modified BIGINT, cvss_vector TEXT, cvss_score REAL, cvss_source TEXT, severity TEXT);"
	"CREATE TABLE aliases(vuln_id TEXT NOT NULL REFERENCES vulns(id) ON DELETE CASCADE,"
	" alias TEXT NOT NULL, PRIMARY KEY(vuln_id, alias));"
	"CREATE INDEX aliases_alias ON aliases(alias);"
	"CREATE TABLE affected(source TEXT NOT NULL, record_id TEXT NOT NULL,"
	" part INTEGER NOT NULL, vuln_id TEXT NOT NULL, distro TEXT NOT NULL,"
	" release TEXT NOT NULL, package TEXT NOT NULL, status TEXT NOT NULL,"
	" introduced TEXT, fixed TEXT, last_affected TEXT, exact TEXT, urgency TEXT,"
	" advisory TEXT, generation BIGINT NOT NULL,"
	" FOREIGN KEY(source, record_id, part) REFERENCES records(source, record_id, part)"
	" ON DELETE CASCADE);"
	"CREATE INDEX affected_key ON affected(distro, release, package);"
	"CREATE INDEX affected_record ON affected(source, record_id, part);"
	"CREATE INDEX affected_generation ON affected(generation);"
	"CREATE TABLE cpe_matches(source TEXT NOT NULL, record_id TEXT NOT NULL,"
	" part INTEGER NOT NULL, vuln_id TEXT NOT NULL, criteria TEXT NOT NULL,"
	" start_incl TEXT, start_excl TEXT, end_incl TEXT, end_excl TEXT,"
	" vulnerable INTEGER NOT NULL,"
	" FOREIGN KEY(source, record_id, part) REFERENCES records(source, record_id, part)"
	" ON DELETE CASCADE);"
	"CREATE INDEX cpe_record ON cpe_matches(source, record_id, part);"
	"CREATE TABLE kev(cve TEXT PRIMARY KEY, vendor TEXT, product TEXT, name TEXT,"
	" date_added BIGINT, due_date BIGINT, ransomware INTEGER NOT NULL,"
	" required_action TEXT, short_description TEXT);"
	"CREATE TABLE epss(cve TEXT PRIMARY KEY, score REAL NOT NULL, percentile REAL NOT NULL,"
	" score_date BIGINT NOT NULL, model_version TEXT);"
	"CREATE TABLE feed_state(feed TEXT PRIMARY KEY, url TEXT, etag TEXT,"
	" last_modified TEXT, last_checked BIGINT, last_changed BIGINT, records BIGINT);",
};
#define SCHEMA_VERSION ((int)(sizeof(migrations) / sizeof(migrations[0])))

#define SQL_CACHE_SLOTS 256

enum stmt {
	ST_BEGIN,
	ST_COMMIT,
	ST_ROLLBACK,
	ST_GEN_GET,
	ST_GEN_SET,
	ST_RECORD_HASH,
	ST_RECORD_PUT,
	ST_DELETE_AFFECTED,
	ST_DELETE_CPES,
	ST_VULN_PUT,
	ST_ALIAS_PUT,
	ST_AFFECTED_PUT,
	ST_CPE_PUT,
	ST_KEV_PUT,
	ST_EPSS_PUT,
	ST_VULN_GET,
	ST_ALIASES_GET,
	ST_KEV_GET,
	ST_EPSS_GET,
	ST_STATE_GET,
	ST_STATE_PUT,
	ST_STATE_EACH,
	ST_CPE_EACH,
	/* each_affected, by which filters are given: none, distro, release, both */
	ST_AFFECTED_ALL,
	ST_AFFECTED_D,
	ST_AFFECTED_R,
	ST_AFFECTED_DR,
	ST_READ_BEGIN,
	ST_READ_END,
	ST_AFFECTED_KEY,
	ST_AFFECTED_ANY,
	ST_COUNT,
};

/* The stored CVSS stays: the incoming record has none, or the stored one
 * is NVD's and the incoming one is not. */
#define KEEP_CVSS                                                                              \
	"((excluded.cvss_vector IS NULL AND excluded.cvss_score IS NULL) OR"                   \
	" (COALESCE(vulns.cvss_source, '') LIKE 'nvd%' AND"                                    \
	"  COALESCE(excluded.cvss_source, '') NOT LIKE 'nvd%'))"
#define STATE_COLUMNS "feed, url, etag, last_modified, last_checked, last_changed, records"
#define AFFECTED_SELECT                                                                        \
	"SELECT vuln_id, distro, release, package, status, introduced, fixed, last_affected,"  \
	" exact, urgency, advisory FROM affected WHERE generation > ?3"

static const char *const stmt_sql[ST_COUNT] = {
	[ST_BEGIN] = "BEGIN IMMEDIATE",
	[ST_COMMIT] = "COMMIT",
	[ST_ROLLBACK] = "ROLLBACK",
	[ST_GEN_GET] = "SELECT value FROM meta WHERE key = 'generation'",
	[ST_GEN_SET] = "UPDATE meta SET value = ?1 WHERE key = 'generation'",
	[ST_RECORD_HASH] = "SELECT hash FROM records WHERE source = ?1 AND record_id = ?2"
			   " AND part = ?3",
	[ST_RECORD_PUT] = "INSERT INTO records(source, record_id, part, hash, generation)"
			  " VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT(source, record_id, part)"
			  " DO UPDATE SET hash = excluded.hash, generation = excluded.generation",
	[ST_DELETE_AFFECTED] = "DELETE FROM affected WHERE source = ?1 AND record_id = ?2"
			       " AND part = ?3",
	[ST_DELETE_CPES] = "DELETE FROM cpe_matches WHERE source = ?1 AND record_id = ?2"
			   " AND part = ?3",
	/* Merged across feeds: a value from this feed fills or updates, a NULL
	 * never erases another feed's. The CVSS vector, score and scorer move
	 * together so a score is never shown with another scorer's vector, and
	 * NVD's CVSS is kept over a distribution's whatever the import order
	 * (a distribution's score is kept only where NVD has none). */
	[ST_VULN_PUT] = "INSERT INTO vulns(id, summary, published, modified, cvss_vector,"
			" cvss_score, cvss_source, severity) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"
			" ON CONFLICT(id) DO UPDATE SET"
			" summary = COALESCE(excluded.summary, vulns.summary),"
			" published = COALESCE(excluded.published, vulns.published),"
			" modified = COALESCE(excluded.modified, vulns.modified),"
			" cvss_vector = CASE WHEN " KEEP_CVSS " THEN vulns.cvss_vector"
			"  ELSE excluded.cvss_vector END,"
			" cvss_score = CASE WHEN " KEEP_CVSS " THEN vulns.cvss_score"
			"  ELSE excluded.cvss_score END,"
			" cvss_source = CASE WHEN " KEEP_CVSS " THEN vulns.cvss_source"
			"  ELSE excluded.cvss_source END,"
			" severity = COALESCE(excluded.severity, vulns.severity)",
	[ST_ALIAS_PUT] = "INSERT INTO aliases(vuln_id, alias) VALUES (?1, ?2)"
			 " ON CONFLICT DO NOTHING",
	[ST_AFFECTED_PUT] = "INSERT INTO affected(source, record_id, part, vuln_id, distro, release,"
			    " package, status, introduced, fixed, last_affected, exact, urgency,"
			    " advisory, generation) VALUES"
			    " (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)",
	[ST_CPE_PUT] = "INSERT INTO cpe_matches(source, record_id, part, vuln_id, criteria,"
		       " start_incl, start_excl, end_incl, end_excl, vulnerable)"
		       " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
	/* KEV and EPSS: one upsert that rewrites only a row that differs, so
	 * an unchanged row is never written (see upsert() for the counting) */
	[ST_KEV_PUT] = "INSERT INTO kev(cve, vendor, product, name, date_added, due_date,"
		       " ransomware, required_action, short_description)"
		       " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) ON CONFLICT(cve) DO UPDATE SET"
		       " vendor = excluded.vendor, product = excluded.product, name = excluded.name,"
		       " date_added = excluded.date_added, due_date = excluded.due_date,"
		       " ransomware = excluded.ransomware, required_action = excluded.required_action,"
		       " short_description = excluded.short_description"
		       " WHERE kev.vendor IS DISTINCT FROM excluded.vendor"
		       " OR kev.product IS DISTINCT FROM excluded.product"
		       " OR kev.name IS DISTINCT FROM excluded.name"
		       " OR kev.date_added IS DISTINCT FROM excluded.date_added"
		       " OR kev.due_date IS DISTINCT FROM excluded.due_date"
		       " OR kev.ransomware IS DISTINCT FROM excluded.ransomware"
		       " OR kev.required_action IS DISTINCT FROM excluded.required_action"
		       " OR kev.short_description IS DISTINCT FROM excluded.short_description",
	[ST_EPSS_PUT] = "INSERT INTO epss(cve, score, percentile, score_date, model_version)"
			" VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT(cve) DO UPDATE SET"
			" score = excluded.score, percentile = excluded.percentile,"
			" score_date = excluded.score_date, model_version = excluded.model_version"
			" WHERE epss.score IS DISTINCT FROM excluded.score"
			" OR epss.percentile IS DISTINCT FROM excluded.percentile"
			" OR epss.score_date IS DISTINCT FROM excluded.score_date"
			" OR epss.model_version IS DISTINCT FROM excluded.model_version",
	[ST_VULN_GET] = "SELECT id, summary, published, modified, cvss_vector, cvss_score,"
			" cvss_source, severity FROM vulns WHERE id = ?1",
	[ST_ALIASES_GET] = "SELECT alias FROM aliases WHERE vuln_id = ?1 ORDER BY alias",
	[ST_KEV_GET] = "SELECT cve, vendor, product, name, date_added, due_date, ransomware,"
		       " required_action, short_description FROM kev WHERE cve = ?1",
	[ST_EPSS_GET] = "SELECT cve, score, percentile, score_date, model_version FROM epss"
			" WHERE cve = ?1",
	[ST_STATE_GET] = "SELECT " STATE_COLUMNS " FROM feed_state WHERE feed = ?1",
	[ST_STATE_PUT] = "INSERT INTO feed_state(" STATE_COLUMNS ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"
			 " ON CONFLICT(feed) DO UPDATE SET url = excluded.url,"
			 " etag = excluded.etag, last_modified = excluded.last_modified,"
			 " last_checked = excluded.last_checked,"
			 " last_changed = excluded.last_changed, records = excluded.records",
	[ST_STATE_EACH] = "SELECT " STATE_COLUMNS " FROM feed_state ORDER BY feed",
	[ST_CPE_EACH] = "SELECT vuln_id, criteria, start_incl, start_excl, end_incl, end_excl,"
			" vulnerable FROM cpe_matches ORDER BY vuln_id, criteria",
	/* one statement per filter combination, so each can use affected_key */
	[ST_AFFECTED_ALL] = AFFECTED_SELECT,
	[ST_AFFECTED_D] = AFFECTED_SELECT " AND distro = ?1",
	[ST_AFFECTED_R] = AFFECTED_SELECT " AND release = ?2",
	[ST_AFFECTED_DR] = AFFECTED_SELECT " AND distro = ?1 AND release = ?2",
	/* deferred: the first read takes the shared lock and the snapshot */
	[ST_READ_BEGIN] = "BEGIN",
	[ST_READ_END] = "COMMIT",
	[ST_AFFECTED_KEY] = AFFECTED_SELECT " AND distro = ?1 AND release = ?2 AND package = ?4",
	[ST_AFFECTED_ANY] = "SELECT 1 FROM affected WHERE distro = ?1 AND release = ?2 LIMIT 1",
};

/* Strings handed out by the _get functions: appended here as offsets while
 * the buffer may still move, turned into pointers at the end. */
struct scratch {
	struct pw_buf text;
	struct pw_buf ptrs; /* const char * array (aliases) */
};

struct sq {
	sqlite3 *db;
	char *path;
	int schema;
	sqlite3_stmt *st[ST_COUNT];
	struct scratch scratch;
	/* pw_sql statements, prepared once and found by their text's address */
	struct {
		const char *sql;
		sqlite3_stmt *st;
		bool in_order; /* its parameters are $1, $2, ... in that order */
	} cache[SQL_CACHE_SLOTS];
	/* this transaction's bulk load of affected (see bulk_start) */
	enum { BULK_UNDECIDED, BULK_NO, BULK_ON } bulk;
	char *bulk_indexes; /* the CREATE INDEX statements to run again */
};

#define NO_TEXT ((size_t)-1)

/* The one mapping of SQLite's result codes to the library's: a full disk
 * and a damaged file are told apart from other failures, so the server
 * can answer 507 store_full or 503 store_corrupt and the CLI say which. */
static pw_err sqlite_err(int r)
{
	switch (r & 0xff) {
	case SQLITE_FULL:
		return PW_ERR_FULL;
	case SQLITE_CORRUPT:
	case SQLITE_NOTADB:
		return PW_ERR_CORRUPT;
	case SQLITE_CONSTRAINT:
		return PW_ERR_INVALID;
	case SQLITE_NOMEM:
		return PW_ERR_NOMEM;
	default:
		return PW_ERR_IO;
	}
}

static pw_err db_error(struct sq *s, struct pw_error *e, const char *what)
{
	return pw_error_set(e, sqlite_err(sqlite3_extended_errcode(s->db)), "%s: %s: %s", s->path,
			    what, sqlite3_errmsg(s->db));
}

static uint32_t be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* One look at the file, through the connection's own file handle: a
 * second descriptor of ours, once closed, would drop every POSIX lock the
 * process holds on the file, and another process could then reset the
 * WAL under the server's connections. PW_OK, PW_ERR_CORRUPT (msg says
 * why) or PW_ERR_IO. */
static pw_err check_file_once(struct sq *s, struct pw_error *e)
{
	sqlite3_file *f = NULL;
	if (sqlite3_file_control(s->db, "main", SQLITE_FCNTL_FILE_POINTER, &f) != SQLITE_OK || !f ||
	    !f->pMethods)
		return PW_OK; /* an in-memory store: nothing to look at */
	sqlite3_int64 size = 0;
	unsigned char h[100];
	if (f->pMethods->xFileSize(f, &size) != SQLITE_OK)
		return pw_error_set(e, PW_ERR_IO, "%s: cannot read its size", s->path);
	int r = f->pMethods->xRead(f, h, sizeof(h), 0);
	if (r != SQLITE_OK && r != SQLITE_IOERR_SHORT_READ)
		return pw_error_set(e, PW_ERR_IO, "%s: cannot read its header", s->path);
	if (r == SQLITE_IOERR_SHORT_READ || memcmp(h, "SQLite format 3", 16) != 0)
		return pw_error_set(e, PW_ERR_CORRUPT, "%s: the file does not start with SQLite's header",
				    s->path);
	/* the header: page size at 16 (1 means 65536), the size in pages at
	 * 28, valid when the change counter (24) equals the number at 92 */
	unsigned page = (unsigned)h[16] << 8 | h[17];
	if (page == 1)
		page = 65536;
	if (page < 512 || (page & (page - 1)))
		return pw_error_set(e, PW_ERR_CORRUPT, "%s: the header's page size %u is not valid",
				    s->path, page);
	uint32_t pages = be32(h + 28);
	if (be32(h + 24) == be32(h + 92) && (uint64_t)size < (uint64_t)pages * page)
		return pw_error_set(e, PW_ERR_CORRUPT,
				    "%s: the file is %lld bytes, its header says %u pages of %u bytes "
				    "(it was cut short)",
				    s->path, (long long)size, pages, page);
	return PW_OK;
}

pw_err pw_store_check_file(struct pw_store *store, struct pw_error *e)
{
	if (pw_store_ops_of(store) != &pw_store_sqlite_ops)
		return PW_OK;
	struct sq *s = pw_store_db_of(store);
	pw_err rc = check_file_once(s, e);
	if (rc != PW_ERR_CORRUPT)
		return rc;
	/* a checkpoint writes page 1, with the new size, before the pages
	 * that grow the file: a second look after it settles */
	struct timespec pause = { 0, 50 * 1000000L };
	nanosleep(&pause, NULL);
	return check_file_once(s, e);
}

static pw_err exec_sql(struct sq *s, const char *sql, struct pw_error *e)
{
	char *msg = NULL;
	int r = sqlite3_exec(s->db, sql, NULL, NULL, &msg);
	if (r != SQLITE_OK) {
		pw_err rc = pw_error_set(e, sqlite_err(r), "%s: %s", s->path,
					 msg ? msg : sqlite3_errmsg(s->db));
		sqlite3_free(msg);
		return rc;
	}
	return PW_OK;
}

/* Statement i, prepared at its first use: a command that opens the store
 * for a few reads (assess) prepared all of them at every start, a tenth of
 * its time. NULL when it cannot be prepared (a damaged schema): stepping
 * NULL fails, and the caller's error carries SQLite's message of why. */
static sqlite3_stmt *stmt(struct sq *s, enum stmt i)
{
	if (!s->st[i])
		sqlite3_prepare_v3(s->db, stmt_sql[i], -1, SQLITE_PREPARE_PERSISTENT, &s->st[i], NULL);
	return s->st[i];
}

static void done(sqlite3_stmt *q)
{
	if (!q) /* never prepared (stmt()): nothing to reset */
		return;
	sqlite3_reset(q);
	sqlite3_clear_bindings(q);
}

/* Run a prepared statement that returns no rows, and make it reusable. */
static pw_err run(struct sq *s, sqlite3_stmt *q, struct pw_error *e, const char *what)
{
	int r = sqlite3_step(q);
	done(q);
	if (r != SQLITE_DONE && r != SQLITE_ROW)
		return db_error(s, e, what);
	return PW_OK;
}

static void bind_text(sqlite3_stmt *q, int i, const char *v)
{
	if (v)
		sqlite3_bind_text(q, i, v, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(q, i);
}

/* 0 means unknown in the model, NULL in the database */
static void bind_time(sqlite3_stmt *q, int i, int64_t t)
{
	if (t)
		sqlite3_bind_int64(q, i, t);
	else
		sqlite3_bind_null(q, i);
}

static const char *col(sqlite3_stmt *q, int i)
{
	return (const char *)sqlite3_column_text(q, i);
}

/* mkdir -p of path's directory, 0750 (it will hold the database only). */
static pw_err make_parent(struct sq *s, struct pw_error *e)
{
	struct pw_buf dir = PW_BUF_INIT;
	pw_err rc = pw_buf_adds(&dir, s->path);
	if (rc)
		return pw_error_set(e, rc, "out of memory");
	char *slash = strrchr(dir.data, '/');
	if (slash && slash != dir.data) {
		*slash = '\0';
		for (char *p = dir.data + 1;; p++) {
			if (*p != '/' && *p != '\0')
				continue;
			char c = *p;
			*p = '\0';
			if (mkdir(dir.data, 0750) != 0 && errno != EEXIST) {
				rc = pw_error_set(e, PW_ERR_IO, "%s: cannot create %s: %s", s->path,
						  dir.data, strerror(errno));
				break;
			}
			*p = c;
			if (c == '\0')
				break;
		}
	}
	pw_buf_free(&dir);
	return rc;
}

/* The schema version without taking the write lock: -1 when the table is
 * not there yet (a new file) or cannot be read. */
static int current_version(struct sq *s)
{
	sqlite3_stmt *q = NULL;
	int v = -1;
	if (sqlite3_prepare_v2(s->db, "SELECT MAX(version) FROM schema_version", -1, &q, NULL) ==
		    SQLITE_OK &&
	    sqlite3_step(q) == SQLITE_ROW)
		v = sqlite3_column_int(q, 0);
	sqlite3_finalize(q);
	return v;
}

static pw_err migrate(struct sq *s, struct pw_error *e)
{
	pw_err rc;
	sqlite3_stmt *q = NULL;
	int version = 0;
	/* an up-to-date store opens without the write lock, so opening it
	 * never waits for an import under way */
	if (current_version(s) == SCHEMA_VERSION) {
		s->schema = SCHEMA_VERSION;
		return PW_OK;
	}
	/* IMMEDIATE: two processes opening a new file at once migrate it once */
	if ((rc = exec_sql(s, "BEGIN IMMEDIATE", e)))
		return rc;
	if ((rc = exec_sql(s, "CREATE TABLE IF NOT EXISTS schema_version(version INTEGER NOT NULL,"
			      " applied BIGINT NOT NULL)", e)))
		goto out;
	if (sqlite3_prepare_v2(s->db, "SELECT MAX(version) FROM schema_version", -1, &q, NULL) !=
	    SQLITE_OK) {
		rc = db_error(s, e, "reading the schema version");
		goto out;
	}
	if (sqlite3_step(q) == SQLITE_ROW)
		version = sqlite3_column_int(q, 0);
	sqlite3_finalize(q);
	q = NULL;
	if (version > SCHEMA_VERSION) {
		rc = pw_error_set(e, PW_ERR_UNSUPPORTED,
				  "%s: schema version %d is newer than this patchwarden knows (%d): "
				  "upgrade patchwarden",
				  s->path, version, SCHEMA_VERSION);
		goto out;
	}
	if (sqlite3_prepare_v2(s->db, "INSERT INTO schema_version(version, applied)"
			       " VALUES (?1, CAST(strftime('%s', 'now') AS INTEGER))",
			       -1, &q, NULL) != SQLITE_OK) {
		rc = db_error(s, e, "recording the schema version");
		goto out;
	}
	for (int v = version; v < SCHEMA_VERSION; v++) {
		if ((rc = exec_sql(s, migrations[v], e)))
			goto out;
		sqlite3_bind_int(q, 1, v + 1);
		if ((rc = run(s, q, e, "recording the schema version")))
			goto out;
	}
	rc = exec_sql(s, "COMMIT", e);
	s->schema = SCHEMA_VERSION;
out:
	sqlite3_finalize(q);
	if (rc)
		exec_sql(s, "ROLLBACK", NULL);
	return rc;
}

static void sq_close(void *db)
{
	struct sq *s = db;
	if (!s)
		return;
	for (int i = 0; i < ST_COUNT; i++)
		sqlite3_finalize(s->st[i]);
	for (int i = 0; i < SQL_CACHE_SLOTS; i++)
		sqlite3_finalize(s->cache[i].st);
	sqlite3_close(s->db);
	free(s->bulk_indexes);
	pw_buf_free(&s->scratch.text);
	pw_buf_free(&s->scratch.ptrs);
	free(s->path);
	free(s);
}

/* A writer waits for another's transaction for up to 30 s. SQLite's own
 * busy timeout sleeps 1, 2, 5, 10 ... 100 ms between tries, so a server
 * whose writes take a few milliseconds each lost most of its time asleep
 * (inventory uploads: 156/s); this polls every 100-1000 us instead. */
#define BUSY_LIMIT_US 30000000L

static int busy_wait(void *ctx, int tries)
{
	long step = tries < 10 ? 100L << (tries / 3) : 1000L;
	/* the total slept so far, near enough: steps grow to 1 ms, then stay */
	long slept = tries < 10 ? 100L * tries : 1000L + 1000L * (tries - 10);
	if (slept >= BUSY_LIMIT_US)
		return 0;
	struct timespec ts = { 0, step * 1000L };
	nanosleep(&ts, NULL);
	return 1;
}

static pw_err sq_open(const char *path, void **out, struct pw_error *e)
{
	struct sq *s = calloc(1, sizeof(*s));
	pw_err rc = PW_OK;
	if (!s || !(s->path = strdup(path))) {
		free(s);
		return pw_error_set(e, PW_ERR_NOMEM, "out of memory");
	}
	bool memory = strcmp(path, ":memory:") == 0;
	bool created = false;
	if (!memory) {
		if ((rc = make_parent(s, e)))
			goto fail;
		created = access(path, F_OK) != 0;
	}
	/* NOMUTEX: a store handle is used by one thread at a time (each
	 * server worker has its own), so SQLite's per-call locking is waste */
	if (sqlite3_open_v2(path, &s->db,
			    SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
			    NULL) !=
	    SQLITE_OK) {
		rc = db_error(s, e, "cannot open");
		goto fail;
	}
	/* it will hold users and tokens too: private from its first byte */
	if (created && chmod(path, 0600) != 0) {
		rc = pw_error_set(e, PW_ERR_IO, "%s: %s", path, strerror(errno));
		goto fail;
	}
	sqlite3_extended_result_codes(s->db, 1);
	/* a writer waits for another import to finish (a large OSV zip takes
	 * tens of seconds) rather than failing at once */
	sqlite3_busy_handler(s->db, busy_wait, NULL);
	/* the first read of the file: junk shows here as "file is not a
	 * database", a damaged page later as "database disk image is malformed" */
	int r = sqlite3_exec(s->db, "SELECT count(*) FROM sqlite_master", NULL, NULL, NULL);
	if ((r & 0xff) == SQLITE_NOTADB || (r & 0xff) == SQLITE_CORRUPT) {
		rc = pw_error_set(e, PW_ERR_CORRUPT, "%s: not a usable patchwarden database (%s)", path,
				  sqlite3_errmsg(s->db));
		goto fail;
	}
	if (r != SQLITE_OK) {
		rc = db_error(s, e, "cannot read");
		goto fail;
	}
	if ((rc = exec_sql(s, "PRAGMA foreign_keys = ON", e)))
		goto fail;
	if (!memory && (rc = exec_sql(s, "PRAGMA journal_mode = WAL", e)))
		goto fail;
	/* Keep the -wal and -shm files when the last connection closes: a
	 * command that opens the store for a few milliseconds (assess, finding
	 * list) otherwise created and deleted both each time, and creating an
	 * inode cost more than its whole query on a busy file system. The
	 * log is cut back to 16 MiB at each checkpoint. */
	if (!memory) {
		int persist = 1;
		sqlite3_file_control(s->db, "main", SQLITE_FCNTL_PERSIST_WAL, &persist);
		if ((rc = exec_sql(s, "PRAGMA journal_size_limit = 16777216", e)))
			goto fail;
	}
	/* in WAL mode NORMAL loses at most the last transactions on power
	 * loss, never consistency; feeds can be imported again. A 32 MiB page
	 * cache (a ceiling, not an allocation) keeps the affected indexes of a
	 * large import in memory instead of spilling pages. */
	if ((rc = exec_sql(s, "PRAGMA synchronous = NORMAL", e)) ||
	    (rc = exec_sql(s, "PRAGMA cache_size = -32768", e)) || (rc = migrate(s, e)))
		goto fail;
	*out = s;
	return PW_OK;
fail:
	sq_close(s);
	return rc;
}

static int sq_schema_version(void *db)
{
	return ((struct sq *)db)->schema;
}

static pw_err sq_generation(void *db, int64_t *out, struct pw_error *e)
{
	struct sq *s = db;
	sqlite3_stmt *q = stmt(s, ST_GEN_GET);
	int r = sqlite3_step(q);
	*out = r == SQLITE_ROW ? sqlite3_column_int64(q, 0) : 0;
	done(q);
	if (r != SQLITE_ROW)
		return db_error(s, e, "reading the generation");
	return PW_OK;
}

/* ---- import transactions ---- */

/* Bulk load. An import into an empty affected table (a new store, the
 * first OSV zip: 280k rows) kept its three indexes up to date row by row,
 * each insert a search at a random place in them; building them once from
 * the whole table at commit sorts instead, and costs less than the inserts
 * alone. Decided at the transaction's first affected row; the indexes are
 * built again before anything needs them (a record's old rows deleted, the
 * commit). A rollback brings them back with the rest. */
static pw_err bulk_start(struct sq *s, struct pw_error *e)
{
	s->bulk = BULK_NO;
	sqlite3_stmt *q;
	if (sqlite3_prepare_v2(s->db,
			       "SELECT (SELECT count(*) FROM (SELECT 1 FROM affected LIMIT 1)),"
			       " group_concat(sql, ';'), group_concat('DROP INDEX \"' || name || '\"', ';')"
			       " FROM sqlite_master WHERE type = 'index' AND tbl_name = 'affected'"
			       " AND sql IS NOT NULL",
			       -1, &q, NULL) != SQLITE_OK)
		return db_error(s, e, "reading the affected indexes");
	if (sqlite3_step(q) != SQLITE_ROW) {
		sqlite3_finalize(q);
		return db_error(s, e, "reading the affected indexes");
	}
	bool empty = sqlite3_column_int(q, 0) == 0 && sqlite3_column_type(q, 1) != SQLITE_NULL;
	char *create = empty ? strdup((const char *)sqlite3_column_text(q, 1)) : NULL;
	char *drop = empty ? strdup((const char *)sqlite3_column_text(q, 2)) : NULL;
	sqlite3_finalize(q); /* an open statement keeps DROP INDEX from running */
	pw_err rc = PW_OK;
	if (empty && (!create || !drop))
		rc = pw_error_set(e, PW_ERR_NOMEM, "out of memory");
	else if (empty && (rc = exec_sql(s, drop, e)) == PW_OK)
		s->bulk = BULK_ON;
	free(drop);
	if (s->bulk == BULK_ON) {
		free(s->bulk_indexes);
		s->bulk_indexes = create;
	} else {
		free(create);
	}
	return rc;
}

/* The affected indexes back, when bulk_start took them away. */
static pw_err bulk_end(struct sq *s, struct pw_error *e)
{
	if (s->bulk != BULK_ON)
		return PW_OK;
	s->bulk = BULK_NO;
	return exec_sql(s, s->bulk_indexes, e);
}

static pw_err sq_begin(void *db, struct pw_error *e)
{
	struct sq *s = db;
	s->bulk = BULK_UNDECIDED;
	return run(s, stmt(s, ST_BEGIN), e, "starting the import");
}

static pw_err sq_commit(void *db, int64_t generation, struct pw_error *e)
{
	struct sq *s = db;
	pw_err rc = bulk_end(s, e);
	if (rc == PW_OK && generation > 0) {
		sqlite3_bind_int64(stmt(s, ST_GEN_SET), 1, generation);
		rc = run(s, stmt(s, ST_GEN_SET), e, "writing the generation");
	}
	if (rc == PW_OK)
		rc = run(s, stmt(s, ST_COMMIT), e, "committing the import");
	if (rc)
		run(s, stmt(s, ST_ROLLBACK), NULL, "rolling back");
	return rc;
}

static void sq_rollback(void *db)
{
	struct sq *s = db;
	s->bulk = BULK_UNDECIDED; /* the rollback restores the indexes */
	/* no transaction left open (a failed COMMIT already rolled back) is fine */
	if (!sqlite3_get_autocommit(s->db))
		run(s, stmt(s, ST_ROLLBACK), NULL, "rolling back");
}

static pw_err sq_read_begin(void *db, struct pw_error *e)
{
	struct sq *s = db;
	return run(s, stmt(s, ST_READ_BEGIN), e, "starting a read transaction");
}

static void sq_read_end(void *db)
{
	struct sq *s = db;
	/* a read transaction has nothing to lose: its end cannot fail but on
	 * a statement still running, which the store never leaves */
	if (!sqlite3_get_autocommit(s->db))
		run(s, stmt(s, ST_READ_END), NULL, "ending a read transaction");
}

/* ---- records ---- */

static void bind_key(struct sq *s, sqlite3_stmt *q, const char *source, const char *id, int part)
{
	(void)s;
	sqlite3_bind_text(q, 1, source, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 2, id, -1, SQLITE_STATIC);
	sqlite3_bind_int(q, 3, part);
}

static pw_err sq_record_hash(void *db, const char *source, const char *id, int part,
			     uint64_t *hash, bool *found, struct pw_error *e)
{
	struct sq *s = db;
	sqlite3_stmt *q = stmt(s, ST_RECORD_HASH);
	bind_key(s, q, source, id, part);
	int r = sqlite3_step(q);
	*found = r == SQLITE_ROW;
	*hash = *found ? (uint64_t)sqlite3_column_int64(q, 0) : 0;
	done(q);
	if (r != SQLITE_ROW && r != SQLITE_DONE)
		return db_error(s, e, "reading records");
	return PW_OK;
}

static pw_err put_vuln(struct sq *s, const struct pw_vuln *v, struct pw_error *e)
{
	sqlite3_stmt *q = stmt(s, ST_VULN_PUT);
	bind_text(q, 1, v->id);
	bind_text(q, 2, v->summary);
	bind_time(q, 3, v->published);
	bind_time(q, 4, v->modified);
	bind_text(q, 5, v->cvss_vector);
	if (v->cvss_score >= 0)
		sqlite3_bind_double(q, 6, v->cvss_score);
	else
		sqlite3_bind_null(q, 6);
	/* a scorer without a score or vector says nothing */
	bind_text(q, 7, v->cvss_vector || v->cvss_score >= 0 ? v->cvss_source : NULL);
	bind_text(q, 8, v->severity);
	pw_err rc = run(s, q, e, "writing a vulnerability");
	for (size_t k = 0; rc == PW_OK && k < v->naliases; k++) {
		if (!v->aliases[k] || strcmp(v->aliases[k], v->id) == 0)
			continue;
		q = stmt(s, ST_ALIAS_PUT);
		bind_text(q, 1, v->id);
		bind_text(q, 2, v->aliases[k]);
		rc = run(s, q, e, "writing an alias");
	}
	return rc;
}

static pw_err sq_record_put(void *db, const char *source, const struct pw_feed_record *r,
			    int part, uint64_t hash, int64_t generation, bool existed,
			    struct pw_error *e)
{
	struct sq *s = db;
	sqlite3_stmt *q;
	pw_err rc;
	if (s->bulk == BULK_UNDECIDED && r->naffected > 0 && !existed &&
	    !sqlite3_get_autocommit(s->db) && (rc = bulk_start(s, e)))
		return rc;
	if (existed && (rc = bulk_end(s, e)))
		return rc;
	if (existed) {
		bind_key(s, stmt(s, ST_DELETE_AFFECTED), source, r->id, part);
		if ((rc = run(s, stmt(s, ST_DELETE_AFFECTED), e, "replacing affected entries")))
			return rc;
		bind_key(s, stmt(s, ST_DELETE_CPES), source, r->id, part);
		if ((rc = run(s, stmt(s, ST_DELETE_CPES), e, "replacing CPE matches")))
			return rc;
	}
	q = stmt(s, ST_RECORD_PUT);
	bind_key(s, q, source, r->id, part);
	sqlite3_bind_int64(q, 4, (int64_t)hash);
	sqlite3_bind_int64(q, 5, generation);
	if ((rc = run(s, q, e, "writing a record")))
		return rc;
	for (size_t i = 0; i < r->nvulns; i++) {
		if ((rc = put_vuln(s, &r->vulns[i], e)))
			return rc;
	}
	for (size_t i = 0; i < r->naffected; i++) {
		const struct pw_affected *a = &r->affected[i];
		q = stmt(s, ST_AFFECTED_PUT);
		bind_key(s, q, source, r->id, part);
		bind_text(q, 4, a->vuln_id);
		bind_text(q, 5, a->distro);
		bind_text(q, 6, a->release);
		bind_text(q, 7, a->package);
		bind_text(q, 8, pw_affect_status_name(a->status));
		bind_text(q, 9, a->introduced);
		bind_text(q, 10, a->fixed);
		bind_text(q, 11, a->last_affected);
		bind_text(q, 12, a->exact);
		bind_text(q, 13, a->urgency);
		bind_text(q, 14, a->advisory);
		sqlite3_bind_int64(q, 15, generation);
		if ((rc = run(s, q, e, "writing an affected entry")))
			return rc;
	}
	for (size_t i = 0; i < r->ncpes; i++) {
		const struct pw_cpe_match *c = &r->cpes[i];
		q = stmt(s, ST_CPE_PUT);
		bind_key(s, q, source, r->id, part);
		bind_text(q, 4, c->vuln_id);
		bind_text(q, 5, c->criteria);
		bind_text(q, 6, c->version_start_including);
		bind_text(q, 7, c->version_start_excluding);
		bind_text(q, 8, c->version_end_including);
		bind_text(q, 9, c->version_end_excluding);
		sqlite3_bind_int(q, 10, c->vulnerable);
		if ((rc = run(s, q, e, "writing a CPE match")))
			return rc;
	}
	return PW_OK;
}

/* One upsert per row. Which way it went: no change counted means the row
 * was identical; otherwise a fresh rowid means it was inserted (the update
 * path leaves the last insert rowid alone). epss and kev are rowid tables,
 * so every insert sets one. The PostgreSQL backend tells the same apart
 * with RETURNING (xmax = 0). */
static pw_err upsert(struct sq *s, enum stmt st, void (*bind)(sqlite3_stmt *q, const void *row),
		     const void *row, enum pw_store_change *did, struct pw_error *e,
		     const char *what)
{
	sqlite3_stmt *q = stmt(s, st);
	bind(q, row);
	sqlite3_set_last_insert_rowid(s->db, 0);
	pw_err rc = run(s, q, e, what);
	if (rc)
		return rc;
	if (sqlite3_changes(s->db) == 0)
		*did = PW_STORE_UNCHANGED;
	else if (sqlite3_last_insert_rowid(s->db) != 0)
		*did = PW_STORE_ADDED;
	else
		*did = PW_STORE_UPDATED;
	return PW_OK;
}

static void bind_kev(sqlite3_stmt *q, const void *row)
{
	const struct pw_kev *k = row;
	bind_text(q, 1, k->cve);
	bind_text(q, 2, k->vendor);
	bind_text(q, 3, k->product);
	bind_text(q, 4, k->name);
	bind_time(q, 5, k->date_added);
	bind_time(q, 6, k->due_date);
	sqlite3_bind_int(q, 7, k->ransomware);
	bind_text(q, 8, k->required_action);
	bind_text(q, 9, k->short_description);
}

static pw_err sq_kev_put(void *db, const struct pw_kev *k, enum pw_store_change *did,
			 struct pw_error *e)
{
	return upsert(db, ST_KEV_PUT, bind_kev, k, did, e, "writing KEV");
}

static void bind_epss(sqlite3_stmt *q, const void *row)
{
	const struct pw_epss *x = row;
	bind_text(q, 1, x->cve);
	sqlite3_bind_double(q, 2, x->score);
	sqlite3_bind_double(q, 3, x->percentile);
	sqlite3_bind_int64(q, 4, x->score_date);
	bind_text(q, 5, x->model_version);
}

static pw_err sq_epss_put(void *db, const struct pw_epss *x, enum pw_store_change *did,
			  struct pw_error *e)
{
	return upsert(db, ST_EPSS_PUT, bind_epss, x, did, e, "writing EPSS");
}

/* ---- handing strings out ---- */

static void scratch_reset(struct scratch *sc)
{
	pw_buf_reset(&sc->text);
	pw_buf_reset(&sc->ptrs);
}

/* Offset of a copy of v (NO_TEXT for NULL or on ENOMEM). */
static size_t scratch_add(struct scratch *sc, const unsigned char *v)
{
	if (!v)
		return NO_TEXT;
	size_t off = sc->text.len;
	if (pw_buf_add(&sc->text, v, strlen((const char *)v) + 1))
		return NO_TEXT;
	return off;
}

static const char *scratch_ptr(const struct scratch *sc, size_t off)
{
	return off == NO_TEXT ? NULL : sc->text.data + off;
}

/* ---- feed state ---- */

static void fill_state(struct sq *s, sqlite3_stmt *q, struct pw_feed_state *st)
{
	size_t off[4];
	scratch_reset(&s->scratch);
	for (int i = 0; i < 4; i++)
		off[i] = scratch_add(&s->scratch, sqlite3_column_text(q, i));
	st->feed = scratch_ptr(&s->scratch, off[0]);
	st->url = scratch_ptr(&s->scratch, off[1]);
	st->etag = scratch_ptr(&s->scratch, off[2]);
	st->last_modified = scratch_ptr(&s->scratch, off[3]);
	st->last_checked = sqlite3_column_int64(q, 4);
	st->last_changed = sqlite3_column_int64(q, 5);
	st->records = (uint64_t)sqlite3_column_int64(q, 6);
}

static pw_err sq_feed_state_get(void *db, const char *feed, struct pw_feed_state *out,
				bool *found, struct pw_error *e)
{
	struct sq *s = db;
	sqlite3_stmt *q = stmt(s, ST_STATE_GET);
	bind_text(q, 1, feed);
	int r = sqlite3_step(q);
	*found = r == SQLITE_ROW;
	if (*found)
		fill_state(s, q, out);
	done(q);
	if (r != SQLITE_ROW && r != SQLITE_DONE)
		return db_error(s, e, "reading feed state");
	return PW_OK;
}

static pw_err sq_feed_state_put(void *db, const struct pw_feed_state *st, struct pw_error *e)
{
	struct sq *s = db;
	sqlite3_stmt *q = stmt(s, ST_STATE_PUT);
	bind_text(q, 1, st->feed);
	bind_text(q, 2, st->url);
	bind_text(q, 3, st->etag);
	bind_text(q, 4, st->last_modified);
	sqlite3_bind_int64(q, 5, st->last_checked);
	sqlite3_bind_int64(q, 6, st->last_changed);
	sqlite3_bind_int64(q, 7, (int64_t)st->records);
	return run(s, q, e, "writing feed state");
}

static pw_err sq_each_feed_state(void *db, pw_err (*cb)(void *ctx, const struct pw_feed_state *st),
				 void *ctx, struct pw_error *e)
{
	struct sq *s = db;
	sqlite3_stmt *q = stmt(s, ST_STATE_EACH);
	pw_err rc = PW_OK;
	int r;
	while ((r = sqlite3_step(q)) == SQLITE_ROW) {
		struct pw_feed_state st;
		fill_state(s, q, &st);
		if ((rc = cb(ctx, &st)))
			break;
	}
	done(q);
	if (rc == PW_OK && r != SQLITE_DONE)
		rc = db_error(s, e, "reading feed state");
	return rc;
}

/* ---- reading for assessment ---- */

/* The rows of a bound AFFECTED_SELECT statement, each to cb. */
static pw_err affected_rows(struct sq *s, sqlite3_stmt *q,
			    pw_err (*cb)(void *ctx, const struct pw_affected *a), void *ctx,
			    struct pw_error *e)
{
	pw_err rc = PW_OK;
	int r;
	while ((r = sqlite3_step(q)) == SQLITE_ROW) {
		struct pw_affected a = {
			.vuln_id = col(q, 0), .distro = col(q, 1), .release = col(q, 2),
			.package = col(q, 3), .introduced = col(q, 5), .fixed = col(q, 6),
			.last_affected = col(q, 7), .exact = col(q, 8), .urgency = col(q, 9),
			.advisory = col(q, 10),
		};
		if (!pw_affect_status_parse(col(q, 4), &a.status)) {
			/* only this code writes the column: a stranger is damage */
			rc = pw_error_set(e, PW_ERR_PARSE, "%s: affected entry for %s has unknown "
					  "status '%s'", s->path, a.vuln_id ? a.vuln_id : "?",
					  col(q, 4) ? col(q, 4) : "");
			break;
		}
		if ((rc = cb(ctx, &a)))
			break;
	}
	done(q);
	if (rc == PW_OK && r != SQLITE_DONE)
		rc = db_error(s, e, "reading affected entries");
	return rc;
}

static pw_err sq_each_affected(void *db, const char *distro, const char *release, int64_t since,
			       pw_err (*cb)(void *ctx, const struct pw_affected *a), void *ctx,
			       struct pw_error *e)
{
	struct sq *s = db;
	sqlite3_stmt *q = stmt(s, distro ? (release ? ST_AFFECTED_DR : ST_AFFECTED_D)
					  : (release ? ST_AFFECTED_R : ST_AFFECTED_ALL));
	if (distro)
		bind_text(q, 1, distro);
	if (release)
		bind_text(q, 2, release);
	sqlite3_bind_int64(q, 3, since > 0 ? since : 0);
	return affected_rows(s, q, cb, ctx, e);
}

static pw_err sq_each_affected_of(void *db, const char *distro, const char *release,
				  const char *package,
				  pw_err (*cb)(void *ctx, const struct pw_affected *a), void *ctx,
				  struct pw_error *e)
{
	struct sq *s = db;
	sqlite3_stmt *q = stmt(s, ST_AFFECTED_KEY);
	bind_text(q, 1, distro);
	bind_text(q, 2, release);
	sqlite3_bind_int64(q, 3, 0);
	bind_text(q, 4, package);
	return affected_rows(s, q, cb, ctx, e);
}

static pw_err sq_has_affected(void *db, const char *distro, const char *release, bool *found,
			      struct pw_error *e)
{
	struct sq *s = db;
	sqlite3_stmt *q = stmt(s, ST_AFFECTED_ANY);
	bind_text(q, 1, distro);
	bind_text(q, 2, release);
	int r = sqlite3_step(q);
	done(q);
	*found = r == SQLITE_ROW;
	if (r != SQLITE_ROW && r != SQLITE_DONE)
		return db_error(s, e, "reading affected entries");
	return PW_OK;
}

static pw_err sq_get_vuln(void *db, const char *id, struct pw_vuln *out, bool *found,
			  struct pw_error *e)
{
	struct sq *s = db;
	struct scratch *sc = &s->scratch;
	sqlite3_stmt *q = stmt(s, ST_VULN_GET);
	size_t off[5] = { NO_TEXT, NO_TEXT, NO_TEXT, NO_TEXT, NO_TEXT };
	scratch_reset(sc);
	memset(out, 0, sizeof(*out));
	bind_text(q, 1, id);
	int r = sqlite3_step(q);
	*found = r == SQLITE_ROW;
	if (*found) {
		off[0] = scratch_add(sc, sqlite3_column_text(q, 0));
		off[1] = scratch_add(sc, sqlite3_column_text(q, 1));
		off[2] = scratch_add(sc, sqlite3_column_text(q, 4));
		off[3] = scratch_add(sc, sqlite3_column_text(q, 6));
		off[4] = scratch_add(sc, sqlite3_column_text(q, 7));
		out->published = sqlite3_column_int64(q, 2);
		out->modified = sqlite3_column_int64(q, 3);
		out->cvss_score = sqlite3_column_type(q, 5) == SQLITE_NULL ? -1
									  : sqlite3_column_double(q, 5);
	}
	done(q);
	if (r != SQLITE_ROW && r != SQLITE_DONE)
		return db_error(s, e, "reading vulnerabilities");
	if (!*found)
		return PW_OK;

	/* aliases: offsets first (the text buffer may move), pointers after */
	q = stmt(s, ST_ALIASES_GET);
	bind_text(q, 1, id);
	size_t n = 0;
	while ((r = sqlite3_step(q)) == SQLITE_ROW) {
		size_t o = scratch_add(sc, sqlite3_column_text(q, 0));
		if (o == NO_TEXT || pw_buf_add(&sc->ptrs, &o, sizeof(o))) {
			done(q);
			return pw_error_set(e, PW_ERR_NOMEM, "out of memory");
		}
		n++;
	}
	done(q);
	if (r != SQLITE_DONE)
		return db_error(s, e, "reading aliases");
	size_t *offs = (size_t *)(void *)sc->ptrs.data;
	const char **ptrs = (const char **)(void *)sc->ptrs.data;
	/* in place: a size_t and a pointer are the same size on every target */
	_Static_assert(sizeof(size_t) == sizeof(const char *), "offsets become pointers in place");
	for (size_t i = 0; i < n; i++)
		ptrs[i] = scratch_ptr(sc, offs[i]);
	out->id = scratch_ptr(sc, off[0]);
	out->summary = scratch_ptr(sc, off[1]);
	out->cvss_vector = scratch_ptr(sc, off[2]);
	out->cvss_source = scratch_ptr(sc, off[3]);
	out->severity = scratch_ptr(sc, off[4]);
	out->aliases = n ? ptrs : NULL;
	out->naliases = n;
	return PW_OK;
}

static pw_err sq_get_kev(void *db, const char *cve, struct pw_kev *out, bool *found,
			 struct pw_error *e)
{
	struct sq *s = db;
	struct scratch *sc = &s->scratch;
	sqlite3_stmt *q = stmt(s, ST_KEV_GET);
	scratch_reset(sc);
	memset(out, 0, sizeof(*out));
	bind_text(q, 1, cve);
	int r = sqlite3_step(q);
	*found = r == SQLITE_ROW;
	if (*found) {
		size_t off[6];
		static const int cols[6] = { 0, 1, 2, 3, 7, 8 };
		for (int i = 0; i < 6; i++)
			off[i] = scratch_add(sc, sqlite3_column_text(q, cols[i]));
		out->cve = scratch_ptr(sc, off[0]);
		out->vendor = scratch_ptr(sc, off[1]);
		out->product = scratch_ptr(sc, off[2]);
		out->name = scratch_ptr(sc, off[3]);
		out->required_action = scratch_ptr(sc, off[4]);
		out->short_description = scratch_ptr(sc, off[5]);
		out->date_added = sqlite3_column_int64(q, 4);
		out->due_date = sqlite3_column_int64(q, 5);
		out->ransomware = sqlite3_column_int(q, 6) != 0;
	}
	done(q);
	if (r != SQLITE_ROW && r != SQLITE_DONE)
		return db_error(s, e, "reading KEV");
	return PW_OK;
}

static pw_err sq_get_epss(void *db, const char *cve, struct pw_epss *out, bool *found,
			  struct pw_error *e)
{
	struct sq *s = db;
	struct scratch *sc = &s->scratch;
	sqlite3_stmt *q = stmt(s, ST_EPSS_GET);
	scratch_reset(sc);
	memset(out, 0, sizeof(*out));
	bind_text(q, 1, cve);
	int r = sqlite3_step(q);
	*found = r == SQLITE_ROW;
	if (*found) {
		size_t c = scratch_add(sc, sqlite3_column_text(q, 0));
		size_t m = scratch_add(sc, sqlite3_column_text(q, 4));
		out->cve = scratch_ptr(sc, c);
		out->model_version = scratch_ptr(sc, m);
		out->score = sqlite3_column_double(q, 1);
		out->percentile = sqlite3_column_double(q, 2);
		out->score_date = sqlite3_column_int64(q, 3);
	}
	done(q);
	if (r != SQLITE_ROW && r != SQLITE_DONE)
		return db_error(s, e, "reading EPSS");
	return PW_OK;
}

static pw_err sq_each_cpe_match(void *db, pw_err (*cb)(void *ctx, const struct pw_cpe_match *m),
				void *ctx, struct pw_error *e)
{
	struct sq *s = db;
	sqlite3_stmt *q = stmt(s, ST_CPE_EACH);
	pw_err rc = PW_OK;
	int r;
	while ((r = sqlite3_step(q)) == SQLITE_ROW) {
		struct pw_cpe_match m = {
			.vuln_id = col(q, 0), .criteria = col(q, 1),
			.version_start_including = col(q, 2), .version_start_excluding = col(q, 3),
			.version_end_including = col(q, 4), .version_end_excluding = col(q, 5),
			.vulnerable = sqlite3_column_int(q, 6) != 0,
		};
		if ((rc = cb(ctx, &m)))
			break;
	}
	done(q);
	if (rc == PW_OK && r != SQLITE_DONE)
		rc = db_error(s, e, "reading CPE matches");
	return rc;
}

static int64_t count_sql(struct sq *s, const char *sql, const char *arg)
{
	sqlite3_stmt *q;
	int64_t n = -1;
	if (sqlite3_prepare_v2(s->db, sql, -1, &q, NULL) != SQLITE_OK)
		return -1;
	if (arg)
		bind_text(q, 1, arg);
	if (sqlite3_step(q) == SQLITE_ROW)
		n = sqlite3_column_int64(q, 0);
	sqlite3_finalize(q);
	return n;
}

static int64_t sq_count(void *db, const char *what)
{
	/* table names cannot be bound: only these fixed statements run */
	static const struct {
		const char *what, *sql;
	} counts[] = {
		{ "vulns", "SELECT COUNT(*) FROM vulns" },
		{ "aliases", "SELECT COUNT(*) FROM aliases" },
		{ "affected", "SELECT COUNT(*) FROM affected" },
		{ "kev", "SELECT COUNT(*) FROM kev" },
		{ "epss", "SELECT COUNT(*) FROM epss" },
		{ "cpe_matches", "SELECT COUNT(*) FROM cpe_matches" },
		{ "records", "SELECT COUNT(*) FROM records" },
	};
	for (size_t i = 0; what && i < sizeof(counts) / sizeof(counts[0]); i++) {
		if (strcmp(what, counts[i].what) == 0)
			return count_sql(db, counts[i].sql, NULL);
	}
	return -1;
}

static int64_t sq_count_source(void *db, const char *source)
{
	if (strcmp(source, "kev") == 0)
		return count_sql(db, "SELECT COUNT(*) FROM kev", NULL);
	if (strcmp(source, "epss") == 0)
		return count_sql(db, "SELECT COUNT(*) FROM epss", NULL);
	return count_sql(db, "SELECT COUNT(*) FROM records WHERE source = ?1 AND part = 0", source);
}

/* ---- pw_sql.h: the portable executor ---- */

static size_t row_ncols(void *impl)
{
	return (size_t)sqlite3_column_count(impl);
}

static int row_type(void *impl, size_t col)
{
	switch (sqlite3_column_type(impl, (int)col)) {
	case SQLITE_INTEGER:
		return PW_SQL_INT;
	case SQLITE_FLOAT:
		return PW_SQL_REAL;
	case SQLITE_BLOB:
		return PW_SQL_BLOB;
	case SQLITE_NULL:
		return PW_SQL_NULL;
	default:
		return PW_SQL_TEXT;
	}
}

static const char *row_text(void *impl, size_t col)
{
	return (const char *)sqlite3_column_text(impl, (int)col);
}

static int64_t row_int(void *impl, size_t col)
{
	return sqlite3_column_int64(impl, (int)col);
}

static double row_real(void *impl, size_t col)
{
	return sqlite3_column_double(impl, (int)col);
}

static const void *row_blob(void *impl, size_t col, size_t *len)
{
	const void *p = sqlite3_column_blob(impl, (int)col);
	*len = (size_t)sqlite3_column_bytes(impl, (int)col);
	return p;
}

static const struct pw_sql_row_ops sq_row_ops = {
	row_ncols, row_type, row_text, row_int, row_real, row_blob,
};

/* The cached statement for sql, prepared on first use. A full cache
 * prepares without caching (*transient: the caller finalizes). */
/* The index of parameter $n in q, 0 when q does not use it. */
static int param_index(sqlite3_stmt *q, size_t n)
{
	char want[24], digits[20];
	size_t len = 0;
	for (size_t v = n; len == 0 || v > 0; v /= 10)
		digits[len++] = (char)('0' + v % 10);
	want[0] = '$';
	for (size_t j = 0; j < len; j++)
		want[1 + j] = digits[len - 1 - j];
	want[1 + len] = '\0';
	return sqlite3_bind_parameter_index(q, want);
}

/* Are q's parameters $1, $2, ... in the order they appear? Then the n-th
 * argument binds to index n without a look-up by name (most statements). */
static bool params_in_order(sqlite3_stmt *q)
{
	int count = sqlite3_bind_parameter_count(q);
	for (int k = 1; k <= count; k++) {
		if (param_index(q, (size_t)k) != k)
			return false;
	}
	return true;
}

/* The cached statement for sql, prepared on first use. A full cache
 * prepares without caching (*transient: the caller finalizes). */
static pw_err prepared(struct sq *s, const char *sql, sqlite3_stmt **out, bool *in_order,
		       bool *transient, struct pw_error *e)
{
	size_t h = ((uintptr_t)sql >> 3) * 0x9E3779B97F4A7C15ull % SQL_CACHE_SLOTS;
	*transient = false;
	for (size_t n = 0; n < SQL_CACHE_SLOTS; n++, h = (h + 1) % SQL_CACHE_SLOTS) {
		if (s->cache[h].sql == sql) {
			*out = s->cache[h].st;
			*in_order = s->cache[h].in_order;
			return PW_OK;
		}
		if (!s->cache[h].sql)
			break;
	}
	sqlite3_stmt *q = NULL;
	int r = sqlite3_prepare_v3(s->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &q, NULL);
	if (r != SQLITE_OK)
		return pw_error_set(e, sqlite_err(r), "%s: preparing \"%.80s\": %s", s->path, sql,
				    sqlite3_errmsg(s->db));
	*in_order = params_in_order(q);
	if (s->cache[h].sql) {
		*transient = true;
	} else {
		s->cache[h].sql = sql;
		s->cache[h].st = q;
		s->cache[h].in_order = *in_order;
	}
	*out = q;
	return PW_OK;
}

static pw_err sq_sql_run(void *db, const char *sql, const struct pw_sql_arg *args, size_t nargs,
			 pw_sql_row_cb cb, void *ctx, int64_t *changes, struct pw_error *e)
{
	struct sq *s = db;
	sqlite3_stmt *q = NULL;
	bool transient = false, in_order = true;
	pw_err rc = prepared(s, sql, &q, &in_order, &transient, e);
	if (rc)
		return rc;
	for (size_t i = 0; i < nargs; i++) {
		const struct pw_sql_arg *a = &args[i];
		/* SQLite numbers $n parameters in the order they first appear in
		 * the text, not by n: "SET a = $2 WHERE id = $1" must find $1
		 * by name. An argument the statement does not use is passed over. */
		int k = in_order ? (int)i + 1 : param_index(q, i + 1);
		if (k == 0 || k > sqlite3_bind_parameter_count(q))
			continue;
		switch (a->type) {
		case PW_SQL_INT:
			sqlite3_bind_int64(q, k, a->i);
			break;
		case PW_SQL_REAL:
			sqlite3_bind_double(q, k, a->r);
			break;
		case PW_SQL_TEXT:
			sqlite3_bind_text(q, k, a->p, -1, SQLITE_STATIC);
			break;
		case PW_SQL_BLOB:
			sqlite3_bind_blob(q, k, a->p ? a->p : "", (int)a->len, SQLITE_STATIC);
			break;
		case PW_SQL_NULL:
			sqlite3_bind_null(q, k);
			break;
		}
	}
	struct pw_sql_row row = { &sq_row_ops, q };
	int r;
	while ((r = sqlite3_step(q)) == SQLITE_ROW) {
		if (cb && (rc = cb(ctx, &row, e)))
			break;
	}
	if (!rc && r != SQLITE_DONE)
		rc = pw_error_set(e, sqlite_err(r), "%s: %s", s->path, sqlite3_errmsg(s->db));
	if (!rc && changes)
		*changes = sqlite3_changes64(s->db);
	if (transient) {
		sqlite3_finalize(q);
	} else {
		sqlite3_reset(q);
		sqlite3_clear_bindings(q);
	}
	return rc;
}

static bool sq_in_transaction(void *db)
{
	return !sqlite3_get_autocommit(((struct sq *)db)->db);
}

static pw_err version_row(void *ctx, const struct pw_sql_row *row, struct pw_error *e)
{
	*(int *)ctx = (int)pw_sql_int(row, 0);
	return PW_OK;
}

static const char component_table[] =
	"CREATE TABLE IF NOT EXISTS component_schema(component TEXT PRIMARY KEY,"
	" version INTEGER NOT NULL, applied BIGINT NOT NULL)";
static const char component_get[] =
	"SELECT version FROM component_schema WHERE component = $1";

static int sq_component_version(void *db, const char *component)
{
	struct sq *s = db;
	int v = 0;
	if (exec_sql(s, component_table, NULL) ||
	    sq_sql_run(s, component_get, (struct pw_sql_arg[]){ PW_SQL_T(component) }, 1,
		       version_row, &v, NULL, NULL))
		return -1;
	return v;
}

static pw_err sq_sql_migrate(void *db, const struct pw_sql_migrations *m, struct pw_error *e)
{
	struct sq *s = db;
	pw_err rc;
	int v = 0;
	/* up to date: no write lock (see migrate) */
	if (sq_component_version(s, m->component) == (int)m->nsteps)
		return PW_OK;
	/* IMMEDIATE: two servers starting on a new file migrate it once */
	if ((rc = exec_sql(s, "BEGIN IMMEDIATE", e)))
		return rc;
	if ((rc = exec_sql(s, component_table, e)) ||
	    (rc = sq_sql_run(s, component_get, (struct pw_sql_arg[]){ PW_SQL_T(m->component) }, 1,
			     version_row, &v, NULL, e)))
		goto out;
	if (v > (int)m->nsteps) {
		rc = pw_error_set(e, PW_ERR_UNSUPPORTED,
				  "%s: the %s schema is at version %d, newer than this patchwarden "
				  "knows (%zu): upgrade patchwarden",
				  s->path, m->component, v, m->nsteps);
		goto out;
	}
	for (size_t i = (size_t)v; i < m->nsteps; i++) {
		if ((rc = exec_sql(s, m->sqlite[i], e)))
			goto out;
	}
	if ((size_t)v < m->nsteps &&
	    (rc = sq_sql_run(s,
			     "INSERT INTO component_schema(component, version, applied)"
			     " VALUES ($1, $2, CAST(strftime('%s', 'now') AS INTEGER))"
			     " ON CONFLICT(component) DO UPDATE SET version = excluded.version,"
			     " applied = excluded.applied",
			     (struct pw_sql_arg[]){ PW_SQL_T(m->component), PW_SQL_I(m->nsteps) }, 2,
			     NULL, NULL, NULL, e)))
		goto out;
	rc = exec_sql(s, "COMMIT", e);
out:
	if (rc)
		exec_sql(s, "ROLLBACK", NULL);
	return rc;
}

/* SQLite's online backup: the source's pages copied under one read
 * transaction (WAL lets writers go on), into a 0600 temporary file beside
 * dest, synced, then linked to dest (which must not exist: link() refuses
 * to replace) and the temporary name removed. */
static pw_err backup_from(sqlite3 *src, const char *src_path, const char *dest,
			  struct pw_error *e)
{
	pw_err rc = PW_OK;
	size_t n = strlen(dest);
	char *tmp = malloc(n + 16);
	if (!tmp)
		return pw_error_set(e, PW_ERR_NOMEM, "out of memory");
	memcpy(tmp, dest, n);
	memcpy(tmp + n, ".tmp-XXXXXX", 12);
	if (access(dest, F_OK) == 0) {
		free(tmp);
		return pw_error_set(e, PW_ERR_INVALID, "%s: already exists; a backup never replaces a file",
				    dest);
	}
	int fd = mkstemp(tmp); /* 0600 */
	if (fd < 0) {
		rc = pw_error_set(e, PW_ERR_IO, "%s: %s", tmp, strerror(errno));
		free(tmp);
		return rc;
	}
	close(fd);
	sqlite3 *out = NULL;
	if (sqlite3_open_v2(tmp, &out, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK) {
		rc = pw_error_set(e, PW_ERR_IO, "%s: %s", tmp, out ? sqlite3_errmsg(out) : "cannot open");
		goto out;
	}
	sqlite3_busy_timeout(out, 30000);
	sqlite3_backup *b = sqlite3_backup_init(out, "main", src, "main");
	if (!b) {
		rc = pw_error_set(e, PW_ERR_IO, "%s: backup: %s", dest, sqlite3_errmsg(out));
		goto out;
	}
	int r;
	/* all pages in one step: one read transaction, so the copy is one
	 * consistent state; a lock held elsewhere is waited for */
	for (int tries = 0; (r = sqlite3_backup_step(b, -1)) == SQLITE_BUSY || r == SQLITE_LOCKED;
	     tries++) {
		if (tries >= 300)
			break;
		sqlite3_sleep(100);
	}
	int fr = sqlite3_backup_finish(b);
	if (r != SQLITE_DONE || fr != SQLITE_OK) {
		rc = pw_error_set(e, PW_ERR_IO, "%s: backup of %s: %s", dest, src_path,
				  sqlite3_errstr(r != SQLITE_DONE ? r : fr));
		goto out;
	}
	if (sqlite3_close(out) != SQLITE_OK) {
		rc = pw_error_set(e, PW_ERR_IO, "%s: %s", tmp, sqlite3_errmsg(out));
		goto out;
	}
	out = NULL;
	if ((fd = open(tmp, O_RDONLY | O_CLOEXEC)) < 0 || fsync(fd) != 0) {
		rc = pw_error_set(e, PW_ERR_IO, "%s: %s", tmp, strerror(errno));
		if (fd >= 0)
			close(fd);
		goto out;
	}
	close(fd);
	if (link(tmp, dest) != 0)
		rc = pw_error_set(e, PW_ERR_IO, "%s: %s", dest, strerror(errno));
out:
	if (out)
		sqlite3_close(out);
	unlink(tmp);
	free(tmp);
	return rc;
}

static pw_err sq_checkpoint(void *db, struct pw_error *e)
{
	struct sq *s = db;
	int r = sqlite3_wal_checkpoint_v2(s->db, NULL, SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL);
	/* busy: a reader outlasted the busy timeout; the next run tries again */
	if (r != SQLITE_OK && (r & 0xff) != SQLITE_BUSY)
		return db_error(s, e, "checkpoint");
	return PW_OK;
}

/* The store at `path`, opened only to be read: no migration, so no write
 * lock is waited for (an import may hold it for minutes). */
static pw_err sq_backup_path(const char *path, const char *dest, struct pw_error *e)
{
	sqlite3 *src = NULL;
	pw_err rc = PW_OK;
	if (sqlite3_open_v2(path, &src, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK) {
		rc = pw_error_set(e, PW_ERR_IO, "%s: %s", path,
				  src ? sqlite3_errmsg(src) : "cannot open");
		goto out;
	}
	sqlite3_busy_timeout(src, 30000);
	int version = -1;
	sqlite3_stmt *q = NULL;
	if (sqlite3_prepare_v2(src, "SELECT MAX(version) FROM schema_version", -1, &q, NULL) ==
		    SQLITE_OK &&
	    sqlite3_step(q) == SQLITE_ROW)
		version = sqlite3_column_int(q, 0);
	sqlite3_finalize(q);
	if (version < 1) {
		rc = pw_error_set(e, PW_ERR_IO, "%s: not a patchwarden store (%s)", path,
				  sqlite3_errmsg(src));
		goto out;
	}
	rc = backup_from(src, path, dest, e);
out:
	sqlite3_close(src);
	return rc;
}

const struct pw_store_ops pw_store_sqlite_ops = {
	.name = "sqlite",
	.open = sq_open,
	.close = sq_close,
	.schema_version = sq_schema_version,
	.generation = sq_generation,
	.begin = sq_begin,
	.commit = sq_commit,
	.rollback = sq_rollback,
	.record_hash = sq_record_hash,
	.record_put = sq_record_put,
	.kev_put = sq_kev_put,
	.epss_put = sq_epss_put,
	.feed_state_get = sq_feed_state_get,
	.feed_state_put = sq_feed_state_put,
	.each_feed_state = sq_each_feed_state,
	.read_begin = sq_read_begin,
	.read_end = sq_read_end,
	.each_affected = sq_each_affected,
	.each_affected_of = sq_each_affected_of,
	.has_affected = sq_has_affected,
	.get_vuln = sq_get_vuln,
	.get_kev = sq_get_kev,
	.get_epss = sq_get_epss,
	.each_cpe_match = sq_each_cpe_match,
	.count = sq_count,
	.count_source = sq_count_source,
	.sql_run = sq_sql_run,
	.in_transaction = sq_in_transaction,
	.sql_migrate = sq_sql_migrate,
	.component_version = sq_component_version,
	.checkpoint = sq_checkpoint,
	.backup_path = sq_backup_path,
};
