/* store.c - the store on SQLite: one file, WAL, versioned migrations.
 *
 * All SQL lives in this file. Callers see only pw_store.h, whose types are
 * the advisory model; nothing SQLite-specific crosses it, so a PostgreSQL
 * implementation can provide the same functions (the statements below are
 * portable: INSERT ... ON CONFLICT, no rowid tricks in the interface).
 *
 * Imports are incremental: each record's content is hashed; an unchanged
 * hash writes nothing, a changed one replaces that record's rows in place.
 * Every import that changes something bumps a generation number that the
 * affected rows carry, so assessment can re-evaluate only what changed.
 */
#include "pw_store.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pw_buf.h"

/* Each step moves the schema one version up; never edit a released step. */
static const char *const migrations[] = {
	/* 1: feeds and advisories */
	"CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);"
	"INSERT INTO meta(key, value) VALUES ('generation', '0');"
	"CREATE TABLE records(source TEXT NOT NULL, record_id TEXT NOT NULL,"
	" hash TEXT NOT NULL, generation INTEGER NOT NULL, PRIMARY KEY(source, record_id));"
	"CREATE TABLE vulns(id TEXT PRIMARY KEY, summary TEXT, published INTEGER,"
	" modified INTEGER, cvss_vector TEXT, cvss_score REAL, cvss_source TEXT, severity TEXT);"
	"CREATE TABLE aliases(vuln_id TEXT NOT NULL, alias TEXT NOT NULL,"
	" PRIMARY KEY(vuln_id, alias));"
	"CREATE INDEX aliases_alias ON aliases(alias);"
	"CREATE TABLE affected(source TEXT NOT NULL, record_id TEXT NOT NULL,"
	" vuln_id TEXT NOT NULL, distro TEXT NOT NULL, release TEXT NOT NULL,"
	" package TEXT NOT NULL, status TEXT NOT NULL, introduced TEXT, fixed TEXT,"
	" last_affected TEXT, exact TEXT, urgency TEXT, advisory TEXT,"
	" generation INTEGER NOT NULL);"
	"CREATE INDEX affected_key ON affected(distro, release, package);"
	"CREATE INDEX affected_record ON affected(source, record_id);"
	"CREATE INDEX affected_generation ON affected(generation);"
	"CREATE TABLE cpe_matches(source TEXT NOT NULL, record_id TEXT NOT NULL,"
	" vuln_id TEXT NOT NULL, criteria TEXT NOT NULL, start_incl TEXT, start_excl TEXT,"
	" end_incl TEXT, end_excl TEXT, vulnerable INTEGER NOT NULL);"
	"CREATE INDEX cpe_record ON cpe_matches(source, record_id);"
	"CREATE TABLE kev(cve TEXT PRIMARY KEY, vendor TEXT, product TEXT, name TEXT,"
	" date_added INTEGER, due_date INTEGER, ransomware INTEGER NOT NULL,"
	" required_action TEXT, short_description TEXT);"
	"CREATE TABLE epss(cve TEXT PRIMARY KEY, score REAL NOT NULL, percentile REAL NOT NULL,"
	" score_date INTEGER NOT NULL, model_version TEXT);"
	"CREATE TABLE feed_state(feed TEXT PRIMARY KEY, url TEXT, etag TEXT,"
	" last_modified TEXT, last_checked INTEGER, last_changed INTEGER, records INTEGER);",
};
#define SCHEMA_VERSION ((int)(sizeof(migrations) / sizeof(migrations[0])))

enum stmt {
	ST_RECORD_HASH,
	ST_RECORD_PUT,
	ST_DELETE_AFFECTED,
	ST_DELETE_CPES,
	ST_VULN_PUT,
	ST_ALIAS_PUT,
	ST_AFFECTED_PUT,
	ST_CPE_PUT,
	ST_KEV_GET,
	ST_KEV_PUT,
	ST_EPSS_INSERT,
	ST_EPSS_UPDATE,
	ST_COUNT,
};

static const char *const stmt_sql[ST_COUNT] = {
	[ST_RECORD_HASH] = "SELECT hash FROM records WHERE source = ?1 AND record_id = ?2",
	[ST_RECORD_PUT] = "INSERT INTO records(source, record_id, hash, generation)"
			  " VALUES (?1, ?2, ?3, ?4) ON CONFLICT(source, record_id)"
			  " DO UPDATE SET hash = excluded.hash, generation = excluded.generation",
	[ST_DELETE_AFFECTED] = "DELETE FROM affected WHERE source = ?1 AND record_id = ?2",
	[ST_DELETE_CPES] = "DELETE FROM cpe_matches WHERE source = ?1 AND record_id = ?2",
	/* a NULL from one feed never erases another feed's value */
	[ST_VULN_PUT] = "INSERT INTO vulns(id, summary, published, modified, cvss_vector,"
			" cvss_score, cvss_source, severity) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"
			" ON CONFLICT(id) DO UPDATE SET"
			" summary = COALESCE(excluded.summary, vulns.summary),"
			" published = COALESCE(excluded.published, vulns.published),"
			" modified = COALESCE(excluded.modified, vulns.modified),"
			" cvss_vector = COALESCE(excluded.cvss_vector, vulns.cvss_vector),"
			" cvss_score = COALESCE(excluded.cvss_score, vulns.cvss_score),"
			" cvss_source = COALESCE(excluded.cvss_source, vulns.cvss_source),"
			" severity = COALESCE(excluded.severity, vulns.severity)",
	[ST_ALIAS_PUT] = "INSERT INTO aliases(vuln_id, alias) VALUES (?1, ?2)"
			 " ON CONFLICT DO NOTHING",
	[ST_AFFECTED_PUT] = "INSERT INTO affected(source, record_id, vuln_id, distro, release,"
			    " package, status, introduced, fixed, last_affected, exact, urgency,"
			    " advisory, generation) VALUES"
			    " (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
	[ST_CPE_PUT] = "INSERT INTO cpe_matches(source, record_id, vuln_id, criteria, start_incl,"
		       " start_excl, end_incl, end_excl, vulnerable)"
		       " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
	[ST_KEV_GET] = "SELECT vendor, product, name, date_added, due_date, ransomware,"
		       " required_action, short_description FROM kev WHERE cve = ?1",
	[ST_KEV_PUT] = "INSERT INTO kev(cve, vendor, product, name, date_added, due_date,"
		       " ransomware, required_action, short_description)"
		       " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) ON CONFLICT(cve) DO UPDATE SET"
		       " vendor = excluded.vendor, product = excluded.product,"
		       " name = excluded.name, date_added = excluded.date_added,"
		       " due_date = excluded.due_date, ransomware = excluded.ransomware,"
		       " required_action = excluded.required_action,"
		       " short_description = excluded.short_description",
	[ST_EPSS_INSERT] = "INSERT INTO epss(cve, score, percentile, score_date, model_version)"
			   " VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT(cve) DO NOTHING",
	[ST_EPSS_UPDATE] = "UPDATE epss SET score = ?2, percentile = ?3, score_date = ?4,"
			   " model_version = ?5 WHERE cve = ?1 AND (score <> ?2 OR"
			   " percentile <> ?3 OR score_date <> ?4)",
};

struct pw_store {
	sqlite3 *db;
	char *path;
	int schema;
	sqlite3_stmt *st[ST_COUNT];
	/* the import under way */
	bool importing;
	char source[64];
	int64_t generation;      /* what rows written by this import carry */
	struct pw_import_stats *stats;
	/* strings handed out by the _get functions, valid until the next call */
	struct pw_buf scratch;
};

static pw_err db_error(struct pw_store *s, struct pw_error *e, const char *what)
{
	return pw_error_set(e, PW_ERR_IO, "%s: %s: %s", s->path, what, sqlite3_errmsg(s->db));
}

static pw_err exec_sql(struct pw_store *s, const char *sql, struct pw_error *e)
{
	char *msg = NULL;
	if (sqlite3_exec(s->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		pw_err rc = pw_error_set(e, PW_ERR_IO, "%s: %s", s->path, msg ? msg : "SQL error");
		sqlite3_free(msg);
		return rc;
	}
	return PW_OK;
}

char *pw_store_default_path(void)
{
	const char *env = getenv("PATCHWARDEN_DB");
	if (env && *env)
		return strdup(env);
	if (geteuid() == 0)
		return strdup("/var/lib/patchwarden/patchwarden.db");
	struct pw_buf b = PW_BUF_INIT;
	const char *xdg = getenv("XDG_DATA_HOME"), *home = getenv("HOME");
	if (xdg && *xdg)
		pw_buf_addf(&b, "%s/patchwarden/patchwarden.db", xdg);
	else
		pw_buf_addf(&b, "%s/.local/share/patchwarden/patchwarden.db", home ? home : ".");
	return pw_buf_detach(&b);
}

/* mkdir -p of path's directory, 0750. */
static int make_parent(const char *path)
{
	char *dir = strdup(path);
	if (!dir)
		return -1;
	char *slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = '\0';
		for (char *p = dir + 1; *p; p++) {
			if (*p == '/') {
				*p = '\0';
				mkdir(dir, 0750);
				*p = '/';
			}
		}
		mkdir(dir, 0750);
	}
	free(dir);
	return 0;
}

static int64_t meta_generation(struct pw_store *s)
{
	sqlite3_stmt *q;
	int64_t g = 0;
	if (sqlite3_prepare_v2(s->db, "SELECT value FROM meta WHERE key = 'generation'", -1, &q,
			       NULL) == SQLITE_OK &&
	    sqlite3_step(q) == SQLITE_ROW)
		g = sqlite3_column_int64(q, 0);
	sqlite3_finalize(q);
	return g;
}

static pw_err migrate(struct pw_store *s, struct pw_error *e)
{
	pw_err rc = exec_sql(s, "CREATE TABLE IF NOT EXISTS schema_version(version INTEGER NOT NULL)", e);
	if (rc)
		return rc;
	sqlite3_stmt *q;
	int version = 0;
	if (sqlite3_prepare_v2(s->db, "SELECT MAX(version) FROM schema_version", -1, &q, NULL) != SQLITE_OK)
		return db_error(s, e, "reading the schema version");
	if (sqlite3_step(q) == SQLITE_ROW)
		version = sqlite3_column_int(q, 0);
	sqlite3_finalize(q);
	if (version > SCHEMA_VERSION)
		return pw_error_set(e, PW_ERR_UNSUPPORTED,
				    "%s: schema version %d is newer than this patchwarden knows (%d): "
				    "upgrade patchwarden",
				    s->path, version, SCHEMA_VERSION);
	for (int v = version; v < SCHEMA_VERSION; v++) {
		char done[96];
		snprintf(done, sizeof(done), "INSERT INTO schema_version(version) VALUES (%d)", v + 1);
		if ((rc = exec_sql(s, "BEGIN IMMEDIATE", e)))
			return rc;
		if ((rc = exec_sql(s, migrations[v], e)) || (rc = exec_sql(s, done, e))) {
			exec_sql(s, "ROLLBACK", NULL);
			return rc;
		}
		if ((rc = exec_sql(s, "COMMIT", e)))
			return rc;
	}
	s->schema = SCHEMA_VERSION;
	return PW_OK;
}

pw_err pw_store_open(const char *path, struct pw_store **out, struct pw_error *e)
{
	struct pw_store *s = calloc(1, sizeof(*s));
	pw_err rc;
	if (!s || !(s->path = strdup(path))) {
		free(s);
		return pw_error_set(e, PW_ERR_NOMEM, "out of memory");
	}
	bool memory = strcmp(path, ":memory:") == 0;
	if (!memory)
		make_parent(path);
	if (sqlite3_open_v2(path, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) != SQLITE_OK) {
		rc = db_error(s, e, "cannot open");
		goto fail;
	}
	if (!memory)
		chmod(path, 0600); /* it will hold users and tokens too */
	sqlite3_busy_timeout(s->db, 5000);
	if ((rc = exec_sql(s, "PRAGMA foreign_keys = ON", e)))
		goto fail;
	if (!memory && (rc = exec_sql(s, "PRAGMA journal_mode = WAL", e))) {
		/* "file is not a database" shows here first */
		goto fail;
	}
	if ((rc = exec_sql(s, "PRAGMA synchronous = NORMAL", e)) || (rc = migrate(s, e)))
		goto fail;
	for (int i = 0; i < ST_COUNT; i++) {
		if (sqlite3_prepare_v3(s->db, stmt_sql[i], -1, SQLITE_PREPARE_PERSISTENT, &s->st[i],
				       NULL) != SQLITE_OK) {
			rc = db_error(s, e, "preparing a statement");
			goto fail;
		}
	}
	*out = s;
	return PW_OK;
fail:
	pw_store_close(s);
	return rc;
}

void pw_store_close(struct pw_store *s)
{
	if (!s)
		return;
	if (s->importing)
		pw_store_import_abort(s);
	for (int i = 0; i < ST_COUNT; i++)
		sqlite3_finalize(s->st[i]);
	sqlite3_close(s->db);
	pw_buf_free(&s->scratch);
	free(s->path);
	free(s);
}

int pw_store_schema_version(struct pw_store *s)
{
	return s->schema;
}

int64_t pw_store_generation(struct pw_store *s)
{
	return meta_generation(s);
}

/* ---- binding helpers ---- */

static void bind_text(sqlite3_stmt *q, int i, const char *v)
{
	if (v)
		sqlite3_bind_text(q, i, v, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(q, i);
}

static void bind_time(sqlite3_stmt *q, int i, int64_t t)
{
	if (t)
		sqlite3_bind_int64(q, i, t);
	else
		sqlite3_bind_null(q, i);
}

/* Step a write statement once and reset it. */
static pw_err run(struct pw_store *s, sqlite3_stmt *q, struct pw_error *e)
{
	int r = sqlite3_step(q);
	sqlite3_reset(q);
	sqlite3_clear_bindings(q);
	if (r != SQLITE_DONE && r != SQLITE_ROW)
		return db_error(s, e, "writing");
	return PW_OK;
}

/* ---- record hashing ---- */

static void fnv(uint64_t *h, const char *s)
{
	const unsigned char *p = (const unsigned char *)(s ? s : "\x01");
	for (; *p; p++) {
		*h ^= *p;
		*h *= 1099511628211ull;
	}
	*h ^= 0xff; /* field separator: ("ab","c") differs from ("a","bc") */
	*h *= 1099511628211ull;
}

static void fnv_num(uint64_t *h, double v)
{
	char num[48];
	snprintf(num, sizeof(num), "%.17g", v);
	fnv(h, num);
}

static uint64_t record_hash(const struct pw_feed_record *r)
{
	uint64_t h = 1469598103934665603ull;
	for (size_t i = 0; i < r->nvulns; i++) {
		const struct pw_vuln *v = &r->vulns[i];
		fnv(&h, v->id);
		for (size_t k = 0; k < v->naliases; k++)
			fnv(&h, v->aliases[k]);
		fnv(&h, v->summary);
		fnv_num(&h, (double)v->published);
		fnv_num(&h, (double)v->modified);
		fnv(&h, v->cvss_vector);
		fnv_num(&h, v->cvss_score);
		fnv(&h, v->cvss_source);
		fnv(&h, v->severity);
	}
	for (size_t i = 0; i < r->naffected; i++) {
		const struct pw_affected *a = &r->affected[i];
		fnv(&h, a->vuln_id);
		fnv(&h, a->distro);
		fnv(&h, a->release);
		fnv(&h, a->package);
		fnv(&h, pw_affect_status_name(a->status));
		fnv(&h, a->introduced);
		fnv(&h, a->fixed);
		fnv(&h, a->last_affected);
		fnv(&h, a->exact);
		fnv(&h, a->urgency);
		fnv(&h, a->advisory);
	}
	for (size_t i = 0; i < r->ncpes; i++) {
		const struct pw_cpe_match *c = &r->cpes[i];
		fnv(&h, c->vuln_id);
		fnv(&h, c->criteria);
		fnv(&h, c->version_start_including);
		fnv(&h, c->version_start_excluding);
		fnv(&h, c->version_end_including);
		fnv(&h, c->version_end_excluding);
		fnv(&h, c->vulnerable ? "1" : "0");
	}
	return h;
}

/* ---- the import sink ---- */

static pw_err sink_record(void *ctx, const struct pw_feed_record *r, struct pw_error *e)
{
	struct pw_store *s = ctx;
	sqlite3_stmt *q;
	char hash[17];
	pw_err rc;
	s->stats->read++;
	snprintf(hash, sizeof(hash), "%016llx", (unsigned long long)record_hash(r));

	q = s->st[ST_RECORD_HASH];
	sqlite3_bind_text(q, 1, s->source, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 2, r->id, -1, SQLITE_STATIC);
	int step = sqlite3_step(q);
	bool exists = step == SQLITE_ROW;
	bool same = exists && strcmp((const char *)sqlite3_column_text(q, 0), hash) == 0;
	sqlite3_reset(q);
	sqlite3_clear_bindings(q);
	if (step != SQLITE_ROW && step != SQLITE_DONE)
		return db_error(s, e, "reading records");
	if (same) {
		s->stats->unchanged++;
		return PW_OK;
	}
	if (exists) {
		s->stats->updated++;
		for (int st = ST_DELETE_AFFECTED; st <= ST_DELETE_CPES; st++) {
			q = s->st[st];
			sqlite3_bind_text(q, 1, s->source, -1, SQLITE_STATIC);
			sqlite3_bind_text(q, 2, r->id, -1, SQLITE_STATIC);
			if ((rc = run(s, q, e)))
				return rc;
		}
	} else {
		s->stats->added++;
	}
	q = s->st[ST_RECORD_PUT];
	sqlite3_bind_text(q, 1, s->source, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 2, r->id, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 3, hash, -1, SQLITE_STATIC);
	sqlite3_bind_int64(q, 4, s->generation);
	if ((rc = run(s, q, e)))
		return rc;

	for (size_t i = 0; i < r->nvulns; i++) {
		const struct pw_vuln *v = &r->vulns[i];
		q = s->st[ST_VULN_PUT];
		bind_text(q, 1, v->id);
		bind_text(q, 2, v->summary);
		bind_time(q, 3, v->published);
		bind_time(q, 4, v->modified);
		bind_text(q, 5, v->cvss_vector);
		if (v->cvss_score >= 0)
			sqlite3_bind_double(q, 6, v->cvss_score);
		else
			sqlite3_bind_null(q, 6);
		bind_text(q, 7, v->cvss_source);
		bind_text(q, 8, v->severity);
		if ((rc = run(s, q, e)))
			return rc;
		for (size_t k = 0; k < v->naliases; k++) {
			q = s->st[ST_ALIAS_PUT];
			bind_text(q, 1, v->id);
			bind_text(q, 2, v->aliases[k]);
			if ((rc = run(s, q, e)))
				return rc;
		}
	}
	for (size_t i = 0; i < r->naffected; i++) {
		const struct pw_affected *a = &r->affected[i];
		q = s->st[ST_AFFECTED_PUT];
		sqlite3_bind_text(q, 1, s->source, -1, SQLITE_STATIC);
		bind_text(q, 2, r->id);
		bind_text(q, 3, a->vuln_id);
		bind_text(q, 4, a->distro);
		bind_text(q, 5, a->release);
		bind_text(q, 6, a->package);
		bind_text(q, 7, pw_affect_status_name(a->status));
		bind_text(q, 8, a->introduced);
		bind_text(q, 9, a->fixed);
		bind_text(q, 10, a->last_affected);
		bind_text(q, 11, a->exact);
		bind_text(q, 12, a->urgency);
		bind_text(q, 13, a->advisory);
		sqlite3_bind_int64(q, 14, s->generation);
		if (!a->vuln_id || !a->distro || !a->release || !a->package)
			return pw_error_set(e, PW_ERR_INVALID, "record %s: an affected entry lacks "
					    "its vulnerability, distro, release or package", r->id);
		if ((rc = run(s, q, e)))
			return rc;
	}
	for (size_t i = 0; i < r->ncpes; i++) {
		const struct pw_cpe_match *c = &r->cpes[i];
		q = s->st[ST_CPE_PUT];
		sqlite3_bind_text(q, 1, s->source, -1, SQLITE_STATIC);
		bind_text(q, 2, r->id);
		bind_text(q, 3, c->vuln_id);
		bind_text(q, 4, c->criteria);
		bind_text(q, 5, c->version_start_including);
		bind_text(q, 6, c->version_start_excluding);
		bind_text(q, 7, c->version_end_including);
		bind_text(q, 8, c->version_end_excluding);
		sqlite3_bind_int(q, 9, c->vulnerable);
		if ((rc = run(s, q, e)))
			return rc;
	}
	return PW_OK;
}

static pw_err sink_kev(void *ctx, const struct pw_kev *k, struct pw_error *e)
{
	struct pw_store *s = ctx;
	s->stats->read++;
	/* compare with what is stored, so an unchanged row is not rewritten */
	sqlite3_stmt *q = s->st[ST_KEV_GET];
	sqlite3_bind_text(q, 1, k->cve, -1, SQLITE_STATIC);
	int step = sqlite3_step(q);
	bool exists = step == SQLITE_ROW, same = false;
	if (exists) {
#define COL_EQ(i, v) ((v) ? (sqlite3_column_text(q, i) && strcmp((const char *)sqlite3_column_text(q, i), (v)) == 0) : sqlite3_column_type(q, i) == SQLITE_NULL)
		same = COL_EQ(0, k->vendor) && COL_EQ(1, k->product) && COL_EQ(2, k->name) &&
		       sqlite3_column_int64(q, 3) == k->date_added &&
		       sqlite3_column_int64(q, 4) == k->due_date &&
		       sqlite3_column_int(q, 5) == (int)k->ransomware && COL_EQ(6, k->required_action) &&
		       COL_EQ(7, k->short_description);
#undef COL_EQ
	}
	sqlite3_reset(q);
	sqlite3_clear_bindings(q);
	if (step != SQLITE_ROW && step != SQLITE_DONE)
		return db_error(s, e, "reading kev");
	if (same) {
		s->stats->unchanged++;
		return PW_OK;
	}
	exists ? s->stats->updated++ : s->stats->added++;
	q = s->st[ST_KEV_PUT];
	bind_text(q, 1, k->cve);
	bind_text(q, 2, k->vendor);
	bind_text(q, 3, k->product);
	bind_text(q, 4, k->name);
	sqlite3_bind_int64(q, 5, k->date_added);
	sqlite3_bind_int64(q, 6, k->due_date);
	sqlite3_bind_int(q, 7, k->ransomware);
	bind_text(q, 8, k->required_action);
	bind_text(q, 9, k->short_description);
	return run(s, q, e);
}

static pw_err sink_epss(void *ctx, const struct pw_epss *x, struct pw_error *e)
{
	struct pw_store *s = ctx;
	s->stats->read++;
	for (int st = ST_EPSS_INSERT; st <= ST_EPSS_UPDATE; st++) {
		sqlite3_stmt *q = s->st[st];
		sqlite3_bind_text(q, 1, x->cve, -1, SQLITE_STATIC);
		sqlite3_bind_double(q, 2, x->score);
		sqlite3_bind_double(q, 3, x->percentile);
		sqlite3_bind_int64(q, 4, x->score_date);
		bind_text(q, 5, x->model_version);
		pw_err rc = run(s, q, e);
		if (rc)
			return rc;
		if (sqlite3_changes(s->db) > 0) {
			st == ST_EPSS_INSERT ? s->stats->added++ : s->stats->updated++;
			return PW_OK;
		}
	}
	s->stats->unchanged++;
	return PW_OK;
}

static void sink_skip(void *ctx, const char *reason)
{
	struct pw_store *s = ctx;
	struct pw_import_stats *st = s->stats;
	st->skipped++;
	for (size_t i = 0; i < st->nskips; i++) {
		if (strcmp(st->skips[i].reason, reason) == 0) {
			st->skips[i].count++;
			return;
		}
	}
	if (st->nskips < PW_IMPORT_SKIP_REASONS) {
		snprintf(st->skips[st->nskips].reason, sizeof(st->skips[0].reason), "%s",
			 st->nskips == PW_IMPORT_SKIP_REASONS - 1 ? "other reasons" : reason);
		st->skips[st->nskips++].count = 1;
	} else {
		st->skips[PW_IMPORT_SKIP_REASONS - 1].count++;
	}
}

pw_err pw_store_import_begin(struct pw_store *s, const char *source, struct pw_feed_sink *sink,
			     struct pw_import_stats *stats, struct pw_error *e)
{
	if (s->importing)
		return pw_error_set(e, PW_ERR_USAGE, "an import is already under way");
	pw_err rc = exec_sql(s, "BEGIN IMMEDIATE", e);
	if (rc)
		return rc;
	memset(stats, 0, sizeof(*stats));
	snprintf(s->source, sizeof(s->source), "%s", source);
	s->stats = stats;
	s->generation = meta_generation(s) + 1;
	s->importing = true;
	memset(sink, 0, sizeof(*sink));
	sink->ctx = s;
	sink->record = sink_record;
	sink->kev = sink_kev;
	sink->epss = sink_epss;
	sink->skip = sink_skip;
	return PW_OK;
}

pw_err pw_store_import_commit(struct pw_store *s, struct pw_error *e)
{
	if (!s->importing)
		return pw_error_set(e, PW_ERR_USAGE, "no import under way");
	pw_err rc = PW_OK;
	if (s->stats->added || s->stats->updated) {
		char sql[96];
		snprintf(sql, sizeof(sql), "UPDATE meta SET value = '%lld' WHERE key = 'generation'",
			 (long long)s->generation);
		rc = exec_sql(s, sql, e);
	}
	if (rc == PW_OK)
		rc = exec_sql(s, "COMMIT", e);
	if (rc) {
		exec_sql(s, "ROLLBACK", NULL);
	}
	s->importing = false;
	return rc;
}

void pw_store_import_abort(struct pw_store *s)
{
	if (!s->importing)
		return;
	exec_sql(s, "ROLLBACK", NULL);
	s->importing = false;
}

/* ---- feed state ---- */

static const char *scratch_copy(struct pw_store *s, const unsigned char *v)
{
	if (!v)
		return NULL;
	/* offsets would move on realloc: the scratch is sized once per call */
	size_t off = s->scratch.len;
	if (pw_buf_add(&s->scratch, v, strlen((const char *)v) + 1))
		return NULL;
	return s->scratch.data + off;
}

static void fill_state(struct pw_store *s, sqlite3_stmt *q, struct pw_feed_state *st)
{
	pw_buf_reset(&s->scratch);
	/* reserve enough so the pointers below stay valid */
	size_t need = 16;
	for (int i = 0; i < 4; i++)
		need += (size_t)sqlite3_column_bytes(q, i) + 1;
	pw_buf_grow(&s->scratch, need);
	st->feed = scratch_copy(s, sqlite3_column_text(q, 0));
	st->url = scratch_copy(s, sqlite3_column_text(q, 1));
	st->etag = scratch_copy(s, sqlite3_column_text(q, 2));
	st->last_modified = scratch_copy(s, sqlite3_column_text(q, 3));
	st->last_checked = sqlite3_column_int64(q, 4);
	st->last_changed = sqlite3_column_int64(q, 5);
	st->records = (uint64_t)sqlite3_column_int64(q, 6);
}

#define STATE_COLUMNS "feed, url, etag, last_modified, last_checked, last_changed, records"

pw_err pw_store_feed_state_get(struct pw_store *s, const char *feed, struct pw_feed_state *out,
			       bool *found, struct pw_error *e)
{
	sqlite3_stmt *q;
	if (sqlite3_prepare_v2(s->db, "SELECT " STATE_COLUMNS " FROM feed_state WHERE feed = ?1",
			       -1, &q, NULL) != SQLITE_OK)
		return db_error(s, e, "reading feed state");
	sqlite3_bind_text(q, 1, feed, -1, SQLITE_STATIC);
	*found = sqlite3_step(q) == SQLITE_ROW;
	if (*found)
		fill_state(s, q, out);
	sqlite3_finalize(q);
	return PW_OK;
}

pw_err pw_store_feed_state_put(struct pw_store *s, const struct pw_feed_state *st,
			       struct pw_error *e)
{
	sqlite3_stmt *q;
	if (sqlite3_prepare_v2(s->db,
			       "INSERT INTO feed_state(" STATE_COLUMNS ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"
			       " ON CONFLICT(feed) DO UPDATE SET url = excluded.url,"
			       " etag = excluded.etag, last_modified = excluded.last_modified,"
			       " last_checked = excluded.last_checked,"
			       " last_changed = excluded.last_changed, records = excluded.records",
			       -1, &q, NULL) != SQLITE_OK)
		return db_error(s, e, "writing feed state");
	bind_text(q, 1, st->feed);
	bind_text(q, 2, st->url);
	bind_text(q, 3, st->etag);
	bind_text(q, 4, st->last_modified);
	sqlite3_bind_int64(q, 5, st->last_checked);
	sqlite3_bind_int64(q, 6, st->last_changed);
	sqlite3_bind_int64(q, 7, (int64_t)st->records);
	int r = sqlite3_step(q);
	sqlite3_finalize(q);
	return r == SQLITE_DONE ? PW_OK : db_error(s, e, "writing feed state");
}

pw_err pw_store_each_feed_state(struct pw_store *s,
				pw_err (*cb)(void *ctx, const struct pw_feed_state *st), void *ctx,
				struct pw_error *e)
{
	sqlite3_stmt *q;
	if (sqlite3_prepare_v2(s->db, "SELECT " STATE_COLUMNS " FROM feed_state ORDER BY feed", -1,
			       &q, NULL) != SQLITE_OK)
		return db_error(s, e, "reading feed state");
	pw_err rc = PW_OK;
	while (rc == PW_OK && sqlite3_step(q) == SQLITE_ROW) {
		struct pw_feed_state st;
		fill_state(s, q, &st);
		rc = cb(ctx, &st);
	}
	sqlite3_finalize(q);
	return rc;
}

/* ---- reading for assessment ---- */

static const char *col(sqlite3_stmt *q, int i)
{
	return (const char *)sqlite3_column_text(q, i);
}

pw_err pw_store_each_affected(struct pw_store *s, const char *distro, const char *release,
			      int64_t since,
			      pw_err (*cb)(void *ctx, const struct pw_affected *a), void *ctx,
			      struct pw_error *e)
{
	sqlite3_stmt *q;
	if (sqlite3_prepare_v2(s->db,
			       "SELECT vuln_id, distro, release, package, status, introduced, fixed,"
			       " last_affected, exact, urgency, advisory FROM affected"
			       " WHERE (?1 IS NULL OR distro = ?1) AND (?2 IS NULL OR release = ?2)"
			       " AND generation > ?3",
			       -1, &q, NULL) != SQLITE_OK)
		return db_error(s, e, "reading affected entries");
	bind_text(q, 1, distro);
	bind_text(q, 2, release);
	sqlite3_bind_int64(q, 3, since);
	pw_err rc = PW_OK;
	int r;
	while (rc == PW_OK && (r = sqlite3_step(q)) == SQLITE_ROW) {
		struct pw_affected a = {
			.vuln_id = col(q, 0), .distro = col(q, 1), .release = col(q, 2),
			.package = col(q, 3), .introduced = col(q, 5), .fixed = col(q, 6),
			.last_affected = col(q, 7), .exact = col(q, 8), .urgency = col(q, 9),
			.advisory = col(q, 10),
		};
		if (!pw_affect_status_parse(col(q, 4), &a.status))
			a.status = PW_AFFECT_VULNERABLE;
		rc = cb(ctx, &a);
	}
	sqlite3_finalize(q);
	return rc;
}

pw_err pw_store_get_vuln(struct pw_store *s, const char *id, struct pw_vuln *out, bool *found,
			 struct pw_error *e)
{
	sqlite3_stmt *q;
	if (sqlite3_prepare_v2(s->db,
			       "SELECT id, summary, published, modified, cvss_vector, cvss_score,"
			       " cvss_source, severity FROM vulns WHERE id = ?1",
			       -1, &q, NULL) != SQLITE_OK)
		return db_error(s, e, "reading vulnerabilities");
	sqlite3_bind_text(q, 1, id, -1, SQLITE_STATIC);
	*found = sqlite3_step(q) == SQLITE_ROW;
	if (*found) {
		memset(out, 0, sizeof(*out));
		pw_buf_reset(&s->scratch);
		size_t need = 16;
		for (int i = 0; i < 8; i++)
			need += (size_t)sqlite3_column_bytes(q, i) + 1;
		pw_buf_grow(&s->scratch, need);
		out->id = scratch_copy(s, sqlite3_column_text(q, 0));
		out->summary = scratch_copy(s, sqlite3_column_text(q, 1));
		out->published = sqlite3_column_int64(q, 2);
		out->modified = sqlite3_column_int64(q, 3);
		out->cvss_vector = scratch_copy(s, sqlite3_column_text(q, 4));
		out->cvss_score = sqlite3_column_type(q, 5) == SQLITE_NULL ? -1 : sqlite3_column_double(q, 5);
		out->cvss_source = scratch_copy(s, sqlite3_column_text(q, 6));
		out->severity = scratch_copy(s, sqlite3_column_text(q, 7));
	}
	sqlite3_finalize(q);
	return PW_OK;
}

pw_err pw_store_get_kev(struct pw_store *s, const char *cve, struct pw_kev *out, bool *found,
			struct pw_error *e)
{
	sqlite3_stmt *q = s->st[ST_KEV_GET];
	sqlite3_bind_text(q, 1, cve, -1, SQLITE_STATIC);
	int r = sqlite3_step(q);
	*found = r == SQLITE_ROW;
	if (*found) {
		memset(out, 0, sizeof(*out));
		pw_buf_reset(&s->scratch);
		size_t need = 16 + strlen(cve);
		for (int i = 0; i < 8; i++)
			need += (size_t)sqlite3_column_bytes(q, i) + 1;
		pw_buf_grow(&s->scratch, need);
		out->cve = scratch_copy(s, (const unsigned char *)cve);
		out->vendor = scratch_copy(s, sqlite3_column_text(q, 0));
		out->product = scratch_copy(s, sqlite3_column_text(q, 1));
		out->name = scratch_copy(s, sqlite3_column_text(q, 2));
		out->date_added = sqlite3_column_int64(q, 3);
		out->due_date = sqlite3_column_int64(q, 4);
		out->ransomware = sqlite3_column_int(q, 5) != 0;
		out->required_action = scratch_copy(s, sqlite3_column_text(q, 6));
		out->short_description = scratch_copy(s, sqlite3_column_text(q, 7));
	}
	sqlite3_reset(q);
	sqlite3_clear_bindings(q);
	if (r != SQLITE_ROW && r != SQLITE_DONE)
		return db_error(s, e, "reading kev");
	return PW_OK;
}

pw_err pw_store_get_epss(struct pw_store *s, const char *cve, struct pw_epss *out, bool *found,
			 struct pw_error *e)
{
	sqlite3_stmt *q;
	if (sqlite3_prepare_v2(s->db,
			       "SELECT score, percentile, score_date, model_version FROM epss WHERE cve = ?1",
			       -1, &q, NULL) != SQLITE_OK)
		return db_error(s, e, "reading epss");
	sqlite3_bind_text(q, 1, cve, -1, SQLITE_STATIC);
	*found = sqlite3_step(q) == SQLITE_ROW;
	if (*found) {
		memset(out, 0, sizeof(*out));
		pw_buf_reset(&s->scratch);
		pw_buf_grow(&s->scratch, strlen(cve) + (size_t)sqlite3_column_bytes(q, 3) + 16);
		out->cve = scratch_copy(s, (const unsigned char *)cve);
		out->score = sqlite3_column_double(q, 0);
		out->percentile = sqlite3_column_double(q, 1);
		out->score_date = sqlite3_column_int64(q, 2);
		out->model_version = scratch_copy(s, sqlite3_column_text(q, 3));
	}
	sqlite3_finalize(q);
	return PW_OK;
}

pw_err pw_store_each_cpe_match(struct pw_store *s,
			       pw_err (*cb)(void *ctx, const struct pw_cpe_match *m), void *ctx,
			       struct pw_error *e)
{
	sqlite3_stmt *q;
	if (sqlite3_prepare_v2(s->db,
			       "SELECT vuln_id, criteria, start_incl, start_excl, end_incl, end_excl,"
			       " vulnerable FROM cpe_matches",
			       -1, &q, NULL) != SQLITE_OK)
		return db_error(s, e, "reading cpe matches");
	pw_err rc = PW_OK;
	while (rc == PW_OK && sqlite3_step(q) == SQLITE_ROW) {
		struct pw_cpe_match m = {
			.vuln_id = col(q, 0), .criteria = col(q, 1),
			.version_start_including = col(q, 2), .version_start_excluding = col(q, 3),
			.version_end_including = col(q, 4), .version_end_excluding = col(q, 5),
			.vulnerable = sqlite3_column_int(q, 6) != 0,
		};
		rc = cb(ctx, &m);
	}
	sqlite3_finalize(q);
	return rc;
}

int64_t pw_store_count(struct pw_store *s, const char *what)
{
	static const char *const tables[] = { "vulns", "affected", "kev", "epss", "cpe_matches",
					      "records", "aliases" };
	for (size_t i = 0; i < sizeof(tables) / sizeof(tables[0]); i++) {
		if (strcmp(what, tables[i]) != 0)
			continue;
		char sql[64];
		snprintf(sql, sizeof(sql), "SELECT COUNT(*) FROM %s", tables[i]);
		sqlite3_stmt *q;
		int64_t n = -1;
		if (sqlite3_prepare_v2(s->db, sql, -1, &q, NULL) == SQLITE_OK &&
		    sqlite3_step(q) == SQLITE_ROW)
			n = sqlite3_column_int64(q, 0);
		sqlite3_finalize(q);
		return n;
	}
	return -1;
}
