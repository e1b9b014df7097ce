/* pw_store.h - the store: one interface over the embedded SQLite database
 * (now) and PostgreSQL (scale-out, later).
 *
 * Callers never see SQL. Every state change happens in a transaction; an
 * import is one transaction, so a failed import leaves the store as it was.
 * Reads hand out structs whose strings are valid only during the callback
 * (or, for the _get functions, until the next call on the same store).
 */
#ifndef PW_STORE_H
#define PW_STORE_H

#include <stdbool.h>
#include <stdint.h>

#include "pw_advisory.h"
#include "pw_err.h"

struct pw_store;

/* The default database path: $PATCHWARDEN_DB, else
 * /var/lib/patchwarden/patchwarden.db for root, else
 * $XDG_DATA_HOME/patchwarden/patchwarden.db (~/.local/share/...). The caller
 * frees the result. */
char *pw_store_default_path(void);

/* Open (creating it and its directory if needed) and migrate to the current
 * schema. path ":memory:" gives a private in-memory store. WAL mode. A
 * database whose schema is newer than this code knows is refused
 * (PW_ERR_UNSUPPORTED), as is a file that is not a database or is damaged
 * (PW_ERR_CORRUPT; a full disk is PW_ERR_FULL, here and in every call);
 * a postgresql:// URI is PW_ERR_UNSUPPORTED until that backend exists. */
pw_err pw_store_open(const char *path, struct pw_store **out, struct pw_error *e);
/* The same for a store that must exist already (read-only commands): a
 * path where no file is refuses with PW_ERR_NOTFOUND ("no store at PATH;
 * run `patchwarden db migrate` or `patchwarden feed import` first") and
 * creates nothing, neither file nor directory. */
pw_err pw_store_open_existing(const char *path, struct pw_store **out, struct pw_error *e);

/* Whether the store's file still looks whole, cheaply (100 bytes read
 * through the connection's own file handle), for health probes: it starts
 * with SQLite's header and is as long as that header says. A file cut
 * short or overwritten is PW_ERR_CORRUPT, naming what is wrong, even while
 * the connection still answers from pages it has cached. An in-memory
 * store, or another backend, passes. */
pw_err pw_store_check_file(struct pw_store *s, struct pw_error *e);
/* One row of each core table read (users, hosts, findings, the audit log's
 * head, vulnerabilities): a read that reaches their pages, so a damaged
 * store is found even when its file header is intact. */
pw_err pw_store_check_tables(struct pw_store *s, struct pw_error *e);
/* Each component's schema version (pw_sql_migrate keeps them), by name;
 * "store" is the store's own (pw_store_schema_version). */
pw_err pw_store_each_component(struct pw_store *s,
			       pw_err (*cb)(void *ctx, const char *component, int64_t version),
			       void *ctx, struct pw_error *e);
void pw_store_close(struct pw_store *s);

/* The schema version after migration (the number of applied migrations). */
int pw_store_schema_version(struct pw_store *s);

/* ---- importing feeds ---- */

#define PW_IMPORT_SKIP_REASONS 32
#define PW_IMPORT_SOURCES 8

struct pw_import_stats {
	uint64_t read;      /* records (or KEV/EPSS rows) received */
	uint64_t added;     /* new */
	uint64_t updated;   /* existed and changed: replaced in place */
	uint64_t unchanged; /* existed, identical: nothing written */
	uint64_t skipped;   /* the importer could not use them (see reasons) */
	struct {
		char reason[96];
		uint64_t count;
	} skips[PW_IMPORT_SKIP_REASONS];
	size_t nskips;      /* reasons past the table's size are counted as "other" */
	/* how fresh the data read is, per source (a directory may hold a DSA
	 * and a DLA list): the newest advisory published or modified date, KEV
	 * dateAdded, EPSS score_date seen, whether stored or unchanged; 0 when
	 * the feed carries no dates (the Debian tracker JSON, Alpine secdb) */
	struct {
		char source[64];
		int64_t newest;
	} dates[PW_IMPORT_SOURCES];
	size_t ndates;      /* sources past the table's size are not dated */
};

/* The newest data date of `source` in an import's stats; 0 none. */
int64_t pw_import_stats_newest(const struct pw_import_stats *st, const char *source);
/* Raise the newest data date of `source` to t (when later). */
void pw_import_stats_note_date(struct pw_import_stats *st, const char *source, int64_t t);

/* Start an import of `source` (a feed kind name) in one transaction and fill
 * *sink with callbacks writing into the store and counting into *stats
 * (zeroed here). Nothing is visible to readers until pw_store_import_commit.
 *
 * A record is identified by (source, id). Its content is hashed: a new id is
 * added, an identical one is left alone (unchanged: nothing is written), a
 * different one has its affected and CPE rows replaced (updated).
 * The same id may come twice in one import (real feeds do that: AlmaLinux
 * lists 43 advisories under two releases). An identical repetition writes
 * nothing and counts as unchanged. One with other content is kept as a
 * further part of the same record, never replacing the first, so nothing is
 * lost and a re-import stays unchanged; it counts as updated (the record
 * grew), never as a second "added".
 * Vulnerabilities are merged across feeds: a field a record leaves empty
 * never erases another feed's value. */
pw_err pw_store_import_begin(struct pw_store *s, const char *source, struct pw_feed_sink *sink,
			     struct pw_import_stats *stats, struct pw_error *e);
/* Name the source of the records that follow when the importer leaves
 * pw_feed_record.source empty (an import of a directory holding several
 * feeds, such as a tracker checkout with its DSA and DLA lists). */
pw_err pw_store_import_set_source(struct pw_store *s, const char *source, struct pw_error *e);
pw_err pw_store_import_commit(struct pw_store *s, struct pw_error *e);
/* Roll back everything since pw_store_import_begin. */
void pw_store_import_abort(struct pw_store *s);

/* ---- feed sync state and freshness ---- */

struct pw_feed_state {
	const char *feed;          /* feed kind name */
	const char *url;           /* where it was last fetched from, or the local path */
	const char *etag;          /* for conditional GET; NULL none */
	const char *last_modified; /* HTTP Last-Modified value; NULL none */
	int64_t last_checked;      /* last sync attempt that reached the source */
	int64_t last_changed;      /* last import that changed something */
	uint64_t records;          /* records the store holds from this feed */
};

/* Found: fills *out (strings valid until the next store call) and *found. */
pw_err pw_store_feed_state_get(struct pw_store *s, const char *feed, struct pw_feed_state *out,
			       bool *found, struct pw_error *e);
pw_err pw_store_feed_state_put(struct pw_store *s, const struct pw_feed_state *st,
			       struct pw_error *e);
pw_err pw_store_each_feed_state(struct pw_store *s,
				pw_err (*cb)(void *ctx, const struct pw_feed_state *st), void *ctx,
				struct pw_error *e);

/* ---- reading for assessment ---- */

/* A monotonic counter bumped by every import that changes something; each
 * affected row remembers the generation that last wrote it, so a matcher can
 * re-evaluate only what changed since it last looked. */
int64_t pw_store_generation(struct pw_store *s);

/* A write transaction: one at a time per database (a second writer waits up
 * to the store's busy timeout). Not nestable. rollback is safe to call when
 * no transaction is open. Prefer pw_store_write, which cannot leave one
 * open. */
pw_err pw_store_begin(struct pw_store *s, struct pw_error *e);
pw_err pw_store_commit(struct pw_store *s, struct pw_error *e);
void pw_store_rollback(struct pw_store *s);
bool pw_store_in_transaction(struct pw_store *s);

/* One write transaction around fn: committed when fn succeeds, rolled
 * back (nothing written) when fn or the commit fails. How the service
 * layer (src/service) changes the store without seeing SQL; where a
 * backend's transient conflicts will be retried. Not nestable. */
typedef pw_err (*pw_store_write_fn)(struct pw_store *s, void *ctx, struct pw_error *e);
pw_err pw_store_write(struct pw_store *s, pw_store_write_fn fn, void *ctx, struct pw_error *e);

/* A read transaction: the reads until pw_store_read_end see one snapshot
 * of the store (an import committing meanwhile is seen after it) and take
 * the file's lock once, not once per look-up, which was most of an
 * assessment's cost. Not inside an import; not nested. */
pw_err pw_store_read_begin(struct pw_store *s, struct pw_error *e);
void pw_store_read_end(struct pw_store *s);

/* Every affected entry, optionally only for one distro (NULL = all) and
 * release (NULL = all) and only those written after generation `since`
 * (0 = all). */
pw_err pw_store_each_affected(struct pw_store *s, const char *distro, const char *release,
			      int64_t since,
			      pw_err (*cb)(void *ctx, const struct pw_affected *a), void *ctx,
			      struct pw_error *e);

/* The affected entries of some packages of one distro and release: what
 * one host's assessment needs, read by the (distro, release, package)
 * index instead of the whole release. */
pw_err pw_store_each_affected_of(struct pw_store *s, const char *distro, const char *release,
				 const char *const *packages, size_t npackages,
				 pw_err (*cb)(void *ctx, const struct pw_affected *a), void *ctx,
				 struct pw_error *e);

/* Does the store hold any affected entry for this distro and release? */
pw_err pw_store_has_affected(struct pw_store *s, const char *distro, const char *release,
			     bool *found, struct pw_error *e);

/* Vulnerability details (merged across feeds: a CVE's CVSS from NVD, its
 * summary from whichever feed has one), with every alias any feed gave it,
 * sorted. found=false when unknown. */
pw_err pw_store_get_vuln(struct pw_store *s, const char *id, struct pw_vuln *out, bool *found,
			 struct pw_error *e);
pw_err pw_store_get_kev(struct pw_store *s, const char *cve, struct pw_kev *out, bool *found,
			struct pw_error *e);
pw_err pw_store_get_epss(struct pw_store *s, const char *cve, struct pw_epss *out, bool *found,
			 struct pw_error *e);

/* Every CPE match (NVD configurations), for assets without a package manager. */
pw_err pw_store_each_cpe_match(struct pw_store *s,
			       pw_err (*cb)(void *ctx, const struct pw_cpe_match *m), void *ctx,
			       struct pw_error *e);

/* Row counts for reports and tests: "vulns", "aliases", "affected", "kev",
 * "epss", "cpe_matches", "records". -1 for an unknown table. */
int64_t pw_store_count(struct pw_store *s, const char *what);

/* What the store holds from one source (a feed kind name): distinct record
 * ids for record feeds, rows for "kev" and "epss". -1 on error. */
int64_t pw_store_count_source(struct pw_store *s, const char *source);

/* Fold the write-ahead log back into the database and shrink it. A server
 * runs this periodically: under a steady read load the automatic
 * checkpoint never finds a moment without readers and the log only grows
 * (1.5 GB after 300 inventory uploads). Waits for readers, briefly. */
pw_err pw_store_checkpoint(struct pw_store *s, struct pw_error *e);
/* A consistent copy of the whole store at `path` into `dest` (a new file,
 * created 0600), taken online: writers on other connections go on meanwhile
 * (SQLite's backup API). The copy is written under a temporary name beside
 * dest and linked into place only when complete; dest must not exist. The
 * store is not opened as a store: no migration, so no wait for the write
 * lock an import may hold for minutes (`patchwarden db backup`). A file that
 * is not a store is refused. */
pw_err pw_store_backup_path(const char *path, const char *dest, struct pw_error *e);

/* The backend's name: "sqlite". */
const char *pw_store_backend(struct pw_store *s);

#endif
